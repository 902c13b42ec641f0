// `peerapi migrate`: reads every row of the SQLite store in one read transaction (a consistent
// snapshot), then writes them all into an empty PostgreSQL database in one transaction
// (PostgresStore::import), keeping row positions so that pagination tokens, the pagination key
// and history order carry over. The SQLite file is brought to this binary's schema first, as
// any peerapi command would; it is otherwise only read.
#include "cli/migrate_command.hpp"

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_handle.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "util/clock.hpp"

namespace peerapi::cli {

namespace {

constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;
constexpr std::string_view kSqlitePrefix = "sqlite:";

struct MigrateOptions {
  std::string from;
  std::string to;
};

int report(const Error& error, int exit_code) {
  std::cerr << "peerapi migrate: " << (error.field.empty() ? "" : error.field + ": ")
            << error.message << "\n";
  return exit_code;
}

/// Column access for one row of a SQLite table; integer columns holding anything else (SQLite
/// keeps what it is given) are remembered as the row's first problem.
class Columns {
 public:
  explicit Columns(const store::sqlite::StatementRun& run) : run_(run) {}

  std::int64_t integer(int column, std::string_view name) {
    if (!run_.is_integer(column)) {
      note(name, "is not an integer");
      return 0;
    }
    return run_.int64(column);
  }
  std::optional<std::int64_t> optional_integer(int column, std::string_view name) {
    if (run_.is_null(column))
      return std::nullopt;
    return integer(column, name);
  }
  bool boolean(int column, std::string_view name) {
    const std::int64_t value = integer(column, name);
    if (value != 0 && value != 1)
      note(name, "is not 0 or 1");
    return value == 1;
  }
  std::string text(int column) const { return std::string(run_.text(column)); }
  std::optional<std::string> optional_text(int column) const {
    if (run_.is_null(column))
      return std::nullopt;
    return text(column);
  }
  std::string blob(int column) const { return std::string(run_.blob(column)); }
  [[nodiscard]] const std::string& problem() const { return problem_; }

 private:
  void note(std::string_view name, std::string_view what) {
    if (problem_.empty())
      problem_ = std::string(name) + " " + std::string(what);
  }
  const store::sqlite::StatementRun& run_;
  std::string problem_;
};

/// Appends a row made by `make(columns)` for every row `sql` selects; `key(row)` names a row in
/// errors (never its values: some hold secrets).
template <typename Row, typename Make, typename Key>
Result<void> read_table(store::sqlite::Database& db, std::string_view table, std::string_view sql,
                        std::vector<Row>& out, Make make, Key key) {
  auto statement = store::sqlite::Statement::prepare(db.get(), sql);
  if (!statement)
    return std::unexpected(statement.error());
  store::sqlite::StatementRun run(*statement);
  for (;;) {
    const int rc = run.step();
    if (rc == SQLITE_DONE)
      return {};
    if (rc != SQLITE_ROW)
      return std::unexpected(
          store::sqlite::sqlite_error(db.get(), "cannot read " + std::string(table)));
    Columns columns(run);
    Row row = make(columns);
    if (!columns.problem().empty()) {
      return fail(
          ErrorCode::store_error, "",
          "corrupt row in " + std::string(table) + " (" + key(row) + "): " + columns.problem());
    }
    out.push_back(std::move(row));
  }
}

/// Every row of the SQLite store at `file`, read in one transaction.
Result<store::StoreDump> read_sqlite(const std::filesystem::path& file) {
  using store::StoreDump;
  auto db = store::sqlite::Database::open(file.string(), SQLITE_OPEN_READONLY);
  if (!db)
    return std::unexpected(db.error());
  if (sqlite3_busy_timeout(db->get(), 5000) != SQLITE_OK)
    return std::unexpected(store::sqlite::sqlite_error(db->get(), "cannot set busy_timeout"));
  if (auto begun = db->exec("BEGIN", "cannot start a read transaction"); !begun)
    return std::unexpected(begun.error());

  StoreDump dump;
  Result<void> read = read_table(
      *db, "requests",
      "SELECT seq, request_id, client_request_id, subject, body_hash, return_url, http_status, "
      "answer, created_at FROM requests ORDER BY seq",
      dump.requests,
      [](Columns& c) {
        return StoreDump::Request{.seq = c.integer(0, "seq"),
                                  .request_id = c.text(1),
                                  .client_request_id = c.optional_text(2),
                                  .subject = c.text(3),
                                  .body_hash = c.text(4),
                                  .return_url = c.optional_text(5),
                                  .http_status = c.integer(6, "http_status"),
                                  .answer = c.text(7),
                                  .created_at = c.integer(8, "created_at")};
      },
      [](const StoreDump::Request& r) { return r.request_id; });
  if (read) {
    read = read_table(
        *db, "sessions",
        "SELECT seq, session_id, request_id, local_asn, local_ip, peer_asn, peer_ip, "
        "local_bgp_role, peer_bgp_role, local_insert_asn, peer_insert_asn, "
        "local_monitoring_session, peer_monitoring_session, peer_type, session_secret, location, "
        "status, created_at, updated_at FROM sessions ORDER BY seq",
        dump.sessions,
        [](Columns& c) {
          return StoreDump::Session{
              .seq = c.integer(0, "seq"),
              .session_id = c.text(1),
              .request_id = c.text(2),
              .local_asn = c.integer(3, "local_asn"),
              .local_ip = c.text(4),
              .peer_asn = c.integer(5, "peer_asn"),
              .peer_ip = c.text(6),
              .local_bgp_role = c.integer(7, "local_bgp_role"),
              .peer_bgp_role = c.integer(8, "peer_bgp_role"),
              .local_insert_asn = c.boolean(9, "local_insert_asn"),
              .peer_insert_asn = c.boolean(10, "peer_insert_asn"),
              .local_monitoring_session = c.boolean(11, "local_monitoring_session"),
              .peer_monitoring_session = c.boolean(12, "peer_monitoring_session"),
              .peer_type = c.text(13),
              .session_secret = c.optional_text(14),
              .location = c.text(15),
              .status = c.text(16),
              .created_at = c.integer(17, "created_at"),
              .updated_at = c.integer(18, "updated_at")};
        },
        [](const StoreDump::Session& s) { return s.session_id; });
  }
  if (read) {
    read = read_table(
        *db, "session_history",
        "SELECT id, session_id, at, from_status, to_status, actor, note FROM session_history "
        "ORDER BY id",
        dump.history,
        [](Columns& c) {
          return StoreDump::History{.id = c.integer(0, "id"),
                                    .session_id = c.text(1),
                                    .at = c.integer(2, "at"),
                                    .from_status = c.optional_text(3),
                                    .to_status = c.text(4),
                                    .actor = c.text(5),
                                    .note = c.text(6)};
        },
        [](const StoreDump::History& h) { return std::to_string(h.id); });
  }
  if (read) {
    read = read_table(
        *db, "router_records",
        "SELECT session_id, on_router, configured_at, established_at, down_at, flaps, bgp_state, "
        "last_error, prefixes_received, prefixes_accepted, observed_at FROM router_records "
        "ORDER BY session_id",
        dump.router_records,
        [](Columns& c) {
          return StoreDump::RouterRecordRow{
              .session_id = c.text(0),
              .on_router = c.boolean(1, "on_router"),
              .configured_at = c.optional_integer(2, "configured_at"),
              .established_at = c.optional_integer(3, "established_at"),
              .down_at = c.optional_integer(4, "down_at"),
              .flaps = c.integer(5, "flaps"),
              .bgp_state = c.text(6),
              .last_error = c.text(7),
              .prefixes_received = c.optional_integer(8, "prefixes_received"),
              .prefixes_accepted = c.optional_integer(9, "prefixes_accepted"),
              .observed_at = c.integer(10, "observed_at")};
        },
        [](const StoreDump::RouterRecordRow& r) { return r.session_id; });
  }
  if (read) {
    read = read_table(
        *db, "outgoing_sessions",
        "SELECT session_id, peer_url FROM outgoing_sessions ORDER BY session_id", dump.outgoing,
        [](Columns& c) {
          return StoreDump::Outgoing{.session_id = c.text(0), .peer_url = c.text(1)};
        },
        [](const StoreDump::Outgoing& o) { return o.session_id; });
  }
  if (read) {
    read = read_table(
        *db, "named_secrets", "SELECT name, value FROM named_secrets ORDER BY name",
        dump.named_secrets,
        [](Columns& c) { return StoreDump::NamedSecret{.name = c.text(0), .value = c.blob(1)}; },
        [](const StoreDump::NamedSecret& n) { return n.name; });
  }
  if (read) {
    read = read_table(
        *db, "idp_registrations",
        "SELECT issuer, client_id, client_secret, client_secret_expires_at, asns, jwks_uri, "
        "created_at FROM idp_registrations ORDER BY issuer",
        dump.idp_registrations,
        [](Columns& c) {
          return StoreDump::Idp{
              .issuer = c.text(0),
              .client_id = c.text(1),
              .client_secret = c.optional_text(2),
              .client_secret_expires_at = c.optional_integer(3, "client_secret_expires_at"),
              .asns = c.text(4),
              .jwks_uri = c.text(5),
              .created_at = c.integer(6, "created_at")};
        },
        [](const StoreDump::Idp& i) { return i.issuer; });
  }
  if (read) {
    read = read_table(
        *db, "one_time_values", "SELECT key, expires_at FROM one_time_values ORDER BY key",
        dump.one_time_values,
        [](Columns& c) {
          return store::OneTimeKey{.key = c.text(0), .expires_at_ms = c.integer(1, "expires_at")};
        },
        [](const store::OneTimeKey& k) { return k.key; });
  }
  if (read) {
    read = read_table(
        *db, "leases", "SELECT name, holder, until_ms FROM leases ORDER BY name", dump.leases,
        [](Columns& c) {
          return StoreDump::Lease{
              .name = c.text(0), .holder = c.text(1), .until_ms = c.integer(2, "until_ms")};
        },
        [](const StoreDump::Lease& l) { return l.name; });
  }
  if (read) {
    read = read_table(
        *db, "audit_log",
        "SELECT id, at_ms, source_address, subject, email, issuer, asns, action, request_id, "
        "client_request_id, session_ids, status, decision, reasons FROM audit_log ORDER BY id",
        dump.audit,
        [](Columns& c) {
          return StoreDump::Audit{.id = c.integer(0, "id"),
                                  .at_ms = c.integer(1, "at_ms"),
                                  .source_address = c.text(2),
                                  .subject = c.text(3),
                                  .email = c.text(4),
                                  .issuer = c.text(5),
                                  .asns = c.text(6),
                                  .action = c.text(7),
                                  .request_id = c.text(8),
                                  .client_request_id = c.text(9),
                                  .session_ids = c.text(10),
                                  .status = c.integer(11, "status"),
                                  .decision = c.text(12),
                                  .reasons = c.text(13)};
        },
        [](const StoreDump::Audit& a) { return std::to_string(a.id); });
  }
  if (!read)
    return std::unexpected(read.error());
  if (auto ended = db->exec("COMMIT", "cannot end the read transaction"); !ended)
    return std::unexpected(ended.error());
  return dump;
}

void print_counts(const store::StoreCounts& counts) {
  const std::pair<const char*, std::int64_t> rows[] = {
      {"requests", counts.requests},
      {"sessions", counts.sessions},
      {"history entries", counts.history},
      {"router records", counts.router_records},
      {"outgoing markers", counts.outgoing},
      {"named secrets", counts.named_secrets},
      {"IdP registrations", counts.idp_registrations},
      {"one-time values", counts.one_time_values},
      {"leases", counts.leases},
      {"audit entries", counts.audit},
  };
  for (const auto& [name, count] : rows)
    std::cout << "  " << std::left << std::setw(18) << name << " " << count << "\n";
}

int run_migrate(const MigrateOptions& options) {
  if (!options.from.starts_with(kSqlitePrefix) || options.from.size() == kSqlitePrefix.size()) {
    return report(Error{ErrorCode::invalid_value, "--from",
                        "must be sqlite:PATH, the [store] sqlite file of the installation to move"},
                  kExitUsage);
  }
  if (!options.to.starts_with("postgresql://") && !options.to.starts_with("postgres://")) {
    return report(Error{ErrorCode::invalid_value, "--to",
                        "must be a postgresql:// URI of an empty database (the password may come "
                        "from PGPASSWORD or ~/.pgpass instead of the URI)"},
                  kExitUsage);
  }
  const std::filesystem::path source = options.from.substr(kSqlitePrefix.size());
  std::error_code ec;
  if (!std::filesystem::is_regular_file(source, ec)) {
    return report(Error{ErrorCode::io_error, "--from", source.string() + ": no such file"},
                  kExitUsage);
  }
  const std::string target_name = store::PostgresStore::redacted(options.to);

  util::SecureRandom random;
  // Brings the file to this binary's schema, so that every table below exists.
  if (auto upgraded = store::SqliteStore::open(source, random); !upgraded)
    return report(upgraded.error(), kExitRuntime);
  auto dump = read_sqlite(source);
  if (!dump)
    return report(dump.error(), kExitRuntime);
  auto target = store::PostgresStore::open(options.to, random);
  if (!target)
    return report(target.error(), kExitRuntime);
  auto copied = (*target)->import(*dump);
  if (!copied)
    return report(copied.error(), kExitRuntime);
  // Counted again after the commit, on another connection: what every replica will see.
  auto stored = (*target)->counts();
  if (!stored)
    return report(stored.error(), kExitRuntime);
  if (*stored != store::counts_of(*dump)) {
    return report(
        Error{ErrorCode::store_error, "",
              "after the copy " + target_name + " holds other row counts than " + source.string()},
        kExitRuntime);
  }
  std::cout << "peerapi migrate: copied " << source.string() << " into " << target_name
            << " and verified the row counts:\n";
  print_counts(*stored);
  std::cout << "Point [store] postgres at the database (and remove [store] sqlite) before "
               "starting the servers.\n";
  return 0;
}

}  // namespace

std::function<int()> add_migrate_commands(CLI::App& app, CLI::App*& command) {
  auto options = std::make_shared<MigrateOptions>();
  command = app.add_subcommand(
      "migrate",
      "Copy this installation's store from SQLite into an empty PostgreSQL database, in one "
      "transaction (stop the servers first)");
  command->add_option("--from", options->from, "sqlite:PATH, the [store] sqlite file")->required();
  command
      ->add_option("--to", options->to,
                   "postgresql://user[:password]@host[:port]/database of an empty database")
      ->required();
  return [options]() -> int { return run_migrate(*options); };
}

}  // namespace peerapi::cli
