#include "support/fault_drill.h"

#include <signal.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <thread>
#include <utility>

#include "crdt/ids.h"
#include "support/random_edits.h"
#include "support/server_process.h"
#include "support/ws_client.h"

namespace convene::itest {
namespace {

using Clock = std::chrono::steady_clock;
constexpr Millis kJoinTimeout{10000};
constexpr Millis kSettleTimeout{30000};
constexpr int kSeededElements = 8;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

ServerOptions server_options(const DrillOptions& o) {
  ServerOptions s;
  s.binary = o.server_binary;
  s.durability = o.durability;
  s.snapshot_every = o.snapshot_every;
  s.log_level = "warn";
  s.extra_args = o.server_args;
  return s;
}

// One simulated participant: a replica, whether it means to be online, and
// the elements it may move (the seeded ones and those it created).
struct Participant {
  std::unique_ptr<Replica> replica;
  bool online = true;
  std::vector<crdt::OpId> elements;
};

class Drill {
 public:
  explicit Drill(const DrillOptions& options)
      : options_(options), rng_(options.seed), server_(server_options(options)) {}

  DrillReport run() {
    const auto start = Clock::now();
    if (setup()) {
      std::vector<bool> terms(options_.kills, false);
      terms.resize(options_.kills + options_.terms, true);
      std::shuffle(terms.begin(), terms.end(), rng_);
      bool going = true;
      for (size_t round = 0; going && round < terms.size(); ++round)
        going = fault_round(round, terms.size(), terms[round]);
      // Audited even when something failed: the figures say how bad it is.
      if (going) settle();
      audit();
    }
    report_.duration_s = ms_since(start) / 1000;
    return report_;
  }

 private:
  Endpoint endpoint() const { return {server_.host(), server_.port(), server_.tls_ca()}; }
  void problem(std::string what) { report_.add_problem(std::move(what)); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  bool setup();
  bool seed_document(Participant& first);
  bool fault_round(size_t round, size_t rounds, bool term);
  void strike_and_edit(bool term, Millis delay);
  bool await_stop(bool term);
  void edit(Participant& p);
  void churn(Participant& p);
  bool join(Participant& p, bool must);
  std::string server_state();
  static std::string connection_state(Replica& r);
  void pump_all(Millis step);
  bool settle();
  void audit();
  void audit_log(const pb::Welcome& welcome, std::map<std::pair<uint64_t, uint64_t>, int>* log);

  DrillOptions options_;
  std::mt19937_64 rng_;
  ServerProcess server_;
  ConveningTokens tokens_;
  SharedScene scene_;
  std::vector<Participant> participants_;
  DrillReport report_;
};

bool Drill::setup() {
  if (!server_.start()) {
    problem("the server did not start: " + server_.error());
    return false;
  }
  const auto tokens = create_convening(endpoint(), "fault drill");
  if (!tokens) {
    problem("could not create a convening");
    return false;
  }
  tokens_ = *tokens;
  for (int i = 0; i < options_.clients; ++i) {
    ReplicaOptions o;
    o.token = tokens_.participant;
    o.name = "writer " + std::to_string(i);
    Participant p;
    p.replica = std::make_unique<Replica>(endpoint(), tokens_.id, i + 1, o);
    participants_.push_back(std::move(p));
  }
  if (!join(participants_[0], true) || !seed_document(participants_[0])) return false;
  for (size_t i = 1; i < participants_.size(); ++i) {
    if (!join(participants_[i], true)) return false;
    participants_[i].elements = participants_[0].elements;
  }
  return true;
}

// A map with a few elements and a draft: what everyone edits.
bool Drill::seed_document(Participant& first) {
  const auto scene = seed_scene(first.replica->doc(), kSeededElements, &first.elements);
  if (!scene) {
    problem("cannot seed the document");
    return false;
  }
  scene_ = *scene;
  report_.submitted_ops += first.replica->flush().size();
  if (!first.replica->wait_acked(kJoinTimeout)) {
    problem("the seed ops were not acknowledged");
    return false;
  }
  return true;
}

bool Drill::join(Participant& p, bool must) {
  const JoinResult r = p.replica->rejoin(kJoinTimeout);
  if (!r.ok() && must)
    problem("replica " + std::to_string(p.replica->id()) + " could not join: " + r.describe() +
            server_state());
  return r.ok();
}

// For a problem's message: how a replica's connection ended, if it did.
std::string Drill::connection_state(Replica& r) {
  if (r.connected()) return " (still connected)";
  if (!r.ws()) return " (never connected)";
  std::string out = " (disconnected: close code " +
                    std::to_string(r.ws()->close_code().value_or(0)) + " '" +
                    r.ws()->close_reason() + "', " + r.ws()->error();
  if (!r.errors().empty()) out += ", last error " + r.errors().back().message();
  return out + ")";
}

// For a problem's message: whether the server is still up, and if not, how
// it ended and what it logged last.
std::string Drill::server_state() {
  if (!server_.exited_by_itself()) return {};
  return "; the server exited with status " + std::to_string(server_.exit_status().value_or(-1)) +
         ", its log ends:\n" + server_.log_tail(15);
}

// One random edit (random_edits.h), made at once on the replica's document
// and submitted if it is connected.
void Drill::edit(Participant& p) {
  random_edit(p.replica->doc(), scene_, p.elements, rng_);
  const size_t made = p.replica->flush().size();
  report_.submitted_ops += made;
  if (!p.replica->connected()) report_.offline_ops += made;
}

// A connected client may drop and go on editing offline; an offline one may
// come back. A failed return (the server may be dying) is tried again later.
void Drill::churn(Participant& p) {
  if (!chance(options_.client_churn)) return;
  if (p.online) {
    p.online = false;
    p.replica->drop();
    ++report_.client_drops;
  } else {
    p.online = true;
    join(p, false);
  }
}

// Handles what has arrived for every participant; takes at least `step`,
// also when nobody is connected, so offline clients edit at the same pace.
void Drill::pump_all(Millis step) {
  const auto end = Clock::now() + step;
  const auto count = static_cast<int64_t>(participants_.size());
  const Millis each{std::max<int64_t>(1, step.count() / std::max<int64_t>(1, count))};
  for (auto& p : participants_) p.replica->pump(each);
  std::this_thread::sleep_until(end);
}

bool Drill::fault_round(size_t round, size_t rounds, bool term) {
  for (auto& p : participants_)
    if (p.online && !p.replica->connected() && !join(p, true)) return false;
  const Millis delay{
      std::uniform_int_distribution<int64_t>(0, options_.max_fault_delay.count())(rng_)};
  strike_and_edit(term, delay);
  if (!await_stop(term)) return false;
  // Every connection belonged to the process that is gone. A real client
  // reads the end of its connection at once; these are pumped in turns and
  // might still be handling older messages, so they are told now.
  for (auto& p : participants_)
    if (p.replica->connected()) p.replica->drop();
  const auto restart = Clock::now();
  if (!server_.restart()) {
    problem("the server did not restart after fault " + std::to_string(round + 1) + ": " +
            server_.error());
    return false;
  }
  report_.restart_ms.push_back(ms_since(restart));
  if (options_.progress) {
    std::ostringstream line;
    line << "fault " << round + 1 << "/" << rounds << ": " << (term ? "SIGTERM" : "SIGKILL")
         << " after " << delay.count() << " ms, restarted in "
         << static_cast<int>(report_.restart_ms.back()) << " ms";
    options_.progress(line.str());
  }
  return true;
}

// Everyone edits for `delay`; then, right after a last round of edits has
// been sent, the server is signalled. A random pause of up to 3 ms between
// the two lands the signal at any point of the server's pipeline: reading
// the Submits, validating, in the middle of the commit's fsync, or
// acknowledging.
void Drill::strike_and_edit(bool term, Millis delay) {
  const auto strike_at = Clock::now() + delay;
  do {
    for (auto& p : participants_) {
      if (chance(0.5)) edit(p);
      churn(p);
    }
    pump_all(Millis(4));
  } while (Clock::now() < strike_at);
  for (auto& p : participants_)
    if (p.replica->connected()) edit(p);
  std::this_thread::sleep_for(std::chrono::microseconds(pick(3000)));
  ::kill(server_.pid(), term ? SIGTERM : SIGKILL);
  const bool unacked = std::any_of(participants_.begin(), participants_.end(), [](auto& p) {
    return p.replica->connected() && !p.replica->pending().empty();
  });
  if (unacked) ++report_.faults_with_unacked_ops;
}

// SIGKILL: reap. SIGTERM: the server must close every connection and exit 0
// on its own; clients are pumped meanwhile so their close handshakes finish.
bool Drill::await_stop(bool term) {
  if (!term) {
    server_.kill();
    ++report_.kills;
    return true;
  }
  ++report_.terms;
  std::vector<Replica*> live;
  for (auto& p : participants_)
    if (p.replica->connected()) live.push_back(p.replica.get());
  const auto deadline = Clock::now() + Millis(15000);
  while (!server_.exited_by_itself()) {
    if (Clock::now() >= deadline) {
      ++report_.unclean_stops;
      problem("the server did not exit within 15 s of SIGTERM");
      server_.kill();
      return true;
    }
    pump_all(Millis(2));
  }
  if (server_.exit_status() != 0) {
    ++report_.unclean_stops;
    problem("the server exited with status " + std::to_string(server_.exit_status().value_or(-1)) +
            " after SIGTERM");
  }
  // Read what the server sent before it went: the close frames come last.
  const auto read_deadline = Clock::now() + Millis(5000);
  while (Clock::now() < read_deadline &&
         std::any_of(live.begin(), live.end(), [](Replica* r) { return r->connected(); }))
    pump_all(Millis(2));
  for (Replica* r : live) {
    const int code = r->ws()->close_code().value_or(0);
    if (code != 1001)
      problem("replica " + std::to_string(r->id()) + " was closed with " + std::to_string(code) +
              " (" + r->ws()->error() + ") on SIGTERM, not 1001");
  }
  return true;
}

// Everyone back online; every op acknowledged and received by everyone.
bool Drill::settle() {
  std::map<uint64_t, uint64_t> last_counters;
  for (auto& p : participants_) {
    p.online = true;
    if (!p.replica->connected() && !join(p, true)) return false;
  }
  for (auto& p : participants_) {
    if (!p.replica->wait_acked(kSettleTimeout)) {
      problem("replica " + std::to_string(p.replica->id()) + " still has " +
              std::to_string(p.replica->pending().size()) + " unacknowledged ops");
      return false;
    }
    const auto& sent = p.replica->sent();
    if (!sent.empty())
      last_counters[p.replica->id()] =
          sent.rbegin()->first + crdt::op_span(sent.rbegin()->second) - 1;
  }
  bool all = true;
  for (auto& p : participants_) {
    if (p.replica->wait_has(last_counters, kSettleTimeout)) continue;
    problem("replica " + std::to_string(p.replica->id()) + " never received every op" +
            connection_state(*p.replica));
    all = false;
  }
  return all;
}

// Reads the whole log through a Welcome that carries every op from seq 1,
// counting each op id and every missing seq.
void Drill::audit_log(const pb::Welcome& welcome,
                      std::map<std::pair<uint64_t, uint64_t>, int>* log) {
  uint64_t expected = 1;
  for (const pb::SequencedOp& op : welcome.ops()) {
    if (op.seq() > expected) report_.log_gaps += op.seq() - expected;
    expected = op.seq() + 1;
    ++(*log)[{op.op().replica(), op.op().counter()}];
  }
  if (welcome.head_seq() + 1 > expected) report_.log_gaps += welcome.head_seq() + 1 - expected;
  report_.log_ops = static_cast<uint64_t>(welcome.ops_size());
}

void Drill::audit() {
  ReplicaOptions o;
  o.token = tokens_.convener;
  o.name = "auditor";
  o.ops_only = true;
  Replica auditor(endpoint(), tokens_.id, options_.clients + 1, o);
  const JoinResult r = auditor.join(kJoinTimeout);
  std::map<std::pair<uint64_t, uint64_t>, int> log;
  if (r.ok()) {
    audit_log(*r.welcome, &log);
  } else {
    problem("the auditor could not join: " + r.describe() + server_state());
    // Refused: the convening itself is gone, and its log with it. No answer
    // at all: nothing can be said about the log.
    if (!r.error) return;
  }
  for (const auto& [id, count] : log) report_.duplicated_ops += static_cast<uint64_t>(count - 1);

  const HttpResponse exported = export_convening(endpoint(), tokens_.id, tokens_.convener);
  const nlohmann::json server_state = document_part(exported.json());
  if (exported.status != 200) problem("export: " + exported.describe());
  if (document_part(auditor.doc().to_json()) != server_state)
    problem("replaying the log does not give the export");
  for (auto& p : participants_) {
    for (const auto& [first_counter, seq] : p.replica->acks()) {
      ++report_.acked_ops;
      if (!log.count({p.replica->id(), first_counter})) ++report_.lost_acked_ops;
    }
    if (document_part(p.replica->doc().to_json()) != server_state) ++report_.diverged_clients;
    for (const std::string& v : p.replica->order_violations()) problem(v);
  }
}

}  // namespace

void DrillReport::add_problem(std::string what) {
  if (problems.size() < kMaxProblems)
    problems.push_back(std::move(what));
  else
    ++problems_not_shown;
}

bool DrillReport::ok() const {
  return problems.empty() && lost_acked_ops == 0 && duplicated_ops == 0 && log_gaps == 0 &&
         diverged_clients == 0 && unclean_stops == 0;
}

DrillReport run_fault_drill(const DrillOptions& options) {
  Drill drill(options);
  return drill.run();
}

}  // namespace convene::itest
