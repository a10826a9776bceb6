// The HTTP side of convene-server: REST API, health, metrics and the browser
// client's static files (docs/protocol.md, "HTTP").
//
// Every handler answers through `reply`, possibly from another thread: work
// that touches the store runs on the storage pool, never on an io thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "http/respond.h"
#include "store/store.h"

namespace convene::server {

// `peer` is the client's address (rate limits are per address).
void handle_http(ServerContext& context, Request request, Reply reply, const std::string& peer);

// The "members" of an export. Names and colours are cleaned again on the way
// out: records stored before they were checked can hold anything.
nlohmann::json export_members(const std::vector<store::Member>& members);

}  // namespace convene::server
