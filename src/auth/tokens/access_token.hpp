// Validation of OAuth 2.0 access tokens in the JWT profile (RFC 9068) presented as bearer tokens
// (RFC 6750), following the JWT best current practices (RFC 8725): the issuer's configured
// algorithm allowlist and keys decide, never the token; explicit typing; exact issuer and
// audience; bounded size and lifetime. The result is the caller's Principal.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jose/algorithm.hpp"
#include "auth/principal.hpp"
#include "auth/tokens/key_source.hpp"
#include "auth/tokens/token_cache.hpp"
#include "model/asn.hpp"
#include "model/error.hpp"
#include "util/clock.hpp"
#include "util/crypto.hpp"

namespace peerapi::auth {

/// What one trusted issuer (one `[[auth.issuers]]` entry) may put in a token.
struct IssuerPolicy {
  /// Which "typ" header values are accepted (RFC 7515 section 4.1.9: compared case-insensitively,
  /// an omitted "application/" prefix is the same type).
  enum class TypPolicy : std::uint8_t {
    at_jwt_only,    // "at+jwt" only (RFC 9068 section 2.1 and section 4 step 1; RFC 8725 3.11)
    at_jwt_or_jwt,  // also "JWT" or no "typ", for issuers that do not type their access tokens
  };

  /// Equal to "iss", octet for octet (RFC 9068 section 4 step 3).
  std::string issuer;
  /// Must be "aud" or one element of it (RFC 9068 section 4 step 4, RFC 7519 section 4.1.3).
  std::string audience;
  /// The algorithms this issuer signs with (RFC 8725 section 3.1); empty refuses every token.
  jose::AlgorithmSet algorithms;
  /// The claim listing the networks the subject acts for. Two shapes are accepted (see
  /// AccessTokenValidator::validate): PeeringDB's [{"asn": N, "perms": P}, ...] and a plain
  /// array of ASNs.
  std::string asn_claim = "networks";
  /// PeeringDB permission bits (1 read, 2 update, 4 create, 8 delete): an entry of the PeeringDB
  /// shape grants its ASN only when (perms & min_perms) == min_perms.
  int min_perms = 15;
  TypPolicy typ = TypPolicy::at_jwt_only;
  /// Clock skew allowed on "exp", "nbf" and "iat" (RFC 7519 section 4.1.4).
  std::int64_t leeway_ms = 60'000;
  /// Tokens whose lifetime exceeds this are refused (see validate).
  std::int64_t max_lifetime_ms = std::chrono::milliseconds(std::chrono::hours(24)).count();
  /// The compact token as received, in octets.
  std::size_t max_token_bytes = 8192;
  /// The issuer's verification keys; may be called from several threads at once.
  std::shared_ptr<KeySource> keys;
  /// When set, the only networks this issuer may grant: the token's ASNs are intersected with
  /// this list, and a token granting none of them is refused (an IdP registered through
  /// POST /oauth/client_register speaks only for the ASNs it is attested for, draft section
  /// "OAuth with RPKI Attested OAuth"). Unset: every ASN the token names.
  std::optional<std::vector<model::Asn>> allowed_asns;
};

/// A token that passed every check.
struct ValidatedToken {
  /// subject = "sub", issuer = "iss", email = "email", asns = the granted networks (sorted,
  /// without duplicates, never empty).
  Principal principal;
  /// "cnf"."jkt" (RFC 9449 section 6.1): the token is bound to the DPoP key with this RFC 7638
  /// thumbprint, and the caller must require a DPoP proof made with that key.
  std::optional<std::string> cnf_jkt;
  /// "exp" in Unix milliseconds.
  std::int64_t expires_at_ms = 0;
  /// access_token_hash(token): compares directly with a DPoP proof's "ath" (RFC 9449 4.2).
  std::string token_hash;
  /// The validator's issuer-list generation this result was computed under; a cached result of
  /// an older generation is not reused (see AccessTokenValidator::add_issuer).
  std::uint64_t issuer_generation = 0;
};

/// base64url(SHA-256(ASCII(token))) without padding, the "ath" value of RFC 9449 section 4.2.
std::string access_token_hash(std::string_view token);

/// Configuration errors the validator would otherwise meet only at request time: config_invalid
/// at "issuers[i].<member>" for an empty issuer or audience, a duplicate issuer, no key source,
/// an empty algorithm list, an empty asn_claim, min_perms outside 0..15, a leeway outside
/// 0..1 h, a lifetime outside 1 ms..10 years or a zero size limit.
Result<void> check_issuer_policies(std::span<const IssuerPolicy> issuers);

class AccessTokenValidator {
 public:
  /// `issuers` should pass check_issuer_policies; if not, the first of duplicate issuers wins
  /// and an issuer without a key source refuses all of its tokens. `clock` must outlive the
  /// validator.
  AccessTokenValidator(std::vector<IssuerPolicy> issuers, const util::Clock& clock,
                       CacheOptions cache = {});

  /// Validates a bearer token; thread-safe. In order:
  /// 1. size within the largest max_token_bytes (then the issuer's own), JWS compact syntax;
  /// 2. "iss", read before verification only to choose the IssuerPolicy (token.iss);
  /// 3. the signature with the issuer's allowlist and keys (header.alg, header.kid, key,
  ///    signature); an unknown "kid" asks the KeySource once more with that kid (it may refresh
  ///    its JWKS) and retries once;
  /// 4. "typ" (token.typ); "aud" (token.aud); "exp" required, now < exp + leeway (token.exp);
  ///    "nbf" if present, nbf <= now + leeway (token.nbf); "iat" if present, iat <= now + leeway
  ///    (token.iat); lifetime exp - iat <= max_lifetime_ms, or without "iat" exp - now <=
  ///    max_lifetime_ms (token.exp); NumericDates may be fractional and must lie in 0..253402300799
  ///    (year 9999);
  /// 5. "sub" a non-empty string (token.sub); "email" a string or null if present (token.email);
  /// 6. the asn_claim (token.<claim>, entries at token.<claim>[i]): an array whose elements are
  ///    all objects {"asn": A, "perms": P} (PeeringDB; P a non-negative integer, entries without
  ///    the min_perms bits are ignored) or all plain ASNs. An ASN is an integer or a string such
  ///    as "64501" or "AS64501" (identity providers often emit custom claims as strings); it
  ///    must be one a network can hold (Asn::from_number: not 0, 23456 or reserved). Any bad
  ///    entry fails the token. A token that grants no ASN -- an empty array, or no PeeringDB
  ///    entry with enough perms -- is refused (unauthenticated, not forbidden: the credential
  ///    itself does not authorize any network);
  /// 7. "cnf": an object with a string "jkt" of 43 base64url characters (token.cnf.jkt); a
  ///    "cnf" without "jkt" names a confirmation method this server cannot check, so the token
  ///    is refused (token.cnf) rather than accepted as a plain bearer token.
  /// RFC 9068's "client_id" and "jti" are not required. Every error is `unauthenticated` with the
  /// field named above ("token" for size and syntax, "header.*" for the JOSE header), and a
  /// message that never contains the token.
  ///
  /// With the cache on, a token validated before is answered from the cache until min(exp,
  /// validated at + max_ttl_ms), checked against the clock on every hit; after that it is
  /// validated in full again.
  Result<ValidatedToken> validate(std::string_view token);

  /// Adds `policy`, or replaces the issuer with the same `issuer` string; thread-safe, and
  /// validate() calls running meanwhile finish with the list they started with. Tokens verified
  /// before are validated in full again on their next use (a replaced issuer's cached results,
  /// with its old audience or ASNs, are never served). `policy` should pass
  /// check_issuer_policies on its own; one without a key source refuses all of its tokens.
  void add_issuer(IssuerPolicy policy);

  /// The issuer strings currently trusted, in the order they were added.
  [[nodiscard]] std::vector<std::string> issuers() const;

  /// Entries in the verified-token cache (0 when it is off).
  [[nodiscard]] std::size_t cached_tokens() const { return cache_.size(); }

 private:
  /// An immutable issuer list: validate() takes one snapshot and keeps it for the whole call.
  struct IssuerList {
    std::vector<IssuerPolicy> policies;
    std::size_t max_token_bytes = 0;  // the largest policy limit (the default when empty)
    std::uint64_t generation = 0;     // bumped by every add_issuer
  };
  static std::shared_ptr<const IssuerList> make_list(std::vector<IssuerPolicy> policies,
                                                     std::uint64_t generation);
  /// `token_sha256` is SHA-256(token) when the caller has it; otherwise it is computed while
  /// parsing, in one pass with the signing input's digest.
  Result<ValidatedToken> validate_uncached(const IssuerList& issuers, std::string_view token,
                                           const util::Sha256Digest* token_sha256,
                                           std::int64_t now_ms) const;

  std::atomic<std::shared_ptr<const IssuerList>> issuers_;
  std::mutex writer_;  // serialises add_issuer's read-modify-write of issuers_
  const util::Clock& clock_;
  std::int64_t cache_ttl_ms_ = 0;
  VerifiedTokenCache cache_;
};

}  // namespace peerapi::auth
