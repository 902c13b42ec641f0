#include "auth/authenticator.hpp"

#include "util/crypto.hpp"

namespace peerapi::auth {

namespace {
bool is_b64token_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
}

bool starts_with_scheme(std::string_view header, std::string_view lowercase_scheme) {
  if (header.size() <= lowercase_scheme.size() || header[lowercase_scheme.size()] != ' ')
    return false;
  for (std::size_t i = 0; i < lowercase_scheme.size(); ++i) {
    const char c = header[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c) != lowercase_scheme[i])
      return false;
  }
  return true;
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

std::expected<std::string_view, AuthError> bearer_token(std::string_view authorization) {
  auto credentials = parse_authorization(authorization);
  if (!credentials)
    return std::unexpected(credentials.error());
  if (credentials->scheme != Credentials::Scheme::bearer) {
    return std::unexpected(
        AuthError{AuthFailure::no_credentials, "Authorization must use the Bearer scheme"});
  }
  return credentials->token;
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

std::expected<Principal, AuthError> StaticTokenAuthenticator::authenticate(
    const RequestView& request) {
  auto token = bearer_token(request.authorization);
  if (!token)
    return std::unexpected(token.error());
  if (const Principal* principal = tokens_.find(*token))
    return *principal;
  return std::unexpected(AuthError{AuthFailure::invalid_token, "the access token is not valid"});
}

}  // namespace peerapi::auth
