#include "net/http_session.h"

#include <spdlog/spdlog.h>

#include <array>
#include <chrono>

#include "http/api.h"
#include "metrics.h"
#include "net/ws_session.h"

namespace convene::server {

HttpSession::HttpSession(tcp::socket&& socket, ServerContext& context)
    : stream_(std::move(socket)), context_(context) {
  beast::error_code ec;
  const auto remote = stream_.socket().remote_endpoint(ec);
  if (!ec) peer_ = remote.address().to_string();
}

void HttpSession::run() {
  net::dispatch(stream_.get_executor(),
                beast::bind_front_handler(&HttpSession::do_read, shared_from_this()));
}

void HttpSession::do_read() {
  parser_.emplace();
  parser_->body_limit(kMaxBodyBytes);
  parser_->header_limit(kMaxHeaderBytes);
  // Also the keep-alive wait between requests, and a slow sender's limit.
  stream_.expires_after(seconds_to_ms(context_.config.handshake_timeout_s));
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
}

void HttpSession::on_read(beast::error_code ec, size_t) {
  if (ec == http::error::end_of_stream) return do_close();
  if (ec) {
    if (ec != net::error::operation_aborted && ec != beast::error::timeout)
      spdlog::debug("http: read: {}", ec.message());
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      http::request<http::string_body> dummy;
      return write(error_response(dummy, http::status::payload_too_large, "too_large",
                                  "the request is too large"));
    }
    return do_close();
  }
  auto request = parser_->release();
  if (websocket::is_upgrade(request)) {
    if (request.target() != "/ws")
      return write(error_response(request, http::status::not_found, "not_found",
                                  "WebSockets are served at /ws"));
    if (!origin_allowed(request))
      return write(error_response(request, http::status::forbidden, "forbidden",
                                  "this origin may not open WebSockets here"));
    ConnectionLimits::Slot slot;
    if (auto refused = admit_upgrade(request, slot)) return write(std::move(*refused));
    std::make_shared<WsSession>(stream_.release_socket(), context_, std::move(slot))
        ->run(std::move(request));
    return;
  }
  handle_http(
      context_, std::move(request),
      [self = shared_from_this()](http::response<http::string_body> response) {
        net::post(self->stream_.get_executor(),
                  [self, r = std::move(response)]() mutable { self->write(std::move(r)); });
      },
      peer_);
}

// The per-address limits, before anything of the WebSocket exists: a refused
// client gets a JSON 429 and the connection closes.
std::optional<http::response<http::string_body>> HttpSession::admit_upgrade(
    const http::request<http::string_body>& request, ConnectionLimits::Slot& slot) {
  if (!context_.connection_limits) return std::nullopt;
  auto admission = context_.connection_limits->admit(peer_, RateClock::now());
  if (admission.refused.empty()) {
    slot = std::move(admission.slot);
    return std::nullopt;
  }
  metrics().connections_refused++;
  spdlog::info("http {}: WebSocket refused: {}", peer_, admission.refused);
  auto response = error_response(request, http::status::too_many_requests, admission.refused,
                                 admission.message);
  response.set(http::field::retry_after, std::to_string(admission.retry_after_s));
  response.keep_alive(false);
  return response;
}

// Browsers send Origin on WebSocket requests; other clients do not. An origin
// must be listed, or (with no list) be this server's own host.
bool HttpSession::origin_allowed(const http::request<http::string_body>& req) const {
  const auto origin = req.find(http::field::origin);
  if (origin == req.end()) return true;
  const std::string value(origin->value());
  const auto& allowed = context_.config.allowed_origins;
  if (!allowed.empty()) return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
  const auto host = req.find(http::field::host);
  if (host == req.end()) return false;
  const auto scheme_end = value.find("://");
  return scheme_end != std::string::npos &&
         value.substr(scheme_end + 3) == std::string(host->value());
}

void HttpSession::write(http::response<http::string_body> response) {
  response_ = std::make_shared<http::response<http::string_body>>(std::move(response));
  const bool close = response_->need_eof();
  http::async_write(stream_, *response_,
                    beast::bind_front_handler(&HttpSession::on_write, shared_from_this(), close));
}

void HttpSession::on_write(bool close, beast::error_code ec, size_t) {
  response_.reset();
  if (ec) return do_close();
  if (close) return do_close();
  do_read();
}

// Half-closes, then reads and discards what the client is still sending (a
// body we refused, say) for a short while: closing a socket with unread data
// makes the kernel send a reset, which can destroy the response in flight.
void HttpSession::do_close() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.expires_after(kLingerTime);
  drain(0);
}

void HttpSession::drain(size_t drained) {
  if (drained > kMaxLingerBytes) return;  // enough: let the reset happen
  auto scratch = std::make_shared<std::array<char, 16384>>();
  stream_.async_read_some(net::buffer(*scratch), [self = shared_from_this(), scratch, drained](
                                                     beast::error_code ec, size_t n) {
    if (!ec) self->drain(drained + n);
  });
}

}  // namespace convene::server
