// When and how long a client waits before trying a call again: exponential backoff with full
// jitter, Retry-After honoured (RFC 9110 section 10.2.3; RFC 6585 section 4 for 429), bounded
// in count and in total time. Time, randomness and sleeping are injected, so tests run the
// whole schedule without waiting.
#pragma once

#include <cstdint>
#include <optional>

#include "util/clock.hpp"

namespace peerapi::client {

struct RetryPolicy {
  int max_retries = 3;                 // attempts after the first; 0 disables retrying
  std::int64_t base_delay_ms = 250;    // the backoff cap of the first retry
  std::int64_t max_delay_ms = 10'000;  // no single backoff cap grows beyond this
  /// No retry starts later than this after the call's first attempt. A Retry-After that would
  /// pass that point ends the retries at once (the caller sees the 429/503 and its Retry-After);
  /// a backoff delay is shortened to it.
  std::int64_t max_total_ms = 30'000;
};

/// Blocks the calling thread; injected so tests advance a ManualClock instead.
class Sleeper {
 public:
  virtual ~Sleeper() = default;
  virtual void sleep_ms(std::int64_t ms) = 0;
};

/// std::this_thread::sleep_for.
class ThreadSleeper final : public Sleeper {
 public:
  void sleep_ms(std::int64_t ms) override;
};

/// The wait before retry number `retry` (0 for the first retry): full jitter, uniform in
/// [0, min(max_delay_ms, base_delay_ms * 2^retry)]; or exactly `retry_after_ms` when the server
/// sent one.
std::int64_t backoff_delay_ms(const RetryPolicy& policy, int retry,
                              std::optional<std::int64_t> retry_after_ms,
                              util::RandomSource& random);

/// One call's retry budget, started at construction.
class RetrySchedule {
 public:
  /// `clock` and `random` must outlive the schedule.
  RetrySchedule(const RetryPolicy& policy, const util::Clock& clock, util::RandomSource& random)
      : policy_(policy), clock_(clock), random_(random), start_ms_(clock.now_ms()) {}

  /// The delay before the next attempt, or nullopt when the count or the time budget does not
  /// allow one. Each granted delay counts as one retry.
  std::optional<std::int64_t> next_delay(std::optional<std::int64_t> retry_after_ms);
  [[nodiscard]] int retries() const noexcept { return retries_; }

 private:
  RetryPolicy policy_;
  const util::Clock& clock_;
  util::RandomSource& random_;
  std::int64_t start_ms_;
  int retries_ = 0;
};

}  // namespace peerapi::client
