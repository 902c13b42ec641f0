#include "auth/jose/signature.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <initializer_list>
#include <span>

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

/// EVP_DigestVerify with a copy of the key's prototype context (ECDSA and EdDSA).
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

/// The explicitly fetched digest of `profile` (SHA-256, SHA-384 or SHA-512), kept for the
/// process; nullptr when OpenSSL has none.
const EVP_MD* fetched_digest(const Profile& profile) {
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  static EVP_MD* const kSha384 = EVP_MD_fetch(nullptr, "SHA384", nullptr);
  static EVP_MD* const kSha512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  switch (profile.digest_bytes) {
    case 32:
      return kSha256;
    case 48:
      return kSha384;
    case 64:
      return kSha512;
    default:
      return nullptr;
  }
}

/// The profile's digest of `data` in digest[0, profile.digest_bytes): `data_sha256` when given
/// for a SHA-256 profile (it is SHA-256(data)), else hashed here. False when OpenSSL fails.
bool digest_of(const Profile& profile, std::string_view data, const util::Sha256Digest* data_sha256,
               std::array<unsigned char, EVP_MAX_MD_SIZE>& digest) {
  if (profile.digest_bytes == util::Sha256Digest().size()) {
    const util::Sha256Digest sha256 = data_sha256 ? *data_sha256 : util::sha256_digest(data);
    std::copy(sha256.begin(), sha256.end(), digest.begin());
    return true;
  }
  const EVP_MD* md = fetched_digest(profile);
  unsigned int size = 0;
  if (md == nullptr ||
      EVP_Digest(data.data(), data.size(), digest.data(), &size, md, nullptr) != 1 ||
      size != profile.digest_bytes) {
    ERR_clear_error();
    return false;
  }
  return true;
}

// ---- RSASSA-PKCS1-v1_5 and RSASSA-PSS verification (RFC 8017 sections 8.2.2 and 8.1.2) ----
//
// RSAVP1 is computed with OpenSSL's Montgomery multiplication, the key's Montgomery context made
// once and a per-thread BN_CTX; the encodings around it are checked here exactly as RFC 8017
// specifies them. OpenSSL's own RSA_verify builds and wipes a BN_CTX per call, runs the generic
// windowed BN_mod_exp_mont (one Montgomery product more than needed for e = 65537, and a
// conversion out of Montgomery form) and, for PSS, allocates digest contexts and a buffer per
// call: about 15% of an RSA-2048 verification in all. bench/jose_bench.cpp "SignatureOnly"
// measures the result.

constexpr std::size_t kMaxModulusBytes = kMaxRsaBits / 8;

/// The DER DigestInfo before the digest (RFC 8017 section 9.2, note 1), by digest size.
constexpr std::array<unsigned char, 19> kSha256DigestInfo = {
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
    0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
constexpr std::array<unsigned char, 19> kSha384DigestInfo = {
    0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
    0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30};
constexpr std::array<unsigned char, 19> kSha512DigestInfo = {
    0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
    0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40};

std::span<const unsigned char> digest_info_prefix(std::size_t digest_bytes) {
  switch (digest_bytes) {
    case 32:
      return kSha256DigestInfo;
    case 48:
      return kSha384DigestInfo;
    case 64:
      return kSha512DigestInfo;
    default:
      return {};
  }
}

/// Per-thread scratch for RSAVP1: a BN_CTX and the integers, reused by every verification on the
/// thread (they only ever hold public values: signatures and their powers).
struct RsaScratch {
  openssl::BnCtxPtr context{BN_CTX_new()};
  openssl::BignumPtr signature{BN_new()};
  openssl::BignumPtr signature_mont{BN_new()};
  openssl::BignumPtr power{BN_new()};
  [[nodiscard]] bool ready() const { return context && signature && signature_mont && power; }
};

/// out = s^e mod n for s < n and an odd e > 1, by left-to-right square-and-multiply over
/// Montgomery products (the exponent is public, so nothing needs constant time). With
/// S = s * R mod n: x = S, then per lower bit of e x = x * x and, for a set bit, x = x * S, each
/// product divided by R; the last set bit (bit 0) multiplies by s itself, which leaves Montgomery
/// form, so no conversion back is needed. For e = 65537 that is 18 products, where
/// BN_mod_exp_mont takes 19 and a conversion back.
bool public_power(const VerifyContextCache::RsaPublic& key, RsaScratch& scratch) {
  BN_MONT_CTX* mont = key.mont.get();
  BN_CTX* context = scratch.context.get();
  const BIGNUM* s = scratch.signature.get();
  BIGNUM* x = scratch.power.get();
  BIGNUM* s_mont = scratch.signature_mont.get();
  if (BN_to_montgomery(s_mont, s, mont, context) != 1 || BN_copy(x, s_mont) == nullptr)
    return false;
  for (int bit = key.exponent_bits - 2; bit >= 1; --bit) {
    if (BN_mod_mul_montgomery(x, x, x, mont, context) != 1)
      return false;
    if (BN_is_bit_set(key.e.get(), bit) == 1 &&
        BN_mod_mul_montgomery(x, x, s_mont, mont, context) != 1) {
      return false;
    }
  }
  return BN_mod_mul_montgomery(x, x, x, mont, context) == 1 &&
         BN_mod_mul_montgomery(x, x, s, mont, context) == 1;
}

/// RSAVP1 (RFC 8017 section 5.2.2) and I2OSP: m = s^e mod n written as k octets to `out`. False
/// when s >= n (step 1: "signature representative out of range") or OpenSSL fails.
bool rsavp1(const VerifyContextCache::RsaPublic& key, std::string_view signature,
            unsigned char* out) {
  thread_local RsaScratch scratch;
  const auto k = static_cast<int>(key.modulus_bytes);
  const bool ok =
      scratch.ready() &&
      BN_bin2bn(as_uchar(signature), static_cast<int>(signature.size()), scratch.signature.get()) !=
          nullptr &&
      BN_ucmp(scratch.signature.get(), key.n.get()) < 0 &&
      (key.odd_exponent
           ? public_power(key, scratch)
           : BN_mod_exp_mont(scratch.power.get(), scratch.signature.get(), key.e.get(), key.n.get(),
                             scratch.context.get(), key.mont.get()) == 1) &&
      BN_bn2binpad(scratch.power.get(), out, k) == k;
  if (!ok)
    ERR_clear_error();
  return ok;
}

/// EMSA-PKCS1-v1_5 verification by encoding and comparing (RFC 8017 section 8.2.2 steps 3 and
/// 4, section 9.2): `em` (k octets) must be 0x00 0x01 PS 0x00 DigestInfo(H), PS being
/// k - tLen - 3 >= 8 octets 0xff.
bool emsa_pkcs1_v1_5_matches(std::span<const unsigned char> em, const unsigned char* digest,
                             std::size_t digest_bytes) {
  const std::span<const unsigned char> prefix = digest_info_prefix(digest_bytes);
  const std::size_t t_len = prefix.size() + digest_bytes;
  if (prefix.empty() || em.size() < t_len + 11)  // section 9.2 step 3
    return false;
  std::array<unsigned char, kMaxModulusBytes> expected;
  const std::size_t ps_len = em.size() - t_len - 3;
  expected[0] = 0x00;
  expected[1] = 0x01;
  std::memset(expected.data() + 2, 0xff, ps_len);
  expected[2 + ps_len] = 0x00;
  std::memcpy(expected.data() + 3 + ps_len, prefix.data(), prefix.size());
  std::memcpy(expected.data() + 3 + ps_len + prefix.size(), digest, digest_bytes);
  return CRYPTO_memcmp(expected.data(), em.data(), em.size()) == 0;
}

/// Hash of the concatenated `parts` with this thread's reusable digest context into `out`.
bool hash_parts(const EVP_MD* md, std::initializer_list<std::span<const unsigned char>> parts,
                unsigned char* out) {
  thread_local openssl::MdCtxPtr context(EVP_MD_CTX_new());
  if (!context || EVP_DigestInit_ex2(context.get(), md, nullptr) != 1)
    return false;
  for (const std::span<const unsigned char> part : parts) {
    if (EVP_DigestUpdate(context.get(), part.data(), part.size()) != 1)
      return false;
  }
  return EVP_DigestFinal_ex(context.get(), out, nullptr) == 1;
}

/// EMSA-PSS verification (RFC 8017 section 9.1.2) with MGF1 over the same hash and a salt as long
/// as the hash (RFC 7518 section 3.5). `em_k` is the k-octet RSAVP1 output; emBits = modBits - 1.
bool emsa_pss_matches(std::span<const unsigned char> em_k, std::size_t modulus_bits,
                      const EVP_MD* md, const unsigned char* m_hash, std::size_t h_len) {
  const std::size_t s_len = h_len;
  const std::size_t em_bits = modulus_bits - 1;
  const std::size_t em_len = (em_bits + 7) / 8;
  if (md == nullptr || em_len > em_k.size() || h_len == 0)
    return false;
  // Section 8.1.2 step 2c: I2OSP(m, emLen) fails when m needs the extra leading octet.
  const std::size_t skipped = em_k.size() - em_len;
  for (std::size_t i = 0; i < skipped; ++i) {
    if (em_k[i] != 0)
      return false;
  }
  const std::span<const unsigned char> em = em_k.subspan(skipped);
  if (em_len < h_len + s_len + 2)  // step 3
    return false;
  if (em[em_len - 1] != 0xbc)  // step 4
    return false;
  const std::size_t db_len = em_len - h_len - 1;  // step 5
  const std::span<const unsigned char> masked_db = em.first(db_len);
  const std::span<const unsigned char> h = em.subspan(db_len, h_len);
  const auto unused_bits = static_cast<unsigned>(8 * em_len - em_bits);  // 0..7
  const auto top_mask = static_cast<unsigned char>(0xff >> unused_bits);
  if ((masked_db[0] & ~top_mask) != 0)  // step 6
    return false;
  // Steps 7 and 8: DB = maskedDB xor MGF1(H, emLen - hLen - 1) (appendix B.2.1).
  std::array<unsigned char, kMaxModulusBytes> db;
  std::array<unsigned char, EVP_MAX_MD_SIZE> block;
  for (std::uint32_t counter = 0; counter * h_len < db_len; ++counter) {
    const std::array<unsigned char, 4> c = {
        static_cast<unsigned char>(counter >> 24), static_cast<unsigned char>(counter >> 16),
        static_cast<unsigned char>(counter >> 8), static_cast<unsigned char>(counter)};
    if (!hash_parts(md, {h, c}, block.data()))
      return false;
    const std::size_t offset = counter * h_len;
    const std::size_t n = std::min(h_len, db_len - offset);
    for (std::size_t i = 0; i < n; ++i)
      db[offset + i] = static_cast<unsigned char>(masked_db[offset + i] ^ block[i]);
  }
  db[0] &= top_mask;  // step 9
  // Step 10: DB = PS (emLen - hLen - sLen - 2 zero octets) || 0x01 || salt.
  const std::size_t ps_len = em_len - h_len - s_len - 2;
  for (std::size_t i = 0; i < ps_len; ++i) {
    if (db[i] != 0)
      return false;
  }
  if (db[ps_len] != 0x01)
    return false;
  // Steps 11 to 14: H' = Hash((0x)00 00 00 00 00 00 00 00 || mHash || salt) must equal H.
  constexpr std::array<unsigned char, 8> kZeros{};
  std::array<unsigned char, EVP_MAX_MD_SIZE> h_prime;
  if (!hash_parts(md,
                  {kZeros, std::span<const unsigned char>(m_hash, h_len),
                   std::span<const unsigned char>(db.data() + db_len - s_len, s_len)},
                  h_prime.data())) {
    return false;
  }
  return CRYPTO_memcmp(h_prime.data(), h.data(), h_len) == 0;
}

/// RSASSA-PKCS1-v1_5 or RSASSA-PSS verification of `signature` (already k octets) over a digest.
bool rsa_verify(const Jwk& key, const Profile& profile, const unsigned char* digest,
                std::string_view signature) {
  const VerifyContextCache::RsaPublic* rsa = key.verify_contexts()->rsa_public(key.evp_pkey());
  if (rsa == nullptr || signature.size() != rsa->modulus_bytes)
    return false;
  std::array<unsigned char, kMaxModulusBytes> em;
  if (!rsavp1(*rsa, signature, em.data()))
    return false;
  const std::span<const unsigned char> encoded(em.data(), rsa->modulus_bytes);
  if (profile.scheme == Scheme::rsa_pkcs1)
    return emsa_pkcs1_v1_5_matches(encoded, digest, profile.digest_bytes);
  return emsa_pss_matches(encoded, rsa->modulus_bits, fetched_digest(profile), digest,
                          profile.digest_bytes);
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

const VerifyContextCache::RsaPublic* VerifyContextCache::rsa_public(EVP_PKEY* pkey) {
  std::call_once(rsa_once_, [&] {
    auto key = std::make_unique<RsaPublic>();
    BIGNUM* n = nullptr;
    BIGNUM* e = nullptr;
    const bool exported = EVP_PKEY_is_a(pkey, "RSA") == 1 &&
                          EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
                          EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) == 1;
    key->n.reset(n);
    key->e.reset(e);
    const openssl::BnCtxPtr context(BN_CTX_new());
    key->mont.reset(BN_MONT_CTX_new());
    // The keys OpenSSL's RSA public operation refuses (rsa_ossl_public_decrypt) are refused here
    // too: an even n, n <= e, and e above 64 bits with n above 3072 bits.
    constexpr int kMaxSmallModulusBits = 3072;
    constexpr int kMaxLargeModulusExponentBits = 64;
    if (exported && context && key->mont && BN_is_odd(key->n.get()) == 1 &&
        BN_ucmp(key->n.get(), key->e.get()) > 0 &&
        (BN_num_bits(key->n.get()) <= kMaxSmallModulusBits ||
         BN_num_bits(key->e.get()) <= kMaxLargeModulusExponentBits) &&
        BN_MONT_CTX_set(key->mont.get(), key->n.get(), context.get()) == 1) {
      key->modulus_bits = static_cast<std::size_t>(BN_num_bits(key->n.get()));
      key->exponent_bits = BN_num_bits(key->e.get());
      key->odd_exponent = BN_is_odd(key->e.get()) == 1 && key->exponent_bits > 1;
      key->modulus_bytes = static_cast<std::size_t>(BN_num_bytes(key->n.get()));
      if (key->modulus_bytes <= kMaxModulusBytes)
        rsa_ = std::move(key);
    }
    ERR_clear_error();
  });
  return rsa_.get();
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
  return verify_signature(algorithm, key, data, nullptr, signature, min_rsa_bits);
}

Result<void> verify_signature(Algorithm algorithm, const Jwk& key, std::string_view data,
                              const util::Sha256Digest* data_sha256, std::string_view signature,
                              unsigned min_rsa_bits) {
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
      std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
      if (!digest_of(profile, data, data_sha256, digest) ||
          !rsa_verify(key, profile, digest.data(), signature)) {
        return signature_rejected("signature does not verify");
      }
      return {};
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
      if (!evp_verify(key, algorithm, data, signature))
        return signature_rejected("signature does not verify");
      return {};
  }
  return signature_rejected("signature does not verify");
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
