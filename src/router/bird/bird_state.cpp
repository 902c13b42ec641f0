#include "router/bird/bird_state.hpp"

#include <set>
#include <vector>

#include "router/daemon_text.hpp"

namespace peerapi::router::bird {

namespace {

/// "HH:MM:SS" or "HH:MM:SS.fff" as seconds after midnight.
std::optional<std::int64_t> second_of_day(std::string_view text) {
  if (text.size() < 8 || text[2] != ':' || text[5] != ':')
    return std::nullopt;
  const auto hours = parse_count(text.substr(0, 2));
  const auto minutes = parse_count(text.substr(3, 2));
  const auto seconds = parse_count(text.substr(6, 2));
  if (!hours || !minutes || !seconds || *hours > 23 || *minutes > 59 || *seconds > 60)
    return std::nullopt;
  return static_cast<std::int64_t>(*hours * 3600 + *minutes * 60 + *seconds);
}

std::optional<BgpState> bgp_state(std::string_view text) {
  if (text == "Idle")
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
  if (text == "Down")
    return BgpState::disabled;
  return std::nullopt;
}

bool starts_with_value(std::string_view line, std::string_view key, std::string_view& value) {
  if (!line.starts_with(key))
    return false;
  value = trim(line.substr(key.size()));
  return true;
}

}  // namespace

std::map<std::string, BirdProtocolState, std::less<>> parse_show_protocols_all(
    std::string_view text) {
  std::map<std::string, BirdProtocolState, std::less<>> out;
  BirdProtocolState* current = nullptr;
  bool protocol_down = false;
  std::map<const BirdProtocolState*, std::uint64_t> filtered;
  std::set<const BirdProtocolState*> filtered_unknown;
  for (const std::string_view raw : split_lines(text)) {
    const std::string_view line = trim(raw);
    if (line.empty())
      continue;
    const bool indented = raw.starts_with(' ') || raw.starts_with('\t');
    if (!indented) {
      current = nullptr;
      // "NAME PROTO TABLE STATE SINCE INFO...": a protocol's header line.
      const auto columns = words(line);
      if (columns.size() < 5 || columns[1] != "BGP")
        continue;
      auto [it, inserted] = out.try_emplace(std::string(columns[0]));
      if (!inserted)
        continue;  // a name twice: keep the first block
      current = &it->second;
      protocol_down = columns[3] == "down";
      current->since_second_of_day = second_of_day(columns[4]);
      const auto info_start = line.find(columns[4]) + columns[4].size();
      const std::string_view info = trim(line.substr(info_start));
      if (info.starts_with("Error: "))
        current->session.last_error = std::string(info);
      if (protocol_down) {
        current->session.state = BgpState::disabled;
      } else if (const auto info_words = words(info); !info_words.empty()) {
        // The info column starts with the BGP state; a "BGP state:" line below overrides it.
        if (auto state = bgp_state(info_words.front()))
          current->session.state = *state;
      }
      continue;
    }
    if (current == nullptr)
      continue;
    std::string_view value;
    if (starts_with_value(line, "BGP state:", value)) {
      if (!protocol_down) {
        if (auto state = bgp_state(value))
          current->session.state = *state;
      }
    } else if (starts_with_value(line, "Neighbor address:", value)) {
      current->neighbor_address = std::string(value);
    } else if (starts_with_value(line, "Last error:", value)) {
      current->session.last_error = std::string(value);
    } else if (starts_with_value(line, "Routes:", value)) {
      // "Routes: 3 imported, 1 filtered, 0 exported, 2 preferred" ("filtered" only with
      // `import keep filtered`).
      const auto parts = words(value);
      bool filtered_shown = false;
      for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
        const auto count = parse_count(parts[i]);
        if (!count)
          continue;
        const std::string_view what = parts[i + 1];
        if (what.starts_with("imported")) {
          current->session.prefixes_accepted =
              current->session.prefixes_accepted.value_or(0) + *count;
        } else if (what.starts_with("filtered")) {
          filtered_shown = true;
          filtered[current] += *count;
        }
      }
      if (!filtered_shown)
        filtered_unknown.insert(current);
    }
  }
  // Received = accepted + filtered, known only when every channel showed its filtered count.
  for (auto& [name, protocol] : out) {
    const auto found = filtered.find(&protocol);
    if (found != filtered.end() && !filtered_unknown.contains(&protocol))
      protocol.session.prefixes_received =
          protocol.session.prefixes_accepted.value_or(0) + found->second;
  }
  return out;
}

std::string configure_error(std::string_view output) {
  std::string message;
  for (const std::string_view raw : split_lines(output)) {
    const std::string_view line = trim(raw);
    if (line.empty() || line.starts_with("BIRD ") || line.starts_with("Reading configuration"))
      continue;
    if (!message.empty())
      message += "; ";
    message += line;
  }
  return message;
}

}  // namespace peerapi::router::bird
