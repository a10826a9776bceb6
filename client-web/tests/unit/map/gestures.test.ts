// @vitest-environment jsdom
// Gestures on the map canvas: a long press on an element starts a connection,
// finished by dragging to the other end or by lifting and tapping it; zoom
// buttons clicked in quick succession each count.
// Coordinates as in map-view.test.ts: map point (x, y) is client (x + 480, y + 320).
import { afterEach, describe, expect, it, vi } from "vitest";
import { FakeContext, FakeDocument } from "./fake-doc";
import { mountMapView, OX, OY } from "./mounted-view";

afterEach(() => {
  vi.useRealTimers();
});

/** A map with elements at the given x (y = 0), shown at zoom 1 round (0, 0). */
function twoElements(canEdit = true) {
  const doc = new FakeDocument();
  const map = doc.createMap("Map");
  const a = doc.createElement(map, { position: { x: 0, y: 0 } });
  const b = doc.createElement(map, { position: { x: 200, y: 0 } });
  doc.takeChanges();
  const view = mountMapView(new FakeContext(doc, canEdit));
  return { doc, map, a, b, view };
}

function touch(type: string, x: number, y: number, target?: Element): void {
  const at = target ?? document.querySelector('[data-testid="map-canvas"]')!;
  at.dispatchEvent(
    new PointerEvent(type, {
      bubbles: true,
      cancelable: true,
      clientX: x + OX,
      clientY: y + OY,
      button: 0,
      pointerId: 7,
      pointerType: "touch",
    }),
  );
}

const body = (id: string) => document.querySelector(`g[data-id="${id}"] .cv-body`)!;

/** A finger held on the element at (0, 0) past the long press, then lifted where it was. */
function longPressAndLift(id: string): void {
  touch("pointerdown", 0, 0, body(id));
  vi.advanceTimersByTime(600);
  touch("pointerup", 0, 0);
}

describe("long press", () => {
  it("held on an element and dragged to another, connects them", () => {
    vi.useFakeTimers();
    const { doc, map, a, b } = twoElements();
    touch("pointerdown", 0, 0, body(a));
    vi.advanceTimersByTime(600);
    expect(document.querySelector(`g[data-id="${a}"]`)!.classList).toContain("is-connect-source");
    touch("pointermove", 100, 0);
    touch("pointermove", 198, 2);
    touch("pointerup", 198, 2);
    expect(doc.connections(map)).toMatchObject([{ from: a, to: b }]);
    expect(doc.element(a)!.fields.position).toMatchObject({ x: 0, y: 0 });
  });

  it("held, lifted, then a tap on another element connects them", () => {
    vi.useFakeTimers();
    const { doc, map, a, b } = twoElements();
    longPressAndLift(a);
    expect(doc.connections(map)).toEqual([]);
    touch("pointerdown", 200, 0, body(b));
    touch("pointerup", 200, 0);
    expect(doc.connections(map)).toMatchObject([{ from: a, to: b }]);
  });

  it("a tap on empty map after the long press gives up the connection", () => {
    vi.useFakeTimers();
    const { doc, map, a, b } = twoElements();
    longPressAndLift(a);
    touch("pointerdown", 100, 150);
    touch("pointerup", 100, 150);
    touch("pointerdown", 200, 0, body(b));
    touch("pointerup", 200, 0);
    expect(doc.connections(map)).toEqual([]);
  });

  it("a drag started before the press is long moves the element instead", () => {
    vi.useFakeTimers();
    const { doc, map, a } = twoElements();
    touch("pointerdown", 0, 0, body(a));
    touch("pointermove", 30, 0);
    vi.advanceTimersByTime(600);
    touch("pointermove", 60, 0);
    touch("pointerup", 60, 0);
    expect(doc.connections(map)).toEqual([]);
    expect(doc.element(a)!.fields.position).toMatchObject({ x: 60, y: 0 });
  });

  it("an observer's long press connects nothing", () => {
    vi.useFakeTimers();
    const { doc, map, a } = twoElements(false);
    touch("pointerdown", 0, 0, body(a));
    vi.advanceTimersByTime(600);
    touch("pointermove", 198, 2);
    touch("pointerup", 198, 2);
    expect(doc.connections(map)).toEqual([]);
  });
});

describe("zoom buttons", () => {
  it("count every click, even while the last zoom still glides", () => {
    vi.useFakeTimers({ toFake: ["requestAnimationFrame", "cancelAnimationFrame", "performance"] });
    const { view } = twoElements();
    const zoomIn = document.querySelector<HTMLButtonElement>('[data-testid="zoom-in"]')!;
    zoomIn.click();
    vi.advanceTimersByTime(50);
    zoomIn.click();
    vi.advanceTimersByTime(1000);
    expect(view.viewport().zoom).toBeCloseTo(1.4 * 1.4);
  });
});
