#include "render/render_input.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>

namespace peerapi::render {

namespace {

constexpr std::array<std::pair<Daemon, std::string_view>, 3> kDaemonNames{{
    {Daemon::bird, "bird"},
    {Daemon::frr, "frr"},
    {Daemon::openbgpd, "openbgpd"},
}};

std::optional<int> parse_version_part(std::string_view text) {
  int value = -1;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || text.size() > 4 || text.front() < '0' || text.front() > '9' ||
      ec != std::errc{} || ptr != text.data() + text.size())
    return std::nullopt;
  return value;
}

std::string at(std::string_view prefix, std::string_view key) {
  return join_path(prefix, key);
}

}  // namespace

std::string_view to_string(Daemon daemon) noexcept {
  for (const auto& [value, name] : kDaemonNames) {
    if (value == daemon)
      return name;
  }
  return "unknown";
}

Result<Daemon> parse_daemon(std::string_view text, std::string_view field) {
  for (const auto& [value, name] : kDaemonNames) {
    if (name == text)
      return value;
  }
  return fail(
      ErrorCode::invalid_value, std::string(field),
      "unknown daemon \"" + std::string(text.substr(0, 40)) + "\"; expected bird, frr or openbgpd");
}

Result<DaemonVersion> DaemonVersion::parse(std::string_view text, std::string_view field) {
  std::array<int, 3> parts{0, 0, 0};
  std::size_t count = 0;
  std::string_view rest = text;
  while (true) {
    const std::size_t dot = rest.find('.');
    const auto part = parse_version_part(rest.substr(0, dot));
    if (!part || count == parts.size()) {
      return fail(ErrorCode::invalid_value, std::string(field),
                  "expected a version like 2.0.12 (MAJOR[.MINOR[.PATCH]]), got \"" +
                      std::string(text.substr(0, 40)) + "\"");
    }
    parts[count++] = *part;
    if (dot == std::string_view::npos)
      break;
    rest.remove_prefix(dot + 1);
  }
  return DaemonVersion{parts[0], parts[1], parts[2]};
}

std::string DaemonVersion::to_string() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

DaemonVersion default_version(Daemon daemon) noexcept {
  switch (daemon) {
    case Daemon::bird:
      return {2, 0, 12};
    case Daemon::frr:
      return {8, 4, 4};
    case Daemon::openbgpd:
      return {7, 7, 0};
  }
  return {};
}

std::string_view to_string(FilterMode mode) noexcept {
  return mode == FilterMode::strict ? "strict" : "loose";
}

Result<FilterMode> parse_filter_mode(std::string_view text, std::string_view field) {
  if (text == "strict")
    return FilterMode::strict;
  if (text == "loose")
    return FilterMode::loose;
  return fail(ErrorCode::invalid_value, std::string(field),
              "expected \"strict\" (IRR prefix lists, RFC 7454 6.2.1.1.1) or \"loose\" "
              "(6.2.1.1.2), got \"" +
                  std::string(text.substr(0, 40)) + "\"");
}

std::vector<Error> check_options(const Options& options, std::string_view prefix) {
  std::vector<Error> errors;
  const auto bad = [&](std::string_view key, std::string message) {
    errors.push_back(Error{ErrorCode::invalid_value, at(prefix, key), std::move(message)});
  };
  if (options.router_id && !options.router_id->is_v4())
    bad("router_id", "the BGP identifier is an IPv4 address (RFC 6286)");
  if (options.max_length_v4 < 8 || options.max_length_v4 > 32)
    bad("max_length_v4", "must be between 8 and 32 (RFC 7454 6.1.3 suggests 24)");
  if (options.max_length_v6 < 16 || options.max_length_v6 > 128)
    bad("max_length_v6", "must be between 16 and 128 (RFC 7454 6.1.3 suggests 48)");
  if (options.max_prefix_headroom_percent < 0 || options.max_prefix_headroom_percent > 1000)
    bad("max_prefix_headroom_percent", "must be between 0 and 1000");
  if (options.max_prefix_warning_percent < 1 || options.max_prefix_warning_percent > 100)
    bad("max_prefix_warning_percent", "must be between 1 and 100");
  if (options.max_prefix_default_v4 == 0)
    bad("max_prefix_default_v4", "must be at least 1");
  if (options.max_prefix_default_v6 == 0)
    bad("max_prefix_default_v6", "must be at least 1");
  if (options.max_prefix_restart_minutes < 0 || options.max_prefix_restart_minutes > 65535)
    bad("max_prefix_restart_minutes", "must be between 0 (stay down) and 65535");
  if (options.rpki && (options.rpki->host.empty() || options.rpki->port == 0))
    bad("rpki_cache", "expected host:port of an RTR cache");
  if (options.rpki_not_found_local_preference >= options.local_preference)
    bad("rpki_not_found_local_preference",
        "must be lower than local_preference (RFC 7115: not-found is less preferred)");
  for (std::size_t i = 0; i < options.announce.size(); ++i) {
    const auto& range = options.announce[i];
    const int max = range.prefix.family() == model::IpFamily::v4 ? options.max_length_v4
                                                                 : options.max_length_v6;
    if (range.max_length > max) {
      bad("announce[" + std::to_string(i) + "]",
          to_string(range) + " is too specific: longer than max_length_v" +
              (range.prefix.family() == model::IpFamily::v4 ? "4" : "6") + " (" +
              std::to_string(max) + "), so peers filter it (RFC 7454 6.1.3)");
    }
  }
  return errors;
}

Neighbor orient(const model::SessionRequest& session, Side side) {
  // The stored session: local_* is the requester (initiator), peer_* the server's network.
  if (side == Side::receiver) {
    return Neighbor{
        .our_asn = session.peer_asn,
        .our_ip = session.peer_ip,
        .our_role = session.peer_bgp_role,
        .their_asn = session.local_asn,
        .their_ip = session.local_ip,
        .their_role = session.local_bgp_role,
        .their_insert_asn = session.local_insert_asn,
        .our_monitoring = session.peer_monitoring_session,
        .their_monitoring = session.local_monitoring_session,
    };
  }
  return Neighbor{
      .our_asn = session.local_asn,
      .our_ip = session.local_ip,
      .our_role = session.local_bgp_role,
      .their_asn = session.peer_asn,
      .their_ip = session.peer_ip,
      .their_role = session.peer_bgp_role,
      .their_insert_asn = session.peer_insert_asn,
      .our_monitoring = session.local_monitoring_session,
      .their_monitoring = session.peer_monitoring_session,
  };
}

std::string session_name(const SessionInput& session) {
  // The last 12 hex digits: random in every UUID version (in v7 the first ones are the
  // creation time, shared by sessions created together).
  const std::string id = session.session_id.to_string();
  return "as" + std::to_string(session.neighbor.their_asn.value()) + "_" +
         id.substr(id.size() - 12);
}

std::vector<std::string> unique_session_names(const RenderInput& input,
                                              std::vector<Notice>& notices) {
  std::vector<std::string> names;
  std::map<std::string, int> count;
  for (const auto& session : input.sessions) {
    names.push_back(session_name(session));
    ++count[names.back()];
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (count[session_name(input.sessions[i])] < 2)
      continue;
    std::string hex = input.sessions[i].session_id.to_string();
    hex.erase(std::remove(hex.begin(), hex.end(), '-'), hex.end());
    const std::string base = names[i];
    for (std::size_t digits = 4; digits <= hex.size(); digits *= 2) {
      names[i] = base + "_" + hex.substr(hex.size() - digits);
      bool clash = false;
      for (std::size_t j = 0; j < input.sessions.size(); ++j) {
        if (j == i || session_name(input.sessions[j]) != base)
          continue;
        std::string other = input.sessions[j].session_id.to_string();
        other.erase(std::remove(other.begin(), other.end(), '-'), other.end());
        clash = clash || other.substr(other.size() - digits) == hex.substr(hex.size() - digits);
      }
      if (!clash)
        break;
    }
    notices.push_back(Notice{names[i], "session_name",
                             "session_name() \"" + base +
                                 "\" is shared by several sessions; this one is named \"" +
                                 names[i] + "\""});
  }
  return names;
}

RouterId effective_router_id(const RenderInput& input) {
  if (input.options.router_id)
    return RouterId{*input.options.router_id, false};
  std::optional<model::IpAddress> lowest;
  for (const auto& session : input.sessions) {
    const auto& address = session.neighbor.our_ip;
    if (address.is_v4() && (!lowest || address < *lowest))
      lowest = address;
  }
  if (lowest)
    return RouterId{*lowest, false};
  return RouterId{model::IpAddress::v4(0xC0000201u), true};  // 192.0.2.1 (RFC 5737)
}

MaxPrefix max_prefix(const Options& options, const SessionInput& session) {
  MaxPrefix result;
  const bool v4 = session.family() == model::IpFamily::v4;
  std::uint64_t limit = v4 ? options.max_prefix_default_v4 : options.max_prefix_default_v6;
  if (session.their_prefix_count && *session.their_prefix_count > 0) {
    const std::uint64_t count = *session.their_prefix_count;
    // Round up: a peer announcing exactly its PeeringDB figure never hits the limit.
    limit =
        (count * static_cast<std::uint64_t>(100 + options.max_prefix_headroom_percent) + 99) / 100;
    result.from_peeringdb = true;
  }
  limit = std::clamp<std::uint64_t>(limit, 1, 0xFFFFFFFFu);
  result.limit = static_cast<std::uint32_t>(limit);
  result.warning = static_cast<std::uint32_t>(std::max<std::uint64_t>(
      1, limit * static_cast<std::uint64_t>(options.max_prefix_warning_percent) / 100));
  result.restart_minutes = options.max_prefix_restart_minutes;
  return result;
}

}  // namespace peerapi::render
