// A participant loses the network, keeps editing the map and the draft,
// reloads the page while still offline (the service worker serves the app,
// IndexedDB keeps the edits), and comes back: every offline edit reaches the
// server and the other person exactly once.
import { describe, expect, it } from "vitest";
import {
  byId,
  createConvening,
  createFirstDraft,
  createFirstMap,
  draftEditor,
  joinWithInvite,
  mapElements,
  mapFromExport,
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

function status(client: Client) {
  return client.page.getByTestId("status");
}

/**
 * Waits until the service worker controls the page and holds the app shell:
 * index.html and every script and stylesheet this page loaded. Only then can
 * the page load again with no network.
 */
async function waitForOfflineShell(client: Client): Promise<void> {
  await client.page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await poll(
    () =>
      client.page.evaluate(async () => {
        if (!navigator.serviceWorker.controller) return "no controller yet";
        if (!(await caches.match("/index.html"))) return "index.html not cached";
        const assets = [
          ...document.querySelectorAll<HTMLScriptElement | HTMLLinkElement>(
            "script[src], link[rel=stylesheet][href]",
          ),
        ].map((n) => new URL(n instanceof HTMLScriptElement ? n.src : n.href).pathname);
        for (const asset of assets) if (!(await caches.match(asset))) return `${asset} not cached`;
        return "ready";
      }),
    "the service worker keeps the app shell",
  ).toBe("ready");
}

/**
 * The number of edits waiting, once it stops changing: edits reach the session
 * at the next animation frame and count only when IndexedDB has stored them.
 */
async function settledPending(client: Client): Promise<number> {
  await client.page.evaluate(
    () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
  );
  let last = -1;
  let settled = 0;
  await poll(async () => {
    const now = Number(await status(client).getAttribute("data-pending"));
    settled = now === last ? settled + 1 : 0;
    last = now;
    return settled >= 3;
  }, "the count of waiting edits settles").toBe(true);
  return last;
}

/** How often `word` occurs in `text`. */
function occurrences(text: string, word: string): number {
  return text.split(word).length - 1;
}

describe("offline editing", () => {
  it("keeps edits through an offline reload and delivers each exactly once", async () => {
    const ana = await e2e.client("Ana Lima");
    const convening = await createConvening(e2e.server, ana, "Offline convening");
    await createFirstMap(ana.page);
    await placeElement(ana.page, "institution", await onCanvas(ana.page, 400, 200), "River Trust");
    await createFirstDraft(ana.page, "Call");
    await draftEditor(ana.page).click();
    await ana.page.keyboard.type("Shared start.");
    await waitSaved(ana.page);

    const bo = await e2e.client("Bo Park");
    await joinWithInvite(e2e.server, bo, convening.id, convening.invites.participant);
    await poll(() => mapElements(bo.page).count()).toBe(1);
    await waitForOfflineShell(bo);

    // ---- Bo goes offline and edits ----
    await bo.context.setOffline(true);
    await poll(() => status(bo).getAttribute("data-state")).toBe("offline");
    await placeElement(bo.page, "network", await onCanvas(bo.page, 400, 450), "Offline network");
    await placeElement(bo.page, "practice", await onCanvas(bo.page, 700, 450), "Offline practice");
    await bo.page.getByTestId("tab-drafts").click();
    await poll(() => draftEditor(bo.page).inputValue()).toBe("Shared start.");
    await draftEditor(bo.page).click();
    await bo.page.keyboard.press("Control+End");
    await bo.page.keyboard.type(" Written offline.");

    // The edits wait in this browser, counted in the status once IndexedDB
    // holds them (at least the four map edits and some typing).
    const waiting = await settledPending(bo);
    expect(waiting).toBeGreaterThan(4);
    expect(await status(bo).getAttribute("data-state")).toBe("offline");
    expect(await status(bo).textContent()).toBe(`Offline — ${waiting} edits waiting`);

    // Meanwhile Ana keeps working online; none of Bo's edits reach her.
    await ana.page.getByTestId("tab-map").click();
    await placeElement(ana.page, "project", await onCanvas(ana.page, 700, 200), "Online project");
    await waitSaved(ana.page);
    let exported = await e2e.server.exportJson(convening.id, convening.convenerToken);
    expect(exported.maps[0].elements.map((e) => e.label).sort()).toEqual([
      "Online project",
      "River Trust",
    ]);
    expect(exported.drafts[0].variants[0].text).toBe("Shared start.");

    // ---- a reload with no network: the service worker serves the app and
    // IndexedDB still holds the edits ----
    const reloaded = await bo.page.reload();
    expect(reloaded?.fromServiceWorker(), "the page came from the service worker").toBe(true);
    await status(bo).waitFor();
    await poll(() => status(bo).getAttribute("data-state")).toBe("offline");
    expect(Number(await status(bo).getAttribute("data-pending"))).toBe(waiting);
    expect((await readMap(bo.page)).elements.map((e) => e.label).sort()).toEqual([
      "Offline network",
      "Offline practice",
      "River Trust",
    ]);
    await bo.page.getByTestId("tab-drafts").click();
    await poll(() => draftEditor(bo.page).inputValue()).toBe("Shared start. Written offline.");
    await screenshot(bo.page, "offline-after-reload");
    // Still nothing of Bo's reached the server.
    exported = await e2e.server.exportJson(convening.id, convening.convenerToken);
    expect(exported.maps[0].elements).toHaveLength(2);
    expect(exported.drafts[0].variants[0].text).toBe("Shared start.");

    // ---- back online: everything meets, once ----
    await bo.context.setOffline(false);
    await waitSaved(bo.page);
    await waitSaved(ana.page);
    const expectedText = "Shared start. Written offline.";
    exported = await e2e.server.exportJson(convening.id, convening.convenerToken);
    const labels = exported.maps[0].elements.map((e) => e.label).sort();
    expect(labels).toEqual([
      "Offline network",
      "Offline practice",
      "Online project",
      "River Trust",
    ]);
    expect(exported.drafts[0].variants[0].text).toBe(expectedText);
    expect(occurrences(exported.drafts[0].variants[0].text, "offline")).toBe(1);

    const expected = mapFromExport(exported.maps[0]);
    for (const client of [ana, bo]) {
      await client.page.getByTestId("tab-map").click();
      await poll(async () => byId((await readMap(client.page)).elements), client.name).toEqual(
        byId(expected.elements),
      );
      await client.page.getByTestId("tab-drafts").click();
      await poll(() => draftEditor(client.page).inputValue(), client.name).toBe(expectedText);
    }

    // Reloading online sends nothing again: the server's log does not grow.
    const head = exported.head_seq;
    await bo.page.reload();
    await waitSaved(bo.page);
    await bo.page.getByTestId("tab-drafts").click();
    await poll(() => draftEditor(bo.page).inputValue()).toBe(expectedText);
    exported = await e2e.server.exportJson(convening.id, convening.convenerToken);
    expect(exported.head_seq).toBe(head);
    expect(exported.maps[0].elements).toHaveLength(4);
  });

  it("survives a server restart: clients reconnect, edits made meanwhile arrive", async () => {
    const ana = await e2e.client("Ana Lima");
    const convening = await createConvening(e2e.server, ana, "Restart convening");
    await createFirstMap(ana.page);
    await placeElement(
      ana.page,
      "institution",
      await onCanvas(ana.page, 400, 200),
      "Before restart",
    );
    await waitSaved(ana.page);
    const bo = await e2e.client("Bo Park");
    await joinWithInvite(e2e.server, bo, convening.id, convening.invites.participant);
    await poll(() => mapElements(bo.page).count()).toBe(1);

    // The server stops: both pages notice and keep what is edited meanwhile.
    await e2e.server.stop();
    await poll(() => status(ana).getAttribute("data-state")).not.toBe("saved");
    await placeElement(ana.page, "project", await onCanvas(ana.page, 700, 200), "During restart");
    await poll(async () => Number(await status(ana).getAttribute("data-pending"))).toBeGreaterThan(
      0,
    );
    await e2e.server.launch();

    // Same port, same data: both reconnect on their own (backoff), nothing lost.
    await waitSaved(ana.page, 60_000);
    await poll(() => mapElements(bo.page).count(), "Bo sees the edit made meanwhile", 60_000).toBe(
      2,
    );
    const exported = await e2e.server.exportJson(convening.id, convening.convenerToken);
    expect(exported.maps[0].elements.map((e) => e.label).sort()).toEqual([
      "Before restart",
      "During restart",
    ]);
    expect(byId((await readMap(bo.page)).elements)).toEqual(
      byId(mapFromExport(exported.maps[0]).elements),
    );
  });
});
