// @vitest-environment jsdom
// The map view driven the way a person would: clicks, drags and keys on its
// DOM, against a fake document. jsdom has no layout, so the canvas measures
// as the view's fallback size (960 × 640) at the page's origin: with the
// viewport at (0, 0) and zoom 1, map point (x, y) is client (x + 480, y + 320).
import { describe, expect, it, vi } from "vitest";
import { create } from "@bufbuild/protobuf";
import {
  ConnectionKind,
  ElementKind,
  Geometry,
  ScaleLevel,
} from "../../../src/gen/convene/v1/ops_pb";
import { CursorSchema, PresenceStateSchema } from "../../../src/gen/convene/v1/protocol_pb";
import { Document } from "../../../src/crdt/document";
import { keyToId } from "../../../src/map/ids";
import { FakeContext, FakeDocument } from "./fake-doc";
import { mountMapView as mount, OX, OY } from "./mounted-view";

function setup(options: { maps?: number; canEdit?: boolean; readOnly?: boolean } = {}) {
  const doc = new FakeDocument();
  const maps: string[] = [];
  for (let i = 0; i < (options.maps ?? 1); i++) maps.push(doc.createMap(`Map ${i + 1}`));
  doc.takeChanges();
  const ctx = new FakeContext(doc, options.canEdit ?? true);
  return { doc, ctx, map: maps[0], maps };
}

function q<T extends Element = HTMLElement>(selector: string): T {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`nothing matches ${selector}`);
  return found;
}

const byTestId = <T extends Element = HTMLElement>(id: string) => q<T>(`[data-testid="${id}"]`);

function pointer(
  target: Element,
  type: string,
  x: number,
  y: number,
  init: PointerEventInit = {},
): void {
  target.dispatchEvent(
    new PointerEvent(type, {
      bubbles: true,
      cancelable: true,
      clientX: x + OX,
      clientY: y + OY,
      button: 0,
      pointerId: 1,
      ...init,
    }),
  );
}

/** The map point halfway along a connection's drawn line. */
function connectionMiddle(id: string): [number, number] {
  const d = q(`g[data-conn="${id}"] .cv-conn-line`).getAttribute("d") ?? "";
  const [x0, y0, cx, cy, x1, y1] = (d.match(/-?[\d.]+/g) ?? []).map(Number);
  return [(x0 + 2 * cx + x1) / 4, (y0 + 2 * cy + y1) / 4];
}

/** A click at map point (x, y) on `target` (the canvas by default). */
function clickAt(
  x: number,
  y: number,
  target: Element = byTestId("map-canvas"),
  init: PointerEventInit = {},
): void {
  pointer(target, "pointerdown", x, y, init);
  pointer(target, "pointerup", x, y, init);
}

/** A drag from one map point to another, in a few moves. */
function drag(
  target: Element,
  from: [number, number],
  to: [number, number],
  init: PointerEventInit = {},
): void {
  pointer(target, "pointerdown", from[0], from[1], init);
  const canvas = byTestId("map-canvas");
  for (let i = 1; i <= 3; i++) {
    const x = from[0] + ((to[0] - from[0]) * i) / 3;
    const y = from[1] + ((to[1] - from[1]) * i) / 3;
    pointer(canvas, "pointermove", x, y, init);
  }
  pointer(canvas, "pointerup", to[0], to[1], init);
}

function key(k: string, target: EventTarget = document.body, init: KeyboardEventInit = {}): void {
  target.dispatchEvent(
    new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true, ...init }),
  );
}

function change(
  field: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
  value: string,
): void {
  field.value = value;
  field.dispatchEvent(new Event("change", { bubbles: true }));
}

const bodyOf = (id: string) => q(`g[data-id="${id}"] .cv-body`);

/** A mouse click on a button (element.click() would look like the keyboard: detail 0). */
function mouseClick(target: Element): void {
  target.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true, detail: 1 }));
}

describe("maps", () => {
  it("offers to create a map when there is none, then lets me name it", () => {
    const { doc, ctx } = setup({ maps: 0 });
    const v = mount(ctx);
    expect(v.currentMap()).toBeUndefined();
    expect(document.querySelectorAll('[data-testid="map-new"]')).toHaveLength(1);
    byTestId("map-new").click();
    expect(doc.maps()).toHaveLength(1);
    expect(v.currentMap()).toBe(doc.maps()[0].id);
    const name = byTestId<HTMLInputElement>("map-name");
    expect(name.value).toBe("Map 1");
    name.value = "Landscape of care";
    name.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    expect(doc.maps()[0].name).toBe("Landscape of care");
    expect(ctx.checkpoints).toBe(2);
    // Exactly one "new map" button once a map exists: the toolbar's.
    expect(document.querySelectorAll('[data-testid="map-new"]')).toHaveLength(1);
    expect(byTestId("map-new").closest(".cv-toolbar")).not.toBeNull();
  });

  it("switches maps from the picker and tells the app", () => {
    const { doc, ctx, maps } = setup({ maps: 2 });
    doc.createElement(maps[1], { label: "Only on map 2" });
    doc.takeChanges();
    const v = mount(ctx);
    const seen: unknown[] = [];
    v.element.addEventListener("mapchange", (e) => seen.push((e as CustomEvent).detail.map));
    expect(v.currentMap()).toBe(maps[0]);
    change(byTestId<HTMLSelectElement>("map-picker"), maps[1]);
    expect(v.currentMap()).toBe(maps[1]);
    expect(byTestId("map-canvas").textContent).toContain("Only on map 2");
    expect(seen).toEqual([maps[1]]);
  });

  it("moves to another map when the shown one is removed elsewhere", () => {
    const { doc, ctx, maps } = setup({ maps: 2 });
    const v = mount(ctx);
    doc.remove(maps[0]);
    ctx.flush();
    expect(v.currentMap()).toBe(maps[1]);
    doc.remove(maps[1]);
    ctx.flush();
    expect(v.currentMap()).toBeUndefined();
    expect(document.querySelector('.cv-empty [data-testid="map-new"]')).not.toBeNull();
  });
});

describe("adding and editing elements", () => {
  it("places a palette kind where I click and focuses its label", () => {
    const { doc, ctx, map } = setup();
    mount(ctx);
    mouseClick(byTestId("palette-institution"));
    expect(byTestId("palette-institution").getAttribute("aria-pressed")).toBe("true");
    clickAt(100, 50);
    const [el] = doc.elements(map);
    expect(el.fields.kind).toBe(ElementKind.INSTITUTION);
    expect(el.fields.position).toMatchObject({ x: 100, y: 50 });
    expect(ctx.checkpoints).toBe(1);
    expect(q(`g[data-id="${el.id}"]`).getAttribute("data-kind")).toBe("institution");
    expect(document.activeElement).toBe(byTestId("panel-label"));
    // Placing disarms the palette.
    expect(byTestId("palette-institution").getAttribute("aria-pressed")).toBe("false");
  });

  it("places at the view centre from the keyboard", () => {
    const { doc, ctx, map } = setup();
    const v = mount(ctx);
    v.setViewport({ x: 40, y: -30, zoom: 2 });
    // Enter on a focused palette item places at once.
    byTestId("palette-note").click();
    expect(doc.elements(map)[0].fields).toMatchObject({
      kind: ElementKind.NOTE,
      position: { x: 40, y: -30 },
    });
    // Enter on the map while a kind is armed places it there too.
    mouseClick(byTestId("palette-person"));
    key("Enter");
    expect(doc.elements(map)[1].fields).toMatchObject({
      kind: ElementKind.PERSON,
      position: { x: 40, y: -30 },
    });
  });

  it("commits panel fields on change, one undo step each", () => {
    const { doc, ctx, map } = setup();
    const id = doc.createElement(map, {
      kind: ElementKind.PROJECT,
      label: "Old",
      position: { x: 0, y: 0 },
    });
    doc.takeChanges();
    mount(ctx);
    clickAt(0, 0, bodyOf(id));
    change(byTestId<HTMLInputElement>("panel-label"), "Seed library");
    change(byTestId<HTMLTextAreaElement>("panel-notes"), "Open Saturdays");
    change(byTestId<HTMLSelectElement>("panel-kind"), String(ElementKind.ARTIFACT));
    change(byTestId<HTMLSelectElement>("panel-scale"), String(ScaleLevel.REGIONAL));
    expect(doc.element(id)!.fields).toMatchObject({
      label: "Seed library",
      notes: "Open Saturdays",
      kind: ElementKind.ARTIFACT,
      scale: ScaleLevel.REGIONAL,
    });
    expect(ctx.checkpoints).toBe(4);
    ctx.flush();
    expect(q(`g[data-id="${id}"]`).getAttribute("data-kind")).toBe("artifact");
    expect(q(`g[data-id="${id}"]`).textContent).toContain("Seed library");
  });

  it("keeps what I am typing when someone else edits the same element", () => {
    const { doc, ctx, map } = setup();
    const id = doc.createElement(map, { label: "A", notes: "n" });
    doc.takeChanges();
    mount(ctx);
    clickAt(0, 0, bodyOf(id));
    const label = byTestId<HTMLInputElement>("panel-label");
    label.focus();
    label.value = "My half-typed";
    doc.updateElement(id, { label: "Remote", notes: "remote notes" });
    ctx.flush();
    expect(label.value).toBe("My half-typed");
    expect(byTestId<HTMLTextAreaElement>("panel-notes").value).toBe("remote notes");
  });

  it("moves an element on every pointer move and checkpoints on drop", () => {
    const { doc, ctx, map } = setup();
    const id = doc.createElement(map, { position: { x: 10, y: 10 } });
    doc.takeChanges();
    mount(ctx);
    drag(bodyOf(id), [10, 10], [70, 40]);
    expect(doc.element(id)!.fields.position).toMatchObject({ x: 70, y: 40 });
    expect(ctx.uncheckpointed).toBe(3);
    expect(ctx.checkpoints).toBe(1);
    ctx.flush();
    expect(q(`g[data-id="${id}"]`).getAttribute("transform")).toBe("translate(70 40)");
  });

  it("moves and deletes a multi-selection together", () => {
    const { doc, ctx, map } = setup();
    const a = doc.createElement(map, { position: { x: 0, y: 0 } });
    const b = doc.createElement(map, { position: { x: 100, y: 0 } });
    const c = doc.createElement(map, { position: { x: 300, y: 0 } });
    doc.takeChanges();
    mount(ctx);
    clickAt(0, 0, bodyOf(a));
    clickAt(100, 0, bodyOf(b), { shiftKey: true });
    expect(q(".cv-panel-title").textContent).toBe("2 selected");
    drag(bodyOf(b), [100, 0], [100, 50]);
    expect(doc.element(a)!.fields.position).toMatchObject({ x: 0, y: 50 });
    expect(doc.element(b)!.fields.position).toMatchObject({ x: 100, y: 50 });
    expect(doc.element(c)!.fields.position).toMatchObject({ x: 300, y: 0 });
    key("Delete");
    expect(doc.element(a)).toBeUndefined();
    expect(doc.element(b)).toBeUndefined();
    expect(doc.element(c)).toBeDefined();
    ctx.flush();
    expect(document.querySelector(`g[data-id="${a}"]`)).toBeNull();
  });

  it("selects with a shift-drag rubber band", () => {
    const { doc, ctx, map } = setup();
    const a = doc.createElement(map, { position: { x: 0, y: 0 } });
    const b = doc.createElement(map, { position: { x: 50, y: 50 } });
    const far = doc.createElement(map, { position: { x: 400, y: 0 } });
    const link = doc.createConnection(map, a, b, {});
    doc.takeChanges();
    mount(ctx);
    drag(byTestId("map-canvas"), [-30, -30], [80, 80], { shiftKey: true });
    const selected = [...document.querySelectorAll(".is-selected")].map(
      (n) => n.getAttribute("data-id") ?? n.getAttribute("data-conn"),
    );
    expect(selected.sort()).toEqual([a, b, link].sort());
    expect(selected).not.toContain(far);
  });

  it("does not delete while typing, and Escape clears the selection", () => {
    const { doc, ctx, map } = setup();
    const a = doc.createElement(map, {});
    doc.takeChanges();
    mount(ctx);
    clickAt(0, 0, bodyOf(a));
    key("Backspace", byTestId("panel-label"));
    expect(doc.element(a)).toBeDefined();
    key("z", document.body, { ctrlKey: true });
    expect(doc.element(a)).toBeDefined();
    key("Escape");
    expect(document.querySelectorAll(".is-selected")).toHaveLength(0);
    key("Delete");
    expect(doc.element(a)).toBeDefined();
  });

  it("leaves keys pressed in a dialog to the dialog", () => {
    const { doc, ctx, map } = setup();
    const a = doc.createElement(map, {});
    doc.takeChanges();
    mount(ctx);
    clickAt(0, 0, bodyOf(a));
    const button = document.createElement("button");
    document.body.append(document.createElement("dialog"));
    document.querySelector("dialog")!.append(button);
    const escape = new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true });
    button.dispatchEvent(escape);
    expect(escape.defaultPrevented).toBe(false); // the dialog's cancel goes ahead
    expect(document.querySelectorAll(".is-selected")).toHaveLength(1);
    key("Delete", button);
    expect(doc.element(a)).toBeDefined();
  });

  it("filters elements by scale from the legend", () => {
    const { doc, ctx, map } = setup();
    const local = doc.createElement(map, { scale: ScaleLevel.LOCAL });
    const global = doc.createElement(map, { scale: ScaleLevel.GLOBAL, position: { x: 100, y: 0 } });
    doc.takeChanges();
    mount(ctx);
    byTestId("legend-scale-global").click();
    // Filtered out fades (and is no target); it is not removed.
    expect(q(`g[data-id="${global}"]`).classList.contains("is-faded")).toBe(true);
    expect(q(`g[data-id="${local}"]`).classList.contains("is-faded")).toBe(false);
    expect(byTestId("legend-scale-global").getAttribute("aria-pressed")).toBe("false");
    expect(byTestId("legend-filters").textContent).toContain("scale");
    byTestId("legend-clear-filters").click();
    expect(q(`g[data-id="${global}"]`).classList.contains("is-faded")).toBe(false);
    expect(byTestId("legend-filters").hidden).toBe(true);
  });
});

describe("touch", () => {
  it("pinches to zoom about the fingers and pans with them", () => {
    const { ctx } = setup();
    const v = mount(ctx);
    const canvas = byTestId("map-canvas");
    const touch = (type: string, id: number, x: number, y: number) =>
      pointer(canvas, type, x, y, { pointerId: id, pointerType: "touch" });
    touch("pointerdown", 1, -100, 0);
    touch("pointerdown", 2, 100, 0);
    touch("pointermove", 1, -200, 0);
    touch("pointermove", 2, 200, 0);
    expect(v.viewport().zoom).toBeCloseTo(2);
    expect(v.viewport().x).toBeCloseTo(0);
    touch("pointermove", 1, -150, 40);
    touch("pointermove", 2, 250, 40);
    // The middle moved 50 right and 40 down: so did the map under it.
    expect(v.viewport().x).toBeCloseTo(-25);
    expect(v.viewport().y).toBeCloseTo(-20);
    touch("pointerup", 1, -150, 40);
    touch("pointerup", 2, 250, 40);
    expect(ctx.doc.log.filter(([verb]) => verb !== "createMap")).toEqual([]);
  });
});

describe("connections", () => {
  it("connects two elements by dragging from the handle", () => {
    const { doc, ctx, map } = setup();
    const a = doc.createElement(map, { position: { x: 0, y: 0 } });
    const b = doc.createElement(map, { position: { x: 200, y: 0 } });
    doc.takeChanges();
    mount(ctx);
    // Only a hovered (or selected) element has a ring and a handle.
    expect(document.querySelector(`g[data-id="${a}"] .cv-handle`)).toBeNull();
    expect(document.querySelector(`g[data-id="${a}"] .cv-sel-ring`)).toBeNull();
    pointer(q(`g[data-id="${a}"] .cv-body`), "pointerover", 0, 0);
    expect(q(`g[data-id="${a}"] .cv-sel-ring`)).not.toBeNull();
    drag(q(`g[data-id="${a}"] .cv-handle`), [21, 0], [195, 5]);
    const [conn] = doc.connections(map);
    expect(conn).toMatchObject({ from: a, to: b });
    expect(q(`path.cv-conn-line[data-id="${conn.id}"]`)).not.toBeNull();
    expect(byTestId<HTMLSelectElement>("panel-direction").value).toBe("1");
  });

  it("connects by clicking one element then another with the connect tool", () => {
    const { doc, ctx, map } = setup();
    const a = doc.createElement(map, { position: { x: 0, y: 0 } });
    const b = doc.createElement(map, { position: { x: 200, y: 0 } });
    doc.takeChanges();
    mount(ctx);
    byTestId("tool-connect").click();
    clickAt(0, 0, bodyOf(a));
    expect(doc.connections(map)).toHaveLength(0);
    clickAt(200, 0, bodyOf(b));
    expect(doc.connections(map)[0]).toMatchObject({ from: a, to: b });
  });

  it("edits a connection's direction, depth, kind and label", () => {
    const { doc, ctx, map } = setup();
    const a = doc.createElement(map, { position: { x: 0, y: 0 } });
    const b = doc.createElement(map, { position: { x: 200, y: 0 } });
    const c = doc.createConnection(map, a, b, { direction: 1, depth: 1 });
    doc.takeChanges();
    mount(ctx);
    // At rest a connection has no hit path: a click near its line finds it by geometry.
    expect(document.querySelector(`g[data-conn="${c}"] .cv-sel-line`)).toBeNull();
    expect(document.querySelector(`g[data-conn="${c}"] .cv-conn-hit`)).toBeNull();
    clickAt(...connectionMiddle(c));
    // Selected, it has its selection line, between the hit path and the line.
    expect(
      [...q(`g[data-conn="${c}"]`).children].slice(0, 3).map((n) => n.getAttribute("class")),
    ).toEqual(["cv-conn-hit", "cv-sel-line", "cv-conn-line"]);
    change(byTestId<HTMLSelectElement>("panel-direction"), "2");
    change(byTestId<HTMLSelectElement>("panel-depth"), "3");
    change(byTestId<HTMLSelectElement>("panel-kind"), "3");
    change(byTestId<HTMLInputElement>("panel-label"), "funds");
    expect(doc.connection(c)!.fields).toMatchObject({
      direction: 2,
      depth: 3,
      kind: 3,
      label: "funds",
    });
    ctx.flush();
    expect(document.querySelectorAll(`g[data-conn="${c}"] .cv-arrow`)).toHaveLength(2);
  });

  it("selects an element that takes focus, and reaches its connections from the panel", () => {
    const { doc, ctx, map } = setup();
    const a = doc.createElement(map, { position: { x: 0, y: 0 }, label: "River Trust" });
    const b = doc.createElement(map, { position: { x: 200, y: 0 }, label: "Wetland pilot" });
    const c = doc.createConnection(map, a, b, { direction: 1, depth: 1 });
    doc.takeChanges();
    mount(ctx);
    const node = q<SVGGElement>(`g.cv-element[data-id="${a}"]`);
    expect(node.getAttribute("tabindex")).toBe("0");
    node.focus();
    expect(q(".cv-panel-title").textContent).toBe("River Trust");
    const list = byTestId("panel-connections");
    expect(list.querySelector("h3")?.textContent).toBe("Connections (1)");
    const link = list.querySelector<HTMLButtonElement>("button")!;
    expect(link.textContent).toBe("→ Wetland pilot");
    link.click();
    expect(q(".cv-panel-title").textContent).toBe("Connection");
    expect(document.querySelector(`g[data-conn="${c}"].is-selected`)).not.toBeNull();
  });

  it("gives the connection under the pointer its hit path, over a region too", () => {
    const { doc, ctx, map } = setup();
    const a = doc.createElement(map, { position: { x: 0, y: 0 } });
    const b = doc.createElement(map, { position: { x: 200, y: 0 } });
    const c = doc.createConnection(map, a, b, { direction: 1, depth: 1 });
    const square = [
      { x: -50, y: -50 },
      { x: 250, y: -50 },
      { x: 250, y: 50 },
      { x: -50, y: 50 },
    ];
    doc.createShape(map, Geometry.POLYGON, { path: { points: square } });
    doc.takeChanges();
    mount(ctx);
    const hit = () => document.querySelector(`g[data-conn="${c}"] .cv-conn-hit`);
    const [x, y] = connectionMiddle(c);
    pointer(q(`g.cv-shape path`), "pointermove", x, y + 20);
    expect(hit()).toBeNull();
    pointer(q(`g.cv-shape path`), "pointermove", x, y + 4);
    expect(hit()).not.toBeNull();
    // Pressed over the region, the connection is what gets selected.
    clickAt(x, y - 3, q(`g.cv-shape path`));
    expect(q(".cv-panel-title").textContent).toBe("Connection");
  });
});

describe("boundaries, regions and me", () => {
  it("draws a region by clicking points and pressing Enter", () => {
    const { doc, ctx, map } = setup();
    mount(ctx);
    byTestId("tool-region").click();
    clickAt(0, 0);
    clickAt(100, 0);
    clickAt(100, 100);
    key("Enter");
    const [shape] = doc.shapes(map);
    expect(shape.geometry).toBe(Geometry.POLYGON);
    expect(shape.fields.path!.points.map((p) => [p.x, p.y])).toEqual([
      [0, 0],
      [100, 0],
      [100, 100],
    ]);
    change(byTestId<HTMLSelectElement>("panel-type"), "4");
    expect(doc.shape(shape.id)!.fields.type).toBe(4);
  });

  it("finishes a boundary with a double-click, ignoring its repeated clicks", () => {
    const { doc, ctx, map } = setup();
    mount(ctx);
    byTestId("tool-boundary").click();
    clickAt(0, 0);
    clickAt(80, 20);
    clickAt(80, 20);
    byTestId("map-canvas").dispatchEvent(
      new MouseEvent("dblclick", { bubbles: true, clientX: OX + 80, clientY: OY + 20 }),
    );
    const [shape] = doc.shapes(map);
    expect(shape.geometry).toBe(Geometry.POLYLINE);
    expect(shape.fields.path!.points).toHaveLength(2);
  });

  it("Escape abandons a drawing and Backspace takes back a point", () => {
    const { doc, ctx, map } = setup();
    mount(ctx);
    byTestId("tool-region").click();
    clickAt(0, 0);
    clickAt(50, 0);
    clickAt(50, 50);
    key("Backspace");
    key("Enter");
    expect(doc.shapes(map)).toHaveLength(0);
    expect(ctx.toasts.at(-1)).toMatch(/at least 3 points/);
    byTestId("tool-region").click();
    clickAt(0, 0);
    clickAt(50, 0);
    key("Escape");
    clickAt(50, 50);
    key("Enter");
    expect(doc.shapes(map)).toHaveLength(0);
  });

  it("moves a region by dragging its outline and reshapes it by a vertex", () => {
    const { doc, ctx, map } = setup();
    const triangle = [
      { x: 0, y: 0 },
      { x: 100, y: 0 },
      { x: 0, y: 100 },
    ];
    const id = doc.createShape(map, Geometry.POLYGON, { path: { points: triangle } });
    doc.takeChanges();
    mount(ctx);
    const points = () => doc.shape(id)!.fields.path!.points.map((p) => [p.x, p.y]);
    drag(q(`g[data-id="${id}"] .cv-shape-hit`), [50, 0], [60, 20]);
    expect(points()).toEqual([
      [10, 20],
      [110, 20],
      [10, 120],
    ]);
    ctx.flush();
    drag(q('.cv-vertex[data-vertex="1"]'), [110, 20], [150, -10]);
    expect(points()).toEqual([
      [10, 20],
      [150, -10],
      [10, 120],
    ]);
    expect(ctx.checkpoints).toBe(2);
  });

  it("puts me on the map once, and moves me after that", () => {
    const { doc, ctx, map } = setup();
    mount(ctx);
    byTestId("tool-me").click();
    clickAt(30, 40);
    const [me] = doc.elements(map);
    expect(me.fields).toMatchObject({
      kind: ElementKind.PERSON,
      selfOf: ctx.me.id,
      label: ctx.me.name,
    });
    ctx.flush();
    expect(q(`g[data-id="${me.id}"]`).innerHTML).toContain(ctx.me.colour);
    byTestId("tool-me").click();
    clickAt(-60, 0);
    expect(doc.elements(map)).toHaveLength(1);
    expect(doc.element(me.id)!.fields.position).toMatchObject({ x: -60, y: 0 });
  });

  it("draws my sphere of influence, one per map", () => {
    const { doc, ctx, map } = setup();
    mount(ctx);
    for (const offset of [0, 500]) {
      byTestId("tool-sphere").click();
      clickAt(offset, 0);
      clickAt(offset + 100, 0);
      clickAt(offset, 100);
      key("Enter");
    }
    const spheres = doc.shapes(map);
    expect(spheres).toHaveLength(1);
    expect(spheres[0].fields.sphereOf).toBe(ctx.me.id);
    expect(spheres[0].fields.path!.points[0].x).toBe(500);
  });
});

describe("perspectives", () => {
  it("rates, shows everyone's values and the aggregate, and withdraws", () => {
    const { doc, ctx, map } = setup();
    ctx.others.push({ id: "bb02", name: "Bo", colour: "#2f8fd0", role: "participant" });
    const a = doc.createElement(map, {});
    doc.takeChanges();
    mount(ctx);
    clickAt(0, 0, bodyOf(a));
    byTestId("perspective-4").click();
    expect(doc.perspectives(a).get("strength")!.values.get(ctx.me.id)).toBe(4);
    doc.setPerspective(a, "strength", "bb02", 1);
    ctx.flush();
    const panel = q(".cv-perspective");
    expect(panel.textContent).toContain("Bo");
    expect(panel.textContent).toContain("Ada");
    expect(byTestId("perspective-summary").textContent).toContain("2 people");
    expect(byTestId("perspective-4").getAttribute("aria-pressed")).toBe("true");
    // 4 and 1: spread 1.5, so the map marks the disagreement.
    expect(document.querySelector(`g[data-id="${a}"] .cv-halo`)).not.toBeNull();
    byTestId("toggle-disagreement").click();
    expect(document.querySelector(`g[data-id="${a}"] .cv-halo`)).toBeNull();
    byTestId("perspective-withdraw").click();
    expect(doc.perspectives(a).get("strength")!.values.has(ctx.me.id)).toBe(false);
  });
});

describe("presence", () => {
  function others(ctx: FakeContext, map: string, otherMap: string, selected: string[]) {
    ctx.others.push(
      {
        id: "bb02",
        name: "Bo",
        colour: "#2f8fd0",
        role: "participant",
        presence: create(PresenceStateSchema, {
          map: keyToId(map),
          cursor: { x: 10, y: 20 },
          selection: selected.map(keyToId),
          viewport: { x: 300, y: 100, zoom: 2 },
        }),
      },
      {
        id: "cc03",
        name: "Cy",
        colour: "#e0752f",
        role: "participant",
        presence: create(PresenceStateSchema, { map: keyToId(otherMap), cursor: { x: 0, y: 0 } }),
      },
    );
  }

  it("shows cursors and selections of those on this map", () => {
    const { doc, ctx, maps } = setup({ maps: 2 });
    const a = doc.createElement(maps[0], {});
    doc.takeChanges();
    mount(ctx);
    others(ctx, maps[0], maps[1], [a]);
    ctx.presenceChanged();
    const cursors = document.querySelectorAll(".cv-cursor");
    expect([...cursors].map((c) => c.textContent)).toEqual(["Bo"]);
    expect((cursors[0] as SVGGElement).style.transform).toBe(
      `translate(${OX + 10}px, ${OY + 20}px)`,
    );
    expect(q(`g[data-id="${a}"] .cv-remote-ring`).getAttribute("stroke")).toBe("#2f8fd0");
    // The same cursor node moves on the next update; one leaving removes it.
    const node = cursors[0];
    ctx.others[0].presence!.cursor = create(CursorSchema, { x: 50, y: 60 });
    ctx.presenceChanged();
    expect(document.querySelector(".cv-cursor")).toBe(node);
    expect((node as SVGGElement).style.transform).toBe(`translate(${OX + 50}px, ${OY + 60}px)`);
    ctx.others.splice(0, 1);
    ctx.presenceChanged();
    expect(document.querySelectorAll(".cv-cursor")).toHaveLength(0);
    expect(document.querySelectorAll(".cv-remote-ring")).toHaveLength(0);
  });

  it("sends my map, cursor, selection and viewport", () => {
    const { doc, ctx, map } = setup();
    const a = doc.createElement(map, {});
    doc.takeChanges();
    const v = mount(ctx);
    pointer(byTestId("map-canvas"), "pointermove", 5, 6);
    clickAt(0, 0, bodyOf(a));
    v.setViewport({ x: 1, y: 2, zoom: 3 });
    const sent = ctx.presenceSent;
    expect(sent.every((p) => p.map?.counter === keyToId(map).counter)).toBe(true);
    expect(sent.some((p) => p.cursor?.x === 5 && p.cursor?.y === 6)).toBe(true);
    expect(
      sent.some((p) => p.selection?.length === 1 && p.selection[0].counter === keyToId(a).counter),
    ).toBe(true);
    expect(sent.at(-1)!.viewport).toEqual({ x: 1, y: 2, zoom: 3 });
  });

  it("follows a participant's viewport until I pan myself", async () => {
    const { ctx, maps } = setup({ maps: 2 });
    const v = mount(ctx);
    others(ctx, maps[0], maps[1], []);
    const ended: unknown[] = [];
    v.element.addEventListener("followchange", (e) =>
      ended.push((e as CustomEvent).detail.memberId),
    );
    v.follow("bb02");
    await vi.waitFor(() => expect(v.viewport()).toEqual({ x: 300, y: 100, zoom: 2 }));
    expect(ctx.presenceSent.some((p) => p.following === "bb02")).toBe(true);
    byTestId("map-canvas").dispatchEvent(
      new WheelEvent("wheel", { bubbles: true, cancelable: true, deltaX: 0, deltaY: 40 }),
    );
    expect(ended).toEqual([undefined]);
    const lastFollowing = ctx.presenceSent.filter((p) => p.following !== undefined).at(-1);
    expect(lastFollowing!.following).toBe("");
  });
});

describe("observers and read-only views", () => {
  it("disables every editing control for observers", () => {
    const { doc, ctx, map } = setup({ canEdit: false });
    const a = doc.createElement(map, { position: { x: 0, y: 0 } });
    doc.takeChanges();
    mount(ctx);
    expect(byTestId<HTMLButtonElement>("palette-person").disabled).toBe(true);
    expect(byTestId<HTMLButtonElement>("tool-connect").disabled).toBe(true);
    expect(byTestId<HTMLButtonElement>("tool-select").disabled).toBe(false);
    expect(document.querySelector('[data-testid="map-new"]')).toBeNull();
    clickAt(0, 0, bodyOf(a));
    expect(byTestId<HTMLInputElement>("panel-label").disabled).toBe(true);
    expect(byTestId<HTMLButtonElement>("panel-delete").disabled).toBe(true);
    expect(byTestId<HTMLButtonElement>("perspective-3").disabled).toBe(true);
    drag(bodyOf(a), [0, 0], [50, 50]);
    key("Delete");
    expect(doc.element(a)!.fields.position).toMatchObject({ x: 0, y: 0 });
    expect(doc.log.filter(([verb]) => verb !== "createElement" && verb !== "createMap")).toEqual(
      [],
    );
  });

  it("shows a given document read-only, without presence, repainting on request", () => {
    const { doc: live, ctx } = setup();
    const past = new FakeDocument();
    const map = past.createMap("Then");
    const a = past.createElement(map, { label: "Back then" });
    past.takeChanges();
    const v = mount(ctx, { doc: past, readOnly: true });
    expect(v.currentMap()).toBe(map);
    expect(byTestId("map-canvas").textContent).toContain("Back then");
    expect(byTestId<HTMLButtonElement>("palette-project").disabled).toBe(true);
    clickAt(0, 0, bodyOf(a));
    key("Delete");
    expect(past.element(a)).toBeDefined();
    expect(ctx.presenceSent).toEqual([]);
    past.updateElement(a, { label: "Later" });
    live.createElement(live.maps()[0].id, {});
    ctx.flush();
    expect(byTestId("map-canvas").textContent).toContain("Back then");
    v.repaint();
    expect(byTestId("map-canvas").textContent).toContain("Later");
  });
});

describe("with the CRDT document", () => {
  it("creates, connects, moves and removes through the real Document", () => {
    const doc = new Document(42n);
    const map = doc.createMap("Real");
    doc.takeChanges();
    const ctx = new FakeContext(doc as unknown as FakeDocument);
    mount(ctx);
    mouseClick(byTestId("palette-project"));
    clickAt(0, 0);
    mouseClick(byTestId("palette-practice"));
    clickAt(200, 0);
    const [a, b] = doc.elements(map).map((e) => e.id);
    ctx.flush();
    drag(q(`g[data-id="${a}"] .cv-handle`), [21, 0], [200, 0]);
    ctx.flush();
    drag(bodyOf(b), [200, 0], [260, 40]);
    ctx.flush();
    expect(doc.element(b)!.fields.position).toMatchObject({ x: 260, y: 40 });
    const [conn] = doc.connections(map);
    expect(conn).toMatchObject({ from: a, to: b });
    expect(q(`path.cv-conn-line[data-id="${conn.id}"]`)).not.toBeNull();
    // Select all three and delete them at once: no edit is refused.
    clickAt(260, 40, bodyOf(b));
    clickAt(0, 0, bodyOf(a), { shiftKey: true });
    clickAt(...connectionMiddle(conn.id), byTestId("map-canvas"), { shiftKey: true });
    key("Delete");
    ctx.flush();
    expect(ctx.toasts).toEqual([]);
    expect(doc.elements(map)).toHaveLength(0);
    expect(document.querySelectorAll("[data-entity]")).toHaveLength(0);
  });
});

describe("export", () => {
  it("exports a standalone SVG with inline styles and a legend", () => {
    const { doc, ctx, map } = setup();
    const a = doc.createElement(map, {
      kind: ElementKind.NETWORK,
      label: "Seed <network>",
      scale: ScaleLevel.GLOBAL,
      position: { x: 0, y: 0 },
    });
    const b = doc.createElement(map, { label: "B", position: { x: 100, y: 0 } });
    doc.createConnection(map, a, b, { kind: 3 });
    doc.takeChanges();
    const v = mount(ctx);
    clickAt(0, 0, bodyOf(a));
    const svg = v.exportSVG();
    const parsed = new DOMParser().parseFromString(svg, "image/svg+xml");
    expect(parsed.querySelector("parsererror")).toBeNull();
    expect(parsed.documentElement.getAttribute("xmlns")).toBe("http://www.w3.org/2000/svg");
    expect(parsed.documentElement.textContent).toContain("Seed <network>");
    expect(parsed.documentElement.textContent).toContain("Global");
    expect(parsed.documentElement.textContent).toContain("Funding");
    // No interactive leftovers: no selection rings, handles or hit areas.
    expect(svg).not.toMatch(/cv-sel-ring|cv-handle|cv-conn-hit|is-selected/);
    expect(parsed.querySelector("circle.cv-body")!.getAttribute("fill")).toMatch(/^#/);
  });
});

describe("find and focus", () => {
  /** a - b - c - d in a row, e apart; a and b are people. */
  function chain(options: { canEdit?: boolean } = {}) {
    const s = setup(options);
    const { doc, map } = s;
    const el = (label: string, x: number, kind = ElementKind.PROJECT, notes = "") =>
      doc.createElement(map, { label, kind, notes, position: { x, y: 0 } });
    const a = el("Ana Lopes", -300, ElementKind.PERSON);
    const b = el("Bo Trust", -100, ElementKind.PERSON);
    const c = el("Café Común", 100);
    const d = el("Dee Farm", 300, ElementKind.PROJECT, "grows beans for the café");
    const e = el("Elsewhere", 0);
    doc.updateElement(e, { position: { x: 0, y: 400 } });
    const ab = doc.createConnection(map, a, b, { kind: ConnectionKind.COLLABORATION });
    const cb = doc.createConnection(map, c, b, { kind: ConnectionKind.FUNDING });
    const cd = doc.createConnection(map, c, d, { kind: ConnectionKind.COLLABORATION });
    doc.takeChanges();
    return { ...s, a, b, c, d, e, ab, cb, cd };
  }

  const classOf = (id: string) => q(`[data-id="${id}"], [data-conn="${id}"]`).classList;
  /** Elements the search's rims go round (match-marks.ts: one path, a subpath each). */
  const rimCount = () =>
    document.querySelector(".cv-match-overlay .cv-match-rim")?.getAttribute("d")?.split("M")
      .length ?? 1;
  const rims = () => rimCount() - 1;
  /** The label the search shows for `id` over the map, if any. */
  const labelOf = (id: string) => document.querySelector(`.cv-match-overlay [data-match="${id}"]`);
  const typeInto = (input: HTMLInputElement, text: string) => {
    input.value = text;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  };

  it("opens with / and Ctrl+K, finds accent-blind, and Enter selects and goes there", async () => {
    const { ctx, c, d } = chain();
    const v = mount(ctx);
    const canvas = byTestId("map-canvas");
    canvas.focus();
    key("/", canvas);
    const input = byTestId<HTMLInputElement>("find-input");
    expect(document.activeElement).toBe(input);
    typeInto(input, "cafe");
    const options = [...document.querySelectorAll('[data-testid="find-results"] [role=option]')];
    // The label match first, then the notes match.
    expect(options.map((o) => o.getAttribute("data-id"))).toEqual([c, d]);
    expect(options[0].querySelector("mark")!.textContent).toBe("Café");
    expect(rims()).toBe(2);
    key("ArrowDown", input);
    expect(input.getAttribute("aria-activedescendant")).toBe(options[1].id);
    key("ArrowUp", input);
    key("Enter", input);
    expect(byTestId("find-input").closest(".cv-find")!.hasAttribute("hidden")).toBe(true);
    expect(classOf(c).contains("is-selected")).toBe(true);
    expect(rims()).toBe(0);
    await vi.waitFor(() => expect(v.viewport()).toMatchObject({ x: 100, y: 0 }));
    // Ctrl+K opens it again, Escape gives the focus back.
    key("k", canvas, { ctrlKey: true });
    expect(document.activeElement).toBe(input);
    key("Escape", input);
    expect(document.activeElement).toBe(canvas);
  });

  it("marks everything found and names the best 30 on the map, however far out", () => {
    const s = setup();
    const { doc, map, ctx } = s;
    const ids = Array.from({ length: 45 }, (_, i) =>
      doc.createElement(map, {
        label: `Well ${String(i).padStart(2, "0")}`,
        position: { x: i * 50, y: 0 },
      }),
    );
    doc.createElement(map, { label: "Pond", position: { x: 0, y: 300 } });
    doc.takeChanges();
    const v = mount(ctx);
    v.setViewport({ x: 1100, y: 0, zoom: 0.3 }); // far out: the map shows no labels
    const canvas = byTestId("map-canvas");
    canvas.focus();
    key("/", canvas);
    typeInto(byTestId<HTMLInputElement>("find-input"), "well");
    expect(rims()).toBe(45);
    // Best first: equal ranks and lengths go by label, so Well 00 to Well 29.
    expect(ids.filter((id) => labelOf(id))).toEqual(ids.slice(0, 30));
    expect(labelOf(ids[0])!.textContent).toBe("Well 00");
    expect(labelOf(ids[0])!.getAttribute("transform")).toBe(
      q(`[data-id="${ids[0]}"]`).getAttribute("transform"),
    );
    // The map's own nodes are left as they were.
    expect(classOf(ids[0]).contains("is-match")).toBe(false);
  });

  it("lets observers and read-only views search", () => {
    const { ctx, b } = chain({ canEdit: false });
    mount(ctx);
    byTestId("map-find").click();
    const input = byTestId<HTMLInputElement>("find-input");
    typeInto(input, "TRUST");
    key("Enter", input);
    expect(classOf(b).contains("is-selected")).toBe(true);
  });

  it("follows edits in the index", () => {
    const { doc, ctx, e } = chain();
    mount(ctx);
    doc.updateElement(e, { label: "Zebra crossing" });
    ctx.flush();
    byTestId("map-find").click();
    typeInto(byTestId<HTMLInputElement>("find-input"), "zebra");
    expect(document.querySelectorAll('[data-testid="find-results"] [role=option]')).toHaveLength(1);
  });

  it("fades what a filter leaves out, and the legend clears it", () => {
    const { ctx, a, b, c, ab, cb } = chain();
    mount(ctx);
    byTestId("map-filter").click();
    byTestId(`filter-kind-${ElementKind.PERSON}`).click();
    expect(classOf(a).contains("is-faded")).toBe(false);
    expect(classOf(c).contains("is-faded")).toBe(true);
    expect(classOf(ab).contains("is-faded")).toBe(false);
    expect(classOf(cb).contains("is-faded")).toBe(true);
    byTestId(`filter-connection-${ConnectionKind.FUNDING}`).click();
    expect(classOf(ab).contains("is-faded")).toBe(true);
    expect(classOf(b).contains("is-faded")).toBe(false);
    expect(byTestId("legend-filters").textContent).toContain("kind, connection");
    // Faded elements are no targets: a click there selects nothing.
    clickAt(100, 0, bodyOf(c));
    expect(classOf(c).contains("is-selected")).toBe(false);
    byTestId("legend-clear-filters").click();
    expect(document.querySelectorAll(".is-faded")).toHaveLength(0);
  });

  it("focuses on a neighbourhood 1, 2 or 3 steps around the selection", () => {
    const { ctx, a, b, c, d, e } = chain();
    mount(ctx);
    clickAt(-100, 0, bodyOf(b));
    byTestId("map-filter").click();
    byTestId("filter-focus").click();
    const faded = () => [a, b, c, d, e].filter((id) => classOf(id).contains("is-faded")).sort();
    expect(faded()).toEqual([d, e].sort());
    expect(classOf(b).contains("is-focus")).toBe(true);
    byTestId("filter-depth-2").click();
    expect(faded()).toEqual([e]);
    byTestId("filter-focus").click();
    expect(faded()).toEqual([]);
  });

  it("highlights a shortest path, picked by a click, or says there is none", () => {
    const { ctx, a, b, c, d, e, ab, cb, cd } = chain();
    mount(ctx);
    clickAt(-300, 0, bodyOf(a));
    byTestId("map-filter").click();
    byTestId("path-start").click();
    clickAt(300, 0, bodyOf(d));
    const marked = [...document.querySelectorAll(".is-path")].map(
      (n) => n.getAttribute("data-id") ?? n.getAttribute("data-conn"),
    );
    expect(marked.sort()).toEqual([a, b, c, d, ab, cb, cd].sort());
    expect(byTestId("path-message").textContent).toContain("3 steps");
    expect(byTestId("path-message").textContent).toContain("either way");
    // From d to e: nothing joins them.
    byTestId("path-start").click();
    clickAt(0, 400, bodyOf(e));
    expect(byTestId("path-message").textContent).toContain("No path joins");
    byTestId("path-clear").click();
    expect(document.querySelectorAll(".is-path")).toHaveLength(0);
  });
});
