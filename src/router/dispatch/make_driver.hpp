// The driver of the configured daemon ([router] daemon), built from a table like the renderers.
#pragma once

#include <memory>

#include "config/config.hpp"
#include "model/error.hpp"
#include "router/command_runner.hpp"
#include "router/driver.hpp"

namespace peerapi::router {

/// The driver for `section.daemon` with the section's paths and timeout; `runner` must outlive
/// it. invalid_value at "router.daemon" for a daemon without a driver in this build.
Result<std::unique_ptr<Driver>> make_driver(const config::RouterSection& section,
                                            CommandRunner& runner);

}  // namespace peerapi::router
