// Seeded random convergence: many replicas edit maps (their vocabulary
// included) and drafts at random,
// ops are delivered in random orders with duplicates and drops, replicas
// restart from snapshots, and in the end every replica must hold exactly the
// same state (canonical hash and JSON) with all invariants intact.
//
//   convene_convergence_tests                     # the CI seeds (1..1000)
//   convene_convergence_tests --seeds=100000      # a long run
//   convene_convergence_tests --seed=4242         # reproduce one seed
//   CONVENE_CONVERGENCE_SEEDS=N                   # same as --seeds=N
//
// A failing seed is printed in the failure message.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>

#include "crdt/causal_buffer.h"
#include "crdt/document.h"

namespace convene::crdt {
namespace {

uint64_t g_first_seed = 1;
uint64_t g_seed_count = 1000;

const char* const kSnippets[] = {"a", "convene ", "é", "😀", "e\u0301", "東京", "\n", "river"};
const char* const kTags[] = {"ally", "funding", "at risk", "café"};

class Simulation {
 public:
  explicit Simulation(uint64_t seed) : rng_(seed) {
    const int n = 5 + static_cast<int>(rng_() % 3);
    for (int i = 0; i < n; ++i) {
      Peer p;
      p.doc = Document(rng_() | 1);  // random, never 0
      peers_.push_back(std::move(p));
    }
  }

  // Runs the scenario; returns an empty string on success, else what failed.
  std::string run(int steps) {
    for (int step = 0; step < steps; ++step) {
      const int action = static_cast<int>(rng_() % 100);
      Peer& p = peers_[rng_() % peers_.size()];
      if (action < 45) {
        edit(p);
      } else if (action < 90) {
        deliver_some(p);
      } else if (action < 93) {
        restart(p);
      } else {
        p.doc.undo_checkpoint();
      }
      if (std::string e = check(p, step); !e.empty()) return e;
    }
    return settle();
  }

  // Ops of the map's vocabulary among all made (docs/crdt.md, "Vocabulary").
  size_t vocabulary_ops() const {
    return static_cast<size_t>(
        std::count_if(history_.begin(), history_.end(), Vocabulary::is_vocabulary_op));
  }

 private:
  struct Peer {
    Document doc;
    CausalBuffer buffer;
  };

  size_t pick(size_t n) { return rng_() % n; }
  bool chance(int percent) { return static_cast<int>(rng_() % 100) < percent; }

  template <class T>
  const T* pick_from(const std::vector<T>& v) {
    return v.empty() ? nullptr : &v[pick(v.size())];
  }

  void publish(Peer& p) {
    for (pb::Op& op : p.doc.take_outbox()) history_.push_back(std::move(op));
  }

  // Ops reach a peer in random order, some twice; what is not delivered now
  // (dropped) is delivered later, as a resend after reconnect would.
  void deliver_some(Peer& p) {
    if (history_.empty()) return;
    const size_t n = 1 + pick(8);
    for (size_t i = 0; i < n; ++i) {
      const pb::Op& op =
          history_[chance(70) ? history_.size() - 1 - pick(std::min<size_t>(history_.size(), 12))
                              : pick(history_.size())];
      p.buffer.deliver(p.doc, op);
    }
  }

  // A restart loses everything but what a snapshot holds (undo history and
  // held ops included); missing ops are delivered again later.
  void restart(Peer& p) {
    auto loaded = Document::decode_snapshot(p.doc.encode_snapshot(), p.doc.replica());
    if (!loaded.ok()) {
      failure_ = "snapshot did not load: " + loaded.status.str();
      return;
    }
    if (loaded.value.state_hash() != p.doc.state_hash()) failure_ = "snapshot changed the state";
    p.doc = std::move(loaded.value);
    p.buffer = CausalBuffer();
  }

  std::string check(Peer& p, int step) {
    if (!failure_.empty()) return failure_ + " at step " + std::to_string(step);
    const Status s = p.doc.check_invariants();
    if (!s.is_ok()) return "invariant broken at step " + std::to_string(step) + ": " + s.str();
    return "";
  }

  void edit(Peer& p) {
    Document& d = p.doc;
    const auto maps = d.landscape().maps();
    const auto drafts = d.drafts();
    const int kind = static_cast<int>(pick(100));
    if (maps.empty() || kind < 3) {
      d.create_map("map " + std::to_string(pick(100)));
    } else if (drafts.empty() || kind < 6) {
      d.create_draft("draft " + std::to_string(pick(100)));
    } else if (kind < 40) {
      edit_text(d, drafts);
    } else if (kind < 72) {
      edit_map(d, *pick_from(maps));
    } else if (kind < 85) {
      edit_vocabulary(d, *pick_from(maps));
    } else if (kind < 92) {
      (void)d.undo();
    } else if (kind < 96) {
      (void)d.redo();
    } else {
      remove_or_restore(d, maps, drafts);
    }
    publish(p);
  }

  void edit_text(Document& d, const std::vector<OpId>& drafts) {
    const OpId draft = *pick_from(drafts);
    const auto variants = d.variants_of(draft);
    if (variants.empty()) return;
    const OpId v = *pick_from(variants);
    const size_t len = d.text_length(v);
    if (chance(5)) {
      d.create_variant(draft, "variant", v);
    } else if (len > 0 && chance(35)) {
      const size_t pos = pick(len);
      d.delete_text(v, pos, 1 + pick(std::min<size_t>(len - pos, 6)));
    } else {
      const size_t pos = pick(len + 1);
      // Sometimes type a run at the same place, one character at a time.
      const int repeat = chance(30) ? 1 + static_cast<int>(pick(5)) : 1;
      for (int i = 0; i < repeat; ++i)
        d.insert_text(v, pos + i, kSnippets[pick(std::size(kSnippets))]);
    }
  }

  void edit_map(Document& d, OpId map) {
    const Landscape& l = d.landscape();
    const auto elements = l.elements_of(map);
    const auto connections = l.connections_of(map);
    const auto shapes = l.shapes_of(map);
    const int kind = static_cast<int>(pick(100));
    if (elements.size() < 2 || kind < 15) {
      pb::ElementFields f;
      f.set_kind(static_cast<pb::ElementKind>(1 + pick(7)));
      f.set_label("element " + std::to_string(pick(1000)));
      f.mutable_position()->set_x(static_cast<double>(pick(1000)));
      f.mutable_position()->set_y(static_cast<double>(pick(1000)));
      f.set_scale(static_cast<pb::ScaleLevel>(1 + pick(5)));
      d.create_element(map, f);
    } else if (kind < 45) {
      pb::ElementFields f;
      if (chance(60)) {
        f.mutable_position()->set_x(static_cast<double>(pick(1000)));
        f.mutable_position()->set_y(static_cast<double>(pick(1000)));
      }
      if (chance(30)) f.set_label("label " + std::to_string(pick(1000)));
      if (chance(20)) f.set_scale(static_cast<pb::ScaleLevel>(1 + pick(5)));
      if (chance(10)) f.set_self_of("participant-" + std::to_string(pick(5)));
      if (chance(10)) f.set_color("#" + std::to_string(100000 + pick(899999)));
      d.update_element(*pick_from(elements), f);
    } else if (kind < 60) {
      pb::ConnectionFields f;
      f.set_direction(static_cast<pb::Direction>(pick(3)));
      f.set_depth(static_cast<uint32_t>(1 + pick(3)));
      f.set_kind(static_cast<pb::ConnectionKind>(1 + pick(6)));
      d.create_connection(map, *pick_from(elements), *pick_from(elements), f);
    } else if (kind < 70 && !connections.empty()) {
      pb::ConnectionFields f;
      f.set_depth(static_cast<uint32_t>(1 + pick(3)));
      if (chance(50)) f.set_label("link " + std::to_string(pick(100)));
      d.update_connection(*pick_from(connections), f);
    } else if (kind < 80) {
      const bool on_connection = !connections.empty() && chance(40);
      const OpId target = on_connection ? *pick_from(connections) : *pick_from(elements);
      std::optional<double> value;
      if (chance(85)) value = static_cast<double>(pick(6));
      d.set_perspective(target, chance(70) ? "strength" : "importance",
                        "participant-" + std::to_string(pick(4)), value);
    } else if (kind < 88) {
      pb::ShapeFields f;
      const bool polygon = chance(50);
      for (int i = 0; i < (polygon ? 4 : 2); ++i) {
        auto* pt = f.mutable_path()->add_points();
        pt->set_x(static_cast<double>(pick(1000)));
        pt->set_y(static_cast<double>(pick(1000)));
      }
      f.set_type(static_cast<pb::BoundaryType>(1 + pick(7)));
      if (polygon && chance(50)) f.set_sphere_of("participant-" + std::to_string(pick(4)));
      d.create_shape(map, polygon ? pb::GEOMETRY_POLYGON : pb::GEOMETRY_POLYLINE, f);
    } else if (kind < 94 && !shapes.empty()) {
      pb::ShapeFields f;
      f.set_label("shape " + std::to_string(pick(100)));
      d.update_shape(*pick_from(shapes), f);
    } else {
      // Remove an element, connection or shape: hides its connections.
      std::vector<OpId> all = elements;
      all.insert(all.end(), connections.begin(), connections.end());
      all.insert(all.end(), shapes.begin(), shapes.end());
      d.remove(*pick_from(all));
    }
  }

  // One op of the map's vocabulary (docs/crdt.md, "Vocabulary"): few tags and
  // definitions, so that replicas write the same ones concurrently.
  void edit_vocabulary(Document& d, OpId map) {
    const Landscape& l = d.landscape();
    const auto elements = l.elements_of(map);
    std::vector<OpId> targets = elements;
    const auto connections = l.connections_of(map);
    targets.insert(targets.end(), connections.begin(), connections.end());
    const Vocabulary& v = l.vocabulary();
    const auto fields = v.definitions_of(map, DefinitionSort::kField);
    const auto kinds = v.definitions_of(map, DefinitionSort::kKind);
    const auto rules = v.definitions_of(map, DefinitionSort::kStyleRule);
    const auto views = v.definitions_of(map, DefinitionSort::kView);
    const int kind = static_cast<int>(pick(100));
    if (fields.empty() || kind < 8) {
      d.create_field(map, random_field());
    } else if (kinds.empty() || kind < 14) {
      pb::KindFields k;
      k.set_name("kind " + std::to_string(pick(10)));
      k.set_base(static_cast<pb::ElementKind>(pick(9)));
      d.create_kind(map, k);
    } else if (targets.empty()) {
      return;
    } else if (kind < 40) {
      d.set_tag(*pick_from(targets), kTags[pick(std::size(kTags))], chance(70));
    } else if (kind < 60) {
      d.set_field_value(*pick_from(targets), *pick_from(fields), random_value());
    } else if (kind < 66) {
      d.update_field(*pick_from(fields), random_field());
    } else if (kind < 72) {
      pb::KindFields k;
      if (chance(50)) k.set_color("#" + std::to_string(100000 + pick(899999)));
      if (chance(50)) k.set_base(static_cast<pb::ElementKind>(pick(9)));
      d.update_kind(*pick_from(kinds), k);
    } else if (kind < 80) {
      pb::ElementFields f;
      (chance(80) ? *pick_from(kinds) : OpId{}).to_pb(f.mutable_custom_kind());
      if (chance(30)) f.set_pinned(chance(50));
      d.update_element(*pick_from(elements), f);
    } else if (kind < 88) {
      if (rules.empty() || chance(40))
        d.create_style_rule(map, random_rule(fields, true));
      else
        d.update_style_rule(*pick_from(rules), random_rule(fields, chance(60)));
    } else if (kind < 95) {
      const auto view = random_view(elements, kinds);
      if (views.empty() || chance(40))
        d.create_view(map, view);
      else
        d.update_view(*pick_from(views), view);
    } else {
      std::vector<OpId> all = fields;
      for (const auto* more : {&kinds, &rules, &views})
        all.insert(all.end(), more->begin(), more->end());
      d.remove(*pick_from(all));
    }
  }

  pb::FieldDefFields random_field() {
    pb::FieldDefFields f;
    if (chance(70)) f.set_name("field " + std::to_string(pick(10)));
    if (chance(70)) f.set_type(static_cast<pb::FieldType>(pick(4)));
    if (chance(40))
      for (int i = 0, n = static_cast<int>(pick(4)); i < n; ++i)
        f.mutable_choices()->add_values("choice " + std::to_string(i));
    return f;
  }

  Document::FieldValueInput random_value() {
    const int roll = static_cast<int>(pick(10));
    if (roll < 4) return static_cast<double>(pick(20)) / 4;
    if (roll < 8) return std::string(kTags[pick(std::size(kTags))]);
    return {};
  }

  // A create needs a match; an update may leave it alone.
  pb::StyleRuleFields random_rule(const std::vector<OpId>& fields, bool match) {
    pb::StyleRuleFields r;
    if (match) {
      if (chance(50)) {
        r.mutable_match()->set_tag(kTags[pick(std::size(kTags))]);
      } else {
        pick_from(fields)->to_pb(r.mutable_match()->mutable_field());
        r.mutable_match()->set_value(std::to_string(pick(5)));
      }
    }
    if (chance(50)) r.set_size(0.25 * static_cast<double>(1 + pick(16)));
    if (chance(50)) r.set_order(static_cast<double>(pick(10)) - 5);
    if (chance(30)) r.set_color("#00" + std::to_string(1000 + pick(8999)));
    return r;
  }

  pb::ViewFields random_view(const std::vector<OpId>& elements, const std::vector<OpId>& kinds) {
    pb::ViewFields v;
    if (chance(50)) v.set_name("view " + std::to_string(pick(10)));
    if (chance(50)) v.mutable_viewport()->set_zoom(0.5 * static_cast<double>(1 + pick(8)));
    if (chance(60)) {
      pb::ViewFilter* f = v.mutable_filter();
      if (chance(50)) f->add_kinds(static_cast<pb::ElementKind>(pick(9)));
      if (chance(50)) pick_from(kinds)->to_pb(f->add_custom_kinds());
      if (chance(50)) f->add_tags(kTags[pick(std::size(kTags))]);
      if (!elements.empty() && chance(50)) {
        pick_from(elements)->to_pb(f->mutable_focus());
        f->set_focus_depth(static_cast<uint32_t>(1 + pick(3)));
      }
      if (!elements.empty() && chance(30)) pick_from(elements)->to_pb(f->add_highlights());
    }
    if (chance(40)) v.set_order(static_cast<double>(pick(10)));
    return v;
  }

  void remove_or_restore(Document& d, const std::vector<OpId>& maps,
                         const std::vector<OpId>& drafts) {
    // Restore something removed (as seen from the history), or remove a
    // map, draft or variant.
    if (chance(50) && !history_.empty()) {
      for (int tries = 0; tries < 5; ++tries) {
        const pb::Op& op = history_[pick(history_.size())];
        if (op.has_remove()) {
          (void)d.restore(OpId::from_pb(op.remove().target()));
          return;
        }
      }
    }
    if (chance(20) && maps.size() > 1) {
      d.remove(*pick_from(maps));
    } else if (chance(30) && drafts.size() > 1) {
      d.remove(*pick_from(drafts));
    } else if (!drafts.empty()) {
      const auto variants = d.variants_of(*pick_from(drafts));
      if (variants.size() > 1) d.remove(variants.back());
    }
  }

  // Delivers everything everywhere, in random orders, then compares.
  std::string settle() {
    for (Peer& p : peers_) {
      std::vector<size_t> order(history_.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::shuffle(order.begin(), order.end(), rng_);
      for (size_t i : order) {
        const Status s = p.buffer.deliver(p.doc, history_[i]);
        if (s.code() == Status::Code::kInvalid)
          return "a generated op was refused: " + s.str() + " op " + history_[i].ShortDebugString();
      }
      if (p.buffer.size() != 0)
        return "ops still held after delivering everything: " + std::to_string(p.buffer.size());
      if (Status s = p.doc.check_invariants(); !s.is_ok()) return "invariant broken: " + s.str();
    }
    const uint64_t hash = peers_[0].doc.state_hash();
    const auto json = peers_[0].doc.to_json();
    for (size_t i = 1; i < peers_.size(); ++i) {
      if (peers_[i].doc.to_json() != json)
        return "replica " + std::to_string(i) + " differs:\n" + peers_[i].doc.to_json().dump() +
               "\nvs\n" + json.dump();
      if (peers_[i].doc.state_hash() != hash)
        return "replica " + std::to_string(i) + " has the same visible state but a different " +
               "hash:\n" + peers_[i].doc.debug_string() + "\nvs\n" + peers_[0].doc.debug_string();
    }
    return "";
  }

  std::mt19937_64 rng_;
  std::vector<Peer> peers_;
  std::vector<pb::Op> history_;
  std::string failure_;
};

TEST(Convergence, RandomReplicasConverge) {
  size_t ops = 0, vocabulary_ops = 0;
  for (uint64_t seed = g_first_seed; seed < g_first_seed + g_seed_count; ++seed) {
    Simulation sim(seed);
    const std::string failure = sim.run(250);
    ASSERT_EQ(failure, "") << "seed " << seed
                           << " (reproduce: convene_convergence_tests --seed=" << seed << ")";
    ++ops;
    vocabulary_ops += sim.vocabulary_ops();
  }
  RecordProperty("seeds", static_cast<int>(ops));
  RecordProperty("vocabulary_ops", static_cast<int>(vocabulary_ops));
  EXPECT_GT(vocabulary_ops, 10 * g_seed_count) << "random sessions hardly touch the vocabulary";
}

}  // namespace
}  // namespace convene::crdt

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  using convene::crdt::g_first_seed;
  using convene::crdt::g_seed_count;
  if (const char* env = std::getenv("CONVENE_CONVERGENCE_SEEDS")) g_seed_count = std::stoull(env);
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--seeds=", 0) == 0) {
      g_seed_count = std::stoull(arg.substr(8));
    } else if (arg.rfind("--seed=", 0) == 0) {
      g_first_seed = std::stoull(arg.substr(7));
      g_seed_count = 1;
    } else if (arg.rfind("--first-seed=", 0) == 0) {
      g_first_seed = std::stoull(arg.substr(13));
    } else {
      std::fprintf(stderr, "unknown argument %s (use --seeds=N, --seed=S, --first-seed=S)\n",
                   arg.c_str());
      return 2;
    }
  }
  return RUN_ALL_TESTS();
}
