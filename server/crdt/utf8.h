// UTF-8 <-> code points. Text positions in Convene count Unicode code points,
// so every boundary converts here; invalid input is rejected, never repaired.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace convene::crdt::utf8 {

// True if `s` is well-formed UTF-8: no overlong forms, no surrogates, nothing
// above U+10FFFF, no truncated sequences.
bool valid(std::string_view s);
// Code points in valid UTF-8 (counts lead bytes; meaningless if invalid).
size_t count_code_points(std::string_view s);
inline constexpr char32_t kReplacement = 0xFFFD;
// Decodes any bytes: each byte that does not start a well-formed sequence
// becomes U+FFFD. For text stored before it was checked, never for input.
std::u32string decode_lenient(std::string_view s);
// Decodes valid UTF-8. Returns false (and leaves `out` unspecified) if invalid.
bool decode(std::string_view s, std::u32string& out);
// Appends the UTF-8 encoding of code points (each must be a scalar value).
void append(std::u32string_view cps, std::string& out);
std::string encode(std::u32string_view cps);

}  // namespace convene::crdt::utf8
