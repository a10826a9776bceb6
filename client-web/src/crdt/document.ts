// The browser's replica of a convening document: maps and drafts as one
// op-based CRDT, with exactly the semantics of the C++ library (server/crdt/
// document.h, docs/crdt.md), proven by replaying tests/vectors.
//
// apply(op): ops from the server or peers. Each is applied exactly once; a
// second delivery is "duplicate", an op whose causal dependencies are not
// applied yet is "missing", a malformed one "invalid"; neither changes
// anything.
//
// Local edits build an op from the current state, apply it at once and queue
// it in the outbox, where a run of typing (or of backspacing) becomes one op.
// Each records its inverse for undo; undo/redo emit new ops, never rewriting
// history.
import { clone, create } from "@bufbuild/protobuf";
import {
  IdRangeSchema,
  OpSchema,
  type Geometry,
  type IdRange,
  type Op,
  type OpId as PbOpId,
} from "../gen/convene/v1/ops_pb";
import {
  EditError,
  type ApplyResult,
  type Changes,
  type ConnectionInit,
  type ConnectionView,
  type ConveneDocument,
  type ElementInit,
  type ElementView,
  type FieldDefView,
  type FieldInit,
  type FieldValue,
  type IdKey,
  type KindInit,
  type KindView,
  type NamedView,
  type PerspectiveSummary,
  type SavedView,
  type SavedViewInit,
  type ShapeInit,
  type ShapeView,
  type StyleMatch,
  type StyleRuleInit,
  type StyleRuleView,
  type TagUse,
  type VariantView,
} from "./api";
import { ChangeLog } from "./changes";
import { Drafts, type Variant } from "./drafts";
import {
  idOfRef,
  keyOf,
  MAX_U64,
  parseIdKey,
  refOf,
  sameId,
  toPbId,
  type Id,
  type IdSpan,
} from "./ids";
import { inverseOf, newOp, restoreOp } from "./inverse";
import { Landscape } from "./landscape";
import * as limits from "./limits";
import { DUPLICATE, invalid, missing, OK, type Problem } from "./status";
import { UndoManager } from "./undo";
import { codePointCount, isWellFormed } from "./utf8";
import { VersionVector } from "./version";
import { connectionView, elementView, shapeView } from "./views";
import { Vocabulary } from "./vocabulary";
import { byOrder } from "./vocabulary-defs";
import {
  fieldDefFields,
  kindFields,
  ruleFields,
  VocabularyEditor,
  viewFields,
} from "./vocabulary-edits";
import { vocabularyJson } from "./vocabulary-json";
import { fieldDefView, kindView, savedView, styleRuleView } from "./vocabulary-views";

/** What validation learned about an op, so applying it need not redo it. */
interface Checked {
  span: number; // counters the op consumes
  module: "landscape" | "vocabulary" | "drafts"; // which module applies it
}

export class Document implements ConveneDocument {
  readonly replica: bigint;
  private clock = 0n;
  private readonly version = new VersionVector();
  private readonly changes = new ChangeLog();
  private readonly landscape = new Landscape(this.changes);
  private readonly vocabulary = new Vocabulary(this.landscape, this.changes);
  private readonly vocabularyEdits = new VocabularyEditor(
    { visibleRef: (key) => this.visibleRef(key), commit: (op) => this.commit(op) },
    this.vocabulary,
    this.landscape,
  );
  private readonly store = new Drafts(this.changes);
  private outbox: Op[] = [];
  private readonly history = new UndoManager();

  /** `replica`: this tab's random non-zero 64-bit id (0 allows no local edits). */
  constructor(replica: bigint) {
    if (replica < 0n || replica > MAX_U64) throw new EditError("replica id must be 64-bit");
    this.replica = replica;
  }

  // ---- applying ops ------------------------------------------------------------

  apply(op: Op): ApplyResult {
    const checked: Checked = { span: 1, module: "drafts" };
    const result = this.validate(op, checked);
    if (result.status === "ok") this.applyChecked(op, checked);
    return result;
  }

  private validate(op: Op, checked: Checked): ApplyResult {
    const header = this.checkHeader(op, checked);
    if (header) return header;
    if (this.landscape.handles(op)) {
      checked.module = "landscape";
      const result = this.landscape.validate(op, this.version);
      if (result.status !== "ok") return result;
      return this.vocabulary.checkElementKind(op, this.version) ?? result;
    }
    if (this.vocabulary.handles(op)) {
      checked.module = "vocabulary";
      return this.vocabulary.validate(op, this.version) ?? OK;
    }
    return this.store.validate(op, this.version);
  }

  /** Id, counter and lamport checks shared by every op; detects duplicates. */
  private checkHeader(op: Op, checked: Checked): Problem {
    for (const v of [op.replica, op.counter, op.lamport]) {
      if (v < 0n || v > MAX_U64) return invalid("op replica, counter or lamport is not 64-bit");
    }
    if (op.replica === 0n) return invalid("op replica must not be 0");
    if (op.counter === 0n) return invalid("op counter must start at 1");
    if (op.lamport === 0n) return invalid("op lamport must not be 0");
    if (op.body.case === undefined) return invalid("op has no body");
    const spanOrProblem = this.spanOf(op);
    if (typeof spanOrProblem !== "number") return spanOrProblem;
    const span = BigInt(spanOrProblem);
    if (op.counter + span > MAX_U64 || op.lamport + span > MAX_U64) {
      return invalid("op counter or lamport overflows");
    }
    checked.span = spanOrProblem;
    const last = BigInt(this.version.last(op.replica));
    if (op.counter + span - 1n <= last) return DUPLICATE;
    if (op.counter <= last) {
      return invalid(`op ${keyOf(op)} overlaps ops already applied`);
    }
    if (op.counter !== last + 1n) return missing({ replica: op.replica, counter: last + 1n });
    return null;
  }

  /** Counters the op consumes: one per code point inserted or deleted, else 1. */
  private spanOf(op: Op): number | ApplyResult {
    const body = op.body;
    if (body.case === "textInsert") {
      const text = body.value.text;
      if (!isWellFormed(text)) return invalid("inserted text is not valid UTF-8");
      const span = codePointCount(text);
      if (span === 0) return invalid("inserted text is empty");
      if (span > limits.INSERT_CODE_POINTS) {
        return invalid(`inserted text is longer than ${limits.INSERT_CODE_POINTS} code points`);
      }
      return span;
    }
    if (body.case === "textDelete") {
      const ranges = body.value.ranges;
      if (ranges.length === 0) return invalid("text delete has no ranges");
      if (ranges.length > limits.DELETE_RANGES) return invalid("text delete has too many ranges");
      let span = 0;
      for (const r of ranges) {
        if (r.length === 0n || r.counter === 0n || r.replica === 0n) {
          return invalid("text delete range is empty or names no character");
        }
        if (r.length > BigInt(limits.DELETE_RANGE_LENGTH) || r.counter + r.length > MAX_U64) {
          return invalid("text delete range is too long");
        }
        span += Number(r.length);
      }
      return span;
    }
    return 1;
  }

  private applyChecked(op: Op, checked: Checked): void {
    const span = checked.span;
    this.version.advance(op.replica, Number(op.counter) + span - 1);
    const end = op.lamport + BigInt(span) - 1n;
    if (end > this.clock) this.clock = end;
    if (checked.module === "landscape") this.landscape.apply(op);
    else if (checked.module === "vocabulary") this.vocabulary.apply(op);
    else this.store.apply(op, span);
  }

  // ---- local edits: map, draft and variant ops --------------------------------------

  createMap(name: string): IdKey {
    return this.commit(newOp({ case: "createMap", value: { name } }));
  }

  createDraft(name: string): IdKey {
    return this.commit(newOp({ case: "createDraft", value: { name } }));
  }

  /** A new variant; with `copyFrom` ("" for none), a copy of that variant's text. */
  createVariant(draft: IdKey, name: string, copyFrom?: IdKey): IdKey {
    const copy = copyFrom === undefined || copyFrom === "" ? undefined : copyFrom;
    const from = copy === undefined ? undefined : this.visibleRef(copy);
    const created = this.commit(
      newOp({
        case: "createVariant",
        value: { draft: this.visibleRef(draft), name, copiedFrom: from },
      }),
    );
    // The copy is an ordinary insert of the source's current text.
    if (copy !== undefined) {
      const source = this.text(copy);
      if (source !== "") this.insertText(created, 0, source);
    }
    return created;
  }

  rename(target: IdKey, name: string): void {
    this.commit(newOp({ case: "rename", value: { target: this.visibleRef(target), name } }));
  }

  remove(target: IdKey): void {
    this.commit(newOp({ case: "remove", value: { target: this.visibleRef(target) } }));
  }

  /** Cancels the removals in force here; nothing to do if none is. */
  restore(target: IdKey): void {
    const id = this.parse(target);
    const liveness =
      this.landscape.liveness(target) ??
      this.vocabulary.definitions.get(target)?.liveness ??
      this.store.liveness(target);
    if (!liveness) throw new EditError(`unknown entity ${target}`);
    const removals = liveness.activeRemovals();
    if (removals.length === 0) return;
    this.commit(restoreOp(id, removals));
  }

  createElement(map: IdKey, fields: ElementInit): IdKey {
    const value = { map: this.visibleRef(map), fields };
    return this.commit(newOp({ case: "createElement", value }));
  }

  updateElement(element: IdKey, fields: ElementInit): void {
    const value = { element: this.visibleRef(element), fields };
    this.commit(newOp({ case: "updateElement", value }));
  }

  createConnection(map: IdKey, from: IdKey, to: IdKey, fields: ConnectionInit): IdKey {
    const value = {
      map: this.visibleRef(map),
      from: this.visibleRef(from),
      to: this.visibleRef(to),
      fields,
    };
    return this.commit(newOp({ case: "createConnection", value }));
  }

  updateConnection(connection: IdKey, fields: ConnectionInit): void {
    const value = { connection: this.visibleRef(connection), fields };
    this.commit(newOp({ case: "updateConnection", value }));
  }

  createShape(map: IdKey, geometry: Geometry, fields: ShapeInit): IdKey {
    const value = { map: this.visibleRef(map), geometry, fields };
    return this.commit(newOp({ case: "createShape", value }));
  }

  updateShape(shape: IdKey, fields: ShapeInit): void {
    const value = { shape: this.visibleRef(shape), fields };
    this.commit(newOp({ case: "updateShape", value }));
  }

  setPerspective(target: IdKey, aspect: string, participant: string, value?: number): void {
    const body = { target: this.visibleRef(target), aspect, participant, value };
    this.commit(newOp({ case: "setPerspective", value: body }));
  }

  // ---- local edits: a map's vocabulary (vocabulary-edits.ts) --------------------------

  setTag(target: IdKey, tag: string, on: boolean): void {
    this.vocabularyEdits.setTag(target, tag, on);
  }

  setFieldValue(target: IdKey, field: IdKey, value: FieldValue | undefined): void {
    this.vocabularyEdits.setFieldValue(target, field, value);
  }

  createField(map: IdKey, init: FieldInit): IdKey {
    return this.vocabularyEdits.create("field", map, fieldDefFields(init));
  }

  updateField(field: IdKey, init: FieldInit): void {
    this.vocabularyEdits.update("field", field, fieldDefFields(init));
  }

  createKind(map: IdKey, init: KindInit): IdKey {
    return this.vocabularyEdits.create("kind", map, kindFields(init));
  }

  updateKind(kind: IdKey, init: KindInit): void {
    this.vocabularyEdits.update("kind", kind, kindFields(init));
  }

  createStyleRule(map: IdKey, init: StyleRuleInit & { match: StyleMatch }): IdKey {
    return this.vocabularyEdits.create("rule", map, ruleFields(init, this.editRef));
  }

  updateStyleRule(rule: IdKey, init: StyleRuleInit): void {
    this.vocabularyEdits.update("rule", rule, ruleFields(init, this.editRef));
  }

  createView(map: IdKey, init: SavedViewInit): IdKey {
    return this.vocabularyEdits.create("view", map, viewFields(init, this.editRef));
  }

  updateView(view: IdKey, init: SavedViewInit): void {
    this.vocabularyEdits.update("view", view, viewFields(init, this.editRef));
  }

  setCustomKind(element: IdKey, kind: IdKey | undefined): void {
    const customKind = kind === undefined ? { replica: 0n, counter: 0n } : this.visibleRef(kind);
    this.updateElement(element, { customKind });
  }

  setPinned(element: IdKey, pinned: boolean): void {
    this.updateElement(element, { pinned });
  }

  /** An id a local edit names that need not be visible (validation checks its type). */
  private readonly editRef = (key: IdKey): PbOpId => toPbId(this.parse(key));

  /**
   * The id of an entity a local edit names, which must be visible: editing
   * what is removed (or hidden with its map or an end) is a stale view.
   */
  private visibleRef(key: IdKey): PbOpId {
    const id = this.parse(key);
    if (!this.isVisible(key)) {
      const known =
        this.landscape.owns(key) ||
        this.vocabulary.definitions.has(key) ||
        this.store.ownsNamed(key);
      throw new EditError(known ? `${key} is removed` : `unknown entity ${key}`);
    }
    return toPbId(id);
  }

  private isVisible(key: IdKey): boolean {
    const l = this.landscape;
    if (this.store.drafts.has(key)) return !this.store.drafts.get(key)!.liveness.removed;
    return (
      this.store.variantVisible(key) ||
      l.mapVisible(key) ||
      l.elementVisible(key) ||
      l.connectionVisible(key) ||
      l.shapeVisible(key) ||
      this.vocabulary.visible(key)
    );
  }

  private parse(key: IdKey): Id {
    const id = parseIdKey(key);
    if (!id) throw new EditError(`not an id: ${JSON.stringify(key)}`);
    return id;
  }

  private requireReplica(): void {
    if (this.replica === 0n) throw new EditError("local edits need a replica id (not 0)");
  }

  /** commitLocal, refusing bad input with an EditError. */
  private commit(op: Op): IdKey {
    this.requireReplica();
    const result = this.commitLocal(op);
    if (result.status !== "ok") throw new EditError(result.message ?? result.status);
    return keyOf(op);
  }

  /**
   * Stamps a locally built op with the next id and lamport, validates it,
   * records its inverse, applies it and queues it.
   */
  private commitLocal(op: Op): ApplyResult {
    op.replica = this.replica;
    op.counter = BigInt(this.version.last(this.replica) + 1);
    op.lamport = this.clock + 1n;
    const checked: Checked = { span: 1, module: "drafts" };
    const result = this.validate(op, checked);
    if (result.status !== "ok") return result;
    const inverse = inverseOf(op, this.landscape, this.store, this.vocabulary);
    this.applyChecked(op, checked);
    this.history.record({ type: "op", op: inverse });
    this.outbox.push(op);
    return OK;
  }

  // ---- local edits: text -----------------------------------------------------------

  insertText(variant: IdKey, pos: number, text: string): void {
    const v = this.editableVariant(variant);
    if (!isWellFormed(text)) throw new EditError("inserted text is not valid UTF-8");
    const length = codePointCount(text);
    if (length === 0) return;
    if (length > limits.INSERT_CODE_POINTS) {
      throw new EditError(`inserted text is longer than ${limits.INSERT_CODE_POINTS} code points`);
    }
    if (!Number.isSafeInteger(pos) || pos < 0 || pos > v.text.size) {
      throw new EditError("insert position is outside the text");
    }
    this.localTextInsert(v, pos, text, length);
  }

  deleteText(variant: IdKey, pos: number, length: number): void {
    const v = this.editableVariant(variant);
    const size = v.text.size;
    if (!Number.isSafeInteger(pos) || !Number.isSafeInteger(length) || pos < 0 || length < 0) {
      throw new EditError("delete range must be whole numbers");
    }
    if (pos > size || length > size - pos) {
      throw new EditError("delete range is past the end of the text");
    }
    if (length === 0) return;
    this.localTextDelete(v, v.text.localDelete(pos, length));
  }

  private editableVariant(key: IdKey): Variant {
    this.requireReplica();
    this.parse(key);
    const v = this.store.variants.get(key);
    if (!v) throw new EditError(`unknown variant ${key}`);
    if (!this.store.variantVisible(key)) throw new EditError(`variant ${key} is removed`);
    return v;
  }

  /**
   * Inserts at visible `pos`, or directly before `anchor` when given; records
   * the undo inverse and queues the op, merged into the previous insert when
   * it continues it (a run of typing is one op). Returns the first new id.
   */
  private localTextInsert(v: Variant, pos: number, text: string, length: number, anchor?: Id): Id {
    const first: Id = { replica: this.replica, counter: this.version.last(this.replica) + 1 };
    const lamport = this.clock + 1n;
    const { originLeft, originRight } = anchor
      ? v.text.localInsertBefore(anchor, first, text, length)
      : v.text.localInsert(pos, first, text, length);
    this.version.advance(this.replica, first.counter + length - 1);
    this.clock = lamport + BigInt(length) - 1n;
    this.history.recordText("delete", v.id, { ...first, length });
    this.changes.touchText(v.key);

    const last = this.outbox[this.outbox.length - 1];
    if (
      last?.body.case === "textInsert" &&
      keyOf(refOf(last.body.value.variant)) === v.key &&
      sameId(originLeft, { replica: this.replica, counter: first.counter - 1 }) &&
      sameId(idOfRef(refOf(last.body.value.originRight)) ?? null, originRight) &&
      last.lamport + (BigInt(first.counter) - last.counter) === lamport
    ) {
      last.body.value.text += text;
      return first;
    }
    this.outbox.push(
      create(OpSchema, {
        replica: this.replica,
        counter: BigInt(first.counter),
        lamport,
        body: {
          case: "textInsert",
          value: {
            variant: toPbId(v.id),
            originLeft: originLeft ? toPbId(originLeft) : undefined,
            originRight: originRight ? toPbId(originRight) : undefined,
            text,
          },
        },
      }),
    );
    return first;
  }

  /** Records and queues a delete whose spans are already marked deleted. */
  private localTextDelete(v: Variant, spans: IdSpan[]): void {
    const n = spans.reduce((sum, s) => sum + s.length, 0);
    if (n === 0) return;
    const counter = this.version.last(this.replica) + 1;
    const lamport = this.clock + 1n;
    this.version.advance(this.replica, counter + n - 1);
    this.clock = lamport + BigInt(n) - 1n;
    for (const keep of this.history.dropCreatedInOpenStep(spans)) {
      this.history.recordText("reinsert", v.id, keep);
    }
    this.changes.touchText(v.key);

    const last = this.outbox[this.outbox.length - 1];
    let op: Op;
    if (
      last?.body.case === "textDelete" &&
      keyOf(refOf(last.body.value.variant)) === v.key &&
      last.lamport + (BigInt(counter) - last.counter) === lamport
    ) {
      op = last;
    } else {
      op = create(OpSchema, {
        replica: this.replica,
        counter: BigInt(counter),
        lamport,
        body: { case: "textDelete", value: { variant: toPbId(v.id), ranges: [] } },
      });
      this.outbox.push(op);
    }
    if (op.body.case === "textDelete") appendRanges(op.body.value.ranges, spans);
  }

  /** Undo of an insert: delete what of those characters is still visible. */
  private deleteTextIds(variant: Id, spans: IdSpan[]): void {
    const v = this.store.variants.get(keyOf(variant));
    if (!v || !this.store.variantVisible(v.key)) return;
    const visible: IdSpan[] = [];
    for (const span of spans) {
      for (const current of this.history.resolve(span))
        visible.push(...v.text.visibleParts(current));
    }
    for (const part of visible) v.text.applyDelete(part);
    this.localTextDelete(v, visible);
  }

  /**
   * Undo of a delete: insert the deleted text again where it was, as new
   * characters, and remember which ids replaced which.
   */
  private reinsertText(variant: Id, spans: IdSpan[]): void {
    const v = this.store.variants.get(keyOf(variant));
    if (!v || !this.store.variantVisible(v.key)) return;
    for (const span of [...spans].reverse()) {
      for (const current of this.history.resolve(span)) {
        // Only what is still deleted needs to come back.
        for (const part of subtractSpans(current, v.text.visibleParts(current))) {
          const content = v.text.contentOf(part);
          if (content === undefined) continue;
          const anchor = { replica: part.replica, counter: part.counter };
          const first = this.localTextInsert(v, 0, content, part.length, anchor);
          this.history.addIncarnation(part, first);
        }
      }
    }
  }

  // ---- outbox ------------------------------------------------------------------------

  takeOutbox(): Op[] {
    const out = this.outbox;
    this.outbox = [];
    return out;
  }

  outboxSize(): number {
    return this.outbox.length;
  }

  // ---- undo / redo ---------------------------------------------------------------------

  undoCheckpoint(): void {
    this.history.checkpoint();
  }

  canUndo(): boolean {
    return this.history.canUndo;
  }

  canRedo(): boolean {
    return this.history.canRedo;
  }

  /** Undoes this replica's last step; nothing happens when there is none. */
  undo(): void {
    this.requireReplica();
    if (this.history.canUndo) this.runUndoStep(true);
  }

  /** Redoes the last undone step; nothing happens when there is none. */
  redo(): void {
    this.requireReplica();
    if (this.history.canRedo) this.runUndoStep(false);
  }

  /**
   * Runs a step's inverses newest first. An inverse that no longer applies
   * (say, its map was removed by someone else meanwhile) is skipped.
   */
  private runUndoStep(undoing: boolean): void {
    const step = this.history.begin(undoing);
    try {
      for (const action of [...step].reverse()) {
        if (action.type === "op") this.commitLocal(clone(OpSchema, action.op));
        else if (action.kind === "delete") this.deleteTextIds(action.variant, action.spans);
        else this.reinsertText(action.variant, action.spans);
      }
    } finally {
      this.history.finish();
    }
  }

  // ---- queries ---------------------------------------------------------------------------

  maps(): NamedView[] {
    return this.landscape.liveMaps().map((m) => ({ id: m.key, name: m.name.value }));
  }

  elements(map: IdKey): ElementView[] {
    return this.landscape.elementsOf(map).map((e) => elementView(e, this.kindVisible));
  }

  connections(map: IdKey): ConnectionView[] {
    return this.landscape.connectionsOf(map).map(connectionView);
  }

  shapes(map: IdKey): ShapeView[] {
    return this.landscape.shapesOf(map).map(shapeView);
  }

  element(id: IdKey): ElementView | undefined {
    if (!this.landscape.elementVisible(id)) return undefined;
    return elementView(this.landscape.elements.get(id)!, this.kindVisible);
  }

  connection(id: IdKey): ConnectionView | undefined {
    if (!this.landscape.connectionVisible(id)) return undefined;
    return connectionView(this.landscape.connections.get(id)!);
  }

  shape(id: IdKey): ShapeView | undefined {
    if (!this.landscape.shapeVisible(id)) return undefined;
    return shapeView(this.landscape.shapes.get(id)!);
  }

  perspectives(target: IdKey): Map<string, PerspectiveSummary> {
    const visible =
      this.landscape.elementVisible(target) || this.landscape.connectionVisible(target);
    return visible ? this.landscape.perspectiveSummaries(target) : new Map();
  }

  tagsOf(target: IdKey): string[] {
    return this.targetVisible(target) ? this.vocabulary.tagsOn(target) : [];
  }

  tagsInMap(map: IdKey): TagUse[] {
    return this.vocabulary.tagsInMap(map);
  }

  fieldsOf(map: IdKey): FieldDefView[] {
    return this.vocabulary.definitionsOf(map, "field").map(fieldDefView);
  }

  fieldValue(target: IdKey, field: IdKey): FieldValue | undefined {
    if (!this.targetVisible(target) || !this.vocabulary.visible(field)) return undefined;
    return this.vocabulary.storedValue(target, field);
  }

  kindsOf(map: IdKey): KindView[] {
    return this.vocabulary.definitionsOf(map, "kind").map(kindView);
  }

  styleRulesOf(map: IdKey): StyleRuleView[] {
    return this.vocabulary.definitionsOf(map, "rule").sort(byOrder).map(styleRuleView);
  }

  viewsOf(map: IdKey): SavedView[] {
    return this.vocabulary.definitionsOf(map, "view").sort(byOrder).map(savedView);
  }

  customKindOf(element: IdKey): IdKey | undefined {
    if (!this.landscape.elementVisible(element)) return undefined;
    return this.vocabulary.customKindOf(this.landscape.elements.get(element)!);
  }

  private targetVisible(key: IdKey): boolean {
    return this.landscape.elementVisible(key) || this.landscape.connectionVisible(key);
  }

  private readonly kindVisible = (kind: IdKey): boolean => this.vocabulary.visible(kind);

  drafts(): NamedView[] {
    return this.store.liveDrafts().map((d) => ({ id: d.key, name: d.name.value }));
  }

  variants(draft: IdKey): VariantView[] {
    return this.store.variantsOf(draft).map((v) => ({
      id: v.key,
      name: v.key === draft ? "base" : v.name.value,
      draft: v.draft,
      copiedFrom: v.copiedFrom,
    }));
  }

  text(variant: IdKey): string {
    return this.store.variants.get(variant)?.text.text() ?? "";
  }

  textLength(variant: IdKey): number {
    return this.store.variants.get(variant)?.text.size ?? 0;
  }

  anchorAt(variant: IdKey, pos: number): IdKey | null {
    const text = this.store.variants.get(variant)?.text;
    const before = Math.min(Math.floor(pos), text?.size ?? 0) - 1;
    return text && before >= 0 ? keyOf(text.idAt(before)) : null;
  }

  positionOf(variant: IdKey, anchor: IdKey | null): number {
    const text = this.store.variants.get(variant)?.text;
    const id = anchor === null ? undefined : parseIdKey(anchor);
    if (!text || !id || !text.contains(id)) return 0;
    // A caret sits after its anchor; after a deleted one, where it stood.
    return text.positionOf(id) + (text.isVisible(id) ? 1 : 0);
  }

  takeChanges(): Changes {
    return this.changes.take();
  }

  toJSON(): unknown {
    return {
      drafts: this.store.toJSON(),
      maps: this.landscape.toJSON(vocabularyJson(this.vocabulary)),
    };
  }

  /** Checks every variant's text structure (for tests); the first problem. */
  checkInvariants(): string | null {
    for (const v of this.store.variants.values()) {
      const problem = v.text.checkInvariants();
      if (problem) return `variant ${v.key}: ${problem}`;
    }
    return null;
  }
}

// ---- helpers ------------------------------------------------------------------------------

/**
 * Adds deleted spans to a TextDelete's ranges, extending the last range when
 * contiguous: backspacing deletes the character just before the last one.
 */
function appendRanges(ranges: IdRange[], spans: IdSpan[]): void {
  for (const s of spans) {
    const last = ranges[ranges.length - 1];
    if (last && last.replica === s.replica) {
      if (BigInt(s.counter + s.length) === last.counter) {
        last.counter = BigInt(s.counter);
        last.length += BigInt(s.length);
        continue;
      }
      if (last.counter + last.length === BigInt(s.counter)) {
        last.length += BigInt(s.length);
        continue;
      }
    }
    ranges.push(
      create(IdRangeSchema, {
        replica: s.replica,
        counter: BigInt(s.counter),
        length: BigInt(s.length),
      }),
    );
  }
}

/** `span` minus the given parts of it (all of the same replica). */
function subtractSpans(span: IdSpan, parts: IdSpan[]): IdSpan[] {
  let rest: IdSpan[] = [span];
  for (const shown of parts) {
    const next: IdSpan[] = [];
    for (const h of rest) {
      const hEnd = h.counter + h.length;
      const sEnd = shown.counter + shown.length;
      if (shown.counter >= hEnd || sEnd <= h.counter) {
        next.push(h);
        continue;
      }
      if (shown.counter > h.counter) {
        next.push({ replica: h.replica, counter: h.counter, length: shown.counter - h.counter });
      }
      if (sEnd < hEnd) next.push({ replica: h.replica, counter: sEnd, length: hEnd - sEnd });
    }
    rest = next;
  }
  return rest;
}
