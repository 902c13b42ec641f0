#include "server/session_proposer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "client/session_plan.hpp"
#include "client/setup.hpp"
#include "lifecycle/session_lifecycle.hpp"

namespace peerapi::server {

namespace {

constexpr std::size_t kMaxQueued = 64;

}  // namespace

std::vector<model::SessionRequest> additional_sessions(const sources::peeringdb::Snapshot& snapshot,
                                                       model::Asn ours, const Proposal& proposal) {
  auto plan = client::plan_sessions(
      snapshot, client::PlanRequest{.local_asn = ours, .peer_asn = proposal.requester});
  if (!plan)
    return {};
  std::optional<model::SessionSecret> secret;
  if (!proposal.requested.empty())
    secret = proposal.requested.front().session_secret;
  std::vector<model::SessionRequest> out;
  for (model::SessionRequest& session : plan->sessions) {
    // A request names the pair from the requester's side: its local_ip is their address.
    const bool named = std::any_of(
        proposal.requested.begin(), proposal.requested.end(), [&](const auto& requested) {
          return requested.local_ip == session.peer_ip && requested.peer_ip == session.local_ip;
        });
    if (named)
      continue;
    session.session_secret = secret;
    out.push_back(std::move(session));
  }
  return out;
}

SessionProposer::SessionProposer(const config::Config& config, const SnapshotHolder& peeringdb,
                                 store::Store& store, ClientFactory client,
                                 const util::Clock& clock, std::function<void()> on_adopted)
    : config_(config),
      peeringdb_(peeringdb),
      store_(store),
      client_(std::move(client)),
      clock_(clock),
      on_adopted_(std::move(on_adopted)) {
  worker_ = std::thread([this] { run(); });
}

SessionProposer::~SessionProposer() {
  stop();
}

void SessionProposer::submit(Proposal proposal) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_)
      return;
    if (queue_.size() >= kMaxQueued) {
      spdlog::warn("proposal for request {} dropped: {} proposals already wait",
                   proposal.request_id.to_string(), queue_.size());
      return;
    }
    queue_.push_back(std::move(proposal));
  }
  wake_.notify_one();
}

void SessionProposer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  wake_.notify_all();
  if (worker_.joinable() && worker_.get_id() != std::this_thread::get_id())
    worker_.join();
}

void SessionProposer::run() {
  for (;;) {
    Proposal proposal{.request_id = model::Uuid::v4_from_bytes({}),
                      .requester = *model::Asn::from_number(64496),
                      .return_url = {},
                      .requested = {}};
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_)
        return;
      proposal = std::move(queue_.front());
      queue_.pop_front();
    }
    auto outcome = send(proposal);
    if (!outcome) {
      spdlog::warn("request {}: proposing additional sessions to {} failed: {}",
                   proposal.request_id.to_string(), proposal.return_url, outcome.error().message);
    } else if (outcome->proposed > 0) {
      spdlog::info(
          "request {}: proposed {} additional session(s) to {}: {} accepted, {} held for review "
          "there (not configured here), {} refused",
          proposal.request_id.to_string(), outcome->proposed, proposal.return_url,
          outcome->accepted, outcome->held, outcome->refused);
    }
  }
}

Result<ProposalOutcome> SessionProposer::send(const Proposal& proposal) {
  ProposalOutcome outcome;
  const std::shared_ptr<const sources::peeringdb::Snapshot> snapshot = peeringdb_.get();
  if (!snapshot || config_.network.asns.empty())
    return outcome;
  const model::Asn ours = config_.client.asn.value_or(config_.network.asns.front());
  std::vector<model::SessionRequest> sessions = additional_sessions(*snapshot, ours, proposal);
  outcome.proposed = sessions.size();
  if (sessions.empty())
    return outcome;
  std::unique_ptr<client::PeerApiClient> api = client_(proposal.return_url);
  auto answer = api->create_sessions(client::CreateRequest{
      .request_id = proposal.request_id, .return_url = std::nullopt, .sessions = sessions});
  if (!answer) {
    const client::ClientError& error = answer.error();
    if (error.http_status == 422) {  // every session refused: nothing to configure
      outcome.refused = outcome.proposed;
      return outcome;
    }
    return fail(ErrorCode::unavailable, "return_url", error.error.message);
  }
  outcome.refused = answer->rejected.size();
  store::OutgoingRequest adopted{.request_id = answer->request_id,
                                 .peer_url = proposal.return_url,
                                 .sessions = {},
                                 .now_ms = clock_.now_ms()};
  for (const client::AcceptedSession& accepted : answer->accepted) {
    if (!lifecycle::belongs_on_router(accepted.session.status)) {
      ++outcome.held;
      continue;
    }
    model::Session session = accepted.session;
    session.status = model::SessionStatus::approved;
    // The answer never echoes a secret: ours is the one we sent for this address pair.
    for (const auto& sent : sessions) {
      if (sent.local_ip == session.fields.local_ip && sent.peer_ip == session.fields.peer_ip)
        session.fields.session_secret = sent.session_secret;
    }
    adopted.sessions.push_back(std::move(session));
  }
  outcome.accepted = adopted.sessions.size();
  if (!adopted.sessions.empty()) {
    if (auto saved = store_.save_outgoing(adopted); !saved)
      return std::unexpected(saved.error());
    if (on_adopted_)
      on_adopted_();
  }
  return outcome;
}

Result<std::unique_ptr<ProposerParts>> ProposerParts::create(
    const config::Config& config, const SnapshotHolder& peeringdb, store::Store& store,
    const util::Clock& clock, util::RandomSource& random, std::function<void()> on_adopted) {
  auto token = client::load_access_token(config.client);
  if (!token)
    return std::unexpected(token.error());
  if (token->empty()) {
    return fail(ErrorCode::config_invalid, "client.token",
                "proposing sessions calls the requester's API: set client.token or "
                "client.token_file");
  }
  auto key = client::load_dpop_key(config.client);
  if (!key)
    return std::unexpected(key.error());
  auto parts = std::make_unique<ProposerParts>();
  parts->http = std::make_unique<net::CurlHttpClient>(client::http_options(config));
  if (*key) {
    parts->signer =
        std::make_unique<auth::RequestSigner>((*key)->key, (*key)->algorithm, clock, random);
  }
  ProposerParts* raw = parts.get();
  ClientFactory factory = [&config, &clock, &random, raw,
                           access_token = *token](const std::string& base_url) {
    client::ClientOptions options;
    options.base_url = base_url;
    options.access_token = access_token;
    options.signer = raw->signer.get();
    options.sign_requests = config.client.sign_requests;
    options.retry = client::retry_policy(config.client);
    return std::make_unique<client::PeerApiClient>(std::move(options), *raw->http, clock, random,
                                                   raw->sleeper);
  };
  parts->proposer = std::make_unique<SessionProposer>(config, peeringdb, store, std::move(factory),
                                                      clock, std::move(on_adopted));
  return parts;
}

}  // namespace peerapi::server
