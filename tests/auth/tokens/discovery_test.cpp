#include "auth/tokens/discovery.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "support/http_double.hpp"
#include "util/clock.hpp"

namespace peerapi::auth {
namespace {

using peerapi::testing::HttpDouble;
using peerapi::testing::json_response;

TEST(DiscoveryUrls, InsertsTheWellKnownSuffixAndFallsBackToOpenIdConnect) {
  struct Row {
    const char* issuer;
    std::vector<std::string> urls;
  };
  const Row rows[] = {
      {"https://as.example",
       {"https://as.example/.well-known/oauth-authorization-server",
        "https://as.example/.well-known/openid-configuration"}},
      {"https://as.example/",
       {"https://as.example/.well-known/oauth-authorization-server",
        "https://as.example/.well-known/openid-configuration"}},
      // RFC 8414 section 3.1 example: the suffix goes between host and path.
      {"https://example.com/issuer1",
       {"https://example.com/.well-known/oauth-authorization-server/issuer1",
        "https://example.com/issuer1/.well-known/openid-configuration"}},
      {"https://as.example:8443/tenants/t1/",
       {"https://as.example:8443/.well-known/oauth-authorization-server/tenants/t1",
        "https://as.example:8443/tenants/t1/.well-known/openid-configuration"}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.issuer);
    auto urls = discovery_urls(row.issuer);
    ASSERT_TRUE(urls.has_value()) << urls.error().message;
    EXPECT_EQ(*urls, row.urls);
  }
}

TEST(DiscoveryUrls, RefusesIssuersThatAreNotPlainUrls) {
  for (const char* issuer :
       {"as.example", "", "https://as.example/?tenant=1", "https://as.example/#f",
        "ftp://as.example/", "https://user@as.example/", "https:///path", "urn:example:as"}) {
    SCOPED_TRACE(issuer);
    auto urls = discovery_urls(issuer);
    ASSERT_FALSE(urls.has_value());
    EXPECT_EQ(urls.error().code, ErrorCode::invalid_value);
    EXPECT_EQ(urls.error().field, "issuer");
  }
}

std::string metadata(const std::string& issuer, boost::json::object extra = {}) {
  boost::json::object doc{
      {"issuer", issuer},
      {"jwks_uri", issuer + "/jwks"},
      {"authorization_endpoint", issuer + "/authorize"},
      {"token_endpoint", issuer + "/token"},
      {"registration_endpoint", issuer + "/register"},
      {"scopes_supported", boost::json::array{"openid", "profile", "networks"}},
      {"response_types_supported", boost::json::array{"code"}},
      {"grant_types_supported", boost::json::array{"authorization_code", "client_credentials"}},
      {"token_endpoint_auth_methods_supported", boost::json::array{"private_key_jwt"}},
      {"dpop_signing_alg_values_supported", boost::json::array{"ES256", "EdDSA"}},
  };
  for (const auto& [key, value] : extra) {
    if (value.is_null())
      doc.erase(key);
    else
      doc[key] = value;
  }
  return boost::json::serialize(doc);
}

TEST(ParseMetadata, ExtractsTheMembers) {
  auto parsed = parse_metadata(metadata("https://as.example"), "https://as.example");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(parsed->issuer, "https://as.example");
  EXPECT_EQ(parsed->jwks_uri, "https://as.example/jwks");
  EXPECT_EQ(parsed->authorization_endpoint, "https://as.example/authorize");
  EXPECT_EQ(parsed->token_endpoint, "https://as.example/token");
  EXPECT_EQ(parsed->registration_endpoint, "https://as.example/register");
  EXPECT_EQ(parsed->introspection_endpoint, "");
  EXPECT_EQ(parsed->scopes_supported, (std::vector<std::string>{"openid", "profile", "networks"}));
  EXPECT_EQ(parsed->grant_types_supported,
            (std::vector<std::string>{"authorization_code", "client_credentials"}));
  EXPECT_EQ(parsed->dpop_signing_alg_values_supported,
            (std::vector<std::string>{"ES256", "EdDSA"}));
}

TEST(ParseMetadata, RefusesBadDocuments) {
  const std::string issuer = "https://as.example";
  struct Row {
    const char* name;
    std::string json;
    ErrorCode code;
    const char* field;
  };
  const Row rows[] = {
      {"not JSON", "{", ErrorCode::malformed_json, ""},
      {"not an object", "[]", ErrorCode::wrong_type, ""},
      {"no issuer", metadata(issuer, {{"issuer", nullptr}}), ErrorCode::missing_field, "issuer"},
      {"issuer not a string", metadata(issuer, {{"issuer", 5}}), ErrorCode::wrong_type, "issuer"},
      {"issuer with a trailing slash", metadata(issuer, {{"issuer", issuer + "/"}}),
       ErrorCode::unauthenticated, "issuer"},
      {"issuer of another server", metadata(issuer, {{"issuer", "https://evil.example"}}),
       ErrorCode::unauthenticated, "issuer"},
      {"issuer in another case", metadata(issuer, {{"issuer", "https://AS.example"}}),
       ErrorCode::unauthenticated, "issuer"},
      {"no jwks_uri", metadata(issuer, {{"jwks_uri", nullptr}}), ErrorCode::missing_field,
       "jwks_uri"},
      {"jwks_uri not a string", metadata(issuer, {{"jwks_uri", boost::json::array{}}}),
       ErrorCode::wrong_type, "jwks_uri"},
      {"relative jwks_uri", metadata(issuer, {{"jwks_uri", "/jwks"}}), ErrorCode::invalid_url,
       "jwks_uri"},
      {"jwks_uri of another scheme", metadata(issuer, {{"jwks_uri", "file:///etc/jwks"}}),
       ErrorCode::invalid_url, "jwks_uri"},
      {"bad token_endpoint", metadata(issuer, {{"token_endpoint", "not a url"}}),
       ErrorCode::invalid_url, "token_endpoint"},
      {"scopes not an array", metadata(issuer, {{"scopes_supported", "openid"}}),
       ErrorCode::wrong_type, "scopes_supported"},
      {"scope not a string", metadata(issuer, {{"scopes_supported", boost::json::array{"a", 1}}}),
       ErrorCode::wrong_type, "scopes_supported[1]"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    auto parsed = parse_metadata(row.json, issuer);
    ASSERT_FALSE(parsed.has_value());
    EXPECT_EQ(parsed.error().code, row.code) << parsed.error().message;
    EXPECT_EQ(parsed.error().field, row.field);
  }
}

class DiscoveryTest : public ::testing::Test {
 protected:
  DiscoveryTest() : client(options()) {}
  static net::HttpClientOptions options() {
    net::HttpClientOptions o;
    o.policy.allow_loopback_http = true;
    o.timeout_ms = 2'000;
    return o;
  }
  HttpDouble server;
  net::CurlHttpClient client;
};

TEST_F(DiscoveryTest, ReadsRfc8414Metadata) {
  const std::string issuer = server.origin();
  server.set("/.well-known/oauth-authorization-server", json_response(metadata(issuer)));
  auto found = discover(issuer, client);
  ASSERT_TRUE(found.has_value()) << found.error().message;
  EXPECT_EQ(found->issuer, issuer);
  EXPECT_EQ(found->jwks_uri, issuer + "/jwks");
  EXPECT_EQ(found->registration_endpoint, issuer + "/register");
  EXPECT_EQ(found->metadata_url, issuer + "/.well-known/oauth-authorization-server");
  EXPECT_EQ(server.hits("/.well-known/openid-configuration"), 0);
}

TEST_F(DiscoveryTest, FallsBackToOpenIdConfiguration) {
  const std::string issuer = server.origin();
  server.set("/.well-known/openid-configuration", json_response(metadata(issuer)));
  auto found = discover(issuer, client);
  ASSERT_TRUE(found.has_value()) << found.error().message;
  EXPECT_EQ(found->metadata_url, issuer + "/.well-known/openid-configuration");
  EXPECT_EQ(server.hits("/.well-known/oauth-authorization-server"), 1);
  EXPECT_EQ(server.hits("/.well-known/openid-configuration"), 1);
}

TEST_F(DiscoveryTest, IssuerWithAPath) {
  const std::string issuer = server.origin() + "/tenant1";
  server.set("/.well-known/oauth-authorization-server/tenant1", json_response(metadata(issuer)));
  auto found = discover(issuer, client);
  ASSERT_TRUE(found.has_value()) << found.error().message;
  EXPECT_EQ(found->jwks_uri, issuer + "/jwks");

  const std::string oidc_issuer = server.origin() + "/tenant2";
  server.set("/tenant2/.well-known/openid-configuration", json_response(metadata(oidc_issuer)));
  auto fallback = discover(oidc_issuer, client);
  ASSERT_TRUE(fallback.has_value()) << fallback.error().message;
  EXPECT_EQ(fallback->metadata_url, oidc_issuer + "/.well-known/openid-configuration");
}

TEST_F(DiscoveryTest, IssuerMismatchIsNotUsedAndEndsTheSearch) {
  const std::string issuer = server.origin();
  server.set("/.well-known/oauth-authorization-server",
             json_response(metadata("https://other.example")));
  server.set("/.well-known/openid-configuration", json_response(metadata(issuer)));
  auto found = discover(issuer, client);
  ASSERT_FALSE(found.has_value());
  EXPECT_EQ(found.error().code, ErrorCode::unauthenticated);
  EXPECT_EQ(found.error().field, "metadata.issuer");
  EXPECT_NE(found.error().message.find("https://other.example"), std::string::npos);
  EXPECT_EQ(server.hits("/.well-known/openid-configuration"), 0);
}

TEST_F(DiscoveryTest, BadDocumentNamesTheMember) {
  const std::string issuer = server.origin();
  server.set("/.well-known/oauth-authorization-server",
             json_response(metadata(issuer, {{"jwks_uri", nullptr}})));
  auto found = discover(issuer, client);
  ASSERT_FALSE(found.has_value());
  EXPECT_EQ(found.error().code, ErrorCode::missing_field);
  EXPECT_EQ(found.error().field, "metadata.jwks_uri");
}

TEST_F(DiscoveryTest, NoMetadataAnywhere) {
  const std::string issuer = server.origin();
  auto found = discover(issuer, client);
  ASSERT_FALSE(found.has_value());
  EXPECT_EQ(found.error().code, ErrorCode::io_error);
  EXPECT_EQ(found.error().field, "issuer");
  EXPECT_NE(found.error().message.find("oauth-authorization-server: HTTP 404"), std::string::npos);
  EXPECT_NE(found.error().message.find("openid-configuration: HTTP 404"), std::string::npos);
}

TEST_F(DiscoveryTest, GoesThroughTheOutboundGuard) {
  net::CurlHttpClient strict;
  auto found = discover(server.origin(), strict);
  ASSERT_FALSE(found.has_value());
  EXPECT_EQ(found.error().code, ErrorCode::io_error);
  EXPECT_EQ(found.error().field, "issuer");
  EXPECT_NE(found.error().message.find("refused"), std::string::npos);
  EXPECT_EQ(server.connections(), 0);
}

TEST_F(DiscoveryTest, DiscoveredKeySourceFindsTheJwksOnceAndHoldsOffAfterAFailure) {
  util::ManualClock clock(1'800'000'000'000);
  const std::string issuer = server.origin();
  DiscoveredKeySource source(issuer, client, clock, 30'000);

  // The IdP is down at first: the error names discovery, and a retry within 30 s asks no one.
  auto down = source.keys("");
  ASSERT_FALSE(down.has_value());
  EXPECT_EQ(down.error().code, ErrorCode::io_error);
  EXPECT_EQ(down.error().field, "discovery");
  const int attempts = server.hits("/.well-known/oauth-authorization-server");
  EXPECT_EQ(attempts, 1);
  clock.advance_ms(10'000);
  EXPECT_FALSE(source.keys("").has_value());
  EXPECT_EQ(server.hits("/.well-known/oauth-authorization-server"), attempts);

  // Once it is up, discovery runs once and its jwks_uri serves the keys.
  const auto key = jose::Jwk::generate(jose::Curve::p256).value().with_kid("k1");
  boost::json::array keys;
  keys.push_back(key.public_key().value().to_json(jose::PrivateMembers::reject));
  server.set("/.well-known/oauth-authorization-server", json_response(metadata(issuer)));
  server.set("/jwks", json_response(boost::json::serialize(boost::json::object{{"keys", keys}})));
  clock.advance_ms(30'000);
  auto up = source.keys("");
  ASSERT_TRUE(up.has_value()) << up.error().message;
  ASSERT_EQ((*up)->keys().size(), 1u);
  EXPECT_EQ((*up)->keys()[0].kid(), "k1");
  EXPECT_TRUE(source.keys("").has_value());
  EXPECT_EQ(server.hits("/.well-known/oauth-authorization-server"), attempts + 1);
  EXPECT_EQ(server.hits("/jwks"), 1) << "the JWKS is cached by the inner source";
}

}  // namespace
}  // namespace peerapi::auth
