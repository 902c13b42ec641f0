// The embedded store (DESIGN.md "store/"): one SQLite file in WAL mode, shared safely by every
// thread of the process (and by other processes on the same host, serialised by SQLite's
// locks). Writes go through one connection with group commit: writers that arrive while a
// commit is in progress queue up, and the next one to run takes the whole queue into one
// BEGIN IMMEDIATE transaction, each job in its own savepoint (a failing job is rolled back
// alone), and answers every job only after COMMIT returned. So every acknowledged write is
// durable (per `synchronous`), and one fsync and one write of each touched page serve many
// requests. Reads use a small pool of connections with statements prepared once per
// connection.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "model/error.hpp"
#include "store/store.hpp"
#include "util/clock.hpp"

namespace peerapi::store::sqlite {
struct WriteConnection;
struct ReadConnection;
/// A unit of work on the write connection, run inside an open transaction. It either succeeds
/// or returns an error, in which case everything it wrote is undone.
using WriteWork = std::function<Result<void>(WriteConnection&)>;
}  // namespace peerapi::store::sqlite

namespace peerapi::store {

struct SqliteOptions {
  /// PRAGMA synchronous: "off", "normal", "full" or "extra". "full" makes every acknowledged
  /// write survive power loss; "normal" (WAL) survives a process crash but may lose the last
  /// commits on power loss.
  std::string synchronous = "full";
  /// Read connections in the pool (1-64); readers beyond this wait for a free connection.
  int read_connections = 4;
  /// How long a connection waits for a lock held by another process (PRAGMA busy_timeout).
  int busy_timeout_ms = 5000;
  /// PRAGMA mmap_size: reads of the database file go through a shared memory map instead of a
  /// read() per page, about a third less CPU per get_session with 100k sessions
  /// (bench/store_bench.cpp). 0 turns it off (for file systems where mapping is unwise). SQLite
  /// maps at most the file's size, and caps this at its compile-time maximum (Debian 12:
  /// 0x7fff0000, just under 2 GiB). Pages past the map are read into each connection's heap
  /// page cache instead: more CPU per read, and heap that grows up to the caches' bound (the
  /// soak measured both with a 256 MiB map, docs/benchmarks.md "Soak").
  std::int64_t mmap_size_bytes = 0x7fff0000;
};

/// Heap memory SQLite holds in this process, for every connection of every store: page caches,
/// prepared statements, schemas (sqlite3_memory_used, sqlite3_memory_highwater). A connection's
/// page cache is bounded by PRAGMA cache_size (SQLite's default, 2,000 KiB); pages read through
/// the memory map (mmap_size_bytes) need no cache entry, so the caches fill only once the file is
/// larger than the map, or with pages the writer changes.
struct SqliteHeap {
  std::int64_t used_bytes = 0;
  std::int64_t highwater_bytes = 0;  // the most used_bytes has been since the process started
};
SqliteHeap sqlite_heap();

class SqliteStore final : public Store {
 public:
  /// Opens (creating when absent) the database `file`: creates missing parent directories,
  /// creates a new file with mode 0600 (it holds session secrets; an existing file's mode is
  /// left alone), enables WAL, busy_timeout and foreign keys, and applies schema migrations.
  /// Fails with store_error (never throws) when the file cannot be opened, is not a SQLite
  /// database, or has a schema newer than this binary knows. `random` must outlive the store.
  static Result<std::unique_ptr<SqliteStore>> open(const std::filesystem::path& file,
                                                   util::RandomSource& random,
                                                   SqliteOptions options = {});

  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  /// Stored sessions take created_at and updated_at from `draft.now_ms` and request_id from
  /// `draft.request_id`. Two candidates of one draft with the same live tuple fail with
  /// duplicate_session and store nothing (the policy layer reports those as
  /// duplicate_in_request before they get here). `finish` throwing is reported as `internal`.
  Result<CreateOutcome> create_request(const RequestDraft& draft,
                                       const AnswerBuilder& finish) override;
  Result<std::optional<model::Session>> get_session(const model::Uuid& session_id) override;
  /// `limit` must be 1 or more (else out_of_range); the cursor is the session's row sequence.
  Result<SessionPage> list_sessions(model::Asn local_asn,
                                    const std::optional<model::Uuid>& request_id,
                                    std::optional<std::int64_t> after, int limit) override;
  /// A transition to a live status that would duplicate another live session fails with
  /// duplicate_session and changes nothing.
  Result<std::optional<model::Session>> transition(
      const model::Uuid& session_id, std::span<const model::SessionStatus> from,
      model::SessionStatus to, const std::string& actor, const std::string& note,
      std::int64_t now_ms, const AuditEntry* audit_if_moved = nullptr) override;
  Result<std::vector<std::optional<model::Session>>> transition_all(
      std::span<const TransitionRequest> requests, const std::string& actor,
      std::int64_t now_ms) override;
  /// Oldest first (insertion order).
  Result<std::vector<HistoryEntry>> history(const model::Uuid& session_id) override;
  /// `size` (1 or more) applies when the secret is created; afterwards the stored value is
  /// returned whatever `size` says, so a secret never changes under running servers.
  Result<std::string> named_secret(const std::string& name, std::size_t size) override;
  Result<bool> remember_once(std::string_view key, std::int64_t expires_at_ms,
                             std::int64_t now_ms) override;
  Result<bool> remember_all_once(std::span<const OneTimeKey> keys, std::int64_t now_ms) override;
  Result<void> save_idp_registration(const IdpRegistration& registration) override;
  Result<std::vector<IdpRegistration>> idp_registrations() override;
  /// Every stored session, whatever its status.
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

  /// The schema version this binary writes (databases with a newer one are refused).
  static int schema_version() noexcept;

 private:
  SqliteStore(std::unique_ptr<sqlite::WriteConnection> writer,
              std::vector<std::unique_ptr<sqlite::ReadConnection>> readers,
              util::RandomSource& random);

  /// A read connection held for one call; returned to the pool on destruction.
  class ReadLease {
   public:
    ReadLease(SqliteStore& store, sqlite::ReadConnection& connection) noexcept
        : store_(&store), connection_(&connection) {}
    ~ReadLease();
    ReadLease(const ReadLease&) = delete;
    ReadLease& operator=(const ReadLease&) = delete;
    sqlite::ReadConnection& operator*() const noexcept { return *connection_; }
    sqlite::ReadConnection* operator->() const noexcept { return connection_; }

   private:
    SqliteStore* store_;
    sqlite::ReadConnection* connection_;
  };
  ReadLease acquire_reader();

  /// Runs `work` in the next commit group and returns once that group has committed (or
  /// failed). Safe from any number of threads; the calling thread may run the group itself.
  Result<void> write(const sqlite::WriteWork& work);
  struct WriteJob;
  /// Runs `jobs` as one transaction on writer_ and sets each job's result.
  void run_group(std::span<WriteJob* const> jobs);

  std::mutex queue_mutex_;
  std::condition_variable group_done_;
  std::vector<WriteJob*> queued_;                    // guarded by queue_mutex_
  bool group_running_ = false;                       // guarded by queue_mutex_
  std::unique_ptr<sqlite::WriteConnection> writer_;  // used only by the thread running a group

  std::mutex pool_mutex_;
  std::condition_variable pool_available_;
  std::vector<std::unique_ptr<sqlite::ReadConnection>> readers_;  // owns every reader
  std::vector<sqlite::ReadConnection*> idle_readers_;             // guarded by pool_mutex_

  util::RandomSource& random_;
};

}  // namespace peerapi::store
