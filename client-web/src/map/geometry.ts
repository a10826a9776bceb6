// Pure geometry of the map view: viewport maths, hit testing and the shapes
// of connections. Map coordinates are the document's; screen coordinates are
// CSS pixels relative to the canvas's top-left corner.

export interface Pt {
  x: number;
  y: number;
}

export interface Size {
  width: number;
  height: number;
}

/** The map point at the centre of the canvas and screen pixels per map unit. */
export interface Viewport {
  x: number;
  y: number;
  zoom: number;
}

export interface Bounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export const MIN_ZOOM = 0.05;
export const MAX_ZOOM = 4;

export function clampZoom(zoom: number): number {
  if (!Number.isFinite(zoom) || zoom <= 0) return 1;
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
}

// ---- viewport ---------------------------------------------------------------

export function mapToScreen(p: Pt, vp: Viewport, size: Size): Pt {
  return {
    x: (p.x - vp.x) * vp.zoom + size.width / 2,
    y: (p.y - vp.y) * vp.zoom + size.height / 2,
  };
}

export function screenToMap(p: Pt, vp: Viewport, size: Size): Pt {
  return {
    x: (p.x - size.width / 2) / vp.zoom + vp.x,
    y: (p.y - size.height / 2) / vp.zoom + vp.y,
  };
}

/** The SVG transform that draws map coordinates where mapToScreen puts them. */
export function viewTransform(vp: Viewport, size: Size): string {
  const tx = size.width / 2 - vp.x * vp.zoom;
  const ty = size.height / 2 - vp.y * vp.zoom;
  return `translate(${round(tx)} ${round(ty)}) scale(${vp.zoom})`;
}

/** Moves the view so the content follows a drag of (dx, dy) screen pixels. */
export function panByScreen(vp: Viewport, dx: number, dy: number): Viewport {
  return { x: vp.x - dx / vp.zoom, y: vp.y - dy / vp.zoom, zoom: vp.zoom };
}

/** Zooms by `factor`, keeping the map point under `screen` where it is. */
export function zoomAt(vp: Viewport, size: Size, screen: Pt, factor: number): Viewport {
  const zoom = clampZoom(vp.zoom * factor);
  const anchor = screenToMap(screen, vp, size);
  return {
    x: anchor.x - (screen.x - size.width / 2) / zoom,
    y: anchor.y - (screen.y - size.height / 2) / zoom,
    zoom,
  };
}

/**
 * Zoom factor for one wheel event. Trackpad pinches arrive as ctrl+wheel with
 * small pixel deltas, mouse wheels as lines or large pixel steps; an
 * exponential keeps both proportional and symmetric (in then out = unchanged).
 */
export function wheelZoomFactor(deltaY: number, deltaMode: number): number {
  const pixels = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  const limited = Math.max(-200, Math.min(200, pixels));
  return Math.exp(-limited * 0.0025);
}

/** Screen space kept clear around fitted content (floating panels, breathing room). */
export interface Insets {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/**
 * A view that shows `bounds` whole and centred in what the insets leave of
 * the canvas, never zoomed in beyond `maxZoom` (a lone element stays small).
 */
export function fitViewport(
  bounds: Bounds | undefined,
  size: Size,
  insets: Insets = { left: 56, right: 56, top: 56, bottom: 56 },
  maxZoom = 1.25,
): Viewport {
  const offsetX = (insets.left - insets.right) / 2;
  const offsetY = (insets.top - insets.bottom) / 2;
  if (!bounds) return { x: 0 - offsetX, y: 0 - offsetY, zoom: 1 };
  const width = Math.max(bounds.maxX - bounds.minX, 1);
  const height = Math.max(bounds.maxY - bounds.minY, 1);
  const availableW = Math.max(size.width - insets.left - insets.right, 40);
  const availableH = Math.max(size.height - insets.top - insets.bottom, 40);
  const zoom = clampZoom(Math.min(availableW / width, availableH / height, maxZoom));
  return {
    x: (bounds.minX + bounds.maxX) / 2 - offsetX / zoom,
    y: (bounds.minY + bounds.maxY) / 2 - offsetY / zoom,
    zoom,
  };
}

/** Between two views at t in [0, 1]; zoom moves geometrically so it feels even. */
export function interpolateViewport(a: Viewport, b: Viewport, t: number): Viewport {
  return {
    x: a.x + (b.x - a.x) * t,
    y: a.y + (b.y - a.y) * t,
    zoom: a.zoom * Math.pow(b.zoom / a.zoom, t),
  };
}

export function easeInOut(t: number): number {
  return t < 0.5 ? 2 * t * t : 1 - Math.pow(-2 * t + 2, 2) / 2;
}

// ---- bounds -----------------------------------------------------------------

export function boundsOf(points: Iterable<Pt>, pad = 0): Bounds | undefined {
  let b: Bounds | undefined;
  for (const p of points) {
    if (!b) b = { minX: p.x, minY: p.y, maxX: p.x, maxY: p.y };
    else {
      b.minX = Math.min(b.minX, p.x);
      b.minY = Math.min(b.minY, p.y);
      b.maxX = Math.max(b.maxX, p.x);
      b.maxY = Math.max(b.maxY, p.y);
    }
  }
  if (!b) return undefined;
  return { minX: b.minX - pad, minY: b.minY - pad, maxX: b.maxX + pad, maxY: b.maxY + pad };
}

/** The rectangle spanned by two corners, in any order (a rubber band). */
export function rectFromCorners(a: Pt, b: Pt): Bounds {
  return {
    minX: Math.min(a.x, b.x),
    minY: Math.min(a.y, b.y),
    maxX: Math.max(a.x, b.x),
    maxY: Math.max(a.y, b.y),
  };
}

export function boundsContains(b: Bounds, p: Pt): boolean {
  return p.x >= b.minX && p.x <= b.maxX && p.y >= b.minY && p.y <= b.maxY;
}

// ---- hit testing ------------------------------------------------------------

export function distance(a: Pt, b: Pt): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

export function distanceToSegment(p: Pt, a: Pt, b: Pt): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const lengthSq = dx * dx + dy * dy;
  if (lengthSq === 0) return distance(p, a);
  const t = Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / lengthSq));
  return distance(p, { x: a.x + t * dx, y: a.y + t * dy });
}

export function distanceToPolyline(p: Pt, points: Pt[], closed: boolean): number {
  if (points.length === 0) return Infinity;
  if (points.length === 1) return distance(p, points[0]);
  let best = Infinity;
  const last = closed ? points.length : points.length - 1;
  for (let i = 0; i < last; i++) {
    best = Math.min(best, distanceToSegment(p, points[i], points[(i + 1) % points.length]));
  }
  return best;
}

/** Even-odd rule, so self-crossing outlines behave as they are drawn. */
export function pointInPolygon(p: Pt, points: Pt[]): boolean {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const a = points[i];
    const b = points[j];
    if (a.y > p.y !== b.y > p.y && p.x < ((b.x - a.x) * (p.y - a.y)) / (b.y - a.y) + a.x) {
      inside = !inside;
    }
  }
  return inside;
}

/** The id of the nearest point within `radius` of p, if any. */
export function nearestWithin<T extends Pt & { id: string }>(
  p: Pt,
  items: Iterable<T>,
  radius: number,
): string | undefined {
  let bestId: string | undefined;
  let best = radius;
  for (const item of items) {
    const d = distance(p, item);
    if (d <= best) {
      best = d;
      bestId = item.id;
    }
  }
  return bestId;
}

// ---- paths ------------------------------------------------------------------

/** A quadratic Bézier: start, control, end. */
export interface Curve {
  start: Pt;
  control: Pt;
  end: Pt;
}

/**
 * The curve of a connection between node centres a and b, bowed sideways by
 * `bend` map units (positive: to the left of a→b) and cut back so it starts
 * and ends on the nodes' rims (radii ra, rb).
 */
export function connectionCurve(a: Pt, b: Pt, ra: number, rb: number, bend: number): Curve {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length = Math.hypot(dx, dy);
  if (length < 1e-6) return { start: a, control: a, end: b };
  const normal = { x: dy / length, y: -dx / length };
  const control = {
    x: (a.x + b.x) / 2 + normal.x * bend,
    y: (a.y + b.y) / 2 + normal.y * bend,
  };
  // The tangents at the ends point at the control point, so stepping towards
  // it by the radius lands on the rim (exactly for a straight line).
  return {
    start: stepTowards(a, control, Math.min(ra, length / 2)),
    control,
    end: stepTowards(b, control, Math.min(rb, length / 2)),
  };
}

export function stepTowards(from: Pt, to: Pt, by: number): Pt {
  const d = distance(from, to);
  if (d < 1e-9) return { x: from.x, y: from.y };
  return { x: from.x + ((to.x - from.x) / d) * by, y: from.y + ((to.y - from.y) / d) * by };
}

export function quadPoint(c: Curve, t: number): Pt {
  const u = 1 - t;
  return {
    x: u * u * c.start.x + 2 * u * t * c.control.x + t * t * c.end.x,
    y: u * u * c.start.y + 2 * u * t * c.control.y + t * t * c.end.y,
  };
}

/** How far `p` is from the curve (measured to a 16-segment polyline along it). */
export function distanceToCurve(p: Pt, c: Curve): number {
  const points = Array.from({ length: 17 }, (_, i) => quadPoint(c, i / 16));
  return distanceToPolyline(p, points, false);
}

export function curvePath(c: Curve): string {
  return `M${round(c.start.x)} ${round(c.start.y)}Q${round(c.control.x)} ${round(c.control.y)} ${round(c.end.x)} ${round(c.end.y)}`;
}

/**
 * The curve with its ends pulled in by `trimStart` / `trimEnd` along their
 * tangents: where arrowheads sit, the stroke must stop at the arrow's base or
 * its width shows around the tip.
 */
export function trimCurve(c: Curve, trimStart: number, trimEnd: number): Curve {
  return {
    start: trimStart > 0 ? stepTowards(c.start, c.control, trimStart) : c.start,
    control: c.control,
    end: trimEnd > 0 ? stepTowards(c.end, c.control, trimEnd) : c.end,
  };
}

/**
 * An arrowhead's triangle with its tip at `tip`, pointing away from `from`
 * (for a curve end, `from` is the control point: the direction of arrival).
 */
export function arrowHead(tip: Pt, from: Pt, length: number, halfWidth: number): Pt[] {
  const d = distance(tip, from);
  const ux = d < 1e-9 ? 1 : (tip.x - from.x) / d;
  const uy = d < 1e-9 ? 0 : (tip.y - from.y) / d;
  const base = { x: tip.x - ux * length, y: tip.y - uy * length };
  return [
    { x: tip.x, y: tip.y },
    { x: base.x - uy * halfWidth, y: base.y + ux * halfWidth },
    { x: base.x + uy * halfWidth, y: base.y - ux * halfWidth },
  ];
}

export function pathFromPoints(points: Pt[], closed: boolean): string {
  if (points.length === 0) return "";
  const parts = points.map((p, i) => `${i === 0 ? "M" : "L"}${round(p.x)} ${round(p.y)}`);
  return parts.join("") + (closed ? "Z" : "");
}

/**
 * Sideways offsets for `count` connections between the same two elements, so
 * none hides another. A lone one bows gently (proportional to its length) for
 * an organic look; several fan out evenly on both sides.
 */
export function bendOffsets(count: number, length: number): number[] {
  if (count <= 1) return [Math.min(length * 0.08, 40)];
  const spacing = 26;
  return Array.from({ length: count }, (_, i) => (i - (count - 1) / 2) * spacing);
}

/** The area centroid of a polygon (its vertex average when degenerate). */
export function polygonCentroid(points: Pt[]): Pt {
  let area = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < points.length; i++) {
    const a = points[i];
    const b = points[(i + 1) % points.length];
    const cross = a.x * b.y - b.x * a.y;
    area += cross;
    cx += (a.x + b.x) * cross;
    cy += (a.y + b.y) * cross;
  }
  if (Math.abs(area) < 1e-9) {
    const n = Math.max(points.length, 1);
    return {
      x: points.reduce((s, p) => s + p.x, 0) / n,
      y: points.reduce((s, p) => s + p.y, 0) / n,
    };
  }
  return { x: cx / (3 * area), y: cy / (3 * area) };
}

/** The point halfway along a polyline, measured by length (for its label). */
export function polylineMidpoint(points: Pt[]): Pt {
  if (points.length === 0) return { x: 0, y: 0 };
  let total = 0;
  for (let i = 1; i < points.length; i++) total += distance(points[i - 1], points[i]);
  let remaining = total / 2;
  for (let i = 1; i < points.length; i++) {
    const seg = distance(points[i - 1], points[i]);
    if (seg >= remaining && seg > 0) return stepTowards(points[i - 1], points[i], remaining);
    remaining -= seg;
  }
  return points[points.length - 1];
}

/**
 * Drops points that sit on top of the previous one: a double-click that ends
 * a drawing also delivers two clicks at the same spot.
 */
export function dropRepeatedPoints(points: Pt[], tolerance: number): Pt[] {
  const out: Pt[] = [];
  for (const p of points) {
    if (out.length === 0 || distance(out[out.length - 1], p) > tolerance) out.push(p);
  }
  return out;
}

export function translatePoints(points: Pt[], dx: number, dy: number): Pt[] {
  return points.map((p) => ({ x: p.x + dx, y: p.y + dy }));
}

/** Coordinates the document accepts (|x|, |y| <= 10^7), rounded to 0.01. */
export function clampCoordinate(v: number): number {
  const limited = Math.max(-1e7, Math.min(1e7, Number.isFinite(v) ? v : 0));
  return Math.round(limited * 100) / 100;
}

export function round(v: number): number {
  return Math.round(v * 100) / 100;
}
