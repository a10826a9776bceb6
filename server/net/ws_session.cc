#include "net/ws_session.h"

#include <spdlog/spdlog.h>

#include "metrics.h"
#include "rooms/tokens.h"

namespace convene::server {
namespace {

namespace pb = ::convene::v1;

constexpr uint16_t kClosePolicy = 1008;
constexpr size_t kMaxConveningId = 64;
constexpr int kMaxResend = 100'000;

pb::Role role_of(store::TokenKind kind) {
  switch (kind) {
    case store::TokenKind::kConvener:
      return pb::ROLE_CONVENER;
    case store::TokenKind::kParticipantInvite:
      return pb::ROLE_PARTICIPANT;
    case store::TokenKind::kObserverInvite:
      return pb::ROLE_OBSERVER;
  }
  return pb::ROLE_OBSERVER;
}

}  // namespace

WsSession::WsSession(tcp::socket&& socket, ServerContext& context)
    : ws_(std::move(socket)), context_(context) {
  beast::error_code ec;
  const auto endpoint = beast::get_lowest_layer(ws_).socket().remote_endpoint(ec);
  remote_ = ec ? "?" : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  metrics().connections++;
  metrics().connections_total++;
}

WsSession::~WsSession() {
  metrics().connections--;
}

void WsSession::run(http::request<http::string_body> request) {
  beast::get_lowest_layer(ws_).expires_never();  // the websocket has its own timeouts
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "convene-server"); }));
  ws_.read_message_max(kMaxFrameBytes);
  ws_.binary(true);
  ws_.async_accept(request, beast::bind_front_handler(&WsSession::on_accept, shared_from_this()));
}

void WsSession::on_accept(beast::error_code ec) {
  if (ec) return fail(ec, "accept");
  context_.sessions.add(shared_from_this());
  spdlog::info("ws {}: connected", remote_);
  do_read();
}

void WsSession::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
}

void WsSession::on_read(beast::error_code ec, size_t bytes) {
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

void WsSession::handle(const std::string& payload) {
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
      return on_hello(std::move(*message.mutable_hello()));
    case State::kJoining:
      send(rooms::error_frame(pb::ERROR_PROTOCOL, "wait for Welcome before sending"));
      return;
    case State::kJoined:
      break;
  }
  switch (message.body_case()) {
    case pb::ClientMessage::kSubmit:
      room_->submit(this, std::move(*message.mutable_submit()));
      break;
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

// Malformed input: answer, and give up on a peer that keeps sending it.
void WsSession::refuse(pb::ErrorCode code, const std::string& message) {
  send(rooms::error_frame(code, message));
  if (++bad_frames_ >= kMaxBadFrames) close(kClosePolicy, "too many malformed frames");
}

void WsSession::on_hello(pb::Hello hello) {
  if (hello.protocol() != 1) {
    send(rooms::error_frame(pb::ERROR_PROTOCOL, "unsupported protocol version " +
                                                    std::to_string(hello.protocol()) +
                                                    "; this server speaks 1"));
    return close(kClosePolicy, "protocol version");
  }
  if (hello.replica() == 0 || hello.convening().empty() ||
      hello.convening().size() > kMaxConveningId || hello.resend_size() > kMaxResend) {
    send(rooms::error_frame(pb::ERROR_MALFORMED,
                            "Hello needs a non-zero replica, a convening id and at most " +
                                std::to_string(kMaxResend) + " resent ops"));
    return close(kClosePolicy, "bad Hello");
  }
  state_ = State::kJoining;
  const bool open_join = context_.config.open && hello.token().empty();
  std::string hash = open_join ? std::string() : rooms::token_hash(hello.token());
  hello.clear_token();  // never kept in memory longer than needed
  net::post(context_.storage_pool, [self = shared_from_this(), hello = std::move(hello),
                                    hash = std::move(hash), open_join]() mutable {
    store::Status s;
    pb::Role role = pb::ROLE_PARTICIPANT;
    std::string problem;
    if (open_join) {
      if (!self->context_.store.convening(hello.convening(), &s)) problem = "no such convening";
    } else {
      const auto grant = self->context_.store.token(hash, &s);
      if (!grant || grant->revoked || grant->convening != hello.convening())
        problem = "the token does not admit to this convening";
      else
        role = role_of(grant->kind);
    }
    if (!s.is_ok()) problem = "storage unavailable";
    net::post(self->ws_.get_executor(), [self, hello = std::move(hello), hash = std::move(hash),
                                         role, problem = std::move(problem), s]() mutable {
      if (!problem.empty()) {
        spdlog::info("ws {}: join refused: {}", self->remote_, problem);
        self->send(rooms::error_frame(
            !s.is_ok()
                ? pb::ERROR_UNAVAILABLE
                : (problem == "no such convening" ? pb::ERROR_NOT_FOUND : pb::ERROR_UNAUTHORIZED),
            problem));
        return self->close(kClosePolicy, "not admitted");
      }
      self->authorized(std::move(hello), role, std::move(hash));
    });
  });
}

void WsSession::authorized(pb::Hello hello, pb::Role role, std::string token_hash) {
  if (closing_) return;
  const std::string convening = hello.convening();
  rooms::JoinRequest request;
  request.peer = shared_from_this();
  request.hello = std::move(hello);
  request.role = role;
  request.token_hash = std::move(token_hash);
  request.attached = [weak = weak_from_this()](std::shared_ptr<rooms::Room> room) {
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

void WsSession::send(std::shared_ptr<const std::string> frame) {
  net::post(ws_.get_executor(), [self = shared_from_this(), frame = std::move(frame)]() mutable {
    self->queue(std::move(frame));
  });
}

void WsSession::queue(std::shared_ptr<const std::string> frame) {
  if (closing_) return;
  if (queue_.size() >= kMaxQueuedFrames || queued_bytes_ + frame->size() > kMaxQueuedBytes) {
    metrics().slow_client_disconnects++;
    spdlog::warn("ws {}: send queue full ({} frames, {} bytes): disconnecting a slow client",
                 remote_, queue_.size(), queued_bytes_);
    queue_.clear();
    queued_bytes_ = 0;
    // A client that does not read cannot read a close frame either, and its
    // pending write might never finish: drop the connection at once.
    closing_ = true;
    if (room_) {
      room_->leave(this);
      room_.reset();
    }
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).socket().close(ignored);
    return;
  }
  // Behind a write in flight, an Ops frame joins the Ops frame queued last:
  // one write instead of two, the same ops in the same order.
  if (writing_ && queue_.size() >= 2) {
    if (auto merged = rooms::merge_ops_frames(*queue_.back(), *frame)) {
      queued_bytes_ += merged->size() - queue_.back()->size();
      queue_.back() = std::move(merged);
      metrics().frames_merged++;
      return;
    }
  }
  queued_bytes_ += frame->size();
  queue_.push_back(std::move(frame));
  if (!writing_) do_write();
}

void WsSession::do_write() {
  writing_ = true;
  ws_.async_write(net::buffer(*queue_.front()),
                  beast::bind_front_handler(&WsSession::on_write, shared_from_this()));
}

void WsSession::on_write(beast::error_code ec, size_t bytes) {
  writing_ = false;
  if (ec) return fail(ec, "write");
  metrics().bytes_out += bytes;
  queued_bytes_ -= queue_.front()->size();
  queue_.pop_front();
  if (!queue_.empty()) return do_write();
  if (closing_) {
    ws_.async_close(close_reason_, [self = shared_from_this()](beast::error_code) {});
  }
}

// ---- closing -------------------------------------------------------------------------

void WsSession::close(uint16_t code, std::string reason) {
  net::post(ws_.get_executor(), [self = shared_from_this(), code, r = std::move(reason)]() mutable {
    self->do_close(code, std::move(r));
  });
}

// Leaves the room, then sends the close frame once queued frames (say, the
// error that explains the close) are written.
void WsSession::do_close(uint16_t code, std::string reason) {
  if (closing_) return;
  closing_ = true;
  spdlog::info("ws {}: closing ({} {})", remote_, code, reason);
  if (room_) {
    room_->leave(this);
    room_.reset();
  }
  close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
  if (!writing_ && queue_.empty())
    ws_.async_close(close_reason_, [self = shared_from_this()](beast::error_code) {});
}

void WsSession::fail(beast::error_code ec, const char* what) {
  const bool normal = ec == websocket::error::closed || ec == net::error::operation_aborted ||
                      ec == net::error::eof || ec == beast::error::timeout;
  if (normal)
    spdlog::info("ws {}: disconnected", remote_);
  else
    spdlog::warn("ws {}: {}: {}", remote_, what, ec.message());
  closing_ = true;
  queue_.clear();
  queued_bytes_ = 0;
  if (room_) {
    room_->leave(this);
    room_.reset();
  }
}

}  // namespace convene::server
