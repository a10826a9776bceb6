// libFuzzer target: snapshot bytes as the store hands them to a room. A
// snapshot that decodes must describe a document that keeps its invariants,
// re-encodes to the same state, and accepts the seed document's edits or
// refuses them cleanly.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "fuzz_support.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  convene::fuzz::quiet_protobuf();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace convene;
  namespace pb = ::convene::v1;
  using fuzz::require;
  auto decoded = crdt::Document::decode_snapshot(
      std::string_view(reinterpret_cast<const char*>(data), size), 7);
  if (!decoded.ok()) return 0;
  crdt::Document& doc = decoded.value;
  require(doc.check_invariants().is_ok(), "a decoded snapshot breaks the invariants");
  const std::string again = doc.encode_snapshot();
  auto copy = crdt::Document::decode_snapshot(again, 8);
  require(copy.ok(), "a re-encoded snapshot does not decode");
  require(copy.value.state_hash() == doc.state_hash(), "re-encoding changed the state");
  // Local edits on top of whatever it holds stay consistent.
  if (auto map = doc.create_map("After"); map.ok()) {
    pb::ElementFields fields;
    fields.set_label("New");
    (void)doc.create_element(map.value, fields);
  }
  require(doc.check_invariants().is_ok(), "edits after a decoded snapshot break the invariants");
  return 0;
}
