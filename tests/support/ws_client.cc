#include "support/ws_client.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cctype>
#include <sstream>
#include <thread>

namespace convene::itest {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

// The outcome of one asynchronous operation, shared with its handler so a
// late handler never touches a dead stack frame.
struct OpState {
  bool done = false;
  error_code ec;
  size_t bytes = 0;
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string id_str(const pb::OpId& id) {
  return std::to_string(id.replica()) + ":" + std::to_string(id.counter());
}

}  // namespace

// ---- HTTP ---------------------------------------------------------------------

std::string HttpResponse::header(const std::string& lower_case_name) const {
  auto it = headers.find(lower_case_name);
  return it == headers.end() ? std::string() : it->second;
}

nlohmann::json HttpResponse::json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

std::string HttpResponse::describe() const {
  std::ostringstream out;
  if (status == 0) {
    out << "no response (" << transport_error << ")";
  } else {
    out << "status " << status << ", content-type '" << header("content-type") << "', body '"
        << body.substr(0, 600) << (body.size() > 600 ? "...'" : "'");
  }
  return out.str();
}

HttpResponse http_request(const Endpoint& at, const std::string& method, const std::string& target,
                          const std::string& body,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          Millis timeout) {
  HttpResponse out;
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  error_code ec;
  const auto address = net::ip::make_address(at.host, ec);
  if (ec) {
    out.transport_error = "bad address " + at.host;
    return out;
  }
  // The stream's timeout closes the socket, so each run() below ends in time.
  stream.expires_after(timeout);
  stream.async_connect(tcp::endpoint(address, at.port), [&](error_code e) { ec = e; });
  ioc.run();
  if (ec) {
    out.transport_error = "connect: " + ec.message();
    return out;
  }

  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, at.host + ":" + std::to_string(at.port));
  req.set(http::field::connection, "close");
  for (const auto& [name, value] : headers) req.set(name, value);
  if (!body.empty() || method == "POST" || method == "PUT") {
    req.body() = body;
    if (req.find(http::field::content_type) == req.end())
      req.set(http::field::content_type, "application/json");
    req.prepare_payload();
  }
  ioc.restart();
  http::async_write(stream, req, [&](error_code e, size_t) { ec = e; });
  ioc.run();
  if (ec) {
    out.transport_error = "write: " + ec.message();
    return out;
  }

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64u << 20);
  ioc.restart();
  http::async_read(stream, buffer, parser, [&](error_code e, size_t) { ec = e; });
  ioc.run();
  if (ec) {
    out.transport_error = "read: " + ec.message();
    return out;
  }
  const auto& res = parser.get();
  out.status = static_cast<int>(res.result_int());
  out.body = res.body();
  for (const auto& field : res)
    out.headers[lower(std::string(field.name_string()))] = std::string(field.value());
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return out;
}

std::optional<ConveningTokens> create_convening(const Endpoint& at, const std::string& name) {
  const HttpResponse r =
      http_request(at, "POST", "/api/convenings", nlohmann::json{{"name", name}}.dump());
  if (r.status != 200 && r.status != 201) {
    ADD_FAILURE() << "POST /api/convenings: " << r.describe();
    return std::nullopt;
  }
  const nlohmann::json j = r.json();
  auto str = [&](const nlohmann::json& v) {
    return v.is_string() ? v.get<std::string>() : std::string();
  };
  ConveningTokens t;
  if (j.is_object()) {
    t.id = str(j.value("id", nlohmann::json()));
    t.convener = str(j.value("convener_token", nlohmann::json()));
    const nlohmann::json invites = j.value("invites", nlohmann::json::object());
    if (invites.is_object()) {
      t.participant = str(invites.value("participant", nlohmann::json()));
      t.observer = str(invites.value("observer", nlohmann::json()));
    }
  }
  if (t.id.empty() || t.convener.empty() || t.participant.empty() || t.observer.empty()) {
    ADD_FAILURE() << "POST /api/convenings: missing id or tokens: " << r.describe();
    return std::nullopt;
  }
  return t;
}

HttpResponse export_convening(const Endpoint& at, const std::string& id, const std::string& token,
                              std::optional<uint64_t> at_seq) {
  std::string target = "/api/convenings/" + id + "/export?format=json";
  if (at_seq) target += "&at=" + std::to_string(*at_seq);
  std::vector<std::pair<std::string, std::string>> headers;
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
  return http_request(at, "GET", target, {}, headers, Millis(10000));
}

HttpResponse revoke_invite(const Endpoint& at, const std::string& id, const std::string& kind,
                           const std::string& convener_token) {
  return http_request(at, "POST", "/api/convenings/" + id + "/invites/" + kind + "/revoke", {},
                      {{"Authorization", "Bearer " + convener_token}});
}

nlohmann::json document_part(const nlohmann::json& state) {
  nlohmann::json out = nlohmann::json::object();
  if (!state.is_object()) return out;
  out["maps"] = state.value("maps", nlohmann::json());
  out["drafts"] = state.value("drafts", nlohmann::json());
  return out;
}

// ---- WebSocket ------------------------------------------------------------------

WsClient::WsClient() = default;

WsClient::~WsClient() {
  if (ws_) {
    error_code ec;
    beast::get_lowest_layer(*ws_).socket().close(ec);
  }
}

bool WsClient::run_until(const bool& done, Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  ioc_.restart();
  while (!done && !ioc_.stopped() && Clock::now() < deadline) ioc_.run_one_until(deadline);
  if (done) return true;
  // Timed out: cancel, and let the handler see operation_aborted.
  beast::get_lowest_layer(*ws_).cancel();
  ioc_.restart();
  const auto grace = Clock::now() + Millis(2000);
  while (!done && !ioc_.stopped() && Clock::now() < grace) ioc_.run_one_until(grace);
  if (!done) {
    // Still not finished: close the socket, which ends every operation.
    error_code ec;
    beast::get_lowest_layer(*ws_).socket().close(ec);
    ioc_.restart();
    while (!done && !ioc_.stopped()) ioc_.run_one_for(Millis(2000));
    open_ = false;
  }
  return false;
}

void WsClient::mark_closed(const error_code& ec) {
  if (!open_) return;
  open_ = false;
  if (ec == websocket::error::closed) {
    close_code_ = static_cast<int>(ws_->reason().code);
    close_reason_ = std::string(ws_->reason().reason.c_str());
  } else {
    error_ = ec.message();
  }
  error_code ignored;
  beast::get_lowest_layer(*ws_).socket().close(ignored);
}

bool WsClient::connect(const Endpoint& at, const std::string& target, Millis timeout) {
  ws_ = std::make_unique<websocket::stream<beast::tcp_stream>>(ioc_);
  open_ = false;
  close_code_.reset();
  close_reason_.clear();
  error_.clear();
  error_code ec;
  const auto address = net::ip::make_address(at.host, ec);
  if (ec) {
    error_ = "bad address " + at.host;
    return false;
  }
  auto st = std::make_shared<OpState>();
  beast::get_lowest_layer(*ws_).async_connect(tcp::endpoint(address, at.port), [st](error_code e) {
    st->done = true;
    st->ec = e;
  });
  if (!run_until(st->done, timeout) || st->ec) {
    error_ = "connect: " + (st->ec ? st->ec.message() : std::string("timeout"));
    return false;
  }
  ws_->binary(true);
  ws_->read_message_max(64u << 20);
  ws_->set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
    req.set(beast::http::field::user_agent, "convene-itest");
  }));
  st = std::make_shared<OpState>();
  ws_->async_handshake(at.host + ":" + std::to_string(at.port), target, [st](error_code e) {
    st->done = true;
    st->ec = e;
  });
  if (!run_until(st->done, timeout) || st->ec) {
    error_ = "handshake: " + (st->ec ? st->ec.message() : std::string("timeout"));
    beast::get_lowest_layer(*ws_).socket().close(ec);
    return false;
  }
  open_ = true;
  return true;
}

bool WsClient::send(const pb::ClientMessage& message, Millis timeout) {
  std::string bytes;
  if (!message.SerializeToString(&bytes)) {
    ADD_FAILURE() << "cannot serialize a ClientMessage";
    return false;
  }
  return send_raw(bytes, timeout);
}

bool WsClient::send_raw(std::string_view bytes, Millis timeout) {
  if (!open_) return false;
  auto st = std::make_shared<OpState>();
  auto data = std::make_shared<std::string>(bytes);
  ws_->binary(true);
  ws_->async_write(net::buffer(*data), [st, data](error_code e, size_t) {
    st->done = true;
    st->ec = e;
  });
  const bool in_time = run_until(st->done, timeout);
  if (!in_time || st->ec) {
    // A failed or interrupted write leaves the stream unusable.
    if (st->ec)
      error_ = "write: " + st->ec.message();
    else
      error_ = "write: timeout";
    if (open_) {
      open_ = false;
      error_code ec;
      beast::get_lowest_layer(*ws_).socket().close(ec);
    }
    return false;
  }
  return true;
}

std::optional<pb::ServerMessage> WsClient::receive(Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  while (open_) {
    const auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto st = std::make_shared<OpState>();
    buffer_.clear();
    ws_->async_read(buffer_, [st](error_code e, size_t n) {
      st->done = true;
      st->ec = e;
      st->bytes = n;
    });
    run_until(st->done, left);
    if (!st->done) return std::nullopt;
    if (st->ec == net::error::operation_aborted) return std::nullopt;  // our timeout
    if (st->ec) {
      mark_closed(st->ec);
      return std::nullopt;
    }
    const std::string bytes = beast::buffers_to_string(buffer_.data());
    if (!ws_->got_binary()) {
      ADD_FAILURE() << "server sent a text frame: '" << bytes.substr(0, 200) << "'";
      continue;
    }
    pb::ServerMessage message;
    if (!message.ParseFromString(bytes)) {
      ADD_FAILURE() << "server sent a frame that is not a ServerMessage (" << bytes.size()
                    << " bytes)";
      continue;
    }
    return message;
  }
  return std::nullopt;
}

std::optional<pb::ServerMessage> WsClient::receive_until(
    const std::function<bool(const pb::ServerMessage&)>& predicate, Millis timeout,
    std::vector<pb::ServerMessage>* skipped) {
  const auto deadline = Clock::now() + timeout;
  while (open_) {
    const auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    std::optional<pb::ServerMessage> m = receive(left);
    if (!m) continue;
    if (predicate(*m)) return m;
    if (skipped) skipped->push_back(std::move(*m));
  }
  return std::nullopt;
}

bool WsClient::wait_closed(Millis timeout, std::vector<pb::ServerMessage>* received) {
  const auto deadline = Clock::now() + timeout;
  while (open_) {
    const auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    std::optional<pb::ServerMessage> m = receive(left);
    if (m && received) received->push_back(std::move(*m));
  }
  return true;
}

void WsClient::close(Millis timeout) {
  if (!open_) return;
  auto st = std::make_shared<OpState>();
  ws_->async_close(websocket::close_code::normal, [st](error_code e) {
    st->done = true;
    st->ec = e;
  });
  run_until(st->done, timeout);
  open_ = false;
  error_code ec;
  beast::get_lowest_layer(*ws_).socket().close(ec);
}

void WsClient::drop() {
  if (!ws_) return;
  open_ = false;
  error_code ec;
  beast::get_lowest_layer(*ws_).socket().close(ec);
}

// ---- Replica ----------------------------------------------------------------------

std::string JoinResult::describe() const {
  std::ostringstream out;
  if (welcome)
    out << "Welcome{head_seq " << welcome->head_seq() << "}";
  else if (error)
    out << "Error{" << error_code_name(error->code()) << ", '" << error->message() << "'}";
  else
    out << "no answer: " << failure;
  if (!before.empty()) {
    out << "; before it:";
    for (const auto& m : before) out << ' ' << itest::describe(m);
  }
  return out.str();
}

Replica::Replica(Endpoint server, std::string convening, uint64_t replica_id,
                 ReplicaOptions options)
    : server_(std::move(server)),
      convening_(std::move(convening)),
      replica_id_(replica_id),
      options_(std::move(options)),
      doc_(replica_id) {}

Replica::~Replica() = default;

std::string Replica::label() const {
  return "replica " + std::to_string(replica_id_) + " (" + options_.name + ")";
}

JoinResult Replica::join(Millis timeout) {
  JoinResult result;
  if (connected()) ws_->close();
  flush();  // not connected: only moves the outbox to pending
  ws_ = std::make_unique<WsClient>();
  if (!ws_->connect(server_, "/ws", timeout)) {
    result.failure = ws_->error();
    return result;
  }
  result.connected = true;
  pb::ClientMessage hello_message;
  pb::Hello* hello = hello_message.mutable_hello();
  hello->set_protocol(1);
  hello->set_token(options_.token);
  hello->set_replica(replica_id_);
  hello->set_convening(convening_);
  hello->set_last_seen_seq(seen_base_);
  for (const pb::Op& op : pending_) *hello->add_resend() = op;
  hello->set_name(options_.name);
  hello->set_colour(options_.colour);
  if (!ws_->send(hello_message, timeout)) {
    result.failure = "sending Hello: " + ws_->error();
    return result;
  }
  std::optional<pb::ServerMessage> answer = ws_->receive_until(
      [](const pb::ServerMessage& m) { return m.has_welcome() || m.has_error(); }, timeout,
      &result.before);
  if (!answer) {
    result.failure = ws_->is_open()
                         ? "no Welcome or Error within " + std::to_string(timeout.count()) + " ms"
                         : "closed (code " + std::to_string(ws_->close_code().value_or(0)) + ", " +
                               ws_->error() + ")";
    return result;
  }
  if (answer->has_error()) {
    errors_.push_back(answer->error());
    result.error = answer->error();
    return result;
  }
  welcome_ = answer->welcome();
  result.welcome = answer->welcome();
  adopt_welcome(answer->welcome());
  return result;
}

JoinResult Replica::rejoin(Millis timeout) {
  const auto deadline = Clock::now() + Millis(3000);
  for (;;) {
    JoinResult r = join(timeout);
    if (!r.error || r.error->code() != pb::ERROR_REPLICA_IN_USE || Clock::now() >= deadline)
      return r;
    errors_.pop_back();
    if (ws_) ws_->close(Millis(500));
    std::this_thread::sleep_for(Millis(100));
  }
}

void Replica::adopt_welcome(const pb::Welcome& welcome) {
  from_snapshot_ = false;
  if (!welcome.snapshot().empty()) {
    crdt::Result<crdt::Document> decoded =
        crdt::Document::decode_snapshot(welcome.snapshot(), replica_id_);
    if (!decoded.ok()) {
      ADD_FAILURE() << label()
                    << ": the Welcome's snapshot does not decode: " << decoded.status.str();
    } else {
      doc_ = std::move(decoded.value);
      from_snapshot_ = true;
      if (welcome.snapshot_seq() > seen_base_) {
        seen_base_ = welcome.snapshot_seq();
        seen_above_.erase(seen_above_.begin(), seen_above_.upper_bound(seen_base_));
      }
    }
  }
  uint64_t previous = 0;
  for (const pb::SequencedOp& op : welcome.ops()) {
    if (op.seq() <= previous)
      ADD_FAILURE() << label() << ": Welcome ops out of order: seq " << op.seq() << " after "
                    << previous;
    previous = op.seq();
    apply_sequenced(op, /*from_broadcast=*/false);
  }
  if (from_snapshot_) {
    // Our own unacknowledged ops may not be in the snapshot: keep them.
    for (const pb::Op& op : pending_) {
      const crdt::Status s = doc_.apply(op);
      if (!s.applied())
        ADD_FAILURE() << label() << ": own pending op does not apply on the snapshot: " << s.str();
    }
  }
  if (seen_base_ < welcome.head_seq()) {
    ADD_FAILURE() << label() << ": Welcome (head_seq " << welcome.head_seq()
                  << ") leaves a gap: seen up to " << seen_base_;
    seen_base_ = welcome.head_seq();
    seen_above_.erase(seen_above_.begin(), seen_above_.upper_bound(seen_base_));
  }
  last_broadcast_seq_ = welcome.head_seq();
}

void Replica::apply_sequenced(const pb::SequencedOp& op, bool from_broadcast) {
  const crdt::Status s = doc_.apply(op.op());
  if (s.code() == crdt::Status::Code::kDuplicate) {
    if (from_broadcast) ++duplicates_received_;
  } else if (!s.is_ok()) {
    ADD_FAILURE() << label() << ": op " << op.op().replica() << ":" << op.op().counter() << " (seq "
                  << op.seq() << ") from the server does not apply: " << s.str();
  }
  mark_seen(op.seq());
}

void Replica::mark_seen(uint64_t seq) {
  if (seq <= seen_base_) return;
  seen_above_.insert(seq);
  while (!seen_above_.empty() && *seen_above_.begin() == seen_base_ + 1) {
    seen_above_.erase(seen_above_.begin());
    ++seen_base_;
  }
}

void Replica::handle(const pb::ServerMessage& message) {
  switch (message.body_case()) {
    case pb::ServerMessage::kOps:
      for (const pb::SequencedOp& op : message.ops().ops()) {
        if (op.seq() <= last_broadcast_seq_)
          ADD_FAILURE() << label() << ": Ops out of seq order: " << op.seq() << " after "
                        << last_broadcast_seq_;
        last_broadcast_seq_ = std::max(last_broadcast_seq_, op.seq());
        broadcast_ops_.push_back(op);
        apply_sequenced(op, /*from_broadcast=*/true);
      }
      break;
    case pb::ServerMessage::kAck: {
      const pb::Ack& ack = message.ack();
      ++ack_messages_;
      if (ack.replica() != replica_id_) {
        ADD_FAILURE() << label() << ": Ack for another replica: " << describe(message);
        break;
      }
      // The Ack names one op; ops of ours before it are committed too (an
      // Ack may cover several). Seq 0 re-acknowledges an op committed before
      // the room was loaded.
      bool matched = false;
      for (auto it = pending_.begin(); it != pending_.end();) {
        const uint64_t first = it->counter();
        const uint64_t last = first + crdt::op_span(*it) - 1;
        if (first > ack.counter()) {
          ++it;
          continue;
        }
        const bool named = ack.counter() <= last;
        matched = matched || named;
        if (!named) ++cumulative_acks_;
        acks_[first] = named ? ack.seq() : 0;
        it = pending_.erase(it);
      }
      if (matched) {
        mark_seen(ack.seq());
      } else if (auto done = acks_.upper_bound(ack.counter()); done != acks_.begin()) {
        --done;
        if (done->second != 0 && ack.seq() != 0 && done->second != ack.seq())
          ADD_FAILURE() << label() << ": op counter " << done->first << " acknowledged at seq "
                        << done->second << " and again at seq " << ack.seq();
        mark_seen(ack.seq());
      } else {
        ADD_FAILURE() << label() << ": Ack for an op never sent: " << describe(message);
      }
      break;
    }
    case pb::ServerMessage::kPresence:
      presence_.push_back(message.presence());
      break;
    case pb::ServerMessage::kError:
      errors_.push_back(message.error());
      break;
    case pb::ServerMessage::kWelcome:
      ADD_FAILURE() << label() << ": a second Welcome on one connection";
      break;
    case pb::ServerMessage::kPong:
    case pb::ServerMessage::BODY_NOT_SET:
      break;
  }
}

std::vector<pb::Op> Replica::flush() {
  std::vector<pb::Op> ops = doc_.take_outbox();
  if (ops.empty()) return ops;
  for (const pb::Op& op : ops) {
    pending_.push_back(op);
    sent_[op.counter()] = op;
  }
  if (connected()) {
    pb::ClientMessage m;
    for (const pb::Op& op : ops) *m.mutable_submit()->add_ops() = op;
    if (!ws_->send(m)) ADD_FAILURE() << label() << ": cannot submit: " << ws_->error();
  }
  return ops;
}

bool Replica::submit_raw(const std::vector<pb::Op>& ops) {
  if (!connected()) return false;
  pb::ClientMessage m;
  for (const pb::Op& op : ops) *m.mutable_submit()->add_ops() = op;
  return ws_->send(m);
}

bool Replica::send_presence(const pb::PresenceState& state) {
  if (!connected()) return false;
  pb::ClientMessage m;
  *m.mutable_presence() = state;
  return ws_->send(m);
}

bool Replica::pump_until(const std::function<bool()>& done, Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (!connected()) return false;
    const auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    if (std::optional<pb::ServerMessage> m = ws_->receive(left)) handle(*m);
  }
}

void Replica::pump(Millis duration) {
  pump_until([] { return false; }, duration);
}

bool Replica::wait_seen(uint64_t seq, Millis timeout) {
  return pump_until([&] { return seen_base_ >= seq; }, timeout);
}

bool Replica::wait_acked(Millis timeout) {
  return pump_until([&] { return pending_.empty(); }, timeout);
}

void Replica::disconnect() {
  if (ws_) ws_->close();
}

void Replica::drop() {
  if (ws_) ws_->drop();
}

// ---- descriptions -------------------------------------------------------------------

std::string error_code_name(pb::ErrorCode code) {
  const std::string& name = pb::ErrorCode_Name(code);
  return name.empty() ? "ErrorCode(" + std::to_string(static_cast<int>(code)) + ")" : name;
}

std::string describe(const pb::ServerMessage& message) {
  std::ostringstream out;
  switch (message.body_case()) {
    case pb::ServerMessage::kWelcome:
      out << "Welcome{head_seq " << message.welcome().head_seq() << ", "
          << message.welcome().ops_size() << " ops, snapshot "
          << message.welcome().snapshot().size() << " bytes}";
      break;
    case pb::ServerMessage::kOps: {
      const auto& ops = message.ops().ops();
      out << "Ops{" << ops.size() << " ops";
      if (!ops.empty()) out << ", seq " << ops.begin()->seq() << ".." << ops.rbegin()->seq();
      out << "}";
      break;
    }
    case pb::ServerMessage::kAck:
      out << "Ack{" << message.ack().replica() << ":" << message.ack().counter() << ", seq "
          << message.ack().seq() << "}";
      break;
    case pb::ServerMessage::kPresence:
      out << "PresenceUpdate{" << message.presence().members_size() << " members, "
          << message.presence().left_size() << " left}";
      break;
    case pb::ServerMessage::kError:
      out << "Error{" << error_code_name(message.error().code()) << ", op "
          << id_str(message.error().op()) << ", '" << message.error().message() << "'}";
      break;
    case pb::ServerMessage::kPong:
      out << "Pong{" << message.pong().nonce() << "}";
      break;
    case pb::ServerMessage::BODY_NOT_SET:
      out << "ServerMessage{no body}";
      break;
  }
  return out.str();
}

}  // namespace convene::itest
