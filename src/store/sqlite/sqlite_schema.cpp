#include "store/sqlite/sqlite_schema.hpp"

#include <array>
#include <string>

#include "store/sqlite/sqlite_handle.hpp"

namespace peerapi::store::sqlite {

namespace {

// Version 1: requests with their stored answers, sessions, their history, named secrets.
// Times are Unix milliseconds. IPs are canonical text (IpAddress::to_string), locations their
// "pdb:ix:N" id, statuses and peer types their wire spelling, booleans 0/1.
constexpr std::string_view kInitialSchema = R"sql(
CREATE TABLE requests (
  seq               INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id        TEXT    NOT NULL UNIQUE,
  client_request_id TEXT,
  subject           TEXT    NOT NULL,
  body_hash         TEXT    NOT NULL,
  return_url        TEXT,
  http_status       INTEGER NOT NULL,
  answer            TEXT    NOT NULL,
  created_at        INTEGER NOT NULL,
  UNIQUE (subject, client_request_id)
);

CREATE TABLE sessions (
  seq                      INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id               TEXT    NOT NULL UNIQUE,
  request_id               TEXT    NOT NULL REFERENCES requests (request_id),
  local_asn                INTEGER NOT NULL,
  local_ip                 TEXT    NOT NULL,
  peer_asn                 INTEGER NOT NULL,
  peer_ip                  TEXT    NOT NULL,
  local_bgp_role           INTEGER NOT NULL,
  peer_bgp_role            INTEGER NOT NULL,
  local_insert_asn         INTEGER NOT NULL,
  peer_insert_asn          INTEGER NOT NULL,
  local_monitoring_session INTEGER NOT NULL,
  peer_monitoring_session  INTEGER NOT NULL,
  peer_type                TEXT    NOT NULL,
  session_secret           TEXT,
  location                 TEXT    NOT NULL,
  status                   TEXT    NOT NULL,
  created_at               INTEGER NOT NULL,
  updated_at               INTEGER NOT NULL
);
CREATE INDEX sessions_by_local_asn ON sessions (local_asn, seq);
CREATE INDEX sessions_by_request ON sessions (request_id, seq);
-- At most one live session per (local, peer, location) tuple, even under racing writers
-- (docs/wire.md "duplicate_session"; live = not rejected, deleted, unestablished).
CREATE UNIQUE INDEX sessions_live_tuple
  ON sessions (local_asn, local_ip, peer_asn, peer_ip, location)
  WHERE status NOT IN ('rejected', 'deleted', 'unestablished');

CREATE TABLE session_history (
  id          INTEGER PRIMARY KEY,
  session_id  TEXT    NOT NULL REFERENCES sessions (session_id),
  at          INTEGER NOT NULL,
  from_status TEXT,
  to_status   TEXT    NOT NULL,
  actor       TEXT    NOT NULL,
  note        TEXT    NOT NULL
);
CREATE INDEX session_history_by_session ON session_history (session_id, id);

CREATE TABLE named_secrets (
  name  TEXT PRIMARY KEY,
  value BLOB NOT NULL
);
)sql";

// One-time values (DPoP jti, RFC 9421 nonces) shared by every process on this file.
constexpr std::string_view kOneTimeValues = R"sql(
CREATE TABLE one_time_values (
  key        TEXT    PRIMARY KEY,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX one_time_values_by_expiry ON one_time_values (expires_at);
)sql";

// OAuth client registrations at attested IdPs (POST /oauth/client_register), one per issuer.
// asns: the attested ASN numbers, ascending, separated by single spaces. client_secret is a
// secret like session_secret (the file is mode 0600).
constexpr std::string_view kIdpRegistrations = R"sql(
CREATE TABLE idp_registrations (
  issuer                   TEXT    PRIMARY KEY,
  client_id                TEXT    NOT NULL,
  client_secret            TEXT,
  client_secret_expires_at INTEGER,
  asns                     TEXT    NOT NULL,
  jwks_uri                 TEXT    NOT NULL,
  created_at               INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// The reconcile loop's bookkeeping (issue 6): per-session router records, which sessions are
// ours as initiator, and leases so that one process drives a router at a time.
constexpr std::string_view kLifecycle = R"sql(
CREATE TABLE router_records (
  session_id        TEXT    PRIMARY KEY REFERENCES sessions (session_id),
  on_router         INTEGER NOT NULL,
  configured_at     INTEGER,
  established_at    INTEGER,
  down_at           INTEGER,
  flaps             INTEGER NOT NULL,
  bgp_state         TEXT    NOT NULL,
  last_error        TEXT    NOT NULL,
  prefixes_received INTEGER,
  prefixes_accepted INTEGER,
  observed_at       INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX router_records_on_router ON router_records (session_id) WHERE on_router = 1;
CREATE INDEX sessions_by_status ON sessions (status, seq);
CREATE TABLE outgoing_sessions (
  session_id TEXT PRIMARY KEY REFERENCES sessions (session_id),
  peer_url   TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE leases (
  name     TEXT    PRIMARY KEY,
  holder   TEXT    NOT NULL,
  until_ms INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// The audit log (store/audit.hpp). asns: the principal's ASN numbers, ascending, separated by
// single spaces, for reading; audit_asn indexes them for the ASN filter. session_ids and reasons:
// store::join_audit_list. AUTOINCREMENT: an id is never reused, so paging by id is stable.
constexpr std::string_view kAuditLog = R"sql(
CREATE TABLE audit_log (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms             INTEGER NOT NULL,
  source_address    TEXT    NOT NULL,
  subject           TEXT    NOT NULL,
  email             TEXT    NOT NULL,
  issuer            TEXT    NOT NULL,
  asns              TEXT    NOT NULL,
  action            TEXT    NOT NULL,
  request_id        TEXT    NOT NULL,
  client_request_id TEXT    NOT NULL,
  session_ids       TEXT    NOT NULL,
  status            INTEGER NOT NULL,
  decision          TEXT    NOT NULL,
  reasons           TEXT    NOT NULL
);
CREATE INDEX audit_log_by_time ON audit_log (at_ms, id);
CREATE TABLE audit_asn (
  asn      INTEGER NOT NULL,
  audit_id INTEGER NOT NULL REFERENCES audit_log (id),
  PRIMARY KEY (asn, audit_id)
) WITHOUT ROWID;
-- Deleting an audit_log row checks this table for rows that name it (foreign key): by index,
-- not by scanning every entry's ASNs.
CREATE INDEX audit_asn_by_entry ON audit_asn (audit_id);
)sql";

constexpr std::array kMigrations{
    Migration{1, "initial schema", kInitialSchema},
    Migration{2, "one-time values for replay protection", kOneTimeValues},
    Migration{3, "OAuth client registrations at attested IdPs", kIdpRegistrations},
    Migration{4, "router records, outgoing sessions and router leases", kLifecycle},
    Migration{5, "audit log", kAuditLog},
};

// Unix milliseconds from SQLite's clock: applied_at is bookkeeping for operators, not data.
constexpr std::string_view kRecordMigration =
    "INSERT INTO schema_migrations (version, applied_at) "
    "VALUES (?1, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))";

Result<std::int64_t> recorded_version(Database& db) {
  return db.query_int("SELECT max(version) FROM schema_migrations",
                      "cannot read the schema version", 0);
}

Error newer_schema_error(std::int64_t found) {
  return Error{ErrorCode::store_error, "",
               "the database has schema version " + std::to_string(found) +
                   " but this peerapi knows versions up to " +
                   std::to_string(latest_schema_version()) +
                   "; it was written by a newer peerapi. Run that version, or restore a backup "
                   "made before the upgrade"};
}

// Applies one migration unless a concurrent opener already did.
Result<void> apply(Database& db, const Migration& migration) {
  if (auto begun = db.exec("BEGIN IMMEDIATE", "cannot start a migration transaction"); !begun)
    return begun;
  auto give_up = [&](Error error) -> Result<void> {
    if (sqlite3_get_autocommit(db.get()) == 0)
      sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    return std::unexpected(std::move(error));
  };
  auto current = recorded_version(db);
  if (!current)
    return give_up(current.error());
  if (*current > latest_schema_version())
    return give_up(newer_schema_error(*current));
  if (*current >= migration.version) {
    if (auto done = db.exec("COMMIT", "cannot finish a migration transaction"); !done)
      return give_up(done.error());
    return {};
  }
  const std::string what = "schema migration " + std::to_string(migration.version) + " (" +
                           std::string(migration.description) + ") failed";
  if (auto applied = db.exec(migration.sql, what); !applied)
    return give_up(applied.error());
  auto record = Statement::prepare(db.get(), kRecordMigration);
  if (!record)
    return give_up(record.error());
  {
    StatementRun run(*record);
    run.bind(1, std::int64_t{migration.version});
    if (auto recorded = run.run_to_done(what); !recorded)
      return give_up(recorded.error());
  }
  if (auto done = db.exec("COMMIT", what); !done)
    return give_up(done.error());
  return {};
}

}  // namespace

std::span<const Migration> migrations() noexcept {
  return kMigrations;
}

int latest_schema_version() noexcept {
  return kMigrations.back().version;
}

Result<void> migrate(Database& db) {
  if (auto created = db.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                             " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
                             "cannot create the schema_migrations table");
      !created) {
    return created;
  }
  auto current = recorded_version(db);
  if (!current)
    return std::unexpected(current.error());
  if (*current > latest_schema_version())
    return std::unexpected(newer_schema_error(*current));
  for (const Migration& migration : kMigrations) {
    if (migration.version <= *current)
      continue;
    if (auto applied = apply(db, migration); !applied)
      return applied;
  }
  return {};
}

}  // namespace peerapi::store::sqlite
