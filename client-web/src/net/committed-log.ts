// The committed ops of a convening in seq order, as this tab knows them.
//
// Ops of other members arrive with their seq (Welcome, Ops). Our own come back
// only as an Ack{counter, seq} naming the last of them: the server sends a
// member every other op of a commit before the Ack, and frames in seq order,
// so when an Ack arrives every seq up to its `seq` that we do not hold is one
// of the ops that Ack covers, in counter order. placeOwn() fills them in.
import { create } from "@bufbuild/protobuf";
import type { Op } from "../gen/convene/v1/ops_pb";
import { SequencedOpSchema, type SequencedOp } from "../gen/convene/v1/protocol_pb";
import { opKey } from "./wire";

/** How far below an Ack's seq placeOwn() looks for free seqs beyond its own ops. */
const PLACEMENT_SLACK = 50_000;

export class CommittedLog {
  private readonly bySeq = new Map<number, SequencedOp>();
  private readonly ids = new Set<string>();
  /** Every op in seq order while orderedValid; appends keep it sorted. */
  private ordered: SequencedOp[] = [];
  private orderedValid = true;
  /** What inOrder() last returned, until the next add. */
  private snapshot: SequencedOp[] | undefined;
  private highest = 0;

  get size(): number {
    return this.bySeq.size;
  }

  /** The highest seq held. */
  get highestSeq(): number {
    return this.highest;
  }

  hasSeq(seq: number): boolean {
    return this.bySeq.has(seq);
  }

  hasOp(op: Op): boolean {
    return this.ids.has(opKey(op.replica, op.counter));
  }

  /** Adds an op at its seq; false when that seq is already held. */
  add(entry: SequencedOp): boolean {
    const seq = Number(entry.seq);
    if (this.bySeq.has(seq) || !entry.op) return false;
    this.bySeq.set(seq, entry);
    this.snapshot = undefined;
    this.ids.add(opKey(entry.op.replica, entry.op.counter));
    if (seq > this.highest) {
      if (this.orderedValid) this.ordered.push(entry);
    } else {
      this.orderedValid = false;
    }
    this.highest = Math.max(this.highest, seq);
    return true;
  }

  /**
   * Gives our acknowledged ops (counter order) the free seqs at or below
   * `lastSeq`, the newest op taking the highest. Ops already held are skipped.
   * Returns the entries added, in seq order.
   */
  placeOwn(ops: readonly Op[], lastSeq: number, author: string, timeMs: number): SequencedOp[] {
    const waiting = ops.filter((op) => !this.hasOp(op));
    const placed: SequencedOp[] = [];
    let seq = lastSeq;
    const floor = Math.max(0, lastSeq - waiting.length - PLACEMENT_SLACK);
    for (let i = waiting.length - 1; i >= 0 && seq > floor; seq--) {
      if (this.bySeq.has(seq)) continue;
      const entry = create(SequencedOpSchema, {
        seq: BigInt(seq),
        op: waiting[i],
        author,
        serverTimeMs: BigInt(timeMs),
      });
      this.add(entry);
      placed.push(entry);
      i--;
    }
    return placed.reverse(); // seq order
  }

  /**
   * Every op in seq order. The array is a copy that later additions leave
   * alone (callers compare it with what they had); the ops are shared.
   */
  inOrder(): SequencedOp[] {
    if (!this.orderedValid) {
      this.ordered = [...this.bySeq.values()].sort((a, b) => Number(a.seq - b.seq));
      this.orderedValid = true;
    }
    this.snapshot ??= this.ordered.slice();
    return this.snapshot;
  }
}
