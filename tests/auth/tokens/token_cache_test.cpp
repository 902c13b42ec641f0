#include "auth/tokens/token_cache.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>

#include "auth/tokens/access_token.hpp"
#include "util/crypto.hpp"

namespace peerapi::auth {
namespace {

VerifiedTokenCache::Digest digest_of(const std::string& token) {
  auto digest = VerifiedTokenCache::digest_from(util::sha256(token));
  EXPECT_TRUE(digest);
  return *digest;
}

std::shared_ptr<const ValidatedToken> token_for(std::string subject) {
  auto token = std::make_shared<ValidatedToken>();
  token->principal.subject = std::move(subject);
  return token;
}

CacheOptions options(std::size_t max_entries, std::size_t shards) {
  CacheOptions out;
  out.max_entries = max_entries;
  out.shards = shards;
  return out;
}

TEST(VerifiedTokenCache, DigestMustBe32Octets) {
  EXPECT_FALSE(VerifiedTokenCache::digest_from(""));
  EXPECT_FALSE(VerifiedTokenCache::digest_from(std::string(31, 'a')));
  EXPECT_FALSE(VerifiedTokenCache::digest_from(std::string(33, 'a')));
  EXPECT_TRUE(VerifiedTokenCache::digest_from(std::string(32, 'a')));
}

TEST(VerifiedTokenCache, EntryIsServedUntilValidUntilExclusive) {
  VerifiedTokenCache cache(options(10, 1));
  const auto digest = digest_of("t1");
  cache.insert(digest, token_for("alice"), /*valid_until_ms=*/2'000, /*now_ms=*/1'000);
  ASSERT_NE(cache.find(digest, 1'999), nullptr);
  EXPECT_EQ(cache.find(digest, 1'999)->principal.subject, "alice");
  EXPECT_EQ(cache.find(digest, 2'000), nullptr);
  EXPECT_EQ(cache.size(), 0U) << "an expired entry is dropped when found";
}

TEST(VerifiedTokenCache, AlreadyExpiredEntriesAreNotStored) {
  VerifiedTokenCache cache(options(10, 1));
  cache.insert(digest_of("t1"), token_for("alice"), 1'000, 1'000);
  cache.insert(digest_of("t2"), token_for("bob"), 999, 1'000);
  EXPECT_EQ(cache.size(), 0U);
}

TEST(VerifiedTokenCache, InsertReplacesAnExistingEntry) {
  VerifiedTokenCache cache(options(10, 1));
  const auto digest = digest_of("t1");
  cache.insert(digest, token_for("alice"), 2'000, 0);
  cache.insert(digest, token_for("alice-2"), 5'000, 0);
  EXPECT_EQ(cache.size(), 1U);
  ASSERT_NE(cache.find(digest, 4'000), nullptr);
  EXPECT_EQ(cache.find(digest, 4'000)->principal.subject, "alice-2");
}

TEST(VerifiedTokenCache, TotalSizeStaysWithinMaxEntriesWhateverTheSharding) {
  struct Case {
    std::size_t max_entries;
    std::size_t shards;
  };
  for (const Case& c : {Case{100, 32}, Case{100, 7}, Case{3, 32}, Case{1, 1}, Case{64, 64}}) {
    SCOPED_TRACE(std::to_string(c.max_entries) + " entries, " + std::to_string(c.shards) +
                 " shards");
    VerifiedTokenCache cache(options(c.max_entries, c.shards));
    for (int i = 0; i < 2'000; ++i)
      cache.insert(digest_of("token-" + std::to_string(i)), token_for("s"), 10'000, 0);
    EXPECT_LE(cache.size(), c.max_entries);
    EXPECT_GE(cache.size(), 1U);
  }
}

TEST(VerifiedTokenCache, DisabledOrZeroCapacityStoresNothing) {
  CacheOptions disabled = options(10, 1);
  disabled.enabled = false;
  for (const CacheOptions& o : {disabled, options(0, 4)}) {
    VerifiedTokenCache cache(o);
    const auto digest = digest_of("t1");
    cache.insert(digest, token_for("alice"), 2'000, 0);
    EXPECT_EQ(cache.find(digest, 1), nullptr);
    EXPECT_EQ(cache.size(), 0U);
  }
}

}  // namespace
}  // namespace peerapi::auth
