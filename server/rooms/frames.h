// The frames a room and its connections send (protocol.proto), and the
// pieces that let one frame be put together from bytes serialised once.
//
// Protobuf encodes a length-delimited field as its tag, its length and its
// bytes, and a repeated one as the concatenation of such elements. So an Ops
// frame for many members is assembled from ops serialised once, and several
// frames queued for one connection become one Batch frame by writing a small
// header before each, without copying them.
#pragma once

#include <boost/container/small_vector.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "convene/v1/protocol.pb.h"
#include "crdt/ids.h"

namespace convene::rooms {

namespace pb = ::convene::v1;

// One encoded ServerMessage, shared by every connection it goes to.
using Frame = std::shared_ptr<const std::string>;
// What one delivery hands one connection: Ops, Ack and PresenceUpdate at most.
using Frames = boost::container::small_vector<Frame, 3>;

Frame encode(const pb::ServerMessage& m);
// `retry_after`: when a resend may be taken (ERROR_QUOTA, ERROR_RATE_LIMITED).
Frame error_frame(pb::ErrorCode code, std::string message, const crdt::OpId* op = nullptr,
                  std::chrono::milliseconds retry_after = std::chrono::milliseconds(0));

// The tag and length of a length-delimited field `field` holding `bytes`.
std::string field_header(uint32_t field, size_t bytes);

// An Ops frame assembled from elements made by ops_element.
std::string ops_element(const pb::SequencedOp& op);
Frame ops_frame(const std::vector<const std::string*>& elements);
// The envelope header of an Ops frame whose payload (its elements) is
// `payload_bytes` long.
std::string ops_frame_header(size_t payload_bytes);
// The payload of an Ops frame, or nullopt if `frame` is not exactly one
// ServerMessage.ops envelope.
std::optional<std::string_view> ops_frame_payload(std::string_view frame);

// A Batch frame is batch_frame_header(n) followed by, for each frame,
// batch_element_header(frame.size()) and the frame: n counts both.
std::string batch_frame_header(size_t payload_bytes);
std::string batch_element_header(size_t frame_bytes);

}  // namespace convene::rooms
