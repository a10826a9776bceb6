// Holds ops that arrived before their causal dependencies and applies them
// as soon as they can be.
//
// Ops are keyed by the first dependency they miss; when an op applies, the
// ops waiting on ids it created are retried (and may move on to wait for
// another id). Bounded: beyond `max_ops` held ops, new ones are refused, so a
// peer that sends ops with dependencies that never come cannot exhaust memory.
//
// Thread safety: none.
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <vector>

#include "crdt/document.h"

namespace convene::crdt {

class CausalBuffer {
 public:
  explicit CausalBuffer(size_t max_ops = 100'000) : max_ops_(max_ops) {}

  // Applies `op` to `doc` if it can, then every held op that became ready.
  // Returns the outcome for `op` itself: ok (applied), duplicate, invalid, or
  // kMissingDependency when it is now held. If the buffer is full a missing
  // op is not held and the result says so (kInvalid, "causal buffer full").
  Status deliver(Document& doc, const pb::Op& op);

  size_t size() const { return held_ids_.size(); }
  // The ids held ops are waiting for (what a replica should ask for).
  std::vector<OpId> missing() const;

 private:
  void release_after(Document& doc, const pb::Op& applied);

  size_t max_ops_;
  std::map<OpId, std::vector<pb::Op>> waiting_;  // missing id -> ops
  std::set<OpId> held_ids_;
};

}  // namespace convene::crdt
