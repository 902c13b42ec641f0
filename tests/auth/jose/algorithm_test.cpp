#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/jose/algorithm.hpp"

namespace peerapi::auth::jose {
namespace {

TEST(Algorithm, NamesRoundTripCaseSensitively) {
  for (std::size_t i = 0; i < kAlgorithmCount; ++i) {
    const auto algorithm = static_cast<Algorithm>(i);
    EXPECT_EQ(algorithm_from_name(to_string(algorithm)), algorithm) << to_string(algorithm);
  }
  EXPECT_EQ(to_string(Algorithm::eddsa), "EdDSA");
  EXPECT_EQ(to_string(Algorithm::es256), "ES256");
  EXPECT_FALSE(algorithm_from_name("none"));
  EXPECT_FALSE(algorithm_from_name("es256"));
  EXPECT_FALSE(algorithm_from_name("EDDSA"));
  EXPECT_FALSE(algorithm_from_name("ES256 "));
  EXPECT_FALSE(algorithm_from_name(""));
}

TEST(AlgorithmSet, IsEmptyUntilNamed) {
  const AlgorithmSet empty;
  EXPECT_TRUE(empty.empty());
  for (std::size_t i = 0; i < kAlgorithmCount; ++i)
    EXPECT_FALSE(empty.contains(static_cast<Algorithm>(i)));

  const AlgorithmSet set{Algorithm::es256, Algorithm::eddsa};
  EXPECT_TRUE(set.contains(Algorithm::es256));
  EXPECT_TRUE(set.contains(Algorithm::eddsa));
  EXPECT_FALSE(set.contains(Algorithm::rs256));
  EXPECT_EQ(set.to_string(), "ES256, EdDSA");
}

TEST(AlgorithmSet, AllAsymmetricHasNoHmac) {
  const AlgorithmSet set = AlgorithmSet::all_asymmetric();
  EXPECT_FALSE(set.contains(Algorithm::hs256));
  EXPECT_FALSE(set.contains(Algorithm::hs384));
  EXPECT_FALSE(set.contains(Algorithm::hs512));
  EXPECT_TRUE(set.contains(Algorithm::rs256));
  EXPECT_TRUE(set.contains(Algorithm::ps512));
  EXPECT_TRUE(set.contains(Algorithm::eddsa));
}

TEST(AlgorithmSet, ParsesConfiguredNames) {
  const std::vector<std::string> names = {"ES256", "EdDSA", "PS256"};
  auto set = AlgorithmSet::parse(names, "auth.issuers[0].algorithms");
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(*set, (AlgorithmSet{Algorithm::es256, Algorithm::eddsa, Algorithm::ps256}));
}

TEST(AlgorithmSet, RejectsNoneAndUnknownNamesWithTheirIndex) {
  for (const auto& [names, field] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"ES256", "none"}, "algorithms[1]"},
           {{"RS1"}, "algorithms[0]"},
           {{"ES256", "EdDSA", "es384"}, "algorithms[2]"},
       }) {
    auto set = AlgorithmSet::parse(names, "algorithms");
    ASSERT_FALSE(set) << field;
    EXPECT_EQ(set.error().code, ErrorCode::invalid_value);
    EXPECT_EQ(set.error().field, field);
  }
}

}  // namespace
}  // namespace peerapi::auth::jose
