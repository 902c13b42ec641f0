// IrrDatabase from RPSL text and from dump files (plain and gzip): what is kept, how bad objects
// are reported (exact code, field and line), source priority and source-qualified lookups, and
// concurrent reads.
#include "sources/irr/irr_database.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "support/test_support.hpp"

namespace peerapi::sources::irr {
namespace {

model::Asn asn(std::int64_t value) {
  return *model::Asn::from_number(value);
}

std::vector<std::string> prefixes(const IrrDatabase& db, std::int64_t origin,
                                  model::IpFamily family) {
  auto result = db.origin_prefixes(asn(origin), family);
  EXPECT_TRUE(result.has_value());
  std::vector<std::string> out;
  for (const auto& prefix : *result)
    out.push_back(prefix.to_string());
  return out;
}

std::vector<std::string> members(const IrrDatabase& db, std::string_view name) {
  auto result = db.as_set_members(name);
  EXPECT_TRUE(result.has_value()) << name << ": " << result.error().message;
  return result ? *result : std::vector<std::string>{};
}

std::shared_ptr<IrrDatabase> must_load(std::string_view text, LoadReport& report) {
  auto db = IrrDatabase::from_text(text, report);
  EXPECT_TRUE(db.has_value()) << db.error().message;
  return db ? *db : nullptr;
}

const char* const kBasic = R"(# A dump with a header comment
% and a whois remark

route:          192.0.2.0/24
descr:          Example route
origin:         AS64501
mnt-by:         MAINT-EXAMPLE
created:        2020-01-01T00:00:00Z
last-modified:  2021-01-01T00:00:00Z
source:         TEST

route:          198.51.100.0/25
origin:         AS64501
source:         TEST

route:          198.51.100.128/25
origin:         AS64501
source:         TEST

route:          192.0.2.0/25
origin:         AS64501
source:         TEST

route6:         2001:db8:1::/48
origin:         AS64501
source:         TEST

route6:         2001:DB8::/32
origin:         as64502
source:         test

route:          203.0.113.0/24
origin:         AS64502
source:         TEST

as-set:         AS-EXAMPLE
descr:          customers
members:        AS64501, as64502,
                AS-CUSTOMERS
mp-members:     AS64503
mp-members:     as64500:as-nested
source:         TEST

as-set:         AS-CUSTOMERS
members:        AS64504
members:        AS64505, AS-EXAMPLE
source:         TEST

as-set:         AS-EMPTY
source:         TEST

aut-num:        AS64501
as-name:        EXAMPLE-NET
import:         from AS64502 accept ANY
export:         to AS64502 announce AS-EXAMPLE
source:         TEST

mntner:         MAINT-EXAMPLE
auth:           SSO example@example.net
source:         TEST

person:         Example Person
nic-hdl:        EP1-TEST
source:         TEST
)";

TEST(IrrDatabase, KeepsRoutesSetsAndAutNums) {
  LoadReport report;
  const auto db = must_load(kBasic, report);
  ASSERT_NE(db, nullptr);
  EXPECT_TRUE(report.problems.empty()) << report.problems[0].to_string();

  EXPECT_EQ(prefixes(*db, 64501, model::IpFamily::v4),
            (std::vector<std::string>{"192.0.2.0/24", "192.0.2.0/25", "198.51.100.0/25",
                                      "198.51.100.128/25"}));
  EXPECT_EQ(prefixes(*db, 64501, model::IpFamily::v6),
            (std::vector<std::string>{"2001:db8:1::/48"}));
  EXPECT_EQ(prefixes(*db, 64502, model::IpFamily::v4),
            (std::vector<std::string>{"203.0.113.0/24"}));
  EXPECT_EQ(prefixes(*db, 64502, model::IpFamily::v6), (std::vector<std::string>{"2001:db8::/32"}));
  EXPECT_TRUE(prefixes(*db, 64503, model::IpFamily::v4).empty());
  EXPECT_TRUE(prefixes(*db, 4200000000, model::IpFamily::v6).empty());

  EXPECT_EQ(members(*db, "AS-EXAMPLE"),
            (std::vector<std::string>{"AS64501", "AS64502", "AS-CUSTOMERS", "AS64503",
                                      "AS64500:AS-NESTED"}));
  EXPECT_EQ(members(*db, "as-customers"),
            (std::vector<std::string>{"AS64504", "AS64505", "AS-EXAMPLE"}));
  EXPECT_TRUE(members(*db, "AS-EMPTY").empty());
  EXPECT_TRUE(db->has_as_set("as-example"));
  EXPECT_TRUE(db->has_as_set("TEST::AS-EXAMPLE"));
  EXPECT_FALSE(db->has_as_set("AS64500:AS-NESTED"));  // referenced, never defined
  EXPECT_TRUE(db->has_aut_num(asn(64501)));
  EXPECT_FALSE(db->has_aut_num(asn(64502)));

  EXPECT_EQ(db->route_count(), 5u);
  EXPECT_EQ(db->route6_count(), 2u);
  EXPECT_EQ(db->as_set_count(), 3u);
  EXPECT_EQ(db->aut_num_count(), 1u);
  EXPECT_EQ(db->sources(), (std::vector<std::string>{"TEST"}));
  EXPECT_GT(db->memory_bytes(), sizeof(IrrDatabase));

  EXPECT_EQ(report.route.read, 5u);
  EXPECT_EQ(report.route.loaded, 5u);
  EXPECT_EQ(report.route6.loaded, 2u);
  EXPECT_EQ(report.as_set.loaded, 3u);
  EXPECT_EQ(report.aut_num.loaded, 1u);
  EXPECT_EQ(report.other_objects, 2u);
  EXPECT_EQ(report.malformed, 0u);
  EXPECT_EQ(report.objects_read(), 13u);
  EXPECT_EQ(report.skipped(), 0u);
  EXPECT_EQ(report.files, 1u);
  EXPECT_EQ(report.bytes, std::string_view(kBasic).size());
}

TEST(IrrDatabase, UnknownSetIsNotFound) {
  const auto db = *IrrDatabase::from_text(kBasic);
  for (const char* name :
       {"AS-NOPE", "AS64500:AS-NESTED", "OTHER::AS-EXAMPLE", "", "::", "AS64501", "TEST::"}) {
    const auto result = db->as_set_members(name);
    ASSERT_FALSE(result.has_value()) << name;
    EXPECT_EQ(result.error().code, ErrorCode::not_found) << name;
    EXPECT_EQ(result.error().field, "as_set");
  }
}

TEST(IrrDatabase, WorksThroughTheIrrSourceInterface) {
  const auto db = *IrrDatabase::from_text(kBasic);
  // The object was built non-const; IrrSource's methods are not const (see README.md).
  IrrSource& source = *db;
  EXPECT_EQ(source.as_set_members("AS-CUSTOMERS")->size(), 3u);
  EXPECT_EQ(source.origin_prefixes(asn(64501), model::IpFamily::v4)->size(), 4u);
  EXPECT_EQ(source.as_set_members("AS-NOPE").error().code, ErrorCode::not_found);
}

struct BadObject {
  std::string name;
  std::string text;  // one object; the test appends a good one after it
  ErrorCode code;
  std::string field;
  std::size_t line;
  std::string message;
};

class BadRpslObjectTest : public ::testing::TestWithParam<BadObject> {};

TEST_P(BadRpslObjectTest, IsSkippedAndReportedExactly) {
  const BadObject& bad = GetParam();
  LoadReport report;
  const auto db = must_load(bad.text + "\naut-num: AS64510\nsource: TEST\n", report);
  ASSERT_NE(db, nullptr);
  ASSERT_EQ(report.problems.size(), 1u);
  const LoadProblem& problem = report.problems[0];
  EXPECT_EQ(problem.file, "<text>");
  EXPECT_EQ(problem.line, bad.line);
  EXPECT_EQ(problem.error.code, bad.code) << to_string(problem.error.code);
  EXPECT_EQ(problem.error.field, bad.field);
  EXPECT_EQ(problem.error.message, bad.message);
  EXPECT_EQ(report.skipped(), 1u);
  EXPECT_TRUE(db->has_aut_num(asn(64510)));  // the object after it loaded
  EXPECT_EQ(db->route_count() + db->route6_count() + db->as_set_count(), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Rpsl, BadRpslObjectTest,
    ::testing::Values(
        BadObject{"RouteHostBits", "route: 192.0.2.1/24\norigin: AS64501\nsource: TEST\n",
                  ErrorCode::invalid_value, "route", 1,
                  "prefix \"192.0.2.1/24\" has host bits set"},
        BadObject{"Route6HostBits", "route6: 2001:db8::1/32\norigin: AS64501\nsource: TEST\n",
                  ErrorCode::invalid_value, "route6", 1,
                  "prefix \"2001:db8::1/32\" has host bits set"},
        BadObject{"RouteWithIpv6Prefix", "route: 2001:db8::/32\norigin: AS64501\nsource: TEST\n",
                  ErrorCode::invalid_value, "route", 1,
                  "an IPv6 prefix belongs in a route6 object (RFC 4012), got \"2001:db8::/32\""},
        BadObject{"Route6WithIpv4Prefix", "route6: 192.0.2.0/24\norigin: AS64501\nsource: TEST\n",
                  ErrorCode::invalid_value, "route6", 1,
                  "an IPv4 prefix belongs in a route object (RFC 2622 section 4), got "
                  "\"192.0.2.0/24\""},
        BadObject{"RouteBadAddress", "route: 192.0.2/24\norigin: AS64501\nsource: TEST\n",
                  ErrorCode::invalid_ip, "route", 1,
                  "expected an IPv4 or IPv6 address, got \"192.0.2\""},
        BadObject{"RouteNoLength", "route: 192.0.2.0\norigin: AS64501\nsource: TEST\n",
                  ErrorCode::invalid_value, "route", 1,
                  "expected a prefix such as 198.51.100.0/24, got \"192.0.2.0\""},
        BadObject{"RouteWithoutKey", "route:\norigin: AS64501\nsource: TEST\n",
                  ErrorCode::missing_field, "route", 1, "the object has no key: expected a prefix"},
        BadObject{"RouteWithoutOrigin", "route: 192.0.2.0/24\nsource: TEST\n",
                  ErrorCode::missing_field, "route.origin", 1,
                  "a route object names its origin AS (RFC 2622 section 4)"},
        BadObject{"Route6WithoutOrigin", "route6: 2001:db8::/32\nsource: TEST\n",
                  ErrorCode::missing_field, "route6.origin", 1,
                  "a route object names its origin AS (RFC 2622 section 4)"},
        BadObject{"RouteTwoOrigins",
                  "route: 192.0.2.0/24\norigin: AS64501\norigin: AS64502\nsource: TEST\n",
                  ErrorCode::invalid_value, "route.origin", 2,
                  "origin: is single-valued (RFC 2622 section 4), found it more than once"},
        BadObject{"OriginNotAnAsNumber",
                  "route: 192.0.2.0/24\ndescr: x\norigin: AS-EXAMPLE\nsource: TEST\n",
                  ErrorCode::invalid_asn, "route.origin", 3,
                  "expected an AS number such as AS64500, got \"AS-EXAMPLE\""},
        BadObject{"OriginWithoutAsPrefix", "route: 192.0.2.0/24\norigin: 64501\nsource: TEST\n",
                  ErrorCode::invalid_asn, "route.origin", 2,
                  "expected an AS number such as AS64500, got \"64501\""},
        BadObject{"OriginAsDot", "route6: 2001:db8::/32\norigin: AS1.10\nsource: TEST\n",
                  ErrorCode::invalid_asn, "route6.origin", 2,
                  "expected an ASN such as 64500 or AS64500, got \"AS1.10\""},
        BadObject{"OriginAsTrans", "route: 192.0.2.0/24\norigin: AS23456\nsource: TEST\n",
                  ErrorCode::reserved_asn, "route.origin", 2,
                  "AS23456 is AS_TRANS (RFC 6793) and never a real ASN"},
        BadObject{"OriginZero", "route: 192.0.2.0/24\norigin: AS0\nsource: TEST\n",
                  ErrorCode::reserved_asn, "route.origin", 2, "AS0 is reserved (RFC 7607)"},
        BadObject{"RouteWithoutSource", "route: 192.0.2.0/24\norigin: AS64501\n",
                  ErrorCode::missing_field, "route.source", 1,
                  "every object names its registry in source: (RFC 2622 section 3)"},
        BadObject{"RouteBadSource", "route: 192.0.2.0/24\norigin: AS64501\nsource: TE ST\n",
                  ErrorCode::invalid_value, "route.source", 3,
                  "expected a registry name such as RIPE, got \"TE ST\""},
        BadObject{"AsSetWithoutKey", "as-set:\nmembers: AS64501\nsource: TEST\n",
                  ErrorCode::missing_field, "as-set", 1, "the object has no key: expected a name"},
        BadObject{"AsSetBadName", "as-set: EXAMPLE\nmembers: AS64501\nsource: TEST\n",
                  ErrorCode::invalid_value, "as-set", 1,
                  "expected an as-set name such as AS-EXAMPLE or AS64500:AS-EXAMPLE (RFC 2622 "
                  "section 5), got \"EXAMPLE\""},
        BadObject{"AsSetNameEndsInHyphen", "as-set: AS-EXAMPLE-\nsource: TEST\n",
                  ErrorCode::invalid_value, "as-set", 1,
                  "expected an as-set name such as AS-EXAMPLE or AS64500:AS-EXAMPLE (RFC 2622 "
                  "section 5), got \"AS-EXAMPLE-\""},
        BadObject{"AsSetHierarchicalWithoutSet", "as-set: AS64500:AS64501\nsource: TEST\n",
                  ErrorCode::invalid_value, "as-set", 1,
                  "expected an as-set name such as AS-EXAMPLE or AS64500:AS-EXAMPLE (RFC 2622 "
                  "section 5), got \"AS64500:AS64501\""},
        BadObject{"AsSetWithoutSource", "as-set: AS-EXAMPLE\nmembers: AS64501\n",
                  ErrorCode::missing_field, "as-set.source", 1,
                  "every object names its registry in source: (RFC 2622 section 3)"},
        BadObject{"AutNumBad", "aut-num: AS-EXAMPLE\nsource: TEST\n", ErrorCode::invalid_asn,
                  "aut-num", 1, "expected an AS number such as AS64500, got \"AS-EXAMPLE\""},
        BadObject{"AutNumReserved", "aut-num: AS65535\nsource: TEST\n", ErrorCode::reserved_asn,
                  "aut-num", 1, "AS65535 is reserved (RFC 7300)"},
        BadObject{"AutNumWithoutSource", "aut-num: AS64501\n", ErrorCode::missing_field,
                  "aut-num.source", 1,
                  "every object names its registry in source: (RFC 2622 section 3)"},
        BadObject{"NotRpsl", "route: 192.0.2.0/24\nthis is not rpsl\nsource: TEST\n",
                  ErrorCode::invalid_value, "rpsl", 2,
                  "expected \"attribute: value\", got \"this is not rpsl\""},
        BadObject{"ContinuationFirst", " route: 192.0.2.0/24\n", ErrorCode::invalid_value, "rpsl",
                  1, "continuation line before any attribute"}),
    [](const ::testing::TestParamInfo<BadObject>& param_info) { return param_info.param.name; });

TEST(IrrDatabase, BadMembersAreLeftOutAndReportedWhileTheSetLoads) {
  LoadReport report;
  const auto db = must_load(
      "as-set: AS-EXAMPLE\n"
      "members: AS64501, AS064502, 64503, AS-\n"
      "mp-members: AS23456, AS0, as64500:as-x:AS64501, AS-X:Y, AS4294967296\n"
      "source: TEST\n",
      report);
  ASSERT_NE(db, nullptr);
  // Reserved numbers are members as written; whether to use them is the expander's decision.
  EXPECT_EQ(members(*db, "AS-EXAMPLE"),
            (std::vector<std::string>{"AS64501", "AS23456", "AS0", "AS64500:AS-X:AS64501"}));
  std::vector<std::string> problems;
  for (const auto& problem : report.problems)
    problems.push_back(problem.to_string());
  const std::string tail =
      " is neither an AS number nor an as-set name (RFC 2622 section 5.1); "
      "the member is left out";
  EXPECT_EQ(problems, (std::vector<std::string>{
                          "<text>:2: as-set.members: \"AS064502\"" + tail,
                          "<text>:2: as-set.members: \"64503\"" + tail,
                          "<text>:2: as-set.members: \"AS-\"" + tail,
                          "<text>:3: as-set.mp-members: \"AS-X:Y\"" + tail,
                          "<text>:3: as-set.mp-members: \"AS4294967296\"" + tail,
                      }));
  for (const auto& problem : report.problems)
    EXPECT_EQ(problem.error.code, ErrorCode::invalid_value);
  EXPECT_EQ(report.as_set.loaded, 1u);
  EXPECT_EQ(report.as_set.skipped, 0u);
}

const char* const kTwoSources = R"(
as-set: AS-SHARED
members: AS64501
source: FIRST

route: 192.0.2.0/24
origin: AS64501
source: FIRST

as-set: AS-SHARED
members: AS64502
source: SECOND

as-set: AS-ONLY-SECOND
members: AS64503
source: second

route: 192.0.2.0/24
origin: AS64501
source: SECOND

route: 192.0.2.0/24
origin: AS64501
source: FIRST

aut-num: AS64501
source: SECOND

aut-num: AS64501
source: FIRST
)";

TEST(IrrDatabase, SeveralSourcesRankInLoadOrder) {
  LoadReport report;
  const auto db = must_load(kTwoSources, report);
  ASSERT_NE(db, nullptr);
  EXPECT_TRUE(report.problems.empty());
  EXPECT_EQ(db->sources(), (std::vector<std::string>{"FIRST", "SECOND"}));
  EXPECT_EQ(members(*db, "AS-SHARED"), (std::vector<std::string>{"AS64501"}));
  EXPECT_EQ(members(*db, "FIRST::AS-SHARED"), (std::vector<std::string>{"AS64501"}));
  EXPECT_EQ(members(*db, "second::as-shared"), (std::vector<std::string>{"AS64502"}));
  EXPECT_EQ(members(*db, "AS-ONLY-SECOND"), (std::vector<std::string>{"AS64503"}));
  EXPECT_FALSE(db->has_as_set("FIRST::AS-ONLY-SECOND"));
  EXPECT_TRUE(db->has_as_set("SECOND::AS-ONLY-SECOND"));
  EXPECT_EQ(db->as_set_count(), 3u);
  // The same (prefix, origin) in two sources, and twice in one, is one route.
  EXPECT_EQ(prefixes(*db, 64501, model::IpFamily::v4), (std::vector<std::string>{"192.0.2.0/24"}));
  EXPECT_EQ(report.route.loaded, 3u);
  EXPECT_EQ(report.duplicate_routes, 2u);
  EXPECT_EQ(db->route_count(), 1u);
  EXPECT_EQ(db->aut_num_count(), 2u);  // one per source
}

TEST(IrrDatabase, ADuplicateInOneSourceKeepsTheFirst) {
  LoadReport report;
  const auto db = must_load(
      "as-set: AS-DUP\nmembers: AS64501\nsource: TEST\n\n"
      "as-set: as-dup\nmembers: AS64502\nsource: test\n\n"
      "aut-num: AS64501\nsource: TEST\n\n"
      "aut-num: AS64501\nsource: TEST\n",
      report);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(members(*db, "AS-DUP"), (std::vector<std::string>{"AS64501"}));
  ASSERT_EQ(report.problems.size(), 2u);
  EXPECT_EQ(report.problems[0].to_string(),
            "<text>:5: as-set: duplicate of the as-set at <text>:1 in source TEST; the first one "
            "is kept");
  EXPECT_EQ(report.problems[1].to_string(),
            "<text>:12: aut-num: duplicate of the aut-num at <text>:9 in source TEST; the first "
            "one is kept");
  EXPECT_EQ(report.as_set.loaded, 1u);
  EXPECT_EQ(report.as_set.skipped, 1u);
  EXPECT_EQ(report.aut_num.loaded, 1u);
  EXPECT_EQ(report.aut_num.skipped, 1u);
}

TEST(IrrDatabase, CrlfAndContinuationLinesAndCase) {
  LoadReport report;
  const auto db = must_load(
      "AS-SET: as-crlf\r\nMembers: as64501,\r\n as64502,\r\n\tAS-A,\r\n+\r\n+ as-b\r\n"
      "SOURCE: Test\r\n\r\n"
      "Route6: 2001:DB8:0:0::/64\r\nOrigin: as64501\r\nSource: test\r\n",
      report);
  ASSERT_NE(db, nullptr);
  EXPECT_TRUE(report.problems.empty());
  EXPECT_EQ(members(*db, "AS-CRLF"),
            (std::vector<std::string>{"AS64501", "AS64502", "AS-A", "AS-B"}));
  EXPECT_EQ(prefixes(*db, 64501, model::IpFamily::v6), (std::vector<std::string>{"2001:db8::/64"}));
  EXPECT_EQ(db->sources(), (std::vector<std::string>{"TEST"}));
}

TEST(IrrDatabase, ProblemsAreCappedButCounted) {
  std::string text;
  for (std::size_t i = 0; i < LoadReport::kMaxProblems + 5; ++i)
    text += "route: 192.0.2.1/24\norigin: AS64501\nsource: TEST\n\n";
  LoadReport report;
  const auto db = must_load(text, report);
  EXPECT_EQ(report.problems.size(), LoadReport::kMaxProblems);
  EXPECT_EQ(report.problems_not_listed, 5u);
  EXPECT_EQ(report.route.skipped, LoadReport::kMaxProblems + 5);
  EXPECT_EQ(report.problems.back().line, (LoadReport::kMaxProblems - 1) * 4 + 1);
}

TEST(IrrDatabase, EmptyInputIsAnEmptyDatabase) {
  LoadReport report;
  const auto db = must_load("", report);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->route_count() + db->route6_count() + db->as_set_count() + db->aut_num_count(), 0u);
  EXPECT_FALSE(db->has_as_set("AS-X"));
  EXPECT_FALSE(db->has_aut_num(asn(64501)));
  EXPECT_TRUE(prefixes(*db, 64501, model::IpFamily::v4).empty());
  EXPECT_EQ(db->as_set_members("AS-X").error().code, ErrorCode::not_found);
}

// --- Files -------------------------------------------------------------------------------------

void write_gzip(const std::filesystem::path& path, std::string_view text, bool truncate = false) {
  gzFile gz = gzopen(path.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  ASSERT_EQ(gzwrite(gz, text.data(), static_cast<unsigned>(text.size())),
            static_cast<int>(text.size()));
  ASSERT_EQ(gzclose(gz), Z_OK);
  if (truncate) {
    std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  }
}

const char* const kSecondDump = R"(as-set: AS-SHARED
members: AS64509
source: OTHER

route: 198.51.100.0/24
origin: AS64509
source: OTHER

route: 198.51.100.1/24
origin: AS64509
source: OTHER
)";

TEST(IrrDatabaseLoad, ReadsPlainAndGzipDumpsInOrder) {
  testing::TempDir dir;
  const auto plain = dir.path() / "first.db";
  const auto gz = dir.path() / "second.db.gz";
  testing::write_file(plain, kTwoSources);
  write_gzip(gz, kSecondDump);
  LoadReport report;
  const std::vector<std::filesystem::path> dumps{plain, gz};
  auto db = IrrDatabase::load(dumps, report);
  ASSERT_TRUE(db.has_value()) << db.error().message;
  EXPECT_EQ((*db)->sources(), (std::vector<std::string>{"FIRST", "SECOND", "OTHER"}));
  EXPECT_EQ(members(**db, "AS-SHARED"), (std::vector<std::string>{"AS64501"}));
  EXPECT_EQ(members(**db, "OTHER::AS-SHARED"), (std::vector<std::string>{"AS64509"}));
  EXPECT_EQ(prefixes(**db, 64509, model::IpFamily::v4),
            (std::vector<std::string>{"198.51.100.0/24"}));
  EXPECT_EQ(report.files, 2u);
  EXPECT_EQ(report.bytes,
            std::string_view(kTwoSources).size() + std::string_view(kSecondDump).size());
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].to_string(),
            gz.string() + ":9: route: prefix \"198.51.100.1/24\" has host bits set");
}

TEST(IrrDatabaseLoad, GzipIsRecognisedByItsMagicNotItsName) {
  testing::TempDir dir;
  const auto gz_named_db = dir.path() / "dump.db";
  const auto plain_named_gz = dir.path() / "dump.txt.gz";
  write_gzip(gz_named_db, kSecondDump);
  testing::write_file(plain_named_gz, kBasic);
  LoadReport report;
  const std::vector<std::filesystem::path> dumps{gz_named_db, plain_named_gz};
  auto db = IrrDatabase::load(dumps, report);
  ASSERT_TRUE(db.has_value()) << db.error().message;
  EXPECT_TRUE((*db)->has_as_set("OTHER::AS-SHARED"));
  EXPECT_TRUE((*db)->has_as_set("TEST::AS-EXAMPLE"));
}

TEST(IrrDatabaseLoad, ConcatenatedGzipMembersAreOneStream) {
  testing::TempDir dir;
  const auto path = dir.path() / "multi.db.gz";
  write_gzip(dir.path() / "a.gz", "aut-num: AS64501\nsource: TEST\n\n");
  write_gzip(dir.path() / "b.gz", "aut-num: AS64502\nsource: TEST\n");
  testing::write_file(
      path, testing::read_file(dir.path() / "a.gz") + testing::read_file(dir.path() / "b.gz"));
  LoadReport report;
  const std::vector<std::filesystem::path> dumps{path};
  auto db = IrrDatabase::load(dumps, report);
  ASSERT_TRUE(db.has_value()) << db.error().message;
  EXPECT_TRUE((*db)->has_aut_num(asn(64501)));
  EXPECT_TRUE((*db)->has_aut_num(asn(64502)));
}

TEST(IrrDatabaseLoad, LargeDumpsCrossReadChunksIntact) {
  // ~6 MB, so objects straddle the 1 MiB read chunks and gzip buffers.
  std::string text;
  for (std::uint32_t i = 0; i < 40000; ++i) {
    text += "route:          10." + std::to_string(i / 256 % 256) + "." + std::to_string(i % 256) +
            ".0/24\ndescr:          route number " + std::to_string(i) + "\norigin:         AS" +
            std::to_string(4200000000u + i % 1000) +
            "\nremarks:        " + std::string(i % 70, 'r') + "\nsource:         BIG\n\n";
  }
  testing::TempDir dir;
  testing::write_file(dir.path() / "big.db", text);
  write_gzip(dir.path() / "big.db.gz", text);
  LoadReport from_text_report;
  const auto expected = must_load(text, from_text_report);
  for (const char* name : {"big.db", "big.db.gz"}) {
    LoadReport report;
    const std::vector<std::filesystem::path> dumps{dir.path() / name};
    auto db = IrrDatabase::load(dumps, report);
    ASSERT_TRUE(db.has_value()) << db.error().message;
    EXPECT_EQ(report.route.loaded, 40000u) << name;
    EXPECT_EQ(report.skipped(), 0u) << name;
    EXPECT_EQ((*db)->route_count(), expected->route_count()) << name;
    for (const std::int64_t origin : {4200000000LL, 4200000500LL, 4200000999LL}) {
      EXPECT_EQ(prefixes(**db, origin, model::IpFamily::v4),
                prefixes(*expected, origin, model::IpFamily::v4))
          << name;
      EXPECT_EQ(prefixes(**db, origin, model::IpFamily::v4).size(), 40u) << name;
    }
  }
}

TEST(IrrDatabaseLoad, UnreadableDumpsAreErrorsNamingThePath) {
  testing::TempDir dir;
  const auto good = dir.path() / "good.db";
  testing::write_file(good, kBasic);
  const auto missing = dir.path() / "missing.db";
  const auto corrupt = dir.path() / "corrupt.db.gz";
  testing::write_file(corrupt, std::string("\x1f\x8b\x08\x00garbage-garbage-garbage", 27));
  const auto truncated = dir.path() / "truncated.db.gz";
  std::string long_text;
  for (int i = 0; i < 2000; ++i)
    long_text += "aut-num: AS" + std::to_string(4200000000 + i) + "\nsource: TEST\n\n";
  write_gzip(truncated, long_text, /*truncate=*/true);
  const auto directory = dir.path() / "a-directory";
  std::filesystem::create_directory(directory);

  struct Row {
    std::filesystem::path path;
    ErrorCode code;
    std::string message_start;
  };
  const Row rows[] = {
      {missing, ErrorCode::io_error,
       "cannot open \"" + missing.string() + "\": No such file or directory"},
      {directory, ErrorCode::io_error,
       "cannot read \"" + directory.string() + "\": Is a directory"},
      {corrupt, ErrorCode::data_invalid, "\"" + corrupt.string() + "\": bad gzip data: "},
      {truncated, ErrorCode::data_invalid, "\"" + truncated.string() + "\": "},
  };
  for (const Row& row : rows) {
    LoadReport report;
    const std::vector<std::filesystem::path> dumps{good, row.path};
    auto db = IrrDatabase::load(dumps, report);
    ASSERT_FALSE(db.has_value()) << row.path;
    EXPECT_EQ(db.error().code, row.code) << row.path;
    EXPECT_EQ(db.error().field, "dumps[1]");
    EXPECT_EQ(db.error().message.substr(0, row.message_start.size()), row.message_start)
        << db.error().message;
    EXPECT_EQ(report.files, 1u);  // the good dump was read before
  }
}

TEST(IrrDatabase, ConcurrentReadersSeeTheSameAnswers) {
  std::string text;
  for (std::uint32_t i = 0; i < 2000; ++i) {
    text += "route: 10." + std::to_string(i / 256) + "." + std::to_string(i % 256) +
            ".0/24\norigin: AS" + std::to_string(4200000000u + i % 50) + "\nsource: TEST\n\n";
    text += "as-set: AS-SET" + std::to_string(i) + "\nmembers: AS" +
            std::to_string(4200000000u + i % 50) + ", AS-SET" + std::to_string((i + 1) % 2000) +
            "\nsource: TEST\n\n";
  }
  const auto db = *IrrDatabase::from_text(text);
  std::vector<std::size_t> failures(4, 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < failures.size(); ++t) {
    threads.emplace_back([&, t] {
      for (std::uint32_t round = 0; round < 2000; ++round) {
        const std::uint32_t i = (round * 7 + static_cast<std::uint32_t>(t) * 13) % 2000;
        const auto set_members = db->as_set_members("as-set" + std::to_string(i));
        const std::vector<std::string> expected{"AS" + std::to_string(4200000000u + i % 50),
                                                "AS-SET" + std::to_string((i + 1) % 2000)};
        if (!set_members || *set_members != expected)
          ++failures[t];
        const auto routes = db->origin_prefixes(asn(4200000000 + i % 50), model::IpFamily::v4);
        if (!routes || routes->size() != 40)
          ++failures[t];
        if (!db->has_as_set("TEST::AS-SET" + std::to_string(i)))
          ++failures[t];
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(failures, std::vector<std::size_t>(4, 0));
}

TEST(IrrDatabase, MemoryIsCompact) {
  // 10,000 routes over 100 origins: 5 bytes per IPv4 route plus 8 per origin, well under the
  // text they came from.
  std::string text;
  for (std::uint32_t i = 0; i < 10000; ++i) {
    text += "route: 10." + std::to_string(i / 256) + "." + std::to_string(i % 256) +
            ".0/24\norigin: AS" + std::to_string(4200000000u + i % 100) + "\nsource: TEST\n\n";
  }
  const auto db = *IrrDatabase::from_text(text);
  EXPECT_EQ(db->route_count(), 10000u);
  EXPECT_LT(db->memory_bytes(), 10000u * 5 + 100 * 8 + 2048);
  EXPECT_GE(db->memory_bytes(), 10000u * 5 + 100 * 8);
  EXPECT_LT(db->memory_bytes() * 4, text.size());
}

}  // namespace
}  // namespace peerapi::sources::irr
