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
};

// utime + stime in clock ticks from the text of /proc/PID/stat (whose second
// field, the command in parentheses, may itself hold spaces and parentheses).
std::optional<uint64_t> parse_stat_cpu_ticks(const std::string& stat);
// VmRSS in KiB from the text of /proc/PID/status.
std::optional<uint64_t> parse_status_rss_kb(const std::string& status);
// Reads /proc/PID (pid 0: this process); nullopt if it cannot.
std::optional<ProcSample> sample_process(int pid);

// Raises this process's soft RLIMIT_NOFILE to its hard limit; returns the
// soft limit in force afterwards.
uint64_t raise_open_file_limit();

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

}  // namespace convene::bench
