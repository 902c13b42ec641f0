// libFuzzer target for DPoP proof verification (RFC 9449 section 4.3): the input is a DPoP
// header value, checked in full (JWS parse, typ, alg, jwk, claims, signature, htm, htu, nonce,
// iat, ath, jkt, replay) against fixed requests. Every path must return a Result, never crash.
// The htu normalizer and the nonce checker also see the raw bytes. Seeds: fuzz/corpus/dpop/
// (the RFC 9449 proofs, which verify against these requests, and broken variants).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/dpop/htu.hpp"
#include "auth/dpop/nonce.hpp"
#include "auth/dpop/proof.hpp"
#include "auth/replay_cache.hpp"

namespace {

namespace dpop = peerapi::auth::dpop;
using peerapi::auth::MemoryReplayCache;
using peerapi::auth::jose::AlgorithmSet;

// One second after the iat of the RFC 9449 section 4.1 proof.
constexpr std::int64_t kNowMs = 1'562'262'617'000;

dpop::ProofExpectations token_request() {
  dpop::ProofExpectations expect;
  expect.method = "POST";
  expect.target_uri = "https://server.example.com/token";
  expect.algorithms = AlgorithmSet::all_asymmetric();
  return expect;
}

// RFC 9449 section 7.1: a resource request with the section 5 access token and its cnf.jkt.
dpop::ProofExpectations resource_request() {
  dpop::ProofExpectations expect;
  expect.method = "GET";
  expect.target_uri = "https://resource.example.org/protectedresource";
  expect.algorithms = AlgorithmSet::all_asymmetric();
  expect.access_token = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU";
  expect.expected_jkt = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";
  return expect;
}

// RFC 9449 section 8: a server that requires its own nonces.
dpop::ProofExpectations nonce_request(const dpop::NonceIssuer& issuer) {
  dpop::ProofExpectations expect = token_request();
  expect.nonce = "eyJ7S_zG.eyJH0-Z.HX4w-7v";
  expect.nonce_issuer = &issuer;
  return expect;
}

void verify_twice(std::string_view value, const dpop::ProofExpectations& expect) {
  MemoryReplayCache replay;
  auto first = dpop::verify_proof(value, expect, replay, kNowMs);
  auto second = dpop::verify_proof(value, expect, replay, kNowMs);
  // A proof accepted once is a replay the second time.
  if (first && second)
    __builtin_trap();
  if (!first)
    static_cast<void>(dpop::is_nonce_error(first.error()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  static const dpop::NonceIssuer issuer(std::string(32, 'k'), 300'000);

  verify_twice(input, token_request());
  verify_twice(input, resource_request());
  verify_twice(input, nonce_request(issuer));

  static_cast<void>(dpop::normalize_htu(input));
  static_cast<void>(dpop::htu_for(input));
  static_cast<void>(issuer.check(input, kNowMs));
  return 0;
}
