// [server.tls], server.max_connections_per_address, server.drain_timeout_ms: defaults, and every
// bad value named with its key; the key diff SIGHUP uses to name what needs a restart.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/config_diff.hpp"
#include "config/minimal_config.hpp"

namespace peerapi::config {
namespace {

/// The minimal configuration with `server_keys` added to its [server] table and `tail` after it.
std::string with(const std::string& server_keys, const std::string& tail = "") {
  std::string text(testing::kMinimal);
  const std::string listen = "listen = [\"127.0.0.1:8080\"]\n";
  text.insert(text.find(listen) + listen.size(), server_keys);
  return text + tail;
}

const std::string kTls =
    "[server.tls]\ncert_file = \"/etc/peerapi/cert.pem\"\nkey_file = \"/etc/peerapi/key.pem\"\n";

TEST(TlsConfig, DefaultsWithoutTls) {
  auto config = parse_config(with(""));
  ASSERT_TRUE(config.has_value()) << describe(config.error());
  EXPECT_FALSE(config->server.tls.has_value());
  EXPECT_EQ(config->server.max_connections_per_address, 256);
  EXPECT_EQ(config->server.drain_timeout_ms, 10'000);
}

TEST(TlsConfig, FullSectionParses) {
  auto config = parse_config(with(
      "max_connections_per_address = 0\ndrain_timeout_ms = 2500\n",
      kTls +
          "client_ca_file = \"/etc/peerapi/clients.pem\"\nmin_version = \"1.3\"\n"
          "client_cert_sha256 = [\"" +
          std::string(64, 'a') +
          "\", \"AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:"
          "EF:01:23:45:67:89\"]\n"));
  ASSERT_TRUE(config.has_value()) << describe(config.error());
  ASSERT_TRUE(config->server.tls.has_value());
  const TlsSection& tls = *config->server.tls;
  EXPECT_EQ(tls.cert_file, "/etc/peerapi/cert.pem");
  EXPECT_EQ(tls.key_file, "/etc/peerapi/key.pem");
  EXPECT_EQ(tls.client_ca_file, "/etc/peerapi/clients.pem");
  EXPECT_EQ(tls.min_version, "1.3");
  ASSERT_EQ(tls.client_cert_sha256.size(), 2u);
  EXPECT_EQ(tls.client_cert_sha256[0], std::string(64, 'a'));
  // openssl's "AB:CD:..." form is normalised to lower-case hex.
  EXPECT_EQ(tls.client_cert_sha256[1],
            "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
  EXPECT_EQ(config->server.max_connections_per_address, 0);
  EXPECT_EQ(config->server.drain_timeout_ms, 2500);
}

struct BadRow {
  std::string name;
  std::string server_keys;
  std::string tail;
  std::string field;
};

TEST(TlsConfig, EveryBadValueIsNamed) {
  const std::vector<BadRow> rows{
      {"cert_file missing", "", "[server.tls]\nkey_file = \"k.pem\"\n", "server.tls.cert_file"},
      {"key_file missing", "", "[server.tls]\ncert_file = \"c.pem\"\n", "server.tls.key_file"},
      {"cert_file empty", "", "[server.tls]\ncert_file = \"\"\nkey_file = \"k.pem\"\n",
       "server.tls.cert_file"},
      {"key_file not a string", "", "[server.tls]\ncert_file = \"c.pem\"\nkey_file = 3\n",
       "server.tls.key_file"},
      {"client_ca_file empty", "", kTls + "client_ca_file = \"\"\n", "server.tls.client_ca_file"},
      {"fingerprint too short", "",
       kTls + "client_cert_sha256 = [\"" + std::string(63, 'a') + "\"]\n",
       "server.tls.client_cert_sha256[0]"},
      {"fingerprint not hex", "",
       kTls + "client_cert_sha256 = [\"" + std::string(64, 'g') + "\"]\n",
       "server.tls.client_cert_sha256[0]"},
      {"second fingerprint bad", "",
       kTls + "client_cert_sha256 = [\"" + std::string(64, 'a') + "\", \"xyz\"]\n",
       "server.tls.client_cert_sha256[1]"},
      {"fingerprints not a list", "",
       kTls + "client_cert_sha256 = \"" + std::string(64, 'a') + "\"\n",
       "server.tls.client_cert_sha256"},
      {"min_version 1.1", "", kTls + "min_version = \"1.1\"\n", "server.tls.min_version"},
      {"min_version number", "", kTls + "min_version = 1.2\n", "server.tls.min_version"},
      {"unknown tls key", "", kTls + "ciphers = \"ALL\"\n", "server.tls.ciphers"},
      {"tls not a table", "tls = true\n", "", "server.tls"},
      {"per-address cap negative", "max_connections_per_address = -1\n", "",
       "server.max_connections_per_address"},
      {"drain timeout too long", "drain_timeout_ms = 600001\n", "", "server.drain_timeout_ms"},
      {"drain timeout not a number", "drain_timeout_ms = \"10s\"\n", "", "server.drain_timeout_ms"},
  };
  for (const auto& row : rows) {
    auto config = parse_config(with(row.server_keys, row.tail));
    ASSERT_FALSE(config.has_value()) << row.name;
    ASSERT_EQ(config.error().size(), 1u) << row.name << ": " << describe(config.error());
    EXPECT_EQ(config.error()[0].code, ErrorCode::config_invalid) << row.name;
    EXPECT_EQ(config.error()[0].field, row.field) << row.name << ": " << describe(config.error());
  }
}

struct DiffRow {
  std::string name;
  std::string before;
  std::string after;
  std::vector<std::string> changed;
};

TEST(ConfigDiff, NamesChangedKeysTwoLevelsDeep) {
  const std::vector<DiffRow> rows{
      {"same", "[server]\nthreads = 2\n", "[server]\nthreads = 2\n", {}},
      {"comments and order do not count",
       "[server]\na = 1\nb = 2\n",
       "# x\n[server]\nb = 2 # y\na = 1\n",
       {}},
      {"one server key",
       "[server]\nthreads = 2\nlisten = [\"a\"]\n",
       "[server]\nthreads = 3\nlisten = [\"a\"]\n",
       {"server.threads"}},
      {"a tls file",
       "[server.tls]\ncert_file = \"a\"\n",
       "[server.tls]\ncert_file = \"b\"\n",
       {"server.tls"}},
      {"tls added",
       "[server]\nthreads = 2\n",
       "[server]\nthreads = 2\n[server.tls]\nx = 1\n",
       {"server.tls"}},
      {"section removed",
       "[log]\nlevel = \"info\"\n[store]\nsqlite = \"a\"\n",
       "[log]\nlevel = \"info\"\n",
       {"store"}},
      {"log level", "[log]\nlevel = \"info\"\n", "[log]\nlevel = \"debug\"\n", {"log.level"}},
      {"array of tables",
       "[[auth.static_tokens]]\ntoken = \"a\"\n",
       "[[auth.static_tokens]]\ntoken = \"b\"\n",
       {"auth.static_tokens"}},
  };
  for (const auto& row : rows)
    EXPECT_EQ(changed_keys(row.before, row.after), row.changed) << row.name;
}

}  // namespace
}  // namespace peerapi::config
