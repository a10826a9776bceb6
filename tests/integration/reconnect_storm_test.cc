// Reconnect storm: a crowd of clients is connected when the server crashes;
// it comes back on the same data and every client reconnects within one
// second of the restart, asking for the ops after the last seq it saw. The
// server must stay up and every client must catch up exactly (no gap, no
// duplicate), including ops written while the server was down.
//
// CONVENE_STORM_CLIENTS=N changes the crowd's size (2,000 by default).
#include <sys/resource.h>

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including
// <utility>; GCC 12 in C++20 mode needs it included first.
// clang-format off
#include <utility>
// clang-format on

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <cstdlib>
#include <thread>

#include "server_fixture.h"

namespace convene::itest {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using crdt::OpId;
using std::chrono::milliseconds;
using std::chrono::seconds;
using SteadyClock = std::chrono::steady_clock;

constexpr int kRooms = 20;
constexpr int kMaxAttempts = 10;  // per reconnect, as a browser's backoff would allow

int crowd_size() {
  const char* v = std::getenv("CONVENE_STORM_CLIENTS");
  const int n = v ? std::atoi(v) : 0;
  return n > 0 ? n : 2000;
}

// What one crowd member knows about its convening.
struct Seat {
  std::string convening, token;
};

// One reader: connects, says Hello with the last seq it saw (ops only), and
// checks that the Welcome and every Ops frame continue its log without a gap
// or a repeat. Lives on the crowd's io thread only.
class Member : public std::enable_shared_from_this<Member> {
 public:
  Member(net::io_context& io, const Endpoint& at, Seat seat, uint64_t replica)
      : io_(io), at_(at), seat_(std::move(seat)), replica_(replica), timer_(io) {}

  // Connects after `delay`; on failure retries after a growing pause.
  void connect_after(milliseconds delay) {
    timer_.expires_after(delay);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->connect();
    });
  }
  void drop() {
    if (ws_) beast::get_lowest_layer(*ws_).close();
  }

  std::atomic<uint64_t> seen{0};      // highest seq held, with every seq before it
  std::atomic<bool> welcomed{false};  // on the current connection
  std::atomic<int> attempts{0};       // connection attempts since the last connect_after
  std::string problem;                // first gap, repeat or refusal (io thread)
  std::atomic<bool> failed{false};

 private:
  void connect() {
    attempts++;
    welcomed = false;
    ws_ = std::make_unique<websocket::stream<beast::tcp_stream>>(io_);
    ws_->binary(true);
    beast::get_lowest_layer(*ws_).expires_after(seconds(10));
    beast::get_lowest_layer(*ws_).async_connect(
        {net::ip::make_address(at_.host), at_.port},
        [self = shared_from_this()](beast::error_code ec) {
          if (ec) return self->retry();
          self->ws_->async_handshake(self->at_.host, "/ws", [self](beast::error_code ec2) {
            if (ec2) return self->retry();
            beast::get_lowest_layer(*self->ws_).expires_never();
            self->hello();
          });
        });
  }

  void retry() {
    if (attempts >= kMaxAttempts) {
      fail("no connection after " + std::to_string(kMaxAttempts) + " attempts");
      return;
    }
    timer_.expires_after(milliseconds(100 << std::min(attempts.load(), 5)));
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->connect();
    });
  }

  void hello() {
    pb::ClientMessage m;
    pb::Hello* h = m.mutable_hello();
    h->set_protocol(1);
    h->set_token(seat_.token);
    h->set_replica(replica_);
    h->set_replica_secret(itest::replica_secret_for(replica_));
    h->set_convening(seat_.convening);
    h->set_last_seen_seq(seen);
    h->set_name("crowd");
    h->set_colour("#557799");
    h->set_ops_only(true);
    auto bytes = std::make_shared<std::string>(m.SerializeAsString());
    ws_->async_write(net::buffer(*bytes),
                     [self = shared_from_this(), bytes](beast::error_code ec, size_t) {
                       if (ec) return self->retry();
                       self->read();
                     });
  }

  void read() {
    ws_->async_read(buffer_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return;  // dropped, or the server went away: the test reconnects us
      pb::ServerMessage m;
      const bool parsed = m.ParseFromString(beast::buffers_to_string(self->buffer_.data()));
      self->buffer_.clear();
      if (!parsed) return self->fail("a frame that is not a ServerMessage");
      self->handle(m);
      self->read();
    });
  }

  void handle(const pb::ServerMessage& m) {
    if (m.has_welcome()) {
      for (const auto& op : m.welcome().ops()) take(op.seq());
      if (seen != m.welcome().head_seq())
        fail("Welcome ends at " + std::to_string(seen) + ", head " +
             std::to_string(m.welcome().head_seq()));
      welcomed = true;
    } else if (m.has_ops()) {
      for (const auto& op : m.ops().ops()) take(op.seq());
    } else if (m.has_error()) {
      fail("error: " + m.error().message());
    }
  }

  void take(uint64_t seq) {
    if (seq != seen + 1)
      fail("seq " + std::to_string(seq) + " after " + std::to_string(seen.load()));
    else
      seen = seq;
  }

  void fail(const std::string& why) {
    if (problem.empty()) problem = why;
    failed = true;
  }

  net::io_context& io_;
  Endpoint at_;
  Seat seat_;
  uint64_t replica_;
  net::steady_timer timer_;
  std::unique_ptr<websocket::stream<beast::tcp_stream>> ws_;
  beast::flat_buffer buffer_;
};

class ReconnectStormTest : public ServerFixture {
 protected:
  void TearDown() override {
    if (crowd_io_thread_.joinable()) {
      net::post(crowd_io_, [this] {
        for (auto& m : crowd_) m->drop();
      });
      work_.reset();
      crowd_io_.stop();
      crowd_io_thread_.join();
    }
    ServerFixture::TearDown();
  }

  // Every member has seen `heads[room]` in its room, before `deadline`.
  bool crowd_reached(const std::vector<uint64_t>& heads, SteadyClock::time_point deadline) {
    for (;;) {
      size_t behind = 0;
      for (size_t i = 0; i < crowd_.size(); ++i)
        if (crowd_[i]->failed || crowd_[i]->seen < heads[i % heads.size()]) ++behind;
      if (behind == 0) return true;
      if (SteadyClock::now() > deadline) {
        ADD_FAILURE() << behind << " of " << crowd_.size() << " clients behind" << first_problem();
        return false;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
  }

  std::string first_problem() {
    for (auto& m : crowd_)
      if (m->failed) return "; first problem: " + m->problem;
    return "";
  }

  // Each room's writer makes `n` more ops (acknowledged if it is connected).
  void write(std::vector<std::unique_ptr<Replica>>& writers, std::vector<OpId>& drafts, int n) {
    for (size_t r = 0; r < writers.size(); ++r) {
      for (int i = 0; i < n; ++i)
        ASSERT_TRUE(writers[r]->doc().insert_text(drafts[r], 0, "w").is_ok());
      writers[r]->flush();
    }
  }

  std::vector<uint64_t> heads(std::vector<std::unique_ptr<Replica>>& writers) {
    std::vector<uint64_t> out;
    for (auto& w : writers) {
      EXPECT_TRUE(w->wait_acked(seconds(30)));
      out.push_back(w->acks().empty() ? 0 : w->acks().rbegin()->second);
    }
    return out;
  }

  net::io_context crowd_io_{1};
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_{
      net::make_work_guard(crowd_io_)};
  std::thread crowd_io_thread_;
  std::vector<std::shared_ptr<Member>> crowd_;
};

TEST_F(ReconnectStormTest, TheCrowdReconnectsWithinASecondOfARestartAndCatchesUp) {
  const int clients = crowd_size();
  rlimit files{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &files), 0);
  const rlim_t needed = static_cast<rlim_t>(clients) + 512;
  if (files.rlim_cur < needed && files.rlim_max >= needed) {
    files.rlim_cur = needed;
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &files), 0);
  }
  if (files.rlim_cur < needed) GTEST_SKIP() << "needs " << needed << " open files";

  ServerOptions options;
  options.log_level = "warn";  // 2,000 joins twice otherwise
  // Everyone comes from 127.0.0.1: the per-address limits are for the open internet.
  options.extra_args = {"--connections-per-ip",      "0", "--connects-per-minute", "0",
                        "--http-connections-per-ip", "0"};
  ASSERT_NO_FATAL_FAILURE(start(options));

  std::vector<Seat> seats;
  std::vector<std::unique_ptr<Replica>> writers;
  std::vector<OpId> drafts;
  for (int r = 0; r < kRooms; ++r) {
    const auto conv = create_convening(endpoint(), "room " + std::to_string(r));
    ASSERT_TRUE(conv);
    seats.push_back({conv->id, conv->observer});
    writers.push_back(join(conv->id, conv->participant, "writer"));
    drafts.push_back(writers.back()->doc().create_draft("Call").value);
  }
  ASSERT_NO_FATAL_FAILURE(write(writers, drafts, 100));
  std::vector<uint64_t> head = heads(writers);

  // The crowd joins at a gentle pace and takes in live edits.
  crowd_io_thread_ = std::thread([this] { crowd_io_.run(); });
  for (int i = 0; i < clients; ++i) {
    crowd_.push_back(
        std::make_shared<Member>(crowd_io_, endpoint(), seats[i % kRooms], next_replica_id()));
    crowd_.back()->connect_after(milliseconds(i * 2));
  }
  ASSERT_TRUE(crowd_reached(head, SteadyClock::now() + seconds(60)));
  ASSERT_NO_FATAL_FAILURE(write(writers, drafts, 20));
  head = heads(writers);
  ASSERT_TRUE(crowd_reached(head, SteadyClock::now() + seconds(30)));

  // Crash. Writers keep editing offline; the crowd holds what it saw.
  server_->kill();
  for (auto& w : writers) w->drop();
  ASSERT_NO_FATAL_FAILURE(write(writers, drafts, 30));
  ASSERT_TRUE(server_->restart()) << server_->error();

  // Within one second of the restart every member reconnects; the writers
  // resend their offline edits among them.
  const auto restarted = SteadyClock::now();
  std::mt19937 rng(7);
  for (auto& m : crowd_) {
    m->attempts = 0;
    m->connect_after(milliseconds(rng() % 1000));
  }
  for (auto& w : writers) ASSERT_TRUE(w->join().ok());
  head = heads(writers);
  ASSERT_TRUE(crowd_reached(head, restarted + seconds(60)));
  const double caught_up_s = std::chrono::duration<double>(SteadyClock::now() - restarted).count();

  int retried = 0;
  for (auto& m : crowd_) retried += m->attempts > 1 ? 1 : 0;
  RecordProperty("clients", clients);
  RecordProperty("caught_up_ms", static_cast<int>(caught_up_s * 1000));
  RecordProperty("clients_that_retried", retried);
  std::cout << "reconnect storm: " << clients << " clients caught up " << caught_up_s
            << " s after the restart; " << retried << " needed more than one attempt\n";
  EXPECT_TRUE(server_->running() && !server_->exited_by_itself());
  EXPECT_EQ(http_request(endpoint(), "GET", "/healthz").status, 200);
  EXPECT_EQ(first_problem(), "");
}

}  // namespace
}  // namespace convene::itest
