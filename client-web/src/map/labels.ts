// Where labels go so that none sits on an element or on another label: a
// greedy placement. Labels are taken by priority; each tries its places in
// order (a node's: below, above, right, left) and takes the first that is
// free of the node bodies and of the labels placed before it, else it is
// left out (the map shows it on hover). A uniform grid of buckets keeps each
// test to the few things nearby, so a dense map of 2,000 labels places in a
// few milliseconds. Everything is in map units: boxes scale with the zoom,
// so one placement holds at every zoom.
import { polygonCentroid, type Bounds, type Pt } from "./geometry";

export interface Circle {
  x: number;
  y: number;
  r: number;
}

export interface LabelRequest {
  /** Places to try, best first. */
  candidates: Bounds[];
  /** Higher goes first; ties keep the order given. */
  priority: number;
}

/** Space kept between a node's body and its label. */
export const LABEL_GAP = 5;

export type NodeSide = "below" | "above" | "right" | "left";
export const NODE_SIDES: NodeSide[] = ["below", "above", "right", "left"];

/**
 * A node label's places, in NODE_SIDES order, for a label box of `width` ×
 * `height` around a node at (x, y) whose body reaches `clearance` from its
 * centre.
 */
export function nodeLabelCandidates(
  x: number,
  y: number,
  clearance: number,
  width: number,
  height: number,
): Bounds[] {
  const c = clearance + LABEL_GAP;
  const halfW = width / 2;
  const halfH = height / 2;
  return [
    { minX: x - halfW, minY: y + c, maxX: x + halfW, maxY: y + c + height },
    { minX: x - halfW, minY: y - c - height, maxX: x + halfW, maxY: y - c },
    { minX: x + c, minY: y - halfH, maxX: x + c + width, maxY: y + halfH },
    { minX: x - c - width, minY: y - halfH, maxX: x - c, maxY: y + halfH },
  ];
}

/** An estimate of a label's box from its lines (no layout needed, so it also runs in tests). */
export function estimateLabelSize(
  lines: readonly string[],
  fontSize: number,
): { width: number; height: number } {
  let longest = 0;
  for (const line of lines) longest = Math.max(longest, [...line].length);
  // 0.6 em per character: a little wider than system-ui's average, so the
  // estimate errs towards keeping labels apart.
  return { width: longest * fontSize * 0.6 + 4, height: lines.length * fontSize * 1.2 };
}

/** The axis-aligned box around a `width` × `height` box centred at (x, y) and turned by `angle` radians. */
export function rotatedBounds(
  x: number,
  y: number,
  width: number,
  height: number,
  angle: number,
): Bounds {
  const cos = Math.abs(Math.cos(angle));
  const sin = Math.abs(Math.sin(angle));
  const halfW = (width * cos + height * sin) / 2;
  const halfH = (width * sin + height * cos) / 2;
  return { minX: x - halfW, minY: y - halfH, maxX: x + halfW, maxY: y + halfH };
}

const CELL = 64;
// Cells are keyed by one number; coordinates stay within ±10^7 (the
// document's limit), i.e. ±156,250 cells, well inside the offset.
const OFFSET = 1 << 18;
const ROW = 1 << 19;

function cellKey(cx: number, cy: number): number {
  return (cx + OFFSET) * ROW + (cy + OFFSET);
}

/**
 * Buckets of what is placed, each a flat run of five numbers per thing:
 * a circle as (0, x, y, r, unused), a box as (1, minX, minY, maxX, maxY).
 * Numbers rather than objects: the tests run a hundred thousand times per
 * placement and this keeps them to arithmetic.
 */
class Grid {
  private readonly cells = new Map<number, number[]>();

  addCircle(c: Circle): void {
    this.add(0, c.x, c.y, c.r, 0, c.x - c.r, c.y - c.r, c.x + c.r, c.y + c.r);
  }

  addBox(b: Bounds): void {
    this.add(1, b.minX, b.minY, b.maxX, b.maxY, b.minX, b.minY, b.maxX, b.maxY);
  }

  private add(
    kind: number,
    a: number,
    b: number,
    c: number,
    d: number,
    minX: number,
    minY: number,
    maxX: number,
    maxY: number,
  ): void {
    const x1 = Math.floor(maxX / CELL);
    const y1 = Math.floor(maxY / CELL);
    for (let cx = Math.floor(minX / CELL); cx <= x1; cx++) {
      for (let cy = Math.floor(minY / CELL); cy <= y1; cy++) {
        const key = cellKey(cx, cy);
        const list = this.cells.get(key);
        if (list) list.push(kind, a, b, c, d);
        else this.cells.set(key, [kind, a, b, c, d]);
      }
    }
  }

  /** Whether anything added overlaps `b` (touching is not overlapping). */
  hits(b: Bounds): boolean {
    const x1 = Math.floor(b.maxX / CELL);
    const y1 = Math.floor(b.maxY / CELL);
    for (let cx = Math.floor(b.minX / CELL); cx <= x1; cx++) {
      for (let cy = Math.floor(b.minY / CELL); cy <= y1; cy++) {
        const list = this.cells.get(cellKey(cx, cy));
        if (!list) continue;
        for (let i = 0; i < list.length; i += 5) {
          if (list[i] === 1) {
            if (
              list[i + 1] < b.maxX &&
              b.minX < list[i + 3] &&
              list[i + 2] < b.maxY &&
              b.minY < list[i + 4]
            )
              return true;
          } else {
            const x = list[i + 1];
            const y = list[i + 2];
            const r = list[i + 3];
            const dx = x - Math.max(b.minX, Math.min(x, b.maxX));
            const dy = y - Math.max(b.minY, Math.min(y, b.maxY));
            if (dx * dx + dy * dy < r * r) return true;
          }
        }
      }
    }
    return false;
  }
}

export function boxesOverlap(a: Bounds, b: Bounds): boolean {
  return a.minX < b.maxX && b.minX < a.maxX && a.minY < b.maxY && b.minY < a.maxY;
}

export function circleOverlapsBox(c: Circle, b: Bounds): boolean {
  const nx = Math.max(b.minX, Math.min(c.x, b.maxX));
  const ny = Math.max(b.minY, Math.min(c.y, b.maxY));
  const dx = c.x - nx;
  const dy = c.y - ny;
  return dx * dx + dy * dy < c.r * c.r;
}

/**
 * For each request (in the order given), the index of the candidate it got,
 * or -1 when every place was taken. Nodes (`obstacles`) and labels that
 * stay where they are (`fixed`: a region's, on its outline) are never covered.
 */
export function placeLabels(
  requests: readonly LabelRequest[],
  obstacles: Iterable<Circle>,
  fixed: Iterable<Bounds> = [],
): number[] {
  const grid = new Grid();
  for (const circle of obstacles) grid.addCircle(circle);
  for (const box of fixed) grid.addBox(box);
  const order = requests.map((_, i) => i);
  order.sort((a, b) => requests[b].priority - requests[a].priority || a - b);
  const chosen = new Array<number>(requests.length).fill(-1);
  for (const i of order) {
    const candidates = requests[i].candidates;
    for (let k = 0; k < candidates.length; k++) {
      if (grid.hits(candidates[k])) continue;
      chosen[i] = k;
      grid.addBox(candidates[k]);
      break;
    }
  }
  return chosen;
}

// ---- labels on outlines and along lines -----------------------------------------------

/** The box around text drawn at `frame` (its baseline's middle, turned), of a size from estimateLabelSize. */
export function textBounds(
  frame: LineLabelFrame,
  width: number,
  height: number,
  fontSize: number,
): Bounds {
  const rad = (frame.angle * Math.PI) / 180;
  // The text's middle is a little above its baseline.
  const lift = fontSize * 0.3;
  return rotatedBounds(
    frame.x + Math.sin(rad) * lift,
    frame.y - Math.cos(rad) * lift,
    width,
    height,
    rad,
  );
}

/** Where a label drawn along a line goes: its anchor (middle of the baseline) and its turn. */
export interface LineLabelFrame {
  x: number;
  y: number;
  /** Degrees, within (-90, 90]: text is never upside down. */
  angle: number;
}

/** The angle of the direction (dx, dy) in degrees, turned by half a turn if it would read upside down. */
export function uprightAngle(dx: number, dy: number): number {
  let angle = (Math.atan2(dy, dx) * 180) / Math.PI;
  if (angle > 90) angle -= 180;
  else if (angle <= -90) angle += 180;
  return angle;
}

/**
 * A label along the segment a→b, its baseline `gap` units off the line, on
 * the side of `towards` when given (a direction), else above the text's
 * line. `fontSize` places text that has to hang below the line.
 */
export function segmentLabelFrame(
  a: Pt,
  b: Pt,
  gap: number,
  fontSize: number,
  towards?: Pt,
): LineLabelFrame {
  const angle = uprightAngle(b.x - a.x, b.y - a.y);
  const rad = (angle * Math.PI) / 180;
  // The text's "up", perpendicular to its baseline.
  const up = { x: Math.sin(rad), y: -Math.cos(rad) };
  const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
  const above = !towards || up.x * towards.x + up.y * towards.y >= 0;
  const shift = above ? gap : -(gap + fontSize * 0.8);
  return { x: mid.x + up.x * shift, y: mid.y + up.y * shift, angle };
}

/**
 * Where a shape's label sits on its outline. A region's (closed) goes on its
 * topmost edge that is long enough for the text (else its longest edge),
 * outside the outline; a boundary's (open) along the segment at its middle,
 * above it.
 */
export function outlineLabelFrame(
  points: Pt[],
  closed: boolean,
  textWidth: number,
  fontSize: number,
): LineLabelFrame {
  const n = points.length;
  if (n === 0) return { x: 0, y: 0, angle: 0 };
  if (n === 1) return { x: points[0].x, y: points[0].y - LABEL_GAP, angle: 0 };
  const segments: [number, number][] = [];
  for (let i = 0; i < (closed ? n : n - 1); i++) segments.push([i, (i + 1) % n]);
  const length = ([i, j]: [number, number]) =>
    Math.hypot(points[j].x - points[i].x, points[j].y - points[i].y);
  if (!closed) {
    const total = segments.reduce((s, seg) => s + length(seg), 0);
    let walked = 0;
    let middle = segments[segments.length - 1];
    for (const seg of segments) {
      walked += length(seg);
      if (walked >= total / 2) {
        middle = seg;
        break;
      }
    }
    return segmentLabelFrame(points[middle[0]], points[middle[1]], LABEL_GAP, fontSize);
  }
  const longest = Math.max(...segments.map(length));
  const needed = Math.min(textWidth, longest);
  let best = segments[0];
  let bestY = Infinity;
  for (const seg of segments) {
    if (length(seg) < needed) continue;
    const y = (points[seg[0]].y + points[seg[1]].y) / 2;
    if (y < bestY) {
      bestY = y;
      best = seg;
    }
  }
  const centre = polygonCentroid(points);
  const a = points[best[0]];
  const b = points[best[1]];
  const outward = { x: (a.x + b.x) / 2 - centre.x, y: (a.y + b.y) / 2 - centre.y };
  return segmentLabelFrame(a, b, LABEL_GAP, fontSize, outward);
}
