// Identity, ordering and results shared by every part of the CRDT library.
//
// Thread safety: plain values; no shared state.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "convene/v1/ops.pb.h"

namespace convene::crdt {

namespace pb = ::convene::v1;

// Globally unique id of an op, and of every entity or character it creates.
struct OpId {
  uint64_t replica = 0;
  uint64_t counter = 0;  // counters start at 1; 0 never names an op

  friend auto operator<=>(const OpId&, const OpId&) = default;
  bool valid() const { return counter != 0; }
  std::string str() const;  // "replica:counter", for messages

  static OpId from_pb(const pb::OpId& id) { return {id.replica(), id.counter()}; }
  void to_pb(pb::OpId* out) const {
    out->set_replica(replica);
    out->set_counter(counter);
  }
};

struct OpIdHash {
  size_t operator()(const OpId& id) const noexcept {
    // Replica ids are random, counters small: mix so both contribute.
    uint64_t h = id.replica ^ (id.counter * 0x9E3779B97F4A7C15ull);
    h ^= h >> 29;
    return static_cast<size_t>(h * 0xBF58476D1CE4E5B9ull);
  }
};

// Total order of last-writer-wins writes: Lamport time, then replica id.
struct Stamp {
  uint64_t lamport = 0;
  uint64_t replica = 0;

  friend auto operator<=>(const Stamp&, const Stamp&) = default;
  bool valid() const { return lamport != 0; }
};

// The result of applying or validating an op. Errors are values: nothing in
// the library throws on bad input.
class Status {
 public:
  enum class Code {
    kOk,
    kDuplicate,          // already applied: a harmless no-op
    kMissingDependency,  // causally depends on an op not applied yet
    kInvalid,            // malformed or violates a limit; never applicable
    kCorrupt,            // undecodable snapshot or log bytes
  };

  Status() = default;
  static Status ok() { return Status(); }
  static Status duplicate() { return Status(Code::kDuplicate, "already applied"); }
  static Status missing(OpId dep) {
    Status s(Code::kMissingDependency, "missing dependency " + dep.str());
    s.missing_ = dep;
    return s;
  }
  static Status invalid(std::string message) { return Status(Code::kInvalid, std::move(message)); }
  static Status corrupt(std::string message) { return Status(Code::kCorrupt, std::move(message)); }

  bool is_ok() const { return code_ == Code::kOk; }
  // True when the op's effect is present: applied now or before.
  bool applied() const { return code_ == Code::kOk || code_ == Code::kDuplicate; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // For kMissingDependency: the first unmet dependency.
  OpId missing_id() const { return missing_; }
  std::string str() const;

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code_ = Code::kOk;
  std::string message_;
  OpId missing_;
};

// Number of counters an op consumes: one per code point for a text insert,
// one otherwise. Assumes the op passed validation.
uint64_t op_span(const pb::Op& op);

inline OpId op_id(const pb::Op& op) {
  return {op.replica(), op.counter()};
}
inline Stamp op_stamp(const pb::Op& op) {
  return {op.lamport(), op.replica()};
}

}  // namespace convene::crdt

template <>
struct std::hash<convene::crdt::OpId> : convene::crdt::OpIdHash {};
