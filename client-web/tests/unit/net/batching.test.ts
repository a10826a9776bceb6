// Storing with less main-thread work: committed ops keep the bytes they came
// in, pending writes are coalesced, a large local batch is written after the
// frame that shows it, and a large Welcome is stored in chunks when the page
// is idle, without the join record claiming unstored ops.
import { describe, expect, it, vi } from "vitest";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Document } from "../../../src/crdt/document";
import type { Op } from "../../../src/gen/convene/v1/ops_pb";
import {
  SequencedOpSchema,
  ServerMessageSchema,
  type SequencedOp,
} from "../../../src/gen/convene/v1/protocol_pb";
import { LocalStore } from "../../../src/net/local-store";
import { encodeSequencedOp, rememberFrameOps } from "../../../src/net/op-bytes";
import { COMMIT_CHUNK_OPS } from "../../../src/net/session";
import { FakeServer } from "./fake-server";
import { FAKE_TIMERS, foreignOps, newStore, openSession, settle, trackSessions } from "./helpers";

const track = trackSessions();

/** Another member's ops: a map and `count - 1` elements on it. */
function manyForeignOps(count: number): { ops: Op[]; map: string } {
  const other = new Document(255n);
  const map = other.createMap("Big");
  for (let i = 1; i < count; i++) other.createElement(map, { label: `e${i}` });
  return { ops: other.takeOutbox(), map };
}

/** An idle callback the test releases by hand. */
class IdleGate {
  private waiting: (() => void)[] = [];
  readonly wait = (): Promise<void> => new Promise((resolve) => this.waiting.push(resolve));
  release(): void {
    this.waiting.shift()?.();
  }
}

let databases = 0;

describe("op bytes", () => {
  it("stores a committed op as the bytes it arrived in, or encodes it equivalently", () => {
    const entries: SequencedOp[] = foreignOps().ops.map((op, i) =>
      create(SequencedOpSchema, { seq: BigInt(i + 1), op, author: "ff", serverTimeMs: 1234n }),
    );
    for (const entry of entries) {
      expect(fromBinary(SequencedOpSchema, encodeSequencedOp(entry))).toEqual(entry);
    }
    const frame = toBinary(
      ServerMessageSchema,
      create(ServerMessageSchema, { body: { case: "ops", value: { ops: entries } } }),
    );
    const decoded = fromBinary(ServerMessageSchema, frame);
    const received = decoded.body.case === "ops" ? decoded.body.value.ops : [];
    rememberFrameOps(frame, received);
    received.forEach((entry, i) => {
      expect(encodeSequencedOp(entry)).toEqual(toBinary(SequencedOpSchema, entries[i]));
      // A copy, not a view of the whole frame (IndexedDB would store the frame).
      expect(encodeSequencedOp(entry).buffer).not.toBe(frame.buffer);
    });
  });
});

describe("pending writes", () => {
  it("coalesce edits flushed while a write is under way, and lose none across a reload", async () => {
    const server = new FakeServer();
    server.reachable = false;
    const store = await newStore();
    const session = await openSession(server, store);
    const append = vi.spyOn(store, "appendPending");
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
    const original = LocalStore.prototype.appendPending;
    append.mockImplementationOnce(async function (this: LocalStore, ...args) {
      await firstHeld;
      return original.apply(store, args);
    });

    session.doc.createMap("one");
    void session.flush();
    await settle(); // the first write is under way, held
    for (const name of ["two", "three", "four"]) {
      session.doc.createMap(name);
      void session.flush();
    }
    expect(session.status().state).toBe("offline");
    expect(session.status().pending).toBe(0); // none durable yet
    releaseFirst();
    await session.flush();
    await settle();

    expect(append.mock.calls.map(([, , ops]) => ops.map((op) => op.counter))).toEqual([
      [1n],
      [2n, 3n, 4n],
    ]);
    expect(session.status()).toEqual({ state: "offline", pending: 4 });
    await session.close();

    const reloaded = await openSession(server, store);
    expect(reloaded.doc.maps().map((m) => m.name)).toEqual(["one", "two", "three", "four"]);
    await reloaded.close();
    server.reachable = true;
    const online = await track(openSession(server, store));
    await settle();
    expect(server.log.map((e) => e.op!.counter)).toEqual([1n, 2n, 3n, 4n]);
    expect(online.status()).toEqual({ state: "saved", pending: 0 });
    expect((await store.loadLog("c1")).ops.map((e) => e.seq)).toEqual([1n, 2n, 3n, 4n]);
  });
});

describe("a large local batch", () => {
  it("is written after the next paint; a small one at once", async () => {
    const server = new FakeServer();
    server.reachable = false;
    const store = await newStore();
    const painted = new IdleGate();
    const session = await openSession(server, store, { whenPainted: painted.wait });
    const append = vi.spyOn(store, "appendPending");

    const map = session.doc.createMap("one");
    await session.flush();
    expect(append).toHaveBeenCalledTimes(1);

    for (let i = 0; i < 600; i++) session.doc.createElement(map, { label: `e${i}` });
    void session.flush();
    await settle();
    expect(append).toHaveBeenCalledTimes(1); // waits for the frame that shows them
    expect(session.status().pending).toBe(1);
    painted.release();
    await session.flush();
    await settle();
    expect(append).toHaveBeenCalledTimes(2);
    expect(session.status()).toEqual({ state: "offline", pending: 601 });
    await session.close();
    const reloaded = await openSession(server, store);
    expect(reloaded.doc.elements(map)).toHaveLength(600);
    await reloaded.close();
  });
});

describe("a large Welcome", () => {
  it("is stored in idle-time chunks; lastSeenSeq never passes the stored log; a reload converges", async () => {
    vi.useFakeTimers(FAKE_TIMERS); // the first session's reconnection never comes
    const count = COMMIT_CHUNK_OPS * 2 + 100;
    const server = new FakeServer();
    const { ops, map } = manyForeignOps(count);
    server.commitForeign(ops);
    const name = `convene-batching-${++databases}`;
    const store = await LocalStore.open({ name });
    const gate = new IdleGate();
    const first = await openSession(server, store, { whenIdle: gate.wait });
    await settle();

    expect(first.log()).toHaveLength(count);
    expect(first.doc.elements(map)).toHaveLength(count - 1);
    // The join record first: the log read after it holds at least as much.
    const stored = async () => {
      const lastSeenSeq = (await store.join("c1"))!.lastSeenSeq;
      return { log: (await store.loadLog("c1")).ops.length, lastSeenSeq };
    };
    expect(await stored()).toEqual({ log: 0, lastSeenSeq: 0 }); // nothing before idle time
    gate.release();
    await settle();
    expect(await stored()).toEqual({ log: COMMIT_CHUNK_OPS, lastSeenSeq: COMMIT_CHUNK_OPS });

    // The page goes away with the rest unstored: a new session on the same
    // database asks the server from what is stored, and converges.
    server.live()[0].drop();
    await settle();
    const again = await LocalStore.open({ name });
    const second = await openSession(server, again, { whenIdle: async () => {} });
    expect(second.log()).toHaveLength(COMMIT_CHUNK_OPS);
    await settle();
    const [, hello] = server.sentOf("hello");
    expect(hello.lastSeenSeq).toBe(BigInt(COMMIT_CHUNK_OPS));
    expect(second.log().map((e) => Number(e.seq))).toEqual(
      Array.from({ length: count }, (_, i) => i + 1),
    );
    expect(second.doc.elements(map)).toHaveLength(count - 1);
    await second.close(); // waits for its writes
    expect(await stored()).toEqual({ log: count, lastSeenSeq: count });

    // The first session's remaining chunks, when they run, change nothing.
    let closed = false;
    void first.close().then(() => (closed = true)); // after its writes
    while (!closed) {
      gate.release();
      await settle();
    }
    expect(await stored()).toEqual({ log: count, lastSeenSeq: count });
    store.close();
    again.close();
  });

  it("keeps the stored lastSeenSeq at most the stored log at every step", async () => {
    const count = COMMIT_CHUNK_OPS * 3 + 1;
    const server = new FakeServer();
    server.commitForeign(manyForeignOps(count).ops);
    const store = await newStore();
    const gate = new IdleGate();
    const session = await track(openSession(server, store, { whenIdle: gate.wait }));
    await settle();
    const seen: [number, number][] = [];
    for (let step = 0; step < 4; step++) {
      const lastSeenSeq = (await store.join("c1"))!.lastSeenSeq;
      const log = (await store.loadLog("c1")).ops;
      seen.push([log.length, lastSeenSeq]);
      // Every seq up to lastSeenSeq is stored.
      expect(log.filter((e) => Number(e.seq) <= lastSeenSeq)).toHaveLength(lastSeenSeq);
      gate.release();
      await settle();
    }
    expect(seen).toEqual([0, 1, 2, 3].map((chunks) => [0, 0].fill(chunks * COMMIT_CHUNK_OPS)));
    expect(await store.join("c1")).toMatchObject({ lastSeenSeq: count });
    expect((await store.loadLog("c1")).ops).toHaveLength(count);
    expect(session.status().state).toBe("saved");
  });
});
