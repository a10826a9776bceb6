#include "support/random_edits.h"

#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>

namespace convene::itest {
namespace {

namespace pb = ::convene::v1;

size_t pick(std::mt19937_64& rng, size_t n) {
  return std::uniform_int_distribution<size_t>(0, n - 1)(rng);
}

void move_element(crdt::Document& doc, const std::vector<crdt::OpId>& elements,
                  std::mt19937_64& rng) {
  pb::ElementFields f;
  f.mutable_position()->set_x(static_cast<double>(pick(rng, 2000)));
  f.mutable_position()->set_y(static_cast<double>(pick(rng, 1200)));
  (void)doc.update_element(elements[pick(rng, elements.size())], f);
}

void add_element(crdt::Document& doc, const SharedScene& scene, std::vector<crdt::OpId>& elements,
                 std::mt19937_64& rng) {
  pb::ElementFields f;
  f.set_label("element " + std::to_string(pick(rng, 100000)));
  f.mutable_position()->set_x(static_cast<double>(pick(rng, 2000)));
  const auto element = doc.create_element(scene.map, f);
  if (element.ok()) elements.push_back(element.value);
}

void relabel_element(crdt::Document& doc, const std::vector<crdt::OpId>& elements,
                     std::mt19937_64& rng) {
  pb::ElementFields f;
  f.set_label("renamed " + std::to_string(pick(rng, 100000)));
  (void)doc.update_element(elements[pick(rng, elements.size())], f);
}

void delete_some_text(crdt::Document& doc, const SharedScene& scene, std::mt19937_64& rng) {
  const size_t length = doc.text_length(scene.variant);
  const size_t pos = pick(rng, length);
  (void)doc.delete_text(scene.variant, pos, std::min<size_t>(1 + pick(rng, 3), length - pos));
}

// Words of one, two and four bytes per character: runs that merge, and
// code points that are not bytes.
void type_a_word(crdt::Document& doc, const SharedScene& scene, std::mt19937_64& rng) {
  static constexpr std::string_view kWords[] = {"we ",  "invite ", "you ", "to ", "map ",
                                                "the ", "field, ", "é ",   "🌍 "};
  (void)doc.insert_text(scene.variant, pick(rng, doc.text_length(scene.variant) + 1),
                        kWords[pick(rng, std::size(kWords))]);
}

void vocabulary_edit(crdt::Document& doc, const SharedScene& scene,
                     const std::vector<crdt::OpId>& elements, std::mt19937_64& rng) {
  static constexpr std::string_view kTags[] = {"funding", "ally", "at risk", "café"};
  const crdt::OpId element = elements[pick(rng, elements.size())];
  switch (pick(rng, 4)) {
    case 0:
      (void)doc.set_tag(element, kTags[pick(rng, std::size(kTags))], pick(rng, 3) != 0);
      break;
    case 1:
      (void)doc.set_field_value(element, scene.field, static_cast<double>(pick(rng, 1000)));
      break;
    case 2: {
      pb::ElementFields f;
      (pick(rng, 2) ? scene.kind : crdt::OpId{}).to_pb(f.mutable_custom_kind());
      (void)doc.update_element(element, f);
      break;
    }
    default: {
      pb::ElementFields f;
      f.set_pinned(pick(rng, 2) == 0);
      (void)doc.update_element(element, f);
      break;
    }
  }
}

}  // namespace

std::optional<SharedScene> seed_scene(crdt::Document& doc, int elements,
                                      std::vector<crdt::OpId>* seeded) {
  const auto map = doc.create_map("Landscape");
  const auto draft = doc.create_draft("Call");
  if (!map.ok() || !draft.ok()) return std::nullopt;
  pb::FieldDefFields budget;
  budget.set_name("Budget");
  budget.set_type(pb::FIELD_TYPE_NUMBER);
  pb::KindFields trust;
  trust.set_name("Trust");
  trust.set_base(pb::ELEMENT_KIND_INSTITUTION);
  const auto field = doc.create_field(map.value, budget);
  const auto kind = doc.create_kind(map.value, trust);
  if (!field.ok() || !kind.ok()) return std::nullopt;
  for (int i = 0; i < elements; ++i) {
    pb::ElementFields f;
    f.set_label("seed " + std::to_string(i));
    f.mutable_position()->set_x(100.0 * i);
    f.mutable_position()->set_y(50);
    const auto element = doc.create_element(map.value, f);
    if (element.ok()) seeded->push_back(element.value);
  }
  (void)doc.insert_text(draft.value, 0, "Dear all, ");
  return SharedScene{map.value, draft.value, field.value, kind.value};
}

void random_edit(crdt::Document& doc, const SharedScene& scene, std::vector<crdt::OpId>& elements,
                 std::mt19937_64& rng) {
  const size_t kind = pick(rng, 12);
  if (kind >= 10 && !elements.empty()) {
    vocabulary_edit(doc, scene, elements, rng);
  } else if (kind < 4 && !elements.empty()) {
    move_element(doc, elements, rng);
  } else if (kind == 4) {
    add_element(doc, scene, elements, rng);
  } else if (kind == 5 && !elements.empty()) {
    relabel_element(doc, elements, rng);
  } else if (kind == 6 && doc.text_length(scene.variant) > 0) {
    delete_some_text(doc, scene, rng);
  } else {
    type_a_word(doc, scene, rng);
  }
}

}  // namespace convene::itest
