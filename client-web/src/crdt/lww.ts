// Building blocks of map, draft and variant entities: last-writer-wins
// registers and remove-wins liveness (docs/crdt.md, "Maps").
import { compareIds, compareStamps, NO_STAMP, type Id, type Stamp } from "./ids";

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
  const at = indexOfId(ids, id);
  if (at === ids.length || compareIds(ids[at], id) !== 0) ids.splice(at, 0, id);
}

export function includesId(ids: readonly Id[], id: Id): boolean {
  const at = indexOfId(ids as Id[], id);
  return at < ids.length && compareIds(ids[at], id) === 0;
}

/**
 * Remove-wins liveness. An entity is removed while any removal applied to it
 * is not cancelled. A Restore cancels only the removals its author had seen,
 * so a concurrent removal still holds; field updates never touch liveness.
 */
export class Liveness {
  private readonly removalIds: Id[] = []; // sorted, unique
  private readonly cancelledIds: Id[] = []; // sorted, unique

  get removed(): boolean {
    return this.removalIds.some((r) => !includesId(this.cancelledIds, r));
  }

  addRemoval(removeOp: Id): void {
    insertSorted(this.removalIds, removeOp);
  }

  cancel(removeOp: Id): void {
    insertSorted(this.cancelledIds, removeOp);
  }

  /** Removals in force: what a Restore by this replica would cancel. */
  activeRemovals(): Id[] {
    return this.removalIds.filter((r) => !includesId(this.cancelledIds, r));
  }

  hasRemoval(id: Id): boolean {
    return includesId(this.removalIds, id);
  }
}
