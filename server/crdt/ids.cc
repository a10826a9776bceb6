#include "crdt/ids.h"

#include "crdt/utf8.h"

namespace convene::crdt {

std::string OpId::str() const {
  return std::to_string(replica) + ":" + std::to_string(counter);
}

std::string Status::str() const {
  switch (code_) {
    case Code::kOk:
      return "ok";
    case Code::kDuplicate:
      return "duplicate: " + message_;
    case Code::kMissingDependency:
      return "missing dependency: " + message_;
    case Code::kInvalid:
      return "invalid: " + message_;
    case Code::kCorrupt:
      return "corrupt: " + message_;
  }
  return message_;
}

uint64_t op_span(const pb::Op& op) {
  switch (op.body_case()) {
    case pb::Op::kTextInsert:
      return utf8::count_code_points(op.text_insert().text());
    case pb::Op::kTextDelete: {
      uint64_t total = 0;
      for (const auto& r : op.text_delete().ranges()) total += r.length();
      return total;
    }
    default:
      return 1;
  }
}

}  // namespace convene::crdt
