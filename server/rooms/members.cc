#include "rooms/members.h"

#include <algorithm>
#include <cmath>

#include "rooms/tokens.h"

namespace convene::rooms {
namespace {

std::optional<server::TokenBucket> bucket(double per_minute, QuotaClock::time_point now) {
  if (per_minute <= 0) return std::nullopt;
  return server::TokenBucket(per_minute / 60.0, per_minute, now);
}

}  // namespace

MemberDirectory::MemberDirectory(std::vector<store::Member> records, size_t max_records,
                                 MemberQuota quota, Evictable evictable)
    : max_records_(max_records), quota_(quota), evictable_(std::move(evictable)) {
  for (store::Member& m : records) {
    std::string id = m.id;
    entries_.emplace(std::move(id), Entry{std::move(m), std::nullopt, std::nullopt});
  }
}

MemberDirectory::Claim MemberDirectory::check(const store::Member& joining) const {
  const auto it = entries_.find(joining.id);
  if (it == entries_.end()) {
    const bool full = max_records_ > 0 && entries_.size() >= max_records_;
    return full && evictable_record() == entries_.end() ? Claim::kFull : Claim::kClaimed;
  }
  const std::string& secret = it->second.record.secret_hash;
  if (secret.empty()) return Claim::kClaimed;  // stored before secrets: bound now
  return constant_time_equal(secret, joining.secret_hash) ? Claim::kReturning : Claim::kWrongSecret;
}

MemberDirectory::Claim MemberDirectory::claim(const store::Member& joining, std::string* evicted) {
  const Claim verdict = check(joining);
  if (verdict == Claim::kWrongSecret || verdict == Claim::kFull) return verdict;
  if (!entries_.count(joining.id) && max_records_ > 0 && entries_.size() >= max_records_) {
    const auto gone = evictable_record();
    if (evicted) *evicted = gone->first;
    entries_.erase(gone);
  }
  const auto [it, inserted] = entries_.try_emplace(joining.id, Entry{joining, {}, {}});
  if (inserted) return verdict;
  store::Member& record = it->second.record;
  record.secret_hash = joining.secret_hash;
  record.name = joining.name;
  record.colour = joining.colour;
  record.role = joining.role;
  record.last_seen_ms = joining.last_seen_ms;
  return verdict;
}

std::unordered_map<std::string, MemberDirectory::Entry>::const_iterator
MemberDirectory::evictable_record() const {
  auto best = entries_.end();
  if (!evictable_) return best;
  for (auto it = entries_.begin(); it != entries_.end(); ++it)
    if ((best == entries_.end() ||
         it->second.record.last_seen_ms < best->second.record.last_seen_ms) &&
        evictable_(it->second.record))
      best = it;
  return best;
}

void MemberDirectory::forget(const std::string& id) {
  entries_.erase(id);
}

const store::Member* MemberDirectory::find(const std::string& id) const {
  const auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : &it->second.record;
}

std::optional<std::chrono::milliseconds> MemberDirectory::spend(const std::string& id, double ops,
                                                                double bytes,
                                                                QuotaClock::time_point now) {
  const auto it = entries_.find(id);
  if (it == entries_.end()) return std::chrono::milliseconds(0);  // not a member: nothing fits
  Entry& e = it->second;
  if (!e.ops && quota_.ops_per_minute > 0) e.ops = bucket(quota_.ops_per_minute, now);
  if (!e.bytes && quota_.bytes_per_minute > 0) e.bytes = bucket(quota_.bytes_per_minute, now);
  // More than a whole minute's worth at once fits only into a full bucket,
  // and empties it: one large op must never be refused for ever.
  ops = std::min(ops, quota_.ops_per_minute);
  bytes = std::min(bytes, quota_.bytes_per_minute);
  double wait_s = 0;
  if (e.ops) wait_s = std::max(wait_s, e.ops->seconds_until(ops, now));
  if (e.bytes) wait_s = std::max(wait_s, e.bytes->seconds_until(bytes, now));
  if (wait_s > 0) {
    const double capped = std::isfinite(wait_s) ? std::min(wait_s, 60.0) : 60.0;
    return std::chrono::milliseconds(static_cast<int64_t>(std::ceil(capped * 1000)));
  }
  if (e.ops) e.ops->take(ops, now);
  if (e.bytes) e.bytes->take(bytes, now);
  return std::nullopt;
}

}  // namespace convene::rooms
