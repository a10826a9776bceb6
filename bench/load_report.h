// convene-bench load: the result of a run and its three forms: one JSON
// object, a readable table, and a self-contained HTML page with SVG charts.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "load_options.h"
#include "load_stats.h"

namespace convene::bench {

struct ServerSample {
  double t_s = 0;      // seconds since the load started
  double cpu_pct = 0;  // of one core
  double rss_mb = 0;
  int open_fds = -1;               // -1: unknown
  std::optional<double> wait_pct;  // its threads runnable but without a core, % of one core
};

// Why an op may have waited in one second of the window: the server's
// commits, and the machine's disk and cores (see MachineSample).
struct StallSample {
  double t_s = 0;
  std::optional<double> commit_p99_le_ms;  // the server's commit latency p99 bucket
  // Some task waited on the disk: an fsync of the server's among them, or
  // another's writes that the fsync had to wait behind.
  std::optional<double> io_some_pct;
};

// The machine over the whole window, in % of its time (pressure stalls).
struct MachineFigures {
  std::optional<double> io_some_pct, io_full_pct, cpu_some_pct;
};

// What a long run (a soak) must show: memory and descriptors that stay put.
struct SoakFigures {
  // RSS at the end against RSS a quarter into the window, when caches and
  // queues have filled: positive is growth.
  std::optional<double> rss_drift_pct;
  // Open descriptors at the end minus at the start of the window.
  std::optional<int> fd_growth;
};
SoakFigures soak_figures(const std::vector<ServerSample>& samples);

// The server's own view of the same window, from /metrics.
struct ServerMetrics {
  double committed_ops_per_sec = 0;
  double broadcast_ops_per_sec = 0;
  double commits_per_sec = 0;
  double commit_latency_mean_ms = 0;    // arrival -> durable
  double commit_latency_p99_le_ms = 0;  // the p99's histogram bucket (upper edge)
  double broadcast_latency_mean_ms = 0;
  std::optional<double> ops_durable_after_100ms;  // arrival -> durable took longer
  uint64_t slow_client_disconnects = 0;
};

// One step of --find-max.
struct FindMaxStep {
  double rate = 0;  // ops per writer per second offered
  double offered_ops_per_sec = 0;
  double committed_ops_per_sec = 0;
  double p99_ms = 0;
  uint64_t lost = 0, duplicated = 0;
  bool sustained = false;
  bool retry = false;  // the same rate again, after a window that missed
  // What else held the step back: the server's commits and the disk.
  std::optional<double> commit_p99_le_ms, io_some_pct;
};

struct LoadResult {
  LoadOptions options;
  uint64_t clients = 0, rooms = 0, writers = 0;
  double duration_s = 0;  // the measured window
  uint64_t submitted_ops = 0, committed_ops = 0, deliveries = 0;
  uint64_t presence_sent = 0, presence_received = 0;
  LatencyHistogram latency, ack_latency, connect;
  uint64_t lost = 0, duplicated = 0, out_of_order = 0, unexpected = 0;
  uint64_t connect_failures = 0, disconnects = 0, server_errors = 0;
  uint64_t welcomes = 0, caught_up = 0;
  std::string first_error;
  std::optional<double> server_cpu_pct, server_rss_mb, server_rss_before_mb, rss_per_connection_kb;
  double bench_cpu_pct = 0;
  // Time the server's and the bench's threads were runnable but had no core
  // (% of one core): on shared cores, latency that is neither's own work.
  std::optional<double> server_wait_pct, bench_wait_pct;
  uint64_t open_file_limit = 0;
  std::vector<double> p99_by_second, committed_by_second, deliveries_by_second;
  std::vector<ServerSample> server_samples;
  std::vector<StallSample> stall_samples;
  MachineFigures machine;
  SoakFigures soak;
  std::optional<ServerMetrics> server_metrics;
  // --exporters: exports answered, refused (429/503) and failed, and how long
  // the answered ones took.
  uint64_t exports = 0, exports_refused = 0, exports_failed = 0;
  LatencyHistogram export_latency;
  std::vector<FindMaxStep> find_max_steps;
  std::optional<double> find_max_ops_per_sec;

  double committed_ops_per_sec() const;
  double deliveries_per_sec() const;
  // The checks that must hold for the run to pass: nothing lost, duplicated
  // or out of order, every client joined and caught up, nobody dropped.
  bool passed() const;
};

nlohmann::json to_json(const LoadResult& r);
std::string to_table(const LoadResult& r);
std::string to_html(const LoadResult& r);

// SVG charts, exposed for tests: a line chart of (x, y) series and a bar
// chart of a latency histogram.
struct Series {
  std::string name, colour;
  std::vector<std::pair<double, double>> points;
  bool right_axis = false;
};
std::string svg_line_chart(const std::string& title, const std::string& x_label,
                           const std::string& left_label, const std::string& right_label,
                           const std::vector<Series>& series);
std::string svg_histogram(const std::string& title, const LatencyHistogram& h);

}  // namespace convene::bench
