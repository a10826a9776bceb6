// The neutral model of one map as files hold it (docs/formats.md): plain,
// JSON-able data that every reader returns and every writer takes, so each
// format is one reader and one writer, and the step to and from CRDT ops is
// written once.
//
// For whoever turns it into ops (and back):
// - `id`s are the file's own names, unique within one LandscapeData: elements
//   always have one (readers make one up when the file has none), and
//   connections name their ends by them. They are not Convene ids — import
//   creates new entities — but exports from Convene write Convene ids
//   ("replica:counter"), so a map exported and imported again can be matched.
// - Enumerations are the lower-case keys of style.ts and of the canonical JSON
//   (docs/crdt.md): kind "institution", scale "regional", direction "forward";
//   "" or an absent key means unset.
// - `customKind` names an entry of `kinds`; `fields` keys name entries of
//   `fields`; perspective values are keyed by aspect, then by the
//   participant's display name (files know people by name, not member id).
// - Every string and number is already within the CRDT's limits
//   (docs/crdt.md "Limits"); readers refuse a file rather than return
//   something an op could not carry.

/** Built-in element kinds (style.ts ELEMENT_KINDS keys); "" = unspecified. */
export type ElementKindKey =
  | ""
  | "institution"
  | "project"
  | "community"
  | "network"
  | "person"
  | "practice"
  | "artifact"
  | "note";

export type ScaleKey = "local" | "organisational" | "regional" | "national" | "global";

export type ConnectionKindKey =
  "collaboration" | "accountability" | "funding" | "power" | "conflict" | "information";

export type BoundaryTypeKey =
  "geographic" | "cultural" | "disciplinary" | "political" | "organisational" | "class" | "social";

/** none: undirected; forward: from → to; both: mutual. */
export type DirectionKey = "none" | "forward" | "both";

export type FieldValue = string | number;

/** aspect → participant name → that participant's value. */
export type Perspectives = Record<string, Record<string, number>>;

export interface ElementData {
  id: string;
  label: string;
  /** The built-in kind; with `customKind`, the kind it falls back to. */
  kind: ElementKindKey;
  /** The name of an entry of LandscapeData.kinds. */
  customKind?: string;
  /** Becomes the element's notes. */
  description: string;
  /** Distinct, valid tags in file order. */
  tags: string[];
  scale?: ScaleKey;
  /** Centre of the element on the map; both or neither. */
  x?: number;
  y?: number;
  color?: string;
  shape?: string;
  /** Kept in place by automatic layouts; absent = not pinned. */
  pinned?: true;
  /** The participant (by display name) this element is. */
  person?: string;
  /** Custom field name → value. */
  fields: Record<string, FieldValue>;
  perspectives?: Perspectives;
}

export interface ConnectionData {
  id?: string;
  /** Element ids within the same LandscapeData. */
  from: string;
  to: string;
  kind?: ConnectionKindKey;
  direction: DirectionKey;
  label: string;
  /** 1–3; absent = 1. */
  depth?: number;
  tags: string[];
  fields: Record<string, FieldValue>;
  perspectives?: Perspectives;
}

export interface Point {
  x: number;
  y: number;
}

export interface ShapeData {
  id?: string;
  label: string;
  type?: BoundaryTypeKey;
  /** polyline = boundary (≥ 2 points), polygon = region (≥ 3 points). */
  geometry: "polyline" | "polygon";
  path: Point[];
  /** The participant (by display name) whose sphere of influence this is. */
  sphereOf?: string;
}

export interface FieldDef {
  name: string;
  type: "text" | "number" | "choice";
  /** Only for choice fields; empty otherwise. */
  choices: string[];
}

export interface KindDef {
  name: string;
  base: Exclude<ElementKindKey, "">;
}

export interface LandscapeData {
  elements: ElementData[];
  connections: ConnectionData[];
  shapes: ShapeData[];
  /** Custom fields of elements and connections alike, in column order. */
  fields: FieldDef[];
  /** Custom kinds that elements name. */
  kinds: KindDef[];
}

export function emptyLandscape(): LandscapeData {
  return { elements: [], connections: [], shapes: [], fields: [], kinds: [] };
}
