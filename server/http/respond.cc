#include "http/respond.h"

#include <charconv>

#include "rooms/tokens.h"

namespace convene::server {

using nlohmann::json;

Response make_response(const Request& req, http::status status, std::string body,
                       const std::string& content_type) {
  Response res{status, req.version()};
  res.set(http::field::server, "convene-server");
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response json_response(const Request& req, http::status status, const json& body) {
  return make_response(req, status, body.dump(-1, ' ', false, json::error_handler_t::replace),
                       "application/json");
}

Response error_response(const Request& req, http::status status, const std::string& code,
                        const std::string& message) {
  return json_response(req, status, {{"error", {{"code", code}, {"message", message}}}});
}

std::optional<std::string> bearer_token(const Request& req) {
  const auto it = req.find(http::field::authorization);
  if (it == req.end()) return std::nullopt;
  const std::string_view value(it->value().data(), it->value().size());
  constexpr std::string_view kPrefix = "Bearer ";
  if (value.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  return std::string(value.substr(kPrefix.size()));
}

std::optional<std::string> query_param(std::string_view query, std::string_view key) {
  size_t start = 0;
  while (start < query.size()) {
    const size_t end = std::min(query.find('&', start), query.size());
    const std::string_view pair = query.substr(start, end - start);
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) == key)
      return std::string(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    start = end + 1;
  }
  return std::nullopt;
}

std::optional<uint64_t> parse_decimal(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  for (char c : text)
    if (c < '0' || c > '9') return std::nullopt;
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::variant<rooms::Admission, Response> admit_request(ServerContext& ctx, const Request& req,
                                                       const std::string& id) {
  const auto token = bearer_token(req);
  const bool open_join = ctx.config.open && !token;
  const rooms::Admission a =
      rooms::admit_token(ctx.store, id, token ? rooms::token_hash(*token) : "", open_join);
  switch (a.refusal) {
    case rooms::Refusal::kNone:
      return a;
    case rooms::Refusal::kNoToken:
      return error_response(req, http::status::unauthorized, "unauthorized",
                            "send Authorization: Bearer <token of this convening>");
    case rooms::Refusal::kNoConvening:
      return error_response(req, http::status::not_found, "not_found", "no convening " + id);
    case rooms::Refusal::kRevoked:
      return error_response(req, http::status::forbidden, "revoked", a.message);
    case rooms::Refusal::kWrongToken:
      return error_response(req, http::status::forbidden, "forbidden", a.message);
    case rooms::Refusal::kUnavailable:
      break;
  }
  return error_response(req, http::status::service_unavailable, "unavailable", a.message);
}

std::mutex& access_changes() {
  static std::mutex mutex;
  return mutex;
}

std::variant<rooms::Admission, Response> admit_convener(ServerContext& ctx, const Request& req,
                                                        const std::string& id,
                                                        const std::string& what) {
  auto admitted = admit_request(ctx, req, id);
  if (auto* r = std::get_if<Response>(&admitted)) return std::move(*r);
  auto& a = std::get<rooms::Admission>(admitted);
  if (!a.grant || a.grant->kind != store::TokenKind::kConvener)
    return error_response(req, http::status::forbidden, "forbidden", "only a convener can " + what);
  return std::move(a);
}

}  // namespace convene::server
