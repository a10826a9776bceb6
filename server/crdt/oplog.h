// An in-memory op log in a total order, with periodic snapshots: the pure
// model of what the server stores, and the basis of time travel.
//
// seq numbers start at 1; the state "at seq N" is the state after applying
// ops 1..N. state_at(N) starts from the newest snapshot at or before N and
// replays the ops after it.
//
// Thread safety: none.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "crdt/document.h"

namespace convene::crdt {

class OpLog {
 public:
  explicit OpLog(uint64_t snapshot_every = 1000) : snapshot_every_(snapshot_every) {}

  // Appends `op` as the next seq if it applies to the head state; a duplicate
  // or an op that does not apply is refused (status says why, seq 0).
  Result<uint64_t> append(const pb::Op& op);

  uint64_t head_seq() const { return ops_.size(); }
  const Document& head() const { return head_; }
  const pb::Op& op_at(uint64_t seq) const { return ops_.at(seq - 1); }

  // The document as it was right after `seq` (0 = empty).
  Result<Document> state_at(uint64_t seq) const;

  size_t snapshot_count() const { return snapshots_.size(); }

 private:
  uint64_t snapshot_every_;
  Document head_;
  std::vector<pb::Op> ops_;
  std::map<uint64_t, std::string> snapshots_;  // seq -> encoded snapshot
};

}  // namespace convene::crdt
