// One HTTP connection: reads requests (bounded), answers them through the
// API (handle_http), and hands WebSocket upgrades on /ws to a WsSession.
//
// Threading: the session's strand; responses produced on the storage pool
// are posted back to it. One request at a time (no pipelining).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "net/beast.h"
#include "server_context.h"

namespace convene::server {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  static constexpr size_t kMaxBodyBytes = 1 << 20;
  static constexpr size_t kMaxHeaderBytes = 16 << 10;
  static constexpr auto kLingerTime = std::chrono::seconds(2);
  static constexpr size_t kMaxLingerBytes = 8 << 20;

  HttpSession(tcp::socket&& socket, ServerContext& context);
  void run();

 private:
  void do_read();
  void on_read(beast::error_code ec, size_t bytes);
  bool origin_allowed(const http::request<http::string_body>& req) const;
  std::optional<http::response<http::string_body>> admit_upgrade(
      const http::request<http::string_body>& request, ConnectionLimits::Slot& slot);
  void write(http::response<http::string_body> response);
  void on_write(bool close, beast::error_code ec, size_t bytes);
  void do_close();
  void drain(size_t drained);

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  ServerContext& context_;
  std::string peer_;  // the client's address, for per-address limits
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<http::response<http::string_body>> response_;
};

}  // namespace convene::server
