// Stateless DPoP server nonces (RFC 9449 section 8). A nonce is
//   base64url(issued_at_ms as 8 octets big-endian || HMAC-SHA-256(key, context || issued_at_ms))
// so every replica holding the same key (the store's named secret) accepts the nonces of every
// other one without shared state. A nonce is accepted from its issue time until `validity_ms`
// later; the client gets a fresh one with the next "DPoP-Nonce" header (section 8.2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace peerapi::auth::dpop {

class NonceIssuer {
 public:
  /// Smallest HMAC key accepted: the SHA-256 output length (RFC 2104 section 3).
  static constexpr std::size_t kMinKeyBytes = 32;
  /// How far a nonce's issue time may lie ahead of `now_ms`, for replicas whose clocks differ.
  static constexpr std::int64_t kMaxIssuerSkewMs = 5'000;

  /// Preconditions (checked; the process aborts otherwise, since the key comes from the
  /// server's own store): key.size() >= kMinKeyBytes and validity_ms > 0.
  NonceIssuer(std::string key, std::int64_t validity_ms);

  /// A nonce issued at `now_ms`: 54 characters of base64url.
  [[nodiscard]] std::string issue(std::int64_t now_ms) const;
  /// True when `nonce` was issued with this key, at most kMaxIssuerSkewMs after `now_ms`, and
  /// `now_ms` is before its issue time + validity_ms. The MAC is compared in constant time.
  [[nodiscard]] bool check(std::string_view nonce, std::int64_t now_ms) const;

  [[nodiscard]] std::int64_t validity_ms() const noexcept { return validity_ms_; }

 private:
  [[nodiscard]] std::string mac(std::string_view timestamp) const;

  std::string key_;
  std::int64_t validity_ms_;
};

}  // namespace peerapi::auth::dpop
