// Starts and stops one convene-server for the benchmark: a free port on
// 127.0.0.1, a temporary data directory, the built client from client-web/dist.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** The binary: $CONVENE_SERVER_BINARY (as for every test), else <repo>/build/convene-server. */
export function serverBinary(repoRoot) {
  const fromEnv = process.env.CONVENE_SERVER_BINARY;
  const binary = fromEnv ? resolve(fromEnv) : join(repoRoot, "build", "convene-server");
  if (!existsSync(binary)) {
    throw new Error(`no convene-server at ${binary}: build it, or set CONVENE_SERVER_BINARY`);
  }
  return binary;
}

/**
 * Resolves with {url, pid, stop()} once the server prints the address it
 * bound (port 0 lets the kernel pick a free one).
 */
export async function startServer({ binary, clientDir }) {
  const dataDir = mkdtempSync(join(tmpdir(), "convene-render-bench-"));
  const child = spawn(
    binary,
    [
      "--listen",
      "127.0.0.1:0",
      "--data",
      dataDir,
      "--client-dir",
      clientDir,
      "--durability",
      "os",
      "--log-level",
      "info",
      // One seeder writes a whole large map in one go: no per-member rate limit.
      "--member-ops-per-minute",
      "0",
      "--member-mb-per-minute",
      "0",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let log = "";
  let exited = false;
  const exit = new Promise((done) =>
    child.once("exit", (code, signal) => {
      exited = true;
      done({ code, signal });
    }),
  );
  const url = await new Promise((done, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`convene-server did not start:\n${log}`)),
      15_000,
    );
    const onData = (chunk) => {
      log += chunk.toString();
      // "open http://127.0.0.1:PORT/ in a browser"
      const match = /open (http:\/\/127\.0\.0\.1:\d+)\//.exec(log);
      if (match) {
        clearTimeout(timer);
        done(match[1]);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exit.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(new Error(`convene-server exited (${code ?? signal}) before listening:\n${log}`));
    });
  }).catch((error) => {
    cleanup();
    throw error;
  });
  // Keep draining its output so a chatty server never blocks on a full pipe.
  child.stdout.resume();
  child.stderr.resume();

  function cleanup() {
    if (!exited) child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  }

  return {
    url,
    pid: child.pid,
    /** SIGTERM to our own child by pid, SIGKILL after 5 s, then the data dir goes. */
    async stop() {
      if (!exited) {
        process.kill(child.pid, "SIGTERM");
        const timer = setTimeout(() => !exited && process.kill(child.pid, "SIGKILL"), 5000);
        await exit;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
