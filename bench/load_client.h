// convene-bench load: the simulated participants. Each is a Beast WebSocket
// client speaking the protocol (docs/protocol.md); thousands share a few
// threads.
//
// Threading: one Shard per bench thread, each with its own io_context. All
// clients of a room live on the same shard, so a room's writers, their send
// times and the receivers' delivery checks are touched by one thread only,
// without locks. The control thread reaches a shard only by posting to it.
#pragma once

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including
// <utility>; GCC 12 in C++20 mode needs it included first.
// clang-format off
#include <utility>
// clang-format on

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "convene/v1/protocol.pb.h"
#include "crdt/document.h"
#include "load_options.h"
#include "load_stats.h"

namespace convene::bench {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;

using SteadyClock = std::chrono::steady_clock;
// Microseconds on the steady clock: send and receive times.
int64_t now_us();

class Client;

// One bench thread and everything its clients measure. Only touched on its
// own thread, except before the thread starts and after it has stopped.
struct Shard {
  net::io_context io{1};

  bool sending = false;    // writers make ops, clients send presence
  bool recording = false;  // latencies and counts go into the figures below
  int64_t window_start_us = 0;
  double rate = 0;  // ops per writer per second, for the current step

  LatencyHistogram latency;      // submit -> received by another client
  LatencyHistogram ack_latency;  // submit -> Ack to the author
  LatencyHistogram connect;      // TCP connect -> Welcome
  std::vector<LatencyHistogram> latency_by_second;
  std::vector<uint64_t> committed_by_second, deliveries_by_second;

  uint64_t submitted = 0, committed = 0, deliveries = 0;
  uint64_t presence_sent = 0, presence_received = 0;
  uint64_t connect_failures = 0, disconnects = 0, errors = 0;
  uint64_t welcomes = 0, caught_up = 0;  // Welcomes, and those with every op up to head
  std::string first_error;
  // Clients that joined or failed to: read by the control thread while
  // clients join.
  std::atomic<uint64_t> settled{0};

  // Counts an event at `t_us` into the per-second series.
  size_t second_of(int64_t t_us);
  void reset_figures();
};

// A convening as the bench sees it: its tokens, the base document every
// writer starts from, and its clients.
struct BenchRoom {
  std::string id;
  std::string token;  // participant invite
  Shard* shard = nullptr;
  crdt::Document base;
  crdt::OpId map, variant;
  std::vector<crdt::OpId> elements;
  size_t base_text_length = 0;
  std::vector<std::shared_ptr<Client>> clients;
  std::unordered_map<uint64_t, Client*> writers;  // by replica
  // Last counter acknowledged to each writer (what receivers must have).
  std::unordered_map<uint64_t, uint64_t> acked() const;
};

struct ClientConfig {
  tcp::endpoint server;
  std::string host_header;
  const LoadOptions* options = nullptr;
};

class Client : public std::enable_shared_from_this<Client> {
 public:
  enum class Role { kReader, kWriter, kSeeder };

  Client(BenchRoom& room, Role role, uint64_t replica, size_t index, const ClientConfig& config);

  // Connects, sends Hello and keeps reading; `connected` tells when the
  // Welcome arrived (or the join failed).
  void start();
  // Seeder: submits these ops after the Welcome, in Submits of at most 1,000.
  void seed(std::vector<crdt::pb::Op> ops);
  // Starts the op, presence and ping timers (they act only while the shard
  // is sending).
  void run_timers();
  void close();

  bool joined() const { return joined_; }
  bool failed() const { return failed_; }
  bool closed() const { return closed_; }
  uint64_t replica() const { return replica_; }
  Role role() const { return role_; }
  Shard& shard() const { return shard_; }
  // Writer: the last counter sent and the last acknowledged.
  uint64_t last_sent() const { return first_counter_ + sent_us_.size() - 1; }
  uint64_t last_acked() const { return acked_; }
  // Seeder: its ops are all acknowledged.
  bool seeded() const;
  bool all_acked() const { return sent_us_.empty() || acked_ >= last_sent(); }
  // Send time of one of this writer's ops, or -1 if unknown.
  int64_t sent_at(uint64_t counter) const;
  DeliveryChecker& checker() { return checker_; }

 private:
  void on_connect(beast::error_code ec);
  void on_handshake(beast::error_code ec);
  void do_read();
  void on_read(beast::error_code ec, size_t bytes);
  void handle(const convene::v1::ServerMessage& m, int64_t at);
  void on_welcome(const convene::v1::Welcome& w, int64_t at);
  void send(const convene::v1::ClientMessage& m);
  void do_write();
  void fail(const char* what, const std::string& message);
  void schedule_ops();
  void make_ops(uint64_t count);
  void make_one_op(convene::v1::Submit* sink);
  void schedule_presence();
  void schedule_ping();

  BenchRoom& room_;
  Shard& shard_;
  Role role_;
  uint64_t replica_;
  std::string replica_secret_;  // Hello.replica_secret: random, this client's own
  size_t index_;
  ClientConfig config_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  bool writing_ = false;
  bool joined_ = false, failed_ = false, closed_ = false;
  int64_t connect_started_us_ = 0;
  std::mt19937_64 rng_;

  // Writers.
  std::unique_ptr<crdt::Document> doc_;
  size_t typed_ = 0;  // characters of this writer's own run in the draft
  uint64_t first_counter_ = 1;
  std::vector<int64_t> sent_us_;  // by counter - first_counter_
  uint64_t acked_ = 0;
  uint64_t ops_made_ = 0;
  int64_t last_tick_us_ = 0;
  double credit_ = 0;  // ops earned, not made yet

  // Presence and pings.
  bool presence_started_ = false, ping_started_ = false;
  double cursor_x_ = 0, cursor_y_ = 0;
  uint64_t pings_ = 0;

  // Seeder.
  std::vector<crdt::pb::Op> seed_;

  DeliveryChecker checker_;
  net::steady_timer op_timer_, presence_timer_, ping_timer_;
};

}  // namespace convene::bench
