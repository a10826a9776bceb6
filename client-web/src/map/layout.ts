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
import { GOLDEN_ANGLE, Grid, separate } from "./layout-separate";

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
  /**
   * Whether the last half of the run keeps nodes apart as it goes (an even
   * spacing the whole way, at the cost of more than half the run's time).
   * Without it the final separation alone resolves the overlaps: what a
   * large import's placement uses, where speed counts most.
   */
  collide?: boolean;
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
  if (n <= 1000) return 200;
  return 120;
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
        .distance((l) => l.source.r + l.target.r + 2 * gap + meanR * 0.3)
        // d3's default strength, 1 / the lesser degree: hubs do not collapse.
        .strength(
          (l) =>
            1 / Math.max(1, Math.min(degree.get(l.source.id) ?? 1, degree.get(l.target.id) ?? 1)),
        ),
    )
    .force(
      "charge",
      forceManyBody<SimNode>()
        .strength((n) => -2 * n.r * Math.sqrt(n.r))
        .theta(options.theta ?? defaultTheta(nodes.length))
        .distanceMin(meanR),
    )
    // A weak pull to where the nodes were: disconnected parts stay near, not adrift.
    .force("x", forceX<SimNode>(centre.x).strength(0.08))
    .force("y", forceY<SimNode>(centre.y).strength(0.08));
  // Collisions matter once the shape has formed: the last part of the run
  // only (the costliest force while everything is still crowded).
  const early = options.collide === false ? ticks : Math.floor(ticks * 0.5);
  simulation.tick(early);
  if (early < ticks) {
    simulation.force(
      "collide",
      forceCollide<SimNode>((n) => n.r + gap / 2)
        .strength(0.8)
        .iterations(1),
    );
    simulation.tick(ticks - early);
  }
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
  const grid = Grid.for(nodes, gap);
  for (const n of nodes) grid.add(n);
  for (const n of nodes) {
    const was = start.get(n.id)!;
    if (n.pinned || !grid.clear(n, was, gap)) continue;
    grid.remove(n);
    n.x = was.x;
    n.y = was.y;
    grid.add(n);
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
  // Mean square distance from the centre, against that of a disc about twice
  // the footprints' area (radius² = 2 Σ footprint², mean square = Σ footprint²).
  const scale = Math.sqrt(need / Math.max(have / movable.length, 1e-9));
  if (scale <= 1) return;
  for (const n of movable) {
    n.x = centre.x + (n.x - centre.x) * scale;
    n.y = centre.y + (n.y - centre.y) * scale;
  }
}
