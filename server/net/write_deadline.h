// How long the server waits for one write to a client, WebSocket or HTTP.
#pragma once

#include <chrono>
#include <cstddef>

namespace convene::server {

// A write that has not finished in 30 s, plus a second for each 256 KiB of
// it, is to a client that does not read: it is cut off. Else one that never
// reads pins a large frame (a Welcome, an export) for as long as it lives,
// while a slow link still gets its large export.
inline constexpr auto kWriteGrace = std::chrono::seconds(30);
inline constexpr size_t kSlowestReadBytesPerSecond = 256 << 10;

inline std::chrono::seconds write_deadline(size_t bytes) {
  return kWriteGrace + std::chrono::seconds(bytes / kSlowestReadBytesPerSecond);
}

}  // namespace convene::server
