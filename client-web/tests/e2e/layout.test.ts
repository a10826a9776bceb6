// Automatic layout with two browsers on one convening: the convener builds a
// map of about forty connected elements, pins one and lays the map out; an
// observer sees every element arrive at the same place, the pinned one
// untouched, and sees one Undo put everything back. Arranging by scale puts
// local elements nearer the centre than global ones. With CONVENE_SHOTS_DIR
// set, screenshots before and after each layout are kept there.
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import {
  byId,
  createConvening,
  createFirstMap,
  joinWithInvite,
  mapElements,
  mapView,
  onCanvas,
  poll,
  readMap,
  shots,
  useE2E,
  waitSaved,
  type ShownElement,
} from "./harness";

const e2e = useE2E();

const COLUMNS = 8;
const ROWS = 5;
/** Scale levels by element: local and global alternate with some between. */
const SCALES = [1, 5, 1, 2, 5, 1, 5, 3];

/** Places an element of `kind` at a screen point, labels it and sets its scale. */
async function place(
  page: Page,
  kind: string,
  at: { x: number; y: number },
  label: string,
  scale: number,
): Promise<string> {
  const view = mapView(page);
  const before = await mapElements(page).count();
  await view.getByTestId(`palette-${kind}`).click();
  await page.mouse.click(at.x, at.y);
  await poll(() => mapElements(page).count()).toBe(before + 1);
  const selected = view.locator("g.cv-element.is-selected[data-id]");
  await poll(() => selected.count()).toBe(1);
  const id = (await selected.getAttribute("data-id"))!;
  const field = view.getByTestId("panel-label");
  await field.fill(label);
  await field.press("Enter");
  await view.getByTestId("panel-scale").selectOption(String(scale));
  return id;
}

/** Connects two elements with the connect tool (a short drag between their centres). */
async function connect(page: Page, from: ShownElement, to: ShownElement): Promise<void> {
  const canvas = mapView(page).getByTestId("map-canvas");
  const [a, b] = await canvas.evaluate(
    (svg, ids) =>
      ids.map((id) => {
        const g = svg.querySelector(`g[data-id="${id}"][data-kind]`) as SVGGElement;
        const m = g.getScreenCTM()!;
        return { x: m.e, y: m.f };
      }),
    [from.id, to.id],
  );
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 4 });
  await page.mouse.up();
}

const positions = (elements: ShownElement[]) =>
  byId(elements).map((e) => ({ id: e.id, x: e.x, y: e.y }));

async function runLayout(page: Page, item: string): Promise<void> {
  await mapView(page).getByTestId("layout-menu").click();
  await mapView(page).getByTestId(`layout-${item}`).click();
}

/** Lets a glide finish before a screenshot. */
async function settle(page: Page): Promise<void> {
  await page.waitForTimeout(600);
}

describe("automatic layout", () => {
  it("lays out a shared map, keeps the pinned element, and undoes in one step", async () => {
    const ana = await e2e.client("Ana Lima");
    const convening = await createConvening(e2e.server, ana, "Watershed layout");
    await createFirstMap(ana.page);
    const kinds = ["institution", "project", "community", "network", "person", "practice"];
    const ids: string[] = [];
    for (let i = 0; i < COLUMNS * ROWS; i++) {
      const at = await onCanvas(
        ana.page,
        250 + (i % COLUMNS) * 90,
        90 + Math.floor(i / COLUMNS) * 100,
      );
      ids.push(
        await place(ana.page, kinds[i % kinds.length], at, `E${i}`, SCALES[i % SCALES.length]),
      );
    }
    // A chain through the grid and a few links across it.
    await mapView(ana.page).getByTestId("tool-connect").click();
    const shown = new Map((await readMap(ana.page)).elements.map((e) => [e.id, e]));
    const pairs: [number, number][] = [];
    for (let i = 1; i < ids.length; i++) pairs.push([i - 1, i]);
    for (let i = 0; i + 9 < ids.length; i += 5) pairs.push([i, i + 9]);
    for (const [a, b] of pairs) await connect(ana.page, shown.get(ids[a])!, shown.get(ids[b])!);
    await mapView(ana.page).getByTestId("tool-select").click();
    await poll(async () => (await readMap(ana.page)).connections.length).toBe(pairs.length);
    await waitSaved(ana.page);

    // The observer joins and sees the same map.
    const olu = await e2e.client("Olu Bello");
    await joinWithInvite(e2e.server, olu, convening.id, convening.invites.observer);
    await poll(async () => positions((await readMap(olu.page)).elements)).toEqual(
      positions((await readMap(ana.page)).elements),
    );
    // Observers cannot lay out.
    expect(await mapView(olu.page).getByTestId("layout-menu").isDisabled()).toBe(true);

    // Ana pins one element in the middle.
    const pinned = ids[19];
    const pinnedNode = mapView(ana.page).locator(`g[data-id="${pinned}"][data-kind]`);
    await pinnedNode.locator(".cv-body").click();
    await mapView(ana.page).getByTestId("panel-pin").click();
    await poll(() => pinnedNode.locator(".cv-pin").count()).toBe(1);
    await waitSaved(ana.page);
    // A server built before ElementFields.pinned stores the op without it, so
    // the observer cannot see the pin then (the layout still keeps it, as the
    // browser that runs it knows).
    const exported = await e2e.server.exportJson(convening.id, convening.convenerToken);
    const serverKnowsPinned = exported.maps[0].elements.some(
      (e) => e.id === pinned && (e as { pinned?: boolean }).pinned === true,
    );
    if (serverKnowsPinned) {
      await poll(() =>
        mapView(olu.page).locator(`g[data-id="${pinned}"][data-kind] .cv-pin`).count(),
      ).toBe(1);
    } else {
      console.warn("layout e2e: this convene-server predates `pinned`: observer's pin not checked");
    }
    await mapView(ana.page).getByTestId("zoom-fit").click();
    await shots(ana.page, "layout-0-before");

    const before = positions((await readMap(ana.page)).elements);
    await runLayout(ana.page, "force");
    await waitSaved(ana.page);
    const after = positions((await readMap(ana.page)).elements);
    const moved = after.filter((p, i) => p.x !== before[i].x || p.y !== before[i].y);
    expect(moved.length).toBe(ids.length - 1);
    expect(after.find((p) => p.id === pinned)).toEqual(before.find((p) => p.id === pinned));
    await poll(async () => positions((await readMap(olu.page)).elements)).toEqual(after);
    await mapView(ana.page).getByTestId("zoom-fit").click();
    await settle(ana.page);
    await shots(ana.page, "layout-1-force");
    await settle(olu.page);
    await shots(olu.page, "layout-1-force-observer");

    // One Undo puts every element back, here and there.
    await ana.page.getByTestId("undo").click();
    await waitSaved(ana.page);
    expect(positions((await readMap(ana.page)).elements)).toEqual(before);
    await poll(async () => positions((await readMap(olu.page)).elements)).toEqual(before);

    // Arrange by scale: local elements nearer the centre than global ones.
    await runLayout(ana.page, "rings");
    await waitSaved(ana.page);
    const rings = (await readMap(ana.page)).elements;
    const scaleOf = new Map(ids.map((id, i) => [id, SCALES[i % SCALES.length]]));
    const free = rings.filter((e) => e.id !== pinned);
    const centre = {
      x: free.reduce((s, e) => s + e.x, 0) / free.length,
      y: free.reduce((s, e) => s + e.y, 0) / free.length,
    };
    const distances = (scale: number) =>
      free
        .filter((e) => scaleOf.get(e.id) === scale)
        .map((e) => Math.hypot(e.x - centre.x, e.y - centre.y));
    expect(Math.max(...distances(1))).toBeLessThan(Math.min(...distances(5)));
    await poll(async () => positions((await readMap(olu.page)).elements)).toEqual(positions(rings));
    await mapView(ana.page).getByTestId("zoom-fit").click();
    await settle(ana.page);
    await shots(ana.page, "layout-2-rings");

    await runLayout(ana.page, "bands");
    await waitSaved(ana.page);
    await mapView(ana.page).getByTestId("zoom-fit").click();
    await settle(ana.page);
    await shots(ana.page, "layout-3-bands");
  }, 600_000);
});
