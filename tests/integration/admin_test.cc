// Creating convenings: only for the operator when --admin-token is set, and
// rate-limited per client address (--create-per-minute) either way.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "server_fixture.h"

namespace convene::itest {
namespace {

class AdminTest : public ServerFixture {
 protected:
  static constexpr const char* kAdminToken = "operator-0123456789abcdef";

  HttpResponse create(const std::string& bearer) {
    std::vector<std::pair<std::string, std::string>> headers{{"Content-Type", "application/json"}};
    if (!bearer.empty()) headers.emplace_back("Authorization", "Bearer " + bearer);
    return http_request(endpoint(), "POST", "/api/convenings", R"({"name":"Basin"})", headers);
  }
};

TEST_F(AdminTest, OnlyTheOperatorCreatesAndEveryAddressIsRateLimited) {
  ServerOptions options;
  options.extra_args = {"--admin-token", kAdminToken, "--create-per-minute", "4"};
  start(options);

  const HttpResponse anonymous = create("");
  EXPECT_EQ(anonymous.status, 401) << anonymous.describe();
  EXPECT_EQ(anonymous.json()["error"]["code"], "unauthorized");
  const HttpResponse wrong = create(std::string(kAdminToken) + "x");
  EXPECT_EQ(wrong.status, 401) << wrong.describe();
  EXPECT_EQ(create(kAdminToken).status, 201);
  EXPECT_EQ(create(kAdminToken).status, 201);

  // Four attempts a minute from this address, refused ones included (so the
  // token cannot be guessed at speed): the fifth waits, and is told how long.
  const HttpResponse limited = create(kAdminToken);
  EXPECT_EQ(limited.status, 429) << limited.describe();
  EXPECT_EQ(limited.json()["error"]["code"], "rate_limited");
  const int retry_after = std::stoi(limited.header("retry-after"));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 15);
  // The token never reaches the server's log (the harness's first line is the
  // command it started, not the server's).
  std::istringstream log(server_->log_tail(1000));
  for (std::string line; std::getline(log, line);) {
    if (line.rfind("---- itest:", 0) == 0) continue;
    EXPECT_EQ(line.find(kAdminToken), std::string::npos) << line;
  }
}

// A server with an operator token shows its figures (connections, rooms,
// rates) to its operator only.
TEST_F(AdminTest, MetricsAreForTheOperatorWhenThereIsOne) {
  ServerOptions options;
  options.extra_args = {"--admin-token", kAdminToken};
  start(options);
  EXPECT_EQ(http_request(endpoint(), "GET", "/metrics").status, 401);
  EXPECT_EQ(http_request(endpoint(), "GET", "/metrics", "",
                         {{"Authorization", std::string("Bearer ") + kAdminToken + "x"}})
                .status,
            401);
  const HttpResponse r = http_request(endpoint(), "GET", "/metrics", "",
                                      {{"Authorization", std::string("Bearer ") + kAdminToken}});
  EXPECT_EQ(r.status, 200) << r.describe();
  EXPECT_NE(r.body.find("convene_connections"), std::string::npos);
}

TEST_F(AdminTest, WithoutAnAdminTokenAnyoneMayCreate) {
  start();
  const HttpResponse r = create("");
  EXPECT_EQ(r.status, 201) << r.describe();
}

}  // namespace
}  // namespace convene::itest
