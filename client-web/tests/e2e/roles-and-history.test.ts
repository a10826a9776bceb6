// Roles and time: an observer follows everything live but cannot change
// anything; the convener's undo and redo travel to everyone like any edit;
// the History tab replays the log to earlier states and names versions.
import { describe, expect, it } from "vitest";
import {
  byId,
  createConvening,
  createFirstDraft,
  createFirstMap,
  draftEditor,
  drag,
  elementCentre,
  joinWithInvite,
  mapElements,
  mapFromExport,
  mapView,
  onCanvas,
  placeElement,
  poll,
  readMap,
  screenshot,
  shots,
  useE2E,
  waitSaved,
  type Client,
  type Convening,
} from "./harness";

const e2e = useE2E();

async function headSeq(convening: Convening): Promise<number> {
  return (await e2e.server.exportJson(convening.id, convening.convenerToken)).head_seq;
}

/** The position of one element in the server's export. */
async function exportedPosition(convening: Convening, id: string) {
  const exported = await e2e.server.exportJson(convening.id, convening.convenerToken);
  return exported.maps[0].elements.find((e) => e.id === id)?.position;
}

/** The position the live map view draws one element at. */
async function shownPosition(client: Client, id: string) {
  const element = (await readMap(client.page)).elements.find((e) => e.id === id);
  return element && { x: element.x, y: element.y };
}

/** Every button of the palette, with its disabled attribute. */
async function paletteDisabled(client: Client): Promise<boolean[]> {
  return mapView(client.page)
    .locator(".cv-palette-item")
    .evaluateAll((buttons) => buttons.map((b) => b.hasAttribute("disabled")));
}

describe("roles and history", () => {
  it("an observer sees live changes with every editing control disabled", async () => {
    const ana = await e2e.client("Ana Lima");
    const convening = await createConvening(e2e.server, ana, "Observed convening");
    await createFirstMap(ana.page);
    const trust = await placeElement(
      ana.page,
      "institution",
      await onCanvas(ana.page, 400, 250),
      "River Trust",
    );
    await createFirstDraft(ana.page, "Call");
    await draftEditor(ana.page).click();
    await ana.page.keyboard.type("First words.");
    await waitSaved(ana.page);

    // The Invite dialog shows the convener both links, as the browser keeps them.
    await ana.page.getByTestId("share").click();
    const dialog = ana.page.getByTestId("share-dialog");
    for (const kind of ["participant", "observer"] as const) {
      expect(await dialog.getByTestId(`invite-${kind}`).inputValue()).toBe(
        `${e2e.server.url}/c/${convening.id}#invite=${convening.invites[kind]}`,
      );
    }
    await dialog.getByRole("button", { name: "Done" }).click();
    await dialog.waitFor({ state: "detached" });

    const olu = await e2e.client("Olu Observer");
    await joinWithInvite(e2e.server, olu, convening.id, convening.invites.observer);
    const page = olu.page;
    await poll(() => mapElements(page).count()).toBe(1);

    // The map: palette, editing tools, undo and redo are disabled.
    await poll(() => paletteDisabled(olu)).toEqual(Array(8).fill(true));
    for (const tool of ["connect", "boundary", "region", "sphere", "me"]) {
      expect(await mapView(page).getByTestId(`tool-${tool}`).isDisabled(), tool).toBe(true);
    }
    expect(await mapView(page).getByTestId("tool-select").isDisabled()).toBe(false);
    expect(await mapView(page).getByTestId("map-new").count()).toBe(0);
    expect(await page.getByTestId("undo").isDisabled()).toBe(true);
    expect(await page.getByTestId("redo").isDisabled()).toBe(true);
    // Selecting shows the details, read-only.
    const at = await elementCentre(page, trust);
    await page.mouse.click(at.x, at.y);
    const label = mapView(page).getByTestId("panel-label");
    await poll(() => label.inputValue()).toBe("River Trust");
    for (const field of [
      "panel-label",
      "panel-kind",
      "panel-scale",
      "panel-notes",
      "panel-delete",
    ]) {
      expect(await mapView(page).getByTestId(field).isDisabled(), field).toBe(true);
    }
    // Keys that would edit do nothing: Delete, arrows (nudge), Ctrl+Z.
    await page.keyboard.press("Delete");
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("Control+z");
    expect(await mapElements(page).count()).toBe(1);

    // The drafts: the editor is read-only and typing changes nothing.
    await page.getByTestId("tab-drafts").click();
    const editor = draftEditor(page);
    await poll(() => editor.inputValue()).toBe("First words.");
    expect(await editor.getAttribute("readonly")).not.toBeNull();
    expect(await page.getByTestId("draft-new").first().isDisabled()).toBe(true);
    expect(await page.getByTestId("variant-new").isDisabled()).toBe(true);
    await editor.click();
    await page.keyboard.type("observer typing");
    expect(await editor.inputValue()).toBe("First words.");

    // Ana's edits arrive live in the observer's page.
    await draftEditor(ana.page).click();
    await ana.page.keyboard.press("Control+End");
    await ana.page.keyboard.type(" More words.");
    await poll(() => editor.inputValue()).toBe("First words. More words.");
    await ana.page.getByTestId("tab-map").click();
    await placeElement(ana.page, "project", await onCanvas(ana.page, 700, 250), "Wetland pilot");
    await page.getByTestId("tab-map").click();
    await poll(() => mapElements(page).count()).toBe(2);
    await waitSaved(ana.page);
    // Nothing the observer did reached the server: only Ana's edits did.
    const exported = await e2e.server.exportJson(convening.id, convening.convenerToken);
    expect(exported.drafts[0].variants[0].text).toBe("First words. More words.");
    expect(exported.maps[0].elements.map((e) => e.label).sort()).toEqual([
      "River Trust",
      "Wetland pilot",
    ]);
    // No edit was even attempted: the server refused nothing (no error shown).
    expect(await page.locator("[data-testid=toast][data-kind=error]").count()).toBe(0);
    expect(byId((await readMap(page)).elements)).toEqual(
      byId(mapFromExport(exported.maps[0]).elements),
    );

    // The history view: no naming versions either.
    await page.getByTestId("tab-history").click();
    expect(await page.getByTestId("version-name").isDisabled()).toBe(true);
    await screenshot(page, "observer-history");
  });

  it("undo and redo reach everyone; history shows earlier states and names versions", async () => {
    const ana = await e2e.client("Ana Lima");
    const convening = await createConvening(e2e.server, ana, "History convening");
    await createFirstMap(ana.page);
    await placeElement(ana.page, "institution", await onCanvas(ana.page, 350, 250), "River Trust");
    await waitSaved(ana.page);
    const afterFirstElement = await headSeq(convening);

    await createFirstDraft(ana.page, "Call");
    await draftEditor(ana.page).click();
    await ana.page.keyboard.type("First words.");
    await waitSaved(ana.page);
    const afterFirstWords = await headSeq(convening);
    await ana.page.keyboard.type(" Later words.");
    await ana.page.getByTestId("tab-map").click();
    const pilot = await placeElement(
      ana.page,
      "project",
      await onCanvas(ana.page, 650, 250),
      "Wetland pilot",
    );
    await waitSaved(ana.page);

    const bo = await e2e.client("Bo Park");
    await joinWithInvite(e2e.server, bo, convening.id, convening.invites.participant);
    await poll(() => mapElements(bo.page).count()).toBe(2);

    // ---- undo and redo of a move ----
    const original = await exportedPosition(convening, pilot);
    const from = await elementCentre(ana.page, pilot);
    await drag(ana.page, from, { x: from.x + 40, y: from.y + 160 });
    await waitSaved(ana.page);
    const moved = await exportedPosition(convening, pilot);
    expect(moved).not.toEqual(original);

    /** Ana's page, Bo's page and the export all put the pilot at `where`. */
    const everywhere = async (where: typeof original, step: string) => {
      await waitSaved(ana.page);
      await poll(() => exportedPosition(convening, pilot), `${step}: export`).toEqual(where);
      await poll(() => shownPosition(ana, pilot), `${step}: Ana`).toEqual(where);
      await poll(() => shownPosition(bo, pilot), `${step}: Bo`).toEqual(where);
    };
    await everywhere(moved, "moved");
    await ana.page.keyboard.press("Control+z");
    await everywhere(original, "Ctrl+Z");
    await ana.page.keyboard.press("Control+Shift+z");
    await everywhere(moved, "Ctrl+Shift+Z");
    await ana.page.getByTestId("undo").click();
    await everywhere(original, "undo button");
    await ana.page.getByTestId("redo").click();
    await everywhere(moved, "redo button");
    expect(await ana.page.getByTestId("redo").isDisabled()).toBe(true);

    // ---- the timeslider ----
    const head = await headSeq(convening);
    await ana.page.getByTestId("tab-history").click();
    const slider = ana.page.getByTestId("history-slider");
    await poll(() => slider.getAttribute("max")).toBe(String(head));
    expect(await slider.inputValue()).toBe(String(head));
    const stage = ana.page.locator(".history-stage");
    const stageElements = stage.locator("g.cv-element[data-id][data-kind]");
    await poll(() => stageElements.count()).toBe(2);

    /** Moves the slider with the keyboard, as a person would: Home or End, then arrows. */
    const slideTo = async (seq: number) => {
      await slider.focus();
      const fromStart = seq < head / 2;
      await ana.page.keyboard.press(fromStart ? "Home" : "End");
      for (let i = 0; i < (fromStart ? seq : head - seq); i++) {
        await ana.page.keyboard.press(fromStart ? "ArrowRight" : "ArrowLeft");
      }
      await poll(() => slider.inputValue()).toBe(String(seq));
    };

    // Right after the first element: one element, the one the export had then.
    await slideTo(afterFirstElement);
    const then = await e2e.server.exportJson(
      convening.id,
      convening.convenerToken,
      afterFirstElement,
    );
    expect(then.maps[0].elements.map((e) => e.label)).toEqual(["River Trust"]);
    await poll(() => stageElements.count()).toBe(1);
    expect(await stage.locator("g.cv-element text.cv-label").textContent()).toBe("River Trust");
    expect(await ana.page.getByTestId("history-label").textContent()).toContain(
      `Change ${afterFirstElement} of ${head}`,
    );
    await screenshot(ana.page, "history-earlier-map");

    // Right after the first words: the earlier text, as the export had it then.
    await slideTo(afterFirstWords);
    const earlier = await e2e.server.exportJson(
      convening.id,
      convening.convenerToken,
      afterFirstWords,
    );
    expect(earlier.drafts[0].variants[0].text).toBe("First words.");
    await ana.page.getByTestId("history-tab-drafts").click();
    const historyEditor = stage.getByTestId("draft-editor");
    await poll(() => historyEditor.inputValue()).toBe("First words.");
    expect(await historyEditor.getAttribute("readonly")).not.toBeNull();

    // ---- naming this version (the button asks with prompt()) ----
    ana.page.once("dialog", (dialog) => {
      expect(dialog.type()).toBe("prompt");
      void dialog.accept("Sent to funders");
    });
    await ana.page.getByTestId("version-name").click();
    const versions = ana.page.getByTestId("history-versions");
    const item = versions.locator(`li[data-seq="${afterFirstWords}"]`);
    await poll(() => item.textContent()).toContain("Sent to funders");
    // Signed with Ana's replica secret: the server names her from her record.
    expect(await item.textContent()).toContain("Ana Lima");
    expect(await e2e.server.versions(convening.id, convening.convenerToken)).toEqual([
      expect.objectContaining({
        seq: afterFirstWords,
        name: "Sent to funders",
        author: "Ana Lima",
      }),
    ]);
    await screenshot(ana.page, "history-version");
    await shots(ana.page, "history-version");

    // "Back to now" shows the present again.
    await ana.page.getByTestId("history-latest").click();
    await poll(() => slider.inputValue()).toBe(String(head));
    await poll(() => historyEditor.inputValue()).toBe("First words. Later words.");
  });
});
