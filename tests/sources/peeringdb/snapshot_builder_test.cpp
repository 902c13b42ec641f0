// SnapshotBuilder and load_snapshot_dir on hand-made PeeringDB documents: bad rows are reported
// and skipped, bad documents are errors.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "sources/peeringdb/snapshot.hpp"
#include "support/test_support.hpp"

namespace peerapi::sources::peeringdb {
namespace {

using Rows = std::vector<std::string>;
using World = std::map<std::string, Rows>;

model::Asn asn(std::int64_t value) {
  return *model::Asn::from_number(value);
}

std::string document(const Rows& rows) {
  std::string out = R"({"meta": {}, "data": [)";
  for (std::size_t i = 0; i < rows.size(); ++i)
    out += (i == 0 ? "" : ",") + rows[i];
  return out + "]}";
}

/// A small consistent world: two networks at one IX and one facility.
World base_world() {
  return {
      {"org", {R"({"id": 1, "name": "Org", "status": "ok"})"}},
      {"net",
       {R"({"id": 1, "org_id": 1, "asn": 64500, "name": "Net A", "status": "ok"})",
        R"({"id": 2, "org_id": 1, "asn": 64501, "name": "Net B", "status": "ok"})"}},
      {"ix", {R"({"id": 1, "org_id": 1, "name": "IX", "status": "ok"})"}},
      {"fac", {R"({"id": 1, "org_id": 1, "name": "Fac", "status": "ok"})"}},
      {"ixlan", {R"({"id": 1, "ix_id": 1, "status": "ok"})"}},
      {"ixpfx",
       {R"({"id": 1, "ixlan_id": 1, "protocol": "IPv4", "prefix": "192.0.2.0/24", "status": "ok"})"}},
      {"netixlan", {R"({"id": 1, "net_id": 1, "ix_id": 1, "ixlan_id": 1, "asn": 64500,
            "ipaddr4": "192.0.2.1", "ipaddr6": null, "speed": 10000, "status": "ok"})"}},
      {"netfac", {R"({"id": 1, "net_id": 1, "fac_id": 1, "local_asn": 64500, "status": "ok"})"}},
      {"poc", {R"({"id": 1, "net_id": 1, "role": "NOC", "status": "ok"})"}},
  };
}

std::pair<std::shared_ptr<const Snapshot>, ImportReport> build(const World& world) {
  SnapshotBuilder builder;
  for (const auto& [type, rows] : world) {
    auto added = builder.add_document(type, document(rows));
    EXPECT_TRUE(added.has_value()) << type << ": " << added.error().message;
  }
  return std::move(builder).build();
}

TEST(SnapshotBuilder, BaseWorldLoadsCleanly) {
  const auto [pdb, report] = build(base_world());
  EXPECT_TRUE(report.problems.empty());
  EXPECT_EQ(report.total_loaded(), 10u);
  EXPECT_EQ(pdb->network_count(), 2u);
  ASSERT_EQ(pdb->ports(asn(64500), 1).size(), 1u);
  EXPECT_EQ(pdb->ports(asn(64500), 1)[0]->ipaddr4->to_string(), "192.0.2.1");
  EXPECT_FALSE(pdb->ports(asn(64500), 1)[0]->ipaddr6.has_value());
  EXPECT_FALSE(pdb->ports(asn(64500), 1)[0]->is_rs_peer);     // absent: false
  EXPECT_TRUE(pdb->ports(asn(64500), 1)[0]->operational);     // absent: true
  EXPECT_FALSE(pdb->network(1)->info_prefixes4.has_value());  // absent: unknown
  EXPECT_EQ(pdb->network(1)->irr_as_set, "");
}

struct BadRow {
  std::string type;
  std::string row;
  std::string problem;  // the exact report line
};

class BadRowTest : public ::testing::TestWithParam<BadRow> {};

TEST_P(BadRowTest, IsReportedAndSkippedWhileTheRestLoads) {
  const BadRow& bad = GetParam();
  World world = base_world();
  const std::size_t good_rows = world[bad.type].size();
  world[bad.type].push_back(bad.row);
  const auto [pdb, report] = build(world);

  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0], bad.problem);
  const auto& counts = report.types.at(bad.type);
  EXPECT_EQ(counts.skipped_bad, 1u);
  EXPECT_EQ(counts.loaded, good_rows);
  EXPECT_EQ(report.total_loaded(), 10u);
  EXPECT_EQ(pdb->network_count(), 2u);
  EXPECT_EQ(pdb->ports(asn(64500), 1).size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(
    Rows, BadRowTest,
    ::testing::Values(
        // The row itself and its id.
        BadRow{"org", R"([1, 2])", "org.json: data[1]: expected an object, got an array"},
        BadRow{"org", R"("org")", R"(org.json: data[1]: expected an object, got "org")"},
        BadRow{"org", R"({"name": "x"})", "org.json: data[1]: id: required field is missing"},
        BadRow{"org", R"({"id": "7", "name": "x"})",
               R"(org.json: data[1]: id: expected an id from 1 to 4294967295, got "7")"},
        BadRow{"org", R"({"id": 0, "name": "x"})",
               "org.json: data[1]: id: expected an id from 1 to 4294967295, got 0"},
        BadRow{"org", R"({"id": 4294967296, "name": "x"})",
               "org.json: data[1]: id: expected an id from 1 to 4294967295, got 4294967296"},
        BadRow{"org", R"({"id": 2.5, "name": "x"})",
               "org.json: data[1]: id: expected an id from 1 to 4294967295, got 2.5E0"},
        BadRow{"org", R"({"id": 9, "name": "x", "status": 1})",
               "org.json: data[1] (id 9): status: expected a string, got 1"},
        BadRow{"org", R"({"id": 9})", "org.json: data[1] (id 9): name: required field is missing"},
        BadRow{"org", R"({"id": 9, "name": ["x"]})",
               "org.json: data[1] (id 9): name: expected a string, got an array"},
        // net
        BadRow{
            "net", R"({"id": 9, "org_id": 1, "asn": "64520", "name": "x"})",
            R"(net.json: data[2] (id 9): asn: expected an integer ASN from 1 to 4294967294, got "64520")"},
        BadRow{
            "net", R"({"id": 9, "org_id": 1, "asn": 23456, "name": "x"})",
            "net.json: data[2] (id 9): asn: AS23456 is AS_TRANS (RFC 6793) and never a real ASN"},
        BadRow{"net", R"({"id": 9, "org_id": 1, "asn": 0, "name": "x"})",
               "net.json: data[2] (id 9): asn: AS0 is reserved (RFC 7607)"},
        BadRow{"net", R"({"id": 9, "org_id": 1, "asn": 4294967296, "name": "x"})",
               "net.json: data[2] (id 9): asn: expected an integer ASN from 1 to 4294967294, got "
               "4294967296"},
        BadRow{"net", R"({"id": 9, "org_id": 1, "name": "x"})",
               "net.json: data[2] (id 9): asn: required field is missing"},
        BadRow{"net", R"({"id": 9, "org_id": 1, "asn": 64520, "name": "x", "info_prefixes4": -1})",
               "net.json: data[2] (id 9): info_prefixes4: expected an integer from 0 to 4294967295 "
               "or null, got -1"},
        BadRow{"net", R"({"id": 9, "org_id": 1, "asn": 64520, "name": "x", "irr_as_set": 5})",
               "net.json: data[2] (id 9): irr_as_set: expected a string or null, got 5"},
        BadRow{"net", R"({"id": 9, "org_id": 77, "asn": 64520, "name": "x"})",
               "net.json: data[2] (id 9): org_id: refers to org 77, which is not in the snapshot"},
        BadRow{"net", R"({"id": 9, "org_id": 1, "asn": 64500, "name": "x"})",
               "net.json: data[2] (id 9): asn: AS64500 is already the ASN of net 1"},
        BadRow{"net", R"({"id": 2, "org_id": 1, "asn": 64520, "name": "x"})",
               "net.json: data[2] (id 2): id: duplicate id 2; the earlier row data[1] is kept"},
        // ix, fac, ixlan
        BadRow{"ix", R"({"id": 9, "org_id": 1, "name": null})",
               "ix.json: data[1] (id 9): name: expected a string, got null"},
        BadRow{"ix", R"({"id": 9, "org_id": 3, "name": "x"})",
               "ix.json: data[1] (id 9): org_id: refers to org 3, which is not in the snapshot"},
        BadRow{"fac", R"({"id": 9, "org_id": 1, "name": "x", "country": false})",
               "fac.json: data[1] (id 9): country: expected a string or null, got false"},
        BadRow{"ixlan", R"({"id": 9, "ix_id": 5})",
               "ixlan.json: data[1] (id 9): ix_id: refers to ix 5, which is not in the snapshot"},
        BadRow{"ixlan", R"({"id": 9, "ix_id": null})",
               "ixlan.json: data[1] (id 9): ix_id: expected an id from 1 to 4294967295, got null"},
        // ixpfx
        BadRow{"ixpfx", R"({"id": 9, "ixlan_id": 1, "protocol": "IPv4", "prefix": "192.0.2.1/24"})",
               R"(ixpfx.json: data[1] (id 9): prefix: prefix "192.0.2.1/24" has host bits set)"},
        BadRow{"ixpfx",
               R"({"id": 9, "ixlan_id": 1, "protocol": "IPv4", "prefix": "2001:db8:1::/64"})",
               "ixpfx.json: data[1] (id 9): prefix: 2001:db8:1::/64 is not an IPv4 prefix, as "
               "protocol says"},
        BadRow{"ixpfx", R"({"id": 9, "ixlan_id": 1, "protocol": "IPv6", "prefix": "10.0.0.0/8"})",
               "ixpfx.json: data[1] (id 9): prefix: 10.0.0.0/8 is not an IPv6 prefix, as protocol "
               "says"},
        BadRow{"ixpfx", R"({"id": 9, "ixlan_id": 1, "protocol": "ipv4", "prefix": "10.0.0.0/8"})",
               R"(ixpfx.json: data[1] (id 9): protocol: expected "IPv4" or "IPv6", got "ipv4")"},
        BadRow{
            "ixpfx", R"({"id": 9, "ixlan_id": 1, "protocol": "IPv4", "prefix": 10})",
            "ixpfx.json: data[1] (id 9): prefix: expected a prefix such as 192.0.2.0/24, got 10"},
        BadRow{"ixpfx", R"({"id": 9, "ixlan_id": 4, "protocol": "IPv4", "prefix": "10.0.0.0/8"})",
               "ixpfx.json: data[1] (id 9): ixlan_id: refers to ixlan 4, which is not in the "
               "snapshot"},
        // netixlan
        BadRow{"netixlan",
               R"({"id": 9, "net_id": 2, "ix_id": 1, "ixlan_id": 1, "asn": 64501, "ipaddr4": "x"})",
               R"(netixlan.json: data[1] (id 9): ipaddr4: expected an IPv4 address, got "x")"},
        BadRow{
            "netixlan",
            R"({"id": 9, "net_id": 2, "ix_id": 1, "ixlan_id": 1, "asn": 64501,
                   "ipaddr4": "2001:db8::1"})",
            R"(netixlan.json: data[1] (id 9): ipaddr4: expected an IPv4 address, got "2001:db8::1")"},
        BadRow{
            "netixlan",
            R"({"id": 9, "net_id": 2, "ix_id": 1, "ixlan_id": 1, "asn": 64501,
                   "ipaddr6": "192.0.2.2"})",
            R"(netixlan.json: data[1] (id 9): ipaddr6: expected an IPv6 address, got "192.0.2.2")"},
        BadRow{
            "netixlan",
            R"({"id": 9, "net_id": 2, "ix_id": 1, "ixlan_id": 1, "asn": 64501,
                   "ipaddr4": "192.0.2.2/32"})",
            R"(netixlan.json: data[1] (id 9): ipaddr4: expected an IPv4 address, got "192.0.2.2/32")"},
        BadRow{
            "netixlan",
            R"({"id": 9, "net_id": 2, "ix_id": 1, "ixlan_id": 1, "asn": 64501,
                   "ipaddr4": "a\nb\"c"})",
            R"(netixlan.json: data[1] (id 9): ipaddr4: expected an IPv4 address, got "a\x0ab\x22c")"},
        BadRow{"netixlan",
               R"({"id": 9, "net_id": 2, "ix_id": 1, "ixlan_id": 1, "asn": 64501, "ipaddr6": 6})",
               "netixlan.json: data[1] (id 9): ipaddr6: expected an IPv6 address, got 6"},
        BadRow{
            "netixlan",
            R"({"id": 9, "net_id": 2, "ix_id": 1, "ixlan_id": 1, "asn": 64501,
                   "is_rs_peer": "yes"})",
            R"(netixlan.json: data[1] (id 9): is_rs_peer: expected true, false or null, got "yes")"},
        BadRow{"netixlan",
               R"({"id": 9, "net_id": 2, "ix_id": 1, "ixlan_id": 1, "asn": 64501,
                   "speed": "fast"})",
               "netixlan.json: data[1] (id 9): speed: expected an integer from 0 to 4294967295 or "
               R"(null, got "fast")"},
        BadRow{"netixlan", R"({"id": 9, "net_id": 2, "ix_id": 1, "ixlan_id": 42, "asn": 64501})",
               "netixlan.json: data[1] (id 9): ixlan_id: refers to ixlan 42, which is not in the "
               "snapshot"},
        BadRow{"netixlan", R"({"id": 9, "net_id": 8, "ix_id": 1, "ixlan_id": 1, "asn": 64501})",
               "netixlan.json: data[1] (id 9): net_id: refers to net 8, which is not in the "
               "snapshot"},
        BadRow{"netixlan", R"({"id": 9, "net_id": 2, "ix_id": 2, "ixlan_id": 1, "asn": 64501})",
               "netixlan.json: data[1] (id 9): ix_id: is 2 but ixlan 1 belongs to ix 1"},
        BadRow{"netixlan", R"({"id": 9, "net_id": 1, "ix_id": 1, "ixlan_id": 1, "asn": 64501})",
               "netixlan.json: data[1] (id 9): asn: AS64501 differs from net 1's AS64500"},
        BadRow{"netixlan", R"({"id": 9, "net_id": 2, "ix_id": 1, "ixlan_id": 1, "asn": 65535})",
               "netixlan.json: data[1] (id 9): asn: AS65535 is reserved (RFC 7300)"},
        BadRow{"netixlan", R"({"id": 1, "net_id": 2, "ix_id": 1, "ixlan_id": 1, "asn": 64501})",
               "netixlan.json: data[1] (id 1): id: duplicate id 1; the earlier row data[0] is "
               "kept"},
        // netfac, poc
        BadRow{"netfac", R"({"id": 9, "net_id": 2, "fac_id": 3, "local_asn": 64501})",
               "netfac.json: data[1] (id 9): fac_id: refers to fac 3, which is not in the "
               "snapshot"},
        BadRow{"netfac", R"({"id": 9, "net_id": 2, "fac_id": 1, "local_asn": 64500})",
               "netfac.json: data[1] (id 9): local_asn: AS64500 differs from net 2's AS64501"},
        BadRow{"poc", R"({"id": 9, "net_id": 5, "role": "NOC"})",
               "poc.json: data[1] (id 9): net_id: refers to net 5, which is not in the snapshot"},
        BadRow{"poc", R"({"id": 9, "net_id": 2})",
               "poc.json: data[1] (id 9): role: required field is missing"}));

TEST(SnapshotBuilder, DuplicateIdKeepsTheFirstRow) {
  World world = base_world();
  world["netixlan"].push_back(
      R"({"id": 1, "net_id": 1, "ix_id": 1, "ixlan_id": 1, "asn": 64500, "ipaddr4": "192.0.2.99"})");
  const auto [pdb, report] = build(world);
  const auto ports = pdb->ports(asn(64500), 1);
  ASSERT_EQ(ports.size(), 1u);
  EXPECT_EQ(ports[0]->ipaddr4->to_string(), "192.0.2.1");
  EXPECT_EQ(report.types.at("netixlan").skipped_bad, 1u);
}

TEST(SnapshotBuilder, DuplicateAcrossDocumentsOfOneType) {
  SnapshotBuilder builder;
  ASSERT_TRUE(builder.add_document("org", document({R"({"id": 1, "name": "first"})"})));
  ASSERT_TRUE(builder.add_document(
      "org", document({R"({"id": 2, "name": "second"})", R"({"id": 1, "name": "again"})"})));
  const auto [pdb, report] = std::move(builder).build();
  EXPECT_EQ(pdb->organization(1)->name, "first");
  EXPECT_EQ(pdb->organization(2)->name, "second");
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0],
            "org.json: data[1] (id 1): id: duplicate id 1; the earlier row data[0] is kept");
}

TEST(SnapshotBuilder, InactiveRowsAreCountedNotReported) {
  World world = base_world();
  world["net"].push_back(R"({"id": 3, "org_id": 1, "asn": 64502, "name": "gone",
                             "status": "deleted"})");
  // Garbage in an inactive row is not looked at.
  world["net"].push_back(R"({"id": "x", "asn": -5, "status": "pending"})");
  // An inactive row does not claim its id; the active row with the same id loads.
  world["netixlan"].push_back(R"({"id": 7, "status": "deleted"})");
  world["netixlan"].push_back(
      R"({"id": 7, "net_id": 2, "ixlan_id": 1, "asn": 64501, "ipaddr4": "192.0.2.2"})");
  const auto [pdb, report] = build(world);
  EXPECT_TRUE(report.problems.empty()) << report.problems.front();
  EXPECT_EQ(report.types.at("net").skipped_inactive, 2u);
  EXPECT_EQ(report.types.at("net").loaded, 2u);
  EXPECT_EQ(report.types.at("netixlan").skipped_inactive, 1u);
  EXPECT_EQ(report.types.at("netixlan").loaded, 2u);
  EXPECT_EQ(pdb->network_by_asn(asn(64502)), nullptr);
  EXPECT_EQ(pdb->network(3), nullptr);
  ASSERT_EQ(pdb->ports(asn(64501), 1).size(), 1u);
}

TEST(SnapshotBuilder, RowsPointingAtInactiveObjectsAreDangling) {
  World world = base_world();
  world["fac"] = {R"({"id": 1, "org_id": 1, "name": "Fac", "status": "deleted"})"};
  const auto [pdb, report] = build(world);
  EXPECT_EQ(report.types.at("fac").skipped_inactive, 1u);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0],
            "netfac.json: data[0] (id 1): fac_id: refers to fac 1, which is not in the snapshot");
  EXPECT_TRUE(pdb->facilities_of(asn(64500)).empty());
}

TEST(SnapshotBuilder, RejectedObjectsCascadeToTheirDependants) {
  World world = base_world();
  world["ix"] = {R"({"id": 1, "org_id": 99, "name": "IX"})"};
  const auto [pdb, report] = build(world);
  const std::vector<std::string> expected = {
      "ix.json: data[0] (id 1): org_id: refers to org 99, which is not in the snapshot",
      "ixlan.json: data[0] (id 1): ix_id: refers to ix 1, which is not in the snapshot",
      "ixpfx.json: data[0] (id 1): ixlan_id: refers to ixlan 1, which is not in the snapshot",
      "netixlan.json: data[0] (id 1): ixlan_id: refers to ixlan 1, which is not in the snapshot",
  };
  EXPECT_EQ(report.problems, expected);
  EXPECT_EQ(pdb->exchange_count(), 0u);
  EXPECT_TRUE(pdb->exchanges_of(asn(64500)).empty());
  EXPECT_EQ(pdb->facilities_of(asn(64500)), std::vector<std::uint32_t>{1});
}

TEST(SnapshotBuilder, AddressOutsideTheLanPrefixStillLoads) {
  World world = base_world();
  world["netixlan"].push_back(R"({"id": 2, "net_id": 2, "ix_id": 1, "ixlan_id": 1,
      "asn": 64501, "ipaddr4": "198.51.100.7", "ipaddr6": "2001:db8:5::7"})");
  const auto [pdb, report] = build(world);
  EXPECT_TRUE(report.problems.empty());
  const auto ports = pdb->ports(asn(64501), 1);
  ASSERT_EQ(ports.size(), 1u);
  EXPECT_EQ(ports[0]->ipaddr4->to_string(), "198.51.100.7");
  EXPECT_EQ(ports[0]->ipaddr6->to_string(), "2001:db8:5::7");
  EXPECT_FALSE(pdb->ixlan_prefixes(1).front().contains(*ports[0]->ipaddr4));
}

TEST(SnapshotBuilder, UnknownFieldsAreIgnoredAndNullsMeanUnset) {
  World world = base_world();
  world["net"][1] = R"({"id": 2, "org_id": 1, "asn": 64501, "name": "Net B",
      "aka": "B", "social_media": [{"service": "website", "identifier": "x"}],
      "netixlan_set": [1, 2, {"deep": {"deeper": [null]}}], "irr_as_set": null,
      "info_prefixes4": null, "info_prefixes6": 12, "policy_general": "Selective",
      "info_type": null, "created": "2020-01-01T00:00:00Z"})";
  const auto [pdb, report] = build(world);
  EXPECT_TRUE(report.problems.empty());
  const Network* net = pdb->network_by_asn(asn(64501));
  ASSERT_NE(net, nullptr);
  EXPECT_EQ(net->irr_as_set, "");
  EXPECT_FALSE(net->info_prefixes4.has_value());
  EXPECT_EQ(net->info_prefixes6, 12u);
  EXPECT_EQ(net->policy_general, "Selective");
  EXPECT_EQ(net->info_type, "");
}

TEST(SnapshotBuilder, PortsAcrossLansOfOneExchangeAreSortedById) {
  World world = base_world();
  world["ixlan"].push_back(R"({"id": 2, "ix_id": 1, "name": "second LAN"})");
  world["ixpfx"].push_back(R"({"id": 3, "ixlan_id": 2, "protocol": "IPv6",
                               "prefix": "2001:db8:2::/64"})");
  world["ixpfx"].push_back(R"({"id": 2, "ixlan_id": 2, "protocol": "IPv4",
                               "prefix": "198.51.100.0/24"})");
  // ix_id absent: taken from the ixlan.
  world["netixlan"].push_back(
      R"({"id": 30, "net_id": 1, "ixlan_id": 2, "asn": 64500, "ipaddr4": "198.51.100.1"})");
  world["netixlan"].push_back(
      R"({"id": 20, "net_id": 1, "ix_id": 1, "ixlan_id": 1, "asn": 64500, "ipaddr4": "192.0.2.3"})");
  const auto [pdb, report] = build(world);
  EXPECT_TRUE(report.problems.empty()) << report.problems.front();
  const auto ports = pdb->ports(asn(64500), 1);
  ASSERT_EQ(ports.size(), 3u);
  EXPECT_EQ(ports[0]->id, 1u);
  EXPECT_EQ(ports[1]->id, 20u);
  EXPECT_EQ(ports[2]->id, 30u);
  EXPECT_EQ(ports[2]->ix_id, 1u);
  EXPECT_EQ(pdb->exchanges_of(asn(64500)), std::vector<std::uint32_t>{1});
  EXPECT_EQ(pdb->ixlans_of(1), (std::vector<std::uint32_t>{1, 2}));
  std::vector<std::string> lan2;
  for (const auto& prefix : pdb->ixlan_prefixes(2))
    lan2.push_back(prefix.to_string());
  EXPECT_EQ(lan2, (std::vector<std::string>{"198.51.100.0/24", "2001:db8:2::/64"}));
}

TEST(SnapshotBuilder, ProblemListIsCappedAndTheRestCounted) {
  Rows rows;
  for (int i = 0; i < 1500; ++i)
    rows.push_back(R"({"id": "bad"})");
  SnapshotBuilder builder;
  ASSERT_TRUE(builder.add_document("poc", document(rows)));
  const auto [pdb, report] = std::move(builder).build();
  EXPECT_EQ(report.problems.size(), ImportReport::kMaxProblems);
  EXPECT_EQ(report.problems_not_listed, 500u);
  EXPECT_EQ(report.types.at("poc").skipped_bad, 1500u);
  EXPECT_EQ(report.problems.back(),
            R"(poc.json: data[999]: id: expected an id from 1 to 4294967295, got "bad")");
}

TEST(SnapshotBuilder, EmptyBuilderBuildsAnEmptySnapshotWithEveryTypeInTheReport) {
  const auto [pdb, report] = SnapshotBuilder().build();
  EXPECT_EQ(pdb->network_count(), 0u);
  EXPECT_EQ(report.types.size(), kObjectTypes.size());
  EXPECT_EQ(report.total_loaded(), 0u);
}

struct BadDocument {
  std::string name;
  std::string text;
  std::string message_start;
};

class BadDocumentTest : public ::testing::TestWithParam<BadDocument> {};

TEST_P(BadDocumentTest, IsAnErrorNamingTheDocument) {
  SnapshotBuilder builder;
  auto added = builder.add_document("netixlan", GetParam().text);
  ASSERT_FALSE(added.has_value());
  EXPECT_EQ(added.error().code, ErrorCode::data_invalid);
  EXPECT_EQ(added.error().field, "netixlan.json");
  EXPECT_TRUE(added.error().message.starts_with(GetParam().message_start)) << added.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Documents, BadDocumentTest,
    ::testing::Values(
        BadDocument{"NotJson", "<html>502 Bad Gateway</html>",
                    "netixlan.json: not valid JSON (syntax error at byte 0"},
        BadDocument{"Empty", "", "netixlan.json: not valid JSON"},
        BadDocument{"Truncated", R"({"data": [{"id": 1)", "netixlan.json: not valid JSON"},
        BadDocument{"TrailingGarbage", R"({"data": []} {})", "netixlan.json: not valid JSON"},
        BadDocument{"Comment", "{\"data\": [] /* x */}", "netixlan.json: not valid JSON"},
        BadDocument{"InvalidUtf8", "{\"data\": [\"\xff\"]}", "netixlan.json: not valid JSON"},
        BadDocument{"TooDeep", R"({"data": [)" + std::string(100000, '[') + "]}",
                    "netixlan.json: not valid JSON (too deep at byte 72, limit 64 levels)"},
        BadDocument{
            "Array", "[]",
            R"(netixlan.json: expected a PeeringDB API document {"meta": {...}, "data": [...]}, got an array)"},
        BadDocument{
            "NoData", R"({"meta": {"error": "Rate limited"}})",
            R"(netixlan.json: expected a PeeringDB API document {"meta": {...}, "data": [...]}, got no "data" member)"},
        BadDocument{
            "DataNotArray", R"({"data": {"id": 1}})",
            R"(netixlan.json: expected a PeeringDB API document {"meta": {...}, "data": [...]}, got "data": an object)"}),
    [](const auto& case_info) { return case_info.param.name; });

TEST(SnapshotBuilder, NestingUpToTheCapIsAccepted) {
  const std::size_t depth = kMaxJsonDepth - 3;  // root object, data array, row object
  const std::string nested = std::string(depth, '[') + std::string(depth, ']');
  SnapshotBuilder builder;
  ASSERT_TRUE(builder.add_document(
      "org", R"({"data": [{"id": 1, "name": "x", "extra": )" + nested + "}]}"));
  const auto [pdb, report] = std::move(builder).build();
  EXPECT_NE(pdb->organization(1), nullptr);
}

TEST(SnapshotBuilder, UnknownTypeIsAnError) {
  SnapshotBuilder builder;
  auto added = builder.add_document("carrier", document({}));
  ASSERT_FALSE(added.has_value());
  EXPECT_EQ(added.error().code, ErrorCode::invalid_value);
  EXPECT_EQ(added.error().field, "type");
  EXPECT_EQ(added.error().message,
            "unknown PeeringDB object type \"carrier\"; expected one of org, net, ix, fac, ixlan, "
            "ixpfx, netixlan, netfac, poc");
}

TEST(SnapshotBuilder, ADocumentErrorLeavesEarlierDocumentsIntact) {
  SnapshotBuilder builder;
  ASSERT_TRUE(builder.add_document("org", document({R"({"id": 1, "name": "Org"})"})));
  ASSERT_FALSE(builder.add_document("org", "not json"));
  const auto [pdb, report] = std::move(builder).build();
  EXPECT_NE(pdb->organization(1), nullptr);
}

// load_snapshot_dir

void write_world(const std::filesystem::path& dir, const World& world) {
  for (const auto& [type, rows] : world)
    peerapi::testing::write_file(dir / (type + ".json"), document(rows));
}

TEST(LoadSnapshotDir, MissingFilesMeanNoObjects) {
  peerapi::testing::TempDir dir;
  World world = base_world();
  write_world(dir.path(), {{"org", world["org"]}, {"net", world["net"]}});
  auto loaded = load_snapshot_dir(dir.path());
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  const auto& [pdb, report] = *loaded;
  EXPECT_TRUE(report.problems.empty());
  EXPECT_EQ(pdb->network_count(), 2u);
  EXPECT_EQ(pdb->exchange_count(), 0u);
  EXPECT_TRUE(pdb->exchanges_of(asn(64500)).empty());
  EXPECT_EQ(report.types.size(), kObjectTypes.size());
  EXPECT_EQ(report.types.at("netixlan").loaded, 0u);
}

TEST(LoadSnapshotDir, EmptyDirectoryIsAnEmptySnapshot) {
  peerapi::testing::TempDir dir;
  auto loaded = load_snapshot_dir(dir.path());
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->first->network_count(), 0u);
  EXPECT_EQ(loaded->second.total_loaded(), 0u);
}

TEST(LoadSnapshotDir, NonJsonFileIsAnErrorNamingThePath) {
  peerapi::testing::TempDir dir;
  write_world(dir.path(), base_world());
  const auto broken = dir.path() / "ixpfx.json";
  peerapi::testing::write_file(broken, "Internal Server Error");
  auto loaded = load_snapshot_dir(dir.path());
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code, ErrorCode::data_invalid);
  EXPECT_EQ(loaded.error().field, broken.string());
  EXPECT_TRUE(loaded.error().message.starts_with(broken.string() + ": not valid JSON"))
      << loaded.error().message;
}

TEST(LoadSnapshotDir, MissingDirectoryIsAnIoError) {
  peerapi::testing::TempDir dir;
  auto loaded = load_snapshot_dir(dir.path() / "nope");
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code, ErrorCode::io_error);
}

TEST(LoadSnapshotDir, DirectoryInPlaceOfAFileIsAnIoError) {
  peerapi::testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "net.json");
  auto loaded = load_snapshot_dir(dir.path());
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code, ErrorCode::io_error);
  EXPECT_EQ(loaded.error().field, (dir.path() / "net.json").string());
}

TEST(LoadSnapshotDir, LargeSnapshotLoads) {
  constexpr int kNetworks = 2000;
  constexpr int kExchanges = 50;
  constexpr int kPortsPerNetwork = 10;  // 20,000 netixlan rows
  World world;
  world["org"] = {R"({"id": 1, "name": "Org"})"};
  for (int net = 1; net <= kNetworks; ++net) {
    world["net"].push_back("{\"id\": " + std::to_string(net) +
                           ", \"org_id\": 1, \"asn\": " + std::to_string(4200000000 + net) +
                           ", \"name\": \"Net " + std::to_string(net) +
                           "\", \"irr_as_set\": \"\", \"info_prefixes4\": 10}");
  }
  for (int ix = 1; ix <= kExchanges; ++ix) {
    const std::string id = std::to_string(ix);
    world["ix"].push_back("{\"id\": " + id + ", \"org_id\": 1, \"name\": \"IX " + id + "\"}");
    world["ixlan"].push_back("{\"id\": " + id + ", \"ix_id\": " + id + "}");
    world["ixpfx"].push_back("{\"id\": " + id + ", \"ixlan_id\": " + id +
                             ", \"protocol\": \"IPv6\", \"prefix\": \"2001:db8:" + id + "::/64\"}");
  }
  int port_id = 0;
  for (int net = 1; net <= kNetworks; ++net) {
    for (int k = 0; k < kPortsPerNetwork; ++k) {
      const int ix = (net + k * 7) % kExchanges + 1;
      ++port_id;
      world["netixlan"].push_back(
          "{\"id\": " + std::to_string(port_id) + ", \"net_id\": " + std::to_string(net) +
          ", \"ix_id\": " + std::to_string(ix) + ", \"ixlan_id\": " + std::to_string(ix) +
          ", \"asn\": " + std::to_string(4200000000 + net) + ", \"ipaddr4\": null" +
          ", \"ipaddr6\": \"2001:db8:" + std::to_string(ix) + "::" + std::to_string(net) +
          "\", \"speed\": 10000, \"is_rs_peer\": true, \"operational\": true" +
          ", \"notes\": \"\", \"created\": \"2024-01-01T00:00:00Z\", \"status\": \"ok\"}");
    }
  }
  peerapi::testing::TempDir dir;
  write_world(dir.path(), world);
  auto loaded = load_snapshot_dir(dir.path());
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  const auto& [pdb, report] = *loaded;
  EXPECT_TRUE(report.problems.empty()) << report.problems.front();
  EXPECT_EQ(report.types.at("netixlan").loaded, 20000u);
  EXPECT_EQ(pdb->port_count(), 20000u);
  EXPECT_EQ(pdb->network_count(), static_cast<std::size_t>(kNetworks));
  const auto some = asn(4200000000 + 1234);
  const auto exchanges = pdb->exchanges_of(some);
  EXPECT_EQ(exchanges.size(), static_cast<std::size_t>(kPortsPerNetwork));
  EXPECT_TRUE(std::is_sorted(exchanges.begin(), exchanges.end()));
  const auto ports = pdb->ports(some, exchanges.front());
  ASSERT_EQ(ports.size(), 1u);
  EXPECT_EQ(ports[0]->ipaddr6->to_string(),
            "2001:db8:" + std::to_string(exchanges.front()) + "::1234");
}

}  // namespace
}  // namespace peerapi::sources::peeringdb
