// convene-bench load: simulated participants against a running server
// (`convene-bench --help`, docs/benchmarks.md).
//
// Phases: create the convenings over REST; seed each with its base document
// (a map, a draft and, for a join storm, a history); join every client with
// a real invite token; then one measured window (or, with --find-max, a
// series of them at different rates) while writers edit and everyone sends
// presence; then drain until every op is acknowledged and received, check
// delivery, and read the server's /metrics and /proc figures.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <future>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>

#include "bench_util.h"
#include "export_load.h"
#include "find_max.h"
#include "load_client.h"
#include "load_options.h"
#include "load_probe.h"
#include "load_report.h"

namespace convene::bench {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr size_t kMapElements = 40;
constexpr size_t kMaxJoining = 256;  // connections being set up at once (no storm)
constexpr auto kDrainTimeout = seconds(10);
constexpr auto kJoinTimeout = seconds(60);
constexpr double kSustainedShare = 0.9;  // find-max: committed >= 90% of offered
// find-max: windows at most (a rate that misses once is measured again).
constexpr int kFindMaxWindows = 14;

// Everything one measured window produced.
struct Window {
  double seconds = 0;
  uint64_t submitted = 0, committed = 0, deliveries = 0, presence_sent = 0, presence_received = 0;
  LatencyHistogram latency, ack_latency;
  std::vector<LatencyHistogram> latency_by_second;
  std::vector<uint64_t> committed_by_second, deliveries_by_second;
  DeliveryChecker::Result delivery;  // cumulative since the clients joined
  uint64_t disconnects = 0, server_errors = 0;
  std::optional<double> server_cpu_pct, server_rss_mb;
  double bench_cpu_pct = 0;
  std::optional<double> server_wait_pct, bench_wait_pct;
  std::vector<ServerSample> samples;
  std::vector<StallSample> stalls;
  MachineFigures machine;
  std::optional<double> commit_p99_le_ms;  // over the sending part of the window
  ExportFigures exports;                   // --exporters
};

class LoadRun {
 public:
  explicit LoadRun(LoadOptions options) : o_(std::move(options)) {}
  ~LoadRun() { stop_threads(); }

  bool run(LoadResult& result, std::string& error);

 private:
  // Runs fn on every shard's thread and waits for all of them.
  template <typename Fn>
  void on_shards(Fn fn) {
    std::vector<std::future<void>> done;
    for (auto& shard : shards_) {
      auto task = std::make_shared<std::packaged_task<void()>>([&fn, s = shard.get()] { fn(*s); });
      done.push_back(task->get_future());
      net::post(shard->io, [task] { (*task)(); });
    }
    for (auto& f : done) f.wait();
  }
  uint64_t settled() const;
  bool create_rooms(std::string& error);
  void build_base(BenchRoom& room, uint64_t seeder);
  void add_export_elements(crdt::Document& doc, std::vector<crdt::pb::Op>& ops);
  bool seed(std::string& error);
  bool join(std::string& error);
  Window measure(double rate, double duration_s);
  std::optional<MetricsPage> server_metrics();
  void stop_threads();

  LoadOptions o_;
  ClientConfig config_;
  std::mt19937_64 rng_{std::random_device{}()};
  std::vector<std::unique_ptr<Shard>> shards_;
  std::vector<std::thread> threads_;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards_;
  std::vector<std::unique_ptr<BenchRoom>> rooms_;
  uint64_t clients_ = 0;
};

uint64_t LoadRun::settled() const {
  uint64_t n = 0;
  for (const auto& s : shards_) n += s->settled.load(std::memory_order_relaxed);
  return n;
}

uint64_t random_replica(std::mt19937_64& rng) {
  // Below 2^53, so a JavaScript client could hold it too; never 0.
  return (rng() & ((uint64_t{1} << 53) - 1)) | 1;
}

bool LoadRun::create_rooms(std::string& error) {
  for (uint64_t r = 0; r < o_.rooms; ++r) {
    const nlohmann::json body = {
        {"name", "convene-bench " + o_.scenario + " " + std::to_string(r)}};
    const HttpResult res =
        http_call(o_.host, o_.port, "POST", "/api/convenings", body.dump(), o_.admin_token);
    const auto json = nlohmann::json::parse(res.body, nullptr, false);
    if (res.status != 201 || json.is_discarded() || !json.contains("id")) {
      // 429: the server limits convenings created per address and minute
      // (start a server to benchmark with the limits at 0: --help); 401: it
      // wants its operator token (--admin-token).
      error = "POST /api/convenings: " +
              (res.status ? "status " + std::to_string(res.status) + " " + res.body : res.error);
      return false;
    }
    auto room = std::make_unique<BenchRoom>();
    room->id = json["id"].get<std::string>();
    room->token = json["invites"]["participant"].get<std::string>();
    room->shard = shards_[r % shards_.size()].get();
    rooms_.push_back(std::move(room));
  }
  return true;
}

// The room's starting document, made by the seeder's replica: a map of
// kMapElements elements and a draft with a line of text; plus, for a join
// storm, `history` more ops of moves and typing.
void LoadRun::build_base(BenchRoom& room, uint64_t seeder) {
  crdt::Document doc(seeder);
  room.map = doc.create_map("landscape").value;
  std::uniform_real_distribution<double> coord(-500, 500);
  for (size_t i = 0; i < kMapElements; ++i) {
    crdt::pb::ElementFields f;
    f.set_kind(static_cast<crdt::pb::ElementKind>(1 + i % 8));
    f.set_label("element " + std::to_string(i));
    f.mutable_position()->set_x(coord(rng_));
    f.mutable_position()->set_y(coord(rng_));
    room.elements.push_back(doc.create_element(room.map, f).value);
  }
  room.variant = doc.create_draft("call").value;
  const std::string line = "We invite you to a convening about the river basin.\n";
  doc.insert_text(room.variant, 0, line);
  room.base_text_length = line.size();
  room.base = doc;
}

// What the exporters read: the first convening's map grown by
// --export-elements elements with notes.
void LoadRun::add_export_elements(crdt::Document& doc, std::vector<crdt::pb::Op>& ops) {
  BenchRoom& room = *rooms_.front();
  crdt::pb::ElementFields f;
  f.set_kind(crdt::pb::ELEMENT_KIND_PROJECT);
  f.set_notes(std::string(300, 'n'));
  for (uint64_t i = 0; i < o_.export_elements; ++i) {
    f.set_label("exported " + std::to_string(i));
    doc.create_element(room.map, f);
    for (auto& op : doc.take_outbox()) ops.push_back(std::move(op));
  }
}

bool LoadRun::seed(std::string& error) {
  std::vector<std::shared_ptr<Client>> seeders;
  for (auto& room : rooms_) {
    const uint64_t seeder_replica = random_replica(rng_);
    build_base(*room, seeder_replica);
    crdt::Document doc = room->base;
    std::vector<crdt::pb::Op> ops = doc.take_outbox();
    // History: moves and keystrokes, one op each.
    std::uniform_int_distribution<size_t> element(0, room->elements.size() - 1);
    std::normal_distribution<double> step(0, 8);
    size_t typed = 0;
    for (uint64_t i = 0; i < o_.history; ++i) {
      if (i % 2 == 0) {
        const crdt::OpId target = room->elements[element(rng_)];
        crdt::pb::ElementFields f;
        const auto& at = doc.landscape().element(target)->position.value;
        f.mutable_position()->set_x(at.x() + step(rng_));
        f.mutable_position()->set_y(at.y() + step(rng_));
        doc.update_element(target, f);
      } else {
        doc.insert_text(room->variant, room->base_text_length + typed++, "x");
      }
      for (auto& op : doc.take_outbox()) ops.push_back(std::move(op));
    }
    if (o_.exporters > 0 && room == rooms_.front()) add_export_elements(doc, ops);
    room->base_text_length += typed;
    room->base = doc;
    auto client =
        std::make_shared<Client>(*room, Client::Role::kSeeder, seeder_replica, 0, config_);
    client->seed(std::move(ops));
    seeders.push_back(client);
    net::post(room->shard->io, [client] { client->start(); });
  }
  const auto deadline = SteadyClock::now() + kJoinTimeout;
  for (;;) {
    size_t done = 0, failed = 0;
    std::string first_error;
    on_shards([&](Shard& shard) {
      for (const auto& seeder : seeders) {
        if (&seeder->shard() != &shard) continue;
        done += seeder->seeded();
        failed += seeder->failed();
      }
      if (first_error.empty()) first_error = shard.first_error;
    });
    if (failed > 0) {
      error = "seeding a convening failed: " + first_error;
      return false;
    }
    if (done == seeders.size()) break;
    if (SteadyClock::now() > deadline) {
      error =
          "seeding the convenings took longer than " + std::to_string(kJoinTimeout.count()) + " s";
      return false;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  on_shards([&](Shard& shard) {
    for (const auto& seeder : seeders)
      if (&seeder->shard() == &shard) seeder->close();
    shard.settled = 0;
    shard.welcomes = shard.caught_up = 0;
    shard.connect = {};
  });
  return true;
}

// Creates every room's clients (its writers first) and joins them: spread
// evenly over --join-spread seconds (a storm), or else as fast as the server
// admits them with at most kMaxJoining in progress.
bool LoadRun::join(std::string& error) {
  for (auto& room : rooms_) {
    for (uint64_t c = 0; c < o_.clients_per_room; ++c) {
      const bool writer = c < o_.writers_per_room;
      auto client =
          std::make_shared<Client>(*room, writer ? Client::Role::kWriter : Client::Role::kReader,
                                   random_replica(rng_), c, config_);
      room->clients.push_back(client);
      if (writer) room->writers[client->replica()] = client.get();
    }
    for (auto& client : room->clients)
      for (const auto& [replica, writer] : room->writers) client->checker().expect_writer(replica);
  }
  // Interleaved across rooms, so that every room fills at the same pace.
  std::vector<std::shared_ptr<Client>> order;
  for (uint64_t c = 0; c < o_.clients_per_room; ++c)
    for (auto& room : rooms_) order.push_back(room->clients[c]);
  clients_ = order.size();

  const auto start = SteadyClock::now();
  for (size_t i = 0; i < order.size(); ++i) {
    if (o_.join_spread_s > 0) {
      std::this_thread::sleep_until(
          start +
          std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(
              o_.join_spread_s * static_cast<double>(i) / static_cast<double>(order.size()))));
    } else {
      while (i >= settled() + kMaxJoining) std::this_thread::sleep_for(milliseconds(1));
    }
    auto client = order[i];
    net::post(client->shard().io, [client] { client->start(); });
  }
  const auto deadline = SteadyClock::now() + kJoinTimeout;
  while (settled() < clients_ && SteadyClock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(10));
  if (settled() < clients_) {
    error = std::to_string(clients_ - settled()) + " clients neither joined nor failed within " +
            std::to_string(kJoinTimeout.count()) + " s";
    return false;
  }
  on_shards([&](Shard& shard) {
    for (auto& room : rooms_)
      if (room->shard == &shard)
        for (auto& client : room->clients) client->run_timers();
  });
  return true;
}

std::optional<MetricsPage> LoadRun::server_metrics() {
  const HttpResult res = http_call(o_.host, o_.port, "GET", "/metrics", "", o_.admin_token);
  if (res.status != 200) return std::nullopt;
  return parse_prometheus(res.body);
}

// One measured window at `rate` ops per writer per second: the writers edit
// for `duration_s`, then the bench waits (at most kDrainTimeout) until every
// op is acknowledged and every receiver has every acknowledged op.
Window LoadRun::measure(double rate, double duration_s) {
  Window w;
  const int64_t start_us = now_us();
  on_shards([&](Shard& shard) {
    shard.rate = rate;
    shard.reset_figures();
    shard.window_start_us = start_us;
    shard.sending = true;
    shard.recording = true;
  });
  const auto start = SteadyClock::now();
  std::optional<ProcSample> server_first, server_last;
  if (o_.server_pid) server_first = server_last = sample_process(*o_.server_pid);
  const std::optional<ProcSample> bench_first = sample_process(0);
  const MachineSample machine_first = sample_machine();
  const std::optional<MetricsPage> metrics_first = server_metrics();
  ExportLoad exports;
  if (o_.exporters > 0 && !rooms_.empty())
    exports.start(o_.host, o_.port, rooms_.front()->id, rooms_.front()->token, o_.exporters);
  MachineSample machine_last = machine_first;
  std::optional<MetricsPage> metrics_last = metrics_first;
  const auto seconds_total = static_cast<int>(std::ceil(duration_s));
  for (int s = 1; s <= seconds_total; ++s) {
    const double at = std::min(static_cast<double>(s), duration_s);
    std::this_thread::sleep_until(start + std::chrono::duration_cast<SteadyClock::duration>(
                                              std::chrono::duration<double>(at)));
    const double dt = at - (w.stalls.empty() ? 0.0 : w.stalls.back().t_s);
    const MachineSample machine = sample_machine();
    std::optional<MetricsPage> metrics = server_metrics();
    StallSample stall{at, std::nullopt, stalled_pct(machine_last.io, machine.io, dt, false)};
    if (metrics_last && metrics)
      stall.commit_p99_le_ms =
          histogram_p99_le_ms(*metrics_last, *metrics, "convene_commit_latency_seconds");
    w.stalls.push_back(stall);
    machine_last = machine;
    if (metrics) metrics_last = std::move(metrics);
    if (!server_last) continue;
    const auto sample = sample_process(*o_.server_pid);
    if (!sample) continue;
    const double since = at - (w.samples.empty() ? 0.0 : w.samples.back().t_s);
    w.samples.push_back(
        {at, since > 0 ? 100.0 * (sample->cpu_seconds - server_last->cpu_seconds) / since : 0,
         sample->rss_mb, sample->open_fds, runqueue_wait_pct(*server_last, *sample, since)});
    server_last = sample;
  }
  w.seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  w.exports = exports.stop();
  const std::optional<ProcSample> bench_last = sample_process(0);
  on_shards([](Shard& shard) { shard.sending = false; });
  w.machine = {stalled_pct(machine_first.io, machine_last.io, w.seconds, false),
               stalled_pct(machine_first.io, machine_last.io, w.seconds, true),
               stalled_pct(machine_first.cpu, machine_last.cpu, w.seconds, false)};
  if (metrics_first && metrics_last)
    w.commit_p99_le_ms =
        histogram_p99_le_ms(*metrics_first, *metrics_last, "convene_commit_latency_seconds");

  const auto deadline = SteadyClock::now() + kDrainTimeout;
  for (bool drained = false; !drained && SteadyClock::now() < deadline;) {
    std::this_thread::sleep_for(milliseconds(50));
    std::atomic<bool> all{true};
    on_shards([&](Shard& shard) {
      for (auto& room : rooms_) {
        if (room->shard != &shard) continue;
        const auto acked = room->acked();
        for (auto& client : room->clients) {
          if (client->failed()) continue;
          if (!client->all_acked() || !client->checker().caught_up(acked)) all = false;
        }
      }
    });
    drained = all;
  }

  on_shards([&](Shard& shard) { shard.recording = false; });
  std::mutex mu;
  on_shards([&](Shard& shard) {
    DeliveryChecker::Result sum;
    for (auto& room : rooms_) {
      if (room->shard != &shard) continue;
      const auto acked = room->acked();
      for (auto& client : room->clients) {
        sum += client->checker().finish(acked);
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    w.delivery += sum;
    w.submitted += shard.submitted;
    w.committed += shard.committed;
    w.deliveries += shard.deliveries;
    w.presence_sent += shard.presence_sent;
    w.presence_received += shard.presence_received;
    w.disconnects += shard.disconnects;
    w.server_errors += shard.errors;
    w.latency.merge(shard.latency);
    w.ack_latency.merge(shard.ack_latency);
    const size_t n = shard.latency_by_second.size();
    if (w.latency_by_second.size() < n) {
      w.latency_by_second.resize(n);
      w.committed_by_second.resize(n, 0);
      w.deliveries_by_second.resize(n, 0);
    }
    for (size_t i = 0; i < n; ++i) {
      w.latency_by_second[i].merge(shard.latency_by_second[i]);
      w.committed_by_second[i] += shard.committed_by_second[i];
      w.deliveries_by_second[i] += shard.deliveries_by_second[i];
    }
  });
  if (server_first && server_last && !w.samples.empty()) {
    w.server_cpu_pct =
        100.0 * (server_last->cpu_seconds - server_first->cpu_seconds) / w.samples.back().t_s;
    w.server_rss_mb = server_last->rss_mb;
    w.server_wait_pct = runqueue_wait_pct(*server_first, *server_last, w.samples.back().t_s);
  }
  if (bench_first && bench_last && w.seconds > 0) {
    w.bench_cpu_pct = 100.0 * (bench_last->cpu_seconds - bench_first->cpu_seconds) / w.seconds;
    w.bench_wait_pct = runqueue_wait_pct(*bench_first, *bench_last, w.seconds);
  }
  return w;
}

void LoadRun::stop_threads() {
  guards_.clear();
  for (auto& shard : shards_) shard->io.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  // Clients before their io_contexts: their sockets belong to them.
  rooms_.clear();
  shards_.clear();
}

void fill_window(LoadResult& r, const Window& w, double duration_s) {
  r.duration_s = duration_s;
  r.submitted_ops = w.submitted;
  r.committed_ops = w.committed;
  r.deliveries = w.deliveries;
  r.presence_sent = w.presence_sent;
  r.presence_received = w.presence_received;
  r.latency = w.latency;
  r.ack_latency = w.ack_latency;
  r.lost = w.delivery.lost;
  r.duplicated = w.delivery.duplicated;
  r.out_of_order = w.delivery.out_of_order;
  r.unexpected = w.delivery.unexpected;
  r.disconnects = w.disconnects;
  r.server_errors = w.server_errors;
  r.server_cpu_pct = w.server_cpu_pct;
  r.server_rss_mb = w.server_rss_mb;
  r.bench_cpu_pct = w.bench_cpu_pct;
  r.server_wait_pct = w.server_wait_pct;
  r.bench_wait_pct = w.bench_wait_pct;
  r.server_samples = w.samples;
  r.stall_samples = w.stalls;
  r.machine = w.machine;
  r.soak = soak_figures(w.samples);
  r.exports = w.exports.answered;
  r.exports_refused = w.exports.refused;
  r.exports_failed = w.exports.failed;
  r.export_latency = w.exports.latency;
  r.p99_by_second.clear();
  r.committed_by_second.clear();
  r.deliveries_by_second.clear();
  // Only whole seconds of the window (acks and deliveries of the drain land
  // in a last, partial second).
  const size_t n = std::min(w.latency_by_second.size(), static_cast<size_t>(duration_s));
  for (size_t i = 0; i < n; ++i) {
    r.p99_by_second.push_back(static_cast<double>(w.latency_by_second[i].percentile(0.99)) / 1000);
    r.committed_by_second.push_back(static_cast<double>(w.committed_by_second[i]));
    r.deliveries_by_second.push_back(static_cast<double>(w.deliveries_by_second[i]));
  }
}

// The server's figures between two /metrics pages.
ServerMetrics metrics_delta(const MetricsPage& before, const MetricsPage& after, double seconds) {
  const auto delta = [&](const std::string& name) { return page_delta(before, after, name); };
  ServerMetrics m;
  m.committed_ops_per_sec = delta("convene_ops_committed_total") / seconds;
  m.broadcast_ops_per_sec = delta("convene_ops_broadcast_total") / seconds;
  m.commits_per_sec = delta("convene_commits_total") / seconds;
  const std::string commit = "convene_commit_latency_seconds";
  const double commits = delta(commit + "_count");
  if (commits > 0) {
    m.commit_latency_mean_ms = 1000 * delta(commit + "_sum") / commits;
    m.commit_latency_p99_le_ms = histogram_p99_le_ms(before, after, commit).value_or(0);
    m.ops_durable_after_100ms = histogram_count_above(before, after, commit, "0.1");
  }
  const double broadcasts = delta("convene_broadcast_latency_seconds_count");
  if (broadcasts > 0)
    m.broadcast_latency_mean_ms =
        1000 * delta("convene_broadcast_latency_seconds_sum") / broadcasts;
  m.slow_client_disconnects =
      static_cast<uint64_t>(std::max(0.0, delta("convene_slow_client_disconnects_total")));
  return m;
}

bool LoadRun::run(LoadResult& result, std::string& error) {
  result.options = o_;
  result.rooms = o_.rooms;
  result.writers = o_.rooms * o_.writers_per_room;
  beast::error_code ec;
  config_.server = tcp::endpoint(net::ip::make_address(o_.host, ec), o_.port);
  if (ec) {
    error = "--server: " + o_.host + " is not an IP address";
    return false;
  }
  config_.host_header = o_.host + ":" + std::to_string(o_.port);
  config_.options = &o_;
  if (const HttpResult h = http_call(o_.host, o_.port, "GET", "/healthz"); h.status != 200) {
    error = "the server at " + o_.server +
            " is not healthy: " + (h.status ? "status " + std::to_string(h.status) : h.error);
    return false;
  }
  for (uint64_t i = 0; i < o_.threads; ++i) {
    shards_.push_back(std::make_unique<Shard>());
    guards_.push_back(net::make_work_guard(shards_.back()->io));
  }
  for (auto& shard : shards_) threads_.emplace_back([s = shard.get()] { s->io.run(); });

  if (!create_rooms(error) || !seed(error)) return false;
  std::optional<ProcSample> server_before;
  if (o_.server_pid) {
    server_before = sample_process(*o_.server_pid);
    if (!server_before) {
      error = "cannot read /proc/" + std::to_string(*o_.server_pid);
      return false;
    }
    result.server_rss_before_mb = server_before->rss_mb;
  }
  if (!join(error)) return false;
  result.clients = clients_;
  on_shards([&](Shard& shard) {
    result.connect.merge(shard.connect);
    result.welcomes += shard.welcomes;
    result.caught_up += shard.caught_up;
    result.connect_failures += shard.connect_failures;
    if (result.first_error.empty()) result.first_error = shard.first_error;
  });

  const auto metrics_before = server_metrics();
  const auto metrics_start = SteadyClock::now();
  if (!o_.find_max) {
    fill_window(result, measure(o_.rate, o_.duration_s), o_.duration_s);
  } else {
    FindMaxSearch search(o_.rate, kFindMaxWindows);
    uint64_t lost_before = 0, duplicated_before = 0, drops_before = 0;
    std::optional<Window> best;
    while (const auto rate = search.next()) {
      Window w = measure(*rate, o_.find_max_step_s);
      FindMaxStep s;
      s.rate = *rate;
      s.offered_ops_per_sec = *rate * static_cast<double>(result.writers);
      s.committed_ops_per_sec = static_cast<double>(w.committed) / o_.find_max_step_s;
      s.p99_ms = static_cast<double>(w.latency.percentile(0.99)) / 1000;
      s.lost = w.delivery.lost - lost_before;
      s.duplicated = w.delivery.duplicated - duplicated_before;
      s.commit_p99_le_ms = w.commit_p99_le_ms;
      s.io_some_pct = w.machine.io_some_pct;
      // Each writer may lose up to one tick's op at either end of the window.
      const double slack = static_cast<double>(result.writers) / o_.find_max_step_s;
      const bool broken = s.lost != 0 || s.duplicated != 0 || w.disconnects != drops_before;
      const bool held = !broken && w.committed > 0 && w.latency.count() > 0 &&
                        s.p99_ms <= o_.find_max_p99_ms &&
                        s.committed_ops_per_sec >= kSustainedShare * s.offered_ops_per_sec - slack;
      lost_before = w.delivery.lost;
      duplicated_before = w.delivery.duplicated;
      drops_before = w.disconnects;
      using Outcome = FindMaxSearch::Outcome;
      s.sustained = search.record(held     ? Outcome::kHeld
                                  : broken ? Outcome::kBroken
                                           : Outcome::kMissed);
      s.retry = search.last_was_retry();
      result.find_max_steps.push_back(s);
      if (s.sustained && (!best || s.committed_ops_per_sec > *result.find_max_ops_per_sec)) {
        best = w;
        result.find_max_ops_per_sec = s.committed_ops_per_sec;
      }
    }
    fill_window(result, best ? *best : measure(o_.rate, o_.find_max_step_s), o_.find_max_step_s);
  }
  const double metrics_seconds =
      std::chrono::duration<double>(SteadyClock::now() - metrics_start).count();
  if (const auto after = server_metrics(); metrics_before && after && !o_.find_max)
    result.server_metrics = metrics_delta(*metrics_before, *after, metrics_seconds);
  if (server_before && result.server_rss_mb && clients_ > 0)
    result.rss_per_connection_kb =
        (*result.server_rss_mb - server_before->rss_mb) * 1024.0 / static_cast<double>(clients_);

  on_shards([&](Shard& shard) {
    for (auto& room : rooms_)
      if (room->shard == &shard)
        for (auto& client : room->clients) client->close();
  });
  std::this_thread::sleep_for(milliseconds(300));  // let the close frames go out
  stop_threads();
  return true;
}

}  // namespace

int run_load(int argc, char** argv) {
  std::string error;
  const auto options = parse_load_options(argc, argv, 2, &error);
  if (!options) {
    std::fprintf(stderr, "convene-bench load: %s\n", error.c_str());
    return kExitUsage;
  }
  // Every client is a socket: raise the soft limit on open files to the hard
  // limit, and refuse a run that cannot fit under it.
  const uint64_t limit = raise_open_file_limit();
  const uint64_t needed = options->rooms * options->clients_per_room + options->rooms + 64;
  if (limit < needed) {
    std::fprintf(stderr,
                 "convene-bench load: %llu clients need about %llu open files, but the limit is "
                 "%llu (raise the hard limit: ulimit -Hn, or LimitNOFILE in a systemd unit)\n",
                 static_cast<unsigned long long>(options->rooms * options->clients_per_room),
                 static_cast<unsigned long long>(needed), static_cast<unsigned long long>(limit));
    return kExitUsage;
  }
  LoadResult result;
  result.open_file_limit = limit;
  {
    LoadRun run(*options);
    if (!run.run(result, error)) {
      std::fprintf(stderr, "convene-bench load: %s\n", error.c_str());
      return kExitFailed;
    }
  }
  if (options->json)
    std::cout << to_json(result).dump(2) << "\n";
  else
    std::cout << to_table(result);
  if (!options->report.empty()) {
    std::ofstream out(options->report);
    out << to_html(result);
    if (!out) {
      std::fprintf(stderr, "convene-bench load: cannot write %s\n", options->report.c_str());
      return kExitFailed;
    }
  }
  return result.passed() ? kExitOk : kExitFailed;
}

}  // namespace convene::bench
