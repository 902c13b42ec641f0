// RAII owners for the OpenSSL 3 objects the JOSE layer creates. Internal to auth/jose: public
// headers expose no OpenSSL types except the opaque EVP_PKEY through Jwk::evp_pkey().
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>

#include <memory>

namespace peerapi::auth::jose::openssl {

/// A deleter that calls the OpenSSL free function `Free`.
template <auto Free>
struct FreeWith {
  template <class T>
  void operator()(T* object) const noexcept {
    Free(object);
  }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, FreeWith<&EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, FreeWith<&EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, FreeWith<&EVP_MD_CTX_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, FreeWith<&BN_free>>;
using BnCtxPtr = std::unique_ptr<BN_CTX, FreeWith<&BN_CTX_free>>;
using MontCtxPtr = std::unique_ptr<BN_MONT_CTX, FreeWith<&BN_MONT_CTX_free>>;
/// For private key material: the value is wiped before the memory is released.
using SecretBignumPtr = std::unique_ptr<BIGNUM, FreeWith<&BN_clear_free>>;
using ParamBuildPtr = std::unique_ptr<OSSL_PARAM_BLD, FreeWith<&OSSL_PARAM_BLD_free>>;
using ParamsPtr = std::unique_ptr<OSSL_PARAM, FreeWith<&OSSL_PARAM_free>>;
using BioPtr = std::unique_ptr<BIO, FreeWith<&BIO_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, FreeWith<&ECDSA_SIG_free>>;

}  // namespace peerapi::auth::jose::openssl
