// Turns a request's credentials into a Principal (DESIGN.md "auth/"): bearer tokens (RFC 6750),
// DPoP-bound tokens with their proofs (RFC 9449) and HTTP message signatures (RFC 9421).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "auth/principal.hpp"
#include "config/config.hpp"
#include "model/error.hpp"

namespace peerapi::auth {

/// Why authentication failed; decides the status and the WWW-Authenticate challenge.
enum class AuthFailure {
  no_credentials,      // no usable Authorization: 401, challenge without an error code
  invalid_request,     // malformed Authorization or request: 400 (RFC 6750 section 3.1)
  invalid_token,       // the token is not valid: 401 error="invalid_token"
  invalid_dpop_proof,  // the DPoP proof is missing or not valid: 401 (RFC 9449 section 7.1)
  use_dpop_nonce,      // the proof lacks the current server nonce: 401 + DPoP-Nonce (section 8)
  invalid_signature,   // the RFC 9421 signature is missing or not valid: 401 + Accept-Signature
  unavailable,         // a dependency (replay cache, PeeringDB) failed: 503, nothing decided
};

struct AuthError {
  AuthError(AuthFailure kind, std::string text, std::string at = "Authorization")
      : failure(kind), description(std::move(text)), field(std::move(at)) {}

  AuthFailure failure;
  std::string description;              // safe to show: never contains a token
  std::string field = "Authorization";  // what failed, e.g. "dpop.htu", "signature_input.sig1"
  /// The challenge scheme: "DPoP" when the server requires DPoP, else "Bearer".
  std::string scheme = "Bearer";
  std::optional<std::string> dpop_nonce;  // a fresh nonce to send as DPoP-Nonce
};

/// What authentication looks at, independent of the HTTP library.
struct RequestView {
  std::string_view method;
  std::string_view target;  // origin-form path and query
  std::string_view origin;  // the server's public origin, "https://peering.example.net"
  std::string_view authorization;
  std::string_view body;
  const std::vector<std::pair<std::string, std::string>>* fields = nullptr;  // all header lines
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual std::expected<Principal, AuthError> authenticate(const RequestView& request) = 0;
};

/// Tokens from `[[auth.static_tokens]]`: for development and tests. Looked up by SHA-256 of
/// the token, so lookup time does not depend on how much of a guess matches.
class StaticTokens {
 public:
  explicit StaticTokens(const std::vector<config::StaticToken>& tokens);
  [[nodiscard]] const Principal* find(std::string_view token) const;
  [[nodiscard]] bool empty() const noexcept { return by_digest_.empty(); }

 private:
  std::unordered_map<std::string, Principal> by_digest_;
};

/// The scheme and token of an Authorization header: "Bearer <token>" (RFC 6750 section 2.1) or
/// "DPoP <token>" (RFC 9449 section 7.1); scheme names are case-insensitive, the token has
/// b64token syntax.
struct Credentials {
  enum class Scheme { bearer, dpop } scheme;
  std::string_view token;
};
std::expected<Credentials, AuthError> parse_authorization(std::string_view authorization);

}  // namespace peerapi::auth
