#include "net/listener.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "metrics.h"
#include "net/http_session.h"

namespace convene::server {

Listener::Listener(ServerContext& context, tcp::endpoint endpoint, beast::error_code& ec)
    : context_(context), acceptor_(net::make_strand(context.io)), retry_(acceptor_.get_executor()) {
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
}

void Listener::run() {
  do_accept();
}

void Listener::stop() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] {
    beast::error_code ec;
    self->acceptor_.close(ec);
    self->retry_.cancel();
  });
}

void Listener::do_accept() {
  acceptor_.async_accept(net::make_strand(context_.io),
                         beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;  // stopped
  if (ec) return back_off(ec);
  backoff_ = std::chrono::milliseconds(0);
  admit(std::move(socket));
  do_accept();
}

// Accepting failed: the connection waits in the kernel's queue while the
// cause (most often no file descriptor left) lasts. Try again after a pause
// that grows while it does.
void Listener::back_off(const beast::error_code& ec) {
  metrics().accept_errors++;
  ++unlogged_errors_;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_logged_ >= kLogEvery) {
    spdlog::warn("accept: {} ({} time(s) since the last report); retrying in {} ms", ec.message(),
                 unlogged_errors_, std::max(backoff_, kFirstBackoff).count());
    last_logged_ = now;
    unlogged_errors_ = 0;
  }
  backoff_ = std::clamp(backoff_ * 2, kFirstBackoff, kLongestBackoff);
  retry_.expires_after(backoff_);
  retry_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
    if (!wait_ec && self->acceptor_.is_open()) self->do_accept();
  });
}

// Over the limits on TCP connections the connection is closed unanswered:
// an answer would keep its descriptor for longer, and a client over them is
// either misbehaving or too many for this server.
void Listener::admit(tcp::socket socket) {
  beast::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  ConnectionLimits::Slot slot;
  if (context_.tcp_limits) {
    const auto remote = socket.remote_endpoint(ec);
    const std::string address = ec ? std::string("?") : address_key(remote.address());
    auto admission = context_.tcp_limits->admit(address, RateClock::now());
    if (!admission.refused.empty()) {
      metrics().connections_refused++;
      spdlog::debug("tcp {}: refused: {}", address, admission.message);
      socket.close(ec);
      return;
    }
    slot = std::move(admission.slot);
  }
  start_connection(std::move(socket), context_, std::move(slot));
}

}  // namespace convene::server
