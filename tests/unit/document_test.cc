// Unit tests of the convening document: drafts and variants, text through
// ops, causality, Unicode, undo/redo, snapshots and time travel.
#include "crdt/document.h"

#include <gtest/gtest.h>

#include "crdt/causal_buffer.h"
#include "crdt/oplog.h"

namespace convene::crdt {
namespace {

// Delivers every op in `from`'s outbox to each of `to`.
std::vector<pb::Op> sync(Document& from, std::initializer_list<Document*> to) {
  std::vector<pb::Op> ops = from.take_outbox();
  for (Document* d : to)
    for (const pb::Op& op : ops) {
      const Status s = d->apply(op);
      EXPECT_TRUE(s.is_ok()) << s.str();
    }
  return ops;
}

void expect_valid(const Document& d) {
  const Status s = d.check_invariants();
  EXPECT_TRUE(s.is_ok()) << s.str();
}

TEST(Document, DraftsAndVariants) {
  Document a(1);
  const OpId draft = a.create_draft("Call to the river basin").value;
  ASSERT_TRUE(draft.valid());
  ASSERT_TRUE(a.insert_text(draft, 0, "Join us").is_ok());
  const OpId funders = a.create_variant(draft, "for funders", draft).value;
  EXPECT_EQ(a.text(funders), "Join us");
  ASSERT_TRUE(a.insert_text(funders, 7, ", funders").is_ok());
  EXPECT_EQ(a.text(draft), "Join us");
  EXPECT_EQ(a.text(funders), "Join us, funders");
  EXPECT_EQ(a.variants_of(draft), (std::vector<OpId>{draft, funders}));
  ASSERT_TRUE(a.rename(funders, "for the controllers").is_ok());
  EXPECT_EQ(a.variant(funders)->name.value, "for the controllers");
  ASSERT_TRUE(a.remove(funders).is_ok());
  EXPECT_EQ(a.variants_of(draft), (std::vector<OpId>{draft}));
  EXPECT_FALSE(a.insert_text(funders, 0, "x").is_ok());  // removed: no edits

  Document b(2);
  sync(a, {&b});
  EXPECT_EQ(b.to_json(), a.to_json());
  EXPECT_EQ(b.state_hash(), a.state_hash());
  expect_valid(a);
  expect_valid(b);
}

TEST(Document, ApplyingTwiceIsANoOp) {
  Document a(1), b(2);
  const OpId d = a.create_draft("d").value;
  a.insert_text(d, 0, "hello");
  const auto ops = a.take_outbox();
  for (const auto& op : ops) ASSERT_TRUE(b.apply(op).is_ok());
  const uint64_t h = b.state_hash();
  for (const auto& op : ops) EXPECT_EQ(b.apply(op).code(), Status::Code::kDuplicate);
  EXPECT_EQ(b.state_hash(), h);
}

TEST(Document, MissingDependenciesAreReportedAndBuffered) {
  Document a(1), b(2);
  const OpId d = a.create_draft("d").value;
  a.insert_text(d, 0, "abc");
  a.undo_checkpoint();
  a.delete_text(d, 1, 1);
  const auto ops = a.take_outbox();
  ASSERT_EQ(ops.size(), 3u);
  // Out of order: the delete needs the insert, the insert needs the draft.
  const Status s = b.apply(ops[2]);
  EXPECT_EQ(s.code(), Status::Code::kMissingDependency);
  EXPECT_EQ(s.missing_id(), (OpId{1, 1}));
  EXPECT_EQ(b.version().last(1), 0u);  // nothing changed

  CausalBuffer buffer;
  EXPECT_EQ(buffer.deliver(b, ops[2]).code(), Status::Code::kMissingDependency);
  EXPECT_EQ(buffer.deliver(b, ops[1]).code(), Status::Code::kMissingDependency);
  EXPECT_EQ(buffer.size(), 2u);
  EXPECT_TRUE(buffer.deliver(b, ops[0]).is_ok());
  EXPECT_EQ(buffer.size(), 0u);
  EXPECT_EQ(b.text(d), "ac");
  EXPECT_EQ(b.state_hash(), a.state_hash());
}

TEST(Document, CausalBufferIsBounded) {
  Document a(1), b(2);
  const OpId d = a.create_draft("d").value;
  for (int i = 0; i < 10; ++i) {
    a.undo_checkpoint();
    a.insert_text(d, 0, "x");
    a.create_map("m");  // separates ops so they do not merge
  }
  auto ops = a.take_outbox();
  CausalBuffer small(3);
  int refused = 0;
  for (size_t i = ops.size() - 1; i > 0; --i)
    if (small.deliver(b, ops[i]).code() == Status::Code::kInvalid) ++refused;
  EXPECT_EQ(small.size(), 3u);
  EXPECT_GT(refused, 0);
}

TEST(Document, RejectsBadOpsClearly) {
  Document a(1), b(2);
  const OpId d = a.create_draft("d").value;
  auto ops = a.take_outbox();
  ASSERT_TRUE(b.apply(ops[0]).is_ok());

  pb::Op bad;
  bad.set_replica(1);
  bad.set_counter(2);
  bad.set_lamport(2);
  auto* ins = bad.mutable_text_insert();
  d.to_pb(ins->mutable_variant());
  ins->set_text("a\xc3");  // truncated UTF-8
  Status s = b.apply(bad);
  EXPECT_EQ(s.code(), Status::Code::kInvalid);
  EXPECT_NE(s.message().find("UTF-8"), std::string::npos);

  ins->set_text("");
  EXPECT_EQ(b.apply(bad).code(), Status::Code::kInvalid);

  ins->set_text("ok");
  ins->mutable_origin_left()->set_replica(1);
  ins->mutable_origin_left()->set_counter(1);  // the draft op, not a character
  s = b.apply(bad);
  EXPECT_EQ(s.code(), Status::Code::kInvalid);
  EXPECT_NE(s.message().find("character"), std::string::npos);

  pb::Op empty;
  empty.set_replica(1);
  empty.set_counter(2);
  empty.set_lamport(2);
  EXPECT_EQ(b.apply(empty).code(), Status::Code::kInvalid);

  pb::Op zero = ops[0];
  zero.set_replica(0);
  EXPECT_EQ(b.apply(zero).code(), Status::Code::kInvalid);

  // Invalid local input is refused too, and changes nothing.
  const uint64_t h = a.state_hash();
  EXPECT_FALSE(a.insert_text(d, 5, "x").is_ok());
  EXPECT_FALSE(a.insert_text(d, 0, "\xff").is_ok());
  EXPECT_FALSE(a.delete_text(d, 0, 1).is_ok());
  EXPECT_FALSE(a.create_draft(std::string(1000, 'n')).ok());
  EXPECT_EQ(a.state_hash(), h);
  expect_valid(b);
}

TEST(Document, UnicodePositionsCountCodePoints) {
  Document a(1);
  const OpId d = a.create_draft("d").value;
  // "e" + combining acute, a family emoji made of 5 code points, CJK.
  const std::string text = "e\u0301 \U0001F468\u200D\U0001F469\u200D\U0001F467 \u6771\u4EAC";
  ASSERT_TRUE(a.insert_text(d, 0, text).is_ok());
  EXPECT_EQ(a.text_length(d), 2u + 1 + 5 + 1 + 2);
  ASSERT_TRUE(a.delete_text(d, 1, 1).is_ok());  // the combining mark alone
  ASSERT_TRUE(a.insert_text(d, 3, "\U0001F30D").is_ok());
  EXPECT_EQ(a.text(d), "e \U0001F468\U0001F30D\u200D\U0001F469\u200D\U0001F467 \u6771\u4EAC");
  Document b(2);
  sync(a, {&b});
  EXPECT_EQ(b.text(d), a.text(d));
}

TEST(Document, TypingBecomesOneOpAndBackspacingAnother) {
  Document a(1);
  const OpId d = a.create_draft("d").value;
  Document b(2);
  sync(a, {&b});
  for (size_t i = 0; i < 50; ++i) a.insert_text(d, i, "x");
  for (size_t i = 50; i > 40; --i) a.delete_text(d, i - 1, 1);
  const auto ops = a.take_outbox();
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[0].text_insert().text().size(), 50u);
  ASSERT_EQ(ops[1].text_delete().ranges_size(), 1);
  EXPECT_EQ(ops[1].text_delete().ranges(0).length(), 10u);
  EXPECT_EQ(op_span(ops[1]), 10u);
  for (const auto& op : ops) ASSERT_TRUE(b.apply(op).is_ok());
  EXPECT_EQ(b.text(d), std::string(40, 'x'));
}

TEST(Document, UndoRedoText) {
  Document a(1);
  const OpId d = a.create_draft("d").value;
  a.undo_checkpoint();
  a.insert_text(d, 0, "Hello world");
  a.undo_checkpoint();
  a.delete_text(d, 5, 6);
  a.undo_checkpoint();
  EXPECT_EQ(a.text(d), "Hello");
  ASSERT_TRUE(a.undo().is_ok());
  EXPECT_EQ(a.text(d), "Hello world");
  ASSERT_TRUE(a.undo().is_ok());
  EXPECT_EQ(a.text(d), "");
  ASSERT_TRUE(a.redo().is_ok());
  EXPECT_EQ(a.text(d), "Hello world");
  ASSERT_TRUE(a.redo().is_ok());
  EXPECT_EQ(a.text(d), "Hello");
  EXPECT_FALSE(a.can_redo());
  // Undo twice more, then everything again: the re-inserted text is tracked.
  ASSERT_TRUE(a.undo().is_ok());
  ASSERT_TRUE(a.undo().is_ok());
  EXPECT_EQ(a.text(d), "");
  ASSERT_TRUE(a.redo().is_ok());
  ASSERT_TRUE(a.redo().is_ok());
  EXPECT_EQ(a.text(d), "Hello");
  // Every undo was an ordinary op: another replica ends the same.
  Document b(2);
  sync(a, {&b});
  EXPECT_EQ(b.text(d), "Hello");
  EXPECT_EQ(b.state_hash(), a.state_hash());
  expect_valid(a);
}

TEST(Document, UndoWithinOneStepTypingAndCorrecting) {
  Document a(1);
  const OpId d = a.create_draft("d").value;
  a.insert_text(d, 0, "base ");
  a.undo_checkpoint();
  a.insert_text(d, 5, "abc");
  a.delete_text(d, 6, 1);  // delete the 'b' typed in this same step
  a.insert_text(d, 7, "d");
  EXPECT_EQ(a.text(d), "base acd");
  a.undo_checkpoint();
  ASSERT_TRUE(a.undo().is_ok());
  EXPECT_EQ(a.text(d), "base ");
  ASSERT_TRUE(a.redo().is_ok());
  EXPECT_EQ(a.text(d), "base acd");
}

TEST(Document, UndoOnlyTouchesMyOwnEdits) {
  Document a(1), b(2);
  const OpId d = a.create_draft("d").value;
  sync(a, {&b});
  a.undo_checkpoint();
  a.insert_text(d, 0, "mine ");
  sync(a, {&b});
  b.insert_text(d, 5, "theirs");
  sync(b, {&a});
  EXPECT_EQ(a.text(d), "mine theirs");
  ASSERT_TRUE(a.undo().is_ok());
  EXPECT_EQ(a.text(d), "theirs");
  sync(a, {&b});
  ASSERT_TRUE(b.undo().is_ok());
  EXPECT_EQ(b.text(d), "");
  sync(b, {&a});
  EXPECT_EQ(a.text(d), "");
}

TEST(Document, UndoRemovalAndCreation) {
  Document a(1);
  const OpId d = a.create_draft("d").value;
  a.undo_checkpoint();
  const OpId v = a.create_variant(d, "v").value;
  a.undo_checkpoint();
  ASSERT_TRUE(a.rename(v, "renamed").is_ok());
  a.undo_checkpoint();
  ASSERT_TRUE(a.remove(v).is_ok());
  a.undo_checkpoint();
  EXPECT_FALSE(a.variant_visible(v));
  ASSERT_TRUE(a.undo().is_ok());
  EXPECT_TRUE(a.variant_visible(v));
  ASSERT_TRUE(a.undo().is_ok());
  EXPECT_EQ(a.variant(v)->name.value, "v");
  ASSERT_TRUE(a.undo().is_ok());
  EXPECT_FALSE(a.variant_visible(v));
  ASSERT_TRUE(a.redo().is_ok());
  EXPECT_TRUE(a.variant_visible(v));
  expect_valid(a);
}

TEST(Document, UndoRedoMapEdits) {
  Document a(1);
  const OpId map = a.create_map("m").value;
  pb::ElementFields f;
  f.set_label("Ministry");
  f.mutable_position()->set_x(1);
  f.mutable_position()->set_y(2);
  f.set_scale(pb::SCALE_LEVEL_NATIONAL);
  const OpId e = a.create_element(map, f).value;
  const OpId g = a.create_element(map, f).value;
  pb::ConnectionFields cf;
  cf.set_depth(1);
  const OpId c = a.create_connection(map, e, g, cf).value;
  a.undo_checkpoint();

  pb::ElementFields move;  // a drag: position and, in the same step, a relabel
  move.mutable_position()->set_x(50);
  move.mutable_position()->set_y(60);
  a.update_element(e, move);
  pb::ElementFields relabel;
  relabel.set_label("Ministry of Water");
  a.update_element(e, relabel);
  a.undo_checkpoint();
  pb::ConnectionFields deeper;
  deeper.set_depth(3);
  a.update_connection(c, deeper);
  a.set_perspective(c, "strength", "me", 4);
  a.undo_checkpoint();
  a.remove(g);
  a.undo_checkpoint();
  EXPECT_FALSE(a.landscape().connection_visible(c));

  ASSERT_TRUE(a.undo().is_ok());  // the removal
  EXPECT_TRUE(a.landscape().element_visible(g));
  EXPECT_TRUE(a.landscape().connection_visible(c));
  ASSERT_TRUE(a.undo().is_ok());  // depth and perspective
  EXPECT_EQ(a.landscape().connection(c)->depth.value, 1u);
  EXPECT_FALSE(a.landscape().perspective_of({c, "strength"}, "me").has_value());
  ASSERT_TRUE(a.undo().is_ok());  // move and relabel
  EXPECT_EQ(a.landscape().element(e)->position.value.x(), 1);
  EXPECT_EQ(a.landscape().element(e)->label.value, "Ministry");
  EXPECT_EQ(a.landscape().element(e)->scale.value, pb::SCALE_LEVEL_NATIONAL);  // untouched

  ASSERT_TRUE(a.redo().is_ok());
  EXPECT_EQ(a.landscape().element(e)->position.value.y(), 60);
  EXPECT_EQ(a.landscape().element(e)->label.value, "Ministry of Water");
  ASSERT_TRUE(a.redo().is_ok());
  EXPECT_EQ(*a.landscape().perspective_of({c, "strength"}, "me"), 4);
  ASSERT_TRUE(a.redo().is_ok());
  EXPECT_FALSE(a.landscape().element_visible(g));
  EXPECT_FALSE(a.can_redo());

  // A new edit after undo forks history: redo is gone.
  ASSERT_TRUE(a.undo().is_ok());
  a.update_element(e, relabel);
  EXPECT_FALSE(a.can_redo());
  expect_valid(a);
}

TEST(Document, ConcurrentRemovalSurvivesMyUndo) {
  Document a(1), b(2);
  const OpId d = a.create_draft("d").value;
  const OpId v = a.create_variant(d, "v").value;
  sync(a, {&b});
  a.undo_checkpoint();
  a.remove(v);
  b.remove(v);  // concurrently
  sync(a, {&b});
  sync(b, {&a});
  ASSERT_TRUE(a.undo().is_ok());  // cancels only a's own removal
  sync(a, {&b});
  EXPECT_FALSE(a.variant_visible(v));
  EXPECT_FALSE(b.variant_visible(v));
  EXPECT_EQ(a.state_hash(), b.state_hash());
}

TEST(Document, SnapshotRoundTripAndContinue) {
  Document a(1);
  const OpId d = a.create_draft("d").value;
  a.insert_text(d, 0, "Convening across boundaries");
  a.delete_text(d, 0, 10);
  const OpId v = a.create_variant(d, "short", d).value;
  a.remove(v);
  a.take_outbox();  // b starts from the snapshot instead
  const std::string bytes = a.encode_snapshot();
  auto loaded = Document::decode_snapshot(bytes, 2);
  ASSERT_TRUE(loaded.ok()) << loaded.status.str();
  Document& b = loaded.value;
  EXPECT_EQ(b.to_json(), a.to_json());
  EXPECT_EQ(b.state_hash(), a.state_hash());
  EXPECT_EQ(b.encode_snapshot(), bytes);
  expect_valid(b);
  // Edits after the snapshot merge on both sides.
  a.insert_text(d, 0, "A: ");
  b.insert_text(d, 0, "B: ");
  sync(a, {&b});
  sync(b, {&a});
  EXPECT_EQ(a.text(d), b.text(d));
  EXPECT_EQ(a.state_hash(), b.state_hash());
}

TEST(Document, SnapshotRejectsCorruptBytes) {
  Document a(1);
  const OpId d = a.create_draft("d").value;
  a.insert_text(d, 0, "text");
  std::string bytes = a.encode_snapshot();
  EXPECT_EQ(Document::decode_snapshot("", 2).status.code(), Status::Code::kCorrupt);
  EXPECT_EQ(Document::decode_snapshot("CVSN\x02\x01xx", 2).status.code(), Status::Code::kCorrupt);
  std::string flipped = bytes;
  flipped[flipped.size() / 2] ^= 0x5a;
  EXPECT_FALSE(Document::decode_snapshot(flipped, 2).ok());
  EXPECT_FALSE(Document::decode_snapshot(bytes.substr(0, bytes.size() - 3), 2).ok());
}

// Found by fuzz_snapshot: a 21-byte snapshot whose zstd header claims a huge
// size made the decoder allocate (and zero) all of it before decompressing.
TEST(Document, SnapshotRefusesAHeaderThatClaimsMoreThanItsData) {
  const std::string claims_huge_size(
      "CVSN\x01\x01\x28\xb5\x2f\xfd\x93\x28\x2c\xb5\x2f\xfd"
      "\x93\x93\xc1\x3b\xf0",
      21);
  EXPECT_EQ(Document::decode_snapshot(claims_huge_size, 2).status.code(), Status::Code::kCorrupt);
  // A snapshot followed by more bytes than its frame holds is refused too.
  Document a(1);
  (void)a.create_map("m");
  EXPECT_TRUE(Document::decode_snapshot(a.encode_snapshot(), 2).ok());
  EXPECT_FALSE(Document::decode_snapshot(a.encode_snapshot() + "extra", 2).ok());
}

TEST(Document, TimeTravelReplaysTheLog) {
  Document a(1);
  OpLog log(4);  // snapshot every 4 ops
  const OpId d = a.create_draft("d").value;
  std::vector<std::string> texts{""};  // text after each seq
  auto flush = [&] {
    for (const pb::Op& op : a.take_outbox()) {
      ASSERT_TRUE(log.append(op).ok());
      texts.push_back(log.head().text(d));
    }
  };
  flush();
  for (int i = 0; i < 20; ++i) {
    a.insert_text(d, a.text_length(d), std::to_string(i) + " ");
    a.create_map("separator");  // keeps inserts as separate ops
    flush();
  }
  a.delete_text(d, 0, 5);
  flush();
  EXPECT_GT(log.snapshot_count(), 3u);
  for (uint64_t seq = 1; seq <= log.head_seq(); ++seq) {
    auto past = log.state_at(seq);
    ASSERT_TRUE(past.ok()) << past.status.str();
    EXPECT_EQ(past.value.text(d), texts[seq]) << "seq " << seq;
  }
  EXPECT_EQ(log.state_at(log.head_seq()).value.state_hash(), log.head().state_hash());
  EXPECT_FALSE(log.state_at(log.head_seq() + 1).ok());
  // The log refuses what the head would refuse.
  EXPECT_EQ(log.append(log.op_at(1)).status.code(), Status::Code::kDuplicate);
}

}  // namespace
}  // namespace convene::crdt
