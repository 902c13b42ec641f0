// The Authorization header (RFC 6750 section 2.1, RFC 9449 section 7.1) and static tokens.
#include "auth/authenticator.hpp"

#include <gtest/gtest.h>

#include <string>

namespace peerapi::auth {
namespace {

TEST(ParseAuthorization, AcceptsBearerAndDpopInAnyCase) {
  for (const auto& [header, scheme, token] :
       std::vector<std::tuple<std::string, Credentials::Scheme, std::string>>{
           {"Bearer abc.DEF-_~+/=", Credentials::Scheme::bearer, "abc.DEF-_~+/="},
           {"bearer x", Credentials::Scheme::bearer, "x"},
           {"BEARER   spaced", Credentials::Scheme::bearer, "spaced"},
           {"DPoP eyJ.a.b", Credentials::Scheme::dpop, "eyJ.a.b"},
           {"dpop t", Credentials::Scheme::dpop, "t"}}) {
    auto parsed = parse_authorization(header);
    ASSERT_TRUE(parsed.has_value()) << header;
    EXPECT_EQ(parsed->scheme, scheme) << header;
    EXPECT_EQ(parsed->token, token) << header;
  }
}

TEST(ParseAuthorization, RefusesWhatIsNotACredential) {
  struct Row {
    std::string header;
    AuthFailure failure;
  };
  for (const Row& row :
       std::vector<Row>{{"", AuthFailure::no_credentials},
                        {"Basic Zq9lcjpwYXNz", AuthFailure::no_credentials},  // another scheme
                        {"Bearer", AuthFailure::no_credentials},              // no separator
                        {"Bearerx token", AuthFailure::no_credentials},       // not the scheme
                        {"DPoPx token", AuthFailure::no_credentials},
                        {"Bearer ", AuthFailure::invalid_request},  // empty token
                        {"Bearer    ", AuthFailure::invalid_request},
                        {"Bearer Zq9 b", AuthFailure::invalid_request},  // space inside
                        {"Bearer Zq9\"en", AuthFailure::invalid_request},
                        {"DPoP Zq9,en", AuthFailure::invalid_request},
                        {"Bearer " + std::string(16385, 'a'), AuthFailure::invalid_request}}) {
    auto parsed = parse_authorization(row.header);
    ASSERT_FALSE(parsed.has_value()) << row.header.substr(0, 40);
    EXPECT_EQ(parsed.error().failure, row.failure) << row.header.substr(0, 40);
    EXPECT_EQ(parsed.error().description.find("Zq9"), std::string::npos) << "no token echoed";
  }
}

TEST(StaticTokens, FindsOnlyConfiguredTokens) {
  const std::vector<config::StaticToken> configured{
      {"dev-token-64501", {*model::Asn::from_number(64501)}, "noc@as64501.example"}};
  StaticTokens tokens(configured);
  const Principal* found = tokens.find("dev-token-64501");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->subject, "noc@as64501.example");
  EXPECT_EQ(found->issuer, "static");
  EXPECT_TRUE(found->may_act_for(*model::Asn::from_number(64501)));
  EXPECT_EQ(tokens.find("dev-token-6450"), nullptr);
  EXPECT_EQ(tokens.find(""), nullptr);
  EXPECT_TRUE(StaticTokens({}).empty());
}

}  // namespace
}  // namespace peerapi::auth
