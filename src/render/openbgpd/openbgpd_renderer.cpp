// The OpenBGPD renderer (issue 5): the filter plan of every session in bgpd.conf(5) syntax.
//
// Layout (render/renderer.hpp):
//   peerapi/bogons.conf              prefix-sets of the bogon layers (openbgpd_syntax.hpp)
//   peerapi/announce.conf            prefix-sets of what we announce, per family
//   peerapi/rpki.conf                the rtr block (only with an RTR cache)
//   peerapi/sessions/<name>.conf     one session: its sets, its neighbor block, its filter rules
//   bgpd.conf                        AS, router-id, then the text of all the files above,
//                                    grouped by bgpd.conf(5) section: sets, rtr, neighbors,
//                                    filter rules.
// bgpd.conf contains the other files instead of including them: bgpd resolves an `include`
// path against its working directory, and a renderer does not know where the files will live.
//
// Filter semantics (bgpd.conf(5) FILTER): rules are evaluated in order, the last matching
// allow/deny decides unless a `quick` rule matched, `match` only applies its `set`. So a session
// writes a non-quick default (deny; allow in loose mode), a non-quick allow for its IRR set
// (strict mode), and every reject as `deny quick`; checks bgpd cannot state directly ("not a
// bogon after the permits", "next hop is not the neighbor") set a large community as a mark,
// delete it where the route passes, and deny what is still marked.
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "render/filter_plan.hpp"
#include "render/openbgpd/openbgpd_syntax.hpp"
#include "render/renderer.hpp"

namespace peerapi::render {

namespace {

using namespace openbgpd;

constexpr std::string_view kBogonsFile = "peerapi/bogons.conf";
constexpr std::string_view kAnnounceFile = "peerapi/announce.conf";
constexpr std::string_view kRpkiFile = "peerapi/rpki.conf";
constexpr std::string_view kIrrFile = "peerapi/irr.conf";
/// Large-community marks: <our ASN>:7454:<RFC 7454 section>.
constexpr std::string_view kBogonMark = ":7454:61";
constexpr std::string_view kNextHopMark = ":7454:10";
/// Hops allowed to a neighbor that is not on the same link (BIRD's multihop default).
constexpr int kMultihop = 64;

std::string version_text(const DaemonVersion& version) {
  std::string text = std::to_string(version.major) + "." + std::to_string(version.minor);
  if (version.patch != 0)
    text += "." + std::to_string(version.patch);
  return text;
}

std::string daemon_text(const RenderInput& input) {
  return "OpenBGPD " + version_text(input.version);
}

std::string family_text(model::IpFamily family) {
  return family == model::IpFamily::v4 ? "IPv4" : "IPv6";
}

/// Appends the line "# text", indented.
void comment(std::string& out, std::string_view text, std::string_view indent = "") {
  out += indent;
  out += "# ";
  out += text;
  out += '\n';
}

void line(std::string& out, std::string_view text, std::string_view indent = "") {
  out += indent;
  out += text;
  out += '\n';
}

/// "{ a, b }" for several items, the item alone for one.
std::string braced(const std::vector<std::string>& items) {
  if (items.size() == 1)
    return items.front();
  std::string text = "{ ";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0)
      text += ", ";
    text += items[i];
  }
  return text + " }";
}

/// The filter parameter for kPrivateOrReservedAsns, in its order:
/// "{ AS 0, AS 23456, AS 64512 - 65535, ... }".
std::string private_asns() {
  std::vector<std::string> items;
  for (const AsnRange& range : kPrivateOrReservedAsns) {
    items.push_back(range.first == range.last
                        ? "AS " + std::to_string(range.first)
                        : "AS " + std::to_string(range.first) + " - " + std::to_string(range.last));
  }
  return braced(items);
}

/// The declared announcements of one family, sorted and unique: what plan_outbound puts in
/// OutboundPlan::announce for every session of that family that announces at all, so the sessions
/// share one prefix-set per family.
std::vector<model::PrefixRange> announce_of(const Options& options, model::IpFamily family) {
  std::vector<model::PrefixRange> ranges;
  for (const auto& range : options.announce) {
    if (range.prefix.family() == family)
      ranges.push_back(range);
  }
  std::sort(ranges.begin(), ranges.end());
  ranges.erase(std::unique(ranges.begin(), ranges.end()), ranges.end());
  return ranges;
}

std::string announce_set(model::IpFamily family) {
  return family == model::IpFamily::v4 ? "peerapi_announce_v4" : "peerapi_announce_v6";
}

/// What every session refers to: computed once per rendering.
struct Shared {
  BogonFilter bogons_v4;
  BogonFilter bogons_v6;
  /// `AS` of bgpd.conf: the first of [network] asns, else the first session's; sessions that
  /// speak for another ASN set `local-as`.
  std::optional<model::Asn> global_as;

  [[nodiscard]] const BogonFilter& bogons(model::IpFamily family) const {
    return family == model::IpFamily::v4 ? bogons_v4 : bogons_v6;
  }
};

// ---------------------------------------------------------------------------------------------
// Shared files

void write_bogon_set(std::string& out, std::string_view title, const std::string& name,
                     const std::vector<sources::iana::BogonEntry>& entries) {
  // The sections the entries implement, in order of first appearance.
  std::vector<std::string> sections;
  for (const auto& entry : entries) {
    if (!entry.rfc_section.empty() &&
        std::find(sections.begin(), sections.end(), entry.rfc_section) == sections.end())
      sections.push_back(entry.rfc_section);
  }
  std::string heading(title);
  for (std::size_t i = 0; i < sections.size(); ++i)
    heading +=
        (i == 0 ? " (" : ", ") + comment_text(sections[i]) + (i + 1 == sections.size() ? ")" : "");
  comment(out, heading);
  line(out, "prefix-set " + name + " {");
  for (const auto& entry : entries) {
    const bool exact = entry.match == sources::iana::BogonMatch::exact;
    line(out,
         (exact ? entry.prefix.to_string() : or_longer(entry.prefix)) + "\t# " +
             comment_text(entry.reason) + (exact ? ", exact match" : ""),
         "\t");
  }
  line(out, "}");
}

std::string layer_summary(const BogonFilter& filter) {
  std::string text;
  if (!filter.allocated_set.empty())
    text = filter.allocated_set + " (unmark)";
  for (const auto& layer : filter.layers) {
    if (!text.empty())
      text += ", ";
    text += layer.set_name + (layer.mark ? " (mark)" : " (unmark)");
  }
  return text.empty() ? "none" : text;
}

std::string bogons_file(const Shared& shared) {
  std::string out;
  comment(out, "peerapi: bogon prefix-sets (RFC 7454 sections 6.1.1, 6.1.2.1 and 6.1.6), derived");
  comment(out, "from the IANA registries. bgpd.conf(5) has no \"not in set\" match, so a session");
  comment(out, "applies the sets as layers in the order below: a match in a mark layer marks the");
  comment(out, "route as a bogon, a match in an unmark layer (globally reachable blocks inside a");
  comment(out, "bogon, IANA allocations to RIRs) clears the mark, and marked routes are denied.");
  comment(out, "Layers go from shorter to longer prefixes, so the longest matching entry decides.");
  comment(out,
          "IPv6 routes start marked: only space IANA allocated to an RIR is unmarked (6.1.2.1).");
  comment(out, "IPv4 layers: " + layer_summary(shared.bogons_v4));
  comment(out, "IPv6 layers: " + layer_summary(shared.bogons_v6));
  for (const BogonFilter* filter : {&shared.bogons_v4, &shared.bogons_v6}) {
    const std::string family = family_text(filter->family);
    if (!filter->allocated_set.empty()) {
      out += '\n';
      comment(out, family + ": IANA allocations to RIRs (RFC 7454 section 6.1.2.1), unmark");
      line(out, "prefix-set " + filter->allocated_set + " {");
      for (const auto& prefix : filter->allocated)
        line(out, or_longer(prefix), "\t");
      line(out, "}");
    }
    int index = 0;
    for (const auto& layer : filter->layers) {
      out += '\n';
      write_bogon_set(out,
                      family + " layer " + std::to_string(++index) + ", " +
                          (layer.mark ? "mark: bogons" : "unmark: globally reachable"),
                      layer.set_name, layer.entries);
    }
  }
  return out;
}

std::string announce_file(const RenderInput& input) {
  std::string out;
  comment(out, "peerapi: what we announce to peers (RFC 7454 section 6.2.1.2), from [render]");
  comment(out, "announce. Sessions allow only these prefixes out, never a bogon or a too specific");
  comment(out, "one. Origination (network statements) stays with the operator's own config.");
  for (const model::IpFamily family : {model::IpFamily::v4, model::IpFamily::v6}) {
    out += '\n';
    const auto ranges = announce_of(input.options, family);
    if (ranges.empty()) {
      comment(out, "no " + family_text(family) + " prefixes declared: " + family_text(family) +
                       " sessions announce nothing");
      continue;
    }
    line(out, "prefix-set " + announce_set(family) + " {");
    for (const auto& range : ranges)
      line(out, prefix_set_entry(range), "\t");
    line(out, "}");
  }
  return out;
}

std::string rpki_file(const RenderInput& input, std::vector<Notice>& notices) {
  const RtrCache& cache = *input.options.rpki;
  std::string out;
  comment(out, "peerapi: RPKI origin validation (RFC 7454 section 6.1.2.2.2, RFC 6811) with the");
  comment(out,
          "validated ROA payloads of this RTR cache (RFC 8210). Sessions deny \"ovs invalid\"");
  comment(out, "and give \"ovs not-found\" the lower local preference (RFC 7115).");
  const bool literal = model::IpAddress::parse(cache.host).has_value();
  const std::string indent = literal ? "" : "# ";
  if (!literal) {
    const std::string why = "bgpd.conf(5) \"rtr\" takes an IP address, not the name \"" +
                            comment_text(cache.host) + "\"";
    comment(out, why + ": set [render] rpki_cache to the cache's address");
    notices.push_back(Notice{"", std::string(to_string(Feature::rpki_rtr)), why});
  }
  line(out, indent + "rtr " + comment_text(cache.host) + " {");
  line(out, indent + "\tdescr \"peerapi RTR cache\"");
  line(out, indent + "\tport " + std::to_string(cache.port));
  line(out, indent + "}");
  return out;
}

// ---------------------------------------------------------------------------------------------
// One session

struct SessionText {
  std::string name;
  std::string header;
  std::string sets;
  std::string neighbor;
  std::string filter;
};

class SessionWriter {
 public:
  /// `name`: the session's unique name; `irr_set`: its IRR prefix-set in peerapi/irr.conf.
  SessionWriter(const RenderInput& input, const Shared& shared, const SessionInput& session,
                std::string name, std::string irr_set, std::vector<Notice>& notices)
      : input_(input),
        shared_(shared),
        session_(session),
        notices_(notices),
        name_(std::move(name)),
        inbound_(plan_inbound(input, session)),
        outbound_(plan_outbound(input, session)),
        peer_(session.neighbor.their_ip.to_string()),
        irr_set_(std::move(irr_set)) {}

  SessionText write() {
    SessionText text;
    text.name = name_;
    text.header = header();
    text.sets = sets();
    text.neighbor = neighbor();
    text.filter = filter();
    return text;
  }

 private:
  void notice(std::string what, std::string message) {
    notices_.push_back(Notice{name_, std::move(what), std::move(message)});
  }

  [[nodiscard]] std::string their_label() const {
    return session_.their_name.empty() ? session_.neighbor.their_asn.to_string()
                                       : session_.their_name;
  }
  /// "AS64501 Example Access", or "AS64503" when PeeringDB has no name.
  [[nodiscard]] std::string peer_text() const {
    const std::string asn = session_.neighbor.their_asn.to_string();
    return session_.their_name.empty() ? asn : asn + " " + comment_text(session_.their_name);
  }
  [[nodiscard]] std::string location_label() const {
    return session_.location_name.empty() ? session_.location.to_string() : session_.location_name;
  }
  [[nodiscard]] std::string mark(std::string_view suffix) const {
    return std::to_string(session_.neighbor.our_asn.value()) + std::string(suffix);
  }

  [[nodiscard]] std::string header() const {
    const Neighbor& n = session_.neighbor;
    std::string out;
    comment(out, "peerapi session " + name_ + " (bgpd.conf(5))");
    comment(out, peer_text() + " at " + comment_text(location_label()) + " (" +
                     session_.location.to_string() + "), " + family_text(session_.family()) + ", " +
                     std::string(model::to_string(session_.type)) + " peering");
    comment(out, "session " + session_.session_id.to_string() + ", our side " +
                     n.our_asn.to_string() + " " + n.our_ip.to_string() + ", " +
                     std::string(to_string(input_.options.mode)) + " filtering");
    return out;
  }

  // --- sets -----------------------------------------------------------------------------------

  [[nodiscard]] std::string sets() const {
    // The IRR prefix-set is shared per peer and family (peerapi/irr.conf).
    return {};
  }

  // --- neighbor -------------------------------------------------------------------------------

  /// "<peer> @ <location>" when it fits bgpd's 31 bytes, else the peer's name alone (cut to
  /// fit); the comment above the neighbor block has both in full.
  [[nodiscard]] std::string descr() const {
    const std::string both = quoted_text(their_label() + " @ " + location_label(), kDescrMax + 1);
    if (both.size() <= kDescrMax)
      return both;
    return quoted_text(their_label(), kDescrMax);
  }

  std::string neighbor() {
    const Neighbor& n = session_.neighbor;
    const std::string in = "\t";
    std::string out;
    comment(out, peer_text() + " at " + comment_text(location_label()) + " (" +
                     session_.location.to_string() + ")");
    line(out, "neighbor " + peer_ + " {");
    line(out, "descr \"" + descr() + "\"", in);
    line(out, "remote-as " + std::to_string(n.their_asn.value()), in);
    if (shared_.global_as != n.our_asn) {
      comment(out, "this session speaks for " + n.our_asn.to_string() + ", not the global AS", in);
      line(out, "local-as " + std::to_string(n.our_asn.value()), in);
    }
    line(out, "local-address " + n.our_ip.to_string(), in);
    comment(out, "only this session's address family", in);
    line(out, "announce " + std::string(announce_family(session_.family())) + " unicast", in);
    if (!session_.directly_connected) {
      comment(out, "not on one link with us: eBGP multihop, so no GTSM", in);
      line(out, "multihop " + std::to_string(kMultihop), in);
    }
    const auto features = wanted_features(input_, session_);
    const auto wanted = [&](Feature feature) {
      return std::find(features.begin(), features.end(), feature) != features.end();
    };
    for (const Feature feature : features)
      write_feature(out, feature);
    if (!wanted(Feature::bgp_role))
      comment(out, "no RFC 9234 role: Peering API monitoring session", in);
    if (!n.their_insert_asn) {
      comment(out, "RFC 7454 section 9: a route server that does not insert its ASN, so the", in);
      comment(out, "first AS is not the neighbor's", in);
      line(out, "enforce neighbor-as no", in);
    } else if (inbound_.has(InboundRule::require_first_as)) {
      comment(out, rule_comment(InboundRule::require_first_as), in);
      line(out, "enforce neighbor-as yes", in);
    }
    if (outbound_.has(OutboundRule::export_nothing)) {
      comment(out, rule_comment(OutboundRule::export_nothing), in);
      line(out, "export none", in);
    }
    line(out, "}");
    return out;
  }

  void write_feature(std::string& out, Feature feature) {
    const std::string in = "\t";
    switch (feature) {
      case Feature::tcp_md5:
      case Feature::tcp_ao:
        write_secret(out, feature);
        return;
      case Feature::gtsm:
        comment(out, "RFC 7454 section 5.2: GTSM (RFC 5082), the neighbor is on our link", in);
        line(out, "ttl-security yes", in);
        return;
      case Feature::max_prefix:
        write_max_prefix(out);
        return;
      case Feature::bgp_role:
        write_role(out);
        return;
      case Feature::dampening: {
        const std::string why = daemon_text(input_) + " has no route flap dampening";
        comment(out, "RFC 7454 section 7 (RFC 7196 thresholds): " + why, in);
        notice(std::string(to_string(feature)), why);
        return;
      }
      case Feature::rpki_rtr:
        return;  // the shared rtr block (peerapi/rpki.conf); the rules are filters
    }
  }

  void write_secret(std::string& out, Feature feature) {
    const std::string in = "\t";
    const bool ao_supported = supports(input_.daemon, input_.version, Feature::tcp_ao);
    comment(out, "RFC 7454 section 5.1: TCP MD5 signatures (RFC 2385) with the session secret", in);
    if (feature == Feature::tcp_ao || (input_.options.prefer_tcp_ao && !ao_supported)) {
      const std::string why =
          ao_supported ? "peerapi renders no TCP-AO for OpenBGPD; TCP MD5 used"
                       : daemon_text(input_) + " has no TCP-AO (RFC 5925): TCP MD5 is used";
      comment(out, why, in);
      notice(std::string(to_string(Feature::tcp_ao)), why);
    }
    line(out, "tcp md5sig password \"" + session_.secret->reveal() + "\"", in);
  }

  void write_max_prefix(std::string& out) {
    const std::string in = "\t";
    const MaxPrefix limits = max_prefix(input_.options, session_);
    const std::string family = family_text(session_.family());
    std::string why = limits.from_peeringdb
                          ? std::to_string(*session_.their_prefix_count) + " " + family +
                                " prefixes in PeeringDB + " +
                                std::to_string(input_.options.max_prefix_headroom_percent) +
                                "% headroom"
                          : "the " + family + " default, no PeeringDB figure";
    why += limits.restart_minutes > 0
               ? ", restart after " + std::to_string(limits.restart_minutes) + " minutes"
               : ", stay down until an operator clears it";
    comment(out, "RFC 7454 section 8: " + why, in);
    const std::string missing = daemon_text(input_) +
                                " has no max-prefix warning threshold: the warning above " +
                                std::to_string(limits.warning) + " prefixes is not rendered";
    comment(out, "(" + missing + ")", in);
    notice(std::string(to_string(Feature::max_prefix)), missing);
    std::string text = "max-prefix " + std::to_string(limits.limit);
    if (limits.restart_minutes > 0)
      text += " restart " + std::to_string(limits.restart_minutes);
    line(out, text, in);
  }

  void write_role(std::string& out) {
    const std::string in = "\t";
    const Neighbor& n = session_.neighbor;
    if (!supports(input_.daemon, input_.version, Feature::bgp_role)) {
      const std::string why = daemon_text(input_) + " has no RFC 9234 roles (from 7.7)";
      comment(out, why, in);
      notice(std::string(to_string(Feature::bgp_role)), why);
      return;
    }
    std::string what = "RFC 9234: our role is " + std::string(model::to_string(n.our_role));
    if (input_.options.strict_roles)
      what += "; strict mode (section 4.2): the neighbor must announce its role";
    comment(out, what, in);
    for (const auto& text : role_lines(input_.version, n.our_role, input_.options.strict_roles))
      line(out, text, in);
  }

  // --- filter rules ---------------------------------------------------------------------------

  std::string filter() {
    std::string out;
    inbound(out);
    out += '\n';
    outbound(out);
    return out;
  }

  /// The rule prefix for this neighbor: "deny quick from 192.0.2.11".
  [[nodiscard]] std::string rule(std::string_view action, bool from) const {
    return std::string(action) + (from ? " from " : " to ") + peer_;
  }

  void bogon_rules(std::string& out, bool from) const {
    const BogonFilter& filter = shared_.bogons(session_.family());
    const std::string m = mark(kBogonMark);
    comment(out, "mark " + m + " by the longest match of the layers in " +
                     std::string(kBogonsFile) + ", deny what stays marked");
    if (filter.allocated_set.empty()) {
      line(out, rule("match", from) + " set large-community delete " + m);
    } else {
      line(out, rule("match", from) + " inet6 set large-community " + m);
      line(out, rule("match", from) + " prefix-set " + filter.allocated_set +
                    " set large-community delete " + m);
    }
    for (const auto& layer : filter.layers) {
      line(out, rule("match", from) + " prefix-set " + layer.set_name + " set large-community " +
                    (layer.mark ? "" : "delete ") + m);
    }
    line(out, rule("deny quick", from) + " large-community " + m);
  }

  [[nodiscard]] std::string too_specific_comment(std::string_view base, int max_length) const {
    return std::string(base) + " (longer than /" + std::to_string(max_length) + ")";
  }

  [[nodiscard]] static std::string or_longer_list(const std::vector<model::Prefix>& prefixes) {
    std::vector<std::string> items;
    items.reserve(prefixes.size());
    for (const auto& prefix : prefixes)
      items.push_back(or_longer(prefix));
    return braced(items);
  }

  void inbound(std::string& out) const {
    const Neighbor& n = session_.neighbor;
    comment(out, "Inbound from " + n.their_asn.to_string() + " " + peer_);
    if (inbound_.has(InboundRule::reject_not_in_irr)) {
      comment(out, "RFC 7454 section 6.2.1.1.1 (strict): deny unless the IRR rule below allows");
      line(out, rule("deny", true));
    } else if (!inbound_.has(InboundRule::reject_everything)) {
      comment(out, "RFC 7454 section 6.2.1.1.2 (loose): accept what no rule below rejects");
      line(out,
           rule("allow", true) + " set localpref " + std::to_string(inbound_.local_preference));
    }
    const std::string family(filter_family(session_.family()));
    for (const InboundRule r : inbound_.rules) {
      const std::string_view why = rule_comment(r);
      switch (r) {
        case InboundRule::reject_everything:
          comment(out, why);
          line(out, rule("deny quick", true));
          break;
        case InboundRule::reject_bogons:
          comment(out, why);
          bogon_rules(out, true);
          break;
        case InboundRule::reject_default_route:
          comment(out, why);
          line(out, rule("deny quick", true) + " prefix " +
                        (session_.family() == model::IpFamily::v4 ? "0.0.0.0/0" : "::/0"));
          break;
        case InboundRule::reject_too_specific:
          comment(out, too_specific_comment(why, inbound_.max_length));
          line(out, rule("deny quick", true) + " " + family + " prefixlen > " +
                        std::to_string(inbound_.max_length));
          break;
        case InboundRule::reject_own_prefixes:
          comment(out, why);
          line(out, rule("deny quick", true) + " prefix " + or_longer_list(inbound_.own_prefixes));
          break;
        case InboundRule::reject_ixp_lan:
          comment(out, std::string(why) + " and every more specific");
          line(out, rule("deny quick", true) + " prefix " + or_longer_list(inbound_.ixp_lan));
          break;
        case InboundRule::reject_not_in_irr:
          comment(out, why);
          comment(out, "(only what " + irr_set_ + " holds is allowed; the rest stays denied)");
          line(out, rule("allow", true) + " prefix-set " + irr_set_ + " set localpref " +
                        std::to_string(inbound_.local_preference));
          break;
        case InboundRule::reject_rpki_invalid:
          comment(out, why);
          line(out, rule("deny quick", true) + " ovs invalid");
          break;
        case InboundRule::reject_private_asn:
          comment(out, why);
          line(out, rule("deny quick", true) + " " + private_asns());
          break;
        case InboundRule::reject_own_asn: {
          comment(out, why);
          std::vector<std::string> asns;
          for (const auto& asn : inbound_.our_asns)
            asns.push_back(std::to_string(asn.value()));
          line(out, rule("deny quick", true) + " AS " + braced(asns));
          break;
        }
        case InboundRule::require_first_as:
          comment(out, why);
          line(out,
               rule("deny quick", true) + " peer-as != " + std::to_string(n.their_asn.value()));
          break;
        case InboundRule::require_next_hop: {
          comment(out, why);
          const std::string m = mark(kNextHopMark);
          comment(out, "(mark " + m + ", unmark when the next hop is the neighbor, deny marked)");
          line(out, rule("match", true) + " set large-community " + m);
          line(out, rule("match", true) + " nexthop neighbor set large-community delete " + m);
          line(out, rule("deny quick", true) + " large-community " + m);
          break;
        }
        case InboundRule::scrub_own_communities: {
          comment(out, std::string(why) + " (standard and large)");
          std::vector<std::string> deletes;
          for (const auto& asn : inbound_.our_asns) {
            const std::string number = std::to_string(asn.value());
            if (asn.value() <= 0xFFFF)
              deletes.push_back("community delete " + number + ":*");
            deletes.push_back("large-community delete " + number + ":*:*");
          }
          line(out, rule("match", true) + " set " + braced(deletes));
          break;
        }
        case InboundRule::rpki_not_found_preference:
          comment(out, why);
          line(out, rule("match", true) + " ovs not-found set localpref " +
                        std::to_string(inbound_.not_found_local_preference));
          break;
      }
    }
  }

  void outbound(std::string& out) const {
    comment(out, "Outbound to " + session_.neighbor.their_asn.to_string() + " " + peer_);
    const std::string family(filter_family(session_.family()));
    for (const OutboundRule r : outbound_.rules) {
      const std::string_view why = rule_comment(r);
      switch (r) {
        case OutboundRule::export_nothing:
          comment(out, why);
          line(out, rule("deny quick", false));
          break;
        case OutboundRule::export_announce:
          comment(out, why);
          line(out, rule("deny", false));
          line(out, rule("allow", false) + " prefix-set " + announce_set(session_.family()));
          break;
        case OutboundRule::reject_bogons:
          comment(out, why);
          bogon_rules(out, false);
          break;
        case OutboundRule::reject_too_specific:
          comment(out, too_specific_comment(why, outbound_.max_length));
          line(out, rule("deny quick", false) + " " + family + " prefixlen > " +
                        std::to_string(outbound_.max_length));
          break;
      }
    }
  }

  const RenderInput& input_;
  const Shared& shared_;
  const SessionInput& session_;
  std::vector<Notice>& notices_;
  std::string name_;
  InboundPlan inbound_;
  OutboundPlan outbound_;
  std::string peer_;
  std::string irr_set_;
};

std::string session_file(const SessionText& text, bool rpki) {
  std::string out = text.header;
  comment(out, "Three parts for the set, neighbor and filter sections of bgpd.conf, which holds");
  comment(out, "them there. Included from another main file, it needs " + std::string(kBogonsFile));
  comment(out, "and " + std::string(kAnnounceFile) + " (in strict mode " + std::string(kIrrFile) +
                   (rpki ? ", and " + std::string(kRpkiFile) + " for RPKI)" : std::string(")")) +
                   " included before it.");
  out += "\n# --- sets\n";
  out += text.sets.empty() ? "# none\n" : text.sets;
  out += "\n# --- neighbor\n";
  out += text.neighbor;
  out += "\n# --- filter rules\n";
  out += text.filter;
  return out;
}

void section(std::string& out, std::string_view title) {
  out += "\n# ===== ";
  out += title;
  out += '\n';
}

void part(std::string& out, std::string_view file, std::string_view which,
          const std::string& text) {
  out += "\n# ----- ";
  out += file;
  if (!which.empty()) {
    out += " (";
    out += which;
    out += ')';
  }
  out += '\n';
  out += text;
}

std::string irr_set_name(const IrrList& list) {
  return "peerapi_irr_" + list.name;
}

/// RFC 7454 section 6.1.2.2.1: every peer's IRR prefix list, once per (peer, family). An empty
/// set is defined too: the allow rule then matches nothing and bgpd's default deny holds.
std::string irr_file(const IrrLists& lists) {
  std::string out;
  comment(out, "RFC 7454 section 6.1.2.2.1: the prefixes each peer registers in the IRR,");
  comment(out, "aggregated like bgpq4 -A; one prefix-set per peer and address family.");
  for (const IrrList& list : lists.lists) {
    out += '\n';
    comment(out, comment_text(list.irr_object.empty() ? std::string("no IRR object looked up")
                                                      : list.irr_object) +
                     ", " + family_text(list.family) +
                     (list.prefixes.empty() ? ": empty, nothing is accepted" : ""));
    line(out, "prefix-set " + irr_set_name(list) + " {");
    for (const auto& range : list.prefixes)
      line(out, prefix_set_entry(range), "\t");
    line(out, "}");
  }
  return out;
}

}  // namespace

Rendering render_openbgpd(const RenderInput& input) {
  Rendering rendering;
  std::vector<Notice>& notices = rendering.notices;

  Shared shared;
  shared.bogons_v4 = bogon_filter(input.bogons, model::IpFamily::v4);
  shared.bogons_v6 = bogon_filter(input.bogons, model::IpFamily::v6);
  if (!input.our_asns.empty())
    shared.global_as = input.our_asns.front();
  else if (!input.sessions.empty())
    shared.global_as = input.sessions.front().neighbor.our_asn;

  // bgpd.conf: global settings first (notices in output order).
  std::string top;
  comment(top, "OpenBGPD configuration rendered by peerapi for " + daemon_text(input) +
                   " (bgpd.conf(5)).");
  comment(top, "It holds the text of every file under peerapi/, grouped by bgpd.conf section in");
  comment(top, "the manual's order: global settings, sets, rtr, neighbors, filter rules. bgpd");
  comment(top, "resolves include paths against its working directory, so this file contains them");
  comment(top, "rather than including them. Operators with their own main file include the");
  comment(top, "peerapi/ files from it (absolute paths), shared files before session files.");
  section(top, "global configuration");
  if (shared.global_as) {
    line(top, "AS " + std::to_string(shared.global_as->value()));
  } else {
    const std::string why = "no ASN known (neither [network] asns nor a session): set AS by hand";
    comment(top, why);
    comment(top, "AS ...");
    notices.push_back(Notice{"", "AS", why});
  }
  const RouterId router_id = effective_router_id(input);
  if (router_id.fallback) {
    const std::string why =
        "no router_id configured and no IPv4 session address: " + router_id.address.to_string() +
        " (RFC 5737) used, set [render] router_id";
    comment(top, why);
    notices.push_back(Notice{"", "router_id", why});
  }
  line(top, "router-id " + router_id.address.to_string());

  const std::string bogons = bogons_file(shared);
  const std::string announce = announce_file(input);
  std::string rpki;
  if (input.options.rpki) {
    rpki = rpki_file(input, notices);
  } else {
    notices.push_back(
        Notice{"", std::string(to_string(Feature::rpki_rtr)),
               "no RTR cache configured ([render] rpki_cache): RPKI origin validation "
               "(RFC 7454 section 6.1.2.2.2) is not rendered"});
  }

  const std::vector<std::string> names = unique_session_names(input, notices);
  const IrrLists irr = shared_irr_lists(input, names);
  const bool strict = input.options.mode == FilterMode::strict;
  const std::string irr_sets = strict ? irr_file(irr) : std::string();
  std::vector<SessionText> sessions;
  sessions.reserve(input.sessions.size());
  for (std::size_t i = 0; i < input.sessions.size(); ++i) {
    sessions.push_back(SessionWriter(input, shared, input.sessions[i], names[i],
                                     irr.of_session[i] ? irr_set_name(irr.lists[*irr.of_session[i]])
                                                       : std::string(),
                                     notices)
                           .write());
  }

  section(top, "sets");
  part(top, kBogonsFile, "", bogons);
  part(top, kAnnounceFile, "", announce);
  if (strict)
    part(top, kIrrFile, "", irr_sets);
  for (const SessionText& text : sessions) {
    if (!text.sets.empty())
      part(top, "peerapi/sessions/" + text.name + ".conf", "sets", text.sets);
  }
  section(top, "rtr");
  if (input.options.rpki)
    part(top, kRpkiFile, "", rpki);
  else
    comment(top, "none: no RTR cache configured, so no RPKI origin validation");
  section(top, "network announcements");
  comment(top, "none rendered: origination stays with the operator");
  section(top, "neighbors");
  for (const SessionText& text : sessions)
    part(top, "peerapi/sessions/" + text.name + ".conf", "neighbor", text.neighbor);
  section(top, "filter rules (bgpd denies what no rule allows, RFC 8212)");
  for (const SessionText& text : sessions)
    part(top, "peerapi/sessions/" + text.name + ".conf", "filter rules", text.filter);

  rendering.files.push_back(RenderedFile{"bgpd.conf", std::move(top), true});
  rendering.files.push_back(RenderedFile{std::string(kBogonsFile), bogons, false});
  rendering.files.push_back(RenderedFile{std::string(kAnnounceFile), announce, false});
  if (strict)
    rendering.files.push_back(RenderedFile{std::string(kIrrFile), irr_sets, false});
  if (input.options.rpki)
    rendering.files.push_back(RenderedFile{std::string(kRpkiFile), rpki, false});
  for (const SessionText& text : sessions) {
    rendering.files.push_back(RenderedFile{"peerapi/sessions/" + text.name + ".conf",
                                           session_file(text, input.options.rpki.has_value()),
                                           false});
  }
  std::sort(rendering.files.begin(), rendering.files.end(),
            [](const RenderedFile& a, const RenderedFile& b) { return a.name < b.name; });
  return rendering;
}

}  // namespace peerapi::render
