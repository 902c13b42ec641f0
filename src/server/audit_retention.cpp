#include "server/audit_retention.hpp"

#include <spdlog/spdlog.h>

namespace peerapi::server {

Result<std::int64_t> purge_expired_audit(store::Store& store, int retention_days,
                                         std::int64_t now_ms) {
  if (retention_days <= 0)
    return 0;
  constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;
  const std::int64_t before_ms = now_ms - std::int64_t{retention_days} * kDayMs;
  std::int64_t total = 0;
  for (int batch = 0; batch < kAuditPurgeMaxBatches; ++batch) {
    auto purged = store.purge_audit(before_ms, kAuditPurgeBatch);
    if (!purged)
      return std::unexpected(purged.error());
    total += *purged;
    if (*purged < kAuditPurgeBatch)
      break;
  }
  return total;
}

void AuditRetention::start() {
  if (retention_days_ <= 0 || thread_.joinable())
    return;
  thread_ = std::thread([this] { run(); });
}

void AuditRetention::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

std::uint64_t AuditRetention::passes() const {
  std::lock_guard lock(mutex_);
  return passes_;
}

std::int64_t AuditRetention::purged() const {
  std::lock_guard lock(mutex_);
  return purged_;
}

void AuditRetention::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    auto purged = purge_expired_audit(store_, retention_days_, clock_.now_ms());
    if (!purged) {
      spdlog::warn("audit.retention_days: cannot purge old audit entries: {}",
                   purged.error().message);
    } else if (*purged > 0) {
      spdlog::info("audit: deleted {} entries older than {} days", *purged, retention_days_);
    }
    lock.lock();
    ++passes_;
    if (purged)
      purged_ += *purged;
    wake_.notify_all();
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

}  // namespace peerapi::server
