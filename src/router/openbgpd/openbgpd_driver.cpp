#include "router/openbgpd/openbgpd_driver.hpp"

#include "router/openbgpd/bgpctl_state.hpp"

namespace peerapi::router::openbgpd {

namespace {

constexpr std::string_view kTopLevel = "bgpd.conf";

/// bgpctl could not reach bgpd: it says "bgpctl: connect: SOCKET: <errno text>" and exits 1.
bool unreachable(const CommandResult& result) {
  return !result.start_error.empty() || result.timed_out ||
         (!result.ok() && result.output.find("connect:") != std::string::npos);
}

std::string failure_text(const CommandResult& result, std::string_view program) {
  if (!result.start_error.empty())
    return result.start_error;
  if (result.timed_out)
    return std::string(program) + " did not finish in time";
  const std::string message = output_message(result.output);
  return message.empty() ? std::string(program) + " exited with " + std::to_string(result.exit_code)
                         : message;
}

}  // namespace

OpenbgpdDriver::OpenbgpdDriver(OpenbgpdDriverOptions options, CommandRunner& runner)
    : options_(std::move(options)), runner_(runner), directory_(options_.config_dir) {}

CommandResult OpenbgpdDriver::bgpctl(const std::vector<std::string>& arguments) {
  std::vector<std::string> argv{options_.bgpctl};
  if (!options_.control_socket.empty()) {
    argv.emplace_back("-s");
    argv.push_back(options_.control_socket);
  }
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return runner_.run(argv, options_.timeout);
}

Result<void> OpenbgpdDriver::reload() {
  const std::string file = (options_.config_dir / kTopLevel).string();
  const CommandResult check = runner_.run({options_.bgpd, "-n", "-f", file}, options_.timeout);
  if (!check.start_error.empty() || check.timed_out)
    return fail(ErrorCode::unavailable, "router.apply", "bgpd -n: " + failure_text(check, "bgpd"));
  if (!check.ok())
    return fail(ErrorCode::invalid_value, "router.apply",
                "OpenBGPD refused the configuration: " + failure_text(check, "bgpd -n"));
  // bgpctl(8): "reload request sent." then bgpd's answer, "request processed" once the new
  // configuration runs; on errors in the file bgpd keeps the old one and bgpctl still exits 0.
  const CommandResult load = bgpctl({"reload", "peerapi"});
  if (unreachable(load))
    return fail(ErrorCode::unavailable, "router.control_socket",
                "bgpctl reload: " + failure_text(load, "bgpctl"));
  if (!load.ok() || load.output.find("request processed") == std::string::npos)
    return fail(ErrorCode::invalid_value, "router.apply",
                "bgpd did not reload: " + failure_text(load, "bgpctl reload"));
  return {};
}

Result<ApplyOutcome> OpenbgpdDriver::apply(const render::Rendering& rendering) {
  if (top_level_name(rendering) != kTopLevel)
    return fail(ErrorCode::invalid_value, "router.apply",
                "the rendering has no top-level bgpd.conf (not an OpenBGPD rendering)");
  const FileSet wanted = to_file_set(rendering);
  auto previous = directory_.read(kTopLevel);
  if (!previous)
    return std::unexpected(previous.error());
  if (*previous == wanted && loaded_)
    return ApplyOutcome{.changed = false};
  if (auto written = directory_.replace(*previous, wanted); !written)
    return std::unexpected(written.error());
  if (auto reloaded = reload(); !reloaded) {
    // Put the last good files back; bgpd still runs them (bgpd -n loads nothing, and a failed
    // reload keeps the running configuration).
    Error error = reloaded.error();
    if (auto restored = directory_.replace(wanted, *previous); !restored)
      error.message += "; restoring the previous files failed too: " + restored.error().message;
    return std::unexpected(std::move(error));
  }
  loaded_ = true;
  return ApplyOutcome{.changed = *previous != wanted};
}

Result<std::map<std::string, SessionState, std::less<>>> OpenbgpdDriver::read_state(
    std::span<const SessionKey> sessions) {
  std::map<std::string, SessionState, std::less<>> states;
  if (sessions.empty())
    return states;
  // One `show neighbor` for every neighbor: one round trip whatever the session count.
  const CommandResult shown = bgpctl({"show", "neighbor"});
  if (unreachable(shown))
    return fail(ErrorCode::unavailable, "router.control_socket",
                "bgpctl show neighbor: " + failure_text(shown, "bgpctl"));
  if (!shown.ok())
    return fail(ErrorCode::data_invalid, "router.state",
                "bgpctl show neighbor: " + failure_text(shown, "bgpctl"));
  auto neighbors = parse_show_neighbor(shown.output);
  if (!neighbors)
    return std::unexpected(neighbors.error());
  for (const SessionKey& key : sessions) {
    const BgpctlNeighborState* match = nullptr;
    for (const auto& neighbor : *neighbors) {
      const auto address = model::IpAddress::parse(neighbor.address);
      if (address && *address == key.neighbor) {
        match = &neighbor;
        break;
      }
    }
    for (const auto& neighbor : *neighbors) {
      if (match == nullptr && !key.name.empty() && neighbor.description == key.name)
        match = &neighbor;
    }
    if (match != nullptr)
      states.insert_or_assign(key.name, match->session);
  }
  return states;
}

}  // namespace peerapi::router::openbgpd
