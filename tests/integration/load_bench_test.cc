// convene-bench load against a real server: a small custom scenario for two
// seconds must lose and duplicate nothing, deliver every committed op to
// every other client of its room, and agree with the server's /metrics.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <tuple>

#include "bench_command.h"
#include "server_fixture.h"

namespace convene::itest {
namespace {

class LoadBenchTest : public ServerFixture {
 protected:
  // convene-bench load against this test's server: a custom scenario on one
  // bench thread, one JSON object out.
  std::string load_command(const std::string& flags) const {
    return bench_binary() + " load --server http://" + server_->address() +
           " --scenario custom --threads 1 --json " + flags;
  }
  // Runs it, sampling the server; expects exit status 0. The JSON
  // (discarded if the output is not JSON); the output goes to `out`.
  nlohmann::json run_load(const std::string& flags, std::string* out) {
    const std::string command =
        load_command(flags + " --server-pid " + std::to_string(server_->pid()));
    int status = 0;
    std::tie(*out, status) = run_command(command);
    EXPECT_EQ(status, 0) << command << "\n" << *out;
    return nlohmann::json::parse(*out, nullptr, false);
  }
};

TEST_F(LoadBenchTest, SmallScenarioLosesNothingAndMatchesMetrics) {
  start();
  constexpr int kRooms = 2, kClients = 5, kWriters = 2;
  constexpr double kRate = 20, kSeconds = 2;
  std::string out;
  const auto j =
      run_load("--rooms " + std::to_string(kRooms) + " --clients-per-room " +
                   std::to_string(kClients) + " --writers-per-room " + std::to_string(kWriters) +
                   " --rate 20 --duration 2 --presence-rate 5 --mix mixed",
               &out);
  ASSERT_FALSE(j.is_discarded()) << out;

  EXPECT_EQ(j["scenario"], "custom");
  EXPECT_EQ(j["clients"], kRooms * kClients);
  EXPECT_EQ(j["rooms"], kRooms);
  EXPECT_EQ(j["lost"], 0) << out;
  EXPECT_EQ(j["duplicated"], 0) << out;
  EXPECT_EQ(j["out_of_order"], 0) << out;
  EXPECT_EQ(j["caught_up"], kRooms * kClients);
  EXPECT_TRUE(j["passed"].get<bool>());

  // Every op was submitted, acknowledged, and reached each other client of
  // its room exactly once.
  const auto committed = j["committed_ops"].get<uint64_t>();
  const double offered = kRooms * kWriters * kRate * kSeconds;
  EXPECT_GE(static_cast<double>(committed), 0.7 * offered) << out;
  EXPECT_LE(static_cast<double>(committed), 1.3 * offered) << out;
  EXPECT_EQ(j["submitted_ops"].get<uint64_t>(), committed);
  EXPECT_EQ(j["deliveries"].get<uint64_t>(), committed * (kClients - 1));
  EXPECT_EQ(j["latency_ms"]["count"].get<uint64_t>(), j["deliveries"].get<uint64_t>());
  EXPECT_EQ(j["ack_latency_ms"]["count"].get<uint64_t>(), committed);
  for (const char* key : {"latency_ms", "ack_latency_ms"}) {
    const auto& l = j[key];
    EXPECT_GT(l["p50"].get<double>(), 0) << key;
    EXPECT_LE(l["p50"].get<double>(), l["p90"].get<double>()) << key;
    EXPECT_LE(l["p90"].get<double>(), l["p99"].get<double>()) << key;
    EXPECT_LE(l["p99"].get<double>(), l["p999"].get<double>()) << key;
    EXPECT_LE(l["p999"].get<double>(), l["max"].get<double>()) << key;
    EXPECT_LT(l["max"].get<double>(), 5000) << key;
  }
  EXPECT_GT(j["connect_ms"]["max"].get<double>(), 0);
  EXPECT_GT(j["presence_sent"].get<uint64_t>(), 0u);
  EXPECT_GT(j["server_rss_mb"].get<double>(), 1);
  EXPECT_GE(j["server_cpu_pct"].get<double>(), 0);

  // The server counted the same ops (its window is a little longer: the
  // drain and the /metrics requests).
  ASSERT_TRUE(j["server_metrics"].is_object()) << out;
  const double server_rate = j["server_metrics"]["committed_ops_per_sec"].get<double>();
  const double bench_rate = j["committed_ops_per_sec"].get<double>();
  EXPECT_GT(server_rate, 0.5 * bench_rate) << out;
  EXPECT_LT(server_rate, 1.5 * bench_rate) << out;
}

// The soak's short version: a steady load for 20 s. The server's open
// descriptors stay put (every client connected before the window), and its
// memory, a quarter into the window, is within a quarter of what it is at
// the end. (The 30-minute run and its figures: docs/reliability.md.)
TEST_F(LoadBenchTest, ShortSoakKeepsDescriptorsAndMemoryFlat) {
  start();
  std::string out;
  const auto j = run_load(
      "--rooms 4 --clients-per-room 10 --writers-per-room 3 --rate 10 --duration 20 "
      "--presence-rate 5 --mix mixed",
      &out);
  ASSERT_FALSE(j.is_discarded()) << out;
  ASSERT_TRUE(j["server_fd_growth"].is_number()) << out;
  // RocksDB may open a new table file or log during the window.
  EXPECT_LE(j["server_fd_growth"].get<int>(), 4) << out;
  ASSERT_TRUE(j["server_rss_drift_pct"].is_number()) << out;
#ifndef CONVENE_SANITIZED  // AddressSanitizer's quarantine grows by design
  EXPECT_LT(j["server_rss_drift_pct"].get<double>(), 25) << out;
#endif
  EXPECT_TRUE(j["passed"].get<bool>()) << out;
}

// --find-max against a real server, in short windows: the search ends by
// itself, reports each window, repeats a rate right after a window that
// missed, and reports as its result the best window that held.
TEST_F(LoadBenchTest, FindMaxSearchesAndRepeatsAMissedRateOnce) {
  start();
  std::string out;
  const auto j = run_load(
      "--rooms 1 --clients-per-room 3 --writers-per-room 1 --rate 50 --find-max "
      "--find-max-step 1 --presence-rate 0",
      &out);
  ASSERT_FALSE(j.is_discarded()) << out;
  const auto& steps = j["find_max"]["steps"];
  ASSERT_GE(steps.size(), 1u) << out;
  EXPECT_LE(steps.size(), 14u) << out;
  EXPECT_EQ(steps[0]["rate"], 50.0);
  EXPECT_FALSE(steps[0]["retry"].get<bool>());
  double best = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    const auto& s = steps[i];
    EXPECT_EQ(s["lost"], 0) << out;
    if (s["sustained"].get<bool>()) best = std::max(best, s["committed_ops_per_sec"].get<double>());
    const bool first_miss = !s["sustained"].get<bool>() && !s["retry"].get<bool>();
    if (first_miss && i + 1 < steps.size()) {
      EXPECT_EQ(steps[i + 1]["rate"], s["rate"]) << out;
      EXPECT_TRUE(steps[i + 1]["retry"].get<bool>()) << out;
    }
  }
  if (best > 0)
    EXPECT_DOUBLE_EQ(j["find_max"]["max_committed_ops_per_sec"].get<double>(), best) << out;
  else
    EXPECT_TRUE(j["find_max"]["max_committed_ops_per_sec"].is_null()) << out;
  EXPECT_EQ(j["lost"], 0) << out;
  ASSERT_TRUE(j["per_second"]["p99_ms"].is_array()) << out;
  EXPECT_GE(j["per_second"]["p99_ms"].size(), 1u) << out;
}

// A server that lets only its operator create convenings: the bench needs
// the token, and fails cleanly without it.
TEST_F(LoadBenchTest, UsesTheOperatorTokenToCreateConvenings) {
  ServerOptions options;
  const std::string token = "bench-operator-token-0123456789";
  options.extra_args = {"--admin-token", token};
  start(options);
  const std::string command = load_command(
      "--rooms 1 --clients-per-room 2 --writers-per-room 1 --rate 10 --duration 1 "
      "--presence-rate 0");
  const auto [out, status] = run_command(command + " --admin-token " + token);
  ASSERT_EQ(status, 0) << out;
  const auto j = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << out;
  EXPECT_EQ(j["lost"], 0);
  EXPECT_GT(j["committed_ops"].get<uint64_t>(), 0u);
  EXPECT_EQ(WEXITSTATUS(run_command(command + " 2>/dev/null").second), 1);
}

TEST_F(LoadBenchTest, RefusesABadCommandLineAndAMissingServer) {
  EXPECT_EQ(WEXITSTATUS(run_command(bench_binary() + " load --rooms 0 2>/dev/null").second), 2);
  // Nothing listens on this port: the run fails before any client starts.
  const auto port = ServerProcess::free_port();
  EXPECT_EQ(WEXITSTATUS(run_command(bench_binary() + " load --server http://127.0.0.1:" +
                                    std::to_string(port) + " --duration 1 2>/dev/null")
                            .second),
            1);
}

}  // namespace
}  // namespace convene::itest
