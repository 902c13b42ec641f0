// The configuration file: every documented key parses, and every bad key is named with its
// path and line (`peerapi check-config`).
#include "config/config.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <string>
#include "config/minimal_config.hpp"

namespace peerapi::config {
namespace {

using testing::kMinimal;

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

TEST(Config, PolicyAndSourcesParse) {
  auto config = parse_config(with(R"(
[policy]
deny_asns = [64511]
allow_asns = [64510]
require_peeringdb = false
unknown_policy_general = "reject"
min_prefixes4 = 1
max_prefixes4 = 1000
max_prefixes6 = 200
require_irr_as_set = true
reject_rpki_invalid = true
min_rpki_valid_share = 0.5
max_sessions_per_location = 2
max_sessions_total = 8
allow_ipv6 = true
[policy.policy_general]
Selective = "accept"
[policy.locations."pdb:ix:2"]
route_server_only = true
allow_ipv4 = false
[[policy.review_when]]
name = "small networks"
max_prefixes = 10
family = 6
locations = ["pdb:ix:1"]
[sources.irr]
dumps = ["var/irr/ripe.db.gz", "var/irr/radb.db"]
refresh_seconds = 600
[sources.rpki]
rtr = "127.0.0.1:3323"
[sources.iana]
dir = "data/iana"
)"));
  ASSERT_TRUE(config.has_value()) << describe(config.error());
  const policy::Rules& rules = config->policy;
  EXPECT_EQ(rules.deny_asns.size(), 1u);
  EXPECT_EQ(rules.allow_asns.size(), 1u);
  EXPECT_FALSE(rules.require_peeringdb);
  EXPECT_EQ(rules.unknown_policy_general, policy::Verdict::reject);
  EXPECT_EQ(rules.policy_general.at("Selective"), policy::Verdict::accept);
  EXPECT_EQ(rules.policy_general.at("Restrictive"), policy::Verdict::review) << "default kept";
  EXPECT_EQ(rules.max_prefixes4, 1000u);
  EXPECT_FALSE(rules.min_prefixes6.has_value());
  EXPECT_DOUBLE_EQ(*rules.min_rpki_valid_share, 0.5);
  EXPECT_EQ(rules.max_sessions_total, 8u);
  ASSERT_EQ(rules.locations.count("pdb:ix:2"), 1u);
  EXPECT_EQ(rules.locations.at("pdb:ix:2").route_server_only, true);
  EXPECT_EQ(rules.locations.at("pdb:ix:2").allow_ipv4, false);
  EXPECT_FALSE(rules.locations.at("pdb:ix:2").allow_ipv6.has_value());
  ASSERT_EQ(rules.review_when.size(), 1u);
  EXPECT_EQ(rules.review_when[0].family, model::IpFamily::v6);
  EXPECT_EQ(rules.review_when[0].max_prefixes, 10u);
  EXPECT_TRUE(rules.needs_rpki());
  EXPECT_EQ(config->sources.irr.dumps.size(), 2u);
  EXPECT_EQ(config->sources.irr.refresh_seconds, 600);
  EXPECT_EQ(config->sources.rpki.rtr, "127.0.0.1:3323");
  EXPECT_TRUE(config->sources.rpki.configured());
}

TEST(Config, RenderOptionsParseAndDefaultTheRtrCacheToTheSourceOne) {
  auto defaults = parse_config(with("[sources.rpki]\nrtr = \"127.0.0.1:3323\"\n"));
  ASSERT_TRUE(defaults.has_value()) << describe(defaults.error());
  ASSERT_TRUE(defaults->render.rpki.has_value());
  EXPECT_EQ(defaults->render.rpki->host, "127.0.0.1");
  EXPECT_EQ(defaults->render.rpki->port, 3323);
  EXPECT_EQ(defaults->render.mode, render::FilterMode::strict);
  EXPECT_EQ(defaults->render.max_length_v4, 24);

  auto config = parse_config(with(R"(
[render]
mode = "loose"
router_id = "192.0.2.1"
strict_roles = true
gtsm = false
prefer_tcp_ao = false
max_prefix_headroom_percent = 50
max_prefix_warning_percent = 80
max_prefix_default_v4 = 500
max_prefix_default_v6 = 100
max_prefix_restart_minutes = 0
max_length_v4 = 24
max_length_v6 = 44
rpki_cache = "[2001:db8::53]:8282"
local_preference = 200
rpki_not_found_local_preference = 150
dampening = true
announce = ["198.51.100.0/24", "2001:db8:100::/40{40,44}"]
own_prefixes = ["198.51.100.0/22"]
)"));
  ASSERT_TRUE(config.has_value()) << describe(config.error());
  const render::Options& r = config->render;
  EXPECT_EQ(r.mode, render::FilterMode::loose);
  ASSERT_TRUE(r.router_id.has_value());
  EXPECT_EQ(r.router_id->to_string(), "192.0.2.1");
  EXPECT_TRUE(r.strict_roles);
  EXPECT_FALSE(r.gtsm);
  EXPECT_FALSE(r.prefer_tcp_ao);
  EXPECT_EQ(r.max_prefix_headroom_percent, 50);
  EXPECT_EQ(r.max_prefix_warning_percent, 80);
  EXPECT_EQ(r.max_prefix_default_v4, 500u);
  EXPECT_EQ(r.max_prefix_default_v6, 100u);
  EXPECT_EQ(r.max_prefix_restart_minutes, 0);
  EXPECT_EQ(r.max_length_v4, 24);
  EXPECT_EQ(r.max_length_v6, 44);
  ASSERT_TRUE(r.rpki.has_value());
  EXPECT_EQ(r.rpki->host, "2001:db8::53");
  EXPECT_EQ(r.rpki->port, 8282);
  EXPECT_EQ(r.local_preference, 200u);
  EXPECT_EQ(r.rpki_not_found_local_preference, 150u);
  EXPECT_TRUE(r.dampening);
  ASSERT_EQ(r.announce.size(), 2u);
  EXPECT_EQ(model::to_string(r.announce[1]), "2001:db8:100::/40{40,44}");
  ASSERT_EQ(r.own_prefixes.size(), 1u);

  auto no_rov =
      parse_config(with("[sources.rpki]\nrtr = \"127.0.0.1:3323\"\n[render]\nrpki_cache = \"\"\n"));
  ASSERT_TRUE(no_rov.has_value()) << describe(no_rov.error());
  EXPECT_FALSE(no_rov->render.rpki.has_value());
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
        BadConfig{"policy unknown key", "[policy]\nallow_asn = [64501]\n", "policy.allow_asn",
                  "unknown key"},
        BadConfig{"policy verdict word", "[policy.policy_general]\nOpen = \"yes\"\n",
                  "policy.policy_general.Open", "\"accept\""},
        BadConfig{"policy general unknown name", "[policy.policy_general]\nopen = \"accept\"\n",
                  "policy.policy_general.open", "unknown key"},
        BadConfig{"policy share above 1", "[policy]\nmin_rpki_valid_share = 1.5\n",
                  "policy.min_rpki_valid_share", "from 0 to 1"},
        BadConfig{"policy cap zero", "[policy]\nmax_sessions_total = 0\n",
                  "policy.max_sessions_total", "between"},
        BadConfig{"policy min above max", "[policy]\nmin_prefixes4 = 10\nmax_prefixes4 = 5\n",
                  "policy.min_prefixes4", "above max_prefixes4"},
        BadConfig{"policy allowed and denied",
                  "[policy]\nallow_asns = [64501]\ndeny_asns = [64501]\n", "policy.allow_asns",
                  "both allowed and denied"},
        BadConfig{"policy bad location id", "[policy.locations.\"ix:1\"]\nallow_ipv6 = false\n",
                  "policy.locations.ix:1", "pdb:ix"},
        BadConfig{"policy location unknown key",
                  "[policy.locations.\"pdb:ix:1\"]\nrs_only = true\n",
                  "policy.locations.pdb:ix:1.rs_only", "unknown key"},
        BadConfig{"review rule without name", "[[policy.review_when]]\nfamily = 6\n",
                  "policy.review_when[0].name", "missing required key"},
        BadConfig{"review rule family 5", "[[policy.review_when]]\nname = \"x\"\nfamily = 5\n",
                  "policy.review_when[0].family", "4 or 6"},
        BadConfig{"irr rule without irr source", "[policy]\nrequire_irr_as_set = true\n", "policy",
                  "[sources.irr]"},
        BadConfig{
            "rpki rule without rpki source",
            "[policy]\nreject_rpki_invalid = true\n[sources.irr]\nirrd = \"irr.example.net:43\"\n",
            "policy", "[sources.rpki]"},
        BadConfig{"render unknown key", "[render]\nmax_len_v4 = 24\n", "render.max_len_v4",
                  "unknown key"},
        BadConfig{"render mode", "[render]\nmode = \"tight\"\n", "render.mode", "\"strict\""},
        BadConfig{"render router id v6", "[render]\nrouter_id = \"2001:db8::1\"\n",
                  "render.router_id", "IPv4"},
        BadConfig{"render max length", "[render]\nmax_length_v4 = 33\n", "render.max_length_v4",
                  "between"},
        BadConfig{"render rpki cache", "[render]\nrpki_cache = \"127.0.0.1\"\n",
                  "render.rpki_cache", "host:port"},
        BadConfig{"render announce bad prefix", "[render]\nannounce = [\"198.51.100.1/24\"]\n",
                  "render.announce[0]", "host bits"},
        BadConfig{"render announce too specific",
                  "[render]\nannounce = [\"198.51.100.0/24{24,25}\"]\n", "render.announce[0]",
                  "too specific"},
        BadConfig{"render not-found preference not lower",
                  "[render]\nrpki_not_found_local_preference = 100\n",
                  "render.rpki_not_found_local_preference", "lower than local_preference"},
        BadConfig{"irr both dumps and irrd",
                  "[sources.irr]\ndumps = [\"a.db\"]\nirrd = \"irr.example.net:43\"\n",
                  "sources.irr.irrd", "not both"},
        BadConfig{"irrd without port", "[sources.irr]\nirrd = \"irr.example.net\"\n",
                  "sources.irr.irrd", "host:port"},
        BadConfig{"rtr bad port", "[sources.rpki]\nrtr = \"127.0.0.1:99999\"\n", "sources.rpki.rtr",
                  "host:port"},
        BadConfig{"sources unknown key", "[sources.rpkii]\nvrps = \"v.json\"\n", "sources.rpkii",
                  "unknown key"},
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

TEST(Config, ClientSectionParses) {
  auto config = parse_config(with(R"(
[client]
asn = 64501
token_file = "var/token"
dpop_key_file = "var/dpop.jwk"
sign_requests = true
timeout_ms = 2000
max_retries = 5
max_retry_time_ms = 10000
directory_file = "peers.json"
rpki_discovery_file = "rpki-discovery.json"
[[client.peers]]
asn = 64500
url = "https://peering.example.net/api/"
[[client.peers]]
asn = 4200000001
url = "http://127.0.0.1:8080"
)"));
  ASSERT_TRUE(config.has_value()) << describe(config.error());
  const ClientSection& c = config->client;
  ASSERT_TRUE(c.asn.has_value());
  EXPECT_EQ(c.asn->value(), 64501u);
  EXPECT_EQ(c.token, "");
  EXPECT_EQ(c.token_file, "var/token");
  EXPECT_EQ(c.dpop_key_file, "var/dpop.jwk");
  EXPECT_TRUE(c.sign_requests);
  EXPECT_EQ(c.timeout_ms, 2000);
  EXPECT_EQ(c.max_retries, 5);
  EXPECT_EQ(c.max_retry_time_ms, 10000);
  EXPECT_EQ(c.directory_file, "peers.json");
  EXPECT_EQ(c.rpki_discovery_file, "rpki-discovery.json");
  ASSERT_EQ(c.peers.size(), 2u);
  EXPECT_EQ(c.peers[0].asn.value(), 64500u);
  EXPECT_EQ(c.peers[0].url, "https://peering.example.net/api") << "trailing / dropped";
  EXPECT_EQ(c.peers[1].asn.value(), 4'200'000'001u);

  auto defaults = parse_config(with("[client]\ntoken = \"dev-token-64501\"\n"));
  ASSERT_TRUE(defaults.has_value()) << describe(defaults.error());
  EXPECT_FALSE(defaults->client.asn.has_value()) << "network.asns[0] is used";
  EXPECT_EQ(defaults->client.token, "dev-token-64501");
  EXPECT_FALSE(defaults->client.sign_requests);
  EXPECT_EQ(defaults->client.timeout_ms, 15000);
  EXPECT_EQ(defaults->client.max_retries, 3);
  EXPECT_EQ(defaults->client.max_retry_time_ms, 30000);
  EXPECT_TRUE(defaults->client.peers.empty());
  auto none = parse_config(kMinimal);
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->client.token.empty());
}

const std::string kPeerHead = "[[client.peers]]\nasn = 64500\n";

INSTANTIATE_TEST_SUITE_P(
    ClientRows, BadConfigTest,
    ::testing::Values(
        BadConfig{"client unknown key", "[client]\ntokn = \"x\"\n", "client.tokn", "unknown key"},
        BadConfig{"client asn string", "[client]\nasn = \"AS64501\"\n", "client.asn",
                  "integer ASN"},
        BadConfig{"client asn reserved", "[client]\nasn = 23456\n", "client.asn", "23456"},
        BadConfig{"client token with space", "[client]\ntoken = \"a b\"\n", "client.token",
                  "without whitespace"},
        BadConfig{"client token and token file", "[client]\ntoken = \"abc\"\ntoken_file = \"t\"\n",
                  "client.token_file", "not both"},
        BadConfig{"client signing without key", "[client]\nsign_requests = true\n",
                  "client.sign_requests", "dpop_key_file"},
        BadConfig{"client timeout too small", "[client]\ntimeout_ms = 5\n", "client.timeout_ms",
                  "between"},
        BadConfig{"client too many retries", "[client]\nmax_retries = 11\n", "client.max_retries",
                  "between"},
        BadConfig{"client empty directory file", "[client]\ndirectory_file = \"\"\n",
                  "client.directory_file", "file path"},
        BadConfig{"client rpki file not a string", "[client]\nrpki_discovery_file = 1\n",
                  "client.rpki_discovery_file", "string"},
        BadConfig{"client peers not tables", "[client]\npeers = 3\n", "client.peers",
                  "array of tables"},
        BadConfig{"client peer without url", kPeerHead, "client.peers[0].url",
                  "missing required key"},
        BadConfig{"client peer without asn", "[[client.peers]]\nurl = \"https://a.example\"\n",
                  "client.peers[0].asn", "missing required key"},
        BadConfig{"client peer url ftp", kPeerHead + "url = \"ftp://a.example\"\n",
                  "client.peers[0].url", "API base URL"},
        BadConfig{"client peer url with query", kPeerHead + "url = \"https://a.example/?x=1\"\n",
                  "client.peers[0].url", "API base URL"},
        BadConfig{"client peer url relative", kPeerHead + "url = \"/api\"\n", "client.peers[0].url",
                  "API base URL"},
        BadConfig{"client peer unknown key",
                  kPeerHead + "url = \"https://a.example\"\nname = \"x\"\n", "client.peers[0].name",
                  "unknown key"},
        BadConfig{"client peer twice",
                  kPeerHead + "url = \"https://a.example\"\n" + kPeerHead +
                      "url = \"https://b.example\"\n",
                  "client.peers[1].asn", "twice"}),
    [](const ::testing::TestParamInfo<BadConfig>& row) {
      std::string name;
      for (char c : row.param.name)
        name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return name;
    });

}  // namespace
}  // namespace peerapi::config
