// Admission: what a token grants in a convening, or why it grants nothing.
// One step for the WebSocket join and every REST endpoint, so the two can
// never disagree on who may do what; callers map the refusal to their own
// answer (an Error code and close, an HTTP status).
//
// Blocking (a store read): call it on the storage pool.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "convene/v1/protocol.pb.h"
#include "store/store.h"

namespace convene::rooms {

enum class Refusal {
  kNone,
  kNoToken,      // a token is needed (not --open)
  kNoConvening,  // no convening with this id
  kWrongToken,   // unknown, or of another convening
  kRevoked,      // this convening's, withdrawn by a convener
  kUnavailable,  // the store could not be read
};

struct Admission {
  Refusal refusal = Refusal::kNone;
  std::string message;  // why, for the client
  convene::v1::Role role = convene::v1::ROLE_PARTICIPANT;
  // The grant of the token; none when admitted without one (--open).
  std::optional<store::TokenGrant> grant;

  bool ok() const { return refusal == Refusal::kNone; }
  // The WebSocket Error code of a refusal.
  convene::v1::ErrorCode error_code() const;
};

convene::v1::Role role_of(store::TokenKind kind);

// Whether `id` could name a convening: 1 to 64 of [A-Za-z0-9_-] (what the
// store accepts). Any other id names none.
bool valid_convening_id(std::string_view id);

// Admits `token_hash` (rooms::token_hash of the token) to `convening`.
// `open_join`: the server runs with --open and no token was given: anyone
// may join an existing convening as a participant.
Admission admit_token(store::Store& store, std::string_view convening, std::string_view token_hash,
                      bool open_join);

}  // namespace convene::rooms
