// SIGHUP: re-read the configuration file and apply what can change without a restart
// (docs/operations.md "Signals: reload and drain").
#pragma once

#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "model/error.hpp"

namespace peerapi::server {

class HttpServer;

/// A part that re-configures itself from a new configuration. It checks everything before it
/// changes anything: an error leaves its part as it was. Called on an I/O thread.
using ReloadListener = std::function<Result<void>(const config::Config&)>;

class ConfigReloader {
 public:
  /// `file` is the configuration `peerapi serve` runs on (its text is read now, to tell later
  /// which keys changed); empty: reload() only logs that there is nothing to re-read.
  explicit ConfigReloader(std::filesystem::path file);

  /// The server whose TLS certificate, key, client CAs and allowlist a reload replaces.
  void set_server(HttpServer& server) { server_ = &server; }

  /// Registers `listener`; `keys` are the configuration keys it applies ("limits",
  /// "server.rate"...; a key covers the keys under it), so that changing them is not reported
  /// as needing a restart. Listeners run in registration order, after TLS and [log].
  void add_reload_listener(ReloadListener listener, std::vector<std::string> keys = {});

  /// Re-reads and parses the whole file. On any error (unreadable file, bad TOML, a bad key,
  /// TLS files that do not load) every problem is logged with its key and nothing is applied.
  /// Otherwise applies, in order: TLS (files re-read even when their paths did not change),
  /// [log] level and format, the listeners; names in one warning the changed keys that need a
  /// restart; logs "configuration reloaded from FILE". Returns whether it was applied. A
  /// listener's error is logged and stops the reload there (later listeners are not called).
  bool reload();

 private:
  std::filesystem::path file_;
  std::string text_;  // the text of the configuration in force
  HttpServer* server_ = nullptr;
  std::vector<ReloadListener> listeners_;
  std::vector<std::string> reloadable_{"server.tls", "log.level", "log.format"};
  std::mutex mutex_;  // one reload at a time
};

}  // namespace peerapi::server
