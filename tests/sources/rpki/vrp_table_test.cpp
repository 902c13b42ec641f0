// VrpTable: RFC 6811 section 2 route origin validation on hand-made VRPs (one case per row), the
// AS0 rule of RFC 6483 section 4, and a randomized comparison against a brute-force reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "sources/rpki/vrp.hpp"
#include "sources/rpki/vrp_table.hpp"

namespace peerapi::sources::rpki {
namespace {

model::Prefix prefix(const std::string& text) {
  auto parsed = model::Prefix::parse(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return *parsed;
}

model::Asn asn(std::uint32_t value) {
  return *model::Asn::from_number(value);
}

Vrp vrp(const std::string& text, int max_length, std::uint32_t origin) {
  auto made = Vrp::make(prefix(text), max_length, origin);
  EXPECT_TRUE(made.has_value()) << text << " " << max_length;
  return *made;
}

std::vector<Vrp> example_vrps() {
  return {
      vrp("203.0.113.0/24", 24, 64496),   vrp("203.0.113.0/24", 26, 64497),
      vrp("203.0.113.128/25", 25, 64498), vrp("192.0.2.0/24", 24, 0),
      vrp("2001:db8::/32", 48, 64499),    vrp("2001:db8:1::/48", 48, 64500),
      vrp("198.51.100.0/24", 32, 64501),
  };
}

struct Case {
  const char* route;
  std::uint32_t origin;
  RovState expected;
};

TEST(VrpTable, ValidatesPerRfc6811) {
  const auto table = VrpTable::build(example_vrps());
  const Case cases[] = {
      {"203.0.113.0/24", 64496, RovState::valid},      // exact match
      {"203.0.113.0/24", 64497, RovState::valid},      // second VRP on the same prefix
      {"203.0.113.0/24", 64510, RovState::invalid},    // covered, no VRP for the origin
      {"203.0.113.0/25", 64496, RovState::invalid},    // 64496's VRP allows /24 only
      {"203.0.113.0/25", 64497, RovState::valid},      // within maxLength 26
      {"203.0.113.0/26", 64497, RovState::valid},      // at maxLength
      {"203.0.113.0/27", 64497, RovState::invalid},    // longer than maxLength
      {"203.0.113.128/25", 64498, RovState::valid},    // the more specific VRP
      {"203.0.113.128/25", 64497, RovState::valid},    // the less specific VRP also covers it
      {"203.0.113.192/26", 64498, RovState::invalid},  // 64498 allows /25 only
      {"203.0.112.0/23", 64496, RovState::not_found},  // less specific than every VRP
      {"203.0.0.0/16", 64496, RovState::not_found},
      {"0.0.0.0/0", 64496, RovState::not_found},
      {"192.0.2.0/24", 64496, RovState::invalid},  // AS0 covers, never matches
      {"192.0.2.128/25", 64496, RovState::invalid},
      {"192.0.3.0/24", 64496, RovState::not_found},  // the next /24
      {"198.51.100.7/32", 64501, RovState::valid},
      {"198.51.100.7/32", 64502, RovState::invalid},
      {"2001:db8::/32", 64499, RovState::valid},
      {"2001:db8:1::/48", 64499, RovState::valid},  // 2001:db8::/32-48 covers it
      {"2001:db8:1::/48", 64500, RovState::valid},
      {"2001:db8:1::/49", 64500, RovState::invalid},  // beyond both maxLengths
      {"2001:db8:2::/48", 64500, RovState::invalid},  // only the /32 covers it
      {"2001:db8::/31", 64499, RovState::not_found},
      {"2001:db9::/32", 64499, RovState::not_found},
      {"::/0", 64499, RovState::not_found},
      {"::ffff:203.0.113.0/120", 64496, RovState::not_found},  // families never mix
  };
  for (const auto& c : cases) {
    EXPECT_EQ(to_string(table->validate(prefix(c.route), asn(c.origin))), to_string(c.expected))
        << c.route << " AS" << c.origin;
  }
}

TEST(VrpTable, DefaultRouteVrpAndAddressSpaceEdges) {
  const auto table =
      VrpTable::build({vrp("0.0.0.0/0", 32, 64510), vrp("255.255.255.255/32", 32, 64511),
                       vrp("::/0", 0, 64510), vrp("ffff::/16", 128, 64511)});
  EXPECT_EQ(table->validate(prefix("192.0.2.0/24"), asn(64510)), RovState::valid);
  EXPECT_EQ(table->validate(prefix("192.0.2.0/24"), asn(64511)), RovState::invalid);
  EXPECT_EQ(table->validate(prefix("255.255.255.255/32"), asn(64511)), RovState::valid);
  EXPECT_EQ(table->validate(prefix("255.255.255.254/32"), asn(64511)), RovState::invalid);
  EXPECT_EQ(table->validate(prefix("::/0"), asn(64510)), RovState::valid);
  EXPECT_EQ(table->validate(prefix("2001:db8::/32"), asn(64510)), RovState::invalid);
  EXPECT_EQ(table->validate(prefix("ffff:ffff::/32"), asn(64511)), RovState::valid);
}

TEST(VrpTable, EmptyTableFindsNothing) {
  const auto table = VrpTable::empty();
  EXPECT_EQ(table->size(), 0u);
  EXPECT_EQ(table->validate(prefix("192.0.2.0/24"), asn(64496)), RovState::not_found);
  EXPECT_EQ(table->validate(prefix("2001:db8::/32"), asn(64496)), RovState::not_found);
  EXPECT_TRUE(table->covering(prefix("192.0.2.0/24")).empty());
}

TEST(VrpTable, RemovesDuplicatesAndCountsPerFamily) {
  auto vrps = example_vrps();
  vrps.push_back(vrp("203.0.113.0/24", 24, 64496));  // duplicate
  vrps.push_back(vrp("2001:db8::/32", 48, 64499));   // duplicate
  vrps.push_back(vrp("2001:db8::/32", 40, 64499));   // differs in maxLength: kept
  const auto table = VrpTable::build(vrps);
  EXPECT_EQ(table->size(), 8u);
  EXPECT_EQ(table->ipv4_count(), 5u);
  EXPECT_EQ(table->ipv6_count(), 3u);
  EXPECT_EQ(table->ipv4_prefix_count(), 4u);  // 203.0.113.0/24 holds two VRPs
  EXPECT_EQ(table->ipv6_prefix_count(), 2u);
  EXPECT_GT(table->memory_bytes(), 0u);
}

TEST(VrpTable, DropsHandMadeInvalidVrps) {
  Vrp bad{prefix("192.0.2.0/24"), 23, 64496};  // maxLength below the prefix length
  EXPECT_FALSE(bad.valid());
  const auto table = VrpTable::build({bad, vrp("198.51.100.0/24", 24, 64496)});
  EXPECT_EQ(table->size(), 1u);
  EXPECT_EQ(table->validate(prefix("192.0.2.0/24"), asn(64496)), RovState::not_found);
}

TEST(VrpTable, ListsVrpsSortedAndCoveringMostSpecificFirst) {
  const auto table = VrpTable::build(example_vrps());
  const auto all = table->vrps();
  ASSERT_EQ(all.size(), 7u);
  EXPECT_EQ(all.front().prefix.to_string(), "192.0.2.0/24");
  EXPECT_EQ(all.front().asn, 0u);
  EXPECT_EQ(all.back().prefix.to_string(), "2001:db8:1::/48");

  const auto covers = table->covering(prefix("203.0.113.130/32"));
  ASSERT_EQ(covers.size(), 3u);
  EXPECT_EQ(covers[0].prefix.to_string(), "203.0.113.128/25");
  EXPECT_EQ(covers[1].prefix.to_string(), "203.0.113.0/24");
  EXPECT_EQ(covers[1].asn, 64496u);
  EXPECT_EQ(covers[2].asn, 64497u);
  EXPECT_EQ(covers[2].max_length, 26);
}

TEST(Vrp, MakeChecksMaxLength) {
  struct Row {
    const char* prefix;
    int max_length;
    bool ok;
  };
  const Row rows[] = {
      {"192.0.2.0/24", 24, true},   {"192.0.2.0/24", 32, true},   {"192.0.2.0/24", 23, false},
      {"192.0.2.0/24", 33, false},  {"2001:db8::/32", 128, true}, {"2001:db8::/32", 129, false},
      {"2001:db8::/32", 31, false}, {"0.0.0.0/0", 0, true},       {"192.0.2.0/24", -1, false},
  };
  for (const auto& row : rows) {
    const auto made = Vrp::make(prefix(row.prefix), row.max_length, 64496, "roas[0].maxLength");
    EXPECT_EQ(made.has_value(), row.ok) << row.prefix << " " << row.max_length;
    if (!made) {
      EXPECT_EQ(made.error().code, ErrorCode::out_of_range);
      EXPECT_EQ(made.error().field, "roas[0].maxLength");
    }
  }
}

TEST(Vrp, MakeRecordChecksWireFields) {
  struct Row {
    model::IpFamily family;
    std::vector<std::uint8_t> address;
    int length;
    int max_length;
    ErrorCode code;  // internal means "accepted"
    const char* field;
  };
  const std::vector<std::uint8_t> v4{192, 0, 2, 0};
  const std::vector<std::uint8_t> v6{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  const Row rows[] = {
      {model::IpFamily::v4, v4, 24, 24, ErrorCode::internal, ""},
      {model::IpFamily::v4, v4, 33, 33, ErrorCode::out_of_range, "pdu.prefix_length"},
      {model::IpFamily::v4, v4, 24, 33, ErrorCode::out_of_range, "pdu.max_length"},
      {model::IpFamily::v4, v4, 24, 20, ErrorCode::out_of_range, "pdu.max_length"},
      {model::IpFamily::v4, v4, 16, 24, ErrorCode::invalid_value, "pdu.prefix"},
      {model::IpFamily::v6, v6, 32, 48, ErrorCode::internal, ""},
      {model::IpFamily::v6, v6, 129, 129, ErrorCode::out_of_range, "pdu.prefix_length"},
      {model::IpFamily::v6, v6, 16, 48, ErrorCode::invalid_value, "pdu.prefix"},
  };
  for (const auto& row : rows) {
    const auto made =
        make_record(row.family, row.address.data(), row.length, row.max_length, 64496, "pdu");
    if (row.code == ErrorCode::internal) {
      ASSERT_TRUE(made.has_value()) << made.error().message;
      EXPECT_EQ(to_record(to_vrp(*made)), *made);
    } else {
      ASSERT_FALSE(made.has_value()) << row.length << "-" << row.max_length;
      EXPECT_EQ(made.error().code, row.code);
      EXPECT_EQ(made.error().field, row.field);
    }
  }
}

TEST(Vrp, StateNames) {
  EXPECT_EQ(to_string(RovState::valid), "valid");
  EXPECT_EQ(to_string(RovState::invalid), "invalid");
  EXPECT_EQ(to_string(RovState::not_found), "not-found");
}

/// RFC 6811 section 2, written directly: the reference the index is checked against.
RovState brute_force(const std::vector<VrpRecord>& vrps, const model::Prefix& route,
                     std::uint32_t origin) {
  bool covered = false;
  const auto& bytes = route.network().bytes();
  for (const auto& v : vrps) {
    if (v.family != route.family() || v.prefix_length > route.length())
      continue;
    bool inside = true;
    for (int bit = 0; bit < v.prefix_length && inside; ++bit) {
      const auto index = static_cast<std::size_t>(bit / 8);
      const int mask = 0x80 >> (bit % 8);
      inside = (bytes[index] & mask) == (v.address[index] & mask);
    }
    if (!inside)
      continue;
    covered = true;
    if (v.asn != 0 && v.asn == origin && v.max_length >= route.length())
      return RovState::valid;
  }
  return covered ? RovState::invalid : RovState::not_found;
}

/// A random prefix inside a few clustered regions, so that VRPs nest and routes hit them.
VrpRecord random_record(std::mt19937_64& rng, model::IpFamily family, int extra_length,
                        int clusters) {
  VrpRecord r;
  r.family = family;
  const int bits = family == model::IpFamily::v4 ? 32 : 128;
  const int bytes = bits / 8;
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> cluster(0, clusters - 1);
  for (int i = 0; i < bytes; ++i)
    r.address[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(byte(rng));
  // Fix the leading bits to one of `clusters` regions (routes use more regions than VRPs).
  const int c = cluster(rng);
  r.address[0] = family == model::IpFamily::v4 ? static_cast<std::uint8_t>(192 + c) : 0x20;
  if (family == model::IpFamily::v6)
    r.address[1] = static_cast<std::uint8_t>(c);
  const int min_length = family == model::IpFamily::v4 ? 12 : 20;
  const int max_length = (family == model::IpFamily::v4 ? 24 : 48) + extra_length;
  r.prefix_length =
      static_cast<std::uint8_t>(std::uniform_int_distribution<int>(min_length, max_length)(rng));
  for (int bit = r.prefix_length; bit < bits; ++bit)
    r.address[static_cast<std::size_t>(bit / 8)] &= static_cast<std::uint8_t>(~(0x80 >> (bit % 8)));
  r.max_length = static_cast<std::uint8_t>(std::uniform_int_distribution<int>(
      r.prefix_length, std::min(bits, r.prefix_length + 4))(rng));
  r.asn =
      static_cast<std::uint32_t>(std::uniform_int_distribution<int>(0, 6)(rng));  // AS0 included
  if (r.asn != 0)
    r.asn += 64495;
  return r;
}

TEST(VrpTable, MatchesBruteForceOnRandomData) {
  std::mt19937_64 rng(20261123);
  for (const auto family : {model::IpFamily::v4, model::IpFamily::v6}) {
    std::vector<VrpRecord> vrps;
    for (int i = 0; i < 3000; ++i)
      vrps.push_back(random_record(rng, family, 0, 4));
    const auto table = VrpTable::build(vrps);
    int counts[3] = {0, 0, 0};
    for (int i = 0; i < 20000; ++i) {
      const VrpRecord route = random_record(rng, family, 6, 6);  // often longer than the VRPs
      const auto route_prefix = to_vrp(route).prefix;
      const auto origin = asn(64496 + static_cast<std::uint32_t>(i % 6));
      const auto expected = brute_force(vrps, route_prefix, origin.value());
      ASSERT_EQ(table->validate(route_prefix, origin), expected)
          << route_prefix.to_string() << " AS" << origin.value();
      ++counts[static_cast<int>(expected)];
    }
    // The data exercises all three outcomes.
    EXPECT_GT(counts[0], 500);
    EXPECT_GT(counts[1], 500);
    EXPECT_GT(counts[2], 500);
  }
}

}  // namespace
}  // namespace peerapi::sources::rpki
