// AS-SET expansion (RFC 2622 section 5.1) over a map-backed IrrSource: names, recursion, loops,
// missing sets, depth and size caps, and the prefix union.
#include "sources/irr/expand.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sources/irr/memory_irr_source.hpp"

namespace peerapi::sources::irr {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::MemoryIrrSource;

std::vector<std::uint32_t> numbers(const std::vector<model::Asn>& asns) {
  std::vector<std::uint32_t> out;
  for (const auto asn : asns)
    out.push_back(asn.value());
  return out;
}

std::vector<std::string> texts(const std::vector<model::Prefix>& prefixes) {
  std::vector<std::string> out;
  for (const auto& prefix : prefixes)
    out.push_back(prefix.to_string());
  return out;
}

struct NameCase {
  const char* input;
  const char* canonical;
};

TEST(AsSetName, ValidNamesAreUpperCased) {
  const NameCase cases[] = {
      {"AS-FOO", "AS-FOO"},
      {"as-foo", "AS-FOO"},
      {"As-Foo_Bar-1", "AS-FOO_BAR-1"},
      {"AS64500:AS-CUSTOMERS", "AS64500:AS-CUSTOMERS"},
      {"as64500:as-customers:AS64501", "AS64500:AS-CUSTOMERS:AS64501"},
      {"AS-FOO:AS-BAR", "AS-FOO:AS-BAR"},
      {"RIPE::AS-FOO", "RIPE::AS-FOO"},
      {"ripe-nonauth::as64500:as-foo", "RIPE-NONAUTH::AS64500:AS-FOO"},
      {"AS-A", "AS-A"},
  };
  for (const auto& c : cases) {
    auto name = canonical_as_set_name(c.input);
    ASSERT_TRUE(name) << c.input << ": " << name.error().message;
    EXPECT_EQ(*name, c.canonical) << c.input;
  }
}

TEST(AsSetName, BadNamesAreInvalidValueAtAsSet) {
  const std::string too_long = "AS-" + std::string(253, 'X');
  const std::string bad[] = {
      "",
      "FOO",
      "AS-",
      "AS-FOO-",
      "AS-FOO_",
      "AS-F O",
      "AS-FOO\n!q",
      "AS-FOO,1",
      "AS64500",
      "AS64500:AS64501",
      "AS-FOO:",
      ":AS-FOO",
      "AS-FOO::",
      "::AS-FOO",
      "1RIPE::AS-FOO",
      "RI PE::AS-FOO",
      "RIPE::AS64500",
      "AS0123:AS-FOO",
      "AS4294967296:AS-FOO",
      "AS-ANY",
      "as-any",
      "RIPE::AS-ANY",
      "RS-FOO",
      too_long,
  };
  for (const auto& input : bad) {
    auto name = canonical_as_set_name(input);
    ASSERT_FALSE(name) << "accepted \"" << input << "\"";
    EXPECT_EQ(name.error().code, ErrorCode::invalid_value) << input;
    EXPECT_EQ(name.error().field, "as_set") << input;
  }
  EXPECT_EQ(canonical_as_set_name("nope", "members[3]").error().field, "members[3]");
}

TEST(ExpansionRoot, AsnOrSet) {
  auto asn = parse_expansion_root("AS64501");
  ASSERT_TRUE(asn);
  ASSERT_TRUE(asn->asn);
  EXPECT_EQ(asn->asn->value(), 64501u);
  EXPECT_TRUE(asn->as_set.empty());
  EXPECT_EQ(parse_expansion_root("as65536")->asn->value(), 65536u);
  EXPECT_EQ(parse_expansion_root("64511")->asn->value(), 64511u);
  auto set = parse_expansion_root("as-foo");
  ASSERT_TRUE(set);
  EXPECT_FALSE(set->asn);
  EXPECT_EQ(set->as_set, "AS-FOO");

  for (const char* bad : {"AS23456", "AS0", "AS4294967296", "AS065536", "AS", "AS-", "X"}) {
    auto root = parse_expansion_root(bad);
    ASSERT_FALSE(root) << bad;
    EXPECT_EQ(root.error().code, ErrorCode::invalid_value) << bad;
    EXPECT_EQ(root.error().field, "as_set") << bad;
  }
}

TEST(ExpandAsSet, AnAsnExpandsToItselfWithoutLookups) {
  MemoryIrrSource source;
  auto expansion = expand_as_set(source, "AS64501");
  ASSERT_TRUE(expansion) << expansion.error().message;
  EXPECT_THAT(numbers(expansion->asns), ElementsAre(64501u));
  EXPECT_EQ(expansion->sets_visited, 0u);
  EXPECT_EQ(source.total_lookups(), 0);
}

TEST(ExpandAsSet, NestedSetsAreFlattenedSortedAndUnique) {
  MemoryIrrSource source;
  source.add_set("AS-ROOT", {"AS64503", "AS-CUSTOMERS", "AS64501"});
  source.add_set("AS-CUSTOMERS", {"AS64502", "AS64501", "as-downstream"});
  source.add_set("AS-DOWNSTREAM", {"AS65536", "AS64502"});
  auto expansion = expand_as_set(source, "as-root");
  ASSERT_TRUE(expansion) << expansion.error().message;
  EXPECT_THAT(numbers(expansion->asns), ElementsAre(64501u, 64502u, 64503u, 65536u));
  EXPECT_EQ(expansion->sets_visited, 3u);
  EXPECT_THAT(expansion->missing_sets, IsEmpty());
  EXPECT_THAT(expansion->loops, IsEmpty());
  EXPECT_THAT(expansion->skipped, IsEmpty());
  EXPECT_FALSE(expansion->depth_capped);
}

TEST(ExpandAsSet, TopLevelMissingSetIsNotFound) {
  MemoryIrrSource source;
  auto expansion = expand_as_set(source, "AS-NOWHERE");
  ASSERT_FALSE(expansion);
  EXPECT_EQ(expansion.error().code, ErrorCode::not_found);
  EXPECT_EQ(expansion.error().field, "as_set");
  EXPECT_NE(expansion.error().message.find("AS-NOWHERE"), std::string::npos);
}

TEST(ExpandAsSet, BadNameIsRejectedBeforeAnyLookup) {
  MemoryIrrSource source;
  auto expansion = expand_as_set(source, "CUSTOMERS");
  ASSERT_FALSE(expansion);
  EXPECT_EQ(expansion.error().code, ErrorCode::invalid_value);
  EXPECT_EQ(expansion.error().field, "as_set");
  EXPECT_EQ(source.total_lookups(), 0);
}

TEST(ExpandAsSet, NestedMissingSetsAreRecordedOnce) {
  MemoryIrrSource source;
  source.add_set("AS-ROOT", {"AS-GONE", "AS64501", "AS-A"});
  source.add_set("AS-A", {"AS-GONE", "AS-ALSO-GONE", "AS64502"});
  auto expansion = expand_as_set(source, "AS-ROOT");
  ASSERT_TRUE(expansion) << expansion.error().message;
  EXPECT_THAT(numbers(expansion->asns), ElementsAre(64501u, 64502u));
  EXPECT_THAT(expansion->missing_sets, ElementsAre("AS-ALSO-GONE", "AS-GONE"));
  EXPECT_EQ(source.lookups("AS-GONE"), 1);
  EXPECT_EQ(expansion->sets_visited, 2u);
}

TEST(ExpandAsSet, LoopIsRecordedAndCut) {
  MemoryIrrSource source;
  source.add_set("AS-A", {"AS-B", "AS64501"});
  source.add_set("AS-B", {"AS-C"});
  source.add_set("AS-C", {"as-a", "AS64503"});
  auto expansion = expand_as_set(source, "AS-A");
  ASSERT_TRUE(expansion) << expansion.error().message;
  EXPECT_THAT(numbers(expansion->asns), ElementsAre(64501u, 64503u));
  EXPECT_THAT(expansion->loops, ElementsAre("AS-A"));
  EXPECT_EQ(source.lookups("AS-A"), 1);
  EXPECT_EQ(source.lookups("AS-B"), 1);
  EXPECT_EQ(source.lookups("AS-C"), 1);
}

TEST(ExpandAsSet, SelfMembershipIsALoop) {
  MemoryIrrSource source;
  source.add_set("AS-SELF", {"AS-SELF", "AS64501"});
  auto expansion = expand_as_set(source, "AS-SELF");
  ASSERT_TRUE(expansion);
  EXPECT_THAT(numbers(expansion->asns), ElementsAre(64501u));
  EXPECT_THAT(expansion->loops, ElementsAre("AS-SELF"));
}

TEST(ExpandAsSet, DiamondIsNoLoopAndIsFetchedOnce) {
  MemoryIrrSource source;
  source.add_set("AS-ROOT", {"AS-LEFT", "AS-RIGHT"});
  source.add_set("AS-LEFT", {"AS-SHARED", "AS64501"});
  source.add_set("AS-RIGHT", {"AS-SHARED", "AS64502"});
  source.add_set("AS-SHARED", {"AS64503"});
  auto expansion = expand_as_set(source, "AS-ROOT");
  ASSERT_TRUE(expansion);
  EXPECT_THAT(numbers(expansion->asns), ElementsAre(64501u, 64502u, 64503u));
  EXPECT_THAT(expansion->loops, IsEmpty());
  EXPECT_EQ(source.lookups("AS-SHARED"), 1);
  EXPECT_EQ(expansion->sets_visited, 4u);
}

TEST(ExpandAsSet, DepthCapStopsBelowMaxDepth) {
  MemoryIrrSource source;
  source.add_set("AS-L1", {"AS64501", "AS-L2"});
  source.add_set("AS-L2", {"AS64502", "AS-L3"});
  source.add_set("AS-L3", {"AS64503", "AS-L4"});
  source.add_set("AS-L4", {"AS64504"});
  auto capped = expand_as_set(source, "AS-L1", ExpandOptions{.max_depth = 3, .max_sets = 100});
  ASSERT_TRUE(capped);
  EXPECT_THAT(numbers(capped->asns), ElementsAre(64501u, 64502u, 64503u));
  EXPECT_TRUE(capped->depth_capped);
  EXPECT_EQ(source.lookups("AS-L4"), 0);

  auto direct = expand_as_set(source, "AS-L1", ExpandOptions{.max_depth = 1, .max_sets = 100});
  ASSERT_TRUE(direct);
  EXPECT_THAT(numbers(direct->asns), ElementsAre(64501u));
  EXPECT_TRUE(direct->depth_capped);

  auto full = expand_as_set(source, "AS-L1", ExpandOptions{.max_depth = 4, .max_sets = 100});
  ASSERT_TRUE(full);
  EXPECT_THAT(numbers(full->asns), ElementsAre(64501u, 64502u, 64503u, 64504u));
  EXPECT_FALSE(full->depth_capped);
}

TEST(ExpandAsSet, SetFirstMetDeepIsExpandedAgainWhenMetShallower) {
  // Depth-first, AS-X is first reached at level 3 (its member AS-Y is cut off at level 4),
  // then directly from the root at level 2, where AS-Y fits.
  MemoryIrrSource source;
  source.add_set("AS-ROOT", {"AS-A", "AS-X"});
  source.add_set("AS-A", {"AS-X"});
  source.add_set("AS-X", {"AS-Y"});
  source.add_set("AS-Y", {"AS64510"});
  auto expansion = expand_as_set(source, "AS-ROOT", ExpandOptions{.max_depth = 3, .max_sets = 100});
  ASSERT_TRUE(expansion);
  EXPECT_THAT(numbers(expansion->asns), ElementsAre(64510u));
  EXPECT_TRUE(expansion->depth_capped);
  EXPECT_EQ(source.lookups("AS-X"), 1) << "members are fetched once and reused";
}

TEST(ExpandAsSet, TooManySetsIsAnError) {
  MemoryIrrSource source;
  std::vector<std::string> members;
  for (int i = 0; i < 10; ++i) {
    members.push_back("AS-N" + std::to_string(i));
    source.add_set("AS-N" + std::to_string(i), {"AS64501"});
  }
  source.add_set("AS-WIDE", members);
  auto expansion = expand_as_set(source, "AS-WIDE", ExpandOptions{.max_depth = 20, .max_sets = 5});
  ASSERT_FALSE(expansion);
  EXPECT_EQ(expansion.error().code, ErrorCode::too_many_items);
  EXPECT_EQ(expansion.error().field, "as_set");
  EXPECT_EQ(source.total_lookups(), 5);

  auto enough = expand_as_set(source, "AS-WIDE", ExpandOptions{.max_depth = 20, .max_sets = 11});
  ASSERT_TRUE(enough);
  EXPECT_EQ(enough->sets_visited, 11u);
}

TEST(ExpandAsSet, MembersThatNameNoAsnsAreSkipped) {
  MemoryIrrSource source;
  source.add_set("AS-MIXED", {"AS-ANY", "AS23456", "AS0", "RS-ROUTES", "not a name", "AS64501",
                              "AS4294967296"});
  auto expansion = expand_as_set(source, "AS-MIXED");
  ASSERT_TRUE(expansion);
  EXPECT_THAT(numbers(expansion->asns), ElementsAre(64501u));
  EXPECT_THAT(expansion->skipped,
              ElementsAre("AS-ANY", "AS0", "AS23456", "AS4294967296", "NOT A NAME", "RS-ROUTES"));
  EXPECT_THAT(expansion->missing_sets, IsEmpty());
}

TEST(ExpandAsSet, SourceErrorsOtherThanNotFoundAreReturned) {
  MemoryIrrSource source;
  source.add_set("AS-ROOT", {"AS-A"});
  source.add_set("AS-A", {"AS64501"});
  source.fail_set("AS-A", Error{ErrorCode::unavailable, "irrd", "irrd 127.0.0.1:1: down"});
  auto expansion = expand_as_set(source, "AS-ROOT");
  ASSERT_FALSE(expansion);
  EXPECT_EQ(expansion.error().code, ErrorCode::unavailable);
  EXPECT_EQ(expansion.error().field, "irrd");
}

TEST(ExpandAsSet, QualifiedAndHierarchicalNamesReachTheSource) {
  MemoryIrrSource source;
  source.add_set("RIPE::AS-FOO", {"AS64500:AS-CUSTOMERS"});
  source.add_set("AS64500:AS-CUSTOMERS", {"AS64505"});
  auto expansion = expand_as_set(source, "ripe::as-foo");
  ASSERT_TRUE(expansion) << expansion.error().message;
  EXPECT_THAT(numbers(expansion->asns), ElementsAre(64505u));
  EXPECT_EQ(source.lookups("RIPE::AS-FOO"), 1);
  EXPECT_EQ(source.lookups("AS64500:AS-CUSTOMERS"), 1);
}

TEST(PrefixesFor, UnionIsSortedUniqueAndOfOneFamily) {
  MemoryIrrSource source;
  source.add_route(64501, "198.51.100.0/24");
  source.add_route(64501, "192.0.2.0/24");
  source.add_route(64502, "198.51.100.0/24");
  source.add_route(64502, "198.51.100.0/25");
  source.add_route(64502, "2001:db8::/32");
  source.add_route(64503, "2001:db8:1::/48");
  const std::vector<model::Asn> asns = {*model::Asn::from_number(64502),
                                        *model::Asn::from_number(64501),
                                        *model::Asn::from_number(64503)};
  auto v4 = prefixes_for(source, asns, model::IpFamily::v4);
  ASSERT_TRUE(v4);
  EXPECT_THAT(texts(*v4), ElementsAre("192.0.2.0/24", "198.51.100.0/24", "198.51.100.0/25"));
  auto v6 = prefixes_for(source, asns, model::IpFamily::v6);
  ASSERT_TRUE(v6);
  EXPECT_THAT(texts(*v6), ElementsAre("2001:db8::/32", "2001:db8:1::/48"));
  auto none = prefixes_for(source, {}, model::IpFamily::v4);
  ASSERT_TRUE(none);
  EXPECT_THAT(*none, IsEmpty());
}

TEST(PrefixesFor, SourceErrorIsReturned) {
  MemoryIrrSource source;
  source.fail_routes(Error{ErrorCode::unavailable, "irrd", "down"});
  const std::vector<model::Asn> asns = {*model::Asn::from_number(64501)};
  auto prefixes = prefixes_for(source, asns, model::IpFamily::v4);
  ASSERT_FALSE(prefixes);
  EXPECT_EQ(prefixes.error().code, ErrorCode::unavailable);
}

}  // namespace
}  // namespace peerapi::sources::irr
