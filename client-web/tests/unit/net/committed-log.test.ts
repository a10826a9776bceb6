import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { OpSchema, type Op } from "../../../src/gen/convene/v1/ops_pb";
import { SequencedOpSchema } from "../../../src/gen/convene/v1/protocol_pb";
import { CommittedLog } from "../../../src/net/committed-log";

function op(replica: bigint, counter: bigint): Op {
  return create(OpSchema, {
    replica,
    counter,
    lamport: counter,
    body: { case: "createMap", value: { name: "m" } },
  });
}

function logWith(entries: [number, Op][]): CommittedLog {
  const log = new CommittedLog();
  for (const [seq, o] of entries) log.add(create(SequencedOpSchema, { seq: BigInt(seq), op: o }));
  return log;
}

describe("CommittedLog", () => {
  it("gives our acknowledged ops the seqs between others' ops of the same commit", () => {
    // Seqs 3 and 5 are ours (one Ack{seq 5}); 4 came in the Ops frame before it.
    const log = logWith([
      [1, op(9n, 1n)],
      [2, op(9n, 2n)],
      [4, op(9n, 3n)],
    ]);
    const placed = log.placeOwn([op(7n, 1n), op(7n, 2n)], 5, "0000000000000007", 1000);
    expect(placed.map((e) => [e.seq, e.op!.counter])).toEqual([
      [3n, 1n],
      [5n, 2n],
    ]);
    expect(log.inOrder().map((e) => e.seq)).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(placed[0].author).toBe("0000000000000007");
  });

  it("does not place an op twice (a resend that came back in the Welcome)", () => {
    const log = logWith([[1, op(7n, 1n)]]);
    expect(log.placeOwn([op(7n, 1n)], 1, "x", 0)).toEqual([]);
    expect(log.size).toBe(1);
  });

  it("hands out a new array after each change, leaving the old one alone", () => {
    const log = logWith([[2, op(9n, 1n)]]);
    const before = log.inOrder();
    log.add(create(SequencedOpSchema, { seq: 1n, op: op(9n, 2n) }));
    expect(before.map((e) => e.seq)).toEqual([2n]);
    expect(log.inOrder().map((e) => e.seq)).toEqual([1n, 2n]);
    expect(log.inOrder()).toBe(log.inOrder());
    expect(log.highestSeq).toBe(2);
  });
});
