#include "rooms/identity.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "crdt/utf8.h"

namespace convene::rooms {
namespace {

bool is_space(char32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x0B || cp == 0x0C ||
         cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

// Characters that draw nothing themselves but change how the text around
// them reads: controls, zero-width and joiner characters, bidirectional
// embeddings, overrides and isolates, and the byte-order mark.
bool is_invisible(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xAD || cp == 0x061C ||
         (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2060 && cp <= 0x206F) || cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFB);
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool is_lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

std::string clean_name(std::string_view claimed) {
  std::u32string kept;
  bool space_pending = false;
  for (char32_t cp : crdt::utf8::decode_lenient(claimed)) {
    if (kept.size() >= kMaxNameCodePoints) break;
    if (is_space(cp)) {
      space_pending = !kept.empty();
      continue;
    }
    if (is_invisible(cp)) continue;
    if (space_pending && kept.size() + 1 < kMaxNameCodePoints) kept.push_back(' ');
    space_pending = false;
    kept.push_back(cp);
  }
  if (kept.empty()) return std::string(kDefaultName);
  return crdt::utf8::encode(kept);
}

std::string clean_colour(std::string_view claimed) {
  if (claimed.size() != 7 || claimed[0] != '#') return std::string(kDefaultColour);
  std::string out = "#";
  for (char c : claimed.substr(1)) {
    if (!is_hex(c)) return std::string(kDefaultColour);
    out.push_back(c >= 'A' && c <= 'F' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

std::string presence_problem(const convene::v1::PresenceState& state) {
  if (state.ByteSizeLong() > kMaxPresenceBytes)
    return "presence is limited to " + std::to_string(kMaxPresenceBytes) + " bytes";
  if (state.selection_size() > kMaxPresenceSelection)
    return "presence may name at most " + std::to_string(kMaxPresenceSelection) + " selected ids";
  const auto& c = state.cursor();
  const auto& v = state.viewport();
  for (double d : {c.x(), c.y(), v.x(), v.y(), v.zoom(), v.width(), v.height()})
    if (!std::isfinite(d)) return "presence coordinates must be finite numbers";
  const std::string& following = state.following();
  if (!following.empty() && !is_member_id(following))
    return "following must be a member id (16 hex digits)";
  return {};
}

std::string member_id_of(uint64_t replica) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(replica));
  return buf;
}

bool is_member_id(std::string_view id) {
  return id.size() == 16 && is_lower_hex(id);
}

std::optional<std::string> replica_secret_from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0 || hex.size() < 2 * kMinSecretBytes || hex.size() > 2 * kMaxSecretBytes ||
      !is_lower_hex(hex))
    return std::nullopt;
  const auto value = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string bytes;
  for (size_t i = 0; i < hex.size(); i += 2)
    bytes.push_back(static_cast<char>(value(hex[i]) * 16 + value(hex[i + 1])));
  return bytes;
}

}  // namespace convene::rooms
