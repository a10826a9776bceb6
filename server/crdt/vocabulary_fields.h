// The vocabulary's values: checks of what an op or a record carries (shared
// by validation, snapshot decoding and undo), conversions between the wire
// messages and the state, and the last-writer-wins writes of a definition's
// fields (shared by apply and decode).
//
// Internal to server/crdt: included by the vocabulary's .cc files only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "crdt/records.h"
#include "crdt/vocabulary.h"

namespace convene::crdt::vocab {

// ---- checks of values (limits.h; docs/crdt.md, "Vocabulary") ----------------

// 1..64 bytes of UTF-8, no control character, no white space at either end.
Status check_tag(const std::string& tag, std::string_view where, std::string_view field);
Status check_field_def(const pb::FieldDefFields& f, std::string_view where);
Status check_kind_fields(const pb::KindFields& f, std::string_view where);
Status check_match(const pb::RuleMatch& m, std::string_view where);
Status check_rule_fields(const pb::StyleRuleFields& f, std::string_view where);
Status check_view_fields(const pb::ViewFields& f, std::string_view where);
// A SetFieldValue's or FieldValueRecord's value: at most one of text and
// number; empty text is written as no text (cleared).
Status check_field_value(bool has_text, const std::string& text, bool has_number, double number,
                         std::string_view where);

// ---- wire <-> state -------------------------------------------------------------
// Copied field by field, so unknown fields a client attached never reach the
// state (they would break canonical bytes).

std::vector<std::string> choices_from(const pb::StringList& list);
void choices_to(const std::vector<std::string>& choices, pb::StringList* out);
RuleMatch match_from(const pb::RuleMatch& m);
void match_to(const RuleMatch& m, pb::RuleMatch* out);
Viewport viewport_from(const pb::Viewport& v);
void viewport_to(const Viewport& v, pb::Viewport* out);
ViewFilter filter_from(const pb::ViewFilter& f);
void filter_to(const ViewFilter& f, pb::ViewFilter* out);

// ---- writing fields -----------------------------------------------------------------
// `stamp_of(field number)` is the op's stamp when applying, the recorded
// per-field stamp when decoding.

template <class StampOf>
void write_fields(FieldDef& d, const pb::FieldDefFields& f, StampOf stamp_of) {
  using F = pb::FieldDefFields;
  if (f.has_name()) records::put(d.name, f.name(), stamp_of(F::kNameFieldNumber));
  if (f.has_type()) records::put(d.type, f.type(), stamp_of(F::kTypeFieldNumber));
  if (f.has_choices())
    records::put(d.choices, choices_from(f.choices()), stamp_of(F::kChoicesFieldNumber));
}

template <class StampOf>
void write_fields(CustomKind& k, const pb::KindFields& f, StampOf stamp_of) {
  using F = pb::KindFields;
  if (f.has_name()) records::put(k.name, f.name(), stamp_of(F::kNameFieldNumber));
  if (f.has_base()) records::put(k.base, f.base(), stamp_of(F::kBaseFieldNumber));
  if (f.has_color()) records::put(k.color, f.color(), stamp_of(F::kColorFieldNumber));
  if (f.has_shape()) records::put(k.shape, f.shape(), stamp_of(F::kShapeFieldNumber));
}

template <class StampOf>
void write_fields(StyleRule& r, const pb::StyleRuleFields& f, StampOf stamp_of) {
  using F = pb::StyleRuleFields;
  if (f.has_match()) records::put(r.match, match_from(f.match()), stamp_of(F::kMatchFieldNumber));
  if (f.has_color()) records::put(r.color, f.color(), stamp_of(F::kColorFieldNumber));
  if (f.has_shape()) records::put(r.shape, f.shape(), stamp_of(F::kShapeFieldNumber));
  if (f.has_size()) records::put(r.size, f.size(), stamp_of(F::kSizeFieldNumber));
  if (f.has_order()) records::put(r.order, f.order(), stamp_of(F::kOrderFieldNumber));
}

template <class StampOf>
void write_fields(View& v, const pb::ViewFields& f, StampOf stamp_of) {
  using F = pb::ViewFields;
  if (f.has_name()) records::put(v.name, f.name(), stamp_of(F::kNameFieldNumber));
  if (f.has_viewport())
    records::put(v.viewport, viewport_from(f.viewport()), stamp_of(F::kViewportFieldNumber));
  if (f.has_filter())
    records::put(v.filter, filter_from(f.filter()), stamp_of(F::kFilterFieldNumber));
  if (f.has_order()) records::put(v.order, f.order(), stamp_of(F::kOrderFieldNumber));
}

// ---- state -> wire (snapshot records, undo) ----------------------------------------
// Each fills the fields `want(field number)` asks for, with the state's
// current values (defaults where never written).

template <class Want>
void read_fields(const FieldDef& d, pb::FieldDefFields* f, Want want) {
  using F = pb::FieldDefFields;
  if (want(d.name, F::kNameFieldNumber)) f->set_name(d.name.value);
  if (want(d.type, F::kTypeFieldNumber)) f->set_type(d.type.value);
  if (want(d.choices, F::kChoicesFieldNumber)) choices_to(d.choices.value, f->mutable_choices());
}

template <class Want>
void read_fields(const CustomKind& k, pb::KindFields* f, Want want) {
  using F = pb::KindFields;
  if (want(k.name, F::kNameFieldNumber)) f->set_name(k.name.value);
  if (want(k.base, F::kBaseFieldNumber)) f->set_base(k.base.value);
  if (want(k.color, F::kColorFieldNumber)) f->set_color(k.color.value);
  if (want(k.shape, F::kShapeFieldNumber)) f->set_shape(k.shape.value);
}

template <class Want>
void read_fields(const StyleRule& r, pb::StyleRuleFields* f, Want want) {
  using F = pb::StyleRuleFields;
  if (want(r.match, F::kMatchFieldNumber)) match_to(r.match.value, f->mutable_match());
  if (want(r.color, F::kColorFieldNumber)) f->set_color(r.color.value);
  if (want(r.shape, F::kShapeFieldNumber)) f->set_shape(r.shape.value);
  if (want(r.size, F::kSizeFieldNumber)) f->set_size(r.size.value);
  if (want(r.order, F::kOrderFieldNumber)) f->set_order(r.order.value);
}

template <class Want>
void read_fields(const View& v, pb::ViewFields* f, Want want) {
  using F = pb::ViewFields;
  if (want(v.name, F::kNameFieldNumber)) f->set_name(v.name.value);
  if (want(v.viewport, F::kViewportFieldNumber))
    viewport_to(v.viewport.value, f->mutable_viewport());
  if (want(v.filter, F::kFilterFieldNumber)) filter_to(v.filter.value, f->mutable_filter());
  if (want(v.order, F::kOrderFieldNumber)) f->set_order(v.order.value);
}

}  // namespace convene::crdt::vocab
