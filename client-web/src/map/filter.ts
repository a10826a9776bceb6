// What the map is narrowed to: one plain object, MapFilter, whose fields
// mirror convene.v1.ViewFilter (ops.proto), so a saved view can store it as
// it is. Everything here is pure: the view gathers the facts of each entity
// and asks which fade.
//
// Categories combine with AND, the values within one with OR, and an empty
// list leaves its category open. Kinds (built-in and custom) are one
// category. Kinds and scales select elements; connection kinds select
// connections; a connection shows only when both its ends show. Tags and
// authors select both: an element by its own tags and author, with the
// connections between such elements; and a connection by its own, with its
// two ends (when they pass the kinds and scales), so a tag only connections
// carry ("funding flow") shows those connections and what they join. A focus
// keeps what lies within `depth` connection steps of its element (through
// the connections the other categories keep). Highlights and the search text
// mark things without fading anything.
import type { IdKey } from "../crdt/api";
import { ConnectionKind, ElementKind, ScaleLevel } from "../gen/convene/v1/ops_pb";
import { memberIdOf } from "../net/wire";
import { buildAdjacency, neighbourhood, type Neighbourhood } from "./graph";
import { SCALE_LEVELS, type LevelFilter } from "./style";

export interface MapFocus {
  element: IdKey;
  /** Connection steps kept around the element: 1 to 3. */
  depth: number;
}

export interface MapFilter {
  kinds: ElementKind[];
  customKinds: IdKey[];
  /** Scale levels shown (ScaleLevel.UNSPECIFIED: elements without one). */
  scales: ScaleLevel[];
  tags: string[];
  connectionKinds: ConnectionKind[];
  /** Member ids of who added an element (memberIdOf its id's replica). */
  authors: string[];
  focus: MapFocus | null;
  highlights: IdKey[];
  search: string;
}

export const MAX_FOCUS_DEPTH = 3;

/** A focus depth within 1..MAX_FOCUS_DEPTH. */
export function focusDepth(depth: number): number {
  return Math.max(1, Math.min(MAX_FOCUS_DEPTH, Math.round(depth) || 1));
}

/**
 * A filter as a saved view holds it (ViewFilter in ops.proto): the focus as
 * an element id ("" for none) and a depth beside it; absent lists are empty.
 */
export type ViewFilterLike = Partial<Omit<MapFilter, "focus">> & {
  focus?: IdKey;
  focusDepth?: number;
};

export function fromViewFilter(v: ViewFilterLike): MapFilter {
  const list = <T>(values: readonly T[] | undefined): T[] => [...(values ?? [])];
  return {
    kinds: list(v.kinds),
    customKinds: list(v.customKinds),
    scales: list(v.scales),
    tags: list(v.tags),
    connectionKinds: list(v.connectionKinds),
    authors: list(v.authors),
    focus: v.focus ? { element: v.focus, depth: focusDepth(v.focusDepth ?? 1) } : null,
    highlights: list(v.highlights),
    search: v.search ?? "",
  };
}

export function toViewFilter(filter: MapFilter): ViewFilterLike {
  const { focus, ...rest } = filter;
  return { ...rest, focus: focus?.element ?? "", focusDepth: focus?.depth ?? 0 };
}

export function emptyFilter(): MapFilter {
  return fromViewFilter({});
}

/** What an element is filtered by. */
export interface ElementFacts {
  id: IdKey;
  kind: ElementKind;
  customKind?: IdKey;
  scale: ScaleLevel;
  tags: readonly string[];
  /** Member id of who added it. */
  author: string;
}

/** What a connection is filtered by. */
export interface ConnectionFacts {
  id: IdKey;
  from: IdKey;
  to: IdKey;
  kind: ConnectionKind;
  tags: readonly string[];
  /** Member id of who added it. */
  author: string;
}

/** Every scale level a filter can name, "no scale" last. */
export const ALL_SCALES: ScaleLevel[] = [
  ...SCALE_LEVELS.map((l) => l.level),
  ScaleLevel.UNSPECIFIED,
];

// ---- matching ------------------------------------------------------------------

function open<T>(list: readonly T[], value: T): boolean {
  return list.length === 0 || list.includes(value);
}

export function matchesKind(filter: MapFilter, e: Pick<ElementFacts, "kind" | "customKind">) {
  if (filter.kinds.length === 0 && filter.customKinds.length === 0) return true;
  return (
    filter.kinds.includes(e.kind) ||
    (e.customKind !== undefined && filter.customKinds.includes(e.customKind))
  );
}

export function matchesScale(filter: MapFilter, scale: ScaleLevel | undefined): boolean {
  return open(filter.scales, scale ?? ScaleLevel.UNSPECIFIED);
}

export function matchesTags(filter: MapFilter, tags: readonly string[]): boolean {
  return filter.tags.length === 0 || tags.some((t) => filter.tags.includes(t));
}

export function matchesAuthor(filter: MapFilter, author: string): boolean {
  return open(filter.authors, author);
}

/** The element categories: kinds, scales, tags, authors (not the focus). */
export function matchesElement(filter: MapFilter, e: ElementFacts): boolean {
  return matchesKind(filter, e) && matchesScale(filter, e.scale) && matchesOwn(filter, e);
}

/** The categories an element or a connection is judged by itself: tags and authors. */
function matchesOwn(filter: MapFilter, entity: Pick<ElementFacts, "tags" | "author">): boolean {
  return matchesTags(filter, entity.tags) && matchesAuthor(filter, entity.author);
}

/** The connection's own category (its ends are judged as elements). */
export function matchesConnection(filter: MapFilter, c: Pick<ConnectionFacts, "kind">): boolean {
  return open(filter.connectionKinds, c.kind);
}

export interface FilterResult {
  /** Elements and connections that fade. */
  faded: Set<IdKey>;
  /** The focus's neighbourhood, when there is a focus on a known element. */
  focus?: Neighbourhood;
}

/** Which elements and connections fade under `filter`. */
export function evaluateFilter(
  filter: MapFilter,
  elements: Iterable<ElementFacts>,
  connections: Iterable<ConnectionFacts>,
): FilterResult {
  const allElements = [...elements];
  const allConnections = [...connections];
  const faded = new Set<IdKey>();
  const shown = new Set<IdKey>();
  // Elements of the right kind and scale; of those, the ones shown by themselves.
  const eligible = new Set<IdKey>();
  for (const e of allElements) {
    if (!matchesKind(filter, e) || !matchesScale(filter, e.scale)) continue;
    eligible.add(e.id);
    if (matchesOwn(filter, e)) shown.add(e.id);
  }
  // A connection selected by its own tags or author brings its ends with it.
  const selectsItself = filter.tags.length > 0 || filter.authors.length > 0;
  const bringing = new Set<IdKey>();
  const candidates = allConnections.filter((c) => matchesConnection(filter, c));
  for (const c of candidates) {
    if (!selectsItself || !matchesOwn(filter, c)) continue;
    if (!eligible.has(c.from) || !eligible.has(c.to)) continue;
    bringing.add(c.id);
  }
  const joinsShown = (c: ConnectionFacts) => shown.has(c.from) && shown.has(c.to);
  const kept = candidates.filter((c) => bringing.has(c.id) || joinsShown(c));
  for (const c of kept) shown.add(c.from).add(c.to);
  for (const e of allElements) if (!shown.has(e.id)) faded.add(e.id);
  const keptIds = new Set(kept.map((c) => c.id));
  for (const c of allConnections) if (!keptIds.has(c.id)) faded.add(c.id);
  const focus = filter.focus;
  if (!focus || !(shown.has(focus.element) || faded.has(focus.element))) return { faded };
  const near = neighbourhood(buildAdjacency(kept), focus.element, focusDepth(focus.depth));
  for (const id of shown) if (!near.elements.has(id)) faded.add(id);
  // The focus itself never fades, even when another category would fade it.
  faded.delete(focus.element);
  for (const c of kept) if (!near.connections.has(c.id)) faded.add(c.id);
  return { faded, focus: near };
}

// ---- state ---------------------------------------------------------------------

/** How many categories narrow the map (the focus counts as one). */
export function activeCount(filter: MapFilter): number {
  return (
    [
      filter.kinds.length + filter.customKinds.length,
      filter.scales.length,
      filter.tags.length,
      filter.connectionKinds.length,
      filter.authors.length,
    ].filter((n) => n > 0).length + (filter.focus ? 1 : 0)
  );
}

/** The filter with nothing narrowing the map (highlights and search stay). */
export function clearCategories(filter: MapFilter): MapFilter {
  return { ...emptyFilter(), highlights: filter.highlights, search: filter.search };
}

/** `list` with `value` added, or taken out if it was there. */
export function toggled<T>(list: readonly T[], value: T): T[] {
  return list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
}

/**
 * The legend's scale buttons show and hide levels: hiding one from "all
 * shown" lists the others, and showing the last hidden one opens the
 * category again. The last level shown cannot be hidden (the category would
 * read as open, showing everything).
 */
export function toggleScaleShown(filter: MapFilter, level: ScaleLevel): MapFilter {
  const shown = filter.scales.length === 0 ? ALL_SCALES : filter.scales;
  let next: ScaleLevel[];
  if (shown.includes(level)) {
    next = shown.filter((l) => l !== level);
    if (next.length === 0) return filter;
  } else {
    next = [...shown, level];
  }
  const all = ALL_SCALES.every((l) => next.includes(l));
  return { ...filter, scales: all ? [] : ALL_SCALES.filter((l) => next.includes(l)) };
}

/** The scale levels a picture of the map leaves out (the SVG export's filter). */
export function levelsLeftOut(filter: MapFilter): LevelFilter {
  if (filter.scales.length === 0) return new Set();
  return new Set(ALL_SCALES.filter((l) => !filter.scales.includes(l)));
}

// ---- authors -------------------------------------------------------------------

/** The member id of who created an entity: the replica part of its id, in hex. */
export function authorOf(id: IdKey): string {
  const replica = replicaOf(id);
  return replica === undefined ? "" : memberIdOf(replica);
}

/** The replica part of an id (what memberOfReplica takes). */
export function replicaOf(id: IdKey): bigint | undefined {
  const colon = id.indexOf(":");
  try {
    return BigInt(colon < 0 ? id : id.slice(0, colon));
  } catch {
    return undefined;
  }
}
