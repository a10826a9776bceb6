// Wall-clock time for records that people read (commit times, first seen).
// Durations and timeouts use std::chrono::steady_clock instead.
#pragma once

#include <chrono>
#include <cstdint>

namespace convene {

inline int64_t unix_time_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace convene
