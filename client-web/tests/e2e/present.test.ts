// Saved views and presentation mode: a convener saves two views (different
// viewports and filters), a participant sees them listed, the convener
// presents, steps to the second and asks all to follow; the participant's map
// shows that view's viewport and fades what its filter leaves out, until the
// presentation ends. Screenshots of the Views card and of presenting at
// desktop and phone size (CONVENE_SHOTS_DIR).
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { ElementKind } from "../../src/gen/convene/v1/ops_pb";
import {
  createConvening,
  createFirstMap,
  joinWithInvite,
  mapView,
  onCanvas,
  placeElement,
  poll,
  shots,
  useE2E,
  waitSaved,
} from "./harness";

const e2e = useE2E();

/** The map point at the centre of the canvas and the zoom, read off the drawing. */
async function centreOf(page: Page): Promise<{ x: number; y: number; zoom: number }> {
  return mapView(page).evaluate((root) => {
    const svg = root.querySelector("svg.cv-canvas")!.getBoundingClientRect();
    const transform = root.querySelector("g.cv-viewport")!.getAttribute("transform") ?? "";
    const [tx, ty, zoom] = (transform.match(/-?[\d.]+(e-?\d+)?/g) ?? []).map(Number);
    return { x: (svg.width / 2 - tx) / zoom, y: (svg.height / 2 - ty) / zoom, zoom };
  });
}

function near(a: { x: number; y: number; zoom: number }, b: typeof a): boolean {
  return Math.abs(a.x - b.x) < 2 && Math.abs(a.y - b.y) < 2 && Math.abs(a.zoom / b.zoom - 1) < 0.01;
}

/**
 * Shows a view saved on a smaller canvas: the same centre, and the same area
 * fitted, so zoomed in at least as far (presenting hides the toolbar and panel).
 */
function showsSavedArea(a: { x: number; y: number; zoom: number }, saved: typeof a): boolean {
  return Math.abs(a.x - saved.x) < 2 && Math.abs(a.y - saved.y) < 2 && a.zoom >= saved.zoom * 0.99;
}

const faded = (page: Page, id: string) =>
  mapView(page)
    .locator(`g[data-id="${id}"]`)
    .evaluate((g) => g.classList.contains("is-faded"));

async function saveView(page: Page, name: string): Promise<void> {
  const map = mapView(page);
  if (!(await map.getByTestId("views-card").isVisible()))
    await map.getByTestId("views-menu").click();
  await map.getByTestId("view-save").click();
  const dialog = page.getByTestId("view-name-dialog");
  await dialog.getByTestId("view-name").fill(name);
  await dialog.getByTestId("view-name-ok").click();
  await dialog.waitFor({ state: "detached" });
  await poll(() => map.locator(".cv-view-label").allTextContents()).toContain(name);
}

describe("saved views and presenting", () => {
  it("a presenter's views reach followers with their viewport and filter", async () => {
    const ana = await e2e.client("Ana Lima");
    const convening = await createConvening(e2e.server, ana, "Presented convening");
    await createFirstMap(ana.page);
    const trust = await placeElement(
      ana.page,
      "institution",
      await onCanvas(ana.page, 300, 200),
      "River Trust",
    );
    const pilot = await placeElement(
      ana.page,
      "project",
      await onCanvas(ana.page, 600, 400),
      "Wetland pilot",
    );
    await ana.page.keyboard.press("Escape");
    await waitSaved(ana.page);

    // View 1: everything, as it is. View 2: projects only, zoomed in.
    await saveView(ana.page, "The whole landscape");
    const first = await centreOf(ana.page);
    await ana.page.keyboard.press("Escape");
    const map = mapView(ana.page);
    await map.getByTestId("map-filter").click();
    await map.getByTestId(`filter-kind-${ElementKind.PROJECT}`).click();
    await poll(() => faded(ana.page, trust)).toBe(true);
    await map.getByTestId("map-filter").click();
    for (let i = 0; i < 2; i++) await map.getByTestId("zoom-in").click();
    await poll(async () => (await centreOf(ana.page)).zoom).toBeGreaterThan(first.zoom * 1.5);
    await saveView(ana.page, "Projects up close");
    const second = await centreOf(ana.page);
    await ana.page.keyboard.press("Escape");
    await waitSaved(ana.page);

    // Bo joins and finds both views, in order.
    const bo = await e2e.client("Bo Park");
    await joinWithInvite(e2e.server, bo, convening.id, convening.invites.participant);
    await poll(() => mapView(bo.page).locator("g.cv-element").count()).toBe(2);
    await mapView(bo.page).getByTestId("views-menu").click();
    await poll(() => mapView(bo.page).locator(".cv-view-label").allTextContents()).toEqual([
      "The whole landscape",
      "Projects up close",
    ]);
    await shots(bo.page, "present-views-list");
    await bo.page.setViewportSize({ width: 1280, height: 800 });
    await bo.page.keyboard.press("Escape");
    expect(await faded(bo.page, trust)).toBe(false);

    // Ana presents: the first view, then the second; she asks all to follow.
    await map.getByTestId("present").click();
    const bar = map.getByTestId("present-bar");
    await bar.waitFor();
    await poll(() => map.getByTestId("present-count").textContent()).toBe("1 / 2");
    expect(await map.getByTestId("present-title").textContent()).toBe("The whole landscape");
    expect(await map.locator(".cv-toolbar").isVisible()).toBe(false);
    await poll(async () => showsSavedArea(await centreOf(ana.page), first)).toBe(true);
    await ana.page.keyboard.press("ArrowRight");
    await poll(() => map.getByTestId("present-title").textContent()).toBe("Projects up close");
    expect(await map.getByTestId("present-count").textContent()).toBe("2 / 2");
    await poll(async () => showsSavedArea(await centreOf(ana.page), second)).toBe(true);
    expect(await faded(ana.page, trust)).toBe(true);
    await map.getByTestId("present-ask-follow").click();

    // Bo follows: the second view's viewport, and its filter fades River Trust.
    await bo.page.getByText("Following Ana Lima's view").waitFor();
    // Where Ana's screen shows the view (its area fitted to her full screen).
    await poll(async () => near(await centreOf(bo.page), await centreOf(ana.page))).toBe(true);
    await poll(() => faded(bo.page, trust)).toBe(true);
    expect(await faded(bo.page, pilot)).toBe(false);
    await shots(ana.page, "present-presenting");
    await ana.page.setViewportSize({ width: 1280, height: 800 });
    await shots(bo.page, "present-following");

    // Ana ends the presentation: her map as before, Bo's filter his own again.
    await ana.page.keyboard.press("Escape");
    await bar.waitFor({ state: "detached" });
    expect(await map.locator(".cv-toolbar").isVisible()).toBe(true);
    await poll(() => faded(ana.page, trust)).toBe(true);
    await poll(() => faded(bo.page, trust)).toBe(false);
  });
});
