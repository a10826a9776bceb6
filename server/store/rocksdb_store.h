// RocksDbStore: the Store (store.h) over one RocksDB database with the column
// families `log`, `snap` and `meta`. Key layout and value formats are in
// docs/storage.md and above the encoders in rocksdb_store.cc.
//
// Contract (in addition to store.h):
// - Thread safety: all methods may be called concurrently. Appends to one
//   convening are serialised by that convening's lock; appends to different
//   convenings run in parallel, and RocksDB commits concurrent writes in one
//   group (one WAL write and one fsync for all of them). append_group() puts
//   several convenings' appends into one write batch itself.
// - head_seq is cached per convening after its first use, so this must be the
//   only writer of the database (RocksDB's LOCK file makes it the only process).
// - RocksDB types are forward-declared only: including this header does not
//   pull in RocksDB's headers.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "store/store.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class WriteBatch;
}  // namespace rocksdb

namespace convene::store {

class RocksDbStore final : public Store {
 public:
  // Opens (creating if missing, with any missing parent directories) the
  // database in `dir`. On failure returns null and sets *status.
  static std::unique_ptr<RocksDbStore> open(const std::string& dir, Durability durability,
                                            Status* status);

  // Closes the database: memtables not yet in the WAL (kNone) are flushed.
  ~RocksDbStore() override;

  RocksDbStore(const RocksDbStore&) = delete;
  RocksDbStore& operator=(const RocksDbStore&) = delete;

  Status create_convening(
      const Convening& c,
      const std::vector<std::pair<std::string, TokenGrant>>& token_hashes) override;
  std::optional<Convening> convening(std::string_view id, Status* status) override;
  Status update_convening(
      const Convening& c,
      const std::vector<std::pair<std::string, TokenGrant>>& token_hashes) override;
  std::optional<TokenGrant> token(std::string_view token_hash, Status* status) override;
  Status put_token(std::string_view token_hash, const TokenGrant& grant) override;
  std::vector<ConvenerLink> convener_links(std::string_view convening, Status* status) override;
  uint64_t count_convenings(Status* status) override;

  Status put_member(std::string_view convening, const Member& m) override;
  Status delete_member(std::string_view convening, std::string_view id) override;
  std::vector<Member> members(std::string_view convening, Status* status) override;
  Status put_version(std::string_view convening, const Version& v) override;
  std::vector<Version> versions(std::string_view convening, Status* status) override;

  Status append(std::string_view convening, const std::vector<LogEntry>& entries) override;
  std::vector<Status> append_group(const std::vector<GroupAppend>& appends) override;
  uint64_t head_seq(std::string_view convening, Status* status) override;
  Status read_log(std::string_view convening, uint64_t from, uint64_t to,
                  const std::function<bool(const LogEntry&)>& visit) override;

  Status put_snapshot(std::string_view convening, const Snapshot& s) override;
  std::optional<Snapshot> snapshot_at_or_before(std::string_view convening, uint64_t at,
                                                Status* status) override;

  Status probe_write() override;
  bool failing() const override { return failing_.load(); }
  Status recover() override;
  void set_disk_reserve(uint64_t bytes) override { disk_reserve_ = bytes; }
  std::vector<std::pair<std::string, double>> stats() override;
  Status checkpoint(const std::string& dir) override;
  Status flush() override;

 private:
  Status scan_meta(const std::string& lower, const std::string& upper, const std::string& what,
                   const std::function<bool(std::string_view, std::string_view)>& visit);
  std::optional<std::string> lookup_meta(Status check, const std::string& key, Status* status);
  Status batch_convening(rocksdb::WriteBatch* batch, const Convening& c,
                         const std::vector<std::pair<std::string, TokenGrant>>& token_hashes,
                         const std::string& what, std::unordered_set<std::string_view>* hashes);
  // One convening's log head. `known` is false until it has been read from
  // the database, and again after a failed write (the write may or may not
  // have reached the database; the next use re-reads it).
  struct LogHead {
    std::mutex mu;
    bool known = false;  // GUARDED_BY(mu)
    uint64_t seq = 0;    // GUARDED_BY(mu)
  };

  // Takes ownership of `db` and of `handles` (default, log, snap, meta).
  RocksDbStore(rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
               Durability durability, std::string dir);

  // Ok when the data directory's file system has at least `needed` bytes
  // free (statvfs: no disk access).
  Status check_space(uint64_t needed, std::string_view what) const;

  // The (created on first use) head of `convening`; never null.
  std::shared_ptr<LogHead> log_head(std::string_view convening);
  // Reads the head seq of `convening` from the log family.
  Status read_head_seq(std::string_view convening, uint64_t* seq);
  // Writes `batch` with the configured durability; `what` names the
  // operation in the error message. Every write goes through here or
  // probe_write(), which keep failing_ up to date.
  Status write(rocksdb::WriteBatch* batch, std::string_view what);
  Status follows_head(LogHead& head, const GroupAppend& a, const std::string& what);
  // Reads a key of the meta family; *found is false (and the status ok) if
  // the key is absent.
  Status get_meta(const std::string& key, std::string* value, bool* found);

  rocksdb::DB* db_;  // owned; closed and deleted by the destructor
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // owned; all of the below and `default`
  rocksdb::ColumnFamilyHandle* log_;
  rocksdb::ColumnFamilyHandle* snap_;
  rocksdb::ColumnFamilyHandle* meta_;
  const Durability durability_;
  const std::string dir_;

  // Whether the last write failed (see failing()).
  std::atomic<bool> failing_{false};
  std::atomic<uint64_t> disk_reserve_{0};

  // Serialises create_convening's check-then-write.
  std::mutex create_mu_;

  std::mutex heads_mu_;
  // One entry per convening appended to or read since open; a few dozen bytes
  // each.
  std::unordered_map<std::string, std::shared_ptr<LogHead>> heads_;  // GUARDED_BY(heads_mu_)
};

}  // namespace convene::store
