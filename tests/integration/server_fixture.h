// The fixture every integration test starts from: one real convene-server
// process per test, its log printed when the test fails, and replicas that
// speak the protocol to it.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <iostream>
#include <memory>
#include <random>
#include <string>

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

  Endpoint endpoint() const { return {server_->host(), server_->port()}; }

  // A replica of `convening` that will present `token` (not connected yet).
  std::unique_ptr<Replica> replica(const std::string& convening, const std::string& token,
                                   const std::string& name) {
    ReplicaOptions o;
    o.token = token;
    o.name = name;
    return std::make_unique<Replica>(endpoint(), convening, next_replica_id(), o);
  }

  std::unique_ptr<ServerProcess> server_;
};

}  // namespace convene::itest
