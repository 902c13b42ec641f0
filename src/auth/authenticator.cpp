#include "auth/authenticator.hpp"

#include "util/crypto.hpp"

namespace peerapi::auth {

namespace {
bool is_b64token_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
}
}  // namespace

std::expected<std::string_view, AuthError> bearer_token(std::string_view authorization) {
  if (authorization.empty()) {
    return std::unexpected(AuthError{AuthFailure::no_credentials, "no Authorization header"});
  }
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) {
    return std::unexpected(
        AuthError{AuthFailure::no_credentials, "Authorization must be \"Bearer <token>\""});
  }
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    const char c = authorization[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c) != kScheme[i]) {
      // Another scheme counts as no bearer credentials at all (RFC 6750 section 3.1).
      return std::unexpected(
          AuthError{AuthFailure::no_credentials, "Authorization must use the Bearer scheme"});
    }
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ')
    token.remove_prefix(1);
  if (token.empty() || token.size() > 16384) {
    return std::unexpected(
        AuthError{AuthFailure::invalid_request, "the bearer token is empty or too long"});
  }
  for (char c : token) {
    if (!is_b64token_char(c)) {
      return std::unexpected(
          AuthError{AuthFailure::invalid_request, "the bearer token contains invalid characters"});
    }
  }
  return token;
}

StaticTokenAuthenticator::StaticTokenAuthenticator(const std::vector<config::StaticToken>& tokens) {
  for (const auto& t : tokens) {
    by_digest_.emplace(
        util::sha256(t.token),
        Principal{.subject = t.subject, .issuer = "static", .email = std::nullopt, .asns = t.asns});
  }
}

std::expected<Principal, AuthError> StaticTokenAuthenticator::authenticate(
    std::string_view authorization) const {
  auto token = bearer_token(authorization);
  if (!token)
    return std::unexpected(token.error());
  auto it = by_digest_.find(util::sha256(*token));
  if (it == by_digest_.end()) {
    return std::unexpected(AuthError{AuthFailure::invalid_token, "the access token is not valid"});
  }
  return it->second;
}

}  // namespace peerapi::auth
