#include "crdt/oplog.h"

namespace convene::crdt {

Result<uint64_t> OpLog::append(const pb::Op& op) {
  const Status s = head_.apply(op);
  if (!s.is_ok()) return {s, 0};
  ops_.push_back(op);
  const uint64_t seq = ops_.size();
  if (snapshot_every_ > 0 && seq % snapshot_every_ == 0) snapshots_[seq] = head_.encode_snapshot();
  return {Status::ok(), seq};
}

Result<Document> OpLog::state_at(uint64_t seq) const {
  if (seq > head_seq())
    return {Status::invalid("seq " + std::to_string(seq) + " is past the head " +
                            std::to_string(head_seq()))};
  Result<Document> out{Status::ok(), Document()};
  uint64_t from = 0;
  auto snap = snapshots_.upper_bound(seq);
  if (snap != snapshots_.begin()) {
    --snap;
    out = Document::decode_snapshot(snap->second, 0);
    if (!out.ok()) return out;
    from = snap->first;
  }
  for (uint64_t s = from + 1; s <= seq; ++s) {
    const Status applied = out.value.apply(ops_[s - 1]);
    if (!applied.is_ok())
      return {
          Status::corrupt("log replay failed at seq " + std::to_string(s) + ": " + applied.str())};
  }
  return out;
}

}  // namespace convene::crdt
