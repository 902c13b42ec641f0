#include "server/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "server/api_service.hpp"
#include "server/irr_routing_facts.hpp"
#include "server/peeringdb_refresh.hpp"
#include "server/rpki_facts.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace peerapi::server {

namespace {

constexpr std::array<std::string_view, 9> kEndpoints = {"/locations",
                                                        "/sessions",
                                                        "/sessions/{session_id}",
                                                        "/oauth/client_register",
                                                        "/healthz",
                                                        "/readyz",
                                                        "/metrics",
                                                        "/openapi.yaml",
                                                        "other"};
constexpr std::size_t kOtherEndpoint = kEndpoints.size() - 1;

constexpr std::array<std::string_view, 8> kMethods = {"GET",    "HEAD",  "POST",    "PUT",
                                                      "DELETE", "PATCH", "OPTIONS", "other"};
constexpr int kFirstStatus = 100;
constexpr int kStatusCount = 500;  // 100..599 (RFC 9110 section 15)

/// 0.1 ms .. 10 s, roughly 1-2.5-5 per decade.
const prometheus::Histogram::BucketBoundaries kLatencyBuckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05,   0.1,     0.25,   0.5,   1.0,    2.5,   5.0,  10.0};

std::size_t endpoint_index(std::string_view endpoint) {
  for (std::size_t i = 0; i < kEndpoints.size(); ++i) {
    if (kEndpoints[i] == endpoint)
      return i;
  }
  return kOtherEndpoint;
}

std::size_t method_index(std::string_view method) {
  for (std::size_t i = 0; i + 1 < kMethods.size(); ++i) {
    if (kMethods[i] == method)
      return i;
  }
  return kMethods.size() - 1;
}

constexpr std::array<model::SessionStatus, 8> kStatuses = {
    model::SessionStatus::pending,       model::SessionStatus::approved,
    model::SessionStatus::rejected,      model::SessionStatus::configured,
    model::SessionStatus::established,   model::SessionStatus::down,
    model::SessionStatus::unestablished, model::SessionStatus::deleted};

/// Resident set size (the second field of /proc/self/statm, in pages; proc(5)).
std::int64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::int64_t size = 0;
  std::int64_t resident = 0;
  if (!(statm >> size >> resident))
    return 0;
  return resident * static_cast<std::int64_t>(::sysconf(_SC_PAGESIZE));
}

std::int64_t open_fds() {
  std::error_code ec;
  std::int64_t count = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec))
    ++count;
  return count;
}

double cpu_seconds() {
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) != 0)
    return 0;
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

void append_metric(std::string& out, std::string_view name, std::string_view type,
                   std::string_view help, double value) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
  out += name;
  out += ' ';
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  out += buffer;
  out += '\n';
}

}  // namespace

std::string_view endpoint_of(std::string_view target, std::string_view base_path) {
  std::string_view path = target.substr(0, target.find_first_of("?#"));
  if (!path.starts_with(base_path))
    return kEndpoints[kOtherEndpoint];
  path.remove_prefix(base_path.size());
  if (path.starts_with("sessions/")) {
    const std::string_view id = path.substr(9);
    return !id.empty() && id.find('/') == std::string_view::npos ? kEndpoints[2]
                                                                 : kEndpoints[kOtherEndpoint];
  }
  for (std::size_t i = 0; i < kOtherEndpoint; ++i) {
    if (i != 2 && kEndpoints[i].substr(1) == path)
      return kEndpoints[i];
  }
  return kEndpoints[kOtherEndpoint];
}

struct ServerMetrics::Impl {
  using CounterRow = std::array<std::atomic<prometheus::Counter*>, kStatusCount>;

  Impl(const util::Clock& c, std::string_view version, SessionCounter counter,
       std::int64_t cache_ms)
      : clock(c),
        sessions(std::move(counter)),
        session_cache_ms(cache_ms),
        started_ms(c.now_ms()),
        registry(std::make_shared<prometheus::Registry>()),
        requests(prometheus::BuildCounter()
                     .Name("peerapi_http_requests_total")
                     .Help("HTTP requests answered, by route template, method and status")
                     .Register(*registry)),
        durations(prometheus::BuildHistogram()
                      .Name("peerapi_http_request_duration_seconds")
                      .Help("Time from the parsed request to the built answer, by route template")
                      .Register(*registry)),
        decisions(prometheus::BuildCounter()
                      .Name("peerapi_session_decisions_total")
                      .Help("Sessions of POST /sessions requests, by decision and reason code")
                      .Register(*registry)),
        rate_limited(prometheus::BuildCounter()
                         .Name("peerapi_rate_limited_total")
                         .Help("Requests refused by a rate limit, by scope")
                         .Register(*registry)),
        session_gauge(prometheus::BuildGauge()
                          .Name("peerapi_sessions")
                          .Help("Stored sessions by status (read from the store at most every "
                                "few seconds)")
                          .Register(*registry)),
        source_up(prometheus::BuildGauge()
                      .Name("peerapi_source_up")
                      .Help("1 while the source's last load, refresh or query succeeded")
                      .Register(*registry)),
        source_success(prometheus::BuildGauge()
                           .Name("peerapi_source_last_success_timestamp_seconds")
                           .Help("Unix time of the source's last success; 0 for never")
                           .Register(*registry)),
        build_info(prometheus::BuildGauge()
                       .Name("peerapi_build_info")
                       .Help("1, labelled with the peerapi version")
                       .Register(*registry)) {
    build_info.Add({{"version", std::string(version)}}).Set(1);
    for (std::size_t e = 0; e < kEndpoints.size(); ++e)
      histograms[e] = &durations.Add({{"endpoint", std::string(kEndpoints[e])}}, kLatencyBuckets);
    for (auto& row : counters)
      row = std::make_unique<CounterRow>();
  }

  prometheus::Counter& request_counter(std::size_t endpoint, std::size_t method, int status) {
    const int slot = status - kFirstStatus;
    if (slot < 0 || slot >= kStatusCount)
      return requests.Add({{"endpoint", std::string(kEndpoints[endpoint])},
                           {"method", std::string(kMethods[method])},
                           {"status", std::to_string(status)}});
    auto& cell = (*counters[endpoint * kMethods.size() + method])[static_cast<std::size_t>(slot)];
    prometheus::Counter* counter = cell.load(std::memory_order_acquire);
    if (counter == nullptr) {
      // Family::Add returns the existing series for equal labels, so a race adds one series.
      counter = &requests.Add({{"endpoint", std::string(kEndpoints[endpoint])},
                               {"method", std::string(kMethods[method])},
                               {"status", std::to_string(status)}});
      cell.store(counter, std::memory_order_release);
    }
    return *counter;
  }

  void refresh_sessions(std::int64_t now) {
    if (!sessions || (session_read_ms != 0 && now - session_read_ms < session_cache_ms))
      return;
    session_read_ms = now;
    auto counts = sessions();
    if (!counts) {
      spdlog::warn("metrics: cannot count sessions: {}", counts.error().message);
      return;
    }
    for (const auto status : kStatuses) {
      const std::string name(model::to_string(status));
      const auto it = counts->find(name);
      session_gauge.Add({{"status", name}})
          .Set(it == counts->end() ? 0.0 : static_cast<double>(it->second));
    }
  }

  const util::Clock& clock;
  SessionCounter sessions;
  const std::int64_t session_cache_ms;
  const std::int64_t started_ms;
  std::shared_ptr<prometheus::Registry> registry;
  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Histogram>& durations;
  prometheus::Family<prometheus::Counter>& decisions;
  prometheus::Family<prometheus::Counter>& rate_limited;
  prometheus::Family<prometheus::Gauge>& session_gauge;
  prometheus::Family<prometheus::Gauge>& source_up;
  prometheus::Family<prometheus::Gauge>& source_success;
  prometheus::Family<prometheus::Gauge>& build_info;
  std::array<prometheus::Histogram*, kEndpoints.size()> histograms{};
  std::array<std::unique_ptr<CounterRow>, kEndpoints.size() * kMethods.size()> counters;
  std::vector<SourceProbe> sources;

  std::mutex scrape_mutex;           // one scrape at a time
  std::int64_t session_read_ms = 0;  // under scrape_mutex
};

ServerMetrics::ServerMetrics(const util::Clock& clock, std::string_view version,
                             SessionCounter sessions, std::int64_t session_cache_ms)
    : impl_(std::make_unique<Impl>(clock, version, std::move(sessions), session_cache_ms)) {}

ServerMetrics::~ServerMetrics() = default;

void ServerMetrics::set_sources(std::vector<SourceProbe> sources) {
  impl_->sources = std::move(sources);
}

void ServerMetrics::observe(std::string_view endpoint, std::string_view method, int status,
                            double seconds) {
  const std::size_t e = endpoint_index(endpoint);
  impl_->request_counter(e, method_index(method), status).Increment();
  impl_->histograms[e]->Observe(seconds);
}

void ServerMetrics::count_decision(const policy::Decision& decision) {
  const std::string verdict(policy::to_string(decision.verdict));
  if (decision.reasons.empty()) {
    impl_->decisions.Add({{"decision", verdict}, {"reason", "none"}}).Increment();
    return;
  }
  for (const auto& reason : decision.reasons) {
    impl_->decisions
        .Add({{"decision", verdict}, {"reason", std::string(to_string(reason.error.code))}})
        .Increment();
  }
}

void ServerMetrics::count_rate_limited(std::string_view scope) {
  impl_->rate_limited.Add({{"scope", std::string(scope.substr(0, 32))}}).Increment();
}

std::string ServerMetrics::scrape() {
  const std::lock_guard lock(impl_->scrape_mutex);
  const std::int64_t now = impl_->clock.now_ms();
  impl_->refresh_sessions(now);
  for (const SourceProbe& source : impl_->sources) {
    const SourceState state = source.state();
    impl_->source_up.Add({{"source", source.name}}).Set(state.up ? 1 : 0);
    impl_->source_success.Add({{"source", source.name}})
        .Set(static_cast<double>(state.last_success_ms) / 1000.0);
  }
  std::string out = prometheus::TextSerializer().Serialize(impl_->registry->Collect());
  append_metric(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
                static_cast<double>(resident_bytes()));
  append_metric(out, "process_cpu_seconds_total", "counter",
                "Total user and system CPU time spent in seconds.", cpu_seconds());
  append_metric(out, "process_open_fds", "gauge", "Number of open file descriptors.",
                static_cast<double>(open_fds()));
  // SQLite's own heap (page caches, statements): 0 when the store is PostgreSQL. It explains
  // resident memory that grows with the store file up to the caches' bound.
  const store::SqliteHeap sqlite = store::sqlite_heap();
  append_metric(out, "peerapi_sqlite_heap_bytes", "gauge",
                "Heap memory SQLite holds (page caches, prepared statements, schemas).",
                static_cast<double>(sqlite.used_bytes));
  append_metric(out, "peerapi_sqlite_heap_highwater_bytes", "gauge",
                "The most heap memory SQLite has held since the process started.",
                static_cast<double>(sqlite.highwater_bytes));
  append_metric(out, "process_start_time_seconds", "gauge",
                "Start time of the process since unix epoch in seconds.",
                static_cast<double>(impl_->started_ms) / 1000.0);
  return out;
}

SessionCounter store_session_counter(store::Store& store) {
  return [&store]() -> Result<std::map<std::string, std::int64_t>> {
    auto counts = store.count_by_status();
    if (!counts)
      return std::unexpected(counts.error());
    std::map<std::string, std::int64_t> out;
    for (const auto& [status, n] : *counts)
      out.emplace(model::to_string(status), n);
    return out;
  };
}

std::vector<SourceProbe> source_probes(const config::Config& config,
                                       const PeeringDbRefresher* peeringdb_sync,
                                       const RpkiFacts* rpki, const IrrRoutingFacts* irr,
                                       std::int64_t loaded_at_ms) {
  std::vector<SourceProbe> out;
  if (peeringdb_sync != nullptr) {
    out.push_back(
        SourceProbe{.name = "peeringdb",
                    .stale_after_ms = 2000 * std::int64_t{config.peeringdb.sync_interval_seconds},
                    .state = [peeringdb_sync] { return peeringdb_sync->source_state(); }});
  } else {
    out.push_back(SourceProbe{.name = "peeringdb", .stale_after_ms = 0, .state = [loaded_at_ms] {
                                return SourceState{.up = true, .last_success_ms = loaded_at_ms};
                              }});
  }
  if (rpki != nullptr) {
    // RTR data carries its own expiry (RFC 8210 section 6): no data held is "down".
    const std::int64_t stale = config.sources.rpki.rtr.empty()
                                   ? 2000 * std::int64_t{config.sources.rpki.refresh_seconds}
                                   : 0;
    out.push_back(SourceProbe{
        .name = "rpki", .stale_after_ms = stale, .state = [rpki] { return rpki->source_state(); }});
  }
  if (irr != nullptr) {
    const std::int64_t stale = config.sources.irr.irrd.empty()
                                   ? 2000 * std::int64_t{config.sources.irr.refresh_seconds}
                                   : 0;
    out.push_back(SourceProbe{
        .name = "irr", .stale_after_ms = stale, .state = [irr] { return irr->source_state(); }});
  }
  return out;
}

void attach_metrics(ApiService& api, ServerMetrics& metrics, std::vector<SourceProbe> sources) {
  metrics.set_sources(sources);
  api.set_source_probes(std::move(sources));
  api.set_metrics_exporter([&metrics] { return metrics.scrape(); });
  api.set_decision_listener(
      [&metrics](const policy::Decision& decision) { metrics.count_decision(decision); });
}

AccessLog make_access_log(const config::LogSection& log,
                          std::shared_ptr<spdlog::sinks::sink> sink) {
  if (!log.access)
    return {};
  if (sink == nullptr)
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("access", std::move(sink));
  const bool json = log.format == "json";
  // The message of a JSON line is the object's members, already serialized.
  logger->set_formatter(std::make_unique<spdlog::pattern_formatter>(
      json ? R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","log":"access",%v})"
           : "%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ access %v",
      spdlog::pattern_time_type::utc));
  logger->set_level(spdlog::level::from_str(log.level));
  return AccessLog{.logger = std::move(logger), .json = json};
}

namespace {

bool plain_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64)
    return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok)
      return false;
  }
  return true;
}

void write_access_line(const AccessLog& access, const HttpRequest& request,
                       std::string_view endpoint, std::string_view method, int status,
                       std::int64_t micros) {
  const std::string_view request_id = request.header("X-Request-Id");
  const bool has_id = plain_request_id(request_id);
  if (access.json) {
    boost::json::object line{{"source", request.remote_address},
                             {"method", method},
                             {"endpoint", endpoint},
                             {"status", status},
                             {"duration_us", micros}};
    if (has_id)
      line["request_id"] = request_id;
    std::string text = boost::json::serialize(line);
    access.logger->info(std::string_view(text).substr(1, text.size() - 2));
    return;
  }
  access.logger->info("{} {} {} {} {}us{}{}", request.remote_address, method, endpoint, status,
                      micros, has_id ? " request_id=" : "", has_id ? request_id : "");
}

}  // namespace

Handler instrument(Handler inner, ServerMetrics& metrics, std::string base_path, AccessLog access) {
  return [inner = std::move(inner), &metrics, base_path = std::move(base_path),
          access = std::move(access)](const HttpRequest& request) {
    const auto started = std::chrono::steady_clock::now();
    HttpResponse response = inner(request);
    const auto elapsed = std::chrono::steady_clock::now() - started;
    const std::string_view endpoint = endpoint_of(request.target, base_path);
    // The method label and log field come from the fixed set: a client's token is not echoed.
    const std::string_view method = kMethods[method_index(request.method)];
    metrics.observe(endpoint, method, response.status,
                    std::chrono::duration<double>(elapsed).count());
    if (access.logger != nullptr && access.logger->should_log(spdlog::level::info)) {
      write_access_line(access, request, endpoint, method, response.status,
                        std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count());
    }
    return response;
  };
}

}  // namespace peerapi::server
