// [client.idp] (where access tokens come from) and [client.autopeer] (the scheduled request):
// every key parses into its typed member, and every bad key is named, alone, with its path.
#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "config/config.hpp"

namespace peerapi::config {
namespace {

constexpr std::string_view kBase = R"(
[server]
listen = ["127.0.0.1:8080"]
[network]
asns = [64501]
contact_email = "noc@as64501.example"
[store]
sqlite = "var/peerapi.db"
[peeringdb]
snapshot_dir = "examples/peeringdb"
)";

std::string with(std::string_view extra) {
  return std::string(kBase) + std::string(extra);
}

constexpr std::string_view kIdp = R"(
[client.idp]
token_endpoint = "https://idp.example.net/oauth2/token"
client_id = "peerapi-as64501"
client_secret_file = "var/idp-secret"
)";

TEST(ClientIdpConfig, ClientCredentialsWithEveryKey) {
  auto config = parse_config(with(R"(
[client.idp]
grant = "client_credentials"
issuer = "https://idp.example.net"
token_endpoint = "https://idp.example.net/oauth2/token?tenant=7"
client_id = "peerapi-as64501"
client_secret = "s3cret"
auth_method = "client_secret_post"
scope = "urn:ietf:params:oauth:scope:peering-api openid"
audience = "https://peering.example.net"
resource = ["https://peering.example.net/api", "urn:example:peering"]
token_cache_file = "var/token-cache.json"
dev_key_file = "var/dev-idp.jwk"
dev_ttl_seconds = 600
)"));
  ASSERT_TRUE(config.has_value()) << describe(config.error());
  ASSERT_TRUE(config->client.idp.has_value());
  const ClientIdpSection& idp = *config->client.idp;
  EXPECT_EQ(idp.grant, IdpGrant::client_credentials);
  EXPECT_EQ(idp.issuer, "https://idp.example.net");
  EXPECT_EQ(idp.token_endpoint, "https://idp.example.net/oauth2/token?tenant=7");
  EXPECT_EQ(idp.client_id, "peerapi-as64501");
  EXPECT_EQ(idp.client_secret, "s3cret");
  EXPECT_TRUE(idp.client_secret_file.empty());
  EXPECT_EQ(idp.auth_method, TokenAuthMethod::client_secret_post);
  EXPECT_EQ(idp.scope, "urn:ietf:params:oauth:scope:peering-api openid");
  EXPECT_EQ(idp.audience, "https://peering.example.net");
  EXPECT_EQ(idp.resources,
            (std::vector<std::string>{"https://peering.example.net/api", "urn:example:peering"}));
  EXPECT_EQ(idp.token_cache_file, "var/token-cache.json");
  EXPECT_EQ(idp.dev_key_file, "var/dev-idp.jwk") << "kept for `peerapi token --dev`";
  EXPECT_EQ(idp.dev_ttl_seconds, 600);
  EXPECT_FALSE(config->client.autopeer.has_value());
}

TEST(ClientIdpConfig, DefaultsOfAMinimalTable) {
  auto config = parse_config(with(kIdp));
  ASSERT_TRUE(config.has_value()) << describe(config.error());
  const ClientIdpSection& idp = *config->client.idp;
  EXPECT_EQ(idp.grant, IdpGrant::client_credentials);
  EXPECT_EQ(idp.auth_method, TokenAuthMethod::client_secret_basic);
  EXPECT_EQ(idp.client_secret_file, "var/idp-secret");
  EXPECT_TRUE(idp.scope.empty());
  EXPECT_TRUE(idp.resources.empty());
  EXPECT_TRUE(idp.token_cache_file.empty());
  EXPECT_EQ(idp.subject_token_type, "urn:ietf:params:oauth:token-type:access_token");
  EXPECT_EQ(idp.dev_ttl_seconds, 3600);
  auto none = parse_config(kBase);
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->client.idp.has_value());
}

TEST(ClientIdpConfig, TokenExchangeAsAPublicClientFindsTheEndpointByDiscovery) {
  auto config = parse_config(with(R"(
[client.idp]
grant = "token_exchange"
issuer = "https://idp.example.net/tenant"
client_id = "public-client"
auth_method = "none"
subject_token_file = "var/subject.jwt"
subject_token_type = "urn:ietf:params:oauth:token-type:jwt"
requested_token_type = "urn:ietf:params:oauth:token-type:access_token"
audience = "peerapi-client-id-at-the-idp"
)"));
  ASSERT_TRUE(config.has_value()) << describe(config.error());
  const ClientIdpSection& idp = *config->client.idp;
  EXPECT_EQ(idp.grant, IdpGrant::token_exchange);
  EXPECT_TRUE(idp.token_endpoint.empty());
  EXPECT_EQ(idp.auth_method, TokenAuthMethod::none);
  EXPECT_EQ(idp.subject_token_file, "var/subject.jwt");
  EXPECT_EQ(idp.subject_token_type, "urn:ietf:params:oauth:token-type:jwt");
  EXPECT_EQ(idp.requested_token_type, "urn:ietf:params:oauth:token-type:access_token");
}

TEST(ClientIdpConfig, DevGrantNeedsOnlyKeyAndAudience) {
  auto config = parse_config(with(R"(
[client.idp]
grant = "dev"
dev_key_file = "var/dev-idp.jwk"
audience = "http://127.0.0.1:8080"
)"));
  ASSERT_TRUE(config.has_value()) << describe(config.error());
  EXPECT_EQ(config->client.idp->grant, IdpGrant::dev);
  EXPECT_TRUE(config->client.idp->issuer.empty()) << "the dev issuer default applies";
}

TEST(ClientAutopeerConfig, EveryKeyAndTheDefaults) {
  auto config = parse_config(with(R"(
[client.autopeer]
state_file = "var/autopeer.json"
backoff_hours = 24
ixs = ["pdb:ix:2", "pdb:ix:1"]
families = [6]
deny_asns = [64502, 65550]
min_prefixes4 = 1
max_prefixes4 = 1000
min_prefixes6 = 0
max_prefixes6 = 200
max_new_networks = 3
)"));
  ASSERT_TRUE(config.has_value()) << describe(config.error());
  ASSERT_TRUE(config->client.autopeer.has_value());
  const ClientAutopeerSection& a = *config->client.autopeer;
  EXPECT_EQ(a.state_file, "var/autopeer.json");
  EXPECT_EQ(a.backoff_hours, 24);
  EXPECT_EQ(a.ixs, (std::vector<std::uint32_t>{2, 1}));
  EXPECT_FALSE(a.ipv4);
  EXPECT_TRUE(a.ipv6);
  ASSERT_EQ(a.deny_asns.size(), 2u);
  EXPECT_EQ(a.deny_asns[1].value(), 65550u);
  EXPECT_EQ(a.min_prefixes4, 1u);
  EXPECT_EQ(a.max_prefixes4, 1000u);
  EXPECT_EQ(a.min_prefixes6, 0u);
  EXPECT_EQ(a.max_prefixes6, 200u);
  EXPECT_EQ(a.max_new_networks, 3);

  auto defaults = parse_config(with("[client.autopeer]\nstate_file = \"s.json\"\n"));
  ASSERT_TRUE(defaults.has_value()) << describe(defaults.error());
  const ClientAutopeerSection& d = *defaults->client.autopeer;
  EXPECT_EQ(d.backoff_hours, 168);
  EXPECT_TRUE(d.ixs.empty());
  EXPECT_TRUE(d.ipv4);
  EXPECT_TRUE(d.ipv6);
  EXPECT_TRUE(d.deny_asns.empty());
  EXPECT_FALSE(d.min_prefixes4.has_value());
  EXPECT_FALSE(d.max_prefixes6.has_value());
  EXPECT_EQ(d.max_new_networks, 10);
}

struct BadRow {
  std::string name;
  std::string extra;     // appended to the base file
  std::string path;      // the one key path named
  std::string fragment;  // part of its message
};

class BadClientKeys : public ::testing::TestWithParam<BadRow> {};

TEST_P(BadClientKeys, NamesExactlyTheBadKeyWithItsLine) {
  const BadRow& row = GetParam();
  auto config = parse_config(with(row.extra), "peerapi.toml");
  ASSERT_FALSE(config.has_value()) << row.name;
  ASSERT_EQ(config.error().size(), 1u) << describe(config.error());
  const Error& e = config.error().front();
  EXPECT_EQ(e.code, ErrorCode::config_invalid);
  EXPECT_EQ(e.field, row.path) << e.message;
  EXPECT_NE(e.message.find(row.fragment), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("peerapi.toml:"), std::string::npos) << "line named: " << e.message;
}

std::string idp(std::string_view extra) {
  return std::string(kIdp) + std::string(extra);
}

const std::string kExchange =
    "[client.idp]\ngrant = \"token_exchange\"\ntoken_endpoint = \"https://idp.example.net/t\"\n"
    "client_id = \"c\"\nclient_secret = \"s\"\n";
const std::string kDev = "[client.idp]\ngrant = \"dev\"\n";

INSTANTIATE_TEST_SUITE_P(
    IdpRows, BadClientKeys,
    ::testing::Values(
        BadRow{"unknown key", idp("tokn = \"x\"\n"), "client.idp.tokn", "unknown key"},
        BadRow{"not a table", "[client]\nidp = 3\n", "client.idp", "must be a table"},
        BadRow{"unknown grant", idp("grant = \"password\"\n"), "client.idp.grant",
               "client_credentials"},
        BadRow{"endpoint ftp",
               "[client.idp]\ntoken_endpoint = \"ftp://idp.example.net/t\"\nclient_id = \"c\"\n"
               "client_secret = \"s\"\n",
               "client.idp.token_endpoint", "absolute http(s) URL"},
        BadRow{"endpoint with credentials",
               "[client.idp]\ntoken_endpoint = \"https://u:p@idp.example.net/t\"\n"
               "client_id = \"c\"\nclient_secret = \"s\"\n",
               "client.idp.token_endpoint", "without credentials"},
        BadRow{"issuer with query",
               "[client.idp]\nissuer = \"https://idp.example.net/?x=1\"\nclient_id = \"c\"\n"
               "client_secret = \"s\"\n",
               "client.idp.issuer", "RFC 8414 section 2"},
        BadRow{"neither endpoint nor issuer",
               "[client.idp]\nclient_id = \"c\"\nclient_secret = \"s\"\n",
               "client.idp.token_endpoint", "missing"},
        BadRow{"no client id",
               "[client.idp]\ntoken_endpoint = \"https://idp.example.net/t\"\n"
               "client_secret = \"s\"\n",
               "client.idp.client_id", "missing required key"},
        BadRow{"empty client id",
               "[client.idp]\ntoken_endpoint = \"https://idp.example.net/t\"\nclient_id = \"\"\n"
               "client_secret = \"s\"\n",
               "client.idp.client_id", "must not be empty"},
        BadRow{"no secret",
               "[client.idp]\ntoken_endpoint = \"https://idp.example.net/t\"\nclient_id = \"c\"\n",
               "client.idp.client_secret", "client_secret_file"},
        BadRow{"secret and secret file", idp("client_secret = \"s\"\n"),
               "client.idp.client_secret_file", "not both"},
        BadRow{"unknown auth method", idp("auth_method = \"private_key_jwt\"\n"),
               "client.idp.auth_method", "client_secret_basic"},
        BadRow{"public client with client credentials",
               "[client.idp]\ntoken_endpoint = \"https://idp.example.net/t\"\nclient_id = \"c\"\n"
               "auth_method = \"none\"\n",
               "client.idp.auth_method", "RFC 6749 section 4.4"},
        BadRow{"secret for a public client",
               kExchange + "subject_token_file = \"t\"\nauth_method = \"none\"\n",
               "client.idp.client_secret", "auth_method = \"none\""},
        BadRow{"scope with two spaces", idp("scope = \"a  b\"\n"), "client.idp.scope",
               "RFC 6749 section 3.3"},
        BadRow{"scope with a quote", idp("scope = \"a\\\"b\"\n"), "client.idp.scope",
               "RFC 6749 section 3.3"},
        BadRow{"relative resource", idp("resource = [\"https://a.example\", \"/api\"]\n"),
               "client.idp.resource[1]", "RFC 8707"},
        BadRow{"resource not a list", idp("resource = \"https://a.example\"\n"),
               "client.idp.resource", "list of strings"},
        BadRow{"exchange without subject token", kExchange, "client.idp.subject_token_file",
               "RFC 8693"},
        BadRow{"subject token with client credentials", idp("subject_token_file = \"t\"\n"),
               "client.idp.subject_token_file", "only with grant = \"token_exchange\""},
        BadRow{"subject token type not a URI",
               kExchange + "subject_token_file = \"t\"\nsubject_token_type = \"jwt\"\n",
               "client.idp.subject_token_type", "RFC 8693 section 3"},
        BadRow{"requested token type with client credentials",
               idp("requested_token_type = \"urn:ietf:params:oauth:token-type:jwt\"\n"),
               "client.idp.requested_token_type", "only with grant"},
        BadRow{"empty cache file", idp("token_cache_file = \"\"\n"), "client.idp.token_cache_file",
               "file path"},
        BadRow{"dev without key", kDev + "audience = \"http://127.0.0.1:8080\"\n",
               "client.idp.dev_key_file", "dev-idp keygen"},
        BadRow{"dev without audience", kDev + "dev_key_file = \"k.jwk\"\n", "client.idp.audience",
               "missing"},
        BadRow{"dev with a client id",
               kDev + "dev_key_file = \"k.jwk\"\naudience = \"a\"\nclient_id = \"c\"\n",
               "client.idp.client_id", "only with grant"},
        BadRow{"dev with a secret",
               kDev + "dev_key_file = \"k.jwk\"\naudience = \"a\"\nclient_secret = \"s\"\n",
               "client.idp.client_secret", "grant = \"dev\""},
        BadRow{"dev ttl too short", idp("dev_ttl_seconds = 10\n"), "client.idp.dev_ttl_seconds",
               "between"},
        BadRow{"static token as well", "[client]\ntoken = \"dev-token-64501\"\n" + idp(""),
               "client.idp", "not both"}),
    [](const ::testing::TestParamInfo<BadRow>& row) {
      std::string name;
      for (char c : row.param.name)
        name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return name;
    });

const std::string kAutopeer = "[client.autopeer]\nstate_file = \"s.json\"\n";

INSTANTIATE_TEST_SUITE_P(
    AutopeerRows, BadClientKeys,
    ::testing::Values(
        BadRow{"no state file", "[client.autopeer]\nbackoff_hours = 1\n",
               "client.autopeer.state_file", "missing required key"},
        BadRow{"empty state file", "[client.autopeer]\nstate_file = \"\"\n",
               "client.autopeer.state_file", "file path"},
        BadRow{"unknown key", kAutopeer + "backoff = 1\n", "client.autopeer.backoff",
               "unknown key"},
        BadRow{"negative backoff", kAutopeer + "backoff_hours = -1\n",
               "client.autopeer.backoff_hours", "between"},
        BadRow{"facility instead of IX", kAutopeer + "ixs = [\"pdb:fac:1\"]\n",
               "client.autopeer.ixs[0]", "IX location id"},
        BadRow{"IX number", kAutopeer + "ixs = [\"pdb:ix:1\", \"7\"]\n", "client.autopeer.ixs[1]",
               "IX location id"},
        BadRow{"IX twice", kAutopeer + "ixs = [\"pdb:ix:1\", \"pdb:ix:1\"]\n",
               "client.autopeer.ixs[1]", "twice"},
        BadRow{"family five", kAutopeer + "families = [5]\n", "client.autopeer.families[0]",
               "4 or 6"},
        BadRow{"family as text", kAutopeer + "families = [4, \"6\"]\n",
               "client.autopeer.families[1]", "4 or 6"},
        BadRow{"no family", kAutopeer + "families = []\n", "client.autopeer.families", "non-empty"},
        BadRow{"family twice", kAutopeer + "families = [6, 6]\n", "client.autopeer.families[1]",
               "twice"},
        BadRow{"reserved ASN denied", kAutopeer + "deny_asns = [64500, 23456]\n",
               "client.autopeer.deny_asns[1]", "23456"},
        BadRow{"prefix bounds crossed", kAutopeer + "min_prefixes6 = 10\nmax_prefixes6 = 5\n",
               "client.autopeer.min_prefixes6", "above max_prefixes6"},
        BadRow{"negative prefix bound", kAutopeer + "max_prefixes4 = -1\n",
               "client.autopeer.max_prefixes4", "between"},
        BadRow{"no new networks", kAutopeer + "max_new_networks = 0\n",
               "client.autopeer.max_new_networks", "between"}),
    [](const ::testing::TestParamInfo<BadRow>& row) {
      std::string name;
      for (char c : row.param.name)
        name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return name;
    });

}  // namespace
}  // namespace peerapi::config
