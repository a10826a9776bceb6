// Runs a layout (layout.ts) on what the map view shows and writes the result
// as ordinary position updates, so everyone sees the elements move and one
// Undo puts them all back: the step is closed before the first update and
// after the last (ctx.edited(true)), as a multi-element drag is.
import type { ConveneDocument, IdKey } from "../crdt/api";
import { clampCoordinate } from "./geometry";
import { forceLayout, removeOverlaps, type LayoutInput, type Positions } from "./layout";
import type { LayoutMenuHost } from "./layout-menu";
import { scaleLayout } from "./layout-scale";
import { NODE_RADIUS } from "./nodes";
import { positionOf } from "./scene";
import { kindInfo, wrapLabel } from "./style";

export type LayoutKind = "force" | "rings" | "bands" | "overlaps";

export interface LayoutHost {
  doc(): ConveneDocument;
  currentMap(): IdKey | undefined;
  editable(): boolean;
  /** Whether an entity is drawn (not filtered out). */
  isShown(id: IdKey): boolean;
  selection(): ReadonlySet<IdKey>;
  tryEdit<T>(edit: () => T): T | undefined;
  /** Closes the undo step and sends (ctx.edited). */
  edited(checkpoint: boolean): void;
  toast(message: string): void;
}

/** Moves smaller than this (map units) are not worth an op. */
const MIN_MOVE = 0.5;

/**
 * An element's footprint for layouts: its body, and its label's half width
 * (the label sits below, up to two lines of 22 characters).
 */
export function footprint(label: string, kindLabel: string): number {
  const lines = wrapLabel(label.trim() || kindLabel, 22, 2);
  const widest = Math.max(0, ...lines.map((l) => [...l].length));
  return Math.min(84, Math.max(NODE_RADIUS + 22, widest * 3.6 + 6));
}

/**
 * The map's elements and connections. Pinned elements, those the filter
 * hides or fades, and with `only` those not chosen take part as pinned:
 * they stay where they are and the others keep clear of them.
 */
export function layoutInput(
  doc: ConveneDocument,
  map: IdKey,
  isShown: (id: IdKey) => boolean,
  only?: ReadonlySet<IdKey>,
): LayoutInput {
  const nodes = doc.elements(map).map((e) => {
    const f = e.fields;
    return {
      id: e.id,
      ...positionOf(e),
      radius: footprint(f.label ?? "", kindInfo(f.kind).label),
      pinned: !!f.pinned || !isShown(e.id) || (only !== undefined && !only.has(e.id)),
      scale: f.scale ?? 0,
    };
  });
  const links = doc.connections(map).map((c) => ({ from: c.from, to: c.to }));
  return { nodes, links };
}

export function runLayout(kind: LayoutKind, input: LayoutInput): Positions {
  switch (kind) {
    case "force":
      return forceLayout(input);
    case "rings":
      return scaleLayout(input, { arrangement: "rings" });
    case "bands":
      return scaleLayout(input, { arrangement: "bands" });
    case "overlaps":
      return removeOverlaps(input);
  }
}

/** The elements among the selection, when there are at least two. */
export function selectedElements(host: LayoutHost): Set<IdKey> | undefined {
  const doc = host.doc();
  const ids = [...host.selection()].filter((id) => doc.element(id) !== undefined);
  return ids.length >= 2 ? new Set(ids) : undefined;
}

/** Lays out the map (or the selected elements) as one undo step; returns how many moved. */
export function applyLayout(host: LayoutHost, kind: LayoutKind, selectionOnly: boolean): number {
  const map = host.currentMap();
  if (map === undefined || !host.editable()) return 0;
  const doc = host.doc();
  const only = selectionOnly ? selectedElements(host) : undefined;
  const input = layoutInput(doc, map, (id) => host.isShown(id), only);
  const positions = runLayout(kind, input);
  const before = new Map(input.nodes.map((n) => [n.id, n]));
  const moves: [IdKey, { x: number; y: number }][] = [];
  for (const [id, p] of positions) {
    const was = before.get(id)!;
    if (Math.hypot(p.x - was.x, p.y - was.y) < MIN_MOVE) continue;
    moves.push([id, { x: clampCoordinate(p.x), y: clampCoordinate(p.y) }]);
  }
  if (moves.length === 0) {
    host.toast(kind === "overlaps" ? "Nothing overlaps." : "Nothing to move.");
    return 0;
  }
  // Whatever came before is its own step; all of these are one.
  doc.undoCheckpoint();
  host.tryEdit(() => {
    for (const [id, position] of moves) doc.updateElement(id, { position });
  });
  host.edited(true);
  return moves.length;
}

/** What the toolbar's Layout menu needs, from the map view's side. */
export function layoutMenuHost(host: LayoutHost): LayoutMenuHost {
  return {
    enabled: () => host.editable() && host.currentMap() !== undefined,
    hasSelection: () => selectedElements(host) !== undefined,
    layout: (kind, selectionOnly) => applyLayout(host, kind, selectionOnly),
  };
}
