// Bogon prefixes for eBGP import filters, derived from the IANA registries as RFC 7454 (BCP 194)
// section 6.1 asks:
//   - 6.1.1.1 / 6.1.1.2: special-purpose blocks that are not globally reachable are not accepted
//     from peers. RFC 8190 section 2 renamed the registry column "Global" to "Globally
//     Reachable" and allowed "N/A"; its "Forwardable" column is honoured as well.
//   - 6.1.2.1: IPv6 prefixes are accepted only inside IANA's allocations to the RIRs
//     (IPv4 needs no such filter: IANA has allocated all of it).
//   - 6.1.6.1 / 6.1.6.2: the default route, exact match only.
// Plus multicast (RFC 5771, RFC 4291 section 2.7), which no unicast peering carries.
//
// Which special-purpose rows are bogons (deliberate choices, documented in data/iana/README.md):
//   - Globally Reachable False, or Forwardable False: bogon (RFC 7454 6.1.1).
//   - Globally Reachable N/A (TEREDO 2001::/32, 6to4 2002::/16): bogon; neither is routed as a
//     prefix in the DFZ, and RFC 8190 gives them N/A precisely because reachability depends on
//     the embedded address.
//   - terminated rows (Termination Date set: 192.88.99.0/24, 2001:10::/28): bogon.
//   - Globally Reachable True: not a bogon, and it overrides a less specific bogon entry or the
//     IPv6 allocation rule around it (IANA footnotes "not usable unless by virtue of a more
//     specific reservation"); those overriding rows are listed in `v4_permit` / `v6_permit`.
//     A built-in entry (default route, multicast) of the very same prefix is not overridden.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/ip.hpp"
#include "sources/iana/registry.hpp"

namespace peerapi::sources::iana {

enum class BogonMatch : std::uint8_t {
  or_longer,  // the prefix and every more specific prefix
  exact,      // only the prefix itself (the default route)
};

struct BogonEntry {
  model::Prefix prefix;
  BogonMatch match = BogonMatch::or_longer;
  /// For people and generated config comments, e.g.
  /// "Private-Use [RFC1918]: Globally Reachable is False".
  std::string reason;
  /// The rule that makes it a bogon (or a permit), e.g. "RFC 7454 section 6.1.1.1".
  std::string rfc_section;
};

/// Why a prefix is a bogon.
struct BogonVerdict {
  std::string reason;
  std::string rfc_section;
  /// The entry that matched, or nullopt for "not inside an IANA allocation to an RIR".
  std::optional<model::Prefix> entry;
};

/// The derived sets. Every list is sorted by prefix (address, then length) and has no
/// duplicates, so a renderer prints them deterministically. A renderer emits the permits before
/// the bogon entries (longest match: a permit is more specific than the entry it overrides), and
/// for IPv6 rejects whatever is not inside `v6_allocated`.
struct BogonSet {
  std::vector<BogonEntry> v4;
  std::vector<BogonEntry> v6;
  /// Globally reachable special-purpose blocks inside a bogon entry (or, for IPv6, outside the
  /// allocated space): not bogons.
  std::vector<BogonEntry> v4_permit;
  std::vector<BogonEntry> v6_permit;
  /// IANA's IPv6 allocations to RIRs (RFC 7454 section 6.1.2.1).
  std::vector<model::Prefix> v6_allocated;

  /// Why `prefix` is a bogon, or nullopt when it is not one. Decided by the most specific match:
  /// an exact entry equal to it; else the longest bogon or permit entry covering it (a permit
  /// wins over a shorter bogon entry and ends the check); else, for IPv6, a prefix not covered
  /// by any `v6_allocated` block.
  [[nodiscard]] std::optional<BogonVerdict> check(const model::Prefix& prefix) const;
  [[nodiscard]] bool is_bogon(const model::Prefix& prefix) const {
    return check(prefix).has_value();
  }
};

/// Derives the sets from the registries (rules in the file comment). Pure and deterministic.
BogonSet derive_bogons(const Registries& registries);

/// True when `outer` covers `inner`: same family, outer.length() <= inner.length(), and the
/// first outer.length() bits equal.
bool covers(const model::Prefix& outer, const model::Prefix& inner) noexcept;

}  // namespace peerapi::sources::iana
