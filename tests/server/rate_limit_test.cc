// KeyedRateLimiter: per-key token buckets, driven by explicit time points.
#include "http/rate_limit.h"

#include <gtest/gtest.h>

#include <string>

namespace convene::server {
namespace {

using Clock = KeyedRateLimiter::Clock;
using std::chrono::seconds;

TEST(KeyedRateLimiter, AllowsABurstThenRefillsOverAMinute) {
  KeyedRateLimiter limiter(6);  // 6 per minute: one every 10 s
  const Clock::time_point t0{};
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(limiter.allow("10.0.0.1", t0)) << i;
  EXPECT_FALSE(limiter.allow("10.0.0.1", t0));
  EXPECT_EQ(limiter.retry_after("10.0.0.1", t0), 10);
  EXPECT_FALSE(limiter.allow("10.0.0.1", t0 + seconds(9)));
  EXPECT_TRUE(limiter.allow("10.0.0.1", t0 + seconds(10)));
  EXPECT_FALSE(limiter.allow("10.0.0.1", t0 + seconds(10)));
  // Saving up stops at the burst size.
  const auto later = t0 + seconds(3600);
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(limiter.allow("10.0.0.1", later)) << i;
  EXPECT_FALSE(limiter.allow("10.0.0.1", later));
}

TEST(KeyedRateLimiter, KeysAreIndependent) {
  KeyedRateLimiter limiter(1);
  const Clock::time_point t0{};
  EXPECT_TRUE(limiter.allow("a", t0));
  EXPECT_FALSE(limiter.allow("a", t0));
  EXPECT_TRUE(limiter.allow("b", t0));
  EXPECT_EQ(limiter.retry_after("a", t0), 60);
}

TEST(KeyedRateLimiter, StaysBoundedForgettingFullBucketsFirst) {
  KeyedRateLimiter limiter(2, 3);
  const Clock::time_point t0{};
  EXPECT_TRUE(limiter.allow("busy", t0));
  EXPECT_TRUE(limiter.allow("busy", t0));  // empty now
  EXPECT_TRUE(limiter.allow("b", t0));
  EXPECT_TRUE(limiter.allow("c", t0));
  // A minute later "b" and "c" are full again and make room; "busy" is full too.
  const auto t1 = t0 + seconds(60);
  EXPECT_TRUE(limiter.allow("d", t1));
  EXPECT_LE(limiter.size(), 3u);
  // With every bucket in use, a newcomer still gets in and the size holds.
  for (const std::string key : {"e", "f", "g", "h"}) {
    EXPECT_TRUE(limiter.allow(key, t1)) << key;
    EXPECT_TRUE(limiter.allow(key, t1)) << key;
    EXPECT_LE(limiter.size(), 3u);
  }
}

// Cycling through more addresses than the table holds gives the cycler a
// fresh allowance each time round, but never anyone else's back: the key
// unused for longest goes, not every key.
TEST(KeyedRateLimiter, AFullTableForgetsTheLongestUnusedKeyOnly) {
  KeyedRateLimiter limiter(1, 3);
  const Clock::time_point t0{};
  EXPECT_TRUE(limiter.allow("spammer", t0));
  EXPECT_FALSE(limiter.allow("spammer", t0 + seconds(1)));
  for (int i = 0; i < 10; ++i) {
    const auto t = t0 + seconds(2 + i);
    EXPECT_TRUE(limiter.allow("new" + std::to_string(i), t));
    EXPECT_FALSE(limiter.allow("spammer", t)) << "the busy key kept its empty bucket, round " << i;
    EXPECT_LE(limiter.size(), 3u);
  }
}

}  // namespace
}  // namespace convene::server
