// Saved views as the map view stores and reads them (map/views.ts): MapFilter
// to ViewFilter and back, ids removed since left out, limits kept, and the
// order numbers a move writes.
import { describe, expect, it } from "vitest";
import type { SavedView } from "../../../src/crdt/api";
import { ConnectionKind, ElementKind, ScaleLevel } from "../../../src/gen/convene/v1/ops_pb";
import { emptyFilter, type MapFilter } from "../../../src/map/filter";
import {
  defaultViewName,
  mapFilterOf,
  newViewInit,
  nextOrder,
  reorder,
  sortViews,
  storableViewport,
  fittedViewport,
  viewFilterOf,
  type ViewReferences,
} from "../../../src/map/views";

const everything: ViewReferences = { kind: () => true, element: () => true, entity: () => true };

function only(ids: string[]): ViewReferences {
  const known = new Set(ids);
  return {
    kind: (id) => known.has(id),
    element: (id) => known.has(id),
    entity: (id) => known.has(id),
  };
}

const full: MapFilter = {
  kinds: [ElementKind.INSTITUTION, ElementKind.PROJECT],
  customKinds: ["7:3"],
  scales: [ScaleLevel.LOCAL],
  tags: ["water", "funders"],
  connectionKinds: [ConnectionKind.FUNDING],
  authors: ["00000000000000aa"],
  focus: { element: "7:10", depth: 2 },
  highlights: ["7:10", "7:11"],
  search: "river",
};

function view(id: string, order: number, name = id): SavedView {
  return {
    id,
    map: "7:1",
    name,
    viewport: { x: 0, y: 0, zoom: 1 },
    filter: viewFilterOf(emptyFilter(), everything),
    order,
  };
}

describe("MapFilter and ViewFilter", () => {
  it("round-trips every field", () => {
    const stored = viewFilterOf(full, everything);
    expect(stored.focus).toBe("7:10");
    expect(stored.focusDepth).toBe(2);
    expect(mapFilterOf(stored, everything)).toEqual(full);
  });

  it("round-trips the empty filter as no focus and depth 0", () => {
    const stored = viewFilterOf(emptyFilter(), everything);
    expect(stored).toMatchObject({ focus: "", focusDepth: 0, search: "", highlights: [] });
    expect(mapFilterOf(stored, everything)).toEqual(emptyFilter());
  });

  it("drops custom kinds, a focus and highlights that no longer exist when applied", () => {
    const stored = viewFilterOf(full, everything);
    const applied = mapFilterOf(stored, only(["7:11"]));
    expect(applied.customKinds).toEqual([]);
    expect(applied.focus).toBeNull();
    expect(applied.highlights).toEqual(["7:11"]);
    // What names no entity stays as it was.
    expect(applied.tags).toEqual(full.tags);
    expect(applied.authors).toEqual(full.authors);
    expect(applied.kinds).toEqual(full.kinds);
  });

  it("stores no removed ids either, and keeps within the limits", () => {
    const many: MapFilter = {
      ...full,
      highlights: Array.from({ length: 1200 }, (_, i) => `7:${100 + i}`),
      search: "é".repeat(150),
      authors: ["", "x".repeat(200), "ok"],
      tags: ["a", "a", "b"],
    };
    const stored = viewFilterOf(many, only(["7:3", ...many.highlights]));
    expect(stored.focus).toBe("");
    expect(stored.focusDepth).toBe(0);
    expect(stored.highlights).toHaveLength(1000);
    expect(new TextEncoder().encode(stored.search).length).toBeLessThanOrEqual(200);
    expect(stored.authors).toEqual(["ok"]);
    expect(stored.tags).toEqual(["a", "b"]);
  });

  it("stores a viewport the document accepts, with the area it shows", () => {
    const screen = { width: 1000, height: 600 };
    expect(storableViewport({ x: 1e9, y: -1e9, zoom: 5000 }, screen)).toEqual({
      x: 1e7,
      y: -1e7,
      zoom: 1000,
      width: 1,
      height: 0.6,
    });
    expect(storableViewport({ x: NaN, y: 3, zoom: 0 }, { width: 0, height: NaN })).toEqual({
      x: 0,
      y: 3,
      zoom: 1,
      width: 0,
      height: 0,
    });
  });

  it("fits the saved area on a screen of another size, keeping its centre", () => {
    const saved = storableViewport({ x: 10, y: 20, zoom: 2 }, { width: 1280, height: 800 });
    expect(saved).toMatchObject({ width: 640, height: 400 });
    // A phone: the width decides; the whole 640 units across fit in 390 px.
    const phone = fittedViewport(saved, { width: 390, height: 700 });
    expect(phone.x).toBe(10);
    expect(phone.y).toBe(20);
    expect(phone.zoom).toBeCloseTo(390 / 640);
    // The same screen gets the same zoom back.
    expect(fittedViewport(saved, { width: 1280, height: 800 }).zoom).toBeCloseTo(2);
    // A view saved without its area keeps its zoom.
    expect(fittedViewport({ x: 1, y: 2, zoom: 3 }, { width: 390, height: 700 })).toEqual({
      x: 1,
      y: 2,
      zoom: 3,
    });
  });

  it("saves a new view after the others, its name trimmed", () => {
    const init = newViewInit(
      "  Funders  ",
      { x: 10, y: 20, zoom: 2 },
      { width: 800, height: 600 },
      full,
      everything,
      [view("7:2", 0), view("7:3", 4.5)],
    );
    expect(init).toMatchObject({
      name: "Funders",
      viewport: { x: 10, y: 20, zoom: 2, width: 400, height: 300 },
      order: 5,
    });
    expect(init.filter?.tags).toEqual(["water", "funders"]);
  });
});

describe("view order", () => {
  it("lists by (order, id), ids as numbers", () => {
    const sorted = sortViews([view("7:10", 0), view("7:9", 0), view("7:2", 1), view("8:1", 0)]);
    expect(sorted.map((v) => v.id)).toEqual(["7:9", "7:10", "8:1", "7:2"]);
  });

  it("numbers the views afresh when one moves, writing only what changes", () => {
    const views = [view("7:2", 0), view("7:3", 0), view("7:4", 0)];
    expect(reorder(views, "7:4", -1)).toEqual([
      { id: "7:4", order: 1 },
      { id: "7:3", order: 2 },
    ]);
    expect(reorder(views, "7:2", 1)).toEqual([
      { id: "7:2", order: 1 },
      { id: "7:4", order: 2 },
    ]);
    const numbered = [view("7:2", 0), view("7:3", 1), view("7:4", 2)];
    expect(reorder(numbered, "7:3", 1)).toEqual([
      { id: "7:4", order: 1 },
      { id: "7:3", order: 2 },
    ]);
  });

  it("does not move past either end", () => {
    const views = [view("7:2", 0), view("7:3", 1)];
    expect(reorder(views, "7:2", -1)).toEqual([]);
    expect(reorder(views, "7:3", 1)).toEqual([]);
    expect(reorder(views, "9:9", 1)).toEqual([]);
  });

  it("puts a new view last and names it", () => {
    expect(nextOrder([])).toBe(0);
    expect(nextOrder([view("7:2", -3), view("7:3", 2)])).toBe(3);
    expect(defaultViewName([])).toBe("View 1");
    expect(defaultViewName([view("7:2", 0, "View 2")])).toBe("View 3");
  });
});
