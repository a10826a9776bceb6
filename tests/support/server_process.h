// A convene-server child process for integration tests.
//
// What the tests rely on (the server's interface, from issue 3 and
// docs/protocol.md):
// - The binary is `convene-server` (CMake target of that name); the tests get
//   its path from CONVENE_SERVER_BINARY, which the environment variable of the
//   same name overrides.
// - Flags: --listen 127.0.0.1:PORT, --data DIR, --durability fsync|os|none,
//   --snapshot-every N, --log-level debug|info|warn|error, --open (no tokens;
//   everyone joins as participant), --threads N, --client-dir DIR. It logs to
//   stderr.
// - Ready when GET /healthz answers 200.
// - SIGTERM: clients are closed with close code 1001 and the process exits 0.
//   SIGKILL is a crash: with --durability fsync every acknowledged op survives.
//
// ServerProcess picks a free port (bind 127.0.0.1:0, read it, close it),
// creates a fresh temporary directory holding the data directory (data/) and
// the server's captured stderr (server.log), starts the server and waits for
// /healthz. The directory is removed by the destructor; restart() reuses the
// same data directory and port. Only the process this object started is ever
// signalled, by its pid; the child also gets SIGKILL if the test process dies.
//
// Thread safety: none; use from the test's thread. Not copyable.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "support/tls_files.h"

namespace convene::itest {

struct ServerOptions {
  std::string binary;                     // empty: ServerProcess::binary()
  std::string durability = "fsync";       // --durability
  std::optional<int> snapshot_every;      // --snapshot-every
  bool open = false;                      // --open
  int threads = 2;                        // --threads
  std::string log_level = "info";         // --log-level
  std::optional<std::string> client_dir;  // --client-dir
  std::optional<TlsFiles> tls;            // --tls-cert, --tls-key: https and wss only
  std::vector<std::string> extra_args;
  // --data; empty: data/ in the process's temporary directory. Not removed.
  std::string data_dir;
  // The server's open-file limit, soft and hard (setrlimit in the child):
  // for tests of what happens when file descriptors run out.
  std::optional<uint64_t> max_open_files;
};

class ServerProcess {
 public:
  explicit ServerProcess(ServerOptions options = {});
  ~ServerProcess();  // kills the server if still running, removes its directory
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts the server and waits until /healthz answers 200. False (with the
  // reason and the tail of the server's log in error()) if it did not.
  bool start(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // SIGTERM, then waits for the exit. True when the server exited with status
  // 0 in time; after a timeout it is killed and the result is false.
  bool stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // SIGKILL and reap.
  void kill();
  // start() again on the same data directory and port (after stop or kill).
  bool restart(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  bool running() const { return pid_ > 0; }
  // The server's process id while it runs, else -1.
  pid_t pid() const { return pid_; }
  // The exit status of the last stopped process: exit code, or 128+signal.
  std::optional<int> exit_status() const { return exit_status_; }
  // True if the process has exited on its own (reaps it).
  bool exited_by_itself();

  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }
  std::string address() const { return host_ + ":" + std::to_string(port_); }
  // The certificate clients must trust (Endpoint::tls_ca); empty without TLS.
  std::string tls_ca() const { return options_.tls ? options_.tls->cert.string() : ""; }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  const std::filesystem::path& log_path() const { return log_path_; }
  const std::string& error() const { return error_; }
  // The last `max_lines` lines of the server's stderr.
  std::string log_tail(size_t max_lines = 40) const;
  // Keep the directory after destruction (for inspecting a failure).
  void keep_directory(bool keep) { keep_dir_ = keep; }

  static std::string binary();
  static uint16_t free_port();

 private:
  bool spawn();
  bool wait_exit(std::chrono::milliseconds timeout);

  ServerOptions options_;
  std::string host_ = "127.0.0.1";
  uint16_t port_ = 0;
  std::filesystem::path dir_, data_dir_, log_path_;
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
  std::string error_;
  bool keep_dir_ = false;
};

}  // namespace convene::itest
