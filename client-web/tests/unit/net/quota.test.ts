// Edits over a quota (ERROR_QUOTA) or the rate (ERROR_RATE_LIMITED) are kept
// on this device and go out again after the wait the server names; when the
// convening is full (no wait), after a long, growing pause and at every
// reconnection. The top bar says which.
import { describe, expect, it, vi } from "vitest";
import { ErrorCode } from "../../../src/gen/convene/v1/protocol_pb";
import type { Session, SessionError } from "../../../src/net/session";
import { statusText } from "../../../src/ui/shell-status";
import { FakeServer } from "./fake-server";
import { FAKE_TIMERS, newStore, openSession, settle, trackSessions } from "./helpers";

const track = trackSessions();

/** A joined session with fake timers whose errors are collected. */
async function joined(server: FakeServer, store?: Awaited<ReturnType<typeof newStore>>) {
  vi.useFakeTimers(FAKE_TIMERS);
  const session = await track(openSession(server, store ?? (await newStore())));
  const errors: SessionError[] = [];
  session.onError((e) => errors.push(e));
  await settle();
  return { session, errors };
}

async function edit(session: Session, name: string): Promise<void> {
  session.doc.createMap(name);
  await session.flush();
  await settle();
}

/** Advances fake time in steps, letting IndexedDB and the fake sockets run. */
async function pass(ms: number, step = 1_000): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    await vi.advanceTimersByTimeAsync(Math.min(step, ms - t));
    await settle(4);
  }
}

describe("ERROR_QUOTA with a wait", () => {
  it("keeps the refused edit and what followed, says so, and resends after the wait", async () => {
    const server = new FakeServer();
    let refusals = 1;
    server.overQuota = () => (refusals-- > 0 ? 20_000 : undefined);
    const { session, errors } = await joined(server);

    await edit(session, "First");
    await edit(session, "Second"); // sent while the first waits: held too
    expect(server.log).toHaveLength(0);
    expect(session.doc.maps()).toHaveLength(2);
    const status = session.status();
    expect(status).toMatchObject({ state: "held", pending: 2 });
    expect(status.waitMs).toBeGreaterThanOrEqual(19_000);
    expect(statusText(status)).toBe("Editing too fast — 2 edits wait about a minute");

    await pass(19_000);
    expect(server.log).toHaveLength(0); // the server's wait is honoured
    await pass(6_000);
    expect(server.log.map((e) => e.op!.counter)).toEqual([1n, 2n]);
    expect(session.status()).toEqual({ state: "saved", pending: 0 });
    expect(errors).toEqual([]);
    expect(server.sockets).toHaveLength(1);
  });

  it("never gives up ops the server found out of order behind a refused one", async () => {
    const server = new FakeServer();
    let refusals = 1;
    server.overQuota = (op) => (op.counter === 1n && refusals-- > 0 ? 3_000 : undefined);
    const { session, errors } = await joined(server);

    // Two Submits on their way at once: the server refuses the first and
    // finds the second out of order (ERROR_MISSING_DEPENDENCY: a gap).
    server.paused = true;
    await edit(session, "First");
    await edit(session, "Second");
    expect(server.queued.map(([, m]) => m.body.case)).toEqual(["submit", "submit"]);
    server.resume();
    await settle();
    expect(session.doc.maps()).toHaveLength(2);
    expect(session.status()).toMatchObject({ state: "held", pending: 2 });

    await pass(5_000);
    expect(server.log.map((e) => e.op!.counter)).toEqual([1n, 2n]);
    expect(session.status()).toEqual({ state: "saved", pending: 0 });
    expect(errors.filter((e) => e.kind === "refused")).toEqual([]);
  });
});

describe("a full convening (ERROR_QUOTA without a wait)", () => {
  it("keeps the edits on this device and says so, trying after 30 s, then 60 s", async () => {
    const server = new FakeServer();
    let full = true;
    server.overQuota = () => (full ? 0 : undefined);
    const store = await newStore();
    const { session, errors } = await joined(server, store);

    await edit(session, "Kept");
    expect(session.status()).toEqual({ state: "full", pending: 1 });
    expect(statusText(session.status())).toBe(
      "The convening is full — 1 edit kept on this device, not shared",
    );
    expect((await store.loadPending("c1")).byReplica.get(session.replica.toString())).toHaveLength(
      1,
    );

    const tries = () => server.sentOf("submit").length;
    await pass(29_000);
    expect(tries()).toBe(1);
    await pass(8_000); // 30 s, and at most a fifth more
    expect(tries()).toBe(2);
    await pass(59_000);
    expect(tries()).toBe(2); // the pause has doubled
    await pass(14_000);
    expect(tries()).toBe(3);
    expect(session.status().state).toBe("full");
    expect(session.doc.maps()).toHaveLength(1);

    // Room again: the next try takes it.
    full = false;
    await pass(150_000, 5_000);
    expect(server.log).toHaveLength(1);
    expect(session.status()).toEqual({ state: "saved", pending: 0 });
    expect(errors).toEqual([]);
  });

  it("resends at every reconnection, and the edits survive a reload", async () => {
    const server = new FakeServer();
    let full = true;
    server.overQuota = () => (full ? 0 : undefined);
    const store = await newStore();
    const { session } = await joined(server, store);
    await edit(session, "Kept");
    expect(session.status().state).toBe("full");

    server.live()[0].drop();
    await pass(2_000);
    expect(server.sentOf("hello")[1].resend).toHaveLength(1);
    expect(session.status().state).toBe("full");
    await session.close();

    full = false;
    const reloaded = await track(openSession(server, store));
    await settle();
    expect(server.log).toHaveLength(1);
    expect(reloaded.status()).toEqual({ state: "saved", pending: 0 });
  });
});

describe("ERROR_RATE_LIMITED with a wait", () => {
  it("waits as long as the server says", async () => {
    const server = new FakeServer();
    let refusals = 1;
    server.overRate = () => refusals-- > 0;
    server.rateRetryAfterMs = 8_000;
    const { session } = await joined(server);

    await edit(session, "Quick");
    expect(session.status()).toMatchObject({ state: "held", pending: 1 });
    expect(statusText(session.status())).toBe("Editing too fast — 1 edit waits a few seconds");
    await pass(7_500, 500);
    expect(server.log).toHaveLength(0);
    await pass(2_500, 500);
    expect(server.log).toHaveLength(1);
    expect(session.status()).toEqual({ state: "saved", pending: 0 });
  });

  it("says once that a full room will not take us in, and keeps trying", async () => {
    const server = new FakeServer();
    server.refuseJoins = "this convening has 3 members online, the most it takes at once";
    const { session, errors } = await joined(server);
    await pass(10_000, 500);
    expect(server.sentOf("hello").length).toBeGreaterThan(2);
    expect(errors).toMatchObject([{ kind: "server", code: ErrorCode.ERROR_QUOTA }]);
    expect(session.status().state).not.toBe("saved");

    server.refuseJoins = undefined;
    await pass(40_000, 1_000);
    expect(session.status()).toEqual({ state: "saved", pending: 0 });
    expect(errors).toHaveLength(1);
  });

  it("reports a quota refusal that names no op of ours, and carries on", async () => {
    const server = new FakeServer();
    const { session, errors } = await joined(server);
    server.live()[0].deliver({
      case: "error",
      value: { code: ErrorCode.ERROR_QUOTA, message: "full", op: { replica: 1n, counter: 5n } },
    });
    await settle();
    expect(errors).toMatchObject([{ kind: "server", code: ErrorCode.ERROR_QUOTA }]);
    await edit(session, "Fine");
    expect(session.status()).toEqual({ state: "saved", pending: 0 });
  });
});
