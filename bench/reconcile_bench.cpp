// Issue 6, "Performance": reconcile of 1,000 sessions on one BIRD (apply + first state read),
// target <= 5 s. A real BIRD 2 runs in a network namespace of its own (no neighbor answers: the
// sessions sit in connect/active, which is what a first read after an apply sees); the store is
// SQLite in a temporary folder; the configuration is rendered by peerapi's BIRD renderer (loose
// filters, PeeringDB facts from the example snapshot) and applied by the BIRD driver.
//
//   FirstPass/1000   approved -> rendered, written, `configure check`, `configure`, read,
//                    configured: one Reconciler::run_pass from an empty router
//   SteadyPass/1000  the next pass: nothing to apply (the driver sees the same files), one
//                    `show protocols all` and the records
// Counters: apply_ms and read_ms as the pass measured them.
#include <benchmark/benchmark.h>

#include <iostream>

#include "lifecycle/reconciler.hpp"
#include "render/behaviour/daemons.hpp"
#include "render/behaviour/lab.hpp"
#include "router/bird/bird_driver.hpp"
#include "server/router_setup.hpp"
#include "sources/iana/registry.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "support/test_support.hpp"
#include "util/atomic_file.hpp"

namespace {

using namespace peerapi;
namespace lab = peerapi::testing::lab;

constexpr int kSessions = 1000;

struct World {
  peerapi::testing::TempDir dir;
  std::unique_ptr<lab::Namespace> ns;
  std::unique_ptr<peerapi::testing::behaviour::BirdDaemon> bird;
  config::Config config;
  std::unique_ptr<server::SnapshotHolder> peeringdb;
  router::ProcessRunner runner;
  std::unique_ptr<router::bird::BirdDriver> driver;
  util::SystemClock clock;
  util::SecureRandom random;
  std::string error;

  World() {
    ns = std::make_unique<lab::Namespace>("reconcile-bench");
    if (!ns->valid()) {
      error = ns->error();
      return;
    }
    for (const auto& argv : std::vector<std::vector<std::string>>{
             {"ip", "link", "set", "lo", "up"},
             {"ip", "link", "add", "ixlan", "type", "veth", "peer", "name", "ixlan-end"},
             {"ip", "link", "set", "ixlan-end", "up"},
             {"ip", "addr", "add", "192.0.2.1/24", "dev", "ixlan"},
             {"ip", "addr", "add", "2001:db8:ffff::1/64", "dev", "ixlan", "nodad"},
             {"ip", "link", "set", "ixlan", "up"}}) {
      const auto result = lab::run(argv, ns.get());
      if (!result.ok()) {
        error = "ip: " + result.output;
        return;
      }
    }
    const auto config_dir = dir.path() / "bird";
    std::filesystem::create_directories(config_dir);
    std::filesystem::create_directories(dir.path() / "run");
    (void)util::write_file_atomically(config_dir / "bird.conf",
                                      "router id 192.0.2.1;\nprotocol device {\n}\n");
    bird = std::make_unique<peerapi::testing::behaviour::BirdDaemon>(
        "bird", *ns, config_dir / "bird.conf", dir.path() / "run");
    error = bird->wait_ready();
    if (!error.empty())
      return;
    config.network.asns = {*model::Asn::from_number(64500)};
    config.render.mode = render::FilterMode::loose;
    config.render.router_id = *model::IpAddress::parse("192.0.2.1");
    config.router.enabled = true;
    config.router.config_dir = config_dir;
    config.sources.iana.dir = peerapi::testing::source_dir() / "data" / "iana";
    auto snapshot = sources::peeringdb::load_snapshot_dir(peerapi::testing::source_dir() /
                                                          "examples" / "peeringdb");
    peeringdb = std::make_unique<server::SnapshotHolder>(snapshot->first);
    driver = std::make_unique<router::bird::BirdDriver>(
        router::bird::BirdDriverOptions{
            .config_dir = config_dir,
            .birdc = "birdc",
            .control_socket = (dir.path() / "run" / "bird.ctl").string(),
            .timeout = std::chrono::seconds(120)},
        runner);
  }

  /// A fresh store with kSessions approved sessions from 32 documentation ASNs over IPv6.
  std::unique_ptr<store::SqliteStore> fresh_store(int round) {
    auto opened =
        store::SqliteStore::open(dir.path() / ("store-" + std::to_string(round) + ".db"), random);
    auto store = std::move(*opened);
    store::RequestDraft draft{.request_id = model::Uuid::v4_from_bytes(random.bytes16()),
                              .client_request_id = std::nullopt,
                              .subject = "bench",
                              .body_hash = "h",
                              .return_url = std::nullopt,
                              .now_ms = clock.now_ms(),
                              .candidates = {},
                              .creation_notes = {},
                              .audit = {}};
    for (int i = 0; i < kSessions; ++i) {
      const std::uint32_t asn = i % 2 == 0 ? 64496u + static_cast<std::uint32_t>(i / 2 % 16)
                                           : 65536u + static_cast<std::uint32_t>(i / 2 % 16);
      char address[64];
      std::snprintf(address, sizeof address, "2001:db8:ffff::1:%x", i + 1);
      draft.candidates.push_back(model::Session{
          .session_id = model::Uuid::v4_from_bytes(random.bytes16()),
          .request_id = draft.request_id,
          .fields = model::SessionRequest{.local_asn = *model::Asn::from_number(asn),
                                          .local_ip = *model::IpAddress::parse(address),
                                          .peer_asn = *model::Asn::from_number(64500),
                                          .peer_ip = *model::IpAddress::parse("2001:db8:ffff::1"),
                                          .session_secret = std::nullopt,
                                          .location = model::LocationId::ix(1)},
          .status = model::SessionStatus::approved});
    }
    (void)store->create_request(draft, [](const store::CandidateChecks&) {
      return store::StoredAnswer{200, "{}"};
    });
    return store;
  }

  lifecycle::RenderFunction render_function() {
    return server::make_render_function(
        config, *peeringdb, nullptr,
        sources::iana::derive_bogons(*sources::iana::load(config.sources.iana.dir)));
  }

  /// An empty router: the rendering of no session applied.
  void empty_router() {
    auto none = render_function()({});
    (void)driver->apply(none->rendering);
  }
};

World* world = nullptr;

void report(benchmark::State& state, const lifecycle::PassReport& pass) {
  state.counters["apply_ms"] = static_cast<double>(pass.apply_time.count());
  state.counters["read_ms"] = static_cast<double>(pass.read_time.count());
  state.counters["on_router"] = static_cast<double>(pass.on_router);
}

void BM_FirstPass(benchmark::State& state) {
  if (!world->error.empty()) {
    state.SkipWithError(world->error.c_str());
    return;
  }
  int round = 0;
  for (auto _ : state) {
    state.PauseTiming();
    world->empty_router();
    auto store = world->fresh_store(round++);
    lifecycle::Reconciler reconciler(*store, *world->driver, world->render_function(), world->clock,
                                     lifecycle::ReconcilerOptions{.router_name = "bench",
                                                                  .holder = "bench",
                                                                  .lease_ms = 600'000,
                                                                  .time_window_ms = 86'400'000,
                                                                  .fast_start_window_ms = 0});
    state.ResumeTiming();
    auto pass = reconciler.run_pass();
    state.PauseTiming();
    if (!pass || pass->configured != kSessions || pass->on_router != kSessions) {
      state.SkipWithError(
          pass ? ("configured " + std::to_string(pass->configured) + ": " + pass->apply_error)
                     .c_str()
               : pass.error().message.c_str());
      break;
    }
    report(state, *pass);
    state.ResumeTiming();
  }
}
BENCHMARK(BM_FirstPass)->Name("FirstPass/1000")->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_SteadyPass(benchmark::State& state) {
  if (!world->error.empty()) {
    state.SkipWithError(world->error.c_str());
    return;
  }
  world->empty_router();
  auto store = world->fresh_store(1000);
  lifecycle::Reconciler reconciler(*store, *world->driver, world->render_function(), world->clock,
                                   lifecycle::ReconcilerOptions{.router_name = "bench",
                                                                .holder = "bench",
                                                                .lease_ms = 600'000,
                                                                .time_window_ms = 86'400'000,
                                                                .fast_start_window_ms = 0});
  (void)reconciler.run_pass();
  for (auto _ : state) {
    auto pass = reconciler.run_pass();
    if (!pass || pass->changed || pass->on_router != kSessions) {
      state.SkipWithError("the steady pass changed the router or lost sessions");
      break;
    }
    report(state, *pass);
  }
}
BENCHMARK(BM_SteadyPass)->Name("SteadyPass/1000")->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace

int main(int argc, char** argv) {
  const std::string why_not = lab::acquire_netns_privilege();
  benchmark::Initialize(&argc, argv);
  if (!why_not.empty()) {
    std::cerr << "reconcile_bench: SKIPPED, no network namespaces: " << why_not << "\n";
    return 0;
  }
  World w;
  world = &w;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
