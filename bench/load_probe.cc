#include "load_probe.h"

#include <sys/resource.h>
#include <unistd.h>

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including
// <utility>; GCC 12 in C++20 mode needs it included first.
// clang-format off
#include <utility>
// clang-format on

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <vector>

namespace convene::bench {

namespace {

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::optional<uint64_t> parse_stat_cpu_ticks(const std::string& stat) {
  // Fields after the command: state(3) ppid pgrp session tty_nr tpgid flags
  // minflt cminflt majflt cmajflt utime(14) stime(15).
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream in(stat.substr(close + 1));
  std::vector<std::string> fields;
  std::string field;
  while (fields.size() < 13 && in >> field) fields.push_back(field);
  if (fields.size() < 13) return std::nullopt;
  uint64_t utime = 0, stime = 0;
  for (auto [text, out] : {std::pair{&fields[11], &utime}, std::pair{&fields[12], &stime}}) {
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), *out);
    if (ec != std::errc() || end != text->data() + text->size()) return std::nullopt;
  }
  return utime + stime;
}

std::optional<uint64_t> parse_status_rss_kb(const std::string& status) {
  std::istringstream in(status);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    uint64_t kb = 0;
    std::string unit;
    if (fields >> kb >> unit && unit == "kB") return kb;
    return std::nullopt;
  }
  return std::nullopt;
}

// Open file descriptors: the entries of /proc/PID/fd (readable for our own
// processes and as root).
int count_open_fds(const std::string& fd_dir) {
  std::error_code ec;
  int count = 0;
  for (std::filesystem::directory_iterator it(fd_dir, ec), end; !ec && it != end; it.increment(ec))
    ++count;
  return ec ? -1 : count;
}

std::optional<uint64_t> parse_schedstat_wait_ns(const std::string& schedstat) {
  std::istringstream in(schedstat);
  uint64_t running = 0, waiting = 0;
  if (!(in >> running >> waiting)) return std::nullopt;
  return waiting;
}

// Summed over the process's threads.
std::optional<double> runqueue_wait_seconds(const std::string& task_dir) {
  std::error_code ec;
  uint64_t total_ns = 0;
  bool any = false;
  for (std::filesystem::directory_iterator it(task_dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    const auto text = read_text(it->path().string() + "/schedstat");
    if (!text) continue;  // the thread has just ended
    if (const auto ns = parse_schedstat_wait_ns(*text)) {
      total_ns += *ns;
      any = true;
    }
  }
  if (ec || !any) return std::nullopt;
  return static_cast<double>(total_ns) / 1e9;
}

std::optional<double> runqueue_wait_pct(const ProcSample& before, const ProcSample& after,
                                        double seconds) {
  if (!before.runqueue_wait_seconds || !after.runqueue_wait_seconds || seconds <= 0)
    return std::nullopt;
  // A thread that ended takes its count along: never below zero.
  return std::max(0.0,
                  100.0 * (*after.runqueue_wait_seconds - *before.runqueue_wait_seconds) / seconds);
}

std::optional<ProcSample> sample_process(int pid) {
  const std::string dir = pid == 0 ? "/proc/self" : "/proc/" + std::to_string(pid);
  const auto stat = read_text(dir + "/stat");
  const auto status = read_text(dir + "/status");
  if (!stat || !status) return std::nullopt;
  const auto ticks = parse_stat_cpu_ticks(*stat);
  const auto rss = parse_status_rss_kb(*status);
  if (!ticks || !rss) return std::nullopt;
  static const double ticks_per_second = static_cast<double>(sysconf(_SC_CLK_TCK));
  return ProcSample{static_cast<double>(*ticks) / ticks_per_second,
                    static_cast<double>(*rss) / 1024.0, count_open_fds(dir + "/fd"),
                    runqueue_wait_seconds(dir + "/task")};
}

uint64_t raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

std::optional<PressureTotals> parse_pressure(const std::string& text) {
  // Lines: "some avg10=0.00 avg60=0.00 avg300=0.00 total=12345", then "full ...".
  PressureTotals out;
  bool some = false;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string kind, field;
    fields >> kind;
    if (kind != "some" && kind != "full") continue;
    while (fields >> field) {
      if (field.rfind("total=", 0) != 0) continue;
      uint64_t total = 0;
      const char* begin = field.data() + 6;
      const char* end = field.data() + field.size();
      auto [stop, ec] = std::from_chars(begin, end, total);
      if (ec != std::errc() || stop != end) return std::nullopt;
      if (kind == "some") {
        out.some_us = total;
        some = true;
      } else {
        out.full_us = total;
      }
    }
  }
  if (!some) return std::nullopt;
  return out;
}

std::optional<PressureTotals> sample_pressure(const std::string& resource) {
  const auto text = read_text("/proc/pressure/" + resource);
  if (!text) return std::nullopt;
  return parse_pressure(*text);
}

MachineSample sample_machine() {
  return {sample_pressure("io"), sample_pressure("cpu")};
}

std::optional<double> stalled_pct(const std::optional<PressureTotals>& before,
                                  const std::optional<PressureTotals>& after, double seconds,
                                  bool full) {
  if (!before || !after || seconds <= 0) return std::nullopt;
  const std::optional<uint64_t> a = full ? before->full_us : before->some_us;
  const std::optional<uint64_t> b = full ? after->full_us : after->some_us;
  if (!a || !b || *b < *a) return std::nullopt;
  return std::min(100.0, 100.0 * static_cast<double>(*b - *a) / 1e6 / seconds);
}

HttpResult http_call(const std::string& host, uint16_t port, const std::string& method,
                     const std::string& target, const std::string& body,
                     const std::string& bearer_token) {
  namespace net = boost::asio;
  namespace beast = boost::beast;
  namespace http = beast::http;
  HttpResult result;
  try {
    net::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(net::ip::tcp::endpoint(net::ip::make_address(host), port));
    http::request<http::string_body> req(http::string_to_verb(method), target, 11);
    req.set(http::field::host, host + ":" + std::to_string(port));
    req.set(http::field::user_agent, "convene-bench");
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    if (!bearer_token.empty()) req.set(http::field::authorization, "Bearer " + bearer_token);
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    result.status = static_cast<int>(res.result_int());
    result.body = std::move(res.body());
    beast::error_code ignored;
    stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  } catch (const std::exception& e) {
    result.error = e.what();
  }
  return result;
}

std::map<std::string, double> parse_prometheus(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    if (space == std::string::npos || space == 0) continue;
    const std::string value = line.substr(space + 1);
    double v = 0;
    if (value == "+Inf") {
      v = std::numeric_limits<double>::infinity();
    } else {
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (ec != std::errc() || end != value.data() + value.size()) continue;
    }
    out[line.substr(0, space)] = v;
  }
  return out;
}

double page_delta(const MetricsPage& before, const MetricsPage& after, const std::string& name) {
  const auto a = after.find(name), b = before.find(name);
  return (a == after.end() ? 0 : a->second) - (b == before.end() ? 0 : b->second);
}

std::optional<double> histogram_p99_le_ms(const MetricsPage& before, const MetricsPage& after,
                                          const std::string& name) {
  const double count = page_delta(before, after, name + "_count");
  if (count <= 0) return std::nullopt;
  const std::string prefix = name + "_bucket{le=\"";
  double le_ms = std::numeric_limits<double>::infinity();
  for (const auto& [key, value] : after) {
    if (key.rfind(prefix, 0) != 0) continue;
    const std::string le = key.substr(prefix.size(), key.size() - prefix.size() - 2);
    if (le == "+Inf") continue;
    if (page_delta(before, after, key) >= 0.99 * count)
      le_ms = std::min(le_ms, 1000 * std::stod(le));
  }
  return le_ms;
}

std::optional<double> histogram_count_above(const MetricsPage& before, const MetricsPage& after,
                                            const std::string& name, const std::string& le) {
  const std::string bucket = name + "_bucket{le=\"" + le + "\"}";
  if (!after.count(bucket)) return std::nullopt;
  return page_delta(before, after, name + "_count") - page_delta(before, after, bucket);
}

}  // namespace convene::bench
