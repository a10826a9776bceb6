// The canonical JSON of a map's vocabulary (docs/crdt.md, "Canonical JSON"):
// its keys appear only when not empty, so documents without vocabulary keep
// the JSON they always had.
import { ConnectionKind, ElementKind, FieldType, ScaleLevel } from "../gen/convene/v1/ops_pb";
import type { IdKey, ViewportInit } from "./api";
import { enumJson } from "./fields";
import type { JsonExtras } from "./landscape";
import type { Vocabulary } from "./vocabulary";
import type { FieldDef, KindDef, RuleDef, ViewDef } from "./vocabulary-defs";

/** What the vocabulary adds to maps, elements and connections. */
export function vocabularyJson(vocabulary: Vocabulary): JsonExtras {
  return {
    map: (key) => mapJson(vocabulary, key),
    element: (e) => {
      const kind = vocabulary.customKindOf(e);
      const custom = kind !== undefined ? { custom_kind: kind } : {};
      return { ...targetJson(vocabulary, e.key), ...custom };
    },
    connection: (key) => targetJson(vocabulary, key),
  };
}

function targetJson(vocabulary: Vocabulary, target: IdKey): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const tags = vocabulary.tagsOn(target);
  if (tags.length > 0) out.tags = tags;
  const values = vocabulary.valuesOn(target);
  if (values.size > 0) out.fields = Object.fromEntries(values);
  return out;
}

function mapJson(vocabulary: Vocabulary, map: IdKey): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const lists = {
    fields: vocabulary.definitionsOf(map, "field").map(fieldJson),
    kinds: vocabulary.definitionsOf(map, "kind").map(kindJson),
    style_rules: vocabulary.definitionsOf(map, "rule").map(ruleJson),
    views: vocabulary.definitionsOf(map, "view").map(viewJson),
  };
  for (const [key, list] of Object.entries(lists)) if (list.length > 0) out[key] = list;
  return out;
}

/** The area shown only when known, so views saved without it keep their JSON. */
function viewportJson(v: ViewportInit): Record<string, number> {
  const out: Record<string, number> = { x: v.x, y: v.y, zoom: v.zoom };
  if ((v.width ?? 0) > 0) out.width = v.width!;
  if ((v.height ?? 0) > 0) out.height = v.height!;
  return out;
}

function fieldJson(f: FieldDef): unknown {
  const type = enumJson(FieldType, f.type.value);
  return { choices: [...f.choices.value], id: f.key, name: f.name.value, type };
}

function kindJson(k: KindDef): unknown {
  const base = enumJson(ElementKind, k.base.value);
  return { base, color: k.color.value, id: k.key, name: k.name.value, shape: k.shape.value };
}

function ruleJson(r: RuleDef): unknown {
  return {
    color: r.color.value,
    id: r.key,
    match: { ...r.match.value },
    order: r.order.value,
    shape: r.shape.value,
    size: r.size.value,
  };
}

function viewJson(v: ViewDef): unknown {
  const f = v.filter.value;
  const names = (values: Record<number, string | number>, list: number[]) =>
    list.map((x) => enumJson(values, x));
  const filter = {
    authors: [...f.authors],
    connection_kinds: names(ConnectionKind, f.connectionKinds),
    custom_kinds: [...f.customKinds],
    focus: f.focus,
    focus_depth: f.focusDepth,
    highlights: [...f.highlights],
    kinds: names(ElementKind, f.kinds),
    scales: names(ScaleLevel, f.scales),
    search: f.search,
    tags: [...f.tags],
  };
  return {
    filter,
    id: v.key,
    name: v.name.value,
    order: v.order.value,
    viewport: viewportJson(v.viewport.value),
  };
}
