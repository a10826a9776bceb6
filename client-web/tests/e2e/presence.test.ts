// Presence in a workshop: the convener asks everyone to follow their view,
// participants' maps move with it until they stop following, and the Invite
// dialog's Copy puts the link on the clipboard.
import { describe, expect, it } from "vitest";
import {
  createConvening,
  createFirstMap,
  joinWithInvite,
  mapView,
  onCanvas,
  placeElement,
  poll,
  screenshot,
  useE2E,
  waitSaved,
  type Client,
} from "./harness";

const e2e = useE2E();

/**
 * The map's pan and zoom, read off its transform: on pages of the same size,
 * the same view. Rounded, as a followed view arrives through an animation
 * and as 32-bit floats.
 */
async function viewOf(client: Client): Promise<string> {
  const transform = await mapView(client.page).locator("g.cv-viewport").getAttribute("transform");
  const numbers = (transform ?? "").match(/-?[\d.]+(e-?\d+)?/g) ?? [];
  const [x, y, zoom] = numbers.map(Number);
  return `${Math.round(x)} ${Math.round(y)} ${zoom.toFixed(3)}`;
}

describe("presence", () => {
  it("a convener's ask to follow moves everyone's view until they stop", async () => {
    const ana = await e2e.client("Ana Lima");
    const convening = await createConvening(e2e.server, ana, "Followed convening");
    await createFirstMap(ana.page);
    await placeElement(ana.page, "institution", await onCanvas(ana.page, 300, 200), "River Trust");
    await placeElement(ana.page, "project", await onCanvas(ana.page, 600, 400), "Wetland pilot");
    await waitSaved(ana.page);

    const bo = await e2e.client("Bo Park");
    await joinWithInvite(e2e.server, bo, convening.id, convening.invites.participant);
    await poll(() => mapView(bo.page).locator("g.cv-element").count()).toBe(2);
    const banner = bo.page.getByText("Following Ana Lima's view");

    // Asked, Bo follows at once and lands on Ana's view, then moves with it.
    await ana.page.getByTestId("ask-follow").click();
    await banner.waitFor();
    await poll(async () => (await viewOf(bo)) === (await viewOf(ana))).toBe(true);
    const asked = await viewOf(ana);
    for (let i = 0; i < 2; i++) await ana.page.getByTestId("zoom-in").click();
    await poll(() => viewOf(ana)).not.toBe(asked);
    await poll(async () => (await viewOf(bo)) === (await viewOf(ana))).toBe(true);
    await screenshot(bo.page, "presence-following");

    // Bo stops following: Ana's next moves no longer carry Bo's view along,
    // and the same ask does not pull Bo back.
    await bo.page.getByRole("button", { name: "Stop" }).click();
    await banner.waitFor({ state: "hidden" });
    const boView = await viewOf(bo);
    await ana.page.getByTestId("zoom-in").click();
    await poll(async () => (await viewOf(ana)) !== boView).toBe(true);
    // Ana's presence carries her view and her cursor together: once her
    // cursor has moved on Bo's map, Bo has her new view and did not follow.
    const anaCursor = mapView(bo.page).locator("[data-member]");
    const cursorBefore = await anaCursor.getAttribute("style").catch(() => null);
    for (const [x, y] of [
      [500, 300],
      [520, 330],
    ]) {
      const at = await onCanvas(ana.page, x, y);
      await ana.page.mouse.move(at.x, at.y);
    }
    await poll(() => anaCursor.getAttribute("style")).not.toBe(cursorBefore);
    expect(await viewOf(bo)).toBe(boView);
    expect(await banner.isVisible()).toBe(false);

    // Ana stops asking and asks again: a new ask is followed once more.
    await ana.page.getByTestId("ask-follow").click();
    await ana.page.getByTestId("ask-follow").click();
    await banner.waitFor();
    await poll(async () => (await viewOf(bo)) === (await viewOf(ana))).toBe(true);
  });

  it("copies an invite link to the clipboard", async () => {
    const ana = await e2e.client("Ana Lima");
    await ana.context.grantPermissions(["clipboard-read", "clipboard-write"], {
      origin: e2e.server.url,
    });
    const convening = await createConvening(e2e.server, ana, "Copied convening");
    await ana.page.getByTestId("share").click();
    const dialog = ana.page.getByTestId("share-dialog");
    await dialog.getByTestId("copy-observer").click();
    await poll(() => ana.page.evaluate(() => navigator.clipboard.readText())).toBe(
      `${e2e.server.url}/c/${convening.id}#invite=${convening.invites.observer}`,
    );
  });
});
