// Accepts TCP connections and gives each an HttpSession on its own strand.
//
// Every connection takes a place in the limits on TCP connections (per client
// address, and in all: context.tcp_limits) as it is accepted; one over them is
// closed at once, before anything is read. When accepting itself fails (out
// of file descriptors, say), the listener waits a moment before it tries
// again, and says so in the log once in a while: an accept that fails at
// once, again and again, would spin a core and flood the log.
#pragma once

#include <chrono>
#include <memory>

#include "net/beast.h"
#include "server_context.h"

namespace convene::server {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  static constexpr auto kFirstBackoff = std::chrono::milliseconds(10);
  static constexpr auto kLongestBackoff = std::chrono::milliseconds(500);
  static constexpr auto kLogEvery = std::chrono::seconds(10);

  // Binds and listens; on failure `ec` says why.
  Listener(ServerContext& context, tcp::endpoint endpoint, beast::error_code& ec);
  void run();
  void stop();
  tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

 private:
  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  void back_off(const beast::error_code& ec);
  void admit(tcp::socket socket);

  ServerContext& context_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_;
  std::chrono::milliseconds backoff_{0};
  std::chrono::steady_clock::time_point last_logged_{};
  uint64_t unlogged_errors_ = 0;
};

}  // namespace convene::server
