// Server-initiated sessions (draft section 7, "Public Peering Session Negotiation"; issue 7):
// after accepting a request that carries a return_url, this server asks the requester's own
// Peering API for the sessions at our common IXs the request left out ("D and E"), under the
// same request id. The requester's server decides with its own policy. The sessions it accepts
// become our initiator-side sessions (store::Store::save_outgoing), so the reconcile loop puts
// our side on the router; those it does not accept are never configured here.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "auth/request_signer.hpp"
#include "client/peer_api_client.hpp"
#include "client/retry.hpp"
#include "config/config.hpp"
#include "model/session.hpp"
#include "net/http_client.hpp"
#include "server/api_service.hpp"
#include "store/store.hpp"
#include "util/clock.hpp"

namespace peerapi::server {

/// One accepted request with a return_url (server/api_service.hpp).
using Proposal = ReturnUrlRequest;

/// The sessions to propose, written from the requester's side as its API expects them
/// (local_* = us, the proposer; peer_* = the requester): one per pair of our and their
/// operational PeeringDB ports of the same family at each IX where both are, minus the address
/// pairs the request already named. The secret of the request's first session is reused.
std::vector<model::SessionRequest> additional_sessions(const sources::peeringdb::Snapshot& snapshot,
                                                       model::Asn ours, const Proposal& proposal);

/// A client for the Peering API at `base_url` with our [client] credentials.
using ClientFactory =
    std::function<std::unique_ptr<client::PeerApiClient>(const std::string& base_url)>;

struct ProposalOutcome {
  std::size_t proposed = 0;
  std::size_t accepted = 0;  // approved (or later) by the requester and stored as ours
  std::size_t held = 0;      // pending there: not configured here
  std::size_t refused = 0;
};

class SessionProposer {
 public:
  /// `client` sends with our [client] credentials; everything must outlive the proposer.
  /// `on_adopted` runs after sessions were stored (the reconcile loop's poke).
  SessionProposer(const config::Config& config, const SnapshotHolder& peeringdb,
                  store::Store& store, ClientFactory client, const util::Clock& clock,
                  std::function<void()> on_adopted);
  ~SessionProposer();
  SessionProposer(const SessionProposer&) = delete;
  SessionProposer& operator=(const SessionProposer&) = delete;

  /// Queues a proposal for the worker thread (at most 64 wait; more are dropped with a warning).
  void submit(Proposal proposal);
  /// Sends one proposal now: nothing to propose is success with proposed = 0. Errors: the
  /// requester's API refused or could not be reached (as the client library reports it, in
  /// the message), or the store failed.
  Result<ProposalOutcome> send(const Proposal& proposal);
  /// Finishes the proposal under way and stops; queued ones are dropped. Idempotent.
  void stop();

 private:
  void run();

  const config::Config& config_;
  const SnapshotHolder& peeringdb_;
  store::Store& store_;
  ClientFactory client_;
  const util::Clock& clock_;
  std::function<void()> on_adopted_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Proposal> queue_;
  bool stopping_ = false;
  std::thread worker_;
};

/// A SessionProposer with the HTTP client, signer and token of [client] it sends with.
struct ProposerParts {
  /// Errors name the [client] key (token_file, dpop_key_file) that could not be read.
  static Result<std::unique_ptr<ProposerParts>> create(
      const config::Config& config, const SnapshotHolder& peeringdb, store::Store& store,
      const util::Clock& clock, util::RandomSource& random, std::function<void()> on_adopted);
  std::unique_ptr<net::HttpClient> http;
  std::unique_ptr<auth::RequestSigner> signer;
  client::ThreadSleeper sleeper;
  std::unique_ptr<SessionProposer> proposer;
};

}  // namespace peerapi::server
