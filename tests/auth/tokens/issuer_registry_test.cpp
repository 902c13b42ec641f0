// AccessTokenValidator::add_issuer (issuers registered while the server runs) and
// IssuerPolicy::allowed_asns (an attested IdP speaks only for its attested ASNs).
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "auth/jose/jws.hpp"
#include "auth/tokens/access_token.hpp"

namespace peerapi::auth {
namespace {

namespace json = boost::json;
constexpr std::int64_t kNowMs = 1'750'000'000'000;
constexpr std::int64_t kNow = kNowMs / 1000;
constexpr const char* kConfigured = "https://configured.example";
constexpr const char* kRegistered = "https://idp.example.net/";

const jose::Jwk& key(int which) {
  static const jose::Jwk first = jose::Jwk::generate(jose::Curve::ed25519)->with_kid("k1");
  static const jose::Jwk second = jose::Jwk::generate(jose::Curve::ed25519)->with_kid("k2");
  return which == 1 ? first : second;
}

std::shared_ptr<KeySource> keys_of(const jose::Jwk& private_key) {
  std::vector<jose::Jwk> keys{*private_key.public_key()};
  return std::make_shared<StaticKeySource>(std::make_shared<const jose::JwkSet>(std::move(keys)));
}

IssuerPolicy policy(std::string issuer, std::string audience, const jose::Jwk& signing_key) {
  IssuerPolicy p;
  p.issuer = std::move(issuer);
  p.audience = std::move(audience);
  p.algorithms = {jose::Algorithm::eddsa};
  p.keys = keys_of(signing_key);
  return p;
}

std::string token(const std::string& issuer, const std::string& audience, json::array networks,
                  const jose::Jwk& signing_key) {
  const json::object header{{"alg", "EdDSA"}, {"typ", "at+jwt"}, {"kid", signing_key.kid()}};
  const json::object claims{{"iss", issuer},        {"aud", audience},
                            {"sub", "noc@example"}, {"iat", kNow},
                            {"exp", kNow + 600},    {"networks", std::move(networks)}};
  auto signed_token = jose::sign_jwt(jose::Algorithm::eddsa, signing_key, header, claims);
  if (!signed_token)
    std::abort();
  return *signed_token;
}

model::Asn asn(std::uint32_t number) {
  return *model::Asn::from_number(number);
}

TEST(AddIssuer, AnIssuerAddedLaterIsTrustedFromThenOn) {
  util::ManualClock clock(kNowMs);
  AccessTokenValidator validator({policy(kConfigured, "api", key(1))}, clock);
  const std::string registered = token(kRegistered, "client-1", {64496}, key(2));

  auto before = validator.validate(registered);
  ASSERT_FALSE(before.has_value());
  EXPECT_EQ(before.error().code, ErrorCode::unauthenticated);
  EXPECT_EQ(before.error().field, "token.iss");

  validator.add_issuer(policy(kRegistered, "client-1", key(2)));
  auto after = validator.validate(registered);
  ASSERT_TRUE(after.has_value()) << after.error().message;
  EXPECT_EQ(after->principal.issuer, kRegistered);
  EXPECT_EQ(after->principal.asns, std::vector<model::Asn>{asn(64496)});
  // The configured issuer still works.
  EXPECT_TRUE(validator.validate(token(kConfigured, "api", {64497}, key(1))).has_value());
  EXPECT_EQ(validator.issuers(), (std::vector<std::string>{kConfigured, kRegistered}));
}

TEST(AddIssuer, AnEmptyValidatorRefusesByIssuerUntilOneIsAdded) {
  util::ManualClock clock(kNowMs);
  AccessTokenValidator validator({}, clock);
  const std::string registered = token(kRegistered, "client-1", {64496}, key(2));
  auto refused = validator.validate(registered);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().field, "token.iss");
  validator.add_issuer(policy(kRegistered, "client-1", key(2)));
  EXPECT_TRUE(validator.validate(registered).has_value());
}

TEST(AddIssuer, ReplacesTheIssuerOfTheSameNameAndDropsItsCachedResults) {
  util::ManualClock clock(kNowMs);
  AccessTokenValidator validator({}, clock);
  validator.add_issuer(policy(kRegistered, "client-1", key(2)));
  const std::string old_audience = token(kRegistered, "client-1", {64496}, key(2));
  ASSERT_TRUE(validator.validate(old_audience).has_value());
  EXPECT_EQ(validator.cached_tokens(), 1u);

  // Registered again: a new client id, hence a new audience.
  validator.add_issuer(policy(kRegistered, "client-2", key(2)));
  EXPECT_EQ(validator.issuers(), std::vector<std::string>{kRegistered});
  auto stale = validator.validate(old_audience);  // cached before, but not served from the cache
  ASSERT_FALSE(stale.has_value());
  EXPECT_EQ(stale.error().field, "token.aud");
  EXPECT_TRUE(validator.validate(token(kRegistered, "client-2", {64496}, key(2))).has_value());
}

TEST(AllowedAsns, TheTokensAsnsAreIntersectedWithTheAttestedOnes) {
  util::ManualClock clock(kNowMs);
  IssuerPolicy p = policy(kRegistered, "client-1", key(2));
  p.allowed_asns = std::vector<model::Asn>{asn(64496), asn(64498)};
  AccessTokenValidator validator({p}, clock);

  auto plain = validator.validate(token(kRegistered, "client-1", {64498, 64497, 64496}, key(2)));
  ASSERT_TRUE(plain.has_value()) << plain.error().message;
  EXPECT_EQ(plain->principal.asns, (std::vector<model::Asn>{asn(64496), asn(64498)}));

  // The PeeringDB shape is intersected the same way.
  json::array entries{json::object{{"asn", 64497}, {"perms", 15}},
                      json::object{{"asn", 64498}, {"perms", 15}}};
  auto peeringdb = validator.validate(token(kRegistered, "client-1", entries, key(2)));
  ASSERT_TRUE(peeringdb.has_value()) << peeringdb.error().message;
  EXPECT_EQ(peeringdb->principal.asns, std::vector<model::Asn>{asn(64498)});
}

TEST(AllowedAsns, ATokenGrantingNoneOfThemIsRefusedAtTheClaim) {
  util::ManualClock clock(kNowMs);
  IssuerPolicy p = policy(kRegistered, "client-1", key(2));
  p.allowed_asns = std::vector<model::Asn>{asn(64496)};
  p.asn_claim = "networks";
  AccessTokenValidator validator({p}, clock);
  auto refused = validator.validate(token(kRegistered, "client-1", {64497, 65551}, key(2)));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::unauthenticated);
  EXPECT_EQ(refused.error().field, "token.networks");

  // An empty allow-list admits nothing.
  IssuerPolicy none = policy(kRegistered, "client-1", key(2));
  none.allowed_asns = std::vector<model::Asn>{};
  AccessTokenValidator closed({none}, clock);
  auto nothing = closed.validate(token(kRegistered, "client-1", {64496}, key(2)));
  ASSERT_FALSE(nothing.has_value());
  EXPECT_EQ(nothing.error().field, "token.networks");
}

TEST(AllowedAsns, UnsetAdmitsEveryAsnTheTokenGrants) {
  util::ManualClock clock(kNowMs);
  AccessTokenValidator validator({policy(kRegistered, "client-1", key(2))}, clock);
  auto accepted = validator.validate(token(kRegistered, "client-1", {64497, 65551}, key(2)));
  ASSERT_TRUE(accepted.has_value()) << accepted.error().message;
  EXPECT_EQ(accepted->principal.asns, (std::vector<model::Asn>{asn(64497), asn(65551)}));
}

TEST(AddIssuer, ConcurrentValidationWhileIssuersAreAddedStaysConsistent) {
  util::ManualClock clock(kNowMs);
  AccessTokenValidator validator({policy(kConfigured, "api", key(1))}, clock,
                                 CacheOptions{.enabled = false});
  const std::string configured = token(kConfigured, "api", {64497}, key(1));
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        if (!validator.validate(configured).has_value())
          ++failures;
      }
    });
  }
  for (int i = 0; i < 200; ++i) {
    validator.add_issuer(
        policy("https://idp" + std::to_string(i % 10) + ".example/", "client", key(2)));
  }
  stop = true;
  for (auto& reader : readers)
    reader.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(validator.issuers().size(), 11u);  // ten distinct names replaced in place
}

}  // namespace
}  // namespace peerapi::auth
