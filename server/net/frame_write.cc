#include "net/frame_write.h"

#include "rooms/frames.h"

namespace convene::server {

size_t FrameWrite::take(std::deque<std::shared_ptr<const std::string>>& queue, size_t max_bytes,
                        bool batch) {
  clear();
  frames_.push_back(std::move(queue.front()));
  queue.pop_front();
  const size_t taken = batch ? take_batch(queue, max_bytes) : take_ops(queue, max_bytes);
  if (frames_.size() == 1) buffers_.push_back(net::buffer(*frames_.front()));
  return taken;
}

// Builds the buffers itself when it merges.
size_t FrameWrite::take_ops(std::deque<std::shared_ptr<const std::string>>& queue,
                            size_t max_bytes) {
  size_t taken = frames_.front()->size();
  std::vector<std::string_view> payloads;
  size_t payload_bytes = 0;
  if (auto first = rooms::ops_frame_payload(*frames_.front())) {
    payloads.push_back(*first);
    payload_bytes = first->size();
  }
  while (!payloads.empty() && !queue.empty()) {
    const auto next = rooms::ops_frame_payload(*queue.front());
    if (!next || payload_bytes + next->size() > max_bytes) break;
    payloads.push_back(*next);
    payload_bytes += next->size();
    taken += queue.front()->size();
    frames_.push_back(std::move(queue.front()));
    queue.pop_front();
  }
  if (frames_.size() == 1) return taken;
  headers_ = rooms::ops_frame_header(payload_bytes);
  buffers_.push_back(net::buffer(headers_));
  for (const std::string_view p : payloads) buffers_.push_back(net::buffer(p.data(), p.size()));
  return taken;
}

size_t FrameWrite::take_batch(std::deque<std::shared_ptr<const std::string>>& queue,
                              size_t max_bytes) {
  size_t taken = frames_.front()->size();
  while (!queue.empty() && taken + queue.front()->size() <= max_bytes) {
    taken += queue.front()->size();
    frames_.push_back(std::move(queue.front()));
    queue.pop_front();
  }
  if (frames_.size() == 1) return taken;
  // The element headers first, so that the string no longer moves when the
  // buffers point into it.
  std::vector<size_t> ends;
  ends.reserve(frames_.size());
  for (const auto& f : frames_) {
    headers_ += rooms::batch_element_header(f->size());
    ends.push_back(headers_.size());
  }
  const size_t payload = headers_.size() + taken;
  const std::string envelope = rooms::batch_frame_header(payload);
  headers_.insert(0, envelope);
  size_t start = 0;  // the envelope goes with the first element's header
  for (size_t i = 0; i < frames_.size(); ++i) {
    const size_t end = envelope.size() + ends[i];
    buffers_.push_back(net::buffer(headers_.data() + start, end - start));
    buffers_.push_back(net::buffer(*frames_[i]));
    start = end;
  }
  return taken;
}

void FrameWrite::clear() {
  buffers_.clear();
  frames_.clear();
  headers_.clear();
}

}  // namespace convene::server
