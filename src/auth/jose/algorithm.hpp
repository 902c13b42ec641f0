// JWS "alg" values (RFC 7518 section 3.1, RFC 8037 section 3.1) and the caller-supplied allowlist
// that decides which of them a verifier accepts (RFC 8725 section 3.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "model/error.hpp"

namespace peerapi::auth::jose {

/// Every algorithm this layer can sign and verify. "none" is deliberately absent: an unsecured JWS
/// (RFC 7515 Appendix A.5) is never accepted (RFC 8725 section 3.2).
enum class Algorithm : std::uint8_t {
  hs256,  // HMAC SHA-256 (RFC 7518 section 3.2), "oct" keys only
  hs384,
  hs512,
  rs256,  // RSASSA-PKCS1-v1_5 (RFC 7518 section 3.3)
  rs384,
  rs512,
  ps256,  // RSASSA-PSS, MGF1 with the same hash, salt = hash length (RFC 7518 section 3.5)
  ps384,
  ps512,
  es256,  // ECDSA P-256 SHA-256, signature R || S (RFC 7518 section 3.4)
  es384,  // ECDSA P-384 SHA-384
  es512,  // ECDSA P-521 SHA-512
  eddsa,  // Ed25519 (RFC 8037 section 3.1); Ed448 is not supported
};

inline constexpr std::size_t kAlgorithmCount = 13;

/// The registered JOSE name ("ES256", "EdDSA").
std::string_view to_string(Algorithm algorithm) noexcept;
/// The algorithm with that exact registered name; nullopt for "none" and every unknown name.
std::optional<Algorithm> algorithm_from_name(std::string_view name) noexcept;

[[nodiscard]] constexpr bool is_hmac(Algorithm algorithm) noexcept {
  return algorithm <= Algorithm::hs512;
}

/// The set of algorithms a verifier accepts. Empty by default: nothing is accepted until the caller
/// names algorithms, so "alg" in a token is never trusted on its own (RFC 8725 section 3.1).
class AlgorithmSet {
 public:
  constexpr AlgorithmSet() = default;
  constexpr AlgorithmSet(std::initializer_list<Algorithm> algorithms) {
    for (Algorithm algorithm : algorithms)
      insert(algorithm);
  }
  /// Parses configured names ("ES256", "EdDSA"); "none" and unknown names are invalid_value at
  /// `field[i]`.
  static Result<AlgorithmSet> parse(std::span<const std::string> names, std::string_view field);
  /// Every asymmetric algorithm (RS*, PS*, ES*, EdDSA), no HMAC.
  static constexpr AlgorithmSet all_asymmetric() {
    AlgorithmSet set;
    for (auto i = static_cast<std::size_t>(Algorithm::rs256); i < kAlgorithmCount; ++i)
      set.insert(static_cast<Algorithm>(i));
    return set;
  }

  constexpr void insert(Algorithm algorithm) noexcept { bits_ |= bit(algorithm); }
  [[nodiscard]] constexpr bool contains(Algorithm algorithm) const noexcept {
    return (bits_ & bit(algorithm)) != 0;
  }
  [[nodiscard]] constexpr bool empty() const noexcept { return bits_ == 0; }
  /// "ES256, EdDSA" in enum order, for messages.
  [[nodiscard]] std::string to_string() const;

  constexpr bool operator==(const AlgorithmSet&) const = default;

 private:
  static constexpr std::uint32_t bit(Algorithm algorithm) noexcept {
    return std::uint32_t{1} << static_cast<unsigned>(algorithm);
  }
  std::uint32_t bits_ = 0;
};

}  // namespace peerapi::auth::jose
