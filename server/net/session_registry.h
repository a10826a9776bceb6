// The live WebSocket sessions, so that shutdown can close every one of them
// with 1001 (members of rooms are closed by their rooms; this catches the
// rest: connections still saying Hello, or whose room is gone).
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <memory>
#include <mutex>
#include <unordered_map>

namespace convene::rooms {
class Peer;
}

namespace convene::server {

class SessionRegistry {
 public:
  void add(const std::shared_ptr<rooms::Peer>& peer);
  void remove(const rooms::Peer* peer);
  // Sends every live session a close frame with 1001.
  void close_all();

 private:
  std::mutex mutex_;
  std::unordered_map<const rooms::Peer*, std::weak_ptr<rooms::Peer>>
      sessions_;  // GUARDED_BY(mutex_)
};

}  // namespace convene::server
