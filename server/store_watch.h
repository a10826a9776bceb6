// Watches the store while it is failing (a write failed: the disk is full,
// say) and tries to recover it once a period, so the server comes back by
// itself when the cause is gone, without a restart. Meanwhile rooms refuse
// joins and /healthz answers 503; clients keep their edits and retry.
//
// Threading: the timer runs on the io_context; recovery attempts run on the
// storage pool, one at a time.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>

#include "net/beast.h"
#include "store/store.h"

namespace convene::server {

class StoreWatch : public std::enable_shared_from_this<StoreWatch> {
 public:
  StoreWatch(net::io_context& io, net::thread_pool& storage, store::Store& store,
             std::chrono::milliseconds period);

  void start();
  void stop();

 private:
  void schedule();
  void check();
  void attempt();

  net::steady_timer timer_;
  net::thread_pool& storage_;
  store::Store& store_;
  const std::chrono::milliseconds period_;
  std::atomic<bool> stopped_{false};
  std::atomic<bool> attempting_{false};
  bool reported_ = false;  // the current failure is logged; touched by attempt() only
};

}  // namespace convene::server
