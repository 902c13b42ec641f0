// JWS Compact Serialization (RFC 7515 section 7.1): parsing with size limits, verification
// against a caller-chosen algorithm allowlist and key (RFC 8725 sections 3.1 and 3.2), and
// signing. The JSON serializations (RFC 7515 section 7.2) are not supported.
#pragma once

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "auth/jose/algorithm.hpp"
#include "auth/jose/jwk.hpp"
#include "model/error.hpp"
#include "util/crypto.hpp"

namespace peerapi::auth::jose {

/// What the payload must be: a JSON object (a JWT claims set, RFC 7519 section 7.2 step 10; a
/// DPoP proof) or any octets (RFC 7515 allows arbitrary payloads, e.g. the RFC 7520 examples).
enum class PayloadFormat : std::uint8_t { json_object, opaque };

/// Limits checked before and while parsing, so untrusted input costs bounded work.
struct JwsLimits {
  std::size_t max_token_bytes = 16 * 1024;    // the compact token as received
  std::size_t max_header_bytes = 8 * 1024;    // decoded protected header JSON
  std::size_t max_payload_bytes = 12 * 1024;  // decoded payload
  std::size_t max_json_depth = 16;
  PayloadFormat payload_format = PayloadFormat::json_object;
  /// Not a limit: also compute SHA-256 of the signing input and of the whole token while parsing,
  /// reading their common prefix once (CompactJws::token_sha256). For callers that need the
  /// token's hash anyway (RFC 9449 "ath", a cache key); verification of RS256 and PS256 then
  /// reuses the signing input's digest instead of hashing it again.
  bool sha256_digests = false;
};

/// A syntactically valid compact JWS whose signature has NOT been checked. The protected header
/// is a JSON object with a string "alg"; "kid", "typ" and "cty" are strings and "jwk" an object
/// when present; "crit" is rejected because no extension is understood (RFC 7515 section
/// 4.1.11). Every segment is canonical unpadded base64url. Of duplicate JSON member names the
/// last one counts (RFC 7515 section 5.2 step 4).
class CompactJws {
 public:
  /// Errors: invalid_value at "token" (size, not three segments), at "header", "payload" or
  /// "signature" (base64url, size); malformed_json / too_deep / wrong_type at "header" or
  /// "payload"; missing_field / wrong_type at "header.alg" and wrong_type at the other header
  /// members named above; invalid_value at "header.crit".
  static Result<CompactJws> parse(std::string_view token, const JwsLimits& limits = {});

  /// Copies are deep (header and claims in the copy's own arena); a moved-from CompactJws has an
  /// empty header and claims.
  CompactJws(const CompactJws& other);
  CompactJws& operator=(const CompactJws& other);
  CompactJws(CompactJws&& other) noexcept;
  CompactJws& operator=(CompactJws&& other) noexcept;
  ~CompactJws();

  [[nodiscard]] const boost::json::object& header() const noexcept;
  /// Header "alg" exactly as sent; it selects nothing until checked against an allowlist.
  [[nodiscard]] std::string_view alg() const noexcept;
  /// Header "kid" and "typ" (RFC 7515 sections 4.1.4 and 4.1.9); "" when absent.
  [[nodiscard]] std::string_view kid() const noexcept;
  [[nodiscard]] std::string_view typ() const noexcept;
  /// Header "jwk" (RFC 7515 section 4.1.3), nullptr when absent.
  [[nodiscard]] const boost::json::object* jwk() const noexcept;
  /// The decoded payload octets.
  [[nodiscard]] const std::string& payload() const noexcept { return payload_; }
  /// The payload as a JSON object; empty when parsed with PayloadFormat::opaque.
  [[nodiscard]] const boost::json::object& claims() const noexcept;
  /// ASCII(BASE64URL(header) || '.' || BASE64URL(payload)) (RFC 7515 section 5.1 step 5).
  [[nodiscard]] std::string_view signing_input() const noexcept;
  /// The decoded signature octets.
  [[nodiscard]] const std::string& signature() const noexcept { return signature_; }
  /// SHA-256 of signing_input() and of the whole token as received; nullptr unless parsed with
  /// JwsLimits::sha256_digests.
  [[nodiscard]] const util::Sha256Digest* signing_input_sha256() const noexcept {
    return sha256_ ? &sha256_->first : nullptr;
  }
  [[nodiscard]] const util::Sha256Digest* token_sha256() const noexcept {
    return sha256_ ? &sha256_->second : nullptr;
  }

 private:
  /// Header and claims with the arena they are allocated from (one allocation per token; the
  /// arena is not reference-counted, so building the DOM costs no atomic operations).
  struct Document;
  CompactJws();
  std::unique_ptr<Document> document_;
  std::string token_;
  std::size_t signing_input_size_ = 0;
  std::string payload_;
  std::string signature_;
  std::optional<std::pair<util::Sha256Digest, util::Sha256Digest>> sha256_;
};

struct VerifyOptions {
  /// The allowlist (RFC 8725 section 3.1). Empty rejects every token. HS* belong here only for
  /// symmetric keys; an asymmetric key never verifies an HMAC (check_key_for).
  AlgorithmSet algorithms;
  JwsLimits limits;
  /// Raised above kMinRsaBits if wanted; never lowered below it.
  unsigned min_rsa_bits = kMinRsaBits;
  /// When a token has no "kid", at most this many keys of a JwkSet are tried.
  std::size_t max_key_attempts = 4;
};

/// A JWS whose signature verified with an allowed algorithm and a key fit for it. Only the
/// verify functions below create one.
class VerifiedJws {
 public:
  [[nodiscard]] Algorithm algorithm() const noexcept { return algorithm_; }
  [[nodiscard]] const CompactJws& jws() const noexcept { return jws_; }
  [[nodiscard]] const boost::json::object& header() const noexcept { return jws_.header(); }
  [[nodiscard]] const boost::json::object& claims() const noexcept { return jws_.claims(); }
  [[nodiscard]] const std::string& payload() const noexcept { return jws_.payload(); }

 private:
  VerifiedJws(CompactJws jws, Algorithm algorithm) : jws_(std::move(jws)), algorithm_(algorithm) {}
  friend Result<VerifiedJws> verify(CompactJws jws, const Jwk& key, const VerifyOptions& options);
  friend Result<VerifiedJws> verify(CompactJws jws, const JwkSet& keys,
                                    const VerifyOptions& options);

  CompactJws jws_;
  Algorithm algorithm_;
};

/// The algorithm named by the header if it is allowed: unauthenticated at "header.alg" for
/// "none" (RFC 7515 Appendix A.5 is refused), unknown names and names outside `allowed`.
Result<Algorithm> allowed_algorithm(const CompactJws& jws, const AlgorithmSet& allowed);

/// Verifies with one key: allowed_algorithm, then verify_signature (key fit, signature).
/// unauthenticated at "header.alg", "key" or "signature" on failure.
Result<VerifiedJws> verify(CompactJws jws, const Jwk& key, const VerifyOptions& options);
/// Verifies with the key of a set named by the header "kid" (unauthenticated at "header.kid" when
/// none has it, so a caller can refresh its JWKS), or, without "kid", with the first of at most
/// max_key_attempts keys fit for the algorithm that verifies.
Result<VerifiedJws> verify(CompactJws jws, const JwkSet& keys, const VerifyOptions& options);
/// CompactJws::parse with options.limits, then verify.
Result<VerifiedJws> verify_compact(std::string_view token, const Jwk& key,
                                   const VerifyOptions& options);
Result<VerifiedJws> verify_compact(std::string_view token, const JwkSet& keys,
                                   const VerifyOptions& options);

/// Signs `payload` with the private `key`: the header is `header` with "alg" set to `algorithm`
/// (any "alg" in `header` is replaced), serialized without whitespace.
Result<std::string> sign_compact(Algorithm algorithm, const Jwk& key,
                                 const boost::json::object& header, std::string_view payload);
/// sign_compact with the serialized `claims` as payload (a JWT, RFC 7519 section 7.1).
Result<std::string> sign_jwt(Algorithm algorithm, const Jwk& key, const boost::json::object& header,
                             const boost::json::object& claims);

}  // namespace peerapi::auth::jose
