// The behaviour test's world (issue 5, "Tests", last bullet): our router A (AS64500) renders
// strict RFC 7454 import filters for one IPv4 and one IPv6 session with AS64501 (router B), and
// B announces a prepared mix of routes. Each route of the mix breaks exactly one rule of the
// inbound plan (or none; ::/0 is the one exception, see `also_breaks`), so that a missing or
// wrong rule shows up as a route accepted that should have been filtered; `rules_hit` (a
// reference evaluation of the plan on the test's data) checks that before any daemon runs.
//
// Documentation space only. RFC 5737 and RFC 3849 prefixes are bogons (RFC 7454 6.1.1), so the
// test's bogon set drops the TEST-NET-1/2/3 entries and permits 2001:db8::/32 (inside the
// 2001::/23 bogon entry, so a permit is needed; also listed as allocated for 6.1.2.1), and
// drops the default routes, which the shipped set lists too (so that only 6.1.6 catches them). The
// bogon rule is exercised with 10.1.0.0/16, 100.64.1.0/24, fc00:1::/48 and 4000:1::/48 (outside
// IANA's allocations to the RIRs). IPv4 documentation space holds three /24s only, so the test
// allows IPv4 prefixes up to /27 (max_length_v4 = 27; too specific is /28); IPv6 keeps /48.
// The IPv6 IXP LAN is listed as 2001:db8:ffff::/48 (the link itself uses a /64 inside it),
// because any more specific of a /64 LAN is also too specific and would not isolate 6.1.5.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "model/ip.hpp"
#include "render/filter_plan.hpp"
#include "render/render_input.hpp"
#include "sources/iana/bogons.hpp"

namespace peerapi::testing::behaviour {

inline constexpr std::uint32_t kOurAsn = 64500;
/// A second ASN of our network ([network] asns): only the import filter can catch it in a path;
/// our router's own ASN is already dropped by BGP loop detection (RFC 4271 section 9.1.2).
inline constexpr std::uint32_t kOurOtherAsn = 64496;
inline constexpr std::uint32_t kTheirAsn = 64501;
inline constexpr int kRtrPort = 3323;

inline constexpr const char* kOurV4 = "192.0.2.1";
inline constexpr const char* kTheirV4 = "192.0.2.11";
inline constexpr const char* kOurV6 = "2001:db8:ffff::1";
inline constexpr const char* kTheirV6 = "2001:db8:ffff::11";
/// A third router's address on the LAN, sent as next hop by the "foreign next hop" routes.
inline constexpr const char* kForeignV4 = "192.0.2.99";
inline constexpr const char* kForeignV6 = "2001:db8:ffff::99";

enum class Verdict : std::uint8_t {
  accepted,
  filtered,  // rejected by the rendered import filter (`rule`)
  /// Never reaches the import filter: BGP loop detection (RFC 4271 section 9.1.2, our router's
  /// own ASN in the path) handles it as a withdraw in BIRD and FRR alike.
  loop,
};

/// RFC 6811 validation state.
enum class Rov : std::uint8_t { valid, invalid, not_found };
std::string_view to_string(Rov rov);

struct MixRoute {
  std::string prefix;
  std::vector<std::uint32_t> path;  // AS path as A receives it, first AS first
  std::string next_hop;             // empty: B's own address
  /// Standard "64500:123" (RFC 1997) and large "64500:1:2" (RFC 8092) communities.
  std::vector<std::string> communities;
  Verdict verdict = Verdict::accepted;
  std::optional<render::InboundRule> rule;  // the rule the route is there for
  /// Rules it cannot help breaking as well: ::/0 is outside every IANA allocation to an RIR,
  /// so it is also an IPv6 bogon (RFC 7454 6.1.2.1). Every other route breaks one rule only.
  std::vector<render::InboundRule> also_breaks;
  Rov rov = Rov::not_found;  // against data/vrps.json
  std::string why;           // for messages

  [[nodiscard]] model::Prefix parsed() const;
  [[nodiscard]] model::IpFamily family() const { return parsed().family(); }
  /// The standard (or large) communities A keeps (RFC 7454 section 11: ours scrubbed), sorted.
  [[nodiscard]] std::vector<std::string> kept_communities(bool large = false) const;
};

/// The mix, IPv4 and IPv6.
const std::vector<MixRoute>& route_mix();
std::vector<MixRoute> route_mix(model::IpFamily family);

/// The test's bogon set: the shipped one with the documentation prefixes made usable (above).
sources::iana::BogonSet documentation_usable(const sources::iana::BogonSet& shipped);

/// A's rendering input: strict mode, RPKI via the RTR cache on 127.0.0.1:kRtrPort, roles
/// strict, the v4 and the v6 session with AS64501 (MD5 secret, GTSM).
render::RenderInput behaviour_input(render::Daemon daemon);

/// One validated ROA payload (RFC 6811).
struct Vrp {
  model::Prefix prefix;
  int max_length = 0;
  std::uint32_t asn = 0;
};
/// Parses a VRP JSON file (rpki-client / stayrtr format: roas[] {asn, prefix, maxLength}).
/// Throws std::runtime_error on a malformed file.
std::vector<Vrp> load_vrps(const std::filesystem::path& file);
Rov validate(const std::vector<Vrp>& vrps, const model::Prefix& prefix, std::uint32_t origin);

/// The reject rules of `plan` that `route` breaks, in plan order (reference evaluation of the
/// plan with the data of `input`/`session`; used to check the test data, not the renderers).
std::vector<render::InboundRule> rules_hit(const MixRoute& route, const render::InboundPlan& plan,
                                           const render::RenderInput& input,
                                           const render::SessionInput& session,
                                           const std::vector<Vrp>& vrps);

/// B's BIRD configuration: data/announcer.conf.in with the placeholders filled and the mix's
/// static routes and per-route export settings generated from `route_mix()`.
std::string announcer_config(const std::string& template_text, const render::RenderInput& input);

/// tests/render/behaviour/data/<name>.
std::filesystem::path data_file(const std::string& name);

}  // namespace peerapi::testing::behaviour
