// The WebSocket limits' parts, driven by explicit time points: a
// connection's message and op budgets (MessageLimits), the per-address
// connection limits.
#include <gtest/gtest.h>

#include <vector>

#include "convene/v1/protocol.pb.h"
#include "net/connection_limits.h"
#include "net/message_limits.h"

namespace convene::server {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Verdict = MessageLimits::Verdict;

const RateClock::time_point t0{};

TEST(MessageLimits, OpsOverTheBurstAreRefusedWholeThenRefill) {
  MessageLimits limits({0, 0, 100, 1000}, t0);  // 100 ops/s, 1,000 saved up
  EXPECT_EQ(limits.submit(600, 1, t0), Verdict::kAccept);
  EXPECT_EQ(limits.submit(600, 601, t0), Verdict::kRefuse) << "400 left: refused whole";
  EXPECT_EQ(limits.submit(400, 601, t0), Verdict::kAccept) << "nothing was taken by the refusal";
  EXPECT_EQ(limits.submit(100, 1001, t0 + milliseconds(500)), Verdict::kRefuse);
  EXPECT_EQ(limits.submit(100, 1001, t0 + seconds(2)), Verdict::kAccept);
}

TEST(MessageLimits, AfterARefusalOnlyTheResendFromTheRefusedOpPasses) {
  MessageLimits limits({0, 0, 10, 10}, t0);
  EXPECT_EQ(limits.submit(10, 1, t0), Verdict::kAccept);
  EXPECT_EQ(limits.submit(5, 11, t0), Verdict::kRefuse);
  // Later ops would leave a gap at 11: held, whatever the bucket holds.
  EXPECT_EQ(limits.submit(1, 16, t0 + seconds(3)), Verdict::kRefuse);
  EXPECT_EQ(limits.submit(5, 11, t0 + seconds(3)), Verdict::kAccept);
  EXPECT_EQ(limits.submit(1, 16, t0 + seconds(3)), Verdict::kAccept) << "the hold is over";
}

TEST(MessageLimits, HelloAndPresenceCountAsMessagesNotOps) {
  MessageLimits limits({2, 4, 0, 0}, t0);  // 2 messages/s, 4 saved up; ops unlimited
  EXPECT_EQ(limits.submit(50'000, 1, t0), Verdict::kAccept);
  EXPECT_EQ(limits.message(t0), Verdict::kAccept);
  EXPECT_EQ(limits.message(t0), Verdict::kAccept);
  EXPECT_EQ(limits.submit(0, 0, t0), Verdict::kAccept) << "an empty Submit is a message";
  EXPECT_EQ(limits.message(t0), Verdict::kRefuse);
  EXPECT_EQ(limits.message(t0 + milliseconds(500)), Verdict::kAccept);
}

TEST(MessageLimits, RefusalsWithoutAPauseForFiveSecondsAreAbuse) {
  MessageLimits limits({0, 0, 1, 1}, t0);
  ASSERT_EQ(limits.submit(1, 1, t0), Verdict::kAccept);
  auto t = t0;
  for (; t < t0 + MessageLimits::kAbuseAfter; t += milliseconds(100))
    ASSERT_EQ(limits.submit(5, 2, t), Verdict::kRefuse);
  EXPECT_EQ(limits.submit(5, 2, t), Verdict::kAbuse);
}

TEST(MessageLimits, AClientThatPausesBetweenTriesIsNeverAbusive) {
  MessageLimits limits({0, 0, 1, 3}, t0);
  ASSERT_EQ(limits.submit(3, 1, t0), Verdict::kAccept);
  // Tries 2 s apart, each refused (5 ops never fit in 3): a new run each time.
  for (int i = 1; i <= 10; ++i)
    EXPECT_EQ(limits.submit(5, 4, t0 + seconds(2 * i)), Verdict::kRefuse);
  // An accepted Submit ends a run, too: a client sending twice what it may,
  // resending what was refused, is slowed down but never closed.
  MessageLimits other({0, 0, 10, 10}, t0);
  uint64_t next = 1;
  int accepted = 0;
  for (auto t = t0; t < t0 + seconds(30); t += milliseconds(100)) {
    const Verdict v = other.submit(2, next, t);
    ASSERT_NE(v, Verdict::kAbuse);
    if (v == Verdict::kAccept) next += 2, ++accepted;
  }
  EXPECT_NEAR(accepted, 155, 10) << "10 ops/s for 30 s, and the 10 saved up";
}

TEST(MessageLimits, NoLimitsAcceptEverything) {
  MessageLimits limits({}, t0);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(limits.submit(10'000, 1 + 10'000 * static_cast<uint64_t>(i), t0), Verdict::kAccept);
    EXPECT_EQ(limits.message(t0), Verdict::kAccept);
  }
}

TEST(ConnectionLimits, OpenConnectionsPerAddressAreBoundedAndGivenBack) {
  ConnectionLimits limits({2, 0});
  auto a = limits.admit("10.0.0.1", t0);
  auto b = limits.admit("10.0.0.1", t0);
  ASSERT_TRUE(a.refused.empty());
  ASSERT_TRUE(b.refused.empty());
  const auto c = limits.admit("10.0.0.1", t0);
  EXPECT_EQ(c.refused, "too_many_connections");
  EXPECT_TRUE(limits.admit("10.0.0.2", t0).refused.empty()) << "another address";
  EXPECT_EQ(limits.open("10.0.0.2"), 0u) << "its slot was given back when dropped";
  EXPECT_EQ(limits.open("10.0.0.1"), 2u);
  {
    ConnectionLimits::Slot moved = std::move(a.slot);
    EXPECT_EQ(limits.open("10.0.0.1"), 2u);
  }
  EXPECT_EQ(limits.open("10.0.0.1"), 1u);
  EXPECT_TRUE(limits.admit("10.0.0.1", t0).refused.empty());
}

TEST(ConnectionLimits, AttemptsPerMinuteAreRateLimitedWithRetryAfter) {
  ConnectionLimits limits({0, 6});  // 6 a minute: one every 10 s
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(limits.admit("10.0.0.1", t0).refused.empty()) << i;
  const auto refused = limits.admit("10.0.0.1", t0);
  EXPECT_EQ(refused.refused, "rate_limited");
  EXPECT_EQ(refused.retry_after_s, 10);
  EXPECT_TRUE(limits.admit("10.0.0.1", t0 + seconds(10)).refused.empty());
  EXPECT_EQ(limits.open("10.0.0.1"), 0u) << "no slot held: every admission was dropped";
}

TEST(ConnectionLimits, ZeroMeansNoLimit) {
  ConnectionLimits limits({0, 0});
  std::vector<ConnectionLimits::Slot> held;
  for (int i = 0; i < 5000; ++i) {
    auto a = limits.admit("127.0.0.1", t0);
    ASSERT_TRUE(a.refused.empty()) << i;
    held.push_back(std::move(a.slot));
  }
  EXPECT_EQ(limits.open("127.0.0.1"), 5000u);
  held.clear();
  EXPECT_EQ(limits.open("127.0.0.1"), 0u);
}

}  // namespace
}  // namespace convene::server
