// Integration tests of what the server promises beyond the protocol's happy
// paths: secrets stay out of logs and disk, browser origins are checked, ops
// that arrive together commit together, empty rooms unload, a client that
// stops reading is dropped without slowing anyone, and bad HTTP input gets a
// JSON error. A real convene-server process; real WebSocket clients.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "server_fixture.h"
#include "support/server_process.h"
#include "support/ws_client.h"

namespace convene::itest {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class LimitsTest : public ServerFixture {};

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST_F(LimitsTest, TokensAndContentNeverReachTheLogAndTokensNeverReachTheDisk) {
  ServerOptions options;
  options.log_level = "trace";  // the chattiest the server can be
  ASSERT_NO_FATAL_FAILURE(start(options));
  const auto conv = create_convening(endpoint(), "secrets");
  ASSERT_TRUE(conv);
  const std::string body_text = "a label only the document may hold 7f3a";
  auto a = join(conv->id, conv->convener, "ana");
  auto b = join(conv->id, conv->participant, "ben");
  auto c = join(conv->id, conv->observer, "chen");
  const crdt::OpId map = a->doc().create_map("m").value;
  ASSERT_TRUE(a->doc().create_element(map, labelled(body_text)).ok());
  a->flush();
  ASSERT_TRUE(a->wait_acked());
  ASSERT_EQ(export_convening(endpoint(), conv->id, conv->convener).status, 200);
  const HttpResponse revoked = revoke_invite(endpoint(), conv->id, "observer", conv->convener);
  ASSERT_EQ(revoked.status, 200) << revoked.describe();
  const std::string new_invite = revoked.json()["invites"]["observer"].get<std::string>();
  ASSERT_TRUE(server_->stop()) << server_->error();

  const std::string log = read_all(server_->log_path());
  ASSERT_FALSE(log.empty());
  for (const std::string& token : {conv->convener, conv->participant, conv->observer, new_invite}) {
    EXPECT_EQ(log.find(token), std::string::npos) << "a token is in the log";
    for (const auto& file : std::filesystem::recursive_directory_iterator(server_->data_dir())) {
      if (!file.is_regular_file()) continue;
      EXPECT_EQ(read_all(file.path()).find(token), std::string::npos)
          << "a token is stored in the clear in " << file.path();
    }
  }
  EXPECT_EQ(log.find(body_text), std::string::npos) << "document content is in the log";
}

TEST_F(LimitsTest, BrowserOriginsAreChecked) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::string own = "http://" + server_->address();
  EXPECT_EQ(upgrade_status({}), 101) << "clients without Origin are not browsers";
  EXPECT_EQ(upgrade_status({{"Origin", own}}), 101) << "the server's own page";
  EXPECT_EQ(upgrade_status({{"Origin", "https://elsewhere.example"}}), 403);
  ASSERT_TRUE(server_->stop());

  ServerOptions listed;
  listed.extra_args = {"--allowed-origins", "https://convene.example, https://b.example"};
  ASSERT_NO_FATAL_FAILURE(start(listed));
  EXPECT_EQ(upgrade_status({{"Origin", "https://convene.example"}}), 101);
  EXPECT_EQ(upgrade_status({{"Origin", "https://b.example"}}), 101);
  EXPECT_EQ(upgrade_status({{"Origin", "https://elsewhere.example"}}), 403);
  EXPECT_EQ(upgrade_status({{"Origin", "http://" + server_->address()}}), 403)
      << "with a list, only the list counts";
}

TEST_F(LimitsTest, OpsThatArriveTogetherCommitInOneWriteBatch) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "group commit");
  ASSERT_TRUE(conv);
  auto a = join(conv->id, conv->participant, "ana");
  const double commits = metric("convene_commits_total");
  const double committed = metric("convene_ops_committed_total");
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(a->doc().create_map("map " + std::to_string(i)).ok());
  ASSERT_EQ(a->flush().size(), 50u);  // one Submit
  ASSERT_TRUE(a->wait_acked());
  EXPECT_EQ(metric("convene_ops_committed_total") - committed, 50);
  EXPECT_EQ(metric("convene_commits_total") - commits, 1) << "50 ops, one write batch";
  const HttpResponse exported = export_convening(endpoint(), conv->id, conv->participant);
  EXPECT_EQ(exported.json()["head_seq"], 50);
}

TEST_F(LimitsTest, AnEmptyRoomIsUnloadedAndReloadsIntact) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "unload");
  ASSERT_TRUE(conv);
  EXPECT_EQ(metric("convene_rooms_loaded"), 0);
  auto a = join(conv->id, conv->participant, "ana");
  const crdt::OpId map = a->doc().create_map("kept").value;
  ASSERT_TRUE(a->doc().create_element(map, labelled("still here")).ok());
  a->flush();
  ASSERT_TRUE(a->wait_acked());
  EXPECT_EQ(metric("convene_rooms_loaded"), 1);
  a->disconnect();
  EXPECT_TRUE(metric_becomes("convene_rooms_loaded", [](double v) { return v == 0; }))
      << "the room stayed loaded after its last member left";

  auto b = join(conv->id, conv->participant, "ben");  // loads it again
  EXPECT_EQ(document_part(b->doc().to_json()), document_part(a->doc().to_json()));
  EXPECT_EQ(metric("convene_rooms_loaded"), 1);
}

// A member that reads late (its writes back up, under its queue limit) gets
// the Ops frames queued behind the write in flight merged into fewer
// writes: every op, once, in seq order.
TEST_F(LimitsTest, OpsQueuedForALateReaderAreMergedInOrder) {
  // Megabytes in seconds from one writer: over a member's quota a minute.
  ServerOptions options;
  options.extra_args = {"--member-mb-per-minute", "0"};
  ASSERT_NO_FATAL_FAILURE(start(options));
  const auto conv = create_convening(endpoint(), "late reader");
  ASSERT_TRUE(conv);
  auto writer = join(conv->id, conv->participant, "writer");
  auto reader = join(conv->id, conv->participant, "reader");
  const crdt::OpId draft = writer->doc().create_draft("long").value;
  writer->flush();
  ASSERT_TRUE(writer->wait_acked());
  const double merged_before = metric("convene_frames_merged_total");

  // ~12 MB in 48 commits while the reader does not read: far beyond what
  // the kernel buffers, well under the 32 MiB queue limit.
  const std::string chunk(250'000, 'y');
  for (int i = 0; i < 48; ++i) {
    ASSERT_TRUE(writer->doc().insert_text(draft, 0, chunk).is_ok());
    writer->flush();
    ASSERT_TRUE(writer->wait_acked(seconds(10))) << "commit " << i;
  }
  ASSERT_TRUE(reader->wait_seen(writer->seen_seq(), seconds(20)));
  EXPECT_EQ(reader->doc().text_length(draft), 48u * chunk.size());
  EXPECT_TRUE(reader->order_violations().empty());
  EXPECT_EQ(reader->duplicates_received(), 0u);
  EXPECT_GT(metric("convene_frames_merged_total"), merged_before);
  EXPECT_TRUE(reader->connected());
}

TEST_F(LimitsTest, AClientThatStopsReadingIsDroppedWithoutSlowingTheRoom) {
  // Megabytes in seconds from one writer: over a member's quota a minute.
  ServerOptions options;
  options.extra_args = {"--member-mb-per-minute", "0"};
  ASSERT_NO_FATAL_FAILURE(start(options));
  const auto conv = create_convening(endpoint(), "slow reader");
  ASSERT_TRUE(conv);
  auto writer = join(conv->id, conv->participant, "writer");
  auto reader = join(conv->id, conv->participant, "reader");
  auto sleeper = join(conv->id, conv->observer, "sleeper");  // never reads again
  const crdt::OpId draft = writer->doc().create_draft("long").value;
  writer->flush();
  ASSERT_TRUE(writer->wait_acked());

  // ~54 MB of text in 60 commits: far beyond the sleeper's 32 MiB queue plus
  // what the kernel buffers for it.
  const std::string chunk(900'000, 'x');
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(writer->doc().insert_text(draft, 0, chunk).is_ok());
    writer->flush();
    ASSERT_TRUE(writer->wait_acked(seconds(10))) << "the writer was slowed at commit " << i;
    ASSERT_TRUE(reader->wait_seen(writer->seen_seq(), seconds(10)))
        << "a reading member was slowed at commit " << i;
  }
  EXPECT_TRUE(metric_becomes("convene_slow_client_disconnects_total", [](double v) {
    return v == 1;
  })) << "exactly the client that stopped reading is dropped";
  EXPECT_EQ(reader->doc().text_length(draft), 60u * chunk.size());
  EXPECT_TRUE(reader->connected());
  EXPECT_TRUE(sleeper->ws()->wait_closed(seconds(20))) << "the sleeper was never dropped";
}

TEST_F(LimitsTest, BadHttpInputGetsAJsonErrorAndChangesNothing) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "http");
  ASSERT_TRUE(conv);
  const auto error_of = [](const HttpResponse& r) {
    const auto j = r.json();
    return j.is_object() && j.contains("error") ? j["error"]["code"].get<std::string>() : "";
  };
  HttpResponse r = http_request(endpoint(), "POST", "/api/convenings", "not json");
  EXPECT_EQ(r.status, 400) << r.describe();
  EXPECT_EQ(error_of(r), "bad_request");
  r = http_request(endpoint(), "POST", "/api/convenings", R"({"name": ""})");
  EXPECT_EQ(r.status, 400) << r.describe();
  r = http_request(endpoint(), "POST", "/api/convenings",
                   R"({"name": ")" + std::string(300, 'n') + R"("})");
  EXPECT_EQ(r.status, 400) << r.describe();
  r = http_request(endpoint(), "POST", "/api/convenings", std::string(2 << 20, ' '));
  EXPECT_EQ(r.status, 413) << r.describe();
  EXPECT_EQ(error_of(r), "too_large");
  r = http_request(endpoint(), "GET", "/api/convenings/" + conv->id + "/export?at=soon", "",
                   {{"Authorization", "Bearer " + conv->convener}});
  EXPECT_EQ(r.status, 400) << r.describe();
  r = http_request(endpoint(), "GET", "/api/convenings/" + conv->id + "/export?format=xml", "",
                   {{"Authorization", "Bearer " + conv->convener}});
  EXPECT_EQ(r.status, 400) << r.describe();
  r = http_request(endpoint(), "POST", "/api/convenings/" + conv->id + "/invites/observer/revoke",
                   "", {{"Authorization", "Bearer " + conv->participant}});
  EXPECT_EQ(r.status, 403) << "only the convener revokes: " << r.describe();
  r = http_request(endpoint(), "GET", "/api/nothing-here");
  EXPECT_EQ(r.status, 404) << r.describe();
  EXPECT_EQ(error_of(r), "not_found");
  r = http_request(endpoint(), "DELETE", "/healthz");
  EXPECT_EQ(r.status, 405) << r.describe();

  // None of that touched the convening or its invites.
  const HttpResponse exported = export_convening(endpoint(), conv->id, conv->observer);
  EXPECT_EQ(exported.status, 200) << "the observer invite still works: " << exported.describe();
  EXPECT_EQ(exported.json()["head_seq"], 0);
}

// Every connection is a file: the server raises its soft open-file limit to
// the hard limit, whatever soft limit it was started with.
TEST_F(LimitsTest, ServerRaisesItsOpenFileLimitToTheHardLimit) {
  rlimit mine{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &mine), 0);
  if (mine.rlim_max <= 256) GTEST_SKIP() << "the hard limit is too low to tell";
  rlimit lowered = mine;
  lowered.rlim_cur = 256;  // the server inherits this
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  start();
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &mine), 0);
  std::ifstream limits("/proc/" + std::to_string(server_->pid()) + "/limits");
  std::string line;
  while (std::getline(limits, line))
    if (line.rfind("Max open files", 0) == 0) break;
  std::istringstream fields(line.substr(std::string("Max open files").size()));
  std::string soft, hard;
  fields >> soft >> hard;
  EXPECT_EQ(soft, hard) << line;
  EXPECT_NE(soft, "256") << line;
}

}  // namespace
}  // namespace convene::itest
