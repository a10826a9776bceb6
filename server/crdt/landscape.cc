#include "crdt/landscape.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <utility>

#include "crdt/limits.h"
#include "crdt/records.h"

namespace convene::crdt {
namespace {

using namespace records;

// ---- checks on values, shared by validate(), decode() and invariants -------

bool perspective_value_ok(double v) {
  return std::isfinite(v) && std::fabs(v) <= limits::kPerspectiveValue;
}

Status check_point(const pb::Point& p, std::string_view where, std::string_view field) {
  if (coordinate_ok(p.x()) && coordinate_ok(p.y())) return Status::ok();
  return field_error(where, field, "coordinate not finite or beyond 1e7");
}

Status check_depth(uint32_t depth, std::string_view where) {
  if (depth >= limits::kMinDepth && depth <= limits::kMaxDepth) return Status::ok();
  return field_error(where, "depth", std::to_string(depth) + " outside 1..3");
}

bool geometry_ok(pb::Geometry g) {
  return g == pb::GEOMETRY_POLYLINE || g == pb::GEOMETRY_POLYGON;
}

// A line needs two points, a region three; unknown geometry: no minimum.
size_t min_path_points(pb::Geometry g) {
  return g == pb::GEOMETRY_POLYLINE ? 2 : g == pb::GEOMETRY_POLYGON ? 3 : 0;
}

Status check_path(const pb::PointList& path, pb::Geometry g, std::string_view where) {
  const size_t n = path.points_size();
  if (n > limits::kPathPoints)
    return field_error(where, "path",
                       "more than " + std::to_string(limits::kPathPoints) + " points");
  if (n < min_path_points(g))
    return field_error(where, "path", std::to_string(n) + " points, fewer than the geometry needs");
  for (const pb::Point& p : path.points()) CONVENE_RETURN_IF_ERROR(check_point(p, where, "path"));
  return Status::ok();
}

Status check_element_fields(const pb::ElementFields& f, std::string_view where) {
  if (f.has_kind())
    CONVENE_RETURN_IF_ERROR(check_enum(f.kind(), pb::ElementKind_IsValid, where, "kind"));
  if (f.has_label())
    CONVENE_RETURN_IF_ERROR(check_text(f.label(), limits::kLabelBytes, where, "label"));
  if (f.has_notes())
    CONVENE_RETURN_IF_ERROR(check_text(f.notes(), limits::kNotesBytes, where, "notes"));
  if (f.has_position()) CONVENE_RETURN_IF_ERROR(check_point(f.position(), where, "position"));
  if (f.has_scale())
    CONVENE_RETURN_IF_ERROR(check_enum(f.scale(), pb::ScaleLevel_IsValid, where, "scale"));
  if (f.has_color())
    CONVENE_RETURN_IF_ERROR(check_text(f.color(), limits::kStyleBytes, where, "color"));
  if (f.has_shape())
    CONVENE_RETURN_IF_ERROR(check_text(f.shape(), limits::kStyleBytes, where, "shape"));
  if (f.has_self_of())
    CONVENE_RETURN_IF_ERROR(check_text(f.self_of(), limits::kParticipantBytes, where, "self_of"));
  if (f.has_custom_kind() && !is_zero(f.custom_kind()) && !OpId::from_pb(f.custom_kind()).valid())
    return field_error(where, "custom_kind", "has a replica but no counter");
  return Status::ok();
}

Status check_connection_fields(const pb::ConnectionFields& f, std::string_view where) {
  if (f.has_direction())
    CONVENE_RETURN_IF_ERROR(check_enum(f.direction(), pb::Direction_IsValid, where, "direction"));
  if (f.has_depth()) CONVENE_RETURN_IF_ERROR(check_depth(f.depth(), where));
  if (f.has_kind())
    CONVENE_RETURN_IF_ERROR(check_enum(f.kind(), pb::ConnectionKind_IsValid, where, "kind"));
  if (f.has_label())
    CONVENE_RETURN_IF_ERROR(check_text(f.label(), limits::kLabelBytes, where, "label"));
  return Status::ok();
}

Status check_shape_fields(const pb::ShapeFields& f, pb::Geometry g, std::string_view where) {
  if (f.has_path()) CONVENE_RETURN_IF_ERROR(check_path(f.path(), g, where));
  if (f.has_type())
    CONVENE_RETURN_IF_ERROR(check_enum(f.type(), pb::BoundaryType_IsValid, where, "type"));
  if (f.has_label())
    CONVENE_RETURN_IF_ERROR(check_text(f.label(), limits::kLabelBytes, where, "label"));
  if (f.has_sphere_of())
    CONVENE_RETURN_IF_ERROR(
        check_text(f.sphere_of(), limits::kParticipantBytes, where, "sphere_of"));
  return Status::ok();
}

Status check_perspective(const std::string& aspect, const std::string& participant, bool has_value,
                         double value, std::string_view where) {
  CONVENE_RETURN_IF_ERROR(check_name(aspect, limits::kAspectBytes, where, "aspect"));
  CONVENE_RETURN_IF_ERROR(check_name(participant, limits::kParticipantBytes, where, "participant"));
  if (has_value && !perspective_value_ok(value))
    return field_error(where, "value", "not finite or beyond 1e6");
  return Status::ok();
}

// `types` is a mask of Landscape's TypeBits (map 1, element 2, connection 4,
// shape 8).
const char* type_names(unsigned types) {
  switch (types) {
    case 1:
      return "a map";
    case 2:
      return "an element";
    case 4:
      return "a connection";
    case 8:
      return "a shape";
    case 6:
      return "an element or connection";
    case 16:
      return "a field";
    case 32:
      return "a kind";
    case 64:
      return "a style rule";
    case 128:
      return "a view";
    default:
      return "an entity of a map";
  }
}

// ---- writing fields ----------------------------------------------------------

// Points are copied coordinate by coordinate so unknown fields a client may
// have attached never reach the state (they would break canonical bytes).
void copy_point(const pb::Point& from, pb::Point* to) {
  to->set_x(from.x());
  to->set_y(from.y());
}

void put_point(Lww<pb::Point>& reg, const pb::Point& p, Stamp stamp) {
  if (stamp <= reg.stamp) return;
  copy_point(p, &reg.value);
  reg.stamp = stamp;
}

void put_path(Lww<std::vector<pb::Point>>& reg, const pb::PointList& path, Stamp stamp) {
  if (stamp <= reg.stamp) return;
  reg.value.resize(path.points_size());
  for (int i = 0; i < path.points_size(); ++i) copy_point(path.points(i), &reg.value[i]);
  reg.stamp = stamp;
}

// `stamp_of(field number)` is the op's stamp when applying, the recorded
// per-field stamp when decoding.
template <class StampOf>
void write_fields(Element& e, const pb::ElementFields& f, StampOf stamp_of) {
  using F = pb::ElementFields;
  if (f.has_kind()) put(e.kind, f.kind(), stamp_of(F::kKindFieldNumber));
  if (f.has_label()) put(e.label, f.label(), stamp_of(F::kLabelFieldNumber));
  if (f.has_notes()) put(e.notes, f.notes(), stamp_of(F::kNotesFieldNumber));
  if (f.has_position()) put_point(e.position, f.position(), stamp_of(F::kPositionFieldNumber));
  if (f.has_scale()) put(e.scale, f.scale(), stamp_of(F::kScaleFieldNumber));
  if (f.has_color()) put(e.color, f.color(), stamp_of(F::kColorFieldNumber));
  if (f.has_shape()) put(e.shape, f.shape(), stamp_of(F::kShapeFieldNumber));
  if (f.has_self_of()) put(e.self_of, f.self_of(), stamp_of(F::kSelfOfFieldNumber));
  if (f.has_custom_kind())
    put(e.custom_kind, OpId::from_pb(f.custom_kind()), stamp_of(F::kCustomKindFieldNumber));
  if (f.has_pinned()) put(e.pinned, f.pinned(), stamp_of(F::kPinnedFieldNumber));
}

template <class StampOf>
void write_fields(Connection& c, const pb::ConnectionFields& f, StampOf stamp_of) {
  using F = pb::ConnectionFields;
  if (f.has_direction()) put(c.direction, f.direction(), stamp_of(F::kDirectionFieldNumber));
  if (f.has_depth()) put(c.depth, f.depth(), stamp_of(F::kDepthFieldNumber));
  if (f.has_kind()) put(c.kind, f.kind(), stamp_of(F::kKindFieldNumber));
  if (f.has_label()) put(c.label, f.label(), stamp_of(F::kLabelFieldNumber));
}

template <class StampOf>
void write_fields(Shape& s, const pb::ShapeFields& f, StampOf stamp_of) {
  using F = pb::ShapeFields;
  if (f.has_path()) put_path(s.path, f.path(), stamp_of(F::kPathFieldNumber));
  if (f.has_type()) put(s.type, f.type(), stamp_of(F::kTypeFieldNumber));
  if (f.has_label()) put(s.label, f.label(), stamp_of(F::kLabelFieldNumber));
  if (f.has_sphere_of()) put(s.sphere_of, f.sphere_of(), stamp_of(F::kSphereOfFieldNumber));
}

// ---- snapshot records --------------------------------------------------------

void encode_element(const Element& e, pb::ElementRecord* r) {
  using F = pb::ElementFields;
  e.id.to_pb(r->mutable_id());
  e.map.to_pb(r->mutable_map());
  F* f = r->mutable_fields();
  auto* s = r->mutable_stamps();
  if (stamped(e.kind, F::kKindFieldNumber, s)) f->set_kind(e.kind.value);
  if (stamped(e.label, F::kLabelFieldNumber, s)) f->set_label(e.label.value);
  if (stamped(e.notes, F::kNotesFieldNumber, s)) f->set_notes(e.notes.value);
  if (stamped(e.position, F::kPositionFieldNumber, s))
    copy_point(e.position.value, f->mutable_position());
  if (stamped(e.scale, F::kScaleFieldNumber, s)) f->set_scale(e.scale.value);
  if (stamped(e.color, F::kColorFieldNumber, s)) f->set_color(e.color.value);
  if (stamped(e.shape, F::kShapeFieldNumber, s)) f->set_shape(e.shape.value);
  if (stamped(e.self_of, F::kSelfOfFieldNumber, s)) f->set_self_of(e.self_of.value);
  if (stamped(e.custom_kind, F::kCustomKindFieldNumber, s))
    e.custom_kind.value.to_pb(f->mutable_custom_kind());
  if (stamped(e.pinned, F::kPinnedFieldNumber, s)) f->set_pinned(e.pinned.value);
  encode_liveness(e.liveness, r);
}

void encode_connection(const Connection& c, pb::ConnectionRecord* r) {
  using F = pb::ConnectionFields;
  c.id.to_pb(r->mutable_id());
  c.map.to_pb(r->mutable_map());
  c.from.to_pb(r->mutable_from());
  c.to.to_pb(r->mutable_to());
  F* f = r->mutable_fields();
  auto* s = r->mutable_stamps();
  if (stamped(c.direction, F::kDirectionFieldNumber, s)) f->set_direction(c.direction.value);
  if (stamped(c.depth, F::kDepthFieldNumber, s)) f->set_depth(c.depth.value);
  if (stamped(c.kind, F::kKindFieldNumber, s)) f->set_kind(c.kind.value);
  if (stamped(c.label, F::kLabelFieldNumber, s)) f->set_label(c.label.value);
  encode_liveness(c.liveness, r);
}

void encode_shape(const Shape& sh, pb::ShapeRecord* r) {
  using F = pb::ShapeFields;
  sh.id.to_pb(r->mutable_id());
  sh.map.to_pb(r->mutable_map());
  r->set_geometry(sh.geometry);
  F* f = r->mutable_fields();
  auto* s = r->mutable_stamps();
  if (stamped(sh.path, F::kPathFieldNumber, s)) {
    pb::PointList* path = f->mutable_path();
    for (const pb::Point& p : sh.path.value) copy_point(p, path->add_points());
  }
  if (stamped(sh.type, F::kTypeFieldNumber, s)) f->set_type(sh.type.value);
  if (stamped(sh.label, F::kLabelFieldNumber, s)) f->set_label(sh.label.value);
  if (stamped(sh.sphere_of, F::kSphereOfFieldNumber, s)) f->set_sphere_of(sh.sphere_of.value);
  encode_liveness(sh.liveness, r);
}

void encode_map(const MapEntity& m, pb::NamedRecord* r) {
  m.id.to_pb(r->mutable_id());
  r->set_name(m.name.value);
  write_stamp(m.name.stamp, r->mutable_name_stamp());
  encode_liveness(m.liveness, r);
}

Status read_map(const pb::NamedRecord& r, MapEntity* m) {
  m->id = OpId::from_pb(r.id());
  const std::string where = "map " + m->id.str();
  const Stamp stamp = read_stamp(r.name_stamp());
  if (!stamp.valid()) return record_error(where, "name has no stamp");
  CONVENE_RETURN_IF_ERROR(check_text(r.name(), limits::kNameBytes, where, "name"));
  m->name = {r.name(), stamp};
  return read_liveness(r.liveness(), where, &m->liveness);
}

Status read_element(const pb::ElementRecord& r, Element* e) {
  e->id = OpId::from_pb(r.id());
  e->map = OpId::from_pb(r.map());
  const std::string where = "element " + e->id.str();
  const pb::ElementFields& f = r.fields();
  StampTable stamps;
  CONVENE_RETURN_IF_ERROR(read_field_stamps(r.stamps(), 10, where, &stamps));
  CONVENE_RETURN_IF_ERROR(check_presence(
      stamps,
      {f.has_kind(), f.has_label(), f.has_notes(), f.has_position(), f.has_scale(), f.has_color(),
       f.has_shape(), f.has_self_of(), f.has_custom_kind(), f.has_pinned()},
      where));
  CONVENE_RETURN_IF_ERROR(check_element_fields(f, where));
  write_fields(*e, f, [&](int field) { return stamps[field]; });
  return read_liveness(r.liveness(), where, &e->liveness);
}

Status read_connection(const pb::ConnectionRecord& r, Connection* c) {
  c->id = OpId::from_pb(r.id());
  c->map = OpId::from_pb(r.map());
  c->from = OpId::from_pb(r.from());
  c->to = OpId::from_pb(r.to());
  const std::string where = "connection " + c->id.str();
  const pb::ConnectionFields& f = r.fields();
  StampTable stamps;
  CONVENE_RETURN_IF_ERROR(read_field_stamps(r.stamps(), 4, where, &stamps));
  CONVENE_RETURN_IF_ERROR(check_presence(
      stamps, {f.has_direction(), f.has_depth(), f.has_kind(), f.has_label()}, where));
  CONVENE_RETURN_IF_ERROR(check_connection_fields(f, where));
  write_fields(*c, f, [&](int field) { return stamps[field]; });
  return read_liveness(r.liveness(), where, &c->liveness);
}

Status read_shape(const pb::ShapeRecord& r, Shape* sh) {
  sh->id = OpId::from_pb(r.id());
  sh->map = OpId::from_pb(r.map());
  sh->geometry = r.geometry();
  const std::string where = "shape " + sh->id.str();
  if (!geometry_ok(sh->geometry))
    return record_error(where, "geometry must be polyline or polygon");
  const pb::ShapeFields& f = r.fields();
  StampTable stamps;
  CONVENE_RETURN_IF_ERROR(read_field_stamps(r.stamps(), 4, where, &stamps));
  CONVENE_RETURN_IF_ERROR(check_presence(
      stamps, {f.has_path(), f.has_type(), f.has_label(), f.has_sphere_of()}, where));
  CONVENE_RETURN_IF_ERROR(check_shape_fields(f, sh->geometry, where));
  write_fields(*sh, f, [&](int field) { return stamps[field]; });
  return read_liveness(r.liveness(), where, &sh->liveness);
}

// ---- JSON ----------------------------------------------------------------------

nlohmann::json point_json(const pb::Point& p) {
  return {{"x", p.x()}, {"y", p.y()}};
}

nlohmann::json shape_json(const Shape& s) {
  nlohmann::json path = nlohmann::json::array();
  for (const pb::Point& p : s.path.value) path.push_back(nlohmann::json::array({p.x(), p.y()}));
  return {{"id", s.id.str()},
          {"geometry", enum_json(pb::Geometry_Name(s.geometry), "GEOMETRY_")},
          {"path", std::move(path)},
          {"type", enum_json(pb::BoundaryType_Name(s.type.value), "BOUNDARY_TYPE_")},
          {"label", s.label.value},
          {"sphere_of", s.sphere_of.value}};
}

}  // namespace

// ---- ownership -------------------------------------------------------------------

bool Landscape::handles(const pb::Op& op) const {
  switch (op.body_case()) {
    case pb::Op::kCreateMap:
    case pb::Op::kCreateElement:
    case pb::Op::kUpdateElement:
    case pb::Op::kCreateConnection:
    case pb::Op::kUpdateConnection:
    case pb::Op::kCreateShape:
    case pb::Op::kUpdateShape:
    case pb::Op::kSetPerspective:
      return true;
    case pb::Op::kRename:
      return owns(OpId::from_pb(op.rename().target()));
    case pb::Op::kRemove:
      return owns(OpId::from_pb(op.remove().target()));
    case pb::Op::kRestore:
      return owns(OpId::from_pb(op.restore().target()));
    default:
      return Vocabulary::is_vocabulary_op(op);
  }
}

bool Landscape::owns(OpId id) const {
  return is_a(id, kAnyBits);
}

bool Landscape::is_a(OpId id, unsigned types) const {
  return ((types & kElementBit) && elements_.contains(id)) ||
         ((types & kMapBit) && maps_.contains(id)) ||
         ((types & kConnectionBit) && connections_.contains(id)) ||
         ((types & kShapeBit) && shapes_.contains(id)) || vocabulary_.is_a(id, types);
}

OpId Landscape::map_of(OpId id) const {
  if (const Element* e = element(id)) return e->map;
  if (const Connection* c = connection(id)) return c->map;
  if (const Shape* s = shape(id)) return s->map;
  return vocabulary_.map_of(id);
}

Liveness* Landscape::mutable_liveness(OpId id) {
  if (MapEntity* m = find(maps_, id)) return &m->liveness;
  if (Element* e = find(elements_, id)) return &e->liveness;
  if (Connection* c = find(connections_, id)) return &c->liveness;
  if (Shape* s = find(shapes_, id)) return &s->liveness;
  return vocabulary_.mutable_liveness(id);
}

const Liveness* Landscape::liveness(OpId id) const {
  return const_cast<Landscape*>(this)->mutable_liveness(id);
}

// ---- validation ------------------------------------------------------------------

Status Landscape::check_ref(const pb::OpId& ref, unsigned types, const VersionVector& applied,
                            std::string_view where) const {
  const OpId id = OpId::from_pb(ref);
  if (is_a(id, types)) return Status::ok();
  if (!id.valid()) return record_error(where, "not set");
  if (!owns(id) && !applied.contains(id)) return Status::missing(id);
  return record_error(where, id.str() + " is not " + type_names(types));
}

Status Landscape::check_ref_on_map(const pb::OpId& ref, unsigned types, OpId map,
                                   const VersionVector& applied, std::string_view where) const {
  CONVENE_RETURN_IF_ERROR(check_ref(ref, types, applied, where));
  const OpId id = OpId::from_pb(ref);
  if (map_of(id) == map) return Status::ok();
  return record_error(where, id.str() + " is on map " + map_of(id).str() + ", not on " + map.str());
}

Status Landscape::validate(const pb::Op& op, const VersionVector& applied) const {
  switch (op.body_case()) {
    case pb::Op::kCreateMap:
      return check_text(op.create_map().name(), limits::kNameBytes, "create_map", "name");
    case pb::Op::kRename:
      return validate_rename(op.rename(), applied);
    case pb::Op::kRemove:
      return check_ref(op.remove().target(), kAnyBits, applied, "remove.target");
    case pb::Op::kRestore:
      return validate_restore(op.restore(), applied);
    case pb::Op::kCreateElement:
      CONVENE_RETURN_IF_ERROR(
          check_element_fields(op.create_element().fields(), "create_element.fields"));
      CONVENE_RETURN_IF_ERROR(
          check_ref(op.create_element().map(), kMapBit, applied, "create_element.map"));
      return validate_element(op.create_element().fields(),
                              OpId::from_pb(op.create_element().map()), applied,
                              "create_element.fields");
    case pb::Op::kUpdateElement:
      CONVENE_RETURN_IF_ERROR(
          check_element_fields(op.update_element().fields(), "update_element.fields"));
      CONVENE_RETURN_IF_ERROR(
          check_ref(op.update_element().element(), kElementBit, applied, "update_element.element"));
      return validate_element(op.update_element().fields(),
                              map_of(OpId::from_pb(op.update_element().element())), applied,
                              "update_element.fields");
    case pb::Op::kCreateConnection:
      return validate_create_connection(op.create_connection(), applied);
    case pb::Op::kUpdateConnection:
      CONVENE_RETURN_IF_ERROR(
          check_connection_fields(op.update_connection().fields(), "update_connection.fields"));
      return check_ref(op.update_connection().connection(), kConnectionBit, applied,
                       "update_connection.connection");
    case pb::Op::kCreateShape:
      return validate_create_shape(op.create_shape(), applied);
    case pb::Op::kUpdateShape:
      return validate_update_shape(op.update_shape(), applied);
    case pb::Op::kSetPerspective:
      return validate_set_perspective(op.set_perspective(), applied);
    default:
      if (Vocabulary::is_vocabulary_op(op)) return vocabulary_.validate(op, *this, applied);
      return Status::invalid("not a landscape op");
  }
}

// An element's custom kind is a kind of its own map (its map never changes,
// nor does the kind's: validity does not depend on the order of ops).
Status Landscape::validate_element(const pb::ElementFields& fields, OpId map,
                                   const VersionVector& applied, std::string_view where) const {
  if (!fields.has_custom_kind() || is_zero(fields.custom_kind())) return Status::ok();
  return check_ref_on_map(fields.custom_kind(), kKindBit, map, applied, where);
}

Status Landscape::validate_rename(const pb::Rename& op, const VersionVector& applied) const {
  CONVENE_RETURN_IF_ERROR(check_text(op.name(), limits::kNameBytes, "rename", "name"));
  return check_ref(op.target(), kMapBit, applied, "rename.target");
}

Status Landscape::validate_restore(const pb::Restore& op, const VersionVector& applied) const {
  if (op.removals().empty()) return Status::invalid("restore.removals: empty");
  CONVENE_RETURN_IF_ERROR(check_ref(op.target(), kAnyBits, applied, "restore.target"));
  const OpId target = OpId::from_pb(op.target());
  const Liveness& live = *liveness(target);
  for (const pb::OpId& ref : op.removals()) {
    const OpId r = OpId::from_pb(ref);
    if (live.has_removal(r)) continue;
    if (!r.valid()) return Status::invalid("restore.removals: unset id");
    if (!applied.contains(r)) return Status::missing(r);
    return Status::invalid("restore.removals: " + r.str() + " is not a removal of " + target.str());
  }
  return Status::ok();
}

Status Landscape::validate_create_connection(const pb::CreateConnection& op,
                                             const VersionVector& applied) const {
  CONVENE_RETURN_IF_ERROR(check_connection_fields(op.fields(), "create_connection.fields"));
  CONVENE_RETURN_IF_ERROR(check_ref(op.map(), kMapBit, applied, "create_connection.map"));
  CONVENE_RETURN_IF_ERROR(check_ref(op.from(), kElementBit, applied, "create_connection.from"));
  CONVENE_RETURN_IF_ERROR(check_ref(op.to(), kElementBit, applied, "create_connection.to"));
  // A connection never spans maps: both ends live on the connection's map.
  const OpId map = OpId::from_pb(op.map());
  for (const pb::OpId* end : {&op.from(), &op.to()}) {
    const Element& e = *element(OpId::from_pb(*end));
    if (e.map != map)
      return Status::invalid("create_connection: element " + e.id.str() + " is on map " +
                             e.map.str() + ", not on map " + map.str());
  }
  return Status::ok();
}

Status Landscape::validate_create_shape(const pb::CreateShape& op,
                                        const VersionVector& applied) const {
  if (!geometry_ok(op.geometry()))
    return Status::invalid("create_shape.geometry: must be polyline or polygon, not " +
                           std::to_string(op.geometry()));
  CONVENE_RETURN_IF_ERROR(check_shape_fields(op.fields(), op.geometry(), "create_shape.fields"));
  return check_ref(op.map(), kMapBit, applied, "create_shape.map");
}

Status Landscape::validate_update_shape(const pb::UpdateShape& op,
                                        const VersionVector& applied) const {
  // Body first (no geometry yet): an invalid op must not wait for its target.
  CONVENE_RETURN_IF_ERROR(
      check_shape_fields(op.fields(), pb::GEOMETRY_UNSPECIFIED, "update_shape.fields"));
  CONVENE_RETURN_IF_ERROR(check_ref(op.shape(), kShapeBit, applied, "update_shape.shape"));
  if (!op.fields().has_path()) return Status::ok();
  return check_path(op.fields().path(), shape(OpId::from_pb(op.shape()))->geometry,
                    "update_shape.fields");
}

Status Landscape::validate_set_perspective(const pb::SetPerspective& op,
                                           const VersionVector& applied) const {
  CONVENE_RETURN_IF_ERROR(check_perspective(op.aspect(), op.participant(), op.has_value(),
                                            op.value(), "set_perspective"));
  return check_ref(op.target(), kElementBit | kConnectionBit, applied, "set_perspective.target");
}

// ---- applying --------------------------------------------------------------------

void Landscape::apply(const pb::Op& op) {
  const OpId id = op_id(op);
  const Stamp stamp = op_stamp(op);
  const auto same = [stamp](int) { return stamp; };
  switch (op.body_case()) {
    case pb::Op::kCreateMap:
      if (auto [it, fresh] = maps_.try_emplace(id); fresh) {
        it->second.id = id;
        put(it->second.name, op.create_map().name(), stamp);
      }
      break;
    case pb::Op::kRename:
      if (MapEntity* m = find(maps_, OpId::from_pb(op.rename().target())))
        put(m->name, op.rename().name(), stamp);
      break;
    case pb::Op::kRemove:
      if (Liveness* l = mutable_liveness(OpId::from_pb(op.remove().target()))) l->add_removal(id);
      break;
    case pb::Op::kRestore:
      if (Liveness* l = mutable_liveness(OpId::from_pb(op.restore().target())))
        l->cancel(restored_removals(op.restore()));
      break;
    case pb::Op::kCreateElement:
      apply_create_element(id, op.create_element(), stamp);
      break;
    case pb::Op::kUpdateElement:
      if (Element* e = find(elements_, OpId::from_pb(op.update_element().element())))
        write_fields(*e, op.update_element().fields(), same);
      break;
    case pb::Op::kCreateConnection:
      apply_create_connection(id, op.create_connection(), stamp);
      break;
    case pb::Op::kUpdateConnection:
      if (Connection* c = find(connections_, OpId::from_pb(op.update_connection().connection())))
        write_fields(*c, op.update_connection().fields(), same);
      break;
    case pb::Op::kCreateShape:
      apply_create_shape(id, op.create_shape(), stamp);
      break;
    case pb::Op::kUpdateShape:
      if (Shape* s = find(shapes_, OpId::from_pb(op.update_shape().shape())))
        write_fields(*s, op.update_shape().fields(), same);
      break;
    case pb::Op::kSetPerspective:
      apply_set_perspective(op.set_perspective(), stamp);
      break;
    default:
      vocabulary_.apply(op);
      break;
  }
}

// Creation is a no-op for an id that exists: a second delivery must not reset
// the entity's liveness.
void Landscape::apply_create_element(OpId id, const pb::CreateElement& op, Stamp stamp) {
  auto [it, fresh] = elements_.try_emplace(id);
  if (!fresh) return;
  Element& e = it->second;
  e.id = id;
  e.map = OpId::from_pb(op.map());
  write_fields(e, op.fields(), [stamp](int) { return stamp; });
}

void Landscape::apply_create_connection(OpId id, const pb::CreateConnection& op, Stamp stamp) {
  auto [it, fresh] = connections_.try_emplace(id);
  if (!fresh) return;
  Connection& c = it->second;
  c.id = id;
  c.map = OpId::from_pb(op.map());
  c.from = OpId::from_pb(op.from());
  c.to = OpId::from_pb(op.to());
  write_fields(c, op.fields(), [stamp](int) { return stamp; });
}

void Landscape::apply_create_shape(OpId id, const pb::CreateShape& op, Stamp stamp) {
  auto [it, fresh] = shapes_.try_emplace(id);
  if (!fresh) return;
  Shape& s = it->second;
  s.id = id;
  s.map = OpId::from_pb(op.map());
  s.geometry = op.geometry();
  write_fields(s, op.fields(), [stamp](int) { return stamp; });
}

void Landscape::apply_set_perspective(const pb::SetPerspective& op, Stamp stamp) {
  Participants& participants =
      perspectives_[PerspectiveKey{OpId::from_pb(op.target()), op.aspect()}];
  PerspectiveValue& v = participants[op.participant()];
  if (stamp <= v.stamp) return;
  v.stamp = stamp;
  v.value = op.has_value() ? std::optional<double>(op.value()) : std::nullopt;
}

// ---- lookups and visibility ------------------------------------------------------

const MapEntity* Landscape::map(OpId id) const {
  return find(maps_, id);
}
const Element* Landscape::element(OpId id) const {
  return find(elements_, id);
}
const Connection* Landscape::connection(OpId id) const {
  return find(connections_, id);
}
const Shape* Landscape::shape(OpId id) const {
  return find(shapes_, id);
}

bool Landscape::map_visible(OpId id) const {
  const MapEntity* m = map(id);
  return m && !m->liveness.removed();
}

bool Landscape::element_visible(OpId id) const {
  const Element* e = element(id);
  return e && !e->liveness.removed() && map_visible(e->map);
}

bool Landscape::connection_visible(OpId id) const {
  const Connection* c = connection(id);
  return c && !c->liveness.removed() && map_visible(c->map) && element_visible(c->from) &&
         element_visible(c->to);
}

bool Landscape::shape_visible(OpId id) const {
  const Shape* s = shape(id);
  return s && !s->liveness.removed() && map_visible(s->map);
}

std::vector<OpId> Landscape::maps() const {
  std::vector<OpId> out;
  for (const auto& [id, m] : maps_)
    if (!m.liveness.removed()) out.push_back(id);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<OpId> Landscape::elements_of(OpId map) const {
  std::vector<OpId> out;
  if (!map_visible(map)) return out;
  for (const auto& [id, e] : elements_)
    if (e.map == map && !e.liveness.removed()) out.push_back(id);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<OpId> Landscape::connections_of(OpId map) const {
  std::vector<OpId> out;
  if (!map_visible(map)) return out;
  for (const auto& [id, c] : connections_)
    if (c.map == map && connection_visible(id)) out.push_back(id);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<OpId> Landscape::shapes_of(OpId map) const {
  std::vector<OpId> out;
  if (!map_visible(map)) return out;
  for (const auto& [id, s] : shapes_)
    if (s.map == map && !s.liveness.removed()) out.push_back(id);
  std::sort(out.begin(), out.end());
  return out;
}

// ---- perspectives ----------------------------------------------------------------

std::vector<std::pair<std::string, double>> Landscape::perspective(
    const PerspectiveKey& key) const {
  std::vector<std::pair<std::string, double>> out;
  auto it = perspectives_.find(key);
  if (it == perspectives_.end()) return out;
  for (const auto& [participant, v] : it->second)
    if (v.value) out.emplace_back(participant, *v.value);
  return out;
}

PerspectiveAggregate Landscape::aggregate(const PerspectiveKey& key) const {
  auto it = perspectives_.find(key);
  return it == perspectives_.end() ? PerspectiveAggregate{} : summarise(it->second);
}

std::optional<double> Landscape::perspective_of(const PerspectiveKey& key,
                                                const std::string& participant) const {
  auto it = perspectives_.find(key);
  if (it == perspectives_.end()) return std::nullopt;
  auto p = it->second.find(participant);
  return p == it->second.end() ? std::nullopt : p->second.value;
}

PerspectiveAggregate Landscape::summarise(const Participants& participants) {
  PerspectiveAggregate a;
  double sum = 0;
  for (const auto& [participant, v] : participants) {
    if (!v.value) continue;
    const double x = *v.value;
    a.min = a.count == 0 ? x : std::min(a.min, x);
    a.max = a.count == 0 ? x : std::max(a.max, x);
    sum += x;
    ++a.count;
  }
  if (a.count == 0) return a;
  a.mean = sum / static_cast<double>(a.count);
  // Two passes: subtracting the mean first keeps the variance accurate.
  double squares = 0;
  for (const auto& [participant, v] : participants)
    if (v.value) squares += (*v.value - a.mean) * (*v.value - a.mean);
  a.spread = std::sqrt(squares / static_cast<double>(a.count));
  return a;
}

// ---- snapshots -------------------------------------------------------------------

void Landscape::encode(pb::Snapshot* out) const {
  out->clear_maps();
  out->clear_elements();
  out->clear_connections();
  out->clear_shapes();
  out->clear_perspectives();
  for (const MapEntity* m : sorted_by_id(maps_)) encode_map(*m, out->add_maps());
  for (const Element* e : sorted_by_id(elements_)) encode_element(*e, out->add_elements());
  for (const Connection* c : sorted_by_id(connections_))
    encode_connection(*c, out->add_connections());
  for (const Shape* s : sorted_by_id(shapes_)) encode_shape(*s, out->add_shapes());
  for (const auto& [key, participants] : perspectives_) {
    for (const auto& [participant, v] : participants) {
      pb::PerspectiveRecord* r = out->add_perspectives();
      key.target.to_pb(r->mutable_target());
      r->set_aspect(key.aspect);
      r->set_participant(participant);
      if (v.value) r->set_value(*v.value);
      write_stamp(v.stamp, r->mutable_stamp());
    }
  }
  vocabulary_.encode(out);
}

Status Landscape::decode(const pb::Snapshot& in) {
  // Decode aside, so a corrupt snapshot leaves this landscape untouched.
  Landscape next;
  Status s = next.decode_records(in);
  if (s.is_ok()) s = next.check_invariants();
  if (!s.is_ok()) return Status::corrupt("landscape snapshot: " + s.message());
  maps_ = std::move(next.maps_);
  elements_ = std::move(next.elements_);
  connections_ = std::move(next.connections_);
  shapes_ = std::move(next.shapes_);
  perspectives_ = std::move(next.perspectives_);
  vocabulary_ = std::move(next.vocabulary_);
  return Status::ok();
}

Status Landscape::decode_records(const pb::Snapshot& in) {
  CONVENE_RETURN_IF_ERROR(read_table(in.maps(), read_map, &maps_));
  CONVENE_RETURN_IF_ERROR(read_table(in.elements(), read_element, &elements_));
  CONVENE_RETURN_IF_ERROR(read_table(in.connections(), read_connection, &connections_));
  CONVENE_RETURN_IF_ERROR(read_table(in.shapes(), read_shape, &shapes_));
  CONVENE_RETURN_IF_ERROR(vocabulary_.decode(in));
  return decode_perspectives(in.perspectives());
}

Status Landscape::decode_perspectives(const RepeatedPtrField<pb::PerspectiveRecord>& records) {
  const PerspectiveKey* previous_key = nullptr;
  const std::string* previous_participant = nullptr;
  for (const pb::PerspectiveRecord& r : records) {
    PerspectiveKey key{OpId::from_pb(r.target()), r.aspect()};
    const std::string where = "perspective on " + key.target.str();
    CONVENE_RETURN_IF_ERROR(
        check_perspective(r.aspect(), r.participant(), r.has_value(), r.value(), where));
    const Stamp stamp = read_stamp(r.stamp());
    if (!stamp.valid()) return record_error(where, "no stamp");
    const bool sorted = !previous_key || *previous_key < key ||
                        (*previous_key == key && *previous_participant < r.participant());
    if (!sorted) return record_error(where, "records unsorted or repeated");
    auto it = perspectives_.try_emplace(std::move(key)).first;
    const std::optional<double> value =
        r.has_value() ? std::optional<double>(r.value()) : std::nullopt;
    auto p = it->second.emplace(r.participant(), PerspectiveValue{value, stamp}).first;
    previous_key = &it->first;
    previous_participant = &p->first;
  }
  return Status::ok();
}

// ---- invariants ------------------------------------------------------------------

Status Landscape::check_invariants() const {
  CONVENE_RETURN_IF_ERROR(check_maps());
  CONVENE_RETURN_IF_ERROR(check_elements());
  CONVENE_RETURN_IF_ERROR(check_connections());
  CONVENE_RETURN_IF_ERROR(check_shapes());
  CONVENE_RETURN_IF_ERROR(vocabulary_.check_invariants(*this));
  return check_perspectives();
}

Status Landscape::check_maps() const {
  for (const auto& [id, m] : maps_) {
    const std::string where = "map " + id.str();
    CONVENE_RETURN_IF_ERROR(check_key(id, m, where));
    if (is_a(id, kAnyBits & ~kMapBit)) return record_error(where, "id names two entities");
    if (!m.name.set()) return record_error(where, "name never written");
    CONVENE_RETURN_IF_ERROR(check_liveness(m.liveness, where));
  }
  return Status::ok();
}

Status Landscape::check_elements() const {
  for (const auto& [id, e] : elements_) {
    const std::string where = "element " + id.str();
    CONVENE_RETURN_IF_ERROR(check_key(id, e, where));
    if (is_a(id, kAnyBits & ~kElementBit)) return record_error(where, "id names two entities");
    if (!map(e.map)) return record_error(where, "on unknown map " + e.map.str());
    CONVENE_RETURN_IF_ERROR(check_enum(e.kind.value, pb::ElementKind_IsValid, where, "kind"));
    CONVENE_RETURN_IF_ERROR(check_enum(e.scale.value, pb::ScaleLevel_IsValid, where, "scale"));
    CONVENE_RETURN_IF_ERROR(check_point(e.position.value, where, "position"));
    const OpId kind = e.custom_kind.value;
    if (kind != OpId{} && (!vocabulary_.kind(kind) || vocabulary_.kind(kind)->map != e.map))
      return record_error(where, "custom kind " + kind.str() + " is not a kind of its map");
    CONVENE_RETURN_IF_ERROR(check_liveness(e.liveness, where));
  }
  return Status::ok();
}

Status Landscape::check_connections() const {
  for (const auto& [id, c] : connections_) {
    const std::string where = "connection " + id.str();
    CONVENE_RETURN_IF_ERROR(check_key(id, c, where));
    if (is_a(id, kAnyBits & ~kConnectionBit)) return record_error(where, "id names two entities");
    if (!map(c.map)) return record_error(where, "on unknown map " + c.map.str());
    for (OpId end : {c.from, c.to}) {
      const Element* e = element(end);
      if (!e) return record_error(where, "end " + end.str() + " is not an element");
      if (e->map != c.map) return record_error(where, "end " + end.str() + " is on another map");
    }
    CONVENE_RETURN_IF_ERROR(
        check_enum(c.direction.value, pb::Direction_IsValid, where, "direction"));
    CONVENE_RETURN_IF_ERROR(check_enum(c.kind.value, pb::ConnectionKind_IsValid, where, "kind"));
    CONVENE_RETURN_IF_ERROR(check_depth(c.depth.value, where));
    CONVENE_RETURN_IF_ERROR(check_liveness(c.liveness, where));
  }
  return Status::ok();
}

Status Landscape::check_shapes() const {
  for (const auto& [id, s] : shapes_) {
    const std::string where = "shape " + id.str();
    CONVENE_RETURN_IF_ERROR(check_key(id, s, where));
    if (is_a(id, kAnyBits & ~kShapeBit)) return record_error(where, "id names two entities");
    if (!map(s.map)) return record_error(where, "on unknown map " + s.map.str());
    if (!geometry_ok(s.geometry)) return record_error(where, "geometry unset or unknown");
    CONVENE_RETURN_IF_ERROR(check_enum(s.type.value, pb::BoundaryType_IsValid, where, "type"));
    if (s.path.value.size() > limits::kPathPoints) return record_error(where, "path too long");
    for (const pb::Point& p : s.path.value) CONVENE_RETURN_IF_ERROR(check_point(p, where, "path"));
    CONVENE_RETURN_IF_ERROR(check_liveness(s.liveness, where));
  }
  return Status::ok();
}

Status Landscape::check_perspectives() const {
  for (const auto& [key, participants] : perspectives_) {
    const std::string where = "perspective on " + key.target.str();
    if (!is_a(key.target, kElementBit | kConnectionBit))
      return record_error(where, "target is not an element or connection");
    for (const auto& [participant, v] : participants) {
      CONVENE_RETURN_IF_ERROR(check_perspective(key.aspect, participant, v.value.has_value(),
                                                v.value.value_or(0), where));
      if (!v.stamp.valid()) return record_error(where, "value never written");
    }
  }
  return Status::ok();
}

// ---- JSON ------------------------------------------------------------------------

void Landscape::to_json(nlohmann::json& out) const {
  const auto live = [](const auto& entity) { return !entity.liveness.removed(); };
  const auto elements = group_by_map(elements_, live);
  const auto connections =
      group_by_map(connections_, [this](const Connection& c) { return connection_visible(c.id); });
  const auto shapes = group_by_map(shapes_, live);
  const auto element_to_json = [this](const Element& e) { return element_json(e); };
  const auto connection_to_json = [this](const Connection& c) { return connection_json(c); };
  auto vocabularies = vocabulary_.maps_json(*this);
  nlohmann::json list = nlohmann::json::array();
  for (OpId id : maps()) {
    list.push_back({{"id", id.str()},
                    {"name", maps_.at(id).name.value},
                    {"elements", group_json(elements, id, element_to_json)},
                    {"connections", group_json(connections, id, connection_to_json)},
                    {"shapes", group_json(shapes, id, shape_json)}});
    if (auto it = vocabularies.find(id); it != vocabularies.end())
      list.back().update(std::move(it->second));
  }
  out["maps"] = std::move(list);
}

nlohmann::json Landscape::element_json(const Element& e) const {
  nlohmann::json out = {{"id", e.id.str()},
                        {"kind", enum_json(pb::ElementKind_Name(e.kind.value), "ELEMENT_KIND_")},
                        {"label", e.label.value},
                        {"notes", e.notes.value},
                        {"position", point_json(e.position.value)},
                        {"scale", enum_json(pb::ScaleLevel_Name(e.scale.value), "SCALE_LEVEL_")},
                        {"color", e.color.value},
                        {"shape", e.shape.value},
                        {"self_of", e.self_of.value},
                        {"perspectives", perspectives_json(e.id)}};
  const OpId kind = e.custom_kind.value;
  if (kind.valid() && vocabulary_.visible(kind, *this)) out["custom_kind"] = kind.str();
  if (e.pinned.value) out["pinned"] = true;
  vocabulary_.add_target_json(e.id, *this, out);
  return out;
}

nlohmann::json Landscape::connection_json(const Connection& c) const {
  nlohmann::json out = {
      {"id", c.id.str()},
      {"from", c.from.str()},
      {"to", c.to.str()},
      {"direction", enum_json(pb::Direction_Name(c.direction.value), "DIRECTION_")},
      {"depth", c.depth.value},
      {"kind", enum_json(pb::ConnectionKind_Name(c.kind.value), "CONNECTION_KIND_")},
      {"label", c.label.value},
      {"perspectives", perspectives_json(c.id)}};
  vocabulary_.add_target_json(c.id, *this, out);
  return out;
}

// Aspects of `target` with at least one value; withdrawn values are left out.
nlohmann::json Landscape::perspectives_json(OpId target) const {
  nlohmann::json out = nlohmann::json::object();
  for (auto it = perspectives_.lower_bound(PerspectiveKey{target, {}});
       it != perspectives_.end() && it->first.target == target; ++it) {
    const PerspectiveAggregate a = summarise(it->second);
    if (a.count == 0) continue;
    nlohmann::json values = nlohmann::json::object();
    for (const auto& [participant, v] : it->second)
      if (v.value) values[participant] = *v.value;
    out[it->first.aspect] = {{"values", std::move(values)},
                             {"count", a.count},
                             {"mean", a.mean},
                             {"min", a.min},
                             {"max", a.max},
                             {"spread", a.spread}};
  }
  return out;
}

}  // namespace convene::crdt
