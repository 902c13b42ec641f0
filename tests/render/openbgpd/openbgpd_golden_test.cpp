// Golden files of the OpenBGPD renderer for the shared case matrix, and every one of them
// accepted by the real checker, `bgpd -n -f` (issue 5 "Tests").
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "render/openbgpd/bgpd_checker.hpp"
#include "render/openbgpd/openbgpd_test_support.hpp"
#include "render/render_cases.hpp"

namespace peerapi::render {
namespace {

using namespace peerapi::testing::render_cases;
using peerapi::testing::TempDir;
using peerapi::testing::openbgpd::check_config;

TEST(OpenbgpdGolden, EveryCaseMatchesItsGoldenFiles) {
  for (const GoldenCase& golden : golden_cases(Daemon::openbgpd)) {
    SCOPED_TRACE(golden.name);
    compare_with_golden(Daemon::openbgpd, golden.name, render_openbgpd(golden.input));
  }
}

TEST(OpenbgpdGolden, EveryCaseIsAcceptedByBgpdFromAnotherDirectory) {
  ASSERT_FALSE(peerapi::testing::openbgpd::bgpd_binary().empty())
      << "bgpd (OpenBGPD) is not installed; run scripts/install-deps";
  for (const GoldenCase& golden : golden_cases(Daemon::openbgpd)) {
    SCOPED_TRACE(golden.name);
    TempDir out;
    TempDir elsewhere;
    const Rendering rendering = render_openbgpd(golden.input);
    peerapi::testing::openbgpd::write_rendering(rendering, out.path());
    const auto top = check_config(out.path() / "bgpd.conf", elsewhere.path());
    EXPECT_EQ(top.exit_code, 0) << top.output;
    EXPECT_NE(top.output.find("configuration OK"), std::string::npos) << top.output;
    // The files an operator includes from its own main file, by absolute path.
    const auto main_file = peerapi::testing::openbgpd::write_operator_main(rendering, out.path());
    const auto parts = check_config(main_file, elsewhere.path());
    EXPECT_EQ(parts.exit_code, 0) << parts.output;
  }
}

TEST(OpenbgpdGolden, TheCheckerRefusesABrokenFile) {
  TempDir out;
  TempDir elsewhere;
  const GoldenCase golden = golden_cases(Daemon::openbgpd).front();
  const Rendering rendering = render_openbgpd(golden.input);
  peerapi::testing::openbgpd::write_rendering(rendering, out.path());
  std::string text = peerapi::testing::read_file(out.path() / "bgpd.conf");
  text += "neighbor 192.0.2.99 {\n\tremote-as 64501x\n}\n";
  peerapi::testing::write_file(out.path() / "bgpd.conf", text);
  const auto result = check_config(out.path() / "bgpd.conf", elsewhere.path());
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("64501x"), std::string::npos) << result.output;

  // A relative include resolves against bgpd's working directory, not the file's folder.
  peerapi::testing::write_file(out.path() / "relative.conf",
                               "AS 64500\nrouter-id 192.0.2.1\ninclude \"peerapi/bogons.conf\"\n");
  const auto relative = check_config(out.path() / "relative.conf", elsewhere.path());
  EXPECT_NE(relative.exit_code, 0) << relative.output;
  EXPECT_EQ(check_config(out.path() / "relative.conf", out.path()).exit_code, 0);
}

}  // namespace
}  // namespace peerapi::render
