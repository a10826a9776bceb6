// Vocabulary: the canonical JSON (docs/crdt.md, "Canonical JSON"). Keys of
// the vocabulary appear only when not empty, so documents without one keep
// the JSON they always had.
#include "crdt/landscape.h"
#include "crdt/vocabulary.h"
#include "crdt/vocabulary_fields.h"

namespace convene::crdt {
namespace {

using nlohmann::json;
using records::enum_json;

template <class Enum>
json enums_json(const std::vector<Enum>& values, const std::string& (*name)(Enum),
                std::string_view prefix) {
  json out = json::array();
  for (Enum v : values) out.push_back(enum_json(name(v), prefix));
  return out;
}

json ids_json(const std::vector<OpId>& ids) {
  json out = json::array();
  for (const OpId& id : ids) out.push_back(id.str());
  return out;
}

json field_json(const FieldDef& f) {
  return {{"id", f.id.str()},
          {"name", f.name.value},
          {"type", enum_json(pb::FieldType_Name(f.type.value), "FIELD_TYPE_")},
          {"choices", f.choices.value}};
}

json kind_json(const CustomKind& k) {
  return {{"id", k.id.str()},
          {"name", k.name.value},
          {"base", enum_json(pb::ElementKind_Name(k.base.value), "ELEMENT_KIND_")},
          {"color", k.color.value},
          {"shape", k.shape.value}};
}

json match_json(const RuleMatch& m) {
  if (m.field.valid()) return {{"field", m.field.str()}, {"value", m.value}};
  return {{"tag", m.tag}};
}

json style_rule_json(const StyleRule& r) {
  return {{"id", r.id.str()},       {"match", match_json(r.match.value)},
          {"color", r.color.value}, {"shape", r.shape.value},
          {"size", r.size.value},   {"order", r.order.value}};
}

json filter_json(const ViewFilter& f) {
  return {{"kinds", enums_json(f.kinds, pb::ElementKind_Name, "ELEMENT_KIND_")},
          {"custom_kinds", ids_json(f.custom_kinds)},
          {"scales", enums_json(f.scales, pb::ScaleLevel_Name, "SCALE_LEVEL_")},
          {"tags", f.tags},
          {"connection_kinds",
           enums_json(f.connection_kinds, pb::ConnectionKind_Name, "CONNECTION_KIND_")},
          {"authors", f.authors},
          {"focus", f.focus.valid() ? f.focus.str() : std::string()},
          {"focus_depth", f.focus_depth},
          {"highlights", ids_json(f.highlights)},
          {"search", f.search}};
}

// The area shown only when known, so views saved without it keep their JSON.
json viewport_json(const Viewport& port) {
  json out = {{"x", port.x}, {"y", port.y}, {"zoom", port.zoom}};
  if (port.width > 0) out["width"] = port.width;
  if (port.height > 0) out["height"] = port.height;
  return out;
}

json view_json(const View& v) {
  return {{"id", v.id.str()},
          {"name", v.name.value},
          {"viewport", viewport_json(v.viewport.value)},
          {"filter", filter_json(v.filter.value)},
          {"order", v.order.value}};
}

// Adds `key` to each visible map's object: the visible definitions of the
// table on that map, sorted by id.
template <class Entity, class ToJson>
void add_group(const std::unordered_map<OpId, Entity>& table, const Landscape& l, const char* key,
               ToJson to_json, std::unordered_map<OpId, json>& maps) {
  const auto groups = records::group_by_map(
      table, [&](const Entity& e) { return !e.liveness.removed() && l.map_visible(e.map); });
  for (const auto& [map, group] : groups) {
    json list = json::array();
    for (const Entity* e : group) list.push_back(to_json(*e));
    maps[map][key] = std::move(list);
  }
}

}  // namespace

std::unordered_map<OpId, json> Vocabulary::maps_json(const Landscape& l) const {
  std::unordered_map<OpId, json> maps;
  add_group(fields_, l, "fields", field_json, maps);
  add_group(kinds_, l, "kinds", kind_json, maps);
  add_group(style_rules_, l, "style_rules", style_rule_json, maps);
  add_group(views_, l, "views", view_json, maps);
  return maps;
}

void Vocabulary::add_target_json(OpId target, const Landscape& l, json& out) const {
  const std::vector<std::string> tags = tags_of(target);
  if (!tags.empty()) out["tags"] = tags;
  json values = json::object();
  for (auto it = values_.lower_bound(FieldValueKey{target, {}});
       it != values_.end() && it->first.target == target; ++it) {
    const FieldValue& v = it->second;
    if (v.cleared() || !visible(it->first.field, l)) continue;
    if (v.text)
      values[it->first.field.str()] = *v.text;
    else
      values[it->first.field.str()] = *v.number;
  }
  if (!values.empty()) out["fields"] = std::move(values);
}

}  // namespace convene::crdt
