// The HTTP side of convene-server: REST API, health, metrics and the browser
// client's static files (docs/protocol.md, "HTTP").
//
// Every handler answers through `reply`, possibly from another thread: work
// that touches the store runs on the storage pool, never on an io thread.
#pragma once

#include <string>

#include "http/respond.h"

namespace convene::server {

// `peer` is the client's address (rate limits are per address).
void handle_http(ServerContext& context, Request request, Reply reply, const std::string& peer);

}  // namespace convene::server
