// RAII wrappers for sqlite3* and sqlite3_stmt*, and the mapping of SQLite failures to
// ErrorCode::store_error. Nothing here throws. A Database and its Statements are used by one
// thread at a time (connections are opened SQLITE_OPEN_NOMUTEX; the store serialises access).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "model/error.hpp"

namespace peerapi::store::sqlite {

/// A store_error whose message is `what` followed by SQLite's own message for `db`'s last
/// failure. SQLite messages name tables and columns, never bound values, so no secret leaks.
Error sqlite_error(sqlite3* db, std::string_view what);

class Database {
 public:
  /// Opens `file` with `flags` (SQLITE_OPEN_*); SQLITE_OPEN_NOMUTEX is always added.
  static Result<Database> open(const std::string& file, int flags);

  [[nodiscard]] sqlite3* get() const noexcept { return db_.get(); }

  /// Runs `sql` (one or more statements, no results wanted).
  Result<void> exec(std::string_view sql, std::string_view what);
  /// Runs a statement returning one text value (PRAGMA answers, for example).
  Result<std::string> query_text(std::string_view sql, std::string_view what);
  /// Runs a statement returning one integer (NULL reads as `if_null`).
  Result<std::int64_t> query_int(std::string_view sql, std::string_view what,
                                 std::int64_t if_null = 0);

 private:
  struct Close {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
  };
  explicit Database(sqlite3* db) : db_(db) {}
  std::unique_ptr<sqlite3, Close> db_;
};

/// A prepared statement, prepared once (SQLITE_PREPARE_PERSISTENT) and reused for every call.
class Statement {
 public:
  Statement() = default;  // empty until a prepared statement is moved in
  static Result<Statement> prepare(sqlite3* db, std::string_view sql);

  [[nodiscard]] sqlite3_stmt* get() const noexcept { return stmt_.get(); }
  [[nodiscard]] sqlite3* db() const noexcept { return sqlite3_db_handle(stmt_.get()); }

 private:
  struct Finalize {
    void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
  };
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  std::unique_ptr<sqlite3_stmt, Finalize> stmt_;
};

/// One execution of a cached Statement: bind, step, read columns. On destruction the statement
/// is reset and its bindings cleared, so a cached statement never keeps a read transaction open
/// and never carries values into the next execution. Text and blobs are bound by copy.
class StatementRun {
 public:
  explicit StatementRun(Statement& statement) noexcept : stmt_(statement.get()) {}
  ~StatementRun() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  StatementRun(const StatementRun&) = delete;
  StatementRun& operator=(const StatementRun&) = delete;

  // Parameters are 1-based (SQLite convention). A failed bind is reported by the next step().
  StatementRun& bind(int index, std::int64_t value) noexcept;
  StatementRun& bind(int index, std::string_view text) noexcept;
  StatementRun& bind_blob(int index, std::string_view bytes) noexcept;
  StatementRun& bind_null(int index) noexcept;
  StatementRun& bind_bool(int index, bool value) noexcept { return bind(index, value ? 1 : 0); }

  /// SQLITE_ROW, SQLITE_DONE, or the (non-zero, non-ROW/DONE) failure code, including a bind
  /// failure recorded earlier. On failure sqlite3_errmsg(db()) describes it.
  int step() noexcept;
  /// Steps expecting SQLITE_DONE (INSERT, UPDATE, transaction control).
  Result<void> run_to_done(std::string_view what);

  // Columns are 0-based (SQLite convention). Text views are valid until the next step/reset.
  [[nodiscard]] bool is_null(int column) const noexcept {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }
  [[nodiscard]] bool is_integer(int column) const noexcept {
    return sqlite3_column_type(stmt_, column) == SQLITE_INTEGER;
  }
  [[nodiscard]] std::int64_t int64(int column) const noexcept {
    return sqlite3_column_int64(stmt_, column);
  }
  [[nodiscard]] std::string_view text(int column) const noexcept;
  [[nodiscard]] std::string_view blob(int column) const noexcept;

  [[nodiscard]] sqlite3* db() const noexcept { return sqlite3_db_handle(stmt_); }

 private:
  void note_bind(int rc) noexcept {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK)
      bind_rc_ = rc;
  }
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
};

}  // namespace peerapi::store::sqlite
