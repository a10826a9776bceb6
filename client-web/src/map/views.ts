// Saved views as the map view uses them: the MapFilter it shows turned into
// what a CreateView or UpdateView carries and back, the order views are
// listed and presented in, and the order numbers a move up or down writes.
// Pure: the document is reached only through the `exists` check given.
import type { IdKey, SavedView, SavedViewInit, ViewFilterInit, ViewportInit } from "../crdt/api";
import {
  COORDINATE,
  MAX_ZOOM,
  ORDER,
  VIEW_ENUM_LIST,
  VIEW_HIGHLIGHTS,
  VIEW_ID_LIST,
  VIEW_SEARCH_BYTES,
  VOCABULARY_NAME_BYTES,
} from "../crdt/limits";
import { fromViewFilter, toViewFilter, type MapFilter } from "./filter";
import { clampZoom, type Size, type Viewport } from "./geometry";
import { truncateUtf8 } from "./panel";

/** Whether an id still names a visible entity of the map, of the kind a filter needs. */
export interface ViewReferences {
  /** A custom kind of the map. */
  kind(id: IdKey): boolean;
  /** An element of the map. */
  element(id: IdKey): boolean;
  /** An element or a connection of the map. */
  entity(id: IdKey): boolean;
}

/**
 * What a saved view stores of a MapFilter: ids that no longer name anything
 * dropped (an op naming them would be refused) and lists cut to the limits
 * of docs/crdt.md.
 */
export function viewFilterOf(filter: MapFilter, refs: ViewReferences): Required<ViewFilterInit> {
  const f = mapFilterOf(toViewFilter(filter), refs);
  const v = toViewFilter(f);
  return {
    kinds: unique(v.kinds).slice(0, VIEW_ENUM_LIST),
    customKinds: unique(v.customKinds).slice(0, VIEW_ID_LIST),
    scales: unique(v.scales).slice(0, VIEW_ENUM_LIST),
    tags: unique(v.tags).slice(0, VIEW_ID_LIST),
    connectionKinds: unique(v.connectionKinds).slice(0, VIEW_ENUM_LIST),
    authors: unique(v.authors)
      .filter((a) => a.length > 0 && a.length <= 128)
      .slice(0, VIEW_ID_LIST),
    focus: v.focus ?? "",
    focusDepth: v.focusDepth ?? 0,
    highlights: unique(v.highlights).slice(0, VIEW_HIGHLIGHTS),
    search: truncateUtf8(v.search ?? "", VIEW_SEARCH_BYTES),
  };
}

/**
 * The MapFilter a saved view's filter stands for on the map as it is now:
 * custom kinds, a focus and highlights that were removed since are left
 * out (a focus on nothing would fade the whole map).
 */
export function mapFilterOf(filter: ViewFilterInit, refs: ViewReferences): MapFilter {
  const f = fromViewFilter(filter);
  return {
    ...f,
    customKinds: f.customKinds.filter((id) => refs.kind(id)),
    focus: f.focus && refs.element(f.focus.element) ? f.focus : null,
    highlights: f.highlights.filter((id) => refs.entity(id)),
  };
}

/**
 * A viewport a view can hold: finite, within the map's coordinates, 0 < zoom
 * <= 1000, with the area the canvas of `size` shows at it (map units), so
 * another screen can show the same area.
 */
export function storableViewport(v: Viewport, size: Size): ViewportInit {
  const clamp = (n: number) =>
    Number.isFinite(n) ? Math.max(-COORDINATE, Math.min(COORDINATE, n)) : 0;
  const zoom = Number.isFinite(v.zoom) && v.zoom > 0 ? Math.min(MAX_ZOOM, v.zoom) : 1;
  const side = (px: number) =>
    Number.isFinite(px) && px > 0 ? Math.min(2 * COORDINATE, px / zoom) : 0;
  return { x: clamp(v.x), y: clamp(v.y), zoom, width: side(size.width), height: side(size.height) };
}

/**
 * Where a saved view puts a canvas of `size`: the same centre, zoomed so the
 * whole area it was saved with fits (a phone sees what a laptop saved). Views
 * saved without an area keep their zoom.
 */
export function fittedViewport(saved: ViewportInit, size: Size): Viewport {
  const { x, y, zoom } = saved;
  const width = saved.width ?? 0;
  const height = saved.height ?? 0;
  if (!(width > 0 && height > 0 && size.width > 0 && size.height > 0)) return { x, y, zoom };
  return { x, y, zoom: clampZoom(Math.min(size.width / width, size.height / height)) };
}

/** What "Save view" writes: the name, the viewport and the filter, after the last view. */
export function newViewInit(
  name: string,
  viewport: Viewport,
  size: Size,
  filter: MapFilter,
  refs: ViewReferences,
  existing: readonly SavedView[],
): SavedViewInit {
  return {
    name: viewName(name),
    viewport: storableViewport(viewport, size),
    filter: viewFilterOf(filter, refs),
    order: nextOrder(existing),
  };
}

export function viewName(name: string): string {
  return truncateUtf8(name.trim(), VOCABULARY_NAME_BYTES);
}

/** Views as they are listed and presented: by (order, id), as viewsOf gives them. */
export function sortViews(views: readonly SavedView[]): SavedView[] {
  return [...views].sort((a, b) => a.order - b.order || compareIds(a.id, b.id));
}

/** Ids compare as (replica, counter) numbers, as the document orders them. */
function compareIds(a: IdKey, b: IdKey): number {
  const [ra, ca] = a.split(":").map(BigInt);
  const [rb, cb] = b.split(":").map(BigInt);
  return ra !== rb ? (ra < rb ? -1 : 1) : ca === cb ? 0 : ca < cb ? -1 : 1;
}

/** The order of a view added after every other. */
export function nextOrder(views: readonly SavedView[]): number {
  const last = Math.max(-1, ...views.map((v) => v.order));
  return Math.min(ORDER, Math.floor(last) + 1);
}

/** A view's new order. */
export interface OrderUpdate {
  id: IdKey;
  order: number;
}

/**
 * The updates that move view `id` `by` places (-1: up, 1: down) in the
 * list: the views numbered 0, 1, 2… in their new order, writing only those
 * whose number changes (equal orders, the default, cannot be swapped).
 * Empty when it cannot move.
 */
export function reorder(views: readonly SavedView[], id: IdKey, by: number): OrderUpdate[] {
  const list = sortViews(views);
  const from = list.findIndex((v) => v.id === id);
  const to = from + by;
  if (from < 0 || to < 0 || to >= list.length || by === 0) return [];
  const [moved] = list.splice(from, 1);
  list.splice(to, 0, moved);
  return list.flatMap((v, order) => (v.order === order ? [] : [{ id: v.id, order }]));
}

/** A name for a new view not used yet on the map: "View 1", "View 2"… */
export function defaultViewName(views: readonly SavedView[]): string {
  const names = new Set(views.map((v) => v.name));
  let n = views.length + 1;
  while (names.has(`View ${n}`)) n++;
  return `View ${n}`;
}

function unique<T>(list: readonly T[] | undefined): T[] {
  return [...new Set(list ?? [])];
}
