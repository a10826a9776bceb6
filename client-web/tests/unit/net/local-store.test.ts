import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { OpSchema, type Op } from "../../../src/gen/convene/v1/ops_pb";
import { SequencedOpSchema } from "../../../src/gen/convene/v1/protocol_pb";
import { PendingLimitError, rememberReplica } from "../../../src/net/local-store";
import { newStore } from "./helpers";

function op(replica: bigint, counter: bigint): Op {
  return create(OpSchema, {
    replica,
    counter,
    lamport: counter,
    body: { case: "createMap", value: { name: `m${counter}` } },
  });
}

describe("LocalStore", () => {
  it("keeps pending ops per convening and replica, in counter order", async () => {
    const store = await newStore();
    await store.appendPending("c1", "7", [op(7n, 2n), op(7n, 1n)]);
    await store.appendPending("c1", "8", [op(8n, 1n)]);
    await store.appendPending("c2", "7", [op(7n, 9n)]);

    const { byReplica, corrupt } = await store.loadPending("c1");
    expect(corrupt).toBe(0);
    expect([...byReplica.keys()]).toEqual(["7", "8"]);
    expect(byReplica.get("7")!.map((o) => o.counter)).toEqual([1n, 2n]);
    expect((await store.loadPending("c2")).byReplica.get("7")!.map((o) => o.counter)).toEqual([9n]);
  });

  it("refuses pending ops beyond the bound, storing none of the batch", async () => {
    const store = await newStore({ maxPendingOps: 3 });
    await store.appendPending("c1", "7", [op(7n, 1n), op(7n, 2n)]);
    await expect(store.appendPending("c1", "7", [op(7n, 3n), op(7n, 4n)])).rejects.toThrow(
      PendingLimitError,
    );
    expect((await store.loadPending("c1")).byReplica.get("7")).toHaveLength(2);
    // Another replica has its own allowance.
    await store.appendPending("c1", "8", [op(8n, 1n), op(8n, 2n), op(8n, 3n)]);
  });

  it("records committed ops, drops what they cover and raises lastSeenSeq only", async () => {
    const store = await newStore();
    await store.updateJoin("c1", () => ({ token: "t", lastSeenSeq: 5 }));
    await store.appendPending("c1", "7", [op(7n, 1n), op(7n, 2n), op(7n, 3n)]);
    const entry = (seq: bigint, o: Op) => create(SequencedOpSchema, { seq, op: o });

    await store.recordCommitted("c1", {
      log: [entry(7n, op(7n, 2n)), entry(6n, op(7n, 1n))],
      lastSeenSeq: 7,
      committed: [{ replica: "7", through: 2n }],
    });
    expect((await store.loadLog("c1")).ops.map((e) => e.seq)).toEqual([6n, 7n]);
    expect((await store.loadPending("c1")).byReplica.get("7")!.map((o) => o.counter)).toEqual([3n]);
    expect((await store.join("c1"))!.lastSeenSeq).toBe(7);

    await store.recordCommitted("c1", { log: [], lastSeenSeq: 3, committed: [] });
    expect((await store.join("c1"))!.lastSeenSeq).toBe(7);
  });

  it("drops refused pending ops from a counter on", async () => {
    const store = await newStore();
    await store.appendPending("c1", "7", [op(7n, 1n), op(7n, 2n), op(7n, 3n)]);
    await store.dropPendingFrom("c1", "7", 2n);
    expect((await store.loadPending("c1")).byReplica.get("7")!.map((o) => o.counter)).toEqual([1n]);
  });

  it("forgets one convening entirely", async () => {
    const store = await newStore();
    for (const c of ["c1", "c2"]) {
      await store.updateJoin(c, () => ({ token: c }));
      await store.appendPending(c, "7", [op(7n, 1n)]);
      await store.recordCommitted(c, {
        log: [create(SequencedOpSchema, { seq: 1n, op: op(9n, 1n) })],
        lastSeenSeq: 1,
        committed: [],
      });
    }
    await store.forget("c1");
    expect((await store.joins()).map((j) => j.convening)).toEqual(["c2"]);
    expect((await store.loadLog("c1")).ops).toEqual([]);
    expect((await store.loadPending("c1")).byReplica.size).toBe(0);
    expect((await store.loadLog("c2")).ops).toHaveLength(1);
    expect((await store.loadPending("c2")).byReplica.size).toBe(1);
  });
});

describe("rememberReplica", () => {
  it("puts the replica first and forgets the oldest idle ones beyond eight", () => {
    const list = ["1", "2", "3", "4", "5", "6", "7", "8"];
    expect(rememberReplica(list, "9", new Set())).toEqual(["9", "1", "2", "3", "4", "5", "6", "7"]);
    expect(rememberReplica(list, "9", new Set(["8"]))).toHaveLength(9);
    expect(rememberReplica(list, "3", new Set())).toEqual(["3", "1", "2", "4", "5", "6", "7", "8"]);
  });
});
