#include "crdt/vocabulary_fields.h"

#include <cmath>

#include "crdt/limits.h"
#include "crdt/utf8.h"

namespace convene::crdt::vocab {
namespace {

using records::check_enum;
using records::check_text;
using records::field_error;

// Unicode's control characters (general category Cc).
bool is_control(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F);
}

// What JavaScript's String.prototype.trim removes, so that both
// implementations agree on a tag in one line of code each.
bool is_white_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000 || c == 0xFEFF;
}

bool finite_within(double v, double bound) {
  return std::isfinite(v) && std::fabs(v) <= bound;
}

Status check_order(double order, std::string_view where) {
  if (finite_within(order, limits::kOrder)) return Status::ok();
  return field_error(where, "order", "not finite or beyond 1e9");
}

// At most `max` entries.
template <class List>
Status check_count(const List& list, size_t max, std::string_view where, std::string_view field) {
  if (static_cast<size_t>(list.size()) <= max) return Status::ok();
  return field_error(where, field, "more than " + std::to_string(max) + " entries");
}

template <class List>
Status check_enums(const List& list, bool (*is_valid)(int), std::string_view where,
                   std::string_view field) {
  CONVENE_RETURN_IF_ERROR(check_count(list, limits::kViewEnumList, where, field));
  for (int value : list) CONVENE_RETURN_IF_ERROR(check_enum(value, is_valid, where, field));
  return Status::ok();
}

Status check_choices(const pb::StringList& choices, std::string_view where) {
  CONVENE_RETURN_IF_ERROR(check_count(choices.values(), limits::kFieldChoices, where, "choices"));
  std::vector<std::string> seen;
  for (const std::string& c : choices.values()) {
    CONVENE_RETURN_IF_ERROR(records::check_name(c, limits::kChoiceBytes, where, "choices"));
    seen.push_back(c);
  }
  std::sort(seen.begin(), seen.end());
  if (std::adjacent_find(seen.begin(), seen.end()) != seen.end())
    return field_error(where, "choices", "two choices are equal");
  return Status::ok();
}

Status check_viewport(const pb::Viewport& v, std::string_view where) {
  if (!records::coordinate_ok(v.x()) || !records::coordinate_ok(v.y()))
    return field_error(where, "viewport", "centre not finite or beyond 1e7");
  if (!(v.zoom() > 0 && v.zoom() <= limits::kMaxZoom))
    return field_error(where, "viewport", "zoom not within (0, 1000]");
  // The area shown: 0 when not known; a side never longer than the plane.
  const auto side_ok = [](double side) {
    return std::isfinite(side) && side >= 0 && side <= 2 * limits::kCoordinate;
  };
  if (!side_ok(v.width()) || !side_ok(v.height()))
    return field_error(where, "viewport", "width or height not within [0, 2e7]");
  return Status::ok();
}

// Ids in a list must be set; what they name is checked against the state.
Status check_ids(const google::protobuf::RepeatedPtrField<pb::OpId>& ids, size_t max,
                 std::string_view where, std::string_view field) {
  CONVENE_RETURN_IF_ERROR(check_count(ids, max, where, field));
  for (const pb::OpId& id : ids)
    if (!OpId::from_pb(id).valid()) return field_error(where, field, "an id is not set");
  return Status::ok();
}

Status check_filter_lists(const pb::ViewFilter& f, std::string_view where) {
  CONVENE_RETURN_IF_ERROR(check_enums(f.kinds(), pb::ElementKind_IsValid, where, "filter.kinds"));
  CONVENE_RETURN_IF_ERROR(
      check_ids(f.custom_kinds(), limits::kViewIdList, where, "filter.custom_kinds"));
  CONVENE_RETURN_IF_ERROR(check_enums(f.scales(), pb::ScaleLevel_IsValid, where, "filter.scales"));
  CONVENE_RETURN_IF_ERROR(check_count(f.tags(), limits::kViewIdList, where, "filter.tags"));
  for (const std::string& tag : f.tags())
    CONVENE_RETURN_IF_ERROR(check_tag(tag, where, "filter.tags"));
  CONVENE_RETURN_IF_ERROR(check_enums(f.connection_kinds(), pb::ConnectionKind_IsValid, where,
                                      "filter.connection_kinds"));
  CONVENE_RETURN_IF_ERROR(check_count(f.authors(), limits::kViewIdList, where, "filter.authors"));
  for (const std::string& author : f.authors())
    CONVENE_RETURN_IF_ERROR(
        records::check_name(author, limits::kParticipantBytes, where, "filter.authors"));
  return check_ids(f.highlights(), limits::kViewHighlights, where, "filter.highlights");
}

Status check_filter(const pb::ViewFilter& f, std::string_view where) {
  CONVENE_RETURN_IF_ERROR(check_filter_lists(f, where));
  const bool focus = !records::is_zero(f.focus());
  if (focus && !OpId::from_pb(f.focus()).valid())
    return field_error(where, "filter.focus", "has a replica but no counter");
  const bool depth_ok =
      focus ? f.focus_depth() >= limits::kMinDepth && f.focus_depth() <= limits::kMaxDepth
            : f.focus_depth() == 0;
  if (!depth_ok)
    return field_error(where, "filter.focus_depth", "must be 1..3 with a focus, 0 without");
  return check_text(f.search(), limits::kSearchBytes, where, "filter.search");
}

template <class Enum>
std::vector<Enum> enums_from(const google::protobuf::RepeatedField<int>& in) {
  std::vector<Enum> out;
  for (int v : in) out.push_back(static_cast<Enum>(v));
  return out;
}

std::vector<OpId> ids_from(const google::protobuf::RepeatedPtrField<pb::OpId>& in) {
  std::vector<OpId> out;
  for (const pb::OpId& id : in) out.push_back(OpId::from_pb(id));
  return out;
}

void ids_to(const std::vector<OpId>& ids, google::protobuf::RepeatedPtrField<pb::OpId>* out) {
  for (const OpId& id : ids) id.to_pb(out->Add());
}

}  // namespace

Status check_tag(const std::string& tag, std::string_view where, std::string_view field) {
  if (tag.empty()) return field_error(where, field, "empty");
  CONVENE_RETURN_IF_ERROR(check_text(tag, limits::kTagBytes, where, field));
  std::u32string cps;
  utf8::decode(tag, cps);  // valid: checked above
  for (char32_t c : cps)
    if (is_control(c)) return field_error(where, field, "holds a control character");
  if (is_white_space(cps.front()) || is_white_space(cps.back()))
    return field_error(where, field, "begins or ends with white space");
  return Status::ok();
}

Status check_field_def(const pb::FieldDefFields& f, std::string_view where) {
  if (f.has_name())
    CONVENE_RETURN_IF_ERROR(check_text(f.name(), limits::kNameBytes, where, "name"));
  if (f.has_type())
    CONVENE_RETURN_IF_ERROR(check_enum(f.type(), pb::FieldType_IsValid, where, "type"));
  if (f.has_choices()) CONVENE_RETURN_IF_ERROR(check_choices(f.choices(), where));
  return Status::ok();
}

Status check_kind_fields(const pb::KindFields& f, std::string_view where) {
  if (f.has_name())
    CONVENE_RETURN_IF_ERROR(check_text(f.name(), limits::kNameBytes, where, "name"));
  if (f.has_base())
    CONVENE_RETURN_IF_ERROR(check_enum(f.base(), pb::ElementKind_IsValid, where, "base"));
  if (f.has_color())
    CONVENE_RETURN_IF_ERROR(check_text(f.color(), limits::kStyleBytes, where, "color"));
  if (f.has_shape())
    CONVENE_RETURN_IF_ERROR(check_text(f.shape(), limits::kStyleBytes, where, "shape"));
  return Status::ok();
}

Status check_match(const pb::RuleMatch& m, std::string_view where) {
  if (records::is_zero(m.field())) {
    if (!m.value().empty()) return field_error(where, "match.value", "set without a field");
    return check_tag(m.tag(), where, "match.tag");
  }
  if (!OpId::from_pb(m.field()).valid())
    return field_error(where, "match.field", "has a replica but no counter");
  if (!m.tag().empty()) return field_error(where, "match", "names both a tag and a field");
  return check_text(m.value(), limits::kRuleValueBytes, where, "match.value");
}

Status check_rule_fields(const pb::StyleRuleFields& f, std::string_view where) {
  if (f.has_match()) CONVENE_RETURN_IF_ERROR(check_match(f.match(), where));
  if (f.has_color())
    CONVENE_RETURN_IF_ERROR(check_text(f.color(), limits::kStyleBytes, where, "color"));
  if (f.has_shape())
    CONVENE_RETURN_IF_ERROR(check_text(f.shape(), limits::kStyleBytes, where, "shape"));
  if (f.has_size() && !(f.size() >= limits::kMinRuleSize && f.size() <= limits::kMaxRuleSize))
    return field_error(where, "size", "not within 0.25..4");
  if (f.has_order()) CONVENE_RETURN_IF_ERROR(check_order(f.order(), where));
  return Status::ok();
}

Status check_view_fields(const pb::ViewFields& f, std::string_view where) {
  if (f.has_name())
    CONVENE_RETURN_IF_ERROR(check_text(f.name(), limits::kNameBytes, where, "name"));
  if (f.has_viewport()) CONVENE_RETURN_IF_ERROR(check_viewport(f.viewport(), where));
  if (f.has_filter()) CONVENE_RETURN_IF_ERROR(check_filter(f.filter(), where));
  if (f.has_order()) CONVENE_RETURN_IF_ERROR(check_order(f.order(), where));
  return Status::ok();
}

Status check_field_value(bool has_text, const std::string& text, bool has_number, double number,
                         std::string_view where) {
  if (has_text && has_number) return field_error(where, "value", "both text and a number");
  if (has_text) CONVENE_RETURN_IF_ERROR(check_text(text, limits::kFieldTextBytes, where, "text"));
  if (has_number && !finite_within(number, limits::kFieldNumber))
    return field_error(where, "number", "not finite or beyond 1e15");
  return Status::ok();
}

std::vector<std::string> choices_from(const pb::StringList& list) {
  return {list.values().begin(), list.values().end()};
}

void choices_to(const std::vector<std::string>& choices, pb::StringList* out) {
  for (const std::string& c : choices) out->add_values(c);
}

RuleMatch match_from(const pb::RuleMatch& m) {
  return {m.tag(), OpId::from_pb(m.field()), m.value()};
}

void match_to(const RuleMatch& m, pb::RuleMatch* out) {
  out->set_tag(m.tag);
  if (m.field.valid()) m.field.to_pb(out->mutable_field());
  out->set_value(m.value);
}

Viewport viewport_from(const pb::Viewport& v) {
  return {v.x(), v.y(), v.zoom(), v.width(), v.height()};
}

void viewport_to(const Viewport& v, pb::Viewport* out) {
  out->set_x(v.x);
  out->set_y(v.y);
  out->set_zoom(v.zoom);
  out->set_width(v.width);
  out->set_height(v.height);
}

ViewFilter filter_from(const pb::ViewFilter& f) {
  ViewFilter out;
  out.kinds = enums_from<pb::ElementKind>(f.kinds());
  out.custom_kinds = ids_from(f.custom_kinds());
  out.scales = enums_from<pb::ScaleLevel>(f.scales());
  out.tags = {f.tags().begin(), f.tags().end()};
  out.connection_kinds = enums_from<pb::ConnectionKind>(f.connection_kinds());
  out.authors = {f.authors().begin(), f.authors().end()};
  out.focus = OpId::from_pb(f.focus());
  out.focus_depth = f.focus_depth();
  out.highlights = ids_from(f.highlights());
  out.search = f.search();
  return out;
}

void filter_to(const ViewFilter& f, pb::ViewFilter* out) {
  for (pb::ElementKind k : f.kinds) out->add_kinds(k);
  ids_to(f.custom_kinds, out->mutable_custom_kinds());
  for (pb::ScaleLevel s : f.scales) out->add_scales(s);
  for (const std::string& t : f.tags) out->add_tags(t);
  for (pb::ConnectionKind k : f.connection_kinds) out->add_connection_kinds(k);
  for (const std::string& a : f.authors) out->add_authors(a);
  if (f.focus.valid()) f.focus.to_pb(out->mutable_focus());
  out->set_focus_depth(f.focus_depth);
  ids_to(f.highlights, out->mutable_highlights());
  out->set_search(f.search);
}

}  // namespace convene::crdt::vocab
