// Who may come in, and who no longer may: a link is checked before anyone
// types a name; conveners share the convening with co-conveners through
// named links and can withdraw them, which locks the convening in that
// browser and deletes its copy there; the start page lists the convenings
// this browser belongs to.
import { describe, expect, it } from "vitest";
import {
  createConvening,
  joinFromPage,
  joinWithInvite,
  poll,
  shots,
  storedJoin,
  storedLocally,
  useE2E,
  type Client,
} from "./harness";

const e2e = useE2E();

/** Records, from the page's first script on, whether the join page's name field ever showed. */
async function watchForNamePrompt(client: Client): Promise<void> {
  await client.context.addInitScript(() => {
    new MutationObserver(() => {
      if (document.querySelector("[data-testid=display-name]")) {
        (window as unknown as { namePrompted: boolean }).namePrompted = true;
      }
    }).observe(document, { childList: true, subtree: true });
  });
}

async function namePrompted(client: Client): Promise<boolean> {
  return client.page.evaluate(
    () => (window as unknown as { namePrompted?: boolean }).namePrompted === true,
  );
}

async function heading(client: Client): Promise<string | null> {
  return client.page.locator("h1").first().textContent();
}

describe("access", () => {
  it("a revoked invite link, or one to no convening, says so before any name prompt", async () => {
    const convening = await e2e.server.createConvening("River basin");
    const revoked = convening.invites.participant;
    await e2e.server.revokeInvite(convening.id, convening.convener_token, "participant");

    const olu = await e2e.client("Olu");
    await watchForNamePrompt(olu);
    await olu.page.goto(`${e2e.server.url}/c/${convening.id}#invite=${revoked}`);
    await poll(() => heading(olu)).toBe("This link no longer works");
    expect(await olu.page.textContent("main")).toContain("Ask the convener for a new one");
    expect(await namePrompted(olu)).toBe(false);
    expect(await olu.page.locator("input").count()).toBe(0);
    await shots(olu.page, "link-gone");

    await olu.page.goto(`${e2e.server.url}/c/nosuchconvening#invite=${revoked}`);
    await poll(() => heading(olu)).toBe("There is no such convening at this address");
    expect(await namePrompted(olu)).toBe(false);
    await shots(olu.page, "no-such-convening");
  });

  it("a co-convener link admits a convener, until a convener revokes it: then that browser is locked out and its copy deleted", async () => {
    const ana = await e2e.client("Ana Lima");
    const convening = await createConvening(e2e.server, ana, "Watershed partners");

    // Ana adds a convener link for Sam.
    await ana.page.getByTestId("share").click();
    let dialog = ana.page.getByTestId("share-dialog");
    const links = dialog.getByTestId("convener-link");
    await poll(() => links.locator(".link-text").allTextContents()).toEqual([
      "ConvenerActive · this browser",
    ]);
    await dialog.getByTestId("convener-link-name").fill("Sam's laptop");
    await dialog.getByTestId("convener-link-add").click();
    const fresh = dialog.getByTestId("convener-link-fresh");
    await fresh.waitFor();
    const samLink = await fresh.inputValue();
    expect(samLink).toMatch(new RegExp(`/c/${convening.id}#invite=`));
    await poll(() => links.count()).toBe(2);
    await shots(ana.page, "invite-dialog");
    await dialog.getByRole("button", { name: "Done" }).click();
    await dialog.waitFor({ state: "detached" });

    // Sam opens it: the join page says it makes him a convener.
    const sam = await e2e.client("Sam Okafor");
    await sam.page.goto(samLink);
    await poll(() => sam.page.locator(".lead").textContent()).toBe(
      "You were invited to “Watershed partners” as a convener (link “Sam's laptop”).",
    );
    await joinFromPage(sam);

    // As a convener, Sam revokes the participant invite; the app asks first.
    await sam.page.getByTestId("share").click();
    dialog = sam.page.getByTestId("share-dialog");
    const revoke = dialog.getByTestId("revoke-participant");
    await revoke.click();
    const confirm = sam.page.getByTestId("confirm-dialog");
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain("disconnected at once");
    await shots(sam.page, "revoke-confirm");
    // Escape says no, and focus goes back to the button.
    await sam.page.keyboard.press("Escape");
    await confirm.waitFor({ state: "detached" });
    expect(await revoke.evaluate((button) => button === document.activeElement)).toBe(true);
    expect(await e2e.server.access(convening.id, convening.invites.participant)).toEqual({
      status: 200,
      code: undefined,
    });
    await revoke.click();
    await sam.page.getByTestId("confirm-ok").click();
    await poll(() => e2e.server.access(convening.id, convening.invites.participant)).toEqual({
      status: 403,
      code: "revoked",
    });
    await dialog.getByRole("button", { name: "Done" }).click();
    expect((await storedLocally(sam.page)).convenings).toContain(convening.id);

    // Ana revokes Sam's link.
    await ana.page.getByTestId("share").click();
    dialog = ana.page.getByTestId("share-dialog");
    const samRow = dialog.getByTestId("convener-link").filter({ hasText: "Sam's laptop" });
    await samRow.getByTestId("convener-link-revoke").click();
    await ana.page.getByTestId("confirm-ok").click();
    await poll(() => samRow.locator(".link-state").textContent()).toBe("Revoked");

    // Sam is locked out at once, and his browser keeps nothing of it.
    const lock = sam.page.getByTestId("access-withdrawn");
    await lock.waitFor();
    expect(await lock.locator("h1").textContent()).toBe(
      "Your access to this convening was withdrawn by its convener",
    );
    expect(await sam.page.locator(".shell .topbar").count()).toBe(0);
    await shots(sam.page, "access-withdrawn");
    await poll(() => storedLocally(sam.page)).toEqual({ convenings: [], linkKeys: [] });
    // Reopening the convening finds nothing here.
    await sam.page.goto(`${e2e.server.url}/c/${convening.id}`);
    await poll(() => heading(sam)).toBe("This link has no invite");

    // Ana goes on as before.
    await poll(() => ana.page.getByTestId("status").getAttribute("data-state")).toBe("saved");
  });

  it("the start page lists the convenings this browser joined, with role, and opens them", async () => {
    const bo = await e2e.client("Bo Chen");
    const estuary = await createConvening(e2e.server, bo, "Estuary");
    const river = await e2e.server.createConvening("River basin");
    await joinWithInvite(e2e.server, bo, river.id, river.invites.participant);

    await bo.page.goto(`${e2e.server.url}/`);
    const list = bo.page.getByTestId("convenings");
    await list.waitFor();
    const rows = list.locator("li");
    await poll(() => rows.count()).toBe(2);
    expect(await rows.locator(".convening-name").allTextContents()).toEqual([
      "River basin",
      "Estuary",
    ]);
    expect(await rows.getByTestId("convening-role").allTextContents()).toEqual([
      "Participant",
      "Convener",
    ]);
    expect(await rows.locator("time").first().textContent()).toMatch(
      /^active (just now|1 minute ago)$/,
    );
    // The start form is on the same page.
    await bo.page.getByTestId("convening-name").waitFor();
    await shots(bo.page, "convenings-list");

    await rows.filter({ hasText: "Estuary" }).getByTestId("convening-open").click();
    await bo.page.waitForURL(`${e2e.server.url}/c/${estuary.id}`);
    await poll(() => bo.page.getByTestId("convening-title").textContent()).toBe("Estuary");
    await poll(() => bo.page.getByTestId("status").getAttribute("data-state")).toBe("saved");
  });

  it("a browser holding another's replica id without its secret goes on under a fresh replica", async () => {
    const convening = await e2e.server.createConvening("Shared replica");
    const ana = await e2e.client("Ana Lima");
    await joinWithInvite(e2e.server, ana, convening.id, convening.invites.participant);
    const anas = (await storedJoin(ana.page, convening.id))!;

    // Bo's browser claims Ana's replica (a copied profile, say), with a secret of its own.
    const bo = await e2e.client("Bo Chen");
    await bo.page.goto(`${e2e.server.url}/`);
    await bo.page.getByTestId("convening-name").waitFor();
    const secret = new Uint8Array(32).fill(7);
    await storedJoin(bo.page, convening.id, {
      ...anas,
      name: "Bo Chen",
      secrets: { [anas.replica]: secret },
      updatedMs: Date.now(),
    });
    await bo.page.goto(`${e2e.server.url}/c/${convening.id}`);
    await poll(() => bo.page.getByTestId("status").getAttribute("data-state")).toBe("saved");
    const bos = (await storedJoin(bo.page, convening.id))!;
    expect(bos.replica).not.toBe(anas.replica);
    expect(bos.replicas).toEqual([bos.replica]);
    // Ana keeps hers.
    await ana.page.reload();
    await poll(() => ana.page.getByTestId("status").getAttribute("data-state")).toBe("saved");
    expect((await storedJoin(ana.page, convening.id))!.replica).toBe(anas.replica);
  });
});
