// Everything a connection needs, owned by main() for the server's lifetime.
#pragma once

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
};

}  // namespace convene
