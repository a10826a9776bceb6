// convene-server: serves the browser client, the REST API and the live
// WebSocket rooms of every convening from one embedded RocksDB store.
#include <google/protobuf/stubs/logging.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#if defined(CONVENE_JEMALLOC)
#include <jemalloc/jemalloc.h>
#elif defined(CONVENE_TCMALLOC)
#include <gperftools/tcmalloc.h>
#endif

#include "config.h"
#include "net/listener.h"
#include "net/tls.h"
#include "rooms/room_manager.h"
#include "server_context.h"
#include "store_watch.h"

namespace {

constexpr auto kShutdownGrace = std::chrono::milliseconds(500);
// How often a failing store (e.g. a full disk) is tried again.
constexpr auto kStoreRetryPeriod = std::chrono::milliseconds(1000);
constexpr size_t kStorageThreads = 2;
// Exports and other long reads: their own threads, at a lower CPU priority
// (HeavyReads in server_context.h).
constexpr size_t kHeavyReadThreads = 2;
constexpr int kHeavyReadNice = 10;
constexpr size_t kMaxHeavyReadsWaiting = 16;
// File descriptors kept for RocksDB's table files and the rest of the
// process: connections may use what is left of the open-file limit.
constexpr rlim_t kReservedFiles = 256 + 128;

// Named in the start-up log, so that an operator (and a benchmark) can tell
// which allocator a binary was built with (CMake option CONVENE_MALLOC).
std::string allocator_name() {
#if defined(CONVENE_JEMALLOC)
  const char* version = nullptr;
  size_t size = sizeof version;
  if (mallctl("version", &version, &size, nullptr, 0) == 0 && version != nullptr)
    return std::string("jemalloc ") + version;
  return "jemalloc";
#elif defined(CONVENE_TCMALLOC)
  return tc_version(nullptr, nullptr, nullptr);
#else
  return "the C library's malloc";
#endif
}

const char* durability_name(convene::store::Durability d) {
  switch (d) {
    case convene::store::Durability::kFsync:
      return "fsync";
    case convene::store::Durability::kOs:
      return "os";
    case convene::store::Durability::kNone:
      return "none";
  }
  return "?";
}

// Every connection is a file descriptor, and RocksDB keeps up to 256 table
// files open: raise the soft limit on open files to the hard limit (the
// usual soft default of 1,024 would cap a server at a few hundred clients).
// Returns the limit in force.
rlim_t raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur;
}

// Lowers the CPU priority of every thread of `pool` (Linux gives each
// thread its own nice value). Each thread takes one task and waits for the
// others, so every thread gets one; the latch is shared, as the tasks may
// still be leaving it when this returns.
void lower_priority(boost::asio::thread_pool& pool, size_t threads, int nice) {
  auto all = std::make_shared<std::latch>(static_cast<std::ptrdiff_t>(threads));
  for (size_t i = 0; i < threads; ++i)
    boost::asio::post(pool, [all, nice] {
      if (setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), nice) != 0)
        spdlog::warn("could not lower a reading thread's priority");
      all->arrive_and_wait();
    });
  all->wait();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace convene;
  int exit_code = 0;
  const auto config = parse_config(argc, argv, &exit_code);
  if (!config) return exit_code;

  auto logger = spdlog::stderr_color_mt("convene");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(config->log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  // Protobuf logs every string field with invalid UTF-8 it parses to stderr:
  // any client could flood the log with malformed frames, which are already
  // answered with an error. Its messages go to the debug level instead.
  google::protobuf::SetLogHandler(
      [](google::protobuf::LogLevel, const char*, int, const std::string& message) {
        spdlog::debug("protobuf: {}", message);
      });

  const rlim_t open_files = raise_open_file_limit();

  std::error_code fs_error;
  std::filesystem::create_directories(config->data_dir, fs_error);
  store::Status status;
  auto store = store::Store::open(config->data_dir, config->durability, &status);
  if (!store) {
    spdlog::critical("cannot open the store in {}: {}", config->data_dir, status.message());
    return 1;
  }

  store->set_disk_reserve(config->disk_reserve_mb << 20);

  std::unique_ptr<server::ssl::context> tls;
  if (!config->tls_cert.empty()) {
    std::string problem;
    tls = server::make_tls_context(config->tls_cert, config->tls_key, problem);
    if (!tls) {
      spdlog::critical("cannot serve TLS: {}", problem);
      return 1;
    }
  }

  // Declared before the io_context, so they outlive it: the sessions still
  // held by its handlers at exit are destroyed with it, and give their
  // places back to these.
  server::SessionRegistry sessions;
  server::KeyedRateLimiter create_limiter(config->create_per_minute);
  server::ConnectionLimits connection_limits(
      {config->connections_per_ip, config->connects_per_minute});
  const size_t max_connections =
      open_files > kReservedFiles * 2 ? static_cast<size_t>(open_files - kReservedFiles) : 64;
  server::ConnectionLimits tcp_limits({config->http_connections_per_ip, 0, max_connections});
  std::atomic<uint64_t> convenings{store->count_convenings(&status)};
  if (!status.is_ok()) {
    spdlog::critical("cannot count the convenings: {}", status.message());
    return 1;
  }
  net::io_context io(static_cast<int>(config->threads));
  net::thread_pool storage(kStorageThreads);
  net::thread_pool commit_pool(1);  // the group commits' own (RoomManager)
  net::thread_pool heavy_pool(kHeavyReadThreads);
  lower_priority(heavy_pool, kHeavyReadThreads, kHeavyReadNice);
  HeavyReads heavy_reads{
      heavy_pool, server::KeyedRateLimiter(config->exports_per_minute),
      server::KeyedRateLimiter(config->exports_per_minute * HeavyReads::kAddressShare),
      kMaxHeavyReadsWaiting};
  rooms::RoomOptions room_options;
  room_options.snapshot_every = config->snapshot_every;
  room_options.delivery_interval = std::chrono::milliseconds(config->delivery_interval_ms);
  room_options.presence_interval = std::chrono::milliseconds(config->presence_interval_ms);
  room_options.max_live_members = config->max_live_members;
  room_options.max_member_records = config->max_member_records;
  room_options.max_convening_ops = config->max_convening_ops;
  room_options.max_convening_bytes = config->max_convening_mb << 20;
  room_options.member_quota = {config->member_ops_per_minute,
                               config->member_mb_per_minute * (1 << 20)};
  rooms::RoomManager rooms(io, storage, commit_pool, *store, room_options);
  ServerContext context{*config,
                        io,
                        storage,
                        *store,
                        rooms,
                        sessions,
                        config->create_per_minute > 0 ? &create_limiter : nullptr,
                        &connection_limits,
                        tls.get(),
                        &heavy_reads,
                        &convenings,
                        &tcp_limits};

  beast::error_code ec;
  const auto address = net::ip::make_address(
      config->listen_host == "localhost" ? "127.0.0.1" : config->listen_host, ec);
  if (ec) {
    spdlog::critical("--listen: {} is not an IP address", config->listen_host);
    return 2;
  }
  auto listener =
      std::make_shared<server::Listener>(context, tcp::endpoint(address, config->listen_port), ec);
  if (ec) {
    spdlog::critical("cannot listen on {}:{}: {}", config->listen_host, config->listen_port,
                     ec.message());
    return 1;
  }
  listener->run();
  auto store_watch = std::make_shared<server::StoreWatch>(io, storage, *store, kStoreRetryPeriod);
  store_watch->start();
  const auto bound = listener->local_endpoint();
  spdlog::info("convene-server {} listening; data in {} (durability {}), {} threads",
               CONVENE_VERSION, config->data_dir, durability_name(config->durability),
               config->threads);
  spdlog::info("open {}://{}:{}/ in a browser", tls ? "https" : "http", bound.address().to_string(),
               bound.port());
  spdlog::info("open-file limit {}: at most {} connections",
               static_cast<unsigned long long>(open_files), max_connections);
  spdlog::info("memory allocator: {}", allocator_name());
  if (config->open) spdlog::warn("--open: anyone who can reach this server can join and edit");

  // SIGINT/SIGTERM: stop accepting, let rooms finish their commits and close
  // their members with 1001, give the close frames a moment, then stop.
  net::signal_set signals(io, SIGINT, SIGTERM);
  net::steady_timer grace(io);
  signals.async_wait([&](beast::error_code error, int signal) {
    if (error) return;
    spdlog::info("signal {}: shutting down", signal);
    listener->stop();
    store_watch->stop();
    rooms.shut_down([&] {
      sessions.close_all();  // those not in a room
      net::post(io, [&] {
        grace.expires_after(kShutdownGrace);
        grace.async_wait([&](beast::error_code) { io.stop(); });
      });
    });
  });

  // A handler that throws must not end every convening on the server: it
  // is logged, and the thread goes on with the next.
  const auto run_io = [&io] {
    for (;;) {
      try {
        io.run();
        return;
      } catch (const std::exception& e) {
        spdlog::critical("a handler failed: {}; carrying on", e.what());
      }
    }
  };
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < config->threads; ++i) threads.emplace_back(run_io);
  run_io();
  for (auto& t : threads) t.join();
  storage.join();
  commit_pool.join();
  heavy_pool.join();
  if (const auto s = store->flush(); !s.is_ok()) {
    spdlog::error("final flush failed: {}", s.message());
    return 1;
  }
  spdlog::info("stopped cleanly");
  return 0;
}
