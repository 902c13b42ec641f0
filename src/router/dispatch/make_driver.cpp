#include "router/dispatch/make_driver.hpp"

#include "router/bird/bird_driver.hpp"

namespace peerapi::router {

namespace {

std::string or_default(const std::string& value, std::string fallback) {
  return value.empty() ? std::move(fallback) : value;
}

std::unique_ptr<Driver> make_bird(const config::RouterSection& section, CommandRunner& runner) {
  return std::make_unique<bird::BirdDriver>(
      bird::BirdDriverOptions{.config_dir = section.config_dir,
                              .birdc = or_default(section.control_program, "birdc"),
                              .control_socket = section.control_socket,
                              .timeout = std::chrono::milliseconds(section.command_timeout_ms)},
      runner);
}

}  // namespace

Result<std::unique_ptr<Driver>> make_driver(const config::RouterSection& section,
                                            CommandRunner& runner) {
  switch (section.daemon) {
    case render::Daemon::bird:
      return make_bird(section, runner);
    case render::Daemon::frr:
    case render::Daemon::openbgpd:
      break;
  }
  return fail(ErrorCode::invalid_value, "router.daemon",
              std::string(render::to_string(section.daemon)) +
                  " has no router driver in this build; use \"bird\"");
}

}  // namespace peerapi::router
