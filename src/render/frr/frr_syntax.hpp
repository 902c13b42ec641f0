// FRR 8.x configuration syntax for the pieces the FRR renderer assembles (render_frr). Pure
// text helpers, exposed for the renderer's unit tests.
//
// Conventions of the rendered prefix-lists (FRR evaluates entries by sequence number, the first
// matching entry decides, and a route matching none is denied):
//   - a list used in a route-map `deny` clause lists what that clause rejects as `permit`;
//   - where a rule rejects "everything except X" (IRR list, the neighbor's next hop), X is
//     listed as `deny` entries followed by one `permit` of the whole family.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/asn.hpp"
#include "model/bgp_role.hpp"
#include "model/ip.hpp"
#include "model/prefix_range.hpp"
#include "render/filter_plan.hpp"
#include "sources/iana/bogons.hpp"

namespace peerapi::render::frr {

/// "ip" or "ipv6": the keyword of prefix-lists and route-map matches of the family.
std::string_view ip_keyword(model::IpFamily family) noexcept;
/// "ipv4 unicast" or "ipv6 unicast".
std::string_view address_family(model::IpFamily family) noexcept;
/// "V4" or "V6": the suffix of shared object names.
std::string_view family_suffix(model::IpFamily family) noexcept;
/// "IPv4" or "IPv6", for comments.
std::string_view family_label(model::IpFamily family) noexcept;

/// A prefix-list entry's prefix part for a range (model/prefix_range.hpp):
/// "203.0.113.0/24", "198.18.0.0/15 le 24", "198.18.0.0/15 ge 16 le 24".
std::string range_text(const model::PrefixRange& range);
/// `prefix` and every more specific prefix: "192.0.2.0/24 le 32" ("192.0.2.1/32" when the
/// prefix is a host route already).
std::string or_longer_text(const model::Prefix& prefix);
/// Every prefix of the family: "0.0.0.0/0 le 32" or "::/0 le 128".
std::string any_text(model::IpFamily family);

/// RFC 9234 role keyword of `neighbor X local-role` (FRR 8.4): provider, rs-server, rs-client,
/// customer, peer.
std::string_view role_keyword(model::BgpRole role) noexcept;

/// One line of free text (a PeeringDB name, an IANA reason) made safe for a comment or a
/// `description`: control characters become spaces, runs of spaces collapse, the ends are
/// trimmed, so the text can neither end the line nor start a command.
std::string one_line(std::string_view text);

/// A POSIX extended regular expression matching exactly the decimal numbers first..last, as
/// alternatives without leading zeros: 64512..65535 gives
/// "6451[2-9]|645[2-9][0-9]|64[6-9][0-9]{2}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]".
/// A range ending at 4294967295 (the largest ASN, RFC 6793) is written up to 4299999999: no AS
/// path holds a larger number, and the expression stays short ("42[0-9]{8}").
std::string number_range_regex(std::uint32_t first, std::uint32_t last);

/// RFC 7454 section 9: one AS-path regular expression per range of kPrivateOrReservedAsns
/// (render/filter_plan.hpp), in its order, matching such an ASN anywhere in the path (FRR's `_`
/// is a delimiter: start, end, space, brace or comma). Each with the comment naming the range.
struct AsPathPattern {
  std::string comment;
  std::string regex;
};
std::vector<AsPathPattern> private_asn_patterns();

/// One entry of a bogon prefix-list in evaluation order: `bogon` entries are written `permit`
/// (the route-map clause using the list rejects them), the others `deny`.
struct BogonListEntry {
  std::string comment;  // empty: continues the group of the entry before
  std::string prefix;   // "10.0.0.0/8 le 32", "0.0.0.0/0"
  bool bogon = true;
};

/// The bogon prefix-list of one family, ordered so that FRR's first match gives the verdict of
/// BogonSet::check: exact entries first; then the permits (globally reachable blocks inside a
/// bogon block; for IPv6 also outside IANA's allocations); then the bogon blocks; for IPv6 then
/// the allocations to the RIRs (not bogons) and finally everything else (not allocated, RFC
/// 7454 section 6.1.2.1). Should a bogon block lie inside a permit (or equal it), the permits
/// and those blocks are ordered longest prefix first, bogon before permit on a tie, which is
/// BogonSet::check's rule.
std::vector<BogonListEntry> bogon_list(const sources::iana::BogonSet& bogons,
                                       model::IpFamily family);

}  // namespace peerapi::render::frr
