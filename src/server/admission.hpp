// Admission control ([limits], docs/security.md "Rate limits, caps and allowed senders"): who
// may call which endpoint group, and token buckets per source address and per ASN. Pure (no
// I/O); time comes from the injected clock. Thread-safe: every I/O thread calls it.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "model/asn.hpp"
#include "model/ip.hpp"
#include "util/clock.hpp"

namespace peerapi::server {

/// The endpoint groups of limits.allowed_senders.
enum class EndpointGroup : std::uint8_t {
  api,           // locations and sessions (and unknown paths)
  registration,  // oauth/client_register
  health,        // healthz, readyz, openapi.yaml: exempt from the rate limits
  metrics,       // <base_path>metrics
};

std::string_view to_string(EndpointGroup group) noexcept;

/// Why a request is refused before it is served.
struct Refusal {
  enum class Scope : std::uint8_t { address, asn, sender, pending };
  Scope scope;
  /// Seconds until a token is available (rate limits; RFC 9110 section 10.2.3 Retry-After):
  /// the ceiling of the wait, at least 1. 0 for other scopes.
  std::int64_t retry_after_seconds = 0;
  /// For the caller: names the limit or the configuration key
  /// ("rate limit for AS64501: 20 requests/s, burst 100").
  std::string message;
};

std::string_view to_string(Refusal::Scope scope) noexcept;

class Admission {
 public:
  /// Called on every refusal with its scope ("address", "asn", "sender", "pending"), on the
  /// refusing thread; must be thread-safe and not call back into Admission.
  using RefusalHook = std::function<void(std::string_view scope)>;

  Admission(const config::LimitsSection& limits, const util::Clock& clock);
  Admission(const Admission&) = delete;
  Admission& operator=(const Admission&) = delete;

  /// Swaps the limits while requests are served (SIGHUP reload). Buckets keep their tokens,
  /// clamped to the new burst; a table above the new max_tracked_keys shrinks as keys arrive.
  void reconfigure(const config::LimitsSection& limits);
  /// Set before serving.
  void set_refusal_hook(RefusalHook hook) { hook_ = std::move(hook); }

  /// The address a request counts against: `peer` (IPv4-mapped IPv6 as IPv4), or, when `peer`
  /// is in limits.trusted_proxies, the rightmost X-Forwarded-For hop that is not a trusted
  /// proxy (the leftmost hop when all are). `forwarded_for` is every X-Forwarded-For field
  /// line joined with "," (RFC 9110 section 5.3). An unparsable hop ends the walk at the last
  /// address known good. nullopt only when `peer` itself is not an address.
  [[nodiscard]] std::optional<model::IpAddress> source_address(
      std::string_view peer, std::string_view forwarded_for) const;

  /// Allowed senders of `group`: refused (scope sender) when the group's list is not empty
  /// and `source` is unknown or outside it.
  std::optional<Refusal> admit_sender(EndpointGroup group,
                                      const std::optional<model::IpAddress>& source);
  /// Takes one token from the bucket of `source` (IPv4 per address, IPv6 per /64); an unknown
  /// source shares one bucket. Refused (scope address) when it is empty.
  std::optional<Refusal> admit_address(const std::optional<model::IpAddress>& source);
  /// Takes one token from the bucket of each ASN in `asns`; when any of them is empty the
  /// request is refused (scope asn, naming that ASN) and no bucket is charged.
  std::optional<Refusal> admit_asns(std::span<const model::Asn> asns);

  /// limits.max_pending_per_requester; 0 = off.
  [[nodiscard]] std::int64_t max_pending_per_requester() const;
  /// Counts a pending-cap refusal (create_sessions decides it against the store).
  void note_pending_refusal() { refused(Refusal::Scope::pending); }

  /// For tests and metrics: buckets held, and refusals so far per scope.
  [[nodiscard]] std::size_t tracked_addresses() const { return addresses_.size(); }
  [[nodiscard]] std::size_t tracked_asns() const { return asns_.size(); }
  [[nodiscard]] std::uint64_t refusals(Refusal::Scope scope) const {
    return refusals_[static_cast<std::size_t>(scope)].load(std::memory_order_relaxed);
  }

 private:
  struct Settings;

  /// Token buckets keyed by a short byte string, split into shards with a lock each; each
  /// shard keeps its keys in least-recently-used order and evicts the least recently used
  /// one when the table is at its bound (an idle bucket is, or soon will be, full, so
  /// dropping it loses little).
  class BucketTable {
   public:
    struct Take {
      bool allowed;
      double wait_seconds;  // until a token is available, when refused
    };
    /// Refills the bucket of `key` (created full), then takes a token when it holds one, or
    /// always when `overdraw` (the balance may go below zero).
    Take take(const std::string& key, double rate, double burst, std::size_t max_keys,
              std::int64_t now_ms, bool overdraw = false);
    /// The tokens `key` would hold now, without changing anything (burst when unknown).
    [[nodiscard]] double peek(const std::string& key, double rate, double burst,
                              std::int64_t now_ms) const;
    [[nodiscard]] std::size_t size() const;

   private:
    struct Bucket {
      double tokens;
      std::int64_t updated_ms;
      std::list<std::string>::iterator lru;  // position in Shard::order
    };
    struct Shard {
      mutable std::mutex mutex;
      std::unordered_map<std::string, Bucket> buckets;
      std::list<std::string> order;  // most recently used first
    };
    static constexpr std::size_t kShards = 16;
    Shard& shard_of(const std::string& key);
    [[nodiscard]] const Shard& shard_of(const std::string& key) const;
    std::array<Shard, kShards> shards_;
  };

  void refused(Refusal::Scope scope);
  [[nodiscard]] std::shared_ptr<const Settings> settings() const { return settings_.load(); }

  const util::Clock& clock_;
  std::atomic<std::shared_ptr<const Settings>> settings_;
  BucketTable addresses_;
  BucketTable asns_;
  RefusalHook hook_;
  std::array<std::atomic<std::uint64_t>, 4> refusals_{};
};

}  // namespace peerapi::server
