// POST /oauth/client_register in process (draft-ietf-grow-peering-api "OAuth with RPKI Attested
// OAuth"): ApiService on a real SQLite store with the full RequestAuthenticator, and a loopback
// HTTP double playing the attested IdP (RFC 8414 metadata, RFC 7591 registration, JWKS).
#include "server/registration_endpoint.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <string>

#include "auth/dev_idp.hpp"
#include "auth/request_authenticator.hpp"
#include "auth/tokens/jwks_source.hpp"
#include "server/api_fixture.hpp"
#include "server/api_service.hpp"
#include "server/auth_setup.hpp"
#include "support/http_double.hpp"

namespace peerapi::testing {
namespace {

namespace json = boost::json;
constexpr const char* kClientId = "peerapi-client-1";
constexpr const char* kSecret = "registration-s3cret";

model::Asn asn(std::uint32_t number) {
  return *model::Asn::from_number(number);
}

net::HttpClientOptions loopback() {
  net::HttpClientOptions options;
  options.policy.allow_loopback_http = true;
  options.timeout_ms = 2'000;
  options.connect_timeout_ms = 1'000;
  return options;
}

/// The whole server side of registration, with the IdP attested for AS64501.
class Registration {
 public:
  explicit Registration(bool enabled = true, bool require_https = false)
      : idp_key_(*auth::dev_idp::generate_key("EdDSA")),
        config_(*config::parse_config(example_config_text(dir_.path(), "auto"))),
        store_(std::move(*store::SqliteStore::open(config_.store.sqlite, random_))),
        snapshot_(sources::peeringdb::load_snapshot_dir(config_.peeringdb.snapshot_dir)->first),
        client_(loopback()),
        replay_(*store_),
        attestation_({config::AttestedIdp{idp_.origin(), {asn(64501)}}}),
        registrar_(client_, attestation_, config_.network.asns, clock_,
                   auth::IdpRegistrarOptions{.require_https = require_https}) {
    serve_idp();
    build(enabled);
  }

  /// A new validator, authenticator and service on the same store: a server restart.
  void restart() { build(true); }

  void serve_idp(CannedResponse registration = json_response(
                     std::string(R"({"client_id":")") + kClientId + R"(","client_secret":")" +
                         kSecret + R"(","client_secret_expires_at":0})",
                     201)) {
    const std::string origin = idp_.origin();
    idp_.set("/.well-known/oauth-authorization-server",
             json_response(
                 json::serialize(json::object{{"issuer", origin},
                                              {"jwks_uri", origin + "/jwks"},
                                              {"token_endpoint", origin + "/token"},
                                              {"registration_endpoint", origin + "/register"}})));
    idp_.set("/register", std::move(registration));
    idp_.set("/jwks", json_response(*auth::dev_idp::jwks_json(idp_key_)));
  }

  server::HttpResponse post(std::string body, std::string content_type = "application/json",
                            std::string method = "POST") {
    server::HttpRequest request;
    request.method = std::move(method);
    request.target = "/oauth/client_register";
    request.body = std::move(body);
    if (!content_type.empty())
      request.fields.emplace_back("Content-Type", std::move(content_type));
    return api_->handle(request);
  }

  server::HttpResponse register_idp() {
    return post(json::serialize(json::object{{"idp_base", idp_.origin()}}));
  }

  /// A token of the IdP for `asns`, with audience `audience`.
  std::string token(std::vector<model::Asn> asns, std::string audience = kClientId) {
    auth::dev_idp::TokenRequest request;
    request.issuer = idp_.origin();
    request.audience = std::move(audience);
    request.asns = std::move(asns);
    return *auth::dev_idp::issue_token(idp_key_, request, clock_, random_);
  }

  server::HttpResponse list_sessions(std::uint32_t as, const std::string& access_token) {
    server::HttpRequest request;
    request.method = "GET";
    request.target = "/sessions?asn=" + std::to_string(as);
    request.fields.emplace_back("Authorization", "Bearer " + access_token);
    return api_->handle(request);
  }

  HttpDouble& idp() { return idp_; }
  store::Store& store() { return *store_; }
  util::ManualClock& clock() { return clock_; }
  server::RegistrationDeps& deps() { return *deps_; }

 private:
  void build(bool enabled) {
    api_.reset();
    deps_.reset();
    authenticator_.reset();
    auth::RequestAuthParts parts;
    parts.access_tokens =
        std::make_unique<auth::AccessTokenValidator>(std::vector<auth::IssuerPolicy>{}, clock_);
    auth::AccessTokenValidator& validator = *parts.access_tokens;
    authenticator_ = std::make_unique<auth::RequestAuthenticator>(
        auth::RequestAuthOptions{.proof_algorithms = auth::jose::AlgorithmSet::all_asymmetric()},
        std::move(parts), replay_, clock_);
    deps_ = std::make_unique<server::RegistrationDeps>(server::RegistrationDeps{
        .registrar = registrar_,
        .attestation = attestation_,
        .store = *store_,
        .validator = validator,
        .key_source = [this](const std::string& jwks_uri) -> std::shared_ptr<auth::KeySource> {
          return std::make_shared<auth::JwksKeySource>(jwks_uri, client_, clock_);
        },
        .clock = clock_,
    });
    auto loaded = server::load_registered_issuers(*deps_);
    EXPECT_TRUE(loaded.has_value());
    api_ = std::make_unique<server::ApiService>(
        server::ApiDependencies{.config = config_,
                                .store = *store_,
                                .peeringdb = snapshot_,
                                .authenticator = *authenticator_,
                                .clock = clock_,
                                .random = random_,
                                .pagination_key = "k",
                                .public_origin = "http://127.0.0.1:8080",
                                .registration = enabled ? deps_.get() : nullptr});
  }

  HttpDouble idp_;
  TempDir dir_;
  util::SecureRandom random_;
  util::ManualClock clock_{1'795'420'800'000};
  auth::jose::Jwk idp_key_;
  config::Config config_;
  std::unique_ptr<store::SqliteStore> store_;
  server::SnapshotHolder snapshot_;
  net::CurlHttpClient client_;
  server::StoreReplayCache replay_;
  auth::ConfiguredIdpAttestation attestation_;
  auth::IdpRegistrar registrar_;
  std::unique_ptr<auth::RequestAuthenticator> authenticator_;
  std::unique_ptr<server::RegistrationDeps> deps_;
  std::unique_ptr<server::ApiService> api_;
};

/// The first error of an error body: {code, name}.
std::pair<std::string, std::string> first_error(const server::HttpResponse& response) {
  const json::value body = json::parse(response.body);
  const json::object& error = body.at("errors").at(0).as_object();
  return {std::string(error.at("code").as_string()), std::string(error.at("name").as_string())};
}

TEST(ClientRegister, BadRequestsAreRefusedWithTheirFieldAndNoOutboundRequest) {
  Registration registration;
  struct Row {
    const char* name;
    std::string body;
    std::string content_type;
    int status;
    const char* code;
    const char* field;
  };
  const std::string json_type = "application/json";
  const Row rows[] = {
      {"not JSON", "{", json_type, 400, "malformed_json", ""},
      {"trailing data", R"({"idp_base":"https://a.example/"} x)", json_type, 400, "malformed_json",
       ""},
      {"too deep", R"({"idp_base":[[[[[1]]]]]})", json_type, 400, "too_deep", ""},
      {"an array", R"(["https://a.example/"])", json_type, 400, "wrong_type", ""},
      {"no idp_base", "{}", json_type, 400, "missing_field", "idp_base"},
      {"idp_base a number", R"({"idp_base":5})", json_type, 400, "wrong_type", "idp_base"},
      {"idp_base null", R"({"idp_base":null})", json_type, 400, "wrong_type", "idp_base"},
      {"unknown member", R"({"idp_base":"https://a.example/","scope":"x"})", json_type, 400,
       "unknown_field", "scope"},
      {"not a URL", R"({"idp_base":"not a url"})", json_type, 400, "invalid_url", "idp_base"},
      {"relative", R"({"idp_base":"/idp/"})", json_type, 400, "invalid_url", "idp_base"},
      {"ftp", R"({"idp_base":"ftp://idp.example/"})", json_type, 400, "invalid_url", "idp_base"},
      {"with a query", R"({"idp_base":"https://idp.example/?t=1"})", json_type, 400, "invalid_url",
       "idp_base"},
      {"not attested", R"({"idp_base":"https://idp.example.net/"})", json_type, 403, "forbidden",
       "idp_base"},
      {"attested host, other path",
       json::serialize(json::object{{"idp_base", registration.idp().origin() + "/evil"}}),
       json_type, 403, "forbidden", "idp_base"},
      {"not JSON content", R"({"idp_base":"https://a.example/"})", "text/plain", 415,
       "unsupported_media_type", "Content-Type"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    auto response = registration.post(row.body, row.content_type);
    EXPECT_EQ(response.status, row.status) << response.body;
    const auto [code, field] = first_error(response);
    EXPECT_EQ(code, row.code);
    EXPECT_EQ(field, row.field);
  }
  EXPECT_EQ(registration.idp().connections(), 0);
  EXPECT_TRUE(registration.store().idp_registrations()->empty());
}

TEST(ClientRegister, TheProductionRegistrarRequiresHttps) {
  Registration registration(/*enabled=*/true, /*require_https=*/true);
  auto response = registration.register_idp();
  EXPECT_EQ(response.status, 400) << response.body;
  EXPECT_EQ(first_error(response),
            std::make_pair(std::string("invalid_url"), std::string("idp_base")));
  EXPECT_EQ(registration.idp().connections(), 0);
}

TEST(ClientRegister, DisabledIsNotFoundAndOnlyPostIsAllowed) {
  Registration disabled(/*enabled=*/false);
  for (const char* method : {"POST", "GET"}) {
    SCOPED_TRACE(method);
    auto response = disabled.post("{}", "application/json", method);
    EXPECT_EQ(response.status, 404);
    EXPECT_EQ(first_error(response).first, "not_found");
  }
  Registration enabled;
  auto get = enabled.post("", "application/json", "GET");
  EXPECT_EQ(get.status, 405);
  EXPECT_EQ(first_error(get).first, "method_not_allowed");
  EXPECT_EQ(enabled.idp().connections(), 0);
}

TEST(ClientRegister, RegistersStoresAndThenAcceptsTheIdpsTokensForTheAttestedAsnOnly) {
  Registration registration;
  const std::string before = registration.token({asn(64501)});
  EXPECT_EQ(registration.list_sessions(64501, before).status, 401);  // issuer not trusted yet

  auto response = registration.register_idp();
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(json::parse(response.body), json::parse(R"({"client_id":"peerapi-client-1"})"));
  EXPECT_EQ(response.body.find(kSecret), std::string::npos);

  auto stored = registration.store().idp_registrations();
  ASSERT_TRUE(stored.has_value());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].issuer, registration.idp().origin());
  EXPECT_EQ((*stored)[0].client_id, kClientId);
  EXPECT_EQ((*stored)[0].client_secret, kSecret);
  EXPECT_EQ((*stored)[0].asns, std::vector<model::Asn>{asn(64501)});
  EXPECT_EQ((*stored)[0].jwks_uri, registration.idp().origin() + "/jwks");
  EXPECT_EQ((*stored)[0].created_at_ms, registration.clock().now_ms());

  // Accepted for the attested ASN.
  auto accepted = registration.list_sessions(64501, registration.token({asn(64501)}));
  EXPECT_EQ(accepted.status, 200) << accepted.body;
  // A token for another ASN only: refused at the claim.
  auto other = registration.list_sessions(64502, registration.token({asn(64502)}));
  EXPECT_EQ(other.status, 401) << other.body;
  EXPECT_EQ(first_error(other),
            std::make_pair(std::string("unauthenticated"), std::string("token.networks")));
  // A token naming both: the principal keeps AS64501 only.
  const std::string both = registration.token({asn(64501), asn(64502)});
  EXPECT_EQ(registration.list_sessions(64501, both).status, 200);
  auto forbidden = registration.list_sessions(64502, both);
  EXPECT_EQ(forbidden.status, 403) << forbidden.body;
  EXPECT_EQ(first_error(forbidden).first, "asn_not_authorized");
  // The audience must be our client id (RFC 8693 token exchange towards it).
  auto audience =
      registration.list_sessions(64501, registration.token({asn(64501)}, "http://127.0.0.1:8080"));
  EXPECT_EQ(audience.status, 401);
  EXPECT_EQ(first_error(audience).second, "token.aud");
}

TEST(ClientRegister, RegisteringAgainAnswersTheStoredClientIdWithoutContactingTheIdp) {
  Registration registration;
  ASSERT_EQ(registration.register_idp().status, 200);
  const int hits = registration.idp().hits("/register");
  EXPECT_EQ(hits, 1);
  auto again = registration.register_idp();
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(json::parse(again.body), json::parse(R"({"client_id":"peerapi-client-1"})"));
  EXPECT_EQ(registration.idp().hits("/register"), 1);
}

TEST(ClientRegister, AnExpiredClientSecretIsRegisteredAgain) {
  Registration registration;
  registration.serve_idp(json_response(
      R"({"client_id":"short-lived","client_secret":"x","client_secret_expires_at":1795420860})",
      201));
  ASSERT_EQ(registration.register_idp().status, 200);
  registration.serve_idp();
  registration.clock().advance_ms(60'000);  // now == expires_at
  auto again = registration.register_idp();
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(json::parse(again.body), json::parse(R"({"client_id":"peerapi-client-1"})"));
  EXPECT_EQ(registration.idp().hits("/register"), 2);
  EXPECT_EQ(registration.store().idp_registrations()->at(0).client_id, kClientId);
}

TEST(ClientRegister, RegistrationsSurviveARestart) {
  Registration registration;
  ASSERT_EQ(registration.register_idp().status, 200);
  registration.restart();
  EXPECT_EQ(registration.deps().validator.issuers(),
            std::vector<std::string>{registration.idp().origin()});
  auto accepted = registration.list_sessions(64501, registration.token({asn(64501)}));
  EXPECT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(registration.list_sessions(64502, registration.token({asn(64502)})).status, 401);
}

TEST(ClientRegister, IdpFailuresAreNeverServerErrors) {
  struct Row {
    const char* name;
    CannedResponse response;
    int status;
    const char* code;
  };
  const Row rows[] = {
      {"IdP refuses", json_response(R"({"error":"invalid_client_metadata"})", 400), 400,
       "invalid_value"},
      {"IdP answers garbage", json_response("<html>", 201), 400, "invalid_value"},
      {"IdP is failing", CannedResponse{502, {}, "", {}, false}, 503, "unavailable"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    Registration registration;
    registration.serve_idp(row.response);
    auto response = registration.register_idp();
    EXPECT_EQ(response.status, row.status) << response.body;
    EXPECT_EQ(first_error(response),
              std::make_pair(std::string(row.code), std::string("idp_base")));
    EXPECT_TRUE(registration.store().idp_registrations()->empty());
  }
}

TEST(ClientRegister, AFailedAttemptHoldsOffTheIdpForAWhile) {
  Registration registration;
  registration.serve_idp(CannedResponse{500, {}, "", {}, false});
  auto failed = registration.register_idp();
  EXPECT_EQ(failed.status, 503) << failed.body;
  EXPECT_EQ(registration.idp().hits("/register"), 1);

  registration.serve_idp();
  auto held = registration.register_idp();
  EXPECT_EQ(held.status, 503) << held.body;
  bool retry_after = false;
  for (const auto& [name, value] : held.headers)
    retry_after = retry_after || (name == "Retry-After" && value == "30");
  EXPECT_TRUE(retry_after);
  EXPECT_EQ(registration.idp().hits("/register"), 1);  // not contacted again

  registration.clock().advance_ms(30'000);
  auto retried = registration.register_idp();
  EXPECT_EQ(retried.status, 200) << retried.body;
  EXPECT_EQ(registration.idp().hits("/register"), 2);
}

}  // namespace
}  // namespace peerapi::testing
