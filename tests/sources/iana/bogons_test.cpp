// Bogon derivation (RFC 7454 section 6.1) from the shipped registries, compared with the
// expected answer in expected/bogons_v{4,6}.txt (copies of ../shared/reference/iana/, written by
// hand from the same registry snapshots).
#include "sources/iana/bogons.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "support/test_support.hpp"

namespace peerapi::sources::iana {
namespace {

using peerapi::testing::read_file;
using peerapi::testing::source_dir;

model::Prefix prefix(std::string_view text) {
  auto parsed = model::Prefix::parse(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return *parsed;
}

/// The expected file, read the way its header describes: "PREFIX\t# comment" lines are bogon
/// entries (EXACT in the comment: exact match), "#ALLOC PREFIX\t..." lines the allocations, and
/// "#   PREFIX  name" lines under a "Globally Reachable = True" heading the non-bogons.
struct Expected {
  std::set<std::pair<std::string, BogonMatch>> entries;
  std::vector<std::string> allocated;
  std::vector<std::string> not_bogons;
};

Expected read_expected(const std::string& name) {
  Expected expected;
  std::istringstream in(read_file(source_dir() / "tests/sources/iana/expected" / name));
  bool in_not_bogons = false;
  for (std::string line; std::getline(in, line);) {
    if (line.empty())
      continue;
    if (line.starts_with("# ==")) {
      in_not_bogons = line.find("Globally Reachable = True") != std::string::npos;
      continue;
    }
    if (line.starts_with("#ALLOC ")) {
      const std::string rest = line.substr(7);
      expected.allocated.push_back(prefix(rest.substr(0, rest.find('\t'))).to_string());
      continue;
    }
    // List lines have three spaces after "#"; wrapped comment lines have four.
    if (line.starts_with("#   ") && line.size() > 4 && line[4] != ' ' && in_not_bogons) {
      std::istringstream words(line.substr(1));
      std::string word;
      words >> word;
      if (model::Prefix::parse(word))
        expected.not_bogons.push_back(word);
      continue;
    }
    if (line.starts_with("#"))
      continue;
    const std::string text = line.substr(0, line.find('\t'));
    const bool exact = line.find("EXACT") != std::string::npos;
    expected.entries.emplace(prefix(text).to_string(),
                             exact ? BogonMatch::exact : BogonMatch::or_longer);
  }
  return expected;
}

std::set<std::pair<std::string, BogonMatch>> entry_set(const std::vector<BogonEntry>& entries) {
  std::set<std::pair<std::string, BogonMatch>> out;
  for (const auto& entry : entries)
    out.emplace(entry.prefix.to_string(), entry.match);
  return out;
}

std::vector<std::string> texts(const std::vector<model::Prefix>& prefixes) {
  std::vector<std::string> out;
  for (const auto& p : prefixes)
    out.push_back(p.to_string());
  return out;
}

class ShippedBogons : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto registries = load(source_dir() / "data" / "iana");
    ASSERT_TRUE(registries.has_value()) << registries.error().message;
    set_ = new BogonSet(derive_bogons(*registries));
  }
  static void TearDownTestSuite() {
    delete set_;
    set_ = nullptr;
  }
  static const BogonSet& set() { return *set_; }

 private:
  static inline BogonSet* set_ = nullptr;
};

TEST_F(ShippedBogons, Ipv4EntriesEqualTheExpectedAnswer) {
  const Expected expected = read_expected("bogons_v4.txt");
  ASSERT_EQ(expected.entries.size(), 23u);  // the reader itself is checked
  EXPECT_EQ(entry_set(set().v4), expected.entries);
  EXPECT_EQ(set().v4.size(), expected.entries.size()) << "no duplicates";
  for (const auto& [text, match] : expected.entries) {
    EXPECT_TRUE(set().is_bogon(prefix(text))) << text;
  }
  ASSERT_EQ(expected.not_bogons.size(), 5u);
  for (const auto& text : expected.not_bogons)
    EXPECT_FALSE(set().is_bogon(prefix(text))) << text;
}

TEST_F(ShippedBogons, Ipv6EntriesAndAllocationsEqualTheExpectedAnswer) {
  const Expected expected = read_expected("bogons_v6.txt");
  ASSERT_EQ(expected.entries.size(), 18u);
  EXPECT_EQ(entry_set(set().v6), expected.entries);
  EXPECT_EQ(set().v6.size(), expected.entries.size()) << "no duplicates";
  ASSERT_EQ(expected.allocated.size(), 33u);
  EXPECT_EQ(texts(set().v6_allocated), expected.allocated);
  for (const auto& [text, match] : expected.entries)
    EXPECT_TRUE(set().is_bogon(prefix(text))) << text;
  ASSERT_EQ(expected.not_bogons.size(), 9u);
  for (const auto& text : expected.not_bogons)
    EXPECT_FALSE(set().is_bogon(prefix(text))) << text;
}

TEST_F(ShippedBogons, PermitsAreTheGloballyReachableBlocksThatOverrideARule) {
  EXPECT_EQ(texts([&] {
              std::vector<model::Prefix> out;
              for (const auto& e : set().v4_permit)
                out.push_back(e.prefix);
              return out;
            }()),
            (std::vector<std::string>{"192.0.0.9/32", "192.0.0.10/32"}));
  std::vector<model::Prefix> v6;
  for (const auto& e : set().v6_permit)
    v6.push_back(e.prefix);
  // Inside 2001::/23 (False), or outside the RIR allocations (64:ff9b::/96).
  EXPECT_EQ(texts(v6), (std::vector<std::string>{"64:ff9b::/96", "2001:1::1/128", "2001:1::2/128",
                                                 "2001:1::3/128", "2001:3::/32", "2001:4:112::/48",
                                                 "2001:20::/28", "2001:30::/28"}));
}

TEST_F(ShippedBogons, ListsAreSortedByPrefix) {
  for (const auto* list : {&set().v4, &set().v6, &set().v4_permit, &set().v6_permit}) {
    for (std::size_t i = 1; i < list->size(); ++i)
      EXPECT_LT((*list)[i - 1].prefix, (*list)[i].prefix);
  }
  EXPECT_EQ(set().v4.front().prefix.to_string(), "0.0.0.0/0");
  EXPECT_EQ(set().v4.front().match, BogonMatch::exact);
  EXPECT_EQ(set().v4.back().prefix.to_string(), "255.255.255.255/32");
}

struct Case {
  std::string prefix;
  bool bogon;
  std::string rfc_section;  // expected when bogon
  std::string reason_part;
};

/// Names the row in failure messages (gtest would print its bytes).
void PrintTo(const Case& row, std::ostream* out) {
  *out << row.prefix;
}

class Verdicts : public ShippedBogons, public ::testing::WithParamInterface<Case> {};

TEST_P(Verdicts, OfOnePrefix) {
  const Case& c = GetParam();
  const auto verdict = set().check(prefix(c.prefix));
  ASSERT_EQ(verdict.has_value(), c.bogon) << c.prefix;
  if (!verdict)
    return;
  EXPECT_EQ(verdict->rfc_section, c.rfc_section);
  EXPECT_NE(verdict->reason.find(c.reason_part), std::string::npos) << verdict->reason;
}

INSTANTIATE_TEST_SUITE_P(
    Table, Verdicts,
    ::testing::Values(
        // More specifics of a bogon entry are bogons.
        Case{"10.1.2.0/24", true, "RFC 7454 section 6.1.1.1", "Private-Use [RFC1918]"},
        Case{"198.51.100.128/25", true, "RFC 7454 section 6.1.1.1", "Documentation"},
        Case{"192.88.99.0/24", true, "RFC 7454 section 6.1.1.1", "terminated 2015-03"},
        Case{"233.252.0.0/24", true, "RFC 5771 section 3", "Multicast"},
        Case{"0.0.0.0/0", true, "RFC 7454 section 6.1.6.1", "default route"},
        // The default route entry is exact: 0.0.0.0/1 is an ordinary prefix.
        Case{"0.0.0.0/1", false, "", ""},
        // Covering prefixes of a bogon entry are not bogons.
        Case{"192.0.0.0/16", false, "", ""}, Case{"198.51.0.0/16", false, "", ""},
        // The most specific registry row decides: 192.0.0.9/32 is globally reachable, the
        // /29 around 192.0.0.8 is not.
        Case{"192.0.0.9/32", false, "", ""},
        Case{"192.0.0.8/31", true, "RFC 7454 section 6.1.1.1", "IETF Protocol Assignments"},
        Case{"192.0.0.8/32", true, "RFC 7454 section 6.1.1.1", "IPv4 dummy address"},
        Case{"192.175.48.0/24", false, "", ""},
        // IPv6: allocated RIR space is accepted.
        Case{"2001:db8::/48", true, "RFC 7454 section 6.1.1.2", "Documentation [RFC3849]"},
        Case{"2a00:1450::/32", false, "", ""}, Case{"2001:678::/48", false, "", ""},
        Case{"2620:4f:8000::/48", false, "", ""},
        // Outside the RIR allocations: reserved and not-yet-allocated space.
        Case{"2c10::/16", true, "RFC 7454 section 6.1.2.1", "not inside an IANA allocation"},
        Case{"3000::/16", true, "RFC 7454 section 6.1.2.1", "not inside an IANA allocation"},
        Case{"2000::/3", true, "RFC 7454 section 6.1.2.1", "not inside an IANA allocation"},
        Case{"2001::/16", true, "RFC 7454 section 6.1.2.1", "not inside an IANA allocation"},
        Case{"5f00:1::/32", true, "RFC 7454 section 6.1.1.2", "Segment Routing"},
        Case{"2001:0:1::/48", true, "RFC 7454 section 6.1.1.2", "TEREDO"},
        Case{"2002:c000:201::/48", true, "RFC 7454 section 6.1.1.2", "6to4"},
        Case{"2001:10::/32", true, "RFC 7454 section 6.1.1.2", "terminated 2014-03"},
        Case{"ff02::/16", true, "RFC 4291 section 2.7", "Multicast"},
        Case{"::/0", true, "RFC 7454 section 6.1.6.2", "default route"},
        // Globally reachable special-purpose blocks inside 2001::/23 and their more specifics.
        Case{"2001:3::/32", false, "", ""}, Case{"2001:3:1::/48", false, "", ""},
        Case{"2001:4:112::/48", false, "", ""},
        Case{"2001:4:113::/48", true, "RFC 7454 section 6.1.1.2", "IETF Protocol Assignments"},
        Case{"64:ff9b::/96", false, "", ""},
        Case{"64:ff9b:1::/48", true, "RFC 7454 section 6.1.1.2", "IPv4-IPv6 Translat."}),
    [](const ::testing::TestParamInfo<Case>& param_info) {
      std::string name;
      for (const char c : param_info.param.prefix)
        name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return name;
    });

TEST(Covers, ComparesOnlyTheOuterPrefixBits) {
  EXPECT_TRUE(covers(prefix("10.0.0.0/8"), prefix("10.255.0.0/16")));
  EXPECT_TRUE(covers(prefix("10.0.0.0/8"), prefix("10.0.0.0/8")));
  EXPECT_FALSE(covers(prefix("10.0.0.0/8"), prefix("11.0.0.0/16")));
  EXPECT_FALSE(covers(prefix("10.0.0.0/16"), prefix("10.0.0.0/8")));
  EXPECT_TRUE(covers(prefix("fc00::/7"), prefix("fd12:3456::/32")));
  EXPECT_FALSE(covers(prefix("fc00::/7"), prefix("fe00::/16")));
  EXPECT_TRUE(covers(prefix("0.0.0.0/0"), prefix("203.0.113.0/24")));
  EXPECT_FALSE(covers(prefix("::/0"), prefix("203.0.113.0/24"))) << "families differ";
}

TEST(DeriveBogons, ForwardableFalseAloneMakesABogonAndTheRowOrderDoesNotMatter) {
  Registries registries;
  auto parse = [](std::string_view rows) {
    auto entries = parse_special_registry(
        "Address Block,Name,RFC,Allocation Date,Termination Date,Source,Destination,Forwardable,"
        "Globally Reachable,Reserved-by-Protocol\n" +
            std::string(rows),
        model::IpFamily::v4, "t.csv");
    EXPECT_TRUE(entries.has_value()) << entries.error().message;
    return *entries;
  };
  const std::string a = "198.18.0.0/15,Bench,[RFC2544],1999-03,N/A,True,True,False,True,False\n";
  const std::string b = "192.0.2.0/24,Doc,[RFC5737],2010-01,N/A,False,False,False,False,False\n";
  registries.ipv4_special = parse(a + b);
  const BogonSet first = derive_bogons(registries);
  registries.ipv4_special = parse(b + a);
  const BogonSet second = derive_bogons(registries);
  ASSERT_EQ(first.v4.size(), 4u);  // two rows + default route + multicast
  for (std::size_t i = 0; i < first.v4.size(); ++i) {
    EXPECT_EQ(first.v4[i].prefix, second.v4[i].prefix);
    EXPECT_EQ(first.v4[i].reason, second.v4[i].reason);
  }
  const auto verdict = first.check(prefix("198.18.0.0/15"));
  ASSERT_TRUE(verdict.has_value());
  EXPECT_EQ(verdict->reason, "Bench [RFC2544]: Forwardable is False");
}

}  // namespace
}  // namespace peerapi::sources::iana
