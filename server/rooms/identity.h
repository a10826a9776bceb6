// What a client says about itself when it joins (Hello.name, Hello.colour,
// Hello.replica_secret), made safe to store and relay. Every name that
// reaches a member record, a Welcome, a presence update or an export passes
// through clean_name: whatever a hostile client sends, what comes out is
// valid UTF-8 of a bounded length that can be stored, exported and reloaded
// (docs/threat-model.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "convene/v1/protocol.pb.h"

namespace convene::rooms {

inline constexpr size_t kMaxNameCodePoints = 64;
inline constexpr std::string_view kDefaultName = "Guest";
inline constexpr std::string_view kDefaultColour = "#6b7280";
inline constexpr size_t kMinSecretBytes = 16;
inline constexpr size_t kMaxSecretBytes = 64;
// Presence is relayed to every member and sits in every Welcome: a few
// hundred bytes in practice (a cursor, a caret, a selection).
inline constexpr size_t kMaxPresenceBytes = 4096;
inline constexpr int kMaxPresenceSelection = 256;

// A display name: invalid UTF-8 replaced (U+FFFD), control, format and
// bidirectional-override characters removed (they can hide or reorder what
// others read), runs of white space made one space, trimmed, and cut to
// kMaxNameCodePoints on a character boundary. Empty: kDefaultName.
std::string clean_name(std::string_view claimed);

// "#rrggbb" in lower case, or kDefaultColour for anything else.
std::string clean_colour(std::string_view claimed);

// Why a presence state may not be relayed (too large, too many selected
// ids, a coordinate that is not a finite number, a `following` that is not
// a member id), or empty if it may.
std::string presence_problem(const convene::v1::PresenceState& state);

// The member id of a replica: its 16 hex digits.
std::string member_id_of(uint64_t replica);

// Whether `id` has the form of a member id: 16 lower-case hex digits.
bool is_member_id(std::string_view id);

// A replica secret sent as lower-case hex (a JSON body): its bytes, or
// nullopt unless it is hex for kMinSecretBytes to kMaxSecretBytes bytes.
std::optional<std::string> replica_secret_from_hex(std::string_view hex);

}  // namespace convene::rooms
