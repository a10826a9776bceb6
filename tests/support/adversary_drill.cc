#include "support/adversary_drill.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <cmath>
#include <deque>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "crdt/utf8.h"
#include "support/random_edits.h"
#include "support/server_process.h"
#include "support/ws_client.h"

namespace convene::itest {
namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

constexpr Millis kAnswerTimeout{5000};
constexpr Millis kJoinTimeout{10000};
constexpr Millis kSettleTimeout{30000};

// The quotas, lowered from their defaults (20,000 ops and 8 MiB a minute,
// 10,000 records, 1,000 online) so that one run of a few hundred actions
// reaches each of them; every other limit is the default.
constexpr int kMemberOpsPerMinute = 600;
constexpr int kMemberMbPerMinute = 2;
constexpr size_t kMaxMemberRecords = 100;
constexpr size_t kMaxLiveMembers = 24;
// Exports a token may ask for a minute (the default).
constexpr size_t kExportsPerMinute = 30;

// Replica ids: honest members from 101, the auditor 199; hostile ones of a
// small pool (one-byte varints, so a resend of many ops fits a frame), and
// fresh ones from 10,000 that claim new member records.
constexpr uint64_t kFirstHonestReplica = 101;
constexpr uint64_t kAuditorReplica = 199;
constexpr uint64_t kParticipantSession = 11;
constexpr uint64_t kParticipantFloods[] = {12, 13, 14, 15};
constexpr uint64_t kObserverSession = 21;
constexpr uint64_t kObserverFlood = 22;
constexpr uint64_t kFirstFreshReplica = 10000;

// The default colour of a member whose colour is not #rrggbb
// (rooms/identity.h).
constexpr std::string_view kDefaultColour = "#6b7280";

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string hostile_secret(uint64_t replica) {
  return "hostile secret of " + std::to_string(replica) + " .........";
}

std::string repeat(const std::string& s, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += s;
  return out;
}

// ---- the server process from outside -----------------------------------------------

// A field of /proc/PID/status in KiB ("VmRSS", "VmHWM"), 0 if unknown.
long proc_status_kib(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  return 0;
}

// The process's CPU time (user + system) in seconds, 0 if unknown.
double proc_cpu_seconds(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const size_t paren = text.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream in(text.substr(paren + 2));
  std::string skip;
  for (int i = 0; i < 11; ++i) in >> skip;  // fields 3 to 13
  double user = 0, system = 0;
  in >> user >> system;
  return (user + system) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// ---- what an honest member may be sent ----------------------------------------------

// Characters that must never reach another member in a name: controls,
// zero-width characters, bidirectional embeddings, overrides and isolates,
// and the byte-order mark (docs/protocol.md, Hello).
bool invisible(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0x200B && cp <= 0x200F) ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

bool lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// A field of a JSON object, or null. The server's answers are what is under
// test, so a key may be missing: operator[] on a const json is undefined then.
const Json& field(const Json& object, const std::string& key) {
  static const Json null;
  if (!object.is_object()) return null;
  const auto it = object.find(key);
  return it == object.end() ? null : *it;
}

bool clean_colour(std::string_view c) {
  return c.size() == 7 && c[0] == '#' && lower_hex(c.substr(1));
}

std::string name_problem(const std::string& name) {
  if (!crdt::utf8::valid(name)) return "a name that is not UTF-8";
  const std::u32string cps = crdt::utf8::decode_lenient(name);
  if (cps.empty() || cps.size() > 64)
    return "a name of " + std::to_string(cps.size()) + " code points";
  for (char32_t cp : cps)
    if (invisible(cp)) return "a name holding U+" + std::to_string(static_cast<uint32_t>(cp));
  return {};
}

std::string presence_problem(const pb::PresenceState& p) {
  if (p.ByteSizeLong() > 4096) return "presence of " + std::to_string(p.ByteSizeLong()) + " bytes";
  if (p.selection_size() > 256) return std::to_string(p.selection_size()) + " selected ids";
  for (double d :
       {p.cursor().x(), p.cursor().y(), p.viewport().x(), p.viewport().y(), p.viewport().zoom()})
    if (!std::isfinite(d)) return "a coordinate that is not finite";
  if (!p.following().empty() && (p.following().size() != 16 || !lower_hex(p.following())))
    return "following '" + p.following().substr(0, 40) + "'";
  return {};
}

// Whether `m`, or a message in it, holds a field this decoder kept as
// unknown though its number is known: it came in another wire type.
bool misshapen(const google::protobuf::Message& m) {
  const auto* reflection = m.GetReflection();
  const auto& unknown = reflection->GetUnknownFields(m);
  for (int i = 0; i < unknown.field_count(); ++i)
    if (m.GetDescriptor()->FindFieldByNumber(unknown.field(i).number())) return true;
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(m, &fields);
  for (const auto* f : fields) {
    if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    const int n = f->is_repeated() ? reflection->FieldSize(m, f) : 1;
    for (int i = 0; i < n; ++i)
      if (misshapen(f->is_repeated() ? reflection->GetRepeatedMessage(m, f, i)
                                     : reflection->GetMessage(m, f)))
        return true;
  }
  return false;
}

// ---- hostile clients ----------------------------------------------------------------

enum class Role { kParticipant, kObserver, kRevoked, kStranger };

const char* role_name(Role r) {
  switch (r) {
    case Role::kParticipant:
      return "participant";
    case Role::kObserver:
      return "observer";
    case Role::kRevoked:
      return "revoked";
    case Role::kStranger:
      return "stranger";
  }
  return "?";
}

struct HelloFields {
  std::string token;
  uint64_t replica = 0;
  std::string secret;
  std::string name = "hostile";
  std::string colour = "#aa0000";
  std::vector<pb::Op> resend;
};

pb::ClientMessage hello_message(const std::string& convening, const HelloFields& f) {
  pb::ClientMessage m;
  pb::Hello* h = m.mutable_hello();
  h->set_protocol(1);
  h->set_token(f.token);
  h->set_replica(f.replica);
  h->set_replica_secret(f.secret);
  h->set_convening(convening);
  h->set_name(f.name);
  h->set_colour(f.colour);
  h->set_batches(true);
  for (const pb::Op& op : f.resend) *h->add_resend() = op;
  return m;
}

// The convening's member records as the server must keep them
// (rooms/members.h): one per replica admitted, at most kMaxMemberRecords. A
// new replica in a full convening takes the place of one that is offline and
// never made an op, least recently seen first; only when there is none is it
// refused (ERROR_QUOTA, 1008). Which record the server gives up can differ
// from the one this model does when several were seen at the same moment:
// those are replicas that never come back, so the count stays exact.
class MemberRecords {
 public:
  // The replica's Welcome arrived. False if it needed a new record in a full
  // convening and no record could have made room.
  bool admitted(uint64_t replica) {
    if (!records_.count(replica) && full()) {
      const auto gone = evictable(false);
      if (!gone) return false;
      records_.erase(*gone);
    }
    Record& r = records_[replica];
    r.seen = Clock::now();
    r.online = true;
    return true;
  }
  void offline(uint64_t replica) {
    const auto it = records_.find(replica);
    if (it == records_.end() || !it->second.online) return;
    it->second.online = false;
    it->second.offline_since = Clock::now();
  }
  // The replica sent ops, some of which may be in the log: its record may
  // never be given up (whether the server took any is not tracked).
  void submitted(uint64_t replica) { records_[replica].submitted = true; }
  bool has(uint64_t replica) const { return records_.count(replica) > 0; }
  bool full() const { return records_.size() >= kMaxMemberRecords; }
  size_t size() const { return records_.size(); }
  // A record the server must give up for a new replica: offline long enough
  // for the server to have seen it leave, and never sent an op.
  std::optional<uint64_t> surely_evictable() const { return evictable(true); }

 private:
  struct Record {
    Clock::time_point seen, offline_since;
    bool online = false, submitted = false;
  };

  // The least recently seen record that may be given up: surely, or (when
  // `surely` is false and there is none) as the server may have judged.
  std::optional<uint64_t> evictable(bool surely) const {
    const auto now = Clock::now();
    const auto least_seen = [&](auto&& may_go) {
      std::optional<uint64_t> best;
      for (const auto& [replica, r] : records_)
        if (may_go(r) && (!best || r.seen < records_.at(*best).seen)) best = replica;
      return best;
    };
    auto best = least_seen([&](const Record& r) {
      return !r.online && !r.submitted && now - r.offline_since > std::chrono::seconds(2);
    });
    if (best || surely) return best;
    best = least_seen([](const Record& r) { return !r.online && !r.submitted; });
    return best ? best : least_seen([](const Record& r) { return !r.online; });
  }

  std::map<uint64_t, Record> records_;
};

// A hostile member's connection, and a mirror of the document built from its
// Welcome and the ops that follow, so that its crafted ops can name real
// entities and its own next counter. Unlike Replica it reports nothing as a
// protocol violation: it expects to be refused. Ops it means the server to
// take are applied to the mirror first; one refused leaves the mirror ahead
// of the server, and the client is then closed and joined anew.
class HostileClient {
 public:
  // `records` hears when the client submits and when it leaves.
  HostileClient(Endpoint at, std::string convening, HelloFields hello, MemberRecords& records)
      : at_(std::move(at)),
        convening_(std::move(convening)),
        hello_(std::move(hello)),
        records_(records) {}
  ~HostileClient() { records_.offline(hello_.replica); }
  HostileClient(const HostileClient&) = delete;
  HostileClient& operator=(const HostileClient&) = delete;

  // Connects and sends Hello (with `resend`); the Welcome or Error, or
  // nullopt (see failure()). After a Welcome the mirror is the server's state.
  std::optional<pb::ServerMessage> join(std::vector<pb::Op> resend = {}) {
    ws_ = std::make_unique<WsClient>();
    acked_ = 0;
    errors_.clear();
    if (!ws_->connect(at_)) return std::nullopt;
    HelloFields f = hello_;
    f.resend = std::move(resend);
    if (!f.resend.empty()) records_.submitted(hello_.replica);
    if (!ws_->send(hello_message(convening_, f))) return std::nullopt;
    auto answer = ws_->receive_until(
        [](const pb::ServerMessage& m) { return m.has_welcome() || m.has_error(); },
        kAnswerTimeout);
    if (answer && answer->has_welcome()) adopt(answer->welcome());
    if (answer && answer->has_error()) errors_.push_back(answer->error());
    return answer;
  }

  bool connected() const { return ws_ && ws_->is_open(); }
  std::string failure() const { return ws_ ? ws_->error() : "never connected"; }
  std::optional<int> close_code() const { return ws_ ? ws_->close_code() : std::nullopt; }
  uint64_t replica() const { return hello_.replica; }
  crdt::Document& mirror() { return mirror_; }
  uint64_t next_counter() const { return mirror_.version().last(hello_.replica) + 1; }
  // The highest counter of this replica acknowledged on this connection.
  uint64_t acked() const { return acked_; }
  const std::vector<pb::Error>& errors() const { return errors_; }
  void set_token(std::string token) { hello_.token = std::move(token); }

  bool send(const pb::ClientMessage& m) { return connected() && ws_->send(m); }
  bool send_raw(const std::string& bytes) { return connected() && ws_->send_raw(bytes); }
  bool submit(const std::vector<pb::Op>& ops) {
    records_.submitted(hello_.replica);
    pb::ClientMessage m;
    for (const pb::Op& op : ops) *m.mutable_submit()->add_ops() = op;
    return send(m);
  }
  bool send_presence(const pb::PresenceState& p) {
    pb::ClientMessage m;
    *m.mutable_presence() = p;
    return send(m);
  }

  // Handles what arrives until `done()`, the timeout or the close.
  bool pump_until(const std::function<bool()>& done, Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!done()) {
      if (!ws_) return false;
      const auto left = std::chrono::ceil<Millis>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      std::optional<pb::ServerMessage> m = ws_->receive(left);
      if (m)
        handle(*m);
      else if (!ws_->is_open())
        return done();
    }
    return true;
  }
  void drain() {
    while (ws_ && ws_->is_open()) {
      std::optional<pb::ServerMessage> m = ws_->receive(Millis(1));
      if (!m) return;
      handle(*m);
    }
  }

  std::optional<pb::Error> next_error(size_t before, Millis timeout = kAnswerTimeout) {
    if (!pump_until([&] { return errors_.size() > before; }, timeout)) return std::nullopt;
    return errors_[before];
  }
  // A Ping answered: the connection is open and took what came before it.
  bool ping() {
    const uint64_t nonce = ++nonce_;
    pb::ClientMessage m;
    m.mutable_ping()->set_nonce(nonce);
    return send(m) && pump_until([&] { return pongs_.count(nonce) > 0; }, kAnswerTimeout);
  }
  void close() {
    if (ws_) ws_->close(Millis(1000));
    records_.offline(hello_.replica);
  }
  void drop() {
    if (ws_) ws_->drop();
    records_.offline(hello_.replica);
  }

 private:
  void adopt(const pb::Welcome& w) {
    mirror_ = crdt::Document(hello_.replica);
    if (!w.snapshot().empty()) {
      auto decoded = crdt::Document::decode_snapshot(w.snapshot(), hello_.replica);
      if (decoded.ok()) mirror_ = std::move(decoded.value);
    }
    for (const pb::SequencedOp& op : w.ops()) (void)mirror_.apply(op.op());
  }
  void handle(const pb::ServerMessage& m) {
    if (m.has_ops())
      for (const pb::SequencedOp& op : m.ops().ops()) (void)mirror_.apply(op.op());
    if (m.has_ack() && m.ack().replica() == hello_.replica)
      acked_ = std::max<uint64_t>(acked_, m.ack().counter());
    if (m.has_error()) errors_.push_back(m.error());
    if (m.has_pong()) pongs_.insert(m.pong().nonce());
  }

  Endpoint at_;
  std::string convening_;
  HelloFields hello_;
  std::unique_ptr<WsClient> ws_;
  crdt::Document mirror_;
  uint64_t acked_ = 0;
  std::vector<pb::Error> errors_;
  std::set<uint64_t> pongs_;
  uint64_t nonce_ = 0;
  MemberRecords& records_;
};

// A fresh connection's answer to one first frame: the first Welcome or
// Error, and, if the server closed the connection, its close code.
struct Answer {
  std::optional<pb::ServerMessage> message;
  std::optional<int> close_code;
  bool open = false;
  std::string failure;

  std::string describe() const {
    std::string out = message ? itest::describe(*message) : "no answer (" + failure + ")";
    if (close_code) out += ", close " + std::to_string(*close_code);
    if (open) out += ", still open";
    return out;
  }
};

// ---- honest members -------------------------------------------------------------------

struct Honest {
  std::string name;
  pb::Role role = pb::ROLE_PARTICIPANT;
  uint64_t replica_id = 0;
  std::unique_ptr<Replica> replica;
  // Replaced after their link was revoked: what they had acknowledged must
  // still be in the log.
  std::vector<std::unique_ptr<Replica>> retired;
  std::vector<crdt::OpId> elements;
  bool online = true;
  size_t errors_judged = 0;
  size_t presence_judged = 0;

  bool editor() const { return role != pb::ROLE_OBSERVER; }
  bool made_ops() const {
    return !replica->acks().empty() ||
           std::any_of(retired.begin(), retired.end(), [](auto& r) { return !r->acks().empty(); });
  }
};

class Drill;

// A hostile action, how it is counted, and how often it is picked.
struct ActionEntry {
  const char* kind;
  void (Drill::*run)(Role);
  int weight;
};

// Requests to the REST API, and what a hostile one must be answered.
struct RestCase {
  std::string method;
  std::string target;
  std::string token;
  std::string body;
  std::string content_type = "application/json";
  int status = 200;
  std::string code;         // the JSON error code due, if any
  std::string rate_key;     // exports: the key their rate is counted by
  std::string role_answer;  // access checks: the role due
};

class Drill {
 public:
  explicit Drill(const AdversaryOptions& options)
      : options_(options), rng_(options.seed), server_(server_options(options)) {
    report_.seed = options.seed;
  }

  AdversaryReport run() {
    const auto start = Clock::now();
    if (setup()) {
      for (int step = 0; step < options_.steps && server_alive(); ++step) this->step(step);
      close_hostile_sessions();
      if (server_alive() && settle()) {
        audit();
        stop_and_restart();
      }
    }
    report_.duration_s = ms_since(start) / 1000;
    return report_;
  }

 private:
  static ServerOptions server_options(const AdversaryOptions& o) {
    ServerOptions s;
    s.binary = o.server_binary;
    s.durability = "os";
    s.snapshot_every = 200;
    s.log_level = "warn";
    s.extra_args = {"--member-ops-per-minute", std::to_string(kMemberOpsPerMinute),
                    "--member-mb-per-minute",  std::to_string(kMemberMbPerMinute),
                    "--max-member-records",    std::to_string(kMaxMemberRecords),
                    "--max-live-members",      std::to_string(kMaxLiveMembers)};
    return s;
  }

  Endpoint endpoint() const { return {server_.host(), server_.port(), server_.tls_ca()}; }
  void problem(std::string what) { report_.problems.push_back(std::move(what)); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  uint64_t between(uint64_t lo, uint64_t hi) {
    return std::uniform_int_distribution<uint64_t>(lo, hi)(rng_);
  }
  void note(const std::string& answer) { ++report_.answers[answer]; }
  void note(const Answer& a);
  void count_action(Role role, const std::string& kind) {
    action_ = std::string(role_name(role)) + " " + kind;
    ++report_.actions[action_];
  }
  // A problem with the action under way.
  void wrong(const std::string& what) { problem(action_ + ": " + what); }

  // Setup and the run.
  bool setup();
  bool create_honest();
  bool seed_scene_as(Honest& convener);
  void step(int step);
  bool server_alive();
  void sample_rss();

  // Honest members.
  void honest_step();
  void honest_edit(Honest& h);
  void honest_presence(Honest& h);
  void honest_churn(Honest& h);
  bool honest_join(Honest& h);
  void judge_honest(Honest& h);
  void judge_member(const Honest& h, const pb::Member& m, const char* where);
  void pump_everyone(Millis step);

  // Revocations.
  void maybe_revoke(int step);
  void revoke(pb::Role role);
  bool quiesce(pb::Role role);
  void replace_revoked(Honest& h, const std::string& token);

  // Hostile actions.
  static const std::vector<ActionEntry>& actions_of(Role role);
  void hostile_step();
  std::string token_of(Role role);
  std::string random_token();
  uint64_t fresh_replica() { return next_fresh_++; }
  HostileClient* session(Role role);
  std::unique_ptr<HostileClient> flood_client(Role role);
  bool joined(HostileClient& c, const std::optional<pb::ServerMessage>& answer);
  bool judge_join(uint64_t replica, const Answer& a);
  size_t recent_drops();
  Answer ask(const std::string& first_frame, bool wait_close);
  bool expect_refusal(const Answer& a, pb::ErrorCode code, std::optional<int> close);
  bool expect_error(HostileClient& c, size_t before, pb::ErrorCode code,
                    std::optional<crdt::OpId> op);
  pb::Op crafted(HostileClient& c);
  using OpShaper = std::function<void(HostileClient&, pb::Op&)>;
  void expect_op_refused(Role role, pb::ErrorCode code, bool named, const OpShaper& shape);
  void judge_quota(HostileClient& c, uint64_t first, uint64_t last);
  size_t live_estimate() const;

  void stolen_replica(Role role);
  void bad_secret(Role role);
  void odd_name(Role role);
  void invalid_utf8_name(Role role);
  void stranger_hello(Role role);
  void revoked_hello(Role role);
  void out_of_order(Role role);
  void forged_op(Role role);
  void clock_ahead(Role role);
  void counter_gap(Role role);
  void speak_for_others(Role role);
  void overlapping_delete(Role role);
  void remove_restore(Role role);
  void observer_submit(Role role);
  void bad_presence(Role role);
  void ask_to_follow(Role role);
  void misshapen_presence(Role role);
  void presence_flood(Role role);
  void submit_flood(Role role);
  void big_notes(Role role);
  void resend_flood(Role role);
  void reconnect_loop(Role role);
  void crowd(Role role);
  void rest(Role role);
  std::vector<RestCase> rest_cases(Role role);
  void judge_rest(const RestCase& c);
  void head_request(const std::string& token);
  bool may_be_rate_limited(const std::string& key);

  // The end.
  void close_hostile_sessions();
  bool settle();
  bool last_edits();
  std::optional<Json> converged_export();
  void audit();
  std::set<std::pair<uint64_t, uint64_t>> audit_log(const pb::Welcome& welcome);
  void audit_export(const Json& state);
  void stop_and_restart();
  bool await_sigterm();

  AdversaryOptions options_;
  std::mt19937_64 rng_;
  ServerProcess server_;
  ConveningTokens tokens_;
  std::string elsewhere_token_;  // a participant token of another convening
  std::vector<std::string> revoked_tokens_;
  SharedScene scene_;
  std::vector<crdt::OpId> seeded_;  // elements every replica has from the start
  std::vector<Honest> honest_;
  MemberRecords records_;
  std::unique_ptr<HostileClient> participant_session_, observer_session_;
  uint64_t next_fresh_ = kFirstFreshReplica;
  size_t crowd_size_ = 0;  // crowd members online
  int revoke_participants_at_ = -1, revoke_observers_at_ = -1;
  std::deque<Clock::time_point> recent_drops_;  // abrupt hostile drops the server may not have seen
  std::map<std::string, std::deque<Clock::time_point>> exports_by_key_;
  std::string action_;
  AdversaryReport report_;
};

void Drill::note(const Answer& a) {
  if (a.message)
    note(a.message->has_error() ? "ws " + error_code_name(a.message->error().code())
                                : std::string("welcome"));
  if (a.close_code) note("close " + std::to_string(*a.close_code));
  if (!a.message && !a.close_code) note("no answer");
}

// ---- setup ----------------------------------------------------------------------------

bool Drill::setup() {
  if (!server_.start()) {
    problem("the server did not start: " + server_.error());
    return false;
  }
  const auto tokens = create_convening(endpoint(), "adversary drill");
  const auto elsewhere = create_convening(endpoint(), "elsewhere");
  if (!tokens || !elsewhere) {
    problem("could not create the convenings");
    return false;
  }
  tokens_ = *tokens;
  elsewhere_token_ = elsewhere->participant;
  // Revocations strike at a random step of each run (or not at all), and
  // every honest member holding the link moves to the new one.
  if (chance(0.8)) revoke_participants_at_ = static_cast<int>(between(0, options_.steps / 2));
  if (chance(0.8))
    revoke_observers_at_ = static_cast<int>(between(options_.steps / 4, 3 * options_.steps / 4));
  return create_honest();
}

bool Drill::create_honest() {
  static const char* kNames[] = {"Ana", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus"};
  const int members = options_.participants + 2;
  for (int i = 0; i < members; ++i) {
    Honest h;
    h.name = kNames[i % std::size(kNames)];
    h.role =
        i == 0 ? pb::ROLE_CONVENER : (i == members - 1 ? pb::ROLE_OBSERVER : pb::ROLE_PARTICIPANT);
    h.replica_id = kFirstHonestReplica + static_cast<uint64_t>(i);
    ReplicaOptions o;
    o.token = h.role == pb::ROLE_CONVENER
                  ? tokens_.convener
                  : (h.role == pb::ROLE_OBSERVER ? tokens_.observer : tokens_.participant);
    o.name = h.name;
    h.replica = std::make_unique<Replica>(endpoint(), tokens_.id, h.replica_id, o);
    honest_.push_back(std::move(h));
  }
  if (!honest_join(honest_[0]) || !seed_scene_as(honest_[0])) return false;
  for (size_t i = 1; i < honest_.size(); ++i) {
    if (!honest_join(honest_[i])) return false;
    if (honest_[i].editor()) honest_[i].elements = honest_[0].elements;
  }
  return true;
}

bool Drill::seed_scene_as(Honest& convener) {
  const auto scene = seed_scene(convener.replica->doc(), 8, &convener.elements);
  if (!scene) {
    problem("cannot seed the document");
    return false;
  }
  scene_ = *scene;
  seeded_ = convener.elements;
  report_.honest_ops += convener.replica->flush().size();
  if (convener.replica->wait_acked(kJoinTimeout)) return true;
  problem("the seed ops were not acknowledged");
  return false;
}

void Drill::step(int step) {
  maybe_revoke(step);
  hostile_step();
  honest_step();
  sample_rss();
  if (options_.progress && (step + 1) % 50 == 0)
    options_.progress("seed " + std::to_string(options_.seed) + ": step " +
                      std::to_string(step + 1) + "/" + std::to_string(options_.steps) + ", RSS " +
                      std::to_string(report_.peak_rss_kib >> 10) + " MiB peak");
}

bool Drill::server_alive() {
  if (!server_.exited_by_itself()) return true;
  problem("the server exited with status " + std::to_string(server_.exit_status().value_or(-1)) +
          " during: " + action_ + "; its log ends:\n" + server_.log_tail(15));
  return false;
}

void Drill::sample_rss() {
  if (server_.running())
    report_.peak_rss_kib = std::max(report_.peak_rss_kib, proc_status_kib(server_.pid(), "VmRSS"));
}

// ---- honest members ---------------------------------------------------------------------

void Drill::honest_step() {
  for (Honest& h : honest_) {
    honest_churn(h);
    if (h.editor() && chance(0.3)) honest_edit(h);
    if (h.replica->connected() && chance(0.2)) honest_presence(h);
  }
  pump_everyone(Millis(4));
  for (Honest& h : honest_) judge_honest(h);
}

void Drill::honest_edit(Honest& h) {
  random_edit(h.replica->doc(), scene_, h.elements, rng_);
  report_.honest_ops += h.replica->flush().size();
}

// A cursor, now and then a selection, a caret and someone followed: what a
// browser sends as its member looks around.
void Drill::honest_presence(Honest& h) {
  pb::PresenceState p;
  scene_.map.to_pb(p.mutable_map());
  p.mutable_cursor()->set_x(static_cast<double>(pick(2000)));
  p.mutable_cursor()->set_y(static_cast<double>(pick(1200)));
  if (!h.elements.empty() && chance(0.3))
    h.elements[pick(h.elements.size())].to_pb(p.add_selection());
  if (chance(0.3)) {
    scene_.variant.to_pb(p.mutable_caret()->mutable_variant());
    p.mutable_caret()->set_anchor(pick(20));
    p.mutable_caret()->set_head(pick(20));
  }
  if (chance(0.1)) p.set_following(member_id_of(honest_[pick(honest_.size())].replica_id));
  h.replica->send_presence(p);
}

// A member may drop (and go on editing offline) or come back; one the
// server disconnected is judged and comes back at once.
void Drill::honest_churn(Honest& h) {
  if (h.online && !h.replica->connected()) {
    judge_honest(h);
    const auto* ws = h.replica->ws();
    wrong("honest " + h.name + " was disconnected by the server (close " +
          std::to_string(ws ? ws->close_code().value_or(0) : 0) + ")");
    honest_join(h);
    return;
  }
  if (!chance(options_.honest_churn)) return;
  h.online = !h.online;
  if (h.online)
    honest_join(h);
  else
    h.replica->drop(), records_.offline(h.replica_id);
}

// Joins, or rejoins resending what was not acknowledged. The room may be
// full for a moment after a crowd left (the server hears of leaves a little
// later): then it tries again.
bool Drill::honest_join(Honest& h) {
  const auto deadline = Clock::now() + kJoinTimeout;
  for (;;) {
    const JoinResult r = h.replica->rejoin(kJoinTimeout);
    if (r.ok()) {
      h.online = true;
      h.errors_judged = h.replica->errors().size();
      if (!records_.admitted(h.replica_id))
        problem("honest " + h.name + " was admitted past the bound on member records");
      if (h.editor()) records_.submitted(h.replica_id);
      for (const pb::Member& m : r.welcome->members()) judge_member(h, m, "a Welcome");
      return true;
    }
    const bool full = r.error && r.error->code() == pb::ERROR_QUOTA;
    if (!full || Clock::now() >= deadline) {
      problem("honest " + h.name + " could not join: " + r.describe());
      return false;
    }
    std::this_thread::sleep_for(Millis(100));
  }
}

// Every error an honest member gets is a problem (a revocation's is judged
// where it happens), and so is any member entry it was sent that breaks the
// bounds: a hostile name, colour or presence that reached it.
void Drill::judge_honest(Honest& h) {
  Replica& r = *h.replica;
  for (; h.errors_judged < r.errors().size(); ++h.errors_judged) {
    const pb::Error& e = r.errors()[h.errors_judged];
    problem("honest " + h.name + " got " + error_code_name(e.code()) + " '" + e.message() +
            "' after " + action_);
  }
  const auto judge = [&](const pb::Member& m, const char* where) { judge_member(h, m, where); };
  for (; h.presence_judged < r.presence_updates().size(); ++h.presence_judged)
    for (const pb::Member& m : r.presence_updates()[h.presence_judged].members())
      judge(m, "a presence update");
}

void Drill::judge_member(const Honest& h, const pb::Member& m, const char* where) {
  if (const std::string why = member_problem(m); !why.empty())
    problem("honest " + h.name + " was sent, in " + where + ", member " + m.id() + " with " + why +
            " (after " + action_ + ")");
}

// Handles what has arrived for everyone; takes at least `step`.
void Drill::pump_everyone(Millis step) {
  const auto end = Clock::now() + step;
  for (Honest& h : honest_)
    if (h.replica->connected()) h.replica->pump(Millis(1));
  for (auto* s : {participant_session_.get(), observer_session_.get()})
    if (s) s->drain();
  std::this_thread::sleep_until(end);
}

// ---- revocations --------------------------------------------------------------------------

void Drill::maybe_revoke(int step) {
  if (step == revoke_participants_at_) revoke(pb::ROLE_PARTICIPANT);
  if (step == revoke_observers_at_) revoke(pb::ROLE_OBSERVER);
}

// The convener revokes a link; every live connection with it is closed with
// ERROR_REVOKED, honest members move to the new link, and the old one is the
// revoked member's from now on.
void Drill::revoke(pb::Role role) {
  const std::string kind = role == pb::ROLE_OBSERVER ? "observer" : "participant";
  action_ = "revoking the " + kind + " link";
  if (!quiesce(role)) return;
  const HttpResponse r = revoke_invite(endpoint(), tokens_.id, kind, tokens_.convener);
  const Json body = r.json();
  if (r.status != 200 || !field(field(body, "invites"), kind).is_string()) {
    problem("revoking the " + kind + " link: " + r.describe());
    return;
  }
  std::string& token = role == pb::ROLE_OBSERVER ? tokens_.observer : tokens_.participant;
  revoked_tokens_.push_back(token);
  token = field(field(body, "invites"), kind).get<std::string>();
  ++report_.revocations;
  for (Honest& h : honest_)
    if (h.role == role) replace_revoked(h, token);
  // The hostile member of that role was holding the same link.
  (role == pb::ROLE_OBSERVER ? observer_session_ : participant_session_).reset();
  if (options_.progress)
    options_.progress("seed " + std::to_string(options_.seed) + ": " + kind + " link revoked");
}

// A Replica cannot change its token: its replacement starts from the
// server's state, so the members holding the link first get every op they
// made acknowledged.
bool Drill::quiesce(pb::Role role) {
  for (Honest& h : honest_) {
    if (h.role != role) continue;
    if (!h.replica->connected() && !honest_join(h)) return false;
    if (!h.replica->wait_acked(kSettleTimeout)) {
      problem("honest " + h.name + " still has unacknowledged ops before a revocation");
      return false;
    }
    judge_honest(h);
  }
  return true;
}

void Drill::replace_revoked(Honest& h, const std::string& token) {
  Replica& old = *h.replica;
  old.pump_until([&] { return !old.connected(); }, kAnswerTimeout);
  const bool told = !old.errors().empty() && old.errors().back().code() == pb::ERROR_REVOKED;
  const int close = old.ws() ? old.ws()->close_code().value_or(0) : 0;
  note(told ? "ws ERROR_REVOKED (live)" : "live revocation untold");
  note("close " + std::to_string(close) + " (live revocation)");
  if (!told || close != 1008)
    problem("honest " + h.name + "'s live connection was not closed with ERROR_REVOKED and 1008 " +
            "(close " + std::to_string(close) + ")");
  ReplicaOptions o;
  o.token = token;
  o.name = h.name;
  h.retired.push_back(std::move(h.replica));
  h.replica = std::make_unique<Replica>(endpoint(), tokens_.id, h.replica_id, o);
  h.errors_judged = h.presence_judged = 0;
  honest_join(h);
}

// ---- hostile actions: picking one ------------------------------------------------------------

const std::vector<ActionEntry>& Drill::actions_of(Role role) {
  static const std::vector<ActionEntry> participant = {
      {"stolen-replica", &Drill::stolen_replica, 3},
      {"bad-secret", &Drill::bad_secret, 2},
      {"odd-name", &Drill::odd_name, 3},
      {"invalid-utf8-name", &Drill::invalid_utf8_name, 2},
      {"out-of-order", &Drill::out_of_order, 2},
      {"forged-op", &Drill::forged_op, 3},
      {"clock-ahead", &Drill::clock_ahead, 3},
      {"counter-gap", &Drill::counter_gap, 2},
      {"speak-for-others", &Drill::speak_for_others, 3},
      {"overlapping-delete", &Drill::overlapping_delete, 2},
      {"remove-restore", &Drill::remove_restore, 3},
      {"bad-presence", &Drill::bad_presence, 3},
      {"ask-to-follow", &Drill::ask_to_follow, 1},
      {"misshapen-presence", &Drill::misshapen_presence, 1},
      {"presence-flood", &Drill::presence_flood, 1},
      {"submit-flood", &Drill::submit_flood, 1},
      {"big-notes", &Drill::big_notes, 1},
      {"resend-flood", &Drill::resend_flood, 1},
      {"reconnect-loop", &Drill::reconnect_loop, 1},
      {"crowd", &Drill::crowd, 1},
      {"rest", &Drill::rest, 4},
  };
  static const std::vector<ActionEntry> observer = {
      {"stolen-replica", &Drill::stolen_replica, 3},
      {"bad-secret", &Drill::bad_secret, 1},
      {"odd-name", &Drill::odd_name, 3},
      {"invalid-utf8-name", &Drill::invalid_utf8_name, 1},
      {"out-of-order", &Drill::out_of_order, 1},
      {"observer-submit", &Drill::observer_submit, 3},
      {"bad-presence", &Drill::bad_presence, 3},
      {"misshapen-presence", &Drill::misshapen_presence, 1},
      {"presence-flood", &Drill::presence_flood, 1},
      {"crowd", &Drill::crowd, 1},
      {"rest", &Drill::rest, 4},
  };
  static const std::vector<ActionEntry> revoked = {
      {"revoked-hello", &Drill::revoked_hello, 1},
      {"rest", &Drill::rest, 1},
  };
  static const std::vector<ActionEntry> stranger = {
      {"stranger-hello", &Drill::stranger_hello, 3},
      {"out-of-order", &Drill::out_of_order, 1},
      {"rest", &Drill::rest, 2},
  };
  switch (role) {
    case Role::kParticipant:
      return participant;
    case Role::kObserver:
      return observer;
    case Role::kRevoked:
      return revoked;
    case Role::kStranger:
      break;
  }
  return stranger;
}

void Drill::hostile_step() {
  Role role = static_cast<Role>(pick(4));
  if (role == Role::kRevoked && revoked_tokens_.empty()) role = Role::kStranger;
  const auto& entries = actions_of(role);
  int total = 0;
  for (const auto& e : entries) total += e.weight;
  int roll = static_cast<int>(pick(static_cast<size_t>(total)));
  for (const auto& e : entries) {
    if ((roll -= e.weight) >= 0) continue;
    count_action(role, e.kind);
    (this->*e.run)(role);
    return;
  }
}

std::string Drill::token_of(Role role) {
  switch (role) {
    case Role::kParticipant:
      return tokens_.participant;
    case Role::kObserver:
      return tokens_.observer;
    case Role::kRevoked:
      return revoked_tokens_[pick(revoked_tokens_.size())];
    case Role::kStranger:
      break;
  }
  return random_token();
}

// 43 characters of base64url, like a real token.
std::string Drill::random_token() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string t;
  for (int i = 0; i < 43; ++i) t.push_back(kAlphabet[pick(64)]);
  return t;
}

// ---- hostile actions: the answers due -------------------------------------------------------

// The long-lived hostile member of a role, joined (again if it was closed).
HostileClient* Drill::session(Role role) {
  const bool observer = role == Role::kObserver;
  auto& s = observer ? observer_session_ : participant_session_;
  if (s && s->connected()) return s.get();
  HelloFields f;
  f.token = token_of(role);
  f.replica = observer ? kObserverSession : kParticipantSession;
  f.secret = hostile_secret(f.replica);
  f.name = observer ? "\u202Elurker" : "mallory\x01";
  s = std::make_unique<HostileClient>(endpoint(), tokens_.id, f, records_);
  const auto answer = s->join();
  if (!joined(*s, answer)) {
    s.reset();
    return nullptr;
  }
  return s.get();
}

// A short-lived hostile member of a pool replica, joined.
std::unique_ptr<HostileClient> Drill::flood_client(Role role) {
  HelloFields f;
  f.token = token_of(role);
  f.replica = role == Role::kObserver ? kObserverFlood
                                      : kParticipantFloods[pick(std::size(kParticipantFloods))];
  f.secret = hostile_secret(f.replica);
  auto c = std::make_unique<HostileClient>(endpoint(), tokens_.id, f, records_);
  const auto answer = c->join();
  if (!joined(*c, answer)) return nullptr;
  return c;
}

// Judges a hostile join's answer (the Error's close included).
bool Drill::joined(HostileClient& c, const std::optional<pb::ServerMessage>& answer) {
  Answer a{answer, std::nullopt, c.connected(), c.failure()};
  if (answer && answer->has_error()) {
    c.pump_until([&] { return !c.connected(); }, kAnswerTimeout);
    a.close_code = c.close_code();
    a.open = c.connected();
  }
  return judge_join(c.replica(), a);
}

// A join must get a Welcome, unless the replica is new and the records are
// at their bound with none to give up (ERROR_QUOTA, 1008), or the room has as
// many members online as it takes (ERROR_QUOTA, 1013). True if admitted.
bool Drill::judge_join(uint64_t replica, const Answer& a) {
  note(a);
  if (a.message && a.message->has_welcome()) {
    if (!records_.admitted(replica))
      wrong("a new member record past the bound of " + std::to_string(kMaxMemberRecords) +
            ", though no record could make room");
    return true;
  }
  const bool quota =
      a.message && a.message->has_error() && a.message->error().code() == pb::ERROR_QUOTA;
  if (quota && a.close_code == 1008 && !records_.has(replica) && records_.full()) {
    note("quota: member records");
    if (const auto evictable = records_.surely_evictable())
      wrong("refused a new member record though the record of replica " +
            std::to_string(*evictable) + " (offline, no ops) could make room");
    return false;
  }
  // The server may not have seen the last drops yet: it counts them online.
  const size_t online = live_estimate() + recent_drops();
  if (quota && a.close_code == 1013 && online + 2 >= kMaxLiveMembers) {
    note("quota: members online");
    return false;
  }
  wrong("a join was answered " + a.describe() + " (records " + std::to_string(records_.size()) +
        ", online about " + std::to_string(live_estimate()) + ")");
  return false;
}

size_t Drill::live_estimate() const {
  size_t n = crowd_size_;
  for (const Honest& h : honest_) n += h.replica->connected() ? 1 : 0;
  for (auto* s : {participant_session_.get(), observer_session_.get()})
    n += s && s->connected() ? 1 : 0;
  return n;
}

// Hostile connections closed or dropped in the last three seconds.
size_t Drill::recent_drops() {
  const auto now = Clock::now();
  while (!recent_drops_.empty() && now - recent_drops_.front() > std::chrono::seconds(3))
    recent_drops_.pop_front();
  return recent_drops_.size();
}

// Sends one frame on a fresh connection and reads the answer; with
// `wait_close`, until the server closes the connection.
Answer Drill::ask(const std::string& first_frame, bool wait_close) {
  Answer a;
  WsClient ws;
  if (!ws.connect(endpoint())) {
    a.failure = "connect: " + ws.error();
    return a;
  }
  ws.send_raw(first_frame);
  a.message = ws.receive_until(
      [](const pb::ServerMessage& m) { return m.has_welcome() || m.has_error(); }, kAnswerTimeout);
  if (wait_close) ws.wait_closed(kAnswerTimeout);
  a.close_code = ws.is_open() ? std::nullopt : ws.close_code();
  a.open = ws.is_open();
  a.failure = ws.error();
  if (a.open) ws.close(Millis(1000));
  return a;
}

// The answer must be `code`, and then a close with `close` (or, without
// one, the connection still open).
bool Drill::expect_refusal(const Answer& a, pb::ErrorCode code, std::optional<int> close) {
  note(a);
  const bool coded = a.message && a.message->has_error() && a.message->error().code() == code;
  const bool closing = close ? a.close_code == close : a.open;
  if (coded && closing) return true;
  wrong("expected " + error_code_name(code) +
        (close ? " and close " + std::to_string(*close) : std::string(", staying open")) +
        ", got " + a.describe());
  return false;
}

// The next error on `c` must be `code` (naming `op`, if given), and the
// connection must stay open.
bool Drill::expect_error(HostileClient& c, size_t before, pb::ErrorCode code,
                         std::optional<crdt::OpId> op) {
  const auto e = c.next_error(before);
  if (!e) {
    note("no answer");
    wrong("expected " + error_code_name(code) + ", got nothing" +
          (c.connected() ? "" : " (closed " + std::to_string(c.close_code().value_or(0)) + ")"));
    return false;
  }
  note("ws " + error_code_name(e->code()));
  const bool named = !op || crdt::OpId::from_pb(e->op()) == *op;
  if (e->code() == code && named && c.connected()) return true;
  wrong("expected " + error_code_name(code) + (op ? " naming " + op->str() : std::string()) +
        ", got " + error_code_name(e->code()) + " naming " + crdt::OpId::from_pb(e->op()).str() +
        " '" + e->message() + "'" + (c.connected() ? "" : " and a close"));
  return false;
}

// An op of `c`'s own replica with its next counter and a clock the room
// takes; the body is the caller's.
pb::Op Drill::crafted(HostileClient& c) {
  pb::Op op;
  op.set_replica(c.replica());
  op.set_counter(c.next_counter());
  op.set_lamport(c.mirror().clock() + 1);
  return op;
}

// After ops first..last of `c` were sent: every one acknowledged, or the
// first not taken named by ERROR_QUOTA (with a wait of at most a minute)
// and every one before it acknowledged. Returns with `c`'s acks read.
void Drill::judge_quota(HostileClient& c, uint64_t first, uint64_t last) {
  const size_t before = c.errors().size();
  const auto settled = [&] {
    if (c.errors().size() > before) {
      const uint64_t refused = c.errors()[before].op().counter();
      return refused <= first || c.acked() >= refused - 1;
    }
    return c.acked() >= last;
  };
  if (!c.pump_until(settled, kSettleTimeout)) {
    note("no answer");
    wrong("ops " + std::to_string(first) + ".." + std::to_string(last) + ": acked up to " +
          std::to_string(c.acked()) + " and no more within " +
          std::to_string(kSettleTimeout.count()) + " ms");
    return;
  }
  if (c.errors().size() == before) return note("ack");
  const pb::Error& e = c.errors()[before];
  note("ws " + error_code_name(e.code()));
  if (e.code() == pb::ERROR_QUOTA) note("quota: a member's minute");
  const uint64_t refused = e.op().counter();
  const bool quota = e.code() == pb::ERROR_QUOTA && e.retry_after_ms() > 0 &&
                     e.retry_after_ms() <= 60'000 && e.op().replica() == c.replica();
  if (!quota || refused < first || refused > last)
    wrong("ops " + std::to_string(first) + ".." + std::to_string(last) + ": " +
          error_code_name(e.code()) + " naming counter " + std::to_string(refused) +
          ", retry after " + std::to_string(e.retry_after_ms()) + " ms: '" + e.message() + "'");
}

// ---- hostile actions: Hello ------------------------------------------------------------------

// Someone else's replica (an honest member's, online or not) without its
// secret: refused before anything of the convening is sent. Only a member
// whose record is kept: a replica offline that never made an op may have
// been given up, and is then anyone's to claim.
void Drill::stolen_replica(Role role) {
  std::vector<uint64_t> kept;
  for (const Honest& h : honest_)
    if (h.made_ops() || h.replica->connected()) kept.push_back(h.replica_id);
  HelloFields f;
  f.token = token_of(role);
  f.replica = kept[pick(kept.size())];
  f.secret = "a guess at the secret " + random_token().substr(0, 20);
  expect_refusal(ask(hello_message(tokens_.id, f).SerializeAsString(), true),
                 pb::ERROR_REPLICA_CLAIMED, 1008);
}

void Drill::bad_secret(Role role) {
  HelloFields f;
  f.token = token_of(role);
  f.replica = chance(0.5) ? honest_[pick(honest_.size())].replica_id : fresh_replica();
  static const size_t kLengths[] = {0, 1, 15, 65, 4096};
  f.secret = std::string(kLengths[pick(std::size(kLengths))], 's');
  expect_refusal(ask(hello_message(tokens_.id, f).SerializeAsString(), true), pb::ERROR_MALFORMED,
                 1008);
}

struct NameCase {
  std::string claimed;
  std::string cleaned;  // empty: only the bounds are checked
};

std::vector<NameCase> name_cases() {
  const std::string a63(63, 'a'), a64(64, 'a');
  const std::string globe = "\xF0\x9F\x8C\x8D";  // four bytes
  const std::string acute = "\xCC\x81";          // a combining mark
  return {
      {a64, a64},
      {a64 + "b", a64},
      {a63 + globe + "tail", a63 + globe},
      {repeat(globe, 65), repeat(globe, 64)},
      {a63 + "\xC3\xA9" + "z", a63 + "\xC3\xA9"},
      {"Ana\xE2\x80\xAE"
       "evil",
       "Anaevil"},  // U+202E
      {"\xE2\x81\xA6"
       "Ben\xE2\x81\xA9",
       "Ben"},  // U+2066, U+2069
      {"Cleo\x01\x1b\x7f", "Cleo"},
      {"  Dan \t\n  Eve  ", "Dan Eve"},
      {"Zero\xE2\x80\x8Bwidth\xEF\xBB\xBF", "Zerowidth"},  // U+200B, U+FEFF
      {"\xE2\x80\xAE\xE2\x80\x8B\x01", "Guest"},
      {"", "Guest"},
      {std::string(100'000, 'x'), std::string(64, 'x')},
      {"e" + repeat(acute, 100), "e" + repeat(acute, 63)},
      {"\xEF\xBF\xBD\xEF\xBF\xBE\xF4\x8F\xBF\xBF", ""},  // U+FFFD, U+FFFE, U+10FFFF
  };
}

struct ColourCase {
  std::string claimed;
  std::string cleaned;
};

std::vector<ColourCase> colour_cases() {
  const std::string grey(kDefaultColour);
  return {{"#00ff00", "#00ff00"}, {"#ABCDEF", "#abcdef"},
          {"#abc", grey},         {"red", grey},
          {"#12345g", grey},      {"", grey},
          {"#0000000", grey},     {"\xE2\x80\xAE#ffffff", grey}};
}

// Names and colours at every boundary: admitted, and cleaned in the
// member's own entry of its Welcome (and, through judge_honest, in what
// everyone else is sent).
void Drill::odd_name(Role role) {
  const auto names = name_cases();
  const auto colours = colour_cases();
  const NameCase& n = names[pick(names.size())];
  const ColourCase& c = colours[pick(colours.size())];
  const bool fresh = chance(0.3);
  HelloFields f;
  f.token = token_of(role);
  f.replica = fresh ? fresh_replica()
                    : (role == Role::kObserver ? kObserverFlood : kParticipantFloods[pick(4)]);
  f.secret = hostile_secret(f.replica);
  f.name = n.claimed;
  f.colour = c.claimed;
  HostileClient client(endpoint(), tokens_.id, f, records_);
  const auto answer = client.join();
  if (!joined(client, answer)) return;
  const std::string me = member_id_of(f.replica);
  for (const pb::Member& m : answer->welcome().members()) {
    if (m.id() != me) continue;
    if (const std::string why = member_problem(m); !why.empty()) wrong("its own entry has " + why);
    if (!n.cleaned.empty() && m.name() != n.cleaned)
      wrong("name cleaned to '" + m.name() + "', not '" + n.cleaned + "'");
    if (m.colour() != c.cleaned) wrong("colour '" + m.colour() + "', not '" + c.cleaned + "'");
  }
  client.close();
}

// Appends a length-delimited field to protobuf bytes, whatever they hold.
void append_field(std::string* out, int field, const std::string& bytes) {
  const auto varint = [out](uint64_t v) {
    while (v >= 0x80) {
      out->push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out->push_back(static_cast<char>(v));
  };
  varint(static_cast<uint64_t>(field) << 3 | 2);
  varint(bytes.size());
  out->append(bytes);
}

// A Hello whose name (or colour) is not UTF-8, written into the protobuf
// bytes by hand: not a ClientMessage (proto3 strings must be UTF-8), so the
// connection stays open for a proper Hello, which is admitted.
void Drill::invalid_utf8_name(Role role) {
  static const std::string kBroken[] = {std::string(99, 'a') + "\xC3", "\xFF\xFE", "\xC0\xAF",
                                        "\xED\xA0\x80", "ok\x80"};
  HelloFields f;
  f.token = token_of(role);
  f.replica = role == Role::kObserver ? kObserverFlood : kParticipantFloods[pick(4)];
  f.secret = hostile_secret(f.replica);
  pb::ClientMessage m = hello_message(tokens_.id, f);
  m.mutable_hello()->clear_name();
  m.mutable_hello()->clear_colour();
  std::string hello = m.hello().SerializeAsString();
  append_field(&hello, chance(0.7) ? 7 : 8, kBroken[pick(std::size(kBroken))]);
  std::string frame;
  append_field(&frame, 1, hello);

  WsClient ws;
  if (!ws.connect(endpoint())) return wrong("connect: " + ws.error());
  ws.send_raw(frame);
  Answer a;
  a.message = ws.receive(kAnswerTimeout);
  a.open = ws.is_open();
  if (!expect_refusal(a, pb::ERROR_MALFORMED, std::nullopt)) return;
  ws.send(hello_message(tokens_.id, f));
  Answer then;
  then.message = ws.receive_until(
      [](const pb::ServerMessage& m) { return m.has_welcome() || m.has_error(); }, kAnswerTimeout);
  if (then.message && then.message->has_error()) ws.wait_closed(kAnswerTimeout);
  then.open = ws.is_open();
  then.close_code = ws.close_code();
  judge_join(f.replica, then);
  ws.close(Millis(1000));
  records_.offline(f.replica);
}

// No token, a made-up one, another convening's, an unknown or malformed
// convening id, a token longer than any real one.
void Drill::stranger_hello(Role role) {
  HelloFields f;
  f.replica = fresh_replica();
  f.secret = hostile_secret(f.replica);
  std::string convening = tokens_.id;
  pb::ErrorCode due = pb::ERROR_UNAUTHORIZED;
  switch (pick(7)) {
    case 0:
      break;  // no token
    case 1:
      f.token = random_token();
      break;
    case 2:
      f.token = elsewhere_token_;
      break;
    case 3:
      f.token = token_of(Role::kParticipant);
      convening = "NoSuchConvening" + std::to_string(pick(1000));
      due = pb::ERROR_NOT_FOUND;
      break;
    case 4:
      f.token = random_token() + std::string(300, 'x');
      due = pb::ERROR_MALFORMED;
      break;
    case 5:
      f.token = token_of(Role::kParticipant);
      convening = chance(0.5) ? "has space" : "a.b";  // outside the grammar of ids
      due = pb::ERROR_NOT_FOUND;
      break;
    default:
      f.token = random_token();
      convening = std::string(65, 'c');
      due = pb::ERROR_MALFORMED;
      break;
  }
  (void)role;
  expect_refusal(ask(hello_message(convening, f).SerializeAsString(), true), due, 1008);
}

// The revoked member's old link, with its own replica and secret if it was
// one of the honest members: refused whatever else it gets right.
void Drill::revoked_hello(Role role) {
  HelloFields f;
  f.token = token_of(role);
  const Honest& h = honest_[1 + pick(honest_.size() - 1)];
  f.replica = h.replica_id;
  f.secret = replica_secret_for(h.replica_id);
  expect_refusal(ask(hello_message(tokens_.id, f).SerializeAsString(), true), pb::ERROR_REVOKED,
                 1008);
}

// Messages out of their place: a Submit before Hello, another protocol
// version, frames that are no ClientMessage (16 of them close), a second
// Hello after the Welcome.
void Drill::out_of_order(Role role) {
  const size_t variant = pick(role == Role::kStranger ? 4 : 5);
  if (variant == 0) {
    pb::ClientMessage submit;
    submit.mutable_submit()->add_ops()->set_counter(1);
    expect_refusal(ask(submit.SerializeAsString(), true), pb::ERROR_PROTOCOL, 1008);
  } else if (variant == 1) {
    HelloFields f;
    f.token = token_of(role);
    f.replica = fresh_replica();
    f.secret = hostile_secret(f.replica);
    pb::ClientMessage hello = hello_message(tokens_.id, f);
    hello.mutable_hello()->set_protocol(2);
    expect_refusal(ask(hello.SerializeAsString(), true), pb::ERROR_PROTOCOL, 1008);
  } else if (variant == 2) {
    expect_refusal(ask(chance(0.5) ? std::string("\xFF\xFF\xFF") : std::string(), false),
                   pb::ERROR_MALFORMED, std::nullopt);
  } else if (variant == 3) {
    WsClient ws;
    if (!ws.connect(endpoint())) return wrong("connect: " + ws.error());
    for (int i = 0; i < 16; ++i) ws.send_raw("\x0a\xff");
    std::vector<pb::ServerMessage> got;
    Answer a;
    ws.wait_closed(kAnswerTimeout, &got);
    a.message = got.empty() ? std::nullopt : std::optional(got.back());
    a.close_code = ws.close_code();
    if (expect_refusal(a, pb::ERROR_MALFORMED, 1008) && got.size() != 16)
      wrong(std::to_string(got.size()) + " answers to 16 malformed frames");
  } else if (HostileClient* s = session(role)) {
    const size_t before = s->errors().size();
    HelloFields f;
    f.token = token_of(role);
    f.replica = s->replica();
    f.secret = hostile_secret(f.replica);
    s->send(hello_message(tokens_.id, f));
    expect_error(*s, before, pb::ERROR_PROTOCOL, std::nullopt);
  }
}

// ---- hostile actions: ops ----------------------------------------------------------------------

// Sends one op of the role's session: one the room would take, shaped by
// `shape` into what it must refuse with `code`, naming the op if `named`.
void Drill::expect_op_refused(Role role, pb::ErrorCode code, bool named, const OpShaper& shape) {
  HostileClient* s = session(role);
  if (!s) return;
  pb::Op op = crafted(*s);
  shape(*s, op);
  const size_t before = s->errors().size();
  s->submit({op});
  expect_error(*s, before, code, named ? std::optional(crdt::op_id(op)) : std::nullopt);
}

// Another member's replica in the op, with that member's next counter.
void Drill::forged_op(Role role) {
  const uint64_t victim = honest_[pick(honest_.size() - 1)].replica_id;  // not the observer
  expect_op_refused(role, pb::ERROR_INVALID_OP, true, [victim](HostileClient& s, pb::Op& op) {
    op.set_replica(victim);
    op.set_counter(s.mirror().version().last(victim) + 1);
    op.mutable_create_map()->set_name("forged");
  });
}

// A lamport at the end of the 64-bit clock, or past the room's lead bound.
void Drill::clock_ahead(Role role) {
  const bool at_the_end = chance(0.5);
  const uint64_t beyond = (uint64_t{1} << 32) + (uint64_t{1} << 20) + pick(1000);
  expect_op_refused(role, pb::ERROR_INVALID_OP, true, [&](HostileClient& s, pb::Op& op) {
    op.set_lamport(at_the_end ? std::numeric_limits<uint64_t>::max() - 1
                              : s.mirror().clock() + beyond);
    op.mutable_create_map()->set_name("from the future");
  });
}

void Drill::counter_gap(Role role) {
  const uint64_t gap = between(1, 1000);
  expect_op_refused(role, pb::ERROR_MISSING_DEPENDENCY, true, [gap](HostileClient&, pb::Op& op) {
    op.set_counter(op.counter() + 1 + gap);
    op.mutable_create_map()->set_name("gap");
  });
}

// A perspective in another member's name; "this is me" or "my sphere"
// naming someone else.
void Drill::speak_for_others(Role role) {
  const std::string victim = member_id_of(honest_[pick(honest_.size())].replica_id);
  const crdt::OpId target = seeded_[pick(seeded_.size())];
  const size_t variant = pick(3);
  expect_op_refused(role, pb::ERROR_INVALID_OP, true, [&](HostileClient&, pb::Op& op) {
    if (variant == 0) {
      auto* p = op.mutable_set_perspective();
      target.to_pb(p->mutable_target());
      p->set_aspect("strength");
      p->set_participant(victim);
      p->set_value(5);
    } else if (variant == 1) {
      auto* e = op.mutable_create_element();
      scene_.map.to_pb(e->mutable_map());
      e->mutable_fields()->set_label("that's you");
      e->mutable_fields()->set_self_of(victim);
    } else {
      auto* shape = op.mutable_create_shape();
      scene_.map.to_pb(shape->mutable_map());
      shape->set_geometry(pb::GEOMETRY_POLYGON);
      for (const auto& [x, y] : {std::pair{0.0, 0.0}, {9.0, 0.0}, {0.0, 9.0}}) {
        auto* point = shape->mutable_fields()->mutable_path()->add_points();
        point->set_x(x);
        point->set_y(y);
      }
      shape->mutable_fields()->set_sphere_of(victim);
    }
  });
}

// Sends ops the mirror has applied and waits for their Ack. A refusal
// leaves the mirror ahead: the session is closed and joins anew.
void submit_and_await(HostileClient& s, const std::vector<pb::Op>& ops, std::string* answer) {
  if (ops.empty()) {
    *answer = "skipped";  // the edit made no op
    return;
  }
  const size_t before = s.errors().size();
  const uint64_t last = ops.back().counter() + crdt::op_span(ops.back()) - 1;
  s.submit(ops);
  s.pump_until([&] { return s.acked() >= last || s.errors().size() > before; }, kSettleTimeout);
  if (s.acked() >= last) {
    *answer = "ack";
    return;
  }
  *answer = s.errors().size() > before ? "ws " + error_code_name(s.errors()[before].code())
                                       : std::string("no answer");
  s.close();
}

// A TextDelete whose ranges overlap, over an honest member's typing (or
// the session's own): refused (crdt/admission.h), since every replica would
// walk the same characters again for each range.
void Drill::overlapping_delete(Role role) {
  HostileClient* s = session(role);
  if (!s) return;
  crdt::Document& mirror = s->mirror();
  std::optional<pb::Op> typed;
  for (const Honest& h : honest_)
    for (const auto& [counter, op] : h.replica->sent())
      if (op.has_text_insert() && crdt::op_span(op) >= 2 &&
          mirror.version().last(op.replica()) >= counter + crdt::op_span(op) - 1)
        typed = op;
  if (!typed) {  // nobody has typed yet: the session types first
    if (!mirror.insert_text(scene_.variant, 0, "overlap").is_ok()) return note("skipped");
    const std::vector<pb::Op> ops = mirror.take_outbox();
    std::string answer;
    submit_and_await(*s, ops, &answer);
    if (answer != "ack") return note("skipped");
    typed = ops.front();
  }
  const uint64_t n = crdt::op_span(*typed);
  pb::Op op = crafted(*s);
  auto* del = op.mutable_text_delete();
  *del->mutable_variant() = typed->text_insert().variant();
  for (const auto& [from, length] : {std::pair{0ull, n}, {n / 2, n - n / 2}, {0ull, n}}) {
    auto* range = del->add_ranges();
    range->set_replica(typed->replica());
    range->set_counter(typed->counter() + from);
    range->set_length(length);
  }
  if (!mirror.apply(op).is_ok()) return note("skipped");
  std::string answer;
  submit_and_await(*s, {op}, &answer);
  note(answer);
  if (answer != "ws ERROR_INVALID_OP") wrong("expected ERROR_INVALID_OP, got " + answer);
}

// Whether `replica` has a removal in force on `target`: the room refuses it
// a second one (crdt/admission.h).
bool removed_by(const crdt::Document& doc, crdt::OpId target, uint64_t replica) {
  const crdt::Liveness* live = doc.landscape().liveness(target);
  if (!live && doc.draft(target)) live = &doc.draft(target)->liveness;
  if (!live && doc.variant(target)) live = &doc.variant(target)->liveness;
  return live && live->removed_by(replica);
}

// Removing or restoring what others made: allowed (anyone who edits may),
// and every replica must converge on it.
void Drill::remove_restore(Role role) {
  HostileClient* s = session(role);
  if (!s) return;
  crdt::Document& mirror = s->mirror();
  std::vector<crdt::OpId> targets = {scene_.map, scene_.variant};
  for (const Honest& h : honest_)
    for (const crdt::OpId& e : h.elements)
      if (mirror.landscape().liveness(e)) targets.push_back(e);
  const crdt::OpId target = targets[pick(targets.size())];
  const bool mine = removed_by(mirror, target, s->replica());
  const bool restored = (mine || chance(0.3)) && mirror.restore(target).is_ok();
  if (!restored && (mine || !mirror.remove(target).is_ok())) return note("skipped");
  std::string answer;
  submit_and_await(*s, mirror.take_outbox(), &answer);
  note(answer);
  if (answer != "ack" && answer != "skipped")
    wrong("a " + std::string(restored ? "Restore" : "Remove") + " of " + target.str() +
          " was answered " + answer);
}

void Drill::observer_submit(Role role) {
  expect_op_refused(role, pb::ERROR_FORBIDDEN, false, [](HostileClient&, pb::Op& op) {
    op.mutable_create_map()->set_name("an observer's");
  });
}

// ---- hostile actions: presence ----------------------------------------------------------------

// Presence beyond each bound: refused with ERROR_TOO_LARGE and ignored.
void Drill::bad_presence(Role role) {
  HostileClient* s = session(role);
  if (!s) return;
  pb::PresenceState p;
  const size_t ids = std::vector<size_t>{257, 200, 300}[pick(3)];
  switch (pick(5)) {
    case 0:
      for (size_t i = 0; i < ids; ++i) {
        auto* id = p.add_selection();
        id->set_replica((uint64_t{1} << 62) | i);
        id->set_counter(std::numeric_limits<uint64_t>::max() - i);
      }
      break;
    case 1:
      p.set_following(std::string(5000, 'f'));
      break;
    case 2:
      p.mutable_cursor()->set_x(std::nan(""));
      break;
    case 3:
      p.mutable_viewport()->set_zoom(std::numeric_limits<double>::infinity());
      break;
    default:
      p.set_following(chance(0.5) ? "0123456789ABCDEF" : "not a member id");
      break;
  }
  const size_t before = s->errors().size();
  s->send_presence(p);
  expect_error(*s, before, pb::ERROR_TOO_LARGE, std::nullopt);
}

// Presence with a known field in another wire type (a string as a varint,
// a message as a number, ...), which a C++ parser keeps as an unknown field
// and a browser's reads as its own type: taken without an error, and never
// relayed as it came (judge_honest).
void Drill::misshapen_presence(Role role) {
  HostileClient* s = session(role);
  if (!s) return;
  static const std::string kFields[] = {
      std::string("\x28\x7f", 2),                              // following (string) as a varint
      std::string("\x10\x01", 2),                              // cursor (message) as a varint
      std::string("\x0d\x01\x02\x03\x04", 5),                  // map (message) as fixed32
      std::string("\x19\x01\x02\x03\x04\x05\x06\x07\x08", 9),  // selection as fixed64
      std::string("\x32\x01\x01", 3)};                         // ask_to_follow (bool) as bytes
  std::string presence = kFields[pick(std::size(kFields))];
  pb::Cursor cursor;
  cursor.set_x(static_cast<double>(pick(1000)));
  append_field(&presence, 2, cursor.SerializeAsString());
  std::string frame;
  append_field(&frame, 3, presence);
  const size_t before = s->errors().size();
  s->send_raw(frame);
  const bool answered = s->ping();
  note(answered ? "pong" : "no answer");
  if (!answered || s->errors().size() != before)
    wrong("presence with a misshapen field was refused or unanswered");
}

// A participant asks everyone to follow: nothing refused, but the flag never
// reaches anyone (judge_honest).
void Drill::ask_to_follow(Role role) {
  HostileClient* s = session(role);
  if (!s) return;
  pb::PresenceState p;
  p.set_ask_to_follow(true);
  p.mutable_cursor()->set_x(static_cast<double>(pick(100)));
  const size_t before = s->errors().size();
  s->send_presence(p);
  const bool answered = s->ping();
  note(answered ? "pong" : "no answer");
  if (!answered || s->errors().size() != before) wrong("ask_to_follow was refused or unanswered");
}

// Hundreds of presence states a second for a second or two, while the
// honest members go on; then a Ping must still be answered.
void Drill::presence_flood(Role role) {
  auto c = flood_client(role);
  if (!c) return;
  const int bursts = static_cast<int>(between(20, 60));
  for (int b = 0; b < bursts; ++b) {
    for (int i = 0; i < 25; ++i) {
      pb::PresenceState p;
      p.mutable_cursor()->set_x(b * 25 + i);
      p.mutable_cursor()->set_y(static_cast<double>(pick(1000)));
      c->send_presence(p);
    }
    pump_everyone(Millis(25));
  }
  const bool answered = c->ping();
  note(answered ? "pong" : "no answer");
  if (!answered) wrong("no Pong after " + std::to_string(bursts * 25) + " presence states");
  c->close();
}

// ---- hostile actions: floods --------------------------------------------------------------------

// `count` label changes of a seeded element, made on `c`'s mirror: small
// valid ops (state the export keeps one of) with consecutive counters.
std::vector<pb::Op> label_flood(HostileClient& c, const crdt::OpId& element, int count,
                                const std::string& notes = {}) {
  for (int i = 0; i < count; ++i) {
    pb::ElementFields f;
    f.set_label("f" + std::to_string(i));
    if (!notes.empty()) f.set_notes(notes);
    if (!c.mirror().update_element(element, f).is_ok()) break;
  }
  return c.mirror().take_outbox();
}

// Drops ops from the end until a Hello resending them fits in a frame
// (--max-message-bytes, 1 MiB, with room for the rest of the Hello).
void fit_frame(std::vector<pb::Op>* ops) {
  constexpr size_t kFrameBytes = 1'000'000;
  size_t bytes = 0;
  for (size_t i = 0; i < ops->size(); ++i) {
    bytes += (*ops)[i].ByteSizeLong() + 4;  // with its tag and length
    if (bytes > kFrameBytes) return ops->resize(i);
  }
}

// Submits of thousands of ops: taken up to the member's quota, then
// ERROR_QUOTA naming the first op not taken; a resend from there is judged
// the same way. Or a Submit of 10,001 ops: ERROR_TOO_LARGE, nothing taken.
void Drill::submit_flood(Role role) {
  auto c = flood_client(role);
  if (!c) return;
  if (chance(0.2)) {
    pb::ClientMessage m;
    for (int i = 0; i < 10'001; ++i) m.mutable_submit()->add_ops();
    const size_t before = c->errors().size();
    c->send(m);
    expect_error(*c, before, pb::ERROR_TOO_LARGE, std::nullopt);
    return c->close();
  }
  const crdt::OpId element = seeded_[pick(seeded_.size())];
  std::vector<pb::Op> ops = label_flood(*c, element, static_cast<int>(between(500, 9000)));
  for (int round = 0; round < 3 && !ops.empty(); ++round) {
    const uint64_t first = ops.front().counter(), last = ops.back().counter();
    const size_t before = c->errors().size();
    c->submit(ops);
    judge_quota(*c, first, last);
    if (c->errors().size() == before) break;
    const uint64_t refused = c->errors()[before].op().counter();
    ops.erase(ops.begin(), ops.begin() + static_cast<long>(refused - first));
  }
  c->close();
}

// Ops with notes of 20 KB, 45 to a Submit (under 1 MiB): the member's bytes
// a minute run out first.
void Drill::big_notes(Role role) {
  auto c = flood_client(role);
  if (!c) return;
  const crdt::OpId element = seeded_[pick(seeded_.size())];
  const std::string notes(20'000, 'n');
  for (int round = 0; round < 3; ++round) {
    const std::vector<pb::Op> ops = label_flood(*c, element, 45, notes);
    if (ops.empty()) break;
    const size_t before = c->errors().size();
    c->submit(ops);
    judge_quota(*c, ops.front().counter(), ops.back().counter());
    if (c->errors().size() > before) break;
  }
  c->close();
}

// A Hello resending up to 100,000 ops: those that fit the frame are handled
// like a Submit after the Welcome (up to the quota); 100,001 are refused
// (ERROR_MALFORMED, 1008), and a frame over 1 MiB is closed with 1009.
void Drill::resend_flood(Role role) {
  auto c = flood_client(role);
  if (!c) return;
  c->close();
  const size_t variant = pick(6);
  if (variant == 0) {
    HelloFields f;
    f.token = token_of(role);
    f.replica = c->replica();
    f.secret = hostile_secret(f.replica);
    f.resend.resize(100'001);
    return (void)expect_refusal(ask(hello_message(tokens_.id, f).SerializeAsString(), true),
                                pb::ERROR_MALFORMED, 1008);
  }
  const crdt::OpId element = seeded_[pick(seeded_.size())];
  const int count = variant == 1 ? 60'000 : static_cast<int>(between(1000, 30'000));
  std::vector<pb::Op> ops = label_flood(*c, element, count);
  if (variant != 1) fit_frame(&ops);
  if (ops.empty()) return note("skipped");
  const uint64_t first = ops.front().counter(), last = ops.back().counter();
  const auto answer = c->join(std::move(ops));
  if (variant == 1) {
    c->pump_until([&] { return !c->connected(); }, kAnswerTimeout);
    const Answer a{answer, c->close_code(), c->connected(), c->failure()};
    // The server may close before the whole frame is written: then the
    // write fails instead.
    const bool cut = !a.close_code && a.failure.rfind("write", 0) == 0;
    if (cut) return note("cut while sending");
    note(a);
    if (a.close_code != 1009) wrong("a Hello over 1 MiB: " + a.describe());
    return;
  }
  if (!joined(*c, answer)) return;
  judge_quota(*c, first, last);
  c->close();
}

// Connecting and dropping in a loop, resending the same few ops each time:
// each is answered with a Welcome (or ERROR_REPLICA_IN_USE while the server
// has not seen the last drop yet), and the ops are logged once.
void Drill::reconnect_loop(Role role) {
  auto c = flood_client(role);
  if (!c) return;
  const crdt::OpId element = seeded_[pick(seeded_.size())];
  const std::vector<pb::Op> ops = label_flood(*c, element, 3);
  c->drop();
  const int loops = static_cast<int>(between(3, 12));
  for (int i = 0; i < loops; ++i) {
    const auto answer = c->join(ops);
    const bool in_use =
        answer && answer->has_error() && answer->error().code() == pb::ERROR_REPLICA_IN_USE;
    if (in_use) {
      c->pump_until([&] { return !c->connected(); }, kAnswerTimeout);
      note(Answer{answer, c->close_code(), c->connected(), ""});
      if (c->close_code() != 1008) wrong("ERROR_REPLICA_IN_USE without close 1008");
    } else if (!joined(*c, answer)) {
      return;
    }
    if (chance(0.5)) c->pump_until([] { return false; }, Millis(pick(5)));
    c->drop();
    recent_drops_.push_back(Clock::now());
  }
  auto answer = c->join(ops);
  if (answer && answer->has_error() && answer->error().code() == pb::ERROR_REPLICA_IN_USE) {
    note("ws ERROR_REPLICA_IN_USE");
    std::this_thread::sleep_for(Millis(300));
    answer = c->join(ops);
  }
  if (!joined(*c, answer)) return;
  judge_quota(*c, ops.front().counter(), ops.back().counter());
  c->close();
}

// Members joining until the room is full: the live bound (ERROR_QUOTA,
// 1013) or, once the records are, the record bound (ERROR_QUOTA, 1008).
void Drill::crowd(Role role) {
  std::vector<std::unique_ptr<HostileClient>> crowd;
  for (size_t i = 0; i <= kMaxLiveMembers; ++i) {
    HelloFields f;
    f.token = token_of(role);
    f.replica = fresh_replica();
    f.secret = hostile_secret(f.replica);
    f.name = "crowd " + std::to_string(i);
    auto c = std::make_unique<HostileClient>(endpoint(), tokens_.id, f, records_);
    const auto answer = c->join();
    if (!joined(*c, answer)) break;
    crowd.push_back(std::move(c));
    crowd_size_ = crowd.size();
    if (live_estimate() > kMaxLiveMembers) {
      wrong("the room took " + std::to_string(live_estimate()) + " members online, its bound is " +
            std::to_string(kMaxLiveMembers));
      break;
    }
  }
  for (auto& c : crowd) {
    c->close();
    recent_drops_.push_back(Clock::now());
  }
  crowd_size_ = 0;
  pump_everyone(Millis(50));  // the room hears of the leaves
}

// ---- hostile actions: REST ------------------------------------------------------------------

HttpResponse api(const Endpoint& at, const RestCase& c) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!c.token.empty()) headers.push_back({"Authorization", "Bearer " + c.token});
  if (!c.body.empty()) headers.push_back({"Content-Type", c.content_type});
  return http_request(at, c.method, c.target, c.body, headers);
}

std::vector<RestCase> Drill::rest_cases(Role role) {
  const std::string base = "/api/convenings/" + tokens_.id;
  const std::string token = token_of(role);
  static const char* kBadAt[] = {"-1",  "+1",  "1x", "", "0x1", "18446744073709551615",
                                 "1.0", "%201"};
  const std::string bad_at = kBadAt[pick(std::size(kBadAt))];
  const std::string export_path = base + "/export?format=json";
  const std::string key = token.empty() ? "no token" : token;
  const std::string forged_signature =
      Json{{"name", "signed as the convener"},
           {"seq", 1},
           {"member", member_id_of(honest_[0].replica->id())},
           {"secret", std::string(32, 'a' + static_cast<char>(pick(6)))}}
          .dump();
  switch (role) {
    case Role::kParticipant:
    case Role::kObserver: {
      const bool observer = role == Role::kObserver;
      return {
          {"GET", export_path, token, "", "", 200, "", key, ""},
          {"GET", export_path + "&at=" + bad_at, token, "", "", 400, "bad_request", key, ""},
          {"GET", export_path + "&at=99999999", token, "", "", 400, "bad_request", key, ""},
          {"GET", base + "/access", token, "", "", 200, "", "",
           observer ? "observer" : "participant"},
          {"GET", base + "/conveners", token, "", "", 403, "forbidden", "", ""},
          {"POST", base + "/conveners", token, R"({"name": "me too"})", "application/json", 403,
           "forbidden", "", ""},
          {"POST", base + "/conveners/AAAAAAAAAAAAAAAA/revoke", token, "", "", 403, "forbidden", "",
           ""},
          {"POST", base + "/invites/participant/revoke", token, "", "", 403, "forbidden", "", ""},
          {"POST", base + "/versions", token, R"({"name": "mine", "seq": 1})", "application/json",
           observer ? 403 : 201, observer ? "forbidden" : "", "", ""},
          {"POST", base + "/versions", token, R"({"name": "x", "seq": 1})", "text/plain", 415,
           "unsupported_media_type", "", ""},
          // Signed as the convener with a secret made up: no one's signature.
          {"POST", base + "/versions", token, forged_signature, "application/json", 403,
           observer ? "forbidden" : "not_member", "", ""},
          {"HEAD", export_path, token, "", "", 0, "", "", ""},
      };
    }
    case Role::kRevoked:
      return {
          {"GET", export_path, token, "", "", 403, "revoked", key, ""},
          {"GET", base + "/access", token, "", "", 403, "revoked", "", ""},
          {"GET", base + "/versions", token, "", "", 403, "revoked", "", ""},
      };
    case Role::kStranger:
      break;
  }
  return {
      {"GET", export_path, "", "", "", 401, "unauthorized", "no token", ""},
      {"GET", export_path, token, "", "", 403, "forbidden", token, ""},
      {"GET", export_path, elsewhere_token_, "", "", 403, "forbidden", elsewhere_token_, ""},
      {"GET", "/api/convenings/NoSuchConvening/export?format=json", token, "", "", 404, "not_found",
       token, ""},
      {"GET", "/api/convenings/a.b/access", token, "", "", 404, "not_found", "", ""},
      {"GET", base + "/access", "", "", "", 401, "unauthorized", "", ""},
      {"GET", base + "/access", token, "", "", 403, "forbidden", "", ""},
      {"POST", base + "/invites/observer/revoke", token, "", "", 403, "forbidden", "", ""},
      {"POST", "/api/convenings", "", R"({"name": "x"})", "text/plain", 415,
       "unsupported_media_type", "", ""},
      {"HEAD", export_path, token, "", "", 0, "", "", ""},
  };
}

void Drill::rest(Role role) {
  const auto cases = rest_cases(role);
  const RestCase& c = cases[pick(cases.size())];
  if (c.method == "HEAD") {
    may_be_rate_limited(c.token.empty() ? "no token" : c.token);  // answered as an export
    return head_request(c.token);
  }
  judge_rest(c);
}

// Exports are limited per token (per address without one), and per address
// to four times that: a 429 is due only after that many within the last
// minute. Counts this export.
bool Drill::may_be_rate_limited(const std::string& key) {
  const auto now = Clock::now();
  const auto count = [&](const std::string& k) {
    auto& times = exports_by_key_[k];
    while (!times.empty() && now - times.front() > std::chrono::seconds(60)) times.pop_front();
    times.push_back(now);
    return times.size();
  };
  const bool by_key = count(key) > kExportsPerMinute;
  return count("") > 4 * kExportsPerMinute || by_key;  // "": every export, from this address
}

void Drill::judge_rest(const RestCase& c) {
  const HttpResponse r = api(endpoint(), c);
  const Json body = r.json();
  const std::string code =
      field(field(body, "error"), "code").is_string()
          ? field(field(body, "error"), "code").get<std::string>()
          : "";
  note("http " + std::to_string(r.status) + (code.empty() ? "" : " " + code));
  const bool limited = !c.rate_key.empty() && may_be_rate_limited(c.rate_key);
  if (limited && r.status == 429) return;
  if (r.status != c.status || code != c.code || body.is_discarded())
    return wrong(c.method + " " + c.target.substr(0, 80) + ": expected " +
                 std::to_string(c.status) + " " + c.code + ", got " + r.describe());
  if (!c.role_answer.empty() && field(body, "role") != c.role_answer)
    wrong("the access check answered role " + field(body, "role").dump());
  if (c.status == 200 && c.rate_key.size()) audit_export(body);
}

// A HEAD answer never carries a body: on a kept-alive connection the next
// response must start right after its headers.
void Drill::head_request(const std::string& token) {
  namespace net = boost::asio;
  net::io_context ioc;
  net::ip::tcp::socket socket(ioc);
  boost::system::error_code ec;
  socket.connect({net::ip::make_address(server_.host()), server_.port()}, ec);
  if (ec) return wrong("connect: " + ec.message());
  const timeval timeout{5, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  const std::string auth = token.empty() ? "" : "Authorization: Bearer " + token + "\r\n";
  const std::string request = "HEAD /api/convenings/" + tokens_.id +
                              "/export?format=json HTTP/1.1\r\nHost: x\r\n" + auth +
                              "\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  net::write(socket, net::buffer(request), ec);
  std::string received;
  net::read(socket, net::dynamic_buffer(received), ec);
  const size_t end = received.find("\r\n\r\n");
  note("http HEAD " + (received.size() >= 12 ? received.substr(9, 3) : std::string("none")));
  if (end == std::string::npos || received.substr(end + 4, 12) != "HTTP/1.1 200")
    wrong("a HEAD answer had a body, or no answer: '" + received.substr(0, 300) + "'");
}

// ---- the end -----------------------------------------------------------------------------

void Drill::close_hostile_sessions() {
  for (auto* s : {&participant_session_, &observer_session_}) {
    if (*s) (*s)->close();
    s->reset();
  }
}

// Everyone honest online with every op acknowledged; then each member who
// edits makes one more edit, which must be acknowledged too.
bool Drill::settle() {
  action_ = "settling";
  for (Honest& h : honest_)
    if (!h.replica->connected() && !honest_join(h)) return false;
  for (Honest& h : honest_) {
    if (!h.replica->wait_acked(kSettleTimeout)) {
      problem("honest " + h.name + " still has " + std::to_string(h.replica->pending().size()) +
              " unacknowledged ops");
      return false;
    }
  }
  return last_edits();
}

bool Drill::last_edits() {
  for (Honest& h : honest_) {
    if (!h.editor()) continue;
    if (!h.replica->doc().create_map("still editing: " + h.name).ok()) {
      problem("honest " + h.name + " cannot make an edit");
      return false;
    }
    report_.honest_ops += h.replica->flush().size();
    if (!h.replica->wait_acked(kSettleTimeout)) {
      problem("honest " + h.name + "'s last edit was not acknowledged");
      return false;
    }
  }
  for (Honest& h : honest_) judge_honest(h);
  return true;
}

// The export once every honest replica has seen its head; nullopt if it is
// not 200 and JSON.
std::optional<Json> Drill::converged_export() {
  for (int attempt = 0; attempt < 3; ++attempt) {
    const HttpResponse r = export_convening(endpoint(), tokens_.id, tokens_.convener);
    const Json state = r.json();
    if (r.status != 200 || !field(state, "head_seq").is_number_unsigned()) {
      problem("the export at the end: " + r.describe());
      return std::nullopt;
    }
    const uint64_t head = field(state, "head_seq").get<uint64_t>();
    bool exact = true;
    for (Honest& h : honest_) {
      if (!h.replica->wait_seen(head, kSettleTimeout))
        problem("honest " + h.name + " never saw seq " + std::to_string(head));
      exact = exact && h.replica->seen_seq() == head;
    }
    if (exact) return state;
  }
  problem("the log kept growing after every hostile client was gone");
  return std::nullopt;
}

void Drill::audit() {
  action_ = "auditing";
  const auto state = converged_export();
  if (!state) return;
  audit_export(*state);
  report_.member_records = field(*state, "members").size();
  if (report_.member_records != records_.size())
    problem("the export lists " + std::to_string(report_.member_records) + " member records; " +
            std::to_string(records_.size()) + " were due");
  const Json doc = document_part(*state);
  for (Honest& h : honest_)
    if (document_part(h.replica->doc().to_json()) != doc) ++report_.diverged;

  ReplicaOptions o;
  o.token = tokens_.convener;
  o.name = "auditor";
  o.ops_only = true;
  Replica auditor(endpoint(), tokens_.id, kAuditorReplica, o);
  const JoinResult r = auditor.join(kJoinTimeout);
  if (!r.ok()) return problem("the auditor could not join: " + r.describe());
  records_.admitted(kAuditorReplica);
  const auto logged = audit_log(*r.welcome);
  for (const Honest& h : honest_) {
    std::vector<const Replica*> all{h.replica.get()};
    for (const auto& old : h.retired) all.push_back(old.get());
    for (const Replica* replica : all)
      for (const auto& [first_counter, seq] : replica->acks()) {
        ++report_.honest_acked;
        if (!logged.count({h.replica_id, first_counter})) ++report_.lost_acked_ops;
      }
  }
  const HttpResponse at =
      export_convening(endpoint(), tokens_.id, tokens_.convener, r.welcome->head_seq());
  if (document_part(auditor.doc().to_json()) != document_part(at.json()))
    problem("replaying the log does not give the export at its head");
  auditor.disconnect();
  records_.offline(kAuditorReplica);
}

// The whole log, as an ops_only Welcome from seq 0 holds it: the ids of its
// ops (each must be there once) and its seqs (each of 1..head once).
std::set<std::pair<uint64_t, uint64_t>> Drill::audit_log(const pb::Welcome& welcome) {
  std::set<std::pair<uint64_t, uint64_t>> ids;
  std::set<uint64_t> seqs;
  for (const pb::SequencedOp& op : welcome.ops()) {
    if (!ids.insert({op.op().replica(), op.op().counter()}).second) ++report_.duplicated_ops;
    if (op.seq() >= 1 && op.seq() <= welcome.head_seq()) seqs.insert(op.seq());
  }
  report_.log_gaps += welcome.head_seq() - seqs.size();
  report_.log_ops = static_cast<uint64_t>(welcome.ops_size());
  return ids;
}

// Member records in an export: clean, and never more than their bound.
void Drill::audit_export(const Json& state) {
  const Json& members = field(state, "members");
  if (!members.is_array())
    return wrong("an export without members: " + state.dump().substr(0, 200));
  if (members.size() > kMaxMemberRecords)
    wrong("the export lists " + std::to_string(members.size()) + " members, past the bound");
  for (const Json& m : members) {
    const Json& name_field = field(m, "name");
    const Json& colour_field = field(m, "colour");
    const std::string name = name_field.is_string() ? name_field.get<std::string>() : "";
    const std::string colour = colour_field.is_string() ? colour_field.get<std::string>() : "";
    if (const std::string why = name_problem(name); !why.empty())
      wrong("an exported member has " + why);
    if (!clean_colour(colour)) wrong("an exported member has colour '" + colour + "'");
  }
}

// SIGTERM: every connection closed with 1001 and exit status 0; the
// restarted server exports the same convening and takes a rejoin.
void Drill::stop_and_restart() {
  action_ = "stopping and restarting";
  report_.server_cpu_s = proc_cpu_seconds(server_.pid());
  report_.peak_rss_kib = std::max(report_.peak_rss_kib, proc_status_kib(server_.pid(), "VmHWM"));
  if (report_.peak_rss_kib > options_.max_rss_kib)
    problem("the server's RSS reached " + std::to_string(report_.peak_rss_kib >> 10) +
            " MiB, more than " + std::to_string(options_.max_rss_kib >> 10) + " MiB");
  if (http_request(endpoint(), "GET", "/healthz").status != 200)
    problem("/healthz does not answer 200 at the end");
  const HttpResponse before = export_convening(endpoint(), tokens_.id, tokens_.convener);
  if (!await_sigterm()) return;
  if (!server_.restart()) return problem("the server did not restart: " + server_.error());
  const HttpResponse after = export_convening(endpoint(), tokens_.id, tokens_.convener);
  if (after.status != 200 || after.json() != before.json())
    problem("the export after a restart differs: " + after.describe());
  Honest& convener = honest_[0];
  if (!honest_join(convener)) return;
  convener.replica->wait_seen(after.json().value("head_seq", uint64_t{0}), kSettleTimeout);
  if (document_part(convener.replica->doc().to_json()) != document_part(after.json()))
    problem("the convener's replica differs from the export after a restart");
  judge_honest(convener);
}

bool Drill::await_sigterm() {
  std::vector<Replica*> live;
  for (Honest& h : honest_)
    if (h.replica->connected()) live.push_back(h.replica.get());
  ::kill(server_.pid(), SIGTERM);
  const auto deadline = Clock::now() + Millis(15000);
  while (!server_.exited_by_itself()) {
    if (Clock::now() >= deadline) {
      problem("the server did not exit within 15 s of SIGTERM");
      server_.kill();
      return false;
    }
    pump_everyone(Millis(2));
  }
  if (server_.exit_status() != 0)
    problem("the server exited with status " + std::to_string(server_.exit_status().value_or(-1)) +
            " after SIGTERM");
  for (Replica* r : live) {
    r->pump_until([&] { return !r->connected(); }, kAnswerTimeout);
    const int code = r->ws() ? r->ws()->close_code().value_or(0) : 0;
    if (code != 1001)
      problem("an honest member was closed with " + std::to_string(code) + " on SIGTERM, not 1001");
  }
  return server_.exit_status() == 0;
}

}  // namespace

std::string member_problem(const pb::Member& m) {
  if (std::string why = name_problem(m.name()); !why.empty()) return why;
  if (!clean_colour(m.colour())) return "colour '" + m.colour().substr(0, 40) + "'";
  if (std::string why = presence_problem(m.presence()); !why.empty()) return why;
  if (m.presence().ask_to_follow() && m.role() != pb::ROLE_CONVENER)
    return "ask_to_follow from a " + pb::Role_Name(m.role());
  if (misshapen(m)) return "a field in a wire type other than its own";
  return {};
}

bool AdversaryReport::ok() const {
  return problems.empty() && lost_acked_ops == 0 && duplicated_ops == 0 && log_gaps == 0 &&
         diverged == 0;
}

std::string AdversaryReport::summary() const {
  std::ostringstream out;
  uint64_t total = 0;
  for (const auto& [kind, n] : actions) total += n;
  out << "seed " << seed << ": " << total << " actions {";
  for (const auto& [kind, n] : actions) out << kind << " " << n << ", ";
  out << "} answers {";
  for (const auto& [answer, n] : answers) out << answer << " " << n << ", ";
  out << "} honest ops " << honest_ops << " (acked " << honest_acked << "), log " << log_ops
      << " ops, " << member_records << " member records, " << revocations
      << " revocations, peak RSS " << (peak_rss_kib >> 10) << " MiB, server CPU " << server_cpu_s
      << " s, " << duration_s << " s";
  if (!ok()) out << ", " << problems.size() << " problems";
  return out.str();
}

AdversaryReport run_adversary_drill(const AdversaryOptions& options) {
  Drill drill(options);
  return drill.run();
}

}  // namespace convene::itest
