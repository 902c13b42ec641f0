// sign() then verify() for every algorithm with fresh keys, a nonce wired to the replay cache,
// and the contract of sign().
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/httpsig/content_digest.hpp"
#include "auth/httpsig/message_signature.hpp"
#include "auth/replay_cache.hpp"
#include "util/clock.hpp"

namespace peerapi::auth::httpsig {
namespace {

constexpr std::int64_t kNow = 1'767'225'600;  // 2026-01-01T00:00:00Z

HttpMessageView peering_request() {
  HttpMessageView message;
  message.method = "POST";
  message.scheme = "https";
  message.authority = "peerapi.example.net";
  message.target = "/v1/add_sessions?dry_run=true";
  message.body = R"({"peer_asn":64496,"sessions":[{"local_ip":"192.0.2.1"}]})";
  message.fields = {{"Host", "peerapi.example.net"},
                    {"Authorization", "Bearer token-for-as64496"},
                    {"Content-Type", "application/json"},
                    {"Content-Digest", content_digest_value(message.body)}};
  return message;
}

const std::vector<ComponentId> kComponents = {
    {"@method", {}},
    {"@target-uri", {}},
    {"authorization", {}},
    {"content-digest", {}},
    {"content-type", {}},
    {"@query-param", {{"name", sf::BareItem(std::in_place_type<std::string>, "dry_run")}}},
};

struct AlgorithmCase {
  Algorithm algorithm;
  jose::Jwk private_key;
  jose::Jwk verification_key;
};

std::vector<AlgorithmCase> every_algorithm() {
  std::vector<AlgorithmCase> cases;
  auto add = [&](Algorithm algorithm, Result<jose::Jwk> key) {
    EXPECT_TRUE(key) << to_string(algorithm);
    auto verification = jose::is_hmac(to_jose(algorithm)) ? key : key->public_key();
    cases.push_back({algorithm, *key, *verification});
  };
  add(Algorithm::rsa_pss_sha512, jose::Jwk::generate_rsa(2048));
  add(Algorithm::rsa_v1_5_sha256, jose::Jwk::generate_rsa(2048));
  add(Algorithm::hmac_sha256, jose::Jwk::from_secret(std::string(32, '\x5a')));
  add(Algorithm::ecdsa_p256_sha256, jose::Jwk::generate(jose::Curve::p256));
  add(Algorithm::ecdsa_p384_sha384, jose::Jwk::generate(jose::Curve::p384));
  add(Algorithm::ed25519, jose::Jwk::generate(jose::Curve::ed25519));
  return cases;
}

TEST(MessageSignature, AlgorithmNamesAndJoseMapping) {
  const std::pair<Algorithm, jose::Algorithm> mapping[] = {
      {Algorithm::rsa_pss_sha512, jose::Algorithm::ps512},
      {Algorithm::rsa_v1_5_sha256, jose::Algorithm::rs256},
      {Algorithm::hmac_sha256, jose::Algorithm::hs256},
      {Algorithm::ecdsa_p256_sha256, jose::Algorithm::es256},
      {Algorithm::ecdsa_p384_sha384, jose::Algorithm::es384},
      {Algorithm::ed25519, jose::Algorithm::eddsa},
  };
  for (auto [algorithm, jose_algorithm] : mapping) {
    EXPECT_EQ(to_jose(algorithm), jose_algorithm);
    EXPECT_EQ(algorithm_from_name(to_string(algorithm)), algorithm);
  }
  EXPECT_EQ(to_string(Algorithm::rsa_v1_5_sha256), "rsa-v1_5-sha256");
  EXPECT_FALSE(algorithm_from_name("RSA-PSS-SHA512"));
  EXPECT_FALSE(algorithm_from_name("rsa-sha1"));
  EXPECT_FALSE(algorithm_from_name(""));
}

TEST(MessageSignature, SignThenVerifyEveryAlgorithm) {
  for (const AlgorithmCase& algorithm_case : every_algorithm()) {
    SCOPED_TRACE(std::string(to_string(algorithm_case.algorithm)));
    HttpMessageView message = peering_request();
    SignatureParams params;
    params.created = kNow;
    params.expires = kNow + 60;
    params.nonce = "n-" + std::string(to_string(algorithm_case.algorithm));
    params.keyid = "as64496-key";
    params.tag = "peerapi";
    params.include_alg = true;
    auto signed_headers = sign(message, algorithm_case.private_key, algorithm_case.algorithm,
                               kComponents, params, "peer");
    ASSERT_TRUE(signed_headers) << signed_headers.error().field << ": "
                                << signed_headers.error().message;
    EXPECT_EQ(signed_headers->signature_input,
              "peer=(\"@method\" \"@target-uri\" \"authorization\" \"content-digest\" "
              "\"content-type\" \"@query-param\";name=\"dry_run\");created=1767225600;"
              "keyid=\"as64496-key\";alg=\"" +
                  std::string(to_string(algorithm_case.algorithm)) +
                  "\";expires=1767225660;nonce=\"" + *params.nonce + "\";tag=\"peerapi\"");
    message.fields.emplace_back("Signature-Input", signed_headers->signature_input);
    message.fields.emplace_back("Signature", signed_headers->signature);

    util::ManualClock clock(kNow * 1000 + 5'000);
    MemoryReplayCache replay_cache;
    VerifyPolicy policy;
    policy.clock = &clock;
    policy.algorithms = {algorithm_case.algorithm};
    policy.required_components = {"@method", "@target-uri", "authorization"};
    policy.require_nonce = true;
    policy.tag = "peerapi";
    policy.label = "peer";
    policy.resolve_key = [&](std::string_view keyid) -> Result<std::optional<ResolvedKey>> {
      if (keyid != "as64496-key")
        return std::nullopt;
      return ResolvedKey{algorithm_case.verification_key, algorithm_case.algorithm};
    };
    policy.check_nonce = [&](const NonceUse& use) {
      EXPECT_EQ(use.remember_until, kNow + 60);
      return replay_cache.first_use("httpsig",
                                    std::string(use.keyid) + " " + std::string(use.nonce),
                                    use.remember_until * 1000, clock.now_ms());
    };
    auto verified = verify(message, policy);
    ASSERT_TRUE(verified) << verified.error().field << ": " << verified.error().message;
    EXPECT_EQ(verified->label, "peer");
    EXPECT_EQ(verified->keyid, "as64496-key");
    EXPECT_EQ(verified->algorithm, algorithm_case.algorithm);
    EXPECT_EQ(verified->covered, kComponents);
    EXPECT_EQ(verified->created, kNow);
    EXPECT_EQ(verified->expires, kNow + 60);
    EXPECT_EQ(verified->nonce, params.nonce);
    EXPECT_EQ(verified->tag, "peerapi");

    // The same signature again is a replay.
    auto replayed = verify(message, policy);
    ASSERT_FALSE(replayed);
    EXPECT_EQ(replayed.error().code, ErrorCode::unauthenticated);
    EXPECT_EQ(replayed.error().field, "signature_input.peer.nonce");
  }
}

TEST(MessageSignature, SignedHeadersAppendToExistingSignatures) {
  auto key = jose::Jwk::generate(jose::Curve::ed25519);
  ASSERT_TRUE(key);
  HttpMessageView message = peering_request();
  SignatureParams params;
  params.created = kNow;
  params.keyid = "first";
  auto first = sign(message, *key, Algorithm::ed25519, kComponents, params, "first");
  ASSERT_TRUE(first);
  params.keyid = "second";
  auto second = sign(message, *key, Algorithm::ed25519, kComponents, params, "second");
  ASSERT_TRUE(second);
  message.fields.emplace_back("Signature-Input", first->signature_input);
  message.fields.emplace_back("Signature", first->signature);
  message.fields.emplace_back("Signature-Input", second->signature_input);
  message.fields.emplace_back("Signature", second->signature);

  util::ManualClock clock(kNow * 1000);
  VerifyPolicy policy;
  policy.clock = &clock;
  policy.algorithms = {Algorithm::ed25519};
  policy.resolve_key = [&](std::string_view keyid) -> Result<std::optional<ResolvedKey>> {
    if (keyid != "second")
      return std::nullopt;
    return ResolvedKey{key->public_key().value(), Algorithm::ed25519};
  };
  // Without a label every signature is tried in order; "first" has an unknown key.
  auto verified = verify(message, policy);
  ASSERT_TRUE(verified) << verified.error().field << ": " << verified.error().message;
  EXPECT_EQ(verified->label, "second");
  // With max_signatures 1 only "first" is tried, and its failure is reported.
  policy.max_signatures = 1;
  auto limited = verify(message, policy);
  ASSERT_FALSE(limited);
  EXPECT_EQ(limited.error().field, "signature_input.first.keyid");
}

TEST(MessageSignature, SignRefusesWhatItCannotSign) {
  auto ed25519 = jose::Jwk::generate(jose::Curve::ed25519);
  ASSERT_TRUE(ed25519);
  const HttpMessageView message = peering_request();
  SignatureParams params;
  params.created = kNow;
  params.keyid = "k";

  auto bad_label = sign(message, *ed25519, Algorithm::ed25519, kComponents, params, "Sig1");
  ASSERT_FALSE(bad_label);
  EXPECT_EQ(bad_label.error().code, ErrorCode::invalid_value);
  EXPECT_EQ(bad_label.error().field, "label");

  const std::vector<ComponentId> absent = {{"x-missing", {}}};
  auto missing = sign(message, *ed25519, Algorithm::ed25519, absent, params, "sig1");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::invalid_value);
  EXPECT_EQ(missing.error().field, "components[0]");

  auto wrong_type =
      sign(message, *ed25519, Algorithm::ecdsa_p256_sha256, kComponents, params, "sig1");
  ASSERT_FALSE(wrong_type);
  EXPECT_EQ(wrong_type.error().code, ErrorCode::invalid_value);
  EXPECT_EQ(wrong_type.error().field, "key");

  auto public_only =
      sign(message, ed25519->public_key().value(), Algorithm::ed25519, kComponents, params, "sig1");
  ASSERT_FALSE(public_only);
  EXPECT_EQ(public_only.error().field, "key");

  params.nonce = "line\nbreak";
  auto bad_nonce = sign(message, *ed25519, Algorithm::ed25519, kComponents, params, "sig1");
  ASSERT_FALSE(bad_nonce);
  EXPECT_EQ(bad_nonce.error().code, ErrorCode::invalid_value);
  EXPECT_EQ(bad_nonce.error().field, "params");
}

}  // namespace
}  // namespace peerapi::auth::httpsig
