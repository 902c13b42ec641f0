// DPoP proofs (RFC 9449): verification by a server (section 4.3) and creation by a client
// (section 4.2). JWS parsing, allowlists, key fitness and signatures come from auth/jose.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/dpop/nonce.hpp"
#include "auth/jose/algorithm.hpp"
#include "auth/jose/jwk.hpp"
#include "auth/replay_cache.hpp"
#include "model/error.hpp"
#include "util/clock.hpp"

namespace peerapi::auth::dpop {

/// The "typ" header of every proof (RFC 9449 section 4.2).
inline constexpr std::string_view kProofType = "dpop+jwt";
/// Largest DPoP header value accepted; also bounds the decoded header and payload.
inline constexpr std::size_t kMaxProofBytes = 8 * 1024;
/// Longest "jti" accepted (the replay cache stores it).
inline constexpr std::size_t kMaxJtiBytes = 256;
/// ReplayCache scope of proof identifiers.
inline constexpr std::string_view kReplayScope = "dpop";

/// What the request the proof arrived with requires of it.
struct ProofExpectations {
  /// The request method; "htm" must equal it exactly (RFC 9449 section 4.3 step 8).
  std::string method;
  /// The request's absolute URI; compared with "htu" after normalize_htu (step 9).
  std::string target_uri;
  /// The access token sent with the request, if any: the proof must then carry
  /// "ath" = base64url(SHA-256(token)) (section 4.3 step 12, section 7).
  std::optional<std::string> access_token;
  /// Allowed "alg" values. Only asymmetric algorithms ever count (section 4.3 step 5): HS* is
  /// refused even when listed. Empty (the default) refuses every proof.
  jose::AlgorithmSet algorithms;
  /// Acceptance window of "iat" around now (section 4.3 step 11, section 11.1).
  std::int64_t max_age_ms = 60'000;
  std::int64_t max_future_skew_ms = 5'000;
  /// Server nonce (section 8). When `nonce` or `nonce_issuer` is set, the proof's "nonce" must
  /// equal `nonce` or be accepted by `nonce_issuer`; otherwise is_nonce_error holds for the
  /// error, and the server answers error="use_dpop_nonce" with a fresh DPoP-Nonce header.
  std::optional<std::string> nonce;
  const NonceIssuer* nonce_issuer = nullptr;
  /// The token's "cnf"."jkt" (section 6.1): the proof key's RFC 7638 thumbprint must equal it.
  std::optional<std::string> expected_jkt;
};

/// A proof that passed every check of RFC 9449 section 4.3.
struct VerifiedProof {
  /// base64url RFC 7638 SHA-256 thumbprint of `key` (section 6.1).
  std::string jkt;
  std::string jti;
  std::int64_t iat_ms = 0;
  jose::Algorithm alg = jose::Algorithm::es256;
  /// The proof's public key (no private members), also used for RFC 9421 signatures.
  jose::Jwk key;
};

/// Checks one DPoP header value against `expect` (RFC 9449 section 4.3), in this order: one
/// compact JWS of at most kMaxProofBytes (no ',' or whitespace, which would mean several
/// proofs); "typ" exactly "dpop+jwt"; an allowed asymmetric "alg"; a public "jwk" with no
/// private members; "jti" (string, 1..kMaxJtiBytes octets), "htm", "htu" (strings) and "iat"
/// (number) present; the signature verifies with that jwk and fits its alg; htm; htu; nonce;
/// iat within [now - max_age_ms, now + max_future_skew_ms]; ath; expected_jkt; and last the
/// (jkt, jti) pair is spent in `replay` until the proof could no longer pass the iat check.
/// Errors are unauthenticated with field "dpop" (the header value as a whole, including JWS
/// syntax), "dpop.header.typ", "dpop.header.alg", "dpop.jwk" (missing, private, unusable or
/// unfit key), "dpop.payload" (not a JSON object), "dpop.signature", "dpop.jti" (bad or
/// replayed), "dpop.htm", "dpop.htu", "dpop.iat", "dpop.nonce", "dpop.ath" or "dpop.jkt";
/// except: invalid_value at "target_uri" when expect.target_uri is not an absolute URI, and
/// unavailable at "dpop.jti" when the replay cache fails (the proof is refused: fail closed).
Result<VerifiedProof> verify_proof(std::string_view proof_header_value,
                                   const ProofExpectations& expect, ReplayCache& replay,
                                   std::int64_t now_ms);

/// True for the errors that call for error="use_dpop_nonce" (RFC 9449 sections 8 and 9): the
/// proof lacks the required server nonce or carries a wrong or expired one.
bool is_nonce_error(const Error& error) noexcept;

/// A proof for one request (RFC 9449 section 4.2), signed with `private_key`: header
/// {"typ":"dpop+jwt","alg":alg,"jwk":public members of private_key}; claims "jti" (16 random
/// octets, base64url), "htm" = method, "htu" = target_uri without query and fragment, "iat" in
/// whole seconds, "ath" when `access_token` is given, "nonce" when `nonce` is given.
/// invalid_value at "alg" for HS*, at "key" for a public or unfit key, at "method" for an empty
/// method, at "target_uri" for a URI that is not absolute.
Result<std::string> make_proof(const jose::Jwk& private_key, jose::Algorithm alg,
                               std::string_view method, std::string_view target_uri,
                               std::optional<std::string_view> access_token,
                               std::optional<std::string_view> nonce, std::int64_t now_ms,
                               util::RandomSource& random);

/// base64url(SHA-256(ASCII(access_token))), the "ath" claim (RFC 9449 section 4.2).
std::string access_token_hash(std::string_view access_token);

}  // namespace peerapi::auth::dpop
