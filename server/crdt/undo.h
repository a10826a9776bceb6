// Per-replica undo/redo history for a Document.
//
// Each local edit records its inverse, computed from the state just before it;
// edits between two checkpoints form one step. Undo replays a step's inverses
// (newest first) as new local ops, recording *their* inverses as the matching
// redo step, so redo is undo of the undo. History is never rewritten.
//
// Text needs one more idea: undoing a delete re-inserts the text as new
// characters, so later steps that name the old ids must find the new ones.
// `incarnations` maps each re-inserted span to its new ids; resolve() follows
// that chain.
//
// Thread safety: none; owned by one Document. Bounded: the oldest steps are
// dropped beyond kMaxSteps.
#pragma once

#include <deque>
#include <map>
#include <variant>
#include <vector>

#include "convene/v1/ops.pb.h"
#include "crdt/ids.h"
#include "crdt/text.h"

namespace convene::crdt {

class Landscape;

// The inverse of a vocabulary op (docs/crdt.md, "Undo and redo"), from the
// state just before it applies: a create's is a remove, an update's the
// previous values of the fields it carries, a SetTag's the tag's previous
// state (off if none), a SetFieldValue's the previous value (cleared if
// none). False, leaving `inverse` alone, for any other op.
bool vocabulary_inverse(const Landscape& landscape, const pb::Op& op, pb::Op* inverse);

struct TextUndo {
  enum class Kind { kDelete, kReinsert };
  Kind kind;
  OpId variant;
  std::vector<IdSpan> spans;  // in the order the edits happened
};

// A map/draft inverse is an op body (id and lamport are stamped when it runs).
using UndoAction = std::variant<pb::Op, TextUndo>;

class UndoManager {
 public:
  static constexpr size_t kMaxSteps = 500;
  enum class Mode { kNormal, kUndoing, kRedoing };

  using Step = std::vector<UndoAction>;

  // Records the inverse of an edit just made, merging runs of typing.
  void record(UndoAction inverse);
  // The same for one span of text, without building an action when it
  // merges into the previous one (the common case: typing, backspacing).
  void record_text(TextUndo::Kind kind, OpId variant, IdSpan span);
  void checkpoint() { open_ = false; }

  bool can_undo() const { return !undo_.empty(); }
  bool can_redo() const { return !redo_.empty(); }

  // Starts replaying: returns the step to run and makes record() collect
  // into the opposite stack until finish().
  Step begin(Mode mode);
  void finish();

  // Removes from `spans` the characters typed during the step still being
  // recorded: undoing that step deletes them anyway, so deleting them again
  // needs no re-insertion on undo.
  std::vector<IdSpan> drop_created_in_open_step(std::vector<IdSpan> spans) const;

  // Maps old text ids to the ids that replaced them on re-insertion.
  void add_incarnation(IdSpan old_span, OpId new_first);
  // The current incarnations of a span (the span itself where none moved).
  std::vector<IdSpan> resolve(IdSpan span) const;

 private:
  std::deque<Step>& target();
  void note_created(IdSpan span);
  void push_step(std::deque<Step>& stack);

  std::deque<Step> undo_;
  std::deque<Step> redo_;
  bool open_ = false;  // the newest undo_ step still takes edits
  Mode mode_ = Mode::kNormal;
  Step replay_;                            // collects inverses while replaying
  std::map<OpId, uint64_t> open_created_;  // ids typed in the open step
  struct Incarnation {
    uint64_t length;
    OpId new_first;
  };
  std::map<OpId, Incarnation> incarnations_;
};

}  // namespace convene::crdt
