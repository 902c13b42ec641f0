#include "auth/authenticator.hpp"

#include "util/ascii.hpp"
#include "util/crypto.hpp"

namespace peerapi::auth {

namespace {
bool is_b64token_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
}

/// "<scheme> " at the start of `header`; scheme names are case-insensitive (RFC 9110 11.1).
bool starts_with_scheme(std::string_view header, std::string_view scheme) {
  return header.size() > scheme.size() && header[scheme.size()] == ' ' &&
         util::iequals(header.substr(0, scheme.size()), scheme);
}
}  // namespace

std::expected<Credentials, AuthError> parse_authorization(std::string_view authorization) {
  if (authorization.empty())
    return std::unexpected(AuthError{AuthFailure::no_credentials, "no Authorization header"});
  Credentials credentials{Credentials::Scheme::bearer, {}};
  std::size_t scheme_length = 0;
  if (starts_with_scheme(authorization, "bearer")) {
    scheme_length = 6;
  } else if (starts_with_scheme(authorization, "dpop")) {
    credentials.scheme = Credentials::Scheme::dpop;
    scheme_length = 4;
  } else {
    // Another scheme counts as no usable credentials at all (RFC 6750 section 3.1).
    return std::unexpected(
        AuthError{AuthFailure::no_credentials,
                  "Authorization must be \"Bearer <token>\" or \"DPoP <token>\""});
  }
  std::string_view token = authorization.substr(scheme_length);
  while (!token.empty() && token.front() == ' ')
    token.remove_prefix(1);
  if (token.empty() || token.size() > 16384) {
    return std::unexpected(
        AuthError{AuthFailure::invalid_request, "the access token is empty or too long"});
  }
  for (char c : token) {
    if (!is_b64token_char(c)) {
      return std::unexpected(
          AuthError{AuthFailure::invalid_request, "the access token contains invalid characters"});
    }
  }
  credentials.token = token;
  return credentials;
}

StaticTokens::StaticTokens(const std::vector<config::StaticToken>& tokens) {
  for (const auto& t : tokens) {
    by_digest_.emplace(
        util::sha256(t.token),
        Principal{.subject = t.subject, .issuer = "static", .email = std::nullopt, .asns = t.asns});
  }
}

const Principal* StaticTokens::find(std::string_view token) const {
  auto it = by_digest_.find(util::sha256(token));
  return it == by_digest_.end() ? nullptr : &it->second;
}

}  // namespace peerapi::auth
