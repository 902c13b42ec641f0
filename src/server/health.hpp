// Liveness and readiness (GET /healthz, GET /readyz; docs/operations.md "Metrics, logs and
// health checks"). Ready means the store answers and the PeeringDB snapshot is loaded. The
// background sources (PeeringDB sync, RPKI, IRR) never make the server unready: when one is
// failing or stale the server still answers every request (sessions under RPKI or IRR rules are
// held for review), so /readyz reports it as "degraded" with its age and stays 200.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "model/error.hpp"
#include "server/http_types.hpp"
#include "server/source_state.hpp"
#include "sources/peeringdb/snapshot.hpp"

namespace peerapi::server {

/// A configured background source as /metrics and /readyz see it.
struct SourceProbe {
  std::string name;  // "peeringdb", "rpki", "irr": the `source` label and the /readyz check
  /// Older than this since the last success is stale (degraded); 0: never stale by age.
  std::int64_t stale_after_ms = 0;
  std::function<SourceState()> state;  // thread-safe and cheap: read at every scrape
};

/// One probe's verdict at `now_ms`.
struct SourceCheck {
  bool degraded = false;
  /// Seconds since the last success; nullopt when it never succeeded.
  std::optional<std::int64_t> age_seconds;
  std::string message;  // a fixed text when degraded, "" otherwise
};
SourceCheck check_source(const SourceState& state, std::int64_t stale_after_ms,
                         std::int64_t now_ms);

/// Builds the /readyz answer. Thread-safe once the sources are set.
class Readiness {
 public:
  /// Set before serving.
  void set_sources(std::vector<SourceProbe> sources) { sources_ = std::move(sources); }
  [[nodiscard]] const std::vector<SourceProbe>& sources() const { return sources_; }

  /// 200 {"status":"ready","checks":{...}} when `store_ping` succeeded and `snapshot` is
  /// loaded; otherwise 503 {"status":"not_ready","checks":{...},"errors":[...]} with
  /// Retry-After. Messages are fixed texts: the store's own error (which may name a
  /// PostgreSQL URI) is logged, once per change from ready to not ready, never answered.
  HttpResponse answer(const Result<void>& store_ping, const sources::peeringdb::Snapshot* snapshot,
                      std::int64_t now_ms);

 private:
  std::vector<SourceProbe> sources_;
  std::atomic<bool> store_failing_{false};
};

}  // namespace peerapi::server
