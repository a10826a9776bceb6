#include "rooms/admission.h"

#include <algorithm>

namespace convene::rooms {
namespace {

namespace pb = ::convene::v1;

Admission refused(Refusal refusal, std::string message) {
  Admission a;
  a.refusal = refusal;
  a.message = std::move(message);
  return a;
}

// Why a token that is not this convening's grants nothing: the convening
// may not exist at all.
Admission no_grant(store::Store& store, std::string_view convening) {
  store::Status s;
  const bool exists = store.convening(convening, &s).has_value();
  if (!s.is_ok()) return refused(Refusal::kUnavailable, "storage unavailable");
  if (!exists) return refused(Refusal::kNoConvening, "no such convening");
  return refused(Refusal::kWrongToken, "the token does not admit to this convening");
}

}  // namespace

pb::ErrorCode Admission::error_code() const {
  switch (refusal) {
    case Refusal::kNone:
      return pb::ERROR_UNSPECIFIED;
    case Refusal::kNoConvening:
      return pb::ERROR_NOT_FOUND;
    case Refusal::kRevoked:
      return pb::ERROR_REVOKED;
    case Refusal::kUnavailable:
      return pb::ERROR_UNAVAILABLE;
    case Refusal::kNoToken:
    case Refusal::kWrongToken:
      return pb::ERROR_UNAUTHORIZED;
  }
  return pb::ERROR_UNAUTHORIZED;
}

pb::Role role_of(store::TokenKind kind) {
  switch (kind) {
    case store::TokenKind::kConvener:
      return pb::ROLE_CONVENER;
    case store::TokenKind::kParticipantInvite:
      return pb::ROLE_PARTICIPANT;
    case store::TokenKind::kObserverInvite:
      return pb::ROLE_OBSERVER;
  }
  return pb::ROLE_OBSERVER;
}

bool valid_convening_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

Admission admit_token(store::Store& store, std::string_view convening, std::string_view token_hash,
                      bool open_join) {
  // The store would refuse such an id as an error, which reads as "storage
  // unavailable": come back later, for ever.
  if (!valid_convening_id(convening)) return refused(Refusal::kNoConvening, "no such convening");
  if (open_join) {
    Admission a = no_grant(store, convening);
    if (a.refusal != Refusal::kWrongToken) return a;  // no convening, or no store
    return Admission{};                               // exists: a participant
  }
  if (token_hash.empty()) return refused(Refusal::kNoToken, "a token of this convening is needed");
  store::Status s;
  const auto grant = store.token(token_hash, &s);
  if (!s.is_ok()) return refused(Refusal::kUnavailable, "storage unavailable");
  if (!grant || grant->convening != convening) return no_grant(store, convening);
  if (grant->revoked)
    return refused(Refusal::kRevoked,
                   "this link no longer works: it was revoked; ask the convener for a new one");
  Admission a;
  a.role = role_of(grant->kind);
  a.grant = grant;
  return a;
}

}  // namespace convene::rooms
