#include "auth/tokens/peeringdb_profile.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/http_double.hpp"

namespace peerapi::auth {
namespace {

using peerapi::testing::CannedResponse;
using peerapi::testing::HttpDouble;
using peerapi::testing::json_response;

constexpr std::int64_t kStart = 1'800'000'000'000;
constexpr std::int64_t kMinute = 60'000;

// The shape of PeeringDB's /profile/v1 answer (scopes profile, email, networks).
const std::string kProfile = R"({
  "id": 4242, "name": "Jane Operator", "given_name": "Jane", "family_name": "Operator",
  "email": "noc@as64500.example", "verified_user": true, "verified_email": true,
  "networks": [
    {"id": 1, "name": "Example Net", "asn": 64500, "perms": 15},
    {"id": 2, "name": "Example Transit", "asn": 65551, "perms": 31},
    {"id": 3, "name": "Read Only Net", "asn": 64501, "perms": 1},
    {"id": 4, "name": "No Delete Net", "asn": 64502, "perms": 7},
    {"id": 5, "name": "Example Net again", "asn": 64500, "perms": 15}
  ]
})";

std::vector<std::uint32_t> asns(const Principal& principal) {
  std::vector<std::uint32_t> out;
  for (const auto& asn : principal.asns)
    out.push_back(asn.value());
  return out;
}

TEST(ParsePeeringDbProfile, MapsTheProfileToAPrincipal) {
  auto principal = parse_peeringdb_profile(kProfile, "https://auth.peeringdb.com", 15);
  ASSERT_TRUE(principal.has_value()) << principal.error().message;
  EXPECT_EQ(principal->subject, "peeringdb:4242");
  EXPECT_EQ(principal->issuer, "https://auth.peeringdb.com");
  EXPECT_EQ(principal->email, "noc@as64500.example");
  EXPECT_EQ(asns(*principal), (std::vector<std::uint32_t>{64500, 65551}));

  auto readers = parse_peeringdb_profile(kProfile, "https://auth.peeringdb.com", 1);
  ASSERT_TRUE(readers.has_value());
  EXPECT_EQ(asns(*readers), (std::vector<std::uint32_t>{64500, 64501, 64502, 65551}));
}

TEST(ParsePeeringDbProfile, EdgeCases) {
  struct Row {
    const char* name;
    const char* json;
    std::vector<std::uint32_t> asns;
    bool has_email;
  };
  const Row rows[] = {
      {"unverified user acts for no network",
       R"({"id":1,"verified_user":false,"networks":[{"asn":64500,"perms":15}]})",
       {},
       false},
      {"verified_user absent", R"({"id":1,"networks":[{"asn":64500,"perms":15}]})", {}, false},
      {"no networks member", R"({"id":1,"verified_user":true,"email":"a@b.example"})", {}, true},
      {"null networks and email",
       R"({"id":1,"verified_user":true,"networks":null,"email":null})",
       {},
       false},
      {"reserved ASN skipped",
       R"({"id":1,"verified_user":true,"networks":[{"asn":23456,"perms":15},{"asn":0,"perms":15},
          {"asn":64511,"perms":15}]})",
       {64511},
       false},
      {"perms with other bits",
       R"({"id":1,"verified_user":true,"networks":[{"asn":64496,"perms":47}]})",
       {64496},
       false},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    auto principal = parse_peeringdb_profile(row.json, "https://auth.peeringdb.com", 15);
    ASSERT_TRUE(principal.has_value()) << principal.error().message;
    EXPECT_EQ(asns(*principal), row.asns);
    EXPECT_EQ(principal->email.has_value(), row.has_email);
  }
}

TEST(ParsePeeringDbProfile, RefusesUnexpectedDocuments) {
  struct Row {
    const char* json;
    ErrorCode code;
    const char* field;
  };
  const Row rows[] = {
      {"not json", ErrorCode::malformed_json, ""},
      {"[1]", ErrorCode::wrong_type, ""},
      {R"({"name":"x"})", ErrorCode::missing_field, "id"},
      {R"({"id":"42"})", ErrorCode::wrong_type, "id"},
      {R"({"id":0})", ErrorCode::wrong_type, "id"},
      {R"({"id":1.5})", ErrorCode::wrong_type, "id"},
      {R"({"id":1,"email":5})", ErrorCode::wrong_type, "email"},
      {R"({"id":1,"verified_user":"yes"})", ErrorCode::wrong_type, "verified_user"},
      {R"({"id":1,"networks":{}})", ErrorCode::wrong_type, "networks"},
      {R"({"id":1,"networks":[7]})", ErrorCode::wrong_type, "networks[0]"},
      {R"({"id":1,"networks":[{"asn":64500,"perms":15},{"perms":15}]})", ErrorCode::missing_field,
       "networks[1].asn"},
      {R"({"id":1,"networks":[{"asn":64500}]})", ErrorCode::missing_field, "networks[0].perms"},
      {R"({"id":1,"networks":[{"asn":"64500","perms":15}]})", ErrorCode::wrong_type,
       "networks[0].asn"},
      {R"({"id":1,"networks":[{"asn":4294967296,"perms":15}]})", ErrorCode::wrong_type,
       "networks[0].asn"},
      {R"({"id":1,"networks":[{"asn":64500,"perms":-1}]})", ErrorCode::wrong_type,
       "networks[0].perms"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.json);
    auto principal = parse_peeringdb_profile(row.json, "https://auth.peeringdb.com", 15);
    ASSERT_FALSE(principal.has_value());
    EXPECT_EQ(principal.error().code, row.code) << principal.error().message;
    EXPECT_EQ(principal.error().field, row.field);
  }
}

class PeeringDbProfileTest : public ::testing::Test {
 protected:
  PeeringDbProfileTest() : client(options()) {}
  static net::HttpClientOptions options() {
    net::HttpClientOptions o;
    o.policy.allow_loopback_http = true;
    o.timeout_ms = 2'000;
    return o;
  }
  PeeringDbProfileValidator validator(PeeringDbProfileOptions o = {}) {
    return PeeringDbProfileValidator(server.url("/profile/v1"), client, clock, o);
  }
  static void expect_error(const Result<Principal>& result, ErrorCode code, const char* field,
                           const std::string& token) {
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, code) << result.error().message;
    EXPECT_EQ(result.error().field, field);
    EXPECT_EQ(result.error().message.find(token), std::string::npos) << result.error().message;
  }

  HttpDouble server;
  net::CurlHttpClient client;
  util::ManualClock clock{kStart};
};

TEST_F(PeeringDbProfileTest, GoodProfile) {
  server.set("/profile/v1", json_response(kProfile));
  auto pdb = validator();
  auto principal = pdb.validate("pdbToken-123_abc.def~");
  ASSERT_TRUE(principal.has_value()) << principal.error().message;
  EXPECT_EQ(principal->subject, "peeringdb:4242");
  EXPECT_EQ(principal->issuer, server.origin());
  EXPECT_EQ(principal->email, "noc@as64500.example");
  EXPECT_EQ(asns(*principal), (std::vector<std::uint32_t>{64500, 65551}));
  EXPECT_TRUE(principal->may_act_for(model::Asn::from_number(64500).value()));
  EXPECT_FALSE(principal->may_act_for(model::Asn::from_number(64501).value()));

  auto seen = server.last_request("/profile/v1");
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->method, "GET");
  EXPECT_EQ(seen->header("authorization"), "Bearer pdbToken-123_abc.def~");
  EXPECT_EQ(seen->header("accept"), "application/json");
}

TEST_F(PeeringDbProfileTest, PermsTooLowDropTheAsn) {
  server.set("/profile/v1", json_response(R"({"id":7,"verified_user":true,"networks":[
                 {"asn":64496,"perms":15},{"asn":64497,"perms":14},{"asn":64498,"perms":3}]})"));
  auto pdb = validator();
  auto principal = pdb.validate("tok");
  ASSERT_TRUE(principal.has_value()) << principal.error().message;
  EXPECT_EQ(asns(*principal), std::vector<std::uint32_t>{64496});

  PeeringDbProfileOptions relaxed;
  relaxed.min_perms = 3;  // read and update
  auto lenient = validator(relaxed);
  auto more = lenient.validate("tok");
  ASSERT_TRUE(more.has_value());
  EXPECT_EQ(asns(*more), (std::vector<std::uint32_t>{64496, 64498}));
}

TEST_F(PeeringDbProfileTest, RefusedTokenIsUnauthenticated) {
  auto pdb = validator();
  for (int status : {401, 403}) {
    SCOPED_TRACE(status);
    server.set("/profile/v1", json_response(R"({"error":"invalid_token"})", status));
    expect_error(pdb.validate("secretToken1"), ErrorCode::unauthenticated, "token", "secretToken1");
  }
  EXPECT_EQ(pdb.cached_tokens(), 0U);
  server.set("/profile/v1", json_response(kProfile));
  EXPECT_TRUE(pdb.validate("secretToken1").has_value());  // refusals are not cached
  EXPECT_EQ(server.hits("/profile/v1"), 3);
}

TEST_F(PeeringDbProfileTest, OtherFailuresAreIoErrors) {
  auto pdb = validator();
  struct Row {
    const char* name;
    CannedResponse response;
    const char* part;
  };
  const Row rows[] = {
      {"500", CannedResponse{500, {}, "oops", {}}, "HTTP 500"},
      {"429", CannedResponse{429, {}, "", {}}, "HTTP 429"},
      {"redirect", CannedResponse{302, {{"Location", "/elsewhere"}}, "", {}}, "HTTP 302"},
      {"not JSON", json_response("<html>"), "unexpected document"},
      {"no id", json_response(R"({"name":"x"})"), "unexpected document: id: required"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    server.set("/profile/v1", row.response);
    auto result = pdb.validate("secretToken2");
    expect_error(result, ErrorCode::io_error, "peeringdb_profile", "secretToken2");
    EXPECT_NE(result.error().message.find(row.part), std::string::npos) << result.error().message;
  }
  EXPECT_EQ(server.hits("/elsewhere"), 0);
}

TEST_F(PeeringDbProfileTest, UnreachableOrRefusedEndpointIsAnIoError) {
  net::CurlHttpClient strict;  // loopback not allowed
  PeeringDbProfileValidator pdb(server.url("/profile/v1"), strict, clock);
  expect_error(pdb.validate("secretToken3"), ErrorCode::io_error, "peeringdb_profile",
               "secretToken3");
  EXPECT_EQ(server.connections(), 0);
}

TEST_F(PeeringDbProfileTest, MalformedTokensRefusedWithoutAsking) {
  auto pdb = validator();
  const std::string rows[] = {
      "",        "two words",   "tok\r\nX-Injected: 1", "=leading",
      "abc=def", "t\xc3\xa9st", std::string(4097, 'a'),
  };
  for (const auto& token : rows) {
    SCOPED_TRACE(token.substr(0, 20));
    auto result = pdb.validate(token);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::unauthenticated);
    EXPECT_EQ(result.error().field, "token");
  }
  EXPECT_EQ(server.connections(), 0);
  server.set("/profile/v1", json_response(kProfile));
  EXPECT_TRUE(pdb.validate("abc+/def==").has_value());
}

TEST_F(PeeringDbProfileTest, CachedWithinTheTtl) {
  server.set("/profile/v1", json_response(kProfile));
  auto pdb = validator();
  ASSERT_TRUE(pdb.validate("tokenA").has_value());
  EXPECT_EQ(server.hits("/profile/v1"), 1);

  clock.advance_ms(5 * kMinute - 1);
  auto cached = pdb.validate("tokenA");
  ASSERT_TRUE(cached.has_value());
  EXPECT_EQ(cached->subject, "peeringdb:4242");
  EXPECT_EQ(server.hits("/profile/v1"), 1);

  ASSERT_TRUE(pdb.validate("tokenB").has_value());  // another token is asked about
  EXPECT_EQ(server.hits("/profile/v1"), 2);

  clock.advance_ms(1);
  server.set("/profile/v1", json_response(R"({"id":4242,"verified_user":true,"networks":[]})"));
  auto refreshed = pdb.validate("tokenA");
  ASSERT_TRUE(refreshed.has_value());
  EXPECT_TRUE(refreshed->asns.empty());  // PeeringDB's current answer, not the cached one
  EXPECT_EQ(server.hits("/profile/v1"), 3);
}

TEST_F(PeeringDbProfileTest, CacheIsBounded) {
  server.set("/profile/v1", json_response(kProfile));
  PeeringDbProfileOptions small;
  small.max_cache_entries = 2;
  auto pdb = validator(small);
  for (const char* token : {"t1", "t2", "t3"}) {
    ASSERT_TRUE(pdb.validate(token).has_value());
    clock.advance_ms(1);
  }
  EXPECT_EQ(pdb.cached_tokens(), 2U);
  EXPECT_EQ(server.hits("/profile/v1"), 3);
  ASSERT_TRUE(pdb.validate("t3").has_value());  // the newest stayed
  EXPECT_EQ(server.hits("/profile/v1"), 3);
  ASSERT_TRUE(pdb.validate("t1").has_value());  // the oldest was evicted
  EXPECT_EQ(server.hits("/profile/v1"), 4);
}

}  // namespace
}  // namespace peerapi::auth
