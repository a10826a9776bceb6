// convene-bench load: its command line and the named scenarios.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace convene::bench {

enum class OpMix { kMap, kText, kMixed };

struct LoadOptions {
  std::string server = "http://127.0.0.1:8080";
  std::string host = "127.0.0.1";  // from --server
  uint16_t port = 8080;
  std::string scenario = "workshop";
  double duration_s = 30;
  uint64_t rooms = 50;
  uint64_t clients_per_room = 20;
  uint64_t writers_per_room = 4;
  double rate = 5;  // ops per writer per second
  OpMix mix = OpMix::kMixed;
  double presence_hz = 10;  // presence updates per client per second
  // Join storm: every client joins within `join_spread_s` of the first, after
  // `history` ops were committed; what is measured is the catch-up.
  uint64_t history = 0;
  double join_spread_s = 0;  // 0: join before the load starts, at a bounded pace
  double ping_interval_s = 20;
  uint64_t threads = 2;  // bench io threads
  std::optional<int> server_pid;
  bool json = false;
  std::string report;  // HTML path, empty: none
  // Sent as the bearer token when creating convenings (a server started
  // with --admin-token lets only its operator create them).
  std::string admin_token;
  bool find_max = false;
  double find_max_p99_ms = 50;
  double find_max_step_s = 8;  // duration of each step of the search
  // Threads exporting the first convening, one export after another, while
  // the window is measured (ExportLoad); 0: none.
  uint64_t exporters = 0;
  // With exporters: elements (with 300 bytes of notes each) added to the
  // first convening before anyone joins, so that its export has work to do.
  uint64_t export_elements = 20'000;
};

// The scenario's figures: workshop, soak, hot-room, join-storm, idle, or custom
// (the defaults above). False for an unknown name.
bool apply_scenario(const std::string& name, LoadOptions& o);

// Parses argv[first..argc): --scenario first, then the flags given override
// its figures. On error returns nullopt and sets `error`.
std::optional<LoadOptions> parse_load_options(int argc, char** argv, int first, std::string* error);

const char* mix_name(OpMix mix);

}  // namespace convene::bench
