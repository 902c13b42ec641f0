#include "router/dispatch/make_driver.hpp"

#include "router/bird/bird_driver.hpp"
#include "router/frr/frr_driver.hpp"
#include "router/openbgpd/openbgpd_driver.hpp"

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

std::unique_ptr<Driver> make_frr(const config::RouterSection& section, CommandRunner& runner) {
  return std::make_unique<frr::FrrDriver>(
      frr::FrrDriverOptions{.config_dir = section.config_dir,
                            .vtysh = or_default(section.control_program, "vtysh"),
                            .vty_socket_dir = section.control_socket,
                            .bgpd = or_default(section.check_program, "/usr/lib/frr/bgpd"),
                            .base_config = section.base_config,
                            .timeout = std::chrono::milliseconds(section.command_timeout_ms)},
      runner);
}

std::unique_ptr<Driver> make_openbgpd(const config::RouterSection& section, CommandRunner& runner) {
  return std::make_unique<openbgpd::OpenbgpdDriver>(
      openbgpd::OpenbgpdDriverOptions{
          .config_dir = section.config_dir,
          .bgpctl = or_default(section.control_program, "bgpctl"),
          .control_socket = section.control_socket,
          .bgpd = or_default(section.check_program, "/usr/sbin/bgpd"),
          .timeout = std::chrono::milliseconds(section.command_timeout_ms)},
      runner);
}

}  // namespace

Result<std::unique_ptr<Driver>> make_driver(const config::RouterSection& section,
                                            CommandRunner& runner) {
  using Factory = std::unique_ptr<Driver> (*)(const config::RouterSection&, CommandRunner&);
  constexpr std::pair<render::Daemon, Factory> kDrivers[] = {
      {render::Daemon::bird, make_bird},
      {render::Daemon::frr, make_frr},
      {render::Daemon::openbgpd, make_openbgpd},
  };
  for (const auto& [daemon, factory] : kDrivers) {
    if (daemon == section.daemon)
      return factory(section, runner);
  }
  return fail(ErrorCode::invalid_value, "router.daemon",
              std::string(render::to_string(section.daemon)) + " has no router driver");
}

}  // namespace peerapi::router
