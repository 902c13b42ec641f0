// Per-key verification state made once and reused (internal to auth/jose); each Jwk owns one
// cache shared by its copies. For EC and OKP keys: prototype EVP_MD_CTX objects, because
// initialising a context for DigestVerify fetches the digest and signature implementations, which
// in OpenSSL 3.0 costs several times as much as copying an initialised one. For RSA keys: n, e and
// the Montgomery context of n, so that RSAVP1 (signature.cpp) needs no per-call set-up.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <mutex>

#include "auth/jose/algorithm.hpp"
#include "auth/jose/openssl_handles.hpp"

namespace peerapi::auth::jose {

class VerifyContextCache {
 public:
  /// Initialises `context` for verifying `algorithm` with `pkey`; false on failure.
  using Initialiser = bool (*)(EVP_MD_CTX* context, EVP_PKEY* pkey, Algorithm algorithm);
  /// A verification context ready for EVP_DigestVerify: a copy of this key's prototype for
  /// `algorithm`, made by `initialise` on first use. Falls back to a freshly initialised context
  /// where OpenSSL cannot copy one. nullptr when OpenSSL fails. Safe to call from many threads:
  /// prototypes are written once and only read afterwards.
  openssl::MdCtxPtr verify_context(EVP_PKEY* pkey, Algorithm algorithm, Initialiser initialise);

  /// An RSA public key as RSAVP1 (RFC 8017 section 5.2.2) needs it: n and e, and the Montgomery
  /// context of n. Immutable once made; Montgomery products only read `mont`, so threads share it
  /// as OpenSSL's own RSA code shares the one it caches per key.
  struct RsaPublic {
    openssl::BignumPtr n;
    openssl::BignumPtr e;
    openssl::MontCtxPtr mont;
    std::size_t modulus_bits = 0;
    std::size_t modulus_bytes = 0;  // k
    int exponent_bits = 0;
    bool odd_exponent = false;  // e odd and above 1, as every usable RSA exponent is
  };
  /// This key's RsaPublic, made on first use; nullptr when `pkey` is not an RSA key OpenSSL can
  /// export, or one OpenSSL's RSA public operation refuses (see signature.cpp). Safe to call
  /// from many threads.
  const RsaPublic* rsa_public(EVP_PKEY* pkey);

 private:
  std::array<std::once_flag, kAlgorithmCount> once_;
  std::array<openssl::MdCtxPtr, kAlgorithmCount> prototypes_;
  std::once_flag rsa_once_;
  std::unique_ptr<const RsaPublic> rsa_;
};

}  // namespace peerapi::auth::jose
