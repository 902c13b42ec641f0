// The development identity provider (`peerapi dev-idp ...`): a signing key kept in a file, the
// JWK Set a server trusts it with, and RFC 9068 access tokens in the shape real IdPs issue
// (PeeringDB-style `networks` claim). For labs, tests and the README tour; it runs offline.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "auth/jose/jwk.hpp"
#include "model/asn.hpp"
#include "model/error.hpp"
#include "util/clock.hpp"

namespace peerapi::auth::dev_idp {

/// A fresh private key for `algorithm` ("EdDSA", "ES256", "ES384", "RS256", "PS256") as a
/// private JWK with kid = its RFC 7638 thumbprint and alg set. invalid_value at "alg" for other
/// names.
Result<jose::Jwk> generate_key(std::string_view algorithm);

/// Writes the private JWK to `file` with mode 0600 (created; parent directories too). Refuses
/// to replace an existing file unless `overwrite` (io_error naming the file).
Result<void> write_key(const std::filesystem::path& file, const jose::Jwk& key, bool overwrite);
/// Reads a private JWK written by write_key (or any private JWK). io_error / invalid_value.
Result<jose::Jwk> read_key(const std::filesystem::path& file);

/// {"keys": [the public half]} as JSON text.
Result<std::string> jwks_json(const jose::Jwk& key);

struct TokenRequest {
  std::string issuer;
  std::string audience;
  std::vector<model::Asn> asns;
  std::string subject;  // empty: "dev@as<first asn>.example"
  std::optional<std::string> email;
  int perms = 15;  // PeeringDB bits granted for every ASN
  std::int64_t ttl_seconds = 3600;
  std::optional<std::string> dpop_jkt;  // cnf.jkt (RFC 9449 section 6.1)
};

/// A signed JWT access token (typ at+jwt, RFC 9068 section 2): iss, aud, sub, iat, exp, jti,
/// client_id, scope "urn:ietf:params:oauth:scope:peering-api", networks [{asn, perms}], email
/// and cnf.jkt when given. invalid_value with the field for bad requests (no ASN, ttl <= 0...).
Result<std::string> issue_token(const jose::Jwk& key, const TokenRequest& request,
                                const util::Clock& clock, util::RandomSource& random);

}  // namespace peerapi::auth::dev_idp
