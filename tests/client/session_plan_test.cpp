// What `peerapi request` asks for, built from the example PeeringDB data (examples/peeringdb),
// and how `peerapi locations` compares the peer's answer with it.
#include "client/session_plan.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "client/client_fixtures.hpp"
#include "support/test_support.hpp"

namespace peerapi::client {
namespace {

namespace pdb = sources::peeringdb;

model::Asn as(std::int64_t n) {
  return *model::Asn::from_number(n);
}
model::IpAddress ip(const char* text) {
  return *model::IpAddress::parse(text);
}

std::shared_ptr<const pdb::Snapshot> examples() {
  static auto snapshot = [] {
    auto loaded = pdb::load_snapshot_dir(testing::source_dir() / "examples/peeringdb");
    EXPECT_TRUE(loaded.has_value());
    return loaded->first;
  }();
  return snapshot;
}

/// "pdb:ix:1 192.0.2.11>192.0.2.10" per session.
std::vector<std::string> pairs(const SessionPlan& plan) {
  std::vector<std::string> out;
  for (const auto& s : plan.sessions)
    out.push_back(s.location.to_string() + " " + s.local_ip.to_string() + ">" +
                  s.peer_ip.to_string());
  return out;
}

PlanRequest request(std::int64_t local, std::int64_t peer) {
  return PlanRequest{.local_asn = as(local), .peer_asn = as(peer)};
}

TEST(SessionPlan, EveryCommonIxBothFamilies) {
  auto plan = plan_sessions(*examples(), request(64501, 64500));
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  EXPECT_EQ(pairs(*plan), (std::vector<std::string>{
                              "pdb:ix:1 192.0.2.11>192.0.2.10",
                              "pdb:ix:1 2001:db8:ffff::11>2001:db8:ffff::10",
                              "pdb:ix:2 198.51.100.11>198.51.100.10",
                              "pdb:ix:2 2001:db8:fffe::11>2001:db8:fffe::10",
                          }));
  EXPECT_TRUE(plan->notes.empty());
  for (const auto& s : plan->sessions) {
    EXPECT_EQ(s.local_asn, as(64501));
    EXPECT_EQ(s.peer_asn, as(64500));
    EXPECT_EQ(s.local_bgp_role, model::BgpRole::peer);
    EXPECT_EQ(s.peer_bgp_role, model::BgpRole::peer);
    EXPECT_EQ(s.peer_type, model::LocationType::public_peering);
    EXPECT_FALSE(s.session_secret.has_value());
  }
}

TEST(SessionPlan, FiltersRoleAndSecret) {
  PlanRequest r = request(64501, 64500);
  r.family = model::IpFamily::v6;
  r.locations = {model::LocationId::ix(2)};
  r.local_role = model::BgpRole::customer;
  r.secret = *model::SessionSecret::parse("md5-secret", "secret");
  auto plan = plan_sessions(*examples(), r);
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  EXPECT_EQ(pairs(*plan), std::vector<std::string>{"pdb:ix:2 2001:db8:fffe::11>2001:db8:fffe::10"});
  EXPECT_EQ(plan->sessions[0].local_bgp_role, model::BgpRole::customer);
  EXPECT_EQ(plan->sessions[0].peer_bgp_role, model::BgpRole::provider) << "RFC 9234 pair";
  ASSERT_TRUE(plan->sessions[0].session_secret.has_value());
  EXPECT_EQ(plan->sessions[0].session_secret->reveal(), "md5-secret");
}

TEST(SessionPlan, AMissingFamilyIsANote) {
  // AS64503 has no IPv6 address at DOC-IX Amsterdam (pdb:ix:2).
  auto plan = plan_sessions(*examples(), request(64503, 64500));
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  EXPECT_EQ(pairs(*plan), (std::vector<std::string>{
                              "pdb:ix:2 198.51.100.13>198.51.100.10",
                              "pdb:ix:3 203.0.113.13>203.0.113.10",
                              "pdb:ix:3 2001:db8:fffd::13>2001:db8:fffd::10",
                          }));
  ASSERT_EQ(plan->notes.size(), 1u);
  EXPECT_EQ(plan->notes[0], "pdb:ix:2: AS64503 has no IPv6 address on an operational port there");
}

TEST(SessionPlan, EveryPortPairAtAnIx) {
  testing::TempDir dir;
  test::write_snapshot(dir.path(), 2, 2, 3);
  auto loaded = pdb::load_snapshot_dir(dir.path());
  ASSERT_TRUE(loaded.has_value());
  auto plan = plan_sessions(*loaded->first, request(64501, 64500));
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  EXPECT_EQ(plan->sessions.size(), 2u * 2 * 2 * 3) << "2 IXs x 2 families x 3 x 2 ports";
  EXPECT_EQ(plan->sessions[0].local_ip, ip("198.51.100.3"));
  EXPECT_EQ(plan->sessions[0].peer_ip, ip("198.51.100.1"));
  EXPECT_EQ(plan->sessions.back().location, model::LocationId::ix(2));
  EXPECT_EQ(plan->sessions.back().local_ip, ip("2001:db8:2::5"));
  EXPECT_EQ(plan->sessions.back().peer_ip, ip("2001:db8:2::2"));
}

TEST(SessionPlan, BadRequestsNameTheirField) {
  struct Row {
    std::string name;
    PlanRequest request;
    ErrorCode code;
    std::string field;
  };
  PlanRequest not_common = request(64501, 64500);
  not_common.locations = {model::LocationId::ix(1), model::LocationId::ix(3)};
  PlanRequest facility = request(64501, 64500);
  facility.locations = {model::LocationId::fac(1)};
  PlanRequest unknown_ix = request(64501, 64500);
  unknown_ix.locations = {model::LocationId::ix(99)};
  for (const Row& row : std::vector<Row>{
           {"no local record", request(64499, 64500), ErrorCode::not_found, "local_asn"},
           {"no peer record", request(64501, 64499), ErrorCode::not_found, "peer_asn"},
           {"not common", not_common, ErrorCode::location_not_common, "locations[1]"},
           {"unknown ix", unknown_ix, ErrorCode::location_not_common, "locations[0]"},
           {"facility", facility, ErrorCode::private_peering_unsupported, "locations[0]"},
       }) {
    auto plan = plan_sessions(*examples(), row.request);
    ASSERT_FALSE(plan.has_value()) << row.name;
    EXPECT_EQ(plan.error().code, row.code) << row.name << ": " << plan.error().message;
    EXPECT_EQ(plan.error().field, row.field) << row.name;
  }
}

TEST(SessionPlan, NoCommonIxIsAnEmptyPlan) {
  // AS64510 (route servers) is only at pdb:ix:1; AS64503 is not there.
  auto plan = plan_sessions(*examples(), request(64503, 64510));
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  EXPECT_TRUE(plan->sessions.empty());
}

TEST(CompareLocations, AgreementAndEveryKindOfDifference) {
  const std::vector<RemoteLocation> from_api{
      {.id = model::LocationId::ix(1),
       .name = "DOC-IX Frankfurt",
       .local_ips = {ip("192.0.2.11"), ip("2001:db8:ffff::11")},
       .peer_ips = {ip("192.0.2.10"), ip("2001:db8:ffff::10")}},
      {.id = model::LocationId::ix(2),
       .name = "DOC-IX Amsterdam",
       .local_ips = {ip("198.51.100.99"), ip("2001:db8:fffe::11")},
       .peer_ips = {ip("198.51.100.10"), ip("2001:db8:fffe::10"), ip("198.51.100.20")}},
      {.id = model::LocationId::ix(3), .name = "DOC-IX London"},
  };
  const auto checks = compare_locations(from_api, *examples(), as(64501), as(64500));
  ASSERT_EQ(checks.size(), 4u);
  EXPECT_EQ(checks[0].id, model::LocationId::ix(1));
  EXPECT_TRUE(checks[0].from_api && checks[0].from_local);
  EXPECT_TRUE(checks[0].differences.empty());

  EXPECT_EQ(checks[1].id, model::LocationId::ix(2));
  EXPECT_EQ(checks[1].differences, (std::vector<std::string>{
                                       "our addresses only in local PeeringDB: 198.51.100.11",
                                       "our addresses only in the peer's API: 198.51.100.99",
                                       "their addresses only in the peer's API: 198.51.100.20",
                                   }));

  EXPECT_EQ(checks[2].id, model::LocationId::ix(3));
  EXPECT_TRUE(checks[2].from_api);
  EXPECT_FALSE(checks[2].from_local);
  ASSERT_EQ(checks[2].differences.size(), 1u);
  EXPECT_NE(checks[2].differences[0].find("local PeeringDB does not have both"), std::string::npos);

  // Both networks are at Example Datacenter Frankfurt (netfac); the API did not list it.
  EXPECT_EQ(checks[3].id, model::LocationId::fac(1));
  EXPECT_EQ(checks[3].name, "Example Datacenter Frankfurt");
  EXPECT_FALSE(checks[3].from_api);
  ASSERT_EQ(checks[3].differences.size(), 1u);
  EXPECT_NE(checks[3].differences[0].find("does not list it"), std::string::npos);
}

}  // namespace
}  // namespace peerapi::client
