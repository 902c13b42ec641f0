#include "store/sqlite/sqlite_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <map>
#include <system_error>
#include <thread>
#include <utility>

#include "store/pending_cap.hpp"
#include "store/sqlite/sqlite_handle.hpp"
#include "store/sqlite/sqlite_schema.hpp"

namespace peerapi::store::sqlite {

namespace {

// The column list every session query returns, and the position of each column in it.
constexpr std::string_view kSessionColumns =
    "seq, session_id, request_id, local_asn, local_ip, peer_asn, peer_ip, local_bgp_role, "
    "peer_bgp_role, local_insert_asn, peer_insert_asn, local_monitoring_session, "
    "peer_monitoring_session, peer_type, session_secret, location, status, created_at, "
    "updated_at";
enum SessionColumn : int {
  kSeq,
  kSessionId,
  kRequestId,
  kLocalAsn,
  kLocalIp,
  kPeerAsn,
  kPeerIp,
  kLocalBgpRole,
  kPeerBgpRole,
  kLocalInsertAsn,
  kPeerInsertAsn,
  kLocalMonitoring,
  kPeerMonitoring,
  kPeerType,
  kSessionSecret,
  kLocation,
  kStatus,
  kCreatedAt,
  kUpdatedAt,
};

std::string select_sessions(std::string_view condition) {
  std::string sql = "SELECT ";
  sql += kSessionColumns;
  sql += " FROM sessions ";
  sql += condition;
  return sql;
}

// The live-tuple condition, spelt exactly as the partial index's WHERE clause so that SQLite
// can use sessions_live_tuple for it.
constexpr std::string_view kFindLiveDuplicate =
    "SELECT 1 FROM sessions WHERE local_asn = ?1 AND local_ip = ?2 AND peer_asn = ?3 AND "
    "peer_ip = ?4 AND location = ?5 AND status NOT IN ('rejected', 'deleted', 'unestablished') "
    "LIMIT 1";

constexpr std::string_view kInsertSession =
    "INSERT INTO sessions (session_id, request_id, local_asn, local_ip, peer_asn, peer_ip, "
    "local_bgp_role, peer_bgp_role, local_insert_asn, peer_insert_asn, local_monitoring_session, "
    "peer_monitoring_session, peer_type, session_secret, location, status, created_at, "
    "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
    "?17, ?18)";

constexpr std::string_view kInsertRequest =
    "INSERT INTO requests (request_id, client_request_id, subject, body_hash, return_url, "
    "http_status, answer, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

constexpr std::string_view kInsertHistory =
    "INSERT INTO session_history (session_id, at, from_status, to_status, actor, note) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/// The router_records columns router_record_from_row reads, in its order.
constexpr std::string_view kRouterRecordColumns =
    "session_id, on_router, configured_at, established_at, down_at, flaps, bgp_state, "
    "last_error, prefixes_received, prefixes_accepted, observed_at";

constexpr std::string_view kSelectHistory =
    "SELECT session_id, at, from_status, to_status, actor, note FROM session_history "
    "WHERE session_id = ?1 ORDER BY id";

constexpr std::string_view kSelectSecret = "SELECT value FROM named_secrets WHERE name = ?1";

constexpr std::string_view kUpsertIdpRegistration =
    "INSERT INTO idp_registrations (issuer, client_id, client_secret, client_secret_expires_at, "
    "asns, jwks_uri, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (issuer) DO "
    "UPDATE SET client_id = excluded.client_id, client_secret = excluded.client_secret, "
    "client_secret_expires_at = excluded.client_secret_expires_at, asns = excluded.asns, "
    "jwks_uri = excluded.jwks_uri, created_at = excluded.created_at";

constexpr std::string_view kSelectIdpRegistrations =
    "SELECT issuer, client_id, client_secret, client_secret_expires_at, asns, jwks_uri, "
    "created_at FROM idp_registrations ORDER BY issuer";

constexpr std::string_view kInsertAudit =
    "INSERT INTO audit_log (at_ms, source_address, subject, email, issuer, asns, action, "
    "request_id, client_request_id, session_ids, status, decision, reasons) VALUES (?1, ?2, ?3, "
    "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

Result<void> prepare_all(sqlite3* db,
                         std::initializer_list<std::pair<Statement*, std::string>> statements) {
  for (const auto& [target, sql] : statements) {
    auto prepared = Statement::prepare(db, sql);
    if (!prepared)
      return std::unexpected(prepared.error());
    *target = std::move(*prepared);
  }
  return {};
}

Error corrupt_row(std::string_view table, std::string_view key, const Error& cause) {
  std::string message = "corrupt row in ";
  message += table;
  message += " (";
  message += key.substr(0, 64);
  message += "): ";
  message += cause.field;
  message += ": ";
  message += cause.message;
  return Error{ErrorCode::store_error, "", std::move(message)};
}

/// An INTEGER column: SQLite's type affinity keeps text that does not look like a number as
/// text, which must not silently read as 0.
Result<std::int64_t> stored_int(const StatementRun& row, int column, std::string_view field) {
  if (!row.is_integer(column))
    return fail(ErrorCode::wrong_type, std::string(field), "expected an integer");
  return row.int64(column);
}

Result<bool> stored_bool(const StatementRun& row, int column, std::string_view field) {
  auto value = stored_int(row, column, field);
  if (!value)
    return std::unexpected(value.error());
  if (*value != 0 && *value != 1) {
    return fail(ErrorCode::invalid_value, std::string(field),
                "expected 0 or 1, found " + std::to_string(*value));
  }
  return *value == 1;
}

/// Rebuilds a Session from a row of kSessionColumns, re-validating every field with the model
/// parsers: a row edited by hand or damaged on disk becomes a store_error, never a bad value.
Result<model::Session> session_from_row(const StatementRun& row) {
  const std::string_view key = row.text(kSessionId);
  auto bad = [&](const Error& cause) {
    return std::unexpected(corrupt_row("sessions", key, cause));
  };

  auto session_id = model::Uuid::parse(key, "session_id");
  if (!session_id)
    return bad(session_id.error());
  auto request_id = model::Uuid::parse(row.text(kRequestId), "request_id");
  if (!request_id)
    return bad(request_id.error());
  auto local_asn_number = stored_int(row, kLocalAsn, "local_asn");
  if (!local_asn_number)
    return bad(local_asn_number.error());
  auto local_asn = model::Asn::from_number(*local_asn_number, "local_asn");
  if (!local_asn)
    return bad(local_asn.error());
  auto local_ip = model::IpAddress::parse(row.text(kLocalIp), "local_ip");
  if (!local_ip)
    return bad(local_ip.error());
  auto peer_asn_number = stored_int(row, kPeerAsn, "peer_asn");
  if (!peer_asn_number)
    return bad(peer_asn_number.error());
  auto peer_asn = model::Asn::from_number(*peer_asn_number, "peer_asn");
  if (!peer_asn)
    return bad(peer_asn.error());
  auto peer_ip = model::IpAddress::parse(row.text(kPeerIp), "peer_ip");
  if (!peer_ip)
    return bad(peer_ip.error());
  auto local_role_number = stored_int(row, kLocalBgpRole, "local_bgp_role");
  if (!local_role_number)
    return bad(local_role_number.error());
  auto local_role = model::bgp_role_from_number(*local_role_number, "local_bgp_role");
  if (!local_role)
    return bad(local_role.error());
  auto peer_role_number = stored_int(row, kPeerBgpRole, "peer_bgp_role");
  if (!peer_role_number)
    return bad(peer_role_number.error());
  auto peer_role = model::bgp_role_from_number(*peer_role_number, "peer_bgp_role");
  if (!peer_role)
    return bad(peer_role.error());
  auto local_insert = stored_bool(row, kLocalInsertAsn, "local_insert_asn");
  if (!local_insert)
    return bad(local_insert.error());
  auto peer_insert = stored_bool(row, kPeerInsertAsn, "peer_insert_asn");
  if (!peer_insert)
    return bad(peer_insert.error());
  auto local_monitoring = stored_bool(row, kLocalMonitoring, "local_monitoring_session");
  if (!local_monitoring)
    return bad(local_monitoring.error());
  auto peer_monitoring = stored_bool(row, kPeerMonitoring, "peer_monitoring_session");
  if (!peer_monitoring)
    return bad(peer_monitoring.error());
  auto peer_type = model::parse_location_type(row.text(kPeerType), "peer_type");
  if (!peer_type)
    return bad(peer_type.error());
  std::optional<model::SessionSecret> secret;
  if (!row.is_null(kSessionSecret)) {
    auto parsed = model::SessionSecret::parse(row.text(kSessionSecret), "session_secret");
    if (!parsed)
      return bad(parsed.error());
    secret = std::move(*parsed);
  }
  auto location = model::LocationId::parse(row.text(kLocation), "location");
  if (!location)
    return bad(location.error());
  auto status = model::parse_session_status(row.text(kStatus), "status");
  if (!status)
    return bad(status.error());
  auto created_at = stored_int(row, kCreatedAt, "created_at");
  if (!created_at)
    return bad(created_at.error());
  auto updated_at = stored_int(row, kUpdatedAt, "updated_at");
  if (!updated_at)
    return bad(updated_at.error());

  return model::Session{
      .session_id = *session_id,
      .request_id = *request_id,
      .fields =
          model::SessionRequest{
              .local_asn = *local_asn,
              .local_ip = *local_ip,
              .peer_asn = *peer_asn,
              .peer_ip = *peer_ip,
              .local_bgp_role = *local_role,
              .peer_bgp_role = *peer_role,
              .local_insert_asn = *local_insert,
              .peer_insert_asn = *peer_insert,
              .local_monitoring_session = *local_monitoring,
              .peer_monitoring_session = *peer_monitoring,
              .peer_type = *peer_type,
              .session_secret = std::move(secret),
              .location = *location,
          },
      .status = *status,
      .created_at_ms = *created_at,
      .updated_at_ms = *updated_at,
  };
}

/// Reads a page of session rows from `run`, which selects at most limit + 1 rows with seq >
/// `after_seq` in seq order: the extra row only tells that more follow (next_after).
Result<SessionPage> read_page(StatementRun& run, sqlite3* db, std::int64_t after_seq, int limit) {
  SessionPage page;
  page.sessions.reserve(static_cast<std::size_t>(std::min(limit, 128)));
  std::int64_t last_seq = after_seq;
  for (;;) {
    const int rc = run.step();
    if (rc == SQLITE_DONE)
      return page;
    if (rc != SQLITE_ROW)
      return std::unexpected(sqlite_error(db, "cannot list sessions"));
    if (std::ssize(page.sessions) == limit) {
      page.next_after = last_seq;
      return page;
    }
    auto session = session_from_row(run);
    if (!session)
      return std::unexpected(session.error());
    page.sessions.push_back(std::move(*session));
    last_seq = run.int64(kSeq);
  }
}

/// The asns column: ASN numbers, ascending, separated by single spaces.
std::string asn_column(std::vector<model::Asn> asns) {
  std::ranges::sort(asns);
  std::string text;
  for (const model::Asn& asn : asns) {
    if (!text.empty())
      text += ' ';
    text += std::to_string(asn.value());
  }
  return text;
}

/// Rebuilds an IdpRegistration from a row of kSelectIdpRegistrations, validating every ASN.
Result<IdpRegistration> idp_registration_from_row(const StatementRun& row) {
  const std::string_view key = row.text(0);
  auto bad = [&](const Error& cause) {
    return std::unexpected(corrupt_row("idp_registrations", key, cause));
  };
  IdpRegistration out;
  out.issuer = std::string(key);
  out.client_id = std::string(row.text(1));
  if (!row.is_null(2))
    out.client_secret = std::string(row.text(2));
  if (!row.is_null(3)) {
    auto expires = stored_int(row, 3, "client_secret_expires_at");
    if (!expires)
      return bad(expires.error());
    out.client_secret_expires_at = *expires;
  }
  const std::string_view asns = row.text(4);
  std::size_t start = 0;
  while (start < asns.size()) {
    const std::size_t end = std::min(asns.find(' ', start), asns.size());
    const std::string_view number = asns.substr(start, end - start);
    std::int64_t value = -1;
    const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (ec != std::errc{} || ptr != number.data() + number.size())
      return bad(Error{ErrorCode::invalid_asn, "asns", "not a list of ASN numbers"});
    auto asn = model::Asn::from_number(value, "asns");
    if (!asn)
      return bad(asn.error());
    out.asns.push_back(*asn);
    start = end + 1;
  }
  if (out.asns.empty())
    return bad(Error{ErrorCode::missing_field, "asns", "no ASN"});
  out.jwks_uri = std::string(row.text(5));
  auto created = stored_int(row, 6, "created_at");
  if (!created)
    return bad(created.error());
  out.created_at_ms = *created;
  return out;
}

Result<HistoryEntry> history_from_row(const StatementRun& row) {
  const std::string_view key = row.text(0);
  auto bad = [&](const Error& cause) {
    return std::unexpected(corrupt_row("session_history", key, cause));
  };
  auto session_id = model::Uuid::parse(key, "session_id");
  if (!session_id)
    return bad(session_id.error());
  std::optional<model::SessionStatus> from;
  if (!row.is_null(2)) {
    auto parsed = model::parse_session_status(row.text(2), "from_status");
    if (!parsed)
      return bad(parsed.error());
    from = *parsed;
  }
  auto to = model::parse_session_status(row.text(3), "to_status");
  if (!to)
    return bad(to.error());
  return HistoryEntry{
      .session_id = *session_id,
      .at_ms = row.int64(1),
      .from = from,
      .to = *to,
      .actor = std::string(row.text(4)),
      .note = std::string(row.text(5)),
  };
}

bool is_unique_violation(sqlite3* db) {
  return sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_UNIQUE;
}

/// The session_id column named in a UNIQUE failure means an id collision, not a duplicate.
bool names_session_id(sqlite3* db) {
  return std::strstr(sqlite3_errmsg(db), "sessions.session_id") != nullptr;
}

Error duplicate_session_error() {
  return Error{ErrorCode::duplicate_session, "",
               "a live session with the same local_asn, local_ip, peer_asn, peer_ip and "
               "location already exists"};
}

constexpr std::string_view kSynchronousValues[] = {"off", "normal", "full", "extra"};

Result<std::string> synchronous_pragma(std::string value) {
  std::ranges::transform(value, value.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  if (std::ranges::find(kSynchronousValues, value) == std::end(kSynchronousValues)) {
    return fail(ErrorCode::config_invalid, "synchronous",
                "SQLite synchronous must be off, normal, full or extra, got \"" +
                    value.substr(0, 20) + "\"");
  }
  return "PRAGMA synchronous = " + value;
}

/// Settings every connection needs (they are per connection in SQLite).
Result<void> configure_connection(Database& db, const SqliteOptions& options,
                                  const std::string& synchronous) {
  if (sqlite3_busy_timeout(db.get(), options.busy_timeout_ms) != SQLITE_OK)
    return std::unexpected(sqlite_error(db.get(), "cannot set busy_timeout"));
  if (auto on = db.exec("PRAGMA foreign_keys = ON", "cannot enable foreign keys"); !on)
    return on;
  if (auto mapped = db.exec("PRAGMA mmap_size = " + std::to_string(options.mmap_size_bytes),
                            "cannot set PRAGMA mmap_size");
      !mapped) {
    return mapped;
  }
  return db.exec(synchronous, "cannot set PRAGMA synchronous");
}

/// Creates `file` with mode 0600 when absent so that no other user can ever read the session
/// secrets in it; SQLite gives the -wal and -shm files the database file's mode.
Result<void> create_private_file(const std::filesystem::path& file) {
  std::error_code ec;
  if (file.has_parent_path()) {
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) {
      return fail(ErrorCode::store_error, "",
                  "cannot create directory " + file.parent_path().string() + ": " + ec.message());
    }
  }
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return fail(ErrorCode::store_error, "",
                "cannot create database file " + file.string() + ": " + std::strerror(errno));
  }
  ::close(fd);
  return {};
}

}  // namespace

struct ReadStatements {
  Statement get_session;
  Statement list_by_asn;
  Statement list_by_asn_and_request;
  Statement history;
  Statement count_sessions;
  Statement live_counts;
  Statement list_by_status;
  Statement count_by_asn_status;
  Statement select_secret;
  Statement select_idp_registrations;
  Statement router_record;
  Statement ping;
};

struct ReadConnection {
  Database db;
  ReadStatements statements;
};

struct WriteStatements {
  Statement begin;
  Statement commit;
  Statement savepoint;
  Statement release_savepoint;
  Statement rollback_to_savepoint;
  Statement find_request_by_client_id;
  Statement find_live_duplicate;
  Statement insert_request;
  Statement insert_session;
  Statement insert_history;
  Statement select_status;
  Statement update_status;
  Statement get_session;
  Statement insert_secret;
  Statement select_secret;
  Statement forget_expired_value;
  Statement remember_value;
  Statement purge_expired_values;
  Statement upsert_idp_registration;
  Statement insert_audit;
  Statement insert_audit_asn;
  Statement count_by_asn_status;
  Statement select_purgeable_audit;
  Statement delete_audit_asn;
  Statement delete_audit;
};

struct WriteConnection {
  Database db;
  WriteStatements statements;
};

namespace {

/// Switches the file to WAL and returns the resulting journal mode. Changing the mode needs an
/// exclusive lock, and SQLite does not wait on its busy handler for it when another process is
/// creating the same file at the same moment, so SQLITE_BUSY is retried here until
/// `busy_timeout_ms` has passed.
Result<std::string> enable_wal(Database& database, int busy_timeout_ms) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms);
  for (;;) {
    auto mode = database.query_text("PRAGMA journal_mode = WAL", "cannot enable WAL mode");
    if (mode || (sqlite3_errcode(database.get()) & 0xff) != SQLITE_BUSY ||
        std::chrono::steady_clock::now() >= deadline) {
      return mode;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

Result<std::unique_ptr<ReadConnection>> open_reader(const std::string& file,
                                                    const SqliteOptions& options,
                                                    const std::string& synchronous) {
  auto db = Database::open(file, SQLITE_OPEN_READWRITE);
  if (!db)
    return std::unexpected(db.error());
  auto connection = std::make_unique<ReadConnection>(ReadConnection{std::move(*db), {}});
  if (auto configured = configure_connection(connection->db, options, synchronous); !configured)
    return std::unexpected(configured.error());
  if (auto read_only = connection->db.exec("PRAGMA query_only = ON", "cannot set query_only");
      !read_only) {
    return std::unexpected(read_only.error());
  }
  ReadStatements& s = connection->statements;
  if (auto prepared = prepare_all(
          connection->db.get(),
          {
              {&s.get_session, select_sessions("WHERE session_id = ?1")},
              {&s.list_by_asn,
               select_sessions("WHERE local_asn = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3")},
              {&s.list_by_asn_and_request,
               select_sessions(
                   "WHERE request_id = ?1 AND local_asn = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4")},
              {&s.history, std::string(kSelectHistory)},
              {&s.count_sessions, "SELECT count(*) FROM sessions"},
              {&s.live_counts,
               "SELECT location, count(*) FROM sessions WHERE local_asn = ?1 AND status NOT IN "
               "('rejected', 'deleted', 'unestablished') GROUP BY location ORDER BY location"},
              {&s.list_by_status,
               select_sessions("WHERE status = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3")},
              {&s.count_by_asn_status,
               "SELECT count(*) FROM sessions WHERE local_asn = ?1 AND status = ?2"},
              {&s.select_secret, std::string(kSelectSecret)},
              {&s.select_idp_registrations, std::string(kSelectIdpRegistrations)},
              {&s.router_record, "SELECT " + std::string(kRouterRecordColumns) +
                                     " FROM router_records WHERE session_id = ?1"},
              {&s.ping, "SELECT count(*) FROM schema_migrations"},
          });
      !prepared) {
    return std::unexpected(prepared.error());
  }
  return connection;
}

Result<std::unique_ptr<WriteConnection>> open_writer(const std::string& file,
                                                     const SqliteOptions& options,
                                                     const std::string& synchronous) {
  auto db = Database::open(file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!db)
    return std::unexpected(db.error());
  auto connection = std::make_unique<WriteConnection>(WriteConnection{std::move(*db), {}});
  Database& database = connection->db;
  if (sqlite3_busy_timeout(database.get(), options.busy_timeout_ms) != SQLITE_OK)
    return std::unexpected(sqlite_error(database.get(), "cannot set busy_timeout"));
  // WAL lets readers proceed while one writer commits; it is a property of the file, so this
  // also converts a database created in another journal mode.
  auto mode = enable_wal(database, options.busy_timeout_ms);
  if (!mode)
    return std::unexpected(mode.error());
  if (*mode != "wal") {
    return fail(ErrorCode::store_error, "",
                "cannot enable WAL mode on " + file + " (SQLite stayed in \"" + *mode +
                    "\" mode; WAL needs a local file system with shared memory)");
  }
  if (auto configured = configure_connection(database, options, synchronous); !configured)
    return std::unexpected(configured.error());
  if (auto migrated = migrate(database); !migrated)
    return std::unexpected(migrated.error());

  WriteStatements& s = connection->statements;
  if (auto prepared = prepare_all(
          database.get(),
          {
              {&s.begin, "BEGIN IMMEDIATE"},
              {&s.commit, "COMMIT"},
              {&s.savepoint, "SAVEPOINT job"},
              {&s.release_savepoint, "RELEASE job"},
              {&s.rollback_to_savepoint, "ROLLBACK TO job"},
              {&s.find_request_by_client_id,
               "SELECT body_hash, http_status, answer FROM requests "
               "WHERE subject = ?1 AND client_request_id = ?2"},
              {&s.find_live_duplicate, std::string(kFindLiveDuplicate)},
              {&s.insert_request, std::string(kInsertRequest)},
              {&s.insert_session, std::string(kInsertSession)},
              {&s.insert_history, std::string(kInsertHistory)},
              {&s.select_status, "SELECT status FROM sessions WHERE session_id = ?1"},
              {&s.update_status,
               "UPDATE sessions SET status = ?1, updated_at = ?2 "
               "WHERE session_id = ?3 AND status = ?4"},
              {&s.get_session, select_sessions("WHERE session_id = ?1")},
              {&s.insert_secret,
               "INSERT OR IGNORE INTO named_secrets (name, value) VALUES (?1, ?2)"},
              {&s.select_secret, std::string(kSelectSecret)},
              {&s.forget_expired_value,
               "DELETE FROM one_time_values WHERE key = ?1 AND expires_at <= ?2"},
              {&s.remember_value,
               "INSERT OR IGNORE INTO one_time_values (key, expires_at) "
               "VALUES (?1, ?2)"},
              {&s.purge_expired_values,
               "DELETE FROM one_time_values WHERE key IN (SELECT key FROM "
               "one_time_values WHERE expires_at <= ?1 ORDER BY expires_at LIMIT 256)"},
              {&s.upsert_idp_registration, std::string(kUpsertIdpRegistration)},
              {&s.insert_audit, std::string(kInsertAudit)},
              {&s.insert_audit_asn,
               "INSERT OR IGNORE INTO audit_asn (asn, audit_id) VALUES (?1, ?2)"},
              {&s.count_by_asn_status,
               "SELECT count(*) FROM sessions WHERE local_asn = ?1 AND status = ?2"},
              {&s.select_purgeable_audit,
               "SELECT id, asns FROM audit_log WHERE at_ms < ?1 "
               "ORDER BY at_ms, id LIMIT ?2"},
              {&s.delete_audit_asn, "DELETE FROM audit_asn WHERE asn = ?1 AND audit_id = ?2"},
              {&s.delete_audit, "DELETE FROM audit_log WHERE id = ?1"},
          });
      !prepared) {
    return std::unexpected(prepared.error());
  }
  return connection;
}

/// One BEGIN IMMEDIATE transaction on the write connection (whose lock the caller holds).
/// Rolled back on destruction unless commit() succeeded, so every early return undoes
/// everything the transaction wrote.
class WriteTransaction {
 public:
  explicit WriteTransaction(WriteConnection& connection) noexcept : connection_(connection) {}
  ~WriteTransaction() {
    if (active())
      sqlite3_exec(connection_.db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;

  Result<void> begin() {
    StatementRun run(connection_.statements.begin);
    return run.run_to_done("cannot start a write transaction");
  }
  Result<void> commit() {
    StatementRun run(connection_.statements.commit);
    return run.run_to_done("cannot commit");
  }
  /// False once SQLite has rolled the transaction back by itself (it does so on some I/O,
  /// disk-full and out-of-memory errors).
  [[nodiscard]] bool active() const noexcept {
    return sqlite3_get_autocommit(connection_.db.get()) == 0;
  }

 private:
  WriteConnection& connection_;
};

/// Runs one job of a commit group inside its own savepoint: a job that fails is rolled back
/// to where it started and leaves the other jobs of the group untouched.
Result<void> run_in_savepoint(WriteConnection& writer, const WriteWork& work) {
  WriteStatements& s = writer.statements;
  {
    StatementRun run(s.savepoint);
    if (auto opened = run.run_to_done("cannot open a savepoint"); !opened)
      return opened;
  }
  Result<void> outcome;
  try {
    outcome = work(writer);
  } catch (const std::exception& e) {
    outcome = fail(ErrorCode::internal, "", std::string("a store write failed: ") + e.what());
  } catch (...) {
    outcome = fail(ErrorCode::internal, "", "a store write failed");
  }
  if (sqlite3_get_autocommit(writer.db.get()) != 0)
    return outcome;  // SQLite already rolled everything back; the caller fails the group
  if (!outcome) {
    StatementRun rollback(s.rollback_to_savepoint);
    if (auto undone = rollback.run_to_done("cannot roll back a savepoint"); !undone)
      return std::unexpected(undone.error());
  }
  StatementRun release(s.release_savepoint);
  if (auto released = release.run_to_done("cannot release a savepoint"); !released)
    return released;
  return outcome;
}

Result<void> insert_history(WriteConnection& writer, const std::string& session_id,
                            std::int64_t at_ms, std::optional<model::SessionStatus> from,
                            model::SessionStatus to, std::string_view actor,
                            std::string_view note) {
  StatementRun run(writer.statements.insert_history);
  run.bind(1, session_id).bind(2, at_ms);
  if (from)
    run.bind(3, model::to_string(*from));
  else
    run.bind_null(3);
  run.bind(4, model::to_string(to)).bind(5, actor).bind(6, note);
  return run.run_to_done("cannot record session history");
}

/// An audit entry's list columns, joined outside the write lock.
struct AuditText {
  std::string asns, session_ids, reasons;
};

AuditText audit_text(const AuditEntry& entry) {
  return {asn_column(entry.asns), join_audit_list(entry.session_ids),
          join_audit_list(entry.reasons)};
}

/// Inserts `entry` (validated by the caller) and its ASN index rows; returns its id.
Result<std::int64_t> insert_audit(WriteConnection& writer, const AuditEntry& entry,
                                  const AuditText& text) {
  {
    StatementRun run(writer.statements.insert_audit);
    run.bind(1, entry.at_ms)
        .bind(2, entry.source_address)
        .bind(3, entry.subject)
        .bind(4, entry.email)
        .bind(5, entry.issuer)
        .bind(6, text.asns)
        .bind(7, entry.action)
        .bind(8, entry.request_id)
        .bind(9, entry.client_request_id)
        .bind(10, text.session_ids)
        .bind(11, std::int64_t{entry.status})
        .bind(12, entry.decision)
        .bind(13, text.reasons);
    if (auto done = run.run_to_done("cannot append to the audit log"); !done)
      return std::unexpected(done.error());
  }
  const std::int64_t id = sqlite3_last_insert_rowid(writer.db.get());
  for (const model::Asn& asn : entry.asns) {
    StatementRun run(writer.statements.insert_audit_asn);
    run.bind(1, std::int64_t{asn.value()}).bind(2, id);
    if (auto done = run.run_to_done("cannot index an audit entry"); !done)
      return std::unexpected(done.error());
  }
  return id;
}

/// The text forms of a session's key columns, computed outside the write lock.
struct SessionText {
  std::string session_id, local_ip, peer_ip, location;
};

SessionText session_text(const model::Session& session) {
  return {session.session_id.to_string(), session.fields.local_ip.to_string(),
          session.fields.peer_ip.to_string(), session.fields.location.to_string()};
}

/// Inserts one sessions row (created_at = updated_at = now_ms). duplicate_session when the live
/// tuple is taken.
Result<void> insert_session(WriteConnection& writer, const model::Session& session,
                            std::string_view request_id, std::int64_t now_ms,
                            const SessionText& text) {
  const model::SessionRequest& f = session.fields;
  StatementRun run(writer.statements.insert_session);
  run.bind(1, text.session_id)
      .bind(2, request_id)
      .bind(3, std::int64_t{f.local_asn.value()})
      .bind(4, text.local_ip)
      .bind(5, std::int64_t{f.peer_asn.value()})
      .bind(6, text.peer_ip)
      .bind(7, static_cast<std::int64_t>(f.local_bgp_role))
      .bind(8, static_cast<std::int64_t>(f.peer_bgp_role))
      .bind_bool(9, f.local_insert_asn)
      .bind_bool(10, f.peer_insert_asn)
      .bind_bool(11, f.local_monitoring_session)
      .bind_bool(12, f.peer_monitoring_session)
      .bind(13, model::to_string(f.peer_type));
  if (f.session_secret)
    run.bind(14, f.session_secret->reveal());
  else
    run.bind_null(14);
  run.bind(15, text.location)
      .bind(16, model::to_string(session.status))
      .bind(17, now_ms)
      .bind(18, now_ms);
  if (run.step() != SQLITE_DONE) {
    sqlite3* db = writer.db.get();
    if (is_unique_violation(db) && !names_session_id(db))
      return std::unexpected(duplicate_session_error());
    return std::unexpected(sqlite_error(db, "cannot store session"));
  }
  return {};
}

}  // namespace

}  // namespace peerapi::store::sqlite

namespace peerapi::store {

using sqlite::StatementRun;

SqliteStore::SqliteStore(std::unique_ptr<sqlite::WriteConnection> writer,
                         std::vector<std::unique_ptr<sqlite::ReadConnection>> readers,
                         util::RandomSource& random)
    : writer_(std::move(writer)), readers_(std::move(readers)), random_(random) {
  idle_readers_.reserve(readers_.size());
  for (auto& reader : readers_)
    idle_readers_.push_back(reader.get());
}

SqliteStore::~SqliteStore() = default;

int SqliteStore::schema_version() noexcept {
  return sqlite::latest_schema_version();
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::filesystem::path& file,
                                                       util::RandomSource& random,
                                                       SqliteOptions options) {
  if (sqlite3_threadsafe() == 0) {
    return fail(ErrorCode::store_error, "",
                "the SQLite library was built without thread support (SQLITE_THREADSAFE=0)");
  }
  if (options.read_connections < 1 || options.read_connections > 64) {
    return fail(ErrorCode::config_invalid, "read_connections",
                "read_connections must be 1-64, got " + std::to_string(options.read_connections));
  }
  if (options.mmap_size_bytes < 0) {
    return fail(ErrorCode::config_invalid, "mmap_size_bytes",
                "mmap_size_bytes must not be negative");
  }
  if (options.busy_timeout_ms < 0) {
    return fail(ErrorCode::config_invalid, "busy_timeout_ms",
                "busy_timeout_ms must not be negative");
  }
  auto synchronous = sqlite::synchronous_pragma(options.synchronous);
  if (!synchronous)
    return std::unexpected(synchronous.error());
  if (auto created = sqlite::create_private_file(file); !created)
    return std::unexpected(created.error());

  const std::string name = file.string();
  auto writer = sqlite::open_writer(name, options, *synchronous);
  if (!writer)
    return std::unexpected(writer.error());
  std::vector<std::unique_ptr<sqlite::ReadConnection>> readers;
  readers.reserve(static_cast<std::size_t>(options.read_connections));
  for (int i = 0; i < options.read_connections; ++i) {
    auto reader = sqlite::open_reader(name, options, *synchronous);
    if (!reader)
      return std::unexpected(reader.error());
    readers.push_back(std::move(*reader));
  }
  return std::unique_ptr<SqliteStore>(
      new SqliteStore(std::move(*writer), std::move(readers), random));
}

SqliteStore::ReadLease SqliteStore::acquire_reader() {
  std::unique_lock lock(pool_mutex_);
  pool_available_.wait(lock, [this] { return !idle_readers_.empty(); });
  sqlite::ReadConnection* connection = idle_readers_.back();
  idle_readers_.pop_back();
  return ReadLease(*this, *connection);
}

SqliteStore::ReadLease::~ReadLease() {
  {
    std::lock_guard lock(store_->pool_mutex_);
    store_->idle_readers_.push_back(connection_);
  }
  store_->pool_available_.notify_one();
}

struct SqliteStore::WriteJob {
  const sqlite::WriteWork* work = nullptr;
  Result<void> result;
  bool done = false;
};

namespace {
/// Most jobs one commit group takes: bounds how long the first of them waits for its answer.
constexpr std::size_t kMaxGroupJobs = 64;
}  // namespace

Result<void> SqliteStore::write(const sqlite::WriteWork& work) {
  WriteJob job{.work = &work, .result = {}, .done = false};
  std::unique_lock lock(queue_mutex_);
  queued_.push_back(&job);
  while (!job.done) {
    if (group_running_) {
      group_done_.wait(lock);
      continue;
    }
    // Nobody is committing: this thread runs the next group (which includes its own job,
    // unless the queue is longer than one group; then it loops and runs the following one).
    group_running_ = true;
    const std::size_t take = std::min(queued_.size(), kMaxGroupJobs);
    std::vector<WriteJob*> group(queued_.begin(), queued_.begin() + static_cast<long>(take));
    queued_.erase(queued_.begin(), queued_.begin() + static_cast<long>(take));
    lock.unlock();
    run_group(group);
    lock.lock();
    for (WriteJob* finished : group)
      finished->done = true;
    group_running_ = false;
    group_done_.notify_all();
  }
  return std::move(job.result);
}

void SqliteStore::run_group(std::span<WriteJob* const> jobs) {
  auto fail_all = [&](const Error& error) {
    for (WriteJob* job : jobs)
      job->result = std::unexpected(error);
  };
  sqlite::WriteConnection& writer = *writer_;
  sqlite::WriteTransaction transaction(writer);
  if (auto begun = transaction.begin(); !begun)
    return fail_all(begun.error());
  for (WriteJob* job : jobs) {
    job->result = sqlite::run_in_savepoint(writer, *job->work);
    if (!transaction.active()) {
      // SQLite abandoned the transaction (I/O error, disk full...): nothing of this group is
      // stored, so no job of it may be acknowledged.
      Error error = job->result ? Error{ErrorCode::store_error, "",
                                        "the write transaction was rolled back by SQLite"}
                                : job->result.error();
      return fail_all(error);
    }
  }
  if (auto committed = transaction.commit(); !committed)
    return fail_all(committed.error());
}

Result<CreateOutcome> SqliteStore::create_request(const RequestDraft& draft,
                                                  const AnswerBuilder& finish) {
  if (!finish)
    return fail(ErrorCode::internal, "", "create_request called without an answer builder");

  // Text forms are computed before taking the write lock to keep the critical section short.
  std::vector<sqlite::SessionText> texts;
  texts.reserve(draft.candidates.size());
  for (const model::Session& candidate : draft.candidates)
    texts.push_back(sqlite::session_text(candidate));
  const std::string request_id = draft.request_id.to_string();
  const std::optional<std::string> client_request_id =
      draft.client_request_id ? std::optional(draft.client_request_id->to_string()) : std::nullopt;

  CreateOutcome outcome;
  const sqlite::WriteWork work = [&](sqlite::WriteConnection& writer) -> Result<void> {
    sqlite::WriteStatements& s = writer.statements;

    // Idempotent replay (docs/wire.md "Request ids"): the client id is scoped to the subject.
    if (client_request_id) {
      StatementRun run(s.find_request_by_client_id);
      run.bind(1, draft.subject).bind(2, *client_request_id);
      const int rc = run.step();
      if (rc == SQLITE_ROW) {
        outcome.kind = run.text(0) == draft.body_hash ? CreateOutcome::Kind::replayed
                                                      : CreateOutcome::Kind::conflict;
        outcome.answer.http_status = static_cast<int>(run.int64(1));
        outcome.answer.body = std::string(run.text(2));
        return {};  // nothing written
      }
      if (rc != SQLITE_DONE)
        return std::unexpected(sqlite::sqlite_error(writer.db.get(), "cannot look up request"));
    }

    CandidateChecks checks{.duplicate = std::vector<bool>(draft.candidates.size(), false),
                           .over_pending_cap = std::vector<bool>(draft.candidates.size(), false)};
    for (std::size_t i = 0; i < draft.candidates.size(); ++i) {
      const model::SessionRequest& fields = draft.candidates[i].fields;
      StatementRun run(s.find_live_duplicate);
      run.bind(1, std::int64_t{fields.local_asn.value()})
          .bind(2, texts[i].local_ip)
          .bind(3, std::int64_t{fields.peer_asn.value()})
          .bind(4, texts[i].peer_ip)
          .bind(5, texts[i].location);
      const int rc = run.step();
      if (rc == SQLITE_ROW)
        checks.duplicate[i] = true;
      else if (rc != SQLITE_DONE)
        return std::unexpected(sqlite::sqlite_error(writer.db.get(), "cannot check duplicates"));
    }
    // The pending cap, counted under the write lock: no other request commits in between.
    auto capped =
        mark_over_pending_cap(draft, checks, [&](std::uint32_t asn) -> Result<std::int64_t> {
          StatementRun run(s.count_by_asn_status);
          run.bind(1, std::int64_t{asn}).bind(2, model::to_string(model::SessionStatus::pending));
          if (run.step() != SQLITE_ROW)
            return std::unexpected(sqlite::sqlite_error(writer.db.get(), "cannot count sessions"));
          return run.int64(0);
        });
    if (!capped)
      return std::unexpected(capped.error());

    outcome.kind = CreateOutcome::Kind::created;
    try {
      outcome.answer = finish(checks);
    } catch (const std::exception& e) {
      return fail(ErrorCode::internal, "", std::string("building the answer failed: ") + e.what());
    } catch (...) {
      return fail(ErrorCode::internal, "", "building the answer failed");
    }

    {
      StatementRun run(s.insert_request);
      run.bind(1, request_id);
      if (client_request_id)
        run.bind(2, *client_request_id);
      else
        run.bind_null(2);
      run.bind(3, draft.subject).bind(4, draft.body_hash);
      if (draft.return_url)
        run.bind(5, *draft.return_url);
      else
        run.bind_null(5);
      run.bind(6, std::int64_t{outcome.answer.http_status})
          .bind(7, outcome.answer.body)
          .bind(8, draft.now_ms);
      if (run.step() != SQLITE_DONE) {
        if (sqlite::is_unique_violation(writer.db.get())) {
          return fail(ErrorCode::store_error, "",
                      "request id " + request_id + " is already stored");
        }
        return std::unexpected(sqlite::sqlite_error(writer.db.get(), "cannot store request"));
      }
    }

    for (std::size_t i = 0; i < draft.candidates.size(); ++i) {
      if (checks.duplicate[i] || checks.over_pending_cap[i])
        continue;
      const model::Session& candidate = draft.candidates[i];
      if (auto inserted =
              sqlite::insert_session(writer, candidate, request_id, draft.now_ms, texts[i]);
          !inserted) {
        return inserted;
      }
      const std::string& note =
          i < draft.creation_notes.size() ? draft.creation_notes[i] : std::string();
      if (auto recorded =
              sqlite::insert_history(writer, texts[i].session_id, draft.now_ms, std::nullopt,
                                     candidate.status, draft.subject, note);
          !recorded) {
        return std::unexpected(recorded.error());
      }
    }

    if (draft.audit) {
      auto entry = build_audit_entry(draft.audit, outcome.answer);
      if (!entry)
        return std::unexpected(entry.error());
      auto appended = sqlite::insert_audit(writer, *entry, sqlite::audit_text(*entry));
      if (!appended)
        return std::unexpected(appended.error());
      outcome.audit_id = *appended;
    }
    return {};
  };
  if (auto written = write(work); !written)
    return std::unexpected(written.error());
  return outcome;
}

Result<std::optional<model::Session>> SqliteStore::get_session(const model::Uuid& session_id) {
  const std::string id = session_id.to_string();
  ReadLease reader = acquire_reader();
  StatementRun run(reader->statements.get_session);
  run.bind(1, id);
  const int rc = run.step();
  if (rc == SQLITE_DONE)
    return std::nullopt;
  if (rc != SQLITE_ROW)
    return std::unexpected(sqlite::sqlite_error(reader->db.get(), "cannot read session"));
  auto session = sqlite::session_from_row(run);
  if (!session)
    return std::unexpected(session.error());
  return std::optional<model::Session>(std::move(*session));
}

Result<SessionPage> SqliteStore::list_sessions(model::Asn local_asn,
                                               const std::optional<model::Uuid>& request_id,
                                               std::optional<std::int64_t> after, int limit) {
  if (limit < 1)
    return fail(ErrorCode::out_of_range, "limit", "limit must be 1 or more");
  const std::optional<std::string> request_text =
      request_id ? std::optional(request_id->to_string()) : std::nullopt;
  const std::int64_t after_seq = after.value_or(0);    // AUTOINCREMENT sequences start at 1
  const std::int64_t fetch = std::int64_t{limit} + 1;  // one more tells whether more follow

  ReadLease reader = acquire_reader();
  sqlite::ReadStatements& s = reader->statements;
  StatementRun run(request_text ? s.list_by_asn_and_request : s.list_by_asn);
  const std::int64_t asn = local_asn.value();
  if (request_text)
    run.bind(1, *request_text).bind(2, asn).bind(3, after_seq).bind(4, fetch);
  else
    run.bind(1, asn).bind(2, after_seq).bind(3, fetch);

  return sqlite::read_page(run, reader->db.get(), after_seq, limit);
}

namespace {

/// One conditional transition inside an open write transaction; `updated` is set when it was
/// made.
Result<void> transition_in(sqlite::WriteConnection& writer, const std::string& id,
                           std::span<const model::SessionStatus> from, model::SessionStatus to,
                           const std::string& actor, const std::string& note, std::int64_t now_ms,
                           std::optional<model::Session>& updated) {
  sqlite::WriteStatements& s = writer.statements;
  // Under BEGIN IMMEDIATE no other writer runs, so the status read here is the one the
  // conditional UPDATE below sees.
  model::SessionStatus current = model::SessionStatus::pending;
  {
    StatementRun run(s.select_status);
    run.bind(1, id);
    const int rc = run.step();
    if (rc == SQLITE_DONE)
      return {};
    if (rc != SQLITE_ROW)
      return std::unexpected(sqlite::sqlite_error(writer.db.get(), "cannot read session"));
    auto parsed = model::parse_session_status(run.text(0), "status");
    if (!parsed)
      return std::unexpected(sqlite::corrupt_row("sessions", id, parsed.error()));
    current = *parsed;
  }
  if (std::ranges::find(from, current) == from.end())
    return {};

  {
    StatementRun run(s.update_status);
    run.bind(1, model::to_string(to))
        .bind(2, now_ms)
        .bind(3, id)
        .bind(4, model::to_string(current));
    if (run.step() != SQLITE_DONE) {
      if (sqlite::is_unique_violation(writer.db.get()))
        return std::unexpected(sqlite::duplicate_session_error());
      return std::unexpected(sqlite::sqlite_error(writer.db.get(), "cannot update session"));
    }
    if (sqlite3_changes(writer.db.get()) != 1)
      return fail(ErrorCode::store_error, "", "session " + id + " changed during a transition");
  }
  if (auto recorded = sqlite::insert_history(writer, id, now_ms, current, to, actor, note);
      !recorded) {
    return std::unexpected(recorded.error());
  }
  StatementRun run(s.get_session);
  run.bind(1, id);
  if (run.step() != SQLITE_ROW)
    return std::unexpected(sqlite::sqlite_error(writer.db.get(), "cannot read session"));
  auto session = sqlite::session_from_row(run);
  if (!session)
    return std::unexpected(session.error());
  updated = std::move(*session);
  return {};
}

}  // namespace

Result<std::optional<model::Session>> SqliteStore::transition(
    const model::Uuid& session_id, std::span<const model::SessionStatus> from,
    model::SessionStatus to, const std::string& actor, const std::string& note, std::int64_t now_ms,
    const AuditEntry* audit_if_moved) {
  std::optional<sqlite::AuditText> audit_text;
  if (audit_if_moved != nullptr) {
    if (auto valid = validate_audit_entry(*audit_if_moved); !valid)
      return std::unexpected(valid.error());
    audit_text = sqlite::audit_text(*audit_if_moved);
  }
  const std::string id = session_id.to_string();
  std::optional<model::Session> updated;
  const sqlite::WriteWork work = [&](sqlite::WriteConnection& writer) -> Result<void> {
    updated.reset();
    if (auto moved = transition_in(writer, id, from, to, actor, note, now_ms, updated); !moved)
      return moved;
    if (updated && audit_text) {
      if (auto inserted = sqlite::insert_audit(writer, *audit_if_moved, *audit_text); !inserted)
        return std::unexpected(inserted.error());
    }
    return {};
  };
  if (auto written = write(work); !written)
    return std::unexpected(written.error());
  return updated;
}

Result<std::vector<std::optional<model::Session>>> SqliteStore::transition_all(
    std::span<const TransitionRequest> requests, const std::string& actor, std::int64_t now_ms) {
  std::vector<std::optional<model::Session>> updated(requests.size());
  if (requests.empty())
    return updated;
  std::vector<std::string> ids;
  ids.reserve(requests.size());
  for (const auto& request : requests)
    ids.push_back(request.session_id.to_string());
  const sqlite::WriteWork work = [&](sqlite::WriteConnection& writer) -> Result<void> {
    for (std::size_t i = 0; i < requests.size(); ++i) {
      updated[i].reset();
      const model::SessionStatus from[] = {requests[i].from};
      if (auto moved = transition_in(writer, ids[i], from, requests[i].to, actor, requests[i].note,
                                     now_ms, updated[i]);
          !moved)
        return moved;
    }
    return {};
  };
  if (auto written = write(work); !written)
    return std::unexpected(written.error());
  return updated;
}

Result<std::vector<HistoryEntry>> SqliteStore::history(const model::Uuid& session_id) {
  const std::string id = session_id.to_string();
  std::vector<HistoryEntry> entries;
  ReadLease reader = acquire_reader();
  StatementRun run(reader->statements.history);
  run.bind(1, id);
  for (;;) {
    const int rc = run.step();
    if (rc == SQLITE_DONE)
      break;
    if (rc != SQLITE_ROW)
      return std::unexpected(sqlite::sqlite_error(reader->db.get(), "cannot read history"));
    auto entry = sqlite::history_from_row(run);
    if (!entry)
      return std::unexpected(entry.error());
    entries.push_back(std::move(*entry));
  }
  return entries;
}

Result<std::string> SqliteStore::named_secret(const std::string& name, std::size_t size) {
  if (size == 0)
    return fail(ErrorCode::invalid_value, "size", "a named secret needs at least one byte");
  {
    ReadLease reader = acquire_reader();
    StatementRun run(reader->statements.select_secret);
    run.bind(1, name);
    const int rc = run.step();
    if (rc == SQLITE_ROW)
      return std::string(run.blob(0));
    if (rc != SQLITE_DONE)
      return std::unexpected(sqlite::sqlite_error(reader->db.get(), "cannot read secret"));
  }

  // First use: create it. INSERT OR IGNORE keeps whichever process created it first, and the
  // SELECT returns that one, so every server on this file ends up with the same value.
  std::string fresh(size, '\0');
  random_.fill(reinterpret_cast<std::uint8_t*>(fresh.data()), fresh.size());

  std::string value;
  const sqlite::WriteWork work = [&](sqlite::WriteConnection& writer) -> Result<void> {
    {
      StatementRun run(writer.statements.insert_secret);
      run.bind(1, name).bind_blob(2, fresh);
      if (auto inserted = run.run_to_done("cannot store secret"); !inserted)
        return std::unexpected(inserted.error());
    }
    {
      StatementRun run(writer.statements.select_secret);
      run.bind(1, name);
      if (run.step() != SQLITE_ROW)
        return std::unexpected(sqlite::sqlite_error(writer.db.get(), "cannot read secret"));
      value = std::string(run.blob(0));
    }
    return {};
  };
  if (auto written = write(work); !written)
    return std::unexpected(written.error());
  return value;
}

Result<bool> SqliteStore::remember_once(std::string_view key, std::int64_t expires_at_ms,
                                        std::int64_t now_ms) {
  const OneTimeKey one{std::string(key), expires_at_ms};
  return remember_all_once(std::span(&one, 1), now_ms);
}

Result<bool> SqliteStore::remember_all_once(std::span<const OneTimeKey> keys, std::int64_t now_ms) {
  for (const OneTimeKey& k : keys) {
    if (k.key.empty())
      return fail(ErrorCode::invalid_value, "key", "a one-time value needs a key");
  }
  bool all_fresh = true;
  const sqlite::WriteWork work = [&](sqlite::WriteConnection& writer) -> Result<void> {
    sqlite::WriteStatements& s = writer.statements;
    for (const OneTimeKey& k : keys) {
      {
        StatementRun run(s.forget_expired_value);
        run.bind(1, k.key).bind(2, now_ms);
        if (auto done = run.run_to_done("cannot expire a one-time value"); !done)
          return done;
      }
      StatementRun run(s.remember_value);
      run.bind(1, k.key).bind(2, k.expires_at_ms);
      if (auto done = run.run_to_done("cannot record a one-time value"); !done)
        return done;
      all_fresh = all_fresh && sqlite3_changes(writer.db.get()) == 1;
    }
    // Bounded clean-up riding on each write keeps the table at about the live values.
    StatementRun purge(s.purge_expired_values);
    purge.bind(1, now_ms);
    return purge.run_to_done("cannot purge one-time values");
  };
  if (auto written = write(work); !written)
    return std::unexpected(written.error());
  return all_fresh;
}

Result<void> SqliteStore::save_idp_registration(const IdpRegistration& registration) {
  if (registration.issuer.empty())
    return fail(ErrorCode::invalid_value, "issuer", "a registration needs its issuer");
  if (registration.client_id.empty())
    return fail(ErrorCode::invalid_value, "client_id", "a registration needs its client_id");
  if (registration.jwks_uri.empty())
    return fail(ErrorCode::invalid_value, "jwks_uri", "a registration needs the IdP's jwks_uri");
  if (registration.asns.empty())
    return fail(ErrorCode::invalid_value, "asns", "a registration needs at least one ASN");
  const std::string asns = sqlite::asn_column(registration.asns);
  const sqlite::WriteWork work = [&](sqlite::WriteConnection& writer) -> Result<void> {
    StatementRun run(writer.statements.upsert_idp_registration);
    run.bind(1, registration.issuer).bind(2, registration.client_id);
    if (registration.client_secret)
      run.bind(3, *registration.client_secret);
    else
      run.bind_null(3);
    if (registration.client_secret_expires_at)
      run.bind(4, *registration.client_secret_expires_at);
    else
      run.bind_null(4);
    run.bind(5, asns).bind(6, registration.jwks_uri).bind(7, registration.created_at_ms);
    return run.run_to_done("cannot store the IdP registration");
  };
  return write(work);
}

Result<std::vector<IdpRegistration>> SqliteStore::idp_registrations() {
  std::vector<IdpRegistration> out;
  ReadLease reader = acquire_reader();
  StatementRun run(reader->statements.select_idp_registrations);
  for (;;) {
    const int rc = run.step();
    if (rc == SQLITE_DONE)
      break;
    if (rc != SQLITE_ROW) {
      return std::unexpected(
          sqlite::sqlite_error(reader->db.get(), "cannot read IdP registrations"));
    }
    auto registration = sqlite::idp_registration_from_row(run);
    if (!registration)
      return std::unexpected(registration.error());
    out.push_back(std::move(*registration));
  }
  return out;
}

Result<std::int64_t> SqliteStore::count_sessions() {
  ReadLease reader = acquire_reader();
  StatementRun run(reader->statements.count_sessions);
  if (run.step() != SQLITE_ROW)
    return std::unexpected(sqlite::sqlite_error(reader->db.get(), "cannot count sessions"));
  return run.int64(0);
}

Result<std::map<std::string, std::size_t, std::less<>>> SqliteStore::live_session_counts(
    model::Asn local_asn) {
  std::map<std::string, std::size_t, std::less<>> counts;
  ReadLease reader = acquire_reader();
  StatementRun run(reader->statements.live_counts);
  run.bind(1, std::int64_t{local_asn.value()});
  for (;;) {
    const int rc = run.step();
    if (rc == SQLITE_DONE)
      return counts;
    if (rc != SQLITE_ROW)
      return std::unexpected(sqlite::sqlite_error(reader->db.get(), "cannot count sessions"));
    counts.emplace(std::string(run.text(0)), static_cast<std::size_t>(run.int64(1)));
  }
}

Result<SessionPage> SqliteStore::sessions_with_status(model::SessionStatus status,
                                                      std::optional<std::int64_t> after,
                                                      int limit) {
  if (limit < 1)
    return fail(ErrorCode::out_of_range, "limit", "limit must be 1 or more");
  ReadLease reader = acquire_reader();
  StatementRun run(reader->statements.list_by_status);
  const std::int64_t after_seq = after.value_or(0);
  run.bind(1, model::to_string(status)).bind(2, after_seq).bind(3, std::int64_t{limit} + 1);
  return sqlite::read_page(run, reader->db.get(), after_seq, limit);
}

Result<std::int64_t> SqliteStore::count_sessions_with_status(model::Asn local_asn,
                                                             model::SessionStatus status) {
  ReadLease reader = acquire_reader();
  StatementRun run(reader->statements.count_by_asn_status);
  run.bind(1, std::int64_t{local_asn.value()}).bind(2, model::to_string(status));
  if (run.step() != SQLITE_ROW)
    return std::unexpected(sqlite::sqlite_error(reader->db.get(), "cannot count sessions"));
  return run.int64(0);
}

Result<void> SqliteStore::ping() {
  ReadLease reader = acquire_reader();
  StatementRun run(reader->statements.ping);
  if (run.step() != SQLITE_ROW)
    return std::unexpected(sqlite::sqlite_error(reader->db.get(), "store is not readable"));
  return {};
}

// ---- lifecycle (issue 6) ------------------------------------------------------------------

namespace {

std::optional<std::int64_t> optional_int(const StatementRun& row, int column) {
  if (row.is_null(column))
    return std::nullopt;
  return row.int64(column);
}

Result<RouterRecord> router_record_from_row(const StatementRun& row, int first) {
  const std::string_view key = row.text(first);
  auto id = model::Uuid::parse(key, "session_id");
  if (!id)
    return std::unexpected(sqlite::corrupt_row("router_records", key, id.error()));
  auto on_router = sqlite::stored_bool(row, first + 1, "on_router");
  if (!on_router)
    return std::unexpected(sqlite::corrupt_row("router_records", key, on_router.error()));
  RouterRecord record{.session_id = *id,
                      .on_router = *on_router,
                      .configured_at_ms = optional_int(row, first + 2),
                      .established_at_ms = optional_int(row, first + 3),
                      .down_at_ms = optional_int(row, first + 4),
                      .flaps = static_cast<int>(row.int64(first + 5)),
                      .bgp_state = std::string(row.text(first + 6)),
                      .last_error = std::string(row.text(first + 7)),
                      .prefixes_received = optional_int(row, first + 8),
                      .prefixes_accepted = optional_int(row, first + 9),
                      .observed_at_ms = row.int64(first + 10)};
  return record;
}

void bind_optional(StatementRun& run, int index, const std::optional<std::int64_t>& value) {
  if (value)
    run.bind(index, *value);
  else
    run.bind_null(index);
}

/// A statement prepared for one call (the lifecycle's queries run a few times per poll, not per
/// request, so they are not kept prepared).
Result<sqlite::Statement> prepare_once(sqlite3* db, std::string_view sql) {
  return sqlite::Statement::prepare(db, sql);
}

}  // namespace

Result<std::vector<RouterSession>> SqliteStore::router_sessions() {
  ReadLease reader = acquire_reader();
  sqlite3* db = reader->db.get();
  std::string sql = "SELECT ";
  sql += sqlite::kSessionColumns;
  sql +=
      ", EXISTS (SELECT 1 FROM outgoing_sessions o WHERE o.session_id = sessions.session_id) "
      "FROM sessions WHERE status IN ('approved', 'configured', 'established', 'down') OR "
      "session_id IN (SELECT session_id FROM router_records WHERE on_router = 1) ORDER BY seq";
  auto sessions_statement = prepare_once(db, sql);
  if (!sessions_statement)
    return std::unexpected(sessions_statement.error());
  std::vector<RouterSession> out;
  std::map<std::string, std::size_t, std::less<>> index;
  {
    StatementRun run(*sessions_statement);
    for (;;) {
      const int rc = run.step();
      if (rc == SQLITE_DONE)
        break;
      if (rc != SQLITE_ROW)
        return std::unexpected(sqlite::sqlite_error(db, "cannot read sessions for the router"));
      auto session = sqlite::session_from_row(run);
      if (!session)
        return std::unexpected(session.error());
      index.emplace(std::string(run.text(sqlite::kSessionId)), out.size());
      const bool outgoing = run.int64(sqlite::kUpdatedAt + 1) != 0;
      out.push_back(RouterSession{.session = std::move(*session),
                                  .side = outgoing ? SessionSide::initiator : SessionSide::receiver,
                                  .record = std::nullopt});
    }
  }
  std::string records_sql = "SELECT ";
  records_sql += sqlite::kRouterRecordColumns;
  records_sql += " FROM router_records";
  auto records_statement = prepare_once(db, records_sql);
  if (!records_statement)
    return std::unexpected(records_statement.error());
  StatementRun run(*records_statement);
  for (;;) {
    const int rc = run.step();
    if (rc == SQLITE_DONE)
      break;
    if (rc != SQLITE_ROW)
      return std::unexpected(sqlite::sqlite_error(db, "cannot read router records"));
    const auto found = index.find(run.text(0));
    if (found == index.end())
      continue;
    auto record = router_record_from_row(run, 0);
    if (!record)
      return std::unexpected(record.error());
    out[found->second].record = std::move(*record);
  }
  return out;
}

Result<std::optional<RouterRecord>> SqliteStore::router_record(const model::Uuid& session_id) {
  ReadLease reader = acquire_reader();
  StatementRun run(reader->statements.router_record);
  run.bind(1, session_id.to_string());
  const int rc = run.step();
  if (rc == SQLITE_DONE)
    return std::optional<RouterRecord>();
  if (rc != SQLITE_ROW)
    return std::unexpected(sqlite::sqlite_error(reader->db.get(), "cannot read the router record"));
  auto record = router_record_from_row(run, 0);
  if (!record)
    return std::unexpected(record.error());
  return std::optional<RouterRecord>(std::move(*record));
}

Result<void> SqliteStore::save_router_records(std::span<const RouterRecord> records) {
  if (records.empty())
    return {};
  const sqlite::WriteWork work = [&](sqlite::WriteConnection& writer) -> Result<void> {
    sqlite3* db = writer.db.get();
    auto statement = prepare_once(
        db,
        "INSERT INTO router_records (session_id, on_router, configured_at, established_at, "
        "down_at, flaps, bgp_state, last_error, prefixes_received, prefixes_accepted, "
        "observed_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11 WHERE EXISTS (SELECT 1 "
        "FROM sessions WHERE session_id = ?1) ON CONFLICT (session_id) DO UPDATE SET "
        "on_router = excluded.on_router, configured_at = excluded.configured_at, "
        "established_at = excluded.established_at, down_at = excluded.down_at, "
        "flaps = excluded.flaps, bgp_state = excluded.bgp_state, "
        "last_error = excluded.last_error, prefixes_received = excluded.prefixes_received, "
        "prefixes_accepted = excluded.prefixes_accepted, observed_at = excluded.observed_at");
    if (!statement)
      return std::unexpected(statement.error());
    for (std::size_t i = 0; i < records.size(); ++i) {
      const RouterRecord& r = records[i];
      StatementRun run(*statement);
      run.bind(1, r.session_id.to_string()).bind_bool(2, r.on_router);
      bind_optional(run, 3, r.configured_at_ms);
      bind_optional(run, 4, r.established_at_ms);
      bind_optional(run, 5, r.down_at_ms);
      run.bind(6, std::int64_t{r.flaps}).bind(7, r.bgp_state).bind(8, r.last_error);
      bind_optional(run, 9, r.prefixes_received);
      bind_optional(run, 10, r.prefixes_accepted);
      run.bind(11, r.observed_at_ms);
      if (run.step() != SQLITE_DONE)
        return std::unexpected(sqlite::sqlite_error(db, "cannot save a router record"));
      if (sqlite3_changes(db) != 1) {
        return fail(ErrorCode::not_found, "records[" + std::to_string(i) + "].session_id",
                    "no session " + r.session_id.to_string());
      }
    }
    return {};
  };
  return write(work);
}

Result<bool> SqliteStore::claim_lease(std::string_view name, std::string_view holder,
                                      std::int64_t now_ms, std::int64_t until_ms) {
  bool granted = false;
  const sqlite::WriteWork work = [&](sqlite::WriteConnection& writer) -> Result<void> {
    sqlite3* db = writer.db.get();
    auto statement = prepare_once(
        db,
        "INSERT INTO leases (name, holder, until_ms) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO "
        "UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms "
        "WHERE leases.holder = excluded.holder OR leases.until_ms <= ?4");
    if (!statement)
      return std::unexpected(statement.error());
    StatementRun run(*statement);
    run.bind(1, name).bind(2, holder).bind(3, until_ms).bind(4, now_ms);
    if (run.step() != SQLITE_DONE)
      return std::unexpected(sqlite::sqlite_error(db, "cannot claim the lease"));
    granted = sqlite3_changes(db) == 1;
    return {};
  };
  if (auto written = write(work); !written)
    return std::unexpected(written.error());
  return granted;
}

Result<void> SqliteStore::save_outgoing(const OutgoingRequest& request) {
  const std::string request_id = request.request_id.to_string();
  std::vector<sqlite::SessionText> texts;
  texts.reserve(request.sessions.size());
  for (const model::Session& session : request.sessions)
    texts.push_back(sqlite::session_text(session));
  constexpr std::string_view kActor = "peerapi:initiator";
  const sqlite::WriteWork work = [&](sqlite::WriteConnection& writer) -> Result<void> {
    sqlite3* db = writer.db.get();
    auto insert_request = prepare_once(
        db,
        "INSERT OR IGNORE INTO requests (request_id, client_request_id, subject, body_hash, "
        "return_url, http_status, answer, created_at) VALUES (?1, NULL, ?2, '', NULL, 200, '', "
        "?3)");
    auto exists = prepare_once(db, "SELECT 1 FROM sessions WHERE session_id = ?1");
    auto mark = prepare_once(
        db, "INSERT OR IGNORE INTO outgoing_sessions (session_id, peer_url) VALUES (?1, ?2)");
    if (!insert_request || !exists || !mark)
      return std::unexpected(sqlite::sqlite_error(db, "cannot prepare the outgoing statements"));
    {
      StatementRun run(*insert_request);
      run.bind(1, request_id).bind(2, std::string(kActor) + " " + request.peer_url);
      run.bind(3, request.now_ms);
      if (auto done = run.run_to_done("cannot store the outgoing request"); !done)
        return done;
    }
    for (std::size_t i = 0; i < request.sessions.size(); ++i) {
      const model::Session& session = request.sessions[i];
      {
        StatementRun run(*exists);
        run.bind(1, texts[i].session_id);
        const int rc = run.step();
        if (rc == SQLITE_ROW)
          continue;  // stored before: left as it is
        if (rc != SQLITE_DONE)
          return std::unexpected(sqlite::sqlite_error(db, "cannot look up a session"));
      }
      if (auto inserted =
              sqlite::insert_session(writer, session, request_id, request.now_ms, texts[i]);
          !inserted) {
        return inserted;
      }
      {
        StatementRun run(*mark);
        run.bind(1, texts[i].session_id).bind(2, request.peer_url);
        if (auto done = run.run_to_done("cannot mark an outgoing session"); !done)
          return done;
      }
      if (auto recorded =
              sqlite::insert_history(writer, texts[i].session_id, request.now_ms, std::nullopt,
                                     session.status, kActor, "requested from " + request.peer_url);
          !recorded) {
        return recorded;
      }
    }
    return {};
  };
  return write(work);
}

// ---- audit log and counts -----------------------------------------------------------------

namespace {

constexpr std::string_view kAuditColumns =
    "l.id, l.at_ms, l.source_address, l.subject, l.email, l.issuer, l.asns, l.action, "
    "l.request_id, l.client_request_id, l.session_ids, l.status, l.decision, l.reasons";

Result<AuditEntry> audit_from_row(const StatementRun& row) {
  AuditEntry entry;
  entry.id = row.int64(0);
  const std::string key = std::to_string(entry.id);
  auto bad = [&](const Error& cause) {
    return std::unexpected(sqlite::corrupt_row("audit_log", key, cause));
  };
  auto at = sqlite::stored_int(row, 1, "at_ms");
  if (!at)
    return bad(at.error());
  entry.at_ms = *at;
  entry.source_address = std::string(row.text(2));
  entry.subject = std::string(row.text(3));
  entry.email = std::string(row.text(4));
  entry.issuer = std::string(row.text(5));
  const std::string_view asns = row.text(6);
  for (std::size_t start = 0; start < asns.size();) {
    const std::size_t end = std::min(asns.find(' ', start), asns.size());
    auto asn = model::Asn::parse(asns.substr(start, end - start), "asns");
    if (!asn)
      return bad(asn.error());
    entry.asns.push_back(*asn);
    start = end + 1;
  }
  entry.action = std::string(row.text(7));
  entry.request_id = std::string(row.text(8));
  entry.client_request_id = std::string(row.text(9));
  entry.session_ids = split_audit_list(row.text(10));
  auto status = sqlite::stored_int(row, 11, "status");
  if (!status)
    return bad(status.error());
  entry.status = static_cast<int>(*status);
  entry.decision = std::string(row.text(12));
  entry.reasons = split_audit_list(row.text(13));
  return entry;
}

}  // namespace

Result<std::int64_t> SqliteStore::append_audit(const AuditEntry& entry) {
  if (auto valid = validate_audit_entry(entry); !valid)
    return std::unexpected(valid.error());
  const sqlite::AuditText text = sqlite::audit_text(entry);
  std::int64_t id = 0;
  const sqlite::WriteWork work = [&](sqlite::WriteConnection& writer) -> Result<void> {
    auto inserted = sqlite::insert_audit(writer, entry, text);
    if (!inserted)
      return std::unexpected(inserted.error());
    id = *inserted;
    return {};
  };
  if (auto written = write(work); !written)
    return std::unexpected(written.error());
  return id;
}

Result<std::int64_t> SqliteStore::purge_audit(std::int64_t before_ms, int max_rows) {
  if (max_rows < 1)
    return fail(ErrorCode::out_of_range, "max_rows", "max_rows must be 1 or more");
  std::int64_t purged = 0;
  const sqlite::WriteWork work = [&](sqlite::WriteConnection& writer) -> Result<void> {
    sqlite::WriteStatements& s = writer.statements;
    struct Doomed {
      std::int64_t id;
      std::string asns;
    };
    std::vector<Doomed> doomed;
    {
      StatementRun run(s.select_purgeable_audit);
      run.bind(1, before_ms).bind(2, std::int64_t{max_rows});
      for (;;) {
        const int rc = run.step();
        if (rc == SQLITE_DONE)
          break;
        if (rc != SQLITE_ROW)
          return std::unexpected(sqlite::sqlite_error(writer.db.get(), "cannot read audit log"));
        doomed.push_back({run.int64(0), std::string(run.text(1))});
      }
    }
    for (const Doomed& entry : doomed) {
      // The index rows first (audit_asn references audit_log); asns is "n n n".
      std::string_view rest = entry.asns;
      while (!rest.empty()) {
        const std::size_t space = rest.find(' ');
        const std::string_view word = rest.substr(0, space);
        rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
        std::int64_t asn = 0;
        if (std::from_chars(word.data(), word.data() + word.size(), asn).ec != std::errc())
          continue;
        StatementRun run(s.delete_audit_asn);
        run.bind(1, asn).bind(2, entry.id);
        if (auto done = run.run_to_done("cannot purge the audit log"); !done)
          return done;
      }
      StatementRun run(s.delete_audit);
      run.bind(1, entry.id);
      if (auto done = run.run_to_done("cannot purge the audit log"); !done)
        return done;
    }
    purged = static_cast<std::int64_t>(doomed.size());
    return {};
  };
  if (auto written = write(work); !written)
    return std::unexpected(written.error());
  return purged;
}

Result<std::vector<AuditEntry>> SqliteStore::list_audit(const AuditQuery& query) {
  if (auto valid = validate_audit_query(query); !valid)
    return std::unexpected(valid.error());
  // With an ASN the side table's primary key (asn, audit_id) yields the rows in id order.
  std::string sql = "SELECT ";
  sql += kAuditColumns;
  sql += query.asn ? " FROM audit_asn a JOIN audit_log l ON l.id = a.audit_id WHERE a.asn = ?1"
                   : " FROM audit_log l WHERE ?1 IS NULL";
  sql += " AND l.id > ?2 AND l.at_ms >= ?3 AND l.at_ms < ?4 ORDER BY l.id";
  sql += query.newest_first ? " DESC" : "";
  sql += " LIMIT ?5";
  ReadLease reader = acquire_reader();
  sqlite3* db = reader->db.get();
  auto statement = prepare_once(db, sql);
  if (!statement)
    return std::unexpected(statement.error());
  StatementRun run(*statement);
  if (query.asn)
    run.bind(1, std::int64_t{query.asn->value()});
  else
    run.bind_null(1);
  run.bind(2, query.after_id.value_or(0))
      .bind(3, query.since_ms.value_or(std::numeric_limits<std::int64_t>::min()))
      .bind(4, query.until_ms.value_or(std::numeric_limits<std::int64_t>::max()))
      .bind(5, std::int64_t{query.limit});
  std::vector<AuditEntry> out;
  for (;;) {
    const int rc = run.step();
    if (rc == SQLITE_DONE)
      break;
    if (rc != SQLITE_ROW)
      return std::unexpected(sqlite::sqlite_error(db, "cannot read the audit log"));
    auto entry = audit_from_row(run);
    if (!entry)
      return std::unexpected(entry.error());
    out.push_back(std::move(*entry));
  }
  if (query.newest_first)
    std::ranges::reverse(out);
  return out;
}

Result<std::map<model::SessionStatus, std::int64_t>> SqliteStore::count_by_status() {
  ReadLease reader = acquire_reader();
  sqlite3* db = reader->db.get();
  auto statement = prepare_once(db, "SELECT status, count(*) FROM sessions GROUP BY status");
  if (!statement)
    return std::unexpected(statement.error());
  StatementRun run(*statement);
  std::map<model::SessionStatus, std::int64_t> counts;
  for (;;) {
    const int rc = run.step();
    if (rc == SQLITE_DONE)
      return counts;
    if (rc != SQLITE_ROW)
      return std::unexpected(sqlite::sqlite_error(db, "cannot count sessions"));
    auto status = model::parse_session_status(run.text(0), "status");
    if (!status)
      return std::unexpected(sqlite::corrupt_row("sessions", run.text(0), status.error()));
    counts[*status] += run.int64(1);
  }
}

SqliteHeap sqlite_heap() {
  return SqliteHeap{.used_bytes = sqlite3_memory_used(),
                    .highwater_bytes = sqlite3_memory_highwater(0)};
}

}  // namespace peerapi::store
