#include "router/openbgpd/bgpctl_state.hpp"

#include <optional>

#include "router/daemon_text.hpp"

namespace peerapi::router::openbgpd {

namespace {

std::optional<BgpState> bgp_state(std::string_view text) {
  if (text == "Idle" || text == "None")
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

/// bgpd's fmt_timeframe: "HH:MM:SS" below a day, "NdHHhMMm" below a week, "NNwNdHHh" above.
std::optional<std::int64_t> timeframe_seconds(std::string_view text) {
  if (text.size() == 8 && text[2] == ':' && text[5] == ':') {
    const auto hours = parse_count(text.substr(0, 2));
    const auto minutes = parse_count(text.substr(3, 2));
    const auto seconds = parse_count(text.substr(6, 2));
    if (!hours || !minutes || !seconds || *minutes > 59 || *seconds > 59)
      return std::nullopt;
    return static_cast<std::int64_t>(*hours * 3600 + *minutes * 60 + *seconds);
  }
  // Units in order w, d, h, m; each number before its unit letter.
  static constexpr std::pair<char, std::int64_t> kUnits[] = {
      {'w', 7 * 86'400}, {'d', 86'400}, {'h', 3600}, {'m', 60}};
  std::int64_t total = 0;
  std::size_t at = 0;
  std::size_t unit = 0;
  bool any = false;
  while (at < text.size()) {
    std::size_t end = at;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9')
      ++end;
    if (end == at || end == text.size() || end - at > 6)
      return std::nullopt;
    const auto value = parse_count(text.substr(at, end - at));
    while (unit < std::size(kUnits) && kUnits[unit].first != text[end])
      ++unit;
    if (!value || unit == std::size(kUnits))
      return std::nullopt;
    total += static_cast<std::int64_t>(*value) * kUnits[unit].second;
    ++unit;
    at = end + 1;
    any = true;
  }
  if (!any)
    return std::nullopt;
  return total;
}

struct Block {
  BgpctlNeighborState neighbor;
  bool has_state = false;
  bool marked_down = false;
  bool max_prefix_sent = false;
  std::vector<std::string> errors;
};

/// "  BGP state = Idle, marked down with shutdown reason "x", down for 00:00:01".
Result<void> read_state_line(std::string_view value, Block& block) {
  const std::string_view name = value.substr(0, value.find(','));
  const auto state = bgp_state(trim(name));
  if (!state)
    return fail(ErrorCode::data_invalid, "router.state",
                "bgpctl reports an unknown BGP state \"" + std::string(trim(name)) +
                    "\" for neighbor " + block.neighbor.address);
  block.has_state = true;
  block.neighbor.session.state = *state;
  block.marked_down = value.find(", marked down") != std::string_view::npos;
  // The up/down time is the last ", up for " / ", down for " (a shutdown reason is quoted
  // before it and may contain anything).
  static constexpr std::string_view kUp = ", up for ";
  static constexpr std::string_view kDown = ", down for ";
  const auto up = value.rfind(kUp);
  const auto down = value.rfind(kDown);
  std::size_t start = std::string_view::npos;
  if (up != std::string_view::npos && (down == std::string_view::npos || up > down))
    start = up + kUp.size();
  else if (down != std::string_view::npos)
    start = down + kDown.size();
  if (start != std::string_view::npos) {
    if (const auto seconds = timeframe_seconds(trim(value.substr(start))))
      block.neighbor.session.seconds_in_state = *seconds;
  }
  return {};
}

}  // namespace

Result<std::vector<BgpctlNeighborState>> parse_show_neighbor(std::string_view text) {
  std::vector<Block> blocks;
  bool update_statistics = false;
  bool no_such_neighbor = false;
  for (const std::string_view raw : split_lines(text)) {
    const std::string_view line = trim(raw);
    if (line.empty())
      continue;
    if (line.starts_with("BGP neighbor is ")) {
      Block block;
      const std::string_view rest = line.substr(16);
      block.neighbor.address = std::string(trim(rest.substr(0, rest.find(','))));
      blocks.push_back(std::move(block));
      update_statistics = false;
      continue;
    }
    if (line == "no such neighbor") {
      no_such_neighbor = true;
      continue;
    }
    if (blocks.empty())
      continue;
    Block& block = blocks.back();
    if (line.starts_with("Description:")) {
      block.neighbor.description = std::string(trim(line.substr(12)));
    } else if (line.starts_with("BGP state =")) {
      if (auto read = read_state_line(trim(line.substr(11)), block); !read)
        return std::unexpected(read.error());
    } else if (line.starts_with("Update statistics:")) {
      update_statistics = true;
    } else if (line.ends_with("statistics:")) {
      update_statistics = false;
    } else if (update_statistics && line.starts_with("Prefixes")) {
      // "Prefixes   <sent>   <received>"
      const auto parts = words(line);
      if (parts.size() >= 3) {
        if (const auto received = parse_count(parts[2]))
          block.neighbor.session.prefixes_received = *received;
      }
    } else if (line.starts_with("Last error") || line.starts_with("Last received shutdown")) {
      if (line.starts_with("Last error sent:") && line.find("max-prefix") != std::string_view::npos)
        block.max_prefix_sent = true;
      block.errors.emplace_back(line);
    }
  }
  if (blocks.empty() && !no_such_neighbor &&
      text.find_first_not_of(" \t\r\n") != std::string_view::npos)
    return fail(ErrorCode::data_invalid, "router.state",
                "bgpctl's answer holds no neighbor: " + output_message(text.substr(0, 200)));

  std::vector<BgpctlNeighborState> out;
  out.reserve(blocks.size());
  for (Block& block : blocks) {
    if (!block.has_state)
      return fail(
          ErrorCode::data_invalid, "router.state",
          "bgpctl's answer has no \"BGP state =\" line for neighbor " + block.neighbor.address);
    SessionState& session = block.neighbor.session;
    const bool idle = session.state == BgpState::idle;
    if (block.marked_down || (idle && block.max_prefix_sent))
      session.state = BgpState::disabled;
    if (session.state != BgpState::established) {
      for (const std::string& error : block.errors) {
        if (!session.last_error.empty())
          session.last_error += "; ";
        session.last_error += error;
      }
    }
    out.push_back(std::move(block.neighbor));
  }
  return out;
}

std::string output_message(std::string_view output) {
  std::string message;
  for (const std::string_view raw : split_lines(output)) {
    const std::string_view line = trim(raw);
    if (line.empty())
      continue;
    if (!message.empty())
      message += "; ";
    message += line;
  }
  return redact_secrets(message);
}

}  // namespace peerapi::router::openbgpd
