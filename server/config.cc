#include "config.h"

#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>
#include <thread>

namespace convene {
namespace po = boost::program_options;

namespace {

bool parse_listen(const std::string& text, Config& c) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  c.listen_host = text.substr(0, colon);
  if (c.listen_host.size() > 2 && c.listen_host.front() == '[' && c.listen_host.back() == ']')
    c.listen_host = c.listen_host.substr(1, c.listen_host.size() - 2);
  try {
    const unsigned long port = std::stoul(text.substr(colon + 1));
    if (port > 65535) return false;
    c.listen_port = static_cast<uint16_t>(port);
  } catch (...) {
    return false;
  }
  return true;
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t end = s.find(',', start);
    std::string item = s.substr(start, end == std::string::npos ? std::string::npos : end - start);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    if (!item.empty()) out.push_back(item);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

// The WebSocket limits; the problem with them, or null.
const char* read_ws_limits(const po::variables_map& vm, Config& c) {
  c.max_message_bytes = vm["max-message-bytes"].as<size_t>();
  if (c.max_message_bytes < 4096 || c.max_message_bytes > (size_t{64} << 20))
    return "--max-message-bytes must be from 4096 to 67108864";
  c.messages_per_second = vm["messages-per-second"].as<double>();
  c.ops_per_second = vm["ops-per-second"].as<double>();
  c.ops_burst = vm["ops-burst"].as<double>();
  c.connections_per_ip = vm["connections-per-ip"].as<size_t>();
  c.connects_per_minute = vm["connects-per-minute"].as<double>();
  if (!(c.messages_per_second >= 0) || !(c.ops_per_second >= 0) || !(c.connects_per_minute >= 0))
    return "--messages-per-second, --ops-per-second and --connects-per-minute must be 0 or more";
  if (!(c.ops_burst >= 1)) return "--ops-burst must be at least 1";
  c.hello_timeout_s = vm["hello-timeout"].as<double>();
  c.idle_timeout_s = vm["idle-timeout"].as<double>();
  c.handshake_timeout_s = vm["handshake-timeout"].as<double>();
  for (const double t : {c.hello_timeout_s, c.idle_timeout_s, c.handshake_timeout_s})
    if (!(t >= 0.1 && t <= 86'400))
      return "--hello-timeout, --idle-timeout and --handshake-timeout must be from 0.1 to 86400 "
             "seconds";
  c.http_connections_per_ip = vm["http-connections-per-ip"].as<size_t>();
  return nullptr;
}

// The quotas; the problem with them, or null.
const char* read_quotas(const po::variables_map& vm, Config& c) {
  c.max_convenings = vm["max-convenings"].as<uint64_t>();
  c.max_live_members = vm["max-live-members"].as<size_t>();
  c.max_member_records = vm["max-member-records"].as<size_t>();
  c.max_convening_ops = vm["max-convening-ops"].as<uint64_t>();
  c.max_convening_mb = vm["max-convening-mb"].as<uint64_t>();
  if (c.max_convening_mb > (uint64_t{1} << 30)) return "--max-convening-mb must be at most 2^30";
  c.member_ops_per_minute = vm["member-ops-per-minute"].as<double>();
  c.member_mb_per_minute = vm["member-mb-per-minute"].as<double>();
  c.exports_per_minute = vm["exports-per-minute"].as<double>();
  if (!(c.member_ops_per_minute >= 0) || !(c.member_mb_per_minute >= 0) ||
      !(c.exports_per_minute >= 0))
    return "--member-ops-per-minute, --member-mb-per-minute and --exports-per-minute must be 0 "
           "or more";
  return nullptr;
}

}  // namespace

std::optional<Config> parse_config(int argc, char** argv, int* exit_code) {
  po::options_description options(
      "convene-server: real-time collaboration server for landscape maps and convening calls\n\n"
      "Options (each may also be set in a config file as `key = value`)");
  // clang-format off
  options.add_options()
    ("help,h", "print this help and exit")
    ("config", po::value<std::string>(), "read options from this file; flags given on the "
        "command line win")
    ("listen", po::value<std::string>()->default_value("127.0.0.1:8080"),
        "address and port to serve HTTP and WebSocket on")
    ("data", po::value<std::string>()->default_value("./data"),
        "RocksDB directory holding every convening (created if missing)")
    ("durability", po::value<std::string>()->default_value("fsync"),
        "when an op counts as committed: fsync (on disk, survives power loss), os (in the OS "
        "cache, survives a server crash) or none (may be lost)")
    ("threads", po::value<unsigned>()->default_value(0),
        "network threads; 0 means one per core")
    ("snapshot-every", po::value<uint64_t>()->default_value(1000),
        "write a snapshot of a convening every N ops (fast joins and restarts)")
    ("delivery-interval-ms", po::value<unsigned>()->default_value(5),
        "each participant gets at most one delivery of ops, acks and presence per interval; "
        "commits closer together than this go out together (0: each commit at once); rooms of "
        "more than 80 stretch it in proportion to their size, to at most 100 ms")
    ("presence-interval-ms", po::value<unsigned>()->default_value(50),
        "cursor and selection changes go out on their own at most once per interval (sooner "
        "with ops); longer saves frames in large rooms at the cost of smooth cursors")
    ("log-level", po::value<std::string>()->default_value("info"),
        "trace, debug, info, warn, error or off")
    ("client-dir", po::value<std::string>()->default_value(""),
        "directory of the built browser client, served at /")
    ("allowed-origins", po::value<std::string>()->default_value(""),
        "comma-separated browser origins allowed to open WebSockets (e.g. "
        "https://convene.example); empty: only the server's own host")
    ("open", po::bool_switch(), "let anyone from an allowed origin join any convening as a "
        "participant without a token (for local use only)")
    ("admin-token", po::value<std::string>()->default_value(""),
        "operator token: when set, creating a convening and reading /metrics need "
        "Authorization: Bearer <it> "
        "(prefer a --config file, which other users cannot read in the process list)")
    ("create-per-minute", po::value<double>()->default_value(120),
        "convenings one client address may create per minute (and in a burst); 0: no limit")
    ("tls-cert", po::value<std::string>()->default_value(""),
        "PEM file with the server's certificate chain: with --tls-key, the port serves "
        "https and wss only (plain http is redirected)")
    ("tls-key", po::value<std::string>()->default_value(""),
        "PEM file with the private key of --tls-cert")
    ("disk-reserve-mb", po::value<uint64_t>()->default_value(64),
        "free space (MiB) to keep on the disk holding --data: below it edits are refused, "
        "/healthz answers 503 and clients keep their edits until space returns")
    ("max-message-bytes", po::value<size_t>()->default_value(1 << 20),
        "largest WebSocket message a client may send; a larger one closes the connection with "
        "1009")
    ("messages-per-second", po::value<double>()->default_value(500),
        "messages (Submit, presence, ping) one connection may send per second, with bursts of "
        "10 seconds' worth; 0: no limit")
    ("ops-per-second", po::value<double>()->default_value(5000),
        "ops one connection may submit per second; a Submit beyond is refused with "
        "ERROR_RATE_LIMITED; 0: no limit")
    ("ops-burst", po::value<double>()->default_value(100000),
        "ops one connection may submit at once before --ops-per-second applies")
    ("connections-per-ip", po::value<size_t>()->default_value(1000),
        "WebSocket connections one client address may hold open (429 beyond); 0: no limit")
    ("connects-per-minute", po::value<double>()->default_value(1200),
        "WebSocket connections one client address may open per minute (and in a burst; 429 "
        "beyond); 0: no limit")
    ("hello-timeout", po::value<double>()->default_value(10),
        "seconds a new WebSocket connection has to send Hello before it is closed")
    ("idle-timeout", po::value<double>()->default_value(60),
        "seconds a WebSocket connection may stay silent (the server pings it half-way) "
        "before it is closed")
    ("handshake-timeout", po::value<double>()->default_value(10),
        "seconds to receive an HTTP request, or to open or close a WebSocket")
    ("http-connections-per-ip", po::value<size_t>()->default_value(1000),
        "TCP connections (HTTP and WebSocket) one client address may hold open; beyond, a new "
        "one is closed at once; 0: no limit")
    ("max-convenings", po::value<uint64_t>()->default_value(10000),
        "convenings this server may hold; creating more is refused (409); 0: no limit")
    ("max-live-members", po::value<size_t>()->default_value(1000),
        "connections one convening takes at once; beyond, a join is refused with ERROR_QUOTA; "
        "0: no limit")
    ("max-member-records", po::value<size_t>()->default_value(10000),
        "replicas (tabs, devices) that may ever join one convening; 0: no limit")
    ("max-convening-ops", po::value<uint64_t>()->default_value(1000000),
        "ops one convening's log may hold; beyond, edits are refused with ERROR_QUOTA (the "
        "browser keeps them); 0: no limit")
    ("max-convening-mb", po::value<uint64_t>()->default_value(128),
        "MiB of ops one convening's log may hold; 0: no limit")
    ("member-ops-per-minute", po::value<double>()->default_value(20000),
        "ops one member (replica) may send a minute, resends included, with bursts of a "
        "minute's worth; beyond: ERROR_QUOTA with the wait; 0: no limit")
    ("member-mb-per-minute", po::value<double>()->default_value(8),
        "MiB of ops one member may send a minute, likewise; 0: no limit")
    ("exports-per-minute", po::value<double>()->default_value(30),
        "exports one token (or, without one, one address) may ask for a minute (429 beyond); "
        "0: no limit");
  // clang-format on
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, options), vm);
    if (vm.count("config")) {
      const std::string path = vm["config"].as<std::string>();
      std::ifstream file(path);
      if (!file) throw po::error("cannot read config file " + path);
      po::store(po::parse_config_file(file, options), vm);
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "convene-server: " << e.what() << "\n(see --help)\n";
    *exit_code = 2;
    return std::nullopt;
  }
  if (vm.count("help")) {
    std::cout << options << "\n";
    *exit_code = 0;
    return std::nullopt;
  }
  Config c;
  auto fail = [&](const std::string& message) {
    std::cerr << "convene-server: " << message << "\n(see --help)\n";
    *exit_code = 2;
    return std::nullopt;
  };
  if (!parse_listen(vm["listen"].as<std::string>(), c))
    return fail("--listen needs HOST:PORT, e.g. 127.0.0.1:8080");
  c.data_dir = vm["data"].as<std::string>();
  if (c.data_dir.empty()) return fail("--data must not be empty");
  const std::string durability = vm["durability"].as<std::string>();
  if (durability == "fsync")
    c.durability = store::Durability::kFsync;
  else if (durability == "os")
    c.durability = store::Durability::kOs;
  else if (durability == "none")
    c.durability = store::Durability::kNone;
  else
    return fail("--durability must be fsync, os or none");
  c.threads = vm["threads"].as<unsigned>();
  if (c.threads == 0) c.threads = std::max(1u, std::thread::hardware_concurrency());
  if (c.threads > 256) return fail("--threads must be at most 256");
  c.snapshot_every = vm["snapshot-every"].as<uint64_t>();
  if (c.snapshot_every == 0) return fail("--snapshot-every must be at least 1");
  c.delivery_interval_ms = vm["delivery-interval-ms"].as<unsigned>();
  if (c.delivery_interval_ms > 1000) return fail("--delivery-interval-ms must be at most 1000");
  c.presence_interval_ms = vm["presence-interval-ms"].as<unsigned>();
  if (c.presence_interval_ms < 10 || c.presence_interval_ms > 5000)
    return fail("--presence-interval-ms must be between 10 and 5000");
  c.log_level = vm["log-level"].as<std::string>();
  static const char* levels[] = {"trace", "debug", "info", "warn", "error", "off"};
  if (std::find(std::begin(levels), std::end(levels), c.log_level) == std::end(levels))
    return fail("--log-level must be trace, debug, info, warn, error or off");
  c.client_dir = vm["client-dir"].as<std::string>();
  c.allowed_origins = split_commas(vm["allowed-origins"].as<std::string>());
  c.open = vm["open"].as<bool>();
  if (c.open && c.listen_host != "127.0.0.1" && c.listen_host != "::1" &&
      c.listen_host != "localhost")
    return fail("--open lets anyone edit any convening: it is for a server on 127.0.0.1 only");
  c.admin_token = vm["admin-token"].as<std::string>();
  if (!c.admin_token.empty() && c.admin_token.size() < 16)
    return fail("--admin-token must be at least 16 characters (use a long random string)");
  c.create_per_minute = vm["create-per-minute"].as<double>();
  if (!(c.create_per_minute >= 0)) return fail("--create-per-minute must be 0 or more");
  if (const char* problem = read_ws_limits(vm, c)) return fail(problem);
  if (const char* problem = read_quotas(vm, c)) return fail(problem);
  c.tls_cert = vm["tls-cert"].as<std::string>();
  c.tls_key = vm["tls-key"].as<std::string>();
  if (c.tls_cert.empty() != c.tls_key.empty())
    return fail("--tls-cert and --tls-key go together: give both, or neither for plain http");
  c.disk_reserve_mb = vm["disk-reserve-mb"].as<uint64_t>();
  // Debian's RocksDB (7.8) aborts the process when its write-ahead log is
  // written again after a failed write: the reserve is what keeps a full
  // disk from ever failing a write.
  if (c.disk_reserve_mb < 1 || c.disk_reserve_mb > (uint64_t{1} << 30))
    return fail(
        "--disk-reserve-mb must be 1 to 2^30: without a reserve a full disk would stop "
        "the server");
  return c;
}

std::chrono::milliseconds seconds_to_ms(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

}  // namespace convene
