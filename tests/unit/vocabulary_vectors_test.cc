// Conformance vectors of a map's vocabulary (docs/crdt.md, "Vocabulary"):
// written by Vectors.StableAndCommitted (vectors_test.cc) as
// tests/vectors/vocabulary-*.json, and replayed by the browser's CRDT. They
// cover every vocabulary op and JSON key, and the orders that are easy to get
// wrong: an update before or after a remove, SetTag on and off at once, a
// value of a removed field, a style rule matching a field.
#include <gtest/gtest.h>

#include "vectors.h"

namespace convene::crdt {
namespace {

// Takes `from`'s ops into `v` and delivers them to each of `to`.
std::vector<size_t> share(Vector& v, Document& from, std::initializer_list<Document*> to) {
  const std::vector<size_t> taken = v.take(from);
  for (size_t i : taken)
    for (Document* d : to) d->apply(v.ops[i]);
  return taken;
}

pb::FieldDefFields field_def(const std::string& name, pb::FieldType type,
                             std::initializer_list<const char*> choices = {}) {
  pb::FieldDefFields f;
  f.set_name(name);
  f.set_type(type);
  for (const char* c : choices) f.mutable_choices()->add_values(c);
  return f;
}

pb::KindFields kind_def(const std::string& name, pb::ElementKind base) {
  pb::KindFields k;
  k.set_name(name);
  k.set_base(base);
  return k;
}

pb::StyleRuleFields tag_rule(const std::string& tag) {
  pb::StyleRuleFields r;
  r.mutable_match()->set_tag(tag);
  return r;
}

pb::StyleRuleFields field_rule(OpId field, const std::string& value) {
  pb::StyleRuleFields r;
  field.to_pb(r.mutable_match()->mutable_field());
  r.mutable_match()->set_value(value);
  return r;
}

pb::ElementFields custom_kind(OpId kind) {
  pb::ElementFields f;
  kind.to_pb(f.mutable_custom_kind());
  return f;
}

// Everything one replica can define on a map, used by several vectors.
struct Basin {
  OpId map, river, farm, trust, funds;
  OpId budget, stage, note, nhs, lived;

  explicit Basin(Document& d) {
    map = d.create_map("Basin").value;
    river = d.create_element(map, element(pb::ELEMENT_KIND_NETWORK, "River trust", 0, 0,
                                          pb::SCALE_LEVEL_REGIONAL))
                .value;
    farm = d.create_element(
                map, element(pb::ELEMENT_KIND_COMMUNITY, "Farmers", 40, 10, pb::SCALE_LEVEL_LOCAL))
               .value;
    trust = d.create_element(map, element(pb::ELEMENT_KIND_INSTITUTION, "Hospital", -30, 25,
                                          pb::SCALE_LEVEL_ORGANISATIONAL))
                .value;
    pb::ConnectionFields cf;
    cf.set_kind(pb::CONNECTION_KIND_FUNDING);
    funds = d.create_connection(map, river, farm, cf).value;
    budget = d.create_field(map, field_def("Budget", pb::FIELD_TYPE_NUMBER)).value;
    stage = d.create_field(map, field_def("Stage", pb::FIELD_TYPE_CHOICE, {"idea", "pilot"})).value;
    note = d.create_field(map, field_def("Contact", pb::FIELD_TYPE_TEXT)).value;
    nhs = d.create_kind(map, kind_def("NHS trust", pb::ELEMENT_KIND_INSTITUTION)).value;
    lived = d.create_kind(map, kind_def("Lived experience", pb::ELEMENT_KIND_PERSON)).value;
  }
};

pb::ViewFields full_view(const Basin& b) {
  pb::ViewFields v;
  v.set_name("Who funds whom");
  v.mutable_viewport()->set_x(12.5);
  v.mutable_viewport()->set_y(-4);
  v.mutable_viewport()->set_zoom(1.5);
  pb::ViewFilter* f = v.mutable_filter();
  f->add_kinds(pb::ELEMENT_KIND_COMMUNITY);
  f->add_kinds(pb::ELEMENT_KIND_NETWORK);
  b.nhs.to_pb(f->add_custom_kinds());
  f->add_scales(pb::SCALE_LEVEL_LOCAL);
  f->add_tags("funding");
  f->add_connection_kinds(pb::CONNECTION_KIND_FUNDING);
  f->add_authors("00000000000000c1");
  b.river.to_pb(f->mutable_focus());
  f->set_focus_depth(2);
  b.funds.to_pb(f->add_highlights());
  b.farm.to_pb(f->add_highlights());
  f->set_search("trust");
  v.set_order(2.5);
  return v;
}

// Tags (one taken away) on elements and a connection, and values of every
// type (one cleared).
void use_tags_and_values(Document& d, const Basin& b) {
  d.set_tag(b.river, "funding", true);
  d.set_tag(b.river, "Ba\u00f1os", true);
  d.set_tag(b.river, "\U0001F30A water", true);
  // Sorted by code point, U+FF46 before U+1F30A (UTF-16 code units would
  // put the surrogate pair first).
  d.set_tag(b.river, "\uFF46\uFF55\uFF4E\uFF44", true);
  d.set_tag(b.farm, "funding", true);
  d.set_tag(b.farm, "funding", false);
  d.set_tag(b.funds, "annual", true);
  d.set_field_value(b.river, b.budget, 3.0);
  d.set_field_value(b.farm, b.budget, 0.5);
  d.set_field_value(b.river, b.stage, std::string("pilot"));
  d.set_field_value(b.funds, b.note, std::string("ana@example.org"));
  d.set_field_value(b.farm, b.note, std::string("to clear"));
  d.set_field_value(b.farm, b.note, {});
}

Vector vocabulary_every_op() {
  Vector v{"vocabulary-every-op",
           "One replica uses every vocabulary op and JSON key: tags on elements and "
           "connections (one taken away), text, number and choice fields with values (one "
           "cleared), custom kinds and an element's custom_kind and pinned, style rules by tag "
           "and by field, a saved view with every filter list, updates of each, and a removed "
           "and restored view; undo of a tag and a value. Two replicas, so that there are "
           "several orders: one tags and fills in values while the other defines."};
  Document a(201), other(202);
  const Basin b(a);
  const auto base = share(v, a, {&other});
  use_tags_and_values(other, b);
  const auto from_other = v.take(other);
  a.update_field(b.stage, field_def("Phase", pb::FIELD_TYPE_CHOICE, {"idea", "pilot", "scale"}));
  pb::FieldDefFields retype;
  retype.set_type(pb::FIELD_TYPE_TEXT);
  a.update_field(b.note, retype);
  pb::KindFields kind_style;
  kind_style.set_color("#aa3355");
  kind_style.set_shape("hexagon");
  a.update_kind(b.nhs, kind_style);
  pb::ElementFields trust = custom_kind(b.nhs);
  trust.set_pinned(true);
  a.update_element(b.trust, trust);
  pb::ElementFields person = custom_kind(b.lived);
  person.set_kind(pb::ELEMENT_KIND_PERSON);
  person.set_label("Kim");
  a.create_element(b.map, person);
  pb::StyleRuleFields by_tag = tag_rule("funding");
  by_tag.set_color("#2a9d8f");
  by_tag.set_size(1.5);
  const OpId tagged = a.create_style_rule(b.map, by_tag).value;
  pb::StyleRuleFields by_number = field_rule(b.budget, "3");
  by_number.set_shape("star");
  by_number.set_order(-1);
  a.create_style_rule(b.map, by_number);
  const OpId by_choice = a.create_style_rule(b.map, field_rule(b.stage, "pilot")).value;
  pb::StyleRuleFields bigger;
  bigger.set_size(4);
  bigger.set_order(10);
  a.update_style_rule(by_choice, bigger);
  a.update_style_rule(tagged, field_rule(b.budget, "0.5"));
  pb::StyleRuleFields annual = tag_rule("annual");
  annual.set_color("#264653");
  a.create_style_rule(b.map, annual);
  const OpId view = a.create_view(b.map, full_view(b)).value;
  a.create_view(b.map, {});
  pb::ViewFields moved;
  moved.mutable_viewport()->set_zoom(1000);
  moved.set_name("Who funds whom, closer");
  a.update_view(view, moved);
  a.remove(view);
  a.restore(view);
  a.undo_checkpoint();
  a.set_tag(b.trust, "undone", true);
  a.set_field_value(b.trust, b.budget, 7.0);
  a.undo_checkpoint();
  a.undo();
  const auto from_a = v.take(a);
  v.orders = {concat({base, from_a, from_other}), concat({base, from_other, from_a})};
  v.orders.push_back(random_causal_order(v, 1));
  return v;
}

Vector vocabulary_concurrent_lww() {
  Vector v{"vocabulary-concurrent-lww",
           "Three replicas write the same tags, values and definitions at once: SetTag on and "
           "off of one (target, tag), values of one (target, field) as text and as a number, "
           "renames of a field, kind, rule and view, and an element's custom kind; the higher "
           "(lamport, replica) wins in every order."};
  Document a(211), b(212), c(213);
  const Basin basin(a);
  const auto base = share(v, a, {&b, &c});
  const OpId rule = a.create_style_rule(basin.map, tag_rule("x")).value;
  const OpId view = a.create_view(basin.map, {}).value;
  const auto defs = share(v, a, {&b, &c});
  a.set_tag(basin.river, "contested", true);
  b.set_tag(basin.river, "contested", false);
  c.set_tag(basin.river, "contested", true);
  b.set_tag(basin.funds, "annual", true);
  c.set_tag(basin.funds, "annual", false);
  a.set_field_value(basin.river, basin.budget, 100.0);
  b.set_field_value(basin.river, basin.budget, std::string("a hundred"));
  c.set_field_value(basin.river, basin.budget, {});
  a.update_field(basin.budget, field_def("Budget (EUR)", pb::FIELD_TYPE_NUMBER));
  c.update_field(basin.budget, field_def("Funds", pb::FIELD_TYPE_TEXT));
  a.update_kind(basin.nhs, kind_def("Trust", pb::ELEMENT_KIND_INSTITUTION));
  b.update_kind(basin.nhs, kind_def("Health trust", pb::ELEMENT_KIND_PROJECT));
  b.update_style_rule(rule, tag_rule("y"));
  c.update_style_rule(rule, field_rule(basin.stage, "idea"));
  pb::ViewFields name_a, name_c;
  name_a.set_name("mine");
  name_a.mutable_viewport()->set_zoom(2);
  name_c.set_name("theirs");
  a.update_view(view, name_a);
  c.update_view(view, name_c);
  a.update_element(basin.farm, custom_kind(basin.lived));
  b.update_element(basin.farm, custom_kind(basin.nhs));
  c.update_element(basin.farm, custom_kind({}));
  const auto ra = v.take(a), rb = v.take(b), rc = v.take(c);
  v.orders = {concat({base, defs, ra, rb, rc}), concat({base, defs, rc, rb, ra}),
              concat({base, defs, rb, ra, rc})};
  v.orders.push_back(random_causal_order(v, 3));
  return v;
}

Vector vocabulary_remove_wins() {
  Vector v{"vocabulary-remove-wins",
           "Definitions removed while others update them stay removed (remove wins, in orders "
           "with the update before and after the remove); a value of a removed field is kept "
           "but hidden, and shows again once the field is restored; removing a kind hides an "
           "element's custom_kind; a restore does not cancel a concurrent removal; removing a "
           "map hides its whole vocabulary."};
  Document a(221), b(222), c(223);
  const Basin basin(a);
  const OpId rule = a.create_style_rule(basin.map, field_rule(basin.stage, "pilot")).value;
  const OpId view = a.create_view(basin.map, full_view(basin)).value;
  a.set_field_value(basin.farm, basin.stage, std::string("idea"));
  a.set_field_value(basin.river, basin.note, std::string("kept while hidden"));
  a.update_element(basin.trust, custom_kind(basin.nhs));
  const OpId side = a.create_map("Side").value;
  a.create_field(side, field_def("Side field", pb::FIELD_TYPE_TEXT));
  a.create_kind(side, kind_def("Side kind", pb::ELEMENT_KIND_NOTE));
  const auto base = share(v, a, {&b, &c});
  a.remove(basin.stage);  // its values hide, and the rule matching it stays
  a.remove(basin.nhs);    // the trust's custom kind hides
  a.remove(rule);
  a.remove(basin.note);
  a.restore(basin.note);  // a brings the note field back...
  a.remove(side);
  const auto removes = v.take(a);
  b.update_field(basin.stage, field_def("Stage, renamed", pb::FIELD_TYPE_CHOICE));
  b.set_field_value(basin.farm, basin.stage, std::string("pilot"));
  pb::StyleRuleFields size;
  size.set_size(2);
  b.update_style_rule(rule, size);
  pb::KindFields colour;
  colour.set_color("#000000");
  b.update_kind(basin.nhs, colour);
  b.remove(view);
  const auto updates = v.take(b);
  c.remove(basin.note);  // ...while c removes it concurrently: it stays removed
  pb::ViewFields renamed;
  renamed.set_name("renamed after its removal was sent");
  c.update_view(view, renamed);
  const auto from_c = v.take(c);
  for (size_t i : concat({removes, from_c})) b.apply(v.ops[i]);
  b.restore(basin.stage);  // the farm's stage shows again: b's concurrent "pilot"
  const auto restored = v.take(b);
  v.orders = {concat({base, removes, updates, from_c, restored}),
              concat({base, updates, from_c, removes, restored}),
              concat({base, from_c, removes, updates, restored})};
  v.orders.push_back(random_causal_order(v, 4));
  return v;
}

Vector vocabulary_rejects() {
  Vector v{"vocabulary-rejects",
           "Vocabulary ops that are refused and change nothing: tags that are too long, blank "
           "at an end or hold a control character, a tag on a map, both text and a number, a "
           "field of another map, a custom kind of another map, a style rule without a match "
           "or with both a tag and a field, a size out of range, a zoom of 0, a focus depth "
           "without a focus, an update of a definition of the wrong type, a reference not "
           "applied yet; then a valid op, twice."};
  Document a(231);
  const Basin b(a);
  const OpId other = a.create_map("Other").value;
  const OpId other_field = a.create_field(other, field_def("x", pb::FIELD_TYPE_TEXT)).value;
  const OpId other_kind = a.create_kind(other, kind_def("x", pb::ELEMENT_KIND_NOTE)).value;
  v.take(a);
  const uint64_t next = a.version().last(231) + 1;
  const auto op = [&](uint64_t counter = 0) {
    pb::Op o;
    o.set_replica(231);
    o.set_counter(counter ? counter : next);
    o.set_lamport(next);
    return o;
  };
  const auto tag = [&](OpId target, const std::string& t) {
    pb::Op o = op();
    target.to_pb(o.mutable_set_tag()->mutable_target());
    o.mutable_set_tag()->set_tag(t);
    o.mutable_set_tag()->set_on(true);
    return v.add(o);
  };
  tag(b.river, std::string(65, 't'));
  tag(b.river, "trailing ");
  tag(b.river, "\u00a0leading");
  tag(b.river, "line\nbreak");
  tag(b.map, "on a map");
  pb::Op both = op();
  b.river.to_pb(both.mutable_set_field_value()->mutable_target());
  b.budget.to_pb(both.mutable_set_field_value()->mutable_field());
  both.mutable_set_field_value()->set_text("3");
  both.mutable_set_field_value()->set_number(3);
  v.add(both);
  pb::Op foreign = both;
  foreign.mutable_set_field_value()->clear_number();
  other_field.to_pb(foreign.mutable_set_field_value()->mutable_field());
  v.add(foreign);
  pb::Op kind = op();
  b.farm.to_pb(kind.mutable_update_element()->mutable_element());
  *kind.mutable_update_element()->mutable_fields() = custom_kind(other_kind);
  v.add(kind);
  pb::Op no_match = op();
  b.map.to_pb(no_match.mutable_create_style_rule()->mutable_map());
  no_match.mutable_create_style_rule()->mutable_fields()->set_color("#fff");
  v.add(no_match);
  pb::Op two_matches = no_match;
  *two_matches.mutable_create_style_rule()->mutable_fields() = field_rule(b.stage, "idea");
  two_matches.mutable_create_style_rule()->mutable_fields()->mutable_match()->set_tag("t");
  v.add(two_matches);
  pb::Op too_big = no_match;
  *too_big.mutable_create_style_rule()->mutable_fields() = tag_rule("t");
  too_big.mutable_create_style_rule()->mutable_fields()->set_size(4.5);
  v.add(too_big);
  pb::Op zoom = op();
  b.map.to_pb(zoom.mutable_create_view()->mutable_map());
  zoom.mutable_create_view()->mutable_fields()->mutable_viewport()->set_x(1);
  v.add(zoom);
  pb::Op depth = op();
  b.map.to_pb(depth.mutable_create_view()->mutable_map());
  depth.mutable_create_view()->mutable_fields()->mutable_filter()->set_focus_depth(1);
  v.add(depth);
  pb::Op wrong_type = op();
  b.nhs.to_pb(wrong_type.mutable_update_field()->mutable_field());  // a kind
  v.add(wrong_type);
  pb::Op not_yet = op();
  OpId{999, 1}.to_pb(not_yet.mutable_set_tag()->mutable_target());
  not_yet.mutable_set_tag()->set_tag("later");
  v.add(not_yet);
  const size_t fine = tag(b.river, "fine");
  v.add(v.ops[fine]);
  v.in_order();
  return v;
}

// A saved view with the area it shows, concurrently re-saved on another
// screen; and one past the area's bound (refused).
Vector vocabulary_view_area() {
  Vector v{"vocabulary-view-area",
           "A view saved with the area it shows (width and height in map units), re-saved at "
           "once by two replicas on screens of other sizes: the higher (lamport, replica) "
           "wins whole, and the JSON shows width and height only when not 0. An area wider "
           "than 2e7 is invalid."};
  Document a(221), b(222);
  const OpId map = a.create_map("Views").value;
  pb::ViewFields laptop;
  laptop.set_name("Overview");
  laptop.mutable_viewport()->set_zoom(2);
  laptop.mutable_viewport()->set_width(640);
  laptop.mutable_viewport()->set_height(400);
  const OpId view = a.create_view(map, laptop).value;
  const auto base = share(v, a, {&b});
  pb::ViewFields phone, unknown;
  phone.mutable_viewport()->set_x(-20);
  phone.mutable_viewport()->set_zoom(0.75);
  phone.mutable_viewport()->set_width(520);
  phone.mutable_viewport()->set_height(1125.5);
  unknown.mutable_viewport()->set_zoom(3);
  a.update_view(view, unknown);
  b.update_view(view, phone);
  const auto ra = v.take(a), rb = v.take(b);
  pb::Op too_wide;
  too_wide.set_replica(223);
  too_wide.set_counter(1);
  too_wide.set_lamport(9);
  map.to_pb(too_wide.mutable_create_view()->mutable_map());
  auto* port = too_wide.mutable_create_view()->mutable_fields()->mutable_viewport();
  port->set_zoom(1);
  port->set_width(2.5e7);
  const size_t wide = v.add(too_wide);
  v.orders = {concat({base, ra, rb, {wide}}), concat({base, rb, ra, {wide}})};
  return v;
}

}  // namespace

std::vector<Vector> vocabulary_vectors() {
  return {vocabulary_every_op(), vocabulary_concurrent_lww(), vocabulary_remove_wins(),
          vocabulary_view_area(), vocabulary_rejects()};
}

}  // namespace convene::crdt

namespace convene::crdt {
namespace {

TEST(Vectors, VocabularyRejectsHaveTheIntendedStatuses) {
  const Vector v = vocabulary_vectors().back();
  ASSERT_EQ(v.name, "vocabulary-rejects");
  Document doc;
  std::vector<Status::Code> tail;
  for (size_t i : v.orders[0]) tail.push_back(doc.apply(v.ops[i]).code());
  tail.erase(tail.begin(), tail.end() - 17);
  using C = Status::Code;
  const std::vector<C> invalid(14, C::kInvalid);
  std::vector<C> expected = invalid;
  expected.insert(expected.end(), {C::kMissingDependency, C::kOk, C::kDuplicate});
  EXPECT_EQ(tail, expected);
}

TEST(Vectors, AViewsAreaPastItsBoundIsRefused) {
  const auto all = vocabulary_vectors();
  const Vector& v = all[all.size() - 2];
  ASSERT_EQ(v.name, "vocabulary-view-area");
  Document doc;
  std::vector<Status::Code> codes;
  for (size_t i : v.orders[0]) codes.push_back(doc.apply(v.ops[i]).code());
  EXPECT_EQ(codes.back(), Status::Code::kInvalid);
  codes.pop_back();
  for (const auto code : codes) EXPECT_EQ(code, Status::Code::kOk);
  const nlohmann::json state = doc.to_json();
  const auto& port = state["maps"][0]["views"][0]["viewport"];
  EXPECT_EQ(port["width"], 520.0) << port.dump();
  EXPECT_EQ(port["height"], 1125.5) << port.dump();
}

}  // namespace
}  // namespace convene::crdt
