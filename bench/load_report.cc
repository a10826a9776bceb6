#include "load_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "bench_util.h"

namespace convene::bench {

double LoadResult::committed_ops_per_sec() const {
  return duration_s > 0 ? static_cast<double>(committed_ops) / duration_s : 0;
}

double LoadResult::deliveries_per_sec() const {
  return duration_s > 0 ? static_cast<double>(deliveries) / duration_s : 0;
}

bool LoadResult::passed() const {
  return lost == 0 && duplicated == 0 && out_of_order == 0 && unexpected == 0 &&
         connect_failures == 0 && disconnects == 0 && server_errors == 0 && welcomes == clients &&
         caught_up == clients;
}

namespace {

nlohmann::json latency_json(const LatencyHistogram& h, bool short_form = false) {
  const LatencySummary s = LatencySummary::of(h);
  if (short_form)
    return {{"p50", round_to(s.p50, 2)},
            {"p99", round_to(s.p99, 2)},
            {"max", round_to(s.max, 2)},
            {"count", s.count}};
  return {{"p50", round_to(s.p50, 2)},   {"p90", round_to(s.p90, 2)}, {"p99", round_to(s.p99, 2)},
          {"p999", round_to(s.p999, 2)}, {"max", round_to(s.max, 2)}, {"count", s.count}};
}

nlohmann::json optional_number(const std::optional<double>& v, int digits = 1) {
  return v ? nlohmann::json(round_to(*v, digits)) : nlohmann::json(nullptr);
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string maybe(const std::optional<double>& v, int digits, const char* unit) {
  return v ? fixed(*v, digits) + unit : "n/a (no --server-pid)";
}

std::string escape_html(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A round step for about five grid lines up to `max`.
double nice_step(double max) {
  if (max <= 0) return 1;
  const double raw = max / 5;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (raw <= m * magnitude) return m * magnitude;
  return 10 * magnitude;
}

std::string label_number(double v) {
  if (std::fabs(v) >= 1e6) return fixed(v / 1e6, v >= 1e7 ? 0 : 1) + "M";
  if (std::fabs(v) >= 1e4) return fixed(v / 1e3, 0) + "k";
  if (std::fabs(v - std::round(v)) < 1e-9) return fixed(v, 0);
  return fixed(v, std::fabs(v) < 1 ? 2 : 1);
}

// The machine's pressure stalls over the window, or why they are unknown.
std::string stall_text(const MachineFigures& m) {
  if (!m.io_some_pct && !m.cpu_some_pct) return "n/a (no /proc/pressure on this kernel)";
  std::string out;
  if (m.io_some_pct)
    out += "disk: some " + fixed(*m.io_some_pct, 1) + " %" +
           (m.io_full_pct ? ", all " + fixed(*m.io_full_pct, 1) + " %" : "");
  if (m.cpu_some_pct)
    out += std::string(out.empty() ? "" : "; ") + "cores: some " + fixed(*m.cpu_some_pct, 1) + " %";
  return out + " of the time";
}

constexpr double kWidth = 760, kHeight = 280;
constexpr double kLeft = 64, kRight = 64, kTop = 48, kBottom = 44;

// The window second by second, as the report's charts draw it, so that a
// tool can tell a steady p99 from one made by a few bad seconds. Samples
// carry their own times: /proc and /metrics are read on their own clock.
nlohmann::json per_second_json(const LoadResult& r) {
  const auto rounded = [](const std::vector<double>& values, int digits) {
    nlohmann::json a = nlohmann::json::array();
    for (double v : values) a.push_back(round_to(v, digits));
    return a;
  };
  nlohmann::json server = nlohmann::json::array();
  for (const ServerSample& s : r.server_samples)
    server.push_back({{"t_s", round_to(s.t_s, 2)},
                      {"cpu_pct", round_to(s.cpu_pct, 1)},
                      {"rss_mb", round_to(s.rss_mb, 1)},
                      {"wait_pct", optional_number(s.wait_pct)}});
  nlohmann::json stalls = nlohmann::json::array();
  for (const StallSample& s : r.stall_samples)
    stalls.push_back({{"t_s", round_to(s.t_s, 2)},
                      {"commit_p99_le_ms", optional_number(s.commit_p99_le_ms)},
                      {"io_some_pct", optional_number(s.io_some_pct)}});
  return {{"committed", rounded(r.committed_by_second, 0)},
          {"deliveries", rounded(r.deliveries_by_second, 0)},
          {"p99_ms", rounded(r.p99_by_second, 2)},
          {"server", server},
          {"stalls", stalls}};
}

}  // namespace

nlohmann::json to_json(const LoadResult& r) {
  const LoadOptions& o = r.options;
  nlohmann::json j = {
      {"scenario", o.scenario},
      {"server", o.server},
      {"clients", r.clients},
      {"rooms", r.rooms},
      {"writers", r.writers},
      {"duration_s", round_to(r.duration_s, 2)},
      {"rate", o.rate},
      {"mix", mix_name(o.mix)},
      {"presence_rate", o.presence_hz},
      {"history", o.history},
      {"submitted_ops", r.submitted_ops},
      {"committed_ops", r.committed_ops},
      {"committed_ops_per_sec", round_to(r.committed_ops_per_sec(), 1)},
      {"deliveries", r.deliveries},
      {"deliveries_per_sec", round_to(r.deliveries_per_sec(), 1)},
      {"latency_ms", latency_json(r.latency)},
      {"ack_latency_ms", latency_json(r.ack_latency)},
      {"connect_ms", latency_json(r.connect, true)},
      {"lost", r.lost},
      {"duplicated", r.duplicated},
      {"out_of_order", r.out_of_order},
      {"unexpected", r.unexpected},
      {"welcomes", r.welcomes},
      {"caught_up", r.caught_up},
      {"connect_failures", r.connect_failures},
      {"disconnects", r.disconnects},
      {"server_errors", r.server_errors},
      {"presence_sent", r.presence_sent},
      {"presence_received", r.presence_received},
      {"server_cpu_pct", optional_number(r.server_cpu_pct)},
      {"server_rss_mb", optional_number(r.server_rss_mb)},
      {"server_rss_before_mb", optional_number(r.server_rss_before_mb)},
      {"rss_per_connection_kb", optional_number(r.rss_per_connection_kb, 2)},
      {"server_rss_drift_pct", optional_number(r.soak.rss_drift_pct, 2)},
      {"server_fd_growth", r.soak.fd_growth ? nlohmann::json(*r.soak.fd_growth) : nlohmann::json()},
      {"bench_cpu_pct", round_to(r.bench_cpu_pct, 1)},
      {"server_cpu_wait_pct", optional_number(r.server_wait_pct)},
      {"bench_cpu_wait_pct", optional_number(r.bench_wait_pct)},
      {"machine",
       {{"io_some_pct", optional_number(r.machine.io_some_pct)},
        {"io_full_pct", optional_number(r.machine.io_full_pct)},
        {"cpu_some_pct", optional_number(r.machine.cpu_some_pct)}}},
      {"open_file_limit", r.open_file_limit},
      {"passed", r.passed()},
  };
  if (!r.first_error.empty()) j["first_error"] = r.first_error;
  if (o.exporters > 0)
    j["exports"] = {{"exporters", o.exporters},
                    {"answered", r.exports},
                    {"refused", r.exports_refused},
                    {"failed", r.exports_failed},
                    {"latency_ms", latency_json(r.export_latency)}};
  if (r.server_metrics) {
    const ServerMetrics& m = *r.server_metrics;
    j["server_metrics"] = {
        {"committed_ops_per_sec", round_to(m.committed_ops_per_sec, 1)},
        {"broadcast_ops_per_sec", round_to(m.broadcast_ops_per_sec, 1)},
        {"commits_per_sec", round_to(m.commits_per_sec, 1)},
        {"commit_latency_mean_ms", round_to(m.commit_latency_mean_ms, 3)},
        {"commit_latency_p99_le_ms", round_to(m.commit_latency_p99_le_ms, 3)},
        {"broadcast_latency_mean_ms", round_to(m.broadcast_latency_mean_ms, 3)},
        {"ops_durable_after_100ms", optional_number(m.ops_durable_after_100ms, 0)},
        {"slow_client_disconnects", m.slow_client_disconnects},
    };
  } else {
    j["server_metrics"] = nullptr;
  }
  if (o.find_max) {
    nlohmann::json steps = nlohmann::json::array();
    for (const FindMaxStep& s : r.find_max_steps)
      steps.push_back({{"rate", round_to(s.rate, 2)},
                       {"offered_ops_per_sec", round_to(s.offered_ops_per_sec, 1)},
                       {"committed_ops_per_sec", round_to(s.committed_ops_per_sec, 1)},
                       {"p99_ms", round_to(s.p99_ms, 2)},
                       {"lost", s.lost},
                       {"duplicated", s.duplicated},
                       {"sustained", s.sustained},
                       {"retry", s.retry},
                       {"commit_p99_le_ms", optional_number(s.commit_p99_le_ms, 1)},
                       {"io_some_pct", optional_number(s.io_some_pct)}});
    j["find_max"] = {{"p99_limit_ms", o.find_max_p99_ms},
                     {"steps", steps},
                     {"max_committed_ops_per_sec", optional_number(r.find_max_ops_per_sec)}};
  }
  j["per_second"] = per_second_json(r);
  return j;
}

std::string to_table(const LoadResult& r) {
  std::ostringstream out;
  const auto row = [&](const std::string& name, const std::string& value) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "  %-26s %s\n", name.c_str(), value.c_str());
    out << buf;
  };
  const auto lat = [](const LatencyHistogram& h) {
    const LatencySummary s = LatencySummary::of(h);
    return "p50 " + fixed(s.p50, 2) + "  p90 " + fixed(s.p90, 2) + "  p99 " + fixed(s.p99, 2) +
           "  p99.9 " + fixed(s.p999, 2) + "  max " + fixed(s.max, 2) + " ms";
  };
  const LoadOptions& o = r.options;
  out << "convene-bench load: " << o.scenario << " against " << o.server << "\n";
  row("clients / rooms / writers", std::to_string(r.clients) + " / " + std::to_string(r.rooms) +
                                       " / " + std::to_string(r.writers));
  row("measured for", fixed(r.duration_s, 1) + " s");
  row("offered", fixed(o.rate, 1) + " ops/s per writer, mix " + mix_name(o.mix) + ", presence " +
                     fixed(o.presence_hz, 1) + " Hz");
  row("committed ops/s", fixed(r.committed_ops_per_sec(), 1) + "  (" +
                             std::to_string(r.committed_ops) + " of " +
                             std::to_string(r.submitted_ops) + " submitted)");
  row("deliveries/s", fixed(r.deliveries_per_sec(), 1));
  row("submit -> receive", lat(r.latency));
  row("submit -> ack", lat(r.ack_latency));
  if (o.exporters > 0)
    row("exports beside the load",
        std::to_string(r.exports) + " answered, " + std::to_string(r.exports_refused) +
            " refused, " + std::to_string(r.exports_failed) + " failed; " + lat(r.export_latency));
  const LatencySummary c = LatencySummary::of(r.connect);
  row("connect -> welcome",
      "p50 " + fixed(c.p50, 2) + "  p99 " + fixed(c.p99, 2) + "  max " + fixed(c.max, 2) + " ms");
  row("welcomes / caught up", std::to_string(r.welcomes) + " / " + std::to_string(r.caught_up) +
                                  " of " + std::to_string(r.clients));
  row("lost / duplicated", std::to_string(r.lost) + " / " + std::to_string(r.duplicated));
  row("out of order / unexpected",
      std::to_string(r.out_of_order) + " / " + std::to_string(r.unexpected));
  row("connect failures / drops",
      std::to_string(r.connect_failures) + " / " + std::to_string(r.disconnects));
  row("server errors", std::to_string(r.server_errors));
  row("server CPU", maybe(r.server_cpu_pct, 1, " % of one core"));
  row("server RSS", maybe(r.server_rss_mb, 1, " MiB"));
  row("RSS per connection", maybe(r.rss_per_connection_kb, 2, " KiB"));
  row("RSS drift", maybe(r.soak.rss_drift_pct, 2, " % (end against a quarter in)"));
  row("open files growth",
      r.soak.fd_growth ? std::to_string(*r.soak.fd_growth) + " descriptors" : "—");
  row("bench CPU", fixed(r.bench_cpu_pct, 1) + " % of one core");
  row("waited for a core", "server " + maybe(r.server_wait_pct, 1, " %") + ", bench " +
                               (r.bench_wait_pct ? fixed(*r.bench_wait_pct, 1) + " %" : "n/a") +
                               " of one core");
  row("machine stalled", stall_text(r.machine));
  if (r.server_metrics) {
    const ServerMetrics& m = *r.server_metrics;
    row("/metrics: committed ops/s", fixed(m.committed_ops_per_sec, 1));
    row("/metrics: commit latency",
        "mean " + fixed(m.commit_latency_mean_ms, 2) +
            " ms, p99 <= " + fixed(m.commit_latency_p99_le_ms, 1) + " ms" +
            (m.ops_durable_after_100ms
                 ? ", " + fixed(*m.ops_durable_after_100ms, 0) + " ops over 100 ms"
                 : ""));
  }
  if (o.find_max) {
    for (const FindMaxStep& s : r.find_max_steps)
      row(s.retry ? "find-max step, again" : "find-max step",
          fixed(s.rate, 1) + " ops/s/writer: " + fixed(s.committed_ops_per_sec, 0) +
              " committed/s, p99 " + fixed(s.p99_ms, 1) + " ms, lost " + std::to_string(s.lost) +
              (s.sustained ? "  ok" : "  over") +
              (s.commit_p99_le_ms
                   ? "  (commit p99 <= " + fixed(*s.commit_p99_le_ms, 1) + " ms" +
                         (s.io_some_pct ? ", disk waits " + fixed(*s.io_some_pct, 1) + " %" : "") +
                         ")"
                   : ""));
    row("find-max result", r.find_max_ops_per_sec
                               ? fixed(*r.find_max_ops_per_sec, 0) + " committed ops/s"
                               : "none sustained");
  }
  if (!r.first_error.empty()) row("first error", r.first_error);
  row("result", r.passed() ? "PASS" : "FAIL");
  return out.str();
}

std::string svg_line_chart(const std::string& title, const std::string& x_label,
                           const std::string& left_label, const std::string& right_label,
                           const std::vector<Series>& series) {
  double max_x = 1, max_left = 0, max_right = 0;
  for (const Series& s : series)
    for (const auto& [x, y] : s.points) {
      max_x = std::max(max_x, x);
      (s.right_axis ? max_right : max_left) = std::max(s.right_axis ? max_right : max_left, y);
    }
  const double step_l = nice_step(max_left), step_r = nice_step(max_right);
  const double top_l = std::max(step_l, std::ceil(max_left / step_l) * step_l);
  const double top_r = std::max(step_r, std::ceil(max_right / step_r) * step_r);
  // The legend runs under the title, in as many rows as it needs; the plot
  // starts below it.
  constexpr double kLegendRow = 14;
  const bool has_right =
      std::any_of(series.begin(), series.end(), [](const Series& s) { return s.right_axis; });
  std::vector<std::pair<double, double>> legend_at;  // x, y of each series' entry
  for (double x = kLeft, y = 27; const Series& s : series) {
    const double w = 24 + 6.5 * static_cast<double>(s.name.size() + (has_right ? 8 : 0));
    if (x > kLeft && x + w > kWidth - kRight) {
      x = kLeft;
      y += kLegendRow;
    }
    legend_at.emplace_back(x, y);
    x += w;
  }
  const double extra = legend_at.empty() ? 0 : legend_at.back().second - 27;
  const double top = kTop + extra, height = kHeight + extra;
  const double plot_w = kWidth - kLeft - kRight, plot_h = height - top - kBottom;
  const auto px = [&](double x) { return kLeft + x / max_x * plot_w; };
  const auto py = [&](double y, bool right) {
    return top + plot_h - y / (right ? top_r : top_l) * plot_h;
  };

  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << height
      << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  svg << "<text x=\"" << kLeft << "\" y=\"16\" font-size=\"13\" font-weight=\"bold\">"
      << escape_html(title) << "</text>\n";
  for (double y = 0; y <= top_l + 1e-9; y += step_l) {
    svg << "<line x1=\"" << kLeft << "\" x2=\"" << kLeft + plot_w << "\" y1=\"" << py(y, false)
        << "\" y2=\"" << py(y, false) << "\" stroke=\"#ddd\"/>";
    svg << "<text x=\"" << kLeft - 6 << "\" y=\"" << py(y, false) + 4 << "\" text-anchor=\"end\">"
        << label_number(y) << "</text>\n";
  }
  if (has_right)
    for (double y = 0; y <= top_r + 1e-9; y += step_r)
      svg << "<text x=\"" << kLeft + plot_w + 6 << "\" y=\"" << py(y, true) + 4 << "\">"
          << label_number(y) << "</text>\n";
  const double step_x = nice_step(max_x);
  for (double x = 0; x <= max_x + 1e-9; x += step_x)
    svg << "<text x=\"" << px(x) << "\" y=\"" << top + plot_h + 16 << "\" text-anchor=\"middle\">"
        << label_number(x) << "</text>\n";
  svg << "<text x=\"" << kLeft + plot_w / 2 << "\" y=\"" << height - 6
      << "\" text-anchor=\"middle\">" << escape_html(x_label) << "</text>\n";
  svg << "<text transform=\"translate(14," << top + plot_h / 2
      << ") rotate(-90)\" text-anchor=\"middle\">" << escape_html(left_label) << "</text>\n";
  if (has_right)
    svg << "<text transform=\"translate(" << kWidth - 10 << "," << top + plot_h / 2
        << ") rotate(90)\" text-anchor=\"middle\">" << escape_html(right_label) << "</text>\n";
  svg << "<rect x=\"" << kLeft << "\" y=\"" << top << "\" width=\"" << plot_w << "\" height=\""
      << plot_h << "\" fill=\"none\" stroke=\"#888\"/>\n";
  for (size_t i = 0; i < series.size(); ++i) {
    const Series& s = series[i];
    const auto [lx, ly] = legend_at[i];
    svg << "<polyline fill=\"none\" stroke-width=\"2\" stroke=\"" << s.colour << "\" points=\"";
    for (const auto& [x, y] : s.points) svg << px(x) << "," << py(y, s.right_axis) << " ";
    svg << "\"/>\n";
    svg << "<rect x=\"" << lx << "\" y=\"" << ly << "\" width=\"12\" height=\"4\" fill=\""
        << s.colour << "\"/><text x=\"" << lx + 16 << "\" y=\"" << ly + 6 << "\">"
        << escape_html(s.name) << (has_right ? (s.right_axis ? " (right)" : " (left)") : "")
        << "</text>\n";
  }
  svg << "</svg>\n";
  return svg.str();
}

// Bars on a logarithmic time axis, ten bins per decade, as a share of all
// samples; dashed lines mark p50 and p99.
std::string svg_histogram(const std::string& title, const LatencyHistogram& h) {
  constexpr double kBinsPerDecade = 10, kFloorMs = 0.01;
  std::map<int, uint64_t> bins;
  for (const auto& [bucket, count] : h.nonzero()) {
    const double mid_ms =
        (LatencyHistogram::lower(bucket) + LatencyHistogram::upper(bucket)) / 2000.0;
    const int bin = static_cast<int>(
        std::floor(kBinsPerDecade * std::log10(std::max(mid_ms, kFloorMs) / kFloorMs)));
    bins[bin] += count;
  }
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << kHeight
      << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  svg << "<text x=\"" << kLeft << "\" y=\"16\" font-size=\"13\" font-weight=\"bold\">"
      << escape_html(title) << "</text>\n";
  svg << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << plot_w << "\" height=\""
      << plot_h << "\" fill=\"none\" stroke=\"#888\"/>\n";
  if (bins.empty() || h.count() == 0) {
    svg << "<text x=\"" << kLeft + 10 << "\" y=\"" << kTop + 20 << "\">no samples</text></svg>\n";
    return svg.str();
  }
  const int first = std::min(bins.begin()->first, 0);
  const int last = std::max(bins.rbegin()->first + 1, first + 30);
  const double bin_w = plot_w / (last - first);
  uint64_t most = 0;
  for (const auto& [bin, count] : bins) most = std::max(most, count);
  const double top_share = static_cast<double>(most) / static_cast<double>(h.count());
  const double step = nice_step(top_share * 100);
  const double top = std::max(step, std::ceil(top_share * 100 / step) * step);
  for (double y = 0; y <= top + 1e-9; y += step) {
    const double py = kTop + plot_h - y / top * plot_h;
    svg << "<line x1=\"" << kLeft << "\" x2=\"" << kLeft + plot_w << "\" y1=\"" << py << "\" y2=\""
        << py << "\" stroke=\"#eee\"/><text x=\"" << kLeft - 6 << "\" y=\"" << py + 4
        << "\" text-anchor=\"end\">" << label_number(y) << "%</text>\n";
  }
  for (const auto& [bin, count] : bins) {
    const double share = 100.0 * static_cast<double>(count) / static_cast<double>(h.count());
    const double height = share / top * plot_h;
    svg << "<rect x=\"" << kLeft + (bin - first) * bin_w << "\" y=\"" << kTop + plot_h - height
        << "\" width=\"" << std::max(1.0, bin_w - 1) << "\" height=\"" << height
        << "\" fill=\"#3b6fb6\"/>\n";
  }
  const auto x_of_ms = [&](double ms) {
    return kLeft + (kBinsPerDecade * std::log10(std::max(ms, kFloorMs) / kFloorMs) - first) * bin_w;
  };
  for (int decade = 0; decade * kBinsPerDecade <= last; ++decade) {
    const double ms = kFloorMs * std::pow(10.0, decade);
    if (decade * kBinsPerDecade < first) continue;
    svg << "<text x=\"" << x_of_ms(ms) << "\" y=\"" << kTop + plot_h + 16
        << "\" text-anchor=\"middle\">" << label_number(ms) << "</text>\n";
  }
  const LatencySummary s = LatencySummary::of(h);
  for (const auto& [name, ms] : {std::pair{"p50", s.p50}, std::pair{"p99", s.p99}}) {
    const double x = x_of_ms(ms);
    svg << "<line x1=\"" << x << "\" x2=\"" << x << "\" y1=\"" << kTop << "\" y2=\""
        << kTop + plot_h << "\" stroke=\"#c33\" stroke-dasharray=\"4 3\"/><text x=\"" << x + 3
        << "\" y=\"" << kTop + 12 << "\" fill=\"#c33\">" << name << " " << fixed(ms, 2)
        << " ms</text>\n";
  }
  svg << "<text x=\"" << kLeft + plot_w / 2 << "\" y=\"" << kHeight - 6
      << "\" text-anchor=\"middle\">milliseconds (log scale)</text>\n</svg>\n";
  return svg.str();
}

std::string to_html(const LoadResult& r) {
  std::vector<std::pair<double, double>> committed, deliveries, p99;
  for (size_t i = 0; i < r.committed_by_second.size(); ++i) {
    committed.emplace_back(static_cast<double>(i) + 1, r.committed_by_second[i]);
    deliveries.emplace_back(static_cast<double>(i) + 1, r.deliveries_by_second[i]);
    p99.emplace_back(static_cast<double>(i) + 1, r.p99_by_second[i]);
  }
  std::vector<std::pair<double, double>> cpu, rss;
  for (const ServerSample& s : r.server_samples) {
    cpu.emplace_back(s.t_s, s.cpu_pct);
    rss.emplace_back(s.t_s, s.rss_mb);
  }
  // A commit slower than the last bucket (2.5 s) is drawn at twice it.
  std::vector<std::pair<double, double>> commit_p99, io_some, server_wait;
  for (const StallSample& s : r.stall_samples) {
    if (s.commit_p99_le_ms)
      commit_p99.emplace_back(s.t_s, std::isinf(*s.commit_p99_le_ms) ? 5000 : *s.commit_p99_le_ms);
    if (s.io_some_pct) io_some.emplace_back(s.t_s, *s.io_some_pct);
  }
  for (const ServerSample& s : r.server_samples)
    if (s.wait_pct) server_wait.emplace_back(s.t_s, *s.wait_pct);
  std::ostringstream html;
  html << "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>convene-bench load: "
       << escape_html(r.options.scenario)
       << "</title>\n<style>body{font-family:sans-serif;margin:16px;max-width:800px}"
          "pre{background:#f5f5f5;padding:8px;font-size:12px}svg{display:block;margin:8px 0}"
          "</style></head><body>\n";
  html << "<h1>convene-bench load: " << escape_html(r.options.scenario) << "</h1>\n";
  html << "<pre>" << escape_html(to_table(r)) << "</pre>\n";
  html << svg_histogram(
      "Submit → receive latency (" + std::to_string(r.latency.count()) + " deliveries)", r.latency);
  html << svg_line_chart("Throughput and p99 latency per second", "seconds", "ops per second",
                         "p99 ms",
                         {{"committed ops/s", "#3b6fb6", committed, false},
                          {"deliveries/s", "#6bb36b", deliveries, false},
                          {"p99 submit→receive (ms)", "#c33", p99, true}});
  if (!r.server_samples.empty())
    html << svg_line_chart("Server CPU and memory", "seconds", "CPU % of one core", "RSS MiB",
                           {{"CPU %", "#d98a1f", cpu, false}, {"RSS MiB", "#7a4fb3", rss, true}});
  else
    html << "<p>No server CPU or memory: run with <code>--server-pid</code>.</p>\n";
  if (!r.stall_samples.empty())
    html << svg_line_chart(
        "What the ops waited for: the server's commits, the machine's disk and cores", "seconds",
        "ms", "% of the second",
        {{"p99 submit→receive (ms)", "#c33", p99, false},
         {"commit p99 bucket, /metrics (ms)", "#3b6fb6", commit_p99, false},
         {"disk: some task waiting (%)", "#7a4fb3", io_some, true},
         {"server waiting for a core (% of one)", "#d98a1f", server_wait, true}});
  html << "<details><summary>JSON</summary><pre>" << escape_html(to_json(r).dump(2))
       << "</pre></details>\n</body></html>\n";
  return html.str();
}

SoakFigures soak_figures(const std::vector<ServerSample>& samples) {
  SoakFigures out;
  if (samples.size() < 2) return out;
  const ServerSample& last = samples.back();
  const double quarter = last.t_s / 4;
  const auto settled = std::find_if(samples.begin(), samples.end(),
                                    [&](const ServerSample& s) { return s.t_s >= quarter; });
  if (settled != samples.end() && settled->rss_mb > 0 && &*settled != &last)
    out.rss_drift_pct = 100.0 * (last.rss_mb - settled->rss_mb) / settled->rss_mb;
  if (samples.front().open_fds >= 0 && last.open_fds >= 0)
    out.fd_growth = last.open_fds - samples.front().open_fds;
  return out;
}

}  // namespace convene::bench
