// The Peering API endpoints (docs/wire.md). Each handler is thin: decode -> authorize -> call
// the core -> encode. No handler throws; a bad request never yields a 5xx.
#pragma once

#include <functional>

#include <atomic>
#include <memory>
#include <string>

#include "api/pagination.hpp"
#include "auth/authenticator.hpp"
#include "config/config.hpp"
#include "policy/operator_policy.hpp"
#include "server/audit_recorder.hpp"
#include "server/health.hpp"
#include "server/http_types.hpp"
#include "server/routing_facts.hpp"
#include "sources/peeringdb/snapshot.hpp"
#include "store/store.hpp"
#include "util/clock.hpp"

namespace peerapi::server {

struct RegistrationDeps;
class Admission;

/// The current PeeringDB view; a refresh swaps it atomically while requests keep the old one.
class SnapshotHolder {
 public:
  explicit SnapshotHolder(std::shared_ptr<const sources::peeringdb::Snapshot> initial)
      : current_(std::move(initial)) {}
  [[nodiscard]] std::shared_ptr<const sources::peeringdb::Snapshot> get() const {
    return current_.load();
  }
  void replace(std::shared_ptr<const sources::peeringdb::Snapshot> next) {
    current_.store(std::move(next));
  }

 private:
  std::atomic<std::shared_ptr<const sources::peeringdb::Snapshot>> current_;
};

/// An accepted request that named a return_url (draft section 7): this server may ask the
/// requester's API for more sessions (server/session_proposer.hpp).
struct ReturnUrlRequest {
  model::Uuid request_id;  // ours, the definitive id
  model::Asn requester;
  std::string return_url;
  /// Every session the request asked for (accepted or not).
  std::vector<model::SessionRequest> requested;
};

struct ApiDependencies {
  const config::Config& config;
  store::Store& store;
  const SnapshotHolder& peeringdb;
  auth::Authenticator& authenticator;
  const util::Clock& clock;
  util::RandomSource& random;
  std::string pagination_key;
  /// The origin callers reach this server at ("https://peering.example.net"): DPoP proofs and
  /// message signatures are checked against it (config server.public_url).
  std::string public_origin = "http://127.0.0.1";
  /// POST /oauth/client_register (server/registration_endpoint.hpp); nullptr disables it (404),
  /// as when no [[auth.attested_idps]] are configured. Must outlive the service.
  RegistrationDeps* registration = nullptr;
  /// IRR/RPKI facts for the operator policy; nullptr when no IRR source is configured (the
  /// configuration check refuses IRR or RPKI rules without one). Must outlive the service.
  RoutingFacts* routing = nullptr;
  /// [limits]: allowed senders, rate limits, the pending cap (server/admission.hpp); nullptr:
  /// none of them. Must outlive the service.
  Admission* admission = nullptr;
};

class ApiService {
 public:
  explicit ApiService(ApiDependencies deps);
  HttpResponse handle(const HttpRequest& request);
  /// Called (on the request's thread) after a request stored new sessions or deleted some, so
  /// the reconcile loop can act at once. Set before serving.
  void set_change_listener(std::function<void()> listener) {
    change_listener_ = std::move(listener);
  }
  /// Called after a request with a return_url had at least one session accepted. Set before
  /// serving.
  void set_return_url_listener(std::function<void(ReturnUrlRequest)> listener) {
    return_url_listener_ = std::move(listener);
  }
  /// Called (on the request's thread) with the decision on each session of a stored POST
  /// /sessions request: the policy's, or a reject carrying the built-in check errors. Set
  /// before serving.
  void set_decision_listener(std::function<void(const policy::Decision&)> listener) {
    decision_listener_ = std::move(listener);
  }
  /// The body of GET <base_path>metrics (server/metrics.hpp); unset: 404. Set before serving.
  void set_metrics_exporter(std::function<std::string()> exporter) {
    metrics_exporter_ = std::move(exporter);
  }
  /// The audit log's recorder: entries appended and appends failed (docs/operations.md).
  [[nodiscard]] const AuditRecorder& audit() const noexcept { return audit_; }
  /// The background sources /readyz reports (server/health.hpp). Set before serving.
  void set_source_probes(std::vector<SourceProbe> sources) {
    readiness_.set_sources(std::move(sources));
  }

 private:
  /// Appends the call's audit entry in the request's own transaction when the request is
  /// stored (and then sets call.stored_with_write).
  HttpResponse create_sessions(const HttpRequest& request, const auth::Principal& principal,
                               AuditCall& call);
  /// One RequesterFacts per distinct local_asn of `sessions` (nullptr entries skipped): its
  /// PeeringDB record, its live sessions when a cap is configured, its IRR/RPKI facts when a
  /// rule needs them. Fails only when the store cannot be read.
  Result<std::vector<policy::RequesterFacts>> requester_facts(
      std::span<const model::SessionRequest* const> sessions,
      const sources::peeringdb::Snapshot& snapshot);
  /// The creation history note: "policy review; peering_policy: ...".
  static std::string decision_note(const policy::Decision& decision);
  HttpResponse list_sessions(const HttpRequest& request, const auth::Principal& principal);
  HttpResponse get_session(const std::string& id, const auth::Principal& principal);
  /// Appends the call's audit entry in the transition's transaction when the session moves.
  HttpResponse delete_session(const HttpRequest& request, const std::string& id,
                              const auth::Principal& principal, AuditCall& call);
  HttpResponse delete_sessions(const HttpRequest& request, const auth::Principal& principal);
  HttpResponse list_locations(const HttpRequest& request, const auth::Principal& principal);
  HttpResponse readiness();
  HttpResponse authentication_failure(const auth::AuthError& error) const;
  /// Records `response` in the audit log when call.action is set; returns it unchanged.
  HttpResponse audited(const HttpRequest& request, const AuditCall& call, HttpResponse response);

  void sessions_changed() const {
    if (change_listener_)
      change_listener_();
  }

  ApiDependencies deps_;
  std::function<void()> change_listener_;
  std::function<void(ReturnUrlRequest)> return_url_listener_;
  std::function<void(const policy::Decision&)> decision_listener_;
  std::function<std::string()> metrics_exporter_;
  Readiness readiness_;
  api::CursorCodec cursors_;
  std::string proof_algorithm_names_;  // "ES256 EdDSA", for DPoP challenges
  AuditRecorder audit_{deps_.store, deps_.clock};
};

}  // namespace peerapi::server
