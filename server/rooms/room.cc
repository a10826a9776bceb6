#include "rooms/room.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <optional>
#include <string_view>

#include "crdt/admission.h"
#include "metrics.h"
#include "rooms/identity.h"
#include "wall_clock.h"

namespace convene::rooms {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint16_t kCloseGoingAway = 1001;
constexpr uint16_t kClosePolicy = 1008;
constexpr uint16_t kCloseInternal = 1011;
constexpr uint16_t kCloseTryAgainLater = 1013;
// A text insert's integration steps counted as one op of the member's quota:
// ten thousand of them, the most admission takes, cost about what ten small
// ops do.
constexpr uint64_t kScanStepsPerOp = 1000;

void fill_member(pb::Member* out, const std::string& id, const std::string& name,
                 const std::string& colour, pb::Role role, const pb::PresenceState& presence) {
  out->set_id(id);
  out->set_name(name);
  out->set_colour(colour);
  out->set_role(role);
  *out->mutable_presence() = presence;
}

}  // namespace

Room::Room(std::string id, RoomState state, net::any_io_executor io, net::thread_pool& storage_pool,
           store::Store& store, GroupCommitter& committer, RoomOptions options,
           std::function<void(const Room*)> on_idle, std::function<void(JoinRequest)> reroute,
           std::function<bool(const std::string&)> revoked)
    : id_(std::move(id)),
      name_(std::move(state.name)),
      strand_(net::make_strand(io)),
      storage_(net::make_strand(storage_pool.get_executor())),
      store_(store),
      committer_(committer),
      options_(options),
      on_idle_(std::move(on_idle)),
      reroute_(std::move(reroute)),
      revoked_(std::move(revoked)),
      doc_(std::move(state.doc)),
      applied_seq_(state.head_seq),
      committed_seq_(state.head_seq),
      snapshot_seq_(state.snapshot_seq),
      snapshot_(state.snapshot.empty()
                    ? nullptr
                    : std::make_shared<const std::string>(std::move(state.snapshot))),
      tail_(std::move(state.tail)),
      log_bytes_(state.log_bytes),
      directory_(std::move(state.members), options.max_member_records, options.member_quota,
                 [this](const store::Member& m) { return evictable(m); }),
      last_snapshot_encoded_(state.snapshot_seq),
      delivery_timer_(strand_),
      linger_timer_(strand_) {
  for (const auto& op : tail_) tail_bytes_ += op.ByteSizeLong();
  metrics().rooms_loaded++;
}

Room::~Room() {
  metrics().rooms_loaded--;
}

// Tells the manager to forget this room; it lives on only while callbacks
// still hold it.
void Room::retire() {
  if (retired_) return;
  retired_ = true;
  delivery_timer_.cancel();
  linger_timer_.cancel();
  on_idle_(this);
}

Room::Member* Room::find(const Peer* peer) {
  auto it = members_.find(peer);
  return it == members_.end() ? nullptr : &it->second;
}

// ---- join ------------------------------------------------------------------------

void Room::join(JoinRequest request) {
  net::post(strand_, [self = shared_from_this(), r = std::move(request)]() mutable {
    self->do_join(std::move(r));
  });
}

// Tells a joiner the room cannot take it now. True if refused (the peer has
// been told and is being closed).
bool Room::refuse_join(JoinRequest& request) {
  // Its token was good when checked, and revoked since (Room::revoke ran
  // before this join reached the room).
  if (revoked_ && !request.token_hash.empty() && revoked_(request.token_hash)) {
    request.peer->send(error_frame(pb::ERROR_REVOKED, "this link has been revoked by a convener"));
    request.peer->close(kClosePolicy, "link revoked");
    return true;
  }
  if (closing_ || failed_) {
    request.peer->send(error_frame(pb::ERROR_UNAVAILABLE, "the convening is restarting; retry"));
    request.peer->close(kCloseGoingAway, "restarting");
    return true;
  }
  if (store_.failing()) {
    // Nothing could be stored: the client keeps its edits and comes back.
    request.peer->send(error_frame(pb::ERROR_UNAVAILABLE,
                                   "storage is failing; your edits are kept, retry shortly"));
    request.peer->close(kCloseTryAgainLater, "storage unavailable");
    return true;
  }
  return false;
}

void Room::do_join(JoinRequest request) {
  const uint64_t replica = request.hello.replica();
  if (retired_ && !closing_) return reroute_(std::move(request));
  if (refuse_join(request)) return;
  const int64_t now_ms = unix_time_ms();
  const store::Member joining{member_id_of(replica),
                              clean_name(request.hello.name()),
                              clean_colour(request.hello.colour()),
                              request.role,
                              now_ms,
                              now_ms,
                              request.secret_hash};
  // The secret first: someone else's replica is refused whether or not its
  // owner is online, so nobody can hold another's replica to lock them out.
  switch (directory_.check(joining)) {
    case MemberDirectory::Claim::kWrongSecret:
      metrics().replica_refusals++;
      spdlog::warn("room {}: a join with member {}'s replica but not its secret: refused", id_,
                   joining.id);
      request.peer->send(error_frame(pb::ERROR_REPLICA_CLAIMED,
                                     "replica " + std::to_string(replica) +
                                         " belongs to another client: choose a new replica id"));
      request.peer->close(kClosePolicy, "replica claimed");
      return;
    case MemberDirectory::Claim::kFull:
      request.peer->send(error_frame(pb::ERROR_QUOTA, "this convening has reached its limit of " +
                                                          std::to_string(directory_.max_records()) +
                                                          " members"));
      request.peer->close(kClosePolicy, "too many members");
      return;
    case MemberDirectory::Claim::kClaimed:
    case MemberDirectory::Claim::kReturning:
      break;
  }
  if (replicas_.count(replica)) {
    request.peer->send(
        error_frame(pb::ERROR_REPLICA_IN_USE,
                    "replica " + std::to_string(replica) + " is used by another live connection"));
    request.peer->close(kClosePolicy, "replica in use");
    return;
  }
  if (options_.max_live_members > 0 && members_.size() >= options_.max_live_members) {
    request.peer->send(error_frame(
        pb::ERROR_QUOTA, "this convening has " + std::to_string(members_.size()) +
                             " members online, the most it takes at once; try again later"));
    request.peer->close(kCloseTryAgainLater, "convening full");
    return;
  }
  std::string evicted;
  if (directory_.claim(joining, &evicted) == MemberDirectory::Claim::kClaimed)
    return store_claim(std::move(request), *directory_.find(joining.id), std::move(evicted));
  // Names for the export and last_seen: no need to wait for them.
  net::post(storage_, [&store = store_, id = id_, record = *directory_.find(joining.id)] {
    if (const auto s = store.put_member(id, record); !s.is_ok())
      spdlog::warn("room {}: could not record member: {}", id, s.message());
  });
  admit(std::move(request));
}

// A replica claimed just now is admitted once its record, with the secret's
// hash, is stored: a claim lost in a crash would leave the replica to
// whoever claims it next, though its ops are in the log. Until then the
// replica counts as in use, so a second join with it is refused.
void Room::store_claim(JoinRequest request, store::Member record, std::string evicted) {
  const uint64_t replica = request.hello.replica();
  replicas_[replica] = nullptr;
  net::post(
      storage_, [self = shared_from_this(), request = std::move(request),
                 record = std::move(record), evicted = std::move(evicted), replica]() mutable {
        store::Status s = self->store_.put_member(self->id_, record);
        if (s.is_ok() && !evicted.empty()) s = self->store_.delete_member(self->id_, evicted);
        net::post(self->strand_, [self, request = std::move(request), id = std::move(record.id),
                                  s = std::move(s), replica]() mutable {
          if (const auto it = self->replicas_.find(replica);
              it != self->replicas_.end() && it->second == nullptr)
            self->replicas_.erase(it);
          if (!s.is_ok()) {
            spdlog::warn("room {}: could not record member {}: {}", self->id_, id, s.message());
            self->directory_.forget(id);
            request.peer->send(error_frame(pb::ERROR_UNAVAILABLE, "could not record you; retry"));
            request.peer->close(kCloseTryAgainLater, "storage unavailable");
            return;
          }
          if (self->retired_ && !self->closing_) return self->reroute_(std::move(request));
          if (self->refuse_join(request)) return;
          self->admit(std::move(request));
        });
      });
}

// The member is who it says (its replica's secret checked, its record
// stored): it gets its Welcome, and the others hear of it.
void Room::admit(JoinRequest request) {
  if (older_ops_wanted(request) > 0) return read_older_ops(std::move(request));
  const Peer* key = request.peer.get();
  const uint64_t replica = request.hello.replica();
  const store::Member& record = *directory_.find(member_id_of(replica));
  // The Welcome holds every committed op: those still waiting for their
  // delivery go to the others first, or the newcomer would get them twice.
  if (!outbox_.empty()) deliver();
  Member m;
  m.peer = request.peer;
  m.id = record.id;
  m.name = record.name;
  m.colour = record.colour;
  m.role = request.role;
  m.replica = replica;
  m.token_hash = std::move(request.token_hash);
  replicas_[replica] = key;
  auto [it, inserted] = members_.emplace(key, std::move(m));
  Member& member = it->second;
  if (request.attached) request.attached(shared_from_this());
  spdlog::info("room {}: member {} joined as {}", id_, member.id, pb::Role_Name(member.role));

  send_welcome(member, request.hello.last_seen_seq(), request.hello.ops_only(),
               std::move(request.older_ops));

  // Tell the others with the next presence update: a crowd joining at once
  // costs one update per delivery, not one per join for each member. A
  // replica that rejoins before its leave went out was never gone for the
  // others.
  if (const auto gone = std::find(left_.begin(), left_.end(), member.id); gone != left_.end()) {
    left_.erase(gone);
    member.announced = true;
  }
  member.presence_dirty = true;
  presence_changed_ = true;
  schedule_presence();

  if (request.hello.resend_size() > 0) {
    if (member.role == pb::ROLE_OBSERVER) {
      member.peer->send(error_frame(pb::ERROR_FORBIDDEN, "observers cannot edit"));
    } else {
      accept_ops(member, *request.hello.mutable_resend());
      maybe_commit();
    }
  }
}

uint64_t Room::tail_base() const {
  return tail_.empty() ? committed_seq_ : tail_.front().seq() - 1;
}

// The seq of the last op a join still needs from the store (older than the
// tail, and not read yet), or 0.
uint64_t Room::older_ops_wanted(const JoinRequest& request) const {
  if (!request.hello.ops_only()) return 0;
  const uint64_t have = request.older_ops.empty()
                            ? std::min(request.hello.last_seen_seq(), committed_seq_)
                            : request.older_ops.back().seq();
  return have < tail_base() ? tail_base() : 0;
}

// Reads what a join needs from before the tail on the storage strand, off
// the room's, and comes back to admit it. The tail may move on meanwhile (a
// snapshot trims it): then the gap is read too, until the ops read meet it.
// The replica counts as in use while it reads.
void Room::read_older_ops(JoinRequest request) {
  const uint64_t replica = request.hello.replica();
  const uint64_t from = request.older_ops.empty()
                            ? std::min(request.hello.last_seen_seq(), committed_seq_)
                            : request.older_ops.back().seq();
  const uint64_t to = tail_base();
  replicas_[replica] = nullptr;
  net::post(storage_, [self = shared_from_this(), request = std::move(request), from, to,
                       replica]() mutable {
    bool parsed = true;
    const store::Status s =
        self->store_.read_log(self->id_, from, to, [&](const store::LogEntry& e) {
          pb::SequencedOp& op = request.older_ops.emplace_back();
          op.set_seq(e.seq);
          op.set_author(e.author);
          op.set_server_time_ms(e.server_time_ms);
          parsed = op.mutable_op()->ParseFromString(e.op);
          return parsed;
        });
    const bool complete =
        s.is_ok() && parsed && !request.older_ops.empty() && request.older_ops.back().seq() == to;
    if (!complete)
      spdlog::error("room {}: reading the log ({}, {}] failed: {}", self->id_, from, to,
                    !s.is_ok() ? s.message() : "a corrupt or missing record");
    net::post(self->strand_, [self, request = std::move(request), complete, replica]() mutable {
      if (const auto it = self->replicas_.find(replica);
          it != self->replicas_.end() && it->second == nullptr)
        self->replicas_.erase(it);
      if (!complete) {
        request.peer->send(
            error_frame(pb::ERROR_UNAVAILABLE, "could not read the log; retry later"));
        request.peer->close(kCloseInternal, "log read failed");
        return;
      }
      if (self->retired_ && !self->closing_) return self->reroute_(std::move(request));
      if (self->refuse_join(request)) return;
      self->admit(std::move(request));
    });
  });
}

// Either every committed op after `last_seen`, or the newest snapshot and the
// ops after it: whichever is smaller. A client that asks for ops only (it keeps
// the whole log, like the browser's history) gets every op after `last_seen`:
// the older ones were read from the store on the way in (`older`).
void Room::send_welcome(const Member& m, uint64_t last_seen, bool ops_only,
                        std::vector<pb::SequencedOp> older) {
  pb::ServerMessage msg;
  auto* w = msg.mutable_welcome();
  w->set_protocol(1);
  w->set_role(m.role);
  w->set_member_id(m.id);
  w->set_head_seq(committed_seq_);
  w->set_convening_name(name_);
  for (const auto& [peer, other] : members_)
    fill_member(w->add_members(), other.id, other.name, other.colour, other.role, other.presence);

  const uint64_t base = tail_base();
  uint64_t from = base;
  if (ops_only) {
    last_seen = std::min(last_seen, committed_seq_);
    for (pb::SequencedOp& op : older)
      if (op.seq() > last_seen && op.seq() <= base) *w->add_ops() = std::move(op);
    from = std::max(last_seen, base);
  } else {
    const bool ops_possible = last_seen >= base && last_seen <= committed_seq_;
    size_t ops_bytes = 0;
    if (ops_possible)
      for (auto it = tail_.rbegin(); it != tail_.rend() && it->seq() > last_seen; ++it)
        ops_bytes += it->ByteSizeLong();
    const size_t snapshot_bytes = (snapshot_ ? snapshot_->size() : 0) + tail_bytes_;
    const bool use_snapshot = snapshot_ && (!ops_possible || snapshot_bytes < ops_bytes);
    from = use_snapshot ? snapshot_seq_ : (ops_possible ? last_seen : base);
    if (use_snapshot) {
      w->set_snapshot(*snapshot_);
      w->set_snapshot_seq(snapshot_seq_);
    }
  }
  for (const auto& op : tail_)
    if (op.seq() > from) *w->add_ops() = op;
  m.peer->send(encode(msg));
}

// ---- submit --------------------------------------------------------------------

void Room::submit(const Peer* peer, pb::Submit submit) {
  net::post(strand_, [self = shared_from_this(), peer, s = std::move(submit)]() mutable {
    self->do_submit(peer, s);
  });
}

void Room::do_submit(const Peer* peer, pb::Submit& submit) {
  Member* m = find(peer);
  if (!m || failed_) return;
  if (m->role == pb::ROLE_OBSERVER) {
    metrics().ops_rejected += submit.ops_size();
    m->peer->send(error_frame(pb::ERROR_FORBIDDEN, "observers cannot edit"));
    return;
  }
  if (static_cast<size_t>(submit.ops_size()) > options_.max_ops_per_submit) {
    m->peer->send(
        error_frame(pb::ERROR_TOO_LARGE,
                    "at most " + std::to_string(options_.max_ops_per_submit) + " ops per submit"));
    return;
  }
  accept_ops(*m, *submit.mutable_ops());
  maybe_commit();
}

// Why the room refuses `op` from member `m` whatever the document says, or
// empty: an op must be the member's own, its clock may not run far ahead,
// and it may speak only for its own member where it names one.
std::string Room::check_op(const Member& m, const pb::Op& op, uint64_t* scan_steps) const {
  if (op.replica() != m.replica)
    return "not from this connection's replica " + std::to_string(m.replica);
  // What the op would cost every replica that applies it: its clock's lead,
  // overlapping deletes, long scans (crdt/admission.h).
  crdt::AdmissionLimits bounds;
  bounds.clock_lead = options_.max_clock_lead;
  if (const crdt::Status s = crdt::admit(doc_, op, bounds, scan_steps); !s.is_ok())
    return s.message();
  // "As I see it", "this is me" and "my sphere": each member speaks for
  // itself (a convener may place others on the map).
  if (op.has_set_perspective() && op.set_perspective().participant() != m.id)
    return "a perspective is its participant's own: participant must be " + m.id;
  if (m.role == pb::ROLE_CONVENER) return {};
  const auto claims_other = [&m](bool has, const std::string& who) {
    return has && !who.empty() && who != m.id;
  };
  const auto& created = op.create_element().fields();
  const auto& updated = op.update_element().fields();
  if (claims_other(created.has_self_of(), created.self_of()) ||
      claims_other(updated.has_self_of(), updated.self_of()))
    return "self_of may only name you (" + m.id + ")";
  const auto& shape = op.create_shape().fields();
  const auto& reshaped = op.update_shape().fields();
  if (claims_other(shape.has_sphere_of(), shape.sphere_of()) ||
      claims_other(reshaped.has_sphere_of(), reshaped.sphere_of()))
    return "sphere_of may only name you (" + m.id + ")";
  return {};
}

// The member's quota for the minute and the convening's size. Over either,
// the op is refused with ERROR_QUOTA (and when a resend may be taken); a
// resend of an op already in the log costs the convening nothing.
bool Room::within_quota(Member& m, const pb::Op& op, size_t bytes, uint64_t scan_steps) {
  const crdt::OpId id = crdt::op_id(op);
  // An insert that makes every replica scan far costs as many ops.
  const double ops = 1 + static_cast<double>(scan_steps / kScanStepsPerOp);
  if (const auto wait = directory_.spend(m.id, ops, static_cast<double>(bytes), Clock::now())) {
    metrics().ops_rejected++;
    metrics().quota_refusals++;
    m.peer->send(error_frame(
        pb::ERROR_QUOTA,
        "op " + id.str() + ": over your quota of " +
            std::to_string(static_cast<uint64_t>(options_.member_quota.ops_per_minute)) +
            " ops and " +
            std::to_string(static_cast<uint64_t>(options_.member_quota.bytes_per_minute) >> 20) +
            " MiB a minute; resend from it after the wait",
        &id, *wait));
    return false;
  }
  const bool too_many =
      options_.max_convening_ops > 0 && applied_seq_ >= options_.max_convening_ops;
  const bool too_big =
      options_.max_convening_bytes > 0 && log_bytes_ + bytes > options_.max_convening_bytes;
  if (!too_many && !too_big) return true;
  if (doc_.check(op).code() == crdt::Status::Code::kDuplicate) return true;
  metrics().ops_rejected++;
  metrics().quota_refusals++;
  m.peer->send(error_frame(
      pb::ERROR_QUOTA,
      "op " + id.str() + ": this convening is full (" +
          (too_many ? std::to_string(options_.max_convening_ops) + " ops"
                    : std::to_string(options_.max_convening_bytes >> 20) + " MiB of edits") +
          "); your edits are kept, and the server's operator can raise the limit",
      &id));
  return false;
}

// Validates and applies ops in order. The first op that cannot be applied
// stops the rest of the batch: later ops of the replica would only leave a
// counter gap.
void Room::accept_ops(Member& m, google::protobuf::RepeatedPtrField<pb::Op>& ops) {
  const auto now = Clock::now();
  for (pb::Op& op : ops) {
    metrics().ops_received++;
    // Fields this server does not know are never logged or relayed: a field
    // sent with the wrong wire type is kept as unknown by this parser but
    // read differently (or refused) by other decoders, such as the browser's.
    op.DiscardUnknownFields();
    const crdt::OpId id = crdt::op_id(op);
    uint64_t scan_steps = 0;
    if (const std::string problem = check_op(m, op, &scan_steps); !problem.empty()) {
      metrics().ops_rejected++;
      m.peer->send(error_frame(pb::ERROR_INVALID_OP, "op " + id.str() + " " + problem, &id));
      return;
    }
    const size_t bytes = op.ByteSizeLong();
    if (options_.max_pending_bytes > 0 && pending_bytes_ + bytes > options_.max_pending_bytes) {
      metrics().rate_limited++;
      m.peer->send(error_frame(pb::ERROR_RATE_LIMITED,
                               "op " + id.str() +
                                   ": the convening is still writing what came before; resend "
                                   "from it after the wait",
                               &id, std::chrono::milliseconds(1000)));
      return;
    }
    if (!within_quota(m, op, bytes, scan_steps)) return;
    const crdt::Status s = doc_.apply(op);
    if (s.code() == crdt::Status::Code::kDuplicate) {
      ack_duplicate(m, op);
      continue;
    }
    if (!s.is_ok()) {
      metrics().ops_rejected++;
      const auto code = s.code() == crdt::Status::Code::kMissingDependency
                            ? pb::ERROR_MISSING_DEPENDENCY
                            : pb::ERROR_INVALID_OP;
      m.peer->send(error_frame(code, "op " + id.str() + ": " + s.message(), &id));
      return;
    }
    const uint64_t seq = ++applied_seq_;
    log_bytes_ += bytes;
    pending_bytes_ += bytes;
    const uint64_t last_counter = op.counter() + crdt::op_span(op) - 1;
    acks_[op.replica()].entries.emplace_back(last_counter, seq);
    Pending p{pb::SequencedOp(), m.id, last_counter, now, log_bytes_};
    p.op.set_seq(seq);
    p.op.set_author(m.id);
    p.op.set_server_time_ms(unix_time_ms());
    *p.op.mutable_op() = std::move(op);
    pending_.push_back(std::move(p));
    // The document holds exactly ops 1..seq now: the moment to encode a due
    // snapshot, written once seq is durable.
    maybe_encode_snapshot();
  }
}

// Encodes a snapshot of the document as it is (every op up to applied_seq_)
// when snapshot_every ops have been applied since the last one and none is
// waiting to be written. Called after each accepted op and after each
// commit: a burst accepted while a snapshot was waiting gets its own once
// that one is written, rather than leaving a long tail for every joiner.
void Room::maybe_encode_snapshot() {
  if (due_snapshot_seq_ != 0 || applied_seq_ - last_snapshot_encoded_ < options_.snapshot_every)
    return;
  due_snapshot_ = doc_.encode_snapshot();
  due_snapshot_seq_ = applied_seq_;
  last_snapshot_encoded_ = applied_seq_;
}

// A resend of an op already in the log: acknowledge it again, once it is
// durable (if it is still pending, its commit will acknowledge it).
void Room::ack_duplicate(const Member& m, const pb::Op& op) {
  const auto it = acks_.find(op.replica());
  uint64_t seq = 0;  // 0: committed before the room's tail (or before it loaded)
  if (it != acks_.end()) {
    const auto& e = it->second.entries;
    const uint64_t last = op.counter() + crdt::op_span(op) - 1;
    auto pos = std::lower_bound(e.begin(), e.end(), std::make_pair(last, uint64_t{0}));
    if (pos != e.end() && pos->first == last) seq = pos->second;
  }
  if (seq > committed_seq_) return;
  // Frames reach a member in seq order: first what waits for delivery.
  if (!outbox_.empty()) deliver();
  pb::ServerMessage msg;
  auto* ack = msg.mutable_ack();
  ack->set_replica(op.replica());
  ack->set_counter(op.counter() + crdt::op_span(op) - 1);
  ack->set_seq(seq);
  m.peer->send(encode(msg));
}

// Forgets the seqs of ops at or before a durable snapshot: a resend of one
// of them is re-acknowledged with seq 0 ("committed earlier"), which keeps
// this index as small as the room's tail.
void Room::trim_acks(uint64_t upto_seq) {
  for (auto it = acks_.begin(); it != acks_.end();) {
    auto& e = it->second.entries;
    const auto keep = std::find_if(
        e.begin(), e.end(), [upto_seq](const auto& entry) { return entry.second > upto_seq; });
    e.erase(e.begin(), keep);
    it = e.empty() ? acks_.erase(it) : std::next(it);
  }
}

// ---- group commit ----------------------------------------------------------------

void Room::maybe_commit() {
  if (committing_ || failed_) return;
  if (pending_.empty()) {
    // A snapshot of ops that are all durable already: written on its own.
    if (due_snapshot_seq_ != 0 && due_snapshot_seq_ <= committed_seq_) {
      const uint64_t seq = due_snapshot_seq_;
      due_snapshot_seq_ = 0;
      net::post(storage_,
                [self = shared_from_this(), seq, bytes = std::move(due_snapshot_)]() mutable {
                  if (!self->store_snapshot(seq, bytes)) return;
                  net::post(self->strand_, [self, seq, bytes = std::move(bytes)]() mutable {
                    self->adopt_snapshot(seq, std::move(bytes));
                  });
                });
    }
    return;
  }
  committing_ = true;
  std::vector<Pending> batch;
  batch.swap(pending_);
  pending_bytes_ = 0;
  std::vector<store::LogEntry> entries;
  entries.reserve(batch.size());
  for (const Pending& p : batch)
    entries.push_back(
        {p.op.seq(), p.op.op().SerializeAsString(), p.author, p.op.server_time_ms(), p.log_bytes});
  // A due snapshot rides along once the commit holding its seq is durable.
  std::string snapshot;
  uint64_t snapshot_seq = 0;
  if (due_snapshot_seq_ != 0 && due_snapshot_seq_ <= batch.back().op.seq()) {
    snapshot.swap(due_snapshot_);
    snapshot_seq = due_snapshot_seq_;
    due_snapshot_seq_ = 0;
  }
  // The callback must be copyable (std::function): the batch rides in a shared_ptr.
  // A due snapshot is written on the room's storage strand once the log
  // holds its seq; the room takes the commit first and the snapshot after
  // it, in one step, so that no Welcome ever offers a snapshot beyond the
  // room's head (its joiner would then get the snapshot's last ops again).
  auto committed = std::make_shared<std::vector<Pending>>(std::move(batch));
  auto snapshot_bytes = std::make_shared<std::string>(std::move(snapshot));
  committer_.commit(
      id_, std::move(entries),
      [self = shared_from_this(), committed, snapshot_bytes, snapshot_seq](
          store::Status s, GroupCommitter::Clock::time_point durable_at) {
        auto report = [self, committed, durable_at, snapshot_bytes](store::Status status,
                                                                    uint64_t written_seq) {
          net::post(self->strand_, [self, committed, s = std::move(status), durable_at,
                                    snapshot_bytes, written_seq]() mutable {
            self->on_committed(std::move(*committed), std::move(s), durable_at);
            if (written_seq != 0) self->adopt_snapshot(written_seq, std::move(*snapshot_bytes));
          });
        };
        // Most commits carry no snapshot: straight back to the room.
        if (!s.is_ok() || snapshot_seq == 0) return report(std::move(s), 0);
        net::post(self->storage_,
                  [self, snapshot_bytes, snapshot_seq, report, s = std::move(s)]() mutable {
                    const bool written = self->store_snapshot(snapshot_seq, *snapshot_bytes);
                    report(std::move(s), written ? snapshot_seq : 0);
                  });
      });
}

// On the storage strand, after the log holds `seq`. A snapshot that fails to
// write costs only join speed: log and go on. True if it was written.
bool Room::store_snapshot(uint64_t seq, const std::string& bytes) {
  if (auto s = store_.put_snapshot(id_, {seq, bytes}); !s.is_ok()) {
    spdlog::warn("room {}: snapshot at seq {} not written: {}", id_, seq, s.message());
    return false;
  }
  metrics().snapshots_written++;
  return true;
}

// On the room's strand, once the commit holding `seq` is the room's: joiners
// get this snapshot from now on, and the tail keeps only the ops after it.
void Room::adopt_snapshot(uint64_t seq, std::string bytes) {
  snapshot_ = std::make_shared<const std::string>(std::move(bytes));
  snapshot_seq_ = seq;
  while (!tail_.empty() && tail_.front().seq() <= seq) {
    tail_bytes_ -= tail_.front().ByteSizeLong();
    tail_.pop_front();
  }
  trim_acks(seq);
}

void Room::on_committed(std::vector<Pending> batch, store::Status status,
                        Clock::time_point durable_at) {
  committing_ = false;
  if (!status.is_ok()) {
    metrics().commit_failures++;
    fail("storage failed: " + status.message());
    if (closing_) finish_shutdown();
    return;
  }
  metrics().commits++;
  metrics().ops_committed += batch.size();
  for (const Pending& p : batch)
    metrics().commit_latency.observe(
        std::chrono::duration<double>(durable_at - p.received).count());
  committed_seq_ = batch.back().op.seq();
  for (Pending& p : batch) {
    outbox_.push_back({ops_element(p.op), p.op.op().replica(), p.last_counter, p.op.seq()});
    tail_bytes_ += p.op.ByteSizeLong();
    tail_.push_back(std::move(p.op));
  }
  outbox_durable_at_.push_back(durable_at);
  deliver_soon();
  maybe_encode_snapshot();
  maybe_commit();
  if (closing_ && !committing_) return finish_shutdown();
  check_idle();
}

// ---- delivery ------------------------------------------------------------------------

std::chrono::microseconds delivery_interval_for(size_t members,
                                                std::chrono::milliseconds configured) {
  constexpr uint64_t kFramesPerSecond = 16'000;
  constexpr uint64_t kLongestStretchUs = 100'000;
  const std::chrono::microseconds by_size{
      std::min<uint64_t>(kLongestStretchUs, members * 1'000'000 / kFramesPerSecond)};
  return std::max<std::chrono::microseconds>(configured, by_size);
}

// Committed ops go out at once unless a delivery went out less than an
// interval ago; then with the next one, which takes every commit since.
void Room::deliver_soon() {
  const auto due =
      last_delivery_ + delivery_interval_for(members_.size(), options_.delivery_interval);
  if (Clock::now() >= due) return deliver();
  schedule_delivery(due);
}

std::chrono::milliseconds presence_interval_for(size_t members,
                                                std::chrono::milliseconds configured) {
  constexpr size_t kMembersAtConfigured = 50;
  constexpr auto kLongest = std::chrono::milliseconds(1000);
  if (members <= kMembersAtConfigured) return configured;
  const std::chrono::milliseconds stretched{configured.count() * static_cast<int64_t>(members) /
                                            static_cast<int64_t>(kMembersAtConfigured)};
  return std::max(configured, std::min(stretched, kLongest));
}

// Presence alone goes out at most once per presence interval, sooner with ops.
void Room::schedule_presence() {
  schedule_delivery(std::max(
      Clock::now(),
      last_presence_ + presence_interval_for(members_.size(), options_.presence_interval)));
}

// One timer for both: it is moved earlier when something is due sooner.
// (A wait that is cancelled runs its handler with an error and does nothing;
// one that had already fired only makes an extra, harmless, delivery.)
void Room::schedule_delivery(Clock::time_point due) {
  if (delivery_scheduled_ && delivery_due_ <= due) return;
  delivery_scheduled_ = true;
  delivery_due_ = due;
  delivery_timer_.expires_at(due);
  delivery_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec) return;
    self->delivery_scheduled_ = false;
    self->on_delivery_due();
  });
}

// The timer may have been set for presence that a delivery of ops has
// since taken along: then the presence interval starts from that delivery,
// and the changes made after it wait for the interval's end rather than
// going out now in a frame of their own (in a busy room most presence then
// rides with ops).
void Room::on_delivery_due() {
  if (outbox_.empty()) {
    if (!presence_changed_) return;
    const auto presence_due =
        last_presence_ + presence_interval_for(members_.size(), options_.presence_interval);
    if (Clock::now() < presence_due) return schedule_delivery(presence_due);
  }
  deliver();
}

// To every member one delivery: an Ops frame with the waiting ops that are
// not theirs, an Ack if some are (per replica: "everything up to counter"),
// and the presence update. Ops go before the Ack so that once a client has
// the Ack it has every op up to the highest seq it has received: that seq
// is its last_seen_seq. Each op is serialised once; frames are assembled
// from those bytes and shared by every member they fit.
void Room::deliver() {
  last_delivery_ = Clock::now();
  const Frame presence = take_presence();
  struct Author {
    uint64_t last_counter, last_seq;
    size_t ops = 0;
  };
  std::unordered_map<uint64_t, Author> authors;  // by replica
  for (const Outgoing& o : outbox_) {
    Author& a = authors[o.replica];
    a.last_counter = o.last_counter;
    a.last_seq = o.seq;
    ++a.ops;
  }
  const auto frame_without = [&](uint64_t replica) {
    std::vector<const std::string*> parts;
    for (const Outgoing& o : outbox_)
      if (o.replica != replica) parts.push_back(&o.element);
    return ops_frame(parts);
  };

  Frame everything;  // for members with no op here
  for (auto& [key, m] : members_) {
    Frames frames;
    const auto mine = authors.find(m.replica);
    if (!outbox_.empty() && mine == authors.end()) {
      if (!everything) everything = frame_without(0);  // replica 0 never authors
      metrics().ops_broadcast += outbox_.size();
      frames.push_back(everything);
    } else if (authors.size() > 1) {  // others' ops too
      metrics().ops_broadcast += outbox_.size() - mine->second.ops;
      frames.push_back(frame_without(m.replica));
    }
    if (mine != authors.end()) {
      pb::ServerMessage ack;
      ack.mutable_ack()->set_replica(m.replica);
      ack.mutable_ack()->set_counter(mine->second.last_counter);
      ack.mutable_ack()->set_seq(mine->second.last_seq);
      frames.push_back(encode(ack));
    }
    if (presence) frames.push_back(presence);
    if (!frames.empty()) m.peer->send(std::move(frames));
  }
  const auto now = Clock::now();
  for (const auto durable_at : outbox_durable_at_)
    metrics().broadcast_latency.observe(std::chrono::duration<double>(now - durable_at).count());
  outbox_.clear();
  outbox_durable_at_.clear();
}

// The store refused a commit: the document now holds ops that are not
// durable, so this room instance must go. Members reconnect and resend.
void Room::fail(const std::string& why) {
  spdlog::error("room {}: {}; closing the room", id_, why);
  failed_ = true;
  pending_.clear();
  pending_bytes_ = 0;
  if (!outbox_.empty()) deliver();  // those are durable
  auto frame = error_frame(pb::ERROR_UNAVAILABLE, "storage is failing; reconnect and resend");
  for (auto& [key, m] : members_) {
    m.peer->send(frame);
    m.peer->close(kCloseTryAgainLater, "storage failure");
  }
  members_.clear();
  replicas_.clear();
  retire();
}

// ---- presence ---------------------------------------------------------------------

void Room::presence(const Peer* peer, pb::PresenceState state) {
  net::post(strand_, [self = shared_from_this(), peer, s = std::move(state)]() mutable {
    Member* m = self->find(peer);
    if (!m) return;
    // Fields this server does not know are never relayed: one sent with the
    // wrong wire type would make every browser's decoder refuse every
    // Welcome and presence update that carries it (F27).
    s.DiscardUnknownFields();
    if (const std::string problem = presence_problem(s); !problem.empty()) {
      m->peer->send(error_frame(pb::ERROR_TOO_LARGE, problem + "; presence ignored"));
      return;
    }
    // Only a convener may ask everyone to follow.
    if (m->role != pb::ROLE_CONVENER) {
      s.clear_ask_to_follow();
      s.clear_ask_id();
    }
    m->presence = std::move(s);
    m->presence_dirty = true;
    self->presence_changed_ = true;
    self->schedule_presence();
  });
}

// One update with every member who joined or whose presence changed since
// the last one, and every member who left, or null if nothing changed. Each
// change goes out once, with the next delivery: a crowd joining or leaving
// costs one frame per member per delivery.
Frame Room::take_presence() {
  if (!presence_changed_) return nullptr;
  presence_changed_ = false;
  last_presence_ = Clock::now();
  pb::ServerMessage update;
  for (auto& [key, m] : members_) {
    if (!m.presence_dirty) continue;
    m.presence_dirty = false;
    m.announced = true;
    fill_member(update.mutable_presence()->add_members(), m.id, m.name, m.colour, m.role,
                m.presence);
  }
  for (std::string& id : left_) update.mutable_presence()->add_left(std::move(id));
  left_.clear();
  // Nothing, when the only ones who changed left before anyone heard of them.
  if (!update.has_presence()) return nullptr;
  return encode(update);
}

// ---- leaving, revocation, shutdown --------------------------------------------------

void Room::leave(const Peer* peer) {
  net::post(strand_, [self = shared_from_this(), peer] { self->do_leave(peer); });
}

void Room::do_leave(const Peer* peer) {
  auto it = members_.find(peer);
  if (it == members_.end()) return;
  const std::string id = it->second.id;
  const bool announced = it->second.announced;
  replicas_.erase(it->second.replica);
  members_.erase(it);
  spdlog::info("room {}: member {} left", id_, id);
  if (announced) {  // else the others never heard of it
    left_.push_back(id);
    presence_changed_ = true;
    schedule_presence();
  }
  check_idle();
}

void Room::revoke(std::string token_hash) {
  net::post(strand_, [self = shared_from_this(), hash = std::move(token_hash)] {
    for (auto& [key, m] : self->members_) {
      if (m.token_hash.empty() || m.token_hash != hash) continue;
      m.peer->send(error_frame(pb::ERROR_REVOKED, "this link has been revoked by a convener"));
      m.peer->close(kClosePolicy, "invite revoked");
    }
  });
}

void Room::shut_down(std::function<void()> done) {
  net::post(strand_, [self = shared_from_this(), done = std::move(done)]() mutable {
    self->closing_ = true;
    self->shutdown_done_ = std::move(done);
    self->maybe_commit();
    if (!self->committing_) self->finish_shutdown();  // else on_committed does
  });
}

// Everything accepted is durable: close every member with 1001.
void Room::finish_shutdown() {
  if (!outbox_.empty()) deliver();
  for (auto& [key, m] : members_) m.peer->close(kCloseGoingAway, "server shutting down");
  members_.clear();
  replicas_.clear();
  retire();
  if (auto done = std::move(shutdown_done_)) {
    shutdown_done_ = nullptr;
    done();
  }
}

// A member record that may make room for another in a full directory: its
// replica is offline and never made an op, so it has nothing to protect but
// a name (MemberDirectory::Evictable).
bool Room::evictable(const store::Member& m) const {
  uint64_t replica = 0;
  const auto [end, error] = std::from_chars(m.id.data(), m.id.data() + m.id.size(), replica, 16);
  if (error != std::errc() || end != m.id.data() + m.id.size()) return false;
  return !replicas_.count(replica) && doc_.version().last(replica) == 0;
}

// Nobody in it (nor on the way in), nothing left to write.
bool Room::idle() const {
  return members_.empty() && replicas_.empty() && pending_.empty() && !committing_ && !closing_;
}

// An empty room with nothing left to write is unloaded once it has stayed
// so for RoomOptions::linger.
void Room::check_idle() {
  if (!idle() || retired_) return;
  if (options_.linger.count() == 0) return retire();
  linger_timer_.expires_after(options_.linger);
  linger_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec && self->idle() && !self->retired_) self->retire();
  });
}

}  // namespace convene::rooms
