import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { backoffDelay } from "../../../src/net/backoff";
import type { Session, SessionError } from "../../../src/net/session";
import { FakeServer } from "./fake-server";
import { FAKE_TIMERS, FakeNetwork, newStore, openSession, settle } from "./helpers";

const sessions: Session[] = [];

beforeEach(() => {
  vi.useFakeTimers(FAKE_TIMERS);
});

afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
  vi.useRealTimers();
});

/** Advances fake time and lets the sockets and IndexedDB catch up. */
async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  await settle();
}

describe("backoffDelay", () => {
  it("doubles from 0.5 s with full jitter and stops at 30 s", () => {
    const top = () => 0.999999;
    expect([0, 1, 2, 3, 4, 5, 6, 7, 10].map((n) => backoffDelay(n, top))).toEqual([
      499, 999, 1999, 3999, 7999, 15999, 29999, 29999, 29999,
    ]);
    expect(backoffDelay(3, () => 0.5)).toBe(2000);
    expect(backoffDelay(3, () => 0.25)).toBe(1000);
    // Never a hot loop, even when the dice say 0.
    expect(backoffDelay(0, () => 0)).toBe(100);
  });
});

describe("reconnecting", () => {
  it("retries with growing, jittered delays while the server is unreachable", async () => {
    const server = new FakeServer();
    server.reachable = false;
    const rolls = [0.9, 0.5, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9];
    const random = () => rolls.shift() ?? 0.9;
    sessions.push(await openSession(server, await newStore(), { random }));
    await settle();
    expect(server.sockets).toHaveLength(1);

    // Delays: 0.9*500, 0.5*1000, 0.9*2000, 0.9*4000, ..., capped at 0.9*30000.
    const expected = [450, 500, 1800, 3600, 7200, 14400, 27000, 27000];
    for (const [i, delay] of expected.entries()) {
      await advance(delay - 1);
      expect(server.sockets).toHaveLength(i + 1);
      await advance(1);
      expect(server.sockets).toHaveLength(i + 2);
    }
  });

  it("starts again from the base delay after a Welcome", async () => {
    const server = new FakeServer();
    server.reachable = false;
    sessions.push(await openSession(server, await newStore(), { random: () => 0.999999 }));
    await settle();
    await advance(499); // 2nd attempt
    await advance(999); // 3rd attempt
    expect(server.sockets).toHaveLength(3);
    server.reachable = true;
    await advance(1999); // 4th attempt: joins
    expect(server.live()).toHaveLength(1);

    server.live()[0].drop();
    await settle();
    await advance(498);
    expect(server.sockets).toHaveLength(4);
    await advance(1);
    expect(server.sockets).toHaveLength(5);
  });

  it("retries at once when the browser comes back online", async () => {
    const server = new FakeServer();
    server.reachable = false;
    const network = new FakeNetwork(false);
    const session = await openSession(server, await newStore(), {
      network,
      random: () => 0.999999,
    });
    sessions.push(session);
    await settle();
    await advance(499);
    await advance(999);
    expect(server.sockets).toHaveLength(3);
    expect(session.status().state).toBe("offline");

    server.reachable = true;
    network.set(true);
    await settle();
    expect(server.sockets).toHaveLength(4);
    expect(session.status().state).toBe("saved");
  });

  it("stops for good on UNAUTHORIZED", async () => {
    const server = new FakeServer();
    const errors: SessionError[] = [];
    const session = await openSession(server, await newStore(), { token: "revoked" });
    sessions.push(session);
    session.onError((e) => errors.push(e));
    await settle();
    expect(session.status().state).toBe("denied");
    expect(errors.map((e) => e.message)).toEqual(["the token does not admit"]);

    await advance(10 * 60_000);
    expect(server.sockets).toHaveLength(1);
    expect(session.status().state).toBe("denied");
  });

  it("retries with backoff while another connection holds the replica", async () => {
    const server = new FakeServer();
    const store = await newStore();
    // Without Web Locks both tabs take the stored replica.
    const first = await openSession(server, store);
    sessions.push(first);
    await settle();
    const second = await openSession(server, store);
    sessions.push(second);
    await settle();
    expect(second.replica).toBe(first.replica);
    expect(second.status().state).toBe("offline");

    await advance(500);
    expect(server.sockets).toHaveLength(3);
    expect(second.status().state).not.toBe("denied");

    await first.close();
    await advance(1000);
    expect(second.status().state).toBe("saved");
  });

  it("takes a silent socket for dead: a Ping unanswered for 10 s ends it", async () => {
    const server = new FakeServer();
    const session = await openSession(server, await newStore(), { random: () => 0.999999 });
    sessions.push(session);
    await settle();
    const socket = server.live()[0];

    await advance(20_000);
    expect(server.sentOf("ping")).toHaveLength(1); // answered: nothing happens
    server.silent = true;
    await advance(20_000);
    expect(server.sentOf("ping")).toHaveLength(2);
    await advance(9_999);
    expect(socket.closedByClient).toBeUndefined();
    await advance(1);
    expect(socket.closedByClient).toBeDefined();
    expect(session.status().state).toBe("offline");

    await advance(499);
    expect(server.sockets).toHaveLength(2);
    expect(session.status().state).toBe("saved");
  });

  it("sends pending edits made while the connection was down after the next Welcome", async () => {
    const server = new FakeServer();
    const session = await openSession(server, await newStore());
    sessions.push(session);
    await settle();
    server.live()[0].drop();
    await settle();

    session.doc.createMap("While away");
    await session.flush();
    expect(session.status()).toEqual({ state: "offline", pending: 1 });
    await advance(30_000);
    expect(server.log).toHaveLength(1);
    expect(server.sentOf("hello")[1].resend).toHaveLength(1);
    expect(server.sentOf("submit")).toHaveLength(0);
    expect(session.status()).toEqual({ state: "saved", pending: 0 });
  });
});
