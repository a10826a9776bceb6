#include "find_max.h"

#include <algorithm>

namespace convene::bench {

namespace {
constexpr double kLowestStart = 0.1;  // ops per writer per second
constexpr double kCloseEnough = 0.1;  // stop when hi is within 10 % of lo
}  // namespace

FindMaxSearch::FindMaxSearch(double start_rate, int max_windows)
    : rate_(std::max(start_rate, kLowestStart)), windows_left_(max_windows) {}

std::optional<double> FindMaxSearch::next() const {
  if (finished_ || windows_left_ <= 0) return std::nullopt;
  return rate_;
}

bool FindMaxSearch::record(Outcome outcome) {
  --windows_left_;
  last_was_retry_ = retrying_;
  if (outcome == Outcome::kMissed && !retrying_) {
    retrying_ = true;  // the same rate once more
    return false;
  }
  retrying_ = false;
  const bool held = outcome == Outcome::kHeld;
  decide(held);
  if (outcome == Outcome::kBroken) finished_ = true;  // later windows would measure less
  return held;
}

void FindMaxSearch::decide(bool held) {
  if (held)
    lo_ = std::max(lo_, rate_);
  else
    hi_ = hi_ == 0 ? rate_ : std::min(hi_, rate_);
  if (hi_ > 0 && lo_ > 0 && (hi_ - lo_) / lo_ < kCloseEnough) {
    finished_ = true;
    return;
  }
  rate_ = hi_ == 0 ? rate_ * 2 : (lo_ == 0 ? rate_ / 2 : (lo_ + hi_) / 2);
}

}  // namespace convene::bench
