// Local edits of a map's vocabulary: the op bodies the API's plain inits
// (IdKey strings, string lists) become, what the server would refuse from a
// client (docs/crdt.md, "Admission"), and the inverses undo records
// (docs/crdt.md, "Undo and redo").
import type { MessageInitShape } from "@bufbuild/protobuf";
import type {
  FieldDefFieldsSchema,
  KindFieldsSchema,
  Op,
  OpId as PbOpId,
  StyleRuleFieldsSchema,
  ViewFieldsSchema,
} from "../gen/convene/v1/ops_pb";
import {
  EditError,
  type FieldInit,
  type FieldValue,
  type IdKey,
  type KindInit,
  type SavedViewInit,
  type StyleRuleInit,
} from "./api";
import { keyOf, parseIdKey, refOf, toPbId } from "./ids";
import { newOp } from "./inverse";
import * as limits from "./limits";
import type { Vocabulary } from "./vocabulary";
import { SORT_NAMES, type AnyDef, type Sort } from "./vocabulary-defs";
import type { Landscape } from "./landscape";

/** Turns an IdKey a caller gave into an op's id (throws EditError if malformed). */
export type RefOf = (key: IdKey) => PbOpId;

type FieldDefInit = MessageInitShape<typeof FieldDefFieldsSchema>;
type KindFieldsInit = MessageInitShape<typeof KindFieldsSchema>;
type RuleFieldsInit = MessageInitShape<typeof StyleRuleFieldsSchema>;
type ViewFieldsInit = MessageInitShape<typeof ViewFieldsSchema>;

export function fieldDefFields(init: FieldInit): FieldDefInit {
  const choices = init.choices === undefined ? undefined : { values: [...init.choices] };
  return { name: init.name, type: init.type, choices };
}

export function kindFields(init: KindInit): KindFieldsInit {
  return { name: init.name, base: init.base, color: init.color, shape: init.shape };
}

export function ruleFields(init: StyleRuleInit, ref: RefOf): RuleFieldsInit {
  const m = init.match;
  const match =
    m === undefined
      ? undefined
      : "tag" in m
        ? { tag: m.tag }
        : { field: ref(m.field), value: m.value };
  return { match, color: init.color, shape: init.shape, size: init.size, order: init.order };
}

export function viewFields(init: SavedViewInit, ref: RefOf): ViewFieldsInit {
  const f = init.filter;
  const v = init.viewport;
  const filter = f && {
    kinds: f.kinds,
    customKinds: f.customKinds?.map(ref),
    scales: f.scales,
    tags: f.tags,
    connectionKinds: f.connectionKinds,
    authors: f.authors,
    focus: f.focus ? ref(f.focus) : undefined,
    focusDepth: f.focusDepth,
    highlights: f.highlights?.map(ref),
    search: f.search,
  };
  const viewport = v && {
    x: v.x,
    y: v.y,
    zoom: v.zoom,
    width: v.width ?? 0,
    height: v.height ?? 0,
  };
  return { name: init.name, viewport, filter, order: init.order };
}

/** A SetFieldValue body: text, number, or neither (cleared). */
export function fieldValueBody(target: PbOpId, field: PbOpId, value: FieldValue | undefined) {
  if (typeof value === "number") return { target, field, number: value };
  return { target, field, text: value };
}

/** Refuses a 65th tag on a target, as the server's admission would. */
export function admitTag(vocabulary: Vocabulary, target: IdKey, tag: string, on: boolean): void {
  if (!on || vocabulary.tagOn(target, tag)) return;
  if (vocabulary.tagsOn(target).length >= limits.TAGS_PER_TARGET) {
    throw new EditError(`${target} has ${limits.TAGS_PER_TARGET} tags already`);
  }
}

/** Refuses a definition beyond the map's bound, as the server's admission would. */
export function admitDefinition(vocabulary: Vocabulary, map: IdKey, sort: Sort): void {
  if (vocabulary.countOf(map, sort) >= limits.VOCABULARY_PER_MAP) {
    throw new EditError(`map ${map} has ${limits.VOCABULARY_PER_MAP} of these already`);
  }
}

// ---- the editor -------------------------------------------------------------------

/** What local vocabulary edits need of the document. */
export interface EditContext {
  /** The id of a visible entity (EditError otherwise). */
  visibleRef(key: IdKey): PbOpId;
  /** Stamps, validates, applies and queues a local op; EditError if it is refused. */
  commit(op: Op): IdKey;
}

type BodyInit = Parameters<typeof newOp>[0];

/** Per sort: its create and update op, and the update's field naming the definition. */
const EDIT_CASES = {
  field: ["createField", "updateField", "field"],
  kind: ["createKind", "updateKind", "kind"],
  rule: ["createStyleRule", "updateStyleRule", "rule"],
  view: ["createView", "updateView", "view"],
} as const;

/** Local edits of tags, values and definitions, with the server's admission bounds. */
export class VocabularyEditor {
  constructor(
    private readonly doc: EditContext,
    private readonly vocabulary: Vocabulary,
    private readonly landscape: Landscape,
  ) {}

  setTag(target: IdKey, tag: string, on: boolean): void {
    const ref = this.visibleTarget(target);
    admitTag(this.vocabulary, target, tag, on);
    this.doc.commit(newOp({ case: "setTag", value: { target: ref, tag, on } }));
  }

  /** An empty text clears, as undefined does (docs/crdt.md, "Empty text clears"). */
  setFieldValue(target: IdKey, field: IdKey, value: FieldValue | undefined): void {
    const ref = this.visibleTarget(target);
    const body = fieldValueBody(ref, this.doc.visibleRef(field), value === "" ? undefined : value);
    this.doc.commit(newOp({ case: "setFieldValue", value: body }));
  }

  create(sort: Sort, map: IdKey, fields: object): IdKey {
    const ref = this.doc.visibleRef(map);
    admitDefinition(this.vocabulary, map, sort);
    const body = { case: EDIT_CASES[sort][0], value: { map: ref, fields } };
    return this.doc.commit(newOp(body as BodyInit));
  }

  update(sort: Sort, definition: IdKey, fields: object): void {
    const [, updateCase, refField] = EDIT_CASES[sort];
    const ref = this.doc.visibleRef(definition);
    if (this.vocabulary.definitions.get(definition)?.sort !== sort) {
      throw new EditError(`${definition} is not ${SORT_NAMES[sort]}`);
    }
    const body = { case: updateCase, value: { [refField]: ref, fields } };
    this.doc.commit(newOp(body as BodyInit));
  }

  /** A visible element or connection: what tags and field values go on. */
  private visibleTarget(key: IdKey): PbOpId {
    const ref = this.doc.visibleRef(key);
    if (!this.landscape.elements.has(key) && !this.landscape.connections.has(key)) {
      throw new EditError(`${key} is not an element or connection`);
    }
    return ref;
  }
}

// ---- undo ------------------------------------------------------------------------

/** Ids held in the document's state are well formed. */
const stateRef: RefOf = (key) => toPbId(parseIdKey(key)!);

/** The current values of the registers `changed` sets, under the same names. */
function previous(def: AnyDef, changed: object): Record<string, unknown> {
  const registers = def as unknown as Record<string, { value: unknown }>;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(changed)) {
    if (value !== undefined && name !== "$typeName") out[name] = registers[name].value;
  }
  return out;
}

/**
 * The op undoing a vocabulary edit, from the state before it applies; undefined
 * for ops that are not the vocabulary's or that a create/remove inverse covers.
 */
export function vocabularyInverse(op: Op, vocabulary: Vocabulary): Op | undefined {
  const b = op.body;
  switch (b.case) {
    case "setTag": {
      const on = vocabulary.tagOn(keyOf(refOf(b.value.target)), b.value.tag);
      return newOp({ case: "setTag", value: { target: b.value.target, tag: b.value.tag, on } });
    }
    case "setFieldValue": {
      const target = keyOf(refOf(b.value.target));
      const value = vocabulary.storedValue(target, keyOf(refOf(b.value.field)));
      const body = fieldValueBody(b.value.target!, b.value.field!, value);
      return newOp({ case: "setFieldValue", value: body });
    }
    case "updateField": {
      const old = previous(definition(vocabulary, b.value.field), b.value.fields ?? {});
      const value = { field: b.value.field, fields: fieldDefFields(old) };
      return newOp({ case: "updateField", value });
    }
    case "updateKind": {
      const old = previous(definition(vocabulary, b.value.kind), b.value.fields ?? {});
      return newOp({ case: "updateKind", value: { kind: b.value.kind, fields: kindFields(old) } });
    }
    case "updateStyleRule": {
      const old = previous(definition(vocabulary, b.value.rule), b.value.fields ?? {});
      const value = { rule: b.value.rule, fields: ruleFields(old, stateRef) };
      return newOp({ case: "updateStyleRule", value });
    }
    case "updateView": {
      const old = previous(definition(vocabulary, b.value.view), b.value.fields ?? {});
      const value = { view: b.value.view, fields: viewFields(old, stateRef) };
      return newOp({ case: "updateView", value });
    }
    default:
      return undefined;
  }
}

function definition(vocabulary: Vocabulary, id: PbOpId | undefined): AnyDef {
  return vocabulary.definitions.get(keyOf(refOf(id)))!;
}
