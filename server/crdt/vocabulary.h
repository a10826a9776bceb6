// A map's own vocabulary: tags on elements and connections, custom fields and
// their values, custom kinds, style rules and saved views (docs/crdt.md,
// "Vocabulary"; ops.proto, "A map's own vocabulary").
//
// Semantics:
// - Every definition (field, kind, style rule, view) is an entity of its map,
//   named by the op that created it, with last-writer-wins fields ordered by
//   Stamp. Remove/Restore apply to it through its Liveness (remove wins); it
//   is visible iff it and its map are live.
// - Tags are last-writer-wins per (target, tag); field values per (target,
//   field). A tag taken away and a value cleared keep their stamp, so a late,
//   older write cannot bring them back. Writes apply whether or not their
//   target or field is removed: hidden state converges too.
// - Validity depends only on what never changes: an op's body, and the type
//   and map of the entities it names. A value is not checked against its
//   field's type, which may change concurrently.
// - Each of a field's choices, a rule's match, a view's viewport and filter is
//   one register, replaced whole.
//
// The Landscape owns one Vocabulary and hands it the ops above; the
// Vocabulary reads the Landscape (passed in) for the maps, elements and
// connections its ops name.
//
// Thread safety: none; belongs to one Landscape.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "convene/v1/snapshot.pb.h"
#include "crdt/ids.h"
#include "crdt/lww.h"
#include "crdt/version.h"

namespace convene::crdt {

class Landscape;

struct FieldDef {
  OpId id;
  OpId map;
  Lww<std::string> name;
  Lww<pb::FieldType> type;
  Lww<std::vector<std::string>> choices;
  Liveness liveness;
};

struct CustomKind {
  OpId id;
  OpId map;
  Lww<std::string> name;
  Lww<pb::ElementKind> base;
  Lww<std::string> color;
  Lww<std::string> shape;
  Liveness liveness;
};

// What a style rule applies to: `tag`, or `field` holding `value`.
struct RuleMatch {
  std::string tag;
  OpId field;
  std::string value;
  friend bool operator==(const RuleMatch&, const RuleMatch&) = default;
};

struct StyleRule {
  OpId id;
  OpId map;
  Lww<RuleMatch> match;
  Lww<std::string> color;
  Lww<std::string> shape;
  Lww<double> size{1, Stamp{}};  // relative size; 1 when never set
  Lww<double> order;
  Liveness liveness;
};

struct Viewport {
  double x = 0, y = 0, zoom = 1;
  double width = 0, height = 0;  // the area shown, in map units; 0: not known
  friend bool operator==(const Viewport&, const Viewport&) = default;
};

struct ViewFilter {
  std::vector<pb::ElementKind> kinds;
  std::vector<OpId> custom_kinds;
  std::vector<pb::ScaleLevel> scales;
  std::vector<std::string> tags;
  std::vector<pb::ConnectionKind> connection_kinds;
  std::vector<std::string> authors;
  OpId focus;  // zero: none
  uint32_t focus_depth = 0;
  std::vector<OpId> highlights;
  std::string search;
  friend bool operator==(const ViewFilter&, const ViewFilter&) = default;
};

struct View {
  OpId id;
  OpId map;
  Lww<std::string> name;
  Lww<Viewport> viewport;
  Lww<ViewFilter> filter;
  Lww<double> order;
  Liveness liveness;
};

struct TagKey {
  OpId target;
  std::string tag;
  friend auto operator<=>(const TagKey&, const TagKey&) = default;
};

struct TagState {
  bool on = false;
  Stamp stamp;
};

struct FieldValueKey {
  OpId target;
  OpId field;
  friend auto operator<=>(const FieldValueKey&, const FieldValueKey&) = default;
};

// One (target, field) value: text, a number, or neither (cleared).
struct FieldValue {
  std::optional<std::string> text;
  std::optional<double> number;
  Stamp stamp;
  bool cleared() const { return !text && !number; }
};

// The four sorts of definition, for counting (admission.h).
enum class DefinitionSort { kField, kKind, kStyleRule, kView };

class Vocabulary {
 public:
  // True for SetTag, SetFieldValue and the creates and updates of fields,
  // kinds, style rules and views.
  static bool is_vocabulary_op(const pb::Op& op);

  // Whether `id` names a definition of one of the `types` (Landscape's
  // TypeBits: field, kind, style rule, view).
  bool is_a(OpId id, unsigned types) const;
  // The map of a definition (zero if `id` names none).
  OpId map_of(OpId id) const;
  Liveness* mutable_liveness(OpId id);

  // Validates a vocabulary op against limits.h, enum ranges and references
  // (missing: not applied yet; invalid: of the wrong type or map).
  Status validate(const pb::Op& op, const Landscape& landscape, const VersionVector& applied) const;
  // Applies an op that passed validate().
  void apply(const pb::Op& op);

  // Lookups (nullptr if unknown); removed definitions are still returned.
  const FieldDef* field(OpId id) const;
  const CustomKind* kind(OpId id) const;
  const StyleRule* style_rule(OpId id) const;
  const View* view(OpId id) const;
  // Whether a definition and its map are live.
  bool visible(OpId id, const Landscape& landscape) const;
  // The state of a (target, tag) and a (target, field), if ever written.
  const TagState* tag(OpId target, const std::string& tag) const;
  const FieldValue* field_value(OpId target, OpId field) const;
  // The tags on `target`, sorted by code point.
  std::vector<std::string> tags_of(OpId target) const;
  // How many tags are on `target` (admission's kTagsPerTarget).
  size_t tags_on(OpId target) const;
  // Definitions of a sort ever created on `map`, removed ones included
  // (admission's kVocabularyPerMap).
  size_t definitions_on(OpId map, DefinitionSort sort) const;
  // The live definitions of a sort on `map`, sorted by id.
  std::vector<OpId> definitions_of(OpId map, DefinitionSort sort) const;

  // Canonical snapshot records and their inverse. decode() checks each
  // record; references to the landscape are checked by check_invariants().
  void encode(pb::Snapshot* out) const;
  Status decode(const pb::Snapshot& in);
  Status check_invariants(const Landscape& landscape) const;

  // Canonical JSON (docs/crdt.md, "Canonical JSON"): per visible map, its
  // keys "fields", "kinds", "style_rules", "views" (only those not empty),
  // built in one pass over all definitions.
  std::unordered_map<OpId, nlohmann::json> maps_json(const Landscape& landscape) const;
  // Adds "tags" and "fields" to an element's or connection's JSON when not
  // empty.
  void add_target_json(OpId target, const Landscape& landscape, nlohmann::json& out) const;

 private:
  Status validate_set_field_value(const pb::SetFieldValue& op, const Landscape& landscape,
                                  const VersionVector& applied) const;
  Status validate_style_rule(const pb::StyleRuleFields& fields, const pb::OpId& ref, unsigned type,
                             const Landscape& landscape, const VersionVector& applied,
                             std::string_view where) const;
  Status validate_view(const pb::ViewFields& fields, const pb::OpId& ref, unsigned type,
                       const Landscape& landscape, const VersionVector& applied,
                       std::string_view where) const;
  void apply_set_tag(const pb::SetTag& op, Stamp stamp);
  void apply_set_field_value(const pb::SetFieldValue& op, Stamp stamp);
  // Derived, for admission: tags on per target, definitions per map and
  // sort. Zero counts are left out, so that two equal states count equally.
  struct Counts {
    std::unordered_map<OpId, size_t> tags_on;
    std::unordered_map<OpId, std::array<size_t, 4>> definitions;
    friend bool operator==(const Counts&, const Counts&) = default;
  };
  static void count_definition(Counts& counts, OpId map, DefinitionSort sort);
  // The counts, worked out from the state.
  Counts counted() const;
  Status decode_tags(const pb::Snapshot& in);
  Status decode_field_values(const pb::Snapshot& in);
  Status check_definitions(const Landscape& landscape) const;
  Status check_values(const Landscape& landscape) const;

  std::unordered_map<OpId, FieldDef> fields_;
  std::unordered_map<OpId, CustomKind> kinds_;
  std::unordered_map<OpId, StyleRule> style_rules_;
  std::unordered_map<OpId, View> views_;
  std::map<TagKey, TagState> tags_;
  std::map<FieldValueKey, FieldValue> values_;
  Counts counts_;
};

}  // namespace convene::crdt
