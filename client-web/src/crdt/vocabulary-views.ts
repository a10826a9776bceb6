// The read-only views of a map's vocabulary that queries hand out: plain
// objects built fresh, so callers cannot change the document's state.
import type { FieldDefView, KindView, SavedView, StyleRuleView } from "./api";
import type { FieldDef, KindDef, RuleDef, ViewDef } from "./vocabulary-defs";

export function fieldDefView(f: FieldDef): FieldDefView {
  return {
    id: f.key,
    map: f.map,
    name: f.name.value,
    type: f.type.value,
    choices: [...f.choices.value],
  };
}

export function kindView(k: KindDef): KindView {
  return {
    id: k.key,
    map: k.map,
    name: k.name.value,
    base: k.base.value,
    color: k.color.value,
    shape: k.shape.value,
  };
}

export function styleRuleView(r: RuleDef): StyleRuleView {
  return {
    id: r.key,
    map: r.map,
    match: { ...r.match.value },
    color: r.color.value,
    shape: r.shape.value,
    size: r.size.value,
    order: r.order.value,
  };
}

export function savedView(v: ViewDef): SavedView {
  const f = v.filter.value;
  return {
    id: v.key,
    map: v.map,
    name: v.name.value,
    viewport: { ...v.viewport.value },
    filter: {
      ...f,
      kinds: [...f.kinds],
      customKinds: [...f.customKinds],
      scales: [...f.scales],
      tags: [...f.tags],
      connectionKinds: [...f.connectionKinds],
      authors: [...f.authors],
      highlights: [...f.highlights],
    },
    order: v.order.value,
  };
}
