#include "http/rate_limit.h"

#include <algorithm>
#include <cmath>

namespace convene::server {
namespace {
// Refills are sums of fractions: 0.9 + 0.1 must count as a whole token.
constexpr double kSlack = 1e-9;
}  // namespace

TokenBucket::TokenBucket(double per_second, double capacity, RateClock::time_point now)
    : per_second_(per_second), capacity_(capacity), tokens_(capacity), at_(now) {}

void TokenBucket::refill(RateClock::time_point now) {
  const double seconds = std::chrono::duration<double>(now - at_).count();
  tokens_ = std::min(capacity_, tokens_ + std::max(0.0, seconds) * per_second_);
  at_ = std::max(at_, now);
}

bool TokenBucket::has(double n, RateClock::time_point now) {
  refill(now);
  return tokens_ >= n - kSlack;
}

bool TokenBucket::take(double n, RateClock::time_point now) {
  used_ = std::max(used_, now);
  if (!has(n, now)) return false;
  tokens_ = std::max(0.0, tokens_ - n);
  return true;
}

double TokenBucket::seconds_until(double n, RateClock::time_point now) {
  refill(now);
  const double missing = n - kSlack - tokens_;
  if (missing <= 0) return 0;
  return per_second_ > 0 ? missing / per_second_ : INFINITY;
}

bool TokenBucket::full(RateClock::time_point now) {
  refill(now);
  return tokens_ >= capacity_;
}

KeyedRateLimiter::KeyedRateLimiter(double per_minute, std::size_t max_keys)
    : per_minute_(per_minute), max_keys_(std::max<std::size_t>(1, max_keys)) {}

bool KeyedRateLimiter::allow(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    make_room(now);
    it = buckets_.emplace(key, TokenBucket(per_minute_ / 60.0, per_minute_, now)).first;
  }
  return it->second.take(1.0, now);
}

int KeyedRateLimiter::retry_after(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  const auto it = buckets_.find(key);
  if (it == buckets_.end() || per_minute_ <= 0) return 1;
  return std::max(1, static_cast<int>(std::ceil(it->second.seconds_until(1.0, now))));
}

std::size_t KeyedRateLimiter::size() {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

// Called with the lock held, before a new key goes in. Full buckets say
// nothing a new one would not: they go first. If every bucket is in use,
// the one unused for longest goes: forgetting them all would hand every
// client, the one cycling through addresses included, a fresh allowance.
void KeyedRateLimiter::make_room(Clock::time_point now) {
  if (buckets_.size() < max_keys_) return;
  for (auto it = buckets_.begin(); it != buckets_.end();)
    it = it->second.full(now) ? buckets_.erase(it) : std::next(it);
  if (buckets_.size() < max_keys_) return;
  const auto oldest = std::min_element(
      buckets_.begin(), buckets_.end(),
      [](const auto& a, const auto& b) { return a.second.last_used() < b.second.last_used(); });
  buckets_.erase(oldest);
}

}  // namespace convene::server
