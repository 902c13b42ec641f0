#include "auth/replay_cache.hpp"

#include <gtest/gtest.h>

namespace peerapi::auth {
namespace {

TEST(MemoryReplayCache, SecondUseIsAReplayUntilExpiry) {
  MemoryReplayCache cache;
  EXPECT_TRUE(*cache.first_use("dpop", "jti-1", 2'000, 1'000));
  EXPECT_FALSE(*cache.first_use("dpop", "jti-1", 2'000, 1'500));
  // Scopes are separate: the same value may appear once per scope.
  EXPECT_TRUE(*cache.first_use("httpsig", "jti-1", 2'000, 1'500));
  // After expiry the entry is gone (a checker refuses the expired proof by its own time window).
  EXPECT_TRUE(*cache.first_use("dpop", "jti-1", 3'000, 2'001));
  EXPECT_FALSE(*cache.first_use("dpop", "jti-1", 3'000, 2'002));
}

TEST(MemoryReplayCache, AFullCacheRefusesNewValuesInsteadOfForgettingOldOnes) {
  MemoryReplayCache cache(2);
  EXPECT_TRUE(*cache.first_use("s", "a", 10'000, 0));
  EXPECT_TRUE(*cache.first_use("s", "b", 10'000, 0));
  EXPECT_FALSE(*cache.first_use("s", "c", 10'000, 0)) << "full: refused";
  EXPECT_FALSE(*cache.first_use("s", "a", 10'000, 0)) << "still remembered";
  EXPECT_TRUE(*cache.first_use("s", "c", 20'000, 10'001)) << "expired entries make room";
}

TEST(MemoryReplayCache, ScopeAndIdCannotBeConfusedByConcatenation) {
  MemoryReplayCache cache;
  EXPECT_TRUE(*cache.first_use("ab", "c", 10, 0));
  EXPECT_TRUE(*cache.first_use("a", "bc", 10, 0));
}

}  // namespace
}  // namespace peerapi::auth
