#include "server/config_reload.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "config/config_diff.hpp"
#include "server/app.hpp"
#include "server/http_server.hpp"

namespace peerapi::server {

namespace {

std::optional<std::string> read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// `key` is `prefix` or below it ("server.tls" covers "server.tls.cert_file").
bool covers(const std::string& prefix, const std::string& key) {
  return key == prefix ||
         (key.size() > prefix.size() && key.starts_with(prefix) && key[prefix.size()] == '.');
}

void log_error(const Error& error) {
  spdlog::error("configuration reload: {}{}", error.field.empty() ? "" : error.field + ": ",
                error.message);
}

}  // namespace

ConfigReloader::ConfigReloader(std::filesystem::path file) : file_(std::move(file)) {
  if (!file_.empty())
    text_ = read_text(file_).value_or("");
}

void ConfigReloader::add_reload_listener(ReloadListener listener, std::vector<std::string> keys) {
  std::lock_guard lock(mutex_);
  listeners_.push_back(std::move(listener));
  reloadable_.insert(reloadable_.end(), keys.begin(), keys.end());
}

bool ConfigReloader::reload() {
  std::lock_guard lock(mutex_);
  if (file_.empty()) {
    spdlog::warn("received SIGHUP: no configuration file to re-read");
    return false;
  }
  spdlog::info("received SIGHUP: re-reading {}", file_.string());
  const auto refused = [this] {
    spdlog::error("configuration not reloaded: still running on the previous configuration of {}",
                  file_.string());
    return false;
  };
  auto text = read_text(file_);
  if (!text) {
    spdlog::error("configuration reload: cannot read {}", file_.string());
    return refused();
  }
  auto parsed = config::parse_config(*text, file_.string());
  if (!parsed) {
    // describe() puts each key after "file:line: ".
    std::istringstream lines(config::describe(parsed.error()));
    for (std::string line; std::getline(lines, line);)
      spdlog::error("configuration reload: {}", line);
    return refused();
  }
  const config::Config& next = *parsed;

  // Turning TLS on or off changes what every listener speaks: that needs a restart.
  const bool tls_now = server_ != nullptr && server_->scheme() == "https";
  const bool tls_toggled = server_ != nullptr && next.server.tls.has_value() != tls_now;
  std::vector<std::string> restart;
  for (const auto& key : config::changed_keys(text_, *text)) {
    bool reloadable = !(tls_toggled && covers("server.tls", key));
    bool listed = false;
    for (const auto& prefix : reloadable_)
      listed = listed || covers(prefix, key);
    if (!reloadable || !listed)
      restart.push_back(key);
  }

  if (server_ != nullptr && next.server.tls && !tls_toggled) {
    if (auto applied = server_->reload_tls(*next.server.tls); !applied) {
      log_error(applied.error());
      return refused();
    }
    spdlog::info("TLS: certificate {} (SHA-256 {}) for new connections",
                 next.server.tls->cert_file.string(), server_->certificate_sha256());
  }
  configure_logging(next.log);
  for (const auto& listener : listeners_) {
    if (auto applied = listener(next); !applied) {
      log_error(applied.error());
      spdlog::error("configuration reload stopped: the parts before this one were applied");
      return false;
    }
  }
  if (!restart.empty()) {
    std::string keys;
    for (const auto& key : restart)
      keys += (keys.empty() ? "" : ", ") + key;
    spdlog::warn("configuration reload: changed keys that need a restart (not applied): {}", keys);
  }
  text_ = std::move(*text);
  spdlog::info("configuration reloaded from {}", file_.string());
  return true;
}

}  // namespace peerapi::server
