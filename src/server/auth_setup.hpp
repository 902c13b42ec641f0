// Builds the authentication chain from the configuration (auth/ parts, the store's replay
// cache and nonce key, the outbound HTTP client), so app.cpp stays a list of steps.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "auth/registration/idp_registration.hpp"
#include "auth/replay_cache.hpp"
#include "auth/request_authenticator.hpp"
#include "config/config.hpp"
#include "net/http_client.hpp"
#include "server/registration_endpoint.hpp"
#include "store/store.hpp"
#include "util/clock.hpp"

namespace peerapi::server {

/// Replay protection in the store, shared by every process and replica on it.
class StoreReplayCache final : public auth::ReplayCache {
 public:
  explicit StoreReplayCache(store::Store& store) : store_(store) {}
  Result<bool> first_use(std::string_view scope, std::string_view id, std::int64_t expires_at_ms,
                         std::int64_t now_ms) override;
  /// One store transaction for all of a request's values.
  Result<bool> first_use_all(std::span<const auth::OneTimeValue> values,
                             std::int64_t now_ms) override;

 private:
  store::Store& store_;
};

/// The guard's policy of [outbound] (http hosts, allowed prefixes, loopback), for HTTP and for
/// the plain TCP sources (IRRd, RTR: net::check_endpoint).
net::OutboundPolicy outbound_policy(const config::OutboundSection& outbound);

/// Client options with the configured outbound guard ([outbound]: hosts allowed over http,
/// allowed prefixes, loopback, CA file) and timeout; callers fetching large documents (a
/// PeeringDB sync) raise the timeout and response cap on the result.
net::HttpClientOptions outbound_client_options(const config::OutboundSection& outbound);

/// The outbound HTTP client with the configured guard.
std::unique_ptr<net::HttpClient> make_http_client(const config::OutboundSection& outbound);

/// The authentication chain and the JWT validator inside it.
struct AuthChain {
  std::unique_ptr<auth::RequestAuthenticator> authenticator;
  /// Owned by `authenticator`; null when no [[auth.issuers]] and no [[auth.attested_idps]] are
  /// configured. Registered IdPs are added to it while the server runs.
  auth::AccessTokenValidator* access_tokens = nullptr;
};

/// As build_authenticator, also exposing the validator. A validator is made (possibly with no
/// issuer yet) whenever [[auth.attested_idps]] are configured.
Result<AuthChain> build_auth_chain(const config::Config& config, store::Store& store,
                                   net::HttpClient& client, auth::ReplayCache& replay,
                                   const util::Clock& clock);

/// The authenticator for `config.auth`. Fails (config_invalid or io_error, naming the key) when
/// a jwks_file can not be read or an option can not be honoured. `store`, `client`, `replay` and
/// `clock` must outlive the result.
Result<std::unique_ptr<auth::RequestAuthenticator>> build_authenticator(
    const config::Config& config, store::Store& store, net::HttpClient& client,
    auth::ReplayCache& replay, const util::Clock& clock);

/// POST /oauth/client_register and what it owns.
struct RegistrationSetup {
  std::unique_ptr<auth::ConfiguredIdpAttestation> attestation;
  std::unique_ptr<auth::IdpRegistrar> registrar;
  std::unique_ptr<RegistrationDeps> deps;
};

/// Registration for `config.auth.attested_idps` (nullptr when none are configured): attestation
/// from the configuration, the registrar on `client` (https required), and every stored
/// registration loaded into `validator` (load_registered_issuers). Fails with the store's error.
/// Every argument must outlive the result.
Result<std::unique_ptr<RegistrationSetup>> build_registration(const config::Config& config,
                                                              store::Store& store,
                                                              net::HttpClient& client,
                                                              auth::AccessTokenValidator& validator,
                                                              const util::Clock& clock);

}  // namespace peerapi::server
