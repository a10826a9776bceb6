// What a participant's client claims about itself is hostile input
// (docs/threat-model.md): names and colours, replica ids, clocks, presence,
// sizes. Each test here is a case an outside attack on an earlier server
// found, or one of the same class: it failed against that server.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "crdt/utf8.h"
#include "integration/server_fixture.h"
#include "store/store.h"

namespace convene::itest {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Json = nlohmann::json;

class TrustTest : public ServerFixture {
 protected:
  void start_with(std::vector<std::string> args) {
    ServerOptions options;
    options.extra_args = std::move(args);
    ASSERT_NO_FATAL_FAILURE(start(options));
  }

  std::unique_ptr<Replica> replica_as(const std::string& convening, const std::string& token,
                                      uint64_t id, ReplicaOptions options) {
    options.token = token;
    return std::make_unique<Replica>(endpoint(), convening, id, std::move(options));
  }

  // The first error the replica receives (pumping for up to `timeout`).
  std::optional<pb::Error> next_error(Replica& r, size_t already,
                                      milliseconds timeout = milliseconds(5000)) {
    if (!r.pump_until([&] { return r.errors().size() > already; }, timeout)) return std::nullopt;
    return r.errors()[already];
  }

  Json exported(const ConveningTokens& conv) {
    const HttpResponse r = export_convening(endpoint(), conv.id, conv.convener);
    EXPECT_EQ(r.status, 200) << r.describe();
    return r.json();
  }
};

const Json* member_named(const Json& members, const std::string& id) {
  for (const Json& m : members)
    if (m["id"] == id) return &m;
  return nullptr;
}

// A crafted op of `r`'s replica with its next counter.
pb::Op crafted_map(Replica& r, uint64_t lamport) {
  pb::Op op;
  op.set_replica(r.id());
  op.set_counter(r.doc().version().last(r.id()) + 1);
  op.set_lamport(lamport);
  op.mutable_create_map()->set_name("crafted");
  return op;
}

// ---- names and colours --------------------------------------------------------------

// Cut at 100 bytes, "é" lost its second byte: the stored name was no longer
// UTF-8, and every export (and every restart's export) threw and killed the
// server; Welcomes and presence carried it to everyone.
TEST_F(TrustTest, NamesAndColoursAreCleanedSoExportsSurviveARestart) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "names");
  ASSERT_TRUE(conv);
  ReplicaOptions hostile;
  hostile.name = std::string(99, 'a') + "\xC3\xA9" + "\xE2\x80\xAE" + "reversed";
  hostile.colour = std::string(15, '#') + "\xC3\xA9";
  auto mallory = replica_as(conv->id, conv->participant, next_replica_id(), hostile);
  ASSERT_TRUE(mallory->join().ok());
  // Another member's Welcome lists Mallory: it must decode (the client's
  // protobuf parser refuses strings that are not UTF-8) and be clean.
  auto ana = join(conv->id, conv->convener, "ana");
  ASSERT_TRUE(ana->last_welcome());
  bool seen = false;
  for (const auto& m : ana->last_welcome()->members()) {
    if (m.id() != mallory->member_id()) continue;
    seen = true;
    EXPECT_TRUE(crdt::utf8::valid(m.name()));
    EXPECT_EQ(crdt::utf8::count_code_points(m.name()), 64u) << m.name();
    EXPECT_EQ(m.name().find("\xE2\x80\xAE"), std::string::npos) << "a bidi override survived";
    EXPECT_EQ(m.colour(), "#6b7280") << "not #rrggbb: the default colour";
  }
  EXPECT_TRUE(seen) << "the Welcome does not list the hostile member";

  for (int round = 0; round < 2; ++round) {
    const Json state = exported(*conv);
    const Json* m = member_named(state["members"], mallory->member_id());
    ASSERT_NE(m, nullptr) << state["members"].dump();
    EXPECT_EQ((*m)["name"], std::string(64, 'a'));
    // The members list the browser reads names from is as clean.
    const HttpResponse listed =
        http_request(endpoint(), "GET", "/api/convenings/" + conv->id + "/members", {},
                     {{"Authorization", "Bearer " + conv->participant}}, Millis(60000));
    ASSERT_EQ(listed.status, 200) << listed.describe();
    EXPECT_EQ(listed.json()["members"], state["members"]);
    EXPECT_EQ(http_request(endpoint(), "GET", "/api/convenings/" + conv->id + "/members", {}, {},
                           Millis(60000))
                  .status,
              401);
    ASSERT_TRUE(server_->stop());
    ASSERT_TRUE(server_->restart()) << server_->error();
  }
}

// Records an older server stored, with anything in them, still export and
// the replica they name can still be claimed by its client.
TEST_F(TrustTest, ARecordStoredBeforeNamesWereCheckedCannotBreakAnExport) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "old records");
  ASSERT_TRUE(conv);
  ASSERT_TRUE(server_->stop());
  const uint64_t old_replica = next_replica_id();
  {
    store::Status s;
    auto db = store::Store::open(server_->data_dir().string(), store::Durability::kFsync, &s);
    ASSERT_TRUE(db) << s.message();
    ASSERT_TRUE(db->put_member(conv->id, {member_id_of(old_replica), "\xFF\xFE broken \xC3",
                                          "\xC3\x28", 2, 1, 1})
                    .is_ok());
  }
  ASSERT_TRUE(server_->restart()) << server_->error();
  const Json state = exported(*conv);
  const Json* m = member_named(state["members"], member_id_of(old_replica));
  ASSERT_NE(m, nullptr) << state.dump();
  EXPECT_EQ((*m)["name"], "\xEF\xBF\xBD\xEF\xBF\xBD broken \xEF\xBF\xBD");
  EXPECT_EQ((*m)["colour"], "#6b7280");
  // The record had no secret: its client binds it on its next join.
  auto back = replica_as(conv->id, conv->participant, old_replica, {});
  ASSERT_TRUE(back->join().ok());
  back->disconnect();
  ReplicaOptions other;
  other.replica_secret = "a different secret, 32 bytes....";
  auto thief = replica_as(conv->id, conv->participant, old_replica, other);
  const JoinResult refused = thief->join();
  ASSERT_TRUE(refused.error) << refused.describe();
  EXPECT_EQ(refused.error->code(), pb::ERROR_REPLICA_CLAIMED);
}

// A snapshot that no longer decodes (written by a fault, or by a build that
// encoded what this one refuses) is replayed around, never a convening
// that cannot be loaded again.
TEST_F(TrustTest, AnUnusableSnapshotIsReplayedAroundFromTheLog) {
  ServerOptions options;
  options.snapshot_every = 5;
  ASSERT_NO_FATAL_FAILURE(start(options));
  const auto conv = create_convening(endpoint(), "snapshots");
  ASSERT_TRUE(conv);
  auto ana = join(conv->id, conv->participant, "ana");
  const crdt::OpId map = ana->doc().create_map("m").value;
  for (int i = 0; i < 11; ++i) ASSERT_TRUE(ana->doc().create_element(map, labelled("e")).ok());
  ana->flush();
  ASSERT_TRUE(ana->wait_acked());
  const Json before = exported(*conv);
  ASSERT_TRUE(server_->stop());
  {
    store::Status s;
    auto db = store::Store::open(server_->data_dir().string(), store::Durability::kFsync, &s);
    ASSERT_TRUE(db) << s.message();
    ASSERT_TRUE(db->put_snapshot(conv->id, {12, "not a snapshot at all"}).is_ok());
  }
  ASSERT_TRUE(server_->restart()) << server_->error();
  auto ben = join(conv->id, conv->participant, "ben");
  EXPECT_EQ(document_part(ben->doc().to_json()), document_part(before));
  EXPECT_EQ(document_part(exported(*conv)), document_part(before));
}

// ---- replicas belong to whoever first claimed them -------------------------------

// With another member's replica id (visible in every op) a participant
// submitted that member's next counters: acknowledged, and the real member's
// later resend of them acknowledged too but never stored. An observer with
// the convener's replica replaced the convener's name and role.
TEST_F(TrustTest, AReplicaBelongsToWhoeverFirstClaimedIt) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "replicas");
  ASSERT_TRUE(conv);
  const uint64_t owned = next_replica_id();
  ReplicaOptions owner_options;
  owner_options.name = "owner";
  auto owner = replica_as(conv->id, conv->participant, owned, owner_options);
  ASSERT_TRUE(owner->join().ok());
  const crdt::OpId map = owner->doc().create_map("mine").value;
  owner->flush();
  ASSERT_TRUE(owner->wait_acked());
  owner->disconnect();

  ReplicaOptions thief_options;
  thief_options.name = "thief";
  thief_options.replica_secret = "not the owner's secret, 32 bytes";
  for (const std::string* token : {&conv->participant, &conv->observer}) {
    auto thief = replica_as(conv->id, *token, owned, thief_options);
    const JoinResult refused = thief->join();
    ASSERT_TRUE(refused.error) << refused.describe();
    EXPECT_EQ(refused.error->code(), pb::ERROR_REPLICA_CLAIMED);
    EXPECT_TRUE(refused.before.empty()) << "nothing of the convening before the refusal";
    EXPECT_TRUE(thief->ws()->wait_closed(seconds(5)));
    EXPECT_EQ(thief->ws()->close_code(), std::optional<int>(1008));
  }

  // The owner comes back with its secret; its next ops are its own and stored.
  ASSERT_TRUE(owner->rejoin().ok());
  ASSERT_TRUE(owner->doc().create_element(map, labelled("still mine")).ok());
  owner->flush();
  ASSERT_TRUE(owner->wait_acked());
  const Json state = exported(*conv);
  EXPECT_EQ(state["head_seq"], 2);
  EXPECT_EQ(state["maps"][0]["elements"].size(), 1u);
  const Json* record = member_named(state["members"], owner->member_id());
  ASSERT_NE(record, nullptr);
  EXPECT_EQ((*record)["name"], "owner");

  // Nobody takes the convener's replica either, online or not.
  auto convener = join(conv->id, conv->convener, "the convener");
  auto usurper = replica_as(conv->id, conv->observer, convener->id(), thief_options);
  const JoinResult live = usurper->join();
  ASSERT_TRUE(live.error) << live.describe();
  EXPECT_EQ(live.error->code(), pb::ERROR_REPLICA_CLAIMED) << "checked before 'in use'";
  convener->disconnect();
  auto usurper_again = replica_as(conv->id, conv->observer, convener->id(), thief_options);
  EXPECT_EQ(usurper_again->join().error.value_or(pb::Error()).code(), pb::ERROR_REPLICA_CLAIMED);
  const Json after = exported(*conv);
  const Json* convener_record = member_named(after["members"], convener->member_id());
  ASSERT_NE(convener_record, nullptr);
  EXPECT_EQ((*convener_record)["name"], "the convener");
  EXPECT_EQ((*convener_record)["role"], "ROLE_CONVENER");
}

TEST_F(TrustTest, AHelloWithoutAReplicaSecretIsMalformed) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "secrets");
  ASSERT_TRUE(conv);
  for (const std::string& secret : {std::string(), std::string(15, 's'), std::string(65, 's')}) {
    WsClient ws;
    ASSERT_TRUE(ws.connect(endpoint()));
    pb::ClientMessage m;
    m.mutable_hello()->set_protocol(1);
    m.mutable_hello()->set_token(conv->participant);
    m.mutable_hello()->set_replica(next_replica_id());
    m.mutable_hello()->set_convening(conv->id);
    m.mutable_hello()->set_replica_secret(secret);
    ASSERT_TRUE(ws.send(m));
    const auto answer = ws.receive(seconds(5));
    ASSERT_TRUE(answer && answer->has_error()) << secret.size() << " bytes";
    EXPECT_EQ(answer->error().code(), pb::ERROR_MALFORMED);
  }
}

// A perspective is its participant's own; "this is me" and "my sphere" name
// only their sender, except that a convener may place others.
TEST_F(TrustTest, NobodySpeaksForAnotherMember) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "voices");
  ASSERT_TRUE(conv);
  auto ana = join(conv->id, conv->participant, "ana");
  auto ben = join(conv->id, conv->participant, "ben");
  auto convener = join(conv->id, conv->convener, "cleo");
  const crdt::OpId map = ana->doc().create_map("m").value;
  const crdt::OpId element = ana->doc().create_element(map, labelled("school")).value;
  ana->flush();
  ASSERT_TRUE(ana->wait_acked());
  ASSERT_TRUE(ben->wait_seen(ana->seen_seq()));

  size_t errors = ben->errors().size();
  ASSERT_TRUE(ben->doc().set_perspective(element, "strength", ana->member_id(), 5).is_ok());
  ben->flush();
  auto refused = next_error(*ben, errors);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code(), pb::ERROR_INVALID_OP) << refused->message();
  EXPECT_NE(refused->message().find("perspective"), std::string::npos) << refused->message();

  // Ben's own view, from a fresh replica (the refused op left a gap).
  auto ben2 = join(conv->id, conv->participant, "ben again");
  ASSERT_TRUE(ben2->wait_seen(ana->seen_seq()));
  pb::ElementFields me;
  me.set_self_of(ana->member_id());
  errors = ben2->errors().size();
  ASSERT_TRUE(ben2->doc().update_element(element, me).is_ok());
  ben2->flush();
  refused = next_error(*ben2, errors);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code(), pb::ERROR_INVALID_OP) << refused->message();

  ASSERT_TRUE(convener->wait_seen(ana->seen_seq()));
  ASSERT_TRUE(convener->doc().update_element(element, me).is_ok());
  ASSERT_TRUE(
      convener->doc().set_perspective(element, "strength", convener->member_id(), 2).is_ok());
  convener->flush();
  EXPECT_TRUE(convener->wait_acked()) << "a convener may place others on the map";
  EXPECT_TRUE(convener->errors().empty());
}

// ---- clocks --------------------------------------------------------------------------

// One op with lamport 2^64 - 2 froze a convening: every later op overflowed
// and was refused, and the fields it stamped could never change again.
TEST_F(TrustTest, AClockFarAheadIsRefusedAndTheConveningCarriesOn) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "clocks");
  ASSERT_TRUE(conv);
  auto ana = join(conv->id, conv->participant, "ana");
  auto ben = join(conv->id, conv->participant, "ben");
  const crdt::OpId map = ana->doc().create_map("m").value;
  const crdt::OpId element = ana->doc().create_element(map, labelled("first")).value;
  ana->flush();
  ASSERT_TRUE(ana->wait_acked());

  const uint64_t clock = ana->doc().clock();
  const uint64_t lead = uint64_t{1} << 32;
  for (const uint64_t lamport : {std::numeric_limits<uint64_t>::max() - 1, clock + lead + 1}) {
    const size_t errors = ana->errors().size();
    ASSERT_TRUE(ana->submit_raw({crafted_map(*ana, lamport)}));
    const auto refused = next_error(*ana, errors);
    ASSERT_TRUE(refused) << lamport;
    EXPECT_EQ(refused->code(), pb::ERROR_INVALID_OP);
    EXPECT_NE(refused->message().find("the convening's clock"), std::string::npos)
        << refused->message();
  }
  // Exactly the bound is a clock that jumped, not one that broke (from a
  // client of its own: the replicas here track only the ops they made).
  WsClient raw;
  ASSERT_TRUE(raw.connect(endpoint()));
  const uint64_t raw_replica = next_replica_id();
  pb::ClientMessage hello;
  hello.mutable_hello()->set_protocol(1);
  hello.mutable_hello()->set_token(conv->participant);
  hello.mutable_hello()->set_replica(raw_replica);
  hello.mutable_hello()->set_replica_secret(replica_secret_for(raw_replica));
  hello.mutable_hello()->set_convening(conv->id);
  ASSERT_TRUE(raw.send(hello));
  ASSERT_TRUE(
      raw.receive_until([](const pb::ServerMessage& m) { return m.has_welcome(); }, seconds(5)));
  pb::ClientMessage at_bound;
  pb::Op* op = at_bound.mutable_submit()->add_ops();
  op->set_replica(raw_replica);
  op->set_counter(1);
  op->set_lamport(clock + lead);
  op->mutable_create_map()->set_name("far but allowed");
  ASSERT_TRUE(raw.send(at_bound));
  const auto answer = raw.receive_until(
      [](const pb::ServerMessage& m) { return m.has_ack() || m.has_error(); }, seconds(5));
  ASSERT_TRUE(answer && answer->has_ack()) << (answer ? describe(*answer) : "nothing");
  const uint64_t at_bound_seq = answer->ack().seq();
  // Everyone still edits, and the label still changes.
  ASSERT_TRUE(ben->wait_seen(at_bound_seq));
  pb::ElementFields renamed;
  renamed.set_label("renamed after");
  ASSERT_TRUE(ben->doc().update_element(element, renamed).is_ok());
  ben->flush();
  ASSERT_TRUE(ben->wait_acked());
  EXPECT_TRUE(ben->errors().empty());
  const Json state = exported(*conv);
  EXPECT_EQ(state["maps"][0]["elements"][0]["label"], "renamed after") << state.dump();
}

// ---- presence ----------------------------------------------------------------------------

pb::PresenceState with_selection(size_t ids, uint64_t replica) {
  pb::PresenceState p;
  for (size_t i = 0; i < ids; ++i) {
    auto* id = p.add_selection();
    id->set_replica(replica | (uint64_t{1} << 62));
    id->set_counter(std::numeric_limits<uint64_t>::max() - i);
  }
  return p;
}

// A 780 KB presence state reached every member 20 times a second and sat in
// every Welcome.
TEST_F(TrustTest, PresenceIsBoundedAndOnlyAConvenerAsksEveryoneToFollow) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "presence");
  ASSERT_TRUE(conv);
  auto ana = join(conv->id, conv->participant, "ana");
  auto watcher = join(conv->id, conv->observer, "watcher");
  auto convener = join(conv->id, conv->convener, "cleo");
  watcher->pump(milliseconds(200));

  struct Case {
    pb::PresenceState state;
    const char* what;
  };
  pb::PresenceState not_finite;
  not_finite.mutable_cursor()->set_x(std::nan(""));
  pb::PresenceState bad_follow;
  bad_follow.set_following("not a member id");
  for (const Case& c : {Case{with_selection(257, 1), "257 selected ids"},
                        Case{with_selection(200, 1), "over 4 KiB"},
                        Case{not_finite, "a NaN cursor"}, Case{bad_follow, "a bad following"}}) {
    const size_t errors = ana->errors().size();
    ASSERT_TRUE(ana->send_presence(c.state));
    const auto refused = next_error(*ana, errors);
    ASSERT_TRUE(refused) << c.what;
    EXPECT_EQ(refused->code(), pb::ERROR_TOO_LARGE) << c.what;
  }
  pb::PresenceState follow_me;
  follow_me.set_ask_to_follow(true);
  follow_me.set_ask_id(1765000000000);
  follow_me.mutable_cursor()->set_x(7);
  ASSERT_TRUE(ana->send_presence(follow_me));
  follow_me.mutable_cursor()->set_x(8);
  // The saved view shown, whose filter followers apply: relayed as it is.
  follow_me.mutable_view()->set_replica(5);
  follow_me.mutable_view()->set_counter(9);
  ASSERT_TRUE(convener->send_presence(follow_me));
  std::optional<pb::Member> from_ana, from_convener;
  ASSERT_TRUE(watcher->pump_until(
      [&] {
        for (const auto& u : watcher->presence_updates())
          for (const auto& m : u.members()) {
            if (m.id() == ana->member_id() && m.presence().cursor().x() == 7) from_ana = m;
            if (m.id() == convener->member_id() && m.presence().cursor().x() == 8)
              from_convener = m;
          }
        return from_ana && from_convener;
      },
      seconds(5)));
  EXPECT_FALSE(from_ana->presence().ask_to_follow()) << "a participant asked everyone to follow";
  EXPECT_EQ(from_ana->presence().ask_id(), 0u) << "a participant's ask was relayed";
  EXPECT_TRUE(from_convener->presence().ask_to_follow());
  EXPECT_EQ(from_convener->presence().ask_id(), 1765000000000u);
  EXPECT_EQ(from_convener->presence().view().replica(), 5u);
  EXPECT_EQ(from_convener->presence().view().counter(), 9u);
  for (const auto& u : watcher->presence_updates())
    for (const auto& m : u.members())
      EXPECT_LE(m.presence().selection_size(), 256) << "refused presence was relayed";
}

// ---- quotas --------------------------------------------------------------------------

// One participant sent 17,101 ops of 20 KB notes in 20 s: 1.7 GiB of RSS.
TEST_F(TrustTest, AConveningIsFullAtItsLimitsAndStaysSoAfterARestart) {
  ASSERT_NO_FATAL_FAILURE(start_with({"--max-convening-ops", "12", "--max-convening-mb", "1"}));
  const auto conv = create_convening(endpoint(), "full");
  ASSERT_TRUE(conv);
  const std::string long_text(600'000, 't');  // two of them are more than 1 MiB
  auto ana = join(conv->id, conv->participant, "ana");
  const crdt::OpId draft = ana->doc().create_draft("call").value;
  ASSERT_TRUE(ana->doc().insert_text(draft, 0, long_text).is_ok());
  ana->flush();
  ASSERT_TRUE(ana->wait_acked());
  ASSERT_TRUE(ana->doc().insert_text(draft, 0, long_text).is_ok());
  size_t errors = ana->errors().size();
  ana->flush();
  auto refused = next_error(*ana, errors);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code(), pb::ERROR_QUOTA) << refused->message();
  EXPECT_EQ(refused->retry_after_ms(), 0u) << "no wait makes a full convening take it";
  EXPECT_NE(refused->message().find("MiB"), std::string::npos) << refused->message();
  EXPECT_EQ(exported(*conv)["head_seq"], 2);

  // The log's byte count is kept across a restart.
  ASSERT_TRUE(server_->stop());
  ASSERT_TRUE(server_->restart()) << server_->error();
  auto ben = join(conv->id, conv->participant, "ben");
  ASSERT_TRUE(ben->doc().insert_text(draft, 0, long_text).is_ok());
  errors = ben->errors().size();
  ben->flush();
  refused = next_error(*ben, errors);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code(), pb::ERROR_QUOTA) << "the bytes were forgotten by the restart";

  // Small ops fit the bytes but not the count: 12 ops at most.
  auto cleo = join(conv->id, conv->participant, "cleo");
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(cleo->doc().create_map("tiny").ok());
  cleo->flush();
  ASSERT_TRUE(cleo->wait_acked()) << "ops 3 to 12";
  ASSERT_TRUE(cleo->doc().create_map("one more").ok());
  errors = cleo->errors().size();
  cleo->flush();
  refused = next_error(*cleo, errors);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code(), pb::ERROR_QUOTA);
  EXPECT_NE(refused->message().find("12 ops"), std::string::npos) << refused->message();
  // What is stored is still acknowledged when resent: nothing is lost.
  cleo->drop();
  const size_t before = cleo->errors().size();
  ASSERT_TRUE(cleo->rejoin().ok());
  cleo->pump(milliseconds(300));
  EXPECT_EQ(cleo->acks().size(), 10u);
  ASSERT_GT(cleo->errors().size(), before) << "the op past the limit is refused again";
  EXPECT_EQ(cleo->errors().back().code(), pb::ERROR_QUOTA);
  EXPECT_EQ(exported(*conv)["head_seq"], 12);
}

// Hello resends skipped every rate limit, which multiplied any flood.
TEST_F(TrustTest, AMembersQuotaAMinuteCountsResendsAndNamesTheWait) {
  ASSERT_NO_FATAL_FAILURE(start_with({"--member-ops-per-minute", "40"}));
  const auto conv = create_convening(endpoint(), "quota");
  ASSERT_TRUE(conv);
  auto ana = join(conv->id, conv->participant, "ana");
  auto ben = join(conv->id, conv->participant, "ben");
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(ana->doc().create_map("m" + std::to_string(i)).ok());
  size_t errors = ana->errors().size();
  ana->flush();
  const auto refused = next_error(*ana, errors);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code(), pb::ERROR_QUOTA) << refused->message();
  EXPECT_EQ(refused->op().counter(), 41u) << "the first op over the quota is named";
  EXPECT_GT(refused->retry_after_ms(), 0u);
  EXPECT_LE(refused->retry_after_ms(), 60'000u);
  // The refusal of op 41 can come before the first 40 are committed (the
  // group commit's fsync): wait for their acks before reading the store.
  for (int i = 0; i < 200 && ana->acks().size() < 40; ++i) ana->pump(milliseconds(50));
  EXPECT_EQ(ana->acks().size(), 40u);
  EXPECT_EQ(exported(*conv)["head_seq"], 40);

  // Reconnecting resends the rest in Hello: still over the quota.
  ana->drop();
  errors = ana->errors().size();
  ASSERT_TRUE(ana->rejoin().ok());
  const auto again = next_error(*ana, errors);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->code(), pb::ERROR_QUOTA) << again->message();
  EXPECT_EQ(exported(*conv)["head_seq"], 40) << "the resend went past the quota";

  // Others are not held back by one member's quota.
  ASSERT_TRUE(ben->doc().create_map("ben's").ok());
  ben->flush();
  EXPECT_TRUE(ben->wait_acked());
}

// Each member here makes an op: a record with ops of its own is never given
// up to make room for another.
TEST_F(TrustTest, MembersOnlineAndMemberRecordsAreBounded) {
  ASSERT_NO_FATAL_FAILURE(start_with({"--max-live-members", "2", "--max-member-records", "3"}));
  const auto conv = create_convening(endpoint(), "crowd");
  ASSERT_TRUE(conv);
  const auto edit = [](Replica& r) {
    ASSERT_TRUE(r.doc().create_map("by " + std::to_string(r.id())).ok());
    r.flush();
    ASSERT_TRUE(r.wait_acked());
  };
  auto a = join(conv->id, conv->participant, "a");
  auto b = join(conv->id, conv->participant, "b");
  edit(*a);
  edit(*b);
  auto c = replica(conv->id, conv->participant, "c");
  JoinResult full = c->join();
  ASSERT_TRUE(full.error) << full.describe();
  EXPECT_EQ(full.error->code(), pb::ERROR_QUOTA);
  EXPECT_TRUE(c->ws()->wait_closed(seconds(5)));
  EXPECT_EQ(c->ws()->close_code(), std::optional<int>(1013)) << "try again later";
  b->disconnect();
  // The room hears of the leave a moment later.
  for (int attempt = 0; attempt < 20; ++attempt) {
    c = replica(conv->id, conv->participant, "c");
    if (c->join().ok()) break;
    std::this_thread::sleep_for(milliseconds(100));
  }
  ASSERT_TRUE(c->connected()) << "room again once someone left";
  edit(*c);
  c->disconnect();
  auto d = replica(conv->id, conv->participant, "d");
  full = d->join();
  ASSERT_TRUE(full.error) << full.describe();
  EXPECT_EQ(full.error->code(), pb::ERROR_QUOTA) << "a fourth member record";
  ASSERT_TRUE(b->rejoin().ok()) << "a member already known comes back";
  EXPECT_EQ(exported(*conv)["members"].size(), 3u);
}

// Joining with ever new replicas, which an observer link allows, filled the
// member records for good: no newcomer, second tab or new device could join.
// Records of replicas that are offline and never made an op make room.
TEST_F(TrustTest, RecordsWithNothingToProtectMakeRoomForNewcomers) {
  ASSERT_NO_FATAL_FAILURE(start_with({"--max-member-records", "3"}));
  const auto conv = create_convening(endpoint(), "crowd");
  ASSERT_TRUE(conv);
  auto writer = join(conv->id, conv->participant, "writer");
  ASSERT_TRUE(writer->doc().create_map("mine").ok());
  writer->flush();
  ASSERT_TRUE(writer->wait_acked());
  std::vector<uint64_t> idle;
  for (int i = 0; i < 5; ++i) {  // observers joining with new replicas
    auto observer = join(conv->id, conv->observer, "observer " + std::to_string(i));
    idle.push_back(observer->id());
    observer->disconnect();
  }
  auto newcomer = join(conv->id, conv->participant, "newcomer");
  EXPECT_TRUE(newcomer->connected()) << "the records were full of idle observers";
  const Json members = exported(*conv)["members"];
  EXPECT_EQ(members.size(), 3u) << members.dump();
  EXPECT_NE(member_named(members, writer->member_id()), nullptr) << "the writer's record went";
  // An online member with no op keeps its record too: with the writer's,
  // the watcher's and the newcomer's, the records are full.
  auto watcher = join(conv->id, conv->observer, "watcher");
  ASSERT_TRUE(watcher->connected());
  auto later = replica(conv->id, conv->participant, "later");
  const JoinResult full = later->join();
  ASSERT_TRUE(full.error) << full.describe() << ": writer, watcher and newcomer are all kept";
  EXPECT_EQ(full.error->code(), pb::ERROR_QUOTA);
}

TEST_F(TrustTest, ConveningsOnAServerAreBounded) {
  ASSERT_NO_FATAL_FAILURE(start_with({"--max-convenings", "2"}));
  ASSERT_TRUE(create_convening(endpoint(), "one"));
  ASSERT_TRUE(create_convening(endpoint(), "two"));
  const auto third = [&] {
    return http_request(endpoint(), "POST", "/api/convenings", R"({"name": "three"})",
                        {{"Content-Type", "application/json"}});
  };
  HttpResponse r = third();
  EXPECT_EQ(r.status, 409) << r.describe();
  EXPECT_EQ(r.json()["error"]["code"], "too_many_convenings");
  ASSERT_TRUE(server_->stop());
  ASSERT_TRUE(server_->restart());
  r = third();
  EXPECT_EQ(r.status, 409) << "counted again at start: " << r.describe();
}

}  // namespace
}  // namespace convene::itest
