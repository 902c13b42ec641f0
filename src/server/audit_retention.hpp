// Audit log retention ([audit] retention_days, docs/operations.md "Audit log"): entries older
// than the retention are deleted in bounded batches, once at start and then every hour, so the
// store does not grow without bound with the calls it records.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "model/error.hpp"
#include "store/store.hpp"
#include "util/clock.hpp"

namespace peerapi::server {

/// Rows one purge_audit call deletes: short write transactions that other writers interleave.
inline constexpr int kAuditPurgeBatch = 1000;
/// Batches one pass runs at most (ten million rows): a pass always ends, and the next one
/// carries on.
inline constexpr int kAuditPurgeMaxBatches = 10'000;

/// Deletes the entries older than `retention_days` before `now_ms` (nothing when it is 0), batch
/// by batch; returns how many it deleted, or the store's error (what earlier batches deleted
/// stays deleted).
Result<std::int64_t> purge_expired_audit(store::Store& store, int retention_days,
                                         std::int64_t now_ms);

/// Runs purge_expired_audit on a thread of its own: at start() and every `interval`. Failures
/// are logged (warn) and retried at the next interval; they never stop the server.
class AuditRetention {
 public:
  AuditRetention(store::Store& store, const util::Clock& clock, int retention_days,
                 std::chrono::milliseconds interval = std::chrono::hours(1))
      : store_(store), clock_(clock), retention_days_(retention_days), interval_(interval) {}
  ~AuditRetention() { stop(); }
  AuditRetention(const AuditRetention&) = delete;
  AuditRetention& operator=(const AuditRetention&) = delete;

  /// Starts the thread; does nothing when retention_days is 0 (keep forever).
  void start();
  /// Ends the pass under way and joins the thread. Idempotent.
  void stop();
  /// Passes completed and entries deleted so far (tests wait on them).
  [[nodiscard]] std::uint64_t passes() const;
  [[nodiscard]] std::int64_t purged() const;

 private:
  void run();

  store::Store& store_;
  const util::Clock& clock_;
  int retention_days_;
  std::chrono::milliseconds interval_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::uint64_t passes_ = 0;
  std::int64_t purged_ = 0;
  std::thread thread_;
};

}  // namespace peerapi::server
