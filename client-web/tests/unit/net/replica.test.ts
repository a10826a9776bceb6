import { afterEach, describe, expect, it, vi } from "vitest";
import { claimReplica, randomReplica } from "../../../src/net/replica";
import type { Session } from "../../../src/net/session";
import { FakeServer } from "./fake-server";
import type { SessionError } from "../../../src/net/session";
import { FAKE_TIMERS, FakeLocks, FakeNetwork, newStore, openSession, settle } from "./helpers";

const sessions: Session[] = [];

afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
  vi.useRealTimers();
});

describe("replica ids", () => {
  it("are random, non-zero and 64-bit", () => {
    const ids = new Set(Array.from({ length: 50 }, randomReplica));
    expect(ids.size).toBe(50);
    for (const id of ids) {
      expect(id).toBeGreaterThan(0n);
      expect(id).toBeLessThan(1n << 64n);
    }
  });

  it("claims the first free candidate and holds it until released", async () => {
    const locks = new FakeLocks();
    const a = await claimReplica("c1", ["11", "22"], locks);
    const b = await claimReplica("c1", ["11", "22"], locks);
    expect([a.replica, a.exclusive]).toEqual([11n, true]);
    expect([b.replica, b.exclusive]).toEqual([22n, true]);
    const c = await claimReplica("c1", ["11", "22"], locks);
    expect([11n, 22n]).not.toContain(c.replica);
    a.release();
    await settle(2);
    expect((await claimReplica("c1", ["11", "22"], locks)).replica).toBe(11n);
  });

  it("skips stored ids that are not replicas", async () => {
    const claim = await claimReplica("c1", ["0", "x", "18446744073709551616", "7"], undefined);
    expect(claim).toMatchObject({ replica: 7n, exclusive: false });
  });

  it("goes on without locks when the lock manager fails", async () => {
    const failing = {
      request: () => Promise.reject(new Error("SecurityError")),
    };
    const claim = await claimReplica("c1", ["5"], failing);
    expect(claim).toMatchObject({ replica: 5n, exclusive: false });
  });
});

describe("replicas of sessions in one browser", () => {
  it("gives a second tab its own replica while the first holds the lock, and reuses it after", async () => {
    const server = new FakeServer();
    const store = await newStore();
    const locks = new FakeLocks();
    const first = await openSession(server, store, { locks });
    sessions.push(first);
    const second = await openSession(server, store, { locks });
    sessions.push(second);
    expect(second.replica).not.toBe(first.replica);
    await settle();
    expect(server.live()).toHaveLength(2);

    await first.close();
    const third = await openSession(server, store, { locks });
    sessions.push(third);
    expect(third.replica).toBe(first.replica);
    expect((await store.join("c1"))!.replicas).toEqual([
      first.replica.toString(),
      second.replica.toString(),
    ]);
  });

  it("claims a free replica with pending ops first, so they go out", async () => {
    const server = new FakeServer();
    server.reachable = false;
    const store = await newStore();
    const locks = new FakeLocks();
    const holder = await openSession(server, store, { locks });
    sessions.push(holder);
    const offline = await openSession(server, store, { locks });
    offline.doc.createMap("Waiting");
    await offline.flush();
    await offline.close();
    // A third tab, used last, with nothing pending.
    const idle = await openSession(server, store, { locks });
    await idle.close();

    server.reachable = true;
    const next = await openSession(server, store, { locks });
    sessions.push(next);
    expect(next.replica).toBe(offline.replica);
    expect(next.doc.maps().map((m) => m.name)).toEqual(["Waiting"]);
    await settle();
    expect(server.log.map((e) => e.op!.replica)).toEqual([offline.replica]);
  });

  it("shows another replica's pending edits without sending them", async () => {
    const server = new FakeServer();
    server.reachable = false;
    const store = await newStore();
    const locks = new FakeLocks();
    const other = await openSession(server, store, { locks });
    sessions.push(other);
    other.doc.createMap("Theirs");
    await other.flush();

    server.reachable = true;
    const mine = await openSession(server, store, { locks });
    sessions.push(mine);
    expect(mine.replica).not.toBe(other.replica);
    expect(mine.doc.maps().map((m) => m.name)).toEqual(["Theirs"]);
    await settle();
    expect(server.sentOf("hello").every((h) => h.resend.length === 0)).toBe(true);
    expect(mine.status().pending).toBe(0);
  });

  it("waits for another tab's edits that its own build on, instead of dropping them", async () => {
    vi.useFakeTimers(FAKE_TIMERS);
    const server = new FakeServer();
    server.reachable = false;
    const store = await newStore();
    const locks = new FakeLocks();
    const tabA = await openSession(server, store, { locks });
    sessions.push(tabA);
    const map = tabA.doc.createMap("From A");
    await tabA.flush();
    await settle();

    const network = new FakeNetwork(false);
    const tabB = await openSession(server, store, { locks, network });
    sessions.push(tabB);
    const errors: SessionError[] = [];
    tabB.onError((e) => errors.push(e));
    tabB.doc.createElement(map, { label: "From B" });
    await tabB.flush();
    await settle();

    // B gets through first: the server does not know A's map yet.
    server.reachable = true;
    network.set(true);
    await settle();
    expect(server.log).toHaveLength(0);
    expect(tabB.status().pending).toBe(1);

    await vi.advanceTimersByTimeAsync(2000); // both reconnect: A's map, then B's element
    await settle();
    expect(errors).toEqual([]);
    expect(server.log.map((e) => e.op!.replica)).toEqual([tabA.replica, tabB.replica]);
    expect(tabB.status()).toEqual({ state: "saved", pending: 0 });
    expect(tabB.doc.elements(map).map((e) => e.fields.label)).toEqual(["From B"]);
  });
});
