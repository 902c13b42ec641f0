// Authorization server metadata discovery: RFC 8414 (OAuth 2.0 Authorization Server Metadata)
// with OpenID Connect Discovery 1.0 as the fallback, so an issuer's jwks_uri and endpoints come
// from the issuer itself.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/tokens/key_source.hpp"
#include "model/error.hpp"
#include "net/http_client.hpp"
#include "util/clock.hpp"

namespace peerapi::auth {

/// The members of RFC 8414 section 2 (and OpenID Connect Discovery 1.0 section 3) peerapi uses.
/// Optional members are empty when absent.
struct AuthorizationServerMetadata {
  std::string issuer;    // equal to the configured issuer (RFC 8414 section 3.3)
  std::string jwks_uri;  // required here: tokens cannot be verified without it
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string registration_endpoint;   // RFC 7591
  std::string introspection_endpoint;  // RFC 7662
  std::string userinfo_endpoint;       // OpenID Connect
  std::vector<std::string> scopes_supported;
  std::vector<std::string> response_types_supported;
  std::vector<std::string> grant_types_supported;
  std::vector<std::string> token_endpoint_auth_methods_supported;
  std::vector<std::string> dpop_signing_alg_values_supported;  // RFC 9449 section 5.1
  /// The well-known URL that answered.
  std::string metadata_url;
};

/// The URLs discover() tries, in order: RFC 8414 section 3.1 (the well-known suffix inserted
/// between host and path: https://as.example/tenant -> https://as.example/.well-known/
/// oauth-authorization-server/tenant, a terminating "/" removed first) and then OpenID Connect
/// Discovery 1.0 section 4.1 (https://as.example/tenant/.well-known/openid-configuration).
/// invalid_value at "issuer" unless `issuer` is an absolute http(s) URL with a host and no query
/// or fragment (RFC 8414 section 2).
Result<std::vector<std::string>> discovery_urls(std::string_view issuer);

/// Parses a metadata document fetched for `issuer`. Errors: malformed_json / wrong_type at "" for
/// a body that is not a JSON object; missing_field / wrong_type at the member ("jwks_uri",
/// "scopes_supported[2]"); invalid_url at a URL member that is not an absolute http(s) URL;
/// unauthenticated at "issuer" when "issuer" differs from `issuer` in any octet (RFC 8414
/// section 3.3: the document must not be used).
Result<AuthorizationServerMetadata> parse_metadata(std::string_view json, std::string_view issuer);

/// Fetches the metadata of `issuer` through `client` (and so through the outbound guard). Tries
/// the discovery_urls() in order: the next one only when the previous answered with an HTTP
/// status other than 2xx; a transport failure or a document that fails parse_metadata ends the
/// search. Errors: as discovery_urls and parse_metadata (fields prefixed with "metadata." for
/// the document's members, e.g. "metadata.jwks_uri"); io_error at "issuer" when no URL gave a
/// document, naming each URL tried and its outcome.
Result<AuthorizationServerMetadata> discover(std::string_view issuer, net::HttpClient& client);

/// The keys of an issuer configured with `discovery = true`: its JWKS URL comes from discover(),
/// run on first use (so an IdP that is down when the server starts does not stop the server),
/// then a JwksKeySource on that URL serves every call. After a failed discovery, calls within
/// `retry_after_ms` answer the same error without asking the IdP again. Thread-safe.
class DiscoveredKeySource final : public KeySource {
 public:
  /// `client` and `clock` must outlive the source.
  DiscoveredKeySource(std::string issuer, net::HttpClient& client, const util::Clock& clock,
                      std::int64_t retry_after_ms = 30'000);
  /// io_error at "discovery" naming the issuer and the reason while discovery fails; otherwise
  /// what the JwksKeySource answers.
  Result<std::shared_ptr<const jose::JwkSet>> keys(std::string_view unknown_kid) override;

 private:
  const std::string issuer_;
  net::HttpClient& client_;
  const util::Clock& clock_;
  const std::int64_t retry_after_ms_;
  std::mutex mutex_;
  std::shared_ptr<KeySource> inner_;             // guarded by mutex_
  std::optional<std::int64_t> last_failure_ms_;  // guarded by mutex_
  std::optional<Error> last_error_;              // guarded by mutex_
};

}  // namespace peerapi::auth
