#include "server/router_setup.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "render/renderer.hpp"
#include "router/dispatch/make_driver.hpp"
#include "server/render_inputs.hpp"
#include "sources/iana/registry.hpp"

namespace peerapi::server {

namespace {

/// Builds the input of one side (nothing when it has no session).
Result<void> add_side(const config::Config& config, render::Daemon daemon,
                      const render::DaemonVersion& version,
                      std::span<const store::RouterSession> sessions, store::SessionSide side,
                      RenderSources& sources, std::optional<render::RenderInput>& merged,
                      std::vector<render::Notice>& notices) {
  std::vector<model::Session> selected;
  for (const auto& session : sessions) {
    if (session.side == side)
      selected.push_back(session.session);
  }
  if (selected.empty() && merged)
    return {};
  auto input = build_render_input(
      daemon, version, config, selected,
      side == store::SessionSide::receiver ? render::Side::receiver : render::Side::initiator,
      sources, notices);
  if (!input)
    return std::unexpected(input.error());
  if (!merged) {
    merged = std::move(*input);
    return {};
  }
  merged->sessions.insert(merged->sessions.end(), input->sessions.begin(), input->sessions.end());
  std::ranges::sort(merged->sessions,
                    [](const render::SessionInput& a, const render::SessionInput& b) {
                      return std::tie(a.neighbor.their_asn, a.session_id) <
                             std::tie(b.neighbor.their_asn, b.session_id);
                    });
  return {};
}

}  // namespace

lifecycle::RenderFunction make_render_function(const config::Config& config,
                                               const SnapshotHolder& peeringdb,
                                               IrrRoutingFacts* irr,
                                               sources::iana::BogonSet bogons) {
  const render::Daemon daemon = config.router.daemon;
  const render::DaemonVersion version =
      config.router.version.value_or(render::default_version(daemon));
  return [&config, &peeringdb, irr, bogons = std::move(bogons), daemon, version](
             std::span<const store::RouterSession> sessions) -> Result<lifecycle::RouterConfig> {
    const std::shared_ptr<const sources::peeringdb::Snapshot> snapshot = peeringdb.get();
    std::optional<render::RenderInput> merged;
    std::vector<render::Notice> notices;
    Result<void> built;
    const auto build = [&](sources::irr::IrrSource* source) {
      RenderSources render_sources{.peeringdb = snapshot.get(), .irr = source, .bogons = bogons};
      built = add_side(config, daemon, version, sessions, store::SessionSide::receiver,
                       render_sources, merged, notices);
      if (built)
        built = add_side(config, daemon, version, sessions, store::SessionSide::initiator,
                         render_sources, merged, notices);
    };
    if (irr != nullptr && config.render.mode == render::FilterMode::strict)
      irr->with_source([&](sources::irr::IrrSource& source) { build(&source); });
    else
      build(nullptr);
    if (!built)
      return std::unexpected(built.error());
    lifecycle::RouterConfig out;
    out.rendering = render::render(*merged);
    const std::vector<std::string> names = render::unique_session_names(*merged, notices);
    for (std::size_t i = 0; i < merged->sessions.size(); ++i) {
      const render::SessionInput& session = merged->sessions[i];
      out.keys.emplace(session.session_id,
                       router::SessionKey{.name = names[i], .neighbor = session.neighbor.their_ip});
    }
    return out;
  };
}

RouterLifecycle::~RouterLifecycle() {
  if (loop_)
    loop_->stop();
}

Result<std::unique_ptr<RouterLifecycle>> RouterLifecycle::create(
    const config::Config& config, store::Store& store, const SnapshotHolder& peeringdb,
    IrrRoutingFacts* irr, const util::Clock& clock, std::string holder) {
  if (config.render.mode == render::FilterMode::strict && irr == nullptr) {
    return fail(ErrorCode::config_invalid, "render.mode",
                "strict filtering (the default) builds prefix lists from the IRR: add "
                "[sources.irr] with dumps or irrd, or set render.mode = \"loose\"");
  }
  auto registries = sources::iana::load(config.sources.iana.dir);
  if (!registries)
    return std::unexpected(registries.error().under("sources.iana.dir"));
  std::unique_ptr<RouterLifecycle> out(new RouterLifecycle());
  out->runner_ = std::make_unique<router::ProcessRunner>();
  auto driver = router::make_driver(config.router, *out->runner_);
  if (!driver)
    return std::unexpected(driver.error());
  out->driver_ = std::move(*driver);
  out->reconciler_ = std::make_unique<lifecycle::Reconciler>(
      store, *out->driver_,
      make_render_function(config, peeringdb, irr, sources::iana::derive_bogons(*registries)),
      clock,
      lifecycle::ReconcilerOptions{
          .router_name = config.router.name,
          .holder = std::move(holder),
          .lease_ms = std::max<std::int64_t>(30'000, 3LL * config.router.poll_interval_ms),
          .time_window_ms = config.router.time_window_seconds * 1000,
          .fast_start_window_ms = 120'000});
  // Sessions stored by another process (`peerapi request --wait`, our side of new sessions)
  // change the session count: the loop notices within 250 ms instead of a poll interval.
  out->loop_ = std::make_unique<lifecycle::ReconcileLoop>(
      *out->reconciler_, std::chrono::milliseconds(config.router.poll_interval_ms),
      std::chrono::milliseconds(250), [&store]() -> std::optional<std::int64_t> {
        auto count = store.count_sessions();
        return count ? std::optional(*count) : std::nullopt;
      });
  return out;
}

}  // namespace peerapi::server
