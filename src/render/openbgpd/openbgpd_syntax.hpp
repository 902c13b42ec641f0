// bgpd.conf(5) building blocks for the OpenBGPD renderer: safe text, prefix-set entries, the
// RFC 9234 role spelling per release, and the bogon layers that express BogonSet's longest-match
// rule with bgpd's filter language (which has no "not in set" match).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "model/bgp_role.hpp"
#include "model/ip.hpp"
#include "model/prefix_range.hpp"
#include "render/render_input.hpp"
#include "sources/iana/bogons.hpp"

namespace peerapi::render::openbgpd {

/// bgpd 7.x keeps a neighbor description in a 32-byte buffer: at most 31 bytes.
inline constexpr std::size_t kDescrMax = 31;

/// Free text for a `#` comment: control characters become spaces (a line break would end the
/// comment) and so do backslashes (a trailing one continues the line in bgpd.conf(5)).
std::string comment_text(std::string_view text);

/// Free text for a quoted argument such as `descr`: as `comment_text`, without '"', at most
/// `max_bytes` bytes, cut on a UTF-8 character boundary, trailing spaces removed.
std::string quoted_text(std::string_view text, std::size_t max_bytes);

/// One prefix-set entry (bgpd.conf(5) "prefix-set"): "203.0.113.0/24" (exact),
/// "10.0.0.0/8 or-longer" (up to the address size), "198.18.0.0/15 prefixlen 16 - 24".
std::string prefix_set_entry(const model::PrefixRange& range);
/// "10.0.0.0/8 or-longer": the prefix and every more specific one.
std::string or_longer(const model::Prefix& prefix);

/// "inet" or "inet6" (filter rule family), "IPv4" or "IPv6" (neighbor `announce`).
std::string_view filter_family(model::IpFamily family) noexcept;
std::string_view announce_family(model::IpFamily family) noexcept;

/// RFC 9234 local role lines of a neighbor block. OpenBGPD 7.7 spells it
/// `announce policy ROLE [enforce]` (the role sent is the local one); from 7.8 `role ROLE`, with
/// `announce policy enforce` for strict mode (RFC 9234 section 4.2).
std::vector<std::string> role_lines(const DaemonVersion& version, model::BgpRole our_role,
                                    bool strict);

/// A layer of the bogon filter: a prefix-set whose match marks a route as a bogon, or unmarks it.
struct BogonLayer {
  bool mark = true;  // false: the layer holds permits (or IPv6 allocations) and unmarks
  std::string set_name;
  std::vector<sources::iana::BogonEntry> entries;
};

/// The bogon filter of one family as ordered layers, alternating mark and unmark. A session
/// applies them in order (each layer's match sets or deletes the mark) and then denies marked
/// routes. Of two entries that match a common route, the longer one (for the same prefix: the
/// bogon) is in a later layer, so the last layer that matches holds the entry BogonSet::check
/// decides by; entries that never overlap share a layer, which keeps the shipped data at one
/// mark and one unmark layer per family. For IPv6 every route is marked first and
/// `v6_allocated` (RFC 7454 section 6.1.2.1) unmarks, before the layers.
struct BogonFilter {
  model::IpFamily family = model::IpFamily::v4;
  std::vector<BogonLayer> layers;
  /// IPv6 only: the set of `v6_allocated`, or-longer; empty name for IPv4.
  std::string allocated_set;
  std::vector<model::Prefix> allocated;
};

BogonFilter bogon_filter(const sources::iana::BogonSet& bogons, model::IpFamily family);

}  // namespace peerapi::render::openbgpd
