// A Room is one live convening: the ordering relay with a materialised
// replica (DESIGN.md §2).
//
// Flow of an op: a member's Submit is validated against the room's Document
// and applied to it at once (so later ops of the same batch validate), gets
// the next seq and waits in `pending_`. One group commit at a time takes
// everything pending to the store in one write batch; only when it is durable
// are the ops acknowledged to their authors and broadcast to everyone else,
// in seq order. A failed commit fails the room: members are told, closed,
// and the room is dropped so the next join reloads it from the store (the
// uncommitted ops are still in their authors' pending queues).
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
#include "rooms/group_commit.h"
#include "store/store.h"

namespace convene::rooms {

namespace pb = ::convene::v1;

// What a room needs from a connection. Implementations are thread-safe.
class Peer {
 public:
  virtual ~Peer() = default;
  // Queues a frame; a peer whose queue overflows disconnects itself.
  virtual void send(std::shared_ptr<const std::string> frame) = 0;
  // Sends a close frame with `code` and ends the connection.
  virtual void close(uint16_t code, std::string reason) = 0;
};

struct RoomOptions {
  uint64_t snapshot_every = 1000;
  size_t max_ops_per_submit = 10'000;
};

struct JoinRequest {
  std::shared_ptr<Peer> peer;
  pb::Hello hello;
  pb::Role role = pb::ROLE_PARTICIPANT;
  std::string token_hash;  // empty in open mode
  // Called with the room once the member is in, before its Welcome is sent.
  std::function<void(std::shared_ptr<class Room>)> attached;
};

// What a room starts from (read from the store by the RoomManager).
struct RoomState {
  crdt::Document doc;
  uint64_t head_seq = 0;
  uint64_t snapshot_seq = 0;
  std::string snapshot;              // encoded, at snapshot_seq; empty if none
  std::deque<pb::SequencedOp> tail;  // committed ops after snapshot_seq
  std::string name;
};

// Frames shared by the rooms and the sessions.
std::shared_ptr<const std::string> encode(const pb::ServerMessage& m);
// An Ops frame assembled from elements made by ops_element, each serialised
// once however many members receive it.
std::string ops_element(const pb::SequencedOp& op);
std::shared_ptr<const std::string> ops_frame(const std::vector<const std::string*>& elements);
// The envelope header of an Ops frame whose payload (its elements) is
// `payload_bytes` long.
std::string ops_frame_header(size_t payload_bytes);
// The payload of an Ops frame, or nullopt if `frame` is not exactly one
// ServerMessage.ops envelope.
std::optional<std::string_view> ops_frame_payload(std::string_view frame);
std::shared_ptr<const std::string> error_frame(pb::ErrorCode code, std::string message,
                                               const crdt::OpId* op = nullptr);

class Room : public std::enable_shared_from_this<Room> {
 public:
  using StorageStrand = net::strand<net::thread_pool::executor_type>;

  // `on_idle` is called (on the room's strand) when the room is empty and
  // flushed, or has failed: the manager forgets it. A join that reaches a
  // room after that is handed to `reroute`, which finds or loads a new one.
  Room(std::string id, RoomState state, net::any_io_executor io, net::thread_pool& storage_pool,
       store::Store& store, GroupCommitter& committer, RoomOptions options,
       std::function<void(const Room*)> on_idle, std::function<void(JoinRequest)> reroute);
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
  };
  struct AckIndex {  // per replica: (last counter of an op, its seq), ascending
    std::vector<std::pair<uint64_t, uint64_t>> entries;
  };

  void do_join(JoinRequest request);
  void send_welcome(const Member& m, uint64_t last_seen, bool ops_only);
  bool read_older_ops(uint64_t from, uint64_t to, pb::Welcome* w);
  void do_submit(const Peer* peer, pb::Submit& submit);
  void accept_ops(Member& m, google::protobuf::RepeatedPtrField<pb::Op>& ops);
  void ack_duplicate(const Member& m, const pb::Op& op);
  void trim_acks(uint64_t upto_seq);
  void maybe_encode_snapshot();
  void store_snapshot(uint64_t seq, std::string bytes);
  void maybe_commit();
  void on_committed(std::vector<Pending> batch, store::Status status,
                    std::chrono::steady_clock::time_point durable_at);
  void deliver(const std::vector<Pending>& batch);
  void fail(const std::string& why);
  void do_leave(const Peer* peer);
  void schedule_presence_flush();
  void flush_presence();
  void broadcast(const std::shared_ptr<const std::string>& frame, const Peer* except = nullptr);
  void check_idle();
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
  bool retired_ = false;  // on_idle_ was called: no longer the convening's room

  crdt::Document doc_;  // includes applied but uncommitted ops
  uint64_t applied_seq_ = 0;
  uint64_t committed_seq_ = 0;
  uint64_t snapshot_seq_ = 0;  // newest durable snapshot
  std::shared_ptr<const std::string> snapshot_;
  std::deque<pb::SequencedOp> tail_;  // committed ops after snapshot_seq_
  size_t tail_bytes_ = 0;
  std::vector<Pending> pending_;
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
  // Members that left since the last presence flush (announced ones only).
  std::vector<std::string> left_;
  net::steady_timer presence_timer_;
  bool presence_scheduled_ = false;
  std::chrono::steady_clock::time_point last_presence_flush_{};
  bool closing_ = false;  // shutting down: no joins, close once flushed
  std::function<void()> shutdown_done_;
};

}  // namespace convene::rooms
