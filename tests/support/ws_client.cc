#include "support/ws_client.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <iostream>
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

namespace ssl = net::ssl;

// A client context that trusts only `ca_file`. nullptr if it cannot be read.
std::unique_ptr<ssl::context> client_tls_context(const std::string& ca_file, std::string& error) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  error_code ec;
  context->load_verify_file(ca_file, ec);
  if (ec) {
    error = "cannot load " + ca_file + ": " + ec.message();
    return nullptr;
  }
  context->set_verify_mode(ssl::verify_peer);
  return context;
}

// Checks the server's name and sends it as SNI (a name, never an address).
void prepare_tls(beast::ssl_stream<beast::tcp_stream>& stream, const std::string& host) {
  stream.set_verify_callback(ssl::host_name_verification(host));
  error_code ec;
  net::ip::make_address(host, ec);
  if (ec) SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
}

// CONVENE_ITEST_TRACE=1 prints every message a Replica handles.
bool trace_enabled() {
  static const bool enabled = [] {
    const char* v = std::getenv("CONVENE_ITEST_TRACE");
    return v != nullptr && *v != '\0' && *v != '0';
  }();
  return enabled;
}

// Collects one violation's message and hands it to the reporter when the
// statement ends, so call sites read like GoogleTest's ADD_FAILURE().
class Violation {
 public:
  Violation() = default;
  Violation(const Violation&) = delete;
  Violation& operator=(const Violation&) = delete;
  ~Violation() { report_violation(out_.str()); }
  template <class T>
  Violation& operator<<(const T& value) {
    out_ << value;
    return *this;
  }

 private:
  std::ostringstream out_;
};

std::string id_str(const pb::OpId& id) {
  return std::to_string(id.replica()) + ":" + std::to_string(id.counter());
}

}  // namespace

// ---- protocol violations -----------------------------------------------------------

namespace {
ViolationReporter& reporter() {
  static ViolationReporter instance = [](const std::string& what) {
    std::cerr << "protocol violation: " << what << "\n";
  };
  return instance;
}
}  // namespace

void set_violation_reporter(ViolationReporter new_reporter) {
  reporter() = std::move(new_reporter);
}

void report_violation(const std::string& what) {
  reporter()(what);
}

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

namespace {

// Writes `req` and reads the answer on a connected stream (plain or TLS).
template <class Stream>
HttpResponse exchange(net::io_context& ioc, Stream& stream,
                      const http::request<http::string_body>& req) {
  HttpResponse out;
  error_code ec;
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
  return out;
}

}  // namespace

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
  if (at.tls_ca.empty()) {
    out = exchange(ioc, stream, req);
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    return out;
  }
  auto context = client_tls_context(at.tls_ca, out.transport_error);
  if (!context) return out;
  beast::ssl_stream<beast::tcp_stream> tls(std::move(stream), *context);
  prepare_tls(tls, at.host);
  ioc.restart();
  tls.async_handshake(ssl::stream_base::client, [&](error_code e) { ec = e; });
  ioc.run();
  if (ec) {
    out.transport_error = "tls handshake: " + ec.message();
    return out;
  }
  out = exchange(ioc, tls, req);
  beast::get_lowest_layer(tls).socket().shutdown(tcp::socket::shutdown_both, ec);
  return out;
}

std::optional<ConveningTokens> create_convening(const Endpoint& at, const std::string& name) {
  const HttpResponse r =
      http_request(at, "POST", "/api/convenings", nlohmann::json{{"name", name}}.dump());
  if (r.status != 200 && r.status != 201) {
    Violation() << "POST /api/convenings: " << r.describe();
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
    Violation() << "POST /api/convenings: missing id or tokens: " << r.describe();
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
  return http_request(at, "GET", target, {}, headers, Millis(60000));
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
//
// One read is kept outstanding while the connection is open; its handler
// queues what arrives in inbox_. A receive that times out leaves that read in
// place (cancelling a read fails a Beast websocket stream), and the next call
// simply runs the io_context on. Writes run beside the pending read.

WsClient::WsClient() = default;

WsClient::~WsClient() {
  if (has_stream()) {
    error_code ec;
    tcp_layer().socket().close(ec);
    // Let the pending handlers finish (with errors) while *this is alive.
    ioc_.restart();
    ioc_.run_for(Millis(500));
  }
}

beast::tcp_stream& WsClient::tcp_layer() {
  return with_ws([](auto& ws) -> beast::tcp_stream& { return beast::get_lowest_layer(ws); });
}

bool WsClient::run_until(const std::function<bool()>& done, Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  ioc_.restart();
  while (!done() && !ioc_.stopped() && Clock::now() < deadline) ioc_.run_one_until(deadline);
  return done();
}

void WsClient::fail_hard(const std::string& why) {
  if (error_.empty()) error_ = why;
  open_ = false;
  error_code ec;
  tcp_layer().socket().close(ec);
  // Every pending operation now completes; run them out.
  ioc_.restart();
  const auto deadline = Clock::now() + Millis(2000);
  while ((read_pending_ || write_pending_) && !ioc_.stopped() && Clock::now() < deadline)
    ioc_.run_one_until(deadline);
}

void WsClient::start_read() {
  if (!open_ || read_pending_) return;
  read_pending_ = true;
  buffer_.clear();
  with_ws(
      [this](auto& ws) { ws.async_read(buffer_, [this](error_code ec, size_t) { on_read(ec); }); });
}

void WsClient::on_read(error_code ec) {
  read_pending_ = false;
  if (ec) {
    open_ = false;
    // A close frame may have arrived even when the read ends in another
    // error (a failing teardown after it).
    const websocket::close_reason reason = with_ws([](auto& ws) { return ws.reason(); });
    if (ec == websocket::error::closed || reason.code != websocket::close_code::none) {
      close_code_ = static_cast<int>(reason.code);
      close_reason_ = std::string(reason.reason.data(), reason.reason.size());
    }
    if (ec != websocket::error::closed && error_.empty()) error_ = "read: " + ec.message();
    error_code ignored;
    tcp_layer().socket().close(ignored);
    return;
  }
  const std::string bytes = beast::buffers_to_string(buffer_.data());
  if (!with_ws([](auto& ws) { return ws.got_binary(); })) {
    Violation() << "server sent a text frame: '" << bytes.substr(0, 200) << "'";
  } else {
    ++frames_;
    pb::ServerMessage message;
    if (!message.ParseFromString(bytes)) {
      Violation() << "server sent a frame that is not a ServerMessage (" << bytes.size()
                  << " bytes)";
    } else if (message.has_batch()) {
      ++batch_frames_;
      for (pb::ServerMessage& m : *message.mutable_batch()->mutable_messages()) {
        if (m.has_batch() || m.body_case() == pb::ServerMessage::BODY_NOT_SET)
          Violation() << "server sent a Batch holding " << describe(m);
        inbox_.push_back(std::move(m));
      }
    } else {
      inbox_.push_back(std::move(message));
    }
  }
  start_read();
}

bool WsClient::connect(const Endpoint& at, const std::string& target, Millis timeout) {
  plain_ws_.reset();
  tls_ws_.reset();
  open_ = false;
  read_pending_ = write_pending_ = false;
  inbox_.clear();
  close_code_.reset();
  close_reason_.clear();
  error_.clear();
  error_code ec;
  const auto address = net::ip::make_address(at.host, ec);
  if (ec) {
    error_ = "bad address " + at.host;
    return false;
  }
  if (at.tls_ca.empty()) {
    plain_ws_ = std::make_unique<PlainWs>(ioc_);
  } else {
    if (!tls_context_) tls_context_ = client_tls_context(at.tls_ca, error_);
    if (!tls_context_) return false;
    tls_ws_ = std::make_unique<TlsWs>(ioc_, *tls_context_);
  }
  // The stream's own timeout bounds connect and handshakes (it closes the
  // socket when it fires); it is off once the connection is open.
  tcp_layer().expires_after(timeout);
  auto st = std::make_shared<OpState>();
  tcp_layer().async_connect(tcp::endpoint(address, at.port), [st](error_code e) {
    st->done = true;
    st->ec = e;
  });
  run_until([&] { return st->done; }, timeout + Millis(1000));
  if (!st->done || st->ec) {
    error_ = "connect: " + (st->done ? st->ec.message() : std::string("timeout"));
    if (!st->done) fail_hard(error_);
    return false;
  }
  if (tls_ws_ && !tls_handshake(at, timeout)) return false;
  with_ws([&](auto& ws) {
    ws.binary(true);
    ws.read_message_max(64u << 20);
    ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
      req.set(beast::http::field::user_agent, "convene-itest");
    }));
    st = std::make_shared<OpState>();
    ws.async_handshake(at.host + ":" + std::to_string(at.port), target, [st](error_code e) {
      st->done = true;
      st->ec = e;
    });
  });
  run_until([&] { return st->done; }, timeout + Millis(1000));
  if (!st->done || st->ec) {
    error_ = "handshake: " + (st->done ? st->ec.message() : std::string("timeout"));
    fail_hard(error_);
    return false;
  }
  tcp_layer().expires_never();
  open_ = true;
  start_read();
  return true;
}

bool WsClient::tls_handshake(const Endpoint& at, Millis timeout) {
  prepare_tls(tls_ws_->next_layer(), at.host);
  auto st = std::make_shared<OpState>();
  tls_ws_->next_layer().async_handshake(ssl::stream_base::client, [st](error_code e) {
    st->done = true;
    st->ec = e;
  });
  run_until([&] { return st->done; }, timeout + Millis(1000));
  if (st->done && !st->ec) return true;
  error_ = "tls handshake: " + (st->done ? st->ec.message() : std::string("timeout"));
  fail_hard(error_);
  return false;
}

bool WsClient::send(const pb::ClientMessage& message, Millis timeout) {
  std::string bytes;
  if (!message.SerializeToString(&bytes)) {
    Violation() << "cannot serialize a ClientMessage";
    return false;
  }
  return send_raw(bytes, timeout);
}

bool WsClient::send_raw(std::string_view bytes, Millis timeout) {
  if (!open_ || write_pending_) return false;
  auto st = std::make_shared<OpState>();
  auto data = std::make_shared<std::string>(bytes);
  write_pending_ = true;
  with_ws([&](auto& ws) {
    ws.binary(true);
    ws.async_write(net::buffer(*data), [this, st, data](error_code e, size_t) {
      write_pending_ = false;
      st->done = true;
      st->ec = e;
    });
  });
  run_until([&] { return st->done; }, timeout);
  if (!st->done) {
    fail_hard("write: timeout");
    return false;
  }
  if (st->ec) {
    // The connection is broken (say, the server died): it cannot be used
    // again, and connected() must say so.
    fail_hard("write: " + st->ec.message());
    return false;
  }
  return true;
}

std::optional<pb::ServerMessage> WsClient::receive(Millis timeout) {
  if (inbox_.empty() && open_) {
    start_read();
    run_until([&] { return !inbox_.empty() || !open_; }, timeout);
  }
  if (inbox_.empty()) return std::nullopt;
  pb::ServerMessage m = std::move(inbox_.front());
  inbox_.pop_front();
  return m;
}

std::optional<pb::ServerMessage> WsClient::receive_until(
    const std::function<bool(const pb::ServerMessage&)>& predicate, Millis timeout,
    std::vector<pb::ServerMessage>* skipped) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
    if (left.count() <= 0 && inbox_.empty()) return std::nullopt;
    std::optional<pb::ServerMessage> m = receive(std::max(left, Millis(0)));
    if (!m) {
      if (!open_) return std::nullopt;
      continue;
    }
    if (predicate(*m)) return m;
    if (skipped) skipped->push_back(std::move(*m));
  }
}

bool WsClient::wait_closed(Millis timeout, std::vector<pb::ServerMessage>* received) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    std::optional<pb::ServerMessage> m;
    while ((m = receive(Millis(0)))) {
      if (received) received->push_back(std::move(*m));
    }
    if (!open_) return true;
    const auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    m = receive(left);
    if (m && received) received->push_back(std::move(*m));
  }
}

void WsClient::close(Millis timeout) {
  if (!open_) return;
  // The pending read takes the server's close frame; async_close sends ours.
  auto st = std::make_shared<OpState>();
  with_ws([&](auto& ws) {
    ws.async_close(websocket::close_code::normal, [st](error_code e) {
      st->done = true;
      st->ec = e;
    });
  });
  run_until([&] { return st->done && !read_pending_; }, timeout);
  open_ = false;
  if (!st->done || read_pending_) fail_hard("close: timeout");
  error_code ec;
  tcp_layer().socket().close(ec);
}

void WsClient::drop() {
  if (!has_stream()) return;
  if (open_) fail_hard("dropped by the client");
  open_ = false;
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
  hello->set_replica_secret(options_.replica_secret.empty() ? replica_secret_for(replica_id_)
                                                            : options_.replica_secret);
  hello->set_convening(convening_);
  hello->set_last_seen_seq(seen_seq_);
  for (const pb::Op& op : pending_) *hello->add_resend() = op;
  hello->set_name(options_.name);
  hello->set_colour(options_.colour);
  hello->set_ops_only(options_.ops_only);
  hello->set_batches(options_.batches);
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
  // The ops continue, without a gap, from where this replica's state is.
  uint64_t expected = seen_seq_ + 1;
  if (!welcome.snapshot().empty()) {
    crdt::Result<crdt::Document> decoded =
        crdt::Document::decode_snapshot(welcome.snapshot(), replica_id_);
    if (!decoded.ok()) {
      Violation() << label()
                  << ": the Welcome's snapshot does not decode: " << decoded.status.str();
    } else {
      doc_ = std::move(decoded.value);
      from_snapshot_ = true;
      expected = welcome.snapshot_seq() + 1;
      seen_seq_ = std::max(seen_seq_, welcome.snapshot_seq());
    }
  }
  for (const pb::SequencedOp& op : welcome.ops()) {
    if (op.seq() != expected)
      Violation() << label() << ": Welcome op with seq " << op.seq() << " where seq " << expected
                  << " was due";
    expected = op.seq() + 1;
    apply_sequenced(op, /*from_broadcast=*/false);
  }
  if (from_snapshot_) {
    // Our own unacknowledged ops may not be in the snapshot: keep them.
    for (const pb::Op& op : pending_) {
      const crdt::Status s = doc_.apply(op);
      if (!s.applied())
        Violation() << label() << ": own pending op does not apply on the snapshot: " << s.str();
    }
  }
  if (seen_seq_ < welcome.head_seq())
    Violation() << label() << ": Welcome (head_seq " << welcome.head_seq()
                << ") leaves a gap: its ops end at seq " << seen_seq_;
  seen_seq_ = std::max(seen_seq_, welcome.head_seq());
}

void Replica::apply_sequenced(const pb::SequencedOp& op, bool from_broadcast) {
  const crdt::Status s = doc_.apply(op.op());
  if (s.code() == crdt::Status::Code::kDuplicate) {
    if (from_broadcast) ++duplicates_received_;
  } else if (!s.is_ok()) {
    // The first few say what went wrong; the rest would only repeat it.
    if (++apply_failures_ <= 3)
      Violation() << label() << ": op " << op.op().replica() << ":" << op.op().counter() << " (seq "
                  << op.seq() << ") from the server does not apply: " << s.str()
                  << (apply_failures_ == 3 ? " (further such failures not shown)" : "");
  }
  mark_seen(op.seq());
}

void Replica::mark_seen(uint64_t seq) {
  seen_seq_ = std::max(seen_seq_, seq);
}

void Replica::handle(const pb::ServerMessage& message) {
  if (trace_enabled()) std::cerr << "itest " << label() << " <- " << describe(message) << "\n";
  switch (message.body_case()) {
    case pb::ServerMessage::kOps:
      ++ops_messages_;
      for (const pb::SequencedOp& op : message.ops().ops()) {
        if (op.seq() <= seen_seq_ && order_violations_.size() < 100)
          order_violations_.push_back("Ops seq " + std::to_string(op.seq()) +
                                      " arrived after seq " + std::to_string(seen_seq_));
        broadcast_ops_.push_back(op);
        apply_sequenced(op, /*from_broadcast=*/true);
      }
      break;
    case pb::ServerMessage::kAck: {
      const pb::Ack& ack = message.ack();
      ++ack_messages_;
      if (ack.replica() != replica_id_) {
        Violation() << label() << ": Ack for another replica: " << describe(message);
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
          Violation() << label() << ": op counter " << done->first << " acknowledged at seq "
                      << done->second << " and again at seq " << ack.seq();
        mark_seen(ack.seq());
      } else {
        Violation() << label() << ": Ack for an op never sent: " << describe(message);
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
      Violation() << label() << ": a second Welcome on one connection";
      break;
    case pb::ServerMessage::kBatch:  // WsClient hands on a Batch's messages one by one
      Violation() << label() << ": a Batch reached the replica";
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
    // A failed write leaves the ops pending: they are resent on the next join.
    ws_->send(m);
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
    if (!connected()) {
      // What arrived before the close (say, the Error explaining it) is
      // still handled.
      std::optional<pb::ServerMessage> m = ws_ ? ws_->receive(Millis(0)) : std::nullopt;
      if (!m) return false;
      handle(*m);
      continue;
    }
    // Rounded up: a short pump must still read what has arrived.
    const auto left = std::chrono::ceil<Millis>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    if (std::optional<pb::ServerMessage> m = ws_->receive(left)) handle(*m);
  }
}

void Replica::pump(Millis duration) {
  pump_until([] { return false; }, duration);
}

bool Replica::wait_seen(uint64_t seq, Millis timeout) {
  return pump_until([&] { return seen_seq_ >= seq; }, timeout);
}

bool Replica::wait_has(const std::map<uint64_t, uint64_t>& last_counters, Millis timeout) {
  return pump_until(
      [&] {
        for (const auto& [replica, counter] : last_counters)
          if (doc_.version().last(replica) < counter) return false;
        return true;
      },
      timeout);
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

std::string member_id_of(uint64_t replica) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(replica));
  return buf;
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

std::string replica_secret_for(uint64_t replica) {
  return "test-secret-" + std::to_string(replica) + std::string(12, '.');
}

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
    case pb::ServerMessage::kBatch:
      out << "Batch{" << message.batch().messages_size() << " messages}";
      break;
    case pb::ServerMessage::BODY_NOT_SET:
      out << "ServerMessage{no body}";
      break;
  }
  return out.str();
}

}  // namespace convene::itest
