// Unit tests of the BIRD translations that matter: bogon ordering (checked against
// BogonSet::check), rule order and comments, roles, max-prefix numbers, MD5 vs TCP-AO by
// version, notices, and text that must stay inside BIRD's string syntax.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include "render/bird/bird_checker.hpp"
#include "render/bird/bird_syntax.hpp"
#include "render/render_cases.hpp"
#include "support/test_support.hpp"

namespace peerapi::render {
namespace {

using namespace peerapi::testing::render_cases;
using sources::iana::BogonEntry;
using sources::iana::BogonMatch;
using sources::iana::BogonSet;
namespace checker = peerapi::testing::bird_checker;

const RenderedFile* find_file(const Rendering& rendering, const std::string& name) {
  for (const auto& file : rendering.files) {
    if (file.name == name)
      return &file;
  }
  return nullptr;
}

std::string text_of(const Rendering& rendering, const std::string& name) {
  const RenderedFile* file = find_file(rendering, name);
  if (file == nullptr) {
    ADD_FAILURE() << "no file " << name;
    return "";
  }
  return file->text;
}

std::string session_text(const RenderInput& input, std::size_t index = 0) {
  return text_of(render_bird(input),
                 "peerapi/sessions/" + session_name(input.sessions[index]) + ".conf");
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

RenderInput one_session(SessionInput session) {
  RenderInput input = base_input(Daemon::bird);
  input.sessions = {std::move(session)};
  return input;
}

const Notice* find_notice(const Rendering& rendering, const std::string& what) {
  for (const auto& notice : rendering.notices) {
    if (notice.what == what)
      return &notice;
  }
  return nullptr;
}

/// The rendered bogon functions, evaluated the way BIRD evaluates them: the first matching
/// group decides, then (IPv6) peerapi_unallocated_v6.
bool matches(const BogonEntry& entry, const model::Prefix& route) {
  return entry.match == BogonMatch::exact ? entry.prefix == route
                                          : sources::iana::covers(entry.prefix, route);
}
bool any_match(const std::vector<BogonEntry>& entries, const model::Prefix& route) {
  return std::any_of(entries.begin(), entries.end(),
                     [&](const BogonEntry& entry) { return matches(entry, route); });
}
bool rendered_bogon(const BogonSet& set, const model::Prefix& route) {
  const auto groups = bird::bogon_groups(set, route.family());
  bool bogon = false;
  if (any_match(groups.exact, route) || any_match(groups.shadowed, route))
    bogon = true;
  else if (any_match(groups.permits, route))
    return false;
  else if (any_match(groups.bogons, route))
    bogon = true;
  if (bogon || route.family() == model::IpFamily::v4)
    return bogon;
  return std::none_of(
      groups.allocated.begin(), groups.allocated.end(),
      [&](const model::Prefix& block) { return sources::iana::covers(block, route); });
}

/// Every entry's prefix and some more specific and less specific prefixes of it.
std::vector<model::Prefix> probes_around(const model::Prefix& prefix) {
  std::vector<model::Prefix> out{prefix};
  const std::string network = prefix.network().to_string();
  for (int delta : {-8, -1, 1, 4, 8, 16}) {
    const int length = prefix.length() + delta;
    if (length < 0 || length > prefix.network().max_length())
      continue;
    if (auto probe = model::Prefix::parse(network + "/" + std::to_string(length)))
      out.push_back(*probe);
  }
  return out;
}

TEST(BirdBogons, RenderedOrderAgreesWithBogonSetCheckOnTheShippedData) {
  const BogonSet& set = shipped_bogons();
  std::vector<model::Prefix> probes;
  for (const auto* list : {&set.v4, &set.v6, &set.v4_permit, &set.v6_permit}) {
    for (const auto& entry : *list) {
      for (const auto& probe : probes_around(entry.prefix))
        probes.push_back(probe);
    }
  }
  for (const auto& block : set.v6_allocated) {
    for (const auto& probe : probes_around(block))
      probes.push_back(probe);
  }
  for (const char* text :
       {"8.8.8.0/24", "1.1.1.0/24", "0.0.0.0/0", "2a00:1450::/32", "3000::/16", "4000::/3", "::/0",
        "2001:4:112:1::/64", "64:ff9b::/96", "64:ff9b::/104", "2001:1::1/128", "2c0f:f000::/20"})
    probes.push_back(prefix(text));
  ASSERT_GT(probes.size(), 300u);
  for (const auto& probe : probes)
    EXPECT_EQ(rendered_bogon(set, probe), set.is_bogon(probe)) << probe.to_string();
}

TEST(BirdBogons, ABogonInsideAPermitAndATieAreCheckedBeforeThePermits) {
  BogonSet set;
  set.v4 = {{prefix("10.0.0.0/8"), BogonMatch::or_longer, "private", "s"},
            {prefix("10.1.2.0/24"), BogonMatch::or_longer, "nested", "s"},
            {prefix("10.9.0.0/16"), BogonMatch::or_longer, "tie", "s"}};
  set.v4_permit = {{prefix("10.1.0.0/16"), BogonMatch::or_longer, "reachable", "s"},
                   {prefix("10.9.0.0/16"), BogonMatch::or_longer, "reachable", "s"}};
  const auto groups = bird::bogon_groups(set, model::IpFamily::v4);
  ASSERT_EQ(groups.shadowed.size(), 2u);
  EXPECT_EQ(groups.shadowed[0].prefix, prefix("10.1.2.0/24"));
  EXPECT_EQ(groups.shadowed[1].prefix, prefix("10.9.0.0/16"));
  for (const char* text :
       {"10.1.2.0/25", "10.1.3.0/24", "10.1.0.0/16", "10.2.0.0/16", "10.9.1.0/24", "11.0.0.0/8"}) {
    EXPECT_EQ(rendered_bogon(set, prefix(text)), set.is_bogon(prefix(text))) << text;
  }
  RenderInput input = one_session(v4_session());
  input.bogons = set;
  const std::string bogons = text_of(render_bird(input), "peerapi/bogons.conf");
  const auto shadowed = bogons.find("if p ~ PEERAPI_BOGONS_V4_IN_PERMITS then return true;");
  const auto permits = bogons.find("if p ~ PEERAPI_BOGON_PERMITS_V4 then return false;");
  const auto rest = bogons.find("if p ~ PEERAPI_BOGONS_V4 then return true;");
  ASSERT_NE(shadowed, std::string::npos) << bogons;
  ASSERT_NE(permits, std::string::npos);
  ASSERT_NE(rest, std::string::npos);
  EXPECT_LT(shadowed, permits);
  EXPECT_LT(permits, rest);
}

TEST(BirdBogons, PermitsComeBeforeTheBogonsAndExactEntriesMatchOnlyThemselves) {
  const std::string bogons = text_of(render_bird(one_session(v4_session())), "peerapi/bogons.conf");
  for (const char* family : {"V4", "V6"}) {
    const std::string f(family);
    const auto exact = bogons.find("if p ~ PEERAPI_BOGONS_" + f + "_EXACT then return true;");
    const auto permits = bogons.find("if p ~ PEERAPI_BOGON_PERMITS_" + f + " then return false;");
    const auto rest = bogons.find("if p ~ PEERAPI_BOGONS_" + f + " then return true;");
    ASSERT_NE(exact, std::string::npos) << f;
    ASSERT_NE(permits, std::string::npos) << f;
    ASSERT_NE(rest, std::string::npos) << f;
    EXPECT_LT(exact, permits);
    EXPECT_LT(permits, rest);
  }
  // The default routes are exact entries, never "0.0.0.0/0+" (which would match everything).
  EXPECT_TRUE(has(bogons, "  0.0.0.0/0 "));
  EXPECT_TRUE(has(bogons, "  ::/0 "));
  EXPECT_FALSE(has(bogons, "0.0.0.0/0+"));
  EXPECT_FALSE(has(bogons, "::/0+"));
  EXPECT_TRUE(has(bogons, "  10.0.0.0/8+,"));
  EXPECT_TRUE(has(bogons, "  2001:db8::/32+,"));
}

TEST(BirdBogons, AnIpv6PrefixOutsideTheAllocationsIsRejected) {
  const BogonSet& set = shipped_bogons();
  EXPECT_TRUE(rendered_bogon(set, prefix("3000::/16")));
  EXPECT_TRUE(rendered_bogon(set, prefix("2d00::/8")));
  EXPECT_FALSE(rendered_bogon(set, prefix("2a00:1450::/32")));
  EXPECT_FALSE(rendered_bogon(set, prefix("64:ff9b::/96")));  // permit outside the allocations
  const std::string bogons = text_of(render_bird(one_session(v6_session())), "peerapi/bogons.conf");
  EXPECT_TRUE(has(bogons, "  return !(p ~ PEERAPI_ALLOCATED_V6);"));
  EXPECT_TRUE(has(bogons, "  2a00::/12+,"));
  const std::string v6 = session_text(one_session(v6_session()));
  EXPECT_TRUE(has(v6,
                  "  if peerapi_unallocated_v6(net) then\n    reject \"RFC7454 6.1.2.1 "
                  "not allocated by IANA (as64501_0c1d2e3f4a02): \", net;"))
      << v6;
  EXPECT_FALSE(has(session_text(one_session(v4_session())), "peerapi_unallocated_v6"));
}

TEST(BirdRules, EveryPlanRuleIsRenderedInOrderWithItsComment) {
  for (const auto& golden : golden_cases(Daemon::bird)) {
    SCOPED_TRACE(golden.name);
    const Rendering rendering = render_bird(golden.input);
    for (const auto& session : golden.input.sessions) {
      const InboundPlan plan = plan_inbound(golden.input, session);
      std::string text;
      for (const auto& file : rendering.files) {
        if (file.name.rfind("peerapi/sessions/" + session_name(session), 0) == 0 &&
            has(file.text, session.session_id.to_string()))
          text = file.text;
      }
      ASSERT_FALSE(text.empty());
      std::size_t at = text.find("_import\n{");
      ASSERT_NE(at, std::string::npos);
      for (const InboundRule rule : plan.rules) {
        const auto next = text.find("  # " + std::string(rule_comment(rule)), at);
        ASSERT_NE(next, std::string::npos) << rule_comment(rule);
        at = next + 1;
      }
      const OutboundPlan out = plan_outbound(golden.input, session);
      for (const OutboundRule rule : out.rules)
        EXPECT_TRUE(has(text, "# " + std::string(rule_comment(rule)))) << rule_comment(rule);
    }
  }
}

TEST(BirdRules, EveryLoggedReasonStartsWithItsRfc7454Section) {
  const std::regex reject(R"re(reject "([^"]*)")re");
  const std::regex reason(
      R"re(^(RFC7454 (6\.1\.1|6\.1\.2\.1|6\.1\.2\.2\.1|6\.1\.2\.2\.2|6\.1\.3|6\.1\.4|6\.1\.5|6\.1\.6|9|10) .*|peering-api monitoring session.*)$)re");
  int seen = 0;
  for (const auto& golden : golden_cases(Daemon::bird)) {
    for (const auto& file : render_bird(golden.input).files) {
      for (auto it = std::sregex_iterator(file.text.begin(), file.text.end(), reject);
           it != std::sregex_iterator(); ++it) {
        ++seen;
        EXPECT_TRUE(std::regex_match((*it)[1].str(), reason)) << (*it)[1].str();
      }
    }
  }
  EXPECT_GT(seen, 100);
}

TEST(BirdRules, TooSpecificNamesTheLengthAndRejects) {
  RenderInput input = one_session(v4_session());
  input.options.max_length_v4 = 23;
  const std::string text = session_text(input);
  EXPECT_TRUE(has(text,
                  "  # RFC 7454 section 6.1.3: prefix too specific (longer than /23)\n"
                  "  if net.len > 23 then\n"
                  "    reject \"RFC7454 6.1.3 too specific (as64501_0c1d2e3f4a01): \", net;"))
      << text;
}

TEST(BirdRules, StrictModeWithoutIrrPrefixesRejectsEverythingWithoutAnEmptySet) {
  SessionInput session = v4_session();
  session.irr_prefixes.clear();
  session.irr_object.clear();
  const std::string text = session_text(one_session(session));
  EXPECT_FALSE(has(text, "_irr = ["));
  EXPECT_FALSE(has(text, "[ ]"));
  EXPECT_TRUE(has(text,
                  "  # No IRR data was looked up: nothing is accepted.\n"
                  "  reject \"RFC7454 6.1.2.2.1 not in IRR (as64501_0c1d2e3f4a01): \", net;"))
      << text;
  RenderInput loose = one_session(session);
  loose.options.mode = FilterMode::loose;
  EXPECT_FALSE(has(session_text(loose), "not in IRR"));
}

TEST(BirdRules, RouteServerSkipsFirstAsAndNextHop) {
  SessionInput rs = v4_session();
  rs.neighbor.their_insert_asn = false;
  const std::string text = session_text(one_session(rs));
  EXPECT_FALSE(has(text, "bgp_path.first"));
  EXPECT_FALSE(has(text, "bgp_next_hop"));
  EXPECT_TRUE(has(text, "peerapi_private_asn_in_path(bgp_path)"));
  const std::string direct = session_text(one_session(v4_session()));
  EXPECT_TRUE(has(direct, "if bgp_path.first != 64501 then"));
  EXPECT_TRUE(has(direct, "if bgp_next_hop != 192.0.2.11 then"));
}

TEST(BirdRules, OwnAsnsAndCommunityScrubCoverEveryAsn) {
  RenderInput input = one_session(v4_session());
  input.our_asns = {asn(64500), asn(4200000001)};
  const std::string text = session_text(input);
  EXPECT_TRUE(has(text, "if bgp_path ~ [= * [64500, 4200000001] * =] then"));
  // A 32-bit ASN does not fit an RFC 1997 community: large communities only.
  EXPECT_TRUE(has(text, "bgp_community.delete([(64500, *)]);"));
  EXPECT_TRUE(has(text, "bgp_large_community.delete([(64500, *, *), (4200000001, *, *)]);"));
}

TEST(BirdRules, RpkiNotFoundGetsTheLowerPreferenceAfterTheDefaultOne) {
  const std::string text = session_text(one_session(v4_session()));
  const auto preference = text.find("  bgp_local_pref = 100;");
  const auto not_found = text.find(
      "  if roa_check(peerapi_roa4, net, bgp_path.last) = ROA_UNKNOWN then\n"
      "    bgp_local_pref = 90;");
  const auto invalid =
      text.find("  if roa_check(peerapi_roa4, net, bgp_path.last) = ROA_INVALID then");
  ASSERT_NE(preference, std::string::npos);
  ASSERT_NE(not_found, std::string::npos);
  ASSERT_NE(invalid, std::string::npos);
  EXPECT_LT(invalid, preference);
  EXPECT_LT(preference, not_found);
  EXPECT_LT(not_found, text.find("  accept;\n}"));

  RenderInput no_rpki = one_session(v4_session());
  no_rpki.options.rpki.reset();
  const Rendering rendering = render_bird(no_rpki);
  EXPECT_EQ(find_file(rendering, "peerapi/rpki.conf"), nullptr);
  EXPECT_FALSE(has(text_of(rendering, "bird.conf"), "include \"peerapi/rpki.conf\""));
  const Notice* notice = find_notice(rendering, "rpki_rtr");
  ASSERT_NE(notice, nullptr);
  EXPECT_EQ(notice->session, "");
  EXPECT_FALSE(has(session_text(no_rpki), "roa_check"));
  EXPECT_FALSE(has(session_text(no_rpki), "import table on;"));
}

TEST(BirdRules, RpkiStanzaNamesTheCache) {
  RenderInput input = one_session(v4_session());
  input.options.rpki = RtrCache{"rtr.example.net", 8282};
  const std::string rpki = text_of(render_bird(input), "peerapi/rpki.conf");
  EXPECT_TRUE(has(rpki, "roa4 table peerapi_roa4;\nroa6 table peerapi_roa6;"));
  EXPECT_TRUE(has(rpki, "  remote \"rtr.example.net\" port 8282;"));
  EXPECT_TRUE(has(text_of(render_bird(input), "bird.conf"), "include \"peerapi/rpki.conf\";"));
}

TEST(BirdRules, ExportSendsOnlyTheDeclaredListNeverABogonOrTooSpecific) {
  const std::string v4 = session_text(one_session(v4_session()));
  EXPECT_TRUE(has(v4,
                  "  if !(net ~ PEERAPI_ANNOUNCE_V4) then reject;\n"
                  "  # RFC 7454 sections 6.1.1 and 6.1.2.1: never announce a bogon\n"
                  "  if peerapi_bogon_v4(net) then\n"))
      << v4;
  EXPECT_TRUE(has(v4,
                  "  if net.len > 24 then\n    reject \"RFC7454 6.1.3 too specific, not "
                  "announced"));
  EXPECT_TRUE(has(v4, "    export filter as64501_0c1d2e3f4a01_export;"));
  const std::string announce =
      text_of(render_bird(one_session(v4_session())), "peerapi/announce.conf");
  EXPECT_TRUE(has(announce, "define PEERAPI_ANNOUNCE_V4 = [\n  198.51.100.0/24\n];"));
  EXPECT_TRUE(has(announce, "define PEERAPI_ANNOUNCE_V6 = [\n  2001:db8:100::/40\n];"));

  SessionInput monitoring = v4_session();
  monitoring.neighbor.our_monitoring = true;
  const std::string ours = session_text(one_session(monitoring));
  EXPECT_TRUE(has(ours,
                  "    # RFC 7454 section 6.2.1.2: nothing to announce on this session\n"
                  "    export none;"));
  EXPECT_FALSE(has(ours, "_export"));
}

TEST(BirdRules, NoRoleOnMonitoringSessions) {
  for (const bool ours : {true, false}) {
    SessionInput session = v4_session();
    (ours ? session.neighbor.our_monitoring : session.neighbor.their_monitoring) = true;
    RenderInput input = one_session(session);
    input.options.strict_roles = true;
    const std::string text = session_text(input);
    EXPECT_FALSE(has(text, "local role")) << ours;
    EXPECT_FALSE(has(text, "require roles")) << ours;
  }
  SessionInput theirs = v4_session();
  theirs.neighbor.their_monitoring = true;
  const std::string text = session_text(one_session(theirs));
  EXPECT_TRUE(has(text,
                  "{\n  # Peering API monitoring session: the neighbor only collects, "
                  "accept nothing from it\n  reject \"peering-api monitoring session, "
                  "nothing accepted (as64501_0c1d2e3f4a01): \", net;\n}"))
      << text;
}

TEST(BirdRules, RolesMapToBirdKeywordsAndStrictModeRequiresThem) {
  EXPECT_EQ(bird::role_keyword(model::BgpRole::provider), "provider");
  EXPECT_EQ(bird::role_keyword(model::BgpRole::route_server), "rs_server");
  EXPECT_EQ(bird::role_keyword(model::BgpRole::route_server_client), "rs_client");
  EXPECT_EQ(bird::role_keyword(model::BgpRole::customer), "customer");
  EXPECT_EQ(bird::role_keyword(model::BgpRole::peer), "peer");
  SessionInput rs_client = v4_session();
  rs_client.neighbor.our_role = model::BgpRole::route_server_client;
  RenderInput input = one_session(rs_client);
  EXPECT_TRUE(has(session_text(input), "  local role rs_client;\n"));
  EXPECT_FALSE(has(session_text(input), "require roles"));
  input.options.strict_roles = true;
  EXPECT_TRUE(has(session_text(input), "  local role rs_client;\n  require roles on;\n"));
}

TEST(BirdRules, NoRoleOnAnIbgpSession) {
  SessionInput session = v4_session();
  session.neighbor.their_asn = session.neighbor.our_asn;
  const RenderInput input = one_session(session);
  EXPECT_FALSE(has(session_text(input), "local role"));
  EXPECT_NE(find_notice(render_bird(input), "bgp_role"), nullptr);
}

TEST(BirdRules, RolesNeedBird2011) {
  RenderInput input = one_session(v4_session());
  input.version = DaemonVersion{2, 0, 10};
  input.options.strict_roles = true;
  const Rendering rendering = render_bird(input);
  const std::string text = session_text(input);
  EXPECT_FALSE(has(text, "local role"));
  EXPECT_FALSE(has(text, "require roles"));
  EXPECT_TRUE(has(text, "# peerapi notice: BIRD 2.0.10 has no RFC 9234 roles (from 2.0.11)"));
  const Notice* notice = find_notice(rendering, "bgp_role");
  ASSERT_NE(notice, nullptr);
  EXPECT_EQ(notice->session, "as64501_0c1d2e3f4a01");
  input.version = DaemonVersion{2, 0, 11};
  EXPECT_TRUE(has(session_text(input), "  local role peer;\n  require roles on;\n"));
  EXPECT_EQ(find_notice(render_bird(input), "bgp_role"), nullptr);
}

TEST(BirdRules, MaxPrefixNumbersAndActions) {
  SessionInput session = v4_session();
  session.their_prefix_count = 41;  // 41 * 1.25 = 51.25 -> 52; 90% of 52 -> 46
  RenderInput input = one_session(session);
  std::string text = session_text(input);
  EXPECT_TRUE(has(text,
                  "    # RFC 7454 section 8: at most 52 routes (41 in PeeringDB + 25% "
                  "headroom).\n"))
      << text;
  EXPECT_TRUE(has(text, "    import keep filtered on;\n    receive limit 52 action restart;\n"));
  EXPECT_TRUE(has(text, "    import limit 46 action warn;\n"));
  const Rendering restarting = render_bird(input);
  const Notice* restart = find_notice(restarting, "max_prefix");
  ASSERT_NE(restart, nullptr);
  EXPECT_TRUE(has(restart->message, "not after 15 minutes"));

  input.options.max_prefix_restart_minutes = 0;
  text = session_text(input);
  EXPECT_TRUE(has(text, "    receive limit 52 action disable;\n"));
  EXPECT_TRUE(has(text, "stays down until an operator acts"));
  EXPECT_EQ(find_notice(render_bird(input), "max_prefix"), nullptr);

  SessionInput unknown = v6_session();
  unknown.their_prefix_count.reset();
  text = session_text(one_session(unknown));
  EXPECT_TRUE(has(text, "at most 250 routes (no PeeringDB figure: the default)"));
  EXPECT_TRUE(has(text, "    receive limit 250 action restart;\n    # Warning threshold (90%)"));
  EXPECT_TRUE(has(text, "    import limit 225 action warn;\n"));
}

TEST(BirdRules, Md5OrTcpAoByVersion) {
  RenderInput input = one_session(v4_session());
  const auto ao = [&](DaemonVersion version) {
    input.version = version;
    return session_text(input);
  };
  const std::string md5 = ao(DaemonVersion{2, 0, 12});
  EXPECT_TRUE(has(md5, "  password \"s3cret-Example\";\n"));
  EXPECT_FALSE(has(md5, "authentication ao"));
  EXPECT_NE(find_notice(render_bird(input), "tcp_ao"), nullptr);

  for (const DaemonVersion version : {DaemonVersion{2, 17, 0}, DaemonVersion{3, 1, 0}}) {
    const std::string text = ao(version);
    EXPECT_TRUE(has(text,
                    "  # RFC 7454 section 5.1: TCP-AO (RFC 5925); both routers must use "
                    "the same key\n"
                    "  authentication ao;\n"
                    "  keys {\n"
                    "    key {\n"
                    "      id 0;\n"
                    "      secret \"s3cret-Example\";\n"
                    "      algorithm hmac sha256;\n"
                    "      preferred;\n"
                    "    };\n"
                    "  };\n"))
        << version.to_string() << text;
    EXPECT_FALSE(has(text, "password"));
    EXPECT_EQ(find_notice(render_bird(input), "tcp_ao"), nullptr);
  }
  EXPECT_TRUE(has(ao(DaemonVersion{3, 0, 0}), "  password \"s3cret-Example\";\n"));

  input.version = DaemonVersion{2, 17, 0};
  input.options.prefer_tcp_ao = false;
  EXPECT_TRUE(has(session_text(input), "  password \"s3cret-Example\";\n"));
  EXPECT_EQ(find_notice(render_bird(input), "tcp_ao"), nullptr);

  SessionInput no_secret = v4_session();
  no_secret.secret.reset();
  const std::string open = session_text(one_session(no_secret));
  EXPECT_FALSE(has(open, "password"));
  EXPECT_FALSE(has(open, "authentication"));
}

TEST(BirdRules, GtsmOnlyOnDirectSessionsAndMultihopOtherwise) {
  EXPECT_TRUE(has(session_text(one_session(v4_session())), "  ttl security on;\n"));
  SessionInput pni = v4_session();
  pni.directly_connected = false;
  const std::string text = session_text(one_session(pni));
  EXPECT_FALSE(has(text, "ttl security"));
  EXPECT_TRUE(has(text, "  multihop;\n"));
  RenderInput off = one_session(v4_session());
  off.options.gtsm = false;
  EXPECT_FALSE(has(session_text(off), "ttl security"));
}

TEST(BirdRules, DampeningIsANoticeForBird) {
  RenderInput input = one_session(v4_session());
  input.options.dampening = true;
  const Rendering rendering = render_bird(input);
  const Notice* notice = find_notice(rendering, "dampening");
  ASSERT_NE(notice, nullptr);
  EXPECT_EQ(notice->session, "as64501_0c1d2e3f4a01");
  EXPECT_EQ(notice->message,
            "BIRD 2.0.12 has no route flap dampening (RFC 7454 section 7, RFC 7196)");
  EXPECT_TRUE(has(session_text(input), "  # peerapi notice: " + notice->message + "\n"));
  input.options.dampening = false;
  EXPECT_EQ(find_notice(render_bird(input), "dampening"), nullptr);
}

TEST(BirdRules, RouterIdFallbackIsANotice) {
  RenderInput input = one_session(v6_session());
  input.options.router_id.reset();
  Rendering rendering = render_bird(input);
  const Notice* notice = find_notice(rendering, "router_id");
  ASSERT_NE(notice, nullptr);
  EXPECT_EQ(notice->session, "");
  EXPECT_TRUE(has(text_of(rendering, "bird.conf"), "\nrouter id 192.0.2.1;\n"));

  input.sessions.push_back(v4_session());
  input.sessions.back().neighbor.our_ip = ip("192.0.2.77");
  rendering = render_bird(input);
  EXPECT_EQ(find_notice(rendering, "router_id"), nullptr);
  EXPECT_TRUE(has(text_of(rendering, "bird.conf"), "\nrouter id 192.0.2.77;\n"));
}

TEST(BirdRules, TopLevelFileIncludesEverythingAndNoKernelProtocol) {
  const Rendering rendering = render_bird(golden_cases(Daemon::bird).back().input);
  const RenderedFile* top = find_file(rendering, "bird.conf");
  ASSERT_NE(top, nullptr);
  EXPECT_TRUE(top->top_level);
  EXPECT_FALSE(has(top->text, "\nprotocol kernel"));
  EXPECT_TRUE(has(top->text, "protocol device {\n}\n"));
  int top_levels = 0;
  for (const auto& file : rendering.files) {
    top_levels += file.top_level ? 1 : 0;
    if (!file.top_level) {
      EXPECT_TRUE(has(top->text, "include \"" + file.name + "\";\n")) << file.name;
    }
  }
  EXPECT_EQ(top_levels, 1);
  EXPECT_TRUE(
      std::is_sorted(rendering.files.begin(), rendering.files.end(),
                     [](const RenderedFile& a, const RenderedFile& b) { return a.name < b.name; }));
}

TEST(BirdRules, SharedSessionNamesGetDistinctNamesAndANotice) {
  // session_name() keeps the last 12 hex digits of the id: these two share them.
  RenderInput input = base_input(Daemon::bird);
  SessionInput twin = v6_session();
  twin.session_id = uuid("0290a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a01");
  input.sessions = {v4_session(), twin};
  ASSERT_EQ(session_name(input.sessions[0]), session_name(input.sessions[1]));
  const Rendering rendering = render_bird(input);
  std::vector<std::string> session_files;
  for (const auto& file : rendering.files) {
    if (file.name.starts_with("peerapi/sessions/"))
      session_files.push_back(file.name);
  }
  ASSERT_EQ(session_files.size(), 2u);
  EXPECT_NE(session_files[0], session_files[1]);
  int notices = 0;
  for (const auto& notice : rendering.notices)
    notices += notice.what == "session_name" ? 1 : 0;
  EXPECT_EQ(notices, 2);
  // A unique name stays session_name() itself.
  EXPECT_NE(find_file(render_bird(one_session(v4_session())),
                      "peerapi/sessions/as64501_0c1d2e3f4a01.conf"),
            nullptr);
}

TEST(BirdSyntax, PrefixPatterns) {
  EXPECT_EQ(bird::prefix_pattern(range("203.0.113.0/24")), "203.0.113.0/24");
  EXPECT_EQ(bird::prefix_pattern(range("198.18.0.0/15{16,24}")), "198.18.0.0/15{16,24}");
  EXPECT_EQ(bird::prefix_pattern(range("198.18.0.0/15{15,32}")), "198.18.0.0/15+");
  EXPECT_EQ(bird::prefix_pattern(range("2001:db8::/32{32,128}")), "2001:db8::/32+");
  EXPECT_EQ(bird::prefix_pattern(range("2001:db8::/32{48,48}")), "2001:db8::/32{48,48}");
}

TEST(BirdSyntax, UntrustedTextCannotLeaveAStringOrComment) {
  EXPECT_EQ(bird::clean_text("Ex\"ample\nNet\\work\t\x7f"), "Ex'ample Net\\work  ");
  EXPECT_EQ(bird::clean_text("Réseau"), "Réseau");

  SessionInput session = v4_session();
  session.their_name = "Evil\"; } protocol bgp x {\n# \"";
  session.location_name = "IX \"A\"\r\nB";
  session.irr_object = "AS-EVIL\n}";
  RenderInput input = one_session(session);
  const std::string text = session_text(input);
  EXPECT_TRUE(has(text,
                  "  description \"AS64501 Evil'; } protocol bgp x { # ' at IX 'A'  B "
                  "(pdb:ix:1)\";\n"))
      << text;
  const auto bird = checker::find_bird();
  ASSERT_TRUE(bird.has_value()) << "the bird binary (bird2) is not installed";
  testing::TempDir out;
  testing::TempDir elsewhere;
  const auto result = checker::check(
      *bird, checker::write_rendering(render_bird(input), out.path()), elsewhere.path());
  EXPECT_EQ(result.exit_code, 0) << result.output;
}

TEST(BirdSyntax, VersionAndSpecialCasesAreAcceptedByBird) {
  const auto bird = checker::find_bird();
  ASSERT_TRUE(bird.has_value()) << "the bird binary (bird2) is not installed";
  RenderInput input = base_input(Daemon::bird);
  SessionInput empty_irr = v6_session();
  empty_irr.irr_prefixes.clear();
  SessionInput old_style = v4_session();
  old_style.session_id = uuid("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a07");
  input.sessions = {v4_session(), empty_irr, old_style};
  input.our_asns = {asn(64500), asn(4200000001), asn(65001)};
  input.options.own_prefixes = {prefix("198.51.100.0/24"), prefix("2001:db8:100::/40")};
  input.options.router_id.reset();
  input.version = DaemonVersion{2, 0, 11};
  testing::TempDir out;
  testing::TempDir elsewhere;
  const auto result = checker::check(
      *bird, checker::write_rendering(render_bird(input), out.path()), elsewhere.path());
  EXPECT_EQ(result.exit_code, 0) << result.output;
}

}  // namespace
}  // namespace peerapi::render
