#include "server/app.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <csignal>

#include <thread>

#include "auth/authenticator.hpp"
#include "server/admission.hpp"
#include "server/api_service.hpp"
#include "server/audit_retention.hpp"
#include "server/auth_setup.hpp"
#include "server/config_reload.hpp"
#include "server/http_server.hpp"
#include "server/irr_routing_facts.hpp"
#include "server/metrics.hpp"
#include "server/peeringdb_refresh.hpp"
#include "server/router_setup.hpp"
#include "server/rpki_facts.hpp"
#include "server/session_proposer.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "util/crypto.hpp"

namespace peerapi::server {

namespace {

/// "%*" in a pattern: the log message escaped as a JSON string body (RFC 8259 section 7).
class JsonEscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    for (char c : msg.payload) {
      switch (c) {
        case '"':
          dest.append(std::string_view("\\\""));
          break;
        case '\\':
          dest.append(std::string_view("\\\\"));
          break;
        case '\n':
          dest.append(std::string_view("\\n"));
          break;
        case '\r':
          dest.append(std::string_view("\\r"));
          break;
        case '\t':
          dest.append(std::string_view("\\t"));
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned char>(c));
            dest.append(std::string_view(buffer));
          } else {
            dest.push_back(c);
          }
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEscapedMessage>();
  }
};

}  // namespace

void configure_logging(const config::LogSection& log) {
  // Called again on SIGHUP: the same logger, only its level and format change.
  auto logger = spdlog::get("peerapi");
  if (!logger) {
    logger = spdlog::stderr_logger_mt("peerapi");
    spdlog::set_default_logger(logger);
  }
  logger->set_level(spdlog::level::from_str(log.level));
  if (log.format == "json") {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<JsonEscapedMessage>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","message":"%*"})");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");
  }
}

int serve(const config::Config& config) {
  return serve(config, {});
}

int serve(const config::Config& config, const std::filesystem::path& config_file) {
  // SIGHUP re-reads config_file once the server runs (HttpServer::run); until then it must not
  // end the process, which is SIGHUP's default.
  std::signal(SIGHUP, SIG_IGN);
  ConfigReloader reloader(config_file);
  util::SystemClock clock;
  util::SecureRandom random;
  // [limits]: allowed senders, rate limits, pending cap; a reload calls reconfigure().
  Admission admission(config.limits, clock);

  auto loaded = sources::peeringdb::load_snapshot_dir(config.peeringdb.snapshot_dir);
  if (!loaded) {
    spdlog::error("cannot load PeeringDB snapshot from {}: {}",
                  config.peeringdb.snapshot_dir.string(), loaded.error().message);
    return 1;
  }
  auto& [snapshot, report] = *loaded;
  spdlog::info(
      "PeeringDB snapshot {}: {} networks, {} exchanges, {} objects loaded, {} bad rows "
      "skipped",
      config.peeringdb.snapshot_dir.string(), snapshot->network_count(), snapshot->exchange_count(),
      report.total_loaded(), report.problems.size());
  for (std::size_t i = 0; i < report.problems.size() && i < 20; ++i) {
    spdlog::warn("PeeringDB: {}", report.problems[i]);
  }
  for (const auto& asn : config.network.asns) {
    if (snapshot->network_by_asn(asn) == nullptr) {
      spdlog::warn(
          "{} (network.asns) has no network in the PeeringDB snapshot: every session "
          "request will be rejected as location_not_common",
          asn.to_string());
    }
  }
  SnapshotHolder peeringdb(snapshot);

  // [store]: the embedded SQLite file, or a PostgreSQL database shared by several replicas
  // (named without its password).
  const bool on_postgres = !config.store.postgres.empty();
  const std::string store_name = on_postgres ? store::PostgresStore::redacted(config.store.postgres)
                                             : config.store.sqlite.string();
  auto store = [&]() -> Result<std::unique_ptr<store::Store>> {
    if (on_postgres)
      return store::PostgresStore::open(config.store.postgres, random);
    store::SqliteOptions store_options;
    store_options.synchronous = config.store.synchronous;
    return store::SqliteStore::open(config.store.sqlite, random, store_options);
  }();
  if (!store) {
    spdlog::error("cannot open the store {}: {}", store_name, store.error().message);
    return 1;
  }
  auto key = (*store)->named_secret("pagination-token-key", 32);
  if (!key) {
    spdlog::error("store: {}", key.error().message);
    return 1;
  }
  const config::AuthSection& auth_config = config.auth;
  if (!auth_config.static_tokens.empty()) {
    spdlog::warn("{} static token(s) configured: static tokens are for development and tests only",
                 auth_config.static_tokens.size());
  }
  if (auth_config.static_tokens.empty() && auth_config.issuers.empty() &&
      !auth_config.peeringdb_oauth && auth_config.attested_idps.empty()) {
    spdlog::warn(
        "no static tokens, issuers or PeeringDB OAuth configured: every API call will be "
        "refused with 401");
  }
  auto http_client = make_http_client(config.outbound);
  StoreReplayCache replay(**store);
  auto chain = build_auth_chain(config, **store, *http_client, replay, clock);
  if (!chain) {
    spdlog::error("{}: {}", chain.error().field, chain.error().message);
    return 1;
  }
  // POST /oauth/client_register, with the registrations stored by earlier runs loaded back.
  std::unique_ptr<RegistrationSetup> registration;
  if (chain->access_tokens != nullptr) {
    auto built = build_registration(config, **store, *http_client, *chain->access_tokens, clock);
    if (!built) {
      spdlog::error("cannot load IdP registrations: {}", built.error().message);
      return 1;
    }
    registration = std::move(*built);
  }
  spdlog::info("authentication: {} issuer(s){}{}{}", auth_config.issuers.size(),
               auth_config.peeringdb_oauth ? ", PeeringDB OAuth" : "",
               auth_config.require_dpop ? ", DPoP required" : "",
               auth_config.require_signatures ? ", HTTP message signatures required" : "");

  const int threads = config.server.threads > 0
                          ? config.server.threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  config::ServerSection server_config = config.server;
  server_config.threads = threads;
  // The handler is bound before the API exists: the public origin may depend on the port the
  // kernel picked (listen port 0).
  std::unique_ptr<ApiService> api;
  ServerMetrics metrics(clock, PEERAPI_VERSION, store_session_counter(**store));
  // Every refusal by [limits] is counted (peerapi_rate_limited_total{scope}), and a SIGHUP
  // reload swaps the limits in place: the buckets' fill levels are kept.
  admission.set_refusal_hook(
      [&metrics](std::string_view scope) { metrics.count_rate_limited(scope); });
  reloader.add_reload_listener(
      [&admission](const config::Config& next) -> Result<void> {
        admission.reconfigure(next.limits);
        return {};
      },
      {"limits"});
  HttpServer http(server_config,
                  instrument([&api](const HttpRequest& request) { return api->handle(request); },
                             metrics, config.server.base_path, make_access_log(config.log)));
  auto bound = http.bind();
  if (!bound) {
    spdlog::error("{}{}", bound.error().field.empty() ? "" : bound.error().field + ": ",
                  bound.error().message);
    return 1;
  }
  reloader.set_server(http);
  http.set_reload_handler([&reloader] { reloader.reload(); });
  if (config.server.tls) {
    spdlog::info(
        "TLS: certificate {} (SHA-256 {}), TLS {} and later{}",
        config.server.tls->cert_file.string(), http.certificate_sha256(),
        config.server.tls->min_version,
        config.server.tls->client_ca_file.empty() && config.server.tls->client_cert_sha256.empty()
            ? ""
            : ", client certificates required");
  }
  const std::string origin = config.server.public_url.empty()
                                 ? http.scheme() + "://" + bound->front()
                                 : config.server.public_url;
  // IRR and RPKI facts for the operator policy ([sources.irr], [sources.rpki]); while no VRPs
  // are held, sessions under RPKI rules are held for review (rpki_unavailable).
  std::unique_ptr<PeeringDbRefresher> peeringdb_sync;
  if (!config.peeringdb.sync_url.empty()) {
    auto started = PeeringDbRefresher::start(config, peeringdb);
    if (!started) {
      spdlog::error("[peeringdb] sync: {}", started.error().message);
      return 1;
    }
    peeringdb_sync = std::move(*started);
  }
  std::unique_ptr<RpkiFacts> rpki;
  if (config.sources.rpki.configured()) {
    auto created = RpkiFacts::create(config.sources.rpki, clock, outbound_policy(config.outbound));
    if (!created) {
      spdlog::error("[sources.rpki]: {}", created.error().message);
      return 1;
    }
    rpki = std::move(*created);
  }
  std::unique_ptr<IrrRoutingFacts> routing;
  if (config.sources.irr.configured()) {
    auto created =
        IrrRoutingFacts::create(config.sources.irr, rpki ? rpki->validator() : RouteValidator{},
                                outbound_policy(config.outbound));
    if (!created) {
      spdlog::error("[sources.irr]: {}", created.error().message);
      return 1;
    }
    routing = std::move(*created);
    routing->start_refresh();
  }
  api = std::make_unique<ApiService>(
      ApiDependencies{.config = config,
                      .store = **store,
                      .peeringdb = peeringdb,
                      .authenticator = *chain->authenticator,
                      .clock = clock,
                      .random = random,
                      .pagination_key = *key,
                      .public_origin = origin,
                      .registration = registration ? registration->deps.get() : nullptr,
                      .routing = routing.get(),
                      .admission = &admission});
  AuditRetention audit_retention(**store, clock, config.audit.retention_days);
  audit_retention.start();
  attach_metrics(
      *api, metrics,
      source_probes(config, peeringdb_sync.get(), rpki.get(), routing.get(), clock.now_ms()));
  // [router]: the reconcile loop that puts approved sessions on the router (issue 6).
  std::unique_ptr<RouterLifecycle> lifecycle;
  if (config.router.enabled) {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    const std::string holder =
        std::string(host) + ":" + std::to_string(::getpid()) + ":" + util::hex_encode([&random] {
          const auto bytes = random.bytes16();
          return std::string(bytes.begin(), bytes.end());
        }());
    auto created =
        RouterLifecycle::create(config, **store, peeringdb, routing.get(), clock, holder);
    if (!created) {
      spdlog::error("[router]: {}{}",
                    created.error().field.empty() ? "" : created.error().field + ": ",
                    created.error().message);
      return 1;
    }
    lifecycle = std::move(*created);
    api->set_change_listener([&lifecycle] { lifecycle->poke(); });
    lifecycle->start();
    spdlog::info("router {}: {} in {}, polled every {} ms, TimeWindow {} s", config.router.name,
                 render::to_string(config.router.daemon), config.router.config_dir.string(),
                 config.router.poll_interval_ms, config.router.time_window_seconds);
  }
  // Draft section 7: more sessions asked of requesters that gave a return_url.
  std::unique_ptr<ProposerParts> proposer;
  if (config.approval.propose_additional) {
    auto built = ProposerParts::create(config, peeringdb, **store, clock, random, [&lifecycle] {
      if (lifecycle)
        lifecycle->poke();
    });
    if (!built) {
      spdlog::error("approval.propose_additional: {}{}",
                    built.error().field.empty() ? "" : built.error().field + ": ",
                    built.error().message);
      return 1;
    }
    proposer = std::move(*built);
    api->set_return_url_listener(
        [&proposer](ReturnUrlRequest request) { proposer->proposer->submit(std::move(request)); });
  }
  for (const auto& address : *bound) {
    spdlog::info("listening on {}://{}{} ({} threads, approval {})", http.scheme(), address,
                 config.server.base_path, threads,
                 config.approval.mode == config::ApprovalMode::manual ? "manual" : "auto");
  }
  http.run(threads, /*handle_signals=*/true);
  if (proposer)
    proposer->proposer->stop();
  if (lifecycle)
    lifecycle->stop();
  audit_retention.stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace peerapi::server
