// What every REST handler answers with (docs/protocol.md, "HTTP"): JSON
// bodies, JSON errors, the request's bearer token and query, and admission
// of that token to a convening (rooms/admission.h).
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "net/beast.h"
#include "rooms/admission.h"
#include "server_context.h"

namespace convene::server {

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using Reply = std::function<void(Response)>;

Response make_response(const Request& req, http::status status, std::string body,
                       const std::string& content_type);
// Never throws: bytes that are not UTF-8 (stored before they were checked)
// are written as U+FFFD rather than failing the answer.
Response json_response(const Request& req, http::status status, const nlohmann::json& body);
// A JSON error body {"error": {"code", "message"}} with its status.
Response error_response(const Request& req, http::status status, const std::string& code,
                        const std::string& message);

std::optional<std::string> bearer_token(const Request& req);
std::optional<std::string> query_param(std::string_view query, std::string_view key);
// A decimal number of digits only: no sign, no spaces, no overflow.
std::optional<uint64_t> parse_decimal(std::string_view text);

// Admits the request's bearer token (none: only with --open) to convening
// `id`, or answers why not: 401 no token, 403 wrong or revoked token (code
// "revoked" for the latter), 404 no such convening, 503 store unavailable.
// Blocking: on the storage pool.
std::variant<rooms::Admission, Response> admit_request(ServerContext& ctx, const Request& req,
                                                       const std::string& id);
// Held while a handler reads a convening's tokens and links and writes them
// back (revoking invites and links, adding links): one such change at a
// time, so two at once cannot each undo the other's.
std::mutex& access_changes();

// The same, for what only a convener may do (`what`, for the 403's message).
std::variant<rooms::Admission, Response> admit_convener(ServerContext& ctx, const Request& req,
                                                        const std::string& id,
                                                        const std::string& what);

}  // namespace convene::server
