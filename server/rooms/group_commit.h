// Group commit across rooms: every room ready to commit while a write is in
// flight joins the next write, so one fsync covers them all
// (Store::append_group; docs/decisions.md, 36).
//
// Each room has at most one commit in flight (Room::maybe_commit), so what
// waits here is bounded by the number of rooms and a room's seqs reach the
// store in order.
//
// Thread safety: commit() may be called from any thread. Writes run on the
// storage pool, one at a time; `done` runs there after its write.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "net/beast.h"
#include "store/store.h"

namespace convene::rooms {

class GroupCommitter {
 public:
  using Clock = std::chrono::steady_clock;
  // The append's status and when the write holding it returned.
  using Done = std::function<void(store::Status, Clock::time_point durable_at)>;

  GroupCommitter(net::thread_pool& storage_pool, store::Store& store)
      : storage_pool_(storage_pool), store_(store) {}
  // Waits for the write in flight, whose loop still reads this object after
  // its last callback.
  ~GroupCommitter();
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  void commit(std::string convening, std::vector<store::LogEntry> entries, Done done);

  // Appends written so far, and the writes that held them (for /metrics).
  uint64_t appends() const;
  uint64_t writes() const;

 private:
  struct Request {
    std::string convening;
    std::vector<store::LogEntry> entries;
    Done done;
  };
  void write_waiting();

  net::thread_pool& storage_pool_;
  store::Store& store_;
  mutable std::mutex mu_;
  std::condition_variable idle_;  // writing_ became false
  std::vector<Request> waiting_;  // GUARDED_BY(mu_)
  bool writing_ = false;          // GUARDED_BY(mu_)
  uint64_t appends_ = 0;          // GUARDED_BY(mu_)
  uint64_t writes_ = 0;           // GUARDED_BY(mu_)
};

}  // namespace convene::rooms
