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
//
// Thread safety: none; a Landscape belongs to one Document.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "convene/v1/snapshot.pb.h"
#include "crdt/ids.h"
#include "crdt/lww.h"
#include "crdt/version.h"

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
  Liveness liveness;
};

struct Connection {
  OpId id;
  OpId map;
  OpId from;
  OpId to;
  Lww<pb::Direction> direction;
  Lww<uint32_t> depth;  // 1..3; defaults to 1 when never set
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
  Landscape() = default;
  Landscape(const Landscape&) = default;
  Landscape& operator=(const Landscape&) = default;

  // True for ops this module applies: CreateMap, Create/Update Element,
  // Connection and Shape, SetPerspective; and Rename/Remove/Restore whose
  // target is one of this module's entities (see owns()).
  bool handles(const pb::Op& op) const;
  // True if `id` names a map, element, connection or shape of this landscape.
  bool owns(OpId id) const;

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

  // Canonical JSON of the visible state (the export format, docs/crdt.md):
  // {"maps": [{"id": "r:c", "name":..., "elements": [...], "connections": [...],
  //   "shapes": [...]}]}; perspectives inline on their target with aggregates.
  void to_json(nlohmann::json& out) const;

  // Internal consistency (references, sorted liveness vectors, ...). Returns
  // the first violation found.
  Status check_invariants() const;

  size_t element_count() const { return elements_.size(); }
  size_t connection_count() const { return connections_.size(); }

 private:
  std::unordered_map<OpId, MapEntity> maps_;
  std::unordered_map<OpId, Element> elements_;
  std::unordered_map<OpId, Connection> connections_;
  std::unordered_map<OpId, Shape> shapes_;
  struct PerspectiveValue {
    std::optional<double> value;
    Stamp stamp;
  };
  // (target, aspect) -> participant -> value
  std::map<PerspectiveKey, std::map<std::string, PerspectiveValue>> perspectives_;
};

}  // namespace convene::crdt
