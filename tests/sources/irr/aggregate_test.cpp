// Prefix-list aggregation: known answers, the text form, and the coverage property
// coverage(aggregate(S)) == coverage(S) checked by enumerating small address spaces.
#include "sources/irr/aggregate.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace peerapi::sources::irr {
namespace {

using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

model::Prefix prefix(const std::string& text) {
  auto parsed = model::Prefix::parse(text);
  if (!parsed)
    throw std::invalid_argument(text + ": " + parsed.error().message);
  return *parsed;
}

std::vector<model::Prefix> prefixes(const std::vector<std::string>& texts) {
  std::vector<model::Prefix> out;
  for (const auto& text : texts)
    out.push_back(prefix(text));
  return out;
}

std::vector<std::string> lines(const std::vector<PrefixRange>& ranges) {
  std::vector<std::string> out;
  for (const auto& range : ranges)
    out.push_back(to_string(range));
  return out;
}

struct KnownAnswer {
  const char* name;
  std::vector<std::string> input;
  std::vector<std::string> expected;
};

TEST(Aggregate, KnownAnswers) {
  const KnownAnswer cases[] = {
      {"empty", {}, {}},
      {"single", {"198.51.100.0/24"}, {"198.51.100.0/24"}},
      {"two siblings", {"198.51.100.0/24", "198.51.101.0/24"}, {"198.51.100.0/23{24,24}"}},
      {"siblings plus an unrelated more specific",
       {"198.51.101.0/24", "198.51.100.0/24", "198.51.100.0/26"},
       {"198.51.100.0/23{24,24}", "198.51.100.0/26"}},
      {"full tree /22 to /24",
       {"198.51.100.0/22", "198.51.100.0/23", "198.51.102.0/23", "198.51.100.0/24",
        "198.51.101.0/24", "198.51.102.0/24", "198.51.103.0/24"},
       {"198.51.100.0/22{22,24}"}},
      {"/22 and its /24s without the /23s",
       {"198.51.100.0/22", "198.51.100.0/24", "198.51.101.0/24", "198.51.102.0/24",
        "198.51.103.0/24"},
       {"198.51.100.0/22", "198.51.100.0/22{24,24}"}},
      {"three of four /24s",
       {"198.51.100.0/24", "198.51.101.0/24", "198.51.102.0/24"},
       {"198.51.100.0/23{24,24}", "198.51.102.0/24"}},
      {"adjacent but not siblings",
       {"198.51.101.0/24", "198.51.102.0/24"},
       {"198.51.101.0/24", "198.51.102.0/24"}},
      {"/23 with both /24s",
       {"198.51.100.0/23", "198.51.100.0/24", "198.51.101.0/24"},
       {"198.51.100.0/23{23,24}"}},
      {"/23 with one /24",
       {"198.51.100.0/23", "198.51.101.0/24"},
       {"198.51.100.0/23", "198.51.101.0/24"}},
      {"duplicates and any order",
       {"203.0.113.128/25", "203.0.113.0/25", "203.0.113.128/25", "203.0.113.0/25"},
       {"203.0.113.0/24{25,25}"}},
      {"host routes",
       {"192.0.2.1/32", "192.0.2.0/32", "192.0.2.3/32"},
       {"192.0.2.0/31{32,32}", "192.0.2.3/32"}},
      {"whole address space halves", {"128.0.0.0/1", "0.0.0.0/1"}, {"0.0.0.0/0{1,1}"}},
      {"ipv6 siblings", {"2001:db8::/48", "2001:db8:1::/48"}, {"2001:db8::/47{48,48}"}},
      {"ipv6 host routes", {"2001:db8::1/128", "2001:db8::/128"}, {"2001:db8::/127{128,128}"}},
      {"families are kept apart, IPv4 first",
       {"2001:db8::/33", "198.51.101.0/24", "2001:db8:8000::/33", "198.51.100.0/24"},
       {"198.51.100.0/23{24,24}", "2001:db8::/32{33,33}"}},
      {"a range broken by a missing level",
       {"192.0.2.0/24", "192.0.2.0/25", "192.0.2.128/25", "192.0.2.0/27", "192.0.2.32/27",
        "192.0.2.64/27", "192.0.2.96/27", "192.0.2.128/27", "192.0.2.160/27", "192.0.2.192/27",
        "192.0.2.224/27"},
       {"192.0.2.0/24{24,25}", "192.0.2.0/24{27,27}"}},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(lines(aggregate(prefixes(c.input))), ElementsAreArray(c.expected)) << c.name;
  }
}

TEST(PrefixRange, TextRoundTrip) {
  for (const char* text : {"198.51.100.0/24", "198.51.100.0/23{24,24}", "198.51.100.0/22{22,24}",
                           "0.0.0.0/0{1,32}", "2001:db8::/32{48,64}", "2001:db8::1/128"}) {
    auto range = parse_prefix_range(text);
    ASSERT_TRUE(range) << text << ": " << range.error().message;
    EXPECT_EQ(to_string(*range), text);
  }
  auto plain = parse_prefix_range("198.51.100.0/24{24,24}");
  ASSERT_TRUE(plain);
  EXPECT_EQ(to_string(*plain), "198.51.100.0/24") << "bgpq4's %n/%l{%a,%A} for a plain prefix";
  EXPECT_EQ(plain->min_length, 24);
  EXPECT_EQ(plain->max_length, 24);
}

TEST(PrefixRange, BadTextIsInvalidValueAtTheField) {
  for (const char* bad :
       {"", "198.51.100.0", "198.51.100.1/24", "198.51.100.0/23{22,24}", "198.51.100.0/23{25,24}",
        "198.51.100.0/23{24,33}", "198.51.100.0/23{24}", "198.51.100.0/23{24,24",
        "198.51.100.0/23{24,24}x", "198.51.100.0/23{,24}", "198.51.100.0/23{a,24}",
        "2001:db8::/32{48,129}", "198.51.100.0/23{-1,24}"}) {
    auto range = parse_prefix_range(bad, "lines[4]");
    ASSERT_FALSE(range) << bad;
    EXPECT_EQ(range.error().code, ErrorCode::invalid_value) << bad;
    EXPECT_EQ(range.error().field, "lines[4]") << bad;
  }
}

TEST(PrefixRange, Matches) {
  const PrefixRange range = *parse_prefix_range("198.51.100.0/23{24,25}");
  EXPECT_TRUE(matches(range, prefix("198.51.100.0/24")));
  EXPECT_TRUE(matches(range, prefix("198.51.101.128/25")));
  EXPECT_FALSE(matches(range, prefix("198.51.100.0/23"))) << "shorter than min";
  EXPECT_FALSE(matches(range, prefix("198.51.100.0/26"))) << "longer than max";
  EXPECT_FALSE(matches(range, prefix("198.51.102.0/24"))) << "outside";
  EXPECT_FALSE(matches(range, prefix("2001:db8::/32"))) << "other family";
}

// ---- Coverage property ------------------------------------------------------------------------

/// Every prefix inside `base` whose length is at most `max_length` (IPv4).
std::vector<model::Prefix> v4_space(const std::string& base_text, int max_length) {
  const model::Prefix base = prefix(base_text);
  const auto& b = base.network().bytes();
  const std::uint32_t start =
      (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
  std::vector<model::Prefix> out;
  for (int length = base.length(); length <= max_length; ++length) {
    const std::uint32_t count = 1u << (length - base.length());
    for (std::uint32_t i = 0; i < count; ++i) {
      const std::uint32_t address = start + (i << (32 - length));
      out.push_back(
          prefix(model::IpAddress::v4(address).to_string() + "/" + std::to_string(length)));
    }
  }
  return out;
}

/// Every prefix inside 2001:db8::/`base_length` (base_length >= 32) up to `max_length` <= 64.
std::vector<model::Prefix> v6_space(int base_length, int max_length) {
  std::vector<model::Prefix> out;
  for (int length = base_length; length <= max_length; ++length) {
    const std::uint64_t count = std::uint64_t{1} << (length - base_length);
    for (std::uint64_t i = 0; i < count; ++i) {
      const std::uint64_t bits = i << (64 - length);  // address bits 32-63
      char text[64];
      std::snprintf(text, sizeof text, "2001:db8:%x:%x::/%d", static_cast<unsigned>(bits >> 16),
                    static_cast<unsigned>(bits & 0xffff), length);
      out.push_back(prefix(text));
    }
  }
  return out;
}

/// Checks that the ranges match exactly `input` among `universe`, and nothing outside it.
void expect_same_coverage(const std::vector<model::Prefix>& universe,
                          const std::vector<model::Prefix>& input, const model::Prefix& base,
                          int max_length, const std::vector<PrefixRange>& ranges) {
  const std::set<model::Prefix> wanted(input.begin(), input.end());
  for (const auto& range : ranges) {
    ASSERT_TRUE(base.contains(range.prefix.network()) && range.prefix.length() >= base.length())
        << to_string(range) << " leaves the space";
    ASSERT_LE(range.max_length, max_length) << to_string(range) << " matches longer prefixes";
    ASSERT_GE(range.min_length, range.prefix.length()) << to_string(range);
    ASSERT_LE(range.min_length, range.max_length) << to_string(range);
  }
  for (const auto& node : universe) {
    const bool covered = std::any_of(ranges.begin(), ranges.end(),
                                     [&](const PrefixRange& r) { return matches(r, node); });
    ASSERT_EQ(covered, wanted.contains(node)) << node.to_string();
  }
  ASSERT_LE(ranges.size(), wanted.size());
  ASSERT_TRUE(std::is_sorted(ranges.begin(), ranges.end()));
}

void run_property(const std::vector<model::Prefix>& universe, const model::Prefix& base,
                  int max_length, int rounds, std::uint32_t seed) {
  std::mt19937 random(seed);
  const double densities[] = {0.05, 0.3, 0.5, 0.8, 0.95, 1.0};
  for (int round = 0; round < rounds; ++round) {
    std::bernoulli_distribution pick(densities[static_cast<std::size_t>(round) % 6]);
    std::vector<model::Prefix> input;
    for (const auto& node : universe) {
      if (pick(random))
        input.push_back(node);
    }
    std::shuffle(input.begin(), input.end(), random);
    const auto ranges = aggregate(input);
    expect_same_coverage(universe, input, base, max_length, ranges);
    if (::testing::Test::HasFatalFailure()) {
      std::string shown;
      for (const auto& p : input)
        shown += p.to_string() + " ";
      FAIL() << "round " << round << " input: " << shown;
    }
    std::shuffle(input.begin(), input.end(), random);
    ASSERT_EQ(aggregate(input), ranges) << "deterministic whatever the input order";
  }
}

TEST(AggregateProperty, V4Inside22UpTo26) {
  const auto universe = v4_space("198.51.100.0/22", 26);
  ASSERT_EQ(universe.size(), 31u);
  run_property(universe, prefix("198.51.100.0/22"), 26, 3000, 20240601);
}

TEST(AggregateProperty, V4Inside20UpTo28) {
  const auto universe = v4_space("198.51.96.0/20", 28);
  ASSERT_EQ(universe.size(), 511u);
  run_property(universe, prefix("198.51.96.0/20"), 28, 120, 7);
}

TEST(AggregateProperty, V6Inside46UpTo51) {
  const auto universe = v6_space(46, 51);
  ASSERT_EQ(universe.size(), 63u);
  run_property(universe, prefix("2001:db8::/46"), 51, 1500, 99);
}

TEST(AggregateProperty, EveryLevelFullCollapsesToOneRange) {
  const auto universe = v4_space("198.51.100.0/22", 26);
  const auto ranges = aggregate(universe);
  EXPECT_THAT(lines(ranges), ElementsAreArray({"198.51.100.0/22{22,26}"}));
  EXPECT_THAT(aggregate({}), IsEmpty());
}

}  // namespace
}  // namespace peerapi::sources::irr
