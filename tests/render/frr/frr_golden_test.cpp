// Golden files of the FRR renderer, and every one of them accepted by FRR's own checkers
// (issue 5 "Tests"); a deliberately broken file is refused by the same checker call.
#include <gtest/gtest.h>

#include "render/frr/frr_checker.hpp"
#include "render/frr/frr_test_util.hpp"
#include "render/render_cases.hpp"

namespace peerapi::render {
namespace {

using namespace peerapi::testing::render_cases;
namespace checker = peerapi::testing::frr;

using checker::write_rendering;

TEST(FrrGolden, EveryCaseMatchesItsGoldenFiles) {
  const auto cases = golden_cases(Daemon::frr);
  ASSERT_GE(cases.size(), 12u);
  for (const GoldenCase& golden : cases) {
    SCOPED_TRACE(golden.name);
    const Rendering rendering = render_frr(golden.input);
    compare_with_golden(Daemon::frr, golden.name, rendering);
  }
}

TEST(FrrGolden, EveryCaseIsAcceptedByVtyshAndBgpd) {
  const std::string missing = checker::missing_checkers();
  ASSERT_TRUE(missing.empty()) << missing;
  testing::TempDir temp;
  int accepted = 0;
  for (const GoldenCase& golden : golden_cases(Daemon::frr)) {
    SCOPED_TRACE(golden.name);
    const Rendering rendering = render_frr(golden.input);
    const auto top = write_rendering(rendering, temp.path() / golden.name / "out");
    ASSERT_FALSE(top.empty()) << "no top-level file";
    EXPECT_EQ(top.filename(), "frr.conf");
    const auto check = checker::check_frr_config(top, temp.path() / golden.name / "check");
    EXPECT_TRUE(check.accepted) << check.report;
    accepted += check.accepted ? 1 : 0;
  }
  RecordProperty("accepted_golden_configs", accepted);
}

TEST(FrrGolden, TheCheckerRefusesBrokenConfigs) {
  const std::string missing = checker::missing_checkers();
  ASSERT_TRUE(missing.empty()) << missing;
  testing::TempDir temp;
  const Rendering rendering = render_frr(golden_cases(Daemon::frr).front().input);
  const auto top = write_rendering(rendering, temp.path() / "good");
  ASSERT_TRUE(checker::check_frr_config(top, temp.path() / "good-check").accepted);

  // A grammar error: vtysh refuses it.
  const std::string text = testing::read_file(top);
  testing::write_file(temp.path() / "grammar.conf",
                      text + "route-map broken permit 10\n match no-such-thing here\nexit\n");
  const auto grammar =
      checker::check_frr_config(temp.path() / "grammar.conf", temp.path() / "grammar-check");
  EXPECT_FALSE(grammar.accepted) << grammar.report;
  EXPECT_NE(grammar.report.find("Unknown command"), std::string::npos) << grammar.report;

  // A semantic error vtysh lets through: GTSM and multihop together, which bgpd refuses
  // ("Config Failed") while still exiting 0.
  testing::write_file(temp.path() / "semantic.conf",
                      text + "router bgp 64500\n neighbor 192.0.2.11 ebgp-multihop 2\nexit\n");
  const auto semantic =
      checker::check_frr_config(temp.path() / "semantic.conf", temp.path() / "semantic-check");
  EXPECT_FALSE(semantic.accepted) << semantic.report;
  EXPECT_NE(semantic.report.find("Config Failed"), std::string::npos) << semantic.report;

  // The transactional mode of the 1,000-session test: the good file passes, a prefix-list
  // entry the northbound validation refuses (ge below the prefix length) does not.
  EXPECT_TRUE(checker::bgpd_accepted(
      checker::run_bgpd(top, temp.path() / "good-tcli", /*transactional=*/true)));
  testing::write_file(temp.path() / "northbound.conf",
                      text + "ip prefix-list broken seq 5 permit 10.0.0.0/8 ge 4\n");
  const auto northbound =
      checker::run_bgpd(temp.path() / "northbound.conf", temp.path() / "northbound-check", true);
  EXPECT_FALSE(checker::bgpd_accepted(northbound)) << northbound.output;
  EXPECT_TRUE(checker::vtysh_accepted(
      checker::run_vtysh(temp.path() / "northbound.conf", temp.path() / "northbound-vtysh")));
}

}  // namespace
}  // namespace peerapi::render
