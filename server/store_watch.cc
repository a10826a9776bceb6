#include "store_watch.h"

#include <spdlog/spdlog.h>

namespace convene::server {

StoreWatch::StoreWatch(net::io_context& io, net::thread_pool& storage, store::Store& store,
                       std::chrono::milliseconds period)
    : timer_(net::make_strand(io)), storage_(storage), store_(store), period_(period) {}

void StoreWatch::start() {
  schedule();
}

void StoreWatch::stop() {
  stopped_ = true;
  net::post(timer_.get_executor(), [self = shared_from_this()] { self->timer_.cancel(); });
}

void StoreWatch::schedule() {
  timer_.expires_after(period_);
  timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->stopped_) return;
    self->check();
    self->schedule();
  });
}

void StoreWatch::check() {
  if (!store_.failing() || attempting_.exchange(true)) return;
  net::post(storage_, [self = shared_from_this()] {
    self->attempt();
    self->attempting_ = false;
  });
}

// Only one attempt runs at a time (attempting_), so reported_ needs no lock.
void StoreWatch::attempt() {
  const store::Status s = store_.recover();
  if (s.is_ok()) {
    spdlog::warn("storage recovered: writes work again");
    reported_ = false;
  } else if (!reported_) {
    spdlog::error("storage failing ({}); edits are refused until it recovers; retrying every {} ms",
                  s.message(), period_.count());
    reported_ = true;
  }
}

}  // namespace convene::server
