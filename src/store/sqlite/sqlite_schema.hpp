// The SQLite schema as an ordered list of migrations. A migration, once released, is never
// edited: a schema change is a new entry with the next version. Versions start at 1 and are
// contiguous; `schema_migrations` records which ones a database has applied.
#pragma once

#include <span>
#include <string_view>

#include "model/error.hpp"

namespace peerapi::store::sqlite {

class Database;

struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

/// Every migration this binary knows, in version order.
std::span<const Migration> migrations() noexcept;

/// The newest schema version this binary knows (the last migration's version).
int latest_schema_version() noexcept;

/// Brings `db` to latest_schema_version(): creates `schema_migrations` if absent, then applies
/// each missing migration in its own BEGIN IMMEDIATE transaction, re-checking inside it so two
/// processes opening the same file apply each migration once. Refuses (store_error, nothing
/// changed) a database whose recorded version is newer than this binary knows.
Result<void> migrate(Database& db);

}  // namespace peerapi::store::sqlite
