// libFuzzer target for the JOSE parsers (untrusted bytes from JWKS documents, access tokens and
// DPoP proofs). Input: a compact JWS, a newline, then a JWK Set or a single JWK. Every parser
// must return an error instead of crashing, and whatever parses must survive export and
// verification. Seeds: fuzz/corpus/jws/.
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/jose/jwk.hpp"
#include "auth/jose/jws.hpp"

namespace {

using peerapi::auth::jose::AlgorithmSet;
using peerapi::auth::jose::CompactJws;
using peerapi::auth::jose::Jwk;
using peerapi::auth::jose::JwkSet;
using peerapi::auth::jose::PayloadFormat;
using peerapi::auth::jose::PrivateMembers;
using peerapi::auth::jose::VerifyOptions;

AlgorithmSet every_algorithm() {
  AlgorithmSet algorithms = AlgorithmSet::all_asymmetric();
  algorithms.insert(peerapi::auth::jose::Algorithm::hs256);
  algorithms.insert(peerapi::auth::jose::Algorithm::hs384);
  algorithms.insert(peerapi::auth::jose::Algorithm::hs512);
  return algorithms;
}

void exercise_key(const Jwk& key) {
  static_cast<void>(key.thumbprint());
  static_cast<void>(key.to_json(PrivateMembers::allow));
  static_cast<void>(key.to_json(PrivateMembers::reject));
  static_cast<void>(key.public_key());
}

void verify_all_ways(std::string_view token, const JwkSet& keys, const VerifyOptions& options) {
  auto jws = CompactJws::parse(token, options.limits);
  if (!jws)
    return;
  static_cast<void>(jws->kid());
  static_cast<void>(jws->typ());
  static_cast<void>(verify(*jws, keys, options));
  // A DPoP-style proof: the verification key comes from the token itself.
  if (const boost::json::object* header_jwk = jws->jwk()) {
    auto key = Jwk::from_json(boost::json::value(*header_jwk), PrivateMembers::reject);
    if (key) {
      exercise_key(*key);
      static_cast<void>(verify(*jws, *key, options));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view token = input.substr(0, newline);
  const std::string_view keys_json =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

  JwkSet keys;
  for (PrivateMembers private_members : {PrivateMembers::reject, PrivateMembers::allow}) {
    auto set = JwkSet::parse(keys_json, private_members);
    if (set) {
      for (const Jwk& key : set->keys())
        exercise_key(key);
      keys = std::move(*set);
    }
    auto single = Jwk::parse(keys_json, private_members);
    if (single) {
      exercise_key(*single);
      static_cast<void>(single->to_pem(private_members));
      if (keys.keys().empty())
        keys = JwkSet({*single});
    }
  }

  VerifyOptions options;
  options.algorithms = every_algorithm();
  verify_all_ways(token, keys, options);
  options.limits.payload_format = PayloadFormat::opaque;
  verify_all_ways(token, keys, options);
  return 0;
}
