// BIRD 2 configuration syntax used by the BIRD renderer (render/bird): text escaping, prefix-set
// patterns, RFC 9234 role keywords and the bogon sets as the rendered filter functions check them.
// Pure helpers; exposed so that tests check the translations on their own.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/bgp_role.hpp"
#include "model/ip.hpp"
#include "model/prefix_range.hpp"
#include "sources/iana/bogons.hpp"

namespace peerapi::render::bird {

/// `text` made safe inside a BIRD string literal or a `#` comment: BIRD 2 strings have no escape
/// sequences, so '"' becomes '\'' and control characters (line breaks included) become spaces.
/// UTF-8 passes unchanged.
std::string clean_text(std::string_view text);

/// A BIRD prefix pattern for `range`: "p" (only p), "p+" (p and every more specific prefix) or
/// "p{min,max}".
std::string prefix_pattern(const model::PrefixRange& range);

/// "p+" for `prefix` (the prefix and every more specific one), or "p" for an exact entry.
std::string bogon_pattern(const sources::iana::BogonEntry& entry);

/// The `local role` keyword of RFC 9234 `role` (BIRD 2.0.11+): provider, rs_server, rs_client,
/// customer, peer.
std::string_view role_keyword(model::BgpRole role) noexcept;

/// One family's bogon entries grouped in the order the rendered function checks them, first
/// match deciding:
///   1. `exact`   entries that match only themselves (the default route): bogon;
///   2. `shadowed` or-longer bogon entries at least as specific as a permit covering them: bogon
///      (BogonSet::check: the longest entry decides, a bogon wins a tie);
///   3. `permits`  globally reachable blocks: not a bogon (they override the entries around them);
///   4. `bogons`   the remaining or-longer entries: bogon;
///   5. IPv6 only: outside every `allocated` block (RFC 7454 section 6.1.2.1): bogon.
/// This equals BogonSet::check for entries nested at most two deep (a bogon inside a permit
/// inside a bogon), which is all the IANA registries contain.
struct BogonGroups {
  std::vector<sources::iana::BogonEntry> exact;
  std::vector<sources::iana::BogonEntry> shadowed;
  std::vector<sources::iana::BogonEntry> permits;
  std::vector<sources::iana::BogonEntry> bogons;
  std::vector<model::Prefix> allocated;  // empty for IPv4
};

BogonGroups bogon_groups(const sources::iana::BogonSet& set, model::IpFamily family);

}  // namespace peerapi::render::bird
