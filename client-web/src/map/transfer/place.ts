// Positions for imported elements the file gave none: they start on a
// sunflower spiral round the view's centre and settle with the map's own
// force layout (layout.ts), the map's elements and the positioned imports
// staying put, so what is connected ends up near what it is connected to.
import type { ConveneDocument, IdKey } from "../../crdt/api";
import type { LandscapeData } from "../formats";
import { clampCoordinate, type Pt } from "../geometry";
import { defaultTicks, forceLayout, type LayoutNode } from "../layout";
import { footprint } from "../layout-apply";
import { GOLDEN_ANGLE } from "../layout-separate";
import { positionOf } from "../scene";
import { kindInfo } from "../style";
import { elementKinds } from "./keys";

/** Spacing of the starting spiral, in map units (about one element with its label). */
const SPIRAL_STEP = 70;

function spiralPoint(centre: Pt, i: number): Pt {
  const r = SPIRAL_STEP * Math.sqrt(i);
  return {
    x: centre.x + r * Math.cos(i * GOLDEN_ANGLE),
    y: centre.y + r * Math.sin(i * GOLDEN_ANGLE),
  };
}

/**
 * Simulation steps for placing `n` elements: the map's own layout's on small
 * imports; on large ones fewer (a step costs ~10 ms at 2,000 elements),
 * enough to gather what is connected (transfer.test.ts checks how near).
 */
export function placementTicks(n: number): number {
  if (n <= 500) return defaultTicks(n);
  return 60;
}

/** File id → position, for the elements of `data` without one. */
export function placeUnpositioned(
  doc: ConveneDocument,
  map: IdKey,
  data: LandscapeData,
  centre: Pt,
): Map<string, Pt> {
  const unplaced = data.elements.filter((e) => e.x === undefined || e.y === undefined);
  if (unplaced.length === 0) return new Map();
  // File ids may look like Convene ids: keep the two apart.
  const fileNode = (id: string) => `file:${id}`;
  const nodes: LayoutNode[] = doc.elements(map).map((e) => ({
    id: e.id,
    ...positionOf(e),
    radius: footprint(e.fields.label ?? "", kindInfo(e.fields.kind).label),
    pinned: true,
  }));
  let n = 0;
  for (const e of data.elements) {
    const placed = e.x !== undefined && e.y !== undefined;
    const start = placed ? { x: e.x!, y: e.y! } : spiralPoint(centre, n++);
    nodes.push({
      id: fileNode(e.id),
      ...start,
      radius: footprint(e.label, kindInfo(elementKinds.valueOf(e.kind)).label),
      pinned: placed,
    });
  }
  const links = [
    ...doc.connections(map).map((c) => ({ from: c.from, to: c.to })),
    ...data.connections.map((c) => ({ from: fileNode(c.from), to: fileNode(c.to) })),
  ];
  // A large import skips the collision force (most of a step's cost): the
  // layout's final separation clears what overlaps once the shape has formed.
  const large = unplaced.length > 500;
  const positions = forceLayout(
    { nodes, links },
    { ticks: placementTicks(unplaced.length), collide: !large },
  );
  const result = new Map<string, Pt>();
  for (const e of unplaced) {
    const p = positions.get(fileNode(e.id)) ?? centre;
    result.set(e.id, { x: clampCoordinate(p.x), y: clampCoordinate(p.y) });
  }
  return result;
}
