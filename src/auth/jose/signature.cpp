#include "auth/jose/signature.hpp"

#include <openssl/err.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <array>

#include "auth/jose/context_cache.hpp"
#include "auth/jose/openssl_handles.hpp"
#include "util/crypto.hpp"

namespace peerapi::auth::jose {

namespace {

constexpr std::size_t kEd25519SignatureBytes = 64;  // RFC 8032 section 5.1.6

enum class Scheme : std::uint8_t { hmac, rsa_pkcs1, rsa_pss, ecdsa, eddsa };

/// How RFC 7518 section 3 (and RFC 8037 section 3.1) realise one "alg".
struct Profile {
  Scheme scheme;
  KeyType key_type;
  Curve curve;
  const char* digest;  // OpenSSL digest name; nullptr for EdDSA (which hashes internally)
  std::size_t digest_bytes;
};

Profile profile_of(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::hs256:
      return {Scheme::hmac, KeyType::oct, Curve::none, "SHA256", 32};
    case Algorithm::hs384:
      return {Scheme::hmac, KeyType::oct, Curve::none, "SHA384", 48};
    case Algorithm::hs512:
      return {Scheme::hmac, KeyType::oct, Curve::none, "SHA512", 64};
    case Algorithm::rs256:
      return {Scheme::rsa_pkcs1, KeyType::rsa, Curve::none, "SHA256", 32};
    case Algorithm::rs384:
      return {Scheme::rsa_pkcs1, KeyType::rsa, Curve::none, "SHA384", 48};
    case Algorithm::rs512:
      return {Scheme::rsa_pkcs1, KeyType::rsa, Curve::none, "SHA512", 64};
    case Algorithm::ps256:
      return {Scheme::rsa_pss, KeyType::rsa, Curve::none, "SHA256", 32};
    case Algorithm::ps384:
      return {Scheme::rsa_pss, KeyType::rsa, Curve::none, "SHA384", 48};
    case Algorithm::ps512:
      return {Scheme::rsa_pss, KeyType::rsa, Curve::none, "SHA512", 64};
    case Algorithm::es256:
      return {Scheme::ecdsa, KeyType::ec, Curve::p256, "SHA256", 32};
    case Algorithm::es384:
      return {Scheme::ecdsa, KeyType::ec, Curve::p384, "SHA384", 48};
    case Algorithm::es512:
      return {Scheme::ecdsa, KeyType::ec, Curve::p521, "SHA512", 64};
    case Algorithm::eddsa:
      return {Scheme::eddsa, KeyType::okp, Curve::ed25519, nullptr, 0};
  }
  return {Scheme::eddsa, KeyType::okp, Curve::ed25519, nullptr, 0};
}

std::string describe_key(KeyType type, Curve curve) {
  std::string out = "an ";  // "an RSA", "an EC", "an OKP", "an oct"
  out += to_string(type);
  if (curve != Curve::none) {
    out += ' ';
    out += to_string(curve);
  }
  out += " key";
  return out;
}

const unsigned char* as_uchar(std::string_view bytes) {
  return reinterpret_cast<const unsigned char*>(bytes.data());
}

/// RFC 7518 sections 3.3 and 3.5: PKCS #1 v1.5, or PSS with MGF1 over the same hash and a salt
/// exactly as long as the hash output (RSA_PSS_SALTLEN_DIGEST, also enforced when verifying).
bool configure_rsa(EVP_PKEY_CTX* context, const Profile& profile) {
  if (profile.scheme == Scheme::rsa_pkcs1)
    return EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING) == 1;
  if (profile.scheme == Scheme::rsa_pss) {
    return EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(context, RSA_PSS_SALTLEN_DIGEST) == 1 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md_name(context, profile.digest, nullptr) == 1;
  }
  return true;
}

bool initialise_verify(EVP_MD_CTX* context, EVP_PKEY* pkey, Algorithm algorithm) {
  const Profile profile = profile_of(algorithm);
  EVP_PKEY_CTX* key_context = nullptr;
  return EVP_DigestVerifyInit_ex(context, &key_context, profile.digest, nullptr, nullptr, pkey,
                                 nullptr) == 1 &&
         configure_rsa(key_context, profile);
}

bool evp_verify(const Jwk& key, Algorithm algorithm, std::string_view data,
                std::string_view signature) {
  openssl::MdCtxPtr context =
      key.verify_contexts()->verify_context(key.evp_pkey(), algorithm, initialise_verify);
  const bool verified =
      context && EVP_DigestVerify(context.get(), as_uchar(signature), signature.size(),
                                  as_uchar(data), data.size()) == 1;
  if (!verified)
    ERR_clear_error();
  return verified;
}

std::optional<std::string> evp_sign(EVP_PKEY* pkey, const Profile& profile, std::string_view data) {
  openssl::MdCtxPtr context(EVP_MD_CTX_new());
  EVP_PKEY_CTX* key_context = nullptr;
  std::size_t size = 0;
  if (!context ||
      EVP_DigestSignInit_ex(context.get(), &key_context, profile.digest, nullptr, nullptr, pkey,
                            nullptr) != 1 ||
      !configure_rsa(key_context, profile) ||
      EVP_DigestSign(context.get(), nullptr, &size, as_uchar(data), data.size()) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  std::string signature(size, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     as_uchar(data), data.size()) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  signature.resize(size);
  return signature;
}

std::optional<std::string> hmac(const Profile& profile, std::string_view secret,
                                std::string_view data) {
  std::string mac(profile.digest_bytes, '\0');
  std::size_t size = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, profile.digest, nullptr, secret.data(), secret.size(),
                as_uchar(data), data.size(), reinterpret_cast<unsigned char*>(mac.data()),
                mac.size(), &size) == nullptr ||
      size != mac.size()) {
    ERR_clear_error();
    return std::nullopt;
  }
  return mac;
}

std::unexpected<Error> signature_rejected(std::string message) {
  return fail(ErrorCode::unauthenticated, "signature", std::move(message));
}

}  // namespace

openssl::MdCtxPtr VerifyContextCache::verify_context(EVP_PKEY* pkey, Algorithm algorithm,
                                                     Initialiser initialise) {
  const auto index = static_cast<std::size_t>(algorithm);
  std::call_once(once_[index], [&] {
    openssl::MdCtxPtr prototype(EVP_MD_CTX_new());
    openssl::MdCtxPtr probe(EVP_MD_CTX_new());
    // Where OpenSSL cannot copy an initialised context, no prototype is kept.
    if (prototype && probe && initialise(prototype.get(), pkey, algorithm) &&
        EVP_MD_CTX_copy_ex(probe.get(), prototype.get()) == 1) {
      prototypes_[index] = std::move(prototype);
    }
    ERR_clear_error();
  });
  openssl::MdCtxPtr context(EVP_MD_CTX_new());
  if (!context)
    return nullptr;
  const bool ready = prototypes_[index]
                         ? EVP_MD_CTX_copy_ex(context.get(), prototypes_[index].get()) == 1
                         : initialise(context.get(), pkey, algorithm);
  if (!ready) {
    ERR_clear_error();
    return nullptr;
  }
  return context;
}

std::size_t ecdsa_coordinate_bytes(Algorithm algorithm) noexcept {
  switch (algorithm) {
    case Algorithm::es256:
      return 32;
    case Algorithm::es384:
      return 48;
    case Algorithm::es512:
      return 66;
    default:
      return 0;
  }
}

Result<void> check_key_for(Algorithm algorithm, const Jwk& key, KeyOperation operation,
                           unsigned min_rsa_bits) {
  const ErrorCode code =
      operation == KeyOperation::verify ? ErrorCode::unauthenticated : ErrorCode::invalid_value;
  const std::string name(to_string(algorithm));
  const Profile profile = profile_of(algorithm);
  if (key.type() != profile.key_type || key.curve() != profile.curve) {
    return fail(code, "key",
                name + " needs " + describe_key(profile.key_type, profile.curve) + ", not " +
                    describe_key(key.type(), key.curve()) + " (RFC 8725 section 3.1)");
  }
  const unsigned rsa_floor = std::max(kMinRsaBits, min_rsa_bits);
  if (key.type() == KeyType::rsa && key.bits() < rsa_floor) {
    return fail(code, "key",
                "RSA key of " + std::to_string(key.bits()) + " bits; at least " +
                    std::to_string(rsa_floor) + " are required (RFC 7518 section 3.3)");
  }
  if (profile.scheme == Scheme::hmac && key.secret().size() < profile.digest_bytes) {
    return fail(code, "key",
                name + " needs a secret of at least " + std::to_string(profile.digest_bytes) +
                    " octets (RFC 7518 section 3.2)");
  }
  if (operation == KeyOperation::sign && !key.is_private())
    return fail(code, "key", "signing needs a private key");
  if (!key.use().empty() && key.use() != "sig") {
    return fail(code, "key",
                "the key's \"use\" is \"" + key.use() + "\", not \"sig\" (RFC 7517 section 4.2)");
  }
  const std::string_view operation_name = operation == KeyOperation::sign ? "sign" : "verify";
  if (key.key_ops() && std::find(key.key_ops()->begin(), key.key_ops()->end(), operation_name) ==
                           key.key_ops()->end()) {
    return fail(code, "key",
                "the key's \"key_ops\" do not include \"" + std::string(operation_name) +
                    "\" (RFC 7517 section 4.3)");
  }
  if (!key.alg().empty() && key.alg() != name) {
    return fail(code, "key",
                "the key is for \"" + key.alg() + "\", not " + name + " (RFC 7517 section 4.4)");
  }
  return {};
}

Result<void> verify_signature(Algorithm algorithm, const Jwk& key, std::string_view data,
                              std::string_view signature, unsigned min_rsa_bits) {
  if (auto usable = check_key_for(algorithm, key, KeyOperation::verify, min_rsa_bits); !usable)
    return usable;
  const Profile profile = profile_of(algorithm);
  switch (profile.scheme) {
    case Scheme::hmac: {
      const auto expected = hmac(profile, key.secret(), data);
      if (!expected || !util::constant_time_equal(*expected, signature))
        return signature_rejected("signature does not verify");
      return {};
    }
    case Scheme::rsa_pkcs1:
    case Scheme::rsa_pss: {
      // RFC 8017 sections 8.1.2 and 8.2.2 step 1: the signature is exactly k octets.
      const auto modulus_bytes = static_cast<std::size_t>(EVP_PKEY_get_size(key.evp_pkey()));
      if (signature.size() != modulus_bytes) {
        return signature_rejected("RSA signature of " + std::to_string(signature.size()) +
                                  " octets; the key needs " + std::to_string(modulus_bytes));
      }
      break;
    }
    case Scheme::ecdsa: {
      auto der = ecdsa_signature_to_der(signature, ecdsa_coordinate_bytes(algorithm));
      if (!der)
        return signature_rejected(der.error().message);
      if (!evp_verify(key, algorithm, data, *der))
        return signature_rejected("signature does not verify");
      return {};
    }
    case Scheme::eddsa:
      if (signature.size() != kEd25519SignatureBytes)
        return signature_rejected("an Ed25519 signature is 64 octets (RFC 8032 section 5.1.6)");
      break;
  }
  if (!evp_verify(key, algorithm, data, signature))
    return signature_rejected("signature does not verify");
  return {};
}

Result<std::string> create_signature(Algorithm algorithm, const Jwk& key, std::string_view data) {
  if (auto usable = check_key_for(algorithm, key, KeyOperation::sign); !usable)
    return std::unexpected(usable.error());
  const Profile profile = profile_of(algorithm);
  if (profile.scheme == Scheme::hmac) {
    auto mac = hmac(profile, key.secret(), data);
    if (!mac)
      return fail(ErrorCode::internal, "", "HMAC failed");
    return std::move(*mac);
  }
  auto signature = evp_sign(key.evp_pkey(), profile, data);
  if (!signature)
    return fail(ErrorCode::internal, "", std::string(to_string(algorithm)) + " signing failed");
  if (profile.scheme == Scheme::ecdsa)
    return ecdsa_signature_from_der(*signature, ecdsa_coordinate_bytes(algorithm));
  return std::move(*signature);
}

Result<std::string> ecdsa_signature_to_der(std::string_view jose_signature,
                                           std::size_t coordinate_bytes) {
  if (coordinate_bytes == 0 || jose_signature.size() != 2 * coordinate_bytes) {
    return fail(ErrorCode::invalid_value, "signature",
                "an ECDSA signature is R || S of " + std::to_string(2 * coordinate_bytes) +
                    " octets (RFC 7518 section 3.4)");
  }
  const int size = static_cast<int>(coordinate_bytes);
  openssl::BignumPtr r(BN_bin2bn(as_uchar(jose_signature), size, nullptr));
  openssl::BignumPtr s(BN_bin2bn(as_uchar(jose_signature.substr(coordinate_bytes)), size, nullptr));
  openssl::EcdsaSigPtr signature(ECDSA_SIG_new());
  if (!r || !s || !signature || ECDSA_SIG_set0(signature.get(), r.get(), s.get()) != 1) {
    ERR_clear_error();
    return fail(ErrorCode::internal, "", "cannot build an ECDSA signature");
  }
  static_cast<void>(r.release());  // owned by `signature` now
  static_cast<void>(s.release());
  const int der_size = i2d_ECDSA_SIG(signature.get(), nullptr);
  if (der_size <= 0) {
    ERR_clear_error();
    return fail(ErrorCode::internal, "", "cannot encode an ECDSA signature");
  }
  std::string der(static_cast<std::size_t>(der_size), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  i2d_ECDSA_SIG(signature.get(), &out);
  return der;
}

Result<std::string> ecdsa_signature_from_der(std::string_view der, std::size_t coordinate_bytes) {
  const unsigned char* in = as_uchar(der);
  openssl::EcdsaSigPtr signature(d2i_ECDSA_SIG(nullptr, &in, static_cast<long>(der.size())));
  if (!signature || in != as_uchar(der) + der.size()) {
    ERR_clear_error();
    return fail(ErrorCode::invalid_value, "signature", "not a DER ECDSA-Sig-Value");
  }
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(signature.get(), &r, &s);
  const int size = static_cast<int>(coordinate_bytes);
  if (coordinate_bytes == 0 || BN_num_bytes(r) > size || BN_num_bytes(s) > size) {
    return fail(ErrorCode::invalid_value, "signature",
                "ECDSA signature values larger than the curve");
  }
  std::string jose(2 * coordinate_bytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(jose.data());
  BN_bn2binpad(r, out, size);
  BN_bn2binpad(s, out + coordinate_bytes, size);
  return jose;
}

}  // namespace peerapi::auth::jose
