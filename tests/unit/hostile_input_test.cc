// Hostile input: mutated op bytes and corrupted snapshots must never crash,
// never break an invariant, and never change state unless accepted. (Run
// under ASan/UBSan by the test command, which makes "never crash" strict.)
#include <gtest/gtest.h>

#include <random>

#include "crdt/document.h"

namespace convene::crdt {
namespace {

// A small but varied document and the ops that built it.
struct Corpus {
  Document doc{7};
  std::vector<std::string> op_bytes;

  Corpus() {
    const OpId map = doc.create_map("m").value;
    pb::ElementFields f;
    f.set_kind(pb::ELEMENT_KIND_NETWORK);
    f.set_label("net");
    f.mutable_position()->set_x(1);
    f.mutable_position()->set_y(2);
    const OpId a = doc.create_element(map, f).value;
    const OpId b = doc.create_element(map, f).value;
    pb::ConnectionFields c;
    c.set_depth(2);
    const OpId conn = doc.create_connection(map, a, b, c).value;
    doc.set_perspective(conn, "strength", "p1", 3);
    pb::ShapeFields s;
    for (int i = 0; i < 3; ++i) {
      auto* p = s.mutable_path()->add_points();
      p->set_x(i);
      p->set_y(i * i);
    }
    doc.create_shape(map, pb::GEOMETRY_POLYGON, s);
    add_vocabulary(map, a, conn);
    const OpId d = doc.create_draft("d").value;
    doc.insert_text(d, 0, "hello 🌍 world");
    doc.undo_checkpoint();
    doc.delete_text(d, 2, 3);
    doc.create_variant(d, "v", d);
    doc.remove(a);
    for (const pb::Op& op : doc.take_outbox()) op_bytes.push_back(op.SerializeAsString());
  }

  // Every vocabulary op, so mutations reach their checks and references.
  void add_vocabulary(OpId map, OpId element, OpId connection) {
    doc.set_tag(element, "ally", true);
    doc.set_tag(connection, "funds", false);
    pb::FieldDefFields field;
    field.set_type(pb::FIELD_TYPE_CHOICE);
    field.mutable_choices()->add_values("a");
    const OpId f = doc.create_field(map, field).value;
    doc.update_field(f, field);
    doc.set_field_value(element, f, std::string("a"));
    doc.set_field_value(connection, f, 4.0);
    pb::KindFields kind;
    kind.set_base(pb::ELEMENT_KIND_PERSON);
    const OpId k = doc.create_kind(map, kind).value;
    doc.update_kind(k, kind);
    pb::ElementFields custom;
    k.to_pb(custom.mutable_custom_kind());
    custom.set_pinned(true);
    doc.update_element(element, custom);
    pb::StyleRuleFields rule;
    f.to_pb(rule.mutable_match()->mutable_field());
    rule.set_size(3);
    const OpId r = doc.create_style_rule(map, rule).value;
    doc.update_style_rule(r, rule);
    pb::ViewFields view;
    view.mutable_viewport()->set_zoom(4);
    k.to_pb(view.mutable_filter()->add_custom_kinds());
    element.to_pb(view.mutable_filter()->mutable_focus());
    view.mutable_filter()->set_focus_depth(2);
    connection.to_pb(view.mutable_filter()->add_highlights());
    const OpId v = doc.create_view(map, view).value;
    doc.update_view(v, view);
  }
};

std::string mutate(std::string bytes, std::mt19937_64& rng) {
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < edits && !bytes.empty(); ++i) {
    const size_t at = rng() % bytes.size();
    switch (rng() % 4) {
      case 0:
        bytes[at] = static_cast<char>(bytes[at] ^ (1 << (rng() % 8)));
        break;
      case 1:
        bytes[at] = static_cast<char>(rng());
        break;
      case 2:
        bytes.erase(at, 1 + rng() % 3);
        break;
      default:
        bytes.insert(at, 1, static_cast<char>(rng()));
        break;
    }
  }
  return bytes;
}

TEST(HostileInput, MutatedOpsNeverBreakAReplica) {
  const Corpus corpus;
  std::mt19937_64 rng(99);
  size_t accepted = 0, refused = 0, undecodable = 0;
  for (int round = 0; round < 300; ++round) {
    Document replica(8);
    for (const std::string& original : corpus.op_bytes) {
      const std::string bytes = rng() % 3 == 0 ? mutate(original, rng) : original;
      pb::Op op;
      if (!op.ParseFromString(bytes)) {
        ++undecodable;
        continue;
      }
      const uint64_t before = replica.state_hash();
      const Status s = replica.apply(op);
      if (s.is_ok()) {
        ++accepted;
      } else {
        ++refused;
        ASSERT_EQ(replica.state_hash(), before) << "a refused op changed state: " << s.str();
        ASSERT_FALSE(s.message().empty());
      }
      const Status inv = replica.check_invariants();
      ASSERT_TRUE(inv.is_ok()) << inv.str() << " after " << op.ShortDebugString();
    }
    // Whatever got in survives a snapshot round trip.
    auto again = Document::decode_snapshot(replica.encode_snapshot(), 9);
    ASSERT_TRUE(again.ok()) << again.status.str();
    ASSERT_EQ(again.value.state_hash(), replica.state_hash());
  }
  EXPECT_GT(accepted, 0u);
  EXPECT_GT(refused, 0u);
  EXPECT_GT(undecodable, 0u);
}

TEST(HostileInput, CorruptedSnapshotsAreRefusedOrSound) {
  const Corpus corpus;
  const std::string snapshot = corpus.doc.encode_snapshot();
  std::mt19937_64 rng(7);
  size_t refused = 0;
  for (int i = 0; i < 2000; ++i) {
    auto loaded = Document::decode_snapshot(mutate(snapshot, rng), 3);
    if (!loaded.ok()) {
      ++refused;
      EXPECT_EQ(loaded.status.code(), Status::Code::kCorrupt);
      continue;
    }
    const Status inv = loaded.value.check_invariants();
    ASSERT_TRUE(inv.is_ok()) << "accepted a snapshot with a broken invariant: " << inv.str();
  }
  EXPECT_GT(refused, 0u);
}

// The snapshot body is compressed, so mutated snapshot bytes mostly test
// zstd. This mutates the vocabulary's records (and the elements, which name
// custom kinds) in the uncompressed message.
TEST(HostileInput, CorruptedVocabularyRecordsAreRefusedOrSound) {
  const Corpus corpus;
  pb::Snapshot full;
  corpus.doc.landscape().encode(&full);
  pb::Snapshot records;
  *records.mutable_elements() = full.elements();
  *records.mutable_tags() = full.tags();
  *records.mutable_field_values() = full.field_values();
  *records.mutable_fields() = full.fields();
  *records.mutable_kinds() = full.kinds();
  *records.mutable_style_rules() = full.style_rules();
  *records.mutable_views() = full.views();
  const std::string bytes = records.SerializeAsString();
  std::mt19937_64 rng(11);
  size_t refused = 0, accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    pb::Snapshot mutated;
    if (!mutated.ParseFromString(mutate(bytes, rng))) continue;
    pb::Snapshot whole = full;  // maps and connections as they were
    *whole.mutable_elements() = mutated.elements();
    *whole.mutable_tags() = mutated.tags();
    *whole.mutable_field_values() = mutated.field_values();
    *whole.mutable_fields() = mutated.fields();
    *whole.mutable_kinds() = mutated.kinds();
    *whole.mutable_style_rules() = mutated.style_rules();
    *whole.mutable_views() = mutated.views();
    Landscape l;
    const Status s = l.decode(whole);
    if (!s.is_ok()) {
      ++refused;
      EXPECT_EQ(s.code(), Status::Code::kCorrupt);
      continue;
    }
    ++accepted;
    ASSERT_TRUE(l.check_invariants().is_ok()) << l.check_invariants().str();
    pb::Snapshot again;
    l.encode(&again);
    Landscape round;
    ASSERT_TRUE(round.decode(again).is_ok()) << "an accepted snapshot does not load again";
  }
  EXPECT_GT(refused, 0u);
  EXPECT_GT(accepted, 0u);
}

// The snapshot body is compressed, so mutated snapshot bytes mostly test
// zstd. This mutates the text columns themselves, the densest part.
TEST(HostileInput, CorruptedTextColumnsAreRefusedOrSound) {
  TextSequence seq;
  OpId l, r;
  seq.local_insert(0, {5, 1}, U"abcdef", &l, &r);
  std::vector<IdSpan> del;
  seq.local_delete(1, 2, &del);
  seq.local_insert(3, {6, 1}, U"XY", &l, &r);
  pb::TextColumns cols;
  seq.encode(&cols);
  std::mt19937_64 rng(3);
  size_t refused = 0;
  for (int i = 0; i < 2000; ++i) {
    pb::TextColumns bad;
    if (!bad.ParseFromString(mutate(cols.SerializeAsString(), rng))) continue;
    TextSequence t;
    const Status s = t.decode(bad);
    if (!s.is_ok()) {
      ++refused;
      continue;
    }
    ASSERT_TRUE(t.check_invariants().is_ok()) << t.check_invariants().str();
  }
  EXPECT_GT(refused, 0u);
}

}  // namespace
}  // namespace convene::crdt
