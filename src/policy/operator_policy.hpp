// The operator's peering policy (draft-ietf-grow-peering-api section 4.2: the receiver decides
// "according to each operator's peering policy"; RFC 7454 section 6.1.2 for the routing-security
// data it rests on). Pure: the rules come from the configuration, the facts about the requester
// are gathered beforehand from the sources (PeeringDB, IRR, RPKI) and the store; evaluate() only
// reads values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "model/asn.hpp"
#include "model/error.hpp"
#include "model/session.hpp"
#include "sources/peeringdb/snapshot.hpp"

namespace peerapi::policy {

/// What happens to a requested session. Ordered by severity: a session's verdict is the most
/// severe of its reasons'.
enum class Verdict : std::uint8_t { accept, review, reject };

std::string_view to_string(Verdict verdict) noexcept;
/// "accept", "review" or "reject"; invalid_value at `field` otherwise.
Result<Verdict> parse_verdict(std::string_view text, std::string_view field);

/// A condition under which a session is held for manual review. Every member that is set must
/// match (conjunction); a rule with nothing set matches every session.
struct ReviewRule {
  std::string name;                           // shown in the reason, e.g. "new-networks"
  std::vector<model::Asn> asns;               // the requester is one of these
  std::vector<std::string> locations;         // the session is at one of these location ids
  std::vector<std::string> policy_general;    // PeeringDB policy_general is one of these
  std::vector<std::string> info_types;        // PeeringDB info_type is one of these
  std::optional<model::IpFamily> family;      // the session is of this address family
  std::optional<std::uint32_t> max_prefixes;  // the requester announces at most this many (v4+v6)
};

/// Rules that a location may override; unset members keep the global value.
struct RuleOverrides {
  std::optional<bool> allow_ipv4;
  std::optional<bool> allow_ipv6;
  /// Only route-server sessions (RFC 9234 roles rs / rs-client) here, no bilateral ones.
  std::optional<bool> route_server_only;
  std::optional<std::uint32_t> max_sessions_per_location;
  std::optional<Verdict> verdict_override;  // every session here gets at least this verdict
};

struct Rules {
  /// Always refused (asn_denied).
  std::vector<model::Asn> deny_asns;
  /// Accepted without the peering-policy and data rules (policy_general, PeeringDB record,
  /// prefix counts, IRR, RPKI); caps, address families and locations still apply.
  std::vector<model::Asn> allow_asns;
  /// The requester must have a PeeringDB network record (no_peeringdb_record).
  bool require_peeringdb = true;
  /// PeeringDB policy_general ("Open", "Selective", "Restrictive", "No") to a verdict; a value
  /// not in the map (including an empty one) gets `unknown_policy_general`.
  std::map<std::string, Verdict, std::less<>> policy_general = {{"Open", Verdict::accept},
                                                                {"Selective", Verdict::review},
                                                                {"Restrictive", Verdict::review},
                                                                {"No", Verdict::reject}};
  Verdict unknown_policy_general = Verdict::review;
  /// Bounds on PeeringDB info_prefixes4 / info_prefixes6 (prefix_count). A bound on a count
  /// PeeringDB does not have holds the session for review.
  std::optional<std::uint32_t> min_prefixes4, max_prefixes4, min_prefixes6, max_prefixes6;
  /// The requester's IRR AS-SET (PeeringDB irr_as_set, or its aut-num when it has none) must
  /// expand to at least one ASN (irr_as_set_missing).
  bool require_irr_as_set = false;
  /// No IRR route of the requester may be RPKI-invalid (rpki_invalid_routes, RFC 6811).
  bool reject_rpki_invalid = false;
  /// At least this share (0..1) of the requester's IRR routes must be RPKI-valid
  /// (rpki_valid_share).
  std::optional<double> min_rpki_valid_share;
  /// Live sessions per requester (counting the ones this request adds), at one location and in
  /// total (session_cap).
  std::optional<std::uint32_t> max_sessions_per_location;
  std::optional<std::uint32_t> max_sessions_total;
  bool allow_ipv4 = true;
  bool allow_ipv6 = true;
  std::map<std::string, RuleOverrides, std::less<>> locations;  // by location id "pdb:ix:1"
  std::vector<ReviewRule> review_when;

  /// True when a rule needs IRR data (the server must then have an IRR source).
  [[nodiscard]] bool needs_irr() const noexcept;
  /// True when a rule needs RPKI data.
  [[nodiscard]] bool needs_rpki() const noexcept;
};

/// config_invalid at "policy.<member>" for contradictions: an ASN both allowed and denied,
/// min above max, a share outside 0..1, a cap of 0, both families disallowed.
Result<void> check_rules(const Rules& rules);

/// RFC 6811 outcome counts over a set of IRR routes.
struct RovTally {
  std::size_t valid = 0;
  std::size_t invalid = 0;
  std::size_t not_found = 0;
  [[nodiscard]] std::size_t total() const noexcept { return valid + invalid + not_found; }
};

/// What the IRR says about the requester.
struct IrrFacts {
  std::string as_set;     // the AS-SET expanded, or "AS<n>" when falling back to the aut-num
  bool expanded = false;  // it exists and expanded to at least one ASN
  std::size_t member_asns = 0;
  std::size_t routes = 0;  // (prefix, origin) pairs of the member ASNs, both families
  /// ROV of those routes; nullopt when no RPKI data is loaded (yet).
  std::optional<RovTally> rov;
};

/// Everything evaluate() knows about the network asking, gathered at the edge.
struct RequesterFacts {
  explicit RequesterFacts(model::Asn requester) : asn(requester) {}
  model::Asn asn;
  const sources::peeringdb::Network* network = nullptr;  // nullptr: not in PeeringDB
  /// nullopt when no IRR source is configured or the lookup failed (irr_error says why).
  std::optional<IrrFacts> irr;
  std::string irr_error;
  /// Live sessions of the requester already stored, in total and by location id.
  std::size_t live_sessions_total = 0;
  std::map<std::string, std::size_t, std::less<>> live_sessions_by_location;
};

struct Reason {
  Verdict effect = Verdict::reject;
  Error error;  // code, field relative to the session ("local_asn", "location.id"), message
};

struct Decision {
  Verdict verdict = Verdict::accept;
  std::vector<Reason> reasons;  // every rule that did not simply accept, in rule order
};

/// One decision per session of a request, for sessions that already passed the built-in checks
/// (check_sessions). `sessions[i]` nullptr gets a default (accept, no reasons) decision and is
/// not counted. `facts` holds one entry per requesting ASN (a caller may act for several); a
/// session whose local_asn has none is judged as a network unknown to PeeringDB and the IRR.
/// Sessions are counted against the caps in request order: the sessions a request adds count
/// like stored ones, so a request cannot exceed a cap by asking for many at once. Every rule
/// that does not accept adds its reason, so the caller sees all of them at once.
std::vector<Decision> evaluate(std::span<const model::SessionRequest* const> sessions,
                               const Rules& rules, std::span<const RequesterFacts> facts);

}  // namespace peerapi::policy
