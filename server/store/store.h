// Durable storage for convene-server: one embedded RocksDB database holding
// every convening's op log, snapshots and metadata (docs/storage.md).
//
// Contract:
// - Thread safety: every method may be called from any thread concurrently
//   (RocksDB is thread-safe); callers keep disk work off their io threads.
// - Errors are values (Status); no exception crosses this interface.
// - append() is the durability point: when it returns ok, the entries are
//   written with the configured Durability (kFsync: on stable storage; kOs:
//   in the OS page cache, survives a process crash; kNone: may be lost).
//   All entries of one append() commit atomically in one write batch.
// - `Status* status` out-parameters may be null; when not, they are always
//   set. Absent data is not an error (nullopt / 0 / empty with status ok); on
//   error the same empty value is returned, so check the status.
// - Convening and member ids must be 1 to 64 of [A-Za-z0-9_-]; token hashes
//   1 to 128 arbitrary bytes. Anything else is refused with an error status.
// - Ownership: Store owns the database; close by destroying it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace convene::store {

enum class Durability { kFsync, kOs, kNone };

class Status {
 public:
  Status() = default;
  static Status ok() { return Status(); }
  static Status error(std::string message) { return Status(std::move(message)); }
  bool is_ok() const { return message_.empty(); }
  const std::string& message() const { return message_; }

 private:
  explicit Status(std::string message) : message_(std::move(message)) {
    if (message_.empty()) message_ = "storage error";
  }
  std::string message_;  // empty = ok
};

// One op in a convening's log.
struct LogEntry {
  uint64_t seq = 0;    // 1, 2, 3... per convening, no gaps
  std::string op;      // serialized convene.v1.Op
  std::string author;  // member id
  int64_t server_time_ms = 0;
  // The convening's op bytes up to and including this op (its size quota);
  // 0 when unknown (entries written before it was kept).
  uint64_t log_bytes = 0;
};

struct Convening {
  std::string id;  // URL-safe, random
  std::string name;
  int64_t created_ms = 0;
  // Hashes of the invite tokens in force, so the convener can revoke them.
  std::string participant_invite_hash = {};
  std::string observer_invite_hash = {};
};

enum class TokenKind { kConvener, kParticipantInvite, kObserverInvite };

// What a token grants. Tokens themselves are never stored: only a hash.
struct TokenGrant {
  std::string convening;
  TokenKind kind = TokenKind::kParticipantInvite;
  bool revoked = false;
  // Convener tokens only: the named link it belongs to ([A-Za-z0-9_-]{1,64}),
  // with its name and creation time. Written with the grant, a link is
  // listed by convener_links(). Empty: no link record (invites, and the
  // first convener token of convenings created before links had names).
  std::string link = {};
  std::string link_name = {};
  int64_t link_created_ms = 0;
};

// A named convener link ("Ana's laptop"), as convener_links() lists it.
struct ConvenerLink {
  std::string id;
  std::string name;
  int64_t created_ms = 0;
  std::string token_hash;
  bool revoked = false;
};

struct Member {
  std::string id;
  std::string name;
  std::string colour;
  int role = 0;  // convene.v1.Role
  int64_t first_seen_ms = 0;
  int64_t last_seen_ms = 0;
  // SHA-256 of the secret its client presented when it first claimed the
  // replica (the member id is the replica's): empty until claimed.
  std::string secret_hash = {};
};

// A named point in a convening's history: the state right after `seq`.
struct Version {
  uint64_t seq = 0;
  std::string name;
  int64_t created_ms = 0;
  // The name of the member who named it, as their record had it then, and
  // their member id; both empty for a version nobody signed.
  std::string author;
  std::string author_member = {};
};

struct Snapshot {
  uint64_t seq = 0;
  std::string bytes;  // crdt::Document::encode_snapshot()
};

class Store {
 public:
  // Opens (creating if missing) the database in `dir`. On failure returns
  // null and sets *status.
  static std::unique_ptr<Store> open(const std::string& dir, Durability durability, Status* status);
  Store() = default;
  virtual ~Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // ---- convenings and tokens -------------------------------------------------
  // Creates the convening and its tokens in one atomic write. Refuses (and
  // writes nothing) a convening that exists already, a token hash that is in
  // use or given twice, and a grant for another convening.
  virtual Status create_convening(
      const Convening& c, const std::vector<std::pair<std::string, TokenGrant>>& token_hashes) = 0;
  virtual std::optional<Convening> convening(std::string_view id, Status* status) = 0;
  // Replaces the record of an existing convening and puts `token_hashes`, in
  // one atomic write (used to rotate invites).
  virtual Status update_convening(
      const Convening& c, const std::vector<std::pair<std::string, TokenGrant>>& token_hashes) = 0;
  virtual std::optional<TokenGrant> token(std::string_view token_hash, Status* status) = 0;
  virtual Status put_token(std::string_view token_hash, const TokenGrant& grant) = 0;
  // The named convener links of a convening (grants written with a `link`),
  // by link id, each with its token's revoked flag.
  virtual std::vector<ConvenerLink> convener_links(std::string_view convening, Status* status) = 0;
  // How many convenings exist (a full scan of their records: call it once,
  // at start).
  virtual uint64_t count_convenings(Status* status) = 0;

  virtual Status put_member(std::string_view convening, const Member& m) = 0;
  // Forgets a member record (absent: ok).
  virtual Status delete_member(std::string_view convening, std::string_view id) = 0;
  virtual std::vector<Member> members(std::string_view convening, Status* status) = 0;

  // Names the state after `v.seq` (a later name for the same seq replaces it).
  virtual Status put_version(std::string_view convening, const Version& v) = 0;
  // The named versions of a convening, by seq.
  virtual std::vector<Version> versions(std::string_view convening, Status* status) = 0;

  // ---- op log ------------------------------------------------------------------
  // Appends entries (consecutive seqs following head_seq) atomically. Any
  // other seqs are refused with an error and nothing is written. Appending
  // nothing is ok. Does not check that the convening exists.
  virtual Status append(std::string_view convening, const std::vector<LogEntry>& entries) = 0;
  // Several appends, to different convenings, in one write: the group commit
  // of every room ready at the same moment, which shares one fsync. Returns
  // each append's status, in order: one whose seqs do not follow its head
  // fails alone; a failed write fails them all.
  struct GroupAppend {
    std::string_view convening;
    const std::vector<LogEntry>* entries;
  };
  virtual std::vector<Status> append_group(const std::vector<GroupAppend>& appends) = 0;
  virtual uint64_t head_seq(std::string_view convening, Status* status) = 0;
  // Calls `visit` for entries with from < seq <= to, in order, until it
  // returns false.
  virtual Status read_log(std::string_view convening, uint64_t from, uint64_t to,
                          const std::function<bool(const LogEntry&)>& visit) = 0;

  // ---- snapshots ---------------------------------------------------------------
  // Refuses a snapshot past head_seq.
  virtual Status put_snapshot(std::string_view convening, const Snapshot& s) = 0;
  // The newest snapshot with seq <= at (at = UINT64_MAX: the newest).
  virtual std::optional<Snapshot> snapshot_at_or_before(std::string_view convening, uint64_t at,
                                                        Status* status) = 0;

  // ---- health and stats --------------------------------------------------------
  // Writes and deletes a probe key with the configured durability.
  virtual Status probe_write() = 0;
  // True from a failed write (say, the disk is full) until a write succeeds
  // again. Cheap: no disk access, so it may be asked on every join.
  virtual bool failing() const = 0;
  // Tries to leave the failing state once its cause is gone (the disk has
  // space again): clears the database's background error, then probes a
  // write. Ok when writes work again.
  virtual Status recover() = 0;
  // Free bytes to keep on the data directory's file system: below them every
  // write is refused (and failing() is true) before the database itself runs
  // out of space; recover() wants a quarter more. 0: no reserve.
  virtual void set_disk_reserve(uint64_t bytes) = 0;
  // RocksDB figures worth watching, as (metric name suffix, value).
  virtual std::vector<std::pair<std::string, double>> stats() = 0;
  // Writes a consistent copy of the database, which Store::open can open, to
  // `dir`; `dir` must not exist yet. Table files are hard-linked when `dir` is
  // on the same file system. For backups while running (docs/storage.md).
  virtual Status checkpoint(const std::string& dir) {
    (void)dir;
    return Status::error("checkpoint: not supported by this store");
  }
  // Syncs the WAL and writes memtables to table files. Destroying the Store
  // closes it but cannot report errors: call flush() first to know.
  virtual Status flush() = 0;
};

}  // namespace convene::store
