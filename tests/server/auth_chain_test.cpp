// The authentication chain in front of the endpoints (issue 3; draft section 10, threats T1-T3):
// JWT access tokens from a configured issuer, DPoP-bound tokens with proofs, RFC 9421 request
// signatures, server nonces, and authorization of every endpoint against the Principal. The
// whole request path runs in process: ApiService on a real SQLite store and the example data.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>

#include "auth/dev_idp.hpp"
#include "auth/request_signer.hpp"
#include "config/config.hpp"
#include "server/api_service.hpp"
#include "server/auth_setup.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "support/test_support.hpp"

namespace peerapi::testing {
namespace {

namespace json = boost::json;
constexpr std::string_view kOrigin = "http://127.0.0.1:8080";
constexpr std::string_view kIssuer = "https://dev-idp.example";

struct Mode {
  bool dpop = false;
  bool signatures = false;
  bool nonce = false;
};

/// ApiService with the full RequestAuthenticator: tokens from a dev IdP key whose JWKS is in a
/// file, replay protection in the store.
class AuthChain {
 public:
  explicit AuthChain(Mode mode)
      : idp_key_(*auth::dev_idp::generate_key("EdDSA")),
        client_key_(*auth::dev_idp::generate_key("ES256")),
        other_key_(*auth::dev_idp::generate_key("EdDSA")) {
    const auto jwks = dir_.path() / "idp.jwks.json";
    std::ofstream(jwks) << *auth::dev_idp::jwks_json(idp_key_);
    std::string text =
        "[server]\nlisten = [\"127.0.0.1:0\"]\n"
        "[network]\nasns = [64500]\ncontact_email = \"peering@example.net\"\n"
        "[store]\nsqlite = \"" +
        (dir_.path() / "peerapi.db").string() + "\"\n[peeringdb]\nsnapshot_dir = \"" +
        (source_dir() / "examples/peeringdb").string() +
        "\"\n[auth]\nrequire_dpop = " + (mode.dpop ? "true" : "false") +
        "\nrequire_signatures = " + (mode.signatures ? "true" : "false") +
        "\ndpop_nonce = " + (mode.nonce ? "true" : "false") + "\n[[auth.issuers]]\nissuer = \"" +
        std::string(kIssuer) + "\"\naudience = \"" + std::string(kOrigin) + "\"\njwks_file = \"" +
        jwks.string() + "\"\nalgorithms = [\"EdDSA\"]\n";
    auto parsed = config::parse_config(text);
    if (!parsed)
      ADD_FAILURE() << config::describe(parsed.error());
    config_ = std::move(*parsed);
    store_ = std::move(*store::SqliteStore::open(config_.store.sqlite, random_));
    snapshot_ = std::make_unique<server::SnapshotHolder>(
        sources::peeringdb::load_snapshot_dir(config_.peeringdb.snapshot_dir)->first);
    client_ = server::make_http_client(config_.outbound);
    replay_ = std::make_unique<server::StoreReplayCache>(*store_);
    auto built = server::build_authenticator(config_, *store_, *client_, *replay_, clock_);
    if (!built)
      ADD_FAILURE() << built.error().message;
    authenticator_ = std::move(*built);
    api_ = std::make_unique<server::ApiService>(
        server::ApiDependencies{.config = config_,
                                .store = *store_,
                                .peeringdb = *snapshot_,
                                .authenticator = *authenticator_,
                                .clock = clock_,
                                .random = random_,
                                .pagination_key = "k",
                                .public_origin = std::string(kOrigin)});
  }

  /// A token for `asn`, bound to the client's DPoP key when `bind` is set.
  std::string token(std::uint32_t asn, bool bind, const auth::jose::Jwk* bound_to = nullptr) {
    auth::dev_idp::TokenRequest request;
    request.issuer = std::string(kIssuer);
    request.audience = std::string(kOrigin);
    request.asns = {*model::Asn::from_number(asn)};
    if (bind)
      request.dpop_jkt = (bound_to != nullptr ? *bound_to : client_key_).thumbprint();
    return *auth::dev_idp::issue_token(idp_key_, request, clock_, random_);
  }

  /// A request signed as the client would: Authorization, DPoP, Content-Digest, signature.
  server::HttpRequest signed_request(std::string method, std::string target, std::string body,
                                     const std::string& access_token,
                                     auth::SignerOptions options = {}) {
    auth::RequestSigner signer(client_key_, auth::jose::Algorithm::es256, clock_, random_);
    server::HttpRequest request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.body = std::move(body);
    request.fields.emplace_back("Content-Type", "application/json");
    auth::OutgoingRequest outgoing{request.method, std::string(kOrigin) + request.target,
                                   request.body, request.fields};
    auto headers = signer.headers_for(outgoing, access_token, options);
    EXPECT_TRUE(headers.has_value()) << headers.error().message;
    for (auto& [name, value] : *headers)
      request.fields.emplace_back(name, value);
    return request;
  }

  server::HttpResponse bearer(std::string method, std::string target, std::string body,
                              const std::string& access_token) {
    server::HttpRequest request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.body = std::move(body);
    request.fields.emplace_back("Content-Type", "application/json");
    request.fields.emplace_back("Authorization", "Bearer " + access_token);
    return api_->handle(request);
  }

  server::HttpResponse handle(const server::HttpRequest& request) { return api_->handle(request); }
  std::int64_t stored_sessions() { return *store_->count_sessions(); }
  util::ManualClock& clock() { return clock_; }
  const auth::jose::Jwk& other_key() const { return other_key_; }

 private:
  TempDir dir_;
  util::SecureRandom random_;
  util::ManualClock clock_{1'795'420'800'000};
  auth::jose::Jwk idp_key_;
  auth::jose::Jwk client_key_;
  auth::jose::Jwk other_key_;
  config::Config config_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<server::SnapshotHolder> snapshot_;
  std::unique_ptr<net::HttpClient> client_;
  std::unique_ptr<server::StoreReplayCache> replay_;
  std::unique_ptr<auth::RequestAuthenticator> authenticator_;
  std::unique_ptr<server::ApiService> api_;
};

std::string one_session(std::uint32_t asn = 64501, std::string_view ip = "192.0.2.11") {
  return R"({"sessions":[{"local_asn":)" + std::to_string(asn) + R"(,"local_ip":")" +
         std::string(ip) + R"(","peer_asn":64500,"peer_ip":"192.0.2.10","location":"pdb:ix:1"}]})";
}

std::string header(const server::HttpResponse& response, std::string_view name) {
  for (const auto& [n, v] : response.headers)
    if (n == name)
      return v;
  return {};
}

std::string error_field(const server::HttpResponse& response) {
  auto body = json::parse(response.body);
  return std::string(body.at("errors").at(0).at("name").as_string());
}

TEST(AuthChain, JwtBearerTokensFromTheConfiguredIssuerWork) {
  AuthChain chain({});
  auto created = chain.bearer("POST", "/sessions", one_session(), chain.token(64501, false));
  EXPECT_EQ(created.status, 200) << created.body;
  auto forged = chain.bearer("GET", "/sessions?asn=64501", "", chain.token(64501, false) + "x");
  EXPECT_EQ(forged.status, 401);
  EXPECT_NE(header(forged, "WWW-Authenticate").find("error=\"invalid_token\""), std::string::npos);
  // A DPoP-bound token must not work as a bearer token (RFC 9449 section 7.2).
  auto downgraded = chain.bearer("GET", "/sessions?asn=64501", "", chain.token(64501, true));
  EXPECT_EQ(downgraded.status, 401);
  EXPECT_EQ(error_field(downgraded), "token.cnf.jkt");
}

TEST(AuthChain, SignedDpopRequestsPassAndEveryAlterationFails) {
  AuthChain chain({.dpop = true, .signatures = true, .nonce = false});
  const std::string token = chain.token(64501, true);
  auto good = chain.signed_request("POST", "/sessions", one_session(), token);
  auto created = chain.handle(good);
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(chain.stored_sessions(), 1);

  struct Case {
    std::string name;
    server::HttpRequest request;
    std::string field_prefix;
  };
  std::vector<Case> cases;
  cases.push_back({"replayed proof and signature", good, "dpop.jti"});
  {
    auto tampered = chain.signed_request("POST", "/sessions", one_session(), token);
    tampered.body = one_session(64501, "2001:db8:ffff::11");
    cases.push_back({"body changed after signing", tampered, "content-digest"});
  }
  {
    auto other_path = chain.signed_request("POST", "/sessions", one_session(), token);
    other_path.target = "/sessions?x=1";
    // htu ignores the query (RFC 9449 section 4.3), the signature's @target-uri does not.
    cases.push_back({"target changed after signing", other_path, "signature"});
  }
  {
    auto method = chain.signed_request("POST", "/sessions", one_session(), token);
    method.method = "DELETE";
    cases.push_back({"method changed after signing", method, "dpop.htm"});
  }
  {
    auto unsigned_request =
        chain.signed_request("POST", "/sessions", one_session(), token,
                             {.dpop = true, .signatures = false, .dpop_nonce = std::nullopt});
    cases.push_back({"no signature", unsigned_request, "signature_input"});
  }
  {
    auto no_proof = chain.signed_request("POST", "/sessions", one_session(), token);
    std::erase_if(no_proof.fields, [](const auto& f) { return f.first == "DPoP"; });
    cases.push_back({"no DPoP proof", no_proof, "dpop"});
  }
  {
    auto bearer =
        chain.signed_request("POST", "/sessions", one_session(), token,
                             {.dpop = false, .signatures = false, .dpop_nonce = std::nullopt});
    cases.push_back({"bearer scheme", bearer, "Authorization"});
  }
  {
    const std::string foreign = chain.token(64501, true, &chain.other_key());
    cases.push_back({"token bound to another key",
                     chain.signed_request("POST", "/sessions", one_session(), foreign),
                     "dpop.jkt"});
  }
  for (const Case& c : cases) {
    auto response = chain.handle(c.request);
    EXPECT_EQ(response.status, 401) << c.name << ": " << response.body;
    EXPECT_EQ(error_field(response).rfind(c.field_prefix, 0), 0u)
        << c.name << ": field " << error_field(response);
    EXPECT_EQ(header(response, "WWW-Authenticate").rfind("DPoP realm=\"peerapi\"", 0), 0u)
        << c.name << ": " << header(response, "WWW-Authenticate");
  }
  EXPECT_EQ(chain.stored_sessions(), 1) << "no refused request stored anything";

  // Proofs expire: one made now is refused after the proof window.
  auto late = chain.signed_request("GET", "/sessions?asn=64501", "", token);
  chain.clock().advance_ms(400'000);
  EXPECT_EQ(chain.handle(late).status, 401);
}

TEST(AuthChain, ServerNoncesAreDemandedThenAccepted) {
  AuthChain chain({.dpop = true, .signatures = false, .nonce = true});
  const std::string token = chain.token(64501, true);
  auto first = chain.handle(
      chain.signed_request("GET", "/sessions?asn=64501", "", token,
                           {.dpop = true, .signatures = false, .dpop_nonce = std::nullopt}));
  ASSERT_EQ(first.status, 401);
  EXPECT_NE(header(first, "WWW-Authenticate").find("error=\"use_dpop_nonce\""), std::string::npos);
  const std::string nonce = header(first, "DPoP-Nonce");
  ASSERT_FALSE(nonce.empty());
  auto second =
      chain.handle(chain.signed_request("GET", "/sessions?asn=64501", "", token,
                                        {.dpop = true, .signatures = false, .dpop_nonce = nonce}));
  EXPECT_EQ(second.status, 200) << second.body;
  auto forged = chain.handle(
      chain.signed_request("GET", "/sessions?asn=64501", "", token,
                           {.dpop = true, .signatures = false, .dpop_nonce = nonce + "A"}));
  EXPECT_EQ(forged.status, 401);
}

// Threats T1 and T3 (draft section 10): a valid credential for AS64501 used on AS64502's behalf,
// at every endpoint. Each attempt is refused, reveals nothing, and changes nothing.
TEST(AuthChain, AValidTokenForOneNetworkCannotActForAnother) {
  AuthChain chain({.dpop = true, .signatures = true, .nonce = false});
  const std::string victim = chain.token(64502, true);
  const std::string attacker = chain.token(64501, true);
  auto victims = chain.handle(
      chain.signed_request("POST", "/sessions", one_session(64502, "192.0.2.12"), victim));
  ASSERT_EQ(victims.status, 200) << victims.body;
  const std::string id(json::parse(victims.body).at("sessions").at(0).at("session_id").as_string());
  const std::string before =
      chain.handle(chain.signed_request("GET", "/sessions/" + id, "", victim)).body;

  auto as_attacker = [&](std::string method, std::string target, std::string body = {}) {
    return chain.handle(
        chain.signed_request(std::move(method), std::move(target), std::move(body), attacker));
  };
  auto create = as_attacker("POST", "/sessions", one_session(64502, "192.0.2.12"));
  EXPECT_EQ(create.status, 403) << create.body;
  EXPECT_EQ(as_attacker("GET", "/sessions?asn=64502").status, 403);
  auto read = as_attacker("GET", "/sessions/" + id);
  EXPECT_EQ(read.status, 404);
  EXPECT_EQ(read.body.find("64502"), std::string::npos) << "nothing about the session leaks";
  EXPECT_EQ(as_attacker("DELETE", "/sessions/" + id).status, 404);
  auto batch = as_attacker("DELETE", "/sessions", R"({"sessions":[{"session_id":")" + id + "\"}]}");
  EXPECT_NE(batch.body.find("not_found"), std::string::npos) << batch.body;
  auto locations = as_attacker("GET", "/locations?asn=64500");
  EXPECT_EQ(locations.status, 200);
  EXPECT_EQ(locations.body.find("192.0.2.12"), std::string::npos)
      << "the attacker sees its own addresses, not the victim's";
  auto own_list = as_attacker("GET", "/sessions?asn=64501");
  EXPECT_EQ(own_list.body.find(id), std::string::npos);

  EXPECT_EQ(chain.stored_sessions(), 1);
  EXPECT_EQ(chain.handle(chain.signed_request("GET", "/sessions/" + id, "", victim)).body, before)
      << "the victim's session is unchanged";
}

}  // namespace
}  // namespace peerapi::testing
