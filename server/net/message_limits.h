// What one WebSocket connection may send once it has joined (docs/security.md,
// decision 30): messages of any kind (Submit, presence, ping) and ops in
// Submits, each a token bucket. A Submit over either is refused whole; the
// connection then holds its Submits until one starts again at the first op
// refused (a client resends from there), so that a Submit let through
// meanwhile cannot leave a gap in the replica's counters. Refusals that go on
// for kAbuseAfter without a pause of kPause are abuse: the session closes.
//
// Hello and its resent ops never count: a reconnect may resend 100,000 ops.
// Not thread-safe (a session's strand); time is passed in.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "http/rate_limit.h"

namespace convene::server {

class MessageLimits {
 public:
  struct Options {
    double messages_per_second = 0;  // 0: no limit
    double message_burst = 0;
    double ops_per_second = 0;  // 0: no limit
    double ops_burst = 0;
  };
  enum class Verdict { kAccept, kRefuse, kAbuse };
  static constexpr auto kAbuseAfter = std::chrono::seconds(5);
  static constexpr auto kPause = std::chrono::seconds(1);

  MessageLimits(const Options& options, RateClock::time_point now);

  // A message that is not a Submit (presence, ping).
  Verdict message(RateClock::time_point now);
  // A Submit of `ops` ops, the first of them with counter `first_counter`.
  Verdict submit(size_t ops, uint64_t first_counter, RateClock::time_point now);

 private:
  Verdict refused(RateClock::time_point now);

  std::optional<TokenBucket> messages_;
  std::optional<TokenBucket> ops_;
  std::optional<uint64_t> held_from_;  // Submits wait for a resend from here
  bool refusing_ = false;              // in a run of refusals
  RateClock::time_point first_refusal_, last_refusal_;
};

}  // namespace convene::server
