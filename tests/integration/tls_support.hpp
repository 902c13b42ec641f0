// Test certificates made with the openssl CLI (EC P-256), a blocking TLS HTTP client, and
// `openssl s_client` runs, for the HTTPS tests against a real `peerapi serve`.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "integration/server_process.hpp"

namespace peerapi::testing {

/// A key pair and certificate in PEM files.
struct CertFiles {
  std::filesystem::path cert;
  std::filesystem::path key;
};

/// Runs a shell command with a time bound; returns its exit status and its output (stdout and
/// stderr together).
struct CommandResult {
  int status = -1;
  std::string output;
};
CommandResult run_command(const std::string& command, int timeout_seconds = 20);

/// dir/NAME.pem and dir/NAME.key: a self-signed CA.
CertFiles make_ca(const std::filesystem::path& dir, const std::string& name);
/// A certificate signed by `ca` for IP 127.0.0.1 (server) or with clientAuth (client).
CertFiles make_leaf(const std::filesystem::path& dir, const std::string& name, const CertFiles& ca,
                    bool server);
/// SHA-256 over the DER of the first certificate in `pem_file`, lower-case hex.
std::string cert_sha256(const std::filesystem::path& pem_file);

struct TlsClientOptions {
  std::filesystem::path ca_file;    // trust anchor; empty: no verification
  std::filesystem::path cert_file;  // client certificate; empty: none
  std::filesystem::path key_file;
  std::string local_address;  // bind the client socket here first; empty: any
};

/// One TLS connection to 127.0.0.1:port that can carry several keep-alive requests.
class TlsClient {
 public:
  TlsClient(int port, const TlsClientOptions& options = {});
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  /// Whether the TCP connection and the TLS handshake succeeded.
  [[nodiscard]] bool connected() const;
  /// SHA-256 of the server's certificate (lower-case hex); empty before a handshake.
  [[nodiscard]] std::string peer_sha256() const;
  /// One request on this connection (keep-alive); status 0 when it fails.
  HttpResult request(const std::string& method, const std::string& target,
                     const std::string& body = {},
                     const std::string& authorization = "Bearer dev-token-64501");

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Waits (at most 20 s) until GET /readyz over TLS answers 200: ServerProcess::wait_ready only
/// checks that the TLS port accepts TCP connections.
bool tls_ready(int port, const TlsClientOptions& options);

/// Polls `server.log()` until it contains `text`, at most `timeout`.
bool wait_for_log(ServerProcess& server, const std::string& text,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace peerapi::testing
