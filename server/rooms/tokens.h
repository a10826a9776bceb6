// Unguessable tokens and ids, and the hashes under which tokens are stored.
#pragma once

#include <string>
#include <string_view>

namespace convene::rooms {

// 256 random bits from the OS's CSPRNG, base64url without padding (43 chars).
std::string new_token();
// 96 random bits, base64url (16 chars): convening ids.
std::string new_id();
// Hex SHA-256 of a token: what the store keeps instead of the token.
std::string token_hash(std::string_view token);
// Compares in time independent of where the strings differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace convene::rooms
