#include "store/store.h"

#include "store/rocksdb_store.h"

namespace convene::store {

std::unique_ptr<Store> Store::open(const std::string& dir, Durability durability, Status* status) {
  return RocksDbStore::open(dir, durability, status);
}

std::vector<Status> Store::append_group(const std::vector<GroupAppend>& appends) {
  std::vector<Status> statuses;
  statuses.reserve(appends.size());
  for (const GroupAppend& a : appends) statuses.push_back(append(a.convening, *a.entries));
  return statuses;
}

}  // namespace convene::store
