// The BIRD driver (router/bird/bird_driver.hpp) against a real BIRD 2: router A runs BIRD with
// `-c CONFIG_DIR/bird.conf`, the folder the driver writes, in namespace "a"; router B, a
// hand-written BIRD configuration with fast timers, peers with it from namespace "b" over a veth
// pair. B has one BGP protocol per situation, each towards its own address of A (BIRD 2.0.12
// runs one BGP protocol per neighbor address):
//   192.0.2.1  <-> 192.0.2.11          AS64501, the right MD5 secret and role
//   2001:db8:ffff::1 <-> ::11          AS64501, IPv6, the right secret and role
//   192.0.2.2  <-> 192.0.2.12          AS64502, another TCP MD5 secret (RFC 2385)
//   192.0.2.3  <-> 192.0.2.13          AS64503, B says `local role customer` (RFC 9234)
// Documentation addresses and ASNs only; no `protocol kernel`, so no route reaches a FIB.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "render/behaviour/daemons.hpp"
#include "render/behaviour/lab.hpp"
#include "render/render_cases.hpp"
#include "render/renderer.hpp"
#include "router/bird/bird_driver.hpp"
#include "router/command_runner.hpp"
#include "support/test_support.hpp"

namespace peerapi::router::bird {
namespace {

using namespace std::chrono_literals;
using testing::read_file;
using testing::TempDir;
using testing::write_file;
namespace lab = testing::lab;
namespace cases = testing::render_cases;
using StateMap = std::map<std::string, SessionState, std::less<>>;

constexpr auto kEstablishTimeout = 20s;

// ---- inputs ---------------------------------------------------------------------------------

/// The shipped bogon set with the documentation space the test routes in made usable:
/// 203.0.113.0/24 (RFC 5737) and 2001:db8::/32 (RFC 3849, inside the 2001::/23 bogon entry and
/// outside IANA's allocations to the RIRs, so it needs a permit and an allocation).
sources::iana::BogonSet test_bogons() {
  using sources::iana::BogonEntry;
  sources::iana::BogonSet bogons = cases::shipped_bogons();
  const auto v4_usable = cases::prefix("203.0.113.0/24");
  const auto v6_usable = cases::prefix("2001:db8::/32");
  std::erase_if(bogons.v4, [&](const BogonEntry& entry) { return entry.prefix == v4_usable; });
  std::erase_if(bogons.v6, [&](const BogonEntry& entry) { return entry.prefix == v6_usable; });
  bogons.v6_permit.push_back(BogonEntry{
      .prefix = v6_usable,
      .match = sources::iana::BogonMatch::or_longer,
      .reason = "Documentation [RFC3849], routed in the BIRD driver test",
      .rfc_section = "RFC 7454 section 6.1.1.2",
  });
  std::sort(bogons.v6_permit.begin(), bogons.v6_permit.end(),
            [](const BogonEntry& x, const BogonEntry& y) { return x.prefix < y.prefix; });
  bogons.v6_allocated.push_back(v6_usable);
  std::sort(bogons.v6_allocated.begin(), bogons.v6_allocated.end());
  return bogons;
}

/// Our side (A, AS64500) of the IPv4 session with B: strict mode, IRR list 203.0.113.0/24{24,25},
/// prefixes up to /25, our own 198.51.100.0/24, the IXP LAN 192.0.2.0/24.
render::SessionInput session_v4() {
  render::SessionInput session = cases::v4_session();
  session.irr_prefixes = {cases::range("203.0.113.0/24{24,25}")};
  return session;
}

/// The same peer over IPv6; IRR list 2001:db8:200::/40{40,48}.
render::SessionInput session_v6() {
  return cases::v6_session();
}

render::SessionInput session_with(std::uint32_t asn, const char* id, const char* ours,
                                  const char* theirs) {
  render::SessionInput session = session_v4();
  session.session_id = cases::uuid(id);
  session.neighbor.their_asn = cases::asn(asn);
  session.neighbor.our_ip = cases::ip(ours);
  session.neighbor.their_ip = cases::ip(theirs);
  session.their_name = "Example Peer " + std::to_string(asn);
  return session;
}

/// B holds another MD5 secret for this session.
render::SessionInput session_wrong_secret() {
  return session_with(64502, "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4b03", "192.0.2.2", "192.0.2.12");
}

/// B says it is our customer; we say peer (RFC 9234 section 4.2: no valid pair).
render::SessionInput session_role_mismatch() {
  return session_with(64503, "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4b04", "192.0.2.3", "192.0.2.13");
}

render::Rendering rendering_of(std::vector<render::SessionInput> sessions) {
  render::RenderInput input = cases::base_input(render::Daemon::bird);
  input.options.max_length_v4 = 25;
  input.bogons = test_bogons();
  std::sort(sessions.begin(), sessions.end(), [](const auto& x, const auto& y) {
    return std::pair(x.neighbor.their_asn.value(), x.session_id.to_string()) <
           std::pair(y.neighbor.their_asn.value(), y.session_id.to_string());
  });
  input.sessions = std::move(sessions);
  return render::render(input);
}

SessionKey key_of(const render::SessionInput& session) {
  return SessionKey{.name = render::session_name(session), .neighbor = session.neighbor.their_ip};
}

std::string session_file(const render::SessionInput& session) {
  return "peerapi/sessions/" + render::session_name(session) + ".conf";
}

// What B announces: over IPv4 2 routes A accepts, 1 of A's own prefixes (RFC 7454 6.1.4) and 1
// too specific (/26, RFC 7454 6.1.3); over IPv6 2 accepted and 1 outside the IRR list (RFC 7454
// 6.1.2.2.1).
constexpr std::uint64_t kAcceptedV4 = 2;
constexpr std::uint64_t kReceivedV4 = 4;
constexpr std::uint64_t kAcceptedV6 = 2;
constexpr std::uint64_t kReceivedV6 = 3;

constexpr const char* kPeerConfig = R"(# Router B of the BIRD driver test: the neighbors of A.
router id 192.0.2.11;

protocol device { }

protocol static routes_v4 {
  ipv4;
  route 203.0.113.0/24 blackhole;
  route 203.0.113.0/25 blackhole;
  route 203.0.113.128/26 blackhole;
  route 198.51.100.0/24 blackhole;
}

protocol static routes_v6 {
  ipv6;
  route 2001:db8:200::/40 blackhole;
  route 2001:db8:201::/48 blackhole;
  route 2001:db8:300::/48 blackhole;
}

template bgp to_a {
  connect delay time 1;
  connect retry time 2;
  error wait time 1, 2;
  hold time 9;
  keepalive time 3;
  ttl security on;
}

protocol bgp right_v4 from to_a {
  local 192.0.2.11 as 64501;
  neighbor 192.0.2.1 as 64500;
  password "s3cret-Example";
  local role peer;
  ipv4 { import none; export where source = RTS_STATIC; };
}

protocol bgp right_v6 from to_a {
  local 2001:db8:ffff::11 as 64501;
  neighbor 2001:db8:ffff::1 as 64500;
  password "s3cret-Example";
  local role peer;
  ipv6 { import none; export where source = RTS_STATIC; };
}

protocol bgp wrong_secret from to_a {
  local 192.0.2.12 as 64502;
  neighbor 192.0.2.2 as 64500;
  password "not-the-s3cret";
  local role peer;
  ipv4 { import none; export where source = RTS_STATIC; };
}

protocol bgp says_customer from to_a {
  local 192.0.2.13 as 64503;
  neighbor 192.0.2.3 as 64500;
  password "s3cret-Example";
  local role customer;
  ipv4 { import none; export where source = RTS_STATIC; };
}
)";

// ---- the lab --------------------------------------------------------------------------------

/// ProcessRunner that remembers every command line it ran, so a test can tell whether the
/// driver talked to BIRD at all.
class RecordingRunner final : public CommandRunner {
 public:
  CommandResult run(const std::vector<std::string>& argv,
                    std::chrono::milliseconds timeout) override {
    std::string line;
    for (const auto& arg : argv)
      line += (line.empty() ? "" : " ") + arg;
    commands_.push_back(line);
    return runner_.run(argv, timeout);
  }
  [[nodiscard]] const std::vector<std::string>& commands() const { return commands_; }
  void clear() { commands_.clear(); }
  /// How many commands ended with `suffix` (e.g. " configure", " configure check").
  [[nodiscard]] long count_ending(const std::string& suffix) const {
    return std::count_if(commands_.begin(), commands_.end(),
                         [&](const std::string& line) { return line.ends_with(suffix); });
  }

 private:
  ProcessRunner runner_;
  std::vector<std::string> commands_;
};

/// Every file under `dir`, by relative path, with its bytes.
std::map<std::string, std::string> snapshot(const std::filesystem::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file())
      files.emplace(entry.path().lexically_relative(dir).generic_string(), read_file(entry.path()));
  }
  return files;
}

/// "" when `actual` holds exactly the files of `expected`, else which differ.
std::string differences(const std::map<std::string, std::string>& actual,
                        const std::map<std::string, std::string>& expected) {
  std::string text;
  for (const auto& [name, content] : expected) {
    const auto found = actual.find(name);
    if (found == actual.end())
      text += "missing " + name + "; ";
    else if (found->second != content)
      text += "different " + name + "; ";
  }
  for (const auto& [name, content] : actual) {
    if (!expected.contains(name))
      text += "extra " + name + "; ";
  }
  return text;
}

std::map<std::string, std::string> files_of(const render::Rendering& rendering) {
  std::map<std::string, std::string> files;
  for (const auto& file : rendering.files)
    files.emplace(file.name, file.text);
  return files;
}

void write_rendering(const render::Rendering& rendering, const std::filesystem::path& dir) {
  for (const auto& file : rendering.files)
    write_file(dir / file.name, file.text);
}

long occurrences(const std::string& text, const std::string& what) {
  long count = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++count;
  return count;
}

std::string describe(const Error& error) {
  return std::string(to_string(error.code)) + " at " + error.field + ": " + error.message;
}

/// A: BIRD on the driver's folder; B: the hand-written peer; the driver under test.
struct Lab {
  TempDir dir;
  std::filesystem::path config_dir = dir.path() / "etc";
  std::unique_ptr<lab::Link> link;
  std::unique_ptr<testing::behaviour::BirdDaemon> b;
  std::unique_ptr<testing::behaviour::BirdDaemon> a;
  RecordingRunner runner;
  std::unique_ptr<BirdDriver> driver;

  /// Empty on success, else what went wrong.
  std::string start() {
    link = std::make_unique<lab::Link>("birdtest-" + std::to_string(::getpid()),
                                       lab::LinkAddresses{
                                           .a_v4 = "192.0.2.1/24",
                                           .b_v4 = "192.0.2.11/24",
                                           .a_v6 = "2001:db8:ffff::1/64",
                                           .b_v6 = "2001:db8:ffff::11/64",
                                       });
    if (!link->error().empty())
      return "network namespaces: " + link->error();
    const std::vector<std::pair<lab::Namespace*, std::string>> more = {
        {&link->a(), "192.0.2.2/24"},
        {&link->a(), "192.0.2.3/24"},
        {&link->b(), "192.0.2.12/24"},
        {&link->b(), "192.0.2.13/24"}};
    for (const auto& [ns, address] : more) {
      const auto added = lab::run(
          {"ip", "address", "add", address, "dev", ns == &link->a() ? "veth-a" : "veth-b"}, ns);
      if (!added.ok())
        return "ip address add " + address + ": " + added.output;
    }

    const auto b_config = dir.path() / "b" / "bird.conf";
    write_file(b_config, kPeerConfig);
    if (const auto check = lab::run({"bird", "-p", "-c", b_config.string()}); !check.ok())
      return "B's configuration: " + check.output;
    b = std::make_unique<testing::behaviour::BirdDaemon>("bird-b", link->b(), b_config, dir.path());
    if (auto error = b->wait_ready(); !error.empty())
      return error;

    // A starts on a rendering without sessions, as a router does before its first apply.
    write_rendering(rendering_of({}), config_dir);
    a = std::make_unique<testing::behaviour::BirdDaemon>("bird-a", link->a(),
                                                         config_dir / "bird.conf", dir.path());
    if (auto error = a->wait_ready(); !error.empty())
      return error;
    driver = std::make_unique<BirdDriver>(
        BirdDriverOptions{.config_dir = config_dir,
                          .birdc = "birdc",
                          .control_socket = (dir.path() / "bird-a.ctl").string(),
                          .timeout = 10s},
        runner);
    return "";
  }

  /// The "Since" column of A's protocol `name` (a time of day with milliseconds), or "" when
  /// A has no such protocol.
  /// since() once BIRD stopped moving it: right after a session comes up, the protocol's
  /// "Since" may still change by a millisecond as its channels follow (read until two reads
  /// 300 ms apart agree, at most 3 s). A restart moves it by seconds.
  [[nodiscard]] std::string stable_since(const std::string& name) const {
    std::string last = since(name);
    for (int i = 0; i < 10; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      std::string now = since(name);
      if (now == last)
        return now;
      last = std::move(now);
    }
    return last;
  }

  [[nodiscard]] std::string since(const std::string& name) const {
    std::istringstream lines(a->birdc("show protocols " + name).output);
    std::string line;
    while (std::getline(lines, line)) {
      std::istringstream words(line);
      std::string first;
      std::string proto;
      std::string table;
      std::string state;
      std::string when;
      if (words >> first >> proto >> table >> state >> when && first == name)
        return when;
    }
    return "";
  }

  [[nodiscard]] bool has_protocol(const std::string& name) const {
    for (const auto& protocol : a->protocols()) {
      if (protocol.name == name)
        return true;
    }
    return false;
  }

  /// read_state for `sessions`; an error fails the calling test.
  StateMap state_of(const std::vector<render::SessionInput>& sessions) {
    std::vector<SessionKey> keys;
    for (const auto& session : sessions)
      keys.push_back(key_of(session));
    auto states = driver->read_state(keys);
    EXPECT_TRUE(states) << describe(states.error());
    return states ? *states : StateMap{};
  }

  /// Waits until `session` is established in read_state and at least `routes` routes have
  /// arrived (accepted or filtered); its last state.
  std::optional<SessionState> wait_established(const render::SessionInput& session,
                                               std::uint64_t routes = 0) {
    std::optional<SessionState> last;
    lab::wait_until(kEstablishTimeout, [&] {
      const auto states = state_of({session});
      const auto found = states.find(render::session_name(session));
      last = found == states.end() ? std::nullopt : std::optional(found->second);
      return last && last->state == BgpState::established &&
             last->prefixes_received.value_or(0) >= routes;
    });
    return last;
  }

  /// Applies `sessions` and waits until the IPv4 session with B is established.
  void ensure(const std::vector<render::SessionInput>& sessions) {
    const auto applied = driver->apply(rendering_of(sessions));
    ASSERT_TRUE(applied) << describe(applied.error());
    const auto state = wait_established(session_v4());
    ASSERT_TRUE(state && state->state == BgpState::established)
        << "the IPv4 session did not come up within 20 s:\n"
        << a->birdc("show protocols all").output << "\nA's log:\n"
        << a->log();
  }

  [[nodiscard]] std::string diagnostics() const {
    return "A:\n" + a->birdc("show protocols all").output + "\nB:\n" +
           b->birdc("show protocols all").output + "\nA's log:\n" + a->log();
  }
};

/// One lab for the suite: starting two BIRDs and bringing a session up costs seconds.
class BirdDriverLab : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    why_not_ = lab::acquire_netns_privilege();
    if (!why_not_.empty())
      return;
    for (const char* program : {"ip", "bird", "birdc"}) {
      if (!lab::find_program(program)) {
        start_error_ = std::string(program) + " is not installed (scripts/install-deps)";
        return;
      }
    }
    lab_ = new Lab();
    start_error_ = lab_->start();
  }
  static void TearDownTestSuite() {
    delete lab_;
    lab_ = nullptr;
  }
  void SetUp() override {
    if (!why_not_.empty())
      GTEST_SKIP() << "\n*****************************************************\n"
                   << "*** BIRD DRIVER TEST NOT RUN: no network namespaces ***\n"
                   << "*** " << why_not_ << "\n"
                   << "*****************************************************";
    ASSERT_EQ(start_error_, "");
    lab_->runner.clear();
  }

  static Lab& lab() { return *lab_; }

 private:
  static inline std::string why_not_;
  static inline std::string start_error_;
  static inline Lab* lab_ = nullptr;
};

// ---- apply and read_state -------------------------------------------------------------------

TEST_F(BirdDriverLab, AppliedSessionComesUpWithTheRoutesTheImportFilterLetsThrough) {
  Lab& l = lab();
  {
    const auto none = l.driver->apply(rendering_of({}));
    ASSERT_TRUE(none) << describe(none.error());
  }
  l.runner.clear();
  const render::Rendering rendering = rendering_of({session_v4()});
  const auto applied = l.driver->apply(rendering);
  ASSERT_TRUE(applied) << describe(applied.error());
  EXPECT_TRUE(applied->changed);
  EXPECT_EQ(l.runner.count_ending(" configure check"), 1);
  EXPECT_EQ(l.runner.count_ending(" configure"), 1);
  // The folder holds exactly the rendering (the files of the rendering without sessions that
  // this one lacks are gone).
  EXPECT_EQ(differences(snapshot(l.config_dir), files_of(rendering)), "");

  const auto state = l.wait_established(session_v4(), kReceivedV4);
  ASSERT_TRUE(state && state->state == BgpState::established) << "not established within 20 s\n"
                                                              << l.diagnostics();
  // RFC 7454 section 6: B sends four routes, the rendered import filter accepts two; with
  // `import keep filtered` BIRD counts the other two as filtered, so received is known.
  EXPECT_EQ(state->prefixes_accepted, kAcceptedV4);
  EXPECT_EQ(state->prefixes_received, kReceivedV4);
  EXPECT_EQ(state->last_error, "");
  ASSERT_TRUE(state->seconds_in_state);
  EXPECT_GE(*state->seconds_in_state, 0);
  EXPECT_LE(*state->seconds_in_state, 30);

  // A session BIRD does not know is absent from the answer.
  const render::SessionInput unknown =
      session_with(64511, "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4bff", "192.0.2.1", "192.0.2.99");
  const std::vector<SessionKey> keys = {key_of(session_v4()), key_of(unknown)};
  const auto states = l.driver->read_state(keys);
  ASSERT_TRUE(states) << describe(states.error());
  EXPECT_EQ(states->size(), 1u);
  EXPECT_TRUE(states->contains(render::session_name(session_v4())));
  // Nothing asked, nothing run.
  l.runner.clear();
  const auto nothing = l.driver->read_state({});
  ASSERT_TRUE(nothing);
  EXPECT_TRUE(nothing->empty());
  EXPECT_TRUE(l.runner.commands().empty());
}

TEST_F(BirdDriverLab, SameRenderingAgainChangesNothingAndDoesNotReconfigure) {
  Lab& l = lab();
  ASSERT_NO_FATAL_FAILURE(l.ensure({session_v4()}));
  const std::string name = render::session_name(session_v4());
  const std::string since = l.stable_since(name);
  ASSERT_FALSE(since.empty());
  const long reconfigurations = occurrences(l.a->log(), "Reconfigured");
  const auto files = snapshot(l.config_dir);
  l.runner.clear();

  const auto again = l.driver->apply(rendering_of({session_v4()}));
  ASSERT_TRUE(again) << describe(again.error());
  EXPECT_FALSE(again->changed);
  EXPECT_TRUE(l.runner.commands().empty()) << "the driver ran " << l.runner.commands().front();
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(occurrences(l.a->log(), "Reconfigured"), reconfigurations) << l.a->log();
  EXPECT_EQ(l.since(name), since) << "the session was restarted";
  EXPECT_EQ(differences(snapshot(l.config_dir), files), "");
  EXPECT_EQ(l.state_of({session_v4()}).at(name).state, BgpState::established);
}

TEST_F(BirdDriverLab, AddedSessionComesUpAndRemovedSessionIsGoneWithItsFile) {
  Lab& l = lab();
  ASSERT_NO_FATAL_FAILURE(l.ensure({session_v4()}));
  const std::string v4 = render::session_name(session_v4());
  const std::string v6 = render::session_name(session_v6());
  const std::string since = l.stable_since(v4);

  const auto added = l.driver->apply(rendering_of({session_v4(), session_v6()}));
  ASSERT_TRUE(added) << describe(added.error());
  EXPECT_TRUE(added->changed);
  EXPECT_TRUE(std::filesystem::exists(l.config_dir / session_file(session_v6())));
  const auto state = l.wait_established(session_v6(), kReceivedV6);
  ASSERT_TRUE(state && state->state == BgpState::established)
      << "the IPv6 session did not come up within 20 s\n"
      << l.diagnostics();
  EXPECT_EQ(state->prefixes_accepted, kAcceptedV6);
  EXPECT_EQ(state->prefixes_received, kReceivedV6);
  EXPECT_EQ(l.since(v4), since) << "adding a session restarted another one";

  const auto removed = l.driver->apply(rendering_of({session_v4()}));
  ASSERT_TRUE(removed) << describe(removed.error());
  EXPECT_TRUE(removed->changed);
  EXPECT_FALSE(std::filesystem::exists(l.config_dir / session_file(session_v6())))
      << "the removed session's file was not pruned";
  EXPECT_TRUE(lab::wait_until(10s, [&] { return !l.has_protocol(v6); }))
      << "BIRD still runs the removed protocol " << v6 << "\n"
      << l.diagnostics();
  const auto states = l.state_of({session_v4(), session_v6()});
  EXPECT_FALSE(states.contains(v6));
  ASSERT_TRUE(states.contains(v4));
  EXPECT_EQ(states.at(v4).state, BgpState::established);
  EXPECT_EQ(l.since(v4), since) << "removing a session restarted another one";
}

TEST_F(BirdDriverLab, RefusedRenderingLeavesTheFilesAndTheRunningConfiguration) {
  Lab& l = lab();
  ASSERT_NO_FATAL_FAILURE(l.ensure({session_v4()}));
  const std::string name = render::session_name(session_v4());
  const std::string since = l.stable_since(name);
  const auto files = snapshot(l.config_dir);
  const long reconfigurations = occurrences(l.a->log(), "Reconfigured");

  struct Case {
    std::string what;
    std::vector<render::SessionInput> sessions;
    std::string broken_file;  // the session file that gets a syntax error appended
  };
  const std::vector<Case> broken = {
      {"an existing session's file", {session_v4()}, session_file(session_v4())},
      {"a new session's file", {session_v4(), session_v6()}, session_file(session_v6())},
  };
  for (const auto& c : broken) {
    SCOPED_TRACE(c.what);
    l.runner.clear();
    render::Rendering rendering = rendering_of(c.sessions);
    bool found = false;
    for (auto& file : rendering.files) {
      if (file.name == c.broken_file) {
        file.text += "\nprotocol bgp broken_by_the_test {\n  local as\n}\n";
        found = true;
      }
    }
    ASSERT_TRUE(found) << c.broken_file;

    const auto refused = l.driver->apply(rendering);
    ASSERT_FALSE(refused) << "BIRD accepted a broken configuration";
    EXPECT_EQ(refused.error().code, ErrorCode::invalid_value) << describe(refused.error());
    EXPECT_EQ(refused.error().field, "router.apply");
    // BIRD's own words: the file, line and column, and what is wrong.
    EXPECT_NE(refused.error().message.find(c.broken_file + ":"), std::string::npos)
        << refused.error().message;
    EXPECT_NE(refused.error().message.find("syntax error"), std::string::npos)
        << refused.error().message;
    EXPECT_EQ(l.runner.count_ending(" configure check"), 1);
    EXPECT_EQ(l.runner.count_ending(" configure"), 0) << "a refused configuration was loaded";

    EXPECT_EQ(differences(snapshot(l.config_dir), files), "")
        << "the previous files were not put back";
  }
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(occurrences(l.a->log(), "Reconfigured"), reconfigurations);
  EXPECT_FALSE(l.has_protocol(render::session_name(session_v6())));
  EXPECT_EQ(l.state_of({session_v4()}).at(name).state, BgpState::established);
  EXPECT_EQ(l.since(name), since) << "the running session was disturbed";

  // The next good apply writes and loads again.
  l.runner.clear();
  const auto good = l.driver->apply(rendering_of({session_v4()}));
  ASSERT_TRUE(good) << describe(good.error());
  EXPECT_FALSE(good->changed);
}

// ---- sessions that must not come up ---------------------------------------------------------

TEST_F(BirdDriverLab, WrongMd5SecretNeverEstablishes) {
  Lab& l = lab();
  ASSERT_NO_FATAL_FAILURE(l.ensure({session_v4(), session_wrong_secret()}));
  const std::string name = render::session_name(session_wrong_secret());
  // B tries every 2 s and A after 5 s (BIRD's connect delay): with the right secret the session
  // would be up well within this window (the IPv4 one took about that).
  bool ever_established = false;
  std::optional<SessionState> last;
  lab::wait_until(
      8s,
      [&] {
        const auto states = l.state_of({session_wrong_secret()});
        const auto found = states.find(name);
        last = found == states.end() ? std::nullopt : std::optional(found->second);
        ever_established = ever_established || (last && last->state == BgpState::established);
        return ever_established;
      },
      250ms);
  ASSERT_TRUE(last) << "BIRD does not run " << name << "\n" << l.diagnostics();
  EXPECT_FALSE(ever_established) << l.diagnostics();
  EXPECT_TRUE(last->state == BgpState::connect || last->state == BgpState::active ||
              last->state == BgpState::idle)
      << to_string(last->state);
  EXPECT_EQ(l.state_of({session_v4()}).at(render::session_name(session_v4())).state,
            BgpState::established);
}

TEST_F(BirdDriverLab, Rfc9234RoleMismatchIsTheLastError) {
  Lab& l = lab();
  ASSERT_NO_FATAL_FAILURE(l.ensure({session_v4(), session_role_mismatch()}));
  const std::string name = render::session_name(session_role_mismatch());
  std::optional<SessionState> last;
  const bool refused = lab::wait_until(kEstablishTimeout, [&] {
    const auto states = l.state_of({session_role_mismatch()});
    const auto found = states.find(name);
    last = found == states.end() ? std::nullopt : std::optional(found->second);
    return last && last->last_error.find("Role mismatch") != std::string::npos;
  });
  ASSERT_TRUE(last) << "BIRD does not run " << name << "\n" << l.diagnostics();
  EXPECT_TRUE(refused) << "last error: \"" << last->last_error << "\"\n" << l.diagnostics();
  EXPECT_NE(last->state, BgpState::established);
}

// ---- BIRD not there -------------------------------------------------------------------------

TEST_F(BirdDriverLab, StoppedBirdIsUnavailableAndTheFilesStay) {
  Lab& l = lab();
  TempDir dir;
  const auto config_dir = dir.path() / "etc";
  write_rendering(rendering_of({}), config_dir);
  testing::behaviour::BirdDaemon bird("bird-c", l.link->a(), config_dir / "bird.conf", dir.path());
  ASSERT_EQ(bird.wait_ready(), "");
  RecordingRunner runner;
  BirdDriver driver(BirdDriverOptions{.config_dir = config_dir,
                                      .birdc = "birdc",
                                      .control_socket = (dir.path() / "bird-c.ctl").string(),
                                      .timeout = 10s},
                    runner);
  // The first apply of the process loads the folder even when it holds the rendering already.
  const auto first = driver.apply(rendering_of({}));
  ASSERT_TRUE(first) << describe(first.error());
  EXPECT_FALSE(first->changed);
  EXPECT_EQ(runner.count_ending(" configure"), 1);

  bird.process().stop();
  const auto files = snapshot(config_dir);
  const auto applied = driver.apply(rendering_of({session_v4()}));
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().code, ErrorCode::unavailable) << describe(applied.error());
  EXPECT_EQ(applied.error().field, "router.control_socket");
  EXPECT_NE(applied.error().message.find("Unable to connect"), std::string::npos)
      << applied.error().message;
  EXPECT_EQ(differences(snapshot(config_dir), files), "") << "the previous files were not put back";

  const std::vector<SessionKey> keys = {key_of(session_v4())};
  const auto states = driver.read_state(keys);
  ASSERT_FALSE(states);
  EXPECT_EQ(states.error().code, ErrorCode::unavailable) << describe(states.error());
  EXPECT_EQ(states.error().field, "router.control_socket");

  // A control socket that never existed, and a control program that does not exist.
  BirdDriver nowhere(BirdDriverOptions{.config_dir = config_dir,
                                       .birdc = "birdc",
                                       .control_socket = (dir.path() / "none.ctl").string(),
                                       .timeout = 10s},
                     runner);
  const auto no_socket = nowhere.read_state(keys);
  ASSERT_FALSE(no_socket);
  EXPECT_EQ(no_socket.error().code, ErrorCode::unavailable);
  EXPECT_EQ(no_socket.error().field, "router.control_socket");
  BirdDriver no_program(BirdDriverOptions{.config_dir = config_dir,
                                          .birdc = "birdc-is-not-installed",
                                          .control_socket = "",
                                          .timeout = 10s},
                        runner);
  const auto no_birdc = no_program.apply(rendering_of({}));
  ASSERT_FALSE(no_birdc);
  EXPECT_EQ(no_birdc.error().code, ErrorCode::unavailable);
  EXPECT_NE(no_birdc.error().message.find("birdc-is-not-installed"), std::string::npos)
      << no_birdc.error().message;
  EXPECT_EQ(differences(snapshot(config_dir), files), "");
}

// ---- answers BIRD gives rarely, scripted -----------------------------------------------------

/// Answers each birdc command (its last argument) with a prepared result; records the commands.
class ScriptedRunner final : public CommandRunner {
 public:
  std::map<std::string, CommandResult, std::less<>> answers;
  std::vector<std::string> commands;

  CommandResult run(const std::vector<std::string>& argv, std::chrono::milliseconds) override {
    commands.push_back(argv.back());
    const auto found = answers.find(argv.back());
    if (found == answers.end())
      return CommandResult{
          .exit_code = 1, .timed_out = false, .output = "unscripted", .start_error = ""};
    return found->second;
  }
};

CommandResult answer(const std::string& text, int exit_code = 0) {
  return CommandResult{.exit_code = exit_code,
                       .timed_out = false,
                       .output = "BIRD 2.0.12 ready.\n" + text,
                       .start_error = ""};
}

const CommandResult kCheckOk =
    answer("Reading configuration from /etc/bird/bird.conf\nConfiguration OK\n");

TEST(BirdDriverScripted, OnlyALoadingAnswerToConfigureIsSuccess) {
  struct Case {
    std::string what;
    CommandResult configure;
    std::optional<ErrorCode> error;  // nullopt: applied
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"done", answer("Reading configuration from /etc/bird/bird.conf\nReconfigured\n"),
       std::nullopt, ""},
      {"protocols still stopping",
       answer("Reading configuration from /etc/bird/bird.conf\nReconfiguration in progress\n"),
       std::nullopt, ""},
      {"queued behind a running reconfiguration",
       answer("Reading configuration from /etc/bird/bird.conf\n"
              "Reconfiguration already in progress, queueing new config\n"),
       std::nullopt, ""},
      {"BIRD shutting down",
       answer("Reading configuration from /etc/bird/bird.conf\n"
              "Reconfiguration ignored, shutting down\n"),
       ErrorCode::unavailable, "Reconfiguration ignored, shutting down"},
      {"a parse error after a passed check (the file changed in between)",
       answer("Reading configuration from /etc/bird/bird.conf\n"
              "/etc/bird/bird.conf:3:1 syntax error, unexpected '}'\n",
              1),
       ErrorCode::invalid_value, "/etc/bird/bird.conf:3:1 syntax error, unexpected '}'"},
      {"birdc hangs",
       CommandResult{.exit_code = 137, .timed_out = true, .output = "", .start_error = ""},
       ErrorCode::unavailable, "did not answer in time"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    TempDir dir;
    write_rendering(rendering_of({}), dir.path());
    const auto before = snapshot(dir.path());
    ScriptedRunner runner;
    runner.answers = {{"configure check", kCheckOk}, {"configure", c.configure}};
    BirdDriver driver(BirdDriverOptions{.config_dir = dir.path(),
                                        .birdc = "birdc",
                                        .control_socket = "/run/bird/bird.ctl",
                                        .timeout = 1s},
                      runner);
    const render::Rendering rendering = rendering_of({session_v4()});
    const auto applied = driver.apply(rendering);
    EXPECT_EQ(runner.commands, (std::vector<std::string>{"configure check", "configure"}));
    if (!c.error) {
      ASSERT_TRUE(applied) << describe(applied.error());
      EXPECT_TRUE(applied->changed);
      EXPECT_EQ(differences(snapshot(dir.path()), files_of(rendering)), "");
      continue;
    }
    ASSERT_FALSE(applied);
    EXPECT_EQ(applied.error().code, *c.error) << describe(applied.error());
    EXPECT_EQ(applied.error().field,
              c.error == ErrorCode::unavailable ? "router.control_socket" : "router.apply");
    EXPECT_NE(applied.error().message.find(c.message_part), std::string::npos)
        << applied.error().message;
    EXPECT_EQ(differences(snapshot(dir.path()), before), "");
  }
}

TEST(BirdDriverScripted, WriteFailingMidwayPutsBackWhatWasWritten) {
  // The session's file cannot be renamed into place (a folder holds its name): bird.conf and
  // the shared files before it in name order are replaced by then.
  TempDir dir;
  write_rendering(rendering_of({}), dir.path());
  write_file(dir.path() / session_file(session_v4()) / "blocker", "in the way\n");
  const auto before = snapshot(dir.path());
  ScriptedRunner runner;
  BirdDriver driver(
      BirdDriverOptions{
          .config_dir = dir.path(), .birdc = "birdc", .control_socket = "", .timeout = 1s},
      runner);
  const auto applied = driver.apply(rendering_of({session_v4()}));
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().code, ErrorCode::io_error) << describe(applied.error());
  EXPECT_EQ(applied.error().field, (dir.path() / session_file(session_v4())).string());
  EXPECT_TRUE(runner.commands.empty()) << "BIRD was asked about files that were not written";
  EXPECT_EQ(differences(snapshot(dir.path()), before), "")
      << "a mix of two renderings was left behind";
}

TEST(BirdDriverScripted, ReadStateTurnsSinceIntoAnAgeAndMapsBirdcFailures) {
  TempDir dir;
  ScriptedRunner runner;
  BirdDriver driver(
      BirdDriverOptions{
          .config_dir = dir.path(), .birdc = "birdc", .control_socket = "", .timeout = 1s},
      runner);
  const std::vector<SessionKey> keys = {
      {.name = "est_v4", .neighbor = cases::ip("192.0.2.11")},
      {.name = "role_v4", .neighbor = cases::ip("192.0.2.13")},
      {.name = "own_v4", .neighbor = cases::ip("192.0.2.1")},  // a static protocol, not BGP
  };
  runner.answers["show protocols all"] =
      CommandResult{.exit_code = 0,
                    .timed_out = false,
                    .output = read_file(testing::source_dir() / "tests" / "router" / "bird" /
                                        "data" / "protocols_mixed.txt"),
                    .start_error = ""};
  const auto states = driver.read_state(keys);
  ASSERT_TRUE(states) << describe(states.error());
  EXPECT_EQ(states->size(), 2u);
  EXPECT_EQ(states->at("est_v4").state, BgpState::established);
  EXPECT_EQ(states->at("est_v4").prefixes_accepted, 2u);
  EXPECT_EQ(states->at("role_v4").last_error, "BGP Error: Role mismatch");
  for (const auto& [name, state] : *states) {
    ASSERT_TRUE(state.seconds_in_state) << name;
    EXPECT_GE(*state.seconds_in_state, 0) << name;
    EXPECT_LT(*state.seconds_in_state, 86'400) << name;
  }
  EXPECT_EQ(runner.commands, std::vector<std::string>{"show protocols all"});

  struct Failure {
    std::string what;
    CommandResult result;
    ErrorCode code;
    std::string field;
  };
  const std::vector<Failure> failures = {
      {"birdc missing",
       CommandResult{.exit_code = -1,
                     .timed_out = false,
                     .output = "",
                     .start_error = "birdc: not found in PATH"},
       ErrorCode::unavailable, "router.control_socket"},
      {"birdc hangs",
       CommandResult{.exit_code = 137, .timed_out = true, .output = "", .start_error = ""},
       ErrorCode::unavailable, "router.control_socket"},
      {"no socket",
       CommandResult{.exit_code = 1,
                     .timed_out = false,
                     .output = "Unable to connect to server control socket (/run/bird/bird.ctl): "
                               "No such file or directory\n",
                     .start_error = ""},
       ErrorCode::unavailable, "router.control_socket"},
      {"BIRD refuses the command", answer("Access denied\n", 1), ErrorCode::data_invalid,
       "router.state"},
  };
  for (const auto& f : failures) {
    SCOPED_TRACE(f.what);
    runner.answers["show protocols all"] = f.result;
    const auto failed = driver.read_state(keys);
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, f.code) << describe(failed.error());
    EXPECT_EQ(failed.error().field, f.field);
  }
}

}  // namespace
}  // namespace peerapi::router::bird
