// 1,000 sessions rendered for OpenBGPD and accepted by `bgpd -n` (issue 5 "Tests").
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "render/openbgpd/bgpd_checker.hpp"
#include "render/openbgpd/openbgpd_test_support.hpp"

namespace peerapi::render {
namespace {

using peerapi::testing::TempDir;
using peerapi::testing::openbgpd::check_config;

TEST(OpenbgpdScale, ThousandSessionsAreAcceptedByBgpd) {
  ASSERT_FALSE(peerapi::testing::openbgpd::bgpd_binary().empty())
      << "bgpd (OpenBGPD) is not installed; run scripts/install-deps";
  const RenderInput input = peerapi::testing::openbgpd::thousand_sessions();
  const Rendering rendering = render_openbgpd(input);
  // bgpd.conf, bogons, announce, rpki and one file per session, each name once.
  ASSERT_EQ(rendering.files.size(), 5u + 1000u);
  std::set<std::string> names;
  for (const RenderedFile& file : rendering.files)
    names.insert(file.name);
  EXPECT_EQ(names.size(), rendering.files.size());

  TempDir out;
  TempDir elsewhere;
  peerapi::testing::openbgpd::write_rendering(rendering, out.path());
  const auto top = check_config(out.path() / "bgpd.conf", elsewhere.path());
  EXPECT_EQ(top.exit_code, 0) << top.output.substr(0, 4000);
  EXPECT_NE(top.output.find("configuration OK"), std::string::npos) << top.output.substr(0, 4000);
  const auto main_file = peerapi::testing::openbgpd::write_operator_main(rendering, out.path());
  const auto parts = check_config(main_file, elsewhere.path());
  EXPECT_EQ(parts.exit_code, 0) << parts.output.substr(0, 4000);
}

TEST(OpenbgpdScale, RenderingIsDeterministic) {
  const RenderInput input = peerapi::testing::openbgpd::thousand_sessions();
  const Rendering first = render_openbgpd(input);
  const Rendering second = render_openbgpd(input);
  ASSERT_EQ(first.files.size(), second.files.size());
  for (std::size_t i = 0; i < first.files.size(); ++i) {
    EXPECT_EQ(first.files[i].name, second.files[i].name);
    EXPECT_EQ(first.files[i].text, second.files[i].text) << first.files[i].name;
  }
}

}  // namespace
}  // namespace peerapi::render
