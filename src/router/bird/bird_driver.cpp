#include "router/bird/bird_driver.hpp"

#include <ctime>

#include "router/bird/bird_state.hpp"

namespace peerapi::router::bird {

namespace {

/// birdc could not reach BIRD (no socket, refused): its own message, which says so.
bool unreachable(const CommandResult& result) {
  return !result.start_error.empty() || result.timed_out ||
         result.output.find("Unable to connect to server control socket") != std::string::npos;
}

Error unavailable_error(const CommandResult& result, std::string_view what) {
  std::string message = std::string(what) + ": ";
  if (!result.start_error.empty())
    message += result.start_error;
  else if (result.timed_out)
    message += "birdc did not answer in time";
  else
    message += configure_error(result.output);
  return Error{ErrorCode::unavailable, "router.control_socket", message};
}

/// BIRD's answers to `configure` that mean the new configuration is loaded or being loaded:
/// "Reconfigured", "Reconfiguration in progress" (protocols are still shutting down) and
/// "Reconfiguration already in progress, queueing new config" (loaded after the current one).
/// "Reconfiguration ignored, shutting down" and error replies are not.
bool reconfigured(std::string_view output) {
  while (!output.empty()) {
    const auto end = output.find('\n');
    std::string_view line = output.substr(0, end);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
      line.remove_suffix(1);
    if (line == "Reconfigured" || line == "Reconfiguration in progress" ||
        line == "Reconfiguration already in progress, queueing new config")
      return true;
    if (end == std::string_view::npos)
      break;
    output.remove_prefix(end + 1);
  }
  return false;
}

std::int64_t local_second_of_day() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  return local.tm_hour * 3600 + local.tm_min * 60 + local.tm_sec;
}

}  // namespace

BirdDriver::BirdDriver(BirdDriverOptions options, CommandRunner& runner)
    : options_(std::move(options)), runner_(runner), directory_(options_.config_dir) {}

CommandResult BirdDriver::birdc(const std::string& command) {
  std::vector<std::string> argv{options_.birdc};
  if (!options_.control_socket.empty()) {
    argv.emplace_back("-s");
    argv.push_back(options_.control_socket);
  }
  argv.push_back(command);
  return runner_.run(argv, options_.timeout);
}

Result<void> BirdDriver::reconfigure() {
  const CommandResult check = birdc("configure check");
  if (unreachable(check))
    return std::unexpected(unavailable_error(check, "birdc configure check"));
  if (!check.ok() || check.output.find("Configuration OK") == std::string::npos)
    return fail(ErrorCode::invalid_value, "router.apply",
                "BIRD refused the configuration: " + configure_error(check.output));
  const CommandResult load = birdc("configure");
  if (unreachable(load))
    return std::unexpected(unavailable_error(load, "birdc configure"));
  if (load.output.find("Reconfiguration ignored, shutting down") != std::string::npos)
    return std::unexpected(unavailable_error(load, "birdc configure"));
  if (!load.ok() || !reconfigured(load.output))
    return fail(ErrorCode::invalid_value, "router.apply",
                "BIRD did not reconfigure: " + configure_error(load.output));
  return {};
}

Result<ApplyOutcome> BirdDriver::apply(const render::Rendering& rendering) {
  const FileSet wanted = to_file_set(rendering);
  auto previous = directory_.read(top_level_name(rendering));
  if (!previous)
    return std::unexpected(previous.error());
  if (*previous == wanted && loaded_)
    return ApplyOutcome{.changed = false};
  if (auto written = directory_.replace(*previous, wanted); !written) {
    // Put back the files written so far (best effort): BIRD has read none of them, and a BIRD
    // started before the next apply must not find a mix of two renderings.
    static_cast<void>(directory_.replace(wanted, *previous));
    return std::unexpected(written.error());
  }
  auto reloaded = reconfigure();
  if (!reloaded) {
    // Put the last good files back; BIRD still runs them (configure check loads nothing, and a
    // refused configure keeps the running configuration).
    if (auto restored = directory_.replace(wanted, *previous); !restored)
      return std::unexpected(restored.error());
    return std::unexpected(reloaded.error());
  }
  loaded_ = true;
  return ApplyOutcome{.changed = *previous != wanted};
}

Result<std::map<std::string, SessionState, std::less<>>> BirdDriver::read_state(
    std::span<const SessionKey> sessions) {
  std::map<std::string, SessionState, std::less<>> states;
  if (sessions.empty())
    return states;
  // One `show protocols all` for every protocol: one round trip whatever the session count.
  const CommandResult shown = birdc("show protocols all");
  if (unreachable(shown))
    return std::unexpected(unavailable_error(shown, "birdc show protocols all"));
  if (!shown.ok())
    return fail(ErrorCode::data_invalid, "router.state",
                "birdc show protocols all: " + configure_error(shown.output));
  const auto protocols = parse_show_protocols_all(shown.output);
  const std::int64_t now = local_second_of_day();
  for (const SessionKey& key : sessions) {
    const auto found = protocols.find(key.name);
    if (found == protocols.end())
      continue;
    SessionState state = found->second.session;
    if (found->second.since_second_of_day)
      state.seconds_in_state = (now - *found->second.since_second_of_day + 86'400) % 86'400;
    states.emplace(key.name, std::move(state));
  }
  return states;
}

}  // namespace peerapi::router::bird
