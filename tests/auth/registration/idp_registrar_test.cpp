// IdpRegistrar (RPKI-attested IdP registration, draft-ietf-grow-peering-api "OAuth with RPKI
// Attested OAuth"; RFC 8414 discovery, RFC 7591 dynamic client registration) against a
// loopback HTTP double playing the IdP.
#include "auth/registration/idp_registration.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "support/http_double.hpp"

namespace peerapi::auth {
namespace {

namespace json = boost::json;
using peerapi::testing::CannedResponse;
using peerapi::testing::HttpDouble;
using peerapi::testing::json_response;

constexpr std::int64_t kNowMs = 1'795'420'800'000;
constexpr std::string_view kWellKnown = "/.well-known/oauth-authorization-server";

model::Asn asn(std::uint32_t number) {
  return *model::Asn::from_number(number);
}

std::string metadata(const std::string& issuer, json::object extra = {}) {
  json::object doc{{"issuer", issuer},
                   {"jwks_uri", issuer + "/jwks"},
                   {"token_endpoint", issuer + "/token"},
                   {"registration_endpoint", issuer + "/register"}};
  for (const auto& [name, value] : extra) {
    if (value.is_null())
      doc.erase(name);
    else
      doc[name] = value;
  }
  return json::serialize(doc);
}

net::HttpClientOptions loopback() {
  net::HttpClientOptions options;
  options.policy.allow_loopback_http = true;
  options.timeout_ms = 2'000;
  options.connect_timeout_ms = 1'000;
  return options;
}

class RegistrarTest : public ::testing::Test {
 protected:
  RegistrarTest()
      : client_(loopback()),
        attestation_({config::AttestedIdp{idp_.origin(), {asn(64497), asn(64496), asn(64497)}}}),
        registrar_(client_, attestation_, {asn(64500), asn(65551)}, clock_,
                   IdpRegistrarOptions{.require_https = false}) {}

  /// The IdP serves RFC 8414 metadata and answers registrations with `registration`.
  void serve(CannedResponse registration, json::object metadata_extra = {}) {
    idp_.set(std::string(kWellKnown), json_response(metadata(idp_.origin(), metadata_extra)));
    idp_.set("/register", std::move(registration));
  }

  void expect_error(const Result<IdpRegistration>& result, ErrorCode code,
                    std::string_view message_part) {
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, code) << result.error().message;
    EXPECT_EQ(result.error().field, "idp_base");
    EXPECT_NE(result.error().message.find(message_part), std::string::npos)
        << result.error().message;
  }

  HttpDouble idp_;
  util::ManualClock clock_{kNowMs};
  net::CurlHttpClient client_;
  ConfiguredIdpAttestation attestation_;
  IdpRegistrar registrar_;
};

TEST_F(RegistrarTest, RegistersWithRfc7591MetadataAndReturnsTheAttestedAsns) {
  serve(json_response(R"({"client_id":"peerapi-123","client_secret":"s3cret",)"
                      R"("client_secret_expires_at":0,"client_id_issued_at":1795420800})",
                      201));
  auto registered = registrar_.register_at(idp_.origin());
  ASSERT_TRUE(registered.has_value()) << registered.error().message;
  EXPECT_EQ(registered->issuer, idp_.origin());
  EXPECT_EQ(registered->client_id, "peerapi-123");
  EXPECT_EQ(registered->client_secret, "s3cret");
  EXPECT_EQ(registered->client_secret_expires_at, 0);
  EXPECT_EQ(registered->asns, (std::vector<model::Asn>{asn(64496), asn(64497)}));
  EXPECT_EQ(registered->jwks_uri, idp_.origin() + "/jwks");
  EXPECT_EQ(registered->created_at_ms, kNowMs);

  const auto sent = idp_.last_request("/register");
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ(sent->method, "POST");
  EXPECT_EQ(sent->header("content-type"), "application/json");
  const json::value body = json::parse(sent->body);
  const json::value expected =
      json::parse(R"j({"client_name":"peerapi (AS64500, AS65551)",)j"
                  R"j("grant_types":["urn:ietf:params:oauth:grant-type:token-exchange"],)j"
                  R"j("scope":"urn:ietf:params:oauth:scope:peering-api",)j"
                  R"j("token_endpoint_auth_method":"client_secret_basic"})j");
  EXPECT_EQ(body, expected);
}

TEST_F(RegistrarTest, AcceptsAResponseWithoutSecretAndOidcFallbackDiscovery) {
  idp_.set("/.well-known/openid-configuration", json_response(metadata(idp_.origin())));
  idp_.set("/register", json_response(R"({"client_id":"public-client"})", 200));
  auto registered = registrar_.register_at(idp_.origin());
  ASSERT_TRUE(registered.has_value()) << registered.error().message;
  EXPECT_EQ(registered->client_id, "public-client");
  EXPECT_FALSE(registered->client_secret.has_value());
  EXPECT_FALSE(registered->client_secret_expires_at.has_value());
}

TEST_F(RegistrarTest, AnUnattestedIdpIsRefusedWithoutAnyOutboundRequest) {
  serve(json_response(R"({"client_id":"x"})", 201));
  // Same host and port, other path; and the attested origin with a trailing slash.
  for (const std::string& idp_base : {idp_.origin() + "/other", idp_.origin() + "/"}) {
    SCOPED_TRACE(idp_base);
    expect_error(registrar_.register_at(idp_base), ErrorCode::forbidden, "[[auth.attested_idps]]");
  }
  EXPECT_EQ(idp_.connections(), 0);
}

TEST_F(RegistrarTest, BadIdpBaseIsRefusedBeforeAnyRequest) {
  const std::string origin = idp_.origin();
  const std::string rows[] = {
      "",
      "idp.example.net",
      "/relative/path",
      "ftp://idp.example.net/",
      "https://",
      "https://user:pw@idp.example.net/",
      origin + "/?tenant=1",
      origin + "/#frag",
      "https://idp.example.net/" + std::string(3000, 'a'),
  };
  for (const auto& idp_base : rows) {
    SCOPED_TRACE(idp_base.substr(0, 60));
    auto result = registrar_.register_at(idp_base);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::invalid_url) << result.error().message;
    EXPECT_EQ(result.error().field, "idp_base");
  }
  EXPECT_EQ(idp_.connections(), 0);
}

TEST_F(RegistrarTest, RequireHttpsRefusesPlainHttp) {
  IdpRegistrar strict(client_, attestation_, {asn(64500)}, clock_);
  auto result = strict.register_at(idp_.origin());
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::invalid_url);
  EXPECT_EQ(result.error().field, "idp_base");
  EXPECT_NE(result.error().message.find("https"), std::string::npos);
  EXPECT_EQ(idp_.connections(), 0);
}

TEST_F(RegistrarTest, NoRegistrationEndpoint) {
  serve(json_response(R"({"client_id":"x"})", 201), {{"registration_endpoint", nullptr}});
  expect_error(registrar_.register_at(idp_.origin()), ErrorCode::invalid_value,
               "the IdP offers no registration_endpoint");
  EXPECT_EQ(idp_.hits("/register"), 0);
}

TEST_F(RegistrarTest, MissingOrInvalidDiscoveryDocumentIsInvalidValue) {
  // Nothing at either well-known URL (the double answers 404).
  expect_error(registrar_.register_at(idp_.origin()), ErrorCode::invalid_value, "HTTP 404");
  // A document whose issuer is another server (RFC 8414 section 3.3).
  idp_.set(std::string(kWellKnown), json_response(metadata("https://other.example")));
  expect_error(registrar_.register_at(idp_.origin()), ErrorCode::invalid_value, "metadata.issuer");
  // A document without jwks_uri.
  idp_.set(std::string(kWellKnown),
           json_response(metadata(idp_.origin(), {{"jwks_uri", nullptr}})));
  expect_error(registrar_.register_at(idp_.origin()), ErrorCode::invalid_value,
               "metadata.jwks_uri");
  EXPECT_EQ(idp_.hits("/register"), 0);
}

TEST_F(RegistrarTest, RegistrationErrorStatuses) {
  struct Row {
    const char* name;
    CannedResponse response;
    ErrorCode code;
    const char* message_part;
  };
  const Row rows[] = {
      {"RFC 7591 error response",
       json_response(R"({"error":"invalid_client_metadata","error_description":"no scope"})", 400),
       ErrorCode::invalid_value, "HTTP 400 (invalid_client_metadata: no scope)"},
      {"forbidden without a body", CannedResponse{403, {}, "", {}, false}, ErrorCode::invalid_value,
       "HTTP 403"},
      {"redirect is not followed", peerapi::testing::redirect_response("/elsewhere", 307),
       ErrorCode::invalid_value, "HTTP 307"},
      {"server error", CannedResponse{500, {}, "oops", {}, false}, ErrorCode::unavailable,
       "HTTP 500"},
      {"rate limited", CannedResponse{429, {}, "", {}, false}, ErrorCode::unavailable, "HTTP 429"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    serve(row.response);
    expect_error(registrar_.register_at(idp_.origin()), row.code, row.message_part);
  }
  EXPECT_EQ(idp_.hits("/elsewhere"), 0);
}

TEST_F(RegistrarTest, BadRegistrationResponses) {
  struct Row {
    const char* body;
    const char* message_part;
  };
  const Row rows[] = {
      {"not json", "the response is not JSON"},
      {"[]", "must be a JSON object"},
      {R"({"client_secret":"s3cret"})", "client_id: the response has no client_id"},
      {R"({"client_id":42})", "client_id: must be a string"},
      {R"({"client_id":""})", "client_id: must be 1 to 1024"},
      {R"({"client_id":"c","client_secret":7})", "client_secret: must be a string"},
      {R"({"client_id":"c","client_secret_expires_at":"never"})",
       "client_secret_expires_at: must be an integer"},
      {R"({"client_id":"c","client_secret_expires_at":-1})",
       "client_secret_expires_at: must be a non-negative integer"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.body);
    serve(json_response(row.body, 201));
    auto result = registrar_.register_at(idp_.origin());
    expect_error(result, ErrorCode::invalid_value, row.message_part);
    if (!result) {
      EXPECT_EQ(result.error().message.find("s3cret"), std::string::npos);
    }
  }
}

TEST_F(RegistrarTest, UnreachableIdpIsUnavailable) {
  // An attested IdP on a port nobody listens on: take a port from a double that is gone.
  std::string gone;
  {
    HttpDouble closed;
    gone = closed.origin();
  }
  ConfiguredIdpAttestation attestation({config::AttestedIdp{gone, {asn(64496)}}});
  IdpRegistrar registrar(client_, attestation, {asn(64500)}, clock_,
                         IdpRegistrarOptions{.require_https = false});
  expect_error(registrar.register_at(gone), ErrorCode::unavailable, "could not be reached");
}

TEST_F(RegistrarTest, UnreachableRegistrationEndpointIsUnavailable) {
  std::string gone;
  {
    HttpDouble closed;
    gone = closed.origin();
  }
  serve(json_response("{}"), {{"registration_endpoint", gone + "/register"}});
  expect_error(registrar_.register_at(idp_.origin()), ErrorCode::unavailable,
               "could not be reached");
}

TEST(ConfiguredIdpAttestation, MatchesIssuersExactly) {
  ConfiguredIdpAttestation attestation(
      {config::AttestedIdp{"https://idp.example.net/", {asn(65551), asn(64496)}}});
  EXPECT_TRUE(attestation.may_attest("https://idp.example.net/"));
  EXPECT_FALSE(attestation.may_attest("https://idp.example.net"));
  EXPECT_FALSE(attestation.may_attest("https://IDP.example.net/"));
  auto asns = attestation.asns_for("https://idp.example.net/", {});
  ASSERT_TRUE(asns.has_value());
  EXPECT_EQ(*asns, (std::vector<model::Asn>{asn(64496), asn(65551)}));
  auto refused = attestation.asns_for("https://other.example/", {});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::forbidden);
  EXPECT_EQ(refused.error().field, "idp_base");
}

TEST(RegisteredIssuerPolicy, AudienceIsOurClientIdAndAsnsAreTheAttestedOnes) {
  IdpRegistration registration;
  registration.issuer = "https://idp.example.net/";
  registration.client_id = "peerapi-123";
  registration.asns = {asn(64496)};
  registration.jwks_uri = "https://idp.example.net/jwks";
  const IssuerPolicy policy =
      registered_issuer_policy(registration, std::make_shared<StaticKeySource>(nullptr), 30'000);
  EXPECT_EQ(policy.issuer, "https://idp.example.net/");
  EXPECT_EQ(policy.audience, "peerapi-123");
  EXPECT_EQ(policy.allowed_asns, std::vector<model::Asn>{asn(64496)});
  EXPECT_EQ(policy.leeway_ms, 30'000);
  EXPECT_EQ(policy.algorithms, jose::AlgorithmSet::all_asymmetric());
  EXPECT_TRUE(check_issuer_policies(std::span(&policy, 1)).has_value());
}

}  // namespace
}  // namespace peerapi::auth
