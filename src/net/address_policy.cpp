#include "net/address_policy.hpp"

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace peerapi::net {

namespace {

struct Row {
  std::string_view prefix;
  std::string_view name;
  std::string_view reference;
  bool globally_reachable;
};

// IANA IPv4 Special-Purpose Address Registry (shared/reference/iana/ipv4-special.csv), plus
// multicast (RFC 5771). The most specific matching row decides.
constexpr std::array kIpv4Rows{
    Row{"0.0.0.0/8", "This network", "RFC 791 section 3.2", false},
    Row{"10.0.0.0/8", "Private-Use", "RFC 1918", false},
    Row{"100.64.0.0/10", "Shared Address Space", "RFC 6598", false},
    Row{"127.0.0.0/8", "Loopback", "RFC 1122 section 3.2.1.3", false},
    Row{"169.254.0.0/16", "Link Local", "RFC 3927", false},
    Row{"172.16.0.0/12", "Private-Use", "RFC 1918", false},
    Row{"192.0.0.0/24", "IETF Protocol Assignments", "RFC 6890 section 2.1", false},
    Row{"192.0.0.9/32", "Port Control Protocol Anycast", "RFC 7723", true},
    Row{"192.0.0.10/32", "Traversal Using Relays around NAT Anycast", "RFC 8155", true},
    Row{"192.0.2.0/24", "Documentation (TEST-NET-1)", "RFC 5737", false},
    Row{"192.88.99.0/24", "Deprecated (6to4 Relay Anycast)", "RFC 7526", false},
    Row{"192.168.0.0/16", "Private-Use", "RFC 1918", false},
    Row{"198.18.0.0/15", "Benchmarking", "RFC 2544", false},
    Row{"198.51.100.0/24", "Documentation (TEST-NET-2)", "RFC 5737", false},
    Row{"203.0.113.0/24", "Documentation (TEST-NET-3)", "RFC 5737", false},
    Row{"224.0.0.0/4", "Multicast", "RFC 5771", false},
    Row{"240.0.0.0/4", "Reserved", "RFC 1112 section 4", false},
    Row{"255.255.255.255/32", "Limited Broadcast", "RFC 919 section 7", false},
};

// IANA IPv6 Special-Purpose Address Registry (shared/reference/iana/ipv6-special.csv), plus
// multicast. Rows outside 2000::/3 name the reason more precisely than the catch-all below.
constexpr std::array kIpv6Rows{
    Row{"::/128", "Unspecified Address", "RFC 4291 section 2.5.2", false},
    Row{"::1/128", "Loopback Address", "RFC 4291 section 2.5.3", false},
    Row{"::ffff:0:0/96", "IPv4-mapped Address", "RFC 4291 section 2.5.5.2", false},
    Row{"64:ff9b::/96", "IPv4-IPv6 Translation", "RFC 6052", true},
    Row{"64:ff9b:1::/48", "Local-Use IPv4-IPv6 Translation", "RFC 8215", false},
    Row{"100::/64", "Discard-Only Address Block", "RFC 6666", false},
    Row{"2001::/23", "IETF Protocol Assignments", "RFC 2928", false},
    Row{"2001::/32", "TEREDO", "RFC 4380", false},
    Row{"2001:1::1/128", "Port Control Protocol Anycast", "RFC 7723", true},
    Row{"2001:1::2/128", "Traversal Using Relays around NAT Anycast", "RFC 8155", true},
    Row{"2001:1::3/128", "DNS-SD Service Registration Protocol Anycast", "RFC 9665", true},
    Row{"2001:2::/48", "Benchmarking", "RFC 5180", false},
    Row{"2001:3::/32", "AMT", "RFC 7450", true},
    Row{"2001:4:112::/48", "AS112-v6", "RFC 7535", true},
    Row{"2001:20::/28", "ORCHIDv2", "RFC 7343", true},
    Row{"2001:30::/28", "Drone Remote ID Protocol Entity Tags", "RFC 9374", true},
    Row{"2001:db8::/32", "Documentation", "RFC 3849", false},
    Row{"2002::/16", "6to4", "RFC 3056", true},
    Row{"3fff::/20", "Documentation", "RFC 9637", false},
    Row{"5f00::/16", "Segment Routing (SRv6) SIDs", "RFC 9602", false},
    Row{"fc00::/7", "Unique-Local", "RFC 4193", false},
    Row{"fe80::/10", "Link-Local Unicast", "RFC 4291 section 2.5.6", false},
    Row{"ff00::/8", "Multicast", "RFC 4291 section 2.7", false},
};

struct Entry {
  model::Prefix prefix;
  const Row* row;
};

template <std::size_t N>
std::vector<Entry> build(const std::array<Row, N>& rows) {
  std::vector<Entry> out;
  out.reserve(N);
  for (const Row& row : rows)
    out.push_back(Entry{model::Prefix::parse(row.prefix).value(), &row});
  return out;
}

const Row* most_specific(const std::vector<Entry>& entries, const model::IpAddress& address) {
  const Entry* best = nullptr;
  for (const Entry& entry : entries) {
    if (entry.prefix.contains(address) &&
        (best == nullptr || entry.prefix.length() > best->prefix.length()))
      best = &entry;
  }
  return best == nullptr ? nullptr : best->row;
}

SpecialPurpose from_row(const Row& row) {
  return SpecialPurpose{std::string(row.name), std::string(row.reference)};
}

model::IpAddress embedded_v4(const model::IpAddress& address, std::size_t offset) {
  const auto& b = address.bytes();
  return model::IpAddress::v4((std::uint32_t{b[offset]} << 24) |
                              (std::uint32_t{b[offset + 1]} << 16) |
                              (std::uint32_t{b[offset + 2]} << 8) | std::uint32_t{b[offset + 3]});
}

std::optional<SpecialPurpose> classify_v4(const model::IpAddress& address) {
  static const std::vector<Entry> entries = build(kIpv4Rows);
  const Row* row = most_specific(entries, address);
  if (row == nullptr || row->globally_reachable)
    return std::nullopt;
  return from_row(*row);
}

// An IPv6 address that embeds an IPv4 address reaches that IPv4 address through a translator or
// relay, so the IPv4 address decides.
std::optional<SpecialPurpose> through_embedded(const Row& row, const model::IpAddress& v4) {
  auto inner = classify_v4(v4);
  if (!inner)
    return std::nullopt;
  return SpecialPurpose{
      std::string(row.name) + " embedding " + v4.to_string() + " (" + inner->name + ")",
      std::string(row.reference) + ", " + inner->reference};
}

}  // namespace

std::optional<SpecialPurpose> special_purpose(const model::IpAddress& address) {
  if (address.is_v4())
    return classify_v4(address);

  static const std::vector<Entry> entries = build(kIpv6Rows);
  const Row* row = most_specific(entries, address);
  if (row != nullptr) {
    if (!row->globally_reachable)
      return from_row(*row);
    if (row->prefix == "64:ff9b::/96")
      return through_embedded(*row, embedded_v4(address, 12));
    if (row->prefix == "2002::/16")
      return through_embedded(*row, embedded_v4(address, 2));
    return std::nullopt;
  }
  if ((address.bytes()[0] & 0xe0) != 0x20)
    return SpecialPurpose{"Outside the global unicast space 2000::/3", "RFC 4291 section 2.4"};
  return std::nullopt;
}

}  // namespace peerapi::net
