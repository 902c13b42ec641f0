#include "sources/iana/bogons.hpp"

#include <algorithm>
#include <utility>

namespace peerapi::sources::iana {

namespace {

constexpr std::string_view kSection4 = "RFC 7454 section 6.1.1.1";
constexpr std::string_view kSection6 = "RFC 7454 section 6.1.1.2";
constexpr std::string_view kSectionAllocated = "RFC 7454 section 6.1.2.1";

model::Prefix must_parse(std::string_view text) {
  auto prefix = model::Prefix::parse(text);
  // Compile-time constants of this file; a failure is a programming error.
  if (!prefix)
    __builtin_trap();
  return *prefix;
}

/// The built-in entries that are not in the special-purpose registries.
std::vector<BogonEntry> builtin_entries(model::IpFamily family) {
  if (family == model::IpFamily::v4) {
    return {
        {must_parse("0.0.0.0/0"), BogonMatch::exact, "default route", "RFC 7454 section 6.1.6.1"},
        {must_parse("224.0.0.0/4"), BogonMatch::or_longer,
         "Multicast (IPv4 Multicast Address Space registry): not unicast", "RFC 5771 section 3"},
    };
  }
  return {
      {must_parse("::/0"), BogonMatch::exact, "default route", "RFC 7454 section 6.1.6.2"},
      {must_parse("ff00::/8"), BogonMatch::or_longer, "Multicast: not unicast",
       "RFC 4291 section 2.7"},
  };
}

std::string describe_row(const SpecialPurposeEntry& row) {
  return row.rfc.empty() ? row.name : row.name + " " + row.rfc;
}

/// Why a special-purpose row is a bogon, or nullopt when it is globally reachable.
std::optional<std::string> bogon_reason(const SpecialPurposeEntry& row) {
  if (row.termination_date)
    return describe_row(row) + ": terminated " + *row.termination_date;
  if (row.globally_reachable == Flag::no)
    return describe_row(row) + ": Globally Reachable is False";
  if (row.forwardable == Flag::no)
    return describe_row(row) + ": Forwardable is False";
  if (row.globally_reachable == Flag::not_applicable)
    return describe_row(row) + ": Globally Reachable is N/A (RFC 8190)";
  if (row.globally_reachable == Flag::blank)
    return describe_row(row) + ": Globally Reachable is not given";
  return std::nullopt;
}

void sort_unique(std::vector<BogonEntry>& entries) {
  std::stable_sort(entries.begin(), entries.end(), [](const BogonEntry& a, const BogonEntry& b) {
    return std::pair(a.prefix, a.match) < std::pair(b.prefix, b.match);
  });
  entries.erase(std::unique(entries.begin(), entries.end(),
                            [](const BogonEntry& a, const BogonEntry& b) {
                              return a.prefix == b.prefix && a.match == b.match;
                            }),
                entries.end());
}

bool inside_any(const std::vector<model::Prefix>& blocks, const model::Prefix& prefix) {
  return std::any_of(blocks.begin(), blocks.end(),
                     [&](const model::Prefix& block) { return covers(block, prefix); });
}

/// The longest or-longer entry of `entries` covering `prefix`, or nullptr.
const BogonEntry* longest_covering(const std::vector<BogonEntry>& entries,
                                   const model::Prefix& prefix) {
  const BogonEntry* best = nullptr;
  for (const BogonEntry& entry : entries) {
    if (entry.match == BogonMatch::or_longer && covers(entry.prefix, prefix) &&
        (best == nullptr || entry.prefix.length() > best->prefix.length()))
      best = &entry;
  }
  return best;
}

void derive_family(const std::vector<SpecialPurposeEntry>& rows, model::IpFamily family,
                   const std::vector<model::Prefix>* allocated, std::vector<BogonEntry>& bogons,
                   std::vector<BogonEntry>& permits) {
  const std::string section(family == model::IpFamily::v4 ? kSection4 : kSection6);
  bogons = builtin_entries(family);
  for (const SpecialPurposeEntry& row : rows) {
    if (auto reason = bogon_reason(row))
      bogons.push_back({row.prefix, BogonMatch::or_longer, std::move(*reason), section});
  }
  sort_unique(bogons);
  for (const SpecialPurposeEntry& row : rows) {
    if (bogon_reason(row))
      continue;
    // A bogon entry of the same prefix (a built-in one) is not overridden.
    const bool same_as_bogon =
        std::any_of(bogons.begin(), bogons.end(),
                    [&](const BogonEntry& entry) { return entry.prefix == row.prefix; });
    const bool inside_bogon = longest_covering(bogons, row.prefix) != nullptr;
    const bool outside_allocated = allocated != nullptr && !inside_any(*allocated, row.prefix);
    if (!same_as_bogon && (inside_bogon || outside_allocated)) {
      permits.push_back({row.prefix, BogonMatch::or_longer,
                         describe_row(row) + ": Globally Reachable is True", section});
    }
  }
  sort_unique(permits);
}

}  // namespace

bool covers(const model::Prefix& outer, const model::Prefix& inner) noexcept {
  if (outer.family() != inner.family() || outer.length() > inner.length())
    return false;
  const auto& a = outer.network().bytes();
  const auto& b = inner.network().bytes();
  const int length = outer.length();
  const int whole = length / 8;
  for (int i = 0; i < whole; ++i) {
    if (a[static_cast<std::size_t>(i)] != b[static_cast<std::size_t>(i)])
      return false;
  }
  const int rest = length % 8;
  if (rest == 0)
    return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a[static_cast<std::size_t>(whole)] & mask) == (b[static_cast<std::size_t>(whole)] & mask);
}

BogonSet derive_bogons(const Registries& registries) {
  BogonSet set;
  for (const UnicastAssignment& row : registries.ipv6_unicast) {
    if (row.allocated_to_rir())
      set.v6_allocated.push_back(row.prefix);
  }
  std::sort(set.v6_allocated.begin(), set.v6_allocated.end());
  set.v6_allocated.erase(std::unique(set.v6_allocated.begin(), set.v6_allocated.end()),
                         set.v6_allocated.end());
  derive_family(registries.ipv4_special, model::IpFamily::v4, nullptr, set.v4, set.v4_permit);
  derive_family(registries.ipv6_special, model::IpFamily::v6, &set.v6_allocated, set.v6,
                set.v6_permit);
  return set;
}

std::optional<BogonVerdict> BogonSet::check(const model::Prefix& prefix) const {
  const bool v4_prefix = prefix.family() == model::IpFamily::v4;
  const std::vector<BogonEntry>& bogons = v4_prefix ? v4 : v6;
  const std::vector<BogonEntry>& permits = v4_prefix ? v4_permit : v6_permit;
  for (const BogonEntry& entry : bogons) {
    if (entry.match == BogonMatch::exact && entry.prefix == prefix)
      return BogonVerdict{entry.reason, entry.rfc_section, entry.prefix};
  }
  const BogonEntry* bogon = longest_covering(bogons, prefix);
  const BogonEntry* permit = longest_covering(permits, prefix);
  if (permit != nullptr && (bogon == nullptr || permit->prefix.length() > bogon->prefix.length()))
    return std::nullopt;
  if (bogon != nullptr)
    return BogonVerdict{bogon->reason, bogon->rfc_section, bogon->prefix};
  if (!v4_prefix && !inside_any(v6_allocated, prefix)) {
    return BogonVerdict{"not inside an IANA allocation to an RIR", std::string(kSectionAllocated),
                        std::nullopt};
  }
  return std::nullopt;
}

}  // namespace peerapi::sources::iana
