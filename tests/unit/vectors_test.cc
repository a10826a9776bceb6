// Conformance vectors (tests/vectors/*.json, format in tests/vectors/README.md):
// ops in their wire encoding, delivery orders, the status each delivery must
// get and the canonical state every order must reach. The C++ library writes
// them; the browser client's CRDT replays the same files.
//
// Two tests:
// - Replay: every committed file replays here to exactly its expectations.
// - Stable: regenerating the vectors gives byte-identical files, so a change
//   of behaviour or encoding cannot slip by. To accept an intended change:
//     CONVENE_UPDATE_VECTORS=1 ./build/convene_unit_tests --gtest_filter='Vectors.*'
#include "vectors.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>

#include "crdt/document.h"
#include "support/paths.h"

namespace convene::crdt {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr int kFormat = 1;

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

bool unhex(const std::string& text, std::string* out) {
  if (text.size() % 2) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  out->clear();
  for (size_t i = 0; i < text.size(); i += 2) {
    const int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi << 4 | lo));
  }
  return true;
}

const char* status_name(Status::Code code) {
  switch (code) {
    case Status::Code::kOk:
      return "ok";
    case Status::Code::kDuplicate:
      return "duplicate";
    case Status::Code::kMissingDependency:
      return "missing";
    case Status::Code::kInvalid:
      return "invalid";
    case Status::Code::kCorrupt:
      return "corrupt";
  }
  return "?";
}

// ---- the scenarios ------------------------------------------------------------------

Vector maps_every_op() {
  Vector v{"map-every-op",
           "One replica uses every map op: maps, each element kind and field, "
           "connections, boundaries, regions, perspectives, remove and restore."};
  Document a(11);
  const OpId map = a.create_map("River basin").value;
  a.rename(map, "River basin landscape");
  std::vector<OpId> els;
  const pb::ElementKind kinds[] = {pb::ELEMENT_KIND_INSTITUTION, pb::ELEMENT_KIND_PROJECT,
                                   pb::ELEMENT_KIND_COMMUNITY,   pb::ELEMENT_KIND_NETWORK,
                                   pb::ELEMENT_KIND_PERSON,      pb::ELEMENT_KIND_PRACTICE,
                                   pb::ELEMENT_KIND_ARTIFACT,    pb::ELEMENT_KIND_NOTE};
  for (int i = 0; i < 8; ++i)
    els.push_back(a.create_element(map, element(kinds[i], "element " + std::to_string(i), i * 100.5,
                                                -i * 20.25, static_cast<pb::ScaleLevel>(1 + i % 5)))
                      .value);
  pb::ElementFields all;
  all.set_kind(pb::ELEMENT_KIND_COMMUNITY);
  all.set_label("Water guardians");
  all.set_notes("Meets monthly.\nOpportunity: shared data.");
  all.mutable_position()->set_x(12.5);
  all.mutable_position()->set_y(-7);
  all.set_scale(pb::SCALE_LEVEL_REGIONAL);
  all.set_color("#2a9d8f");
  all.set_shape("hexagon");
  all.set_self_of("participant-ana");
  a.update_element(els[2], all);
  pb::ConnectionFields cf;
  cf.set_direction(pb::DIRECTION_FORWARD);
  cf.set_depth(3);
  cf.set_kind(pb::CONNECTION_KIND_FUNDING);
  cf.set_label("grants");
  const OpId c1 = a.create_connection(map, els[0], els[1], cf).value;
  pb::ConnectionFields both;
  both.set_direction(pb::DIRECTION_BOTH);
  a.create_connection(map, els[2], els[3], both);
  pb::ConnectionFields upd;
  upd.set_depth(2);
  upd.set_kind(pb::CONNECTION_KIND_POWER);
  a.update_connection(c1, upd);
  pb::ShapeFields line;
  for (auto [x, y] : {std::pair{0.0, 0.0}, {50.0, 80.0}, {100.0, 90.0}}) {
    auto* p = line.mutable_path()->add_points();
    p->set_x(x);
    p->set_y(y);
  }
  line.set_type(pb::BOUNDARY_TYPE_DISCIPLINARY);
  line.set_label("engineering | ecology");
  a.create_shape(map, pb::GEOMETRY_POLYLINE, line);
  pb::ShapeFields region;
  for (auto [x, y] : {std::pair{-10.0, -10.0}, {200.0, -10.0}, {200.0, 150.0}, {-10.0, 150.0}}) {
    auto* p = region.mutable_path()->add_points();
    p->set_x(x);
    p->set_y(y);
  }
  region.set_label("Ana's sphere of influence");
  region.set_sphere_of("participant-ana");
  const OpId sphere = a.create_shape(map, pb::GEOMETRY_POLYGON, region).value;
  pb::ShapeFields relabel;
  relabel.set_type(pb::BOUNDARY_TYPE_SOCIAL);
  a.update_shape(sphere, relabel);
  a.set_perspective(c1, "strength", "participant-ana", 4);
  a.set_perspective(c1, "strength", "participant-ben", 1.5);
  a.set_perspective(els[0], "influence", "participant-ana", 5);
  a.set_perspective(els[0], "influence", "participant-ana", std::nullopt);  // withdrawn
  a.remove(els[7]);
  a.remove(els[6]);
  a.restore(els[6]);
  a.create_map("Second map");
  v.take(a);
  v.in_order();
  return v;
}

Vector map_concurrent_lww() {
  Vector v{"map-concurrent-lww",
           "Two replicas move and relabel the same element concurrently; the write with the "
           "higher (lamport, replica) wins in every delivery order."};
  Document a(21), b(22);
  const OpId map = a.create_map("m").value;
  const OpId e =
      a.create_element(map, element(pb::ELEMENT_KIND_PERSON, "Ana", 0, 0, pb::SCALE_LEVEL_LOCAL))
          .value;
  const auto base = v.take(a);
  for (size_t i : base) b.apply(v.ops[i]);
  pb::ElementFields fa, fb;
  fa.mutable_position()->set_x(10);
  fa.mutable_position()->set_y(10);
  fa.set_label("Ana (facilitator)");
  fb.mutable_position()->set_x(-5);
  fb.mutable_position()->set_y(3);
  a.update_element(e, fa);
  b.update_element(e, fb);
  pb::ElementFields scale;
  scale.set_scale(pb::SCALE_LEVEL_NATIONAL);
  b.update_element(e, scale);
  const auto from_a = v.take(a);
  const auto from_b = v.take(b);
  v.orders = {concat({base, from_a, from_b}), concat({base, from_b, from_a})};
  return v;
}

Vector map_remove_wins() {
  Vector v{"map-remove-wins",
           "An element is removed while another replica updates it; removal wins in both "
           "orders, a late update does not bring it back, and a restore cancels only the "
           "removals its author had seen (a concurrent removal still holds)."};
  Document a(31), b(32), c(33);
  const OpId map = a.create_map("m").value;
  const OpId e = a.create_element(map, element(pb::ELEMENT_KIND_PROJECT, "Pilot", 1, 2,
                                               pb::SCALE_LEVEL_REGIONAL))
                     .value;
  const OpId f = a.create_element(
                      map, element(pb::ELEMENT_KIND_PROJECT, "Survey", 3, 4, pb::SCALE_LEVEL_LOCAL))
                     .value;
  const auto base = v.take(a);
  for (size_t i : base) b.apply(v.ops[i]), c.apply(v.ops[i]);
  a.remove(e);
  pb::ElementFields late;
  late.set_label("Pilot, phase 2");
  b.update_element(e, late);
  a.remove(f);
  a.restore(f);  // a restores its own removal of f...
  c.remove(f);   // ...while c removes f concurrently: f stays removed
  const auto from_a = v.take(a);
  const auto from_b = v.take(b);
  const auto from_c = v.take(c);
  v.orders = {concat({base, from_a, from_b, from_c}), concat({base, from_b, from_c, from_a}),
              concat({base, from_c, from_a, from_b})};
  return v;
}

Vector map_hidden_connections() {
  Vector v{"map-hidden-connections",
           "A connection whose end is removed is hidden, never dangling, and shows again when "
           "the end is restored; removing a map hides everything on it."};
  Document a(41), b(42);
  const OpId map = a.create_map("m").value;
  const OpId x =
      a.create_element(map, element(pb::ELEMENT_KIND_NETWORK, "Net", 0, 0, pb::SCALE_LEVEL_GLOBAL))
          .value;
  const OpId y = a.create_element(map, element(pb::ELEMENT_KIND_INSTITUTION, "Uni", 5, 5,
                                               pb::SCALE_LEVEL_NATIONAL))
                     .value;
  const OpId z =
      a.create_element(map, element(pb::ELEMENT_KIND_PERSON, "Kim", 9, 1, pb::SCALE_LEVEL_LOCAL))
          .value;
  pb::ConnectionFields cf;
  cf.set_kind(pb::CONNECTION_KIND_INFORMATION);
  a.create_connection(map, x, y, cf);
  a.create_connection(map, y, z, cf);
  const auto base = v.take(a);
  for (size_t i : base) b.apply(v.ops[i]);
  b.undo_checkpoint();
  b.remove(y);  // hides both connections
  const auto removed = v.take(b);
  b.undo();  // restores y: the connections are back
  const auto restored = v.take(b);
  const OpId map2 = a.create_map("other").value;
  a.create_element(
      map2, element(pb::ELEMENT_KIND_ARTIFACT, "Report", 0, 0, pb::SCALE_LEVEL_ORGANISATIONAL));
  a.remove(map2);
  const auto other = v.take(a);
  // All orders must end equal, so every order delivers every op.
  v.orders = {concat({base, removed, restored, other}), concat({base, other, removed, restored})};
  return v;
}

Vector perspectives_disagreement() {
  Vector v{"perspectives-disagreement",
           "Three participants rate the same connection and element concurrently; values stay "
           "side by side and the aggregate (count, mean, min, max, spread) shows disagreement."};
  Document a(51), b(52), c(53);
  const OpId map = a.create_map("m").value;
  const OpId p = a.create_element(map, element(pb::ELEMENT_KIND_INSTITUTION, "Ministry", 0, 0,
                                               pb::SCALE_LEVEL_NATIONAL))
                     .value;
  const OpId q = a.create_element(map, element(pb::ELEMENT_KIND_COMMUNITY, "Farmers", 4, 4,
                                               pb::SCALE_LEVEL_LOCAL))
                     .value;
  pb::ConnectionFields cf;
  cf.set_kind(pb::CONNECTION_KIND_POWER);
  cf.set_direction(pb::DIRECTION_FORWARD);
  const OpId conn = a.create_connection(map, p, q, cf).value;
  const auto base = v.take(a);
  for (size_t i : base) b.apply(v.ops[i]), c.apply(v.ops[i]);
  a.set_perspective(conn, "strength", "ana", 5);
  b.set_perspective(conn, "strength", "ben", 1);
  c.set_perspective(conn, "strength", "chen", 3);
  c.set_perspective(p, "importance", "chen", 2);
  b.set_perspective(p, "importance", "ben", 4);
  b.set_perspective(p, "importance", "ben", 3.5);  // changes own mind
  const auto ra = v.take(a), rb = v.take(b), rc = v.take(c);
  v.orders = {concat({base, ra, rb, rc}), concat({base, rc, rb, ra})};
  return v;
}

Vector drafts_and_variants() {
  Vector v{"drafts-variants",
           "Drafts with variants per audience: a variant copied from another's current text, "
           "renames, a removed variant, a removed draft."};
  Document a(61), b(62);
  const OpId d = a.create_draft("Convening call").value;
  a.insert_text(d, 0, "We invite everyone who cares for the river.");
  const OpId controlled = a.create_variant(d, "for the controlled", d).value;
  const auto base = v.take(a);
  for (size_t i : base) b.apply(v.ops[i]);
  a.insert_text(controlled, 0, "Dear neighbours, ");
  b.rename(d, "Call: river basin");
  const OpId controllers = b.create_variant(d, "for the controllers", d).value;
  b.insert_text(controllers, b.text_length(controllers), " Your budget decides.");
  const OpId scratch = b.create_variant(d, "scratch").value;
  b.remove(scratch);
  const OpId gone = a.create_draft("abandoned").value;
  a.remove(gone);
  const auto ra = v.take(a), rb = v.take(b);
  v.orders = {concat({base, ra, rb}), concat({base, rb, ra})};
  return v;
}

Vector text_concurrent_typing() {
  Vector v{"text-concurrent-typing",
           "Two replicas type words at the same place, character by character, and a third "
           "types backwards at the start; nothing interleaves in any order."};
  Document a(71), b(72), c(73);
  const OpId d = a.create_draft("d").value;
  a.insert_text(d, 0, "[]");
  const auto base = v.take(a);
  for (size_t i : base) b.apply(v.ops[i]), c.apply(v.ops[i]);
  // Each keystroke is sent alone, as a slow typist's would be.
  std::vector<size_t> ra, rb, rc;
  for (char ch : std::string("hello")) {
    a.insert_text(d, a.text_length(d) - 1, std::string(1, ch));
    const auto k = v.take(a);
    ra.insert(ra.end(), k.begin(), k.end());
  }
  for (char ch : std::string("world")) {
    b.insert_text(d, b.text_length(d) - 1, std::string(1, ch));
    const auto k = v.take(b);
    rb.insert(rb.end(), k.begin(), k.end());
  }
  for (char ch : std::string("cba")) {
    c.insert_text(d, 0, std::string(1, ch));
    const auto k = v.take(c);
    rc.insert(rc.end(), k.begin(), k.end());
  }
  // Interleave keystrokes of a and b one by one, too.
  std::vector<size_t> zipped = base;
  for (size_t i = 0; i < 5; ++i) zipped.push_back(rb[i]), zipped.push_back(ra[i]);
  zipped.insert(zipped.end(), rc.begin(), rc.end());
  v.orders = {concat({base, ra, rb, rc}), concat({base, rc, rb, ra}), zipped};
  return v;
}

Vector text_siblings_and_tombstones() {
  Vector v{"text-siblings-tombstones",
           "Concurrent inserts at the same position order by replica id; an insert next to "
           "text another replica deleted concurrently lands where it was meant to; deletes of "
           "the same text from two replicas are idempotent."};
  Document a(81), b(82), c(83);
  const OpId d = a.create_draft("d").value;
  a.insert_text(d, 0, "abcdefgh");
  const auto base = v.take(a);
  for (size_t i : base) b.apply(v.ops[i]), c.apply(v.ops[i]);
  a.insert_text(d, 4, "A");
  b.insert_text(d, 4, "B");
  c.insert_text(d, 4, "C");
  a.delete_text(d, 2, 4);    // "cd" + "A" + "ef" ... a's view: "abcdAefgh" -> deletes c,d,A,e
  b.delete_text(d, 3, 3);    // b's view: "abcdBefgh" -> deletes d,B,e
  c.insert_text(d, 7, "!");  // inside text the others delete
  const auto ra = v.take(a), rb = v.take(b), rc = v.take(c);
  v.orders = {concat({base, ra, rb, rc}), concat({base, rc, rb, ra}), concat({base, rb, rc, ra})};
  return v;
}

Vector text_unicode() {
  Vector v{"text-unicode",
           "Positions count code points: emoji (astral plane), ZWJ sequences, combining marks "
           "and CJK, edited in the middle and concurrently."};
  Document a(91), b(92);
  const OpId d = a.create_draft("d").value;
  a.insert_text(d, 0,
                "e\u0301t\u00e9 \U0001F30A\U0001F331 \u6771\u4EAC \U0001F468\u200D\U0001F469");
  const auto base = v.take(a);
  for (size_t i : base) b.apply(v.ops[i]);
  a.delete_text(d, 1, 1);             // the combining acute accent alone
  a.insert_text(d, 5, "\U0001F41F");  // between the two emoji
  b.insert_text(d, 9, "\u90FD");      // after the CJK pair
  b.delete_text(d, 11, 1);            // the ZWJ
  const auto ra = v.take(a), rb = v.take(b);
  v.orders = {concat({base, ra, rb}), concat({base, rb, ra})};
  return v;
}

Vector undo_redo() {
  Vector v{"undo-redo",
           "Undo and redo emit ordinary ops: undo of typing deletes it, undo of a delete "
           "re-inserts the text as new characters, undo of a move restores the old position, "
           "undo of a removal restores the element."};
  Document a(101);
  const OpId d = a.create_draft("d").value;
  const OpId map = a.create_map("m").value;
  const OpId e =
      a.create_element(map, element(pb::ELEMENT_KIND_PERSON, "Lee", 1, 1, pb::SCALE_LEVEL_LOCAL))
          .value;
  a.undo_checkpoint();
  a.insert_text(d, 0, "Hello world");
  a.undo_checkpoint();
  a.delete_text(d, 0, 6);
  a.undo_checkpoint();
  pb::ElementFields move;
  move.mutable_position()->set_x(50);
  move.mutable_position()->set_y(60);
  a.update_element(e, move);
  a.undo_checkpoint();
  a.remove(e);
  a.undo_checkpoint();
  a.undo();  // element back
  a.undo();  // position back
  a.undo();  // "Hello " back
  a.redo();  // "Hello " deleted again
  a.undo();  // and back
  v.take(a);
  v.in_order();
  return v;
}

Vector rejects() {
  Vector v{"rejects",
           "Bad ops are refused with the right status and change nothing: invalid UTF-8, "
           "empty insert, unknown enum value, depth out of range, reference of the wrong type, "
           "a counter that skips ahead, a duplicate."};
  Document a(111);
  const OpId d = a.create_draft("d").value;
  const OpId map = a.create_map("m").value;
  const OpId e =
      a.create_element(map, element(pb::ELEMENT_KIND_PERSON, "P", 0, 0, pb::SCALE_LEVEL_LOCAL))
          .value;
  a.insert_text(d, 0, "ok");
  v.take(a);
  const uint64_t next = a.version().last(111) + 1;
  auto op = [&](uint64_t counter) {
    pb::Op o;
    o.set_replica(111);
    o.set_counter(counter);
    o.set_lamport(counter);
    return o;
  };
  pb::Op bad_utf8 = op(next);
  d.to_pb(bad_utf8.mutable_text_insert()->mutable_variant());
  bad_utf8.mutable_text_insert()->set_text("\xe2\x28\xa1");
  v.add(bad_utf8);
  pb::Op empty = op(next);
  d.to_pb(empty.mutable_text_insert()->mutable_variant());
  v.add(empty);
  pb::Op bad_enum = op(next);
  e.to_pb(bad_enum.mutable_update_element()->mutable_element());
  bad_enum.mutable_update_element()->mutable_fields()->set_kind(static_cast<pb::ElementKind>(99));
  v.add(bad_enum);
  pb::Op depth = op(next);
  map.to_pb(depth.mutable_create_connection()->mutable_map());
  e.to_pb(depth.mutable_create_connection()->mutable_from());
  e.to_pb(depth.mutable_create_connection()->mutable_to());
  depth.mutable_create_connection()->mutable_fields()->set_depth(4);
  v.add(depth);
  pb::Op wrong_type = op(next);
  map.to_pb(wrong_type.mutable_update_element()->mutable_element());  // a map, not an element
  wrong_type.mutable_update_element()->mutable_fields()->set_label("x");
  v.add(wrong_type);
  pb::Op gap = op(next + 5);
  gap.mutable_create_map()->set_name("too early");
  v.add(gap);
  pb::Op fine = op(next);
  fine.mutable_create_map()->set_name("fine");
  v.add(fine);
  v.add(fine);  // again: a duplicate
  v.in_order();
  return v;
}

// A seeded random session of three replicas, for breadth.
Vector random_session() {
  Vector v{"random-session",
           "A seeded random session of three replicas editing a map and a draft with syncs in "
           "between; two delivery orders."};
  std::mt19937_64 rng(2024);
  Document reps[3] = {Document(121), Document(122), Document(123)};
  const OpId map = reps[0].create_map("m").value;
  const OpId d = reps[0].create_draft("d").value;
  const auto base = v.take(reps[0]);
  for (size_t i : base) reps[1].apply(v.ops[i]), reps[2].apply(v.ops[i]);
  for (int round = 0; round < 6; ++round) {
    for (int r = 0; r < 3; ++r) {
      Document& doc = reps[r];
      for (int k = 0; k < 6; ++k) {
        const auto els = doc.landscape().elements_of(map);
        const int roll = static_cast<int>(rng() % 10);
        if (roll < 4) {
          const size_t len = doc.text_length(d);
          if (len > 3 && roll == 0)
            doc.delete_text(d, rng() % (len - 2), 2);
          else
            doc.insert_text(d, rng() % (len + 1),
                            r == 0   ? "ab"
                            : r == 1 ? "\u00e7d"
                                     : "\U0001F600");
        } else if (roll < 6 || els.size() < 2) {
          doc.create_element(map,
                             element(pb::ELEMENT_KIND_PROJECT, "p" + std::to_string(k),
                                     static_cast<double>(rng() % 100), 0, pb::SCALE_LEVEL_LOCAL));
        } else if (roll < 8) {
          pb::ElementFields f;
          f.mutable_position()->set_x(static_cast<double>(rng() % 100));
          f.mutable_position()->set_y(static_cast<double>(rng() % 100));
          doc.update_element(els[rng() % els.size()], f);
        } else if (roll == 8) {
          // Two draws in sequence, not in one argument list (whose order of
          // evaluation differs between compilers); `to` first, as the
          // committed vector was generated.
          const OpId to = els[rng() % els.size()];
          const OpId from = els[rng() % els.size()];
          doc.create_connection(map, from, to, {});
        } else {
          doc.remove(els[rng() % els.size()]);
        }
      }
      const auto mine = v.take(doc);
      // Sync to the next replica only: knowledge spreads unevenly.
      for (size_t i : mine) reps[(r + 1) % 3].apply(v.ops[i]);
    }
  }
  v.in_order();
  v.orders.push_back(random_causal_order(v, 7));
  return v;
}

std::vector<Vector> all_vectors() {
  return {maps_every_op(),
          map_concurrent_lww(),
          map_remove_wins(),
          map_hidden_connections(),
          perspectives_disagreement(),
          drafts_and_variants(),
          text_concurrent_typing(),
          text_siblings_and_tombstones(),
          text_unicode(),
          undo_redo(),
          rejects(),
          random_session()};
}

// Every vector, the vocabulary's (vocabulary_vectors_test.cc) last.
std::vector<Vector> every_vector() {
  std::vector<Vector> out = all_vectors();
  for (Vector& v : vocabulary_vectors()) out.push_back(std::move(v));
  return out;
}

// Replays a vector (as stored) and fills in statuses and the final state.
json render(const Vector& v) {
  json out;
  out["format"] = kFormat;
  out["name"] = v.name;
  out["description"] = v.description;
  json ops = json::array();
  for (const pb::Op& op : v.ops) ops.push_back(hex(op.SerializeAsString()));
  out["ops"] = ops;
  json runs = json::array();
  json expected;
  for (const auto& order : v.orders) {
    Document doc;
    json steps = json::array();
    for (size_t i : order) {
      // Protobuf refuses to decode a string field holding invalid UTF-8:
      // such an op never reaches the document on any implementation.
      pb::Op decoded;
      if (!decoded.ParseFromString(v.ops[i].SerializeAsString())) {
        steps.push_back({{"op", i}, {"expect", "undecodable"}});
        continue;
      }
      const Status s = doc.apply(decoded);
      steps.push_back({{"op", i}, {"expect", status_name(s.code())}});
    }
    const json state = doc.to_json();
    if (expected.is_null()) expected = state;
    EXPECT_EQ(state, expected) << v.name << ": delivery orders disagree";
    runs.push_back({{"steps", steps}});
  }
  out["runs"] = runs;
  out["expected"] = expected;
  return out;
}

std::string file_of(const Vector& v) {
  return testing::vectors_dir() + "/" + v.name + ".json";
}

TEST(Vectors, StableAndCommitted) {
  const bool update = std::getenv("CONVENE_UPDATE_VECTORS") != nullptr;
  for (const Vector& v : every_vector()) {
    const std::string text = render(v).dump(1) + "\n";
    const std::string path = file_of(v);
    if (update) {
      std::ofstream(path, std::ios::binary) << text;
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in) << "missing vector file " << path
                    << " (generate with CONVENE_UPDATE_VECTORS=1)";
    std::stringstream committed;
    committed << in.rdbuf();
    EXPECT_EQ(committed.str(), text) << path << " no longer matches what the library produces";
  }
}

TEST(Vectors, RejectsHaveTheIntendedStatuses) {
  const json r = render(rejects());
  std::vector<std::string> tail;
  const auto& steps = r["runs"][0]["steps"];
  for (size_t i = steps.size() - 8; i < steps.size(); ++i) tail.push_back(steps[i]["expect"]);
  EXPECT_EQ(tail, (std::vector<std::string>{"undecodable", "invalid", "invalid", "invalid",
                                            "invalid", "missing", "ok", "duplicate"}));
}

// Replays every committed file exactly as the browser client's tests do.
TEST(Vectors, CommittedFilesReplay) {
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(testing::vectors_dir())) {
    if (entry.path().extension() != ".json") continue;
    ++files;
    std::ifstream in(entry.path());
    const json v = json::parse(in, nullptr, false);
    ASSERT_FALSE(v.is_discarded()) << entry.path();
    ASSERT_EQ(v["format"], kFormat) << entry.path();
    std::vector<pb::Op> ops;
    std::vector<bool> decodable;
    for (const auto& h : v["ops"]) {
      std::string bytes;
      ASSERT_TRUE(unhex(h.get<std::string>(), &bytes));
      decodable.push_back(ops.emplace_back().ParseFromString(bytes));
    }
    for (const auto& run : v["runs"]) {
      Document doc;
      for (const auto& step : run["steps"]) {
        const size_t i = step["op"].get<size_t>();
        ASSERT_LT(i, ops.size());
        if (!decodable[i]) {
          EXPECT_EQ(step["expect"], "undecodable") << entry.path() << " op " << i;
          continue;
        }
        const Status s = doc.apply(ops[i]);
        EXPECT_EQ(status_name(s.code()), step["expect"].get<std::string>())
            << entry.path() << " op " << step["op"] << ": " << s.str();
      }
      EXPECT_EQ(doc.to_json(), v["expected"]) << entry.path();
      EXPECT_TRUE(doc.check_invariants().is_ok())
          << entry.path() << ": " << doc.check_invariants().str();
    }
  }
  EXPECT_GE(files, 12u);
}

}  // namespace
}  // namespace convene::crdt
