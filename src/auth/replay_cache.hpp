// One-time values (DPoP proof `jti`, RFC 9449 section 11.1; RFC 9421 signature `nonce`, section
// 7.2.2) are remembered until they expire, so a captured proof or signature cannot be replayed.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/error.hpp"

namespace peerapi::auth {

struct OneTimeValue {
  std::string scope;
  std::string id;
  std::int64_t expires_at_ms = 0;
};

class ReplayCache {
 public:
  virtual ~ReplayCache() = default;
  /// Every value of one request at once: true when none was recorded before (all are recorded
  /// now), false when any is a replay. The default spends them one by one and stops at the
  /// first replay; a shared store overrides it with one transaction.
  virtual Result<bool> first_use_all(std::span<const OneTimeValue> values, std::int64_t now_ms);
  /// Records (scope, id) until `expires_at_ms` and returns true when it was not already
  /// recorded and unexpired at `now_ms`; returns false for a replay. `scope` separates uses
  /// ("dpop", "httpsig") so one value can not be spent in both. Errors only when the backing
  /// storage fails; callers refuse the request then (fail closed).
  virtual Result<bool> first_use(std::string_view scope, std::string_view id,
                                 std::int64_t expires_at_ms, std::int64_t now_ms) = 0;
};

/// Collects what verifiers spend during one request (they call first_use as usual and are told
/// "fresh"), so the caller can spend everything with one first_use_all once every check has
/// passed. A value given twice within the request is a replay at once.
class DeferredReplayCache final : public ReplayCache {
 public:
  Result<bool> first_use(std::string_view scope, std::string_view id, std::int64_t expires_at_ms,
                         std::int64_t now_ms) override;
  [[nodiscard]] const std::vector<OneTimeValue>& values() const noexcept { return values_; }

 private:
  std::vector<OneTimeValue> values_;
};

/// A process-local cache for tests and single-process use; the server uses the store's, which
/// every replica shares. Holds at most `capacity` live entries: when full, a new value is
/// refused (false) rather than an old one forgotten, so a flood can not evict a value to
/// replay it; expired entries are dropped first.
class MemoryReplayCache final : public ReplayCache {
 public:
  explicit MemoryReplayCache(std::size_t capacity = 1'000'000) : capacity_(capacity) {}
  Result<bool> first_use(std::string_view scope, std::string_view id, std::int64_t expires_at_ms,
                         std::int64_t now_ms) override;

 private:
  void drop_expired(std::int64_t now_ms);

  std::mutex mutex_;
  std::size_t capacity_;
  std::unordered_map<std::string, std::int64_t> expiry_by_key_;  // scope + '\0' + id
  std::multimap<std::int64_t, std::string> keys_by_expiry_;
};

}  // namespace peerapi::auth
