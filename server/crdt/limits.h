// Bounds on everything an op may carry. Ops beyond them are rejected as
// invalid: they protect every replica (server and browser) from hostile input.
// Documented in docs/crdt.md; the browser client enforces the same numbers.
// The admission bounds at the end are the server's alone (admission.h).
#pragma once

#include <cstddef>
#include <cstdint>

namespace convene::crdt::limits {

inline constexpr size_t kNameBytes = 200;             // map, draft, variant names
inline constexpr size_t kLabelBytes = 500;            // element/connection/shape labels
inline constexpr size_t kNotesBytes = 20'000;         // element notes
inline constexpr size_t kStyleBytes = 64;             // colour / shape overrides
inline constexpr size_t kParticipantBytes = 128;      // participant ids
inline constexpr size_t kAspectBytes = 64;            // perspective aspect names
inline constexpr size_t kPathPoints = 4'096;          // points in a boundary/region
inline constexpr double kCoordinate = 1e7;            // |x|, |y| bound on map positions
inline constexpr double kPerspectiveValue = 1e6;      // |value| bound
inline constexpr size_t kInsertCodePoints = 1 << 20;  // per TextInsert
inline constexpr size_t kDeleteRanges = 1 << 16;      // per TextDelete
inline constexpr unsigned kMinDepth = 1;
inline constexpr unsigned kMaxDepth = 3;

// ---- a map's vocabulary (docs/crdt.md, "Vocabulary") -------------------------
inline constexpr size_t kTagBytes = 64;           // a tag: 1..64 bytes
inline constexpr size_t kFieldChoices = 100;      // choices of a custom field
inline constexpr size_t kChoiceBytes = 200;       // each choice: 1..200 bytes
inline constexpr size_t kFieldTextBytes = 2'000;  // a text value of a custom field
inline constexpr double kFieldNumber = 1e15;      // |number| bound of a custom field value
inline constexpr size_t kRuleValueBytes = 500;    // a style rule's matched field value
inline constexpr double kMinRuleSize = 0.25;      // a style rule's relative size,
inline constexpr double kMaxRuleSize = 4;         // 1 = as drawn
inline constexpr double kOrder = 1e9;             // |order| of style rules and views
inline constexpr double kMaxZoom = 1000;          // a view's zoom: 0 < zoom <= 1000
inline constexpr size_t kViewEnumList = 16;       // kinds, scales, connection kinds
inline constexpr size_t kViewIdList = 256;        // custom kinds, tags, authors
inline constexpr size_t kViewHighlights = 1'000;  // highlighted elements or connections
inline constexpr size_t kSearchBytes = 200;       // a view's search text

// ---- admission (admission.h) ------------------------------------------------
// Bounds on what an op costs rather than on what it carries. The room applies
// them to ops from clients, before Document::apply; apply itself never does,
// as it must accept every op it ever accepted (old logs are replayed on every
// load: docs/threat-model.md, F10). Honest clients stay far inside them.

// How far past the document's clock an op may move it: its last Lamport time,
// lamport + span - 1 (a TextDelete spans the total length of its ranges).
inline constexpr uint64_t kClockLead = uint64_t{1} << 32;
// Steps (runs, or parts of runs) a TextInsert's integration may scan between
// its origins: the inserts made there concurrently. Typing alongside others
// takes a handful; a long offline edit of a passage others rewrote, hundreds.
// Same-origin siblings of one replica are one run (text.cc, "fan"), one step.
inline constexpr uint64_t kIntegrationSteps = 10'000;
// Removals one Restore may list. A client lists those in force, which
// kRemovalsInForce bounds.
inline constexpr size_t kRestoreRemovals = 1'000;
// Removals in force (not cancelled) an entity may hold: a Remove beyond is
// refused. Each replica holds at most one (a second Remove from a replica
// whose removal is in force is refused too), so this bounds the replicas
// removing one entity at once. Cancelled removals are not bounded here: they
// cost O(1) to add and check, and the member quotas bound them.
inline constexpr size_t kRemovalsInForce = 1'000;
// Runs already deleted that one TextDelete may name: applying it visits each
// for nothing, so repeating a delete of a long stretch of tombstones would
// cost the server (and every browser) a walk over them per op. Honest deletes
// name visible text; only a concurrent delete of the same stretch names
// tombstones, rarely thousands of runs of them.
inline constexpr uint64_t kDeletedRuns = 10'000;
// A TextDelete's ranges must also be disjoint and together no longer than
// the variant (tombstones included): no number to set.
// Tags on one element or connection: a SetTag that would put one more on is
// refused. Tags taken away do not count; they cost one record each, which
// the member quotas bound.
inline constexpr size_t kTagsPerTarget = 64;
// Definitions of one sort (fields, kinds, style rules, views) per map: a
// create beyond is refused. Removed ones count, as they stay in the state.
inline constexpr size_t kVocabularyPerMap = 200;

}  // namespace convene::crdt::limits
