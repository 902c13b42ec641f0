#include "auth/replay_cache.hpp"

namespace peerapi::auth {

Result<bool> ReplayCache::first_use_all(std::span<const OneTimeValue> values, std::int64_t now_ms) {
  for (const OneTimeValue& value : values) {
    auto fresh = first_use(value.scope, value.id, value.expires_at_ms, now_ms);
    if (!fresh || !*fresh)
      return fresh;
  }
  return true;
}

Result<bool> DeferredReplayCache::first_use(std::string_view scope, std::string_view id,
                                            std::int64_t expires_at_ms, std::int64_t /*now_ms*/) {
  for (const OneTimeValue& seen : values_) {
    if (seen.scope == scope && seen.id == id)
      return false;
  }
  values_.push_back(OneTimeValue{std::string(scope), std::string(id), expires_at_ms});
  return true;
}

void MemoryReplayCache::drop_expired(std::int64_t now_ms) {
  auto end = keys_by_expiry_.upper_bound(now_ms);
  for (auto it = keys_by_expiry_.begin(); it != end; ++it)
    expiry_by_key_.erase(it->second);
  keys_by_expiry_.erase(keys_by_expiry_.begin(), end);
}

Result<bool> MemoryReplayCache::first_use(std::string_view scope, std::string_view id,
                                          std::int64_t expires_at_ms, std::int64_t now_ms) {
  std::string key;
  key.reserve(scope.size() + 1 + id.size());
  key.append(scope).push_back('\0');
  key.append(id);
  std::lock_guard lock(mutex_);
  drop_expired(now_ms);
  if (expiry_by_key_.contains(key))
    return false;
  if (expiry_by_key_.size() >= capacity_)
    return false;
  if (expires_at_ms <= now_ms)
    return true;  // already expired: nothing to remember, and a checker refuses it anyway
  expiry_by_key_.emplace(key, expires_at_ms);
  keys_by_expiry_.emplace(expires_at_ms, std::move(key));
  return true;
}

}  // namespace peerapi::auth
