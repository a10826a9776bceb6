// Writing queued frames: what waits at the front of a connection's queue goes
// out in one WebSocket frame, assembled as a buffer sequence of new headers
// and the queued frames' bytes, without copying them (decisions 29, 31, 37).
// - To a client that takes batches (Hello.batches), every queued frame, up to
//   a byte bound, in one Batch frame.
// - To any other, the consecutive Ops frames at the front in one Ops frame;
//   every other frame alone.
// Frames broadcast to a room stay shared by its members however far behind
// one of them is.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/beast.h"

namespace convene::server {

// One write in flight: the frames it holds stay alive until it is cleared.
class FrameWrite {
 public:
  // Takes the front frame of `queue` and the frames that can share its write
  // while the merged payload stays within `max_bytes`. Returns the bytes of
  // the frames taken.
  size_t take(std::deque<std::shared_ptr<const std::string>>& queue, size_t max_bytes, bool batch);
  // A view, cheap to copy (Beast copies the sequence it writes).
  std::span<const net::const_buffer> buffers() const { return buffers_; }
  size_t frames() const { return frames_.size(); }
  void clear();

 private:
  size_t take_ops(std::deque<std::shared_ptr<const std::string>>& queue, size_t max_bytes);
  size_t take_batch(std::deque<std::shared_ptr<const std::string>>& queue, size_t max_bytes);

  std::vector<std::shared_ptr<const std::string>> frames_;
  std::string headers_;  // every header of this write, back to back
  std::vector<net::const_buffer> buffers_;
};

}  // namespace convene::server
