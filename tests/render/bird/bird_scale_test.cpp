// 1,000 synthetic sessions rendered into one configuration and accepted by `bird -p`.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "render/bird/bird_checker.hpp"
#include "render/render_cases.hpp"
#include "support/test_support.hpp"

namespace peerapi::render {
namespace {

using namespace peerapi::testing::render_cases;
namespace checker = peerapi::testing::bird_checker;

std::string hex(unsigned value, int digits) {
  std::array<char, 16> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%0*x", digits, value);
  return buffer.data();
}

/// Session `i` of the synthetic set: documentation ASNs cycling 64496-64511 and 65536-65551,
/// one IPv4 session in four (192.0.2.0/24), the others IPv6 (2001:db8::/32), a few dozen IRR
/// ranges each, roles, secrets, monitoring and route-server flags mixed.
SessionInput synthetic_session(unsigned i) {
  SessionInput session = v4_session();
  session.session_id = uuid(("0" + hex(i, 7) + "-0000-7000-8000-" + hex(i * 7919u, 12)).c_str());
  // 31 ASNs: both documentation ranges without our own 64500.
  std::uint32_t their_asn = (i % 2 == 0 ? 64496u : 65536u) + (i / 2) % 16;
  if (their_asn == 64500)
    their_asn = 65551;
  session.neighbor.their_asn = asn(their_asn);
  constexpr std::array roles{model::BgpRole::peer, model::BgpRole::customer,
                             model::BgpRole::provider, model::BgpRole::route_server_client,
                             model::BgpRole::route_server};
  session.neighbor.our_role = roles[i % roles.size()];
  session.neighbor.their_role = model::matching_role(session.neighbor.our_role);
  session.neighbor.their_insert_asn = i % 20 != 5;
  session.neighbor.their_monitoring = i % 50 == 7;
  session.neighbor.our_monitoring = i % 50 == 13;
  if (i % 3 == 0)
    session.secret.reset();
  else
    session.secret = ok(model::SessionSecret::parse("secret-" + std::to_string(i), "secret"));
  session.their_name = "Synthetic Network " + std::to_string(i);
  session.their_prefix_count = i % 7 == 0 ? std::optional<std::uint32_t>{} : 10 + i % 300;
  session.irr_object = "AS-SYNTH-" + std::to_string(i);
  session.directly_connected = i % 11 != 3;
  session.irr_prefixes.clear();
  const unsigned ranges = 24 + i % 24;
  if (i % 4 == 0) {
    session.neighbor.our_ip = ip("192.0.2.254");
    session.neighbor.their_ip = ip(("192.0.2." + std::to_string(1 + i / 4)).c_str());
    for (unsigned k = 0; k < ranges; ++k) {
      session.irr_prefixes.push_back(
          range(("198.18." + std::to_string((i + k) % 256) + ".0/24").c_str()));
    }
    session.ixp_lan_prefixes = {prefix("192.0.2.0/24")};
  } else {
    session.neighbor.our_ip = ip("2001:db8:ffff::1");
    session.neighbor.their_ip = ip(("2001:db8:" + hex(i, 1) + "::2").c_str());
    for (unsigned k = 0; k < ranges; ++k) {
      session.irr_prefixes.push_back(
          range(("2001:db8:" + hex(((i + k) % 255 + 1) << 8, 1) + "::/40{40,48}").c_str()));
    }
    session.ixp_lan_prefixes = {prefix("2001:db8:ffff::/64")};
  }
  std::sort(session.irr_prefixes.begin(), session.irr_prefixes.end());
  return session;
}

TEST(BirdScale, AThousandSessionsAreAcceptedByBird) {
  const auto bird = checker::find_bird();
  ASSERT_TRUE(bird.has_value()) << "the bird binary (Debian package bird2) is not installed; run "
                                   "scripts/install-deps";
  RenderInput input = base_input(Daemon::bird);
  input.options.strict_roles = true;
  for (unsigned i = 0; i < 1000; ++i)
    input.sessions.push_back(synthetic_session(i));
  std::sort(input.sessions.begin(), input.sessions.end(),
            [](const SessionInput& a, const SessionInput& b) {
              return std::pair(a.neighbor.their_asn, a.session_id) <
                     std::pair(b.neighbor.their_asn, b.session_id);
            });

  const Rendering rendering = render_bird(input);
  EXPECT_EQ(rendering.files.size(), 1000u + 6u);  // bird.conf, 5 shared, 1000 sessions
  for (const auto& notice : rendering.notices)
    EXPECT_NE(notice.what, "session_name") << notice.message;

  testing::TempDir out;
  testing::TempDir elsewhere;
  const auto top = checker::write_rendering(rendering, out.path());
  const auto result = checker::check(*bird, top, elsewhere.path());
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "");

  // The same files with one session's filter broken are refused: the check reads them all.
  const auto victim =
      out.path() / "peerapi" / "sessions" / (session_name(input.sessions[500]) + ".conf");
  std::string text = testing::read_file(victim);
  text.replace(text.find("accept;\n}"), 7, "acept;\n}");
  testing::write_file(victim, text);
  const auto broken = checker::check(*bird, top, elsewhere.path());
  EXPECT_NE(broken.exit_code, 0);
  EXPECT_NE(broken.output.find(victim.filename().string()), std::string::npos) << broken.output;
}

}  // namespace
}  // namespace peerapi::render
