// Version vectors: which ops of each replica a document has applied.
import type { Ref } from "./ids";

/** For each replica, the last counter applied (counters are contiguous). */
export class VersionVector {
  private readonly lastCounter = new Map<bigint, number>();

  last(replica: bigint): number {
    return this.lastCounter.get(replica) ?? 0;
  }

  /** True if the op, entity or character `ref` names has been applied. */
  contains(ref: Ref): boolean {
    return ref.counter !== 0n && ref.counter <= BigInt(this.last(ref.replica));
  }

  advance(replica: bigint, lastCounter: number): void {
    if (lastCounter > this.last(replica)) this.lastCounter.set(replica, lastCounter);
  }
}
