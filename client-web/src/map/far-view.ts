// A large map seen whole, drawn on a canvas. Far out (below ZOOMED_FAR) a
// map of thousands of elements shows no icons or labels, only bodies and
// lines, and as SVG it is tens of thousands of nodes to build, style and
// paint (736 ms to load 2,000 elements and 4,000 connections). Here the scene
// keeps those entities out of the DOM and unbuilt, and they are painted in
// one pass; what the user works with (selected, hovered, focused, on a path)
// stays SVG over it (scene.ts, keeps). The canvas moves with the map's
// drawing while the view moves and is repainted with it (view-layer.ts).
//
// What is painted follows elementChildren and connectionChildren (nodes.ts)
// for what shows far out: halos, remote selections, self rings, bodies;
// lines and arrowheads. Strokes alike (colour, width, dashes, opacity) are
// gathered into one path, so a map of 6,000 entities is a few dozen fills
// and strokes. far-view.test.ts holds the two to the same colours.
import { Direction } from "../gen/convene/v1/ops_pb";
import { htmlEl } from "./dom";
import {
  arrowHead,
  curvePath,
  pathFromPoints,
  trimCurve,
  type Pt,
  type Size,
  type Viewport,
} from "./geometry";
import {
  arrowSize,
  bodyOutline,
  elementColour,
  NODE_RADIUS,
  nodeRadius,
  styleOf,
  type ConnectionLook,
  type ElementLook,
} from "./nodes";
import { DISAGREEMENT_COLOUR, haloRadius, tint } from "./style";

export interface FarElement {
  look: ElementLook;
  at: Pt;
  /** How opaque (a filter fades to 0.15, a path shown dims the rest to 0.3). */
  alpha: number;
}

export interface FarConnection {
  look: ConnectionLook;
  alpha: number;
}

export interface FarItems {
  elements: FarElement[];
  connections: FarConnection[];
}

/** One fill or stroke of path data (SVG syntax), and how. */
export interface Stroke {
  d: string;
  fill?: string;
  /** The fill's own opacity, times `alpha` (a halo's faint disc). */
  fillAlpha?: number;
  stroke?: string;
  width?: number;
  dash?: number[];
  cap?: CanvasLineCap;
  alpha: number;
}

export class FarView {
  readonly canvas = htmlEl("canvas", { class: "cv-far", "aria-hidden": "true" });
  /** What show() was given, as paths ready to paint at any viewport. */
  private painted: { stroke: Stroke; path: Path2D | undefined }[] = [];

  /**
   * Takes what to paint (nothing: clears). Its paths are made once, here, in
   * map units: a move of the view repaints them (draw) without making them
   * again.
   */
  show(items: FarItems | undefined): void {
    const canvas = this.canvas;
    // What is painted, for tests and benchmarks to watch (a canvas has no DOM
    // to read): how many of each, and a checksum of the elements' places.
    canvas.dataset.elements = String(items?.elements.length ?? 0);
    canvas.dataset.connections = String(items?.connections.length ?? 0);
    canvas.dataset.places = String(placesChecksum(items?.elements ?? []));
    const canPaint = typeof Path2D === "function";
    this.painted = (items ? strokesOf(items) : []).map((stroke) => ({
      stroke,
      path: canPaint ? new Path2D(stroke.d) : undefined,
    }));
  }

  /** Paints what it was shown as the map's drawing shows it at `vp`. */
  draw(vp: Viewport, size: Size): void {
    const canvas = this.canvas;
    const ratio = typeof devicePixelRatio === "number" ? devicePixelRatio : 1;
    const width = Math.max(1, Math.round(size.width * ratio));
    const height = Math.max(1, Math.round(size.height * ratio));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const context = typeof Path2D === "function" ? canvas.getContext("2d") : null;
    if (!context) return;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, width, height);
    if (this.painted.length === 0) return;
    // The map's viewport transform (geometry.ts viewTransform), in device pixels.
    const tx = size.width / 2 - vp.x * vp.zoom;
    const ty = size.height / 2 - vp.y * vp.zoom;
    context.setTransform(ratio * vp.zoom, 0, 0, ratio * vp.zoom, ratio * tx, ratio * ty);
    for (const { stroke, path } of this.painted) if (path) paint(context, stroke, path);
    context.globalAlpha = 1;
  }
}

function paint(c: CanvasRenderingContext2D, s: Stroke, path: Path2D): void {
  if (s.fill) {
    c.globalAlpha = s.alpha * (s.fillAlpha ?? 1);
    c.fillStyle = s.fill;
    c.fill(path);
  }
  if (s.stroke) {
    c.globalAlpha = s.alpha;
    c.strokeStyle = s.stroke;
    c.lineWidth = s.width ?? 1;
    c.setLineDash(s.dash ?? []);
    c.lineCap = s.cap ?? "butt";
    c.lineJoin = "round";
    c.stroke(path);
  }
}

/** A number that changes when any painted element moves. */
function placesChecksum(elements: FarElement[]): number {
  let sum = 0;
  for (const { at } of elements) sum = (sum * 31 + Math.round(at.x) * 7 + Math.round(at.y)) % 1e9;
  return sum;
}

/**
 * The fills and strokes that paint `items`, in order: connections, then
 * elements over them, as the SVG layers stack, each with its halos and rings
 * under it; within each of those four, what is alike is one path.
 */
export function strokesOf(items: FarItems): Stroke[] {
  const [lineUnder, lines, bodyUnder, bodies] = [
    new Batch(),
    new Batch(),
    new Batch(),
    new Batch(),
  ];
  for (const c of items.connections) connectionStrokes(lineUnder, lines, c);
  for (const e of items.elements) elementStrokes(bodyUnder, bodies, e);
  return [lineUnder, lines, bodyUnder, bodies].flatMap((b) => b.take());
}

/** Strokes gathered by how they are drawn, kept in the order each kind first came. */
class Batch {
  private readonly groups = new Map<string, Stroke & { parts: string[] }>();

  add(d: string, how: Omit<Stroke, "d">): void {
    const key = `${how.fill}|${how.fillAlpha}|${how.stroke}|${how.width}|${how.dash}|${how.cap}|${how.alpha}`;
    const group = this.groups.get(key);
    if (group) group.parts.push(d);
    else this.groups.set(key, { ...how, d: "", parts: [d] });
  }

  take(): Stroke[] {
    const out = [...this.groups.values()].map(({ parts, ...s }) => ({ ...s, d: parts.join("") }));
    this.groups.clear();
    return out;
  }
}

const dashCache = new Map<string, number[] | undefined>();

/** A stroke-dasharray as the canvas takes it (undefined: solid). */
function dashes(dasharray: string): number[] | undefined {
  if (!dashCache.has(dasharray)) dashCache.set(dasharray, parseDashes(dasharray));
  return dashCache.get(dasharray);
}

function parseDashes(dasharray: string): number[] | undefined {
  const list = dasharray
    .split(/[\s,]+/)
    .map(Number)
    .filter((d) => Number.isFinite(d) && d >= 0);
  return list.length > 0 && list.some((d) => d > 0) ? list : undefined;
}

function circlePath(at: Pt, r: number): string {
  return bodyOutline({ kind: 0, size: Math.max(0, r) / NODE_RADIUS }, at);
}

function elementStrokes(under: Batch, batch: Batch, { look, at, alpha }: FarElement): void {
  const r = nodeRadius(look);
  const colour = elementColour(look);
  if (look.disagreement !== undefined) {
    under.add(circlePath(at, haloRadius(r + (look.selfColour ? 6 : 0), look.disagreement)), {
      fill: DISAGREEMENT_COLOUR,
      fillAlpha: 0.08,
      stroke: DISAGREEMENT_COLOUR,
      width: 2.5,
      dash: [6, 4],
      alpha,
    });
  }
  (look.remote ?? []).forEach((c, i) => {
    under.add(circlePath(at, r + 10 + i * 4.5), { stroke: c, width: 3, alpha: alpha * 0.85 });
  });
  if (look.selfColour) {
    const ring = bodyOutline({ ...look, size: (r + 5) / NODE_RADIUS }, at);
    under.add(ring, { stroke: look.selfColour, width: 4, alpha });
  }
  batch.add(bodyOutline(look, at), { fill: tint(colour, 0.84), stroke: colour, width: 2.2, alpha });
}

function connectionStrokes(under: Batch, batch: Batch, { look, alpha }: FarConnection): void {
  const style = styleOf(look);
  const arrow = arrowSize(style.width);
  const atEnd = look.direction === Direction.FORWARD || look.direction === Direction.BOTH;
  const atStart = look.direction === Direction.BOTH;
  const curve = look.curve;
  if (look.disagreement !== undefined) {
    under.add(curvePath(curve), {
      stroke: DISAGREEMENT_COLOUR,
      width: style.width + 6 + look.disagreement * 4,
      dash: [8, 6],
      alpha: alpha * 0.55,
    });
  }
  (look.remote ?? []).forEach((c, i) => {
    under.add(curvePath(curve), {
      stroke: c,
      width: style.width + 8 + i * 5,
      cap: "round",
      alpha: alpha * 0.45,
    });
  });
  const trimmed = trimCurve(
    curve,
    atStart ? arrow.length * 0.8 : 0,
    atEnd ? arrow.length * 0.8 : 0,
  );
  batch.add(curvePath(trimmed), {
    stroke: style.colour,
    width: style.width,
    dash: dashes(style.dasharray),
    cap: "round",
    alpha,
  });
  const heads: Pt[][] = [];
  if (atEnd) heads.push(arrowHead(curve.end, curve.control, arrow.length, arrow.halfWidth));
  if (atStart) heads.push(arrowHead(curve.start, curve.control, arrow.length, arrow.halfWidth));
  for (const head of heads)
    batch.add(pathFromPoints(head, true), {
      fill: style.colour,
      stroke: style.colour,
      width: 1,
      alpha,
    });
}
