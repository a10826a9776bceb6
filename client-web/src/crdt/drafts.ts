// Drafts and their variants (docs/crdt.md; server/crdt/document.cc): the ops
// the landscape does not handle. A draft's base variant has the draft's id;
// each variant holds its text as a TextSequence.
import type { IdRange, Op, OpId as PbOpId, TextDelete, TextInsert } from "../gen/convene/v1/ops_pb";
import type { ApplyResult, IdKey } from "./api";
import type { ChangeLog } from "./changes";
import { compareIds, idOfRef, keyOf, refOf, refValid, type Id, type IdSpan, type Ref } from "./ids";
import * as limits from "./limits";
import { Liveness, Lww, restoredRemovals } from "./lww";
import { invalid, missing, OK, type Problem } from "./status";
import { mergeSpans, TextSequence } from "./text";
import { isWellFormed, utf8Length } from "./utf8";
import type { VersionVector } from "./version";

export interface Draft {
  id: Id;
  key: IdKey;
  name: Lww<string>;
  liveness: Liveness;
}

export interface Variant {
  id: Id; // the base variant's id is its draft's id
  key: IdKey;
  draft: IdKey;
  copiedFrom: IdKey | "";
  name: Lww<string>;
  liveness: Liveness;
  text: TextSequence;
}

function checkDocumentName(name: string, what: string): Problem {
  if (!isWellFormed(name)) return invalid(`${what} is not valid UTF-8`);
  if (utf8Length(name) > limits.NAME_BYTES) {
    return invalid(`${what} is longer than ${limits.NAME_BYTES} bytes`);
  }
  return null;
}

/**
 * A referenced id that is applied but not of the expected kind is invalid
 * (it never will be); one not applied yet is a missing dependency.
 */
function unknownReference(version: VersionVector, ref: Ref, expected: string): Problem {
  if (!refValid(ref)) return invalid(`missing reference to a ${expected}`);
  if (version.contains(ref)) return invalid(`reference ${keyOf(ref)} is not a ${expected}`);
  return missing(ref);
}

/** A TextDelete range as a span, or null when its ids cannot all be safe integers. */
function spanOfRange(r: IdRange): IdSpan | null {
  const first = idOfRef({ replica: r.replica, counter: r.counter });
  const length = Number(r.length);
  if (!first || !Number.isSafeInteger(first.counter + length)) return null;
  return { replica: first.replica, counter: first.counter, length };
}

/** The first counter of `span` in the sorted, disjoint `absent` spans, or null. */
function firstAbsent(absent: IdSpan[], span: IdSpan): number | null {
  let lo = 0;
  let hi = absent.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const m = absent[mid];
    const endsBefore =
      m.replica < span.replica ||
      (m.replica === span.replica && m.counter + m.length <= span.counter);
    if (endsBefore) lo = mid + 1;
    else hi = mid;
  }
  const m = absent[lo];
  if (!m || m.replica !== span.replica || m.counter >= span.counter + span.length) return null;
  return Math.max(m.counter, span.counter);
}

/** The character a text op names, if this variant has it. */
function characterOf(v: Variant, ref: Ref): Id | undefined {
  const id = idOfRef(ref);
  return id && v.text.contains(id) ? id : undefined;
}

export class Drafts {
  readonly drafts = new Map<IdKey, Draft>();
  readonly variants = new Map<IdKey, Variant>();
  /** Draft -> its variants' keys, so listing them does not scan every variant (F5). */
  private readonly variantKeys = new Map<IdKey, IdKey[]>();

  constructor(private readonly changes: ChangeLog) {}

  /** True if `key` names a draft or variant (what Rename/Remove/Restore take). */
  ownsNamed(key: IdKey): boolean {
    return this.drafts.has(key) || this.variants.has(key);
  }

  liveness(key: IdKey): Liveness | undefined {
    return this.drafts.get(key)?.liveness ?? this.variants.get(key)?.liveness;
  }

  // ---- validation ------------------------------------------------------------

  validate(op: Op, version: VersionVector): ApplyResult {
    return this.problemOf(op, version) ?? OK;
  }

  private problemOf(op: Op, version: VersionVector): Problem {
    const body = op.body;
    switch (body.case) {
      case "createDraft":
        return checkDocumentName(body.value.name, "draft name");
      case "createVariant": {
        const draft = refOf(body.value.draft);
        if (!this.drafts.has(keyOf(draft))) return unknownReference(version, draft, "draft");
        if (body.value.copiedFrom !== undefined) {
          const from = refOf(body.value.copiedFrom);
          const v = this.variants.get(keyOf(from));
          if (!v) return unknownReference(version, from, "variant");
          if (v.draft !== keyOf(draft)) return invalid("a variant can only copy its own draft");
        }
        return checkDocumentName(body.value.name, "variant name");
      }
      case "rename": {
        const target = refOf(body.value.target);
        if (!this.ownsNamed(keyOf(target))) {
          return unknownReference(version, target, "map, draft or variant");
        }
        return checkDocumentName(body.value.name, "name");
      }
      case "remove": {
        const target = refOf(body.value.target);
        if (!this.ownsNamed(keyOf(target))) {
          return unknownReference(version, target, "removable entity");
        }
        return null;
      }
      case "restore":
        return this.restoreProblem(refOf(body.value.target), body.value.removals, version);
      case "textInsert":
        return this.insertProblem(body.value, version);
      case "textDelete":
        return this.deleteProblem(body.value, version);
      default:
        return invalid("op type not supported");
    }
  }

  private restoreProblem(target: Ref, removals: PbOpId[], version: VersionVector): Problem {
    const key = keyOf(target);
    if (!this.ownsNamed(key)) return unknownReference(version, target, "removable entity");
    if (removals.length === 0) return invalid("restore lists no removals");
    const liveness = this.liveness(key)!;
    for (const removal of removals.map(refOf)) {
      const id = idOfRef(removal);
      if (!id || !liveness.hasRemoval(id)) {
        return unknownReference(version, removal, "removal of the restored entity");
      }
    }
    return null;
  }

  private insertProblem(ins: TextInsert, version: VersionVector): Problem {
    const vref = refOf(ins.variant);
    const v = this.variants.get(keyOf(vref));
    if (!v) return unknownReference(version, vref, "variant");
    for (const origin of [refOf(ins.originLeft), refOf(ins.originRight)]) {
      if (refValid(origin) && !characterOf(v, origin)) {
        return unknownReference(version, origin, "character of this variant");
      }
      if (!refValid(origin) && origin.replica !== 0n) {
        return invalid("origin has a replica but no counter");
      }
    }
    return null;
  }

  /**
   * Every range must name characters of the variant. They are looked up
   * merged, each character once (F2); only when some are missing are the
   * ranges taken in op order, to name the first missing id of the first such
   * range (a range beyond safe integers names none: its first id).
   */
  private deleteProblem(del: TextDelete, version: VersionVector): Problem {
    const vref = refOf(del.variant);
    const v = this.variants.get(keyOf(vref));
    if (!v) return unknownReference(version, vref, "variant");
    const spans = del.ranges.map(spanOfRange);
    const absent: IdSpan[] = []; // sorted and disjoint, as the merged spans are
    for (const s of mergeSpans(spans.filter((s) => s !== null))) v.text.missingParts(s, absent);
    if (absent.length === 0 && !spans.includes(null)) return null;
    for (let i = 0; i < spans.length; i++) {
      const s = spans[i];
      const first = s === null ? del.ranges[i].counter : firstAbsent(absent, s);
      if (first !== null) {
        const ref = { replica: del.ranges[i].replica, counter: BigInt(first) };
        return unknownReference(version, ref, "character of this variant");
      }
    }
    return null;
  }

  // ---- applying --------------------------------------------------------------

  /** Applies an op that passed validate(); `span` is its code point count. */
  apply(op: Op, span: number): void {
    const id: Id = { replica: op.replica, counter: Number(op.counter) };
    const key = keyOf(id);
    const stamp = { lamport: op.lamport, replica: op.replica };
    const body = op.body;
    switch (body.case) {
      case "createDraft": {
        const draft: Draft = { id, key, name: new Lww(""), liveness: new Liveness() };
        draft.name.assign(body.value.name, stamp);
        this.drafts.set(key, draft);
        this.variants.set(key, this.newVariant(id, key, ""));
        this.variantKeys.set(key, [key]);
        this.changes.touchStructure(key);
        break;
      }
      case "createVariant": {
        const from = body.value.copiedFrom;
        const v = this.newVariant(id, keyOf(refOf(body.value.draft)), from ? keyOf(from) : "");
        v.name.assign(body.value.name, stamp);
        this.variants.set(key, v);
        this.variantKeys.get(v.draft)!.push(key);
        this.changes.touchStructure(key);
        break;
      }
      case "rename": {
        const target = keyOf(refOf(body.value.target));
        const named = this.drafts.get(target) ?? this.variants.get(target)!;
        named.name.assign(body.value.name, stamp);
        this.changes.touchStructure(target);
        break;
      }
      case "remove": {
        const target = keyOf(refOf(body.value.target));
        this.liveness(target)!.addRemoval(id);
        this.changes.touchStructure(target);
        break;
      }
      case "restore": {
        const target = keyOf(refOf(body.value.target));
        this.liveness(target)!.cancel(restoredRemovals(body.value.removals));
        this.changes.touchStructure(target);
        break;
      }
      case "textInsert": {
        const ins = body.value;
        const v = this.variants.get(keyOf(refOf(ins.variant)))!;
        const left = idOfRef(refOf(ins.originLeft)) ?? null;
        const right = idOfRef(refOf(ins.originRight)) ?? null;
        v.text.integrate(id, left, right, ins.text, span);
        this.changes.touchText(v.key);
        break;
      }
      case "textDelete": {
        const v = this.variants.get(keyOf(refOf(body.value.variant)))!;
        const spans = body.value.ranges.map((r) => spanOfRange(r)!); // validated
        for (const s of mergeSpans(spans)) v.text.applyDelete(s);
        this.changes.touchText(v.key);
        break;
      }
      default:
        break;
    }
  }

  private newVariant(id: Id, draft: IdKey, copiedFrom: IdKey | ""): Variant {
    return {
      id,
      key: keyOf(id),
      draft,
      copiedFrom,
      name: new Lww(""),
      liveness: new Liveness(),
      text: new TextSequence(),
    };
  }

  // ---- queries -----------------------------------------------------------------

  variantVisible(key: IdKey): boolean {
    const v = this.variants.get(key);
    if (!v || v.liveness.removed) return false;
    const d = this.drafts.get(v.draft);
    return d !== undefined && !d.liveness.removed;
  }

  /** Live drafts, sorted by id. */
  liveDrafts(): Draft[] {
    return [...this.drafts.values()]
      .filter((d) => !d.liveness.removed)
      .sort((a, b) => compareIds(a.id, b.id));
  }

  /** Visible variants of a draft, sorted by id. */
  variantsOf(draft: IdKey): Variant[] {
    return (this.variantKeys.get(draft) ?? [])
      .filter((key) => this.variantVisible(key))
      .map((key) => this.variants.get(key)!)
      .sort((a, b) => compareIds(a.id, b.id));
  }

  /** The canonical JSON "drafts" list; the base variant is named "base". */
  toJSON(): unknown[] {
    return this.liveDrafts().map((d) => ({
      id: d.key,
      name: d.name.value,
      variants: this.variantsOf(d.key).map((v) => ({
        copied_from: v.copiedFrom,
        id: v.key,
        name: v.key === d.key ? "base" : v.name.value,
        text: v.text.text(),
      })),
    }));
  }
}
