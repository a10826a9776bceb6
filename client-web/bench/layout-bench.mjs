// Layout benchmark: how long the map's automatic layouts (src/map/layout.ts,
// layout-scale.ts) take in Debian's headless Chromium, on a generated map of
// 2,000 elements and 4,000 connections (a random tree plus random links,
// footprints like labelled elements, scattered as a hand-made map would be).
// Each layout runs `--repeat` times on the same input (median reported); the
// target is 2 s per layout (docs/benchmarks.md, "Layout").
//
//   node bench/layout-bench.mjs [--nodes N] [--links N] [--repeat N] [--json]
//                               [--ticks N] [--theta T]   (force: instead of the defaults)
import { cpus, loadavg } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { build } from "vite";

const TARGET_MS = 2000;
const clientRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const { values: args } = parseArgs({
  options: {
    nodes: { type: "string", default: "2000" },
    links: { type: "string", default: "4000" },
    repeat: { type: "string", default: "5" },
    json: { type: "boolean", default: false },
    ticks: { type: "string" },
    theta: { type: "string" },
  },
});

/** The layout modules as one script that sets window.LayoutBench. */
async function bundleLayouts() {
  const entry = "\0layout-bench-entry";
  const output = await build({
    root: clientRoot,
    configFile: false,
    logLevel: "error",
    plugins: [
      {
        name: "layout-bench-entry",
        resolveId: (id) => (id.endsWith("layout-bench-entry") ? entry : undefined),
        load: (id) =>
          id === entry
            ? 'export { forceLayout, removeOverlaps } from "/src/map/layout.ts";\n' +
              'export { scaleLayout } from "/src/map/layout-scale.ts";\n'
            : undefined,
      },
    ],
    build: {
      write: false,
      minify: true,
      lib: { entry: "layout-bench-entry", formats: ["iife"], name: "LayoutBench" },
    },
  });
  const chunks = (Array.isArray(output) ? output : [output]).flatMap((o) => o.output);
  return chunks.find((c) => c.type === "chunk").code;
}

/** Runs in the page: builds the map, times each layout. */
function runInPage({ nodes: n, links: m, repeat, force }) {
  const { forceLayout, scaleLayout, removeOverlaps } = window.LayoutBench;
  let state = 7;
  const random = () => (state = (1664525 * state + 1013904223) % 4294967296) / 4294967296;
  const spread = Math.sqrt(n) * 120;
  const nodes = Array.from({ length: n }, (_, i) => ({
    id: `n${i}`,
    x: (random() - 0.5) * spread,
    y: (random() - 0.5) * spread,
    radius: 42 + Math.floor(random() * 30),
    pinned: random() < 0.02,
    scale: Math.floor(random() * 6),
  }));
  const links = [];
  for (let i = 1; i < n && links.length < m; i++)
    links.push({ from: `n${i}`, to: `n${Math.floor(random() * i)}` });
  while (links.length < m)
    links.push({ from: `n${Math.floor(random() * n)}`, to: `n${Math.floor(random() * n)}` });
  const input = { nodes, links };
  const layouts = {
    force: () => forceLayout(input, force),
    rings: () => scaleLayout(input, { arrangement: "rings" }),
    bands: () => scaleLayout(input, { arrangement: "bands" }),
    overlaps: () => removeOverlaps(input),
  };
  // The same work on every machine, to read the figures against (about 100 ms
  // on a current desktop core).
  const start = performance.now();
  let sum = 0;
  for (let i = 0; i < 1e8; i++) sum += i % 7;
  const out = { calibration: { medianMs: Math.round(performance.now() - start), sum } };
  for (const [name, run] of Object.entries(layouts)) {
    const runs = [];
    for (let r = 0; r < repeat; r++) {
      const start = performance.now();
      run();
      runs.push(Math.round(performance.now() - start));
    }
    const sorted = [...runs].sort((a, b) => a - b);
    out[name] = { medianMs: sorted[Math.floor(sorted.length / 2)], runsMs: runs };
  }
  return out;
}

const script = await bundleLayouts();
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
});
try {
  const page = await browser.newPage();
  await page.setContent("<!doctype html><title>layout bench</title>");
  await page.addScriptTag({ content: script });
  const params = {
    nodes: Number(args.nodes),
    links: Number(args.links),
    repeat: Math.max(1, Number(args.repeat)),
    force: {
      ...(args.ticks ? { ticks: Number(args.ticks) } : {}),
      ...(args.theta ? { theta: Number(args.theta) } : {}),
    },
  };
  const layouts = await page.evaluate(runInPage, params);
  const result = {
    bench: "layout",
    ...params,
    targetMs: TARGET_MS,
    layouts,
    browser: `Chromium ${browser.version()}`,
    cpus: cpus().length,
    load: loadavg()[0].toFixed(2),
  };
  if (args.json) console.log(JSON.stringify(result, null, 2));
  const line = Object.entries(layouts)
    .filter(([name]) => name !== "calibration")
    .map(([name, r]) => `${name} ${r.medianMs} ms${r.medianMs > TARGET_MS ? " (over target)" : ""}`)
    .join(", ");
  console.log(
    `layout, ${params.nodes} elements / ${params.links} connections, median of ${params.repeat}: ${line}` +
      ` [${result.browser}, ${result.cpus} cores, load ${result.load},` +
      ` calibration loop ${layouts.calibration.medianMs} ms]`,
  );
} finally {
  await browser.close();
}
