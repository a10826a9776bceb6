// The landscape-map CRDT: maps, and on them elements, connections, shapes
// (boundaries and regions) and per-participant perspectives.
//
// Semantics (docs/crdt.md, "Maps"):
// - Entities are keyed by the id of the op that created them; every field is a
//   last-writer-wins register ordered by Stamp (lamport, replica).
// - Removal is remove-wins liveness (lww.h): a Remove beats concurrent updates
//   and nothing comes back through a late update; only a Restore that names
//   the removals it cancels brings an entity back. Field writes are applied
//   whether or not the entity is removed, so hidden state converges too.
// - An element is visible iff it and its map are live. A connection is
//   visible iff it, its map and both its ends are visible: never dangling.
//   A shape is visible iff it and its map are live.
// - Perspectives: for (target, aspect) each participant has its own LWW value;
//   aggregate() summarises the values of all participants side by side.
// - The map's own vocabulary (tags, custom fields and values, custom kinds,
//   style rules, saved views) is a Vocabulary (vocabulary.h) the Landscape
//   owns and hands those ops to; its definitions are entities here too
//   (owns(), Remove, Restore).
//
// Thread safety: none; a Landscape belongs to one Document.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "convene/v1/snapshot.pb.h"
#include "crdt/ids.h"
#include "crdt/lww.h"
#include "crdt/version.h"
#include "crdt/vocabulary.h"

namespace convene::crdt {

struct MapEntity {
  OpId id;
  Lww<std::string> name;
  Liveness liveness;
};

struct Element {
  OpId id;
  OpId map;
  Lww<pb::ElementKind> kind;
  Lww<std::string> label;
  Lww<std::string> notes;
  Lww<pb::Point> position;
  Lww<pb::ScaleLevel> scale;
  Lww<std::string> color;
  Lww<std::string> shape;
  Lww<std::string> self_of;
  Lww<OpId> custom_kind;  // a kind of the element's map; zero: none
  Lww<bool> pinned;
  Liveness liveness;
};

struct Connection {
  OpId id;
  OpId map;
  OpId from;
  OpId to;
  Lww<pb::Direction> direction;
  Lww<uint32_t> depth{1, Stamp{}};  // 1..3; defaults to 1 when never set
  Lww<pb::ConnectionKind> kind;
  Lww<std::string> label;
  Liveness liveness;
};

struct Shape {
  OpId id;
  OpId map;
  pb::Geometry geometry = pb::GEOMETRY_UNSPECIFIED;
  Lww<std::vector<pb::Point>> path;
  Lww<pb::BoundaryType> type;
  Lww<std::string> label;
  Lww<std::string> sphere_of;
  Liveness liveness;
};

struct PerspectiveKey {
  OpId target;
  std::string aspect;
  friend auto operator<=>(const PerspectiveKey&, const PerspectiveKey&) = default;
};

// Summary of the participants' values for one (target, aspect).
struct PerspectiveAggregate {
  size_t count = 0;
  double mean = 0, min = 0, max = 0;
  double spread = 0;  // population standard deviation: 0 means agreement
};

class Landscape {
 public:
  // Entity types as bits, so a reference can accept several.
  enum TypeBits : unsigned {
    kMapBit = 1,
    kElementBit = 2,
    kConnectionBit = 4,
    kShapeBit = 8,
    kFieldBit = 16,
    kKindBit = 32,
    kStyleRuleBit = 64,
    kViewBit = 128,
    kAnyBits = 255,
  };

  Landscape() = default;
  Landscape(const Landscape&) = default;
  Landscape& operator=(const Landscape&) = default;

  // True for ops this module applies: CreateMap, Create/Update Element,
  // Connection and Shape, SetPerspective, the vocabulary's ops; and
  // Rename/Remove/Restore whose target is one of this module's entities (see
  // owns()).
  bool handles(const pb::Op& op) const;
  // True if `id` names a map, element, connection, shape or vocabulary
  // definition of this landscape.
  bool owns(OpId id) const;
  // Whether `id` names an entity of one of `types` (TypeBits).
  bool is_a(OpId id, unsigned types) const;
  // The map of an element, connection, shape or definition (zero if none).
  OpId map_of(OpId id) const;
  // A reference to an entity of `types`: ok if it names one; missing if
  // `applied` does not hold the id yet; invalid otherwise.
  Status check_ref(const pb::OpId& ref, unsigned types, const VersionVector& applied,
                   std::string_view where) const;
  // The same, and the entity must be on `map` (invalid if on another).
  Status check_ref_on_map(const pb::OpId& ref, unsigned types, OpId map,
                          const VersionVector& applied, std::string_view where) const;

  // Validates an op's body against limits.h, enum ranges and references.
  // A referenced id that `applied` does not contain yet is a missing
  // dependency; one that it contains but which is not an entity of the
  // expected type is invalid. The op's own id/lamport are checked elsewhere.
  Status validate(const pb::Op& op, const VersionVector& applied) const;
  // Applies an op that passed validate(). Idempotence is the Document's job.
  void apply(const pb::Op& op);

  // Lookups (nullptr if unknown). Removed entities are still returned.
  const MapEntity* map(OpId id) const;
  const Element* element(OpId id) const;
  const Connection* connection(OpId id) const;
  const Shape* shape(OpId id) const;
  const Vocabulary& vocabulary() const { return vocabulary_; }
  // The liveness of any entity here, e.g. to build a Restore of what is in
  // force (nullptr if unknown).
  const Liveness* liveness(OpId id) const;

  bool map_visible(OpId id) const;
  bool element_visible(OpId id) const;
  bool connection_visible(OpId id) const;
  bool shape_visible(OpId id) const;

  // Visible entities of a map, sorted by id.
  std::vector<OpId> maps() const;  // live maps, sorted by id
  std::vector<OpId> elements_of(OpId map) const;
  std::vector<OpId> connections_of(OpId map) const;
  std::vector<OpId> shapes_of(OpId map) const;

  // Perspectives: participant -> value, sorted by participant.
  std::vector<std::pair<std::string, double>> perspective(const PerspectiveKey& key) const;
  PerspectiveAggregate aggregate(const PerspectiveKey& key) const;
  // The value `participant` currently holds, if any (for undo).
  std::optional<double> perspective_of(const PerspectiveKey& key,
                                       const std::string& participant) const;

  // Canonical snapshot records (sorted by id) and their inverse.
  void encode(pb::Snapshot* out) const;
  Status decode(const pb::Snapshot& in);

  // Canonical JSON of the visible state (the export format, docs/crdt.md).
  // Sets out["maps"]; only visible entities; arrays sorted by id; ids are
  // "replica:counter"; enums are lowercase names without prefix ("" when
  // UNSPECIFIED):
  //   map:        {"id", "name", "elements", "connections", "shapes"}, and
  //                "fields", "kinds", "style_rules", "views" when not empty
  //   element:    {"id", "kind", "label", "notes", "position": {"x", "y"},
  //                "scale", "color", "shape", "self_of", "perspectives"}, and
  //                "custom_kind", "pinned", "tags", "fields" when set
  //   connection: {"id", "from", "to", "direction", "depth", "kind", "label",
  //                "perspectives"}
  //   shape:      {"id", "geometry", "path": [[x, y], ...], "type", "label",
  //                "sphere_of"}
  //   perspectives: {aspect: {"values": {participant: value}, "count", "mean",
  //                  "min", "max", "spread"}}; aspects with no value are left out.
  void to_json(nlohmann::json& out) const;

  // Internal consistency (references, sorted liveness vectors, ...). Returns
  // the first violation found.
  Status check_invariants() const;

  size_t element_count() const { return elements_.size(); }
  size_t connection_count() const { return connections_.size(); }

 private:
  struct PerspectiveValue {
    std::optional<double> value;
    Stamp stamp;
  };
  using Participants = std::map<std::string, PerspectiveValue>;
  Liveness* mutable_liveness(OpId id);

  Status validate_element(const pb::ElementFields& fields, OpId map, const VersionVector& applied,
                          std::string_view where) const;
  Status validate_rename(const pb::Rename& op, const VersionVector& applied) const;
  Status validate_restore(const pb::Restore& op, const VersionVector& applied) const;
  Status validate_create_connection(const pb::CreateConnection& op,
                                    const VersionVector& applied) const;
  Status validate_create_shape(const pb::CreateShape& op, const VersionVector& applied) const;
  Status validate_update_shape(const pb::UpdateShape& op, const VersionVector& applied) const;
  Status validate_set_perspective(const pb::SetPerspective& op, const VersionVector& applied) const;

  void apply_create_element(OpId id, const pb::CreateElement& op, Stamp stamp);
  void apply_create_connection(OpId id, const pb::CreateConnection& op, Stamp stamp);
  void apply_create_shape(OpId id, const pb::CreateShape& op, Stamp stamp);
  void apply_set_perspective(const pb::SetPerspective& op, Stamp stamp);

  Status decode_records(const pb::Snapshot& in);
  Status decode_perspectives(
      const google::protobuf::RepeatedPtrField<pb::PerspectiveRecord>& records);

  Status check_maps() const;
  Status check_elements() const;
  Status check_connections() const;
  Status check_shapes() const;
  Status check_perspectives() const;

  nlohmann::json element_json(const Element& e) const;
  nlohmann::json connection_json(const Connection& c) const;
  nlohmann::json perspectives_json(OpId target) const;
  static PerspectiveAggregate summarise(const Participants& participants);

  std::unordered_map<OpId, MapEntity> maps_;
  std::unordered_map<OpId, Element> elements_;
  std::unordered_map<OpId, Connection> connections_;
  std::unordered_map<OpId, Shape> shapes_;
  // (target, aspect) -> participant -> value; withdrawn values keep their
  // stamp so a late, older write cannot bring them back.
  std::map<PerspectiveKey, Participants> perspectives_;
  Vocabulary vocabulary_;
};

}  // namespace convene::crdt
