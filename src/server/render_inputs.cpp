#include "server/render_inputs.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "server/irr_routing_facts.hpp"
#include "sources/iana/bogons.hpp"
#include "sources/irr/aggregate.hpp"
#include "sources/irr/expand.hpp"

namespace peerapi::server {

namespace {

namespace pdb = sources::peeringdb;
namespace irr = sources::irr;

/// The IRR prefix lists of one peer, both families, computed once per build.
struct IrrLists {
  std::string object;
  std::vector<model::PrefixRange> v4;
  std::vector<model::PrefixRange> v6;
};

Result<IrrLists> irr_lists(irr::IrrSource& source, model::Asn peer, const pdb::Network* network,
                           const std::string& name, std::vector<render::Notice>& notices) {
  IrrLists lists;
  lists.object = as_set_of(peer, network);
  auto expansion = irr::expand_as_set(source, lists.object);
  if (!expansion && (expansion.error().code == ErrorCode::not_found ||
                     expansion.error().code == ErrorCode::invalid_value)) {
    notices.push_back(render::Notice{name, "irr_object",
                                     lists.object + ": " + expansion.error().message +
                                         "; using the route objects of " + peer.to_string() +
                                         " instead"});
    lists.object = peer.to_string();
    expansion = irr::expand_as_set(source, lists.object);
  }
  if (!expansion) {
    Error error = expansion.error();
    error.message =
        "IRR lookup of " + lists.object + " for " + peer.to_string() + ": " + error.message;
    return std::unexpected(std::move(error));
  }
  for (const auto family : {model::IpFamily::v4, model::IpFamily::v6}) {
    auto prefixes = irr::prefixes_for(source, expansion->asns, family);
    if (!prefixes) {
      Error error = prefixes.error();
      error.message = "IRR routes of " + lists.object + ": " + error.message;
      return std::unexpected(std::move(error));
    }
    (family == model::IpFamily::v4 ? lists.v4 : lists.v6) = irr::aggregate(std::move(*prefixes));
  }
  return lists;
}

std::vector<model::Prefix> lan_prefixes(const pdb::Snapshot& snapshot, std::uint32_t ix_id) {
  std::vector<model::Prefix> prefixes;
  for (const std::uint32_t ixlan : snapshot.ixlans_of(ix_id)) {
    for (const auto& prefix : snapshot.ixlan_prefixes(ixlan))
      prefixes.push_back(prefix);
  }
  std::sort(prefixes.begin(), prefixes.end());
  return prefixes;
}

}  // namespace

bool belongs_on_router(model::SessionStatus status) noexcept {
  switch (status) {
    case model::SessionStatus::approved:
    case model::SessionStatus::configured:
    case model::SessionStatus::established:
    case model::SessionStatus::down:
      return true;
    default:
      return false;
  }
}

Result<render::RenderInput> build_render_input(render::Daemon daemon,
                                               const render::DaemonVersion& version,
                                               const config::Config& config,
                                               std::span<const model::Session> sessions,
                                               render::Side side, RenderSources& sources,
                                               std::vector<render::Notice>& notices) {
  const bool strict = config.render.mode == render::FilterMode::strict;
  if (strict && sources.irr == nullptr) {
    return fail(ErrorCode::invalid_value, "render.mode",
                "strict filtering (RFC 7454 6.2.1.1.1) builds prefix lists from the IRR: "
                "configure [sources.irr], or set mode = \"loose\"");
  }
  render::RenderInput input;
  input.daemon = daemon;
  input.version = version;
  input.options = config.render;
  input.our_asns = config.network.asns;
  input.bogons = sources.bogons;
  if (sources.peeringdb == nullptr)
    notices.push_back(render::Notice{"", "peeringdb",
                                     "no PeeringDB data: peer names, prefix counts and IXP LAN "
                                     "prefixes are unknown"});

  std::map<model::Asn, IrrLists> irr_cache;
  for (const model::Session& stored : sessions) {
    const model::SessionRequest& fields = stored.fields;
    render::SessionInput session{
        .session_id = stored.session_id,
        .neighbor = render::orient(fields, side),
        .type = fields.peer_type,
        .location = fields.location,
        .secret = fields.session_secret,
        .their_name = "",
        .location_name = "",
        .their_prefix_count = std::nullopt,
        .irr_object = "",
        .irr_prefixes = {},
        .ixp_lan_prefixes = {},
        .directly_connected = true,
    };
    const model::Asn peer = session.neighbor.their_asn;
    const bool v4 = session.family() == model::IpFamily::v4;
    const pdb::Network* network = nullptr;
    if (sources.peeringdb != nullptr) {
      const pdb::Snapshot& snapshot = *sources.peeringdb;
      network = snapshot.network_by_asn(peer);
      if (network != nullptr) {
        session.their_name = network->name;
        session.their_prefix_count = v4 ? network->info_prefixes4 : network->info_prefixes6;
      }
      const std::uint32_t id = fields.location.peeringdb_id();
      if (fields.location.type() == model::LocationType::public_peering) {
        if (const auto* ix = snapshot.exchange(id))
          session.location_name = ix->name;
        for (const auto& prefix : lan_prefixes(snapshot, id)) {
          if (prefix.family() == session.family())
            session.ixp_lan_prefixes.push_back(prefix);
        }
        if (!session.ixp_lan_prefixes.empty()) {
          session.directly_connected =
              std::any_of(session.ixp_lan_prefixes.begin(), session.ixp_lan_prefixes.end(),
                          [&](const model::Prefix& lan) {
                            return lan.contains(session.neighbor.our_ip) &&
                                   lan.contains(session.neighbor.their_ip);
                          });
        }
      } else if (const auto* facility = snapshot.facility(id)) {
        session.location_name = facility->name;
      }
    }
    if (strict) {
      auto cached = irr_cache.find(peer);
      if (cached == irr_cache.end()) {
        auto lists = irr_lists(*sources.irr, peer, network, render::session_name(session), notices);
        if (!lists)
          return std::unexpected(lists.error());
        cached = irr_cache.emplace(peer, std::move(*lists)).first;
      }
      session.irr_object = cached->second.object;
      session.irr_prefixes = v4 ? cached->second.v4 : cached->second.v6;
      if (session.irr_prefixes.empty()) {
        notices.push_back(
            render::Notice{render::session_name(session), "reject_not_in_irr",
                           session.irr_object + " has no " + (v4 ? "route" : "route6") +
                               " objects: strict filtering accepts nothing from this peer"});
      }
    }
    input.sessions.push_back(std::move(session));
  }
  std::sort(input.sessions.begin(), input.sessions.end(),
            [](const render::SessionInput& a, const render::SessionInput& b) {
              return std::pair(a.neighbor.their_asn, a.session_id) <
                     std::pair(b.neighbor.their_asn, b.session_id);
            });
  return input;
}

}  // namespace peerapi::server
