#include "store/store.h"

#include "store/rocksdb_store.h"

namespace convene::store {

std::unique_ptr<Store> Store::open(const std::string& dir, Durability durability, Status* status) {
  return RocksDbStore::open(dir, durability, status);
}

}  // namespace convene::store
