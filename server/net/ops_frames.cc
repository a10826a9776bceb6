#include "net/ops_frames.h"

#include "convene/v1/protocol.pb.h"

namespace convene::server {
namespace {

// ServerMessage.ops: field 2, length-delimited (one byte).
constexpr unsigned char kOpsTag = (convene::v1::ServerMessage::kOpsFieldNumber << 3) | 2;

}  // namespace

std::optional<std::string_view> ops_frame_payload(std::string_view frame) {
  if (frame.empty() || static_cast<unsigned char>(frame[0]) != kOpsTag) return std::nullopt;
  uint64_t length = 0;
  size_t at = 1;
  for (int shift = 0; shift < 64; shift += 7) {
    if (at >= frame.size()) return std::nullopt;
    const auto byte = static_cast<unsigned char>(frame[at++]);
    length |= uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80u) == 0) break;
    if (shift + 7 >= 64) return std::nullopt;
  }
  if (length != frame.size() - at) return std::nullopt;
  return frame.substr(at);
}

std::string ops_frame_header(size_t payload_bytes) {
  std::string header(1, static_cast<char>(kOpsTag));
  uint64_t n = payload_bytes;
  while (n >= 0x80) {
    header.push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  header.push_back(static_cast<char>(n));
  return header;
}

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
