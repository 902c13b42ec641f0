// Builds the client's parts from the TOML configuration ([client], [outbound], [network]).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "auth/jose/algorithm.hpp"
#include "auth/jose/jwk.hpp"
#include "client/discovery.hpp"
#include "client/retry.hpp"
#include "config/config.hpp"
#include "model/asn.hpp"
#include "model/error.hpp"
#include "net/http_client.hpp"
#include "util/clock.hpp"

namespace peerapi::client {

/// Our ASN as initiator: client.asn, else network.asns[0].
model::Asn our_asn(const config::Config& config);

/// The outbound guard and CA file of [outbound], the timeout of [client].
net::HttpClientOptions http_options(const config::Config& config);

/// Retries as [client] configures them.
RetryPolicy retry_policy(const config::ClientSection& client);

/// The access token: client.token, or the first line of client.token_file (surrounding
/// whitespace dropped); empty when neither is set. io_error / invalid_value at
/// "client.token_file" when the file cannot be read or holds no token.
Result<std::string> load_access_token(const config::ClientSection& client);

struct DpopKey {
  auth::jose::Jwk key;
  auth::jose::Algorithm algorithm;
};

/// The private JWK in client.dpop_key_file and its JWS algorithm: the key's "alg" when set,
/// else EdDSA for Ed25519, ES256/ES384 for P-256/P-384, PS256 for RSA. nullopt when no key file
/// is configured; errors at "client.dpop_key_file".
Result<std::optional<DpopKey>> load_dpop_key(const config::ClientSection& client);

/// Manual peers, then the directory file, then the RPKI discovery table (those configured).
/// `clock` must outlive the finder.
EndpointFinder endpoint_finder(const config::ClientSection& client, const util::Clock& clock);

}  // namespace peerapi::client
