// Building blocks for map entities: last-writer-wins registers and
// remove-wins liveness.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
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
//
// Cost (docs/threat-model.md, F8): the cancelled removals are always a subset
// of the removals, so removed() compares two sizes, O(1) however long the
// lists grow; a Restore sorts its list once and merges it, O(k log k + n)
// whatever its order, O(k log k) when it cancels the newest. Adding a removal
// newer than all is O(1), any other O(n). The room's admission bounds the
// removals in force and the length of a Restore (admission.h).
class Liveness {
 public:
  bool removed() const { return cancelled_.size() < removals_.size(); }
  size_t active_count() const { return removals_.size() - cancelled_.size(); }
  bool has_removal(OpId id) const {
    return std::binary_search(removals_.begin(), removals_.end(), id);
  }
  void add_removal(OpId remove_op) { insert_sorted(removals_, remove_op); }
  // Whether a removal by `replica` is in force (O(log n)).
  bool removed_by(uint64_t replica) const {
    return count_of(removals_, replica) > count_of(cancelled_, replica);
  }
  // Cancels those of `remove_ops` that are removals of this entity, in any
  // order and with repeats; ids that are not its removals are ignored.
  void cancel(std::vector<OpId> remove_ops) {
    std::sort(remove_ops.begin(), remove_ops.end());
    remove_ops.erase(std::unique(remove_ops.begin(), remove_ops.end()), remove_ops.end());
    std::erase_if(remove_ops, [&](const OpId& r) { return !has_removal(r) || is_cancelled(r); });
    if (remove_ops.empty()) return;
    // Restores mostly cancel the newest removals: then appending is enough.
    const bool in_order = cancelled_.empty() || cancelled_.back() < remove_ops.front();
    const auto old_size = static_cast<std::ptrdiff_t>(cancelled_.size());
    cancelled_.insert(cancelled_.end(), remove_ops.begin(), remove_ops.end());
    if (!in_order)
      std::inplace_merge(cancelled_.begin(), cancelled_.begin() + old_size, cancelled_.end());
  }
  void cancel(OpId remove_op) { cancel(std::vector<OpId>{remove_op}); }
  // Removals currently in force (what a Restore by this replica would cancel).
  std::vector<OpId> active_removals() const {
    std::vector<OpId> out;
    std::set_difference(removals_.begin(), removals_.end(), cancelled_.begin(), cancelled_.end(),
                        std::back_inserter(out));
    return out;
  }
  const std::vector<OpId>& removals() const { return removals_; }
  const std::vector<OpId>& cancelled() const { return cancelled_; }

 private:
  bool is_cancelled(const OpId& r) const {
    return std::binary_search(cancelled_.begin(), cancelled_.end(), r);
  }
  static std::ptrdiff_t count_of(const std::vector<OpId>& v, uint64_t replica) {
    const auto first = std::lower_bound(v.begin(), v.end(), OpId{replica, 0});
    return std::upper_bound(first, v.end(), OpId{replica, UINT64_MAX}) - first;
  }
  static void insert_sorted(std::vector<OpId>& v, OpId id) {
    if (v.empty() || v.back() < id) return v.push_back(id);  // the usual case
    auto it = std::lower_bound(v.begin(), v.end(), id);
    if (it == v.end() || *it != id) v.insert(it, id);
  }

  std::vector<OpId> removals_;   // sorted, unique
  std::vector<OpId> cancelled_;  // sorted, unique, a subset of removals_
};

// The removals a Restore op lists, for Liveness::cancel.
inline std::vector<OpId> restored_removals(const pb::Restore& op) {
  std::vector<OpId> out;
  out.reserve(op.removals_size());
  for (const pb::OpId& r : op.removals()) out.push_back(OpId::from_pb(r));
  return out;
}

}  // namespace convene::crdt
