#include "store/postgres/postgres_store.hpp"

#include <poll.h>

#include <pqxx/pqxx>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <limits>
#include <map>
#include <mutex>
#include <numeric>
#include <utility>

#include "store/pending_cap.hpp"
#include "store/postgres/postgres_schema.hpp"

namespace peerapi::store::postgres {

/// A statement parameter in text form; nullopt is SQL NULL.
struct Param {
  std::optional<std::string> text;

  Param(std::nullopt_t) {}  // NOLINT(google-explicit-constructor): reads as NULL at call sites
  Param(std::string value) : text(std::move(value)) {}         // NOLINT
  Param(std::string_view value) : text(std::string(value)) {}  // NOLINT
  Param(const char* value) : text(std::string(value)) {}       // NOLINT
  Param(std::int64_t value) : text(std::to_string(value)) {}   // NOLINT
  Param(int value) : text(std::to_string(value)) {}            // NOLINT
  Param(bool value) : text(value ? "true" : "false") {}        // NOLINT
  template <typename T>
  Param(const std::optional<T>& value) {  // NOLINT
    if (value)
      text = Param(*value).text;
  }
};

}  // namespace peerapi::store::postgres

namespace pqxx {
/// Lets a vector of Param be passed as dynamic statement parameters (NULL when empty).
template <>
struct string_traits<peerapi::store::postgres::Param> {
  using Param = peerapi::store::postgres::Param;
  static constexpr const char* name() noexcept { return "peerapi Param"; }
  static constexpr bool has_null() noexcept { return true; }
  static bool is_null(const Param& param) { return !param.text.has_value(); }
  [[noreturn]] static Param null() { internal::throw_null_conversion(name()); }
  static void from_string(const char[], Param&) {
    throw conversion_error("a peerapi Param is never read from the database");
  }
  /// PostgreSQL text cannot hold a NUL byte, and libpq would cut the value there: refused
  /// rather than stored shortened.
  static std::string to_string(const Param& param) {
    if (param.text->find('\0') != std::string::npos)
      throw argument_error("a text value with a NUL byte cannot be stored in PostgreSQL");
    return *param.text;
  }
};
}  // namespace pqxx

namespace peerapi::store::postgres {

namespace {

using Params = std::vector<Param>;

/// The advisory lock (pg_advisory_xact_lock) every transaction that inserts sessions takes first,
/// so that sessions.seq values are handed out in commit order (the pagination contract).
constexpr long long kSessionInsertLock = 0x7065657261706932;  // "peerapi2"
/// The advisory lock every audit append takes, so that audit_log ids are handed out in commit
/// order (paging by id misses no entry).
constexpr long long kAuditInsertLock = 0x7065657261706933;  // "peerapi3"

// The column list every session query returns (optionally qualified by a table alias), and the
// position of each column in it.
constexpr std::string_view kSessionColumnNames[] = {
    "seq",
    "session_id",
    "request_id",
    "local_asn",
    "local_ip",
    "peer_asn",
    "peer_ip",
    "local_bgp_role",
    "peer_bgp_role",
    "local_insert_asn",
    "peer_insert_asn",
    "local_monitoring_session",
    "peer_monitoring_session",
    "peer_type",
    "session_secret",
    "location",
    "status",
    "created_at",
    "updated_at",
};
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
  kSessionColumnCount,
};

std::string session_columns(std::string_view alias = "") {
  std::string out;
  for (std::string_view column : kSessionColumnNames) {
    if (!out.empty())
      out += ", ";
    if (!alias.empty()) {
      out += alias;
      out += '.';
    }
    out += column;
  }
  return out;
}

std::string select_sessions(std::string_view condition) {
  return "SELECT " + session_columns() + " FROM sessions " + std::string(condition);
}

constexpr std::string_view kRouterRecordColumns =
    "session_id, on_router, configured_at, established_at, down_at, flaps, bgp_state, "
    "last_error, prefixes_received, prefixes_accepted, observed_at";

constexpr std::string_view kLiveCondition =
    "status NOT IN ('rejected', 'deleted', 'unestablished')";

/// Every statement, prepared on each connection under its name.
std::vector<std::pair<std::string, std::string>> statement_definitions() {
  std::vector<std::pair<std::string, std::string>> s;
  s.emplace_back("get_session", select_sessions("WHERE session_id = $1"));
  s.emplace_back("list_by_asn",
                 select_sessions("WHERE local_asn = $1 AND seq > $2 ORDER BY seq LIMIT $3"));
  s.emplace_back("list_by_asn_and_request",
                 select_sessions("WHERE request_id = $1 AND local_asn = $2 AND seq > $3 "
                                 "ORDER BY seq LIMIT $4"));
  s.emplace_back("list_by_status",
                 select_sessions("WHERE status = $1 AND seq > $2 ORDER BY seq LIMIT $3"));
  s.emplace_back("history",
                 "SELECT session_id, at, from_status, to_status, actor, note FROM session_history "
                 "WHERE session_id = $1 ORDER BY id");
  s.emplace_back("count_sessions", "SELECT count(*) FROM sessions");
  s.emplace_back("count_by_asn_status",
                 "SELECT count(*) FROM sessions WHERE local_asn = $1 AND status = $2");
  s.emplace_back("live_counts",
                 "SELECT location, count(*) FROM sessions WHERE local_asn = $1 AND " +
                     std::string(kLiveCondition) + " GROUP BY location ORDER BY location");
  s.emplace_back("select_secret", "SELECT encode(value, 'hex') FROM named_secrets WHERE name = $1");
  s.emplace_back("insert_secret",
                 "INSERT INTO named_secrets (name, value) VALUES ($1, decode($2, 'hex')) "
                 "ON CONFLICT (name) DO NOTHING");
  s.emplace_back("select_idp_registrations",
                 "SELECT issuer, client_id, client_secret, client_secret_expires_at, asns, "
                 "jwks_uri, created_at FROM idp_registrations ORDER BY issuer");
  s.emplace_back(
      "upsert_idp_registration",
      "INSERT INTO idp_registrations (issuer, client_id, client_secret, client_secret_expires_at, "
      "asns, jwks_uri, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (issuer) DO "
      "UPDATE SET client_id = excluded.client_id, client_secret = excluded.client_secret, "
      "client_secret_expires_at = excluded.client_secret_expires_at, asns = excluded.asns, "
      "jwks_uri = excluded.jwks_uri, created_at = excluded.created_at");
  s.emplace_back("ping", "SELECT max(version) FROM schema_migrations");
  // Claims the request (and with it the client request id): the unique constraint decides
  // between concurrent callers on any replica; no row back means the id was taken.
  s.emplace_back("claim_request",
                 "INSERT INTO requests (request_id, client_request_id, subject, body_hash, "
                 "return_url, http_status, answer, created_at) VALUES ($1, $2, $3, $4, $5, 0, '', "
                 "$6) ON CONFLICT (subject, client_request_id) DO NOTHING RETURNING seq");
  s.emplace_back("find_request_by_client_id",
                 "SELECT body_hash, http_status, answer FROM requests "
                 "WHERE subject = $1 AND client_request_id = $2");
  s.emplace_back("store_answer",
                 "UPDATE requests SET http_status = $2, answer = $3 WHERE request_id = $1");
  s.emplace_back("lock_session_inserts", "SELECT pg_advisory_xact_lock($1::bigint)");
  s.emplace_back("find_live_duplicate",
                 "SELECT 1 FROM sessions WHERE local_asn = $1 AND local_ip = $2 AND peer_asn = $3 "
                 "AND peer_ip = $4 AND location = $5 AND " +
                     std::string(kLiveCondition) + " LIMIT 1");
  s.emplace_back(
      "insert_session",
      "INSERT INTO sessions (session_id, request_id, local_asn, local_ip, peer_asn, peer_ip, "
      "local_bgp_role, peer_bgp_role, local_insert_asn, peer_insert_asn, local_monitoring_session, "
      "peer_monitoring_session, peer_type, session_secret, location, status, created_at, "
      "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, "
      "$17, $18)");
  s.emplace_back("insert_history",
                 "INSERT INTO session_history (session_id, at, from_status, to_status, actor, "
                 "note) VALUES ($1, $2, $3, $4, $5, $6)");
  s.emplace_back("lock_status", "SELECT status FROM sessions WHERE session_id = $1 FOR UPDATE");
  // Rows locked in one order by every batch, so that two batches cannot deadlock.
  s.emplace_back("lock_statuses",
                 "SELECT session_id, status FROM sessions WHERE session_id = ANY($1::text[]) "
                 "ORDER BY session_id FOR UPDATE");
  s.emplace_back("update_status",
                 "UPDATE sessions SET status = $1, updated_at = $2 "
                 "WHERE session_id = $3 RETURNING " +
                     session_columns());
  // A fresh value is inserted; an expired one is taken over; a live one is left alone and no
  // row comes back (a replay). Concurrent callers wait on the row, so exactly one wins.
  s.emplace_back("remember_value",
                 "INSERT INTO one_time_values (key, expires_at) VALUES ($1, $2) ON CONFLICT (key) "
                 "DO UPDATE SET expires_at = excluded.expires_at "
                 "WHERE one_time_values.expires_at <= $3 RETURNING 1");
  s.emplace_back("purge_expired_values",
                 "DELETE FROM one_time_values WHERE key IN (SELECT key FROM one_time_values WHERE "
                 "expires_at <= $1 ORDER BY expires_at LIMIT 256 FOR UPDATE SKIP LOCKED)");
  s.emplace_back("router_sessions",
                 "SELECT " + session_columns("s") +
                     ", o.session_id IS NOT NULL, r.session_id, r.on_router, r.configured_at, "
                     "r.established_at, r.down_at, r.flaps, r.bgp_state, r.last_error, "
                     "r.prefixes_received, r.prefixes_accepted, r.observed_at FROM sessions s "
                     "LEFT JOIN outgoing_sessions o ON o.session_id = s.session_id "
                     "LEFT JOIN router_records r ON r.session_id = s.session_id "
                     "WHERE s.status IN ('approved', 'configured', 'established', 'down') "
                     "OR r.on_router ORDER BY s.seq");
  s.emplace_back("router_record", "SELECT " + std::string(kRouterRecordColumns) +
                                      " FROM router_records WHERE session_id = $1");
  s.emplace_back(
      "save_router_record",
      "INSERT INTO router_records (" + std::string(kRouterRecordColumns) +
          ") SELECT $1::text, $2::boolean, $3::bigint, $4::bigint, $5::bigint, $6::integer, "
          "$7::text, $8::text, $9::bigint, $10::bigint, $11::bigint WHERE EXISTS (SELECT 1 FROM "
          "sessions WHERE session_id = $1::text) ON CONFLICT (session_id) DO UPDATE SET "
          "on_router = excluded.on_router, configured_at = excluded.configured_at, "
          "established_at = excluded.established_at, down_at = excluded.down_at, "
          "flaps = excluded.flaps, bgp_state = excluded.bgp_state, "
          "last_error = excluded.last_error, prefixes_received = excluded.prefixes_received, "
          "prefixes_accepted = excluded.prefixes_accepted, observed_at = excluded.observed_at "
          "RETURNING 1");
  // Granted (a row comes back) when nobody holds the lease, the holder renews it, or the lease
  // ended: one statement, atomic across replicas.
  s.emplace_back("claim_lease",
                 "INSERT INTO leases (name, holder, until_ms) VALUES ($1, $2, $3) ON CONFLICT "
                 "(name) DO UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms "
                 "WHERE leases.holder = excluded.holder OR leases.until_ms <= $4 RETURNING 1");
  s.emplace_back("outgoing_request",
                 "INSERT INTO requests (request_id, client_request_id, subject, body_hash, "
                 "return_url, http_status, answer, created_at) VALUES ($1, NULL, $2, '', NULL, "
                 "200, '', $3) ON CONFLICT (request_id) DO NOTHING");
  s.emplace_back("session_exists", "SELECT 1 FROM sessions WHERE session_id = $1");
  s.emplace_back("insert_audit",
                 "INSERT INTO audit_log (at_ms, source_address, subject, email, issuer, asns, "
                 "action, request_id, client_request_id, session_ids, status, decision, reasons) "
                 "VALUES ($1, $2, $3, $4, $5, string_to_array($6, ' ')::bigint[], $7, $8, $9, $10, "
                 "$11, $12, $13) RETURNING id");
  s.emplace_back("count_by_status", "SELECT status, count(*) FROM sessions GROUP BY status");
  s.emplace_back("mark_outgoing",
                 "INSERT INTO outgoing_sessions (session_id, peer_url) VALUES ($1, $2) "
                 "ON CONFLICT (session_id) DO NOTHING");
  return s;
}

// ---- URIs and messages ---------------------------------------------------------------------

bool is_postgres_uri(std::string_view uri) {
  return uri.starts_with("postgresql://") || uri.starts_with("postgres://");
}

/// Where the user info of a libpq URI ends: at the first '@' before any '/' (libpq's own rule);
/// npos when there is none.
std::size_t user_info_end(std::string_view uri) {
  const std::size_t authority = uri.find("://") + 3;
  const std::size_t stop = uri.find_first_of("@/", authority);
  return stop != std::string_view::npos && uri[stop] == '@' ? stop : std::string_view::npos;
}

/// The offset of the '?' that starts the query of a libpq URI; npos when there is none.
std::size_t query_start(std::string_view uri) {
  const std::size_t at = user_info_end(uri);
  return uri.find('?', at == std::string_view::npos ? uri.find("://") + 3 : at);
}

/// Where passwords sit in a libpq URI (is_postgres_uri): after the first ':' of the user info,
/// and in `password=` (or `sslpassword=`) query parameters. Ranges are [begin, end) offsets.
std::vector<std::pair<std::size_t, std::size_t>> password_ranges(std::string_view uri) {
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  const std::size_t authority = uri.find("://") + 3;
  if (const std::size_t stop = user_info_end(uri); stop != std::string_view::npos) {
    const std::size_t colon = uri.find(':', authority);
    if (colon != std::string_view::npos && colon < stop)
      ranges.emplace_back(colon + 1, stop);
  }
  const std::size_t query = query_start(uri);
  if (query == std::string_view::npos)
    return ranges;
  std::size_t begin = query + 1;
  while (begin <= uri.size()) {
    const std::size_t end = std::min(uri.find('&', begin), uri.size());
    const std::string_view pair = uri.substr(begin, end - begin);
    const std::size_t equals = pair.find('=');
    if (equals != std::string_view::npos &&
        (pair.substr(0, equals) == "password" || pair.substr(0, equals) == "sslpassword")) {
      ranges.emplace_back(begin + equals + 1, end);
    }
    begin = end + 1;
  }
  return ranges;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 &&
        hex_digit(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string to_hex(std::string_view bytes);

/// A one-time value's key as stored: keys are attacker-chosen (a DPoP jti), so the few that
/// PostgreSQL text cannot hold (a NUL byte) are stored as "\x01" + hex. Injective: no other key
/// is stored with a leading "\x01".
std::string one_time_key(std::string_view key) {
  if (key.find('\0') == std::string_view::npos && !key.starts_with('\x01'))
    return std::string(key);
  return "\x01" + to_hex(key);
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0x0f];
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0)
    return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int high = hex_digit(hex[i]);
    const int low = hex_digit(hex[i + 1]);
    if (high < 0 || low < 0)
      return std::nullopt;
    out += static_cast<char>(high * 16 + low);
  }
  return out;
}

}  // namespace

// ---- the pool ------------------------------------------------------------------------------

/// Whether an idle connection can take a query: an idle connection has nothing to read, so data
/// or end-of-file on its socket means the server said goodbye (FATAL 57P01 when it shuts down or
/// an administrator ends the session) or closed it. Replacing such a connection before use costs
/// no failed query and no retry.
bool idle_and_open(pqxx::connection& connection) {
  if (!connection.is_open())
    return false;
  pollfd socket{.fd = connection.sock(), .events = POLLIN, .revents = 0};
  return socket.fd >= 0 && poll(&socket, 1, 0) == 0;
}

/// One connection with its statements; notices (NOTICE, WARNING) are dropped rather than
/// printed on stderr: failures arrive as exceptions.
struct Connection {
  std::unique_ptr<pqxx::connection> connection;
  std::unique_ptr<pqxx::quiet_errorhandler> quiet;

  ~Connection() {
    quiet.reset();  // unregisters from the connection before it goes
    connection.reset();
  }
};

struct Pool {
  std::string conninfo;                // the URI libpq connects with
  std::string redacted_uri;            // for messages
  std::vector<std::string> passwords;  // scrubbed from every message, as given and decoded
  std::vector<std::pair<std::string, std::string>> statements;

  std::mutex mutex;
  std::condition_variable available;
  std::vector<std::unique_ptr<Connection>> idle;  // nullptr: a slot to connect on next use

  /// `text` without any password, cut to its first line: libpq and the server put the primary
  /// message there, and later lines (DETAIL) may quote row values such as session secrets.
  [[nodiscard]] std::string scrub(std::string_view text) const {
    std::string out(text.substr(0, text.find('\n')));
    while (!out.empty() && (out.back() == ' ' || out.back() == '\r'))
      out.pop_back();
    for (const std::string& password : passwords) {
      if (password.size() < 4)
        continue;  // too short to tell apart from ordinary words
      for (std::size_t at = out.find(password); at != std::string::npos;
           at = out.find(password, at + 3)) {
        out.replace(at, password.size(), "***");
      }
    }
    return out;
  }

  [[nodiscard]] Error failure(std::string_view what, std::string_view cause) const {
    std::string message(what);
    message += ": ";
    message += scrub(cause);
    return Error{ErrorCode::store_error, "", std::move(message)};
  }

  Result<std::unique_ptr<Connection>> connect() const {
    try {
      auto made = std::make_unique<Connection>();
      made->connection = std::make_unique<pqxx::connection>(conninfo);
      made->quiet = std::make_unique<pqxx::quiet_errorhandler>(*made->connection);
      for (const auto& [name, sql] : statements)
        made->connection->prepare(name, sql);
      return made;
    } catch (const std::exception& e) {
      return std::unexpected(failure("cannot connect to " + redacted_uri, e.what()));
    }
  }

  /// A connection held for one call; returned to the pool on destruction (or its slot emptied
  /// after discard(), so the next user connects afresh).
  class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<Connection> connection)
        : pool_(&pool), connection_(std::move(connection)) {}
    ~Lease() {
      if (pool_ == nullptr)
        return;
      {
        std::lock_guard lock(pool_->mutex);
        pool_->idle.push_back(std::move(connection_));
      }
      pool_->available.notify_one();
    }
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)), connection_(std::move(other.connection_)) {}
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    pqxx::connection& operator*() const { return *connection_->connection; }
    void discard() { connection_.reset(); }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  Result<Lease> acquire() {
    std::unique_ptr<Connection> connection;
    {
      std::unique_lock lock(mutex);
      available.wait(lock, [this] { return !idle.empty(); });
      connection = std::move(idle.back());
      idle.pop_back();
    }
    if (connection == nullptr || !idle_and_open(*connection->connection)) {
      auto made = connect();
      if (!made) {
        Lease empty_slot(*this, nullptr);  // given back at once, to connect on a later call
        return std::unexpected(made.error());
      }
      connection = std::move(*made);
    }
    return Lease(*this, std::move(connection));
  }
};

namespace {

/// A transaction that did not end in commit() is rolled back; this says so without noise.
template <typename Tx>
void quietly_abort(Tx& tx) noexcept {
  try {
    tx.abort();
  } catch (...) {  // NOLINT(bugprone-empty-catch): the connection is discarded or reused as is
  }
}

/// Runs `body(tx)` in a transaction of type Tx (pqxx::work for writes, pqxx::nontransaction for
/// single statements) and commits when it succeeded. A dropped connection (the server restarted,
/// an idle connection was cut) is replaced and the call run again, as are deadlocks and
/// serialization failures: nothing of the failed attempt was committed. A commit whose outcome
/// is unknown is an error, never repeated.
template <typename Tx, typename T, typename Body>
Result<T> run(Pool& pool, std::string_view what, Body&& body) {
  constexpr int kReconnects = 1;
  constexpr int kRetries = 5;
  int reconnects = 0;
  int retries = 0;
  for (;;) {
    auto lease = pool.acquire();
    if (!lease)
      return std::unexpected(lease.error());
    pqxx::connection& connection = **lease;
    try {
      Tx tx(connection);
      Result<T> result = body(tx);
      if (result)
        tx.commit();
      else
        quietly_abort(tx);
      return result;
    } catch (const pqxx::in_doubt_error& e) {
      lease->discard();
      return std::unexpected(pool.failure(
          std::string(what) + ": the connection broke during COMMIT, so whether it was stored is "
                              "unknown",
          e.what()));
    } catch (const pqxx::broken_connection& e) {
      lease->discard();
      if (++reconnects > kReconnects)
        return std::unexpected(pool.failure(what, e.what()));
    } catch (const pqxx::transaction_rollback& e) {  // deadlock, serialization failure
      if (++retries > kRetries)
        return std::unexpected(pool.failure(what, e.what()));
    } catch (const std::exception& e) {
      if (!connection.is_open()) {  // the server ended the session (admin shutdown)
        lease->discard();
        if (++reconnects <= kReconnects)
          continue;
      }
      return std::unexpected(pool.failure(what, e.what()));
    }
  }
}

template <typename T, typename Body>
Result<T> write(Pool& pool, std::string_view what, Body&& body) {
  return run<pqxx::work, T>(pool, what, std::forward<Body>(body));
}

template <typename T, typename Body>
Result<T> read(Pool& pool, std::string_view what, Body&& body) {
  return run<pqxx::nontransaction, T>(pool, what, std::forward<Body>(body));
}

pqxx::result exec(pqxx::transaction_base& tx, const char* statement, const Params& params) {
  return tx.exec_prepared(statement, pqxx::prepare::make_dynamic_params(params));
}

/// The live-tuple index named in a unique violation means a duplicate session; any other
/// constraint is a collision of ids.
bool is_live_tuple_violation(const pqxx::unique_violation& e) {
  return std::string_view(e.what()).find("sessions_live_tuple") != std::string_view::npos;
}

Error duplicate_session_error() {
  return Error{ErrorCode::duplicate_session, "",
               "a live session with the same local_asn, local_ip, peer_asn, peer_ip and "
               "location already exists"};
}

// ---- rows ----------------------------------------------------------------------------------

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

std::string_view text_of(const pqxx::field& field) {
  return {field.c_str(), field.size()};
}

std::optional<std::int64_t> optional_int(const pqxx::field& field) {
  if (field.is_null())
    return std::nullopt;
  return field.as<std::int64_t>();
}

/// Rebuilds a Session from the session columns starting at `first`, re-validating every field
/// with the model parsers: a row edited by hand becomes a store_error, never a bad value.
Result<model::Session> session_from_row(const pqxx::row& row, int first = 0) {
  auto at = [&](int column) { return row[first + column]; };
  const std::string_view key = text_of(at(kSessionId));
  auto bad = [&](const Error& cause) {
    return std::unexpected(corrupt_row("sessions", key, cause));
  };
  auto session_id = model::Uuid::parse(key, "session_id");
  if (!session_id)
    return bad(session_id.error());
  auto request_id = model::Uuid::parse(text_of(at(kRequestId)), "request_id");
  if (!request_id)
    return bad(request_id.error());
  auto local_asn = model::Asn::from_number(at(kLocalAsn).as<std::int64_t>(), "local_asn");
  if (!local_asn)
    return bad(local_asn.error());
  auto local_ip = model::IpAddress::parse(text_of(at(kLocalIp)), "local_ip");
  if (!local_ip)
    return bad(local_ip.error());
  auto peer_asn = model::Asn::from_number(at(kPeerAsn).as<std::int64_t>(), "peer_asn");
  if (!peer_asn)
    return bad(peer_asn.error());
  auto peer_ip = model::IpAddress::parse(text_of(at(kPeerIp)), "peer_ip");
  if (!peer_ip)
    return bad(peer_ip.error());
  auto local_role =
      model::bgp_role_from_number(at(kLocalBgpRole).as<std::int64_t>(), "local_bgp_role");
  if (!local_role)
    return bad(local_role.error());
  auto peer_role =
      model::bgp_role_from_number(at(kPeerBgpRole).as<std::int64_t>(), "peer_bgp_role");
  if (!peer_role)
    return bad(peer_role.error());
  auto peer_type = model::parse_location_type(text_of(at(kPeerType)), "peer_type");
  if (!peer_type)
    return bad(peer_type.error());
  std::optional<model::SessionSecret> secret;
  if (!at(kSessionSecret).is_null()) {
    auto parsed = model::SessionSecret::parse(text_of(at(kSessionSecret)), "session_secret");
    if (!parsed)
      return bad(parsed.error());
    secret = std::move(*parsed);
  }
  auto location = model::LocationId::parse(text_of(at(kLocation)), "location");
  if (!location)
    return bad(location.error());
  auto status = model::parse_session_status(text_of(at(kStatus)), "status");
  if (!status)
    return bad(status.error());

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
              .local_insert_asn = at(kLocalInsertAsn).as<bool>(),
              .peer_insert_asn = at(kPeerInsertAsn).as<bool>(),
              .local_monitoring_session = at(kLocalMonitoring).as<bool>(),
              .peer_monitoring_session = at(kPeerMonitoring).as<bool>(),
              .peer_type = *peer_type,
              .session_secret = std::move(secret),
              .location = *location,
          },
      .status = *status,
      .created_at_ms = at(kCreatedAt).as<std::int64_t>(),
      .updated_at_ms = at(kUpdatedAt).as<std::int64_t>(),
  };
}

/// A page from rows selected as at most limit + 1 rows after `after_seq` in seq order: the extra
/// row only tells that more follow (next_after).
Result<SessionPage> page_from(const pqxx::result& rows, int limit) {
  SessionPage page;
  page.sessions.reserve(std::min<std::size_t>(rows.size(), static_cast<std::size_t>(limit)));
  for (const pqxx::row& row : rows) {
    if (std::ssize(page.sessions) == limit) {
      page.next_after =
          rows[static_cast<pqxx::result::size_type>(limit - 1)][kSeq].as<std::int64_t>();
      break;
    }
    auto session = session_from_row(row);
    if (!session)
      return std::unexpected(session.error());
    page.sessions.push_back(std::move(*session));
  }
  return page;
}

Result<HistoryEntry> history_from_row(const pqxx::row& row) {
  const std::string_view key = text_of(row[0]);
  auto bad = [&](const Error& cause) {
    return std::unexpected(corrupt_row("session_history", key, cause));
  };
  auto session_id = model::Uuid::parse(key, "session_id");
  if (!session_id)
    return bad(session_id.error());
  std::optional<model::SessionStatus> from;
  if (!row[2].is_null()) {
    auto parsed = model::parse_session_status(text_of(row[2]), "from_status");
    if (!parsed)
      return bad(parsed.error());
    from = *parsed;
  }
  auto to = model::parse_session_status(text_of(row[3]), "to_status");
  if (!to)
    return bad(to.error());
  return HistoryEntry{
      .session_id = *session_id,
      .at_ms = row[1].as<std::int64_t>(),
      .from = from,
      .to = *to,
      .actor = row[4].as<std::string>(),
      .note = row[5].as<std::string>(),
  };
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

Result<IdpRegistration> idp_registration_from_row(const pqxx::row& row) {
  const std::string_view key = text_of(row[0]);
  auto bad = [&](const Error& cause) {
    return std::unexpected(corrupt_row("idp_registrations", key, cause));
  };
  IdpRegistration out;
  out.issuer = std::string(key);
  out.client_id = row[1].as<std::string>();
  if (!row[2].is_null())
    out.client_secret = row[2].as<std::string>();
  out.client_secret_expires_at = optional_int(row[3]);
  const std::string_view asns = text_of(row[4]);
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
  out.jwks_uri = row[5].as<std::string>();
  out.created_at_ms = row[6].as<std::int64_t>();
  return out;
}

Result<RouterRecord> router_record_from_row(const pqxx::row& row, int first) {
  const std::string_view key = text_of(row[first]);
  auto id = model::Uuid::parse(key, "session_id");
  if (!id)
    return std::unexpected(corrupt_row("router_records", key, id.error()));
  return RouterRecord{.session_id = *id,
                      .on_router = row[first + 1].as<bool>(),
                      .configured_at_ms = optional_int(row[first + 2]),
                      .established_at_ms = optional_int(row[first + 3]),
                      .down_at_ms = optional_int(row[first + 4]),
                      .flaps = row[first + 5].as<int>(),
                      .bgp_state = row[first + 6].as<std::string>(),
                      .last_error = row[first + 7].as<std::string>(),
                      .prefixes_received = optional_int(row[first + 8]),
                      .prefixes_accepted = optional_int(row[first + 9]),
                      .observed_at_ms = row[first + 10].as<std::int64_t>()};
}

Params session_params(const model::Session& session, std::string_view request_id,
                      std::int64_t now_ms) {
  const model::SessionRequest& f = session.fields;
  return Params{
      session.session_id.to_string(),
      request_id,
      std::int64_t{f.local_asn.value()},
      f.local_ip.to_string(),
      std::int64_t{f.peer_asn.value()},
      f.peer_ip.to_string(),
      static_cast<std::int64_t>(f.local_bgp_role),
      static_cast<std::int64_t>(f.peer_bgp_role),
      f.local_insert_asn,
      f.peer_insert_asn,
      f.local_monitoring_session,
      f.peer_monitoring_session,
      model::to_string(f.peer_type),
      f.session_secret ? Param(f.session_secret->reveal()) : Param(std::nullopt),
      f.location.to_string(),
      model::to_string(session.status),
      now_ms,
      now_ms,
  };
}

/// Inserts one sessions row (created_at = updated_at = now_ms). duplicate_session when the live
/// tuple is taken.
Result<void> insert_session(pqxx::transaction_base& tx, const model::Session& session,
                            std::string_view request_id, std::int64_t now_ms) {
  try {
    exec(tx, "insert_session", session_params(session, request_id, now_ms));
  } catch (const pqxx::unique_violation& e) {
    if (is_live_tuple_violation(e))
      return std::unexpected(duplicate_session_error());
    throw;
  }
  return {};
}

void insert_history(pqxx::transaction_base& tx, const std::string& session_id, std::int64_t at_ms,
                    std::optional<model::SessionStatus> from, model::SessionStatus to,
                    std::string_view actor, std::string_view note) {
  exec(tx, "insert_history",
       {session_id, at_ms, from ? Param(model::to_string(*from)) : Param(std::nullopt),
        model::to_string(to), actor, note});
}

/// Moves one session whose row the transaction has locked and whose status is `current`.
Result<model::Session> apply_transition(pqxx::transaction_base& tx, const std::string& id,
                                        model::SessionStatus current, model::SessionStatus to,
                                        const std::string& actor, const std::string& note,
                                        std::int64_t now_ms) {
  pqxx::result updated;
  try {
    updated = exec(tx, "update_status", {model::to_string(to), now_ms, id});
  } catch (const pqxx::unique_violation& e) {
    if (is_live_tuple_violation(e))
      return std::unexpected(duplicate_session_error());
    throw;
  }
  if (updated.size() != 1)
    return fail(ErrorCode::store_error, "", "session " + id + " vanished during a transition");
  insert_history(tx, id, now_ms, current, to, actor, note);
  return session_from_row(updated[0]);
}

/// "{a,b}": a text[] literal of ids (UUIDs, which need no quoting).
std::string text_array(const std::vector<std::string>& values) {
  std::string out = "{";
  for (const std::string& value : values) {
    if (out.size() > 1)
      out += ',';
    out += '"';
    out += value;
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace

}  // namespace peerapi::store::postgres

namespace peerapi::store {

using postgres::exec;
using postgres::Param;
using postgres::Params;

StoreCounts counts_of(const StoreDump& dump) {
  auto n = [](const auto& rows) { return static_cast<std::int64_t>(rows.size()); };
  return StoreCounts{.requests = n(dump.requests),
                     .sessions = n(dump.sessions),
                     .history = n(dump.history),
                     .router_records = n(dump.router_records),
                     .outgoing = n(dump.outgoing),
                     .named_secrets = n(dump.named_secrets),
                     .idp_registrations = n(dump.idp_registrations),
                     .one_time_values = n(dump.one_time_values),
                     .leases = n(dump.leases),
                     .audit = n(dump.audit)};
}

PostgresStore::PostgresStore(std::unique_ptr<postgres::Pool> pool, util::RandomSource& random)
    : pool_(std::move(pool)), random_(random) {}

PostgresStore::~PostgresStore() = default;

int PostgresStore::schema_version() noexcept {
  return postgres::latest_schema_version();
}

std::string PostgresStore::redacted(std::string_view uri) {
  if (!postgres::is_postgres_uri(uri))
    return "(not a postgresql:// URI)";
  std::string out(uri);
  auto ranges = postgres::password_ranges(uri);
  // From the back, so that earlier offsets stay valid.
  for (auto it = ranges.rbegin(); it != ranges.rend(); ++it)
    out.replace(it->first, it->second - it->first, "***");
  return out;
}

Result<std::unique_ptr<PostgresStore>> PostgresStore::open(const std::string& uri,
                                                           util::RandomSource& random,
                                                           PostgresOptions options) {
  if (options.connections < 1 || options.connections > 64) {
    return fail(ErrorCode::config_invalid, "connections",
                "connections must be 1-64, got " + std::to_string(options.connections));
  }
  if (options.connect_timeout_seconds < 1 || options.connect_timeout_seconds > 3600) {
    return fail(ErrorCode::config_invalid, "connect_timeout_seconds",
                "connect_timeout_seconds must be 1-3600, got " +
                    std::to_string(options.connect_timeout_seconds));
  }
  if (!postgres::is_postgres_uri(uri)) {
    return fail(ErrorCode::store_error, "",
                "the PostgreSQL store needs a URI such as postgresql://user:password@host:5432/"
                "database (the value given does not start with postgresql://)");
  }
  auto pool = std::make_unique<postgres::Pool>();
  pool->redacted_uri = redacted(uri);
  for (const auto& [begin, end] : postgres::password_ranges(uri)) {
    const std::string_view password = std::string_view(uri).substr(begin, end - begin);
    pool->passwords.emplace_back(password);
    pool->passwords.push_back(postgres::percent_decode(password));
  }
  pool->conninfo = uri;
  const std::size_t query = postgres::query_start(uri);
  auto add_parameter = [&](const std::string& key, const std::string& value) {
    if (query != std::string::npos && (uri.find("?" + key + "=", query) != std::string::npos ||
                                       uri.find("&" + key + "=", query) != std::string::npos)) {
      return;  // the URI's own setting wins
    }
    pool->conninfo += postgres::query_start(pool->conninfo) == std::string::npos ? '?' : '&';
    pool->conninfo += key + "=" + value;
  };
  add_parameter("connect_timeout", std::to_string(options.connect_timeout_seconds));
  add_parameter("application_name", "peerapi");
  pool->statements = postgres::statement_definitions();

  auto first = pool->connect();
  if (!first)
    return std::unexpected(first.error());
  try {
    if (auto migrated = postgres::migrate(*(*first)->connection); !migrated)
      return std::unexpected(migrated.error());
  } catch (const std::exception& e) {
    return std::unexpected(pool->failure(
        "cannot bring the schema of " + pool->redacted_uri + " up to date", e.what()));
  }
  pool->idle.push_back(std::move(*first));
  for (int i = 1; i < options.connections; ++i) {
    auto connection = pool->connect();
    if (!connection)
      return std::unexpected(connection.error());
    pool->idle.push_back(std::move(*connection));
  }
  return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(pool), random));
}

namespace postgres {
namespace {
/// Appends `entry` (validated by the caller) within `tx` and returns its id. Takes the audit
/// advisory lock last, after any session lock, so ids ascend in commit order without a cycle.
std::int64_t insert_audit(pqxx::work& tx, const AuditEntry& entry) {
  exec(tx, "lock_session_inserts", {std::int64_t{kAuditInsertLock}});
  return exec(tx, "insert_audit",
              {entry.at_ms, entry.source_address, entry.subject, entry.email, entry.issuer,
               asn_column(entry.asns), entry.action, entry.request_id, entry.client_request_id,
               join_audit_list(entry.session_ids), entry.status, entry.decision,
               join_audit_list(entry.reasons)})[0][0]
      .as<std::int64_t>();
}
}  // namespace
}  // namespace postgres

Result<CreateOutcome> PostgresStore::create_request(const RequestDraft& draft,
                                                    const AnswerBuilder& finish) {
  if (!finish)
    return fail(ErrorCode::internal, "", "create_request called without an answer builder");
  const std::string request_id = draft.request_id.to_string();
  const std::optional<std::string> client_request_id =
      draft.client_request_id ? std::optional(draft.client_request_id->to_string()) : std::nullopt;

  return postgres::write<CreateOutcome>(
      *pool_, "cannot store the request", [&](pqxx::work& tx) -> Result<CreateOutcome> {
        CreateOutcome outcome;
        // Idempotent replay (docs/wire.md "Request ids"): the client id is scoped to the
        // subject, and taken by this INSERT or found taken; a concurrent first use of the same
        // id waits here for the other transaction to end.
        pqxx::result claimed;
        try {
          claimed = exec(tx, "claim_request",
                         {request_id, client_request_id, draft.subject, draft.body_hash,
                          draft.return_url, draft.now_ms});
        } catch (const pqxx::unique_violation&) {
          return fail(ErrorCode::store_error, "",
                      "request id " + request_id + " is already stored");
        }
        if (claimed.empty()) {
          const pqxx::result stored =
              exec(tx, "find_request_by_client_id", {draft.subject, client_request_id});
          if (stored.size() != 1) {
            return fail(ErrorCode::store_error, "",
                        "the client request id is taken but its request cannot be read");
          }
          outcome.kind = postgres::text_of(stored[0][0]) == draft.body_hash
                             ? CreateOutcome::Kind::replayed
                             : CreateOutcome::Kind::conflict;
          outcome.answer.http_status = stored[0][1].as<int>();
          outcome.answer.body = stored[0][2].as<std::string>();
          return outcome;  // nothing written
        }

        exec(tx, "lock_session_inserts", {std::int64_t{postgres::kSessionInsertLock}});
        CandidateChecks checks{
            .duplicate = std::vector<bool>(draft.candidates.size(), false),
            .over_pending_cap = std::vector<bool>(draft.candidates.size(), false)};
        for (std::size_t i = 0; i < draft.candidates.size(); ++i) {
          const model::SessionRequest& f = draft.candidates[i].fields;
          checks.duplicate[i] = !exec(tx, "find_live_duplicate",
                                      {std::int64_t{f.local_asn.value()}, f.local_ip.to_string(),
                                       std::int64_t{f.peer_asn.value()}, f.peer_ip.to_string(),
                                       f.location.to_string()})
                                     .empty();
        }
        // The pending cap, counted under the session insert lock: every transaction that adds
        // a session holds it, so none commits in between (on any replica).
        auto capped =
            mark_over_pending_cap(draft, checks, [&](std::uint32_t asn) -> Result<std::int64_t> {
              return exec(tx, "count_by_asn_status",
                          {std::int64_t{asn},
                           std::string(model::to_string(model::SessionStatus::pending))})[0][0]
                  .as<std::int64_t>();
            });
        if (!capped)
          return std::unexpected(capped.error());
        outcome.kind = CreateOutcome::Kind::created;
        try {
          outcome.answer = finish(checks);
        } catch (const std::exception& e) {
          return fail(ErrorCode::internal, "",
                      std::string("building the answer failed: ") + e.what());
        } catch (...) {
          return fail(ErrorCode::internal, "", "building the answer failed");
        }
        exec(tx, "store_answer",
             {request_id, std::int64_t{outcome.answer.http_status}, outcome.answer.body});

        for (std::size_t i = 0; i < draft.candidates.size(); ++i) {
          if (checks.duplicate[i] || checks.over_pending_cap[i])
            continue;
          const model::Session& candidate = draft.candidates[i];
          if (auto inserted = postgres::insert_session(tx, candidate, request_id, draft.now_ms);
              !inserted) {
            return std::unexpected(inserted.error());
          }
          const std::string& note =
              i < draft.creation_notes.size() ? draft.creation_notes[i] : std::string();
          postgres::insert_history(tx, candidate.session_id.to_string(), draft.now_ms, std::nullopt,
                                   candidate.status, draft.subject, note);
        }
        if (draft.audit) {
          auto entry = build_audit_entry(draft.audit, outcome.answer);
          if (!entry)
            return std::unexpected(entry.error());
          outcome.audit_id = postgres::insert_audit(tx, *entry);
        }
        return outcome;
      });
}

Result<std::optional<model::Session>> PostgresStore::get_session(const model::Uuid& session_id) {
  return postgres::read<std::optional<model::Session>>(
      *pool_, "cannot read the session",
      [&](pqxx::nontransaction& tx) -> Result<std::optional<model::Session>> {
        const pqxx::result rows = exec(tx, "get_session", {session_id.to_string()});
        if (rows.empty())
          return std::nullopt;
        auto session = postgres::session_from_row(rows[0]);
        if (!session)
          return std::unexpected(session.error());
        return std::optional<model::Session>(std::move(*session));
      });
}

Result<SessionPage> PostgresStore::list_sessions(model::Asn local_asn,
                                                 const std::optional<model::Uuid>& request_id,
                                                 std::optional<std::int64_t> after, int limit) {
  if (limit < 1)
    return fail(ErrorCode::out_of_range, "limit", "limit must be 1 or more");
  const std::int64_t after_seq = after.value_or(0);  // identities start at 1
  const std::int64_t fetch = std::int64_t{limit} + 1;
  const std::int64_t asn = local_asn.value();
  return postgres::read<SessionPage>(
      *pool_, "cannot list sessions", [&](pqxx::nontransaction& tx) -> Result<SessionPage> {
        const pqxx::result rows = request_id
                                      ? exec(tx, "list_by_asn_and_request",
                                             {request_id->to_string(), asn, after_seq, fetch})
                                      : exec(tx, "list_by_asn", {asn, after_seq, fetch});
        return postgres::page_from(rows, limit);
      });
}

Result<std::optional<model::Session>> PostgresStore::transition(
    const model::Uuid& session_id, std::span<const model::SessionStatus> from,
    model::SessionStatus to, const std::string& actor, const std::string& note, std::int64_t now_ms,
    const AuditEntry* audit_if_moved) {
  if (audit_if_moved != nullptr) {
    if (auto valid = validate_audit_entry(*audit_if_moved); !valid)
      return std::unexpected(valid.error());
  }
  const std::string id = session_id.to_string();
  return postgres::write<std::optional<model::Session>>(
      *pool_, "cannot change the session",
      [&](pqxx::work& tx) -> Result<std::optional<model::Session>> {
        // The row lock makes the comparison below and the update one step for every replica.
        const pqxx::result locked = exec(tx, "lock_status", {id});
        if (locked.empty())
          return std::nullopt;
        auto current = model::parse_session_status(postgres::text_of(locked[0][0]), "status");
        if (!current)
          return std::unexpected(postgres::corrupt_row("sessions", id, current.error()));
        if (std::ranges::find(from, *current) == from.end())
          return std::nullopt;
        auto moved = postgres::apply_transition(tx, id, *current, to, actor, note, now_ms);
        if (!moved)
          return std::unexpected(moved.error());
        if (audit_if_moved != nullptr)
          postgres::insert_audit(tx, *audit_if_moved);
        return std::optional<model::Session>(std::move(*moved));
      });
}

Result<std::vector<std::optional<model::Session>>> PostgresStore::transition_all(
    std::span<const TransitionRequest> requests, const std::string& actor, std::int64_t now_ms) {
  using Moved = std::vector<std::optional<model::Session>>;
  if (requests.empty())
    return Moved{};
  std::vector<std::string> ids;
  ids.reserve(requests.size());
  for (const auto& request : requests)
    ids.push_back(request.session_id.to_string());
  std::vector<std::string> distinct = ids;
  std::ranges::sort(distinct);
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  const std::string id_array = postgres::text_array(distinct);

  return postgres::write<Moved>(
      *pool_, "cannot change the sessions", [&](pqxx::work& tx) -> Result<Moved> {
        std::map<std::string, model::SessionStatus, std::less<>> status;
        for (const pqxx::row& row : exec(tx, "lock_statuses", {id_array})) {
          const std::string_view id = postgres::text_of(row[0]);
          auto parsed = model::parse_session_status(postgres::text_of(row[1]), "status");
          if (!parsed)
            return std::unexpected(postgres::corrupt_row("sessions", id, parsed.error()));
          status.emplace(std::string(id), *parsed);
        }
        Moved moved(requests.size());
        for (std::size_t i = 0; i < requests.size(); ++i) {
          const auto found = status.find(ids[i]);
          if (found == status.end() || found->second != requests[i].from)
            continue;
          auto session = postgres::apply_transition(tx, ids[i], found->second, requests[i].to,
                                                    actor, requests[i].note, now_ms);
          if (!session)
            return std::unexpected(session.error());
          found->second = requests[i].to;
          moved[i] = std::move(*session);
        }
        return moved;
      });
}

Result<std::vector<HistoryEntry>> PostgresStore::history(const model::Uuid& session_id) {
  return postgres::read<std::vector<HistoryEntry>>(
      *pool_, "cannot read the history",
      [&](pqxx::nontransaction& tx) -> Result<std::vector<HistoryEntry>> {
        std::vector<HistoryEntry> entries;
        for (const pqxx::row& row : exec(tx, "history", {session_id.to_string()})) {
          auto entry = postgres::history_from_row(row);
          if (!entry)
            return std::unexpected(entry.error());
          entries.push_back(std::move(*entry));
        }
        return entries;
      });
}

Result<std::string> PostgresStore::named_secret(const std::string& name, std::size_t size) {
  if (size == 0)
    return fail(ErrorCode::invalid_value, "size", "a named secret needs at least one byte");
  auto decode = [&](const pqxx::result& rows) -> Result<std::string> {
    auto value = postgres::from_hex(postgres::text_of(rows[0][0]));
    if (!value)
      return fail(ErrorCode::store_error, "", "named secret " + name + " cannot be decoded");
    return std::move(*value);
  };
  auto stored = postgres::read<std::optional<std::string>>(
      *pool_, "cannot read the secret",
      [&](pqxx::nontransaction& tx) -> Result<std::optional<std::string>> {
        const pqxx::result rows = exec(tx, "select_secret", {name});
        if (rows.empty())
          return std::nullopt;
        auto value = decode(rows);
        if (!value)
          return std::unexpected(value.error());
        return std::optional<std::string>(std::move(*value));
      });
  if (!stored)
    return std::unexpected(stored.error());
  if (*stored)
    return std::move(**stored);

  // First use: whichever replica inserts first wins; ON CONFLICT waits for it, and the SELECT
  // (a new snapshot) returns its value, so every replica ends up with the same secret.
  std::string fresh(size, '\0');
  random_.fill(reinterpret_cast<std::uint8_t*>(fresh.data()), fresh.size());
  const std::string fresh_hex = postgres::to_hex(fresh);
  return postgres::write<std::string>(
      *pool_, "cannot store the secret", [&](pqxx::work& tx) -> Result<std::string> {
        exec(tx, "insert_secret", {name, fresh_hex});
        const pqxx::result rows = exec(tx, "select_secret", {name});
        if (rows.empty())
          return fail(ErrorCode::store_error, "", "named secret " + name + " vanished");
        return decode(rows);
      });
}

Result<bool> PostgresStore::remember_once(std::string_view key, std::int64_t expires_at_ms,
                                          std::int64_t now_ms) {
  const OneTimeKey one{std::string(key), expires_at_ms};
  return remember_all_once(std::span(&one, 1), now_ms);
}

Result<bool> PostgresStore::remember_all_once(std::span<const OneTimeKey> keys,
                                              std::int64_t now_ms) {
  for (const OneTimeKey& k : keys) {
    if (k.key.empty())
      return fail(ErrorCode::invalid_value, "key", "a one-time value needs a key");
  }
  if (keys.empty())
    return true;
  // Keys are taken in one order by every caller, so two requests cannot deadlock on them.
  std::vector<std::size_t> order(keys.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::ranges::sort(order, [&](std::size_t a, std::size_t b) { return keys[a].key < keys[b].key; });
  auto remembered = postgres::write<bool>(
      *pool_, "cannot record a one-time value", [&](pqxx::work& tx) -> Result<bool> {
        bool all_fresh = true;
        for (std::size_t i : order) {
          const bool fresh =
              !exec(tx, "remember_value",
                    {postgres::one_time_key(keys[i].key), keys[i].expires_at_ms, now_ms})
                   .empty();
          all_fresh = all_fresh && fresh;
        }
        return all_fresh;
      });
  if (!remembered)
    return remembered;
  // Bounded clean-up after the commit keeps the table at about the live values; rows other
  // replicas hold are skipped, and a failure here loses nothing.
  (void)postgres::read<bool>(*pool_, "cannot purge one-time values",
                             [&](pqxx::nontransaction& tx) -> Result<bool> {
                               exec(tx, "purge_expired_values", {now_ms});
                               return true;
                             });
  return remembered;
}

Result<void> PostgresStore::save_idp_registration(const IdpRegistration& registration) {
  if (registration.issuer.empty())
    return fail(ErrorCode::invalid_value, "issuer", "a registration needs its issuer");
  if (registration.client_id.empty())
    return fail(ErrorCode::invalid_value, "client_id", "a registration needs its client_id");
  if (registration.jwks_uri.empty())
    return fail(ErrorCode::invalid_value, "jwks_uri", "a registration needs the IdP's jwks_uri");
  if (registration.asns.empty())
    return fail(ErrorCode::invalid_value, "asns", "a registration needs at least one ASN");
  const std::string asns = postgres::asn_column(registration.asns);
  return postgres::read<void>(
      *pool_, "cannot store the IdP registration", [&](pqxx::nontransaction& tx) -> Result<void> {
        exec(tx, "upsert_idp_registration",
             {registration.issuer, registration.client_id, registration.client_secret,
              registration.client_secret_expires_at, asns, registration.jwks_uri,
              registration.created_at_ms});
        return {};
      });
}

Result<std::vector<IdpRegistration>> PostgresStore::idp_registrations() {
  return postgres::read<std::vector<IdpRegistration>>(
      *pool_, "cannot read IdP registrations",
      [&](pqxx::nontransaction& tx) -> Result<std::vector<IdpRegistration>> {
        std::vector<IdpRegistration> out;
        for (const pqxx::row& row : exec(tx, "select_idp_registrations", {})) {
          auto registration = postgres::idp_registration_from_row(row);
          if (!registration)
            return std::unexpected(registration.error());
          out.push_back(std::move(*registration));
        }
        return out;
      });
}

Result<std::int64_t> PostgresStore::count_sessions() {
  return postgres::read<std::int64_t>(
      *pool_, "cannot count sessions", [&](pqxx::nontransaction& tx) -> Result<std::int64_t> {
        return exec(tx, "count_sessions", {})[0][0].as<std::int64_t>();
      });
}

Result<std::int64_t> PostgresStore::count_sessions_with_status(model::Asn local_asn,
                                                               model::SessionStatus status) {
  return postgres::read<std::int64_t>(
      *pool_, "cannot count sessions", [&](pqxx::nontransaction& tx) -> Result<std::int64_t> {
        return exec(tx, "count_by_asn_status",
                    {std::int64_t{local_asn.value()}, std::string(model::to_string(status))})[0][0]
            .as<std::int64_t>();
      });
}

Result<std::map<std::string, std::size_t, std::less<>>> PostgresStore::live_session_counts(
    model::Asn local_asn) {
  using Counts = std::map<std::string, std::size_t, std::less<>>;
  return postgres::read<Counts>(
      *pool_, "cannot count sessions", [&](pqxx::nontransaction& tx) -> Result<Counts> {
        Counts counts;
        for (const pqxx::row& row : exec(tx, "live_counts", {std::int64_t{local_asn.value()}})) {
          counts.emplace(row[0].as<std::string>(), row[1].as<std::size_t>());
        }
        return counts;
      });
}

Result<SessionPage> PostgresStore::sessions_with_status(model::SessionStatus status,
                                                        std::optional<std::int64_t> after,
                                                        int limit) {
  if (limit < 1)
    return fail(ErrorCode::out_of_range, "limit", "limit must be 1 or more");
  return postgres::read<SessionPage>(
      *pool_, "cannot list sessions", [&](pqxx::nontransaction& tx) -> Result<SessionPage> {
        return postgres::page_from(
            exec(tx, "list_by_status",
                 {model::to_string(status), after.value_or(0), std::int64_t{limit} + 1}),
            limit);
      });
}

Result<void> PostgresStore::ping() {
  return postgres::read<void>(*pool_, "the store is not readable",
                              [&](pqxx::nontransaction& tx) -> Result<void> {
                                exec(tx, "ping", {});
                                return {};
                              });
}

Result<std::vector<RouterSession>> PostgresStore::router_sessions() {
  return postgres::read<std::vector<RouterSession>>(
      *pool_, "cannot read sessions for the router",
      [&](pqxx::nontransaction& tx) -> Result<std::vector<RouterSession>> {
        std::vector<RouterSession> out;
        constexpr int kOutgoing = postgres::kSessionColumnCount;
        constexpr int kRecord = kOutgoing + 1;
        for (const pqxx::row& row : exec(tx, "router_sessions", {})) {
          auto session = postgres::session_from_row(row);
          if (!session)
            return std::unexpected(session.error());
          std::optional<RouterRecord> record;
          if (!row[kRecord].is_null()) {
            auto parsed = postgres::router_record_from_row(row, kRecord);
            if (!parsed)
              return std::unexpected(parsed.error());
            record = std::move(*parsed);
          }
          out.push_back(RouterSession{
              .session = std::move(*session),
              .side = row[kOutgoing].as<bool>() ? SessionSide::initiator : SessionSide::receiver,
              .record = std::move(record)});
        }
        return out;
      });
}

Result<std::optional<RouterRecord>> PostgresStore::router_record(const model::Uuid& session_id) {
  return postgres::read<std::optional<RouterRecord>>(
      *pool_, "cannot read the router record",
      [&](pqxx::nontransaction& tx) -> Result<std::optional<RouterRecord>> {
        const pqxx::result rows = exec(tx, "router_record", {session_id.to_string()});
        if (rows.empty())
          return std::nullopt;
        auto record = postgres::router_record_from_row(rows[0], 0);
        if (!record)
          return std::unexpected(record.error());
        return std::optional<RouterRecord>(std::move(*record));
      });
}

Result<void> PostgresStore::save_router_records(std::span<const RouterRecord> records) {
  if (records.empty())
    return {};
  return postgres::write<void>(
      *pool_, "cannot save router records", [&](pqxx::work& tx) -> Result<void> {
        for (std::size_t i = 0; i < records.size(); ++i) {
          const RouterRecord& r = records[i];
          const pqxx::result saved =
              exec(tx, "save_router_record",
                   {r.session_id.to_string(), r.on_router, r.configured_at_ms, r.established_at_ms,
                    r.down_at_ms, std::int64_t{r.flaps}, r.bgp_state, r.last_error,
                    r.prefixes_received, r.prefixes_accepted, r.observed_at_ms});
          if (saved.empty()) {
            return fail(ErrorCode::not_found, "records[" + std::to_string(i) + "].session_id",
                        "no session " + r.session_id.to_string());
          }
        }
        return {};
      });
}

Result<bool> PostgresStore::claim_lease(std::string_view name, std::string_view holder,
                                        std::int64_t now_ms, std::int64_t until_ms) {
  return postgres::read<bool>(
      *pool_, "cannot claim the lease", [&](pqxx::nontransaction& tx) -> Result<bool> {
        return !exec(tx, "claim_lease", {name, holder, until_ms, now_ms}).empty();
      });
}

Result<void> PostgresStore::save_outgoing(const OutgoingRequest& request) {
  const std::string request_id = request.request_id.to_string();
  constexpr std::string_view kActor = "peerapi:initiator";
  return postgres::write<void>(
      *pool_, "cannot store the outgoing request", [&](pqxx::work& tx) -> Result<void> {
        exec(tx, "lock_session_inserts", {std::int64_t{postgres::kSessionInsertLock}});
        exec(tx, "outgoing_request",
             {request_id, std::string(kActor) + " " + request.peer_url, request.now_ms});
        for (const model::Session& session : request.sessions) {
          const std::string id = session.session_id.to_string();
          if (!exec(tx, "session_exists", {id}).empty())
            continue;  // stored before: left as it is
          if (auto inserted = postgres::insert_session(tx, session, request_id, request.now_ms);
              !inserted) {
            return inserted;
          }
          exec(tx, "mark_outgoing", {id, request.peer_url});
          postgres::insert_history(tx, id, request.now_ms, std::nullopt, session.status, kActor,
                                   "requested from " + request.peer_url);
        }
        return {};
      });
}

// ---- moving an installation ----------------------------------------------------------------

namespace {

constexpr std::string_view kCountAll =
    "SELECT (SELECT count(*) FROM requests), (SELECT count(*) FROM sessions), "
    "(SELECT count(*) FROM session_history), (SELECT count(*) FROM router_records), "
    "(SELECT count(*) FROM outgoing_sessions), (SELECT count(*) FROM named_secrets), "
    "(SELECT count(*) FROM idp_registrations), (SELECT count(*) FROM one_time_values), "
    "(SELECT count(*) FROM leases), (SELECT count(*) FROM audit_log)";

StoreCounts counts_in(pqxx::transaction_base& tx) {
  const pqxx::row row = tx.exec1(std::string(kCountAll));
  return StoreCounts{.requests = row[0].as<std::int64_t>(),
                     .sessions = row[1].as<std::int64_t>(),
                     .history = row[2].as<std::int64_t>(),
                     .router_records = row[3].as<std::int64_t>(),
                     .outgoing = row[4].as<std::int64_t>(),
                     .named_secrets = row[5].as<std::int64_t>(),
                     .idp_registrations = row[6].as<std::int64_t>(),
                     .one_time_values = row[7].as<std::int64_t>(),
                     .leases = row[8].as<std::int64_t>(),
                     .audit = row[9].as<std::int64_t>()};
}

std::int64_t total(const StoreCounts& c) {
  return c.requests + c.sessions + c.history + c.router_records + c.outgoing + c.named_secrets +
         c.idp_registrations + c.one_time_values + c.leases + c.audit;
}

/// Runs `insert` for every row of `rows`; a row the database refuses becomes an error naming
/// the table and the row's key (never its values: they may hold secrets).
template <typename Rows, typename Key, typename Insert>
Result<void> import_rows(const postgres::Pool& pool, std::string_view table, const Rows& rows,
                         Key key, Insert insert) {
  for (const auto& row : rows) {
    try {
      insert(row);
    } catch (const pqxx::sql_error& e) {
      return std::unexpected(pool.failure(
          "cannot copy " + std::string(table) + " row " + std::string(key(row)).substr(0, 80),
          e.what()));
    }
  }
  return {};
}

/// import_rows for the audit log, keeping ids; new entries continue after the copied ids.
template <typename Run>
Result<void> import_audit(const postgres::Pool& pool, const std::vector<StoreDump::Audit>& rows,
                          Run& run) {
  Result<void> copied = import_rows(
      pool, "audit_log", rows, [](const auto& a) { return std::to_string(a.id); },
      [&](const StoreDump::Audit& a) {
        run("INSERT INTO audit_log (id, at_ms, source_address, subject, email, issuer, asns, "
            "action, request_id, client_request_id, session_ids, status, decision, reasons) "
            "OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6, "
            "string_to_array($7, ' ')::bigint[], $8, $9, $10, $11, $12, $13, $14)",
            {a.id, a.at_ms, a.source_address, a.subject, a.email, a.issuer, a.asns, a.action,
             a.request_id, a.client_request_id, a.session_ids, a.status, a.decision, a.reasons});
      });
  if (copied) {
    run("SELECT setval(pg_get_serial_sequence('audit_log', 'id'), coalesce(max(id), 0) + 1, "
        "false) FROM audit_log",
        {});
  }
  return copied;
}

}  // namespace

Result<StoreCounts> PostgresStore::counts() {
  return postgres::read<StoreCounts>(
      *pool_, "cannot count rows",
      [&](pqxx::nontransaction& tx) -> Result<StoreCounts> { return counts_in(tx); });
}

Result<StoreCounts> PostgresStore::import(const StoreDump& dump) {
  const StoreCounts expected = counts_of(dump);
  postgres::Pool& pool = *pool_;
  return postgres::write<StoreCounts>(
      pool, "cannot copy the store", [&](pqxx::work& tx) -> Result<StoreCounts> {
        exec(tx, "lock_session_inserts", {std::int64_t{postgres::kSessionInsertLock}});
        // Every table, not only sessions: a database that already serves (or served) peerapi
        // must not be mixed with another installation.
        tx.exec(
            "LOCK TABLE requests, sessions, session_history, router_records, "
            "outgoing_sessions, named_secrets, idp_registrations, one_time_values, leases, "
            "audit_log IN EXCLUSIVE MODE");
        if (const std::int64_t present = total(counts_in(tx)); present != 0) {
          return fail(ErrorCode::store_error, "",
                      "the target database " + pool.redacted_uri + " is not empty (" +
                          std::to_string(present) +
                          " rows); peerapi migrate only copies into an empty database");
        }
        auto run = [&](std::string_view sql, const Params& params) {
          tx.exec_params(std::string(sql), pqxx::prepare::make_dynamic_params(params));
        };
        Result<void> copied = import_rows(
            pool, "requests", dump.requests, [](const auto& r) { return r.request_id; },
            [&](const StoreDump::Request& r) {
              run("INSERT INTO requests (seq, request_id, client_request_id, subject, body_hash, "
                  "return_url, http_status, answer, created_at) OVERRIDING SYSTEM VALUE VALUES "
                  "($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                  {r.seq, r.request_id, r.client_request_id, r.subject, r.body_hash, r.return_url,
                   r.http_status, r.answer, r.created_at});
            });
        if (copied) {
          copied = import_rows(
              pool, "sessions", dump.sessions, [](const auto& s) { return s.session_id; },
              [&](const StoreDump::Session& s) {
                run("INSERT INTO sessions (seq, session_id, request_id, local_asn, local_ip, "
                    "peer_asn, peer_ip, local_bgp_role, peer_bgp_role, local_insert_asn, "
                    "peer_insert_asn, local_monitoring_session, peer_monitoring_session, "
                    "peer_type, session_secret, location, status, created_at, updated_at) "
                    "OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
                    "$11, $12, $13, $14, $15, $16, $17, $18, $19)",
                    {s.seq, s.session_id, s.request_id, s.local_asn, s.local_ip, s.peer_asn,
                     s.peer_ip, s.local_bgp_role, s.peer_bgp_role, s.local_insert_asn,
                     s.peer_insert_asn, s.local_monitoring_session, s.peer_monitoring_session,
                     s.peer_type, s.session_secret, s.location, s.status, s.created_at,
                     s.updated_at});
              });
        }
        if (copied) {
          copied = import_rows(
              pool, "session_history", dump.history,
              [](const auto& h) { return std::to_string(h.id); },
              [&](const StoreDump::History& h) {
                run("INSERT INTO session_history (id, session_id, at, from_status, to_status, "
                    "actor, note) OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    {h.id, h.session_id, h.at, h.from_status, h.to_status, h.actor, h.note});
              });
        }
        if (copied) {
          copied = import_rows(
              pool, "router_records", dump.router_records,
              [](const auto& r) { return r.session_id; },
              [&](const StoreDump::RouterRecordRow& r) {
                run("INSERT INTO router_records (" + std::string(postgres::kRouterRecordColumns) +
                        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    {r.session_id, r.on_router, r.configured_at, r.established_at, r.down_at,
                     r.flaps, r.bgp_state, r.last_error, r.prefixes_received, r.prefixes_accepted,
                     r.observed_at});
              });
        }
        if (copied) {
          copied = import_rows(
              pool, "outgoing_sessions", dump.outgoing, [](const auto& o) { return o.session_id; },
              [&](const StoreDump::Outgoing& o) {
                run("INSERT INTO outgoing_sessions (session_id, peer_url) VALUES ($1, $2)",
                    {o.session_id, o.peer_url});
              });
        }
        if (copied) {
          copied = import_rows(
              pool, "named_secrets", dump.named_secrets, [](const auto& n) { return n.name; },
              [&](const StoreDump::NamedSecret& n) {
                run("INSERT INTO named_secrets (name, value) VALUES ($1, decode($2, 'hex'))",
                    {n.name, postgres::to_hex(n.value)});
              });
        }
        if (copied) {
          copied = import_rows(
              pool, "idp_registrations", dump.idp_registrations,
              [](const auto& i) { return i.issuer; },
              [&](const StoreDump::Idp& i) {
                run("INSERT INTO idp_registrations (issuer, client_id, client_secret, "
                    "client_secret_expires_at, asns, jwks_uri, created_at) VALUES ($1, $2, $3, "
                    "$4, $5, $6, $7)",
                    {i.issuer, i.client_id, i.client_secret, i.client_secret_expires_at, i.asns,
                     i.jwks_uri, i.created_at});
              });
        }
        if (copied) {
          copied = import_rows(
              pool, "one_time_values", dump.one_time_values, [](const auto& k) { return k.key; },
              [&](const OneTimeKey& k) {
                run("INSERT INTO one_time_values (key, expires_at) VALUES ($1, $2)",
                    {postgres::one_time_key(k.key), k.expires_at_ms});
              });
        }
        if (copied) {
          copied = import_rows(
              pool, "leases", dump.leases, [](const auto& l) { return l.name; },
              [&](const StoreDump::Lease& l) {
                run("INSERT INTO leases (name, holder, until_ms) VALUES ($1, $2, $3)",
                    {l.name, l.holder, l.until_ms});
              });
        }
        if (copied)
          copied = import_audit(pool, dump.audit, run);
        if (!copied)
          return std::unexpected(copied.error());

        // New rows continue after the copied positions.
        constexpr std::pair<std::string_view, std::string_view> kPositions[] = {
            {"requests", "seq"}, {"sessions", "seq"}, {"session_history", "id"}};
        for (const auto& [table, column] : kPositions) {
          tx.exec("SELECT setval(pg_get_serial_sequence('" + std::string(table) + "', '" +
                  std::string(column) + "'), coalesce(max(" + std::string(column) +
                  "), 0) + 1, false) FROM " + std::string(table));
        }
        // Every copied session and history entry must read back through the model's parsers.
        for (const pqxx::row& row : tx.exec(postgres::select_sessions("ORDER BY seq"))) {
          if (auto session = postgres::session_from_row(row); !session)
            return std::unexpected(session.error());
        }
        for (const pqxx::row& row :
             tx.exec("SELECT session_id, at, from_status, to_status, actor, note "
                     "FROM session_history ORDER BY id")) {
          if (auto entry = postgres::history_from_row(row); !entry)
            return std::unexpected(entry.error());
        }
        const StoreCounts stored = counts_in(tx);
        if (stored != expected) {
          return fail(ErrorCode::store_error, "",
                      "the copy holds other row counts than the source; nothing was stored");
        }
        return stored;
      });
}

// ---- audit log and counts -----------------------------------------------------------------

Result<std::int64_t> PostgresStore::append_audit(const AuditEntry& entry) {
  if (auto valid = validate_audit_entry(entry); !valid)
    return std::unexpected(valid.error());
  return postgres::write<std::int64_t>(
      *pool_, "cannot append to the audit log",
      [&](pqxx::work& tx) -> Result<std::int64_t> { return postgres::insert_audit(tx, entry); });
}

Result<std::int64_t> PostgresStore::purge_audit(std::int64_t before_ms, int max_rows) {
  if (max_rows < 1)
    return fail(ErrorCode::out_of_range, "max_rows", "max_rows must be 1 or more");
  return postgres::write<std::int64_t>(
      *pool_, "cannot purge the audit log", [&](pqxx::work& tx) -> Result<std::int64_t> {
        const pqxx::result deleted = tx.exec_params(
            "DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at_ms < $1 "
            "ORDER BY at_ms, id LIMIT $2)",
            before_ms, std::int64_t{max_rows});
        return static_cast<std::int64_t>(deleted.affected_rows());
      });
}

Result<std::vector<AuditEntry>> PostgresStore::list_audit(const AuditQuery& query) {
  if (auto valid = validate_audit_query(query); !valid)
    return std::unexpected(valid.error());
  std::string sql =
      "SELECT id, at_ms, source_address, subject, email, issuer, array_to_string(asns, ' '), "
      "action, request_id, client_request_id, session_ids, status, decision, reasons "
      "FROM audit_log WHERE id > $1 AND at_ms >= $2 AND at_ms < $3";
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  Params params{query.after_id.value_or(0), query.since_ms.value_or(kMin),
                query.until_ms.value_or(kMax), std::int64_t{query.limit}};
  if (query.asn) {
    sql += " AND asns @> ARRAY[$5::bigint]";
    params.emplace_back(std::int64_t{query.asn->value()});
  }
  sql += query.newest_first ? " ORDER BY id DESC LIMIT $4" : " ORDER BY id LIMIT $4";
  using Entries = std::vector<AuditEntry>;
  return postgres::read<Entries>(
      *pool_, "cannot read the audit log", [&](pqxx::nontransaction& tx) -> Result<Entries> {
        Entries out;
        for (const pqxx::row& row :
             tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params))) {
          AuditEntry entry;
          entry.id = row[0].as<std::int64_t>();
          entry.at_ms = row[1].as<std::int64_t>();
          entry.source_address = row[2].as<std::string>();
          entry.subject = row[3].as<std::string>();
          entry.email = row[4].as<std::string>();
          entry.issuer = row[5].as<std::string>();
          const std::string_view asns = postgres::text_of(row[6]);
          for (std::size_t start = 0; start < asns.size();) {
            const std::size_t end = std::min(asns.find(' ', start), asns.size());
            auto asn = model::Asn::parse(asns.substr(start, end - start), "asns");
            if (!asn) {
              return std::unexpected(
                  postgres::corrupt_row("audit_log", std::to_string(entry.id), asn.error()));
            }
            entry.asns.push_back(*asn);
            start = end + 1;
          }
          entry.action = row[7].as<std::string>();
          entry.request_id = row[8].as<std::string>();
          entry.client_request_id = row[9].as<std::string>();
          entry.session_ids = split_audit_list(postgres::text_of(row[10]));
          entry.status = row[11].as<int>();
          entry.decision = row[12].as<std::string>();
          entry.reasons = split_audit_list(postgres::text_of(row[13]));
          out.push_back(std::move(entry));
        }
        if (query.newest_first)
          std::ranges::reverse(out);
        return out;
      });
}

Result<std::map<model::SessionStatus, std::int64_t>> PostgresStore::count_by_status() {
  using Counts = std::map<model::SessionStatus, std::int64_t>;
  return postgres::read<Counts>(
      *pool_, "cannot count sessions", [&](pqxx::nontransaction& tx) -> Result<Counts> {
        Counts counts;
        for (const pqxx::row& row : exec(tx, "count_by_status", {})) {
          auto status = model::parse_session_status(postgres::text_of(row[0]), "status");
          if (!status) {
            return std::unexpected(
                postgres::corrupt_row("sessions", postgres::text_of(row[0]), status.error()));
          }
          counts[*status] += row[1].as<std::int64_t>();
        }
        return counts;
      });
}

}  // namespace peerapi::store
