// Unit tests of the text CRDT (TextSequence) on its own.
#include "crdt/text.h"

#include <gtest/gtest.h>

#include <random>

#include "crdt/utf8.h"

namespace convene::crdt {
namespace {

// One replica of a TextSequence plus the ops it produced, for merge tests.
struct Replica {
  explicit Replica(uint64_t replica) : id(replica) {}
  uint64_t id;
  uint64_t counter = 1;
  TextSequence seq;
  struct Insert {
    OpId first, left, right;
    std::u32string text;
  };
  std::vector<Insert> inserts;

  void insert(size_t pos, std::u32string_view text) {
    OpId left, right;
    const OpId first{id, counter};
    seq.local_insert(pos, first, text, &left, &right);
    counter += text.size();
    inserts.push_back({first, left, right, std::u32string(text)});
    ASSERT_TRUE(seq.check_invariants().is_ok()) << seq.check_invariants().str();
  }
  void merge(const Insert& op) {
    if (seq.contains(op.first)) return;
    seq.integrate(op.first, op.left, op.right, op.text);
    ASSERT_TRUE(seq.check_invariants().is_ok()) << seq.check_invariants().str();
  }
};

TEST(Text, LocalEditsMatchAPlainString) {
  std::mt19937_64 rng(7);
  TextSequence seq;
  std::u32string model;
  uint64_t counter = 1;
  for (int step = 0; step < 4000; ++step) {
    const bool del = !model.empty() && rng() % 3 == 0;
    if (del) {
      const size_t pos = rng() % model.size();
      const size_t len = 1 + rng() % std::min<size_t>(5, model.size() - pos);
      std::vector<IdSpan> spans;
      seq.local_delete(pos, len, &spans);
      size_t total = 0;
      for (auto& s : spans) total += s.length;
      EXPECT_EQ(total, len);
      model.erase(pos, len);
    } else {
      const size_t pos = rng() % (model.size() + 1);
      std::u32string text(1 + rng() % 4, U'a' + static_cast<char32_t>(rng() % 26));
      OpId l, r;
      seq.local_insert(pos, {1, counter}, text, &l, &r);
      counter += text.size();
      model.insert(pos, text);
    }
    ASSERT_EQ(seq.size(), model.size());
    if (step % 97 == 0) {
      ASSERT_EQ(seq.text(), model) << "step " << step;
      ASSERT_TRUE(seq.check_invariants().is_ok()) << seq.check_invariants().str();
    }
  }
  EXPECT_EQ(seq.text(), model);
  EXPECT_TRUE(seq.check_invariants().is_ok());
}

TEST(Text, SequentialTypingIsOneRun) {
  TextSequence seq;
  OpId l, r;
  for (uint64_t i = 0; i < 1000; ++i) seq.local_insert(i, {9, i + 1}, U"x", &l, &r);
  EXPECT_EQ(seq.size(), 1000u);
  EXPECT_EQ(seq.item_count(), 1u);
}

TEST(Text, ConcurrentTypingDoesNotInterleave) {
  Replica a{1}, b{2};
  a.insert(0, U"[]");
  b.merge(a.inserts[0]);
  // Both type a word at the same place, one character at a time.
  for (char32_t c : std::u32string(U"hello")) a.insert(a.seq.size() - 1, std::u32string(1, c));
  for (char32_t c : std::u32string(U"world")) b.insert(b.seq.size() - 1, std::u32string(1, c));
  for (auto& op : b.inserts) a.merge(op);
  for (auto& op : a.inserts) b.merge(op);
  EXPECT_EQ(a.seq.text(), b.seq.text());
  const std::u32string t = a.seq.text();
  EXPECT_TRUE(t == U"[helloworld]" || t == U"[worldhello]") << utf8::encode(t);
}

TEST(Text, BackwardTypingStaysTogether) {
  Replica a{1}, b{2};
  // Each types a word backwards (always inserting at position 0).
  for (char32_t c : std::u32string(U"cba")) a.insert(0, std::u32string(1, c));
  for (char32_t c : std::u32string(U"zyx")) b.insert(0, std::u32string(1, c));
  for (auto& op : b.inserts) a.merge(op);
  for (auto& op : a.inserts) b.merge(op);
  EXPECT_EQ(a.seq.text(), b.seq.text());
  const std::u32string t = a.seq.text();
  EXPECT_TRUE(t == U"abcxyz" || t == U"xyzabc") << utf8::encode(t);
}

TEST(Text, ConcurrentSiblingsOrderByReplica) {
  Replica a{5}, b{3};
  a.insert(0, U"A");
  b.insert(0, U"B");
  a.merge(b.inserts[0]);
  b.merge(a.inserts[0]);
  EXPECT_EQ(a.seq.text(), U"BA");  // lower replica first
  EXPECT_EQ(b.seq.text(), U"BA");
}

TEST(Text, DeleteIsIdempotentAndKeepsTombstones) {
  Replica a{1};
  a.insert(0, U"abcdef");
  std::vector<IdSpan> spans;
  a.seq.local_delete(1, 3, &spans);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(a.seq.text(), U"aef");
  EXPECT_EQ(a.seq.total_size(), 6u);
  EXPECT_EQ(a.seq.apply_delete(spans[0]), 0u);  // already deleted
  EXPECT_EQ(a.seq.text(), U"aef");
  // An insert relative to a tombstone still lands where it was meant to.
  TextSequence b = a.seq;
  b.integrate({2, 1}, {1, 3}, {1, 4}, U"X");  // between 'c' and 'd', both deleted
  EXPECT_EQ(b.text(), U"aXef");
  EXPECT_TRUE(b.check_invariants().is_ok());
}

TEST(Text, DeleteSpanningSplitRuns) {
  Replica a{1}, b{2};
  a.insert(0, U"abcdef");
  b.merge(a.inserts[0]);
  b.insert(3, U"XYZ");  // splits a's run
  a.merge(b.inserts[0]);
  // Delete a's whole run by id on both: b's insert survives.
  EXPECT_EQ(a.seq.apply_delete({{1, 1}, 6}), 6u);
  EXPECT_EQ(b.seq.apply_delete({{1, 1}, 6}), 6u);
  EXPECT_EQ(a.seq.text(), U"XYZ");
  EXPECT_EQ(b.seq.text(), U"XYZ");
}

TEST(Text, PositionsAndIds) {
  Replica a{1};
  a.insert(0, U"hello");
  EXPECT_EQ(a.seq.id_at(0), (OpId{1, 1}));
  EXPECT_EQ(a.seq.id_at(4), (OpId{1, 5}));
  EXPECT_EQ(a.seq.position_of({1, 3}), 2u);
  std::vector<IdSpan> spans;
  a.seq.local_delete(1, 2, &spans);
  EXPECT_EQ(a.seq.position_of({1, 3}), 1u);  // tombstone: where the next would be
  auto parts = a.seq.visible_parts({{1, 1}, 5});
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].length, 1u);
  EXPECT_EQ(parts[1].first, (OpId{1, 4}));
  std::u32string content;
  EXPECT_TRUE(a.seq.content_of({{1, 2}, 2}, &content));
  EXPECT_EQ(content, U"el");
}

TEST(Text, EncodeDecodeRoundTripIsCanonical) {
  std::mt19937_64 rng(11);
  Replica a{1}, b{2};
  for (int i = 0; i < 300; ++i) {
    Replica& r = (i % 2) ? a : b;
    if (r.seq.size() > 0 && rng() % 4 == 0) {
      std::vector<IdSpan> spans;
      r.seq.local_delete(rng() % r.seq.size(), 1, &spans);
    } else {
      r.insert(rng() % (r.seq.size() + 1), U"é😀x");
    }
  }
  pb::TextColumns cols;
  a.seq.encode(&cols);
  TextSequence decoded;
  ASSERT_TRUE(decoded.decode(cols).is_ok());
  EXPECT_EQ(decoded.text(), a.seq.text());
  EXPECT_TRUE(decoded.check_invariants().is_ok()) << decoded.check_invariants().str();
  pb::TextColumns again;
  decoded.encode(&again);
  EXPECT_EQ(cols.SerializeAsString(), again.SerializeAsString());
}

TEST(Text, DecodeRejectsCorruptColumns) {
  Replica a{1};
  a.insert(0, U"abc");
  pb::TextColumns cols;
  a.seq.encode(&cols);
  pb::TextColumns bad = cols;
  bad.set_visible_text("ab");
  TextSequence t;
  EXPECT_EQ(t.decode(bad).code(), Status::Code::kCorrupt);
  bad = cols;
  bad.set_run_replica(0, 7);
  EXPECT_EQ(t.decode(bad).code(), Status::Code::kCorrupt);
  bad = cols;
  bad.set_visible_text(
      "a\xff"
      "c");
  EXPECT_EQ(t.decode(bad).code(), Status::Code::kCorrupt);
  bad = cols;
  bad.set_run_origin(0, 2);  // explicit left origin that is not there
  EXPECT_EQ(t.decode(bad).code(), Status::Code::kCorrupt);
}

TEST(Text, ManyReplicasConvergeUnderAnyDeliveryOrder) {
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    std::mt19937_64 rng(seed);
    std::vector<Replica> reps;
    for (uint64_t i = 0; i < 4; ++i) reps.push_back(Replica{100 + i});
    std::vector<Replica::Insert> all;
    for (int round = 0; round < 6; ++round) {
      for (auto& r : reps)
        for (int k = 0; k < 5; ++k)
          r.insert(rng() % (r.seq.size() + 1), std::u32string(1 + rng() % 3, U'a' + k));
      // Exchange everything in a shuffled order that respects each op's origins.
      for (auto& r : reps)
        for (auto& op : r.inserts) all.push_back(op);
      for (auto& r : reps) {
        std::vector<Replica::Insert> pending = all;
        std::shuffle(pending.begin(), pending.end(), rng);
        while (!pending.empty()) {
          for (size_t i = 0; i < pending.size();) {
            auto& op = pending[i];
            const bool ready =
                (!op.left.valid() || r.seq.contains(op.left)) &&
                (!op.right.valid() || r.seq.contains(op.right)) &&
                (op.first.counter == 1 || r.seq.contains({op.first.replica, op.first.counter - 1}));
            if (ready) {
              r.merge(op);
              pending.erase(pending.begin() + i);
            } else {
              ++i;
            }
          }
        }
      }
      for (auto& r : reps) ASSERT_EQ(r.seq.text(), reps[0].seq.text()) << "seed " << seed;
    }
  }
}

}  // namespace
}  // namespace convene::crdt
