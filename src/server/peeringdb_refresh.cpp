#include "server/peeringdb_refresh.hpp"

#include <spdlog/spdlog.h>

#include "server/auth_setup.hpp"
#include "sources/peeringdb/snapshot.hpp"
#include "sources/peeringdb/sync.hpp"

namespace peerapi::server {

namespace {

/// A full PeeringDB document can take minutes over a slow link; the outbound default (15 s) is
/// for small JWKS and discovery documents.
constexpr std::int64_t kSyncTimeoutMs = 300'000;

}  // namespace

PeeringDbRefresher::PeeringDbRefresher(const config::Config& config, SnapshotHolder& holder)
    : config_(config), holder_(holder) {}

Result<std::unique_ptr<PeeringDbRefresher>> PeeringDbRefresher::start(const config::Config& config,
                                                                      SnapshotHolder& holder) {
  std::unique_ptr<PeeringDbRefresher> refresher(new PeeringDbRefresher(config, holder));
  if (!config.peeringdb.api_key_file.empty()) {
    auto key = sources::peeringdb::read_api_key_file(config.peeringdb.api_key_file,
                                                     "peeringdb.api_key_file");
    if (!key)
      return std::unexpected(key.error());
    refresher->api_key_ = std::move(*key);
  }
  net::HttpClientOptions client = outbound_client_options(config.outbound);
  client.timeout_ms = kSyncTimeoutMs;
  client.max_response_bytes = sources::peeringdb::kMaxDocumentBytes;
  refresher->http_ = std::make_unique<net::CurlHttpClient>(std::move(client));
  refresher->state_.succeeded(util::SystemClock().now_ms());
  refresher->thread_ = std::thread([raw = refresher.get()] {
    std::unique_lock lock(raw->stop_mutex_);
    const auto interval = std::chrono::seconds(raw->config_.peeringdb.sync_interval_seconds);
    while (!raw->stop_signal_.wait_for(lock, interval, [raw] { return raw->stopping_; })) {
      lock.unlock();
      raw->run_once();
      lock.lock();
    }
  });
  return refresher;
}

PeeringDbRefresher::~PeeringDbRefresher() {
  {
    const std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_signal_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

void PeeringDbRefresher::run_once() {
  sources::peeringdb::SyncOptions options;
  options.base_url = config_.peeringdb.sync_url;
  options.api_key = api_key_;
  options.snapshot_dir = config_.peeringdb.snapshot_dir;
  const util::SystemClock clock;
  sources::peeringdb::PeeringDbSync sync(*http_, clock, std::move(options));
  auto report = sync.run(/*force_full=*/false);
  if (!report) {
    spdlog::warn("PeeringDB sync from {} failed, serving the previous snapshot: {}: {}",
                 config_.peeringdb.sync_url, report.error().field, report.error().message);
    state_.failed();
    return;
  }
  auto loaded = sources::peeringdb::load_snapshot_dir(config_.peeringdb.snapshot_dir);
  if (!loaded) {
    spdlog::warn("PeeringDB snapshot reload failed, serving the previous one: {}",
                 loaded.error().message);
    state_.failed();
    return;
  }
  spdlog::info("PeeringDB synced from {}: {} networks, {} exchanges", config_.peeringdb.sync_url,
               loaded->first->network_count(), loaded->first->exchange_count());
  holder_.replace(loaded->first);
  state_.succeeded(clock.now_ms());
}

}  // namespace peerapi::server
