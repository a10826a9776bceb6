// convene-server's configuration: command-line flags, optionally backed by a
// config file holding the same keys (key = value lines).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"

namespace convene {

struct Config {
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 8080;
  std::string data_dir = "./data";
  store::Durability durability = store::Durability::kFsync;
  unsigned threads = 0;  // 0: one per core
  uint64_t snapshot_every = 1000;
  unsigned delivery_interval_ms = 5;   // RoomOptions::delivery_interval
  unsigned presence_interval_ms = 50;  // RoomOptions::presence_interval
  std::string log_level = "info";
  std::string client_dir;                    // empty: no static files
  std::vector<std::string> allowed_origins;  // empty: same host only
  bool open = false;                         // join without a token
  std::string admin_token;                   // non-empty: needed to create convenings
  double create_per_minute = 120;            // per client address; 0: no limit
  uint64_t disk_reserve_mb = 64;             // free space kept on the data's disk
  std::string tls_cert;                      // PEM chain; set with tls_key: https/wss only
  std::string tls_key;                       // PEM private key

  // WebSocket limits (docs/security.md; the reasons in docs/decisions.md, 30).
  size_t max_message_bytes = 1 << 20;      // a bigger message closes with 1009
  double messages_per_second = 500;        // per connection, after Hello; 0: no limit
  double ops_per_second = 5'000;           // per connection, in Submits; 0: no limit
  double ops_burst = 100'000;              // ops saved up (a whole Hello resend)
  size_t connections_per_ip = 1'000;       // open WebSockets per client address; 0: no limit
  double connects_per_minute = 1'200;      // WebSocket attempts per client address; 0: no limit
  double hello_timeout_s = 10;             // from the upgrade to Hello
  double idle_timeout_s = 60;              // nothing received (pings answered count)
  double handshake_timeout_s = 10;         // an HTTP request, a WebSocket opening or close
  size_t http_connections_per_ip = 1'000;  // every TCP connection per address; 0: no limit

  // Quotas (docs/security.md; decision 42). 0: no limit.
  uint64_t max_convenings = 10'000;        // on this server
  size_t max_live_members = 1'000;         // connected to one convening at once
  size_t max_member_records = 10'000;      // replicas that ever joined one convening
  uint64_t max_convening_ops = 1'000'000;  // ops in one convening's log
  uint64_t max_convening_mb = 128;         // MiB of serialized ops in one convening's log
  double member_ops_per_minute = 20'000;   // per member (replica), resends included
  double member_mb_per_minute = 8;         // likewise, MiB of ops
  double exports_per_minute = 30;          // per token (per address without one)
};

// Seconds held in a double, as a duration (for timers and Beast's options).
std::chrono::milliseconds seconds_to_ms(double seconds);

// Parses argv. Returns nullopt and sets `exit_code` when the program should
// stop: 0 after --help, 2 after a usage error (the message is printed).
std::optional<Config> parse_config(int argc, char** argv, int* exit_code);

}  // namespace convene
