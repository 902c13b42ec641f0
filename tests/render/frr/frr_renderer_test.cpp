// The FRR renderer's translations of the filter plan (render/filter_plan.hpp) into FRR 8.x
// syntax: ordering of the bogon list, the neighbor's features per version, and the notices.
#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <regex>
#include <sstream>

#include "render/frr/frr_checker.hpp"
#include "render/frr/frr_syntax.hpp"
#include "render/frr/frr_test_util.hpp"
#include "render/render_cases.hpp"

namespace peerapi::render {
namespace {

using namespace peerapi::testing::render_cases;
using peerapi::testing::frr::contains;
using peerapi::testing::frr::count;
using peerapi::testing::frr::file_text;
using peerapi::testing::frr::has_file;
using sources::iana::BogonEntry;
using sources::iana::BogonMatch;
using sources::iana::BogonSet;

constexpr const char* kV4File = "peerapi/sessions/as64501_0c1d2e3f4a01.conf";

RenderInput one_session(const SessionInput& session) {
  RenderInput input = base_input(Daemon::frr);
  input.sessions = {session};
  return input;
}

std::string session_file(const Rendering& rendering) {
  for (const RenderedFile& file : rendering.files) {
    if (file.name.starts_with("peerapi/sessions/"))
      return file.text;
  }
  ADD_FAILURE() << "no session file";
  return "";
}

std::optional<Notice> notice(const Rendering& rendering, std::string_view what) {
  for (const Notice& item : rendering.notices) {
    if (item.what == what)
      return item;
  }
  return std::nullopt;
}

// --- A first-match evaluator of rendered prefix-lists, with FRR's ge/le semantics. ---------

struct ListEntry {
  bool permit = false;
  model::Prefix prefix;
  int min = 0;
  int max = 0;
};

/// The entries of prefix-list `name` in `text`, in sequence order (the rendered order).
std::vector<ListEntry> parse_prefix_list(const std::string& text, const std::string& name) {
  std::vector<ListEntry> entries;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string keyword, kind, list, seq_word, seq, action, prefix;
    words >> keyword >> kind >> list >> seq_word >> seq >> action >> prefix;
    if ((keyword != "ip" && keyword != "ipv6") || kind != "prefix-list" || list != name)
      continue;
    ListEntry entry{action == "permit", ok(model::Prefix::parse(prefix)), 0, 0};
    const int bits = entry.prefix.family() == model::IpFamily::v4 ? 32 : 128;
    entry.min = entry.prefix.length();
    entry.max = entry.prefix.length();
    std::string word;
    bool range = false;
    while (words >> word) {
      int value = 0;
      words >> value;
      if (!range) {
        entry.max = bits;  // "ge N" alone runs to the host length
        range = true;
      }
      (word == "ge" ? entry.min : entry.max) = value;
    }
    entries.push_back(entry);
  }
  return entries;
}

/// FRR: the first entry matching `route` decides; none matching is a deny.
bool permitted(const std::vector<ListEntry>& entries, const model::Prefix& route) {
  for (const ListEntry& entry : entries) {
    if (sources::iana::covers(entry.prefix, route) && route.length() >= entry.min &&
        route.length() <= entry.max)
      return entry.permit;
  }
  return false;
}

/// `prefix` with its first `length` bits kept and bit `flip` (if >= 0) set.
model::Prefix make_prefix(const model::Prefix& base, int length, int set_bit = -1) {
  auto bytes = base.network().bytes();
  const int bits = base.family() == model::IpFamily::v4 ? 32 : 128;
  if (set_bit >= 0 && set_bit < bits)
    bytes[static_cast<std::size_t>(set_bit / 8)] |=
        static_cast<std::uint8_t>(0x80 >> (set_bit % 8));
  for (int bit = length; bit < bits; ++bit)
    bytes[static_cast<std::size_t>(bit / 8)] &= static_cast<std::uint8_t>(~(0x80 >> (bit % 8)));
  std::string text;
  if (bits == 32) {
    text = std::to_string(bytes[0]) + "." + std::to_string(bytes[1]) + "." +
           std::to_string(bytes[2]) + "." + std::to_string(bytes[3]);
  } else {
    char group[8];
    for (int i = 0; i < 16; i += 2) {
      std::snprintf(
          group, sizeof group, "%x",
          (bytes[static_cast<std::size_t>(i)] << 8) | bytes[static_cast<std::size_t>(i + 1)]);
      text += (i == 0 ? "" : ":") + std::string(group);
    }
  }
  return ok(model::Prefix::parse(text + "/" + std::to_string(length)));
}

/// Around every entry of the set: the block itself, its two halves, a host route inside, the
/// enclosing block, and the block one longer with its last bit set.
std::vector<model::Prefix> probes(const BogonSet& bogons) {
  std::vector<model::Prefix> out;
  const auto around = [&](const model::Prefix& block) {
    const int bits = block.family() == model::IpFamily::v4 ? 32 : 128;
    out.push_back(block);
    if (block.length() < bits) {
      out.push_back(make_prefix(block, block.length() + 1));
      out.push_back(make_prefix(block, block.length() + 1, block.length()));
      out.push_back(make_prefix(block, bits, bits - 1));
    }
    if (block.length() > 0) {
      out.push_back(make_prefix(block, block.length() - 1));
      out.push_back(make_prefix(block, block.length(), block.length() - 1));
    }
  };
  for (const auto* list : {&bogons.v4, &bogons.v6, &bogons.v4_permit, &bogons.v6_permit}) {
    for (const BogonEntry& entry : *list)
      around(entry.prefix);
  }
  for (const model::Prefix& block : bogons.v6_allocated)
    around(block);
  for (const char* text : {"8.8.8.0/24", "1.0.0.0/8", "0.0.0.0/1", "2a00:1450::/32",
                           "2001:db8:1::/48", "4000::/16", "3000::/4", "::/8", "2c0f:f000::/24"})
    out.push_back(prefix(text));
  return out;
}

// --- Bogons -------------------------------------------------------------------------------

TEST(FrrBogons, APermitIsOrderedBeforeTheBogonItOverrides) {
  BogonSet bogons;
  bogons.v4 = {BogonEntry{prefix("192.0.0.0/24"), BogonMatch::or_longer, "IETF", "6.1.1.1"}};
  bogons.v4_permit = {BogonEntry{prefix("192.0.0.9/32"), BogonMatch::or_longer, "PCP", "6.1.1.1"}};
  const auto entries = frr::bogon_list(bogons, model::IpFamily::v4);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].prefix, "192.0.0.9/32");
  EXPECT_FALSE(entries[0].bogon);
  EXPECT_EQ(entries[1].prefix, "192.0.0.0/24 le 32");
  EXPECT_TRUE(entries[1].bogon);

  // Rendered: the deny line comes first.
  RenderInput input = one_session(v4_session());
  input.bogons = bogons;
  const std::string text = file_text(render_frr(input), "peerapi/bogons.conf");
  const auto permit_at = text.find("seq 5 deny 192.0.0.9/32");
  const auto bogon_at = text.find("seq 10 permit 192.0.0.0/24 le 32");
  ASSERT_NE(permit_at, std::string::npos) << text;
  ASSERT_NE(bogon_at, std::string::npos) << text;
  EXPECT_LT(permit_at, bogon_at);
}

TEST(FrrBogons, ABogonInsideAPermitStillWins) {
  BogonSet bogons;
  bogons.v4 = {BogonEntry{prefix("10.0.0.0/8"), BogonMatch::or_longer, "outer", ""},
               BogonEntry{prefix("10.1.2.0/24"), BogonMatch::or_longer, "inner", ""}};
  bogons.v4_permit = {BogonEntry{prefix("10.1.0.0/16"), BogonMatch::or_longer, "permit", ""}};
  RenderInput input = one_session(v4_session());
  input.bogons = bogons;
  const auto list =
      parse_prefix_list(file_text(render_frr(input), "peerapi/bogons.conf"), "PEERAPI-BOGONS-V4");
  for (const char* route : {"10.1.2.0/24", "10.1.2.128/25", "10.1.3.0/24", "10.1.0.0/16",
                            "10.2.0.0/16", "10.0.0.0/8"}) {
    EXPECT_EQ(permitted(list, prefix(route)), bogons.is_bogon(prefix(route))) << route;
  }
  EXPECT_TRUE(permitted(list, prefix("10.1.2.0/24")));
  EXPECT_FALSE(permitted(list, prefix("10.1.3.0/24")));
}

TEST(FrrBogons, TheRenderedListsGiveBogonSetsVerdictForEveryProbe) {
  const BogonSet& bogons = shipped_bogons();
  RenderInput input = base_input(Daemon::frr);
  input.sessions = {v4_session(), v6_session()};
  const std::string text = file_text(render_frr(input), "peerapi/bogons.conf");
  const auto v4 = parse_prefix_list(text, "PEERAPI-BOGONS-V4");
  const auto v6 = parse_prefix_list(text, "PEERAPI-BOGONS-V6");
  ASSERT_GT(v4.size(), 10u);
  ASSERT_GT(v6.size(), 30u);
  int checked = 0;
  for (const model::Prefix& route : probes(bogons)) {
    const auto& list = route.family() == model::IpFamily::v4 ? v4 : v6;
    EXPECT_EQ(permitted(list, route), bogons.is_bogon(route)) << route.to_string();
    ++checked;
  }
  EXPECT_GT(checked, 300);
}

TEST(FrrBogons, Ipv6OutsideTheAllocationsIsRejectedAndTheDefaultOnlyExactly) {
  RenderInput input = one_session(v6_session());
  const std::string text = file_text(render_frr(input), "peerapi/bogons.conf");
  const auto v6 = parse_prefix_list(text, "PEERAPI-BOGONS-V6");
  EXPECT_TRUE(permitted(v6, prefix("4000::/16")));        // not allocated to an RIR
  EXPECT_TRUE(permitted(v6, prefix("2001:db8:1::/48")));  // documentation
  EXPECT_FALSE(permitted(v6, prefix("2a00:1450::/32")));  // allocated to RIPE NCC
  EXPECT_FALSE(permitted(v6, prefix("64:ff9b::/96")));    // globally reachable, outside allocations
  EXPECT_TRUE(permitted(v6, prefix("::/0")));
  EXPECT_TRUE(contains(text, "ipv6 prefix-list PEERAPI-BOGONS-V6 seq 5 permit ::/0\n"));
  // Only the families of the sessions are rendered.
  EXPECT_FALSE(contains(text, "PEERAPI-BOGONS-V4"));

  input = one_session(v4_session());
  const auto v4 =
      parse_prefix_list(file_text(render_frr(input), "peerapi/bogons.conf"), "PEERAPI-BOGONS-V4");
  EXPECT_TRUE(permitted(v4, prefix("0.0.0.0/0")));
  EXPECT_FALSE(permitted(v4, prefix("0.0.0.0/1")));  // the exact default entry only
  EXPECT_FALSE(permitted(v4, prefix("8.8.8.0/24")));
}

// --- Syntax helpers -----------------------------------------------------------------------

TEST(FrrSyntax, RangesBecomeGeAndLe) {
  EXPECT_EQ(frr::range_text(range("203.0.113.0/24")), "203.0.113.0/24");
  EXPECT_EQ(frr::range_text(range("198.18.0.0/15{16,24}")), "198.18.0.0/15 ge 16 le 24");
  EXPECT_EQ(frr::range_text(range("2001:db8:200::/40{40,48}")), "2001:db8:200::/40 le 48");
  EXPECT_EQ(frr::or_longer_text(prefix("192.0.2.0/24")), "192.0.2.0/24 le 32");
  EXPECT_EQ(frr::or_longer_text(prefix("192.0.2.1/32")), "192.0.2.1/32");
  EXPECT_EQ(frr::any_text(model::IpFamily::v6), "::/0 le 128");
}

TEST(FrrSyntax, FreeTextCannotBreakTheLine) {
  EXPECT_EQ(frr::one_line("Example\nrouter bgp 1\r\n  exit "), "Example router bgp 1 exit");
  EXPECT_EQ(frr::one_line("\t"), "");
  EXPECT_EQ(frr::one_line("Netzbetreiber S\xc3\xbc\x64"), "Netzbetreiber S\xc3\xbc\x64");
}

TEST(FrrSyntax, NumberRangesBecomeExactAlternatives) {
  EXPECT_EQ(frr::number_range_regex(64512, 65535),
            "6451[2-9]|645[2-9][0-9]|64[6-9][0-9]{2}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]");
  EXPECT_EQ(frr::number_range_regex(0, 0), "0");
  EXPECT_EQ(frr::number_range_regex(4200000000u, 4294967295u), "42[0-9]{8}");
  EXPECT_EQ(frr::number_range_regex(65552, 131071),
            "6555[2-9]|655[6-9][0-9]|65[6-9][0-9]{2}|6[6-9][0-9]{3}|[7-9][0-9]{4}|"
            "1[0-2][0-9]{4}|130[0-9]{3}|1310[0-6][0-9]|13107[0-1]");
  EXPECT_EQ(frr::number_range_regex(7, 12), "[7-9]|1[0-2]");
  // Every number of a few ranges, against the range.
  for (const auto& [first, last] : std::vector<std::pair<std::uint32_t, std::uint32_t>>{
           {0, 0}, {7, 12}, {99, 1001}, {23456, 23456}, {64512, 65535}, {65552, 131071}}) {
    const std::regex re("^(" + frr::number_range_regex(first, last) + ")$", std::regex::extended);
    for (std::uint32_t value = first > 2000 ? first - 2000 : 0; value <= last + 2000; ++value)
      ASSERT_EQ(std::regex_match(std::to_string(value), re), value >= first && value <= last)
          << first << ".." << last << ": " << value;
  }
}

TEST(FrrSyntax, PrivateAsnPatternsMatchExactlyTheCoreList) {
  std::vector<std::regex> patterns;
  const auto list = frr::private_asn_patterns();
  ASSERT_EQ(list.size(), kPrivateOrReservedAsns.size());
  for (const frr::AsPathPattern& pattern : list) {
    // FRR's "_": start, end, or one of ",{}() ".
    std::string regex;
    for (const char c : pattern.regex)
      regex += c == '_' ? std::string("(^|[,{}() ]|$)") : std::string(1, c);
    patterns.emplace_back(regex, std::regex::extended);
  }
  const auto matched = [&](const std::string& path) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const std::regex& re) { return std::regex_search(path, re); });
  };
  const auto reserved = [](std::uint64_t asn) {
    return std::any_of(
        kPrivateOrReservedAsns.begin(), kPrivateOrReservedAsns.end(),
        [&](const AsnRange& range) { return asn >= range.first && asn <= range.last; });
  };
  std::vector<std::uint64_t> probes{1,      2,      3333,        64496,       64500,
                                    64511,  65536,  65551,       174,         4199999999u,
                                    100000, 200000, 4294967294u, 4294967295u, 3000000000u};
  for (const AsnRange& range : kPrivateOrReservedAsns) {
    for (const std::uint64_t edge : {std::uint64_t{range.first}, std::uint64_t{range.last}}) {
      for (const std::int64_t delta : {-1, 0, 1}) {
        const std::int64_t value = static_cast<std::int64_t>(edge) + delta;
        if (value >= 0 && value <= 4294967295ll)
          probes.push_back(static_cast<std::uint64_t>(value));
      }
    }
  }
  for (const std::uint64_t asn : probes) {
    const std::string text = std::to_string(asn);
    EXPECT_EQ(matched(text), reserved(asn)) << asn;
    EXPECT_EQ(matched("64501 " + text + " 64502"), reserved(asn)) << asn;
    EXPECT_EQ(matched("64501 {64502," + text + "}"), reserved(asn)) << asn;
  }
  // A reserved number inside a longer one is no match.
  EXPECT_FALSE(matched("164512"));
  EXPECT_FALSE(matched("645120"));
  EXPECT_FALSE(matched("10"));
}

TEST(FrrTopLevel, SessionsSharingANameGetUniqueNamesAndANotice) {
  SessionInput first = v4_session();
  SessionInput second = v4_session();
  second.session_id = uuid("0290a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a01");  // same last 12 digits
  second.neighbor.their_ip = ip("192.0.2.111");
  RenderInput input = base_input(Daemon::frr);
  input.sessions = {first, second};
  const Rendering rendering = render_frr(input);
  std::vector<std::string> fragments;
  for (const RenderedFile& file : rendering.files) {
    if (file.name.starts_with("peerapi/sessions/"))
      fragments.push_back(file.name);
  }
  ASSERT_EQ(fragments.size(), 2u);
  EXPECT_NE(fragments[0], fragments[1]);
  const auto renamed = notice(rendering, "session_name");
  ASSERT_TRUE(renamed);
  EXPECT_TRUE(contains(file_text(rendering, "frr.conf"), "! " + renamed->message + "\n"));
  EXPECT_TRUE(contains(file_text(rendering, "frr.conf"), "route-map " + renamed->session + "-in"));
}

TEST(FrrSyntax, RolesUseFrrKeywords) {
  EXPECT_EQ(frr::role_keyword(model::BgpRole::route_server), "rs-server");
  EXPECT_EQ(frr::role_keyword(model::BgpRole::route_server_client), "rs-client");
  EXPECT_EQ(frr::role_keyword(model::BgpRole::provider), "provider");
  EXPECT_EQ(frr::role_keyword(model::BgpRole::customer), "customer");
  EXPECT_EQ(frr::role_keyword(model::BgpRole::peer), "peer");
}

// --- Inbound and outbound -----------------------------------------------------------------

TEST(FrrInbound, EveryPlannedRuleHasItsCommentInOrder) {
  for (const GoldenCase& golden : golden_cases(Daemon::frr)) {
    SCOPED_TRACE(golden.name);
    const Rendering rendering = render_frr(golden.input);
    const std::string top = file_text(rendering, "frr.conf");
    for (const SessionInput& session : golden.input.sessions) {
      // The fragment of this session: frr.conf holds them all, in session order.
      const auto start = top.find("! Peering API session " + session.session_id.to_string());
      ASSERT_NE(start, std::string::npos);
      std::size_t at = start;
      for (const InboundRule rule : plan_inbound(golden.input, session).rules) {
        const auto found = top.find(std::string(rule_comment(rule)), at);
        ASSERT_NE(found, std::string::npos) << rule_comment(rule);
        at = found + 1;
      }
    }
  }
}

TEST(FrrInbound, TooSpecificNamesTheLengthAndRouteServersSkipFirstAsAndNextHop) {
  SessionInput rs = v4_session();
  rs.neighbor.their_insert_asn = false;
  const Rendering rendering = render_frr(one_session(rs));
  const std::string text = session_file(rendering);
  EXPECT_TRUE(contains(text, "! RFC 7454 section 6.1.3: prefix too specific (longer than /24)"));
  EXPECT_TRUE(
      contains(file_text(rendering, "peerapi/policy.conf"),
               "ip prefix-list PEERAPI-TOO-SPECIFIC-V4 seq 5 permit 0.0.0.0/0 ge 25 le 32"));
  EXPECT_TRUE(contains(text, " no neighbor 192.0.2.11 enforce-first-as\n"));
  EXPECT_FALSE(contains(text, "next-hop"));

  const std::string normal = session_file(render_frr(one_session(v4_session())));
  EXPECT_TRUE(contains(normal, " neighbor 192.0.2.11 enforce-first-as\n"));
  EXPECT_FALSE(contains(normal, "no neighbor 192.0.2.11 enforce-first-as"));
  EXPECT_TRUE(contains(normal,
                       "ip prefix-list as64501_0c1d2e3f4a01-next-hop seq 5 deny 192.0.2.11/32\n"
                       "ip prefix-list as64501_0c1d2e3f4a01-next-hop seq 10 permit 0.0.0.0/0 "
                       "le 32\n"));
}

TEST(FrrInbound, StrictIrrAndRpkiAndCommunities) {
  const Rendering rendering = render_frr(one_session(v4_session()));
  const std::string text = session_file(rendering);
  // The IRR list is shared by the peer's sessions of the family: peerapi/irr.conf.
  EXPECT_TRUE(contains(text, " match ip address prefix-list PEERAPI-IRR-as64501_v4\n"));
  const std::string irr = file_text(rendering, "peerapi/irr.conf");
  EXPECT_TRUE(contains(irr,
                       "ip prefix-list PEERAPI-IRR-as64501_v4 seq 5 deny 198.18.0.0/15 "
                       "ge 16 le 24\n"));
  EXPECT_TRUE(contains(irr,
                       "ip prefix-list PEERAPI-IRR-as64501_v4 seq 15 permit 0.0.0.0/0 "
                       "le 32\n"));
  EXPECT_TRUE(contains(text, " match rpki invalid\n"));
  EXPECT_TRUE(contains(text, " match rpki notfound\n set local-preference 90\n"));
  EXPECT_TRUE(contains(text, " set comm-list PEERAPI-OWN-COMMUNITIES delete\n"));
  const std::string policy = file_text(rendering, "peerapi/policy.conf");
  EXPECT_TRUE(contains(policy,
                       "bgp community-list expanded PEERAPI-OWN-COMMUNITIES seq 5 permit "
                       "^64500:\n"));
  EXPECT_TRUE(contains(policy, "bgp as-path access-list PEERAPI-OWN-ASN seq 5 permit _64500_\n"));

  // Loose mode: no IRR list. No RTR cache: no rpki matches, and a notice.
  RenderInput loose = one_session(v4_session());
  loose.options.mode = FilterMode::loose;
  loose.options.rpki.reset();
  const Rendering loose_rendering = render_frr(loose);
  const std::string loose_text = session_file(loose_rendering);
  EXPECT_FALSE(contains(loose_text, "not-in-irr"));
  EXPECT_FALSE(contains(loose_text, "rpki"));
  EXPECT_FALSE(has_file(loose_rendering, "peerapi/rpki.conf"));
  const auto rpki = notice(loose_rendering, "rpki_rtr");
  ASSERT_TRUE(rpki);
  EXPECT_EQ(rpki->session, "");

  // A 32-bit ASN cannot be the high half of a community: only the large-community list.
  RenderInput wide = one_session(v4_session());
  wide.our_asns = {asn(4200000001u)};
  const std::string wide_policy = file_text(render_frr(wide), "peerapi/policy.conf");
  EXPECT_FALSE(contains(wide_policy, "bgp community-list"));
  EXPECT_TRUE(contains(wide_policy,
                       "bgp large-community-list expanded "
                       "PEERAPI-OWN-LARGE-COMMUNITIES seq 5 permit ^4200000001:\n"));
}

TEST(FrrInbound, StrictWithoutIrrRoutesRejectsEverything) {
  SessionInput bare = v4_session();
  bare.irr_prefixes.clear();
  const Rendering rendering = render_frr(one_session(bare));
  const std::string text = session_file(rendering);
  EXPECT_TRUE(contains(text, "AS-EXAMPLE-ACCESS lists no IPv4 routes: every route is rejected"));
  EXPECT_TRUE(contains(file_text(rendering, "peerapi/irr.conf"),
                       "ip prefix-list PEERAPI-IRR-as64501_v4 seq 5 permit 0.0.0.0/0 "
                       "le 32\n"));
}

TEST(FrrOutbound, MonitoringAndNothingDeclaredExportNothing) {
  SessionInput ours = v4_session();
  ours.neighbor.our_monitoring = true;
  const std::string text = session_file(render_frr(one_session(ours)));
  EXPECT_TRUE(contains(text, "route-map as64501_0c1d2e3f4a01-out deny 10\nexit\n"));
  EXPECT_FALSE(contains(text, "PEERAPI-ANNOUNCE"));

  const Rendering normal = render_frr(one_session(v4_session()));
  const std::string normal_text = session_file(normal);
  EXPECT_TRUE(contains(normal_text,
                       "route-map as64501_0c1d2e3f4a01-out permit 30\n match ip address "
                       "prefix-list PEERAPI-ANNOUNCE-V4\n"));
  EXPECT_TRUE(contains(file_text(normal, "peerapi/announce.conf"),
                       "ip prefix-list PEERAPI-ANNOUNCE-V4 seq 5 permit 198.51.100.0/24\n"));
  // A v4 session carries nothing of IPv6.
  EXPECT_FALSE(contains(file_text(normal, "frr.conf"), "ipv6"));

  SessionInput theirs = v4_session();
  theirs.neighbor.their_monitoring = true;
  const std::string their_text = session_file(render_frr(one_session(theirs)));
  EXPECT_TRUE(contains(their_text, "route-map as64501_0c1d2e3f4a01-in deny 10\nexit\n"));
  EXPECT_FALSE(contains(their_text, "route-map as64501_0c1d2e3f4a01-in permit"));
}

// --- The neighbor -------------------------------------------------------------------------

TEST(FrrNeighbor, NoRoleOnMonitoringSessionsAndStrictModeWhenAsked) {
  SessionInput theirs = v4_session();
  theirs.neighbor.their_monitoring = true;
  EXPECT_FALSE(contains(session_file(render_frr(one_session(theirs))), "local-role"));
  SessionInput ours = v6_session();
  ours.neighbor.our_monitoring = true;
  EXPECT_FALSE(contains(session_file(render_frr(one_session(ours))), "local-role"));

  SessionInput customer = v4_session();
  customer.neighbor.our_role = model::BgpRole::provider;
  RenderInput strict = one_session(customer);
  strict.options.strict_roles = true;
  EXPECT_TRUE(contains(session_file(render_frr(strict)),
                       " neighbor 192.0.2.11 local-role provider strict-mode\n"));
  EXPECT_TRUE(contains(session_file(render_frr(one_session(v4_session()))),
                       " neighbor 192.0.2.11 local-role peer\n"));
}

TEST(FrrNeighbor, MaxPrefixNumbers) {
  SessionInput session = v4_session();
  session.their_prefix_count = 41;  // 41 * 1.25 = 51.25 -> 52; 90% -> 46
  RenderInput input = one_session(session);
  std::string text = session_file(render_frr(input));
  EXPECT_TRUE(contains(text, "  neighbor 192.0.2.11 maximum-prefix 52 90 restart 15\n"));
  EXPECT_TRUE(contains(text, "at most 52 prefixes (PeeringDB 41 plus 25%), a warning from 46"));

  input.options.max_prefix_restart_minutes = 0;
  input.options.max_prefix_warning_percent = 80;
  text = session_file(render_frr(input));
  EXPECT_TRUE(contains(text, "  neighbor 192.0.2.11 maximum-prefix 52 80\n"));
  EXPECT_TRUE(contains(text, "stays down until cleared"));

  input.sessions[0].their_prefix_count.reset();
  text = session_file(render_frr(input));
  EXPECT_TRUE(contains(text, "maximum-prefix 1000 80\n"));
  // The v6 default.
  EXPECT_TRUE(contains(session_file(render_frr(one_session([] {
                         SessionInput v6 = v6_session();
                         v6.their_prefix_count.reset();
                         return v6;
                       }()))),
                       "maximum-prefix 250 90 restart 15\n"));
}

TEST(FrrNeighbor, Md5EverywhereAndTcpAoNoticedOnEveryVersion) {
  for (const char* version : {"8.4.4", "9.1", "10.2"}) {
    SCOPED_TRACE(version);
    RenderInput input = one_session(v4_session());
    input.version = ok(DaemonVersion::parse(version));
    const Rendering rendering = render_frr(input);
    EXPECT_TRUE(
        contains(session_file(rendering), " neighbor 192.0.2.11 password s3cret-Example\n"));
    const auto ao = notice(rendering, "tcp_ao");
    ASSERT_TRUE(ao);
    EXPECT_EQ(ao->session, "as64501_0c1d2e3f4a01");
    EXPECT_EQ(ao->message,
              "FRR " + input.version.to_string() + " has no TCP-AO (RFC 5925); TCP MD5 used");
  }
  RenderInput md5_only = one_session(v4_session());
  md5_only.options.prefer_tcp_ao = false;
  const Rendering md5 = render_frr(md5_only);
  EXPECT_FALSE(notice(md5, "tcp_ao"));
  EXPECT_TRUE(contains(session_file(md5), "password s3cret-Example"));

  SessionInput open = v4_session();
  open.secret.reset();
  const Rendering no_secret = render_frr(one_session(open));
  EXPECT_FALSE(contains(session_file(no_secret), "password"));
  EXPECT_FALSE(notice(no_secret, "tcp_ao"));
}

TEST(FrrNeighbor, VersionDependentSyntaxAndItsNotices) {
  // FRR 8.3: no RFC 9234 roles; 8.1: no IPv6 next-hop prefix-list match.
  RenderInput input = base_input(Daemon::frr);
  input.sessions = {v4_session(), v6_session()};
  input.version = ok(DaemonVersion::parse("8.1"));
  Rendering old = render_frr(input);
  std::string text = file_text(old, "frr.conf");
  EXPECT_FALSE(contains(text, "local-role"));
  EXPECT_FALSE(contains(text, " match ipv6 next-hop prefix-list"));
  EXPECT_TRUE(contains(text, " match ip next-hop prefix-list"));
  EXPECT_TRUE(contains(text, "frr version 8.1.0\n"));
  std::vector<std::string> whats;
  for (const Notice& item : old.notices)
    whats.push_back(item.session + "/" + item.what);
  EXPECT_EQ(whats, (std::vector<std::string>{
                       "as64501_0c1d2e3f4a01/bgp_role", "as64501_0c1d2e3f4a01/tcp_ao",
                       "as64501_0c1d2e3f4a02/require_next_hop", "as64501_0c1d2e3f4a02/bgp_role",
                       "as64501_0c1d2e3f4a02/tcp_ao"}));
  EXPECT_TRUE(contains(text,
                       "! FRR 8.1.0 has no RFC 9234 roles (from FRR 8.4): role peer not "
                       "configured"));

  input.version = ok(DaemonVersion::parse("8.3"));
  text = file_text(render_frr(input), "frr.conf");
  EXPECT_FALSE(contains(text, "local-role"));
  EXPECT_TRUE(contains(text, " match ipv6 next-hop prefix-list"));

  input.version = ok(DaemonVersion::parse("8.4"));
  const Rendering current = render_frr(input);
  EXPECT_TRUE(contains(file_text(current, "frr.conf"), "local-role peer"));
  EXPECT_FALSE(notice(current, "bgp_role"));
  EXPECT_FALSE(notice(current, "require_next_hop"));
}

TEST(FrrNeighbor, GtsmOnlyWhenDirectlyConnectedElseMultihop) {
  const std::string direct = session_file(render_frr(one_session(v4_session())));
  EXPECT_TRUE(contains(direct, " neighbor 192.0.2.11 ttl-security hops 1\n"));
  EXPECT_FALSE(contains(direct, "ebgp-multihop"));

  SessionInput far = v4_session();
  far.directly_connected = false;
  far.neighbor.our_ip = ip("198.51.100.1");
  const std::string multihop = session_file(render_frr(one_session(far)));
  EXPECT_FALSE(contains(multihop, "ttl-security"));
  EXPECT_TRUE(contains(multihop, " neighbor 192.0.2.11 ebgp-multihop 255\n"));
  EXPECT_TRUE(contains(multihop, " neighbor 192.0.2.11 update-source 198.51.100.1\n"));

  RenderInput no_gtsm = one_session(v4_session());
  no_gtsm.options.gtsm = false;
  const std::string off = session_file(render_frr(no_gtsm));
  EXPECT_FALSE(contains(off, "ttl-security"));
  EXPECT_FALSE(contains(off, "ebgp-multihop"));
}

TEST(FrrNeighbor, DescriptionNamesPeerAndLocationAndIsOneLine) {
  SessionInput session = v4_session();
  session.their_name = "Evil\nrouter bgp 1\n neighbor 10.0.0.1 remote-as 1";
  session.location_name = "";
  const Rendering rendering = render_frr(one_session(session));
  const std::string text = session_file(rendering);
  EXPECT_TRUE(contains(text,
                       " neighbor 192.0.2.11 description Evil router bgp 1 neighbor 10.0.0.1 "
                       "remote-as 1 (AS64501) at pdb:ix:1\n"));
  EXPECT_FALSE(contains(text, "\nrouter bgp 1\n"));
  session.their_name = "";
  EXPECT_TRUE(contains(session_file(render_frr(one_session(session))),
                       " neighbor 192.0.2.11 description AS64501 at pdb:ix:1\n"));
}

TEST(FrrNeighbor, OtherLocalAsnsUseLocalAsAndTheCheckerAcceptsIt) {
  SessionInput other = v4_session();
  other.session_id = uuid("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a07");
  other.neighbor.our_asn = asn(64499);
  other.neighbor.their_asn = asn(64502);
  other.neighbor.their_ip = ip("192.0.2.12");
  RenderInput input = base_input(Daemon::frr);
  input.our_asns = {asn(64500), asn(64499)};
  input.sessions = {v4_session(), other};
  const Rendering rendering = render_frr(input);
  const std::string text = file_text(rendering, "peerapi/sessions/as64502_0c1d2e3f4a07.conf");
  EXPECT_TRUE(contains(text, "router bgp 64500\n"));
  EXPECT_TRUE(contains(text, " neighbor 192.0.2.12 local-as 64499 no-prepend replace-as\n"));
  EXPECT_FALSE(contains(file_text(rendering, kV4File), "local-as"));
  // Both our ASNs are scrubbed and rejected in paths.
  EXPECT_TRUE(contains(file_text(rendering, "peerapi/policy.conf"),
                       "bgp as-path access-list PEERAPI-OWN-ASN seq 10 permit _64499_\n"));

  const std::string missing = testing::frr::missing_checkers();
  ASSERT_TRUE(missing.empty()) << missing;
  testing::TempDir temp;
  const auto top = testing::frr::write_rendering(rendering, temp.path() / "out");
  const auto check = testing::frr::check_frr_config(top, temp.path() / "check");
  EXPECT_TRUE(check.accepted) << check.report;
}

// --- The top level ------------------------------------------------------------------------

TEST(FrrTopLevel, RouterIdFallbackIsNoticed) {
  RenderInput input = one_session(v6_session());
  input.options.router_id.reset();
  const Rendering rendering = render_frr(input);
  const auto fallback = notice(rendering, "router_id");
  ASSERT_TRUE(fallback);
  EXPECT_EQ(fallback->session, "");
  EXPECT_TRUE(contains(fallback->message, "192.0.2.1"));
  const std::string top = file_text(rendering, "frr.conf");
  EXPECT_TRUE(contains(top, " bgp router-id 192.0.2.1\n"));
  EXPECT_TRUE(contains(top, "! " + fallback->message + "\n"));

  // The lowest of our IPv4 addresses, without a notice.
  RenderInput v4 = one_session(v4_session());
  v4.options.router_id.reset();
  const Rendering lowest = render_frr(v4);
  EXPECT_FALSE(notice(lowest, "router_id"));
  EXPECT_TRUE(contains(file_text(lowest, "frr.conf"), " bgp router-id 192.0.2.1\n"));
}

TEST(FrrTopLevel, SharedObjectsOnceAndEveryFragmentInOrder) {
  RenderInput input = golden_cases(Daemon::frr).back().input;  // several_sessions
  ASSERT_EQ(input.sessions.size(), 3u);
  const Rendering rendering = render_frr(input);
  const std::string top = file_text(rendering, "frr.conf");
  EXPECT_EQ(count(top, "ip prefix-list PEERAPI-DEFAULT-V4 seq 5"), 1u);
  EXPECT_EQ(count(top, "ipv6 prefix-list PEERAPI-DEFAULT-V6 seq 5"), 1u);
  EXPECT_EQ(count(top, "ip prefix-list PEERAPI-BOGONS-V4 seq 5 "), 1u);
  EXPECT_EQ(count(top, "\nrpki\n"), 1u);
  EXPECT_EQ(count(top, "\n no bgp default ipv4-unicast\n"), 1u);
  EXPECT_FALSE(contains(top, "ebgp-requires-policy"));
  // frr.conf is the shared files, then the instance, then the fragments, verbatim.
  std::size_t at = 0;
  for (const char* name :
       {"peerapi/bogons.conf", "peerapi/policy.conf", "peerapi/announce.conf", "peerapi/rpki.conf",
        "peerapi/sessions/as64501_0c1d2e3f4a01.conf", "peerapi/sessions/as64501_0c1d2e3f4a02.conf",
        "peerapi/sessions/as64502_0c1d2e3f4a06.conf"}) {
    const auto found = top.find(file_text(rendering, name), at);
    ASSERT_NE(found, std::string::npos) << name;
    at = found;
  }
  EXPECT_TRUE(contains(top, "route-map as64501_0c1d2e3f4a02-in deny 10"));
  // Files sorted by name, exactly one top-level file.
  for (std::size_t i = 1; i < rendering.files.size(); ++i)
    EXPECT_LT(rendering.files[i - 1].name, rendering.files[i].name);
  EXPECT_EQ(std::count_if(rendering.files.begin(), rendering.files.end(),
                          [](const RenderedFile& file) { return file.top_level; }),
            1);
}

TEST(FrrTopLevel, DampeningOnlyWhenAskedPerFamily) {
  RenderInput input = base_input(Daemon::frr);
  input.sessions = {v4_session(), v6_session()};
  EXPECT_FALSE(contains(file_text(render_frr(input), "frr.conf"), "dampening 15"));
  input.options.dampening = true;
  const std::string top = file_text(render_frr(input), "frr.conf");
  EXPECT_TRUE(contains(top, " address-family ipv4 unicast\n  bgp dampening 15 750 6000 60\n"));
  EXPECT_TRUE(contains(top, " address-family ipv6 unicast\n  bgp dampening 15 750 6000 60\n"));
  EXPECT_EQ(count(top, "bgp dampening 15 750 6000 60"), 2u);
}

TEST(FrrTopLevel, DeterministicAndOneFamilyPerSession) {
  const RenderInput input = golden_cases(Daemon::frr).back().input;
  const Rendering first = render_frr(input);
  const Rendering second = render_frr(input);
  ASSERT_EQ(first.files.size(), second.files.size());
  for (std::size_t i = 0; i < first.files.size(); ++i)
    EXPECT_EQ(first.files[i].text, second.files[i].text) << first.files[i].name;
  const std::string v4 = file_text(first, kV4File);
  EXPECT_TRUE(contains(v4, "address-family ipv4 unicast"));
  EXPECT_FALSE(contains(v4, "address-family ipv6"));
  const std::string v6 = file_text(first, "peerapi/sessions/as64501_0c1d2e3f4a02.conf");
  EXPECT_TRUE(contains(v6, "address-family ipv6 unicast"));
  EXPECT_FALSE(contains(v6, "address-family ipv4"));
}

TEST(FrrTopLevel, AnImplausibleRtrHostIsNotRendered) {
  RenderInput input = one_session(v4_session());
  input.options.rpki = RtrCache{"cache\nrouter bgp 1", 3323};
  const Rendering rendering = render_frr(input);
  EXPECT_FALSE(has_file(rendering, "peerapi/rpki.conf"));
  EXPECT_FALSE(contains(file_text(rendering, "frr.conf"), "\nrouter bgp 1\n"));
  ASSERT_TRUE(notice(rendering, "rpki_rtr"));
}

}  // namespace
}  // namespace peerapi::render
