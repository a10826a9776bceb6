// The definitions of a map's vocabulary (docs/crdt.md, "Vocabulary"):
// fields, kinds, style rules and views as entities of their map, every field
// a last-writer-wins register (a rule's match, a field's choices, a view's
// viewport and filter each one register, replaced whole); and how their
// create and update ops read and write them.
import {
  ElementKind,
  FieldType,
  type FieldDefFields,
  type KindFields,
  type Op,
  type OpId as PbOpId,
  type RuleMatch,
  type StyleRuleFields,
  type ViewFields,
  type ViewFilter,
  type Viewport,
} from "../gen/convene/v1/ops_pb";
import type { IdKey, StyleMatch, ViewFilterInit, ViewportInit } from "./api";
import { compareIds, keyOf, refOf, refValid, type Id, type Ref, type Stamp } from "./ids";
import { Liveness, Lww } from "./lww";
import type { Problem } from "./status";
import {
  checkFieldDefFields,
  checkKindFields,
  checkRuleFields,
  checkViewFields,
} from "./vocabulary-checks";

export type Sort = "field" | "kind" | "rule" | "view";

export const SORT_NAMES: Record<Sort, string> = {
  field: "a field",
  kind: "a kind",
  rule: "a style rule",
  view: "a view",
};

interface Definition {
  id: Id;
  key: IdKey;
  map: IdKey;
  liveness: Liveness;
}

export interface FieldDef extends Definition {
  sort: "field";
  name: Lww<string>;
  type: Lww<FieldType>;
  choices: Lww<string[]>;
}

export interface KindDef extends Definition {
  sort: "kind";
  name: Lww<string>;
  base: Lww<ElementKind>;
  color: Lww<string>;
  shape: Lww<string>;
}

export interface RuleDef extends Definition {
  sort: "rule";
  match: Lww<StyleMatch>;
  color: Lww<string>;
  shape: Lww<string>;
  size: Lww<number>; // 1 when never set
  order: Lww<number>;
}

export type Filter = Required<ViewFilterInit>;

export interface ViewDef extends Definition {
  sort: "view";
  name: Lww<string>;
  viewport: Lww<ViewportInit>; // {0, 0, 1} when never set
  filter: Lww<Filter>;
  order: Lww<number>;
}

export type AnyDef = FieldDef | KindDef | RuleDef | ViewDef;

/** A create or update of a definition, read off its op. */
export type DefinitionOp = { create: boolean; ref: Ref; where: string } & (
  | { sort: "field"; fields: FieldDefFields }
  | { sort: "kind"; fields: KindFields }
  | { sort: "rule"; fields: StyleRuleFields }
  | { sort: "view"; fields: ViewFields }
);

/** An absent fields message reads as one with no field set. */
function orEmpty<T extends object>(fields: T | undefined): T {
  return fields ?? ({} as T);
}

/** Per op: the sort it defines, the field naming its map or definition, its name in messages. */
const DEFINITION_OPS: Partial<Record<string, [Sort, string, string]>> = {
  createField: ["field", "map", "create_field"],
  updateField: ["field", "field", "update_field"],
  createKind: ["kind", "map", "create_kind"],
  updateKind: ["kind", "kind", "update_kind"],
  createStyleRule: ["rule", "map", "create_style_rule"],
  updateStyleRule: ["rule", "rule", "update_style_rule"],
  createView: ["view", "map", "create_view"],
  updateView: ["view", "view", "update_view"],
};

export function definitionOp(op: Op): DefinitionOp | undefined {
  const spec = DEFINITION_OPS[op.body.case ?? ""];
  if (!spec) return undefined;
  const [sort, refField, where] = spec;
  const body = op.body.value as unknown as Record<string, PbOpId | undefined> & { fields?: object };
  const ref = refOf(body[refField]);
  const create = refField === "map";
  return { sort, create, ref, where, fields: orEmpty(body.fields) } as DefinitionOp;
}

export function checkValues(d: DefinitionOp): Problem {
  const where = `${d.where}.fields`;
  switch (d.sort) {
    case "field":
      return checkFieldDefFields(d.fields, where);
    case "kind":
      return checkKindFields(d.fields, where);
    case "rule":
      return checkRuleFields(d.fields, where, d.create);
    case "view":
      return checkViewFields(d.fields, where);
  }
}

/** The key an op's id field names; "" for the unset id. */
function keyOrNone(id: PbOpId | undefined): IdKey {
  const ref = refOf(id);
  return refValid(ref) ? keyOf(ref) : "";
}

function matchOf(m: RuleMatch): StyleMatch {
  return m.tag !== "" ? { tag: m.tag } : { field: keyOf(refOf(m.field)), value: m.value };
}

function viewportOf(v: Viewport): ViewportInit {
  return { x: v.x, y: v.y, zoom: v.zoom, width: v.width, height: v.height };
}

function filterOf(f: ViewFilter): Filter {
  return {
    kinds: [...f.kinds],
    customKinds: f.customKinds.map((k) => keyOf(refOf(k))),
    scales: [...f.scales],
    tags: [...f.tags],
    connectionKinds: [...f.connectionKinds],
    authors: [...f.authors],
    focus: keyOrNone(f.focus),
    focusDepth: f.focusDepth,
    highlights: f.highlights.map((k) => keyOf(refOf(k))),
    search: f.search,
  };
}

export const EMPTY_FILTER: Readonly<Filter> = {
  kinds: [],
  customKinds: [],
  scales: [],
  tags: [],
  connectionKinds: [],
  authors: [],
  focus: "",
  focusDepth: 0,
  highlights: [],
  search: "",
};

export function newDefinition(sort: Sort, id: Id, map: IdKey): AnyDef {
  const base = { id, key: keyOf(id), map, liveness: new Liveness() };
  const style = () => ({ color: new Lww(""), shape: new Lww("") });
  switch (sort) {
    case "field": {
      const type = new Lww<FieldType>(FieldType.UNSPECIFIED);
      return { ...base, sort, name: new Lww(""), type, choices: new Lww<string[]>([]) };
    }
    case "kind": {
      const kind = new Lww<ElementKind>(ElementKind.UNSPECIFIED);
      return { ...base, sort, name: new Lww(""), base: kind, ...style() };
    }
    case "rule": {
      const match = new Lww<StyleMatch>({ tag: "" });
      return { ...base, sort, match, ...style(), size: new Lww(1), order: new Lww(0) };
    }
    case "view": {
      const viewport = new Lww<ViewportInit>({ x: 0, y: 0, zoom: 1 });
      const name = new Lww("");
      return {
        ...base,
        sort,
        name,
        viewport,
        filter: new Lww<Filter>(EMPTY_FILTER),
        order: new Lww(0),
      };
    }
  }
}

/** Writes the fields an op sets (its sort is the definition's). */
export function writeDefinition(def: AnyDef, d: DefinitionOp, stamp: Stamp): void {
  const set = <T>(register: Lww<T>, value: T | undefined) => {
    if (value !== undefined) register.assign(value, stamp);
  };
  if (def.sort === "field" && d.sort === "field") {
    set(def.name, d.fields.name);
    set(def.type, d.fields.type);
    set(def.choices, d.fields.choices && [...d.fields.choices.values]);
  } else if (def.sort === "kind" && d.sort === "kind") {
    set(def.name, d.fields.name);
    set(def.base, d.fields.base);
    set(def.color, d.fields.color);
    set(def.shape, d.fields.shape);
  } else if (def.sort === "rule" && d.sort === "rule") {
    set(def.match, d.fields.match && matchOf(d.fields.match));
    set(def.color, d.fields.color);
    set(def.shape, d.fields.shape);
    set(def.size, d.fields.size);
    set(def.order, d.fields.order);
  } else if (def.sort === "view" && d.sort === "view") {
    const v = d.fields.viewport;
    set(def.name, d.fields.name);
    set(def.viewport, v && viewportOf(v));
    set(def.filter, d.fields.filter && filterOf(d.fields.filter));
    set(def.order, d.fields.order);
  }
}

/** Sorts by (order, id): the order rules apply and presentation steps. */
export function byOrder(a: RuleDef | ViewDef, b: RuleDef | ViewDef): number {
  if (a.order.value !== b.order.value) return a.order.value < b.order.value ? -1 : 1;
  return compareIds(a.id, b.id);
}
