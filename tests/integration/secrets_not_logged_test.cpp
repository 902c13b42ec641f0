// No credential or session secret reaches an operator's eyes: a real server at log level debug
// (with the access log, in text and in JSON format) is sent session secrets, an md5 alias, a
// bearer token, a bad token and secrets inside invalid and rejected sessions; the client CLI sends
// one too. None of them may appear in the server's stderr, in `peerapi audit --json`, or in the
// client commands' output. The audit log must still hold one entry per state-changing call with
// the right principal, decision and status.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <vector>

#include "integration/cli_run.hpp"
#include "integration/server_process.hpp"
#include "support/test_support.hpp"

namespace peerapi::testing {
namespace {

namespace json = boost::json;

constexpr std::string_view kToken = "dev-token-64501";
constexpr std::string_view kSecret = "Audit-Secret-Alpha-7f3c";
constexpr std::string_view kMd5 = "Audit-Md5-Bravo-91d2";
constexpr std::string_view kBadToken = "Bogus-Token-Charlie-55aa";
constexpr std::string_view kInvalidSecret = "Delta Invalid Secret 3e";  // a space: refused
constexpr std::string_view kRejectedSecret = "Echo-Secret-In-Rejected-4b";
constexpr std::string_view kClientSecret = "Client-Cli-Foxtrot-8c";

std::string session(std::string_view local_ip, std::string_view peer_ip,
                    std::string_view secret_key, std::string_view secret) {
  return R"({"local_asn":64501,"local_ip":")" + std::string(local_ip) +
         R"(","peer_asn":64500,"peer_ip":")" + std::string(peer_ip) +
         R"(","location":"pdb:ix:1",")" + std::string(secret_key) + R"(":")" + std::string(secret) +
         R"("})";
}

std::string body(const std::string& one_session) {
  return R"({"sessions":[)" + one_session + "]}";
}

std::string bearer(std::string_view token) {
  return "Bearer " + std::string(token);
}

class SecretsNotLogged : public ::testing::TestWithParam<std::string> {};

TEST_P(SecretsNotLogged, NoSecretOrTokenInLogsAuditOrClientOutput) {
  TempDir dir;
  const std::string config = process_config(dir.path()) + "[log]\nlevel = \"debug\"\nformat = \"" +
                             GetParam() + "\"\naccess = true\n";
  ServerProcess server(dir.path(), config);
  ASSERT_TRUE(server.wait_ready()) << server.log();
  const int port = server.port();

  // 1, 2: accepted sessions carrying a session_secret and an md5 alias.
  const HttpResult v4 = http_call(
      port, "POST", "/sessions",
      body(session("192.0.2.11", "192.0.2.10", "session_secret", kSecret)), bearer(kToken));
  ASSERT_EQ(v4.status, 200) << v4.body;
  const HttpResult v6 = http_call(
      port, "POST", "/sessions",
      body(session("2001:db8:ffff::11", "2001:db8:ffff::10", "md5", kMd5)), bearer(kToken));
  ASSERT_EQ(v6.status, 200) << v6.body;
  const std::string v4_id(
      json::parse(v4.body).at("sessions").as_array().at(0).at("session_id").as_string());
  const std::string v6_id(
      json::parse(v6.body).at("sessions").as_array().at(0).at("session_id").as_string());
  // 3: a token the server does not know.
  const HttpResult unknown = http_call(
      port, "POST", "/sessions",
      body(session("192.0.2.11", "192.0.2.10", "session_secret", kSecret)), bearer(kBadToken));
  ASSERT_EQ(unknown.status, 401) << unknown.body;
  // 4: an invalid secret; 5: a valid secret in a session the policy rejects.
  const HttpResult invalid = http_call(
      port, "POST", "/sessions",
      body(session("192.0.2.11", "192.0.2.10", "session_secret", kInvalidSecret)), bearer(kToken));
  ASSERT_EQ(invalid.status, 400) << invalid.body;
  const HttpResult rejected =
      http_call(port, "POST", "/sessions",
                body(session("203.0.113.99", "192.0.2.10", "session_secret", kRejectedSecret)),
                bearer(kToken));
  ASSERT_EQ(rejected.status, 422) << rejected.body;
  // 6, 7: deletions.
  const HttpResult deleted = http_call(port, "DELETE", "/sessions/" + v4_id, "", bearer(kToken));
  ASSERT_EQ(deleted.status, 204) << deleted.body;
  const HttpResult batch =
      http_call(port, "DELETE", "/sessions", R"({"sessions":[{"session_id":")" + v6_id + R"("}]})",
                bearer(kToken));
  ASSERT_EQ(batch.status, 200) << batch.body;

  // 8: the client CLI, with its token in its configuration and a secret on its command line.
  const std::string client_config = (dir.path() / "client.toml").string();
  write_file(client_config,
             "[server]\nlisten = [\"127.0.0.1:0\"]\n[network]\nasns = [64501]\n"
             "contact_email = \"noc@as64501.example\"\n[store]\nsqlite = \"" +
                 (dir.path() / "client.db").string() + "\"\n[peeringdb]\nsnapshot_dir = \"" +
                 (source_dir() / "examples/peeringdb").string() +
                 "\"\n[outbound]\nallow_loopback = true\n[client]\ntoken = \"" +
                 std::string(kToken) + "\"\n[[client.peers]]\nasn = 64500\nurl = \"" +
                 "http://127.0.0.1:" + std::to_string(port) + "\"\n");
  std::vector<CliRun> client_runs;
  client_runs.push_back(run_peerapi("request --config " + client_config + " AS64500 --secret " +
                                    std::string(kClientSecret)));
  ASSERT_EQ(client_runs.back().status, 0) << client_runs.back().err;
  client_runs.push_back(run_peerapi("request --config " + client_config + " AS64500 --secret " +
                                    std::string(kClientSecret) + " --json"));
  client_runs.push_back(run_peerapi("status --config " + client_config));
  client_runs.push_back(run_peerapi("status --config " + client_config + " --json"));

  const CliRun audit = run_peerapi("audit --config " + (dir.path() / "peerapi.toml").string() +
                                   " --json --limit 1000");
  ASSERT_EQ(audit.status, 0) << audit.err;
  server.stop();
  const std::string log = server.log();
  ASSERT_NE(log.find("/sessions"), std::string::npos) << "debug and access logging ran: " << log;

  for (std::string_view secret :
       {kToken, kSecret, kMd5, kBadToken, kInvalidSecret, kRejectedSecret, kClientSecret}) {
    SCOPED_TRACE(secret);
    EXPECT_EQ(log.find(secret), std::string::npos) << log;
    EXPECT_EQ(audit.out.find(secret), std::string::npos) << audit.out;
    EXPECT_EQ(audit.err.find(secret), std::string::npos) << audit.err;
    for (const CliRun& run : client_runs) {
      EXPECT_EQ(run.out.find(secret), std::string::npos) << run.out;
      EXPECT_EQ(run.err.find(secret), std::string::npos) << run.err;
    }
  }

  // One entry per state-changing call, in order.
  std::vector<json::object> entries;
  for (const std::string& line : audit.lines())
    entries.push_back(json::parse(line).as_object());
  ASSERT_GE(entries.size(), 8u) << audit.out;
  struct Expected {
    std::string action;
    std::string subject;
    int status;
    std::string decision;
    std::string reason;  // one reason it must have; "" for none
  };
  const Expected expected[] = {
      {"create_sessions", "noc@as64501.example", 200, "accepted", ""},
      {"create_sessions", "noc@as64501.example", 200, "accepted", ""},
      {"create_sessions", "", 401, "refused", "Authorization:invalid_token"},
      {"create_sessions", "noc@as64501.example", 400, "refused",
       "sessions[0].session_secret:invalid_secret"},
      {"create_sessions", "noc@as64501.example", 422, "rejected", "sessions:all_rejected"},
      {"delete_session", "noc@as64501.example", 204, "deleted", ""},
      {"delete_sessions", "noc@as64501.example", 200, "deleted", ""},
      {"create_sessions", "noc@as64501.example", 200, "accepted", ""},
  };
  for (std::size_t i = 0; i < std::size(expected); ++i) {
    SCOPED_TRACE("entry " + std::to_string(i) + ": " + json::serialize(entries[i]));
    const json::object& e = entries[i];
    EXPECT_EQ(e.at("action").as_string(), expected[i].action);
    EXPECT_EQ(e.at("subject").as_string(), expected[i].subject);
    EXPECT_EQ(e.at("status").as_int64(), expected[i].status);
    EXPECT_EQ(e.at("decision").as_string(), expected[i].decision);
    EXPECT_EQ(e.at("source_address").as_string(), "127.0.0.1");
    const json::array& asns = e.at("asns").as_array();
    if (expected[i].subject.empty()) {
      EXPECT_TRUE(asns.empty());
    } else {
      ASSERT_EQ(asns.size(), 1u);
      EXPECT_EQ(asns[0].as_int64(), 64501);
    }
    if (!expected[i].reason.empty()) {
      bool found = false;
      for (const json::value& reason : e.at("reasons").as_array())
        found = found || reason.as_string() == expected[i].reason;
      EXPECT_TRUE(found) << "missing reason " << expected[i].reason;
    }
  }
  EXPECT_EQ(entries[0].at("session_ids").as_array().at(0).as_string(), v4_id);
  EXPECT_FALSE(entries[0].at("request_id").as_string().empty());
  EXPECT_EQ(entries[5].at("session_ids").as_array().at(0).as_string(), v4_id);
  EXPECT_EQ(entries[6].at("session_ids").as_array().at(0).as_string(), v6_id);
}

INSTANTIATE_TEST_SUITE_P(LogFormats, SecretsNotLogged, ::testing::Values("text", "json"));

}  // namespace
}  // namespace peerapi::testing
