// The HTTP side of convene-server: REST API, health, metrics and the browser
// client's static files (docs/protocol.md, "HTTP").
//
// Every handler answers through `reply`, possibly from another thread: work
// that touches the store runs on the storage pool, never on an io thread.
#pragma once

#include <functional>

#include "net/beast.h"
#include "server_context.h"

namespace convene::server {

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using Reply = std::function<void(Response)>;

// `peer` is the client's address (rate limits are per address).
void handle_http(ServerContext& context, Request request, Reply reply, const std::string& peer);

// A JSON error body {"error": {"code", "message"}} with its status.
Response error_response(const Request& request, http::status status, const std::string& code,
                        const std::string& message);

}  // namespace convene::server
