// The edge that feeds render/: stored sessions plus what PeeringDB, the IRR and IANA say about
// each peer become one render::RenderInput (issue 5). `peerapi render` uses it today and the
// reconcile loop (issue 6) will. Lookups are cached per peer within one build, so 10,000 sessions
// with a few hundred peers expand each AS-SET once.
#pragma once

#include <span>
#include <vector>

#include "config/config.hpp"
#include "model/error.hpp"
#include "model/session.hpp"
#include "render/renderer.hpp"
#include "sources/iana/bogons.hpp"
#include "sources/irr/irr_source.hpp"
#include "sources/peeringdb/snapshot.hpp"

namespace peerapi::server {

/// Where facts about peers come from. Either pointer may be null:
/// - no PeeringDB snapshot: names, prefix counts and IXP LAN prefixes are unknown (notices);
/// - no IRR source: only loose mode can be rendered (strict mode is an error, because an empty
///   prefix list would drop every route of the peer).
struct RenderSources {
  const sources::peeringdb::Snapshot* peeringdb = nullptr;
  sources::irr::IrrSource* irr = nullptr;
  sources::iana::BogonSet bogons;
};

/// Sessions that belong on the router: approved, configured, established and down (pending,
/// rejected, unestablished and deleted ones do not).
bool belongs_on_router(model::SessionStatus status) noexcept;

/// Builds the input for `sessions` seen from `side` with the options of `config` ([render],
/// [network] asns). Sessions are sorted by (their ASN, session id). Per session:
/// - their_name / location_name / their_prefix_count / ixp_lan_prefixes from PeeringDB;
/// - irr_object: the peer's first PeeringDB irr_as_set entry, else its own ASN; when the named
///   set does not exist in the IRR, the ASN's own route objects are used and a notice says so;
/// - irr_prefixes (strict mode): the aggregated route/route6 prefixes of the expanded set;
/// - directly_connected: a public session whose two addresses lie in one IXP LAN prefix (or at
///   an IX with no LAN prefix in PeeringDB), or a private session (an interconnect).
/// Errors: `invalid_value` (field "render.mode") for strict mode without an IRR source; an IRR
/// source error other than an unknown set (e.g. `unavailable`) as reported, with the peer named.
Result<render::RenderInput> build_render_input(render::Daemon daemon,
                                               const render::DaemonVersion& version,
                                               const config::Config& config,
                                               std::span<const model::Session> sessions,
                                               render::Side side, RenderSources& sources,
                                               std::vector<render::Notice>& notices);

}  // namespace peerapi::server
