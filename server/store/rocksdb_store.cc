#include "store/rocksdb_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <system_error>
#include <unordered_set>
#include <utility>

#include "convene/v1/storage.pb.h"

namespace convene::store {
namespace {

namespace pb = ::convene::v1;

// ---- key layout ----------------------------------------------------------------
//
// All families use RocksDB's default bytewise key order.
//
//   log key    := convening 0x00 seq
//   snap key   := convening 0x00 seq
//   seq        := uint64 as 8 bytes, big-endian      ; byte order = numeric order
//   convening  := [A-Za-z0-9_-]{1,64}
//   meta key   := "c/" convening                     ; ConveningRecord
//               | "t/" token-hash                    ; TokenRecord
//               | "m/" convening "/" member          ; MemberRecord
//               | "v/" convening "/" seq             ; VersionRecord
//               | "l/" convening "/" link            ; ConvenerLinkRecord
//               | "p/probe"                          ; probe_write, never left behind
//   member     := [A-Za-z0-9_-]{1,64}
//   token-hash := byte{1,128}
//
// A convening id never contains 0x00 (nor '/'), and 0x00 sorts before every
// byte, so the keys of one convening form the contiguous range
// [convening 0x00, convening 0x01): the keys of "abc" all sort before those of
// "abcd" and no bounded scan of one ever reaches the other.
//
// ---- values ----------------------------------------------------------------------
//
//   log value  := LogRecord        (convene/v1/storage.proto, protobuf binary)
//   snap value := snapshot bytes   (crdt::Document::encode_snapshot, stored as given)
//   "c/" value := ConveningRecord
//   "t/" value := TokenRecord
//   "m/" value := MemberRecord
//   "v/" value := VersionRecord
//   "l/" value := ConvenerLinkRecord
//   "p/probe"  := "probe"

constexpr std::size_t kMaxIdBytes = 64;
constexpr std::size_t kMaxTokenHashBytes = 128;
constexpr std::size_t kSeqBytes = 8;

constexpr char kLogFamily[] = "log";
constexpr char kSnapFamily[] = "snap";
constexpr char kMetaFamily[] = "meta";
constexpr char kProbeKey[] = "p/probe";

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

// `bytes` fit for an error message: at most 64 of them, non-printable ones
// escaped.
std::string printable(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (std::size_t i = 0; i < bytes.size() && i < 64; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  if (bytes.size() > 64) out += "...";
  out += '"';
  return out;
}

Status check_id(std::string_view what, std::string_view id) {
  if (valid_id(id)) return Status::ok();
  return Status::error(std::string(what) + " id " + printable(id) +
                       " is not 1 to 64 of [A-Za-z0-9_-]");
}

Status check_token_hash(std::string_view hash) {
  if (!hash.empty() && hash.size() <= kMaxTokenHashBytes) return Status::ok();
  return Status::error("token hash must be 1 to 128 bytes, not " + std::to_string(hash.size()));
}

Status from_rocksdb(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::ok();
  return Status::error(std::string(what) + ": " + s.ToString());
}

void set(Status* out, Status s) {
  if (out != nullptr) *out = std::move(s);
}

rocksdb::Slice slice(std::string_view s) {
  return rocksdb::Slice(s.data(), s.size());
}

Status batch_put(rocksdb::WriteBatch* batch, rocksdb::ColumnFamilyHandle* family,
                 std::string_view key, std::string_view value, std::string_view what) {
  return from_rocksdb(batch->Put(family, slice(key), slice(value)), what);
}

// ---- log and snap keys ---------------------------------------------------------

void put_be64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

uint64_t get_be64(const char* p) {
  uint64_t v = 0;
  for (std::size_t i = 0; i < kSeqBytes; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// convening 0x00: the first key of the convening's range.
std::string seq_prefix(std::string_view convening) {
  std::string k(convening);
  k.push_back('\0');
  return k;
}

// convening 0x01: just past the last key of the convening's range.
std::string seq_prefix_end(std::string_view convening) {
  std::string k(convening);
  k.push_back('\x01');
  return k;
}

std::string seq_key(std::string_view convening, uint64_t seq) {
  std::string k;
  k.reserve(convening.size() + 1 + kSeqBytes);
  k.append(convening);
  k.push_back('\0');
  put_be64(&k, seq);
  return k;
}

// The seq of a log or snap key of `convening`, or nullopt if `key` is not one.
std::optional<uint64_t> parse_seq_key(const rocksdb::Slice& key, std::string_view convening) {
  if (key.size() != convening.size() + 1 + kSeqBytes) return std::nullopt;
  if (std::string_view(key.data(), convening.size()) != convening) return std::nullopt;
  if (key[convening.size()] != '\0') return std::nullopt;
  return get_be64(key.data() + convening.size() + 1);
}

std::string log_position(std::string_view convening, uint64_t seq) {
  return std::string(convening) + "/" + std::to_string(seq);
}

// ---- meta keys -------------------------------------------------------------------

std::string convening_key(std::string_view id) {
  return "c/" + std::string(id);
}
std::string token_key(std::string_view hash) {
  return "t/" + std::string(hash);
}
std::string member_prefix(std::string_view convening) {
  return "m/" + std::string(convening) + "/";
}
// '0' is the byte after '/': just past the last member key of the convening.
std::string member_prefix_end(std::string_view convening) {
  return "m/" + std::string(convening) + "0";
}

std::string link_prefix(std::string_view convening) {
  return "l/" + std::string(convening) + "/";
}
// '0' is the byte after '/': just past the last link key of the convening.
std::string link_prefix_end(std::string_view convening) {
  return "l/" + std::string(convening) + "0";
}

std::string version_prefix(std::string_view convening) {
  return "v/" + std::string(convening) + "/";
}
// '0' is the byte after '/': just past the last version key of the convening.
std::string version_prefix_end(std::string_view convening) {
  return "v/" + std::string(convening) + "0";
}

// ---- values ----------------------------------------------------------------------

std::optional<pb::TokenKind> to_record(TokenKind kind) {
  switch (kind) {
    case TokenKind::kConvener:
      return pb::TOKEN_KIND_CONVENER;
    case TokenKind::kParticipantInvite:
      return pb::TOKEN_KIND_PARTICIPANT_INVITE;
    case TokenKind::kObserverInvite:
      return pb::TOKEN_KIND_OBSERVER_INVITE;
  }
  return std::nullopt;
}

std::optional<TokenKind> from_record(pb::TokenKind kind) {
  switch (kind) {
    case pb::TOKEN_KIND_CONVENER:
      return TokenKind::kConvener;
    case pb::TOKEN_KIND_PARTICIPANT_INVITE:
      return TokenKind::kParticipantInvite;
    case pb::TOKEN_KIND_OBSERVER_INVITE:
      return TokenKind::kObserverInvite;
    default:
      return std::nullopt;
  }
}

Status encode_token(const TokenGrant& grant, std::string* out) {
  if (Status s = check_id("convening", grant.convening); !s.is_ok()) return s;
  const std::optional<pb::TokenKind> kind = to_record(grant.kind);
  if (!kind) {
    return Status::error("unknown token kind " + std::to_string(static_cast<int>(grant.kind)));
  }
  pb::TokenRecord record;
  record.set_convening(grant.convening);
  record.set_kind(*kind);
  record.set_revoked(grant.revoked);
  if (!grant.link.empty()) {
    if (grant.kind != TokenKind::kConvener) return Status::error("a link on a non-convener token");
    if (Status s = check_id("link", grant.link); !s.is_ok()) return s;
    record.set_link(grant.link);
  }
  record.SerializeToString(out);
  return Status::ok();
}

Status decode_token(const std::string& value, TokenGrant* grant) {
  pb::TokenRecord record;
  if (!record.ParseFromString(value)) return Status::error("unreadable token record");
  const std::optional<TokenKind> kind = from_record(record.kind());
  if (!kind) return Status::error("token record with unknown kind");
  if (!valid_id(record.convening())) return Status::error("token record with a bad convening id");
  grant->convening = record.convening();
  grant->kind = *kind;
  grant->revoked = record.revoked();
  grant->link = record.link();
  return Status::ok();
}

std::string encode_member(const Member& m) {
  pb::MemberRecord record;
  record.set_name(m.name);
  record.set_colour(m.colour);
  record.set_role(m.role);
  record.set_first_seen_ms(m.first_seen_ms);
  record.set_last_seen_ms(m.last_seen_ms);
  record.set_secret_hash(m.secret_hash);
  return record.SerializeAsString();
}

std::string encode_log_entry(const LogEntry& e) {
  pb::LogRecord record;
  record.set_op(e.op);
  record.set_author(e.author);
  record.set_server_time_ms(e.server_time_ms);
  record.set_log_bytes(e.log_bytes);
  return record.SerializeAsString();
}

// ---- options ---------------------------------------------------------------------

bool compression_supported(rocksdb::CompressionType type) {
  const std::vector<rocksdb::CompressionType> supported = rocksdb::GetSupportedCompressions();
  return std::find(supported.begin(), supported.end(), type) != supported.end();
}

// Cheap compression for the upper levels, zstd for the bottom level (most of
// the data, rewritten least often); whatever this build of RocksDB has.
void set_compression(rocksdb::ColumnFamilyOptions* options) {
  options->compression = rocksdb::kNoCompression;
  for (rocksdb::CompressionType type : {rocksdb::kLZ4Compression, rocksdb::kSnappyCompression}) {
    if (compression_supported(type)) {
      options->compression = type;
      break;
    }
  }
  if (compression_supported(rocksdb::kZSTD)) options->bottommost_compression = rocksdb::kZSTD;
}

constexpr std::size_t kBlockCacheBytes = 64 << 20;
constexpr std::size_t kWriteBufferBytes = 16 << 20;      // per family
constexpr std::size_t kAllWriteBuffersBytes = 64 << 20;  // all families together
constexpr uint64_t kMaxWalBytes = 128 << 20;
constexpr int kMaxOpenFiles = 256;

rocksdb::DBOptions db_options(Durability durability) {
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.max_open_files = kMaxOpenFiles;
  options.db_write_buffer_size = kAllWriteBuffersBytes;
  // A family written rarely (meta) keeps old WAL files alive until it is
  // flushed; past this size RocksDB flushes it, bounding disk use and
  // recovery time.
  options.max_total_wal_size = kMaxWalBytes;
  // RocksDB's own LOG files: bounded.
  options.max_log_file_size = 8 << 20;
  options.keep_log_file_num = 4;
  // Without a WAL, families flushed at different times could disagree after
  // a crash (a snapshot newer than the log); flush them together instead.
  options.atomic_flush = durability == Durability::kNone;
  return options;
}

// `point_lookups`: keys are read one by one (meta), so a Bloom filter saves
// disk reads. The log and snapshots are only ever read by seeks, which a
// whole-key filter cannot help.
rocksdb::ColumnFamilyOptions family_options(const std::shared_ptr<rocksdb::Cache>& cache,
                                            bool point_lookups) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  if (point_lookups) table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));

  rocksdb::ColumnFamilyOptions options;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  options.write_buffer_size = kWriteBufferBytes;
  options.level_compaction_dynamic_level_bytes = true;
  set_compression(&options);
  return options;
}

rocksdb::WriteOptions write_options(Durability durability) {
  rocksdb::WriteOptions options;
  options.sync = durability == Durability::kFsync;
  options.disableWAL = durability == Durability::kNone;
  return options;
}

}  // namespace

// ---- open and close ----------------------------------------------------------------

std::unique_ptr<RocksDbStore> RocksDbStore::open(const std::string& dir, Durability durability,
                                                 Status* status) {
  const auto fail = [status](Status s) {
    set(status, std::move(s));
    return nullptr;
  };
  if (durability != Durability::kFsync && durability != Durability::kOs &&
      durability != Durability::kNone) {
    return fail(Status::error("open: unknown durability"));
  }
  if (dir.empty()) return fail(Status::error("open: empty directory name"));
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(Status::error("open " + dir + ": " + ec.message()));

  const std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(kBlockCacheBytes);
  const rocksdb::ColumnFamilyOptions log = family_options(cache, /*point_lookups=*/false);
  const rocksdb::ColumnFamilyOptions meta = family_options(cache, /*point_lookups=*/true);
  // Snapshots are zstd-compressed already: compressing them again costs CPU
  // and saves nothing.
  rocksdb::ColumnFamilyOptions snap = log;
  snap.compression = rocksdb::kNoCompression;
  snap.bottommost_compression = rocksdb::kNoCompression;
  // The default family is required by RocksDB and holds nothing.
  const std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, log},
      {kLogFamily, log},
      {kSnapFamily, snap},
      {kMetaFamily, meta},
  };

  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  const rocksdb::Status s = rocksdb::DB::Open(db_options(durability), dir, families, &handles, &db);
  if (!s.ok()) return fail(from_rocksdb(s, "open " + dir));
  set(status, Status::ok());
  return std::unique_ptr<RocksDbStore>(new RocksDbStore(db, std::move(handles), durability, dir));
}

RocksDbStore::RocksDbStore(rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
                           Durability durability, std::string dir)
    : db_(db),
      handles_(std::move(handles)),
      log_(handles_.at(1)),
      snap_(handles_.at(2)),
      meta_(handles_.at(3)),
      durability_(durability),
      dir_(std::move(dir)) {}

RocksDbStore::~RocksDbStore() {
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  // Close() flushes memtables whose writes skipped the WAL. Its status has no
  // one to go to: callers who need to know call flush() first.
  db_->Close().PermitUncheckedError();
  delete db_;
}

// ---- helpers -----------------------------------------------------------------------

// Once a write has failed, none reaches RocksDB until recover() succeeds:
// the RocksDB of Debian 12 (7.8) aborts the process on an assertion when the
// write-ahead log is written again after a failed write. The disk reserve
// keeps that failure from happening in the first place.
Status RocksDbStore::write(rocksdb::WriteBatch* batch, std::string_view what) {
  Status s = check_space(disk_reserve_, what);
  if (s.is_ok() && failing_)
    s = Status::error(std::string(what) + ": storage is failing; writes wait for it to recover");
  if (s.is_ok()) s = from_rocksdb(db_->Write(write_options(durability_), batch), what);
  failing_ = !s.is_ok();
  return s;
}

Status RocksDbStore::check_space(uint64_t needed, std::string_view what) const {
  if (needed == 0) return Status::ok();
  struct statvfs fs {};
  if (::statvfs(dir_.c_str(), &fs) != 0) return Status::ok();  // unknown: let RocksDB try
  const uint64_t free = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  if (free >= needed) return Status::ok();
  constexpr uint64_t kMiB = 1 << 20;
  return Status::error(std::string(what) + ": the disk holding the data has " +
                       std::to_string(free / kMiB) + " MiB free, below the " +
                       std::to_string(needed / kMiB) + " MiB kept in reserve");
}

Status RocksDbStore::get_meta(const std::string& key, std::string* value, bool* found) {
  const rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta_, key, value);
  *found = s.ok();
  if (s.IsNotFound()) return Status::ok();
  return from_rocksdb(s, "read " + printable(key));
}

std::shared_ptr<RocksDbStore::LogHead> RocksDbStore::log_head(std::string_view convening) {
  std::lock_guard<std::mutex> lock(heads_mu_);
  std::shared_ptr<LogHead>& head = heads_[std::string(convening)];
  if (head == nullptr) head = std::make_shared<LogHead>();
  return head;
}

Status RocksDbStore::read_head_seq(std::string_view convening, uint64_t* seq) {
  const std::string lower = seq_prefix(convening);
  const std::string upper = seq_prefix_end(convening);
  const rocksdb::Slice lower_slice(lower);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions options;
  options.iterate_lower_bound = &lower_slice;
  options.iterate_upper_bound = &upper_slice;
  const std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, log_));
  it->SeekForPrev(seq_key(convening, std::numeric_limits<uint64_t>::max()));
  if (!it->Valid()) {
    *seq = 0;
    return from_rocksdb(it->status(), "head_seq " + std::string(convening));
  }
  const std::optional<uint64_t> last = parse_seq_key(it->key(), convening);
  if (!last) return Status::error("head_seq " + std::string(convening) + ": malformed log key");
  *seq = *last;
  return Status::ok();
}

// ---- convenings and tokens ---------------------------------------------------------

namespace {

pb::ConveningRecord convening_record(const Convening& c) {
  pb::ConveningRecord record;
  record.set_name(c.name);
  record.set_created_ms(c.created_ms);
  record.set_participant_invite_hash(c.participant_invite_hash);
  record.set_observer_invite_hash(c.observer_invite_hash);
  return record;
}

}  // namespace

// Puts the convening record and its token grants into `batch`, refusing bad
// hashes, a hash given twice and grants for another convening.
Status RocksDbStore::batch_convening(
    rocksdb::WriteBatch* batch, const Convening& c,
    const std::vector<std::pair<std::string, TokenGrant>>& token_hashes, const std::string& what,
    std::unordered_set<std::string_view>* hashes) {
  if (Status s = batch_put(batch, meta_, convening_key(c.id),
                           convening_record(c).SerializeAsString(), what);
      !s.is_ok()) {
    return s;
  }
  for (const auto& [hash, grant] : token_hashes) {
    if (Status s = check_token_hash(hash); !s.is_ok()) return s;
    if (!hashes->insert(hash).second) {
      return Status::error(what + ": token hash " + printable(hash) + " given twice");
    }
    if (grant.convening != c.id) {
      return Status::error(what + ": a token grants convening " + printable(grant.convening));
    }
    std::string value;
    if (Status s = encode_token(grant, &value); !s.is_ok()) return s;
    if (Status s = batch_put(batch, meta_, token_key(hash), value, what); !s.is_ok()) return s;
    if (grant.link.empty()) continue;
    pb::ConvenerLinkRecord link;
    link.set_name(grant.link_name);
    link.set_created_ms(grant.link_created_ms);
    link.set_token_hash(hash);
    if (Status s =
            batch_put(batch, meta_, link_prefix(c.id) + grant.link, link.SerializeAsString(), what);
        !s.is_ok())
      return s;
  }
  return Status::ok();
}

Status RocksDbStore::create_convening(
    const Convening& c, const std::vector<std::pair<std::string, TokenGrant>>& token_hashes) {
  if (Status s = check_id("convening", c.id); !s.is_ok()) return s;
  rocksdb::WriteBatch batch;
  const std::string what = "create_convening " + c.id;
  std::unordered_set<std::string_view> hashes;
  if (Status s = batch_convening(&batch, c, token_hashes, what, &hashes); !s.is_ok()) return s;

  std::lock_guard<std::mutex> lock(create_mu_);
  std::string existing;
  bool found = false;
  if (Status s = get_meta(convening_key(c.id), &existing, &found); !s.is_ok()) return s;
  if (found) return Status::error(what + ": already exists");
  // A grant is never silently moved from one convening to another.
  for (std::string_view hash : hashes) {
    if (Status s = get_meta(token_key(hash), &existing, &found); !s.is_ok()) return s;
    if (found) return Status::error(what + ": token hash " + printable(hash) + " is in use");
  }
  return write(&batch, what);
}

// The value under a meta key whose name part passed `check`; nullopt (with
// `status` set: ok when simply absent) otherwise.
std::optional<std::string> RocksDbStore::lookup_meta(Status check, const std::string& key,
                                                     Status* status) {
  if (!check.is_ok()) {
    set(status, std::move(check));
    return std::nullopt;
  }
  std::string value;
  bool found = false;
  Status s = get_meta(key, &value, &found);
  if (!s.is_ok() || !found) {
    set(status, std::move(s));
    return std::nullopt;
  }
  return value;
}

std::optional<Convening> RocksDbStore::convening(std::string_view id, Status* status) {
  const auto value = lookup_meta(check_id("convening", id), convening_key(id), status);
  if (!value) return std::nullopt;
  pb::ConveningRecord record;
  if (!record.ParseFromString(*value)) {
    set(status, Status::error("convening " + std::string(id) + ": unreadable record"));
    return std::nullopt;
  }
  set(status, Status::ok());
  return Convening{std::string(id), record.name(), record.created_ms(),
                   record.participant_invite_hash(), record.observer_invite_hash()};
}

Status RocksDbStore::update_convening(
    const Convening& c, const std::vector<std::pair<std::string, TokenGrant>>& token_hashes) {
  if (Status s = check_id("convening", c.id); !s.is_ok()) return s;
  const std::string what = "update_convening " + c.id;
  rocksdb::WriteBatch batch;
  std::unordered_set<std::string_view> hashes;
  if (Status s = batch_convening(&batch, c, token_hashes, what, &hashes); !s.is_ok()) return s;
  std::lock_guard<std::mutex> lock(create_mu_);
  std::string existing;
  bool found = false;
  if (Status s = get_meta(convening_key(c.id), &existing, &found); !s.is_ok()) return s;
  if (!found) return Status::error(what + ": no such convening");
  return write(&batch, what);
}

std::optional<TokenGrant> RocksDbStore::token(std::string_view token_hash, Status* status) {
  const auto value = lookup_meta(check_token_hash(token_hash), token_key(token_hash), status);
  if (!value) return std::nullopt;
  TokenGrant grant;
  if (Status s = decode_token(*value, &grant); !s.is_ok()) {
    set(status, Status::error("token " + printable(token_hash) + ": " + s.message()));
    return std::nullopt;
  }
  set(status, Status::ok());
  return grant;
}

Status RocksDbStore::put_token(std::string_view token_hash, const TokenGrant& grant) {
  if (Status s = check_token_hash(token_hash); !s.is_ok()) return s;
  std::string value;
  if (Status s = encode_token(grant, &value); !s.is_ok()) return s;
  rocksdb::WriteBatch batch;
  if (Status s = batch_put(&batch, meta_, token_key(token_hash), value, "put_token"); !s.is_ok()) {
    return s;
  }
  return write(&batch, "put_token");
}

std::vector<ConvenerLink> RocksDbStore::convener_links(std::string_view convening, Status* status) {
  std::vector<ConvenerLink> out;
  Status s = check_id("convening", convening);
  Status record_error;
  if (s.is_ok())
    s = scan_meta(link_prefix(convening), link_prefix_end(convening),
                  "convener_links " + std::string(convening),
                  [&](std::string_view id, std::string_view value) {
                    pb::ConvenerLinkRecord record;
                    if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                      record_error = Status::error("link " + std::string(convening) + "/" +
                                                   printable(id) + ": unreadable record");
                      return false;
                    }
                    out.push_back(ConvenerLink{std::string(id), record.name(), record.created_ms(),
                                               record.token_hash(), false});
                    return true;
                  });
  if (s.is_ok()) s = std::move(record_error);
  // Revocation is the token's to say: one place, written with the grant.
  for (ConvenerLink& link : out) {
    if (!s.is_ok()) break;
    const auto grant = token(link.token_hash, &s);
    link.revoked = !grant || grant->revoked;
  }
  if (!s.is_ok()) out.clear();
  set(status, std::move(s));
  return out;
}

uint64_t RocksDbStore::count_convenings(Status* status) {
  uint64_t count = 0;
  Status s = scan_meta("c/", "c0", "count_convenings", [&](std::string_view, std::string_view) {
    ++count;
    return true;
  });
  if (!s.is_ok()) count = 0;
  set(status, std::move(s));
  return count;
}

// ---- members -----------------------------------------------------------------------

Status RocksDbStore::put_member(std::string_view convening, const Member& m) {
  if (Status s = check_id("convening", convening); !s.is_ok()) return s;
  if (Status s = check_id("member", m.id); !s.is_ok()) return s;
  const std::string what = "put_member " + std::string(convening) + "/" + m.id;
  rocksdb::WriteBatch batch;
  if (Status s = batch_put(&batch, meta_, member_prefix(convening) + m.id, encode_member(m), what);
      !s.is_ok()) {
    return s;
  }
  return write(&batch, what);
}

Status RocksDbStore::delete_member(std::string_view convening, std::string_view id) {
  if (Status s = check_id("convening", convening); !s.is_ok()) return s;
  if (Status s = check_id("member", id); !s.is_ok()) return s;
  const std::string what = "delete_member " + std::string(convening) + "/" + std::string(id);
  rocksdb::WriteBatch batch;
  if (Status s = from_rocksdb(
          batch.Delete(meta_, slice(member_prefix(convening) + std::string(id))), what);
      !s.is_ok())
    return s;
  return write(&batch, what);
}

// Visits the meta records with keys in [lower, upper) in key order, passing
// the key after `lower` and the value, until `visit` returns false.
Status RocksDbStore::scan_meta(
    const std::string& lower, const std::string& upper, const std::string& what,
    const std::function<bool(std::string_view, std::string_view)>& visit) {
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions options;
  options.iterate_upper_bound = &upper_slice;
  const std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, meta_));
  for (it->Seek(lower); it->Valid(); it->Next()) {
    const rocksdb::Slice key = it->key();
    const rocksdb::Slice value = it->value();
    if (!visit(std::string_view(key.data() + lower.size(), key.size() - lower.size()),
               std::string_view(value.data(), value.size())))
      break;
  }
  return from_rocksdb(it->status(), what);
}

std::vector<Member> RocksDbStore::members(std::string_view convening, Status* status) {
  std::vector<Member> out;
  Status s = check_id("convening", convening);
  Status record_error;
  if (s.is_ok())
    s = scan_meta(member_prefix(convening), member_prefix_end(convening),
                  "members " + std::string(convening),
                  [&](std::string_view id, std::string_view value) {
                    pb::MemberRecord record;
                    if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                      record_error = Status::error("member " + std::string(convening) + "/" +
                                                   printable(id) + ": unreadable record");
                      return false;
                    }
                    out.push_back(Member{std::string(id), record.name(), record.colour(),
                                         record.role(), record.first_seen_ms(),
                                         record.last_seen_ms(), record.secret_hash()});
                    return true;
                  });
  if (s.is_ok()) s = std::move(record_error);
  if (!s.is_ok()) out.clear();
  set(status, std::move(s));
  return out;
}

Status RocksDbStore::put_version(std::string_view convening, const Version& v) {
  if (Status s = check_id("convening", convening); !s.is_ok()) return s;
  const std::string what = "put_version " + std::string(convening);
  pb::VersionRecord record;
  record.set_name(v.name);
  record.set_created_ms(v.created_ms);
  record.set_author(v.author);
  record.set_author_member(v.author_member);
  std::string key = version_prefix(convening);
  put_be64(&key, v.seq);
  rocksdb::WriteBatch batch;
  if (Status s = batch_put(&batch, meta_, key, record.SerializeAsString(), what); !s.is_ok())
    return s;
  return write(&batch, what);
}

std::vector<Version> RocksDbStore::versions(std::string_view convening, Status* status) {
  std::vector<Version> out;
  Status s = check_id("convening", convening);
  Status record_error;
  if (s.is_ok())
    s = scan_meta(
        version_prefix(convening), version_prefix_end(convening),
        "versions " + std::string(convening), [&](std::string_view seq, std::string_view value) {
          pb::VersionRecord record;
          if (seq.size() != kSeqBytes ||
              !record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
            record_error =
                Status::error("version of " + std::string(convening) + ": unreadable record");
            return false;
          }
          out.push_back(Version{get_be64(seq.data()), record.name(), record.created_ms(),
                                record.author(), record.author_member()});
          return true;
        });
  if (s.is_ok()) s = std::move(record_error);
  if (!s.is_ok()) out.clear();
  set(status, std::move(s));
  return out;
}

// ---- op log ------------------------------------------------------------------------

Status RocksDbStore::append(std::string_view convening, const std::vector<LogEntry>& entries) {
  return append_group({{convening, &entries}}).front();
}

namespace {

// An append's own checks, before any lock: a valid id and consecutive seqs.
Status check_append(const Store::GroupAppend& a) {
  if (Status s = check_id("convening", a.convening); !s.is_ok()) return s;
  const std::vector<LogEntry>& entries = *a.entries;
  for (std::size_t i = 1; i < entries.size(); ++i) {
    if (entries[i - 1].seq == std::numeric_limits<uint64_t>::max() ||
        entries[i].seq != entries[i - 1].seq + 1) {
      return Status::error("append " + std::string(a.convening) + ": seq " +
                           std::to_string(entries[i].seq) + " does not follow " +
                           std::to_string(entries[i - 1].seq));
    }
  }
  return Status::ok();
}

}  // namespace

// Each convening's head lock is held from the check that its first seq
// follows the head to the head's update, and the locks are taken in the
// order of the convenings' ids, so concurrent groups never deadlock.
std::vector<Status> RocksDbStore::append_group(const std::vector<GroupAppend>& appends) {
  std::vector<Status> statuses(appends.size(), Status::ok());
  std::vector<std::size_t> order;  // appends with entries that passed their own checks
  for (std::size_t i = 0; i < appends.size(); ++i) {
    statuses[i] = check_append(appends[i]);
    if (statuses[i].is_ok() && !appends[i].entries->empty()) order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    return appends[x].convening < appends[y].convening;
  });

  std::vector<std::shared_ptr<LogHead>> heads(appends.size());
  std::vector<std::unique_lock<std::mutex>> locks;
  rocksdb::WriteBatch batch;
  std::vector<std::size_t> written;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::size_t i = order[k];
    const GroupAppend& a = appends[i];
    const std::string what = "append " + std::string(a.convening);
    if (k > 0 && appends[order[k - 1]].convening == a.convening) {
      statuses[i] = Status::error(what + ": twice in one group");
      continue;
    }
    heads[i] = log_head(a.convening);
    locks.emplace_back(heads[i]->mu);
    statuses[i] = follows_head(*heads[i], a, what);
    for (std::size_t e = 0; statuses[i].is_ok() && e < a.entries->size(); ++e) {
      const LogEntry& entry = (*a.entries)[e];
      statuses[i] =
          batch_put(&batch, log_, seq_key(a.convening, entry.seq), encode_log_entry(entry), what);
    }
    if (statuses[i].is_ok()) written.push_back(i);
  }
  if (written.empty()) return statuses;

  const Status s = write(
      &batch, written.size() == 1 ? "append " + std::string(appends[written[0]].convening)
                                  : "append of " + std::to_string(written.size()) + " convenings");
  for (const std::size_t i : written) {
    if (!s.is_ok()) {
      heads[i]->known = false;
      statuses[i] = s;
    } else {
      heads[i]->seq = appends[i].entries->back().seq;
    }
  }
  return statuses;
}

// With the head's lock held: the head is known (read once) and `a` starts
// right after it.
Status RocksDbStore::follows_head(LogHead& head, const GroupAppend& a, const std::string& what) {
  if (!head.known) {
    if (Status s = read_head_seq(a.convening, &head.seq); !s.is_ok()) return s;
    head.known = true;
  }
  if (head.seq == std::numeric_limits<uint64_t>::max() || a.entries->front().seq != head.seq + 1) {
    return Status::error(what + ": first seq " + std::to_string(a.entries->front().seq) +
                         " does not follow head " + std::to_string(head.seq));
  }
  return Status::ok();
}

uint64_t RocksDbStore::head_seq(std::string_view convening, Status* status) {
  if (Status s = check_id("convening", convening); !s.is_ok()) {
    set(status, std::move(s));
    return 0;
  }
  const std::shared_ptr<LogHead> head = log_head(convening);
  std::lock_guard<std::mutex> lock(head->mu);
  if (!head->known) {
    if (Status s = read_head_seq(convening, &head->seq); !s.is_ok()) {
      set(status, std::move(s));
      return 0;
    }
    head->known = true;
  }
  set(status, Status::ok());
  return head->seq;
}

Status RocksDbStore::read_log(std::string_view convening, uint64_t from, uint64_t to,
                              const std::function<bool(const LogEntry&)>& visit) {
  if (Status s = check_id("convening", convening); !s.is_ok()) return s;
  if (from >= to) return Status::ok();
  const std::string lower = seq_key(convening, from + 1);
  const std::string upper = to == std::numeric_limits<uint64_t>::max() ? seq_prefix_end(convening)
                                                                       : seq_key(convening, to + 1);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions options;
  options.iterate_upper_bound = &upper_slice;
  // A replay reads each entry once: don't push hot blocks out of the cache.
  options.fill_cache = false;
  const std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, log_));
  LogEntry entry;
  pb::LogRecord record;
  for (it->Seek(lower); it->Valid(); it->Next()) {
    const std::optional<uint64_t> seq = parse_seq_key(it->key(), convening);
    if (!seq) return Status::error("read_log " + std::string(convening) + ": malformed log key");
    if (!record.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return Status::error("read_log " + log_position(convening, *seq) + ": unreadable record");
    }
    entry.seq = *seq;
    entry.op.swap(*record.mutable_op());
    entry.author.swap(*record.mutable_author());
    entry.server_time_ms = record.server_time_ms();
    entry.log_bytes = record.log_bytes();
    if (!visit(entry)) return Status::ok();
  }
  return from_rocksdb(it->status(), "read_log " + std::string(convening));
}

// ---- snapshots ---------------------------------------------------------------------

Status RocksDbStore::put_snapshot(std::string_view convening, const Snapshot& s) {
  Status status;
  const uint64_t head = head_seq(convening, &status);
  if (!status.is_ok()) return status;
  const std::string what = "put_snapshot " + log_position(convening, s.seq);
  if (s.seq > head) return Status::error(what + ": past the log head " + std::to_string(head));
  rocksdb::WriteBatch batch;
  if (Status put = batch_put(&batch, snap_, seq_key(convening, s.seq), s.bytes, what);
      !put.is_ok()) {
    return put;
  }
  return write(&batch, what);
}

std::optional<Snapshot> RocksDbStore::snapshot_at_or_before(std::string_view convening, uint64_t at,
                                                            Status* status) {
  if (Status s = check_id("convening", convening); !s.is_ok()) {
    set(status, std::move(s));
    return std::nullopt;
  }
  const std::string lower = seq_prefix(convening);
  const std::string upper = seq_prefix_end(convening);
  const rocksdb::Slice lower_slice(lower);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions options;
  options.iterate_lower_bound = &lower_slice;
  options.iterate_upper_bound = &upper_slice;
  const std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, snap_));
  it->SeekForPrev(seq_key(convening, at));
  if (!it->Valid()) {
    set(status, from_rocksdb(it->status(), "snapshot " + std::string(convening)));
    return std::nullopt;
  }
  const std::optional<uint64_t> seq = parse_seq_key(it->key(), convening);
  if (!seq) {
    set(status, Status::error("snapshot " + std::string(convening) + ": malformed key"));
    return std::nullopt;
  }
  set(status, Status::ok());
  return Snapshot{*seq, it->value().ToString()};
}

// ---- health and stats --------------------------------------------------------------

Status RocksDbStore::probe_write() {
  const rocksdb::WriteOptions options = write_options(durability_);
  Status s = check_space(disk_reserve_, "probe_write");
  if (s.is_ok()) s = from_rocksdb(db_->Put(options, meta_, kProbeKey, "probe"), "probe_write put");
  if (s.is_ok()) s = from_rocksdb(db_->Delete(options, meta_, kProbeKey), "probe_write delete");
  failing_ = !s.is_ok();
  return s;
}

// After a failed write RocksDB refuses every further write (a "background
// error") until Resume() succeeds, which it does once the cause is gone.
Status RocksDbStore::recover() {
  // A quarter more than the reserve, so that writing does not at once tip
  // the store back into failing.
  const uint64_t reserve = disk_reserve_;
  if (Status s = check_space(reserve + reserve / 4, "recover"); !s.is_ok()) {
    failing_ = true;
    return s;
  }
  if (Status s = from_rocksdb(db_->Resume(), "resume"); !s.is_ok()) {
    failing_ = true;
    return s;
  }
  return probe_write();
}

std::vector<std::pair<std::string, double>> RocksDbStore::stats() {
  struct Property {
    const char* name;
    const std::string& property;
    bool summed;  // over the families; otherwise the property is database-wide
  };
  using P = rocksdb::DB::Properties;
  static const Property kProperties[] = {
      {"live_data_bytes", P::kEstimateLiveDataSize, true},
      {"sst_files_bytes", P::kTotalSstFilesSize, true},
      {"memtable_bytes", P::kCurSizeAllMemTables, true},
      {"table_readers_bytes", P::kEstimateTableReadersMem, true},
      {"estimated_keys", P::kEstimateNumKeys, true},
      {"pending_compaction_bytes", P::kEstimatePendingCompactionBytes, true},
      {"running_compactions", P::kNumRunningCompactions, false},
      {"running_flushes", P::kNumRunningFlushes, false},
      {"background_errors", P::kBackgroundErrors, false},
      // One cache shared by every family: ask any of them.
      {"block_cache_usage_bytes", P::kBlockCacheUsage, false},
      {"block_cache_pinned_bytes", P::kBlockCachePinnedUsage, false},
      {"block_cache_capacity_bytes", P::kBlockCacheCapacity, false},
  };
  std::vector<std::pair<std::string, double>> out;
  for (const Property& p : kProperties) {
    uint64_t value = 0;
    const bool found = p.summed ? db_->GetAggregatedIntProperty(p.property, &value)
                                : db_->GetIntProperty(meta_, p.property, &value);
    if (found) out.emplace_back(p.name, static_cast<double>(value));
  }
  out.emplace_back("failing", failing() ? 1.0 : 0.0);
  return out;
}

Status RocksDbStore::checkpoint(const std::string& dir) {
  const std::string what = "checkpoint " + dir;
  if (dir.empty()) return Status::error("checkpoint: empty directory name");
  std::error_code ec;
  // RocksDB wants an absolute path.
  const std::filesystem::path target = std::filesystem::absolute(dir, ec);
  if (ec) return Status::error(what + ": " + ec.message());
  rocksdb::Checkpoint* raw = nullptr;
  if (Status s = from_rocksdb(rocksdb::Checkpoint::Create(db_, &raw), what); !s.is_ok()) return s;
  const std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // log_size_for_flush = 0: always flush first, so writes that skipped the
  // WAL (kNone) are in the copy too.
  return from_rocksdb(checkpoint->CreateCheckpoint(target.string(), /*log_size_for_flush=*/0),
                      what);
}

Status RocksDbStore::flush() {
  if (durability_ != Durability::kNone) {
    if (Status s = from_rocksdb(db_->FlushWAL(/*sync=*/true), "flush WAL"); !s.is_ok()) return s;
  }
  rocksdb::FlushOptions options;
  options.wait = true;
  return from_rocksdb(db_->Flush(options, {log_, snap_, meta_}), "flush memtables");
}

}  // namespace convene::store
