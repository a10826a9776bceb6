// The HTTP side of docs/threat-model.md: what anyone who can reach the port
// (or holds any token) sends in requests. Each test is a case an outside
// attack on an earlier server found, or one of its class; each failed
// against that server.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "integration/server_fixture.h"

namespace convene::itest {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

class HttpTrustTest : public ServerFixture {
 protected:
  void start_with(std::vector<std::string> args) {
    ServerOptions options;
    options.extra_args = std::move(args);
    ASSERT_NO_FATAL_FAILURE(start(options));
  }

  // A TCP connection to the server, or null if it could not connect.
  std::unique_ptr<tcp::socket> open_socket() {
    auto socket = std::make_unique<tcp::socket>(ioc_);
    boost::system::error_code ec;
    socket->connect(tcp::endpoint(net::ip::make_address(server_->host()), server_->port()), ec);
    if (ec) return nullptr;
    return socket;
  }

  // Everything the server sends on one connection after `request`, until it
  // closes the connection (the last request should say Connection: close).
  std::string exchange(const std::string& request) {
    auto socket = open_socket();
    if (!socket) return {};
    net::write(*socket, net::buffer(request));
    std::string received;
    boost::system::error_code ec;
    net::read(*socket, net::dynamic_buffer(received), ec);
    return received;
  }

  // The server's CPU time (user + system) in seconds, from /proc.
  double server_cpu_seconds() const {
    std::ifstream stat("/proc/" + std::to_string(server_->pid()) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto fields = text.substr(text.rfind(')') + 2);
    std::istringstream in(fields);
    std::string skip;
    for (int i = 0; i < 11; ++i) in >> skip;  // fields 3 to 13
    double user = 0, system = 0;
    in >> user >> system;
    return (user + system) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }

  net::io_context ioc_;
};

// ---- HEAD and query parameters ------------------------------------------------------

// A HEAD answer with a body: on a kept-alive connection that body was read
// as the start of the next response.
TEST_F(HttpTrustTest, HeadAnswersCarryNoBodyOnAKeptAliveConnection) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "head");
  ASSERT_TRUE(conv);
  for (const std::string& target :
       {std::string("/nosuch.png"), "/api/convenings/" + conv->id + "/export",
        std::string("/api/nosuch")}) {
    const std::string received = exchange("HEAD " + target +
                                          " HTTP/1.1\r\nHost: x\r\n\r\n"
                                          "GET /healthz HTTP/1.1\r\nHost: x\r\n"
                                          "Connection: close\r\n\r\n");
    const size_t first_end = received.find("\r\n\r\n");
    ASSERT_NE(first_end, std::string::npos) << target << ": " << received;
    EXPECT_EQ(received.substr(first_end + 4, 12), "HTTP/1.1 200")
        << target << ": the HEAD answer had a body: " << received;
  }
}

// at=-1 wrapped to "no at" and exported the latest state; at=+1 was taken.
TEST_F(HttpTrustTest, ASequenceNumberIsDigitsOnly) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "at");
  ASSERT_TRUE(conv);
  auto a = join(conv->id, conv->participant, "a");
  ASSERT_TRUE(a->doc().create_map("m").ok());
  a->flush();
  ASSERT_TRUE(a->wait_acked());
  const auto status_at = [&](const std::string& at) {
    return http_request(endpoint(), "GET",
                        "/api/convenings/" + conv->id + "/export?format=json&at=" + at, "",
                        {{"Authorization", "Bearer " + conv->observer}})
        .status;
  };
  for (const std::string bad : {"-1", "+1", "1x", "%201", "", "0x1", "18446744073709551615",
                                "99999999999999999999999", "1.0"})
    EXPECT_EQ(status_at(bad), 400) << "at=" << bad;
  EXPECT_EQ(status_at("0"), 200);
  EXPECT_EQ(status_at("1"), 200);
  EXPECT_EQ(status_at("2"), 400) << "past the head";
}

// A page elsewhere may POST text/plain here without the browser asking first;
// never JSON.
TEST_F(HttpTrustTest, ARequestBodyMustSayItIsJson) {
  ASSERT_NO_FATAL_FAILURE(start());
  for (const char* type :
       {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"}) {
    const HttpResponse r = http_request(endpoint(), "POST", "/api/convenings",
                                        R"({"name": "cross-site"})", {{"Content-Type", type}});
    EXPECT_EQ(r.status, 415) << type << ": " << r.describe();
  }
  EXPECT_EQ(http_request(endpoint(), "POST", "/api/convenings", R"({"name": "ok"})",
                         {{"Content-Type", "application/json; charset=utf-8"}})
                .status,
            201);
}

// The client's own scripts and connections only, nothing framed elsewhere,
// and no image from another server (a Markdown preview would tell it who
// reads the draft).
TEST_F(HttpTrustTest, TheClientIsServedWithAContentSecurityPolicy) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("convene-csp-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "index.html") << "<!doctype html><title>Convene</title>";
  ServerOptions options;
  options.client_dir = dir.string();
  ASSERT_NO_FATAL_FAILURE(start(options));
  const HttpResponse r = http_request(endpoint(), "GET", "/");
  std::filesystem::remove_all(dir);
  ASSERT_EQ(r.status, 200) << r.describe();
  const std::string csp = r.header("content-security-policy");
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("img-src 'self' data: blob:"), std::string::npos) << csp;
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
  EXPECT_EQ(r.header("referrer-policy"), "no-referrer");
}

// ---- origins ---------------------------------------------------------------------------

// The default origin check compared Origin with the Host header, which a
// DNS-rebinding page sets to its own name.
TEST_F(HttpTrustTest, ADnsRebindingPageCannotOpenAWebSocket) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::string port = std::to_string(server_->port());
  EXPECT_EQ(
      upgrade_status({{"Host", "evil.example:" + port}, {"Origin", "http://evil.example:" + port}}),
      403);
  EXPECT_EQ(upgrade_status({{"Host", "127.0.0.1:" + port}, {"Origin", "http://127.0.0.1:" + port}}),
            101);
  EXPECT_EQ(upgrade_status({{"Host", "localhost:" + port}, {"Origin", "http://localhost:" + port}}),
            101);
  EXPECT_EQ(upgrade_status({{"Host", "[::1]:" + port}, {"Origin", "http://[::1]:" + port}}), 101);
  EXPECT_EQ(upgrade_status({{"Host", "127.0.0.1:" + port}, {"Origin", "http://127.0.0.2:" + port}}),
            403)
      << "an IP address that is not the page's own";
  ASSERT_TRUE(server_->stop());
  ServerOptions listed;
  listed.extra_args = {"--allowed-origins", "https://convene.example"};
  ASSERT_NO_FATAL_FAILURE(start(listed));
  EXPECT_EQ(upgrade_status({{"Host", "convene.example"}, {"Origin", "https://convene.example"}}),
            101)
      << "a domain name is trusted once listed";
}

// ---- connections ---------------------------------------------------------------------

// Plain HTTP connections had no per-address cap (only WebSocket upgrades).
TEST_F(HttpTrustTest, EveryTcpConnectionCountsAgainstItsAddress) {
  ASSERT_NO_FATAL_FAILURE(start_with({"--http-connections-per-ip", "10"}));
  std::vector<std::unique_ptr<tcp::socket>> held;
  for (int i = 0; i < 10; ++i) {
    held.push_back(open_socket());
    ASSERT_TRUE(held.back());
  }
  // The server takes the eleventh and closes it unanswered.
  auto over = open_socket();
  ASSERT_TRUE(over);
  net::write(*over, net::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")));
  std::string received;
  boost::system::error_code ec;
  net::read(*over, net::dynamic_buffer(received), ec);
  EXPECT_TRUE(received.empty()) << received;
  held.pop_back();
  bool served = false;
  for (int attempt = 0; attempt < 20 && !served; ++attempt) {
    served = http_request(endpoint(), "GET", "/healthz").status == 200;
    if (!served) std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_TRUE(served) << "a place came free";
}

// At the open-file limit the accept loop spun: 89 % of a core, millions of
// identical log lines, /healthz unanswered.
TEST_F(HttpTrustTest, OutOfFileDescriptorsTheListenerWaitsInsteadOfSpinning) {
  ServerOptions options;
  options.max_open_files = 64;
  options.extra_args = {"--http-connections-per-ip", "0"};
  ASSERT_NO_FATAL_FAILURE(start(options));
  // More connections than descriptors: the server's accept fails (EMFILE).
  std::vector<std::unique_ptr<tcp::socket>> held;
  for (int i = 0; i < 80; ++i) {
    auto socket = open_socket();
    if (socket) held.push_back(std::move(socket));
  }
  const double cpu_before = server_cpu_seconds();
  std::this_thread::sleep_for(seconds(2));
  const double cpu = server_cpu_seconds() - cpu_before;
  EXPECT_LT(cpu, 0.4) << "the server spent " << cpu << " s of CPU in 2 s doing nothing";
  held.clear();
  bool healthy = false;
  for (int attempt = 0; attempt < 30 && !healthy; ++attempt) {
    healthy = http_request(endpoint(), "GET", "/healthz").status == 200;
    if (!healthy) std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_TRUE(healthy) << "the server did not recover when descriptors came free";
  EXPECT_GT(metric("convene_accept_errors_total"), 0) << "descriptors never ran out";
  EXPECT_LT(std::filesystem::file_size(server_->log_path()), 64u << 10) << "the log was flooded";
}

// ---- exports ---------------------------------------------------------------------------

// Eight parallel exports of a large convening with an observer token held
// another convening's commits for over a second: they shared the storage
// threads. A commit now goes ahead of exports that started before it.
TEST_F(HttpTrustTest, ExportsNeverHoldUpAnotherConveningsCommits) {
  ServerOptions options;
  options.durability = "os";
  options.extra_args = {"--member-ops-per-minute", "0", "--member-mb-per-minute", "0",
                        "--ops-per-second",        "0"};
  ASSERT_NO_FATAL_FAILURE(start(options));
  const auto big = create_convening(endpoint(), "big");
  const auto other = create_convening(endpoint(), "other");
  ASSERT_TRUE(big && other);
  auto filler = join(big->id, big->participant, "filler");
  const crdt::OpId map = filler->doc().create_map("landscape").value;
  pb::ElementFields f = labelled("element");
  f.set_notes(std::string(300, 'n'));
  for (int i = 0; i < 20'000; ++i) {
    ASSERT_TRUE(filler->doc().create_element(map, f).ok());
    if (i % 2000 == 1999) {
      filler->flush();
      ASSERT_TRUE(filler->wait_acked(seconds(30)));
    }
  }
  filler->disconnect();
  auto writer = join(other->id, other->participant, "writer");

  std::atomic<int> finished{0};
  std::atomic<int64_t> first_done_us{0};
  const auto t0 = Clock::now();
  std::vector<std::thread> exporters;
  for (int i = 0; i < 8; ++i)
    exporters.emplace_back([&] {
      const HttpResponse r = export_convening(endpoint(), big->id, big->observer);
      const int64_t at =
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
      int64_t expected = 0;
      first_done_us.compare_exchange_strong(expected, at);
      EXPECT_EQ(r.status, 200) << r.describe();
      finished++;
    });
  std::this_thread::sleep_for(milliseconds(50));  // the exports are under way
  ASSERT_TRUE(writer->doc().create_map("while exporting").ok());
  writer->flush();
  ASSERT_TRUE(writer->wait_acked(seconds(30)));
  const int64_t acked_us =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
  const int done_when_acked = finished.load();
  for (auto& t : exporters) t.join();
  EXPECT_EQ(done_when_acked, 0) << "the commit waited for an export: acked at " << acked_us
                                << " us, first export done at " << first_done_us << " us";
}

// The request's timer (--handshake-timeout) went on running while the answer
// was made and written: an export that took longer, waiting for the storage
// threads or going to a slow reader, was cut off midway. A write now has its
// own deadline, sized to what it carries.
TEST_F(HttpTrustTest, AnExportOutlastingTheRequestTimeoutArrivesWhole) {
  ServerOptions options;
  options.durability = "os";
  options.extra_args = {"--handshake-timeout",    "1", "--member-ops-per-minute", "0",
                        "--member-mb-per-minute", "0", "--ops-per-second",        "0"};
  ASSERT_NO_FATAL_FAILURE(start(options));
  const auto conv = create_convening(endpoint(), "large");
  ASSERT_TRUE(conv);
  auto filler = join(conv->id, conv->participant, "filler");
  const crdt::OpId map = filler->doc().create_map("landscape").value;
  pb::ElementFields f = labelled("element");
  f.set_notes(std::string(4000, 'n'));
  for (int i = 0; i < 2'000; ++i) {  // an export of 8 MB: more than the sockets' buffers hold
    ASSERT_TRUE(filler->doc().create_element(map, f).ok());
    if (i % 100 == 99) {  // Submits well within the frame limit
      filler->flush();
      ASSERT_TRUE(filler->wait_acked(seconds(30)));
    }
  }
  filler->disconnect();

  auto socket = open_socket();
  ASSERT_TRUE(socket);
  net::write(*socket, net::buffer("GET /api/convenings/" + conv->id +
                                  "/export?format=json HTTP/1.1\r\nHost: " + server_->host() +
                                  "\r\nAuthorization: Bearer " + conv->observer +
                                  "\r\nConnection: close\r\n\r\n"));
  std::this_thread::sleep_for(milliseconds(2500));  // a reader slower than the timeout
  std::string received;
  boost::system::error_code ec;
  net::read(*socket, net::dynamic_buffer(received), ec);
  const size_t head_end = received.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos) << received.substr(0, 200);
  ASSERT_EQ(received.rfind("HTTP/1.1 200", 0), 0u) << received.substr(0, 200);
  const std::string body = received.substr(head_end + 4);
  const Json state = Json::parse(body, nullptr, false);
  ASSERT_FALSE(state.is_discarded()) << "the export was cut off after " << body.size() << " bytes";
  EXPECT_GT(body.size(), 8'000'000u);
}

// ---- named versions ----------------------------------------------------------------------

// A named version's author was whatever the request said, and anyone with
// the participant link could rename a version someone else had named (F22).
// Now a version is signed by the member whose replica secret the request
// carries, under that member's own name, and only they or a convener rename
// it.
TEST_F(HttpTrustTest, ANamedVersionIsSignedByItsMemberAndOnlyTheyOrAConvenerRenameIt) {
  ASSERT_NO_FATAL_FAILURE(start({}));
  const auto conv = create_convening(endpoint(), "versions");
  ASSERT_TRUE(conv);
  auto ana = join(conv->id, conv->participant, "Ana");
  auto mallory = join(conv->id, conv->participant, "Mallory");
  ASSERT_TRUE(ana && mallory);
  const crdt::OpId draft = ana->doc().create_draft("Call").value;
  ASSERT_TRUE(ana->doc().insert_text(draft, 0, "Dear all").is_ok());
  ana->flush();
  ASSERT_TRUE(ana->wait_acked());
  const std::string path = "/api/convenings/" + conv->id + "/versions";
  const auto post = [&](const std::string& token, const Json& body) {
    return http_request(endpoint(), "POST", path, body.dump(),
                        {{"Authorization", "Bearer " + token}});
  };
  const auto signed_by = [](const Replica& r, Json body) {
    body["member"] = r.member_id();
    body["secret"] = hex(replica_secret_for(r.id()));
    return body;
  };

  // A name in the body is no signature.
  HttpResponse r = post(conv->participant, {{"name", "claimed"}, {"seq", 1}, {"author", "Ana"}});
  ASSERT_EQ(r.status, 201) << r.describe();
  EXPECT_EQ(r.json()["author"], "") << r.describe();
  // Ana's member id with another secret, or without one, is refused.
  Json forged = signed_by(*mallory, {{"name", "forged"}, {"seq", 2}});
  forged["member"] = ana->member_id();
  r = post(conv->participant, forged);
  EXPECT_EQ(r.status, 403) << r.describe();
  EXPECT_EQ(r.json()["error"]["code"], "not_member") << r.describe();
  r = post(conv->participant, {{"name", "half"}, {"seq", 2}, {"member", ana->member_id()}});
  EXPECT_EQ(r.status, 400) << r.describe();

  // Ana signs; her record's name is the author.
  r = post(conv->participant, signed_by(*ana, {{"name", "first draft"}, {"seq", 2}}));
  ASSERT_EQ(r.status, 201) << r.describe();
  EXPECT_EQ(r.json()["author"], "Ana");
  EXPECT_EQ(r.json()["author_member"], ana->member_id());
  // Mallory cannot rename it, signed or not; Ana and a convener can.
  r = post(conv->participant, signed_by(*mallory, {{"name", "mine now"}, {"seq", 2}}));
  EXPECT_EQ(r.status, 409) << r.describe();
  EXPECT_EQ(r.json()["error"]["code"], "version_named") << r.describe();
  r = post(conv->participant, {{"name", "mine now"}, {"seq", 2}});
  EXPECT_EQ(r.status, 409) << r.describe();
  r = post(conv->participant, signed_by(*ana, {{"name", "first draft, sent"}, {"seq", 2}}));
  EXPECT_EQ(r.status, 201) << r.describe();
  r = post(conv->convener, {{"name", "sent to funders"}, {"seq", 2}});
  EXPECT_EQ(r.status, 201) << r.describe();
  // An unsigned name may be renamed by anyone who may name versions.
  r = post(conv->participant, signed_by(*mallory, {{"name", "opening"}, {"seq", 1}}));
  EXPECT_EQ(r.status, 201) << r.describe();

  r = http_request(endpoint(), "GET", path, {}, {{"Authorization", "Bearer " + conv->observer}});
  ASSERT_EQ(r.status, 200) << r.describe();
  const Json list = r.json()["versions"];
  ASSERT_EQ(list.size(), 2u) << r.describe();
  EXPECT_EQ(list[0]["name"], "opening");
  EXPECT_EQ(list[0]["author"], "Mallory");
  EXPECT_EQ(list[1]["name"], "sent to funders");
  EXPECT_EQ(list[1]["author"], "");
}

// An export a token may ask for often enough to script it, not to flood.
TEST_F(HttpTrustTest, ExportsAreRateLimitedPerToken) {
  ASSERT_NO_FATAL_FAILURE(start_with({"--exports-per-minute", "3"}));
  const auto conv = create_convening(endpoint(), "rate");
  ASSERT_TRUE(conv);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(export_convening(endpoint(), conv->id, conv->observer).status, 200);
  const HttpResponse limited = export_convening(endpoint(), conv->id, conv->observer);
  EXPECT_EQ(limited.status, 429) << limited.describe();
  EXPECT_FALSE(limited.header("retry-after").empty());
  EXPECT_EQ(export_convening(endpoint(), conv->id, conv->convener).status, 200)
      << "another token has its own allowance";
  // Made-up tokens each have a fresh allowance of their own, but the address
  // does not: four times a token's.
  int limited_by_address = 0;
  for (int i = 0; i < 12; ++i)
    limited_by_address +=
        export_convening(endpoint(), conv->id, "made-up-" + std::to_string(i)).status == 429;
  // 12 a minute from the address, 5 spent above: the last 5 of these are refused.
  EXPECT_GE(limited_by_address, 4) << "made-up tokens from one address were let through";
}

// ---- the access check and convener links -------------------------------------------

HttpResponse api(const Endpoint& at, const std::string& method, const std::string& path,
                 const std::string& token, const std::string& body = {}) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!token.empty()) headers.push_back({"Authorization", "Bearer " + token});
  if (!body.empty()) headers.push_back({"Content-Type", "application/json"});
  return http_request(at, method, path, body, headers);
}

TEST_F(HttpTrustTest, ALinkIsCheckedBeforeAnythingElse) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "Devon landscape");
  ASSERT_TRUE(conv);
  const std::string access = "/api/convenings/" + conv->id + "/access";
  HttpResponse r = api(endpoint(), "GET", access, conv->participant);
  ASSERT_EQ(r.status, 200) << r.describe();
  EXPECT_EQ(r.json()["role"], "participant");
  EXPECT_EQ(r.json()["name"], "Devon landscape");
  EXPECT_EQ(api(endpoint(), "GET", access, conv->observer).json()["role"], "observer");
  EXPECT_EQ(api(endpoint(), "GET", access, conv->convener).json()["role"], "convener");
  EXPECT_EQ(api(endpoint(), "GET", access, "").status, 401);
  r = api(endpoint(), "GET", access, "not-a-token-of-this-convening");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.json()["error"]["code"], "forbidden");
  EXPECT_EQ(
      api(endpoint(), "GET", "/api/convenings/NoSuchConvening/access", conv->participant).status,
      404);
  ASSERT_EQ(revoke_invite(endpoint(), conv->id, "participant", conv->convener).status, 200);
  r = api(endpoint(), "GET", access, conv->participant);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.json()["error"]["code"], "revoked") << r.describe();
}

TEST_F(HttpTrustTest, CoConvenersHaveNamedLinksEachRevocableButNeverTheLast) {
  ASSERT_NO_FATAL_FAILURE(start());
  const auto conv = create_convening(endpoint(), "shared");
  ASSERT_TRUE(conv);
  const std::string links = "/api/convenings/" + conv->id + "/conveners";
  HttpResponse r = api(endpoint(), "GET", links, conv->convener);
  ASSERT_EQ(r.status, 200) << r.describe();
  ASSERT_EQ(r.json()["conveners"].size(), 1u);
  const std::string first = r.json()["conveners"][0]["id"];
  EXPECT_EQ(r.json()["conveners"][0]["current"], true);

  EXPECT_EQ(api(endpoint(), "POST", links, conv->participant, R"({"name": "Sam"})").status, 403);
  EXPECT_EQ(api(endpoint(), "POST", links, conv->convener, R"({"name": ""})").status, 400);
  r = api(endpoint(), "POST", links, conv->convener, R"({"name": "Sam's laptop"})");
  ASSERT_EQ(r.status, 201) << r.describe();
  const std::string sam = r.json()["token"], sam_link = r.json()["id"];
  r = api(endpoint(), "GET", "/api/convenings/" + conv->id + "/access", sam);
  EXPECT_EQ(r.json()["role"], "convener");
  EXPECT_EQ(r.json()["link"]["name"], "Sam's laptop");
  // A co-convener is a convener: Sam may revoke an invite.
  EXPECT_EQ(revoke_invite(endpoint(), conv->id, "observer", sam).status, 200);

  // Revoking Sam's link closes Sam's live connection with ERROR_REVOKED.
  auto sam_live = join(conv->id, sam, "sam");
  r = api(endpoint(), "POST", links + "/" + sam_link + "/revoke", conv->convener);
  ASSERT_EQ(r.status, 200) << r.describe();
  std::vector<pb::ServerMessage> last;
  ASSERT_TRUE(sam_live->ws()->wait_closed(seconds(5), &last));
  EXPECT_EQ(sam_live->ws()->close_code(), std::optional<int>(1008));
  bool told = false;
  for (const auto& m : last)
    told = told || (m.has_error() && m.error().code() == pb::ERROR_REVOKED);
  EXPECT_TRUE(told) << "the revoked co-convener was not told why";
  auto sam_again = replica(conv->id, sam, "sam again");
  const JoinResult refused = sam_again->join();
  ASSERT_TRUE(refused.error) << refused.describe();
  EXPECT_EQ(refused.error->code(), pb::ERROR_REVOKED);

  // The last link in force stays: a convening never loses its way in.
  r = api(endpoint(), "POST", links + "/" + first + "/revoke", conv->convener);
  EXPECT_EQ(r.status, 409) << r.describe();
  EXPECT_EQ(r.json()["error"]["code"], "last_convener");
  EXPECT_EQ(api(endpoint(), "POST", links + "/nosuch/revoke", conv->convener).status, 404);
  // At most 50 links.
  for (int i = 0; i < 48; ++i)
    ASSERT_EQ(api(endpoint(), "POST", links, conv->convener,
                  R"({"name": "link )" + std::to_string(i) + R"("})")
                  .status,
              201);
  r = api(endpoint(), "POST", links, conv->convener, R"({"name": "one too many"})");
  EXPECT_EQ(r.status, 409) << r.describe();
  EXPECT_EQ(r.json()["error"]["code"], "too_many_links");
}

}  // namespace
}  // namespace convene::itest
