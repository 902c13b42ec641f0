// `peerapi locations | request | status | delete` as an operator runs them, against a real
// `peerapi serve` on port 0 (and an HTTP double for 429/503): human and JSON output, the exit
// codes (0 ok, 1 runtime failure or some refused, 2 usage, 3 all refused), and `--wait` through
// a server restart.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "integration/cli_run.hpp"
#include "integration/server_process.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "support/http_double.hpp"
#include "support/test_support.hpp"
#include "util/clock.hpp"

namespace peerapi::testing {
namespace {

namespace json = boost::json;

std::filesystem::path examples() {
  return source_dir() / "examples/peeringdb";
}

/// Our side: AS64501 with its dev token, the peer AS64500 at `url`, PeeringDB from `snapshot`.
std::string client_config(const std::filesystem::path& dir, const std::string& url,
                          const std::filesystem::path& snapshot = examples(),
                          const std::string& extra = "") {
  return "[server]\nlisten = [\"127.0.0.1:0\"]\n"
         "[network]\nasns = [64501]\ncontact_email = \"noc@as64501.example\"\n"
         "[store]\nsqlite = \"" +
         (dir / "client.db").string() + "\"\n[peeringdb]\nsnapshot_dir = \"" + snapshot.string() +
         "\"\n[outbound]\nallow_loopback = true\n"
         "[client]\ntoken = \"dev-token-64501\"\nmax_retries = 2\nmax_retry_time_ms = 5000\n" +
         extra + "[[client.peers]]\nasn = 64500\nurl = \"" + url + "\"\n";
}

/// The example snapshot copied to `dir`, with `edit` applied to its netixlan rows.
std::filesystem::path edited_examples(const std::filesystem::path& dir,
                                      const std::function<void(json::array&)>& edit) {
  std::filesystem::create_directories(dir);
  for (const auto& entry : std::filesystem::directory_iterator(examples()))
    std::filesystem::copy_file(entry.path(), dir / entry.path().filename());
  json::value doc = json::parse(read_file(dir / "netixlan.json"));
  edit(doc.as_object()["data"].as_array());
  write_file(dir / "netixlan.json", json::serialize(doc));
  return dir;
}

class ClientCli : public ::testing::Test {
 protected:
  void SetUp() override {
    server = std::make_unique<ServerProcess>(dir.path(), process_config(dir.path()));
    ASSERT_TRUE(server->wait_ready()) << server->log();
    url = "http://127.0.0.1:" + std::to_string(server->port());
    config = (dir.path() / "client.toml").string();
    write_file(config, client_config(dir.path(), url));
  }

  CliRun run(const std::string& args) { return run_peerapi(args); }

  /// The server's sessions of AS64501.
  json::array server_sessions() {
    auto answer = http_call(server->port(), "GET", "/sessions?asn=64501");
    return json::parse(answer.body).as_object()["sessions"].as_array();
  }

  TempDir dir;
  std::unique_ptr<ServerProcess> server;
  std::string url;
  std::string config;
};

TEST_F(ClientCli, LocationsAgreeWithLocalPeeringDb) {
  auto human = run("locations --config " + config + " AS64500");
  ASSERT_EQ(human.status, 0) << human.err;
  EXPECT_NE(
      human.out.find("peer AS64500: " + url + " (found by manual discovery: client.peers[0])"),
      std::string::npos)
      << human.out;
  EXPECT_NE(human.out.find("pdb:ix:1     DOC-IX Frankfurt  [peer API, local PeeringDB]"),
            std::string::npos)
      << human.out;
  EXPECT_NE(human.out.find("ours:   192.0.2.11 2001:db8:ffff::11"), std::string::npos);
  EXPECT_NE(human.out.find("the peer's API and local PeeringDB agree"), std::string::npos);

  auto machine = run("locations --config " + config + " 64500 --json");
  ASSERT_EQ(machine.status, 0) << machine.err;
  const json::object doc = json::parse(machine.out).as_object();
  EXPECT_EQ(doc.at("peer").at("origin").as_string(), "manual");
  const json::array& list = doc.at("locations").as_array();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[2].at("id").as_string(), "pdb:fac:1");
  for (const auto& location : list)
    EXPECT_TRUE(location.at("differences").as_array().empty()) << json::serialize(location);
}

TEST_F(ClientCli, LocationsShowWhereLocalDataDiffers) {
  const auto snapshot = edited_examples(dir.path() / "stale-pdb", [](json::array& rows) {
    for (auto& row : rows) {
      const json::value& ip = row.at("ipaddr4");
      if (ip.is_string() && ip.as_string() == "198.51.100.11")
        row.as_object()["ipaddr4"] = "198.51.100.99";
    }
  });
  write_file(config, client_config(dir.path(), url, snapshot));
  auto human = run("locations --config " + config + " AS64500");
  ASSERT_EQ(human.status, 0) << human.err;
  EXPECT_NE(human.out.find("differs: our addresses only in local PeeringDB: 198.51.100.99"),
            std::string::npos)
      << human.out;
  EXPECT_NE(human.out.find("differs: our addresses only in the peer's API: 198.51.100.11"),
            std::string::npos);
  EXPECT_NE(human.out.find("1 location(s) differ"), std::string::npos);
}

TEST_F(ClientCli, RequestDryRunSendAndRepeat) {
  auto dry = run("request --config " + config + " AS64500 --dry-run");
  ASSERT_EQ(dry.status, 0) << dry.err;
  EXPECT_NE(dry.out.find("4 session(s) planned from local PeeringDB (AS64501 -> AS64500, "
                         "role peer/peer)"),
            std::string::npos)
      << dry.out;
  EXPECT_NE(dry.out.find("pdb:ix:2     IPv6  2001:db8:fffe::11 -> 2001:db8:fffe::10"),
            std::string::npos);
  EXPECT_NE(dry.out.find("dry run: nothing sent"), std::string::npos);
  EXPECT_TRUE(server_sessions().empty());

  auto sent = run("request --config " + config + " AS64500 --secret s3cret-Key --json");
  ASSERT_EQ(sent.status, 0) << sent.err;
  const json::object doc = json::parse(sent.out).as_object();
  EXPECT_EQ(doc.at("http_status").as_int64(), 200);
  ASSERT_EQ(doc.at("accepted").as_array().size(), 4u);
  EXPECT_TRUE(doc.at("rejected").as_array().empty());
  EXPECT_EQ(sent.out.find("s3cret-Key"), std::string::npos) << "the secret is never printed";
  EXPECT_EQ(server_sessions().size(), 4u);

  // The same sessions again: every one a duplicate, refused (422), exit 3.
  auto again = run("request --config " + config + " AS64500");
  EXPECT_EQ(again.status, 3) << again.out << again.err;
  EXPECT_NE(again.out.find("0 accepted, 4 rejected"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("sessions[3]: duplicate_session"), std::string::npos);
  EXPECT_NE(again.out.find("contact peering@example.net"), std::string::npos);

  auto only_v6 = run("request --config " + config +
                     " AS64500 --family 6 --location pdb:ix:1 "
                     "--dry-run --json");
  ASSERT_EQ(only_v6.status, 0) << only_v6.err;
  const json::array planned = json::parse(only_v6.out).at("planned").as_array();
  ASSERT_EQ(planned.size(), 1u);
  EXPECT_EQ(planned[0].at("local_ip").as_string(), "2001:db8:ffff::11");
}

TEST_F(ClientCli, PartlyRefusedRequestExitsOne) {
  // Local PeeringDB (stale) gives us a second port at DOC-IX Frankfurt the server does not know.
  const auto snapshot = edited_examples(dir.path() / "pdb", [](json::array& rows) {
    json::object extra = rows[3].as_object();  // AS64501 at pdb:ix:1
    extra["id"] = 100;
    extra["ipaddr4"] = "192.0.2.99";
    extra["ipaddr6"] = "2001:db8:ffff::99";
    rows.push_back(extra);
  });
  write_file(config, client_config(dir.path(), url, snapshot));
  auto partial = run("request --config " + config + " AS64500 --location pdb:ix:1");
  EXPECT_EQ(partial.status, 1) << partial.out << partial.err;
  EXPECT_NE(partial.out.find("2 accepted, 2 rejected"), std::string::npos) << partial.out;
  EXPECT_NE(partial.out.find("rejected #1  pdb:ix:1 192.0.2.99 -> 192.0.2.10"), std::string::npos)
      << partial.out;
  EXPECT_NE(partial.out.find("sessions[1].local_ip: ip_not_caller_address"), std::string::npos);
}

TEST_F(ClientCli, StatusAndDelete) {
  auto sent = run("request --config " + config + " AS64500 --json");
  ASSERT_EQ(sent.status, 0) << sent.err;
  const json::object doc = json::parse(sent.out).as_object();
  const std::string request_id(doc.at("request_id").as_string());
  std::vector<std::string> ids;
  for (const auto& s : doc.at("accepted").as_array())
    ids.emplace_back(s.at("session_id").as_string());
  ASSERT_EQ(ids.size(), 4u);

  auto by_request = run("status --config " + config + " --request-id " + request_id + " --json");
  ASSERT_EQ(by_request.status, 0) << by_request.err;
  EXPECT_EQ(json::parse(by_request.out).at("sessions").as_array().size(), 4u);

  auto one = run("delete --config " + config + " " + ids[0]);
  ASSERT_EQ(one.status, 0) << one.err;
  EXPECT_EQ(one.out, ids[0] + ": deleted\n");

  const std::string unknown = "0190f1e2-0000-7000-8000-000000000000";
  auto batch =
      run("delete --config " + config + " --peer AS64500 " + ids[1] + " " + ids[2] + " " + unknown);
  EXPECT_EQ(batch.status, 1) << "one id was unknown";
  EXPECT_NE(batch.out.find(ids[1] + ": deleted"), std::string::npos) << batch.out;
  EXPECT_NE(batch.out.find(ids[2] + ": deleted"), std::string::npos);
  EXPECT_NE(batch.err.find(unknown), std::string::npos) << batch.err;
  EXPECT_NE(batch.err.find("not_found"), std::string::npos) << batch.err;

  auto shown = run("status --config " + config + " " + ids[0] + " " + ids[3]);
  ASSERT_EQ(shown.status, 0) << shown.err;
  EXPECT_NE(shown.out.find(ids[0] + "  deleted "), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find(ids[3] + "  approved "), std::string::npos);
  EXPECT_NE(shown.out.find("2 session(s): 1 approved, 1 deleted"), std::string::npos);

  auto all = run("status --config " + config);
  ASSERT_EQ(all.status, 0) << all.err;
  EXPECT_NE(all.out.find("4 session(s): 1 approved, 3 deleted"), std::string::npos) << all.out;

  auto missing = run("status --config " + config + " " + unknown);
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("HTTP 404"), std::string::npos) << missing.err;

  // With two peers configured, --peer is needed.
  write_file(config,
             client_config(dir.path(), url, examples(),
                           "[[client.peers]]\nasn = 64510\nurl = \"https://rs.example\"\n"));
  auto ambiguous = run("status --config " + config);
  EXPECT_EQ(ambiguous.status, 2);
  EXPECT_NE(ambiguous.err.find("peerapi status: --peer: "), std::string::npos) << ambiguous.err;
}

TEST_F(ClientCli, UsageAndRuntimeFailures) {
  struct Row {
    std::string args;
    int status;
    std::string message;
  };
  write_file(dir.path() / "bad.toml", "[client]\nmax_retries = 99\n");
  for (const Row& row : std::vector<Row>{
           {"request --config " + (dir.path() / "bad.toml").string() + " AS64500", 2,
            "client.max_retries"},
           {"request --config " + config + " ASX", 2, "peerapi request: peer_asn: "},
           {"request --config " + config + " AS64500 --location ix:1", 2,
            "peerapi request: --location: "},
           {"request --config " + config + " AS64500 --location pdb:ix:3", 2,
            "do not both have a port there"},
           {"request --config " + config + " AS64500 --location pdb:fac:1", 2, "private peering"},
           {"request --config " + config + " AS64500 --family 5", 2, "--family"},
           {"request --config " + config + " AS64500 --timeout 5", 2, "--wait"},
           {"request --config " + config + " AS64500 --secret 'has space'", 2,
            "peerapi request: --secret: "},
           {"request --config " + config + " AS64500 --role boss", 2, "peerapi request: --role"},
           {"request --config " + config + " AS64502", 1,
            "no Peering API endpoint known for AS64502"},
           {"locations --config " + config + " AS64503", 1, "asked: manual"},
           {"delete --config " + config + " not-a-uuid", 2, "peerapi delete: session_id: "},
           {"status --config " + config + " --request-id 1 x", 2, ""},
       }) {
    auto result = run(row.args);
    EXPECT_EQ(result.status, row.status) << row.args << "\n" << result.err;
    EXPECT_NE(result.err.find(row.message), std::string::npos) << row.args << "\n" << result.err;
  }
  auto help = run("request --help");
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("3 every session refused"), std::string::npos) << help.out;
}

TEST(ClientCliDouble, RateLimitedAnswersAreRetriedOrReported) {
  TempDir dir;
  HttpDouble peer;
  const std::string config = (dir.path() / "client.toml").string();
  write_file(config, client_config(dir.path(), peer.origin()));

  auto calls = std::make_shared<std::atomic<int>>(0);
  peer.set_handler("/sessions", [calls](const RecordedRequest&) {
    if ((*calls)++ == 0)
      return json_response(R"({"errors": [{"name": "", "code": "unavailable",
                                "errors": ["restarting"]}]})",
                           503, {{"Retry-After", "1"}});
    return json_response(R"({"sessions": []})");
  });
  const auto started = std::chrono::steady_clock::now();
  auto waited = run_peerapi("status --config " + config);
  EXPECT_EQ(waited.status, 0) << waited.err;
  EXPECT_NE(waited.out.find("0 session(s)"), std::string::npos) << waited.out;
  EXPECT_EQ(peer.hits("/sessions"), 2);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(950))
      << "Retry-After: 1 was honoured";

  peer.set("/sessions", json_response(R"({"errors": [{"name": "", "code": "rate_limited",
                                          "errors": ["too many requests"]}]})",
                                      429, {{"Retry-After", "3600"}}));
  auto limited = run_peerapi("status --config " + config);
  EXPECT_EQ(limited.status, 1);
  EXPECT_NE(limited.err.find("peerapi status: HTTP 429: too many requests (rate_limited)"),
            std::string::npos)
      << limited.err;
  EXPECT_NE(limited.err.find("the peer asks to retry after 3600 s"), std::string::npos);
  EXPECT_EQ(peer.hits("/sessions"), 3) << "a wait beyond the budget is not attempted";
}

TEST(ClientCliRestart, WaitFollowsTheSessionsThroughAServerRestart) {
  TempDir dir;
  const std::string server_config = process_config(dir.path());
  auto first = std::make_unique<ServerProcess>(dir.path(), server_config);
  ASSERT_TRUE(first->wait_ready()) << first->log();
  const int port = first->port();
  const std::string config = (dir.path() / "client.toml").string();
  write_file(config, client_config(dir.path(), "http://127.0.0.1:" + std::to_string(port)));

  CliRun waited;
  std::jthread operator_shell([&] {
    waited =
        run_peerapi("request --config " + config + " AS64500 --wait --timeout 45 --interval 0.2");
  });
  // Once the sessions exist, take the server down for a while.
  std::vector<std::string> ids;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (ids.empty() && std::chrono::steady_clock::now() < deadline) {
    auto answer = http_call(port, "GET", "/sessions?asn=64501");
    if (answer.status == 200) {
      const json::value listed = json::parse(answer.body);
      for (const auto& s : listed.at("sessions").as_array())
        ids.emplace_back(s.at("session_id").as_string());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(ids.size(), 4u);
  first->kill_hard();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));

  std::string restarted_config = server_config;
  restarted_config.replace(restarted_config.find("127.0.0.1:0"), 11,
                           "127.0.0.1:" + std::to_string(port));
  ServerProcess second(dir.path(), restarted_config);
  ASSERT_TRUE(second.wait_ready()) << second.log();

  // The sessions come up on the peer's side: its lifecycle, played here on its store.
  util::SecureRandom random;
  auto store = store::SqliteStore::open(dir.path() / "peerapi.db", random);
  ASSERT_TRUE(store.has_value()) << store.error().message;
  const util::SystemClock clock;
  const model::SessionStatus approved[] = {model::SessionStatus::approved};
  const model::SessionStatus configured[] = {model::SessionStatus::configured};
  for (const auto& text : ids) {
    const auto id = *model::Uuid::parse(text);
    auto up = (*store)->transition(id, approved, model::SessionStatus::configured, "test",
                                   "configured", clock.now_ms());
    ASSERT_TRUE(up && *up) << text;
    up = (*store)->transition(id, configured, model::SessionStatus::established, "test", "up",
                              clock.now_ms());
    ASSERT_TRUE(up && *up) << text;
  }
  operator_shell.join();
  EXPECT_EQ(waited.status, 0) << waited.out << waited.err;
  EXPECT_NE(waited.out.find("all 4 session(s) established"), std::string::npos) << waited.out;
  EXPECT_NE(waited.err.find("no [router] in the configuration: --wait follows the peer's status "
                            "only"),
            std::string::npos);
  EXPECT_NE(waited.err.find("peer unreachable"), std::string::npos) << waited.err;
  EXPECT_NE(waited.err.find("still waiting"), std::string::npos);
  EXPECT_NE(waited.err.find("4 established"), std::string::npos) << waited.err;
}

TEST(ClientCliRestart, WaitTimesOutWithExitOne) {
  TempDir dir;
  ServerProcess server(dir.path(), process_config(dir.path()));
  ASSERT_TRUE(server.wait_ready()) << server.log();
  const std::string config = (dir.path() / "client.toml").string();
  write_file(config,
             client_config(dir.path(), "http://127.0.0.1:" + std::to_string(server.port())));
  auto waited = run_peerapi("request --config " + config +
                            " AS64500 --family 4 --wait --timeout 1 --interval 0.2 --json");
  EXPECT_EQ(waited.status, 1) << waited.err;
  const json::object doc = json::parse(waited.out).as_object();
  EXPECT_TRUE(doc.at("wait").at("timed_out").as_bool());
  EXPECT_FALSE(doc.at("wait").at("all_established").as_bool());
  ASSERT_EQ(doc.at("wait").at("sessions").as_array().size(), 2u);
  EXPECT_EQ(doc.at("wait").at("sessions").as_array()[0].at("status").as_string(), "approved");
  EXPECT_FALSE(doc.at("wait").at("our_router").as_bool());
  EXPECT_NE(std::string(doc.at("wait").at("note").as_string()).find("no [router]"),
            std::string::npos);
  EXPECT_FALSE(doc.at("wait").at("sessions").as_array()[0].as_object().contains("our_status"));
}

}  // namespace
}  // namespace peerapi::testing
