// VRP JSON documents (rpki-client -j, Routinator): good documents, one bad entry per row with its
// index, field and code, bad documents, caps, `expires`, and files.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sources/rpki/vrp_json.hpp"
#include "sources/rpki/vrp_table.hpp"
#include "support/test_support.hpp"

namespace peerapi::sources::rpki {
namespace {

model::Prefix prefix(const std::string& text) {
  return *model::Prefix::parse(text);
}

model::Asn asn(std::uint32_t value) {
  return *model::Asn::from_number(value);
}

TEST(VrpJson, ReadsRpkiClientOutput) {
  const std::string text = R"({
    "metadata": {"buildmachine": "rpki.example", "buildtime": "2026-11-23T11:36:33Z",
                 "roas": 3, "vrps": 3},
    "roas": [
      {"asn": 64501, "prefix": "198.51.100.0/24", "maxLength": 24, "ta": "ripe",
       "expires": 1900000000},
      {"asn": 0, "prefix": "203.0.113.0/24", "maxLength": 32, "ta": "apnic", "expires": 1900000000},
      {"asn": 4294967295, "prefix": "2001:db8:100::/40", "maxLength": 48, "ta": "arin",
       "expires": 1900000000}
    ],
    "aspas": [], "bgpsec_keys": []
  })";
  VrpLoadReport report;
  const auto vrps = parse_vrp_json(text, report);
  ASSERT_TRUE(vrps.has_value()) << vrps.error().message;
  ASSERT_EQ(vrps->size(), 3u);
  EXPECT_EQ((*vrps)[0].prefix.to_string(), "198.51.100.0/24");
  EXPECT_EQ((*vrps)[0].max_length, 24);
  EXPECT_EQ((*vrps)[0].asn, 64501u);
  EXPECT_EQ((*vrps)[1].asn, 0u) << "AS0 ROAs are kept (RFC 6483 section 4)";
  EXPECT_EQ((*vrps)[2].asn, 4294967295u);
  EXPECT_EQ((*vrps)[2].prefix.to_string(), "2001:db8:100::/40");
  EXPECT_EQ(report.entries, 3u);
  EXPECT_EQ(report.loaded, 3u);
  EXPECT_EQ(report.skipped, 0u);
  EXPECT_TRUE(report.problems.empty());
}

TEST(VrpJson, ReadsRoutinatorOutput) {
  const std::string text = R"({"roas": [
    {"asn": "AS64501", "prefix": "198.51.100.0/24", "maxLength": 24, "ta": "ripe"},
    {"asn": "as64502", "prefix": "2001:db8::/32", "maxLength": 48, "ta": "ripe"},
    {"asn": "AS0", "prefix": "192.0.2.0/24", "maxLength": 24, "ta": "ripe"}
  ]})";
  VrpLoadReport report;
  const auto vrps = parse_vrp_json(text, report);
  ASSERT_TRUE(vrps.has_value()) << vrps.error().message;
  ASSERT_EQ(vrps->size(), 3u);
  EXPECT_EQ((*vrps)[0].asn, 64501u);
  EXPECT_EQ((*vrps)[1].asn, 64502u);
  EXPECT_EQ((*vrps)[2].asn, 0u);
}

TEST(VrpJson, ReadsTheSharedExampleFile) {
  VrpLoadReport report;
  const auto vrps =
      load_vrp_file(peerapi::testing::shared_dir() / "reference/daemons/vrps-example.json", report);
  ASSERT_TRUE(vrps.has_value()) << vrps.error().message;
  ASSERT_EQ(vrps->size(), 3u);
  const auto table = VrpTable::build(*vrps);
  EXPECT_EQ(table->validate(prefix("198.51.100.0/24"), asn(64501)), RovState::valid);
  EXPECT_EQ(table->validate(prefix("203.0.113.0/24"), asn(64501)), RovState::invalid);
  EXPECT_EQ(table->validate(prefix("2001:db8:100::/48"), asn(64501)), RovState::valid);
  EXPECT_EQ(table->validate(prefix("192.0.2.0/24"), asn(64501)), RovState::not_found);
}

struct BadEntry {
  const char* entry;
  ErrorCode code;
  const char* field;
};

TEST(VrpJson, SkipsAndReportsEachBadEntry) {
  const BadEntry rows[] = {
      {R"(42)", ErrorCode::wrong_type, "roas[1]"},
      {R"({"prefix": "192.0.2.0/24", "maxLength": 24})", ErrorCode::missing_field, "roas[1].asn"},
      {R"({"asn": -1, "prefix": "192.0.2.0/24", "maxLength": 24})", ErrorCode::invalid_asn,
       "roas[1].asn"},
      {R"({"asn": 4294967296, "prefix": "192.0.2.0/24", "maxLength": 24})", ErrorCode::invalid_asn,
       "roas[1].asn"},
      {R"({"asn": "64501", "prefix": "192.0.2.0/24", "maxLength": 24})", ErrorCode::invalid_asn,
       "roas[1].asn"},
      {R"({"asn": "AS064501", "prefix": "192.0.2.0/24", "maxLength": 24})", ErrorCode::invalid_asn,
       "roas[1].asn"},
      {R"({"asn": "AS", "prefix": "192.0.2.0/24", "maxLength": 24})", ErrorCode::invalid_asn,
       "roas[1].asn"},
      {R"({"asn": "AS4294967296", "prefix": "192.0.2.0/24", "maxLength": 24})",
       ErrorCode::invalid_asn, "roas[1].asn"},
      {R"({"asn": true, "prefix": "192.0.2.0/24", "maxLength": 24})", ErrorCode::wrong_type,
       "roas[1].asn"},
      {R"({"asn": 64501.5, "prefix": "192.0.2.0/24", "maxLength": 24})", ErrorCode::wrong_type,
       "roas[1].asn"},
      {R"({"asn": 64501, "maxLength": 24})", ErrorCode::missing_field, "roas[1].prefix"},
      {R"({"asn": 64501, "prefix": 24, "maxLength": 24})", ErrorCode::wrong_type, "roas[1].prefix"},
      {R"({"asn": 64501, "prefix": "192.0.2.1/24", "maxLength": 24})", ErrorCode::invalid_value,
       "roas[1].prefix"},
      {R"({"asn": 64501, "prefix": "192.0.2.0/33", "maxLength": 33})", ErrorCode::invalid_value,
       "roas[1].prefix"},
      {R"({"asn": 64501, "prefix": "192.0.2.0", "maxLength": 24})", ErrorCode::invalid_value,
       "roas[1].prefix"},
      {R"({"asn": 64501, "prefix": "300.0.2.0/24", "maxLength": 24})", ErrorCode::invalid_ip,
       "roas[1].prefix"},
      {R"({"asn": 64501, "prefix": "192.0.2.0/24"})", ErrorCode::missing_field,
       "roas[1].maxLength"},
      {R"({"asn": 64501, "prefix": "192.0.2.0/24", "maxLength": "24"})", ErrorCode::wrong_type,
       "roas[1].maxLength"},
      {R"({"asn": 64501, "prefix": "192.0.2.0/24", "maxLength": 23})", ErrorCode::out_of_range,
       "roas[1].maxLength"},
      {R"({"asn": 64501, "prefix": "192.0.2.0/24", "maxLength": 33})", ErrorCode::out_of_range,
       "roas[1].maxLength"},
      {R"({"asn": 64501, "prefix": "2001:db8::/32", "maxLength": 129})", ErrorCode::out_of_range,
       "roas[1].maxLength"},
      {R"({"asn": 64501, "prefix": "192.0.2.0/24", "maxLength": 24, "expires": "soon"})",
       ErrorCode::wrong_type, "roas[1].expires"},
  };
  for (const auto& row : rows) {
    const std::string text =
        std::string(R"({"roas": [{"asn": 64500, "prefix": "198.51.100.0/24", "maxLength": 24}, )") +
        row.entry + R"(, {"asn": 64502, "prefix": "2001:db8::/32", "maxLength": 32}]})";
    VrpLoadReport report;
    const auto vrps = parse_vrp_json(text, report);
    ASSERT_TRUE(vrps.has_value()) << row.entry << ": " << vrps.error().message;
    EXPECT_EQ(vrps->size(), 2u) << row.entry;
    EXPECT_EQ(report.entries, 3u);
    EXPECT_EQ(report.loaded, 2u);
    EXPECT_EQ(report.skipped, 1u) << row.entry;
    ASSERT_EQ(report.problems.size(), 1u) << row.entry;
    EXPECT_EQ(report.problems[0].index, 1u);
    EXPECT_EQ(report.problems[0].error.code, row.code)
        << row.entry << ": " << to_string(report.problems[0].error.code) << " "
        << report.problems[0].error.message;
    EXPECT_EQ(report.problems[0].error.field, row.field) << row.entry;
    EXPECT_FALSE(report.problems[0].error.message.empty());
  }
}

struct BadDocument {
  const char* text;
  ErrorCode code;
  const char* field;
};

TEST(VrpJson, RejectsDocumentsThatAreNotVrpFiles) {
  const BadDocument rows[] = {
      {"", ErrorCode::data_invalid, ""},
      {"not json", ErrorCode::data_invalid, ""},
      {R"({"roas": []} trailing)", ErrorCode::data_invalid, ""},
      {R"({"roas": [)", ErrorCode::data_invalid, ""},
      {"[]", ErrorCode::data_invalid, "roas"},
      {"{}", ErrorCode::data_invalid, "roas"},
      {R"({"roas": {}})", ErrorCode::data_invalid, "roas"},
      {R"({"roas": null})", ErrorCode::data_invalid, "roas"},
      {R"({"data": [{"asn": 64501, "prefix": "192.0.2.0/24", "maxLength": 24}]})",
       ErrorCode::data_invalid, "roas"},
      {R"({"roas": [[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]})", ErrorCode::data_invalid, ""},
  };
  for (const auto& row : rows) {
    VrpLoadReport report;
    const auto vrps = parse_vrp_json(row.text, report);
    ASSERT_FALSE(vrps.has_value()) << row.text;
    EXPECT_EQ(vrps.error().code, row.code) << row.text;
    EXPECT_EQ(vrps.error().field, row.field) << row.text;
  }
}

TEST(VrpJson, AcceptsAnEmptyRoasArray) {
  VrpLoadReport report;
  const auto vrps = parse_vrp_json(R"({"metadata": {}, "roas": []})", report);
  ASSERT_TRUE(vrps.has_value());
  EXPECT_TRUE(vrps->empty());
}

TEST(VrpJson, EnforcesSizeAndEntryCaps) {
  const std::string text =
      R"({"roas": [{"asn": 64501, "prefix": "192.0.2.0/24", "maxLength": 24},
                   {"asn": 64501, "prefix": "198.51.100.0/24", "maxLength": 24}]})";
  VrpLoadReport report;
  VrpJsonOptions small;
  small.max_bytes = text.size() - 1;
  auto vrps = parse_vrp_json(text, report, small);
  ASSERT_FALSE(vrps.has_value());
  EXPECT_EQ(vrps.error().code, ErrorCode::data_invalid);
  EXPECT_EQ(vrps.error().field, "");

  VrpJsonOptions few;
  few.max_entries = 1;
  vrps = parse_vrp_json(text, report, few);
  ASSERT_FALSE(vrps.has_value());
  EXPECT_EQ(vrps.error().code, ErrorCode::too_many_items);
  EXPECT_EQ(vrps.error().field, "roas");

  few.max_entries = 2;
  vrps = parse_vrp_json(text, report, few);
  ASSERT_TRUE(vrps.has_value());
  EXPECT_EQ(vrps->size(), 2u);
}

TEST(VrpJson, DropsExpiredEntriesWhenGivenAClock) {
  const std::string text = R"({"roas": [
    {"asn": 64501, "prefix": "192.0.2.0/24", "maxLength": 24, "expires": 1799999999},
    {"asn": 64501, "prefix": "198.51.100.0/24", "maxLength": 24, "expires": 1800000000},
    {"asn": 64501, "prefix": "203.0.113.0/24", "maxLength": 24, "expires": 1800000001},
    {"asn": 64501, "prefix": "2001:db8::/32", "maxLength": 32}
  ]})";
  util::ManualClock clock(1'800'000'000'000);
  VrpJsonOptions options;
  options.clock = &clock;
  VrpLoadReport report;
  const auto vrps = parse_vrp_json(text, report, options);
  ASSERT_TRUE(vrps.has_value());
  ASSERT_EQ(vrps->size(), 2u);
  EXPECT_EQ((*vrps)[0].prefix.to_string(), "203.0.113.0/24");
  EXPECT_EQ((*vrps)[1].prefix.to_string(), "2001:db8::/32");
  EXPECT_EQ(report.expired, 2u);
  EXPECT_EQ(report.skipped, 0u);

  const auto without_clock = parse_vrp_json(text, report);
  ASSERT_TRUE(without_clock.has_value());
  EXPECT_EQ(without_clock->size(), 4u) << "no clock: `expires` is not judged";
}

TEST(VrpJson, ListsAtMostKMaxListedProblems) {
  std::string text = R"({"roas": [)";
  const std::size_t bad = VrpLoadReport::kMaxListed + 500;
  for (std::size_t i = 0; i < bad; ++i)
    text += R"({"asn": "x", "prefix": "192.0.2.0/24", "maxLength": 24},)";
  text += R"({"asn": 64501, "prefix": "192.0.2.0/24", "maxLength": 24}]})";
  VrpLoadReport report;
  const auto vrps = parse_vrp_json(text, report);
  ASSERT_TRUE(vrps.has_value());
  EXPECT_EQ(vrps->size(), 1u);
  EXPECT_EQ(report.skipped, bad);
  EXPECT_EQ(report.problems.size(), VrpLoadReport::kMaxListed);
  EXPECT_EQ(report.problems.back().index, VrpLoadReport::kMaxListed - 1);
}

TEST(VrpJson, LoadFileErrors) {
  peerapi::testing::TempDir dir;
  VrpLoadReport report;
  auto missing = load_vrp_file(dir.path() / "absent.json", report);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::io_error);
  EXPECT_NE(missing.error().message.find("absent.json"), std::string::npos);

  const auto file = dir.path() / "vrps.json";
  peerapi::testing::write_file(
      file, R"({"roas": [{"asn": 64501, "prefix": "192.0.2.0/24", "maxLength": 24}]})");
  VrpJsonOptions tiny;
  tiny.max_bytes = 10;
  auto too_big = load_vrp_file(file, report, tiny);
  ASSERT_FALSE(too_big.has_value());
  EXPECT_EQ(too_big.error().code, ErrorCode::data_invalid);

  auto good = load_vrp_file(file, report);
  ASSERT_TRUE(good.has_value());
  EXPECT_EQ(good->size(), 1u);

  peerapi::testing::write_file(file, "{\"roas\": 1}");
  auto bad = load_vrp_file(file, report);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().field, "roas");
}

}  // namespace
}  // namespace peerapi::sources::rpki
