// Where an issuer's verification keys come from (a JWKS URL, discovery, a file, or fixed keys in
// tests). Token validation asks a KeySource; it never fetches anything itself.
#pragma once

#include <memory>
#include <string_view>

#include "auth/jose/jwk.hpp"
#include "model/error.hpp"

namespace peerapi::auth {

class KeySource {
 public:
  virtual ~KeySource() = default;
  /// The issuer's current key set. When `unknown_kid` is not empty, a token named that kid and
  /// the last set did not have it: the source may refresh (rate-limited) before answering, so
  /// keys rotate without a restart. Errors (unauthenticated or io_error) when no keys are known.
  virtual Result<std::shared_ptr<const jose::JwkSet>> keys(std::string_view unknown_kid) = 0;
};

/// Fixed keys (tests, `jwks_file` after loading).
class StaticKeySource final : public KeySource {
 public:
  explicit StaticKeySource(std::shared_ptr<const jose::JwkSet> keys) : keys_(std::move(keys)) {}
  Result<std::shared_ptr<const jose::JwkSet>> keys(std::string_view /*unknown_kid*/) override {
    return keys_;
  }

 private:
  std::shared_ptr<const jose::JwkSet> keys_;
};

}  // namespace peerapi::auth
