#include "cli/own_router.hpp"

#include <unistd.h>

#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "cli/cli_store.hpp"
#include "lifecycle/session_lifecycle.hpp"
#include "server/api_service.hpp"
#include "server/auth_setup.hpp"
#include "server/irr_routing_facts.hpp"
#include "server/router_setup.hpp"
#include "sources/peeringdb/snapshot.hpp"

namespace peerapi::cli {

struct OwnRouter::Parts {
  std::unique_ptr<OpenedStore> opened;
  std::unique_ptr<server::SnapshotHolder> peeringdb;
  std::unique_ptr<server::IrrRoutingFacts> irr;
  util::SystemClock clock;
  std::unique_ptr<server::RouterLifecycle> lifecycle;
  std::set<model::Uuid> adopted;
};

OwnRouter::OwnRouter(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
OwnRouter::~OwnRouter() = default;

Result<std::unique_ptr<OwnRouter>> OwnRouter::open(const config::Config& config) {
  if (!config.router.enabled)
    return std::unique_ptr<OwnRouter>();
  // A command's output is its own; the data loading notes of the server stay out of it.
  spdlog::set_level(spdlog::level::warn);
  auto parts = std::make_unique<Parts>();
  parts->opened = open_store(config, "request");
  if (!parts->opened)
    return fail(ErrorCode::store_error, "store", "cannot open the store");
  auto snapshot = sources::peeringdb::load_snapshot_dir(config.peeringdb.snapshot_dir);
  if (!snapshot)
    return std::unexpected(snapshot.error().under("peeringdb.snapshot_dir"));
  parts->peeringdb = std::make_unique<server::SnapshotHolder>(snapshot->first);
  if (config.sources.irr.configured()) {
    auto irr = server::IrrRoutingFacts::create(config.sources.irr, {},
                                               server::outbound_policy(config.outbound));
    if (!irr)
      return std::unexpected(irr.error().under("sources.irr"));
    parts->irr = std::move(*irr);
  }
  const std::string holder = "peerapi request:" + std::to_string(::getpid());
  auto lifecycle = server::RouterLifecycle::create(config, *parts->opened->store, *parts->peeringdb,
                                                   parts->irr.get(), parts->clock, holder);
  if (!lifecycle)
    return std::unexpected(lifecycle.error());
  parts->lifecycle = std::move(*lifecycle);
  return std::unique_ptr<OwnRouter>(new OwnRouter(std::move(parts)));
}

Result<void> OwnRouter::adopt(const model::Uuid& request_id, const std::string& peer_url,
                              std::span<const model::Session> sessions) {
  store::OutgoingRequest request{.request_id = request_id,
                                 .peer_url = peer_url,
                                 .sessions = {},
                                 .now_ms = parts_->clock.now_ms()};
  for (const model::Session& session : sessions) {
    if (parts_->adopted.contains(session.session_id) ||
        !lifecycle::belongs_on_router(session.status))
      continue;
    model::Session ours = session;
    ours.status = model::SessionStatus::approved;  // our side starts at approved
    request.sessions.push_back(std::move(ours));
  }
  if (request.sessions.empty())
    return {};
  if (auto saved = parts_->opened->store->save_outgoing(request); !saved)
    return saved;
  for (const auto& session : request.sessions)
    parts_->adopted.insert(session.session_id);
  return {};
}

Result<std::map<model::Uuid, model::SessionStatus>> OwnRouter::step() {
  if (auto pass = parts_->lifecycle->run_pass(); !pass)
    return std::unexpected(pass.error());
  std::map<model::Uuid, model::SessionStatus> statuses;
  for (const model::Uuid& id : parts_->adopted) {
    auto session = parts_->opened->store->get_session(id);
    if (!session)
      return std::unexpected(session.error());
    if (*session)
      statuses.emplace(id, (*session)->status);
  }
  return statuses;
}

Result<std::size_t> OwnRouter::withdraw(std::span<const model::Uuid> session_ids) {
  std::vector<store::TransitionRequest> requests;
  for (const model::Uuid& id : session_ids) {
    auto session = parts_->opened->store->get_session(id);
    if (!session)
      return std::unexpected(session.error());
    if (!*session || !model::is_live((*session)->status))
      continue;
    requests.push_back(store::TransitionRequest{.session_id = id,
                                                .from = (*session)->status,
                                                .to = model::SessionStatus::deleted,
                                                .note = "deleted at the peer"});
  }
  auto moved =
      parts_->opened->store->transition_all(requests, "peerapi delete", parts_->clock.now_ms());
  if (!moved)
    return std::unexpected(moved.error());
  const auto count = static_cast<std::size_t>(
      std::count_if(moved->begin(), moved->end(), [](const auto& s) { return s.has_value(); }));
  if (count > 0) {
    if (auto pass = parts_->lifecycle->run_pass(); !pass)
      return std::unexpected(pass.error());
  }
  return count;
}

Result<std::optional<store::RouterRecord>> OwnRouter::record(const model::Uuid& session_id) {
  return parts_->opened->store->router_record(session_id);
}

}  // namespace peerapi::cli
