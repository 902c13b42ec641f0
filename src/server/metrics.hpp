// Prometheus metrics (text exposition format 0.0.4, served at <base_path>metrics) and the
// access log (docs/operations.md "Metrics, logs and health checks"). Labels are bounded:
// endpoints are route templates, methods a fixed set, reasons the closed ErrorCode names.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "model/error.hpp"
#include "policy/operator_policy.hpp"
#include "server/health.hpp"
#include "server/http_server.hpp"
#include "store/store.hpp"
#include "util/clock.hpp"

namespace spdlog {
class logger;
namespace sinks {
class sink;
}
}  // namespace spdlog

namespace peerapi::server {

class ApiService;
class PeeringDbRefresher;
class RpkiFacts;
class IrrRoutingFacts;

/// The Content-Type of the text exposition format, version 0.0.4.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

/// The route template `target` (origin-form, query ignored) reaches under `base_path`:
/// "/locations", "/sessions", "/sessions/{session_id}", "/oauth/client_register", "/healthz",
/// "/readyz", "/metrics", "/openapi.yaml", or "other" for every other path.
std::string_view endpoint_of(std::string_view target, std::string_view base_path);

/// Sessions per status name ("pending", ...), as the store counts them.
using SessionCounter = std::function<Result<std::map<std::string, std::int64_t>>()>;
/// Store::count_by_status as a SessionCounter. `store` must outlive the result.
SessionCounter store_session_counter(store::Store& store);

class ServerMetrics {
 public:
  /// `sessions` is called at most once per `session_cache_ms` (by `clock`), from scrape().
  ServerMetrics(const util::Clock& clock, std::string_view version, SessionCounter sessions,
                std::int64_t session_cache_ms = 5000);
  ~ServerMetrics();
  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;

  /// The sources read at each scrape (peerapi_source_up, ..._last_success_timestamp_seconds).
  /// Set before serving.
  void set_sources(std::vector<SourceProbe> sources);

  /// One answered request: peerapi_http_requests_total{endpoint,method,status} and
  /// peerapi_http_request_duration_seconds{endpoint}. `endpoint` should come from endpoint_of;
  /// other values count as "other", as do methods outside GET HEAD POST PUT DELETE PATCH
  /// OPTIONS. Thread-safe, lock-free once the series exists.
  void observe(std::string_view endpoint, std::string_view method, int status, double seconds);
  /// peerapi_session_decisions_total{decision,reason}: once per reason of `decision` (the
  /// reason's ErrorCode name), or once with reason "none" when it has no reasons.
  void count_decision(const policy::Decision& decision);
  /// peerapi_rate_limited_total{scope}: a request refused by a rate limit of `scope`.
  void count_rate_limited(std::string_view scope);

  /// Every metric in the text exposition format (kMetricsContentType). Thread-safe.
  std::string scrape();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The PeeringDB, RPKI and IRR probes for what is configured (nullptr: not running). Without
/// a sync the peeringdb source is the snapshot loaded at `loaded_at_ms`, never stale.
std::vector<SourceProbe> source_probes(const config::Config& config,
                                       const PeeringDbRefresher* peeringdb_sync,
                                       const RpkiFacts* rpki, const IrrRoutingFacts* irr,
                                       std::int64_t loaded_at_ms);

/// Connects `metrics` to `api`: GET <base_path>metrics, the policy decisions of POST /sessions,
/// and the sources for /readyz. Call before serving.
void attach_metrics(ApiService& api, ServerMetrics& metrics, std::vector<SourceProbe> sources);

/// Where instrument() writes one line per request; `logger` nullptr: no access log.
struct AccessLog {
  std::shared_ptr<spdlog::logger> logger;
  bool json = false;  // each line is a JSON object (log.format = "json")
};

/// The access log for `log`: off unless log.access; in log.format, to `sink` (stderr when
/// nullptr), at info.
AccessLog make_access_log(const config::LogSection& log,
                          std::shared_ptr<spdlog::sinks::sink> sink = nullptr);

/// `inner` observed: the latency (steady clock: a duration, not a point in time), endpoint
/// template, method and status of every request go to `metrics`, and one access log line:
/// source address, method, endpoint template, status, duration in µs and the caller's
/// X-Request-Id (when it is 1-64 characters of [A-Za-z0-9._-]). Never the query string, the
/// body, or any credential header. Answers the HTTP layer writes itself (413 before the body,
/// malformed requests, the connection cap) do not pass here.
Handler instrument(Handler inner, ServerMetrics& metrics, std::string base_path,
                   AccessLog access = {});

}  // namespace peerapi::server
