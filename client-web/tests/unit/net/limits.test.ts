// The server's limits never cost an edit: no frame above its message limit
// (a large paste, a long offline resend, ops stored by an older client), and
// Submits refused as over its rate are resent after a pause.
import { describe, expect, it, vi } from "vitest";
import { Document } from "../../../src/crdt/document";
import { ErrorCode } from "../../../src/gen/convene/v1/protocol_pb";
import type { Session, SessionError } from "../../../src/net/session";
import { SERVER_MESSAGE_LIMIT_BYTES } from "../../../src/net/wire";
import { FakeServer } from "./fake-server";
import { FAKE_TIMERS, newStore, openSession, settle, trackSessions } from "./helpers";

const track = trackSessions();

// A long paste: 990,000 code points (the most one insert may hold is 1,048,576), 2.9 MB.
const PASTE = "協働の地図を描く😀 ".repeat(99_000);

function expectFramesWithinTheLimit(server: FakeServer): void {
  expect(server.frameSizes.length).toBeGreaterThan(0);
  expect(Math.max(...server.frameSizes)).toBeLessThanOrEqual(SERVER_MESSAGE_LIMIT_BYTES);
}

describe("the message limit", () => {
  it("a 2.9 MB paste goes out in frames under 1 MiB and nothing is undone", async () => {
    const server = new FakeServer();
    const session = await track(openSession(server, await newStore()));
    const errors: SessionError[] = [];
    session.onError((e) => errors.push(e));
    await settle();

    const variant = session.doc.createDraft("Call");
    session.doc.insertText(variant, 0, PASTE);
    await session.flush();
    await settle();

    expectFramesWithinTheLimit(server);
    expect(server.sentOf("submit").length).toBeGreaterThan(1);
    expect(server.doc.text(variant)).toBe(PASTE);
    expect(session.doc.text(variant)).toBe(PASTE);
    expect(session.status()).toEqual({ state: "saved", pending: 0 });
    expect(errors).toEqual([]);
  });

  it("a paste made offline is resent in a Hello and Submits under 1 MiB", async () => {
    const server = new FakeServer();
    server.reachable = false;
    const store = await newStore();
    const offline = await openSession(server, store);
    const variant = offline.doc.createDraft("Call");
    offline.doc.insertText(variant, 0, PASTE);
    offline.doc.insertText(variant, 0, PASTE);
    await offline.flush();
    await offline.close();

    server.reachable = true;
    const online = await track(openSession(server, store));
    await settle();
    expectFramesWithinTheLimit(server);
    expect(server.sentOf("hello")[0].resend.length).toBeGreaterThan(0);
    expect(server.sentOf("submit").length).toBeGreaterThan(0);
    expect(server.doc.text(variant)).toBe(PASTE + PASTE);
    expect(online.status()).toEqual({ state: "saved", pending: 0 });
  });

  it("an op too large for a frame stored by an older client is split, stored split and sent", async () => {
    const server = new FakeServer();
    const store = await newStore();
    const replica = 4242n;
    const author = new Document(replica);
    const variant = author.createDraft("Call");
    author.insertText(variant, 0, PASTE);
    const ops = author.takeOutbox();
    expect(ops).toHaveLength(2); // the draft, and one 2.9 MB insert
    // As an older client left them: pending, under the replica it claims next.
    await store.updateJoin("c1", () => ({
      token: "tok",
      name: "Ana",
      colour: "#aa3355",
      replica: replica.toString(),
      replicas: [replica.toString()],
    }));
    await store.appendPending("c1", replica.toString(), ops);

    server.acking = false; // look at what is stored before the Acks
    const session = await track(openSession(server, store));
    expect(session.replica).toBe(replica);
    await settle();
    expectFramesWithinTheLimit(server);
    expect(server.doc.text(variant)).toBe(PASTE);
    const stored = (await store.loadPending("c1")).byReplica.get(replica.toString()) ?? [];
    expect(stored.length).toBeGreaterThan(3);
    expect(stored.map((op) => op.counter)).toEqual(
      server.log.map((e) => e.op!.counter), // the same pieces
    );
  });
});

describe("the rate limit", () => {
  /** A joined session whose first `refusals` Submits are refused as over the rate. */
  async function rateLimited(refusals: number): Promise<{ server: FakeServer; session: Session }> {
    vi.useFakeTimers(FAKE_TIMERS);
    const server = new FakeServer();
    server.overRate = () => refusals-- > 0;
    const session = await track(openSession(server, await newStore()));
    await settle();
    return { server, session };
  }

  it("a Submit refused as over the rate is resent after a pause, with what followed it", async () => {
    const { server, session } = await rateLimited(1);
    const errors: SessionError[] = [];
    session.onError((e) => errors.push(e));

    session.doc.createMap("First");
    await session.flush();
    await settle();
    session.doc.createMap("Second"); // sent while the first waits: held too
    await session.flush();
    await settle();
    expect(server.log).toHaveLength(0);
    expect(session.doc.maps()).toHaveLength(2); // nothing undone
    expect(session.status()).toMatchObject({ state: "held", pending: 2 });

    await vi.advanceTimersByTimeAsync(1_400);
    await settle();
    expect(server.log).toHaveLength(0); // at least 1.5 s of pause
    await vi.advanceTimersByTimeAsync(1_000);
    await settle();
    expect(server.log.map((e) => e.op!.counter)).toEqual([1n, 2n]);
    expect(session.status()).toEqual({ state: "saved", pending: 0 });
    expect(errors).toEqual([]);
    expect(server.sockets).toHaveLength(1); // no reconnection
  });

  it("waits longer after each refusal, and never gives an edit up", async () => {
    const { server, session } = await rateLimited(4);
    session.doc.createMap("Patient");
    await session.flush();
    await settle();
    const tries = () => server.sentOf("submit").length;
    const times: number[] = [];
    for (let t = 0; t < 60_000 && server.log.length === 0; t += 100) {
      const before = tries();
      await vi.advanceTimersByTimeAsync(100);
      await settle(2);
      if (tries() > before) times.push(t);
    }
    expect(server.log).toHaveLength(1);
    expect(times).toHaveLength(4);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(1_500);
    expect(session.status()).toEqual({ state: "saved", pending: 0 });
  });

  it("an Error for rate that names no op of ours is ignored", async () => {
    const server = new FakeServer();
    const session = await track(openSession(server, await newStore()));
    await settle();
    const errors: SessionError[] = [];
    session.onError((e) => errors.push(e));
    server.live()[0].deliver({
      case: "error",
      value: {
        code: ErrorCode.ERROR_RATE_LIMITED,
        message: "over the rate",
        op: { replica: 1n, counter: 5n },
      },
    });
    await settle();
    expect(errors).toHaveLength(1);
    expect(errors[0].kind).toBe("server");
    session.doc.createMap("Fine");
    await session.flush();
    await settle();
    expect(server.log).toHaveLength(1);
  });
});
