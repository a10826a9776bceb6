#include "net/http_session.h"

#include <spdlog/spdlog.h>

#include <array>
#include <chrono>

#include "http/api.h"
#include "metrics.h"
#include "net/write_deadline.h"
#include "net/ws_session.h"

namespace convene::server {
namespace {

// Whether the host of `authority` (host[:port]) is an IP address literal or
// "localhost": names no page elsewhere can take over.
bool names_this_machine(const std::string& authority) {
  std::string host = authority;
  if (!host.empty() && host.front() == '[') {
    const auto end = host.find(']');
    if (end == std::string::npos) return false;
    host = host.substr(1, end - 1);
  } else if (const auto colon = host.rfind(':'); colon != std::string::npos) {
    host = host.substr(0, colon);
  }
  if (beast::iequals(host, "localhost")) return true;
  beast::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

template <class Stream>
HttpSession<Stream>::HttpSession(Stream&& stream, beast::flat_buffer buffer, ServerContext& context,
                                 ConnectionLimits::Slot tcp_slot)
    : stream_(std::move(stream)),
      buffer_(std::move(buffer)),
      context_(context),
      tcp_slot_(std::move(tcp_slot)) {
  beast::error_code ec;
  const auto remote = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
  if (!ec) peer_ = address_key(remote.address());
}

template <class Stream>
void HttpSession<Stream>::run() {
  if constexpr (kIsTls<Stream>) {
    beast::get_lowest_layer(stream_).expires_after(
        seconds_to_ms(context_.config.handshake_timeout_s));
    stream_.async_handshake(
        ssl::stream_base::server, buffer_.data(),
        beast::bind_front_handler(&HttpSession::on_handshake, this->shared_from_this()));
  } else {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&HttpSession::do_read, this->shared_from_this()));
  }
}

template <class Stream>
void HttpSession<Stream>::on_handshake(beast::error_code ec, size_t used) {
  if (ec) {
    // Scanners, expired certificates on the client's side, plain bytes: the
    // connection is simply closed.
    spdlog::debug("tls {}: handshake: {}", peer_, ec.message());
    beast::get_lowest_layer(stream_).close();
    return;
  }
  buffer_.consume(used);
  do_read();
}

template <class Stream>
void HttpSession<Stream>::do_read() {
  parser_.emplace();
  parser_->body_limit(kMaxBodyBytes);
  parser_->header_limit(kMaxHeaderBytes);
  // Also the keep-alive wait between requests, and a slow sender's limit.
  beast::get_lowest_layer(stream_).expires_after(
      seconds_to_ms(context_.config.handshake_timeout_s));
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&HttpSession::on_read, this->shared_from_this()));
}

template <class Stream>
void HttpSession<Stream>::on_read(beast::error_code ec, size_t) {
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
    std::make_shared<WsSession<Stream>>(std::move(stream_), context_, std::move(slot),
                                        std::move(tcp_slot_))
        ->run(std::move(request));
    return;
  }
  answering_head_ = request.method() == http::verb::head;
  // The read's timer would otherwise go on running while the answer is made
  // (an export waiting for its turn on the storage threads) and cut the
  // connection before the answer is written. A handler always answers, and
  // work waiting for the storage threads is bounded; the write has its own
  // deadline.
  beast::get_lowest_layer(stream_).expires_never();
  handle_http(
      context_, std::move(request),
      [self = this->shared_from_this()](http::response<http::string_body> response) {
        net::post(self->stream_.get_executor(),
                  [self, r = std::move(response)]() mutable { self->write(std::move(r)); });
      },
      peer_);
}

// The per-address limits, before anything of the WebSocket exists: a refused
// client gets a JSON 429 and the connection closes.
template <class Stream>
std::optional<http::response<http::string_body>> HttpSession<Stream>::admit_upgrade(
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
// must be listed, or (with no list) be this very server named by an IP
// address or "localhost": the Host header of a page under a domain name says
// whatever that name is, and a name can be made to resolve to this server
// from anyone's page (DNS rebinding). Behind a domain name, list its origin.
template <class Stream>
bool HttpSession<Stream>::origin_allowed(const http::request<http::string_body>& req) const {
  const auto origin = req.find(http::field::origin);
  if (origin == req.end()) return true;
  const std::string value(origin->value());
  const auto& allowed = context_.config.allowed_origins;
  if (!allowed.empty()) return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
  const auto host = req.find(http::field::host);
  if (host == req.end()) return false;
  const auto scheme_end = value.find("://");
  if (scheme_end == std::string::npos) return false;
  const std::string authority = value.substr(scheme_end + 3);
  return authority == std::string(host->value()) && names_this_machine(authority);
}

// A HEAD answer says what a GET would (its Content-Length among it) but
// carries no body, whatever produced it: a body would be read as the start
// of the next response on a kept-alive connection.
template <class Stream>
void HttpSession<Stream>::write(http::response<http::string_body> response) {
  if (answering_head_) response.body().clear();
  answering_head_ = false;
  response_ = std::make_shared<http::response<http::string_body>>(std::move(response));
  const bool close = response_->need_eof();
  beast::get_lowest_layer(stream_).expires_after(write_deadline(response_->body().size()));
  http::async_write(
      stream_, *response_,
      beast::bind_front_handler(&HttpSession::on_write, this->shared_from_this(), close));
}

template <class Stream>
void HttpSession<Stream>::on_write(bool close, beast::error_code ec, size_t) {
  response_.reset();
  if (ec) return do_close();
  if (close) return do_close();
  do_read();
}

// Half-closes, then reads and discards what the client is still sending (a
// body we refused, say) for a short while: closing a socket with unread data
// makes the kernel send a reset, which can destroy the response in flight.
//
// Over TLS the close_notify goes first (the peer's answer to it is awaited
// within the linger time), then the same half-close and drain.
template <class Stream>
void HttpSession<Stream>::do_close() {
  auto& tcp_layer = beast::get_lowest_layer(stream_);
  tcp_layer.expires_after(kLingerTime);
  if constexpr (kIsTls<Stream>) {
    stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
      beast::error_code ignored;
      beast::get_lowest_layer(self->stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
      beast::get_lowest_layer(self->stream_).close();
    });
  } else {
    beast::error_code ec;
    tcp_layer.socket().shutdown(tcp::socket::shutdown_send, ec);
    drain(0);
  }
}

template <class Stream>
void HttpSession<Stream>::drain(size_t drained) {
  if (drained > kMaxLingerBytes) return;  // enough: let the reset happen
  auto scratch = std::make_shared<std::array<char, 16384>>();
  stream_.async_read_some(net::buffer(*scratch), [self = this->shared_from_this(), scratch,
                                                  drained](beast::error_code ec, size_t n) {
    if (!ec) self->drain(drained + n);
  });
}

template class HttpSession<PlainStream>;
template class HttpSession<TlsStream>;

// ---- connections and TLS detection ------------------------------------------------

void start_connection(tcp::socket&& socket, ServerContext& context,
                      ConnectionLimits::Slot tcp_slot) {
  if (context.tls) {
    std::make_shared<TlsDetector>(std::move(socket), context, std::move(tcp_slot))->run();
    return;
  }
  std::make_shared<HttpSession<PlainStream>>(PlainStream(std::move(socket)), beast::flat_buffer{},
                                             context, std::move(tcp_slot))
      ->run();
}

TlsDetector::TlsDetector(tcp::socket&& socket, ServerContext& context,
                         ConnectionLimits::Slot tcp_slot)
    : stream_(std::move(socket)), context_(context), tcp_slot_(std::move(tcp_slot)) {}

void TlsDetector::run() {
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    self->stream_.expires_after(seconds_to_ms(self->context_.config.handshake_timeout_s));
    beast::async_detect_ssl(self->stream_, self->buffer_,
                            beast::bind_front_handler(&TlsDetector::on_detect, self));
  });
}

void TlsDetector::on_detect(beast::error_code ec, bool is_tls) {
  if (ec) return close();
  if (is_tls) {
    std::make_shared<HttpSession<TlsStream>>(TlsStream(std::move(stream_), *context_.tls),
                                             std::move(buffer_), context_, std::move(tcp_slot_))
        ->run();
    return;
  }
  // The whole request, body included (bounded as usual), is read before the
  // answer: closing with unread bytes would reset the connection under it.
  parser_.emplace();
  parser_->header_limit(kMaxHeaderBytes);
  parser_->body_limit(kMaxBodyBytes);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&TlsDetector::on_plain_request, shared_from_this()));
}

// Plain HTTP on a TLS port: point a browser to the https address of the same
// page. Nothing else is served in the clear.
void TlsDetector::on_plain_request(beast::error_code ec, size_t) {
  if (ec) return close();
  const Request& request = parser_->get();
  const auto host = request.find(http::field::host);
  const std::string target(request.target());
  const bool redirect = host != request.end() && !host->value().empty() && !target.empty() &&
                        target[0] == '/' &&
                        host->value().find_first_of("/\\@ \r\n") == beast::string_view::npos;
  Response response = error_response(
      request, redirect ? http::status::permanent_redirect : http::status::bad_request,
      "https_only", "this server speaks https only");
  if (redirect)
    response.set(http::field::location, "https://" + std::string(host->value()) + target);
  response.keep_alive(false);
  response_ = std::make_shared<http::response<http::string_body>>(std::move(response));
  http::async_write(stream_, *response_,
                    [self = shared_from_this()](beast::error_code, size_t) { self->close(); });
}

void TlsDetector::close() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace convene::server
