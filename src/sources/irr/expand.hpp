// AS-SET expansion (RFC 2622 section 5.1) and prefix-list building over any `IrrSource`: the
// recursive member walk bgpq4 does, done client-side with `as_set_members` and
// `origin_prefixes`, so it works the same over a loaded RPSL dump and over an IRRd server.
// Formats and limits are described in README-expand.md.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/asn.hpp"
#include "model/error.hpp"
#include "model/ip.hpp"
#include "sources/irr/irr_source.hpp"

namespace peerapi::sources::irr {

struct ExpandOptions {
  /// The deepest nesting expanded: the named set is level 1, its member sets level 2, ...
  /// Sets below this level are not fetched and `depth_capped` is set.
  std::size_t max_depth = 20;
  /// The most distinct sets fetched; one more is `too_many_items` (field "as_set"), because a
  /// silently truncated filter would reject a customer's routes.
  std::size_t max_sets = 100000;
};

struct AsSetExpansion {
  std::vector<model::Asn> asns;           // sorted, unique
  std::vector<std::string> missing_sets;  // nested sets the source does not know; sorted, unique
  /// Sets met again while already being expanded on the current path (a membership cycle);
  /// each is expanded once and the cycle is cut. Sorted, unique.
  std::vector<std::string> loops;
  /// Members that name no list of ASNs: AS-ANY (RFC 2622 section 5.1, "all ASes"), reserved
  /// ASNs (RFC 7607, RFC 6793, RFC 7300) and text that is neither an ASN nor a set name. They
  /// are left out of `asns`. Sorted, unique, upper-cased.
  std::vector<std::string> skipped;
  bool depth_capped = false;
  std::size_t sets_visited = 0;  // distinct sets whose members were fetched
};

/// What an expansion starts from: exactly one of an ASN or a canonical as-set name.
struct ExpansionRoot {
  std::optional<model::Asn> asn;
  std::string as_set;  // upper-cased, possibly "SOURCE::" qualified; empty when `asn` is set
};

/// Checks an as-set name against RFC 2622: "AS-" followed by letters, digits, "_" and "-"
/// ending in a letter or digit (section 2), or a hierarchical name of such set names and ASNs
/// joined by ":" with at least one set name (section 5), optionally qualified by an IRR source
/// as "RIPE::AS-FOO". Case-insensitive; returns the upper-cased name. AS-ANY is refused: it
/// stands for every AS and has no member list. Error `invalid_value`, field `field`.
Result<std::string> canonical_as_set_name(std::string_view name, std::string_view field = "as_set");

/// Parses what `expand_as_set` accepts: an ASN ("AS64501", "as64501" or "64501") or an as-set
/// name (see canonical_as_set_name). Error `invalid_value`, field "as_set".
Result<ExpansionRoot> parse_expansion_root(std::string_view as_set_or_asn);

/// Expands `as_set_or_asn` to the ASNs it contains, recursively. An ASN expands to itself (the
/// aut-num fallback for a network without an AS-SET). Errors: `invalid_value` (field "as_set")
/// for a bad name; `not_found` (field "as_set") when the named set does not exist;
/// `too_many_items` (field "as_set") above `options.max_sets`; any other error of `source`
/// (e.g. `unavailable`) as the source reported it. Nested sets that do not exist are listed in
/// `missing_sets`, not fatal. Nested members are looked up as written (unqualified).
Result<AsSetExpansion> expand_as_set(IrrSource& source, std::string_view as_set_or_asn,
                                     const ExpandOptions& options = {});

/// The union of the route (IPv4) or route6 (IPv6) prefixes originated by `asns`, sorted and
/// unique. The first error of `source` is returned as is.
Result<std::vector<model::Prefix>> prefixes_for(IrrSource& source, std::span<const model::Asn> asns,
                                                model::IpFamily family);

}  // namespace peerapi::sources::irr
