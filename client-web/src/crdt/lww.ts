// Building blocks of map, draft and variant entities: last-writer-wins
// registers and remove-wins liveness (docs/crdt.md, "Maps").
import type { OpId as PbOpId } from "../gen/convene/v1/ops_pb";
import {
  compareIds,
  compareStamps,
  keyOf,
  NO_STAMP,
  refOf,
  refValid,
  type Id,
  type Ref,
  type Stamp,
} from "./ids";
import { invalid, missing, type Problem } from "./status";
import type { VersionVector } from "./version";

/**
 * A last-writer-wins register: a write takes effect iff its stamp is greater
 * than the stamp of the current value. Commutative and idempotent.
 */
export class Lww<T> {
  stamp: Stamp = NO_STAMP;

  constructor(public value: T) {}

  /** Returns true if the write won. */
  assign(value: T, stamp: Stamp): boolean {
    if (compareStamps(stamp, this.stamp) <= 0) return false;
    this.value = value;
    this.stamp = stamp;
    return true;
  }

  get set(): boolean {
    return this.stamp.lamport !== 0n;
  }
}

function indexOfId(ids: Id[], id: Id): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareIds(ids[mid], id) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted(ids: Id[], id: Id): void {
  const last = ids[ids.length - 1];
  if (last === undefined || compareIds(last, id) < 0) {
    ids.push(id); // the usual case: newer than all
    return;
  }
  const at = indexOfId(ids, id);
  if (at === ids.length || compareIds(ids[at], id) !== 0) ids.splice(at, 0, id);
}

/** How many of the sorted `ids` belong to `replica`. */
function countOf(ids: Id[], replica: bigint): number {
  return (
    indexOfId(ids, { replica, counter: Number.POSITIVE_INFINITY }) -
    indexOfId(ids, { replica, counter: 0 })
  );
}

/** Merges sorted, unique `b` (disjoint from `a`) into sorted `a`. */
function mergeSorted(a: Id[], b: Id[]): Id[] {
  const out: Id[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j === b.length || (i < a.length && compareIds(a[i], b[j]) < 0)) out.push(a[i++]);
    else out.push(b[j++]);
  }
  return out;
}

export function includesId(ids: readonly Id[], id: Id): boolean {
  const at = indexOfId(ids as Id[], id);
  return at < ids.length && compareIds(ids[at], id) === 0;
}

/**
 * Remove-wins liveness. An entity is removed while any removal applied to it
 * is not cancelled. A Restore cancels only the removals its author had seen,
 * so a concurrent removal still holds; field updates never touch liveness.
 *
 * Cost (server/crdt/lww.h; docs/threat-model.md, F8): the cancelled removals
 * are a subset of the removals, so `removed` compares two lengths, O(1); a
 * Restore sorts its list once and merges it.
 */
export class Liveness {
  private readonly removalIds: Id[] = []; // sorted, unique
  private cancelledIds: Id[] = []; // sorted, unique, a subset of removalIds

  get removed(): boolean {
    return this.cancelledIds.length < this.removalIds.length;
  }

  get activeCount(): number {
    return this.removalIds.length - this.cancelledIds.length;
  }

  addRemoval(removeOp: Id): void {
    insertSorted(this.removalIds, removeOp);
  }

  /** Whether a removal by `replica` is in force. */
  removedBy(replica: bigint): boolean {
    return countOf(this.removalIds, replica) > countOf(this.cancelledIds, replica);
  }

  /**
   * Cancels those of `removeOps` that are removals here, in any order and
   * with repeats; ids that are not its removals are ignored.
   */
  cancel(removeOps: Id[]): void {
    const fresh = [...removeOps]
      .sort(compareIds)
      .filter((r, i, all) => i === 0 || compareIds(all[i - 1], r) !== 0)
      .filter((r) => this.hasRemoval(r) && !includesId(this.cancelledIds, r));
    if (fresh.length === 0) return;
    const last = this.cancelledIds[this.cancelledIds.length - 1];
    if (last === undefined || compareIds(last, fresh[0]) < 0) {
      for (const r of fresh) this.cancelledIds.push(r); // the usual case: the newest
    } else {
      this.cancelledIds = mergeSorted(this.cancelledIds, fresh);
    }
  }

  /** Removals in force: what a Restore by this replica would cancel. */
  activeRemovals(): Id[] {
    return this.removalIds.filter((r) => !includesId(this.cancelledIds, r));
  }

  hasRemoval(id: Id): boolean {
    return includesId(this.removalIds, id);
  }
}

/** The removals a validated Restore lists, for Liveness.cancel. */
export function restoredRemovals(removals: PbOpId[]): Id[] {
  return removals.map((r) => ({ replica: r.replica, counter: Number(r.counter) }));
}

/**
 * A Restore of `target` must list removals of it: ids not applied yet are
 * missing dependencies, applied ids that are not its removals are invalid.
 */
export function checkRestoredRemovals(
  liveness: Liveness,
  target: Ref,
  removals: PbOpId[],
  applied: VersionVector,
): Problem {
  if (removals.length === 0) return invalid("restore.removals: empty");
  for (const ref of removals.map(refOf)) {
    if (ref.counter <= BigInt(Number.MAX_SAFE_INTEGER)) {
      if (liveness.hasRemoval({ replica: ref.replica, counter: Number(ref.counter) })) continue;
    }
    if (!refValid(ref)) return invalid("restore.removals: unset id");
    if (!applied.contains(ref)) return missing(ref);
    return invalid(`restore.removals: ${keyOf(ref)} is not a removal of ${keyOf(target)}`);
  }
  return null;
}
