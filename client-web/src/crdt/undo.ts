// Per-replica undo/redo history (docs/crdt.md, "Undo and redo";
// server/crdt/undo.h).
//
// Each local edit records its inverse, computed from the state just before
// it; edits between two checkpoints form one step. Undo replays a step's
// inverses (newest first) as new local ops, recording *their* inverses as the
// matching redo step, so redo is undo of the undo. History is never
// rewritten.
//
// Text needs one more idea: undoing a delete re-inserts the text as new
// characters, so later steps that name the old ids must find the new ones.
// Incarnations map each re-inserted span to its new ids; resolve() follows
// that chain.
import type { Op } from "../gen/convene/v1/ops_pb";
import { compareIds, sameId, type Id, type IdSpan } from "./ids";

/** "delete": the inverse of an insert; "reinsert": the inverse of a delete. */
export type TextUndoKind = "delete" | "reinsert";

export interface TextUndo {
  type: "text";
  kind: TextUndoKind;
  variant: Id;
  spans: IdSpan[]; // in the order the edits happened
}

/** A map/draft inverse: an op body, stamped with id and lamport when it runs. */
export interface OpUndo {
  type: "op";
  op: Op;
}

export type UndoAction = OpUndo | TextUndo;
export type Step = UndoAction[];

type Mode = "normal" | "undoing" | "redoing";

export const MAX_STEPS = 500;

/** Appends `span`, extending the last one when contiguous (either direction). */
function appendSpan(spans: IdSpan[], span: IdSpan): void {
  const last = spans[spans.length - 1];
  if (last && last.replica === span.replica) {
    if (last.counter + last.length === span.counter) {
      last.length += span.length;
      return;
    }
    if (span.counter + span.length === last.counter) {
      // backspacing
      last.counter = span.counter;
      last.length += span.length;
      return;
    }
  }
  spans.push({ ...span });
}

interface Incarnation {
  old: IdSpan;
  newFirst: Id;
}

/** First index whose id is greater than `id` (keys sorted by id). */
function upperBound<T>(items: T[], id: Id, idOf: (item: T) => Id): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareIds(idOf(items[mid]), id) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Sets `item` under its id in a sorted list, replacing an equal key. */
function putSorted<T>(items: T[], item: T, idOf: (item: T) => Id): void {
  const at = upperBound(items, idOf(item), idOf);
  if (at > 0 && compareIds(idOf(items[at - 1]), idOf(item)) === 0) items[at - 1] = item;
  else items.splice(at, 0, item);
}

const spanId = (s: IdSpan): Id => s;
const incarnationId = (i: Incarnation): Id => i.old;

export class UndoManager {
  private undoSteps: Step[] = [];
  private redoSteps: Step[] = [];
  private open = false; // the newest undo step still takes edits
  private mode: Mode = "normal";
  private replay: Step = []; // collects inverses while replaying
  private openCreated: IdSpan[] = []; // ids typed in the open step, sorted
  private incarnations: Incarnation[] = []; // sorted by old id

  get canUndo(): boolean {
    return this.undoSteps.length > 0;
  }

  get canRedo(): boolean {
    return this.redoSteps.length > 0;
  }

  checkpoint(): void {
    this.open = false;
  }

  /** Records the inverse of an edit just made, merging runs of typing. */
  record(inverse: UndoAction): void {
    let step: Step;
    if (this.mode !== "normal") {
      step = this.replay;
    } else {
      this.redoSteps = []; // a new edit forks history: redo no longer applies
      if (!this.open || this.undoSteps.length === 0) {
        this.pushStep(this.undoSteps);
        this.open = true;
        this.openCreated = [];
      }
      step = this.undoSteps[this.undoSteps.length - 1];
      if (inverse.type === "text" && inverse.kind === "delete") {
        for (const s of inverse.spans) this.noteCreated(s);
      }
    }
    const last = step[step.length - 1];
    if (inverse.type === "text" && last?.type === "text" && this.sameText(last, inverse)) {
      for (const s of inverse.spans) appendSpan(last.spans, s);
      return;
    }
    step.push(inverse);
  }

  /**
   * The same for one span of text, without building an action when it
   * merges into the previous one (typing, backspacing).
   */
  recordText(kind: TextUndoKind, variant: Id, span: IdSpan): void {
    const normal = this.mode === "normal";
    const openStep = normal ? this.open && this.undoSteps.length > 0 : true;
    const step = normal ? this.undoSteps[this.undoSteps.length - 1] : this.replay;
    const last = step?.[step.length - 1];
    if (openStep && last?.type === "text" && this.sameText(last, { kind, variant })) {
      if (normal) {
        this.redoSteps = [];
        if (kind === "delete") this.noteCreated(span);
      }
      appendSpan(last.spans, span);
      return;
    }
    this.record({ type: "text", kind, variant, spans: [{ ...span }] });
  }

  /**
   * Starts replaying: returns the step to run and makes record() collect
   * into the opposite stack until finish().
   */
  begin(undoing: boolean): Step {
    this.open = false;
    const source = undoing ? this.undoSteps : this.redoSteps;
    const step = source.pop() ?? [];
    this.mode = undoing ? "undoing" : "redoing";
    this.replay = [];
    return step;
  }

  finish(): void {
    const target = this.mode === "undoing" ? this.redoSteps : this.undoSteps;
    if (this.replay.length > 0) {
      this.pushStep(target);
      target[target.length - 1] = this.replay;
    }
    this.replay = [];
    this.mode = "normal";
    this.open = false;
  }

  /**
   * Removes from `spans` the characters typed during the step still being
   * recorded: undoing that step deletes them anyway, so deleting them again
   * needs no re-insertion on undo.
   */
  dropCreatedInOpenStep(spans: IdSpan[]): IdSpan[] {
    if (this.mode !== "normal" || !this.open || this.openCreated.length === 0) return spans;
    const out: IdSpan[] = [];
    for (const original of spans) {
      const span = { ...original };
      while (span.length > 0) {
        // The created range holding span's first id, or the next one after it.
        const it = upperBound(this.openCreated, span, spanId);
        const prev = this.openCreated[it - 1];
        if (prev && prev.replica === span.replica && span.counter < prev.counter + prev.length) {
          const n = Math.min(span.length, prev.counter + prev.length - span.counter);
          span.counter += n; // created in this step: drop
          span.length -= n;
          continue;
        }
        let keep = span.length;
        const next = this.openCreated[it];
        if (next && next.replica === span.replica)
          keep = Math.min(keep, next.counter - span.counter);
        out.push({ replica: span.replica, counter: span.counter, length: keep });
        span.counter += keep;
        span.length -= keep;
      }
    }
    return out;
  }

  /** Maps old text ids to the ids that replaced them on re-insertion. */
  addIncarnation(old: IdSpan, newFirst: Id): void {
    putSorted(this.incarnations, { old: { ...old }, newFirst }, incarnationId);
  }

  /** The current incarnations of a span (the span itself where none moved). */
  resolve(span: IdSpan): IdSpan[] {
    const out: IdSpan[] = [];
    const id = { replica: span.replica, counter: span.counter };
    let remaining = span.length;
    while (remaining > 0) {
      const it = upperBound(this.incarnations, id, incarnationId);
      const moved = this.incarnations[it - 1];
      if (moved) {
        const old = moved.old;
        const offset = id.counter - old.counter;
        if (old.replica === id.replica && offset >= 0 && offset < old.length) {
          const n = Math.min(remaining, old.length - offset);
          const now = {
            replica: moved.newFirst.replica,
            counter: moved.newFirst.counter + offset,
            length: n,
          };
          out.push(...this.resolve(now));
          id.counter += n;
          remaining -= n;
          continue;
        }
      }
      // Not moved: keep ids up to the next moved span.
      let n = remaining;
      const next = this.incarnations[it];
      if (next && next.old.replica === id.replica) n = Math.min(n, next.old.counter - id.counter);
      out.push({ replica: id.replica, counter: id.counter, length: n });
      id.counter += n;
      remaining -= n;
    }
    return out;
  }

  private sameText(a: TextUndo, b: Pick<TextUndo, "kind" | "variant">): boolean {
    return a.kind === b.kind && sameId(a.variant, b.variant);
  }

  private pushStep(stack: Step[]): void {
    stack.push([]);
    if (stack.length > MAX_STEPS) stack.shift();
  }

  private noteCreated(span: IdSpan): void {
    const last = this.openCreated[this.openCreated.length - 1];
    if (last && last.replica === span.replica && last.counter + last.length === span.counter) {
      last.length += span.length;
      return;
    }
    putSorted(this.openCreated, { ...span }, spanId);
  }
}
