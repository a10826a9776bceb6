// Writing queued frames: consecutive Ops frames at the front of a
// connection's queue go out as one Ops frame (decisions 29 and 31), assembled
// from a new envelope header and the frames' payloads (rooms::ops_frame_header
// and ops_frame_payload) as a buffer sequence, without
// copying them. Frames broadcast to a room stay shared by its members however
// far behind one of them is.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/beast.h"

namespace convene::server {

// One write in flight: the frames it holds stay alive until it is cleared.
class OpsWrite {
 public:
  // Takes the front frame of `queue` and, if it is an Ops frame, the Ops
  // frames right behind it while the merged payload stays within
  // `max_bytes`. Returns the bytes of the frames taken.
  size_t take(std::deque<std::shared_ptr<const std::string>>& queue, size_t max_bytes);
  const std::vector<net::const_buffer>& buffers() const { return buffers_; }
  size_t frames() const { return frames_.size(); }
  void clear();

 private:
  std::vector<std::shared_ptr<const std::string>> frames_;
  std::string header_;
  std::vector<net::const_buffer> buffers_;
};

}  // namespace convene::server
