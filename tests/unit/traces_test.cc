// Replays of real editing traces (../shared/traces) through the Document:
// every sequential trace must end in exactly its endContent, locally and on
// a replica that merges the ops; both concurrent traces, replayed as the ops
// of their agents with their real concurrency, must converge on every
// replica to exactly endContent. Skipped with a message when the traces are
// not there.
#include "support/traces.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "crdt/document.h"
#include "crdt/utf8.h"

namespace convene::crdt {
namespace {

using testing::ConcurrentTrace;
using testing::Patch;
using testing::SequentialTrace;

void apply_local(Document& doc, OpId variant, const Patch& p) {
  if (p.del > 0) {
    ASSERT_TRUE(doc.delete_text(variant, p.pos, p.del).is_ok());
  }
  if (!p.ins.empty()) {
    ASSERT_TRUE(doc.insert_text(variant, p.pos, utf8::encode(p.ins)).is_ok());
  }
}

class SequentialTraceReplay : public ::testing::TestWithParam<const char*> {};

TEST_P(SequentialTraceReplay, ReplaysToEndContent) {
  const std::string path = testing::trace_path(std::string("sequential/") + GetParam());
  if (!testing::trace_available(path)) GTEST_SKIP() << "trace not found: " << path;
  std::string error;
  const auto trace = testing::load_sequential_trace(path, &error);
  ASSERT_TRUE(trace) << error;

  Document local(1);
  const OpId draft = local.create_draft("trace").value;
  for (const auto& txn : trace->txns)
    for (const Patch& p : txn) apply_local(local, draft, p);
  const std::string expected = utf8::encode(trace->end);
  ASSERT_EQ(local.text(draft), expected);

  Document remote(2);
  for (const pb::Op& op : local.take_outbox()) ASSERT_TRUE(remote.apply(op).is_ok());
  EXPECT_EQ(remote.text(draft), expected);
  EXPECT_EQ(remote.state_hash(), local.state_hash());
  EXPECT_TRUE(remote.check_invariants().is_ok()) << remote.check_invariants().str();

  auto loaded = Document::decode_snapshot(remote.encode_snapshot(), 3);
  ASSERT_TRUE(loaded.ok()) << loaded.status.str();
  EXPECT_EQ(loaded.value.text(draft), expected);
}

INSTANTIATE_TEST_SUITE_P(Traces, SequentialTraceReplay,
                         ::testing::Values("automerge-paper.json.gz", "seph-blog1.json.gz",
                                           "friendsforever_flat.json.gz",
                                           "clownschool_flat.json.gz"),
                         [](const auto& info) {
                           std::string name = info.param;
                           name = name.substr(0, name.find('.'));
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// Replays a concurrent trace: each txn runs on its agent's replica after that
// replica has merged exactly the txns its parents name (and their ancestors).
class ConcurrentReplay {
 public:
  explicit ConcurrentReplay(const ConcurrentTrace& trace) : trace_(trace) {
    Document setup(1000);
    draft_ = setup.create_draft("trace").value;
    base_ = setup.take_outbox();
    for (int a = 0; a < trace.num_agents; ++a) {
      agents_.emplace_back(static_cast<uint64_t>(a + 1));
      for (const pb::Op& op : base_) EXPECT_TRUE(agents_.back().apply(op).is_ok());
      known_.emplace_back(trace.txns.size(), false);
    }
    ops_.resize(trace.txns.size());
  }

  void run() {
    for (size_t t = 0; t < trace_.txns.size(); ++t) {
      const auto& txn = trace_.txns[t];
      ASSERT_GE(txn.agent, 0);
      ASSERT_LT(txn.agent, trace_.num_agents);
      merge_ancestors(txn.agent, txn.parents);
      Document& doc = agents_[txn.agent];
      for (const Patch& p : txn.patches) {
        apply_local(doc, draft_, p);
        if (::testing::Test::HasFatalFailure()) {
          FAIL() << "txn " << t << " of agent " << txn.agent;
        }
      }
      ops_[t] = doc.take_outbox();
      known_[txn.agent][t] = true;
    }
  }

  // Every agent, and a fresh observer, merges everything.
  std::vector<Document> finish() {
    std::vector<size_t> all(trace_.txns.size());
    for (size_t t = 0; t < all.size(); ++t) all[t] = t;
    for (int a = 0; a < trace_.num_agents; ++a) merge(a, all);
    Document observer(999);
    for (const pb::Op& op : base_) EXPECT_TRUE(observer.apply(op).is_ok());
    for (const auto& txn_ops : ops_)
      for (const pb::Op& op : txn_ops) EXPECT_TRUE(observer.apply(op).is_ok());
    std::vector<Document> out = agents_;
    out.push_back(std::move(observer));
    return out;
  }

  OpId draft() const { return draft_; }

 private:
  void merge_ancestors(int agent, const std::vector<size_t>& parents) {
    std::vector<size_t> needed, stack(parents.begin(), parents.end());
    std::vector<bool> seen(trace_.txns.size(), false);
    while (!stack.empty()) {
      const size_t t = stack.back();
      stack.pop_back();
      if (seen[t] || known_[agent][t]) continue;
      seen[t] = true;
      needed.push_back(t);
      for (size_t p : trace_.txns[t].parents) stack.push_back(p);
    }
    std::sort(needed.begin(), needed.end());  // parents precede children
    merge(agent, needed);
  }

  void merge(int agent, const std::vector<size_t>& txns) {
    for (size_t t : txns) {
      if (known_[agent][t]) continue;
      for (const pb::Op& op : ops_[t]) {
        const Status s = agents_[agent].apply(op);
        ASSERT_TRUE(s.is_ok()) << "txn " << t << ": " << s.str();
      }
      known_[agent][t] = true;
    }
  }

  const ConcurrentTrace& trace_;
  OpId draft_;
  std::vector<pb::Op> base_;
  std::vector<Document> agents_;
  std::vector<std::vector<bool>> known_;
  std::vector<std::vector<pb::Op>> ops_;
};

class ConcurrentTraceReplay : public ::testing::TestWithParam<const char*> {};

TEST_P(ConcurrentTraceReplay, EveryReplicaConvergesToEndContent) {
  const std::string path = testing::trace_path(std::string("concurrent/") + GetParam());
  if (!testing::trace_available(path)) GTEST_SKIP() << "trace not found: " << path;
  std::string error;
  const auto trace = testing::load_concurrent_trace(path, &error);
  ASSERT_TRUE(trace) << error;
  ConcurrentReplay replay(*trace);
  replay.run();
  ASSERT_FALSE(HasFatalFailure());
  const auto replicas = replay.finish();
  const std::string expected = utf8::encode(trace->end);
  for (const Document& d : replicas) {
    EXPECT_EQ(d.text(replay.draft()), expected) << "replica " << d.replica();
    EXPECT_EQ(d.state_hash(), replicas.front().state_hash());
    EXPECT_TRUE(d.check_invariants().is_ok());
  }
}

INSTANTIATE_TEST_SUITE_P(Traces, ConcurrentTraceReplay,
                         ::testing::Values("clownschool.json.gz", "friendsforever.json.gz"),
                         [](const auto& info) {
                           std::string name = info.param;
                           return name.substr(0, name.find('.'));
                         });

}  // namespace
}  // namespace convene::crdt
