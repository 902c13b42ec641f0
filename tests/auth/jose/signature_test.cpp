#include "auth/jose/signature.hpp"

#include <gtest/gtest.h>

#include <string>

#include "auth/jose/vectors.hpp"
#include "util/crypto.hpp"

namespace peerapi::auth::jose {
namespace {

using testing::latchset;

std::string decode(std::string_view text) {
  return *util::base64url_decode(text);
}

// The RFC 7515 Appendix A.3 signature, R || S.
const std::string kA3Signature =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

TEST(EcdsaSignature, JoseAndDerRoundTrip) {
  const std::string jose = decode(kA3Signature);
  auto der = ecdsa_signature_to_der(jose, 32);
  ASSERT_TRUE(der);
  EXPECT_EQ(static_cast<unsigned char>((*der)[0]), 0x30);  // SEQUENCE
  auto back = ecdsa_signature_from_der(*der, 32);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, jose);
}

TEST(EcdsaSignature, KeepsLeadingZerosOfShortValues) {
  std::string jose(64, '\0');
  jose[31] = 1;  // R = 1
  jose[63] = 2;  // S = 2
  auto der = ecdsa_signature_to_der(jose, 32);
  ASSERT_TRUE(der);
  EXPECT_EQ(der->size(), 8u);  // 30 06 02 01 01 02 01 02
  auto back = ecdsa_signature_from_der(*der, 32);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, jose);
  // P-521 coordinates are 66 octets (RFC 7518 section 3.4).
  auto p521 = ecdsa_signature_from_der(*der, 66);
  ASSERT_TRUE(p521);
  EXPECT_EQ(p521->size(), 132u);
}

TEST(EcdsaSignature, RejectsWrongSizesAndBadDer) {
  EXPECT_FALSE(ecdsa_signature_to_der(std::string(63, 'x'), 32));
  EXPECT_FALSE(ecdsa_signature_to_der(std::string(65, 'x'), 32));
  EXPECT_FALSE(ecdsa_signature_to_der(std::string(64, 'x'), 0));
  EXPECT_FALSE(ecdsa_signature_from_der("", 32));
  EXPECT_FALSE(ecdsa_signature_from_der("\x30\x00", 32));
  auto der = ecdsa_signature_to_der(decode(kA3Signature), 32);
  EXPECT_FALSE(ecdsa_signature_from_der(*der + "x", 32));  // trailing octets
  EXPECT_FALSE(ecdsa_signature_from_der(*der, 16));        // values larger than the curve
}

TEST(EcdsaSignature, CoordinateSizes) {
  EXPECT_EQ(ecdsa_coordinate_bytes(Algorithm::es256), 32u);
  EXPECT_EQ(ecdsa_coordinate_bytes(Algorithm::es384), 48u);
  EXPECT_EQ(ecdsa_coordinate_bytes(Algorithm::es512), 66u);
  EXPECT_EQ(ecdsa_coordinate_bytes(Algorithm::eddsa), 0u);
}

TEST(VerifySignature, VerifiesRawBytesForMessageSignatures) {
  // The RFC 7515 A.3 signing input and signature, verified without the JWS layer.
  const std::string token = latchset("rfc7515_A.3.jwsc");
  const std::string signing_input = token.substr(0, token.rfind('.'));
  auto key = Jwk::parse(latchset("rfc7515_A.3.jwk"), PrivateMembers::allow);
  ASSERT_TRUE(key);
  EXPECT_TRUE(verify_signature(Algorithm::es256, *key, signing_input, decode(kA3Signature)));
  auto wrong = verify_signature(Algorithm::es256, *key, signing_input + "x", decode(kA3Signature));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::unauthenticated);
  EXPECT_EQ(wrong.error().field, "signature");
}

TEST(VerifySignature, HmacNeedsAnOctKeyOfTheHashLength) {
  auto secret = Jwk::from_secret(std::string(32, 'k'));
  ASSERT_TRUE(secret);
  const std::string mac = util::hmac_sha256(std::string(32, 'k'), "data");
  EXPECT_TRUE(verify_signature(Algorithm::hs256, *secret, "data", mac));
  EXPECT_FALSE(verify_signature(Algorithm::hs256, *secret, "data", mac.substr(0, 31)));
  auto short_key = verify_signature(Algorithm::hs384, *secret, "data", mac);
  ASSERT_FALSE(short_key);
  EXPECT_EQ(short_key.error().field, "key");
}

TEST(CheckKeyFor, MatchesKeyTypesCurvesAndMetadata) {
  const Jwk p256 = *Jwk::generate(Curve::p256);
  const Jwk ed25519 = *Jwk::generate(Curve::ed25519);
  EXPECT_TRUE(check_key_for(Algorithm::es256, p256, KeyOperation::verify));
  EXPECT_TRUE(check_key_for(Algorithm::es256, p256, KeyOperation::sign));
  EXPECT_FALSE(check_key_for(Algorithm::es384, p256, KeyOperation::verify));
  EXPECT_FALSE(check_key_for(Algorithm::rs256, p256, KeyOperation::verify));
  EXPECT_FALSE(check_key_for(Algorithm::hs256, p256, KeyOperation::verify));
  EXPECT_TRUE(check_key_for(Algorithm::eddsa, ed25519, KeyOperation::verify));
  EXPECT_FALSE(check_key_for(Algorithm::es256, ed25519, KeyOperation::verify));
  EXPECT_FALSE(check_key_for(Algorithm::es256, *p256.public_key(), KeyOperation::sign));
  EXPECT_TRUE(check_key_for(Algorithm::es256, p256.with_use("sig").with_alg("ES256"),
                            KeyOperation::verify));
  auto refused = check_key_for(Algorithm::es256, p256.with_use("enc"), KeyOperation::verify);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::unauthenticated);
  EXPECT_EQ(refused.error().field, "key");
  refused = check_key_for(Algorithm::es256, p256.with_use("enc"), KeyOperation::sign);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::invalid_value);
}

}  // namespace
}  // namespace peerapi::auth::jose
