// Everything a connection needs, owned by main() for the server's lifetime.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "config.h"
#include "http/rate_limit.h"
#include "net/beast.h"
#include "net/connection_limits.h"
#include "net/session_registry.h"
#include "rooms/room_manager.h"
#include "store/store.h"

namespace boost::asio::ssl {
class context;
}

namespace convene {

// Reads that take long (exports: a whole convening replayed and written as
// JSON) run on a pool of their own, at a lower CPU priority, so that they
// never hold up a commit or a token check on the storage pool; each token
// may ask for a few a minute, and only so many may wait (docs/security.md).
struct HeavyReads {
  net::thread_pool& pool;
  server::KeyedRateLimiter per_token;  // keyed by the token presented, or address without one
  // Keyed by address, at kAddressShare times the token's rate: a token is
  // counted before it is checked, so made-up ones would each have a fresh
  // allowance.
  server::KeyedRateLimiter per_address;
  size_t max_waiting;  // queued or running; beyond: 503
  std::atomic<size_t> waiting{0};
  static constexpr double kAddressShare = 4;
};

struct ServerContext {
  const Config& config;
  net::io_context& io;
  net::thread_pool& storage_pool;  // every store call runs here
  store::Store& store;
  rooms::RoomManager& rooms;
  server::SessionRegistry& sessions;
  // Convenings created per client address (--create-per-minute); none: unlimited.
  server::KeyedRateLimiter* create_limiter = nullptr;
  // WebSocket connections per client address; none: unlimited.
  server::ConnectionLimits* connection_limits = nullptr;
  // --tls-cert/--tls-key: every connection speaks TLS; none: plain.
  boost::asio::ssl::context* tls = nullptr;
  // Exports and other long reads; none: on the storage pool, unlimited.
  HeavyReads* heavy_reads = nullptr;
  // How many convenings exist, counted at start (--max-convenings); none: no limit.
  std::atomic<uint64_t>* convenings = nullptr;
  // Every TCP connection, per client address and in all; none: unlimited.
  server::ConnectionLimits* tcp_limits = nullptr;
};

}  // namespace convene
