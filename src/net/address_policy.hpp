// Which IP addresses an outbound request may reach. peerapi fetches URLs that other parties name
// (JWKS and discovery documents, return_url), so a target must be globally reachable: the draft's
// Security Considerations say attackers must not reach internal systems through the API.
#pragma once

#include <optional>
#include <string>

#include "model/ip.hpp"

namespace peerapi::net {

/// Why an address is not a fit target for a request from the Internet-facing server.
struct SpecialPurpose {
  std::string name;       // "Private-Use", "Loopback", "Multicast" ...
  std::string reference;  // "RFC 1918", "RFC 4291 section 2.5.3" ...
};

/// nullopt when `address` is globally reachable; otherwise the registry entry that says it is not.
/// Follows the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 as updated by
/// RFC 8190: column "Globally Reachable", the most specific entry deciding), plus:
/// - 224.0.0.0/4 and ff00::/8 multicast (RFC 5771, RFC 4291 section 2.7);
/// - IPv6 outside 2000::/3 (RFC 4291 section 2.4: not global unicast), except 64:ff9b::/96;
/// - 64:ff9b::/96 (RFC 6052) and 2002::/16 6to4 (RFC 3056) by the IPv4 address they embed;
/// - Teredo 2001::/32 (RFC 4380) and 192.88.99.0/24 (RFC 7526, deprecated) refused.
/// Documentation ranges (RFC 5737, RFC 3849, RFC 9637) are not globally reachable either.
std::optional<SpecialPurpose> special_purpose(const model::IpAddress& address);

}  // namespace peerapi::net
