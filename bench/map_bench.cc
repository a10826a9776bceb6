// convene-bench map: many replicas updating one landscape map; with
// --hostile, the map-side inputs of the security review
// (docs/threat-model.md, F5 and F8) that cost far more than their size.
#include <google/protobuf/arena.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "bench_util.h"
#include "crdt/document.h"

namespace convene::bench {
namespace {

using crdt::Document;
using crdt::OpId;
namespace pb = crdt::pb;

struct MapParams {
  uint64_t elements, connections, updates, replicas, seed, repeat;
  uint64_t maps, drafts, removals;  // --hostile only
};

// Replica ids: the base document's author, and the update replicas after it.
constexpr uint64_t kBaseReplica = 1;
constexpr uint64_t kApplyReplica = 2;
constexpr uint64_t kFirstUpdateReplica = 100;

struct Base {
  Document doc;
  OpId map;
  std::vector<OpId> elements, connections;
};

// Records why a step failed; returns false for the caller to return.
bool fail(std::string& error, const char* what, const crdt::Status& s) {
  error = std::string(what) + ": " + s.str();
  return false;
}

bool build_base(const MapParams& p, std::mt19937_64& rng, Base& base, std::string& error) {
  Document doc(kBaseReplica);
  auto map = doc.create_map("bench");
  if (!map.ok()) return fail(error, "create_map", map.status);
  base.map = map.value;

  std::uniform_real_distribution<double> coord(-1000.0, 1000.0);
  std::uniform_int_distribution<int> kind(pb::ELEMENT_KIND_INSTITUTION, pb::ELEMENT_KIND_NOTE);
  std::uniform_int_distribution<int> scale(pb::SCALE_LEVEL_LOCAL, pb::SCALE_LEVEL_GLOBAL);
  std::uniform_int_distribution<int> direction(pb::DIRECTION_NONE, pb::DIRECTION_BOTH);
  std::uniform_int_distribution<int> ckind(pb::CONNECTION_KIND_COLLABORATION,
                                           pb::CONNECTION_KIND_INFORMATION);
  std::uniform_int_distribution<uint32_t> depth(1, 3);

  base.elements.reserve(p.elements);
  for (uint64_t i = 0; i < p.elements; ++i) {
    pb::ElementFields f;
    f.set_kind(static_cast<pb::ElementKind>(kind(rng)));
    f.set_label("element " + std::to_string(i));
    f.mutable_position()->set_x(coord(rng));
    f.mutable_position()->set_y(coord(rng));
    f.set_scale(static_cast<pb::ScaleLevel>(scale(rng)));
    auto e = doc.create_element(base.map, f);
    if (!e.ok()) return fail(error, "create_element", e.status);
    base.elements.push_back(e.value);
  }
  base.connections.reserve(p.connections);
  std::uniform_int_distribution<size_t> pick(0, base.elements.size() - 1);
  for (uint64_t i = 0; i < p.connections; ++i) {
    const size_t from = pick(rng);
    size_t to = pick(rng);
    while (to == from) to = pick(rng);
    pb::ConnectionFields f;
    f.set_direction(static_cast<pb::Direction>(direction(rng)));
    f.set_depth(depth(rng));
    f.set_kind(static_cast<pb::ConnectionKind>(ckind(rng)));
    auto c = doc.create_connection(base.map, base.elements[from], base.elements[to], f);
    if (!c.ok()) return fail(error, "create_connection", c.status);
    base.connections.push_back(c.value);
  }
  // The base is shared state, not part of the measurement: drop its outbox
  // and undo history (set_replica clears both) so copies stay small.
  doc.take_outbox();
  doc.set_replica(kApplyReplica);
  base.doc = std::move(doc);
  return true;
}

// One replica's random field updates, as the ops it would send.
bool make_updates(const Base& base, uint64_t replica, uint64_t count, std::mt19937_64& rng,
                  std::vector<pb::Op>& ops, std::string& error) {
  Document doc = base.doc;
  doc.set_replica(replica);
  std::uniform_int_distribution<size_t> element(0, base.elements.size() - 1);
  std::uniform_int_distribution<size_t> connection(
      0, base.connections.empty() ? 0 : base.connections.size() - 1);
  std::uniform_int_distribution<int> percent(0, 99);
  std::normal_distribution<double> step(0.0, 20.0);
  std::uniform_int_distribution<int> kind(pb::ELEMENT_KIND_INSTITUTION, pb::ELEMENT_KIND_NOTE);
  std::uniform_int_distribution<int> scale(pb::SCALE_LEVEL_LOCAL, pb::SCALE_LEVEL_GLOBAL);
  std::uniform_int_distribution<uint32_t> depth(1, 3);

  for (uint64_t i = 0; i < count; ++i) {
    const int roll = percent(rng);
    crdt::Status s;
    if (roll >= 92 && !base.connections.empty()) {  // 8%: connection depth
      pb::ConnectionFields f;
      f.set_depth(depth(rng));
      s = doc.update_connection(base.connections[connection(rng)], f);
    } else {
      const OpId target = base.elements[element(rng)];
      pb::ElementFields f;
      if (roll < 70 || roll >= 92) {  // 70%: a move
        const pb::Point& at = doc.landscape().element(target)->position.value;
        f.mutable_position()->set_x(at.x() + step(rng));
        f.mutable_position()->set_y(at.y() + step(rng));
      } else if (roll < 80) {  // 10%: a new label
        f.set_label("label " + std::to_string(replica) + "." + std::to_string(i));
      } else if (roll < 86) {  // 6%: level of scale
        f.set_scale(static_cast<pb::ScaleLevel>(scale(rng)));
      } else {  // 6%: kind
        f.set_kind(static_cast<pb::ElementKind>(kind(rng)));
      }
      s = doc.update_element(target, f);
    }
    if (!s.is_ok()) return fail(error, "update", s);
  }
  ops = doc.take_outbox();
  return true;
}

// The ops as a server would receive them: one op of each replica in turn,
// in frames of kFrameOps ops, each frame an encoded OpBatch.
constexpr size_t kFrameOps = 256;

std::vector<std::string> round_robin_frames(const std::vector<std::vector<pb::Op>>& ops) {
  std::vector<std::string> frames;
  pb::OpBatch frame;
  size_t longest = 0;
  for (const auto& r : ops) longest = std::max(longest, r.size());
  for (size_t i = 0; i < longest; ++i) {
    for (const auto& r : ops) {
      if (i >= r.size()) continue;
      *frame.add_ops() = r[i];
      if (static_cast<size_t>(frame.ops_size()) == kFrameOps) {
        frames.push_back(frame.SerializeAsString());
        frame.Clear();
      }
    }
  }
  if (frame.ops_size() > 0) frames.push_back(frame.SerializeAsString());
  return frames;
}

// Decodes frames into one arena, as a connection's read loop would: the ops
// of a frame sit together in memory.
std::vector<pb::OpBatch*> decode_frames(const std::vector<std::string>& frames,
                                        google::protobuf::Arena& arena) {
  std::vector<pb::OpBatch*> out;
  out.reserve(frames.size());
  for (const std::string& f : frames) {
    auto* batch = google::protobuf::Arena::CreateMessage<pb::OpBatch>(&arena);
    batch->ParseFromString(f);
    out.push_back(batch);
  }
  return out;
}

bool apply_frames(Document& doc, const std::vector<pb::OpBatch*>& frames, std::string& error) {
  for (const pb::OpBatch* frame : frames)
    for (const pb::Op& op : frame->ops())
      if (auto s = doc.apply(op); !s.is_ok()) return fail(error, "apply", s);
  return true;
}

uint64_t per_second(uint64_t count, double ms) {
  return ms > 0 ? static_cast<uint64_t>(std::llround(count / (ms / 1000.0))) : 0;
}

// Applies them in a random interleaving that keeps each replica's order.
bool apply_shuffled(Document& doc, const std::vector<std::vector<pb::Op>>& ops, uint64_t seed,
                    std::string& error) {
  std::mt19937_64 rng(seed);
  std::vector<size_t> next(ops.size(), 0);
  std::vector<size_t> active;
  for (size_t r = 0; r < ops.size(); ++r)
    if (!ops[r].empty()) active.push_back(r);
  while (!active.empty()) {
    const size_t k = std::uniform_int_distribution<size_t>(0, active.size() - 1)(rng);
    const size_t r = active[k];
    if (auto s = doc.apply(ops[r][next[r]]); !s.is_ok()) return fail(error, "apply", s);
    if (++next[r] == ops[r].size()) {
      active[k] = active.back();
      active.pop_back();
    }
  }
  return true;
}

// ---- --hostile ------------------------------------------------------------

constexpr uint64_t kAttacker = 99;

// F5: `maps` maps (elements on the first), `drafts` drafts; times the export.
double export_ms(const MapParams& p, uint64_t* hash, size_t* bytes) {
  Document doc(kBaseReplica);
  std::vector<OpId> maps;
  for (uint64_t i = 0; i < p.maps; ++i) maps.push_back(doc.create_map("m").value);
  pb::ElementFields f;
  f.set_label("e");
  for (uint64_t i = 0; i < p.elements; ++i) doc.create_element(maps.front(), f);
  for (uint64_t i = 0; i < p.drafts; ++i) doc.create_draft("d");
  doc.take_outbox();
  doc.set_replica(kApplyReplica);
  const auto start = Clock::now();
  const std::string json = doc.to_json().dump();
  const double ms = ms_since(start);
  *hash = doc.state_hash();
  *bytes = json.size();
  return ms;
}

pb::Op attacker_op(uint64_t counter) {
  pb::Op op;
  op.set_replica(kAttacker);
  op.set_counter(counter);
  op.set_lamport(counter);
  return op;
}

struct RemovalTimes {
  double removes_ms = 0, restore_ms = 0, visible_checks_ms = 0;
  uint64_t hash = 0;
  bool ok = true;
};

// F8: `removals` Removes of one map, then one Restore listing them in
// descending order; then a thousand visibility checks of the map.
RemovalTimes removals(const MapParams& p) {
  Document doc(kBaseReplica);
  const OpId map = doc.create_map("m").value;
  doc.take_outbox();
  std::vector<pb::Op> ops;
  pb::Op restore = attacker_op(p.removals + 1);
  map.to_pb(restore.mutable_restore()->mutable_target());
  for (uint64_t i = 1; i <= p.removals; ++i) {
    ops.push_back(attacker_op(i));
    map.to_pb(ops.back().mutable_remove()->mutable_target());
    OpId{kAttacker, p.removals + 1 - i}.to_pb(restore.mutable_restore()->add_removals());
  }
  RemovalTimes t;
  auto start = Clock::now();
  for (const pb::Op& op : ops) t.ok = t.ok && doc.apply(op).is_ok();
  t.removes_ms = ms_since(start);
  start = Clock::now();
  t.ok = t.ok && doc.apply(restore).is_ok();
  t.restore_ms = ms_since(start);
  start = Clock::now();
  size_t visible = 0;
  for (int i = 0; i < 1000; ++i) visible += doc.landscape().map_visible(map);
  t.visible_checks_ms = ms_since(start);
  t.ok = t.ok && visible == 1000;
  t.hash = doc.state_hash();
  return t;
}

int run_hostile(const MapParams& p, bool json) {
  std::vector<double> export_times, removes, restores, checks;
  uint64_t export_hash = 0;
  size_t json_bytes = 0;
  RemovalTimes r;
  for (uint64_t i = 0; i < p.repeat && r.ok; ++i) {
    export_times.push_back(export_ms(p, &export_hash, &json_bytes));
    r = removals(p);
    removes.push_back(r.removes_ms);
    restores.push_back(r.restore_ms);
    checks.push_back(r.visible_checks_ms);
  }
  nlohmann::ordered_json out;
  out["maps"] = p.maps;
  out["elements"] = p.elements;
  out["drafts"] = p.drafts;
  out["export_ms"] = round_to(median(export_times), 3);
  out["export_bytes"] = json_bytes;
  out["removals"] = p.removals;
  out["removes_apply_ms"] = round_to(median(removes), 3);
  out["restore_apply_ms"] = round_to(median(restores), 3);
  out["visible_checks_ms"] = round_to(median(checks), 3);
  out["state_hashes"] = {export_hash, r.hash};
  out["ok"] = r.ok;
  out["peak_rss_mb"] = round_to(peak_rss_mb(), 1);
  out["repeat"] = export_times.size();
  if (json) {
    std::cout << out.dump() << "\n";
  } else {
    std::printf("map --hostile: export of many maps and drafts, a long Restore%s\n",
                p.repeat > 1 ? "; timings are medians" : "");
    print_fields(out, 24);
  }
  if (!r.ok) {
    std::cerr << "convene-bench map: a Remove or the Restore was refused\n";
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace

int run_map(int argc, char** argv) {
  Flags flags;
  flags.value("elements", "10000")
      .value("connections", "20000")
      .value("updates", "1000000")
      .value("replicas", "20")
      .value("seed", "1")
      .value("repeat", "1")
      .toggle("json")
      .toggle("hostile")
      .value("maps", "20000")
      .value("drafts", "5000")
      .value("removals", "60000");
  std::string error;
  if (!flags.parse(argc, argv, 2, &error)) {
    std::cerr << "convene-bench map: " << error << "; see --help\n";
    return kExitUsage;
  }
  MapParams p{};
  struct {
    const char* name;
    uint64_t* out;
    uint64_t min, max;
  } numeric[] = {
      {"elements", &p.elements, 2, 10'000'000},  {"connections", &p.connections, 0, 100'000'000},
      {"updates", &p.updates, 0, 1'000'000'000}, {"replicas", &p.replicas, 1, 100'000},
      {"seed", &p.seed, 0, UINT64_MAX},          {"repeat", &p.repeat, 1, 1000},
      {"maps", &p.maps, 1, 10'000'000},          {"drafts", &p.drafts, 0, 10'000'000},
      {"removals", &p.removals, 1, 10'000'000},
  };
  for (auto& n : numeric) {
    auto v = flags.number(n.name, n.min, n.max, &error);
    if (!v) {
      std::cerr << "convene-bench map: " << error << "\n";
      return kExitUsage;
    }
    *n.out = *v;
  }
  if (flags.on("hostile")) return run_hostile(p, flags.on("json"));

  std::mt19937_64 rng(p.seed);
  Base base;
  bool ok = build_base(p, rng, base, error);

  std::vector<std::vector<pb::Op>> ops(p.replicas);
  double generate_ms = 0;
  uint64_t op_count = 0;
  if (ok) {
    const auto start = Clock::now();
    for (uint64_t r = 0; r < p.replicas && ok; ++r) {
      const uint64_t count = p.updates / p.replicas + (r < p.updates % p.replicas ? 1 : 0);
      ok = make_updates(base, kFirstUpdateReplica + r, count, rng, ops[r], error);
      op_count += ops[r].size();
    }
    generate_ms = ms_since(start);
  }

  const std::vector<std::string> frames = ok ? round_robin_frames(ops) : std::vector<std::string>{};

  // The other interleaving first: it needs the ops as messages, which are
  // then freed, so the timed runs hold only the frames and one decoded copy.
  uint64_t shuffled_hash = 0;
  if (ok) {
    Document doc = base.doc;
    ok = apply_shuffled(doc, ops, p.seed + 1, error);
    shuffled_hash = doc.state_hash();
  }
  std::vector<std::vector<pb::Op>>().swap(ops);

  std::vector<double> apply_ms, decode_ms;
  size_t snapshot_bytes = 0;
  uint64_t round_robin_hash = 0;
  for (uint64_t i = 0; i < p.repeat && ok; ++i) {
    Document doc = base.doc;
    google::protobuf::Arena arena;
    auto start = Clock::now();
    const std::vector<pb::OpBatch*> decoded = decode_frames(frames, arena);
    decode_ms.push_back(ms_since(start));
    start = Clock::now();
    ok = apply_frames(doc, decoded, error);
    apply_ms.push_back(ms_since(start));
    if (ok && i == 0) {
      snapshot_bytes = doc.encode_snapshot().size();
      round_robin_hash = doc.state_hash();
    }
  }

  const bool converged = ok && round_robin_hash == shuffled_hash;
  if (ok && !converged) error = "the two interleavings reached different states";

  const double median_ms = median(apply_ms);
  nlohmann::ordered_json out;
  out["updates"] = op_count;
  out["elements"] = p.elements;
  out["connections"] = p.connections;
  out["replicas"] = p.replicas;
  out["seed"] = p.seed;
  out["generate_ms"] = round_to(generate_ms, 3);
  const double median_decode_ms = median(decode_ms);
  out["decode_ms"] = round_to(median_decode_ms, 3);
  out["apply_ms"] = round_to(median_ms, 3);
  out["ops_per_sec"] = per_second(op_count, median_ms);
  const double total_ms = median_ms + median_decode_ms;
  out["decode_and_apply_ops_per_sec"] = per_second(op_count, total_ms);
  out["snapshot_bytes"] = snapshot_bytes;
  out["converged"] = converged;
  out["peak_rss_mb"] = round_to(peak_rss_mb(), 1);
  out["repeat"] = apply_ms.size();
  if (!converged) out["error"] = error;

  if (flags.on("json")) {
    std::cout << out.dump() << "\n";
  } else {
    std::printf("map: %llu replicas updating one map%s\n",
                static_cast<unsigned long long>(p.replicas),
                p.repeat > 1 ? ", timings are medians" : "");
    print_fields(out, 30);
  }
  if (!converged) {
    std::cerr << "convene-bench map: " << error << "\n";
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace convene::bench
