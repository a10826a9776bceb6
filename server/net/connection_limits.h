// Per client address: how many connections may be open at once, and how many
// may be attempted a minute; and how many may be open in all
// (docs/security.md). One instance checks WebSocket upgrades, before the
// upgrade, so a refused client costs an HTTP answer and nothing more; another
// every TCP connection, as it is accepted.
//
// Behind a reverse proxy every client has the proxy's address: set both
// limits there, or turn them off here (0).
//
// Thread-safe.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

#include "http/rate_limit.h"
#include "net/beast.h"

namespace convene::server {

// The key a client address is limited under: an IPv4 address as it is, an
// IPv6 address by its /64, the block one host or one home gets (it could
// otherwise take a new address for each connection).
std::string address_key(const net::ip::address& address);

class ConnectionLimits {
 public:
  struct Options {
    size_t max_per_address = 0;      // open at once; 0: no limit
    double attempts_per_minute = 0;  // 0: no limit
    size_t max_total = 0;            // open at once from every address; 0: no limit
  };

  // An admitted connection's place, given back when it is destroyed.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&& other) noexcept;
    ~Slot();

   private:
    friend class ConnectionLimits;
    Slot(ConnectionLimits* limits, std::string address);
    void release();
    ConnectionLimits* limits_ = nullptr;
    std::string address_;
  };

  struct Admission {
    Slot slot;            // held by the connection
    std::string refused;  // empty: admitted; else the JSON error code
    std::string message;
    int retry_after_s = 0;
  };

  explicit ConnectionLimits(Options options);

  Admission admit(const std::string& address, RateClock::time_point now);
  size_t open(const std::string& address);

 private:
  void release(const std::string& address);

  const Options options_;
  KeyedRateLimiter attempts_;
  std::mutex mutex_;
  std::unordered_map<std::string, size_t> open_;  // GUARDED_BY(mutex_)
  size_t total_ = 0;                              // GUARDED_BY(mutex_)
};

}  // namespace convene::server
