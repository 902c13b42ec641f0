// Prefix-list aggregation with the coverage of `bgpq4 -A`: a list of route prefixes becomes a
// shorter list of prefix ranges that matches exactly the same routes, no more and no fewer.
//
// Text form of a range (README-expand.md):
//   198.51.100.0/24            the route 198.51.100.0/24 only (min = max = the prefix length)
//   198.51.100.0/23{24,24}     every /24 inside 198.51.100.0/23 (both of them)
//   198.51.100.0/22{22,24}     198.51.100.0/22 and every /23 and /24 inside it
// `prefix{min,max}` matches a route R when R lies inside `prefix` and min <= len(R) <= max; it
// is Cisco's "prefix ge min le max" and bgpq4's "%n/%l{%a,%A}".
#pragma once

#include <compare>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.hpp"
#include "model/ip.hpp"

namespace peerapi::sources::irr {

struct PrefixRange {
  model::Prefix prefix;
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
bool matches(const PrefixRange& range, const model::Prefix& route);

/// Aggregates `prefixes` (any order, duplicates and both families allowed) into ranges whose
/// matched routes are exactly `prefixes`. For each length L the prefixes of length L are merged
/// into the fewest aligned blocks (CIDR merge of equal-length siblings); a block found at
/// consecutive lengths becomes one range. The result is never longer than the unique input,
/// and is sorted: IPv4 before IPv6, then by address, prefix length and min_length.
std::vector<PrefixRange> aggregate(std::vector<model::Prefix> prefixes);

}  // namespace peerapi::sources::irr
