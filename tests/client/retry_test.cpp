// Retries: exponential backoff with full jitter, Retry-After honoured, bounded in count and
// time; DPoP nonces remembered and retried once. Time, randomness and sleep are injected, so
// every schedule below runs without waiting; the HTTP side is an in-test double on 127.0.0.1.
#include "client/retry.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <memory>
#include <string>
#include <vector>

#include "auth/jose/jwk.hpp"
#include "auth/request_signer.hpp"
#include "client/client_fixtures.hpp"
#include "client/peer_api_client.hpp"
#include "net/http_client.hpp"
#include "support/http_double.hpp"
#include "util/crypto.hpp"

namespace peerapi::client {
namespace {

using peerapi::testing::CannedResponse;
using peerapi::testing::HttpDouble;
using peerapi::testing::json_response;
using test::ClockSleeper;
using test::ScriptedRandom;

constexpr std::int64_t kStart = 1'795'435'200'000;  // 2026-11-23T12:00:00Z

TEST(Backoff, FullJitterUnderADoublingCap) {
  const RetryPolicy policy{
      .max_retries = 10, .base_delay_ms = 100, .max_delay_ms = 1000, .max_total_ms = 60'000};
  // A draw d gives d mod (cap + 1): draws equal to the cap show the cap itself.
  ScriptedRandom caps({100, 200, 400, 800, 1000, 1000});
  const std::vector<std::int64_t> expected{100, 200, 400, 800, 1000, 1000};
  for (int retry = 0; retry < 6; ++retry)
    EXPECT_EQ(backoff_delay_ms(policy, retry, std::nullopt, caps), expected[retry]) << retry;
  ScriptedRandom zeros({0, 0});
  EXPECT_EQ(backoff_delay_ms(policy, 0, std::nullopt, zeros), 0);
  ScriptedRandom wraps({150, 1001 + 37});
  EXPECT_EQ(backoff_delay_ms(policy, 0, std::nullopt, wraps), 150 % 101);
  EXPECT_EQ(backoff_delay_ms(policy, 9, std::nullopt, wraps), 37);
  ScriptedRandom unused;
  EXPECT_EQ(backoff_delay_ms(policy, 3, 2'500, unused), 2'500) << "Retry-After wins";
}

TEST(Backoff, ScheduleStopsAtTheCountAndTheTimeBudget) {
  util::ManualClock clock(kStart);
  ScriptedRandom random({100, 200, 400, 800});
  const RetryPolicy policy{
      .max_retries = 3, .base_delay_ms = 100, .max_delay_ms = 10'000, .max_total_ms = 60'000};
  RetrySchedule schedule(policy, clock, random);
  EXPECT_EQ(schedule.next_delay(std::nullopt), 100);
  EXPECT_EQ(schedule.next_delay(std::nullopt), 200);
  EXPECT_EQ(schedule.next_delay(std::nullopt), 400);
  EXPECT_EQ(schedule.next_delay(std::nullopt), std::nullopt) << "three retries at most";
  EXPECT_EQ(schedule.retries(), 3);

  RetrySchedule timed(
      RetryPolicy{
          .max_retries = 10, .base_delay_ms = 100, .max_delay_ms = 10'000, .max_total_ms = 5'000},
      clock, random);
  clock.advance_ms(4'000);
  EXPECT_EQ(timed.next_delay(3'000), std::nullopt) << "a Retry-After beyond the budget ends it";
  EXPECT_EQ(timed.next_delay(800), 800);
  ScriptedRandom big({9'999});
  RetrySchedule clipped(RetryPolicy{.max_retries = 10,
                                    .base_delay_ms = 10'000,
                                    .max_delay_ms = 10'000,
                                    .max_total_ms = 5'000},
                        clock, big);
  clock.advance_ms(4'500);
  EXPECT_EQ(clipped.next_delay(std::nullopt), 500) << "a backoff is shortened to the budget";
  clock.advance_ms(500);
  EXPECT_EQ(clipped.next_delay(std::nullopt), std::nullopt);
}

/// A client for the double with an injected clock, scripted jitter and a clock-advancing sleeper.
class RetryingClient : public ::testing::Test {
 protected:
  std::unique_ptr<PeerApiClient> client(const RetryPolicy& policy,
                                        const auth::RequestSigner* signer = nullptr,
                                        std::string base = "") {
    ClientOptions options;
    options.base_url = base.empty() ? server.origin() : base;
    options.access_token = "dev-token-64501";
    options.signer = signer;
    options.sign_requests = signer != nullptr;
    options.retry = policy;
    return std::make_unique<PeerApiClient>(options, http, clock, random, sleeper);
  }

  static net::HttpClientOptions loopback() {
    net::HttpClientOptions o;
    o.policy.allow_loopback_http = true;
    o.timeout_ms = 5'000;
    return o;
  }

  HttpDouble server;
  net::CurlHttpClient http{loopback()};
  util::ManualClock clock{kStart};
  ScriptedRandom random{{100, 200, 400, 800}};
  ClockSleeper sleeper{clock};
};

const char* kEmptyPage = R"({"sessions": []})";

CannedResponse busy(int status, std::string retry_after) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!retry_after.empty())
    headers.emplace_back("Retry-After", std::move(retry_after));
  return json_response(
      R"({"errors": [{"name": "", "code": "rate_limited", "errors": ["slow down"]}]})", status,
      std::move(headers));
}

/// Serves `first` for the first `times` requests, then `then`.
void serve_sequence(HttpDouble& server, const std::string& path, CannedResponse first, int times,
                    CannedResponse then) {
  auto count = std::make_shared<std::atomic<int>>(0);
  server.set_handler(path, [=](const peerapi::testing::RecordedRequest&) {
    return (*count)++ < times ? first : then;
  });
}

TEST_F(RetryingClient, ServiceUnavailableWithRetryAfterSecondsIsWaitedOut) {
  serve_sequence(server, "/sessions", busy(503, "2"), 2, json_response(kEmptyPage));
  auto api = client(RetryPolicy{});
  auto sessions = api->list_sessions({.asn = *model::Asn::from_number(64501)});
  ASSERT_TRUE(sessions.has_value()) << sessions.error().describe();
  EXPECT_EQ(server.hits("/sessions"), 3);
  EXPECT_EQ(sleeper.sleeps(), (std::vector<std::int64_t>{2'000, 2'000}));
  EXPECT_EQ(clock.now_ms(), kStart + 4'000);
}

TEST_F(RetryingClient, TooManyRequestsWithAnHttpDateIsWaitedOut) {
  serve_sequence(server, "/sessions", busy(429, "Mon, 23 Nov 2026 12:00:07 GMT"), 1,
                 json_response(kEmptyPage));
  auto api = client(RetryPolicy{});
  auto sessions = api->list_sessions({.asn = *model::Asn::from_number(64501)});
  ASSERT_TRUE(sessions.has_value()) << sessions.error().describe();
  EXPECT_EQ(sleeper.sleeps(), std::vector<std::int64_t>{7'000});
}

TEST_F(RetryingClient, WithoutRetryAfterTheBackoffIsJitteredAndBounded) {
  server.set("/sessions", busy(429, ""));
  auto api = client(RetryPolicy{
      .max_retries = 3, .base_delay_ms = 100, .max_delay_ms = 10'000, .max_total_ms = 60'000});
  auto sessions = api->list_sessions({.asn = *model::Asn::from_number(64501)});
  ASSERT_FALSE(sessions.has_value());
  const ClientError& e = sessions.error();
  EXPECT_EQ(e.kind, FailureKind::http);
  EXPECT_EQ(e.http_status, 429);
  EXPECT_EQ(e.error.code, ErrorCode::rate_limited);
  EXPECT_EQ(e.attempts, 4);
  ASSERT_EQ(e.server_errors.size(), 1u);
  EXPECT_EQ(e.server_errors[0].code, "rate_limited");
  EXPECT_EQ(server.hits("/sessions"), 4);
  EXPECT_EQ(sleeper.sleeps(), (std::vector<std::int64_t>{100, 200, 400}));
}

TEST_F(RetryingClient, ARetryAfterBeyondTheBudgetFailsAtOnce) {
  server.set("/sessions", busy(503, "3600"));
  auto api = client(RetryPolicy{
      .max_retries = 3, .base_delay_ms = 100, .max_delay_ms = 10'000, .max_total_ms = 30'000});
  auto sessions = api->list_sessions({.asn = *model::Asn::from_number(64501)});
  ASSERT_FALSE(sessions.has_value());
  EXPECT_EQ(sessions.error().http_status, 503);
  EXPECT_EQ(sessions.error().error.code, ErrorCode::unavailable);
  EXPECT_EQ(sessions.error().retry_after_ms, 3'600'000);
  EXPECT_EQ(sessions.error().attempts, 1);
  EXPECT_TRUE(sleeper.sleeps().empty());
}

TEST_F(RetryingClient, OtherErrorsAreNotRetried) {
  server.set("/sessions", json_response(R"({"errors": [{"name": "asn", "code":
      "asn_not_authorized", "errors": ["your credentials may not act for AS64502"]}]})",
                                        403));
  server.set(
      "/sessions/01890a5d-ac96-774b-bcce-b302099a8057",
      CannedResponse{502, {{"Content-Type", "text/html"}}, "<html>bad gateway</html>", {}, false});
  auto api = client(RetryPolicy{});
  auto listed = api->list_sessions({.asn = *model::Asn::from_number(64502)});
  ASSERT_FALSE(listed.has_value());
  EXPECT_EQ(listed.error().http_status, 403);
  EXPECT_EQ(listed.error().error.code, ErrorCode::forbidden);
  EXPECT_EQ(listed.error().error.field, "asn");
  EXPECT_EQ(server.hits("/sessions"), 1);

  auto got = api->get_session(*model::Uuid::parse("01890a5d-ac96-774b-bcce-b302099a8057"));
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().http_status, 502);
  EXPECT_EQ(got.error().error.code, ErrorCode::internal);
  EXPECT_TRUE(got.error().server_errors.empty());
  EXPECT_NE(got.error().error.message.find("not a Peering API error body"), std::string::npos);
  EXPECT_TRUE(sleeper.sleeps().empty());
}

TEST_F(RetryingClient, ConnectionFailuresAreRetriedForIdempotentCalls) {
  std::string dead;
  {
    HttpDouble gone;
    dead = gone.origin();
  }  // nothing listens there any more
  auto api = client(
      RetryPolicy{
          .max_retries = 2, .base_delay_ms = 100, .max_delay_ms = 10'000, .max_total_ms = 60'000},
      nullptr, dead);
  auto sessions = api->list_sessions({.asn = *model::Asn::from_number(64501)});
  ASSERT_FALSE(sessions.has_value());
  EXPECT_EQ(sessions.error().kind, FailureKind::transport);
  EXPECT_EQ(sessions.error().error.code, ErrorCode::io_error);
  EXPECT_EQ(sessions.error().attempts, 3);
  EXPECT_EQ(sleeper.sleeps(), (std::vector<std::int64_t>{100, 200}));

  // POST /sessions always carries a request_id, so it is retried as well.
  model::SessionRequest session{.local_asn = *model::Asn::from_number(64501),
                                .local_ip = *model::IpAddress::parse("192.0.2.11"),
                                .peer_asn = *model::Asn::from_number(64500),
                                .peer_ip = *model::IpAddress::parse("192.0.2.10"),
                                .session_secret = std::nullopt,
                                .location = model::LocationId::ix(1)};
  auto created = api->create_sessions({.sessions = {session}});
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(created.error().attempts, 3);
}

TEST_F(RetryingClient, GuardRefusalsAreNotRetried) {
  net::HttpClientOptions strict;  // https only, no loopback
  net::CurlHttpClient guarded(strict);
  ClientOptions options;
  options.base_url = server.origin();
  options.access_token = "dev-token-64501";
  PeerApiClient api(options, guarded, clock, random, sleeper);
  auto sessions = api.list_sessions({.asn = *model::Asn::from_number(64501)});
  ASSERT_FALSE(sessions.has_value());
  EXPECT_EQ(sessions.error().kind, FailureKind::transport);
  EXPECT_NE(sessions.error().error.message.find("refused"), std::string::npos);
  EXPECT_EQ(sessions.error().attempts, 1);
  EXPECT_EQ(server.connections(), 0);
}

/// The JSON payload of a compact JWS.
boost::json::object jws_payload(const std::string& jws) {
  const auto first = jws.find('.');
  const auto second = jws.find('.', first + 1);
  auto payload = util::base64url_decode(jws.substr(first + 1, second - first - 1));
  return payload ? boost::json::parse(*payload).as_object() : boost::json::object{};
}

TEST_F(RetryingClient, DpopNonceIsRememberedAndRetriedOnce) {
  auto key = auth::jose::Jwk::generate(auth::jose::Curve::ed25519);
  ASSERT_TRUE(key.has_value());
  util::SecureRandom secure;
  const auth::RequestSigner signer(*key, auth::jose::Algorithm::eddsa, clock, secure);
  const CannedResponse need_nonce{
      401,
      {{"WWW-Authenticate",
        R"(DPoP realm="peerapi", algs="EdDSA", error="use_dpop_nonce", error_description="x")"},
       {"DPoP-Nonce", "nonce-1"},
       {"Content-Type", "application/json"}},
      R"({"errors": [{"name": "dpop", "code": "unauthenticated", "errors": ["nonce"]}]})",
      {},
      false};
  serve_sequence(server, "/sessions", need_nonce, 1,
                 json_response(kEmptyPage, 200, {{"DPoP-Nonce", "nonce-2"}}));
  auto api = client(RetryPolicy{}, &signer);
  auto sessions = api->list_sessions({.asn = *model::Asn::from_number(64501)});
  ASSERT_TRUE(sessions.has_value()) << sessions.error().describe();
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_FALSE(jws_payload(*requests[0].header("dpop")).contains("nonce"));
  EXPECT_EQ(jws_payload(*requests[1].header("dpop")).at("nonce").as_string(), "nonce-1");
  EXPECT_EQ(requests[1].header("authorization"), "DPoP dev-token-64501");
  EXPECT_TRUE(requests[1].header("signature-input").has_value());
  EXPECT_TRUE(requests[1].header("signature").has_value());
  EXPECT_EQ(api->dpop_nonce(), "nonce-2") << "the newest nonce from any answer";
  EXPECT_TRUE(sleeper.sleeps().empty()) << "a nonce retry does not wait";

  // A server that keeps asking is answered once, then the 401 is the caller's.
  server.set("/sessions", need_nonce);
  auto again = api->list_sessions({.asn = *model::Asn::from_number(64501)});
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().http_status, 401);
  EXPECT_EQ(again.error().error.code, ErrorCode::unauthenticated);
  EXPECT_EQ(again.error().attempts, 2);
  EXPECT_EQ(jws_payload(*server.last_request("/sessions")->header("dpop")).at("nonce").as_string(),
            "nonce-1");
}

TEST_F(RetryingClient, BearerTokenWithoutAKeyAndNoneForRegistration) {
  server.set("/sessions", json_response(kEmptyPage));
  server.set("/oauth/client_register", json_response(R"({"client_id": "peerapi-client-1"})"));
  auto api = client(RetryPolicy{});
  ASSERT_TRUE(api->list_sessions({.asn = *model::Asn::from_number(64501)}).has_value());
  auto seen = server.last_request("/sessions");
  EXPECT_EQ(seen->header("authorization"), "Bearer dev-token-64501");
  EXPECT_EQ(seen->header("accept"), "application/json");
  EXPECT_FALSE(seen->header("dpop").has_value());

  auto client_id = api->register_client("https://idp.example.net");
  ASSERT_TRUE(client_id.has_value()) << client_id.error().describe();
  EXPECT_EQ(*client_id, "peerapi-client-1");
  auto registered = server.last_request("/oauth/client_register");
  EXPECT_FALSE(registered->header("authorization").has_value());
  EXPECT_EQ(registered->body, R"({"idp_base":"https://idp.example.net"})");
}

TEST_F(RetryingClient, PagerFollowsTokensAndStopsOnARepeatedOne) {
  auto pages = std::make_shared<std::atomic<int>>(0);
  server.set_handler("/locations", [pages](const peerapi::testing::RecordedRequest& r) {
    const int n = (*pages)++;
    if (n == 0) {
      return json_response(R"({"locations": [{"id": "pdb:ix:1"}], "next_token": "a+b/c="})");
    }
    EXPECT_NE(r.target.find("next_token=a%2Bb%2Fc%3D"), std::string::npos) << r.target;
    return json_response(R"({"locations": [{"id": "pdb:ix:2"}, {"id": "pdb:fac:1"}]})");
  });
  auto api = client(RetryPolicy{});
  auto pager = api->locations(*model::Asn::from_number(64500));
  std::vector<std::string> ids;
  for (;;) {
    auto item = pager.next();
    ASSERT_TRUE(item.has_value()) << item.error().describe();
    if (!*item)
      break;
    ids.push_back((*item)->id.to_string());
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"pdb:ix:1", "pdb:ix:2", "pdb:fac:1"}));
  EXPECT_EQ(pager.pages(), 2u);
  EXPECT_NE(server.last_request("/locations")->target.find("asn=64500"), std::string::npos);

  server.set("/locations", json_response(R"({"locations": [], "next_token": "same"})"));
  auto looping = api->list_locations(*model::Asn::from_number(64500));
  ASSERT_FALSE(looping.has_value());
  EXPECT_EQ(looping.error().kind, FailureKind::decode);
  EXPECT_EQ(looping.error().error.field, "next_token");
}

TEST_F(RetryingClient, RedirectsAreReportedNotFollowed) {
  server.set("/sessions",
             peerapi::testing::redirect_response("https://peering.example.net/api", 301));
  auto api = client(RetryPolicy{});
  auto sessions = api->list_sessions({.asn = *model::Asn::from_number(64501)});
  ASSERT_FALSE(sessions.has_value());
  EXPECT_EQ(sessions.error().http_status, 301);
  EXPECT_NE(sessions.error().error.message.find("https://peering.example.net/api"),
            std::string::npos)
      << sessions.error().error.message;
}

TEST_F(RetryingClient, MalformedAnswersAreDecodeErrors) {
  server.set("/sessions", json_response(R"({"sessions": [{"session_id": 1}]})"));
  auto api = client(RetryPolicy{});
  auto sessions = api->list_sessions({.asn = *model::Asn::from_number(64501)});
  ASSERT_FALSE(sessions.has_value());
  EXPECT_EQ(sessions.error().kind, FailureKind::decode);
  EXPECT_EQ(sessions.error().error.code, ErrorCode::wrong_type);
  EXPECT_EQ(sessions.error().error.field, "sessions[0].session_id");
}

}  // namespace
}  // namespace peerapi::client
