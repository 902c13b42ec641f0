// OpenbgpdDriver against a real OpenBGPD 7.7 bgpd in network namespace a of a lab::Link,
// peering with a BIRD in namespace b that runs a hand-written configuration with fast timers.
// bgpd takes its control socket path from bgpd.conf only (default /run/openbgpd/bgpd.sock.0), so
// the test runs it in a mount namespace of its own where /run is a fresh tmpfs and
// /run/openbgpd is the test's folder: the socket appears there, and no other bgpd on the machine
// is touched. Documentation addresses and ASNs only; every daemon is stopped by PID.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "render/behaviour/daemons.hpp"
#include "render/behaviour/lab.hpp"
#include "render/render_cases.hpp"
#include "render/renderer.hpp"
#include "router/openbgpd/openbgpd_driver.hpp"
#include "support/test_support.hpp"

namespace peerapi::router::openbgpd {
namespace {

namespace fs = std::filesystem;
namespace lab = testing::lab;
namespace cases = testing::render_cases;
using namespace std::chrono_literals;
using testing::read_file;
using testing::TempDir;
using testing::write_file;
using testing::behaviour::BirdDaemon;

constexpr auto kSessionTimeout = 30s;
constexpr const char* kBgpd = "/usr/sbin/bgpd";

#define REQUIRE_LAB()                                                                        \
  do {                                                                                       \
    const std::string why_not = lab::acquire_netns_privilege();                              \
    if (!why_not.empty())                                                                    \
      GTEST_SKIP() << "\n**********************************************************\n"       \
                   << "*** OPENBGPD DRIVER TEST NOT RUN: no network namespaces ***\n"        \
                   << "*** " << why_not << "\n"                                              \
                   << "**********************************************************";          \
    for (const char* program : {kBgpd, "bgpctl", "bird", "birdc", "ip", "unshare", "mount"}) \
      ASSERT_TRUE(lab::find_program(program))                                                \
          << program << " is not installed; scripts/install-deps installs the daemons";      \
  } while (false)

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

/// OpenBGPD's bgpd in `ns` with a private /run (see the file comment), reading `config`.
class Openbgpd {
 public:
  Openbgpd(const lab::Namespace& ns, const fs::path& config, const fs::path& work_dir)
      : run_dir_(work_dir / "bgpd-run") {
    fs::create_directories(run_dir_);
    fs::permissions(run_dir_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
    const std::string script =
        "mount -t tmpfs tmpfs /run && mkdir /run/openbgpd && mount --bind '" + run_dir_.string() +
        "' /run/openbgpd && exec " + kBgpd + " -d -f '" + config.string() + "'";
    process_ = std::make_unique<lab::Process>(
        "openbgpd",
        std::vector<std::string>{"unshare", "--mount", "--propagation", "private", "sh", "-c",
                                 script},
        ns, work_dir / "openbgpd.out");
  }

  [[nodiscard]] std::string socket() const { return (run_dir_ / "bgpd.sock.0").string(); }

  std::string wait_ready(std::chrono::milliseconds timeout = 15s) {
    bool exited = false;
    const bool ready = lab::wait_until(timeout, [&] {
      if (!process_->running()) {
        exited = true;
        return true;
      }
      return bgpctl({"show", "summary"}).ok();
    });
    if (exited || !ready)
      return "OpenBGPD did not answer on " + socket() + "; output:\n" + process_->output();
    return "";
  }

  lab::CommandResult bgpctl(const std::vector<std::string>& arguments) const {
    std::vector<std::string> argv{"bgpctl", "-s", socket()};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return lab::run(argv);
  }

  lab::Process& process() { return *process_; }
  [[nodiscard]] std::string output() const { return process_->output(); }

 private:
  fs::path run_dir_;
  std::unique_ptr<lab::Process> process_;
};

/// Our side AS64500 at 192.0.2.1; the session to AS`their_asn` at `their_ip`. No bogon list (the
/// documentation prefixes the peer announces would all be bogons); RPKI from a cache that is not
/// there.
render::RenderInput lab_input(const std::vector<render::SessionInput>& sessions) {
  render::RenderInput input = cases::base_input(render::Daemon::openbgpd);
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

/// BIRD as AS`asn` at `local`, peering with 192.0.2.1 and announcing three routes.
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

std::string top_level_text(const render::Rendering& rendering) {
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

OpenbgpdDriverOptions options_for(const fs::path& config_dir, const std::string& socket) {
  OpenbgpdDriverOptions options;
  options.config_dir = config_dir;
  options.control_socket = socket;
  options.bgpd = kBgpd;
  return options;
}

struct Lab {
  TempDir dir;
  std::unique_ptr<lab::Link> link;
  std::unique_ptr<Openbgpd> bgpd;
  std::unique_ptr<BirdDaemon> bird;
  RecordingRunner runner;
  std::unique_ptr<OpenbgpdDriver> driver;

  [[nodiscard]] fs::path config_dir() const { return dir.path() / "openbgpd"; }

  std::string start(const std::string& bird_conf,
                    const std::vector<std::string>& b_addresses = {}) {
    link = std::make_unique<lab::Link>(unique_id("pobgp"), lab::LinkAddresses{
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
    write_file(config_dir() / "bgpd.conf", "AS 64500\nrouter-id 192.0.2.1\n");
    bgpd = std::make_unique<Openbgpd>(link->a(), config_dir() / "bgpd.conf", dir.path());
    if (auto error = bgpd->wait_ready(); !error.empty())
      return error;
    write_file(dir.path() / "b" / "bird.conf", bird_conf);
    if (const auto check =
            lab::run({"bird", "-p", "-c", (dir.path() / "b" / "bird.conf").string()});
        !check.ok())
      return "BIRD configuration: " + check.output;
    bird = std::make_unique<BirdDaemon>("b", link->b(), dir.path() / "b" / "bird.conf", dir.path());
    if (auto error = bird->wait_ready(); !error.empty())
      return error;
    driver = std::make_unique<OpenbgpdDriver>(options_for(config_dir(), bgpd->socket()), runner);
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
};

std::string describe(const std::optional<SessionState>& state) {
  if (!state)
    return "(absent)";
  return std::string(to_string(state->state)) + " received=" +
         (state->prefixes_received ? std::to_string(*state->prefixes_received) : "?") +
         " error=\"" + state->last_error + "\"";
}

TEST(OpenbgpdDriverLab, AppliesKeepsRefusedCandidatesOutAndRemovesTheSession) {
  REQUIRE_LAB();
  Lab lab;
  ASSERT_EQ(
      lab.start(bird_config(bird_protocol("to_a", "192.0.2.11", 64501, "s3cret-Example", "peer"))),
      "");
  const render::SessionInput session = lab_session();
  const std::string name = render::session_name(session);
  const render::Rendering one = render::render(lab_input({session}));

  auto applied = lab.driver->apply(one);
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_TRUE(applied->changed);
  EXPECT_EQ(read_file(lab.config_dir() / "bgpd.conf"), top_level_text(one));
  std::optional<SessionState> state;
  ASSERT_TRUE(lab::wait_until(kSessionTimeout,
                              [&] {
                                state = lab.state(name, "192.0.2.11");
                                return state && state->state == BgpState::established &&
                                       state->prefixes_received == 3U;
                              }))
      << describe(state) << "\nbgpd:\n"
      << lab.bgpd->output();
  EXPECT_EQ(state->last_error, "");
  EXPECT_LT(state->seconds_in_state.value_or(1000), 60);

  // The same rendering again: nothing checked, nothing reloaded.
  lab.runner.calls.clear();
  applied = lab.driver->apply(one);
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_FALSE(applied->changed);
  EXPECT_TRUE(lab.runner.calls.empty()) << lab.runner.calls.size() << " commands run";

  // A refused candidate: bgpd keeps running the previous configuration, the session stays up,
  // the files are the previous ones again.
  const std::string text = top_level_text(one);
  const std::string broken = replaced(text, "remote-as 64501", "remote-as 64501x");
  ASSERT_NE(broken, text);
  const auto neighbor_before = lab.bgpd->bgpctl({"show", "neighbor", "192.0.2.11"}).output;
  const auto before = lab.state(name, "192.0.2.11");
  const auto refused = lab.driver->apply(with_top_level(one, broken));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::invalid_value);
  EXPECT_EQ(refused.error().field, "router.apply");
  EXPECT_NE(refused.error().message.find("bgpd.conf:"), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("64501x"), std::string::npos) << refused.error().message;
  EXPECT_EQ(read_file(lab.config_dir() / "bgpd.conf"), text);
  const auto after = lab.state(name, "192.0.2.11");
  ASSERT_TRUE(after && before);
  EXPECT_EQ(after->state, BgpState::established);
  EXPECT_GE(after->seconds_in_state.value_or(-1), before->seconds_in_state.value_or(0))
      << "the session was reset";
  EXPECT_NE(neighbor_before.find("Max-prefix: 50 (restart 15)"), std::string::npos);

  // A changed rendering is reloaded: the new limit is what bgpd runs.
  render::RenderInput bigger = lab_input({session});
  bigger.sessions[0].their_prefix_count = 80;
  applied = lab.driver->apply(render::render(bigger));
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_TRUE(applied->changed);
  EXPECT_NE(lab.bgpd->bgpctl({"show", "neighbor", "192.0.2.11"}).output.find("Max-prefix: 100"),
            std::string::npos);

  // A rendering without the session: bgpd drops the neighbor.
  applied = lab.driver->apply(render::render(lab_input({})));
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_TRUE(applied->changed);
  EXPECT_FALSE(lab.state(name, "192.0.2.11").has_value());
  EXPECT_NE(lab.bgpd->bgpctl({"show", "neighbor"}).output.find("no such neighbor"),
            std::string::npos);
  EXPECT_TRUE(lab::wait_until(kSessionTimeout, [&] {
    for (const auto& protocol : lab.bird->protocols()) {
      if (protocol.name == "to_a")
        return protocol.info != "Established";
    }
    return false;
  })) << "BIRD still has the session";

  // bgpd gone: unavailable, and the files stay what bgpd last ran.
  const std::string last = read_file(lab.config_dir() / "bgpd.conf");
  lab.bgpd->process().stop();
  const auto unreachable = lab.driver->apply(one);
  ASSERT_FALSE(unreachable);
  EXPECT_EQ(unreachable.error().code, ErrorCode::unavailable) << unreachable.error().message;
  EXPECT_EQ(unreachable.error().field, "router.control_socket");
  EXPECT_EQ(read_file(lab.config_dir() / "bgpd.conf"), last);
  const SessionKey key{name, cases::ip("192.0.2.11")};
  const auto unread = lab.driver->read_state(std::span(&key, 1));
  ASSERT_FALSE(unread);
  EXPECT_EQ(unread.error().code, ErrorCode::unavailable);
  EXPECT_EQ(unread.error().field, "router.control_socket");
}

TEST(OpenbgpdDriverLab, RoleMismatchAndWrongSecretShowInState) {
  REQUIRE_LAB();
  Lab lab;
  // BIRD claims to be our customer on the first session (we announce "peer": RFC 9234 section
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
    return role_state && role_state->last_error.find("role mismatch") != std::string::npos;
  })) << describe(role_state);
  EXPECT_NE(role_state->state, BgpState::established);

  // The TCP MD5 secrets differ: the kernel drops the segments, so the session never comes up
  // (sessions with matching secrets come up within a second here) and bgpd, which never sees an
  // OPEN, has no error to tell.
  std::optional<SessionState> md5_state;
  EXPECT_FALSE(lab::wait_until(4s, [&] {
    md5_state = lab.state(render::session_name(md5), "192.0.2.12");
    return md5_state && md5_state->state == BgpState::established;
  }));
  ASSERT_TRUE(md5_state) << "bgpd does not know the second neighbor";
  EXPECT_NE(md5_state->state, BgpState::established) << describe(md5_state);
  EXPECT_NE(md5_state->state, BgpState::disabled) << describe(md5_state);
  EXPECT_EQ(md5_state->last_error, "");
  EXPECT_EQ(md5_state->prefixes_received.value_or(0), 0U);
}

TEST(OpenbgpdDriver, DaemonNotRunningIsUnavailableAndTheFilesStay) {
  for (const char* program : {kBgpd, "bgpctl"})
    ASSERT_TRUE(lab::find_program(program)) << program << " is not installed";
  TempDir dir;
  const fs::path config_dir = dir.path() / "openbgpd";
  write_file(config_dir / "bgpd.conf", "AS 64500\n");
  ProcessRunner runner;
  OpenbgpdDriver driver(options_for(config_dir, (dir.path() / "bgpd.sock.0").string()), runner);
  const auto result = driver.apply(render::render(lab_input({lab_session()})));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::unavailable) << result.error().message;
  EXPECT_EQ(result.error().field, "router.control_socket");
  EXPECT_EQ(read_file(config_dir / "bgpd.conf"), "AS 64500\n");
}

TEST(OpenbgpdDriver, RenderingOfAnotherDaemonIsRefused) {
  TempDir dir;
  ProcessRunner runner;
  OpenbgpdDriver driver(options_for(dir.path(), ""), runner);
  render::RenderInput input = lab_input({lab_session()});
  input.daemon = render::Daemon::frr;
  const auto result = driver.apply(render::render(input));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::invalid_value);
  EXPECT_EQ(result.error().field, "router.apply");
}

}  // namespace
}  // namespace peerapi::router::openbgpd
