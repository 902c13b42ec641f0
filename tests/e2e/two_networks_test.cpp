// End to end, for real (issue 6; DESIGN.md "Testing layers" 5): the two-network world of
// tests/e2e/two_networks_world.hpp (A, AS64501, the initiator, and B, AS64500, the receiver, each
// with its BIRD and its `peerapi serve`, in two network namespaces joined by an IX LAN). The test
// only starts the world, runs the peerapi commands an operator would, and looks at both sides.
//
//   1. A asks for an IPv4 and an IPv6 session with a secret: B approves, both sides configure,
//      BGP comes up with GTSM, TCP MD5 and RFC 9234 roles, both APIs say established, and B's
//      import filter keeps only A's good prefix.
//   2. A wrong secret on A's IPv4 session: it goes down and stays down, on both sides.
//   3. B restarted with a TimeWindow of seconds; a session nobody configures on the other side
//      becomes unestablished and leaves B's router.
//   4. A deletes its sessions at B: B removes them from its router, and `peerapi delete` takes
//      A's own side off A's router too (A's stored copies become deleted).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <iostream>
#include <map>
#include <set>
#include <tuple>

#include "e2e/e2e_world.hpp"
#include "e2e/two_networks_world.hpp"
#include "render/behaviour/daemons.hpp"
#include "render/behaviour/lab.hpp"
#include "support/test_support.hpp"

namespace peerapi::testing::e2e {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using behaviour::BirdProtocol;
using Clock = std::chrono::steady_clock;

constexpr const char* kSecret = "e2e-Md5-Secret";

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Skips (only) when namespaces or the daemons are impossible here.
#define REQUIRE_E2E_LAB()                                                                   \
  do {                                                                                      \
    const std::string why_not = lab::acquire_netns_privilege();                             \
    if (!why_not.empty())                                                                   \
      GTEST_SKIP() << "\n*************************************************************\n"   \
                   << "*** END-TO-END TEST NOT RUN: no network namespaces here ***\n"       \
                   << "*** " << why_not << "\n"                                             \
                   << "*************************************************************";      \
    for (const char* program : {"ip", "bird", "birdc", "stayrtr"}) {                        \
      if (!lab::find_program(program))                                                      \
        GTEST_SKIP() << "\n*************************************************************\n" \
                     << "*** END-TO-END TEST NOT RUN: " << program << " is not installed\n" \
                     << "*** scripts/install-deps installs bird2, stayrtr, iproute2\n"      \
                     << "*************************************************************";    \
    }                                                                                       \
    ASSERT_TRUE(lab::find_program("curl")) << "curl is needed (scripts/install-deps)";      \
  } while (false)

/// status and router.bgp_state of a session object.
std::pair<std::string, std::string> status_and_state(const std::optional<json::object>& session) {
  if (!session)
    return {"(no answer)", ""};
  std::string state;
  if (const auto* router = session->if_contains("router"); router && router->is_object())
    state = string_at(router->as_object(), "bgp_state");
  return {string_at(*session, "status"), state};
}

std::set<std::string> route_prefixes(const std::string& birdc_output) {
  std::set<std::string> prefixes;
  for (const auto& [net, attributes] : behaviour::parse_bird_routes(birdc_output))
    prefixes.insert(net.to_string());
  return prefixes;
}

std::string joined(const std::set<std::string>& set) {
  std::string text;
  for (const auto& item : set)
    text += (text.empty() ? "" : " ") + item;
  return text.empty() ? "(none)" : text;
}

std::string describe(const std::optional<BirdProtocol>& protocol) {
  if (!protocol)
    return "(no protocol)";
  return protocol->name + " " + protocol->state + " " + protocol->info;
}

TEST(TwoNetworks, PeerForRealThenFailExpireAndDelete) {
  REQUIRE_E2E_LAB();
  const auto test_start = Clock::now();
  World world;
  {
    const std::string error = world.start();
    ASSERT_EQ(error, "") << world.diagnostics();
  }
  Network& a = world.a();
  Network& b = world.b();
  std::cout << "[e2e] lab up after " << seconds_since(test_start) << " s\n";

  // ---- 1. A asks, B approves, both configure, BGP comes up, filters hold ---------------------
  auto step_start = Clock::now();
  const PeerapiRun request = run_peerapi_in(
      world.ns_a(),
      {"request", "AS64500", "--config", a.config.string(), "--location", "pdb:ix:1", "--secret",
       kSecret, "--wait", "--timeout", "60", "--interval", "1", "--json"},
      world.root());
  ASSERT_EQ(request.exit_code, 0) << request.describe() << world.diagnostics();
  const auto document = request.json();
  ASSERT_TRUE(document) << request.describe();
  const json::object& doc = document->as_object();
  std::string v4_id;
  std::string v6_id;
  for (const auto& accepted : doc.at("accepted").as_array()) {
    const auto& session = accepted.as_object();
    (string_at(session, "local_ip") == kAv4 ? v4_id : v6_id) = string_at(session, "session_id");
    EXPECT_EQ(string_at(session, "status"), "approved") << "B's approval mode is auto";
    EXPECT_EQ(session.at("local_bgp_role").as_int64(), 4) << "RFC 9234 peer";
    EXPECT_EQ(session.at("peer_bgp_role").as_int64(), 4);
    EXPECT_FALSE(session.contains("session_secret")) << "a secret is never echoed";
  }
  ASSERT_FALSE(v4_id.empty()) << request.describe();
  ASSERT_FALSE(v6_id.empty()) << request.describe();
  EXPECT_EQ(doc.at("rejected").as_array().size(), 0u) << request.describe();
  // The --wait contract: per session the peer's status and ours; all_established only when
  // both sides are established.
  const json::object& wait = doc.at("wait").as_object();
  EXPECT_TRUE(wait.at("all_established").as_bool()) << request.describe();
  ASSERT_EQ(wait.at("sessions").as_array().size(), 2u) << request.describe();
  for (const auto& entry : wait.at("sessions").as_array()) {
    const auto& session = entry.as_object();
    EXPECT_EQ(string_at(session, "status"), "established") << request.describe();
    EXPECT_EQ(string_at(session, "our_status"), "established") << request.describe();
  }
  std::cout << "[e2e] step 1: request answered and both sides established after "
            << seconds_since(step_start) << " s\n";

  // B's API (GET /sessions/{id}, with its router's view) and A's store agree.
  StoreFile a_store(a.dir / "peerapi.db");
  ASSERT_EQ(a_store.error(), "");
  for (const auto& id : {v4_id, v6_id}) {
    const auto [status, state] = status_and_state(world.b_session(id));
    EXPECT_EQ(status, "established") << "B's GET /sessions/" << id;
    EXPECT_EQ(state, "established") << "B's router view of " << id;
    EXPECT_EQ(a_store.status(id).value_or("(none)"), "established") << "A's store, " << id;
  }

  // Both BIRDs run the rendered sessions with GTSM, TCP MD5 and RFC 9234 roles, Established.
  std::map<std::string, std::string> b_names;  // session id -> B's protocol name
  for (const auto& [id, a_addr, b_addr] :
       {std::tuple{v4_id, kAv4, kBv4}, std::tuple{v6_id, kAv6, kBv6}}) {
    const auto at_b = b.protocol_to(a_addr);
    const auto at_a = a.protocol_to(b_addr);
    ASSERT_TRUE(at_b && at_a) << world.diagnostics();
    EXPECT_EQ(at_b->info, "Established");
    EXPECT_EQ(at_a->info, "Established");
    b_names[id] = at_b->name;
    for (const Network* network : {&a, &b}) {
      const auto files = network->session_files(id);
      ASSERT_EQ(files.size(), 1u) << "network " << network->label << ", session " << id;
      const std::string text = read_file(files.front());
      EXPECT_NE(text.find("ttl security on;"), std::string::npos) << "GTSM, RFC 7454 5.2";
      EXPECT_NE(text.find(std::string("password \"") + kSecret + "\";"), std::string::npos)
          << "TCP MD5, RFC 7454 5.1";
      EXPECT_NE(text.find("local role peer;"), std::string::npos) << "RFC 9234";
      EXPECT_NE(text.find("require roles on;"), std::string::npos) << "RFC 9234 strict";
    }
    const auto detail = b.bird->birdc("show protocols all " + at_b->name).output;
    // Both OPENs carried the RFC 9234 role capability: under "Local capabilities" and under
    // "Neighbor capabilities".
    std::size_t roles = 0;
    for (auto at = detail.find("Role: peer"); at != std::string::npos;
         at = detail.find("Role: peer", at + 1))
      ++roles;
    EXPECT_EQ(roles, 2u) << detail;
  }
  const std::string b_v4 = b_names[v4_id];
  const std::string b_v6 = b_names[v6_id];

  // Routes flow and B's import filter holds: only the good prefix of each family is accepted;
  // the RPKI-invalid one and the bogon arrive (kept filtered) and are rejected by their rules.
  const std::set<std::string> want_v4 = {kGoodV4};
  const std::set<std::string> want_v6 = {kGoodV6};
  const std::set<std::string> want_filtered_v4 = {kBogonV4, kInvalidV4};
  std::set<std::string> accepted_v4;
  std::set<std::string> accepted_v6;
  std::set<std::string> filtered_v4;
  // The invalid route may be accepted as RPKI not-found for a moment, until B's BIRD has the
  // ROAs from stayrtr; `import table on` re-runs the filter then.
  const bool converged = lab::wait_until(20s, [&] {
    accepted_v4 = route_prefixes(b.bird->birdc("show route protocol " + b_v4).output);
    accepted_v6 = route_prefixes(b.bird->birdc("show route protocol " + b_v6).output);
    filtered_v4 = route_prefixes(b.bird->birdc("show route filtered protocol " + b_v4).output);
    return accepted_v4 == want_v4 && accepted_v6 == want_v6 && filtered_v4 == want_filtered_v4;
  });
  EXPECT_TRUE(converged) << "B accepted IPv4 " << joined(accepted_v4) << " (want "
                         << joined(want_v4) << "), IPv6 " << joined(accepted_v6) << " (want "
                         << joined(want_v6) << "), filtered IPv4 " << joined(filtered_v4)
                         << " (want " << joined(want_filtered_v4) << ")" << world.diagnostics();
  // B's API reports the same through its router view: 3 IPv4 routes received, 1 accepted.
  std::int64_t received = -1;
  std::int64_t kept = -1;
  const bool counted = lab::wait_until(5s, [&] {
    const auto session = world.b_session(v4_id);
    if (!session || !session->contains("router"))
      return false;
    const auto& router = session->at("router").as_object();
    received = router.contains("prefixes_received")
                   ? router.at("prefixes_received").to_number<std::int64_t>()
                   : -1;
    kept = router.contains("prefixes_accepted")
               ? router.at("prefixes_accepted").to_number<std::int64_t>()
               : -1;
    return received == 3 && kept == 1;
  });
  EXPECT_TRUE(counted) << "B's router view of the IPv4 session: prefixes_received " << received
                       << ", prefixes_accepted " << kept;
  const auto good =
      behaviour::parse_bird_routes(b.bird->birdc("show route protocol " + b_v4 + " all").output);
  ASSERT_EQ(good.size(), 1u);
  EXPECT_EQ(good.begin()->second.at("BGP.local_pref"), "100")
      << "RPKI valid keeps the full preference (not-found would get 90)";
  const std::string b_log = b.bird->log();
  EXPECT_NE(b_log.find("RFC7454 6.1.2.2.2 RPKI invalid (" + b_v4 + "): " + kInvalidV4),
            std::string::npos)
      << tail(b_log);
  EXPECT_NE(b_log.find("RFC7454 6.1.1 bogon (" + b_v4 + "): " + kBogonV4), std::string::npos)
      << tail(b_log);
  std::cout << "[e2e] step 1 done after " << seconds_since(step_start) << " s: B accepted "
            << joined(accepted_v4) << " and " << joined(accepted_v6) << ", filtered "
            << joined(filtered_v4) << "\n";

  // ---- 2. A wrong secret on A's side of the IPv4 session -------------------------------------
  step_start = Clock::now();
  // As an operator editing A's store: A's reconcile loop re-renders the session with the new
  // password and BIRD A reconfigures (restarting the session). TCP MD5 (RFC 2385) then drops
  // every segment between the two routers: no BGP message, so no BGP error either; the
  // sessions just sit in connect/active.
  ASSERT_TRUE(a_store.set_secret(v4_id, "wrong-secret")) << a_store.error();
  std::string b_status;
  std::string b_state;
  std::string a_state;
  const auto connecting = [](const std::string& state) {
    return state == "connect" || state == "active";
  };
  const bool dropped = lab::wait_until(20s, [&] {
    std::tie(b_status, b_state) = status_and_state(world.b_session(v4_id));
    a_state = a_store.bgp_state(v4_id).value_or("(none)");
    return a_store.status(v4_id) == "down" && connecting(a_state) && b_status == "down" &&
           connecting(b_state);
  });
  EXPECT_TRUE(dropped) << "A's store: " << a_store.status(v4_id).value_or("(none)")
                       << " / bgp_state " << a_state << "; B's API: " << b_status << " / bgp_state "
                       << b_state << world.diagnostics();
  EXPECT_EQ(a.session_files(v4_id).size(), 1u);
  EXPECT_NE(read_file(a.session_files(v4_id).front()).find("password \"wrong-secret\";"),
            std::string::npos)
      << "A's rendered IPv4 session does not carry the new secret";
  EXPECT_EQ(a_store.status(v6_id), "established") << "the IPv6 session is not affected";
  std::cout << "[e2e] step 2: IPv4 down on both sides after " << seconds_since(step_start)
            << " s (bgp_state: A " << a_state << ", B " << b_state << ")\n";

  // ---- 3. TimeWindow: a session that never comes up --------------------------------------------
  step_start = Clock::now();
  // B restarted with a TimeWindow of 8 s (draft "Completion"). A clean shutdown gives the
  // router's lease back (ReconcileLoop::stop), so the new process drives the router at once.
  constexpr int kTimeWindow = 8;
  const fs::path b2_config = b.dir / "b-short-window.toml";
  write_file(b2_config, world.b_config(kTimeWindow));
  b.serve->stop();
  {
    const std::string error = world.start_serve(b, b2_config);
    ASSERT_EQ(error, "") << world.diagnostics();
  }
  // AS64502 asks for an IPv4 session and never configures its side.
  const PeerapiRun silent =
      run_peerapi_in(world.ns_a(),
                     {"request", "AS64500", "--config", (world.root() / "c" / "c.toml").string(),
                      "--location", "pdb:ix:1", "--family", "4", "--json"},
                     world.root());
  ASSERT_EQ(silent.exit_code, 0) << silent.describe();
  const auto silent_doc = silent.json();
  ASSERT_TRUE(silent_doc) << silent.describe();
  ASSERT_EQ(silent_doc->at("accepted").as_array().size(), 1u) << silent.describe();
  const std::string silent_id =
      string_at(silent_doc->at("accepted").as_array()[0].as_object(), "session_id");
  const auto silent_status = [&] {
    return string_at(http_get(world.ns_a(), b_url() + "/sessions/" + silent_id, kTokenC)
                         .object()
                         .value_or(json::object{}),
                     "status");
  };
  std::optional<BirdProtocol> silent_protocol;
  const bool configured = lab::wait_until(
      60s,
      [&] {
        silent_protocol = b.protocol_to(kSilentV4);
        return silent_protocol.has_value() && silent_status() == "configured";
      },
      250ms);
  ASSERT_TRUE(configured) << "the silent session never reached B's router" << world.diagnostics();
  const auto configured_at = Clock::now();
  EXPECT_EQ(b.session_files(silent_id).size(), 1u);
  std::cout << "[e2e] step 3: silent session configured on B after " << seconds_since(step_start)
            << " s (" << describe(silent_protocol) << ")\n";
  std::string last_status;
  const bool expired = lab::wait_until(
      std::chrono::seconds(kTimeWindow + 15),
      [&] {
        last_status = silent_status();
        return last_status == "unestablished";
      },
      250ms);
  ASSERT_TRUE(expired) << "status " << last_status << world.diagnostics();
  const double window_seen = seconds_since(configured_at);
  EXPECT_GE(window_seen, kTimeWindow - 1.0) << "unestablished before the TimeWindow passed";
  const bool removed = lab::wait_until(
      10s, [&] { return !b.protocol_to(kSilentV4) && b.session_files(silent_id).empty(); });
  EXPECT_TRUE(removed) << "still on B's router: " << describe(b.protocol_to(kSilentV4))
                       << world.diagnostics();
  std::cout << "[e2e] step 3 done after " << seconds_since(step_start) << " s: unestablished "
            << window_seen << " s after it was seen configured, protocol and file gone\n";
  // Step 2's session stayed down all this time, on both sides.
  EXPECT_EQ(a_store.status(v4_id), "down");
  EXPECT_EQ(status_and_state(world.b_session(v4_id)).first, "down");
  EXPECT_NE(describe(b.protocol_to(kAv4)).find(" start "), std::string::npos)
      << describe(b.protocol_to(kAv4));

  // ---- 4. A deletes its sessions at B --------------------------------------------------------
  step_start = Clock::now();
  const PeerapiRun deletion = run_peerapi_in(
      world.ns_a(), {"delete", "--config", a.config.string(), "--json", v4_id, v6_id},
      world.root());
  EXPECT_EQ(deletion.exit_code, 0) << deletion.describe();
  for (const auto& id : {v4_id, v6_id})
    EXPECT_EQ(status_and_state(world.b_session(id)).first, "deleted") << id;
  const bool b_dropped = lab::wait_until(10s, [&] {
    return !b.protocol_to(kAv4) && !b.protocol_to(kAv6) && b.session_files(v4_id).empty() &&
           b.session_files(v6_id).empty();
  });
  EXPECT_TRUE(b_dropped) << world.diagnostics();
  std::cout << "[e2e] step 4: B dropped both sessions after " << seconds_since(step_start)
            << " s\n";
  // A's own side: `peerapi delete` withdrew A's copies; A's router drops them as well.
  for (const auto& id : {v4_id, v6_id})
    EXPECT_EQ(a_store.status(id), "deleted") << id;
  const bool a_dropped = lab::wait_until(10s, [&] {
    return !a.protocol_to(kBv4) && !a.protocol_to(kBv6) && a.session_files(v4_id).empty() &&
           a.session_files(v6_id).empty();
  });
  EXPECT_TRUE(a_dropped) << "still on A's router: " << describe(a.protocol_to(kBv4)) << "; "
                         << describe(a.protocol_to(kBv6)) << world.diagnostics();
  std::cout << "[e2e] step 4: A dropped its side after " << seconds_since(step_start) << " s\n";

  const double total = seconds_since(test_start);
  std::cout << "[e2e] total " << total << " s\n";
  EXPECT_LT(total, 120.0) << "the end-to-end test should stay well under two minutes";
}

}  // namespace
}  // namespace peerapi::testing::e2e
