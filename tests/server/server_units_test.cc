// Unit tests of convene-server's pure parts: static file resolution, tokens,
// configuration parsing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "config.h"
#include "http/static_files.h"
#include "net/connection_limits.h"
#include "rooms/room.h"
#include "rooms/tokens.h"

namespace convene {
namespace {

namespace fs = std::filesystem;

class StaticFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("convene-static-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
             "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(root_ / "client" / "assets");
    write(root_ / "client" / "index.html", "<!doctype html>");
    write(root_ / "client" / "assets" / "app-1a2b.js", "console.log(1)");
    write(root_ / "client" / "logo.svg", "<svg/>");
    write(root_ / "secret.txt", "outside");
    fs::create_symlink(root_ / "secret.txt", root_ / "client" / "link.txt");
  }
  void TearDown() override { fs::remove_all(root_); }
  static void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }
  std::string client() const { return (root_ / "client").string(); }

  fs::path root_;
};

TEST_F(StaticFiles, ServesFilesWithTypesAndCaching) {
  auto index = server::resolve_static(client(), "/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(index->cache_control, "no-cache");
  auto js = server::resolve_static(client(), "/assets/app-1a2b.js?v=1");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(js->cache_control.find("immutable"), std::string::npos);
  auto svg = server::resolve_static(client(), "/logo.svg");
  ASSERT_TRUE(svg);
  EXPECT_EQ(svg->content_type, "image/svg+xml");
  // A client-side route gets the app; a missing asset does not.
  auto route = server::resolve_static(client(), "/c/abc123");
  ASSERT_TRUE(route);
  EXPECT_EQ(fs::path(route->path).filename(), "index.html");
  EXPECT_FALSE(server::resolve_static(client(), "/missing.js"));
}

TEST_F(StaticFiles, RefusesEverythingOutsideTheRoot) {
  for (const char* target : {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt",
                             "/assets%2f..%2f..%2fsecret.txt", "/..%5csecret.txt",
                             "/a\\..\\secret.txt", "/link.txt", "/%00", "relative", ""}) {
    EXPECT_FALSE(server::resolve_static(client(), target)) << target;
  }
  EXPECT_FALSE(server::resolve_static("", "/"));
}

TEST(Tokens, AreRandomUrlSafeAndHashed) {
  const std::string a = rooms::new_token(), b = rooms::new_token();
  EXPECT_EQ(a.size(), 43u);
  EXPECT_NE(a, b);
  for (char c : a) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
  EXPECT_EQ(rooms::new_id().size(), 16u);
  // SHA-256 of "abc".
  EXPECT_EQ(rooms::token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(rooms::constant_time_equal("same", "same"));
  EXPECT_FALSE(rooms::constant_time_equal("same", "sane"));
  EXPECT_FALSE(rooms::constant_time_equal("same", "samey"));
}

std::optional<Config> parse(std::vector<std::string> args, int* code) {
  std::vector<char*> argv{const_cast<char*>("convene-server")};
  for (auto& a : args) argv.push_back(a.data());
  return parse_config(static_cast<int>(argv.size()), argv.data(), code);
}

TEST(Config, ParsesFlagsAndConfigFiles) {
  int code = -1;
  auto c = parse({"--listen", "127.0.0.1:9090", "--durability", "os", "--snapshot-every", "50",
                  "--allowed-origins", "https://a.example, https://b.example", "--open",
                  "--delivery-interval-ms", "20", "--presence-interval-ms", "200"},
                 &code);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->listen_port, 9090);
  EXPECT_EQ(c->durability, store::Durability::kOs);
  EXPECT_EQ(c->snapshot_every, 50u);
  EXPECT_EQ(c->allowed_origins,
            (std::vector<std::string>{"https://a.example", "https://b.example"}));
  EXPECT_TRUE(c->open);
  EXPECT_EQ(c->delivery_interval_ms, 20u);
  EXPECT_EQ(c->presence_interval_ms, 200u);
  EXPECT_GE(c->threads, 1u);

  const auto file = fs::temp_directory_path() / "convene-config-test.conf";
  std::ofstream(file) << "listen = 0.0.0.0:7000\ndata = /var/lib/convene\nlog-level = debug\n";
  c = parse({"--config", file.string(), "--log-level", "warn"}, &code);
  fs::remove(file);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->listen_host, "0.0.0.0");
  EXPECT_EQ(c->listen_port, 7000);
  EXPECT_EQ(c->data_dir, "/var/lib/convene");
  EXPECT_EQ(c->log_level, "warn");  // the command line wins
}

TEST(DeliveryInterval, StretchesInLargeRoomsOnly) {
  using std::chrono::microseconds;
  using std::chrono::milliseconds;
  EXPECT_EQ(rooms::delivery_interval_for(0, milliseconds(5)), microseconds(5'000));
  EXPECT_EQ(rooms::delivery_interval_for(20, milliseconds(5)), microseconds(5'000));
  EXPECT_EQ(rooms::delivery_interval_for(80, milliseconds(5)), microseconds(5'000));
  EXPECT_EQ(rooms::delivery_interval_for(300, milliseconds(5)), microseconds(18'750));
  EXPECT_EQ(rooms::delivery_interval_for(300, milliseconds(0)), microseconds(18'750));
  EXPECT_EQ(rooms::delivery_interval_for(300, milliseconds(40)), microseconds(40'000));
  EXPECT_EQ(rooms::delivery_interval_for(10'000, milliseconds(5)), microseconds(100'000));
  EXPECT_EQ(rooms::delivery_interval_for(10'000, milliseconds(400)), microseconds(400'000));
}

TEST(Config, ReadsTheQuotasAndTheirDefaults) {
  int code = -1;
  auto c = parse({}, &code);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->max_convenings, 10'000u);
  EXPECT_EQ(c->max_live_members, 1'000u);
  EXPECT_EQ(c->max_member_records, 10'000u);
  EXPECT_EQ(c->max_convening_ops, 1'000'000u);
  EXPECT_EQ(c->max_convening_mb, 128u);
  EXPECT_EQ(c->member_ops_per_minute, 20'000);
  EXPECT_EQ(c->member_mb_per_minute, 8);
  EXPECT_EQ(c->exports_per_minute, 30);
  EXPECT_EQ(c->http_connections_per_ip, 1'000u);
  c = parse({"--max-convenings", "0", "--member-mb-per-minute", "0.5", "--exports-per-minute", "0",
             "--http-connections-per-ip", "7"},
            &code);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->max_convenings, 0u);
  EXPECT_EQ(c->member_mb_per_minute, 0.5);
  EXPECT_EQ(c->exports_per_minute, 0);
  EXPECT_EQ(c->http_connections_per_ip, 7u);
}

TEST(PresenceInterval, StretchesBeyondFiftyMembersToASecond) {
  using std::chrono::milliseconds;
  EXPECT_EQ(rooms::presence_interval_for(10, milliseconds(50)), milliseconds(50));
  EXPECT_EQ(rooms::presence_interval_for(50, milliseconds(50)), milliseconds(50));
  EXPECT_EQ(rooms::presence_interval_for(200, milliseconds(50)), milliseconds(200));
  EXPECT_EQ(rooms::presence_interval_for(5'000, milliseconds(50)), milliseconds(1'000));
  EXPECT_EQ(rooms::presence_interval_for(5'000, milliseconds(2'000)), milliseconds(2'000));
}

TEST(AddressKey, AnIpv6HostIsLimitedByItsSlash64) {
  const auto key = [](const char* text) {
    return server::address_key(boost::asio::ip::make_address(text));
  };
  EXPECT_EQ(key("203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:bbbb:cccc:dddd:eeee"));
  EXPECT_NE(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
  EXPECT_EQ(key("2001:db8:1:2::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(key("::ffff:203.0.113.7"), "203.0.113.7") << "an IPv4 client on a dual-stack socket";
}

TEST(Config, RefusesBadValues) {
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"--listen", "8080"},
                                             {"--listen", "host:99999"},
                                             {"--durability", "maybe"},
                                             {"--snapshot-every", "0"},
                                             {"--delivery-interval-ms", "1001"},
                                             {"--presence-interval-ms", "5"},
                                             {"--presence-interval-ms", "5001"},
                                             {"--log-level", "loud"},
                                             {"--no-such-flag"},
                                             {"--config", "/nonexistent/convene.conf"},
                                             {"--open", "--listen", "0.0.0.0:8080"},
                                             {"--open", "--listen", "192.168.1.5:8080"},
                                             {"--member-ops-per-minute", "-1"},
                                             {"--max-convening-mb", "2000000000"}}) {
    int code = -1;
    EXPECT_FALSE(parse(args, &code)) << args[0];
    EXPECT_EQ(code, 2) << args[0];
  }
  int code = -1;
  testing::internal::CaptureStdout();
  EXPECT_FALSE(parse({"--help"}, &code));
  const std::string help = testing::internal::GetCapturedStdout();
  EXPECT_EQ(code, 0);
  EXPECT_NE(help.find("--durability"), std::string::npos);
}

}  // namespace
}  // namespace convene

namespace convene {
namespace {

// Frames assembled from once-serialised ops must decode exactly like the
// message built the ordinary way.
TEST(OpsFrame, AssembledFrameEqualsTheMessage) {
  std::vector<rooms::pb::SequencedOp> ops(3);
  for (int i = 0; i < 3; ++i) {
    ops[i].set_seq(40 + i);
    ops[i].set_author("member-" + std::to_string(i));
    ops[i].set_server_time_ms(1700000000000 + i);
    ops[i].mutable_op()->set_replica(7);
    ops[i].mutable_op()->set_counter(10 + i);
    ops[i].mutable_op()->set_lamport(10 + i);
    ops[i].mutable_op()->mutable_create_map()->set_name(std::string(200 * i, 'x'));
  }
  std::vector<std::string> elements;
  for (const auto& op : ops) elements.push_back(rooms::ops_element(op));
  const auto frame = rooms::ops_frame({&elements[0], &elements[2]});

  rooms::pb::ServerMessage expected;
  *expected.mutable_ops()->add_ops() = ops[0];
  *expected.mutable_ops()->add_ops() = ops[2];
  rooms::pb::ServerMessage decoded;
  ASSERT_TRUE(decoded.ParseFromString(*frame));
  EXPECT_EQ(decoded.SerializeAsString(), expected.SerializeAsString());
  EXPECT_EQ(*frame, expected.SerializeAsString());

  rooms::pb::ServerMessage empty;
  ASSERT_TRUE(empty.ParseFromString(*rooms::ops_frame({})));
  EXPECT_TRUE(empty.has_ops());
  EXPECT_EQ(empty.ops().ops_size(), 0);
}

}  // namespace
}  // namespace convene
