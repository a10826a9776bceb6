// Document: snapshots, state hashes and the canonical JSON export.
//
// Snapshot bytes (docs/crdt.md, "Snapshots"):
//   snapshot := magic "CVSN" | format u8 (=1) | codec u8 (1 = zstd) | body
//   body     := zstd frame of a deterministic convene.v1.Snapshot message
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <zstd.h>

#include <memory>
#include <optional>
#include <unordered_map>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "crdt/document.h"
#include "crdt/undo.h"

namespace convene::crdt {
namespace {

constexpr char kMagic[4] = {'C', 'V', 'S', 'N'};
constexpr uint8_t kFormat = 1;
constexpr uint8_t kCodecZstd = 1;
constexpr size_t kHeaderBytes = 6;
constexpr int kZstdLevel = 3;
// A snapshot larger than this when decompressed is refused as hostile.
constexpr unsigned long long kMaxSnapshotBytes = 1ull << 30;

// Decompresses one zstd frame that must expand to exactly `expected` bytes
// (at most kMaxSnapshotBytes). The output grows only as data really comes out:
// the size a frame's header claims costs nothing until the data is there, so
// a few bytes claiming a gigabyte are refused without allocating it.
std::optional<std::string> decompress_exactly(std::string_view frame, size_t expected) {
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!ctx) return std::nullopt;
  ZSTD_inBuffer in{frame.data(), frame.size(), 0};
  std::string out;
  size_t remaining_hint = 1;
  while (remaining_hint != 0) {
    const size_t used = out.size();
    // Once `expected` bytes are out, no room is left: the frame's end may
    // still be read, but more data makes no progress and is refused.
    out.resize(used + std::min(expected - used, ZSTD_DStreamOutSize()));
    ZSTD_outBuffer chunk{out.data() + used, out.size() - used, 0};
    const size_t in_before = in.pos;
    remaining_hint = ZSTD_decompressStream(ctx.get(), &chunk, &in);
    if (ZSTD_isError(remaining_hint)) return std::nullopt;
    out.resize(used + chunk.pos);
    const bool stuck = chunk.pos == 0 && in.pos == in_before;  // truncated, or too long
    if (remaining_hint != 0 && stuck) return std::nullopt;
  }
  if (in.pos != in.size || out.size() != expected) return std::nullopt;
  return out;
}

std::string deterministic_bytes(const pb::Snapshot& snap) {
  std::string out;
  out.reserve(snap.ByteSizeLong());
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  snap.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

void encode_named(OpId id, const Lww<std::string>& name, const Liveness& live,
                  pb::NamedRecord* out) {
  id.to_pb(out->mutable_id());
  out->set_name(name.value);
  if (name.set()) {
    out->mutable_name_stamp()->set_lamport(name.stamp.lamport);
    out->mutable_name_stamp()->set_replica(name.stamp.replica);
  }
  for (const OpId& r : live.removals()) r.to_pb(out->mutable_liveness()->add_removals());
  for (const OpId& c : live.cancelled()) c.to_pb(out->mutable_liveness()->add_cancelled());
}

Status decode_named(const pb::NamedRecord& in, OpId* id, Lww<std::string>* name, Liveness* live) {
  *id = OpId::from_pb(in.id());
  if (!id->valid()) return Status::corrupt("record without id");
  name->value = in.name();
  name->stamp = {in.name_stamp().lamport(), in.name_stamp().replica()};
  for (const auto& r : in.liveness().removals()) live->add_removal(OpId::from_pb(r));
  std::vector<OpId> cancelled;
  for (const auto& c : in.liveness().cancelled()) cancelled.push_back(OpId::from_pb(c));
  const size_t listed = cancelled.size();
  live->cancel(std::move(cancelled));
  if (live->cancelled().size() != listed)
    return Status::corrupt("record cancels a removal it does not have, or one twice");
  return Status::ok();
}

std::string id_string(OpId id) {
  return id.str();
}

}  // namespace

void Document::encode_into(pb::Snapshot* out) const {
  out->set_format(kFormat);
  out->set_clock(clock_);
  for (const auto& [replica, last] : version_.entries()) {
    auto* e = out->add_version();
    e->set_replica(replica);
    e->set_last_counter(last);
  }
  landscape_.encode(out);
  for (const auto& [id, d] : drafts_) encode_named(id, d.name, d.liveness, out->add_drafts());
  for (const auto& [id, v] : variants_) {
    auto* rec = out->add_variants();
    encode_named(id, v.name, v.liveness, rec->mutable_named());
    v.draft.to_pb(rec->mutable_draft());
    if (v.copied_from.valid()) v.copied_from.to_pb(rec->mutable_copied_from());
    v.text.encode(rec->mutable_text());
  }
}

Status Document::decode_from(const pb::Snapshot& in) {
  if (in.format() != kFormat) return Status::corrupt("unknown snapshot format");
  clock_ = in.clock();
  for (const auto& e : in.version()) {
    if (e.replica() == 0 || e.last_counter() == 0) return Status::corrupt("bad version entry");
    version_.advance(e.replica(), e.last_counter());
  }
  if (Status s = landscape_.decode(in); !s.is_ok()) return s;
  for (const auto& rec : in.drafts()) {
    Draft d;
    if (Status s = decode_named(rec, &d.id, &d.name, &d.liveness); !s.is_ok()) return s;
    drafts_[d.id] = std::move(d);
  }
  for (const auto& rec : in.variants()) {
    Variant v;
    if (Status s = decode_named(rec.named(), &v.id, &v.name, &v.liveness); !s.is_ok()) return s;
    v.draft = OpId::from_pb(rec.draft());
    v.copied_from = OpId::from_pb(rec.copied_from());
    if (Status s = v.text.decode(rec.text()); !s.is_ok()) return s;
    variants_.emplace(v.id, std::move(v));
  }
  // Each part validated itself while decoding; what is left is how they
  // refer to each other.
  for (const auto& [id, d] : drafts_)
    if (!variants_.count(id)) return Status::corrupt("draft " + id.str() + " has no base variant");
  for (const auto& [id, v] : variants_) {
    if (!drafts_.count(v.draft)) return Status::corrupt("variant " + id.str() + " has no draft");
    if (!version_.contains(id)) return Status::corrupt("variant newer than the version vector");
  }
  return Status::ok();
}

std::string Document::encode_snapshot() const {
  pb::Snapshot snap;
  encode_into(&snap);
  const std::string body = deterministic_bytes(snap);
  std::string out(kHeaderBytes + ZSTD_compressBound(body.size()), '\0');
  std::copy(kMagic, kMagic + 4, out.begin());
  out[4] = static_cast<char>(kFormat);
  out[5] = static_cast<char>(kCodecZstd);
  const size_t n = ZSTD_compress(out.data() + kHeaderBytes, out.size() - kHeaderBytes, body.data(),
                                 body.size(), kZstdLevel);
  out.resize(kHeaderBytes + n);  // compressing into a bound-sized buffer cannot fail
  return out;
}

Result<Document> Document::decode_snapshot(std::string_view bytes, uint64_t replica) {
  if (bytes.size() < kHeaderBytes || !std::equal(kMagic, kMagic + 4, bytes.begin()))
    return {Status::corrupt("not a Convene snapshot")};
  if (static_cast<uint8_t>(bytes[4]) != kFormat)
    return {Status::corrupt("unsupported snapshot format " + std::to_string(uint8_t(bytes[4])))};
  if (static_cast<uint8_t>(bytes[5]) != kCodecZstd)
    return {Status::corrupt("unsupported snapshot compression")};
  const char* body = bytes.data() + kHeaderBytes;
  const size_t body_size = bytes.size() - kHeaderBytes;
  const unsigned long long size = ZSTD_getFrameContentSize(body, body_size);
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN ||
      size > kMaxSnapshotBytes)
    return {Status::corrupt("snapshot body has no valid size")};
  const auto raw = decompress_exactly(std::string_view(body, body_size), size);
  if (!raw) return {Status::corrupt("snapshot body does not decompress")};
  pb::Snapshot snap;
  if (!snap.ParseFromString(*raw)) return {Status::corrupt("snapshot body does not parse")};
  Result<Document> out{Status::ok(), Document(replica)};
  out.status = out.value.decode_from(snap);
  return out;
}

uint64_t Document::state_hash() const {
  pb::Snapshot snap;
  encode_into(&snap);
  const std::string body = deterministic_bytes(snap);
  return XXH3_64bits(body.data(), body.size());
}

std::string Document::debug_string() const {
  pb::Snapshot snap;
  encode_into(&snap);
  return snap.DebugString();
}

nlohmann::json Document::to_json() const {
  nlohmann::json out = nlohmann::json::object();
  landscape_.to_json(out);
  if (!out.contains("maps")) out["maps"] = nlohmann::json::array();
  // Variants grouped by draft in one pass, in id order (variants_ is
  // sorted): O(drafts + variants), not O(drafts x variants) (F5).
  std::unordered_map<OpId, nlohmann::json> variants_json;
  for (const auto& [vid, v] : variants_) {
    if (!variant_visible(vid)) continue;
    variants_json[v.draft].push_back({
        {"id", id_string(vid)},
        {"name", vid == v.draft ? std::string("base") : v.name.value},
        {"copied_from", v.copied_from.valid() ? id_string(v.copied_from) : std::string()},
        {"text", v.text.utf8()},
    });
  }
  nlohmann::json drafts_json = nlohmann::json::array();
  for (const auto& [id, d] : drafts_) {
    if (d.liveness.removed()) continue;
    nlohmann::json& variants = variants_json[id];
    if (variants.is_null()) variants = nlohmann::json::array();
    drafts_json.push_back(
        {{"id", id_string(id)}, {"name", d.name.value}, {"variants", std::move(variants)}});
  }
  out["drafts"] = std::move(drafts_json);
  return out;
}

}  // namespace convene::crdt
