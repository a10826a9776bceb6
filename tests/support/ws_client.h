// Synchronous clients of convene-server for integration tests: a WebSocket
// client (Boost.Beast), a CRDT replica that speaks the protocol through it, and
// a small HTTP client for the REST endpoints.
//
// The server's interface these rely on (issue 3, proto/convene/v1/protocol.proto):
// - WebSocket at GET /ws; binary frames, one protobuf envelope each:
//   ClientMessage upstream, ServerMessage downstream.
// - The client's first message is Hello{protocol=1, token, replica, convening,
//   last_seen_seq, resend, name, colour}. The answer is Welcome{role,
//   member_id, head_seq, members, and either the ops after last_seen_seq or
//   snapshot + snapshot_seq + the ops after snapshot_seq}, or Error. For auth
//   errors (ERROR_UNAUTHORIZED) the connection is closed and no document data
//   is sent first.
// - Submit{ops}: for each committed op, Ack{replica, counter, seq} to its
//   author and Ops{SequencedOp...} to every other connection of the room, in
//   seq order. (docs/protocol.md: an Ack also covers the author's earlier ops,
//   and a resend committed before the room was loaded is acknowledged with
//   seq 0; Replica accepts both.) Invalid ops get Error{ERROR_INVALID_OP or
//   ERROR_MISSING_DEPENDENCY, op = its id} and the connection stays open;
//   observers' ops get ERROR_FORBIDDEN; a second live connection claiming the
//   same replica gets ERROR_REPLICA_IN_USE; a frame that is not a
//   ClientMessage gets ERROR_MALFORMED. Resent ops already in the log are
//   acknowledged again (same seq) and not broadcast again.
// - PresenceState upstream is relayed to the others as PresenceUpdate.
// - SIGTERM closes every connection with close code 1001.
// - REST: POST /api/convenings {"name"} -> {"id", "convener_token",
//   "invites": {"participant", "observer"}}; GET
//   /api/convenings/{id}/export?format=json[&at=SEQ] with "Authorization:
//   Bearer TOKEN" -> {"maps", "drafts" (as crdt::Document::to_json()),
//   "members", "head_seq"}; POST /api/convenings/{id}/invites/{kind}/revoke
//   (convener token) -> 200, the invite stops working and its live
//   connections are closed. Errors are {"error": {"code", "message"}}.
//
// Every operation has a deadline: nothing here can block a test for longer
// than the timeout it is given. Each client owns its own io_context and is
// driven only from the calling thread (no background threads).
//
// Protocol violations by the server (an undecodable frame, a text frame, an
// Ack for an op never sent, an op that does not apply, a Welcome with a gap)
// go to the violation reporter where they are seen: GoogleTest failures in
// the tests (support/gtest_reporter.cc), a count in convene-bench crash.
// Frames out of seq order are only recorded (order_violations()), for the
// test that checks the order.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "convene/v1/protocol.pb.h"
#include "crdt/document.h"

namespace convene::itest {

namespace pb = ::convene::v1;
using Millis = std::chrono::milliseconds;

struct Endpoint {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  // A PEM certificate to trust: the client speaks TLS (https, wss) and
  // checks the server's certificate against it and the name "localhost".
  // Empty: plain HTTP and WebSocket.
  std::string tls_ca;
};

// ---- protocol violations -----------------------------------------------------------

// Receives a description of each violation. The default prints it to stderr.
// Set it once, before any client runs: it is not synchronised.
using ViolationReporter = std::function<void(const std::string&)>;
void set_violation_reporter(ViolationReporter reporter);
void report_violation(const std::string& what);

// ---- HTTP ---------------------------------------------------------------------

struct HttpResponse {
  int status = 0;  // 0: no response (see transport_error)
  std::string transport_error;
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case

  std::string header(const std::string& lower_case_name) const;
  // The body as JSON; a discarded value if it is not JSON.
  nlohmann::json json() const;
  // "status N, body ..." for assertion messages.
  std::string describe() const;
};

// One request on a fresh connection. `target` is sent verbatim (so tests can
// send "/../etc/passwd").
HttpResponse http_request(const Endpoint& at, const std::string& method, const std::string& target,
                          const std::string& body = {},
                          const std::vector<std::pair<std::string, std::string>>& headers = {},
                          Millis timeout = Millis(5000));

struct ConveningTokens {
  std::string id;
  std::string convener;
  std::string participant;
  std::string observer;
};

// POST /api/convenings. nullopt (and ADD_FAILURE with the response) if the
// answer is not a 200/201 with every token.
std::optional<ConveningTokens> create_convening(const Endpoint& at, const std::string& name);
// GET /api/convenings/{id}/export?format=json[&at=SEQ] with a bearer token
// (none if empty).
HttpResponse export_convening(const Endpoint& at, const std::string& id, const std::string& token,
                              std::optional<uint64_t> at_seq = std::nullopt);
// POST /api/convenings/{id}/invites/{kind}/revoke with the convener's token.
HttpResponse revoke_invite(const Endpoint& at, const std::string& id, const std::string& kind,
                           const std::string& convener_token);

// {"maps", "drafts"} of an export or of Document::to_json(): what must match.
nlohmann::json document_part(const nlohmann::json& state);

// ---- WebSocket ------------------------------------------------------------------

class WsClient {
 public:
  WsClient();
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // TCP connect and WebSocket upgrade at `target`. False with error() set.
  bool connect(const Endpoint& at, const std::string& target = "/ws",
               Millis timeout = Millis(5000));
  bool send(const pb::ClientMessage& message, Millis timeout = Millis(5000));
  // One binary frame with these exact bytes.
  bool send_raw(std::string_view bytes, Millis timeout = Millis(5000));

  // The next ServerMessage, or nullopt on timeout or when the connection is
  // closed (then is_open() is false and close_code() says how).
  std::optional<pb::ServerMessage> receive(Millis timeout);
  // Receives until `predicate` accepts a message and returns it; messages
  // before it are appended to `skipped` if given. nullopt on timeout/close.
  std::optional<pb::ServerMessage> receive_until(
      const std::function<bool(const pb::ServerMessage&)>& predicate, Millis timeout,
      std::vector<pb::ServerMessage>* skipped = nullptr);
  // Receives until the server closes the connection; the messages read on
  // the way are appended to `received`. True if it closed within `timeout`.
  bool wait_closed(Millis timeout, std::vector<pb::ServerMessage>* received = nullptr);

  // Graceful WebSocket close (close frame, wait for the server's).
  void close(Millis timeout = Millis(3000));
  // Abrupt: the TCP socket is closed without a close frame.
  void drop();

  bool is_open() const { return open_; }
  // The close code of the server's close frame, if one arrived.
  std::optional<int> close_code() const { return close_code_; }
  std::string close_reason() const { return close_reason_; }
  const std::string& error() const { return error_; }
  // Binary frames received, and of those the ones that arrived as a Batch
  // (their messages are received one by one).
  size_t frames() const { return frames_; }
  size_t batch_frames() const { return batch_frames_; }

 private:
  using PlainWs = boost::beast::websocket::stream<boost::beast::tcp_stream>;
  using TlsWs = boost::beast::websocket::stream<boost::beast::ssl_stream<boost::beast::tcp_stream>>;

  // Calls f with the open stream, whichever kind it is.
  template <class F>
  decltype(auto) with_ws(F&& f) {
    return tls_ws_ ? f(*tls_ws_) : f(*plain_ws_);
  }
  bool has_stream() const { return plain_ws_ || tls_ws_; }
  boost::beast::tcp_stream& tcp_layer();
  // The TLS handshake, when `at` asks for TLS. False with error_ set.
  bool tls_handshake(const Endpoint& at, Millis timeout);
  // Runs the io_context until done() or the deadline. True if done.
  bool run_until(const std::function<bool()>& done, Millis timeout);
  void start_read();
  void on_read(boost::system::error_code ec);
  // Closes the socket and runs the pending operations out.
  void fail_hard(const std::string& why);

  boost::asio::io_context ioc_;
  std::unique_ptr<boost::asio::ssl::context> tls_context_;
  std::unique_ptr<PlainWs> plain_ws_;  // one of these two while connected
  std::unique_ptr<TlsWs> tls_ws_;
  boost::beast::flat_buffer buffer_;
  std::deque<pb::ServerMessage> inbox_;
  size_t frames_ = 0;
  size_t batch_frames_ = 0;
  bool open_ = false;
  bool read_pending_ = false;
  bool write_pending_ = false;
  std::optional<int> close_code_;
  std::string close_reason_;
  std::string error_;
};

// ---- A replica speaking the protocol --------------------------------------------

struct JoinResult {
  std::optional<pb::Welcome> welcome;
  std::optional<pb::Error> error;
  // Messages that arrived before the Welcome or Error (none are expected).
  std::vector<pb::ServerMessage> before;
  bool connected = false;
  std::string failure;  // why there was neither Welcome nor Error

  bool ok() const { return welcome.has_value(); }
  std::string describe() const;
};

struct ReplicaOptions {
  std::string token;
  std::string name = "tester";
  std::string colour = "#336699";
  bool ops_only = false;  // Hello.ops_only: every op, never a snapshot
  bool batches = true;    // Hello.batches: several messages may share a frame
  // Hello.replica_secret; empty: replica_secret_for(replica id), so that two
  // Replicas with one id are the same client unless a test says otherwise.
  std::string replica_secret;
};

// A replica's secret derived from its id (24 bytes): what a test client sends
// unless it is told to claim someone else's replica.
std::string replica_secret_for(uint64_t replica);
// The member id the server gives a replica (its 16 hex digits).
std::string member_id_of(uint64_t replica);
// Bytes as lower-case hex digits (a replica secret in a JSON body).
std::string hex(std::string_view bytes);

// A client replica: a crdt::Document plus the protocol state a real client
// keeps: the highest seq it has seen without gaps (last_seen_seq for a
// rejoin), and the ops it sent that are not acknowledged yet (resent in the
// next Hello). Local edits go to doc(); flush() moves the document's outbox to
// the pending list and submits it when connected.
class Replica {
 public:
  Replica(Endpoint server, std::string convening, uint64_t replica_id, ReplicaOptions options);
  ~Replica();
  Replica(const Replica&) = delete;
  Replica& operator=(const Replica&) = delete;

  crdt::Document& doc() { return doc_; }
  const crdt::Document& doc() const { return doc_; }
  uint64_t id() const { return replica_id_; }
  std::string member_id() const { return member_id_of(replica_id_); }
  void set_endpoint(Endpoint server) { server_ = std::move(server); }

  // Connects and sends Hello{last_seen_seq = seen_seq(), resend = pending()}
  // (after flushing the outbox to pending). On Welcome: adopts the snapshot
  // if there is one, applies its ops, and the connection is live.
  JoinResult join(Millis timeout = Millis(5000));
  // join(), retrying while the answer is ERROR_REPLICA_IN_USE: the server may
  // not have noticed yet that this replica's previous connection is gone.
  JoinResult rejoin(Millis timeout = Millis(5000));
  bool connected() const { return ws_ && ws_->is_open(); }
  void disconnect();  // graceful close; pending ops stay pending
  void drop();        // abrupt close; pending ops stay pending
  WsClient* ws() { return ws_.get(); }

  // Moves the outbox to pending and, if connected, submits it. Returns it.
  std::vector<pb::Op> flush();
  // Sends these ops as they are (crafted ops); they are not tracked as pending.
  bool submit_raw(const std::vector<pb::Op>& ops);
  bool send_presence(const pb::PresenceState& state);

  // Handles what arrives until `done()` or the timeout. True if done.
  bool pump_until(const std::function<bool()>& done, Millis timeout);
  // Handles what arrives for this long.
  void pump(Millis duration);
  bool wait_seen(uint64_t seq, Millis timeout = Millis(10000));
  bool wait_acked(Millis timeout = Millis(10000));
  // Until the document holds, for each replica, every op up to that counter.
  bool wait_has(const std::map<uint64_t, uint64_t>& last_counters, Millis timeout = Millis(10000));

  // The highest seq seen: of the Welcome, an Ack or an Ops frame. The server
  // sends a connection its Acks and Ops in seq order, and the other members'
  // ops as Ops, so every op up to this one has arrived (last_seen_seq).
  uint64_t seen_seq() const { return seen_seq_; }
  const std::vector<pb::Op>& pending() const { return pending_; }
  // Every op this replica has made and flushed, by first counter.
  const std::map<uint64_t, pb::Op>& sent() const { return sent_; }
  // Acknowledged ops: first counter -> seq (0 when an Ack for a later op
  // covered it, or for a resend committed before the room was loaded).
  const std::map<uint64_t, uint64_t>& acks() const { return acks_; }
  // Ops acknowledged only through the Ack of a later op.
  size_t cumulative_acks() const { return cumulative_acks_; }
  size_t ack_messages() const { return ack_messages_; }
  size_t ops_messages() const { return ops_messages_; }
  // Ops that arrived in Ops messages, in arrival order.
  const std::vector<pb::SequencedOp>& broadcast_ops() const { return broadcast_ops_; }
  // Ops in Ops messages that this document already had (re-broadcasts, or
  // its own ops echoed back).
  size_t duplicates_received() const { return duplicates_received_; }
  const std::vector<pb::Error>& errors() const { return errors_; }
  const std::vector<pb::PresenceUpdate>& presence_updates() const { return presence_; }
  // Ops frames holding a seq at or below one already seen on the connection
  // (an Ack's or an earlier Ops frame's): the per-connection seq order that
  // last_seen_seq relies on is broken.
  const std::vector<std::string>& order_violations() const { return order_violations_; }
  const std::optional<pb::Welcome>& last_welcome() const { return welcome_; }
  bool joined_from_snapshot() const { return from_snapshot_; }

 private:
  void handle(const pb::ServerMessage& message);
  void adopt_welcome(const pb::Welcome& welcome);
  void apply_sequenced(const pb::SequencedOp& op, bool from_broadcast);
  void mark_seen(uint64_t seq);
  std::string label() const;

  Endpoint server_;
  std::string convening_;
  uint64_t replica_id_;
  ReplicaOptions options_;
  crdt::Document doc_;
  std::unique_ptr<WsClient> ws_;
  uint64_t seen_seq_ = 0;
  std::vector<pb::Op> pending_;
  std::map<uint64_t, pb::Op> sent_;
  std::map<uint64_t, uint64_t> acks_;
  size_t ack_messages_ = 0;
  size_t ops_messages_ = 0;
  size_t cumulative_acks_ = 0;
  std::vector<pb::SequencedOp> broadcast_ops_;
  size_t duplicates_received_ = 0;
  size_t apply_failures_ = 0;
  std::vector<pb::Error> errors_;
  std::vector<pb::PresenceUpdate> presence_;
  std::vector<std::string> order_violations_;
  std::optional<pb::Welcome> welcome_;
  bool from_snapshot_ = false;
};

// Short names for assertion messages.
std::string describe(const pb::ServerMessage& message);
std::string error_code_name(pb::ErrorCode code);

}  // namespace convene::itest
