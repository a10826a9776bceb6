#include "support/server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/ws_client.h"

namespace convene::itest {
namespace {

using Clock = std::chrono::steady_clock;

std::filesystem::path make_temp_dir() {
  std::string templ = (std::filesystem::temp_directory_path() / "convene-itest-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) return {};
  return templ;
}

}  // namespace

std::string ServerProcess::binary() {
  if (const char* env = std::getenv("CONVENE_SERVER_BINARY"); env != nullptr && *env != '\0')
    return env;
#ifdef CONVENE_SERVER_BINARY
  return CONVENE_SERVER_BINARY;
#else
  return "convene-server";
#endif
}

uint16_t ServerProcess::free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  uint16_t port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

ServerProcess::ServerProcess(ServerOptions options) : options_(std::move(options)) {
  dir_ = make_temp_dir();
  data_dir_ = options_.data_dir.empty() ? dir_ / "data" : std::filesystem::path(options_.data_dir);
  log_path_ = dir_ / "server.log";
}

ServerProcess::~ServerProcess() {
  if (running()) kill();
  if (!keep_dir_ && !dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

bool ServerProcess::spawn() {
  std::vector<std::string> args = {options_.binary.empty() ? binary() : options_.binary,
                                   "--listen",
                                   address(),
                                   "--data",
                                   data_dir_.string(),
                                   "--durability",
                                   options_.durability,
                                   "--threads",
                                   std::to_string(options_.threads),
                                   "--log-level",
                                   options_.log_level};
  if (options_.snapshot_every) {
    args.push_back("--snapshot-every");
    args.push_back(std::to_string(*options_.snapshot_every));
  }
  if (options_.open) args.push_back("--open");
  if (options_.client_dir) {
    args.push_back("--client-dir");
    args.push_back(*options_.client_dir);
  }
  if (options_.tls) {
    args.insert(args.end(), {"--tls-cert", options_.tls->cert.string(), "--tls-key",
                             options_.tls->key.string()});
  }
  for (const auto& a : options_.extra_args) args.push_back(a);

  // Everything the child needs is prepared before fork(): between fork and
  // exec it only calls async-signal-safe functions.
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    error_ = "cannot open " + log_path_.string() + ": " + std::strerror(errno);
    return false;
  }
  {
    std::ofstream note(log_path_, std::ios::app);
    note << "---- itest: starting";
    for (const auto& a : args) note << ' ' << a;
    note << '\n';
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    error_ = std::string("fork: ") + std::strerror(errno);
    ::close(log_fd);
    return false;
  }
  if (pid == 0) {
    // No orphaned servers if the test process dies.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    // Nothing else of the parent's: its client sockets (Asio opens them
    // without close-on-exec) would otherwise live on in the server.
    ::close_range(3, ~0U, 0);
    if (options_.max_open_files) {
      const rlimit files{*options_.max_open_files, *options_.max_open_files};
      ::setrlimit(RLIMIT_NOFILE, &files);
    }
    ::execv(argv[0], argv.data());
    const char msg[] = "itest: exec of convene-server failed\n";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::close(log_fd);
  pid_ = pid;
  exit_status_.reset();
  return true;
}

bool ServerProcess::start(std::chrono::milliseconds timeout) {
  error_.clear();
  if (running()) {
    error_ = "already running";
    return false;
  }
  if (dir_.empty()) {
    error_ = "could not create a temporary directory";
    return false;
  }
  if (port_ == 0) port_ = free_port();
  if (port_ == 0) {
    error_ = "no free port";
    return false;
  }
  if (!spawn()) return false;

  const auto deadline = Clock::now() + timeout;
  const Endpoint at{host_, port_, tls_ca()};
  std::string last;
  while (Clock::now() < deadline) {
    if (exited_by_itself()) {
      error_ = "convene-server exited during startup with status " +
               std::to_string(exit_status_.value_or(-1)) + "\n---- server log tail:\n" + log_tail();
      return false;
    }
    const HttpResponse r = http_request(at, "GET", "/healthz", {}, {}, Millis(1000));
    if (r.status == 200) return true;
    last = r.status == 0 ? r.transport_error : "status " + std::to_string(r.status);
    std::this_thread::sleep_for(Millis(50));
  }
  error_ = "convene-server not healthy within " + std::to_string(timeout.count()) +
           " ms (last: " + last + ")\n---- server log tail:\n" + log_tail();
  kill();
  return false;
}

bool ServerProcess::exited_by_itself() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r != pid_) return false;
  exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  pid_ = -1;
  return true;
}

bool ServerProcess::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (running()) {
    if (exited_by_itself()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(Millis(10));
  }
  return true;
}

bool ServerProcess::stop(std::chrono::milliseconds timeout) {
  error_.clear();
  if (!running()) {
    error_ = "not running";
    return false;
  }
  ::kill(pid_, SIGTERM);
  if (!wait_exit(timeout)) {
    error_ = "convene-server did not exit within " + std::to_string(timeout.count()) +
             " ms of SIGTERM; killed\n---- server log tail:\n" + log_tail();
    kill();
    return false;
  }
  if (exit_status_ != 0) {
    error_ = "convene-server exited with status " + std::to_string(exit_status_.value_or(-1)) +
             " after SIGTERM\n---- server log tail:\n" + log_tail();
    return false;
  }
  return true;
}

void ServerProcess::kill() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  pid_ = -1;
}

bool ServerProcess::restart(std::chrono::milliseconds timeout) {
  if (running()) {
    error_ = "restart() while running: stop() or kill() first";
    return false;
  }
  return start(timeout);
}

std::string ServerProcess::log_tail(size_t max_lines) const {
  std::ifstream in(log_path_);
  std::deque<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(std::move(line));
    if (lines.size() > max_lines) lines.pop_front();
  }
  std::ostringstream out;
  for (const auto& l : lines) out << l << '\n';
  return out.str();
}

}  // namespace convene::itest
