import { describe, expect, it, vi } from "vitest";
import { create } from "@bufbuild/protobuf";
import { Document } from "../../../src/crdt/document";
import { SequencedOpSchema } from "../../../src/gen/convene/v1/protocol_pb";
import { PendingLimitError } from "../../../src/net/local-store";
import { DEFAULT_TIMING, type SessionError } from "../../../src/net/session";
import { FakeServer } from "./fake-server";
import { FakeNetwork, foreignOps, newStore, openSession, settle, trackSessions } from "./helpers";

const track = trackSessions();

/** A joined session whose reported errors are collected. */
async function reportingSession(server: FakeServer) {
  const session = await track(openSession(server, await newStore()));
  const errors: SessionError[] = [];
  session.onError((e) => errors.push(e));
  await settle();
  return { session, errors };
}

/** After bad input, a new edit still reaches the server and is acknowledged. */
async function expectEditsStillSave(session: Awaited<ReturnType<typeof openSession>>) {
  session.doc.createMap("Still fine");
  await session.flush();
  await settle();
  expect(session.status()).toEqual({ state: "saved", pending: 0 });
}

describe("joining", () => {
  it("says Hello with the stored state, asking for ops only", async () => {
    const server = new FakeServer();
    const session = await track(openSession(server, await newStore()));
    await settle();

    const [hello] = server.sentOf("hello");
    expect(hello).toMatchObject({
      protocol: 1,
      token: "tok",
      convening: "c1",
      lastSeenSeq: 0n,
      name: "Ana",
      colour: "#aa3355",
      opsOnly: true,
    });
    expect(hello.resend).toEqual([]);
    expect(hello.replica).toBe(session.replica);
    expect(session.replica).not.toBe(0n);
    expect(session.memberId).toBe(session.replica.toString(16).padStart(16, "0"));
    expect(session.memberId).toHaveLength(16);
  });

  it("applies the Welcome's ops, logs and stores them, and learns role and name", async () => {
    const server = new FakeServer();
    const { ops, map } = foreignOps();
    server.commitForeign(ops);
    const store = await newStore();
    const session = await track(openSession(server, store));
    const joined = vi.fn();
    session.onJoined(joined);
    await settle();

    expect(joined).toHaveBeenCalledOnce();
    expect(session.doc.maps()).toEqual([{ id: map, name: "Rivers" }]);
    expect(session.doc.elements(map).map((e) => e.fields.label)).toEqual(["Weir"]);
    expect(session.log().map((e) => e.seq)).toEqual([1n, 2n]);
    expect(session.role()).toBe("participant");
    expect(session.conveningName()).toBe("Watershed");
    expect(session.status()).toEqual({ state: "saved", pending: 0 });

    const stored = await store.join("c1");
    expect(stored).toMatchObject({
      lastSeenSeq: 2,
      role: "participant",
      conveningName: "Watershed",
      replica: session.replica.toString(),
    });
    expect((await store.loadLog("c1")).ops.map((e) => e.seq)).toEqual([1n, 2n]);
  });
  it("opens its socket while the replica loads, and says Hello as open() returns", async () => {
    const server = new FakeServer();
    const store = await newStore();
    const opening = openSession(server, store);
    // The socket exists before the replica is read from IndexedDB.
    expect(server.sockets).toHaveLength(1);
    const session = await track(opening);

    expect(server.sockets).toHaveLength(1);
    expect(server.sentOf("hello")).toHaveLength(1);
    expect(server.sentOf("hello")[0].replica).toBe(session.replica);
    await settle();
    expect(session.status()).toEqual({ state: "saved", pending: 0 });
  });

  it("retries when the socket opened early could not connect", async () => {
    const server = new FakeServer();
    server.reachable = false;
    const session = await track(
      openSession(server, await newStore(), {
        timing: { ...DEFAULT_TIMING, backoff: { baseMs: 1, capMs: 2, minMs: 1 } },
      }),
    );
    await settle();
    expect(server.sentOf("hello")).toHaveLength(0);
    expect(session.status().state).not.toBe("saved");

    server.reachable = true;
    await vi.waitFor(() => expect(session.status().state).toBe("saved"));
    expect(server.sentOf("hello")).toHaveLength(1);
  });
});

describe("local edits", () => {
  it("submits flushed edits; the Ack drops them from pending and logs them at their seq", async () => {
    const server = new FakeServer();
    const store = await newStore();
    const session = await track(openSession(server, store));
    await settle();
    server.commitForeign(foreignOps().ops); // seqs 1 and 2 are someone else's
    await settle();

    const map = session.doc.createMap("Mine");
    const stored = session.flush();
    expect(session.status().state).toBe("saving");
    await stored;
    await settle();

    expect(server.sentOf("submit")).toHaveLength(1);
    expect(server.log).toHaveLength(3);
    expect(session.status()).toEqual({ state: "saved", pending: 0 });
    const log = session.log();
    expect(log.map((e) => e.seq)).toEqual([1n, 2n, 3n]);
    expect(`${log[2].op!.replica}:${log[2].op!.counter}`).toBe(map);
    expect(log[2].author).toBe(session.memberId);
    expect((await store.loadPending("c1")).byReplica.size).toBe(0);
    expect((await store.join("c1"))!.lastSeenSeq).toBe(3);
    expect((await store.loadLog("c1")).ops.map((e) => e.seq)).toEqual([1n, 2n, 3n]);
  });

  it("keeps edits pending while offline, durable before they count", async () => {
    const server = new FakeServer();
    server.reachable = false;
    const store = await newStore();
    const session = await track(openSession(server, store));
    await settle();
    expect(session.status().state).toBe("offline");

    session.doc.createMap("Offline");
    await session.flush();
    expect(session.status()).toEqual({ state: "offline", pending: 1 });
    const pending = (await store.loadPending("c1")).byReplica.get(session.replica.toString());
    expect(pending?.map((op) => op.counter)).toEqual([1n]);
  });

  it("refuses beyond the pending bound, leaving the edit in the outbox", async () => {
    const server = new FakeServer();
    server.reachable = false;
    const session = await track(openSession(server, await newStore({ maxPendingOps: 3 })));
    for (const name of ["a", "b", "c"]) {
      session.doc.createMap(name);
      await session.flush();
    }
    session.doc.createMap("d");
    expect(() => session.flush()).toThrow(PendingLimitError);
    expect(session.doc.outboxSize()).toBe(1);
    expect(session.status().pending).toBe(3);
  });
});

describe("remote ops", () => {
  it("applies an Ops frame in seq order, stores it and tells the app", async () => {
    const server = new FakeServer();
    const store = await newStore();
    const session = await track(openSession(server, store));
    await settle();
    const repaint = vi.fn();
    session.onRemoteChange(repaint);

    const { ops, map } = foreignOps();
    const entries = ops.map((op, i) =>
      create(SequencedOpSchema, { seq: BigInt(i + 1), op, author: "00000000000000ff" }),
    );
    // The element comes first in the frame but depends on the map.
    server.live()[0].deliver({ case: "ops", value: { ops: [entries[1], entries[0]] } });
    await settle();

    expect(repaint).toHaveBeenCalledOnce();
    expect(session.doc.elements(map)).toHaveLength(1);
    expect(session.log().map((e) => e.seq)).toEqual([1n, 2n]);
    expect((await store.join("c1"))!.lastSeenSeq).toBe(2);
    await session.close();

    // Reload with no network: the same state, from IndexedDB alone.
    server.reachable = false;
    const reloaded = await track(openSession(server, store));
    expect(reloaded.doc.elements(map).map((e) => e.fields.label)).toEqual(["Weir"]);
    expect(reloaded.log().map((e) => e.seq)).toEqual([1n, 2n]);
  });
});

describe("reload", () => {
  it("keeps offline edits across reloads and resends them exactly once", async () => {
    const server = new FakeServer();
    server.reachable = false;
    const store = await newStore();
    const first = await openSession(server, store);
    const map = first.doc.createMap("Offline map");
    first.doc.createElement(map, { label: "Spring" });
    await first.flush();
    await first.close();

    // Reload, still offline: the edits are there, on the same replica.
    const second = await openSession(server, store);
    expect(second.replica).toBe(first.replica);
    expect(second.doc.maps().map((m) => m.name)).toEqual(["Offline map"]);
    await settle();
    expect(second.status()).toEqual({ state: "offline", pending: 2 });
    // New edits continue the replica's counters.
    second.doc.createMap("Later");
    await second.flush();
    await second.close();

    server.reachable = true;
    const third = await track(openSession(server, store));
    await settle();
    const [hello] = server.sentOf("hello");
    expect(hello.resend.map((op) => op.counter)).toEqual([1n, 2n, 3n]);
    expect(server.sentOf("submit")).toHaveLength(0);
    expect(server.log.map((e) => e.op!.counter)).toEqual([1n, 2n, 3n]);
    expect(third.status()).toEqual({ state: "saved", pending: 0 });
    expect(third.log().map((e) => e.seq)).toEqual([1n, 2n, 3n]);
    expect((await store.loadPending("c1")).byReplica.size).toBe(0);
  });

  it("resends an op whose Ack was lost; the server's copy and its re-Ack settle it", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
    const server = new FakeServer();
    server.acking = false;
    const session = await track(openSession(server, await newStore()));
    await settle();
    session.doc.createMap("Once");
    await session.flush();
    await settle();
    expect(server.log).toHaveLength(1);
    expect(session.status().pending).toBe(1);

    server.acking = true;
    server.live()[0].drop();
    await settle();
    await vi.advanceTimersByTimeAsync(1000);
    await settle();

    const hellos = server.sentOf("hello");
    expect(hellos).toHaveLength(2);
    expect(hellos[1].lastSeenSeq).toBe(0n);
    expect(hellos[1].resend).toHaveLength(1);
    expect(server.log).toHaveLength(1); // not committed twice
    expect(session.status()).toEqual({ state: "saved", pending: 0 });
    expect(session.log().map((e) => e.seq)).toEqual([1n]);
    expect(session.doc.maps()).toHaveLength(1);
  });
});

describe("refused edits", () => {
  it("reports the op, undoes it and what followed, and lets new edits through", async () => {
    const server = new FakeServer();
    server.refuseIf = (op) => op.body.case === "createMap" && op.body.value.name === "Bad";
    const store = await newStore();
    const session = await track(openSession(server, store));
    const errors: SessionError[] = [];
    session.onError((e) => errors.push(e));
    const reset = vi.fn();
    session.onReset(reset);
    await settle();

    const bad = session.doc.createMap("Bad");
    session.doc.createMap("Follows");
    await session.flush();
    await settle();

    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ kind: "refused", op: bad });
    expect(errors[0].message).toContain(bad);
    expect(reset).toHaveBeenCalledWith(session.doc);
    expect(session.doc.maps()).toEqual([]);
    expect(session.status().pending).toBe(0);
    expect((await store.loadPending("c1")).byReplica.size).toBe(0);

    // The rebuilt document reuses the counters; the server takes them.
    session.doc.createMap("Good");
    await session.flush();
    await settle();
    expect(server.log.map((e) => e.op!.counter)).toEqual([1n]);
    expect(session.status()).toEqual({ state: "saved", pending: 0 });
    expect(session.doc.maps().map((m) => m.name)).toEqual(["Good"]);
  });
});

describe("hostile input", () => {
  it("reports and ignores frames that make no sense, and carries on", async () => {
    const server = new FakeServer();
    const { session, errors } = await reportingSession(server);
    const socket = server.live()[0];

    socket.deliverRaw("a text frame");
    socket.deliverRaw(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]).buffer);
    socket.deliver({ case: "ack", value: { replica: 42n, counter: 1n, seq: 7n } });
    socket.deliver({ case: "ops", value: { ops: [{ seq: 0n, op: foreignOps().ops[0] }] } });
    socket.deliver({ case: "welcome", value: { protocol: 1 } });
    await settle();

    expect(errors.map((e) => e.kind)).toEqual([
      "decode",
      "decode",
      "unexpected",
      "unexpected",
      "unexpected",
    ]);
    expect(session.log()).toEqual([]);

    await expectEditsStillSave(session);
  });

  it("reports a committed op the document cannot apply, without stopping", async () => {
    const server = new FakeServer();
    const { session, errors } = await reportingSession(server);
    const { ops } = foreignOps();
    // Only the element: its map is missing.
    server.live()[0].deliver({
      case: "ops",
      value: { ops: [{ seq: 1n, op: ops[1], author: "00000000000000ff" }] },
    });
    await settle();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ kind: "apply", op: "255:2" });
    expect(session.log()).toHaveLength(1);
  });
});

describe("status", () => {
  it("goes connecting -> saved, and offline with the browser", async () => {
    const server = new FakeServer();
    const network = new FakeNetwork(true);
    const session = await track(openSession(server, await newStore(), { network }));
    const states: string[] = [];
    session.onStatus((s) => states.push(s.state));
    expect(session.status().state).toBe("connecting");
    await settle();
    expect(session.status().state).toBe("saved");
    network.set(false);
    expect(session.status().state).toBe("offline");
    network.set(true);
    expect(states).toEqual(["saved", "offline", "saved"]);
  });

  it("works on a document built by the caller's factory", async () => {
    const server = new FakeServer();
    const made: bigint[] = [];
    const session = await track(
      openSession(server, await newStore(), {
        createDocument: (replica) => {
          made.push(replica);
          return new Document(replica);
        },
      }),
    );
    expect(made).toEqual([session.replica]);
  });
});

describe("batches", () => {
  it("asks for them, and takes a Batch's messages as if each had come alone", async () => {
    const server = new FakeServer();
    const store = await newStore();
    const session = await track(openSession(server, store));
    await settle();
    expect(server.sentOf("hello")[0].batches).toBe(true);
    const socket = server.live()[0];

    const { ops, map } = foreignOps();
    const entries = ops.map((op, i) =>
      create(SequencedOpSchema, { seq: BigInt(i + 1), op, author: "00000000000000ff" }),
    );
    // One turn of the server: two Ops and a presence update, one frame.
    socket.deliver({ case: "ops", value: { ops: [entries[0]] } });
    socket.deliver({ case: "ops", value: { ops: [entries[1]] } });
    socket.deliver({
      case: "presence",
      value: { members: [{ id: "00000000000000ff", name: "Bo", colour: "#123456" }] },
    });
    await settle();

    expect(socket.batchFrames).toBe(1);
    expect(session.doc.elements(map).map((e) => e.fields.label)).toEqual(["Weir"]);
    expect(session.log().map((e) => e.seq)).toEqual([1n, 2n]);
    expect(session.member("00000000000000ff")?.name).toBe("Bo");
    // The ops keep the bytes they came in: the log reloads from IndexedDB.
    expect((await store.loadLog("c1")).ops.map((e) => e.seq)).toEqual([1n, 2n]);

    // Own edits: the Ack may share a frame with others' ops.
    session.doc.createMap("Mine");
    await session.flush();
    await settle();
    expect(session.status()).toEqual({ state: "saved", pending: 0 });
  });

  it("reports a malformed Batch whole and carries on", async () => {
    const server = new FakeServer();
    const { session, errors } = await reportingSession(server);
    const socket = server.live()[0];

    // ServerMessage.batch holding field 2 instead of messages; then a Batch cut short.
    socket.deliverRaw(new Uint8Array([0x3a, 0x02, 0x12, 0x00]).buffer);
    socket.deliverRaw(new Uint8Array([0x3a, 0x05, 0x0a, 0x09]).buffer);
    // A Batch inside a Batch.
    socket.deliverRaw(new Uint8Array([0x3a, 0x04, 0x0a, 0x02, 0x3a, 0x00]).buffer);
    await settle();
    expect(errors.map((e) => e.kind)).toEqual(["decode", "decode", "decode"]);
    expect(errors[2].message).toContain("a Batch inside a Batch");

    await expectEditsStillSave(session);
  });
});
