// The case matrix every daemon's renderer is tested with (issue 5 "Tests"): the same inputs for
// BIRD, FRR and OpenBGPD, so their golden files differ only in syntax. Header-only so that each
// renderer's test binary includes it without a shared library of test code.
//
// Golden files live in tests/render/golden/<daemon>/<case>/<file>; `compare_with_golden` compares
// byte for byte, and rewrites them when PEERAPI_UPDATE_GOLDEN=1 (`make update-golden`).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "render/renderer.hpp"
#include "sources/iana/registry.hpp"
#include "support/test_support.hpp"

namespace peerapi::testing::render_cases {

using namespace peerapi::render;

struct GoldenCase {
  std::string name;  // folder name under golden/<daemon>/
  RenderInput input;
};

inline const sources::iana::BogonSet& shipped_bogons() {
  static const sources::iana::BogonSet bogons = [] {
    auto registries = sources::iana::load(source_dir() / "data" / "iana");
    if (!registries)
      throw std::runtime_error("data/iana: " + registries.error().message);
    return sources::iana::derive_bogons(*registries);
  }();
  return bogons;
}

template <class T>
T ok(Result<T> result) {
  if (!result)
    throw std::runtime_error(result.error().field + ": " + result.error().message);
  return std::move(*result);
}

inline model::Asn asn(std::uint32_t value) {
  return ok(model::Asn::from_number(value));
}
inline model::IpAddress ip(const char* text) {
  return ok(model::IpAddress::parse(text));
}
inline model::Prefix prefix(const char* text) {
  return ok(model::Prefix::parse(text));
}
inline model::PrefixRange range(const char* text) {
  return ok(model::parse_prefix_range(text));
}
inline model::Uuid uuid(const char* text) {
  return ok(model::Uuid::parse(text));
}

/// Our network: AS64500 at "Example IX" (pdb:ix:1, LAN 192.0.2.0/24 and 2001:db8:ffff::/64),
/// announcing 198.51.100.0/24 and 2001:db8:100::/40; RTR cache on 127.0.0.1:3323.
inline RenderInput base_input(Daemon daemon) {
  RenderInput input;
  input.daemon = daemon;
  input.version = default_version(daemon);
  input.options.router_id = ip("192.0.2.1");
  input.options.rpki = RtrCache{"127.0.0.1", 3323};
  input.options.announce = {range("198.51.100.0/24"), range("2001:db8:100::/40")};
  input.our_asns = {asn(64500)};
  input.bogons = shipped_bogons();
  return input;
}

/// AS64501 ("Example Access") at the IX over IPv4, AS-SET AS-EXAMPLE-ACCESS with two routes,
/// 40 prefixes in PeeringDB, an MD5 secret.
inline SessionInput v4_session() {
  return SessionInput{
      .session_id = uuid("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a01"),
      .neighbor =
          Neighbor{
              .our_asn = asn(64500),
              .our_ip = ip("192.0.2.1"),
              .our_role = model::BgpRole::peer,
              .their_asn = asn(64501),
              .their_ip = ip("192.0.2.11"),
              .their_role = model::BgpRole::peer,
              .their_insert_asn = true,
              .our_monitoring = false,
              .their_monitoring = false,
          },
      .type = model::LocationType::public_peering,
      .location = ok(model::LocationId::parse("pdb:ix:1")),
      .secret = ok(model::SessionSecret::parse("s3cret-Example", "session_secret")),
      .their_name = "Example Access",
      .location_name = "Example IX",
      .their_prefix_count = 40,
      .irr_object = "AS-EXAMPLE-ACCESS",
      .irr_prefixes = {range("203.0.113.0/24"), range("198.18.0.0/15{16,24}")},
      .ixp_lan_prefixes = {prefix("192.0.2.0/24")},
      .directly_connected = true,
  };
}

inline SessionInput v6_session() {
  SessionInput session = v4_session();
  session.session_id = uuid("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a02");
  session.neighbor.our_ip = ip("2001:db8:ffff::1");
  session.neighbor.their_ip = ip("2001:db8:ffff::11");
  session.their_prefix_count = 10;
  session.irr_prefixes = {range("2001:db8:200::/40{40,48}")};
  session.ixp_lan_prefixes = {prefix("2001:db8:ffff::/64")};
  return session;
}

/// The matrix (issue 5): v4/v6, route server peer, monitoring sessions, strict/loose, with and
/// without secret, roles of each kind, peer without AS-SET, no RPKI and nothing to announce,
/// dampening, a multihop private session, and several sessions in one rendering.
inline std::vector<GoldenCase> golden_cases(Daemon daemon) {
  std::vector<GoldenCase> cases;
  const auto add = [&](std::string name, const std::vector<SessionInput>& sessions, auto&& adjust) {
    RenderInput input = base_input(daemon);
    input.sessions = sessions;
    adjust(input);
    cases.push_back(GoldenCase{std::move(name), std::move(input)});
  };
  const auto same = [](RenderInput&) {};

  add("v4_strict", {v4_session()}, same);
  add("v6_strict", {v6_session()}, same);
  add("loose_no_secret", {v4_session()}, [](RenderInput& input) {
    input.options.mode = FilterMode::loose;
    input.sessions[0].secret.reset();
  });
  {
    SessionInput rs = v4_session();
    rs.session_id = uuid("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a03");
    rs.neighbor.their_asn = asn(64510);
    rs.neighbor.their_ip = ip("192.0.2.254");
    rs.neighbor.their_role = model::BgpRole::route_server;
    rs.neighbor.our_role = model::BgpRole::route_server_client;
    rs.neighbor.their_insert_asn = false;
    rs.their_name = "Example IX Route Servers";
    rs.their_prefix_count = 5000;
    rs.irr_object = "AS-EXAMPLE-IX-RS";
    rs.irr_prefixes = {range("203.0.113.0/24"), range("198.18.0.0/15{16,24}"),
                       range("100.64.0.0/10")};
    add("route_server", {rs}, same);
  }
  {
    SessionInput theirs = v4_session();
    theirs.neighbor.their_monitoring = true;
    add("monitoring_theirs", {theirs}, same);
    SessionInput ours = v6_session();
    ours.neighbor.our_monitoring = true;
    add("monitoring_ours", {ours}, same);
  }
  {
    SessionInput customer = v4_session();
    customer.neighbor.their_role = model::BgpRole::customer;
    customer.neighbor.our_role = model::BgpRole::provider;
    add("role_customer_strict", {customer},
        [](RenderInput& input) { input.options.strict_roles = true; });
    SessionInput provider = v6_session();
    provider.neighbor.their_role = model::BgpRole::provider;
    provider.neighbor.our_role = model::BgpRole::customer;
    add("role_provider", {provider}, same);
  }
  {
    SessionInput bare = v4_session();
    bare.session_id = uuid("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a04");
    bare.neighbor.their_asn = asn(64503);
    bare.neighbor.their_ip = ip("192.0.2.13");
    bare.their_name = "";
    bare.their_prefix_count.reset();
    bare.irr_object = "AS64503";
    bare.irr_prefixes.clear();
    add("no_as_set", {bare}, same);
  }
  add("no_rpki_nothing_announced", {v4_session(), v6_session()}, [](RenderInput& input) {
    input.options.rpki.reset();
    input.options.announce.clear();
  });
  add("dampening_no_restart", {v4_session()}, [](RenderInput& input) {
    input.options.dampening = true;
    input.options.max_prefix_restart_minutes = 0;
  });
  {
    SessionInput pni = v4_session();
    pni.session_id = uuid("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a05");
    pni.type = model::LocationType::private_peering;
    pni.location = ok(model::LocationId::parse("pdb:fac:7"));
    pni.location_name = "Example Facility";
    pni.neighbor.our_ip = ip("198.51.100.1");
    pni.neighbor.their_ip = ip("203.0.113.1");
    pni.ixp_lan_prefixes.clear();
    pni.directly_connected = false;
    add("private_multihop", {pni}, same);
  }
  {
    SessionInput second = v4_session();
    second.session_id = uuid("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a06");
    second.neighbor.their_asn = asn(64502);
    second.neighbor.their_ip = ip("192.0.2.12");
    second.their_name = "Example Content";
    second.irr_object = "AS-EXAMPLE-CONTENT";
    second.irr_prefixes = {range("192.0.2.0/24"), range("203.0.113.128/25")};
    add("several_sessions", {v4_session(), v6_session(), second}, same);
  }
  return cases;
}

/// Compares `rendering` with golden/<daemon>/<case>/ byte for byte (every file, and no file
/// missing or extra); with PEERAPI_UPDATE_GOLDEN=1 rewrites the folder instead.
inline void compare_with_golden(Daemon daemon, const std::string& case_name,
                                const Rendering& rendering) {
  const auto dir =
      source_dir() / "tests" / "render" / "golden" / std::string(to_string(daemon)) / case_name;
  const char* update = std::getenv("PEERAPI_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::filesystem::remove_all(dir);
    for (const auto& file : rendering.files) {
      std::filesystem::create_directories((dir / file.name).parent_path());
      write_file(dir / file.name, file.text);
    }
    return;
  }
  ASSERT_TRUE(std::filesystem::is_directory(dir))
      << dir << " is missing; run `make update-golden` and review the new files";
  std::set<std::string> expected_names;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file())
      expected_names.insert(entry.path().lexically_relative(dir).generic_string());
  }
  std::set<std::string> rendered_names;
  for (const auto& file : rendering.files) {
    rendered_names.insert(file.name);
    const auto path = dir / file.name;
    ASSERT_TRUE(std::filesystem::exists(path)) << "no golden file " << path;
    EXPECT_EQ(read_file(path), file.text) << "rendered " << file.name << " differs from " << path
                                          << " (make update-golden rewrites it)";
  }
  EXPECT_EQ(expected_names, rendered_names) << "golden folder " << dir;
}

}  // namespace peerapi::testing::render_cases
