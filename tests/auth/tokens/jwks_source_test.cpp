#include "auth/tokens/jwks_source.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "support/http_double.hpp"
#include "support/test_support.hpp"

namespace peerapi::auth {
namespace {

using peerapi::testing::CannedResponse;
using peerapi::testing::HttpDouble;
using peerapi::testing::json_response;

constexpr std::int64_t kStart = 1'800'000'000'000;
constexpr std::int64_t kSecond = 1'000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;

jose::Jwk key(const std::string& kid) {
  return jose::Jwk::generate(jose::Curve::p256).value().with_kid(kid);
}

std::string jwks(const std::vector<jose::Jwk>& keys,
                 jose::PrivateMembers members = jose::PrivateMembers::reject) {
  boost::json::array array;
  for (const auto& k : keys)
    array.push_back(k.to_json(members));
  return boost::json::serialize(boost::json::object{{"keys", std::move(array)}});
}

std::vector<std::string> kids(const jose::JwkSet& set) {
  std::vector<std::string> out;
  for (const auto& k : set.keys())
    out.push_back(k.kid());
  return out;
}

class JwksKeySourceTest : public ::testing::Test {
 protected:
  JwksKeySourceTest() : client(loopback_options()) {}

  static net::HttpClientOptions loopback_options() {
    net::HttpClientOptions options;
    options.policy.allow_loopback_http = true;
    options.timeout_ms = 2'000;
    return options;
  }

  void serve(const std::vector<jose::Jwk>& keys, std::string cache_control = "") {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!cache_control.empty())
      headers.emplace_back("Cache-Control", std::move(cache_control));
    server.set("/jwks", json_response(jwks(keys), 200, std::move(headers)));
  }

  JwksKeySource source(JwksSourceOptions options = {}) {
    return JwksKeySource(server.url("/jwks"), client, clock, options);
  }

  HttpDouble server;
  net::CurlHttpClient client;
  util::ManualClock clock{kStart};
  const jose::Jwk a = key("a");
  const jose::Jwk b = key("b");
};

TEST_F(JwksKeySourceTest, FetchesOnFirstUseThenServesFromCache) {
  serve({a});
  auto jwks_source = source();
  EXPECT_EQ(server.hits("/jwks"), 0);
  auto first = jwks_source.keys("");
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(kids(**first), std::vector<std::string>{"a"});
  EXPECT_EQ(server.hits("/jwks"), 1);
  EXPECT_EQ(server.last_request("/jwks")->header("accept"),
            "application/jwk-set+json, application/json");

  clock.advance_ms(10 * kMinute);
  auto again = jwks_source.keys("a");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->get(), first->get());
  EXPECT_EQ(server.hits("/jwks"), 1);
}

TEST_F(JwksKeySourceTest, UnknownKidRefetchesOnceAndFindsTheRotatedKey) {
  serve({a});
  auto jwks_source = source();
  ASSERT_TRUE(jwks_source.keys("").has_value());

  serve({a, b});  // the issuer rotates in "b"
  clock.advance_ms(30 * kSecond);
  auto rotated = jwks_source.keys("b");
  ASSERT_TRUE(rotated.has_value()) << rotated.error().message;
  EXPECT_EQ(kids(**rotated), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(server.hits("/jwks"), 2);

  // A kid now known is answered without a fetch.
  ASSERT_TRUE(jwks_source.keys("b").has_value());
  EXPECT_EQ(server.hits("/jwks"), 2);
}

TEST_F(JwksKeySourceTest, SecondUnknownKidWithinTheIntervalDoesNotRefetch) {
  serve({a});
  auto jwks_source = source();
  ASSERT_TRUE(jwks_source.keys("").has_value());
  clock.advance_ms(31 * kSecond);
  ASSERT_TRUE(jwks_source.keys("x").has_value());
  EXPECT_EQ(server.hits("/jwks"), 2);

  clock.advance_ms(29 * kSecond);
  auto unknown = jwks_source.keys("y");
  ASSERT_TRUE(unknown.has_value());  // the current set; the caller finds no "y" in it
  EXPECT_EQ(kids(**unknown), std::vector<std::string>{"a"});
  EXPECT_EQ(server.hits("/jwks"), 2);

  clock.advance_ms(1 * kSecond);
  ASSERT_TRUE(jwks_source.keys("y").has_value());
  EXPECT_EQ(server.hits("/jwks"), 3);
}

TEST_F(JwksKeySourceTest, RefetchesWhenTheMaxAgeHasPassed) {
  serve({a}, "public, max-age=600");
  auto jwks_source = source();
  ASSERT_TRUE(jwks_source.keys("").has_value());
  serve({b});
  clock.advance_ms(600 * kSecond - 1);
  auto cached = jwks_source.keys("");
  ASSERT_TRUE(cached.has_value());
  EXPECT_EQ(kids(**cached), std::vector<std::string>{"a"});
  EXPECT_EQ(server.hits("/jwks"), 1);

  clock.advance_ms(1);
  auto refreshed = jwks_source.keys("");
  ASSERT_TRUE(refreshed.has_value());
  EXPECT_EQ(kids(**refreshed), std::vector<std::string>{"b"});
  EXPECT_EQ(server.hits("/jwks"), 2);
}

TEST_F(JwksKeySourceTest, ShortMaxAgeIsRaisedToFiveMinutes) {
  serve({a}, "max-age=10");
  auto jwks_source = source();
  ASSERT_TRUE(jwks_source.keys("").has_value());
  clock.advance_ms(5 * kMinute - 1);
  ASSERT_TRUE(jwks_source.keys("").has_value());
  EXPECT_EQ(server.hits("/jwks"), 1);
  clock.advance_ms(1);
  ASSERT_TRUE(jwks_source.keys("").has_value());
  EXPECT_EQ(server.hits("/jwks"), 2);
}

TEST(JwksMaxAge, FromCacheControl) {
  const JwksSourceOptions options;
  struct Row {
    std::optional<std::string_view> header;
    std::int64_t expected;
  };
  const Row rows[] = {
      {std::nullopt, kHour},
      {"max-age=600", 600 * kSecond},
      {"public, max-age=900, must-revalidate", 900 * kSecond},
      {"MAX-AGE=1200", 1200 * kSecond},
      {"max-age=\"900\"", 900 * kSecond},
      {"max-age=10", 5 * kMinute},
      {"max-age=0", 5 * kMinute},
      {"max-age=999999", 24 * kHour},
      {"max-age=99999999999999999999999", 24 * kHour},
      {"no-store", 5 * kMinute},
      {"no-cache, max-age=7200", 5 * kMinute},
      {"max-age=abc", kHour},
      {"max-age=-5", kHour},
      {"s-maxage=600", kHour},
      {"", kHour},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(std::string(row.header.value_or("(absent)")));
    EXPECT_EQ(jwks_max_age_ms(row.header, options), row.expected);
  }
}

TEST_F(JwksKeySourceTest, FetchFailureKeepsTheOldKeysUntilTheHardExpiry) {
  serve({a});
  auto jwks_source = source();
  ASSERT_TRUE(jwks_source.keys("").has_value());
  server.set("/jwks", CannedResponse{500, {}, "down", {}});

  clock.advance_ms(kHour);  // stale: a refresh is attempted and fails
  auto stale = jwks_source.keys("");
  ASSERT_TRUE(stale.has_value()) << stale.error().message;
  EXPECT_EQ(kids(**stale), std::vector<std::string>{"a"});
  EXPECT_EQ(server.hits("/jwks"), 2);

  clock.advance_ms(24 * kHour - 1);  // still within max age + stale_if_error
  ASSERT_TRUE(jwks_source.keys("").has_value());
  EXPECT_EQ(server.hits("/jwks"), 3);

  clock.advance_ms(1);
  auto expired = jwks_source.keys("");
  ASSERT_FALSE(expired.has_value());
  EXPECT_EQ(expired.error().code, ErrorCode::io_error);
  EXPECT_EQ(expired.error().field, "jwks_uri");
  EXPECT_NE(expired.error().message.find("HTTP 500"), std::string::npos);

  serve({b});  // the issuer is back
  clock.advance_ms(30 * kSecond);
  auto back = jwks_source.keys("");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(kids(**back), std::vector<std::string>{"b"});
}

TEST_F(JwksKeySourceTest, FailuresAreRateLimitedToo) {
  server.set("/jwks", CannedResponse{503, {}, "", {}});
  auto jwks_source = source();
  for (int i = 0; i < 3; ++i) {
    auto result = jwks_source.keys("k");
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::io_error);
    EXPECT_EQ(result.error().field, "jwks_uri");
    EXPECT_NE(result.error().message.find("HTTP 503"), std::string::npos);
  }
  EXPECT_EQ(server.hits("/jwks"), 1);
  clock.advance_ms(30 * kSecond);
  EXPECT_FALSE(jwks_source.keys("k").has_value());
  EXPECT_EQ(server.hits("/jwks"), 2);
}

TEST_F(JwksKeySourceTest, BadDocumentsRefused) {
  struct Row {
    const char* name;
    std::string body;
    ErrorCode code;
    const char* part;
  };
  const Row rows[] = {
      {"private members", jwks({a}, jose::PrivateMembers::allow), ErrorCode::data_invalid,
       "keys[0]"},
      {"not JSON", "<html>", ErrorCode::data_invalid, "not an acceptable public JWK Set"},
      {"no keys member", "{}", ErrorCode::data_invalid, "keys"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    server.set("/jwks", json_response(row.body));
    auto jwks_source = source();
    auto result = jwks_source.keys("");
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, row.code);
    EXPECT_EQ(result.error().field, "jwks_uri");
    EXPECT_NE(result.error().message.find(row.part), std::string::npos) << result.error().message;
  }
}

TEST_F(JwksKeySourceTest, LeakedPrivateKeyOnRefreshKeepsTheOldSet) {
  serve({a});
  auto jwks_source = source();
  ASSERT_TRUE(jwks_source.keys("").has_value());
  server.set("/jwks", json_response(jwks({a, b}, jose::PrivateMembers::allow)));
  clock.advance_ms(30 * kSecond);
  auto result = jwks_source.keys("b");
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(kids(**result), std::vector<std::string>{"a"});
  EXPECT_EQ(server.hits("/jwks"), 2);
}

TEST_F(JwksKeySourceTest, OversizedDocumentRefused) {
  JwksSourceOptions options;
  options.limits.max_bytes = 512;
  serve({a, b, key("c"), key("d")});
  auto jwks_source = source(options);
  auto result = jwks_source.keys("");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::io_error);
  EXPECT_EQ(result.error().field, "jwks_uri");
  EXPECT_NE(result.error().message.find("larger than 512 bytes"), std::string::npos);
}

TEST_F(JwksKeySourceTest, GuardRefusalIsAnIoError) {
  net::CurlHttpClient strict;  // default policy: https, globally reachable targets only
  JwksKeySource jwks_source("https://10.0.0.1/jwks", strict, clock);
  auto result = jwks_source.keys("");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::io_error);
  EXPECT_EQ(result.error().field, "jwks_uri");
  EXPECT_NE(result.error().message.find("refused: 10.0.0.1 is not globally reachable"),
            std::string::npos);
}

TEST_F(JwksKeySourceTest, ConcurrentCallersShareOneFetch) {
  auto response = json_response(jwks({a}));
  response.delay = std::chrono::milliseconds(200);
  server.set("/jwks", response);
  auto jwks_source = source();
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto result = jwks_source.keys("a");
      if (result && (*result)->keys().size() == 1)
        ++good;
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(good.load(), 4);
  EXPECT_EQ(server.hits("/jwks"), 1);
}

TEST(FileKeySource, LoadsAndReloadsWhenTheFileChanges) {
  peerapi::testing::TempDir dir;
  const auto path = dir.path() / "jwks.json";
  const jose::Jwk a = key("a");
  const jose::Jwk b = key("b");
  peerapi::testing::write_file(path, jwks({a}));
  auto source = FileKeySource::load(path);
  ASSERT_TRUE(source.has_value()) << source.error().message;
  auto first = (*source)->keys("");
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(kids(**first), std::vector<std::string>{"a"});
  EXPECT_EQ((*source)->keys("")->get(), first->get());  // unchanged file: same set

  const auto mtime = std::filesystem::last_write_time(path);
  peerapi::testing::write_file(path, jwks({a, b}));
  std::filesystem::last_write_time(path, mtime + std::chrono::seconds(10));
  auto reloaded = (*source)->keys("");
  ASSERT_TRUE(reloaded.has_value());
  EXPECT_EQ(kids(**reloaded), (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE((*source)->last_reload_error().has_value());

  // A bad new file keeps the last good set.
  peerapi::testing::write_file(path, jwks({b}, jose::PrivateMembers::allow));
  std::filesystem::last_write_time(path, mtime + std::chrono::seconds(20));
  auto kept = (*source)->keys("");
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kids(**kept), (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE((*source)->last_reload_error().has_value());
  EXPECT_EQ((*source)->last_reload_error()->code, ErrorCode::data_invalid);
  EXPECT_EQ((*source)->last_reload_error()->field, "jwks_file");
}

TEST(FileKeySource, RefusesBadFilesAtLoad) {
  peerapi::testing::TempDir dir;
  auto missing = FileKeySource::load(dir.path() / "absent.json");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::io_error);
  EXPECT_EQ(missing.error().field, "jwks_file");

  const auto leaked = dir.path() / "private.json";
  peerapi::testing::write_file(leaked, jwks({key("a")}, jose::PrivateMembers::allow));
  auto refused = FileKeySource::load(leaked);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::data_invalid);
  EXPECT_EQ(refused.error().field, "jwks_file");
  EXPECT_NE(refused.error().message.find("keys[0]"), std::string::npos);
}

}  // namespace
}  // namespace peerapi::auth
