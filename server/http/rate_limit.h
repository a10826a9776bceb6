// Token buckets: one (TokenBucket) for a single client's budget, e.g. the ops
// one WebSocket connection may submit, and many keyed by a client's address
// (KeyedRateLimiter): "at most N per minute per IP", with bursts up to N.
// Time is passed in, so tests need no clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace convene::server {

using RateClock = std::chrono::steady_clock;

// `per_second` tokens refill each second, up to `capacity` saved up; it
// starts full. Not thread-safe.
class TokenBucket {
 public:
  TokenBucket(double per_second, double capacity, RateClock::time_point now);

  // Whether `n` tokens are there at `now` (refilled up to then).
  bool has(double n, RateClock::time_point now);
  // Takes `n` tokens if they are there; false (taking none) if not.
  bool take(double n, RateClock::time_point now);
  // Seconds until `n` tokens are there (0 if they are).
  double seconds_until(double n, RateClock::time_point now);
  bool full(RateClock::time_point now);
  // When take() was last asked for tokens.
  RateClock::time_point last_used() const { return used_; }

 private:
  void refill(RateClock::time_point now);

  double per_second_;
  double capacity_;
  double tokens_;
  RateClock::time_point at_;
  RateClock::time_point used_{};
};

// Token buckets keyed by a client's address. Bounded: it never holds more
// than `max_keys` buckets (full buckets are forgotten first, as they say
// nothing a new one would not). Thread-safe.
class KeyedRateLimiter {
 public:
  using Clock = RateClock;

  // `per_minute` tokens refill each minute, up to `per_minute` saved up.
  explicit KeyedRateLimiter(double per_minute, std::size_t max_keys = 10'000);

  // Takes a token for `key` if it has one. False: wait retry_after() first.
  bool allow(const std::string& key, Clock::time_point now);
  // Whole seconds until `key` has a token again (at least 1).
  int retry_after(const std::string& key, Clock::time_point now);
  std::size_t size();

 private:
  void make_room(Clock::time_point now);

  const double per_minute_;
  const std::size_t max_keys_;
  std::mutex mutex_;
  std::unordered_map<std::string, TokenBucket> buckets_;
};

}  // namespace convene::server
