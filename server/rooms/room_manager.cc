#include "rooms/room_manager.h"

#include <spdlog/spdlog.h>

namespace convene::rooms {

RoomManager::RoomManager(net::io_context& io, net::thread_pool& storage_pool,
                         net::thread_pool& commit_pool, store::Store& store, RoomOptions options)
    : io_(io),
      storage_pool_(storage_pool),
      store_(store),
      committer_(commit_pool, store),
      options_(options) {}

size_t RoomManager::loaded() const {
  std::lock_guard lock(mutex_);
  return rooms_.size();
}

void RoomManager::join(const std::string& convening, JoinRequest request) {
  std::shared_ptr<Room> room;
  bool start_load = false;
  {
    std::lock_guard lock(mutex_);
    if (shutting_down_) {
      request.peer->send(error_frame(pb::ERROR_UNAVAILABLE, "the server is shutting down"));
      request.peer->close(1001, "shutting down");
      return;
    }
    auto [it, inserted] = rooms_.try_emplace(convening);
    if (it->second.room) {
      room = it->second.room;
    } else {
      it->second.waiting.push_back(std::move(request));
      start_load = inserted;
    }
  }
  if (room) {
    room->join(std::move(request));
  } else if (start_load) {
    load(convening);
  }
}

void RoomManager::load(const std::string& convening) {
  net::post(storage_pool_, [this, convening] {
    std::string error;
    auto state = load_room_state(store_, convening, UINT64_MAX, &error);
    loaded(convening, std::move(state), std::move(error));
  });
}

void RoomManager::loaded(const std::string& convening, std::shared_ptr<RoomState> state,
                         std::string error) {
  std::shared_ptr<Room> room;
  std::vector<JoinRequest> waiting;
  {
    std::lock_guard lock(mutex_);
    auto it = rooms_.find(convening);
    if (it == rooms_.end()) return;
    waiting.swap(it->second.waiting);
    if (!state) {
      rooms_.erase(it);
    } else {
      room = std::make_shared<Room>(
          convening, std::move(*state), io_.get_executor(), storage_pool_, store_, committer_,
          options_, [this](const Room* r) { forget(r); },
          [this, convening](JoinRequest request) { join(convening, std::move(request)); },
          [this, convening](const std::string& hash) { return revoked(convening, hash); });
      it->second.room = room;
    }
  }
  if (!room) {
    spdlog::error("convening {}: cannot load: {}", convening, error);
    for (auto& request : waiting) {
      request.peer->send(error_frame(pb::ERROR_UNAVAILABLE, "the convening cannot be loaded"));
      request.peer->close(1011, "load failed");
    }
    return;
  }
  spdlog::info("convening {}: loaded", convening);
  for (auto& request : waiting) room->join(std::move(request));
}

void RoomManager::forget(const Room* room) {
  std::lock_guard lock(mutex_);
  auto it = rooms_.find(room->id());
  if (it != rooms_.end() && it->second.room.get() == room) {
    spdlog::info("convening {}: unloaded", room->id());
    rooms_.erase(it);
  }
}

void RoomManager::revoke(const std::string& convening, const std::string& token_hash) {
  std::shared_ptr<Room> room;
  {
    std::lock_guard lock(mutex_);
    revoked_[convening].insert(token_hash);
    auto it = rooms_.find(convening);
    if (it != rooms_.end()) room = it->second.room;
  }
  if (room) room->revoke(token_hash);
}

bool RoomManager::revoked(const std::string& convening, const std::string& token_hash) const {
  std::lock_guard lock(mutex_);
  const auto it = revoked_.find(convening);
  return it != revoked_.end() && it->second.count(token_hash) > 0;
}

void RoomManager::shut_down(std::function<void()> done) {
  std::vector<std::shared_ptr<Room>> rooms;
  {
    std::lock_guard lock(mutex_);
    shutting_down_ = true;
    for (auto& [id, entry] : rooms_)
      if (entry.room) rooms.push_back(entry.room);
  }
  if (rooms.empty()) return done();
  auto remaining = std::make_shared<std::atomic<size_t>>(rooms.size());
  auto finished = std::make_shared<std::function<void()>>(std::move(done));
  for (auto& room : rooms)
    room->shut_down([remaining, finished] {
      if (--*remaining == 0) (*finished)();
    });
}

std::shared_ptr<RoomState> load_room_state(store::Store& store, const std::string& convening,
                                           uint64_t at_seq, std::string* error) {
  store::Status s;
  const auto meta = store.convening(convening, &s);
  if (!meta) {
    *error = s.is_ok() ? "no such convening" : s.message();
    return nullptr;
  }
  auto state = std::make_shared<RoomState>();
  state->name = meta->name;
  const uint64_t head = std::min(at_seq, store.head_seq(convening, &s));
  if (!s.is_ok()) return *error = s.message(), nullptr;
  if (auto snap = store.snapshot_at_or_before(convening, head, &s); snap && s.is_ok()) {
    auto doc = crdt::Document::decode_snapshot(snap->bytes, 0);
    if (doc.ok()) {
      state->doc = std::move(doc.value);
      state->snapshot_seq = snap->seq;
      state->snapshot = std::move(snap->bytes);
    } else {
      // The log holds everything the snapshot did: replay it whole rather
      // than leave the convening unloadable.
      spdlog::warn("convening {}: snapshot at seq {} unusable ({}); replaying the whole log",
                   convening, snap->seq, doc.status.str());
    }
  }
  if (!s.is_ok()) return *error = s.message(), nullptr;
  state->members = store.members(convening, &s);
  if (!s.is_ok()) return *error = s.message(), nullptr;
  // The entry at the snapshot's seq is read too, for the convening's op
  // bytes so far (its quota); it is in the snapshot already.
  bool ok = true;
  const uint64_t from = state->snapshot_seq > 0 ? state->snapshot_seq - 1 : 0;
  s = store.read_log(convening, from, head, [&](const store::LogEntry& e) {
    // Entries written before the total was kept carry 0: count them here.
    state->log_bytes = e.log_bytes != 0 ? e.log_bytes : state->log_bytes + e.op.size();
    if (e.seq <= state->snapshot_seq) return true;
    pb::SequencedOp op;
    op.set_seq(e.seq);
    op.set_author(e.author);
    op.set_server_time_ms(e.server_time_ms);
    if (!op.mutable_op()->ParseFromString(e.op)) {
      *error = "log entry " + std::to_string(e.seq) + " does not parse";
      return ok = false;
    }
    if (const auto applied = state->doc.apply(op.op()); !applied.is_ok()) {
      *error = "log entry " + std::to_string(e.seq) + " does not apply: " + applied.str();
      return ok = false;
    }
    state->tail.push_back(std::move(op));
    state->head_seq = e.seq;
    return true;
  });
  if (!s.is_ok()) return *error = s.message(), nullptr;
  if (!ok) return nullptr;
  if (state->tail.empty()) state->head_seq = state->snapshot_seq;
  return state;
}

}  // namespace convene::rooms
