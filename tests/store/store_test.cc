// Tests of the RocksDB store: convenings, tokens, members, the op log and
// snapshots; restart in each durability mode; ids that are prefixes of each
// other; concurrency; and faults: unusable directories, a held lock and
// corrupted records written behind the store's back.
#include "store/store.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "convene/v1/storage.pb.h"

namespace convene::store {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMaxSeq = std::numeric_limits<uint64_t>::max();

// A fresh directory under the system temp directory, removed with everything
// in it on destruction.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    std::random_device random;
    path_ =
        fs::temp_directory_path() / ("convene_store_test_" + std::to_string(::getpid()) + "_" +
                                     std::to_string(counter++) + "_" + std::to_string(random()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }
  std::string db() const { return (path_ / "db").string(); }

 private:
  fs::path path_;
};

std::unique_ptr<Store> open_ok(const std::string& dir, Durability durability = Durability::kOs) {
  Status s;
  std::unique_ptr<Store> store = Store::open(dir, durability, &s);
  EXPECT_TRUE(s.is_ok()) << s.message();
  EXPECT_NE(store, nullptr);
  return store;
}

LogEntry entry(uint64_t seq, std::string_view author = "m1") {
  // Op bytes with a zero byte and high bytes: stored as bytes, not text.
  std::string op = "op-" + std::to_string(seq);
  op.push_back('\0');
  op.push_back('\xff');
  return LogEntry{seq, op, std::string(author), 1'700'000'000'000 + static_cast<int64_t>(seq)};
}

std::vector<LogEntry> entries(uint64_t first, uint64_t last) {
  std::vector<LogEntry> out;
  for (uint64_t seq = first; seq <= last; ++seq) out.push_back(entry(seq));
  return out;
}

std::vector<LogEntry> read_all(Store& store, std::string_view convening, uint64_t from = 0,
                               uint64_t to = kMaxSeq) {
  std::vector<LogEntry> out;
  const Status s = store.read_log(convening, from, to, [&](const LogEntry& e) {
    out.push_back(e);
    return true;
  });
  EXPECT_TRUE(s.is_ok()) << s.message();
  return out;
}

std::vector<uint64_t> seqs(const std::vector<LogEntry>& log) {
  std::vector<uint64_t> out;
  for (const LogEntry& e : log) out.push_back(e.seq);
  return out;
}

std::vector<uint64_t> range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> out;
  for (uint64_t seq = first; seq <= last; ++seq) out.push_back(seq);
  return out;
}

uint64_t head(Store& store, std::string_view convening) {
  Status s;
  const uint64_t seq = store.head_seq(convening, &s);
  EXPECT_TRUE(s.is_ok()) << s.message();
  return seq;
}

void expect_same(const LogEntry& a, const LogEntry& b) {
  EXPECT_EQ(a.seq, b.seq);
  EXPECT_EQ(a.op, b.op);
  EXPECT_EQ(a.author, b.author);
  EXPECT_EQ(a.server_time_ms, b.server_time_ms);
  EXPECT_EQ(a.log_bytes, b.log_bytes);
}

Member member(std::string id, int role) {
  return Member{id, "Name of " + id, "#a0b0c0", role, 1000, 2000};
}

// ---- convener links, counts, secrets and quotas ---------------------------------------

TokenGrant convener_link(const std::string& convening, const std::string& link,
                         const std::string& name, bool revoked = false) {
  TokenGrant g{convening, TokenKind::kConvener, revoked};
  g.link = link;
  g.link_name = name;
  g.link_created_ms = 77;
  return g;
}

TEST(Store, ConvenerLinksAreListedWithTheirTokensRevokedFlag) {
  TempDir dir;
  auto store = open_ok(dir.db());
  const Convening c{"links", "Links", 1};
  ASSERT_TRUE(store
                  ->create_convening(c, {{"h-first", convener_link(c.id, "first", "Convener")},
                                         {"h-invite", {c.id, TokenKind::kParticipantInvite}}})
                  .is_ok());
  ASSERT_TRUE(
      store->update_convening(c, {{"h-sam", convener_link(c.id, "sam", "Sam's laptop")}}).is_ok());
  Status s;
  auto links = store->convener_links(c.id, &s);
  ASSERT_TRUE(s.is_ok()) << s.message();
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].id, "first");
  EXPECT_EQ(links[1].name, "Sam's laptop");
  EXPECT_EQ(links[1].token_hash, "h-sam");
  EXPECT_EQ(links[1].created_ms, 77);
  EXPECT_FALSE(links[1].revoked);
  EXPECT_EQ(store->token("h-sam", &s)->link, "sam");

  ASSERT_TRUE(
      store->update_convening(c, {{"h-sam", convener_link(c.id, "sam", "Sam's laptop", true)}})
          .is_ok());
  links = store->convener_links(c.id, &s);
  ASSERT_EQ(links.size(), 2u);
  EXPECT_TRUE(links[1].revoked);
  EXPECT_TRUE(store->token("h-sam", &s)->revoked);
  // Another convening's links are its own; a link on an invite is refused.
  EXPECT_TRUE(store->convener_links("links2", &s).empty());
  TokenGrant bad{c.id, TokenKind::kObserverInvite};
  bad.link = "x";
  EXPECT_FALSE(store->update_convening(c, {{"h-bad", bad}}).is_ok());
  TokenGrant bad_id = convener_link(c.id, "not/an id", "x");
  EXPECT_FALSE(store->update_convening(c, {{"h-bad2", bad_id}}).is_ok());
}

TEST(Store, CountsConvenings) {
  TempDir dir;
  auto store = open_ok(dir.db());
  Status s;
  EXPECT_EQ(store->count_convenings(&s), 0u);
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(store->create_convening({"c" + std::to_string(i), "n", 1}, {}).is_ok());
  // Other meta records are not convenings.
  ASSERT_TRUE(store->put_member("c1", member("m1", 2)).is_ok());
  ASSERT_TRUE(store->put_token("h", {"c1", TokenKind::kObserverInvite}).is_ok());
  EXPECT_EQ(store->count_convenings(&s), 5u);
  EXPECT_TRUE(s.is_ok());
}

TEST(Store, KeepsAMembersSecretHashAndTheLogsByteCount) {
  TempDir dir;
  {
    auto store = open_ok(dir.db());
    Member m = member("m1", 2);
    m.secret_hash = std::string("\x00\xffhash", 6);
    ASSERT_TRUE(store->put_member("c", m).is_ok());
    std::vector<LogEntry> log = entries(1, 3);
    log[2].log_bytes = 12345;
    ASSERT_TRUE(store->append("c", log).is_ok());
  }
  auto store = open_ok(dir.db());
  Status s;
  const auto members = store->members("c", &s);
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0].secret_hash, std::string("\x00\xffhash", 6));
  const auto log = read_all(*store, "c");
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].log_bytes, 0u);
  EXPECT_EQ(log[2].log_bytes, 12345u);
  // A record can be forgotten (a full convening's idle member); twice is fine.
  ASSERT_TRUE(store->delete_member("c", "m1").is_ok());
  ASSERT_TRUE(store->delete_member("c", "m1").is_ok());
  EXPECT_TRUE(store->members("c", &s).empty());
  EXPECT_FALSE(store->delete_member("c", "not/an id").is_ok());
}

// ---- convenings and tokens ---------------------------------------------------------

TEST(Store, CreatesAndReadsConveningsAndTokens) {
  TempDir dir;
  auto store = open_ok(dir.db());
  const Convening c{"river-basin_1", "River basin \xe2\x80\x94 spring", 1234};
  ASSERT_TRUE(
      store
          ->create_convening(c, {{"hash-convener", {c.id, TokenKind::kConvener, false}},
                                 {"hash-invite", {c.id, TokenKind::kObserverInvite, false}}})
          .is_ok());

  Status s = Status::error("unset");
  const std::optional<Convening> read = store->convening(c.id, &s);
  ASSERT_TRUE(s.is_ok()) << s.message();
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->id, c.id);
  EXPECT_EQ(read->name, c.name);
  EXPECT_EQ(read->created_ms, 1234);

  std::optional<TokenGrant> grant = store->token("hash-convener", &s);
  ASSERT_TRUE(s.is_ok()) << s.message();
  ASSERT_TRUE(grant.has_value());
  EXPECT_EQ(grant->convening, c.id);
  EXPECT_EQ(grant->kind, TokenKind::kConvener);
  EXPECT_FALSE(grant->revoked);
  grant = store->token("hash-invite", &s);
  ASSERT_TRUE(grant.has_value());
  EXPECT_EQ(grant->kind, TokenKind::kObserverInvite);

  // Absent is not an error.
  s = Status::error("unset");
  EXPECT_FALSE(store->convening("nobody", &s).has_value());
  EXPECT_TRUE(s.is_ok()) << s.message();
  s = Status::error("unset");
  EXPECT_FALSE(store->token("no-such-hash", &s).has_value());
  EXPECT_TRUE(s.is_ok()) << s.message();

  // A null status pointer is allowed.
  EXPECT_TRUE(store->convening(c.id, nullptr).has_value());

  // put_token adds and replaces (revocation).
  ASSERT_TRUE(store->put_token("hash-invite", {c.id, TokenKind::kObserverInvite, true}).is_ok());
  ASSERT_TRUE(store->put_token("hash-new", {c.id, TokenKind::kParticipantInvite, false}).is_ok());
  EXPECT_TRUE(store->token("hash-invite", nullptr)->revoked);
  EXPECT_EQ(store->token("hash-new", nullptr)->kind, TokenKind::kParticipantInvite);
}

TEST(Store, CreateConveningRefusesDuplicatesAndForeignGrantsWritingNothing) {
  TempDir dir;
  auto store = open_ok(dir.db());
  ASSERT_TRUE(store->create_convening({"c1", "first", 1}, {}).is_ok());
  EXPECT_FALSE(store->create_convening({"c1", "again", 2}, {}).is_ok());
  EXPECT_EQ(store->convening("c1", nullptr)->name, "first");

  // A grant for another convening: refused, and neither the convening nor the
  // other token is written.
  EXPECT_FALSE(
      store
          ->create_convening({"c2", "second", 3}, {{"h-ok", {"c2", TokenKind::kConvener, false}},
                                                   {"h-bad", {"c1", TokenKind::kConvener, false}}})
          .is_ok());
  Status s;
  EXPECT_FALSE(store->convening("c2", &s).has_value());
  EXPECT_TRUE(s.is_ok());
  EXPECT_FALSE(store->token("h-ok", &s).has_value());
  EXPECT_FALSE(store->token("h-bad", &s).has_value());

  // A token hash in use, or given twice.
  ASSERT_TRUE(
      store->create_convening({"c4", "fourth", 5}, {{"h4", {"c4", TokenKind::kConvener, false}}})
          .is_ok());
  EXPECT_FALSE(
      store->create_convening({"c5", "fifth", 6}, {{"h4", {"c5", TokenKind::kConvener, false}}})
          .is_ok());
  EXPECT_EQ(store->token("h4", nullptr)->convening, "c4");
  EXPECT_FALSE(store
                   ->create_convening({"c5", "fifth", 6},
                                      {{"h5", {"c5", TokenKind::kConvener, false}},
                                       {"h5", {"c5", TokenKind::kObserverInvite, false}}})
                   .is_ok());
  EXPECT_FALSE(store->convening("c5", nullptr).has_value());
  EXPECT_FALSE(store->token("h5", nullptr).has_value());

  // An out-of-range token kind.
  EXPECT_FALSE(
      store
          ->create_convening({"c3", "third", 4}, {{"h3", {"c3", static_cast<TokenKind>(7), false}}})
          .is_ok());
  EXPECT_FALSE(store->convening("c3", nullptr).has_value());
}

TEST(Store, RefusesBadIdsAndTokenHashes) {
  TempDir dir;
  auto store = open_ok(dir.db());
  const std::string too_long(65, 'a');
  const std::string longest(64, 'a');
  for (const std::string& bad :
       {std::string(), std::string("a/b"), std::string("a b"), std::string("a\0b", 3),
        std::string("caf\xc3\xa9"), std::string("a.b"), too_long}) {
    SCOPED_TRACE(bad);
    Status s;
    EXPECT_FALSE(store->create_convening({bad, "x", 1}, {}).is_ok());
    EXPECT_FALSE(store->convening(bad, &s).has_value());
    EXPECT_FALSE(s.is_ok());
    EXPECT_FALSE(store->append(bad, {entry(1)}).is_ok());
    EXPECT_EQ(store->head_seq(bad, &s), 0u);
    EXPECT_FALSE(s.is_ok());
    EXPECT_FALSE(store->read_log(bad, 0, kMaxSeq, [](const LogEntry&) { return true; }).is_ok());
    EXPECT_FALSE(store->put_snapshot(bad, {0, "snap"}).is_ok());
    EXPECT_FALSE(store->snapshot_at_or_before(bad, kMaxSeq, &s).has_value());
    EXPECT_FALSE(s.is_ok());
    EXPECT_FALSE(store->put_member(bad, member("m1", 2)).is_ok());
    EXPECT_FALSE(store->put_member("c1", member(bad, 2)).is_ok());
    EXPECT_TRUE(store->members(bad, &s).empty());
    EXPECT_FALSE(s.is_ok());
    EXPECT_FALSE(store->put_token("hash", {bad, TokenKind::kConvener, false}).is_ok());
  }
  EXPECT_TRUE(store->create_convening({longest, "x", 1}, {}).is_ok());
  EXPECT_TRUE(store->append(longest, {entry(1)}).is_ok());
  Status s;
  EXPECT_TRUE(store->members("c1", &s).empty());
  EXPECT_TRUE(s.is_ok());

  // Token hashes: any bytes, 1 to 128 of them.
  const TokenGrant grant{"c1", TokenKind::kParticipantInvite, false};
  EXPECT_FALSE(store->put_token("", grant).is_ok());
  EXPECT_FALSE(store->put_token(std::string(129, 'h'), grant).is_ok());
  EXPECT_FALSE(store->token("", &s).has_value());
  EXPECT_FALSE(s.is_ok());
  const std::string binary("\x00\x01/\xff", 4);
  EXPECT_TRUE(store->put_token(binary, grant).is_ok());
  EXPECT_TRUE(store->put_token(std::string(128, 'h'), grant).is_ok());
  EXPECT_EQ(store->token(binary, nullptr)->convening, "c1");
}

// ---- op log ------------------------------------------------------------------------

TEST(Store, AppendsAndReadsRanges) {
  TempDir dir;
  auto store = open_ok(dir.db());
  EXPECT_EQ(head(*store, "c1"), 0u);
  EXPECT_TRUE(read_all(*store, "c1").empty());
  ASSERT_TRUE(store->append("c1", entries(1, 4)).is_ok());
  ASSERT_TRUE(store->append("c1", {}).is_ok());  // nothing to do
  ASSERT_TRUE(store->append("c1", entries(5, 10)).is_ok());
  EXPECT_EQ(head(*store, "c1"), 10u);

  const std::vector<LogEntry> all = read_all(*store, "c1");
  ASSERT_EQ(seqs(all), range(1, 10));
  for (const LogEntry& e : all) expect_same(e, entry(e.seq));

  EXPECT_EQ(seqs(read_all(*store, "c1", 0, 10)), range(1, 10));
  EXPECT_EQ(seqs(read_all(*store, "c1", 3, 7)), range(4, 7));
  EXPECT_EQ(seqs(read_all(*store, "c1", 9, kMaxSeq)), range(10, 10));
  EXPECT_EQ(seqs(read_all(*store, "c1", 0, 1)), range(1, 1));
  EXPECT_TRUE(read_all(*store, "c1", 10, 20).empty());
  EXPECT_TRUE(read_all(*store, "c1", 5, 5).empty());
  EXPECT_TRUE(read_all(*store, "c1", 7, 3).empty());
  EXPECT_TRUE(read_all(*store, "c1", kMaxSeq, kMaxSeq).empty());
  EXPECT_TRUE(read_all(*store, "c1", kMaxSeq - 1, kMaxSeq).empty());
}

TEST(Store, AppendRefusesGapsAndRepeatsWritingNothing) {
  TempDir dir;
  auto store = open_ok(dir.db());
  EXPECT_FALSE(store->append("c1", {entry(0)}).is_ok());  // seqs start at 1
  EXPECT_FALSE(store->append("c1", {entry(2)}).is_ok());  // gap from 0
  EXPECT_EQ(head(*store, "c1"), 0u);
  ASSERT_TRUE(store->append("c1", entries(1, 3)).is_ok());

  EXPECT_FALSE(store->append("c1", {entry(5)}).is_ok());            // gap
  EXPECT_FALSE(store->append("c1", {entry(3)}).is_ok());            // repeat
  EXPECT_FALSE(store->append("c1", entries(2, 4)).is_ok());         // overlap
  EXPECT_FALSE(store->append("c1", {entry(4), entry(6)}).is_ok());  // gap inside
  EXPECT_FALSE(store->append("c1", {entry(4), entry(4)}).is_ok());  // repeat inside
  EXPECT_FALSE(store->append("c1", {entry(5), entry(4)}).is_ok());  // backwards
  EXPECT_FALSE(store->append("c1", {entry(4), entry(kMaxSeq)}).is_ok());

  EXPECT_EQ(head(*store, "c1"), 3u);
  EXPECT_EQ(seqs(read_all(*store, "c1")), range(1, 3));
  ASSERT_TRUE(store->append("c1", {entry(4)}).is_ok());
  EXPECT_EQ(seqs(read_all(*store, "c1")), range(1, 4));
}

TEST(Store, AppendGroupWritesEveryConveningAndRefusesOnlyTheBadOnes) {
  TempDir dir;
  auto store = open_ok(dir.db(), Durability::kFsync);
  ASSERT_TRUE(store->append("b", entries(1, 2)).is_ok());
  const std::vector<LogEntry> a1 = entries(1, 3), b3 = entries(3, 4), c_gap = entries(2, 2),
                              d_bad = {entry(1), entry(3)}, e1 = entries(1, 1), none;
  const std::vector<Status> statuses = store->append_group({{"a", &a1},
                                                            {"c", &c_gap},  // gap from head 0
                                                            {"b", &b3},
                                                            {"d", &d_bad},  // gap inside
                                                            {"bad id!", &e1},
                                                            {"e", &none},
                                                            {"a", &a1}});  // twice in a group
  ASSERT_EQ(statuses.size(), 7u);
  EXPECT_TRUE(statuses[0].is_ok()) << statuses[0].message();
  EXPECT_FALSE(statuses[1].is_ok());
  EXPECT_TRUE(statuses[2].is_ok()) << statuses[2].message();
  EXPECT_FALSE(statuses[3].is_ok());
  EXPECT_FALSE(statuses[4].is_ok());
  EXPECT_TRUE(statuses[5].is_ok());  // nothing to append
  EXPECT_FALSE(statuses[6].is_ok());
  EXPECT_NE(statuses[6].message().find("twice"), std::string::npos) << statuses[6].message();

  EXPECT_EQ(seqs(read_all(*store, "a")), range(1, 3));
  EXPECT_EQ(seqs(read_all(*store, "b")), range(1, 4));
  EXPECT_EQ(head(*store, "c"), 0u);
  EXPECT_EQ(head(*store, "d"), 0u);
  // The heads moved with the group: the next appends follow them.
  EXPECT_TRUE(store->append("a", entries(4, 4)).is_ok());
  EXPECT_TRUE(store->append("b", entries(5, 5)).is_ok());
}

TEST(Store, AFailedGroupWriteFailsEveryAppendInItAndWritesNothing) {
  TempDir dir;
  auto store = open_ok(dir.db(), Durability::kFsync);
  store->set_disk_reserve(uint64_t{1} << 62);  // more than any disk has
  const std::vector<LogEntry> one = entries(1, 2);
  const std::vector<Status> statuses = store->append_group({{"a", &one}, {"b", &one}});
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_FALSE(statuses[0].is_ok());
  EXPECT_FALSE(statuses[1].is_ok());
  store->set_disk_reserve(1 << 20);
  ASSERT_TRUE(store->recover().is_ok());
  EXPECT_EQ(head(*store, "a"), 0u);
  EXPECT_EQ(head(*store, "b"), 0u);
  EXPECT_TRUE(store->append_group({{"a", &one}, {"b", &one}})[1].is_ok());
  EXPECT_EQ(seqs(read_all(*store, "b")), range(1, 2));
}

TEST(Store, ReadLogStopsWhenVisitReturnsFalse) {
  TempDir dir;
  auto store = open_ok(dir.db());
  ASSERT_TRUE(store->append("c1", entries(1, 20)).is_ok());
  std::vector<uint64_t> seen;
  const Status s = store->read_log("c1", 0, kMaxSeq, [&](const LogEntry& e) {
    seen.push_back(e.seq);
    return seen.size() < 3;
  });
  EXPECT_TRUE(s.is_ok()) << s.message();
  EXPECT_EQ(seen, range(1, 3));
}

TEST(Store, LargeBatchInOneAppend) {
  TempDir dir;
  auto store = open_ok(dir.db(), Durability::kFsync);
  const std::vector<LogEntry> batch = entries(1, 10'000);
  ASSERT_TRUE(store->append("big", batch).is_ok());
  EXPECT_EQ(head(*store, "big"), 10'000u);
  const std::vector<LogEntry> log = read_all(*store, "big");
  ASSERT_EQ(log.size(), batch.size());
  for (std::size_t i = 0; i < log.size(); ++i) expect_same(log[i], batch[i]);
  EXPECT_EQ(seqs(read_all(*store, "big", 9'990, 9'995)), range(9'991, 9'995));
}

// ---- snapshots ---------------------------------------------------------------------

TEST(Store, SnapshotAtOrBefore) {
  TempDir dir;
  auto store = open_ok(dir.db());
  Status s = Status::error("unset");
  EXPECT_FALSE(store->snapshot_at_or_before("c1", kMaxSeq, &s).has_value());
  EXPECT_TRUE(s.is_ok()) << s.message();

  EXPECT_FALSE(store->put_snapshot("c1", {1, "too early"}).is_ok());  // past head 0
  ASSERT_TRUE(store->put_snapshot("c1", {0, "empty"}).is_ok());
  ASSERT_TRUE(store->append("c1", entries(1, 30)).is_ok());
  ASSERT_TRUE(store->put_snapshot("c1", {10, std::string("ten\0", 4)}).is_ok());
  ASSERT_TRUE(store->put_snapshot("c1", {20, "twenty"}).is_ok());
  EXPECT_FALSE(store->put_snapshot("c1", {31, "past head"}).is_ok());

  const auto at = [&](uint64_t seq) {
    Status status = Status::error("unset");
    std::optional<Snapshot> snapshot = store->snapshot_at_or_before("c1", seq, &status);
    EXPECT_TRUE(status.is_ok()) << status.message();
    return snapshot;
  };
  EXPECT_EQ(at(0)->bytes, "empty");
  EXPECT_EQ(at(9)->seq, 0u);
  EXPECT_EQ(at(10)->seq, 10u);
  EXPECT_EQ(at(10)->bytes, std::string("ten\0", 4));
  EXPECT_EQ(at(15)->seq, 10u);
  EXPECT_EQ(at(20)->seq, 20u);
  EXPECT_EQ(at(25)->bytes, "twenty");
  EXPECT_EQ(at(kMaxSeq)->seq, 20u);

  // Replacing a snapshot at the same seq.
  ASSERT_TRUE(store->put_snapshot("c1", {20, "twenty again"}).is_ok());
  EXPECT_EQ(at(kMaxSeq)->bytes, "twenty again");

  // Another convening sees none of them.
  EXPECT_FALSE(store->snapshot_at_or_before("c2", kMaxSeq, &s).has_value());
  EXPECT_TRUE(s.is_ok());
}

// ---- members -----------------------------------------------------------------------

TEST(Store, MembersRoundTrip) {
  TempDir dir;
  auto store = open_ok(dir.db());
  ASSERT_TRUE(store->put_member("c1", member("zed", 3)).is_ok());
  ASSERT_TRUE(store->put_member("c1", member("amy", 1)).is_ok());
  ASSERT_TRUE(store->put_member("c1", member("bob", 2)).is_ok());
  Member changed = member("bob", 2);
  changed.name = "Robert \xf0\x9f\x8c\xb3";
  changed.last_seen_ms = 9999;
  ASSERT_TRUE(store->put_member("c1", changed).is_ok());
  ASSERT_TRUE(store->put_member("c2", member("other", 2)).is_ok());

  Status s = Status::error("unset");
  const std::vector<Member> got = store->members("c1", &s);
  ASSERT_TRUE(s.is_ok()) << s.message();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].id, "amy");  // in id order
  EXPECT_EQ(got[0].role, 1);
  EXPECT_EQ(got[0].name, "Name of amy");
  EXPECT_EQ(got[0].colour, "#a0b0c0");
  EXPECT_EQ(got[0].first_seen_ms, 1000);
  EXPECT_EQ(got[0].last_seen_ms, 2000);
  EXPECT_EQ(got[1].id, "bob");
  EXPECT_EQ(got[1].name, changed.name);
  EXPECT_EQ(got[1].last_seen_ms, 9999);
  EXPECT_EQ(got[2].id, "zed");
  EXPECT_EQ(got[2].role, 3);

  EXPECT_TRUE(store->members("c3", &s).empty());
  EXPECT_TRUE(s.is_ok());
}

// ---- isolation of convenings whose ids are prefixes of each other --------------------

TEST(Store, ConveningsWhoseIdsArePrefixesNeverMix) {
  TempDir dir;
  auto store = open_ok(dir.db());
  // "abc-" sorts after "abc" too, and '-' (0x2d) and '0' (0x30) sit near the
  // '/' (0x2f) of member keys.
  const std::vector<std::string> ids = {"ab", "abc", "abcd", "abc-", "abc0", "abd"};
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const uint64_t n = 3 + i;
    std::vector<LogEntry> log;
    for (uint64_t seq = 1; seq <= n; ++seq) log.push_back(entry(seq, ids[i]));
    ASSERT_TRUE(store->append(ids[i], log).is_ok());
    ASSERT_TRUE(store->put_snapshot(ids[i], {i, ids[i]}).is_ok());
    ASSERT_TRUE(store->put_member(ids[i], member("m-" + ids[i], 2)).is_ok());
  }
  // A convening with no entries at all beside ones that have them.
  EXPECT_EQ(head(*store, "abcde"), 0u);
  EXPECT_TRUE(read_all(*store, "abcde").empty());
  Status s = Status::error("unset");
  EXPECT_FALSE(store->snapshot_at_or_before("abcde", kMaxSeq, &s).has_value());
  EXPECT_TRUE(s.is_ok()) << s.message();

  for (std::size_t i = 0; i < ids.size(); ++i) {
    SCOPED_TRACE(ids[i]);
    const uint64_t n = 3 + i;
    EXPECT_EQ(head(*store, ids[i]), n);
    const std::vector<LogEntry> log = read_all(*store, ids[i]);
    EXPECT_EQ(seqs(log), range(1, n));
    for (const LogEntry& e : log) EXPECT_EQ(e.author, ids[i]);

    const std::optional<Snapshot> snapshot = store->snapshot_at_or_before(ids[i], kMaxSeq, nullptr);
    ASSERT_TRUE(snapshot.has_value());
    EXPECT_EQ(snapshot->seq, i);
    EXPECT_EQ(snapshot->bytes, ids[i]);

    const std::vector<Member> members = store->members(ids[i], nullptr);
    ASSERT_EQ(members.size(), 1u);
    EXPECT_EQ(members[0].id, "m-" + ids[i]);
  }
  // A head_seq read from disk (not cached) must not see the longer id's keys.
  store.reset();
  store = open_ok(dir.db());
  for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(head(*store, ids[i]), 3 + i) << ids[i];
}

// ---- restart -----------------------------------------------------------------------

class StoreReopen : public ::testing::TestWithParam<Durability> {};

TEST_P(StoreReopen, EverythingIsThereAfterReopen) {
  TempDir dir;
  {
    auto store = open_ok(dir.db(), GetParam());
    ASSERT_TRUE(store
                    ->create_convening({"c1", "One", 11},
                                       {{"tok", {"c1", TokenKind::kParticipantInvite, false}}})
                    .is_ok());
    ASSERT_TRUE(store->put_member("c1", member("amy", 1)).is_ok());
    ASSERT_TRUE(store->append("c1", entries(1, 50)).is_ok());
    ASSERT_TRUE(store->put_snapshot("c1", {40, "forty"}).is_ok());
    ASSERT_TRUE(store->append("c1", entries(51, 100)).is_ok());
    ASSERT_TRUE(store->append("c2", entries(1, 7)).is_ok());
  }
  auto store = open_ok(dir.db(), GetParam());
  EXPECT_EQ(head(*store, "c1"), 100u);
  EXPECT_EQ(head(*store, "c2"), 7u);
  EXPECT_EQ(head(*store, "c3"), 0u);
  const std::vector<LogEntry> log = read_all(*store, "c1");
  ASSERT_EQ(seqs(log), range(1, 100));
  for (const LogEntry& e : log) expect_same(e, entry(e.seq));
  EXPECT_EQ(store->convening("c1", nullptr)->name, "One");
  EXPECT_EQ(store->token("tok", nullptr)->kind, TokenKind::kParticipantInvite);
  EXPECT_EQ(store->members("c1", nullptr).size(), 1u);
  EXPECT_EQ(store->snapshot_at_or_before("c1", kMaxSeq, nullptr)->bytes, "forty");

  // The head read back from disk is enforced.
  EXPECT_FALSE(store->append("c1", {entry(100)}).is_ok());
  EXPECT_FALSE(store->append("c1", {entry(102)}).is_ok());
  ASSERT_TRUE(store->append("c1", {entry(101)}).is_ok());
  EXPECT_EQ(head(*store, "c1"), 101u);
}

// kNone skips the WAL; a clean close still flushes the memtables.
INSTANTIATE_TEST_SUITE_P(Durability, StoreReopen,
                         ::testing::Values(Durability::kFsync, Durability::kOs, Durability::kNone),
                         [](const ::testing::TestParamInfo<Durability>& info) {
                           switch (info.param) {
                             case Durability::kFsync:
                               return "Fsync";
                             case Durability::kOs:
                               return "Os";
                             case Durability::kNone:
                               return "None";
                           }
                           return "Unknown";
                         });

// ---- concurrency -------------------------------------------------------------------

TEST(Store, ConcurrentAppendsToDifferentConvenings) {
  TempDir dir;
  auto store = open_ok(dir.db(), Durability::kFsync);
  constexpr int kThreads = 4;
  constexpr uint64_t kAppends = 150;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string id = "conv-" + std::to_string(t);
      uint64_t next = 1;
      for (uint64_t i = 0; i < kAppends; ++i) {
        const uint64_t count = 1 + (i + static_cast<uint64_t>(t)) % 3;
        if (!store->append(id, entries(next, next + count - 1)).is_ok()) ++failures;
        next += count;
        if (head(*store, id) != next - 1) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  for (int t = 0; t < kThreads; ++t) {
    const std::string id = "conv-" + std::to_string(t);
    const uint64_t expected = head(*store, id);
    EXPECT_GE(expected, kAppends);
    EXPECT_EQ(seqs(read_all(*store, id)), range(1, expected));
  }
}

// Writers racing on one convening: each append either extends the head by
// exactly its entries or is refused; the log never has a gap or a repeat.
TEST(Store, RacingAppendsToOneConveningKeepTheLogGapless) {
  TempDir dir;
  auto store = open_ok(dir.db());
  constexpr int kThreads = 4;
  std::atomic<uint64_t> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const uint64_t next = head(*store, "shared") + 1;
        if (store->append("shared", {entry(next, "t" + std::to_string(t))}).is_ok()) ++accepted;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_GE(accepted.load(), 200u);
  EXPECT_EQ(head(*store, "shared"), accepted.load());
  EXPECT_EQ(seqs(read_all(*store, "shared")), range(1, accepted.load()));
}

// ---- health ------------------------------------------------------------------------

TEST(Store, ProbeWriteStatsAndFlush) {
  for (Durability durability : {Durability::kFsync, Durability::kOs, Durability::kNone}) {
    TempDir dir;
    auto store = open_ok(dir.db(), durability);
    const Status probe = store->probe_write();
    EXPECT_TRUE(probe.is_ok()) << probe.message();
    ASSERT_TRUE(store->append("c1", entries(1, 100)).is_ok());
    const Status flushed = store->flush();
    EXPECT_TRUE(flushed.is_ok()) << flushed.message();

    const std::vector<std::pair<std::string, double>> stats = store->stats();
    const auto value = [&](const std::string& name) -> std::optional<double> {
      for (const auto& [n, v] : stats)
        if (n == name) return v;
      return std::nullopt;
    };
    for (const char* name :
         {"live_data_bytes", "sst_files_bytes", "memtable_bytes", "pending_compaction_bytes",
          "running_compactions", "background_errors", "block_cache_capacity_bytes"}) {
      EXPECT_TRUE(value(name).has_value()) << name;
    }
    EXPECT_GT(value("sst_files_bytes").value_or(0), 0);  // flushed to a table file
    EXPECT_EQ(value("background_errors").value_or(-1), 0);
    EXPECT_GT(value("block_cache_capacity_bytes").value_or(0), 0);
  }
}

// A reserve larger than the disk's free space: every write is refused before
// it reaches RocksDB, failing() says so, nothing is stored; with the reserve
// back within reach, recover() ends it and writes work again.
TEST(Store, DiskReserveRefusesWritesUntilRecovered) {
  TempDir dir;
  auto store = open_ok(dir.db(), Durability::kFsync);
  ASSERT_TRUE(store->append("c1", entries(1, 3)).is_ok());
  EXPECT_FALSE(store->failing());

  store->set_disk_reserve(uint64_t{1} << 62);  // more than any disk has
  const Status refused = store->append("c1", entries(4, 5));
  EXPECT_FALSE(refused.is_ok());
  EXPECT_NE(refused.message().find("reserve"), std::string::npos) << refused.message();
  EXPECT_TRUE(store->failing());
  EXPECT_FALSE(store->probe_write().is_ok());
  EXPECT_FALSE(store->recover().is_ok());
  EXPECT_EQ(store->head_seq("c1", nullptr), 3u);

  // Space "returns": the gate stays shut until recover() succeeds.
  store->set_disk_reserve(1 << 20);
  EXPECT_TRUE(store->failing());
  EXPECT_FALSE(store->append("c1", entries(4, 5)).is_ok()) << "writes wait for recover()";
  const Status recovered = store->recover();
  EXPECT_TRUE(recovered.is_ok()) << recovered.message();
  EXPECT_FALSE(store->failing());
  ASSERT_TRUE(store->append("c1", entries(4, 5)).is_ok());
  EXPECT_EQ(read_all(*store, "c1").size(), 5u);
}

TEST(Store, CheckpointIsAnOpenableCopy) {
  for (Durability durability : {Durability::kFsync, Durability::kNone}) {
    TempDir dir;
    const std::string copy = (dir.path() / "copy").string();
    auto store = open_ok(dir.db(), durability);
    ASSERT_TRUE(store->create_convening({"c1", "One", 1}, {}).is_ok());
    ASSERT_TRUE(store->append("c1", entries(1, 25)).is_ok());
    const Status s = store->checkpoint(copy);
    ASSERT_TRUE(s.is_ok()) << s.message();
    EXPECT_FALSE(store->checkpoint(copy).is_ok());  // exists already
    ASSERT_TRUE(store->append("c1", entries(26, 30)).is_ok());

    // The copy opens while the original is still open, and holds what was
    // written before the checkpoint.
    auto backup = open_ok(copy, durability);
    EXPECT_EQ(head(*backup, "c1"), 25u);
    EXPECT_EQ(seqs(read_all(*backup, "c1")), range(1, 25));
    EXPECT_EQ(backup->convening("c1", nullptr)->name, "One");
    EXPECT_EQ(head(*store, "c1"), 30u);
  }
}

// ---- faults ------------------------------------------------------------------------

TEST(StoreFaults, OpenOnARegularFileFails) {
  TempDir dir;
  const std::string file = (dir.path() / "not-a-directory").string();
  std::ofstream(file) << "hello";
  Status s;
  EXPECT_EQ(Store::open(file, Durability::kFsync, &s), nullptr);
  EXPECT_FALSE(s.is_ok());
  EXPECT_FALSE(s.message().empty());
  // And a path below it.
  s = Status::ok();
  EXPECT_EQ(Store::open(file + "/db", Durability::kFsync, &s), nullptr);
  EXPECT_FALSE(s.is_ok());
}

TEST(StoreFaults, OpenWithEmptyPathFails) {
  Status s;
  EXPECT_EQ(Store::open("", Durability::kFsync, &s), nullptr);
  EXPECT_FALSE(s.is_ok());
}

TEST(StoreFaults, OpenInAReadOnlyDirectoryFails) {
  if (::geteuid() == 0) {
    GTEST_SKIP() << "running as root, which file permissions do not restrict";
  }
  TempDir dir;
  fs::permissions(dir.path(), fs::perms::owner_read | fs::perms::owner_exec);
  Status s;
  EXPECT_EQ(Store::open(dir.db(), Durability::kFsync, &s), nullptr);
  EXPECT_FALSE(s.is_ok());
}

TEST(StoreFaults, SecondOpenOfALockedDatabaseFails) {
  TempDir dir;
  auto first = open_ok(dir.db());
  Status s;
  EXPECT_EQ(Store::open(dir.db(), Durability::kFsync, &s), nullptr);
  EXPECT_FALSE(s.is_ok());
  ASSERT_TRUE(first->append("c1", entries(1, 2)).is_ok());
}

// Writes records into the store's database directly, as a bug or a disk could
// leave them.
void write_raw(const std::string& db_dir, const std::string& family, const std::string& key,
               const std::string& value) {
  rocksdb::DBOptions options;
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const char* name : {"default", "log", "snap", "meta"})
    families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, db_dir, families, &handles, &db).ok());
  rocksdb::ColumnFamilyHandle* target = nullptr;
  for (rocksdb::ColumnFamilyHandle* handle : handles)
    if (handle->GetName() == family) target = handle;
  ASSERT_NE(target, nullptr);
  EXPECT_TRUE(db->Put(rocksdb::WriteOptions(), target, key, value).ok());
  for (rocksdb::ColumnFamilyHandle* handle : handles)
    EXPECT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
  EXPECT_TRUE(db->Close().ok());
  delete db;
}

std::string log_key(const std::string& convening, uint64_t seq) {
  std::string key = convening;
  key.push_back('\0');
  for (int shift = 56; shift >= 0; shift -= 8) key.push_back(static_cast<char>(seq >> shift));
  return key;
}

TEST(StoreFaults, CorruptRecordsAreErrorsNotCrashes) {
  TempDir dir;
  {
    auto store = open_ok(dir.db());
    ASSERT_TRUE(store->create_convening({"c1", "One", 1}, {}).is_ok());
    ASSERT_TRUE(store->append("c1", entries(1, 3)).is_ok());
    ASSERT_TRUE(store->put_member("c1", member("amy", 1)).is_ok());
  }
  // Not protobuf at all (a truncated length-delimited field).
  write_raw(dir.db(), "log", log_key("c1", 2), "\x0a\xff");
  write_raw(dir.db(), "meta", "c/c1", "\x12\x05");
  write_raw(dir.db(), "meta", "m/c1/bob", "\x0a\x10short");
  // Valid protobuf, invalid meaning: a token of no known kind.
  convene::v1::TokenRecord token;
  token.set_convening("c1");
  write_raw(dir.db(), "meta", "t/hash", token.SerializeAsString());
  // A key in the log family that is not convening 0x00 seq.
  write_raw(dir.db(), "log", std::string("c2\0\x01", 4), "");

  auto store = open_ok(dir.db());
  std::vector<uint64_t> seen;
  const Status read = store->read_log("c1", 0, kMaxSeq, [&](const LogEntry& e) {
    seen.push_back(e.seq);
    return true;
  });
  EXPECT_FALSE(read.is_ok());
  EXPECT_NE(read.message().find("c1/2"), std::string::npos) << read.message();
  EXPECT_EQ(seen, range(1, 1));  // the entry before the bad one was delivered
  EXPECT_EQ(head(*store, "c1"), 3u);
  EXPECT_EQ(seqs(read_all(*store, "c1", 2, 3)), range(3, 3));  // past the bad entry

  Status s;
  EXPECT_FALSE(store->convening("c1", &s).has_value());
  EXPECT_FALSE(s.is_ok());
  EXPECT_FALSE(store->token("hash", &s).has_value());
  EXPECT_FALSE(s.is_ok());
  EXPECT_TRUE(store->members("c1", &s).empty());
  EXPECT_FALSE(s.is_ok());
  EXPECT_EQ(store->head_seq("c2", &s), 0u);
  EXPECT_FALSE(s.is_ok());
  EXPECT_FALSE(store->append("c2", {entry(1)}).is_ok());
  EXPECT_FALSE(store->read_log("c2", 0, kMaxSeq, [](const LogEntry&) { return true; }).is_ok());
}

}  // namespace
}  // namespace convene::store
