// What the renderers turn into router configuration (issue 5, DESIGN.md "render/"): the
// operator's render options, one session seen from our side, and the data about the peer.
// Pure values: the edge (cli/render_command, lifecycle) reads the store and the sources and
// fills these; every renderer is a function of them alone, so its output is deterministic.
//
// Orientation. A stored session names the requester `local_*` and the server's network `peer_*`
// (model/session.hpp). A router configuration is always written from one side: `our_*` is the
// router being configured, `their_*` the neighbor. `orient` does the swap once, here.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/asn.hpp"
#include "model/bgp_role.hpp"
#include "model/error.hpp"
#include "model/ip.hpp"
#include "model/location.hpp"
#include "model/prefix_range.hpp"
#include "model/session.hpp"
#include "model/uuid.hpp"
#include "sources/iana/bogons.hpp"

namespace peerapi::render {

enum class Daemon : std::uint8_t { bird, frr, openbgpd };

std::string_view to_string(Daemon daemon) noexcept;  // "bird", "frr", "openbgpd"
/// Error `invalid_value` at `field` naming the three accepted names.
Result<Daemon> parse_daemon(std::string_view text, std::string_view field = "daemon");

/// A daemon release, compared numerically ("2.0.12" < "2.17"). Syntax that changed between
/// releases (OpenBGPD roles in 7.8, BIRD TCP-AO in 2.17) is chosen from it.
struct DaemonVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;

  /// "MAJOR[.MINOR[.PATCH]]", each part 0..9999. Error `invalid_value` at `field`.
  static Result<DaemonVersion> parse(std::string_view text, std::string_view field = "version");
  [[nodiscard]] std::string to_string() const;  // "2.0.12"
  auto operator<=>(const DaemonVersion&) const = default;
};

/// The version Debian 12 ships (bird2 2.0.12, frr 8.4.4, openbgpd 7.7): the default.
DaemonVersion default_version(Daemon daemon) noexcept;

/// RFC 7454 section 6.2.1.1: strict inbound filtering accepts only what the peer registered in
/// the IRR (6.2.1.1.1); loose filtering rejects only what is never acceptable (6.2.1.1.2).
enum class FilterMode : std::uint8_t { loose, strict };
std::string_view to_string(FilterMode mode) noexcept;  // "loose", "strict"
Result<FilterMode> parse_filter_mode(std::string_view text, std::string_view field = "mode");

/// An RTR cache (RFC 8210) the router itself connects to for RPKI ROV.
struct RtrCache {
  std::string host;  // IP literal or name, as the daemon's configuration accepts it
  std::uint16_t port = 323;
};

/// The operator's render settings ([render] in the configuration file).
struct Options {
  FilterMode mode = FilterMode::strict;
  /// The router's BGP identifier. Unset: the lowest of our IPv4 session addresses, else
  /// 192.0.2.1 with a notice (see `effective_router_id`).
  std::optional<model::IpAddress> router_id;
  /// RFC 7454 section 5.1: with a session secret, TCP-AO (RFC 5925) where the daemon version has
  /// it, else TCP MD5. Both routers and both kernels must agree; false always uses MD5.
  bool prefer_tcp_ao = true;
  /// RFC 9234 section 4.2 strict mode: refuse a neighbor that does not send its role.
  bool strict_roles = false;
  /// RFC 7454 section 5.2 (GTSM, RFC 5082) on directly connected sessions.
  bool gtsm = true;
  /// RFC 7454 section 8: the hard limit is the peer's PeeringDB prefix count plus this
  /// headroom; with no PeeringDB figure the default below applies.
  int max_prefix_headroom_percent = 25;
  int max_prefix_warning_percent = 90;  // warn at this share of the hard limit
  std::uint32_t max_prefix_default_v4 = 1000;
  std::uint32_t max_prefix_default_v6 = 250;
  /// After the hard limit shuts the session: restart after this many minutes; 0 keeps it down
  /// until an operator intervenes (the daemon's strongest action).
  int max_prefix_restart_minutes = 15;
  /// RFC 7454 section 6.1.3: longer prefixes than these are rejected.
  int max_length_v4 = 24;
  int max_length_v6 = 48;
  /// RFC 7454 section 6.1.2.2.2 / RFC 7115: ROV against this cache; invalid is rejected,
  /// not-found is accepted with the lower local preference. Unset: no ROV rendered (notice).
  std::optional<RtrCache> rpki;
  std::uint32_t local_preference = 100;
  std::uint32_t rpki_not_found_local_preference = 90;
  /// RFC 7454 section 7 / RFC 7196 thresholds; only FRR implements dampening. Off by default.
  bool dampening = false;
  /// RFC 7454 section 6.2.1.2: what we announce to peers (both families). Empty: nothing.
  std::vector<model::PrefixRange> announce;
  /// RFC 7454 section 6.1.4: our own prefixes, rejected (with every more specific) inbound.
  /// Empty: the prefixes of `announce`.
  std::vector<model::Prefix> own_prefixes;
};

/// Field-by-field check of the options (lengths within the family, percents 1..1000, ...).
/// Every problem names its key under `prefix` ("render.max_length_v4").
std::vector<Error> check_options(const Options& options, std::string_view prefix = "render");

/// One session from the side of the router being configured.
struct Neighbor {
  model::Asn our_asn;
  model::IpAddress our_ip;
  model::BgpRole our_role = model::BgpRole::peer;
  model::Asn their_asn;
  model::IpAddress their_ip;
  model::BgpRole their_role = model::BgpRole::peer;
  /// False when the neighbor is a route server that does not put its ASN first (RFC 7454
  /// section 9 first-AS check and section 10 next-hop check are then skipped).
  bool their_insert_asn = true;
  bool our_monitoring = false;    // we only collect: export nothing
  bool their_monitoring = false;  // they only collect: they announce nothing, import nothing
};

/// Which side of a stored session this router is.
enum class Side : std::uint8_t {
  receiver,   // the server's network: peer_* of the stored session (draft "server")
  initiator,  // the requesting network: local_* of the stored session (draft "client")
};

Neighbor orient(const model::SessionRequest& session, Side side);

/// One session with everything known about the neighbor.
struct SessionInput {
  model::Uuid session_id;
  Neighbor neighbor;
  model::LocationType type = model::LocationType::public_peering;
  model::LocationId location;
  std::optional<model::SessionSecret> secret;  // TCP MD5 (RFC 7454 section 5.1)
  std::string their_name;                      // PeeringDB network name; empty when unknown
  std::string location_name;                   // IX (or facility) name; empty when unknown
  /// PeeringDB info_prefixes4 or info_prefixes6 for the session's family; nullopt or 0 when
  /// unknown (the options' default then applies).
  std::optional<std::uint32_t> their_prefix_count;
  /// The IRR object the prefix list was built from: the peer's AS-SET from PeeringDB, or the
  /// peer's own "AS64501" when it names none. Empty: no IRR data was looked up.
  std::string irr_object;
  /// The aggregated prefix list (bgpq4 -A equivalent) of `irr_object`, for the session's family
  /// only, sorted. Used in strict mode; an empty list in strict mode accepts nothing.
  std::vector<model::PrefixRange> irr_prefixes;
  /// The IXP LAN prefixes of the session's location from PeeringDB ixpfx, session family only
  /// (RFC 7454 section 6.1.5).
  std::vector<model::Prefix> ixp_lan_prefixes;
  /// Both addresses on one link (an IXP LAN or a private interconnect): GTSM applies.
  bool directly_connected = true;

  [[nodiscard]] model::IpFamily family() const noexcept { return neighbor.their_ip.family(); }
};

/// Everything one rendering needs.
struct RenderInput {
  Daemon daemon = Daemon::bird;
  DaemonVersion version;
  Options options;
  /// Every ASN this network speaks for ([network] asns): communities carrying one of them in the
  /// high-order bits are scrubbed inbound (RFC 7454 section 11); none may appear in a received
  /// AS path (section 9).
  std::vector<model::Asn> our_asns;
  sources::iana::BogonSet bogons;
  /// Sorted by (their ASN, session id), which is also the order of the output.
  std::vector<SessionInput> sessions;
};

/// A stable name for the session in configuration: "as64501_0c1d2e3f4a01" (their ASN and the
/// last twelve hex digits of the session id, its random part). Valid as a BIRD protocol name, an
/// FRR route-map name part, an OpenBGPD group name and a file name.
std::string session_name(const SessionInput& session);

/// Something the configuration does not do that the plan asked for. Also written as a comment
/// at the spot in the output.
struct Notice {
  std::string session;  // session_name(), or empty for the shared part
  std::string what;     // a Feature name or an InboundRule/OutboundRule description
  std::string message;  // "BIRD 2.0.12 has no TCP-AO (from 2.17); TCP MD5 used"
};

/// session_name() of every input session, in order, made unique: a name several sessions share
/// (their ids end alike) gets more hex digits of the id until it differs, and a notice
/// (what = "session_name") says so. Renderers name sessions with these.
std::vector<std::string> unique_session_names(const RenderInput& input,
                                              std::vector<Notice>& notices);

/// The BGP identifier to use (Options::router_id rule) and whether it was a fallback.
struct RouterId {
  model::IpAddress address;
  bool fallback = false;  // no router_id configured and no IPv4 session address
};
RouterId effective_router_id(const RenderInput& input);

/// RFC 7454 section 8 limits for one session.
struct MaxPrefix {
  std::uint32_t limit = 0;    // the hard limit
  std::uint32_t warning = 0;  // warn above this many (limit * warning percent, at least 1)
  int restart_minutes = 0;    // 0: stay down
  bool from_peeringdb = false;
};
MaxPrefix max_prefix(const Options& options, const SessionInput& session);

}  // namespace peerapi::render
