#include "http/access.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>

#include "rooms/identity.h"
#include "rooms/tokens.h"
#include "wall_clock.h"

namespace convene::server {
namespace {

using nlohmann::json;
namespace pb = ::convene::v1;

std::string role_name(pb::Role role) {
  switch (role) {
    case pb::ROLE_CONVENER:
      return "convener";
    case pb::ROLE_OBSERVER:
      return "observer";
    default:
      return "participant";
  }
}

json links_json(const std::vector<store::ConvenerLink>& links, const std::string& current) {
  json out = json::array();
  for (const auto& l : links)
    out.push_back({{"id", l.id},
                   {"name", l.name},
                   {"created_ms", l.created_ms},
                   {"revoked", l.revoked},
                   {"current", l.id == current}});
  return out;
}

Response links_response(ServerContext& ctx, const Request& req, const std::string& id,
                        const std::string& current, http::status status) {
  store::Status s;
  const auto links = ctx.store.convener_links(id, &s);
  if (!s.is_ok())
    return error_response(req, http::status::service_unavailable, "unavailable", s.message());
  return json_response(req, status, {{"conveners", links_json(links, current)}});
}

// A convening's record and its convener links, read before a change to them
// (with access_changes() held), or the answer when they cannot be read.
struct ConveningLinks {
  store::Convening convening;
  std::vector<store::ConvenerLink> links;
};

std::variant<ConveningLinks, Response> read_links(ServerContext& ctx, const Request& req,
                                                  const std::string& id) {
  store::Status s;
  auto convening = ctx.store.convening(id, &s);
  if (s.is_ok() && !convening)
    return error_response(req, http::status::not_found, "not_found", "no convening " + id);
  std::vector<store::ConvenerLink> links;
  if (s.is_ok()) links = ctx.store.convener_links(id, &s);
  if (!s.is_ok())
    return error_response(req, http::status::service_unavailable, "unavailable", s.message());
  return ConveningLinks{std::move(*convening), std::move(links)};
}

}  // namespace

Response access(ServerContext& ctx, const Request& req, const std::string& id) {
  auto admitted = admit_request(ctx, req, id);
  if (auto* r = std::get_if<Response>(&admitted)) return std::move(*r);
  const auto& a = std::get<rooms::Admission>(admitted);
  store::Status s;
  const auto convening = ctx.store.convening(id, &s);
  if (!convening)
    return error_response(req, http::status::service_unavailable, "unavailable", s.message());
  json out = {{"id", id}, {"name", convening->name}, {"role", role_name(a.role)}};
  if (a.grant && !a.grant->link.empty()) {
    for (const auto& link : ctx.store.convener_links(id, &s))
      if (link.id == a.grant->link) out["link"] = {{"id", link.id}, {"name", link.name}};
  }
  return json_response(req, http::status::ok, out);
}

Response list_convener_links(ServerContext& ctx, const Request& req, const std::string& id) {
  auto admitted = admit_convener(ctx, req, id, "manage convener links");
  if (auto* r = std::get_if<Response>(&admitted)) return std::move(*r);
  return links_response(ctx, req, id, std::get<rooms::Admission>(admitted).grant->link,
                        http::status::ok);
}

Response add_convener_link(ServerContext& ctx, const Request& req, const std::string& id) {
  auto admitted = admit_convener(ctx, req, id, "manage convener links");
  if (auto* r = std::get_if<Response>(&admitted)) return std::move(*r);
  const json body = json::parse(req.body(), nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("name") ||
      !body["name"].is_string())
    return error_response(req, http::status::bad_request, "bad_request",
                          "send a JSON object {\"name\": \"...\"}");
  const std::string name = rooms::clean_name(body["name"].get<std::string>());
  if (body["name"].get<std::string>().empty() || name == rooms::kDefaultName)
    return error_response(req, http::status::bad_request, "bad_request",
                          "name the link: whose, or which device (1 to 64 characters)");
  std::lock_guard lock(access_changes());
  auto read = read_links(ctx, req, id);
  if (auto* r = std::get_if<Response>(&read)) return std::move(*r);
  auto& [convening, links] = std::get<ConveningLinks>(read);
  if (links.size() >= kMaxConvenerLinks)
    return error_response(req, http::status::conflict, "too_many_links",
                          "a convening keeps at most " + std::to_string(kMaxConvenerLinks) +
                              " convener links; revoke one first");
  const std::string token = rooms::new_token();
  store::TokenGrant grant{id, store::TokenKind::kConvener, false};
  grant.link = rooms::new_id();
  grant.link_name = name;
  grant.link_created_ms = unix_time_ms();
  const store::Status s =
      ctx.store.update_convening(convening, {{rooms::token_hash(token), grant}});
  if (!s.is_ok())
    return error_response(req, http::status::service_unavailable, "unavailable", s.message());
  spdlog::info("convening {}: convener link {} added", id, grant.link);
  return json_response(req, http::status::created,
                       {{"id", grant.link},
                        {"name", name},
                        {"token", token},
                        {"created_ms", grant.link_created_ms}});
}

Response revoke_convener_link(ServerContext& ctx, const Request& req, const std::string& id,
                              const std::string& link) {
  auto admitted = admit_convener(ctx, req, id, "manage convener links");
  if (auto* r = std::get_if<Response>(&admitted)) return std::move(*r);
  const std::string current = std::get<rooms::Admission>(admitted).grant->link;
  std::lock_guard lock(access_changes());
  auto read = read_links(ctx, req, id);
  if (auto* r = std::get_if<Response>(&read)) return std::move(*r);
  auto& [convening, links] = std::get<ConveningLinks>(read);
  const auto target = std::find_if(links.begin(), links.end(),
                                   [&](const store::ConvenerLink& l) { return l.id == link; });
  if (target == links.end())
    return error_response(req, http::status::not_found, "not_found", "no convener link " + link);
  const auto in_force = std::count_if(links.begin(), links.end(),
                                      [](const store::ConvenerLink& l) { return !l.revoked; });
  if (!target->revoked && in_force <= 1)
    return error_response(
        req, http::status::conflict, "last_convener",
        "this is the last convener link in force: add another before revoking it");
  if (!target->revoked) {
    store::TokenGrant grant{id, store::TokenKind::kConvener, true};
    grant.link = target->id;
    grant.link_name = target->name;
    grant.link_created_ms = target->created_ms;
    const store::Status s = ctx.store.update_convening(convening, {{target->token_hash, grant}});
    if (!s.is_ok())
      return error_response(req, http::status::service_unavailable, "unavailable", s.message());
    ctx.rooms.revoke(id, target->token_hash);
    spdlog::info("convening {}: convener link {} revoked", id, target->id);
  }
  return links_response(ctx, req, id, current, http::status::ok);
}

}  // namespace convene::server
