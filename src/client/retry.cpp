#include "client/retry.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

namespace peerapi::client {

void ThreadSleeper::sleep_ms(std::int64_t ms) {
  if (ms > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

std::int64_t backoff_delay_ms(const RetryPolicy& policy, int retry,
                              std::optional<std::int64_t> retry_after_ms,
                              util::RandomSource& random) {
  if (retry_after_ms)
    return std::max<std::int64_t>(*retry_after_ms, 0);
  std::int64_t cap = std::max<std::int64_t>(policy.base_delay_ms, 0);
  for (int i = 0; i < retry && cap < policy.max_delay_ms; ++i)
    cap *= 2;
  cap = std::min(cap, policy.max_delay_ms);
  if (cap <= 0)
    return 0;
  std::uint64_t draw = 0;
  random.fill(reinterpret_cast<std::uint8_t*>(&draw), sizeof draw);
  return static_cast<std::int64_t>(draw % (static_cast<std::uint64_t>(cap) + 1));
}

std::optional<std::int64_t> RetrySchedule::next_delay(std::optional<std::int64_t> retry_after_ms) {
  if (retries_ >= policy_.max_retries)
    return std::nullopt;
  const std::int64_t left = start_ms_ + policy_.max_total_ms - clock_.now_ms();
  if (left <= 0)
    return std::nullopt;
  std::int64_t delay = backoff_delay_ms(policy_, retries_, retry_after_ms, random_);
  if (delay > left) {
    if (retry_after_ms)
      return std::nullopt;  // the server asks for more time than this call has left
    delay = left;
  }
  ++retries_;
  return delay;
}

}  // namespace peerapi::client
