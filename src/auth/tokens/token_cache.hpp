// A bounded, sharded cache of access tokens that already passed validation, keyed by the SHA-256
// of the token bytes, so a client sending the same bearer token on every request pays for the
// signature check once per max_ttl_ms instead of once per request.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace peerapi::auth {

struct ValidatedToken;

struct CacheOptions {
  /// false: every validate() verifies the signature and the claims again.
  bool enabled = true;
  /// At most this many tokens are held in total; the least recently used one of a shard goes
  /// first. 0 disables the cache.
  std::size_t max_entries = 100'000;
  /// A cached result is reused until min(exp, cached at + max_ttl_ms). This bounds how long a
  /// token stays accepted after its issuer removed the signing key from its JWKS.
  std::int64_t max_ttl_ms = 5 * 60'000;
  /// Independent LRU lists, each under its own mutex (lowered to max_entries when above it).
  std::size_t shards = 32;
};

/// Thread-safe. Only successful validations are stored; an entry is never returned at or after
/// its valid_until, whatever its position in the LRU order.
class VerifiedTokenCache {
 public:
  using Digest = std::array<unsigned char, 32>;

  explicit VerifiedTokenCache(const CacheOptions& options);

  /// A raw 32-octet SHA-256 digest as a key; nullopt for any other length.
  static std::optional<Digest> digest_from(std::string_view digest);

  /// The cached token when present and now_ms < its valid_until; an expired entry is dropped.
  std::shared_ptr<const ValidatedToken> find(const Digest& digest, std::int64_t now_ms);
  /// Stores `token` until `valid_until_ms`; nothing happens when valid_until_ms <= now_ms. An
  /// existing entry for the digest is replaced.
  void insert(const Digest& digest, std::shared_ptr<const ValidatedToken> token,
              std::int64_t valid_until_ms, std::int64_t now_ms);
  /// Entries held now, expired ones not yet dropped included.
  [[nodiscard]] std::size_t size() const;
  /// False when the cache was made disabled (or with no room): find and insert do nothing.
  [[nodiscard]] bool enabled() const noexcept { return !shards_.empty(); }

 private:
  struct DigestHash {
    std::size_t operator()(const Digest& digest) const noexcept;
  };
  struct Entry {
    Digest digest;
    std::int64_t valid_until_ms;
    std::shared_ptr<const ValidatedToken> token;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::list<Entry> lru;  // most recently used first
    std::unordered_map<Digest, std::list<Entry>::iterator, DigestHash> index;
  };

  Shard& shard_for(const Digest& digest);

  std::size_t capacity_per_shard_ = 0;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace peerapi::auth
