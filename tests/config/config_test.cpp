// The configuration file: every documented key parses, and every bad key is named with its
// path and line (`peerapi check-config`).
#include "config/config.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <string>

namespace peerapi::config {
namespace {

constexpr std::string_view kMinimal = R"(
[server]
listen = ["127.0.0.1:8080"]
[network]
asns = [64500]
contact_email = "peering@example.net"
[store]
sqlite = "var/peerapi.db"
[peeringdb]
snapshot_dir = "examples/peeringdb"
)";

std::string with(std::string_view extra) {
  return std::string(kMinimal) + std::string(extra);
}

TEST(Config, MinimalFileGetsTheDocumentedDefaults) {
  auto config = parse_config(kMinimal);
  ASSERT_TRUE(config.has_value()) << describe(config.error());
  EXPECT_EQ(config->server.listen.size(), 1u);
  EXPECT_EQ(config->server.listen[0].to_string(), "127.0.0.1:8080");
  EXPECT_EQ(config->server.base_path, "/");
  EXPECT_EQ(config->server.write_threads, 16);
  EXPECT_EQ(config->store.synchronous, "full");
  EXPECT_EQ(config->approval.mode, ApprovalMode::automatic);
  EXPECT_FALSE(config->auth.require_dpop);
  EXPECT_FALSE(config->auth.require_signatures);
  EXPECT_TRUE(config->auth.issuers.empty());
  EXPECT_EQ(config->auth.leeway_seconds, 60);
}

TEST(Config, ShippedExampleFilesAreValid) {
  for (const char* name : {"examples/peerapi.toml", "examples/peerapi-strict.toml"}) {
    const std::filesystem::path file = std::filesystem::path(PEERAPI_SOURCE_DIR) / name;
    if (!std::filesystem::exists(file)) {
      ADD_FAILURE() << file << " is missing";
      continue;
    }
    auto config = load_config(file);
    EXPECT_TRUE(config.has_value()) << name << ": " << describe(config.error());
  }
}

TEST(Config, IssuersParseWithEachKeySource) {
  auto config = parse_config(with(R"(
[auth]
require_dpop = true
require_signatures = true
dpop_nonce = true
proof_algorithms = ["ES256"]
leeway_seconds = 30
[[auth.issuers]]
issuer = "https://idp.example.net"
audience = "https://peering.example.net"
jwks_uri = "https://idp.example.net/jwks.json"
algorithms = ["ES256", "EdDSA"]
[[auth.issuers]]
issuer = "https://idp2.example.net/tenant"
audience = "peering"
discovery = true
algorithms = ["RS256"]
asn_claim = "asns"
min_perms = 4
accept_plain_jwt = true
[[auth.issuers]]
issuer = "https://dev-idp.example"
audience = "https://peering.example.net"
jwks_file = "var/dev-idp.jwks.json"
algorithms = ["EdDSA"]
[auth.peeringdb_oauth]
min_perms = 8
[[auth.attested_idps]]
issuer = "https://idp.example.net"
asns = [64501, 64502]
)"));
  ASSERT_TRUE(config.has_value()) << describe(config.error());
  const AuthSection& auth = config->auth;
  EXPECT_TRUE(auth.require_dpop && auth.require_signatures && auth.dpop_nonce);
  EXPECT_EQ(auth.proof_algorithms, std::vector<std::string>{"ES256"});
  ASSERT_EQ(auth.issuers.size(), 3u);
  EXPECT_EQ(auth.issuers[0].jwks_uri, "https://idp.example.net/jwks.json");
  EXPECT_EQ(auth.issuers[0].asn_claim, "networks");
  EXPECT_EQ(auth.issuers[0].min_perms, 15);
  EXPECT_TRUE(auth.issuers[1].discovery);
  EXPECT_EQ(auth.issuers[1].min_perms, 4);
  EXPECT_TRUE(auth.issuers[1].accept_plain_jwt);
  EXPECT_EQ(auth.issuers[2].jwks_file, "var/dev-idp.jwks.json");
  ASSERT_TRUE(auth.peeringdb_oauth.has_value());
  EXPECT_EQ(auth.peeringdb_oauth->profile_url, "https://auth.peeringdb.com/profile/v1");
  EXPECT_EQ(auth.peeringdb_oauth->min_perms, 8);
  ASSERT_EQ(auth.attested_idps.size(), 1u);
  EXPECT_EQ(auth.attested_idps[0].asns.size(), 2u);
}

struct BadConfig {
  std::string name;
  std::string extra;     // appended to the minimal file
  std::string path;      // the key path the error must name
  std::string fragment;  // part of the message
};

/// The minimal file with `extra` added to its [server] table.
std::string with_server(std::string_view extra) {
  std::string text(kMinimal);
  const std::string anchor = "listen = [\"127.0.0.1:8080\"]\n";
  return text.insert(text.find(anchor) + anchor.size(), extra);
}

TEST(Config, ServerAndOutboundKeysAddedForAuthentication) {
  auto config = parse_config(with_server("public_url = \"https://peering.example.net/\"\n"
                                         "write_threads = 4\n") +
                             "[outbound]\nallow_loopback = true\nhttp_hosts = [\"idp.lab\"]\n"
                             "allowed_prefixes = [\"10.20.0.0/16\"]\ntimeout_ms = 2000\n");
  ASSERT_TRUE(config.has_value()) << describe(config.error());
  EXPECT_EQ(config->server.public_url, "https://peering.example.net") << "trailing / dropped";
  EXPECT_EQ(config->server.write_threads, 4);
  EXPECT_TRUE(config->outbound.allow_loopback);
  EXPECT_EQ(config->outbound.http_hosts, std::vector<std::string>{"idp.lab"});
  EXPECT_EQ(config->outbound.allowed_prefixes, std::vector<std::string>{"10.20.0.0/16"});
  EXPECT_EQ(config->outbound.timeout_ms, 2000);
}

TEST(Config, BadServerKeysAreNamed) {
  struct Row {
    std::string extra, path, fragment;
  };
  for (const Row& row : std::vector<Row>{
           {"public_url = \"peering.example.net\"\n", "server.public_url", "origin"},
           {"public_url = \"https://peering.example.net/v1\"\n", "server.public_url", "origin"},
           {"public_url = \"https://peering.example.net/?x=1\"\n", "server.public_url", "origin"},
           {"public_url = \"ftp://peering.example.net\"\n", "server.public_url", "origin"},
           {"write_threads = 0\n", "server.write_threads", "between"},
           {"write_threads = \"4\"\n", "server.write_threads", "integer"}}) {
    auto config = parse_config(with_server(row.extra), "peerapi.toml");
    ASSERT_FALSE(config.has_value()) << row.extra;
    ASSERT_EQ(config.error().size(), 1u) << describe(config.error());
    EXPECT_EQ(config.error()[0].field, row.path) << row.extra;
    EXPECT_NE(config.error()[0].message.find(row.fragment), std::string::npos)
        << config.error()[0].message;
  }
}

class BadConfigTest : public ::testing::TestWithParam<BadConfig> {};

TEST_P(BadConfigTest, NamesTheKeyAndLine) {
  const BadConfig& c = GetParam();
  auto config = parse_config(with(c.extra), "peerapi.toml");
  ASSERT_FALSE(config.has_value()) << c.name;
  bool found = false;
  for (const Error& e : config.error()) {
    if (e.field == c.path) {
      found = true;
      EXPECT_EQ(e.code, ErrorCode::config_invalid);
      EXPECT_NE(e.message.find(c.fragment), std::string::npos) << e.message;
      EXPECT_NE(e.message.find("peerapi.toml:"), std::string::npos) << "line named: " << e.message;
    }
  }
  EXPECT_TRUE(found) << c.name << ": no error at " << c.path << "\n" << describe(config.error());
}

const std::string kIssuerHead = R"(
[[auth.issuers]]
issuer = "https://idp.example.net"
audience = "https://peering.example.net"
)";

INSTANTIATE_TEST_SUITE_P(
    Rows, BadConfigTest,
    ::testing::Values(
        BadConfig{"unknown top-level key", "[servre]\nx = 1\n", "servre", "unknown key"},
        BadConfig{"unknown auth key", "[auth]\nrequire_dpopp = true\n", "auth.require_dpopp",
                  "unknown key"},
        BadConfig{"boolean as string", "[auth]\nrequire_dpop = \"yes\"\n", "auth.require_dpop",
                  "true or false"},
        BadConfig{"signatures without dpop", "[auth]\nrequire_signatures = true\n",
                  "auth.require_signatures", "require_dpop"},
        BadConfig{"nonce without dpop", "[auth]\ndpop_nonce = true\n", "auth.dpop_nonce",
                  "require_dpop"},
        BadConfig{"proof alg none", "[auth]\nproof_algorithms = [\"none\"]\n",
                  "auth.proof_algorithms[0]", "never none"},
        BadConfig{"leeway too large", "[auth]\nleeway_seconds = 86400\n", "auth.leeway_seconds",
                  "between"},
        BadConfig{"issuer not https",
                  "[[auth.issuers]]\nissuer = \"http://idp.example.net\"\naudience = \"a\"\n"
                  "jwks_uri = \"https://idp.example.net/j\"\nalgorithms = [\"ES256\"]\n",
                  "auth.issuers[0].issuer", "https URL"},
        BadConfig{"issuer missing",
                  "[[auth.issuers]]\naudience = \"a\"\ndiscovery = true\n"
                  "algorithms = [\"ES256\"]\n",
                  "auth.issuers[0].issuer", "missing required key"},
        BadConfig{"no key source", kIssuerHead + "algorithms = [\"ES256\"]\n", "auth.issuers[0]",
                  "exactly one key source"},
        BadConfig{
            "two key sources",
            kIssuerHead + "discovery = true\njwks_file = \"k.json\"\nalgorithms = [\"ES256\"]\n",
            "auth.issuers[0]", "exactly one key source"},
        BadConfig{
            "jwks over http",
            kIssuerHead + "jwks_uri = \"http://idp.example.net/j\"\nalgorithms = [\"ES256\"]\n",
            "auth.issuers[0].jwks_uri", "https URL"},
        BadConfig{"HS256 allowed", kIssuerHead + "discovery = true\nalgorithms = [\"HS256\"]\n",
                  "auth.issuers[0].algorithms[0]", "HS*"},
        BadConfig{"no algorithms", kIssuerHead + "discovery = true\n", "auth.issuers[0].algorithms",
                  "missing required key"},
        BadConfig{"empty algorithms", kIssuerHead + "discovery = true\nalgorithms = []\n",
                  "auth.issuers[0].algorithms", "at least one"},
        BadConfig{"min_perms out of range",
                  kIssuerHead + "discovery = true\nalgorithms = [\"ES256\"]\nmin_perms = 16\n",
                  "auth.issuers[0].min_perms", "between"},
        BadConfig{"unknown issuer key",
                  kIssuerHead + "discovery = true\nalgorithms = [\"ES256\"]\nalgs = 1\n",
                  "auth.issuers[0].algs", "unknown key"},
        BadConfig{"issuer twice",
                  kIssuerHead + "discovery = true\nalgorithms = [\"ES256\"]\n" + kIssuerHead +
                      "discovery = true\nalgorithms = [\"ES256\"]\n",
                  "auth.issuers[1].issuer", "twice"},
        BadConfig{"issuers not tables", "[auth]\nissuers = 3\n", "auth.issuers", "array of tables"},
        BadConfig{"profile url not https",
                  "[auth.peeringdb_oauth]\nprofile_url = \"ftp://auth.peeringdb.com/p\"\n",
                  "auth.peeringdb_oauth.profile_url", "https URL"},
        BadConfig{"attested idp without asns",
                  "[[auth.attested_idps]]\nissuer = \"https://idp.example.net\"\n",
                  "auth.attested_idps[0].asns", "missing required key"},
        BadConfig{"attested idp reserved asn",
                  "[[auth.attested_idps]]\nissuer = \"https://idp.example.net\"\nasns = [23456]\n",
                  "auth.attested_idps[0].asns[0]", "23456"},
        BadConfig{"unknown outbound key", "[outbound]\nallow_loopbak = true\n",
                  "outbound.allow_loopbak", "unknown key"},
        BadConfig{"outbound prefix not CIDR", "[outbound]\nallowed_prefixes = [\"10.20.0.0\"]\n",
                  "outbound.allowed_prefixes[0]", "CIDR"},
        BadConfig{"outbound hosts not strings", "[outbound]\nhttp_hosts = [1]\n",
                  "outbound.http_hosts[0]", "string"},
        BadConfig{"outbound timeout too small", "[outbound]\ntimeout_ms = 1\n",
                  "outbound.timeout_ms", "between"}),
    [](const ::testing::TestParamInfo<BadConfig>& row) {
      std::string name;
      for (char c : row.param.name)
        name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return name;
    });

}  // namespace
}  // namespace peerapi::config
