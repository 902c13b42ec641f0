// Test helpers for the OpenBGPD renderer: writing a rendering to disk, an operator's own main
// file that includes the peerapi/ files, and the synthetic 1,000-session input.
#pragma once

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "render/render_cases.hpp"
#include "render/renderer.hpp"
#include "support/test_support.hpp"

namespace peerapi::testing::openbgpd {

using namespace peerapi::render;

inline void write_rendering(const Rendering& rendering, const std::filesystem::path& dir) {
  for (const RenderedFile& file : rendering.files)
    write_file(dir / file.name, file.text);
}

/// operator.conf in `dir`: the global lines of the rendered bgpd.conf (AS, router-id) and an
/// `include` with an absolute path of every other rendered file, shared files first: how an
/// operator who keeps their own main file uses the output.
inline std::filesystem::path write_operator_main(const Rendering& rendering,
                                                 const std::filesystem::path& dir) {
  std::string text;
  std::vector<std::string> shared;
  std::vector<std::string> sessions;
  for (const RenderedFile& file : rendering.files) {
    if (file.top_level) {
      std::istringstream lines(file.text);
      for (std::string line; std::getline(lines, line);) {
        if (line.rfind("AS ", 0) == 0 || line.rfind("router-id ", 0) == 0)
          text += line + "\n";
      }
    } else if (file.name.rfind("peerapi/sessions/", 0) == 0) {
      sessions.push_back(file.name);
    } else {
      shared.push_back(file.name);
    }
  }
  for (const auto* names : {&shared, &sessions}) {
    for (const auto& name : *names)
      text += "include \"" + (dir / name).string() + "\"\n";
  }
  const auto path = dir / "operator.conf";
  write_file(path, text);
  return path;
}

/// 1,000 sessions (issue 5): documentation ASNs cycling 64496-64511 and 65536-65551, neighbor
/// addresses in 192.0.2.0/24 (every fourth session) and 2001:db8::/32, IRR lists of 30 ranges,
/// roles, route servers, monitoring sessions and secrets mixed.
inline RenderInput thousand_sessions() {
  using namespace peerapi::testing::render_cases;
  RenderInput input = base_input(Daemon::openbgpd);
  input.sessions.reserve(1000);
  for (int i = 0; i < 1000; ++i) {
    SessionInput session = v4_session();
    char id[40];
    std::snprintf(id, sizeof id, "0190a1b2-c3d4-7e5f-8a9b-%012llx",
                  0x5e55100000ULL + static_cast<unsigned long long>(i));
    session.session_id = uuid(id);
    const std::uint32_t their_asn =
        i % 2 == 0 ? 64496u + unsigned(i / 2 % 16) : 65536u + unsigned(i / 2 % 16);
    session.neighbor.their_asn = asn(their_asn);
    const bool v4 = i % 4 == 0;
    char address[48];
    if (v4) {
      std::snprintf(address, sizeof address, "192.0.2.%d", i / 4 + 1);  // .1 .. .250
      session.neighbor.our_ip = ip("192.0.2.254");
      session.neighbor.their_ip = ip(address);
      session.their_prefix_count = 10 + unsigned(i);
    } else {
      std::snprintf(address, sizeof address, "2001:db8:ffff::%x", 0x100 + i);
      session.neighbor.our_ip = ip("2001:db8:ffff::1");
      session.neighbor.their_ip = ip(address);
      session.ixp_lan_prefixes = {prefix("2001:db8:ffff::/64")};
      if (i % 7 == 0)
        session.their_prefix_count.reset();
    }
    session.irr_prefixes.clear();
    for (int k = 0; k < 30; ++k) {
      char text[64];
      if (v4)
        std::snprintf(text, sizeof text, "%d.%d.0.0/16{16,24}", 11 + k, i % 250);
      else
        std::snprintf(text, sizeof text, "2a00:%x::/32{32,48}", 0x1000 + i * 30 + k);
      session.irr_prefixes.push_back(range(text));
    }
    session.irr_object = "AS-SYNTHETIC-" + std::to_string(i);
    session.their_name = i % 5 == 0 ? "" : "Synthetic Network " + std::to_string(i);
    switch (i % 6) {
      case 0:
        break;  // peer - peer
      case 1:
        session.neighbor.our_role = model::BgpRole::provider;
        session.neighbor.their_role = model::BgpRole::customer;
        break;
      case 2:
        session.neighbor.our_role = model::BgpRole::customer;
        session.neighbor.their_role = model::BgpRole::provider;
        break;
      case 3:
        session.neighbor.our_role = model::BgpRole::route_server_client;
        session.neighbor.their_role = model::BgpRole::route_server;
        session.neighbor.their_insert_asn = false;
        break;
      case 4:
        session.neighbor.their_monitoring = true;
        break;
      case 5:
        session.neighbor.our_monitoring = true;
        break;
    }
    if (i % 3 != 0)
      session.secret.reset();
    if (i % 11 == 0)
      session.directly_connected = false;
    input.sessions.push_back(std::move(session));
  }
  // RenderInput::sessions contract: sorted by (their ASN, session id).
  std::sort(input.sessions.begin(), input.sessions.end(),
            [](const SessionInput& a, const SessionInput& b) {
              return std::pair(a.neighbor.their_asn, a.session_id) <
                     std::pair(b.neighbor.their_asn, b.session_id);
            });
  return input;
}

}  // namespace peerapi::testing::openbgpd
