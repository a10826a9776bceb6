// libFuzzer target: what members say about themselves, from the Hello to the
// export (docs/threat-model.md, F1 and F3). The bytes are decoded into steps:
// Hellos (name, colour, replica, secret) admitted to a MemberDirectory as a
// room admits them, with rooms::clean_name and clean_colour; member records
// written to a real store (a temporary directory) as the room writes them,
// and records of an older server written there as they were; reloads of the
// directory from the store; presence states judged by
// rooms::presence_problem; quota spends; and exports of the member records,
// by http/api.cc's export_members. After every step:
// - nothing throws;
// - every name and colour that leaves the server (in a Welcome, a presence
//   update or an export) is valid UTF-8 of at most 64 code points with no
//   control, zero-width or bidirectional character, and every colour is
//   #rrggbb; cleaning a clean name or colour changes nothing;
// - a Welcome carrying them decodes under protobuf's strict UTF-8 check;
// - a replica's record never changes owner (its secret) once claimed, unless
//   it was given up;
// - a claim never takes the directory past its bound; in a full directory
//   it takes the place of the record the room lets go (offline, no ops: a
//   step here says which) seen least recently, and of no other;
// - presence_problem agrees with an independent reading of the bounds.
#include <fuzzer/FuzzedDataProvider.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "convene/v1/protocol.pb.h"
#include "crdt/utf8.h"
#include "fuzz_support.h"
#include "http/api.h"
#include "rooms/identity.h"
#include "rooms/members.h"
#include "rooms/tokens.h"
#include "store/store.h"

namespace {

using namespace convene;
namespace pb = ::convene::v1;
namespace fs = std::filesystem;
using fuzz::require;
using nlohmann::json;

// A new store every kInputsPerStore inputs: each input writes records of a
// convening of its own, which nothing ever deletes.
constexpr uint64_t kInputsPerStore = 10'000;

fs::path store_dir() {
  return fs::temp_directory_path() / ("convene-fuzz-members-" + std::to_string(getpid()));
}

std::unique_ptr<store::Store>& store_slot() {
  static auto* slot = new std::unique_ptr<store::Store>();  // never destroyed (below)
  return *slot;
}

store::Store& fresh_store() {
  auto& slot = store_slot();
  slot.reset();
  fs::remove_all(store_dir());
  store::Status status;
  slot = store::Store::open(store_dir().string(), store::Durability::kNone, &status);
  require(slot != nullptr, "cannot open the store: " + status.message());
  return *slot;
}

// ---- what may leave the server ----------------------------------------------------------

bool invisible(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0x200B && cp <= 0x200F) ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

void require_clean_name(const std::string& name, const char* where) {
  const std::string at = std::string(" (") + where + ")";
  require(crdt::utf8::valid(name), "a name that is not UTF-8" + at);
  const std::u32string cps = crdt::utf8::decode_lenient(name);
  require(!cps.empty() && cps.size() <= rooms::kMaxNameCodePoints,
          "a name of " + std::to_string(cps.size()) + " code points" + at);
  for (char32_t cp : cps)
    require(!invisible(cp), "a name holding U+" + std::to_string(static_cast<uint32_t>(cp)) + at);
  require(rooms::clean_name(name) == name, "cleaning a clean name changed it" + at);
}

void require_clean_colour(const std::string& colour, const char* where) {
  const bool hex = colour.size() == 7 && colour[0] == '#' &&
                   std::all_of(colour.begin() + 1, colour.end(), [](char c) {
                     return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                   });
  require(hex, "colour '" + colour + "' (" + where + ")");
  require(rooms::clean_colour(colour) == colour,
          std::string("cleaning a colour changed it (") + where + ")");
}

// The bounds of docs/protocol.md, read independently of presence_problem.
bool presence_within_bounds(const pb::PresenceState& p) {
  const auto& c = p.cursor();
  const auto& v = p.viewport();
  for (double d : {c.x(), c.y(), v.x(), v.y(), v.zoom()})
    if (!std::isfinite(d)) return false;
  const std::string& f = p.following();
  const bool following_ok =
      f.empty() || (f.size() == 16 && std::all_of(f.begin(), f.end(), [](char ch) {
                      return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
                    }));
  return p.ByteSizeLong() <= rooms::kMaxPresenceBytes &&
         p.selection_size() <= rooms::kMaxPresenceSelection && following_ok;
}

// ---- one input: a convening's members ------------------------------------------------------

class Members {
 public:
  Members(store::Store& store, std::string convening, size_t max_records, rooms::MemberQuota quota)
      : store_(store),
        convening_(std::move(convening)),
        max_records_(max_records),
        quota_(quota),
        directory_({}, max_records, quota, evictable()) {}

  void step(FuzzedDataProvider& in) {
    switch (in.ConsumeIntegralInRange(0, 6)) {
      case 0:
        return hello(in);
      case 1:
        return presence(in);
      case 2:
        return old_record(in);
      case 3:
        return reload();
      case 4:
        return export_members();
      case 5:
        return spend(in);
      default:
        return toggle_evictable(in);
    }
  }

  // The members of an export, as export_convening writes them.
  void export_members() const {
    store::Status s;
    const std::vector<store::Member> records = store_.members(convening_, &s);
    require(s.is_ok(), "members() failed: " + s.message());
    const json out{{"members", server::export_members(records)}};
    const json back =
        json::parse(out.dump(-1, ' ', false, json::error_handler_t::strict), nullptr, false);
    require(!back.is_discarded(), "the export is not JSON");
    for (const json& m : back["members"]) {
      require_clean_name(m["name"].get<std::string>(), "an export");
      require_clean_colour(m["colour"].get<std::string>(), "an export");
    }
  }

 private:
  std::string member_id(FuzzedDataProvider& in) {
    return rooms::member_id_of(in.ConsumeIntegralInRange<uint64_t>(0, 31));
  }

  // What the room says of a record: whether it may make room for another
  // (in the room: its replica is offline and never made an op).
  rooms::MemberDirectory::Evictable evictable() {
    return [this](const store::Member& m) { return may_go_.count(m.id) > 0; };
  }

  void toggle_evictable(FuzzedDataProvider& in) {
    const std::string id = member_id(in);
    if (!may_go_.erase(id)) may_go_.insert(id);
  }

  bool full() const { return max_records_ > 0 && held_.size() >= max_records_; }

  // When the record that may go and was seen least recently was seen.
  std::optional<int64_t> least_seen_evictable() const {
    std::optional<int64_t> least;
    for (const auto& [id, held] : held_)
      if (may_go_.count(id) && (!least || held.seen < *least)) least = held.seen;
    return least;
  }

  // What the directory must answer, from the records it holds: a replica's
  // first claim binds it to its secret; a record without one is bound by its
  // next claim; a new replica finds room below the bound, or in the place of
  // a record that may go.
  rooms::MemberDirectory::Claim expected(const std::string& id, const std::string& hash) const {
    using Claim = rooms::MemberDirectory::Claim;
    const auto it = held_.find(id);
    if (it == held_.end())
      return full() && !least_seen_evictable() ? Claim::kFull : Claim::kClaimed;
    if (it->second.hash.empty()) return Claim::kClaimed;
    return it->second.hash == hash ? Claim::kReturning : Claim::kWrongSecret;
  }

  // A record given up for `id` must be one that may go, seen least recently;
  // none when there was room.
  void require_eviction(const std::string& id, bool was_full, const std::string& evicted) const {
    if (!was_full || held_.count(id)) return require(evicted.empty(), "gave up a record with room");
    const auto gone = held_.find(evicted);
    require(gone != held_.end() && may_go_.count(evicted) > 0,
            "gave up a record the room keeps: '" + evicted + "'");
    require(gone->second.seen == least_seen_evictable(), "gave up a record seen more recently");
  }

  // A Hello, admitted as Room::do_join admits it.
  void hello(FuzzedDataProvider& in) {
    using Claim = rooms::MemberDirectory::Claim;
    const std::string id = member_id(in);
    const std::string name = in.ConsumeRandomLengthString(400);
    const std::string colour = in.ConsumeRandomLengthString(24);
    const std::string secret = in.ConsumeRandomLengthString(80);
    const int role = in.ConsumeIntegralInRange(0, 3);
    const bool write_fails = in.ConsumeBool() && in.ConsumeBool();
    const store::Member joining{
        id,      rooms::clean_name(name),  rooms::clean_colour(colour), role, now_ms_,
        now_ms_, rooms::token_hash(secret)};
    require_clean_name(joining.name, "a Hello's name, cleaned");
    require_clean_colour(joining.colour, "a Hello's colour, cleaned");
    const Claim due = expected(id, joining.secret_hash);
    require(directory_.check(joining) == due, "check() does not answer what the records say");
    const bool was_full = full();
    std::string evicted;
    const Claim verdict = directory_.claim(joining, &evicted);
    require(verdict == due, "claim() does not answer what check() did");
    if (verdict == Claim::kClaimed) require_eviction(id, was_full, evicted);
    require(directory_.size() <= std::max(max_records_ ? max_records_ : SIZE_MAX, loaded_),
            "a claim took the directory past its bound");
    if (verdict == Claim::kWrongSecret || verdict == Claim::kFull) return;
    const store::Member* record = directory_.find(id);
    require(record != nullptr, "an admitted member has no record");
    require(record->secret_hash == joining.secret_hash, "a record changed owner");
    require(record->name == joining.name && record->colour == joining.colour,
            "an admitted record does not hold its name and colour");
    welcome(*record);
    held_.erase(evicted);
    if (verdict == Claim::kClaimed && write_fails) {
      // As the room does when the claim's write fails: the claim is
      // forgotten; the record it displaced stays given up, though still
      // on disk until the next load.
      directory_.forget(id);
      held_.erase(id);
      if (!evicted.empty()) given_up_.insert(evicted);
      return;
    }
    const auto owner = stored_.find(id);
    require(owner == stored_.end() || owner->second.empty() ||
                owner->second == record->secret_hash || given_up_.count(id) > 0,
            "a claimed replica's record changed owner");
    given_up_.erase(id);
    require(store_.put_member(convening_, *record).is_ok(), "put_member failed");
    if (!evicted.empty()) {
      require(store_.delete_member(convening_, evicted).is_ok(), "delete_member failed");
      stored_.erase(evicted);
    }
    held_[id] = {record->secret_hash, now_ms_};
    stored_[id] = record->secret_hash;
    ++now_ms_;
  }

  // The record as the room sends it to everyone: the frame must decode.
  void welcome(const store::Member& record) {
    pb::ServerMessage message;
    pb::Member* m = message.mutable_welcome()->add_members();
    m->set_id(record.id);
    m->set_name(record.name);
    m->set_colour(record.colour);
    m->set_role(static_cast<pb::Role>(record.role));
    pb::ServerMessage decoded;
    require(decoded.ParseFromString(message.SerializeAsString()),
            "a Welcome listing the member does not decode");
  }

  // A presence state: presence_problem must agree with the bounds, and what
  // it lets through must be relayed in a frame that decodes.
  void presence(FuzzedDataProvider& in) {
    pb::PresenceState state;
    if (!state.ParseFromString(in.ConsumeRandomLengthString(6000))) return;
    const bool refused = !rooms::presence_problem(state).empty();
    require(refused != presence_within_bounds(state),
            "presence_problem disagrees with the bounds: '" + rooms::presence_problem(state) + "'");
    if (refused) return;
    pb::ServerMessage update;
    *update.mutable_presence()->add_members()->mutable_presence() = state;
    pb::ServerMessage decoded;
    require(decoded.ParseFromString(update.SerializeAsString()),
            "a presence update does not decode");
  }

  // A record an older server wrote, with anything in its name and colour,
  // and no secret (or one); the room is loaded again with it.
  void old_record(FuzzedDataProvider& in) {
    store::Member m{member_id(in),
                    in.ConsumeRandomLengthString(300),
                    in.ConsumeRandomLengthString(24),
                    in.ConsumeIntegral<int8_t>(),
                    0,
                    0,
                    in.ConsumeBool() ? std::string() : rooms::token_hash("old")};
    const auto owner = stored_.find(m.id);
    // A claimed replica keeps its owner: an old record only ever predates it.
    if (owner != stored_.end() && !owner->second.empty()) return;
    require(store_.put_member(convening_, m).is_ok(), "put_member failed");
    stored_[m.id] = m.secret_hash;
    // An older server's records are on disk before this server loads the
    // room; none appears beside a loaded directory.
    reload();
  }

  // The room is unloaded and loaded again: its directory comes from the store.
  void reload() {
    store::Status s;
    std::vector<store::Member> records = store_.members(convening_, &s);
    require(s.is_ok(), "members() failed: " + s.message());
    require(records.size() == stored_.size(), "the store lost or invented member records");
    for (const store::Member& m : records) {
      const auto it = stored_.find(m.id);
      require(it != stored_.end() && it->second == m.secret_hash, "a stored record changed owner");
    }
    held_.clear();
    given_up_.clear();  // every record on disk is the directory's again
    for (const store::Member& m : records) held_[m.id] = {m.secret_hash, m.last_seen_ms};
    loaded_ = records.size();
    directory_ = rooms::MemberDirectory(std::move(records), max_records_, quota_, evictable());
  }

  void spend(FuzzedDataProvider& in) {
    now_ += std::chrono::milliseconds(in.ConsumeIntegralInRange(0, 120'000));
    const double ops = in.ConsumeIntegralInRange(0, 100'000);
    const double bytes = in.ConsumeIntegralInRange(0, 100'000'000);
    const auto wait = directory_.spend(member_id(in), ops, bytes, now_);
    require(!wait || (wait->count() >= 0 && wait->count() <= 60'000),
            "a quota wait of " + std::to_string(wait ? wait->count() : 0) + " ms");
  }

  store::Store& store_;
  std::string convening_;
  size_t max_records_;
  rooms::MemberQuota quota_;
  rooms::MemberDirectory directory_;
  // The records the directory holds (the secret's hash, empty for records
  // written before secrets, and when it was seen), and the secret's hash of
  // those in the store, which the next reload brings in (an older server's
  // records included); by member id.
  struct Held {
    std::string hash;
    int64_t seen = 0;
  };
  std::map<std::string, Held> held_;
  std::map<std::string, std::string> stored_;
  std::set<std::string> may_go_;  // records the room would let go
  // Records given up for a claim whose write failed: still on disk, no
  // longer the directory's, so anyone's next claim replaces them.
  std::set<std::string> given_up_;
  size_t loaded_ = 0;
  int64_t now_ms_ = 1;
  rooms::QuotaClock::time_point now_{};
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  convene::fuzz::quiet_protobuf();
  spdlog::set_level(spdlog::level::off);
  // The store stays open: closing it at exit runs into RocksDB's own static
  // state, which may be gone by then. Its files go; the process ends.
  std::atexit([] { fs::remove_all(store_dir()); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static uint64_t inputs = 0;
  static store::Store* store = nullptr;
  if (inputs++ % kInputsPerStore == 0) store = &fresh_store();
  FuzzedDataProvider in(data, size);
  const size_t max_records = in.ConsumeIntegralInRange<size_t>(0, 12);
  const rooms::MemberQuota quota{static_cast<double>(in.ConsumeIntegralInRange(0, 1000)),
                                 static_cast<double>(in.ConsumeIntegralInRange(0, 1 << 20))};
  Members members(*store, "c" + std::to_string(inputs), max_records, quota);
  for (int steps = 0; steps < 64 && in.remaining_bytes() > 0; ++steps) members.step(in);
  members.export_members();
  return 0;
}
