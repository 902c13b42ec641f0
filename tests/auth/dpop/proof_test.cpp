#include "auth/dpop/proof.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "auth/jose/jws.hpp"
#include "auth/jose/signature.hpp"
#include "support/test_support.hpp"
#include "util/crypto.hpp"

namespace peerapi::auth::dpop {
namespace {

using jose::Algorithm;
using jose::Jwk;
using jose::PrivateMembers;

std::string vector_file(std::string_view name) {
  std::string text = peerapi::testing::read_file(std::string(PEERAPI_SHARED_DIR) +
                                                 "/testvectors/dpop/" + std::string(name));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  return text;
}

/// Deterministic bytes 0, 1, 2, ... so proof identifiers are known in advance.
class CountingRandom final : public util::RandomSource {
 public:
  void fill(std::uint8_t* out, std::size_t size) override {
    for (std::size_t i = 0; i < size; ++i)
      out[i] = next_++;
  }

 private:
  std::uint8_t next_ = 0;
};

/// A replay cache whose storage is down.
class BrokenReplayCache final : public ReplayCache {
 public:
  Result<bool> first_use(std::string_view, std::string_view, std::int64_t, std::int64_t) override {
    return fail(ErrorCode::store_error, "replay", "database is locked");
  }
};

constexpr std::int64_t kNowMs = 1'795'000'000'000;
constexpr std::string_view kTarget = "https://server.example.com/token";
constexpr std::string_view kToken = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU";

struct Keys {
  Jwk p256;
  Jwk p256_other;
  Jwk p384;
  Jwk ed25519;
  Jwk rsa;
  Jwk secret;
};

Jwk must(Result<Jwk> key) {
  if (!key) {
    ADD_FAILURE() << key.error().field << ": " << key.error().message;
    std::abort();
  }
  return std::move(*key);
}

const Keys& keys() {
  static const Keys generated{
      must(Jwk::generate(jose::Curve::p256)), must(Jwk::generate(jose::Curve::p256)),
      must(Jwk::generate(jose::Curve::p384)), must(Jwk::generate(jose::Curve::ed25519)),
      must(Jwk::generate_rsa(2048)),          must(Jwk::from_secret(std::string(32, 's')))};
  return generated;
}

boost::json::object public_jwk(const Jwk& key) {
  return must(key.public_key()).to_json(PrivateMembers::reject);
}

ProofExpectations token_endpoint() {
  ProofExpectations expect;
  expect.method = "POST";
  expect.target_uri = std::string(kTarget);
  expect.algorithms = {Algorithm::es256, Algorithm::eddsa, Algorithm::rs256, Algorithm::ps256};
  expect.max_age_ms = 60'000;
  expect.max_future_skew_ms = 5'000;
  return expect;
}

/// The pieces of a proof before signing; good() yields one that verify_proof accepts.
struct Parts {
  boost::json::object header;
  boost::json::object claims;
  const Jwk* signer = nullptr;
  Algorithm alg = Algorithm::es256;

  static Parts good(std::string jti = "jti-1") {
    Parts parts;
    parts.header = {{"typ", "dpop+jwt"}, {"jwk", public_jwk(keys().p256)}};
    parts.claims = {
        {"jti", jti}, {"htm", "POST"}, {"htu", std::string(kTarget)}, {"iat", kNowMs / 1000}};
    parts.signer = &keys().p256;
    return parts;
  }

  [[nodiscard]] std::string sign() const {
    auto token = jose::sign_jwt(alg, *signer, header, claims);
    EXPECT_TRUE(token) << token.error().field << ": " << token.error().message;
    return token ? *token : std::string();
  }
};

std::string b64(std::string_view text) {
  return util::base64url_encode(text);
}

std::string describe(const Result<VerifiedProof>& result) {
  return result ? std::string("accepted") : result.error().field + ": " + result.error().message;
}

// --- Known answers: RFC 9449 and RFC 7638 (testvectors/dpop/README.md) ---

constexpr std::string_view kRfcJkt = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";

struct RfcProof {
  const char* file;
  const char* method;
  const char* target;
  std::int64_t iat;
  const char* jti;
  bool with_token;
};

constexpr RfcProof kRfcProofs[] = {
    {"rfc9449_proof_token_request_POST.jwt", "POST", "https://server.example.com/token", 1562262616,
     "-BwC3ESc6acc2lTc", false},
    {"rfc9449_proof_refresh_request_POST.jwt", "POST", "https://server.example.com/token",
     1562265296, "-BwC3ESc6acc2lTc", false},
    {"rfc9449_proof_resource_request_GET.jwt", "GET",
     "https://resource.example.org/protectedresource", 1562262618, "e1j3V_bKic8-LAEB", true},
};

ProofExpectations rfc_expectations(const RfcProof& proof) {
  ProofExpectations expect;
  expect.method = proof.method;
  expect.target_uri = proof.target;
  expect.algorithms = {Algorithm::es256};
  if (proof.with_token)
    expect.access_token = vector_file("rfc9449_access_token.txt");
  return expect;
}

TEST(DpopKnownAnswer, Rfc9449ProofsVerifyWithTheirOwnJwk) {
  const std::string cnf_jkt = [] {
    auto token = jose::CompactJws::parse(vector_file("rfc9449_access_token_with_cnf_jkt.jwt"));
    EXPECT_TRUE(token);
    return std::string(token->claims().at("cnf").at("jkt").as_string());
  }();
  EXPECT_EQ(cnf_jkt, kRfcJkt);
  for (const RfcProof& proof : kRfcProofs) {
    SCOPED_TRACE(proof.file);
    MemoryReplayCache replay;
    ProofExpectations expect = rfc_expectations(proof);
    expect.expected_jkt = cnf_jkt;
    auto verified = verify_proof(vector_file(proof.file), expect, replay, proof.iat * 1000 + 1'000);
    ASSERT_TRUE(verified) << describe(verified);
    EXPECT_EQ(verified->jkt, kRfcJkt);
    EXPECT_EQ(verified->key.thumbprint(), cnf_jkt);
    EXPECT_EQ(verified->jti, proof.jti);
    EXPECT_EQ(verified->iat_ms, proof.iat * 1000);
    EXPECT_EQ(verified->alg, Algorithm::es256);
    EXPECT_FALSE(verified->key.is_private());
    EXPECT_EQ(verified->key.curve(), jose::Curve::p256);
  }
}

// The README's freshness warning: at their own time the proofs pass, today they are stale.
TEST(DpopKnownAnswer, Rfc9449ProofsAreStaleToday) {
  for (const RfcProof& proof : kRfcProofs) {
    SCOPED_TRACE(proof.file);
    MemoryReplayCache replay;
    auto verified = verify_proof(vector_file(proof.file), rfc_expectations(proof), replay, kNowMs);
    ASSERT_FALSE(verified);
    EXPECT_EQ(verified.error().code, ErrorCode::unauthenticated);
    EXPECT_EQ(verified.error().field, "dpop.iat");
  }
}

// RFC 9449 sections 4.1 and 5 reuse one jti 2680 s apart: the first use has left the replay
// cache by then, while a second use within the window is a replay.
TEST(DpopKnownAnswer, Rfc9449SharedJtiIsAReplayOnlyWithinTheWindow) {
  MemoryReplayCache replay;
  const RfcProof& token_request = kRfcProofs[0];
  const RfcProof& refresh_request = kRfcProofs[1];
  const std::int64_t first_ms = token_request.iat * 1000;
  ASSERT_TRUE(verify_proof(vector_file(token_request.file), rfc_expectations(token_request), replay,
                           first_ms));
  auto again = verify_proof(vector_file(token_request.file), rfc_expectations(token_request),
                            replay, first_ms + 30'000);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().field, "dpop.jti");
  auto refresh = verify_proof(vector_file(refresh_request.file), rfc_expectations(refresh_request),
                              replay, refresh_request.iat * 1000);
  EXPECT_TRUE(refresh) << describe(refresh);
}

TEST(DpopKnownAnswer, Rfc9449ResourceProofAthBindsTheAccessToken) {
  const RfcProof& proof = kRfcProofs[2];
  EXPECT_EQ(access_token_hash(vector_file("rfc9449_access_token.txt")),
            "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
  MemoryReplayCache replay;
  ProofExpectations expect = rfc_expectations(proof);
  expect.access_token = "another-token";
  auto verified = verify_proof(vector_file(proof.file), expect, replay, proof.iat * 1000);
  ASSERT_FALSE(verified);
  EXPECT_EQ(verified.error().code, ErrorCode::unauthenticated);
  EXPECT_EQ(verified.error().field, "dpop.ath");
}

TEST(DpopKnownAnswer, Rfc7638Thumbprint) {
  auto key = Jwk::parse(vector_file("rfc7638_3.1.jwk"), PrivateMembers::reject);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->thumbprint(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  EXPECT_EQ(key->thumbprint(), vector_file("rfc7638_3.1.thp"));
}

// --- Round trips ---

struct RoundTrip {
  const char* name;
  Algorithm alg;
  const Jwk* key;
};

TEST(DpopRoundTrip, MakeProofThenVerify) {
  const RoundTrip cases[] = {{"ES256", Algorithm::es256, &keys().p256},
                             {"EdDSA", Algorithm::eddsa, &keys().ed25519},
                             {"RS256", Algorithm::rs256, &keys().rsa},
                             {"PS256", Algorithm::ps256, &keys().rsa}};
  for (const RoundTrip& c : cases) {
    SCOPED_TRACE(c.name);
    CountingRandom random;
    const std::string uri = "https://Server.Example.com:443/v1/sessions?limit=10#top";
    auto proof =
        make_proof(*c.key, c.alg, "GET", uri, kToken, "server-nonce", kNowMs + 999, random);
    ASSERT_TRUE(proof) << proof.error().field << ": " << proof.error().message;

    auto parsed = jose::CompactJws::parse(*proof);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->typ(), "dpop+jwt");
    EXPECT_EQ(parsed->alg(), jose::to_string(c.alg));
    ASSERT_NE(parsed->jwk(), nullptr);
    EXPECT_FALSE(jose::has_private_members(*parsed->jwk()));
    const boost::json::object& claims = parsed->claims();
    EXPECT_EQ(claims.at("htm"), "GET");
    EXPECT_EQ(claims.at("htu"), "https://Server.Example.com:443/v1/sessions");
    EXPECT_EQ(claims.at("iat"), kNowMs / 1000);
    EXPECT_EQ(std::string_view(claims.at("jti").as_string()),
              b64(std::string("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b"
                              "\x0c\x0d\x0e\x0f",
                              16)));
    EXPECT_EQ(claims.at("ath"), "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
    EXPECT_EQ(claims.at("nonce"), "server-nonce");

    ProofExpectations expect;
    expect.method = "GET";
    expect.target_uri = "https://server.example.com/v1/sessions?limit=20";
    expect.algorithms = {c.alg};
    expect.access_token = std::string(kToken);
    expect.nonce = "server-nonce";
    expect.expected_jkt = c.key->thumbprint();
    MemoryReplayCache replay;
    auto verified = verify_proof(*proof, expect, replay, kNowMs + 2'000);
    ASSERT_TRUE(verified) << describe(verified);
    EXPECT_EQ(verified->jkt, c.key->thumbprint());
    EXPECT_EQ(verified->alg, c.alg);
    EXPECT_EQ(verified->iat_ms, kNowMs);
    EXPECT_EQ(verified->jti, std::string_view(claims.at("jti").as_string()));
    EXPECT_FALSE(verified->key.is_private());
    // The returned key verifies what the private key signs (RFC 9421 signatures reuse it).
    auto signature = jose::create_signature(c.alg, *c.key, "signature base");
    ASSERT_TRUE(signature);
    EXPECT_TRUE(jose::verify_signature(c.alg, verified->key, "signature base", *signature));
  }
}

TEST(DpopRoundTrip, WithoutTokenOrNonceTheClaimsAreAbsent) {
  CountingRandom random;
  auto proof = make_proof(keys().p256, Algorithm::es256, "POST", kTarget, std::nullopt,
                          std::nullopt, kNowMs, random);
  ASSERT_TRUE(proof);
  auto parsed = jose::CompactJws::parse(*proof);
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(parsed->claims().contains("ath"));
  EXPECT_FALSE(parsed->claims().contains("nonce"));
  MemoryReplayCache replay;
  EXPECT_TRUE(verify_proof(*proof, token_endpoint(), replay, kNowMs));
  // Every proof gets a fresh jti.
  auto second = make_proof(keys().p256, Algorithm::es256, "POST", kTarget, std::nullopt,
                           std::nullopt, kNowMs, random);
  ASSERT_TRUE(second);
  EXPECT_TRUE(verify_proof(*second, token_endpoint(), replay, kNowMs));
}

TEST(DpopRoundTrip, NonceFromTheIssuer) {
  const NonceIssuer issuer(std::string(32, 'n'), 300'000);
  ProofExpectations expect = token_endpoint();
  expect.nonce_issuer = &issuer;
  CountingRandom random;
  MemoryReplayCache replay;

  auto without = make_proof(keys().p256, Algorithm::es256, "POST", kTarget, std::nullopt,
                            std::nullopt, kNowMs, random);
  ASSERT_TRUE(without);
  auto refused = verify_proof(*without, expect, replay, kNowMs);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(is_nonce_error(refused.error()));

  const std::string nonce = issuer.issue(kNowMs);
  auto with = make_proof(keys().p256, Algorithm::es256, "POST", kTarget, std::nullopt, nonce,
                         kNowMs + 1'000, random);
  ASSERT_TRUE(with);
  EXPECT_TRUE(verify_proof(*with, expect, replay, kNowMs + 1'000));

  auto late = make_proof(keys().p256, Algorithm::es256, "POST", kTarget, std::nullopt, nonce,
                         kNowMs + 300'000, random);
  ASSERT_TRUE(late);
  auto expired = verify_proof(*late, expect, replay, kNowMs + 300'000);
  ASSERT_FALSE(expired);
  EXPECT_TRUE(is_nonce_error(expired.error()));
}

struct MakeError {
  const char* name;
  const Jwk* key;
  Algorithm alg;
  std::string_view method;
  std::string_view target;
  ErrorCode code;
  const char* field;
};

TEST(DpopMakeProof, RefusesWhatCannotMakeAValidProof) {
  const Jwk public_p256 = must(keys().p256.public_key());
  const MakeError cases[] = {
      {"HS256", &keys().secret, Algorithm::hs256, "POST", kTarget, ErrorCode::invalid_value, "alg"},
      {"public key", &public_p256, Algorithm::es256, "POST", kTarget, ErrorCode::invalid_value,
       "key"},
      {"key unfit for alg", &keys().ed25519, Algorithm::es256, "POST", kTarget,
       ErrorCode::invalid_value, "key"},
      {"empty method", &keys().p256, Algorithm::es256, "", kTarget, ErrorCode::invalid_value,
       "method"},
      {"relative target", &keys().p256, Algorithm::es256, "POST", "/token",
       ErrorCode::invalid_value, "target_uri"},
  };
  for (const MakeError& c : cases) {
    SCOPED_TRACE(c.name);
    CountingRandom random;
    auto proof =
        make_proof(*c.key, c.alg, c.method, c.target, std::nullopt, std::nullopt, kNowMs, random);
    ASSERT_FALSE(proof);
    EXPECT_EQ(proof.error().code, c.code);
    EXPECT_EQ(proof.error().field, c.field);
  }
}

// --- Replay cache behaviour ---

TEST(DpopReplay, ABrokenCacheRefusesTheProof) {
  BrokenReplayCache replay;
  auto verified = verify_proof(Parts::good().sign(), token_endpoint(), replay, kNowMs);
  ASSERT_FALSE(verified);
  EXPECT_EQ(verified.error().code, ErrorCode::unavailable);
  EXPECT_EQ(verified.error().field, "dpop.jti");
}

TEST(DpopReplay, TheSameJtiUnderAnotherKeyIsNotAReplay) {
  MemoryReplayCache replay;
  ASSERT_TRUE(verify_proof(Parts::good("shared").sign(), token_endpoint(), replay, kNowMs));
  Parts other = Parts::good("shared");
  other.header["jwk"] = public_jwk(keys().p256_other);
  other.signer = &keys().p256_other;
  EXPECT_TRUE(verify_proof(other.sign(), token_endpoint(), replay, kNowMs));
}

TEST(DpopReplay, RememberedUntilTheIatCheckWouldRefuse) {
  MemoryReplayCache replay;
  const std::string proof = Parts::good().sign();
  ASSERT_TRUE(verify_proof(proof, token_endpoint(), replay, kNowMs));
  auto at_window_end = verify_proof(proof, token_endpoint(), replay, kNowMs + 60'000);
  ASSERT_FALSE(at_window_end);
  EXPECT_EQ(at_window_end.error().field, "dpop.jti");
  auto after = verify_proof(proof, token_endpoint(), replay, kNowMs + 60'001);
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().field, "dpop.iat");
}

TEST(DpopExpectations, BadTargetUriIsTheCallersError) {
  MemoryReplayCache replay;
  ProofExpectations expect = token_endpoint();
  expect.target_uri = "/token";
  auto verified = verify_proof(Parts::good().sign(), expect, replay, kNowMs);
  ASSERT_FALSE(verified);
  EXPECT_EQ(verified.error().code, ErrorCode::invalid_value);
  EXPECT_EQ(verified.error().field, "target_uri");
}

// --- Table: proofs that must pass ---

struct GoodRow {
  std::string name;
  std::function<void(Parts&)> change;
  std::function<void(ProofExpectations&)> expect;
};

std::vector<GoodRow> good_rows() {
  auto htu = [](std::string value) {
    return [value](Parts& parts) { parts.claims["htu"] = value; };
  };
  auto none = [](ProofExpectations&) {};
  return {
      {"as_built", [](Parts&) {}, none},
      {"htu_query_differs", htu("https://server.example.com/token?a=1"),
       [](ProofExpectations& e) { e.target_uri = "https://server.example.com/token?b=2"; }},
      {"htu_fragment", htu("https://server.example.com/token#f"), none},
      {"htu_case_port_percent", htu("HTTPS://SERVER.example.COM:443/%74oken"), none},
      {"htu_dot_segments", htu("https://server.example.com/v1/../token"), none},
      {"iat_oldest_accepted", [](Parts& p) { p.claims["iat"] = (kNowMs - 60'000) / 1000; }, none},
      {"iat_latest_accepted", [](Parts& p) { p.claims["iat"] = (kNowMs + 5'000) / 1000; }, none},
      {"iat_fractional",
       [](Parts& p) { p.claims["iat"] = static_cast<double>(kNowMs + 500) / 1000.0; }, none},
      {"ath_not_required", [](Parts& p) { p.claims["ath"] = "whatever"; }, none},
      {"nonce_matches", [](Parts& p) { p.claims["nonce"] = "n-1"; },
       [](ProofExpectations& e) { e.nonce = "n-1"; }},
      {"ath_matches", [](Parts& p) { p.claims["ath"] = access_token_hash(kToken); },
       [](ProofExpectations& e) { e.access_token = std::string(kToken); }},
      {"expected_jkt_matches", [](Parts&) {},
       [](ProofExpectations& e) { e.expected_jkt = keys().p256.thumbprint(); }},
      {"jti_256_octets", [](Parts& p) { p.claims["jti"] = std::string(256, 'j'); }, none},
      {"eddsa",
       [](Parts& p) {
         p.header["jwk"] = public_jwk(keys().ed25519);
         p.signer = &keys().ed25519;
         p.alg = Algorithm::eddsa;
       },
       none},
  };
}

class DpopGoodProof : public ::testing::TestWithParam<GoodRow> {};

TEST_P(DpopGoodProof, Verifies) {
  const GoodRow& row = GetParam();
  Parts parts = Parts::good();
  row.change(parts);
  ProofExpectations expect = token_endpoint();
  row.expect(expect);
  MemoryReplayCache replay;
  auto verified = verify_proof(parts.sign(), expect, replay, kNowMs);
  EXPECT_TRUE(verified) << describe(verified);
}

INSTANTIATE_TEST_SUITE_P(Table, DpopGoodProof, ::testing::ValuesIn(good_rows()),
                         [](const auto& row_info) { return row_info.param.name; });

// --- Table: proofs that must fail, each at its own field ---

struct BadRow {
  std::string name;
  /// The DPoP header value.
  std::function<std::string()> proof;
  std::function<void(ProofExpectations&)> expect;
  std::string field;
  /// Verify once (successfully) before the checked attempt.
  bool spend_first = false;
};

std::string with(const std::function<void(Parts&)>& change) {
  Parts parts = Parts::good();
  change(parts);
  return parts.sign();
}

std::vector<BadRow> bad_rows() {
  auto none = [](ProofExpectations&) {};
  auto claim = [](std::string name, auto value) {
    return [name, value] { return with([&](Parts& p) { p.claims[name] = value; }); };
  };
  auto drop = [](std::string name) {
    return [name] { return with([&](Parts& p) { p.claims.erase(name); }); };
  };
  return {
      {"typ_jwt", [] { return with([](Parts& p) { p.header["typ"] = "JWT"; }); }, none,
       "dpop.header.typ"},
      {"typ_missing", [] { return with([](Parts& p) { p.header.erase("typ"); }); }, none,
       "dpop.header.typ"},
      {"typ_case", [] { return with([](Parts& p) { p.header["typ"] = "DPoP+JWT"; }); }, none,
       "dpop.header.typ"},
      {"alg_none",
       [] {
         Parts p = Parts::good();
         p.header["alg"] = "none";
         return b64(boost::json::serialize(p.header)) + "." +
                b64(boost::json::serialize(p.claims)) + ".";
       },
       none, "dpop.header.alg"},
      {"alg_hs256_even_if_listed",
       [] {
         return with([](Parts& p) {
           p.signer = &keys().secret;
           p.alg = Algorithm::hs256;
         });
       },
       [](ProofExpectations& e) { e.algorithms.insert(Algorithm::hs256); }, "dpop.header.alg"},
      {"alg_not_allowed",
       [] {
         return with([](Parts& p) {
           p.header["jwk"] = public_jwk(keys().p384);
           p.signer = &keys().p384;
           p.alg = Algorithm::es384;
         });
       },
       none, "dpop.header.alg"},
      {"alg_empty_allowlist", [] { return Parts::good().sign(); },
       [](ProofExpectations& e) { e.algorithms = {}; }, "dpop.header.alg"},
      {"jwk_missing", [] { return with([](Parts& p) { p.header.erase("jwk"); }); }, none,
       "dpop.jwk"},
      {"jwk_private_d",
       [] {
         return with(
             [](Parts& p) { p.header["jwk"] = keys().p256.to_json(PrivateMembers::allow); });
       },
       none, "dpop.jwk"},
      {"jwk_symmetric_k",
       [] {
         return with(
             [](Parts& p) { p.header["jwk"] = keys().secret.to_json(PrivateMembers::allow); });
       },
       none, "dpop.jwk"},
      {"jwk_unknown_kty",
       [] { return with([](Parts& p) {
              p.header["jwk"] = boost::json::object{{"kty", "XYZ"}};
            }); },
       none, "dpop.jwk.kty"},
      {"jwk_unfit_for_alg",
       [] { return with([](Parts& p) { p.header["jwk"] = public_jwk(keys().ed25519); }); }, none,
       "dpop.jwk"},
      {"signature_other_key", [] { return with([](Parts& p) { p.signer = &keys().p256_other; }); },
       none, "dpop.signature"},
      {"signature_tampered",
       [] {
         std::string token = Parts::good().sign();
         token[token.size() - 5] = token[token.size() - 5] == 'A' ? 'B' : 'A';
         return token;
       },
       none, "dpop.signature"},
      {"htm_mismatch", claim("htm", "GET"), none, "dpop.htm"},
      {"htm_case", claim("htm", "post"), none, "dpop.htm"},
      {"htm_missing", drop("htm"), none, "dpop.htm"},
      {"htm_not_string", claim("htm", 1), none, "dpop.htm"},
      {"htu_other_host", claim("htu", "https://evil.example.com/token"), none, "dpop.htu"},
      {"htu_other_path", claim("htu", "https://server.example.com/authorize"), none, "dpop.htu"},
      {"htu_other_scheme", claim("htu", "http://server.example.com/token"), none, "dpop.htu"},
      {"htu_other_port", claim("htu", "https://server.example.com:8443/token"), none, "dpop.htu"},
      {"htu_path_case", claim("htu", "https://server.example.com/TOKEN"), none, "dpop.htu"},
      {"htu_relative", claim("htu", "/token"), none, "dpop.htu"},
      {"htu_missing", drop("htu"), none, "dpop.htu"},
      {"iat_too_old", claim("iat", (kNowMs - 61'000) / 1000), none, "dpop.iat"},
      {"iat_future", claim("iat", (kNowMs + 6'000) / 1000), none, "dpop.iat"},
      {"iat_string", claim("iat", std::to_string(kNowMs / 1000)), none, "dpop.iat"},
      {"iat_missing", drop("iat"), none, "dpop.iat"},
      {"iat_negative", claim("iat", -1), none, "dpop.iat"},
      {"iat_huge", claim("iat", 1e300), none, "dpop.iat"},
      {"jti_missing", drop("jti"), none, "dpop.jti"},
      {"jti_empty", claim("jti", ""), none, "dpop.jti"},
      {"jti_too_long", claim("jti", std::string(257, 'j')), none, "dpop.jti"},
      {"jti_number", claim("jti", 7), none, "dpop.jti"},
      {"jti_replayed", [] { return Parts::good().sign(); }, none, "dpop.jti", true},
      {"ath_missing", [] { return Parts::good().sign(); },
       [](ProofExpectations& e) { e.access_token = std::string(kToken); }, "dpop.ath"},
      {"ath_wrong", claim("ath", access_token_hash("another token")),
       [](ProofExpectations& e) { e.access_token = std::string(kToken); }, "dpop.ath"},
      {"nonce_missing", [] { return Parts::good().sign(); },
       [](ProofExpectations& e) { e.nonce = "n-1"; }, "dpop.nonce"},
      {"nonce_wrong", claim("nonce", "n-0"), [](ProofExpectations& e) { e.nonce = "n-1"; },
       "dpop.nonce"},
      {"nonce_not_string", claim("nonce", 1), [](ProofExpectations& e) { e.nonce = "n-1"; },
       "dpop.nonce"},
      {"expected_jkt_mismatch", [] { return Parts::good().sign(); },
       [](ProofExpectations& e) { e.expected_jkt = keys().p256_other.thumbprint(); }, "dpop.jkt"},
      {"oversized", claim("pad", std::string(kMaxProofBytes, 'p')), none, "dpop"},
      {"two_proofs_comma", [] { return Parts::good("a").sign() + "," + Parts::good("b").sign(); },
       none, "dpop"},
      {"two_proofs_comma_space",
       [] { return Parts::good("a").sign() + ", " + Parts::good("b").sign(); }, none, "dpop"},
      {"two_proofs_space", [] { return Parts::good("a").sign() + " " + Parts::good("b").sign(); },
       none, "dpop"},
      {"trailing_newline", [] { return Parts::good().sign() + "\n"; }, none, "dpop"},
      {"empty", [] { return std::string(); }, none, "dpop"},
      {"not_a_jws", [] { return std::string("not-a-proof"); }, none, "dpop"},
      {"bearer_token_instead", [] { return std::string(kToken); }, none, "dpop"},
      {"payload_not_json",
       [] {
         Parts p = Parts::good();
         auto token = jose::sign_compact(Algorithm::es256, keys().p256, p.header, "not json");
         return token ? *token : std::string();
       },
       none, "dpop.payload"},
      {"payload_json_array",
       [] {
         Parts p = Parts::good();
         auto token = jose::sign_compact(Algorithm::es256, keys().p256, p.header, "[1,2]");
         return token ? *token : std::string();
       },
       none, "dpop.payload"},
  };
}

class DpopBadProof : public ::testing::TestWithParam<BadRow> {};

TEST_P(DpopBadProof, IsRefusedAtItsField) {
  const BadRow& row = GetParam();
  ProofExpectations expect = token_endpoint();
  row.expect(expect);
  MemoryReplayCache replay;
  const std::string proof = row.proof();
  if (row.spend_first) {
    auto first = verify_proof(proof, expect, replay, kNowMs);
    ASSERT_TRUE(first) << describe(first);
  }
  auto verified = verify_proof(proof, expect, replay, kNowMs);
  ASSERT_FALSE(verified) << "accepted";
  EXPECT_EQ(verified.error().code, ErrorCode::unauthenticated) << verified.error().message;
  EXPECT_EQ(verified.error().field, row.field) << verified.error().message;
  EXPECT_EQ(is_nonce_error(verified.error()), row.field == "dpop.nonce");
  EXPECT_FALSE(verified.error().message.empty());
}

INSTANTIATE_TEST_SUITE_P(Table, DpopBadProof, ::testing::ValuesIn(bad_rows()),
                         [](const auto& row_info) { return row_info.param.name; });

}  // namespace
}  // namespace peerapi::auth::dpop
