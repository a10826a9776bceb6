// convene-bench crash: kills a real convene-server again and again while
// writers edit, and checks that nothing acknowledged was lost or doubled
// (tests/support/fault_drill.h does the work).
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench_util.h"
#include "support/fault_drill.h"
#include "support/ws_client.h"

namespace convene::bench {
namespace {

nlohmann::ordered_json report_json(const itest::DrillReport& r, const itest::DrillOptions& o) {
  nlohmann::ordered_json out;
  out["kills"] = r.kills;
  out["terms"] = r.terms;
  out["clients"] = o.clients;
  out["seed"] = o.seed;
  out["durability"] = o.durability;
  out["faults_with_unacked_ops"] = r.faults_with_unacked_ops;
  out["submitted_ops"] = r.submitted_ops;
  out["acked_ops"] = r.acked_ops;
  out["lost_acked_ops"] = r.lost_acked_ops;
  out["duplicated_ops"] = r.duplicated_ops;
  out["log_ops"] = r.log_ops;
  out["log_gaps"] = r.log_gaps;
  out["diverged_clients"] = r.diverged_clients;
  out["unclean_stops"] = r.unclean_stops;
  out["restart_ms_median"] = round_to(median(r.restart_ms), 1);
  out["duration_s"] = round_to(r.duration_s, 1);
  out["problems"] = r.problems;
  out["problems_not_shown"] = r.problems_not_shown;
  out["ok"] = r.ok();
  return out;
}

}  // namespace

int run_crash(int argc, char** argv) {
  Flags flags;
  flags.value("server-bin")
      .value("kills", "20")
      .value("terms", "0")
      .value("clients", "4")
      .value("churn", "0")
      .value("max-delay-ms", "250")
      .value("seed", "1")
      .value("snapshot-every", "100")
      .value("durability", "fsync")
      .toggle("quiet")
      .toggle("json");
  std::string error;
  if (!flags.parse(argc, argv, 2, &error)) {
    std::fprintf(stderr, "convene-bench crash: %s\n", error.c_str());
    return kExitUsage;
  }
  itest::DrillOptions o;
  o.server_binary = flags.get("server-bin");
  const auto kills = flags.number("kills", 0, 100000, &error);
  const auto terms = flags.number("terms", 0, 100000, &error);
  const auto clients = flags.number("clients", 1, 200, &error);
  const auto churn_percent = flags.number("churn", 0, 100, &error);
  const auto delay = flags.number("max-delay-ms", 0, 60000, &error);
  const auto seed = flags.number("seed", 0, UINT64_MAX, &error);
  const auto snapshot_every = flags.number("snapshot-every", 1, 1000000, &error);
  if (o.server_binary.empty()) error = "--server-bin PATH is required";
  if (!error.empty()) {
    std::fprintf(stderr, "convene-bench crash: %s\n", error.c_str());
    return kExitUsage;
  }
  o.kills = static_cast<int>(*kills);
  o.terms = static_cast<int>(*terms);
  o.clients = static_cast<int>(*clients);
  o.client_churn = static_cast<double>(*churn_percent) / 100;
  o.max_fault_delay = std::chrono::milliseconds(*delay);
  o.seed = *seed;
  o.snapshot_every = static_cast<int>(*snapshot_every);
  o.durability = flags.get("durability");
  if (!flags.on("quiet"))
    o.progress = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };

  // The server's protocol violations are failures of the run, not of a test.
  std::vector<std::string> violations;
  itest::set_violation_reporter([&](const std::string& what) { violations.push_back(what); });
  itest::DrillReport report = itest::run_fault_drill(o);
  for (auto& v : violations) report.add_problem("protocol violation: " + v);

  const nlohmann::ordered_json out = report_json(report, o);
  if (flags.on("json")) {
    std::cout << out.dump() << "\n";
  } else {
    std::printf("crash: %d SIGKILL and %d SIGTERM of a server under %d writers\n", report.kills,
                report.terms, o.clients);
    print_fields(out, 24, {"problems"});
    for (const auto& p : report.problems) std::printf("  problem: %s\n", p.c_str());
    if (report.problems_not_shown > 0)
      std::printf("  ... and %zu more problems\n", report.problems_not_shown);
  }
  return report.ok() ? kExitOk : kExitFailed;
}

}  // namespace convene::bench
