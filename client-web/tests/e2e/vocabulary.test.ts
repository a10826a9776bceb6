// A map's own vocabulary between two browsers: Ana defines a field, a custom
// kind and style rules in the Vocabulary dialog, places an element of her
// kind, fills in its field and tags it; Bo sees the tag, the value, the rule's
// colour and the legend's entries, and Ana's undo of the tag takes the colour
// away in Bo's page too.
import path from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  createConvening,
  createFirstMap,
  elementCentre,
  joinWithInvite,
  mapView,
  onCanvas,
  poll,
  shots,
  useE2E,
  waitSaved,
  type Client,
} from "./harness";

const e2e = useE2E();

const GOLD = "#d4a017";
const GREEN = "#3f9a4a";

/** The stroke of an element's body: the colour it is drawn in. */
function bodyColour(client: Client, id: string): Promise<string | null> {
  return mapView(client.page).locator(`g[data-id="${id}"] .cv-body`).getAttribute("stroke");
}

describe("a map's vocabulary", () => {
  it("is defined in one browser and drawn, listed and undone in the other", async () => {
    const ana = await e2e.client("Ana Lima");
    const convening = await createConvening(e2e.server, ana, "Health and care landscape");
    await createFirstMap(ana.page);
    const bo = await e2e.client("Bo Park");
    await joinWithInvite(e2e.server, bo, convening.id, convening.invites.participant);
    await mapView(bo.page).getByTestId("map-picker").waitFor();
    const anaMap = mapView(ana.page);
    const boMap = mapView(bo.page);

    // ---- Ana defines the vocabulary ----
    await anaMap.getByTestId("map-vocabulary").click();
    const dialog = ana.page.getByTestId("vocabulary-dialog");
    await dialog.waitFor();
    await dialog.getByTestId("vocab-add-field").click();
    const fieldName = dialog.getByTestId("vocab-field-name");
    await poll(() => fieldName.evaluate((f) => f === document.activeElement)).toBe(true);
    await fieldName.fill("Budget");
    await fieldName.press("Enter");
    await dialog.getByTestId("vocab-field-type").selectOption({ label: "Choice" });
    const choices = dialog.getByTestId("vocab-field-choices");
    await choices.fill("low\nhigh");
    await choices.press("Tab");

    await dialog.getByTestId("vocab-add-kind").click();
    const kindName = dialog.getByTestId("vocab-kind-name");
    await kindName.fill("Funder");
    await kindName.press("Enter");
    await dialog.getByTestId("vocab-kind-colour").selectOption({ label: "Green" });

    await dialog.getByTestId("vocab-new-rule-match").selectOption({ label: "a tag" });
    await dialog.getByTestId("vocab-new-rule-value").fill("funder");
    await dialog.getByTestId("vocab-add-rule").click();
    const rules = dialog.getByTestId("vocab-rules").locator(":scope > li");
    await poll(() => rules.count()).toBe(1);
    await rules.nth(0).getByTestId("vocab-rule-colour").selectOption({ label: "Gold" });
    await dialog.getByTestId("vocab-new-rule-match").selectOption({ label: "Budget =" });
    await dialog.getByTestId("vocab-new-rule-value").fill("high");
    await dialog.getByTestId("vocab-add-rule").click();
    await poll(() => rules.count()).toBe(2);
    await rules.nth(1).getByTestId("vocab-rule-colour").selectOption({ label: "Colour as is" });
    await rules.nth(1).getByTestId("vocab-rule-size").selectOption({ label: "Large" });
    await shots(ana.page, "vocabulary-dialog");
    await dialog.getByTestId("vocab-done").click();
    await dialog.waitFor({ state: "detached" });

    // ---- Ana places a Funder, fills in its budget and tags it ----
    const funderButton = anaMap.locator(".cv-palette-custom .cv-palette-item", {
      hasText: "Funder",
    });
    await funderButton.click();
    await ana.page.mouse.click(...xy(await onCanvas(ana.page, 640, 330)));
    const selected = anaMap.locator("g.cv-element.is-selected[data-id]");
    await poll(() => selected.count()).toBe(1);
    const id = (await selected.getAttribute("data-id"))!;
    const label = anaMap.getByTestId("panel-label");
    await label.fill("Regional health fund");
    await label.press("Enter");
    await poll(() => bodyColour(ana, id)).toBe(GREEN);
    await anaMap.getByLabel("Budget").selectOption("high");
    const tagInput = anaMap.getByTestId("panel-tag-input");
    await tagInput.fill("funder");
    await tagInput.press("Enter");
    await poll(() => bodyColour(ana, id)).toBe(GOLD);
    await waitSaved(ana.page);
    await shots(ana.page, "vocabulary-panel");
    await phoneSheetShot(ana.page, "vocabulary-panel-open");

    // ---- Bo sees it all ----
    await poll(() => bodyColour(bo, id)).toBe(GOLD);
    expect(await boMap.locator(`g[data-id="${id}"] circle.cv-body`).getAttribute("r")).toBe("30");
    expect(await boMap.locator(`g[data-id="${id}"]`).getAttribute("data-kind")).toBe("institution");
    const centre = await elementCentre(bo.page, id);
    await bo.page.mouse.click(centre.x, centre.y);
    await poll(() => boMap.getByTestId("panel-label").inputValue()).toBe("Regional health fund");
    const boChips = boMap.getByTestId("panel-tag");
    await poll(() => boChips.allTextContents()).toEqual(["funder×"]);
    expect(await boMap.getByLabel("Budget").inputValue()).toBe("high");
    expect(await boMap.locator(".cv-panel-sub").textContent()).toContain("Funder");
    const legend = boMap.getByTestId("legend-vocabulary");
    await poll(() => legend.textContent()).toContain("tag: funder → gold");
    expect(await legend.textContent()).toContain("Budget = high → large");
    expect(await legend.textContent()).toContain("Funder");
    expect(await boMap.locator(".cv-palette-custom").textContent()).toContain("Funder");
    await shots(bo.page, "vocabulary-legend");

    // ---- Ana's undo takes the tag, and the gold, away for Bo ----
    await ana.page.getByTestId("undo").click();
    await poll(() => bodyColour(ana, id)).toBe(GREEN);
    await poll(() => bodyColour(bo, id)).toBe(GREEN);
    await poll(() => boChips.count()).toBe(0);
    // The budget's rule still makes it large.
    expect(await boMap.locator(`g[data-id="${id}"] circle.cv-body`).getAttribute("r")).toBe("30");

    // ---- the server stored the same vocabulary ----
    await waitSaved(ana.page);
    const exported = (await e2e.server.exportJson(
      convening.id,
      convening.convenerToken,
    )) as unknown as {
      maps: {
        fields?: { name: string; choices: string[] }[];
        kinds?: { name: string }[];
        style_rules?: unknown[];
        elements: { id: string; tags?: string[]; custom_kind?: string }[];
      }[];
    };
    const map = exported.maps[0];
    expect(map.fields?.map((f) => [f.name, f.choices])).toEqual([["Budget", ["low", "high"]]]);
    expect(map.kinds?.map((k) => k.name)).toEqual(["Funder"]);
    expect(map.style_rules).toHaveLength(2);
    const element = map.elements.find((e) => e.id === id)!;
    expect(element.tags ?? []).toEqual([]);
    expect(element.custom_kind).toBeTruthy();
  });
});

/**
 * On a phone the panel is a sheet under the map: opened, scrolled to the
 * tags and fields, and photographed (when CONVENE_SHOTS_DIR asks for shots).
 */
async function phoneSheetShot(page: Page, name: string): Promise<void> {
  const dir = process.env.CONVENE_SHOTS_DIR;
  if (!dir) return;
  await page.setViewportSize({ width: 390, height: 844 });
  const peek = page.getByTestId("sheet-peek");
  if (await peek.isVisible()) await peek.click();
  await mapView(page).getByTestId("panel-tags").scrollIntoViewIfNeeded();
  await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(dir, `${name}-phone.png`) });
  if (await peek.isVisible()) await peek.click();
  await page.setViewportSize({ width: 1280, height: 800 });
}

function xy(p: { x: number; y: number }): [number, number] {
  return [p.x, p.y];
}
