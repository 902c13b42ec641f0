#include "e2e/two_networks_world.hpp"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "integration/cli_run.hpp"

namespace peerapi::testing::e2e {

namespace fs = std::filesystem;
namespace json = boost::json;
using behaviour::BirdDaemon;
using behaviour::BirdProtocol;

namespace {

std::string quoted(const fs::path& path) {
  return "\"" + path.string() + "\"";
}

/// Single-quoted for sh (the paths are the world's own temporary folders).
std::string sh_quoted(const fs::path& path) {
  return "'" + path.string() + "'";
}

std::string a_announcements() {
  return "# What A originates. Its export filters (rendered by peerapi) pass the declared\n"
         "# prefixes ([render] announce) that its IANA copy does not call bogons.\n"
         "protocol static a_routes_v4 {\n  ipv4;\n"
         "  route " +
         std::string(kGoodV4) + " blackhole;\n  route " + kInvalidV4 + " blackhole;\n  route " +
         kBogonV4 +
         " blackhole;\n}\n"
         "protocol static a_routes_v6 {\n  ipv6;\n  route " +
         kGoodV6 + " blackhole;\n}\n";
}

/// What BIRD runs until peerapi's first reconcile pass writes its own bird.conf.
std::string placeholder_bird_conf(const char* router_id) {
  return "# Placeholder until peerapi renders this file.\nrouter id " + std::string(router_id) +
         ";\nprotocol device {\n}\n";
}

}  // namespace

std::string b_url() {
  return "http://" + std::string(kBv4) + ":" + std::to_string(kApiPort);
}

std::vector<std::string> missing_programs() {
  std::vector<std::string> missing;
  for (const char* program : {"ip", "bird", "birdc", "stayrtr", "curl"}) {
    if (!lab::find_program(program))
      missing.emplace_back(program);
  }
  return missing;
}

std::string string_at(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : "";
}

// ---- Network -------------------------------------------------------------------------------

std::vector<BirdProtocol> Network::protocols() const {
  return bird->protocols();
}

std::optional<BirdProtocol> Network::protocol_to(const std::string& address) const {
  for (const auto& protocol : protocols()) {
    if (protocol.proto == "BGP" && protocol.neighbor_address == address)
      return protocol;
  }
  return std::nullopt;
}

std::vector<fs::path> Network::session_files(const std::string& session_id) const {
  std::vector<fs::path> files;
  std::error_code error;
  const fs::path sessions = bird_dir / "peerapi" / "sessions";
  if (!fs::exists(sessions, error))
    return files;
  for (const auto& entry : fs::directory_iterator(sessions, error)) {
    if (entry.is_regular_file() && read_file(entry.path()).find(session_id) != std::string::npos)
      files.push_back(entry.path());
  }
  return files;
}

// ---- configuration files -------------------------------------------------------------------

std::string World::a_config() const {
  const fs::path dir = root_ / "a";
  return "# Network A: AS64501, the initiator, at DOC-IX Frankfurt (pdb:ix:1).\n"
         "[server]\nlisten = [\"" +
         std::string(kAv4) + ":" + std::to_string(kApiPort) +
         "\"]\n"
         "[network]\nasns = [64501]\ncontact_email = \"noc@as64501.example\"\n"
         "[store]\nsqlite = " +
         quoted(dir / "peerapi.db") +
         "\nsynchronous = \"normal\"\n"
         "[peeringdb]\nsnapshot_dir = " +
         quoted(root_ / "peeringdb") +
         "\n"
         "[sources.irr]\ndumps = [" +
         quoted(root_ / "irr.db") +
         "]\n"
         "[sources.iana]\ndir = " +
         quoted(dir / "iana") +
         "\n"
         "[render]\nmode = \"strict\"\nrouter_id = \"" +
         kAv4 +
         "\"\n"
         "announce = [\"" +
         kGoodV4 + "\", \"" + kInvalidV4 + "\", \"" + kBogonV4 + "\", \"" + kGoodV6 +
         "\"]\n"
         "rpki_cache = \"\"\nstrict_roles = true\n"
         "[[auth.static_tokens]]\ntoken = \"dev-token-64500\"\nasns = [64500]\n"
         "subject = \"noc@as64500.example\"\n"
         "[outbound]\nhttp_hosts = [\"" +
         kBv4 +
         "\"]\nallowed_prefixes = [\"192.0.2.0/24\"]\n"
         "[client]\ntoken = \"" +
         kTokenA +
         "\"\n"
         "[[client.peers]]\nasn = 64500\nurl = \"" +
         b_url() +
         "\"\n"
         "[router]\ndaemon = \"bird\"\nconfig_dir = " +
         quoted(dir / "bird") + "\ncontrol_socket = " + quoted(dir / "a.ctl") +
         (options_.mirror_bird_config ? "\ncontrol_program = " + quoted(dir / "birdc-mirror")
                                      : std::string()) +
         "\nname = \"a\"\npoll_interval_ms = 500\n"
         "[log]\nlevel = \"info\"\n";
}

std::string World::b_config(int time_window_seconds) const {
  const fs::path dir = root_ / "b";
  return "# Network B: AS64500, the receiver, at DOC-IX Frankfurt (pdb:ix:1).\n"
         "[server]\nlisten = [\"" +
         std::string(kBv4) + ":" + std::to_string(kApiPort) +
         "\"]\n"
         "[network]\nasns = [64500]\ncontact_email = \"peering@as64500.example\"\n"
         "[store]\nsqlite = " +
         quoted(dir / "peerapi.db") +
         "\nsynchronous = \"normal\"\n"
         "[peeringdb]\nsnapshot_dir = " +
         quoted(root_ / "peeringdb") +
         "\n"
         "[approval]\nmode = \"auto\"\n"
         "[sources.irr]\ndumps = [" +
         quoted(root_ / "irr.db") +
         "]\n"
         "[sources.iana]\ndir = " +
         quoted(dir / "iana") +
         "\n"
         "[render]\nmode = \"strict\"\nrouter_id = \"" +
         kBv4 +
         "\"\n"
         "rpki_cache = \"127.0.0.1:" +
         std::to_string(kRtrPort) +
         "\"\nstrict_roles = true\n"
         "[[auth.static_tokens]]\ntoken = \"" +
         kTokenA +
         "\"\nasns = [64501]\nsubject = \"noc@as64501.example\"\n"
         "[[auth.static_tokens]]\ntoken = \"" +
         kTokenC +
         "\"\nasns = [64502]\nsubject = \"noc@as64502.example\"\n"
         "[router]\ndaemon = \"bird\"\nconfig_dir = " +
         quoted(dir / "bird") + "\ncontrol_socket = " + quoted(dir / "b.ctl") +
         (options_.mirror_bird_config ? "\ncontrol_program = " + quoted(dir / "birdc-mirror")
                                      : std::string()) +
         "\nname = \"b\"\npoll_interval_ms = 500\ntime_window_seconds = " +
         std::to_string(time_window_seconds) +
         "\n"
         "[log]\nlevel = \"info\"\n";
}

std::string World::c_config() const {
  return "[server]\nlisten = [\"127.0.0.1:0\"]\n"
         "[network]\nasns = [64502]\ncontact_email = \"noc@as64502.example\"\n"
         "[store]\nsqlite = " +
         quoted(root_ / "c" / "peerapi.db") +
         "\n"
         "[peeringdb]\nsnapshot_dir = " +
         quoted(root_ / "peeringdb") +
         "\n"
         "[outbound]\nhttp_hosts = [\"" +
         kBv4 +
         "\"]\nallowed_prefixes = [\"192.0.2.0/24\"]\n"
         "[client]\ntoken = \"" +
         kTokenC + "\"\n[[client.peers]]\nasn = 64500\nurl = \"" + b_url() + "\"\n";
}

/// BIRD's main file: peerapi's top-level file (config_dir/bird.conf, which includes peerapi/*,
/// or its copy) plus the operator's own part, here the static routes A announces.
std::string World::bird_main(const Network& network) const {
  std::string text =
      "# The lab's main BIRD file: peerapi's rendered configuration, then the operator's part.\n";
  if (options_.trace_bgp) {
    text +=
        "# The benchmark's probe: protocol states and BGP events, with milliseconds.\n"
        "timeformat log iso long ms;\ndebug protocols { states, events };\n";
  }
  text += "include " + quoted(loaded_dir(network) / "bird.conf") + ";\n\n" +
          (network.label == "a" ? a_announcements() : "");
  return text;
}

fs::path World::loaded_dir(const Network& network) const {
  return options_.mirror_bird_config ? network.dir / "bird-loaded" : network.bird_dir;
}

fs::path World::connect_delay_file() const {
  return root_ / "connect-delay";
}

/// The birdc wrapper of mirror_bird_config: before `configure` (and `configure check`) it copies
/// config_dir to the folder BIRD loads, adding the connect delay time if one is set.
std::string World::mirror_birdc(const Network& network) const {
  const fs::path loaded = loaded_dir(network);
  return "#!/bin/sh\n"
         "# birdc for the benchmark's BIRD: it loads a copy of peerapi's config_dir, made here\n"
         "# before every configure, with `connect delay time N;` in every BGP protocol when\n"
         "# the world's connect-delay file says N.\n"
         "set -e\n"
         "from=" +
         sh_quoted(network.bird_dir) + "\nto=" + sh_quoted(loaded) +
         "\ndelay_file=" + sh_quoted(connect_delay_file()) +
         "\n"
         "for command; do :; done\n"
         "case \"$command\" in\n"
         "  configure*)\n"
         "    rm -rf \"$to.new\"\n"
         "    cp -R \"$from\" \"$to.new\"\n"
         "    if [ -s \"$delay_file\" ] && [ -d \"$to.new/peerapi/sessions\" ]; then\n"
         "      delay=$(cat \"$delay_file\")\n"
         "      for file in \"$to.new\"/peerapi/sessions/*.conf; do\n"
         "        [ -e \"$file\" ] || continue\n"
         "        sed -i \"s/^protocol bgp \\([A-Za-z0-9_]*\\) {\\$/&\\n"
         "  connect delay time $delay;/\" \"$file\"\n"
         "      done\n"
         "    fi\n"
         "    rm -rf \"$to\"\n"
         "    mv \"$to.new\" \"$to\"\n"
         "    ;;\n"
         "esac\n"
         "exec birdc \"$@\"\n";
}

void World::set_connect_delay(std::optional<int> seconds) {
  write_file(connect_delay_file(), seconds ? std::to_string(*seconds) : "");
}

// ---- the world -----------------------------------------------------------------------------

World::World(WorldOptions options) : options_(options), root_(temp_.path()) {}

World::~World() {
  if (const char* keep = std::getenv("PEERAPI_E2E_KEEP"); keep != nullptr && *keep != '\0') {
    const std::string kept = "/tmp/peerapi-e2e-" + std::to_string(::getpid());
    lab::run({"cp", "-a", root_.string(), kept});
    std::cout << "[e2e] kept the test's files in " << kept << "\n";
  }
}

std::string World::start() {
  for (const char* name : {"peeringdb", "a", "b", "c"})
    fs::create_directories(root_ / name);
  const fs::path data = source_dir() / "tests" / "e2e" / "data";
  for (const auto& entry : fs::directory_iterator(data / "peeringdb"))
    fs::copy_file(entry.path(), root_ / "peeringdb" / entry.path().filename());
  fs::copy_file(data / "irr.db", root_ / "irr.db");
  fs::copy_file(data / "vrps.json", root_ / "vrps.json");
  // B's registries are current. A's copy predates RFC 6598 (2012): it lacks 100.64.0.0/10, so
  // A's own export filter, which never announces a bogon, lets it out, and B's import filter
  // has to hold it (RFC 7454 6.1.1).
  if (auto error = write_lab_iana(root_ / "b" / "iana"); !error.empty())
    return error;
  if (auto error = write_lab_iana(root_ / "a" / "iana", {"100.64.0.0/10"}); !error.empty())
    return error;

  a_ = Network{.label = "a",
               .dir = root_ / "a",
               .config = root_ / "a" / "a.toml",
               .bird_dir = root_ / "a" / "bird",
               .v4 = kAv4,
               .bird = nullptr,
               .serve = nullptr};
  b_ = Network{.label = "b",
               .dir = root_ / "b",
               .config = root_ / "b" / "b.toml",
               .bird_dir = root_ / "b" / "bird",
               .v4 = kBv4,
               .bird = nullptr,
               .serve = nullptr};
  write_file(a_.config, a_config());
  write_file(b_.config, b_config(options_.b_time_window_seconds));
  write_file(root_ / "c" / "c.toml", c_config());
  for (const fs::path& config : {a_.config, b_.config, root_ / "c" / "c.toml"}) {
    const testing::CliRun checked =
        testing::run_peerapi("check-config --config " + config.string());
    if (checked.status != 0)
      return config.string() + " is refused:\n" + checked.out + checked.err;
  }
  for (Network* network : {&a_, &b_}) {
    fs::create_directories(network->bird_dir);
    write_file(network->bird_dir / "bird.conf", placeholder_bird_conf(network->v4));
    if (options_.mirror_bird_config) {
      fs::create_directories(loaded_dir(*network));
      write_file(loaded_dir(*network) / "bird.conf", placeholder_bird_conf(network->v4));
      const fs::path wrapper = network->dir / "birdc-mirror";
      write_file(wrapper, mirror_birdc(*network));
      fs::permissions(wrapper, fs::perms::owner_all, fs::perm_options::replace);
    }
    write_file(network->dir / "main.conf", bird_main(*network));
  }
  if (options_.mirror_bird_config)
    set_connect_delay(std::nullopt);

  link_ = std::make_unique<lab::Link>("e2e", lab::LinkAddresses{.a_v4 = std::string(kAv4) + "/24",
                                                                .b_v4 = std::string(kBv4) + "/24",
                                                                .a_v6 = std::string(kAv6) + "/64",
                                                                .b_v6 = std::string(kBv6) + "/64"});
  if (!link_->error().empty())
    return "the IX LAN: " + link_->error();

  rtr_ = std::make_unique<behaviour::StayRtr>(ns_b(), root_ / "vrps.json", kRtrPort, root_ / "b");
  if (auto error = rtr_->wait_ready(); !error.empty())
    return error;
  a_.bird = std::make_unique<BirdDaemon>("a", ns_a(), a_.dir / "main.conf", a_.dir);
  b_.bird = std::make_unique<BirdDaemon>("b", ns_b(), b_.dir / "main.conf", b_.dir);
  for (Network* network : {&a_, &b_}) {
    if (auto error = network->bird->wait_ready(); !error.empty())
      return error;
  }
  for (Network* network : {&a_, &b_}) {
    if (auto error = start_serve(*network, network->config); !error.empty())
      return error;
  }
  return "";
}

std::string World::start_serve(Network& network, const fs::path& config) {
  lab::Namespace& ns = network.label == "a" ? ns_a() : ns_b();
  network.serve = std::make_unique<lab::Process>(
      "serve-" + network.label,
      std::vector<std::string>{PEERAPI_BINARY, "serve", "--config", config.string()}, ns,
      network.dir / "serve.out", network.dir);
  if (!network.serve->start_error().empty())
    return network.serve->start_error();
  bool exited = false;
  const bool listening = lab::wait_until(10s, [&] {
    if (!network.serve->running()) {
      exited = true;
      return true;
    }
    return lab::tcp_listening(network.serve->pid(), network.v4, kApiPort);
  });
  if (exited || !listening)
    return "peerapi serve " + config.string() + (exited ? " exited" : " does not listen") + ":\n" +
           tail(network.serve->output());
  return "";
}

std::optional<json::object> World::b_session(const std::string& id) {
  return http_get(ns_a(), b_url() + "/sessions/" + id, kTokenA).object();
}

std::string World::diagnostics() {
  std::string text;
  for (Network* network : {&a_, &b_}) {
    text += "\n===== network " + network->label + " =====";
    if (network->serve)
      text += "\n--- peerapi serve ---\n" + tail(network->serve->output(), 3000);
    if (network->bird) {
      text += "\n--- birdc show protocols all ---\n" +
              tail(network->bird->birdc("show protocols all").output, 3000);
      text += "\n--- BIRD log ---\n" + tail(network->bird->log(), 3000);
    }
  }
  return text;
}

}  // namespace peerapi::testing::e2e
