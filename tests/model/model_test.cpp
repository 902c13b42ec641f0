#include <gtest/gtest.h>

#include "model/asn.hpp"
#include "model/bgp_role.hpp"
#include "model/ip.hpp"
#include "model/location.hpp"
#include "model/session.hpp"
#include "model/uuid.hpp"

namespace peerapi::model {
namespace {

struct AsnCase {
  std::int64_t value;
  bool ok;
  ErrorCode code;
};

class AsnRangeTest : public ::testing::TestWithParam<AsnCase> {};

TEST_P(AsnRangeTest, AcceptsHoldableAndRejectsReserved) {
  const auto& c = GetParam();
  auto asn = Asn::from_number(c.value, "local_asn");
  EXPECT_EQ(asn.has_value(), c.ok) << c.value;
  if (!c.ok) {
    EXPECT_EQ(asn.error().code, c.code) << c.value;
    EXPECT_EQ(asn.error().field, "local_asn");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Registry, AsnRangeTest,
    ::testing::Values(AsnCase{1, true, {}}, AsnCase{0, false, ErrorCode::reserved_asn},
                      AsnCase{-1, false, ErrorCode::invalid_asn},
                      AsnCase{23456, false, ErrorCode::reserved_asn}, AsnCase{64197, true, {}},
                      AsnCase{64198, false, ErrorCode::reserved_asn},
                      AsnCase{64495, false, ErrorCode::reserved_asn},
                      AsnCase{64496, true, {}},                            // documentation
                      AsnCase{64511, true, {}}, AsnCase{64512, true, {}},  // private
                      AsnCase{65534, true, {}}, AsnCase{65535, false, ErrorCode::reserved_asn},
                      AsnCase{65536, true, {}}, AsnCase{65551, true, {}},
                      AsnCase{65552, false, ErrorCode::reserved_asn},
                      AsnCase{131071, false, ErrorCode::reserved_asn}, AsnCase{131072, true, {}},
                      AsnCase{4200000000, true, {}}, AsnCase{4294967294, true, {}},
                      AsnCase{4294967295, false, ErrorCode::reserved_asn},
                      AsnCase{4294967296, false, ErrorCode::invalid_asn}));

TEST(Asn, ParsesTextForms) {
  EXPECT_EQ(Asn::parse("AS64500")->value(), 64500u);
  EXPECT_EQ(Asn::parse("as64500")->value(), 64500u);
  EXPECT_EQ(Asn::parse("64500")->value(), 64500u);
  EXPECT_EQ(Asn::parse("064500").error().code, ErrorCode::invalid_asn);
  EXPECT_EQ(Asn::parse("AS").error().code, ErrorCode::invalid_asn);
  EXPECT_EQ(Asn::parse("AS99999999999").error().code, ErrorCode::invalid_asn);
  EXPECT_EQ(Asn::parse("AS23456").error().code, ErrorCode::reserved_asn);
  EXPECT_EQ(Asn::parse("64500")->to_string(), "AS64500");
}

TEST(IpAddress, ParsesAndCanonicalises) {
  EXPECT_EQ(IpAddress::parse("192.0.2.1")->to_string(), "192.0.2.1");
  EXPECT_EQ(IpAddress::parse("2001:DB8:0:0::1")->to_string(), "2001:db8::1");
  EXPECT_FALSE(IpAddress::parse("192.0.2.01"));
  EXPECT_FALSE(IpAddress::parse("192.0.2.256"));
  EXPECT_FALSE(IpAddress::parse("192.0.2"));
  EXPECT_FALSE(IpAddress::parse(" 192.0.2.1"));
  EXPECT_FALSE(IpAddress::parse("fe80::1%eth0"));
  EXPECT_FALSE(IpAddress::parse("2001:db8::/32"));
  EXPECT_FALSE(IpAddress::parse(""));
  EXPECT_EQ(IpAddress::parse("nonsense", "sessions[0].local_ip").error().field,
            "sessions[0].local_ip");
}

TEST(Prefix, ContainsAndRejectsHostBits) {
  auto p = Prefix::parse("192.0.2.0/24");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->contains(*IpAddress::parse("192.0.2.200")));
  EXPECT_FALSE(p->contains(*IpAddress::parse("192.0.3.1")));
  EXPECT_FALSE(p->contains(*IpAddress::parse("2001:db8::1")));
  auto p6 = Prefix::parse("2001:db8:ffff::/64");
  ASSERT_TRUE(p6);
  EXPECT_TRUE(p6->contains(*IpAddress::parse("2001:db8:ffff::a")));
  EXPECT_FALSE(p6->contains(*IpAddress::parse("2001:db8:fffe::a")));
  EXPECT_FALSE(Prefix::parse("192.0.2.1/24"));
  EXPECT_FALSE(Prefix::parse("192.0.2.0/33"));
  EXPECT_FALSE(Prefix::parse("192.0.2.0/"));
  EXPECT_TRUE(Prefix::parse("0.0.0.0/0"));
  EXPECT_EQ(Prefix::parse("2001:db8::/32")->to_string(), "2001:db8::/32");
}

TEST(Uuid, ParsesEitherCaseAndPrintsLowercase) {
  auto u = Uuid::parse("3F1C2A8E-6B1D-4C8E-9A51-0D4B7E2F9C10");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->to_string(), "3f1c2a8e-6b1d-4c8e-9a51-0d4b7e2f9c10");
  EXPECT_FALSE(Uuid::parse("3f1c2a8e6b1d4c8e9a510d4b7e2f9c10"));
  EXPECT_FALSE(Uuid::parse("3f1c2a8e-6b1d-4c8e-9a51-0d4b7e2f9c1g"));
  EXPECT_FALSE(Uuid::parse("{3f1c2a8e-6b1d-4c8e-9a51-0d4b7e2f9c10}"));
  auto v4 = Uuid::v4_from_bytes({});
  EXPECT_EQ(v4.to_string(), "00000000-0000-4000-8000-000000000000");
}

TEST(Uuid, Version7CarriesTheTimeAndSortsByIt) {
  std::array<std::uint8_t, 16> ones{};
  ones.fill(0xff);
  // RFC 9562 appendix A.6 uses 0x017F22E279B0 ms (2022-02-22T19:22:22Z).
  const auto example = Uuid::v7_from(0x017F22E279B0, ones);
  EXPECT_EQ(example.to_string(), "017f22e2-79b0-7fff-bfff-ffffffffffff");
  EXPECT_EQ(Uuid::v7_from(0, {}).to_string(), "00000000-0000-7000-8000-000000000000");
  EXPECT_EQ(Uuid::v7_from(-5, {}).to_string(), "00000000-0000-7000-8000-000000000000");
  EXPECT_EQ(Uuid::v7_from(std::int64_t{1} << 50, {}).to_string(),
            "ffffffff-ffff-7000-8000-000000000000");
  // Later milliseconds sort after earlier ones whatever the random part.
  EXPECT_LT(Uuid::v7_from(1000, ones), Uuid::v7_from(1001, {}));
  EXPECT_TRUE(Uuid::parse(example.to_string()));
}

TEST(LocationId, ParsesPeeringDbIds) {
  EXPECT_EQ(LocationId::parse("pdb:ix:26")->to_string(), "pdb:ix:26");
  EXPECT_EQ(LocationId::parse("pdb:fac:1")->type(), LocationType::private_peering);
  for (const char* bad : {"pdb:ix:", "pdb:ix:0", "pdb:ix:026", "pdb:ix:-1", "pdb:ix:1x", "ix:1",
                          "pdb:ix:99999999999", "pdb:net:1", "PDB:IX:1"}) {
    auto r = LocationId::parse(bad, "sessions[0].location.id");
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::invalid_location) << bad;
    EXPECT_EQ(r.error().field, "sessions[0].location.id");
  }
}

TEST(BgpRole, Rfc9234PairsMatch) {
  EXPECT_EQ(matching_role(BgpRole::provider), BgpRole::customer);
  EXPECT_EQ(matching_role(BgpRole::customer), BgpRole::provider);
  EXPECT_EQ(matching_role(BgpRole::route_server), BgpRole::route_server_client);
  EXPECT_EQ(matching_role(BgpRole::route_server_client), BgpRole::route_server);
  EXPECT_EQ(matching_role(BgpRole::peer), BgpRole::peer);
  EXPECT_FALSE(bgp_role_from_number(5, "r"));
  EXPECT_FALSE(bgp_role_from_number(-1, "r"));
}

TEST(SessionSecret, RestrictsToSafeCharacters) {
  EXPECT_TRUE(SessionSecret::parse("s3cr3t-Key!", "s"));
  EXPECT_FALSE(SessionSecret::parse("", "s"));
  EXPECT_FALSE(SessionSecret::parse(std::string(81, 'a'), "s"));
  EXPECT_TRUE(SessionSecret::parse(std::string(80, 'a'), "s"));
  EXPECT_FALSE(SessionSecret::parse("with space", "s"));
  EXPECT_FALSE(SessionSecret::parse("quote\"", "s"));
  EXPECT_FALSE(SessionSecret::parse("new\nline", "s"));
}

TEST(SessionStatus, RoundTripsAndKnowsLiveness) {
  for (auto s : {SessionStatus::pending, SessionStatus::approved, SessionStatus::deleted}) {
    EXPECT_EQ(*parse_session_status(to_string(s), "status"), s);
  }
  EXPECT_TRUE(is_live(SessionStatus::established));
  EXPECT_FALSE(is_live(SessionStatus::deleted));
  EXPECT_FALSE(is_live(SessionStatus::unestablished));
  EXPECT_FALSE(parse_session_status("Established", "status"));
}

}  // namespace
}  // namespace peerapi::model
