// A convening's member records, as its room keeps them: every replica that
// has joined, the hash of the secret that claimed it, the name, colour and
// role it last joined with, and what it may still submit this minute.
//
// A replica belongs to whoever first claimed it (docs/threat-model.md): a
// join with a known replica must present the same secret, so nobody can
// submit another member's next counters or rewrite their name, colour or
// role. Records stored before secrets were kept (empty hash) are bound by
// their next claim. The number of records is bounded: a participant cannot
// grow the store or the export by joining with ever new replicas.
//
// Not thread-safe: the room's strand. Time is passed in.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "http/rate_limit.h"
#include "store/store.h"

namespace convene::rooms {

using QuotaClock = server::RateClock;

// What one member (replica) may submit a minute, Hello resends included;
// bursts up to a whole minute's worth. 0: no limit.
struct MemberQuota {
  double ops_per_minute = 0;
  double bytes_per_minute = 0;
};

class MemberDirectory {
 public:
  enum class Claim {
    kReturning,    // a known replica with its secret: admitted
    kClaimed,      // a new replica, or an old record bound now: store it first
    kWrongSecret,  // the replica belongs to someone else
    kFull,         // no room for another record
  };

  // Whether a record may make room for a new one when the directory is full:
  // the room says so for replicas that are offline and never made an op
  // (nothing of theirs to protect but a name), so that joining with ever new
  // replicas, which even an observer can, never locks newcomers out.
  using Evictable = std::function<bool(const store::Member&)>;

  MemberDirectory(std::vector<store::Member> records, size_t max_records, MemberQuota quota,
                  Evictable evictable = nullptr);

  // What claim() would answer, changing nothing.
  Claim check(const store::Member& joining) const;
  // Checks `joining` (id, secret_hash, name, colour, role, last_seen_ms)
  // against the record of its id. Admitted (kReturning, kClaimed): the record
  // now holds the new name, colour, role and last_seen_ms; first_seen_ms and
  // the secret stay those of the first claim. Refused: nothing changes. A new
  // claim in a full directory takes the place of the evictable record seen
  // least recently, whose id goes to `evicted` (the caller forgets it in the
  // store).
  Claim claim(const store::Member& joining, std::string* evicted = nullptr);
  // Drops a record claimed a moment ago whose write failed.
  void forget(const std::string& id);
  const store::Member* find(const std::string& id) const;
  size_t size() const { return entries_.size(); }
  size_t max_records() const { return max_records_; }

  // Spends `ops` ops and `bytes` bytes of member `id`'s quota. Nullopt when
  // they fit (and are spent); else how long until they would (nothing spent).
  std::optional<std::chrono::milliseconds> spend(const std::string& id, double ops, double bytes,
                                                 QuotaClock::time_point now);

 private:
  struct Entry {
    store::Member record;
    std::optional<server::TokenBucket> ops, bytes;  // created on first spend
  };

  // The evictable record seen least recently, or end().
  std::unordered_map<std::string, Entry>::const_iterator evictable_record() const;

  std::unordered_map<std::string, Entry> entries_;
  size_t max_records_;
  MemberQuota quota_;
  Evictable evictable_;
};

}  // namespace convene::rooms
