// Builds the authentication chain from the configuration (auth/ parts, the store's replay
// cache and nonce key, the outbound HTTP client), so app.cpp stays a list of steps.
#pragma once

#include <memory>
#include <string>

#include "auth/replay_cache.hpp"
#include "auth/request_authenticator.hpp"
#include "config/config.hpp"
#include "net/http_client.hpp"
#include "store/store.hpp"
#include "util/clock.hpp"

namespace peerapi::server {

/// Replay protection in the store, shared by every process and replica on it.
class StoreReplayCache final : public auth::ReplayCache {
 public:
  explicit StoreReplayCache(store::Store& store) : store_(store) {}
  Result<bool> first_use(std::string_view scope, std::string_view id, std::int64_t expires_at_ms,
                         std::int64_t now_ms) override;

 private:
  store::Store& store_;
};

/// The outbound HTTP client with the configured guard.
std::unique_ptr<net::HttpClient> make_http_client(const config::OutboundSection& outbound);

/// The authenticator for `config.auth`. Fails (config_invalid or io_error, naming the key) when
/// a jwks_file can not be read or an option can not be honoured. `store`, `client`, `replay` and
/// `clock` must outlive the result.
Result<std::unique_ptr<auth::RequestAuthenticator>> build_authenticator(
    const config::Config& config, store::Store& store, net::HttpClient& client,
    auth::ReplayCache& replay, const util::Clock& clock);

}  // namespace peerapi::server
