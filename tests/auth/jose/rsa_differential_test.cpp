// RS256 and PS256 verification (jose/signature.cpp checks RSA signatures per RFC 8017 on
// OpenSSL's bignum arithmetic, section 8.2.2 and 8.1.2) must agree with OpenSSL's own
// EVP_DigestVerify on every input: valid signatures, flipped bits, re-padded blocks, other salt
// lengths and hashes, random values, odd modulus sizes and other public exponents.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <memory>
#include <string>
#include <vector>

#include "auth/jose/jwk.hpp"
#include "auth/jose/signature.hpp"

namespace peerapi::auth::jose {
namespace {

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

/// An RSA key of `bits` with public exponent `exponent`, through OpenSSL's key generator.
PkeyPtr generate(unsigned bits, unsigned long exponent) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nullptr);
  EVP_PKEY* key = nullptr;
  BIGNUM* e = BN_new();
  BN_set_word(e, exponent);
  const bool ok = ctx != nullptr && EVP_PKEY_keygen_init(ctx) == 1 &&
                  EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, static_cast<int>(bits)) == 1 &&
                  EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e) == 1 &&
                  EVP_PKEY_keygen(ctx, &key) == 1;
  BN_free(e);
  EVP_PKEY_CTX_free(ctx);
  if (!ok)
    throw std::runtime_error("RSA key generation failed");
  return PkeyPtr(key, &EVP_PKEY_free);
}

Jwk public_jwk(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  auto jwk = Jwk::from_pem(pem);
  if (!jwk)
    throw std::runtime_error("from_pem: " + jwk.error().message);
  return *jwk;
}

struct Padding {
  int mode = RSA_PKCS1_PADDING;
  int salt = RSA_PSS_SALTLEN_DIGEST;  // PSS only
  const EVP_MD* md = nullptr;         // the message hash (and MGF1 hash)
};

void set_padding(EVP_PKEY_CTX* ctx, const Padding& padding) {
  EVP_PKEY_CTX_set_rsa_padding(ctx, padding.mode);
  if (padding.mode == RSA_PKCS1_PSS_PADDING) {
    EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, padding.salt);
    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, padding.md);
  }
}

std::string sign(EVP_PKEY* key, const std::string& data, const Padding& padding) {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  std::string signature(static_cast<std::size_t>(EVP_PKEY_get_size(key)), '\0');
  std::size_t size = signature.size();
  const bool ok =
      EVP_DigestSignInit(md, &pctx, padding.md, nullptr, key) == 1 &&
      (set_padding(pctx, padding), true) &&
      EVP_DigestSign(md, reinterpret_cast<unsigned char*>(signature.data()), &size,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(md);
  if (!ok)
    throw std::runtime_error("signing failed");
  signature.resize(size);
  return signature;
}

/// OpenSSL's verdict for the JOSE algorithm: SHA-256, PKCS#1 v1.5 (RS256) or PSS with MGF1-SHA-256
/// and a salt as long as the hash (PS256, RFC 7518 section 3.5).
bool openssl_verifies(EVP_PKEY* key, Algorithm algorithm, const std::string& data,
                      const std::string& signature) {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  Padding padding{algorithm == Algorithm::ps256 ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING,
                  RSA_PSS_SALTLEN_DIGEST, EVP_sha256()};
  bool verified = EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), nullptr, key) == 1;
  if (verified) {
    set_padding(pctx, padding);
    verified = EVP_DigestVerify(
                   md, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                   reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  }
  EVP_MD_CTX_free(md);
  return verified;
}

std::string random_bytes(std::size_t size) {
  std::string bytes(size, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(size));
  return bytes;
}

struct Tally {
  int cases = 0;
  int accepted = 0;
};

void expect_agreement(EVP_PKEY* key, const Jwk& jwk, Algorithm algorithm, const std::string& data,
                      const std::string& signature, const std::string& what, Tally& tally) {
  const bool ours = verify_signature(algorithm, jwk, data, signature, 2048).has_value();
  const bool theirs = openssl_verifies(key, algorithm, data, signature);
  ++tally.cases;
  tally.accepted += ours ? 1 : 0;
  EXPECT_EQ(ours, theirs) << to_string(algorithm) << " " << what << " (key " << jwk.bits()
                          << " bits)";
}

class RsaDifferential : public ::testing::TestWithParam<std::pair<unsigned, unsigned long>> {};

TEST_P(RsaDifferential, AgreesWithOpenSslOnValidAndBrokenSignatures) {
  const auto [bits, exponent] = GetParam();
  const PkeyPtr key = generate(bits, exponent);
  const Jwk jwk = public_jwk(key.get());
  Tally tally;
  for (const Algorithm algorithm : {Algorithm::rs256, Algorithm::ps256}) {
    const bool pss = algorithm == Algorithm::ps256;
    const Padding jose{pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING, RSA_PSS_SALTLEN_DIGEST,
                       EVP_sha256()};
    for (int round = 0; round < 12; ++round) {
      const std::string data = "eyJhbGciOiJSUzI1NiJ9." + random_bytes(40 + round);
      const std::string good = sign(key.get(), data, jose);
      expect_agreement(key.get(), jwk, algorithm, data, good, "valid", tally);
      // Every single-bit flip position class: first byte, middle, last byte.
      for (const std::size_t at : {std::size_t{0}, good.size() / 2, good.size() - 1}) {
        std::string flipped = good;
        flipped[at] = static_cast<char>(flipped[at] ^ (1 << (round % 8)));
        expect_agreement(key.get(), jwk, algorithm, data, flipped, "bit flipped", tally);
      }
      expect_agreement(key.get(), jwk, algorithm, data + "x", good, "other data", tally);
      // RFC 8017 sections 8.1.2 and 8.2.2 step 1: a signature of other than k octets is
      // invalid. (OpenSSL's PSS path accepts one whose dropped leading byte was zero; the JOSE
      // check is the stricter, RFC one.)
      EXPECT_FALSE(verify_signature(algorithm, jwk, data, good.substr(1), 2048))
          << "one byte short";
      expect_agreement(key.get(), jwk, algorithm, data, std::string(1, '\0') + good,
                       "leading zero byte added", tally);
      expect_agreement(key.get(), jwk, algorithm, data, random_bytes(good.size()), "random value",
                       tally);
      // Re-padded: valid signatures of the same data under other paddings and hashes.
      const Padding others[] = {
          {RSA_PKCS1_PADDING, 0, EVP_sha1()},
          {RSA_PKCS1_PADDING, 0, EVP_sha384()},
          {pss ? RSA_PKCS1_PADDING : RSA_PKCS1_PSS_PADDING, RSA_PSS_SALTLEN_DIGEST, EVP_sha256()},
          {RSA_PKCS1_PSS_PADDING, 0, EVP_sha256()},
          {RSA_PKCS1_PSS_PADDING, 20, EVP_sha256()},
          {RSA_PKCS1_PSS_PADDING, RSA_PSS_SALTLEN_MAX, EVP_sha256()},
          {RSA_PKCS1_PSS_PADDING, RSA_PSS_SALTLEN_DIGEST, EVP_sha512()},
      };
      for (const Padding& other : others) {
        expect_agreement(key.get(), jwk, algorithm, data, sign(key.get(), data, other),
                         "other padding or hash", tally);
      }
    }
    // Edge values: zero, one, all ones (above the modulus).
    const std::size_t size = static_cast<std::size_t>(EVP_PKEY_get_size(key.get()));
    expect_agreement(key.get(), jwk, algorithm, "x", std::string(size, '\0'), "zero", tally);
    expect_agreement(key.get(), jwk, algorithm, "x", std::string(size - 1, '\0') + '\1', "one",
                     tally);
    expect_agreement(key.get(), jwk, algorithm, "x", std::string(size, '\xff'), "all ones", tally);
  }
  // The comparison is only meaningful when both outcomes occurred.
  EXPECT_GT(tally.accepted, 0);
  EXPECT_LT(tally.accepted, tally.cases);
}

INSTANTIATE_TEST_SUITE_P(KeySizesAndExponents, RsaDifferential,
                         ::testing::Values(std::pair<unsigned, unsigned long>{2048, 65537},
                                           std::pair<unsigned, unsigned long>{2049, 65537},
                                           std::pair<unsigned, unsigned long>{2057, 3},
                                           std::pair<unsigned, unsigned long>{3072, 17},
                                           std::pair<unsigned, unsigned long>{4096, 65537}));

}  // namespace
}  // namespace peerapi::auth::jose
