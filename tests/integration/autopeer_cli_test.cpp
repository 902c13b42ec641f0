// `peerapi autopeer` and `peerapi token` as an operator runs them, against a real `peerapi serve`
// on port 0 (AS64500 with the example PeeringDB data; we are AS64501) and, for tokens, a loopback
// token endpoint double. Human and JSON output, the state file across runs, and the exit codes
// (0 ok, 1 runtime failure, 2 bad usage or configuration).
#include <sys/file.h>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "integration/cli_run.hpp"
#include "integration/server_process.hpp"
#include "support/http_double.hpp"
#include "support/test_support.hpp"

namespace peerapi::testing {
namespace {

namespace json = boost::json;

constexpr const char* kClientSecret = "idp-Secret-64501";
constexpr const char* kAudience = "peerapi-test-audience";

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  return text;
}

/// Our side (AS64501): the example PeeringDB data, the peer AS64500 at `url`, `client` keys
/// (a token source) and the [client.autopeer] table `autopeer`.
std::string client_config(const std::filesystem::path& dir, const std::string& url,
                          const std::string& client, const std::string& autopeer) {
  return "[server]\nlisten = [\"127.0.0.1:0\"]\n"
         "[network]\nasns = [64501]\ncontact_email = \"noc@as64501.example\"\n"
         "[store]\nsqlite = \"" +
         (dir / "client.db").string() + "\"\n[peeringdb]\nsnapshot_dir = \"" +
         (source_dir() / "examples/peeringdb").string() +
         "\"\n[outbound]\nallow_loopback = true\n"
         "[client]\nmax_retries = 1\nmax_retry_time_ms = 2000\n" +
         client + "[[client.peers]]\nasn = 64500\nurl = \"" + url + "\"\n" + autopeer;
}

class AutopeerCli : public ::testing::Test {
 protected:
  void SetUp() override {
    key = (dir.path() / "dev-idp.jwk").string();
    ASSERT_EQ(run_peerapi("dev-idp keygen --out " + key).status, 0);
    auto jwks = run_peerapi("dev-idp jwks --key " + key);
    ASSERT_EQ(jwks.status, 0);
    write_file(dir.path() / "jwks.json", jwks.out);
    server = std::make_unique<ServerProcess>(
        dir.path(), process_config(dir.path()) +
                        "[[auth.issuers]]\nissuer = \"https://dev-idp.example\"\naudience = \"" +
                        kAudience + "\"\njwks_file = \"" + (dir.path() / "jwks.json").string() +
                        "\"\nalgorithms = [\"EdDSA\"]\n");
    ASSERT_TRUE(server->wait_ready()) << server->log();
    url = "http://127.0.0.1:" + std::to_string(server->port());
    state = (dir.path() / "state" / "autopeer.json").string();
    std::filesystem::create_directories(dir.path() / "state");
    config = (dir.path() / "client.toml").string();
    write_config();
  }

  void write_config(const std::string& autopeer_extra = "",
                    const std::string& client = "token = \"dev-token-64501\"\n",
                    const std::string& peer_url = "") {
    write_file(config, client_config(
                           dir.path(), peer_url.empty() ? url : peer_url, client,
                           "[client.autopeer]\nstate_file = \"" + state + "\"\n" + autopeer_extra));
  }

  /// A dev token for AS64501 that the server accepts.
  std::string dev_token() {
    auto minted = run_peerapi("dev-idp token --key " + key + " --asn 64501 --audience " +
                              std::string(kAudience));
    EXPECT_EQ(minted.status, 0) << minted.err;
    return trimmed(minted.out);
  }

  json::array server_sessions() {
    auto answer = http_call(server->port(), "GET", "/sessions?asn=64501");
    return json::parse(answer.body).as_object()["sessions"].as_array();
  }

  std::string idp_keys(const std::string& endpoint, const std::string& extra = "") {
    return "[client.idp]\ntoken_endpoint = \"" + endpoint +
           "\"\nclient_id = \"peerapi-as64501\"\nclient_secret = \"" + kClientSecret + "\"\n" +
           extra;
  }

  TempDir dir;
  std::string key;
  std::unique_ptr<ServerProcess> server;
  std::string url;
  std::string state;
  std::string config;
};

/// reason by ASN of a JSON run.
std::map<std::int64_t, std::string> reasons(const json::object& doc) {
  std::map<std::int64_t, std::string> out;
  for (const auto& s : doc.at("skipped").as_array())
    out[s.at("asn").as_int64()] = std::string(s.at("reason").as_string());
  return out;
}

TEST_F(AutopeerCli, DryRunApplyBackOffAndAlreadyPeering) {
  auto dry = run_peerapi("autopeer --config " + config);
  ASSERT_EQ(dry.status, 0) << dry.out << dry.err;
  EXPECT_NE(dry.out.find("autopeer AS64501 (dry run): 4 network(s) at pdb:ix:1, pdb:ix:2"),
            std::string::npos)
      << dry.out;
  EXPECT_NE(dry.out.find("ask       AS64500   Example Transit: 4 session(s) at pdb:ix:1 "
                         "pdb:ix:2 via " +
                         url + " (manual discovery: client.peers[0])"),
            std::string::npos)
      << dry.out;
  EXPECT_NE(dry.out.find("skip      AS64502   Example Content: not_open: its PeeringDB general "
                         "peering policy is Selective"),
            std::string::npos);
  EXPECT_NE(dry.out.find("skip      AS64510   DOC-IX Route Servers: no_endpoint"),
            std::string::npos);
  EXPECT_NE(dry.out.find("1 network(s) to ask, 3 skipped; dry run: nothing sent"),
            std::string::npos);
  EXPECT_TRUE(server_sessions().empty());
  EXPECT_FALSE(std::filesystem::exists(state)) << "a dry run writes no state";

  auto dry_json = run_peerapi("autopeer --config " + config + " --dry-run --json");
  ASSERT_EQ(dry_json.status, 0) << dry_json.err;
  const json::object planned = json::parse(dry_json.out).as_object();
  EXPECT_TRUE(planned.at("dry_run").as_bool());
  EXPECT_EQ(planned.at("considered").as_int64(), 4);
  ASSERT_EQ(planned.at("candidates").as_array().size(), 1u);
  const json::object& candidate = planned.at("candidates").as_array()[0].as_object();
  EXPECT_EQ(candidate.at("asn").as_int64(), 64500);
  EXPECT_EQ(candidate.at("sessions").as_array().size(), 4u);
  EXPECT_FALSE(candidate.contains("result"));
  EXPECT_EQ(reasons(planned),
            (std::map<std::int64_t, std::string>{
                {64502, "not_open"}, {64503, "not_open"}, {64510, "no_endpoint"}}));

  auto applied = run_peerapi("autopeer --config " + config + " --apply --json");
  ASSERT_EQ(applied.status, 0) << applied.out << applied.err;
  const json::object done = json::parse(applied.out).as_object();
  EXPECT_FALSE(done.at("dry_run").as_bool());
  EXPECT_TRUE(done.at("state_written").as_bool());
  const json::object& result =
      done.at("candidates").as_array()[0].as_object().at("result").as_object();
  EXPECT_EQ(result.at("outcome").as_string(), "accepted");
  EXPECT_EQ(result.at("accepted").as_int64(), 4);
  EXPECT_EQ(server_sessions().size(), 4u);
  const json::object saved = json::parse(read_file(state)).as_object();
  ASSERT_EQ(saved.at("networks").as_array().size(), 1u);
  const json::object& record = saved.at("networks").as_array()[0].as_object();
  EXPECT_EQ(record.at("asn").as_int64(), 64500);
  EXPECT_EQ(record.at("outcome").as_string(), "accepted");
  EXPECT_EQ(record.at("request_id"), result.at("request_id"));

  auto again = run_peerapi("autopeer --config " + config + " --apply");
  ASSERT_EQ(again.status, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("AS64500   Example Transit: backed_off: asked "), std::string::npos)
      << again.out;
  EXPECT_NE(again.out.find("0 network(s) asked, 4 skipped; state written to " + state),
            std::string::npos);
  EXPECT_EQ(server_sessions().size(), 4u) << "nothing asked twice";

  // Once the back-off has passed (here: the state is gone), the peer's API says we peer.
  std::filesystem::remove(state);
  auto peering = run_peerapi("autopeer --config " + config + " --apply --json");
  ASSERT_EQ(peering.status, 0) << peering.err;
  const json::object doc = json::parse(peering.out).as_object();
  EXPECT_TRUE(doc.at("candidates").as_array().empty());
  EXPECT_EQ(reasons(doc).at(64500), "already_peering");
  EXPECT_EQ(server_sessions().size(), 4u);
}

TEST_F(AutopeerCli, OutboundPolicyFromTheConfiguration) {
  write_config("ixs = [\"pdb:ix:2\"]\nfamilies = [6]\n");
  auto narrowed = run_peerapi("autopeer --config " + config + " --json");
  ASSERT_EQ(narrowed.status, 0) << narrowed.err;
  const json::object doc = json::parse(narrowed.out).as_object();
  EXPECT_EQ(doc.at("exchanges"), json::parse(R"(["pdb:ix:2"])"));
  const json::array& sessions =
      doc.at("candidates").as_array()[0].as_object().at("sessions").as_array();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].at("local_ip").as_string(), "2001:db8:fffe::11");

  write_config("deny_asns = [64500]\nmax_prefixes4 = 5\n");
  auto denied = run_peerapi("autopeer --config " + config + " --json");
  ASSERT_EQ(denied.status, 0) << denied.err;
  EXPECT_EQ(reasons(json::parse(denied.out).as_object()).at(64500), "policy");

  write_config("max_prefixes4 = 5\n");
  auto big = run_peerapi("autopeer --config " + config);
  ASSERT_EQ(big.status, 0) << big.err;
  EXPECT_NE(big.out.find("AS64500   Example Transit: policy: it announces 20 IPv4 prefixes, "
                         "more than max_prefixes4 = 5"),
            std::string::npos)
      << big.out;
}

TEST_F(AutopeerCli, FailuresAndTheirExitCodes) {
  auto both = run_peerapi("autopeer --config " + config + " --apply --dry-run");
  EXPECT_EQ(both.status, 2) << both.err;

  write_file(config, client_config(dir.path(), url, "token = \"dev-token-64501\"\n", ""));
  auto no_table = run_peerapi("autopeer --config " + config);
  EXPECT_EQ(no_table.status, 2);
  EXPECT_NE(no_table.err.find("client.autopeer"), std::string::npos) << no_table.err;

  write_config("backoff_hours = -1\n");
  auto bad_key = run_peerapi("autopeer --config " + config);
  EXPECT_EQ(bad_key.status, 2);
  EXPECT_NE(bad_key.err.find("client.autopeer.backoff_hours"), std::string::npos) << bad_key.err;

  write_config();
  write_file(state, R"({"version": 1, "networks": [{"asn": 64500, "outcome": "sure"}]})");
  auto corrupt = run_peerapi("autopeer --config " + config + " --apply");
  EXPECT_EQ(corrupt.status, 2);
  EXPECT_NE(corrupt.err.find(state + ": networks[0].last_asked"), std::string::npos) << corrupt.err;
  EXPECT_TRUE(server_sessions().empty());
  std::filesystem::remove(state);

  // Another run holds the lock: --apply refuses to start; a dry run needs no lock.
  const int fd = ::open((state + ".lock").c_str(), O_RDWR | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  auto locked = run_peerapi("autopeer --config " + config + " --apply");
  EXPECT_EQ(locked.status, 1);
  EXPECT_NE(locked.err.find("another autopeer run holds the lock"), std::string::npos)
      << locked.err;
  EXPECT_EQ(run_peerapi("autopeer --config " + config).status, 0);
  ::close(fd);

  // The peer's API is down: it cannot be checked, so it is not asked; exit 1.
  write_config("", "token = \"dev-token-64501\"\n", "http://127.0.0.1:1");
  auto unreachable = run_peerapi("autopeer --config " + config + " --apply --json");
  EXPECT_EQ(unreachable.status, 1) << unreachable.err;
  const json::object doc = json::parse(unreachable.out).as_object();
  EXPECT_EQ(reasons(doc).at(64500), "check_failed");
  EXPECT_TRUE(json::parse(read_file(state)).at("networks").as_array().empty())
      << "nobody was asked";

  // The peer answers GET but refuses POST with 403: a failed outcome, recorded, exit 1.
  HttpDouble peer;
  peer.set_handler("/sessions", [](const RecordedRequest& r) {
    if (r.method == "GET")
      return json_response(R"({"sessions": []})");
    return json_response(R"({"errors": [{"name": "", "code": "forbidden",
                             "errors": ["not today"]}]})",
                         403);
  });
  write_config("", "token = \"dev-token-64501\"\n", peer.origin());
  auto refused = run_peerapi("autopeer --config " + config + " --apply");
  EXPECT_EQ(refused.status, 1) << refused.out << refused.err;
  EXPECT_NE(refused.out.find("failed    AS64500   Example Transit: HTTP 403: not today"),
            std::string::npos)
      << refused.out;
  const json::object saved = json::parse(read_file(state)).as_object();
  EXPECT_EQ(saved.at("networks").as_array()[0].at("outcome").as_string(), "failed");
}

TEST_F(AutopeerCli, TokenFromTheIdpIsPrintedCachedAndUsedByTheOtherCommands) {
  const std::string jwt = dev_token();
  HttpDouble idp;
  idp.set("/token", json_response(R"({"access_token": ")" + jwt +
                                  R"(", "token_type": "Bearer", "expires_in": 3600})"));
  const std::string cache = (dir.path() / "cache" / "token.json").string();
  write_config("", idp_keys(idp.url("/token"),
                            "scope = \"urn:ietf:params:oauth:scope:peering-api\"\n"
                            "token_cache_file = \"" +
                                cache + "\"\n"));

  auto printed = run_peerapi("token --config " + config);
  ASSERT_EQ(printed.status, 0) << printed.err;
  EXPECT_EQ(printed.out, jwt + "\n") << "only the token, for $(peerapi token)";
  EXPECT_EQ(idp.hits("/token"), 1);
  EXPECT_EQ(
      idp.last_request("/token")->body,
      "grant_type=client_credentials&scope=urn%3Aietf%3Aparams%3Aoauth%3Ascope%3Apeering-api");

  auto described = run_peerapi("token --config " + config + " --json");
  ASSERT_EQ(described.status, 0) << described.err;
  const json::object doc = json::parse(described.out).as_object();
  EXPECT_EQ(doc.at("access_token").as_string(), jwt);
  EXPECT_EQ(doc.at("token_type").as_string(), "Bearer");
  EXPECT_EQ(doc.at("origin").as_string(), "cache");
  EXPECT_GT(doc.at("expires_in").as_int64(), 3500);
  EXPECT_EQ(idp.hits("/token"), 1) << "the cached token is reused";
  EXPECT_EQ(read_file(cache).find(kClientSecret), std::string::npos);

  // `peerapi status` and `peerapi autopeer` get their token the same way.
  auto status = run_peerapi("status --config " + config);
  EXPECT_EQ(status.status, 0) << status.err;
  auto applied = run_peerapi("autopeer --config " + config + " --apply");
  ASSERT_EQ(applied.status, 0) << applied.out << applied.err;
  EXPECT_NE(applied.out.find(": 4 accepted, 0 rejected"), std::string::npos) << applied.out;
  EXPECT_EQ(server_sessions().size(), 4u);
  EXPECT_EQ(idp.hits("/token"), 1);

  auto fresh = run_peerapi("token --config " + config + " --fresh --json");
  ASSERT_EQ(fresh.status, 0) << fresh.err;
  EXPECT_EQ(json::parse(fresh.out).at("origin").as_string(), "idp");
  EXPECT_EQ(idp.hits("/token"), 2);
}

TEST_F(AutopeerCli, DevTokensAreAcceptedByTheServer) {
  write_config("", "[client.idp]\ngrant = \"dev\"\ndev_key_file = \"" + key + "\"\naudience = \"" +
                       kAudience + "\"\n");
  auto minted = run_peerapi("token --config " + config);
  ASSERT_EQ(minted.status, 0) << minted.err;
  const std::string token = trimmed(minted.out);
  EXPECT_EQ(http_call(server->port(), "GET", "/sessions?asn=64501", "", "Bearer " + token).status,
            200);
  auto json_doc = run_peerapi("token --config " + config + " --json");
  ASSERT_EQ(json_doc.status, 0) << json_doc.err;
  EXPECT_EQ(json::parse(json_doc.out).at("origin").as_string(), "dev");
  auto applied = run_peerapi("autopeer --config " + config + " --apply");
  EXPECT_EQ(applied.status, 0) << applied.out << applied.err;
  EXPECT_EQ(server_sessions().size(), 4u);

  // --dev with a configured real IdP: the dev key and audience are kept alongside it.
  write_config("", idp_keys("http://127.0.0.1:1/token",
                            "dev_key_file = \"" + key + "\"\naudience = \"" + kAudience + "\"\n"));
  auto dev = run_peerapi("token --config " + config + " --dev");
  ASSERT_EQ(dev.status, 0) << dev.err;
  EXPECT_EQ(
      http_call(server->port(), "GET", "/sessions?asn=64501", "", "Bearer " + trimmed(dev.out))
          .status,
      200);
}

TEST_F(AutopeerCli, TokenFailuresAndTheirExitCodes) {
  auto none = run_peerapi("token --config " + config);
  EXPECT_EQ(none.status, 2);
  EXPECT_NE(none.err.find("client.idp: no identity provider configured"), std::string::npos)
      << none.err;

  HttpDouble idp;
  idp.set("/token", json_response(R"({"error": "invalid_client",
                                      "error_description": "unknown client"})",
                                  401));
  write_config("", idp_keys(idp.url("/token")));
  auto refused = run_peerapi("token --config " + config);
  EXPECT_EQ(refused.status, 1);
  EXPECT_TRUE(refused.out.empty()) << "no token, nothing on stdout";
  EXPECT_NE(refused.err.find("HTTP 401: the IdP refused the token request: "
                             "invalid_client: unknown client"),
            std::string::npos)
      << refused.err;
  EXPECT_EQ(refused.err.find(kClientSecret), std::string::npos);
  auto refused_json = run_peerapi("token --config " + config + " --json");
  EXPECT_EQ(refused_json.status, 1);
  EXPECT_EQ(json::parse(refused_json.out).at("error").at("errors").at(0).at("code").as_string(),
            "invalid_client");

  auto autopeer = run_peerapi("autopeer --config " + config);
  EXPECT_EQ(autopeer.status, 1) << "no token, no check of the candidate";
  EXPECT_NE(autopeer.err.find("access token from [client.idp]"), std::string::npos) << autopeer.err;

  write_config("", idp_keys("http://127.0.0.1:1/token"));
  auto down = run_peerapi("token --config " + config);
  EXPECT_EQ(down.status, 1);
  EXPECT_NE(down.err.find("client.idp: token request: "), std::string::npos) << down.err;

  auto no_dev = run_peerapi("token --config " + config + " --dev");
  EXPECT_EQ(no_dev.status, 2);
  EXPECT_NE(no_dev.err.find("client.idp.dev_key_file"), std::string::npos) << no_dev.err;

  write_config("", "[client.idp]\ntoken_endpoint = \"ftp://idp.example\"\n");
  auto bad = run_peerapi("token --config " + config);
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("client.idp.token_endpoint"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("client.idp.client_id"), std::string::npos) << "every bad key named";
}

}  // namespace
}  // namespace peerapi::testing
