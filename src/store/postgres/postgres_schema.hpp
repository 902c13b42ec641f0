// The PostgreSQL schema as an ordered list of migrations. A migration, once released, is never
// edited: a schema change is a new entry with the next version. Versions start at 1 and are
// contiguous; `schema_migrations` records which ones a database has applied. The versions are
// this backend's own (SQLite's are counted separately).
#pragma once

#include <pqxx/connection>

#include <span>
#include <string_view>

#include "model/error.hpp"

namespace peerapi::store::postgres {

struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

/// Every migration this binary knows, in version order.
std::span<const Migration> migrations() noexcept;

/// The newest schema version this binary knows (the last migration's version).
int latest_schema_version() noexcept;

/// The advisory lock (pg_advisory_xact_lock) that serialises migrations of one database.
inline constexpr long long kMigrationLock = 0x7065657261706931;  // "peerapi1"

/// Brings the database of `connection` to latest_schema_version() in ONE transaction that first
/// takes kMigrationLock: replicas starting together wait for each other, and each migration is
/// applied exactly once; a failure leaves the database as it was (DDL is transactional).
/// Refuses (store_error, nothing changed) a database whose recorded version is newer than this
/// binary knows. Throws only pqxx exceptions, which the caller maps.
Result<void> migrate(pqxx::connection& connection);

}  // namespace peerapi::store::postgres
