// Who may come in: the link check a browser makes before it asks for a name
// (GET /api/convenings/{id}/access), and the convening's named convener
// links, which any convener can add, list and revoke
// (/api/convenings/{id}/conveners; docs/protocol.md, "HTTP").
//
// Blocking (store reads and writes): on the storage pool.
#pragma once

#include <string>

#include "http/respond.h"

namespace convene::server {

inline constexpr size_t kMaxConvenerLinks = 50;

Response access(ServerContext& ctx, const Request& req, const std::string& id);
Response list_convener_links(ServerContext& ctx, const Request& req, const std::string& id);
Response add_convener_link(ServerContext& ctx, const Request& req, const std::string& id);
// Refuses to revoke the last link in force: a convening always keeps a
// convener who can get in.
Response revoke_convener_link(ServerContext& ctx, const Request& req, const std::string& id,
                              const std::string& link);

}  // namespace convene::server
