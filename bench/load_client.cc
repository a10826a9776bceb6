#include "load_client.h"

#include <google/protobuf/io/coded_stream.h>

#include <algorithm>
#include <cmath>
#include <string_view>

#include "crdt/ids.h"

namespace convene::bench {

namespace pb = ::convene::v1;

namespace {

constexpr size_t kMaxReadBytes = 256 << 20;  // a Welcome with a long history
constexpr size_t kMaxQueuedFrames = 10'000;  // beyond: this client gives up
constexpr size_t kOpsPerSeedSubmit = 1'000;  // under the server's 10,000
constexpr double kMaxTicksPerSecond = 50;    // above: several ops per Submit
constexpr double kMaxCredit = 100;           // ops a late writer may catch up
constexpr auto kIdleCheck = std::chrono::milliseconds(100);

std::chrono::microseconds micros(double us) {
  return std::chrono::microseconds(static_cast<int64_t>(us));
}

constexpr uint32_t length_delimited(int field) {
  return (static_cast<uint32_t>(field) << 3) | 2;
}

// Calls f with each message of a frame: the frame itself, or each message of
// a Batch, without parsing them. False if a Batch is malformed.
template <class F>
bool for_each_message(std::string_view frame, F&& f) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(frame.data()),
                                            static_cast<int>(frame.size()));
  if (in.ReadTag() != length_delimited(pb::ServerMessage::kBatchFieldNumber)) {
    f(frame);
    return true;
  }
  uint32_t length = 0;
  if (!in.ReadVarint32(&length) || length != frame.size() - in.CurrentPosition()) return false;
  while (!in.ExpectAtEnd()) {
    if (in.ReadTag() != length_delimited(pb::Batch::kMessagesFieldNumber) ||
        !in.ReadVarint32(&length))
      return false;
    const auto start = static_cast<size_t>(in.CurrentPosition());
    if (!in.Skip(static_cast<int>(length))) return false;
    f(frame.substr(start, length));
  }
  return true;
}

}  // namespace

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             SteadyClock::now().time_since_epoch())
      .count();
}

size_t Shard::second_of(int64_t t_us) {
  constexpr size_t kMaxSeconds = 3600;
  const size_t s = std::min<size_t>(
      t_us > window_start_us ? static_cast<size_t>((t_us - window_start_us) / 1'000'000) : 0,
      kMaxSeconds);
  if (latency_by_second.size() <= s) {
    latency_by_second.resize(s + 1);
    committed_by_second.resize(s + 1, 0);
    deliveries_by_second.resize(s + 1, 0);
  }
  return s;
}

void Shard::reset_figures() {
  latency = {};
  ack_latency = {};
  latency_by_second.clear();
  committed_by_second.clear();
  deliveries_by_second.clear();
  submitted = committed = deliveries = presence_sent = presence_received = 0;
}

std::unordered_map<uint64_t, uint64_t> BenchRoom::acked() const {
  std::unordered_map<uint64_t, uint64_t> out;
  for (const auto& [replica, writer] : writers) out[replica] = writer->last_acked();
  return out;
}

Client::Client(BenchRoom& room, Role role, uint64_t replica, size_t index,
               const ClientConfig& config)
    : room_(room),
      shard_(*room.shard),
      role_(role),
      replica_(replica),
      index_(index),
      config_(config),
      ws_(room.shard->io.get_executor()),
      rng_(replica),
      checker_(replica),
      op_timer_(ws_.get_executor()),
      presence_timer_(ws_.get_executor()),
      ping_timer_(ws_.get_executor()) {
  for (int i = 0; i < 4; ++i) {
    const uint64_t word = rng_();
    replica_secret_.append(reinterpret_cast<const char*>(&word), sizeof word);
  }
  if (role_ == Role::kWriter) {
    doc_ = std::make_unique<crdt::Document>(room.base);
    doc_->set_replica(replica_);
  }
}

// ---- connecting -----------------------------------------------------------------------

void Client::start() {
  connect_started_us_ = now_us();
  beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(30));
  beast::get_lowest_layer(ws_).async_connect(
      config_.server, beast::bind_front_handler(&Client::on_connect, shared_from_this()));
}

void Client::on_connect(beast::error_code ec) {
  if (ec) return fail("connect", ec.message());
  beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true));
  beast::get_lowest_layer(ws_).expires_never();  // the websocket has its own timeouts
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
  ws_.read_message_max(kMaxReadBytes);
  ws_.binary(true);
  ws_.async_handshake(config_.host_header, "/ws",
                      beast::bind_front_handler(&Client::on_handshake, shared_from_this()));
}

void Client::on_handshake(beast::error_code ec) {
  if (ec) return fail("handshake", ec.message());
  pb::ClientMessage m;
  auto* hello = m.mutable_hello();
  hello->set_protocol(1);
  hello->set_token(room_.token);
  hello->set_replica(replica_);
  hello->set_replica_secret(replica_secret_);
  hello->set_convening(room_.id);
  hello->set_name("bench " + std::to_string(index_));
  hello->set_colour("#3366aa");
  hello->set_batches(true);
  send(m);
  do_read();
}

void Client::seed(std::vector<crdt::pb::Op> ops) {
  seed_ = std::move(ops);
}

// ---- reading --------------------------------------------------------------------------

void Client::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&Client::on_read, shared_from_this()));
}

void Client::on_read(beast::error_code ec, size_t) {
  if (ec) {
    if (closed_) return;
    return fail("read", ec.message());
  }
  const int64_t at = now_us();
  const auto data = buffer_.data();
  const std::string_view frame(static_cast<const char*>(data.data()), data.size());
  bool parsed = true;
  const bool framed = for_each_message(frame, [&](std::string_view bytes) {
    // A PresenceUpdate (ServerMessage field 4, length-delimited: tag 0x22)
    // is only counted: parsing thousands a second would take cores the
    // server shares with the bench.
    if (!bytes.empty() && static_cast<uint8_t>(bytes[0]) ==
                              length_delimited(pb::ServerMessage::kPresenceFieldNumber)) {
      if (shard_.recording) ++shard_.presence_received;
      return;
    }
    pb::ServerMessage m;
    if (!m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) || m.has_batch())
      parsed = false;
    else
      handle(m, at);
  });
  buffer_.consume(buffer_.size());
  if (!framed || !parsed) return fail("decode", "a frame that is not a ServerMessage");
  do_read();
}

void Client::handle(const pb::ServerMessage& m, int64_t at) {
  switch (m.body_case()) {
    case pb::ServerMessage::kWelcome:
      return on_welcome(m.welcome(), at);
    case pb::ServerMessage::kOps:
      for (const pb::SequencedOp& s : m.ops().ops()) {
        const pb::Op& op = s.op();
        checker_.receive(s.seq(), op.replica(), op.counter(), crdt::op_span(op));
        if (!shard_.recording) continue;
        const size_t second = shard_.second_of(at);
        ++shard_.deliveries;
        ++shard_.deliveries_by_second[second];
        const auto writer = room_.writers.find(op.replica());
        if (writer == room_.writers.end()) continue;
        const int64_t sent = writer->second->sent_at(op.counter());
        if (sent < 0) continue;
        const auto latency = static_cast<uint64_t>(std::max<int64_t>(0, at - sent));
        shard_.latency.record(latency);
        shard_.latency_by_second[second].record(latency);
      }
      return;
    case pb::ServerMessage::kAck: {
      const uint64_t counter = m.ack().counter();
      if (role_ == Role::kWriter && shard_.recording) {
        for (uint64_t c = acked_ + 1; c <= counter; ++c) {
          const int64_t sent = sent_at(c);
          if (sent < 0) continue;
          shard_.ack_latency.record(static_cast<uint64_t>(std::max<int64_t>(0, at - sent)));
          ++shard_.committed;
          ++shard_.committed_by_second[shard_.second_of(at)];
        }
      }
      acked_ = std::max(acked_, counter);
      return;
    }
    case pb::ServerMessage::kError:
      ++shard_.errors;
      if (shard_.first_error.empty())
        shard_.first_error =
            "server error " + pb::ErrorCode_Name(m.error().code()) + ": " + m.error().message();
      return;
    default:
      return;
  }
}

// A Welcome is a catch-up when its snapshot (if any) and ops cover every
// seq up to head_seq without a gap.
void Client::on_welcome(const pb::Welcome& w, int64_t at) {
  joined_ = true;
  ++shard_.welcomes;
  shard_.connect.record(static_cast<uint64_t>(std::max<int64_t>(0, at - connect_started_us_)));
  uint64_t covered = w.snapshot().empty() ? 0 : w.snapshot_seq();
  bool contiguous = true;
  for (const pb::SequencedOp& op : w.ops()) {
    if (op.seq() != covered + 1) contiguous = false;
    covered = op.seq();
  }
  if (contiguous && covered == w.head_seq()) ++shard_.caught_up;
  shard_.settled.fetch_add(1, std::memory_order_relaxed);

  if (role_ == Role::kSeeder) {
    for (size_t i = 0; i < seed_.size(); i += kOpsPerSeedSubmit) {
      pb::ClientMessage m;
      const size_t end = std::min(seed_.size(), i + kOpsPerSeedSubmit);
      for (size_t j = i; j < end; ++j) *m.mutable_submit()->add_ops() = seed_[j];
      send(m);
    }
    if (!seed_.empty()) first_counter_ = seed_.back().counter();  // the Ack to wait for
    seed_.clear();
  }
}

bool Client::seeded() const {
  return joined_ && acked_ >= first_counter_;
}

// ---- writing --------------------------------------------------------------------------

void Client::send(const pb::ClientMessage& m) {
  if (closed_ || failed_) return;
  if (queue_.size() >= kMaxQueuedFrames) return fail("send", "the send queue overflowed");
  queue_.push_back(m.SerializeAsString());
  if (!writing_) do_write();
}

void Client::do_write() {
  writing_ = true;
  ws_.async_write(net::buffer(queue_.front()),
                  [self = shared_from_this()](beast::error_code ec, size_t) {
                    self->writing_ = false;
                    if (ec) {
                      if (!self->closed_) self->fail("write", ec.message());
                      return;
                    }
                    self->queue_.pop_front();
                    if (!self->queue_.empty() && !self->closed_) self->do_write();
                  });
}

void Client::fail(const char* what, const std::string& message) {
  if (failed_ || closed_) return;
  failed_ = true;
  if (joined_) {
    ++shard_.disconnects;
  } else {
    ++shard_.connect_failures;
    shard_.settled.fetch_add(1, std::memory_order_relaxed);
  }
  if (shard_.first_error.empty()) shard_.first_error = std::string(what) + ": " + message;
  op_timer_.cancel();
  presence_timer_.cancel();
  ping_timer_.cancel();
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);
}

void Client::close() {
  if (closed_) return;
  closed_ = true;
  op_timer_.cancel();
  presence_timer_.cancel();
  ping_timer_.cancel();
  if (failed_ || !joined_) {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    return;
  }
  ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code) {});
}

// ---- what the participant does ---------------------------------------------------------

void Client::run_timers() {
  if (role_ == Role::kWriter) schedule_ops();
  if (config_.options->presence_hz > 0) schedule_presence();
  if (config_.options->ping_interval_s > 0) schedule_ping();
}

int64_t Client::sent_at(uint64_t counter) const {
  if (counter < first_counter_ || counter - first_counter_ >= sent_us_.size()) return -1;
  return sent_us_[counter - first_counter_];
}

// Each writer earns `rate` ops a second and spends them on ticks: one op
// per tick up to 50 ticks a second, several per Submit above that (as the
// browser sends one Submit per frame). A writer that falls behind catches
// up at most kMaxCredit ops at once.
void Client::schedule_ops() {
  const double rate = shard_.rate;
  double interval_us = kIdleCheck.count() * 1000.0;
  if (rate > 0) interval_us = 1e6 / std::min(rate, kMaxTicksPerSecond);
  if (last_tick_us_ == 0) {  // a random phase, so writers do not tick together
    interval_us *= std::uniform_real_distribution<double>(0, 1)(rng_);
  }
  op_timer_.expires_after(micros(interval_us));
  op_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->closed_ || self->failed_) return;
    const int64_t now = now_us();
    if (!self->shard_.sending || self->shard_.rate <= 0 || self->last_tick_us_ == 0) {
      self->credit_ = 0;
    } else {
      self->credit_ = std::min(
          kMaxCredit, self->credit_ + self->shard_.rate * (now - self->last_tick_us_) / 1e6);
    }
    self->last_tick_us_ = now;
    const auto count = static_cast<uint64_t>(self->credit_);
    if (count > 0) {
      self->credit_ -= static_cast<double>(count);
      self->make_ops(count);
    }
    self->schedule_ops();
  });
}

void Client::make_ops(uint64_t count) {
  pb::ClientMessage m;
  auto* submit = m.mutable_submit();
  for (uint64_t i = 0; i < count; ++i) make_one_op(submit);
  if (submit->ops_size() == 0) return;
  const int64_t at = now_us();
  for (const crdt::pb::Op& op : submit->ops()) {
    if (sent_us_.empty()) first_counter_ = op.counter();
    sent_us_.resize(op.counter() + crdt::op_span(op) - first_counter_, at);
  }
  if (shard_.recording) shard_.submitted += static_cast<uint64_t>(submit->ops_size());
  send(m);
}

// One edit in this writer's replica, as a person makes it: a move or a
// relabel on the map, or a keystroke (mostly typing, sometimes a backspace)
// at the end of this writer's own run in the draft.
void Client::make_one_op(pb::Submit* sink) {
  std::uniform_int_distribution<int> percent(0, 99);
  OpMix mix = config_.options->mix;
  if (mix == OpMix::kMixed) mix = percent(rng_) < 50 ? OpMix::kMap : OpMix::kText;
  crdt::Status s;
  if (mix == OpMix::kMap && !room_.elements.empty()) {
    const crdt::OpId target =
        room_.elements[std::uniform_int_distribution<size_t>(0, room_.elements.size() - 1)(rng_)];
    crdt::pb::ElementFields f;
    if (percent(rng_) < 85) {
      const auto* element = doc_->landscape().element(target);
      std::normal_distribution<double> step(0.0, 8.0);
      f.mutable_position()->set_x(element->position.value.x() + step(rng_));
      f.mutable_position()->set_y(element->position.value.y() + step(rng_));
    } else {
      f.set_label("element " + std::to_string(ops_made_));
    }
    s = doc_->update_element(target, f);
  } else if (typed_ > 0 && percent(rng_) < 10) {
    s = doc_->delete_text(room_.variant, room_.base_text_length + typed_ - 1, 1);
    if (s.is_ok()) --typed_;
  } else {
    const char letter[2] = {static_cast<char>('a' + percent(rng_) % 26), 0};
    s = doc_->insert_text(room_.variant, room_.base_text_length + typed_, letter);
    if (s.is_ok()) ++typed_;
  }
  if (!s.is_ok()) return fail("edit", s.str());
  ++ops_made_;
  for (crdt::pb::Op& op : doc_->take_outbox()) *sink->add_ops() = std::move(op);
}

void Client::schedule_presence() {
  const double interval_us = 1e6 / config_.options->presence_hz;
  const double phase = presence_started_ ? 1.0 : std::uniform_real_distribution<double>(0, 1)(rng_);
  presence_started_ = true;
  presence_timer_.expires_after(micros(interval_us * phase));
  presence_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->closed_ || self->failed_) return;
    if (self->shard_.sending) {
      std::normal_distribution<double> step(0.0, 10.0);
      self->cursor_x_ += step(self->rng_);
      self->cursor_y_ += step(self->rng_);
      pb::ClientMessage m;
      auto* p = m.mutable_presence();
      self->room_.map.to_pb(p->mutable_map());
      p->mutable_cursor()->set_x(self->cursor_x_);
      p->mutable_cursor()->set_y(self->cursor_y_);
      self->send(m);
      if (self->shard_.recording) ++self->shard_.presence_sent;
    }
    self->schedule_presence();
  });
}

void Client::schedule_ping() {
  const double interval_us = config_.options->ping_interval_s * 1e6;
  const double phase = ping_started_ ? 1.0 : std::uniform_real_distribution<double>(0, 1)(rng_);
  ping_started_ = true;
  ping_timer_.expires_after(micros(interval_us * phase));
  ping_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->closed_ || self->failed_) return;
    pb::ClientMessage m;
    m.mutable_ping()->set_nonce(++self->pings_);
    self->send(m);
    self->schedule_ping();
  });
}

}  // namespace convene::bench
