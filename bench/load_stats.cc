#include "load_stats.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace convene::bench {

size_t LatencyHistogram::bucket_of(uint64_t micros) {
  if (micros < kExact) return static_cast<size_t>(micros);
  const int exponent = std::min(63 - std::countl_zero(micros), kMaxExponent - 1);
  if (exponent >= kMaxExponent - 1 && micros >= (uint64_t{1} << kMaxExponent)) return kBuckets - 1;
  const uint64_t sub = (micros >> (exponent - kSubBits)) & (kSub - 1);
  return static_cast<size_t>(kExact + (exponent - kSubBits - 1) * kSub + sub);
}

uint64_t LatencyHistogram::lower(size_t bucket) {
  if (bucket < kExact) return bucket;
  const uint64_t i = bucket - kExact;
  const int exponent = static_cast<int>(i / kSub) + kSubBits + 1;
  return (uint64_t{1} << exponent) + (i % kSub) * (uint64_t{1} << (exponent - kSubBits));
}

uint64_t LatencyHistogram::upper(size_t bucket) {
  if (bucket < kExact) return bucket;
  const int exponent = static_cast<int>((bucket - kExact) / kSub) + kSubBits + 1;
  return lower(bucket) + (uint64_t{1} << (exponent - kSubBits)) - 1;
}

void LatencyHistogram::record(uint64_t micros) {
  ++counts_[bucket_of(micros)];
  ++count_;
  sum_ += micros;
  max_ = std::max(max_, micros);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
}

uint64_t LatencyHistogram::percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const uint64_t rank =
      std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(upper(i), max_);
  }
  return max_;
}

std::vector<std::pair<size_t, uint64_t>> LatencyHistogram::nonzero() const {
  std::vector<std::pair<size_t, uint64_t>> out;
  for (size_t i = 0; i < kBuckets; ++i)
    if (counts_[i]) out.emplace_back(i, counts_[i]);
  return out;
}

LatencySummary LatencySummary::of(const LatencyHistogram& h) {
  const auto ms = [](uint64_t micros) { return static_cast<double>(micros) / 1000.0; };
  return {ms(h.percentile(0.5)),   ms(h.percentile(0.9)), ms(h.percentile(0.99)),
          ms(h.percentile(0.999)), ms(h.max()),           h.count()};
}

// ---- delivery ------------------------------------------------------------------------

void DeliveryChecker::expect_writer(uint64_t replica, uint64_t first_counter) {
  writers_[replica].next = first_counter;
}

void DeliveryChecker::receive(uint64_t seq, uint64_t replica, uint64_t counter, uint64_t span) {
  if (seq <= last_seq_) ++counts_.out_of_order;
  last_seq_ = std::max(last_seq_, seq);
  if (replica == self_) {
    counts_.duplicated += span;
    return;
  }
  const auto it = writers_.find(replica);
  if (it == writers_.end()) {
    counts_.unexpected += span;
    return;
  }
  Writer& w = it->second;
  if (counter == w.next) {
    counts_.received += span;
    w.next += span;
    return;
  }
  if (counter > w.next) {  // a gap: those counters may still come, out of order
    w.gaps.emplace_back(w.next, counter);
    counts_.received += span;
    w.next = counter + span;
    return;
  }
  // Below `next`: a late op filling a gap, or a duplicate.
  const uint64_t end = counter + span;
  for (size_t i = 0; i < w.gaps.size(); ++i) {
    auto [from, to] = w.gaps[i];
    if (counter < from || end > to) continue;
    counts_.received += span;
    w.gaps.erase(w.gaps.begin() + static_cast<std::ptrdiff_t>(i));
    if (from < counter) w.gaps.emplace_back(from, counter);
    if (end < to) w.gaps.emplace_back(end, to);
    return;
  }
  counts_.duplicated += span;
}

DeliveryChecker::Result& DeliveryChecker::Result::operator+=(const Result& other) {
  received += other.received;
  lost += other.lost;
  duplicated += other.duplicated;
  out_of_order += other.out_of_order;
  unexpected += other.unexpected;
  return *this;
}

bool DeliveryChecker::caught_up(const std::unordered_map<uint64_t, uint64_t>& acked) const {
  for (const auto& [replica, last] : acked) {
    if (replica == self_) continue;
    const auto it = writers_.find(replica);
    if (it == writers_.end()) continue;
    if (it->second.next <= last) return false;
    for (const auto& [from, to] : it->second.gaps)
      if (from <= last) return false;
  }
  return true;
}

DeliveryChecker::Result DeliveryChecker::finish(
    const std::unordered_map<uint64_t, uint64_t>& acked) const {
  Result r = counts_;
  for (const auto& [replica, last] : acked) {
    if (replica == self_) continue;
    const auto it = writers_.find(replica);
    if (it == writers_.end()) continue;
    const Writer& w = it->second;
    if (w.next <= last) r.lost += last + 1 - w.next;
    for (const auto& [from, to] : w.gaps)
      if (from <= last) r.lost += std::min(to, last + 1) - from;
  }
  return r;
}

}  // namespace convene::bench
