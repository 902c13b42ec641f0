// Every library call against a real `peerapi serve` on port 0 with the example data
// (tests/integration/server_process.hpp): accepted, partial and refused answers, errors with the
// server's field paths, pagination over hundreds of sessions, DPoP with nonces and signatures.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "auth/dev_idp.hpp"
#include "auth/jose/jwk.hpp"
#include "auth/request_signer.hpp"
#include "client/client_fixtures.hpp"
#include "client/peer_api_client.hpp"
#include "integration/server_process.hpp"
#include "net/http_client.hpp"
#include "support/test_support.hpp"

namespace peerapi::client {
namespace {

using peerapi::testing::ServerProcess;
using peerapi::testing::TempDir;

model::Asn as(std::int64_t n) {
  return *model::Asn::from_number(n);
}

model::SessionRequest session(const char* local_ip, const char* peer_ip, std::uint32_t ix,
                              std::int64_t local_asn = 64501) {
  return model::SessionRequest{.local_asn = as(local_asn),
                               .local_ip = *model::IpAddress::parse(local_ip),
                               .peer_asn = as(64500),
                               .peer_ip = *model::IpAddress::parse(peer_ip),
                               .session_secret = std::nullopt,
                               .location = model::LocationId::ix(ix)};
}

net::HttpClientOptions loopback() {
  net::HttpClientOptions o;
  o.policy.allow_loopback_http = true;
  o.timeout_ms = 10'000;
  return o;
}

class RealServer : public ::testing::Test {
 protected:
  void start(const std::string& config) {
    server = std::make_unique<ServerProcess>(dir.path(), config);
    ASSERT_TRUE(server->wait_ready()) << server->log();
  }
  void SetUp() override { start(testing::process_config(dir.path())); }

  std::unique_ptr<PeerApiClient> client(std::string token = "dev-token-64501",
                                        const auth::RequestSigner* signer = nullptr,
                                        int page_size = 100) {
    ClientOptions options;
    options.base_url = "http://127.0.0.1:" + std::to_string(server->port()) + "/";
    options.access_token = std::move(token);
    options.signer = signer;
    options.sign_requests = signer != nullptr;
    options.retry.max_retries = 1;
    options.page_size = page_size;
    return std::make_unique<PeerApiClient>(options, http, clock, random, sleeper);
  }

  TempDir dir;
  std::unique_ptr<ServerProcess> server;
  net::CurlHttpClient http{loopback()};
  util::SystemClock clock;
  util::SecureRandom random;
  ThreadSleeper sleeper;
};

TEST_F(RealServer, LocationsWithBothSidesAddresses) {
  auto locations = client()->list_locations(as(64500));
  ASSERT_TRUE(locations.has_value()) << locations.error().describe();
  ASSERT_EQ(locations->size(), 3u);
  EXPECT_EQ((*locations)[0].id, model::LocationId::ix(1));
  EXPECT_EQ((*locations)[0].name, "DOC-IX Frankfurt");
  EXPECT_EQ((*locations)[0].local_ips,
            (std::vector<model::IpAddress>{*model::IpAddress::parse("192.0.2.11"),
                                           *model::IpAddress::parse("2001:db8:ffff::11")}));
  EXPECT_EQ((*locations)[1].id, model::LocationId::ix(2));
  EXPECT_EQ((*locations)[2].id, model::LocationId::fac(1));

  auto not_served = client()->list_locations(as(64501));
  ASSERT_FALSE(not_served.has_value());
  EXPECT_EQ(not_served.error().http_status, 400);
  ASSERT_EQ(not_served.error().server_errors.size(), 1u);
  EXPECT_EQ(not_served.error().server_errors[0].code, "not_server_asn");
  EXPECT_EQ(not_served.error().server_errors[0].name, "asn");
}

TEST_F(RealServer, PartialAnswerThenGetListAndDelete) {
  auto api = client();
  const model::Uuid request_id = model::Uuid::v4_from_bytes(random.bytes16());
  auto answer =
      api->create_sessions({.request_id = request_id,
                            .sessions = {session("192.0.2.11", "192.0.2.10", 1),
                                         session("2001:db8:ffff::11", "2001:db8:ffff::10", 1),
                                         session("192.0.2.99", "192.0.2.10", 1)}});
  ASSERT_TRUE(answer.has_value()) << answer.error().describe();
  EXPECT_EQ(answer->http_status, 200);
  EXPECT_EQ(answer->client_request_id, request_id);
  ASSERT_EQ(answer->accepted.size(), 2u);
  EXPECT_EQ(answer->accepted[0].session.status, model::SessionStatus::approved);
  EXPECT_EQ(answer->accepted[0].session.request_id, answer->request_id);
  ASSERT_EQ(answer->rejected.size(), 1u);
  EXPECT_EQ(answer->rejected[0].index, 2u);
  ASSERT_FALSE(answer->rejected[0].errors.empty());
  EXPECT_EQ(answer->rejected[0].errors[0].name, "sessions[2].local_ip");
  EXPECT_EQ(answer->rejected[0].errors[0].code, "ip_not_caller_address");

  // The same request id and body again: the stored answer, nothing new.
  auto replay =
      api->create_sessions({.request_id = request_id,
                            .sessions = {session("192.0.2.11", "192.0.2.10", 1),
                                         session("2001:db8:ffff::11", "2001:db8:ffff::10", 1),
                                         session("192.0.2.99", "192.0.2.10", 1)}});
  ASSERT_TRUE(replay.has_value()) << replay.error().describe();
  EXPECT_EQ(replay->request_id, answer->request_id);
  EXPECT_EQ(replay->accepted[0].session.session_id, answer->accepted[0].session.session_id);
  // The same id with another body is a conflict.
  auto conflict = api->create_sessions(
      {.request_id = request_id, .sessions = {session("198.51.100.11", "198.51.100.10", 2)}});
  ASSERT_FALSE(conflict.has_value());
  EXPECT_EQ(conflict.error().http_status, 409);
  EXPECT_EQ(conflict.error().error.code, ErrorCode::request_id_conflict);

  const model::Uuid first = answer->accepted[0].session.session_id;
  const model::Uuid second = answer->accepted[1].session.session_id;
  auto got = api->get_session(first);
  ASSERT_TRUE(got.has_value()) << got.error().describe();
  EXPECT_EQ(got->fields.peer_ip, *model::IpAddress::parse("192.0.2.10"));

  auto listed = api->list_sessions({.asn = as(64501), .request_id = answer->request_id});
  ASSERT_TRUE(listed.has_value()) << listed.error().describe();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].session_id, first);

  ASSERT_TRUE(api->delete_session(first).has_value());
  ASSERT_TRUE(api->delete_session(first).has_value()) << "idempotent";
  auto deleted = api->get_session(first);
  ASSERT_TRUE(deleted.has_value());
  EXPECT_EQ(deleted->status, model::SessionStatus::deleted);

  const model::Uuid unknown = model::Uuid::v4_from_bytes(random.bytes16());
  const std::vector<model::Uuid> batch{second, unknown};
  auto batch_answer = api->delete_sessions(batch);
  ASSERT_TRUE(batch_answer.has_value()) << batch_answer.error().describe();
  ASSERT_EQ(batch_answer->deleted.size(), 1u);
  EXPECT_EQ(batch_answer->deleted[0].session_id, second);
  EXPECT_EQ(batch_answer->deleted[0].status, model::SessionStatus::deleted);
  ASSERT_EQ(batch_answer->errors.size(), 1u);
  EXPECT_EQ(batch_answer->errors[0].name, "sessions[1].session_id");
  EXPECT_EQ(batch_answer->errors[0].code, "not_found");

  auto missing = api->get_session(unknown);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().http_status, 404);
  EXPECT_EQ(missing.error().error.code, ErrorCode::not_found);
  EXPECT_FALSE(api->delete_session(unknown).has_value());
}

TEST_F(RealServer, RefusedAnswers) {
  auto api = client();
  // Every session refused by the server's rules: a 422 answer, with the contact.
  auto refused = api->create_sessions({.sessions = {session("192.0.2.99", "192.0.2.10", 1),
                                                    session("192.0.2.11", "192.0.2.12", 1)}});
  ASSERT_TRUE(refused.has_value()) << refused.error().describe();
  EXPECT_EQ(refused->http_status, 422);
  EXPECT_TRUE(refused->accepted.empty());
  ASSERT_EQ(refused->rejected.size(), 2u);
  EXPECT_EQ(refused->rejected[1].index, 1u);
  EXPECT_EQ(refused->rejected[1].errors[0].code, "ip_not_server_address");
  EXPECT_EQ(refused->contact_email, "peering@example.net");
  ASSERT_FALSE(refused->errors.empty());
  EXPECT_EQ(refused->errors.back().code, "all_rejected");

  // Not ours to ask for: 403 with the field of each session.
  auto foreign =
      api->create_sessions({.sessions = {session("192.0.2.12", "192.0.2.10", 1, 64502)}});
  ASSERT_FALSE(foreign.has_value());
  EXPECT_EQ(foreign.error().http_status, 403);
  ASSERT_FALSE(foreign.error().server_errors.empty());
  EXPECT_EQ(foreign.error().server_errors[0].name, "sessions[0].local_asn");
  EXPECT_EQ(foreign.error().server_errors[0].code, "asn_not_authorized");

  // A duplicate of a live session is refused on the second request.
  ASSERT_TRUE(api->create_sessions({.sessions = {session("198.51.100.11", "198.51.100.10", 2)}})
                  .has_value());
  auto duplicate =
      api->create_sessions({.sessions = {session("198.51.100.11", "198.51.100.10", 2)}});
  ASSERT_TRUE(duplicate.has_value()) << duplicate.error().describe();
  EXPECT_EQ(duplicate->http_status, 422);
  EXPECT_EQ(duplicate->rejected[0].errors[0].code, "duplicate_session");

  auto unauthenticated = client("not-a-token")->list_sessions({.asn = as(64501)});
  ASSERT_FALSE(unauthenticated.has_value());
  EXPECT_EQ(unauthenticated.error().http_status, 401);
  EXPECT_EQ(unauthenticated.error().error.code, ErrorCode::unauthenticated);

  auto registration = api->register_client("https://idp.example.net");
  ASSERT_FALSE(registration.has_value());
  EXPECT_EQ(registration.error().http_status, 404) << "no attested IdPs configured";
}

TEST_F(RealServer, ConnectionFailureAfterTheServerStops) {
  auto api = client();
  ASSERT_TRUE(api->list_sessions({.asn = as(64501)}).has_value());
  server->kill_hard();
  auto after = api->list_sessions({.asn = as(64501)});
  ASSERT_FALSE(after.has_value());
  EXPECT_EQ(after.error().kind, FailureKind::transport);
  EXPECT_EQ(after.error().attempts, 2) << "one retry configured";
}

class RealServerManyPorts : public RealServer {
 protected:
  void SetUp() override {
    // 15 x 20 IPv6 sessions at one IX: 300 distinct live sessions.
    test::write_snapshot(dir.path() / "pdb", 1, 15, 20);
    std::string config = testing::process_config(dir.path());
    const std::string examples = (testing::source_dir() / "examples/peeringdb").string();
    config.replace(config.find(examples), examples.size(), (dir.path() / "pdb").string());
    start(config);
  }
};

TEST_F(RealServerManyPorts, PaginationOverHundredsOfSessions) {
  auto api = client("dev-token-64501", nullptr, 40);
  std::vector<model::SessionRequest> all;
  for (int local = 16; local <= 35; ++local) {
    for (int peer = 1; peer <= 15; ++peer) {
      const std::string l = "2001:db8:1::" + std::to_string(local);
      const std::string p = "2001:db8:1::" + std::to_string(peer);
      all.push_back(session(l.c_str(), p.c_str(), 1));
    }
  }
  ASSERT_EQ(all.size(), 300u);
  std::vector<model::Uuid> created;
  for (std::size_t start = 0; start < all.size(); start += 100) {
    CreateRequest request;
    request.sessions.assign(all.begin() + static_cast<std::ptrdiff_t>(start),
                            all.begin() + static_cast<std::ptrdiff_t>(start + 100));
    auto answer = api->create_sessions(request);
    ASSERT_TRUE(answer.has_value()) << answer.error().describe();
    ASSERT_EQ(answer->accepted.size(), 100u) << answer->rejected.size() << " rejected";
    for (const auto& a : answer->accepted)
      created.push_back(a.session.session_id);
  }

  auto pager = api->sessions({.asn = as(64501)});
  std::vector<model::Uuid> seen;
  for (;;) {
    auto page = pager.next_page();
    ASSERT_TRUE(page.has_value()) << page.error().describe();
    if (!*page)
      break;
    EXPECT_LE((*page)->size(), 40u);
    for (const auto& s : **page)
      seen.push_back(s.session_id);
  }
  EXPECT_EQ(pager.pages(), 8u) << "300 sessions in pages of 40";
  EXPECT_EQ(seen, created) << "every session once, oldest first";
  EXPECT_EQ(std::set<model::Uuid>(seen.begin(), seen.end()).size(), 300u);

  auto collected = client()->list_sessions({.asn = as(64501)});
  ASSERT_TRUE(collected.has_value());
  EXPECT_EQ(collected->size(), 300u);
}

class RealStrictServer : public RealServer {
 protected:
  void SetUp() override {
    auto idp_key = auth::dev_idp::generate_key("EdDSA");
    ASSERT_TRUE(idp_key.has_value());
    const auto jwks_file = dir.path() / "idp.jwks.json";
    testing::write_file(jwks_file, *auth::dev_idp::jwks_json(*idp_key));
    dpop_key =
        std::make_unique<auth::jose::Jwk>(*auth::jose::Jwk::generate(auth::jose::Curve::p256));
    signer = std::make_unique<auth::RequestSigner>(*dpop_key, auth::jose::Algorithm::es256, clock,
                                                   random);
    auto issued =
        auth::dev_idp::issue_token(*idp_key,
                                   auth::dev_idp::TokenRequest{.issuer = "https://dev-idp.example",
                                                               .audience = "peerapi-test",
                                                               .asns = {as(64501)},
                                                               .subject = "",
                                                               .email = std::nullopt,
                                                               .dpop_jkt = signer->jkt()},
                                   clock, random);
    ASSERT_TRUE(issued.has_value()) << issued.error().message;
    token = *issued;
    start(testing::process_config(dir.path()) +
          "[[auth.issuers]]\nissuer = \"https://dev-idp.example\"\naudience = \"peerapi-test\"\n"
          "jwks_file = \"" +
          jwks_file.string() +
          "\"\nalgorithms = [\"EdDSA\"]\n"
          "[auth]\nrequire_dpop = true\nrequire_signatures = true\ndpop_nonce = true\n");
  }

  std::unique_ptr<auth::jose::Jwk> dpop_key;
  std::unique_ptr<auth::RequestSigner> signer;
  std::string token;
};

TEST_F(RealStrictServer, DpopProofsSignaturesAndNonces) {
  auto api = client(token, signer.get());
  auto answer = api->create_sessions({.sessions = {session("192.0.2.11", "192.0.2.10", 1)}});
  ASSERT_TRUE(answer.has_value()) << answer.error().describe() << "\n" << server->log();
  EXPECT_EQ(answer->accepted.size(), 1u);
  EXPECT_TRUE(api->dpop_nonce().has_value()) << "the server's nonce was taken up";
  auto listed = api->list_sessions({.asn = as(64501)});
  ASSERT_TRUE(listed.has_value()) << listed.error().describe();
  EXPECT_EQ(listed->size(), 1u);
  ASSERT_TRUE(api->delete_session(answer->accepted[0].session.session_id).has_value());

  // The same token as a plain bearer token is refused: it is bound to the DPoP key.
  auto bearer = client(token)->list_sessions({.asn = as(64501)});
  ASSERT_FALSE(bearer.has_value());
  EXPECT_EQ(bearer.error().http_status, 401);
}

}  // namespace
}  // namespace peerapi::client
