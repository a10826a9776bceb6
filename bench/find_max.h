// The rate search of `convene-bench load --find-max`, without the
// measuring: it says which rate to try next, and is told how each window
// at that rate went.
//
// It doubles the rate while windows hold, halves it until one does, then
// bisects between the highest rate that held and the lowest that failed,
// until they are within a tenth of each other. A window that misses only
// its latency or throughput bar is measured once more at the same rate
// before the rate counts as failed: on a shared machine one stalled second
// (an fsync behind another's writes) is enough to lift an 8 s window's p99,
// and a search that believed it would spend every later step below that
// rate. A window that lost or duplicated an op, or lost clients, is never
// retried: that is a failure of the server, not of the moment.
#pragma once

#include <optional>

namespace convene::bench {

class FindMaxSearch {
 public:
  enum class Outcome {
    kHeld,    // p99, throughput and delivery all within bounds
    kMissed,  // p99 over the limit, or too little committed
    kBroken,  // something lost, duplicated or disconnected
  };

  FindMaxSearch(double start_rate, int max_windows);

  // The rate to measure next, or nothing when the search is over.
  std::optional<double> next() const;
  // How the window at next() went. Returns true when that rate now counts
  // as sustained; a first kMissed leaves it undecided (next() repeats it).
  bool record(Outcome outcome);

  // The highest rate that held, 0 if none.
  double best_rate() const { return lo_; }
  // The last recorded window was a repeat of a missed one.
  bool last_was_retry() const { return last_was_retry_; }

 private:
  void decide(bool held);

  double rate_;
  int windows_left_;
  double lo_ = 0, hi_ = 0;
  bool retrying_ = false, last_was_retry_ = false, finished_ = false;
};

}  // namespace convene::bench
