// One WebSocket connection: binary frames, one protobuf envelope each
// (docs/protocol.md). The first message must be Hello; the session checks the
// token (on the storage pool), joins the convening's room and from then on
// hands Submit and Presence to the room and writes what the room sends.
//
// Threading: everything runs on the session's strand; the room reaches the
// session only through send()/close(), which post to that strand. Exactly one
// write is in flight, with a queue behind it bounded in frames and bytes: a
// client that does not read fast enough leaves its room at once, gets a 1013
// close frame after the write in flight, and is cut off if that does not go
// out within kCloseGrace. It catches up when it reconnects.
//
// Limits (docs/security.md): messages of at most --max-message-bytes (1009
// beyond), Hello within --hello-timeout, keep-alive pings and
// --idle-timeout, and per-connection rates of messages and ops (MessageLimits).
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "net/beast.h"
#include "net/connection_limits.h"
#include "net/frame_write.h"
#include "net/message_limits.h"
#include "net/streams.h"
#include "rooms/room.h"
#include "server_context.h"

namespace convene::server {

// Stream: PlainStream or TlsStream (net/streams.h).
template <class Stream>
class WsSession : public rooms::Peer, public std::enable_shared_from_this<WsSession<Stream>> {
 public:
  // Frames waiting behind the write in flight. Frames broadcast to a room are
  // shared by its members, so a member that falls behind costs little memory
  // until it reaches these bounds.
  static constexpr size_t kMaxQueuedFrames = 4096;
  static constexpr size_t kMaxQueuedBytes = 8 << 20;
  static constexpr int kMaxBadFrames = 16;
  // How long a close may take before the TCP connection is simply closed (a
  // peer that reads nothing never takes the close frame).
  static constexpr auto kCloseGrace = std::chrono::seconds(5);

  // `slot`: the upgrade's place in the WebSocket limits; `tcp_slot`: the
  // connection's in the limits on every TCP connection.
  WsSession(Stream&& stream, ServerContext& context, ConnectionLimits::Slot slot = {},
            ConnectionLimits::Slot tcp_slot = {});
  ~WsSession() override;

  void run(http::request<http::string_body> request);

  void send(rooms::Frame frame) override;
  void send(rooms::Frames frames) override;
  void close(uint16_t code, std::string reason) override;

 private:
  void on_accept(beast::error_code ec);
  void on_hello_deadline(beast::error_code ec);
  void do_read();
  void on_read(beast::error_code ec, size_t bytes);
  void handle(const std::string& payload);
  void handle_joined(convene::v1::ClientMessage& message);
  void on_submit(convene::v1::Submit submit);
  bool within_limits(MessageLimits::Verdict verdict);
  void on_hello(convene::v1::Hello hello);
  void authorized(convene::v1::Hello hello, convene::v1::Role role, std::string token_hash,
                  std::string secret_hash);
  void refuse(convene::v1::ErrorCode code, const std::string& message);
  void queue(rooms::Frame frame);
  bool enqueue(rooms::Frame frame);
  void drop_slow_client();
  void do_write();
  void on_write(beast::error_code ec, size_t bytes);
  void do_close(uint16_t code, std::string reason);
  void start_closing(uint16_t code, std::string reason);
  void leave_room();
  void cut_off(beast::error_code ec);
  void on_write_deadline(beast::error_code ec);
  void fail(beast::error_code ec, const char* what);

  websocket::stream<Stream> ws_;
  ServerContext& context_;
  SessionRegistry& registry_;
  ConnectionLimits::Slot slot_;      // this connection's place in its address's limit
  ConnectionLimits::Slot tcp_slot_;  // and in the limits on every TCP connection
  MessageLimits limits_;
  net::steady_timer deadline_;        // Hello, then the end of a close
  net::steady_timer write_deadline_;  // the write in flight
  beast::flat_buffer buffer_;
  std::deque<rooms::Frame> queue_;  // waiting, not in flight
  size_t queued_bytes_ = 0;
  FrameWrite in_flight_;
  bool batches_ = false;  // Hello.batches: several messages may share a frame
  bool writing_ = false;
  bool closing_ = false;
  enum class State { kAwaitingHello, kJoining, kJoined } state_ = State::kAwaitingHello;
  std::shared_ptr<rooms::Room> room_;
  std::string remote_;
  int bad_frames_ = 0;
  websocket::close_reason close_reason_;
};

}  // namespace convene::server
