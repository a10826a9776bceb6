// Building conformance vectors (tests/vectors/README.md): a Vector gathers
// ops from any number of replicas and the orders in which a fresh replica
// receives them. vectors_test.cc renders and checks them;
// vocabulary_vectors_test.cc holds the vocabulary's scenarios.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "crdt/document.h"

namespace convene::crdt {

// A vector under construction: ops from any number of replicas, then the
// orders in which a fresh replica receives them.
struct Vector {
  Vector(std::string n, std::string d) : name(std::move(n)), description(std::move(d)) {}
  std::string name;
  std::string description;
  std::vector<pb::Op> ops;
  std::vector<std::vector<size_t>> orders;

  // Takes every op in `d`'s outbox; returns their indexes.
  std::vector<size_t> take(Document& d) {
    std::vector<size_t> idx;
    for (pb::Op& op : d.take_outbox()) {
      idx.push_back(ops.size());
      ops.push_back(std::move(op));
    }
    return idx;
  }
  size_t add(pb::Op op) {
    ops.push_back(std::move(op));
    return ops.size() - 1;
  }
  void in_order() {
    std::vector<size_t> all(ops.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    orders.push_back(all);
  }
};

inline std::vector<size_t> concat(std::initializer_list<std::vector<size_t>> parts) {
  std::vector<size_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline pb::ElementFields element(pb::ElementKind kind, const std::string& label, double x, double y,
                                 pb::ScaleLevel scale) {
  pb::ElementFields f;
  f.set_kind(kind);
  f.set_label(label);
  f.mutable_position()->set_x(x);
  f.mutable_position()->set_y(y);
  f.set_scale(scale);
  return f;
}

// Another causal order of all of `v`'s ops: repeatedly delivers a random op
// among those whose dependencies are already delivered.
inline std::vector<size_t> random_causal_order(const Vector& v, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Document scratch;
  std::vector<size_t> pending(v.ops.size()), order;
  for (size_t i = 0; i < pending.size(); ++i) pending[i] = i;
  while (!pending.empty()) {
    std::vector<size_t> ready;
    for (size_t k = 0; k < pending.size(); ++k)
      if (scratch.check(v.ops[pending[k]]).code() != Status::Code::kMissingDependency)
        ready.push_back(k);
    const size_t k = ready[rng() % ready.size()];
    scratch.apply(v.ops[pending[k]]);
    order.push_back(pending[k]);
    pending.erase(pending.begin() + static_cast<long>(k));
  }
  return order;
}

// The vocabulary's scenarios (vocabulary_vectors_test.cc).
std::vector<Vector> vocabulary_vectors();

}  // namespace convene::crdt
