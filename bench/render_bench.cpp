// Rendering 10,000 sessions with full strict filters (issue 5 target: <= 2 s per daemon), next to
// BIRD's own parse time of the same configuration (`bird -p`) in the same run: peerapi's
// rendering should cost less than the daemon's parsing.
//
// The world: 1,000 peers, each with 10 sessions (5 exchanges x IPv4 and IPv6), each with an
// AS-SET of 40 member ASNs from a synthetic IRR dump (20 IPv4 and 5 IPv6 routes per member, so
// 800 IPv4 and 200 IPv6 routes per peer before aggregation; 1.2 M route objects in all).
//   BuildInput   server::build_render_input: every peer's AS-SET expanded and its prefix lists
//                aggregated (once per peer), bogons, options — what `peerapi render --all` does
//                before rendering.
//   Render/<d>   render::render of that input for daemon d.
//   BirdParse    `bird -p -c bird.conf` on the rendered BIRD files (one run; wall time).
#include <benchmark/benchmark.h>

#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "render/renderer.hpp"
#include "server/render_inputs.hpp"
#include "sources/iana/registry.hpp"
#include "sources/irr/irr_database.hpp"
#include "sources/peeringdb/snapshot.hpp"
#include "support/test_support.hpp"

namespace {

using namespace peerapi;

constexpr int kPeers = 1'000;
constexpr int kExchanges = 5;  // sessions per peer: kExchanges x 2 families
constexpr int kMembersPerSet = 40;
constexpr int kRoutes4PerMember = 20;
constexpr int kRoutes6PerMember = 5;

std::uint32_t peer_asn(int peer) {
  return 4'200'000'000u + static_cast<std::uint32_t>(peer);
}
std::uint32_t member_asn(int peer, int member) {
  return 4'201'000'000u + static_cast<std::uint32_t>(peer * kMembersPerSet + member);
}

/// An RPSL dump: one AS-SET per peer (the peer and its 39 customers), routes for every member.
/// IPv4 routes are /24s counted up from 32.0.0.0, IPv6 routes /48s inside 2a00::/12: globally
/// routable space, so that no bogon rule hides the cost of the lists.
std::string synthetic_dump() {
  std::string rpsl;
  rpsl.reserve(150u << 20);
  std::uint32_t block4 = 0;
  std::uint32_t block6 = 0;
  for (int peer = 0; peer < kPeers; ++peer) {
    rpsl +=
        "as-set: AS-PEER" + std::to_string(peer) + "\nmembers: AS" + std::to_string(peer_asn(peer));
    for (int member = 1; member < kMembersPerSet; ++member)
      rpsl += ", AS" + std::to_string(member_asn(peer, member));
    rpsl += "\nsource: BENCH\n\n";
    for (int member = 0; member < kMembersPerSet; ++member) {
      const std::string origin =
          "AS" + std::to_string(member == 0 ? peer_asn(peer) : member_asn(peer, member));
      // Every other /24 (and /48): no two routes are siblings, so aggregation keeps each one
      // and the lists stay as long as the cones are large.
      for (int r = 0; r < kRoutes4PerMember; ++r, block4 += 2) {
        rpsl += "route: " + std::to_string(32 + (block4 >> 16)) + "." +
                std::to_string((block4 >> 8) & 255) + "." + std::to_string(block4 & 255) +
                ".0/24\norigin: " + origin + "\nsource: BENCH\n\n";
      }
      for (int r = 0; r < kRoutes6PerMember; ++r, block6 += 2) {
        char text[64];
        std::snprintf(text, sizeof text, "2a%02x:%x:%x::/48", 1 + (block6 >> 24),
                      (block6 >> 12) & 0xfff, block6 & 0xfff);
        rpsl += std::string("route6: ") + text + "\norigin: " + origin + "\nsource: BENCH\n\n";
      }
    }
  }
  return rpsl;
}

/// PeeringDB records naming each peer's AS-SET and prefix counts, and the 5 exchanges.
std::shared_ptr<const sources::peeringdb::Snapshot> synthetic_peeringdb() {
  sources::peeringdb::SnapshotBuilder builder;
  std::string org = R"({"data": [{"id": 1, "name": "Bench Org"}]})";
  std::string net = R"({"data": [)";
  for (int peer = 0; peer < kPeers; ++peer) {
    net += (peer == 0 ? "" : ",") + std::string(R"({"id": )") + std::to_string(peer + 1) +
           R"(, "org_id": 1, "asn": )" + std::to_string(peer_asn(peer)) +
           R"(, "name": "Bench Peer )" + std::to_string(peer) + R"(", "irr_as_set": "AS-PEER)" +
           std::to_string(peer) + R"(", "info_prefixes4": 800, "info_prefixes6": 200})";
  }
  net += "]}";
  std::string ix = R"({"data": [)";
  for (int i = 1; i <= kExchanges; ++i) {
    ix += (i == 1 ? "" : ",") + std::string(R"({"id": )") + std::to_string(i) +
          R"(, "org_id": 1, "name": "Bench IX )" + std::to_string(i) + R"("})";
  }
  ix += "]}";
  if (!builder.add_document("org", org) || !builder.add_document("net", net) ||
      !builder.add_document("ix", ix))
    std::abort();
  return std::move(builder).build().first;
}

struct World {
  std::shared_ptr<const sources::peeringdb::Snapshot> peeringdb;
  std::shared_ptr<sources::irr::IrrDatabase> irr;
  server::RenderSources sources;
  config::Config config;
  std::vector<model::Session> sessions;
};

World& world() {
  static World* built = [] {
    auto* w = new World;
    sources::irr::LoadReport report;
    auto irr = sources::irr::IrrDatabase::from_text(synthetic_dump(), report);
    if (!irr)
      std::abort();
    w->irr = *irr;
    w->sources.irr = w->irr.get();
    w->peeringdb = synthetic_peeringdb();
    w->sources.peeringdb = w->peeringdb.get();
    auto registries = sources::iana::load(peerapi::testing::source_dir() / "data" / "iana");
    if (!registries)
      std::abort();
    w->sources.bogons = sources::iana::derive_bogons(*registries);
    w->config.network.asns = {*model::Asn::from_number(64500)};
    w->config.render.router_id = *model::IpAddress::parse("192.0.2.1");
    w->config.render.rpki = render::RtrCache{"127.0.0.1", 3323};
    w->config.render.announce = {*model::parse_prefix_range("198.51.100.0/24"),
                                 *model::parse_prefix_range("2001:db8:100::/40")};
    std::uint32_t serial = 0;
    for (int peer = 0; peer < kPeers; ++peer) {
      for (int ix = 0; ix < kExchanges; ++ix) {
        for (const bool v4 : {true, false}) {
          ++serial;
          char id[40];
          std::snprintf(id, sizeof id, "0190a1b2-c3d4-7e5f-8a9b-%012x", serial);
          // Each exchange a /16 (v4) or /64 (v6) of its own; the peer's address in it.
          const std::string ours =
              v4 ? "10." + std::to_string(ix) + ".0.1" : "2001:db8:" + std::to_string(ix) + "::1";
          const std::string theirs =
              v4 ? "10." + std::to_string(ix) + "." + std::to_string(peer / 250) + "." +
                       std::to_string(2 + peer % 250)
                 : "2001:db8:" + std::to_string(ix) + "::" + std::to_string(1000 + peer);
          w->sessions.push_back(model::Session{
              .session_id = *model::Uuid::parse(id),
              .request_id = *model::Uuid::parse(id),
              .fields =
                  model::SessionRequest{
                      .local_asn = *model::Asn::from_number(peer_asn(peer)),
                      .local_ip = *model::IpAddress::parse(theirs),
                      .peer_asn = *model::Asn::from_number(64500),
                      .peer_ip = *model::IpAddress::parse(ours),
                      .local_bgp_role = model::BgpRole::peer,
                      .peer_bgp_role = model::BgpRole::peer,
                      .local_insert_asn = true,
                      .peer_insert_asn = true,
                      .local_monitoring_session = false,
                      .peer_monitoring_session = false,
                      .peer_type = model::LocationType::public_peering,
                      .session_secret = std::nullopt,
                      .location = model::LocationId::ix(static_cast<std::uint32_t>(ix + 1)),
                  },
              .status = model::SessionStatus::approved,
              .created_at_ms = 0,
              .updated_at_ms = 0,
          });
        }
      }
    }
    return w;
  }();
  return *built;
}

render::RenderInput build(render::Daemon daemon) {
  World& w = world();
  std::vector<render::Notice> notices;
  auto input = server::build_render_input(daemon, render::default_version(daemon), w.config,
                                          w.sessions, render::Side::receiver, w.sources, notices);
  if (!input || input->sessions.size() != w.sessions.size() ||
      input->sessions.front().irr_object != "AS-PEER0")
    std::abort();
  return std::move(*input);
}

void BM_BuildInput(benchmark::State& state) {
  std::size_t ranges = 0;
  for (auto _ : state) {
    auto input = build(render::Daemon::bird);
    ranges = 0;
    for (const auto& session : input.sessions)
      ranges += session.irr_prefixes.size();
    benchmark::DoNotOptimize(input);
  }
  state.counters["sessions"] = static_cast<double>(world().sessions.size());
  state.counters["irr_ranges"] = static_cast<double>(ranges);
}

void BM_Render(benchmark::State& state, render::Daemon daemon) {
  const render::RenderInput input = build(daemon);
  std::size_t bytes = 0;
  std::size_t files = 0;
  for (auto _ : state) {
    const render::Rendering rendering = render::render(input);
    bytes = 0;
    for (const auto& file : rendering.files)
      bytes += file.text.size();
    files = rendering.files.size();
    benchmark::DoNotOptimize(rendering);
  }
  if (files == 0)
    state.SkipWithError("the renderer produced no files");
  state.counters["sessions"] = static_cast<double>(input.sessions.size());
  state.counters["files"] = static_cast<double>(files);
  state.counters["MB"] = static_cast<double>(bytes) / 1e6;
}

/// `bird -p -c bird.conf` on the rendered files: wall time of the daemon's own parse.
void BM_BirdParse(benchmark::State& state) {
  static const peerapi::testing::TempDir dir;
  const render::Rendering rendering = render::render(build(render::Daemon::bird));
  std::filesystem::path top;
  for (const auto& file : rendering.files) {
    const auto path = dir.path() / file.name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << file.text;
    if (file.top_level)
      top = path;
  }
  if (top.empty()) {
    state.SkipWithError("no top-level bird.conf rendered");
    return;
  }
  const std::string command = "bird -p -c '" + top.string() + "' 2>&1";
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    FILE* pipe = popen(command.c_str(), "r");
    std::string output;
    char buffer[4096];
    while (pipe != nullptr && std::fgets(buffer, sizeof buffer, pipe) != nullptr)
      output += buffer;
    const int status = pipe != nullptr ? pclose(pipe) : -1;
    const auto elapsed = std::chrono::steady_clock::now() - start;
    state.SetIterationTime(std::chrono::duration<double>(elapsed).count());
    if (status != 0) {
      state.SkipWithError(("bird -p refused the configuration: " + output.substr(0, 300)).c_str());
      return;
    }
  }
}

}  // namespace

BENCHMARK(BM_BuildInput)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(BM_Render, bird, render::Daemon::bird)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Render, frr, render::Daemon::frr)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Render, openbgpd, render::Daemon::openbgpd)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BirdParse)->Unit(benchmark::kMillisecond)->UseManualTime()->Iterations(1);
BENCHMARK_MAIN();
