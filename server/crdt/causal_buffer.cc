#include "crdt/causal_buffer.h"

#include <deque>

namespace convene::crdt {

Status CausalBuffer::deliver(Document& doc, const pb::Op& op) {
  const Status status = doc.apply(op);
  if (status.code() == Status::Code::kMissingDependency) {
    if (held_ids_.count(op_id(op))) return status;  // already held
    if (held_ids_.size() >= max_ops_) return Status::invalid("causal buffer full");
    held_ids_.insert(op_id(op));
    waiting_[status.missing_id()].push_back(op);
    return status;
  }
  if (status.is_ok()) release_after(doc, op);
  return status;
}

// Retries every held op waiting on an id that `applied` created, repeating
// for the ops those unlock in turn.
void CausalBuffer::release_after(Document& doc, const pb::Op& applied) {
  std::deque<OpId> created_ranges{op_id(applied)};
  std::deque<uint64_t> created_ends{applied.counter() + op_span(applied)};
  while (!created_ranges.empty()) {
    const OpId first = created_ranges.front();
    const uint64_t end = created_ends.front();
    created_ranges.pop_front();
    created_ends.pop_front();
    auto it = waiting_.lower_bound(first);
    std::vector<pb::Op> ready;
    while (it != waiting_.end() && it->first.replica == first.replica && it->first.counter < end) {
      for (pb::Op& op : it->second) ready.push_back(std::move(op));
      it = waiting_.erase(it);
    }
    for (const pb::Op& op : ready) {
      held_ids_.erase(op_id(op));
      const Status s = doc.apply(op);
      if (s.is_ok()) {
        created_ranges.push_back(op_id(op));
        created_ends.push_back(op.counter() + op_span(op));
      } else if (s.code() == Status::Code::kMissingDependency) {
        held_ids_.insert(op_id(op));
        waiting_[s.missing_id()].push_back(op);
      }
      // Invalid or duplicate held ops are dropped: they can never apply.
    }
  }
}

std::vector<OpId> CausalBuffer::missing() const {
  std::vector<OpId> out;
  for (const auto& [id, ops] : waiting_) out.push_back(id);
  return out;
}

}  // namespace convene::crdt
