#include "auth/tokens/access_token.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "auth/jose/jws.hpp"
#include "support/test_support.hpp"
#include "util/crypto.hpp"

namespace peerapi::auth {
namespace {

using jose::Algorithm;
using jose::AlgorithmSet;
using jose::Curve;
using jose::Jwk;
using jose::JwkSet;
namespace json = boost::json;

constexpr std::int64_t kNowMs = 1'750'000'000'000;
constexpr std::int64_t kNow = kNowMs / 1000;
constexpr const char* kIssuerA = "https://idp.example.net";
constexpr const char* kIssuerB = "https://login.example.org/realms/noc";
constexpr const char* kAudience = "https://peering.example.net";

Jwk generated(Result<Jwk> key, const char* kid) {
  if (!key)
    std::abort();
  return key->with_kid(kid);
}

/// Signing keys, generated once: issuer A signs with ES256, EdDSA, RS256 and PS256; a-es-2 is
/// A's next key, not yet in its published set; issuer B signs with EdDSA and ES256.
struct Keys {
  Jwk a_es = generated(Jwk::generate(Curve::p256), "a-es-1");
  Jwk a_ed = generated(Jwk::generate(Curve::ed25519), "a-ed-1");
  Jwk a_rs = generated(Jwk::generate_rsa(2048), "a-rs-1");
  Jwk a_es_next = generated(Jwk::generate(Curve::p256), "a-es-2");
  Jwk b_ed = generated(Jwk::generate(Curve::ed25519), "b-ed-1");
  Jwk b_es = generated(Jwk::generate(Curve::p256), "b-es-1");
};

const Keys& keys() {
  static const Keys k;
  return k;
}

std::shared_ptr<const JwkSet> public_set(std::initializer_list<const Jwk*> private_keys) {
  std::vector<Jwk> public_keys;
  for (const Jwk* key : private_keys) {
    auto public_key = key->public_key();
    if (!public_key)
      std::abort();
    public_keys.push_back(std::move(*public_key));
  }
  return std::make_shared<const JwkSet>(std::move(public_keys));
}

/// A KeySource that records every request and, once asked about an unknown kid, serves the
/// rotated set if it has one.
class RecordingKeySource final : public KeySource {
 public:
  explicit RecordingKeySource(std::shared_ptr<const JwkSet> current,
                              std::shared_ptr<const JwkSet> rotated = nullptr)
      : current_(std::move(current)), rotated_(std::move(rotated)) {}
  Result<std::shared_ptr<const JwkSet>> keys(std::string_view unknown_kid) override {
    const std::lock_guard lock(mutex_);
    asked_.emplace_back(unknown_kid);
    if (!unknown_kid.empty() && rotated_)
      current_ = rotated_;
    return current_;
  }
  std::vector<std::string> asked() const {
    const std::lock_guard lock(mutex_);
    return asked_;
  }
  std::size_t calls() const { return asked().size(); }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const JwkSet> current_;
  std::shared_ptr<const JwkSet> rotated_;
  std::vector<std::string> asked_;
};

class FailingKeySource final : public KeySource {
 public:
  Result<std::shared_ptr<const JwkSet>> keys(std::string_view /*unknown_kid*/) override {
    return fail(ErrorCode::io_error, "jwks_uri", "GET https://idp.example.net/jwks: timed out");
  }
};

json::object claims_a() {
  return {{"iss", kIssuerA},
          {"aud", kAudience},
          {"sub", "noc-4711"},
          {"client_id", "peerapi-cli"},
          {"jti", "3c0e6b1e-5f7a-4c2d-9d6e-1b2a3c4d5e6f"},
          {"iat", kNow - 60},
          {"exp", kNow + 3600},
          {"networks", json::array{json::object{{"asn", 64501}, {"perms", 15}},
                                   json::object{{"asn", 64502}, {"perms", 1}},
                                   json::object{{"asn", 65536}, {"perms", 31}}}}};
}

json::object claims_b() {
  return {{"iss", kIssuerB},        {"aud", json::array{"https://other.example.org", kAudience}},
          {"sub", "f3a1c2d4-user"}, {"iat", kNow - 10},
          {"exp", kNow + 300},      {"asns", json::array{64510, "AS65540"}}};
}

/// What to sign: by default a valid ES256 token of issuer A.
struct Spec {
  Algorithm alg = Algorithm::es256;
  const Jwk* key = &keys().a_es;
  json::object header{{"typ", "at+jwt"}, {"kid", "a-es-1"}};
  json::object claims = claims_a();
};

std::string sign(const Spec& spec) {
  auto token = jose::sign_jwt(spec.alg, *spec.key, spec.header, spec.claims);
  if (!token)
    std::abort();
  return *token;
}

std::function<std::string()> signed_with(std::function<void(Spec&)> edit) {
  return [edit] {
    Spec spec;
    edit(spec);
    return sign(spec);
  };
}

std::function<std::string()> with_claims(std::function<void(json::object&)> edit) {
  return signed_with([edit](Spec& spec) { edit(spec.claims); });
}

/// A token of issuer B signed with B's Ed25519 key.
std::function<std::string()> issuer_b(std::function<void(Spec&)> edit = [](Spec&) {}) {
  return signed_with([edit](Spec& spec) {
    spec.alg = Algorithm::eddsa;
    spec.key = &keys().b_ed;
    spec.header = {{"typ", "at+jwt"}, {"kid", "b-ed-1"}};
    spec.claims = claims_b();
    edit(spec);
  });
}

std::string b64(std::string_view text) {
  return util::base64url_encode(text);
}

std::string unsecured_token() {
  return b64(R"({"alg":"none","typ":"at+jwt"})") + "." + b64(json::serialize(claims_a())) + ".";
}

/// HS256 "signed" with the RSA public key (its SPKI PEM text) as the HMAC secret: the classic
/// algorithm-confusion attack (RFC 8725 section 2.1).
std::string hmac_with_rsa_public_key(bool with_kid) {
  auto public_key = keys().a_rs.public_key();
  auto pem = public_key->to_pem(jose::PrivateMembers::reject);
  if (!pem)
    std::abort();
  json::object header{{"alg", "HS256"}, {"typ", "at+jwt"}};
  if (with_kid)
    header["kid"] = "a-rs-1";
  const std::string input = b64(json::serialize(header)) + "." + b64(json::serialize(claims_a()));
  return input + "." + b64(util::hmac_sha256(*pem, input));
}

std::string replace_payload(const std::string& token, const json::object& claims) {
  const std::size_t first = token.find('.');
  const std::size_t second = token.find('.', first + 1);
  return token.substr(0, first + 1) + b64(json::serialize(claims)) + token.substr(second);
}

IssuerPolicy policy_a(std::shared_ptr<KeySource> source = nullptr) {
  IssuerPolicy policy;
  policy.issuer = kIssuerA;
  policy.audience = kAudience;
  policy.algorithms = {Algorithm::es256, Algorithm::eddsa, Algorithm::rs256, Algorithm::ps256};
  policy.keys = source ? std::move(source)
                       : std::make_shared<StaticKeySource>(
                             public_set({&keys().a_es, &keys().a_ed, &keys().a_rs}));
  return policy;
}

IssuerPolicy policy_b() {
  IssuerPolicy policy;
  policy.issuer = kIssuerB;
  policy.audience = kAudience;
  policy.algorithms = {Algorithm::eddsa, Algorithm::es256};
  policy.asn_claim = "asns";
  policy.typ = IssuerPolicy::TypPolicy::at_jwt_or_jwt;
  policy.max_token_bytes = 2048;
  policy.keys = std::make_shared<StaticKeySource>(public_set({&keys().b_ed, &keys().b_es}));
  return policy;
}

CacheOptions no_cache() {
  CacheOptions options;
  options.enabled = false;
  return options;
}

struct Row {
  std::string name;
  std::function<std::string()> token;
  std::optional<std::string> field;  // nullopt: the token is valid
  std::function<void(std::vector<IssuerPolicy>&)> configure = nullptr;
  std::vector<std::uint32_t> asns = {};  // checked when the token is valid and this is not empty
};

void run(const std::vector<Row>& rows) {
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    std::vector<IssuerPolicy> issuers{policy_a(), policy_b()};
    if (row.configure)
      row.configure(issuers);
    util::ManualClock clock(kNowMs);
    AccessTokenValidator validator(std::move(issuers), clock, no_cache());
    const std::string token = row.token();
    auto result = validator.validate(token);
    if (!row.field) {
      ASSERT_TRUE(result) << result.error().field << ": " << result.error().message;
      if (!row.asns.empty()) {
        std::vector<std::uint32_t> asns;
        for (model::Asn asn : result->principal.asns)
          asns.push_back(asn.value());
        EXPECT_EQ(asns, row.asns);
      }
      continue;
    }
    ASSERT_FALSE(result) << "accepted";
    EXPECT_EQ(result.error().code, ErrorCode::unauthenticated) << to_string(result.error().code);
    EXPECT_EQ(result.error().field, *row.field) << result.error().message;
    EXPECT_FALSE(result.error().message.empty());
    if (token.size() >= 16) {
      EXPECT_EQ(result.error().message.find(token), std::string::npos);
      EXPECT_EQ(result.error().message.find(token.substr(token.size() - 16)), std::string::npos)
          << "the message quotes the signature: " << result.error().message;
    }
  }
}

void add_hs256_to_a(std::vector<IssuerPolicy>& issuers) {
  issuers[0].algorithms.insert(Algorithm::hs256);
}

TEST(AccessTokenValidator, AlgorithmsAndKeys) {
  run({
      {"ES256", signed_with([](Spec&) {}), std::nullopt, nullptr, {64501, 65536}},
      {"EdDSA", signed_with([](Spec& s) {
         s.alg = Algorithm::eddsa;
         s.key = &keys().a_ed;
         s.header["kid"] = "a-ed-1";
       }),
       std::nullopt},
      {"RS256", signed_with([](Spec& s) {
         s.alg = Algorithm::rs256;
         s.key = &keys().a_rs;
         s.header["kid"] = "a-rs-1";
       }),
       std::nullopt},
      {"PS256", signed_with([](Spec& s) {
         s.alg = Algorithm::ps256;
         s.key = &keys().a_rs;
         s.header["kid"] = "a-rs-1";
       }),
       std::nullopt},
      {"no kid: the issuer's keys are tried", signed_with([](Spec& s) { s.header.erase("kid"); }),
       std::nullopt},
      {"issuer B, EdDSA", issuer_b(), std::nullopt, nullptr, {64510, 65540}},
      {"alg none", unsecured_token, "header.alg"},
      {"alg none even if the header has a kid",
       [] {
         return b64(R"({"alg":"none","typ":"at+jwt","kid":"a-es-1"})") + "." +
                b64(json::serialize(claims_a())) + ".";
       },
       "header.alg"},
      {"HS256 with the RSA public key as secret, HS256 not allowed",
       [] { return hmac_with_rsa_public_key(true); }, "header.alg"},
      {"HS256 with the RSA public key as secret, HS256 allowed: the key is unfit",
       [] { return hmac_with_rsa_public_key(true); }, "key", add_hs256_to_a},
      {"HS256 with the RSA public key as secret, no kid, HS256 allowed",
       [] { return hmac_with_rsa_public_key(false); }, "key", add_hs256_to_a},
      {"unknown kid", signed_with([](Spec& s) { s.header["kid"] = "a-es-9"; }), "header.kid"},
      {"alg allowed for issuer A but not for issuer B", issuer_b([](Spec& s) {
         s.alg = Algorithm::rs256;
         s.key = &keys().a_rs;
         s.header["kid"] = "a-rs-1";
       }),
       "header.alg"},
      {"signed with issuer A's key, claims issuer B (A's kid)", issuer_b([](Spec& s) {
         s.alg = Algorithm::es256;
         s.key = &keys().a_es;
         s.header["kid"] = "a-es-1";
       }),
       "header.kid"},
      {"signed with issuer A's key, claims issuer B (B's kid)", issuer_b([](Spec& s) {
         s.alg = Algorithm::es256;
         s.key = &keys().a_es;
         s.header["kid"] = "b-es-1";
       }),
       "signature"},
      {"signed with issuer A's key, claims issuer B (no kid)", issuer_b([](Spec& s) {
         s.alg = Algorithm::es256;
         s.key = &keys().a_es;
         s.header.erase("kid");
       }),
       "signature"},
      {"issuer with no algorithm configured", signed_with([](Spec&) {}), "header.alg",
       [](std::vector<IssuerPolicy>& issuers) { issuers[0].algorithms = AlgorithmSet{}; }},
      {"key source failing", signed_with([](Spec&) {}), "key",
       [](std::vector<IssuerPolicy>& issuers) {
         issuers[0].keys = std::make_shared<FailingKeySource>();
       }},
      {"issuer without a key source", signed_with([](Spec&) {}), "key",
       [](std::vector<IssuerPolicy>& issuers) { issuers[0].keys = nullptr; }},
  });
}

TEST(AccessTokenValidator, StructureAndSize) {
  run({
      {"empty", [] { return std::string(); }, "token"},
      {"not a JWS", [] { return std::string("2YotnFZFEjr1zCsicMWpAA"); }, "token"},
      {"four segments", [] { return sign(Spec{}) + ".e30"; }, "token"},
      {"truncated signature",
       [] {
         const std::string token = sign(Spec{});
         return token.substr(0, token.size() - 10);
       },
       "signature"},
      {"truncated to header and payload",
       [] {
         const std::string token = sign(Spec{});
         return token.substr(0, token.rfind('.'));
       },
       "token"},
      {"empty signature",
       [] {
         const std::string token = sign(Spec{});
         return token.substr(0, token.rfind('.') + 1);
       },
       "signature"},
      {"tampered payload: networks",
       [] {
         json::object claims = claims_a();
         claims["networks"] = json::array{json::object{{"asn", 64503}, {"perms", 15}}};
         return replace_payload(sign(Spec{}), claims);
       },
       "signature"},
      {"tampered payload: exp",
       [] {
         json::object claims = claims_a();
         claims["exp"] = kNow + 7200;
         return replace_payload(sign(Spec{}), claims);
       },
       "signature"},
      {"payload not JSON", [] { return b64(R"({"alg":"ES256"})") + "." + b64("{") + ".AAAA"; },
       "token"},
      {"payload a JSON array", [] { return b64(R"({"alg":"ES256"})") + "." + b64("[]") + ".AAAA"; },
       "token"},
      {"header not base64url", [] { return "e30=." + b64("{}") + ".AAAA"; }, "header"},
      {"crit header", signed_with([](Spec& s) { s.header["crit"] = json::array{"exp"}; }),
       "header.crit"},
      {"oversized token",
       with_claims([](json::object& c) { c["padding"] = std::string(9000, 'x'); }), "token"},
      {"above issuer B's own limit, below the largest",
       issuer_b([](Spec& s) { s.claims["padding"] = std::string(2500, 'x'); }), "token"},
      {"just below issuer A's limit",
       with_claims([](json::object& c) { c["padding"] = std::string(5500, 'x'); }), std::nullopt},
  });
}

TEST(AccessTokenValidator, Typ) {
  const auto typ = [](const char* value) {
    return signed_with([value](Spec& s) { s.header["typ"] = value; });
  };
  const auto typ_b = [](const char* value) {
    return issuer_b([value](Spec& s) { s.header["typ"] = value; });
  };
  run({
      {"at+jwt", typ("at+jwt"), std::nullopt},
      {"application/at+jwt", typ("application/at+jwt"), std::nullopt},
      {"case-insensitive", typ("Application/AT+JWT"), std::nullopt},
      {"JWT under at_jwt_only", typ("JWT"), "token.typ"},
      {"absent under at_jwt_only", signed_with([](Spec& s) { s.header.erase("typ"); }),
       "token.typ"},
      {"empty under at_jwt_only", typ(""), "token.typ"},
      {"a DPoP proof is not an access token", typ("dpop+jwt"), "token.typ"},
      {"prefix only", typ("application/"), "token.typ"},
      {"JWT under at_jwt_or_jwt", typ_b("JWT"), std::nullopt},
      {"application/jwt under at_jwt_or_jwt", typ_b("application/jwt"), std::nullopt},
      {"absent under at_jwt_or_jwt", issuer_b([](Spec& s) { s.header.erase("typ"); }),
       std::nullopt},
      {"at+jwt under at_jwt_or_jwt", typ_b("at+jwt"), std::nullopt},
      {"secevent+jwt under at_jwt_or_jwt", typ_b("secevent+jwt"), "token.typ"},
      {"typ not a string", signed_with([](Spec& s) { s.header["typ"] = 1; }), "header.typ"},
  });
}

TEST(AccessTokenValidator, IssuerAndAudience) {
  run({
      {"wrong iss", with_claims([](json::object& c) { c["iss"] = "https://evil.example"; }),
       "token.iss"},
      {"iss with a trailing slash",
       with_claims([](json::object& c) { c["iss"] = "https://idp.example.net/"; }), "token.iss"},
      {"iss in another case",
       with_claims([](json::object& c) { c["iss"] = "https://IDP.example.net"; }), "token.iss"},
      {"iss missing", with_claims([](json::object& c) { c.erase("iss"); }), "token.iss"},
      {"iss not a string", with_claims([](json::object& c) { c["iss"] = 7; }), "token.iss"},
      {"wrong aud", with_claims([](json::object& c) { c["aud"] = "https://other.example.org"; }),
       "token.aud"},
      {"aud array containing the audience", with_claims([](json::object& c) {
         c["aud"] = json::array{"https://other.example.org", kAudience};
       }),
       std::nullopt},
      {"aud array without the audience",
       with_claims([](json::object& c) { c["aud"] = json::array{"https://other.example.org"}; }),
       "token.aud"},
      {"aud array with a non-string", with_claims([](json::object& c) {
         c["aud"] = json::array{kAudience, 5};
       }),
       "token.aud"},
      {"aud empty array", with_claims([](json::object& c) { c["aud"] = json::array{}; }),
       "token.aud"},
      {"aud missing", with_claims([](json::object& c) { c.erase("aud"); }), "token.aud"},
      {"aud a number", with_claims([](json::object& c) { c["aud"] = 5; }), "token.aud"},
      {"aud prefix of the audience",
       with_claims([](json::object& c) { c["aud"] = "https://peering.example"; }), "token.aud"},
  });
}

TEST(AccessTokenValidator, Times) {
  const auto at = [](const char* name, json::value value) {
    return with_claims([name, value](json::object& c) { c[name] = value; });
  };
  const auto no_leeway = [](std::vector<IssuerPolicy>& issuers) { issuers[0].leeway_ms = 0; };
  run({
      {"expired", at("exp", kNow - 120), "token.exp"},
      {"expired within leeway", at("exp", kNow - 30), std::nullopt},
      {"expired by one second without leeway", at("exp", kNow - 1), "token.exp", no_leeway},
      {"expires now without leeway", at("exp", kNow), "token.exp", no_leeway},
      {"exp missing", with_claims([](json::object& c) { c.erase("exp"); }), "token.exp"},
      {"exp a string", at("exp", "2030-01-01T00:00:00Z"), "token.exp"},
      {"exp null", at("exp", nullptr), "token.exp"},
      {"exp negative", at("exp", -1), "token.exp"},
      {"exp after year 9999", at("exp", 253402300800), "token.exp"},
      {"exp huge double", at("exp", 1e300), "token.exp"},
      {"exp above int64", at("exp", std::numeric_limits<std::uint64_t>::max()), "token.exp"},
      {"exp fractional", at("exp", static_cast<double>(kNow) + 3600.5), std::nullopt},
      {"not yet valid (nbf)", at("nbf", kNow + 300), "token.nbf"},
      {"nbf within leeway", at("nbf", kNow + 30), std::nullopt},
      {"nbf in the past", at("nbf", kNow - 60), std::nullopt},
      {"nbf a string", at("nbf", "soon"), "token.nbf"},
      {"iat in the future", at("iat", kNow + 300), "token.iat"},
      {"iat within leeway", at("iat", kNow + 30), std::nullopt},
      {"iat a boolean", at("iat", true), "token.iat"},
      {"lifetime above 24 h", with_claims([](json::object& c) {
         c["iat"] = kNow - 60;
         c["exp"] = kNow - 60 + 24 * 3600 + 1;
       }),
       "token.exp"},
      {"lifetime exactly 24 h", with_claims([](json::object& c) {
         c["iat"] = kNow - 60;
         c["exp"] = kNow - 60 + 24 * 3600;
       }),
       std::nullopt},
      {"no iat, exp more than 24 h ahead", with_claims([](json::object& c) {
         c.erase("iat");
         c["exp"] = kNow + 25 * 3600;
       }),
       "token.exp"},
      {"no iat, exp an hour ahead", with_claims([](json::object& c) { c.erase("iat"); }),
       std::nullopt},
  });
}

TEST(AccessTokenValidator, Networks) {
  const auto networks = [](json::value value) {
    return with_claims([value](json::object& c) { c["networks"] = value; });
  };
  const auto entry = [](json::value asn, json::value perms) {
    return json::object{{"asn", asn}, {"perms", perms}};
  };
  run({
      {"claim missing", with_claims([](json::object& c) { c.erase("networks"); }),
       "token.networks"},
      {"claim an object", networks(entry(64501, 15)), "token.networks"},
      {"claim a string", networks("AS64501"), "token.networks"},
      {"empty array", networks(json::array{}), "token.networks"},
      {"perms too low", networks(json::array{entry(64501, 1), entry(64502, 7)}), "token.networks"},
      {"perms exactly min_perms",
       networks(json::array{entry(64501, 15)}),
       std::nullopt,
       nullptr,
       {64501}},
      {"only entries with enough perms count",
       networks(json::array{entry(64502, 14), entry(64501, 15), entry(65551, 255)}),
       std::nullopt,
       nullptr,
       {64501, 65551}},
      {"lower min_perms",
       networks(json::array{entry(64502, 1), entry(64503, 2)}),
       std::nullopt,
       [](std::vector<IssuerPolicy>& issuers) { issuers[0].min_perms = 1; },
       {64502}},
      {"perms missing", networks(json::array{json::object{{"asn", 64501}}}),
       "token.networks[0].perms"},
      {"perms a string", networks(json::array{entry(64501, "15")}), "token.networks[0].perms"},
      {"perms negative", networks(json::array{entry(64501, -1)}), "token.networks[0].perms"},
      {"asn missing", networks(json::array{json::object{{"perms", 15}}}), "token.networks[0].asn"},
      {"entry asn 0", networks(json::array{entry(0, 15)}), "token.networks[0].asn"},
      {"invalid entry fails even with low perms",
       networks(json::array{entry(64501, 15), entry(23456, 0)}), "token.networks[1].asn"},
      {"entry asn as AS-string",
       networks(json::array{entry("AS64501", 15)}),
       std::nullopt,
       nullptr,
       {64501}},
      {"plain list", networks(json::array{64501, 65536}), std::nullopt, nullptr, {64501, 65536}},
      {"plain list of strings",
       networks(json::array{"AS64502", "64501", "as65537"}),
       std::nullopt,
       nullptr,
       {64501, 64502, 65537}},
      {"plain list with duplicates",
       networks(json::array{64501, "AS64501", 64501}),
       std::nullopt,
       nullptr,
       {64501}},
      {"plain 0", networks(json::array{0}), "token.networks[0]"},
      {"plain 23456 (AS_TRANS)", networks(json::array{23456}), "token.networks[0]"},
      {"plain reserved 64200", networks(json::array{64200}), "token.networks[0]"},
      {"plain reserved 65535", networks(json::array{65535}), "token.networks[0]"},
      {"plain reserved 4294967295", networks(json::array{4294967295LL}), "token.networks[0]"},
      {"plain above 32 bits", networks(json::array{4294967296LL}), "token.networks[0]"},
      {"plain above int64", networks(json::array{std::numeric_limits<std::uint64_t>::max()}),
       "token.networks[0]"},
      {"plain negative", networks(json::array{-64501}), "token.networks[0]"},
      {"plain fractional", networks(json::array{64501.5}), "token.networks[0]"},
      {"plain boolean", networks(json::array{true}), "token.networks[0]"},
      {"plain null", networks(json::array{nullptr}), "token.networks[0]"},
      {"plain array", networks(json::array{json::array{64501}}), "token.networks[0]"},
      {"plain word", networks(json::array{"sixty-four thousand"}), "token.networks[0]"},
      {"plain string with a leading zero", networks(json::array{"064501"}), "token.networks[0]"},
      {"plain string reserved", networks(json::array{"AS23456"}), "token.networks[0]"},
      {"second entry invalid", networks(json::array{64501, 0}), "token.networks[1]"},
      {"entries then plain", networks(json::array{entry(64501, 15), 64502}), "token.networks[1]"},
      {"plain then entries", networks(json::array{64502, entry(64501, 15)}), "token.networks[1]"},
      {"custom claim name missing", signed_with([](Spec&) {}), "token.peeringdb_networks",
       [](std::vector<IssuerPolicy>& issuers) { issuers[0].asn_claim = "peeringdb_networks"; }},
      {"issuer B's claim", issuer_b(), std::nullopt, nullptr, {64510, 65540}},
      {"issuer B's claim missing", issuer_b([](Spec& s) { s.claims.erase("asns"); }), "token.asns"},
  });
}

TEST(AccessTokenValidator, SubjectEmailAndConfirmation) {
  const std::string jkt = keys().a_ed.thumbprint();
  run({
      {"sub missing", with_claims([](json::object& c) { c.erase("sub"); }), "token.sub"},
      {"sub a number", with_claims([](json::object& c) { c["sub"] = 4711; }), "token.sub"},
      {"sub empty", with_claims([](json::object& c) { c["sub"] = ""; }), "token.sub"},
      {"email null", with_claims([](json::object& c) { c["email"] = nullptr; }), std::nullopt},
      {"email a number", with_claims([](json::object& c) { c["email"] = 1; }), "token.email"},
      {"cnf.jkt", with_claims([jkt](json::object& c) {
         c["cnf"] = {{"jkt", jkt}};
       }),
       std::nullopt},
      {"cnf.jkt a number", with_claims([](json::object& c) {
         c["cnf"] = {{"jkt", 42}};
       }),
       "token.cnf.jkt"},
      {"cnf.jkt not a SHA-256 thumbprint", with_claims([](json::object& c) {
         c["cnf"] = {{"jkt", "0ZcOCORZNYy"}};
       }),
       "token.cnf.jkt"},
      {"cnf.jkt not base64url", with_claims([](json::object& c) {
         c["cnf"] = {{"jkt", "0ZcOCORZNYy+DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}};
       }),
       "token.cnf.jkt"},
      {"cnf a string", with_claims([](json::object& c) { c["cnf"] = "jkt"; }), "token.cnf"},
      {"cnf for mutual TLS only (RFC 8705)", with_claims([](json::object& c) {
         c["cnf"] = {{"x5t#S256", "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}};
       }),
       "token.cnf"},
  });
}

TEST(AccessTokenValidator, ValidTokenYieldsPrincipalAndBinding) {
  util::ManualClock clock(kNowMs);
  AccessTokenValidator validator({policy_a(), policy_b()}, clock, no_cache());
  Spec spec;
  spec.claims["email"] = "noc@as64501.example.net";
  spec.claims["cnf"] = {{"jkt", keys().a_ed.thumbprint()}};
  const std::string token = sign(spec);
  auto validated = validator.validate(token);
  ASSERT_TRUE(validated) << validated.error().field << ": " << validated.error().message;
  EXPECT_EQ(validated->principal.subject, "noc-4711");
  EXPECT_EQ(validated->principal.issuer, kIssuerA);
  EXPECT_EQ(validated->principal.email, "noc@as64501.example.net");
  ASSERT_EQ(validated->principal.asns.size(), 2U);
  EXPECT_EQ(validated->principal.asns[0].value(), 64501U);
  EXPECT_EQ(validated->principal.asns[1].value(), 65536U);
  EXPECT_TRUE(validated->principal.may_act_for(*model::Asn::from_number(64501)));
  EXPECT_FALSE(validated->principal.may_act_for(*model::Asn::from_number(64502)));
  EXPECT_EQ(validated->cnf_jkt, keys().a_ed.thumbprint());
  EXPECT_EQ(validated->expires_at_ms, (kNow + 3600) * 1000);
  EXPECT_EQ(validated->token_hash, access_token_hash(token));

  spec.claims.erase("email");
  spec.claims.erase("cnf");
  auto bearer = validator.validate(sign(spec));
  ASSERT_TRUE(bearer);
  EXPECT_FALSE(bearer->principal.email);
  EXPECT_FALSE(bearer->cnf_jkt);
}

// RFC 9449 section 4.2: "ath" is base64url(SHA-256(ASCII(access token))); the section 7.1 example.
TEST(AccessTokenHash, Rfc9449Section7Point1) {
  std::string token = peerapi::testing::read_file(peerapi::testing::shared_dir() / "testvectors" /
                                                  "dpop" / "rfc9449_access_token.txt");
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r'))
    token.pop_back();
  ASSERT_EQ(token, "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU");
  EXPECT_EQ(access_token_hash(token), "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
}

TEST(AccessTokenValidator, UnknownKidRefreshesTheKeySourceOnceAndRetries) {
  auto source = std::make_shared<RecordingKeySource>(public_set({&keys().a_es}),
                                                     public_set({&keys().a_es_next}));
  util::ManualClock clock(kNowMs);
  AccessTokenValidator validator({policy_a(source)}, clock, no_cache());
  Spec spec;
  spec.key = &keys().a_es_next;
  spec.header["kid"] = "a-es-2";
  auto validated = validator.validate(sign(spec));
  ASSERT_TRUE(validated) << validated.error().field << ": " << validated.error().message;
  EXPECT_EQ(source->asked(), (std::vector<std::string>{"", "a-es-2"}));
  // The rotated set is now current: the next token of the new key needs no refresh.
  spec.claims["jti"] = "second";
  ASSERT_TRUE(validator.validate(sign(spec)));
  EXPECT_EQ(source->asked(), (std::vector<std::string>{"", "a-es-2", ""}));
}

TEST(AccessTokenValidator, UnknownKidStillUnknownAfterOneRefreshFails) {
  auto source = std::make_shared<RecordingKeySource>(public_set({&keys().a_es}));
  util::ManualClock clock(kNowMs);
  AccessTokenValidator validator({policy_a(source)}, clock, no_cache());
  Spec spec;
  spec.key = &keys().a_es_next;
  spec.header["kid"] = "a-es-2";
  auto validated = validator.validate(sign(spec));
  ASSERT_FALSE(validated);
  EXPECT_EQ(validated.error().code, ErrorCode::unauthenticated);
  EXPECT_EQ(validated.error().field, "header.kid");
  EXPECT_EQ(source->asked(), (std::vector<std::string>{"", "a-es-2"}));
  // A failure for another reason never triggers a refresh.
  Spec bad_signature;
  bad_signature.key = &keys().a_es_next;  // kid a-es-1, key a-es-2
  validated = validator.validate(sign(bad_signature));
  ASSERT_FALSE(validated);
  EXPECT_EQ(validated.error().field, "signature");
  EXPECT_EQ(source->asked(), (std::vector<std::string>{"", "a-es-2", ""}));
}

struct CacheFixture {
  explicit CacheFixture(CacheOptions options = {}, std::int64_t leeway_ms = 60'000)
      : source(std::make_shared<RecordingKeySource>(
            public_set({&keys().a_es, &keys().a_ed, &keys().a_rs}))),
        clock(kNowMs),
        validator(
            [&] {
              IssuerPolicy policy = policy_a(source);
              policy.leeway_ms = leeway_ms;
              return std::vector<IssuerPolicy>{policy};
            }(),
            clock, options) {}
  std::shared_ptr<RecordingKeySource> source;
  util::ManualClock clock;
  AccessTokenValidator validator;
};

std::string token_with_jti(std::string jti, std::int64_t exp = kNow + 3600) {
  Spec spec;
  spec.claims["jti"] = std::move(jti);
  spec.claims["exp"] = exp;
  return sign(spec);
}

TEST(VerifiedTokenCacheInValidator, AHitSkipsVerificationAndReturnsTheSameResult) {
  CacheFixture f;
  const std::string token = token_with_jti("a");
  auto first = f.validator.validate(token);
  ASSERT_TRUE(first);
  EXPECT_EQ(f.source->calls(), 1U);
  EXPECT_EQ(f.validator.cached_tokens(), 1U);
  auto second = f.validator.validate(token);
  ASSERT_TRUE(second);
  EXPECT_EQ(f.source->calls(), 1U) << "verified again";
  EXPECT_EQ(second->principal.subject, first->principal.subject);
  EXPECT_EQ(second->principal.asns, first->principal.asns);
  EXPECT_EQ(second->expires_at_ms, first->expires_at_ms);
  EXPECT_EQ(second->token_hash, first->token_hash);
}

TEST(VerifiedTokenCacheInValidator, ACachedTokenPastExpIsRefused) {
  CacheFixture f({}, /*leeway_ms=*/0);
  const std::string token = token_with_jti("a", kNow + 100);
  ASSERT_TRUE(f.validator.validate(token));
  f.clock.advance_ms(99'999);
  ASSERT_TRUE(f.validator.validate(token));
  EXPECT_EQ(f.source->calls(), 1U);
  f.clock.advance_ms(1);
  auto expired = f.validator.validate(token);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, ErrorCode::unauthenticated);
  EXPECT_EQ(expired.error().field, "token.exp");
}

TEST(VerifiedTokenCacheInValidator, PastExpWithinLeewayIsVerifiedAgainNotServedFromCache) {
  CacheFixture f;
  const std::string token = token_with_jti("a", kNow + 100);
  ASSERT_TRUE(f.validator.validate(token));
  f.clock.advance_ms(100'000);  // exp reached, within the 60 s leeway
  ASSERT_TRUE(f.validator.validate(token));
  ASSERT_TRUE(f.validator.validate(token));
  EXPECT_EQ(f.source->calls(), 3U);
  f.clock.advance_ms(60'000);
  auto expired = f.validator.validate(token);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().field, "token.exp");
}

TEST(VerifiedTokenCacheInValidator, EntriesLiveAtMostMaxTtl) {
  CacheOptions options;
  options.max_ttl_ms = 10'000;
  CacheFixture f(options);
  const std::string token = token_with_jti("a");
  ASSERT_TRUE(f.validator.validate(token));
  f.clock.advance_ms(9'999);
  ASSERT_TRUE(f.validator.validate(token));
  EXPECT_EQ(f.source->calls(), 1U);
  f.clock.advance_ms(1);
  ASSERT_TRUE(f.validator.validate(token));
  EXPECT_EQ(f.source->calls(), 2U);
}

TEST(VerifiedTokenCacheInValidator, FailuresAreNotCached) {
  CacheFixture f;
  json::object claims = claims_a();
  claims["sub"] = "someone-else";
  const std::string tampered = replace_payload(token_with_jti("a"), claims);
  EXPECT_FALSE(f.validator.validate(tampered));
  EXPECT_FALSE(f.validator.validate(tampered));
  EXPECT_EQ(f.source->calls(), 2U);
  EXPECT_EQ(f.validator.cached_tokens(), 0U);
}

TEST(VerifiedTokenCacheInValidator, DisabledVerifiesEveryTime) {
  CacheFixture f(no_cache());
  const std::string token = token_with_jti("a");
  ASSERT_TRUE(f.validator.validate(token));
  ASSERT_TRUE(f.validator.validate(token));
  EXPECT_EQ(f.source->calls(), 2U);
  EXPECT_EQ(f.validator.cached_tokens(), 0U);
}

TEST(VerifiedTokenCacheInValidator, LeastRecentlyUsedIsEvictedWhenFull) {
  CacheOptions options;
  options.max_entries = 2;
  options.shards = 1;
  CacheFixture f(options);
  const std::string t1 = token_with_jti("1");
  const std::string t2 = token_with_jti("2");
  const std::string t3 = token_with_jti("3");
  for (const std::string* token : {&t1, &t2, &t3})
    ASSERT_TRUE(f.validator.validate(*token));
  EXPECT_EQ(f.source->calls(), 3U);
  EXPECT_EQ(f.validator.cached_tokens(), 2U);
  ASSERT_TRUE(f.validator.validate(t3));
  ASSERT_TRUE(f.validator.validate(t2));
  EXPECT_EQ(f.source->calls(), 3U) << "t2 and t3 are cached";
  ASSERT_TRUE(f.validator.validate(t1));
  EXPECT_EQ(f.source->calls(), 4U) << "t1 was evicted";
  ASSERT_TRUE(f.validator.validate(t2));
  EXPECT_EQ(f.source->calls(), 4U) << "t2 stays";
  ASSERT_TRUE(f.validator.validate(t3));
  EXPECT_EQ(f.source->calls(), 5U) << "t3 was the least recently used";
}

TEST(VerifiedTokenCacheInValidator, ConcurrentValidationAgrees) {
  CacheOptions options;
  options.shards = 4;
  CacheFixture f(options);
  std::vector<std::string> tokens;
  for (int i = 0; i < 8; ++i)
    tokens.push_back(token_with_jti("jti-" + std::to_string(i)));
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = 0; i < 400; ++i) {
        auto validated = f.validator.validate(tokens[(i + t) % tokens.size()]);
        if (!validated || validated->principal.subject != "noc-4711")
          ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads)
    thread.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
  EXPECT_EQ(f.validator.cached_tokens(), tokens.size());
  EXPECT_LT(f.source->calls(), 4U * tokens.size() + 1) << "at most one miss per thread and token";
}

TEST(CheckIssuerPolicies, RejectsConfigurationsThatCannotWork) {
  struct Case {
    const char* name;
    std::function<void(std::vector<IssuerPolicy>&)> edit;
    const char* field;
  };
  const std::vector<Case> cases{
      {"valid", [](auto&) {}, ""},
      {"empty issuer", [](auto& p) { p[0].issuer.clear(); }, "issuers[0].issuer"},
      {"duplicate issuer", [](auto& p) { p[1].issuer = kIssuerA; }, "issuers[1].issuer"},
      {"empty audience", [](auto& p) { p[1].audience.clear(); }, "issuers[1].audience"},
      {"no algorithm", [](auto& p) { p[0].algorithms = AlgorithmSet{}; }, "issuers[0].algorithms"},
      {"empty asn_claim", [](auto& p) { p[0].asn_claim.clear(); }, "issuers[0].asn_claim"},
      {"min_perms 16", [](auto& p) { p[0].min_perms = 16; }, "issuers[0].min_perms"},
      {"min_perms negative", [](auto& p) { p[0].min_perms = -1; }, "issuers[0].min_perms"},
      {"negative leeway", [](auto& p) { p[0].leeway_ms = -1; }, "issuers[0].leeway_ms"},
      {"leeway above an hour", [](auto& p) { p[0].leeway_ms = 3'600'001; }, "issuers[0].leeway_ms"},
      {"zero lifetime", [](auto& p) { p[0].max_lifetime_ms = 0; }, "issuers[0].max_lifetime_ms"},
      {"zero size", [](auto& p) { p[0].max_token_bytes = 0; }, "issuers[0].max_token_bytes"},
      {"no key source", [](auto& p) { p[1].keys = nullptr; }, "issuers[1].keys"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<IssuerPolicy> issuers{policy_a(), policy_b()};
    c.edit(issuers);
    auto checked = check_issuer_policies(issuers);
    if (std::string_view(c.field).empty()) {
      EXPECT_TRUE(checked);
      continue;
    }
    ASSERT_FALSE(checked);
    EXPECT_EQ(checked.error().code, ErrorCode::config_invalid);
    EXPECT_EQ(checked.error().field, c.field);
  }
}

}  // namespace
}  // namespace peerapi::auth
