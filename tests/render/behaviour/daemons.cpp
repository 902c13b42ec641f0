#include "render/behaviour/daemons.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <regex>
#include <sstream>

#include "support/test_support.hpp"

namespace peerapi::testing::behaviour {

namespace {

namespace json = boost::json;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    lines.push_back(line);
  return lines;
}

std::vector<std::string> words_of(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream in(line);
  std::string word;
  while (in >> word)
    words.push_back(word);
  return words;
}

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos)
    return "";
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

std::optional<model::Prefix> as_prefix(const std::string& text) {
  auto parsed = model::Prefix::parse(text);
  if (!parsed)
    return std::nullopt;
  return *parsed;
}

/// The first number after `label` on a line such as "Import updates:   8   0   6   0   2".
std::optional<long> first_number_after(const std::string& line, const std::string& label) {
  const auto at = line.find(label);
  if (at == std::string::npos)
    return std::nullopt;
  std::istringstream in(line.substr(at + label.size()));
  long value = 0;
  if (in >> value)
    return value;
  return std::nullopt;
}

/// The JSON document in vtysh output, which may be preceded by "% ..." notices (e.g. about
/// /etc/frr/vtysh.conf when not root).
std::optional<json::value> parse_json(const std::string& text) {
  const auto start = text.find('{');
  if (start == std::string::npos)
    return std::nullopt;
  boost::system::error_code error;
  json::value value = json::parse(std::string_view(text).substr(start), error);
  if (error)
    return std::nullopt;
  return value;
}

std::string string_at(const json::object& object, const char* key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || !value->is_string())
    return "";
  return std::string(value->as_string());
}

/// {"community": {"string": "64501:7 64501:8", "list": [...]}} -> sorted values ("list" when
/// present, else the words of "string").
std::vector<std::string> community_list(const json::object& path, const char* key) {
  std::vector<std::string> values;
  const auto* attribute = path.if_contains(key);
  if (attribute == nullptr || !attribute->is_object())
    return values;
  if (const auto* list = attribute->as_object().if_contains("list"); list && list->is_array()) {
    for (const auto& value : list->as_array()) {
      if (value.is_string())
        values.emplace_back(value.as_string());
    }
  } else {
    values = words_of(string_at(attribute->as_object(), "string"));
  }
  std::sort(values.begin(), values.end());
  return values;
}

std::string process_failure(const std::string& label, lab::Process& process) {
  if (!process.start_error().empty())
    return label + ": " + process.start_error();
  return label + " exited (code " + std::to_string(process.exit_code().value_or(-1)) +
         "); its output:\n" + process.output();
}

}  // namespace

std::vector<BirdProtocol> parse_bird_protocols(const std::string& text) {
  std::vector<BirdProtocol> protocols;
  for (const auto& line : lines_of(text)) {
    if (line.empty())
      continue;
    if (line.front() != ' ' && line.front() != '\t') {
      const auto words = words_of(line);
      if (words.size() < 4 || line.starts_with("BIRD ") || words[0] == "Name")
        continue;
      BirdProtocol protocol;
      protocol.name = words[0];
      protocol.proto = words[1];
      protocol.state = words[3];
      // "Since" is a time ("00:20:12.246") or a date and a time; "Info" is the rest.
      std::size_t info_at = 5;
      if (words.size() > 5 && words[4].find('-') != std::string::npos)
        info_at = 6;
      for (std::size_t i = info_at; i < words.size(); ++i)
        protocol.info += (protocol.info.empty() ? "" : " ") + words[i];
      protocols.push_back(protocol);
      continue;
    }
    if (protocols.empty())
      continue;
    BirdProtocol& current = protocols.back();
    const std::string content = trimmed(line);
    if (content.starts_with("Neighbor address:"))
      current.neighbor_address = trimmed(content.substr(std::string("Neighbor address:").size()));
    if (const auto value = first_number_after(content, "Import updates:"))
      current.import_updates_received = *value;
    if (const auto value = first_number_after(content, "Import withdraws:"))
      current.import_withdraws_received = *value;
    if (content.starts_with("Routes:")) {
      if (const auto value = first_number_after(content, "Routes:"))
        current.routes_imported += *value;
    }
  }
  return protocols;
}

BirdRoutes parse_bird_routes(const std::string& text) {
  BirdRoutes routes;
  std::optional<model::Prefix> current;
  for (const auto& line : lines_of(text)) {
    if (line.empty() || line.starts_with("BIRD ") || line.starts_with("Table ")) {
      current.reset();
      continue;
    }
    if (line.front() != ' ' && line.front() != '\t') {
      const auto words = words_of(line);
      current = as_prefix(words.front());
      if (current)
        routes[*current][""] = trimmed(line.substr(words.front().size()));
      continue;
    }
    if (!current)
      continue;
    const std::string content = trimmed(line);
    const auto colon = content.find(": ");
    const auto space = content.find(' ');
    if (colon != std::string::npos && (space == std::string::npos || colon < space)) {
      routes[*current][content.substr(0, colon)] = trimmed(content.substr(colon + 1));
    } else if (content.ends_with(":")) {
      routes[*current][content.substr(0, content.size() - 1)] = "";
    } else if (space != std::string::npos) {
      routes[*current][content.substr(0, space)] = content.substr(space + 1);
    }
  }
  return routes;
}

std::map<model::Prefix, std::vector<std::string>> parse_bird_filter_log(
    const std::string& log, const std::string& channel) {
  std::map<model::Prefix, std::vector<std::string>> decisions;
  const std::vector<std::string> lines = lines_of(log);
  const std::string marker = "<TRACE> " + channel + " > filtered out ";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto at = lines[i].find(marker);
    if (at == std::string::npos)
      continue;
    const auto words = words_of(lines[i].substr(at + marker.size()));
    if (words.empty())
      continue;
    const auto net = as_prefix(words.front());
    if (!net)
      continue;
    std::string printed;
    if (i > 0) {
      if (const auto info = lines[i - 1].find("<INFO> "); info != std::string::npos)
        printed = lines[i - 1].substr(info + 7);
    }
    decisions[*net].push_back(printed);
  }
  return decisions;
}

BirdDaemon::BirdDaemon(std::string label, const lab::Namespace& ns,
                       const std::filesystem::path& config, const std::filesystem::path& work_dir)
    : label_(std::move(label)),
      socket_(work_dir / (label_ + ".ctl")),
      log_file_(work_dir / (label_ + ".log")),
      pid_file_(work_dir / (label_ + ".pid")) {
  process_ = std::make_unique<lab::Process>(
      label_,
      std::vector<std::string>{"bird", "-f", "-c", config.string(), "-s", socket_.string(), "-P",
                               pid_file_.string(), "-D", log_file_.string()},
      ns, work_dir / (label_ + ".out"), config.parent_path());
}

std::string BirdDaemon::wait_ready(std::chrono::milliseconds timeout) {
  bool exited = false;
  const bool ready = lab::wait_until(timeout, [&] {
    if (!process_->running()) {
      exited = true;
      return true;
    }
    const auto status = birdc("show status");
    return status.ok() && status.output.find("Daemon is up and running") != std::string::npos;
  });
  if (exited)
    return process_failure("BIRD " + label_, *process_);
  if (!ready)
    return "BIRD " + label_ + " did not answer on " + socket_.string() + " within " +
           std::to_string(timeout.count()) + " ms; output:\n" + process_->output();
  return "";
}

lab::CommandResult BirdDaemon::birdc(const std::string& command) const {
  return lab::run({"birdc", "-s", socket_.string(), command});
}

std::vector<BirdProtocol> BirdDaemon::protocols() const {
  return parse_bird_protocols(birdc("show protocols all").output);
}

std::string BirdDaemon::log() const {
  std::error_code ignored;
  if (!std::filesystem::exists(log_file_, ignored))
    return "";
  return read_file(log_file_);
}

FrrBgpd::FrrBgpd(std::string label, const lab::Namespace& ns, const std::filesystem::path& config,
                 const std::filesystem::path& work_dir)
    : label_(std::move(label)),
      vty_dir_(work_dir / (label_ + "-vty")),
      pid_file_(work_dir / (label_ + ".pid")) {
  std::filesystem::create_directories(vty_dir_);
  process_ = std::make_unique<lab::Process>(
      label_,
      std::vector<std::string>{"/usr/lib/frr/bgpd", "-Z", "-S", "-M", "rpki", "-P", "0", "-f",
                               config.string(), "-i", pid_file_.string(), "--vty_socket",
                               vty_dir_.string(), "--log", "stdout"},
      ns, work_dir / (label_ + ".out"), config.parent_path());
}

std::string FrrBgpd::wait_ready(std::chrono::milliseconds timeout) {
  bool exited = false;
  const bool ready = lab::wait_until(timeout, [&] {
    if (!process_->running()) {
      exited = true;
      return true;
    }
    return vtysh("show version").ok();
  });
  if (exited)
    return process_failure("FRR bgpd " + label_, *process_);
  if (!ready)
    return "FRR bgpd " + label_ + " did not answer vtysh on " + vty_dir_.string() + " within " +
           std::to_string(timeout.count()) + " ms; output:\n" + process_->output();
  return "";
}

lab::CommandResult FrrBgpd::vtysh(const std::string& command) const {
  return lab::run({"vtysh", "--vty_socket", vty_dir_.string(), "-d", "bgpd", "-c", command});
}

std::vector<FrrPath> parse_frr_prefix(const std::string& json_text) {
  std::vector<FrrPath> paths;
  const auto document = parse_json(json_text);
  if (!document || !document->is_object())
    return paths;
  const auto* list = document->as_object().if_contains("paths");
  if (list == nullptr || !list->is_array())
    return paths;
  for (const auto& item : list->as_array()) {
    if (!item.is_object())
      continue;
    const auto& object = item.as_object();
    FrrPath path;
    if (const auto* aspath = object.if_contains("aspath"); aspath && aspath->is_object())
      path.as_path = string_at(aspath->as_object(), "string");
    if (const auto* pref = object.if_contains("locPrf"); pref && pref->is_number())
      path.local_pref = pref->to_number<long>();
    path.communities = community_list(object, "community");
    path.large_communities = community_list(object, "largeCommunity");
    path.rpki_state = string_at(object, "rpkiValidationState");
    if (const auto* hops = object.if_contains("nexthops"); hops && hops->is_array()) {
      for (const auto& hop : hops->as_array()) {
        if (hop.is_object() && path.next_hop.empty())
          path.next_hop = string_at(hop.as_object(), "ip");
      }
    }
    paths.push_back(path);
  }
  return paths;
}

std::vector<model::Prefix> parse_frr_neighbor_routes(const std::string& json_text) {
  std::vector<model::Prefix> prefixes;
  const auto document = parse_json(json_text);
  if (!document || !document->is_object())
    return prefixes;
  const auto* routes = document->as_object().if_contains("routes");
  if (routes == nullptr || !routes->is_object())
    return prefixes;
  for (const auto& entry : routes->as_object()) {
    if (const auto net = as_prefix(std::string(entry.key())))
      prefixes.push_back(*net);
  }
  std::sort(prefixes.begin(), prefixes.end());
  return prefixes;
}

std::optional<FrrNeighbor> parse_frr_neighbor(const std::string& json_text,
                                              const std::string& address,
                                              const std::string& afi_key) {
  const auto document = parse_json(json_text);
  if (!document || !document->is_object())
    return std::nullopt;
  const auto* neighbor = document->as_object().if_contains(address);
  if (neighbor == nullptr || !neighbor->is_object())
    return std::nullopt;
  FrrNeighbor result;
  result.state = string_at(neighbor->as_object(), "bgpState");
  if (const auto* restart = neighbor->as_object().if_contains("gracefulRestartInfo");
      restart && restart->is_object()) {
    if (const auto* received = restart->as_object().if_contains("endOfRibRecv");
        received && received->is_object()) {
      if (const auto* flag = received->as_object().if_contains(afi_key); flag && flag->is_bool())
        result.end_of_rib_received = flag->as_bool();
    }
  }
  return result;
}

long parse_frr_rpki_count(const std::string& text) {
  static const std::regex kCount(R"(Number of IPv[46] Prefixes:\s*(\d+))");
  long total = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kCount);
       it != std::sregex_iterator(); ++it)
    total += std::stol((*it)[1]);
  return total;
}

StayRtr::StayRtr(const lab::Namespace& ns, const std::filesystem::path& vrp_file, int port,
                 const std::filesystem::path& work_dir)
    : port_(port) {
  process_ = std::make_unique<lab::Process>(
      "stayrtr",
      std::vector<std::string>{"stayrtr", "-bind", "127.0.0.1:" + std::to_string(port), "-cache",
                               vrp_file.string(), "-checktime=false"},
      ns, work_dir / "stayrtr.out", work_dir);
}

std::string StayRtr::wait_ready(std::chrono::milliseconds timeout) {
  bool exited = false;
  const bool ready = lab::wait_until(timeout, [&] {
    if (!process_->running()) {
      exited = true;
      return true;
    }
    return lab::tcp_listening(process_->pid(), "127.0.0.1", port_);
  });
  if (exited)
    return process_failure("stayrtr", *process_);
  if (!ready)
    return "stayrtr did not listen on 127.0.0.1:" + std::to_string(port_) + " within " +
           std::to_string(timeout.count()) + " ms; output:\n" + process_->output();
  return "";
}

}  // namespace peerapi::testing::behaviour
