// A map's own vocabulary (docs/crdt.md, "Vocabulary"): every op at its
// bounds, references of the wrong type or map, last-writer-wins under
// concurrency, remove-wins definitions, the canonical JSON, snapshots, undo
// and the server's admission bounds.
#include "crdt/vocabulary.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "crdt/admission.h"
#include "crdt/document.h"
#include "crdt/limits.h"

namespace convene::crdt {
namespace {

using Code = Status::Code;
using nlohmann::json;

constexpr uint64_t kOther = 99;  // a replica whose ops are checked, never applied

// A map with two elements and a connection, a field, a kind, and a second map
// with an element, field and kind of its own.
struct Scene {
  Document doc{1};
  OpId map, a, b, link, field, kind;
  OpId other_map, other_element, other_field, other_kind;

  Scene() {
    map = doc.create_map("m").value;
    a = doc.create_element(map, {}).value;
    b = doc.create_element(map, {}).value;
    link = doc.create_connection(map, a, b, {}).value;
    field = doc.create_field(map, Field("Budget", pb::FIELD_TYPE_NUMBER)).value;
    kind = doc.create_kind(map, Kind("NHS trust", pb::ELEMENT_KIND_INSTITUTION)).value;
    other_map = doc.create_map("other").value;
    other_element = doc.create_element(other_map, {}).value;
    other_field = doc.create_field(other_map, Field("Other", pb::FIELD_TYPE_TEXT)).value;
    other_kind = doc.create_kind(other_map, Kind("Other", pb::ELEMENT_KIND_PERSON)).value;
    doc.take_outbox();
  }

  static pb::FieldDefFields Field(const std::string& name, pb::FieldType type) {
    pb::FieldDefFields f;
    f.set_name(name);
    f.set_type(type);
    return f;
  }
  static pb::KindFields Kind(const std::string& name, pb::ElementKind base) {
    pb::KindFields k;
    k.set_name(name);
    k.set_base(base);
    return k;
  }

  // The next op of kOther, checked against the document without applying.
  pb::Op op() const {
    pb::Op o;
    o.set_replica(kOther);
    o.set_counter(1);
    o.set_lamport(doc.clock() + 1);
    return o;
  }
  Code check(const pb::Op& o) const { return doc.check(o).code(); }

  json map_json(OpId id) const {
    const json all = doc.to_json();
    for (const json& m : all["maps"])
      if (m["id"] == id.str()) return m;
    return {};
  }
  json entity_json(OpId id, const char* list = "elements") const {
    const json m = map_json(map);
    for (const json& e : m[list])
      if (e["id"] == id.str()) return e;
    return {};
  }
};

pb::Op set_tag(const Scene& s, OpId target, const std::string& tag, bool on = true) {
  pb::Op o = s.op();
  target.to_pb(o.mutable_set_tag()->mutable_target());
  o.mutable_set_tag()->set_tag(tag);
  o.mutable_set_tag()->set_on(on);
  return o;
}

pb::Op set_value(const Scene& s, OpId target, OpId field) {
  pb::Op o = s.op();
  target.to_pb(o.mutable_set_field_value()->mutable_target());
  field.to_pb(o.mutable_set_field_value()->mutable_field());
  return o;
}

pb::Op create_field(const Scene& s, const pb::FieldDefFields& f, OpId map = {}) {
  pb::Op o = s.op();
  (map.valid() ? map : s.map).to_pb(o.mutable_create_field()->mutable_map());
  *o.mutable_create_field()->mutable_fields() = f;
  return o;
}

pb::Op create_rule(const Scene& s, const pb::StyleRuleFields& f) {
  pb::Op o = s.op();
  s.map.to_pb(o.mutable_create_style_rule()->mutable_map());
  *o.mutable_create_style_rule()->mutable_fields() = f;
  return o;
}

pb::Op create_view(const Scene& s, const pb::ViewFields& f) {
  pb::Op o = s.op();
  s.map.to_pb(o.mutable_create_view()->mutable_map());
  *o.mutable_create_view()->mutable_fields() = f;
  return o;
}

pb::StyleRuleFields tag_rule(const std::string& tag) {
  pb::StyleRuleFields f;
  f.mutable_match()->set_tag(tag);
  return f;
}

// Sends every op in `from`'s outbox to each of `to`.
void sync(Document& from, std::initializer_list<Document*> to) {
  for (const pb::Op& op : from.take_outbox())
    for (Document* d : to) ASSERT_TRUE(d->apply(op).applied()) << op.ShortDebugString();
}

// ---- validation at the bounds ----------------------------------------------------

TEST(Vocabulary, TagsAtTheirBounds) {
  const Scene s;
  const std::pair<std::string, Code> tags[] = {
      {"x", Code::kOk},
      {std::string(64, 't'), Code::kOk},
      {"lived experience", Code::kOk},
      {"caf\u00e9 \U0001F30D", Code::kOk},
      {"", Code::kInvalid},
      {std::string(65, 't'), Code::kInvalid},
      {" lead", Code::kInvalid},
      {"trail\u00a0", Code::kInvalid},
      {"\u3000ideographic", Code::kInvalid},
      {"bom\ufeff", Code::kInvalid},
      {"bell\x07", Code::kInvalid},
      {"next\u0085line", Code::kInvalid},
      {"tab\tinside", Code::kInvalid},
      {"bad \xff", Code::kInvalid},
  };
  for (const auto& [tag, code] : tags) EXPECT_EQ(s.check(set_tag(s, s.a, tag)), code) << tag;
  EXPECT_EQ(s.check(set_tag(s, s.link, "funding")), Code::kOk);
  EXPECT_EQ(s.check(set_tag(s, s.other_element, "any map")), Code::kOk);
  EXPECT_EQ(s.check(set_tag(s, s.map, "on a map")), Code::kInvalid);
  EXPECT_EQ(s.check(set_tag(s, s.field, "on a field")), Code::kInvalid);
  EXPECT_EQ(s.check(set_tag(s, {7, 1}, "not yet")), Code::kMissingDependency);
}

TEST(Vocabulary, FieldsAtTheirBounds) {
  const Scene s;
  pb::FieldDefFields f = Scene::Field(std::string(200, 'n'), pb::FIELD_TYPE_CHOICE);
  for (int i = 0; i < 100; ++i) f.mutable_choices()->add_values(std::to_string(i));
  *f.mutable_choices()->mutable_values(0) = std::string(200, 'c');
  EXPECT_EQ(s.check(create_field(s, f)), Code::kOk);
  EXPECT_EQ(s.check(create_field(s, {})), Code::kOk);  // nameless, untyped: still a field
  pb::FieldDefFields bad = f;
  bad.mutable_choices()->add_values("one too many");
  EXPECT_EQ(s.check(create_field(s, bad)), Code::kInvalid);
  bad = f;
  *bad.mutable_choices()->mutable_values(0) = std::string(201, 'c');
  EXPECT_EQ(s.check(create_field(s, bad)), Code::kInvalid);
  bad = f;
  *bad.mutable_choices()->mutable_values(0) = "";
  EXPECT_EQ(s.check(create_field(s, bad)), Code::kInvalid);
  bad = f;
  *bad.mutable_choices()->mutable_values(0) = "1";  // equal to another
  EXPECT_EQ(s.check(create_field(s, bad)), Code::kInvalid);
  bad = f;
  bad.set_name(std::string(201, 'n'));
  EXPECT_EQ(s.check(create_field(s, bad)), Code::kInvalid);
  bad = f;
  bad.set_type(static_cast<pb::FieldType>(9));
  EXPECT_EQ(s.check(create_field(s, bad)), Code::kInvalid);
  EXPECT_EQ(s.check(create_field(s, f, s.a)), Code::kInvalid);  // not a map
  EXPECT_EQ(s.check(create_field(s, f, {7, 1})), Code::kMissingDependency);
  pb::Op update = s.op();
  s.kind.to_pb(update.mutable_update_field()->mutable_field());  // a kind, not a field
  EXPECT_EQ(s.check(update), Code::kInvalid);
}

TEST(Vocabulary, FieldValuesAtTheirBounds) {
  const Scene s;
  const auto text = [&](OpId target, OpId field, const std::string& t) {
    pb::Op o = set_value(s, target, field);
    o.mutable_set_field_value()->set_text(t);
    return s.check(o);
  };
  const auto number = [&](OpId target, double n) {
    pb::Op o = set_value(s, target, s.field);
    o.mutable_set_field_value()->set_number(n);
    return s.check(o);
  };
  EXPECT_EQ(text(s.a, s.field, std::string(2000, 'v')), Code::kOk);  // not checked against type
  EXPECT_EQ(text(s.link, s.field, ""), Code::kOk);
  EXPECT_EQ(text(s.a, s.field, std::string(2001, 'v')), Code::kInvalid);
  EXPECT_EQ(number(s.a, 1e15), Code::kOk);
  EXPECT_EQ(number(s.a, -1e15), Code::kOk);
  EXPECT_EQ(number(s.a, 1.0001e15), Code::kInvalid);
  EXPECT_EQ(number(s.a, std::nan("")), Code::kInvalid);
  EXPECT_EQ(number(s.a, std::numeric_limits<double>::infinity()), Code::kInvalid);
  EXPECT_EQ(s.check(set_value(s, s.a, s.field)), Code::kOk);  // clears
  pb::Op both = set_value(s, s.a, s.field);
  both.mutable_set_field_value()->set_text("3");
  both.mutable_set_field_value()->set_number(3);
  EXPECT_EQ(s.check(both), Code::kInvalid);
  EXPECT_EQ(text(s.a, s.other_field, "x"), Code::kInvalid);  // a field of another map
  EXPECT_EQ(text(s.a, s.kind, "x"), Code::kInvalid);
  EXPECT_EQ(text(s.map, s.field, "x"), Code::kInvalid);
  EXPECT_EQ(text(s.a, {7, 1}, "x"), Code::kMissingDependency);
  EXPECT_EQ(text({7, 1}, s.field, "x"), Code::kMissingDependency);
}

TEST(Vocabulary, KindsAndCustomKindsOfElements) {
  Scene s;
  pb::KindFields k = Scene::Kind(std::string(200, 'k'), pb::ELEMENT_KIND_NOTE);
  k.set_color(std::string(64, 'c'));
  k.set_shape("hexagon");
  EXPECT_TRUE(s.doc.create_kind(s.map, k).ok());
  k.set_color(std::string(65, 'c'));
  EXPECT_EQ(s.doc.create_kind(s.map, k).status.code(), Code::kInvalid);
  k.set_color("");
  k.set_base(static_cast<pb::ElementKind>(42));
  EXPECT_EQ(s.doc.create_kind(s.map, k).status.code(), Code::kInvalid);

  const auto with_kind = [&](OpId kind) {
    pb::ElementFields f;
    kind.to_pb(f.mutable_custom_kind());
    return f;
  };
  EXPECT_TRUE(s.doc.update_element(s.a, with_kind(s.kind)).is_ok());
  EXPECT_EQ(s.entity_json(s.a)["custom_kind"], s.kind.str());
  EXPECT_EQ(s.doc.update_element(s.a, with_kind(s.other_kind)).code(), Code::kInvalid);
  EXPECT_EQ(s.doc.update_element(s.a, with_kind(s.field)).code(), Code::kInvalid);
  EXPECT_EQ(s.doc.create_element(s.map, with_kind(s.other_kind)).status.code(), Code::kInvalid);
  EXPECT_TRUE(s.doc.create_element(s.other_map, with_kind(s.other_kind)).ok());
  pb::ElementFields half;
  half.mutable_custom_kind()->set_replica(1);  // a replica but no counter
  EXPECT_EQ(s.doc.update_element(s.a, half).code(), Code::kInvalid);
  pb::Op missing = s.op();
  s.a.to_pb(missing.mutable_update_element()->mutable_element());
  *missing.mutable_update_element()->mutable_fields() = with_kind({7, 1});
  EXPECT_EQ(s.check(missing), Code::kMissingDependency);
  EXPECT_TRUE(s.doc.update_element(s.a, with_kind({})).is_ok());  // zero clears
  EXPECT_FALSE(s.entity_json(s.a).contains("custom_kind"));
}

TEST(Vocabulary, PinnedAppearsOnlyWhenPinned) {
  Scene s;
  EXPECT_FALSE(s.entity_json(s.a).contains("pinned"));
  pb::ElementFields pin;
  pin.set_pinned(true);
  ASSERT_TRUE(s.doc.update_element(s.a, pin).is_ok());
  EXPECT_EQ(s.entity_json(s.a)["pinned"], true);
  pin.set_pinned(false);
  ASSERT_TRUE(s.doc.update_element(s.a, pin).is_ok());
  EXPECT_FALSE(s.entity_json(s.a).contains("pinned"));
}

TEST(Vocabulary, StyleRulesAtTheirBounds) {
  const Scene s;
  pb::StyleRuleFields f = tag_rule(std::string(64, 't'));
  f.set_size(0.25);
  f.set_order(-1e9);
  f.set_color(std::string(64, 'c'));
  EXPECT_EQ(s.check(create_rule(s, f)), Code::kOk);
  f.set_size(4);
  f.set_order(1e9);
  EXPECT_EQ(s.check(create_rule(s, f)), Code::kOk);
  pb::StyleRuleFields by_field;
  s.field.to_pb(by_field.mutable_match()->mutable_field());
  by_field.mutable_match()->set_value(std::string(500, 'v'));
  EXPECT_EQ(s.check(create_rule(s, by_field)), Code::kOk);
  by_field.mutable_match()->set_value("");
  EXPECT_EQ(s.check(create_rule(s, by_field)), Code::kOk);

  const auto refused = [&](auto change) {
    pb::StyleRuleFields bad = f;
    change(bad);
    return s.check(create_rule(s, bad));
  };
  EXPECT_EQ(refused([](auto& r) { r.set_size(0.2499); }), Code::kInvalid);
  EXPECT_EQ(refused([](auto& r) { r.set_size(4.001); }), Code::kInvalid);
  EXPECT_EQ(refused([](auto& r) { r.set_size(std::nan("")); }), Code::kInvalid);
  EXPECT_EQ(refused([](auto& r) { r.set_order(1.0000001e9); }), Code::kInvalid);
  EXPECT_EQ(refused([](auto& r) { r.set_shape(std::string(65, 's')); }), Code::kInvalid);
  EXPECT_EQ(refused([](auto& r) { r.clear_match(); }), Code::kInvalid);
  EXPECT_EQ(refused([](auto& r) { r.mutable_match()->set_tag(""); }), Code::kInvalid);
  EXPECT_EQ(refused([](auto& r) { r.mutable_match()->set_value("no field"); }), Code::kInvalid);
  EXPECT_EQ(refused([&](auto& r) { s.field.to_pb(r.mutable_match()->mutable_field()); }),
            Code::kInvalid);  // both a tag and a field
  by_field.mutable_match()->set_value(std::string(501, 'v'));
  EXPECT_EQ(s.check(create_rule(s, by_field)), Code::kInvalid);
  by_field.mutable_match()->set_value("x");
  s.other_field.to_pb(by_field.mutable_match()->mutable_field());
  EXPECT_EQ(s.check(create_rule(s, by_field)), Code::kInvalid);
  s.kind.to_pb(by_field.mutable_match()->mutable_field());
  EXPECT_EQ(s.check(create_rule(s, by_field)), Code::kInvalid);
  OpId{7, 1}.to_pb(by_field.mutable_match()->mutable_field());
  EXPECT_EQ(s.check(create_rule(s, by_field)), Code::kMissingDependency);
  // An update may leave the match alone, but one it carries is checked.
  pb::Op update = s.op();
  s.kind.to_pb(update.mutable_update_style_rule()->mutable_rule());
  EXPECT_EQ(s.check(update), Code::kInvalid);  // a kind, not a rule
}

TEST(Vocabulary, ViewsAtTheirBounds) {
  const Scene s;
  pb::ViewFields f;
  f.set_name(std::string(200, 'v'));
  f.mutable_viewport()->set_x(1e7);
  f.mutable_viewport()->set_y(-1e7);
  f.mutable_viewport()->set_zoom(1000);
  f.mutable_viewport()->set_width(2e7);
  f.mutable_viewport()->set_height(0);
  pb::ViewFilter* filter = f.mutable_filter();
  for (int i = 0; i < 16; ++i) filter->add_kinds(pb::ELEMENT_KIND_PERSON);
  for (int i = 0; i < 16; ++i) filter->add_scales(pb::SCALE_LEVEL_LOCAL);
  for (int i = 0; i < 16; ++i) filter->add_connection_kinds(pb::CONNECTION_KIND_POWER);
  for (int i = 0; i < 256; ++i) filter->add_tags("t" + std::to_string(i));
  for (int i = 0; i < 256; ++i) filter->add_authors("member-" + std::to_string(i));
  for (int i = 0; i < 256; ++i) s.kind.to_pb(filter->add_custom_kinds());
  for (int i = 0; i < 1000; ++i) (i % 2 ? s.a : s.link).to_pb(filter->add_highlights());
  s.b.to_pb(filter->mutable_focus());
  filter->set_focus_depth(3);
  filter->set_search(std::string(200, 's'));
  f.set_order(1e9);
  EXPECT_EQ(s.check(create_view(s, f)), Code::kOk);
  EXPECT_EQ(s.check(create_view(s, {})), Code::kOk);

  const auto refused = [&](auto change) {
    pb::ViewFields bad = f;
    change(bad, *bad.mutable_filter());
    return s.check(create_view(s, bad));
  };
  EXPECT_EQ(refused([](auto& v, auto&) { v.set_name(std::string(201, 'v')); }), Code::kInvalid);
  EXPECT_EQ(refused([](auto& v, auto&) { v.mutable_viewport()->set_zoom(0); }), Code::kInvalid);
  EXPECT_EQ(refused([](auto& v, auto&) { v.mutable_viewport()->set_zoom(1000.5); }),
            Code::kInvalid);
  EXPECT_EQ(refused([](auto& v, auto&) { v.mutable_viewport()->set_x(1.1e7); }), Code::kInvalid);
  EXPECT_EQ(refused([](auto& v, auto&) { v.mutable_viewport()->set_width(2.1e7); }),
            Code::kInvalid);
  EXPECT_EQ(refused([](auto& v, auto&) { v.mutable_viewport()->set_height(-1); }),
            Code::kInvalid);
  EXPECT_EQ(refused([](auto& v, auto&) {
              v.mutable_viewport()->set_height(std::numeric_limits<double>::quiet_NaN());
            }),
            Code::kInvalid);
  EXPECT_EQ(refused([](auto& v, auto&) { v.set_order(-2e9); }), Code::kInvalid);
  EXPECT_EQ(refused([](auto&, auto& fl) { fl.add_kinds(pb::ELEMENT_KIND_NOTE); }), Code::kInvalid);
  EXPECT_EQ(refused([](auto&, auto& fl) { fl.set_kinds(0, static_cast<pb::ElementKind>(77)); }),
            Code::kInvalid);
  EXPECT_EQ(refused([](auto&, auto& fl) { fl.add_scales(pb::SCALE_LEVEL_GLOBAL); }),
            Code::kInvalid);
  EXPECT_EQ(refused([](auto&, auto& fl) { fl.add_connection_kinds(pb::CONNECTION_KIND_POWER); }),
            Code::kInvalid);
  EXPECT_EQ(refused([](auto&, auto& fl) { fl.add_tags("one more"); }), Code::kInvalid);
  EXPECT_EQ(refused([](auto&, auto& fl) { fl.set_tags(0, " spaced"); }), Code::kInvalid);
  EXPECT_EQ(refused([](auto&, auto& fl) { fl.add_authors("one more"); }), Code::kInvalid);
  EXPECT_EQ(refused([](auto&, auto& fl) { fl.set_authors(0, ""); }), Code::kInvalid);
  EXPECT_EQ(refused([&](auto&, auto& fl) { s.kind.to_pb(fl.add_custom_kinds()); }), Code::kInvalid);
  EXPECT_EQ(refused([&](auto&, auto& fl) { s.a.to_pb(fl.add_highlights()); }), Code::kInvalid);
  EXPECT_EQ(refused([](auto&, auto& fl) { fl.set_focus_depth(4); }), Code::kInvalid);
  EXPECT_EQ(refused([](auto&, auto& fl) { fl.set_focus_depth(0); }), Code::kInvalid);
  EXPECT_EQ(refused([](auto&, auto& fl) { fl.clear_focus(); }), Code::kInvalid);  // depth 3
  EXPECT_EQ(refused([](auto&, auto& fl) { fl.set_search(std::string(201, 's')); }), Code::kInvalid);
  // References: of the view's map and of the right type.
  EXPECT_EQ(refused([&](auto&, auto& fl) { s.link.to_pb(fl.mutable_focus()); }), Code::kInvalid);
  EXPECT_EQ(refused([&](auto&, auto& fl) { s.other_element.to_pb(fl.mutable_focus()); }),
            Code::kInvalid);
  EXPECT_EQ(refused([&](auto&, auto& fl) { s.other_kind.to_pb(fl.mutable_custom_kinds(0)); }),
            Code::kInvalid);
  EXPECT_EQ(refused([&](auto&, auto& fl) { s.map.to_pb(fl.mutable_highlights(0)); }),
            Code::kInvalid);
  EXPECT_EQ(refused([&](auto&, auto& fl) {
              OpId{7, 1}.to_pb(fl.mutable_highlights(0));
            }),
            Code::kMissingDependency);
}

// ---- convergence -------------------------------------------------------------------

TEST(Vocabulary, ConcurrentWritesConvergeByStamp) {
  Scene s;
  Document b = s.doc;
  b.set_replica(2);
  Document c = s.doc;
  c.set_replica(3);
  s.doc.set_tag(s.a, "ally", true);
  b.set_tag(s.a, "ally", false);  // same lamport, higher replica: wins
  s.doc.set_field_value(s.a, s.field, 10.0);
  b.set_field_value(s.a, s.field, std::string("ten"));
  pb::FieldDefFields rename;
  rename.set_name("Budget (EUR)");
  c.update_field(s.field, rename);
  rename.set_name("Budget (GBP)");
  b.update_field(s.field, rename);
  const auto from_a = s.doc.take_outbox(), from_b = b.take_outbox(), from_c = c.take_outbox();
  Document x = s.doc, y = b;
  for (const auto* ops : {&from_b, &from_c})
    for (const pb::Op& op : *ops) ASSERT_TRUE(x.apply(op).is_ok());
  for (const auto* ops : {&from_c, &from_a})
    for (const pb::Op& op : *ops) ASSERT_TRUE(y.apply(op).is_ok());
  EXPECT_EQ(x.state_hash(), y.state_hash());
  EXPECT_EQ(x.to_json(), y.to_json());
  const TagState* ally = x.landscape().vocabulary().tag(s.a, "ally");
  ASSERT_NE(ally, nullptr);
  EXPECT_FALSE(ally->on);
  EXPECT_EQ(*x.landscape().vocabulary().field_value(s.a, s.field)->text, "ten");
  EXPECT_EQ(x.landscape().vocabulary().field(s.field)->name.value, "Budget (GBP)");
}

TEST(Vocabulary, RemovedDefinitionsStayRemovedAndHideTheirValues) {
  Scene s;
  Document b = s.doc;
  b.set_replica(2);
  s.doc.set_field_value(s.a, s.field, 5.0);
  pb::ElementFields kind;
  s.kind.to_pb(kind.mutable_custom_kind());
  s.doc.update_element(s.b, kind);
  sync(s.doc, {&b});
  ASSERT_EQ(s.entity_json(s.a)["fields"][s.field.str()], 5.0);
  ASSERT_EQ(s.entity_json(s.b)["custom_kind"], s.kind.str());
  s.doc.remove(s.field);
  s.doc.remove(s.kind);
  pb::FieldDefFields late;
  late.set_name("late");
  b.update_field(s.field, late);  // concurrent: does not bring it back
  b.set_field_value(s.a, s.field, 6.0);
  sync(b, {&s.doc});
  const json m = s.map_json(s.map);
  EXPECT_FALSE(m.contains("fields")) << m.dump();
  EXPECT_FALSE(m.contains("kinds"));
  EXPECT_FALSE(s.entity_json(s.a).contains("fields"));  // hidden, kept
  EXPECT_FALSE(s.entity_json(s.b).contains("custom_kind"));
  s.doc.restore(s.field);
  s.doc.restore(s.kind);
  EXPECT_EQ(s.entity_json(s.a)["fields"][s.field.str()], 6.0);
  EXPECT_EQ(s.entity_json(s.b)["custom_kind"], s.kind.str());
  EXPECT_EQ(s.map_json(s.map)["fields"][0]["name"], "late");
  EXPECT_TRUE(s.doc.check_invariants().is_ok()) << s.doc.check_invariants().str();
}

TEST(Vocabulary, RemovingTheMapHidesItsVocabulary) {
  Scene s;
  s.doc.create_view(s.other_map, {});
  s.doc.remove(s.other_map);
  const json j = s.doc.to_json();
  ASSERT_EQ(j["maps"].size(), 1u);
  EXPECT_FALSE(s.doc.landscape().vocabulary().visible(s.other_field, s.doc.landscape()));
}

TEST(Vocabulary, JsonKeysAppearOnlyWhenNotEmpty) {
  Scene s;
  Document bare(5);
  const OpId map = bare.create_map("m").value;
  bare.create_element(map, {});
  const json plain = bare.to_json()["maps"][0];
  EXPECT_FALSE(plain.contains("fields") || plain.contains("kinds") ||
               plain.contains("style_rules") || plain.contains("views"));
  EXPECT_FALSE(plain["elements"][0].contains("tags"));
  s.doc.set_tag(s.a, "zeta", true);
  s.doc.set_tag(s.a, "\u00e9t\u00e9", true);
  s.doc.set_tag(s.a, "Alpha", true);
  s.doc.set_tag(s.a, "gone", true);
  s.doc.set_tag(s.a, "gone", false);
  s.doc.set_tag(s.link, "funds", true);
  s.doc.set_field_value(s.link, s.field, std::string("£3m"));
  s.doc.create_style_rule(s.map, tag_rule("zeta"));
  const OpId view = s.doc.create_view(s.map, {}).value;
  EXPECT_EQ(s.entity_json(s.a)["tags"], json({"Alpha", "zeta", "\u00e9t\u00e9"}));
  EXPECT_EQ(s.entity_json(s.link, "connections")["tags"], json({"funds"}));
  EXPECT_EQ(s.entity_json(s.link, "connections")["fields"][s.field.str()], "£3m");
  const json m = s.map_json(s.map);
  EXPECT_EQ(m["style_rules"][0]["size"], 1.0);
  EXPECT_EQ(m["style_rules"][0]["order"], 0.0);
  EXPECT_EQ(m["style_rules"][0]["match"], json({{"tag", "zeta"}}));
  EXPECT_EQ(m["views"][0]["viewport"], json({{"x", 0.0}, {"y", 0.0}, {"zoom", 1.0}}));
  EXPECT_EQ(m["views"][0]["filter"]["focus"], "");
  // The area a view shows appears once it is known.
  pb::ViewFields area;
  area.mutable_viewport()->set_zoom(2);
  area.mutable_viewport()->set_width(640);
  area.mutable_viewport()->set_height(400);
  s.doc.update_view(view, area);
  EXPECT_EQ(s.map_json(s.map)["views"][0]["viewport"],
            json({{"x", 0.0}, {"y", 0.0}, {"zoom", 2.0}, {"width", 640.0}, {"height", 400.0}}));
  EXPECT_EQ(m["kinds"][0]["base"], "institution");
  EXPECT_EQ(m["fields"][0]["type"], "number");
}

TEST(Vocabulary, EmptyTextClearsAValue) {
  Scene s;
  s.doc.set_field_value(s.a, s.field, std::string("x"));
  s.doc.set_field_value(s.a, s.field, std::string(""));
  EXPECT_TRUE(s.doc.landscape().vocabulary().field_value(s.a, s.field)->cleared());
  EXPECT_FALSE(s.entity_json(s.a).contains("fields"));
}

// ---- snapshots, undo, admission ----------------------------------------------------------

// Every op of the vocabulary; with `removals`, a removal and a restore too
// (undo cannot take back a remove and a restore of one entity in one step:
// the restore's inverse is a new removal the remove's inverse cannot cancel).
void use_everything(Scene& s, bool removals = true) {
  s.doc.set_tag(s.a, "ally", true);
  s.doc.set_tag(s.link, "old", false);
  pb::FieldDefFields choice = Scene::Field("Stage", pb::FIELD_TYPE_CHOICE);
  choice.mutable_choices()->add_values("idea");
  choice.mutable_choices()->add_values("pilot");
  const OpId stage = s.doc.create_field(s.map, choice).value;
  s.doc.update_field(stage, Scene::Field("Phase", pb::FIELD_TYPE_CHOICE));
  s.doc.set_field_value(s.a, stage, std::string("pilot"));
  s.doc.set_field_value(s.b, s.field, 0.5);
  pb::ElementFields pinned;
  pinned.set_pinned(true);
  s.kind.to_pb(pinned.mutable_custom_kind());
  s.doc.update_element(s.a, pinned);
  pb::KindFields colour;
  colour.set_color("#123456");
  s.doc.update_kind(s.kind, colour);
  pb::StyleRuleFields rule;
  stage.to_pb(rule.mutable_match()->mutable_field());
  rule.mutable_match()->set_value("pilot");
  rule.set_size(2);
  const OpId r = s.doc.create_style_rule(s.map, rule).value;
  pb::StyleRuleFields order;
  order.set_order(-3);
  order.set_shape("star");
  s.doc.update_style_rule(r, order);
  pb::ViewFields view;
  view.set_name("Funding");
  view.mutable_viewport()->set_zoom(2);
  view.mutable_filter()->add_connection_kinds(pb::CONNECTION_KIND_FUNDING);
  s.a.to_pb(view.mutable_filter()->mutable_focus());
  view.mutable_filter()->set_focus_depth(2);
  const OpId v = s.doc.create_view(s.map, view).value;
  pb::ViewFields later;
  later.set_order(1);
  s.doc.update_view(v, later);
  if (!removals) return;
  s.doc.remove(r);
  s.doc.restore(r);
  s.doc.remove(s.other_field);
}

TEST(Vocabulary, SnapshotRoundTripKeepsTheStateHash) {
  Scene s;
  use_everything(s);
  ASSERT_TRUE(s.doc.check_invariants().is_ok()) << s.doc.check_invariants().str();
  auto loaded = Document::decode_snapshot(s.doc.encode_snapshot(), 9);
  ASSERT_TRUE(loaded.ok()) << loaded.status.str();
  EXPECT_EQ(loaded.value.state_hash(), s.doc.state_hash());
  EXPECT_EQ(loaded.value.to_json(), s.doc.to_json());
  EXPECT_TRUE(loaded.value.check_invariants().is_ok());
  // The copy goes on from there: admission counts came back too.
  EXPECT_EQ(loaded.value.landscape().vocabulary().tags_on(s.a), 1u);
  EXPECT_EQ(loaded.value.landscape().vocabulary().definitions_on(s.map, DefinitionSort::kField),
            2u);
}

TEST(Vocabulary, SnapshotRecordsAreChecked) {
  Scene s;
  use_everything(s);
  pb::Snapshot good;
  s.doc.landscape().encode(&good);
  const auto refused = [&](auto change) {
    pb::Snapshot bad = good;
    change(bad);
    Landscape l;
    const Status st = l.decode(bad);
    return st.code() == Code::kCorrupt;
  };
  EXPECT_FALSE(refused([](pb::Snapshot&) {}));
  EXPECT_TRUE(refused([](pb::Snapshot& b) { b.mutable_tags(0)->set_tag(" x"); }));
  EXPECT_TRUE(refused([](pb::Snapshot& b) { b.mutable_tags(0)->clear_stamp(); }));
  EXPECT_TRUE(refused([](pb::Snapshot& b) { *b.add_tags() = b.tags(0); }));  // repeated
  EXPECT_TRUE(refused([](pb::Snapshot& b) { b.mutable_field_values(0)->set_text(""); }));
  EXPECT_TRUE(refused([](pb::Snapshot& b) { b.mutable_field_values(0)->set_number(1); }));
  EXPECT_TRUE(refused([&](pb::Snapshot& b) {
    s.other_field.to_pb(b.mutable_field_values(0)->mutable_field());  // another map's field
  }));
  EXPECT_TRUE(refused([](pb::Snapshot& b) { b.mutable_fields(0)->clear_stamps(); }));
  EXPECT_TRUE(
      refused([](pb::Snapshot& b) { b.mutable_fields(0)->mutable_map()->set_counter(999); }));
  EXPECT_TRUE(refused([](pb::Snapshot& b) {
    b.mutable_kinds(0)->mutable_fields()->set_base(static_cast<pb::ElementKind>(50));
  }));
  EXPECT_TRUE(
      refused([](pb::Snapshot& b) { b.mutable_style_rules(0)->mutable_fields()->clear_match(); }));
  EXPECT_TRUE(refused([&](pb::Snapshot& b) {
    s.kind.to_pb(b.mutable_views(0)->mutable_fields()->mutable_filter()->mutable_focus());
  }));
  EXPECT_TRUE(refused([&](pb::Snapshot& b) {
    s.other_kind.to_pb(b.mutable_elements(0)->mutable_fields()->mutable_custom_kind());
  }));
  EXPECT_TRUE(
      refused([](pb::Snapshot& b) { std::swap(*b.mutable_fields(0), *b.mutable_fields(1)); }));
}

TEST(Vocabulary, UndoRestoresEveryOpsPreviousState) {
  Scene s;
  const json before = s.doc.to_json();
  s.doc.undo_checkpoint();
  use_everything(s, false);
  s.doc.remove(s.other_field);
  const json after = s.doc.to_json();
  ASSERT_NE(before, after);
  ASSERT_TRUE(s.doc.undo().is_ok());
  EXPECT_EQ(s.doc.to_json(), before);
  ASSERT_TRUE(s.doc.redo().is_ok());
  EXPECT_EQ(s.doc.to_json(), after);
  EXPECT_TRUE(s.doc.check_invariants().is_ok());
}

TEST(Vocabulary, UndoOfOneUpdateLeavesOtherFieldsAlone) {
  Scene s;
  pb::ViewFields v;
  v.set_name("first");
  const OpId view = s.doc.create_view(s.map, v).value;
  s.doc.undo_checkpoint();
  pb::ViewFields zoom;
  zoom.mutable_viewport()->set_zoom(3);
  s.doc.update_view(view, zoom);
  s.doc.undo_checkpoint();
  ASSERT_TRUE(s.doc.undo().is_ok());
  const View* after = s.doc.landscape().vocabulary().view(view);
  EXPECT_EQ(after->viewport.value, Viewport{});  // back to the default
  EXPECT_EQ(after->name.value, "first");
}

TEST(Admission, TagsPerTargetBound) {
  Scene s;
  AdmissionLimits bounds;
  bounds.tags_per_target = 3;
  for (const char* t : {"a", "b", "c"}) s.doc.set_tag(s.a, t, true);
  s.doc.set_tag(s.a, "d", false);
  EXPECT_EQ(admit(s.doc, set_tag(s, s.a, "d"), bounds).code(), Code::kInvalid);
  EXPECT_TRUE(admit(s.doc, set_tag(s, s.a, "a"), bounds).is_ok());  // on already
  EXPECT_TRUE(admit(s.doc, set_tag(s, s.a, "d", false), bounds).is_ok());
  EXPECT_TRUE(admit(s.doc, set_tag(s, s.b, "d"), bounds).is_ok());
  s.doc.set_tag(s.a, "c", false);
  EXPECT_TRUE(admit(s.doc, set_tag(s, s.a, "d"), bounds).is_ok());
  EXPECT_EQ(limits::kTagsPerTarget, 64u);
}

TEST(Admission, VocabularyPerMapBound) {
  Scene s;
  AdmissionLimits bounds;
  bounds.vocabulary_per_map = 2;
  const OpId second = s.doc.create_field(s.map, {}).value;
  s.doc.remove(second);  // removed ones count
  EXPECT_EQ(admit(s.doc, create_field(s, {}), bounds).code(), Code::kInvalid);
  EXPECT_TRUE(admit(s.doc, create_field(s, {}, s.other_map), bounds).is_ok());
  EXPECT_TRUE(admit(s.doc, create_rule(s, tag_rule("x")), bounds).is_ok());
  s.doc.create_style_rule(s.map, tag_rule("x"));
  s.doc.create_style_rule(s.map, tag_rule("y"));
  const Status refused = admit(s.doc, create_rule(s, tag_rule("z")), bounds);
  EXPECT_EQ(refused.code(), Code::kInvalid);
  EXPECT_NE(refused.message().find("vocabulary-per-map"), std::string::npos) << refused.str();
  EXPECT_TRUE(admit(s.doc, create_view(s, {}), bounds).is_ok());
  EXPECT_EQ(limits::kVocabularyPerMap, 200u);
}

}  // namespace
}  // namespace convene::crdt
