// Two people edit one convening at the same time, in two browsers: the
// convener and a participant who came in through the invite link. Whatever
// each does concurrently (placing elements, dragging, connecting, relabelling,
// typing into the same draft variant) must end the same in both pages and in
// the server's export.
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
  useE2E,
  waitSaved,
  type Client,
} from "./harness";

const e2e = useE2E();

/** Text with its runs of white space as single spaces, as a rendered preview reads. */
function normalise(text: string | null): string {
  return (text ?? "").replace(/\s+/g, " ").trim();
}

/** The id of the element labelled `label` on this page's map. */
async function idOf(client: Client, label: string): Promise<string> {
  const shown = await readMap(client.page);
  const found = shown.elements.filter((e) => e.label === label);
  expect(found, `one element labelled ${label}`).toHaveLength(1);
  return found[0].id;
}

describe("two people editing at once", () => {
  it("converge in both pages and in the server's export", async () => {
    const ana = await e2e.client("Ana Lima");
    const convening = await createConvening(e2e.server, ana, "River basin partners");
    await createFirstMap(ana.page);
    await createFirstDraft(ana.page, "Spring call");
    await draftEditor(ana.page).click();
    await ana.page.keyboard.type("Line one.\nLine two.");
    await waitSaved(ana.page);

    const bo = await e2e.client("Bo Park");
    await joinWithInvite(e2e.server, bo, convening.id, convening.invites.participant);
    await mapView(bo.page).getByTestId("map-picker").waitFor();
    // Ana goes back to the map she made; Bo's page opened on it.
    await ana.page.getByTestId("tab-map").click();

    // ---- both place elements of several kinds at the same time ----
    await Promise.all([
      (async () => {
        await placeElement(
          ana.page,
          "institution",
          await onCanvas(ana.page, 330, 150),
          "River Trust",
        );
        await placeElement(
          ana.page,
          "project",
          await onCanvas(ana.page, 680, 150),
          "Wetland pilot",
        );
      })(),
      (async () => {
        await placeElement(
          bo.page,
          "community",
          await onCanvas(bo.page, 330, 520),
          "Farmers circle",
        );
        await placeElement(bo.page, "network", await onCanvas(bo.page, 680, 520), "Basin network");
        await placeElement(bo.page, "person", await onCanvas(bo.page, 850, 340), "Dana");
      })(),
    ]);
    for (const client of [ana, bo]) await poll(() => mapElements(client.page).count()).toBe(5);

    const riverTrust = await idOf(ana, "River Trust");
    const wetland = await idOf(ana, "Wetland pilot");
    const farmers = await idOf(ana, "Farmers circle");
    const basin = await idOf(ana, "Basin network");
    const dana = await idOf(ana, "Dana");

    // ---- at the same time: Ana drags, connects by the handle and relabels Bo's
    // element; Bo connects with the connect tool ----
    const dropAt = await onCanvas(ana.page, 480, 300);
    await Promise.all([
      (async () => {
        await drag(ana.page, await elementCentre(ana.page, riverTrust), dropAt);
        // The handle on the selected element's edge starts a connection.
        const handle = mapView(ana.page).locator(`g[data-id="${riverTrust}"] circle.cv-handle`);
        const handleAt = await handle.evaluate((c) => {
          const r = c.getBoundingClientRect();
          return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
        });
        await drag(ana.page, handleAt, await elementCentre(ana.page, farmers));
        await poll(async () =>
          (await readMap(ana.page)).connections.some(
            (c) => c.from === riverTrust && c.to === farmers,
          ),
        ).toBe(true);
        // Relabel Dana (Bo's element) in the side panel.
        const danaAt = await elementCentre(ana.page, dana);
        await ana.page.mouse.click(danaAt.x, danaAt.y);
        const label = mapView(ana.page).getByTestId("panel-label");
        await poll(() => label.inputValue()).toBe("Dana");
        await label.fill("Dana Okafor");
        await label.press("Enter");
      })(),
      (async () => {
        await mapView(bo.page).getByTestId("tool-connect").click();
        await drag(
          bo.page,
          await elementCentre(bo.page, basin),
          await elementCentre(bo.page, wetland),
        );
      })(),
    ]);

    // ---- both type into the same variant at the same time, at different lines ----
    for (const client of [ana, bo]) await client.page.getByTestId("tab-drafts").click();
    await poll(() => draftEditor(bo.page).inputValue()).toBe("Line one.\nLine two.");
    await Promise.all([
      (async () => {
        await draftEditor(ana.page).click();
        await ana.page.keyboard.press("Control+End");
        await ana.page.keyboard.type(" alpha bravo charlie", { delay: 25 });
      })(),
      (async () => {
        await draftEditor(bo.page).click();
        await bo.page.keyboard.press("Control+Home");
        await bo.page.keyboard.press("End");
        await bo.page.keyboard.type(" delta echo foxtrot", { delay: 25 });
      })(),
    ]);

    await Promise.all([waitSaved(ana.page), waitSaved(bo.page)]);

    // ---- the text: every typed word intact, each where its author typed it ----
    const expectedText = "Line one. delta echo foxtrot\nLine two. alpha bravo charlie";
    const exportedText = async () => {
      const exported = await e2e.server.exportJson(convening.id, convening.convenerToken);
      expect(exported.drafts).toHaveLength(1);
      expect(exported.drafts[0].variants).toHaveLength(1);
      return exported.drafts[0].variants[0].text;
    };
    await poll(exportedText).toBe(expectedText);
    for (const client of [ana, bo]) {
      await poll(() => draftEditor(client.page).inputValue(), client.name).toBe(expectedText);
    }

    // ---- then both type at the very same place, the end, at the same time:
    // each person's run of words stays whole, one after the other ----
    const anaRun = " golf hotel india";
    const boRun = " juliet kilo lima";
    const typeAtEnd = async (client: Client, run: string) => {
      await client.page.keyboard.press("Control+End");
      await client.page.keyboard.type(run, { delay: 25 });
    };
    await Promise.all([typeAtEnd(ana, anaRun), typeAtEnd(bo, boRun)]);
    await Promise.all([waitSaved(ana.page), waitSaved(bo.page)]);
    const finalText = await exportedText();
    expect(finalText.startsWith(expectedText), finalText).toBe(true);
    expect([anaRun + boRun, boRun + anaRun]).toContain(finalText.slice(expectedText.length));
    for (const client of [ana, bo]) {
      await poll(() => draftEditor(client.page).inputValue(), client.name).toBe(finalText);
    }
    // The preview renders the same text.
    await poll(() => bo.page.getByTestId("draft-preview").first().textContent()).toContain(
      "alpha bravo charlie",
    );

    // ---- the map: both pages draw exactly what the server exported ----
    const exported = await e2e.server.exportJson(convening.id, convening.convenerToken);
    expect(exported.maps).toHaveLength(1);
    const expected = mapFromExport(exported.maps[0]);
    expect(byId(expected.elements).map((e) => [e.label, e.kind])).toEqual(
      byId([
        { id: riverTrust, label: "River Trust", kind: "institution" },
        { id: wetland, label: "Wetland pilot", kind: "project" },
        { id: farmers, label: "Farmers circle", kind: "community" },
        { id: basin, label: "Basin network", kind: "network" },
        { id: dana, label: "Dana Okafor", kind: "person" },
      ]).map((e) => [e.label, e.kind]),
    );
    expect(
      expected.connections.map((c) => `${c.from}->${c.to}`),
      "the two connections, each once",
    ).toEqual(expect.arrayContaining([`${riverTrust}->${farmers}`, `${basin}->${wetland}`]));
    expect(expected.connections).toHaveLength(2);
    for (const client of [ana, bo]) {
      await client.page.getByTestId("tab-map").click();
      await poll(async () => {
        const shown = await readMap(client.page);
        return { elements: byId(shown.elements), connections: byId(shown.connections) };
      }, client.name).toEqual({
        elements: byId(expected.elements),
        connections: byId(expected.connections),
      });
    }
    // The dragged element ended under the pointer where Ana let it go.
    const moved = await elementCentre(ana.page, riverTrust);
    expect(Math.abs(moved.x - dropAt.x)).toBeLessThan(2);
    expect(Math.abs(moved.y - dropAt.y)).toBeLessThan(2);

    // ---- pictures to look at: the map, and the draft with Ana's caret on Bo's page ----
    await mapView(ana.page).getByTestId("zoom-fit").click();
    await screenshot(ana.page, "collaboration-map");
    for (const client of [ana, bo]) await client.page.getByTestId("tab-drafts").click();
    await bo.page.getByTestId("remote-caret").first().waitFor();
    expect(await bo.page.getByTestId("remote-caret").first().textContent()).toBe("Ana Lima");
    await screenshot(bo.page, "collaboration-drafts");
  });

  it("keeps a caret where it was moved while the other person types", async () => {
    const ana = await e2e.client("Ana Lima");
    const convening = await createConvening(e2e.server, ana, "Caret convening");
    await createFirstDraft(ana.page, "Call");
    await draftEditor(ana.page).click();
    await ana.page.keyboard.type("Line one.\nLine two.");
    await waitSaved(ana.page);
    const bo = await e2e.client("Bo Park");
    await joinWithInvite(e2e.server, bo, convening.id, convening.invites.participant);
    await bo.page.getByTestId("tab-drafts").click();
    const editor = draftEditor(bo.page);
    await poll(() => editor.inputValue()).toBe("Line one.\nLine two.");
    await editor.click();

    // Ana keeps typing at the end of the text while Bo moves his caret about.
    let typing = true;
    const anaTypes = (async () => {
      while (typing) await ana.page.keyboard.type(" more", { delay: 20 });
    })();
    const endOfLineOne = "Line one.".length;
    try {
      for (let move = 1; move <= 15; move++) {
        await bo.page.keyboard.press("Control+End");
        await bo.page.keyboard.press("Control+Home");
        await bo.page.keyboard.press("End");
        // Once Ana's next keystrokes show in Bo's editor, his caret must still
        // be where he moved it, not back where it was before the move.
        const length = (await editor.inputValue()).length;
        await poll(async () => (await editor.inputValue()).length > length).toBe(true);
        const caret = await editor.evaluate((t) => (t as HTMLTextAreaElement).selectionStart);
        expect(caret, `Bo's caret after move ${move}`).toBe(endOfLineOne);
      }
    } finally {
      typing = false;
      await anaTypes;
    }
    // And what Bo types goes there.
    await bo.page.keyboard.type(" Bo was here.");
    await Promise.all([waitSaved(ana.page), waitSaved(bo.page)]);
    const exported = await e2e.server.exportJson(convening.id, convening.convenerToken);
    const text = exported.drafts[0].variants[0].text;
    expect(text.split("\n")[0]).toBe("Line one. Bo was here.");
    expect(text.split("\n")[1]).toMatch(/^Line two\.( more)+$/);
    for (const client of [ana, bo]) {
      await poll(() => draftEditor(client.page).inputValue(), client.name).toBe(text);
    }
  });

  it("keeps each person's words together when both type at the same place", async () => {
    const ana = await e2e.client("Ana Lima");
    const convening = await createConvening(e2e.server, ana, "Same place convening");
    await createFirstDraft(ana.page, "Call");
    await draftEditor(ana.page).click();
    await ana.page.keyboard.type("Start.");
    await waitSaved(ana.page);
    const bo = await e2e.client("Bo Park");
    await joinWithInvite(e2e.server, bo, convening.id, convening.invites.participant);
    await bo.page.getByTestId("tab-drafts").click();
    await poll(() => draftEditor(bo.page).inputValue()).toBe("Start.");
    await draftEditor(bo.page).click();

    // Round after round, both type a few words at the end at once. Each run
    // starts with a space, like the space the other's run starts with: where
    // the two meet, the textarea cannot tell whose space is whose.
    const typeAtEnd = async (client: Client, run: string) => {
      await client.page.keyboard.press("Control+End");
      await client.page.keyboard.type(run, { delay: 10 });
    };
    for (let round = 1; round <= 20; round++) {
      const before = await draftEditor(ana.page).inputValue();
      const anaRun = ` a${round}x golf`;
      const boRun = ` b${round}y kilo`;
      await Promise.all([typeAtEnd(ana, anaRun), typeAtEnd(bo, boRun)]);
      await Promise.all([waitSaved(ana.page), waitSaved(bo.page)]);
      const exported = await e2e.server.exportJson(convening.id, convening.convenerToken);
      const text = exported.drafts[0].variants[0].text;
      expect(text.startsWith(before), `round ${round}: ${text}`).toBe(true);
      expect([anaRun + boRun, boRun + anaRun], `round ${round}`).toContain(
        text.slice(before.length),
      );
      for (const client of [ana, bo]) {
        await poll(() => draftEditor(client.page).inputValue(), client.name).toBe(text);
        // The preview and the word count catch up with the text too.
        const view = client.page.locator(".shell > .main > .drafts-view");
        await poll(
          async () => normalise(await view.getByTestId("draft-preview").textContent()),
          `${client.name}'s preview`,
        ).toBe(normalise(text));
        await poll(
          () => view.locator(".draft-status").textContent(),
          `${client.name}'s word count`,
        ).toBe(`${text.split(/\s+/).filter(Boolean).length} words`);
      }
    }
  });
});
