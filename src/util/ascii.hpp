// ASCII helpers for protocol text (header names, schemes, hex digits), where case-insensitive
// means ASCII only (RFC 9110 section 5.1, RFC 3986 section 6.2.2.1). Header-only and
// dependency-free, so every layer (model included) can use them.
#pragma once

#include <algorithm>
#include <string_view>

namespace peerapi::util {

constexpr char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

/// Equal ignoring ASCII case.
constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

/// The value of a hex digit (either case), or -1.
constexpr int hex_digit_value(char c) noexcept {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

}  // namespace peerapi::util
