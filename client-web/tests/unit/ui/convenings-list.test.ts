// @vitest-environment jsdom
// The start page's list of the convenings this browser belongs to: from what
// IndexedDB keeps, most recent activity first, each opening its convening,
// and forgotten on this device only after saying what that loses.
import "fake-indexeddb/auto";
import { create } from "@bufbuild/protobuf";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { OpSchema } from "../../../src/gen/convene/v1/ops_pb";
import { LocalStore } from "../../../src/net/local-store";
import type { RoleName } from "../../../src/ui/context";
import { ConveningsList, howLongAgo } from "../../../src/ui/convenings-list";
import { startPage } from "../../../src/ui/pages";
import { loadInvites, saveInvites } from "../../../src/ui/saved-links";
import { installDialogs, openDialog, tick } from "./dialogs";

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const MINUTE = 60_000;
let databases = 0;
let store: LocalStore;

beforeEach(async () => {
  installDialogs();
  store = await LocalStore.open({ name: `convenings-list-${++databases}` });
});

afterEach(() => {
  store.close();
  document.body.replaceChildren();
});

/** A convening joined here, last active `ago` ms before NOW. */
async function joined(convening: string, name: string, role: RoleName, ago: number) {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW - ago);
  await store.updateJoin(convening, () => ({
    token: `tok-${convening}`,
    name: "Ana",
    colour: "#2a7f62",
    role,
    conveningName: name,
  }));
  vi.useRealTimers();
}

async function shownList(): Promise<ConveningsList> {
  const list = new ConveningsList(store, () => NOW);
  document.body.append(startPage(() => {}, list.element));
  await list.load();
  return list;
}

function rows() {
  return [...document.querySelectorAll("[data-convening]")].map((row) => ({
    href: row.querySelector("a")!.getAttribute("href"),
    name: row.querySelector(".convening-name")!.textContent,
    meta: row.querySelector(".convening-meta")!.textContent,
  }));
}

describe("your convenings", () => {
  it("lists them newest activity first, with role and last activity, each opening its convening", async () => {
    await joined("old", "Estuary", "observer", 3 * 24 * 60 * MINUTE);
    await joined("new", "River basin", "convener", 5 * MINUTE);
    await joined("mid", "", "participant", 2 * 60 * MINUTE);
    await shownList();

    expect(rows()).toEqual([
      { href: "/c/new", name: "River basin", meta: "Convener · active 5 minutes ago" },
      { href: "/c/mid", name: "Convening mid", meta: "Participant · active 2 hours ago" },
      { href: "/c/old", name: "Estuary", meta: "Observer · active 3 days ago" },
    ]);
    // The start form is on the same page.
    expect(document.querySelector("[data-testid=convening-create]")).not.toBeNull();
  });

  it("is hidden while this browser belongs to no convening", async () => {
    const list = await shownList();
    expect(list.element.hidden).toBe(true);
    expect(document.querySelector("[data-testid=convening-name]")).not.toBeNull();
  });

  it("forgets one on this device after saying what is lost, and keeps it when cancelled", async () => {
    await joined("a", "River basin", "convener", MINUTE);
    await joined("b", "Estuary", "participant", 2 * MINUTE);
    await store.appendPending("a", "7", [
      create(OpSchema, {
        replica: 7n,
        counter: 1n,
        lamport: 1n,
        body: { case: "createMap", value: { name: "m" } },
      }),
    ]);
    saveInvites("a", { participant: "p" });
    await shownList();

    const forget = document.querySelector<HTMLButtonElement>("[data-testid=convening-forget]")!;
    expect(forget.getAttribute("aria-label")).toBe("Forget River basin on this device");
    forget.click();
    await tick();
    let confirm = openDialog("confirm-dialog")!;
    expect(confirm.textContent).toContain("1 edit made here has not reached the server");
    confirm.querySelector<HTMLButtonElement>("[data-testid=confirm-cancel]")!.click();
    await tick();
    expect((await store.joins()).map((j) => j.convening).sort()).toEqual(["a", "b"]);

    forget.click();
    await tick();
    confirm = openDialog("confirm-dialog")!;
    confirm.querySelector<HTMLButtonElement>("[data-testid=confirm-ok]")!.click();
    await tick(30);
    expect((await store.joins()).map((j) => j.convening)).toEqual(["b"]);
    expect((await store.loadPending("a")).byReplica.size).toBe(0);
    expect(loadInvites("a")).toEqual({});
    expect(rows().map((r) => r.name)).toEqual(["Estuary"]);
    expect(document.activeElement?.getAttribute("href")).toBe("/c/b");
  });
});

describe("howLongAgo", () => {
  it("says a past moment in words", () => {
    expect(howLongAgo(NOW - 10_000, NOW)).toBe("just now");
    expect(howLongAgo(NOW - MINUTE, NOW)).toBe("1 minute ago");
    expect(howLongAgo(NOW - 26 * 60 * MINUTE, NOW)).toBe("yesterday");
    expect(howLongAgo(NOW - 40 * 24 * 60 * MINUTE, NOW)).toBe("last month");
  });
});
