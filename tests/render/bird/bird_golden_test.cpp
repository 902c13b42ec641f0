// Golden files of the BIRD renderer for the shared case matrix, and every rendering accepted by
// BIRD's own parser (`bird -p`), run from another working directory.
#include <gtest/gtest.h>

#include "render/bird/bird_checker.hpp"
#include "render/render_cases.hpp"
#include "support/test_support.hpp"

namespace peerapi::render {
namespace {

using namespace peerapi::testing::render_cases;
namespace checker = peerapi::testing::bird_checker;

std::filesystem::path bird_or_fail() {
  const auto bird = checker::find_bird();
  if (!bird) {
    ADD_FAILURE() << "the bird binary (Debian package bird2) is not installed; run "
                     "scripts/install-deps";
    return {};
  }
  return *bird;
}

TEST(BirdGolden, EveryCaseMatchesItsGoldenFiles) {
  const auto cases = golden_cases(Daemon::bird);
  ASSERT_GE(cases.size(), 12u);
  for (const auto& golden : cases) {
    SCOPED_TRACE(golden.name);
    compare_with_golden(Daemon::bird, golden.name, render_bird(golden.input));
  }
}

TEST(BirdGolden, EveryCaseIsAcceptedByBirdFromAnotherWorkingDirectory) {
  const auto bird = bird_or_fail();
  ASSERT_FALSE(bird.empty());
  testing::TempDir elsewhere;
  for (const auto& golden : golden_cases(Daemon::bird)) {
    SCOPED_TRACE(golden.name);
    testing::TempDir out;
    const auto top = checker::write_rendering(render_bird(golden.input), out.path());
    const auto result = checker::check(bird, top, elsewhere.path());
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(result.output, "");
  }
}

TEST(BirdGolden, TheCheckerRefusesABrokenConfiguration) {
  const auto bird = bird_or_fail();
  ASSERT_FALSE(bird.empty());
  testing::TempDir elsewhere;
  testing::TempDir out;
  Rendering rendering = render_bird(golden_cases(Daemon::bird).front().input);
  // The hard-limit action misspelt, as in /work/shared/reference/daemons/README.md.
  bool broken = false;
  for (auto& file : rendering.files) {
    const auto at = file.text.find("action restart;");
    if (at == std::string::npos)
      continue;
    file.text.replace(at, std::string("action restart;").size(), "action shutdown;");
    broken = true;
  }
  ASSERT_TRUE(broken);
  const auto result =
      checker::check(bird, checker::write_rendering(rendering, out.path()), elsewhere.path());
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("syntax error"), std::string::npos) << result.output;
}

TEST(BirdGolden, TheCheckerRefusesAMissingInclude) {
  const auto bird = bird_or_fail();
  ASSERT_FALSE(bird.empty());
  testing::TempDir elsewhere;
  testing::TempDir out;
  const auto top =
      checker::write_rendering(render_bird(golden_cases(Daemon::bird).front().input), out.path());
  std::filesystem::remove(out.path() / "peerapi" / "bogons.conf");
  const auto result = checker::check(bird, top, elsewhere.path());
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("bogons.conf"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace peerapi::render
