// Known-answer tests: every case of ../shared/testvectors/rfc9421 (RFC 9421 Appendix B and
// section 4.3). For each: the signature base is rebuilt byte for byte, the published signature
// verifies, the deterministic algorithms re-sign to the published bytes, and the others re-sign
// to a signature that verifies.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/httpsig/message_signature.hpp"
#include "auth/httpsig/signature_base.hpp"
#include "auth/httpsig/structured_fields.hpp"
#include "auth/jose/signature.hpp"
#include "httpsig_vectors.hpp"
#include "util/clock.hpp"
#include "util/crypto.hpp"

namespace peerapi::auth::httpsig {
namespace {

using testing::rfc9421_file;
using testing::rfc9421_line;
using testing::vector_key;
using testing::vector_message;

struct VectorCase {
  const char* id;
  const char* label;
  const char* keyid;
  const char* message;
  bool deterministic;
};

const VectorCase kCases[] = {
    {"B.2.1", "sig-b21", "test-key-rsa-pss", "test-request.http", false},
    {"B.2.2", "sig-b22", "test-key-rsa-pss", "test-request.http", false},
    {"B.2.3", "sig-b23", "test-key-rsa-pss", "test-request.http", false},
    {"B.2.4", "sig-b24", "test-key-ecc-p256", "test-response.http", false},
    {"B.2.5", "sig-b25", "test-shared-secret", "test-request.http", true},
    {"B.2.6", "sig-b26", "test-key-ed25519", "test-request.http", true},
    {"B.3", "ttrp", "test-key-ecc-p256", "B.3-proxy-signed-request.http", false},
    {"B.4", "transform", "test-key-ed25519", "B.4-original.http", true},
    {"4.3-sig1", "sig1", "test-key-ecc-p256", "4.3-client-signed-request.http", false},
    {"4.3-proxy_sig", "proxy_sig", "test-key-rsa", "4.3-proxy-signed-request.http", true},
};

std::string case_file(const VectorCase& vector, std::string_view name) {
  return "cases/" + std::string(vector.id) + "/" + std::string(name);
}

/// The verification key: public half for asymmetric keys, the secret for HMAC.
ResolvedKey verification_key(std::string_view keyid) {
  ResolvedKey key = vector_key(keyid);
  if (key.algorithm != Algorithm::hmac_sha256)
    key.key = key.key.public_key().value();
  return key;
}

/// A policy that accepts the vectors at their creation time: all algorithms, the vector keys,
/// no required components.
VerifyPolicy vector_policy(const util::Clock& clock) {
  VerifyPolicy policy;
  policy.clock = &clock;
  policy.algorithms = {Algorithm::rsa_pss_sha512,    Algorithm::rsa_v1_5_sha256,
                       Algorithm::hmac_sha256,       Algorithm::ecdsa_p256_sha256,
                       Algorithm::ecdsa_p384_sha384, Algorithm::ed25519};
  policy.require_content_digest_with_body = false;
  policy.resolve_key = [](std::string_view keyid) -> Result<std::optional<ResolvedKey>> {
    for (const char* known : {"test-key-rsa-pss", "test-key-rsa", "test-key-ecc-p256",
                              "test-key-ed25519", "test-shared-secret"}) {
      if (keyid == known)
        return verification_key(keyid);
    }
    return std::nullopt;
  };
  return policy;
}

const sf::InnerList& member_list(const sf::Dictionary& dictionary, std::string_view label) {
  return std::get<sf::InnerList>(*dictionary.find(label));
}

TEST(Rfc9421Vectors, SignatureBasesMatchByteForByte) {
  for (const VectorCase& vector : kCases) {
    SCOPED_TRACE(vector.id);
    const HttpMessageView message = vector_message(vector.message);
    auto inputs = sf::parse_dictionary(rfc9421_line(case_file(vector, "signature-input.txt")),
                                       "signature_input");
    ASSERT_TRUE(inputs) << inputs.error().message;
    auto base = build_signature_base(message, member_list(*inputs, vector.label));
    ASSERT_TRUE(base) << base.error().field << ": " << base.error().message;
    EXPECT_EQ(*base, rfc9421_file(case_file(vector, "signature-base.txt")));
  }
}

TEST(Rfc9421Vectors, PublishedSignaturesVerify) {
  for (const VectorCase& vector : kCases) {
    SCOPED_TRACE(vector.id);
    const HttpMessageView message = vector_message(vector.message);
    const std::string input = rfc9421_line(case_file(vector, "signature-input.txt"));
    auto inputs = sf::parse_dictionary(input, "signature_input");
    ASSERT_TRUE(inputs);
    const std::int64_t created =
        std::get<std::int64_t>(*member_list(*inputs, vector.label).params.find("created"));
    util::ManualClock clock(created * 1000);
    VerifyPolicy policy = vector_policy(clock);
    policy.label = vector.label;
    auto verified =
        verify(message, input, rfc9421_line(case_file(vector, "signature.txt")), policy);
    ASSERT_TRUE(verified) << verified.error().field << ": " << verified.error().message;
    EXPECT_EQ(verified->label, vector.label);
    EXPECT_EQ(verified->keyid, vector.keyid);
    EXPECT_EQ(verified->created, created);
    EXPECT_EQ(verified->covered.size(), member_list(*inputs, vector.label).items.size());

    // One flipped bit of the signature fails.
    std::string signature_text = rfc9421_line(case_file(vector, "signature.txt"));
    const std::size_t colon = signature_text.find(':');
    std::string bytes =
        *util::base64_decode(signature_text.substr(colon + 1, signature_text.size() - colon - 2));
    bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x01);
    const std::string flipped = std::string(vector.label) + "=:" + util::base64_encode(bytes) + ":";
    auto tampered = verify(message, input, flipped, policy);
    ASSERT_FALSE(tampered);
    EXPECT_EQ(tampered.error().code, ErrorCode::unauthenticated);
    EXPECT_EQ(tampered.error().field, "signature." + std::string(vector.label));
  }
}

TEST(Rfc9421Vectors, SigningReproducesTheVectors) {
  for (const VectorCase& vector : kCases) {
    SCOPED_TRACE(vector.id);
    const HttpMessageView message = vector_message(vector.message);
    const std::string input = rfc9421_line(case_file(vector, "signature-input.txt"));
    auto inputs = sf::parse_dictionary(input, "signature_input");
    ASSERT_TRUE(inputs);
    const sf::InnerList& list = member_list(*inputs, vector.label);
    std::vector<ComponentId> components;
    for (const sf::Item& item : list.items)
      components.push_back(ComponentId::from_item(item, "").value());
    SignatureParams params;
    params.created = std::get<std::int64_t>(*list.params.find("created"));
    params.keyid = std::get<std::string>(*list.params.find("keyid"));
    params.include_alg = list.params.contains("alg");
    if (const auto* expires = list.params.find("expires"))
      params.expires = std::get<std::int64_t>(*expires);
    if (const auto* nonce = list.params.find("nonce"))
      params.nonce = std::get<std::string>(*nonce);
    if (const auto* tag = list.params.find("tag"))
      params.tag = std::get<std::string>(*tag);

    const ResolvedKey key = vector_key(vector.keyid);
    auto signed_headers = sign(message, key.key, key.algorithm, components, params, vector.label);
    ASSERT_TRUE(signed_headers) << signed_headers.error().field << ": "
                                << signed_headers.error().message;
    EXPECT_EQ(signed_headers->signature_input, input);
    EXPECT_EQ(signed_headers->signature_base,
              rfc9421_file(case_file(vector, "signature-base.txt")));
    if (vector.deterministic) {
      EXPECT_EQ(signed_headers->signature, rfc9421_line(case_file(vector, "signature.txt")));
    } else {
      EXPECT_NE(signed_headers->signature, rfc9421_line(case_file(vector, "signature.txt")));
    }
    util::ManualClock clock(params.created * 1000);
    VerifyPolicy policy = vector_policy(clock);
    auto verified =
        verify(message, signed_headers->signature_input, signed_headers->signature, policy);
    ASSERT_TRUE(verified) << verified.error().field << ": " << verified.error().message;
  }
}

TEST(Rfc9421Vectors, B3RawSignatureIsTheSignatureFieldValue) {
  const std::string raw = rfc9421_line("cases/B.3/raw-signature.b64");
  EXPECT_EQ(rfc9421_line("cases/B.3/signature.txt"), "ttrp=:" + raw + ":");
  EXPECT_EQ(util::base64_decode(raw)->size(), 64u);  // r || s of P-256
}

TEST(Rfc9421Vectors, MessagesCarryingTheirSignaturesVerify) {
  util::ManualClock clock(1618884480LL * 1000);
  VerifyPolicy policy = vector_policy(clock);
  for (const char* name : {"B.3-proxy-signed-request.http", "B.4-original.http",
                           "4.3-client-signed-request.http", "4.3-proxy-signed-request.http"}) {
    SCOPED_TRACE(name);
    auto verified = verify(vector_message(name), policy);
    ASSERT_TRUE(verified) << verified.error().field << ": " << verified.error().message;
  }
  // 4.3: the proxy's message carries both signatures; each verifies by label, and the proxy's
  // covers the Forwarded field the client's does not.
  const HttpMessageView proxied = vector_message("4.3-proxy-signed-request.http");
  policy.label = "proxy_sig";
  policy.required_components = {"forwarded", "content-digest"};
  policy.require_content_digest_with_body = true;
  auto proxy = verify(proxied, policy);
  ASSERT_TRUE(proxy) << proxy.error().field << ": " << proxy.error().message;
  EXPECT_EQ(proxy->algorithm, Algorithm::rsa_v1_5_sha256);
  EXPECT_EQ(proxy->expires, 1618884540);
  // sig1 was made for the client's authority (example.com); after the proxy changed Host it no
  // longer verifies.
  policy.label = "sig1";
  policy.required_components.clear();
  auto client = verify(proxied, policy);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().code, ErrorCode::unauthenticated);
  EXPECT_EQ(client.error().field, "signature.sig1");
}

TEST(Rfc9421Vectors, B4TransformationsVerifyOrFail) {
  util::ManualClock clock(1618884473LL * 1000);
  VerifyPolicy policy = vector_policy(clock);
  policy.label = "transform";
  policy.required_components = {"@method", "@path", "@authority", "accept"};
  for (const char* name :
       {"B.4-original.http", "B.4-valid-1-added-header-and-query.http",
        "B.4-valid-2-removed-date-collapsed-accept.http", "B.4-valid-3-reordered-fields.http"}) {
    SCOPED_TRACE(name);
    auto verified = verify(vector_message(name), policy);
    ASSERT_TRUE(verified) << verified.error().field << ": " << verified.error().message;
  }
  for (const char* name : {"B.4-INVALID-1-method-and-authority-changed.http",
                           "B.4-INVALID-2-accept-order-swapped.http"}) {
    SCOPED_TRACE(name);
    auto verified = verify(vector_message(name), policy);
    ASSERT_FALSE(verified);
    EXPECT_EQ(verified.error().code, ErrorCode::unauthenticated);
    EXPECT_EQ(verified.error().field, "signature.transform");
  }
}

TEST(Rfc9421Vectors, ContentDigestsOfTheMessagesMatchTheirBodies) {
  util::ManualClock clock(1618884473LL * 1000);
  VerifyPolicy policy = vector_policy(clock);
  policy.require_content_digest_with_body = true;
  policy.label = "sig-b23";  // covers content-digest
  const HttpMessageView message = vector_message("test-request.http");
  const std::string input = rfc9421_line("cases/B.2.3/signature-input.txt");
  const std::string signature = rfc9421_line("cases/B.2.3/signature.txt");
  ASSERT_TRUE(verify(message, input, signature, policy));
  HttpMessageView tampered = message;
  tampered.body = "{\"hello\": \"World\"}";
  auto refused = verify(tampered, input, signature, policy);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::unauthenticated);
  EXPECT_EQ(refused.error().field, "content-digest");
  // B.2.6 does not cover content-digest; with a body the policy refuses it.
  policy.label = "sig-b26";
  auto uncovered = verify(message, rfc9421_line("cases/B.2.6/signature-input.txt"),
                          rfc9421_line("cases/B.2.6/signature.txt"), policy);
  ASSERT_FALSE(uncovered);
  EXPECT_EQ(uncovered.error().code, ErrorCode::unauthenticated);
  EXPECT_EQ(uncovered.error().field, "signature_input.sig-b26.components");
}

TEST(Rfc9421Vectors, PemKeysVerifyToo) {
  struct PemCase {
    const char* id;
    const char* pem;
    Algorithm algorithm;
  };
  // The RSA public key is PKCS#1 ("BEGIN RSA PUBLIC KEY"), which Jwk::from_pem does not read;
  // its private PEM (traditional RSA) does load and carries the public half.
  const PemCase cases[] = {
      {"B.2.1", "test-key-rsa-pss.pub.pem", Algorithm::rsa_pss_sha512},
      {"B.2.4", "test-key-ecc-p256.pub.pem", Algorithm::ecdsa_p256_sha256},
      {"B.2.6", "test-key-ed25519.pub.pem", Algorithm::ed25519},
      {"4.3-proxy_sig", "test-key-rsa.priv.pem", Algorithm::rsa_v1_5_sha256},
      {"B.3", "test-key-ecc-p256.priv.pem", Algorithm::ecdsa_p256_sha256},
      {"B.4", "test-key-ed25519.priv.pem", Algorithm::ed25519},
  };
  for (const PemCase& pem_case : cases) {
    SCOPED_TRACE(pem_case.pem);
    auto key = jose::Jwk::from_pem(rfc9421_file("keys/" + std::string(pem_case.pem)));
    ASSERT_TRUE(key) << key.error().message;
    const VectorCase* vector = nullptr;
    for (const VectorCase& candidate : kCases) {
      if (std::string_view(candidate.id) == pem_case.id)
        vector = &candidate;
    }
    ASSERT_NE(vector, nullptr);
    util::ManualClock clock(1618884480LL * 1000);
    VerifyPolicy policy = vector_policy(clock);
    policy.resolve_key = [&](std::string_view) -> Result<std::optional<ResolvedKey>> {
      return ResolvedKey{*key, pem_case.algorithm};
    };
    auto verified = verify(vector_message(vector->message),
                           rfc9421_line(case_file(*vector, "signature-input.txt")),
                           rfc9421_line(case_file(*vector, "signature.txt")), policy);
    ASSERT_TRUE(verified) << verified.error().field << ": " << verified.error().message;
  }
}

}  // namespace
}  // namespace peerapi::auth::httpsig
