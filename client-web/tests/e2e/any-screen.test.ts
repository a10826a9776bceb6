// The map and drafts on any screen and by any hand: axe-core finds no serious
// or critical violation on the map (desktop and phone), the side panel, the
// drafts and a dialog; at 1280 px a convener's map toolbar keeps to one line;
// on a phone (390 × 844, touch) a tap selects, a drag moves, the side panel is
// a bottom sheet that opens, grows and collapses, and a draft is edited; from
// the keyboard alone, the skip links, find, "Connect to…" and Escape bring
// focus where one expects. With CONVENE_SHOTS_DIR set, screenshots of each
// screen at phone, tablet (768 × 1024) and desktop size are saved there.
import path from "node:path";
import { mkdir } from "node:fs/promises";
import type { BrowserContext, Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  checkA11y,
  createConvening,
  createFirstDraft,
  createFirstMap,
  draftEditor,
  elementCentre,
  mapElements,
  mapView,
  onCanvas,
  placeElement,
  poll,
  readMap,
  shots,
  useE2E,
  waitSaved,
  WAIT_MS,
  type Client,
} from "./harness";

const e2e = useE2E();

const PHONE = { width: 390, height: 844 };
const TABLET = { width: 768, height: 1024 };

/** What the page shows at its current size, as <name>.png in CONVENE_SHOTS_DIR. */
async function shot(page: Page, name: string): Promise<void> {
  const dir = process.env.CONVENE_SHOTS_DIR;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  await frames(page);
  await page.screenshot({ path: path.join(dir, `${name}.png`) });
}

/** shots() (phone and desktop) and the tablet size besides; the page ends at desktop size. */
async function everySize(page: Page, name: string): Promise<void> {
  if (!process.env.CONVENE_SHOTS_DIR) return;
  await page.setViewportSize(TABLET);
  await shot(page, `${name}-tablet`);
  await shots(page, name);
}

function frames(page: Page): Promise<unknown> {
  return page.evaluate(
    () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
  );
}

/** A phone: its own context (touch, mobile viewport), its page errors collected. */
async function phoneClient(name: string): Promise<Client & { errors: string[] }> {
  const context: BrowserContext = await e2e.browser.newContext({
    viewport: PHONE,
    hasTouch: true,
    isMobile: true,
    deviceScaleFactor: 2,
  });
  context.setDefaultTimeout(WAIT_MS);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.stack ?? error.message));
  return { name, colour: 3, context, page, errors };
}

/** A finger pressed at `from`, moved to `to` in steps and lifted (Chromium's touch input). */
async function touchDrag(
  page: Page,
  from: { x: number; y: number },
  to: { x: number; y: number },
  steps = 10,
): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const at = (p: { x: number; y: number }) => [{ x: Math.round(p.x), y: Math.round(p.y) }];
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: at(from) });
  for (let i = 1; i <= steps; i++) {
    const t = i / steps;
    await cdp.send("Input.dispatchTouchEvent", {
      type: "touchMove",
      touchPoints: at({ x: from.x + (to.x - from.x) * t, y: from.y + (to.y - from.y) * t }),
    });
  }
  await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  await cdp.detach();
}

/** A box once it has stopped moving (a transition ended): two reads 100 ms apart agree. */
async function restingBox(
  locator: Locator,
): Promise<{ x: number; y: number; width: number; height: number }> {
  let last = "";
  let box: { x: number; y: number; width: number; height: number } | null = null;
  await poll(async () => {
    box = await locator.boundingBox();
    const now = JSON.stringify(box);
    const still = now === last;
    last = now;
    if (!still) await new Promise((resolve) => setTimeout(resolve, 100));
    return still && box !== null;
  }, "the box comes to rest").toBe(true);
  return box!;
}

/** The data-testid (or data-id, for map elements) of what has focus. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const active = document.activeElement;
    const testid = active?.getAttribute("data-testid");
    if (testid) return testid;
    const id = active?.getAttribute("data-id");
    return id ? `element:${id}` : "";
  });
}

/** Three elements on a new map: Food Bank, Growers Co-op and Tenants Union. */
async function threeElements(page: Page, spread = 1): Promise<string[]> {
  await createFirstMap(page);
  const box = (await mapView(page).getByTestId("map-canvas").boundingBox())!;
  const at = (fx: number, fy: number) => onCanvas(page, box.width * fx, box.height * fy);
  const ids = [
    await placeElement(page, "institution", await at(0.3, 0.3 * spread), "Food Bank"),
    await placeElement(page, "project", await at(0.6, 0.45 * spread), "Growers Co-op"),
    await placeElement(page, "community", await at(0.35, 0.6 * spread), "Tenants Union"),
  ];
  await waitSaved(page);
  return ids;
}

describe("the map and drafts on any screen", () => {
  it("passes axe-core on the map, the panel, the drafts and a dialog; the toolbar keeps to one line at 1280 px", async () => {
    const client = await e2e.client("Ada");
    const { page } = client;
    await createConvening(e2e.server, client, "Riverside food");
    await threeElements(page);

    // A convener's toolbar (Find, Filter, Layout, Views, New map…) on one line.
    const toolbar = mapView(page).locator(".cv-toolbar");
    const row = await toolbar.evaluate((bar) => ({
      // One line of 32 px buttons and its padding; two would be over 80.
      height: bar.getBoundingClientRect().height < 60,
      overflow: bar.scrollWidth - bar.clientWidth,
    }));
    expect(row, "the map toolbar at 1280 px is one line").toEqual({ height: true, overflow: 0 });
    // Its icon-only tools keep their names.
    for (const tool of ["select", "connect", "boundary", "region"])
      expect(
        await mapView(page).getByTestId(`tool-${tool}`).getAttribute("aria-label"),
      ).toBeTruthy();

    // The side panel with an element selected, then the map alone.
    await checkA11y(page);
    await everySize(page, "map-selected");
    await page.keyboard.press("Escape");
    await checkA11y(page);
    await everySize(page, "map");

    // The header's menu on a narrow screen.
    await page.setViewportSize(PHONE);
    await page.getByTestId("header-more").click();
    await poll(() => page.getByTestId("export").isVisible()).toBe(true);
    await checkA11y(page);
    await shot(page, "header-menu-phone");
    await page.keyboard.press("Escape");
    await poll(() => focused(page)).toBe("header-more");
    await poll(() => page.getByTestId("export").isVisible()).toBe(false);
    await page.setViewportSize({ width: 1280, height: 800 });

    // The drafts.
    await createFirstDraft(page, "Call for partners");
    await draftEditor(page).click();
    await page.keyboard.type("# Who we are looking for\n\nGrowers, cooks and tenants.");
    await checkA11y(page);
    await everySize(page, "drafts");

    // A dialog.
    await page.getByTestId("share").click();
    await page.locator("dialog[open]").waitFor();
    await checkA11y(page);
    await shot(page, "dialog-desktop");
    await page.keyboard.press("Escape");
    await poll(() => focused(page)).toBe("share");
  });

  it("on a phone: tap to select, drag to move, the bottom sheet, and a draft", async () => {
    const phone = await phoneClient("Bea");
    const { page } = phone;
    try {
      await createConvening(e2e.server, phone, "Phone convening");
      const [food, growers] = await threeElements(page, 0.6);
      // The map takes the screen's width; the sheet's peek never covers it all.
      const canvas = (await mapView(page).getByTestId("map-canvas").boundingBox())!;
      expect(canvas.width).toBe(PHONE.width);
      const sheet = mapView(page).locator(".sheet");
      await page.keyboard.press("Escape");
      await poll(() => sheet.getAttribute("data-state")).toBe("collapsed");
      const peek = (await page.getByTestId("sheet-peek").boundingBox())!;
      expect(peek.height).toBeLessThan(canvas.height / 4);
      await shot(page, "phone-map");

      // Tap to select: the peek names it.
      await page.touchscreen.tap(...xy(await elementCentre(page, growers)));
      await poll(() => page.getByTestId("sheet-peek").textContent()).toContain("Growers Co-op");
      await poll(() =>
        mapView(page).locator("g.cv-element.is-selected").getAttribute("data-id"),
      ).toBe(growers);
      await checkA11y(page);
      await shot(page, "phone-selected");

      // Drag to move.
      const before = (await readMap(page)).elements.find((e) => e.id === growers)!;
      const start = await elementCentre(page, growers);
      await touchDrag(page, start, { x: start.x - 60, y: start.y + 80 });
      await poll(async () => {
        const after = (await readMap(page)).elements.find((e) => e.id === growers)!;
        return Math.hypot(after.x - before.x, after.y - before.y) > 40;
      }, "the element follows the finger").toBe(true);
      await waitSaved(page);

      // The sheet: a tap opens it half way, its button to full height, a swipe down collapses it.
      await page.getByTestId("sheet-peek").tap();
      await poll(() => sheet.getAttribute("data-state")).toBe("half");
      await poll(() => mapView(page).getByTestId("panel-label").isVisible()).toBe(true);
      await checkA11y(page);
      await shot(page, "phone-sheet-half");
      await page.getByTestId("sheet-size").tap();
      await poll(() => sheet.getAttribute("data-state")).toBe("full");
      const full = (await sheet.boundingBox())!;
      expect(full.y, "a strip of the map stays in sight").toBeGreaterThan(canvas.y + 20);
      await shot(page, "phone-sheet-full");
      // The sheet glides to its height: take the grip where it comes to rest.
      const grip = await restingBox(page.getByTestId("sheet-peek"));
      const from = { x: grip.x + grip.width / 2, y: grip.y + grip.height / 2 };
      await touchDrag(page, from, { x: from.x, y: from.y + 600 }, 6);
      await poll(() => sheet.getAttribute("data-state")).toBe("collapsed");
      // Escape collapses an open sheet and leaves focus on its peek.
      await page.getByTestId("sheet-peek").tap();
      await poll(() => sheet.getAttribute("data-state")).toBe("half");
      await page.getByTestId("sheet-size").focus();
      await page.keyboard.press("Escape");
      await poll(() => sheet.getAttribute("data-state")).toBe("collapsed");
      expect(await focused(page)).toBe("sheet-peek");
      // The element tapped at first is still where it was.
      expect((await readMap(page)).elements.some((e) => e.id === food)).toBe(true);

      // The header's actions behind "More".
      await page.getByTestId("header-more").tap();
      await poll(() => page.getByTestId("share").isVisible()).toBe(true);
      await shot(page, "phone-header-menu");
      await page.getByTestId("header-more").tap();

      // A draft, written on the phone; every toolbar action within the screen.
      await createFirstDraft(page, "Phone draft");
      await draftEditor(page).tap();
      await page.keyboard.type("Written on a phone.");
      await poll(() => draftEditor(page).inputValue()).toContain("Written on a phone.");
      const view = page.locator(".shell > .main > .drafts-view");
      for (const button of await view.locator(".draft-toolbar button").all()) {
        const box = (await button.boundingBox())!;
        expect(box.x + box.width, (await button.textContent()) ?? "").toBeLessThanOrEqual(
          PHONE.width,
        );
        expect(box.height).toBeGreaterThanOrEqual(40);
      }
      await checkA11y(page);
      await shot(page, "phone-drafts");
      await waitSaved(page);
      expect(phone.errors, "errors thrown in the phone's page").toEqual([]);
    } finally {
      await phone.context.close();
    }
  });

  it("from the keyboard: skip links, find, Connect to… and focus after Enter and Escape", async () => {
    const client = await e2e.client("Cy");
    const { page } = client;
    await createConvening(e2e.server, client, "Keyboard convening");
    const [food, growers, tenants] = await threeElements(page);
    // After Enter in the label field, focus is on the element just labelled.
    expect(await focused(page)).toBe(`element:${tenants}`);
    await page.keyboard.press("Escape");

    // The skip links come first: the first Tab after the page loads reaches them.
    await page.reload();
    await page.locator("[data-testid=status][data-state=saved]").waitFor();
    await mapElements(page).first().waitFor();
    await page.keyboard.press("Tab");
    expect(await focused(page)).toBe("skip-map");
    await page.keyboard.press("Tab");
    expect(await focused(page)).toBe("skip-panel");
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Enter");
    expect(await focused(page)).toBe("map-canvas");

    // Elements in reading order with "]": each selected, focused and announced.
    await page.keyboard.press("]");
    expect(await focused(page)).toBe(`element:${food}`);
    await poll(() => page.getByTestId("map-announce").textContent()).toContain("Food Bank");
    await page.keyboard.press("]");
    expect(await focused(page)).toBe(`element:${growers}`);

    // "c" opens Connect to…; Escape gives focus back to the element.
    await page.keyboard.press("c");
    await poll(() => focused(page)).toBe("connect-input");
    await checkA11y(page);
    await page.keyboard.press("Escape");
    expect(await focused(page)).toBe(`element:${growers}`);
    expect(await page.getByTestId("connect-picker").isVisible()).toBe(false);

    // Find selects one ("/"), Connect to… (the panel's button) connects it to another.
    await page.keyboard.press("/");
    await page.keyboard.type("tenants");
    await page.keyboard.press("Enter");
    await poll(() =>
      mapView(page).locator("g.cv-element.is-selected").getAttribute("data-id"),
    ).toBe(tenants);
    await mapView(page).getByTestId("panel-connect").focus();
    await page.keyboard.press("Enter");
    await poll(() => focused(page)).toBe("connect-input");
    await page.keyboard.type("food");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowUp");
    await page.keyboard.press("Enter");
    // Focus lands on the new connection's kind; the map draws it from Tenants to Food Bank.
    await poll(() => focused(page)).toBe("panel-kind");
    await poll(async () => (await readMap(page)).connections).toEqual([
      expect.objectContaining({ from: tenants, to: food }),
    ]);
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Tab");
    expect(await focused(page)).toBe("panel-direction");
    await waitSaved(page);

    // Skip to panel: focus in the side panel.
    await page.getByTestId("skip-panel").focus();
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.classList.contains("cv-panel"))).toBe(
      true,
    );
  });
});

function xy(p: { x: number; y: number }): [number, number] {
  return [p.x, p.y];
}
