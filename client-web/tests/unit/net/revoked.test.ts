// A convener revoked the token this browser uses (ERROR_REVOKED, at Hello or
// live): the session stops for good and deletes this browser's copy of the
// convening. An unknown token (ERROR_UNAUTHORIZED) only stops it.
import { describe, expect, it, vi } from "vitest";
import type { LocalStore } from "../../../src/net/local-store";
import { FakeServer } from "./fake-server";
import { FAKE_TIMERS, foreignOps, newStore, openSession, settle, trackSessions } from "./helpers";

const track = trackSessions();

/** What the store holds about convening c1. */
async function storedAbout(store: LocalStore) {
  return {
    join: await store.join("c1"),
    log: (await store.loadLog("c1")).ops.length,
    pending: (await store.loadPending("c1")).byReplica.size,
  };
}

/** A store holding a joined convening: its log, and an edit not sent yet. */
async function storeWithCopy(server: FakeServer): Promise<LocalStore> {
  const store = await newStore();
  server.commitForeign(foreignOps().ops);
  const session = await openSession(server, store);
  await settle();
  server.reachable = false;
  server.live()[0].drop();
  await settle();
  session.doc.createMap("Unsent");
  await session.flush();
  await session.close();
  server.reachable = true;
  const held = await storedAbout(store);
  expect(held).toMatchObject({ log: 2, pending: 1 });
  return store;
}

describe("revoked access", () => {
  it("at Hello: stops for good and deletes the local copy", async () => {
    vi.useFakeTimers(FAKE_TIMERS);
    const server = new FakeServer();
    const store = await storeWithCopy(server);
    server.revoke("tok");
    const session = await track(openSession(server, store));
    await settle();

    expect(session.status().state).toBe("revoked");
    await vi.advanceTimersByTimeAsync(120_000);
    await settle();
    expect(server.sentOf("hello")).toHaveLength(2); // the first visit's, and this one: no retry
    expect(await storedAbout(store)).toEqual({ join: undefined, log: 0, pending: 0 });
    expect((await store.joins()).map((j) => j.convening)).toEqual([]);
  });

  it("live: stops, deletes the local copy, and stores nothing more", async () => {
    vi.useFakeTimers(FAKE_TIMERS);
    const server = new FakeServer();
    const store = await newStore();
    server.commitForeign(foreignOps().ops);
    const session = await track(openSession(server, store));
    const states: string[] = [];
    session.onStatus((s) => states.push(s.state));
    await settle();
    expect(session.status().state).toBe("saved");

    server.revoke("tok");
    await settle();
    expect(states.at(-1)).toBe("revoked");
    session.doc.createMap("After");
    await session.flush();
    await settle();
    await vi.advanceTimersByTimeAsync(120_000);
    await settle();

    expect(server.sockets).toHaveLength(1);
    expect(server.sentOf("submit")).toEqual([]);
    expect(await storedAbout(store)).toEqual({ join: undefined, log: 0, pending: 0 });
  });

  it("an unknown token stops the session but keeps the local copy", async () => {
    const server = new FakeServer();
    const store = await storeWithCopy(server);
    server.tokens.clear();
    const session = await track(openSession(server, store));
    session.onError(() => {});
    await settle();
    expect(session.status().state).toBe("denied");
    const kept = await storedAbout(store);
    expect(kept).toMatchObject({ log: 2, pending: 1 });
    expect(kept.join?.token).toBe("tok");
  });
});
