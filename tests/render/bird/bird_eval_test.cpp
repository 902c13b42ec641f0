// The rendered shared functions run by BIRD itself: a probe file includes the rendered
// peerapi/bogons.conf and peerapi/as_path.conf and calls each function from `eval` statements,
// which `bird -p` evaluates while parsing and prints through `log stderr`. The verdicts must
// equal BogonSet::check (RFC 7454 sections 6.1.1, 6.1.2.1, 6.1.6) and the RFC 6996 / RFC 7300
// private ASN ranges.
#include <gtest/gtest.h>

#include <map>
#include <regex>

#include "render/bird/bird_checker.hpp"
#include "render/render_cases.hpp"
#include "support/test_support.hpp"

namespace peerapi::render {
namespace {

using namespace peerapi::testing::render_cases;
namespace checker = peerapi::testing::bird_checker;

/// Runs `probes` (BIRD expressions) through bird -p next to the rendered shared files; returns
/// what BIRD printed for each, by index.
std::map<int, std::string> evaluate(const Rendering& rendering,
                                    const std::vector<std::string>& probes) {
  const auto bird = checker::find_bird();
  if (!bird) {
    ADD_FAILURE() << "the bird binary (Debian package bird2) is not installed";
    return {};
  }
  testing::TempDir out;
  testing::TempDir elsewhere;
  checker::write_rendering(rendering, out.path());
  std::string config =
      "log stderr all;\nrouter id 192.0.2.1;\nprotocol device {\n}\n"
      "include \"peerapi/bogons.conf\";\ninclude \"peerapi/as_path.conf\";\n";
  for (std::size_t i = 0; i < probes.size(); ++i) {
    config += "function probe" + std::to_string(i) + "()\n{\n  print \"probe " + std::to_string(i) +
              " \", " + probes[i] + ";\n  return 0;\n}\neval probe" + std::to_string(i) + "();\n";
  }
  const auto file = out.path() / "probe.conf";
  testing::write_file(file, config);
  const auto result = checker::check(*bird, file, elsewhere.path());
  EXPECT_EQ(result.exit_code, 0) << result.output;
  std::map<int, std::string> answers;
  const std::regex line(R"(probe (\d+) (.*))");
  std::size_t start = 0;
  while (start < result.output.size()) {
    const std::size_t end = std::min(result.output.find('\n', start), result.output.size());
    const std::string text = result.output.substr(start, end - start);
    start = end + 1;
    std::smatch match;
    if (std::regex_search(text, match, line))
      answers[std::stoi(match[1].str())] = match[2].str();
  }
  return answers;
}

std::vector<model::Prefix> probes_around(const model::Prefix& prefix) {
  std::vector<model::Prefix> out{prefix};
  const std::string network = prefix.network().to_string();
  for (int delta : {-8, -1, 1, 8, 24}) {
    const int length = prefix.length() + delta;
    if (length < 0 || length > prefix.network().max_length())
      continue;
    if (auto probe = model::Prefix::parse(network + "/" + std::to_string(length)))
      out.push_back(*probe);
  }
  return out;
}

TEST(BirdEval, RenderedBogonFunctionsAgreeWithBogonSetCheck) {
  const auto& set = shipped_bogons();
  std::vector<model::Prefix> prefixes;
  for (const auto* list : {&set.v4, &set.v6, &set.v4_permit, &set.v6_permit}) {
    for (const auto& entry : *list) {
      for (const auto& probe : probes_around(entry.prefix))
        prefixes.push_back(probe);
    }
  }
  for (const auto& block : set.v6_allocated) {
    for (const auto& probe : probes_around(block))
      prefixes.push_back(probe);
  }
  for (const char* text : {"8.8.8.0/24", "1.1.1.0/24", "0.0.0.0/1", "2a00:1450::/32", "3000::/16",
                           "4000::/3", "2c0f:f000::/20", "64:ff9b::/104"})
    prefixes.push_back(prefix(text));
  ASSERT_GT(prefixes.size(), 300u);
  std::vector<std::string> probes;
  for (const auto& route : prefixes) {
    const std::string p = route.to_string();
    probes.push_back(route.family() == model::IpFamily::v4
                         ? "peerapi_bogon_v4(" + p + ")"
                         : "peerapi_bogon_v6(" + p + ") || peerapi_unallocated_v6(" + p + ")");
  }
  const auto answers = evaluate(render_bird(base_input(Daemon::bird)), probes);
  ASSERT_EQ(answers.size(), probes.size());
  int bogons = 0;
  for (std::size_t i = 0; i < prefixes.size(); ++i) {
    const bool expected = set.is_bogon(prefixes[i]);
    bogons += expected ? 1 : 0;
    EXPECT_EQ(answers.at(static_cast<int>(i)), expected ? "TRUE" : "FALSE")
        << prefixes[i].to_string();
  }
  // Both verdicts occur often enough for the comparison to mean something.
  EXPECT_GT(bogons, 50);
  EXPECT_GT(static_cast<int>(prefixes.size()) - bogons, 50);
}

TEST(BirdEval, PrivateAsnFunctionMatchesRfc6996AndRfc7300) {
  const std::vector<std::pair<std::uint32_t, bool>> cases{
      {64511, false},     {64512, true},       {65534, true},      {65535, true},
      {65536, false},     {4199999999, false}, {4200000000, true}, {4294967294, true},
      {4294967295, true}, {64501, false},      {13335, false}};
  std::vector<std::string> probes;
  for (const auto& [asn, is_private] : cases) {
    probes.push_back("peerapi_private_asn_in_path(prepend(prepend(prepend(+empty+, 13335), " +
                     std::to_string(asn) + "), 64501))");
  }
  probes.push_back("peerapi_private_asn_in_path(+empty+)");
  const auto answers = evaluate(render_bird(base_input(Daemon::bird)), probes);
  ASSERT_EQ(answers.size(), probes.size());
  for (std::size_t i = 0; i < cases.size(); ++i)
    EXPECT_EQ(answers.at(static_cast<int>(i)), cases[i].second ? "TRUE" : "FALSE")
        << cases[i].first;
  EXPECT_EQ(answers.at(static_cast<int>(cases.size())), "FALSE");
}

}  // namespace
}  // namespace peerapi::render
