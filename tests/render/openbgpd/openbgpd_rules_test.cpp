// The rule translations of the OpenBGPD renderer that matter (issue 5 "Tests"): bogon layers
// against BogonSet::check, rule order, roles per release, secrets, limits and the notices.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "render/openbgpd/openbgpd_syntax.hpp"
#include "render/render_cases.hpp"
#include "render/renderer.hpp"

namespace peerapi::render {
namespace {

using namespace peerapi::testing::render_cases;
using sources::iana::BogonEntry;
using sources::iana::BogonMatch;
using sources::iana::BogonSet;

// --- helpers ------------------------------------------------------------------------------------

/// Whether a route `route` matches a prefix-set entry as bgpd does (exact or or-longer).
bool entry_matches(const BogonEntry& entry, const model::Prefix& route) {
  return entry.match == BogonMatch::exact ? entry.prefix == route
                                          : sources::iana::covers(entry.prefix, route);
}

/// What the rendered bogon rules decide for `route`: the mark after every layer (see
/// openbgpd::BogonFilter), evaluated the way bgpd evaluates the match rules, in order.
bool marked_by_layers(const openbgpd::BogonFilter& filter, const model::Prefix& route) {
  bool marked = false;
  if (!filter.allocated_set.empty()) {
    marked = true;  // match ... inet6 set large-community MARK
    for (const auto& block : filter.allocated) {
      if (sources::iana::covers(block, route))
        marked = false;
    }
  }
  for (const auto& layer : filter.layers) {
    if (std::any_of(layer.entries.begin(), layer.entries.end(),
                    [&](const BogonEntry& entry) { return entry_matches(entry, route); }))
      marked = layer.mark;
  }
  return marked;
}

/// `base` with `length` and every bit from `ones_from` up to `length` set, the rest cleared:
/// a covering prefix (length shorter), the first more specific (ones_from = length) or the last
/// more specific (ones_from = base.length()).
model::Prefix reshaped(const model::Prefix& base, int length, int ones_from) {
  auto bytes = base.network().bytes();
  const int bits = base.network().max_length();
  for (int bit = 0; bit < bits; ++bit) {
    const auto mask = static_cast<std::uint8_t>(0x80u >> (bit % 8));
    auto& byte = bytes[static_cast<std::size_t>(bit / 8)];
    if (bit >= length)
      byte = static_cast<std::uint8_t>(byte & ~mask);
    else if (bit >= ones_from)
      byte = static_cast<std::uint8_t>(byte | mask);
  }
  char text[64];
  if (base.family() == model::IpFamily::v4) {
    std::snprintf(text, sizeof text, "%u.%u.%u.%u/%d", bytes[0], bytes[1], bytes[2], bytes[3],
                  length);
  } else {
    std::snprintf(text, sizeof text, "%x:%x:%x:%x:%x:%x:%x:%x/%d", bytes[0] << 8 | bytes[1],
                  bytes[2] << 8 | bytes[3], bytes[4] << 8 | bytes[5], bytes[6] << 8 | bytes[7],
                  bytes[8] << 8 | bytes[9], bytes[10] << 8 | bytes[11], bytes[12] << 8 | bytes[13],
                  bytes[14] << 8 | bytes[15], length);
  }
  return prefix(text);
}

/// Probe routes around every entry of the set: the entry, covering prefixes, its first and last
/// more specifics at a few lengths, and some ordinary global prefixes.
std::vector<model::Prefix> probes(const BogonSet& bogons, model::IpFamily family) {
  std::vector<model::Prefix> out;
  const bool v4 = family == model::IpFamily::v4;
  std::vector<model::Prefix> anchors;
  for (const auto* list : v4 ? std::vector{&bogons.v4, &bogons.v4_permit}
                             : std::vector{&bogons.v6, &bogons.v6_permit}) {
    for (const auto& entry : *list)
      anchors.push_back(entry.prefix);
  }
  if (!v4)
    anchors.insert(anchors.end(), bogons.v6_allocated.begin(), bogons.v6_allocated.end());
  const int bits = v4 ? 32 : 128;
  for (const auto& anchor : anchors) {
    out.push_back(anchor);
    for (const int shorter : {1, 8}) {
      if (anchor.length() >= shorter)
        out.push_back(reshaped(anchor, anchor.length() - shorter, bits));
    }
    for (const int longer : {1, 4, 16}) {
      if (anchor.length() + longer > bits)
        continue;
      out.push_back(reshaped(anchor, anchor.length() + longer, bits));
      out.push_back(reshaped(anchor, anchor.length() + longer, anchor.length()));
    }
  }
  for (const char* text : v4 ? std::vector<const char*>{"0.0.0.0/0", "8.8.8.0/24", "1.0.0.0/8",
                                                        "100.0.0.0/8", "192.0.0.0/8"}
                             : std::vector<const char*>{"::/0", "2a00:1::/32", "4000::/16",
                                                        "2000::/3", "2001::/16", "2001:3::/33"}) {
    out.push_back(prefix(text));
  }
  return out;
}

const RenderedFile& file_named(const Rendering& rendering, const std::string& name) {
  for (const auto& file : rendering.files) {
    if (file.name == name)
      return file;
  }
  throw std::runtime_error("no rendered file " + name);
}

const RenderedFile& only_session_file(const Rendering& rendering) {
  const RenderedFile* found = nullptr;
  for (const auto& file : rendering.files) {
    if (file.name.rfind("peerapi/sessions/", 0) == 0) {
      EXPECT_EQ(found, nullptr) << "more than one session file";
      found = &file;
    }
  }
  if (found == nullptr)
    throw std::runtime_error("no session file");
  return *found;
}

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

std::size_t position(const std::string& text, const std::string& needle) {
  const auto at = text.find(needle);
  EXPECT_NE(at, std::string::npos) << "missing: " << needle;
  return at;
}

const Notice* notice_for(const Rendering& rendering, const std::string& what) {
  for (const auto& notice : rendering.notices) {
    if (notice.what == what)
      return &notice;
  }
  return nullptr;
}

RenderInput one_session(SessionInput session) {
  RenderInput input = base_input(Daemon::openbgpd);
  input.sessions = {std::move(session)};
  return input;
}

// --- bogon layers -------------------------------------------------------------------------------

TEST(OpenbgpdBogons, LayersDecideLikeBogonSetCheckForTheShippedData) {
  const BogonSet& bogons = shipped_bogons();
  for (const auto family : {model::IpFamily::v4, model::IpFamily::v6}) {
    const auto filter = openbgpd::bogon_filter(bogons, family);
    // The shipped data needs one mark and one unmark layer per family.
    ASSERT_EQ(filter.layers.size(), 2u);
    EXPECT_TRUE(filter.layers[0].mark);
    EXPECT_FALSE(filter.layers[1].mark);
    const auto routes = probes(bogons, family);
    ASSERT_GT(routes.size(), 150u);
    for (const auto& route : routes)
      EXPECT_EQ(marked_by_layers(filter, route), bogons.is_bogon(route)) << route.to_string();
  }
}

TEST(OpenbgpdBogons, APermitUnmarksAfterTheBogonItOverrides) {
  const BogonSet& bogons = shipped_bogons();
  const auto filter = openbgpd::bogon_filter(bogons, model::IpFamily::v4);
  const auto layer_of = [&](const char* text) {
    for (std::size_t i = 0; i < filter.layers.size(); ++i) {
      for (const auto& entry : filter.layers[i].entries) {
        if (entry.prefix == prefix(text))
          return static_cast<int>(i);
      }
    }
    return -1;
  };
  // 192.0.0.9/32 (PCP anycast) is globally reachable inside 192.0.0.0/24.
  ASSERT_GE(layer_of("192.0.0.0/24"), 0);
  EXPECT_GT(layer_of("192.0.0.9/32"), layer_of("192.0.0.0/24"));
  EXPECT_FALSE(bogons.is_bogon(prefix("192.0.0.9/32")));
  EXPECT_FALSE(marked_by_layers(filter, prefix("192.0.0.9/32")));
  EXPECT_TRUE(marked_by_layers(filter, prefix("192.0.0.8/32")));

  // In a session the permit's unmark rule sits between the bogon mark and the deny.
  const Rendering rendering = render_openbgpd(one_session(v4_session()));
  const std::string& text = only_session_file(rendering).text;
  const auto mark = position(text,
                             "match from 192.0.2.11 prefix-set peerapi_bogons_v4 set "
                             "large-community 64500:7454:61");
  const auto unmark = position(text,
                               "match from 192.0.2.11 prefix-set peerapi_bogon_permits_v4 "
                               "set large-community delete 64500:7454:61");
  const auto deny = position(text, "deny quick from 192.0.2.11 large-community 64500:7454:61");
  EXPECT_LT(mark, unmark);
  EXPECT_LT(unmark, deny);
}

TEST(OpenbgpdBogons, NestedEntriesGetTheirOwnLayersAndExactEntriesWin) {
  BogonSet bogons;
  bogons.v4 = {
      {prefix("0.0.0.0/0"), BogonMatch::exact, "default route", "RFC 7454 section 6.1.6.1"},
      {prefix("10.0.0.0/8"), BogonMatch::or_longer, "outer", "x"},
      {prefix("10.1.1.0/24"), BogonMatch::or_longer, "bogon inside the permit", "x"},
      {prefix("20.0.0.0/8"), BogonMatch::or_longer, "same as a permit", "x"},
  };
  bogons.v4_permit = {
      {prefix("0.0.0.0/0"), BogonMatch::or_longer, "everything", "x"},
      {prefix("10.1.0.0/16"), BogonMatch::or_longer, "permit", "x"},
      {prefix("20.0.0.0/8"), BogonMatch::or_longer, "same prefix as a bogon", "x"},
  };
  const auto filter = openbgpd::bogon_filter(bogons, model::IpFamily::v4);
  ASSERT_EQ(filter.layers.size(), 4u);
  // 0.0.0.0/0 as a permit comes first; the bogons inside it next, and so on.
  EXPECT_EQ(filter.layers[0].set_name, "peerapi_bogon_permits_v4");
  EXPECT_EQ(filter.layers[1].set_name, "peerapi_bogons_v4");
  EXPECT_EQ(filter.layers[2].set_name, "peerapi_bogon_permits_v4_2");
  EXPECT_EQ(filter.layers[3].set_name, "peerapi_bogons_v4_2");
  EXPECT_FALSE(filter.layers[0].mark);
  EXPECT_TRUE(filter.layers[3].mark);
  for (const char* text :
       {"0.0.0.0/0", "10.0.0.0/8", "10.2.0.0/16", "10.1.0.0/16", "10.1.2.0/24", "10.1.1.0/24",
        "10.1.1.128/25", "20.0.0.0/8", "20.1.0.0/16", "30.0.0.0/8"}) {
    EXPECT_EQ(marked_by_layers(filter, prefix(text)), bogons.is_bogon(prefix(text))) << text;
  }
  EXPECT_TRUE(marked_by_layers(filter, prefix("0.0.0.0/0")));  // exact bogon beats the permit
  EXPECT_TRUE(marked_by_layers(filter, prefix("10.1.1.0/25")));
  EXPECT_FALSE(marked_by_layers(filter, prefix("10.1.2.0/24")));
}

TEST(OpenbgpdBogons, Ipv6OutsideTheAllocationsIsRejected) {
  const BogonSet& bogons = shipped_bogons();
  const auto filter = openbgpd::bogon_filter(bogons, model::IpFamily::v6);
  EXPECT_EQ(filter.allocated_set, "peerapi_v6_allocated");
  EXPECT_TRUE(marked_by_layers(filter, prefix("4000::/16")));      // not allocated
  EXPECT_TRUE(marked_by_layers(filter, prefix("2001:db8::/32")));  // documentation
  EXPECT_FALSE(marked_by_layers(filter, prefix("2a00:1::/32")));   // RIPE NCC
  EXPECT_FALSE(marked_by_layers(filter, prefix("2001:3::/32")));   // AMT, outside RIR space

  const Rendering rendering = render_openbgpd(one_session(v6_session()));
  const std::string& text = only_session_file(rendering).text;
  const auto all = position(text,
                            "match from 2001:db8:ffff::11 inet6 set large-community "
                            "64500:7454:61");
  const auto allocated = position(text,
                                  "match from 2001:db8:ffff::11 prefix-set "
                                  "peerapi_v6_allocated set large-community delete "
                                  "64500:7454:61");
  const auto bogon_layer = position(text, "prefix-set peerapi_bogons_v6 set large-community");
  EXPECT_LT(all, allocated);
  EXPECT_LT(allocated, bogon_layer);
  const std::string& shared = file_named(rendering, "peerapi/bogons.conf").text;
  EXPECT_TRUE(contains(shared, "prefix-set peerapi_v6_allocated {\n\t2001:200::/23 or-longer\n"));
  EXPECT_TRUE(contains(shared, "\t::/0\t# default route, exact match\n"));
}

// --- neighbor -----------------------------------------------------------------------------------

TEST(OpenbgpdNeighbor, NoRoleOnMonitoringSessions) {
  for (const bool ours : {true, false}) {
    SessionInput session = v4_session();
    (ours ? session.neighbor.our_monitoring : session.neighbor.their_monitoring) = true;
    const Rendering rendering = render_openbgpd(one_session(session));
    const std::string& text = only_session_file(rendering).text;
    EXPECT_FALSE(contains(text, "announce policy")) << ours;
    EXPECT_FALSE(contains(text, "\trole ")) << ours;
    EXPECT_TRUE(contains(text, "# no RFC 9234 role: Peering API monitoring session")) << ours;
    EXPECT_EQ(notice_for(rendering, "bgp_role"), nullptr);
  }
  const Rendering normal = render_openbgpd(one_session(v4_session()));
  EXPECT_TRUE(contains(only_session_file(normal).text, "\tannounce policy peer\n"));
}

TEST(OpenbgpdNeighbor, MonitoringSessionsImportOrExportNothing) {
  SessionInput theirs = v4_session();
  theirs.neighbor.their_monitoring = true;
  const std::string in = only_session_file(render_openbgpd(one_session(theirs))).text;
  EXPECT_TRUE(contains(in,
                       "# Peering API monitoring session: the neighbor only collects, accept "
                       "nothing from it\ndeny quick from 192.0.2.11\n"));
  EXPECT_FALSE(contains(in, "allow from 192.0.2.11"));

  SessionInput ours = v4_session();
  ours.neighbor.our_monitoring = true;
  const std::string out = only_session_file(render_openbgpd(one_session(ours))).text;
  EXPECT_TRUE(contains(out, "\texport none\n"));
  EXPECT_TRUE(contains(out, "deny quick to 192.0.2.11\n"));
  EXPECT_FALSE(contains(out, "allow to 192.0.2.11"));
}

TEST(OpenbgpdNeighbor, MaxPrefixNumbersAndTheMissingWarning) {
  SessionInput session = v4_session();
  session.their_prefix_count = 41;  // 41 * 1.25 = 51.25 -> 52, warning at 46
  RenderInput input = one_session(session);
  Rendering rendering = render_openbgpd(input);
  std::string text = only_session_file(rendering).text;
  EXPECT_TRUE(contains(text, "\tmax-prefix 52 restart 15\n"));
  const Notice* warning = notice_for(rendering, "max_prefix");
  ASSERT_NE(warning, nullptr);
  EXPECT_EQ(warning->session, "as64501_0c1d2e3f4a01");
  EXPECT_TRUE(contains(warning->message, "above 46"));
  EXPECT_TRUE(contains(text, "above 46 prefixes is not rendered"));

  input.options.max_prefix_restart_minutes = 0;  // the strongest action: stay down
  text = only_session_file(render_openbgpd(input)).text;
  EXPECT_TRUE(contains(text, "\tmax-prefix 52\n"));
  EXPECT_TRUE(contains(text, "stay down until an operator clears it"));

  input.sessions[0].their_prefix_count.reset();  // no PeeringDB figure: the v4 default
  text = only_session_file(render_openbgpd(input)).text;
  EXPECT_TRUE(contains(text, "\tmax-prefix 1000\n"));
}

TEST(OpenbgpdNeighbor, Md5WithANoticeForTheMissingTcpAoInEveryRelease) {
  for (const char* version : {"7.7", "7.8", "8.4"}) {
    SCOPED_TRACE(version);
    RenderInput input = one_session(v4_session());
    input.version = ok(DaemonVersion::parse(version));
    Rendering rendering = render_openbgpd(input);
    EXPECT_TRUE(
        contains(only_session_file(rendering).text, "\ttcp md5sig password \"s3cret-Example\"\n"));
    const Notice* ao = notice_for(rendering, "tcp_ao");
    ASSERT_NE(ao, nullptr);
    EXPECT_TRUE(contains(ao->message, "has no TCP-AO"));

    input.options.prefer_tcp_ao = false;  // MD5 asked for: nothing to report
    rendering = render_openbgpd(input);
    EXPECT_TRUE(contains(only_session_file(rendering).text, "tcp md5sig password"));
    EXPECT_EQ(notice_for(rendering, "tcp_ao"), nullptr);
  }
  SessionInput open = v4_session();
  open.secret.reset();
  const Rendering rendering = render_openbgpd(one_session(open));
  EXPECT_FALSE(contains(only_session_file(rendering).text, "md5sig"));
  EXPECT_EQ(notice_for(rendering, "tcp_ao"), nullptr);
}

TEST(OpenbgpdNeighbor, RoleSpellingDependsOnTheRelease) {
  using model::BgpRole;
  EXPECT_EQ(openbgpd::role_lines({7, 7, 0}, BgpRole::peer, false),
            std::vector<std::string>{"announce policy peer"});
  EXPECT_EQ(openbgpd::role_lines({7, 7, 0}, BgpRole::route_server_client, true),
            std::vector<std::string>{"announce policy rs-client enforce"});
  EXPECT_EQ(openbgpd::role_lines({7, 8, 0}, BgpRole::provider, false),
            std::vector<std::string>{"role provider"});
  EXPECT_EQ(openbgpd::role_lines({8, 4, 0}, BgpRole::customer, true),
            (std::vector<std::string>{"role customer", "announce policy enforce"}));

  SessionInput customer = v4_session();
  customer.neighbor.our_role = BgpRole::provider;
  customer.neighbor.their_role = BgpRole::customer;
  RenderInput input = one_session(customer);
  input.options.strict_roles = true;
  EXPECT_TRUE(contains(only_session_file(render_openbgpd(input)).text,
                       "\tannounce policy provider enforce\n"));
  input.version = {7, 8, 0};
  const std::string text = only_session_file(render_openbgpd(input)).text;
  EXPECT_TRUE(contains(text, "\trole provider\n\tannounce policy enforce\n"));
  EXPECT_FALSE(contains(text, "announce policy provider"));

  input.version = {7, 6, 0};  // before RFC 9234 support
  const Rendering old = render_openbgpd(input);
  EXPECT_FALSE(contains(only_session_file(old).text, "announce policy"));
  const Notice* role = notice_for(old, "bgp_role");
  ASSERT_NE(role, nullptr);
  EXPECT_EQ(role->message, "OpenBGPD 7.6 has no RFC 9234 roles (from 7.7)");
}

TEST(OpenbgpdNeighbor, RouteServerSkipsFirstAsAndNextHop) {
  SessionInput rs = v4_session();
  rs.neighbor.their_insert_asn = false;
  rs.neighbor.their_role = model::BgpRole::route_server;
  rs.neighbor.our_role = model::BgpRole::route_server_client;
  const std::string text = only_session_file(render_openbgpd(one_session(rs))).text;
  EXPECT_TRUE(contains(text, "\tenforce neighbor-as no\n"));  // bgpd's eBGP default is yes
  EXPECT_FALSE(contains(text, "peer-as !="));
  EXPECT_FALSE(contains(text, "nexthop neighbor"));
  EXPECT_TRUE(contains(text, "\tannounce policy rs-client\n"));

  const std::string peer = only_session_file(render_openbgpd(one_session(v4_session()))).text;
  EXPECT_TRUE(contains(peer, "\tenforce neighbor-as yes\n"));
  EXPECT_TRUE(contains(peer, "deny quick from 192.0.2.11 peer-as != 64501\n"));
  EXPECT_TRUE(contains(peer,
                       "match from 192.0.2.11 nexthop neighbor set large-community delete "
                       "64500:7454:10\n"));
}

TEST(OpenbgpdNeighbor, GtsmOnlyOnTheLinkMultihopOtherwise) {
  const std::string direct = only_session_file(render_openbgpd(one_session(v4_session()))).text;
  EXPECT_TRUE(contains(direct, "\tttl-security yes\n"));
  EXPECT_FALSE(contains(direct, "multihop"));
  SessionInput remote = v4_session();
  remote.directly_connected = false;
  const std::string text = only_session_file(render_openbgpd(one_session(remote))).text;
  EXPECT_FALSE(contains(text, "ttl-security"));
  EXPECT_TRUE(contains(text, "\tmultihop 64\n"));
}

TEST(OpenbgpdNeighbor, DescriptionIsQuotedSafelyAndFitsBgpd) {
  SessionInput session = v4_session();
  session.their_name = "Evil \"Net\"\n\\ deny from any";
  session.location_name = "Example IX";
  std::string text = only_session_file(render_openbgpd(one_session(session))).text;
  EXPECT_TRUE(contains(text, "\tdescr \"Evil Net   deny from any\"\n"));
  // The name in comments cannot end the comment line or continue it.
  EXPECT_FALSE(contains(text, "\ndeny from any"));
  EXPECT_FALSE(contains(text, "\\"));

  session.their_name = "Netz Übergabe Gesellschaft Kaö-Süd";  // byte 31 is inside "ö"
  text = only_session_file(render_openbgpd(one_session(session))).text;
  const auto start = position(text, "\tdescr \"") + 8;
  const std::string descr = text.substr(start, text.find('"', start) - start);
  EXPECT_LE(descr.size(), openbgpd::kDescrMax);
  EXPECT_EQ(descr, "Netz Übergabe Gesellschaft Ka");  // cut before the whole character
  EXPECT_EQ(openbgpd::quoted_text("Köln", 2), "K");
}

TEST(OpenbgpdNeighbor, LocalAsWhenTheSessionSpeaksForAnotherAsn) {
  SessionInput session = v4_session();
  session.neighbor.our_asn = asn(64499);
  RenderInput input = one_session(session);
  input.our_asns = {asn(64500), asn(64499)};
  const Rendering rendering = render_openbgpd(input);
  EXPECT_TRUE(contains(file_named(rendering, "bgpd.conf").text, "\nAS 64500\n"));
  const std::string& text = only_session_file(rendering).text;
  EXPECT_TRUE(contains(text, "\tlocal-as 64499\n"));
  EXPECT_TRUE(contains(text, "deny quick from 192.0.2.11 AS { 64500, 64499 }\n"));
  EXPECT_TRUE(contains(text,
                       "set { community delete 64500:*, large-community delete "
                       "64500:*:*, community delete 64499:*, large-community delete "
                       "64499:*:* }\n"));
  EXPECT_FALSE(
      contains(only_session_file(render_openbgpd(one_session(v4_session()))).text, "local-as"));
}

// --- filter rules -------------------------------------------------------------------------------

TEST(OpenbgpdFilter, EveryPlannedRuleCarriesItsCommentInPlanOrder) {
  for (const GoldenCase& golden : golden_cases(Daemon::openbgpd)) {
    SCOPED_TRACE(golden.name);
    const Rendering rendering = render_openbgpd(golden.input);
    for (const SessionInput& session : golden.input.sessions) {
      const std::string& text =
          file_named(rendering, "peerapi/sessions/" + session_name(session) + ".conf").text;
      std::size_t last = 0;
      for (const InboundRule rule : plan_inbound(golden.input, session).rules) {
        const auto at = text.find("# " + std::string(rule_comment(rule)), last);
        ASSERT_NE(at, std::string::npos) << rule_comment(rule);
        last = at;
      }
      for (const OutboundRule rule : plan_outbound(golden.input, session).rules) {
        const auto at = text.find("# " + std::string(rule_comment(rule)), last);
        ASSERT_NE(at, std::string::npos) << rule_comment(rule);
        last = at;
      }
    }
  }
}

TEST(OpenbgpdFilter, TooSpecificSaysTheLength) {
  const std::string text = only_session_file(render_openbgpd(one_session(v6_session()))).text;
  EXPECT_TRUE(contains(text,
                       "# RFC 7454 section 6.1.3: prefix too specific (longer than /48)\n"
                       "deny quick from 2001:db8:ffff::11 inet6 prefixlen > 48\n"));
  EXPECT_TRUE(contains(text,
                       "(longer than /48)\ndeny quick to 2001:db8:ffff::11 inet6 "
                       "prefixlen > 48\n"));
}

TEST(OpenbgpdFilter, StrictAllowsOnlyTheIrrSetLooseAllowsByDefault) {
  const Rendering rendering = render_openbgpd(one_session(v4_session()));
  const std::string strict = only_session_file(rendering).text;
  const auto base = position(strict, "\ndeny from 192.0.2.11\n");
  const auto allow = position(strict,
                              "allow from 192.0.2.11 prefix-set "
                              "peerapi_irr_as64501_v4 set localpref 100\n");
  EXPECT_LT(base, allow);
  // The set is shared by the peer's IPv4 sessions: peerapi/irr.conf.
  EXPECT_TRUE(contains(file_named(rendering, "peerapi/irr.conf").text,
                       "prefix-set peerapi_irr_as64501_v4 {\n"
                       "\t198.18.0.0/15 prefixlen 16 - 24\n\t203.0.113.0/24\n}\n"));

  RenderInput loose = one_session(v4_session());
  loose.options.mode = FilterMode::loose;
  const std::string text = only_session_file(render_openbgpd(loose)).text;
  EXPECT_TRUE(contains(text, "\nallow from 192.0.2.11 set localpref 100\n"));
  EXPECT_FALSE(contains(text, "peerapi_irr_"));
  EXPECT_FALSE(contains(text, "\ndeny from 192.0.2.11\n"));

  SessionInput empty = v4_session();
  empty.irr_prefixes.clear();
  const std::string none = file_named(render_openbgpd(one_session(empty)), "peerapi/irr.conf").text;
  EXPECT_TRUE(contains(none,
                       "# AS-EXAMPLE-ACCESS, IPv4: empty, nothing is accepted\n"
                       "prefix-set peerapi_irr_as64501_v4 {\n}\n"));
}

TEST(OpenbgpdFilter, RpkiRulesAndTheRtrBlock) {
  Rendering rendering = render_openbgpd(one_session(v4_session()));
  const std::string text = only_session_file(rendering).text;
  EXPECT_TRUE(contains(text, "deny quick from 192.0.2.11 ovs invalid\n"));
  EXPECT_TRUE(contains(text, "match from 192.0.2.11 ovs not-found set localpref 90\n"));
  EXPECT_LT(position(text, "set localpref 100"), position(text, "set localpref 90"));
  EXPECT_TRUE(contains(file_named(rendering, "peerapi/rpki.conf").text,
                       "rtr 127.0.0.1 {\n\tdescr \"peerapi RTR cache\"\n\tport 3323\n}\n"));
  EXPECT_EQ(notice_for(rendering, "rpki_rtr"), nullptr);

  RenderInput none = one_session(v4_session());
  none.options.rpki.reset();
  rendering = render_openbgpd(none);
  EXPECT_FALSE(contains(only_session_file(rendering).text, "ovs"));
  for (const auto& file : rendering.files)
    EXPECT_NE(file.name, "peerapi/rpki.conf");
  ASSERT_NE(notice_for(rendering, "rpki_rtr"), nullptr);

  RenderInput named = one_session(v4_session());
  named.options.rpki = RtrCache{"rtr.example.net", 3323};
  rendering = render_openbgpd(named);
  EXPECT_TRUE(contains(file_named(rendering, "peerapi/rpki.conf").text, "# rtr rtr.example.net {"));
  const Notice* rtr = notice_for(rendering, "rpki_rtr");
  ASSERT_NE(rtr, nullptr);
  EXPECT_TRUE(contains(rtr->message, "takes an IP address"));
}

TEST(OpenbgpdFilter, PrivateAsnsAreTheSharedList) {
  const std::string text = only_session_file(render_openbgpd(one_session(v4_session()))).text;
  EXPECT_TRUE(contains(text,
                       "deny quick from 192.0.2.11 { AS 0, AS 23456, AS 64512 - 65535, "
                       "AS 65552 - 131071, AS 4200000000 - 4294967295 }\n"));
}

TEST(OpenbgpdFilter, OutboundAnnouncesOnlyTheDeclaredList) {
  const Rendering rendering = render_openbgpd(one_session(v4_session()));
  const std::string text = only_session_file(rendering).text;
  const auto base = position(text, "\ndeny to 192.0.2.11\n");
  const auto allow = position(text, "\nallow to 192.0.2.11 prefix-set peerapi_announce_v4\n");
  const auto bogons = position(text, "deny quick to 192.0.2.11 large-community 64500:7454:61\n");
  EXPECT_LT(base, allow);
  EXPECT_LT(allow, bogons);
  EXPECT_TRUE(contains(file_named(rendering, "peerapi/announce.conf").text,
                       "prefix-set peerapi_announce_v4 {\n\t198.51.100.0/24\n}\n"));

  RenderInput nothing = one_session(v4_session());
  nothing.options.announce.clear();
  const Rendering empty = render_openbgpd(nothing);
  const std::string quiet = only_session_file(empty).text;
  EXPECT_TRUE(contains(quiet, "\texport none\n"));
  EXPECT_FALSE(contains(quiet, "allow to"));
  EXPECT_TRUE(contains(file_named(empty, "peerapi/announce.conf").text,
                       "# no IPv4 prefixes declared: IPv4 sessions announce nothing\n"));
}

TEST(OpenbgpdFilter, PrefixSetEntries) {
  EXPECT_EQ(openbgpd::prefix_set_entry(range("203.0.113.0/24")), "203.0.113.0/24");
  EXPECT_EQ(openbgpd::prefix_set_entry(range("198.18.0.0/15{16,24}")),
            "198.18.0.0/15 prefixlen 16 - 24");
  EXPECT_EQ(openbgpd::prefix_set_entry(range("10.0.0.0/8{8,32}")), "10.0.0.0/8 or-longer");
  EXPECT_EQ(openbgpd::prefix_set_entry(range("2001:db8::/32{48,48}")),
            "2001:db8::/32 prefixlen 48 - 48");
}

// --- the whole rendering ------------------------------------------------------------------------

TEST(OpenbgpdRendering, RouterIdFallbackIsANotice) {
  RenderInput input = one_session(v6_session());
  input.options.router_id.reset();
  Rendering rendering = render_openbgpd(input);
  const std::string& top = file_named(rendering, "bgpd.conf").text;
  EXPECT_TRUE(contains(top, "\nrouter-id 192.0.2.1\n"));
  const Notice* fallback = notice_for(rendering, "router_id");
  ASSERT_NE(fallback, nullptr);
  EXPECT_EQ(fallback->session, "");
  EXPECT_TRUE(contains(top, "# " + fallback->message + "\n"));

  input.sessions.push_back(v4_session());  // an IPv4 session address: no fallback
  input.sessions.back().neighbor.our_ip = ip("192.0.2.7");
  rendering = render_openbgpd(input);
  EXPECT_TRUE(contains(file_named(rendering, "bgpd.conf").text, "\nrouter-id 192.0.2.7\n"));
  EXPECT_EQ(notice_for(rendering, "router_id"), nullptr);
}

TEST(OpenbgpdRendering, DampeningIsANoticeAndAComment) {
  RenderInput input = one_session(v4_session());
  input.options.dampening = true;
  const Rendering rendering = render_openbgpd(input);
  const Notice* dampening = notice_for(rendering, "dampening");
  ASSERT_NE(dampening, nullptr);
  EXPECT_EQ(dampening->session, "as64501_0c1d2e3f4a01");
  EXPECT_EQ(dampening->message, "OpenBGPD 7.7 has no route flap dampening");
  EXPECT_TRUE(contains(only_session_file(rendering).text,
                       "\t# RFC 7454 section 7 (RFC 7196 thresholds): OpenBGPD 7.7 has no route "
                       "flap dampening\n"));
  EXPECT_EQ(notice_for(render_openbgpd(one_session(v4_session())), "dampening"), nullptr);
}

TEST(OpenbgpdRendering, TopLevelHoldsEveryPartInSectionOrder) {
  RenderInput input = base_input(Daemon::openbgpd);
  input.sessions = {v4_session(), v6_session()};
  const Rendering rendering = render_openbgpd(input);
  std::vector<std::string> names;
  int top_level = 0;
  for (const auto& file : rendering.files) {
    names.push_back(file.name);
    top_level += file.top_level ? 1 : 0;
  }
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(top_level, 1);
  EXPECT_EQ(names,
            (std::vector<std::string>{"bgpd.conf", "peerapi/announce.conf", "peerapi/bogons.conf",
                                      "peerapi/irr.conf", "peerapi/rpki.conf",
                                      "peerapi/sessions/as64501_0c1d2e3f4a01.conf",
                                      "peerapi/sessions/as64501_0c1d2e3f4a02.conf"}));
  const std::string& top = file_named(rendering, "bgpd.conf").text;
  EXPECT_FALSE(contains(top, "\ninclude "));
  const auto as = position(top, "\nAS 64500\n");
  const auto sets = position(top, "prefix-set peerapi_bogons_v4 {");
  const auto irr = position(top, "prefix-set peerapi_irr_as64501_v6 {");
  const auto rtr = position(top, "\nrtr 127.0.0.1 {");
  const auto neighbor = position(top, "\nneighbor 192.0.2.11 {");
  const auto second = position(top, "\nneighbor 2001:db8:ffff::11 {");
  const auto rules = position(top, "\ndeny from 192.0.2.11\n");
  EXPECT_LT(as, sets);
  EXPECT_LT(sets, irr);
  EXPECT_LT(irr, rtr);
  EXPECT_LT(rtr, neighbor);
  EXPECT_LT(second, rules);
  // Every session file's text is in bgpd.conf.
  for (const auto& file : rendering.files) {
    if (file.name.rfind("peerapi/sessions/", 0) != 0)
      continue;
    const auto neighbor_part = file.text.substr(file.text.find("\nneighbor "));
    EXPECT_TRUE(contains(top, neighbor_part.substr(0, neighbor_part.find("\n}\n"))));
  }
}

}  // namespace
}  // namespace peerapi::render
