// Finds, loads and unloads rooms: one live Room per convening.
//
// A room is loaded on its first join (newest snapshot + the log after it, read
// on the storage pool), with one load at a time per convening: joins that
// arrive meanwhile wait for it. An empty, flushed room is forgotten.
//
// Thread safety: all methods may be called from any thread; the map of rooms
// is guarded by a mutex held only for map operations, never across I/O.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "rooms/group_commit.h"
#include "rooms/room.h"

namespace convene::rooms {

class RoomManager {
 public:
  // `commit_pool` writes the group commits and nothing else, so that no
  // other storage work (loads, token checks, REST requests) ever delays one.
  RoomManager(net::io_context& io, net::thread_pool& storage_pool, net::thread_pool& commit_pool,
              store::Store& store, RoomOptions options);

  // Routes a join to the convening's room, loading it first if needed. If
  // the room cannot be loaded the peer gets an error and is closed.
  void join(const std::string& convening, JoinRequest request);
  // Closes live connections of the convening that used this token, and
  // refuses it from now on to joins already past their token check (in
  // flight, or waiting for the room to load).
  void revoke(const std::string& convening, const std::string& token_hash);
  bool revoked(const std::string& convening, const std::string& token_hash) const;
  // Shuts every room down (commits finish, members closed with 1001) and
  // then calls `done` (from some room's strand or the caller's thread).
  void shut_down(std::function<void()> done);
  size_t loaded() const;

 private:
  struct Entry {
    std::shared_ptr<Room> room;  // null while loading
    std::vector<JoinRequest> waiting;
  };

  void load(const std::string& convening);
  void loaded(const std::string& convening, std::shared_ptr<RoomState> state, std::string error);
  void forget(const Room* room);

  net::io_context& io_;
  net::thread_pool& storage_pool_;
  store::Store& store_;
  GroupCommitter committer_;
  RoomOptions options_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> rooms_;  // GUARDED_BY(mutex_)
  // Token hashes revoked since the server started, per convening: a join
  // whose token was checked before its revocation is refused when the room
  // admits it. A few per revocation, which conveners make by hand.
  std::unordered_map<std::string, std::unordered_set<std::string>> revoked_;  // GUARDED_BY(mutex_)
  bool shutting_down_ = false;                                                // GUARDED_BY(mutex_)
};

// Reads a convening's state from the store (blocking: storage pool only).
std::shared_ptr<RoomState> load_room_state(store::Store& store, const std::string& convening,
                                           uint64_t at_seq, std::string* error);

}  // namespace convene::rooms
