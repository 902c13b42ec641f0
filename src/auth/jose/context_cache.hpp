// Per-key prototypes of OpenSSL verification contexts (internal to auth/jose). Initialising an
// EVP_MD_CTX for DigestVerify fetches the digest and signature implementations, which in
// OpenSSL 3.0 costs about as much as 15-20% of an RSA-2048 verification; copying an initialised
// prototype costs a tenth of that. Each Jwk owns one cache shared by its copies.
#pragma once

#include <array>
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

 private:
  std::array<std::once_flag, kAlgorithmCount> once_;
  std::array<openssl::MdCtxPtr, kAlgorithmCount> prototypes_;
};

}  // namespace peerapi::auth::jose
