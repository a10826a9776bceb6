// The load bench's own logic: latency percentiles, the delivery check,
// /proc and /metrics parsing, the command line and the report.
#include "load_stats.h"

#include <gtest/gtest.h>

#include <random>

#include "load_options.h"
#include "load_probe.h"
#include "load_report.h"

namespace convene::bench {
namespace {

TEST(LatencyHistogram, BucketsCoverEveryValueOnce) {
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{63}, uint64_t{64}, uint64_t{65},
                     uint64_t{127}, uint64_t{128}, uint64_t{1000}, uint64_t{49'999},
                     uint64_t{1} << 39, (uint64_t{1} << 40) - 1}) {
    const size_t b = LatencyHistogram::bucket_of(v);
    EXPECT_LE(LatencyHistogram::lower(b), v) << v;
    EXPECT_GE(LatencyHistogram::upper(b), v) << v;
    // Each bucket at most 1/32 of its values wide.
    EXPECT_LE(LatencyHistogram::upper(b) - LatencyHistogram::lower(b), v / 32 + 1) << v;
  }
  for (size_t b = 1; b < LatencyHistogram::kBuckets; ++b)
    EXPECT_EQ(LatencyHistogram::lower(b), LatencyHistogram::upper(b - 1) + 1) << b;
  EXPECT_EQ(LatencyHistogram::bucket_of(uint64_t{1} << 50), LatencyHistogram::kBuckets - 1);
}

TEST(LatencyHistogram, PercentilesOfKnownValues) {
  LatencyHistogram h;
  EXPECT_EQ(h.percentile(0.99), 0u);
  // 1..10,000 µs once each, shuffled: the q-th percentile is q * 10,000.
  std::vector<uint64_t> values(10'000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = i + 1;
  std::shuffle(values.begin(), values.end(), std::mt19937(7));
  for (uint64_t v : values) h.record(v);
  EXPECT_EQ(h.count(), 10'000u);
  EXPECT_EQ(h.max(), 10'000u);
  EXPECT_DOUBLE_EQ(h.mean(), 5000.5);
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const double exact = q * 10'000;
    const auto got = static_cast<double>(h.percentile(q));
    EXPECT_GE(got, exact) << q;                   // the bucket's upper edge: never low
    EXPECT_LE(got, exact * (1 + 1.0 / 32)) << q;  // and at most one bucket high
  }
  EXPECT_EQ(h.percentile(1.0), 10'000u);
  EXPECT_EQ(h.percentile(0.0), 1u);
  const LatencySummary s = LatencySummary::of(h);
  EXPECT_DOUBLE_EQ(s.max, 10.0);
  EXPECT_NEAR(s.p50, 5.0, 0.2);
}

TEST(LatencyHistogram, ExactBelowSixtyFourAndMergeAddsUp) {
  LatencyHistogram a, b;
  for (int i = 0; i < 99; ++i) a.record(10);
  b.record(40);
  EXPECT_EQ(a.percentile(0.99), 10u);
  a.merge(b);
  EXPECT_EQ(a.count(), 100u);
  EXPECT_EQ(a.percentile(0.99), 10u);
  EXPECT_EQ(a.percentile(1.0), 40u);
  EXPECT_EQ(a.max(), 40u);
  EXPECT_EQ(a.nonzero().size(), 2u);
}

TEST(DeliveryChecker, InOrderWithoutGapsIsClean) {
  DeliveryChecker c(/*self=*/9);
  c.expect_writer(1);
  c.expect_writer(2);
  uint64_t seq = 0;
  for (uint64_t counter = 1; counter <= 5; ++counter) {
    c.receive(++seq, 1, counter);
    c.receive(++seq, 2, counter);
  }
  EXPECT_TRUE(c.caught_up({{1, 5}, {2, 5}, {9, 3}}));
  const auto r = c.finish({{1, 5}, {2, 5}, {9, 3}});
  EXPECT_EQ(r.received, 10u);
  EXPECT_EQ(r.lost, 0u);
  EXPECT_EQ(r.duplicated, 0u);
  EXPECT_EQ(r.out_of_order, 0u);
  EXPECT_EQ(r.unexpected, 0u);
}

TEST(DeliveryChecker, CountsLostOpsAtTheEndAndInGaps) {
  DeliveryChecker c(9);
  c.expect_writer(1);
  c.receive(1, 1, 1);
  c.receive(2, 1, 4);  // 2 and 3 skipped
  EXPECT_FALSE(c.caught_up({{1, 6}}));
  // Acknowledged up to 6: 2, 3, 5 and 6 never came.
  EXPECT_EQ(c.finish({{1, 6}}).lost, 4u);
  // Ops received beyond the last Ack are not lost, nor is a gap above it.
  EXPECT_EQ(c.finish({{1, 1}}).lost, 0u);
  EXPECT_EQ(c.finish({{1, 2}}).lost, 1u);
}

TEST(DeliveryChecker, ALateOpFillsItsGapButIsOutOfOrder) {
  DeliveryChecker c(9);
  c.expect_writer(1);
  c.receive(1, 1, 1);
  c.receive(3, 1, 3);
  c.receive(2, 1, 2);
  const auto r = c.finish({{1, 3}});
  EXPECT_EQ(r.lost, 0u);
  EXPECT_EQ(r.received, 3u);
  EXPECT_EQ(r.out_of_order, 1u);
  EXPECT_TRUE(c.caught_up({{1, 3}}));
}

TEST(DeliveryChecker, DuplicatesOwnOpsAndStrangers) {
  DeliveryChecker c(9);
  c.expect_writer(1);
  c.receive(1, 1, 1);
  c.receive(1, 1, 1);  // the same op again: a duplicate and not above seq 1
  c.receive(2, 9, 1);  // the receiver's own op sent back
  c.receive(3, 7, 1);  // a replica that is no writer of the room
  c.receive(4, 1, 2, /*span=*/3);
  const auto r = c.finish({{1, 4}});
  EXPECT_EQ(r.duplicated, 2u);
  EXPECT_EQ(r.out_of_order, 1u);
  EXPECT_EQ(r.unexpected, 1u);
  EXPECT_EQ(r.received, 4u);  // counters 1..4
  EXPECT_EQ(r.lost, 0u);
}

TEST(LoadProbe, ParsesProcFiles) {
  // The command may hold spaces and parentheses.
  const std::string stat =
      "1234 (convene (srv) x) S 1 1234 1234 0 -1 4194560 500 0 0 0 250 125 0 0 20 0 3 0 100";
  EXPECT_EQ(parse_stat_cpu_ticks(stat), 375u);
  EXPECT_FALSE(parse_stat_cpu_ticks("1234 (x) S 1 2").has_value());
  EXPECT_EQ(parse_status_rss_kb("Name:\tx\nVmPeak:\t 900 kB\nVmRSS:\t   20480 kB\n"), 20480u);
  EXPECT_FALSE(parse_status_rss_kb("Name:\tx\n").has_value());
  const auto self = sample_process(0);
  ASSERT_TRUE(self.has_value());
  EXPECT_GT(self->rss_mb, 0);
}

TEST(LoadProbe, RunQueueWaitFromSchedstat) {
  EXPECT_EQ(parse_schedstat_wait_ns("5000000 2500000 17\n"), 2500000u);
  EXPECT_FALSE(parse_schedstat_wait_ns("").has_value());
  ProcSample before, after;
  EXPECT_FALSE(runqueue_wait_pct(before, after, 1).has_value());
  before.runqueue_wait_seconds = 1.0;
  after.runqueue_wait_seconds = 1.25;
  EXPECT_DOUBLE_EQ(*runqueue_wait_pct(before, after, 0.5), 50.0);
  after.runqueue_wait_seconds = 0.5;  // a thread ended and took its count along
  EXPECT_EQ(runqueue_wait_pct(before, after, 1), 0.0);
}

TEST(LoadProbe, SamplesThisProcessWithItsOpenFiles) {
  const auto self = sample_process(0);
  ASSERT_TRUE(self.has_value());
  EXPECT_GE(self->open_fds, 3);  // stdin, stdout, stderr at least
  EXPECT_GT(self->rss_mb, 0);
}

TEST(SoakFigures, DriftFromAQuarterInAndDescriptorGrowth) {
  std::vector<ServerSample> samples;
  // Warm-up from 100 to 200 MiB over the first quarter, then flat with a
  // last step to 210: 5 % drift. Descriptors 40 -> 43.
  for (int t = 1; t <= 40; ++t)
    samples.push_back({static_cast<double>(t), 50, t <= 10 ? 100.0 + 10 * t : 200.0, 40, 5});
  samples.back().rss_mb = 210;
  samples.back().open_fds = 43;
  const SoakFigures f = soak_figures(samples);
  ASSERT_TRUE(f.rss_drift_pct.has_value());
  EXPECT_NEAR(*f.rss_drift_pct, 5.0, 1e-9);
  ASSERT_TRUE(f.fd_growth.has_value());
  EXPECT_EQ(*f.fd_growth, 3);

  samples.back().open_fds = -1;  // unreadable
  EXPECT_FALSE(soak_figures(samples).fd_growth.has_value());
  EXPECT_FALSE(soak_figures({samples.front()}).rss_drift_pct.has_value());
}

TEST(LoadProbe, ParsesPrometheusText) {
  const auto m = parse_prometheus(
      "# HELP convene_ops_committed_total Ops.\n# TYPE x counter\n"
      "convene_ops_committed_total 1234\n"
      "convene_commit_latency_seconds_bucket{le=\"0.005\"} 17\n"
      "convene_commit_latency_seconds_bucket{le=\"+Inf\"} 20\n"
      "convene_commit_latency_seconds_sum 0.125\nbroken line\n");
  EXPECT_EQ(m.at("convene_ops_committed_total"), 1234);
  EXPECT_EQ(m.at("convene_commit_latency_seconds_bucket{le=\"0.005\"}"), 17);
  EXPECT_EQ(m.at("convene_commit_latency_seconds_sum"), 0.125);
  EXPECT_EQ(m.count("broken"), 0u);
}

TEST(LoadProbe, CommitPercentileAndSlowCommitsBetweenTwoPages) {
  const std::string name = "convene_commit_latency_seconds";
  const auto page = [&](double under_5ms, double under_100ms, double all) {
    return MetricsPage{{name + "_bucket{le=\"0.005\"}", under_5ms},
                       {name + "_bucket{le=\"0.1\"}", under_100ms},
                       {name + "_bucket{le=\"+Inf\"}", all},
                       {name + "_count", all}};
  };
  // Between the pages: 1,000 ops committed, 995 within 5 ms, 3 after more than 100 ms.
  const MetricsPage before = page(500, 500, 500), after = page(1495, 1497, 1500);
  EXPECT_EQ(histogram_p99_le_ms(before, after, name), 5.0);
  EXPECT_EQ(histogram_count_above(before, after, name, "0.1"), 3.0);
  // 20 of 1,000 over 100 ms: the p99 is past the last bucket.
  EXPECT_TRUE(std::isinf(*histogram_p99_le_ms(before, page(1400, 1480, 1500), name)));
  EXPECT_FALSE(histogram_p99_le_ms(before, before, name).has_value());  // no commits
  EXPECT_FALSE(histogram_count_above(before, after, name, "0.2").has_value());
  EXPECT_EQ(page_delta(before, after, name + "_count"), 1000.0);
  EXPECT_EQ(page_delta({}, after, name + "_count"), 1500.0);  // absent before: 0
  EXPECT_EQ(page_delta(before, after, "convene_absent_total"), 0.0);
}

TEST(LoadProbe, ParsesPressureStallsAndTheirShareOfTheTime) {
  const auto io = parse_pressure(
      "some avg10=1.50 avg60=0.80 avg300=0.20 total=3000000\n"
      "full avg10=0.50 avg60=0.10 avg300=0.05 total=1000000\n");
  ASSERT_TRUE(io.has_value());
  EXPECT_EQ(io->some_us, 3000000u);
  EXPECT_EQ(io->full_us, 1000000u);
  const auto cpu = parse_pressure("some avg10=0.00 avg60=0.00 avg300=0.00 total=7\n");
  ASSERT_TRUE(cpu.has_value());
  EXPECT_FALSE(cpu->full_us.has_value());  // older kernels have no "full" for the CPU
  EXPECT_FALSE(parse_pressure("").has_value());
  EXPECT_FALSE(parse_pressure("some total=12x\n").has_value());

  // 0.5 s of "some" and 0.25 s of "full" stall in 2 s.
  const PressureTotals later{3500000, 1250000};
  EXPECT_DOUBLE_EQ(*stalled_pct(io, later, 2, false), 25.0);
  EXPECT_DOUBLE_EQ(*stalled_pct(io, later, 2, true), 12.5);
  EXPECT_FALSE(stalled_pct(cpu, cpu, 2, true).has_value());
  EXPECT_FALSE(stalled_pct(std::nullopt, later, 2, false).has_value());
  EXPECT_FALSE(stalled_pct(later, io, 2, false).has_value());  // counters never go back
}

std::optional<LoadOptions> parse(std::vector<std::string> args, std::string* error) {
  args.insert(args.begin(), {"convene-bench", "load"});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return parse_load_options(static_cast<int>(argv.size()), argv.data(), 2, error);
}

TEST(LoadOptions, ScenariosAndOverrides) {
  std::string error;
  auto o = parse({"--scenario", "hot-room"}, &error);
  ASSERT_TRUE(o) << error;
  EXPECT_EQ(o->rooms, 1u);
  EXPECT_EQ(o->clients_per_room, 300u);
  EXPECT_EQ(o->writers_per_room, 30u);
  EXPECT_DOUBLE_EQ(o->rate * o->writers_per_room, 300);

  o = parse({"--server", "http://localhost:9001/", "--scenario", "workshop", "--rooms", "2",
             "--rate=2.5", "--mix", "text", "--json", "--server-pid", "42", "--report", "r.html",
             "--admin-token", "operator-secret-1234"},
            &error);
  ASSERT_TRUE(o) << error;
  EXPECT_EQ(o->host, "127.0.0.1");
  EXPECT_EQ(o->port, 9001);
  EXPECT_EQ(o->rooms, 2u);
  EXPECT_EQ(o->clients_per_room, 20u);
  EXPECT_DOUBLE_EQ(o->rate, 2.5);
  EXPECT_EQ(o->mix, OpMix::kText);
  EXPECT_TRUE(o->json);
  EXPECT_EQ(o->server_pid, 42);
  EXPECT_EQ(o->report, "r.html");
  EXPECT_EQ(o->admin_token, "operator-secret-1234");

  o = parse({"--scenario", "soak"}, &error);
  ASSERT_TRUE(o) << error;
  EXPECT_EQ(o->rooms * o->clients_per_room, 1000u);
  EXPECT_EQ(o->mix, OpMix::kMap);
  EXPECT_DOUBLE_EQ(o->duration_s, 1800);
  EXPECT_DOUBLE_EQ(o->presence_hz, 10);

  o = parse({"--scenario", "join-storm"}, &error);
  ASSERT_TRUE(o) << error;
  EXPECT_EQ(o->clients_per_room, 2000u);
  EXPECT_EQ(o->history, 50'000u);
  o = parse({"--scenario", "idle"}, &error);
  ASSERT_TRUE(o) << error;
  EXPECT_EQ(o->rooms * o->clients_per_room, 10'000u);
  EXPECT_EQ(o->writers_per_room, 0u);
}

TEST(LoadOptions, RefusesBadInput) {
  std::string error;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--scenario", "nope"},
           {"--server", "127.0.0.1:8080"},
           {"--server", "http://127.0.0.1:99999"},
           {"--rooms", "0"},
           {"--rate", "fast"},
           {"--mix", "prose"},
           {"--clients-per-room", "3", "--writers-per-room", "4"},
           {"--frobnicate"},
           {"--scenario", "idle", "--find-max"},
       }) {
    error.clear();
    EXPECT_FALSE(parse(args, &error)) << args[0];
    EXPECT_FALSE(error.empty()) << args[0];
  }
}

TEST(LoadReport, JsonCarriesTheWindowSecondBySecond) {
  LoadResult r;
  r.p99_by_second = {12.345, 250.0};
  r.committed_by_second = {990, 1010};
  r.deliveries_by_second = {18800, 19200};
  r.server_samples.push_back({1.0, 93.26, 61.0, 0, 70.0});
  StallSample stall;
  stall.t_s = 1.5;
  stall.commit_p99_le_ms = 250;
  r.stall_samples.push_back(stall);
  const auto s = to_json(r)["per_second"];
  EXPECT_EQ(s["p99_ms"], nlohmann::json({12.35, 250.0}));
  EXPECT_EQ(s["committed"], nlohmann::json({990.0, 1010.0}));
  EXPECT_EQ(s["deliveries"], nlohmann::json({18800.0, 19200.0}));
  ASSERT_EQ(s["server"].size(), 1u);
  EXPECT_EQ(s["server"][0]["cpu_pct"], 93.3);
  EXPECT_EQ(s["server"][0]["wait_pct"], 70.0);
  ASSERT_EQ(s["stalls"].size(), 1u);
  EXPECT_EQ(s["stalls"][0]["commit_p99_le_ms"], 250.0);
  EXPECT_TRUE(s["stalls"][0]["io_some_pct"].is_null());
}

TEST(LoadReport, ExportsBesideTheLoadAreReportedOnlyWhenAskedFor) {
  LoadResult r;
  EXPECT_FALSE(to_json(r).contains("exports"));
  EXPECT_EQ(to_table(r).find("exports beside the load"), std::string::npos);
  r.options.exporters = 8;
  r.exports = 40;
  r.exports_refused = 2;
  r.export_latency.record(250'000);
  const auto j = to_json(r)["exports"];
  EXPECT_EQ(j["exporters"], 8);
  EXPECT_EQ(j["answered"], 40);
  EXPECT_EQ(j["refused"], 2);
  EXPECT_EQ(j["failed"], 0);
  EXPECT_NEAR(j["latency_ms"]["max"].get<double>(), 250, 1);
  EXPECT_NE(to_table(r).find("40 answered, 2 refused, 0 failed"), std::string::npos);
}

TEST(LoadReport, JsonHasEveryFigureAndPassReflectsTheChecks) {
  LoadResult r;
  r.options.scenario = "custom";
  r.clients = r.welcomes = r.caught_up = 4;
  r.rooms = 1;
  r.duration_s = 2;
  r.committed_ops = 100;
  r.deliveries = 300;
  for (int i = 1; i <= 100; ++i) r.latency.record(static_cast<uint64_t>(i) * 100);
  const auto j = to_json(r);
  for (const char* key :
       {"scenario", "clients", "rooms", "duration_s", "committed_ops_per_sec", "deliveries_per_sec",
        "latency_ms", "ack_latency_ms", "lost", "duplicated", "connect_ms", "server_cpu_pct",
        "server_rss_mb", "rss_per_connection_kb"})
    EXPECT_TRUE(j.contains(key)) << key;
  for (const char* key : {"p50", "p90", "p99", "p999", "max"})
    EXPECT_TRUE(j["latency_ms"].contains(key)) << key;
  EXPECT_EQ(j["committed_ops_per_sec"], 50.0);
  EXPECT_EQ(j["deliveries_per_sec"], 150.0);
  EXPECT_DOUBLE_EQ(j["latency_ms"]["max"].get<double>(), 10.0);
  EXPECT_TRUE(j["server_cpu_pct"].is_null());
  for (const char* key : {"io_some_pct", "io_full_pct", "cpu_some_pct"})
    EXPECT_TRUE(j["machine"].contains(key)) << key;
  r.machine.io_some_pct = 30;
  r.machine.io_full_pct = 12.34;
  EXPECT_EQ(to_json(r)["machine"]["io_full_pct"], 12.3);
  EXPECT_NE(to_table(r).find("all 12.3 %"), std::string::npos) << to_table(r);
  EXPECT_TRUE(j["passed"].get<bool>());
  r.lost = 1;
  EXPECT_FALSE(to_json(r)["passed"].get<bool>());
  r.lost = 0;
  r.caught_up = 3;
  EXPECT_FALSE(r.passed());
}

TEST(LoadReport, HtmlIsSelfContainedWithItsCharts) {
  LoadResult r;
  r.options.scenario = "workshop";
  r.duration_s = 3;
  for (int i = 1; i <= 50; ++i) r.latency.record(static_cast<uint64_t>(i) * 200);
  r.committed_by_second = {10, 20, 30};
  r.deliveries_by_second = {100, 200, 300};
  r.p99_by_second = {5, 6, 7};
  r.server_samples = {{1, 50, 30, 20, 2}, {2, 60, 31, 20, 40}, {3, 55, 31, 20, 3}};
  const std::string html = to_html(r);
  EXPECT_EQ(html.find("http://") == std::string::npos ||
                html.find("http://www.w3.org/2000/svg") != std::string::npos,
            true);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  size_t charts = 0;
  for (size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1))
    ++charts;
  EXPECT_EQ(charts, 3u);
  EXPECT_NE(html.find("p99"), std::string::npos);
  EXPECT_NE(html.find("RSS MiB"), std::string::npos);

  // With the stalls of each second, a fourth chart puts them beside the p99.
  r.stall_samples = {{1, 2.5, 0}, {2, 250, 40}, {3, 5, 0}};
  const std::string with_stalls = to_html(r);
  EXPECT_NE(with_stalls.find("commit p99 bucket"), std::string::npos);
  EXPECT_NE(with_stalls.find("disk: some task waiting"), std::string::npos);
  EXPECT_NE(with_stalls.find("server waiting for a core"), std::string::npos);
}

TEST(LoadReport, ALegendTooWideForOneRowWrapsAndTheChartGrows) {
  const std::vector<std::pair<double, double>> points = {{1, 1}, {2, 2}};
  const std::string name(40, 'n');
  const std::string one_row =
      svg_line_chart("t", "s", "l", "r", {{name, "#000", points}, {name, "#111", points}});
  // A right axis adds " (left)" or " (right)" to every entry: now only one fits a row.
  const std::string two_rows =
      svg_line_chart("t", "s", "l", "r", {{name, "#000", points}, {name, "#111", points, true}});
  EXPECT_NE(one_row.find("height=\"280\""), std::string::npos) << one_row;
  EXPECT_NE(two_rows.find("height=\"294\""), std::string::npos) << two_rows;
}

}  // namespace
}  // namespace convene::bench
