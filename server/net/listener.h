// Accepts TCP connections and gives each an HttpSession on its own strand.
#pragma once

#include <memory>

#include "net/beast.h"
#include "server_context.h"

namespace convene::server {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Binds and listens; on failure `ec` says why.
  Listener(ServerContext& context, tcp::endpoint endpoint, beast::error_code& ec);
  void run();
  void stop();
  tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

 private:
  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);

  ServerContext& context_;
  tcp::acceptor acceptor_;
};

}  // namespace convene::server
