// Wires the configured parts together for `peerapi serve` (DESIGN.md "The parts").
#pragma once

#include <string>

#include "config/config.hpp"

namespace peerapi::server {

/// Configures spdlog from [log]: level and text or JSON-lines format, on stderr.
void configure_logging(const config::LogSection& log);

/// Loads the data, opens the store, binds the listeners and serves until SIGINT/SIGTERM.
/// Returns the process exit code (0 on a clean stop); every failure is logged with its cause.
int serve(const config::Config& config);

}  // namespace peerapi::server
