#include "export_load.h"

#include <chrono>

#include "load_probe.h"

namespace convene::bench {

ExportLoad::~ExportLoad() {
  stop();
}

void ExportLoad::start(const std::string& host, uint16_t port, const std::string& id,
                       const std::string& token, uint64_t threads) {
  running_ = true;
  const std::string target = "/api/convenings/" + id + "/export?format=json";
  for (uint64_t i = 0; i < threads; ++i)
    threads_.emplace_back([this, host, port, target, token] { loop(host, port, target, token); });
}

ExportFigures ExportLoad::stop() {
  running_ = false;
  for (auto& t : threads_) t.join();
  threads_.clear();
  std::lock_guard lock(mutex_);
  return figures_;
}

void ExportLoad::loop(const std::string& host, uint16_t port, const std::string& target,
                      const std::string& token) {
  using Clock = std::chrono::steady_clock;
  while (running_) {
    const auto t0 = Clock::now();
    const HttpResult r = http_call(host, port, "GET", target, "", token);
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0);
    std::lock_guard lock(mutex_);
    if (r.status == 200) {
      ++figures_.answered;
      figures_.latency.record(static_cast<uint64_t>(us.count()));
    } else if (r.status == 429 || r.status == 503) {
      ++figures_.refused;
    } else {
      ++figures_.failed;
    }
  }
}

}  // namespace convene::bench
