// The shared store (DESIGN.md "store/"): one PostgreSQL database for several replicas of the
// server behind a load balancer. Same contract as SqliteStore (store/store.hpp); what makes it
// correct across replicas:
// - idempotent creates: the client request id is claimed by an INSERT that the unique
//   constraint (subject, client_request_id) arbitrates, never by a read-then-write;
// - conditional transitions lock the session row (SELECT ... FOR UPDATE) before they compare its
//   status, so of concurrent callers on any replicas exactly one wins;
// - sessions are inserted under one transaction-scoped advisory lock, so their `seq` (the
//   pagination cursor) is taken in commit order: a page never skips a row committed later;
// - one-time values, leases and named secrets are single upserts (INSERT ... ON CONFLICT), atomic
//   across replicas;
// - migrations run in one transaction under an advisory lock (postgres_schema.hpp).
// Each call runs on a connection of a small pool; a connection the server dropped is replaced
// and the call retried once (nothing of an interrupted transaction was committed). Deadlocks and
// serialization failures are retried too. Every error is a store_error (or the contract's code)
// whose message never contains the password of the connection URI.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "model/error.hpp"
#include "store/store.hpp"
#include "util/clock.hpp"

namespace peerapi::store::postgres {
/// The connection pool (postgres_store.cpp).
struct Pool;
}  // namespace peerapi::store::postgres

namespace peerapi::store {

struct PostgresOptions {
  /// Connections in the pool (1-64); callers beyond this wait for a free connection.
  int connections = 4;
  /// libpq connect_timeout, unless the URI sets one (1-3600).
  int connect_timeout_seconds = 10;
};

/// Every row of a store, table by table, column by column as stored (`peerapi migrate` moves an
/// installation with it). Rows keep their positions (`seq`, history `id`), so pagination cursors
/// and history order stay as they were. Times are Unix milliseconds.
struct StoreDump {
  struct Request {
    std::int64_t seq = 0;
    std::string request_id;
    std::optional<std::string> client_request_id;
    std::string subject;
    std::string body_hash;
    std::optional<std::string> return_url;
    std::int64_t http_status = 0;
    std::string answer;
    std::int64_t created_at = 0;
  };
  struct Session {
    std::int64_t seq = 0;
    std::string session_id;
    std::string request_id;
    std::int64_t local_asn = 0;
    std::string local_ip;
    std::int64_t peer_asn = 0;
    std::string peer_ip;
    std::int64_t local_bgp_role = 0;
    std::int64_t peer_bgp_role = 0;
    bool local_insert_asn = false;
    bool peer_insert_asn = false;
    bool local_monitoring_session = false;
    bool peer_monitoring_session = false;
    std::string peer_type;
    std::optional<std::string> session_secret;
    std::string location;
    std::string status;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
  };
  struct History {
    std::int64_t id = 0;
    std::string session_id;
    std::int64_t at = 0;
    std::optional<std::string> from_status;
    std::string to_status;
    std::string actor;
    std::string note;
  };
  struct RouterRecordRow {
    std::string session_id;
    bool on_router = false;
    std::optional<std::int64_t> configured_at, established_at, down_at;
    std::int64_t flaps = 0;
    std::string bgp_state;
    std::string last_error;
    std::optional<std::int64_t> prefixes_received, prefixes_accepted;
    std::int64_t observed_at = 0;
  };
  struct Outgoing {
    std::string session_id;
    std::string peer_url;
  };
  struct NamedSecret {
    std::string name;
    std::string value;  // raw bytes
  };
  struct Idp {
    std::string issuer;
    std::string client_id;
    std::optional<std::string> client_secret;
    std::optional<std::int64_t> client_secret_expires_at;
    std::string asns;  // ASN numbers, ascending, separated by single spaces
    std::string jwks_uri;
    std::int64_t created_at = 0;
  };
  struct Lease {
    std::string name;
    std::string holder;
    std::int64_t until_ms = 0;
  };
  struct Audit {
    std::int64_t id = 0;
    std::int64_t at_ms = 0;
    std::string source_address, subject, email, issuer;
    std::string asns;  // ASN numbers, ascending, separated by single spaces
    std::string action, request_id, client_request_id;
    std::string session_ids;  // store::join_audit_list
    std::int64_t status = 0;
    std::string decision;
    std::string reasons;  // store::join_audit_list
  };
  std::vector<Request> requests;  // ascending seq
  std::vector<Session> sessions;  // ascending seq
  std::vector<History> history;   // ascending id
  std::vector<RouterRecordRow> router_records;
  std::vector<Outgoing> outgoing;
  std::vector<NamedSecret> named_secrets;
  std::vector<Idp> idp_registrations;
  std::vector<OneTimeKey> one_time_values;
  std::vector<Lease> leases;
  std::vector<Audit> audit;  // ascending id
};

/// Rows per table, in StoreDump's order.
struct StoreCounts {
  std::int64_t requests = 0, sessions = 0, history = 0, router_records = 0, outgoing = 0,
               named_secrets = 0, idp_registrations = 0, one_time_values = 0, leases = 0, audit = 0;
  bool operator==(const StoreCounts&) const = default;
};
StoreCounts counts_of(const StoreDump& dump);

class PostgresStore final : public Store {
 public:
  /// Connects to `uri` ("postgresql://user:password@host:port/database?param=..." or
  /// "postgres://..."; libpq's URI syntax), opens the pool and applies schema migrations.
  /// Fails with store_error (never throws; the message names the URI without its password)
  /// when the URI is not a PostgreSQL URI, the server cannot be reached or refuses the login,
  /// or the schema is newer than this binary knows; config_invalid for bad `options`.
  /// `random` must outlive the store.
  static Result<std::unique_ptr<PostgresStore>> open(const std::string& uri,
                                                     util::RandomSource& random,
                                                     PostgresOptions options = {});

  /// `uri` with its password (in the user info or a password= parameter) replaced by "***", for
  /// messages and logs; "(not a postgresql:// URI)" when it does not parse as one.
  static std::string redacted(std::string_view uri);

  /// The schema version this binary writes (databases with a newer one are refused).
  static int schema_version() noexcept;

  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  Result<CreateOutcome> create_request(const RequestDraft& draft,
                                       const AnswerBuilder& finish) override;
  Result<std::optional<model::Session>> get_session(const model::Uuid& session_id) override;
  Result<SessionPage> list_sessions(model::Asn local_asn,
                                    const std::optional<model::Uuid>& request_id,
                                    std::optional<std::int64_t> after, int limit) override;
  Result<std::optional<model::Session>> transition(
      const model::Uuid& session_id, std::span<const model::SessionStatus> from,
      model::SessionStatus to, const std::string& actor, const std::string& note,
      std::int64_t now_ms, const AuditEntry* audit_if_moved = nullptr) override;
  Result<std::vector<std::optional<model::Session>>> transition_all(
      std::span<const TransitionRequest> requests, const std::string& actor,
      std::int64_t now_ms) override;
  Result<std::vector<HistoryEntry>> history(const model::Uuid& session_id) override;
  Result<std::string> named_secret(const std::string& name, std::size_t size) override;
  Result<bool> remember_once(std::string_view key, std::int64_t expires_at_ms,
                             std::int64_t now_ms) override;
  Result<bool> remember_all_once(std::span<const OneTimeKey> keys, std::int64_t now_ms) override;
  Result<void> save_idp_registration(const IdpRegistration& registration) override;
  Result<std::vector<IdpRegistration>> idp_registrations() override;
  Result<std::int64_t> count_sessions() override;
  Result<std::map<std::string, std::size_t, std::less<>>> live_session_counts(
      model::Asn local_asn) override;
  Result<SessionPage> sessions_with_status(model::SessionStatus status,
                                           std::optional<std::int64_t> after, int limit) override;
  Result<std::int64_t> count_sessions_with_status(model::Asn local_asn,
                                                  model::SessionStatus status) override;
  Result<void> ping() override;
  Result<std::vector<RouterSession>> router_sessions() override;
  Result<std::optional<RouterRecord>> router_record(const model::Uuid& session_id) override;
  Result<void> save_router_records(std::span<const RouterRecord> records) override;
  Result<bool> claim_lease(std::string_view name, std::string_view holder, std::int64_t now_ms,
                           std::int64_t until_ms) override;
  Result<void> save_outgoing(const OutgoingRequest& request) override;
  Result<std::int64_t> append_audit(const AuditEntry& entry) override;
  Result<std::vector<AuditEntry>> list_audit(const AuditQuery& query) override;
  Result<std::int64_t> purge_audit(std::int64_t before_ms, int max_rows) override;
  Result<std::map<model::SessionStatus, std::int64_t>> count_by_status() override;

  /// Rows per table as stored now.
  Result<StoreCounts> counts();
  /// Writes every row of `dump` in ONE transaction, keeping positions (and moving the position
  /// sequences past them); before committing, reads every session and history row back through
  /// the model's parsers and compares the table counts with the dump's. Refuses (store_error,
  /// nothing written) a database where any table already holds a row, and any row the schema or
  /// the parsers refuse (the message names the table and the row's key).
  Result<StoreCounts> import(const StoreDump& dump);

 private:
  PostgresStore(std::unique_ptr<postgres::Pool> pool, util::RandomSource& random);

  std::unique_ptr<postgres::Pool> pool_;
  util::RandomSource& random_;
};

}  // namespace peerapi::store
