#include "policy/builtin_checks.hpp"

#include <algorithm>
#include <string>

namespace peerapi::policy {

namespace {

using sources::peeringdb::NetIxLan;

bool contains(std::span<const model::Asn> asns, model::Asn asn) {
  return std::find(asns.begin(), asns.end(), asn) != asns.end();
}

std::string asn_list(std::span<const model::Asn> asns) {
  std::string out;
  for (const auto& a : asns)
    out += (out.empty() ? "" : ", ") + a.to_string();
  return out;
}

std::optional<model::IpAddress> port_address(const NetIxLan& port, model::IpFamily family) {
  return family == model::IpFamily::v4 ? port.ipaddr4 : port.ipaddr6;
}

bool same_session(const model::SessionRequest& a, const model::SessionRequest& b) {
  return a.local_asn == b.local_asn && a.local_ip == b.local_ip && a.peer_asn == b.peer_asn &&
         a.peer_ip == b.peer_ip && a.location == b.location;
}

/// At a public location (an IX): presence of both networks and their addresses on the IX LAN.
void check_exchange(const model::SessionRequest& s, const CheckContext& context,
                    std::vector<Error>& reasons) {
  const auto& pdb = context.peeringdb;
  const std::uint32_t ix_id = s.location.peeringdb_id();
  const std::string location = s.location.to_string();
  const auto* exchange = pdb.exchange(ix_id);
  if (exchange == nullptr) {
    reasons.push_back({ErrorCode::unknown_location, "location.id",
                       location + " is not an Internet Exchange known to this server's PeeringDB "
                                  "data; GET /locations lists the common ones"});
    return;
  }
  const auto caller_ports = pdb.ports(s.local_asn, ix_id);
  const auto server_ports = pdb.ports(s.peer_asn, ix_id);
  if (caller_ports.empty() || server_ports.empty()) {
    const std::string absent = caller_ports.empty() && server_ports.empty()
                                   ? s.local_asn.to_string() + " and " + s.peer_asn.to_string()
                                   : (caller_ports.empty() ? s.local_asn : s.peer_asn).to_string();
    reasons.push_back({ErrorCode::location_not_common, "location.id",
                       location + " (" + exchange->name + ") is not common to both networks: " +
                           absent + " has no port there in PeeringDB (netixlan)"});
    return;
  }
  if (s.local_ip.family() != s.peer_ip.family()) {
    reasons.push_back({ErrorCode::ip_family_mismatch, "peer_ip",
                       "local_ip " + s.local_ip.to_string() + " and peer_ip " +
                           s.peer_ip.to_string() + " are not of the same address family"});
    return;
  }
  const auto family = s.local_ip.family();
  const NetIxLan* caller_port = nullptr;
  std::string caller_addresses;
  for (const auto* port : caller_ports) {
    if (auto address = port_address(*port, family)) {
      caller_addresses += (caller_addresses.empty() ? "" : ", ") + address->to_string();
      if (*address == s.local_ip)
        caller_port = port;
    }
  }
  if (caller_port == nullptr) {
    const std::string family_name = family == model::IpFamily::v4 ? "IPv4" : "IPv6";
    const std::string known =
        caller_addresses.empty() ? "no " + family_name + " address" : caller_addresses;
    reasons.push_back({ErrorCode::ip_not_caller_address, "local_ip",
                       "local_ip " + s.local_ip.to_string() + " is not " + s.local_asn.to_string() +
                           "'s address at " + location + " in PeeringDB (netixlan: " + known +
                           ")"});
  } else {
    const auto prefixes = pdb.ixlan_prefixes(caller_port->ixlan_id);
    const bool inside = std::any_of(prefixes.begin(), prefixes.end(),
                                    [&](const auto& p) { return p.contains(s.local_ip); });
    if (!inside) {
      std::string lan;
      for (const auto& p : prefixes) {
        if (p.family() == family)
          lan += (lan.empty() ? "" : ", ") + p.to_string();
      }
      reasons.push_back({ErrorCode::ip_outside_ixlan, "local_ip",
                         "local_ip " + s.local_ip.to_string() + " is outside the IX LAN of " +
                             location + " (PeeringDB ixpfx: " + (lan.empty() ? "none" : lan) +
                             ")"});
    }
  }
  bool server_address = false;
  std::string server_addresses;
  for (const auto* port : server_ports) {
    if (auto address = port_address(*port, family)) {
      server_addresses += (server_addresses.empty() ? "" : ", ") + address->to_string();
      server_address = server_address || *address == s.peer_ip;
    }
  }
  if (!server_address) {
    reasons.push_back({ErrorCode::ip_not_server_address, "peer_ip",
                       "peer_ip " + s.peer_ip.to_string() + " is not " + s.peer_asn.to_string() +
                           "'s address at " + location + " (PeeringDB netixlan: " +
                           (server_addresses.empty() ? "none of this family" : server_addresses) +
                           ")"});
  }
}

std::vector<Error> check_one(const model::SessionRequest& s, const CheckContext& context) {
  std::vector<Error> reasons;
  if (!contains(context.server_asns, s.peer_asn)) {
    reasons.push_back({ErrorCode::not_server_asn, "peer_asn",
                       "peer_asn " + s.peer_asn.to_string() +
                           " is not served here. peer_* describes this server's network (" +
                           asn_list(context.server_asns) +
                           "); local_* describes yours, the requesting network"});
  }
  if (!contains(context.caller_asns, s.local_asn)) {
    reasons.push_back(
        {ErrorCode::asn_not_authorized, "local_asn",
         "your credentials may not act for local_asn " + s.local_asn.to_string() +
             " (they cover: " +
             (context.caller_asns.empty() ? std::string("no ASN") : asn_list(context.caller_asns)) +
             ")"});
  }
  if (s.peer_type != s.location.type()) {
    reasons.push_back({ErrorCode::peer_type_mismatch, "peer_type",
                       "peer_type \"" + std::string(model::to_string(s.peer_type)) +
                           "\" does not match location " + s.location.to_string()});
  } else if (s.location.type() == model::LocationType::private_peering) {
    reasons.push_back({ErrorCode::private_peering_unsupported, "location.id",
                       "private peering (" + s.location.to_string() +
                           ") is not offered by this server yet; request public peering at an IX"});
  } else {
    check_exchange(s, context, reasons);
  }
  if (model::matching_role(s.local_bgp_role) != s.peer_bgp_role) {
    reasons.push_back({ErrorCode::role_mismatch, "peer_bgp_role",
                       "roles " + std::to_string(static_cast<int>(s.local_bgp_role)) + " (" +
                           std::string(model::to_string(s.local_bgp_role)) + ") and " +
                           std::to_string(static_cast<int>(s.peer_bgp_role)) + " (" +
                           std::string(model::to_string(s.peer_bgp_role)) +
                           ") are not a correct pair (RFC 9234 section 4.2): provider-customer, "
                           "rs-rs-client or peer-peer"});
  }
  if (s.local_monitoring_session && s.peer_monitoring_session) {
    reasons.push_back({ErrorCode::both_monitoring, "peer_monitoring_session",
                       "local_monitoring_session and peer_monitoring_session must not both be "
                       "true"});
  }
  return reasons;
}

}  // namespace

std::vector<std::vector<Error>> check_sessions(
    std::span<const model::SessionRequest* const> sessions, const CheckContext& context) {
  std::vector<std::vector<Error>> out(sessions.size());
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    if (sessions[i] == nullptr)
      continue;
    out[i] = check_one(*sessions[i], context);
    for (std::size_t j = 0; j < i; ++j) {
      if (sessions[j] != nullptr && same_session(*sessions[i], *sessions[j])) {
        out[i].push_back({ErrorCode::duplicate_in_request, "",
                          "this session repeats sessions[" + std::to_string(j) + "]"});
        break;
      }
    }
  }
  return out;
}

}  // namespace peerapi::policy
