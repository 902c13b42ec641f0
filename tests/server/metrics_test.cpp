// ServerMetrics, the endpoint classification, the request wrapper (metrics and access log),
// /metrics and /readyz through ApiService.
#include "server/metrics.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <map>
#include <sstream>
#include <string>

#include "server/api_fixture.hpp"
#include "support/prometheus_text.hpp"

namespace peerapi::testing {
namespace {

using server::endpoint_of;
using server::ServerMetrics;

/// Samples whose series starts with `prefix`.
std::size_t series_count(const std::map<std::string, double>& all, std::string_view prefix) {
  std::size_t n = 0;
  for (const auto& [series, value] : all)
    n += series.starts_with(prefix) ? 1 : 0;
  return n;
}

server::HttpResponse status_only(int status) {
  server::HttpResponse response;
  response.status = status;
  return response;
}

struct EndpointCase {
  const char* target;
  const char* base;
  const char* endpoint;
};

TEST(EndpointOf, RouteTemplates) {
  const EndpointCase cases[] = {
      {"/locations", "/", "/locations"},
      {"/locations?asn=64500&max_results=5", "/", "/locations"},
      {"/sessions", "/", "/sessions"},
      {"/sessions?asn=64501", "/", "/sessions"},
      {"/sessions/0190c1d8-4f2b-7000-8000-000000000000", "/", "/sessions/{session_id}"},
      {"/sessions/anything-at-all?x=1", "/", "/sessions/{session_id}"},
      {"/sessions/", "/", "other"},
      {"/sessions/a/b", "/", "other"},
      {"/oauth/client_register", "/", "/oauth/client_register"},
      {"/healthz", "/", "/healthz"},
      {"/readyz", "/", "/readyz"},
      {"/metrics", "/", "/metrics"},
      {"/openapi.yaml", "/", "/openapi.yaml"},
      {"/", "/", "other"},
      {"/locationsX", "/", "other"},
      {"/peering/v1/sessions", "/peering/v1/", "/sessions"},
      {"/peering/v1/metrics", "/peering/v1/", "/metrics"},
      {"/sessions", "/peering/v1/", "other"},
      {"*", "/", "other"},
      {"", "/", "other"},
  };
  for (const auto& c : cases)
    EXPECT_EQ(endpoint_of(c.target, c.base), c.endpoint) << c.target << " under " << c.base;
}

class MetricsTest : public ::testing::Test {
 protected:
  util::ManualClock clock_{1'795'420'800'000};
  int session_reads_ = 0;
  std::map<std::string, std::int64_t> counts_{{"pending", 2}, {"approved", 3}};
  ServerMetrics metrics_{clock_, "9.9.9", [this]() -> Result<std::map<std::string, std::int64_t>> {
                           ++session_reads_;
                           return counts_;
                         }};
};

TEST_F(MetricsTest, CountersAndHistogramsMove) {
  metrics_.observe("/sessions", "GET", 200, 0.0004);
  metrics_.observe("/sessions", "GET", 200, 0.002);
  metrics_.observe("/sessions", "POST", 422, 0.02);
  metrics_.observe("nonsense", "BREW", 404, 20.0);
  const auto all = exposition_samples(metrics_.scrape());
  EXPECT_EQ(
      all.at(R"(peerapi_http_requests_total{endpoint="/sessions",method="GET",status="200"})"), 2);
  EXPECT_EQ(
      all.at(R"(peerapi_http_requests_total{endpoint="/sessions",method="POST",status="422"})"), 1);
  EXPECT_EQ(all.at(R"(peerapi_http_requests_total{endpoint="other",method="other",status="404"})"),
            1);
  EXPECT_EQ(all.at(R"(peerapi_http_request_duration_seconds_count{endpoint="/sessions"})"), 3);
  EXPECT_EQ(
      all.at(R"(peerapi_http_request_duration_seconds_bucket{endpoint="/sessions",le="0.0005"})"),
      1);
  EXPECT_EQ(
      all.at(R"(peerapi_http_request_duration_seconds_bucket{endpoint="/sessions",le="0.0025"})"),
      2);
  EXPECT_EQ(all.at(R"(peerapi_http_request_duration_seconds_bucket{endpoint="other",le="10"})"), 0);
  EXPECT_EQ(all.at(R"(peerapi_http_request_duration_seconds_bucket{endpoint="other",le="+Inf"})"),
            1);
  EXPECT_EQ(all.at(R"(peerapi_build_info{version="9.9.9"})"), 1);
  EXPECT_GT(all.at("process_resident_memory_bytes"), 0);
  EXPECT_GT(all.at("process_open_fds"), 0);
  EXPECT_EQ(all.at("process_start_time_seconds"), 1'795'420'800.0);
}

TEST_F(MetricsTest, DecisionsAndRateLimits) {
  metrics_.count_decision(policy::Decision{.verdict = policy::Verdict::accept, .reasons = {}});
  metrics_.count_decision(policy::Decision{
      .verdict = policy::Verdict::review,
      .reasons = {{.effect = policy::Verdict::review,
                   .error = Error{ErrorCode::peering_policy, "local_asn", "Selective"}},
                  {.effect = policy::Verdict::review,
                   .error = Error{ErrorCode::prefix_count, "local_asn", "unknown"}}}});
  metrics_.count_rate_limited("address");
  metrics_.count_rate_limited("address");
  metrics_.count_rate_limited("asn");
  const auto all = exposition_samples(metrics_.scrape());
  EXPECT_EQ(all.at(R"(peerapi_session_decisions_total{decision="accept",reason="none"})"), 1);
  EXPECT_EQ(all.at(R"(peerapi_session_decisions_total{decision="review",reason="peering_policy"})"),
            1);
  EXPECT_EQ(all.at(R"(peerapi_session_decisions_total{decision="review",reason="prefix_count"})"),
            1);
  EXPECT_EQ(all.at(R"(peerapi_rate_limited_total{scope="address"})"), 2);
  EXPECT_EQ(all.at(R"(peerapi_rate_limited_total{scope="asn"})"), 1);
}

TEST_F(MetricsTest, SessionGaugeIsCachedForFiveSeconds) {
  auto all = exposition_samples(metrics_.scrape());
  EXPECT_EQ(session_reads_, 1);
  EXPECT_EQ(all.at(R"(peerapi_sessions{status="pending"})"), 2);
  EXPECT_EQ(all.at(R"(peerapi_sessions{status="approved"})"), 3);
  EXPECT_EQ(all.at(R"(peerapi_sessions{status="established"})"), 0);  // every status present
  counts_["pending"] = 7;
  clock_.advance_ms(4'999);
  all = exposition_samples(metrics_.scrape());
  EXPECT_EQ(session_reads_, 1);
  EXPECT_EQ(all.at(R"(peerapi_sessions{status="pending"})"), 2);
  clock_.advance_ms(1);
  all = exposition_samples(metrics_.scrape());
  EXPECT_EQ(session_reads_, 2);
  EXPECT_EQ(all.at(R"(peerapi_sessions{status="pending"})"), 7);
}

TEST_F(MetricsTest, SourcesAreReadAtScrape) {
  server::SourceState rpki{.up = true, .last_success_ms = 1'795'420'000'000};
  metrics_.set_sources(
      {server::SourceProbe{.name = "rpki", .stale_after_ms = 0, .state = [&rpki] { return rpki; }},
       server::SourceProbe{
           .name = "irr", .stale_after_ms = 0, .state = [] { return server::SourceState{}; }}});
  auto all = exposition_samples(metrics_.scrape());
  EXPECT_EQ(all.at(R"(peerapi_source_up{source="rpki"})"), 1);
  EXPECT_EQ(all.at(R"(peerapi_source_last_success_timestamp_seconds{source="rpki"})"),
            1'795'420'000.0);
  EXPECT_EQ(all.at(R"(peerapi_source_up{source="irr"})"), 0);
  EXPECT_EQ(all.at(R"(peerapi_source_last_success_timestamp_seconds{source="irr"})"), 0);
  rpki.up = false;
  all = exposition_samples(metrics_.scrape());
  EXPECT_EQ(all.at(R"(peerapi_source_up{source="rpki"})"), 0);
}

TEST_F(MetricsTest, JunkPathsAndMethodsKeepSeriesBounded) {
  auto handler = server::instrument([](const server::HttpRequest&) { return status_only(404); },
                                    metrics_, "/");
  for (int i = 0; i < 1000; ++i) {
    server::HttpRequest request;
    request.method = i % 2 == 0 ? "GET" : "M" + std::to_string(i);
    request.target = "/junk/" + std::to_string(i) + "?q=" + std::to_string(i);
    request.remote_address = "192.0.2.1";
    EXPECT_EQ(handler(request).status, 404);
  }
  const auto all = exposition_samples(metrics_.scrape());
  EXPECT_EQ(series_count(all, "peerapi_http_requests_total"), 2u);
  EXPECT_EQ(all.at(R"(peerapi_http_requests_total{endpoint="other",method="GET",status="404"})"),
            500);
  EXPECT_EQ(all.at(R"(peerapi_http_requests_total{endpoint="other",method="other",status="404"})"),
            500);
  EXPECT_EQ(all.at(R"(peerapi_http_request_duration_seconds_count{endpoint="other"})"), 1000);
}

struct SourceCase {
  const char* name;
  server::SourceState state;
  std::int64_t stale_after_ms;
  bool degraded;
  std::optional<std::int64_t> age_seconds;
};

TEST(CheckSource, DegradedWhenFailingOrStale) {
  constexpr std::int64_t now = 1'795'420'800'000;
  const SourceCase cases[] = {
      {"fresh", {.up = true, .last_success_ms = now - 10'000}, 60'000, false, 10},
      {"never stale", {.up = true, .last_success_ms = now - 86'400'000}, 0, false, 86'400},
      {"stale", {.up = true, .last_success_ms = now - 60'001}, 60'000, true, 60},
      {"failing", {.up = false, .last_success_ms = now - 5'000}, 60'000, true, 5},
      {"never loaded", {.up = false, .last_success_ms = 0}, 0, true, std::nullopt},
  };
  for (const auto& c : cases) {
    const auto check = server::check_source(c.state, c.stale_after_ms, now);
    EXPECT_EQ(check.degraded, c.degraded) << c.name;
    EXPECT_EQ(check.age_seconds, c.age_seconds) << c.name;
    EXPECT_EQ(check.message.empty(), !c.degraded) << c.name;
  }
}

TEST(Readiness, StoreFailureIs503WithoutItsErrorText) {
  server::Readiness readiness;
  const auto snapshot =
      sources::peeringdb::load_snapshot_dir(source_dir() / "examples/peeringdb")->first;
  const Result<void> failed = std::unexpected(
      Error{ErrorCode::store_error, "", "connection to postgresql://peerapi:hunter2@db failed"});
  const auto response = readiness.answer(failed, snapshot.get(), 1'795'420'800'000);
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.body.find("hunter2"), std::string::npos) << response.body;
  const auto body = boost::json::parse(response.body);
  EXPECT_EQ(body.at("status"), "not_ready");
  EXPECT_EQ(body.at("checks").at("store").at("status"), "failing");
  EXPECT_EQ(body.at("errors").at(0).at("name"), "store");
  bool retry_after = false;
  for (const auto& [name, value] : response.headers)
    retry_after = retry_after || (name == "Retry-After" && value == "5");
  EXPECT_TRUE(retry_after);
}

TEST(Readiness, DegradedSourcesStayReady) {
  ApiFixture api;
  api.api().set_source_probes(
      {server::SourceProbe{
           .name = "peeringdb",
           .stale_after_ms = 0,
           .state = [] { return server::SourceState{.up = true, .last_success_ms = 1}; }},
       server::SourceProbe{.name = "rpki", .stale_after_ms = 0, .state = [] {
                             return server::SourceState{.up = false, .last_success_ms = 0};
                           }}});
  const auto ready = api.call("GET", "/readyz", "", "");
  EXPECT_EQ(ready.status, 200);
  const auto body = ApiFixture::parse(ready);
  EXPECT_EQ(body.at("status"), "ready");
  EXPECT_EQ(body.at("checks").at("store").at("status"), "ok");
  EXPECT_EQ(body.at("checks").at("peeringdb").at("status"), "ok");
  EXPECT_EQ(body.at("checks").at("peeringdb").at("networks"), 5);
  EXPECT_TRUE(body.at("checks").at("peeringdb").as_object().contains("age_seconds"));
  EXPECT_EQ(body.at("checks").at("rpki").at("status"), "degraded");
  EXPECT_EQ(body.at("checks").at("rpki").at("message"), "no data loaded yet");
}

TEST(MetricsEndpoint, NotFoundUntilSetThenServed) {
  ApiFixture api;
  EXPECT_EQ(api.call("GET", "/metrics", "", "").status, 404);
  util::ManualClock clock(1'795'420'800'000);
  ServerMetrics metrics(clock, "1.0", server::store_session_counter(api.store()));
  server::attach_metrics(api.api(), metrics, {});
  const auto response = api.call("GET", "/metrics", "", "");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(response.body.find("# TYPE peerapi_build_info gauge"), std::string::npos);
  EXPECT_EQ(api.call("HEAD", "/metrics", "", "").status, 200);
  EXPECT_EQ(api.call("POST", "/metrics", "", "").status, 405);
}

TEST(MetricsEndpoint, DecisionsOfStoredRequestsAreCounted) {
  ApiFixture api;
  util::ManualClock clock(1'795'420'800'000);
  ServerMetrics metrics(clock, "1.0", server::store_session_counter(api.store()));
  server::attach_metrics(api.api(), metrics, {});
  // One acceptable session, one at an IX AS64501 is not at.
  const auto created = api.call(
      "POST", "/sessions",
      "[" + session_v4() + "," +
          R"({"local_asn":64501,"local_ip":"192.0.2.11","peer_asn":64500,"peer_ip":"192.0.2.10","location":"pdb:ix:99"})" +
          "]");
  ASSERT_EQ(created.status, 200) << created.body;
  const auto all = exposition_samples(metrics.scrape());
  EXPECT_EQ(all.at(R"(peerapi_session_decisions_total{decision="accept",reason="none"})"), 1);
  EXPECT_EQ(
      all.at(R"(peerapi_session_decisions_total{decision="reject",reason="unknown_location"})"), 1);
  EXPECT_EQ(all.at(R"(peerapi_sessions{status="approved"})"), 1);
}

TEST(AccessLog, JsonLineWithoutQueryOrCredentials) {
  util::ManualClock clock(1'795'420'800'000);
  ServerMetrics metrics(clock, "1.0", nullptr);
  std::ostringstream out;
  config::LogSection log;
  log.format = "json";
  log.access = true;
  auto access = server::make_access_log(log, std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  auto handler = server::instrument([](const server::HttpRequest&) { return status_only(201); },
                                    metrics, "/", access);
  server::HttpRequest request;
  request.method = "POST";
  request.target = "/sessions/0190c1d8-4f2b-7000-8000-000000000000?token=sekrit-query";
  request.body = R"({"session_secret":"sekrit-body"})";
  request.remote_address = "198.51.100.7";
  request.fields = {{"Authorization", "DPoP sekrit-token"},
                    {"DPoP", "sekrit-proof"},
                    {"Signature", "sig1=:sekrit-signature:"},
                    {"X-Request-Id", "req-42"}};
  EXPECT_EQ(handler(request).status, 201);
  const std::string line = out.str();
  EXPECT_EQ(line.find("sekrit"), std::string::npos) << line;
  const auto parsed = boost::json::parse(line);
  EXPECT_EQ(parsed.at("log"), "access");
  EXPECT_EQ(parsed.at("level"), "info");
  EXPECT_EQ(parsed.at("source"), "198.51.100.7");
  EXPECT_EQ(parsed.at("method"), "POST");
  EXPECT_EQ(parsed.at("endpoint"), "/sessions/{session_id}");
  EXPECT_EQ(parsed.at("status"), 201);
  EXPECT_TRUE(parsed.at("duration_us").is_int64());
  EXPECT_EQ(parsed.at("request_id"), "req-42");
}

TEST(AccessLog, TextLineAndOddRequestIdsDropped) {
  util::ManualClock clock(1'795'420'800'000);
  ServerMetrics metrics(clock, "1.0", nullptr);
  std::ostringstream out;
  config::LogSection log;
  log.access = true;
  auto handler = server::instrument(
      [](const server::HttpRequest&) { return status_only(200); }, metrics, "/",
      server::make_access_log(log, std::make_shared<spdlog::sinks::ostream_sink_mt>(out)));
  server::HttpRequest request;
  request.method = "GET";
  request.target = "/locations?asn=64500";
  request.remote_address = "203.0.113.9";
  request.fields = {{"X-Request-Id", "bad id\nforged line"}};
  handler(request);
  const std::string line = out.str();
  EXPECT_NE(line.find(" access 203.0.113.9 GET /locations 200 "), std::string::npos) << line;
  EXPECT_EQ(line.find("forged"), std::string::npos) << line;
  EXPECT_EQ(line.find("asn="), std::string::npos) << line;
  config::LogSection off;
  EXPECT_EQ(server::make_access_log(off).logger, nullptr);
}

}  // namespace
}  // namespace peerapi::testing
