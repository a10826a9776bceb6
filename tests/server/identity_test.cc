// What a member says about itself, made safe (rooms/identity.h), who may
// claim a replica and what a member may send a minute (rooms/members.h).
#include "rooms/identity.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <string>

#include "crdt/utf8.h"
#include "rooms/members.h"
#include "rooms/tokens.h"

namespace convene::rooms {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(CleanName, KeepsOrdinaryNamesAsTheyAre) {
  EXPECT_EQ(clean_name("Ana Silva"), "Ana Silva");
  EXPECT_EQ(clean_name("Zoë 🌍 Ndlovu"), "Zoë 🌍 Ndlovu");
  EXPECT_EQ(clean_name("李小龍"), "李小龍");
}

TEST(CleanName, CutsOnACharacterBoundaryAtSixtyFourCodePoints) {
  // 99 letters and an "é": a cut at 100 bytes would split it.
  const std::string name = clean_name(std::string(63, 'a') + "\xC3\xA9\xC3\xA9");
  EXPECT_TRUE(crdt::utf8::valid(name));
  EXPECT_EQ(name, std::string(63, 'a') + "\xC3\xA9");
  const std::string emoji = clean_name(std::string(100, 'x') + "🌍");
  EXPECT_EQ(crdt::utf8::count_code_points(emoji), kMaxNameCodePoints);
  std::string four_byte;
  for (int i = 0; i < 70; ++i) four_byte += "🌍";
  EXPECT_EQ(crdt::utf8::count_code_points(clean_name(four_byte)), kMaxNameCodePoints);
  EXPECT_TRUE(crdt::utf8::valid(clean_name(four_byte)));
}

TEST(CleanName, ReplacesBytesThatAreNotUtf8) {
  EXPECT_EQ(clean_name("ab\xFF\xC3"), "ab\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(clean_name("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD") << "a surrogate";
}

TEST(CleanName, DropsWhatHidesOrReordersText) {
  EXPECT_EQ(clean_name("evil\xE2\x80\xAE"
                       "cod.exe"),
            "evilcod.exe")
      << "right-to-left override";
  EXPECT_EQ(clean_name("a\xE2\x80\x8B"
                       "b"),
            "ab")
      << "zero-width space";
  EXPECT_EQ(clean_name("a\x01\x7F"
                       "b\n"),
            "ab");
  EXPECT_EQ(clean_name("\xE2\x81\xA6"
                       "x"
                       "\xE2\x81\xA9"),
            "x")
      << "isolates";
}

TEST(CleanName, CollapsesWhiteSpaceAndNamesTheNameless) {
  EXPECT_EQ(clean_name("  Ana \t\n  Silva  "), "Ana Silva");
  EXPECT_EQ(clean_name(""), kDefaultName);
  EXPECT_EQ(clean_name(" \t\xE2\x80\x8B "), kDefaultName);
  EXPECT_EQ(clean_name(std::string(200, ' ') + "x"), "x");
}

TEST(CleanColour, AcceptsOnlySixHexDigits) {
  EXPECT_EQ(clean_colour("#2A7F62"), "#2a7f62");
  EXPECT_EQ(clean_colour("#2a7f62"), "#2a7f62");
  for (const char* bad : {"", "#2a7f6", "#2a7f622", "2a7f62a", "#2a7f6g", "red",
                          "#\xC3\xA9\xC3\xA9\xC3\xA9", "url(x)"})
    EXPECT_EQ(clean_colour(bad), kDefaultColour) << bad;
}

TEST(PresenceProblem, BoundsSizeSelectionNumbersAndFollowing) {
  convene::v1::PresenceState ok;
  ok.mutable_cursor()->set_x(10);
  ok.set_following("00000000000000ab");
  for (int i = 0; i < kMaxPresenceSelection; ++i) ok.add_selection()->set_counter(i + 1);
  EXPECT_EQ(presence_problem(ok), "");

  auto many = ok;
  many.add_selection()->set_counter(1);
  EXPECT_NE(presence_problem(many), "");

  convene::v1::PresenceState large;
  for (int i = 0; i < 200; ++i) {
    auto* id = large.add_selection();
    id->set_replica(~uint64_t{0});
    id->set_counter(~uint64_t{0});
  }
  EXPECT_GT(large.ByteSizeLong(), kMaxPresenceBytes);
  EXPECT_NE(presence_problem(large).find("bytes"), std::string::npos);

  for (double bad : {std::nan(""), double{INFINITY}, -double{INFINITY}}) {
    convene::v1::PresenceState p;
    p.mutable_viewport()->set_zoom(bad);
    EXPECT_NE(presence_problem(p), "") << bad;
    convene::v1::PresenceState area;
    area.mutable_viewport()->set_width(bad);
    EXPECT_NE(presence_problem(area), "") << "width " << bad;
  }
  for (const char* bad : {"alice", "00000000000000AB", "0000000000000000a"}) {
    convene::v1::PresenceState p;
    p.set_following(bad);
    EXPECT_NE(presence_problem(p), "") << bad;
  }
}

// ---- member records -------------------------------------------------------------

store::Member joining(const std::string& id, const std::string& secret, const std::string& name) {
  return {id, name, "#112233", 2, 100, 100, token_hash(secret)};
}

TEST(MemberId, IsSixteenLowerCaseHexDigits) {
  EXPECT_TRUE(is_member_id(member_id_of(0xabcdef0123456789ull)));
  EXPECT_TRUE(is_member_id("0000000000000001"));
  for (const char* bad : {"", "000000000000001", "00000000000000001", "000000000000000A",
                          "00000000000000g1", "0x00000000000001"})
    EXPECT_FALSE(is_member_id(bad)) << bad;
}

TEST(ReplicaSecretFromHex, DecodesLowerCaseHexOfSixteenToSixtyFourBytes) {
  EXPECT_EQ(replica_secret_from_hex(std::string(32, '0')), std::string(16, '\0'));
  EXPECT_EQ(replica_secret_from_hex("00ff7a" + std::string(26, '1')),
            std::string("\x00\xff\x7a", 3) + std::string(13, '\x11'));
  EXPECT_EQ(replica_secret_from_hex(std::string(128, 'f')), std::string(64, '\xff'));
  for (const std::string& bad : {std::string(30, '0'), std::string(130, '0'), std::string(33, '0'),
                                 std::string(32, 'F'), std::string(31, '0') + "g"})
    EXPECT_FALSE(replica_secret_from_hex(bad)) << bad;
}

TEST(MemberDirectory, TheFirstClaimBindsTheReplicaToItsSecret) {
  MemberDirectory d({}, 10, {});
  EXPECT_EQ(d.claim(joining("a", "secret-a", "Ana")), MemberDirectory::Claim::kClaimed);
  EXPECT_EQ(d.check(joining("a", "secret-a", "Ana")), MemberDirectory::Claim::kReturning);
  EXPECT_EQ(d.claim(joining("a", "other", "Mallory")), MemberDirectory::Claim::kWrongSecret);
  EXPECT_EQ(d.find("a")->name, "Ana") << "a refused claim changes nothing";
  store::Member renamed = joining("a", "secret-a", "Ana S.");
  renamed.last_seen_ms = 200;
  renamed.role = 3;
  EXPECT_EQ(d.claim(renamed), MemberDirectory::Claim::kReturning);
  EXPECT_EQ(d.find("a")->name, "Ana S.");
  EXPECT_EQ(d.find("a")->role, 3);
  EXPECT_EQ(d.find("a")->first_seen_ms, 100) << "first seen stays the first claim's";
  EXPECT_EQ(d.find("a")->last_seen_ms, 200);
}

TEST(MemberDirectory, ARecordFromBeforeSecretsIsBoundByItsNextClaim) {
  store::Member old{"a", "Ana", "#112233", 2, 1, 1, ""};
  MemberDirectory d({old}, 10, {});
  EXPECT_EQ(d.claim(joining("a", "first", "Ana")), MemberDirectory::Claim::kClaimed)
      << "stored first, like a new claim";
  EXPECT_EQ(d.check(joining("a", "second", "Ana")), MemberDirectory::Claim::kWrongSecret);
}

TEST(MemberDirectory, RecordsAreBoundedButKnownMembersReturn) {
  MemberDirectory d({}, 2, {});
  EXPECT_EQ(d.claim(joining("a", "s", "A")), MemberDirectory::Claim::kClaimed);
  EXPECT_EQ(d.claim(joining("b", "s", "B")), MemberDirectory::Claim::kClaimed);
  EXPECT_EQ(d.claim(joining("c", "s", "C")), MemberDirectory::Claim::kFull);
  EXPECT_EQ(d.find("c"), nullptr);
  EXPECT_EQ(d.claim(joining("a", "s", "A")), MemberDirectory::Claim::kReturning);
  d.forget("b");
  EXPECT_EQ(d.claim(joining("c", "s", "C")), MemberDirectory::Claim::kClaimed);
}

TEST(MemberDirectory, AFullDirectoryGivesUpTheEvictableRecordSeenLeastRecently) {
  std::vector<store::Member> old{{"a", "A", "#112233", 3, 1, 30, "s"},
                                 {"b", "B", "#112233", 3, 1, 10, "s"},
                                 {"c", "C", "#112233", 2, 1, 20, "s"}};
  // "c" made ops: never evictable.
  MemberDirectory d(old, 3, {}, [](const store::Member& m) { return m.id != "c"; });
  std::string evicted;
  EXPECT_EQ(d.check(joining("n", "s", "N")), MemberDirectory::Claim::kClaimed);
  EXPECT_EQ(d.claim(joining("n", "s", "N"), &evicted), MemberDirectory::Claim::kClaimed);
  EXPECT_EQ(evicted, "b") << "the least recently seen evictable record";
  EXPECT_EQ(d.size(), 3u);
  EXPECT_EQ(d.find("b"), nullptr);
  MemberDirectory none(old, 3, {}, [](const store::Member&) { return false; });
  EXPECT_EQ(none.claim(joining("n", "s", "N"), &evicted), MemberDirectory::Claim::kFull);
  EXPECT_EQ(none.size(), 3u);
}

TEST(MemberDirectory, AMembersQuotaRefillsOverAMinuteAndNamesTheWait) {
  MemberDirectory d({}, 10, {60, 6000});
  ASSERT_EQ(d.claim(joining("a", "s", "A")), MemberDirectory::Claim::kClaimed);
  const auto t0 = QuotaClock::now();
  for (int i = 0; i < 60; ++i) ASSERT_FALSE(d.spend("a", 1, 10, t0)) << i;
  const auto wait = d.spend("a", 1, 10, t0);
  ASSERT_TRUE(wait);
  EXPECT_GE(*wait, milliseconds(999));
  EXPECT_LE(*wait, milliseconds(1001));
  EXPECT_FALSE(d.spend("a", 1, 10, t0 + seconds(1))) << "one op a second refills";
  // Bytes run out on their own.
  ASSERT_EQ(d.claim(joining("b", "s", "B")), MemberDirectory::Claim::kClaimed);
  EXPECT_FALSE(d.spend("b", 1, 5990, t0));
  const auto bytes_wait = d.spend("b", 1, 100, t0);
  ASSERT_TRUE(bytes_wait);
  EXPECT_GE(*bytes_wait, milliseconds(900));
  // More than a minute's worth fits into a full bucket, and empties it.
  ASSERT_EQ(d.claim(joining("c", "s", "C")), MemberDirectory::Claim::kClaimed);
  EXPECT_FALSE(d.spend("c", 1, 50'000, t0));
  EXPECT_TRUE(d.spend("c", 1, 1, t0));
  // Not a member: nothing fits.
  EXPECT_TRUE(d.spend("nobody", 1, 1, t0));
}

TEST(MemberDirectory, NoQuotaMeansNoLimit) {
  MemberDirectory d({}, 0, {});
  for (int i = 0; i < 20'000; ++i)
    ASSERT_EQ(d.claim(joining("m" + std::to_string(i), "s", "M")),
              MemberDirectory::Claim::kClaimed);
  EXPECT_FALSE(d.spend("m1", 1e9, 1e12, QuotaClock::now()));
}

}  // namespace
}  // namespace convene::rooms
