// The review's costly inputs (docs/threat-model.md, F2, F4, F5, F8): what
// applying them costs now, counted in steps rather than timed, and what the
// room's admission (admission.h) refuses. Honest editing is always admitted.
#include "crdt/admission.h"

#include <gtest/gtest.h>

#include <random>

namespace convene::crdt {
namespace {

constexpr uint64_t kAuthor = 1;
constexpr uint64_t kAttacker = 99;

// The next op of `replica` as `doc` expects it: next counter, next lamport.
pb::Op next_op(const Document& doc, uint64_t replica) {
  pb::Op op;
  op.set_replica(replica);
  op.set_counter(doc.version().last(replica) + 1);
  op.set_lamport(doc.clock() + 1);
  return op;
}

void set_id(pb::OpId* out, OpId id) {
  if (id.valid()) id.to_pb(out);
}

pb::Op insert_op(const Document& doc, uint64_t replica, OpId variant, OpId left, OpId right,
                 const std::string& text = "x") {
  pb::Op op = next_op(doc, replica);
  auto* ins = op.mutable_text_insert();
  set_id(ins->mutable_variant(), variant);
  set_id(ins->mutable_origin_left(), left);
  set_id(ins->mutable_origin_right(), right);
  ins->set_text(text);
  return op;
}

pb::Op delete_op(const Document& doc, uint64_t replica, OpId variant,
                 const std::vector<IdSpan>& ranges) {
  pb::Op op = next_op(doc, replica);
  set_id(op.mutable_text_delete()->mutable_variant(), variant);
  for (const IdSpan& s : ranges) {
    auto* r = op.mutable_text_delete()->add_ranges();
    r->set_replica(s.first.replica);
    r->set_counter(s.first.counter);
    r->set_length(s.length);
  }
  return op;
}

pb::Op remove_op(const Document& doc, uint64_t replica, OpId target) {
  pb::Op op = next_op(doc, replica);
  target.to_pb(op.mutable_remove()->mutable_target());
  return op;
}

pb::Op restore_op(const Document& doc, uint64_t replica, OpId target,
                  const std::vector<OpId>& removals) {
  pb::Op op = next_op(doc, replica);
  target.to_pb(op.mutable_restore()->mutable_target());
  for (OpId r : removals) r.to_pb(op.mutable_restore()->add_removals());
  return op;
}

// A draft of `n` characters typed backwards: every character its own run.
// Its characters are kAuthor's counters 2 .. n + 1.
OpId backwards_draft(Document& doc, size_t n) {
  const OpId draft = doc.create_draft("d").value;
  for (size_t i = 0; i < n; ++i) doc.insert_text(draft, 0, "x");
  doc.take_outbox();
  return draft;
}

// A draft holding `text`, typed forwards: its characters are kAuthor's
// counters 2 .. size + 1.
OpId typed_draft(Document& doc, const std::string& text) {
  const OpId draft = doc.create_draft("d").value;
  doc.insert_text(draft, 0, text);
  doc.take_outbox();
  return draft;
}

void expect_refused(const Status& s, const std::string& naming) {
  EXPECT_EQ(s.code(), Status::Code::kInvalid) << s.str();
  EXPECT_NE(s.message().find(naming), std::string::npos) << s.message();
}

// ---- F2: a delete with overlapping ranges ------------------------------------

TEST(HostileCost, OverlappingDeleteVisitsEachRunOnce) {
  constexpr size_t kRuns = 2000, kRanges = 1000;
  Document doc(kAuthor);
  const OpId draft = backwards_draft(doc, kRuns);
  const TextSequence& text = doc.variant(draft)->text;
  ASSERT_EQ(text.item_count(), kRuns);
  const pb::Op op =
      delete_op(doc, kAttacker, draft, std::vector<IdSpan>(kRanges, {{kAuthor, 2}, kRuns}));

  expect_refused(admit(doc, op), "overlap");
  // Already in a log, it must still apply, and each run is visited once
  // (it was visited once per range: 2,000,000 times).
  ASSERT_TRUE(doc.check(op).is_ok());
  const uint64_t before = text.work().delete_steps;
  ASSERT_TRUE(doc.apply(op).is_ok());
  EXPECT_EQ(text.work().delete_steps - before, kRuns);
  EXPECT_EQ(doc.text_length(draft), 0u);
  // The span, and so the clock, still counts every range.
  EXPECT_EQ(doc.clock(), op.lamport() + kRuns * kRanges - 1);
}

TEST(HostileCost, MissingCharacterOfMergedRangesIsNamedAsBefore) {
  Document doc(kAuthor);
  const OpId draft = backwards_draft(doc, 100);  // characters 1:2 .. 1:101
  const IdSpan all{{kAuthor, 2}, 100};
  const IdSpan past_the_end{{kAuthor, 95}, 20};  // 1:102 is not applied yet
  const IdSpan the_draft{{kAuthor, 1}, 3};       // 1:1 is the draft, not a character

  Status s = doc.check(delete_op(doc, kAttacker, draft, {all, past_the_end, the_draft}));
  EXPECT_EQ(s.code(), Status::Code::kMissingDependency) << s.str();
  EXPECT_EQ(s.missing_id(), (OpId{kAuthor, 102}));
  s = doc.check(delete_op(doc, kAttacker, draft, {all, the_draft, past_the_end}));
  expect_refused(s, "1:1 is not a character");
}

TEST(Admission, DeleteLongerThanItsVariantIsRefused) {
  Document doc(kAuthor);
  const OpId draft = typed_draft(doc, "abc");
  const pb::Op op = delete_op(doc, kAttacker, draft, {{{kAuthor, 2}, 3}, {{kAuthor, 40}, 2}});
  expect_refused(admit(doc, op), "more than the 3 of its variant");
  EXPECT_TRUE(admit(doc, delete_op(doc, kAttacker, draft, {{{kAuthor, 2}, 3}})).is_ok());
}

TEST(Admission, RepeatedDeleteOfTombstonesIsRefused) {
  Document doc(kAuthor);
  const OpId draft = backwards_draft(doc, 300);
  const AdmissionLimits bounds{.deleted_runs = 100};
  const pb::Op first = delete_op(doc, kAttacker, draft, {{{kAuthor, 2}, 300}});
  ASSERT_TRUE(admit(doc, first, bounds).is_ok());
  ASSERT_TRUE(doc.apply(first).is_ok());
  // Again: 300 runs of tombstones to walk for nothing.
  expect_refused(admit(doc, delete_op(doc, kAttacker, draft, {{{kAuthor, 2}, 300}}), bounds),
                 "deleted-runs bound");
  EXPECT_TRUE(admit(doc, delete_op(doc, kAttacker, draft, {{{kAuthor, 2}, 100}}), bounds).is_ok());
}

// ---- the clock ------------------------------------------------------------------

TEST(Admission, ClockLeadCountsTheSpan) {
  Document doc(kAuthor);
  const OpId draft = typed_draft(doc, "abc");
  pb::Op op = insert_op(doc, kAttacker, draft, {}, {});
  op.set_lamport(doc.clock() + limits::kClockLead);
  EXPECT_TRUE(admit(doc, op).is_ok());
  op.set_lamport(doc.clock() + limits::kClockLead + 1);
  expect_refused(admit(doc, op), "clock-lead bound");

  // A delete moves the clock by its span, whatever its lamport.
  const uint64_t longest = limits::kInsertCodePoints * 64;
  std::vector<IdSpan> ranges;
  for (uint64_t i = 0; i <= limits::kClockLead / longest; ++i)
    ranges.push_back({{kAuthor, 1000 + i * longest}, longest});
  expect_refused(admit(doc, delete_op(doc, kAttacker, draft, ranges)), "clock-lead bound");

  const AdmissionLimits tight{.clock_lead = 10};
  op.set_lamport(doc.clock() + 10);
  EXPECT_TRUE(admit(doc, op, tight).is_ok());
  op.mutable_text_insert()->set_text("xy");  // spans two: its last lamport is one further
  expect_refused(admit(doc, op, tight), "clock-lead bound");
}

// ---- F4: inserts between the same two characters -----------------------------

TEST(HostileCost, SameOriginInsertsAreOneRun) {
  constexpr size_t kInserts = 20'000;
  Document doc(kAuthor);
  const OpId draft = typed_draft(doc, "LR");
  const OpId left{kAuthor, 2}, right{kAuthor, 3};
  const TextSequence& text = doc.variant(draft)->text;
  for (size_t i = 0; i < kInserts; ++i) {
    const pb::Op op = insert_op(doc, kAttacker, draft, left, right);
    uint64_t steps = 0;
    ASSERT_TRUE(admit(doc, op, {}, &steps).is_ok());
    ASSERT_LE(steps, 2u);
    ASSERT_TRUE(doc.apply(op).is_ok());
  }
  // Each insert stepped over the earlier ones at once: at most two steps
  // each (it was one per earlier insert: 200 million in all).
  EXPECT_LE(text.work().scan_steps, 2 * kInserts);
  EXPECT_LE(text.item_count(), 4u);
  // A lower replica's sibling still sorts before all of them.
  ASSERT_TRUE(doc.apply(insert_op(doc, 50, draft, left, right, "y")).is_ok());
  EXPECT_EQ(doc.text(draft), "Ly" + std::string(kInserts, 'x') + "R");
  EXPECT_TRUE(doc.check_invariants().is_ok());
  // And a snapshot keeps them one run.
  const auto loaded = Document::decode_snapshot(doc.encode_snapshot(), 2);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.value.state_hash(), doc.state_hash());
  EXPECT_LE(loaded.value.variant(draft)->text.item_count(), 4u);
}

TEST(Admission, InsertScanningPastTheBoundIsRefused) {
  // Right origins cycling over the text that follows: each insert scans the
  // earlier ones, so the scans grow until the bound refuses them.
  Document doc(kAuthor);
  const OpId draft = typed_draft(doc, "L" + std::string(300, 'a'));
  const AdmissionLimits bounds{.integration_steps = 100};
  size_t admitted = 0;
  Status refused;
  for (uint64_t k = 1; k <= 300; ++k) {
    const pb::Op op = insert_op(doc, kAttacker, draft, {kAuthor, 2}, {kAuthor, 2 + k});
    uint64_t steps = 0;
    refused = admit(doc, op, bounds, &steps);
    if (!refused.is_ok()) {
      EXPECT_EQ(steps, 101u);
      EXPECT_GT(doc.variant(draft)->text.integration_steps(kAttacker, {kAuthor, 2},
                                                           {kAuthor, 2 + k}, UINT64_MAX),
                100u);
      EXPECT_TRUE(doc.check(op).is_ok());  // apply() still takes it from a log
      break;
    }
    ASSERT_LE(steps, 100u);
    const uint64_t before = doc.variant(draft)->text.work().scan_steps;
    ASSERT_TRUE(doc.apply(op).is_ok());
    EXPECT_EQ(doc.variant(draft)->text.work().scan_steps - before, steps);  // the dry run is exact
    ++admitted;
  }
  expect_refused(refused, "integration-steps bound");
  EXPECT_GT(admitted, 10u);
}

// ---- F8: removals -----------------------------------------------------------------

TEST(HostileCost, LongRestoreInAnyOrderCancelsEachRemoval) {
  constexpr uint64_t kRemovals = 50'000;
  Document doc(kAuthor);
  const OpId map = doc.create_map("m").value;
  for (uint64_t i = 0; i < kRemovals; ++i)
    ASSERT_TRUE(doc.apply(remove_op(doc, kAttacker, map)).is_ok());
  std::vector<OpId> descending;
  for (uint64_t c = kRemovals; c >= 1; --c) descending.push_back({kAttacker, c});
  const pb::Op restore = restore_op(doc, kAttacker, map, descending);
  expect_refused(admit(doc, restore), "restore-removals bound");
  ASSERT_TRUE(doc.apply(restore).is_ok());
  const Liveness& live = *doc.landscape().liveness(map);
  EXPECT_FALSE(live.removed());
  EXPECT_EQ(live.cancelled(), live.removals());
}

TEST(Admission, RemoveRules) {
  Document doc(kAuthor);
  const OpId map = doc.create_map("m").value;
  const pb::Op first = remove_op(doc, kAttacker, map);
  ASSERT_TRUE(admit(doc, first).is_ok());
  ASSERT_TRUE(doc.apply(first).is_ok());
  EXPECT_TRUE(admit(doc, first).is_ok());  // a resend: apply() acknowledges it
  expect_refused(admit(doc, remove_op(doc, kAttacker, map)), "already removed by replica 99");
  // Once its removal is cancelled, the replica may remove again.
  ASSERT_TRUE(doc.apply(restore_op(doc, kAttacker, map, {op_id(first)})).is_ok());
  EXPECT_TRUE(admit(doc, remove_op(doc, kAttacker, map)).is_ok());

  const AdmissionLimits bounds{.restore_removals = 2, .removals_in_force = 3};
  for (uint64_t replica = 10; replica < 13; ++replica) {
    const pb::Op op = remove_op(doc, replica, map);
    ASSERT_TRUE(admit(doc, op, bounds).is_ok());
    ASSERT_TRUE(doc.apply(op).is_ok());
  }
  expect_refused(admit(doc, remove_op(doc, 13, map), bounds), "removals-in-force bound");
  const std::vector<OpId> active = doc.landscape().liveness(map)->active_removals();
  expect_refused(admit(doc, restore_op(doc, kAuthor, map, active), bounds),
                 "restore-removals bound");
}

TEST(Liveness, CancelIgnoresWhatIsNotARemoval) {
  Liveness live;
  live.add_removal({5, 1});
  live.add_removal({3, 7});
  live.cancel(std::vector<OpId>{{9, 9}, {5, 1}, {5, 1}});
  EXPECT_EQ(live.cancelled(), std::vector<OpId>{OpId({5, 1})});
  EXPECT_TRUE(live.removed());
  EXPECT_EQ(live.active_count(), 1u);
  EXPECT_TRUE(live.removed_by(3));
  EXPECT_FALSE(live.removed_by(5));
  live.cancel({3, 7});
  EXPECT_FALSE(live.removed());
}

// ---- F5: the export ---------------------------------------------------------------

// The grouped export lists exactly what the per-map queries list.
TEST(HostileCost, ExportGroupsWhatThePerMapQueriesList) {
  std::mt19937_64 rng(5);
  Document doc(kAuthor);
  std::vector<OpId> maps, elements, drafts;
  for (int i = 0; i < 20; ++i) maps.push_back(doc.create_map("m").value);
  for (int i = 0; i < 400; ++i) {
    const OpId map = maps[rng() % maps.size()];
    elements.push_back(doc.create_element(map, {}).value);
    if (i % 3 == 0)
      doc.create_shape(map, pb::GEOMETRY_POLYLINE, [] {
        pb::ShapeFields f;
        for (int k = 0; k < 2; ++k) f.mutable_path()->add_points()->set_x(k);
        return f;
      }());
  }
  for (int i = 0; i < 600; ++i) {
    const OpId a = elements[rng() % elements.size()], b = elements[rng() % elements.size()];
    if (a != b) doc.create_connection(doc.landscape().element(a)->map, a, b, {});
  }
  for (int i = 0; i < 30; ++i) {
    drafts.push_back(doc.create_draft("d").value);
    doc.create_variant(drafts[rng() % drafts.size()], "v");
  }
  for (int i = 0; i < 80; ++i) doc.remove(elements[rng() % elements.size()]);
  for (int i = 0; i < 3; ++i) doc.remove(maps[rng() % maps.size()]);
  for (int i = 0; i < 5; ++i) doc.remove(drafts[rng() % drafts.size()]);

  const nlohmann::json json = doc.to_json();
  const auto ids = [](const nlohmann::json& list) {
    std::vector<std::string> out;
    for (const auto& item : list) out.push_back(item["id"]);
    return out;
  };
  const auto strs = [](const std::vector<OpId>& list) {
    std::vector<std::string> out;
    for (OpId id : list) out.push_back(id.str());
    return out;
  };
  const std::vector<OpId> live_maps = doc.landscape().maps();
  ASSERT_EQ(ids(json["maps"]), strs(live_maps));
  for (size_t i = 0; i < live_maps.size(); ++i) {
    const nlohmann::json& m = json["maps"][i];
    EXPECT_EQ(ids(m["elements"]), strs(doc.landscape().elements_of(live_maps[i])));
    EXPECT_EQ(ids(m["connections"]), strs(doc.landscape().connections_of(live_maps[i])));
    EXPECT_EQ(ids(m["shapes"]), strs(doc.landscape().shapes_of(live_maps[i])));
  }
  ASSERT_EQ(ids(json["drafts"]), strs(doc.drafts()));
  for (size_t i = 0; i < json["drafts"].size(); ++i)
    EXPECT_EQ(ids(json["drafts"][i]["variants"]), strs(doc.variants_of(doc.drafts()[i])));
}

// ---- honest editing ----------------------------------------------------------------

// Replicas edit a map and a draft concurrently, as the browser does (only
// what is visible), and send their ops through a server document that admits
// each before applying it.
TEST(Admission, HonestEditingIsAdmitted) {
  std::mt19937_64 rng(11);
  Document server(0);
  std::vector<Document> replicas;
  for (uint64_t r = 1; r <= 3; ++r) replicas.emplace_back(r);
  std::vector<pb::Op> log;
  std::vector<size_t> seen(replicas.size(), 0);
  size_t admitted = 0;
  auto sync = [&] {
    for (Document& d : replicas)
      for (pb::Op& op : d.take_outbox()) {
        const Status s = admit(server, op);
        ASSERT_TRUE(s.is_ok()) << s.str() << " for " << op.ShortDebugString();
        ASSERT_TRUE(server.apply(op).is_ok());
        log.push_back(std::move(op));
        ++admitted;
      }
    for (size_t r = 0; r < replicas.size(); ++r)
      for (; seen[r] < log.size(); ++seen[r]) replicas[r].apply(log[seen[r]]);
  };
  const OpId draft = replicas[0].create_draft("d").value;
  const OpId map = replicas[0].create_map("m").value;
  sync();
  for (int round = 0; round < 300; ++round) {
    for (Document& d : replicas) {
      const size_t length = d.text_length(draft);
      const int roll = static_cast<int>(rng() % 10);
      if (roll < 4) {
        d.insert_text(draft, rng() % (length + 1), rng() % 2 ? "word " : "é");
      } else if (roll < 6 && length > 0) {
        const size_t pos = rng() % length;
        d.delete_text(draft, pos, 1 + rng() % std::min<size_t>(4, length - pos));
      } else if (roll < 7) {
        d.create_element(map, {});
      } else if (roll < 8) {
        const std::vector<OpId> visible = d.landscape().elements_of(map);
        if (!visible.empty()) d.remove(visible[rng() % visible.size()]);
      } else if (roll < 9) {
        d.undo();
      } else {
        d.undo_checkpoint();
      }
    }
    if (rng() % 3 == 0) {
      ASSERT_NO_FATAL_FAILURE(sync());
    }
  }
  ASSERT_NO_FATAL_FAILURE(sync());
  EXPECT_GT(admitted, 500u);
}

}  // namespace
}  // namespace convene::crdt
