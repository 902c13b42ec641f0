// The server's TLS context for [server.tls], set up as RFC 9325 (BCP 195) asks: TLS 1.2 and 1.3
// only, TLS 1.2 with ECDHE and AEAD cipher suites only, no compression, no renegotiation.
// Immutable once built: a reload builds a new one, and each connection keeps the one it
// started with (shared_ptr).
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "model/error.hpp"

namespace peerapi::server {

class TlsContext {
 public:
  /// Reads cert_file (certificate and chain), key_file and client_ca_file. Errors name the key:
  /// a missing or unreadable file, a file without a PEM certificate or key, a key that does not
  /// belong to the certificate ("server.tls.key_file").
  static Result<std::shared_ptr<TlsContext>> create(const config::TlsSection& tls);

  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  [[nodiscard]] boost::asio::ssl::context& native() noexcept { return context_; }
  /// SHA-256 over the DER of the server certificate, lower-case hex (for the log).
  [[nodiscard]] const std::string& certificate_sha256() const noexcept { return fingerprint_; }
  /// Whether clients must present a certificate (client_ca_file or client_cert_sha256 set).
  [[nodiscard]] bool verifies_clients() const noexcept { return verifies_clients_; }

 private:
  TlsContext();
  boost::asio::ssl::context context_;
  std::string fingerprint_;
  bool verifies_clients_ = false;
};

/// The TLS 1.2 cipher suites offered (OpenSSL names): ECDHE key exchange with AES-GCM or
/// ChaCha20-Poly1305 (RFC 9325 section 4.2). TLS 1.3 keeps OpenSSL's default suites, all AEAD.
inline constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

}  // namespace peerapi::server
