// FrrDriver against a real FRR 8.4.4 bgpd (as tests/render/behaviour runs it: -Z -S -M rpki
// -P 0, vty socket in the test's folder) in network namespace a of a lab::Link, peering with a
// BIRD in namespace b that runs a hand-written configuration with fast timers. Documentation
// addresses and ASNs only; nothing leaves the namespaces; every daemon is stopped by PID.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "render/behaviour/daemons.hpp"
#include "render/behaviour/lab.hpp"
#include "render/render_cases.hpp"
#include "render/renderer.hpp"
#include "router/frr/frr_driver.hpp"
#include "support/test_support.hpp"

namespace peerapi::router::frr {
namespace {

namespace fs = std::filesystem;
namespace lab = testing::lab;
namespace cases = testing::render_cases;
using namespace std::chrono_literals;
using testing::read_file;
using testing::TempDir;
using testing::write_file;
using testing::behaviour::BirdDaemon;
using testing::behaviour::FrrBgpd;

constexpr auto kSessionTimeout = 30s;

#define REQUIRE_LAB()                                                                   \
  do {                                                                                  \
    const std::string why_not = lab::acquire_netns_privilege();                         \
    if (!why_not.empty())                                                               \
      GTEST_SKIP() << "\n*****************************************************\n"       \
                   << "*** FRR DRIVER TEST NOT RUN: no network namespaces ***\n"        \
                   << "*** " << why_not << "\n"                                         \
                   << "*****************************************************";          \
    for (const char* program : {"vtysh", "/usr/lib/frr/bgpd", "bird", "birdc", "ip"})   \
      ASSERT_TRUE(lab::find_program(program))                                           \
          << program << " is not installed; scripts/install-deps installs the daemons"; \
  } while (false)

/// Every command the driver runs, then run for real.
class RecordingRunner final : public CommandRunner {
 public:
  CommandResult run(const std::vector<std::string>& argv,
                    std::chrono::milliseconds timeout) override {
    calls.push_back(argv);
    return inner_.run(argv, timeout);
  }
  std::vector<std::vector<std::string>> calls;

 private:
  ProcessRunner inner_;
};

std::string unique_id(const char* what) {
  static int counter = 0;
  return std::string(what) + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

/// Our side AS64500 at 192.0.2.1; the session to AS64501 at `their_ip`. No bogon list (the
/// documentation prefixes the peer announces would all be bogons); the peer's IRR list holds
/// 203.0.113.0/24; RPKI from a cache that is not there (every route not-found).
render::RenderInput lab_input(const std::vector<render::SessionInput>& sessions) {
  render::RenderInput input = cases::base_input(render::Daemon::frr);
  input.bogons = {};
  input.sessions = sessions;
  return input;
}

render::SessionInput lab_session(const char* their_ip = "192.0.2.11",
                                 std::uint32_t their_asn = 64501,
                                 const char* id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a01") {
  render::SessionInput session = cases::v4_session();
  session.session_id = cases::uuid(id);
  session.neighbor.their_ip = cases::ip(their_ip);
  session.neighbor.their_asn = cases::asn(their_asn);
  session.irr_prefixes = {cases::range("203.0.113.0/24")};
  return session;
}

/// BIRD as AS`asn` at `local`, peering with 192.0.2.1; it announces one route FRR accepts
/// (203.0.113.0/24) and two it rejects (too specific, our own prefix).
std::string bird_protocol(const std::string& name, const std::string& local, std::uint32_t asn,
                          const std::string& password, const std::string& role) {
  return "protocol bgp " + name + " {\n  local " + local + " as " + std::to_string(asn) +
         ";\n  neighbor 192.0.2.1 as 64500;\n  password \"" + password +
         "\";\n  ttl security on;\n  local role " + role +
         ";\n  connect delay time 1;\n  connect retry time 2;\n  error wait time 1, 3;\n"
         "  hold time 9;\n  keepalive time 3;\n  ipv4 { import all; export all; };\n}\n";
}

std::string bird_config(const std::string& protocols) {
  return "router id 192.0.2.11;\nprotocol device { }\nprotocol static announced {\n  ipv4;\n"
         "  route 203.0.113.0/24 blackhole;\n  route 203.0.113.0/25 blackhole;\n"
         "  route 198.51.100.0/24 blackhole;\n}\n" +
         protocols;
}

FrrDriverOptions options_for(const fs::path& config_dir, const fs::path& vty_dir) {
  FrrDriverOptions options;
  options.config_dir = config_dir;
  options.vty_socket_dir = vty_dir.string();
  return options;
}

std::string frr_conf_text(const render::Rendering& rendering) {
  for (const auto& file : rendering.files) {
    if (file.top_level)
      return file.text;
  }
  return "";
}

render::Rendering with_top_level(render::Rendering rendering, const std::string& text) {
  for (auto& file : rendering.files) {
    if (file.top_level)
      file.text = text;
  }
  return rendering;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  if (at != std::string::npos)
    text.replace(at, from.size(), to);
  return text;
}

/// FRR in namespace a, BIRD in namespace b, the driver pointed at FRR's vty socket.
struct Lab {
  TempDir dir;
  std::unique_ptr<lab::Link> link;
  std::unique_ptr<FrrBgpd> frr;
  std::unique_ptr<BirdDaemon> bird;
  RecordingRunner runner;
  std::unique_ptr<FrrDriver> driver;

  [[nodiscard]] fs::path config_dir() const { return dir.path() / "frr"; }
  [[nodiscard]] fs::path vty_dir() const { return dir.path() / "a-vty"; }

  /// Empty on success, else what failed.
  std::string start(const std::string& bird_conf,
                    const std::vector<std::string>& b_addresses = {}) {
    link = std::make_unique<lab::Link>(unique_id("pfrr"), lab::LinkAddresses{
                                                              .a_v4 = "192.0.2.1/24",
                                                              .b_v4 = "192.0.2.11/24",
                                                              .a_v6 = "2001:db8:ffff::1/64",
                                                              .b_v6 = "2001:db8:ffff::11/64",
                                                          });
    if (!link->error().empty())
      return "network namespaces: " + link->error();
    for (const auto& address : b_addresses) {
      const auto added = lab::run({"ip", "address", "add", address, "dev", "veth-b"}, &link->b());
      if (!added.ok())
        return "ip address add " + address + ": " + added.output;
    }
    write_file(config_dir() / "frr.conf", "frr defaults traditional\n");
    frr = std::make_unique<FrrBgpd>("a", link->a(), config_dir() / "frr.conf", dir.path());
    if (auto error = frr->wait_ready(); !error.empty())
      return error;
    write_file(dir.path() / "b" / "bird.conf", bird_conf);
    if (const auto check =
            lab::run({"bird", "-p", "-c", (dir.path() / "b" / "bird.conf").string()});
        !check.ok())
      return "BIRD configuration: " + check.output;
    bird = std::make_unique<BirdDaemon>("b", link->b(), dir.path() / "b" / "bird.conf", dir.path());
    if (auto error = bird->wait_ready(); !error.empty())
      return error;
    driver = std::make_unique<FrrDriver>(options_for(config_dir(), vty_dir()), runner);
    return "";
  }

  std::optional<SessionState> state(const std::string& name, const char* address) {
    const SessionKey key{name, cases::ip(address)};
    auto states = driver->read_state(std::span(&key, 1));
    if (!states) {
      ADD_FAILURE() << "read_state: " << states.error().message;
      return std::nullopt;
    }
    const auto found = states->find(name);
    if (found == states->end())
      return std::nullopt;
    return found->second;
  }

  std::string running_config() const { return frr->vtysh("show running-config").output; }
};

std::string describe(const std::optional<SessionState>& state) {
  if (!state)
    return "(absent)";
  return std::string(to_string(state->state)) + " accepted=" +
         (state->prefixes_accepted ? std::to_string(*state->prefixes_accepted) : "?") +
         " error=\"" + state->last_error + "\"";
}

TEST(FrrDriverLab, AppliesKeepsRefusedCandidatesOutAndRemovesTheSession) {
  REQUIRE_LAB();
  Lab lab;
  ASSERT_EQ(
      lab.start(bird_config(bird_protocol("to_a", "192.0.2.11", 64501, "s3cret-Example", "peer"))),
      "");
  const render::SessionInput session = lab_session();
  const std::string name = render::session_name(session);
  const render::Rendering one = render::render(lab_input({session}));

  // Apply: the session comes up, with the one route the rendered filters accept.
  auto applied = lab.driver->apply(one);
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_TRUE(applied->changed);
  EXPECT_EQ(read_file(lab.config_dir() / "frr.conf"), frr_conf_text(one));
  std::optional<SessionState> state;
  ASSERT_TRUE(lab::wait_until(kSessionTimeout,
                              [&] {
                                state = lab.state(name, "192.0.2.11");
                                return state && state->state == BgpState::established &&
                                       state->prefixes_accepted == 1U;
                              }))
      << describe(state) << "\nFRR:\n"
      << lab.frr->output();
  EXPECT_EQ(state->last_error, "");
  ASSERT_TRUE(state->seconds_in_state.has_value());
  EXPECT_LT(*state->seconds_in_state, 60);

  // The same rendering again: nothing checked, nothing loaded.
  lab.runner.calls.clear();
  applied = lab.driver->apply(one);
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_FALSE(applied->changed);
  EXPECT_TRUE(lab.runner.calls.empty()) << lab.runner.calls.size() << " commands run";

  // Refused candidates: by vtysh's grammar, and by bgpd's semantics only. FRR keeps running the
  // previous configuration and the session stays up; the files are the previous ones again.
  const std::string running = lab.running_config();
  const std::string text = frr_conf_text(one);
  const struct {
    const char* name;
    std::string text;
    const char* words;
  } refused[] = {
      {"grammar", replaced(text, "remote-as 64501", "remote-ass 64501"), "Unknown command"},
      {"semantics",
       replaced(text, "  neighbor 192.0.2.11 activate\n",
                "  neighbor 192.0.2.11 activate\n  neighbor 192.0.2.99 activate\n"),
       "Specify remote-as or peer-group commands first"},
  };
  for (const auto& row : refused) {
    ASSERT_NE(row.text, text) << row.name;
    const auto before = lab.state(name, "192.0.2.11");
    const auto result = lab.driver->apply(with_top_level(one, row.text));
    ASSERT_FALSE(result) << row.name;
    EXPECT_EQ(result.error().code, ErrorCode::invalid_value) << row.name;
    EXPECT_EQ(result.error().field, "router.apply") << row.name;
    EXPECT_NE(result.error().message.find(row.words), std::string::npos)
        << row.name << ": " << result.error().message;
    EXPECT_EQ(result.error().message.find("s3cret-Example"), std::string::npos)
        << "the secret is in the error: " << result.error().message;
    EXPECT_EQ(read_file(lab.config_dir() / "frr.conf"), text) << row.name;
    EXPECT_EQ(lab.running_config(), running) << row.name;
    const auto after = lab.state(name, "192.0.2.11");
    ASSERT_TRUE(after && before) << row.name;
    EXPECT_EQ(after->state, BgpState::established) << row.name;
    EXPECT_GE(after->seconds_in_state.value_or(-1), before->seconds_in_state.value_or(0))
        << row.name << ": the session was reset";
  }

  // A rendering without the session: the neighbor and every object of the session are gone.
  const render::Rendering none = render::render(lab_input({}));
  applied = lab.driver->apply(none);
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_TRUE(applied->changed);
  EXPECT_FALSE(lab.state(name, "192.0.2.11").has_value());
  const std::string emptied = lab.running_config();
  EXPECT_EQ(emptied.find("192.0.2.11"), std::string::npos) << emptied;
  EXPECT_EQ(emptied.find(name), std::string::npos) << emptied;
  EXPECT_EQ(emptied.find("PEERAPI-IRR"), std::string::npos) << emptied;
  EXPECT_TRUE(lab::wait_until(kSessionTimeout, [&] {
    for (const auto& protocol : lab.bird->protocols()) {
      if (protocol.name == "to_a")
        return protocol.info != "Established";
    }
    return false;
  })) << "BIRD still has the session";

  // And back: FRR knows the neighbor again (coming up takes FRR about 4 s here, as above).
  applied = lab.driver->apply(one);
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_TRUE(lab.state(name, "192.0.2.11").has_value());

  // bgpd gone: unavailable, and the files stay what bgpd last ran.
  lab.frr->process().stop();
  const render::Rendering two = render::render(lab_input(
      {session, lab_session("192.0.2.12", 64502, "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a06")}));
  const auto unreachable = lab.driver->apply(two);
  ASSERT_FALSE(unreachable);
  EXPECT_EQ(unreachable.error().code, ErrorCode::unavailable) << unreachable.error().message;
  EXPECT_EQ(unreachable.error().field, "router.control_socket");
  EXPECT_EQ(read_file(lab.config_dir() / "frr.conf"), text);
  const SessionKey key{name, cases::ip("192.0.2.11")};
  const auto unread = lab.driver->read_state(std::span(&key, 1));
  ASSERT_FALSE(unread);
  EXPECT_EQ(unread.error().code, ErrorCode::unavailable);
  EXPECT_EQ(unread.error().field, "router.control_socket");
}

TEST(FrrDriverLab, RoleMismatchAndWrongSecretShowInState) {
  REQUIRE_LAB();
  Lab lab;
  // BIRD claims to be our customer on the first session (we render "peer": RFC 9234 section
  // 4.2 role mismatch) and uses another TCP MD5 secret on the second.
  ASSERT_EQ(
      lab.start(
          bird_config(bird_protocol("to_role", "192.0.2.11", 64501, "s3cret-Example", "customer") +
                      bird_protocol("to_md5", "192.0.2.12", 64502, "not-the-secret", "peer")),
          {"192.0.2.12/24"}),
      "");
  const render::SessionInput role = lab_session();
  const render::SessionInput md5 =
      lab_session("192.0.2.12", 64502, "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a06");
  const auto applied = lab.driver->apply(render::render(lab_input({role, md5})));
  ASSERT_TRUE(applied) << applied.error().message;

  std::optional<SessionState> role_state;
  ASSERT_TRUE(lab::wait_until(kSessionTimeout, [&] {
    role_state = lab.state(render::session_name(role), "192.0.2.11");
    return role_state && role_state->last_error.find("Role Mismatch") != std::string::npos;
  })) << describe(role_state);
  EXPECT_NE(role_state->state, BgpState::established);

  // The TCP MD5 secrets differ: the kernel drops the segments, so the session never comes up
  // (in the time a session with matching secrets took above) and FRR, which never sees an
  // OPEN, has no error to tell.
  std::optional<SessionState> md5_state;
  EXPECT_FALSE(lab::wait_until(3s, [&] {
    md5_state = lab.state(render::session_name(md5), "192.0.2.12");
    return md5_state && md5_state->state == BgpState::established;
  }));
  ASSERT_TRUE(md5_state) << "FRR does not know the second neighbor";
  EXPECT_TRUE(md5_state->state == BgpState::connect || md5_state->state == BgpState::active ||
              md5_state->state == BgpState::idle)
      << describe(md5_state);
  EXPECT_EQ(md5_state->last_error, "");
  EXPECT_EQ(md5_state->prefixes_accepted.value_or(0), 0U);
}

/// `show running-config` as a set: its top-level blocks (a line with the indented lines and the
/// exit that follow it) sorted, and the lines inside each block sorted. FRR prints prefix-lists
/// and community lists in the order they were created, which differs between a bgpd that loaded
/// a file and one that was changed line by line; the order is no part of the state.
std::string state_lines(const std::string& shown) {
  std::vector<std::vector<std::string>> blocks;
  std::size_t at = 0;
  while (at < shown.size()) {
    auto end = shown.find('\n', at);
    if (end == std::string::npos)
      end = shown.size();
    const std::string line = shown.substr(at, end - at);
    at = end + 1;
    if (line.empty() || line == "!" || line == "end" ||
        line.starts_with("Building configuration") || line.starts_with("Current configuration"))
      continue;
    const bool indented = line.starts_with(' ');
    if ((!indented && line != "exit") || blocks.empty())
      blocks.emplace_back();
    blocks.back().push_back(line);
  }
  std::vector<std::string> texts;
  for (auto& block : blocks) {
    std::sort(block.begin() + 1, block.end());
    std::string text;
    for (const auto& line : block)
      text += line + "\n";
    texts.push_back(text);
  }
  std::sort(texts.begin(), texts.end());
  std::string out;
  for (const auto& text : texts)
    out += text;
  return out;
}

TEST(FrrDriverLab, RunningConfigFollowsEveryGoldenCase) {
  REQUIRE_LAB();
  TempDir dir;
  lab::Namespace driven(unique_id("pfrrg"));
  lab::Namespace fresh(unique_id("pfrrf"));
  ASSERT_TRUE(driven.valid()) << driven.error();
  ASSERT_TRUE(fresh.valid()) << fresh.error();
  const fs::path config_dir = dir.path() / "frr";
  write_file(config_dir / "frr.conf", "frr defaults traditional\n");
  FrrBgpd frr("a", driven, config_dir / "frr.conf", dir.path());
  ASSERT_EQ(frr.wait_ready(), "");
  RecordingRunner runner;
  const FrrDriverOptions options = options_for(config_dir, dir.path() / "a-vty");
  auto driver = std::make_unique<FrrDriver>(options, runner);

  // Every golden case in turn (each one adds, changes and removes something of the one before),
  // then the first again and an empty rendering.
  std::vector<cases::GoldenCase> sequence = cases::golden_cases(render::Daemon::frr);
  sequence.push_back(sequence.front());
  {
    render::RenderInput empty = cases::base_input(render::Daemon::frr);
    sequence.push_back(cases::GoldenCase{"no_sessions", empty});
  }
  int round = 0;
  for (const auto& golden : sequence) {
    SCOPED_TRACE(golden.name);
    const render::Rendering rendering = render::render(golden.input);
    const auto applied = driver->apply(rendering);
    ASSERT_TRUE(applied) << applied.error().message;
    // What bgpd runs when started from this candidate.
    const fs::path copy = dir.path() / ("fresh-" + std::to_string(round)) / "frr.conf";
    write_file(copy, read_file(config_dir / "frr.conf"));
    FrrBgpd reference("f" + std::to_string(round), fresh, copy, dir.path());
    ASSERT_EQ(reference.wait_ready(), "");
    EXPECT_EQ(state_lines(frr.vtysh("show running-config").output),
              state_lines(reference.vtysh("show running-config").output));
    reference.process().stop();
    ++round;
  }

  // A new driver (peerapi restarted) with the same rendering loads it again, changes nothing.
  const std::string before = frr.vtysh("show running-config").output;
  driver = std::make_unique<FrrDriver>(options, runner);
  runner.calls.clear();
  const auto again = driver->apply(render::render(sequence.back().input));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(again->changed);
  EXPECT_FALSE(runner.calls.empty()) << "the first apply of a process loads";
  EXPECT_EQ(frr.vtysh("show running-config").output, before);
}

/// Runs everything for real; the first `vtysh -f` whose input mentions `marker` is reported as
/// failed after it ran (a load that went wrong half-way).
class FailingOnceRunner final : public CommandRunner {
 public:
  explicit FailingOnceRunner(std::string marker) : marker_(std::move(marker)) {}
  CommandResult run(const std::vector<std::string>& argv,
                    std::chrono::milliseconds timeout) override {
    CommandResult result = inner_.run(argv, timeout);
    const auto file = std::find(argv.begin(), argv.end(), "-f");
    const bool dryrun = std::find(argv.begin(), argv.end(), "--dryrun") != argv.end();
    if (!failed_ && !dryrun && argv.front() == "vtysh" && file != argv.end() &&
        file + 1 != argv.end() && read_file(*(file + 1)).find(marker_) != std::string::npos) {
      failed_ = true;
      result.exit_code = 2;
      result.output += "line 7: % injected failure\n";
    }
    return result;
  }

 private:
  std::string marker_;
  bool failed_ = false;
  ProcessRunner inner_;
};

TEST(FrrDriverLab, LoadThatFailsHalfWayIsTakenBack) {
  REQUIRE_LAB();
  TempDir dir;
  lab::Namespace ns(unique_id("pfrrt"));
  ASSERT_TRUE(ns.valid()) << ns.error();
  const fs::path config_dir = dir.path() / "frr";
  write_file(config_dir / "frr.conf", "frr defaults traditional\n");
  FrrBgpd frr("a", ns, config_dir / "frr.conf", dir.path());
  ASSERT_EQ(frr.wait_ready(), "");
  FailingOnceRunner runner("192.0.2.12");
  FrrDriver driver(options_for(config_dir, dir.path() / "a-vty"), runner);

  const render::SessionInput first = lab_session();
  const render::Rendering one = render::render(lab_input({first}));
  ASSERT_TRUE(driver.apply(one));
  const std::string running = state_lines(frr.vtysh("show running-config").output);
  const std::string file = read_file(config_dir / "frr.conf");

  const render::Rendering two = render::render(
      lab_input({first, lab_session("192.0.2.12", 64502, "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a06")}));
  const auto failed = driver.apply(two);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::invalid_value);
  EXPECT_EQ(failed.error().field, "router.apply");
  EXPECT_NE(failed.error().message.find("injected failure"), std::string::npos)
      << failed.error().message;
  EXPECT_NE(failed.error().message.find("put back"), std::string::npos) << failed.error().message;
  EXPECT_EQ(state_lines(frr.vtysh("show running-config").output), running)
      << "bgpd still runs part of the failed candidate";
  EXPECT_EQ(read_file(config_dir / "frr.conf"), file);

  // The next try (nothing fails now) loads it.
  const auto applied = driver.apply(two);
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_NE(frr.vtysh("show running-config").output.find("neighbor 192.0.2.12 remote-as 64502"),
            std::string::npos);
}

TEST(FrrDriverLab, BaseConfigComesFirstAndItsRemovedLinesGo) {
  REQUIRE_LAB();
  TempDir dir;
  lab::Namespace ns(unique_id("pfrrb"));
  ASSERT_TRUE(ns.valid()) << ns.error();
  const fs::path config_dir = dir.path() / "frr";
  write_file(config_dir / "frr.conf", "frr defaults traditional\n");
  FrrBgpd frr("a", ns, config_dir / "frr.conf", dir.path());
  ASSERT_EQ(frr.wait_ready(), "");
  const fs::path base = dir.path() / "base.conf";
  write_file(base,
             "ip prefix-list OPERATOR-V4 seq 5 permit 10.0.0.0/8\n"
             "route-map OPERATOR-IN permit 10\n set local-preference 200\nexit\n");
  FrrDriverOptions options = options_for(config_dir, dir.path() / "a-vty");
  options.base_config = base;
  ProcessRunner runner;
  FrrDriver driver(options, runner);
  const render::Rendering rendering = render::render(lab_input({lab_session()}));

  auto applied = driver.apply(rendering);
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_EQ(read_file(config_dir / "frr.conf"), read_file(base) + frr_conf_text(rendering));
  std::string running = frr.vtysh("show running-config").output;
  EXPECT_NE(running.find("route-map OPERATOR-IN permit 10"), std::string::npos) << running;
  EXPECT_NE(running.find("ip prefix-list OPERATOR-V4 seq 5 permit 10.0.0.0/8"), std::string::npos);

  // The operator drops the route-map and adds an AS-path list: the same rendering is applied
  // again because the candidate changed.
  write_file(base,
             "ip prefix-list OPERATOR-V4 seq 5 permit 10.0.0.0/8\n"
             "bgp as-path access-list OPERATOR seq 5 permit _64496_\n");
  applied = driver.apply(rendering);
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_TRUE(applied->changed);
  running = frr.vtysh("show running-config").output;
  EXPECT_EQ(running.find("OPERATOR-IN"), std::string::npos) << running;
  EXPECT_NE(running.find("bgp as-path access-list OPERATOR seq 5 permit _64496_"),
            std::string::npos);
  EXPECT_NE(running.find("neighbor 192.0.2.11 remote-as 64501"), std::string::npos);

  // An unreadable base is an io_error at its path, and nothing changes.
  options.base_config = dir.path() / "missing.conf";
  FrrDriver other(options, runner);
  const auto missing = other.apply(rendering);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::io_error);
  EXPECT_EQ(missing.error().field, (dir.path() / "missing.conf").string());
}

TEST(FrrDriver, DaemonNotRunningIsUnavailableAndTheFilesStay) {
  // No namespace needed: no bgpd at all behind the vty folder.
  for (const char* program : {"vtysh", "/usr/lib/frr/bgpd"})
    ASSERT_TRUE(lab::find_program(program)) << program << " is not installed";
  TempDir dir;
  const fs::path config_dir = dir.path() / "frr";
  write_file(config_dir / "frr.conf", "frr defaults traditional\n");
  fs::create_directories(dir.path() / "vty");
  ProcessRunner runner;
  FrrDriver driver(options_for(config_dir, dir.path() / "vty"), runner);
  const auto result = driver.apply(render::render(lab_input({lab_session()})));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::unavailable) << result.error().message;
  EXPECT_EQ(result.error().field, "router.control_socket");
  EXPECT_EQ(read_file(config_dir / "frr.conf"), "frr defaults traditional\n");
  std::size_t rendered_files = 0;
  if (fs::exists(config_dir / "peerapi")) {
    for (const auto& entry : fs::recursive_directory_iterator(config_dir / "peerapi"))
      rendered_files += entry.is_regular_file() ? 1 : 0;
  }
  EXPECT_EQ(rendered_files, 0U) << "the rendered fragments were left behind";
}

TEST(FrrDriver, RenderingOfAnotherDaemonIsRefused) {
  TempDir dir;
  ProcessRunner runner;
  FrrDriver driver(options_for(dir.path(), dir.path() / "vty"), runner);
  render::RenderInput input = lab_input({lab_session()});
  input.daemon = render::Daemon::bird;
  const auto result = driver.apply(render::render(input));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::invalid_value);
  EXPECT_EQ(result.error().field, "router.apply");
}

}  // namespace
}  // namespace peerapi::router::frr
