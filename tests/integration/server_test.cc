// Integration tests of convene-server as a black box: a real server process on
// 127.0.0.1 (support/server_process.h) and real WebSocket and HTTP clients
// written with Beast (support/ws_client.h), checked against the behaviour
// issue 3 and proto/convene/v1/protocol.proto specify.
//
// Every client replica is a crdt::Document; "converged" means equal to_json()
// and state_hash() on every replica, and to_json() equal to the maps/drafts of
// the server's JSON export.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "server_fixture.h"
#include "support/server_process.h"
#include "support/ws_client.h"

namespace convene::itest {
namespace {

using crdt::OpId;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Json = nlohmann::json;

// ---- helpers ----------------------------------------------------------------------

pb::ElementFields element(const std::string& label, double x, double y,
                          pb::ElementKind kind = pb::ELEMENT_KIND_PROJECT) {
  pb::ElementFields f;
  f.set_kind(kind);
  f.set_label(label);
  f.mutable_position()->set_x(x);
  f.mutable_position()->set_y(y);
  return f;
}

pb::ElementFields moved_to(double x, double y) {
  pb::ElementFields f;
  f.mutable_position()->set_x(x);
  f.mutable_position()->set_y(y);
  return f;
}

pb::ElementFields relabelled(const std::string& label) {
  pb::ElementFields f;
  f.set_label(label);
  return f;
}

pb::ConnectionFields connection(const std::string& label, uint32_t depth = 2) {
  pb::ConnectionFields f;
  f.set_direction(pb::DIRECTION_FORWARD);
  f.set_depth(depth);
  f.set_kind(pb::CONNECTION_KIND_COLLABORATION);
  f.set_label(label);
  return f;
}

size_t count_of(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + 1))
    ++n;
  return n;
}

uint64_t max_ack_seq(const Replica& r) {
  uint64_t m = 0;
  for (const auto& [counter, seq] : r.acks()) m = std::max(m, seq);
  return m;
}

// The head of the room once every writer's ops are acknowledged.
uint64_t head_after_acks(const std::vector<Replica*>& writers) {
  uint64_t head = 0;
  for (Replica* w : writers) head = std::max(head, max_ack_seq(*w));
  return head;
}

bool has_error(const Replica& r, pb::ErrorCode code) {
  return std::any_of(r.errors().begin(), r.errors().end(),
                     [&](const pb::Error& e) { return e.code() == code; });
}

std::string errors_of(const Replica& r) {
  std::string out;
  for (const auto& e : r.errors())
    out += " {" + error_code_name(e.code()) + ", op " + std::to_string(e.op().replica()) + ":" +
           std::to_string(e.op().counter()) + ", '" + e.message() + "'}";
  return out.empty() ? " (none)" : out;
}

std::optional<uint64_t> json_u64(const Json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0)
    return static_cast<uint64_t>(v.get<int64_t>());
  return std::nullopt;
}

// The server's export must hold maps/drafts equal to `doc`'s, and members and
// head_seq; `head` is checked when given.
::testing::AssertionResult MatchesExport(const Endpoint& at, const std::string& convening,
                                         const std::string& token, const crdt::Document& doc,
                                         std::optional<uint64_t> head = std::nullopt,
                                         std::optional<uint64_t> at_seq = std::nullopt) {
  const HttpResponse r = export_convening(at, convening, token, at_seq);
  if (r.status != 200) return ::testing::AssertionFailure() << "export: " << r.describe();
  const Json j = r.json();
  if (!j.is_object())
    return ::testing::AssertionFailure() << "export is not a JSON object: " << r.describe();
  for (const char* key : {"maps", "drafts", "members", "head_seq"})
    if (!j.contains(key))
      return ::testing::AssertionFailure() << "export has no \"" << key << "\": " << r.describe();
  const Json want = document_part(doc.to_json());
  const Json got = document_part(j);
  if (want != got)
    return ::testing::AssertionFailure()
           << "export differs from the client's document\n  patch client->export: "
           << Json::diff(want, got).dump().substr(0, 3000)
           << "\n  client: " << want.dump().substr(0, 3000)
           << "\n  export: " << got.dump().substr(0, 3000);
  if (head) {
    const std::optional<uint64_t> h = json_u64(j["head_seq"]);
    if (!h || *h != *head)
      return ::testing::AssertionFailure()
             << "export head_seq is " << j["head_seq"].dump() << ", expected " << *head;
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult Converged(const std::vector<Replica*>& replicas) {
  if (replicas.empty()) return ::testing::AssertionSuccess();
  const Json first = replicas[0]->doc().to_json();
  const uint64_t hash = replicas[0]->doc().state_hash();
  for (size_t i = 1; i < replicas.size(); ++i) {
    const Json other = replicas[i]->doc().to_json();
    if (other != first || replicas[i]->doc().state_hash() != hash)
      return ::testing::AssertionFailure()
             << "replica #" << i << " differs from replica #0\n  patch #0->#" << i << ": "
             << Json::diff(first, other).dump().substr(0, 3000);
  }
  return ::testing::AssertionSuccess();
}

// Every replica holds every op the writers have made (by version vector) and
// has seen the seq of their last acknowledged op, before one shared deadline.
::testing::AssertionResult AllCaughtUp(const std::vector<Replica*>& replicas,
                                       const std::vector<Replica*>& writers,
                                       milliseconds budget = seconds(15)) {
  std::map<uint64_t, uint64_t> want;
  for (Replica* w : writers) want[w->id()] = w->doc().version().last(w->id());
  const uint64_t head = head_after_acks(writers);
  const auto deadline = Clock::now() + budget;
  for (size_t i = 0; i < replicas.size(); ++i) {
    const auto left = [&] {
      return std::max(std::chrono::duration_cast<milliseconds>(deadline - Clock::now()),
                      milliseconds(1));
    };
    if (!replicas[i]->wait_has(want, left()) || !replicas[i]->wait_seen(head, left())) {
      std::ostringstream missing;
      for (const auto& [replica, counter] : want)
        if (replicas[i]->doc().version().last(replica) < counter)
          missing << " " << replica << " up to " << counter << " (has "
                  << replicas[i]->doc().version().last(replica) << ")";
      return ::testing::AssertionFailure()
             << "replica #" << i << " has seen seq " << replicas[i]->seen_seq() << " of " << head
             << "; lacks ops of" << (missing.str().empty() ? " nobody" : missing.str())
             << (replicas[i]->connected() ? "" : " (disconnected)")
             << "; errors:" << errors_of(*replicas[i]);
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult AllAcked(const std::vector<Replica*>& replicas,
                                    milliseconds budget = seconds(15)) {
  const auto deadline = Clock::now() + budget;
  for (size_t i = 0; i < replicas.size(); ++i) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (!replicas[i]->wait_acked(std::max(left, milliseconds(1))))
      return ::testing::AssertionFailure()
             << "replica #" << i << " still has " << replicas[i]->pending().size()
             << " unacknowledged ops" << (replicas[i]->connected() ? "" : " (disconnected)")
             << "; errors:" << errors_of(*replicas[i]);
  }
  return ::testing::AssertionSuccess();
}

// A temporary directory removed at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string templ =
        (std::filesystem::temp_directory_path() / "convene-itest-static-XXXXXX").string();
    if (::mkdtemp(templ.data()) != nullptr) path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

void write_file(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << content;
}

class ServerTest : public ServerFixture {
 protected:
  // A replica that has joined (the test fails fatally if it could not).
  void joined(std::unique_ptr<Replica>& out, const std::string& convening, const std::string& token,
              const std::string& name) {
    out = replica(convening, token, name);
    const JoinResult r = out->join();
    ASSERT_TRUE(r.ok()) << name << ": " << r.describe();
    EXPECT_TRUE(r.before.empty()) << name << ": " << r.describe();
  }

  // A Hello for a new replica (protocol 1) into `convening` with `token`.
  pb::ClientMessage hello(const std::string& convening, const std::string& token) {
    pb::ClientMessage m;
    pb::Hello* h = m.mutable_hello();
    h->set_protocol(1);
    h->set_token(token);
    h->set_replica(next_replica_id());
    h->set_replica_secret(replica_secret_for(h->replica()));
    h->set_convening(convening);
    return m;
  }

  // Sends Hello{ops_only, last_seen_seq = after} and checks the Welcome: no
  // snapshot, exactly the ops after..head in seq order and, from zero, ops
  // that replay to `reference`'s state.
  ::testing::AssertionResult JoinsWithEveryOpAfter(const std::string& convening,
                                                   const std::string& token, uint64_t after,
                                                   uint64_t head, const crdt::Document& reference) {
    WsClient ws;
    if (!ws.connect(endpoint(), "/ws", Millis(5000)))
      return ::testing::AssertionFailure() << "connect: " << ws.error();
    pb::ClientMessage m = hello(convening, token);
    m.mutable_hello()->set_last_seen_seq(after);
    m.mutable_hello()->set_ops_only(true);
    if (!ws.send(m, Millis(5000))) return ::testing::AssertionFailure() << "send: " << ws.error();
    const auto answer = ws.receive_until([](const pb::ServerMessage& s) { return s.has_welcome(); },
                                         Millis(5000), nullptr);
    if (!answer) return ::testing::AssertionFailure() << "no Welcome: " << ws.error();
    const pb::Welcome& w = answer->welcome();
    if (!w.snapshot().empty()) return ::testing::AssertionFailure() << "a snapshot was sent";
    if (static_cast<uint64_t>(w.ops_size()) != head - after)
      return ::testing::AssertionFailure() << w.ops_size() << " ops, expected " << head - after;
    crdt::Document replay;
    for (int i = 0; i < w.ops_size(); ++i) {
      if (w.ops(i).seq() != after + 1 + static_cast<uint64_t>(i))
        return ::testing::AssertionFailure() << "op " << i << " has seq " << w.ops(i).seq();
      if (after == 0 && !replay.apply(w.ops(i).op()).is_ok())
        return ::testing::AssertionFailure() << "op at seq " << w.ops(i).seq() << " does not apply";
    }
    if (after == 0 && replay.state_hash() != reference.state_hash())
      return ::testing::AssertionFailure() << "replaying every op gave another state";
    return ::testing::AssertionSuccess();
  }
};

// ---- collaboration -----------------------------------------------------------------

TEST_F(ServerTest, TwoClientsEditTheSameMapAndDraftConcurrentlyAndConverge) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "two clients");
  ASSERT_TRUE(conv);
  std::unique_ptr<Replica> a, b;
  ASSERT_NO_FATAL_FAILURE(joined(a, conv->id, conv->convener, "ana"));
  ASSERT_NO_FATAL_FAILURE(joined(b, conv->id, conv->participant, "ben"));
  EXPECT_EQ(a->last_welcome()->role(), pb::ROLE_CONVENER);
  EXPECT_EQ(b->last_welcome()->role(), pb::ROLE_PARTICIPANT);

  // A shared map and draft.
  const OpId map = a->doc().create_map("River basin").value;
  const OpId draft = a->doc().create_draft("Call").value;
  ASSERT_TRUE(map.valid() && draft.valid());
  a->flush();
  ASSERT_TRUE(AllAcked({a.get()}));
  ASSERT_TRUE(AllCaughtUp({a.get(), b.get()}, {a.get()}));

  // Round 1, concurrently: elements on both sides, typing at the same place.
  const OpId a1 = a->doc().create_element(map, element("Water board", 10, 10)).value;
  const OpId a2 = a->doc().create_element(map, element("Farmers' network", 50, 20)).value;
  const OpId b1 = b->doc().create_element(map, element("School", -30, 5)).value;
  ASSERT_TRUE(a1.valid() && a2.valid() && b1.valid());
  a->flush();
  b->flush();
  // Keystroke by keystroke, neither seeing the other: no interleaving allowed.
  const std::string a_word = "alpha ", b_word = "bravo ";
  for (size_t i = 0; i < a_word.size(); ++i) {
    ASSERT_TRUE(a->doc().insert_text(draft, i, a_word.substr(i, 1)).is_ok());
    a->flush();
    ASSERT_TRUE(b->doc().insert_text(draft, i, b_word.substr(i, 1)).is_ok());
    b->flush();
  }
  ASSERT_TRUE(AllAcked({a.get(), b.get()}));
  uint64_t head = head_after_acks({a.get(), b.get()});
  ASSERT_TRUE(AllCaughtUp({a.get(), b.get()}, {a.get(), b.get()}));

  // Round 2, concurrently: moves of the same element, connections, labels,
  // perspectives, more typing and a delete.
  ASSERT_TRUE(a->doc().update_element(b1, moved_to(100, 100)).is_ok());
  ASSERT_TRUE(b->doc().update_element(b1, moved_to(-100, -100)).is_ok());
  ASSERT_TRUE(a->doc().update_element(a1, relabelled("Regional water board")).is_ok());
  ASSERT_TRUE(b->doc().update_element(a1, relabelled("Water authority")).is_ok());
  ASSERT_TRUE(a->doc().create_connection(map, a1, b1, connection("funds")).ok());
  ASSERT_TRUE(b->doc().create_connection(map, b1, a2, connection("teaches", 3)).ok());
  // Each member's own perspective, under its member id (the server checks).
  ASSERT_TRUE(a->doc().set_perspective(a1, "strength", a->member_id(), 0.8).is_ok());
  ASSERT_TRUE(b->doc().set_perspective(a1, "strength", b->member_id(), 0.2).is_ok());
  a->flush();
  b->flush();
  std::mt19937 rng(20240601);
  for (int round = 0; round < 12; ++round) {
    for (Replica* r : {a.get(), b.get()}) {
      // At the start or the end: never inside a word, so each stays whole.
      const size_t pos = rng() % 2 == 0 ? 0 : r->doc().text_length(draft);
      const std::string token =
          "<" + std::to_string(r->id() % 1000) + "." + std::to_string(round) + ">";
      ASSERT_TRUE(r->doc().insert_text(draft, pos, token).is_ok());
      ASSERT_TRUE(r->doc().update_element(a2, moved_to(round, -round)).is_ok());
      r->flush();
    }
    if (round % 4 == 3) {  // now and then, take in some of the other's ops
      a->pump(milliseconds(20));
      b->pump(milliseconds(20));
    }
  }
  // B deletes the first letter of its word, wherever it is now.
  const size_t bravo = b->doc().text(draft).find("bravo ");
  ASSERT_NE(bravo, std::string::npos) << b->doc().text(draft);
  ASSERT_TRUE(b->doc().delete_text(draft, bravo, 1).is_ok());
  b->flush();
  ASSERT_TRUE(AllAcked({a.get(), b.get()}));
  head = head_after_acks({a.get(), b.get()});
  ASSERT_TRUE(AllCaughtUp({a.get(), b.get()}, {a.get(), b.get()}));

  EXPECT_TRUE(Converged({a.get(), b.get()}));
  EXPECT_TRUE(MatchesExport(endpoint(), conv->id, conv->convener, a->doc(), head));
  EXPECT_EQ(head, a->sent().size() + b->sent().size()) << "one seq per op, none lost or doubled";
  EXPECT_EQ(a->duplicates_received(), 0u);
  EXPECT_EQ(b->duplicates_received(), 0u);

  const std::string text = a->doc().text(draft);
  EXPECT_TRUE(text.find("alpha ") != std::string::npos && text.find("ravo ") != std::string::npos &&
              text.find("bravo ") == std::string::npos)
      << "concurrent typing interleaved, or the delete was lost: '" << text << "'";
  for (int round = 0; round < 12; ++round)
    for (Replica* r : {a.get(), b.get()}) {
      const std::string token =
          "<" + std::to_string(r->id() % 1000) + "." + std::to_string(round) + ">";
      EXPECT_EQ(count_of(text, token), 1u) << token << " in '" << text << "'";
    }
  const Json maps = a->doc().to_json()["maps"];
  ASSERT_EQ(maps.size(), 1u);
  EXPECT_EQ(maps[0]["elements"].size(), 3u);
  EXPECT_EQ(maps[0]["connections"].size(), 2u);
  EXPECT_TRUE(a->errors().empty()) << errors_of(*a);
  EXPECT_TRUE(b->errors().empty()) << errors_of(*b);
}

// docs/protocol.md: an Ack acknowledges every op of its replica up to its
// counter, so ops committed together need one Ack; the others learn them
// as Ops in seq order.
TEST_F(ServerTest, OneAckCoversEveryOpOfACommitInSeqOrder) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "acks");
  ASSERT_TRUE(conv);
  std::unique_ptr<Replica> a, b;
  ASSERT_NO_FATAL_FAILURE(joined(a, conv->id, conv->participant, "ana"));
  ASSERT_NO_FATAL_FAILURE(joined(b, conv->id, conv->participant, "ben"));
  const OpId map = a->doc().create_map("m").value;
  const OpId draft = a->doc().create_draft("d").value;
  ASSERT_TRUE(a->doc().insert_text(draft, 0, "hello").is_ok());
  ASSERT_TRUE(map.valid());
  const std::vector<pb::Op> ops = a->flush();  // three ops in one Submit
  ASSERT_EQ(ops.size(), 3u);
  ASSERT_TRUE(AllAcked({a.get()}));
  ASSERT_TRUE(b->wait_seen(3));
  EXPECT_GE(a->ack_messages(), 1u);
  EXPECT_LE(a->ack_messages(), 3u);
  // The op named by the last Ack got the last seq.
  ASSERT_FALSE(a->acks().empty());
  EXPECT_EQ(std::prev(a->acks().end())->second, 3u);
  std::vector<uint64_t> broadcast;
  for (const auto& op : b->broadcast_ops()) broadcast.push_back(op.seq());
  EXPECT_EQ(broadcast, (std::vector<uint64_t>{1, 2, 3}));
}

// A member gets at most one delivery per --delivery-interval-ms: commits
// closer together wait and go out as one Ops frame, with the member's Ack; a
// client that asked for batches gets the two in one Batch frame, any other
// gets them one per frame.
TEST_F(ServerTest, CommitsCloseTogetherReachAMemberAsOneDelivery) {
  ServerOptions options;
  options.extra_args = {"--delivery-interval-ms", "400"};
  ASSERT_NO_FATAL_FAILURE(start(options));
  const auto conv = create_convening(endpoint(), "rounds");
  ASSERT_TRUE(conv);
  std::unique_ptr<Replica> a, b;
  ASSERT_NO_FATAL_FAILURE(joined(a, conv->id, conv->participant, "ana"));
  ASSERT_NO_FATAL_FAILURE(joined(b, conv->id, conv->participant, "ben"));
  ReplicaOptions plain;
  plain.token = conv->participant;
  plain.name = "cy";
  plain.batches = false;
  auto c = std::make_unique<Replica>(endpoint(), conv->id, next_replica_id(), plain);
  ASSERT_TRUE(c->join().ok());
  const OpId draft = a->doc().create_draft("d").value;
  a->flush();
  ASSERT_TRUE(AllAcked({a.get()}));
  ASSERT_TRUE(AllCaughtUp({a.get(), b.get(), c.get()}, {a.get()}));
  const size_t c_ops = c->ops_messages(), a_acks = a->ack_messages();
  const size_t a_batches = a->ws()->batch_frames(), b_batches = b->ws()->batch_frames();

  // Three commits well within one interval of the delivery above.
  ASSERT_TRUE(a->doc().insert_text(draft, 0, "a").is_ok());
  a->flush();
  ASSERT_TRUE(b->doc().insert_text(draft, 0, "b").is_ok());
  b->flush();
  ASSERT_TRUE(a->doc().insert_text(draft, 0, "A").is_ok());
  a->flush();
  ASSERT_TRUE(AllAcked({a.get(), b.get()}));
  ASSERT_TRUE(AllCaughtUp({a.get(), b.get(), c.get()}, {a.get(), b.get()}));
  EXPECT_TRUE(Converged({a.get(), b.get(), c.get()}));

  EXPECT_EQ(c->ops_messages(), c_ops + 1) << "seqs 2..4 in one Ops frame";
  EXPECT_EQ(a->ack_messages(), a_acks + 1) << "one Ack for both of ana's ops";
  EXPECT_EQ(a->ws()->batch_frames(), a_batches + 1) << "ben's op and ana's Ack";
  EXPECT_EQ(b->ws()->batch_frames(), b_batches + 1) << "ana's ops and ben's Ack";
  EXPECT_EQ(c->ws()->batch_frames(), 0u) << "cy did not ask for batches";
  for (Replica* r : {a.get(), b.get(), c.get()}) EXPECT_TRUE(r->order_violations().empty());
}

std::string first_violations(const Replica& r) {
  std::string out;
  for (size_t i = 0; i < r.order_violations().size() && i < 5; ++i)
    out += "\n  " + r.order_violations()[i];
  return out;
}

// Each connection receives its Acks and Ops in seq order ("in seq order" in
// the brief and docs/protocol.md). A client's last_seen_seq is the highest seq
// it has, so a frame with a lower seq arriving later would be skipped by a
// client that reconnects in between.
TEST_F(ServerTest, AcksAndOpsReachEachConnectionInSeqOrder) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "order");
  ASSERT_TRUE(conv);
  std::unique_ptr<Replica> a, b, o;
  ASSERT_NO_FATAL_FAILURE(joined(a, conv->id, conv->participant, "ana"));
  ASSERT_NO_FATAL_FAILURE(joined(b, conv->id, conv->participant, "ben"));
  ASSERT_NO_FATAL_FAILURE(joined(o, conv->id, conv->observer, "obi"));
  const OpId draft = a->doc().create_draft("d").value;
  a->flush();
  ASSERT_TRUE(AllAcked({a.get()}));
  ASSERT_TRUE(AllCaughtUp({a.get(), b.get(), o.get()}, {a.get()}));
  for (int i = 0; i < 30; ++i) {  // both type, one op per Submit, interleaved
    ASSERT_TRUE(a->doc().insert_text(draft, 0, "a").is_ok());
    a->flush();
    ASSERT_TRUE(b->doc().insert_text(draft, 0, "b").is_ok());
    b->flush();
  }
  ASSERT_TRUE(AllAcked({a.get(), b.get()}));
  ASSERT_TRUE(AllCaughtUp({a.get(), b.get(), o.get()}, {a.get(), b.get()}));
  EXPECT_TRUE(Converged({a.get(), b.get(), o.get()}));
  EXPECT_TRUE(a->order_violations().empty())
      << a->order_violations().size() << " frames out of order:" << first_violations(*a);
  EXPECT_TRUE(b->order_violations().empty())
      << b->order_violations().size() << " frames out of order:" << first_violations(*b);
  EXPECT_TRUE(o->order_violations().empty())
      << o->order_violations().size() << " frames out of order:" << first_violations(*o);
}

TEST_F(ServerTest, OfflineEditsResentOnReconnectConvergeWithoutDuplicates) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "offline");
  ASSERT_TRUE(conv);
  std::unique_ptr<Replica> a, b;
  ASSERT_NO_FATAL_FAILURE(joined(a, conv->id, conv->participant, "ana"));
  ASSERT_NO_FATAL_FAILURE(joined(b, conv->id, conv->participant, "ben"));

  const OpId draft = a->doc().create_draft("Call").value;
  ASSERT_TRUE(a->doc().insert_text(draft, 0, "base").is_ok());
  a->flush();
  ASSERT_TRUE(AllAcked({a.get()}));
  ASSERT_TRUE(AllCaughtUp({a.get(), b.get()}, {a.get()}));
  const uint64_t a_seen_before = a->seen_seq();

  // A sends " one"; the server logs it (B receives it), but A never reads
  // the Ack: the connection goes away first. The op stays pending for A.
  ASSERT_TRUE(a->doc().insert_text(draft, 4, " one").is_ok());
  const std::vector<pb::Op> one = a->flush();
  ASSERT_EQ(one.size(), 1u);
  ASSERT_TRUE(b->wait_seen(a_seen_before + 1));
  a->disconnect();
  ASSERT_EQ(a->pending().size(), 1u);
  EXPECT_EQ(a->seen_seq(), a_seen_before);

  // Offline: A types more and maps; B edits meanwhile.
  ASSERT_TRUE(a->doc().insert_text(draft, 8, " two").is_ok());
  const OpId map = a->doc().create_map("Offline map").value;
  ASSERT_TRUE(a->doc().create_element(map, element("Made offline", 1, 2)).ok());
  a->flush();
  ASSERT_EQ(a->pending().size(), 4u);
  ASSERT_TRUE(b->doc().insert_text(draft, 0, "B:").is_ok());
  const OpId b_map = b->doc().create_map("Ben's map").value;
  ASSERT_TRUE(b_map.valid());
  b->flush();
  ASSERT_TRUE(AllAcked({b.get()}));

  // Reconnect with last_seen_seq and every unacknowledged op in `resend`.
  const JoinResult rejoined = a->rejoin();
  ASSERT_TRUE(rejoined.ok()) << rejoined.describe();
  EXPECT_EQ(rejoined.welcome->head_seq(), max_ack_seq(*b));
  ASSERT_TRUE(AllAcked({a.get()}));
  const uint64_t head = head_after_acks({a.get(), b.get()});
  ASSERT_TRUE(AllCaughtUp({a.get(), b.get()}, {a.get(), b.get()}));
  b->pump(milliseconds(200));  // a re-broadcast, if any, would arrive now

  // The resent op that was already logged kept its seq and was not logged or
  // broadcast again.
  const uint64_t one_counter = one[0].counter();
  uint64_t one_seq = 0;
  size_t one_broadcasts = 0;
  for (const pb::SequencedOp& op : b->broadcast_ops())
    if (op.op().replica() == a->id() && op.op().counter() == one_counter) {
      ++one_broadcasts;
      one_seq = op.seq();
    }
  EXPECT_EQ(one_broadcasts, 1u);
  EXPECT_EQ(a->acks().count(one_counter) ? a->acks().at(one_counter) : 0, one_seq)
      << "a resend is acknowledged with its first seq";
  EXPECT_EQ(b->duplicates_received(), 0u);
  EXPECT_EQ(head, a->sent().size() + b->sent().size()) << "each op logged exactly once";

  EXPECT_TRUE(Converged({a.get(), b.get()}));
  EXPECT_TRUE(MatchesExport(endpoint(), conv->id, conv->participant, a->doc(), head));
  const std::string text = a->doc().text(draft);
  EXPECT_EQ(text, "B:base one two");
  EXPECT_EQ(count_of(text, " one"), 1u);
  EXPECT_EQ(a->doc().to_json()["maps"].size(), 2u);
  EXPECT_TRUE(a->errors().empty()) << errors_of(*a);
}

// A client whose connection breaks right after an Ack reconnects with that
// Ack's seq as last_seen_seq (the highest seq it has applied) and must still
// get every op of the others.
TEST_F(ServerTest, ReconnectRightAfterAnAckMissesNothing) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "ack then drop");
  ASSERT_TRUE(conv);
  std::unique_ptr<Replica> a, b;
  ASSERT_NO_FATAL_FAILURE(joined(a, conv->id, conv->participant, "ana"));
  ASSERT_NO_FATAL_FAILURE(joined(b, conv->id, conv->participant, "ben"));
  const OpId draft = b->doc().create_draft("d").value;
  b->flush();
  ASSERT_TRUE(AllAcked({b.get()}));
  ASSERT_TRUE(AllCaughtUp({a.get(), b.get()}, {b.get()}));

  // B's ops and A's one op reach the server together, so they commit together:
  // A sends its op once B's burst is being committed. The timing is up to the
  // server, so the scene is played a few times.
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const size_t a_received = a->broadcast_ops().size();
    const size_t a_acks = a->ack_messages();
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(b->doc().insert_text(draft, 0, "b").is_ok());
      b->flush();
    }
    ASSERT_TRUE(a->pump_until([&] { return a->broadcast_ops().size() > a_received; }, seconds(10)));
    ASSERT_TRUE(a->doc().create_map("A's map " + std::to_string(round)).ok());
    a->flush();
    // A handles frames one at a time, and the connection breaks right after
    // its Ack.
    ASSERT_TRUE(a->pump_until([&] { return a->ack_messages() > a_acks; }, seconds(10)));
    a->drop();
    const uint64_t last_seen = a->seen_seq();

    ASSERT_TRUE(AllAcked({b.get()}));
    const JoinResult back = a->rejoin();
    ASSERT_TRUE(back.ok()) << back.describe();
    ASSERT_TRUE(AllCaughtUp({a.get(), b.get()}, {a.get(), b.get()}, seconds(5)))
        << "A reconnected with last_seen_seq " << last_seen;
    ASSERT_TRUE(Converged({a.get(), b.get()}));
  }
}

// ---- durability --------------------------------------------------------------------

TEST_F(ServerTest, RestartBetweenEditsKeepsEveryAcknowledgedOp) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "restart");
  ASSERT_TRUE(conv);
  std::unique_ptr<Replica> a, b;
  ASSERT_NO_FATAL_FAILURE(joined(a, conv->id, conv->convener, "ana"));
  ASSERT_NO_FATAL_FAILURE(joined(b, conv->id, conv->participant, "ben"));

  const OpId map = a->doc().create_map("Before restart").value;
  const OpId e1 = a->doc().create_element(map, element("Institution", 1, 1)).value;
  a->flush();
  const OpId draft = b->doc().create_draft("Call").value;
  ASSERT_TRUE(b->doc().insert_text(draft, 0, "Written before the restart.").is_ok());
  b->flush();
  ASSERT_TRUE(AllAcked({a.get(), b.get()}));
  uint64_t head = head_after_acks({a.get(), b.get()});
  ASSERT_TRUE(AllCaughtUp({a.get(), b.get()}, {a.get(), b.get()}));

  // SIGTERM: every client is closed with 1001 and the server exits 0.
  EXPECT_TRUE(server_->stop()) << server_->error();
  for (Replica* r : {a.get(), b.get()}) {
    ASSERT_NE(r->ws(), nullptr);
    EXPECT_TRUE(r->ws()->wait_closed(seconds(5))) << "still open after the server exited";
    EXPECT_EQ(r->ws()->close_code(), std::optional<int>(1001))
        << "closed without a 1001 close frame (" << r->ws()->error() << ")";
  }
  ASSERT_TRUE(server_->restart()) << server_->error();
  EXPECT_TRUE(MatchesExport(endpoint(), conv->id, conv->convener, a->doc(), head));

  // Both come back and carry on.
  for (Replica* r : {a.get(), b.get()}) {
    const JoinResult j = r->rejoin();
    ASSERT_TRUE(j.ok()) << j.describe();
    EXPECT_EQ(j.welcome->head_seq(), head);
  }
  ASSERT_TRUE(b->doc().update_element(e1, moved_to(7, 7)).is_ok());
  b->flush();
  ASSERT_TRUE(a->doc().insert_text(draft, 0, "After. ").is_ok());
  a->flush();
  ASSERT_TRUE(AllAcked({a.get(), b.get()}));
  head = head_after_acks({a.get(), b.get()});
  ASSERT_TRUE(AllCaughtUp({a.get(), b.get()}, {a.get(), b.get()}));
  EXPECT_TRUE(Converged({a.get(), b.get()}));
  EXPECT_EQ(a->doc().text(draft), "After. Written before the restart.");

  // Once more, and a new client joining from zero after the restart.
  EXPECT_TRUE(server_->stop()) << server_->error();
  ASSERT_TRUE(server_->restart()) << server_->error();
  std::unique_ptr<Replica> c;
  ASSERT_NO_FATAL_FAILURE(joined(c, conv->id, conv->participant, "cai"));
  EXPECT_EQ(c->last_welcome()->head_seq(), head);
  EXPECT_EQ(c->doc().state_hash(), a->doc().state_hash());
  EXPECT_TRUE(MatchesExport(endpoint(), conv->id, conv->convener, a->doc(), head));
}

TEST_F(ServerTest, SigkillRightAfterAcksLosesNoAcknowledgedOp) {
  ServerOptions options;
  options.durability = "fsync";
  ASSERT_NO_FATAL_FAILURE(start(options));
  const auto conv = create_convening(endpoint(), "sigkill");
  ASSERT_TRUE(conv);
  std::unique_ptr<Replica> a;
  ASSERT_NO_FATAL_FAILURE(joined(a, conv->id, conv->participant, "ana"));

  const OpId map = a->doc().create_map("Crash").value;
  const OpId draft = a->doc().create_draft("Crash draft").value;
  a->flush();
  for (int batch = 0; batch < 5; ++batch) {
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(a->doc()
                      .create_element(map, element("e" + std::to_string(batch * 10 + i), i, batch))
                      .ok());
      ASSERT_TRUE(a->doc().insert_text(draft, a->doc().text_length(draft), "x").is_ok());
      a->flush();
    }
    ASSERT_TRUE(AllAcked({a.get()}));
  }
  // The last batch is still being committed when the server dies.
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(a->doc().create_element(map, element("late" + std::to_string(i), i, 9)).ok());
    a->flush();
  }
  // Right after the acks of what was acknowledged so far: SIGKILL.
  const std::map<uint64_t, uint64_t> acked = a->acks();
  const uint64_t acked_head = max_ack_seq(*a);
  server_->kill();
  ASSERT_TRUE(server_->restart()) << server_->error();

  const HttpResponse exported = export_convening(endpoint(), conv->id, conv->convener);
  ASSERT_EQ(exported.status, 200) << exported.describe();
  const std::optional<uint64_t> head = json_u64(exported.json().value("head_seq", Json()));
  ASSERT_TRUE(head) << exported.describe();
  EXPECT_GE(*head, acked_head);

  // A fresh replica joining from zero holds every acknowledged op.
  std::unique_ptr<Replica> f;
  ASSERT_NO_FATAL_FAILURE(joined(f, conv->id, conv->participant, "fresh"));
  EXPECT_EQ(f->last_welcome()->head_seq(), *head);
  size_t missing = 0;
  for (const auto& [counter, seq] : acked)
    if (!f->doc().version().contains(OpId{a->id(), counter})) ++missing;
  EXPECT_EQ(missing, 0u) << "of " << acked.size() << " acknowledged ops";

  // A comes back, resends what was not acknowledged, and all agree.
  const JoinResult j = a->rejoin();
  ASSERT_TRUE(j.ok()) << j.describe();
  ASSERT_TRUE(AllAcked({a.get()}));
  for (const auto& [counter, seq] : acked) {
    const auto again = a->acks().find(counter);
    EXPECT_TRUE(again != a->acks().end() && again->second == seq) << "op counter " << counter;
  }
  // Resent ops committed before the crash may be acknowledged with seq 0.
  const uint64_t final_head = std::max(j.welcome->head_seq(), max_ack_seq(*a));
  ASSERT_TRUE(AllCaughtUp({a.get(), f.get()}, {a.get()}));
  EXPECT_EQ(f->seen_seq(), final_head);
  EXPECT_TRUE(Converged({a.get(), f.get()}));
  EXPECT_EQ(final_head, a->sent().size());
  EXPECT_TRUE(MatchesExport(endpoint(), conv->id, conv->convener, a->doc(), final_head));
}

// ---- roles and tokens --------------------------------------------------------------

TEST_F(ServerTest, ObserverOpsAreRefusedButItReceivesEveryonesOps) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "observer");
  ASSERT_TRUE(conv);
  std::unique_ptr<Replica> p, o;
  ASSERT_NO_FATAL_FAILURE(joined(p, conv->id, conv->participant, "pat"));
  ASSERT_NO_FATAL_FAILURE(joined(o, conv->id, conv->observer, "obi"));
  EXPECT_EQ(o->last_welcome()->role(), pb::ROLE_OBSERVER);

  ASSERT_TRUE(o->doc().create_map("Observer's map").ok());
  o->flush();
  ASSERT_TRUE(o->pump_until([&] { return !o->errors().empty(); }, seconds(5)))
      << "no Error for an observer's op";
  EXPECT_EQ(o->errors()[0].code(), pb::ERROR_FORBIDDEN) << errors_of(*o);
  EXPECT_EQ(o->ack_messages(), 0u);

  const OpId map = p->doc().create_map("Participant's map").value;
  ASSERT_TRUE(p->doc().create_element(map, element("Project", 3, 4)).ok());
  const OpId draft = p->doc().create_draft("Call").value;
  ASSERT_TRUE(p->doc().insert_text(draft, 0, "Everyone sees this").is_ok());
  p->flush();
  ASSERT_TRUE(AllAcked({p.get()}));
  const uint64_t head = max_ack_seq(*p);
  ASSERT_TRUE(AllCaughtUp({o.get()}, {p.get()}))
      << "the observer did not receive the participant's ops";
  EXPECT_TRUE(o->connected());
  EXPECT_EQ(o->doc().text(draft), "Everyone sees this");
  EXPECT_EQ(p->duplicates_received(), 0u);
  EXPECT_EQ(p->broadcast_ops().size(), 0u) << "the observer's op reached another client";
  EXPECT_EQ(head, p->sent().size());
  EXPECT_TRUE(MatchesExport(endpoint(), conv->id, conv->convener, p->doc(), head))
      << "the observer's op must not be in the log";
}

TEST_F(ServerTest, RevokedInviteClosesItsLiveConnectionAndIsRefusedAfterwards) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "revoke");
  ASSERT_TRUE(conv);
  std::unique_ptr<Replica> c, p;
  ASSERT_NO_FATAL_FAILURE(joined(c, conv->id, conv->convener, "cara"));
  ASSERT_NO_FATAL_FAILURE(joined(p, conv->id, conv->participant, "pat"));
  ASSERT_TRUE(p->doc().create_map("Before revocation").ok());
  p->flush();
  ASSERT_TRUE(AllAcked({p.get()}));

  // Only the convener may revoke.
  const HttpResponse not_allowed =
      revoke_invite(endpoint(), conv->id, "participant", conv->participant);
  EXPECT_TRUE(not_allowed.status == 401 || not_allowed.status == 403) << not_allowed.describe();

  const HttpResponse revoked = revoke_invite(endpoint(), conv->id, "participant", conv->convener);
  ASSERT_EQ(revoked.status, 200) << revoked.describe();
  std::vector<pb::ServerMessage> last_words;
  EXPECT_TRUE(p->ws()->wait_closed(seconds(5), &last_words))
      << "the connection of a revoked invite stays open";
  EXPECT_EQ(p->ws()->close_code(), std::optional<int>(1008)) << "docs/protocol.md: closed (1008)";
  for (const auto& m : last_words)
    EXPECT_TRUE(m.has_error() || m.has_presence()) << "after revocation: " << describe(m);

  // The revoked token is refused: on the WebSocket and on the REST API.
  auto again = replica(conv->id, conv->participant, "pat again");
  const JoinResult refused = again->join();
  ASSERT_TRUE(refused.error.has_value()) << refused.describe();
  EXPECT_EQ(refused.error->code(), pb::ERROR_REVOKED) << "revoked, not merely unknown";
  EXPECT_TRUE(refused.before.empty()) << refused.describe();
  std::vector<pb::ServerMessage> after;
  EXPECT_TRUE(again->ws()->wait_closed(seconds(5), &after));
  EXPECT_EQ(again->ws()->close_code(), std::optional<int>(1008));
  EXPECT_TRUE(after.empty()) << describe(after.front());
  const HttpResponse export_revoked = export_convening(endpoint(), conv->id, conv->participant);
  EXPECT_TRUE(export_revoked.status == 401 || export_revoked.status == 403)
      << export_revoked.describe();

  // docs/protocol.md: the answer holds the invite's replacement, which works.
  const Json replacement =
      revoked.json().value("invites", Json::object()).value("participant", Json());
  if (replacement.is_string()) {
    EXPECT_NE(replacement.get<std::string>(), conv->participant);
    std::unique_ptr<Replica> fresh;
    ASSERT_NO_FATAL_FAILURE(joined(fresh, conv->id, replacement.get<std::string>(), "new invite"));
    EXPECT_EQ(fresh->last_welcome()->role(), pb::ROLE_PARTICIPANT);
  }

  // Everyone else carries on; the observer invite still works.
  std::unique_ptr<Replica> o;
  ASSERT_NO_FATAL_FAILURE(joined(o, conv->id, conv->observer, "obi"));
  ASSERT_TRUE(c->doc().create_map("After revocation").ok());
  c->flush();
  ASSERT_TRUE(AllAcked({c.get()}));
  const uint64_t head = max_ack_seq(*c);
  ASSERT_TRUE(AllCaughtUp({c.get(), o.get()}, {c.get(), p.get()}));
  EXPECT_TRUE(Converged({c.get(), o.get()}));
  EXPECT_TRUE(MatchesExport(endpoint(), conv->id, conv->convener, c->doc(), head));
}

TEST_F(ServerTest, WrongTokenIsRefusedBeforeAnyDocumentData) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "secret");
  const auto other = create_convening(endpoint(), "another");
  ASSERT_TRUE(conv && other);
  std::unique_ptr<Replica> c;
  ASSERT_NO_FATAL_FAILURE(joined(c, conv->id, conv->convener, "cara"));
  const OpId draft = c->doc().create_draft("Confidential").value;
  ASSERT_TRUE(c->doc().insert_text(draft, 0, "not for strangers").is_ok());
  c->flush();
  ASSERT_TRUE(AllAcked({c.get()}));

  const std::vector<std::pair<std::string, std::string>> bad_tokens = {
      {"a random token", "x7Qk3v9ZpL0mN2bR8tY6wE4uI1oA5sD"},
      {"another convening's convener token", other->convener},
      {"another convening's participant invite", other->participant},
      {"no token", ""},
  };
  for (const auto& [what, token] : bad_tokens) {
    SCOPED_TRACE(what);
    auto stranger = replica(conv->id, token, "stranger");
    const JoinResult r = stranger->join();
    ASSERT_TRUE(r.error.has_value()) << r.describe();
    EXPECT_EQ(r.error->code(), pb::ERROR_UNAUTHORIZED);
    EXPECT_TRUE(r.before.empty()) << "sent before the Error: " << r.describe();
    std::vector<pb::ServerMessage> after;
    EXPECT_TRUE(stranger->ws()->wait_closed(seconds(5), &after))
        << "the connection stays open after ERROR_UNAUTHORIZED";
    EXPECT_EQ(stranger->ws()->close_code(), std::optional<int>(1008));
    for (const auto& m : after)
      EXPECT_FALSE(m.has_welcome() || m.has_ops() || m.has_presence())
          << "document data after refusal: " << describe(m);
    EXPECT_EQ(stranger->doc().text(draft), "");
  }
  // The room is untouched.
  EXPECT_TRUE(MatchesExport(endpoint(), conv->id, conv->convener, c->doc(), max_ack_seq(*c)));
}

// ---- errors leave the room intact -----------------------------------------------

// A room with an author, a watcher and the client that misbehaves.
class ErrorTest : public ServerTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(start());
    conv_ = create_convening(endpoint(), "errors");
    ASSERT_TRUE(conv_);
    ASSERT_NO_FATAL_FAILURE(joined(author_, conv_->id, conv_->participant, "author"));
    ASSERT_NO_FATAL_FAILURE(joined(watcher_, conv_->id, conv_->observer, "watcher"));
    ASSERT_NO_FATAL_FAILURE(joined(culprit_, conv_->id, conv_->participant, "culprit"));
    map_ = author_->doc().create_map("Map").value;
    draft_ = author_->doc().create_draft("Draft").value;
    ASSERT_TRUE(author_->doc().insert_text(draft_, 0, "intact").is_ok());
    author_->flush();
    ASSERT_TRUE(AllAcked({author_.get()}));
    ASSERT_TRUE(AllCaughtUp({author_.get(), watcher_.get(), culprit_.get()}, {author_.get()}));
  }

  // The first Error the culprit receives.
  std::optional<pb::Error> culprit_error() {
    const size_t before = culprit_->errors().size();
    if (!culprit_->pump_until([&] { return culprit_->errors().size() > before; }, seconds(5)))
      return std::nullopt;
    return culprit_->errors()[before];
  }

  // Another client's edit is still delivered and logged, nothing of the bad
  // input reached anyone, and the export is intact.
  void expect_room_intact() {
    ASSERT_TRUE(author_->doc().insert_text(draft_, 6, " still").is_ok());
    ASSERT_TRUE(author_->doc().create_element(map_, element("After the error", 5, 5)).ok());
    author_->flush();
    ASSERT_TRUE(AllAcked({author_.get()}));
    std::vector<Replica*> good = {author_.get(), watcher_.get()};
    if (culprit_->connected()) good.push_back(culprit_.get());
    const uint64_t head = head_after_acks({author_.get(), culprit_.get()});
    ASSERT_TRUE(AllCaughtUp(good, {author_.get(), culprit_.get()}));
    EXPECT_TRUE(Converged(good));
    EXPECT_EQ(watcher_->doc().text(draft_), "intact still");
    EXPECT_EQ(watcher_->duplicates_received(), 0u);
    EXPECT_EQ(head, author_->sent().size() + culprit_->acks().size());
    EXPECT_TRUE(MatchesExport(endpoint(), conv_->id, conv_->convener, author_->doc(), head));
    EXPECT_TRUE(author_->errors().empty()) << errors_of(*author_);
  }

  // A well-formed op of the culprit, with the given counter, that refers to
  // nothing it lacks.
  pb::Op crafted_op(uint64_t counter) {
    pb::Op op;
    op.set_replica(culprit_->id());
    op.set_counter(counter);
    op.set_lamport(culprit_->doc().clock() + 1);
    op.mutable_create_map()->set_name("crafted");
    return op;
  }

  std::optional<ConveningTokens> conv_;
  std::unique_ptr<Replica> author_, watcher_, culprit_;
  OpId map_, draft_;
};

TEST_F(ErrorTest, MalformedEnvelopeGetsErrorMalformed) {
  // Field 1 as a length-delimited field far longer than the frame: not a
  // ClientMessage, whatever follows.
  std::string garbage = "\x0a\xff\xff\xff\x0f";
  std::mt19937 rng(7);
  for (int i = 0; i < 64; ++i) garbage.push_back(static_cast<char>(rng() & 0xff));
  ASSERT_FALSE(pb::ClientMessage().ParseFromString(garbage));
  ASSERT_TRUE(culprit_->ws()->send_raw(garbage));
  const std::optional<pb::Error> e = culprit_error();
  ASSERT_TRUE(e) << "no Error for a malformed frame"
                 << (culprit_->connected() ? "" : " (connection closed without one)");
  EXPECT_EQ(e->code(), pb::ERROR_MALFORMED) << errors_of(*culprit_);
  EXPECT_TRUE(culprit_->connected()) << "docs/protocol.md: the connection stays open";
  ASSERT_NO_FATAL_FAILURE(expect_room_intact());
}

TEST_F(ErrorTest, OpWithABadReferenceIsRefusedByName) {
  const uint64_t counter = culprit_->doc().version().last(culprit_->id()) + 1;
  pb::Op bad;
  bad.set_replica(culprit_->id());
  bad.set_counter(counter);
  bad.set_lamport(culprit_->doc().clock() + 1);
  pb::CreateElement* ce = bad.mutable_create_element();
  ce->mutable_map()->set_replica(987654321);  // no such map
  ce->mutable_map()->set_counter(3);
  *ce->mutable_fields() = element("Nowhere", 0, 0);
  ASSERT_TRUE(culprit_->submit_raw({bad}));
  const std::optional<pb::Error> e = culprit_error();
  ASSERT_TRUE(e) << "no Error for an op with a bad reference";
  EXPECT_TRUE(e->code() == pb::ERROR_INVALID_OP || e->code() == pb::ERROR_MISSING_DEPENDENCY)
      << errors_of(*culprit_);
  EXPECT_EQ(e->op().replica(), culprit_->id());
  EXPECT_EQ(e->op().counter(), counter);
  EXPECT_TRUE(e->message().size() > 0);

  // The connection carries on: the same counter, now a valid op, is taken.
  ASSERT_TRUE(culprit_->connected());
  ASSERT_TRUE(culprit_->doc().create_element(map_, element("Somewhere", 1, 1)).ok());
  const std::vector<pb::Op> good = culprit_->flush();
  ASSERT_EQ(good[0].counter(), counter);
  ASSERT_TRUE(AllAcked({culprit_.get()})) << errors_of(*culprit_);
  ASSERT_NO_FATAL_FAILURE(expect_room_intact());
}

TEST_F(ErrorTest, CounterGapIsRefusedByName) {
  const uint64_t next = culprit_->doc().version().last(culprit_->id()) + 1;
  ASSERT_TRUE(culprit_->submit_raw({crafted_op(next + 5)}));
  const std::optional<pb::Error> e = culprit_error();
  ASSERT_TRUE(e) << "no Error for a counter gap";
  EXPECT_TRUE(e->code() == pb::ERROR_INVALID_OP || e->code() == pb::ERROR_MISSING_DEPENDENCY)
      << errors_of(*culprit_);
  EXPECT_EQ(e->op().replica(), culprit_->id());
  EXPECT_EQ(e->op().counter(), next + 5);

  ASSERT_TRUE(culprit_->connected());
  ASSERT_TRUE(culprit_->doc().create_map("Contiguous").ok());
  culprit_->flush();
  ASSERT_TRUE(AllAcked({culprit_.get()})) << errors_of(*culprit_);
  ASSERT_NO_FATAL_FAILURE(expect_room_intact());
}

TEST_F(ErrorTest, ReplicaClaimedTwiceGetsReplicaInUse) {
  ReplicaOptions o;
  o.token = conv_->participant;
  o.name = "impostor";
  Replica impostor(endpoint(), conv_->id, culprit_->id(), o);
  const JoinResult r = impostor.join();
  ASSERT_TRUE(r.error.has_value())
      << "a second connection claiming a live replica: " << r.describe();
  EXPECT_EQ(r.error->code(), pb::ERROR_REPLICA_IN_USE);

  // The first connection of that replica still works.
  ASSERT_TRUE(culprit_->connected());
  ASSERT_TRUE(culprit_->doc().create_map("Still mine").ok());
  culprit_->flush();
  ASSERT_TRUE(AllAcked({culprit_.get()})) << errors_of(*culprit_);
  ASSERT_NO_FATAL_FAILURE(expect_room_intact());
}

// ---- scale -----------------------------------------------------------------------

TEST_F(ServerTest, HundredClientsInOneRoomConverge) {
  ServerOptions options;
  options.durability = "os";
  ASSERT_NO_FATAL_FAILURE(start(options));
  const auto conv = create_convening(endpoint(), "hundred");
  ASSERT_TRUE(conv);
  std::vector<std::unique_ptr<Replica>> clients(100);
  for (size_t i = 0; i < clients.size(); ++i) {
    const std::string& token = i % 10 == 9 ? conv->observer : conv->participant;
    ASSERT_NO_FATAL_FAILURE(joined(clients[i], conv->id, token, "c" + std::to_string(i)));
  }
  std::vector<Replica*> all, writers;
  for (auto& c : clients) all.push_back(c.get());
  for (size_t i = 0; i < 5; ++i) writers.push_back(clients[i * 20].get());

  const OpId map = writers[0]->doc().create_map("Everyone's map").value;
  const OpId draft = writers[0]->doc().create_draft("Everyone's call").value;
  writers[0]->flush();
  ASSERT_TRUE(AllAcked({writers[0]}));
  ASSERT_TRUE(AllCaughtUp(writers, {writers[0]}));

  for (int round = 0; round < 4; ++round) {
    for (Replica* w : writers) {
      const std::string who = std::to_string(w->id() % 1000);
      const OpId e =
          w->doc().create_element(map, element(who + "/" + std::to_string(round), round, 1)).value;
      ASSERT_TRUE(e.valid());
      ASSERT_TRUE(w->doc().update_element(e, moved_to(round * 10, 5)).is_ok());
      ASSERT_TRUE(w->doc().insert_text(draft, 0, "[" + who + "]").is_ok());
      w->flush();
    }
  }
  ASSERT_TRUE(AllAcked(writers));
  const uint64_t head = head_after_acks(writers);
  ASSERT_TRUE(AllCaughtUp(all, writers, seconds(20)));
  EXPECT_TRUE(Converged(all));
  EXPECT_TRUE(MatchesExport(endpoint(), conv->id, conv->convener, all[1]->doc(), head));
  size_t sent = 0, duplicates = 0;
  for (Replica* r : all) {
    sent += r->sent().size();
    duplicates += r->duplicates_received();
  }
  EXPECT_EQ(head, sent);
  EXPECT_EQ(duplicates, 0u);
  EXPECT_EQ(all[1]->doc().to_json()["maps"][0]["elements"].size(), 20u);
}

TEST_F(ServerTest, TwentyRoomsAtOnceConverge) {
  ServerOptions options;
  options.durability = "os";
  ASSERT_NO_FATAL_FAILURE(start(options));
  struct Room {
    ConveningTokens tokens;
    std::vector<std::unique_ptr<Replica>> clients;
    OpId draft;
  };
  std::vector<Room> rooms(20);
  for (size_t r = 0; r < rooms.size(); ++r) {
    const auto conv = create_convening(endpoint(), "room " + std::to_string(r));
    ASSERT_TRUE(conv);
    rooms[r].tokens = *conv;
    rooms[r].clients.resize(3);
    for (size_t c = 0; c < 3; ++c)
      ASSERT_NO_FATAL_FAILURE(joined(rooms[r].clients[c], conv->id, conv->participant,
                                     "r" + std::to_string(r) + "c" + std::to_string(c)));
  }
  // Every room starts its document; then everyone edits everywhere at once.
  for (size_t r = 0; r < rooms.size(); ++r) {
    Replica& first = *rooms[r].clients[0];
    ASSERT_TRUE(first.doc().create_map("map of room " + std::to_string(r)).ok());
    rooms[r].draft = first.doc().create_draft("draft of room " + std::to_string(r)).value;
    first.flush();
  }
  for (auto& room : rooms) {
    std::vector<Replica*> all;
    for (auto& c : room.clients) all.push_back(c.get());
    ASSERT_TRUE(AllAcked({all[0]}));
    ASSERT_TRUE(AllCaughtUp(all, {all[0]}));
  }
  for (int round = 0; round < 5; ++round)
    for (size_t r = 0; r < rooms.size(); ++r)
      for (auto& c : rooms[r].clients) {
        ASSERT_TRUE(c->doc()
                        .insert_text(rooms[r].draft, 0,
                                     "(" + std::to_string(r) + ":" + std::to_string(round) + ")")
                        .is_ok());
        c->flush();
      }
  for (size_t r = 0; r < rooms.size(); ++r) {
    SCOPED_TRACE("room " + std::to_string(r));
    std::vector<Replica*> all;
    for (auto& c : rooms[r].clients) all.push_back(c.get());
    ASSERT_TRUE(AllAcked(all));
    const uint64_t head = head_after_acks(all);
    EXPECT_EQ(head, 2u + 15u);
    ASSERT_TRUE(AllCaughtUp(all, all));
    EXPECT_TRUE(Converged(all));
    EXPECT_TRUE(MatchesExport(endpoint(), rooms[r].tokens.id, rooms[r].tokens.convener,
                              all[0]->doc(), head));
    const std::string text = all[0]->doc().text(rooms[r].draft);
    EXPECT_EQ(count_of(text, "(" + std::to_string(r) + ":"), 15u) << text;
    EXPECT_EQ(count_of(text, "("), 15u) << "ops of another room leaked in: " << text;
  }
}

// ---- snapshots -------------------------------------------------------------------

// Many snapshot intervals accepted in one burst (while one commit is in
// flight) still leave a snapshot near the head: a joiner does not get the
// whole burst as its tail.
TEST_F(ServerTest, AfterABurstTheNewestSnapshotIsNearTheHead) {
  ServerOptions options;
  options.snapshot_every = 50;
  ASSERT_NO_FATAL_FAILURE(start(options));
  const auto conv = create_convening(endpoint(), "burst");
  ASSERT_TRUE(conv);
  std::unique_ptr<Replica> writer;
  ASSERT_NO_FATAL_FAILURE(joined(writer, conv->id, conv->participant, "writer"));
  const OpId map = writer->doc().create_map("Map").value;
  const OpId e = writer->doc().create_element(map, element("e", 0, 0)).value;
  writer->flush();
  for (int i = 0; i < 600; ++i)  // in one Submit: twelve snapshot intervals in one commit
    ASSERT_TRUE(writer->doc().update_element(e, moved_to(i, -i)).is_ok());
  writer->flush();
  ASSERT_TRUE(writer->wait_acked());
  const uint64_t head = writer->seen_seq();
  ASSERT_EQ(head, 602u);

  // The last snapshot is written after the last commit: poll a little.
  uint64_t tail = head;
  for (int attempt = 0; attempt < 50 && tail > 2 * 50; ++attempt) {
    std::unique_ptr<Replica> joiner;
    ASSERT_NO_FATAL_FAILURE(joined(joiner, conv->id, conv->observer, "joiner"));
    ASSERT_TRUE(joiner->joined_from_snapshot());
    tail = head - joiner->last_welcome()->snapshot_seq();
    EXPECT_EQ(joiner->doc().state_hash(), writer->doc().state_hash());
    if (tail > 2 * 50) std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_LE(tail, 2u * 50) << "the newest snapshot is " << tail << " ops behind the head";
}

TEST_F(ServerTest, SnapshotPlusTailJoinEqualsReplayFromZero) {
  ServerOptions options;
  options.snapshot_every = 50;
  options.durability = "os";
  ASSERT_NO_FATAL_FAILURE(start(options));
  const auto conv = create_convening(endpoint(), "snapshots");
  ASSERT_TRUE(conv);
  std::unique_ptr<Replica> early, writer, middle;
  ASSERT_NO_FATAL_FAILURE(joined(early, conv->id, conv->observer, "early"));
  ASSERT_NO_FATAL_FAILURE(joined(writer, conv->id, conv->participant, "writer"));
  ASSERT_NO_FATAL_FAILURE(joined(middle, conv->id, conv->participant, "middle"));

  const OpId map = writer->doc().create_map("Map").value;
  const OpId draft = writer->doc().create_draft("Draft").value;
  writer->flush();
  std::mt19937 rng(99);
  std::vector<OpId> elements;
  bool middle_left = false;
  // More than 200 ops, one per Submit so none are merged.
  for (int i = 0; i < 230; ++i) {
    crdt::Document& d = writer->doc();
    const int kind = i % 6;
    if (kind == 0 || elements.empty()) {
      elements.push_back(d.create_element(map, element("e" + std::to_string(i), i, -i)).value);
    } else if (kind == 1) {
      ASSERT_TRUE(d.update_element(elements[rng() % elements.size()], moved_to(i, i)).is_ok());
    } else if (kind == 2 && d.text_length(draft) > 3) {
      ASSERT_TRUE(d.delete_text(draft, rng() % (d.text_length(draft) - 2), 2).is_ok());
    } else {
      const size_t len = d.text_length(draft);
      ASSERT_TRUE(
          d.insert_text(draft, len == 0 ? 0 : rng() % (len + 1), "w" + std::to_string(i)).is_ok());
    }
    writer->flush();
    if (i % 10 == 9) {
      ASSERT_TRUE(AllAcked({writer.get()}));
    }
    if (i == 60) {  // a client leaves with some history, comes back later
      ASSERT_TRUE(middle->wait_seen(max_ack_seq(*writer)));
      middle->disconnect();
      middle_left = true;
    }
  }
  ASSERT_TRUE(middle_left);
  ASSERT_TRUE(AllAcked({writer.get()}));
  const uint64_t head = max_ack_seq(*writer);
  ASSERT_GT(head, 200u);
  ASSERT_TRUE(AllCaughtUp({early.get(), writer.get()}, {writer.get()}));
  EXPECT_EQ(early->broadcast_ops().size(), head) << "the early client got every op one by one";

  // Join from zero: the server may send a snapshot plus the tail.
  std::unique_ptr<Replica> late;
  ASSERT_NO_FATAL_FAILURE(joined(late, conv->id, conv->observer, "late"));
  EXPECT_EQ(late->last_welcome()->head_seq(), head);
  RecordProperty("late_join_used_snapshot", late->joined_from_snapshot() ? "yes" : "no");
  if (late->joined_from_snapshot()) {
    EXPECT_LE(late->last_welcome()->snapshot_seq(), head);
  }
  EXPECT_EQ(late->doc().state_hash(), early->doc().state_hash());
  EXPECT_TRUE(Converged({early.get(), writer.get(), late.get()}));

  // Rejoin from the middle of the history.
  const JoinResult back = middle->rejoin();
  ASSERT_TRUE(back.ok()) << back.describe();
  RecordProperty("middle_rejoin_used_snapshot", middle->joined_from_snapshot() ? "yes" : "no");
  EXPECT_TRUE(Converged({early.get(), middle.get()}));

  // A replica that started from a snapshot edits on, and everyone follows.
  ASSERT_TRUE(middle->doc().insert_text(draft, 0, "after snapshot ").is_ok());
  middle->flush();
  ASSERT_TRUE(AllAcked({middle.get()}));
  const uint64_t head2 = max_ack_seq(*middle);
  ASSERT_TRUE(AllCaughtUp({early.get(), writer.get(), late.get(), middle.get()},
                          {writer.get(), middle.get()}));
  EXPECT_TRUE(Converged({early.get(), writer.get(), late.get(), middle.get()}));
  EXPECT_TRUE(MatchesExport(endpoint(), conv->id, conv->convener, early->doc(), head2));

  // After a restart the room is loaded from its latest snapshot and tail.
  ASSERT_TRUE(server_->stop()) << server_->error();
  ASSERT_TRUE(server_->restart()) << server_->error();
  std::unique_ptr<Replica> reloaded;
  ASSERT_NO_FATAL_FAILURE(joined(reloaded, conv->id, conv->observer, "reloaded"));
  EXPECT_EQ(reloaded->last_welcome()->head_seq(), head2);
  EXPECT_EQ(reloaded->doc().state_hash(), early->doc().state_hash());
  EXPECT_TRUE(MatchesExport(endpoint(), conv->id, conv->convener, early->doc(), head2));

  // A client that keeps the whole log (the browser) asks for ops only: after
  // the restart the ops before the snapshot exist only in the store.
  EXPECT_TRUE(JoinsWithEveryOpAfter(conv->id, conv->observer, 0, head2, early->doc()));
  EXPECT_TRUE(JoinsWithEveryOpAfter(conv->id, conv->observer, 37, head2, early->doc()));
}

// ---- presence ----------------------------------------------------------------------

TEST_F(ServerTest, PresenceIsRelayedToOthersAndDroppedOnDisconnect) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "presence");
  ASSERT_TRUE(conv);
  std::unique_ptr<Replica> a, b, o;
  ASSERT_NO_FATAL_FAILURE(joined(a, conv->id, conv->participant, "ana"));
  ASSERT_NO_FATAL_FAILURE(joined(b, conv->id, conv->participant, "ben"));
  ASSERT_NO_FATAL_FAILURE(joined(o, conv->id, conv->observer, "obi"));
  const std::string a_member = a->last_welcome()->member_id();
  const std::string o_member = o->last_welcome()->member_id();
  ASSERT_FALSE(a_member.empty());
  ASSERT_NE(a_member, o_member);
  // Who is online comes with the Welcome.
  const auto& online = o->last_welcome()->members();
  EXPECT_TRUE(std::any_of(online.begin(), online.end(), [&](const pb::Member& m) {
    return m.id() == a_member && m.name() == "ana";
  })) << "the observer's Welcome does not list ana";

  auto saw_cursor = [](Replica& r, const std::string& member, double x) {
    for (const auto& u : r.presence_updates())
      for (const auto& m : u.members())
        if (m.id() == member && m.presence().has_cursor() && m.presence().cursor().x() == x)
          return true;
    return false;
  };
  pb::PresenceState state;
  state.mutable_cursor()->set_x(12.5);
  state.mutable_cursor()->set_y(-3);
  ASSERT_TRUE(a->send_presence(state));
  EXPECT_TRUE(b->pump_until([&] { return saw_cursor(*b, a_member, 12.5); }, seconds(5)))
      << "B never saw A's cursor";

  // Observers may send presence.
  state.mutable_cursor()->set_x(99);
  ASSERT_TRUE(o->send_presence(state));
  EXPECT_TRUE(a->pump_until([&] { return saw_cursor(*a, o_member, 99); }, seconds(5)))
      << "A never saw the observer's cursor";
  EXPECT_FALSE(has_error(*o, pb::ERROR_FORBIDDEN)) << errors_of(*o);

  a->disconnect();
  auto saw_leave = [&] {
    for (const auto& u : b->presence_updates())
      for (const auto& left : u.left())
        if (left == a_member) return true;
    return false;
  };
  EXPECT_TRUE(b->pump_until(saw_leave, seconds(5))) << "A's leaving was not announced";
}

// "Coalesced to at most 20 updates per second per client": a burst of
// presence states reaches the others as a few updates, the last one current.
TEST_F(ServerTest, PresenceBurstsAreCoalescedToTheLatestState) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "presence burst");
  ASSERT_TRUE(conv);
  std::unique_ptr<Replica> a, b;
  ASSERT_NO_FATAL_FAILURE(joined(a, conv->id, conv->participant, "ana"));
  ASSERT_NO_FATAL_FAILURE(joined(b, conv->id, conv->participant, "ben"));
  const std::string a_member = a->last_welcome()->member_id();
  b->pump(milliseconds(100));  // join announcements
  const size_t before = b->presence_updates().size();

  const auto start_time = Clock::now();
  for (int i = 1; i <= 100; ++i) {
    pb::PresenceState state;
    state.mutable_cursor()->set_x(i);
    state.mutable_cursor()->set_y(0);
    ASSERT_TRUE(a->send_presence(state));
  }
  auto latest_x = [&]() -> double {
    double x = -1;
    for (size_t i = before; i < b->presence_updates().size(); ++i)
      for (const auto& m : b->presence_updates()[i].members())
        if (m.id() == a_member && m.presence().has_cursor()) x = m.presence().cursor().x();
    return x;
  };
  EXPECT_TRUE(b->pump_until([&] { return latest_x() == 100; }, seconds(5)))
      << "the last state was not relayed; last cursor seen: " << latest_x();
  b->pump(milliseconds(200));  // anything still coming
  const auto elapsed_ms =
      std::chrono::duration_cast<milliseconds>(Clock::now() - start_time).count();
  size_t relayed = 0;
  for (size_t i = before; i < b->presence_updates().size(); ++i)
    for (const auto& m : b->presence_updates()[i].members())
      if (m.id() == a_member) ++relayed;
  EXPECT_LE(relayed, static_cast<size_t>(elapsed_ms / 50 + 2))
      << "100 states in a burst, relayed as " << relayed << " updates in " << elapsed_ms << " ms";
  EXPECT_EQ(latest_x(), 100);
}

// In a busy room presence rides with the ops: a delivery of ops takes the
// changed cursors along and starts the presence interval again, so changes
// made after it wait for the next delivery rather than going out in a frame
// of their own when an interval set before it ends. Nothing is lost: the
// last cursor still arrives.
TEST_F(ServerTest, PresenceRidesWithOpsInABusyRoom) {
  ServerOptions options;
  options.extra_args = {"--presence-interval-ms", "300"};
  ASSERT_NO_FATAL_FAILURE(start(options));
  const auto conv = create_convening(endpoint(), "busy");
  ASSERT_TRUE(conv);
  std::unique_ptr<Replica> a, o;
  ASSERT_NO_FATAL_FAILURE(joined(a, conv->id, conv->participant, "ana"));
  ASSERT_NO_FATAL_FAILURE(joined(o, conv->id, conv->observer, "obi"));
  const std::string a_member = a->last_welcome()->member_id();
  const OpId draft = a->doc().create_draft("d").value;
  a->flush();
  ASSERT_TRUE(AllAcked({a.get()}));
  ASSERT_TRUE(AllCaughtUp({a.get(), o.get()}, {a.get()}));
  o->pump(milliseconds(400));  // the join announcements
  const size_t ops_before = o->ops_messages();
  const size_t presence_before = o->presence_updates().size();
  const size_t frames_before = o->ws()->frames();

  // For 3 s ana types a letter, and once it is acknowledged moves her cursor
  // and pauses 10 ms: a cursor change waits for the next commit's delivery,
  // which normally comes far sooner than the 300 ms interval. (Before the
  // interval restarted with each delivery, the interval's end found that
  // change waiting and sent it on its own.) On a machine so busy that the
  // next Ack takes longer than half the interval, the interval may rightly
  // end first: such gaps are counted, and each allows one more frame.
  int x = 0;
  size_t slow_gaps = 0;
  auto last_ack = Clock::now();
  for (const auto end = Clock::now() + seconds(3); Clock::now() < end;) {
    ASSERT_TRUE(a->doc().insert_text(draft, 0, "x").is_ok());
    a->flush();
    ASSERT_TRUE(a->wait_acked(seconds(5)));
    const auto acked = Clock::now();
    if (x > 0 && acked - last_ack >= milliseconds(150)) ++slow_gaps;
    last_ack = acked;
    pb::PresenceState state;
    state.mutable_cursor()->set_x(++x);
    ASSERT_TRUE(a->send_presence(state));
    a->pump(milliseconds(10));
  }
  ASSERT_TRUE(AllCaughtUp({a.get(), o.get()}, {a.get()}));
  const auto last_cursor = [&] {
    double last = -1;
    for (size_t i = presence_before; i < o->presence_updates().size(); ++i)
      for (const auto& m : o->presence_updates()[i].members())
        if (m.id() == a_member && m.presence().has_cursor()) last = m.presence().cursor().x();
    return last;
  };
  EXPECT_TRUE(o->pump_until([&] { return last_cursor() == x; }, seconds(5)))
      << "the last cursor was not relayed; last seen " << last_cursor() << " of " << x;
  o->pump(milliseconds(400));  // anything still coming

  // obi asked for batches: a delivery is one frame, whatever it holds.
  const size_t ops = o->ops_messages() - ops_before;
  const size_t deliveries = o->ws()->frames() - frames_before;
  EXPECT_GE(ops, 10u);
  // Presence on its own at most after the typing stopped (and once at the
  // start, if the interval set before the first commit ends first), and in
  // the slow gaps.
  EXPECT_LE(deliveries, ops + 2 + slow_gaps)
      << ops << " deliveries of ops among " << deliveries << ", " << slow_gaps << " slow gaps";
}

// A room of 200 members is delivered to at most every 12.5 ms, whatever
// --delivery-interval-ms says (here 0: at once), so that it writes at most
// about 16,000 frames a second (delivery_interval_for). A writer that waits
// for each Ack before its next op therefore gets them 12.5 ms apart. Only a
// lower bound is checked: a slow machine can stretch the gaps further, but
// nothing but the rule can make forty of them add up to 500 ms (400 is
// checked); without it they take a few milliseconds each.
TEST_F(ServerTest, ALargeRoomStretchesTheIntervalBetweenDeliveries) {
  ServerOptions options;
  options.durability = "os";
  options.extra_args = {"--delivery-interval-ms", "0"};
  ASSERT_NO_FATAL_FAILURE(start(options));
  const auto conv = create_convening(endpoint(), "large");
  ASSERT_TRUE(conv);
  std::unique_ptr<Replica> a;
  ASSERT_NO_FATAL_FAILURE(joined(a, conv->id, conv->participant, "ana"));
  const OpId draft = a->doc().create_draft("d").value;
  const auto type_a_letter = [&] {  // and wait for its Ack
    ASSERT_TRUE(a->doc().insert_text(draft, 0, "x").is_ok());
    a->flush();
    ASSERT_TRUE(a->wait_acked(seconds(5)));
  };
  ASSERT_NO_FATAL_FAILURE(type_a_letter());

  // 199 more members that join and then only listen (what reaches them is a
  // few KB, well within their sockets' buffers).
  std::vector<std::unique_ptr<WsClient>> crowd;
  for (int i = 0; i < 199; ++i) {
    crowd.push_back(std::make_unique<WsClient>());
    ASSERT_TRUE(crowd.back()->connect(endpoint())) << crowd.back()->error();
    ASSERT_TRUE(crowd.back()->send(hello(conv->id, conv->participant)));
  }
  for (auto& ws : crowd)
    ASSERT_TRUE(ws->receive_until([](const auto& m) { return m.has_welcome(); }, seconds(10)))
        << ws->error();
  a->pump(milliseconds(200));  // the join announcements

  // From before the first letter is sent (so before its delivery) to after
  // the last Ack arrives (so after its delivery): at least kGaps intervals,
  // however late any Ack is read.
  constexpr int kGaps = 40;
  const auto start = Clock::now();
  for (int i = 0; i <= kGaps; ++i) ASSERT_NO_FATAL_FAILURE(type_a_letter());
  const auto elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  EXPECT_GE(elapsed.count(), kGaps * 10)
      << kGaps + 1 << " Acks, each awaited before the next letter, came within " << elapsed.count()
      << " ms: the room of 200 was not held to its stretched interval of 12.5 ms";
}

// A crowd joining or leaving at once is announced in a few presence updates
// (one per flush), not one frame per member for everyone; a replica that
// leaves and rejoins before the flush stays online for the others.
TEST_F(ServerTest, ACrowdJoiningOrLeavingIsAnnouncedInAFewUpdates) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "crowd");
  ASSERT_TRUE(conv);
  std::unique_ptr<Replica> a, b;
  ASSERT_NO_FATAL_FAILURE(joined(a, conv->id, conv->participant, "ana"));
  ASSERT_NO_FATAL_FAILURE(joined(b, conv->id, conv->participant, "ben"));
  a->pump(milliseconds(200));
  const size_t before = a->presence_updates().size();

  // Connect first, then send every Hello at once: the joins reach the room
  // within a few milliseconds of each other.
  constexpr int kCrowd = 12;
  std::vector<std::unique_ptr<WsClient>> crowd;
  std::set<std::string> ids;
  for (int i = 0; i < kCrowd; ++i) {
    crowd.push_back(std::make_unique<WsClient>());
    ASSERT_TRUE(crowd.back()->connect(endpoint())) << crowd.back()->error();
  }
  for (auto& ws : crowd) {
    const pb::ClientMessage m = hello(conv->id, conv->participant);
    const uint64_t replica = m.hello().replica();
    char id[17];
    std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(replica));
    ids.insert(id);
    ASSERT_TRUE(ws->send(m));
  }
  for (auto& ws : crowd)
    ASSERT_TRUE(ws->receive_until([](const auto& m) { return m.has_welcome(); }, seconds(5)));

  // A's view of who is online, from its updates (joins, then leaves).
  const auto online = [&] {
    std::set<std::string> now;
    for (size_t i = before; i < a->presence_updates().size(); ++i) {
      for (const auto& m : a->presence_updates()[i].members()) now.insert(m.id());
      for (const auto& left : a->presence_updates()[i].left()) now.erase(left);
    }
    return now;
  };
  const auto all_of_crowd_online = [&] {
    const auto now = online();
    return std::all_of(ids.begin(), ids.end(), [&](const auto& id) { return now.count(id); });
  };
  ASSERT_TRUE(a->pump_until(all_of_crowd_online, seconds(5)));
  const size_t join_updates = a->presence_updates().size() - before;
  EXPECT_LT(join_updates, static_cast<size_t>(kCrowd) / 2)
      << kCrowd << " joins were announced in " << join_updates << " updates";

  // B leaves and comes back at once: the others never lose it.
  const std::string b_member = b->last_welcome()->member_id();
  b->drop();
  ASSERT_TRUE(b->rejoin().ok());

  const size_t before_leaving = a->presence_updates().size();
  for (auto& ws : crowd) ws->drop();
  const auto crowd_gone = [&] {
    const auto now = online();
    return std::none_of(ids.begin(), ids.end(), [&](const auto& id) { return now.count(id); });
  };
  ASSERT_TRUE(a->pump_until(crowd_gone, seconds(5)));
  a->pump(milliseconds(200));
  EXPECT_LT(a->presence_updates().size() - before_leaving, static_cast<size_t>(kCrowd) / 2);
  EXPECT_TRUE(online().count(b_member)) << "B rejoined but is not online for A";
}

// ---- open mode -----------------------------------------------------------------------

TEST_F(ServerTest, OpenModeJoinsWithoutTokenAsParticipant) {
  ServerOptions options;
  options.open = true;
  ASSERT_NO_FATAL_FAILURE(start(options));
  const auto conv = create_convening(endpoint(), "open");
  ASSERT_TRUE(conv);
  std::unique_ptr<Replica> anyone;
  ASSERT_NO_FATAL_FAILURE(joined(anyone, conv->id, "", "anyone"));
  EXPECT_EQ(anyone->last_welcome()->role(), pb::ROLE_PARTICIPANT);
  ASSERT_TRUE(anyone->doc().create_map("Open map").ok());
  anyone->flush();
  ASSERT_TRUE(AllAcked({anyone.get()})) << errors_of(*anyone);
  EXPECT_TRUE(MatchesExport(endpoint(), conv->id, "", anyone->doc(), max_ack_seq(*anyone)));
}

// ---- REST --------------------------------------------------------------------------

void expect_json_error(const HttpResponse& r) {
  const Json j = r.json();
  ASSERT_TRUE(j.is_object() && j.contains("error") && j["error"].is_object()) << r.describe();
  const Json& e = j["error"];
  EXPECT_TRUE(e.contains("code") && (e["code"].is_string() || e["code"].is_number()))
      << r.describe();
  EXPECT_TRUE(e.contains("message") && e["message"].is_string()) << r.describe();
}

TEST_F(ServerTest, RestCreateConveningReturnsDistinctTokens) {
  ASSERT_NO_FATAL_FAILURE(start());
  const HttpResponse r =
      http_request(endpoint(), "POST", "/api/convenings", R"({"name":"Watershed"})");
  ASSERT_TRUE(r.status == 200 || r.status == 201) << r.describe();
  EXPECT_NE(r.header("content-type").find("application/json"), std::string::npos) << r.describe();
  const auto one = create_convening(endpoint(), "one");
  const auto two = create_convening(endpoint(), "two");
  ASSERT_TRUE(one && two);
  const std::set<std::string> tokens = {one->convener, one->participant, one->observer,
                                        two->convener, two->participant, two->observer};
  EXPECT_EQ(tokens.size(), 6u) << "tokens repeat";
  EXPECT_NE(one->id, two->id);
  for (const auto& t : tokens) EXPECT_GE(t.size(), 16u) << "a guessable token: " << t;

  const HttpResponse bad = http_request(endpoint(), "POST", "/api/convenings", "{not json");
  EXPECT_GE(bad.status, 400) << bad.describe();
  EXPECT_LT(bad.status, 500) << bad.describe();
  ASSERT_NO_FATAL_FAILURE(expect_json_error(bad));
}

TEST_F(ServerTest, RestExportWithWrongTokenIsRefusedWithJsonError) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "export auth");
  const auto other = create_convening(endpoint(), "other");
  ASSERT_TRUE(conv && other);
  for (const std::string& token :
       {std::string(), std::string("not-a-token-at-all-0123456789"), other->convener}) {
    SCOPED_TRACE("token '" + token + "'");
    const HttpResponse r = export_convening(endpoint(), conv->id, token);
    EXPECT_TRUE(r.status == 401 || r.status == 403) << r.describe();
    EXPECT_EQ(r.body.find("maps"), std::string::npos) << "document data in a refusal";
    ASSERT_NO_FATAL_FAILURE(expect_json_error(r));
  }
  for (const std::string& token : {conv->convener, conv->participant, conv->observer}) {
    const HttpResponse r = export_convening(endpoint(), conv->id, token);
    EXPECT_EQ(r.status, 200) << r.describe();
  }
}

TEST_F(ServerTest, RestExportAtAnEarlierSeqGivesThatState) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "history");
  ASSERT_TRUE(conv);
  std::unique_ptr<Replica> w, recorder;
  ASSERT_NO_FATAL_FAILURE(joined(recorder, conv->id, conv->observer, "recorder"));
  ASSERT_NO_FATAL_FAILURE(joined(w, conv->id, conv->participant, "writer"));
  const OpId map = w->doc().create_map("Then").value;
  const OpId draft = w->doc().create_draft("Draft").value;
  w->flush();
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(
        w->doc().insert_text(draft, w->doc().text_length(draft), std::to_string(i)).is_ok());
    w->flush();
    if (i % 3 == 0) {
      ASSERT_TRUE(w->doc().create_element(map, element("e" + std::to_string(i), i, i)).ok());
      w->flush();
    }
  }
  ASSERT_TRUE(w->doc().rename(map, "Now").is_ok());
  w->flush();
  ASSERT_TRUE(AllAcked({w.get()}));
  const uint64_t head = max_ack_seq(*w);
  ASSERT_TRUE(recorder->wait_seen(head));
  ASSERT_EQ(recorder->broadcast_ops().size(), head);

  for (uint64_t at : {uint64_t{1}, uint64_t{2}, uint64_t{7}, head - 1, head}) {
    SCOPED_TRACE("at=" + std::to_string(at));
    crdt::Document replay(next_replica_id());
    for (const pb::SequencedOp& op : recorder->broadcast_ops())
      if (op.seq() <= at) {
        ASSERT_TRUE(replay.apply(op.op()).is_ok());
      }
    EXPECT_TRUE(MatchesExport(endpoint(), conv->id, conv->participant, replay, std::nullopt, at));
  }
  EXPECT_TRUE(MatchesExport(endpoint(), conv->id, conv->participant, w->doc(), head));
  const HttpResponse r = export_convening(endpoint(), conv->id, conv->participant, 5);
  EXPECT_NE(r.body.find("Then"), std::string::npos);
  EXPECT_EQ(r.body.find("\"Now\""), std::string::npos);
}

TEST_F(ServerTest, RestNamedVersionsAreKeptInOrderAndObserversCannotAddThem) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "versions");
  ASSERT_TRUE(conv);
  std::unique_ptr<Replica> writer;
  ASSERT_NO_FATAL_FAILURE(joined(writer, conv->id, conv->participant, "writer"));
  const OpId draft = writer->doc().create_draft("Call").value;
  ASSERT_TRUE(writer->doc().insert_text(draft, 0, "Dear funders").is_ok());
  writer->flush();
  ASSERT_TRUE(AllAcked({writer.get()}));
  const uint64_t head = max_ack_seq(*writer);
  ASSERT_EQ(head, 2u);

  const std::string path = "/api/convenings/" + conv->id + "/versions";
  auto post = [&](const std::string& token, const std::string& body) {
    return http_request(
        endpoint(), "POST", path, body,
        {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}});
  };
  const nlohmann::json signed_by_writer = {
      {"name", "call sent to funders"},
      {"seq", 2},
      {"member", writer->member_id()},
      {"secret", hex(replica_secret_for(writer->id()))}};
  HttpResponse r = post(conv->participant, signed_by_writer.dump());
  ASSERT_EQ(r.status, 201) << r.describe();
  r = post(conv->convener, R"({"name":"first line","seq":1})");
  ASSERT_EQ(r.status, 201) << r.describe();

  for (const std::string& refused :
       {std::string(R"({"name":"late","seq":3})"), std::string(R"({"name":"zero","seq":0})"),
        std::string(R"({"name":"","seq":1})"), std::string(R"({"seq":1})"),
        std::string("not json")}) {
    SCOPED_TRACE(refused);
    r = post(conv->convener, refused);
    EXPECT_EQ(r.status, 400) << r.describe();
    ASSERT_NO_FATAL_FAILURE(expect_json_error(r));
  }
  r = post(conv->observer, R"({"name":"observer","seq":1})");
  EXPECT_EQ(r.status, 403) << r.describe();

  r = http_request(endpoint(), "GET", path, {}, {{"Authorization", "Bearer " + conv->observer}});
  ASSERT_EQ(r.status, 200) << r.describe();
  const nlohmann::json list = r.json()["versions"];
  ASSERT_EQ(list.size(), 2u) << r.describe();
  EXPECT_EQ(list[0]["seq"], 1);
  EXPECT_EQ(list[0]["name"], "first line");
  EXPECT_EQ(list[1]["seq"], 2);
  EXPECT_EQ(list[1]["name"], "call sent to funders");
  EXPECT_EQ(list[1]["author"], "writer");
  EXPECT_EQ(list[1]["author_member"], writer->member_id());
  EXPECT_EQ(list[0]["author"], "");  // nobody signed it

  const auto other = create_convening(endpoint(), "other");
  ASSERT_TRUE(other);
  r = http_request(endpoint(), "GET", path, {}, {{"Authorization", "Bearer " + other->convener}});
  EXPECT_EQ(r.status, 403) << r.describe();

  // Named versions survive a restart.
  ASSERT_TRUE(server_->stop()) << server_->error();
  ASSERT_TRUE(server_->restart()) << server_->error();
  r = http_request(endpoint(), "GET", path, {}, {{"Authorization", "Bearer " + conv->convener}});
  ASSERT_EQ(r.status, 200) << r.describe();
  EXPECT_EQ(r.json()["versions"].size(), 2u);
}

TEST_F(ServerTest, RestUnknownConveningIs404WithJsonError) {
  ServerOptions options;
  options.open = true;  // no token involved: only existence is in question
  ASSERT_NO_FATAL_FAILURE(start(options));
  const HttpResponse r = export_convening(endpoint(), "no-such-convening", "");
  EXPECT_EQ(r.status, 404) << r.describe();
  ASSERT_NO_FATAL_FAILURE(expect_json_error(r));
  const HttpResponse route = http_request(endpoint(), "GET", "/api/no-such-endpoint");
  EXPECT_EQ(route.status, 404) << route.describe();
}

TEST_F(ServerTest, RestUnknownConveningWithAnotherConveningsTokenIsRefused) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "exists");
  ASSERT_TRUE(conv);
  const HttpResponse r = export_convening(endpoint(), "no-such-convening", conv->convener);
  EXPECT_TRUE(r.status == 404 || r.status == 403 || r.status == 401) << r.describe();
  ASSERT_NO_FATAL_FAILURE(expect_json_error(r));
}

TEST_F(ServerTest, RestHealthzIs200) {
  ASSERT_NO_FATAL_FAILURE(start());
  const HttpResponse r = http_request(endpoint(), "GET", "/healthz");
  EXPECT_EQ(r.status, 200) << r.describe();
}

bool is_metric_name(const std::string& name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

struct MetricSample {
  std::string name;
  double value = 0;
};

// One sample line of the Prometheus text format:
// name[{label="value",...}] value [timestamp]
std::optional<MetricSample> parse_metric_sample(const std::string& line) {
  size_t i = 0;
  while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
  MetricSample out;
  out.name = line.substr(0, i);
  if (!is_metric_name(out.name)) return std::nullopt;
  if (i < line.size() && line[i] == '{') {
    bool quoted = false;
    for (++i; i < line.size(); ++i) {
      if (quoted && line[i] == '\\') {
        ++i;
      } else if (line[i] == '"') {
        quoted = !quoted;
      } else if (!quoted && line[i] == '}') {
        break;
      }
    }
    if (i >= line.size()) return std::nullopt;
    ++i;
  }
  if (i >= line.size() || line[i] != ' ') return std::nullopt;
  std::istringstream rest(line.substr(i + 1));
  std::string value, timestamp, extra;
  rest >> value >> timestamp >> extra;
  if (!extra.empty()) return std::nullopt;
  if (value == "NaN" || value == "+Inf" || value == "-Inf") return out;
  char* end = nullptr;
  out.value = std::strtod(value.c_str(), &end);
  if (value.empty() || end != value.c_str() + value.size()) return std::nullopt;
  if (!timestamp.empty()) {
    std::strtoll(timestamp.c_str(), &end, 10);
    if (end != timestamp.c_str() + timestamp.size()) return std::nullopt;
  }
  return out;
}

TEST_F(ServerTest, RestMetricsArePrometheusTextWithConvenePrefix) {
  ASSERT_NO_FATAL_FAILURE(start());
  // Some traffic first, so there is something to count.
  const auto conv = create_convening(endpoint(), "metrics");
  ASSERT_TRUE(conv);
  std::unique_ptr<Replica> a;
  ASSERT_NO_FATAL_FAILURE(joined(a, conv->id, conv->participant, "ana"));
  ASSERT_TRUE(a->doc().create_map("m").ok());
  a->flush();
  ASSERT_TRUE(AllAcked({a.get()}));

  const HttpResponse r = http_request(endpoint(), "GET", "/metrics");
  ASSERT_EQ(r.status, 200) << r.describe();
  EXPECT_EQ(r.header("content-type").rfind("text/plain", 0), 0u) << r.describe();
  std::istringstream in(r.body);
  std::string line;
  size_t convene_samples = 0, histograms = 0, bad_lines = 0;
  bool ops_committed_counted = false;
  std::string first_bad;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream words(line.substr(7));
      std::string name, type, extra;
      words >> name >> type;
      static const std::set<std::string> types = {"counter", "gauge", "histogram", "summary",
                                                  "untyped"};
      if (!is_metric_name(name) || types.count(type) == 0 || (words >> extra)) {
        if (bad_lines++ == 0) first_bad = line;
      } else if (type == "histogram" && name.rfind("convene_", 0) == 0) {
        ++histograms;
      }
      continue;
    }
    if (line[0] == '#') continue;  // HELP and comments
    const std::optional<MetricSample> sample = parse_metric_sample(line);
    if (!sample) {
      if (bad_lines++ == 0) first_bad = line;
      continue;
    }
    if (sample->name.rfind("convene_", 0) == 0) ++convene_samples;
    // "ops ... committed": the op committed above is counted somewhere.
    if (sample->name.find("ops") != std::string::npos &&
        sample->name.find("commit") != std::string::npos &&
        sample->name.find("_bucket") == std::string::npos && sample->value >= 1)
      ops_committed_counted = true;
  }
  EXPECT_EQ(bad_lines, 0u) << "not Prometheus text format: '" << first_bad << "'";
  EXPECT_GT(convene_samples, 0u) << r.body.substr(0, 2000);
  EXPECT_GE(histograms, 2u) << "commit and broadcast latency histograms";
  EXPECT_TRUE(ops_committed_counted) << "no ops-committed metric counts the committed op";
}

TEST_F(ServerTest, RestServesTheClientAndRefusesDirectoryTraversal) {
  TempDir tmp;
  ASSERT_FALSE(tmp.path().empty());
  const std::filesystem::path client = tmp.path() / "client";
  write_file(client / "index.html",
             "<!doctype html><html><head><title>itest-client-marker</title></head></html>\n");
  write_file(client / "app.js", "console.log('itest');\n");
  write_file(tmp.path() / "secret.txt", "itest-secret-outside-the-client-dir\n");
  ServerOptions options;
  options.client_dir = client.string();
  ASSERT_NO_FATAL_FAILURE(start(options));

  const HttpResponse root = http_request(endpoint(), "GET", "/");
  EXPECT_EQ(root.status, 200) << root.describe();
  EXPECT_EQ(root.header("content-type").rfind("text/html", 0), 0u) << root.describe();
  EXPECT_NE(root.body.find("itest-client-marker"), std::string::npos) << root.describe();
  const HttpResponse js = http_request(endpoint(), "GET", "/app.js");
  EXPECT_EQ(js.status, 200) << js.describe();
  EXPECT_NE(js.header("content-type").find("javascript"), std::string::npos) << js.describe();

  for (const std::string target :
       {"/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/%2e%2e%2fsecret.txt",
        "/../../../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/..\\secret.txt", "/static/../../secret.txt"}) {
    SCOPED_TRACE(target);
    const HttpResponse r = http_request(endpoint(), "GET", target);
    EXPECT_TRUE(r.status >= 400 && r.status < 500) << r.describe();
    EXPECT_EQ(r.body.find("itest-secret"), std::string::npos) << r.describe();
    EXPECT_EQ(r.body.find("root:"), std::string::npos) << r.describe();
  }
}

}  // namespace
}  // namespace convene::itest
