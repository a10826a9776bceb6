#include "http/rate_limit.h"

#include <algorithm>
#include <cmath>

namespace convene::server {
namespace {
// Refills are sums of fractions: 0.9 + 0.1 must count as a whole token.
constexpr double kSlack = 1e-9;
}  // namespace

KeyedRateLimiter::KeyedRateLimiter(double per_minute, std::size_t max_keys)
    : per_minute_(per_minute), max_keys_(std::max<std::size_t>(1, max_keys)) {}

double KeyedRateLimiter::refilled(const Bucket& b, Clock::time_point now) const {
  const double minutes = std::chrono::duration<double, std::ratio<60>>(now - b.at).count();
  return std::min(per_minute_, b.tokens + std::max(0.0, minutes) * per_minute_);
}

bool KeyedRateLimiter::allow(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    make_room(now);
    it = buckets_.emplace(key, Bucket{per_minute_, now}).first;
  }
  Bucket& b = it->second;
  b.tokens = refilled(b, now);
  b.at = now;
  if (b.tokens < 1.0 - kSlack) return false;
  b.tokens -= 1.0;
  return true;
}

int KeyedRateLimiter::retry_after(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  const auto it = buckets_.find(key);
  if (it == buckets_.end() || per_minute_ <= 0) return 1;
  const double missing = 1.0 - kSlack - refilled(it->second, now);
  return std::max(1, static_cast<int>(std::ceil(missing * 60.0 / per_minute_)));
}

std::size_t KeyedRateLimiter::size() {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

// Called with the lock held, before a new key goes in.
void KeyedRateLimiter::make_room(Clock::time_point now) {
  if (buckets_.size() < max_keys_) return;
  std::erase_if(buckets_,
                [&](const auto& entry) { return refilled(entry.second, now) >= per_minute_; });
  // Every bucket is in use: forgetting them all only lets each key start
  // afresh, which is better than refusing every newcomer.
  if (buckets_.size() >= max_keys_) buckets_.clear();
}

}  // namespace convene::server
