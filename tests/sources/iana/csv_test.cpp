// The RFC 4180 reader under IANA's registry files.
#include "sources/iana/csv.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace peerapi::sources::iana {
namespace {

using Fields = std::vector<std::string>;

std::vector<Fields> fields_of(const std::vector<CsvRecord>& records) {
  std::vector<Fields> out;
  for (const auto& record : records)
    out.push_back(record.fields);
  return out;
}

TEST(Csv, SplitsPlainRecords) {
  auto records = parse_csv("a,b,c\n1,2,3\n", "t.csv");
  ASSERT_TRUE(records.has_value()) << records.error().message;
  EXPECT_EQ(fields_of(*records), (std::vector<Fields>{{"a", "b", "c"}, {"1", "2", "3"}}));
  EXPECT_EQ((*records)[0].line, 1u);
  EXPECT_EQ((*records)[1].line, 2u);
}

TEST(Csv, QuotedFieldsHoldCommasDoubledQuotesAndLineBreaks) {
  // IANA's own rows: """This network""" and a multi-line RDAP cell, CRLF record ends.
  auto records = parse_csv(
      "Address Block,Name\r\n0.0.0.0/8,\"\"\"This network\"\"\"\r\n"
      "x,\"https://a.example/\r\nhttp://a.example/\"\r\n\"a, b\",\"\"\r\n",
      "t.csv");
  ASSERT_TRUE(records.has_value()) << records.error().message;
  EXPECT_EQ(fields_of(*records),
            (std::vector<Fields>{{"Address Block", "Name"},
                                 {"0.0.0.0/8", "\"This network\""},
                                 {"x", "https://a.example/\nhttp://a.example/"},
                                 {"a, b", ""}}));
  // The record after a two-line field starts two lines further down.
  EXPECT_EQ((*records)[2].line, 3u);
  EXPECT_EQ((*records)[3].line, 5u);
}

TEST(Csv, EmptyFieldsAtTheEndOfARecordAreKept) {
  // IANA's terminated rows end in five empty fields: "...,2015-03,,,,,".
  auto records = parse_csv("a,b,,\nc,,,\nd,e,f,", "t.csv");
  ASSERT_TRUE(records.has_value()) << records.error().message;
  EXPECT_EQ(fields_of(*records),
            (std::vector<Fields>{{"a", "b", "", ""}, {"c", "", "", ""}, {"d", "e", "f", ""}}));
}

TEST(Csv, ToleratesBomBlankLinesLoneCrAndNoFinalLineBreak) {
  auto records = parse_csv("\xEF\xBB\xBFh1,h2\n\n1,2\r3,4\r\n\r\n5,6", "t.csv");
  ASSERT_TRUE(records.has_value()) << records.error().message;
  EXPECT_EQ(fields_of(*records),
            (std::vector<Fields>{{"h1", "h2"}, {"1", "2"}, {"3", "4"}, {"5", "6"}}));
  EXPECT_EQ((*records)[3].line, 6u);
}

TEST(Csv, EmptyInputHasNoRecords) {
  auto records = parse_csv("", "t.csv");
  ASSERT_TRUE(records.has_value());
  EXPECT_TRUE(records->empty());
}

struct BadCsv {
  std::string name;
  std::string text;
  std::string field;
  std::string message_part;
};

/// Names the row in failure messages (gtest would print its bytes).
void PrintTo(const BadCsv& row, std::ostream* out) {
  *out << row.name;
}

class CsvRejects : public ::testing::TestWithParam<BadCsv> {};

TEST_P(CsvRejects, WithFileAndLine) {
  const BadCsv& bad = GetParam();
  auto records = parse_csv(bad.text, "reg.csv");
  ASSERT_FALSE(records.has_value());
  EXPECT_EQ(records.error().code, ErrorCode::invalid_value);
  EXPECT_EQ(records.error().field, bad.field);
  EXPECT_NE(records.error().message.find(bad.message_part), std::string::npos)
      << records.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, CsvRejects,
    ::testing::Values(BadCsv{"UnclosedQuote", "a,b\n1,\"open\n2,3\n", "reg.csv:2", "not closed"},
                      BadCsv{"TextAfterClosingQuote", "a\n\"x\"y\n", "reg.csv:2", "got 'y'"},
                      BadCsv{"QuoteInsideUnquoted", "a\nx\"y\n", "reg.csv:2", "unquoted field"},
                      BadCsv{"NulByte", std::string("a\nx\0y\n", 6), "reg.csv:2", "byte 0x00"},
                      BadCsv{"ControlInQuotes", "a\n\"x\x01\"\n", "reg.csv:2", "byte 0x01"},
                      BadCsv{"TooManyFields", "a" + std::string(kMaxCsvFields, ','), "reg.csv:1",
                             "fields in one record"},
                      BadCsv{"TooManyRecords",
                             [] {
                               std::string text;
                               for (std::size_t i = 0; i <= kMaxCsvRecords; ++i)
                                 text += "x\n";
                               return text;
                             }(),
                             "reg.csv:10001", "records"},
                      BadCsv{"TooLarge", std::string(kMaxCsvBytes + 1, 'x'), "reg.csv",
                             "above the limit"}),
    [](const ::testing::TestParamInfo<BadCsv>& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace peerapi::sources::iana
