// Access-token validation per request (auth/tokens): the full path -- parse, issuer selection,
// allowlist, key lookup, signature, RFC 9068 claims, PeeringDB networks -- per algorithm with the
// verified-token cache off, and the cost of a cache hit (SHA-256 of the token, one sharded
// lookup, a copy of the result). Compare FullValidation with jose_bench's FullVerification for
// the same algorithm to see what the claim checks add, and CachedHit with FullValidation for
// what the cache saves.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "auth/jose/jws.hpp"
#include "auth/tokens/access_token.hpp"
#include "auth/tokens/key_source.hpp"
#include "util/clock.hpp"

namespace {

namespace jose = peerapi::auth::jose;
using jose::Algorithm;
using peerapi::auth::AccessTokenValidator;
using peerapi::auth::CacheOptions;
using peerapi::auth::IssuerPolicy;

constexpr std::int64_t kNowMs = 1'750'000'000'000;
constexpr std::int64_t kNow = kNowMs / 1000;

/// A token shaped like a production access token (RFC 9068 claims, PeeringDB networks) and the
/// issuer policy that trusts its key.
struct Setup {
  std::string token;
  IssuerPolicy policy;
};

Setup make_setup(Algorithm algorithm) {
  auto key = algorithm == Algorithm::es256   ? jose::Jwk::generate(jose::Curve::p256)
             : algorithm == Algorithm::eddsa ? jose::Jwk::generate(jose::Curve::ed25519)
                                             : jose::Jwk::generate_rsa(2048);
  if (!key)
    std::abort();
  const jose::Jwk signing_key = key->with_kid("2025-06-rotation-1");
  const boost::json::object header{{"typ", "at+jwt"}, {"kid", "2025-06-rotation-1"}};
  const boost::json::object claims{
      {"iss", "https://idp.example.net"},
      {"aud", "https://peering.example.net"},
      {"sub", "user-4711"},
      {"client_id", "peerapi-cli"},
      {"iat", kNow - 60},
      {"exp", kNow + 3600},
      {"jti", "6f1c2a7e-0b7d-4c55-9a0e-3f0f5b8e2d11"},
      {"scope", "urn:ietf:params:oauth:scope:peering-api"},
      {"email", "noc@as64501.example.net"},
      {"networks", boost::json::array{boost::json::object{{"asn", 64501}, {"perms", 15}},
                                      boost::json::object{{"asn", 64502}, {"perms", 1}},
                                      boost::json::object{{"asn", 65536}, {"perms", 15}}}}};
  auto token = jose::sign_jwt(algorithm, signing_key, header, claims);
  auto public_key = signing_key.public_key();
  if (!token || !public_key)
    std::abort();
  // A realistic published set: the current key among others of other types.
  std::vector<jose::Jwk> published{std::move(*public_key)};
  for (const char* kid : {"2025-03-rotation-0", "2025-09-rotation-2"}) {
    auto other = jose::Jwk::generate(jose::Curve::p256);
    auto other_public = other ? other->with_kid(kid).public_key() : other;
    if (!other_public)
      std::abort();
    published.push_back(std::move(*other_public));
  }
  IssuerPolicy policy;
  policy.issuer = "https://idp.example.net";
  policy.audience = "https://peering.example.net";
  policy.algorithms = {Algorithm::es256, Algorithm::eddsa, Algorithm::rs256, Algorithm::ps256};
  policy.keys = std::make_shared<peerapi::auth::StaticKeySource>(
      std::make_shared<const jose::JwkSet>(std::move(published)));
  return {std::move(*token), std::move(policy)};
}

template <Algorithm kAlgorithm>
const Setup& setup_for() {
  static const Setup setup = make_setup(kAlgorithm);
  return setup;
}

template <Algorithm kAlgorithm>
void BM_FullValidation(benchmark::State& state) {
  const Setup& setup = setup_for<kAlgorithm>();
  const peerapi::util::ManualClock clock(kNowMs);
  CacheOptions cache;
  cache.enabled = false;
  AccessTokenValidator validator({setup.policy}, clock, cache);
  for (auto _ : state) {
    auto validated = validator.validate(setup.token);
    if (!validated)
      state.SkipWithError("validation failed");
    benchmark::DoNotOptimize(validated);
  }
  state.SetItemsProcessed(state.iterations());
}

/// One validator with the cache on, shared by every thread of BM_CachedHit.
AccessTokenValidator& cached_validator() {
  static const peerapi::util::ManualClock clock(kNowMs);
  static AccessTokenValidator validator({setup_for<Algorithm::es256>().policy}, clock,
                                        CacheOptions{});
  static const bool warmed = validator.validate(setup_for<Algorithm::es256>().token).has_value();
  if (!warmed)
    std::abort();
  return validator;
}

void BM_CachedHit(benchmark::State& state) {
  const Setup& setup = setup_for<Algorithm::es256>();
  AccessTokenValidator& validator = cached_validator();
  for (auto _ : state) {
    auto validated = validator.validate(setup.token);
    if (!validated)
      state.SkipWithError("validation failed");
    benchmark::DoNotOptimize(validated);
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK_TEMPLATE(BM_FullValidation, Algorithm::es256)->Name("FullValidation/ES256");
BENCHMARK_TEMPLATE(BM_FullValidation, Algorithm::eddsa)->Name("FullValidation/EdDSA");
BENCHMARK_TEMPLATE(BM_FullValidation, Algorithm::rs256)->Name("FullValidation/RS256");
BENCHMARK_TEMPLATE(BM_FullValidation, Algorithm::ps256)->Name("FullValidation/PS256");
BENCHMARK(BM_CachedHit)->Name("CachedHit/ES256")->Threads(1)->Threads(2);

BENCHMARK_MAIN();
