#include "net/connection_limits.h"

#include <algorithm>
#include <utility>

namespace convene::server {

std::string address_key(const net::ip::address& address) {
  if (!address.is_v6()) return address.to_string();
  const auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) return net::ip::make_address_v4(net::ip::v4_mapped, v6).to_string();
  auto bytes = v6.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return net::ip::make_address_v6(bytes).to_string() + "/64";
}

ConnectionLimits::Slot::Slot(ConnectionLimits* limits, std::string address)
    : limits_(limits), address_(std::move(address)) {}

ConnectionLimits::Slot::Slot(Slot&& other) noexcept
    : limits_(std::exchange(other.limits_, nullptr)), address_(std::move(other.address_)) {}

ConnectionLimits::Slot& ConnectionLimits::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    release();
    limits_ = std::exchange(other.limits_, nullptr);
    address_ = std::move(other.address_);
  }
  return *this;
}

ConnectionLimits::Slot::~Slot() {
  release();
}

void ConnectionLimits::Slot::release() {
  if (limits_) limits_->release(address_);
  limits_ = nullptr;
}

ConnectionLimits::ConnectionLimits(Options options)
    : options_(options), attempts_(options.attempts_per_minute) {}

ConnectionLimits::Admission ConnectionLimits::admit(const std::string& address,
                                                    RateClock::time_point now) {
  Admission a;
  if (options_.attempts_per_minute > 0 && !attempts_.allow(address, now)) {
    a.refused = "rate_limited";
    a.message = "too many connection attempts from this address; try later";
    a.retry_after_s = attempts_.retry_after(address, now);
    return a;
  }
  std::lock_guard lock(mutex_);
  size_t& open = open_[address];
  if (options_.max_per_address > 0 && open >= options_.max_per_address) {
    a.refused = "too_many_connections";
    a.message = "too many open connections from this address";
    a.retry_after_s = 10;
    if (open == 0) open_.erase(address);
    return a;
  }
  if (options_.max_total > 0 && total_ >= options_.max_total) {
    a.refused = "server_full";
    a.message = "the server holds as many connections as it can";
    a.retry_after_s = 10;
    if (open == 0) open_.erase(address);
    return a;
  }
  ++open;
  ++total_;
  a.slot = Slot(this, address);
  return a;
}

size_t ConnectionLimits::open(const std::string& address) {
  std::lock_guard lock(mutex_);
  const auto it = open_.find(address);
  return it == open_.end() ? 0 : it->second;
}

void ConnectionLimits::release(const std::string& address) {
  std::lock_guard lock(mutex_);
  const auto it = open_.find(address);
  if (it == open_.end()) return;
  --total_;
  if (--it->second == 0) open_.erase(it);
}

}  // namespace convene::server
