// A convening document: several landscape maps and several drafts (each with
// named variants), as one operation-based CRDT replica.
//
// Applying ops (apply): ops may come from anywhere: the server's log, another
// replica, a snapshot's tail. An op is applied exactly once: a second delivery
// returns Status::duplicate() and changes nothing. An op whose causal
// dependencies are missing (the previous op of its replica, or any id it
// references) returns kMissingDependency and changes nothing; CausalBuffer
// (causal_buffer.h) holds such ops until they can apply. Invalid ops return
// kInvalid and change nothing.
//
// Local edits (create_map, insert_text, ...): build an op from the current
// state, apply it at once, and append it to the outbox, where consecutive
// compatible ops (a run of typing, a run of backspaces) are merged into one.
// take_outbox() hands the ops to the network layer.
//
// Undo/redo: per replica. Local edits between two undo_checkpoint() calls form
// one undo step; undo() emits new inverse ops (it never rewrites history).
//
// Thread safety: none. Copyable: a copy is an independent replica with the
// same state, replica id and outbox but no undo history (use set_replica to
// fork a new replica from it). The outbox grows until take_outbox() drains
// it: the network layer (or the browser's offline queue) owns that bound.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "convene/v1/snapshot.pb.h"
#include "crdt/ids.h"
#include "crdt/landscape.h"
#include "crdt/lww.h"
#include "crdt/text.h"
#include "crdt/version.h"

namespace convene::crdt {

class UndoManager;

template <class T>
struct Result {
  Status status;
  T value{};
  bool ok() const { return status.is_ok(); }
};

struct Draft {
  OpId id;
  Lww<std::string> name;
  Liveness liveness;
};

struct Variant {
  OpId id;  // the base variant's id is its draft's id
  OpId draft;
  OpId copied_from;
  Lww<std::string> name;
  Liveness liveness;
  TextSequence text;
};

class Document {
 public:
  explicit Document(uint64_t replica = 0);
  ~Document();
  Document(const Document& other);
  Document& operator=(const Document& other);
  Document(Document&&) noexcept;
  Document& operator=(Document&&) noexcept;

  uint64_t replica() const { return replica_; }
  // Use a new replica id for future local edits (e.g. a fork in tests). The
  // new id must not have made ops before. Clears undo history and outbox.
  void set_replica(uint64_t replica);

  // ---- applying ops --------------------------------------------------------
  Status apply(const pb::Op& op);
  // What apply() would return, without changing anything.
  Status check(const pb::Op& op) const;

  // ---- local edits (applied at once, queued in the outbox) -----------------
  Result<OpId> create_map(std::string_view name);
  Result<OpId> create_draft(std::string_view name);  // base variant id == draft id
  // A new variant; with `copy_from`, it starts as a copy of that variant's
  // current text.
  Result<OpId> create_variant(OpId draft, std::string_view name, OpId copy_from = {});
  Status rename(OpId target, std::string_view name);
  Status remove(OpId target);
  Status restore(OpId target);  // cancels the removals in force here

  Result<OpId> create_element(OpId map, const pb::ElementFields& fields);
  Status update_element(OpId element, const pb::ElementFields& fields);
  Result<OpId> create_connection(OpId map, OpId from, OpId to, const pb::ConnectionFields& fields);
  Status update_connection(OpId connection, const pb::ConnectionFields& fields);
  Result<OpId> create_shape(OpId map, pb::Geometry geometry, const pb::ShapeFields& fields);
  Status update_shape(OpId shape, const pb::ShapeFields& fields);
  Status set_perspective(OpId target, std::string_view aspect, std::string_view participant,
                         std::optional<double> value);

  // A map's vocabulary (docs/crdt.md, "Vocabulary"; document_vocabulary.cc).
  Status set_tag(OpId target, std::string_view tag, bool on);
  Result<OpId> create_field(OpId map, const pb::FieldDefFields& fields);
  Status update_field(OpId field, const pb::FieldDefFields& fields);
  // A custom field's value: text, a number, or neither (clears it).
  using FieldValueInput = std::variant<std::monostate, std::string, double>;
  Status set_field_value(OpId target, OpId field, const FieldValueInput& value);
  Result<OpId> create_kind(OpId map, const pb::KindFields& fields);
  Status update_kind(OpId kind, const pb::KindFields& fields);
  Result<OpId> create_style_rule(OpId map, const pb::StyleRuleFields& fields);
  Status update_style_rule(OpId rule, const pb::StyleRuleFields& fields);
  Result<OpId> create_view(OpId map, const pb::ViewFields& fields);
  Status update_view(OpId view, const pb::ViewFields& fields);

  // Text positions and lengths count code points of the visible text.
  Status insert_text(OpId variant, size_t pos, std::string_view utf8_text);
  Status delete_text(OpId variant, size_t pos, size_t length);

  // Ops made locally since the last call, coalesced, in causal order.
  std::vector<pb::Op> take_outbox();
  size_t outbox_size() const { return outbox_.size(); }

  // ---- undo / redo ---------------------------------------------------------
  void undo_checkpoint();
  bool can_undo() const;
  bool can_redo() const;
  Status undo();
  Status redo();

  // ---- queries ---------------------------------------------------------------
  const VersionVector& version() const { return version_; }
  uint64_t clock() const { return clock_; }
  const Landscape& landscape() const { return landscape_; }
  std::vector<OpId> drafts() const;                 // live drafts, sorted by id
  std::vector<OpId> variants_of(OpId draft) const;  // live variants, sorted by id
  const Draft* draft(OpId id) const;
  const Variant* variant(OpId id) const;
  bool variant_visible(OpId id) const;
  std::string text(OpId variant) const;  // UTF-8; empty if unknown
  size_t text_length(OpId variant) const;

  // Canonical JSON of the visible state: the export format (docs/crdt.md).
  nlohmann::json to_json() const;

  // ---- snapshots -------------------------------------------------------------
  // Versioned, compressed, canonical (docs/crdt.md, "Snapshots").
  std::string encode_snapshot() const;
  static Result<Document> decode_snapshot(std::string_view bytes, uint64_t replica);
  // Hash of the canonical encoding: equal on converged replicas.
  uint64_t state_hash() const;
  // The canonical state as protobuf text, for test failure messages.
  std::string debug_string() const;

  // Checks every internal invariant; returns the first violation.
  Status check_invariants() const;

 private:
  friend class UndoManager;

  Status require_replica() const;
  // What validation learned about an op, so applying it does not work it
  // out again.
  struct Checked {
    uint64_t span = 1;
    bool landscape = false;       // applied by the Landscape module
    std::vector<IdSpan> deleted;  // a TextDelete's ranges, merged
  };
  Status check_header(const pb::Op& op, uint64_t* span) const;
  Status check_body(const pb::Op& op, Checked* checked) const;
  Status validate(const pb::Op& op, Checked* checked) const;
  void apply_checked(const pb::Op& op, const Checked& checked);
  void apply_document_op(const pb::Op& op, const Checked& checked);
  // Stamps a locally built op with the next id and lamport, applies it and
  // queues it. Returns the op's id.
  Result<OpId> commit_local(pb::Op op);
  void queue_outbox(const pb::Op& op);
  pb::Op inverse_of(const pb::Op& op) const;  // before `op` is applied
  Status restore_removals(OpId target, const std::vector<OpId>& removals);
  // Text edits shared by the public API and undo/redo.
  Status check_text_edit(OpId variant) const;
  // Inserts at visible `pos`, or directly before `anchor` when it is valid.
  OpId local_text_insert(Variant& v, size_t pos, std::u32string_view text, OpId anchor = {});
  void local_text_delete(Variant& v, std::vector<IdSpan> spans);
  void delete_text_ids(OpId variant, const std::vector<IdSpan>& spans);
  void reinsert_text(OpId variant, const std::vector<IdSpan>& spans);
  void run_undo_step(bool undoing);
  void encode_into(pb::Snapshot* out) const;
  Status decode_from(const pb::Snapshot& in);
  Variant* mutable_variant(OpId id);
  bool owns_named(OpId id) const;

  uint64_t replica_;
  uint64_t clock_ = 0;
  VersionVector version_;
  Landscape landscape_;
  std::map<OpId, Draft> drafts_;
  std::map<OpId, Variant> variants_;
  std::vector<pb::Op> outbox_;
  std::unique_ptr<UndoManager> undo_;
};

}  // namespace convene::crdt
