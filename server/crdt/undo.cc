#include "crdt/undo.h"

#include "crdt/landscape.h"
#include "crdt/vocabulary_fields.h"

namespace convene::crdt {
namespace {

// Whether an update's `fields` carries field `number`: the fields it writes.
bool carries(const google::protobuf::Message& fields, int number) {
  const auto* field = fields.GetDescriptor()->FindFieldByNumber(number);
  return field && fields.GetReflection()->HasField(fields, field);
}

// An update of the definition `ref` back to its values before `update`.
template <class Update, class Entity>
void invert_update(const Update& update, const pb::OpId& ref, pb::OpId* (Update::*mutable_ref)(),
                   const Entity& before, Update* out) {
  *(out->*mutable_ref)() = ref;
  vocab::read_fields(before, out->mutable_fields(),
                     [&](const auto&, int number) { return carries(update.fields(), number); });
}

void invert_set_tag(const Vocabulary& v, const pb::SetTag& set, pb::SetTag* out) {
  *out = set;
  const TagState* before = v.tag(OpId::from_pb(set.target()), set.tag());
  out->set_on(before && before->on);
}

void invert_set_field_value(const Vocabulary& v, const pb::SetFieldValue& set,
                            pb::SetFieldValue* out) {
  *out->mutable_target() = set.target();
  *out->mutable_field() = set.field();
  const FieldValue* before = v.field_value(OpId::from_pb(set.target()), OpId::from_pb(set.field()));
  if (before && before->text) out->set_text(*before->text);
  if (before && before->number) out->set_number(*before->number);
}

// Appends `span` to `spans`, extending the last one when contiguous.
void append_span(std::vector<IdSpan>& spans, IdSpan span) {
  if (!spans.empty()) {
    IdSpan& last = spans.back();
    if (last.first.replica == span.first.replica) {
      if (last.first.counter + last.length == span.first.counter) {
        last.length += span.length;
        return;
      }
      if (span.first.counter + span.length == last.first.counter) {  // backspacing
        last.first = span.first;
        last.length += span.length;
        return;
      }
    }
  }
  spans.push_back(span);
}

}  // namespace

std::deque<UndoManager::Step>& UndoManager::target() {
  return mode_ == Mode::kUndoing ? redo_ : undo_;
}

void UndoManager::push_step(std::deque<Step>& stack) {
  stack.emplace_back();
  if (stack.size() > kMaxSteps) stack.pop_front();
}

void UndoManager::record(UndoAction inverse) {
  Step* step;
  if (mode_ != Mode::kNormal) {
    step = &replay_;
  } else {
    redo_.clear();  // a new edit forks history: redo no longer applies
    if (!open_ || undo_.empty()) {
      push_step(undo_);
      open_ = true;
      open_created_.clear();
    }
    step = &undo_.back();
    if (auto* text = std::get_if<TextUndo>(&inverse); text && text->kind == TextUndo::Kind::kDelete)
      for (const IdSpan& s : text->spans) note_created(s);
  }
  if (auto* text = std::get_if<TextUndo>(&inverse); text && !step->empty()) {
    if (auto* last = std::get_if<TextUndo>(&step->back());
        last && last->kind == text->kind && last->variant == text->variant) {
      for (const IdSpan& s : text->spans) append_span(last->spans, s);
      return;
    }
  }
  step->push_back(std::move(inverse));
}

void UndoManager::record_text(TextUndo::Kind kind, OpId variant, IdSpan span) {
  const bool open_step = mode_ == Mode::kNormal ? open_ && !undo_.empty() : true;
  Step* step = mode_ == Mode::kNormal ? (undo_.empty() ? nullptr : &undo_.back()) : &replay_;
  if (open_step && step && !step->empty()) {
    if (auto* last = std::get_if<TextUndo>(&step->back());
        last && last->kind == kind && last->variant == variant) {
      if (mode_ == Mode::kNormal) {
        redo_.clear();
        if (kind == TextUndo::Kind::kDelete) note_created(span);
      }
      append_span(last->spans, span);
      return;
    }
  }
  record(TextUndo{kind, variant, {span}});
}

UndoManager::Step UndoManager::begin(Mode mode) {
  open_ = false;
  auto& source = mode == Mode::kUndoing ? undo_ : redo_;
  Step step = std::move(source.back());
  source.pop_back();
  mode_ = mode;
  replay_.clear();
  return step;
}

void UndoManager::finish() {
  auto& stack = target();
  if (!replay_.empty()) {
    push_step(stack);
    stack.back() = std::move(replay_);
  }
  replay_.clear();
  mode_ = Mode::kNormal;
  open_ = false;
}

std::vector<IdSpan> UndoManager::drop_created_in_open_step(std::vector<IdSpan> spans) const {
  if (mode_ != Mode::kNormal || !open_ || open_created_.empty()) return spans;
  std::vector<IdSpan> out;
  for (IdSpan span : spans) {
    while (span.length > 0) {
      // The created range holding span.first, or the next one after it.
      auto it = open_created_.upper_bound(span.first);
      if (it != open_created_.begin()) {
        auto prev = std::prev(it);
        const uint64_t prev_end = prev->first.counter + prev->second;
        if (prev->first.replica == span.first.replica && span.first.counter < prev_end) {
          const uint64_t n = std::min(span.length, prev_end - span.first.counter);
          span.first.counter += n;  // created in this step: drop
          span.length -= n;
          continue;
        }
      }
      uint64_t keep = span.length;
      if (it != open_created_.end() && it->first.replica == span.first.replica)
        keep = std::min(keep, it->first.counter - span.first.counter);
      out.push_back({span.first, keep});
      span.first.counter += keep;
      span.length -= keep;
    }
  }
  return out;
}

void UndoManager::note_created(IdSpan span) {
  if (!open_created_.empty()) {
    auto last = std::prev(open_created_.end());
    if (last->first.replica == span.first.replica &&
        last->first.counter + last->second == span.first.counter) {
      last->second += span.length;
      return;
    }
  }
  open_created_[span.first] = span.length;
}

void UndoManager::add_incarnation(IdSpan old_span, OpId new_first) {
  incarnations_[old_span.first] = {old_span.length, new_first};
}

std::vector<IdSpan> UndoManager::resolve(IdSpan span) const {
  std::vector<IdSpan> out;
  OpId id = span.first;
  uint64_t remaining = span.length;
  while (remaining > 0) {
    auto it = incarnations_.upper_bound(id);
    if (it != incarnations_.begin()) {
      --it;
      const OpId old = it->first;
      const uint64_t offset = id.counter - old.counter;
      if (old.replica == id.replica && id.counter >= old.counter && offset < it->second.length) {
        const uint64_t n = std::min(remaining, it->second.length - offset);
        const IdSpan moved{{it->second.new_first.replica, it->second.new_first.counter + offset},
                           n};
        for (const IdSpan& s : resolve(moved)) out.push_back(s);
        id.counter += n;
        remaining -= n;
        continue;
      }
    }
    // Not moved: keep ids up to the next moved span.
    uint64_t n = remaining;
    auto next = incarnations_.upper_bound(id);
    if (next != incarnations_.end() && next->first.replica == id.replica)
      n = std::min(n, next->first.counter - id.counter);
    out.push_back({id, n});
    id.counter += n;
    remaining -= n;
  }
  return out;
}

}  // namespace convene::crdt

namespace convene::crdt {

bool vocabulary_inverse(const Landscape& landscape, const pb::Op& op, pb::Op* inverse) {
  const Vocabulary& v = landscape.vocabulary();
  const auto id = [](const pb::OpId& ref) { return OpId::from_pb(ref); };
  switch (op.body_case()) {
    case pb::Op::kCreateField:
    case pb::Op::kCreateKind:
    case pb::Op::kCreateStyleRule:
    case pb::Op::kCreateView:
      op_id(op).to_pb(inverse->mutable_remove()->mutable_target());
      return true;
    case pb::Op::kSetTag:
      invert_set_tag(v, op.set_tag(), inverse->mutable_set_tag());
      return true;
    case pb::Op::kSetFieldValue:
      invert_set_field_value(v, op.set_field_value(), inverse->mutable_set_field_value());
      return true;
    case pb::Op::kUpdateField: {
      const auto& u = op.update_field();
      invert_update(u, u.field(), &pb::UpdateField::mutable_field, *v.field(id(u.field())),
                    inverse->mutable_update_field());
      return true;
    }
    case pb::Op::kUpdateKind: {
      const auto& u = op.update_kind();
      invert_update(u, u.kind(), &pb::UpdateKind::mutable_kind, *v.kind(id(u.kind())),
                    inverse->mutable_update_kind());
      return true;
    }
    case pb::Op::kUpdateStyleRule: {
      const auto& u = op.update_style_rule();
      invert_update(u, u.rule(), &pb::UpdateStyleRule::mutable_rule, *v.style_rule(id(u.rule())),
                    inverse->mutable_update_style_rule());
      return true;
    }
    case pb::Op::kUpdateView: {
      const auto& u = op.update_view();
      invert_update(u, u.view(), &pb::UpdateView::mutable_view, *v.view(id(u.view())),
                    inverse->mutable_update_view());
      return true;
    }
    default:
      return false;
  }
}

}  // namespace convene::crdt
