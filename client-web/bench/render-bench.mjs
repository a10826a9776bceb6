// Browser client benchmark: a real convene-server, Debian's Chromium driven by
// playwright-core, and a convening of 1,000 elements, 2,000 connections and a
// 100,000-character draft. Measures, in the page:
//   load:   Join clicked -> the first frame showing all elements, painted
//           (also from the Welcome's arrival);
//   edit:   a remote move's Ops frame arriving -> the frame showing the
//           element in its new place, painted;
//   typing: per keystroke into the big draft, the main thread's work for it
//           (key events, the app's input handling, the next frame).
// "Painted" is defined in page-probes.mjs. Figures: docs/benchmarks.md.
//
//   npm run bench -- [--repeat N] [--json] [--edits N] [--keys N] [--client-dir DIR]
//                    [--profile] [--trace] [--trace-dir DIR]   (where the time goes, per phase;
//                    DIR keeps the raw Chromium traces, for DevTools' Performance panel)
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { armEdit, armLoad, installKeyProbes, installProbes } from "./page-probes.mjs";
import {
  difference,
  distSourceMaps,
  mainThreadTimes,
  startProfile,
  startTrace,
  stopProfile,
  stopTrace,
} from "./profile.mjs";
import {
  createConvening,
  loadClientModules,
  ProtocolClient,
  random,
  seedConvening,
} from "./protocol-client.mjs";
import { serverBinary, startServer } from "./server.mjs";

const TARGETS = { loadMs: 500, editPaintMs: 50, keystrokeMs: 16 };
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const VIEWPORT = { width: 1280, height: 800 };
const WARMUP_KEYS = 5;

const benchDir = dirname(fileURLToPath(import.meta.url));
const clientRoot = resolve(benchDir, "..");
const repoRoot = resolve(clientRoot, "..");

// Node 20 has a WebSocket only behind a flag: run again with it (Node 22+ has it).
if (typeof WebSocket === "undefined") {
  const child = spawnSync(
    process.execPath,
    [
      "--experimental-websocket",
      ...process.execArgv,
      fileURLToPath(import.meta.url),
      ...process.argv.slice(2),
    ],
    { stdio: "inherit" },
  );
  process.exit(child.status ?? 1);
}

const { values: args } = parseArgs({
  options: {
    repeat: { type: "string", default: "3" },
    json: { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    trace: { type: "boolean", default: false },
    "trace-dir": { type: "string" },
    elements: { type: "string", default: "1000" },
    connections: { type: "string", default: "2000" },
    text: { type: "string", default: "100000" },
    edits: { type: "string", default: "30" },
    keys: { type: "string", default: "100" },
    "key-interval": { type: "string", default: "100" },
    seed: { type: "string", default: "1" },
    "client-dir": { type: "string" },
  },
});
// Another build of the client (say, to compare two): --client-dir DIR.
const distDir = resolve(args["client-dir"] ?? join(clientRoot, "dist"));
const options = {
  repeat: positive(args.repeat, "--repeat"),
  elements: positive(args.elements, "--elements"),
  connections: positive(args.connections, "--connections"),
  textLength: positive(args.text, "--text"),
  edits: positive(args.edits, "--edits"),
  keys: positive(args.keys, "--keys"),
  keyIntervalMs: positive(args["key-interval"], "--key-interval"),
  seed: positive(args.seed, "--seed"),
  profile: args.profile,
  trace: args.trace || args["trace-dir"] !== undefined,
  traceDir: args["trace-dir"],
};

function positive(text, flag) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} wants a positive whole number`);
  return n;
}

const log = (line) => process.stderr.write(`render-bench: ${line}\n`);
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** Run on the way out, also on Ctrl+C: the server and the browser are ours to stop. */
const cleanups = [];
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    process.exit(130);
  });
}

async function main() {
  if (!existsSync(join(distDir, "index.html"))) {
    throw new Error(`no client in ${distDir}: run \`npm run build\` first`);
  }
  warnIfStale();
  if (options.traceDir) mkdirSync(options.traceDir, { recursive: true });
  const binary = serverBinary(repoRoot);
  const modules = await loadClientModules(clientRoot);
  const loadBefore = loadavg()[0];
  const server = await startServer({ binary, clientDir: distDir });
  cleanups.push(() => server.stop());
  log(`convene-server pid ${server.pid} at ${server.url}`);
  let browser;
  const runs = [];
  try {
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
    cleanups.push(() => browser.close());
    for (let r = 0; r < options.repeat; r++) {
      log(`run ${r + 1} of ${options.repeat}`);
      runs.push(await runOnce(browser, server.url, modules, r));
    }
    const report = summarise(runs, {
      chromium: browser.version(),
      loadBefore,
    });
    if (args.json) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
    else printSummary(report);
  } finally {
    await browser?.close();
    await server.stop();
  }
}

/** The default client is built from src/ by `npm run build`: say so when src/ changed since. */
function warnIfStale() {
  if (args["client-dir"] !== undefined) return;
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

/** One fresh convening, one fresh browser profile: load, then edits, then typing. */
async function runOnce(browser, baseUrl, modules, run) {
  const convening = await createConvening(baseUrl, "Render benchmark");
  const rand = random(options.seed * 1000 + run);
  const seeder = new ProtocolClient(modules, {
    baseUrl,
    convening: convening.id,
    token: convening.convenerToken,
    name: "Remote editor",
    replica: BigInt(1 + Math.floor(rand() * 2 ** 48)),
  });
  await seeder.connect();
  const seedStart = performance.now();
  const seeded = await seedConvening(seeder, {
    elements: options.elements,
    connections: options.connections,
    textLength: options.textLength,
    seed: options.seed,
  });
  const seedMs = performance.now() - seedStart;
  const serverWelcomeMs = await timeServerWelcome(modules, baseUrl, convening, rand);

  const context = await browser.newContext({ viewport: VIEWPORT });
  const problems = [];
  try {
    await context.addInitScript(installProbes);
    const page = await context.newPage();
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") {
        problems.push(`console ${message.type()}: ${message.text()}`);
      }
    });
    const cdp = await context.newCDPSession(page);
    await cdp.send("Performance.enable");
    const tab = { browser, page, cdp, sourceMaps: distSourceMaps(distDir), run };

    const load = await measureLoad(tab, baseUrl, convening, seeded);
    await settle(page);
    const edits = await measureEdits(tab, seeder, seeded, rand);
    const typing = await measureTyping(tab, seeded);
    await checkTypedTextSaved(page, baseUrl, convening, seeded, typing.typed);
    return { seedOps: seeded.ops, seedMs, serverWelcomeMs, load, edits, typing, problems };
  } finally {
    await context.close();
    seeder.close();
  }
}

/**
 * How long the server takes to answer a Hello with this convening's Welcome
 * (its ops read from the store and sent), seen from a Node client: the part
 * of the page's wait that is not the browser's.
 */
async function timeServerWelcome(modules, baseUrl, convening, rand) {
  const probe = new ProtocolClient(modules, {
    baseUrl,
    convening: convening.id,
    token: convening.participantToken,
    name: "Welcome timer",
    replica: BigInt(1 + Math.floor(rand() * 2 ** 48)),
  });
  try {
    await probe.connect();
    return probe.welcomeArrivedAt - probe.helloSentAt;
  } finally {
    probe.close();
  }
}

/** --profile and --trace: a CPU profile and a trace of one phase. */
async function startDiagnostics({ browser, page, cdp }) {
  if (options.profile) await startProfile(cdp);
  if (options.trace) await startTrace(browser, page);
}

async function stopDiagnostics({ browser, cdp, sourceMaps, run }, phase) {
  const saveAs = options.traceDir && join(resolve(options.traceDir), `run${run + 1}-${phase}.json`);
  return {
    profile: options.profile ? await stopProfile(cdp, sourceMaps) : undefined,
    trace: options.trace ? await stopTrace(browser, { saveAs }) : undefined,
  };
}

async function measureLoad(tab, baseUrl, convening, seeded) {
  const { page, cdp } = tab;
  await page.goto(`${baseUrl}/c/${convening.id}#invite=${convening.participantToken}`);
  await page.waitForSelector("[data-testid=join]");
  await page.evaluate(armLoad, seeded.elementIds.length);
  const before = await mainThreadTimes(cdp);
  await startDiagnostics(tab);
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
  const diagnostics = await stopDiagnostics(tab, "load");
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
    diagnostics,
  };
}

/** After the join: the status says saved and a second passes (the preview's debounce, storage). */
async function settle(page) {
  await page.waitForSelector("[data-testid=status][data-state=saved]", { timeout: 30_000 });
  await sleep(1500);
}

async function measureEdits(tab, seeder, seeded, rand) {
  const { page, cdp } = tab;
  const samples = [];
  const before = await mainThreadTimes(cdp);
  await startDiagnostics(tab);
  for (let i = 0; i < options.edits; i++) {
    const id = seeded.elementIds[Math.floor(rand() * seeded.elementIds.length)];
    const at = seeder.doc.element(id).fields.position;
    const x = Math.round(at.x + 40 * (rand() - 0.5));
    const y = Math.round(at.y + 40 * (rand() - 0.5));
    // As scene.ts writes it.
    await page.evaluate(armEdit, { id, transform: `translate(${x} ${y})` });
    seeder.doc.updateElement(id, { position: { x, y } });
    seeder.submitNow();
    const probe = await page.evaluate(async () => {
      const edit = await window.__bench.edit.done;
      return {
        arrivedAt: edit.arrivedAt,
        handledAt: edit.handledAt,
        domAt: edit.domAt,
        paintedAt: edit.paintedAt,
      };
    });
    if (probe.paintedAt === undefined) throw new Error(`edit ${i}: the move was never shown`);
    samples.push({
      arrivedToPaintedMs: probe.paintedAt - probe.arrivedAt,
      handlerMs: probe.handledAt - probe.arrivedAt,
      handledToFrameMs: probe.domAt - probe.handledAt,
      frameMs: probe.paintedAt - probe.domAt,
    });
    // Edits land at random moments between frames, as they would.
    await sleep(40 + rand() * 120);
  }
  const diagnostics = await stopDiagnostics(tab, "edits");
  const after = await mainThreadTimes(cdp);
  return { samples, mainThreadPerEdit: difference(after, before, options.edits), diagnostics };
}

async function measureTyping(tab, seeded) {
  const { page, cdp } = tab;
  await page.click("[data-testid=tab-drafts]");
  const textarea = page.locator("[data-testid=draft-editor]");
  await page.waitForFunction(
    (length) => document.querySelector("[data-testid=draft-editor]")?.value.length >= length,
    seeded.textLength,
  );
  await sleep(1500); // the preview of the whole text renders once when the view opens
  await page.evaluate(installKeyProbes);
  // The caret in the middle of the text, where the CRDT and the layout do the most.
  await textarea.evaluate((ta) => {
    ta.focus();
    const middle = ta.value.indexOf(" ", ta.value.length >> 1) + 1;
    ta.setSelectionRange(middle, middle);
  });
  const phrase = "we will meet by the river and talk about what the wetlands need ";
  let typed = "";
  const samples = [];
  let before;
  for (let i = 0; i < WARMUP_KEYS + options.keys; i++) {
    if (i === WARMUP_KEYS) {
      before = await mainThreadTimes(cdp);
      await startDiagnostics(tab);
    }
    const started = performance.now();
    const char = phrase[i % phrase.length];
    await page.keyboard.type(char);
    typed += char;
    const key = await page.evaluate(async (index) => {
      const k = window.__bench.keys[index];
      await k.done;
      return {
        eventAt: k.eventAt,
        keydownAt: k.keydownAt,
        inputHandledAt: k.inputHandledAt,
        frameAt: k.frameAt,
        paintedAt: k.paintedAt,
      };
    }, i);
    if (i >= WARMUP_KEYS) {
      const inputMs = key.inputHandledAt - key.keydownAt;
      const frameMs = key.paintedAt - key.frameAt;
      samples.push({
        workMs: inputMs + frameMs,
        inputMs,
        frameMs,
        keyToPaintedMs: key.paintedAt - key.eventAt,
      });
    }
    await sleep(Math.max(0, options.keyIntervalMs - (performance.now() - started)));
  }
  const diagnostics = await stopDiagnostics(tab, "typing");
  const after = await mainThreadTimes(cdp);
  return {
    samples,
    typed,
    mainThreadPerKey: difference(after, before, options.keys),
    diagnostics,
  };
}

/** The keystrokes reached the server: its export holds the typed text in the draft. */
async function checkTypedTextSaved(page, baseUrl, convening, seeded, typed) {
  await page.waitForSelector("[data-testid=status][data-state=saved]", { timeout: 30_000 });
  const response = await fetch(`${baseUrl}/api/convenings/${convening.id}/export?format=json`, {
    headers: { authorization: `Bearer ${convening.convenerToken}` },
  });
  const exported = await response.json();
  const variant = exported.drafts?.[0]?.variants?.find((v) => v.id === seeded.draft);
  if (!variant?.text.includes(typed) || variant.text.length !== seeded.textLength + typed.length) {
    throw new Error("the typed text did not reach the server intact");
  }
}

// ---- figures ------------------------------------------------------------------

function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low] + (sorted[high] - sorted[low]) * (at - low);
}

const r1 = (x) => Math.round(x * 10) / 10;
const stats = (values) => ({
  median: r1(quantile(values, 0.5)),
  p95: r1(quantile(values, 0.95)),
  max: r1(Math.max(...values)),
});
const fieldStats = (samples, field) => stats(samples.map((s) => s[field]));
const meanOf = (objects) => {
  const out = {};
  for (const key of Object.keys(objects[0])) {
    out[key] = r1(objects.reduce((sum, o) => sum + o[key], 0) / objects.length);
  }
  return out;
};

function summarise(runs, { chromium, loadBefore }) {
  const loads = runs.map((r) => r.load);
  const edits = runs.flatMap((r) => r.edits.samples);
  const keys = runs.flatMap((r) => r.typing.samples);
  const median = (field) => fieldStats(loads, field).median;
  const bundle = readdirSync(join(distDir, "assets")).find((f) => /^index-.*\.js$/.test(f));
  const report = {
    benchmark: "browser client render",
    repeat: runs.length,
    workload: {
      elements: options.elements,
      connections: options.connections,
      draft_characters: options.textLength,
      seed_ops: runs[0].seedOps,
      welcome_bytes: loads[0].welcomeBytes,
      map_svg_nodes: loads[0].svgNodes,
      remote_edits_per_run: options.edits,
      keystrokes_per_run: options.keys,
      key_interval_ms: options.keyIntervalMs,
      viewport: `${VIEWPORT.width}x${VIEWPORT.height}`,
    },
    load_ms: {
      join_to_painted: {
        ...fieldStats(loads, "joinToPaintedMs"),
        runs: loads.map((l) => r1(l.joinToPaintedMs)),
      },
      join_to_welcome: median("joinToWelcomeMs"),
      join_to_hello_sent: median("joinToHelloMs"),
      hello_to_welcome: median("helloToWelcomeMs"),
      server_hello_to_welcome_node_client: r1(
        quantile(
          runs.map((r) => r.serverWelcomeMs),
          0.5,
        ),
      ),
      welcome_to_painted: median("welcomeToPaintedMs"),
      welcome_handler: median("welcomeHandlerMs"),
      handled_to_dom: median("handledToDomMs"),
      dom_to_painted: median("domToPaintedMs"),
      main_thread: meanOf(loads.map((l) => l.mainThread)),
    },
    remote_edit_ms: {
      samples: edits.length,
      arrived_to_painted: fieldStats(edits, "arrivedToPaintedMs"),
      handler: fieldStats(edits, "handlerMs"),
      handled_to_frame: fieldStats(edits, "handledToFrameMs"),
      frame: fieldStats(edits, "frameMs"),
      main_thread_per_edit: meanOf(runs.map((r) => r.edits.mainThreadPerEdit)),
    },
    keystroke_ms: {
      samples: keys.length,
      work: fieldStats(keys, "workMs"),
      input: fieldStats(keys, "inputMs"),
      frame: fieldStats(keys, "frameMs"),
      key_to_painted: fieldStats(keys, "keyToPaintedMs"),
      main_thread_per_key: meanOf(runs.map((r) => r.typing.mainThreadPerKey)),
    },
    targets: {},
    machine: {
      cpu: cpus()[0]?.model ?? "unknown",
      cores: cpus().length,
      memory_gib: r1(totalmem() / 2 ** 30),
      load_average_before: r1(loadBefore),
      load_average_after: r1(loadavg()[0]),
      chromium,
      node: process.version,
    },
    client_bundle: bundle,
    commit: gitCommit(),
    problems: [...new Set(runs.flatMap((r) => r.problems))],
  };
  report.targets = {
    load_join_to_painted_ms: target(report.load_ms.join_to_painted.median, TARGETS.loadMs),
    remote_edit_arrived_to_painted_p95_ms: target(
      report.remote_edit_ms.arrived_to_painted.p95,
      TARGETS.editPaintMs,
    ),
    keystroke_work_p95_ms: target(report.keystroke_ms.work.p95, TARGETS.keystrokeMs),
  };
  if (options.profile || options.trace) {
    report.diagnostics = runs.map((r) => ({
      load: r.load.diagnostics,
      edits: r.edits.diagnostics,
      typing: r.typing.diagnostics,
    }));
  }
  return report;
}

function target(measured, limit) {
  return { measured, target: limit, met: measured <= limit };
}

function gitCommit() {
  const head = spawnSync("git", ["rev-parse", "--short", "HEAD"], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  return head.status === 0 ? head.stdout.trim() : undefined;
}

function printSummary(report) {
  const w = report.workload;
  const l = report.load_ms;
  const e = report.remote_edit_ms;
  const k = report.keystroke_ms;
  const s = (x) => `median ${x.median}, p95 ${x.p95}, max ${x.max}`;
  const verdict = (t) => `${t.measured} ms (target <= ${t.target}: ${t.met ? "met" : "MISSED"})`;
  const lines = [
    `Browser client render benchmark, ${report.repeat} run(s): ${w.elements} elements, ${w.connections} connections, ${w.draft_characters}-character draft`,
    `  ${report.machine.cpu}, ${report.machine.cores} cores, Chromium ${report.machine.chromium}, bundle ${report.client_bundle}`,
    ``,
    `Load (Join clicked -> all ${w.elements} elements painted): ${verdict(report.targets.load_join_to_painted_ms)}; runs ${l.join_to_painted.runs.join(", ")}`,
    `  join -> Welcome arrived ${l.join_to_welcome} (Hello sent after ${l.join_to_hello_sent}; a Node client waits ${l.server_hello_to_welcome_node_client} for the same Welcome), Welcome -> painted ${l.welcome_to_painted} (handler ${l.welcome_handler}, to the frame ${l.handled_to_dom}, frame ${l.dom_to_painted})`,
    `  main thread: script ${l.main_thread.script}, style ${l.main_thread.style}, layout ${l.main_thread.layout}, all tasks ${l.main_thread.task}; CPU time ${l.main_thread.cpu}`,
    `Remote edit (Ops frame arrived -> painted), ${e.samples} edits: p95 ${verdict(report.targets.remote_edit_arrived_to_painted_p95_ms)}`,
    `  arrived -> painted ${s(e.arrived_to_painted)}`,
    `  handler ${s(e.handler)}; wait for the frame ${s(e.handled_to_frame)}; frame ${s(e.frame)}`,
    `  main thread per edit (all tasks): ${e.main_thread_per_edit.task}; CPU time ${e.main_thread_per_edit.cpu}`,
    `Keystroke work (key events + the next frame), ${k.samples} keys: p95 ${verdict(report.targets.keystroke_work_p95_ms)}`,
    `  work ${s(k.work)}`,
    `  input handling ${s(k.input)}; frame ${s(k.frame)}; key -> painted ${s(k.key_to_painted)}`,
    `  main thread per key (all tasks): script ${k.main_thread_per_key.script}, style ${k.main_thread_per_key.style}, layout ${k.main_thread_per_key.layout}, all ${k.main_thread_per_key.task}; CPU time ${k.main_thread_per_key.cpu}`,
  ];
  if (report.problems.length > 0)
    lines.push("", "Problems seen in the page:", ...report.problems.map((p) => `  ${p}`));
  for (const [i, run] of (report.diagnostics ?? []).entries()) {
    for (const phase of ["load", "edits", "typing"]) {
      const { profile, trace } = run[phase];
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
  process.stdout.write(lines.join("\n") + "\n");
}

main().catch((error) => {
  process.stderr.write(`render-bench: ${error.stack ?? error}\n`);
  process.exitCode = 1;
});
