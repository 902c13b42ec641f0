#include "client/session_plan.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace peerapi::client {

namespace pdb = sources::peeringdb;

namespace {

std::string family_name(model::IpFamily family) {
  return family == model::IpFamily::v4 ? "IPv4" : "IPv6";
}

/// Addresses of `family` on the network's ports at one IX; with `operational_only`, ports
/// PeeringDB marks as not operational are left out.
std::vector<model::IpAddress> addresses(const pdb::Snapshot& snapshot, model::Asn asn,
                                        std::uint32_t ix, std::optional<model::IpFamily> family,
                                        bool operational_only) {
  std::vector<model::IpAddress> out;
  for (const pdb::NetIxLan* port : snapshot.ports(asn, ix)) {
    if (operational_only && !port->operational)
      continue;
    if (port->ipaddr4 && (!family || *family == model::IpFamily::v4))
      out.push_back(*port->ipaddr4);
    if (port->ipaddr6 && (!family || *family == model::IpFamily::v6))
      out.push_back(*port->ipaddr6);
  }
  return out;
}

std::vector<std::uint32_t> common_exchanges(const pdb::Snapshot& snapshot, model::Asn a,
                                            model::Asn b) {
  const auto ours = snapshot.exchanges_of(a);
  const auto theirs = snapshot.exchanges_of(b);
  std::vector<std::uint32_t> out;
  std::set_intersection(ours.begin(), ours.end(), theirs.begin(), theirs.end(),
                        std::back_inserter(out));
  return out;
}

std::string join(const std::vector<model::IpAddress>& list) {
  std::string out;
  for (const auto& ip : list)
    out += (out.empty() ? "" : ", ") + ip.to_string();
  return out.empty() ? "none" : out;
}

/// "a, b" of the addresses in `a` that are not in `b`.
std::vector<model::IpAddress> missing_from(const std::vector<model::IpAddress>& a,
                                           const std::vector<model::IpAddress>& b) {
  std::vector<model::IpAddress> out;
  for (const auto& ip : a) {
    if (std::find(b.begin(), b.end(), ip) == b.end())
      out.push_back(ip);
  }
  return out;
}

}  // namespace

Result<SessionPlan> plan_sessions(const pdb::Snapshot& snapshot, const PlanRequest& request) {
  if (snapshot.network_by_asn(request.local_asn) == nullptr)
    return fail(ErrorCode::not_found, "local_asn",
                request.local_asn.to_string() + " has no network record in local PeeringDB data");
  if (snapshot.network_by_asn(request.peer_asn) == nullptr)
    return fail(ErrorCode::not_found, "peer_asn",
                request.peer_asn.to_string() + " has no network record in local PeeringDB data");
  const auto common = common_exchanges(snapshot, request.local_asn, request.peer_asn);
  std::vector<std::uint32_t> exchanges;
  if (request.locations.empty()) {
    exchanges = common;
  } else {
    for (std::size_t i = 0; i < request.locations.size(); ++i) {
      const model::LocationId& id = request.locations[i];
      const std::string field = "locations[" + std::to_string(i) + "]";
      if (id.type() != model::LocationType::public_peering)
        return fail(ErrorCode::private_peering_unsupported, field,
                    id.to_string() +
                        ": private peering (a facility) is not supported yet; "
                        "name an IX, pdb:ix:<id>");
      if (!std::binary_search(common.begin(), common.end(), id.peeringdb_id()))
        return fail(ErrorCode::location_not_common, field,
                    id.to_string() + ": " + request.local_asn.to_string() + " and " +
                        request.peer_asn.to_string() +
                        " do not both have a port there in local PeeringDB data");
      if (std::find(exchanges.begin(), exchanges.end(), id.peeringdb_id()) == exchanges.end())
        exchanges.push_back(id.peeringdb_id());
    }
    std::sort(exchanges.begin(), exchanges.end());
  }

  SessionPlan plan;
  const model::BgpRole peer_role = model::matching_role(request.local_role);
  for (std::uint32_t ix : exchanges) {
    const model::LocationId location = model::LocationId::ix(ix);
    for (model::IpFamily family : {model::IpFamily::v4, model::IpFamily::v6}) {
      if (request.family && *request.family != family)
        continue;
      const auto ours = addresses(snapshot, request.local_asn, ix, family, true);
      const auto theirs = addresses(snapshot, request.peer_asn, ix, family, true);
      if (ours.empty() || theirs.empty()) {
        const model::Asn lacking = ours.empty() ? request.local_asn : request.peer_asn;
        plan.notes.push_back(location.to_string() + ": " + lacking.to_string() + " has no " +
                             family_name(family) + " address on an operational port there");
        continue;
      }
      for (const auto& local_ip : ours) {
        for (const auto& peer_ip : theirs) {
          plan.sessions.push_back(model::SessionRequest{
              .local_asn = request.local_asn,
              .local_ip = local_ip,
              .peer_asn = request.peer_asn,
              .peer_ip = peer_ip,
              .local_bgp_role = request.local_role,
              .peer_bgp_role = peer_role,
              .local_insert_asn = true,
              .peer_insert_asn = true,
              .local_monitoring_session = false,
              .peer_monitoring_session = false,
              .peer_type = model::LocationType::public_peering,
              .session_secret = request.secret,
              .location = location,
          });
        }
      }
    }
  }
  return plan;
}

std::vector<LocationCheck> compare_locations(const std::vector<RemoteLocation>& from_api,
                                             const pdb::Snapshot& snapshot, model::Asn local_asn,
                                             model::Asn peer_asn) {
  auto order = [](const model::LocationId& a, const model::LocationId& b) {
    if (a.type() != b.type())
      return a.type() == model::LocationType::public_peering;
    return a.peeringdb_id() < b.peeringdb_id();
  };
  std::map<model::LocationId, LocationCheck, decltype(order)> checks(order);
  auto entry = [&](const model::LocationId& id) -> LocationCheck& {
    auto it = checks.find(id);
    if (it == checks.end())
      it = checks.emplace(id, LocationCheck{.id = id}).first;
    return it->second;
  };
  for (std::uint32_t ix : common_exchanges(snapshot, local_asn, peer_asn)) {
    LocationCheck& check = entry(model::LocationId::ix(ix));
    check.from_local = true;
    if (const auto* exchange = snapshot.exchange(ix))
      check.name = exchange->name;
    check.local_local_ips = addresses(snapshot, local_asn, ix, std::nullopt, false);
    check.local_peer_ips = addresses(snapshot, peer_asn, ix, std::nullopt, false);
  }
  const auto our_facilities = snapshot.facilities_of(local_asn);
  const auto their_facilities = snapshot.facilities_of(peer_asn);
  for (std::uint32_t fac : our_facilities) {
    if (!std::binary_search(their_facilities.begin(), their_facilities.end(), fac))
      continue;
    LocationCheck& check = entry(model::LocationId::fac(fac));
    check.from_local = true;
    if (const auto* facility = snapshot.facility(fac))
      check.name = facility->name;
  }
  for (const RemoteLocation& location : from_api) {
    LocationCheck& check = entry(location.id);
    check.from_api = true;
    if (check.name.empty())
      check.name = location.name;
    check.api_local_ips = location.local_ips;
    check.api_peer_ips = location.peer_ips;
  }

  std::vector<LocationCheck> out;
  for (auto& [id, check] : checks) {
    if (!check.from_local) {
      check.differences.push_back("the peer's API lists it; local PeeringDB does not have both " +
                                  local_asn.to_string() + " and " + peer_asn.to_string() +
                                  " there");
    } else if (!check.from_api) {
      check.differences.push_back(
          "local PeeringDB has both networks there; the peer's API does "
          "not list it");
    } else if (id.type() == model::LocationType::public_peering) {
      const auto ours_only = missing_from(check.local_local_ips, check.api_local_ips);
      const auto api_ours_only = missing_from(check.api_local_ips, check.local_local_ips);
      const auto theirs_only = missing_from(check.local_peer_ips, check.api_peer_ips);
      const auto api_theirs_only = missing_from(check.api_peer_ips, check.local_peer_ips);
      if (!ours_only.empty())
        check.differences.push_back("our addresses only in local PeeringDB: " + join(ours_only));
      if (!api_ours_only.empty())
        check.differences.push_back("our addresses only in the peer's API: " + join(api_ours_only));
      if (!theirs_only.empty())
        check.differences.push_back("their addresses only in local PeeringDB: " +
                                    join(theirs_only));
      if (!api_theirs_only.empty())
        check.differences.push_back("their addresses only in the peer's API: " +
                                    join(api_theirs_only));
    }
    out.push_back(std::move(check));
  }
  return out;
}

}  // namespace peerapi::client
