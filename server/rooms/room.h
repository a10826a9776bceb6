// A Room is one live convening: the ordering relay with a materialised
// replica (DESIGN.md §2).
//
// Flow of an op: a member's Submit is validated against the room's Document
// and applied to it at once (so later ops of the same batch validate), gets
// the next seq and waits in `pending_`. One group commit at a time takes
// everything pending to the store in one write batch; only when it is durable
// are the ops acknowledged to their authors and broadcast to everyone else,
// in seq order. Each member gets one delivery at a time: the Ops of every
// commit since the last one, its Ack, and the presence that changed, at most
// once per RoomOptions::delivery_interval (and presence on its own at most
// once per RoomOptions::presence_interval). A failed commit fails the room:
// members are told, closed, and the room is dropped so the next join
// reloads it from the store (the uncommitted ops are still in their
// authors' pending queues).
//
// Threading: every method posts to the room's strand; nothing here blocks.
// Store calls run on the storage pool (a strand of it per room, which keeps
// this room's writes in order) and post their results back.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "convene/v1/protocol.pb.h"
#include "crdt/document.h"
#include "net/beast.h"
#include "rooms/frames.h"
#include "rooms/group_commit.h"
#include "rooms/members.h"
#include "store/store.h"

namespace convene::rooms {

namespace pb = ::convene::v1;

// What a room needs from a connection. Implementations are thread-safe.
class Peer {
 public:
  virtual ~Peer() = default;
  // Queues a frame; a peer whose queue overflows disconnects itself.
  virtual void send(Frame frame) = 0;
  // Queues the frames of one delivery, in order (to a client that takes
  // batches they go out as one frame).
  virtual void send(Frames frames) = 0;
  // Sends a close frame with `code` and ends the connection.
  virtual void close(uint16_t code, std::string reason) = 0;
};

struct RoomOptions {
  uint64_t snapshot_every = 1000;
  size_t max_ops_per_submit = 10'000;
  // A member gets at most one delivery (Ops, Ack, PresenceUpdate) per
  // interval: commits that follow one another closer than this wait and go
  // out together. A delivery after a quieter spell goes at once. Large
  // rooms stretch it (delivery_interval_for).
  std::chrono::milliseconds delivery_interval{5};
  // Presence changes go out at most once per interval on their own; a
  // delivery of ops takes them along sooner and starts the interval again.
  // Cursors at 10 Hz in a room of 20 are 200 changes a second; a longer
  // interval trades their smoothness for fewer frames in large rooms.
  std::chrono::milliseconds presence_interval{50};

  // Quotas (docs/security.md). 0: no limit.
  size_t max_live_members = 1'000;     // connected at once
  size_t max_member_records = 10'000;  // replicas that ever joined
  uint64_t max_convening_ops = 1'000'000;
  uint64_t max_convening_bytes = 128ull << 20;  // serialized ops in the log
  MemberQuota member_quota{20'000, 8 << 20};    // per member, a minute
  // How far an op's lamport may run ahead of the room's clock. A client's
  // lamport is one more than the highest it has seen, plus what it made
  // offline; far beyond that it can only be meant to exhaust the 64-bit
  // clock, which would make every later op overflow (decision 42).
  uint64_t max_clock_lead = uint64_t{1} << 32;
  // Ops applied but not yet durable (while a commit is being written, say
  // during a long fsync): beyond, Submits wait (ERROR_RATE_LIMITED with a
  // retry) rather than pile up in memory.
  size_t max_pending_bytes = 64 << 20;
  // An empty room stays loaded this long before it unloads: a loop of joins
  // and leaves must not reload a large convening (a snapshot decoded, a tail
  // replayed) each time round.
  std::chrono::milliseconds linger{5000};
};

// The time between presence updates in a room: `configured`, stretched in
// proportion beyond 50 members (each update goes to every member, and
// carries every member who moved): to at most a second.
std::chrono::milliseconds presence_interval_for(size_t members,
                                                std::chrono::milliseconds configured);

// The time between a room's deliveries: `configured`, stretched in a room too
// large for it so that the room writes at most about 16,000 frames a second
// (a delivery is a frame per member), and by that rule to at most 100 ms.
// A room of 300 waits about 19 ms between deliveries instead of 5: its
// members' latency grows by that much at most, and the server's work per
// committed op stops growing with every extra member.
std::chrono::microseconds delivery_interval_for(size_t members,
                                                std::chrono::milliseconds configured);

struct JoinRequest {
  std::shared_ptr<Peer> peer;
  pb::Hello hello;
  pb::Role role = pb::ROLE_PARTICIPANT;
  std::string token_hash;  // empty in open mode
  // SHA-256 of Hello.replica_secret: what claims the replica (members.h).
  std::string secret_hash;
  // Called with the room once the member is in, before its Welcome is sent.
  std::function<void(std::shared_ptr<class Room>)> attached;
  // Committed ops older than the room's tail, read from the store for a
  // client that asked for ops only (filled by the room on the way in).
  std::vector<pb::SequencedOp> older_ops = {};
};

// What a room starts from (read from the store by the RoomManager).
struct RoomState {
  crdt::Document doc;
  uint64_t head_seq = 0;
  uint64_t snapshot_seq = 0;
  std::string snapshot;              // encoded, at snapshot_seq; empty if none
  std::deque<pb::SequencedOp> tail;  // committed ops after snapshot_seq
  std::string name;
  std::vector<store::Member> members;  // every member record of the convening
  uint64_t log_bytes = 0;              // serialized ops up to head_seq (quota)
};

class Room : public std::enable_shared_from_this<Room> {
 public:
  using StorageStrand = net::strand<net::thread_pool::executor_type>;

  // `on_idle` is called (on the room's strand) when the room is empty and
  // flushed, or has failed: the manager forgets it. A join that reaches a
  // room after that is handed to `reroute`, which finds or loads a new one.
  // `revoked` says whether a token hash was revoked after the joins that
  // carry it were admitted to the server (RoomManager::revoked).
  Room(std::string id, RoomState state, net::any_io_executor io, net::thread_pool& storage_pool,
       store::Store& store, GroupCommitter& committer, RoomOptions options,
       std::function<void(const Room*)> on_idle, std::function<void(JoinRequest)> reroute,
       std::function<bool(const std::string&)> revoked = nullptr);
  ~Room();

  const std::string& id() const { return id_; }

  void join(JoinRequest request);
  void submit(const Peer* peer, pb::Submit submit);
  void presence(const Peer* peer, pb::PresenceState state);
  void leave(const Peer* peer);
  // Closes the connections that joined with this token.
  void revoke(std::string token_hash);
  // Finishes the commit in flight, closes every member with 1001 and calls
  // `done` (on the room's strand).
  void shut_down(std::function<void()> done);

 private:
  struct Member {
    std::shared_ptr<Peer> peer;
    std::string id;
    std::string name;
    std::string colour;
    pb::Role role;
    uint64_t replica;
    std::string token_hash;
    pb::PresenceState presence;
    bool presence_dirty = false;
    bool announced = false;  // the others have been told of this member
  };
  struct Pending {
    pb::SequencedOp op;
    std::string author;     // member id; the peer may be gone by commit time
    uint64_t last_counter;  // the op's last counter: what its Ack names
    std::chrono::steady_clock::time_point received;
    uint64_t log_bytes;  // the convening's op bytes up to this op
  };
  // A committed op not yet delivered: its element of an Ops frame, and what
  // its author's Ack names.
  struct Outgoing {
    std::string element;
    uint64_t replica;
    uint64_t last_counter;
    uint64_t seq;
  };
  struct AckIndex {  // per replica: (last counter of an op, its seq), ascending
    std::vector<std::pair<uint64_t, uint64_t>> entries;
  };

  void do_join(JoinRequest request);
  void admit(JoinRequest request);
  void store_claim(JoinRequest request, store::Member record, std::string evicted);
  bool evictable(const store::Member& m) const;
  bool refuse_join(JoinRequest& request);
  std::string check_op(const Member& m, const pb::Op& op, uint64_t* scan_steps) const;
  bool within_quota(Member& m, const pb::Op& op, size_t bytes, uint64_t scan_steps);
  void send_welcome(const Member& m, uint64_t last_seen, bool ops_only,
                    std::vector<pb::SequencedOp> older);
  uint64_t tail_base() const;
  uint64_t older_ops_wanted(const JoinRequest& request) const;
  void read_older_ops(JoinRequest request);
  void do_submit(const Peer* peer, pb::Submit& submit);
  void accept_ops(Member& m, google::protobuf::RepeatedPtrField<pb::Op>& ops);
  void ack_duplicate(const Member& m, const pb::Op& op);
  void trim_acks(uint64_t upto_seq);
  void maybe_encode_snapshot();
  bool store_snapshot(uint64_t seq, const std::string& bytes);
  void adopt_snapshot(uint64_t seq, std::string bytes);
  void maybe_commit();
  void on_committed(std::vector<Pending> batch, store::Status status,
                    std::chrono::steady_clock::time_point durable_at);
  void deliver_soon();
  void schedule_delivery(std::chrono::steady_clock::time_point due);
  void on_delivery_due();
  void schedule_presence();
  void deliver();
  Frame take_presence();
  void fail(const std::string& why);
  void do_leave(const Peer* peer);
  void check_idle();
  bool idle() const;
  void retire();
  void finish_shutdown();
  Member* find(const Peer* peer);

  std::string id_;
  std::string name_;
  net::strand<net::any_io_executor> strand_;
  StorageStrand storage_;
  store::Store& store_;
  GroupCommitter& committer_;  // the log's writes, shared by every room
  RoomOptions options_;
  std::function<void(const Room*)> on_idle_;
  std::function<void(JoinRequest)> reroute_;
  std::function<bool(const std::string&)> revoked_;
  bool retired_ = false;  // on_idle_ was called: no longer the convening's room

  crdt::Document doc_;  // includes applied but uncommitted ops
  uint64_t applied_seq_ = 0;
  uint64_t committed_seq_ = 0;
  uint64_t snapshot_seq_ = 0;  // newest durable snapshot
  std::shared_ptr<const std::string> snapshot_;
  std::deque<pb::SequencedOp> tail_;  // committed ops after snapshot_seq_
  size_t tail_bytes_ = 0;
  std::vector<Pending> pending_;
  uint64_t log_bytes_ = 0;    // serialized ops up to applied_seq_
  size_t pending_bytes_ = 0;  // serialized ops in pending_
  MemberDirectory directory_;
  bool committing_ = false;
  bool failed_ = false;
  // A snapshot encoded at seq `due_snapshot_seq_`, written after that seq
  // is durable.
  uint64_t due_snapshot_seq_ = 0;
  std::string due_snapshot_;
  uint64_t last_snapshot_encoded_ = 0;

  std::unordered_map<const Peer*, Member> members_;
  std::unordered_map<uint64_t, const Peer*> replicas_;
  std::unordered_map<uint64_t, AckIndex> acks_;
  // Committed ops waiting for the next delivery, and when each of their
  // commits became durable.
  std::vector<Outgoing> outbox_;
  std::vector<std::chrono::steady_clock::time_point> outbox_durable_at_;
  // Members that left since the last presence update (announced ones only).
  std::vector<std::string> left_;
  bool presence_changed_ = false;  // a member is presence_dirty, or left_ holds one
  net::steady_timer delivery_timer_;
  net::steady_timer linger_timer_;  // an empty room's last moments
  bool delivery_scheduled_ = false;
  std::chrono::steady_clock::time_point delivery_due_{};
  std::chrono::steady_clock::time_point last_delivery_{};
  std::chrono::steady_clock::time_point last_presence_{};
  bool closing_ = false;  // shutting down: no joins, close once flushed
  std::function<void()> shutdown_done_;
};

}  // namespace convene::rooms
