// /metrics, /readyz and the access log of a real `peerapi serve` (docs/operations.md
// "Metrics, logs and health checks").
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <pqxx/pqxx>
#include <sstream>
#include <thread>

#include "integration/server_process.hpp"
#include "store/postgres_server.hpp"
#include "support/prometheus_text.hpp"
#include "support/test_support.hpp"

namespace peerapi::testing {
namespace {

namespace json = boost::json;

double sum_of(const std::map<std::string, double>& all, std::string_view prefix) {
  double total = 0;
  for (const auto& [series, value] : all)
    total += series.starts_with(prefix) ? value : 0;
  return total;
}

const std::string kV4 =
    R"({"local_asn":64501,"local_ip":"192.0.2.11","peer_asn":64500,"peer_ip":"192.0.2.10","location":"pdb:ix:1"})";
const std::string kV6 =
    R"({"local_asn":64501,"local_ip":"2001:db8:ffff::11","peer_asn":64500,"peer_ip":"2001:db8:ffff::10","location":"pdb:ix:1"})";
const std::string kUnknownIx =
    R"({"local_asn":64501,"local_ip":"192.0.2.11","peer_asn":64500,"peer_ip":"192.0.2.10","location":"pdb:ix:99"})";

const std::string kJsonAccessLog = "[log]\nformat = \"json\"\naccess = true\n";

TEST(MetricsProcess, CountsWhatItServes) {
  TempDir dir;
  ServerProcess server(dir.path(), process_config(dir.path(), "", kJsonAccessLog));
  ASSERT_TRUE(server.wait_ready()) << server.log();
  const int port = server.port();
  // Before: whatever wait_ready() asked. Every call below is counted.
  const auto before = exposition_samples(http_call(port, "GET", "/metrics", "", "").body);
  const double requests_before = sum_of(before, "peerapi_http_requests_total{");

  EXPECT_EQ(http_call(port, "POST", "/sessions", "[" + kV4 + "," + kUnknownIx + "]").status, 200);
  EXPECT_EQ(http_call(port, "POST", "/sessions", "[" + kV6 + "]").status, 200);
  EXPECT_EQ(http_call(port, "GET", "/sessions?asn=64501").status, 200);
  EXPECT_EQ(http_call(port, "GET", "/sessions?asn=64501", "", "Bearer wrong-token").status, 401);
  EXPECT_EQ(http_call(port, "GET", "/sessions/not-a-uuid").status, 400);
  EXPECT_EQ(http_call(port, "GET", "/no/such/path/1").status, 404);
  EXPECT_EQ(http_call(port, "GET", "/no/such/path/2").status, 404);
  EXPECT_EQ(http_call(port, "GET", "/healthz", "", "").status, 200);

  const auto scraped = http_call(port, "GET", "/metrics", "", "");
  ASSERT_EQ(scraped.status, 200);
  EXPECT_EQ(scraped.headers.at("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const auto all = exposition_samples(scraped.body);
  auto requests = [&](const std::string& labels) {
    const auto it = all.find("peerapi_http_requests_total{" + labels + "}");
    return it == all.end() ? 0.0 : it->second;
  };
  EXPECT_EQ(requests(R"(endpoint="/sessions",method="POST",status="200")"), 2);
  EXPECT_EQ(requests(R"(endpoint="/sessions",method="GET",status="200")"), 1);
  EXPECT_EQ(requests(R"(endpoint="/sessions",method="GET",status="401")"), 1);
  EXPECT_EQ(requests(R"(endpoint="/sessions/{session_id}",method="GET",status="400")"), 1);
  EXPECT_EQ(requests(R"(endpoint="other",method="GET",status="404")"), 2);
  EXPECT_EQ(requests(R"(endpoint="/healthz",method="GET",status="200")"), 1);
  // The histograms saw every request the counters saw (the scrape itself counts afterwards).
  const double requests_total = sum_of(all, "peerapi_http_requests_total{");
  EXPECT_EQ(requests_total - requests_before, 9);  // 8 calls + the first scrape
  EXPECT_EQ(sum_of(all, "peerapi_http_request_duration_seconds_count{"), requests_total);
  EXPECT_EQ(all.at(R"(peerapi_session_decisions_total{decision="accept",reason="none"})"), 2);
  EXPECT_EQ(
      all.at(R"(peerapi_session_decisions_total{decision="reject",reason="unknown_location"})"), 1);
  EXPECT_EQ(all.at(R"(peerapi_source_up{source="peeringdb"})"), 1);
  EXPECT_GT(all.at(R"(peerapi_source_last_success_timestamp_seconds{source="peeringdb"})"), 1.7e9);
  EXPECT_EQ(sum_of(all, "peerapi_build_info{"), 1);
  EXPECT_GT(all.at("process_resident_memory_bytes"), 1e6);
  // The store is SQLite: its connections hold statements and page caches on the heap.
  EXPECT_GT(all.at("peerapi_sqlite_heap_bytes"), 10'000);
  EXPECT_GE(all.at("peerapi_sqlite_heap_highwater_bytes"), all.at("peerapi_sqlite_heap_bytes"));

  // The store is counted at most every 5 s: the first scrape (before) cached no sessions.
  std::map<std::string, double> gauges;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    gauges = exposition_samples(http_call(port, "GET", "/metrics", "", "").body);
    if (gauges[R"(peerapi_sessions{status="approved"})"] == 2)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  EXPECT_EQ(gauges[R"(peerapi_sessions{status="approved"})"], 2);
  EXPECT_EQ(gauges.at(R"(peerapi_sessions{status="pending"})"), 0);

  const auto ready = http_call(port, "GET", "/readyz", "", "");
  ASSERT_EQ(ready.status, 200);
  const auto body = json::parse(ready.body);
  EXPECT_EQ(body.at("status"), "ready");
  EXPECT_EQ(body.at("checks").at("store").at("status"), "ok");
  EXPECT_EQ(body.at("checks").at("peeringdb").at("status"), "ok");

  // The access log: one JSON object per request, never the token.
  const std::string log = server.log();
  EXPECT_EQ(log.find("dev-token-64501"), std::string::npos);
  EXPECT_EQ(log.find("wrong-token"), std::string::npos);
  EXPECT_EQ(log.find("asn=64501"), std::string::npos);
  int access_lines = 0;
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find(R"("log":"access")") == std::string::npos)
      continue;
    ++access_lines;
    const auto parsed = json::parse(line);
    EXPECT_EQ(parsed.at("source"), "127.0.0.1") << line;
    EXPECT_TRUE(parsed.at("duration_us").is_int64()) << line;
    EXPECT_FALSE(parsed.at("endpoint").as_string().empty()) << line;
  }
  EXPECT_GE(access_lines, 9);
  EXPECT_EQ(server.stop(), 0) << server.log();
}

TEST(MetricsProcess, NotReadyWhileThePostgresStoreIsUnreachable) {
  if (const std::string reason = PostgresServer::unavailable_reason(); !reason.empty())
    GTEST_SKIP() << "PostgreSQL tests SKIPPED: " << reason;
  std::string why;
  PostgresServer* postgres = PostgresServer::shared(&why);
  ASSERT_NE(postgres, nullptr) << "cannot start PostgreSQL: " << why;
  TempDir dir;
  const std::string database = PostgresServer::database_for(dir.path());
  ASSERT_TRUE(postgres->create_database(database, &why)) << why;
  std::string text = process_config(dir.path());
  const std::size_t begin = text.find("[store]\n");
  const std::size_t end = text.find("[peeringdb]");
  text = text.substr(0, begin) + "[store]\npostgres = \"" + postgres->uri(database) + "\"\n" +
         text.substr(end);
  ServerProcess server(dir.path(), text);
  ASSERT_TRUE(server.wait_ready()) << server.log();

  // No one may connect to the database, and its open connections are ended.
  auto set_connections = [&](bool allowed) {
    pqxx::connection admin(postgres->uri("postgres"));
    pqxx::nontransaction tx(admin);
    tx.exec("ALTER DATABASE " + tx.quote_name(database) + " ALLOW_CONNECTIONS " +
            (allowed ? "true" : "false"));
    if (!allowed) {
      tx.exec_params("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                     database);
    }
  };
  auto readyz_until = [&](int status) {
    HttpResult last;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      last = http_call(server.port(), "GET", "/readyz", "", "");
      if (last.status == status)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return last;
  };
  set_connections(false);
  const auto down = readyz_until(503);
  ASSERT_EQ(down.status, 503) << down.body;
  EXPECT_EQ(down.headers.count("retry-after"), 1u);
  const auto body = json::parse(down.body);
  EXPECT_EQ(body.at("status"), "not_ready");
  EXPECT_EQ(body.at("checks").at("store").at("status"), "failing");
  EXPECT_EQ(down.body.find(postgres->password()), std::string::npos);
  EXPECT_EQ(down.body.find("127.0.0.1"), std::string::npos) << "no connection details";
  // Liveness is not readiness: the process still serves.
  EXPECT_EQ(http_call(server.port(), "GET", "/healthz", "", "").status, 200);

  set_connections(true);
  EXPECT_EQ(readyz_until(200).status, 200);
  EXPECT_EQ(server.log().find(postgres->password()), std::string::npos);
  EXPECT_EQ(server.stop(), 0) << server.log();
}

}  // namespace
}  // namespace peerapi::testing
