// Bounds on everything an op may carry. Ops beyond them are rejected as
// invalid: they protect every replica (server and browser) from hostile input.
// Documented in docs/crdt.md; the browser client enforces the same numbers.
#pragma once

#include <cstddef>

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

}  // namespace convene::crdt::limits
