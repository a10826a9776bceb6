// Vocabulary: snapshot records (snapshot.proto, Snapshot fields 11-16) and
// invariants. Records are sorted by id; tags by (target, tag); field values
// by (target, field). Decoding checks every record as validation checks an
// op; how records refer to the landscape is left to check_invariants().
#include "crdt/landscape.h"
#include "crdt/vocabulary.h"
#include "crdt/vocabulary_fields.h"

namespace convene::crdt {
namespace {

using namespace records;

// ---- encoding ------------------------------------------------------------------

// Writes a definition's id, map, stamped fields and liveness.
template <class Entity, class Record>
void encode_definition(const Entity& e, Record* r) {
  e.id.to_pb(r->mutable_id());
  e.map.to_pb(r->mutable_map());
  auto* stamps = r->mutable_stamps();
  vocab::read_fields(e, r->mutable_fields(),
                     [stamps](const auto& reg, int field) { return stamped(reg, field, stamps); });
  encode_liveness(e.liveness, r);
}

template <class Entity, class Record>
void encode_table(const std::unordered_map<OpId, Entity>& table, RepeatedPtrField<Record>* out) {
  for (const Entity* e : sorted_by_id(table)) encode_definition(*e, out->Add());
}

// ---- decoding ------------------------------------------------------------------

// Reads a definition record: `presence` says which fields the record holds,
// `check` checks their values as validation would.
template <class Record, class Entity, class Check>
Status read_definition(const Record& r, Entity* e, std::string_view what, uint32_t max_field,
                       std::initializer_list<bool> presence, Check check) {
  e->id = OpId::from_pb(r.id());
  e->map = OpId::from_pb(r.map());
  const std::string where = std::string(what) + " " + e->id.str();
  StampTable stamps;
  CONVENE_RETURN_IF_ERROR(read_field_stamps(r.stamps(), max_field, where, &stamps));
  CONVENE_RETURN_IF_ERROR(check_presence(stamps, presence, where));
  CONVENE_RETURN_IF_ERROR(check(r.fields(), where));
  vocab::write_fields(*e, r.fields(), [&](int field) { return stamps[field]; });
  return read_liveness(r.liveness(), where, &e->liveness);
}

Status read_field(const pb::FieldRecord& r, FieldDef* d) {
  const auto& f = r.fields();
  return read_definition(r, d, "field", 3, {f.has_name(), f.has_type(), f.has_choices()},
                         vocab::check_field_def);
}

Status read_kind(const pb::KindRecord& r, CustomKind* k) {
  const auto& f = r.fields();
  return read_definition(r, k, "kind", 4,
                         {f.has_name(), f.has_base(), f.has_color(), f.has_shape()},
                         vocab::check_kind_fields);
}

Status read_style_rule(const pb::StyleRuleRecord& r, StyleRule* s) {
  const auto& f = r.fields();
  if (!f.has_match()) return record_error("style rule " + OpId::from_pb(r.id()).str(), "no match");
  return read_definition(r, s, "style rule", 5,
                         {f.has_match(), f.has_color(), f.has_shape(), f.has_size(), f.has_order()},
                         vocab::check_rule_fields);
}

Status read_view(const pb::ViewRecord& r, View* v) {
  const auto& f = r.fields();
  return read_definition(r, v, "view", 4,
                         {f.has_name(), f.has_viewport(), f.has_filter(), f.has_order()},
                         vocab::check_view_fields);
}

// A reference a record holds: an entity of `types` on `map`.
Status check_on_map(const Landscape& l, OpId id, unsigned types, OpId map, std::string_view where) {
  if (!l.is_a(id, types)) return record_error(where, id.str() + " is not of the right type");
  if (l.map_of(id) != map) return record_error(where, id.str() + " is on another map");
  return Status::ok();
}

Status check_filter_refs(const Landscape& l, const View& v, std::string_view where) {
  const ViewFilter& f = v.filter.value;
  for (OpId kind : f.custom_kinds)
    CONVENE_RETURN_IF_ERROR(check_on_map(l, kind, Landscape::kKindBit, v.map, where));
  if (f.focus.valid())
    CONVENE_RETURN_IF_ERROR(check_on_map(l, f.focus, Landscape::kElementBit, v.map, where));
  for (OpId id : f.highlights)
    CONVENE_RETURN_IF_ERROR(
        check_on_map(l, id, Landscape::kElementBit | Landscape::kConnectionBit, v.map, where));
  return Status::ok();
}

// Each definition: keyed by its id, which names nothing else, on a map.
template <class Entity>
Status check_table(const Landscape& l, const std::unordered_map<OpId, Entity>& table,
                   unsigned own_type, std::string_view what) {
  for (const auto& [id, e] : table) {
    const std::string where = std::string(what) + " " + id.str();
    CONVENE_RETURN_IF_ERROR(check_key(id, e, where));
    if (l.is_a(id, Landscape::kAnyBits & ~own_type))
      return record_error(where, "id names two entities");
    if (!l.map(e.map)) return record_error(where, "on unknown map " + e.map.str());
    CONVENE_RETURN_IF_ERROR(check_liveness(e.liveness, where));
  }
  return Status::ok();
}

}  // namespace

void Vocabulary::encode(pb::Snapshot* out) const {
  out->clear_tags();
  out->clear_field_values();
  for (const auto& [key, t] : tags_) {
    pb::TagRecord* r = out->add_tags();
    key.target.to_pb(r->mutable_target());
    r->set_tag(key.tag);
    r->set_on(t.on);
    write_stamp(t.stamp, r->mutable_stamp());
  }
  for (const auto& [key, v] : values_) {
    pb::FieldValueRecord* r = out->add_field_values();
    key.target.to_pb(r->mutable_target());
    key.field.to_pb(r->mutable_field());
    if (v.text) r->set_text(*v.text);
    if (v.number) r->set_number(*v.number);
    write_stamp(v.stamp, r->mutable_stamp());
  }
  out->clear_fields();
  out->clear_kinds();
  out->clear_style_rules();
  out->clear_views();
  encode_table(fields_, out->mutable_fields());
  encode_table(kinds_, out->mutable_kinds());
  encode_table(style_rules_, out->mutable_style_rules());
  encode_table(views_, out->mutable_views());
}

Status Vocabulary::decode(const pb::Snapshot& in) {
  CONVENE_RETURN_IF_ERROR(decode_tags(in));
  CONVENE_RETURN_IF_ERROR(decode_field_values(in));
  CONVENE_RETURN_IF_ERROR(read_table(in.fields(), read_field, &fields_));
  CONVENE_RETURN_IF_ERROR(read_table(in.kinds(), read_kind, &kinds_));
  CONVENE_RETURN_IF_ERROR(read_table(in.style_rules(), read_style_rule, &style_rules_));
  CONVENE_RETURN_IF_ERROR(read_table(in.views(), read_view, &views_));
  counts_ = counted();
  return Status::ok();
}

Status Vocabulary::decode_tags(const pb::Snapshot& in) {
  for (const pb::TagRecord& r : in.tags()) {
    TagKey key{OpId::from_pb(r.target()), r.tag()};
    const std::string where = "tag on " + key.target.str();
    CONVENE_RETURN_IF_ERROR(vocab::check_tag(r.tag(), where, "tag"));
    const Stamp stamp = read_stamp(r.stamp());
    if (!stamp.valid()) return record_error(where, "no stamp");
    if (!tags_.empty() && !(tags_.rbegin()->first < key))
      return record_error(where, "records unsorted or repeated");
    tags_.emplace_hint(tags_.end(), std::move(key), TagState{r.on(), stamp});
  }
  return Status::ok();
}

Status Vocabulary::decode_field_values(const pb::Snapshot& in) {
  for (const pb::FieldValueRecord& r : in.field_values()) {
    const FieldValueKey key{OpId::from_pb(r.target()), OpId::from_pb(r.field())};
    const std::string where = "field value on " + key.target.str();
    CONVENE_RETURN_IF_ERROR(
        vocab::check_field_value(r.has_text(), r.text(), r.has_number(), r.number(), where));
    if (r.has_text() && r.text().empty())
      return record_error(where, "empty text is written as none");
    const Stamp stamp = read_stamp(r.stamp());
    if (!stamp.valid()) return record_error(where, "no stamp");
    if (!values_.empty() && !(values_.rbegin()->first < key))
      return record_error(where, "records unsorted or repeated");
    FieldValue v;
    if (r.has_text()) v.text = r.text();
    if (r.has_number()) v.number = r.number();
    v.stamp = stamp;
    values_.emplace_hint(values_.end(), key, std::move(v));
  }
  return Status::ok();
}

Vocabulary::Counts Vocabulary::counted() const {
  Counts counts;
  for (const auto& [key, t] : tags_)
    if (t.on) ++counts.tags_on[key.target];
  for (const auto& [id, d] : fields_) count_definition(counts, d.map, DefinitionSort::kField);
  for (const auto& [id, k] : kinds_) count_definition(counts, k.map, DefinitionSort::kKind);
  for (const auto& [id, r] : style_rules_)
    count_definition(counts, r.map, DefinitionSort::kStyleRule);
  for (const auto& [id, v] : views_) count_definition(counts, v.map, DefinitionSort::kView);
  return counts;
}

// ---- invariants ------------------------------------------------------------------

Status Vocabulary::check_invariants(const Landscape& l) const {
  CONVENE_RETURN_IF_ERROR(check_definitions(l));
  CONVENE_RETURN_IF_ERROR(check_values(l));
  if (counted() != counts_)
    return Status::invalid("vocabulary: counts of tags or definitions disagree with the state");
  return Status::ok();
}

Status Vocabulary::check_definitions(const Landscape& l) const {
  CONVENE_RETURN_IF_ERROR(check_table(l, fields_, Landscape::kFieldBit, "field"));
  CONVENE_RETURN_IF_ERROR(check_table(l, kinds_, Landscape::kKindBit, "kind"));
  CONVENE_RETURN_IF_ERROR(check_table(l, style_rules_, Landscape::kStyleRuleBit, "style rule"));
  CONVENE_RETURN_IF_ERROR(check_table(l, views_, Landscape::kViewBit, "view"));
  for (const auto& [id, k] : kinds_)
    CONVENE_RETURN_IF_ERROR(
        check_enum(k.base.value, pb::ElementKind_IsValid, "kind " + id.str(), "base"));
  for (const auto& [id, r] : style_rules_) {
    const OpId field = r.match.value.field;
    if (!r.match.set()) return record_error("style rule " + id.str(), "no match");
    if (field.valid())
      CONVENE_RETURN_IF_ERROR(
          check_on_map(l, field, Landscape::kFieldBit, r.map, "style rule " + id.str()));
  }
  for (const auto& [id, v] : views_)
    CONVENE_RETURN_IF_ERROR(check_filter_refs(l, v, "view " + id.str()));
  return Status::ok();
}

Status Vocabulary::check_values(const Landscape& l) const {
  constexpr unsigned kTarget = Landscape::kElementBit | Landscape::kConnectionBit;
  for (const auto& [key, t] : tags_) {
    const std::string where = "tag on " + key.target.str();
    if (!l.is_a(key.target, kTarget)) return record_error(where, "not an element or connection");
    if (!t.stamp.valid()) return record_error(where, "never written");
  }
  for (const auto& [key, v] : values_) {
    const std::string where = "field value on " + key.target.str();
    if (!l.is_a(key.target, kTarget)) return record_error(where, "not an element or connection");
    CONVENE_RETURN_IF_ERROR(
        check_on_map(l, key.field, Landscape::kFieldBit, l.map_of(key.target), where));
    if (!v.stamp.valid() || (v.text && v.number))
      return record_error(where, "never written, or both text and number");
  }
  return Status::ok();
}

}  // namespace convene::crdt
