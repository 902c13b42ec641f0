// Wire timestamps: RFC 3339 in session objects, HTTP-date and delay-seconds in Retry-After.
#include "client/time_text.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace peerapi::client {
namespace {

constexpr std::int64_t k1994 = 784'111'777'000;   // 1994-11-06T08:49:37Z (RFC 9110)
constexpr std::int64_t kNow = 1'795'435'200'000;  // 2026-11-23T12:00:00Z
constexpr std::int64_t kDay = 86'400'000;

TEST(Rfc3339, KnownAnswers) {
  struct Row {
    std::string text;
    std::int64_t ms;
  };
  for (const Row& row : std::vector<Row>{
           {"1970-01-01T00:00:00Z", 0},
           {"2026-11-23T12:00:00Z", kNow},
           {"2026-11-23T12:00:00.000Z", kNow},
           {"2026-11-23T12:00:00.5Z", kNow + 500},
           {"2026-11-23T12:00:00.123456Z", kNow + 123},
           {"2026-11-23t12:00:00z", kNow},
           {"2026-11-23T13:30:00+01:30", kNow},
           {"2026-11-23T10:00:00-02:00", kNow},
           {"1994-11-06T08:49:37Z", k1994},
           {"2024-02-29T00:00:00Z", 1'709'164'800'000},
           {"2016-12-31T23:59:60Z", 1'483'228'799'000},  // leap second reads as :59
       }) {
    EXPECT_EQ(parse_rfc3339(row.text), std::optional<std::int64_t>(row.ms)) << row.text;
  }
}

TEST(Rfc3339, RejectsEverythingElse) {
  for (const char* text :
       {"", "2026-11-23", "2026-11-23T12:00:00", "2026-11-23 12:00:00Z", "2026-11-23T12:00Z",
        "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
        "2026-11-23T24:00:00Z", "2026-11-23T12:60:00Z", "2026-11-23T12:00:61Z",
        "2026-11-23T12:00:00.Z", "2026-11-23T12:00:00+0100", "2026-11-23T12:00:00+24:00",
        "1969-12-31T23:59:59Z", "+2026-11-23T12:00:00Z", "2026-11-23T12:00:00Z ",
        "2026-1-23T12:00:00Z", "２026-11-23T12:00:00Z"}) {
    EXPECT_FALSE(parse_rfc3339(text).has_value()) << text;
  }
}

TEST(HttpDate, TheThreeFormsOfRfc9110) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", kNow), k1994);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", kNow), k1994);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994", kNow), k1994);
  EXPECT_EQ(parse_http_date("Thu Nov 26 12:00:00 2026", kNow), kNow + 3 * kDay);
  // rfc850: a two-digit year more than 50 years ahead is the previous century.
  EXPECT_EQ(parse_http_date("Monday, 23-Nov-26 12:00:00 GMT", kNow), kNow);
  EXPECT_EQ(parse_http_date("Monday, 23-Nov-76 12:00:00 GMT", kNow),
            parse_rfc3339("2076-11-23T12:00:00Z"));
  EXPECT_EQ(parse_http_date("Wednesday, 23-Nov-77 12:00:00 GMT", kNow),
            parse_rfc3339("1977-11-23T12:00:00Z"));
  for (const char* text : {"", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 6 Nov 1994 08:49:37 GMT",
                           "Sun, 06 Nov 94 08:49:37 GMT", "Sun 06 Nov 1994 08:49:37 GMT",
                           "Xyz, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
                           "Sun, 31 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-1994 08:49:37 GMT",
                           "Sun Nov 6 08:49:37 1994", "1994-11-06T08:49:37Z"}) {
    EXPECT_FALSE(parse_http_date(text, kNow).has_value()) << text;
  }
}

TEST(RetryAfter, SecondsOrDate) {
  EXPECT_EQ(parse_retry_after("120", kNow), 120'000);
  EXPECT_EQ(parse_retry_after("0", kNow), 0);
  EXPECT_EQ(parse_retry_after(" 5 ", kNow), 5'000);
  EXPECT_EQ(parse_retry_after("99999999999999999999999", kNow), kDay) << "capped, no overflow";
  EXPECT_EQ(parse_retry_after("Mon, 23 Nov 2026 12:00:30 GMT", kNow), 30'000);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", kNow), 0) << "in the past";
  EXPECT_EQ(parse_retry_after("Fri, 01 Jan 2100 00:00:00 GMT", kNow), kDay);
  for (const char* text : {"", "-1", "1.5", "soon", "5s", "0x10"})
    EXPECT_FALSE(parse_retry_after(text, kNow).has_value()) << text;
}

}  // namespace
}  // namespace peerapi::client
