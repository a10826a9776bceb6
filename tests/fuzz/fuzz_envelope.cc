// libFuzzer target: a WebSocket frame as the server reads it. The bytes are
// decoded as a ClientMessage envelope; the ops of a Submit (or of a Hello's
// resend) are validated and applied to a room's document, as Room does
// (unknown fields dropped first). Whatever the input, the document must keep
// its invariants and survive a snapshot round trip unchanged.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "convene/v1/protocol.pb.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  convene::fuzz::quiet_protobuf();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace convene;
  namespace pb = ::convene::v1;
  using fuzz::require;
  static const crdt::Document seed = fuzz::seed_document();
  pb::ClientMessage message;
  if (!message.ParseFromArray(data, static_cast<int>(size))) return 0;
  google::protobuf::RepeatedPtrField<pb::Op>* ops = nullptr;
  if (message.has_submit()) ops = message.mutable_submit()->mutable_ops();
  if (message.has_hello()) ops = message.mutable_hello()->mutable_resend();
  if (ops == nullptr) return 0;

  crdt::Document doc = seed;
  bool changed = false;
  for (pb::Op& op : *ops) {
    op.DiscardUnknownFields();
    const uint64_t before = doc.state_hash();
    const crdt::Status checked = doc.check(op);
    const crdt::Status applied = doc.apply(op);
    require(checked.code() == applied.code(), "check() and apply() disagree");
    if (!applied.is_ok()) {
      require(doc.state_hash() == before, "a refused op changed the document");
      continue;
    }
    changed = true;
    require(doc.apply(op).code() == crdt::Status::Code::kDuplicate,
            "an op applied twice was not a duplicate");
  }
  require(doc.check_invariants().is_ok(), "invariants broken");
  if (changed) {
    auto copy = crdt::Document::decode_snapshot(doc.encode_snapshot(), 2);
    require(copy.ok(), "the document's own snapshot does not decode");
    require(copy.value.state_hash() == doc.state_hash(), "a snapshot round trip changed the state");
  }
  return 0;
}
