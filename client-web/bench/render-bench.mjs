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
import {
  clientBundle,
  benchmarkSetup,
  diagnosticLines,
  fieldStats,
  gitCommit,
  loadFigures,
  machineFacts,
  mapWorkload,
  meanOf,
  measureLoad,
  openTab,
  phaseDiagnostics,
  positive,
  runBenchmark,
  quantile,
  r1,
  spread,
  target,
  verdict,
} from "./bench-common.mjs";
import { armEdit, installKeyProbes } from "./page-probes.mjs";
import { difference, mainThreadTimes } from "./profile.mjs";
import {
  connectedClient,
  loadClientModules,
  newConvening,
  random,
  seedConvening,
} from "./protocol-client.mjs";

const TARGETS = { loadMs: 500, editPaintMs: 50, keystrokeMs: 16 };
const WARMUP_KEYS = 5;

const setup = benchmarkSetup(import.meta.url, "render-bench", {
  elements: { type: "string", default: "1000" },
  connections: { type: "string", default: "2000" },
  text: { type: "string", default: "100000" },
  edits: { type: "string", default: "30" },
  keys: { type: "string", default: "100" },
  "key-interval": { type: "string", default: "100" },
});
const { args, clientRoot, distDir } = setup;
const options = {
  ...setup.common,
  elements: positive(args.elements, "--elements"),
  connections: positive(args.connections, "--connections"),
  textLength: positive(args.text, "--text"),
  edits: positive(args.edits, "--edits"),
  keys: positive(args.keys, "--keys"),
  keyIntervalMs: positive(args["key-interval"], "--key-interval"),
};

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

async function main() {
  await runBenchmark(setup, {
    prepare: () => loadClientModules(clientRoot),
    runOnce: ({ browser, baseUrl, prepared, run }) => runOnce(browser, baseUrl, prepared, run),
    summarise,
    print: printSummary,
  });
}

/** One fresh convening, one fresh browser profile: load, then edits, then typing. */
async function runOnce(browser, baseUrl, modules, run) {
  const rand = random(options.seed * 1000 + run);
  const { convening, client: seeder } = await newConvening(modules, {
    baseUrl,
    name: "Render benchmark",
    clientName: "Remote editor",
    rand,
  });
  const seedStart = performance.now();
  const seeded = await seedConvening(seeder, {
    elements: options.elements,
    connections: options.connections,
    textLength: options.textLength,
    seed: options.seed,
  });
  const seedMs = performance.now() - seedStart;
  const serverWelcomeMs = await timeServerWelcome(modules, baseUrl, convening, rand);

  const { context, problems, tab } = await openTab(browser, { distDir, run });
  const { page } = tab;
  try {
    const load = await measureLoad(tab, {
      baseUrl,
      convening,
      expected: seeded.elementIds.length,
      diagnostics: { start: startDiagnostics, stop: stopDiagnostics },
    });
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
  const probe = await connectedClient(modules, {
    baseUrl,
    convening,
    token: convening.participantToken,
    name: "Welcome timer",
    rand,
  });
  try {
    return probe.welcomeArrivedAt - probe.helloSentAt;
  } finally {
    probe.close();
  }
}

/** --profile and --trace: a CPU profile and a trace of one phase. */
const { start: startDiagnostics, stop: stopDiagnostics } = phaseDiagnostics(options);

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

function summarise(runs, { chromium, loadBefore }) {
  const loads = runs.map((r) => r.load);
  const edits = runs.flatMap((r) => r.edits.samples);
  const keys = runs.flatMap((r) => r.typing.samples);
  const report = {
    benchmark: "browser client render",
    repeat: runs.length,
    workload: {
      ...mapWorkload(runs, options),
      draft_characters: options.textLength,
      remote_edits_per_run: options.edits,
      keystrokes_per_run: options.keys,
      key_interval_ms: options.keyIntervalMs,
    },
    load_ms: {
      ...loadFigures(loads),
      server_hello_to_welcome_node_client: r1(
        quantile(
          runs.map((r) => r.serverWelcomeMs),
          0.5,
        ),
      ),
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
    machine: machineFacts({ loadBefore, chromium }),
    client_bundle: clientBundle(distDir),
    commit: gitCommit(setup.repoRoot),
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

function printSummary(report) {
  const w = report.workload;
  const l = report.load_ms;
  const e = report.remote_edit_ms;
  const k = report.keystroke_ms;
  const s = spread;
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
  lines.push(...diagnosticLines(report.diagnostics, ["load", "edits", "typing"]));
  process.stdout.write(lines.join("\n") + "\n");
}

main().catch((error) => {
  process.stderr.write(`render-bench: ${error.stack ?? error}\n`);
  process.exitCode = 1;
});
