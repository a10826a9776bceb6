// @vitest-environment jsdom
// The Layout menu, the pin toggle and the marker on the map view, against the
// real CRDT Document so that "one undo step" is the document's own.
import { afterEach, describe, expect, it } from "vitest";
import { ScaleLevel } from "../../../src/gen/convene/v1/ops_pb";
import { Document } from "../../../src/crdt/document";
import { createMapView, type MapView } from "../../../src/map/map-view";
import { FakeContext, type FakeDocument } from "./fake-doc";

let view: MapView | undefined;

afterEach(() => {
  view?.destroy();
  view = undefined;
  document.body.replaceChildren();
});

const byTestId = <T extends HTMLElement = HTMLElement>(id: string) => {
  const found = document.querySelector<T>(`[data-testid="${id}"]`);
  if (!found) throw new Error(`no ${id}`);
  return found;
};

/** A real Document with `n` elements piled near the centre, chained by connections. */
function setup(n: number, canEdit = true) {
  const doc = new Document(42n);
  const map = doc.createMap("Layout");
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(
      doc.createElement(map, {
        label: `Element ${i}`,
        position: { x: (i % 5) * 7, y: Math.floor(i / 5) * 7 },
        scale: [ScaleLevel.LOCAL, ScaleLevel.GLOBAL][i % 2],
      }),
    );
    if (i > 0) doc.createConnection(map, ids[i - 1], ids[i], {});
  }
  doc.undoCheckpoint();
  doc.takeChanges();
  const ctx = new FakeContext(doc as unknown as FakeDocument, canEdit);
  // The app's edited(true) closes the document's undo step.
  ctx.edited = (checkpoint?: boolean) => {
    if (checkpoint) doc.undoCheckpoint();
  };
  view = createMapView(ctx);
  document.body.append(view.element);
  return { doc, ctx, map, ids };
}

const positions = (doc: Document, ids: string[]) =>
  ids.map((id) => ({ ...doc.element(id)!.fields.position! }));

function runFromMenu(item: string): void {
  byTestId("layout-menu").click();
  byTestId(`layout-${item}`).click();
}

describe("the Layout menu", () => {
  it("lays out the map in one undo step, leaving pinned elements", () => {
    const { doc, ctx, ids } = setup(12);
    doc.updateElement(ids[3], { pinned: true });
    doc.undoCheckpoint();
    ctx.flush();
    const before = positions(doc, ids);
    runFromMenu("force");
    ctx.flush();
    const after = positions(doc, ids);
    expect(after[3]).toEqual(before[3]);
    const moved = ids.filter((_, i) => after[i].x !== before[i].x || after[i].y !== before[i].y);
    expect(moved.length).toBe(11);
    doc.undo();
    expect(positions(doc, ids)).toEqual(before);
    expect(doc.element(ids[3])!.fields.pinned).toBe(true);
  });

  it("is reachable from the keyboard and closes with Escape", () => {
    setup(3);
    const button = byTestId<HTMLButtonElement>("layout-menu");
    button.focus();
    button.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    expect(button.getAttribute("aria-expanded")).toBe("true");
    expect(document.activeElement).toBe(byTestId("layout-force"));
    document.activeElement!.dispatchEvent(
      new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }),
    );
    expect(document.activeElement).toBe(byTestId("layout-rings"));
    document.activeElement!.dispatchEvent(
      new KeyboardEvent("keydown", { key: "Escape", bubbles: true }),
    );
    expect(button.getAttribute("aria-expanded")).toBe("false");
    expect(document.activeElement).toBe(button);
    expect(byTestId("layout-hint").textContent).toContain("Pinned elements stay put");
  });

  it("is disabled for observers", () => {
    const { doc, ids } = setup(3, false);
    expect(byTestId<HTMLButtonElement>("layout-menu").disabled).toBe(true);
    const before = positions(doc, ids);
    byTestId("layout-menu").click();
    expect(byTestId("layout-menu").getAttribute("aria-expanded")).toBe("false");
    expect(positions(doc, ids)).toEqual(before);
  });

  it("lays out only the selection when asked", () => {
    const { doc, ctx, ids } = setup(10);
    view!.setViewport({ x: 0, y: 0, zoom: 1 });
    // Two elements apart from the pile, on top of each other.
    doc.updateElement(ids[0], { position: { x: 300, y: 200 } });
    doc.updateElement(ids[1], { position: { x: 305, y: 200 } });
    doc.undoCheckpoint();
    ctx.flush();
    const before = positions(doc, ids);
    // Click one, shift-click the other (jsdom: map point + (480, 320) is the client point).
    const click = (id: string, shiftKey: boolean) => {
      const p = doc.element(id)!.fields.position!;
      const body = document.querySelector(`g[data-id="${id}"] .cv-body`)!;
      for (const type of ["pointerdown", "pointerup"])
        body.dispatchEvent(
          new PointerEvent(type, {
            bubbles: true,
            cancelable: true,
            clientX: p.x + 480,
            clientY: p.y + 320,
            button: 0,
            pointerId: 1,
            shiftKey,
          }),
        );
    };
    click(ids[1], false);
    byTestId("layout-menu").click();
    expect(byTestId("layout-selection-only").hidden).toBe(true);
    byTestId("layout-menu").click();
    click(ids[0], true);
    expect(document.querySelectorAll(".cv-element.is-selected")).toHaveLength(2);
    byTestId("layout-menu").click();
    expect(byTestId("layout-selection-only").hidden).toBe(false);
    byTestId("layout-selection-only").click();
    byTestId("layout-overlaps").click();
    ctx.flush();
    const after = positions(doc, ids);
    for (let i = 2; i < ids.length; i++) expect(after[i]).toEqual(before[i]);
    const [a, b] = after;
    expect(Math.hypot(a.x - b.x, a.y - b.y)).toBeGreaterThan(80);
  });
});

describe("pinning", () => {
  it("pins from the panel and marks the element on the map", () => {
    const { doc, ctx, ids } = setup(2);
    const node = document.querySelector(`g[data-id="${ids[0]}"]`)!;
    node.dispatchEvent(new FocusEvent("focusin", { bubbles: true }));
    const pin = byTestId<HTMLButtonElement>("panel-pin");
    expect(pin.getAttribute("aria-pressed")).toBe("false");
    pin.click();
    ctx.flush();
    expect(doc.element(ids[0])!.fields.pinned).toBe(true);
    expect(pin.getAttribute("aria-pressed")).toBe("true");
    expect(document.querySelector(`g[data-id="${ids[0]}"] .cv-pin`)).not.toBeNull();
    expect(document.querySelector(`g[data-id="${ids[1]}"] .cv-pin`)).toBeNull();
    pin.click();
    ctx.flush();
    expect(doc.element(ids[0])!.fields.pinned).toBe(false);
    expect(document.querySelector(`g[data-id="${ids[0]}"] .cv-pin`)).toBeNull();
  });
});
