// The text CRDT of a draft variant: a list of characters in the YATA/Fugue
// family that never interleaves concurrent typing.
//
// Every character has an id (replica, counter) and was inserted between an
// origin-left and an origin-right character (absent = start / end). A remote
// insert is placed by the YjsMod/FugueMax rule (docs/crdt.md, "Text"):
// scanning the items between its origins, concurrent siblings with the same
// origins are ordered by replica id, and runs typed forwards or backwards
// stay contiguous. Deletion marks characters as tombstones; tombstones stay in
// the sequence so later inserts can still be placed relative to them.
//
// Representation: maximal runs of characters (consecutive ids, typed in
// sequence or inserted as siblings between the same two characters, same
// deleted state) are one item. Items live in the leaves of a
// counted B+tree whose inner nodes hold the visible and total character
// counts of each child, so a visible position maps to an item in O(log n); an
// id index (per replica, counter range -> leaf) and parent links map an id to
// its position in O(log n).
//
// Thread safety: none. Copyable (deep copy).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "convene/v1/snapshot.pb.h"
#include "crdt/ids.h"

namespace convene::crdt {

struct IdSpan {
  OpId first;
  uint64_t length = 0;

  uint64_t end() const { return first.counter + length; }  // counter after the last
};

// The same ids, each once: sorted by id, overlapping or touching spans of a
// replica merged. A TextDelete's ranges are checked and applied this way, so
// ranges that overlap cost no more than one that covers them all (F2).
std::vector<IdSpan> merge_spans(std::vector<IdSpan> spans);
// A TextDelete's ranges as spans, in op order.
std::vector<IdSpan> delete_spans(const pb::TextDelete& del);

class TextSequence {
 public:
  TextSequence();
  ~TextSequence();
  TextSequence(const TextSequence& other);
  TextSequence& operator=(const TextSequence& other);
  TextSequence(TextSequence&&) noexcept;
  TextSequence& operator=(TextSequence&&) noexcept;

  size_t size() const;        // visible code points
  size_t total_size() const;  // code points including tombstones

  // True if the character with this id is in the sequence (visible or not).
  bool contains(OpId id) const;
  // True if every id of the span is in the sequence.
  bool contains_span(IdSpan span) const;
  // Appends the parts of the span that are not in the sequence, in order.
  void missing_parts(IdSpan span, std::vector<IdSpan>* out) const;

  // Local insert before visible position `pos` (0..size()): the characters get
  // ids first_id .. first_id + text.size() - 1. Reports the origins to send.
  // Precondition: pos <= size(), text non-empty, ids unused.
  void local_insert(size_t pos, OpId first_id, std::u32string_view text, OpId* origin_left,
                    OpId* origin_right);
  // Local insert directly before the character `anchor` (visible or not):
  // undo uses it to put deleted text back exactly where it was.
  // Precondition: anchor contained, text non-empty, ids unused.
  void local_insert_before(OpId anchor, OpId first_id, std::u32string_view text, OpId* origin_left,
                           OpId* origin_right);
  // Local delete of visible [pos, pos + length): marks them deleted and
  // appends the id spans deleted (in document order) to `deleted`.
  // Precondition: pos + length <= size().
  void local_delete(size_t pos, size_t length, std::vector<IdSpan>* deleted);

  // Remote insert. Precondition: origins (if valid()) are contained, ids are
  // not, text non-empty.
  void integrate(OpId first_id, OpId origin_left, OpId origin_right, std::u32string_view text);
  // How many steps (runs, or parts of runs) integrate() would scan for an
  // insert by `replica` between these origins; counting stops past `limit`
  // (the result is then limit + 1). The room's admission bounds it
  // (admission.h). Precondition: origins (if valid()) are contained.
  uint64_t integration_steps(uint64_t replica, OpId origin_left, OpId origin_right,
                             uint64_t limit) const;
  // Marks the span's characters deleted (idempotent). Precondition: contained.
  // Returns how many characters became deleted now.
  size_t apply_delete(IdSpan span);
  // How many runs (or parts of runs) of the span are deleted already: what
  // apply_delete() would visit for nothing. Counting stops past `limit`; ids
  // not in the sequence end it.
  uint64_t deleted_runs(IdSpan span, uint64_t limit) const;

  // Visible position of a character id (for tombstones: the position the
  // next visible character would have). Precondition: contained.
  size_t position_of(OpId id) const;
  // Id of the visible character at `pos`. Precondition: pos < size().
  OpId id_at(size_t pos) const;
  // Which parts of a span are visible now, as spans in document order.
  std::vector<IdSpan> visible_parts(IdSpan span) const;
  // The text of a span's characters, visible or not, if still known
  // (content of tombstones decoded from a snapshot is not kept).
  bool content_of(IdSpan span, std::u32string* out) const;

  std::u32string text() const;
  std::string utf8() const;

  // Canonical columns (maximal runs in document order) and their inverse.
  void encode(pb::TextColumns* out) const;
  Status decode(const pb::TextColumns& in);

  Status check_invariants() const;
  size_t item_count() const;  // runs currently stored (a memory/perf figure)

  // Work done by this replica since it was made, copied or decoded: tests
  // assert on it that a hostile input costs a bounded amount.
  struct Work {
    uint64_t scan_steps = 0;    // integration steps of remote inserts
    uint64_t delete_steps = 0;  // runs (or parts) visited by apply_delete
  };
  const Work& work() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace convene::crdt
