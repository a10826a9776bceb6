// Vocabulary: ownership, validation, application and lookups (snapshots are
// in vocabulary_snapshot.cc, the canonical JSON in vocabulary_json.cc).
#include "crdt/vocabulary.h"

#include "crdt/landscape.h"
#include "crdt/vocabulary_fields.h"

namespace convene::crdt {
namespace {

using records::find;
using L = Landscape;

size_t sort_index(DefinitionSort sort) {
  return static_cast<size_t>(sort);
}

// The map a create (`ref` a map) or an update (`ref` a definition) is on.
OpId map_of_ref(const Landscape& l, const pb::OpId& ref, unsigned type) {
  const OpId id = OpId::from_pb(ref);
  return type == L::kMapBit ? id : l.map_of(id);
}

}  // namespace

// ---- ownership -------------------------------------------------------------------

bool Vocabulary::is_vocabulary_op(const pb::Op& op) {
  switch (op.body_case()) {
    case pb::Op::kSetTag:
    case pb::Op::kCreateField:
    case pb::Op::kUpdateField:
    case pb::Op::kSetFieldValue:
    case pb::Op::kCreateKind:
    case pb::Op::kUpdateKind:
    case pb::Op::kCreateStyleRule:
    case pb::Op::kUpdateStyleRule:
    case pb::Op::kCreateView:
    case pb::Op::kUpdateView:
      return true;
    default:
      return false;
  }
}

bool Vocabulary::is_a(OpId id, unsigned types) const {
  return ((types & L::kFieldBit) && fields_.contains(id)) ||
         ((types & L::kKindBit) && kinds_.contains(id)) ||
         ((types & L::kStyleRuleBit) && style_rules_.contains(id)) ||
         ((types & L::kViewBit) && views_.contains(id));
}

OpId Vocabulary::map_of(OpId id) const {
  if (const FieldDef* f = field(id)) return f->map;
  if (const CustomKind* k = kind(id)) return k->map;
  if (const StyleRule* r = style_rule(id)) return r->map;
  if (const View* v = view(id)) return v->map;
  return {};
}

Liveness* Vocabulary::mutable_liveness(OpId id) {
  if (FieldDef* f = find(fields_, id)) return &f->liveness;
  if (CustomKind* k = find(kinds_, id)) return &k->liveness;
  if (StyleRule* r = find(style_rules_, id)) return &r->liveness;
  if (View* v = find(views_, id)) return &v->liveness;
  return nullptr;
}

// ---- validation ------------------------------------------------------------------
// Bodies first, then references: an invalid op must not wait for what it names.

Status Vocabulary::validate(const pb::Op& op, const Landscape& l,
                            const VersionVector& applied) const {
  constexpr unsigned kTarget = L::kElementBit | L::kConnectionBit;
  switch (op.body_case()) {
    case pb::Op::kSetTag:
      CONVENE_RETURN_IF_ERROR(vocab::check_tag(op.set_tag().tag(), "set_tag", "tag"));
      return l.check_ref(op.set_tag().target(), kTarget, applied, "set_tag.target");
    case pb::Op::kCreateField:
      CONVENE_RETURN_IF_ERROR(vocab::check_field_def(op.create_field().fields(), "create_field"));
      return l.check_ref(op.create_field().map(), L::kMapBit, applied, "create_field.map");
    case pb::Op::kUpdateField:
      CONVENE_RETURN_IF_ERROR(vocab::check_field_def(op.update_field().fields(), "update_field"));
      return l.check_ref(op.update_field().field(), L::kFieldBit, applied, "update_field.field");
    case pb::Op::kSetFieldValue:
      return validate_set_field_value(op.set_field_value(), l, applied);
    case pb::Op::kCreateKind:
      CONVENE_RETURN_IF_ERROR(vocab::check_kind_fields(op.create_kind().fields(), "create_kind"));
      return l.check_ref(op.create_kind().map(), L::kMapBit, applied, "create_kind.map");
    case pb::Op::kUpdateKind:
      CONVENE_RETURN_IF_ERROR(vocab::check_kind_fields(op.update_kind().fields(), "update_kind"));
      return l.check_ref(op.update_kind().kind(), L::kKindBit, applied, "update_kind.kind");
    case pb::Op::kCreateStyleRule:
      if (!op.create_style_rule().fields().has_match())
        return Status::invalid("create_style_rule.match: a rule needs a match");
      return validate_style_rule(op.create_style_rule().fields(), op.create_style_rule().map(),
                                 L::kMapBit, l, applied, "create_style_rule");
    case pb::Op::kUpdateStyleRule:
      return validate_style_rule(op.update_style_rule().fields(), op.update_style_rule().rule(),
                                 L::kStyleRuleBit, l, applied, "update_style_rule");
    case pb::Op::kCreateView:
      return validate_view(op.create_view().fields(), op.create_view().map(), L::kMapBit, l,
                           applied, "create_view");
    case pb::Op::kUpdateView:
      return validate_view(op.update_view().fields(), op.update_view().view(), L::kViewBit, l,
                           applied, "update_view");
    default:
      return Status::invalid("not a vocabulary op");
  }
}

Status Vocabulary::validate_set_field_value(const pb::SetFieldValue& op, const Landscape& l,
                                            const VersionVector& applied) const {
  CONVENE_RETURN_IF_ERROR(vocab::check_field_value(op.has_text(), op.text(), op.has_number(),
                                                   op.number(), "set_field_value"));
  CONVENE_RETURN_IF_ERROR(l.check_ref(op.target(), L::kElementBit | L::kConnectionBit, applied,
                                      "set_field_value.target"));
  const OpId map = l.map_of(OpId::from_pb(op.target()));
  return l.check_ref_on_map(op.field(), L::kFieldBit, map, applied, "set_field_value.field");
}

// `ref` is the rule's map (create) or the rule itself (update): either way it
// gives the map whose field a match may name.
Status Vocabulary::validate_style_rule(const pb::StyleRuleFields& fields, const pb::OpId& ref,
                                       unsigned type, const Landscape& l,
                                       const VersionVector& applied, std::string_view where) const {
  CONVENE_RETURN_IF_ERROR(vocab::check_rule_fields(fields, where));
  CONVENE_RETURN_IF_ERROR(l.check_ref(ref, type, applied, where));
  if (!fields.has_match() || records::is_zero(fields.match().field())) return Status::ok();
  const OpId map = map_of_ref(l, ref, type);
  return l.check_ref_on_map(fields.match().field(), L::kFieldBit, map, applied, where);
}

Status Vocabulary::validate_view(const pb::ViewFields& fields, const pb::OpId& ref, unsigned type,
                                 const Landscape& l, const VersionVector& applied,
                                 std::string_view where) const {
  CONVENE_RETURN_IF_ERROR(vocab::check_view_fields(fields, where));
  CONVENE_RETURN_IF_ERROR(l.check_ref(ref, type, applied, where));
  if (!fields.has_filter()) return Status::ok();
  const OpId map = map_of_ref(l, ref, type);
  const pb::ViewFilter& f = fields.filter();
  for (const pb::OpId& kind : f.custom_kinds())
    CONVENE_RETURN_IF_ERROR(l.check_ref_on_map(kind, L::kKindBit, map, applied, where));
  if (!records::is_zero(f.focus()))
    CONVENE_RETURN_IF_ERROR(l.check_ref_on_map(f.focus(), L::kElementBit, map, applied, where));
  for (const pb::OpId& id : f.highlights())
    CONVENE_RETURN_IF_ERROR(
        l.check_ref_on_map(id, L::kElementBit | L::kConnectionBit, map, applied, where));
  return Status::ok();
}

// ---- applying --------------------------------------------------------------------

namespace {

// Creation is a no-op for an id that exists: a second delivery must not reset
// the definition's liveness. Returns whether it was created.
template <class Entity, class Fields>
bool create(std::unordered_map<OpId, Entity>& table, OpId id, const pb::OpId& map,
            const Fields& fields, Stamp stamp) {
  auto [it, fresh] = table.try_emplace(id);
  if (!fresh) return false;
  it->second.id = id;
  it->second.map = OpId::from_pb(map);
  vocab::write_fields(it->second, fields, [stamp](int) { return stamp; });
  return true;
}

template <class Entity, class Fields>
void update(std::unordered_map<OpId, Entity>& table, const pb::OpId& ref, const Fields& fields,
            Stamp stamp) {
  if (Entity* e = find(table, OpId::from_pb(ref)))
    vocab::write_fields(*e, fields, [stamp](int) { return stamp; });
}

}  // namespace

void Vocabulary::apply(const pb::Op& op) {
  const OpId id = op_id(op);
  const Stamp s = op_stamp(op);
  switch (op.body_case()) {
    case pb::Op::kSetTag:
      return apply_set_tag(op.set_tag(), s);
    case pb::Op::kSetFieldValue:
      return apply_set_field_value(op.set_field_value(), s);
    case pb::Op::kCreateField:
      if (create(fields_, id, op.create_field().map(), op.create_field().fields(), s))
        count_definition(counts_, fields_.at(id).map, DefinitionSort::kField);
      return;
    case pb::Op::kUpdateField:
      return update(fields_, op.update_field().field(), op.update_field().fields(), s);
    case pb::Op::kCreateKind:
      if (create(kinds_, id, op.create_kind().map(), op.create_kind().fields(), s))
        count_definition(counts_, kinds_.at(id).map, DefinitionSort::kKind);
      return;
    case pb::Op::kUpdateKind:
      return update(kinds_, op.update_kind().kind(), op.update_kind().fields(), s);
    case pb::Op::kCreateStyleRule:
      if (create(style_rules_, id, op.create_style_rule().map(), op.create_style_rule().fields(),
                 s))
        count_definition(counts_, style_rules_.at(id).map, DefinitionSort::kStyleRule);
      return;
    case pb::Op::kUpdateStyleRule:
      return update(style_rules_, op.update_style_rule().rule(), op.update_style_rule().fields(),
                    s);
    case pb::Op::kCreateView:
      if (create(views_, id, op.create_view().map(), op.create_view().fields(), s))
        count_definition(counts_, views_.at(id).map, DefinitionSort::kView);
      return;
    case pb::Op::kUpdateView:
      return update(views_, op.update_view().view(), op.update_view().fields(), s);
    default:
      return;
  }
}

void Vocabulary::apply_set_tag(const pb::SetTag& op, Stamp stamp) {
  const OpId target = OpId::from_pb(op.target());
  TagState& t = tags_[TagKey{target, op.tag()}];
  if (stamp <= t.stamp) return;
  if (t.on != op.on() && op.on()) ++counts_.tags_on[target];
  // Counts of zero are erased: the counts stay exactly what counted() gives.
  if (t.on != op.on() && !op.on() && --counts_.tags_on[target] == 0) counts_.tags_on.erase(target);
  t.on = op.on();
  t.stamp = stamp;
}

void Vocabulary::apply_set_field_value(const pb::SetFieldValue& op, Stamp stamp) {
  FieldValue& v = values_[FieldValueKey{OpId::from_pb(op.target()), OpId::from_pb(op.field())}];
  if (stamp <= v.stamp) return;
  v.stamp = stamp;
  // Empty text clears, as "neither" does: one state, one encoding.
  v.text =
      op.has_text() && !op.text().empty() ? std::optional<std::string>(op.text()) : std::nullopt;
  v.number = op.has_number() ? std::optional<double>(op.number()) : std::nullopt;
}

void Vocabulary::count_definition(Counts& counts, OpId map, DefinitionSort sort) {
  auto [it, fresh] = counts.definitions.try_emplace(map);
  if (fresh) it->second.fill(0);
  ++it->second[sort_index(sort)];
}

// ---- lookups -----------------------------------------------------------------------

const FieldDef* Vocabulary::field(OpId id) const {
  return find(fields_, id);
}
const CustomKind* Vocabulary::kind(OpId id) const {
  return find(kinds_, id);
}
const StyleRule* Vocabulary::style_rule(OpId id) const {
  return find(style_rules_, id);
}
const View* Vocabulary::view(OpId id) const {
  return find(views_, id);
}

bool Vocabulary::visible(OpId id, const Landscape& l) const {
  const Liveness* live = const_cast<Vocabulary*>(this)->mutable_liveness(id);
  return live && !live->removed() && l.map_visible(map_of(id));
}

const TagState* Vocabulary::tag(OpId target, const std::string& tag) const {
  auto it = tags_.find(TagKey{target, tag});
  return it == tags_.end() ? nullptr : &it->second;
}

const FieldValue* Vocabulary::field_value(OpId target, OpId field) const {
  auto it = values_.find(FieldValueKey{target, field});
  return it == values_.end() ? nullptr : &it->second;
}

std::vector<std::string> Vocabulary::tags_of(OpId target) const {
  std::vector<std::string> out;
  for (auto it = tags_.lower_bound(TagKey{target, {}});
       it != tags_.end() && it->first.target == target; ++it)
    if (it->second.on) out.push_back(it->first.tag);
  return out;
}

size_t Vocabulary::tags_on(OpId target) const {
  auto it = counts_.tags_on.find(target);
  return it == counts_.tags_on.end() ? 0 : it->second;
}

size_t Vocabulary::definitions_on(OpId map, DefinitionSort sort) const {
  auto it = counts_.definitions.find(map);
  return it == counts_.definitions.end() ? 0 : it->second[sort_index(sort)];
}

namespace {

template <class Entity>
std::vector<OpId> live_of(const std::unordered_map<OpId, Entity>& table, OpId map) {
  std::vector<OpId> out;
  for (const auto& [id, e] : table)
    if (e.map == map && !e.liveness.removed()) out.push_back(id);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<OpId> Vocabulary::definitions_of(OpId map, DefinitionSort sort) const {
  switch (sort) {
    case DefinitionSort::kField:
      return live_of(fields_, map);
    case DefinitionSort::kKind:
      return live_of(kinds_, map);
    case DefinitionSort::kStyleRule:
      return live_of(style_rules_, map);
    case DefinitionSort::kView:
      return live_of(views_, map);
  }
  return {};
}

}  // namespace convene::crdt
