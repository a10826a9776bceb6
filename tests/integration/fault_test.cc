// Crash safety against a real convene-server (support/fault_drill.h):
// - convene-bench crash, as CI runs it: SIGKILL and SIGTERM while writers
//   edit lose and double nothing acknowledged, and the audit notices a loss
//   when the server runs without a write-ahead log;
// - SIGTERM under load: every connection closed with 1001, exit 0, nothing
//   acknowledged lost;
// - fault convergence: 20 clients with random disconnects, offline edits and
//   server kills and stops, over a fixed set of seeds. The long run:
//     CONVENE_FAULT_SEEDS=200 ctest -R FaultConvergenceLong
//   (seeds 1..N; each takes a few seconds).
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "bench_command.h"
#include "support/fault_drill.h"
#include "support/server_process.h"

namespace convene::itest {
namespace {

std::string describe(const DrillReport& r) {
  std::string out = "kills " + std::to_string(r.kills) + ", terms " + std::to_string(r.terms) +
                    ", acked " + std::to_string(r.acked_ops) + ", lost " +
                    std::to_string(r.lost_acked_ops) + ", duplicated " +
                    std::to_string(r.duplicated_ops) + ", gaps " + std::to_string(r.log_gaps) +
                    ", diverged " + std::to_string(r.diverged_clients);
  for (const auto& p : r.problems) out += "\n  problem: " + p;
  return out;
}

void expect_nothing_lost(const DrillReport& r) {
  EXPECT_TRUE(r.problems.empty()) << describe(r);
  EXPECT_GT(r.acked_ops, 0u) << describe(r);
  EXPECT_EQ(r.lost_acked_ops, 0u) << describe(r);
  EXPECT_EQ(r.duplicated_ops, 0u) << describe(r);
  EXPECT_EQ(r.log_gaps, 0u) << describe(r);
  EXPECT_EQ(r.diverged_clients, 0) << describe(r);
  EXPECT_EQ(r.unclean_stops, 0) << describe(r);
  EXPECT_EQ(r.log_ops, r.acked_ops) << "every op in the log was acknowledged to its author";
}

nlohmann::json crash_bench(const std::string& flags, int* exit_status) {
  const std::string command = bench_binary() + " crash --server-bin " + ServerProcess::binary() +
                              " --json --quiet " + flags;
  const auto [out, status] = run_command(command);
  *exit_status = WEXITSTATUS(status);
  const auto j = nlohmann::json::parse(out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << command << "\n" << out;
  return j;
}

TEST(CrashBench, KillsAndStopsLoseNothingAcknowledged) {
  int status = -1;
  const nlohmann::json j = crash_bench("--kills 8 --terms 2 --clients 4 --seed 7", &status);
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(status, 0) << j.dump(2);
  EXPECT_EQ(j["kills"], 8);
  EXPECT_EQ(j["terms"], 2);
  EXPECT_GT(j["acked_ops"].get<uint64_t>(), 0u);
  // Faults strike while ops are in flight, not only between commits.
  EXPECT_GT(j["faults_with_unacked_ops"].get<int>(), 0) << j.dump(2);
  EXPECT_EQ(j["lost_acked_ops"], 0) << j.dump(2);
  EXPECT_EQ(j["duplicated_ops"], 0) << j.dump(2);
  EXPECT_EQ(j["log_gaps"], 0) << j.dump(2);
  EXPECT_EQ(j["diverged_clients"], 0) << j.dump(2);
  EXPECT_TRUE(j["ok"].get<bool>()) << j.dump(2);
}

// The audit is only worth something if it can fail: without a write-ahead
// log, a SIGKILL takes acknowledged ops with it, and the bench must say so.
TEST(CrashBench, NoticesLossWithoutAWriteAheadLog) {
  int status = -1;
  const nlohmann::json j =
      crash_bench("--kills 4 --clients 3 --seed 3 --durability none --max-delay-ms 400", &status);
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(status, 1) << j.dump(2);
  EXPECT_GT(j["lost_acked_ops"].get<uint64_t>(), 0u) << j.dump(2);
  EXPECT_FALSE(j["ok"].get<bool>());
}

TEST(CrashBench, RefusesABadCommandLine) {
  EXPECT_EQ(WEXITSTATUS(run_command(bench_binary() + " crash --kills 3 2>/dev/null").second), 2)
      << "--server-bin is required";
  EXPECT_EQ(WEXITSTATUS(run_command(bench_binary() + " crash --server-bin x --clients 0 "
                                                     "2>/dev/null")
                            .second),
            2);
}

TEST(SigtermUnderLoad, ClosesWith1001AndKeepsEveryAcknowledgedOp) {
  DrillOptions o;
  o.clients = 8;
  o.kills = 0;
  o.terms = 3;
  o.max_fault_delay = std::chrono::milliseconds(400);
  o.seed = 11;
  const DrillReport r = run_fault_drill(o);
  EXPECT_EQ(r.terms, 3);
  EXPECT_GT(r.faults_with_unacked_ops, 0) << "stopped while commits were in flight";
  expect_nothing_lost(r);
}

DrillOptions convergence_drill(uint64_t seed) {
  DrillOptions o;
  o.clients = 20;
  o.kills = 2;
  o.terms = 1;
  o.client_churn = 0.03;
  o.seed = seed;
  return o;
}

class FaultConvergence : public ::testing::TestWithParam<uint64_t> {};

TEST_P(FaultConvergence, TwentyClientsConvergeWithTheServer) {
  const DrillReport r = run_fault_drill(convergence_drill(GetParam()));
  EXPECT_GT(r.client_drops, 0) << "the seed should make clients drop and edit offline";
  EXPECT_GT(r.offline_ops, 0u);
  expect_nothing_lost(r);
}

INSTANTIATE_TEST_SUITE_P(Seeds, FaultConvergence, ::testing::Values(1, 2, 3));

TEST(FaultConvergenceLong, ManySeeds) {
  const char* env = std::getenv("CONVENE_FAULT_SEEDS");
  if (env == nullptr || std::atoi(env) <= 0)
    GTEST_SKIP() << "the long run: CONVENE_FAULT_SEEDS=N runs seeds 1..N";
  const int seeds = std::atoi(env);
  for (int seed = 1; seed <= seeds && !HasFailure(); ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    expect_nothing_lost(run_fault_drill(convergence_drill(static_cast<uint64_t>(seed))));
  }
}

}  // namespace
}  // namespace convene::itest
