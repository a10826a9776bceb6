#include "net/listener.h"

#include <spdlog/spdlog.h>

#include "net/http_session.h"

namespace convene::server {

Listener::Listener(ServerContext& context, tcp::endpoint endpoint, beast::error_code& ec)
    : context_(context), acceptor_(net::make_strand(context.io)) {
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
  });
}

void Listener::do_accept() {
  acceptor_.async_accept(net::make_strand(context_.io),
                         beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted) return;  // stopped
  if (ec) {
    spdlog::warn("accept: {}", ec.message());
  } else {
    socket.set_option(tcp::no_delay(true), ec);
    start_connection(std::move(socket), context_);
  }
  if (acceptor_.is_open()) do_accept();
}

}  // namespace convene::server
