// A prefix range: every route inside `prefix` whose length lies in [min_length, max_length].
// The unit of prefix filters (IRR prefix lists, bogon lists, announcement lists).
//
// Text form:
//   198.51.100.0/24            the route 198.51.100.0/24 only (min = max = the prefix length)
//   198.51.100.0/23{24,24}     every /24 inside 198.51.100.0/23 (both of them)
//   198.51.100.0/22{22,24}     198.51.100.0/22 and every /23 and /24 inside it
// `prefix{min,max}` matches a route R when R lies inside `prefix` and min <= len(R) <= max; it
// is Cisco's "prefix ge min le max", bgpq4's "%n/%l{%a,%A}" and BIRD's "prefix{min,max}".
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "model/error.hpp"
#include "model/ip.hpp"

namespace peerapi::model {

struct PrefixRange {
  Prefix prefix;
  int min_length = 0;  // prefix.length() <= min_length <= max_length <= 32 or 128
  int max_length = 0;

  auto operator<=>(const PrefixRange&) const = default;
};

/// "198.51.100.0/24" when min = max = the prefix length, else "198.51.100.0/23{24,24}".
std::string to_string(const PrefixRange& range);

/// Parses the text form above. Error `invalid_value` at `field` (bad prefix, lengths out of
/// order or beyond the address size).
Result<PrefixRange> parse_prefix_range(std::string_view text,
                                       std::string_view field = "prefix_range");

/// Whether `range` matches the route `route` (same family, inside, length within range).
bool matches(const PrefixRange& range, const Prefix& route);

}  // namespace peerapi::model
