#include "auth/jose/jwk.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/jose/vectors.hpp"
#include "util/crypto.hpp"

namespace peerapi::auth::jose {
namespace {

using testing::latchset;
using testing::vector_json;
using testing::vector_text;

Jwk parse_or_die(std::string_view json, PrivateMembers private_members) {
  auto key = Jwk::parse(json, private_members);
  EXPECT_TRUE(key) << key.error().field << ": " << key.error().message;
  return std::move(*key);
}

// RFC 7638 section 3.1 (the vector in testvectors/dpop).
TEST(JwkThumbprint, Rfc7638Section3_1) {
  const Jwk key = parse_or_die(vector_text("dpop/rfc7638_3.1.jwk"), PrivateMembers::reject);
  EXPECT_EQ(key.type(), KeyType::rsa);
  EXPECT_EQ(key.kid(), "2011-04-29");
  EXPECT_EQ(key.alg(), "RS256");
  EXPECT_EQ(key.bits(), 2048u);
  EXPECT_FALSE(key.is_private());
  EXPECT_TRUE(key.thumbprint_input().starts_with(R"({"e":"AQAB","kty":"RSA","n":"0vx7agoebGc)"));
  EXPECT_EQ(key.thumbprint(), vector_text("dpop/rfc7638_3.1.thp"));
  EXPECT_EQ(key.thumbprint(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

// RFC 8037 Appendix A.3: the thumbprint of the Ed25519 example key.
TEST(JwkThumbprint, Rfc8037AppendixA3) {
  const Jwk key = parse_or_die(
      R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})",
      PrivateMembers::reject);
  EXPECT_EQ(key.thumbprint_input(),
            R"({"crv":"Ed25519","kty":"OKP","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})");
  EXPECT_EQ(key.thumbprint(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
}

TEST(JwkThumbprint, IgnoresPrivateAndOptionalMembers) {
  const Jwk private_key =
      parse_or_die(latchset("rfc7515_A.3.jwk"), PrivateMembers::allow).with_kid("some-kid");
  const Jwk public_key =
      parse_or_die(R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
                   R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})",
                   PrivateMembers::reject);
  EXPECT_EQ(private_key.thumbprint(), public_key.thumbprint());
  EXPECT_EQ(public_key.thumbprint_input(),
            R"({"crv":"P-256","kty":"EC","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
            R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})");
}

TEST(Jwk, ParsesEveryLatchsetAndCookbookKey) {
  struct Case {
    std::string file;
    PrivateMembers private_members;
    KeyType type;
    Curve curve;
    unsigned bits;
    bool is_private;
  };
  const std::vector<Case> cases = {
      {"jose/rfc7515_rfc7517_latchset/rfc7515_A.1.jwk", PrivateMembers::allow, KeyType::oct,
       Curve::none, 512, true},
      {"jose/rfc7515_rfc7517_latchset/rfc7515_A.2.jwk", PrivateMembers::allow, KeyType::rsa,
       Curve::none, 2048, true},
      {"jose/rfc7515_rfc7517_latchset/rfc7515_A.3.jwk", PrivateMembers::allow, KeyType::ec,
       Curve::p256, 256, true},
      {"jose/rfc7515_rfc7517_latchset/rfc7515_A.4.jwk", PrivateMembers::allow, KeyType::ec,
       Curve::p521, 521, true},
      {"jose/rfc7515_rfc7517_latchset/rfc7517_B.jwk", PrivateMembers::reject, KeyType::rsa,
       Curve::none, 2048, false},
      {"jose/rfc7520_cookbook/jwk/3_1.ec_public_key.json", PrivateMembers::reject, KeyType::ec,
       Curve::p521, 521, false},
      {"jose/rfc7520_cookbook/jwk/3_2.ec_private_key.json", PrivateMembers::allow, KeyType::ec,
       Curve::p521, 521, true},
      {"jose/rfc7520_cookbook/jwk/3_3.rsa_public_key.json", PrivateMembers::reject, KeyType::rsa,
       Curve::none, 2048, false},
      {"jose/rfc7520_cookbook/jwk/3_4.rsa_private_key.json", PrivateMembers::allow, KeyType::rsa,
       Curve::none, 2048, true},
      {"jose/rfc7520_cookbook/jwk/3_5.symmetric_key_mac_computation.json", PrivateMembers::allow,
       KeyType::oct, Curve::none, 256, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    const Jwk key = parse_or_die(vector_text(c.file), c.private_members);
    EXPECT_EQ(key.type(), c.type);
    EXPECT_EQ(key.curve(), c.curve);
    EXPECT_EQ(key.bits(), c.bits);
    EXPECT_EQ(key.is_private(), c.is_private);
    EXPECT_EQ(key.evp_pkey() == nullptr, c.type == KeyType::oct);
  }
}

TEST(Jwk, KeepsOptionalParametersAndDropsUnknownMembers) {
  const Jwk key = parse_or_die(latchset("rfc7517_B.jwk"), PrivateMembers::reject);
  EXPECT_EQ(key.kid(), "1b94c");
  EXPECT_EQ(key.use(), "sig");
  const boost::json::object json = key.to_json(PrivateMembers::reject);
  EXPECT_FALSE(json.contains("x5c"));
  EXPECT_EQ(json.at("kty"), "RSA");
  EXPECT_EQ(json.at("kid"), "1b94c");
  EXPECT_EQ(json.at("e"), "AQAB");
}

TEST(Jwk, ExportsPublicAndPrivateMembersAsParsed) {
  const std::string text = latchset("rfc7515_A.2.jwk");
  const Jwk key = parse_or_die(text, PrivateMembers::allow);
  const boost::json::object original = boost::json::parse(text).as_object();
  const boost::json::object with_private = key.to_json(PrivateMembers::allow);
  for (const auto& member : original)
    EXPECT_EQ(with_private.at(member.key()), member.value()) << member.key();
  const boost::json::object without_private = key.to_json(PrivateMembers::reject);
  EXPECT_FALSE(has_private_members(without_private));
  EXPECT_EQ(without_private.size(), 3u);  // kty, n, e

  auto public_key = key.public_key();
  ASSERT_TRUE(public_key);
  EXPECT_FALSE(public_key->is_private());
  EXPECT_EQ(public_key->thumbprint(), key.thumbprint());
}

TEST(Jwk, HasPrivateMembersSeesEveryPrivateMemberName) {
  for (const char* name : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
    boost::json::object jwk{{"kty", "RSA"}, {"n", "AQAB"}};
    EXPECT_FALSE(has_private_members(jwk));
    jwk[name] = "AQAB";
    EXPECT_TRUE(has_private_members(jwk)) << name;
  }
}

TEST(Jwk, LoadsPemPublicKeysMatchingTheirJwk) {
  for (const char* vector : {"rfc7515_A.2", "rfc7515_A.3", "rfc7515_A.4"}) {
    SCOPED_TRACE(vector);
    auto from_pem = Jwk::from_pem(latchset(std::string(vector) + ".pub.pem"));
    ASSERT_TRUE(from_pem) << from_pem.error().message;
    EXPECT_FALSE(from_pem->is_private());
    const Jwk from_jwk =
        parse_or_die(latchset(std::string(vector) + ".jwk"), PrivateMembers::allow);
    EXPECT_EQ(from_pem->thumbprint(), from_jwk.thumbprint());
    EXPECT_EQ(from_pem->to_json(PrivateMembers::allow), from_jwk.to_json(PrivateMembers::reject));
  }
}

TEST(Jwk, PemRoundTripsPrivateAndPublicKeys) {
  for (const char* vector : {"rfc7515_A.2.jwk", "rfc7515_A.3.jwk", "rfc7515_A.4.jwk"}) {
    SCOPED_TRACE(vector);
    const Jwk key = parse_or_die(latchset(vector), PrivateMembers::allow);
    auto private_pem = key.to_pem(PrivateMembers::allow);
    ASSERT_TRUE(private_pem);
    EXPECT_TRUE(private_pem->starts_with("-----BEGIN PRIVATE KEY-----"));
    auto reloaded = Jwk::from_pem(*private_pem);
    ASSERT_TRUE(reloaded) << reloaded.error().message;
    EXPECT_TRUE(reloaded->is_private());
    EXPECT_EQ(reloaded->to_json(PrivateMembers::allow), key.to_json(PrivateMembers::allow));

    auto public_pem = key.to_pem(PrivateMembers::reject);
    ASSERT_TRUE(public_pem);
    EXPECT_TRUE(public_pem->starts_with("-----BEGIN PUBLIC KEY-----"));
    auto public_key = Jwk::from_pem(*public_pem);
    ASSERT_TRUE(public_key);
    EXPECT_FALSE(public_key->is_private());
    EXPECT_EQ(public_key->thumbprint(), key.thumbprint());
  }
}

TEST(Jwk, RejectsBadPem) {
  for (const char* pem :
       {"", "hello", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"}) {
    auto key = Jwk::from_pem(pem);
    ASSERT_FALSE(key) << pem;
    EXPECT_EQ(key.error().code, ErrorCode::invalid_value);
  }
}

TEST(Jwk, GeneratesKeysThatExportAndReimport) {
  for (Curve curve : {Curve::p256, Curve::p384, Curve::p521, Curve::ed25519}) {
    SCOPED_TRACE(to_string(curve));
    auto key = Jwk::generate(curve);
    ASSERT_TRUE(key) << key.error().message;
    EXPECT_TRUE(key->is_private());
    EXPECT_EQ(key->curve(), curve);
    EXPECT_EQ(key->type(), curve == Curve::ed25519 ? KeyType::okp : KeyType::ec);

    const boost::json::object private_json = key->to_json(PrivateMembers::allow);
    auto reparsed = Jwk::from_json(boost::json::value(private_json), PrivateMembers::allow);
    ASSERT_TRUE(reparsed) << reparsed.error().field << ": " << reparsed.error().message;
    EXPECT_EQ(reparsed->to_json(PrivateMembers::allow), private_json);

    const boost::json::object public_json = key->to_json(PrivateMembers::reject);
    EXPECT_FALSE(has_private_members(public_json));
    auto public_key = Jwk::from_json(boost::json::value(public_json), PrivateMembers::reject);
    ASSERT_TRUE(public_key);
    EXPECT_EQ(public_key->thumbprint(), key->thumbprint());
  }
  EXPECT_NE(Jwk::generate(Curve::p256)->thumbprint(), Jwk::generate(Curve::p256)->thumbprint());
  EXPECT_FALSE(Jwk::generate(Curve::none));
}

TEST(Jwk, GeneratesRsaOnlyFrom2048Bits) {
  auto small = Jwk::generate_rsa(1024);
  ASSERT_FALSE(small);
  EXPECT_EQ(small.error().code, ErrorCode::invalid_value);
  auto key = Jwk::generate_rsa(2048);
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(key->bits(), 2048u);
  auto reparsed = Jwk::from_json(boost::json::value(key->to_json(PrivateMembers::allow)),
                                 PrivateMembers::allow);
  ASSERT_TRUE(reparsed) << reparsed.error().field << ": " << reparsed.error().message;
  EXPECT_EQ(reparsed->thumbprint(), key->thumbprint());
}

TEST(Jwk, SymmetricKeysHaveNoPublicForm) {
  auto key = Jwk::from_secret(std::string(32, 'k'));
  ASSERT_TRUE(key);
  EXPECT_EQ(key->type(), KeyType::oct);
  EXPECT_EQ(key->secret(), std::string(32, 'k'));
  EXPECT_FALSE(key->public_key());
  EXPECT_FALSE(key->to_pem(PrivateMembers::reject));
  EXPECT_FALSE(key->to_json(PrivateMembers::reject).contains("k"));
  EXPECT_FALSE(Jwk::from_secret(""));
}

struct BadJwk {
  std::string name;
  std::string json;
  PrivateMembers private_members;
  ErrorCode code;
  std::string field;
};

const std::string kP256X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
const std::string kP256Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
const std::string kP256D = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI";
const std::string kEd25519X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
const std::string kEd25519D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";

std::string ec(const std::string& extra) {
  return R"({"kty":"EC","crv":"P-256","x":")" + kP256X + R"(","y":")" + kP256Y + "\"" + extra + "}";
}

std::vector<BadJwk> bad_jwks() {
  const std::string rsa_n = boost::json::parse(vector_text("dpop/rfc7638_3.1.jwk"))
                                .as_object()
                                .at("n")
                                .as_string()
                                .c_str();
  const std::string rsa = R"({"kty":"RSA","n":")" + rsa_n + R"(","e":"AQAB")";
  std::string off_curve_y = kP256Y;
  off_curve_y[5] = off_curve_y[5] == 'A' ? 'B' : 'A';
  std::string other_d = kP256D;
  other_d[3] = other_d[3] == 'A' ? 'B' : 'A';
  std::string other_ed_d = kEd25519D;
  other_ed_d[3] = other_ed_d[3] == 'A' ? 'B' : 'A';
  return {
      {"not an object", "[]", PrivateMembers::reject, ErrorCode::wrong_type, ""},
      {"not JSON", "{kty:EC}", PrivateMembers::reject, ErrorCode::malformed_json, ""},
      {"kty missing", R"({"crv":"P-256"})", PrivateMembers::reject, ErrorCode::missing_field,
       "kty"},
      {"kty not a string", R"({"kty":1})", PrivateMembers::reject, ErrorCode::wrong_type, "kty"},
      {"kty unknown", R"({"kty":"DSA"})", PrivateMembers::reject, ErrorCode::invalid_value, "kty"},
      {"kty wrong case", ec("").replace(8, 2, "ec"), PrivateMembers::reject,
       ErrorCode::invalid_value, "kty"},
      {"EC private member where public required", ec(R"(,"d":")" + kP256D + "\""),
       PrivateMembers::reject, ErrorCode::invalid_value, "d"},
      {"oct key where public required", R"({"kty":"oct","k":"c2VjcmV0"})", PrivateMembers::reject,
       ErrorCode::invalid_value, "k"},
      {"RSA CRT member where public required", rsa + R"(,"p":"AQAB"})", PrivateMembers::reject,
       ErrorCode::invalid_value, "p"},
      {"EC curve unsupported", R"({"kty":"EC","crv":"P-192","x":"AA","y":"AA"})",
       PrivateMembers::reject, ErrorCode::invalid_value, "crv"},
      {"EC curve is an OKP curve", R"({"kty":"EC","crv":"Ed25519","x":")" + kEd25519X + "\"}",
       PrivateMembers::reject, ErrorCode::invalid_value, "crv"},
      {"EC y missing", R"({"kty":"EC","crv":"P-256","x":")" + kP256X + "\"}",
       PrivateMembers::reject, ErrorCode::missing_field, "y"},
      {"EC x short",
       R"({"kty":"EC","crv":"P-256","x":")" + kP256X.substr(0, 42) + R"(","y":")" + kP256Y + "\"}",
       PrivateMembers::reject, ErrorCode::invalid_value, "x"},
      {"EC x padded base64",
       R"({"kty":"EC","crv":"P-256","x":")" + kP256X + R"(=","y":")" + kP256Y + "\"}",
       PrivateMembers::reject, ErrorCode::invalid_value, "x"},
      {"EC x standard base64 alphabet", R"({"kty":"EC","crv":"P-384","x":"+/","y":"AA"})",
       PrivateMembers::reject, ErrorCode::invalid_value, "x"},
      {"EC point not on the curve",
       R"({"kty":"EC","crv":"P-256","x":")" + kP256X + R"(","y":")" + off_curve_y + "\"}",
       PrivateMembers::reject, ErrorCode::invalid_value, "x"},
      {"EC private key not matching", ec(R"(,"d":")" + other_d + "\""), PrivateMembers::allow,
       ErrorCode::invalid_value, "d"},
      {"EC d too short", ec(R"(,"d":"AQAB")"), PrivateMembers::allow, ErrorCode::invalid_value,
       "d"},
      {"RSA n missing", R"({"kty":"RSA","e":"AQAB"})", PrivateMembers::reject,
       ErrorCode::missing_field, "n"},
      {"RSA n with a leading zero octet", R"({"kty":"RSA","n":"AA)" + rsa_n + R"(","e":"AQAB"})",
       PrivateMembers::reject, ErrorCode::invalid_value, "n"},
      {"RSA e even", R"({"kty":"RSA","n":")" + rsa_n + R"(","e":"AQAA"})", PrivateMembers::reject,
       ErrorCode::invalid_value, "e"},
      {"RSA e of one", R"({"kty":"RSA","n":")" + rsa_n + R"(","e":"AQ"})", PrivateMembers::reject,
       ErrorCode::invalid_value, "e"},
      {"RSA n even", R"({"kty":"RSA","n":"AQAA","e":"AQAB"})", PrivateMembers::reject,
       ErrorCode::invalid_value, "n"},
      {"RSA multi-prime", rsa + R"(,"oth":[]})", PrivateMembers::allow, ErrorCode::invalid_value,
       "oth"},
      {"RSA CRT member without d", rsa + R"(,"p":"AQAB"})", PrivateMembers::allow,
       ErrorCode::invalid_value, "p"},
      {"RSA d without CRT members", rsa + R"(,"d":"AQAB"})", PrivateMembers::allow,
       ErrorCode::missing_field, "p"},
      {"OKP X25519 unsupported", R"({"kty":"OKP","crv":"X25519","x":")" + kEd25519X + "\"}",
       PrivateMembers::reject, ErrorCode::invalid_value, "crv"},
      {"OKP x short", R"({"kty":"OKP","crv":"Ed25519","x":"AQAB"})", PrivateMembers::reject,
       ErrorCode::invalid_value, "x"},
      {"OKP private key not matching",
       R"({"kty":"OKP","crv":"Ed25519","x":")" + kEd25519X + R"(","d":")" + other_ed_d + "\"}",
       PrivateMembers::allow, ErrorCode::invalid_value, "d"},
      {"oct k empty", R"({"kty":"oct","k":""})", PrivateMembers::allow, ErrorCode::invalid_value,
       "k"},
      {"kid not a string", ec(R"(,"kid":7)"), PrivateMembers::reject, ErrorCode::wrong_type, "kid"},
      {"use not a string", ec(R"(,"use":["sig"])"), PrivateMembers::reject, ErrorCode::wrong_type,
       "use"},
      {"key_ops not an array", ec(R"(,"key_ops":"verify")"), PrivateMembers::reject,
       ErrorCode::wrong_type, "key_ops"},
      {"key_ops duplicate", ec(R"(,"key_ops":["verify","verify"])"), PrivateMembers::reject,
       ErrorCode::invalid_value, "key_ops[1]"},
      {"too deep", std::string(40, '[') + std::string(40, ']'), PrivateMembers::reject,
       ErrorCode::too_deep, ""},
  };
}

TEST(Jwk, RejectsBadKeys) {
  for (const BadJwk& c : bad_jwks()) {
    SCOPED_TRACE(c.name);
    auto key = Jwk::parse(c.json, c.private_members);
    ASSERT_FALSE(key);
    EXPECT_EQ(key.error().code, c.code) << key.error().message;
    EXPECT_EQ(key.error().field, c.field) << key.error().message;
  }
}

TEST(Jwk, ParsesTheGoodNeighboursOfTheBadKeys) {
  EXPECT_TRUE(Jwk::parse(ec(""), PrivateMembers::reject));
  EXPECT_TRUE(Jwk::parse(ec(R"(,"d":")" + kP256D + "\""), PrivateMembers::allow));
  EXPECT_TRUE(
      Jwk::parse(ec(R"(,"key_ops":["verify"],"use":"sig","kid":"k")"), PrivateMembers::reject));
  EXPECT_TRUE(Jwk::parse(
      R"({"kty":"OKP","crv":"Ed25519","x":")" + kEd25519X + R"(","d":")" + kEd25519D + "\"}",
      PrivateMembers::allow));
}

TEST(JwkSet, ParsesRfc7517AppendixA1PublicKeys) {
  auto set = JwkSet::parse(latchset("rfc7517_A.1.jwkset"), PrivateMembers::reject);
  ASSERT_TRUE(set) << set.error().message;
  ASSERT_EQ(set->keys().size(), 2u);
  EXPECT_TRUE(set->skipped().empty());
  EXPECT_EQ(set->keys()[0].type(), KeyType::ec);
  EXPECT_EQ(set->keys()[0].use(), "enc");
  EXPECT_EQ(set->keys()[0].kid(), "1");
  EXPECT_EQ(set->keys()[1].type(), KeyType::rsa);
  EXPECT_EQ(set->keys()[1].kid(), "2011-04-29");
  ASSERT_EQ(set->find_by_kid("2011-04-29").size(), 1u);
  EXPECT_EQ(set->find_by_kid("2011-04-29")[0], &set->keys()[1]);
  EXPECT_TRUE(set->find_by_kid("nope").empty());
  // The RSA member of A.1 is the RFC 7638 example key.
  EXPECT_EQ(set->keys()[1].thumbprint(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

TEST(JwkSet, PrivateSetsParseOnlyWhenPrivateMembersAreAllowed) {
  for (const char* file : {"rfc7517_A.2.jwkset", "rfc7515_A.6.jwkset"}) {
    SCOPED_TRACE(file);
    auto allowed = JwkSet::parse(latchset(file), PrivateMembers::allow);
    ASSERT_TRUE(allowed) << allowed.error().message;
    ASSERT_EQ(allowed->keys().size(), 2u);
    EXPECT_TRUE(allowed->skipped().empty());
    EXPECT_TRUE(allowed->keys()[0].is_private());
    EXPECT_TRUE(allowed->keys()[1].is_private());

    auto rejected = JwkSet::parse(latchset(file), PrivateMembers::reject);
    ASSERT_FALSE(rejected);
    EXPECT_EQ(rejected.error().code, ErrorCode::invalid_value);
    EXPECT_EQ(rejected.error().field, "keys[0]");
  }
}

TEST(JwkSet, ParsesRfc7517AppendixA3SymmetricKeys) {
  auto set = JwkSet::parse(latchset("rfc7517_A.3.jwkset"), PrivateMembers::allow);
  ASSERT_TRUE(set);
  ASSERT_EQ(set->keys().size(), 2u);
  EXPECT_EQ(set->keys()[0].alg(), "A128KW");
  EXPECT_EQ(set->keys()[1].kid(), "HMACkeyusedinJWSspecAppendixA.1example");
  EXPECT_EQ(set->keys()[1].bits(), 512u);
}

TEST(JwkSet, SkipsMembersItCannotUse) {
  const std::string json = R"({"keys":[)"
                           R"({"kty":"DSA","kid":"old"},)"
                           R"({"kty":"OKP","crv":"X448","x":"AA"},)"
                           R"("not a key",)" +
                           ec(R"(,"kid":"good")") + R"(,)" +
                           R"({"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]})";
  auto set = JwkSet::parse(json, PrivateMembers::reject);
  ASSERT_TRUE(set) << set.error().message;
  ASSERT_EQ(set->keys().size(), 1u);
  EXPECT_EQ(set->keys()[0].kid(), "good");
  ASSERT_EQ(set->skipped().size(), 4u);
  EXPECT_EQ(set->skipped()[0].field, "keys[0].kty");
  EXPECT_EQ(set->skipped()[1].field, "keys[1].crv");
  EXPECT_EQ(set->skipped()[2].field, "keys[2]");
  EXPECT_EQ(set->skipped()[3].field, "keys[4].x");
}

TEST(JwkSet, RejectsBadSets) {
  struct Case {
    std::string json;
    ErrorCode code;
    std::string field;
  };
  std::string many = R"({"keys":[)";
  for (int i = 0; i < 65; ++i)
    many += std::string(i == 0 ? "" : ",") + "{}";
  many += "]}";
  const std::vector<Case> cases = {
      {"[]", ErrorCode::wrong_type, ""},
      {"{", ErrorCode::malformed_json, ""},
      {"{}", ErrorCode::missing_field, "keys"},
      {R"({"keys":{}})", ErrorCode::wrong_type, "keys"},
      {many, ErrorCode::too_many_items, "keys"},
      {R"({"keys":[{"kty":"oct","k":"c2VjcmV0"}]})", ErrorCode::invalid_value, "keys[0]"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.json);
    auto set = JwkSet::parse(c.json, PrivateMembers::reject);
    ASSERT_FALSE(set);
    EXPECT_EQ(set.error().code, c.code);
    EXPECT_EQ(set.error().field, c.field);
  }
  auto oversized = JwkSet::parse(R"({"keys":[]})", PrivateMembers::reject, {.max_bytes = 5});
  ASSERT_FALSE(oversized);
  EXPECT_EQ(oversized.error().code, ErrorCode::invalid_value);
}

TEST(JwkSet, ExportsItsKeys) {
  auto set = JwkSet::parse(latchset("rfc7515_A.6.jwkset"), PrivateMembers::allow);
  ASSERT_TRUE(set);
  const boost::json::object public_set = set->to_json(PrivateMembers::reject);
  auto reparsed = JwkSet::from_json(boost::json::value(public_set), PrivateMembers::reject);
  ASSERT_TRUE(reparsed) << reparsed.error().message;
  ASSERT_EQ(reparsed->keys().size(), 2u);
  EXPECT_EQ(reparsed->keys()[0].thumbprint(), set->keys()[0].thumbprint());
  EXPECT_EQ(reparsed->keys()[1].thumbprint(), set->keys()[1].thumbprint());
}

}  // namespace
}  // namespace peerapi::auth::jose
