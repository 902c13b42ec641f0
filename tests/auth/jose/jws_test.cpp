#include "auth/jose/jws.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/jose/signature.hpp"
#include "auth/jose/vectors.hpp"
#include "util/crypto.hpp"

namespace peerapi::auth::jose {
namespace {

using testing::kCookbook;
using testing::latchset;
using testing::vector_json;
using testing::vector_text;

Jwk key_from(std::string_view json, PrivateMembers private_members = PrivateMembers::reject) {
  auto key = Jwk::parse(json, private_members);
  EXPECT_TRUE(key) << key.error().field << ": " << key.error().message;
  return std::move(*key);
}

Jwk public_key_from(std::string_view json) {
  auto key = key_from(json, PrivateMembers::allow).public_key();
  EXPECT_TRUE(key);
  return std::move(*key);
}

VerifyOptions allow(AlgorithmSet algorithms,
                    PayloadFormat payload_format = PayloadFormat::json_object) {
  VerifyOptions options;
  options.algorithms = algorithms;
  options.limits.payload_format = payload_format;
  return options;
}

std::string b64(std::string_view text) {
  return util::base64url_encode(text);
}

// RFC 7515 Appendix A: A.2 RS256, A.3 ES256, A.4 ES512 verify with the public half of their key.
TEST(JwsKnownAnswer, Rfc7515AppendixA2ToA4Verify) {
  struct Case {
    const char* name;
    Algorithm algorithm;
    PayloadFormat payload_format;
  };
  for (const Case& c : {Case{"rfc7515_A.2", Algorithm::rs256, PayloadFormat::json_object},
                        Case{"rfc7515_A.3", Algorithm::es256, PayloadFormat::json_object},
                        Case{"rfc7515_A.4", Algorithm::es512, PayloadFormat::opaque}}) {
    SCOPED_TRACE(c.name);
    const Jwk key = public_key_from(latchset(std::string(c.name) + ".jwk"));
    auto verified = verify_compact(latchset(std::string(c.name) + ".jwsc"), key,
                                   allow({c.algorithm}, c.payload_format));
    ASSERT_TRUE(verified) << verified.error().field << ": " << verified.error().message;
    EXPECT_EQ(verified->algorithm(), c.algorithm);
    if (c.payload_format == PayloadFormat::json_object) {
      EXPECT_EQ(verified->claims().at("iss"), "joe");
      EXPECT_EQ(verified->claims().at("exp"), 1300819380);
      EXPECT_EQ(verified->claims().at("http://example.com/is_root"), true);
    } else {
      EXPECT_EQ(verified->payload(), "Payload");
    }
  }
}

TEST(JwsKnownAnswer, Rfc7515AppendixA2To4VerifyWithPemKeys) {
  for (auto [name, algorithm] :
       {std::pair{"rfc7515_A.2", Algorithm::rs256}, std::pair{"rfc7515_A.3", Algorithm::es256},
        std::pair{"rfc7515_A.4", Algorithm::es512}}) {
    SCOPED_TRACE(name);
    auto key = Jwk::from_pem(latchset(std::string(name) + ".pub.pem"));
    ASSERT_TRUE(key);
    EXPECT_TRUE(verify_compact(latchset(std::string(name) + ".jwsc"), *key,
                               allow({algorithm}, PayloadFormat::opaque)));
  }
}

// RFC 7515 Appendix A.1: HS256 verifies with its "oct" key, but only when HS256 is allowed.
TEST(JwsKnownAnswer, Rfc7515AppendixA1Hs256OnlyWhenAllowed) {
  const Jwk key = key_from(latchset("rfc7515_A.1.jwk"), PrivateMembers::allow);
  const std::string token = latchset("rfc7515_A.1.jwsc");
  auto verified = verify_compact(token, key, allow({Algorithm::hs256}));
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->header().at("typ"), "JWT");
  EXPECT_EQ(verified->claims().at("iss"), "joe");

  auto refused = verify_compact(token, key, allow(AlgorithmSet::all_asymmetric()));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::unauthenticated);
  EXPECT_EQ(refused.error().field, "header.alg");
}

// RFC 7515 Appendix A.5: an unsecured JWS is rejected whatever is allowed.
TEST(JwsKnownAnswer, Rfc7515AppendixA5AlgNoneIsRejected) {
  const std::string token = latchset("rfc7515_A.5.jwsc");
  auto parsed = CompactJws::parse(token);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->alg(), "none");
  EXPECT_TRUE(parsed->signature().empty());
  const Jwk key = public_key_from(latchset("rfc7515_A.2.jwk"));
  AlgorithmSet everything = AlgorithmSet::all_asymmetric();
  everything.insert(Algorithm::hs256);
  auto verified = verify_compact(token, key, allow(everything));
  ASSERT_FALSE(verified);
  EXPECT_EQ(verified.error().code, ErrorCode::unauthenticated);
  EXPECT_EQ(verified.error().field, "header.alg");
}

// RFC 7520 sections 4.1 (RS256), 4.2 (PS384), 4.3 (ES512); RFC 8037 Appendix A.4 (Ed25519).
TEST(JwsKnownAnswer, CookbookAndRfc8037SignaturesVerify) {
  for (const char* file : {"jws/4_1.rsa_v15_signature.json", "jws/4_2.rsa-pss_signature.json",
                           "jws/4_3.ecdsa_signature.json", "curve25519/jws.json"}) {
    SCOPED_TRACE(file);
    const boost::json::object example = vector_json(std::string(kCookbook) + file).as_object();
    const boost::json::object& input = example.at("input").as_object();
    const std::string token(example.at("output").at("compact").as_string());
    const auto algorithm = algorithm_from_name(input.at("alg").as_string());
    ASSERT_TRUE(algorithm);
    const Jwk key = public_key_from(boost::json::serialize(input.at("key")));
    auto verified = verify_compact(token, key, allow({*algorithm}, PayloadFormat::opaque));
    ASSERT_TRUE(verified) << verified.error().field << ": " << verified.error().message;
    EXPECT_EQ(verified->payload(), input.at("payload").as_string());
    EXPECT_EQ(verified->jws().signing_input(), example.at("signing").at("sig-input").as_string());
  }
}

// RS256 and Ed25519 are deterministic: signing the examples reproduces them byte for byte.
TEST(JwsKnownAnswer, DeterministicSignaturesAreReproduced) {
  for (const char* file : {"jws/4_1.rsa_v15_signature.json", "curve25519/jws.json"}) {
    SCOPED_TRACE(file);
    const boost::json::object example = vector_json(std::string(kCookbook) + file).as_object();
    const boost::json::object& input = example.at("input").as_object();
    const Jwk key = key_from(boost::json::serialize(input.at("key")), PrivateMembers::allow);
    const auto algorithm = algorithm_from_name(input.at("alg").as_string());
    auto token = sign_compact(*algorithm, key, example.at("signing").at("protected").as_object(),
                              input.at("payload").as_string());
    ASSERT_TRUE(token) << token.error().message;
    EXPECT_EQ(*token, example.at("output").at("compact").as_string());
  }
  const Jwk rfc7515_key = key_from(latchset("rfc7515_A.2.jwk"), PrivateMembers::allow);
  const std::string a2 = latchset("rfc7515_A.2.jwsc");
  auto parsed = CompactJws::parse(a2);
  ASSERT_TRUE(parsed);
  auto token = sign_compact(Algorithm::rs256, rfc7515_key, {}, parsed->payload());
  ASSERT_TRUE(token);
  EXPECT_EQ(*token, a2);
}

// RFC 9449 sections 4.1, 5 and 7.1: each DPoP proof verifies with the "jwk" in its own header.
TEST(JwsKnownAnswer, Rfc9449DpopProofsVerifyWithTheirHeaderKey) {
  for (const char* file :
       {"dpop/rfc9449_proof_token_request_POST.jwt", "dpop/rfc9449_proof_refresh_request_POST.jwt",
        "dpop/rfc9449_proof_resource_request_GET.jwt"}) {
    SCOPED_TRACE(file);
    auto proof = CompactJws::parse(vector_text(file));
    ASSERT_TRUE(proof) << proof.error().field << ": " << proof.error().message;
    EXPECT_EQ(proof->typ(), "dpop+jwt");
    ASSERT_NE(proof->jwk(), nullptr);
    EXPECT_FALSE(has_private_members(*proof->jwk()));
    auto key = Jwk::from_json(boost::json::value(*proof->jwk()), PrivateMembers::reject);
    ASSERT_TRUE(key) << key.error().message;
    // RFC 9449 section 6.1: the access token's cnf.jkt is this key's thumbprint.
    EXPECT_EQ(key->thumbprint(), "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I");
    auto verified = verify(std::move(*proof), *key, allow({Algorithm::es256, Algorithm::eddsa}));
    ASSERT_TRUE(verified) << verified.error().field << ": " << verified.error().message;
    EXPECT_TRUE(verified->claims().contains("htm"));
    EXPECT_TRUE(verified->claims().contains("jti"));
  }
  auto resource_proof =
      CompactJws::parse(vector_text("dpop/rfc9449_proof_resource_request_GET.jwt"));
  ASSERT_TRUE(resource_proof);
  EXPECT_EQ(resource_proof->claims().at("ath").as_string(),
            util::base64url_encode(util::sha256(vector_text("dpop/rfc9449_access_token.txt"))));
  auto access_token = CompactJws::parse(vector_text("dpop/rfc9449_access_token_with_cnf_jkt.jwt"));
  ASSERT_TRUE(access_token);
  EXPECT_EQ(access_token->kid(), "BeALkb");
  EXPECT_EQ(access_token->claims().at("cnf").at("jkt"),
            "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I");
}

// --- negative cases -------------------------------------------------------------------------

/// The segments of a compact token, for building variants.
struct Segments {
  std::string header;
  std::string payload;
  std::string signature;
  [[nodiscard]] std::string join() const { return header + "." + payload + "." + signature; }
};

Segments split(const std::string& token) {
  const auto first = token.find('.');
  const auto second = token.find('.', first + 1);
  return {token.substr(0, first), token.substr(first + 1, second - first - 1),
          token.substr(second + 1)};
}

/// Signs with a raw OpenSSL key, bypassing the library's key checks (for keys it refuses).
std::string openssl_rs256(EVP_PKEY* pkey, const std::string& signing_input) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  EVP_MD_CTX_free);
  std::size_t size = 0;
  EXPECT_EQ(
      EVP_DigestSignInit_ex(context.get(), nullptr, "SHA256", nullptr, nullptr, pkey, nullptr), 1);
  const auto* data = reinterpret_cast<const unsigned char*>(signing_input.data());
  EXPECT_EQ(EVP_DigestSign(context.get(), nullptr, &size, data, signing_input.size()), 1);
  std::string signature(size, '\0');
  EXPECT_EQ(EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                           data, signing_input.size()),
            1);
  signature.resize(size);
  return signature;
}

/// A 1024-bit RSA key pair: parsed (so it can be presented) but never used.
Jwk small_rsa_key() {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{1024}), EVP_PKEY_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey(bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  auto key = Jwk::from_pem(std::string_view(data, static_cast<std::size_t>(size)));
  EXPECT_TRUE(key) << key.error().message;
  return std::move(*key);
}

struct BadToken {
  std::string name;
  std::string token;
  Jwk key;
  AlgorithmSet allowed;
  ErrorCode code;
  std::string field;
};

std::vector<BadToken> bad_tokens() {
  const std::string rs256_token = latchset("rfc7515_A.2.jwsc");
  const std::string es256_token = latchset("rfc7515_A.3.jwsc");
  const std::string es512_token =
      *sign_jwt(Algorithm::es512, key_from(latchset("rfc7515_A.4.jwk"), PrivateMembers::allow), {},
                {{"iss", "joe"}});
  const Jwk rsa = public_key_from(latchset("rfc7515_A.2.jwk"));
  const Jwk p256 = public_key_from(latchset("rfc7515_A.3.jwk"));
  const Jwk p521 = public_key_from(latchset("rfc7515_A.4.jwk"));
  const Jwk ed25519 = public_key_from(boost::json::serialize(
      vector_json(std::string(kCookbook) + "curve25519/jws.json").at("input").at("key")));
  const Segments es256 = split(es256_token);
  const std::string claims = R"({"iss":"joe","exp":1300819380})";

  std::vector<BadToken> cases;
  auto add = [&cases](std::string name, std::string token, const Jwk& key, AlgorithmSet allowed,
                      ErrorCode code, std::string field) {
    cases.push_back({std::move(name), std::move(token), key, allowed, code, std::move(field)});
  };
  const AlgorithmSet es256_only{Algorithm::es256};

  // alg "none", with and without a signature, however much is allowed.
  add("alg none (RFC 7515 A.5)", latchset("rfc7515_A.5.jwsc"), rsa, AlgorithmSet::all_asymmetric(),
      ErrorCode::unauthenticated, "header.alg");
  add("alg none with a signature",
      b64(R"({"alg":"none"})") + "." + es256.payload + "." + es256.signature, p256, es256_only,
      ErrorCode::unauthenticated, "header.alg");
  add("alg None (case variant)", b64(R"({"alg":"None"})") + "." + es256.payload + ".", p256,
      es256_only, ErrorCode::unauthenticated, "header.alg");

  // HS256 signed with the RSA public key as the HMAC secret (RFC 8725 section 2.1), in every
  // encoding an attacker might guess, even with HS256 allowed.
  AlgorithmSet rs_and_hs{Algorithm::rs256, Algorithm::hs256};
  const std::string hs_input = b64(R"({"alg":"HS256"})") + "." + b64(claims);
  for (const auto& [encoding, secret] : std::vector<std::pair<std::string, std::string>>{
           {"PEM", latchset("rfc7515_A.2.pub.pem") + "\n"},
           {"JWK", boost::json::serialize(rsa.to_json(PrivateMembers::reject))},
           {"modulus", *util::base64url_decode(
                           std::string(rsa.to_json(PrivateMembers::reject).at("n").as_string()))},
       }) {
    const std::string token = hs_input + "." + b64(util::hmac_sha256(secret, hs_input));
    add("HS256 with the RSA public key (" + encoding + ") as secret", token, rsa, rs_and_hs,
        ErrorCode::unauthenticated, "key");
    add("HS256 with the RSA public key (" + encoding + "), HS256 not allowed", token, rsa,
        AlgorithmSet{Algorithm::rs256}, ErrorCode::unauthenticated, "header.alg");
  }

  // Key type and curve must match the algorithm.
  add("ES256 token, RSA key", es256_token, rsa, es256_only, ErrorCode::unauthenticated, "key");
  add("RS256 token, EC key", rs256_token, p256, AlgorithmSet{Algorithm::rs256},
      ErrorCode::unauthenticated, "key");
  add("ES256 token, Ed25519 key", es256_token, ed25519, es256_only, ErrorCode::unauthenticated,
      "key");
  add("ES256 token, EC key on P-521", es256_token, p521, es256_only, ErrorCode::unauthenticated,
      "key");
  add("ES512 token, EC key on P-256", es512_token, p256, AlgorithmSet{Algorithm::es512},
      ErrorCode::unauthenticated, "key");
  add("EdDSA header on an ES256 signature, P-256 key",
      b64(R"({"alg":"EdDSA"})") + "." + es256.payload + "." + es256.signature, p256,
      AlgorithmSet{Algorithm::es256, Algorithm::eddsa}, ErrorCode::unauthenticated, "key");
  add("key use enc", es256_token, p256.with_use("enc"), es256_only, ErrorCode::unauthenticated,
      "key");
  add("key alg ES384", es256_token, p256.with_alg("ES384"), es256_only, ErrorCode::unauthenticated,
      "key");

  // Tampering.
  std::string tampered_signature = es256.signature;
  tampered_signature[10] = tampered_signature[10] == 'A' ? 'B' : 'A';
  add("tampered payload",
      es256.header + "." + b64(R"({"iss":"joe","exp":9999999999})") + "." + es256.signature, p256,
      es256_only, ErrorCode::unauthenticated, "signature");
  add("tampered header",
      b64(R"({"alg":"ES256","kid":"x"})") + "." + es256.payload + "." + es256.signature, p256,
      es256_only, ErrorCode::unauthenticated, "signature");
  add("tampered signature", es256.header + "." + es256.payload + "." + tampered_signature, p256,
      es256_only, ErrorCode::unauthenticated, "signature");
  add("ECDSA signature in DER form",
      es256.header + "." + es256.payload + "." +
          b64(*ecdsa_signature_to_der(*util::base64url_decode(es256.signature), 32)),
      p256, es256_only, ErrorCode::unauthenticated, "signature");
  add("RSA signature one octet short",
      split(rs256_token).header + "." + split(rs256_token).payload + "." +
          b64(util::base64url_decode(split(rs256_token).signature)->substr(1)),
      rsa, AlgorithmSet{Algorithm::rs256}, ErrorCode::unauthenticated, "signature");

  // Truncation and size.
  add("truncated: two segments", es256.header + "." + es256.payload, p256, es256_only,
      ErrorCode::invalid_value, "token");
  add("truncated: signature octets cut",
      es256.header + "." + es256.payload + "." +
          b64(util::base64url_decode(es256.signature)->substr(0, 60)),
      p256, es256_only, ErrorCode::unauthenticated, "signature");
  add("truncated: inside the payload", es256_token.substr(0, es256.header.size() + 20), p256,
      es256_only, ErrorCode::invalid_value, "token");
  add("truncated: empty signature", es256.header + "." + es256.payload + ".", p256, es256_only,
      ErrorCode::unauthenticated, "signature");
  add("four segments", es256_token + ".", p256, es256_only, ErrorCode::invalid_value, "token");
  add("JWE compact (five segments)", "a.b.c.d.e", p256, es256_only, ErrorCode::invalid_value,
      "token");
  add("empty", "", p256, es256_only, ErrorCode::invalid_value, "token");
  add("oversized token",
      es256.header + "." + b64(std::string(13000, ' ') + claims) + "." + es256.signature, p256,
      es256_only, ErrorCode::invalid_value, "token");

  // Encoding.
  add("header with padding", es256.header + "=." + es256.payload + "." + es256.signature, p256,
      es256_only, ErrorCode::invalid_value, "header");
  add("payload with standard base64 alphabet",
      es256.header + "." + es256.payload + "+." + es256.signature, p256, es256_only,
      ErrorCode::invalid_value, "payload");
  add("signature with non-canonical trailing bits",
      es256.header + "." + es256.payload + "." + es256.signature.substr(0, 85) + "R", p256,
      es256_only, ErrorCode::invalid_value, "signature");
  add("whitespace in a segment", es256.header + " ." + es256.payload + "." + es256.signature, p256,
      es256_only, ErrorCode::invalid_value, "header");

  // Header and payload JSON.
  add("non-JSON header", b64("alg=ES256") + "." + es256.payload + "." + es256.signature, p256,
      es256_only, ErrorCode::malformed_json, "header");
  add("header is an array", b64(R"(["ES256"])") + "." + es256.payload + "." + es256.signature, p256,
      es256_only, ErrorCode::wrong_type, "header");
  add("header with trailing garbage",
      b64(R"({"alg":"ES256"}x)") + "." + es256.payload + "." + es256.signature, p256, es256_only,
      ErrorCode::malformed_json, "header");
  add("alg missing", b64(R"({"typ":"JWT"})") + "." + es256.payload + "." + es256.signature, p256,
      es256_only, ErrorCode::missing_field, "header.alg");
  add("alg not a string", b64(R"({"alg":["ES256"]})") + "." + es256.payload + "." + es256.signature,
      p256, es256_only, ErrorCode::wrong_type, "header.alg");
  add("kid not a string",
      b64(R"({"alg":"ES256","kid":1})") + "." + es256.payload + "." + es256.signature, p256,
      es256_only, ErrorCode::wrong_type, "header.kid");
  add("jwk not an object",
      b64(R"({"alg":"ES256","jwk":"x"})") + "." + es256.payload + "." + es256.signature, p256,
      es256_only, ErrorCode::wrong_type, "header.jwk");
  add("crit present",
      b64(R"({"alg":"ES256","crit":["exp"],"exp":1})") + "." + es256.payload + "." +
          es256.signature,
      p256, es256_only, ErrorCode::invalid_value, "header.crit");
  add("header nested too deep",
      b64(R"({"alg":"ES256","x":)" + std::string(20, '[') + std::string(20, ']') + "}") + "." +
          es256.payload + "." + es256.signature,
      p256, es256_only, ErrorCode::too_deep, "header");
  add("header too large",
      b64(R"({"alg":"ES256","x":")" + std::string(9000, 'x') + "\"}") + "." + es256.payload + "." +
          es256.signature,
      p256, es256_only, ErrorCode::invalid_value, "header");
  add("non-JSON payload", es256.header + "." + b64("Payload") + "." + es256.signature, p256,
      es256_only, ErrorCode::malformed_json, "payload");
  add("payload is a string", es256.header + "." + b64(R"("joe")") + "." + es256.signature, p256,
      es256_only, ErrorCode::wrong_type, "payload");

  // The allowlist decides.
  add("alg not in the allowlist", es256_token, p256, AlgorithmSet{Algorithm::eddsa},
      ErrorCode::unauthenticated, "header.alg");
  add("empty allowlist", es256_token, p256, AlgorithmSet{}, ErrorCode::unauthenticated,
      "header.alg");
  add("unknown alg", b64(R"({"alg":"ES256K"})") + "." + es256.payload + "." + es256.signature, p256,
      es256_only, ErrorCode::unauthenticated, "header.alg");

  // RSA keys below 2048 bits are refused before any signature work.
  const Jwk small = small_rsa_key();
  const std::string small_input = b64(R"({"alg":"RS256"})") + "." + b64(claims);
  auto small_public = small.public_key();
  add("RSA key of 1024 bits", small_input + "." + b64(openssl_rs256(small.evp_pkey(), small_input)),
      *small_public, AlgorithmSet{Algorithm::rs256}, ErrorCode::unauthenticated, "key");
  return cases;
}

TEST(JwsNegative, EveryBadTokenIsRejectedWithItsCodeAndField) {
  for (const BadToken& c : bad_tokens()) {
    SCOPED_TRACE(c.name);
    VerifyOptions options;
    options.algorithms = c.allowed;
    auto verified = verify_compact(c.token, c.key, options);
    ASSERT_FALSE(verified);
    EXPECT_EQ(to_string(verified.error().code), to_string(c.code)) << verified.error().message;
    EXPECT_EQ(verified.error().field, c.field) << verified.error().message;
  }
}

TEST(JwsNegative, PublicKeyRequiredWhereTheJwkComesFromTheToken) {
  // A DPoP-style header carrying a private key: Jwk::from_json refuses it as a verification key.
  const Jwk private_key = key_from(latchset("rfc7515_A.3.jwk"), PrivateMembers::allow);
  boost::json::object header{{"typ", "dpop+jwt"},
                             {"jwk", private_key.to_json(PrivateMembers::allow)}};
  auto token = sign_jwt(Algorithm::es256, private_key, header, {{"htm", "GET"}});
  ASSERT_TRUE(token);
  auto proof = CompactJws::parse(*token);
  ASSERT_TRUE(proof);
  ASSERT_NE(proof->jwk(), nullptr);
  EXPECT_TRUE(has_private_members(*proof->jwk()));
  auto key = Jwk::from_json(boost::json::value(*proof->jwk()), PrivateMembers::reject);
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().code, ErrorCode::invalid_value);
  EXPECT_EQ(key.error().under("header.jwk").field, "header.jwk.d");
}

TEST(JwsNegative, MinRsaBitsCanOnlyBeRaised) {
  const Jwk rsa = public_key_from(latchset("rfc7515_A.2.jwk"));
  const std::string token = latchset("rfc7515_A.2.jwsc");
  VerifyOptions options = allow({Algorithm::rs256});
  options.min_rsa_bits = 1024;
  EXPECT_TRUE(verify_compact(token, rsa, options));
  options.min_rsa_bits = 3072;
  auto refused = verify_compact(token, rsa, options);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "key");
}

TEST(JwsLimits, AreConfigurable) {
  const std::string token = latchset("rfc7515_A.3.jwsc");
  JwsLimits limits;
  limits.max_token_bytes = token.size() - 1;
  auto parsed = CompactJws::parse(token, limits);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().field, "token");

  limits = {};
  limits.max_payload_bytes = 10;
  parsed = CompactJws::parse(token, limits);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().field, "payload");

  limits = {};
  limits.max_header_bytes = 10;
  parsed = CompactJws::parse(token, limits);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().field, "header");

  limits = {};
  limits.max_json_depth = 1;
  parsed = CompactJws::parse(latchset("rfc7515_A.3.jwsc"), limits);
  EXPECT_TRUE(parsed);  // flat objects are depth 1
  parsed = CompactJws::parse(vector_text("dpop/rfc9449_proof_token_request_POST.jwt"), limits);
  ASSERT_FALSE(parsed);  // the "jwk" object is depth 2
  EXPECT_EQ(parsed.error().code, ErrorCode::too_deep);
  EXPECT_EQ(parsed.error().field, "header");

  limits = {};
  limits.max_token_bytes = 64 * 1024;
  const std::string big = b64(R"({"alg":"ES256"})") + "." + b64(std::string(30000, 'x')) + ".";
  parsed = CompactJws::parse(big, limits);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().field, "payload");
}

// --- verification with a key set -----------------------------------------------------------

TEST(JwsKeySet, SelectsByKidAndReportsUnknownKids) {
  const Jwk p256 = *Jwk::generate(Curve::p256);
  const Jwk ed25519 = *Jwk::generate(Curve::ed25519);
  const JwkSet set({p256.public_key()->with_kid("ec-1"), ed25519.public_key()->with_kid("ed-1")});
  const VerifyOptions options = allow({Algorithm::es256, Algorithm::eddsa});

  auto by_kid = sign_jwt(Algorithm::eddsa, ed25519, {{"kid", "ed-1"}}, {{"sub", "a"}});
  ASSERT_TRUE(by_kid);
  auto verified = verify_compact(*by_kid, set, options);
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->algorithm(), Algorithm::eddsa);

  auto unknown = sign_jwt(Algorithm::eddsa, ed25519, {{"kid", "ed-2"}}, {{"sub", "a"}});
  auto refused = verify_compact(*unknown, set, options);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::unauthenticated);
  EXPECT_EQ(refused.error().field, "header.kid");

  auto wrong_kid = sign_jwt(Algorithm::eddsa, ed25519, {{"kid", "ec-1"}}, {{"sub", "a"}});
  refused = verify_compact(*wrong_kid, set, options);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "key");

  auto no_kid = sign_jwt(Algorithm::es256, p256, {}, {{"sub", "a"}});
  EXPECT_TRUE(verify_compact(*no_kid, set, options));

  const Jwk stranger = *Jwk::generate(Curve::p256);
  auto foreign = sign_jwt(Algorithm::es256, stranger, {}, {{"sub", "a"}});
  refused = verify_compact(*foreign, set, options);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "signature");

  refused = verify_compact(*no_kid, JwkSet{}, options);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "key");
}

TEST(JwsKeySet, TriesAtMostMaxKeyAttemptsWithoutKid) {
  std::vector<Jwk> keys;
  for (int i = 0; i < 3; ++i)
    keys.push_back(*Jwk::generate(Curve::p256)->public_key());
  const Jwk signer = *Jwk::generate(Curve::p256);
  keys.push_back(*signer.public_key());
  const JwkSet set(std::move(keys));
  auto token = sign_jwt(Algorithm::es256, signer, {}, {{"sub", "a"}});
  VerifyOptions options = allow({Algorithm::es256});
  EXPECT_TRUE(verify_compact(*token, set, options));
  options.max_key_attempts = 3;
  EXPECT_FALSE(verify_compact(*token, set, options));
}

// --- round trips ------------------------------------------------------------------------------

class JwsRoundTrip : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new Jwk(*Jwk::generate_rsa(2048));
    p256_ = new Jwk(*Jwk::generate(Curve::p256));
    p384_ = new Jwk(*Jwk::generate(Curve::p384));
    p521_ = new Jwk(*Jwk::generate(Curve::p521));
    ed25519_ = new Jwk(*Jwk::generate(Curve::ed25519));
    hmac_ = new Jwk(*Jwk::from_secret(std::string(64, '\x5a')));
  }
  static void TearDownTestSuite() {
    for (Jwk** key : {&rsa_, &p256_, &p384_, &p521_, &ed25519_, &hmac_}) {
      delete *key;
      *key = nullptr;
    }
  }
  static const Jwk& key_for(Algorithm algorithm) {
    switch (algorithm) {
      case Algorithm::hs256:
      case Algorithm::hs384:
      case Algorithm::hs512:
        return *hmac_;
      case Algorithm::es256:
        return *p256_;
      case Algorithm::es384:
        return *p384_;
      case Algorithm::es512:
        return *p521_;
      case Algorithm::eddsa:
        return *ed25519_;
      default:
        return *rsa_;
    }
  }
  static inline Jwk* rsa_ = nullptr;
  static inline Jwk* p256_ = nullptr;
  static inline Jwk* p384_ = nullptr;
  static inline Jwk* p521_ = nullptr;
  static inline Jwk* ed25519_ = nullptr;
  static inline Jwk* hmac_ = nullptr;
};

TEST_F(JwsRoundTrip, EveryAlgorithmSignsAndVerifies) {
  const boost::json::object claims{{"iss", "https://idp.example.net"},
                                   {"aud", "https://peering.example.net"},
                                   {"networks", boost::json::array{64501, 64502}}};
  for (std::size_t i = 0; i < kAlgorithmCount; ++i) {
    const auto algorithm = static_cast<Algorithm>(i);
    SCOPED_TRACE(to_string(algorithm));
    const Jwk& key = key_for(algorithm);
    auto token = sign_jwt(algorithm, key, {{"typ", "at+jwt"}, {"kid", "k1"}}, claims);
    ASSERT_TRUE(token) << token.error().message;
    const Jwk verifier = key.type() == KeyType::oct ? key : *key.public_key();
    auto verified = verify_compact(*token, verifier, allow({algorithm}));
    ASSERT_TRUE(verified) << verified.error().field << ": " << verified.error().message;
    EXPECT_EQ(verified->algorithm(), algorithm);
    EXPECT_EQ(verified->claims(), claims);
    EXPECT_EQ(verified->header().at("typ"), "at+jwt");
    EXPECT_EQ(verified->header().at("alg").as_string(), to_string(algorithm));
    EXPECT_EQ(verified->jws().kid(), "k1");

    // The same token with one payload bit changed fails.
    Segments segments = split(*token);
    segments.payload = b64(R"({"iss":"https://idp.example.net","networks":[64501,64503]})");
    auto tampered = verify_compact(segments.join(), verifier, allow({algorithm}));
    ASSERT_FALSE(tampered);
    EXPECT_EQ(tampered.error().field, "signature");

    // Another key of the same type fails (RSA key generation is slow, so RSA is left out).
    std::optional<Jwk> other;
    if (key.type() == KeyType::oct)
      other = *Jwk::from_secret(std::string(64, '\x5b'));
    else if (key.type() != KeyType::rsa)
      other = *Jwk::generate(key.curve())->public_key();
    if (other) {
      auto refused = verify_compact(*token, *other, allow({algorithm}));
      ASSERT_FALSE(refused);
      EXPECT_EQ(refused.error().field, "signature");
    }
  }
}

TEST_F(JwsRoundTrip, SigningKeysFromPemAndJwkAgree) {
  for (Algorithm algorithm : {Algorithm::rs256, Algorithm::ps256, Algorithm::es256,
                              Algorithm::es384, Algorithm::es512, Algorithm::eddsa}) {
    SCOPED_TRACE(to_string(algorithm));
    const Jwk& key = key_for(algorithm);
    auto from_pem = Jwk::from_pem(*key.to_pem(PrivateMembers::allow));
    ASSERT_TRUE(from_pem);
    auto from_jwk = Jwk::from_json(boost::json::value(key.to_json(PrivateMembers::allow)),
                                   PrivateMembers::allow);
    ASSERT_TRUE(from_jwk);
    for (const Jwk* signer : {&*from_pem, &*from_jwk}) {
      auto token = sign_compact(algorithm, *signer, {}, "payload");
      ASSERT_TRUE(token);
      EXPECT_TRUE(
          verify_compact(*token, *key.public_key(), allow({algorithm}, PayloadFormat::opaque)));
    }
  }
}

TEST_F(JwsRoundTrip, SigningRefusesUnfitKeys) {
  struct Case {
    const char* name;
    Algorithm algorithm;
    Jwk key;
  };
  const std::vector<Case> cases = {
      {"public key", Algorithm::es256, *p256_->public_key()},
      {"wrong curve", Algorithm::es384, *p256_},
      {"RSA for EdDSA", Algorithm::eddsa, *rsa_},
      {"EC for HS256", Algorithm::hs256, *p256_},
      {"short HMAC secret", Algorithm::hs512, *Jwk::from_secret(std::string(32, 's'))},
      {"RSA of 1024 bits", Algorithm::rs256, small_rsa_key()},
      {"key_ops verify only", Algorithm::es256,
       *Jwk::from_json(
           [] {
             boost::json::object json = p256_->to_json(PrivateMembers::allow);
             json["key_ops"] = boost::json::array{"verify"};
             return boost::json::value(json);
           }(),
           PrivateMembers::allow)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto token = sign_compact(c.algorithm, c.key, {}, "payload");
    ASSERT_FALSE(token);
    EXPECT_EQ(token.error().code, ErrorCode::invalid_value);
    EXPECT_EQ(token.error().field, "key");
  }
}

TEST_F(JwsRoundTrip, HeaderAlgIsAlwaysTheSigningAlgorithm) {
  auto token = sign_compact(Algorithm::es256, *p256_, {{"alg", "none"}, {"typ", "JWT"}}, "{}");
  ASSERT_TRUE(token);
  auto parsed = CompactJws::parse(*token);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->alg(), "ES256");
  EXPECT_EQ(parsed->header().size(), 2u);
}

}  // namespace
}  // namespace peerapi::auth::jose
