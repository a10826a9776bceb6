// Document: op validation and application (local edits are in
// document_local.cc, snapshots and JSON in document_snapshot.cc).
#include "crdt/document.h"

#include "crdt/limits.h"
#include "crdt/undo.h"
#include "crdt/utf8.h"

namespace convene::crdt {
namespace {

Status check_name(const std::string& name, const char* what) {
  if (!utf8::valid(name)) return Status::invalid(std::string(what) + " is not valid UTF-8");
  if (name.size() > limits::kNameBytes)
    return Status::invalid(std::string(what) + " is longer than " +
                           std::to_string(limits::kNameBytes) + " bytes");
  return Status::ok();
}

}  // namespace

Document::Document(uint64_t replica) : replica_(replica), undo_(std::make_unique<UndoManager>()) {}
Document::~Document() = default;
Document::Document(Document&&) noexcept = default;
Document& Document::operator=(Document&&) noexcept = default;

Document::Document(const Document& other)
    : replica_(other.replica_),
      clock_(other.clock_),
      version_(other.version_),
      landscape_(other.landscape_),
      drafts_(other.drafts_),
      variants_(other.variants_),
      outbox_(other.outbox_),
      undo_(std::make_unique<UndoManager>()) {}

Document& Document::operator=(const Document& other) {
  if (this != &other) {
    Document copy(other);
    *this = std::move(copy);
  }
  return *this;
}

void Document::set_replica(uint64_t replica) {
  replica_ = replica;
  outbox_.clear();
  undo_ = std::make_unique<UndoManager>();
}

// ---- validation ----------------------------------------------------------------

// Id, counter and lamport checks shared by every op; also detects duplicates.
Status Document::check_header(const pb::Op& op, uint64_t* span_out) const {
  if (op.replica() == 0) return Status::invalid("op replica must not be 0");
  if (op.counter() == 0) return Status::invalid("op counter must start at 1");
  if (op.lamport() == 0) return Status::invalid("op lamport must not be 0");
  if (op.body_case() == pb::Op::BODY_NOT_SET) return Status::invalid("op has no body");
  uint64_t span = 1;
  if (op.has_text_insert()) {
    const std::string& text = op.text_insert().text();
    if (!utf8::valid(text)) return Status::invalid("inserted text is not valid UTF-8");
    span = utf8::count_code_points(text);
    if (span == 0) return Status::invalid("inserted text is empty");
    if (span > limits::kInsertCodePoints)
      return Status::invalid("inserted text is longer than " +
                             std::to_string(limits::kInsertCodePoints) + " code points");
  } else if (op.has_text_delete()) {
    const auto& ranges = op.text_delete().ranges();
    if (ranges.empty()) return Status::invalid("text delete has no ranges");
    if (static_cast<size_t>(ranges.size()) > limits::kDeleteRanges)
      return Status::invalid("text delete has too many ranges");
    span = 0;
    for (const auto& r : ranges) {
      if (r.length() == 0 || r.counter() == 0 || r.replica() == 0)
        return Status::invalid("text delete range is empty or names no character");
      if (r.length() > limits::kInsertCodePoints * 64 || r.counter() + r.length() < r.counter())
        return Status::invalid("text delete range is too long");
      span += r.length();
    }
  }
  if (op.counter() + span < op.counter() || op.lamport() + span < op.lamport())
    return Status::invalid("op counter or lamport overflows");
  *span_out = span;
  const uint64_t last = version_.last(op.replica());
  if (op.counter() + span - 1 <= last) return Status::duplicate();
  if (op.counter() <= last)
    return Status::invalid("op " + op_id(op).str() + " overlaps ops already applied");
  if (op.counter() != last + 1) return Status::missing({op.replica(), last + 1});
  return Status::ok();
}

// A referenced id is either applied (then it must be of the expected kind) or
// not yet (then the op waits for it).
static Status unknown_reference(const VersionVector& version, OpId id, const char* expected) {
  if (!id.valid()) return Status::invalid(std::string("missing reference to a ") + expected);
  if (version.contains(id))
    return Status::invalid("reference " + id.str() + " is not a " + expected);
  return Status::missing(id);
}

// Every range of a delete must name characters of the variant. They are
// looked up merged, each character once (F2); only when some are missing are
// the ranges taken in op order, to name the first missing id of the first
// such range.
static Status check_deleted(const TextSequence& text, const std::vector<IdSpan>& ranges,
                            const std::vector<IdSpan>& merged, const VersionVector& version) {
  std::vector<IdSpan> missing;  // sorted and disjoint, as `merged` is
  for (const IdSpan& s : merged) text.missing_parts(s, &missing);
  if (missing.empty()) return Status::ok();
  const auto ends_before = [](const IdSpan& m, const IdSpan& r) {
    return m.first.replica < r.first.replica ||
           (m.first.replica == r.first.replica && m.end() <= r.first.counter);
  };
  for (const IdSpan& r : ranges) {
    auto it = std::lower_bound(missing.begin(), missing.end(), r, ends_before);
    if (it == missing.end() || it->first.replica != r.first.replica || it->first.counter >= r.end())
      continue;
    const OpId first{r.first.replica, std::max(it->first.counter, r.first.counter)};
    return unknown_reference(version, first, "character of this variant");
  }
  return Status::ok();  // unreachable: every missing part lies in some range
}

Status Document::check_body(const pb::Op& op, Checked* checked) const {
  checked->landscape = landscape_.handles(op);
  if (checked->landscape) return landscape_.validate(op, version_);
  switch (op.body_case()) {
    case pb::Op::kCreateMap:
      return landscape_.validate(op, version_);
    case pb::Op::kCreateDraft:
      return check_name(op.create_draft().name(), "draft name");
    case pb::Op::kCreateVariant: {
      const auto& cv = op.create_variant();
      const OpId draft = OpId::from_pb(cv.draft());
      if (!drafts_.count(draft)) return unknown_reference(version_, draft, "draft");
      if (cv.has_copied_from()) {
        const OpId from = OpId::from_pb(cv.copied_from());
        const Variant* v = variant(from);
        if (!v) return unknown_reference(version_, from, "variant");
        if (v->draft != draft) return Status::invalid("a variant can only copy its own draft");
      }
      return check_name(cv.name(), "variant name");
    }
    case pb::Op::kRename: {
      const OpId target = OpId::from_pb(op.rename().target());
      if (!owns_named(target)) return unknown_reference(version_, target, "map, draft or variant");
      return check_name(op.rename().name(), "name");
    }
    case pb::Op::kRemove: {
      const OpId target = OpId::from_pb(op.remove().target());
      if (!owns_named(target)) return unknown_reference(version_, target, "removable entity");
      return Status::ok();
    }
    case pb::Op::kRestore: {
      const OpId target = OpId::from_pb(op.restore().target());
      if (!owns_named(target)) return unknown_reference(version_, target, "removable entity");
      if (op.restore().removals().empty()) return Status::invalid("restore lists no removals");
      const auto it = drafts_.find(target);
      const Liveness& live = it != drafts_.end() ? it->second.liveness : variant(target)->liveness;
      for (const auto& r : op.restore().removals()) {
        const OpId removal = OpId::from_pb(r);
        if (!live.has_removal(removal))
          return unknown_reference(version_, removal, "removal of the restored entity");
      }
      return Status::ok();
    }
    case pb::Op::kTextInsert: {
      const auto& ins = op.text_insert();
      const OpId vid = OpId::from_pb(ins.variant());
      const Variant* v = variant(vid);
      if (!v) return unknown_reference(version_, vid, "variant");
      for (const pb::OpId* o : {&ins.origin_left(), &ins.origin_right()}) {
        const OpId origin = OpId::from_pb(*o);
        if (origin.valid() && !v->text.contains(origin))
          return unknown_reference(version_, origin, "character of this variant");
        if (!origin.valid() && (o->replica() != 0 || o->counter() != 0))
          return Status::invalid("origin has a replica but no counter");
      }
      return Status::ok();
    }
    case pb::Op::kTextDelete: {
      const auto& del = op.text_delete();
      const OpId vid = OpId::from_pb(del.variant());
      const Variant* v = variant(vid);
      if (!v) return unknown_reference(version_, vid, "variant");
      const std::vector<IdSpan> ranges = delete_spans(del);
      checked->deleted = merge_spans(ranges);
      return check_deleted(v->text, ranges, checked->deleted, version_);
    }
    default:
      return Status::invalid("op type not supported");
  }
}

bool Document::owns_named(OpId id) const {
  return drafts_.count(id) || variants_.count(id);
}

Status Document::validate(const pb::Op& op, Checked* checked) const {
  if (Status s = check_header(op, &checked->span); !s.is_ok()) return s;
  return check_body(op, checked);
}

Status Document::check(const pb::Op& op) const {
  Checked checked;
  return validate(op, &checked);
}

Status Document::apply(const pb::Op& op) {
  Checked checked;
  if (Status s = validate(op, &checked); !s.is_ok()) return s;
  apply_checked(op, checked);
  return Status::ok();
}

// ---- application -----------------------------------------------------------------

void Document::apply_checked(const pb::Op& op, const Checked& checked) {
  const uint64_t span = checked.span;
  version_.advance(op.replica(), op.counter() + span - 1);
  clock_ = std::max(clock_, op.lamport() + span - 1);
  if (checked.landscape || op.has_create_map()) {
    landscape_.apply(op);
  } else {
    apply_document_op(op, checked);
  }
}

void Document::apply_document_op(const pb::Op& op, const Checked& checked) {
  const OpId id = op_id(op);
  const Stamp stamp = op_stamp(op);
  auto liveness_of = [&](OpId target) -> Liveness& {
    auto it = drafts_.find(target);
    return it != drafts_.end() ? it->second.liveness : variants_.at(target).liveness;
  };
  switch (op.body_case()) {
    case pb::Op::kCreateDraft: {
      Draft& d = drafts_[id];
      d.id = id;
      d.name.assign(op.create_draft().name(), stamp);
      Variant& base = variants_[id];
      base.id = base.draft = id;
      break;
    }
    case pb::Op::kCreateVariant: {
      Variant& v = variants_[id];
      v.id = id;
      v.draft = OpId::from_pb(op.create_variant().draft());
      v.copied_from = OpId::from_pb(op.create_variant().copied_from());
      v.name.assign(op.create_variant().name(), stamp);
      break;
    }
    case pb::Op::kRename: {
      const OpId target = OpId::from_pb(op.rename().target());
      auto it = drafts_.find(target);
      if (it != drafts_.end())
        it->second.name.assign(op.rename().name(), stamp);
      else
        variants_.at(target).name.assign(op.rename().name(), stamp);
      break;
    }
    case pb::Op::kRemove:
      liveness_of(OpId::from_pb(op.remove().target())).add_removal(id);
      break;
    case pb::Op::kRestore: {
      liveness_of(OpId::from_pb(op.restore().target())).cancel(restored_removals(op.restore()));
      break;
    }
    case pb::Op::kTextInsert: {
      const auto& ins = op.text_insert();
      std::u32string text;
      utf8::decode(ins.text(), text);  // validated by check_header
      mutable_variant(OpId::from_pb(ins.variant()))
          ->text.integrate(id, OpId::from_pb(ins.origin_left()), OpId::from_pb(ins.origin_right()),
                           text);
      break;
    }
    case pb::Op::kTextDelete: {
      Variant* v = mutable_variant(OpId::from_pb(op.text_delete().variant()));
      for (const IdSpan& s : checked.deleted) v->text.apply_delete(s);
      break;
    }
    default:
      break;
  }
}

// ---- queries ------------------------------------------------------------------------

const Draft* Document::draft(OpId id) const {
  auto it = drafts_.find(id);
  return it == drafts_.end() ? nullptr : &it->second;
}

const Variant* Document::variant(OpId id) const {
  auto it = variants_.find(id);
  return it == variants_.end() ? nullptr : &it->second;
}

Variant* Document::mutable_variant(OpId id) {
  auto it = variants_.find(id);
  return it == variants_.end() ? nullptr : &it->second;
}

bool Document::variant_visible(OpId id) const {
  const Variant* v = variant(id);
  if (!v || v->liveness.removed()) return false;
  const Draft* d = draft(v->draft);
  return d && !d->liveness.removed();
}

std::vector<OpId> Document::drafts() const {
  std::vector<OpId> out;
  for (const auto& [id, d] : drafts_)
    if (!d.liveness.removed()) out.push_back(id);
  return out;
}

std::vector<OpId> Document::variants_of(OpId draft_id) const {
  std::vector<OpId> out;
  for (const auto& [id, v] : variants_)
    if (v.draft == draft_id && variant_visible(id)) out.push_back(id);
  return out;
}

std::string Document::text(OpId variant_id) const {
  const Variant* v = variant(variant_id);
  return v ? v->text.utf8() : std::string();
}

size_t Document::text_length(OpId variant_id) const {
  const Variant* v = variant(variant_id);
  return v ? v->text.size() : 0;
}

Status Document::check_invariants() const {
  if (Status s = landscape_.check_invariants(); !s.is_ok()) return s;
  for (const auto& [id, d] : drafts_) {
    if (d.id != id) return Status::invalid("draft keyed by a different id");
    if (!variants_.count(id)) return Status::invalid("draft " + id.str() + " has no base variant");
    if (!version_.contains(id)) return Status::invalid("draft newer than the version vector");
  }
  for (const auto& [id, v] : variants_) {
    if (v.id != id) return Status::invalid("variant keyed by a different id");
    if (!drafts_.count(v.draft)) return Status::invalid("variant " + id.str() + " has no draft");
    if (!version_.contains(id)) return Status::invalid("variant newer than the version vector");
    if (Status s = v.text.check_invariants(); !s.is_ok())
      return Status::invalid("variant " + id.str() + ": " + s.message());
  }
  for (const auto& [replica, last] : version_.entries())
    if (last == 0) return Status::invalid("version vector holds an empty entry");
  return Status::ok();
}

}  // namespace convene::crdt
