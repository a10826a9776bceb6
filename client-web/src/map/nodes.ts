// Builders for the SVG of one element, connection or shape. Colours and
// strokes are presentation attributes (not CSS classes), so the live canvas
// and the standalone export draw the same thing; the classes only add the
// interactive states (hover, selection, handles) that map.css styles.
import { Direction, ElementKind, Geometry } from "../gen/convene/v1/ops_pb";
import type { BoundaryType, ConnectionKind, ScaleLevel } from "../gen/convene/v1/ops_pb";
import { cloneTemplate, setAttrs, svgEl } from "./dom";
import {
  arrowHead,
  curvePath,
  pathFromPoints,
  quadPoint,
  round,
  trimCurve,
  type Curve,
  type Pt,
} from "./geometry";
import { kindIconPath } from "./icons";
import {
  estimateLabelSize,
  LABEL_GAP,
  outlineLabelFrame,
  segmentLabelFrame,
  type LineLabelFrame,
} from "./labels";
import {
  boundaryTypeInfo,
  connectionKindInfo,
  connectionStyle,
  DISAGREEMENT_COLOUR,
  haloRadius,
  kindInfo,
  levelInfo,
  safeColour,
  shade,
  tint,
  wrapLabel,
} from "./style";

/** Radius of an element's body in map units; hit tests use it too. */
export const NODE_RADIUS = 20;
export const LABEL_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
const TEXT_COLOUR = "#25303b";
const MUTED_TEXT = "#8792a0";
const TEXT_HALO = "#ffffff";

export interface ElementLook {
  kind: ElementKind;
  label: string;
  scale: ScaleLevel;
  colour?: string;
  shape?: string;
  /** The colour of the participant this element is ("put me on the map"). */
  selfColour?: string;
  /** Spread of the group's strength ratings when they disagree. */
  disagreement?: number;
  /** Colours of other participants who have it selected. */
  remote?: string[];
  interactive: boolean;
  /**
   * Draw its selection ring and connect handle. Only an interactive element
   * the pointer has been over, or that is selected or being connected, has
   * them: at rest they are invisible, and on a large map they were most of its
   * SVG nodes (docs/benchmarks.md).
   */
  decorated?: boolean;
  /** Kept in place by automatic layouts: a small pushpin on the live map. */
  pinned?: boolean;
  /** The body's scale from the map's style rules (style-rules.ts); 1 as drawn. */
  size?: number;
  /** The name of its custom kind, said where the built-in kind's would be. */
  kindName?: string;
  /**
   * Left out far from the map (levelOfDetail): its kind's icon, a speck
   * there that map.css would hide anyway.
   */
  noIcon?: boolean;
}

/** The radius of an element's body as drawn (NODE_RADIUS scaled by its style). */
export function nodeRadius(look: Pick<ElementLook, "size">): number {
  return NODE_RADIUS * (look.size ?? 1);
}

/** The node's body shape: an explicit override, else a rounded square for notes. */
export function bodyShape(look: Pick<ElementLook, "shape" | "kind">): string {
  const shape = (look.shape ?? "").toLowerCase();
  if (["circle", "square", "diamond", "hexagon"].includes(shape)) return shape;
  if (shape === "rect" || shape === "rectangle") return "square";
  return look.kind === ElementKind.NOTE ? "square" : "circle";
}

/** The corners of a diamond or hexagon body of radius `r` round `at`. */
export function bodyCorners(
  shape: "diamond" | "hexagon",
  r: number,
  at: Pt = { x: 0, y: 0 },
): Pt[] {
  const [count, reach] = shape === "diamond" ? [4, r * 1.2] : [6, r * 1.1];
  return Array.from({ length: count }, (_, i) => {
    const a = (2 * Math.PI * i) / count - (shape === "diamond" ? Math.PI / 2 : 0);
    return { x: at.x + Math.cos(a) * reach, y: at.y + Math.sin(a) * reach };
  });
}

/** The corner radius of a square body. */
export const SQUARE_ROUNDING = 0.28;

function bodyNode(shape: string, r: number, attrs: Record<string, string | number>): SVGElement {
  switch (shape) {
    case "square": {
      const rx = r * SQUARE_ROUNDING;
      return svgEl("rect", { x: -r, y: -r, width: 2 * r, height: 2 * r, rx, ...attrs });
    }
    case "diamond":
    case "hexagon":
      return svgEl("path", { d: pathFromPoints(bodyCorners(shape, r), true), ...attrs });
    default:
      return svgEl("circle", { r, ...attrs });
  }
}

/**
 * An element's body outline as path data, centred on `at`: many of them make
 * one path (the search's rims, match-marks.ts).
 */
export function bodyOutline(look: Pick<ElementLook, "size" | "shape" | "kind">, at: Pt): string {
  const r = nodeRadius(look);
  const shape = bodyShape(look);
  if (shape === "diamond" || shape === "hexagon")
    return pathFromPoints(bodyCorners(shape, r, at), true);
  const n = (v: number) => round(v);
  if (shape === "square") {
    const c = r * SQUARE_ROUNDING;
    const arc = (x: number, y: number) => `A${n(c)} ${n(c)} 0 0 1 ${n(x)} ${n(y)}`;
    const { x, y } = at;
    return (
      `M${n(x - r + c)} ${n(y - r)}H${n(x + r - c)}${arc(x + r, y - r + c)}` +
      `V${n(y + r - c)}${arc(x + r - c, y + r)}H${n(x - r + c)}${arc(x - r, y + r - c)}` +
      `V${n(y - r + c)}${arc(x - r + c, y - r)}Z`
    );
  }
  const a = `A${n(r)} ${n(r)} 0 1 0`;
  return `M${n(at.x - r)} ${n(at.y)}${a} ${n(at.x + r)} ${n(at.y)}${a} ${n(at.x - r)} ${n(at.y)}Z`;
}

/** The colour an element is drawn in: its override, else its scale level's. */
export function elementColour(look: Pick<ElementLook, "colour" | "scale">): string {
  return safeColour(look.colour) ?? levelInfo(look.scale).colour;
}

export function labelText(
  lines: string[],
  at: Pt,
  fontSize: number,
  attrs: Record<string, string | number> = {},
): SVGTextElement {
  const text = cloneTemplate(`label ${fontSize}`, () =>
    svgEl("text", {
      "text-anchor": "middle",
      "font-size": fontSize,
      "font-family": LABEL_FONT,
      fill: TEXT_COLOUR,
      stroke: TEXT_HALO,
      "stroke-width": 3.5,
      "stroke-linejoin": "round",
      "paint-order": "stroke",
    }),
  );
  setAttrs(text, { x: round(at.x), y: round(at.y), ...attrs });
  // One line is the text's own content: a <tspan> per label would add a
  // thousand nodes to a large map.
  if (lines.length === 1) text.append(lines[0]);
  else
    lines.forEach((line, i) => {
      text.append(svgEl("tspan", { x: round(at.x), dy: i === 0 ? 0 : fontSize * 1.2 }, [line]));
    });
  return text;
}

/**
 * What is drawn at a zoom: map.css hides icons below 0.25 (specks) and
 * labels below 0.45 (a hovered, selected or found element's label excepted).
 * What would be hidden is not made at all: on a large map, seen whole, that
 * is a fifth of its nodes, fewer to create, style and lay out.
 */
export interface Detail {
  icons: boolean;
  connectionLabels: boolean;
}

export const FULL_DETAIL: Detail = { icons: true, connectionLabels: true };

/** Below it the map hides labels (map.css, .cv-zoomed-out). */
export const ZOOMED_OUT = 0.45;
/** Below it the map hides icons (map.css, .cv-zoomed-far). */
export const ZOOMED_FAR = 0.25;

export function levelOfDetail(zoom: number): Detail {
  return { icons: zoom >= ZOOMED_FAR, connectionLabels: zoom >= ZOOMED_OUT };
}

/** The children of an element's <g>, drawn around (0, 0); the caller positions it. */
export function elementChildren(look: ElementLook): SVGElement[] {
  const r = nodeRadius(look);
  const colour = elementColour(look);
  const shape = bodyShape(look);
  const out: SVGElement[] = [];
  if (look.disagreement !== undefined) {
    out.push(
      svgEl("circle", {
        class: "cv-halo",
        r: haloRadius(r + (look.selfColour ? 6 : 0), look.disagreement),
        fill: DISAGREEMENT_COLOUR,
        "fill-opacity": 0.08,
        stroke: DISAGREEMENT_COLOUR,
        "stroke-width": 2.5,
        "stroke-dasharray": "6 4",
      }),
    );
  }
  (look.remote ?? []).forEach((c, i) => {
    out.push(
      svgEl("circle", {
        class: "cv-remote-ring",
        r: r + 10 + i * 4.5,
        fill: "none",
        stroke: c,
        "stroke-width": 3,
        "stroke-opacity": 0.85,
      }),
    );
  });
  if (look.interactive && look.decorated) out.push(elementRing(look));
  if (look.selfColour) {
    out.push(bodyNode(shape, r + 5, { fill: "none", stroke: look.selfColour, "stroke-width": 4 }));
  }
  out.push(
    bodyNode(shape, r, {
      class: "cv-body",
      fill: tint(colour, 0.84),
      stroke: colour,
      "stroke-width": 2.2,
    }),
  );
  // One path for the whole icon (its strokes are opaque, so drawing the
  // subpaths together looks the same as one path each), not a <g> of paths.
  const icon = cloneTemplate("icon", () =>
    svgEl("path", {
      class: "cv-node-icon",
      transform: `translate(${-r * 0.6} ${-r * 0.6}) scale(${(r * 1.2) / 24})`,
      fill: "none",
      "stroke-width": 1.9,
      "stroke-linecap": "round",
      "stroke-linejoin": "round",
      "pointer-events": "none",
    }),
  );
  setAttrs(icon, { d: kindIconPath(look.kind), stroke: shade(colour, 0.35) });
  if (!look.noIcon) out.push(icon);
  if (look.pinned && look.interactive) out.push(pinMarker(r));
  const label = elementLabel(look);
  const labelY = labelClearance(look) + LABEL_GAP + label.fontSize * 0.85;
  out.push(
    labelText(label.lines, { x: 0, y: labelY }, label.fontSize, {
      class: label.placeholder ? "cv-label cv-placeholder" : "cv-label",
      ...(label.placeholder
        ? { fill: MUTED_TEXT, "font-style": "italic" }
        : { "font-weight": 550 }),
    }),
  );
  if (look.interactive && look.decorated) out.push(elementHandle(r));
  // The tooltip, like the ring, is added on the live map when the pointer
  // first reaches the element (see decorated).
  if (!look.interactive || look.decorated) out.push(elementTitle(look));
  return out;
}

/** A small pushpin on the body's upper right: layouts leave this element where it is. */
function pinMarker(r: number): SVGElement {
  const at = round(r * 0.78);
  return svgEl("g", { class: "cv-pin", transform: `translate(${at} ${-at})` }, [
    svgEl("circle", { r: 7, fill: "#ffffff", stroke: "#64707d", "stroke-width": 1.2 }),
    svgEl("path", {
      d: "M-2.4 -4H2.4L1.9 -1.1L3.4 0.6H-3.4L-1.9 -1.1Z M0 0.6V4.2",
      fill: "#64707d",
      stroke: "#64707d",
      "stroke-width": 1,
      "stroke-linejoin": "round",
      "stroke-linecap": "round",
    }),
  ]);
}

/** An element's label as drawn: its lines (the kind's name when it has none) and size. */
export function elementLabel(look: Pick<ElementLook, "label" | "kind" | "kindName">): {
  lines: string[];
  fontSize: number;
  placeholder: boolean;
} {
  if (look.label.trim())
    return { lines: wrapLabel(look.label, 22, 2), fontSize: 12.5, placeholder: false };
  return { lines: [look.kindName || kindInfo(look.kind).label], fontSize: 11.5, placeholder: true };
}

/** How far from its centre an element's body (and its "me" ring) reaches, for its label. */
export function labelClearance(look: Pick<ElementLook, "selfColour" | "size">): number {
  return nodeRadius(look) + (look.selfColour ? 5 : 0);
}

/** The element's tooltip: its label, kind and level of scale. */
export function elementTitle(look: ElementLook): SVGElement {
  return svgEl("title", {}, [
    titleOf(look.kindName || kindInfo(look.kind).label, look.label, levelInfo(look.scale).label),
  ]);
}

/** An element's selection ring (shown on hover, selection and connecting). */
export function elementRing(look: ElementLook): SVGElement {
  return bodyNode(bodyShape(look), nodeRadius(look) + (look.selfColour ? 10 : 6), {
    class: "cv-sel-ring",
  });
}

/** The handle on an element's edge that starts a connection when dragged. */
export function elementHandle(radius = NODE_RADIUS): SVGElement {
  return svgEl("circle", { class: "cv-handle", cx: radius + 1, cy: 0, r: 6 });
}

function titleOf(kind: string, label: string, scale: string): string {
  const name = label.trim() || kind;
  return label.trim()
    ? `${name} (${kind}, ${scale.toLowerCase()})`
    : `${kind} (${scale.toLowerCase()})`;
}

export interface ConnectionLook {
  curve: Curve;
  direction: Direction;
  depth: number;
  kind: ConnectionKind;
  label: string;
  /** From the map's style rules (style-rules.ts): a colour, and a scale of the width. */
  colour?: string;
  size?: number;
  disagreement?: number;
  remote?: string[];
  interactive: boolean;
  /** Draw its selection line (hovered, selected): like an element's ring, only when needed. */
  decorated?: boolean;
  /** Left out zoomed out (levelOfDetail): its label, which map.css would hide anyway. */
  noLabel?: boolean;
}

/** Arrowhead size for a stroke width: visible on thin lines, not bulky on thick. */
export function arrowSize(width: number): { length: number; halfWidth: number } {
  return { length: 8 + width * 1.6, halfWidth: 4 + width * 0.9 };
}

/** A connection's kind style with its style rules' colour and width applied. */
export function styleOf(look: Pick<ConnectionLook, "kind" | "depth" | "colour" | "size">) {
  const style = connectionStyle(look.kind, look.depth);
  if (!look.colour && !look.size) return style;
  return {
    ...style,
    colour: safeColour(look.colour) ?? style.colour,
    width: style.width * (look.size ?? 1),
  };
}

/** The children of a connection's <g>, in map coordinates. */
export function connectionChildren(look: ConnectionLook, id: string): SVGElement[] {
  const style = styleOf(look);
  const arrow = arrowSize(style.width);
  const atEnd = look.direction === Direction.FORWARD || look.direction === Direction.BOTH;
  const atStart = look.direction === Direction.BOTH;
  const full = curvePath(look.curve);
  const out: SVGElement[] = [];
  if (look.disagreement !== undefined) {
    out.push(
      svgEl("path", {
        class: "cv-halo",
        d: full,
        fill: "none",
        stroke: DISAGREEMENT_COLOUR,
        "stroke-opacity": 0.55,
        "stroke-width": style.width + 6 + look.disagreement * 4,
        "stroke-dasharray": "8 6",
        "stroke-linecap": "butt",
      }),
    );
  }
  (look.remote ?? []).forEach((c, i) => {
    out.push(
      svgEl("path", {
        class: "cv-remote-line",
        d: full,
        fill: "none",
        stroke: c,
        "stroke-opacity": 0.45,
        "stroke-width": style.width + 8 + i * 5,
        "stroke-linecap": "round",
      }),
    );
  });
  if (look.interactive && look.decorated) out.push(...connectionExtras(look, full));
  const trimmed = trimCurve(
    look.curve,
    atStart ? arrow.length * 0.8 : 0,
    atEnd ? arrow.length * 0.8 : 0,
  );
  const line = cloneTemplate("connection line", () =>
    svgEl("path", { class: "cv-conn-line", fill: "none", "stroke-linecap": "round" }),
  );
  setAttrs(line, {
    "data-id": id,
    "data-kind": connectionKindInfo(look.kind).key,
    d: curvePath(trimmed),
    stroke: style.colour,
    "stroke-width": style.width,
    "stroke-dasharray": style.dasharray || undefined,
  });
  out.push(line);
  const heads: Pt[][] = [];
  if (atEnd)
    heads.push(arrowHead(look.curve.end, look.curve.control, arrow.length, arrow.halfWidth));
  if (atStart)
    heads.push(arrowHead(look.curve.start, look.curve.control, arrow.length, arrow.halfWidth));
  for (const head of heads) {
    const arrow = cloneTemplate("arrow", () =>
      svgEl("path", { class: "cv-arrow", "stroke-width": 1, "stroke-linejoin": "round" }),
    );
    setAttrs(arrow, { d: pathFromPoints(head, true), fill: style.colour, stroke: style.colour });
    out.push(arrow);
  }
  if (look.label.trim() && !look.noLabel) {
    const frame = connectionLabelFrame(look.curve);
    out.push(
      labelText(connectionLabelLines(look.label), { x: 0, y: 0 }, CONNECTION_LABEL_SIZE, {
        class: "cv-label cv-conn-label",
        fill: shade(style.colour, 0.4),
        transform: frameTransform(frame),
      }),
    );
  }
  return out;
}

export const CONNECTION_LABEL_SIZE = 11;

function frameTransform(frame: LineLabelFrame): string {
  return `translate(${round(frame.x)} ${round(frame.y)}) rotate(${round(frame.angle)})`;
}

/** A connection's label: one line, along the line. */
export function connectionLabelLines(label: string): string[] {
  return wrapLabel(label, 32, 1);
}

/**
 * Where a connection's label sits: on the curve's middle, turned along it
 * (upright) and lifted just off the line.
 */
export function connectionLabelFrame(curve: Curve): LineLabelFrame {
  const mid = quadPoint(curve, 0.5);
  // A quadratic's tangent halfway runs parallel to its chord.
  const half = { x: (curve.end.x - curve.start.x) / 2, y: (curve.end.y - curve.start.y) / 2 };
  const a = { x: mid.x - half.x, y: mid.y - half.y };
  const b = { x: mid.x + half.x, y: mid.y + half.y };
  return segmentLabelFrame(a, b, 4, CONNECTION_LABEL_SIZE);
}

/**
 * A decorated connection's wide invisible hit path and its selection line,
 * drawn under the line. At rest a connection has neither: the map finds the
 * connection near the pointer by geometry (connectionHitWidth) and decorates it.
 */
export function connectionExtras(look: ConnectionLook, d = curvePath(look.curve)): SVGElement[] {
  const style = styleOf(look);
  return [
    svgEl("path", { class: "cv-conn-hit", d, "stroke-width": connectionHitWidth(look) }),
    svgEl("path", { class: "cv-sel-line", d, "stroke-width": style.width + 7 }),
  ];
}

/** How wide, in map units, the band is in which the pointer is on a connection. */
export function connectionHitWidth(
  look: Pick<ConnectionLook, "kind" | "depth" | "colour" | "size">,
): number {
  return Math.max(14, styleOf(look).width + 10);
}

export interface ShapeLook {
  geometry: Geometry;
  points: Pt[];
  type: BoundaryType;
  label: string;
  /** For a sphere of influence: its owner's colour and name. */
  sphereColour?: string;
  sphereName?: string;
  remote?: string[];
  interactive: boolean;
}

/** The children of a shape's <g>: a boundary line or a translucent region. */
/**
 * A shape's label as drawn: one line along its outline (labels.ts), with its
 * estimated size (element labels keep clear of it). Undefined without text.
 */
export function shapeLabel(
  look: Pick<ShapeLook, "label" | "sphereName" | "points" | "geometry">,
):
  | { lines: string[]; fontSize: number; width: number; height: number; frame: LineLabelFrame }
  | undefined {
  const closed = look.geometry === Geometry.POLYGON;
  const text =
    look.label.trim() ||
    (look.sphereName !== undefined ? `${look.sphereName}'s sphere of influence` : "");
  if (!text || look.points.length === 0) return undefined;
  const fontSize = closed ? 14 : 12;
  const lines = wrapLabel(text, 40, 1);
  const size = estimateLabelSize(lines, fontSize);
  const frame = outlineLabelFrame(look.points, closed, size.width, fontSize);
  return { lines, fontSize, ...size, frame };
}

export function shapeChildren(look: ShapeLook): SVGElement[] {
  const closed = look.geometry === Geometry.POLYGON;
  const info = boundaryTypeInfo(look.type);
  const colour = look.sphereColour ?? info.colour;
  const d = pathFromPoints(look.points, closed);
  const out: SVGElement[] = [];
  (look.remote ?? []).forEach((c, i) => {
    out.push(
      svgEl("path", {
        class: "cv-remote-line",
        d,
        fill: "none",
        stroke: c,
        "stroke-opacity": 0.45,
        "stroke-width": 9 + i * 5,
        "stroke-linejoin": "round",
      }),
    );
  });
  if (look.interactive) {
    out.push(svgEl("path", { class: "cv-shape-hit", d, "stroke-width": 14 }));
    out.push(svgEl("path", { class: "cv-sel-line", d, "stroke-width": 8 }));
  }
  out.push(
    svgEl("path", {
      class: closed ? "cv-region" : "cv-boundary",
      d,
      fill: closed ? colour : "none",
      "fill-opacity": closed ? (look.sphereColour ? 0.16 : 0.09) : undefined,
      stroke: colour,
      "stroke-opacity": closed ? 0.75 : 0.9,
      "stroke-width": closed ? 2 : 3,
      "stroke-dasharray": look.sphereColour ? "5 4" : info.dasharray || undefined,
      "stroke-linecap": "round",
      "stroke-linejoin": "round",
    }),
  );
  const label = shapeLabel(look);
  if (label) {
    const { lines, fontSize, frame } = label;
    out.push(
      labelText(lines, { x: 0, y: 0 }, fontSize, {
        class: "cv-label cv-shape-label",
        fill: shade(colour, 0.4),
        "font-weight": 600,
        "letter-spacing": closed ? 0.3 : 0,
        transform: frameTransform(frame),
      }),
    );
  }
  return out;
}
