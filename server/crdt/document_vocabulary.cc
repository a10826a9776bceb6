// Document: local edits of a map's vocabulary (docs/crdt.md, "Vocabulary").
// Each builds its op and commits it as any local edit (document_local.cc).
#include "crdt/document.h"

namespace convene::crdt {
namespace {

// An op whose body names `ref` (a map to create on, or the definition to
// update) and carries `fields`.
template <class Body, class Fields>
pb::Op op_with(Body* (pb::Op::*body)(), pb::OpId* (Body::*ref)(), OpId id, const Fields& fields) {
  pb::Op op;
  Body* b = (op.*body)();
  id.to_pb((b->*ref)());
  *b->mutable_fields() = fields;
  return op;
}

}  // namespace

Status Document::set_tag(OpId target, std::string_view tag, bool on) {
  pb::Op op;
  target.to_pb(op.mutable_set_tag()->mutable_target());
  op.mutable_set_tag()->set_tag(std::string(tag));
  op.mutable_set_tag()->set_on(on);
  return commit_local(std::move(op)).status;
}

Result<OpId> Document::create_field(OpId map, const pb::FieldDefFields& fields) {
  return commit_local(
      op_with(&pb::Op::mutable_create_field, &pb::CreateField::mutable_map, map, fields));
}

Status Document::update_field(OpId field, const pb::FieldDefFields& fields) {
  return commit_local(
             op_with(&pb::Op::mutable_update_field, &pb::UpdateField::mutable_field, field, fields))
      .status;
}

Status Document::set_field_value(OpId target, OpId field, const FieldValueInput& value) {
  pb::Op op;
  pb::SetFieldValue* set = op.mutable_set_field_value();
  target.to_pb(set->mutable_target());
  field.to_pb(set->mutable_field());
  if (const auto* text = std::get_if<std::string>(&value)) set->set_text(*text);
  if (const auto* number = std::get_if<double>(&value)) set->set_number(*number);
  return commit_local(std::move(op)).status;
}

Result<OpId> Document::create_kind(OpId map, const pb::KindFields& fields) {
  return commit_local(
      op_with(&pb::Op::mutable_create_kind, &pb::CreateKind::mutable_map, map, fields));
}

Status Document::update_kind(OpId kind, const pb::KindFields& fields) {
  return commit_local(
             op_with(&pb::Op::mutable_update_kind, &pb::UpdateKind::mutable_kind, kind, fields))
      .status;
}

Result<OpId> Document::create_style_rule(OpId map, const pb::StyleRuleFields& fields) {
  return commit_local(
      op_with(&pb::Op::mutable_create_style_rule, &pb::CreateStyleRule::mutable_map, map, fields));
}

Status Document::update_style_rule(OpId rule, const pb::StyleRuleFields& fields) {
  return commit_local(op_with(&pb::Op::mutable_update_style_rule,
                              &pb::UpdateStyleRule::mutable_rule, rule, fields))
      .status;
}

Result<OpId> Document::create_view(OpId map, const pb::ViewFields& fields) {
  return commit_local(
      op_with(&pb::Op::mutable_create_view, &pb::CreateView::mutable_map, map, fields));
}

Status Document::update_view(OpId view, const pb::ViewFields& fields) {
  return commit_local(
             op_with(&pb::Op::mutable_update_view, &pb::UpdateView::mutable_view, view, fields))
      .status;
}

}  // namespace convene::crdt
