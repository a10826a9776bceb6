// A large map (500 elements, 400 connections, spread over 10,000 units) in
// Debian's Chromium: while its view moves, the <svg> is moved as a layer and
// redrawn once the view rests (view-layer.ts), and only what is near the view
// stays in the DOM (culling.ts). What a person does must not notice: a click
// during a wheel pan selects what is under the pointer, drags pan, keyboard
// stepping reaches elements that were out of the DOM, and zooming out brings
// every element back. A map of thousands of elements seen whole is painted
// on a canvas (far-view.ts), and an element clicked there is selected and
// dragged.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { Document } from "../../src/crdt/document";
import { ElementKind } from "../../src/gen/convene/v1/ops_pb";
import {
  elementCentre,
  farCounts,
  mapConnections,
  mapElements,
  mapView,
  openSeeded,
  poll,
  screenOf,
  shots,
  useE2E,
  waitSaved,
} from "./harness";

const e2e = useE2E();

const SIDE = 25; // 25 x 20 elements on a grid 420 units apart
const ROWS = 20;

/**
 * `rows` x `side` elements on a grid 420 units apart, each joined to its
 * right-hand neighbour in the first `linked` columns.
 */
function gridLandscape(replica: bigint, rows = ROWS, side = SIDE, linked = 20) {
  const doc = new Document(replica);
  const map = doc.createMap("Wide landscape");
  const ids: string[] = [];
  for (let row = 0; row < rows; row++)
    for (let col = 0; col < side; col++)
      ids.push(
        doc.createElement(map, {
          label: `Place ${row}-${col}`,
          kind: col % 2 ? ElementKind.PROJECT : ElementKind.COMMUNITY,
          position: { x: col * 420, y: row * 420 },
        }),
      );
  for (let row = 0; row < rows; row++)
    for (let col = 0; col < linked; col++)
      doc.createConnection(map, ids[row * side + col], ids[row * side + col + 1], {});
  return { ops: doc.takeOutbox(), ids };
}

/** The view has rested and been redrawn: the <svg> carries no moving transform. */
async function redrawn(page: Page): Promise<void> {
  await poll(() =>
    mapView(page)
      .getByTestId("map-canvas")
      .evaluate((svg) => (svg as SVGSVGElement).style.transform),
  ).toBe("");
}

async function selectedIds(page: Page): Promise<string[]> {
  return mapView(page)
    .locator("g.cv-element.is-selected")
    .evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-id") ?? ""));
}

/**
 * The element drawn nearest the middle of the box the map is shown in (not
 * the <svg>'s box, which moves with a moving view), and its screen centre.
 */
async function elementInView(page: Page): Promise<{ id: string; at: { x: number; y: number } }> {
  const box = (await mapView(page).locator(".cv-stage").boundingBox())!;
  const found = await mapElements(page).evaluateAll((nodes, box) => {
    const mx = box.x + box.width / 2;
    const my = box.y + box.height / 2;
    let best: { id: string; at: { x: number; y: number }; d: number } | undefined;
    for (const n of nodes) {
      const r = n.querySelector(".cv-body")!.getBoundingClientRect();
      const at = { x: r.x + r.width / 2, y: r.y + r.height / 2 };
      const d = Math.hypot(at.x - mx, at.y - my);
      if (!best || d < best.d) best = { id: n.getAttribute("data-id")!, at, d };
    }
    return best && best.d < Math.min(box.width, box.height) / 2 - 40 ? best : undefined;
  }, box);
  expect(found, "an element well inside the view").toBeDefined();
  return { id: found!.id, at: found!.at };
}

describe("a large map", () => {
  it("pans, zooms, selects and steps through elements near and far", async () => {
    const ana = await e2e.client("Ana Lima");
    const page = ana.page;
    const { ids } = await openSeeded(e2e.server, ana, "Wide landscape", (replica) =>
      gridLandscape(replica),
    );
    // Fitted to the whole map: everything is near the view.
    await poll(() => mapElements(page).count()).toBe(ids.length);
    await poll(() => mapConnections(page).count()).toBe(400);
    await waitSaved(page);

    // ---- zoom in at the middle: once redrawn, far elements leave the DOM.
    const canvas = (await mapView(page).getByTestId("map-canvas").boundingBox())!;
    const middle = { x: canvas.x + canvas.width / 2, y: canvas.y + canvas.height / 2 };
    await page.mouse.move(middle.x, middle.y);
    await page.keyboard.down("Control");
    for (let i = 0; i < 8; i++) await page.mouse.wheel(0, -120);
    await page.keyboard.up("Control");
    await redrawn(page);
    const near = await mapElements(page).count();
    expect(near).toBeGreaterThan(0);
    expect(near).toBeLessThan(ids.length / 2);
    await shots(page, "large-map-zoomed-in");

    // ---- a wheel pan, and a click while the view is still moving: the
    // element under the pointer is selected.
    for (let i = 0; i < 3; i++) await page.mouse.wheel(60, 40);
    const target = await elementInView(page);
    await page.mouse.click(target.at.x, target.at.y);
    await poll(() => selectedIds(page)).toEqual([target.id]);
    await redrawn(page);
    // Redrawn where it was: the same element is still under the same point.
    const again = await elementCentre(page, target.id);
    expect(Math.abs(again.x - target.at.x)).toBeLessThan(3);
    expect(Math.abs(again.y - target.at.y)).toBeLessThan(3);

    // ---- a drag on empty map pans: the selected element moves with the view.
    await page.keyboard.press("Escape");
    const empty = { x: target.at.x + 210 * 0.5, y: target.at.y + 210 * 0.5 };
    const hit = await page.evaluate(
      ({ x, y }) => document.elementFromPoint(x, y)?.closest("[data-entity]") ?? null,
      empty,
    );
    expect(hit).toBeNull();
    await page.mouse.move(empty.x, empty.y);
    await page.mouse.down();
    await page.mouse.move(empty.x - 300, empty.y - 200, { steps: 15 });
    await page.mouse.up();
    await redrawn(page);
    const moved = await elementCentre(page, target.id);
    expect(Math.abs(moved.x - (target.at.x - 300))).toBeLessThan(3);
    expect(Math.abs(moved.y - (target.at.y - 200))).toBeLessThan(3);

    // ---- keyboard: "]" steps through every element in reading order,
    // bringing in the ones that were out of the DOM.
    await mapView(page).getByTestId("map-canvas").focus();
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press("]");
      await poll(async () => (await selectedIds(page)).length).toBe(1);
      const [id] = await selectedIds(page);
      seen.add(id);
      const focused = await page.evaluate(() =>
        document.activeElement?.closest("[data-entity]")?.getAttribute("data-id"),
      );
      expect(focused).toBe(id);
    }
    expect(seen.size).toBe(30);

    // ---- zoom back out to the whole map: every element is drawn again.
    await page.keyboard.press("Escape");
    await page.mouse.move(middle.x, middle.y);
    await page.keyboard.down("Control");
    for (let i = 0; i < 16; i++) await page.mouse.wheel(0, 120);
    await page.keyboard.up("Control");
    await redrawn(page);
    await poll(() => mapElements(page).count()).toBe(ids.length);
    await shots(page, "large-map-zoomed-out");
  });

  it("paints one of thousands of elements seen whole, where a click still selects and drags", async () => {
    // 2,100 elements and 2,030 connections: past the far view's 4,000 entities.
    const ana = await e2e.client("Ana Lima");
    const page = ana.page;
    const { ids } = await openSeeded(e2e.server, ana, "Wide landscape", (replica) =>
      gridLandscape(replica, 35, 60, 58),
    );
    // Fitted to the whole map, far out: painted on the far view's canvas,
    // with no SVG node built for any of it.
    await poll(() => farCounts(page)).toEqual({
      elements: ids.length,
      connections: 35 * 58,
    });
    expect(await mapElements(page).count()).toBe(0);
    await waitSaved(page);
    await shots(page, "large-map-far");

    // A click on a painted element selects it: it is drawn as SVG over the
    // canvas, and the canvas paints one fewer.
    const picked = ids[17 * 60 + 30];
    const pickedAt = await screenOf(page, { x: 30 * 420, y: 17 * 420 });
    await page.mouse.click(pickedAt.x, pickedAt.y);
    await poll(() => selectedIds(page)).toEqual([picked]);
    await poll(async () => (await farCounts(page)).elements).toBe(ids.length - 1);
    const drawn = await elementCentre(page, picked);
    expect(Math.abs(drawn.x - pickedAt.x)).toBeLessThan(2);
    expect(Math.abs(drawn.y - pickedAt.y)).toBeLessThan(2);
    // A drag on it moves it; Undo puts it back.
    await page.mouse.down();
    await page.mouse.move(pickedAt.x + 40, pickedAt.y, { steps: 5 });
    await page.mouse.up();
    await poll(async () => (await elementCentre(page, picked)).x).toBeGreaterThan(pickedAt.x + 30);
    await page.keyboard.press("Control+z");
    await poll(async () => (await elementCentre(page, picked)).x).toBeLessThan(pickedAt.x + 2);

    // Zoomed in, what is near the view is SVG again and the canvas paints nothing.
    await page.keyboard.press("Escape");
    await page.mouse.move(pickedAt.x, pickedAt.y);
    await page.keyboard.down("Control");
    for (let i = 0; i < 10; i++) await page.mouse.wheel(0, -120);
    await page.keyboard.up("Control");
    await redrawn(page);
    await poll(async () => (await farCounts(page)).elements).toBe(0);
    expect(await mapElements(page).count()).toBeGreaterThan(0);
    await shots(page, "large-map-far-zoomed-in");
  });
});
