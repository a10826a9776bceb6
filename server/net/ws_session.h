// One WebSocket connection: binary frames, one protobuf envelope each
// (docs/protocol.md). The first message must be Hello; the session checks the
// token (on the storage pool), joins the convening's room and from then on
// hands Submit and Presence to the room and writes what the room sends.
//
// Threading: everything runs on the session's strand; the room reaches the
// session only through send()/close(), which post to that strand. Exactly one
// write is in flight, with a queue behind it bounded in frames and bytes: a
// client that does not read fast enough is dropped (no close frame: it is not
// reading) and catches up when it reconnects.
#pragma once

#include <deque>
#include <memory>
#include <string>

#include "net/beast.h"
#include "rooms/room.h"
#include "server_context.h"

namespace convene::server {

class WsSession : public rooms::Peer, public std::enable_shared_from_this<WsSession> {
 public:
  static constexpr size_t kMaxFrameBytes = 4 << 20;
  static constexpr size_t kMaxQueuedFrames = 4096;
  static constexpr size_t kMaxQueuedBytes = 32 << 20;
  static constexpr int kMaxBadFrames = 16;

  WsSession(tcp::socket&& socket, ServerContext& context);
  ~WsSession() override;

  void run(http::request<http::string_body> request);

  void send(std::shared_ptr<const std::string> frame) override;
  void close(uint16_t code, std::string reason) override;

 private:
  void on_accept(beast::error_code ec);
  void do_read();
  void on_read(beast::error_code ec, size_t bytes);
  void handle(const std::string& payload);
  void on_hello(convene::v1::Hello hello);
  void authorized(convene::v1::Hello hello, convene::v1::Role role, std::string token_hash);
  void refuse(convene::v1::ErrorCode code, const std::string& message);
  void queue(std::shared_ptr<const std::string> frame);
  void do_write();
  void on_write(beast::error_code ec, size_t bytes);
  void do_close(uint16_t code, std::string reason);
  void fail(beast::error_code ec, const char* what);

  websocket::stream<beast::tcp_stream> ws_;
  ServerContext& context_;
  beast::flat_buffer buffer_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;
  enum class State { kAwaitingHello, kJoining, kJoined } state_ = State::kAwaitingHello;
  std::shared_ptr<rooms::Room> room_;
  std::string remote_;
  int bad_frames_ = 0;
  websocket::close_reason close_reason_;
};

}  // namespace convene::server
