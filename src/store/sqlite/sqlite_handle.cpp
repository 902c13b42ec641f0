#include "store/sqlite/sqlite_handle.hpp"

#include <climits>

namespace peerapi::store::sqlite {

Error sqlite_error(sqlite3* db, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : "out of memory";
  return Error{ErrorCode::store_error, "", std::move(message)};
}

Result<Database> Database::open(const std::string& file, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  Database database(raw);  // owns the handle even when opening failed
  if (rc != SQLITE_OK)
    return std::unexpected(sqlite_error(raw, "cannot open SQLite database " + file));
  sqlite3_extended_result_codes(raw, 1);
  return database;
}

Result<void> Database::exec(std::string_view sql, std::string_view what) {
  const std::string text(sql);
  if (sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
    return std::unexpected(sqlite_error(db_.get(), what));
  return {};
}

Result<std::string> Database::query_text(std::string_view sql, std::string_view what) {
  auto statement = Statement::prepare(db_.get(), sql);
  if (!statement)
    return std::unexpected(statement.error());
  StatementRun run(*statement);
  const int rc = run.step();
  if (rc == SQLITE_ROW)
    return std::string(run.text(0));
  if (rc == SQLITE_DONE)
    return std::string();
  return std::unexpected(sqlite_error(db_.get(), what));
}

Result<std::int64_t> Database::query_int(std::string_view sql, std::string_view what,
                                         std::int64_t if_null) {
  auto statement = Statement::prepare(db_.get(), sql);
  if (!statement)
    return std::unexpected(statement.error());
  StatementRun run(*statement);
  const int rc = run.step();
  if (rc == SQLITE_ROW)
    return run.is_null(0) ? if_null : run.int64(0);
  if (rc == SQLITE_DONE)
    return if_null;
  return std::unexpected(sqlite_error(db_.get(), what));
}

Result<Statement> Statement::prepare(sqlite3* db, std::string_view sql) {
  if (sql.size() > static_cast<std::size_t>(INT_MAX))
    return fail(ErrorCode::store_error, "", "SQL text too long");
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  Statement statement(raw);
  if (rc != SQLITE_OK || raw == nullptr) {
    return std::unexpected(
        sqlite_error(db, "cannot prepare \"" + std::string(sql.substr(0, 60)) + "...\""));
  }
  return statement;
}

StatementRun& StatementRun::bind(int index, std::int64_t value) noexcept {
  note_bind(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

StatementRun& StatementRun::bind(int index, std::string_view text) noexcept {
  note_bind(
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

StatementRun& StatementRun::bind_blob(int index, std::string_view bytes) noexcept {
  note_bind(sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT));
  return *this;
}

StatementRun& StatementRun::bind_null(int index) noexcept {
  note_bind(sqlite3_bind_null(stmt_, index));
  return *this;
}

int StatementRun::step() noexcept {
  if (bind_rc_ != SQLITE_OK)
    return bind_rc_;
  return sqlite3_step(stmt_);
}

Result<void> StatementRun::run_to_done(std::string_view what) {
  const int rc = step();
  if (rc == SQLITE_DONE)
    return {};
  if (rc == SQLITE_ROW)
    return fail(ErrorCode::store_error, "", std::string(what) + ": unexpected result row");
  return std::unexpected(sqlite_error(db(), what));
}

std::string_view StatementRun::text(int column) const noexcept {
  const auto* data = sqlite3_column_text(stmt_, column);  // before _bytes (SQLite docs)
  const int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr)
    return {};
  return {reinterpret_cast<const char*>(data), static_cast<std::size_t>(size)};
}

std::string_view StatementRun::blob(int column) const noexcept {
  const void* data = sqlite3_column_blob(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr)
    return {};
  return {static_cast<const char*>(data), static_cast<std::size_t>(size)};
}

}  // namespace peerapi::store::sqlite
