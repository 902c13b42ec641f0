// Turns an Authorization header into a Principal (RFC 6750 bearer tokens).
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/principal.hpp"
#include "config/config.hpp"
#include "model/error.hpp"

namespace peerapi::auth {

/// Why authentication failed, for the WWW-Authenticate challenge (RFC 6750 section 3.1).
enum class AuthFailure {
  no_credentials,   // no Authorization header: challenge without an error code
  invalid_request,  // malformed header or another scheme
  invalid_token,    // a token was given but is not valid
};

struct AuthError {
  AuthFailure failure;
  std::string description;  // safe to show: never contains the token
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  /// `authorization` is the raw header value, empty when absent.
  virtual std::expected<Principal, AuthError> authenticate(
      std::string_view authorization) const = 0;
};

/// Tokens from `[[auth.static_tokens]]`: for development and tests. Looked up by SHA-256 of
/// the token, so lookup time does not depend on how much of a guess matches.
class StaticTokenAuthenticator final : public Authenticator {
 public:
  explicit StaticTokenAuthenticator(const std::vector<config::StaticToken>& tokens);
  std::expected<Principal, AuthError> authenticate(std::string_view authorization) const override;

 private:
  std::unordered_map<std::string, Principal> by_digest_;
};

/// The bearer token of an "Authorization: Bearer <token>" header (scheme case-insensitive,
/// RFC 6750 section 2.1 b64token syntax).
std::expected<std::string_view, AuthError> bearer_token(std::string_view authorization);

}  // namespace peerapi::auth
