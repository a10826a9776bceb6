// Arrange by level of scale (layout.ts has the shared model): rings around the
// centre, local innermost and global outermost, or bands (rows) from local at
// the top to global at the bottom. Elements without a scale get the last ring
// or band, beyond global. Empty levels take no room.
//
// Within a ring or band the order follows the connections, to cut crossings:
// a few sweeps out and back in, each placing a level by the barycentre of its
// nodes' neighbours (their mean angle, or mean x for bands), then spacing the
// nodes evenly in that order. A level too full for one ring or row gets
// several, close together. Pinned nodes keep their places and take no slot;
// separate() then clears anything left over them.
import { ScaleLevel } from "../gen/convene/v1/ops_pb";
import {
  adjacency,
  centroid,
  LAYOUT_GAP,
  result,
  simNodes,
  type LayoutInput,
  type Positions,
  type SimNode,
} from "./layout";
import { separate } from "./layout-separate";
import { SCALE_LEVELS } from "./style";

export type ScaleArrangement = "rings" | "bands";

export interface ScaleOptions {
  arrangement?: ScaleArrangement;
  gap?: number;
  /** Barycentre sweeps (each one out and back counts two). */
  sweeps?: number;
}

/** Ring or band order: the levels of style.ts, local first, then no scale. */
export const LEVEL_ORDER: ScaleLevel[] = [
  ...SCALE_LEVELS.map((l) => l.level),
  ScaleLevel.UNSPECIFIED,
];

/** Rings with more nodes than this fill a disc from the centre instead of one circle. */
const ONE_RING_MAX = 12;

export function levelIndex(scale: number): number {
  const i = LEVEL_ORDER.indexOf(scale as ScaleLevel);
  return i < 0 ? LEVEL_ORDER.length - 1 : i;
}

interface Slot {
  /** Angle (rings) or x (bands) before the level is turned or shifted to fit. */
  key: number;
  radius: number;
  y: number;
}

interface Level {
  nodes: SimNode[];
  /** Its slots, sorted by key. */
  slots: Slot[];
  /** The slot each node has, in the order of `nodes`. */
  assigned: Slot[];
}

export function scaleLayout(input: LayoutInput, options: ScaleOptions = {}): Positions {
  const gap = options.gap ?? LAYOUT_GAP;
  const nodes = simNodes(input.nodes);
  const movable = nodes.filter((n) => !n.pinned);
  if (movable.length === 0) return new Map();
  const centre = centroid(movable);
  const neighbours = adjacency(nodes, input.links);
  const levels: Level[] = LEVEL_ORDER.map(() => ({ nodes: [], slots: [], assigned: [] }));
  for (const n of movable) levels[levelIndex(n.scale)].nodes.push(n);
  const used = levels.filter((l) => l.nodes.length > 0);
  const rings = (options.arrangement ?? "rings") === "rings";
  if (rings) ringSlots(used, gap);
  else bandSlots(used, gap, movable);

  // A first order from a depth-first walk, so that chains and subtrees start
  // out contiguous (the sweeps refine it; from the current positions they
  // get stuck in tangles). Pinned nodes stand where they are.
  const index = new Map(nodes.map((n, i) => [n, i]));
  const here = nodes.map((n) => Math.atan2(n.y - centre.y, n.x - centre.x));
  const walk = depthFirstOrder(neighbours, here);
  const meanPitch = used.reduce((s, l) => s + pitch(l, gap), 0) / used.length;
  const key = nodes.map((n, i) => {
    if (n.pinned) return rings ? here[i] : n.x - centre.x;
    const t = walk[i] / nodes.length;
    return rings ? t * 2 * Math.PI - Math.PI : (t - 0.5) * nodes.length * meanPitch;
  });
  const sweeps = Math.max(1, options.sweeps ?? 4);
  for (let s = 0; s < sweeps; s++) {
    const order = s % 2 === 0 ? used : [...used].reverse();
    for (const level of order) {
      const wanted = level.nodes.map((n) => {
        const i = index.get(n)!;
        const around = neighbours[i].map((j) => key[j]);
        return rings ? circularMean(around, key[i]) : around.length ? mean(around) : key[i];
      });
      const placed = rings ? fitAngles(wanted, level) : fitOffsets(wanted, level);
      level.nodes.forEach((n, k) => (key[index.get(n)!] = placed[k]));
    }
  }
  for (const level of used) {
    for (let k = 0; k < level.nodes.length; k++) {
      const n = level.nodes[k];
      const slot = level.assigned[k];
      const at = key[index.get(n)!];
      if (rings) {
        n.x = centre.x + slot.radius * Math.cos(at);
        n.y = centre.y + slot.radius * Math.sin(at);
      } else {
        n.x = centre.x + at;
        n.y = centre.y + slot.y;
      }
    }
  }
  separate(nodes, gap);
  return result(nodes);
}

/**
 * Each node's rank in a depth-first walk: hubs first as roots, neighbours
 * taken in the order of their angle round the centre now (ties by index).
 */
function depthFirstOrder(neighbours: number[][], angle: number[]): number[] {
  const n = neighbours.length;
  const rank = new Array<number>(n).fill(-1);
  const roots = neighbours
    .map((_, i) => i)
    .sort((a, b) => neighbours[b].length - neighbours[a].length || a - b);
  let next = 0;
  for (const root of roots) {
    if (rank[root] >= 0) continue;
    const stack = [root];
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (rank[i] >= 0) continue;
      rank[i] = next++;
      // Pushed in reverse so the smallest angle is walked first.
      const around = neighbours[i]
        .filter((j) => rank[j] < 0)
        .sort((a, b) => angle[b] - angle[a] || b - a);
      stack.push(...around);
    }
  }
  return rank;
}

// ---- slots ----------------------------------------------------------------------------

/** Widest footprint of a level, plus the gap: its slot pitch. */
function pitch(level: Level, gap: number): number {
  let r = 0;
  for (const n of level.nodes) r = Math.max(r, n.r);
  return 2 * r + gap;
}

/** How many slots of pitch `w` fit on a circle of radius `radius`. */
function capacity(radius: number, w: number): number {
  if (radius < w / 2) return 1;
  return Math.max(1, Math.floor(Math.PI / Math.asin(w / (2 * radius)) + 1e-9));
}

/** The radius at which `n` slots of pitch `w` fit on one circle. */
function oneRingRadius(n: number, w: number): number {
  return n <= 1 ? 0 : w / (2 * Math.sin(Math.PI / n));
}

/**
 * Concentric circles per level, sorted by angle; each level starts clear of
 * the one inside it, with half a pitch more so the rings read apart.
 */
function ringSlots(levels: Level[], gap: number): void {
  let outer = -Infinity; // outermost radius used so far
  let outerPitch = 0;
  for (const level of levels) {
    const n = level.nodes.length;
    const w = pitch(level, gap);
    let radius: number;
    if (outer === -Infinity) radius = n <= ONE_RING_MAX ? oneRingRadius(n, w) : 0;
    else radius = outer + (outerPitch + w) / 2 + w / 2;
    const counts: number[] = [];
    let left = n;
    for (let r = radius; left > 0; r += w) {
      const c = Math.min(left, capacity(r, w));
      counts.push(c);
      left -= c;
    }
    const slots: Slot[] = [];
    counts.forEach((c, j) => {
      const r = radius + j * w;
      // Alternate circles are turned half a slot, so neighbours stagger.
      for (let k = 0; k < c; k++)
        slots.push({ key: normalise((2 * Math.PI * (k + (j % 2) * 0.5)) / c), radius: r, y: 0 });
    });
    slots.sort((a, b) => a.key - b.key || a.radius - b.radius);
    level.slots = slots;
    outer = radius + (counts.length - 1) * w;
    outerPitch = w;
  }
}

/**
 * Rows per level, as wide as a squarish map of everything allows, stacked
 * from the top and centred (y relative to the centre); sorted by x.
 */
function bandSlots(levels: Level[], gap: number, movable: SimNode[]): void {
  let area = 0;
  for (const n of movable) area += (2 * n.r + gap) ** 2;
  const pitches = levels.map((l) => pitch(l, gap));
  const width = Math.max(6 * Math.max(...pitches), Math.sqrt(area) * 1.6);
  let y = 0;
  levels.forEach((level, i) => {
    const w = pitches[i];
    if (i > 0) y += (pitches[i - 1] + w) / 2 + w / 2;
    const perRow = Math.max(1, Math.floor(width / w));
    const rows = Math.ceil(level.nodes.length / perRow);
    const slots: Slot[] = [];
    for (let row = 0; row < rows; row++) {
      const m = Math.min(perRow, level.nodes.length - row * perRow);
      // Alternate rows shift half a slot, so labels do not stack in columns.
      const shift = rows > 1 && row % 2 === 1 ? w / 2 : 0;
      for (let k = 0; k < m; k++)
        slots.push({ key: (k - (m - 1) / 2) * w + shift, radius: 0, y: y + row * w });
    }
    y += (rows - 1) * w;
    slots.sort((a, b) => a.key - b.key || a.y - b.y);
    level.slots = slots;
  });
  // Centre the stack vertically on the map's centre.
  for (const level of levels) for (const s of level.slots) s.y -= y / 2;
}

// ---- fitting an order to the slots --------------------------------------------------------

/**
 * Rings: the k-th node by wanted angle takes the k-th slot, the whole level
 * turned by the mean difference, so the order and the rough direction of
 * each node survive. Returns the angle each node (in the level's order)
 * gets, and sets its slot in level.assigned.
 */
function fitAngles(wanted: number[], level: Level): number[] {
  const slots = level.slots;
  const order = sortedOrder(wanted.map(normalise));
  const turn = circularMean(
    order.map((i, k) => wanted[i] - slots[k].key),
    0,
  );
  const out: number[] = new Array(wanted.length);
  const assigned: Slot[] = new Array(wanted.length);
  order.forEach((i, k) => {
    out[i] = normalise(slots[k].key + turn);
    assigned[i] = slots[k];
  });
  level.assigned = assigned;
  return out;
}

/** Bands: the same by x, the row shifted by the mean difference. */
function fitOffsets(wanted: number[], level: Level): number[] {
  const slots = level.slots;
  const order = sortedOrder(wanted);
  const shift = mean(order.map((i, k) => wanted[i] - slots[k].key));
  const out: number[] = new Array(wanted.length);
  const assigned: Slot[] = new Array(wanted.length);
  order.forEach((i, k) => {
    out[i] = slots[k].key + shift;
    assigned[i] = slots[k];
  });
  level.assigned = assigned;
  return out;
}

/** Indices sorted by value, ties by index (deterministic). */
function sortedOrder(values: number[]): number[] {
  return values.map((_, i) => i).sort((a, b) => values[a] - values[b] || a - b);
}

function mean(values: number[]): number {
  if (values.length === 0) return 0;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** The mean direction of some angles; `fallback` when they cancel out or there are none. */
function circularMean(angles: number[], fallback: number): number {
  let x = 0;
  let y = 0;
  for (const a of angles) {
    x += Math.cos(a);
    y += Math.sin(a);
  }
  if (Math.hypot(x, y) < 1e-6 * Math.max(1, angles.length)) return fallback;
  return Math.atan2(y, x);
}

/** An angle in [0, 2π). */
function normalise(a: number): number {
  const t = a % (2 * Math.PI);
  return t < 0 ? t + 2 * Math.PI : t;
}
