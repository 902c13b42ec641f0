// `peerapi sync peeringdb` and `peerapi sync iana` as separate processes: the first against the
// HTTP double serving examples/peeringdb/ as PeeringDB's API (loopback allowed through the
// config's [outbound] section), the second on a copy of data/iana/.
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <map>
#include <string>

#include "integration/server_process.hpp"
#include "support/http_double.hpp"
#include "support/test_support.hpp"

namespace peerapi::testing {
namespace {

namespace json = boost::json;

struct Outcome {
  int status = -1;
  std::string out;
  std::string err;
};

/// Runs `peerapi ARGS` through the shell (ARGS holds no shell metacharacters besides the
/// environment assignments it starts with), stdout and stderr captured separately.
Outcome run_peerapi(const TempDir& dir, const std::string& env, const std::string& args) {
  const auto out = dir.path() / "stdout.txt";
  const auto err = dir.path() / "stderr.txt";
  const std::string command = "env -u PEERINGDB_API_KEY " + env + " " + PEERAPI_BINARY + " " +
                              args + " >" + out.string() + " 2>" + err.string() + " </dev/null";
  const int raw = std::system(command.c_str());
  Outcome outcome;
  outcome.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  outcome.out = read_file(out);
  outcome.err = read_file(err);
  return outcome;
}

std::map<std::int64_t, json::value> rows_of(const std::filesystem::path& file) {
  std::map<std::int64_t, json::value> rows;
  const json::value document = json::parse(read_file(file));
  for (const json::value& row : document.at("data").as_array())
    rows.emplace(row.at("id").to_number<std::int64_t>(), row);
  return rows;
}

constexpr const char* kTypes[] = {"org",   "net",      "ix",     "fac", "ixlan",
                                  "ixpfx", "netixlan", "netfac", "poc"};

class SyncPeeringDbCli : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* type : kTypes) {
      server.set(std::string("/api/") + type,
                 json_response(read_file(source_dir() / "examples/peeringdb" /
                                         (std::string(type) + ".json"))));
    }
    // The server's config with the snapshot directory moved into the temp dir and loopback
    // targets allowed for the outbound client.
    std::string config = process_config(dir.path());
    const std::string examples = (source_dir() / "examples/peeringdb").string();
    config.replace(config.find(examples), examples.size(), snapshot().string());
    config += "[outbound]\nallow_loopback = true\n";
    write_file(config_file(), config);
    write_file(dir.path() / "pdb.key", "cli-test-key-123\n");
  }

  std::filesystem::path snapshot() const { return dir.path() / "pdb"; }
  std::filesystem::path config_file() const { return dir.path() / "peerapi.toml"; }
  std::string base_args() const {
    return "sync peeringdb --config " + config_file().string() + " --url " + server.url("/api");
  }

  TempDir dir;
  HttpDouble server;
};

TEST_F(SyncPeeringDbCli, FullThenIncrementalRunWithAProgressLinePerType) {
  const Outcome first =
      run_peerapi(dir, "", base_args() + " --api-key-file " + (dir.path() / "pdb.key").string());
  ASSERT_EQ(first.status, 0) << first.out << first.err;
  for (const char* type : kTypes) {
    EXPECT_EQ(rows_of(snapshot() / (std::string(type) + ".json")),
              rows_of(source_dir() / "examples/peeringdb" / (std::string(type) + ".json")))
        << type;
    const auto request = server.last_request(std::string("/api/") + type);
    ASSERT_TRUE(request.has_value());
    EXPECT_EQ(request->target, std::string("/api/") + type + "?depth=0");
    EXPECT_EQ(request->header("authorization"), "Api-Key cli-test-key-123");
  }
  // stderr is not a terminal here: one plain line per finished type.
  EXPECT_NE(first.err.find("peerapi sync peeringdb: netixlan: 10 rows\n"), std::string::npos)
      << first.err;
  EXPECT_EQ(first.err.find("\r"), std::string::npos);
  EXPECT_NE(
      first.out.find("netixlan  full                     10       10        0     0  written"),
      std::string::npos)
      << first.out;
  EXPECT_NE(first.out.find("snapshot: 42 objects load, 0 bad row(s) skipped"), std::string::npos)
      << first.out;
  EXPECT_EQ(first.out.find("cli-test-key"), std::string::npos);
  EXPECT_EQ(first.err.find("cli-test-key"), std::string::npos);

  // The environment variable is the alternative to the key file.
  const Outcome second = run_peerapi(dir, "PEERINGDB_API_KEY=from-env-456", base_args());
  ASSERT_EQ(second.status, 0) << second.out << second.err;
  const auto request = server.last_request("/api/poc");
  ASSERT_TRUE(request.has_value());
  EXPECT_TRUE(request->target.starts_with("/api/poc?since=")) << request->target;
  EXPECT_EQ(request->header("authorization"), "Api-Key from-env-456");
  EXPECT_NE(second.out.find("poc       since "), std::string::npos) << second.out;
  EXPECT_NE(second.out.find("unchanged"), std::string::npos) << second.out;
}

TEST_F(SyncPeeringDbCli, ARefusedKeyExitsOneWithTheReasonAndWritesNothing) {
  server.set("/api/org", CannedResponse{401, {}, "", {}, false});
  const Outcome outcome =
      run_peerapi(dir, "", base_args() + " --api-key-file " + (dir.path() / "pdb.key").string());
  EXPECT_EQ(outcome.status, 1);
  EXPECT_NE(outcome.err.find("peerapi sync peeringdb: org: " + server.url("/api/org") +
                             ": HTTP 401: PeeringDB refused the API key"),
            std::string::npos)
      << outcome.err;
  EXPECT_EQ(outcome.err.find("cli-test-key"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(snapshot() / "org.json"));
}

TEST_F(SyncPeeringDbCli, WithoutTheConfigTheOutboundGuardRefusesLoopback) {
  const Outcome outcome = run_peerapi(
      dir, "", "sync peeringdb --url " + server.url("/api") + " --dir " + snapshot().string());
  EXPECT_EQ(outcome.status, 1) << outcome.err;
  EXPECT_NE(outcome.err.find("peerapi sync peeringdb: org: "), std::string::npos) << outcome.err;
  EXPECT_NE(outcome.err.find("refused"), std::string::npos) << outcome.err;
  EXPECT_EQ(server.requests().size(), 0u);
}

TEST_F(SyncPeeringDbCli, BadUsageExitsTwo) {
  const Outcome no_dir = run_peerapi(dir, "", "sync peeringdb --url " + server.url("/api"));
  EXPECT_EQ(no_dir.status, 2);
  EXPECT_NE(no_dir.err.find("peerapi sync peeringdb: --dir: name the snapshot directory"),
            std::string::npos)
      << no_dir.err;
  const Outcome no_key_file =
      run_peerapi(dir, "", base_args() + " --api-key-file " + (dir.path() / "none").string());
  EXPECT_EQ(no_key_file.status, 2);
  EXPECT_NE(no_key_file.err.find("peerapi sync peeringdb: --api-key-file: "), std::string::npos);
  EXPECT_EQ(server.requests().size(), 0u);
}

class SyncIanaCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(data());
    for (const char* name : {"ipv4-special-registry.csv", "ipv6-special-registry.csv",
                             "ipv6-unicast-address-assignments.csv"}) {
      std::filesystem::copy_file(source_dir() / "data/iana" / name, data() / name);
    }
  }
  std::filesystem::path data() const { return dir.path() / "iana"; }

  TempDir dir;
};

TEST_F(SyncIanaCli, ReplacesAFileAndPrintsTheChangedBlocks) {
  std::string v4 = read_file(source_dir() / "data/iana/ipv4-special-registry.csv");
  v4 += "192.0.0.11/32,Example Anycast,[RFC9999],2026-01,N/A,True,True,True,True,False\n";
  write_file(dir.path() / "download.csv", v4);
  const Outcome outcome = run_peerapi(
      dir, "",
      "sync iana --data-dir " + data().string() + " " + (dir.path() / "download.csv").string());
  ASSERT_EQ(outcome.status, 0) << outcome.err;
  EXPECT_NE(
      outcome.out.find("ipv4-special-registry.csv (from " + (dir.path() / "download.csv").string() +
                       "): 1 added, 0 removed, 0 changed; written"),
      std::string::npos)
      << outcome.out;
  EXPECT_NE(outcome.out.find("  + 192.0.0.11/32 Example Anycast [RFC9999]"), std::string::npos);
  EXPECT_NE(outcome.out.find("bogons (RFC 7454 section 6.1): 23 IPv4 and 18 IPv6 entries"),
            std::string::npos)
      << outcome.out;
  EXPECT_EQ(read_file(data() / "ipv4-special-registry.csv"), v4);
}

TEST_F(SyncIanaCli, ABadFileExitsTwoAndChangesNothing) {
  std::string v6 = read_file(source_dir() / "data/iana/ipv6-special-registry.csv");
  v6.replace(v6.find("fe80::/10"), 9, "fe80::/1x");
  write_file(dir.path() / "v6.csv", v6);
  const Outcome outcome = run_peerapi(
      dir, "", "sync iana --data-dir " + data().string() + " " + (dir.path() / "v6.csv").string());
  EXPECT_EQ(outcome.status, 2);
  EXPECT_NE(outcome.err.find("peerapi sync iana: " + (dir.path() / "v6.csv").string() +
                             ":26:Address Block: "),
            std::string::npos)
      << outcome.err;
  EXPECT_EQ(read_file(data() / "ipv6-special-registry.csv"),
            read_file(source_dir() / "data/iana/ipv6-special-registry.csv"));
}

}  // namespace
}  // namespace peerapi::testing
