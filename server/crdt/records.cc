#include "crdt/records.h"

#include <cmath>
#include <functional>

#include "crdt/limits.h"
#include "crdt/utf8.h"

namespace convene::crdt::records {

Status field_error(std::string_view where, std::string_view field, std::string_view problem) {
  std::string message(where);
  message.append(".").append(field).append(": ").append(problem);
  return Status::invalid(std::move(message));
}

Status check_text(const std::string& s, size_t max_bytes, std::string_view where,
                  std::string_view field) {
  if (s.size() > max_bytes)
    return field_error(where, field, "longer than " + std::to_string(max_bytes) + " bytes");
  if (!utf8::valid(s)) return field_error(where, field, "not valid UTF-8");
  return Status::ok();
}

Status check_name(const std::string& s, size_t max_bytes, std::string_view where,
                  std::string_view field) {
  if (s.empty()) return field_error(where, field, "empty");
  return check_text(s, max_bytes, where, field);
}

Status check_enum(int value, bool (*is_valid)(int), std::string_view where,
                  std::string_view field) {
  if (is_valid(value)) return Status::ok();
  return field_error(where, field, "unknown enum value " + std::to_string(value));
}

bool coordinate_ok(double v) {
  return std::isfinite(v) && std::fabs(v) <= limits::kCoordinate;
}

Status record_error(std::string_view where, std::string_view problem) {
  std::string message(where);
  message.append(": ").append(problem);
  return Status::invalid(std::move(message));
}

void write_stamp(Stamp s, pb::Stamp* out) {
  out->set_lamport(s.lamport);
  out->set_replica(s.replica);
}

Stamp read_stamp(const pb::Stamp& s) {
  return {s.lamport(), s.replica()};
}

bool strictly_sorted(const std::vector<OpId>& ids) {
  return std::adjacent_find(ids.begin(), ids.end(), std::greater_equal<OpId>()) == ids.end();
}

Status read_ids(const RepeatedPtrField<pb::OpId>& in, std::string_view where,
                std::vector<OpId>* out) {
  for (const pb::OpId& id : in) out->push_back(OpId::from_pb(id));
  const bool all_valid = std::all_of(out->begin(), out->end(), [](OpId id) { return id.valid(); });
  if (!all_valid || !strictly_sorted(*out)) return record_error(where, "ids not sorted or unset");
  return Status::ok();
}

Status read_liveness(const pb::Liveness& in, std::string_view where, Liveness* out) {
  std::vector<OpId> removals, cancelled;
  CONVENE_RETURN_IF_ERROR(read_ids(in.removals(), where, &removals));
  CONVENE_RETURN_IF_ERROR(read_ids(in.cancelled(), where, &cancelled));
  if (!std::includes(removals.begin(), removals.end(), cancelled.begin(), cancelled.end()))
    return record_error(where, "cancels a removal it does not have");
  for (OpId r : removals) out->add_removal(r);
  out->cancel(std::move(cancelled));
  return Status::ok();
}

Status read_field_stamps(const RepeatedPtrField<pb::FieldStamp>& in, uint32_t max_field,
                         std::string_view where, StampTable* out) {
  uint32_t previous = 0;
  for (const pb::FieldStamp& fs : in) {
    const Stamp s = read_stamp(fs.stamp());
    if (fs.field() <= previous || fs.field() > max_field || !s.valid())
      return record_error(
          where, "field stamp " + std::to_string(fs.field()) + " unknown, out of order or zero");
    (*out)[fs.field()] = s;
    previous = fs.field();
  }
  return Status::ok();
}

Status check_presence(const StampTable& stamps, std::initializer_list<bool> present,
                      std::string_view where) {
  size_t field = 1;
  for (bool has : present) {
    if (has != stamps[field].valid())
      return record_error(where, "field " + std::to_string(field) + " and its stamp disagree");
    ++field;
  }
  return Status::ok();
}

Status check_liveness(const Liveness& l, std::string_view where) {
  if (!strictly_sorted(l.removals()) || !strictly_sorted(l.cancelled()))
    return record_error(where, "liveness not sorted and unique");
  if (!std::includes(l.removals().begin(), l.removals().end(), l.cancelled().begin(),
                     l.cancelled().end()))
    return record_error(where, "a cancelled removal is not among its removals");
  return Status::ok();
}

std::string enum_json(const std::string& full_name, std::string_view prefix) {
  std::string_view rest(full_name);
  if (rest.starts_with(prefix)) rest.remove_prefix(prefix.size());
  if (rest == "UNSPECIFIED") return "";
  std::string out(rest);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

}  // namespace convene::crdt::records
