// Version vectors: which ops of each replica a document has applied.
#pragma once

#include <cstdint>
#include <map>

#include "crdt/ids.h"

namespace convene::crdt {

// For each replica, the last counter applied. Counters are contiguous per
// replica, so this one number says exactly which ops of it are present.
class VersionVector {
 public:
  uint64_t last(uint64_t replica) const {
    auto it = last_.find(replica);
    return it == last_.end() ? 0 : it->second;
  }
  bool contains(OpId id) const { return id.valid() && id.counter <= last(id.replica); }
  void advance(uint64_t replica, uint64_t last_counter) {
    uint64_t& v = last_[replica];
    if (last_counter > v) v = last_counter;
  }
  // Sorted by replica id, so iteration order is canonical.
  const std::map<uint64_t, uint64_t>& entries() const { return last_; }
  friend bool operator==(const VersionVector&, const VersionVector&) = default;

 private:
  std::map<uint64_t, uint64_t> last_;
};

}  // namespace convene::crdt
