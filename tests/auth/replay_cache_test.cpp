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

TEST(DeferredReplayCache, CollectsValuesAndRefusesOneGivenTwice) {
  DeferredReplayCache pending;
  EXPECT_TRUE(*pending.first_use("dpop", "a", 10, 0));
  EXPECT_TRUE(*pending.first_use("httpsig", "a", 20, 0));
  EXPECT_FALSE(*pending.first_use("dpop", "a", 10, 0)) << "twice within one request";
  ASSERT_EQ(pending.values().size(), 2u);
  EXPECT_EQ(pending.values()[1].scope, "httpsig");
  EXPECT_EQ(pending.values()[1].expires_at_ms, 20);
}

TEST(ReplayCache, FirstUseAllSpendsEverythingOrReportsTheReplay) {
  MemoryReplayCache cache;
  const std::vector<OneTimeValue> request{{"dpop", "j1", 1'000}, {"httpsig", "n1", 1'000}};
  EXPECT_TRUE(*cache.first_use_all(request, 0));
  EXPECT_FALSE(*cache.first_use_all(request, 1)) << "the same values again";
  const std::vector<OneTimeValue> half{{"dpop", "j2", 1'000}, {"httpsig", "n1", 1'000}};
  EXPECT_FALSE(*cache.first_use_all(half, 2)) << "one reused value is enough to refuse";
  EXPECT_TRUE(*cache.first_use_all({}, 3)) << "nothing to spend";
}

}  // namespace
}  // namespace peerapi::auth
