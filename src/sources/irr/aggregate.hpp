// Prefix-list aggregation with the coverage of `bgpq4 -A`: a list of route prefixes becomes a
// shorter list of prefix ranges that matches exactly the same routes, no more and no fewer.
//
// The range type and its text form are model::PrefixRange (model/prefix_range.hpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/error.hpp"
#include "model/ip.hpp"
#include "model/prefix_range.hpp"

namespace peerapi::sources::irr {

using model::matches;
using model::parse_prefix_range;
using model::PrefixRange;
using model::to_string;

/// Aggregates `prefixes` (any order, duplicates and both families allowed) into ranges whose
/// matched routes are exactly `prefixes`. For each length L the prefixes of length L are merged
/// into the fewest aligned blocks (CIDR merge of equal-length siblings); a block found at
/// consecutive lengths becomes one range. The result is never longer than the unique input,
/// and is sorted: IPv4 before IPv6, then by address, prefix length and min_length.
std::vector<PrefixRange> aggregate(std::vector<model::Prefix> prefixes);

}  // namespace peerapi::sources::irr
