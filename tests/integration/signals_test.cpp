// Signals of a real `peerapi serve` (docs/operations.md "Signals: reload and drain"): SIGHUP
// re-reads the configuration (certificate rotation, log level, broken files refused), SIGTERM
// drains, and the per-address connection cap.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>

#include "integration/raw_connection.hpp"
#include "integration/server_process.hpp"
#include "integration/tls_support.hpp"
#include "support/test_support.hpp"

namespace peerapi::testing {
namespace {

std::string get(const std::string& target, bool keep_alive = true) {
  return "GET " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer dev-token-64501\r\n" +
         (keep_alive ? "" : "Connection: close\r\n") + "\r\n";
}

int status_of(const std::string& answer) {
  return answer.size() >= 12 ? std::atoi(answer.substr(9, 3).c_str()) : 0;
}

/// `stuck`, once served (so the server counts it), starts a POST whose body never completes
/// (the body timeout is 30 s by default): a request in flight for a drain to wait on.
bool holds_an_unfinished_request(RawConnection& stuck, int port) {
  if (!stuck.connected() || !stuck.send_text(get("/healthz")) ||
      status_of(stuck.read_answer()) != 200) {
    ADD_FAILURE() << "connection to port " << port << " was not served";
    return false;
  }
  return stuck.send_text(
      "POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 100\r\n\r\n{");
}

const std::string kSession =
    R"({"sessions":[{"local_asn":64501,"local_ip":"192.0.2.11","peer_asn":64500,"peer_ip":"192.0.2.10","location":"pdb:ix:1"}]})";

TEST(Drain, InFlightRequestFinishesIdleConnectionsCloseNewOnesAreRefused) {
  TempDir dir;
  ServerProcess server(dir.path(), process_config(dir.path()));
  ASSERT_TRUE(server.wait_ready()) << server.log();

  RawConnection idle(server.port());
  ASSERT_TRUE(idle.connected());
  idle.send_text(get("/locations?asn=64500"));
  ASSERT_EQ(status_of(idle.read_answer()), 200);

  RawConnection busy(server.port());
  ASSERT_TRUE(busy.connected());
  busy.send_text(get("/healthz"));  // the connection is accepted and served once
  ASSERT_EQ(status_of(busy.read_answer()), 200);
  const std::string header =
      "POST /sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer dev-token-64501\r\n"
      "Content-Type: application/json\r\nContent-Length: " +
      std::to_string(kSession.size()) + "\r\n\r\n";
  const std::size_t half = kSession.size() / 2;
  ASSERT_TRUE(busy.send_text(header + kSession.substr(0, half)));

  ASSERT_EQ(::kill(server.pid(), SIGTERM), 0);
  ASSERT_TRUE(wait_for_log(server, "draining")) << server.log();
  EXPECT_TRUE(idle.closed_by_server()) << "an idle keep-alive connection is closed at once";
  // The listener is closed: new connections are refused (bounded poll while it closes).
  bool refused = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (!refused && std::chrono::steady_clock::now() < deadline) {
    RawConnection late(server.port());
    refused = !late.connected();
    if (!refused)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(refused);

  ASSERT_TRUE(busy.send_text(kSession.substr(half))) << server.log();
  const std::string answer = busy.read_answer();
  EXPECT_EQ(status_of(answer), 200) << answer.substr(0, 300);
  EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer.substr(0, 300);
  EXPECT_EQ(server.wait_exit(std::chrono::seconds(10)), 0) << server.log();
}

TEST(Drain, StopsAtTheDrainTimeout) {
  TempDir dir;
  ServerProcess server(dir.path(), process_config(dir.path(), "drain_timeout_ms = 300\n"));
  ASSERT_TRUE(server.wait_ready()) << server.log();
  RawConnection stuck(server.port());
  ASSERT_TRUE(holds_an_unfinished_request(stuck, server.port()));
  ASSERT_EQ(::kill(server.pid(), SIGTERM), 0);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(server.wait_exit(std::chrono::seconds(10)), 0) << server.log();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  EXPECT_NE(server.log().find("drain timeout"), std::string::npos) << server.log();
}

TEST(Drain, SecondSigtermStopsAtOnce) {
  TempDir dir;
  ServerProcess server(dir.path(), process_config(dir.path()));  // drain timeout 10 s
  ASSERT_TRUE(server.wait_ready()) << server.log();
  RawConnection stuck(server.port());
  ASSERT_TRUE(holds_an_unfinished_request(stuck, server.port()));
  ASSERT_EQ(::kill(server.pid(), SIGTERM), 0);
  ASSERT_TRUE(wait_for_log(server, "draining")) << server.log();
  ASSERT_EQ(::kill(server.pid(), SIGTERM), 0);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(server.wait_exit(std::chrono::seconds(10)), 0) << server.log();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
}

TEST(ConnectionCap, PerSourceAddress) {
  TempDir dir;
  ServerProcess server(dir.path(), process_config(dir.path(), "max_connections_per_address = 5\n"));
  ASSERT_TRUE(server.wait_ready()) << server.log();
  // From 127.0.0.3: the readiness probes of wait_ready (from 127.0.0.1) may still be closing.
  // All of 127/8 is loopback on Linux.
  constexpr const char* kFrom = "127.0.0.3";
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 5; ++i) {
    held.push_back(std::make_unique<RawConnection>(server.port(), kFrom));
    ASSERT_TRUE(held.back()->connected());
    // Served: each of the five is accepted and counted before the next one is opened.
    held.back()->send_text(get("/healthz"));
    ASSERT_EQ(status_of(held.back()->read_answer()), 200) << i;
  }
  RawConnection sixth(server.port(), kFrom);
  ASSERT_TRUE(sixth.connected());
  sixth.send_text(get("/healthz"));
  const std::string refused = sixth.read_answer();
  EXPECT_EQ(status_of(refused), 503) << refused;
  EXPECT_NE(refused.find("too many connections from your address"), std::string::npos);
  // Another source address is not affected.
  RawConnection other(server.port(), "127.0.0.2");
  ASSERT_TRUE(other.connected());
  other.send_text(get("/locations?asn=64500"));
  EXPECT_EQ(status_of(other.read_answer()), 200);
  // A closed connection frees its place.
  held.pop_back();
  bool served = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (!served && std::chrono::steady_clock::now() < deadline) {
    RawConnection again(server.port(), kFrom);
    again.send_text(get("/healthz"));
    served = status_of(again.read_answer()) == 200;
  }
  EXPECT_TRUE(served);
}

class Reload : public ::testing::Test {
 protected:
  void SetUp() override {
    ca = make_ca(dir.path(), "ca");
    first = make_leaf(dir.path(), "first", ca, true);
    second = make_leaf(dir.path(), "second", ca, true);
    // The configured paths; their content is replaced to rotate the certificate.
    live = CertFiles{dir.path() / "live.pem", dir.path() / "live.key"};
    install(first);
  }
  void install(const CertFiles& files) {
    write_file(live.cert, read_file(files.cert));
    write_file(live.key, read_file(files.key));
  }
  std::string config(const std::string& tls_extra = "", const std::string& log = "") {
    return process_config(dir.path(), "\n[server.tls]\ncert_file = \"" + live.cert.string() +
                                          "\"\nkey_file = \"" + live.key.string() + "\"\n" +
                                          tls_extra) +
           log;
  }
  void start() {
    server = std::make_unique<ServerProcess>(dir.path(), config());
    ASSERT_TRUE(server->wait_ready()) << server->log();
    // Serving requests: the signal handlers are in place (SIGHUP is ignored before).
    ASSERT_TRUE(tls_ready(server->port(), trusting())) << server->log();
  }
  /// Sends SIGHUP and waits for the outcome's log line (the n-th such line).
  bool hup_and_wait(const std::string& line, int nth) {
    if (::kill(server->pid(), SIGHUP) != 0)
      return false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string log = server->log();
      int count = 0;
      for (auto at = log.find(line); at != std::string::npos; at = log.find(line, at + 1))
        ++count;
      if (count >= nth)
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  TlsClientOptions trusting() const {
    TlsClientOptions options;
    options.ca_file = ca.cert;
    return options;
  }

  TempDir dir;
  CertFiles ca, first, second, live;
  std::unique_ptr<ServerProcess> server;
};

TEST_F(Reload, NewCertificateForNewConnectionsOldConnectionsKeepWorking) {
  start();
  TlsClient before(server->port(), trusting());
  ASSERT_EQ(before.request("GET", "/locations?asn=64500").status, 200) << server->log();
  EXPECT_EQ(before.peer_sha256(), cert_sha256(first.cert));

  install(second);
  ASSERT_TRUE(hup_and_wait("configuration reloaded from", 1)) << server->log();
  EXPECT_EQ(before.request("GET", "/locations?asn=64500").status, 200)
      << "a keep-alive connection opened before the reload still answers";
  TlsClient after(server->port(), trusting());
  EXPECT_EQ(after.request("GET", "/locations?asn=64500").status, 200);
  EXPECT_EQ(after.peer_sha256(), cert_sha256(second.cert));
}

TEST_F(Reload, BrokenConfigurationKeepsTheOldOne) {
  start();
  const auto config_file = dir.path() / "peerapi.toml";
  const std::string good = read_file(config_file);
  struct Row {
    std::string name;
    std::string text;
    std::function<void()> prepare;
    std::string logged;  // the problem, as the log names it
  };
  const CertFiles other = make_leaf(dir.path(), "other", ca, true);
  const std::vector<Row> rows{
      {"not TOML", good + "\n[server\n", [] {}, "peerapi.toml:"},
      {"unknown key", good + "\n[log]\nlevle = \"debug\"\n", [] {}, "log.levle"},
      {"bad fingerprint", config("client_cert_sha256 = [\"abc\"]\n"), [] {},
       "server.tls.client_cert_sha256[0]"},
      {"key of another certificate", good, [&] { write_file(live.key, read_file(other.key)); },
       "server.tls.key_file"},
  };
  int refusals = 0;
  for (const auto& row : rows) {
    write_file(config_file, row.text);
    row.prepare();
    ASSERT_TRUE(hup_and_wait("configuration not reloaded", ++refusals)) << row.name << "\n"
                                                                        << server->log();
    EXPECT_NE(server->log().find(row.logged), std::string::npos) << row.name << "\n"
                                                                 << server->log();
    TlsClient client(server->port(), trusting());
    EXPECT_EQ(client.request("GET", "/locations?asn=64500").status, 200) << row.name;
    EXPECT_EQ(client.peer_sha256(), cert_sha256(first.cert)) << row.name;
    install(first);
  }
}

TEST_F(Reload, LogLevelTakesEffect) {
  start();
  {
    TlsClient client(server->port(), trusting());
    ASSERT_EQ(client.request("GET", "/locations?asn=64500").status, 200);
  }
  EXPECT_EQ(server->log().find("GET /locations?asn=64500 -> 200"), std::string::npos);
  write_file(dir.path() / "peerapi.toml", config("", "[log]\nlevel = \"debug\"\n"));
  ASSERT_TRUE(hup_and_wait("configuration reloaded from", 1)) << server->log();
  TlsClient client(server->port(), trusting());
  ASSERT_EQ(client.request("GET", "/locations?asn=64500").status, 200);
  EXPECT_TRUE(wait_for_log(*server, "GET /locations?asn=64500 -> 200")) << server->log();
}

TEST_F(Reload, KeysThatNeedARestartAreNamed) {
  start();
  const auto config_file = dir.path() / "peerapi.toml";
  std::string text = read_file(config_file);
  text.replace(text.find("threads = 2"), 11, "threads = 3");
  write_file(config_file, text);
  ASSERT_TRUE(hup_and_wait("configuration reloaded from", 1)) << server->log();
  EXPECT_NE(server->log().find("need a restart (not applied): server.threads"), std::string::npos)
      << server->log();
}

}  // namespace
}  // namespace peerapi::testing
