// The FRR renderer (issue 5): the filter plan of every session (render/filter_plan.hpp) in FRR
// 8.x syntax. What is rendered per rule and feature, and the notices: docs/render/frr.md.
//
// FRR has no include directive, so every per-session file is a fragment (prefix-lists,
// route-maps and a `router bgp` block holding the neighbor), and frr.conf is the shared objects,
// the BGP instance and every fragment, concatenated in that order (`router bgp N` may be
// entered again). Every neighbor has an inbound and an outbound route-map, so the default
// `bgp ebgp-requires-policy` stays on.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "render/frr/frr_syntax.hpp"
#include "render/renderer.hpp"

namespace peerapi::render {

namespace {

using model::IpFamily;
namespace syntax = peerapi::render::frr;

constexpr std::string_view kBogonsFile = "peerapi/bogons.conf";
constexpr std::string_view kPolicyFile = "peerapi/policy.conf";
constexpr std::string_view kIrrFile = "peerapi/irr.conf";
constexpr std::string_view kAnnounceFile = "peerapi/announce.conf";
constexpr std::string_view kRpkiFile = "peerapi/rpki.conf";
constexpr std::string_view kTopLevelFile = "frr.conf";

// RFC 7196 section 4 (RFC 7454 section 7): half-life 15 min, reuse 750, suppress 6000,
// maximum suppress time 60 min.
constexpr std::string_view kDampening = "bgp dampening 15 750 6000 60";

// FRR 8.2 brought `match ipv6 next-hop prefix-list`.
constexpr DaemonVersion kIpv6NextHopPrefixList{8, 2, 0};

/// Configuration text, line by line. Comments start with "!", indented like their block.
class Text {
 public:
  void line(std::string_view text) {
    out_ += text;
    out_ += '\n';
  }
  void comment(std::string_view text, std::string_view indent = "") {
    out_ += indent;
    out_ += text.empty() ? "!" : "! ";
    out_ += text;
    out_ += '\n';
  }
  void append(std::string_view text) { out_ += text; }
  [[nodiscard]] const std::string& str() const { return out_; }

 private:
  std::string out_;
};

/// A named list shared by sessions: a prefix-list, AS-path access-list or community list.
struct SharedList {
  std::string command;               // "ip prefix-list", "bgp as-path access-list", ...
  std::vector<std::string> comment;  // lines above the list
  struct Entry {
    std::string comment;  // empty: none
    std::string rule;     // "permit 0.0.0.0/0"
    bool operator==(const Entry&) const = default;
  };
  std::vector<Entry> entries;
  bool operator==(const SharedList&) const = default;
};

void write_list(Text& out, const std::string& name, const SharedList& list) {
  for (const std::string& line : list.comment)
    out.comment(line);
  int seq = 0;
  for (const SharedList::Entry& entry : list.entries) {
    if (!entry.comment.empty())
      out.comment(entry.comment);
    seq += 5;
    out.line(list.command + " " + name + " seq " + std::to_string(seq) + " " + entry.rule);
  }
}

/// The shared lists of one file, in a fixed order (`slot`), each emitted once. A list is named
/// `base`; should a session's plan ask for other content under the same slot, that list is
/// named base-2, base-3, ... (plan_inbound gives every session of a family the same content,
/// so this does not happen with the core as it is).
class SharedLists {
 public:
  std::string use(int slot, const std::string& base, SharedList list) {
    std::vector<Named>& named = slots_[slot];
    for (const Named& existing : named) {
      if (existing.list == list)
        return existing.name;
    }
    std::string name = named.empty() ? base : base + "-" + std::to_string(named.size() + 1);
    named.push_back(Named{name, std::move(list)});
    return name;
  }
  [[nodiscard]] bool empty() const { return slots_.empty(); }
  void write(Text& out) const {
    bool first = true;
    for (const auto& [slot, named] : slots_) {
      for (const Named& item : named) {
        if (!first)
          out.comment("");
        first = false;
        write_list(out, item.name, item.list);
      }
    }
  }

 private:
  struct Named {
    std::string name;
    SharedList list;
  };
  std::map<int, std::vector<Named>> slots_;
};

// Slots of peerapi/policy.conf and peerapi/announce.conf, in output order.
enum Slot : int {
  slot_default_v4 = 10,
  slot_default_v6,
  slot_too_specific_v4 = 20,
  slot_too_specific_v6,
  slot_own_v4 = 30,
  slot_own_v6,
  slot_private_asn = 40,
  slot_own_asn = 50,
  slot_communities = 60,
  slot_large_communities,
  slot_announce_v4 = 70,
  slot_announce_v6,
};

int family_slot(int v4_slot, IpFamily family) {
  return family == IpFamily::v4 ? v4_slot : v4_slot + 1;
}

int family_bits(IpFamily family) {
  return family == IpFamily::v4 ? 32 : 128;
}

std::string frr_label(const DaemonVersion& version) {
  return "FRR " + version.to_string();
}

/// "Example Access (AS64501) at Example IX (pdb:ix:1)"; the ASN alone when the name is unknown.
std::string description(const SessionInput& session) {
  const std::string asn = session.neighbor.their_asn.to_string();
  const std::string name = syntax::one_line(session.their_name);
  std::string text = name.empty() ? asn : name + " (" + asn + ")";
  const std::string location = syntax::one_line(session.location_name);
  text += " at ";
  text += location.empty() ? session.location.to_string()
                           : location + " (" + session.location.to_string() + ")";
  return text;
}

/// An RTR cache host as `rpki cache` takes it: an address or a DNS name.
bool plausible_host(std::string_view host) {
  if (host.empty() || host.size() > 253)
    return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == ':';
  });
}

/// Everything the session fragments share while rendering.
struct Context {
  const RenderInput& input;
  model::Asn router_asn;
  SharedLists& policy;
  SharedLists& announce;
  std::set<IpFamily>& bogon_families;
  std::vector<Notice>& notices;
};

std::string bogon_list_name(IpFamily family) {
  return "PEERAPI-BOGONS-" + std::string(syntax::family_suffix(family));
}

std::string too_specific_comment(std::string_view rule_text, int max_length) {
  return std::string(rule_text) + " (longer than /" + std::to_string(max_length) + ")";
}

/// The shared too-specific list, or empty when nothing of the family is longer than the limit.
std::string too_specific_list(Context& context, IpFamily family, int max_length) {
  if (max_length >= family_bits(family))
    return "";
  const model::Prefix any =
      family == IpFamily::v4 ? *model::Prefix::parse("0.0.0.0/0") : *model::Prefix::parse("::/0");
  SharedList list{
      .command = std::string(syntax::ip_keyword(family)) + " prefix-list",
      .comment = {too_specific_comment(rule_comment(InboundRule::reject_too_specific), max_length)},
      .entries = {{"", "permit " + syntax::range_text(model::PrefixRange{any, max_length + 1,
                                                                         family_bits(family)})}},
  };
  return context.policy.use(family_slot(slot_too_specific_v4, family),
                            "PEERAPI-TOO-SPECIFIC-" + std::string(syntax::family_suffix(family)),
                            std::move(list));
}

/// Route-map clauses of one route-map, numbered 10, 20, ...
class RouteMap {
 public:
  RouteMap(Text& out, std::string name) : out_(out), name_(std::move(name)) {}
  void clause(std::string_view action, const std::vector<std::string>& body) {
    seq_ += 10;
    out_.line("route-map " + name_ + " " + std::string(action) + " " + std::to_string(seq_));
    for (const std::string& line : body)
      out_.line(" " + line);
    out_.line("exit");
  }

 private:
  Text& out_;
  std::string name_;
  int seq_ = 0;
};

/// `irr_list`: the session's prefix-list in peerapi/irr.conf (strict mode).
void render_inbound(Context& context, const SessionInput& session, const std::string& name,
                    const InboundPlan& plan, const std::string& irr_list, Text& out) {
  const RenderInput& input = context.input;
  const IpFamily family = session.family();
  const std::string ip(syntax::ip_keyword(family));
  const std::string their_ip = session.neighbor.their_ip.to_string();
  const std::string plist = ip + " prefix-list";
  RouteMap map(out, name + "-in");

  out.comment("Inbound (RFC 7454 section 6.2.1.1): the rules in order; a deny clause rejects");
  out.comment("what it matches, a permit clause accepts it (or, with on-match next, modifies it");
  out.comment(
      "and goes on). In prefix-lists of deny clauses, permit entries are what is rejected.");
  for (const InboundRule rule : plan.rules) {
    out.comment("");
    const std::string_view why = rule_comment(rule);
    switch (rule) {
      case InboundRule::reject_everything:
        out.comment(why);
        map.clause("deny", {});
        break;
      case InboundRule::reject_bogons:
        out.comment(why);
        context.bogon_families.insert(family);
        map.clause("deny", {"match " + ip + " address prefix-list " + bogon_list_name(family)});
        break;
      case InboundRule::reject_default_route: {
        out.comment(why);
        const std::string list = context.policy.use(
            family_slot(slot_default_v4, family),
            "PEERAPI-DEFAULT-" + std::string(syntax::family_suffix(family)),
            SharedList{
                .command = plist,
                .comment = {std::string(why)},
                .entries = {{"", family == IpFamily::v4 ? "permit 0.0.0.0/0" : "permit ::/0"}},
            });
        map.clause("deny", {"match " + ip + " address prefix-list " + list});
        break;
      }
      case InboundRule::reject_too_specific: {
        out.comment(too_specific_comment(why, plan.max_length));
        const std::string list = too_specific_list(context, family, plan.max_length);
        if (list.empty()) {
          out.comment("no " + std::string(syntax::family_label(family)) +
                      " prefix is longer than /" + std::to_string(plan.max_length));
          break;
        }
        map.clause("deny", {"match " + ip + " address prefix-list " + list});
        break;
      }
      case InboundRule::reject_own_prefixes: {
        out.comment(why);
        SharedList own{.command = plist, .comment = {std::string(why)}, .entries = {}};
        for (const model::Prefix& prefix : plan.own_prefixes)
          own.entries.push_back({"", "permit " + syntax::or_longer_text(prefix)});
        const std::string list = context.policy.use(
            family_slot(slot_own_v4, family),
            "PEERAPI-OWN-" + std::string(syntax::family_suffix(family)), std::move(own));
        map.clause("deny", {"match " + ip + " address prefix-list " + list});
        break;
      }
      case InboundRule::reject_ixp_lan: {
        out.comment(why);
        const std::string list = name + "-ixp-lan";
        SharedList lan{.command = plist, .comment = {}, .entries = {}};
        for (const model::Prefix& prefix : plan.ixp_lan)
          lan.entries.push_back({"", "permit " + syntax::or_longer_text(prefix)});
        write_list(out, list, lan);
        map.clause("deny", {"match " + ip + " address prefix-list " + list});
        break;
      }
      case InboundRule::reject_not_in_irr: {
        out.comment(why);
        const std::string object = syntax::one_line(session.irr_object);
        if (object.empty())
          out.comment("no IRR data was looked up for this neighbor: every route is rejected");
        else if (plan.irr.empty())
          out.comment(object + " lists no " + std::string(syntax::family_label(family)) +
                      " routes: every route is rejected");
        else
          out.comment(object + ", " + std::to_string(plan.irr.size()) +
                      (plan.irr.size() == 1 ? " entry" : " entries") +
                      ": deny entries are the registered routes (they pass this rule)");
        out.comment("(prefix-list " + irr_list + " in " + std::string(kIrrFile) +
                    ", shared by the neighbor's sessions of this family)");
        const std::string& list = irr_list;
        map.clause("deny", {"match " + ip + " address prefix-list " + list});
        break;
      }
      case InboundRule::reject_rpki_invalid:
        out.comment(why);
        map.clause("deny", {"match rpki invalid"});
        break;
      case InboundRule::reject_private_asn: {
        out.comment(why);
        SharedList list{
            .command = "bgp as-path access-list", .comment = {std::string(why)}, .entries = {}};
        for (const syntax::AsPathPattern& pattern : syntax::private_asn_patterns())
          list.entries.push_back({pattern.comment, "permit " + pattern.regex});
        const std::string acl =
            context.policy.use(slot_private_asn, "PEERAPI-PRIVATE-ASN", std::move(list));
        map.clause("deny", {"match as-path " + acl});
        break;
      }
      case InboundRule::reject_own_asn: {
        out.comment(why);
        SharedList list{
            .command = "bgp as-path access-list", .comment = {std::string(why)}, .entries = {}};
        for (const model::Asn& asn : plan.our_asns)
          list.entries.push_back({"", "permit _" + std::to_string(asn.value()) + "_"});
        const std::string acl =
            context.policy.use(slot_own_asn, "PEERAPI-OWN-ASN", std::move(list));
        map.clause("deny", {"match as-path " + acl});
        break;
      }
      case InboundRule::require_first_as:
        out.comment(why);
        out.comment("(neighbor " + their_ip + " enforce-first-as, in the router bgp block below)");
        break;
      case InboundRule::require_next_hop: {
        out.comment(why);
        if (family == IpFamily::v6 && input.version < kIpv6NextHopPrefixList) {
          const std::string message =
              frr_label(input.version) +
              " cannot match an IPv6 next hop against a prefix-list "
              "(match ipv6 next-hop prefix-list, from FRR 8.2): not checked";
          out.comment(message);
          context.notices.push_back(Notice{name, "require_next_hop", message});
          break;
        }
        const std::string list = name + "-next-hop";
        SharedList next_hop{.command = plist, .comment = {}, .entries = {}};
        next_hop.entries.push_back(
            {"", "deny " + syntax::or_longer_text(*model::Prefix::parse(
                               their_ip + (family == IpFamily::v4 ? "/32" : "/128")))});
        if (family == IpFamily::v6) {
          // FRR also matches the link-local next hop sent with the global one (RFC 2545
          // section 3) against this list; on the shared link it is the neighbor's own.
          next_hop.entries.push_back({"", "deny fe80::/10 le 128"});
        }
        next_hop.entries.push_back({"", "permit " + syntax::any_text(family)});
        out.comment("deny entries are the neighbor's address" +
                    std::string(family == IpFamily::v6 ? " (and its link-local next hop)" : "") +
                    "; any other next hop is rejected");
        write_list(out, list, next_hop);
        map.clause("deny", {"match " + ip + " next-hop prefix-list " + list});
        break;
      }
      case InboundRule::scrub_own_communities: {
        out.comment(why);
        std::vector<std::string> body;
        SharedList standard{
            .command = "bgp community-list expanded", .comment = {std::string(why)}, .entries = {}};
        SharedList large{.command = "bgp large-community-list expanded",
                         .comment = {std::string(why) + " (large communities, RFC 8092)"},
                         .entries = {}};
        for (const model::Asn& asn : plan.our_asns) {
          const std::string value = std::to_string(asn.value());
          if (asn.value() <= 0xFFFFu)
            standard.entries.push_back({"", "permit ^" + value + ":"});
          large.entries.push_back({"", "permit ^" + value + ":"});
        }
        if (!standard.entries.empty()) {
          body.push_back(
              "set comm-list " +
              context.policy.use(slot_communities, "PEERAPI-OWN-COMMUNITIES", std::move(standard)) +
              " delete");
        }
        body.push_back("set large-comm-list " +
                       context.policy.use(slot_large_communities, "PEERAPI-OWN-LARGE-COMMUNITIES",
                                          std::move(large)) +
                       " delete");
        body.push_back("on-match next");
        map.clause("permit", body);
        break;
      }
      case InboundRule::rpki_not_found_preference:
        out.comment(why);
        map.clause("permit",
                   {"match rpki notfound",
                    "set local-preference " + std::to_string(plan.not_found_local_preference)});
        break;
    }
  }
  if (!plan.has(InboundRule::reject_everything)) {
    out.comment("");
    out.comment("Accepted: local preference " + std::to_string(plan.local_preference));
    map.clause("permit", {"set local-preference " + std::to_string(plan.local_preference)});
  }
}

void render_outbound(Context& context, const SessionInput& session, const std::string& name,
                     const OutboundPlan& plan, Text& out) {
  const IpFamily family = session.family();
  const std::string ip(syntax::ip_keyword(family));
  RouteMap map(out, name + "-out");
  out.comment("Outbound (RFC 7454 section 6.2.1.2)");
  if (plan.has(OutboundRule::export_nothing)) {
    out.comment("");
    out.comment(rule_comment(OutboundRule::export_nothing));
    if (session.neighbor.our_monitoring)
      out.comment("(Peering API monitoring session: we only collect)");
    map.clause("deny", {});
    return;
  }
  for (const OutboundRule rule : plan.rules) {
    if (rule == OutboundRule::export_announce)
      continue;  // the final permit clause, below
    out.comment("");
    const std::string_view why = rule_comment(rule);
    if (rule == OutboundRule::reject_bogons) {
      out.comment(why);
      context.bogon_families.insert(family);
      map.clause("deny", {"match " + ip + " address prefix-list " + bogon_list_name(family)});
    } else if (rule == OutboundRule::reject_too_specific) {
      out.comment(too_specific_comment(why, plan.max_length));
      const std::string list = too_specific_list(context, family, plan.max_length);
      if (list.empty()) {
        out.comment("no " + std::string(syntax::family_label(family)) + " prefix is longer than /" +
                    std::to_string(plan.max_length));
        continue;
      }
      map.clause("deny", {"match " + ip + " address prefix-list " + list});
    }
  }
  out.comment("");
  out.comment(rule_comment(OutboundRule::export_announce));
  SharedList announce{
      .command = ip + " prefix-list",
      .comment = {std::string(rule_comment(OutboundRule::export_announce)) + " (" +
                  std::string(syntax::family_label(family)) + ")"},
      .entries = {},
  };
  for (const model::PrefixRange& range : plan.announce)
    announce.entries.push_back({"", "permit " + syntax::range_text(range)});
  const std::string list = context.announce.use(
      family_slot(slot_announce_v4, family),
      "PEERAPI-ANNOUNCE-" + std::string(syntax::family_suffix(family)), std::move(announce));
  map.clause("permit", {"match " + ip + " address prefix-list " + list});
}

bool wants(const std::vector<Feature>& features, Feature feature) {
  return std::find(features.begin(), features.end(), feature) != features.end();
}

void render_neighbor(Context& context, const SessionInput& session, const std::string& name,
                     const InboundPlan& inbound, Text& out) {
  const RenderInput& input = context.input;
  const Options& options = input.options;
  const IpFamily family = session.family();
  const Neighbor& neighbor = session.neighbor;
  const std::string peer = " neighbor " + neighbor.their_ip.to_string();
  const std::vector<Feature> features = wanted_features(input, session);
  const MaxPrefix limits = max_prefix(options, session);

  out.comment("The neighbor");
  out.line("router bgp " + std::to_string(context.router_asn.value()));
  out.line(peer + " remote-as " + std::to_string(neighbor.their_asn.value()));
  out.line(peer + " description " + description(session));
  if (neighbor.our_asn != context.router_asn) {
    out.comment("this session speaks for " + neighbor.our_asn.to_string() + ", not the router's " +
                    context.router_asn.to_string() + " (one router bgp per ASN without VRFs):",
                " ");
    out.comment("local-as, not prepended to received paths, replacing " +
                    context.router_asn.to_string() + " in the paths we send",
                " ");
    out.line(peer + " local-as " + std::to_string(neighbor.our_asn.value()) +
             " no-prepend replace-as");
  }
  if (wants(features, Feature::bgp_role)) {
    const std::string role(syntax::role_keyword(neighbor.our_role));
    if (supports(input.daemon, input.version, Feature::bgp_role)) {
      out.comment("RFC 9234: our role is " + role +
                      (options.strict_roles ? ", and the neighbor must announce its own" : ""),
                  " ");
      out.line(peer + " local-role " + role + (options.strict_roles ? " strict-mode" : ""));
    } else {
      const std::string message = frr_label(input.version) +
                                  " has no RFC 9234 roles (from FRR 8.4): role " + role +
                                  " not configured";
      out.comment(message, " ");
      context.notices.push_back(Notice{name, std::string(to_string(Feature::bgp_role)), message});
    }
  }
  if (wants(features, Feature::gtsm)) {
    out.comment("RFC 7454 section 5.2: GTSM (RFC 5082), the neighbor is one hop away", " ");
    out.line(peer + " ttl-security hops 1");
  } else if (!session.directly_connected) {
    out.comment("not directly connected: multihop eBGP from our address (no GTSM: RFC 7454", " ");
    out.comment("section 5.2 applies to directly connected neighbors)", " ");
    out.line(peer + " ebgp-multihop 255");
    out.line(peer + " update-source " + neighbor.our_ip.to_string());
  }
  if (session.secret) {
    const bool ao_wanted = options.prefer_tcp_ao || wants(features, Feature::tcp_ao);
    if (ao_wanted && !supports(input.daemon, input.version, Feature::tcp_ao)) {
      const std::string message =
          frr_label(input.version) + " has no TCP-AO (RFC 5925); TCP MD5 used";
      out.comment("RFC 7454 section 5.1: TCP MD5 (" + frr_label(input.version) + " has no TCP-AO)",
                  " ");
      context.notices.push_back(Notice{name, std::string(to_string(Feature::tcp_ao)), message});
    } else {
      out.comment("RFC 7454 section 5.1: TCP MD5", " ");
    }
    out.line(peer + " password " + session.secret->reveal());
  }
  if (inbound.has(InboundRule::require_first_as)) {
    out.comment(rule_comment(InboundRule::require_first_as), " ");
    out.line(peer + " enforce-first-as");
  } else if (!inbound.has(InboundRule::reject_everything)) {
    out.comment("RFC 7454 section 9: the neighbor is a route server that does not insert its", " ");
    out.comment("ASN: no first-AS check (FRR 10 checks by default)", " ");
    out.line(" no" + peer + " enforce-first-as");
  }
  out.comment("", " ");
  out.line(" address-family " + std::string(syntax::address_family(family)));
  out.line(" " + peer + " activate");
  std::string limit_comment =
      "RFC 7454 section 8: at most " + std::to_string(limits.limit) + " prefixes (" +
      (limits.from_peeringdb
           ? "PeeringDB " + std::to_string(*session.their_prefix_count) + " plus " +
                 std::to_string(options.max_prefix_headroom_percent) + "%"
           : std::string("no PeeringDB figure: the default")) +
      "), a warning from " + std::to_string(limits.warning) + " (" +
      std::to_string(options.max_prefix_warning_percent) + "%)";
  out.comment(limit_comment, "  ");
  if (limits.restart_minutes > 0) {
    out.comment("above the limit the session shuts down and restarts after " +
                    std::to_string(limits.restart_minutes) + " minutes",
                "  ");
  } else {
    out.comment(
        "above the limit the session shuts down and stays down until cleared "
        "(clear bgp " +
            neighbor.their_ip.to_string() + ")",
        "  ");
  }
  std::string limit_line = " " + peer + " maximum-prefix " + std::to_string(limits.limit) + " " +
                           std::to_string(options.max_prefix_warning_percent);
  if (limits.restart_minutes > 0)
    limit_line += " restart " + std::to_string(limits.restart_minutes);
  out.line(limit_line);
  out.line(" " + peer + " route-map " + name + "-in in");
  out.line(" " + peer + " route-map " + name + "-out out");
  if (wants(features, Feature::dampening)) {
    if (supports(input.daemon, input.version, Feature::dampening)) {
      out.comment("RFC 7454 section 7: route flap dampening is set for the whole address family",
                  "  ");
      out.comment("in frr.conf (FRR has no per-neighbor dampening)", "  ");
    } else {
      const std::string message = frr_label(input.version) + " has no route flap dampening";
      out.comment(message, "  ");
      context.notices.push_back(Notice{name, std::string(to_string(Feature::dampening)), message});
    }
  }
  out.line(" exit-address-family");
  out.line("exit");
}

/// One session's fragment: its own lists, route-maps and neighbor.
std::string render_session(Context& context, const SessionInput& session, const std::string& name,
                           const std::string& name_note, const std::string& irr_list) {
  const RenderInput& input = context.input;
  const InboundPlan inbound = plan_inbound(input, session);
  const OutboundPlan outbound = plan_outbound(input, session);
  Text out;
  out.comment("Session " + name + ": " + description(session) + ", " +
              std::string(syntax::family_label(session.family())));
  out.comment("Peering API session " + session.session_id.to_string() + "; " +
              std::string(to_string(input.options.mode)) + " filtering");
  if (!name_note.empty())
    out.comment(name_note);
  out.comment("Uses the shared objects of peerapi/bogons.conf, peerapi/policy.conf,");
  out.comment(std::string("peerapi/announce.conf") +
              (irr_list.empty() ? "" : ", " + std::string(kIrrFile)) +
              (input.options.rpki ? " and peerapi/rpki.conf" : "") + ", and frr.conf's router bgp");
  out.comment("");
  render_inbound(context, session, name, inbound, irr_list, out);
  out.comment("");
  render_outbound(context, session, name, outbound, out);
  out.comment("");
  render_neighbor(context, session, name, inbound, out);
  return out.str();
}

std::string render_bogons(const RenderInput& input, const std::set<IpFamily>& families) {
  Text out;
  out.comment("Bogon prefixes (RFC 7454 sections 6.1.1, 6.1.2.1 and 6.1.6), derived from the IANA");
  out.comment("registries. permit: a bogon, which the route-maps reject; deny: not a bogon. The");
  out.comment("first matching entry decides, so globally reachable blocks inside a bogon block");
  out.comment("come before it.");
  for (const IpFamily family : families) {
    out.comment("");
    const std::string name = bogon_list_name(family);
    const std::string command = std::string(syntax::ip_keyword(family)) + " prefix-list ";
    int seq = 0;
    for (const syntax::BogonListEntry& entry : syntax::bogon_list(input.bogons, family)) {
      if (!entry.comment.empty())
        out.comment(entry.comment);
      seq += 5;
      out.line(command + name + " seq " + std::to_string(seq) +
               (entry.bogon ? " permit " : " deny ") + entry.prefix);
    }
  }
  return out.str();
}

std::string render_rpki(const RtrCache& cache, const std::string& host) {
  Text out;
  out.comment("RFC 7454 section 6.1.2.2.2 (RFC 6811, RFC 8210): the RTR cache for origin");
  out.comment("validation. bgpd needs the rpki module: start it with -M rpki (frr-rpki-rtrlib).");
  out.line("rpki");
  out.line(" rpki cache " + host + " " + std::to_string(cache.port) + " preference 1");
  out.line("exit");
  return out.str();
}

std::string irr_list_name(const IrrList& list) {
  return "PEERAPI-IRR-" + list.name;
}

/// RFC 7454 section 6.1.2.2.1: every neighbor's IRR routes, one prefix-list per peer and family,
/// used by deny clauses: its deny entries are the registered routes (they pass), the final permit
/// catches the rest (rejected). An empty list rejects every route.
std::string render_irr(const IrrLists& lists) {
  Text out;
  out.comment(
      "RFC 7454 section 6.1.2.2.1: the routes each neighbor registers in the IRR, aggregated");
  out.comment("like bgpq4 -A, one prefix-list per neighbor and family. The route-maps use them in");
  out.comment("deny clauses: deny entries are the registered routes (they pass that clause).");
  for (const IrrList& list : lists.lists) {
    const std::string plist = std::string(syntax::ip_keyword(list.family)) + " prefix-list";
    SharedList irr{.command = plist, .comment = {}, .entries = {}};
    irr.comment.push_back("");
    irr.comment.push_back((list.irr_object.empty() ? std::string("no IRR object looked up")
                                                   : syntax::one_line(list.irr_object)) +
                          ", " + std::string(syntax::family_label(list.family)) +
                          (list.prefixes.empty() ? ": no routes, every route is rejected" : ""));
    for (std::size_t i = 0; i < list.prefixes.size(); ++i) {
      // FRR drops a repeated entry silently; the rendered list says what FRR keeps.
      if (i > 0 && list.prefixes[i] == list.prefixes[i - 1])
        continue;
      irr.entries.push_back({"", "deny " + syntax::range_text(list.prefixes[i])});
    }
    irr.entries.push_back({"", "permit " + syntax::any_text(list.family)});
    write_list(out, irr_list_name(list), irr);
  }
  return out.str();
}

}  // namespace

Rendering render_frr(const RenderInput& input) {
  Rendering rendering;
  const Options& options = input.options;
  const std::string frr = frr_label(input.version);

  // The BGP instance is the ASN most sessions use (ties: the one [network] asns lists first,
  // else the lowest), so that it is the one an operator's existing `router bgp` has; sessions of
  // another of our ASNs get local-as.
  std::optional<model::Asn> router_asn;
  {
    std::map<model::Asn, std::size_t> uses;
    for (const SessionInput& session : input.sessions)
      ++uses[session.neighbor.our_asn];
    std::size_t most = 0;
    for (const auto& [asn, count] : uses)
      most = std::max(most, count);
    for (const model::Asn& asn : input.our_asns) {
      if (!router_asn && uses.contains(asn) && uses[asn] == most)
        router_asn = asn;
    }
    for (const auto& [asn, count] : uses) {
      if (!router_asn && count == most)
        router_asn = asn;
    }
    if (!router_asn && !input.our_asns.empty())
      router_asn = input.our_asns.front();
  }

  SharedLists policy;
  SharedLists announce;
  std::set<IpFamily> bogon_families;
  std::vector<Notice> name_notices;
  const std::vector<std::string> names = unique_session_names(input, name_notices);
  const IrrLists irr = shared_irr_lists(input, names);
  const bool strict = options.mode == FilterMode::strict;
  std::vector<Notice> session_notices;
  std::vector<std::pair<std::string, std::string>> fragments;  // name, text
  std::set<IpFamily> dampened;
  if (router_asn) {
    Context context{input, *router_asn, policy, announce, bogon_families, session_notices};
    for (std::size_t i = 0; i < input.sessions.size(); ++i) {
      const SessionInput& session = input.sessions[i];
      std::string name_note;
      for (const Notice& notice : name_notices) {
        if (notice.session == names[i])
          name_note = notice.message;
      }
      fragments.emplace_back(
          names[i], render_session(context, session, names[i], name_note,
                                   irr.of_session[i] ? irr_list_name(irr.lists[*irr.of_session[i]])
                                                     : std::string()));
      if (wants(wanted_features(input, session), Feature::dampening) &&
          supports(input.daemon, input.version, Feature::dampening))
        dampened.insert(session.family());
    }
  }

  const auto add_file = [&](std::string_view name, std::string text, bool top_level = false) {
    rendering.files.push_back(RenderedFile{std::string(name), std::move(text), top_level});
  };

  // Shared objects.
  const std::string bogons = render_bogons(input, bogon_families);
  Text policy_text;
  policy_text.comment("Filter objects shared by the session route-maps (peerapi/sessions/*.conf).");
  if (!policy.empty()) {
    policy_text.comment("");
    policy.write(policy_text);
  }
  Text announce_text;
  announce_text.comment(
      "RFC 7454 section 6.2.1.2: what we announce, per family ([render] announce).");
  if (announce.empty()) {
    announce_text.comment("Nothing to announce: every session's outbound route-map denies all.");
  } else {
    announce_text.comment("");
    announce.write(announce_text);
  }
  std::string rpki;
  std::vector<Notice> shared_notices;
  if (options.rpki) {
    if (plausible_host(options.rpki->host)) {
      rpki = render_rpki(*options.rpki, options.rpki->host);
    } else {
      const std::string message = "the RTR cache host \"" + syntax::one_line(options.rpki->host) +
                                  "\" is not an address or a DNS name: no rpki block rendered, "
                                  "so match rpki finds every route not-found";
      shared_notices.push_back(Notice{"", std::string(to_string(Feature::rpki_rtr)), message});
    }
  } else {
    shared_notices.push_back(
        Notice{"", std::string(to_string(Feature::rpki_rtr)),
               "no RTR cache configured ([render] rpki_cache): no RPKI origin validation (RFC "
               "7454 section 6.1.2.2.2) rendered"});
  }

  add_file(kBogonsFile, bogons);
  add_file(kPolicyFile, policy_text.str());
  add_file(kAnnounceFile, announce_text.str());
  const std::string irr_text = strict ? render_irr(irr) : std::string();
  if (strict)
    add_file(kIrrFile, irr_text);
  if (!rpki.empty())
    add_file(kRpkiFile, rpki);
  for (const auto& [name, text] : fragments)
    add_file("peerapi/sessions/" + name + ".conf", text);

  // The top-level file.
  const RouterId router_id = effective_router_id(input);
  Text top;
  top.comment(frr + " configuration rendered by peerapi (issue 5): re-render, do not edit.");
  top.comment("");
  top.comment("FRR has no include directive, so this file is the shared objects (" +
              std::string(kBogonsFile) + ",");
  top.comment(std::string(kPolicyFile) + ", " + std::string(kAnnounceFile) +
              (strict ? ", " + std::string(kIrrFile) : "") +
              (rpki.empty() ? "" : ", " + std::string(kRpkiFile)) +
              "), the BGP instance and every");
  top.comment("session fragment (peerapi/sessions/*.conf), concatenated in this order. Operators");
  top.comment("who keep their own frr.conf concatenate the same files into it; the fragments");
  top.comment("expect \"no bgp default ipv4-unicast\" in router bgp.");
  top.comment("Check offline: vtysh --dryrun -f frr.conf and /usr/lib/frr/bgpd -C -Z -f frr.conf");
  top.comment("(with -M rpki where the rpki block is present).");
  top.comment("");
  top.line("frr version " + input.version.to_string());
  top.line("frr defaults traditional");
  top.comment("");
  top.append(bogons);
  top.comment("");
  top.append(policy_text.str());
  top.comment("");
  top.append(announce_text.str());
  top.comment("");
  if (strict) {
    top.append(irr_text);
    top.comment("");
  }
  for (const Notice& notice : shared_notices)
    top.comment(notice.message);
  if (!rpki.empty())
    top.append(rpki);
  top.comment("");
  if (router_asn) {
    top.comment("The BGP instance of " + router_asn->to_string() +
                "; every session's neighbor is configured in it");
    top.line("router bgp " + std::to_string(router_asn->value()));
    if (router_id.fallback) {
      const std::string message =
          "no router_id configured and no IPv4 session address: " + router_id.address.to_string() +
          " (RFC 5737) used as the BGP identifier; set [render] router_id";
      top.comment(message, " ");
      shared_notices.push_back(Notice{"", "router_id", message});
    }
    top.line(" bgp router-id " + router_id.address.to_string());
    top.line(" no bgp default ipv4-unicast");
    for (const IpFamily family : dampened) {
      top.comment("RFC 7454 section 7: route flap dampening with the RFC 7196 values (half-life",
                  " ");
      top.comment("15 min, reuse 750, suppress 6000, at most 60 min), for the whole family", " ");
      top.line(" address-family " + std::string(syntax::address_family(family)));
      top.line("  " + std::string(kDampening));
      top.line(" exit-address-family");
    }
    top.line("exit");
  } else {
    top.comment("No ASN: neither [network] asns nor a session names one; no BGP instance");
  }
  for (const auto& [name, text] : fragments) {
    top.comment("");
    top.append(text);
  }
  add_file(kTopLevelFile, top.str(), true);

  rendering.notices = std::move(name_notices);
  rendering.notices.insert(rendering.notices.end(), shared_notices.begin(), shared_notices.end());
  rendering.notices.insert(rendering.notices.end(), session_notices.begin(), session_notices.end());
  std::sort(rendering.files.begin(), rendering.files.end(),
            [](const RenderedFile& a, const RenderedFile& b) { return a.name < b.name; });
  return rendering;
}

}  // namespace peerapi::render
