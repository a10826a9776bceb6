#include "net/ops_frames.h"

#include "rooms/room.h"

namespace convene::server {

using rooms::ops_frame_header;
using rooms::ops_frame_payload;

size_t OpsWrite::take(std::deque<std::shared_ptr<const std::string>>& queue, size_t max_bytes) {
  clear();
  frames_.push_back(std::move(queue.front()));
  queue.pop_front();
  size_t taken = frames_.front()->size();
  std::vector<std::string_view> payloads;
  size_t payload_bytes = 0;
  if (auto first = ops_frame_payload(*frames_.front())) {
    payloads.push_back(*first);
    payload_bytes = first->size();
  }
  while (!payloads.empty() && !queue.empty()) {
    const auto next = ops_frame_payload(*queue.front());
    if (!next || payload_bytes + next->size() > max_bytes) break;
    payloads.push_back(*next);
    payload_bytes += next->size();
    taken += queue.front()->size();
    frames_.push_back(std::move(queue.front()));
    queue.pop_front();
  }
  if (frames_.size() == 1) {
    buffers_.push_back(net::buffer(*frames_.front()));
    return taken;
  }
  header_ = ops_frame_header(payload_bytes);
  buffers_.push_back(net::buffer(header_));
  for (const std::string_view p : payloads) buffers_.push_back(net::buffer(p.data(), p.size()));
  return taken;
}

void OpsWrite::clear() {
  buffers_.clear();
  frames_.clear();
  header_.clear();
}

}  // namespace convene::server
