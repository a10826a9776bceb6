// Token buckets keyed by a client's address: "at most N per minute per IP",
// with bursts up to N. Bounded: it never holds more than `max_keys` buckets
// (full buckets are forgotten first, as they say nothing a new one would not).
// Thread-safe; time is passed in, so tests need no clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace convene::server {

class KeyedRateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // `per_minute` tokens refill each minute, up to `per_minute` saved up.
  explicit KeyedRateLimiter(double per_minute, std::size_t max_keys = 10'000);

  // Takes a token for `key` if it has one. False: wait retry_after() first.
  bool allow(const std::string& key, Clock::time_point now);
  // Whole seconds until `key` has a token again (at least 1).
  int retry_after(const std::string& key, Clock::time_point now);
  std::size_t size();

 private:
  struct Bucket {
    double tokens;
    Clock::time_point at;
  };
  double refilled(const Bucket& b, Clock::time_point now) const;
  void make_room(Clock::time_point now);

  const double per_minute_;
  const std::size_t max_keys_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace convene::server
