// An adversary drill: honest members edit one convening on a real
// convene-server while hostile clients of every role attack it — a
// participant, an observer, a member whose invite was revoked, and a
// stranger with no token or a wrong one. Each step, one hostile action is
// picked at random (from a seeded generator: the seed replays the run), sent,
// and the server's answer is checked against docs/protocol.md: an error code,
// a close code or an HTTP status. The honest members meanwhile edit, send
// presence, drop and reconnect (resending what was not acknowledged), and are
// moved to a new link when a convener revokes theirs.
//
// After the run, from outside:
// - the server is up and /healthz answers 200; its RSS stayed within bounds;
// - every op acknowledged to an honest member is in the log exactly once, and
//   the log's seqs run 1..head without a gap (read through an ops_only
//   Welcome from seq 0);
// - every honest member can still edit, and every honest replica equals the
//   export, which is valid JSON with clean member records, as many as
//   were claimed and never more than the bound;
// - nothing hostile reached an honest member: every name, colour and
//   presence they were sent is within the bounds;
// - SIGTERM stops the server with exit status 0, and a restart loads the
//   convening (the same export, and a rejoin).
//
// Threading: everything runs on the calling thread, which also signals the
// server (by the pid of the process it started).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "convene/v1/protocol.pb.h"

namespace convene::itest {

struct AdversaryOptions {
  std::string server_binary;  // empty: ServerProcess::binary()
  uint64_t seed = 1;
  int steps = 200;             // hostile actions
  int participants = 3;        // honest participants besides the convener and an observer
  double honest_churn = 0.02;  // chance per step that an honest member drops or comes back
  // The server's resident memory must stay below this (sampled every step,
  // and its high-water mark at the end).
  long max_rss_kib = 512 << 10;
  // One line per revocation and per 50 steps; none if empty.
  std::function<void(const std::string&)> progress;
};

struct AdversaryReport {
  uint64_t seed = 0;
  // Hostile actions by kind ("participant stolen-replica", ...), and the
  // answers the server gave them ("ws ERROR_QUOTA", "close 1008",
  // "http 403 revoked", "ack", ...).
  std::map<std::string, uint64_t> actions;
  std::map<std::string, uint64_t> answers;
  uint64_t honest_ops = 0;    // ops honest members made
  uint64_t honest_acked = 0;  // of them acknowledged
  uint64_t lost_acked_ops = 0;
  uint64_t duplicated_ops = 0;  // any op in the log more than once
  uint64_t log_ops = 0;
  uint64_t log_gaps = 0;
  int diverged = 0;  // honest replicas whose document is not the export's
  int revocations = 0;
  size_t member_records = 0;  // in the export at the end
  long peak_rss_kib = 0;
  double server_cpu_s = 0;  // user + system, up to the SIGTERM
  double duration_s = 0;
  // Every answer that was not the one due, and whatever stopped the drill.
  std::vector<std::string> problems;

  bool ok() const;
  // One line: seed, counts by action and answer, honest ops, peak RSS, time.
  std::string summary() const;
};

AdversaryReport run_adversary_drill(const AdversaryOptions& options);

// Why a member entry the server sent (in a Welcome or a presence update)
// breaks what docs/protocol.md promises, or empty: a name of at most 64 code
// points of UTF-8 with no control, zero-width or bidi character, a #rrggbb
// colour, presence within its bounds, ask_to_follow only from a convener, and
// no field in a wire type other than its own (which this decoder keeps as
// unknown, and the browser's reads as its own type, failing on the frame).
std::string member_problem(const ::convene::v1::Member& m);

}  // namespace convene::itest
