// Checks and snapshot-record helpers shared by the map modules (landscape.cc,
// vocabulary*.cc): text and enum checks, last-writer-wins writes, stamps and
// liveness in records, and the grouping the canonical JSON needs.
//
// Internal to server/crdt: included by .cc files only. Every check returns
// Status::invalid naming "where.field"; record readers name the record.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "convene/v1/snapshot.pb.h"
#include "crdt/ids.h"
#include "crdt/lww.h"

// Validation returns the first failure; this keeps the checks one per line.
#define CONVENE_RETURN_IF_ERROR(expr)                              \
  do {                                                             \
    if (Status status_ = (expr); !status_.is_ok()) return status_; \
  } while (false)

namespace convene::crdt::records {

using google::protobuf::RepeatedPtrField;

// ---- checks on values, shared by validation, decoding and invariants ---------

Status field_error(std::string_view where, std::string_view field, std::string_view problem);
// At most `max_bytes` of valid UTF-8 (empty allowed).
Status check_text(const std::string& s, size_t max_bytes, std::string_view where,
                  std::string_view field);
// The same, not empty: participant ids and aspect names name something.
Status check_name(const std::string& s, size_t max_bytes, std::string_view where,
                  std::string_view field);
// proto3 keeps enum values it does not know; they must not reach the state.
Status check_enum(int value, bool (*is_valid)(int), std::string_view where, std::string_view field);
// Finite and within limits::kCoordinate.
bool coordinate_ok(double v);
// The zero id: "none" where a reference is optional.
inline bool is_zero(const pb::OpId& id) {
  return id.replica() == 0 && id.counter() == 0;
}

// ---- writing fields ----------------------------------------------------------

template <class Table>
auto find(Table& table, OpId id) -> decltype(&table.begin()->second) {
  auto it = table.find(id);
  return it == table.end() ? nullptr : &it->second;
}

// Last writer wins; assigning in place reuses the string's buffer.
template <class T, class V>
void put(Lww<T>& reg, const V& value, Stamp stamp) {
  if (stamp <= reg.stamp) return;
  reg.value = value;
  reg.stamp = stamp;
}

// ---- snapshot records --------------------------------------------------------

Status record_error(std::string_view where, std::string_view problem);
void write_stamp(Stamp s, pb::Stamp* out);
Stamp read_stamp(const pb::Stamp& s);
bool strictly_sorted(const std::vector<OpId>& ids);

// Records only carry liveness once something was removed.
template <class Record>
void encode_liveness(const Liveness& l, Record* r) {
  if (l.removals().empty() && l.cancelled().empty()) return;
  pb::Liveness* out = r->mutable_liveness();
  for (const OpId& id : l.removals()) id.to_pb(out->add_removals());
  for (const OpId& id : l.cancelled()) id.to_pb(out->add_cancelled());
}

// Appends a field's stamp when the field was ever written; field numbers are
// visited in increasing order, so the stamps come out sorted.
template <class T>
bool stamped(const Lww<T>& reg, int field, RepeatedPtrField<pb::FieldStamp>* stamps) {
  if (!reg.set()) return false;
  pb::FieldStamp* fs = stamps->Add();
  fs->set_field(field);
  write_stamp(reg.stamp, fs->mutable_stamp());
  return true;
}

template <class T>
std::vector<const T*> sorted_by_id(const std::unordered_map<OpId, T>& table) {
  std::vector<const T*> out;
  out.reserve(table.size());
  for (const auto& [id, entity] : table) out.push_back(&entity);
  std::sort(out.begin(), out.end(), [](const T* a, const T* b) { return a->id < b->id; });
  return out;
}

// Ids that must be set, strictly increasing.
Status read_ids(const RepeatedPtrField<pb::OpId>& in, std::string_view where,
                std::vector<OpId>* out);
Status read_liveness(const pb::Liveness& in, std::string_view where, Liveness* out);

// Field stamps by field number; an invalid stamp where the field is absent.
using StampTable = std::array<Stamp, 11>;
Status read_field_stamps(const RepeatedPtrField<pb::FieldStamp>& in, uint32_t max_field,
                         std::string_view where, StampTable* out);
// Every present field has a stamp and every stamp a field.
Status check_presence(const StampTable& stamps, std::initializer_list<bool> present,
                      std::string_view where);

// Reads records that must come strictly sorted by id into `table`.
template <class Record, class Entity, class Reader>
Status read_table(const RepeatedPtrField<Record>& records, Reader read,
                  std::unordered_map<OpId, Entity>* table) {
  OpId previous;
  for (const Record& r : records) {
    Entity e;
    CONVENE_RETURN_IF_ERROR(read(r, &e));
    if (!e.id.valid() || e.id <= previous)
      return record_error(e.id.str(), "record ids unset, unsorted or repeated");
    previous = e.id;
    table->emplace(e.id, std::move(e));
  }
  return Status::ok();
}

// ---- invariants ----------------------------------------------------------------

Status check_liveness(const Liveness& l, std::string_view where);

template <class T>
Status check_key(OpId key, const T& entity, std::string_view where) {
  if (!key.valid() || key != entity.id) return record_error(where, "keyed under a different id");
  return Status::ok();
}

// ---- JSON ----------------------------------------------------------------------

// "ELEMENT_KIND_INSTITUTION" -> "institution"; UNSPECIFIED -> "".
std::string enum_json(const std::string& full_name, std::string_view prefix);

// The entities that pass `keep`, grouped by map, each group sorted by id. One
// pass over all of them: an export costs O(n log n) however many maps there
// are, not O(maps x entities) (docs/threat-model.md, F5).
template <class Entity, class Keep>
std::unordered_map<OpId, std::vector<const Entity*>> group_by_map(
    const std::unordered_map<OpId, Entity>& all, Keep keep) {
  std::unordered_map<OpId, std::vector<const Entity*>> out;
  for (const auto& [id, e] : all)
    if (keep(e)) out[e.map].push_back(&e);
  for (auto& [map, group] : out)
    std::sort(group.begin(), group.end(),
              [](const Entity* a, const Entity* b) { return a->id < b->id; });
  return out;
}

// The JSON of the group of `map` (an empty array when it has none).
template <class Entity, class ToJson>
nlohmann::json group_json(const std::unordered_map<OpId, std::vector<const Entity*>>& groups,
                          OpId map, ToJson to_json) {
  nlohmann::json out = nlohmann::json::array();
  if (auto it = groups.find(map); it != groups.end())
    for (const Entity* e : it->second) out.push_back(to_json(*e));
  return out;
}

}  // namespace convene::crdt::records
