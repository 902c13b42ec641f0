// POST /oauth/client_register (draft-ietf-grow-peering-api section "OAuth with RPKI Attested
// OAuth"): a client names its identity provider, this server registers at it as an OAuth client
// (RFC 7591) and then accepts that IdP's tokens -- minted by an RFC 8693 token exchange towards
// our client id -- for the ASNs the IdP is attested for, and only those.
//
// The endpoint is unauthenticated: the client calls it before it has a token. What an anonymous
// caller can make the server do is bounded:
// - idp_base must be an attested issuer (IdpAttestation::may_attest), checked before any
//   outbound request, so only URLs of IdPs the operator listed are ever fetched;
// - a registration that exists (and whose secret has not expired) is answered from the store
//   without contacting the IdP, so a repeated call cannot replace our client id at the IdP and
//   invalidate the tokens clients already hold;
// - at most one registration per IdP runs at a time (others get 503), and after a failed attempt
//   the IdP is not contacted again for retry_after_failure_ms (503 with Retry-After).
// There is no per-client rate limit here; put a rate limit on this path in front of the server
// if anonymous traffic is a concern.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "auth/registration/idp_registration.hpp"
#include "auth/tokens/access_token.hpp"
#include "auth/tokens/key_source.hpp"
#include "server/http_types.hpp"
#include "store/store.hpp"
#include "util/clock.hpp"

namespace peerapi::server {

/// Which registrations are running or recently failed, per issuer.
struct RegistrationState {
  std::mutex mutex;
  std::set<std::string, std::less<>> in_flight;
  std::map<std::string, std::int64_t, std::less<>> failed_at_ms;
};

/// Everything POST /oauth/client_register uses; every reference must outlive the service.
struct RegistrationDeps {
  auth::IdpRegistrar& registrar;
  auth::IdpAttestation& attestation;
  store::Store& store;
  /// The server's JWT validator: registered IdPs are added to it (add_issuer).
  auth::AccessTokenValidator& validator;
  /// The key source for a registered IdP's jwks_uri (a JwksKeySource on the outbound client).
  std::function<std::shared_ptr<auth::KeySource>(const std::string& jwks_uri)> key_source;
  const util::Clock& clock;
  /// Clock skew allowed on registered IdPs' tokens (config auth.leeway_seconds).
  std::int64_t leeway_ms = 60'000;
  /// After a failed attempt at an IdP, further attempts for it answer 503 for this long.
  std::int64_t retry_after_failure_ms = 30'000;
  std::unique_ptr<RegistrationState> state = std::make_unique<RegistrationState>();
};

/// Handles POST /oauth/client_register. The body is {"idp_base": "<https URL>"} as
/// application/json (415 otherwise). Answers:
/// - 200 {"client_id": "..."}: registered now, or already registered (the stored client id);
/// - 400 malformed_json / too_deep at "", wrong_type at "" (not an object), unknown_field at the
///   member, missing_field / wrong_type at "idp_base", invalid_url at "idp_base" (not an
///   absolute https URL), invalid_value at "idp_base" (the IdP has no valid discovery document,
///   no registration_endpoint, refused the registration or answered it badly; the message
///   says which);
/// - 403 forbidden at "idp_base": the IdP is not attested for any ASN;
/// - 503 unavailable with Retry-After: the IdP could not be reached or answered 5xx/429, a
///   registration at it is in progress or failed moments ago, or the store failed.
/// On success the registration is stored (store::Store::save_idp_registration) and the issuer
/// added to the validator (auth::registered_issuer_policy). The client secret is never logged
/// or returned.
HttpResponse handle_client_register(const HttpRequest& request, RegistrationDeps& deps);

/// Start-up: adds every stored registration to deps.validator as an issuer, with the ASNs the
/// attestation grants now (asns_for sees a metadata with only issuer and jwks_uri set); a stored
/// IdP that is no longer attested is skipped with a warning. Returns how many were loaded;
/// store errors are returned.
Result<std::size_t> load_registered_issuers(RegistrationDeps& deps);

}  // namespace peerapi::server
