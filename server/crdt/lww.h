// Building blocks for map entities: last-writer-wins registers and
// remove-wins liveness.
#pragma once

#include <algorithm>
#include <vector>

#include "crdt/ids.h"

namespace convene::crdt {

// A last-writer-wins register: a write takes effect iff its stamp is greater
// than the stamp of the current value. Commutative and idempotent.
template <class T>
struct Lww {
  T value{};
  Stamp stamp;

  // Returns true if the write won.
  bool assign(T v, Stamp s) {
    if (s <= stamp) return false;
    value = std::move(v);
    stamp = s;
    return true;
  }
  bool set() const { return stamp.valid(); }
};

// Remove-wins liveness. An entity is removed while any Remove op applied to it
// has not been cancelled by a Restore op. A Restore only cancels the removals
// its author had seen, so a concurrent removal still holds; field updates
// never touch liveness, so nothing removed comes back through a late update.
class Liveness {
 public:
  bool removed() const {
    return std::any_of(removals_.begin(), removals_.end(),
                       [&](const OpId& r) { return !is_cancelled(r); });
  }
  void add_removal(OpId remove_op) { insert_sorted(removals_, remove_op); }
  void cancel(OpId remove_op) { insert_sorted(cancelled_, remove_op); }
  // Removals currently in force (what a Restore by this replica would cancel).
  std::vector<OpId> active_removals() const {
    std::vector<OpId> out;
    for (const OpId& r : removals_)
      if (!is_cancelled(r)) out.push_back(r);
    return out;
  }
  const std::vector<OpId>& removals() const { return removals_; }
  const std::vector<OpId>& cancelled() const { return cancelled_; }

 private:
  bool is_cancelled(const OpId& r) const {
    return std::binary_search(cancelled_.begin(), cancelled_.end(), r);
  }
  static void insert_sorted(std::vector<OpId>& v, OpId id) {
    auto it = std::lower_bound(v.begin(), v.end(), id);
    if (it == v.end() || *it != id) v.insert(it, id);
  }

  std::vector<OpId> removals_;   // sorted, unique
  std::vector<OpId> cancelled_;  // sorted, unique
};

}  // namespace convene::crdt
