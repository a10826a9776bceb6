#include "rooms/frames.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>

#include <algorithm>

namespace convene::rooms {
namespace {

using google::protobuf::internal::WireFormatLite;

uint32_t length_delimited_tag(uint32_t field) {
  return WireFormatLite::MakeTag(static_cast<int>(field),
                                 WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
}

}  // namespace

Frame encode(const pb::ServerMessage& m) {
  auto frame = std::make_shared<std::string>();
  m.SerializeToString(frame.get());
  return frame;
}

Frame error_frame(pb::ErrorCode code, std::string message, const crdt::OpId* op,
                  std::chrono::milliseconds retry_after) {
  pb::ServerMessage m;
  auto* e = m.mutable_error();
  e->set_code(code);
  e->set_message(std::move(message));
  if (op) op->to_pb(e->mutable_op());
  e->set_retry_after_ms(
      static_cast<uint32_t>(std::clamp<int64_t>(retry_after.count(), 0, INT32_MAX)));
  return encode(m);
}

std::string field_header(uint32_t field, size_t bytes) {
  std::string header;
  google::protobuf::io::StringOutputStream stream(&header);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.WriteTag(length_delimited_tag(field));
  coded.WriteVarint64(bytes);
  coded.Trim();
  return header;
}

// An Ops frame is ServerMessage{ops: Ops{ops: [SequencedOp...]}}: field 2
// of the envelope wrapping repeated field 1.
std::string ops_element(const pb::SequencedOp& op) {
  std::string out = field_header(pb::Ops::kOpsFieldNumber, op.ByteSizeLong());
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  op.SerializeWithCachedSizes(&coded);
  coded.Trim();
  return out;
}

std::string ops_frame_header(size_t payload_bytes) {
  return field_header(pb::ServerMessage::kOpsFieldNumber, payload_bytes);
}

std::optional<std::string_view> ops_frame_payload(std::string_view frame) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(frame.data()),
                                            static_cast<int>(frame.size()));
  uint64_t length = 0;
  if (in.ReadTag() != length_delimited_tag(pb::ServerMessage::kOpsFieldNumber) ||
      !in.ReadVarint64(&length))
    return std::nullopt;
  const auto header = static_cast<size_t>(in.CurrentPosition());
  if (length != frame.size() - header) return std::nullopt;
  return frame.substr(header);
}

Frame ops_frame(const std::vector<const std::string*>& elements) {
  size_t inner = 0;
  for (const std::string* e : elements) inner += e->size();
  auto frame = std::make_shared<std::string>(ops_frame_header(inner));
  frame->reserve(frame->size() + inner);
  for (const std::string* e : elements) frame->append(*e);
  return frame;
}

std::string batch_frame_header(size_t payload_bytes) {
  return field_header(pb::ServerMessage::kBatchFieldNumber, payload_bytes);
}

std::string batch_element_header(size_t frame_bytes) {
  return field_header(pb::Batch::kMessagesFieldNumber, frame_bytes);
}

}  // namespace convene::rooms
