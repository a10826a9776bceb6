// convene-bench load: what it reads about the server besides the protocol:
// CPU time and resident memory from /proc, the REST API, and /metrics.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace convene::bench {

// ---- /proc -------------------------------------------------------------------------

struct ProcSample {
  double cpu_seconds = 0;  // user + system time so far
  double rss_mb = 0;       // resident set (VmRSS), MiB
  int open_fds = -1;       // entries of /proc/PID/fd; -1 if unreadable
  // Time its threads have spent runnable but waiting for a core (summed over
  // the threads alive now, from /proc/PID/task/*/schedstat); nullopt if the
  // kernel keeps no schedstats.
  std::optional<double> runqueue_wait_seconds;
};

// utime + stime in clock ticks from the text of /proc/PID/stat (whose second
// field, the command in parentheses, may itself hold spaces and parentheses).
std::optional<uint64_t> parse_stat_cpu_ticks(const std::string& stat);
// VmRSS in KiB from the text of /proc/PID/status.
std::optional<uint64_t> parse_status_rss_kb(const std::string& status);
// The run-queue wait, in ns, from the text of /proc/PID/task/TID/schedstat
// ("time running, time waiting, timeslices").
std::optional<uint64_t> parse_schedstat_wait_ns(const std::string& schedstat);
// Share (% of one core) of `seconds` that the process's threads spent waiting
// for a core between two samples; nullopt if either lacks the figure.
std::optional<double> runqueue_wait_pct(const ProcSample& before, const ProcSample& after,
                                        double seconds);
// Reads /proc/PID (pid 0: this process); nullopt if it cannot.
std::optional<ProcSample> sample_process(int pid);

// Raises this process's soft RLIMIT_NOFILE to its hard limit; returns the
// soft limit in force afterwards.
uint64_t raise_open_file_limit();

// ---- the machine ---------------------------------------------------------------------

// Pressure stall information (/proc/pressure/*, Linux 4.20 and later): the
// microseconds so far in which some, or all, of the machine's non-idle tasks
// were waiting for a resource. On a shared machine these say whether a slow
// second was the disk's or the cores', not the server's.
struct PressureTotals {
  uint64_t some_us = 0;
  std::optional<uint64_t> full_us;  // absent for the CPU before Linux 5.13
};
std::optional<PressureTotals> parse_pressure(const std::string& text);
// /proc/pressure/<resource> ("io", "cpu"); nullopt where the kernel has none.
std::optional<PressureTotals> sample_pressure(const std::string& resource);

struct MachineSample {
  std::optional<PressureTotals> io, cpu;
};
MachineSample sample_machine();

// Share (%) of `seconds` spent stalled between two samples, for "some" or
// "full"; nullopt when either sample lacks it.
std::optional<double> stalled_pct(const std::optional<PressureTotals>& before,
                                  const std::optional<PressureTotals>& after, double seconds,
                                  bool full);

// ---- HTTP ----------------------------------------------------------------------------

struct HttpResult {
  int status = 0;  // 0: no answer (error says why)
  std::string body, error;
};

// One request on a fresh connection, with a deadline.
HttpResult http_call(const std::string& host, uint16_t port, const std::string& method,
                     const std::string& target, const std::string& body = {},
                     const std::string& bearer_token = {});

// The unlabelled samples and histogram buckets of a Prometheus text page:
// `name` or `name{le="0.005"}` -> value.
std::map<std::string, double> parse_prometheus(const std::string& text);
using MetricsPage = std::map<std::string, double>;

// How much sample `name` grew from one page to the next (a missing sample
// counts as 0).
double page_delta(const MetricsPage& before, const MetricsPage& after, const std::string& name);
// Of the observations histogram `name` made between two pages: the upper
// edge, in ms, of the smallest bucket holding 99% of them (nullopt if there
// were none, infinity if only +Inf holds them).
std::optional<double> histogram_p99_le_ms(const MetricsPage& before, const MetricsPage& after,
                                          const std::string& name);
// How many of them were slower than the bucket edge `le` (as the page spells
// it, e.g. "0.1"); nullopt if the page has no such bucket.
std::optional<double> histogram_count_above(const MetricsPage& before, const MetricsPage& after,
                                            const std::string& name, const std::string& le);

}  // namespace convene::bench
