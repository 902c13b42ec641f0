// The daemon-neutral filter plan of one session (RFC 7454 sections 6-11): which rules apply, in
// which order, and why. Each renderer translates the plan into its daemon's syntax, rule by
// rule, writing `rule_comment(rule)` above each; a rule its daemon cannot express becomes a
// comment in the output and a Notice in the report (render/renderer.hpp). So the three daemons
// filter the same routes for the same reasons, and the decisions are tested once, here.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/asn.hpp"
#include "model/prefix_range.hpp"
#include "render/render_input.hpp"

namespace peerapi::render {

/// Inbound rules, in the order a renderer applies them. Every reject rule ends processing of
/// the route; the last rules modify an accepted route.
enum class InboundRule : std::uint8_t {
  reject_everything,  // their side is a monitoring session: it announces nothing (draft)
  // The most specific reasons first, so that a log names the rule an operator would name:
  // the default route is also a bogon entry, and an IXP LAN more-specific also too specific.
  reject_default_route,       // 6.1.6
  reject_own_prefixes,        // 6.1.4
  reject_ixp_lan,             // 6.1.5
  reject_bogons,              // 6.1.1 not globally routable; 6.1.2.1 IPv6 not allocated by IANA
  reject_too_specific,        // 6.1.3
  reject_not_in_irr,          // 6.1.2.2.1 (strict mode)
  reject_rpki_invalid,        // 6.1.2.2.2, RFC 6811
  reject_private_asn,         // 9: a private ASN (RFC 6996, RFC 7300 reserved) anywhere in the path
  reject_own_asn,             // 9: one of our ASNs in the path
  require_first_as,           // 9: the first AS is the neighbor's (not for route servers)
  require_next_hop,           // 10: the next hop is the neighbor's address (not for route servers)
  scrub_own_communities,      // 11: delete communities with our ASN in the high-order bits
  rpki_not_found_preference,  // 6.1.2.2.2, RFC 7115: not-found gets the lower preference
};

enum class OutboundRule : std::uint8_t {
  export_nothing,       // our side is a monitoring session (draft), or nothing is declared
  export_announce,      // 6.2.1.2: only the operator's declared prefixes ...
  reject_bogons,        // ... never a bogon ...
  reject_too_specific,  // ... nor a too-specific prefix, even if declared by mistake
};

/// "RFC 7454 section 6.1.3: too specific (longer than /24)": one line, no trailing newline, for
/// the comment above the rule. Texts are fixed (golden files depend on them); the length in
/// the too-specific texts is filled in by the renderer, these carry only the section and the
/// reason.
std::string_view rule_comment(InboundRule rule) noexcept;
std::string_view rule_comment(OutboundRule rule) noexcept;

/// An inclusive range of ASNs.
struct AsnRange {
  std::uint32_t first = 0;
  std::uint32_t last = 0;
};

/// The ASNs InboundRule::reject_private_asn rejects anywhere in a received AS path (RFC 7454
/// section 9): 0 (RFC 7607), 23456 AS_TRANS (RFC 6793), 64512-65534 private use (RFC 6996) with
/// 65535 (RFC 7300), 65552-131071 reserved by IANA, 4200000000-4294967294 private use with
/// 4294967295 (RFC 7300). Documentation ASNs (RFC 5398) are not in it: labs and tests use them.
/// Every renderer uses exactly this list, in this order.
inline constexpr std::array<AsnRange, 5> kPrivateOrReservedAsns{{
    {0, 0},
    {23456, 23456},
    {64512, 65535},
    {65552, 131071},
    {4200000000u, 4294967295u},
}};

/// Neighbor-level features (not filters) that a daemon may or may not support.
enum class Feature : std::uint8_t {
  tcp_md5,     // RFC 7454 5.1
  tcp_ao,      // RFC 7454 5.1 (RFC 5925): preferred over MD5 where the daemon has it
  gtsm,        // RFC 7454 5.2
  max_prefix,  // RFC 7454 8
  bgp_role,    // RFC 9234
  dampening,   // RFC 7454 7, RFC 7196
  rpki_rtr,    // RFC 8210 cache for 6.1.2.2.2
};
std::string_view to_string(Feature feature) noexcept;  // "tcp_md5", ...

struct InboundPlan {
  /// The rules that apply, in order (a subset of InboundRule in enum order).
  std::vector<InboundRule> rules;
  int max_length = 24;                            // reject_too_specific: longer than this
  std::vector<model::Prefix> own_prefixes;        // reject_own_prefixes (or longer)
  std::vector<model::Prefix> ixp_lan;             // reject_ixp_lan (more specific than the LAN, and
                                                  // the LAN itself)
  std::vector<model::PrefixRange> irr;            // reject_not_in_irr: accept only these
  std::vector<model::Asn> our_asns;               // reject_own_asn, scrub_own_communities
  std::uint32_t local_preference = 100;           // accepted routes
  std::uint32_t not_found_local_preference = 90;  // rpki_not_found_preference

  [[nodiscard]] bool has(InboundRule rule) const;
};

struct OutboundPlan {
  std::vector<OutboundRule> rules;
  std::vector<model::PrefixRange> announce;  // export_announce, session family only
  int max_length = 24;

  [[nodiscard]] bool has(OutboundRule rule) const;
};

/// Inbound plan of `session`:
/// - their side monitoring: reject_everything only;
/// - otherwise default, own prefixes (when any), IXP LAN (when PeeringDB lists prefixes),
///   bogons, too specific, IRR (strict mode), RPKI invalid (when a cache is configured), private
///   ASN, own ASN, first AS and next hop (when their_insert_asn), community scrub, RPKI
///   not-found preference (when a cache is configured).
InboundPlan plan_inbound(const RenderInput& input, const SessionInput& session);

/// Outbound plan: export_nothing when our side is monitoring or nothing of the session's
/// family is declared; else the declared list with the safety filters.
OutboundPlan plan_outbound(const RenderInput& input, const SessionInput& session);

/// The IRR prefix lists of a strict rendering (RFC 7454 6.2.1.1.1), one per (their ASN, family)
/// and shared by that peer's sessions of the family: a peer at five exchanges has its list once
/// in the output, and the routers hold it once.
struct IrrList {
  /// "as64501_v4"; "as64501_0c1d2e3f4a01_v4" (the session's name) for a session whose list
  /// differs from the one its peer's first session of the family has.
  std::string name;
  std::string irr_object;
  model::IpFamily family = model::IpFamily::v4;
  std::vector<model::PrefixRange> prefixes;  // as InboundPlan::irr: session family, sorted
};

struct IrrLists {
  std::vector<IrrList> lists;  // sorted by name
  /// Per input session: the index of its list in `lists`, or nullopt when its plan has no
  /// reject_not_in_irr rule (loose mode, monitoring neighbor).
  std::vector<std::optional<std::size_t>> of_session;
};

/// The lists of `input`; `names` are the sessions' names (unique_session_names).
IrrLists shared_irr_lists(const RenderInput& input, const std::vector<std::string>& names);

/// Features the session asks for (secret → tcp_md5 or tcp_ao, directly connected → gtsm, ...),
/// in enum order.
std::vector<Feature> wanted_features(const RenderInput& input, const SessionInput& session);

/// Whether `daemon` at `version` can express `feature` (the table in docs/render.md).
bool supports(Daemon daemon, const DaemonVersion& version, Feature feature) noexcept;

}  // namespace peerapi::render
