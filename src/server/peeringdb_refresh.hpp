// The server's live PeeringDB sync ([peeringdb] sync_url): every sync_interval_seconds the
// snapshot directory is brought up to date (sources/peeringdb/sync.hpp: a full load first, then
// `since` deltas, written atomically) and the new snapshot replaces the served one. A failed
// run keeps the served data and is logged; the next interval tries again.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "config/config.hpp"
#include "net/http_client.hpp"
#include "server/api_service.hpp"
#include "server/source_state.hpp"

namespace peerapi::server {

class PeeringDbRefresher {
 public:
  /// Starts the thread; the first run happens after one interval (the directory was loaded at
  /// start). `config` and `holder` must outlive the object. Fails when the API key file cannot
  /// be read.
  static Result<std::unique_ptr<PeeringDbRefresher>> start(const config::Config& config,
                                                           SnapshotHolder& holder);
  ~PeeringDbRefresher();
  PeeringDbRefresher(const PeeringDbRefresher&) = delete;
  PeeringDbRefresher& operator=(const PeeringDbRefresher&) = delete;

  /// Up while the last run succeeded; the last success is the last run that replaced the
  /// snapshot (the start, before the first run). Thread-safe.
  [[nodiscard]] SourceState source_state() const { return state_.get(); }

 private:
  PeeringDbRefresher(const config::Config& config, SnapshotHolder& holder);
  void run_once();

  const config::Config& config_;
  SnapshotHolder& holder_;
  std::optional<std::string> api_key_;
  std::unique_ptr<net::HttpClient> http_;
  std::mutex stop_mutex_;
  std::condition_variable stop_signal_;
  bool stopping_ = false;
  SourceStateCell state_;
  std::thread thread_;
};

}  // namespace peerapi::server
