#include "net/message_limits.h"

#include <algorithm>

namespace convene::server {
namespace {

std::optional<TokenBucket> bucket(double per_second, double burst, RateClock::time_point now) {
  if (per_second <= 0) return std::nullopt;
  return TokenBucket(per_second, std::max(burst, 1.0), now);
}

}  // namespace

MessageLimits::MessageLimits(const Options& options, RateClock::time_point now)
    : messages_(bucket(options.messages_per_second, options.message_burst, now)),
      ops_(bucket(options.ops_per_second, options.ops_burst, now)) {}

MessageLimits::Verdict MessageLimits::message(RateClock::time_point now) {
  if (!messages_ || messages_->take(1, now)) return Verdict::kAccept;
  return refused(now);
}

MessageLimits::Verdict MessageLimits::submit(size_t ops, uint64_t first_counter,
                                             RateClock::time_point now) {
  if (ops == 0) return message(now);
  // Held: only the resend of the refused ops (or of earlier ones) may pass.
  if (held_from_ && first_counter > *held_from_) return refused(now);
  const double n = static_cast<double>(ops);
  if ((messages_ && !messages_->has(1, now)) || (ops_ && !ops_->has(n, now))) {
    held_from_ = std::min(held_from_.value_or(first_counter), first_counter);
    return refused(now);
  }
  if (messages_) messages_->take(1, now);
  if (ops_) ops_->take(n, now);
  held_from_.reset();
  refusing_ = false;
  return Verdict::kAccept;
}

// A client that backs off (a second or more between tries) starts a new run
// each time; one that keeps sending is cut off after kAbuseAfter.
MessageLimits::Verdict MessageLimits::refused(RateClock::time_point now) {
  if (!refusing_ || now - last_refusal_ >= kPause) {
    refusing_ = true;
    first_refusal_ = now;
  }
  last_refusal_ = now;
  return now - first_refusal_ >= kAbuseAfter ? Verdict::kAbuse : Verdict::kRefuse;
}

}  // namespace convene::server
