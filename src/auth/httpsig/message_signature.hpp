// HTTP Message Signatures (RFC 9421): verifying a received signature against a policy
// (section 3.2) and creating one (section 3.1), on the JOSE signature primitives.
//
// Contract of verify():
// - Signature-Input and Signature are Dictionaries (sections 4.1, 4.2); a label given twice in
//   either is refused. Each Signature-Input member is an Inner List of component identifiers with
//   the parameters created, expires (Integers), nonce, alg, keyid, tag (Strings); any other
//   parameter, or one of the wrong type, is refused (fail closed: its meaning is unknown).
// - Which signature: VerifyPolicy::label when set; otherwise each label in Signature-Input order
//   (at most max_signatures) until one satisfies everything; the first failure is returned.
// - Order of checks: syntax, tag, created/expires window, keyid, nonce presence, required
//   components, key resolution, algorithm (allowlist, the key's algorithm, "alg" agreeing with
//   it), signature base (section 2.5), the signature, Content-Digest against the body (RFC 9530),
//   and last the nonce check, so that only an authentic signature spends a nonce.
// - Errors: invalid_value for syntax, unauthenticated for every trust failure, each with a field
//   path: "signature_input", "signature_input.<label>", "signature_input.<label>.<parameter>",
//   "signature_input.<label>.components" (a required component not covered),
//   "signature_input.<label>.components[i]" (component i can not be built from the message),
//   "signature", "signature.<label>" (missing, malformed or wrong signature), "content-digest".
//   Errors of the key resolver and nonce check are returned as they are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/httpsig/signature_base.hpp"
#include "auth/jose/algorithm.hpp"
#include "auth/jose/jwk.hpp"
#include "model/error.hpp"
#include "util/clock.hpp"

namespace peerapi::auth::httpsig {

/// HTTP signature algorithms (RFC 9421 section 3.3) and the JOSE algorithm each one is:
/// rsa-pss-sha512 = PS512 (MGF1-SHA-512, salt 64), rsa-v1_5-sha256 = RS256, hmac-sha256 = HS256,
/// ecdsa-p256-sha256 = ES256 and ecdsa-p384-sha384 = ES384 (signature r || s), ed25519 = EdDSA.
enum class Algorithm : std::uint8_t {
  rsa_pss_sha512,
  rsa_v1_5_sha256,
  hmac_sha256,
  ecdsa_p256_sha256,
  ecdsa_p384_sha384,
  ed25519,
};

/// The registered name ("rsa-pss-sha512").
std::string_view to_string(Algorithm algorithm) noexcept;
/// The algorithm with that exact registered name; nullopt otherwise.
std::optional<Algorithm> algorithm_from_name(std::string_view name) noexcept;
jose::Algorithm to_jose(Algorithm algorithm) noexcept;

/// The algorithms a verifier accepts; empty by default, so nothing verifies until named.
class AlgorithmSet {
 public:
  constexpr AlgorithmSet() = default;
  constexpr AlgorithmSet(std::initializer_list<Algorithm> algorithms) {
    for (Algorithm algorithm : algorithms)
      bits_ |= bit(algorithm);
  }
  [[nodiscard]] constexpr bool contains(Algorithm algorithm) const noexcept {
    return (bits_ & bit(algorithm)) != 0;
  }

 private:
  static constexpr unsigned bit(Algorithm algorithm) noexcept {
    return 1U << static_cast<unsigned>(algorithm);
  }
  unsigned bits_ = 0;
};

/// The verification key for a keyid and the one algorithm it is used with (RFC 9421 section 3.2
/// step 6: the algorithm comes from the key, never from the message alone).
struct ResolvedKey {
  jose::Jwk key;
  Algorithm algorithm;
};

/// Looks up a keyid. nullopt: the keyid is unknown (unauthenticated); an error: the lookup itself
/// failed (returned unchanged, e.g. unavailable).
using KeyResolver = std::function<Result<std::optional<ResolvedKey>>(std::string_view keyid)>;

/// A nonce about to be accepted. `remember_until` (Unix seconds) is when the signature stops
/// being acceptable anyway (expires, or created + max age), so a replay cache can forget it then.
struct NonceUse {
  std::string_view label;
  std::string_view keyid;
  std::string_view nonce;
  std::int64_t remember_until = 0;
};

/// True when the nonce is fresh (and records it), false for a replay; an error when the cache
/// fails (returned unchanged: the request is refused).
using NonceCheck = std::function<Result<bool>(const NonceUse& use)>;

struct VerifyPolicy {
  KeyResolver resolve_key;
  AlgorithmSet algorithms;
  /// Time source for created/expires; required.
  const util::Clock* clock = nullptr;
  /// Component names that must be covered, e.g. {"@method", "@target-uri", "authorization"}.
  /// A covered identifier counts when its name matches and it has neither "req" nor "key".
  std::vector<std::string> required_components;
  /// When the message has a body, "content-digest" must also be covered.
  bool require_content_digest_with_body = true;
  /// created: required, at most max_age_seconds old and at most max_skew_seconds ahead of now.
  bool require_created = true;
  std::int64_t max_age_seconds = 300;
  std::int64_t max_skew_seconds = 30;
  /// A nonce must be present; check_nonce, when set, is asked about every nonce present.
  bool require_nonce = false;
  NonceCheck check_nonce;
  /// Only the signature with this label is considered.
  std::optional<std::string> label;
  /// The signature's tag must equal this (RFC 9421 section 2.3 "tag").
  std::optional<std::string> tag;
  unsigned min_rsa_bits = jose::kMinRsaBits;
  std::size_t max_signatures = 4;
  BaseOptions base;
  sf::Limits field_limits;
  /// For a response: the request it answers, for components with "req" (section 2.4).
  const HttpMessageView* related_request = nullptr;
};

struct VerifiedSignature {
  std::string label;
  std::string keyid;
  Algorithm algorithm = Algorithm::ed25519;
  std::vector<ComponentId> covered;
  std::optional<std::int64_t> created;
  std::optional<std::int64_t> expires;
  std::optional<std::string> nonce;
  std::optional<std::string> tag;
};

/// Verifies one signature of `message` given the Signature-Input and Signature field values (all
/// field lines joined with ", "), as described at the top of this file.
Result<VerifiedSignature> verify(const HttpMessageView& message,
                                 std::string_view signature_input_value,
                                 std::string_view signature_value, const VerifyPolicy& policy);

/// The same, reading Signature-Input and Signature from message.fields. A message without them
/// is unauthenticated at "signature_input".
Result<VerifiedSignature> verify(const HttpMessageView& message, const VerifyPolicy& policy);

/// Signature parameters written by sign(), in this order: created, keyid, alg, expires, nonce,
/// tag (the order of the RFC 9421 Appendix B examples).
struct SignatureParams {
  std::int64_t created = 0;
  std::optional<std::int64_t> expires;
  std::optional<std::string> nonce;
  std::string keyid;  // omitted when empty
  std::optional<std::string> tag;
  bool include_alg = false;
};

/// The header values a signer attaches. When the message already has Signature-Input and
/// Signature fields, these are appended as further members (", ").
struct SignedHeaders {
  std::string signature_input;  // "sig1=(\"@method\" ...);created=...;keyid=\"...\""
  std::string signature;        // "sig1=:base64:"
  std::string signature_base;   // the bytes that were signed
};

/// Signs `components` of `message` with `key` (section 3.1). `label` must be a Structured Field
/// key. Every error is invalid_value: at "label", "params", "components[i]" or "key".
Result<SignedHeaders> sign(const HttpMessageView& message, const jose::Jwk& key,
                           Algorithm algorithm, std::span<const ComponentId> components,
                           const SignatureParams& params, std::string_view label,
                           const HttpMessageView* related_request = nullptr,
                           const BaseOptions& options = {});

}  // namespace peerapi::auth::httpsig
