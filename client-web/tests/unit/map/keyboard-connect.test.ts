// @vitest-environment jsdom
// The map from the keyboard: "]" and "[" step through elements in reading
// order, "c" opens "Connect to…" (type, arrows, Enter) and the new connection's
// kind takes focus; Escape gives focus back to what opened the picker.
import { afterEach, describe, expect, it } from "vitest";
import { filterCandidates } from "../../../src/map/connect-picker";
import { readingOrder, stepThrough } from "../../../src/map/keyboard-nav";
import { createMapView, type MapView } from "../../../src/map/map-view";
import { FakeContext, FakeDocument } from "./fake-doc";

let view: MapView | undefined;

afterEach(() => {
  view?.destroy();
  view = undefined;
  document.body.replaceChildren();
});

describe("reading order", () => {
  it("reads rows from the top, each left to right", () => {
    const order = readingOrder([
      { id: "c", x: 300, y: 10 },
      { id: "a", x: 0, y: 30 },
      { id: "d", x: 50, y: 200 },
      { id: "b", x: 100, y: 0 },
    ]);
    expect(order).toEqual(["a", "b", "c", "d"]);
  });

  it("steps round, from the ends when nothing is current", () => {
    const order = ["a", "b", "c"];
    expect(stepThrough(order, undefined, 1)).toBe("a");
    expect(stepThrough(order, undefined, -1)).toBe("c");
    expect(stepThrough(order, "c", 1)).toBe("a");
    expect(stepThrough(order, "a", -1)).toBe("c");
    expect(stepThrough([], "a", 1)).toBeUndefined();
  });
});

describe("connect candidates", () => {
  const candidates = [
    { id: "1", label: "Community Garden", kind: "Project" },
    { id: "2", label: "Garden Café", kind: "Institution" },
    { id: "3", label: "Bürgergarden", kind: "Community" },
  ];

  it("ranks a label's start, then a word's start, then anywhere; accent-blind", () => {
    expect(filterCandidates("garden", candidates).map((h) => h.id)).toEqual(["2", "1", "3"]);
    expect(filterCandidates("burger", candidates).map((h) => h.id)).toEqual(["3"]);
    expect(filterCandidates("", candidates)).toHaveLength(3);
    expect(filterCandidates("zebra", candidates)).toEqual([]);
  });

  it("marks where the query matched", () => {
    const [hit] = filterCandidates("café", candidates);
    expect(hit.text.slice(hit.start, hit.end)).toBe("Café");
  });
});

function threeOnAMap() {
  const doc = new FakeDocument();
  const map = doc.createMap("Map");
  const food = doc.createElement(map, { label: "Food Bank", position: { x: 0, y: 0 } });
  const growers = doc.createElement(map, { label: "Growers", position: { x: 200, y: 0 } });
  const tenants = doc.createElement(map, { label: "Tenants", position: { x: 0, y: 200 } });
  doc.takeChanges();
  view = createMapView(new FakeContext(doc, true));
  document.body.append(view.element);
  view.setViewport({ x: 0, y: 0, zoom: 1 });
  return { doc, map, food, growers, tenants };
}

const key = (target: Element, k: string) =>
  target.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));
const q = <T extends Element = HTMLElement>(selector: string) =>
  document.querySelector<T>(selector)!;

describe("the map from the keyboard", () => {
  it("steps through elements with ] and [, focused, selected and announced", () => {
    const { food, growers, tenants } = threeOnAMap();
    view!.focusCanvas();
    key(document.activeElement!, "]");
    expect(document.activeElement?.getAttribute("data-id")).toBe(food);
    expect(q("[data-testid=map-announce]").textContent).toContain("Food Bank");
    key(document.activeElement!, "]");
    expect(document.activeElement?.getAttribute("data-id")).toBe(growers);
    key(document.activeElement!, "]");
    expect(document.activeElement?.getAttribute("data-id")).toBe(tenants);
    key(document.activeElement!, "[");
    expect(document.activeElement?.getAttribute("data-id")).toBe(growers);
  });

  it("connects the selected element to the one picked, and focuses its kind", () => {
    const { doc, map, food, tenants } = threeOnAMap();
    view!.focusCanvas();
    key(document.activeElement!, "]");
    key(document.activeElement!, "c");
    const input = q<HTMLInputElement>("[data-testid=connect-input]");
    expect(document.activeElement).toBe(input);
    expect(q("[data-testid=connect-picker]").textContent).toContain("Connect “Food Bank” to…");
    input.value = "ten";
    input.dispatchEvent(new Event("input"));
    key(input, "Enter");
    const [connection] = doc.connections(map);
    expect(connection).toMatchObject({ from: food, to: tenants });
    expect(document.activeElement?.getAttribute("data-testid")).toBe("panel-kind");
    expect(q("[data-testid=connect-picker]").hidden).toBe(true);
  });

  it("gives focus back to the panel's Connect to… on Escape", () => {
    const { food } = threeOnAMap();
    view!.focusCanvas();
    key(document.activeElement!, "]");
    const button = q<HTMLButtonElement>("[data-testid=panel-connect]");
    button.focus();
    button.click();
    const input = q<HTMLInputElement>("[data-testid=connect-input]");
    expect(document.activeElement).toBe(input);
    key(input, "Escape");
    expect(document.activeElement).toBe(button);
    expect(document.querySelector(".cv-element.is-selected")?.getAttribute("data-id")).toBe(food);
  });

  it("after Enter in the label field, focus is on the element again", () => {
    const { food } = threeOnAMap();
    view!.focusCanvas();
    key(document.activeElement!, "]");
    const label = q<HTMLInputElement>("[data-testid=panel-label]");
    label.focus();
    label.value = "Food Bank North";
    key(label, "Enter");
    expect(document.activeElement?.getAttribute("data-id")).toBe(food);
  });
});
