#include "http/api.h"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <variant>

#include "crdt/limits.h"
#include "crdt/utf8.h"
#include "http/access.h"
#include "http/export_formats.h"
#include "http/respond.h"
#include "http/static_files.h"
#include "metrics.h"
#include "rooms/identity.h"
#include "rooms/tokens.h"
#include "wall_clock.h"

namespace convene::server {
namespace {

using nlohmann::json;
namespace pb = ::convene::v1;

// Splits "/api/convenings/ID/export" into its segments.
std::vector<std::string> segments(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= path.size()) {
    const size_t end = path.find('/', start);
    out.emplace_back(
        path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

// What `handler` answers, or 500 if it throws: a request never ends the
// process, whatever it holds.
Response answer(const Request& req, const std::function<Response(const Request&)>& handler) {
  try {
    return handler(req);
  } catch (const std::exception& e) {
    spdlog::error("http: {} {}: {}", std::string(req.method_string()),
                  std::string(req.target().substr(0, 200)), e.what());
    return error_response(req, http::status::internal_server_error, "internal",
                          "the server could not answer this request");
  }
}

// Runs `work` on the storage pool; it returns the response.
void on_storage(ServerContext& ctx, std::function<Response()> work, Reply reply) {
  net::post(ctx.storage_pool,
            [work = std::move(work), reply = std::move(reply)] { reply(work()); });
}

// A long read waits for a place of its own (HeavyReads): over its token's
// rate (or its address's, without a token) it gets 429, and 503 when too
// many wait already.
std::optional<Response> refuse_heavy_read(ServerContext& ctx, const Request& req,
                                          const std::string& peer) {
  if (!ctx.heavy_reads) return std::nullopt;
  HeavyReads& heavy = *ctx.heavy_reads;
  const auto token = bearer_token(req);
  const std::string key = token ? "t" + rooms::token_hash(*token) : "a" + peer;
  const auto now = KeyedRateLimiter::Clock::now();
  for (auto [limiter, limited] : {std::pair{&heavy.per_address, peer}, {&heavy.per_token, key}}) {
    if (ctx.config.exports_per_minute <= 0 || limiter->allow(limited, now)) continue;
    metrics().exports_refused++;
    Response r = error_response(req, http::status::too_many_requests, "rate_limited",
                                "too many exports with this token or from this address; try later");
    r.set(http::field::retry_after, std::to_string(limiter->retry_after(limited, now)));
    return r;
  }
  if (heavy.waiting.load() >= heavy.max_waiting) {
    metrics().exports_refused++;
    Response r = error_response(req, http::status::service_unavailable, "busy",
                                "the server is busy with other exports; try again shortly");
    r.set(http::field::retry_after, "1");
    return r;
  }
  return std::nullopt;
}

void on_heavy_read(ServerContext& ctx, std::function<Response()> work, Reply reply) {
  if (!ctx.heavy_reads) return on_storage(ctx, std::move(work), std::move(reply));
  HeavyReads& heavy = *ctx.heavy_reads;
  heavy.waiting++;
  net::post(heavy.pool, [&heavy, work = std::move(work), reply = std::move(reply)] {
    Response response = work();
    heavy.waiting--;
    reply(std::move(response));
  });
}

// ---- handlers ------------------------------------------------------------------------

Response create_convening(ServerContext& ctx, const Request& req) {
  const json body = json::parse(req.body(), nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("name") ||
      !body["name"].is_string())
    return error_response(req, http::status::bad_request, "bad_request",
                          "send a JSON object {\"name\": \"...\"}");
  const std::string name = body["name"].get<std::string>();
  if (name.empty() || name.size() > crdt::limits::kNameBytes || !crdt::utf8::valid(name))
    return error_response(req, http::status::bad_request, "bad_request",
                          "the name must be 1 to 200 bytes of UTF-8");
  // A place among the server's convenings, taken before the write and given
  // back if it fails, so that concurrent creations cannot pass the limit.
  const uint64_t max = ctx.convenings ? ctx.config.max_convenings : 0;
  if (max > 0 && ctx.convenings->fetch_add(1) >= max) {
    ctx.convenings->fetch_sub(1);
    return error_response(
        req, http::status::conflict, "too_many_convenings",
        "this server holds its limit of " + std::to_string(max) + " convenings; ask its operator");
  }
  store::Convening c;
  c.id = rooms::new_id();
  c.name = name;
  c.created_ms = unix_time_ms();
  const std::string convener = rooms::new_token(), participant = rooms::new_token(),
                    observer = rooms::new_token();
  c.participant_invite_hash = rooms::token_hash(participant);
  c.observer_invite_hash = rooms::token_hash(observer);
  // The convener's link is the first named one: revocable like those added later.
  store::TokenGrant first{c.id, store::TokenKind::kConvener, false};
  first.link = rooms::new_id();
  first.link_name = "Convener";
  first.link_created_ms = c.created_ms;
  const store::Status s = ctx.store.create_convening(
      c, {{rooms::token_hash(convener), first},
          {c.participant_invite_hash, {c.id, store::TokenKind::kParticipantInvite, false}},
          {c.observer_invite_hash, {c.id, store::TokenKind::kObserverInvite, false}}});
  if (!s.is_ok()) {
    if (max > 0) ctx.convenings->fetch_sub(1);
    spdlog::error("create convening: {}", s.message());
    return error_response(req, http::status::service_unavailable, "unavailable",
                          "the store cannot take writes right now");
  }
  spdlog::info("convening {} created", c.id);
  return json_response(req, http::status::created,
                       {{"id", c.id},
                        {"name", c.name},
                        {"convener_token", convener},
                        {"invites", {{"participant", participant}, {"observer", observer}}}});
}

// What an export asks for (docs/protocol.md, "HTTP"). `table` and `map` are
// for the formats of one map; json holds them all.
struct ExportQuery {
  export_formats::Format format = export_formats::Format::kJson;
  export_formats::Table table = export_formats::Table::kElements;
  std::string map;           // canonical id; empty: the first map
  uint64_t at = UINT64_MAX;  // UINT64_MAX: the head
};

// The query's parameters, or a 400 naming what is allowed. Checked before
// the token, as `at` always was: a malformed request costs no store read.
std::variant<ExportQuery, Response> read_export_query(const Request& req, std::string_view query) {
  const auto bad = [&](const std::string& message) {
    return error_response(req, http::status::bad_request, "bad_request", message);
  };
  ExportQuery q;
  if (const auto format = query_param(query, "format")) {
    const auto parsed = export_formats::parse_format(*format);
    if (!parsed) return bad("format must be json, graphml, gexf or csv");
    q.format = *parsed;
  }
  if (const auto table = query_param(query, "table")) {
    const auto parsed = export_formats::parse_table(*table);
    if (!parsed) return bad("table must be elements, connections or shapes");
    q.table = *parsed;
  }
  if (const auto map = query_param(query, "map")) {
    const auto parsed = export_formats::parse_map_id(*map);
    if (!parsed) return bad("map must be a map's id: two decimal numbers, as 12:3");
    q.map = *parsed;
  }
  if (const auto at_text = query_param(query, "at")) {
    const auto parsed = parse_decimal(*at_text);
    if (!parsed || *parsed == UINT64_MAX)
      return bad("at must be a sequence number: decimal digits only");
    q.at = *parsed;
  }
  return q;
}

// One map of `document` (the state's canonical JSON) as GraphML, GEXF or CSV,
// to be saved as a file named after the convening (and the map, when there
// are several, and the table).
Response export_map(const Request& req, const ExportQuery& q, const rooms::RoomState& state,
                    const json& document) {
  const json* map = export_formats::find_map(document, q.map);
  if (!map)
    return error_response(req, http::status::not_found, "not_found",
                          q.map.empty() ? "this convening has no map" : "no map " + q.map);
  export_formats::MemberNames names;
  for (const auto& m : state.members) names[m.id] = rooms::clean_name(m.name);
  std::string body, stem = state.name;
  if (document.at("maps").size() > 1) stem += " - " + map->value("name", "");
  if (q.format == export_formats::Format::kCsv) {
    body = export_formats::to_csv(*map, q.table, names);
    stem += " - " + std::string(export_formats::table_name(q.table));
  } else {
    body = q.format == export_formats::Format::kGexf ? export_formats::to_gexf(*map, names)
                                                      : export_formats::to_graphml(*map, names);
  }
  Response r = make_response(req, http::status::ok, std::move(body),
                             std::string(export_formats::content_type(q.format)));
  r.set(http::field::content_disposition,
        export_formats::attachment(stem, export_formats::file_extension(q.format)));
  r.set("X-Content-Type-Options", "nosniff");
  return r;
}

Response export_convening(ServerContext& ctx, const Request& req, const std::string& id,
                          std::string_view query) {
  auto parsed = read_export_query(req, query);
  if (auto* r = std::get_if<Response>(&parsed)) return std::move(*r);
  const ExportQuery& q = std::get<ExportQuery>(parsed);
  const uint64_t at = q.at;
  auto admitted = admit_request(ctx, req, id);
  if (auto* r = std::get_if<Response>(&admitted)) return std::move(*r);
  store::Status s;
  const uint64_t head = ctx.store.head_seq(id, &s);
  if (!s.is_ok())
    return error_response(req, http::status::service_unavailable, "unavailable", s.message());
  if (at != UINT64_MAX && at > head)
    return error_response(req, http::status::bad_request, "bad_request",
                          "at is past the head seq " + std::to_string(head));
  std::string error;
  const auto state = rooms::load_room_state(ctx.store, id, at, &error);
  if (!state) return error_response(req, http::status::internal_server_error, "internal", error);
  json out = state->doc.to_json();
  if (q.format != export_formats::Format::kJson) return export_map(req, q, *state, out);
  out["id"] = id;
  out["name"] = state->name;
  out["head_seq"] = state->head_seq;
  out["members"] = export_members(state->members);
  return json_response(req, http::status::ok, out);
}

// Everyone who ever joined: names for "who added it" and the history view,
// without reading the document as an export would.
Response list_members(ServerContext& ctx, const Request& req, const std::string& id) {
  auto admitted = admit_request(ctx, req, id);
  if (auto* r = std::get_if<Response>(&admitted)) return std::move(*r);
  store::Status s;
  const auto members = ctx.store.members(id, &s);
  if (!s.is_ok())
    return error_response(req, http::status::service_unavailable, "unavailable", s.message());
  return json_response(req, http::status::ok, {{"members", export_members(members)}});
}

// The versions API: GET lists the named versions (any token of the
// convening), POST names the state after a seq (conveners and participants).
constexpr size_t kMaxVersions = 1000;

json version_json(const store::Version& v) {
  return {{"seq", v.seq},
          {"name", v.name},
          {"created_ms", v.created_ms},
          {"author", v.author},
          {"author_member", v.author_member}};
}

Response list_versions(ServerContext& ctx, const Request& req, const std::string& id) {
  store::Status s;
  json list = json::array();
  for (const auto& v : ctx.store.versions(id, &s)) list.push_back(version_json(v));
  if (!s.is_ok())
    return error_response(req, http::status::service_unavailable, "unavailable", s.message());
  return json_response(req, http::status::ok, {{"versions", std::move(list)}});
}

// Who names a version: the member whose replica secret the request carries
// (the browser sends its own), checked against that member's record as a
// Hello is; nullopt when the request carries none. The display name comes
// from the record, never from the request (F22).
struct Signer {
  std::string member_id;
  std::string name;
};

std::variant<std::optional<Signer>, Response> signer_of(ServerContext& ctx, const Request& req,
                                                        const json& body, const std::string& id) {
  const bool has_member = body.contains("member"), has_secret = body.contains("secret");
  if (!has_member && !has_secret) return std::optional<Signer>();
  const json member_field = body.value("member", json()),
             secret_field = body.value("secret", json());
  const std::optional<std::string> secret =
      secret_field.is_string()
          ? rooms::replica_secret_from_hex(secret_field.get_ref<const std::string&>())
          : std::nullopt;
  if (!member_field.is_string() ||
      !rooms::is_member_id(member_field.get_ref<const std::string&>()) || !secret)
    return error_response(req, http::status::bad_request, "bad_request",
                          "member (16 hex digits) and secret (the replica's, in hex) go together");
  const std::string& member = member_field.get_ref<const std::string&>();
  store::Status s;
  const auto records = ctx.store.members(id, &s);
  if (!s.is_ok())
    return error_response(req, http::status::service_unavailable, "unavailable", s.message());
  const auto it = std::find_if(records.begin(), records.end(),
                               [&](const store::Member& m) { return m.id == member; });
  if (it == records.end() || it->secret_hash.empty() ||
      !rooms::constant_time_equal(it->secret_hash, rooms::token_hash(*secret)))
    return error_response(req, http::status::forbidden, "not_member",
                          "that is not this member's secret");
  return std::optional<Signer>(Signer{member, rooms::clean_name(it->name)});
}

// One version named at a time: the count and the author of a version being
// replaced are read, then written.
std::mutex& version_changes() {
  static std::mutex mutex;
  return mutex;
}

Response name_version(ServerContext& ctx, const Request& req, const std::string& id,
                      pb::Role role) {
  const json body = json::parse(req.body(), nullptr, false);
  const bool shaped = !body.is_discarded() && body.is_object() && body.contains("name") &&
                      body["name"].is_string() && body.contains("seq") &&
                      body["seq"].is_number_unsigned();
  if (!shaped)
    return error_response(
        req, http::status::bad_request, "bad_request",
        "send {\"name\": \"...\", \"seq\": N} and, to sign it, \"member\" and \"secret\"");
  store::Version v;
  v.name = body["name"].get<std::string>();
  v.seq = body["seq"].get<uint64_t>();
  v.created_ms = unix_time_ms();
  if (v.name.empty() || v.name.size() > crdt::limits::kNameBytes || !crdt::utf8::valid(v.name))
    return error_response(req, http::status::bad_request, "bad_request",
                          "the name must be 1 to 200 bytes of UTF-8");
  auto signed_by = signer_of(ctx, req, body, id);
  if (auto* r = std::get_if<Response>(&signed_by)) return std::move(*r);
  if (const auto& signer = std::get<std::optional<Signer>>(signed_by)) {
    v.author = signer->name;
    v.author_member = signer->member_id;
  }
  std::lock_guard lock(version_changes());
  store::Status s;
  const uint64_t head = ctx.store.head_seq(id, &s);
  if (s.is_ok() && (v.seq == 0 || v.seq > head))
    return error_response(req, http::status::bad_request, "bad_request",
                          "seq must be between 1 and the head seq " + std::to_string(head));
  const auto existing = ctx.store.versions(id, &s);
  const auto same_seq = std::find_if(existing.begin(), existing.end(),
                                     [&](const store::Version& e) { return e.seq == v.seq; });
  // A signed name is its author's: others may rename it only as conveners.
  if (s.is_ok() && same_seq != existing.end() && !same_seq->author_member.empty() &&
      same_seq->author_member != v.author_member && role != pb::ROLE_CONVENER)
    return error_response(
        req, http::status::conflict, "version_named",
        "this point was named by " + same_seq->author + "; only they or a convener can rename it");
  if (s.is_ok() && same_seq == existing.end() && existing.size() >= kMaxVersions)
    return error_response(req, http::status::conflict, "too_many_versions",
                          "a convening keeps at most 1000 named versions");
  if (s.is_ok()) s = ctx.store.put_version(id, v);
  if (!s.is_ok())
    return error_response(req, http::status::service_unavailable, "unavailable", s.message());
  return json_response(req, http::status::created, version_json(v));
}

Response versions(ServerContext& ctx, const Request& req, const std::string& id) {
  auto admitted = admit_request(ctx, req, id);
  if (auto* r = std::get_if<Response>(&admitted)) return std::move(*r);
  const auto& a = std::get<rooms::Admission>(admitted);
  if (req.method() == http::verb::post && a.role == pb::ROLE_OBSERVER)
    return error_response(req, http::status::forbidden, "forbidden",
                          "observers cannot name versions");
  return req.method() == http::verb::post ? name_version(ctx, req, id, a.role)
                                          : list_versions(ctx, req, id);
}

// Revokes the invite of `kind` in force and issues a new one.
Response revoke_invite(ServerContext& ctx, const Request& req, const std::string& id,
                       const std::string& kind) {
  auto admitted = admit_convener(ctx, req, id, "revoke invites");
  if (auto* r = std::get_if<Response>(&admitted)) return std::move(*r);
  if (kind != "participant" && kind != "observer")
    return error_response(req, http::status::not_found, "not_found",
                          "invite kinds are participant and observer");
  std::lock_guard lock(access_changes());
  store::Status s;
  auto c = ctx.store.convening(id, &s);
  if (!c) return error_response(req, http::status::not_found, "not_found", "no convening " + id);
  const bool participant = kind == "participant";
  std::string& hash = participant ? c->participant_invite_hash : c->observer_invite_hash;
  const std::string old_hash = hash;
  const std::string token = rooms::new_token();
  hash = rooms::token_hash(token);
  const auto token_kind =
      participant ? store::TokenKind::kParticipantInvite : store::TokenKind::kObserverInvite;
  std::vector<std::pair<std::string, store::TokenGrant>> tokens{{hash, {id, token_kind, false}}};
  if (!old_hash.empty()) tokens.push_back({old_hash, {id, token_kind, true}});
  s = ctx.store.update_convening(*c, tokens);
  if (!s.is_ok())
    return error_response(req, http::status::service_unavailable, "unavailable", s.message());
  if (!old_hash.empty()) ctx.rooms.revoke(id, old_hash);
  spdlog::info("convening {}: {} invite revoked and replaced", id, kind);
  return json_response(req, http::status::ok, {{"invites", {{kind, token}}}});
}

// Writable storage is what "healthy" means: a failing store is tried again
// (and recovers here if its cause is gone), a working one is probed. A
// probe is a durable write: at most one a second, whoever asks how often;
// the others get its answer.
store::Status probe_store(store::Store& store) {
  static std::mutex mutex;
  static std::chrono::steady_clock::time_point probed_at{};
  static store::Status last = store::Status::ok();
  std::lock_guard lock(mutex);
  const auto now = std::chrono::steady_clock::now();
  // A store that failed or recovered since the last probe is news: asked
  // about at once. (Both answers leave failing() as they found it, so this
  // cannot repeat without a real change.)
  if (now - probed_at >= std::chrono::seconds(1) || store.failing() == last.is_ok()) {
    last = store.failing() ? store.recover() : store.probe_write();
    probed_at = now;
  }
  return last;
}

Response health(ServerContext& ctx, const Request& req) {
  const store::Status s = probe_store(ctx.store);
  if (!s.is_ok())
    return error_response(req, http::status::service_unavailable, "unavailable",
                          "the store is not writable: " + s.message());
  return json_response(req, http::status::ok, {{"status", "ok"}});
}

// The client's own scripts, styles and connections only; images of its own
// or drawn in the page (a Markdown preview loads none from elsewhere, which
// would tell another server who reads the draft); no framing by other sites.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self' ws: wss:; font-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

Response serve_file(ServerContext& ctx, const Request& req) {
  const auto file = resolve_static(ctx.config.client_dir,
                                   std::string_view(req.target().data(), req.target().size()));
  if (!file) return error_response(req, http::status::not_found, "not_found", "no such file");
  std::ifstream in(file->path, std::ios::binary);
  std::ostringstream body;
  body << in.rdbuf();
  if (!in && !in.eof())
    return error_response(req, http::status::internal_server_error, "internal",
                          "cannot read the file");
  Response res = make_response(req, http::status::ok, body.str(), file->content_type);
  res.set(http::field::cache_control, file->cache_control);
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Content-Security-Policy", kContentSecurityPolicy);
  res.set("Referrer-Policy", "no-referrer");
  if (req.method() == http::verb::head) {
    res.prepare_payload();
    res.body().clear();
  }
  return res;
}

}  // namespace

// Whether the request may do what the operator may: anyone on a server
// without --admin-token, else only a request bearing it (compared as hashes,
// in constant time).
bool is_operator(ServerContext& ctx, const Request& req) {
  if (ctx.config.admin_token.empty()) return true;
  const auto token = bearer_token(req);
  const std::string expected = rooms::token_hash(ctx.config.admin_token);
  const std::string presented = rooms::token_hash(token.value_or(""));
  return token && CRYPTO_memcmp(expected.data(), presented.data(), expected.size()) == 0;
}

// Creating a convening: rate-limited per client address, then (with
// --admin-token) only for the operator. The limit comes first, so the token
// cannot be guessed at speed; it is compared as hashes, in constant time.
std::optional<Response> refuse_create(ServerContext& ctx, const Request& req,
                                      const std::string& peer) {
  if (ctx.create_limiter) {
    const auto now = KeyedRateLimiter::Clock::now();
    if (!ctx.create_limiter->allow(peer, now)) {
      Response r = error_response(req, http::status::too_many_requests, "rate_limited",
                                  "too many convenings created from this address; try later");
      r.set(http::field::retry_after, std::to_string(ctx.create_limiter->retry_after(peer, now)));
      return r;
    }
  }
  if (is_operator(ctx, req)) return std::nullopt;
  return error_response(req, http::status::unauthorized, "unauthorized",
                        "creating convenings on this server needs its operator token");
}

void handle_http(ServerContext& ctx, Request req, Reply reply, const std::string& peer) {
  metrics().http_requests++;
  const std::string target(req.target());
  const auto qpos = target.find('?');
  const std::string path = target.substr(0, qpos);
  const std::string query = qpos == std::string::npos ? "" : target.substr(qpos + 1);
  const auto parts = segments(path);
  // A HEAD is answered as its GET would be; the session drops the body.
  const auto method = req.method() == http::verb::head ? http::verb::get : req.method();
  auto shared = std::make_shared<Request>(std::move(req));
  auto run = [&](std::function<Response(const Request&)> handler) {
    on_storage(
        ctx, [shared, handler = std::move(handler)] { return answer(*shared, handler); },
        std::move(reply));
  };

  if (path == "/healthz" && method == http::verb::get)
    return run([&ctx](const Request& r) { return health(ctx, r); });
  // A server with an operator token shows its figures to its operator only;
  // wrong tokens count against the address like attempts to create.
  if (path == "/metrics" && method == http::verb::get && !is_operator(ctx, *shared)) {
    if (ctx.create_limiter && !ctx.create_limiter->allow(peer, KeyedRateLimiter::Clock::now()))
      return reply(error_response(*shared, http::status::too_many_requests, "rate_limited",
                                  "too many attempts from this address; try later"));
    return reply(error_response(*shared, http::status::unauthorized, "unauthorized",
                                "this server's metrics need its operator token"));
  }
  if (path == "/metrics" && method == http::verb::get)
    return run([&ctx](const Request& r) {
      return make_response(r, http::status::ok, metrics().render(ctx.store.stats()),
                           "text/plain; version=0.0.4; charset=utf-8");
    });
  if (parts.size() >= 2 && parts[0] == "api" && parts[1] == "convenings") {
    // A body must say it is JSON: a page elsewhere can POST text/plain to
    // this server without asking the browser first, never JSON.
    const auto content_type = (*shared)[http::field::content_type];
    if (method == http::verb::post && !shared->body().empty() &&
        !beast::iequals(content_type.substr(0, 16), "application/json"))
      return reply(error_response(*shared, http::status::unsupported_media_type,
                                  "unsupported_media_type", "send the body as application/json"));
    if (parts.size() == 2 && method == http::verb::post) {
      if (auto refused = refuse_create(ctx, *shared, peer)) return reply(std::move(*refused));
      return run([&ctx](const Request& r) { return create_convening(ctx, r); });
    }
    if (parts.size() >= 3 && !rooms::valid_convening_id(parts[2]))
      return reply(
          error_response(*shared, http::status::not_found, "not_found", "no such convening"));
    if (parts.size() == 4 && parts[3] == "export" && method == http::verb::get) {
      if (auto refused = refuse_heavy_read(ctx, *shared, peer)) return reply(std::move(*refused));
      return on_heavy_read(
          ctx,
          [&ctx, shared, id = parts[2], query] {
            return answer(*shared,
                          [&](const Request& r) { return export_convening(ctx, r, id, query); });
          },
          std::move(reply));
    }
    if (parts.size() == 4 && parts[3] == "members" && method == http::verb::get)
      return run([&ctx, id = parts[2]](const Request& r) { return list_members(ctx, r, id); });
    if (parts.size() == 4 && parts[3] == "access" && method == http::verb::get)
      return run([&ctx, id = parts[2]](const Request& r) { return access(ctx, r, id); });
    if (parts.size() == 4 && parts[3] == "conveners" &&
        (method == http::verb::get || method == http::verb::post))
      return run([&ctx, id = parts[2]](const Request& r) {
        return r.method() == http::verb::post ? add_convener_link(ctx, r, id)
                                              : list_convener_links(ctx, r, id);
      });
    if (parts.size() == 6 && parts[3] == "conveners" && parts[5] == "revoke" &&
        method == http::verb::post)
      return run([&ctx, id = parts[2], link = parts[4]](const Request& r) {
        return revoke_convener_link(ctx, r, id, link);
      });
    if (parts.size() == 4 && parts[3] == "versions" &&
        (method == http::verb::get || method == http::verb::post))
      return run([&ctx, id = parts[2]](const Request& r) { return versions(ctx, r, id); });
    if (parts.size() == 6 && parts[3] == "invites" && parts[5] == "revoke" &&
        method == http::verb::post)
      return run([&ctx, id = parts[2], kind = parts[4]](const Request& r) {
        return revoke_invite(ctx, r, id, kind);
      });
    return reply(
        error_response(*shared, http::status::not_found, "not_found", "no such API endpoint"));
  }
  if (method == http::verb::get || method == http::verb::head) {
    if (ctx.config.client_dir.empty())
      return reply(error_response(*shared, http::status::not_found, "not_found",
                                  "this server serves no browser client (--client-dir)"));
    return run([&ctx](const Request& r) { return serve_file(ctx, r); });
  }
  reply(error_response(*shared, http::status::method_not_allowed, "method_not_allowed",
                       "method not allowed"));
}

json export_members(const std::vector<store::Member>& members) {
  json out = json::array();
  for (const auto& m : members)
    out.push_back({{"id", m.id},
                   {"name", rooms::clean_name(m.name)},
                   {"colour", rooms::clean_colour(m.colour)},
                   {"role", pb::Role_Name(static_cast<pb::Role>(m.role))}});
  return out;
}

}  // namespace convene::server
