// The example snapshot in examples/peeringdb/ is the world other tests and the README tour use;
// these tests pin its exact content.
#include <gtest/gtest.h>

#include <algorithm>

#include "sources/peeringdb/snapshot.hpp"
#include "support/test_support.hpp"

namespace peerapi::sources::peeringdb {
namespace {

model::Asn asn(std::int64_t value) {
  return *model::Asn::from_number(value);
}

std::vector<std::string> texts(const std::vector<model::Prefix>& prefixes) {
  std::vector<std::string> out;
  for (const auto& prefix : prefixes)
    out.push_back(prefix.to_string());
  return out;
}

std::string text(const std::optional<model::IpAddress>& address) {
  return address ? address->to_string() : "null";
}

class ExampleSnapshot : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = load_snapshot_dir(peerapi::testing::source_dir() / "examples" / "peeringdb");
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    snapshot_ = new std::shared_ptr<const Snapshot>(loaded->first);
    report_ = new ImportReport(loaded->second);
  }
  static void TearDownTestSuite() {
    delete snapshot_;
    delete report_;
    snapshot_ = nullptr;
    report_ = nullptr;
  }
  const Snapshot& pdb() const { return **snapshot_; }
  const ImportReport& report() const { return *report_; }

  static std::shared_ptr<const Snapshot>* snapshot_;
  static ImportReport* report_;
};

std::shared_ptr<const Snapshot>* ExampleSnapshot::snapshot_ = nullptr;
ImportReport* ExampleSnapshot::report_ = nullptr;

TEST_F(ExampleSnapshot, LoadsEveryRowWithoutProblems) {
  EXPECT_TRUE(report().problems.empty()) << report().problems.front();
  EXPECT_EQ(report().problems_not_listed, 0u);
  const std::map<std::string, std::size_t> expected = {
      {"org", 6},   {"net", 5},       {"ix", 3},     {"fac", 2}, {"ixlan", 3},
      {"ixpfx", 6}, {"netixlan", 10}, {"netfac", 4}, {"poc", 3}};
  ASSERT_EQ(report().types.size(), expected.size());
  for (const auto& [type, count] : expected) {
    const auto& counts = report().types.at(type);
    EXPECT_EQ(counts.loaded, count) << type;
    EXPECT_EQ(counts.skipped_bad, 0u) << type;
    EXPECT_EQ(counts.skipped_inactive, 0u) << type;
  }
  EXPECT_EQ(report().total_loaded(), 42u);
  EXPECT_EQ(pdb().network_count(), 5u);
  EXPECT_EQ(pdb().exchange_count(), 3u);
  EXPECT_EQ(pdb().facility_count(), 2u);
  EXPECT_EQ(pdb().port_count(), 10u);
}

TEST_F(ExampleSnapshot, Organizations) {
  for (std::uint32_t id = 1; id <= 6; ++id)
    EXPECT_NE(pdb().organization(id), nullptr) << id;
  EXPECT_EQ(pdb().organization(1)->name, "Example Transit Org");
  EXPECT_EQ(pdb().organization(2)->name, "Example Access Org");
  EXPECT_EQ(pdb().organization(7), nullptr);
}

struct NetworkRow {
  std::uint32_t id;
  std::int64_t asn;
  std::string name;
  std::string irr_as_set;
  std::uint32_t prefixes4;
  std::uint32_t prefixes6;
  std::string policy;
};

TEST_F(ExampleSnapshot, Networks) {
  const std::vector<NetworkRow> rows = {
      {1, 64500, "Example Transit", "AS-EXAMPLE-TRANSIT", 20, 5, "Open"},
      {2, 64501, "Example Access", "AS-EXAMPLE-ACCESS", 10, 2, "Open"},
      {3, 64502, "Example Content", "AS-EXAMPLE-CONTENT", 50, 10, "Selective"},
      {4, 64503, "Example Eyeballs", "", 5, 1, "Restrictive"},
  };
  for (const auto& row : rows) {
    const Network* net = pdb().network_by_asn(asn(row.asn));
    ASSERT_NE(net, nullptr) << row.asn;
    EXPECT_EQ(net, pdb().network(row.id));
    EXPECT_EQ(net->id, row.id);
    EXPECT_EQ(net->asn.value(), row.asn);
    EXPECT_TRUE(net->asn.is_documentation());
    EXPECT_EQ(net->name, row.name);
    EXPECT_EQ(net->irr_as_set, row.irr_as_set);
    EXPECT_EQ(net->info_prefixes4, row.prefixes4);
    EXPECT_EQ(net->info_prefixes6, row.prefixes6);
    EXPECT_EQ(net->policy_general, row.policy);
    EXPECT_NE(pdb().organization(net->org_id), nullptr);
  }
  const Network* route_servers = pdb().network_by_asn(asn(64510));
  ASSERT_NE(route_servers, nullptr);
  EXPECT_EQ(route_servers->id, 5u);
  EXPECT_EQ(route_servers->name, "DOC-IX Route Servers");
  EXPECT_EQ(route_servers->info_type, "Route Server");
  EXPECT_EQ(route_servers->policy_general, "Open");
  EXPECT_EQ(pdb().network_by_asn(asn(64511)), nullptr);
  EXPECT_EQ(pdb().network(6), nullptr);
}

struct ExchangeRow {
  std::uint32_t id;
  std::string name;
  std::string city;
  std::string country;
  std::vector<std::string> prefixes;
};

TEST_F(ExampleSnapshot, ExchangesAndTheirLans) {
  const std::vector<ExchangeRow> rows = {
      {1, "DOC-IX Frankfurt", "Frankfurt", "DE", {"192.0.2.0/24", "2001:db8:ffff::/64"}},
      {2, "DOC-IX Amsterdam", "Amsterdam", "NL", {"198.51.100.0/24", "2001:db8:fffe::/64"}},
      {3, "DOC-IX London", "London", "GB", {"203.0.113.0/24", "2001:db8:fffd::/64"}},
  };
  for (const auto& row : rows) {
    const InternetExchange* ix = pdb().exchange(row.id);
    ASSERT_NE(ix, nullptr) << row.id;
    EXPECT_EQ(ix->name, row.name);
    EXPECT_EQ(ix->city, row.city);
    EXPECT_EQ(ix->country, row.country);
    EXPECT_EQ(pdb().ixlans_of(row.id), std::vector<std::uint32_t>{row.id});
    const IxLan* lan = pdb().ixlan(row.id);
    ASSERT_NE(lan, nullptr);
    EXPECT_EQ(lan->ix_id, row.id);
    EXPECT_EQ(texts(pdb().ixlan_prefixes(row.id)), row.prefixes);
  }
  EXPECT_EQ(pdb().exchange(4), nullptr);
  EXPECT_TRUE(pdb().ixlans_of(4).empty());
  EXPECT_TRUE(pdb().ixlan_prefixes(4).empty());
}

struct PortRow {
  std::int64_t asn;
  std::uint32_t ix_id;
  std::string ipaddr4;
  std::string ipaddr6;
};

TEST_F(ExampleSnapshot, PortsAtEachExchange) {
  const std::vector<PortRow> rows = {
      {64500, 1, "192.0.2.10", "2001:db8:ffff::10"},
      {64500, 2, "198.51.100.10", "2001:db8:fffe::10"},
      {64500, 3, "203.0.113.10", "2001:db8:fffd::10"},
      {64501, 1, "192.0.2.11", "2001:db8:ffff::11"},
      {64501, 2, "198.51.100.11", "2001:db8:fffe::11"},
      {64502, 1, "192.0.2.12", "2001:db8:ffff::12"},
      {64502, 3, "203.0.113.12", "2001:db8:fffd::12"},
      {64503, 2, "198.51.100.13", "null"},
      {64503, 3, "203.0.113.13", "2001:db8:fffd::13"},
      {64510, 1, "192.0.2.254", "2001:db8:ffff::254"},
  };
  for (const auto& row : rows) {
    const auto ports = pdb().ports(asn(row.asn), row.ix_id);
    ASSERT_EQ(ports.size(), 1u) << row.asn << " at ix " << row.ix_id;
    const NetIxLan& port = *ports.front();
    EXPECT_EQ(port.asn.value(), row.asn);
    EXPECT_EQ(port.ix_id, row.ix_id);
    EXPECT_EQ(port.ixlan_id, row.ix_id);
    EXPECT_EQ(port.net_id, pdb().network_by_asn(port.asn)->id);
    EXPECT_EQ(text(port.ipaddr4), row.ipaddr4);
    EXPECT_EQ(text(port.ipaddr6), row.ipaddr6);
    EXPECT_TRUE(port.operational);
    EXPECT_TRUE(port.speed == 10000 || port.speed == 100000) << port.speed;
    // Every example address lies in its LAN, as a policy check would demand.
    const auto lan = pdb().ixlan_prefixes(port.ixlan_id);
    for (const auto& address : {port.ipaddr4, port.ipaddr6}) {
      if (address) {
        EXPECT_TRUE(std::any_of(lan.begin(), lan.end(), [&](const model::Prefix& p) {
          return p.contains(*address);
        })) << address->to_string();
      }
    }
  }
  EXPECT_TRUE(pdb().ports(asn(64501), 3).empty());
  EXPECT_TRUE(pdb().ports(asn(64503), 1).empty());
  EXPECT_TRUE(pdb().ports(asn(64511), 1).empty());
  EXPECT_FALSE(pdb().ports(asn(64510), 1).front()->is_rs_peer);
  EXPECT_TRUE(pdb().ports(asn(64500), 1).front()->is_rs_peer);
  EXPECT_EQ(pdb().ports(asn(64500), 1).front()->speed, 100000u);
}

TEST_F(ExampleSnapshot, PresenceOfEachNetwork) {
  using Ids = std::vector<std::uint32_t>;
  EXPECT_EQ(pdb().exchanges_of(asn(64500)), (Ids{1, 2, 3}));
  EXPECT_EQ(pdb().exchanges_of(asn(64501)), (Ids{1, 2}));
  EXPECT_EQ(pdb().exchanges_of(asn(64502)), (Ids{1, 3}));
  EXPECT_EQ(pdb().exchanges_of(asn(64503)), (Ids{2, 3}));
  EXPECT_EQ(pdb().exchanges_of(asn(64510)), (Ids{1}));
  EXPECT_EQ(pdb().exchanges_of(asn(64511)), Ids{});

  EXPECT_EQ(pdb().facilities_of(asn(64500)), (Ids{1, 2}));
  EXPECT_EQ(pdb().facilities_of(asn(64501)), (Ids{1}));
  EXPECT_EQ(pdb().facilities_of(asn(64502)), Ids{});
  EXPECT_EQ(pdb().facilities_of(asn(64503)), (Ids{2}));

  const Facility* frankfurt = pdb().facility(1);
  ASSERT_NE(frankfurt, nullptr);
  EXPECT_EQ(frankfurt->name, "Example Datacenter Frankfurt");
  EXPECT_EQ(frankfurt->city, "Frankfurt");
  EXPECT_EQ(frankfurt->country, "DE");
  const Facility* amsterdam = pdb().facility(2);
  ASSERT_NE(amsterdam, nullptr);
  EXPECT_EQ(amsterdam->name, "Example Datacenter Amsterdam");
  EXPECT_EQ(amsterdam->country, "NL");
  EXPECT_EQ(pdb().facility(3), nullptr);
}

TEST_F(ExampleSnapshot, Contacts) {
  const auto transit = pdb().contacts(asn(64500));
  ASSERT_EQ(transit.size(), 2u);
  EXPECT_EQ(transit[0]->role, "Policy");
  EXPECT_EQ(transit[0]->name, "Peering Team");
  EXPECT_EQ(transit[0]->email, "peering@example.net");
  EXPECT_EQ(transit[0]->visible, "Public");
  EXPECT_EQ(transit[1]->role, "NOC");
  EXPECT_EQ(transit[1]->email, "noc@example.net");
  EXPECT_LT(transit[0]->id, transit[1]->id);

  const auto access = pdb().contacts(asn(64501));
  ASSERT_EQ(access.size(), 1u);
  EXPECT_EQ(access[0]->role, "Technical");
  EXPECT_EQ(access[0]->email, "noc@as64501.example");

  EXPECT_TRUE(pdb().contacts(asn(64502)).empty());
  EXPECT_TRUE(pdb().contacts(asn(64511)).empty());
}

TEST(Snapshot, DefaultConstructedIsEmpty) {
  const Snapshot empty;
  EXPECT_EQ(empty.network_count(), 0u);
  EXPECT_EQ(empty.network_by_asn(asn(64500)), nullptr);
  EXPECT_TRUE(empty.ports(asn(64500), 1).empty());
  EXPECT_TRUE(empty.exchanges_of(asn(64500)).empty());
  EXPECT_TRUE(empty.contacts(asn(64500)).empty());
  EXPECT_TRUE(empty.ixlan_prefixes(1).empty());
}

}  // namespace
}  // namespace peerapi::sources::peeringdb
