// Exports beside the load (convene-bench load --exporters N): N threads that
// each ask for the same convening's export, one after another, for as long
// as the measured window lasts. What they show is whether reading a whole
// convening out holds up anyone's edits (docs/decisions.md, 44).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "load_stats.h"

namespace convene::bench {

struct ExportFigures {
  uint64_t answered = 0;     // 200
  uint64_t refused = 0;      // 429 or 503: the server's limits on exports
  uint64_t failed = 0;       // anything else, or no answer
  LatencyHistogram latency;  // of the 200s
};

class ExportLoad {
 public:
  ExportLoad() = default;
  ~ExportLoad();
  ExportLoad(const ExportLoad&) = delete;
  ExportLoad& operator=(const ExportLoad&) = delete;

  // Starts `threads` loops exporting convening `id` with `token`.
  void start(const std::string& host, uint16_t port, const std::string& id,
             const std::string& token, uint64_t threads);
  // Stops the loops (waits for the exports in flight) and says what they did.
  ExportFigures stop();

 private:
  void loop(const std::string& host, uint16_t port, const std::string& target,
            const std::string& token);

  std::atomic<bool> running_{false};
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  ExportFigures figures_;  // GUARDED_BY(mutex_)
};

}  // namespace convene::bench
