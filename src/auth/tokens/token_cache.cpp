#include "auth/tokens/token_cache.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace peerapi::auth {

std::size_t VerifiedTokenCache::DigestHash::operator()(const Digest& digest) const noexcept {
  // The digest is already uniformly distributed: any 8 of its octets make a good hash.
  std::size_t hash = 0;
  std::memcpy(&hash, digest.data(), std::min(sizeof hash, digest.size()));
  return hash;
}

VerifiedTokenCache::VerifiedTokenCache(const CacheOptions& options) {
  if (!options.enabled || options.max_entries == 0)
    return;
  const std::size_t shards = std::clamp<std::size_t>(options.shards, 1, options.max_entries);
  capacity_per_shard_ = options.max_entries / shards;
  shards_.reserve(shards);
  for (std::size_t i = 0; i < shards; ++i)
    shards_.push_back(std::make_unique<Shard>());
}

std::optional<VerifiedTokenCache::Digest> VerifiedTokenCache::digest_from(std::string_view digest) {
  Digest out{};
  if (digest.size() != out.size())
    return std::nullopt;
  std::memcpy(out.data(), digest.data(), out.size());
  return out;
}

VerifiedTokenCache::Shard& VerifiedTokenCache::shard_for(const Digest& digest) {
  // Octets other than the ones DigestHash uses, so a shard's buckets stay evenly filled.
  const std::size_t selector = (std::size_t{digest[31]} << 8) | digest[30];
  return *shards_[selector % shards_.size()];
}

std::shared_ptr<const ValidatedToken> VerifiedTokenCache::find(const Digest& digest,
                                                               std::int64_t now_ms) {
  if (shards_.empty())
    return nullptr;
  Shard& shard = shard_for(digest);
  const std::lock_guard lock(shard.mutex);
  const auto found = shard.index.find(digest);
  if (found == shard.index.end())
    return nullptr;
  const auto entry = found->second;
  if (now_ms >= entry->valid_until_ms) {
    shard.index.erase(found);
    shard.lru.erase(entry);
    return nullptr;
  }
  shard.lru.splice(shard.lru.begin(), shard.lru, entry);
  return entry->token;
}

void VerifiedTokenCache::insert(const Digest& digest, std::shared_ptr<const ValidatedToken> token,
                                std::int64_t valid_until_ms, std::int64_t now_ms) {
  if (shards_.empty() || valid_until_ms <= now_ms || token == nullptr)
    return;
  Shard& shard = shard_for(digest);
  const std::lock_guard lock(shard.mutex);
  if (const auto found = shard.index.find(digest); found != shard.index.end()) {
    found->second->valid_until_ms = valid_until_ms;
    found->second->token = std::move(token);
    shard.lru.splice(shard.lru.begin(), shard.lru, found->second);
    return;
  }
  if (shard.lru.size() >= capacity_per_shard_) {
    shard.index.erase(shard.lru.back().digest);
    shard.lru.pop_back();
  }
  shard.lru.push_front(Entry{digest, valid_until_ms, std::move(token)});
  shard.index.emplace(digest, shard.lru.begin());
}

std::size_t VerifiedTokenCache::size() const {
  std::size_t total = 0;
  for (const auto& shard : shards_) {
    const std::lock_guard lock(shard->mutex);
    total += shard->lru.size();
  }
  return total;
}

}  // namespace peerapi::auth
