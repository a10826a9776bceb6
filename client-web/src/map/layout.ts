// Automatic layouts of a landscape map, as pure functions: plain nodes and
// links in, new positions for the unpinned nodes out. Nothing here touches the
// document or the DOM (layout-apply.ts turns a result into position ops), and
// nothing animates: every layout runs to its end synchronously, seeded, so the
// same input always gives the same positions.
//
// Each node's `radius` is its footprint: the body and room for its label.
// Every layout ends with separate(), which leaves at least `gap` between any
// two footprints unless both nodes are pinned.
//
//   forceLayout     d3-force: links, many-body (Barnes–Hut), collide, a weak
//                   pull to the centre; pinned nodes fixed (fx/fy).
//   scaleLayout     rings or bands by level of scale (layout-scale.ts).
//   removeOverlaps  the collide force alone for a few ticks, then separate().
import {
  forceCollide,
  forceLink,
  forceManyBody,
  forceSimulation,
  forceX,
  forceY,
  type SimulationLinkDatum,
  type SimulationNodeDatum,
} from "d3-force";

export interface LayoutNode {
  id: string;
  x: number;
  y: number;
  /** The footprint to keep clear: body and label, in map units. */
  radius: number;
  /** Layouts leave it where it is (and move others around it). */
  pinned: boolean;
  /** Its ScaleLevel (0 or absent: no scale), for scaleLayout. */
  scale?: number;
}

export interface LayoutLink {
  from: string;
  to: string;
}

export interface LayoutInput {
  nodes: LayoutNode[];
  links: LayoutLink[];
}

export interface Pt {
  x: number;
  y: number;
}

/** New positions of the unpinned nodes, by id. */
export type Positions = Map<string, Pt>;

/** Clear space left between two footprints. */
export const LAYOUT_GAP = 10;
const DEFAULT_RADIUS = 20;

export interface ForceOptions {
  /**
   * Simulation steps. 300 is d3's own default; fewer are faster and a little
   * less settled (bench/layout-bench.mjs measures the cost per size).
   */
  ticks?: number;
  /** Barnes–Hut accuracy: larger is faster and coarser (d3's default 0.9). */
  theta?: number;
  gap?: number;
  seed?: number;
}

export interface OverlapOptions {
  gap?: number;
  seed?: number;
}

/** A node as the simulations and separate() see it. */
export interface SimNode extends SimulationNodeDatum {
  id: string;
  x: number;
  y: number;
  r: number;
  pinned: boolean;
  scale: number;
  /** Position in the input, for deterministic tie-breaking. */
  order: number;
}

/**
 * Ticks for a map of `n` nodes: d3's 300 where that is cheap, fewer on large
 * maps so 2,000 nodes stay well under two seconds in a browser
 * (docs/benchmarks.md, "Layout").
 */
export function defaultTicks(n: number): number {
  if (n <= 500) return 300;
  if (n <= 1500) return 200;
  return 150;
}

/** Barnes–Hut theta: d3's 0.9, coarser on large maps (the same measurements). */
export function defaultTheta(n: number): number {
  return n <= 1000 ? 0.9 : 1.2;
}

// ---- force-directed ---------------------------------------------------------------

export function forceLayout(input: LayoutInput, options: ForceOptions = {}): Positions {
  const gap = options.gap ?? LAYOUT_GAP;
  const nodes = simNodes(input.nodes);
  const movable = nodes.filter((n) => !n.pinned);
  if (movable.length === 0) return new Map();
  const ticks = Math.max(1, Math.round(options.ticks ?? defaultTicks(nodes.length)));
  const links = simLinks(nodes, input.links);
  const centre = centroid(movable);
  const degree = new Map<string, number>();
  for (const l of links) {
    degree.set(l.source.id, (degree.get(l.source.id) ?? 0) + 1);
    degree.set(l.target.id, (degree.get(l.target.id) ?? 0) + 1);
  }
  fixPinned(nodes);
  spreadCoincident(nodes);
  spreadOut(movable, centre, gap);
  const meanR = nodes.reduce((s, n) => s + n.r, 0) / nodes.length;
  const simulation = forceSimulation<SimNode>(nodes)
    .stop()
    .randomSource(seededRandom(options.seed ?? 1))
    .alpha(1)
    .alphaMin(0.001)
    .alphaDecay(1 - Math.pow(0.001, 1 / ticks))
    .velocityDecay(0.4)
    .force(
      "link",
      forceLink<SimNode, SimLink>(links)
        .distance((l) => l.source.r + l.target.r + 2 * gap + meanR * 0.6)
        // d3's default strength, 1 / the lesser degree: hubs do not collapse.
        .strength(
          (l) =>
            1 / Math.max(1, Math.min(degree.get(l.source.id) ?? 1, degree.get(l.target.id) ?? 1)),
        ),
    )
    .force(
      "charge",
      forceManyBody<SimNode>()
        .strength((n) => -6 * n.r * Math.sqrt(n.r))
        .theta(options.theta ?? defaultTheta(nodes.length))
        .distanceMin(meanR),
    )
    // A weak pull to where the nodes were: disconnected parts stay near, not adrift.
    .force("x", forceX<SimNode>(centre.x).strength(0.03))
    .force("y", forceY<SimNode>(centre.y).strength(0.03));
  // Collisions matter once the shape has formed: the last part of the run
  // only (the costliest force while everything is still crowded).
  const early = Math.floor(ticks * 0.5);
  simulation.tick(early);
  simulation.force(
    "collide",
    forceCollide<SimNode>((n) => n.r + gap / 2)
      .strength(0.8)
      .iterations(1),
  );
  simulation.tick(ticks - early);
  separate(nodes, gap);
  return result(nodes);
}

// ---- remove overlaps --------------------------------------------------------------

/** Moves nodes the least it can so no two overlap; pinned nodes stay. */
export function removeOverlaps(input: LayoutInput, options: OverlapOptions = {}): Positions {
  const gap = options.gap ?? LAYOUT_GAP;
  const nodes = simNodes(input.nodes);
  if (!nodes.some((n) => !n.pinned)) return new Map();
  const start = new Map(nodes.map((n) => [n.id, { x: n.x, y: n.y }]));
  fixPinned(nodes);
  spreadCoincident(nodes);
  // A few gentle ticks of the collide force spread crowds evenly; separate()
  // then settles what remains exactly.
  forceSimulation<SimNode>(nodes)
    .stop()
    .randomSource(seededRandom(options.seed ?? 1))
    .velocityDecay(0.8)
    .force("collide", forceCollide<SimNode>((n) => n.r + gap / 2).strength(0.5))
    .tick(4);
  separate(nodes, gap);
  // Nodes that overlapped nothing go back exactly where they were.
  for (const n of nodes) {
    const was = start.get(n.id)!;
    if (!n.pinned && isClear(nodes, n, was, gap)) {
      n.x = was.x;
      n.y = was.y;
    }
  }
  return result(nodes);
}

// ---- shared ------------------------------------------------------------------------------

interface SimLink extends SimulationLinkDatum<SimNode> {
  source: SimNode;
  target: SimNode;
}

/** Sanitised copies: finite positions (else the others' centroid), positive radii. */
export function simNodes(input: LayoutNode[]): SimNode[] {
  const finite = input.filter((n) => Number.isFinite(n.x) && Number.isFinite(n.y));
  const c = finite.length > 0 ? centroid(finite) : { x: 0, y: 0 };
  const seen = new Set<string>();
  const out: SimNode[] = [];
  input.forEach((n, order) => {
    if (seen.has(n.id)) return;
    seen.add(n.id);
    const ok = Number.isFinite(n.x) && Number.isFinite(n.y);
    const r = Number.isFinite(n.radius) && n.radius > 0 ? n.radius : DEFAULT_RADIUS;
    out.push({
      id: n.id,
      x: ok ? n.x : c.x,
      y: ok ? n.y : c.y,
      r,
      pinned: !!n.pinned,
      scale: Number.isFinite(n.scale) ? (n.scale as number) : 0,
      order,
    });
  });
  return out;
}

/** Pinned nodes do not move in a simulation (d3's fx, fy). */
function fixPinned(nodes: SimNode[]): void {
  for (const n of nodes) {
    if (!n.pinned) continue;
    n.fx = n.x;
    n.fy = n.y;
  }
}

/** Links between known, distinct nodes, each pair once. */
function simLinks(nodes: SimNode[], links: LayoutLink[]): SimLink[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const seen = new Set<string>();
  const out: SimLink[] = [];
  for (const l of links) {
    const a = byId.get(l.from);
    const b = byId.get(l.to);
    if (!a || !b || a === b) continue;
    const key = a.order < b.order ? `${a.order}|${b.order}` : `${b.order}|${a.order}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ source: a, target: b });
  }
  return out;
}

/** Neighbour lists by node index (links deduplicated, self-links dropped). */
export function adjacency(nodes: SimNode[], links: LayoutLink[]): number[][] {
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const out: number[][] = nodes.map(() => []);
  for (const l of simLinks(nodes, links)) {
    const a = index.get(l.source.id)!;
    const b = index.get(l.target.id)!;
    out[a].push(b);
    out[b].push(a);
  }
  return out;
}

export function centroid(points: readonly Pt[]): Pt {
  if (points.length === 0) return { x: 0, y: 0 };
  let x = 0;
  let y = 0;
  for (const p of points) {
    x += p.x;
    y += p.y;
  }
  return { x: x / points.length, y: y / points.length };
}

export function result(nodes: SimNode[]): Positions {
  const out: Positions = new Map();
  for (const n of nodes) if (!n.pinned) out.set(n.id, { x: n.x, y: n.y });
  return out;
}

/**
 * A seeded linear congruential generator in [0, 1) (d3-force's own, with a
 * seed), for d3's randomSource and the tests.
 */
export function seededRandom(seed: number): () => number {
  let s = (seed >>> 0) % 4294967296 || 1;
  return () => (s = (1664525 * s + 1013904223) % 4294967296) / 4294967296;
}

const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));

/**
 * Unpinned nodes sharing one spot (a pasted or imported pile) fan out on a
 * small spiral, in input order, so forces and separate() have a direction.
 */
function spreadCoincident(nodes: SimNode[]): void {
  const groups = new Map<string, SimNode[]>();
  for (const n of nodes) {
    const key = `${n.x},${n.y}`;
    const group = groups.get(key);
    if (group) group.push(n);
    else groups.set(key, [n]);
  }
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    // The first node keeps the spot, or the pinned one when there is one.
    const first = group.some((n) => n.pinned) ? 1 : 0;
    group
      .filter((n) => !n.pinned)
      .forEach((n, i) => {
        const k = i + first;
        if (k === 0) return;
        const d = n.r * 0.5 * Math.sqrt(k);
        n.x += d * Math.cos(k * GOLDEN_ANGLE);
        n.y += d * Math.sin(k * GOLDEN_ANGLE);
      });
  }
}

/**
 * Movable nodes crowded closer than their footprints allow start spread out
 * from the centre, in the same arrangement: forces settle sooner from there,
 * and collisions are fewer (and cheaper) from the first tick.
 */
function spreadOut(movable: SimNode[], centre: Pt, gap: number): void {
  let need = 0;
  let have = 0;
  for (const n of movable) {
    need += (n.r + gap / 2) ** 2;
    have += (n.x - centre.x) ** 2 + (n.y - centre.y) ** 2;
  }
  // Root-mean-square distance from the centre, against that of a disc about
  // twice the footprints' area.
  const scale = Math.sqrt(need / Math.max(have, 1e-9));
  if (scale <= 1) return;
  for (const n of movable) {
    n.x = centre.x + (n.x - centre.x) * scale;
    n.y = centre.y + (n.y - centre.y) * scale;
  }
}

/**
 * Pushes overlapping footprints apart until at least `gap` separates every
 * pair with a movable node: each pair shares the push, or a movable node
 * takes all of it from a pinned one. A grid of cells as wide as the largest
 * footprint finds neighbours. A node still caught after `maxRounds` (wedged
 * between pinned ones, say) goes to the nearest free spot.
 */
export function separate(nodes: SimNode[], gap: number, maxRounds = 100): void {
  if (nodes.length < 2) return;
  let maxR = 0;
  for (const n of nodes) maxR = Math.max(maxR, n.r);
  const cell = 2 * maxR + gap;
  const keyOf = (cx: number, cy: number) => (cx + 5e5) * 1e6 + (cy + 5e5);
  for (let round = 0; round < maxRounds; round++) {
    const grid = new Map<number, number[]>();
    nodes.forEach((n, i) => {
      const key = keyOf(Math.floor(n.x / cell), Math.floor(n.y / cell));
      const list = grid.get(key);
      if (list) list.push(i);
      else grid.set(key, [i]);
    });
    let overlaps = 0;
    for (let i = 0; i < nodes.length; i++) {
      const a = nodes[i];
      const cx = Math.floor(a.x / cell);
      const cy = Math.floor(a.y / cell);
      for (let dx = -1; dx <= 1; dx++) {
        for (let dy = -1; dy <= 1; dy++) {
          for (const j of grid.get(keyOf(cx + dx, cy + dy)) ?? []) {
            if (j <= i) continue;
            if (push(a, nodes[j], gap)) overlaps++;
          }
        }
      }
    }
    if (overlaps === 0) return;
  }
  for (const n of nodes) if (!n.pinned && !isClear(nodes, n, n, gap)) moveToFreeSpot(nodes, n, gap);
}

/** Whether `node` at `at` keeps clear of every other node. */
function isClear(nodes: SimNode[], node: SimNode, at: Pt, gap: number): boolean {
  for (const other of nodes) {
    if (other === node) continue;
    const need = node.r + other.r + gap;
    const dx = other.x - at.x;
    if (dx >= need || dx <= -need) continue;
    if (Math.hypot(dx, other.y - at.y) < need) return false;
  }
  return true;
}

/** Tries points on circles of growing radius round the node, nearest first. */
function moveToFreeSpot(nodes: SimNode[], node: SimNode, gap: number): void {
  const step = node.r / 2;
  const from = { x: node.x, y: node.y };
  for (let ring = 1; ring < 100_000; ring++) {
    const d = ring * step;
    const count = Math.max(6, Math.ceil((2 * Math.PI * d) / step));
    for (let k = 0; k < count; k++) {
      const a = (2 * Math.PI * k) / count + ring * GOLDEN_ANGLE;
      const at = { x: from.x + d * Math.cos(a), y: from.y + d * Math.sin(a) };
      if (isClear(nodes, node, at, gap)) {
        node.x = at.x;
        node.y = at.y;
        return;
      }
    }
  }
}

/** Separates one pair if it overlaps; true when it did. */
function push(a: SimNode, b: SimNode, gap: number): boolean {
  if (a.pinned && b.pinned) return false;
  const need = a.r + b.r + gap;
  let dx = b.x - a.x;
  let dy = b.y - a.y;
  const d = Math.hypot(dx, dy);
  if (d >= need - 1e-9) return false;
  // A hair more than the overlap, so rounding cannot leave it short.
  const overlap = need - d + 1e-6 * need;
  if (d < 1e-9) {
    // Same spot: a direction from their order, the same on every run.
    const angle = (a.order * 7 + b.order * 13) * GOLDEN_ANGLE;
    dx = Math.cos(angle);
    dy = Math.sin(angle);
  } else {
    dx /= d;
    dy /= d;
  }
  const share = a.pinned ? 0 : b.pinned ? 1 : 0.5;
  a.x -= dx * overlap * share;
  a.y -= dy * overlap * share;
  b.x += dx * overlap * (1 - share);
  b.y += dy * overlap * (1 - share);
  return true;
}
