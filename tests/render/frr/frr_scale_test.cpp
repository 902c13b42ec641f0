// 1,000 synthetic sessions rendered for FRR and accepted by vtysh and bgpd (issue 5 "Tests").
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <map>

#include "render/frr/frr_checker.hpp"
#include "render/frr/frr_test_util.hpp"
#include "render/render_cases.hpp"

namespace peerapi::render {
namespace {

using namespace peerapi::testing::render_cases;

constexpr std::size_t kSessions = 1000;

std::string hex(std::uint32_t value, int width) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%0*x", width, value);
  return buffer;
}

/// Documentation ASNs (RFC 5398) 64496-64511 and 65536-65551 in turn, except our own two.
std::vector<std::uint32_t> their_asns() {
  std::vector<std::uint32_t> asns;
  for (std::uint32_t value = 64496; value <= 64511; ++value)
    asns.push_back(value);
  for (std::uint32_t value = 65536; value <= 65551; ++value)
    asns.push_back(value);
  std::erase_if(asns, [](std::uint32_t value) { return value == 64500 || value == 64499; });
  return asns;
}

/// Session i: every fourth IPv4 (192.0.2.1 .. 192.0.2.250 on the IX LAN), the rest IPv6 in
/// 2001:db8::/32; roles, secrets, monitoring, multihop, local ASN and PeeringDB counts varied;
/// an IRR list of 24 to 36 ranges per peer ASN.
SessionInput synthetic_session(std::size_t i) {
  static const std::vector<std::uint32_t> asns = their_asns();
  const auto n = static_cast<std::uint32_t>(i);
  const bool v4 = i % 4 == 0;
  SessionInput session = v4 ? v4_session() : v6_session();
  session.session_id = uuid(("0190" + hex(n, 4) + "-c3d4-7e5f-8a9b-" + hex(n, 12)).c_str());
  session.neighbor.their_asn = asn(asns[i % asns.size()]);
  if (v4) {
    session.neighbor.their_ip = ip(("192.0.2." + std::to_string(1 + i / 4)).c_str());
    session.neighbor.our_ip = ip("192.0.2.254");
  } else {
    session.neighbor.their_ip = ip(("2001:db8:ffff::" + hex(n + 0x100, 1)).c_str());
  }
  static constexpr std::array<std::pair<model::BgpRole, model::BgpRole>, 5> kRoles{{
      {model::BgpRole::peer, model::BgpRole::peer},
      {model::BgpRole::provider, model::BgpRole::customer},
      {model::BgpRole::customer, model::BgpRole::provider},
      {model::BgpRole::route_server_client, model::BgpRole::route_server},
      {model::BgpRole::route_server, model::BgpRole::route_server_client},
  }};
  const auto& [ours, theirs] = kRoles[i % kRoles.size()];
  session.neighbor.our_role = ours;
  session.neighbor.their_role = theirs;
  session.neighbor.their_insert_asn = theirs != model::BgpRole::route_server;
  session.neighbor.their_monitoring = i % 50 == 7;
  session.neighbor.our_monitoring = i % 70 == 9;
  if (i % 100 == 33)
    session.neighbor.our_asn = asn(64499);
  if (i % 2 == 1)
    session.secret.reset();
  else
    session.secret = ok(model::SessionSecret::parse("k" + hex(n * 2654435761u, 8), "secret"));
  session.directly_connected = i % 10 != 5;
  if (!session.directly_connected)
    session.neighbor.our_ip = v4 ? ip("198.51.100.1") : ip("2001:db8:100::1");
  session.their_name = i % 9 == 0 ? "" : "Synthetic Network " + std::to_string(i);
  session.their_prefix_count =
      i % 5 == 0 ? std::nullopt : std::optional<std::uint32_t>(1 + (n * 37) % 5000);
  // The IRR list belongs to the peer (its AS-SET), not to the session: one per ASN.
  const auto peer = static_cast<std::uint32_t>(i % asns.size());
  session.irr_object = "AS-SYNTH-" + std::to_string(asns[peer]);
  session.irr_prefixes.clear();
  const std::uint32_t ranges = 24 + peer % 13;
  for (std::uint32_t k = 0; k < ranges; ++k) {
    const std::uint32_t seed = peer * 131 + k * 7;
    if (v4) {
      const std::string first = std::to_string(11 + seed % 90);
      const std::string second = std::to_string((seed / 90) % 256);
      session.irr_prefixes.push_back(
          k % 2 == 0
              ? range((first + "." + second + ".0.0/16{16,24}").c_str())
              : range((first + "." + second + "." + std::to_string((k * 16) % 256) + ".0/20{20,24}")
                          .c_str()));
    } else {
      session.irr_prefixes.push_back(
          k % 2 == 0
              ? range(("2a0" + hex(1 + seed % 9, 1) + ":" + hex(seed % 0xffff, 1) + "::/32{32,48}")
                          .c_str())
              : range(("2a0" + hex(1 + seed % 9, 1) + ":" + hex(seed % 0xffff, 1) + ":" +
                       hex((k * 256) % 0x10000, 1) + "::/40{40,48}")
                          .c_str()));
    }
  }
  return session;
}

TEST(FrrScale, AThousandSessionsAreRenderedAndAcceptedByVtyshAndBgpd) {
  const std::string missing = testing::frr::missing_checkers();
  ASSERT_TRUE(missing.empty()) << missing;
  RenderInput input = base_input(Daemon::frr);
  input.our_asns = {asn(64500), asn(64499)};
  for (std::size_t i = 0; i < kSessions; ++i)
    input.sessions.push_back(synthetic_session(i));

  const auto started = std::chrono::steady_clock::now();
  const Rendering rendering = render_frr(input);
  const auto render_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - started)
                             .count();
  std::map<std::string, std::string> fragments;  // session name -> fragment text
  for (const RenderedFile& file : rendering.files) {
    if (file.name.starts_with("peerapi/sessions/") && file.name.ends_with(".conf")) {
      const std::string name = file.name.substr(17, file.name.size() - 17 - 5);
      fragments.emplace(name, file.text);
    }
  }
  ASSERT_EQ(fragments.size(), kSessions);

  testing::TempDir temp;
  const auto top = testing::frr::write_rendering(rendering, temp.path() / "out");
  const std::string text = testing::read_file(top);
  EXPECT_EQ(testing::frr::count(text, "\nrouter bgp 64500\n"), kSessions + 1);
  EXPECT_GT(testing::frr::count(text, " local-as 64499 no-prepend replace-as\n"), 5u);

  // The grammar of the whole file at once.
  const auto check_started = std::chrono::steady_clock::now();
  const auto grammar = testing::frr::run_vtysh(top, temp.path() / "vtysh");
  EXPECT_TRUE(testing::frr::vtysh_accepted(grammar)) << grammar.output.substr(0, 4000);

  // bgpd: frr.conf is the part before the first fragment (shared objects and the BGP instance)
  // followed by the fragments; every byte of it is checked, the leading part with each chunk of
  // fragments. One bgpd run on the whole file takes minutes in FRR 8.4 (its prefix-list
  // duplicate check is quadratic per list and its YANG validation superlinear in route-map
  // entries), so the fragments are checked 50 at a time, with --tcli (one commit per file).
  std::vector<std::pair<std::size_t, std::size_t>> at;  // fragment positions in frr.conf
  const std::string marker = "\n! Session ";
  for (std::size_t found = text.find(marker); found != std::string::npos;
       found = text.find(marker, found + 1)) {
    const std::size_t start = found + 1;
    const std::size_t colon = text.find(':', start + marker.size() - 1);
    const std::string name =
        text.substr(start + marker.size() - 1, colon - (start + marker.size() - 1));
    const auto fragment = fragments.find(name);
    ASSERT_NE(fragment, fragments.end()) << name;
    ASSERT_EQ(text.compare(start, fragment->second.size(), fragment->second), 0) << name;
    at.emplace_back(start, fragment->second.size());
  }
  ASSERT_EQ(at.size(), kSessions);
  std::sort(at.begin(), at.end());
  const std::string leading = text.substr(0, at.front().first);
  std::string rebuilt = leading;
  for (std::size_t i = 0; i < at.size(); ++i) {
    const std::size_t end = i + 1 < at.size() ? at[i + 1].first : text.size();
    rebuilt += text.substr(at[i].first, end - at[i].first);
  }
  ASSERT_EQ(rebuilt, text);

  constexpr std::size_t kChunk = 50;
  std::vector<std::filesystem::path> chunks;
  std::vector<std::string> spans;
  for (std::size_t first = 0; first < at.size(); first += kChunk) {
    const std::size_t last = std::min(first + kChunk, at.size());
    const std::size_t end = last < at.size() ? at[last].first : text.size();
    chunks.push_back(temp.path() / ("chunk" + std::to_string(chunks.size()) + ".conf"));
    testing::write_file(chunks.back(),
                        leading + text.substr(at[first].first, end - at[first].first));
    spans.push_back("sessions " + std::to_string(first) + ".." + std::to_string(last - 1));
  }
  // Two bgpd at a time (the test machines have two cores).
  std::vector<testing::frr::ProcessResult> results(chunks.size());
  for (std::size_t i = 0; i < chunks.size(); i += 2) {
    std::vector<std::future<void>> running;
    for (std::size_t j = i; j < std::min(i + 2, chunks.size()); ++j) {
      running.push_back(std::async(std::launch::async, [&, j] {
        results[j] = testing::frr::run_bgpd(chunks[j], temp.path() / ("bgpd" + std::to_string(j)),
                                            /*transactional=*/true);
      }));
    }
    for (auto& job : running)
      job.get();
  }
  int accepted = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const bool ok_chunk = testing::frr::bgpd_accepted(results[i]);
    EXPECT_TRUE(ok_chunk) << spans[i] << "\n$ " << results[i].command << "\nrc " << results[i].rc
                          << "\n"
                          << results[i].output.substr(0, 4000);
    accepted += ok_chunk ? 1 : 0;
  }
  const int chunk_count = static_cast<int>(chunks.size());
  EXPECT_EQ(accepted, chunk_count);
  const auto check_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - check_started)
                            .count();
  RecordProperty("render_ms", static_cast<int>(render_ms));
  RecordProperty("check_ms", static_cast<int>(check_ms));
  std::printf(
      "%zu sessions: rendered in %lld ms (%zu bytes); vtysh on the whole file and bgpd on "
      "%d chunks accepted them in %lld ms\n",
      kSessions, static_cast<long long>(render_ms), text.size(), accepted,
      static_cast<long long>(check_ms));
}

}  // namespace
}  // namespace peerapi::render
