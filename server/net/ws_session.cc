#include "net/ws_session.h"

#include <spdlog/spdlog.h>

#include "metrics.h"
#include "net/write_deadline.h"
#include "rooms/admission.h"
#include "rooms/identity.h"
#include "rooms/tokens.h"

namespace convene::server {
namespace {

namespace pb = ::convene::v1;

constexpr uint16_t kClosePolicy = 1008;
constexpr uint16_t kCloseTryAgainLater = 1013;
constexpr size_t kMaxConveningId = 64;
constexpr int kMaxResend = 100'000;
// Tokens are 43 characters; anything much longer is not one, and is not
// worth hashing.
constexpr size_t kMaxTokenBytes = 256;
// Frames merged into one at the most (bytes).
constexpr size_t kMaxMergedBytes = 1 << 20;
// Messages saved up: this many seconds of --messages-per-second.
constexpr double kMessageBurstSeconds = 10;

MessageLimits::Options message_limits(const Config& c) {
  return {c.messages_per_second, c.messages_per_second * kMessageBurstSeconds, c.ops_per_second,
          c.ops_burst};
}

websocket::stream_base::timeout timeouts(const Config& c) {
  websocket::stream_base::timeout t;
  t.handshake_timeout = seconds_to_ms(c.handshake_timeout_s);  // opening and closing
  t.idle_timeout = seconds_to_ms(c.idle_timeout_s);
  // A ping half-way: a peer that is there answers it (browsers do, even in a
  // background tab), a dead one is closed when the idle timeout is up.
  t.keep_alive_pings = true;
  return t;
}

}  // namespace

template <class Stream>
WsSession<Stream>::WsSession(Stream&& stream, ServerContext& context, ConnectionLimits::Slot slot,
                             ConnectionLimits::Slot tcp_slot)
    : ws_(std::move(stream)),
      context_(context),
      registry_(context.sessions),
      slot_(std::move(slot)),
      tcp_slot_(std::move(tcp_slot)),
      limits_(message_limits(context.config), RateClock::now()),
      deadline_(ws_.get_executor()),
      write_deadline_(ws_.get_executor()) {
  beast::error_code ec;
  const auto endpoint = beast::get_lowest_layer(ws_).socket().remote_endpoint(ec);
  remote_ = ec ? "?" : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  metrics().connections++;
  metrics().connections_total++;
}

// Not through context_: at exit the io_context's pending handlers, and the
// sessions they hold, outlive the ServerContext (main.cc).
template <class Stream>
WsSession<Stream>::~WsSession() {
  registry_.remove(this);
  metrics().connections--;
}

template <class Stream>
void WsSession<Stream>::run(http::request<http::string_body> request) {
  beast::get_lowest_layer(ws_).expires_never();  // the websocket has its own timeouts
  ws_.set_option(timeouts(context_.config));
  // No permessage-deflate (Beast's default, kept on purpose): a compressed
  // message can expand far beyond what arrived, and inflating costs CPU.
  ws_.set_option(websocket::permessage_deflate{});
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "convene-server"); }));
  ws_.read_message_max(context_.config.max_message_bytes);  // beyond: close 1009
  ws_.binary(true);
  ws_.async_accept(request,
                   beast::bind_front_handler(&WsSession::on_accept, this->shared_from_this()));
}

template <class Stream>
void WsSession<Stream>::on_accept(beast::error_code ec) {
  if (ec) return fail(ec, "accept");
  context_.sessions.add(this->shared_from_this());
  spdlog::info("ws {}: connected", remote_);
  deadline_.expires_after(seconds_to_ms(context_.config.hello_timeout_s));
  deadline_.async_wait(
      beast::bind_front_handler(&WsSession::on_hello_deadline, this->shared_from_this()));
  do_read();
}

// A connection that says nothing holds a socket and a slot of its address.
template <class Stream>
void WsSession<Stream>::on_hello_deadline(beast::error_code ec) {
  if (ec || state_ != State::kAwaitingHello || closing_) return;
  metrics().timeouts++;
  queue(rooms::error_frame(pb::ERROR_PROTOCOL, "no Hello in time"));
  do_close(kClosePolicy, "no Hello in time");
}

template <class Stream>
void WsSession<Stream>::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&WsSession::on_read, this->shared_from_this()));
}

template <class Stream>
void WsSession<Stream>::on_read(beast::error_code ec, size_t bytes) {
  if (ec) return fail(ec, "read");
  metrics().bytes_in += bytes;
  if (closing_) {
    // Keep reading until the peer answers our close frame.
  } else if (!ws_.got_binary()) {
    refuse(pb::ERROR_MALFORMED, "frames must be binary protobuf ClientMessage envelopes");
  } else {
    handle(beast::buffers_to_string(buffer_.data()));
  }
  buffer_.consume(buffer_.size());
  do_read();
}

template <class Stream>
void WsSession<Stream>::handle(const std::string& payload) {
  pb::ClientMessage message;
  if (!message.ParseFromString(payload) || message.body_case() == pb::ClientMessage::BODY_NOT_SET) {
    refuse(pb::ERROR_MALFORMED, "the frame is not a ClientMessage");
    return;
  }
  switch (state_) {
    case State::kAwaitingHello:
      if (!message.has_hello()) {
        send(rooms::error_frame(pb::ERROR_PROTOCOL, "the first message must be Hello"));
        return close(kClosePolicy, "expected Hello");
      }
      deadline_.cancel();
      return on_hello(std::move(*message.mutable_hello()));
    case State::kJoining:
      send(rooms::error_frame(pb::ERROR_PROTOCOL, "wait for Welcome before sending"));
      return;
    case State::kJoined:
      return handle_joined(message);
  }
}

template <class Stream>
void WsSession<Stream>::handle_joined(pb::ClientMessage& message) {
  if (message.has_submit()) return on_submit(std::move(*message.mutable_submit()));
  // Beyond the limit presence and pings are dropped unanswered: presence is
  // only ever the latest state, and a client pings every 20 s.
  if (!within_limits(limits_.message(RateClock::now()))) return;
  switch (message.body_case()) {
    case pb::ClientMessage::kPresence:
      room_->presence(this, std::move(*message.mutable_presence()));
      break;
    case pb::ClientMessage::kPing: {
      pb::ServerMessage pong;
      pong.mutable_pong()->set_nonce(message.ping().nonce());
      send(rooms::encode(pong));
      break;
    }
    default:
      send(rooms::error_frame(pb::ERROR_PROTOCOL, "Hello was already received"));
      break;
  }
}

// Over the limits a Submit is refused whole, naming its first op: the client
// resends from there after a pause (MessageLimits holds the rest till then).
template <class Stream>
void WsSession<Stream>::on_submit(pb::Submit submit) {
  const uint64_t first = submit.ops_size() > 0 ? submit.ops(0).counter() : 0;
  const auto verdict = limits_.submit(submit.ops_size(), first, RateClock::now());
  if (verdict == MessageLimits::Verdict::kAccept) return room_->submit(this, std::move(submit));
  if (submit.ops_size() > 0) {
    const crdt::OpId id = crdt::op_id(submit.ops(0));
    queue(rooms::error_frame(pb::ERROR_RATE_LIMITED,
                             "too many ops or messages on this connection: resend from op " +
                                 id.str() + " after a pause",
                             &id));
  }
  metrics().ops_rejected += submit.ops_size();
  within_limits(verdict);
}

template <class Stream>
bool WsSession<Stream>::within_limits(MessageLimits::Verdict verdict) {
  if (verdict == MessageLimits::Verdict::kAccept) return true;
  metrics().rate_limited++;
  if (verdict == MessageLimits::Verdict::kAbuse) {
    metrics().rate_limit_closes++;
    spdlog::warn("ws {}: still over its rate limits after {} s of refusals: closing", remote_,
                 std::chrono::seconds(MessageLimits::kAbuseAfter).count());
    do_close(kClosePolicy, "rate limit exceeded");
  }
  return false;
}

// Malformed input: answer, and give up on a peer that keeps sending it.
template <class Stream>
void WsSession<Stream>::refuse(pb::ErrorCode code, const std::string& message) {
  send(rooms::error_frame(code, message));
  if (++bad_frames_ >= kMaxBadFrames) close(kClosePolicy, "too many malformed frames");
}

template <class Stream>
void WsSession<Stream>::on_hello(pb::Hello hello) {
  if (hello.protocol() != 1) {
    send(rooms::error_frame(pb::ERROR_PROTOCOL, "unsupported protocol version " +
                                                    std::to_string(hello.protocol()) +
                                                    "; this server speaks 1"));
    return close(kClosePolicy, "protocol version");
  }
  const size_t secret = hello.replica_secret().size();
  if (hello.replica() == 0 || hello.convening().empty() ||
      hello.convening().size() > kMaxConveningId || hello.resend_size() > kMaxResend ||
      hello.token().size() > kMaxTokenBytes || secret < rooms::kMinSecretBytes ||
      secret > rooms::kMaxSecretBytes) {
    send(rooms::error_frame(pb::ERROR_MALFORMED,
                            "Hello needs a non-zero replica, a replica_secret of " +
                                std::to_string(rooms::kMinSecretBytes) + " to " +
                                std::to_string(rooms::kMaxSecretBytes) +
                                " bytes, a convening id and at most " + std::to_string(kMaxResend) +
                                " resent ops"));
    return close(kClosePolicy, "bad Hello");
  }
  state_ = State::kJoining;
  batches_ = hello.batches();
  const bool open_join = context_.config.open && hello.token().empty();
  std::string hash = open_join ? std::string() : rooms::token_hash(hello.token());
  std::string secret_hash = rooms::token_hash(hello.replica_secret());
  hello.clear_token();  // never kept in memory longer than needed
  hello.clear_replica_secret();
  net::post(context_.storage_pool, [self = this->shared_from_this(), hello = std::move(hello),
                                    hash = std::move(hash), secret_hash = std::move(secret_hash),
                                    open_join]() mutable {
    auto admission = rooms::admit_token(self->context_.store, hello.convening(), hash, open_join);
    net::post(self->ws_.get_executor(), [self, hello = std::move(hello), hash = std::move(hash),
                                         secret_hash = std::move(secret_hash),
                                         admission = std::move(admission)]() mutable {
      if (!admission.ok()) {
        spdlog::info("ws {}: join refused: {}", self->remote_, admission.message);
        self->send(rooms::error_frame(admission.error_code(), admission.message));
        return self->close(kClosePolicy, "not admitted");
      }
      self->authorized(std::move(hello), admission.role, std::move(hash), std::move(secret_hash));
    });
  });
}

template <class Stream>
void WsSession<Stream>::authorized(pb::Hello hello, pb::Role role, std::string token_hash,
                                   std::string secret_hash) {
  if (closing_) return;
  const std::string convening = hello.convening();
  rooms::JoinRequest request;
  request.peer = this->shared_from_this();
  request.hello = std::move(hello);
  request.role = role;
  request.token_hash = std::move(token_hash);
  request.secret_hash = std::move(secret_hash);
  request.attached = [weak = this->weak_from_this()](std::shared_ptr<rooms::Room> room) {
    auto self = weak.lock();
    if (!self) return;
    net::post(self->ws_.get_executor(), [self, room = std::move(room)]() mutable {
      if (self->closing_) return room->leave(self.get());  // left while joining
      self->room_ = std::move(room);
      self->state_ = State::kJoined;
    });
  };
  context_.rooms.join(convening, std::move(request));
}

// ---- writing ------------------------------------------------------------------------

template <class Stream>
void WsSession<Stream>::send(rooms::Frame frame) {
  send(rooms::Frames{std::move(frame)});
}

template <class Stream>
void WsSession<Stream>::send(rooms::Frames frames) {
  net::post(ws_.get_executor(),
            [self = this->shared_from_this(), frames = std::move(frames)]() mutable {
              for (rooms::Frame& frame : frames)
                if (!self->enqueue(std::move(frame))) return;
              if (!self->writing_) self->do_write();
            });
}

template <class Stream>
void WsSession<Stream>::queue(rooms::Frame frame) {
  if (enqueue(std::move(frame)) && !writing_) do_write();
}

// The bounds apply to frames waiting behind the write in flight; a frame
// larger than them (a big Welcome) still goes out when nothing waits.
// False when the frame is not queued (closing, or the client is dropped).
template <class Stream>
bool WsSession<Stream>::enqueue(rooms::Frame frame) {
  if (closing_) return false;
  if (!queue_.empty() &&
      (queue_.size() >= kMaxQueuedFrames || queued_bytes_ + frame->size() > kMaxQueuedBytes)) {
    drop_slow_client();
    return false;
  }
  queued_bytes_ += frame->size();
  queue_.push_back(std::move(frame));
  return true;
}

// The client does not read what its room sends: it leaves the room at once
// (nothing more is queued for it, the frames waiting are freed) and gets a
// 1013 close frame after the write in flight, or is cut off at kCloseGrace.
template <class Stream>
void WsSession<Stream>::drop_slow_client() {
  metrics().slow_client_disconnects++;
  spdlog::warn("ws {}: send queue full ({} frames, {} bytes): disconnecting a slow client", remote_,
               queue_.size(), queued_bytes_);
  leave_room();
  queue_.clear();
  queued_bytes_ = 0;
  start_closing(kCloseTryAgainLater, "too slow: reconnect to catch up");
}

// What waits at the front goes out in one frame (decisions 29 and 37).
template <class Stream>
void WsSession<Stream>::do_write() {
  writing_ = true;
  const size_t taken = in_flight_.take(queue_, kMaxMergedBytes, batches_);
  queued_bytes_ -= taken;
  write_deadline_.expires_after(write_deadline(taken));
  write_deadline_.async_wait(
      beast::bind_front_handler(&WsSession::on_write_deadline, this->shared_from_this()));
  ws_.async_write(in_flight_.buffers(),
                  beast::bind_front_handler(&WsSession::on_write, this->shared_from_this()));
}

template <class Stream>
void WsSession<Stream>::on_write_deadline(beast::error_code ec) {
  if (ec || !writing_) return;  // cancelled: the write finished
  metrics().slow_client_disconnects++;
  spdlog::warn("ws {}: a write made no end in time: cutting off a client that does not read",
               remote_);
  leave_room();
  closing_ = true;
  queue_.clear();
  queued_bytes_ = 0;
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(ws_).socket().close(ignored);
}

template <class Stream>
void WsSession<Stream>::on_write(beast::error_code ec, size_t bytes) {
  writing_ = false;
  write_deadline_.cancel();
  const size_t frames = in_flight_.frames();
  in_flight_.clear();
  if (ec) return fail(ec, "write");
  metrics().bytes_out += bytes;
  metrics().frames_written++;
  if (frames > 1) metrics().frames_merged += frames - 1;
  if (!queue_.empty()) return do_write();
  if (closing_) {
    ws_.async_close(close_reason_, [self = this->shared_from_this()](beast::error_code) {});
  }
}

// ---- closing -------------------------------------------------------------------------

template <class Stream>
void WsSession<Stream>::close(uint16_t code, std::string reason) {
  net::post(ws_.get_executor(),
            [self = this->shared_from_this(), code, r = std::move(reason)]() mutable {
              self->do_close(code, std::move(r));
            });
}

// Leaves the room, then sends the close frame once queued frames (say, the
// error that explains the close) are written.
template <class Stream>
void WsSession<Stream>::do_close(uint16_t code, std::string reason) {
  if (closing_) return;
  spdlog::info("ws {}: closing ({} {})", remote_, code, reason);
  leave_room();
  start_closing(code, std::move(reason));
}

template <class Stream>
void WsSession<Stream>::start_closing(uint16_t code, std::string reason) {
  closing_ = true;
  close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
  deadline_.expires_after(kCloseGrace);
  deadline_.async_wait(beast::bind_front_handler(&WsSession::cut_off, this->shared_from_this()));
  if (!writing_ && queue_.empty())
    ws_.async_close(close_reason_, [self = this->shared_from_this()](beast::error_code) {});
}

template <class Stream>
void WsSession<Stream>::leave_room() {
  if (!room_) return;
  room_->leave(this);
  room_.reset();
}

// The close did not finish in time (the peer reads nothing): end the TCP
// connection; the pending read and write fail and the session ends.
template <class Stream>
void WsSession<Stream>::cut_off(beast::error_code ec) {
  if (ec) return;  // cancelled: the connection ended first
  metrics().timeouts++;
  spdlog::info("ws {}: cut off: the close did not finish in {} s", remote_,
               std::chrono::seconds(kCloseGrace).count());
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(ws_).socket().close(ignored);
}

template <class Stream>
void WsSession<Stream>::fail(beast::error_code ec, const char* what) {
  // A client that goes away without a close frame (a tab closed, a laptop
  // lid shut) is ordinary; over TLS that shows as a truncated stream.
  const bool normal = ec == websocket::error::closed || ec == net::error::operation_aborted ||
                      ec == net::error::eof || ec == beast::error::timeout ||
                      ec == net::error::connection_reset || ec == net::error::broken_pipe ||
                      ec == ssl::error::stream_truncated;
  if (normal)
    spdlog::info("ws {}: disconnected", remote_);
  else
    spdlog::warn("ws {}: {}: {}", remote_, what, ec.message());
  closing_ = true;
  queue_.clear();
  queued_bytes_ = 0;
  deadline_.cancel();
  write_deadline_.cancel();
  leave_room();
}

template class WsSession<PlainStream>;
template class WsSession<TlsStream>;

}  // namespace convene::server
