#include "auth/dev_idp.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>

#include "auth/jose/jws.hpp"
#include "support/test_support.hpp"

namespace peerapi::auth::dev_idp {
namespace {

TEST(DevIdp, KeyFileIsPrivateAndRoundTrips) {
  testing::TempDir dir;
  const auto file = dir.path() / "idp" / "key.jwk";
  auto key = generate_key("ES256");
  ASSERT_TRUE(key.has_value()) << key.error().message;
  EXPECT_EQ(key->kid(), key->thumbprint());
  ASSERT_TRUE(write_key(file, *key, false).has_value());
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = write_key(file, *key, false);
  ASSERT_FALSE(again.has_value()) << "an existing key is never replaced silently";
  EXPECT_EQ(again.error().code, ErrorCode::io_error);
  auto read = read_key(file);
  ASSERT_TRUE(read.has_value()) << read.error().message;
  EXPECT_EQ(read->thumbprint(), key->thumbprint());
  EXPECT_EQ(read_key(dir.path() / "absent").error().code, ErrorCode::io_error);
  EXPECT_EQ(generate_key("HS256").error().field, "alg");
  EXPECT_EQ(generate_key("none").error().field, "alg");
}

TEST(DevIdp, TokensVerifyWithTheJwksAndCarryTheClaims) {
  auto key = generate_key("EdDSA");
  ASSERT_TRUE(key.has_value());
  auto jwks_text = jwks_json(*key);
  ASSERT_TRUE(jwks_text.has_value());
  EXPECT_EQ(jwks_text->find("\"d\""), std::string::npos) << "no private member in the JWKS";
  auto jwks = jose::JwkSet::parse(*jwks_text, jose::PrivateMembers::reject);
  ASSERT_TRUE(jwks.has_value()) << jwks.error().message;

  util::ManualClock clock(1'800'000'000'000);
  util::SecureRandom random;
  TokenRequest request{.issuer = "https://dev-idp.example",
                       .audience = "https://peering.example.net",
                       .asns = {*model::Asn::from_number(64501), *model::Asn::from_number(64502)},
                       .subject = "",
                       .email = "noc@as64501.example",
                       .perms = 15,
                       .ttl_seconds = 600,
                       .dpop_jkt = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"};
  auto token = issue_token(*key, request, clock, random);
  ASSERT_TRUE(token.has_value()) << token.error().message;
  jose::VerifyOptions options;
  options.algorithms.insert(jose::Algorithm::eddsa);
  auto verified = jose::verify_compact(*token, *jwks, options);
  ASSERT_TRUE(verified.has_value()) << verified.error().message;
  EXPECT_EQ(verified->jws().typ(), "at+jwt");
  const auto& claims = verified->claims();
  EXPECT_EQ(claims.at("iss").as_string(), "https://dev-idp.example");
  EXPECT_EQ(claims.at("aud").as_string(), "https://peering.example.net");
  EXPECT_EQ(claims.at("sub").as_string(), "dev@as64501.example");
  EXPECT_EQ(claims.at("exp").as_int64() - claims.at("iat").as_int64(), 600);
  EXPECT_EQ(claims.at("iat").as_int64(), 1'800'000'000);
  EXPECT_EQ(claims.at("networks").as_array().size(), 2u);
  EXPECT_EQ(claims.at("networks").as_array()[1].at("asn").as_int64(), 64502);
  EXPECT_EQ(claims.at("cnf").at("jkt").as_string(), *request.dpop_jkt);
  EXPECT_EQ(claims.at("email").as_string(), "noc@as64501.example");
}

TEST(DevIdp, BadTokenRequestsNameTheField) {
  auto key = generate_key("EdDSA");
  ASSERT_TRUE(key.has_value());
  util::ManualClock clock(0);
  util::SecureRandom random;
  TokenRequest good;
  good.issuer = "https://i.example";
  good.audience = "a";
  good.asns = {*model::Asn::from_number(64501)};
  auto with = [&](auto change) {
    TokenRequest r = good;
    change(r);
    return issue_token(*key, r, clock, random);
  };
  EXPECT_TRUE(with([](TokenRequest&) {}).has_value());
  EXPECT_EQ(with([](TokenRequest& r) { r.asns.clear(); }).error().field, "asn");
  EXPECT_EQ(with([](TokenRequest& r) { r.issuer.clear(); }).error().field, "issuer");
  EXPECT_EQ(with([](TokenRequest& r) { r.audience.clear(); }).error().field, "audience");
  EXPECT_EQ(with([](TokenRequest& r) { r.ttl_seconds = 0; }).error().field, "ttl");
  EXPECT_EQ(with([](TokenRequest& r) { r.perms = 16; }).error().field, "perms");
}

}  // namespace
}  // namespace peerapi::auth::dev_idp
