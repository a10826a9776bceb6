// The figures convene-bench load collects: latency histograms and the
// delivery check. Pure logic, no I/O, so it is unit-tested on its own
// (tests/bench/).
//
// Thread safety: none; each bench thread keeps its own and they are merged
// at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

namespace convene::bench {

// Latencies in microseconds, log-linear buckets: exact below 64 µs, then 32
// buckets per power of two (each at most 1/32 ≈ 3% wide), up to 2^40 µs.
// A percentile is the upper edge of the bucket holding that rank, capped at
// the largest value recorded, so it errs high by at most one bucket width.
class LatencyHistogram {
 public:
  static constexpr int kSubBits = 5;
  static constexpr uint64_t kSub = uint64_t{1} << kSubBits;  // 32
  static constexpr uint64_t kExact = 2 * kSub;               // 64: exact below this
  static constexpr int kMaxExponent = 40;
  static constexpr size_t kBuckets = kExact + (kMaxExponent - kSubBits - 1) * kSub;

  void record(uint64_t micros);
  void merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  uint64_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / count_ : 0; }
  // q in [0, 1]; 0 for an empty histogram.
  uint64_t percentile(double q) const;

  // Bucket i holds [lower(i), upper(i)].
  static size_t bucket_of(uint64_t micros);
  static uint64_t lower(size_t bucket);
  static uint64_t upper(size_t bucket);
  // The non-empty buckets as (bucket, count), ascending.
  std::vector<std::pair<size_t, uint64_t>> nonzero() const;

 private:
  std::vector<uint64_t> counts_ = std::vector<uint64_t>(kBuckets, 0);
  uint64_t count_ = 0, sum_ = 0, max_ = 0;
};

// p50, p90, p99, p99.9 and max of a histogram, in milliseconds.
struct LatencySummary {
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
  uint64_t count = 0;
  static LatencySummary of(const LatencyHistogram& h);
};

// What one receiving client got of each writer's ops. A writer's ops carry
// contiguous counters, each op consuming `span` of them, and the server
// relays them in seq order, so a receiver that misses nothing sees every
// writer's counters in order without gaps. Seqs must rise strictly.
//
// At the end, `finish` compares with what each writer had acknowledged:
// counters acknowledged but never received are lost (a counter skipped by a
// gap and never seen later is lost too); a counter received twice is a
// duplicate; a seq not above the previous one is out of order.
class DeliveryChecker {
 public:
  // `self` is this receiver's own replica: the server must never send its
  // own ops back to it (one that comes back counts as a duplicate).
  explicit DeliveryChecker(uint64_t self = 0) : self_(self) {}

  // A writer whose counters start at `first_counter` (usually 1).
  void expect_writer(uint64_t replica, uint64_t first_counter = 1);
  // One op received: its seq, its writer, first counter and span.
  void receive(uint64_t seq, uint64_t replica, uint64_t counter, uint64_t span = 1);
  // True when every writer's counters up to `acked` (replica -> last
  // acknowledged counter) have been received.
  bool caught_up(const std::unordered_map<uint64_t, uint64_t>& acked) const;

  struct Result {
    uint64_t received = 0;      // counters received in order, without gaps
    uint64_t lost = 0;          // acknowledged, never received
    uint64_t duplicated = 0;    // received again (or the receiver's own)
    uint64_t out_of_order = 0;  // seq not above the previous one
    uint64_t unexpected = 0;    // from a replica that is not a known writer
    Result& operator+=(const Result& other);
  };
  Result finish(const std::unordered_map<uint64_t, uint64_t>& acked) const;

  uint64_t last_seq() const { return last_seq_; }

 private:
  struct Writer {
    uint64_t next = 1;  // the next counter expected
    // Counter ranges [from, to) skipped by a gap; removed if they arrive later.
    std::vector<std::pair<uint64_t, uint64_t>> gaps;
  };
  uint64_t self_;
  uint64_t last_seq_ = 0;
  Result counts_;
  std::unordered_map<uint64_t, Writer> writers_;
};

}  // namespace convene::bench
