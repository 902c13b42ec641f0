#include "server/auth_setup.hpp"

#include <spdlog/spdlog.h>

#include "auth/dpop/nonce.hpp"
#include "auth/tokens/discovery.hpp"
#include "auth/tokens/jwks_source.hpp"
#include "model/ip.hpp"

namespace peerapi::server {

Result<bool> StoreReplayCache::first_use(std::string_view scope, std::string_view id,
                                         std::int64_t expires_at_ms, std::int64_t now_ms) {
  std::string key;
  key.reserve(scope.size() + 1 + id.size());
  key.append(scope).push_back(':');
  key.append(id);
  return store_.remember_once(key, expires_at_ms, now_ms);
}

Result<bool> StoreReplayCache::first_use_all(std::span<const auth::OneTimeValue> values,
                                             std::int64_t now_ms) {
  if (values.empty())
    return true;
  std::vector<store::OneTimeKey> keys;
  keys.reserve(values.size());
  for (const auth::OneTimeValue& value : values)
    keys.push_back(store::OneTimeKey{value.scope + ":" + value.id, value.expires_at_ms});
  return store_.remember_all_once(keys, now_ms);
}

net::OutboundPolicy outbound_policy(const config::OutboundSection& outbound) {
  net::OutboundPolicy policy;
  policy.http_hosts = outbound.http_hosts;
  for (const std::string& text : outbound.allowed_prefixes) {
    if (auto prefix = model::Prefix::parse(text))
      policy.allowed_prefixes.push_back(*prefix);
  }
  policy.allow_loopback_http = outbound.allow_loopback;
  return policy;
}

net::HttpClientOptions outbound_client_options(const config::OutboundSection& outbound) {
  net::HttpClientOptions options;
  options.policy = outbound_policy(outbound);
  options.ca_file = outbound.ca_file;
  options.timeout_ms = outbound.timeout_ms;
  return options;
}

std::unique_ptr<net::HttpClient> make_http_client(const config::OutboundSection& outbound) {
  return std::make_unique<net::CurlHttpClient>(outbound_client_options(outbound));
}

namespace {

auth::jose::AlgorithmSet algorithm_set(const std::vector<std::string>& names) {
  auth::jose::AlgorithmSet set;
  for (const std::string& name : names) {
    if (auto algorithm = auth::jose::algorithm_from_name(name))
      set.insert(*algorithm);
  }
  return set;
}

}  // namespace

Result<std::unique_ptr<auth::RequestAuthenticator>> build_authenticator(
    const config::Config& config, store::Store& store, net::HttpClient& client,
    auth::ReplayCache& replay, const util::Clock& clock) {
  auto chain = build_auth_chain(config, store, client, replay, clock);
  if (!chain)
    return std::unexpected(chain.error());
  return std::move(chain->authenticator);
}

Result<AuthChain> build_auth_chain(const config::Config& config, store::Store& store,
                                   net::HttpClient& client, auth::ReplayCache& replay,
                                   const util::Clock& clock) {
  const config::AuthSection& auth_config = config.auth;
  AuthChain chain;
  auth::RequestAuthParts parts;
  if (!auth_config.static_tokens.empty())
    parts.static_tokens.emplace(auth_config.static_tokens);

  std::vector<auth::IssuerPolicy> issuers;
  for (std::size_t i = 0; i < auth_config.issuers.size(); ++i) {
    const config::IssuerConfig& c = auth_config.issuers[i];
    const std::string path = "auth.issuers[" + std::to_string(i) + "]";
    auth::IssuerPolicy policy;
    policy.issuer = c.issuer;
    policy.audience = c.audience;
    policy.algorithms = algorithm_set(c.algorithms);
    policy.asn_claim = c.asn_claim;
    policy.min_perms = c.min_perms;
    policy.typ = c.accept_plain_jwt ? auth::IssuerPolicy::TypPolicy::at_jwt_or_jwt
                                    : auth::IssuerPolicy::TypPolicy::at_jwt_only;
    policy.leeway_ms = std::int64_t{auth_config.leeway_seconds} * 1000;
    if (!c.jwks_file.empty()) {
      auto source = auth::FileKeySource::load(c.jwks_file);
      if (!source) {
        return fail(source.error().code, path + ".jwks_file",
                    c.jwks_file.string() + ": " + source.error().message +
                        " (for the development IdP: scripts/dev-idp-setup, or `peerapi dev-idp "
                        "keygen` then `peerapi dev-idp jwks`)");
      }
      policy.keys = std::move(*source);
    } else if (c.discovery) {
      policy.keys = std::make_shared<auth::DiscoveredKeySource>(c.issuer, client, clock);
    } else {
      policy.keys = std::make_shared<auth::JwksKeySource>(c.jwks_uri, client, clock);
    }
    issuers.push_back(std::move(policy));
  }
  if (!issuers.empty() || !auth_config.attested_idps.empty()) {
    if (auto checked = auth::check_issuer_policies(issuers); !checked)
      return fail(ErrorCode::config_invalid, "auth." + checked.error().field,
                  checked.error().message);
    parts.access_tokens = std::make_unique<auth::AccessTokenValidator>(std::move(issuers), clock);
    chain.access_tokens = parts.access_tokens.get();
  }
  if (auth_config.peeringdb_oauth) {
    auth::PeeringDbProfileOptions options;
    options.min_perms = auth_config.peeringdb_oauth->min_perms;
    options.cache_ttl_ms = std::int64_t{auth_config.peeringdb_oauth->cache_seconds} * 1000;
    parts.peeringdb = std::make_unique<auth::PeeringDbProfileValidator>(
        auth_config.peeringdb_oauth->profile_url, client, clock, options);
  }
  if (auth_config.dpop_nonce) {
    auto key = store.named_secret("dpop-nonce-key", 32);
    if (!key)
      return std::unexpected(key.error());
    parts.nonces = std::make_unique<auth::dpop::NonceIssuer>(
        *key, std::int64_t{auth_config.proof_max_age_seconds} * 1000);
  }
  auth::RequestAuthOptions options{
      .require_dpop = auth_config.require_dpop,
      .require_signatures = auth_config.require_signatures,
      .proof_algorithms = algorithm_set(auth_config.proof_algorithms),
      .proof_max_age_ms = std::int64_t{auth_config.proof_max_age_seconds} * 1000,
      .max_skew_ms = std::int64_t{auth_config.leeway_seconds} * 1000};
  chain.authenticator =
      std::make_unique<auth::RequestAuthenticator>(options, std::move(parts), replay, clock);
  return chain;
}

Result<std::unique_ptr<RegistrationSetup>> build_registration(const config::Config& config,
                                                              store::Store& store,
                                                              net::HttpClient& client,
                                                              auth::AccessTokenValidator& validator,
                                                              const util::Clock& clock) {
  if (config.auth.attested_idps.empty())
    return nullptr;
  auto setup = std::make_unique<RegistrationSetup>();
  setup->attestation = std::make_unique<auth::ConfiguredIdpAttestation>(config.auth.attested_idps);
  setup->registrar =
      std::make_unique<auth::IdpRegistrar>(client, *setup->attestation, config.network.asns, clock);
  setup->deps = std::make_unique<RegistrationDeps>(RegistrationDeps{
      .registrar = *setup->registrar,
      .attestation = *setup->attestation,
      .store = store,
      .validator = validator,
      .key_source = [&client,
                     &clock](const std::string& jwks_uri) -> std::shared_ptr<auth::KeySource> {
        return std::make_shared<auth::JwksKeySource>(jwks_uri, client, clock);
      },
      .clock = clock,
      .leeway_ms = std::int64_t{config.auth.leeway_seconds} * 1000,
  });
  auto loaded = load_registered_issuers(*setup->deps);
  if (!loaded)
    return std::unexpected(loaded.error());
  spdlog::info(
      "client registration enabled for {} attested IdP(s); {} stored registration(s) "
      "loaded",
      config.auth.attested_idps.size(), *loaded);
  return setup;
}

}  // namespace peerapi::server
