// The state of a background data source (PeeringDB sync, RPKI, IRR) as its owner reports it,
// for /metrics (peerapi_source_up, peerapi_source_last_success_timestamp_seconds) and /readyz.
#pragma once

#include <atomic>
#include <cstdint>

namespace peerapi::server {

struct SourceState {
  /// The last load, refresh or query succeeded (or data is held and has not expired).
  bool up = false;
  /// Unix milliseconds of the last success; 0 when it never succeeded.
  std::int64_t last_success_ms = 0;
};

/// A SourceState written by a refresh thread and read by scrapes, without a lock.
class SourceStateCell {
 public:
  void succeeded(std::int64_t now_ms) noexcept {
    last_success_ms_.store(now_ms, std::memory_order_relaxed);
    up_.store(true, std::memory_order_relaxed);
  }
  void failed() noexcept { up_.store(false, std::memory_order_relaxed); }
  [[nodiscard]] SourceState get() const noexcept {
    return SourceState{.up = up_.load(std::memory_order_relaxed),
                       .last_success_ms = last_success_ms_.load(std::memory_order_relaxed)};
  }

 private:
  std::atomic<bool> up_{false};
  std::atomic<std::int64_t> last_success_ms_{0};
};

}  // namespace peerapi::server
