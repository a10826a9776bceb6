// Where the page's main thread spends its time: CDP's Performance metrics
// (script, style, layout totals) and, with --profile, a sampling CPU profile
// summed by function and mapped back to src/ through the bundle's source map.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";

/**
 * Cumulative main-thread figures from CDP Performance.getMetrics, in ms: wall
 * time in tasks, script, style and layout, and `cpu`, the thread's CPU time,
 * which other processes on a busy machine inflate far less than the rest.
 */
export async function mainThreadTimes(cdp) {
  const { metrics } = await cdp.send("Performance.getMetrics");
  const get = (name) => (metrics.find((m) => m.name === name)?.value ?? 0) * 1000;
  return {
    cpu: get("ThreadTime"),
    task: get("TaskDuration"),
    script: get("ScriptDuration"),
    style: get("RecalcStyleDuration"),
    layout: get("LayoutDuration"),
  };
}

export function difference(after, before, divisor = 1) {
  const out = {};
  for (const key of Object.keys(after)) out[key] = (after[key] - before[key]) / divisor;
  return out;
}

export async function startProfile(cdp) {
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
  await cdp.send("Profiler.start");
}

/** Stops the profiler: the `top` functions by self time, in ms, mapped to sources. */
export async function stopProfile(cdp, sourceMaps, top = 15) {
  const { profile } = await cdp.send("Profiler.stop");
  const selfTime = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  const byFunction = new Map();
  let total = 0;
  for (const node of profile.nodes) {
    const ms = selfTime.get(node.id) ?? 0;
    if (ms === 0) continue;
    const name = describeFrame(node.callFrame, sourceMaps);
    if (name === "(idle)") continue;
    total += ms;
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
  }
  return {
    busyMs: round(total),
    appMs: round(underApp(profile, selfTime, sourceMaps)),
    top: [...byFunction]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, ms]) => ({ fn, selfMs: round(ms) })),
    app: appInclusive(profile, selfTime, sourceMaps, 25),
  };
}

/** Sampled time with one of the app's functions (src/) on the stack: its JS and what it calls. */
function underApp(profile, selfTime, sourceMaps) {
  const parent = new Map();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const memo = new Map();
  const inApp = (id) => {
    if (id === undefined) return false;
    if (!memo.has(id)) {
      const own = describeFrame(nodes.get(id).callFrame, sourceMaps).includes("(src/");
      memo.set(id, own || inApp(parent.get(id)));
    }
    return memo.get(id);
  };
  let ms = 0;
  for (const [id, t] of selfTime) if (inApp(id)) ms += t;
  return ms;
}

/**
 * The app's own functions (mapped to src/) by total time, callees included;
 * a function already on the stack (recursion) is not counted twice.
 */
function appInclusive(profile, selfTime, sourceMaps, top) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const childIds = new Set(profile.nodes.flatMap((n) => n.children ?? []));
  const inclusive = new Map();
  const walk = (node, onStack) => {
    const name = describeFrame(node.callFrame, sourceMaps);
    const counted = name.includes("(src/") && !onStack.has(name);
    if (counted) onStack.add(name);
    let ms = selfTime.get(node.id) ?? 0;
    for (const child of node.children ?? []) ms += walk(nodes.get(child), onStack);
    if (counted) {
      onStack.delete(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
    }
    return ms;
  };
  for (const node of profile.nodes) if (!childIds.has(node.id)) walk(node, new Set());
  return [...inclusive]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, ms]) => ({ fn, totalMs: round(ms) }));
}

function describeFrame(frame, sourceMaps) {
  const name = frame.functionName || "(anonymous)";
  if (!frame.url) return name;
  const map = sourceMaps.forUrl(frame.url);
  const original = map?.lookup(frame.lineNumber, frame.columnNumber);
  if (original) {
    return `${original.name ?? name} (${original.source}:${original.line + 1})`;
  }
  return `${name} (${basename(new URL(frame.url).pathname)}:${frame.lineNumber + 1})`;
}

const round = (x) => Math.round(x * 10) / 10;

/** Source maps of dist/assets/*.js, read on first use. */
export function distSourceMaps(distDir) {
  const cache = new Map();
  return {
    forUrl(url) {
      const path = new URL(url).pathname;
      if (!path.startsWith("/assets/") || !path.endsWith(".js")) return undefined;
      if (!cache.has(path)) {
        const file = join(distDir, path + ".map");
        cache.set(
          path,
          existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, "utf8"))) : undefined,
        );
      }
      return cache.get(path);
    },
  };
}

/** "src/map/scene.ts" or "node_modules/idb/...", wherever the client was built. */
function shortSource(path) {
  const dependency = path.lastIndexOf("node_modules/");
  if (dependency >= 0) return path.slice(dependency);
  const own = path.indexOf("src/");
  return own >= 0 ? path.slice(own) : path.replace(/^(\.\.\/)+/, "");
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Enough of source map v3 to look up a generated position (0-based line and column). */
class SourceMap {
  constructor(json) {
    this.sources = json.sources.map(shortSource);
    this.names = json.names ?? [];
    this.lines = [];
    let source = 0;
    let line = 0;
    let column = 0;
    let name = 0;
    for (const text of json.mappings.split(";")) {
      const segments = [];
      let generated = 0;
      for (const segment of text.split(",")) {
        if (segment === "") continue;
        const values = decodeVlq(segment);
        generated += values[0];
        if (values.length >= 4) {
          source += values[1];
          line += values[2];
          column += values[3];
          if (values.length >= 5) name += values[4];
          segments.push([generated, source, line, column, values.length >= 5 ? name : -1]);
        }
      }
      this.lines.push(segments);
    }
  }

  lookup(line, column) {
    const segments = this.lines[line];
    if (!segments || segments.length === 0) return undefined;
    let low = 0;
    let high = segments.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (segments[mid][0] <= column) low = mid;
      else high = mid - 1;
    }
    const [, source, originalLine, , name] = segments[low];
    return {
      source: this.sources[source],
      line: originalLine,
      name: name >= 0 ? this.names[name] : undefined,
    };
  }
}

function decodeVlq(segment) {
  const values = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = BASE64.indexOf(char);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

const TRACE_CATEGORIES = [
  "toplevel",
  "devtools.timeline",
  "disabled-by-default-devtools.timeline",
  "blink",
  "cc",
  "v8.execute",
];

/** Starts a Chromium trace of the page's renderer (playwright's browser.startTracing). */
export async function startTrace(browser, page) {
  await browser.startTracing(page, { categories: TRACE_CATEGORIES });
}

/**
 * Stops the trace: self time by event name on the page's renderer main
 * thread (CrRendererMain), nested events subtracted from their parents, so
 * "Paint" is painting and "RunTask" is task time no other event explains.
 */
export async function stopTrace(browser, { top = 15, saveAs } = {}) {
  const raw = await browser.stopTracing();
  if (saveAs) writeFileSync(saveAs, raw);
  const { traceEvents } = JSON.parse(raw.toString("utf8"));
  const mains = new Set(
    traceEvents
      .filter((e) => e.ph === "M" && e.name === "thread_name" && e.args?.name === "CrRendererMain")
      .map((e) => `${e.pid}:${e.tid}`),
  );
  const byThread = new Map();
  for (const e of traceEvents) {
    if (e.ph !== "X" || typeof e.dur !== "number" || !mains.has(`${e.pid}:${e.tid}`)) continue;
    const key = `${e.pid}:${e.tid}`;
    if (!byThread.has(key)) byThread.set(key, []);
    byThread.get(key).push(e);
  }
  // The page's renderer is the busiest main thread in the trace.
  let events = [];
  for (const list of byThread.values()) if (list.length > events.length) events = list;
  events.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  return summariseSelf(events, top);
}

function summariseSelf(events, top) {
  const self = new Map();
  const stack = [];
  let total = 0;
  const close = (frame) => self.set(frame.name, (self.get(frame.name) ?? 0) + frame.self);
  for (const e of events) {
    while (stack.length > 0 && stack[stack.length - 1].end <= e.ts) close(stack.pop());
    const parent = stack[stack.length - 1];
    if (parent) parent.self -= e.dur;
    else total += e.dur;
    stack.push({ name: e.name, end: e.ts + e.dur, self: e.dur });
  }
  while (stack.length > 0) close(stack.pop());
  return {
    busyMs: round(total / 1000),
    top: [...self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([event, us]) => ({ event, selfMs: round(us / 1000) })),
  };
}
