// Process-wide metrics, rendered in the Prometheus text format at /metrics.
//
// Thread safety: every member is safe to update from any thread (atomics).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace convene {

// A latency histogram with fixed buckets in seconds.
class Histogram {
 public:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  void observe(double seconds);
  void render(const std::string& name, const std::string& help, std::string& out) const;

 private:
  std::array<std::atomic<uint64_t>, kBuckets.size() + 1> counts_{};  // last: +Inf
  std::atomic<uint64_t> sum_micros_{0};
};

struct Metrics {
  std::atomic<int64_t> connections{0};
  std::atomic<int64_t> rooms_loaded{0};
  std::atomic<uint64_t> connections_total{0};
  std::atomic<uint64_t> ops_received{0};
  std::atomic<uint64_t> ops_rejected{0};
  std::atomic<uint64_t> ops_committed{0};
  std::atomic<uint64_t> ops_broadcast{0};  // op deliveries to other clients
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> bytes_out{0};
  std::atomic<uint64_t> commits{0};
  std::atomic<uint64_t> log_writes{0};  // store writes holding commits (GroupCommitter)
  std::atomic<uint64_t> commit_failures{0};
  std::atomic<uint64_t> slow_client_disconnects{0};
  std::atomic<uint64_t> frames_written{0};  // WebSocket frames (writes) to clients
  std::atomic<uint64_t> frames_merged{0};   // messages written in the frame of another
  std::atomic<uint64_t> rate_limited{0};
  std::atomic<uint64_t> rate_limit_closes{0};
  std::atomic<uint64_t> quota_refusals{0};    // ops refused with ERROR_QUOTA
  std::atomic<uint64_t> replica_refusals{0};  // joins with another's replica (no secret)
  std::atomic<uint64_t> accept_errors{0};     // the listener could not accept (EMFILE...)
  std::atomic<uint64_t> exports_refused{0};   // exports over their rate or the queue
  std::atomic<uint64_t> connections_refused{0};
  std::atomic<uint64_t> timeouts{0};
  std::atomic<uint64_t> snapshots_written{0};
  std::atomic<uint64_t> http_requests{0};
  Histogram commit_latency;     // append to the store, submit to durable
  Histogram broadcast_latency;  // durable to handed to every peer's queue

  // Renders everything, plus `extra` gauges (e.g. storage figures).
  std::string render(const std::vector<std::pair<std::string, double>>& extra) const;
};

Metrics& metrics();

}  // namespace convene
