#include "router/frr/frr_state.hpp"

#include <boost/json.hpp>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "router/daemon_text.hpp"

namespace peerapi::router::frr {

namespace json = boost::json;

namespace {

std::optional<std::string_view> string_at(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_string())
    return std::nullopt;
  const json::string& text = value->get_string();
  return std::string_view(text.data(), text.size());
}

bool true_at(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_bool() && value->get_bool();
}

/// A non-negative count or duration. FRR writes integers; json-c prints large ones as doubles
/// ("6.1609e+07") on some builds, so a finite non-negative double is read too.
std::optional<std::uint64_t> count_at(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr)
    return std::nullopt;
  if (value->is_uint64())
    return value->get_uint64();
  if (value->is_int64()) {
    if (value->get_int64() < 0)
      return std::nullopt;
    return static_cast<std::uint64_t>(value->get_int64());
  }
  if (value->is_double()) {
    const double number = value->get_double();
    if (!std::isfinite(number) || number < 0 ||
        number >= static_cast<double>(std::numeric_limits<std::int64_t>::max()))
      return std::nullopt;
    return static_cast<std::uint64_t>(std::llround(number));
  }
  return std::nullopt;
}

std::optional<BgpState> bgp_state(std::string_view text) {
  if (text == "Idle" || text == "Clearing" || text == "Deleted")
    return BgpState::idle;
  if (text == "Connect")
    return BgpState::connect;
  if (text == "Active")
    return BgpState::active;
  if (text == "OpenSent")
    return BgpState::open_sent;
  if (text == "OpenConfirm")
    return BgpState::open_confirm;
  if (text == "Established")
    return BgpState::established;
  return std::nullopt;
}

/// Reset causes (FRR's peer_down_str) that configuration or an operator's clear command caused:
/// a session that went down for one of these has no error to report.
bool configuration_reset(std::string_view reason) {
  static constexpr std::string_view kReasons[] = {
      "",
      "Router ID changed",
      "Remote AS changed",
      "Local AS change",
      "Cluster ID changed",
      "Confederation identifier changed",
      "Confederation peer changed",
      "RR client config change",
      "RS client config change",
      "Update source change",
      "Address family activated",
      "User reset",
      "Neighbor deleted",
      "Peer-group add member",
      "Peer-group delete member",
      "Capability changed",
      "Passive config change",
      "Multihop config change",
      "Intf peering v6only config change",
      "Waiting for VRF to be initialized",
      "No AFI/SAFI activated for peer",
      "AS Set config change",
      "Suppress Fib Turned On or Off",
  };
  for (const std::string_view known : kReasons) {
    if (reason == known)
      return true;
  }
  return false;
}

std::string last_error(const json::object& neighbor) {
  const auto reason = string_at(neighbor, "lastResetDueTo");
  if (!reason || configuration_reset(*reason))
    return {};
  std::string error(*reason);
  if (const auto notification = string_at(neighbor, "lastNotificationReason"))
    error += ": " + std::string(*notification);
  if (const auto shutdown = string_at(neighbor, "lastShutdownDescription"))
    error += " \"" + std::string(*shutdown) + "\"";
  return error;
}

Result<FrrNeighborState> neighbor_state(std::string_view key, const json::object& neighbor) {
  FrrNeighborState out;
  const auto state_text = string_at(neighbor, "bgpState");
  if (!state_text)
    return fail(ErrorCode::data_invalid, "router.state",
                "FRR's answer has no \"bgpState\" for neighbor " + std::string(key));
  // "Idle (Admin)", "Idle (PfxCt)": the show bgp summary spelling, with why FRR holds it down.
  std::string_view base = *state_text;
  bool held_down = false;
  if (const auto marker = base.find(" ("); marker != std::string_view::npos) {
    held_down = true;
    base = base.substr(0, marker);
  }
  const auto state = bgp_state(base);
  if (!state)
    return fail(ErrorCode::data_invalid, "router.state",
                "FRR reports an unknown BGP state \"" + std::string(*state_text) +
                    "\" for neighbor " + std::string(key));
  out.session.state = *state;
  const bool established = *state == BgpState::established;
  if (!established && (held_down || true_at(neighbor, "adminShutDown") ||
                       true_at(neighbor, "prefixesConfigExceedMax")))
    out.session.state = BgpState::disabled;

  const auto since_msec =
      count_at(neighbor, established ? "bgpTimerUpMsec" : "lastResetTimerMsecs");
  if (since_msec)
    out.session.seconds_in_state = static_cast<std::int64_t>(*since_msec / 1000);

  if (const json::value* families = neighbor.if_contains("addressFamilyInfo");
      families != nullptr && families->is_object()) {
    for (const auto& [name, family] : families->get_object()) {
      if (!family.is_object())
        continue;
      if (const auto accepted = count_at(family.get_object(), "acceptedPrefixCounter"))
        out.session.prefixes_accepted = out.session.prefixes_accepted.value_or(0) + *accepted;
    }
  }
  if (!established)
    out.session.last_error = last_error(neighbor);
  if (const auto description = string_at(neighbor, "nbrDesc"))
    out.description = std::string(*description);
  return out;
}

/// The JSON object in vtysh's output: from the first line that starts with '{' to the last '}'.
std::optional<std::string_view> json_part(std::string_view text) {
  std::size_t start = std::string_view::npos;
  std::size_t at = 0;
  for (const std::string_view line : split_lines(text)) {
    if (trim(line).starts_with('{')) {
      start = at + line.find('{');
      break;
    }
    at += line.size() + 1;
  }
  if (start == std::string_view::npos)
    return std::nullopt;
  const auto end = text.rfind('}');
  if (end == std::string_view::npos || end < start)
    return std::nullopt;
  return text.substr(start, end - start + 1);
}

}  // namespace

Result<std::map<std::string, FrrNeighborState, std::less<>>> parse_show_bgp_neighbors(
    std::string_view text) {
  const auto document = json_part(text);
  if (!document)
    return fail(ErrorCode::data_invalid, "router.state",
                "FRR's answer holds no JSON object: " + check_message(text.substr(0, 200)));
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 64;
  const json::value parsed = json::parse(*document, ec, {}, options);
  if (ec || !parsed.is_object())
    return fail(ErrorCode::data_invalid, "router.state",
                "FRR's answer is not a JSON object" + (ec ? ": " + ec.message() : std::string()));
  std::map<std::string, FrrNeighborState, std::less<>> neighbors;
  for (const auto& [key, value] : parsed.get_object()) {
    if (!value.is_object())
      continue;
    auto state = neighbor_state(key, value.get_object());
    if (!state)
      return std::unexpected(state.error());
    neighbors.insert_or_assign(std::string(key), std::move(*state));
  }
  return neighbors;
}

std::string check_message(std::string_view output) {
  std::string message;
  for (const std::string_view raw : split_lines(output)) {
    std::string_view line = trim(raw);
    // rtrlib's debug lines ("(2026/11/24 03:19:25:469102): RTR Socket: ...") are no verdict.
    if (line.empty() || line.starts_with("% Can't open configuration file") ||
        (line.size() > 1 && line[0] == '(' && line[1] >= '0' && line[1] <= '9'))
      continue;
    // FRR's log prefix: "2026/11/24 03:19:25 BGP: [SHWNK-NWT5S][EC 100663304] message".
    if (line.size() > 4 && line[0] >= '0' && line[0] <= '9' && line[4] == '/') {
      if (const auto tags = line.find(": ["); tags != std::string_view::npos) {
        line = line.substr(tags + 2);
        while (line.starts_with('[') && line.find(']') != std::string_view::npos)
          line = trim(line.substr(line.find(']') + 1));
      }
    }
    if (!message.empty())
      message += "; ";
    message += line;
  }
  return redact_secrets(message);
}

}  // namespace peerapi::router::frr
