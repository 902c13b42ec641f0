// Wires the configured parts together for `peerapi serve` (DESIGN.md "The parts").
#pragma once

#include <filesystem>
#include <string>

#include "config/config.hpp"

namespace peerapi::server {

/// Configures spdlog from [log]: level and text or JSON-lines format, on stderr.
void configure_logging(const config::LogSection& log);

/// Loads the data, opens the store, binds the listeners and serves until SIGINT/SIGTERM (which
/// drain: docs/operations.md "Signals: reload and drain"). Returns the process exit code (0 on
/// a clean stop); every failure is logged with its cause. SIGHUP re-reads `config_file`
/// (server/config_reload.hpp); without one it only logs that there is nothing to re-read.
int serve(const config::Config& config, const std::filesystem::path& config_file);
int serve(const config::Config& config);

}  // namespace peerapi::server
