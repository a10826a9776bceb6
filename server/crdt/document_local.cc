// Document: local edits, the outbox and undo/redo.
#include <algorithm>

#include "crdt/document.h"
#include "crdt/limits.h"
#include "crdt/undo.h"
#include "crdt/utf8.h"

namespace convene::crdt {
namespace {

pb::OpId* set_id(pb::OpId* out, OpId id) {
  id.to_pb(out);
  return out;
}

bool same_id(const pb::OpId& a, OpId b) {
  return a.replica() == b.replica && a.counter() == b.counter;
}

// The values `changed` would overwrite, as fields of the same shape.
pb::ElementFields previous(const Element& e, const pb::ElementFields& changed) {
  pb::ElementFields old;
  if (changed.has_kind()) old.set_kind(e.kind.value);
  if (changed.has_label()) old.set_label(e.label.value);
  if (changed.has_notes()) old.set_notes(e.notes.value);
  if (changed.has_position()) *old.mutable_position() = e.position.value;
  if (changed.has_scale()) old.set_scale(e.scale.value);
  if (changed.has_color()) old.set_color(e.color.value);
  if (changed.has_shape()) old.set_shape(e.shape.value);
  if (changed.has_self_of()) old.set_self_of(e.self_of.value);
  if (changed.has_custom_kind()) e.custom_kind.value.to_pb(old.mutable_custom_kind());
  if (changed.has_pinned()) old.set_pinned(e.pinned.value);
  return old;
}

pb::ConnectionFields previous(const Connection& c, const pb::ConnectionFields& changed) {
  pb::ConnectionFields old;
  if (changed.has_direction()) old.set_direction(c.direction.value);
  if (changed.has_depth()) old.set_depth(c.depth.set() ? c.depth.value : 1);
  if (changed.has_kind()) old.set_kind(c.kind.value);
  if (changed.has_label()) old.set_label(c.label.value);
  return old;
}

pb::ShapeFields previous(const Shape& s, const pb::ShapeFields& changed) {
  pb::ShapeFields old;
  if (changed.has_path())
    for (const pb::Point& p : s.path.value) *old.mutable_path()->add_points() = p;
  if (changed.has_type()) old.set_type(s.type.value);
  if (changed.has_label()) old.set_label(s.label.value);
  if (changed.has_sphere_of()) old.set_sphere_of(s.sphere_of.value);
  return old;
}

}  // namespace

Status Document::require_replica() const {
  if (replica_ == 0) return Status::invalid("local edits need a replica id (not 0)");
  return Status::ok();
}

// ---- generic local ops ------------------------------------------------------------

Result<OpId> Document::commit_local(pb::Op op) {
  if (Status s = require_replica(); !s.is_ok()) return {s};
  op.set_replica(replica_);
  op.set_counter(version_.last(replica_) + 1);
  op.set_lamport(clock_ + 1);
  Checked checked;
  if (Status s = validate(op, &checked); !s.is_ok()) return {s};
  pb::Op inverse = inverse_of(op);
  apply_checked(op, checked);
  undo_->record(std::move(inverse));
  queue_outbox(op);
  return {Status::ok(), op_id(op)};
}

pb::Op Document::inverse_of(const pb::Op& op) const {
  const OpId id = op_id(op);
  pb::Op inv;
  switch (op.body_case()) {
    case pb::Op::kCreateMap:
    case pb::Op::kCreateDraft:
    case pb::Op::kCreateVariant:
    case pb::Op::kCreateElement:
    case pb::Op::kCreateConnection:
    case pb::Op::kCreateShape:
      set_id(inv.mutable_remove()->mutable_target(), id);
      break;
    case pb::Op::kRemove:
      *inv.mutable_restore()->mutable_target() = op.remove().target();
      set_id(inv.mutable_restore()->add_removals(), id);
      break;
    case pb::Op::kRestore:
      *inv.mutable_remove()->mutable_target() = op.restore().target();
      break;
    case pb::Op::kRename: {
      const OpId target = OpId::from_pb(op.rename().target());
      *inv.mutable_rename()->mutable_target() = op.rename().target();
      if (const MapEntity* m = landscape_.map(target))
        inv.mutable_rename()->set_name(m->name.value);
      else if (const Draft* d = draft(target))
        inv.mutable_rename()->set_name(d->name.value);
      else if (const Variant* v = variant(target))
        inv.mutable_rename()->set_name(v->name.value);
      break;
    }
    case pb::Op::kUpdateElement: {
      const auto& u = op.update_element();
      *inv.mutable_update_element()->mutable_element() = u.element();
      *inv.mutable_update_element()->mutable_fields() =
          previous(*landscape_.element(OpId::from_pb(u.element())), u.fields());
      break;
    }
    case pb::Op::kUpdateConnection: {
      const auto& u = op.update_connection();
      *inv.mutable_update_connection()->mutable_connection() = u.connection();
      *inv.mutable_update_connection()->mutable_fields() =
          previous(*landscape_.connection(OpId::from_pb(u.connection())), u.fields());
      break;
    }
    case pb::Op::kUpdateShape: {
      const auto& u = op.update_shape();
      *inv.mutable_update_shape()->mutable_shape() = u.shape();
      *inv.mutable_update_shape()->mutable_fields() =
          previous(*landscape_.shape(OpId::from_pb(u.shape())), u.fields());
      break;
    }
    case pb::Op::kSetPerspective: {
      const auto& p = op.set_perspective();
      auto* out = inv.mutable_set_perspective();
      *out = p;
      out->clear_value();
      const auto old = landscape_.perspective_of(
          PerspectiveKey{OpId::from_pb(p.target()), p.aspect()}, p.participant());
      if (old) out->set_value(*old);
      break;
    }
    default:
      // Text ops have their own inverses.
      vocabulary_inverse(landscape_, op, &inv);
      break;
  }
  return inv;
}

void Document::queue_outbox(const pb::Op& op) {
  outbox_.push_back(op);
}

std::vector<pb::Op> Document::take_outbox() {
  std::vector<pb::Op> out;
  out.swap(outbox_);
  return out;
}

Result<OpId> Document::create_map(std::string_view name) {
  pb::Op op;
  op.mutable_create_map()->set_name(std::string(name));
  return commit_local(std::move(op));
}

Result<OpId> Document::create_draft(std::string_view name) {
  pb::Op op;
  op.mutable_create_draft()->set_name(std::string(name));
  return commit_local(std::move(op));
}

Result<OpId> Document::create_variant(OpId draft_id, std::string_view name, OpId copy_from) {
  pb::Op op;
  auto* cv = op.mutable_create_variant();
  set_id(cv->mutable_draft(), draft_id);
  cv->set_name(std::string(name));
  if (copy_from.valid()) set_id(cv->mutable_copied_from(), copy_from);
  Result<OpId> created = commit_local(std::move(op));
  if (!created.ok() || !copy_from.valid()) return created;
  // The copy is an ordinary insert of the source's current text.
  const std::string source = text(copy_from);
  if (!source.empty()) {
    if (Status s = insert_text(created.value, 0, source); !s.is_ok()) return {s, created.value};
  }
  return created;
}

Status Document::rename(OpId target, std::string_view name) {
  pb::Op op;
  set_id(op.mutable_rename()->mutable_target(), target);
  op.mutable_rename()->set_name(std::string(name));
  return commit_local(std::move(op)).status;
}

Status Document::remove(OpId target) {
  pb::Op op;
  set_id(op.mutable_remove()->mutable_target(), target);
  return commit_local(std::move(op)).status;
}

Status Document::restore(OpId target) {
  const Liveness* live = landscape_.liveness(target);
  if (!live && draft(target)) live = &draft(target)->liveness;
  if (!live && variant(target)) live = &variant(target)->liveness;
  if (!live) return Status::invalid("unknown entity " + target.str());
  const std::vector<OpId> removals = live->active_removals();
  if (removals.empty()) return Status::ok();  // nothing to restore
  return restore_removals(target, removals);
}

Status Document::restore_removals(OpId target, const std::vector<OpId>& removals) {
  pb::Op op;
  set_id(op.mutable_restore()->mutable_target(), target);
  for (const OpId& r : removals) set_id(op.mutable_restore()->add_removals(), r);
  return commit_local(std::move(op)).status;
}

Result<OpId> Document::create_element(OpId map, const pb::ElementFields& fields) {
  pb::Op op;
  set_id(op.mutable_create_element()->mutable_map(), map);
  *op.mutable_create_element()->mutable_fields() = fields;
  return commit_local(std::move(op));
}

Status Document::update_element(OpId element, const pb::ElementFields& fields) {
  pb::Op op;
  set_id(op.mutable_update_element()->mutable_element(), element);
  *op.mutable_update_element()->mutable_fields() = fields;
  return commit_local(std::move(op)).status;
}

Result<OpId> Document::create_connection(OpId map, OpId from, OpId to,
                                         const pb::ConnectionFields& fields) {
  pb::Op op;
  auto* c = op.mutable_create_connection();
  set_id(c->mutable_map(), map);
  set_id(c->mutable_from(), from);
  set_id(c->mutable_to(), to);
  *c->mutable_fields() = fields;
  return commit_local(std::move(op));
}

Status Document::update_connection(OpId connection, const pb::ConnectionFields& fields) {
  pb::Op op;
  set_id(op.mutable_update_connection()->mutable_connection(), connection);
  *op.mutable_update_connection()->mutable_fields() = fields;
  return commit_local(std::move(op)).status;
}

Result<OpId> Document::create_shape(OpId map, pb::Geometry geometry,
                                    const pb::ShapeFields& fields) {
  pb::Op op;
  auto* s = op.mutable_create_shape();
  set_id(s->mutable_map(), map);
  s->set_geometry(geometry);
  *s->mutable_fields() = fields;
  return commit_local(std::move(op));
}

Status Document::update_shape(OpId shape, const pb::ShapeFields& fields) {
  pb::Op op;
  set_id(op.mutable_update_shape()->mutable_shape(), shape);
  *op.mutable_update_shape()->mutable_fields() = fields;
  return commit_local(std::move(op)).status;
}

Status Document::set_perspective(OpId target, std::string_view aspect, std::string_view participant,
                                 std::optional<double> value) {
  pb::Op op;
  auto* p = op.mutable_set_perspective();
  set_id(p->mutable_target(), target);
  p->set_aspect(std::string(aspect));
  p->set_participant(std::string(participant));
  if (value) p->set_value(*value);
  return commit_local(std::move(op)).status;
}

// ---- text -------------------------------------------------------------------------------

Status Document::check_text_edit(OpId variant_id) const {
  if (Status s = require_replica(); !s.is_ok()) return s;
  if (!variant(variant_id)) return Status::invalid("unknown variant " + variant_id.str());
  if (!variant_visible(variant_id))
    return Status::invalid("variant " + variant_id.str() + " is removed");
  return Status::ok();
}

Status Document::insert_text(OpId variant_id, size_t pos, std::string_view utf8_text) {
  if (Status s = check_text_edit(variant_id); !s.is_ok()) return s;
  std::u32string cps;
  if (!utf8::decode(utf8_text, cps)) return Status::invalid("inserted text is not valid UTF-8");
  if (cps.empty()) return Status::ok();
  if (cps.size() > limits::kInsertCodePoints)
    return Status::invalid("inserted text is longer than " +
                           std::to_string(limits::kInsertCodePoints) + " code points");
  Variant& v = *mutable_variant(variant_id);
  if (pos > v.text.size()) return Status::invalid("insert position is past the end of the text");
  local_text_insert(v, pos, cps);
  return Status::ok();
}

// Inserts, records the undo inverse and queues the op (merged into the
// previous insert when this continues it: a run of typing is one op).
OpId Document::local_text_insert(Variant& v, size_t pos, std::u32string_view cps, OpId anchor) {
  const uint64_t n = cps.size();
  const OpId first{replica_, version_.last(replica_) + 1};
  const uint64_t lamport = clock_ + 1;
  OpId left, right;
  if (anchor.valid())
    v.text.local_insert_before(anchor, first, cps, &left, &right);
  else
    v.text.local_insert(pos, first, cps, &left, &right);
  version_.advance(replica_, first.counter + n - 1);
  clock_ = lamport + n - 1;
  undo_->record_text(TextUndo::Kind::kDelete, v.id, {first, n});

  if (!outbox_.empty()) {
    pb::Op& last = outbox_.back();
    if (last.has_text_insert() && same_id(last.text_insert().variant(), v.id) &&
        left == OpId{replica_, first.counter - 1} &&
        OpId::from_pb(last.text_insert().origin_right()) == right &&
        last.lamport() + (first.counter - last.counter()) == lamport) {
      utf8::append(cps, *last.mutable_text_insert()->mutable_text());
      return first;
    }
  }
  pb::Op& op = outbox_.emplace_back();
  op.set_replica(replica_);
  op.set_counter(first.counter);
  op.set_lamport(lamport);
  auto* ins = op.mutable_text_insert();
  set_id(ins->mutable_variant(), v.id);
  if (left.valid()) set_id(ins->mutable_origin_left(), left);
  if (right.valid()) set_id(ins->mutable_origin_right(), right);
  utf8::append(cps, *ins->mutable_text());
  return first;
}

Status Document::delete_text(OpId variant_id, size_t pos, size_t length) {
  if (Status s = check_text_edit(variant_id); !s.is_ok()) return s;
  Variant& v = *mutable_variant(variant_id);
  if (pos > v.text.size() || length > v.text.size() - pos)
    return Status::invalid("delete range is past the end of the text");
  if (length == 0) return Status::ok();
  std::vector<IdSpan> spans;
  v.text.local_delete(pos, length, &spans);
  local_text_delete(v, std::move(spans));
  return Status::ok();
}

// Records and queues a delete whose spans are already marked deleted.
void Document::local_text_delete(Variant& v, std::vector<IdSpan> spans) {
  uint64_t n = 0;
  for (const IdSpan& s : spans) n += s.length;
  if (n == 0) return;
  const uint64_t counter = version_.last(replica_) + 1;
  const uint64_t lamport = clock_ + 1;
  version_.advance(replica_, counter + n - 1);
  clock_ = lamport + n - 1;
  for (const IdSpan& keep : undo_->drop_created_in_open_step(spans))
    undo_->record_text(TextUndo::Kind::kReinsert, v.id, keep);

  pb::TextDelete* del = nullptr;
  if (!outbox_.empty()) {
    pb::Op& last = outbox_.back();
    if (last.has_text_delete() && same_id(last.text_delete().variant(), v.id) &&
        last.lamport() + (counter - last.counter()) == lamport)
      del = last.mutable_text_delete();
  }
  if (!del) {
    pb::Op& op = outbox_.emplace_back();
    op.set_replica(replica_);
    op.set_counter(counter);
    op.set_lamport(lamport);
    del = op.mutable_text_delete();
    set_id(del->mutable_variant(), v.id);
  }
  for (const IdSpan& s : spans) {
    // Backspacing deletes the character just before the last one deleted.
    if (del->ranges_size() > 0) {
      pb::IdRange& last = *del->mutable_ranges(del->ranges_size() - 1);
      if (last.replica() == s.first.replica) {
        if (s.first.counter + s.length == last.counter()) {
          last.set_counter(s.first.counter);
          last.set_length(last.length() + s.length);
          continue;
        }
        if (last.counter() + last.length() == s.first.counter) {
          last.set_length(last.length() + s.length);
          continue;
        }
      }
    }
    pb::IdRange* r = del->add_ranges();
    r->set_replica(s.first.replica);
    r->set_counter(s.first.counter);
    r->set_length(s.length);
  }
}

// Undo of an insert: delete whatever of those characters (or their
// re-inserted incarnations) is still visible.
void Document::delete_text_ids(OpId variant_id, const std::vector<IdSpan>& spans) {
  Variant* v = mutable_variant(variant_id);
  if (!v || !variant_visible(variant_id)) return;
  std::vector<IdSpan> visible;
  for (const IdSpan& span : spans)
    for (const IdSpan& current : undo_->resolve(span))
      for (const IdSpan& part : v->text.visible_parts(current)) visible.push_back(part);
  for (const IdSpan& part : visible) v->text.apply_delete(part);
  local_text_delete(*v, std::move(visible));
}

// Undo of a delete: insert the deleted text again where it was, as new
// characters, and remember which ids replaced which.
void Document::reinsert_text(OpId variant_id, const std::vector<IdSpan>& spans) {
  Variant* v = mutable_variant(variant_id);
  if (!v || !variant_visible(variant_id)) return;
  for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
    for (const IdSpan& current : undo_->resolve(*it)) {
      // Only what is still deleted needs to come back.
      std::vector<IdSpan> hidden{current};
      for (const IdSpan& shown : v->text.visible_parts(current)) {
        std::vector<IdSpan> rest;
        for (const IdSpan& h : hidden) {
          const uint64_t h_end = h.first.counter + h.length;
          const uint64_t s_end = shown.first.counter + shown.length;
          if (shown.first.counter >= h_end || s_end <= h.first.counter) {
            rest.push_back(h);
            continue;
          }
          if (shown.first.counter > h.first.counter)
            rest.push_back({h.first, shown.first.counter - h.first.counter});
          if (s_end < h_end) rest.push_back({{h.first.replica, s_end}, h_end - s_end});
        }
        hidden = std::move(rest);
      }
      for (const IdSpan& part : hidden) {
        std::u32string content;
        if (!v->text.content_of(part, &content)) continue;  // content not kept
        const OpId first = local_text_insert(*v, 0, content, part.first);
        undo_->add_incarnation(part, first);
      }
    }
  }
}

// ---- undo / redo -------------------------------------------------------------------

void Document::undo_checkpoint() {
  undo_->checkpoint();
}
bool Document::can_undo() const {
  return undo_->can_undo();
}
bool Document::can_redo() const {
  return undo_->can_redo();
}

Status Document::undo() {
  if (Status s = require_replica(); !s.is_ok()) return s;
  if (!undo_->can_undo()) return Status::invalid("nothing to undo");
  run_undo_step(true);
  return Status::ok();
}

Status Document::redo() {
  if (Status s = require_replica(); !s.is_ok()) return s;
  if (!undo_->can_redo()) return Status::invalid("nothing to redo");
  run_undo_step(false);
  return Status::ok();
}

// Runs a step's inverses newest first. An inverse that no longer applies
// (say, its map was removed by someone else meanwhile) is skipped.
void Document::run_undo_step(bool undoing) {
  UndoManager::Step step =
      undo_->begin(undoing ? UndoManager::Mode::kUndoing : UndoManager::Mode::kRedoing);
  for (auto it = step.rbegin(); it != step.rend(); ++it) {
    if (const auto* op = std::get_if<pb::Op>(&*it)) {
      if (op->has_restore()) {
        // Cancel only the removals named; they may since have been cancelled.
        std::vector<OpId> removals;
        for (const auto& r : op->restore().removals()) removals.push_back(OpId::from_pb(r));
        (void)restore_removals(OpId::from_pb(op->restore().target()), removals);
      } else {
        (void)commit_local(*op);
      }
      continue;
    }
    const auto& text = std::get<TextUndo>(*it);
    if (text.kind == TextUndo::Kind::kDelete)
      delete_text_ids(text.variant, text.spans);
    else
      reinsert_text(text.variant, text.spans);
  }
  undo_->finish();
}

}  // namespace convene::crdt
