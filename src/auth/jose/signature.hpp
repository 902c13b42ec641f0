// Signature primitives for the JWS algorithms (RFC 7518 section 3, RFC 8037 section 3.1) over
// arbitrary bytes. JWS uses them on its signing input; RFC 9421 message signatures reuse them
// (ecdsa-p256-sha256 = ES256, ed25519 = EdDSA, rsa-pss-sha512 = PS512, rsa-v1_5-sha256 = RS256,
// hmac-sha256 = HS256: RFC 9421 section 3.3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/jose/algorithm.hpp"
#include "auth/jose/jwk.hpp"
#include "model/error.hpp"
#include "util/crypto.hpp"

namespace peerapi::auth::jose {

enum class KeyOperation : std::uint8_t { sign, verify };

/// Whether `key` may be used with `algorithm` for `operation` (RFC 8725 section 3.1):
/// - key type: "oct" for HS*, RSA for RS* and PS*, EC on the algorithm's own curve for ES*
///   (P-256 for ES256, P-384 for ES384, P-521 for ES512), OKP Ed25519 for EdDSA; so an RSA public
///   key can never serve as an HMAC secret;
/// - RSA modulus at least max(kMinRsaBits, min_rsa_bits) bits (RFC 7518 section 3.3);
/// - HMAC secret at least as long as the hash output (RFC 7518 section 3.2);
/// - a private key for signing;
/// - the key's own "use" is "sig", its "key_ops" include the operation, and its "alg" names this
///   algorithm, whenever those members are present (RFC 7517 sections 4.2 to 4.4).
/// Errors are at field "key": unauthenticated when verifying, invalid_value when signing.
Result<void> check_key_for(Algorithm algorithm, const Jwk& key, KeyOperation operation,
                           unsigned min_rsa_bits = kMinRsaBits);

/// Verifies `signature` over `data`: check_key_for, then the JOSE signature format (RSA signatures
/// exactly as long as the modulus, ECDSA as R || S of the curve's size, Ed25519 64 octets, HMAC
/// compared in constant time), then OpenSSL. unauthenticated at "key" or "signature" on failure.
Result<void> verify_signature(Algorithm algorithm, const Jwk& key, std::string_view data,
                              std::string_view signature, unsigned min_rsa_bits = kMinRsaBits);
/// The same, for a caller that already holds SHA-256(data) (`data_sha256`, which must be exactly
/// that digest; nullptr to hash here): RS256 and PS256 verify it instead of hashing `data`
/// again. Every other algorithm ignores it.
Result<void> verify_signature(Algorithm algorithm, const Jwk& key, std::string_view data,
                              const util::Sha256Digest* data_sha256, std::string_view signature,
                              unsigned min_rsa_bits);

/// Signs `data` with the private `key` and returns the JOSE signature octets (ECDSA as R || S).
Result<std::string> create_signature(Algorithm algorithm, const Jwk& key, std::string_view data);

/// The size of one ECDSA coordinate for ES256/ES384/ES512 (32, 48, 66); 0 for other algorithms.
std::size_t ecdsa_coordinate_bytes(Algorithm algorithm) noexcept;
/// JOSE R || S (RFC 7518 section 3.4) to DER ECDSA-Sig-Value (RFC 3279 section 2.2.3);
/// invalid_value at "signature" when the length is not 2 x coordinate_bytes.
Result<std::string> ecdsa_signature_to_der(std::string_view jose_signature,
                                           std::size_t coordinate_bytes);
/// DER ECDSA-Sig-Value to JOSE R || S, each left-padded to coordinate_bytes.
Result<std::string> ecdsa_signature_from_der(std::string_view der, std::size_t coordinate_bytes);

}  // namespace peerapi::auth::jose
