// The text CRDT of a draft variant (docs/crdt.md, "Text"): a sequence of
// characters, each inserted between an origin-left and an origin-right
// character, placed by the YjsMod/FugueMax rule so concurrent typing never
// interleaves. Deleted characters stay as tombstones.
//
// Representation. Characters typed in sequence (consecutive ids, each the
// previous one's right neighbour, same origin-right, same deleted state) form
// one Run. So do siblings one replica inserts again and again between the
// same two characters (consecutive ids, the same origins): a *fan*, stepped
// over at once by integration (server/crdt/text.cc; docs/threat-model.md, F4). Runs sit in the leaves of a counted B+tree: every node caches the
// visible and total characters beneath it, so a visible position finds its
// run in O(log n) and parent links give a run's position in O(log n). An id
// index (per replica, the runs sorted by first counter) finds a character by
// id with a binary search; each run knows its leaf.
//
// Positions and lengths count code points. A run keeps its characters as a
// JS string (UTF-16); `length` is in code points.
import { sameId, type Id, type IdSpan } from "./ids";
import { sliceCodePoints, utf16Offset } from "./utf8";

const LEAF_RUNS = 64;
const FANOUT = 32;

class Run {
  leaf!: Leaf;
  /** Every character has originLeft (meaningful when length > 1). */
  fan = false;

  constructor(
    readonly replica: bigint,
    readonly counter: number,
    public length: number,
    public text: string,
    /** Origin-left of the first character (of every character in a fan). */
    readonly originLeft: Id | null,
    /** Shared by every character of the run. */
    readonly originRight: Id | null,
    public deleted: boolean,
  ) {}

  get end(): number {
    return this.counter + this.length;
  }
  get visible(): number {
    return this.deleted ? 0 : this.length;
  }
  idAt(offset: number): Id {
    return { replica: this.replica, counter: this.counter + offset };
  }
}

function isFan(run: Run): boolean {
  return run.fan && run.length > 1;
}

/** The origin-left of character `offset` of `run`. */
function leftOf(run: Run, offset: number): Id | null {
  return offset === 0 || run.fan ? run.originLeft : run.idAt(offset - 1);
}

function adjacentIds(prev: Run, next: Run): boolean {
  return (
    prev.replica === next.replica &&
    prev.end === next.counter &&
    prev.deleted === next.deleted &&
    sameId(next.originRight, prev.originRight)
  );
}

/** True if `next` continues `prev` exactly as one run typed in sequence would. */
function continues(prev: Run, next: Run): boolean {
  return (
    adjacentIds(prev, next) &&
    !isFan(prev) &&
    !isFan(next) &&
    sameId(next.originLeft, prev.idAt(prev.length - 1))
  );
}

/** True if `prev` and `next` together are one fan. */
function extendsFan(prev: Run, next: Run): boolean {
  return (
    adjacentIds(prev, next) &&
    (prev.fan || prev.length === 1) &&
    (next.fan || next.length === 1) &&
    sameId(next.originLeft, prev.originLeft)
  );
}

function joins(prev: Run, next: Run): boolean {
  return continues(prev, next) || extendsFan(prev, next);
}

/** Appends `next` to `prev`, which it joins. */
function join(prev: Run, next: Run): void {
  prev.fan = extendsFan(prev, next);
  prev.length += next.length;
  prev.text += next.text;
}

abstract class TreeNode {
  parent: Inner | null = null;
  visible = 0;
  total = 0;
}

class Leaf extends TreeNode {
  runs: Run[] = [];
  /** The visible text of this leaf, or null when it changed since built. */
  text: string | null = null;
  prev: Leaf | null = null;
  next: Leaf | null = null;
}

class Inner extends TreeNode {
  children: TreeNode[] = [];
}

/** Character `offset` of `run`; null stands for the end of the text. */
interface Cursor {
  run: Run;
  offset: number;
}

function leafText(leaf: Leaf): string {
  if (leaf.text === null) {
    // join() builds a flat string, cheap to copy into the whole text later.
    leaf.text = leaf.runs.map((run) => (run.deleted ? "" : run.text)).join("");
  }
  return leaf.text;
}

/** First index of `runs` whose counter is greater than `counter`. */
function upperBound(runs: Run[], counter: number): number {
  let lo = 0;
  let hi = runs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (runs[mid].counter <= counter) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The same ids, each once: sorted by id, overlapping or touching spans of a
 * replica merged. A TextDelete's ranges are checked and applied this way, so
 * ranges that overlap cost no more than one that covers them all (F2).
 */
export function mergeSpans(spans: IdSpan[]): IdSpan[] {
  const sorted = spans
    .filter((s) => s.length > 0)
    .sort((a, b) =>
      a.replica !== b.replica ? (a.replica < b.replica ? -1 : 1) : a.counter - b.counter,
    );
  const out: IdSpan[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && last.replica === s.replica && s.counter <= last.counter + last.length) {
      last.length = Math.max(last.counter + last.length, s.counter + s.length) - last.counter;
    } else {
      out.push({ ...s });
    }
  }
  return out;
}

/** Appends `span` to `spans`, extending the last one when contiguous. */
function appendSpan(spans: IdSpan[], replica: bigint, counter: number, length: number): void {
  const last = spans[spans.length - 1];
  if (last && last.replica === replica && last.counter + last.length === counter) {
    last.length += length;
  } else {
    spans.push({ replica, counter, length });
  }
}

/**
 * Positions of the origins met by one integration scan, each looked up in the
 * tree once (positions do not change during a scan).
 */
class OriginPositions {
  private readonly known = new Map<number, { replica: bigint; position: number }>();

  constructor(private readonly positionOf: (id: Id) => number) {}

  get(id: Id): number {
    const hit = this.known.get(id.counter); // by counter: numbers hash fast
    if (hit !== undefined && hit.replica === id.replica) return hit.position;
    const position = this.positionOf(id);
    if (hit === undefined) this.known.set(id.counter, { replica: id.replica, position });
    return position;
  }
}

export interface Character extends Origins {
  id: Id;
  deleted: boolean;
}

export interface Origins {
  originLeft: Id | null;
  originRight: Id | null;
}

export class TextSequence {
  private root: TreeNode;
  private first: Leaf;
  private last: Leaf;
  /** replica -> its runs, sorted by first counter. */
  private readonly index = new Map<bigint, Run[]>();
  private cachedText: string | null = "";
  /** Work done since made: tests assert that hostile input costs little. */
  readonly work = { scanSteps: 0, deleteSteps: 0 };

  constructor() {
    const leaf = new Leaf();
    this.root = this.first = this.last = leaf;
  }

  /** Visible code points. */
  get size(): number {
    return this.root.visible;
  }

  /** Code points including tombstones. */
  get totalSize(): number {
    return this.root.total;
  }

  /** True if the character is in the sequence (visible or not). */
  contains(id: Id): boolean {
    return this.findRun(id) !== undefined;
  }

  /** True if every id of the span is in the sequence. */
  containsSpan(span: IdSpan): boolean {
    return this.firstMissing(span) === null;
  }

  /** Appends the parts of the span that are not in the sequence, in order. */
  missingParts(span: IdSpan, out: IdSpan[]): void {
    const runs = this.index.get(span.replica) ?? [];
    let counter = span.counter;
    const end = span.counter + span.length;
    for (let i = Math.max(0, upperBound(runs, counter) - 1); counter < end; i++) {
      const run = runs[i];
      if (run === undefined) {
        out.push({ replica: span.replica, counter, length: end - counter });
        return;
      }
      if (run.end <= counter) continue;
      if (run.counter > counter) {
        const until = Math.min(run.counter, end);
        out.push({ replica: span.replica, counter, length: until - counter });
        counter = until;
      }
      if (counter < end) counter = Math.min(run.end, end);
    }
  }

  /** The first counter of the span that is not in the sequence, or null. */
  firstMissing(span: IdSpan): number | null {
    const runs = this.index.get(span.replica) ?? [];
    let counter = span.counter;
    const end = span.counter + span.length;
    for (let i = upperBound(runs, counter) - 1; counter < end; i++) {
      const run = runs[i];
      if (!run || run.counter > counter || run.end <= counter) return counter;
      counter = run.end;
    }
    return null;
  }

  /** True if the character is in the sequence and not deleted. */
  isVisible(id: Id): boolean {
    const run = this.findRun(id);
    return run !== undefined && !run.deleted;
  }

  // ---- edits -----------------------------------------------------------------

  /**
   * Local insert before visible position `pos` (0..size): origin-left is the
   * visible character at pos - 1, origin-right the character right after it
   * in the sequence (possibly a tombstone). Returns the origins to send.
   */
  localInsert(pos: number, first: Id, text: string, length: number): Origins {
    let at: Cursor | null;
    let originLeft: Id | null = null;
    if (pos === 0) {
      at = this.firstChar();
    } else {
      const left = this.findVisible(pos - 1);
      originLeft = left.run.idAt(left.offset);
      at = this.nextChar(left);
    }
    const originRight = at ? at.run.idAt(at.offset) : null;
    this.insertRun(at, this.newRun(first, text, length, originLeft, originRight));
    return { originLeft, originRight };
  }

  /**
   * Local insert directly before the character `anchor` (visible or not):
   * undo puts deleted text back exactly where it was.
   */
  localInsertBefore(anchor: Id, first: Id, text: string, length: number): Origins {
    const at = this.locate(anchor);
    if (!at) throw new Error(`text: unknown anchor ${anchor.replica}:${anchor.counter}`);
    const left = this.prevChar(at);
    const originLeft = left ? left.run.idAt(left.offset) : null;
    const originRight = at.run.idAt(at.offset); // the anchor, as a value of our own
    this.insertRun(at, this.newRun(first, text, length, originLeft, originRight));
    return { originLeft, originRight };
  }

  /**
   * Local delete of visible [pos, pos + length): marks those characters
   * deleted and returns their id spans in document order.
   */
  localDelete(pos: number, length: number): IdSpan[] {
    const deleted: IdSpan[] = [];
    while (length > 0) {
      const c = this.findVisible(pos);
      const n = Math.min(length, c.run.length - c.offset);
      appendSpan(deleted, c.run.replica, c.run.counter + c.offset, n);
      this.deleteInRun(c.run, c.offset, n);
      length -= n;
    }
    return deleted;
  }

  /** Remote insert (YjsMod/FugueMax). Origins, if set, must be contained. */
  integrate(
    first: Id,
    originLeft: Id | null,
    originRight: Id | null,
    text: string,
    length: number,
  ): void {
    const run = this.newRun(first, text, length, originLeft, originRight);
    let start: Cursor | null; // the first character after the left origin
    if (originLeft) {
      start = this.nextChar(this.mustLocate(originLeft));
    } else {
      start = this.firstChar();
    }
    // Fast path: nothing was inserted concurrently between the origins.
    const atRight = originRight
      ? start !== null && sameId(start.run.idAt(start.offset), originRight)
      : start === null;
    if (atRight) {
      this.insertRun(start, run);
      return;
    }
    this.insertRun(this.placeBetweenOrigins(run, start), run);
  }

  /**
   * The YjsMod scan of docs/crdt.md over the characters between the origins,
   * with positions counted including tombstones. It steps over a run at a
   * time: the characters of a run after its first have the one before them
   * as origin-left (in a fan: the same origins as the first), so they can
   * neither stop the scan nor change `scanning`. Origins are compared by id
   * where that settles it, and other positions are looked up once per scan;
   * the loop allocates nothing (a browser replays every op on load).
   */
  private placeBetweenOrigins(run: Run, start: Cursor | null): Cursor | null {
    const positions = new OriginPositions((id) => this.originPosition(id, true));
    const left = this.originPosition(run.originLeft, true);
    const right = this.originPosition(run.originRight, false);
    let i = left + 1;
    let scanning = false;
    // The character scanned now (null: the end), and where its run sits.
    let current: Run | null = start && start.run;
    let offset = start ? start.offset : 0;
    let leaf: Leaf | null = current && current.leaf;
    let index = current ? current.leaf.runs.indexOf(current) : 0;
    let dest: Run | null = current;
    let destOffset = offset;
    // The character at i - 1 (before the loop: the left origin).
    let before: Run | null = null;
    let beforeOffset = 0;
    for (;;) {
      if (!scanning) {
        dest = current;
        destOffset = offset;
      }
      if (current === null || i === right) break;
      this.work.scanSteps++;
      const other: Run = current;
      // Sign of (position of other's origin-left) - left.
      let vsLeft: number;
      const id = other.originLeft;
      if (offset > 0 && !other.fan)
        vsLeft = i - 1 === left ? 0 : 1; // the previous character
      else if (sameId(id, run.originLeft)) vsLeft = 0;
      else if (id === null) vsLeft = -1;
      else if (
        before &&
        id.replica === before.replica &&
        id.counter === before.counter + beforeOffset
      )
        vsLeft = 1;
      else vsLeft = Math.sign(positions.get(id) - left);
      if (vsLeft < 0) break;
      if (vsLeft === 0) {
        const vsRight = this.versusRight(other.originRight, run.originRight, right, positions);
        if (vsRight === 0 && run.replica < other.replica) break;
        scanning = vsRight < 0;
      }
      let step = other.length - offset;
      if (right >= i && right < i + step) step = right - i;
      i += step;
      before = other;
      beforeOffset = offset + step - 1;
      if (offset + step < other.length) {
        offset += step;
        continue;
      }
      if (++index === leaf!.runs.length) {
        leaf = leaf!.next;
        index = 0;
      }
      current = leaf?.runs[index] ?? null;
      offset = 0;
    }
    return dest ? { run: dest, offset: destOffset } : null;
  }

  /** Sign of (position of `id`) - right, for a scanned character's origin-right. */
  private versusRight(
    id: Id | null,
    newRight: Id | null,
    right: number,
    positions: OriginPositions,
  ): number {
    if (sameId(id, newRight)) return 0;
    if (id === null) return 1; // the end
    if (newRight === null) return -1; // any character is before the end
    return Math.sign(positions.get(id) - right);
  }

  /** Marks the span's characters deleted; returns how many were visible. */
  applyDelete(span: IdSpan): number {
    let newly = 0;
    let counter = span.counter;
    let remaining = span.length;
    while (remaining > 0) {
      const c = this.locate({ replica: span.replica, counter });
      if (!c) break;
      this.work.deleteSteps++;
      const n = Math.min(remaining, c.run.length - c.offset);
      if (!c.run.deleted) {
        this.deleteInRun(c.run, c.offset, n);
        newly += n;
      }
      counter += n;
      remaining -= n;
    }
    return newly;
  }

  // ---- queries ---------------------------------------------------------------

  /**
   * Visible position of a character (for a tombstone: the position the next
   * visible character has). Unknown ids give size.
   */
  positionOf(id: Id): number {
    const c = this.locate(id);
    if (!c) return this.size;
    return this.positionOfRun(c.run, true) + (c.run.deleted ? 0 : c.offset);
  }

  /** Id of the visible character at `pos` (pos < size). */
  idAt(pos: number): Id {
    const c = this.findVisible(pos);
    return c.run.idAt(c.offset);
  }

  /** Which parts of a span are visible now, in id order. */
  visibleParts(span: IdSpan): IdSpan[] {
    const out: IdSpan[] = [];
    this.forEachPiece(span, (run, offset, n) => {
      if (!run.deleted) appendSpan(out, run.replica, run.counter + offset, n);
    });
    return out;
  }

  /** The characters of a span, visible or not; undefined if not all known. */
  contentOf(span: IdSpan): string | undefined {
    let out = "";
    const covered = this.forEachPiece(span, (run, offset, n) => {
      out += sliceCodePoints(run.text, offset, offset + n, run.length);
    });
    return covered ? out : undefined;
  }

  /** The visible text (cached per leaf: an edit rebuilds one leaf). */
  text(): string {
    if (this.cachedText === null) {
      const parts: string[] = [];
      for (let l: Leaf | null = this.first; l; l = l.next) parts.push(leafText(l));
      this.cachedText = parts.join("");
    }
    return this.cachedText;
  }

  /**
   * Every character in order, tombstones included, with its origins: the
   * state a snapshot holds, for tests to compare with a reference.
   */
  characters(): Character[] {
    const out: Character[] = [];
    for (let l: Leaf | null = this.first; l; l = l.next) {
      for (const run of l.runs) {
        for (let k = 0; k < run.length; k++) {
          const { originRight, deleted } = run;
          out.push({ id: run.idAt(k), originLeft: leftOf(run, k), originRight, deleted });
        }
      }
    }
    return out;
  }

  /** Runs currently stored (a memory and speed figure for tests). */
  runCount(): number {
    let n = 0;
    for (let l: Leaf | null = this.first; l; l = l.next) n += l.runs.length;
    return n;
  }

  /** Checks the tree, counts and index; returns the first problem found. */
  checkInvariants(): string | null {
    const problem = this.checkNode(this.root, null);
    if (problem) return problem;
    let indexed = 0;
    for (const runs of this.index.values()) {
      for (let i = 0; i < runs.length; i++) {
        if (i > 0 && runs[i - 1].end > runs[i].counter) return "id index overlaps or unsorted";
        if (!runs[i].leaf.runs.includes(runs[i])) return "indexed run not in its leaf";
      }
      indexed += runs.length;
    }
    if (indexed !== this.runCount()) return "id index and leaves disagree";
    let prev: Leaf | null = null;
    for (let l: Leaf | null = this.first; l; prev = l, l = l.next) {
      if (l.prev !== prev) return "broken leaf chain";
      for (const run of l.runs) {
        if (run.originLeft && !this.contains(run.originLeft)) return "unknown origin-left";
        if (run.originRight && !this.contains(run.originRight)) return "unknown origin-right";
      }
    }
    return prev === this.last ? null : "stale last leaf";
  }

  // ---- private: structure ------------------------------------------------------

  private newRun(
    first: Id,
    text: string,
    length: number,
    originLeft: Id | null,
    originRight: Id | null,
  ): Run {
    return new Run(first.replica, first.counter, length, text, originLeft, originRight, false);
  }

  private propagate(leaf: Leaf, dVisible: number, dTotal: number): void {
    if (dVisible !== 0) {
      this.cachedText = null;
      leaf.text = null;
    }
    for (let n: TreeNode | null = leaf; n; n = n.parent) {
      n.visible += dVisible;
      n.total += dTotal;
    }
  }

  /**
   * Inserts a new run before `at` (at the end for null), extending the run
   * just before instead when the new one continues it (typing).
   */
  private insertRun(at: Cursor | null, run: Run): void {
    let leaf: Leaf;
    let index: number;
    if (at === null) {
      leaf = this.last;
      index = leaf.runs.length;
    } else {
      const target = at.offset > 0 ? this.splitRun(at.run, at.offset) : at.run;
      leaf = target.leaf;
      index = leaf.runs.indexOf(target);
    }
    const prev = index > 0 ? leaf.runs[index - 1] : leaf.prev?.runs[leaf.prev.runs.length - 1];
    if (prev && joins(prev, run)) {
      join(prev, run);
      this.propagate(prev.leaf, run.visible, run.length);
      return;
    }
    this.indexAdd(run);
    this.leafInsert(leaf, index, run);
  }

  private leafInsert(leaf: Leaf, at: number, run: Run): void {
    leaf.runs.splice(at, 0, run);
    run.leaf = leaf;
    this.propagate(leaf, run.visible, run.length);
    if (leaf.runs.length > LEAF_RUNS) this.splitLeaf(leaf);
  }

  /** Splits `run` at `offset` (0 < offset < length); returns the tail. */
  private splitRun(run: Run, offset: number): Run {
    const cut = utf16Offset(run.text, offset, run.length);
    const tail = new Run(
      run.replica,
      run.counter + offset,
      run.length - offset,
      run.text.slice(cut),
      leftOf(run, offset),
      run.originRight,
      run.deleted,
    );
    tail.fan = run.fan;
    run.length = offset;
    run.text = run.text.slice(0, cut);
    // The tail's characters are already counted in this leaf.
    const leaf = run.leaf;
    leaf.runs.splice(leaf.runs.indexOf(run) + 1, 0, tail);
    tail.leaf = leaf;
    this.indexAdd(tail);
    if (leaf.runs.length > LEAF_RUNS) this.splitLeaf(leaf);
    return tail;
  }

  /** Marks characters [offset, offset + n) of a visible run deleted. */
  private deleteInRun(run: Run, offset: number, n: number): void {
    const target = offset > 0 ? this.splitRun(run, offset) : run;
    if (target.length > n) this.splitRun(target, n);
    target.deleted = true;
    this.propagate(target.leaf, -n, 0);
    this.mergeAround(target);
  }

  /** Merges a run with neighbours in its leaf that continue it (backspacing). */
  private mergeAround(run: Run): void {
    const runs = run.leaf.runs;
    const i = runs.indexOf(run);
    if (i + 1 < runs.length && joins(run, runs[i + 1])) this.mergeNext(run.leaf, i);
    if (i > 0 && joins(runs[i - 1], run)) this.mergeNext(run.leaf, i - 1);
  }

  private mergeNext(leaf: Leaf, i: number): void {
    const b = leaf.runs[i + 1];
    join(leaf.runs[i], b);
    leaf.runs.splice(i + 1, 1);
    this.indexRemove(b);
  }

  /** Moves the upper half of an overfull leaf into a new right sibling. */
  private splitLeaf(leaf: Leaf): void {
    const right = new Leaf();
    right.runs = leaf.runs.splice(leaf.runs.length >> 1);
    for (const run of right.runs) {
      run.leaf = right;
      right.visible += run.visible;
      right.total += run.length;
    }
    leaf.visible -= right.visible;
    leaf.total -= right.total;
    leaf.text = null;
    right.prev = leaf;
    right.next = leaf.next;
    if (leaf.next) leaf.next.prev = right;
    else this.last = right;
    leaf.next = right;
    this.insertSibling(leaf, right);
  }

  private splitInner(node: Inner): void {
    const right = new Inner();
    right.children = node.children.splice(node.children.length >> 1);
    for (const child of right.children) {
      child.parent = right;
      right.visible += child.visible;
      right.total += child.total;
    }
    node.visible -= right.visible;
    node.total -= right.total;
    this.insertSibling(node, right);
  }

  /** Links `right` (new, split off `left`) after `left` in their parent. */
  private insertSibling(left: TreeNode, right: TreeNode): void {
    let parent = left.parent;
    if (!parent) {
      parent = new Inner();
      parent.children.push(left);
      parent.visible = left.visible + right.visible;
      parent.total = left.total + right.total;
      left.parent = parent;
      this.root = parent;
    }
    parent.children.splice(parent.children.indexOf(left) + 1, 0, right);
    right.parent = parent;
    if (parent.children.length > FANOUT) this.splitInner(parent);
  }

  // ---- private: id index ---------------------------------------------------------

  private indexAdd(run: Run): void {
    let runs = this.index.get(run.replica);
    if (!runs) {
      runs = [];
      this.index.set(run.replica, runs);
    }
    const last = runs[runs.length - 1];
    if (!last || last.counter < run.counter) runs.push(run);
    else runs.splice(upperBound(runs, run.counter), 0, run);
  }

  private indexRemove(run: Run): void {
    const runs = this.index.get(run.replica)!;
    runs.splice(upperBound(runs, run.counter) - 1, 1);
  }

  private findRun(id: Id): Run | undefined {
    const runs = this.index.get(id.replica);
    if (!runs) return undefined;
    const run = runs[upperBound(runs, id.counter) - 1];
    return run && id.counter < run.end ? run : undefined;
  }

  private locate(id: Id): Cursor | null {
    const run = this.findRun(id);
    return run ? { run, offset: id.counter - run.counter } : null;
  }

  private mustLocate(id: Id): Cursor {
    const c = this.locate(id);
    if (!c) throw new Error(`text: unknown character ${id.replica}:${id.counter}`);
    return c;
  }

  /** Calls `f` for each stored piece of a span; false if some id is unknown. */
  private forEachPiece(span: IdSpan, f: (run: Run, offset: number, n: number) => void): boolean {
    let counter = span.counter;
    let remaining = span.length;
    while (remaining > 0) {
      const c = this.locate({ replica: span.replica, counter });
      if (!c) return false;
      const n = Math.min(remaining, c.run.length - c.offset);
      f(c.run, c.offset, n);
      counter += n;
      remaining -= n;
    }
    return true;
  }

  // ---- private: positions and cursors --------------------------------------------

  /** Position (visible or total) of the first character of `run`. */
  private positionOfRun(run: Run, visible: boolean): number {
    let pos = 0;
    for (const r of run.leaf.runs) {
      if (r === run) break;
      pos += visible ? r.visible : r.length;
    }
    let node: TreeNode = run.leaf;
    for (let p = node.parent; p; node = p, p = p.parent) {
      for (const child of p.children) {
        if (child === node) break;
        pos += visible ? child.visible : child.total;
      }
    }
    return pos;
  }

  /** Total position of a character; -1 for the start, totalSize for the end. */
  private originPosition(id: Id | null, isLeft: boolean): number {
    if (!id) return isLeft ? -1 : this.totalSize;
    const c = this.mustLocate(id);
    return this.positionOfRun(c.run, false) + c.offset;
  }

  /** The run holding visible character `pos` (pos < size). */
  private findVisible(pos: number): Cursor {
    let node = this.root;
    while (node instanceof Inner) {
      const children = node.children;
      let i = 0;
      while (i < children.length - 1 && pos >= children[i].visible) pos -= children[i++].visible;
      node = children[i];
    }
    for (const run of (node as Leaf).runs) {
      if (pos < run.visible) return { run, offset: pos };
      pos -= run.visible;
    }
    throw new Error("text: visible position out of range");
  }

  private firstChar(): Cursor | null {
    return this.runStart(this.first.runs[0]);
  }

  private runStart(run: Run | undefined): Cursor | null {
    return run ? { run, offset: 0 } : null;
  }

  private nextRun(run: Run): Run | undefined {
    const runs = run.leaf.runs;
    const i = runs.indexOf(run);
    return i + 1 < runs.length ? runs[i + 1] : run.leaf.next?.runs[0];
  }

  private prevRun(run: Run): Run | undefined {
    const runs = run.leaf.runs;
    const i = runs.indexOf(run);
    if (i > 0) return runs[i - 1];
    const prev = run.leaf.prev;
    return prev ? prev.runs[prev.runs.length - 1] : undefined;
  }

  private nextChar(c: Cursor): Cursor | null {
    if (c.offset + 1 < c.run.length) return { run: c.run, offset: c.offset + 1 };
    return this.runStart(this.nextRun(c.run));
  }

  private prevChar(c: Cursor): Cursor | null {
    if (c.offset > 0) return { run: c.run, offset: c.offset - 1 };
    const prev = this.prevRun(c.run);
    return prev ? { run: prev, offset: prev.length - 1 } : null;
  }

  private checkNode(node: TreeNode, parent: Inner | null): string | null {
    if (node.parent !== parent) return "broken parent link";
    let visible = 0;
    let total = 0;
    if (node instanceof Leaf) {
      if (node.runs.length > LEAF_RUNS) return "leaf overfull";
      if (node.runs.length === 0 && node !== this.root) return "empty leaf";
      for (const run of node.runs) {
        if (run.length <= 0) return "empty run";
        if (run.leaf !== node) return "run does not know its leaf";
        if (this.findRun(run.idAt(0)) !== run) return "id index misses a run";
        visible += run.visible;
        total += run.length;
      }
    } else {
      const inner = node as Inner;
      if (inner.children.length === 0 || inner.children.length > FANOUT) return "bad fanout";
      for (const child of inner.children) {
        const problem = this.checkNode(child, inner);
        if (problem) return problem;
        visible += child.visible;
        total += child.total;
      }
    }
    return visible === node.visible && total === node.total ? null : "stale counts";
  }
}
