#include "client/setup.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "auth/dev_idp.hpp"

namespace peerapi::client {

model::Asn our_asn(const config::Config& config) {
  if (config.client.asn)
    return *config.client.asn;
  return config.network.asns.front();
}

net::HttpClientOptions http_options(const config::Config& config) {
  net::HttpClientOptions options;
  options.policy.http_hosts = config.outbound.http_hosts;
  for (const std::string& text : config.outbound.allowed_prefixes) {
    if (auto prefix = model::Prefix::parse(text))
      options.policy.allowed_prefixes.push_back(*prefix);
  }
  options.policy.allow_loopback_http = config.outbound.allow_loopback;
  options.ca_file = config.outbound.ca_file;
  options.timeout_ms = config.client.timeout_ms;
  options.connect_timeout_ms =
      std::min<std::int64_t>(options.connect_timeout_ms, config.client.timeout_ms);
  options.user_agent = "peerapi-client";
  return options;
}

RetryPolicy retry_policy(const config::ClientSection& client) {
  RetryPolicy policy;
  policy.max_retries = client.max_retries;
  policy.max_total_ms = client.max_retry_time_ms;
  return policy;
}

Result<std::string> load_access_token(const config::ClientSection& client) {
  if (!client.token.empty())
    return client.token;
  if (client.token_file.empty())
    return std::string();
  std::ifstream in(client.token_file, std::ios::binary);
  if (!in)
    return fail(ErrorCode::io_error, "client.token_file",
                client.token_file.string() + ": cannot be read");
  std::string line;
  std::getline(in, line);
  const auto first = line.find_first_not_of(" \t\r\n");
  const auto last = line.find_last_not_of(" \t\r\n");
  if (first == std::string::npos)
    return fail(ErrorCode::invalid_value, "client.token_file",
                client.token_file.string() + ": the first line holds no token");
  line = line.substr(first, last - first + 1);
  if (line.find_first_of(" \t") != std::string::npos)
    return fail(ErrorCode::invalid_value, "client.token_file",
                client.token_file.string() + ": the token contains whitespace");
  return line;
}

Result<std::optional<DpopKey>> load_dpop_key(const config::ClientSection& client) {
  if (client.dpop_key_file.empty())
    return std::optional<DpopKey>();
  auto key = auth::dev_idp::read_key(client.dpop_key_file);
  if (!key) {
    return fail(key.error().code, "client.dpop_key_file",
                client.dpop_key_file.string() + ": " + key.error().message);
  }
  if (!key->is_private())
    return fail(ErrorCode::invalid_value, "client.dpop_key_file",
                client.dpop_key_file.string() + ": not a private key");
  std::optional<auth::jose::Algorithm> algorithm;
  if (!key->alg().empty()) {
    algorithm = auth::jose::algorithm_from_name(key->alg());
  } else {
    switch (key->type()) {
      case auth::jose::KeyType::okp:
        algorithm = auth::jose::Algorithm::eddsa;
        break;
      case auth::jose::KeyType::ec:
        if (key->curve() == auth::jose::Curve::p256)
          algorithm = auth::jose::Algorithm::es256;
        else if (key->curve() == auth::jose::Curve::p384)
          algorithm = auth::jose::Algorithm::es384;
        break;
      case auth::jose::KeyType::rsa:
        algorithm = auth::jose::Algorithm::ps256;
        break;
      case auth::jose::KeyType::oct:
        break;
    }
  }
  if (!algorithm || auth::jose::is_hmac(*algorithm))
    return fail(ErrorCode::invalid_value, "client.dpop_key_file",
                client.dpop_key_file.string() +
                    ": a DPoP key must be an Ed25519, P-256, P-384 or RSA private key");
  return std::optional<DpopKey>(DpopKey{std::move(*key), *algorithm});
}

EndpointFinder endpoint_finder(const config::ClientSection& client, const util::Clock& clock) {
  EndpointFinder finder;
  if (!client.peers.empty()) {
    std::vector<std::pair<model::Asn, std::string>> peers;
    for (const auto& peer : client.peers)
      peers.emplace_back(peer.asn, peer.url);
    finder.add(std::make_unique<ManualEndpoints>(std::move(peers)));
  }
  if (!client.directory_file.empty())
    finder.add(
        std::make_unique<EndpointFile>(EndpointOrigin::directory, client.directory_file, clock));
  if (!client.rpki_discovery_file.empty())
    finder.add(
        std::make_unique<EndpointFile>(EndpointOrigin::rpki, client.rpki_discovery_file, clock));
  return finder;
}

}  // namespace peerapi::client
