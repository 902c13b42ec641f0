#include "auth/dpop/nonce.hpp"

#include <gtest/gtest.h>

#include <string>

#include "util/crypto.hpp"

namespace peerapi::auth::dpop {
namespace {

const std::string kKey(32, 'k');
constexpr std::int64_t kValidityMs = 300'000;
constexpr std::int64_t kIssuedMs = 1'795'000'000'000;

TEST(NonceIssuer, ValidFromIssueUntilThePeriodEnds) {
  const NonceIssuer issuer(kKey, kValidityMs);
  const std::string nonce = issuer.issue(kIssuedMs);
  EXPECT_EQ(nonce.size(), 54U);
  EXPECT_TRUE(issuer.check(nonce, kIssuedMs));
  EXPECT_TRUE(issuer.check(nonce, kIssuedMs + kValidityMs - 1));
  EXPECT_FALSE(issuer.check(nonce, kIssuedMs + kValidityMs));
  EXPECT_FALSE(issuer.check(nonce, kIssuedMs + 10 * kValidityMs));
}

TEST(NonceIssuer, AnotherReplicaWithTheSameKeyAccepts) {
  const NonceIssuer a(kKey, kValidityMs);
  const NonceIssuer b(kKey, kValidityMs);
  EXPECT_TRUE(b.check(a.issue(kIssuedMs), kIssuedMs + 1'000));
  // A replica whose clock is slightly behind the issuer's still accepts, a far one does not.
  EXPECT_TRUE(b.check(a.issue(kIssuedMs), kIssuedMs - NonceIssuer::kMaxIssuerSkewMs));
  EXPECT_FALSE(b.check(a.issue(kIssuedMs), kIssuedMs - NonceIssuer::kMaxIssuerSkewMs - 1));
}

TEST(NonceIssuer, DifferentKeyRefuses) {
  const NonceIssuer a(kKey, kValidityMs);
  const NonceIssuer b(std::string(32, 'x'), kValidityMs);
  EXPECT_FALSE(b.check(a.issue(kIssuedMs), kIssuedMs));
}

TEST(NonceIssuer, TamperedNoncesAreRefused) {
  const NonceIssuer issuer(kKey, kValidityMs);
  const std::string nonce = issuer.issue(kIssuedMs);
  // Every single-character change of the encoding, in the timestamp and in the MAC.
  for (std::size_t i = 0; i < nonce.size(); ++i) {
    std::string tampered = nonce;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(issuer.check(tampered, kIssuedMs)) << "position " << i;
  }
  // A later timestamp with the old MAC: extending the validity needs the key.
  std::string raw = *util::base64url_decode(nonce);
  raw[6] = static_cast<char>(raw[6] + 1);
  EXPECT_FALSE(issuer.check(util::base64url_encode(raw), kIssuedMs));
  EXPECT_FALSE(issuer.check(nonce.substr(1), kIssuedMs));
  EXPECT_FALSE(issuer.check(nonce + "A", kIssuedMs));
  EXPECT_FALSE(issuer.check("", kIssuedMs));
  EXPECT_FALSE(issuer.check(std::string(54, '*'), kIssuedMs));
}

TEST(NonceIssuer, NoncesDifferPerIssueTime) {
  const NonceIssuer issuer(kKey, kValidityMs);
  EXPECT_NE(issuer.issue(kIssuedMs), issuer.issue(kIssuedMs + 1));
  EXPECT_EQ(issuer.issue(kIssuedMs), issuer.issue(kIssuedMs));
}

TEST(NonceIssuerDeathTest, ShortKeyIsAProgrammingError) {
  EXPECT_DEATH(NonceIssuer(std::string(31, 'k'), kValidityMs), "NonceIssuer");
  EXPECT_DEATH(NonceIssuer(kKey, 0), "NonceIssuer");
}

}  // namespace
}  // namespace peerapi::auth::dpop
