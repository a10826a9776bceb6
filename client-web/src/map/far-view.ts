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
// gathered into one Path2D, drawn by its own methods (no path text to make
// and parse), so a map of 6,000 entities is a few dozen fills and strokes.
// far-view.test.ts holds the two to the same shapes and colours.
import { Direction } from "../gen/convene/v1/ops_pb";
import { htmlEl } from "./dom";
import { arrowHead, trimCurve, type Curve, type Pt, type Size, type Viewport } from "./geometry";
import {
  arrowSize,
  bodyCorners,
  bodyShape,
  elementColour,
  nodeRadius,
  SQUARE_ROUNDING,
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

/**
 * Where a path is drawn: a Path2D in the browser (its own methods), or, in
 * tests, a recorder (PathText).
 */
export type PathSink = Pick<
  Path2D,
  "moveTo" | "lineTo" | "quadraticCurveTo" | "arc" | "arcTo" | "closePath"
>;

/** How a batch of alike paths is filled or stroked. */
export interface How {
  fill?: string;
  /** The fill's own opacity, times `alpha` (a halo's faint disc). */
  fillAlpha?: number;
  stroke?: string;
  width?: number;
  dash?: number[];
  cap?: CanvasLineCap;
  alpha: number;
}

/** One fill or stroke: of everything drawn alike, in one path. */
export interface Stroke<P extends PathSink = PathSink> extends How {
  path: P;
}

export class FarView {
  readonly canvas = htmlEl("canvas", { class: "cv-far", "aria-hidden": "true" });
  /** What show() was given, as paths ready to paint at any viewport. */
  private painted: Stroke<Path2D>[] = [];

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
    this.painted =
      items && typeof Path2D === "function" ? strokesOf(items, () => new Path2D()) : [];
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
    for (const stroke of this.painted) paint(context, stroke);
    context.globalAlpha = 1;
  }
}

function paint(c: CanvasRenderingContext2D, s: Stroke<Path2D>): void {
  if (s.fill) {
    c.globalAlpha = s.alpha * (s.fillAlpha ?? 1);
    c.fillStyle = s.fill;
    c.fill(s.path);
  }
  if (s.stroke) {
    c.globalAlpha = s.alpha;
    c.strokeStyle = s.stroke;
    c.lineWidth = s.width ?? 1;
    c.setLineDash(s.dash ?? []);
    c.lineCap = s.cap ?? "butt";
    c.lineJoin = "round";
    c.stroke(s.path);
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
 * under it; within each of those four, what is alike is one path (made by
 * `newPath`).
 */
export function strokesOf<P extends PathSink>(items: FarItems, newPath: () => P): Stroke<P>[] {
  const batches = [0, 1, 2, 3].map(() => new Batch(newPath));
  const [lineUnder, lines, bodyUnder, bodies] = batches;
  for (const c of items.connections) connectionStrokes(lineUnder, lines, c);
  for (const e of items.elements) elementStrokes(bodyUnder, bodies, e);
  return batches.flatMap((b) => b.strokes());
}

/** Paths gathered by how they are drawn, kept in the order each kind first came. */
class Batch<P extends PathSink> {
  private readonly groups = new Map<string, Stroke<P>>();

  constructor(private readonly newPath: () => P) {}

  /** The path to draw into, to be painted `how`. */
  to(how: How): P {
    const key = `${how.fill}|${how.fillAlpha}|${how.stroke}|${how.width}|${how.dash}|${how.cap}|${how.alpha}`;
    let group = this.groups.get(key);
    if (!group) {
      group = { ...how, path: this.newPath() };
      this.groups.set(key, group);
    }
    return group.path;
  }

  strokes(): Stroke<P>[] {
    return [...this.groups.values()];
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

function circle(path: PathSink, at: Pt, r: number): void {
  path.moveTo(at.x + r, at.y);
  path.arc(at.x, at.y, Math.max(0, r), 0, 2 * Math.PI);
  path.closePath();
}

function polygon(path: PathSink, points: Pt[]): void {
  points.forEach((p, i) => (i === 0 ? path.moveTo(p.x, p.y) : path.lineTo(p.x, p.y)));
  path.closePath();
}

/** An element's body outline of radius `r` round `at`, as nodes.ts bodyNode draws it. */
function outline(path: PathSink, look: ElementLook, at: Pt, r: number): void {
  const shape = bodyShape(look);
  if (shape === "diamond" || shape === "hexagon") return polygon(path, bodyCorners(shape, r, at));
  if (shape !== "square") return circle(path, at, r);
  const c = r * SQUARE_ROUNDING;
  const { x, y } = at;
  path.moveTo(x - r + c, y - r);
  path.arcTo(x + r, y - r, x + r, y + r, c);
  path.arcTo(x + r, y + r, x - r, y + r, c);
  path.arcTo(x - r, y + r, x - r, y - r, c);
  path.arcTo(x - r, y - r, x + r, y - r, c);
  path.closePath();
}

function elementStrokes<P extends PathSink>(
  under: Batch<P>,
  batch: Batch<P>,
  { look, at, alpha }: FarElement,
): void {
  const r = nodeRadius(look);
  const colour = elementColour(look);
  if (look.disagreement !== undefined) {
    const halo = under.to({
      fill: DISAGREEMENT_COLOUR,
      fillAlpha: 0.08,
      stroke: DISAGREEMENT_COLOUR,
      width: 2.5,
      dash: [6, 4],
      alpha,
    });
    circle(halo, at, haloRadius(r + (look.selfColour ? 6 : 0), look.disagreement));
  }
  (look.remote ?? []).forEach((c, i) => {
    circle(under.to({ stroke: c, width: 3, alpha: alpha * 0.85 }), at, r + 10 + i * 4.5);
  });
  if (look.selfColour)
    outline(under.to({ stroke: look.selfColour, width: 4, alpha }), look, at, r + 5);
  outline(batch.to({ fill: tint(colour, 0.84), stroke: colour, width: 2.2, alpha }), look, at, r);
}

function curve(path: PathSink, c: Curve): void {
  path.moveTo(c.start.x, c.start.y);
  path.quadraticCurveTo(c.control.x, c.control.y, c.end.x, c.end.y);
}

function connectionStrokes<P extends PathSink>(
  under: Batch<P>,
  batch: Batch<P>,
  { look, alpha }: FarConnection,
): void {
  const style = styleOf(look);
  const arrow = arrowSize(style.width);
  const atEnd = look.direction === Direction.FORWARD || look.direction === Direction.BOTH;
  const atStart = look.direction === Direction.BOTH;
  const full = look.curve;
  if (look.disagreement !== undefined) {
    const halo = under.to({
      stroke: DISAGREEMENT_COLOUR,
      width: style.width + 6 + look.disagreement * 4,
      dash: [8, 6],
      alpha: alpha * 0.55,
    });
    curve(halo, full);
  }
  (look.remote ?? []).forEach((c, i) => {
    const how = { stroke: c, width: style.width + 8 + i * 5, cap: "round" as const };
    curve(under.to({ ...how, alpha: alpha * 0.45 }), full);
  });
  const line = batch.to({
    stroke: style.colour,
    width: style.width,
    dash: dashes(style.dasharray),
    cap: "round",
    alpha,
  });
  curve(line, trimCurve(full, atStart ? arrow.length * 0.8 : 0, atEnd ? arrow.length * 0.8 : 0));
  const heads: Pt[][] = [];
  if (atEnd) heads.push(arrowHead(full.end, full.control, arrow.length, arrow.halfWidth));
  if (atStart) heads.push(arrowHead(full.start, full.control, arrow.length, arrow.halfWidth));
  for (const head of heads)
    polygon(batch.to({ fill: style.colour, stroke: style.colour, width: 1, alpha }), head);
}
