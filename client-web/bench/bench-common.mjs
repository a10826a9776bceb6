// What the browser benchmarks (render-bench.mjs, map-bench.mjs) share: the
// run itself (a convene-server, Chromium, the runs, the report), the Node they
// need, the figures they compute, and the load phase (Join clicked -> every
// element painted).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { armLoad, installProbes } from "./page-probes.mjs";
import { serverBinary, startServer } from "./server.mjs";
import {
  difference,
  distSourceMaps,
  mainThreadTimes,
  startProfile,
  startTrace,
  stopProfile,
  stopTrace,
} from "./profile.mjs";

export const CHROMIUM_PATH = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
export const VIEWPORT = { width: 1280, height: 800 };

/**
 * Node 20 has a WebSocket only behind a flag: runs the script `moduleUrl`
 * again with it and exits with its status (Node 22+ has it: returns).
 */
export function needWebSocket(moduleUrl) {
  if (typeof WebSocket !== "undefined") return;
  const child = spawnSync(
    process.execPath,
    [
      "--experimental-websocket",
      ...process.execArgv,
      fileURLToPath(moduleUrl),
      ...process.argv.slice(2),
    ],
    { stdio: "inherit" },
  );
  process.exit(child.status ?? 1);
}

/** Options (node:util parseArgs) every benchmark takes besides its own. */
const COMMON_OPTIONS = {
  repeat: { type: "string", default: "3" },
  json: { type: "boolean", default: false },
  profile: { type: "boolean", default: false },
  trace: { type: "boolean", default: false },
  "trace-dir": { type: "string" },
  seed: { type: "string", default: "1" },
  // Another build of the client (say, to compare two): --client-dir DIR.
  "client-dir": { type: "string" },
};

/**
 * The benchmark script `moduleUrl` (in client-web/bench) called `name`, with
 * its own options `own` (node:util parseArgs) besides COMMON_OPTIONS (which
 * `own` may give other defaults): {args, log, clientRoot, repoRoot, distDir,
 * common: the options every benchmark reads}.
 */
export function benchmarkSetup(moduleUrl, name, own) {
  needWebSocket(moduleUrl);
  const clientRoot = resolve(dirname(fileURLToPath(moduleUrl)), "..");
  const { values: args } = parseArgs({ options: { ...COMMON_OPTIONS, ...own } });
  return {
    args,
    log: (line) => process.stderr.write(`${name}: ${line}\n`),
    clientRoot,
    repoRoot: resolve(clientRoot, ".."),
    distDir: resolve(args["client-dir"] ?? join(clientRoot, "dist")),
    common: {
      repeat: positive(args.repeat, "--repeat"),
      seed: positive(args.seed, "--seed"),
      json: args.json,
      ownBuild: args["client-dir"] !== undefined,
      profile: args.profile,
      trace: args.trace || args["trace-dir"] !== undefined,
      traceDir: args["trace-dir"],
    },
  };
}

/**
 * A benchmark's run (`setup` from benchmarkSetup): checks the client is built (and says if src/ is newer),
 * makes the trace directory, awaits `prepare()`, starts a convene-server
 * (server.mjs) and Chromium, awaits `runOnce({browser, baseUrl, prepared,
 * run})` `repeat` times, and writes `summarise(runs, {chromium, loadBefore,
 * prepared})` as JSON or with `print`. The server and the browser are
 * stopped on the way out, also on Ctrl+C.
 */
export async function runBenchmark(setup, { prepare, runOnce, summarise, print }) {
  const { distDir, clientRoot, repoRoot, log } = setup;
  const { ownBuild, traceDir, repeat, json } = setup.common;
  checkSetup({ distDir, clientRoot, ownBuild, traceDir, log });
  const binary = serverBinary(repoRoot);
  const prepared = await prepare();
  const cleanups = [];
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      process.exit(130);
    });
  }
  const loadBefore = loadavg()[0];
  const server = await startServer({ binary, clientDir: distDir });
  cleanups.push(() => server.stop());
  log(`convene-server pid ${server.pid} at ${server.url}`);
  let browser;
  const runs = [];
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    cleanups.push(() => browser.close());
    for (let run = 0; run < repeat; run++) {
      log(`run ${run + 1} of ${repeat} (load average ${loadavg()[0].toFixed(1)})`);
      runs.push(await runOnce({ browser, baseUrl: server.url, prepared, run }));
    }
    const report = summarise(runs, { chromium: browser.version(), loadBefore, prepared });
    if (json) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
    else print(report);
  } finally {
    await browser?.close();
    await server.stop();
  }
}

function checkSetup({ distDir, clientRoot, ownBuild, traceDir, log }) {
  if (!existsSync(join(distDir, "index.html"))) {
    throw new Error(`no client in ${distDir}: run \`npm run build\` first`);
  }
  if (!ownBuild) warnIfStale(distDir, clientRoot, log);
  if (traceDir) mkdirSync(traceDir, { recursive: true });
}

/**
 * A page in a fresh browser context (its own profile) with the probes of
 * page-probes.mjs, a CDP session with Performance metrics on, and `problems`
 * that collects the page's errors, warnings and failed requests.
 */
export async function openTab(browser, { distDir, run }) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  await context.addInitScript(installProbes);
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") {
      problems.push(`console ${message.type()}: ${message.text()}`);
    }
  });
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send("Performance.enable");
  return {
    context,
    problems,
    tab: { browser, page, cdp, sourceMaps: distSourceMaps(distDir), run },
  };
}

/** The machine the figures come from; `loadBefore` is the load average at the start. */
export function machineFacts({ loadBefore, chromium }) {
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memory_gib: r1(totalmem() / 2 ** 30),
    load_average_before: r1(loadBefore),
    load_average_after: r1(loadavg()[0]),
    chromium,
    node: process.version,
  };
}

export function positive(text, flag) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} wants a positive whole number`);
  return n;
}

/** The default client is built from src/ by `npm run build`: says so when src/ changed since. */
export function warnIfStale(distDir, clientRoot, log) {
  const built = statSync(join(distDir, "index.html")).mtimeMs;
  const newest = (dir) =>
    Math.max(
      0,
      ...readdirSync(dir, { withFileTypes: true }).map((entry) => {
        const path = join(dir, entry.name);
        return entry.isDirectory() ? newest(path) : statSync(path).mtimeMs;
      }),
    );
  if (newest(join(clientRoot, "src")) > built) {
    log("warning: client-web/src is newer than dist/; `npm run build` to measure the current code");
  }
}

export function gitCommit(repoRoot) {
  const head = spawnSync("git", ["rev-parse", "--short", "HEAD"], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  return head.status === 0 ? head.stdout.trim() : undefined;
}

// ---- figures ------------------------------------------------------------------

export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low] + (sorted[high] - sorted[low]) * (at - low);
}

export const r1 = (x) => Math.round(x * 10) / 10;
export const stats = (values) => ({
  median: r1(quantile(values, 0.5)),
  p95: r1(quantile(values, 0.95)),
  max: r1(Math.max(...values)),
});
/** "median 1, p95 2, max 3" */
export const spread = (x) => (x ? `median ${x.median}, p95 ${x.p95}, max ${x.max}` : "n/a");

export function target(measured, limit) {
  return { measured, target: limit, met: measured <= limit };
}

/** "12 ms (target <= 16: met)" */
export const verdict = (t) =>
  `${t.measured} ms (target <= ${t.target}: ${t.met ? "met" : "MISSED"})`;

export const fieldStats = (samples, field) => stats(samples.map((s) => s[field]));
export const meanOf = (objects) => {
  const out = {};
  for (const key of Object.keys(objects[0])) {
    out[key] = r1(objects.reduce((sum, o) => sum + o[key], 0) / objects.length);
  }
  return out;
};

/** The report's workload: the map every run loaded (`runs[i]` has seedOps and load). */
export function mapWorkload(runs, { elements, connections }) {
  return {
    elements,
    connections,
    seed_ops: runs[0].seedOps,
    welcome_bytes: runs[0].load.welcomeBytes,
    map_svg_nodes: runs[0].load.svgNodes,
    viewport: `${VIEWPORT.width}x${VIEWPORT.height}`,
  };
}

/** The name of the client's main bundle in `distDir` (which build was measured). */
export function clientBundle(distDir) {
  return readdirSync(join(distDir, "assets")).find((f) => /^index-.*\.js$/.test(f));
}

/** The report's figures for the load phase (measureLoad's results, one a run). */
export function loadFigures(loads) {
  const median = (field) => fieldStats(loads, field).median;
  return {
    join_to_painted: {
      ...fieldStats(loads, "joinToPaintedMs"),
      runs: loads.map((l) => r1(l.joinToPaintedMs)),
    },
    join_to_welcome: median("joinToWelcomeMs"),
    join_to_hello_sent: median("joinToHelloMs"),
    hello_to_welcome: median("helloToWelcomeMs"),
    welcome_to_painted: median("welcomeToPaintedMs"),
    welcome_handler: median("welcomeHandlerMs"),
    handled_to_dom: median("handledToDomMs"),
    dom_to_painted: median("domToPaintedMs"),
    main_thread: meanOf(loads.map((l) => l.mainThread)),
  };
}

// ---- where the time goes ----------------------------------------------------------

/**
 * --profile and --trace: {start(tab), stop(tab, phase)} take a CPU profile and
 * a trace of one phase; `tab` is {browser, page, cdp, sourceMaps, run}, and
 * with `traceDir` the raw trace is kept as run<N>-<phase>.json.
 */
export function phaseDiagnostics({ profile, trace, traceDir }) {
  return {
    async start({ browser, page, cdp }) {
      if (profile) await startProfile(cdp);
      if (trace) await startTrace(browser, page);
    },
    async stop({ browser, cdp, sourceMaps, run }, phase) {
      const saveAs = traceDir && join(resolve(traceDir), `run${run + 1}-${phase}.json`);
      return {
        profile: profile ? await stopProfile(cdp, sourceMaps) : undefined,
        trace: trace ? await stopTrace(browser, { saveAs }) : undefined,
      };
    },
  };
}

/** The summary's lines for `diagnostics` (one {phase: {profile, trace}} a run). */
export function diagnosticLines(diagnostics, phases) {
  const lines = [];
  for (const [i, run] of (diagnostics ?? []).entries()) {
    for (const phase of phases) {
      const { profile, trace } = run[phase] ?? {};
      if (profile) {
        lines.push(
          "",
          `CPU profile, run ${i + 1}, ${phase} (sampled ${profile.busyMs} ms, under the app's own functions ${profile.appMs} ms), self time:`,
        );
        for (const f of profile.top) lines.push(`  ${String(f.selfMs).padStart(8)} ms  ${f.fn}`);
        lines.push(`CPU profile, run ${i + 1}, ${phase}: the app's functions, callees included:`);
        for (const f of profile.app) lines.push(`  ${String(f.totalMs).padStart(8)} ms  ${f.fn}`);
      }
      if (trace) {
        lines.push(
          "",
          `Trace, run ${i + 1}, ${phase} (main thread busy ${trace.busyMs} ms), self time:`,
        );
        for (const e of trace.top) lines.push(`  ${String(e.selfMs).padStart(8)} ms  ${e.event}`);
      }
    }
  }
  return lines;
}

// ---- the load phase -------------------------------------------------------------

/**
 * Opens the convening's invite, clicks Join and waits for the first frame
 * showing `expected` elements, painted (page-probes.mjs). The page has
 * installProbes as an init script. `diagnostics` start and stop --profile
 * and --trace around the phase (its result is returned as is).
 */
export async function measureLoad(tab, { baseUrl, convening, expected, diagnostics }) {
  const { page, cdp } = tab;
  await page.goto(`${baseUrl}/c/${convening.id}#invite=${convening.participantToken}`);
  await page.waitForSelector("[data-testid=join]");
  await page.evaluate(armLoad, expected);
  const before = await mainThreadTimes(cdp);
  await diagnostics.start(tab);
  await page.click("[data-testid=join]");
  const probe = await page.evaluate(async () => {
    const bench = window.__bench;
    const load = await bench.load.done;
    const welcome = bench.frames.find((f) => f.arrivedAt === load.welcomeAt);
    return {
      joinClickedAt: bench.joinClickedAt,
      helloAt: load.helloAt,
      welcomeAt: load.welcomeAt,
      welcomeHandledAt: load.welcomeHandledAt,
      welcomeBytes: welcome?.bytes,
      domAt: load.domAt,
      paintedAt: load.paintedAt,
    };
  });
  const diagnosed = await diagnostics.stop(tab, "load");
  const after = await mainThreadTimes(cdp);
  if (probe.paintedAt === undefined) throw new Error("the map never showed every element");
  const svgNodes = await page.evaluate(
    () => document.querySelectorAll("[data-testid=map-canvas] *").length,
  );
  return {
    joinToPaintedMs: probe.paintedAt - probe.joinClickedAt,
    joinToWelcomeMs: probe.welcomeAt - probe.joinClickedAt,
    joinToHelloMs: probe.helloAt - probe.joinClickedAt,
    helloToWelcomeMs: probe.welcomeAt - probe.helloAt,
    welcomeToPaintedMs: probe.paintedAt - probe.welcomeAt,
    welcomeHandlerMs: probe.welcomeHandledAt - probe.welcomeAt,
    handledToDomMs: probe.domAt - probe.welcomeHandledAt,
    domToPaintedMs: probe.paintedAt - probe.domAt,
    welcomeBytes: probe.welcomeBytes,
    svgNodes,
    mainThread: difference(after, before),
    diagnostics: diagnosed,
  };
}
