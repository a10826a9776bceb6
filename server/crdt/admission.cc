// Admission rules (admission.h): one check per kind of cost.
#include "crdt/admission.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace convene::crdt {
namespace {

std::string num(uint64_t v) {
  return std::to_string(v);
}

// The op's span, or nullopt when a TextDelete's lengths overflow (apply
// refuses those).
std::optional<uint64_t> span_of(const pb::Op& op) {
  if (!op.has_text_delete()) return op_span(op);
  uint64_t total = 0;
  for (const auto& r : op.text_delete().ranges()) {
    if (total + r.length() < total) return std::nullopt;
    total += r.length();
  }
  return total;
}

Status check_clock(const Document& doc, const pb::Op& op, uint64_t span, uint64_t lead) {
  const uint64_t last = op.lamport() + (std::max<uint64_t>(span, 1) - 1);
  if (last < op.lamport()) return Status::invalid("op's lamport + span overflows");
  if (last <= doc.clock() || last - doc.clock() <= lead) return Status::ok();
  return Status::invalid("op moves the clock to " + num(last) + ", more than " + num(lead) +
                         " past the convening's clock " + num(doc.clock()) +
                         " (the clock-lead bound)");
}

Status check_delete(const Document& doc, const pb::TextDelete& del, uint64_t span,
                    uint64_t deleted_bound) {
  const std::vector<IdSpan> merged = merge_spans(delete_spans(del));
  uint64_t distinct = 0;
  for (const IdSpan& s : merged) distinct += s.length;
  if (distinct < span)
    return Status::invalid("text delete ranges overlap: " + num(span - distinct) +
                           " code points are named more than once (ranges must be disjoint)");
  const Variant* v = doc.variant(OpId::from_pb(del.variant()));
  if (!v) return Status::ok();
  if (span > v->text.total_size())
    return Status::invalid("text delete spans " + num(span) + " code points, more than the " +
                           num(v->text.total_size()) + " of its variant (tombstones included)");
  uint64_t deleted = 0;
  for (const IdSpan& s : merged) {
    deleted += v->text.deleted_runs(s, deleted_bound - std::min(deleted, deleted_bound));
    if (deleted > deleted_bound)
      return Status::invalid("text delete names more than " + num(deleted_bound) +
                             " runs already deleted (the deleted-runs bound)");
  }
  return Status::ok();
}

Status check_insert(const Document& doc, const pb::Op& op, uint64_t bound, uint64_t* steps) {
  const auto& ins = op.text_insert();
  const Variant* v = doc.variant(OpId::from_pb(ins.variant()));
  const OpId left = OpId::from_pb(ins.origin_left());
  const OpId right = OpId::from_pb(ins.origin_right());
  if (!v) return Status::ok();
  for (OpId origin : {left, right})
    if (origin.valid() && !v->text.contains(origin)) return Status::ok();
  *steps = v->text.integration_steps(op.replica(), left, right, bound);
  if (*steps <= bound) return Status::ok();
  return Status::invalid("text insert would scan more than " + num(bound) +
                         " runs between its origins to find its place (the integration-steps "
                         "bound)");
}

Status check_restore(const pb::Restore& restore, size_t bound) {
  const auto listed = static_cast<size_t>(restore.removals_size());
  if (listed <= bound) return Status::ok();
  return Status::invalid("restore lists " + num(listed) + " removals, more than " + num(bound) +
                         " (the restore-removals bound)");
}

const Liveness* liveness_of(const Document& doc, OpId id) {
  if (const Liveness* l = doc.landscape().liveness(id)) return l;
  if (const Draft* d = doc.draft(id)) return &d->liveness;
  if (const Variant* v = doc.variant(id)) return &v->liveness;
  return nullptr;
}

Status check_remove(const Document& doc, const pb::Op& op, size_t bound) {
  const OpId target = OpId::from_pb(op.remove().target());
  const Liveness* live = liveness_of(doc, target);
  if (!live) return Status::ok();
  if (live->removed_by(op.replica()))
    return Status::invalid(target.str() + " is already removed by replica " + num(op.replica()));
  if (live->active_count() >= bound)
    return Status::invalid(target.str() + " already holds " + num(live->active_count()) +
                           " removals in force (the removals-in-force bound)");
  return Status::ok();
}

Status check_tag(const Document& doc, const pb::SetTag& set, size_t bound) {
  if (!set.on()) return Status::ok();
  const Vocabulary& v = doc.landscape().vocabulary();
  const OpId target = OpId::from_pb(set.target());
  const TagState* already = v.tag(target, set.tag());
  if ((already && already->on) || v.tags_on(target) < bound) return Status::ok();
  return Status::invalid(target.str() + " already has " + num(v.tags_on(target)) +
                         " tags (the tags-per-target bound)");
}

Status check_definitions(const Document& doc, const pb::OpId& map, DefinitionSort sort,
                         const char* sort_name, size_t bound) {
  const OpId id = OpId::from_pb(map);
  const size_t defined = doc.landscape().vocabulary().definitions_on(id, sort);
  if (defined < bound) return Status::ok();
  return Status::invalid("map " + id.str() + " already has " + num(defined) + " " + sort_name +
                         ", removed ones included (the vocabulary-per-map bound)");
}

}  // namespace

Status admit(const Document& doc, const pb::Op& op, const AdmissionLimits& bounds,
             uint64_t* scan_steps) {
  uint64_t steps = 0;
  if (!scan_steps) scan_steps = &steps;
  *scan_steps = 0;
  // A resend of an applied op costs nothing: apply() calls it a duplicate.
  if (op.counter() != 0 && op.counter() <= doc.version().last(op.replica())) return Status::ok();
  const std::optional<uint64_t> span = span_of(op);
  if (!span) return Status::ok();  // apply() refuses it
  if (Status s = check_clock(doc, op, *span, bounds.clock_lead); !s.is_ok()) return s;
  switch (op.body_case()) {
    case pb::Op::kTextDelete:
      return check_delete(doc, op.text_delete(), *span, bounds.deleted_runs);
    case pb::Op::kTextInsert:
      return check_insert(doc, op, bounds.integration_steps, scan_steps);
    case pb::Op::kRestore:
      return check_restore(op.restore(), bounds.restore_removals);
    case pb::Op::kRemove:
      return check_remove(doc, op, bounds.removals_in_force);
    case pb::Op::kSetTag:
      return check_tag(doc, op.set_tag(), bounds.tags_per_target);
    case pb::Op::kCreateField:
      return check_definitions(doc, op.create_field().map(), DefinitionSort::kField, "fields",
                               bounds.vocabulary_per_map);
    case pb::Op::kCreateKind:
      return check_definitions(doc, op.create_kind().map(), DefinitionSort::kKind, "kinds",
                               bounds.vocabulary_per_map);
    case pb::Op::kCreateStyleRule:
      return check_definitions(doc, op.create_style_rule().map(), DefinitionSort::kStyleRule,
                               "style rules", bounds.vocabulary_per_map);
    case pb::Op::kCreateView:
      return check_definitions(doc, op.create_view().map(), DefinitionSort::kView, "views",
                               bounds.vocabulary_per_map);
    default:
      return Status::ok();
  }
}

}  // namespace convene::crdt
