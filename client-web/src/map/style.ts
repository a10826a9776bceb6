// How the map encodes meaning visually: element kinds, scale-level colours,
// connection kinds (colour + dash, for people who do not tell colours apart),
// boundary types, the scale filter and the disagreement marker. Pure data and
// functions so the legend, the canvas and the SVG export agree.
import {
  BoundaryType,
  ConnectionKind,
  Direction,
  ElementKind,
  ScaleLevel,
} from "../gen/convene/v1/ops_pb";
import type { PerspectiveSummary } from "../crdt/api";

export interface KindInfo {
  kind: ElementKind;
  /** Lower-case name, as in the canonical JSON and the test ids. */
  key: string;
  label: string;
}

export const ELEMENT_KINDS: KindInfo[] = [
  { kind: ElementKind.INSTITUTION, key: "institution", label: "Institution" },
  { kind: ElementKind.PROJECT, key: "project", label: "Project" },
  { kind: ElementKind.COMMUNITY, key: "community", label: "Community of practice" },
  { kind: ElementKind.NETWORK, key: "network", label: "Network" },
  { kind: ElementKind.PERSON, key: "person", label: "Person" },
  { kind: ElementKind.PRACTICE, key: "practice", label: "Practice" },
  { kind: ElementKind.ARTIFACT, key: "artifact", label: "Artifact" },
  { kind: ElementKind.NOTE, key: "note", label: "Note" },
];

export function kindInfo(kind: ElementKind | undefined): KindInfo {
  return (
    ELEMENT_KINDS.find((k) => k.kind === kind) ?? {
      kind: ElementKind.UNSPECIFIED,
      key: "unspecified",
      label: "Element",
    }
  );
}

export interface LevelInfo {
  level: ScaleLevel;
  key: string;
  label: string;
  colour: string;
}

/** Calm, distinct hues from near (green) to far (coral). */
export const SCALE_LEVELS: LevelInfo[] = [
  { level: ScaleLevel.LOCAL, key: "local", label: "Local", colour: "#3f9a74" },
  {
    level: ScaleLevel.ORGANISATIONAL,
    key: "organisational",
    label: "Organisational",
    colour: "#3b7fc4",
  },
  { level: ScaleLevel.REGIONAL, key: "regional", label: "Regional", colour: "#8a68c6" },
  { level: ScaleLevel.NATIONAL, key: "national", label: "National", colour: "#cc8a2c" },
  { level: ScaleLevel.GLOBAL, key: "global", label: "Global", colour: "#cf5f5a" },
];

export const UNSPECIFIED_LEVEL: LevelInfo = {
  level: ScaleLevel.UNSPECIFIED,
  key: "unspecified",
  label: "No scale",
  colour: "#8794a1",
};

export function levelInfo(level: ScaleLevel | undefined): LevelInfo {
  return SCALE_LEVELS.find((l) => l.level === level) ?? UNSPECIFIED_LEVEL;
}

export interface ConnectionKindInfo {
  kind: ConnectionKind;
  key: string;
  label: string;
  colour: string;
  /** stroke-dasharray in multiples of the stroke width ("" = solid). */
  dash: number[];
}

export const CONNECTION_KINDS: ConnectionKindInfo[] = [
  {
    kind: ConnectionKind.UNSPECIFIED,
    key: "unspecified",
    label: "Connection",
    colour: "#6f7c8a",
    dash: [],
  },
  {
    kind: ConnectionKind.COLLABORATION,
    key: "collaboration",
    label: "Collaboration",
    colour: "#2f9a6a",
    dash: [],
  },
  {
    kind: ConnectionKind.ACCOUNTABILITY,
    key: "accountability",
    label: "Accountability",
    colour: "#3b6fc0",
    dash: [6, 3],
  },
  {
    kind: ConnectionKind.FUNDING,
    key: "funding",
    label: "Funding",
    colour: "#c08a1e",
    dash: [1, 2.5],
  },
  {
    kind: ConnectionKind.POWER,
    key: "power",
    label: "Power",
    colour: "#7d55b8",
    dash: [9, 2.5, 2, 2.5],
  },
  {
    kind: ConnectionKind.CONFLICT,
    key: "conflict",
    label: "Conflict",
    colour: "#c9473f",
    dash: [3, 2],
  },
  {
    kind: ConnectionKind.INFORMATION,
    key: "information",
    label: "Information",
    colour: "#3a97a8",
    dash: [5, 2, 1, 2],
  },
];

export function connectionKindInfo(kind: ConnectionKind | undefined): ConnectionKindInfo {
  return CONNECTION_KINDS.find((k) => k.kind === kind) ?? CONNECTION_KINDS[0];
}

export const DIRECTIONS: { direction: Direction; key: string; label: string }[] = [
  { direction: Direction.NONE, key: "none", label: "No direction" },
  { direction: Direction.FORWARD, key: "forward", label: "One way →" },
  { direction: Direction.BOTH, key: "both", label: "Both ways ↔" },
];

/** Stroke width for connection depth 1-3 (out-of-range values are clamped). */
export function depthWidth(depth: number | undefined): number {
  const d = Math.max(1, Math.min(3, Math.round(depth || 1)));
  return [1.6, 3, 4.8][d - 1];
}

export interface ConnectionStyle {
  colour: string;
  width: number;
  dasharray: string;
}

export function connectionStyle(
  kind: ConnectionKind | undefined,
  depth: number | undefined,
): ConnectionStyle {
  const info = connectionKindInfo(kind);
  const width = depthWidth(depth);
  // Dashes scale with the stroke so thick and thin lines look alike, but never
  // shrink below what stays legible on a thin line.
  const unit = Math.max(width, 2.2);
  return {
    colour: info.colour,
    width,
    dasharray: info.dash.map((d) => Math.round(d * unit * 10) / 10).join(" "),
  };
}

export interface BoundaryTypeInfo {
  type: BoundaryType;
  key: string;
  label: string;
  colour: string;
  dasharray: string;
}

export const BOUNDARY_TYPES: BoundaryTypeInfo[] = [
  {
    type: BoundaryType.UNSPECIFIED,
    key: "unspecified",
    label: "Boundary",
    colour: "#7b8794",
    dasharray: "10 6",
  },
  {
    type: BoundaryType.GEOGRAPHIC,
    key: "geographic",
    label: "Geographic",
    colour: "#5b8f57",
    dasharray: "",
  },
  {
    type: BoundaryType.CULTURAL,
    key: "cultural",
    label: "Cultural",
    colour: "#b3638f",
    dasharray: "12 5",
  },
  {
    type: BoundaryType.DISCIPLINARY,
    key: "disciplinary",
    label: "Disciplinary",
    colour: "#4d7fae",
    dasharray: "4 5",
  },
  {
    type: BoundaryType.POLITICAL,
    key: "political",
    label: "Political",
    colour: "#a95a4c",
    dasharray: "14 4 3 4",
  },
  {
    type: BoundaryType.ORGANISATIONAL,
    key: "organisational",
    label: "Organisational",
    colour: "#8c7a45",
    dasharray: "8 4",
  },
  { type: BoundaryType.CLASS, key: "class", label: "Class", colour: "#7a5fae", dasharray: "2 4" },
  {
    type: BoundaryType.SOCIAL,
    key: "social",
    label: "Social",
    colour: "#3f9a98",
    dasharray: "10 3 2 3",
  },
];

export function boundaryTypeInfo(type: BoundaryType | undefined): BoundaryTypeInfo {
  return BOUNDARY_TYPES.find((t) => t.type === type) ?? BOUNDARY_TYPES[0];
}

// ---- scale filter -----------------------------------------------------------

/** The scale levels switched off in the legend; everything else is shown. */
export type LevelFilter = ReadonlySet<ScaleLevel>;

export function levelShown(filter: LevelFilter, level: ScaleLevel | undefined): boolean {
  return !filter.has(level ?? ScaleLevel.UNSPECIFIED);
}

export function toggleLevel(filter: LevelFilter, level: ScaleLevel): LevelFilter {
  const next = new Set(filter);
  if (next.has(level)) next.delete(level);
  else next.add(level);
  return next;
}

/** A connection is shown only when both of its ends are. */
export function connectionShown(
  filter: LevelFilter,
  fromLevel: ScaleLevel | undefined,
  toLevel: ScaleLevel | undefined,
): boolean {
  return levelShown(filter, fromLevel) && levelShown(filter, toLevel);
}

// ---- perspectives -------------------------------------------------------------

export const STRENGTH_ASPECT = "strength";
export const DISAGREEMENT_COLOUR = "#e09a1a";

/** The group disagrees when at least two people rated and they are far apart. */
export function showsDisagreement(summary: PerspectiveSummary | undefined): boolean {
  return !!summary && summary.count >= 2 && summary.spread > 0.75;
}

/** The halo grows with the spread (0.75..2 on a 1-5 scale) from the node's rim. */
export function haloRadius(nodeRadius: number, spread: number): number {
  const s = Math.max(0, Math.min(2, spread));
  return nodeRadius + 6 + s * 7;
}

// ---- colours ------------------------------------------------------------------

export function parseHex(colour: string): [number, number, number] | undefined {
  const m = /^#?([0-9a-f]{6})$/i.exec(colour.trim());
  if (m) {
    const v = parseInt(m[1], 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }
  const short = /^#?([0-9a-f]{3})$/i.exec(colour.trim());
  if (short) {
    const [r, g, b] = short[1].split("").map((c) => parseInt(c + c, 16));
    return [r, g, b];
  }
  return undefined;
}

function toHex(rgb: number[]): string {
  return (
    "#" +
    rgb
      .map((c) =>
        Math.round(Math.max(0, Math.min(255, c)))
          .toString(16)
          .padStart(2, "0"),
      )
      .join("")
  );
}

/**
 * Mixed colours, remembered: a map draws every element in one of a few
 * colours, and parsing and formatting them per element showed in profiles.
 * Bounded, as overrides are free text.
 */
const mixed = new Map<string, string>();
const MIXED_LIMIT = 1024;

function mix(colour: string, key: string, channel: (c: number) => number): string {
  const cached = mixed.get(key);
  if (cached !== undefined) return cached;
  const rgb = parseHex(colour);
  const result = rgb ? toHex(rgb.map(channel)) : colour;
  if (mixed.size >= MIXED_LIMIT) mixed.clear();
  mixed.set(key, result);
  return result;
}

/** Mixes a colour towards white by `amount` (0 = unchanged, 1 = white). */
export function tint(colour: string, amount: number): string {
  return mix(colour, `t${amount}${colour}`, (c) => c + (255 - c) * amount);
}

/** Mixes a colour towards black by `amount`. */
export function shade(colour: string, amount: number): string {
  return mix(colour, `s${amount}${colour}`, (c) => c * (1 - amount));
}

/** A valid CSS colour from an element's override, or undefined to use the default. */
export function safeColour(colour: string | undefined): string | undefined {
  return colour && parseHex(colour) ? toHex(parseHex(colour)!) : undefined;
}

/**
 * A stable colour for a participant who is not online (their real colour
 * comes with their presence): hashed onto a ring of pleasant hues.
 */
export function fallbackColour(id: string): string {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  const hue = (h >>> 0) % 360;
  return hslToHex(hue, 0.55, 0.48);
}

function hslToHex(h: number, s: number, l: number): string {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return toHex([f(0) * 255, f(8) * 255, f(4) * 255]);
}

// ---- labels -------------------------------------------------------------------

/**
 * Breaks a label into at most `maxLines` lines of about `width` characters at
 * spaces (splitting words that are longer), with an ellipsis when cut short.
 */
export function wrapLabel(text: string, width: number, maxLines: number): string[] {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let current = "";
  const push = () => {
    if (current) lines.push(current);
    current = "";
  };
  for (let word of words) {
    while (word.length > width) {
      push();
      lines.push(word.slice(0, width));
      word = word.slice(width);
    }
    if (!current) current = word;
    else if (current.length + 1 + word.length <= width) current += " " + word;
    else {
      push();
      current = word;
    }
  }
  push();
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  const last = kept[maxLines - 1];
  kept[maxLines - 1] = (last.length >= width ? last.slice(0, width - 1) : last) + "…";
  return kept;
}
