// The reader of `birdc show protocols all` and of `birdc configure [check]` answers
// (router/bird/bird_state.hpp) on output captured from BIRD 2.0.12 (tests/router/bird/data/,
// recaptured by data/capture/capture.sh), and on text BIRD would not print but a parser of a
// daemon's output must survive.
#include "router/bird/bird_state.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "support/test_support.hpp"

namespace peerapi::router::bird {
namespace {

using testing::read_file;
using testing::source_dir;

std::string capture(const std::string& name) {
  return read_file(source_dir() / "tests" / "router" / "bird" / "data" / name);
}

constexpr std::int64_t at(int hours, int minutes, int seconds) {
  return hours * 3600 + minutes * 60 + seconds;
}

struct Expected {
  std::string name;
  BgpState state;
  std::optional<std::uint64_t> accepted;
  std::optional<std::uint64_t> received;
  std::string last_error;
  std::string neighbor;
  std::optional<std::int64_t> since;
};

void expect_protocol(const std::map<std::string, BirdProtocolState, std::less<>>& parsed,
                     const Expected& expected) {
  SCOPED_TRACE("protocol " + expected.name);
  const auto found = parsed.find(expected.name);
  ASSERT_NE(found, parsed.end());
  const BirdProtocolState& protocol = found->second;
  EXPECT_EQ(to_string(protocol.session.state), to_string(expected.state));
  EXPECT_EQ(protocol.session.prefixes_accepted, expected.accepted);
  EXPECT_EQ(protocol.session.prefixes_received, expected.received);
  EXPECT_EQ(protocol.session.last_error, expected.last_error);
  EXPECT_EQ(protocol.neighbor_address, expected.neighbor);
  EXPECT_EQ(protocol.since_second_of_day, expected.since);
  EXPECT_FALSE(protocol.session.seconds_in_state) << "the parser knows no clock";
}

std::set<std::string> names(const std::map<std::string, BirdProtocolState, std::less<>>& parsed) {
  std::set<std::string> result;
  for (const auto& [name, protocol] : parsed)
    result.insert(name);
  return result;
}

/// Field-by-field equality (BirdProtocolState has no operator==).
bool same(const BirdProtocolState& a, const BirdProtocolState& b) {
  return a.session.state == b.session.state &&
         a.session.seconds_in_state == b.session.seconds_in_state &&
         a.session.prefixes_received == b.session.prefixes_received &&
         a.session.prefixes_accepted == b.session.prefixes_accepted &&
         a.session.last_error == b.session.last_error &&
         a.since_second_of_day == b.since_second_of_day && a.neighbor_address == b.neighbor_address;
}

// The state of every BGP protocol of A in data/capture/a.conf once B (b.conf) was up.
const std::vector<Expected>& mixed_expectations() {
  static const std::vector<Expected> expected = {
      // `import keep filtered`: 2 accepted + 1 filtered = 3 received.
      {"est_v4", BgpState::established, 2, 3, "", "192.0.2.11", at(3, 17, 56)},
      // Two channels; the IPv4 one does not keep filtered routes, so nothing says how many
      // were received.
      {"est_v6", BgpState::established, 4, std::nullopt, "", "2001:db8:ffff::11", at(3, 17, 55)},
      // RFC 7454 section 8: `receive limit 2 action disable` shut the protocol (state "down").
      {"limit_v4", BgpState::disabled, std::nullopt, std::nullopt,
       "Automatic shutdown: Route limit exceeded", "192.0.2.12", at(3, 17, 56)},
      // RFC 9234 section 4.2: roles peer and customer do not pair up.
      {"role_v4", BgpState::idle, std::nullopt, std::nullopt, "BGP Error: Role mismatch",
       "192.0.2.13", at(3, 17, 56)},
      // Different TCP MD5 secrets (RFC 2385): the segments are dropped, no error is shown.
      {"md5_v4", BgpState::connect, std::nullopt, std::nullopt, "", "192.0.2.14", at(3, 17, 53)},
      {"absent_v4", BgpState::connect, std::nullopt, std::nullopt, "", "192.0.2.99", at(3, 17, 53)},
      // `disabled;` in the configuration: down without an error.
      {"off_v4", BgpState::disabled, std::nullopt, std::nullopt, "", "192.0.2.15", at(3, 17, 53)},
  };
  return expected;
}

// ---- captured output ------------------------------------------------------------------------

TEST(BirdShowProtocols, MixedCaptureGivesEveryBgpProtocolAndNothingElse) {
  const auto parsed = parse_show_protocols_all(capture("protocols_mixed.txt"));
  std::set<std::string> expected_names;
  for (const auto& expected : mixed_expectations()) {
    expected_names.insert(expected.name);
    expect_protocol(parsed, expected);
  }
  // device1 (Device), own_v4 (Static) and rpki_cache (RPKI) are left out.
  EXPECT_EQ(names(parsed), expected_names);
}

TEST(BirdShowProtocols, SingleProtocolCapturesParseLikeTheirBlockInTheFullOutput) {
  struct Case {
    std::string file;
    Expected expected;
  };
  const auto expected_of = [](const std::string& name) {
    for (const auto& expected : mixed_expectations()) {
      if (expected.name == name)
        return expected;
    }
    throw std::logic_error("no expectation for " + name);
  };
  const std::vector<Case> cases = {
      {"protocols_established_v4.txt", expected_of("est_v4")},
      {"protocols_established_two_channels.txt", expected_of("est_v6")},
      {"protocols_receive_limit.txt", expected_of("limit_v4")},
      {"protocols_role_mismatch.txt", expected_of("role_v4")},
      {"protocols_md5_mismatch.txt", expected_of("md5_v4")},
      {"protocols_absent_peer.txt", expected_of("absent_v4")},
      {"protocols_disabled.txt", expected_of("off_v4")},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    const auto parsed = parse_show_protocols_all(capture(c.file));
    EXPECT_EQ(parsed.size(), 1u);
    expect_protocol(parsed, c.expected);
  }
}

TEST(BirdShowProtocols, StartingCaptureShowsActiveAndConnectWithSocketErrors) {
  // A alone, B not started yet: A's connections are refused (Active) or unanswered (Connect).
  const auto parsed = parse_show_protocols_all(capture("protocols_starting.txt"));
  EXPECT_EQ(parsed.size(), 7u);
  for (const std::string name : {"est_v4", "est_v6", "limit_v4", "role_v4"}) {
    expect_protocol(
        parsed, {name, BgpState::active, std::nullopt, std::nullopt, "Socket: Connection refused",
                 parsed.at(name).neighbor_address, at(3, 17, 53)});
  }
  EXPECT_EQ(parsed.at("est_v6").neighbor_address, "2001:db8:ffff::11");
  EXPECT_EQ(parsed.at("md5_v4").session.state, BgpState::connect);
  EXPECT_EQ(parsed.at("absent_v4").session.state, BgpState::connect);
  EXPECT_EQ(parsed.at("off_v4").session.state, BgpState::disabled);
}

TEST(BirdShowProtocols, ShortListingGivesStatesFromTheInfoColumn) {
  // `show protocols` (no "all"): header lines only. A protocol that is down is disabled, the
  // others take the BGP state the info column starts with; counts and addresses are unknown.
  const auto parsed = parse_show_protocols_all(capture("protocols_short.txt"));
  EXPECT_EQ(parsed.size(), 7u);
  const std::vector<std::pair<std::string, BgpState>> states = {
      {"est_v4", BgpState::established}, {"est_v6", BgpState::established},
      {"limit_v4", BgpState::disabled},  {"role_v4", BgpState::idle},
      {"md5_v4", BgpState::connect},     {"absent_v4", BgpState::connect},
      {"off_v4", BgpState::disabled},
  };
  for (const auto& [name, state] : states)
    EXPECT_EQ(to_string(parsed.at(name).session.state), to_string(state)) << name;
  EXPECT_EQ(parsed.at("est_v4").since_second_of_day, at(3, 17, 56));
  EXPECT_FALSE(parsed.at("est_v4").session.prefixes_accepted);
  EXPECT_EQ(parsed.at("est_v4").neighbor_address, "");
  // Only the "Last error:" line of `show protocols all` carries these errors.
  EXPECT_EQ(parsed.at("role_v4").session.last_error, "");
}

TEST(BirdShowProtocols, UnreachableDaemonMessageIsNoProtocol) {
  EXPECT_TRUE(parse_show_protocols_all(capture("protocols_daemon_stopped.txt")).empty());
}

// ---- odd input ------------------------------------------------------------------------------

TEST(BirdShowProtocols, EmptyBannerAndHeaderOnlyGiveNothing) {
  EXPECT_TRUE(parse_show_protocols_all("").empty());
  EXPECT_TRUE(parse_show_protocols_all("\n\n\n").empty());
  EXPECT_TRUE(parse_show_protocols_all("BIRD 2.0.12 ready.\n").empty());
  EXPECT_TRUE(parse_show_protocols_all("BIRD 2.0.12 ready.").empty());
  EXPECT_TRUE(
      parse_show_protocols_all(
          "BIRD 2.0.12 ready.\nName       Proto      Table      State  Since         Info\n")
          .empty());
  // Detail lines without a header line belong to no protocol.
  EXPECT_TRUE(parse_show_protocols_all("  BGP state:          Established\n"
                                       "    Neighbor address: 192.0.2.11\n"
                                       "    Routes:         2 imported, 1 filtered\n")
                  .empty());
}

TEST(BirdShowProtocols, CrlfLineEndsParseLikeLf) {
  const std::string lf = capture("protocols_mixed.txt");
  std::string crlf;
  for (const char c : lf) {
    if (c == '\n')
      crlf += '\r';
    crlf += c;
  }
  const auto expected = parse_show_protocols_all(lf);
  const auto parsed = parse_show_protocols_all(crlf);
  ASSERT_EQ(names(parsed), names(expected));
  for (const auto& [name, protocol] : expected)
    EXPECT_TRUE(same(parsed.at(name), protocol)) << name;
  expect_protocol(parsed, mixed_expectations().front());
}

TEST(BirdShowProtocols, TruncatedAtAnyByteInventsNothingAndKeepsCompleteBlocks) {
  const std::string text = capture("protocols_mixed.txt");
  const auto full = parse_show_protocols_all(text);
  // Where each BGP block ends: the start of the next header line (or the end of the text).
  std::map<std::string, std::size_t> block_end;
  {
    std::string open;
    std::size_t at = 0;
    while (at < text.size()) {
      const std::size_t end = std::min(text.find('\n', at), text.size());
      const std::string_view line(text.data() + at, end - at);
      if (!line.empty() && line[0] != ' ') {
        if (!open.empty())
          block_end[open] = at;
        open.clear();
        const auto space = line.find(' ');
        const std::string name(line.substr(0, space));
        if (full.contains(name))
          open = name;
      }
      at = end + 1;
    }
    if (!open.empty())
      block_end[open] = text.size();
  }
  ASSERT_EQ(block_end.size(), full.size());
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    const auto parsed = parse_show_protocols_all(std::string_view(text).substr(0, cut));
    for (const auto& [name, protocol] : parsed) {
      ASSERT_TRUE(full.contains(name)) << "cut at " << cut << " invented " << name;
      if (block_end.at(name) <= cut) {
        ASSERT_TRUE(same(protocol, full.at(name))) << "cut at " << cut << ": " << name;
      }
    }
  }
}

TEST(BirdShowProtocols, TruncatedBlockKeepsWhatItShows) {
  // est_v4's block cut before its "Routes:" line: the state is known, the counts are not.
  const std::string text = capture("protocols_established_v4.txt");
  const auto cut = text.find("    Routes:");
  ASSERT_NE(cut, std::string::npos);
  const auto parsed = parse_show_protocols_all(std::string_view(text).substr(0, cut));
  expect_protocol(parsed, {"est_v4", BgpState::established, std::nullopt, std::nullopt, "",
                           "192.0.2.11", at(3, 17, 56)});
}

TEST(BirdShowProtocols, NameTwiceKeepsTheFirstBlock) {
  std::string role = capture("protocols_role_mismatch.txt");
  role = role.substr(role.find("role_v4"));
  role.replace(0, std::string("role_v4").size(), "est_v4 ");
  const auto parsed = parse_show_protocols_all(capture("protocols_established_v4.txt") + role);
  ASSERT_EQ(parsed.size(), 1u);
  expect_protocol(parsed, mixed_expectations().front());
}

TEST(BirdShowProtocols, HugeAndMalformedNumbersAreNotCounts) {
  const auto routes = [](const std::string& line) {
    return parse_show_protocols_all(
               "p1 BGP --- up 10:00:00.000 Established\n"
               "  BGP state:          Established\n"
               "  Channel ipv4\n"
               "    " +
               line + "\n")
        .at("p1")
        .session;
  };
  // 2^64 and 10^12 + 1: no router holds that many routes; refused rather than wrapped.
  EXPECT_FALSE(routes("Routes: 18446744073709551616 imported, 0 exported").prefixes_accepted);
  EXPECT_FALSE(routes("Routes: 1000000000001 imported, 0 exported").prefixes_accepted);
  EXPECT_FALSE(routes("Routes: -3 imported, 0 exported").prefixes_accepted);
  EXPECT_FALSE(routes("Routes: 3x imported, 0 exported").prefixes_accepted);
  EXPECT_FALSE(routes("Routes: 0x10 imported, 0 exported").prefixes_accepted);
  EXPECT_EQ(routes("Routes: 1000000000000 imported, 7 filtered, 0 exported").prefixes_accepted,
            1'000'000'000'000u);
  EXPECT_EQ(routes("Routes: 1000000000000 imported, 7 filtered, 0 exported").prefixes_received,
            1'000'000'000'007u);
  // A filtered count that is not a number: received stays unknown.
  EXPECT_FALSE(routes("Routes: 5 imported, 99999999999999999999 filtered").prefixes_received);

  // Many channels at the cap: the sums do not wrap.
  std::string text = "p1 BGP --- up 10:00:00.000 Established\n";
  for (int channel = 0; channel < 1000; ++channel)
    text += "  Channel c\n    Routes: 1000000000000 imported, 1000000000000 filtered\n";
  const auto protocols = parse_show_protocols_all(text);
  const auto& session = protocols.at("p1").session;
  EXPECT_EQ(session.prefixes_accepted, 1'000'000'000'000'000u);
  EXPECT_EQ(session.prefixes_received, 2'000'000'000'000'000u);
}

TEST(BirdShowProtocols, SinceColumnIsATimeOfDayOrUnknown) {
  const auto since = [](const std::string& column) {
    return parse_show_protocols_all("p1 BGP --- up " + column + "  Established\n")
        .at("p1")
        .since_second_of_day;
  };
  EXPECT_EQ(since("00:00:00.000"), 0);
  EXPECT_EQ(since("23:59:59.999"), at(23, 59, 59));
  EXPECT_EQ(since("12:34:56"), at(12, 34, 56));
  // BIRD prints the date alone for a change more than 20 hours ago (its default `timeformat
  // protocol`), and a date and time with `timeformat protocol iso long`: no time of day.
  EXPECT_FALSE(since("2026-11-23"));
  EXPECT_FALSE(since("2026-11-23 03:17:56"));
  EXPECT_FALSE(since("24:00:00.000"));
  EXPECT_FALSE(since("12:60:00.000"));
  EXPECT_FALSE(since("1:02:03.000"));
  EXPECT_FALSE(since("ab:cd:ef.000"));
  EXPECT_EQ(
      parse_show_protocols_all("p1 BGP --- up 2026-11-23 Established\n").at("p1").session.state,
      BgpState::established);
}

TEST(BirdShowProtocols, ErrorInTheInfoColumnIsTheLastErrorWhenNoDetailLineSaysOtherwise) {
  const auto parsed = parse_show_protocols_all(
      "p1 BGP --- down 10:00:00.000 Error: Cannot open listening socket\n"
      "p2 BGP --- start 10:00:00.000 Active        Socket: Connection refused\n"
      "  BGP state:          Active\n"
      "    Last error:       Socket: Connection refused\n");
  EXPECT_EQ(parsed.at("p1").session.last_error, "Error: Cannot open listening socket");
  EXPECT_EQ(parsed.at("p1").session.state, BgpState::disabled);
  EXPECT_EQ(parsed.at("p2").session.last_error, "Socket: Connection refused");
  EXPECT_EQ(parsed.at("p2").session.state, BgpState::active);
}

TEST(BirdShowProtocols, EveryRfc4271StateName) {
  const std::vector<std::pair<std::string, BgpState>> states = {
      {"Idle", BgpState::idle},
      {"Connect", BgpState::connect},
      {"Active", BgpState::active},
      {"OpenSent", BgpState::open_sent},
      {"OpenConfirm", BgpState::open_confirm},
      {"Established", BgpState::established},
      {"Down", BgpState::disabled},
  };
  for (const auto& [text, state] : states) {
    const auto parsed = parse_show_protocols_all("p1 BGP --- start 10:00:00.000 " + text +
                                                 "\n  BGP state:          " + text + "\n");
    EXPECT_EQ(to_string(parsed.at("p1").session.state), to_string(state)) << text;
  }
  // "down" in the protocol column wins over a BGP state line.
  EXPECT_EQ(parse_show_protocols_all("p1 BGP --- down 10:00:00.000\n"
                                     "  BGP state:          Established\n")
                .at("p1")
                .session.state,
            BgpState::disabled);
}

// ---- configure_error ------------------------------------------------------------------------

TEST(BirdConfigureError, NamesBirdsOwnMessageFromRealFailures) {
  // `birdc configure check` (and a refused `birdc configure`) on the file BIRD runs, broken in
  // four ways by capture.sh: BIRD's one-line message, file:line:column first. (capture.sh ran
  // BIRD on a copy of a.conf in a temporary folder.)
  const std::string file = "/tmp/tmp.Oj4nL0f3s9/a.conf";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"configure_check_syntax_error.txt",
       file + ":121:1 syntax error, unexpected '}', expecting PORT or ';' or AS"},
      {"configure_refused.txt",
       file + ":121:1 syntax error, unexpected '}', expecting PORT or ';' or AS"},
      {"configure_check_unknown_filter.txt",
       file + ":55:19 syntax error, unexpected CF_SYM_UNDEFINED"},
      {"configure_check_duplicate_protocol.txt", file + ":119:21 Symbol 'est_v4' already defined"},
      {"configure_check_missing_include.txt",
       file + ":119:10 Unable to match pattern /tmp/tmp.Oj4nL0f3s9/missing/*.conf: No such file "
              "or directory"},
  };
  for (const auto& [capture_file, message] : cases)
    EXPECT_EQ(configure_error(capture(capture_file)), message) << capture_file;
}

TEST(BirdConfigureError, SuccessAndUnreachableAnswersAreReportedVerbatim) {
  EXPECT_EQ(configure_error(capture("configure_check_ok.txt")), "Configuration OK");
  EXPECT_EQ(configure_error(capture("configure_ok.txt")), "Reconfigured");
  const std::string unreachable = configure_error(capture("protocols_daemon_stopped.txt"));
  EXPECT_TRUE(unreachable.starts_with("Unable to connect to server control socket ("))
      << unreachable;
}

TEST(BirdConfigureError, JoinsSeveralLinesAndSkipsBlankOnes) {
  EXPECT_EQ(configure_error(""), "");
  EXPECT_EQ(configure_error("BIRD 2.0.12 ready.\r\n"), "");
  EXPECT_EQ(configure_error("BIRD 2.0.12 ready.\r\nReading configuration from /x/bird.conf\r\n"
                            "\r\n  first problem  \r\nsecond problem\r\n"),
            "first problem; second problem");
}

}  // namespace
}  // namespace peerapi::router::bird
