#include "router/frr/frr_driver.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <map>
#include <optional>
#include <set>
#include <system_error>
#include <utility>
#include <vector>

#include "router/daemon_text.hpp"
#include "router/frr/frr_state.hpp"
#include "util/atomic_file.hpp"

namespace peerapi::router::frr {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kTopLevel = "frr.conf";
/// Every line bgpd may be running as far as this driver knows: the last loaded candidate, or the
/// union of the previous and the next one while a load is under way. A dot file, so
/// ConfigDirectory neither reads nor removes it.
constexpr std::string_view kLoadedFile = ".frr.conf.loaded";
/// The first line of the record while a load is under way (or failed): the record then holds
/// both candidates, and the next load adds every line, since which of them bgpd runs is unknown.
constexpr std::string_view kUnderWay =
    "! peerapi: a load was under way; bgpd may run any line below\n";
/// The text handed to `vtysh -f` during a load.
constexpr std::string_view kLoadFile = ".frr.load.conf";

// ---- FRR configuration text as contexts ----------------------------------------------------

using Path = std::vector<std::string>;

bool is_exit(std::string_view line) {
  return line == "exit" || line == "quit" ||
         (line.starts_with("exit-") && line.find(' ') == std::string_view::npos);
}

/// Lines a removal never negates: they describe the file, not bgpd's state.
bool keeps_when_removed(std::string_view line) {
  return line.starts_with("frr version") || line.starts_with("frr defaults") || line == "end" ||
         is_exit(line);
}

/// Contexts removed with `no <header>`; the others are emptied line by line.
bool removable_header(std::string_view header) {
  return header.starts_with("route-map ") || header.starts_with("router ");
}

bool is_router_bgp(std::string_view header) {
  return header.starts_with("router bgp");
}

/// The neighbor a line defines: `neighbor X remote-as ...`, `neighbor X interface ...` or the
/// peer-group definition `neighbor X peer-group`; FRR deletes the neighbor with its `no` form.
std::optional<std::string> defined_neighbor(std::string_view line) {
  const auto parts = words(line);
  if (parts.size() < 3 || parts[0] != "neighbor")
    return std::nullopt;
  if (parts[2] == "remote-as" || parts[2] == "interface" ||
      (parts[2] == "peer-group" && parts.size() == 3))
    return std::string(parts[1]);
  return std::nullopt;
}

std::string negated(std::string_view line) {
  if (line.starts_with("no "))
    return std::string(trim(line.substr(3)));
  return "no " + std::string(line);
}

struct Entry {
  Path path;         // the contexts the line is in, outermost first
  std::string line;  // empty: the entry marks the context `path` itself
};

struct ParsedConfig {
  std::vector<Entry> entries;  // file order
  std::set<Path> contexts;
  std::set<std::pair<Path, std::string>> leaves;
  std::map<Path, std::string> closes;  // a context's exit line
  bool has_rpki = false;               // a top-level `rpki` context (bgpd needs -M rpki)
};

ParsedConfig parse_config(std::string_view text) {
  struct Node {
    std::string text;
    std::string close;
    std::vector<std::size_t> children;
    std::size_t indent = 0;
  };
  std::vector<Node> nodes(1);
  std::vector<std::size_t> open{0};
  const auto indent_of = [&](std::size_t node) {
    return node == 0 ? -1 : static_cast<long>(nodes[node].indent);
  };
  for (const std::string_view raw : split_lines(text)) {
    const std::string_view line = trim(raw);
    if (line.empty() || line.starts_with('!'))
      continue;
    const long indent = static_cast<long>(raw.find_first_not_of(" \t"));
    if (line == "end") {
      open.resize(1);
      continue;
    }
    if (is_exit(line)) {
      while (open.size() > 1 && indent_of(open.back()) > indent)
        open.pop_back();
      if (open.size() > 1) {
        nodes[open.back()].close = std::string(line);
        open.pop_back();
      }
      continue;
    }
    while (open.size() > 1 && indent_of(open.back()) >= indent)
      open.pop_back();
    nodes.push_back(Node{std::string(line), {}, {}, static_cast<std::size_t>(indent)});
    const std::size_t added = nodes.size() - 1;
    nodes[open.back()].children.push_back(added);
    open.push_back(added);
  }

  ParsedConfig out;
  const auto flatten = [&](const auto& self, std::size_t node, const Path& path) -> void {
    for (const std::size_t child : nodes[node].children) {
      const Node& item = nodes[child];
      if (item.children.empty() && item.close.empty()) {
        out.entries.push_back(Entry{path, item.text});
        out.leaves.emplace(path, item.text);
        continue;
      }
      Path inner = path;
      inner.push_back(item.text);
      out.entries.push_back(Entry{inner, {}});
      out.contexts.insert(inner);
      auto& close = out.closes[inner];
      if (close.empty())
        close = item.close.empty() ? "exit" : item.close;
      if (path.empty() && item.text == "rpki")
        out.has_rpki = true;
      self(self, child, inner);
    }
  };
  flatten(flatten, 0, {});
  return out;
}

/// vtysh input: each run of items with the same path inside its contexts, closed again.
std::string emit(const std::vector<Entry>& items, const std::map<Path, std::string>& closes) {
  std::string out;
  std::size_t at = 0;
  while (at < items.size()) {
    const Path& path = items[at].path;
    for (std::size_t depth = 0; depth < path.size(); ++depth)
      out += std::string(depth, ' ') + path[depth] + "\n";
    for (; at < items.size() && items[at].path == path; ++at) {
      if (!items[at].line.empty())
        out += std::string(path.size(), ' ') + items[at].line + "\n";
    }
    for (std::size_t depth = path.size(); depth > 0; --depth) {
      const Path context(path.begin(), path.begin() + static_cast<long>(depth));
      const auto close = closes.find(context);
      out += std::string(depth - 1, ' ') + (close != closes.end() ? close->second : "exit") + "\n";
    }
  }
  return out;
}

bool within(const Path& path, const std::set<Path>& roots) {
  for (std::size_t depth = 1; depth <= path.size(); ++depth) {
    if (roots.contains(Path(path.begin(), path.begin() + static_cast<long>(depth))))
      return true;
  }
  return false;
}

// ---- running the programs ------------------------------------------------------------------

bool unreachable(const CommandResult& result) {
  return !result.start_error.empty() || result.timed_out ||
         result.output.find("failed to connect to any daemons") != std::string::npos ||
         result.output.find("is not running") != std::string::npos ||
         result.output.find("closing connection to") != std::string::npos;
}

std::string failure_text(const CommandResult& result, std::string_view program) {
  if (!result.start_error.empty())
    return result.start_error;
  if (result.timed_out)
    return std::string(program) + " did not finish in time";
  const std::string message = check_message(result.output);
  return message.empty() ? std::string(program) + " exited with " + std::to_string(result.exit_code)
                         : message;
}

/// bgpd -C keeps exit code 0 when it refuses lines; these are in its answer then.
bool bgpd_refused(const CommandResult& result) {
  static constexpr std::string_view kMarkers[] = {
      "Config Failed",      "No such command",      "Unknown command",    "on config line",
      "configuration file", "Configuration failed", "failed to validate", "[EC ",
  };
  if (!result.ok())
    return true;
  for (const std::string_view marker : kMarkers) {
    if (result.output.find(marker) != std::string::npos)
      return true;
  }
  return false;
}

/// vtysh's answer to `no` lines whose object is already gone (an operator removed it by hand):
/// the wanted state holds, so this is no error. Its per-line markers ("line 3: Failure to
/// communicate[13] to bgpd, line: ...") carry no reason of their own.
bool only_absent(std::string_view output) {
  static constexpr std::string_view kAbsent[] = {
      "doesn't exist", "does not exist", "Can't find", "Cannot find", "not exist",
  };
  for (const std::string_view raw : split_lines(output)) {
    const std::string_view line = trim(raw);
    if (line.empty() || line.starts_with("% Can't open configuration file"))
      continue;
    if (line.starts_with("line ") && line.find("Failure to communicate") != std::string_view::npos)
      continue;
    bool absent = false;
    for (const std::string_view phrase : kAbsent)
      absent = absent || line.find(phrase) != std::string_view::npos;
    if (!absent)
      return false;
  }
  return true;
}

/// A scratch folder for bgpd -C's pid file and vty socket, removed on destruction.
class ScratchDir {
 public:
  ScratchDir() {
    std::error_code ec;
    std::string pattern = (fs::temp_directory_path(ec) / "peerapi-frr-check-XXXXXX").string();
    if (!ec && ::mkdtemp(pattern.data()) != nullptr)
      path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    if (!path_.empty())
      fs::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

}  // namespace

FrrConfigChange plan_change(std::string_view running, std::string_view candidate, bool full) {
  const ParsedConfig before = parse_config(running);
  const ParsedConfig after = parse_config(candidate);

  // Neighbors whose defining line is gone: `no neighbor X` removes everything about them.
  std::map<std::string, std::set<std::string>, std::less<>> gone_neighbors;  // router -> X
  std::vector<Entry> removals;
  for (const Entry& entry : before.entries) {
    // A router block that is gone as a whole goes with `no router bgp N` below.
    if (entry.line.empty() || entry.path.size() != 1 || !is_router_bgp(entry.path[0]) ||
        !after.contexts.contains(entry.path) || after.leaves.contains({entry.path, entry.line}))
      continue;
    if (const auto neighbor = defined_neighbor(entry.line)) {
      if (gone_neighbors[entry.path[0]].insert(*neighbor).second)
        removals.push_back(Entry{entry.path, "no neighbor " + *neighbor});
    }
  }
  const auto of_gone_neighbor = [&](const Entry& entry) {
    if (entry.path.empty())
      return false;
    const auto router = gone_neighbors.find(entry.path[0]);
    if (router == gone_neighbors.end())
      return false;
    // `neighbor X ...` and `no neighbor X ...` (a default turned off) alike.
    auto parts = words(entry.line);
    if (!parts.empty() && parts[0] == "no")
      parts.erase(parts.begin());
    return parts.size() >= 2 && parts[0] == "neighbor" &&
           router->second.contains(std::string(parts[1]));
  };

  std::set<Path> removed_contexts;  // removed with `no <header>`, subtree included
  for (const Entry& entry : before.entries) {
    if (entry.line.empty()) {
      if (after.contexts.contains(entry.path) || within(entry.path, removed_contexts))
        continue;
      const Path parent(entry.path.begin(), entry.path.end() - 1);
      if ((parent.empty() || after.contexts.contains(parent)) &&
          removable_header(entry.path.back())) {
        removals.push_back(Entry{parent, "no " + entry.path.back()});
        removed_contexts.insert(entry.path);
      }
      continue;
    }
    if (after.leaves.contains({entry.path, entry.line}) || within(entry.path, removed_contexts) ||
        keeps_when_removed(entry.line) || of_gone_neighbor(entry))
      continue;
    removals.push_back(Entry{entry.path, negated(entry.line)});
  }

  std::vector<Entry> additions;
  for (const Entry& entry : after.entries) {
    const bool wanted =
        full || (entry.line.empty() ? !before.contexts.contains(entry.path)
                                    : !before.leaves.contains({entry.path, entry.line}) ||
                                          of_gone_neighbor(entry));
    if (wanted)
      additions.push_back(entry);
  }
  return FrrConfigChange{
      .removals = emit(removals, before.closes),
      .additions = emit(additions, after.closes),
  };
}

FrrDriver::FrrDriver(FrrDriverOptions options, CommandRunner& runner)
    : options_(std::move(options)), runner_(runner), directory_(options_.config_dir) {}

std::vector<std::string> FrrDriver::vtysh_argv() const {
  std::vector<std::string> argv{options_.vtysh};
  if (!options_.vty_socket_dir.empty()) {
    argv.emplace_back("--vty_socket");
    argv.push_back(options_.vty_socket_dir);
  }
  argv.emplace_back("-d");
  argv.emplace_back("bgpd");
  return argv;
}

Result<void> FrrDriver::check(const std::string& candidate) {
  const std::string file = (options_.config_dir / kTopLevel).string();
  const CommandResult grammar =
      runner_.run({options_.vtysh, "--dryrun", "-f", file}, options_.timeout);
  if (!grammar.start_error.empty() || grammar.timed_out)
    return fail(ErrorCode::unavailable, "router.control_socket",
                "vtysh --dryrun: " + failure_text(grammar, "vtysh"));
  if (!grammar.ok())
    return fail(
        ErrorCode::invalid_value, "router.apply",
        "FRR refused the configuration (vtysh --dryrun): " + failure_text(grammar, "vtysh"));

  ScratchDir scratch;
  if (scratch.path().empty())
    return fail(ErrorCode::io_error, fs::temp_directory_path().string(),
                "cannot create a scratch folder for bgpd -C");
  std::vector<std::string> argv{options_.bgpd, "-C", "-Z", "-n", "-p", "0", "-S"};
  if (parse_config(candidate).has_rpki) {
    // The module that knows the `rpki` block. It also starts the RTR connection while reading
    // the file, hence the empty network namespace below.
    argv.emplace_back("-M");
    argv.emplace_back("rpki");
  }
  for (const auto& part :
       {std::string("-i"), (scratch.path() / "bgpd.pid").string(), std::string("--vty_socket"),
        scratch.path().string(), std::string("-f"), file})
    argv.push_back(part);
  // bgpd makes its crash-log folder /var/tmp/frr/bgpd.<pid> even with -C and leaves it behind:
  // a shell runs it and removes that folder when it is still empty.
  argv.insert(argv.begin(), {"sh", "-c",
                             "\"$@\" & pid=$!; wait \"$pid\"; status=$?; "
                             "rmdir \"/var/tmp/frr/bgpd.$pid\" 2>/dev/null; exit \"$status\"",
                             "sh"});
  // In a network namespace of its own bgpd -C reaches no RTR cache and binds nothing; root
  // makes one directly, others inside a user namespace. Where neither is allowed the check runs
  // as it is (the RTR cache then sees one short connection).
  std::vector<std::string> isolated{"unshare"};
  if (::geteuid() != 0) {
    isolated.emplace_back("--user");
    isolated.emplace_back("--map-root-user");
  }
  isolated.emplace_back("--net");
  isolated.insert(isolated.end(), argv.begin(), argv.end());
  CommandResult semantics = runner_.run(isolated, options_.timeout);
  if (!semantics.start_error.empty() ||
      (!semantics.ok() && semantics.output.starts_with("unshare:")))
    semantics = runner_.run(argv, options_.timeout);
  if (!semantics.start_error.empty() || semantics.timed_out)
    return fail(ErrorCode::unavailable, "router.apply",
                "bgpd -C: " + failure_text(semantics, "bgpd -C"));
  if (bgpd_refused(semantics))
    return fail(ErrorCode::invalid_value, "router.apply",
                "FRR refused the configuration (bgpd -C): " + failure_text(semantics, "bgpd -C"));
  return {};
}

Result<void> FrrDriver::load(const std::string& text, bool tolerate_absent) {
  if (text.empty())
    return {};
  const fs::path file = options_.config_dir / kLoadFile;
  if (auto written = util::write_file_atomically(file, text); !written)
    return std::unexpected(written.error());
  std::vector<std::string> argv = vtysh_argv();
  argv.emplace_back("-f");
  argv.push_back(file.string());
  const CommandResult loaded = runner_.run(argv, options_.timeout);
  std::error_code ignored;
  fs::remove(file, ignored);
  if (unreachable(loaded))
    return fail(ErrorCode::unavailable, "router.control_socket",
                "vtysh -f: " + failure_text(loaded, "vtysh"));
  if (loaded.ok() || (tolerate_absent && only_absent(loaded.output)))
    return {};
  return fail(ErrorCode::invalid_value, "router.apply",
              "bgpd did not take the configuration: " + failure_text(loaded, "vtysh"));
}

Result<ApplyOutcome> FrrDriver::apply(const render::Rendering& rendering) {
  FileSet wanted = to_file_set(rendering);
  const auto rendered = wanted.find(kTopLevel);
  if (top_level_name(rendering) != kTopLevel || rendered == wanted.end())
    return fail(ErrorCode::invalid_value, "router.apply",
                "the rendering has no top-level frr.conf (not an FRR rendering)");
  std::string candidate;
  if (!options_.base_config.empty()) {
    auto base = read_text_file(options_.base_config);
    if (!base)
      return std::unexpected(base.error());
    candidate = std::move(*base);
    if (!candidate.empty() && candidate.back() != '\n')
      candidate += '\n';
  }
  candidate += rendered->second;
  rendered->second = candidate;

  auto previous = directory_.read(kTopLevel);
  if (!previous)
    return std::unexpected(previous.error());
  if (*previous == wanted && loaded_)
    return ApplyOutcome{.changed = false};

  // What bgpd runs: the record of the last load, else the file bgpd was started from.
  const fs::path loaded_file = options_.config_dir / kLoadedFile;
  std::string running;
  bool under_way = false;
  std::error_code exists_ec;
  if (fs::exists(loaded_file, exists_ec)) {
    auto text = read_text_file(loaded_file);
    if (!text)
      return std::unexpected(text.error());
    running = std::move(*text);
    under_way = running.starts_with(kUnderWay);
    if (under_way)
      running.erase(0, kUnderWay.size());
  } else if (const auto found = previous->find(kTopLevel); found != previous->end()) {
    running = found->second;
  }

  if (auto written = directory_.replace(*previous, wanted); !written)
    return std::unexpected(written.error());
  const auto put_back_files = [&](Error error) -> Result<ApplyOutcome> {
    if (auto restored = directory_.replace(wanted, *previous); !restored)
      error.message += "; restoring the previous files failed too: " + restored.error().message;
    return std::unexpected(std::move(error));
  };
  if (auto checked = check(candidate); !checked)
    return put_back_files(checked.error());

  const FrrConfigChange change = plan_change(running, candidate, !loaded_ || under_way);
  if (auto recorded = util::write_file_atomically(
          loaded_file, std::string(kUnderWay) + running + "\n" + candidate);
      !recorded)
    return put_back_files(recorded.error());
  Result<void> result = load(change.removals, true);
  if (result)
    result = load(change.additions, false);
  if (!result) {
    // What bgpd runs is uncertain until a load succeeds: the next apply loads everything.
    loaded_ = false;
    Error error = result.error();
    if (error.code != ErrorCode::unavailable) {
      // bgpd took part of the change: take it back to what ran before.
      const FrrConfigChange back = plan_change(candidate, running, false);
      Result<void> undone = load(back.removals, true);
      if (undone)
        undone = load(back.additions, true);
      error.message += undone ? "; the previous configuration was put back"
                              : "; putting the previous configuration back failed too: " +
                                    undone.error().message;
    }
    return put_back_files(std::move(error));
  }
  // A failed write leaves the union recorded: the next load then removes and adds more.
  (void)util::write_file_atomically(loaded_file, candidate);
  loaded_ = true;
  return ApplyOutcome{.changed = *previous != wanted};
}

Result<std::map<std::string, SessionState, std::less<>>> FrrDriver::read_state(
    std::span<const SessionKey> sessions) {
  std::map<std::string, SessionState, std::less<>> states;
  if (sessions.empty())
    return states;
  std::vector<std::string> argv = vtysh_argv();
  argv.emplace_back("-c");
  argv.emplace_back("show bgp neighbors json");
  const CommandResult shown = runner_.run(argv, options_.timeout);
  if (unreachable(shown))
    return fail(ErrorCode::unavailable, "router.control_socket",
                "vtysh show bgp neighbors json: " + failure_text(shown, "vtysh"));
  if (!shown.ok())
    return fail(ErrorCode::data_invalid, "router.state",
                "vtysh show bgp neighbors json: " + failure_text(shown, "vtysh"));
  auto neighbors = parse_show_bgp_neighbors(shown.output);
  if (!neighbors)
    return std::unexpected(neighbors.error());
  std::vector<std::pair<model::IpAddress, const FrrNeighborState*>> by_address;
  for (const auto& [key, neighbor] : *neighbors) {
    if (auto address = model::IpAddress::parse(key))
      by_address.emplace_back(*address, &neighbor);
  }
  for (const SessionKey& key : sessions) {
    for (const auto& [address, neighbor] : by_address) {
      if (address == key.neighbor) {
        states.insert_or_assign(key.name, neighbor->session);
        break;
      }
    }
  }
  return states;
}

}  // namespace peerapi::router::frr
