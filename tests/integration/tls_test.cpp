// HTTPS per RFC 9325 against a real `peerapi serve`: protocol versions and cipher suites
// (checked with `openssl s_client`), the client library over https, client certificates, and
// the checks on the [server.tls] files.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "client/peer_api_client.hpp"
#include "client/retry.hpp"
#include "integration/server_process.hpp"
#include "integration/tls_support.hpp"
#include "net/http_client.hpp"
#include "server/tls_context.hpp"
#include "support/test_support.hpp"
#include "util/clock.hpp"
#include "util/crypto.hpp"

namespace peerapi::testing {
namespace {

std::string tls_section(const CertFiles& server, const std::string& extra = "") {
  return "\n[server.tls]\ncert_file = \"" + server.cert.string() + "\"\nkey_file = \"" +
         server.key.string() + "\"\n" + extra;
}

class Https : public ::testing::Test {
 protected:
  void SetUp() override {
    ca = make_ca(dir.path(), "ca");
    server_cert = make_leaf(dir.path(), "server", ca, /*server=*/true);
  }
  void start(const std::string& extra_tls = "", const std::string& extra_server = "") {
    server = std::make_unique<ServerProcess>(
        dir.path(), process_config(dir.path(), extra_server + tls_section(server_cert, extra_tls)));
    ASSERT_TRUE(server->wait_ready()) << server->log();
  }
  TlsClientOptions trusting() const {
    TlsClientOptions options;
    options.ca_file = ca.cert;
    return options;
  }

  /// `openssl s_client` with `flags`; whether the handshake completed, and its output.
  std::pair<bool, std::string> s_client(const std::string& flags) {
    auto result =
        run_command("openssl s_client -brief -connect 127.0.0.1:" + std::to_string(server->port()) +
                    " " + flags + " </dev/null");
    return {result.output.find("CONNECTION ESTABLISHED") != std::string::npos, result.output};
  }

  TempDir dir;
  CertFiles ca, server_cert;
  std::unique_ptr<ServerProcess> server;
};

TEST_F(Https, ListensOnHttpsAndServes) {
  start();
  EXPECT_NE(server->log().find("listening on https://127.0.0.1:"), std::string::npos);
  ASSERT_TRUE(tls_ready(server->port(), trusting())) << server->log();
  TlsClient client(server->port(), trusting());
  ASSERT_TRUE(client.connected());
  EXPECT_EQ(client.peer_sha256(), cert_sha256(server_cert.cert));
  EXPECT_EQ(client.request("GET", "/locations?asn=64500").status, 200);
  // Keep-alive: a second request on the same TLS connection.
  EXPECT_EQ(client.request("GET", "/locations?asn=64500").status, 200);
  // Plain HTTP on the TLS port gets no answer.
  EXPECT_EQ(http_call(server->port(), "GET", "/healthz", "", "").status, 0);
}

struct VersionRow {
  std::string flags;
  bool accepted;
};

TEST_F(Https, OffersOnlyTls12And13WithAeadSuites) {
  start();
  ASSERT_TRUE(tls_ready(server->port(), trusting())) << server->log();
  // SECLEVEL=0 lets the client offer what it otherwise would not, so a refusal is the server's.
  const std::vector<VersionRow> rows{
      {"-tls1 -cipher DEFAULT:@SECLEVEL=0", false},
      {"-tls1_1 -cipher DEFAULT:@SECLEVEL=0", false},
      {"-tls1_2", true},
      {"-tls1_3", true},
      {"-tls1_2 -cipher AES128-SHA:@SECLEVEL=0", false},
      {"-tls1_2 -cipher ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0", false},
      {"-tls1_2 -cipher AES128-GCM-SHA256:@SECLEVEL=0", false},  // AEAD, but no ECDHE
      {"-tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256", true},
      {"-tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305", true},
  };
  for (const auto& row : rows) {
    auto [established, output] = s_client(row.flags);
    EXPECT_EQ(established, row.accepted) << row.flags << "\n" << output;
    if (!row.accepted) {
      // The server said no (an alert), not the client refusing to offer.
      EXPECT_NE(output.find("alert"), std::string::npos) << row.flags << "\n" << output;
    }
  }
  // Handshake failures are not errors in the server's log.
  EXPECT_EQ(server->log().find("error"), std::string::npos) << server->log();
}

TEST_F(Https, MinVersion13RefusesTls12) {
  start("min_version = \"1.3\"\n");
  ASSERT_TRUE(tls_ready(server->port(), trusting())) << server->log();
  auto [tls12, output12] = s_client("-tls1_2");
  EXPECT_FALSE(tls12) << output12;
  EXPECT_NE(output12.find("alert"), std::string::npos) << output12;
  auto [tls13, output13] = s_client("-tls1_3");
  EXPECT_TRUE(tls13) << output13;
}

TEST_F(Https, RenegotiationIsRefused) {
  start();
  ASSERT_TRUE(tls_ready(server->port(), trusting())) << server->log();
  // "R" on s_client's input asks for a renegotiation (TLS 1.2); the server refuses it.
  auto result = run_command(
      "sh -c '(printf \"R\\n\"; sleep 1) | openssl s_client -tls1_2 "
      "-connect 127.0.0.1:" +
      std::to_string(server->port()) + "'");
  EXPECT_NE(result.output.find("RENEGOTIATING"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("no renegotiation"), std::string::npos) << result.output;
}

TEST_F(Https, ClientLibraryTrustsTheConfiguredCaOnly) {
  start();
  ASSERT_TRUE(tls_ready(server->port(), trusting())) << server->log();
  util::SystemClock clock;
  util::SecureRandom random;
  client::ThreadSleeper sleeper;
  client::ClientOptions options;
  options.base_url = "https://127.0.0.1:" + std::to_string(server->port());
  options.access_token = "dev-token-64501";
  options.retry.max_retries = 0;
  const auto asn = *model::Asn::from_number(64500);

  net::HttpClientOptions trusted;
  trusted.policy.allow_loopback_http = true;
  trusted.ca_file = ca.cert;
  trusted.timeout_ms = 10'000;
  net::CurlHttpClient trusting_http(trusted);
  client::PeerApiClient good(options, trusting_http, clock, random, sleeper);
  auto locations = good.list_locations(asn);
  ASSERT_TRUE(locations.has_value()) << locations.error().describe();
  EXPECT_FALSE(locations->empty());

  const CertFiles other = make_ca(dir.path(), "other-ca");
  net::HttpClientOptions untrusted = trusted;
  untrusted.ca_file = other.cert;
  net::CurlHttpClient untrusting_http(untrusted);
  client::PeerApiClient bad(options, untrusting_http, clock, random, sleeper);
  auto refused = bad.list_locations(asn);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().describe().find("certificate"), std::string::npos)
      << refused.error().describe();
}

TEST_F(Https, ClientCertificateAllowlist) {
  const CertFiles allowed = make_leaf(dir.path(), "client-allowed", ca, /*server=*/false);
  const CertFiles other = make_leaf(dir.path(), "client-other", ca, /*server=*/false);
  start("client_ca_file = \"" + ca.cert.string() + "\"\nclient_cert_sha256 = [\"" +
        cert_sha256(allowed.cert) + "\"]\n");
  TlsClientOptions with_allowed = trusting();
  with_allowed.cert_file = allowed.cert;
  with_allowed.key_file = allowed.key;
  ASSERT_TRUE(tls_ready(server->port(), with_allowed)) << server->log();

  struct Row {
    std::string name;
    TlsClientOptions options;
    int status;
  };
  TlsClientOptions with_other = trusting();
  with_other.cert_file = other.cert;
  with_other.key_file = other.key;
  const std::vector<Row> rows{
      {"no certificate", trusting(), 0},
      {"listed certificate", with_allowed, 200},
      {"unlisted certificate from the same CA", with_other, 0},
  };
  for (const auto& row : rows) {
    TlsClient client(server->port(), row.options);
    EXPECT_EQ(client.request("GET", "/locations?asn=64500").status, row.status) << row.name;
  }
}

TEST_F(Https, ClientCertificateFromAnotherCaIsRefused) {
  const CertFiles other_ca = make_ca(dir.path(), "other-ca");
  const CertFiles stranger = make_leaf(dir.path(), "stranger", other_ca, /*server=*/false);
  const CertFiles member = make_leaf(dir.path(), "member", ca, /*server=*/false);
  start("client_ca_file = \"" + ca.cert.string() + "\"\n");
  TlsClientOptions with_member = trusting();
  with_member.cert_file = member.cert;
  with_member.key_file = member.key;
  ASSERT_TRUE(tls_ready(server->port(), with_member)) << server->log();
  TlsClientOptions with_stranger = trusting();
  with_stranger.cert_file = stranger.cert;
  with_stranger.key_file = stranger.key;
  TlsClient refused(server->port(), with_stranger);
  EXPECT_EQ(refused.request("GET", "/locations?asn=64500").status, 0);
}

TEST_F(Https, BadTlsFilesStopTheStartWithTheKeyNamed) {
  const CertFiles other = make_leaf(dir.path(), "other", ca, /*server=*/true);
  CertFiles mismatched{server_cert.cert, other.key};
  ServerProcess refused(dir.path(), process_config(dir.path(), tls_section(mismatched)));
  // A configuration error (exit 2, so never ready), found before any data is loaded.
  EXPECT_EQ(refused.wait_exit(std::chrono::seconds(10)), 2) << refused.log();
  EXPECT_NE(refused.log().find("server.tls.key_file"), std::string::npos) << refused.log();
  EXPECT_NE(refused.log().find("does not belong"), std::string::npos) << refused.log();
  EXPECT_EQ(refused.log().find("PeeringDB snapshot"), std::string::npos) << refused.log();
}

struct FileRow {
  std::string name;
  std::function<config::TlsSection(const std::filesystem::path& dir, const CertFiles& ca,
                                   const CertFiles& server, const CertFiles& other)>
      make;
  std::string field;
  std::string message;
};

TEST_F(Https, TlsContextNamesTheBadFile) {
  const CertFiles other = make_leaf(dir.path(), "other", ca, /*server=*/true);
  write_file(dir.path() / "not-pem.txt", "hello\n");
  const auto base = [](const CertFiles& files) {
    config::TlsSection tls;
    tls.cert_file = files.cert;
    tls.key_file = files.key;
    return tls;
  };
  const std::vector<FileRow> rows{
      {"missing certificate",
       [&](auto& d, auto&, auto& s, auto&) {
         auto t = base(s);
         t.cert_file = d / "absent.pem";
         return t;
       },
       "server.tls.cert_file", "no such file"},
      {"certificate is a directory",
       [&](auto& d, auto&, auto& s, auto&) {
         auto t = base(s);
         t.cert_file = d;
         return t;
       },
       "server.tls.cert_file", "not a regular file"},
      {"certificate not PEM",
       [&](auto& d, auto&, auto& s, auto&) {
         auto t = base(s);
         t.cert_file = d / "not-pem.txt";
         return t;
       },
       "server.tls.cert_file", "no PEM certificate"},
      {"missing key",
       [&](auto& d, auto&, auto& s, auto&) {
         auto t = base(s);
         t.key_file = d / "absent.key";
         return t;
       },
       "server.tls.key_file", "no such file"},
      {"key not PEM",
       [&](auto& d, auto&, auto& s, auto&) {
         auto t = base(s);
         t.key_file = d / "not-pem.txt";
         return t;
       },
       "server.tls.key_file", "no unencrypted PEM private key"},
      {"key of another certificate",
       [&](auto&, auto&, auto& s, auto& o) {
         auto t = base(s);
         t.key_file = o.key;
         return t;
       },
       "server.tls.key_file", "does not belong"},
      {"missing client CA",
       [&](auto& d, auto&, auto& s, auto&) {
         auto t = base(s);
         t.client_ca_file = d / "absent-ca.pem";
         return t;
       },
       "server.tls.client_ca_file", "no such file"},
      {"client CA not PEM",
       [&](auto& d, auto&, auto& s, auto&) {
         auto t = base(s);
         t.client_ca_file = d / "not-pem.txt";
         return t;
       },
       "server.tls.client_ca_file", "no PEM CA certificate"},
  };
  for (const auto& row : rows) {
    auto created = server::TlsContext::create(row.make(dir.path(), ca, server_cert, other));
    ASSERT_FALSE(created.has_value()) << row.name;
    EXPECT_EQ(created.error().field, row.field) << row.name;
    EXPECT_NE(created.error().message.find(row.message), std::string::npos)
        << row.name << ": " << created.error().message;
  }
  auto good = server::TlsContext::create(base(server_cert));
  ASSERT_TRUE(good.has_value()) << good.error().message;
  EXPECT_EQ((*good)->certificate_sha256(), cert_sha256(server_cert.cert));
}

}  // namespace
}  // namespace peerapi::testing
