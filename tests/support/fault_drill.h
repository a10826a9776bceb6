// A fault drill: replicas edit one convening on a real convene-server while
// the server is killed (SIGKILL, mid-commit included) or stopped (SIGTERM)
// and restarted, and while clients drop, edit offline and come back. At the
// end every replica reconnects and the drill audits what the server stored:
// - every op acknowledged to a replica is in the server's log exactly once;
// - the log's seqs run 1..head without a gap;
// - every replica's document equals the server's export.
//
// Used by `convene-bench crash` (many kills, a JSON report) and by the fault
// convergence tests (many seeds, every kind of fault).
//
// Threading: everything runs on the calling thread, which also signals the
// server (by the pid of the process it started, before reaping it).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace convene::itest {

struct DrillOptions {
  std::string server_binary;  // empty: ServerProcess::binary()
  int clients = 4;
  // Server faults, in a random order, each followed by a restart on the same
  // data: SIGKILL (a crash, commits in flight included) and SIGTERM (a stop,
  // which must end in exit status 0).
  int kills = 10;
  int terms = 0;
  // Chance, per client per step, that a connected client drops (and edits
  // offline) or that an offline client reconnects.
  double client_churn = 0;
  // Each server fault strikes at a uniformly random moment within this long
  // after every online client is back and editing, always with ops in flight.
  std::chrono::milliseconds max_fault_delay{250};
  uint64_t seed = 1;
  int snapshot_every = 100;  // the server's --snapshot-every: snapshots get cut mid-run too
  // The server's --durability. Anything but fsync may lose acknowledged ops
  // in a crash; the tests use that to show the audit notices.
  std::string durability = "fsync";
  std::vector<std::string> server_args;
  // Progress lines (one per fault); none if empty.
  std::function<void(const std::string&)> progress;
};

struct DrillReport {
  int kills = 0;  // SIGKILL
  int terms = 0;  // SIGTERM
  // Server faults that struck while some submitted op was not acknowledged
  // yet (all of them, unless every client was offline at that moment).
  int faults_with_unacked_ops = 0;
  int unclean_stops = 0;  // SIGTERM that did not end in exit status 0
  uint64_t submitted_ops = 0;
  uint64_t acked_ops = 0;
  uint64_t lost_acked_ops = 0;     // acknowledged, yet not in the log
  uint64_t duplicated_ops = 0;     // in the log more than once
  uint64_t log_ops = 0;            // ops in the server's log at the end
  uint64_t log_gaps = 0;           // seqs missing from 1..head
  int diverged_clients = 0;        // replicas whose document is not the export's
  int client_drops = 0;            // clients that went offline on their own
  uint64_t offline_ops = 0;        // ops made while offline
  std::vector<double> restart_ms;  // start of each restarted server until healthy
  double duration_s = 0;
  // What stopped the drill or broke the protocol: a server that would not
  // start, a join that failed, a replica that never caught up.
  // The first kMaxProblems of them; the rest are only counted.
  static constexpr size_t kMaxProblems = 20;
  std::vector<std::string> problems;
  size_t problems_not_shown = 0;

  void add_problem(std::string what);
  bool ok() const;
};

DrillReport run_fault_drill(const DrillOptions& options);

}  // namespace convene::itest
