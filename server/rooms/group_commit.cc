#include "rooms/group_commit.h"

#include "metrics.h"

namespace convene::rooms {

GroupCommitter::~GroupCommitter() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [this] { return !writing_; });
}

void GroupCommitter::commit(std::string convening, std::vector<store::LogEntry> entries,
                            Done done) {
  std::lock_guard<std::mutex> lock(mu_);
  waiting_.push_back({std::move(convening), std::move(entries), std::move(done)});
  if (writing_) return;  // the write in flight takes it next
  writing_ = true;
  net::post(storage_pool_, [this] { write_waiting(); });
}

// Writes everything waiting in one append_group, then what arrived meanwhile,
// until nothing waits.
void GroupCommitter::write_waiting() {
  for (;;) {
    std::vector<Request> group;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (waiting_.empty()) {
        writing_ = false;
        idle_.notify_all();
        return;
      }
      group.swap(waiting_);
      appends_ += group.size();
      writes_++;
    }
    metrics().log_writes++;
    std::vector<store::Store::GroupAppend> appends;
    appends.reserve(group.size());
    for (const Request& r : group) appends.push_back({r.convening, &r.entries});
    std::vector<store::Status> statuses = store_.append_group(appends);
    const auto durable_at = Clock::now();
    for (size_t i = 0; i < group.size(); ++i) group[i].done(std::move(statuses[i]), durable_at);
  }
}

uint64_t GroupCommitter::appends() const {
  std::lock_guard<std::mutex> lock(mu_);
  return appends_;
}

uint64_t GroupCommitter::writes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return writes_;
}

}  // namespace convene::rooms
