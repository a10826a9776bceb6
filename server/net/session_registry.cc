#include "net/session_registry.h"

#include <vector>

#include "rooms/room.h"

namespace convene::server {

void SessionRegistry::add(const std::shared_ptr<rooms::Peer>& peer) {
  std::lock_guard lock(mutex_);
  sessions_[peer.get()] = peer;
}

void SessionRegistry::remove(const rooms::Peer* peer) {
  std::lock_guard lock(mutex_);
  sessions_.erase(peer);
}

void SessionRegistry::close_all() {
  std::vector<std::shared_ptr<rooms::Peer>> live;
  {
    std::lock_guard lock(mutex_);
    for (auto& [key, weak] : sessions_)
      if (auto peer = weak.lock()) live.push_back(std::move(peer));
  }
  for (auto& peer : live) peer->close(1001, "server shutting down");
}

}  // namespace convene::server
