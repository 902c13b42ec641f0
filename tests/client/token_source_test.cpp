// Access tokens from the network's IdP: the exact token requests of the client credentials grant
// (RFC 6749 section 4.4) and token exchange (RFC 8693 section 2.1), client authentication,
// RFC 8414 discovery of the token endpoint, RFC 6749 section 5.2 errors, the cache and its
// expiry margin, DPoP-bound tokens (RFC 9449 sections 5 and 8) and dev tokens. The IdP is an
// in-test HTTP double on 127.0.0.1; time, randomness and sleep are injected.
#include "client/token_source.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "auth/dev_idp.hpp"
#include "auth/dpop/proof.hpp"
#include "auth/jose/jwk.hpp"
#include "auth/replay_cache.hpp"
#include "client/client_fixtures.hpp"
#include "support/http_double.hpp"
#include "support/test_support.hpp"
#include "util/crypto.hpp"

namespace peerapi::client {
namespace {

namespace json = boost::json;
using peerapi::testing::CannedResponse;
using peerapi::testing::HttpDouble;
using peerapi::testing::json_response;
using peerapi::testing::RecordedRequest;
using peerapi::testing::TempDir;
using test::ClockSleeper;
using test::ScriptedRandom;

constexpr std::int64_t kStart = 1'795'435'200'000;  // 2026-11-23T12:00:00Z
constexpr const char* kSecret = "s3cr:t+Value";

json::object jws_payload(const std::string& jws) {
  const auto first = jws.find('.');
  const auto second = jws.find('.', first + 1);
  auto payload = util::base64url_decode(jws.substr(first + 1, second - first - 1));
  return payload ? json::parse(*payload).as_object() : json::object{};
}

/// Serves `first` for the first `times` requests, then `then`.
void serve_sequence(HttpDouble& server, const std::string& path, CannedResponse first, int times,
                    CannedResponse then) {
  auto count = std::make_shared<std::atomic<int>>(0);
  server.set_handler(path,
                     [=](const RecordedRequest&) { return (*count)++ < times ? first : then; });
}

CannedResponse token_answer(std::string_view type = "Bearer", int expires_in = 3600,
                            std::string_view token = "at-1") {
  std::string body = R"({"access_token": ")" + std::string(token) + R"(", "token_type": ")" +
                     std::string(type) + "\"";
  if (expires_in > 0)
    body += ", \"expires_in\": " + std::to_string(expires_in);
  return json_response(body + ", \"scope\": \"urn:ietf:params:oauth:scope:peering-api\"}");
}

class Tokens : public ::testing::Test {
 protected:
  config::ClientIdpSection credentials() const {
    config::ClientIdpSection idp;
    idp.token_endpoint = server.url("/token");
    idp.client_id = "peerapi as64501";
    idp.client_secret = kSecret;
    return idp;
  }

  std::unique_ptr<TokenSource> source(config::ClientIdpSection idp,
                                      std::optional<DpopKey> key = std::nullopt) {
    TokenSourceOptions options{
        .idp = std::move(idp),
        .dev_asns = {},
        .dpop_key = std::move(key),
        .retry = RetryPolicy{
            .max_retries = 2, .base_delay_ms = 100, .max_delay_ms = 1000, .max_total_ms = 60'000}};
    options.dev_asns.push_back(*model::Asn::from_number(64501));
    options.dev_asns.push_back(*model::Asn::from_number(64511));
    return std::make_unique<TokenSource>(std::move(options), http, clock, random, sleeper);
  }

  static net::HttpClientOptions loopback() {
    net::HttpClientOptions o;
    o.policy.allow_loopback_http = true;
    o.timeout_ms = 5'000;
    return o;
  }

  static DpopKey ed25519() {
    return DpopKey{*auth::jose::Jwk::generate(auth::jose::Curve::ed25519),
                   auth::jose::Algorithm::eddsa};
  }

  HttpDouble server;
  net::CurlHttpClient http{loopback()};
  util::ManualClock clock{kStart};
  ScriptedRandom random{{100, 200, 400, 800}};
  ClockSleeper sleeper{clock};
  TempDir dir;
};

TEST(TokenForm, EncodesAsApplicationXWwwFormUrlencoded) {
  EXPECT_EQ(form_encode("AZaz09*-._"), "AZaz09*-._");
  EXPECT_EQ(form_encode("a b"), "a+b");
  EXPECT_EQ(form_encode("s3cr:t+/=~"), "s3cr%3At%2B%2F%3D%7E");
  EXPECT_EQ(form_encode("\xc3\xa9"), "%C3%A9");
  EXPECT_EQ(form_encode("urn:ietf:params:oauth:grant-type:token-exchange"),
            "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange");
}

TEST_F(Tokens, ClientCredentialsWithBasicAuthentication) {
  server.set("/token", token_answer());
  auto idp = credentials();
  idp.scope = "urn:ietf:params:oauth:scope:peering-api";
  idp.audience = "https://peering.example.net";
  idp.resources = {"https://peering.example.net/api", "https://peering.example.org/api"};
  auto token = source(idp)->fresh_token();
  ASSERT_TRUE(token.has_value()) << token.error().describe();
  EXPECT_EQ(token->value, "at-1");
  EXPECT_EQ(token->token_type, "Bearer");
  EXPECT_EQ(token->expires_at_ms, kStart + 3'600'000);
  EXPECT_EQ(token->scope, "urn:ietf:params:oauth:scope:peering-api");
  EXPECT_EQ(token->origin, TokenOrigin::idp);

  const auto request = server.last_request("/token");
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->method, "POST");
  EXPECT_EQ(request->header("content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(request->header("accept"), "application/json");
  // RFC 6749 section 2.3.1: id and secret form-encoded, joined by ":", then base64.
  EXPECT_EQ(request->header("authorization"),
            "Basic " + util::base64_encode("peerapi+as64501:s3cr%3At%2BValue"));
  EXPECT_EQ(request->body,
            "grant_type=client_credentials"
            "&resource=https%3A%2F%2Fpeering.example.net%2Fapi"
            "&resource=https%3A%2F%2Fpeering.example.org%2Fapi"
            "&audience=https%3A%2F%2Fpeering.example.net"
            "&scope=urn%3Aietf%3Aparams%3Aoauth%3Ascope%3Apeering-api");
  EXPECT_FALSE(request->header("dpop").has_value());
}

TEST_F(Tokens, ClientSecretPostReadsTheSecretFile) {
  server.set("/token", token_answer());
  auto idp = credentials();
  idp.client_secret.clear();
  idp.client_secret_file = dir.path() / "secret";
  peerapi::testing::write_file(idp.client_secret_file, "  from-file \n second line\n");
  idp.auth_method = config::TokenAuthMethod::client_secret_post;
  auto token = source(idp)->fresh_token();
  ASSERT_TRUE(token.has_value()) << token.error().describe();
  const auto request = server.last_request("/token");
  EXPECT_FALSE(request->header("authorization").has_value());
  EXPECT_EQ(request->body,
            "grant_type=client_credentials&client_id=peerapi+as64501&client_secret=from-file");
}

TEST_F(Tokens, TokenExchangeAsAPublicClient) {
  server.set("/token", json_response(R"({"access_token": "exchanged", "token_type": "bearer",
                               "expires_in": "600",
                               "issued_token_type": "urn:ietf:params:oauth:token-type:jwt"})"));
  config::ClientIdpSection idp;
  idp.grant = config::IdpGrant::token_exchange;
  idp.token_endpoint = server.url("/token");
  idp.client_id = "public-client";
  idp.auth_method = config::TokenAuthMethod::none;
  idp.subject_token_file = dir.path() / "subject.jwt";
  peerapi::testing::write_file(idp.subject_token_file, "eyJ.subject.token\n");
  idp.subject_token_type = "urn:ietf:params:oauth:token-type:jwt";
  idp.requested_token_type = "urn:ietf:params:oauth:token-type:access_token";
  idp.audience = "client-id-at-peer";
  auto token = source(idp)->fresh_token();
  ASSERT_TRUE(token.has_value()) << token.error().describe();
  EXPECT_EQ(token->value, "exchanged");
  EXPECT_EQ(token->token_type, "Bearer") << "RFC 6749 section 5.1: case-insensitive";
  EXPECT_EQ(token->expires_at_ms, kStart + 600'000) << "expires_in as a digit string";
  EXPECT_EQ(token->issued_token_type, "urn:ietf:params:oauth:token-type:jwt");
  const auto request = server.last_request("/token");
  EXPECT_FALSE(request->header("authorization").has_value());
  EXPECT_EQ(request->body,
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange"
            "&subject_token=eyJ.subject.token"
            "&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Ajwt"
            "&requested_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token"
            "&audience=client-id-at-peer&client_id=public-client");
}

TEST_F(Tokens, TheTokenEndpointIsDiscoveredOnceFromTheIssuer) {
  const std::string issuer = server.origin() + "/tenant";
  server.set("/.well-known/oauth-authorization-server/tenant",
             CannedResponse{404, {}, "not here", {}, false});
  server.set("/tenant/.well-known/openid-configuration",
             json_response(R"({"issuer": ")" + issuer + R"(", "token_endpoint": ")" +
                           server.url("/oauth/token") + R"(", "jwks_uri": "unused"})"));
  server.set("/oauth/token", token_answer());
  auto idp = credentials();
  idp.token_endpoint.clear();
  idp.issuer = issuer;
  auto tokens = source(idp);
  ASSERT_TRUE(tokens->fresh_token().has_value());
  ASSERT_TRUE(tokens->fresh_token().has_value());
  EXPECT_EQ(tokens->token_endpoint(), server.url("/oauth/token"));
  EXPECT_EQ(server.hits("/oauth/token"), 2);
  EXPECT_EQ(server.hits("/tenant/.well-known/openid-configuration"), 1) << "discovered once";
}

TEST_F(Tokens, DiscoveryFailuresAreNamed) {
  const std::string issuer = server.origin();
  auto idp = credentials();
  idp.token_endpoint.clear();
  idp.issuer = issuer;

  auto none = source(idp)->token();
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().kind, FailureKind::http);
  EXPECT_EQ(none.error().error.field, "client.idp.issuer");
  EXPECT_NE(none.error().error.message.find("/.well-known/openid-configuration: HTTP 404"),
            std::string::npos)
      << none.error().error.message;

  server.set("/.well-known/oauth-authorization-server",
             json_response(R"({"issuer": "https://other.example", "token_endpoint": ")" +
                           server.url("/token") + "\"}"));
  auto other = source(idp)->token();
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().kind, FailureKind::decode);
  EXPECT_EQ(other.error().error.field, "metadata.issuer");
  EXPECT_NE(other.error().error.message.find("RFC 8414 section 3.3"), std::string::npos);

  server.set("/.well-known/oauth-authorization-server",
             json_response(R"({"issuer": ")" + issuer + R"(", "token_endpoint": "/token"})"));
  auto relative = source(idp)->token();
  ASSERT_FALSE(relative.has_value());
  EXPECT_EQ(relative.error().error.field, "metadata.token_endpoint");
  EXPECT_EQ(relative.error().error.code, ErrorCode::invalid_url);
  EXPECT_EQ(server.hits("/token"), 0);
}

struct OAuthErrorRow {
  std::string name;
  int status;
  std::string body;
  ErrorCode code;
  std::string oauth_error;  // empty: no OAuth error body
};

class OAuthErrors : public Tokens, public ::testing::WithParamInterface<OAuthErrorRow> {};

TEST_P(OAuthErrors, AreTypedAndNeverShowASecret) {
  const OAuthErrorRow& row = GetParam();
  server.set(
      "/token",
      CannedResponse{row.status, {{"Content-Type", "application/json"}}, row.body, {}, false});
  auto token = source(credentials())->fresh_token();
  ASSERT_FALSE(token.has_value());
  const ClientError& e = token.error();
  EXPECT_EQ(e.kind, FailureKind::http);
  EXPECT_EQ(e.http_status, row.status);
  EXPECT_EQ(e.error.code, row.code) << to_string(e.error.code);
  if (row.oauth_error.empty()) {
    EXPECT_TRUE(e.server_errors.empty());
    EXPECT_NE(e.error.message.find("without an OAuth error"), std::string::npos);
  } else {
    ASSERT_EQ(e.server_errors.size(), 1u);
    EXPECT_EQ(e.server_errors[0].code, row.oauth_error);
    EXPECT_EQ(e.error.field, "");
    EXPECT_NE(e.error.message.find(row.oauth_error), std::string::npos) << e.error.message;
  }
  EXPECT_EQ(e.describe().find(kSecret), std::string::npos) << e.describe();
  for (const auto& entry : e.server_errors) {
    for (const auto& message : entry.messages)
      EXPECT_EQ(message.find(kSecret), std::string::npos) << message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rows, OAuthErrors,
    ::testing::Values(
        OAuthErrorRow{
            "invalid_client", 401,
            R"({"error": "invalid_client", "error_description": "secret s3cr:t+Value is wrong"})",
            ErrorCode::unauthenticated, "invalid_client"},
        OAuthErrorRow{"invalid_grant", 400, R"({"error": "invalid_grant"})",
                      ErrorCode::unauthenticated, "invalid_grant"},
        OAuthErrorRow{"unauthorized_client", 400,
                      R"({"error": "unauthorized_client", "error_description": "no"})",
                      ErrorCode::unauthenticated, "unauthorized_client"},
        OAuthErrorRow{"access_denied", 403, R"({"error": "access_denied"})", ErrorCode::forbidden,
                      "access_denied"},
        OAuthErrorRow{"invalid_scope", 400,
                      R"({"error": "invalid_scope", "error_description": "unknown scope"})",
                      ErrorCode::invalid_value, "invalid_scope"},
        OAuthErrorRow{"invalid_target", 400, R"({"error": "invalid_target"})",
                      ErrorCode::invalid_value, "invalid_target"},
        OAuthErrorRow{"proxy_page", 502, "<html>bad gateway</html>", ErrorCode::internal, ""},
        OAuthErrorRow{"error_not_a_string", 400, R"({"error": 7})", ErrorCode::invalid_value, ""}),
    [](const ::testing::TestParamInfo<OAuthErrorRow>& row) { return row.param.name; });

TEST_F(Tokens, TheSecretDescriptionIsRedacted) {
  server.set("/token", json_response(R"({"error": "invalid_client",
                                         "error_description": "secret s3cr:t+Value is wrong"})",
                                     401));
  auto token = source(credentials())->fresh_token();
  ASSERT_FALSE(token.has_value());
  ASSERT_EQ(token.error().server_errors.size(), 1u);
  EXPECT_EQ(token.error().server_errors[0].messages,
            std::vector<std::string>{"secret [redacted] is wrong"});
  EXPECT_EQ(token.error().error.message,
            "the IdP refused the token request: invalid_client: secret [redacted] is wrong");
}

struct BadAnswer {
  std::string name;
  std::string body;
  std::string field;
  ErrorCode code;
};

class BadTokenAnswers : public ::testing::TestWithParam<BadAnswer> {};

TEST_P(BadTokenAnswers, AreDecodeErrorsAtTheMember) {
  const BadAnswer& row = GetParam();
  auto token = decode_token_response(row.body, kStart, false);
  ASSERT_FALSE(token.has_value()) << row.name;
  EXPECT_EQ(token.error().kind, FailureKind::decode);
  EXPECT_EQ(token.error().error.field, row.field) << token.error().error.message;
  EXPECT_EQ(token.error().error.code, row.code) << to_string(token.error().error.code);
}

INSTANTIATE_TEST_SUITE_P(
    Rows, BadTokenAnswers,
    ::testing::Values(
        BadAnswer{"not_json", "access_token=x", "", ErrorCode::malformed_json},
        BadAnswer{"array", "[]", "", ErrorCode::wrong_type},
        BadAnswer{"no_token", R"({"token_type": "Bearer"})", "access_token",
                  ErrorCode::missing_field},
        BadAnswer{"token_number", R"({"access_token": 5, "token_type": "Bearer"})", "access_token",
                  ErrorCode::wrong_type},
        BadAnswer{"token_empty", R"({"access_token": "", "token_type": "Bearer"})", "access_token",
                  ErrorCode::invalid_value},
        BadAnswer{"token_with_space", R"({"access_token": "a b", "token_type": "Bearer"})",
                  "access_token", ErrorCode::invalid_value},
        BadAnswer{"no_type", R"({"access_token": "a"})", "token_type", ErrorCode::missing_field},
        BadAnswer{"type_number", R"({"access_token": "a", "token_type": 1})", "token_type",
                  ErrorCode::wrong_type},
        BadAnswer{"type_mac", R"({"access_token": "a", "token_type": "mac"})", "token_type",
                  ErrorCode::invalid_value},
        BadAnswer{"dpop_without_proof", R"({"access_token": "a", "token_type": "DPoP"})",
                  "token_type", ErrorCode::invalid_value},
        BadAnswer{"expires_zero",
                  R"({"access_token": "a", "token_type": "Bearer", "expires_in": 0})", "expires_in",
                  ErrorCode::invalid_value},
        BadAnswer{"expires_negative",
                  R"({"access_token": "a", "token_type": "Bearer", "expires_in": -5})",
                  "expires_in", ErrorCode::invalid_value},
        BadAnswer{"expires_text",
                  R"({"access_token": "a", "token_type": "Bearer", "expires_in": "soon"})",
                  "expires_in", ErrorCode::wrong_type},
        BadAnswer{"expires_fraction",
                  R"({"access_token": "a", "token_type": "Bearer", "expires_in": 1.5})",
                  "expires_in", ErrorCode::wrong_type},
        BadAnswer{"scope_number", R"({"access_token": "a", "token_type": "Bearer", "scope": 5})",
                  "scope", ErrorCode::wrong_type},
        BadAnswer{"issued_type_list",
                  R"({"access_token": "a", "token_type": "Bearer", "issued_token_type": []})",
                  "issued_token_type", ErrorCode::wrong_type}),
    [](const ::testing::TestParamInfo<BadAnswer>& row) { return row.param.name; });

TEST(TokenAnswer, BearerToADpopRequestIsRefused) {
  auto bearer =
      decode_token_response(R"({"access_token": "a", "token_type": "Bearer"})", kStart, true);
  ASSERT_FALSE(bearer.has_value());
  EXPECT_EQ(bearer.error().error.field, "token_type");
  EXPECT_NE(bearer.error().error.message.find("RFC 9449 section 5"), std::string::npos);
  auto bound =
      decode_token_response(R"({"access_token": "a", "token_type": "dpop"})", kStart, true);
  ASSERT_TRUE(bound.has_value());
  EXPECT_EQ(bound->token_type, "DPoP");
  EXPECT_FALSE(bound->expires_at_ms.has_value());
}

TEST(TokenAnswer, ReuseStopsAQuarterOfTheLifetimeOrAMinuteBeforeExpiry) {
  AccessToken hour{.value = "a",
                   .token_type = "Bearer",
                   .expires_at_ms = kStart + 3'600'000,
                   .obtained_at_ms = kStart};
  EXPECT_EQ(refresh_margin_ms(hour), 60'000);
  EXPECT_TRUE(reusable(hour, kStart + 3'600'000 - 60'001));
  EXPECT_FALSE(reusable(hour, kStart + 3'600'000 - 60'000));
  AccessToken short_lived{.value = "a",
                          .token_type = "Bearer",
                          .expires_at_ms = kStart + 100'000,
                          .obtained_at_ms = kStart};
  EXPECT_EQ(refresh_margin_ms(short_lived), 25'000);
  EXPECT_TRUE(reusable(short_lived, kStart + 74'999));
  EXPECT_FALSE(reusable(short_lived, kStart + 75'000));
  AccessToken forever{.value = "a", .token_type = "Bearer", .obtained_at_ms = kStart};
  EXPECT_FALSE(reusable(forever, kStart)) << "no expires_in: never reused";
}

TEST_F(Tokens, CachedTokenIsReusedFromMemoryAndFileUntilShortlyBeforeExpiry) {
  serve_sequence(server, "/token", token_answer("Bearer", 3600, "at-1"), 1,
                 token_answer("Bearer", 3600, "at-2"));
  auto idp = credentials();
  idp.token_cache_file = dir.path() / "cache" / "token.json";
  auto first = source(idp);
  auto issued = first->token();
  ASSERT_TRUE(issued.has_value()) << issued.error().describe();
  EXPECT_EQ(issued->origin, TokenOrigin::idp);
  EXPECT_FALSE(first->cache_warning().has_value());
  auto again = first->token();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->value, "at-1");
  EXPECT_EQ(again->origin, TokenOrigin::cache);
  EXPECT_EQ(server.hits("/token"), 1);

  struct stat info {};
  ASSERT_EQ(::stat(idp.token_cache_file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const std::string cached = peerapi::testing::read_file(idp.token_cache_file);
  EXPECT_EQ(cached.find(kSecret), std::string::npos) << "never the client secret";
  EXPECT_NE(cached.find("at-1"), std::string::npos);

  clock.advance_ms(3'600'000 - 60'001);
  auto from_file = source(idp)->token();  // a new process: only the file remembers
  ASSERT_TRUE(from_file.has_value());
  EXPECT_EQ(from_file->value, "at-1");
  EXPECT_EQ(from_file->origin, TokenOrigin::cache);
  EXPECT_EQ(server.hits("/token"), 1);

  clock.advance_ms(1);
  auto renewed = source(idp)->token();
  ASSERT_TRUE(renewed.has_value());
  EXPECT_EQ(renewed->value, "at-2");
  EXPECT_EQ(renewed->origin, TokenOrigin::idp);
  EXPECT_EQ(server.hits("/token"), 2);
  EXPECT_NE(peerapi::testing::read_file(idp.token_cache_file).find("at-2"), std::string::npos);
}

TEST_F(Tokens, ACacheIsUsedOnlyForTheSameRequest) {
  serve_sequence(server, "/token", token_answer("Bearer", 3600, "at-1"), 1,
                 token_answer("Bearer", 3600, "at-2"));
  auto idp = credentials();
  idp.token_cache_file = dir.path() / "token.json";
  ASSERT_TRUE(source(idp)->token().has_value());
  idp.scope = "another-scope";
  auto other = source(idp)->token();
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->value, "at-2");
  EXPECT_EQ(server.hits("/token"), 2);

  TokenSource probe(TokenSourceOptions{.idp = idp}, http, clock, random, sleeper);
  const std::string key = probe.cache_key("");
  EXPECT_EQ(key.size(), 64u);
  EXPECT_TRUE(decode_token_cache(peerapi::testing::read_file(idp.token_cache_file), key));
  EXPECT_FALSE(decode_token_cache(peerapi::testing::read_file(idp.token_cache_file), "x" + key));
  EXPECT_FALSE(decode_token_cache("{\"version\": 2}", key));
  EXPECT_FALSE(decode_token_cache("garbage", key));
  idp.client_secret = "rotated";
  TokenSource rotated(TokenSourceOptions{.idp = idp}, http, clock, random, sleeper);
  EXPECT_EQ(rotated.cache_key(""), key) << "a new secret does not invalidate the cache";
}

TEST_F(Tokens, TokensWithoutExpiryAreNotCached) {
  server.set("/token", token_answer("Bearer", 0));
  auto idp = credentials();
  idp.token_cache_file = dir.path() / "token.json";
  auto tokens = source(idp);
  ASSERT_TRUE(tokens->token().has_value());
  ASSERT_TRUE(tokens->token().has_value());
  EXPECT_EQ(server.hits("/token"), 2);
  EXPECT_FALSE(std::filesystem::exists(idp.token_cache_file));
}

TEST_F(Tokens, DpopProofGoesWithTheRequestAndTheServerNonceIsUsed) {
  serve_sequence(server, "/token",
                 json_response(R"({"error": "use_dpop_nonce",
                                   "error_description": "Authorization server requires nonce"})",
                               400, {{"DPoP-Nonce", "nonce-1"}}),
                 1, token_answer("DPoP"));
  const DpopKey key = ed25519();
  auto token = source(credentials(), key)->fresh_token();
  ASSERT_TRUE(token.has_value()) << token.error().describe();
  EXPECT_EQ(token->token_type, "DPoP");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_FALSE(jws_payload(*requests[0].header("dpop")).contains("nonce"));
  EXPECT_FALSE(jws_payload(*requests[0].header("dpop")).contains("ath"))
      << "a token request proves the key, it sends no token";

  auth::MemoryReplayCache replay;
  auth::dpop::ProofExpectations expect;
  expect.method = "POST";
  expect.target_uri = server.url("/token");
  expect.algorithms = auth::jose::AlgorithmSet{auth::jose::Algorithm::eddsa};
  expect.nonce = "nonce-1";
  expect.expected_jkt = key.key.thumbprint();
  auto verified = auth::dpop::verify_proof(*requests[1].header("dpop"), expect, replay, kStart);
  ASSERT_TRUE(verified.has_value()) << verified.error().field << ": " << verified.error().message;
  EXPECT_EQ(sleeper.sleeps(), std::vector<std::int64_t>{}) << "the nonce retry is immediate";
}

TEST_F(Tokens, ABearerAnswerToADpopRequestFails) {
  server.set("/token", token_answer("Bearer"));
  auto token = source(credentials(), ed25519())->fresh_token();
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().kind, FailureKind::decode);
  EXPECT_EQ(token.error().error.field, "token_type");
}

TEST_F(Tokens, BusyIdpIsRetriedAfterRetryAfter) {
  serve_sequence(
      server, "/token",
      json_response(R"({"error": "temporarily_unavailable"})", 503, {{"Retry-After", "2"}}), 1,
      token_answer());
  auto token = source(credentials())->fresh_token();
  ASSERT_TRUE(token.has_value()) << token.error().describe();
  EXPECT_EQ(sleeper.sleeps(), std::vector<std::int64_t>{2'000});
  EXPECT_EQ(server.hits("/token"), 2);

  server.set("/token", json_response(R"({"error": "slow_down"})", 429));
  auto gave_up = source(credentials())->fresh_token();
  ASSERT_FALSE(gave_up.has_value());
  EXPECT_EQ(gave_up.error().error.code, ErrorCode::rate_limited);
  EXPECT_EQ(gave_up.error().attempts, 3) << "max_retries = 2";
}

TEST_F(Tokens, UnreachableIdpIsATransportFailure) {
  auto idp = credentials();
  idp.token_endpoint = "http://127.0.0.1:1/token";
  auto token = source(idp)->fresh_token();
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().kind, FailureKind::transport);
  EXPECT_EQ(token.error().error.field, "client.idp");
  EXPECT_EQ(token.error().attempts, 3);
}

TEST_F(Tokens, UnreadableFilesAreUsageErrorsNamingTheKey) {
  auto idp = credentials();
  idp.client_secret.clear();
  idp.client_secret_file = dir.path() / "missing-secret";
  auto no_secret = source(idp)->fresh_token();
  ASSERT_FALSE(no_secret.has_value());
  EXPECT_EQ(no_secret.error().kind, FailureKind::usage);
  EXPECT_EQ(no_secret.error().error.field, "client.idp.client_secret_file");
  EXPECT_EQ(no_secret.error().error.code, ErrorCode::io_error);

  peerapi::testing::write_file(idp.client_secret_file, "\n");
  auto empty = source(idp)->fresh_token();
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().error.code, ErrorCode::invalid_value);

  config::ClientIdpSection exchange;
  exchange.grant = config::IdpGrant::token_exchange;
  exchange.token_endpoint = server.url("/token");
  exchange.auth_method = config::TokenAuthMethod::none;
  exchange.subject_token_file = dir.path() / "no-subject";
  auto no_subject = source(exchange)->token();
  ASSERT_FALSE(no_subject.has_value());
  EXPECT_EQ(no_subject.error().error.field, "client.idp.subject_token_file");
  EXPECT_EQ(server.hits("/token"), 0);
}

TEST_F(Tokens, DevGrantMintsABoundTokenWithoutAnyRequest) {
  const auto key_file = dir.path() / "dev-idp.jwk";
  auto dev_key = auth::dev_idp::generate_key("EdDSA");
  ASSERT_TRUE(dev_key.has_value());
  ASSERT_TRUE(auth::dev_idp::write_key(key_file, *dev_key, false).has_value());
  config::ClientIdpSection idp;
  idp.grant = config::IdpGrant::dev;
  idp.dev_key_file = key_file;
  idp.audience = "http://127.0.0.1:8080";
  idp.dev_ttl_seconds = 600;
  const DpopKey key = ed25519();
  auto token = source(idp, key)->token();
  ASSERT_TRUE(token.has_value()) << token.error().describe();
  EXPECT_EQ(token->origin, TokenOrigin::dev);
  EXPECT_EQ(token->token_type, "DPoP");
  EXPECT_EQ(token->expires_at_ms, kStart + 600'000);
  const json::object claims = jws_payload(token->value);
  EXPECT_EQ(claims.at("iss").as_string(), kDefaultDevIssuer);
  EXPECT_EQ(claims.at("aud").as_string(), "http://127.0.0.1:8080");
  EXPECT_EQ(claims.at("cnf").at("jkt").as_string(), key.key.thumbprint());
  const json::array& networks = claims.at("networks").as_array();
  ASSERT_EQ(networks.size(), 2u);
  EXPECT_EQ(networks[1].at("asn").as_int64(), 64511);
  EXPECT_TRUE(server.requests().empty());

  idp.dev_key_file = dir.path() / "absent.jwk";
  auto missing = source(idp)->token();
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().kind, FailureKind::usage);
  EXPECT_EQ(missing.error().error.field, "client.idp.dev_key_file");
}

TEST(PrivateFile, IsWrittenWithMode0600EvenOverAStaleTemporaryFile) {
  TempDir dir;
  const auto file = dir.path() / "sub" / "token.json";
  std::filesystem::create_directories(file.parent_path());
  const auto stale = file.parent_path() / ".token.json.tmp";
  peerapi::testing::write_file(stale, "old");
  std::filesystem::permissions(stale, std::filesystem::perms(0644));
  ASSERT_TRUE(write_private_file(file, "secret").has_value());
  struct stat info {};
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(peerapi::testing::read_file(file), "secret");

  const auto nested = dir.path() / "new" / "dir" / "token.json";
  ASSERT_TRUE(write_private_file(nested, "x").has_value());
  ASSERT_EQ(::stat(nested.parent_path().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u) << "created directories are private too";
}

}  // namespace
}  // namespace peerapi::client
