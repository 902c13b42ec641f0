#include "net/address_policy.hpp"

#include <gtest/gtest.h>

#include <string>

namespace peerapi::net {
namespace {

struct Row {
  const char* address;
  const char* name;  // "" for globally reachable
};

// One row per registry entry or rule (shared/reference/iana/ipv4-special.csv, ipv6-special.csv).
constexpr Row kRows[] = {
    {"10.1.2.3", "Private-Use"},
    {"172.16.0.1", "Private-Use"},
    {"172.31.255.255", "Private-Use"},
    {"172.32.0.1", ""},
    {"192.168.1.1", "Private-Use"},
    {"100.64.0.1", "Shared Address Space"},
    {"100.127.255.255", "Shared Address Space"},
    {"100.128.0.1", ""},
    {"127.0.0.1", "Loopback"},
    {"127.255.255.254", "Loopback"},
    {"169.254.169.254", "Link Local"},
    {"0.0.0.0", "This network"},
    {"0.1.2.3", "This network"},
    {"224.0.0.1", "Multicast"},
    {"239.255.255.250", "Multicast"},
    {"240.0.0.1", "Reserved"},
    {"255.255.255.255", "Limited Broadcast"},
    {"192.0.0.8", "IETF Protocol Assignments"},
    {"192.0.0.9", ""},
    {"192.0.0.10", ""},
    {"192.0.2.1", "Documentation (TEST-NET-1)"},
    {"198.51.100.7", "Documentation (TEST-NET-2)"},
    {"203.0.113.9", "Documentation (TEST-NET-3)"},
    {"198.18.0.1", "Benchmarking"},
    {"198.19.255.255", "Benchmarking"},
    {"198.20.0.1", ""},
    {"192.88.99.1", "Deprecated (6to4 Relay Anycast)"},
    {"193.0.14.129", ""},
    {"::1", "Loopback Address"},
    {"::", "Unspecified Address"},
    {"::ffff:127.0.0.1", "IPv4-mapped Address"},
    {"::ffff:193.0.14.129", "IPv4-mapped Address"},
    {"::a00:1", "Outside the global unicast space 2000::/3"},
    {"fe80::1", "Link-Local Unicast"},
    {"fc00::1", "Unique-Local"},
    {"fd12:3456::1", "Unique-Local"},
    {"fec0::1", "Outside the global unicast space 2000::/3"},
    {"ff02::1", "Multicast"},
    {"100::1", "Discard-Only Address Block"},
    {"64:ff9b:1::1", "Local-Use IPv4-IPv6 Translation"},
    {"64:ff9b::a00:1", "IPv4-IPv6 Translation embedding 10.0.0.1 (Private-Use)"},
    {"64:ff9b::7f00:1", "IPv4-IPv6 Translation embedding 127.0.0.1 (Loopback)"},
    {"64:ff9b::c100:e81", ""},
    {"2002:c0a8:101::1", "6to4 embedding 192.168.1.1 (Private-Use)"},
    {"2002:c100:e81::1", ""},
    {"2001::1", "TEREDO"},
    {"2001:2::1", "Benchmarking"},
    {"2001:10::1", "IETF Protocol Assignments"},
    {"2001:20::1", ""},
    {"2001:1::1", ""},
    {"2001:4:112::1", ""},
    {"2001:db8::1", "Documentation"},
    {"3fff::1", "Documentation"},
    {"5f00::1", "Segment Routing (SRv6) SIDs"},
    {"2001:7fd::1", ""},
    {"2a00:1450::1", ""},
};

TEST(AddressPolicy, FollowsTheSpecialPurposeRegistries) {
  for (const Row& row : kRows) {
    SCOPED_TRACE(row.address);
    const auto address = model::IpAddress::parse(row.address).value();
    const auto special = special_purpose(address);
    if (std::string(row.name).empty()) {
      EXPECT_FALSE(special.has_value()) << special->name;
    } else {
      ASSERT_TRUE(special.has_value());
      EXPECT_EQ(special->name, row.name);
      EXPECT_FALSE(special->reference.empty());
    }
  }
}

TEST(AddressPolicy, NamesTheRfcOfEachRange) {
  EXPECT_EQ(special_purpose(model::IpAddress::parse("10.0.0.1").value())->reference, "RFC 1918");
  EXPECT_EQ(special_purpose(model::IpAddress::parse("100.64.0.1").value())->reference, "RFC 6598");
  EXPECT_EQ(special_purpose(model::IpAddress::parse("fc00::1").value())->reference, "RFC 4193");
  EXPECT_EQ(special_purpose(model::IpAddress::parse("64:ff9b::a00:1").value())->reference,
            "RFC 6052, RFC 1918");
}

}  // namespace
}  // namespace peerapi::net
