#include "store/postgres/postgres_schema.hpp"

#include <pqxx/transaction>

#include <array>
#include <string>

namespace peerapi::store::postgres {

namespace {

// Version 1: everything SQLite's versions 1-4 hold, in PostgreSQL types. Times are Unix
// milliseconds (BIGINT); IPs are canonical text (IpAddress::to_string), locations their
// "pdb:ix:N" id, statuses and peer types their wire spelling. `seq` columns are the positions
// the API's pagination cursors name: create_request and save_outgoing insert sessions under one
// advisory lock (kSessionInsertLock), so positions are taken in commit order.
constexpr std::string_view kInitialSchema = R"sql(
CREATE TABLE requests (
  seq               BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  request_id        TEXT    NOT NULL UNIQUE,
  client_request_id TEXT,
  subject           TEXT    NOT NULL,
  body_hash         TEXT    NOT NULL,
  return_url        TEXT,
  http_status       INTEGER NOT NULL,
  answer            TEXT    NOT NULL,
  created_at        BIGINT  NOT NULL,
  -- Idempotent creates: the client request id, scoped to the subject, is taken by an INSERT
  -- that this constraint arbitrates between replicas.
  CONSTRAINT requests_client_request_id UNIQUE (subject, client_request_id)
);

CREATE TABLE sessions (
  seq                      BIGINT   GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  session_id               TEXT     NOT NULL UNIQUE,
  request_id               TEXT     NOT NULL REFERENCES requests (request_id),
  local_asn                BIGINT   NOT NULL,
  local_ip                 TEXT     NOT NULL,
  peer_asn                 BIGINT   NOT NULL,
  peer_ip                  TEXT     NOT NULL,
  local_bgp_role           SMALLINT NOT NULL,
  peer_bgp_role            SMALLINT NOT NULL,
  local_insert_asn         BOOLEAN  NOT NULL,
  peer_insert_asn          BOOLEAN  NOT NULL,
  local_monitoring_session BOOLEAN  NOT NULL,
  peer_monitoring_session  BOOLEAN  NOT NULL,
  peer_type                TEXT     NOT NULL,
  session_secret           TEXT,
  location                 TEXT     NOT NULL,
  status                   TEXT     NOT NULL,
  created_at               BIGINT   NOT NULL,
  updated_at               BIGINT   NOT NULL
);
CREATE INDEX sessions_by_local_asn ON sessions (local_asn, seq);
CREATE INDEX sessions_by_request ON sessions (request_id, seq);
CREATE INDEX sessions_by_status ON sessions (status, seq);
-- At most one live session per (local, peer, location) tuple, even under racing replicas
-- (docs/wire.md "duplicate_session"; live = not rejected, deleted, unestablished).
CREATE UNIQUE INDEX sessions_live_tuple
  ON sessions (local_asn, local_ip, peer_asn, peer_ip, location)
  WHERE status NOT IN ('rejected', 'deleted', 'unestablished');

CREATE TABLE session_history (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  session_id  TEXT   NOT NULL REFERENCES sessions (session_id),
  at          BIGINT NOT NULL,
  from_status TEXT,
  to_status   TEXT   NOT NULL,
  actor       TEXT   NOT NULL,
  note        TEXT   NOT NULL
);
CREATE INDEX session_history_by_session ON session_history (session_id, id);

CREATE TABLE named_secrets (
  name  TEXT  PRIMARY KEY,
  value BYTEA NOT NULL
);

-- One-time values (DPoP jti, RFC 9421 nonces) shared by every replica.
CREATE TABLE one_time_values (
  key        TEXT   PRIMARY KEY,
  expires_at BIGINT NOT NULL
);
CREATE INDEX one_time_values_by_expiry ON one_time_values (expires_at);

-- OAuth client registrations at attested IdPs (POST /oauth/client_register), one per issuer.
-- asns: the attested ASN numbers, ascending, separated by single spaces (as in SQLite).
CREATE TABLE idp_registrations (
  issuer                   TEXT   PRIMARY KEY,
  client_id                TEXT   NOT NULL,
  client_secret            TEXT,
  client_secret_expires_at BIGINT,
  asns                     TEXT   NOT NULL,
  jwks_uri                 TEXT   NOT NULL,
  created_at               BIGINT NOT NULL
);

-- The reconcile loop's bookkeeping (issue 6).
CREATE TABLE router_records (
  session_id        TEXT    PRIMARY KEY REFERENCES sessions (session_id),
  on_router         BOOLEAN NOT NULL,
  configured_at     BIGINT,
  established_at    BIGINT,
  down_at           BIGINT,
  flaps             INTEGER NOT NULL,
  bgp_state         TEXT    NOT NULL,
  last_error        TEXT    NOT NULL,
  prefixes_received BIGINT,
  prefixes_accepted BIGINT,
  observed_at       BIGINT  NOT NULL
);
CREATE INDEX router_records_on_router ON router_records (session_id) WHERE on_router;
CREATE TABLE outgoing_sessions (
  session_id TEXT PRIMARY KEY REFERENCES sessions (session_id),
  peer_url   TEXT NOT NULL
);
CREATE TABLE leases (
  name     TEXT   PRIMARY KEY,
  holder   TEXT   NOT NULL,
  until_ms BIGINT NOT NULL
);
)sql";

// Version 2: the audit log (store/audit.hpp). asns is an array with a GIN index for the ASN
// filter (asns @> ARRAY[n]); session_ids and reasons: store::join_audit_list. Appends take
// kAuditInsertLock, so ids are handed out in commit order and paging by id misses nothing.
constexpr std::string_view kAuditLog = R"sql(
CREATE TABLE audit_log (
  id                BIGINT   GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at_ms             BIGINT   NOT NULL,
  source_address    TEXT     NOT NULL,
  subject           TEXT     NOT NULL,
  email             TEXT     NOT NULL,
  issuer            TEXT     NOT NULL,
  asns              BIGINT[] NOT NULL,
  action            TEXT     NOT NULL,
  request_id        TEXT     NOT NULL,
  client_request_id TEXT     NOT NULL,
  session_ids       TEXT     NOT NULL,
  status            INTEGER  NOT NULL,
  decision          TEXT     NOT NULL,
  reasons           TEXT     NOT NULL
);
CREATE INDEX audit_log_by_time ON audit_log (at_ms, id);
CREATE INDEX audit_log_by_asn ON audit_log USING GIN (asns);
)sql";

constexpr std::array kMigrations{
    Migration{1, "initial schema", kInitialSchema},
    Migration{2, "audit log", kAuditLog},
};

Error newer_schema_error(long long found) {
  return Error{ErrorCode::store_error, "",
               "the database has schema version " + std::to_string(found) +
                   " but this peerapi knows versions up to " +
                   std::to_string(latest_schema_version()) +
                   "; it was written by a newer peerapi. Run that version, or restore a backup "
                   "made before the upgrade"};
}

}  // namespace

std::span<const Migration> migrations() noexcept {
  return kMigrations;
}

int latest_schema_version() noexcept {
  return kMigrations.back().version;
}

Result<void> migrate(pqxx::connection& connection) {
  pqxx::work transaction(connection, "migrate");
  transaction.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLock);
  transaction.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)");
  const pqxx::row current =
      transaction.exec1("SELECT coalesce(max(version), 0) FROM schema_migrations");
  const long long version = current[0].as<long long>();
  if (version > latest_schema_version())
    return std::unexpected(newer_schema_error(version));
  for (const Migration& migration : kMigrations) {
    if (migration.version <= version)
      continue;
    transaction.exec(std::string(migration.sql));
    // applied_at is bookkeeping for operators (Unix milliseconds), not data.
    transaction.exec_params(
        "INSERT INTO schema_migrations (version, applied_at) VALUES "
        "($1, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)",
        migration.version);
  }
  transaction.commit();
  return {};
}

}  // namespace peerapi::store::postgres
