// One HTTP connection: reads requests (bounded), answers them through the
// API (handle_http), and hands WebSocket upgrades on /ws to a WsSession over
// the same stream.
//
// Stream is PlainStream or TlsStream (net/streams.h). Over TLS the session
// starts with the server side of the handshake, fed the bytes the detector
// already read, and ends with a TLS shutdown.
//
// Threading: the session's strand; responses produced on the storage pool
// are posted back to it. One request at a time (no pipelining).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "net/beast.h"
#include "net/connection_limits.h"
#include "net/streams.h"
#include "server_context.h"

namespace convene::server {

// Request limits, shared by every kind of HTTP session and by the fuzzer.
struct HttpLimits {
  static constexpr size_t kMaxBodyBytes = 1 << 20;
  static constexpr size_t kMaxHeaderBytes = 16 << 10;
  static constexpr auto kLingerTime = std::chrono::seconds(2);
  static constexpr size_t kMaxLingerBytes = 8 << 20;
};

template <class Stream>
class HttpSession : public HttpLimits, public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  // `buffer`: bytes already read from the connection (the TLS detector's).
  // `tcp_slot`: the connection's place in the per-address and total limits
  // (Listener), held for as long as the connection lives.
  HttpSession(Stream&& stream, beast::flat_buffer buffer, ServerContext& context,
              ConnectionLimits::Slot tcp_slot = {});
  void run();

 private:
  void on_handshake(beast::error_code ec, size_t used);
  void do_read();
  void on_read(beast::error_code ec, size_t bytes);
  bool origin_allowed(const http::request<http::string_body>& req) const;
  std::optional<http::response<http::string_body>> admit_upgrade(
      const http::request<http::string_body>& request, ConnectionLimits::Slot& slot);
  void write(http::response<http::string_body> response);
  void on_write(bool close, beast::error_code ec, size_t bytes);
  void do_close();
  void drain(size_t drained);

  Stream stream_;
  beast::flat_buffer buffer_;
  ServerContext& context_;
  std::string peer_;  // the client's address, for per-address limits
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<http::response<http::string_body>> response_;
  ConnectionLimits::Slot tcp_slot_;
  bool answering_head_ = false;  // the request being answered is a HEAD
};

// Starts the session a new connection needs: plain HTTP, or, when the server
// has a TLS context, a TlsDetector.
void start_connection(tcp::socket&& socket, ServerContext& context,
                      ConnectionLimits::Slot tcp_slot = {});

// On a TLS server: reads the first bytes of a connection. A TLS ClientHello
// goes on to an HttpSession<TlsStream>; plain HTTP (someone typed http://) is
// answered with a redirect to https, or 400, and closed.
class TlsDetector : public HttpLimits, public std::enable_shared_from_this<TlsDetector> {
 public:
  TlsDetector(tcp::socket&& socket, ServerContext& context, ConnectionLimits::Slot tcp_slot);
  void run();

 private:
  void on_detect(beast::error_code ec, bool is_tls);
  void on_plain_request(beast::error_code ec, size_t bytes);
  void close();

  PlainStream stream_;
  beast::flat_buffer buffer_;
  ServerContext& context_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<http::response<http::string_body>> response_;
  ConnectionLimits::Slot tcp_slot_;
};

}  // namespace convene::server
