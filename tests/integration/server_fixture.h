// The fixture every integration test starts from: one real convene-server
// process per test, its log printed when the test fails, and replicas that
// speak the protocol to it.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/server_process.h"
#include "support/ws_client.h"

namespace convene::itest {

// Distinct replica ids across the whole test binary (below 2^53, so a
// JavaScript client could hold them too).
inline uint64_t next_replica_id() {
  static uint64_t next = [] {
    std::random_device rd;
    return ((uint64_t{rd()} << 16) & ((uint64_t{1} << 52) - 1)) | 1;
  }();
  return next++;
}

// An element's fields: a person with this label at (1, 2).
inline pb::ElementFields labelled(const std::string& label) {
  pb::ElementFields f;
  f.set_kind(pb::ELEMENT_KIND_PERSON);
  f.set_label(label);
  f.mutable_position()->set_x(1);
  f.mutable_position()->set_y(2);
  return f;
}

class ServerFixture : public ::testing::Test {
 protected:
  void start(ServerOptions options = {}) {
    server_ = std::make_unique<ServerProcess>(std::move(options));
    ASSERT_TRUE(server_->start()) << server_->error();
  }

  void TearDown() override {
    if (HasFailure() && server_)
      std::cerr << "---- convene-server log tail (" << server_->log_path() << "):\n"
                << server_->log_tail(60);
  }

  Endpoint endpoint() const { return {server_->host(), server_->port(), server_->tls_ca()}; }

  // A replica of `convening` that will present `token` (not connected yet).
  std::unique_ptr<Replica> replica(const std::string& convening, const std::string& token,
                                   const std::string& name) {
    ReplicaOptions o;
    o.token = token;
    o.name = name;
    return std::make_unique<Replica>(endpoint(), convening, next_replica_id(), o);
  }

  // replica() joined; a failed join is a test failure.
  std::unique_ptr<Replica> join(const std::string& convening, const std::string& token,
                                const std::string& name) {
    auto r = replica(convening, token, name);
    const JoinResult result = r->join();
    EXPECT_TRUE(result.ok()) << name << ": " << result.describe();
    return r;
  }

  // A sample of /metrics (counters and gauges without labels).
  double metric(const std::string& name) {
    const HttpResponse r = http_request(endpoint(), "GET", "/metrics");
    EXPECT_EQ(r.status, 200) << r.describe();
    std::istringstream in(r.body);
    std::string line;
    while (std::getline(in, line))
      if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
    ADD_FAILURE() << "no metric " << name;
    return -1;
  }

  // Polls a metric until `done` holds for it.
  bool metric_becomes(const std::string& name, const std::function<bool(double)>& done,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done(metric(name))) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  // The answer to a WebSocket upgrade request with these extra headers.
  HttpResponse upgrade(const std::vector<std::pair<std::string, std::string>>& extra = {}) {
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Upgrade", "websocket"},
        {"Connection", "Upgrade"},
        {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
        {"Sec-WebSocket-Version", "13"}};
    headers.insert(headers.end(), extra.begin(), extra.end());
    return http_request(endpoint(), "GET", "/ws", "", headers);
  }
  int upgrade_status(const std::vector<std::pair<std::string, std::string>>& extra) {
    return upgrade(extra).status;
  }

  // The server's resident memory in KiB (/proc/PID/status), 0 if unknown.
  long rss_kib() const {
    std::ifstream status("/proc/" + std::to_string(server_->pid()) + "/status");
    std::string line;
    while (std::getline(status, line))
      if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return 0;
  }

  std::unique_ptr<ServerProcess> server_;
};

}  // namespace convene::itest
