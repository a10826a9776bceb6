// Map tool benchmark: a real convene-server, Debian's Chromium driven by
// playwright-core, and a convening whose one map holds N elements (default
// 2,000) and 2N connections in clusters, with labels, kinds, scales, notes and
// tags as people write them. Measures, in the page, through the UI:
//   load:     Join clicked -> the first frame showing every element, painted
//             (bench-common.mjs, page-probes.mjs);
//   pan/zoom: Ctrl+wheel zooms, drag pans and wheel pans with page.mouse; per
//             frame, the main thread's work for it: the input events' handling
//             in that frame plus its rendering (from the frame's first
//             requestAnimationFrame callback to the end of its rendering),
//             beside the interval between frames (requestAnimationFrame
//             timestamps) and the long animation frames (> 50 ms) Chromium
//             reports;
//   search:   "/" opens the box; per character typed, key event -> the results
//             listed and the map marked, painted;
//   layout:   Layout -> Force-directed (and Arrange by scale: rings, bands)
//             clicked -> the first frame with the elements in their new places,
//             painted (their glide follows: until it is over too);
//   import:   an N-row XLSX (elements; 2N connection rows on their sheet; no
//             positions unless --import-positions, so the import places the
//             elements) written by src/map/formats, chosen in Import… ->
//             preview shown, and Import clicked -> every element and connection
//             painted (into a fresh convening).
// Figures: docs/benchmarks.md ("Map tool in the browser").
//
//   npm run bench:map -- [--elements N] [--connections M] [--repeat N] [--json]
//                        [--no-tags] [--import-positions] [--query TEXT] [--seed N]
//                        [--client-dir DIR] [--screenshots DIR]
//                        [--profile] [--trace] [--trace-dir DIR]   (where the time goes)
// (node bench/map-bench.mjs takes the same; --no-tags for a server without SetTag.)
import * as common from "./bench-common.mjs";
import { installKeyProbes } from "./page-probes.mjs";
import { difference, mainThreadTimes } from "./profile.mjs";
import {
  createConvening,
  loadClientModules,
  newConvening,
  random,
  withClientModules,
} from "./protocol-client.mjs";

const TARGETS = { loadMs: 500, frameMs: 16, searchMs: 50, layoutMs: 2000, importMs: 2000 };
const LAYOUTS = ["force", "rings", "bands"];

const setup = common.benchmarkSetup(import.meta.url, "map-bench", {
  repeat: { type: "string", default: "5" },
  elements: { type: "string", default: "2000" },
  connections: { type: "string" },
  "no-tags": { type: "boolean", default: false },
  "import-positions": { type: "boolean", default: false },
  query: { type: "string", default: "wetland restoration" },
  screenshots: { type: "string" },
});
const { args, clientRoot, distDir, log } = setup;
const elementCount = common.positive(args.elements, "--elements");
const options = {
  ...setup.common,
  elements: elementCount,
  connections: common.positive(args.connections ?? String(2 * elementCount), "--connections"),
  tags: !args["no-tags"],
  importPositions: args["import-positions"],
  query: args.query,
};

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const diagnostics = common.phaseDiagnostics(options);

// ---- the map ----------------------------------------------------------------------

/** "a|b c|d" -> ["a", "b c", "d"] */
const list = (text) => text.split("|");
const PLACES = list(
  "Northvale|Eastbrook|Harbourford|Millbank|Southmoor|Westfield|Lakeside|Greenhill|Stonebridge|" +
    "Ashford|Riverside|Kingsmere|Oakley|Fenwick|Marshgate|Thornbury|Coldwater|Elmstead|" +
    "Redcliffe|Hollins|Brackley|Sandown|Wyebank|Cresswell|Dunmore|Lowther",
);
const NAMES_BY_KIND = {
  institution: list(
    "Council|Water Authority|University|Health Board|Environment Agency office|Drainage Board",
  ),
  project: list(
    "Wetland Restoration Project|Flood Resilience Pilot|Seed Bank Initiative|" +
      "River Corridor Project|Peatland Recovery Fund",
  ),
  community: list(
    "Residents' Association|Farmers' Cooperative|Youth Forum|Fishers' Collective|Allotment Society",
  ),
  network: list("Learning Network|Climate Alliance|Practitioners' Circle|Catchment Partnership"),
  practice: list(
    "rotational grazing|participatory mapping|rainwater harvesting|reed bed filtration|" +
      "community monitoring",
  ),
  artifact: list("catchment plan 2030|biodiversity survey|funding agreement|water quality report"),
  note: list(
    "open question: who maintains the sluices|idea: shared volunteer rota|risk: drought summer",
  ),
};
const FIRST = list(
  "Amina|Ben|Chloe|Dev|Elif|Femi|Grace|Hugo|Ines|Jonah|Kiri|Luca|Maya|Nils|Omar|Priya|Rosa|Sam|Tariq|Yara",
);
const LAST = list(
  "Okafor|Hughes|Novak|Patel|Lindqvist|Mensah|Ortiz|Brennan|Kaur|Silva|Haddad|Moreau|Tanaka|Evans",
);
const ROLES = list("coordinator|hydrologist|farmer|councillor|ecologist|youth worker|funder");
const TAGS = list(
  "wetlands|water|funding|volunteers|policy|monitoring|flood-risk|biodiversity|farming|youth|" +
    "research|health|housing|climate|governance|training|data|peat|fisheries|tourism",
);
const CONNECTION_LABELS = list(
  "funds|advises|reports to|partners with|trains|||shares data with|hosts|supplies",
);
const KINDS = list("institution|project|community|network|person|practice|artifact|note");
const KIND_WEIGHTS = [18, 14, 16, 8, 26, 8, 7, 3];
const SCALES = list("local|organisational|regional|national|global");
const CONNECTION_KINDS = list("collaboration|accountability|funding|power|conflict|information");
const DIRECTIONS = list("none|forward|both");

/**
 * The benchmark's landscape, the same for a seed: elements in clusters of
 * about 40 round places on a jittered grid (each cluster one place's
 * organisations, people and projects), four in five connections within a
 * cluster and the rest to another cluster.
 */
function generateLandscape({ elements: n, connections: m, tags, seed }) {
  const rand = random(seed);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const weighted = () => {
    let r = rand() * KIND_WEIGHTS.reduce((a, b) => a + b, 0);
    for (let i = 0; i < KINDS.length; i++) if ((r -= KIND_WEIGHTS[i]) < 0) return KINDS[i];
    return KINDS[0];
  };
  const clusterCount = Math.max(1, Math.round(n / 40));
  const side = Math.ceil(Math.sqrt(clusterCount));
  const clusters = Array.from({ length: clusterCount }, (_, c) => ({
    place:
      PLACES[c % PLACES.length] +
      (c >= PLACES.length ? ` ${Math.floor(c / PLACES.length) + 1}` : ""),
    x: (c % side) * 1100 + (rand() - 0.5) * 300,
    y: Math.floor(c / side) * 1100 + (rand() - 0.5) * 300,
    members: [],
  }));
  const elements = [];
  for (let i = 0; i < n; i++) {
    const cluster = clusters[i % clusterCount];
    const kind = weighted();
    const label =
      kind === "person"
        ? `${pick(FIRST)} ${pick(LAST)}`
        : `${cluster.place} ${pick(NAMES_BY_KIND[kind])}`;
    // A disc of radius ~450 round the cluster's centre (sunflower, jittered).
    const k = cluster.members.length;
    const r = 70 * Math.sqrt(k + 0.5);
    const a = k * 2.39996 + rand() * 0.4;
    const notes =
      kind === "person"
        ? `${pick(ROLES)} in ${cluster.place}`
        : rand() < 0.3
          ? `Works on ${pick(TAGS)} and ${pick(TAGS)} across the ${cluster.place} catchment.`
          : "";
    const elementTags = tags
      ? [...new Set(Array.from({ length: Math.floor(rand() * 3.2) }, () => pick(TAGS)))]
      : [];
    elements.push({
      label,
      kind,
      scale: SCALES[Math.min(4, Math.floor(rand() * rand() * 6))],
      notes,
      tags: elementTags,
      x: Math.round(cluster.x + r * Math.cos(a)),
      y: Math.round(cluster.y + r * Math.sin(a)),
      cluster: i % clusterCount,
    });
    cluster.members.push(i);
  }
  const connections = [];
  for (let j = 0; j < m; j++) {
    const from = Math.floor(rand() * n);
    const home = clusters[elements[from].cluster];
    const other = rand() < 0.8 ? home : clusters[Math.floor(rand() * clusterCount)];
    let to = pick(other.members);
    if (to === from) to = (from + 1) % n;
    connections.push({
      from,
      to,
      kind: pick(CONNECTION_KINDS),
      direction: pick(DIRECTIONS),
      depth: 1 + Math.floor(rand() * 3),
      label: pick(CONNECTION_LABELS),
    });
  }
  return { elements, connections };
}

/** Writes `landscape` into a new map of the convening through `client`; returns the ids. */
async function seedMap(client, landscape) {
  const { ElementKind, ScaleLevel, Direction, ConnectionKind } = client.m.ops;
  const doc = client.doc;
  const map = doc.createMap("Upper basin landscape");
  const elementIds = landscape.elements.map((e) => {
    const id = doc.createElement(map, {
      kind: ElementKind[e.kind.toUpperCase()],
      label: e.label,
      notes: e.notes,
      position: { x: e.x, y: e.y },
      scale: ScaleLevel[e.scale.toUpperCase()],
    });
    for (const tag of e.tags) doc.setTag(id, tag, true);
    return id;
  });
  for (const c of landscape.connections) {
    doc.createConnection(map, elementIds[c.from], elementIds[c.to], {
      kind: ConnectionKind[c.kind.toUpperCase()],
      direction: Direction[c.direction.toUpperCase()],
      depth: c.depth,
      label: c.label,
    });
  }
  const ops = await client.submitOutbox();
  return { map, elementIds, ops };
}

/**
 * The same landscape as an XLSX workbook (src/map/formats): without
 * positions (the import places the elements), or with them (`positions`).
 */
async function workbookOf(landscape, positions) {
  return withClientModules(
    clientRoot,
    { formats: "/src/map/formats/index.ts" },
    async ({ formats }) =>
      formats.writeXlsx({
        ...formats.emptyLandscape(),
        elements: landscape.elements.map((e, i) => ({
          id: `e${i + 1}`,
          label: e.label,
          kind: e.kind,
          description: e.notes,
          tags: e.tags,
          scale: e.scale,
          ...(positions ? { x: e.x, y: e.y } : {}),
          fields: {},
        })),
        connections: landscape.connections.map((c) => ({
          from: `e${c.from + 1}`,
          to: `e${c.to + 1}`,
          kind: c.kind,
          direction: c.direction,
          label: c.label,
          depth: c.depth,
          tags: [],
          fields: {},
        })),
      }),
  );
}

// ---- the run ------------------------------------------------------------------------

async function main() {
  await common.runBenchmark(setup, {
    async prepare() {
      const modules = await loadClientModules(clientRoot);
      const landscape = generateLandscape(options);
      const workbook = await workbookOf(landscape, options.importPositions);
      log(
        `${options.elements} elements, ${options.connections} connections; workbook ${workbook.length} bytes`,
      );
      return { modules, landscape, workbook };
    },
    runOnce: ({ browser, baseUrl, prepared, run }) => runOnce(browser, baseUrl, prepared, run),
    summarise,
    print: printSummary,
  });
}

async function runOnce(browser, baseUrl, { modules, landscape, workbook }, run) {
  // A fresh convening a run, seeded by its convener.
  const { convening, client: seeder } = await newConvening(modules, {
    baseUrl,
    name: "Map benchmark",
    clientName: "Seeder",
    rand: random(options.seed * 1000 + run),
  });
  const seedStart = performance.now();
  const seeded = await seedMap(seeder, landscape).catch((error) => {
    throw new Error(
      `seeding failed (${error.message})${options.tags ? "; a server without SetTag refuses tags: try --no-tags" : ""}`,
    );
  });
  const seedMs = performance.now() - seedStart;
  seeder.close();

  const { context, problems, tab } = await common.openTab(browser, { distDir, run });
  let result;
  try {
    const load = await common.measureLoad(tab, {
      baseUrl,
      convening,
      expected: seeded.elementIds.length,
      diagnostics,
    });
    await settle(tab.page);
    // What a person sees of the map seen whole, to look at (--screenshots DIR).
    if (args.screenshots)
      await tab.page.screenshot({ path: `${args.screenshots}/map-bench-run${run + 1}-loaded.png` });
    const panZoom = await measurePanZoom(tab);
    await settle(tab.page);
    const search = await measureSearch(tab);
    await settle(tab.page);
    const layouts = await measureLayouts(tab);
    result = { seedOps: seeded.ops, seedMs, load, panZoom, search, layouts };
  } finally {
    await context.close();
  }
  const other = await common.openTab(browser, { distDir, run });
  try {
    result.import = await measureImport(other.tab, baseUrl, workbook);
  } finally {
    await other.context.close();
  }
  result.problems = [...problems, ...other.problems];
  return result;
}

/** The status says saved and a second passes (storage, the server's acks). */
async function settle(page) {
  await page.waitForSelector("[data-testid=status][data-state=saved]", { timeout: 60_000 });
  await sleep(1000);
}

/** page.evaluate of `fn(arg)` that gives up after `ms` (a probe that never fires). */
async function evaluateWithin(page, ms, fn, arg) {
  let timer;
  const timeout = new Promise((_, fail) => {
    timer = setTimeout(() => fail(new Error(`no answer from the page within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([page.evaluate(fn, arg), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// ---- pan and zoom -------------------------------------------------------------------

/**
 * Page side: per frame in which input arrived, the input events' handling
 * (window capture listener -> window bubble listener, around the app's own on
 * the canvas) and the frame's rendering (our requestAnimationFrame callback,
 * asked for at the frame's first input, before the app's, to the end of the
 * rendering); the timestamps of every frame while `bench.gesture` is set, and
 * Chromium's long animation frames.
 */
function installFrameProbes() {
  const bench = window.__bench;
  const probe = { frames: [], ticks: [], long: [], gesture: undefined };
  bench.panZoom = probe;
  let current;
  let started;
  const before = () => {
    started = performance.now();
    if (!current) {
      const frame = { gesture: probe.gesture, inputs: 0, inputMs: 0 };
      current = frame;
      requestAnimationFrame(() => {
        current = undefined;
        frame.frameAt = performance.now();
        bench.afterFrame((paintedAt) => {
          frame.paintedAt = paintedAt;
          probe.frames.push(frame);
        });
      });
    }
  };
  const after = () => {
    if (current && started !== undefined) {
      current.inputs++;
      current.inputMs += performance.now() - started;
    }
    started = undefined;
  };
  for (const type of ["wheel", "pointerdown", "pointermove", "pointerup"]) {
    window.addEventListener(type, before, { capture: true, passive: true });
    window.addEventListener(type, after, { passive: true });
  }
  const tick = (ts) => {
    if (probe.gesture) probe.ticks.push({ gesture: probe.gesture, at: ts });
    probe.raf = requestAnimationFrame(tick);
  };
  probe.raf = requestAnimationFrame(tick);
  probe.observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      if (probe.gesture) probe.long.push({ gesture: probe.gesture, ms: entry.duration });
  });
  try {
    probe.observer.observe({ type: "long-animation-frame" });
  } catch {
    probe.observer = undefined;
  }
}

/** A point on the canvas with nothing to press within 14 px (drags there pan). */
function emptySpot() {
  const canvas = document.querySelector("[data-testid=map-canvas]");
  // The box the map is shown in: a large map's moving view moves the <svg> itself.
  const frame = canvas.parentElement;
  const box = frame.getBoundingClientRect();
  // A large map seen whole is painted (far-view.ts): empty there is a clear
  // pixel, read from a copy (reads of the app's own canvas would slow it).
  const far = document.querySelector("canvas.cv-far");
  let pixels;
  if (far && far.width > 0 && far.height > 0) {
    const copy = document.createElement("canvas");
    copy.width = far.width;
    copy.height = far.height;
    const context = copy.getContext("2d", { willReadFrequently: true });
    context.drawImage(far, 0, 0);
    pixels = context.getImageData(0, 0, far.width, far.height);
  }
  const ratio = far ? far.width / Math.max(1, box.width) : 1;
  const paintedAt = (x, y) => {
    if (!pixels) return false;
    const px = Math.round((x - box.left) * ratio);
    const py = Math.round((y - box.top) * ratio);
    if (px < 0 || py < 0 || px >= pixels.width || py >= pixels.height) return false;
    return pixels.data[(py * pixels.width + px) * 4 + 3] > 0;
  };
  const clear = (x, y) => {
    for (let dx = -14; dx <= 14; dx += 7)
      for (let dy = -14; dy <= 14; dy += 7) {
        const hit = document.elementFromPoint(x + dx, y + dy);
        const onMap = hit === frame || canvas.contains(hit);
        if (!hit || !onMap || hit.closest("[data-entity]") || paintedAt(x + dx, y + dy))
          return false;
      }
    return true;
  };
  // From the middle outwards, so the drag has room on every side.
  const cx = box.left + box.width / 2;
  const cy = box.top + box.height / 2;
  for (let ring = 0; ring < 30; ring++)
    for (let step = 0; step < Math.max(1, ring * 8); step++) {
      const a = (2 * Math.PI * step) / Math.max(1, ring * 8);
      const x = Math.round(cx + ring * 12 * Math.cos(a));
      const y = Math.round(cy + ring * 12 * Math.sin(a));
      if (clear(x, y)) return { x, y };
    }
  return undefined;
}

// The drawing's transform and, while a large map's view moves, its layer's (view-layer.ts).
const viewTransform = (page) =>
  page.evaluate(
    () =>
      `${document.querySelector(".cv-viewport")?.getAttribute("transform")} ` +
      `${document.querySelector(".cv-canvas")?.style.transform}`,
  );

async function measurePanZoom(tab) {
  const { page, cdp } = tab;
  await page.evaluate(installFrameProbes);
  const box = await page.locator("[data-testid=map-canvas]").boundingBox();
  const centre = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  const gestures = [];
  // `ready()` comes before the gesture's frames are counted, its result goes to `act`.
  const gesture = async (name, act, ready = async () => undefined) => {
    const start = await ready();
    await page.evaluate((g) => (window.__bench.panZoom.gesture = g), name);
    const from = await viewTransform(page);
    await act(start);
    await sleep(100); // the last frames
    await page.evaluate(() => (window.__bench.panZoom.gesture = undefined));
    gestures.push({ name, moved: (await viewTransform(page)) !== from });
  };
  // Wheel events about as often as a mouse wheel or trackpad sends them.
  const wheel = async (count, dx, dy) => {
    for (let i = 0; i < count; i++) {
      await page.mouse.wheel(dx, dy);
      await sleep(16);
    }
  };
  const zoom = async (count, dy) => {
    await page.mouse.move(centre.x, centre.y);
    await page.keyboard.down("Control");
    try {
      await wheel(count, 0, dy);
    } finally {
      await page.keyboard.up("Control");
    }
  };
  // Where a drag starts: a spot that pans, with the pointer over it already.
  const dragStart = async () => {
    const at = (await page.evaluate(emptySpot)) ?? centre;
    await page.mouse.move(at.x, at.y);
    await sleep(100);
    return at;
  };
  const drag = async (at, dx, dy, steps = 40) => {
    await page.mouse.down();
    for (let i = 1; i <= steps; i++) {
      await page.mouse.move(at.x + (dx * i) / steps, at.y + (dy * i) / steps);
      await sleep(8);
    }
    await page.mouse.up();
  };
  const before = await mainThreadTimes(cdp);
  await diagnostics.start(tab);
  await gesture("drag pan, whole map", (at) => drag(at, -300, -200), dragStart);
  await gesture("zoom in", () => zoom(10, -100));
  await gesture("drag pan, zoomed in", (at) => drag(at, 350, 250), dragStart);
  await gesture("wheel pan, zoomed in", () => wheel(30, 25, 15));
  await gesture("zoom out", () => zoom(16, 100));
  await gesture("drag pan, zoomed out", (at) => drag(at, 300, -200), dragStart);
  await gesture("wheel pan, zoomed out", () => wheel(30, -25, 15));
  const diagnosed = await diagnostics.stop(tab, "panzoom");
  const after = await mainThreadTimes(cdp);
  const probe = await page.evaluate(() => {
    const p = window.__bench.panZoom;
    cancelAnimationFrame(p.raf);
    p.observer?.disconnect();
    return {
      frames: p.frames.map((f) => ({
        gesture: f.gesture,
        inputs: f.inputs,
        workMs: f.inputMs + (f.paintedAt - f.frameAt),
        inputMs: f.inputMs,
        renderMs: f.paintedAt - f.frameAt,
      })),
      ticks: p.ticks,
      long: p.long,
      longSupported: p.observer !== undefined,
    };
  });
  const intervals = [];
  for (let i = 1; i < probe.ticks.length; i++) {
    const [a, b] = [probe.ticks[i - 1], probe.ticks[i]];
    if (a.gesture === b.gesture) intervals.push({ gesture: b.gesture, ms: b.at - a.at });
  }
  return {
    frames: probe.frames.filter((f) => f.gesture !== undefined && f.inputs > 0),
    intervals,
    long: probe.long,
    longSupported: probe.longSupported,
    gestures,
    mainThread: difference(after, before),
    diagnostics: diagnosed,
  };
}

// ---- search ---------------------------------------------------------------------------

async function measureSearch(tab) {
  const { page, cdp } = tab;
  // Nothing has the focus: "/" goes to the map's own key handler (on window).
  await page.evaluate(() => document.activeElement?.blur?.());
  await page.keyboard.press("/");
  const input = page.locator("[data-testid=find-input]");
  await input.waitFor({ state: "visible" });
  await page.evaluate(installKeyProbes, "[data-testid=find-input]");
  // When the list changed last, per key.
  await page.evaluate(() => {
    const bench = window.__bench;
    const list = document.querySelector("[data-testid=find-results]");
    new MutationObserver(() => {
      const key = bench.keys.at(-1);
      if (key && key.paintedAt === undefined) key.listedAt = performance.now();
    }).observe(list, { childList: true });
  });
  const before = await mainThreadTimes(cdp);
  await diagnostics.start(tab);
  const samples = [];
  for (const [i, char] of [...options.query].entries()) {
    const started = performance.now();
    await page.keyboard.type(char);
    const key = await evaluateWithin(
      page,
      30_000,
      async (index) => {
        const k = window.__bench.keys[index];
        await k.done;
        const status = document.querySelector(".cv-find-status")?.textContent ?? "";
        return {
          eventAt: k.eventAt,
          keydownAt: k.keydownAt,
          inputHandledAt: k.inputHandledAt,
          listedAt: k.listedAt,
          frameAt: k.frameAt,
          paintedAt: k.paintedAt,
          listed: document.querySelectorAll("[data-testid=find-results] li").length,
          found: Number(/^(\d+) found/.exec(status)?.[1] ?? (/Nothing/.test(status) ? 0 : NaN)),
        };
      },
      i,
    );
    samples.push({
      query: options.query.slice(0, i + 1),
      keyToPaintedMs: key.paintedAt - key.eventAt,
      keyToListedMs: key.listedAt === undefined ? undefined : key.listedAt - key.eventAt,
      inputMs: key.inputHandledAt - key.keydownAt,
      frameMs: key.paintedAt - key.frameAt,
      listed: key.listed,
      found: key.found,
    });
    // Someone typing fast: a key every 120 ms at most.
    await sleep(Math.max(0, 120 - (performance.now() - started)));
  }
  const diagnosed = await diagnostics.stop(tab, "search");
  const after = await mainThreadTimes(cdp);
  await page.keyboard.press("Escape");
  return {
    samples,
    mainThreadPerKey: difference(after, before, samples.length),
    diagnostics: diagnosed,
  };
}

// ---- layouts ---------------------------------------------------------------------------

/**
 * Page side, before the menu item is clicked: the click's time; after the
 * app's click handler, each frame, whether most elements moved from where
 * they are drawn now; then whether their glide is over.
 */
function armLayout(expectedMoved) {
  const bench = window.__bench;
  const nodes = () => document.querySelectorAll("g[data-id][data-kind]");
  const was = new Map([...nodes()].map((n) => [n, n.getAttribute("transform")]));
  // A large map seen whole is painted (far-view.ts): when the checksum of its
  // places changes, all it paints has moved, as far as a page can tell.
  const far = document.querySelector("canvas.cv-far");
  const farPlaces = far?.dataset.places;
  const layout = {};
  bench.layout = layout;
  layout.done = new Promise((resolve) => (layout.resolve = resolve));
  const moved = () => {
    let count = 0;
    for (const [node, transform] of was) if (node.getAttribute("transform") !== transform) count++;
    if (far && far.dataset.places !== farPlaces) count += Number(far.dataset.elements ?? 0);
    return count;
  };
  document.addEventListener(
    "click",
    (e) => {
      layout.eventAt = e.timeStamp;
      layout.clickAt = performance.now();
    },
    { capture: true, once: true },
  );
  window.addEventListener(
    "click",
    () => {
      layout.handledAt = performance.now();
      bench.untilFrame(
        () => moved() >= expectedMoved,
        (domAt) => {
          layout.domAt = domAt;
          layout.moved = moved();
          if (domAt === undefined) return layout.resolve();
          bench.afterFrame((paintedAt) => {
            layout.paintedAt = paintedAt;
            bench.untilFrame(
              () => !document.querySelector(".cv-gliding"),
              (glidedAt) => {
                if (glidedAt === undefined) return layout.resolve();
                bench.afterFrame((settledAt) => {
                  layout.settledAt = settledAt;
                  layout.resolve();
                });
              },
              6000,
            );
          });
        },
        6000,
      );
    },
    { once: true },
  );
}

async function measureLayouts(tab) {
  const { page, cdp } = tab;
  const out = {};
  for (const kind of LAYOUTS) {
    await page.click("[data-testid=layout-menu]");
    const item = page.locator(`[data-testid=layout-${kind}]`);
    await item.waitFor({ state: "visible" });
    await page.evaluate(armLayout, Math.ceil(options.elements / 2));
    const before = await mainThreadTimes(cdp);
    await diagnostics.start(tab);
    await item.click();
    const probe = await evaluateWithin(page, 120_000, async () => {
      const l = window.__bench.layout;
      await l.done;
      return { ...l, done: undefined, resolve: undefined };
    });
    out[kind] = {
      diagnostics: await diagnostics.stop(tab, `layout-${kind}`),
      mainThread: difference(await mainThreadTimes(cdp), before),
    };
    if (probe.paintedAt === undefined)
      throw new Error(`layout ${kind}: only ${probe.moved} elements moved`);
    Object.assign(out[kind], {
      clickToPaintedMs: probe.paintedAt - probe.eventAt,
      handlerMs: probe.handledAt - probe.clickAt,
      handledToPaintedMs: probe.paintedAt - probe.handledAt,
      clickToSettledMs: probe.settledAt === undefined ? undefined : probe.settledAt - probe.eventAt,
      moved: probe.moved,
    });
    await settle(page);
  }
  return out;
}

// ---- import ------------------------------------------------------------------------------

/**
 * Page side, with the Import dialog open: the file input's change; the
 * preview ready, painted; then the Import click and the first frame showing
 * `elements` elements and `connections` connections, painted.
 */
function armImport({ elements, connections }) {
  const bench = window.__bench;
  const imp = {};
  bench.import = imp;
  imp.previewed = new Promise((resolve) => (imp.previewResolve = resolve));
  imp.done = new Promise((resolve) => (imp.resolve = resolve));
  const preview = document.querySelector("[data-testid=import-preview]");
  document.addEventListener("change", () => (imp.changeAt = performance.now()), {
    capture: true,
    once: true,
  });
  const observer = new MutationObserver(() => {
    const state = preview.getAttribute("data-state");
    if (state === "error") {
      imp.error = preview.textContent;
      observer.disconnect();
      imp.previewResolve();
    } else if (state === "ready") {
      observer.disconnect();
      imp.readyAt = performance.now();
      requestAnimationFrame(() =>
        bench.afterFrame((paintedAt) => {
          imp.previewPaintedAt = paintedAt;
          imp.previewResolve();
        }),
      );
    }
  });
  observer.observe(preview, { attributes: true, attributeFilter: ["data-state"] });
  const apply = document.querySelector("[data-testid=import-apply]");
  apply.addEventListener(
    "click",
    (e) => {
      imp.eventAt = e.timeStamp;
      bench.untilFrame(
        () => bench.shownElements() >= elements && bench.shownConnections() >= connections,
        (domAt) => {
          imp.domAt = domAt;
          if (domAt === undefined) return imp.resolve();
          bench.afterFrame((paintedAt) => {
            imp.paintedAt = paintedAt;
            imp.resolve();
          });
        },
        6000,
      );
    },
    { capture: true, once: true },
  );
}

async function measureImport(tab, baseUrl, workbook) {
  const { page, cdp } = tab;
  const convening = await createConvening(baseUrl, "Import benchmark");
  await page.goto(`${baseUrl}/c/${convening.id}#invite=${convening.participantToken}`);
  await page.click("[data-testid=join]");
  await page.locator("[data-testid=import]").waitFor({ state: "visible" });
  await settle(page);
  await page.click("[data-testid=import]");
  const dialog = page.locator("[data-testid=import-dialog]");
  await dialog.waitFor({ state: "visible" });
  await page.evaluate(armImport, { elements: options.elements, connections: options.connections });
  const before = await mainThreadTimes(cdp);
  await diagnostics.start(tab);
  await dialog.getByTestId("import-file").setInputFiles({
    name: "landscape.xlsx",
    mimeType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    buffer: Buffer.from(workbook),
  });
  const previewed = await evaluateWithin(page, 120_000, async () => {
    await window.__bench.import.previewed;
    const { error, changeAt, readyAt, previewPaintedAt } = window.__bench.import;
    return { error, changeAt, readyAt, paintedAt: previewPaintedAt };
  });
  if (previewed.error) throw new Error(`import preview: ${previewed.error}`);
  const counts = await dialog.getByTestId("import-counts").innerText();
  await dialog.getByTestId("import-apply").click();
  const applied = await evaluateWithin(page, 120_000, async () => {
    const i = window.__bench.import;
    await i.done;
    return { eventAt: i.eventAt, domAt: i.domAt, paintedAt: i.paintedAt };
  });
  const diagnosed = await diagnostics.stop(tab, "import");
  const after = await mainThreadTimes(cdp);
  if (applied.paintedAt === undefined) throw new Error("the imported map was never shown whole");
  const previewMs = previewed.paintedAt - previewed.changeAt;
  const applyMs = applied.paintedAt - applied.eventAt;
  await settle(page);
  return {
    counts,
    chosenToPreviewMs: previewMs,
    chosenToReadyMs: previewed.readyAt - previewed.changeAt,
    applyToPaintedMs: applyMs,
    totalMs: previewMs + applyMs,
    mainThread: difference(after, before),
    diagnostics: diagnosed,
  };
}

// ---- figures ------------------------------------------------------------------------------

const values = (samples, field) => samples.map((s) => s[field]).filter((v) => v !== undefined);
const statsOf = (list) => (list.length > 0 ? common.stats(list) : undefined);

function summarise(runs, { chromium, loadBefore, prepared: { workbook } }) {
  const loads = runs.map((r) => r.load);
  const frames = runs.flatMap((r) => r.panZoom.frames);
  const intervals = runs.flatMap((r) => r.panZoom.intervals);
  const long = runs.flatMap((r) => r.panZoom.long);
  const keys = runs.flatMap((r) => r.search.samples);
  const imports = runs.map((r) => r.import);
  const gestureNames = [...new Set(frames.map((f) => f.gesture))];
  const report = {
    benchmark: "map tool in the browser",
    repeat: runs.length,
    workload: {
      ...common.mapWorkload(runs, options),
      tags: options.tags,
      search_query: options.query,
      import_workbook_bytes: workbook.length,
      import_counts: imports[0].counts,
      import_positions: options.importPositions,
    },
    load_ms: common.loadFigures(loads),
    pan_zoom_ms: {
      method:
        "per frame with input: input handling (window capture -> bubble listeners) + rendering (first rAF callback -> end of the frame's rendering, MessageChannel task); intervals between rAF timestamps; long animation frames from PerformanceObserver",
      frames: frames.length,
      frame_work: common.fieldStats(frames, "workMs"),
      frame_render: common.fieldStats(frames, "renderMs"),
      frame_input: common.fieldStats(frames, "inputMs"),
      frame_interval: statsOf(intervals.map((i) => i.ms)),
      intervals_over_33ms: intervals.filter((i) => i.ms > 33.4).length,
      intervals: intervals.length,
      long_animation_frames: runs[0].panZoom.longSupported ? long.length : "unsupported",
      by_gesture: Object.fromEntries(
        gestureNames.map((g) => [
          g,
          {
            frames: frames.filter((f) => f.gesture === g).length,
            work: common.fieldStats(
              frames.filter((f) => f.gesture === g),
              "workMs",
            ),
            interval: statsOf(intervals.filter((i) => i.gesture === g).map((i) => i.ms)),
          },
        ]),
      ),
      gestures_that_did_not_move: [
        ...new Set(
          runs.flatMap((r) => r.panZoom.gestures.filter((g) => !g.moved).map((g) => g.name)),
        ),
      ],
      main_thread_per_run: common.meanOf(runs.map((r) => r.panZoom.mainThread)),
      // CPU time, which other processes on a busy machine inflate far less than wall time.
      main_thread_cpu_per_input_frame: common.r1(
        common.quantile(
          runs.map((r) => r.panZoom.mainThread.cpu / r.panZoom.frames.length),
          0.5,
        ),
      ),
    },
    search_ms: {
      keystrokes: keys.length,
      key_to_painted: common.fieldStats(keys, "keyToPaintedMs"),
      key_to_listed: statsOf(values(keys, "keyToListedMs")),
      input_handling: common.fieldStats(keys, "inputMs"),
      frame: common.fieldStats(keys, "frameMs"),
      found_per_prefix: runs[0].search.samples.map((s) => `${s.query}: ${s.found}`),
      main_thread_per_key: common.meanOf(runs.map((r) => r.search.mainThreadPerKey)),
    },
    layout_ms: Object.fromEntries(
      LAYOUTS.map((kind) => {
        const list = runs.map((r) => r.layouts[kind]);
        return [
          kind,
          {
            click_to_painted: {
              ...common.fieldStats(list, "clickToPaintedMs"),
              runs: list.map((l) => common.r1(l.clickToPaintedMs)),
            },
            click_handler: common.fieldStats(list, "handlerMs").median,
            handled_to_painted: common.fieldStats(list, "handledToPaintedMs").median,
            click_to_glide_over: statsOf(values(list, "clickToSettledMs"))?.median,
            moved: list[0].moved,
            main_thread: common.meanOf(list.map((l) => l.mainThread)),
          },
        ];
      }),
    ),
    import_ms: {
      total: {
        ...common.fieldStats(imports, "totalMs"),
        runs: imports.map((i) => common.r1(i.totalMs)),
      },
      chosen_to_preview_painted: common.fieldStats(imports, "chosenToPreviewMs").median,
      chosen_to_preview_ready: common.fieldStats(imports, "chosenToReadyMs").median,
      import_clicked_to_painted: common.fieldStats(imports, "applyToPaintedMs").median,
      main_thread: common.meanOf(imports.map((i) => i.mainThread)),
    },
    targets: {},
    machine: common.machineFacts({ loadBefore, chromium }),
    client_bundle: common.clientBundle(distDir),
    commit: common.gitCommit(setup.repoRoot),
    problems: [...new Set(runs.flatMap((r) => r.problems))],
  };
  report.targets = {
    load_join_to_painted_ms: common.target(report.load_ms.join_to_painted.median, TARGETS.loadMs),
    pan_zoom_frame_work_p95_ms: common.target(report.pan_zoom_ms.frame_work.p95, TARGETS.frameMs),
    search_key_to_painted_p95_ms: common.target(
      report.search_ms.key_to_painted.p95,
      TARGETS.searchMs,
    ),
    force_layout_click_to_painted_ms: common.target(
      report.layout_ms.force.click_to_painted.median,
      TARGETS.layoutMs,
    ),
    import_chosen_to_painted_ms: common.target(report.import_ms.total.median, TARGETS.importMs),
  };
  if (options.profile || options.trace) {
    report.diagnostics = runs.map((r) => ({
      load: r.load.diagnostics,
      panzoom: r.panZoom.diagnostics,
      search: r.search.diagnostics,
      ...Object.fromEntries(LAYOUTS.map((k) => [`layout-${k}`, r.layouts[k].diagnostics])),
      import: r.import.diagnostics,
    }));
  }
  return report;
}

function printSummary(report) {
  const { workload: w, load_ms: l, pan_zoom_ms: p, search_ms: s, import_ms: i } = report;
  const { targets: t, machine: m } = report;
  const st = common.spread;
  const lines = [
    `Map tool benchmark, ${report.repeat} run(s): ${w.elements} elements, ${w.connections} connections${w.tags ? ", tags" : ""} (${w.seed_ops} ops, ${w.map_svg_nodes} SVG nodes)`,
    `  ${m.cpu}, ${m.cores} cores, load average ${m.load_average_before} at the start, ${m.load_average_after} at the end; Chromium ${m.chromium}, bundle ${report.client_bundle}`,
    ``,
    `Load (Join clicked -> all elements painted): ${common.verdict(t.load_join_to_painted_ms)}; runs ${l.join_to_painted.runs.join(", ")}`,
    `  join -> Welcome ${l.join_to_welcome}, Welcome -> painted ${l.welcome_to_painted} (handler ${l.welcome_handler}, to the frame ${l.handled_to_dom}, frame ${l.dom_to_painted}); main thread CPU ${l.main_thread.cpu}`,
    `Pan/zoom, ${p.frames} frames with input: work per frame p95 ${common.verdict(t.pan_zoom_frame_work_p95_ms)}`,
    `  work ${st(p.frame_work)}; of which rendering ${st(p.frame_render)}, input handling ${st(p.frame_input)}`,
    `  frame interval ${st(p.frame_interval)}; ${p.intervals_over_33ms} of ${p.intervals} intervals over 33 ms; long animation frames (> 50 ms): ${p.long_animation_frames}; main thread CPU per frame with input ${p.main_thread_cpu_per_input_frame}`,
    ...Object.entries(p.by_gesture).map(
      ([g, x]) => `  ${g}: ${x.frames} frames, work ${st(x.work)}; interval ${st(x.interval)}`,
    ),
    ...(p.gestures_that_did_not_move.length
      ? [`  (did not move the view: ${p.gestures_that_did_not_move.join(", ")})`]
      : []),
    `Search, ${s.keystrokes} keystrokes of "${w.search_query}": key -> results painted p95 ${common.verdict(t.search_key_to_painted_p95_ms)}`,
    `  key -> painted ${st(s.key_to_painted)}; key -> listed ${st(s.key_to_listed)}`,
    `  input handling ${st(s.input_handling)}; frame ${st(s.frame)}`,
    `  found: ${s.found_per_prefix.join(", ")}`,
    `Force layout (click -> new places painted): ${common.verdict(t.force_layout_click_to_painted_ms)}`,
    ...LAYOUTS.map((kind) => {
      const x = report.layout_ms[kind];
      return `  ${kind}: click -> painted ${st(x.click_to_painted)} (runs ${x.click_to_painted.runs.join(", ")}); click handler ${x.click_handler}, then ${x.handled_to_painted} to painted; glide over at ${x.click_to_glide_over}; ${x.moved} moved; main thread CPU ${x.main_thread.cpu}`;
    }),
    `Import (${w.import_workbook_bytes}-byte XLSX, ${w.import_counts}, ${w.import_positions ? "with" : "without"} positions; file chosen -> preview, Import clicked -> painted): ${common.verdict(t.import_chosen_to_painted_ms)}; runs ${i.total.runs.join(", ")}`,
    `  chosen -> preview painted ${i.chosen_to_preview_painted} (ready ${i.chosen_to_preview_ready}); Import clicked -> painted ${i.import_clicked_to_painted}; main thread CPU ${i.main_thread.cpu}`,
  ];
  if (report.problems.length > 0)
    lines.push("", "Problems seen in the page:", ...report.problems.map((x) => `  ${x}`));
  lines.push(
    ...common.diagnosticLines(report.diagnostics, [
      "load",
      "panzoom",
      "search",
      ...LAYOUTS.map((k) => `layout-${k}`),
      "import",
    ]),
  );
  process.stdout.write(lines.join("\n") + "\n");
}

main().catch((error) => {
  process.stderr.write(`map-bench: ${error.stack ?? error}\n`);
  process.exitCode = 1;
});
