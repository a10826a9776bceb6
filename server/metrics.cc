#include "metrics.h"

#include <cmath>
#include <cstdio>

namespace convene {
namespace {

void line(std::string& out, const std::string& name, const std::string& help, const char* type,
          double value) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  out += name + " " + buf + "\n";
}

}  // namespace

void Histogram::observe(double seconds) {
  size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(std::llround(seconds * 1e6)),
                        std::memory_order_relaxed);
}

void Histogram::render(const std::string& name, const std::string& help, std::string& out) const {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
  uint64_t cumulative = 0;
  char buf[128];
  for (size_t i = 0; i <= kBuckets.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    if (i < kBuckets.size())
      std::snprintf(buf, sizeof buf, "%s_bucket{le=\"%g\"} %llu\n", name.c_str(), kBuckets[i],
                    static_cast<unsigned long long>(cumulative));
    else
      std::snprintf(buf, sizeof buf, "%s_bucket{le=\"+Inf\"} %llu\n", name.c_str(),
                    static_cast<unsigned long long>(cumulative));
    out += buf;
  }
  std::snprintf(buf, sizeof buf, "%s_sum %.6f\n%s_count %llu\n", name.c_str(),
                sum_micros_.load(std::memory_order_relaxed) / 1e6, name.c_str(),
                static_cast<unsigned long long>(cumulative));
  out += buf;
}

std::string Metrics::render(const std::vector<std::pair<std::string, double>>& extra) const {
  std::string out;
  auto gauge = [&](const char* name, const char* help, double v) {
    line(out, name, help, "gauge", v);
  };
  auto counter = [&](const char* name, const char* help, double v) {
    line(out, name, help, "counter", v);
  };
  gauge("convene_connections", "Open WebSocket connections.", connections.load());
  gauge("convene_rooms_loaded", "Rooms (convenings) loaded in memory.", rooms_loaded.load());
  counter("convene_connections_total", "WebSocket connections accepted.", connections_total.load());
  counter("convene_ops_received_total", "Ops received from clients.", ops_received.load());
  counter("convene_ops_rejected_total",
          "Ops refused (invalid, forbidden, missing dependency, over the rate).",
          ops_rejected.load());
  counter("convene_ops_committed_total", "Ops committed to the log.", ops_committed.load());
  counter("convene_ops_broadcast_total", "Op deliveries queued to other clients.",
          ops_broadcast.load());
  counter("convene_bytes_in_total", "WebSocket payload bytes received.", bytes_in.load());
  counter("convene_bytes_out_total", "WebSocket payload bytes sent.", bytes_out.load());
  counter("convene_commits_total", "Room commits: one room's batch of ops made durable.",
          commits.load());
  counter("convene_log_writes_total",
          "Writes of the op log, each holding the commits of every room ready at the time "
          "(one fsync each).",
          log_writes.load());
  counter("convene_commit_failures_total", "Group commits that failed.", commit_failures.load());
  counter("convene_slow_client_disconnects_total",
          "Clients disconnected because their send queue overflowed.",
          slow_client_disconnects.load());
  counter("convene_frames_written_total", "WebSocket frames written to clients (one write each).",
          frames_written.load());
  counter("convene_frames_merged_total",
          "Messages written inside the frame of another message (a merged Ops frame or a Batch).",
          frames_merged.load());
  counter("convene_rate_limited_total",
          "WebSocket messages refused by a connection's rate limits (messages, ops).",
          rate_limited.load());
  counter("convene_rate_limit_closes_total",
          "WebSocket connections closed (1008) for going on over their rate limits.",
          rate_limit_closes.load());
  counter("convene_quota_refusals_total",
          "Ops refused with ERROR_QUOTA (a member's quota a minute, or a full convening).",
          quota_refusals.load());
  counter("convene_replica_refusals_total",
          "Joins refused for presenting another client's replica without its secret.",
          replica_refusals.load());
  counter("convene_accept_errors_total",
          "Connections the listener could not accept (out of file descriptors, say).",
          accept_errors.load());
  counter("convene_exports_refused_total",
          "Exports refused: over a token's rate, or too many waiting.", exports_refused.load());
  counter("convene_connections_refused_total",
          "WebSocket upgrades refused by the per-address limits (429).",
          connections_refused.load());
  counter("convene_timeouts_total",
          "WebSocket connections closed for sending no Hello in time, or cut off while closing.",
          timeouts.load());
  counter("convene_snapshots_written_total", "Snapshots written.", snapshots_written.load());
  counter("convene_http_requests_total", "HTTP requests served.", http_requests.load());
  commit_latency.render("convene_commit_latency_seconds",
                        "Time from an op's arrival to its durable commit.", out);
  broadcast_latency.render("convene_broadcast_latency_seconds",
                           "Time from durable commit to queued for every peer.", out);
  for (const auto& [name, value] : extra)
    gauge(("convene_store_" + name).c_str(), "RocksDB figure.", value);
  return out;
}

Metrics& metrics() {
  static Metrics m;
  return m;
}

}  // namespace convene
