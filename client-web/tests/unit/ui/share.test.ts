// @vitest-environment jsdom
// The Invite dialog: revoking any link first says what it does and asks, in
// the app's own dialog; conveners add, list, copy and revoke convener links.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { loadConvenerLinkTokens, loadInvites, saveInvites } from "../../../src/ui/saved-links";
import { openShareDialog } from "../../../src/ui/share";
import { installDialogs, openDialog, tick } from "./dialogs";
import { FakeApi } from "./fake-api";

let api: FakeApi;

beforeEach(() => {
  installDialogs();
  api = new FakeApi();
  api.install();
  localStorage.clear();
});

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.replaceChildren();
});

function byTestId<T extends HTMLElement = HTMLElement>(id: string, root: ParentNode = document): T {
  const found = root.querySelector<T>(`[data-testid="${id}"]`);
  if (!found) throw new Error(`no [data-testid=${id}]`);
  return found;
}

function click(element: HTMLElement): void {
  element.focus();
  element.click();
}

/** The convener links shown: name, state and whether Copy works. */
function shownLinks(): { name: string; state: string; copy: boolean }[] {
  return [...document.querySelectorAll("[data-testid=convener-link]")].map((row) => ({
    name: row.querySelector(".link-name")!.textContent!,
    state: row.querySelector(".link-state")!.textContent!,
    copy: row.querySelector<HTMLButtonElement>(".link-actions button")?.disabled === false,
  }));
}

describe("revoking an invite", () => {
  beforeEach(() => saveInvites("c1", api.invites));

  it("says what revoking does and does nothing when cancelled", async () => {
    openShareDialog("c1", "convener", "conv-1");
    const revoke = byTestId<HTMLButtonElement>("revoke-participant");
    click(revoke);
    await tick();

    const confirm = openDialog("confirm-dialog")!;
    expect(confirm).not.toBeNull();
    expect(confirm.textContent).toContain(
      "Everyone who joined with this link is disconnected at once, and their copy of the " +
        "convening on their device is deleted.",
    );
    expect(confirm.textContent).toContain("A new link replaces it");
    expect(document.activeElement).toBe(byTestId("confirm-cancel", confirm));

    click(byTestId("confirm-cancel", confirm));
    await tick();
    expect(openDialog("confirm-dialog")).toBeNull();
    expect(api.calls.filter((c) => c.method === "POST")).toEqual([]);
    expect(document.activeElement).toBe(revoke); // focus is back where it was
  });

  it("revokes and shows the new link once confirmed", async () => {
    openShareDialog("c1", "convener", "conv-1");
    click(byTestId("revoke-observer"));
    await tick();
    click(byTestId("confirm-ok", openDialog("confirm-dialog")!));
    await tick();
    expect(api.calls.at(-1)).toMatchObject({
      method: "POST",
      path: "/api/convenings/c1/invites/observer/revoke",
      token: "conv-1",
    });
    expect(byTestId<HTMLInputElement>("invite-observer").value).toContain("#invite=obs-1x");
    expect(loadInvites("c1").observer).toBe("obs-1x");
  });

  it("offers no revoking and no convener links to participants", async () => {
    openShareDialog("c1", "participant", "part-1");
    await tick();
    expect(document.querySelector("[data-testid^=revoke-]")).toBeNull();
    expect(document.querySelector("[data-testid=convener-links]")).toBeNull();
    expect(api.calls).toEqual([]);
  });
});

describe("convener links", () => {
  it("lists them, adds a named one to copy, and marks the one this browser uses", async () => {
    openShareDialog("c1", "convener", "conv-1");
    await tick();
    expect(shownLinks()).toEqual([
      { name: "Convener", state: "Active · this browser", copy: true },
    ]);

    const name = byTestId<HTMLInputElement>("convener-link-name");
    name.value = "Ana's laptop";
    byTestId<HTMLButtonElement>("convener-link-add").closest("form")!.requestSubmit();
    await tick();

    expect(api.calls.find((c) => c.method === "POST")).toMatchObject({
      path: "/api/convenings/c1/conveners",
      token: "conv-1",
      body: { name: "Ana's laptop" },
    });
    expect(byTestId<HTMLInputElement>("convener-link-fresh").value).toMatch(
      /\/c\/c1#invite=conv-2$/,
    );
    expect(shownLinks()).toEqual([
      { name: "Convener", state: "Active · this browser", copy: true },
      { name: "Ana's laptop", state: "Active", copy: true },
    ]);
    expect(loadConvenerLinkTokens("c1")).toEqual({ L2: "conv-2" });
    expect(name.value).toBe("");
  });

  it("lists the oldest first, and cannot copy a link added in another browser", async () => {
    api.links.unshift({ id: "L2", name: "Sam", token: "conv-2", created_ms: 2, revoked: false });
    openShareDialog("c1", "convener", "conv-1");
    await tick();
    expect(shownLinks()[1]).toEqual({ name: "Sam", state: "Active", copy: false });
  });

  it("revokes one after saying what that does", async () => {
    api.links.push({ id: "L2", name: "Sam", token: "conv-2", created_ms: 2, revoked: false });
    openShareDialog("c1", "convener", "conv-1");
    await tick();
    const samRevoke = document.querySelectorAll<HTMLButtonElement>(
      "[data-testid=convener-link-revoke]",
    )[1];
    click(samRevoke);
    await tick();
    const confirm = openDialog("confirm-dialog")!;
    expect(confirm.querySelector("h2")?.textContent).toBe("Revoke the convener link “Sam”?");
    expect(confirm.textContent).toContain("disconnected at once");
    click(byTestId("confirm-ok", confirm));
    await tick();

    expect(api.calls.at(-1)).toMatchObject({
      method: "POST",
      path: "/api/convenings/c1/conveners/L2/revoke",
    });
    expect(shownLinks()[1]).toMatchObject({ name: "Sam", state: "Revoked" });
    expect(document.activeElement).toBe(byTestId("convener-links"));
  });

  it("warns before revoking the link this browser uses, and shows why the last one cannot go", async () => {
    openShareDialog("c1", "convener", "conv-1");
    await tick();
    click(byTestId("convener-link-revoke"));
    await tick();
    const confirm = openDialog("confirm-dialog")!;
    expect(confirm.textContent).toContain("you lose access here too");
    click(byTestId("confirm-ok", confirm));
    await tick();
    const alert = document.querySelector(".convener-links [role=alert]")!;
    expect(alert.textContent).toBe("this is the last convener link in force");
    expect(shownLinks()[0].state).toBe("Active · this browser");
  });
});
