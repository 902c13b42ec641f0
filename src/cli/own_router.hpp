// Our own side of sessions we asked a peer for (`peerapi request --wait`, issues 6 and 7): the
// sessions the peer accepted are stored as initiator-side sessions, so the reconcile loop puts
// them on our router; the command runs reconcile passes itself when no `peerapi serve` holds the
// router's lease, and reads our side's status from the store.
#pragma once

#include <map>
#include <memory>
#include <span>
#include <string>

#include "config/config.hpp"
#include "model/error.hpp"
#include "model/session.hpp"
#include "store/store.hpp"

namespace peerapi::cli {

class OwnRouter {
 public:
  /// nullptr (no error) when the configuration has no [router]. Errors: the store, the data
  /// sources and the driver as `peerapi serve` reports them.
  static Result<std::unique_ptr<OwnRouter>> open(const config::Config& config);
  ~OwnRouter();

  /// Stores `sessions` (as the peer answered them) once the peer has accepted them: those in
  /// approved, configured, established or down; others are left for a later call. Idempotent.
  Result<void> adopt(const model::Uuid& request_id, const std::string& peer_url,
                     std::span<const model::Session> sessions);
  /// A reconcile pass when this process can take the router's lease (a running server that
  /// holds it does the work instead), then our side's status of every adopted session.
  Result<std::map<model::Uuid, model::SessionStatus>> step();
  /// Our side of sessions the peer deleted: each stored initiator-side copy that is live
  /// becomes deleted (history: "deleted at the peer"), then one reconcile pass takes them off
  /// the router when this process can take the lease. Returns how many were withdrawn.
  Result<std::size_t> withdraw(std::span<const model::Uuid> session_ids);
  /// Our side's router view of one session (the reason it is not up), when there is one.
  Result<std::optional<store::RouterRecord>> record(const model::Uuid& session_id);

 private:
  struct Parts;
  explicit OwnRouter(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace peerapi::cli
