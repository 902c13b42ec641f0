#include "server/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "util/crypto.hpp"

namespace peerapi::server {

namespace ssl = boost::asio::ssl;

namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

/// OpenSSL's queued errors as one line (and the queue cleared).
std::string openssl_errors() {
  std::string out;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    out += (out.empty() ? "" : "; ") + std::string(buffer);
  }
  return out.empty() ? "no detail" : out;
}

/// The file exists, is a regular file and can be opened for reading.
Result<void> readable(const std::filesystem::path& file, const std::string& key) {
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  if (ec || !std::filesystem::exists(status))
    return fail(ErrorCode::config_invalid, key, file.string() + ": no such file");
  if (!std::filesystem::is_regular_file(status))
    return fail(ErrorCode::config_invalid, key, file.string() + ": not a regular file");
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return fail(ErrorCode::config_invalid, key, file.string() + ": cannot be read (permissions?)");
  return {};
}

/// Encrypted keys would make OpenSSL prompt on the terminal; refuse them instead.
int no_password(char*, int, int, void*) {
  return 0;
}

std::string der_sha256(X509* cert) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(cert, EVP_sha256(), digest, &length) != 1)
    return {};
  return util::hex_encode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

}  // namespace

TlsContext::TlsContext() : context_(ssl::context::tls_server) {}

Result<std::shared_ptr<TlsContext>> TlsContext::create(const config::TlsSection& tls) {
  ERR_clear_error();
  if (auto ok = readable(tls.cert_file, "server.tls.cert_file"); !ok)
    return std::unexpected(ok.error());
  if (auto ok = readable(tls.key_file, "server.tls.key_file"); !ok)
    return std::unexpected(ok.error());
  if (!tls.client_ca_file.empty()) {
    if (auto ok = readable(tls.client_ca_file, "server.tls.client_ca_file"); !ok)
      return std::unexpected(ok.error());
  }

  std::unique_ptr<BIO, BioFree> cert_bio(BIO_new_file(tls.cert_file.c_str(), "r"));
  std::unique_ptr<X509, X509Free> leaf(
      cert_bio ? PEM_read_bio_X509(cert_bio.get(), nullptr, no_password, nullptr) : nullptr);
  if (!leaf) {
    return fail(ErrorCode::config_invalid, "server.tls.cert_file",
                tls.cert_file.string() + ": no PEM certificate (" + openssl_errors() + ")");
  }
  std::unique_ptr<BIO, BioFree> key_bio(BIO_new_file(tls.key_file.c_str(), "r"));
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, no_password, nullptr) : nullptr);
  if (!key) {
    return fail(
        ErrorCode::config_invalid, "server.tls.key_file",
        tls.key_file.string() + ": no unencrypted PEM private key (" + openssl_errors() + ")");
  }
  if (X509_check_private_key(leaf.get(), key.get()) != 1) {
    ERR_clear_error();
    return fail(ErrorCode::config_invalid, "server.tls.key_file",
                tls.key_file.string() + ": the private key does not belong to the certificate in " +
                    tls.cert_file.string());
  }

  std::shared_ptr<TlsContext> out(new TlsContext());
  SSL_CTX* ctx = out->context_.native_handle();
  // RFC 9325 section 3.1.1: TLS 1.2 at least, no SSL 2/3, TLS 1.0 or 1.1.
  const int min_version = tls.min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
  SSL_CTX_set_min_proto_version(ctx, min_version);
  SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
  // Section 3.3: no TLS-level compression. Renegotiation is refused altogether (stricter than
  // section 3.5, which asks for RFC 5746 protection). The server's cipher order wins.
  SSL_CTX_set_options(ctx, SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 |
                               SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1 ||
      SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384") != 1) {
    return fail(ErrorCode::config_invalid, "server.tls",
                "OpenSSL refused the cipher or group list: " + openssl_errors());
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, tls.cert_file.c_str()) != 1) {
    return fail(
        ErrorCode::config_invalid, "server.tls.cert_file",
        tls.cert_file.string() + ": cannot use the certificate chain (" + openssl_errors() + ")");
  }
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    return fail(ErrorCode::config_invalid, "server.tls.key_file",
                tls.key_file.string() + ": " + openssl_errors());
  }
  // Resumed sessions of verified clients need a session id context.
  static constexpr unsigned char kSessionContext[] = "peerapi";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1);

  const bool has_ca = !tls.client_ca_file.empty();
  if (has_ca) {
    if (SSL_CTX_load_verify_locations(ctx, tls.client_ca_file.c_str(), nullptr) != 1) {
      return fail(
          ErrorCode::config_invalid, "server.tls.client_ca_file",
          tls.client_ca_file.string() + ": no PEM CA certificate (" + openssl_errors() + ")");
    }
    // The CA names go to the client in the CertificateRequest, so it picks a matching cert.
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(tls.client_ca_file.c_str()))
      SSL_CTX_set_client_CA_list(ctx, names);
  }
  out->verifies_clients_ = has_ca || !tls.client_cert_sha256.empty();
  if (out->verifies_clients_) {
    out->context_.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    // With a CA: the chain must verify, and the leaf be listed when there is a list. Without a
    // CA: the list pins the leaf certificate itself (self-signed client certificates).
    out->context_.set_verify_callback([has_ca, allowed = tls.client_cert_sha256](
                                          bool preverified, ssl::verify_context& verify) {
      X509_STORE_CTX* store = verify.native_handle();
      if (has_ca && !preverified)
        return false;
      if (X509_STORE_CTX_get_error_depth(store) != 0)
        return true;
      if (allowed.empty())
        return preverified;
      X509* cert = X509_STORE_CTX_get_current_cert(store);
      const std::string fingerprint = cert != nullptr ? der_sha256(cert) : std::string();
      const bool listed = std::find(allowed.begin(), allowed.end(), fingerprint) != allowed.end();
      if (!listed)
        X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
      else if (!has_ca)
        X509_STORE_CTX_set_error(store, X509_V_OK);
      return listed;
    });
  }
  out->fingerprint_ = der_sha256(leaf.get());
  ERR_clear_error();
  return out;
}

}  // namespace peerapi::server
