#include "policy/operator_policy.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace peerapi::policy {

namespace {

bool contains(const auto& range, const auto& value) {
  return std::ranges::find(range, value) != std::ranges::end(range);
}

std::string percent(double share) {
  char text[16];
  std::snprintf(text, sizeof text, "%.1f%%", share * 100.0);
  return text;
}

/// The rules in force at one location: the global ones with that location's overrides.
struct EffectiveRules {
  bool allow_ipv4;
  bool allow_ipv6;
  bool route_server_only;
  std::optional<std::uint32_t> max_sessions_per_location;
  std::optional<Verdict> verdict_override;
};

EffectiveRules rules_at(const Rules& rules, std::string_view location) {
  EffectiveRules out{rules.allow_ipv4, rules.allow_ipv6, false, rules.max_sessions_per_location,
                     std::nullopt};
  const auto found = rules.locations.find(location);
  if (found == rules.locations.end())
    return out;
  const RuleOverrides& o = found->second;
  out.allow_ipv4 = o.allow_ipv4.value_or(out.allow_ipv4);
  out.allow_ipv6 = o.allow_ipv6.value_or(out.allow_ipv6);
  out.route_server_only = o.route_server_only.value_or(false);
  if (o.max_sessions_per_location)
    out.max_sessions_per_location = o.max_sessions_per_location;
  out.verdict_override = o.verdict_override;
  return out;
}

bool is_route_server_pair(const model::SessionRequest& session) {
  return session.local_bgp_role == model::BgpRole::route_server ||
         session.local_bgp_role == model::BgpRole::route_server_client;
}

std::optional<std::uint32_t> announced_prefixes(const sources::peeringdb::Network* network) {
  if (network == nullptr || (!network->info_prefixes4 && !network->info_prefixes6))
    return std::nullopt;
  return network->info_prefixes4.value_or(0) + network->info_prefixes6.value_or(0);
}

bool rule_matches(const ReviewRule& rule, const model::SessionRequest& session,
                  const RequesterFacts& facts) {
  const sources::peeringdb::Network* network = facts.network;
  if (!rule.asns.empty() && !contains(rule.asns, facts.asn))
    return false;
  if (!rule.locations.empty() && !contains(rule.locations, session.location.to_string()))
    return false;
  if (!rule.policy_general.empty() &&
      (network == nullptr || !contains(rule.policy_general, network->policy_general)))
    return false;
  if (!rule.info_types.empty() &&
      (network == nullptr || !contains(rule.info_types, network->info_type)))
    return false;
  if (rule.family && session.local_ip.family() != *rule.family)
    return false;
  if (rule.max_prefixes) {
    const auto announced = announced_prefixes(network);
    if (!announced || *announced > *rule.max_prefixes)
      return false;
  }
  return true;
}

class ReasonList {
 public:
  void add(Verdict effect, ErrorCode code, std::string field, std::string message) {
    reasons_.push_back(Reason{effect, Error{code, std::move(field), std::move(message)}});
  }
  Decision finish() && {
    Decision decision;
    for (const Reason& reason : reasons_)
      decision.verdict = std::max(decision.verdict, reason.effect);
    decision.reasons = std::move(reasons_);
    return decision;
  }

 private:
  std::vector<Reason> reasons_;
};

/// PeeringDB record, policy_general and prefix counts.
void check_peeringdb(const Rules& rules, const RequesterFacts& facts, ReasonList& out) {
  const sources::peeringdb::Network* network = facts.network;
  if (network == nullptr) {
    if (rules.require_peeringdb) {
      out.add(Verdict::reject, ErrorCode::no_peeringdb_record, "local_asn",
              "AS" + std::to_string(facts.asn.value()) +
                  " has no PeeringDB network record; this operator peers only with networks "
                  "registered in PeeringDB");
    }
    return;
  }
  const auto mapped = rules.policy_general.find(network->policy_general);
  const Verdict general =
      mapped == rules.policy_general.end() ? rules.unknown_policy_general : mapped->second;
  if (general != Verdict::accept) {
    const std::string shown =
        network->policy_general.empty() ? "(none)" : "\"" + network->policy_general + "\"";
    out.add(general, ErrorCode::peering_policy, "local_asn",
            "the requester's PeeringDB general policy is " + shown + ", which this operator " +
                (general == Verdict::review ? "reviews by hand" : "does not peer with"));
  }
  struct Bound {
    std::optional<std::uint32_t> count;
    std::optional<std::uint32_t> min, max;
    const char* name;
  };
  for (const Bound& bound :
       {Bound{network->info_prefixes4, rules.min_prefixes4, rules.max_prefixes4, "IPv4"},
        Bound{network->info_prefixes6, rules.min_prefixes6, rules.max_prefixes6, "IPv6"}}) {
    if (!bound.min && !bound.max)
      continue;
    if (!bound.count) {
      out.add(Verdict::review, ErrorCode::prefix_count, "local_asn",
              std::string("the requester's PeeringDB record does not say how many ") + bound.name +
                  " prefixes it announces");
      continue;
    }
    if (bound.min && *bound.count < *bound.min) {
      out.add(Verdict::reject, ErrorCode::prefix_count, "local_asn",
              std::string("the requester announces ") + std::to_string(*bound.count) + " " +
                  bound.name + " prefixes (PeeringDB), fewer than the minimum of " +
                  std::to_string(*bound.min));
    }
    if (bound.max && *bound.count > *bound.max) {
      out.add(Verdict::reject, ErrorCode::prefix_count, "local_asn",
              std::string("the requester announces ") + std::to_string(*bound.count) + " " +
                  bound.name + " prefixes (PeeringDB), more than the maximum of " +
                  std::to_string(*bound.max));
    }
  }
}

/// IRR AS-SET and RPKI state of the requester's IRR routes (RFC 7454 section 6.1.2).
void check_routing_data(const Rules& rules, const RequesterFacts& facts, ReasonList& out) {
  if (!rules.needs_irr())
    return;
  if (!facts.irr) {
    out.add(Verdict::review, ErrorCode::irr_unavailable, "local_asn",
            "IRR data could not be consulted" +
                (facts.irr_error.empty() ? std::string() : " (" + facts.irr_error + ")") +
                "; held for manual review");
    return;
  }
  const IrrFacts& irr = *facts.irr;
  if (rules.require_irr_as_set && !irr.expanded) {
    out.add(Verdict::reject, ErrorCode::irr_as_set_missing, "local_asn",
            "the requester's IRR object " + irr.as_set +
                " does not exist or expands to no ASN; register an AS-SET and name it in "
                "PeeringDB (irr_as_set)");
  }
  if (!rules.needs_rpki())
    return;
  if (!irr.rov) {
    out.add(Verdict::review, ErrorCode::rpki_unavailable, "local_asn",
            "RPKI data is not loaded yet; held for manual review");
    return;
  }
  const RovTally& rov = *irr.rov;
  if (rules.reject_rpki_invalid && rov.invalid > 0) {
    out.add(Verdict::reject, ErrorCode::rpki_invalid_routes, "local_asn",
            std::to_string(rov.invalid) + " of the requester's " + std::to_string(rov.total()) +
                " IRR routes (" + irr.as_set + ") are RPKI-invalid (RFC 6811)");
  }
  if (rules.min_rpki_valid_share) {
    const double share =
        rov.total() == 0 ? 0.0 : static_cast<double>(rov.valid) / static_cast<double>(rov.total());
    if (share < *rules.min_rpki_valid_share) {
      out.add(Verdict::reject, ErrorCode::rpki_valid_share, "local_asn",
              percent(share) + " of the requester's IRR routes (" + irr.as_set +
                  ") are RPKI-valid; this operator asks for at least " +
                  percent(*rules.min_rpki_valid_share));
    }
  }
}

const RequesterFacts* facts_for(std::span<const RequesterFacts> facts, model::Asn asn) {
  const auto found =
      std::ranges::find_if(facts, [&](const RequesterFacts& f) { return f.asn == asn; });
  return found == facts.end() ? nullptr : &*found;
}

}  // namespace

std::string_view to_string(Verdict verdict) noexcept {
  switch (verdict) {
    case Verdict::accept:
      return "accept";
    case Verdict::review:
      return "review";
    case Verdict::reject:
      return "reject";
  }
  return "reject";
}

Result<Verdict> parse_verdict(std::string_view text, std::string_view field) {
  for (Verdict v : {Verdict::accept, Verdict::review, Verdict::reject}) {
    if (text == to_string(v))
      return v;
  }
  return fail(ErrorCode::config_invalid, std::string(field),
              "must be \"accept\", \"review\" or \"reject\"");
}

bool Rules::needs_irr() const noexcept {
  return require_irr_as_set || needs_rpki();
}

bool Rules::needs_rpki() const noexcept {
  return reject_rpki_invalid || min_rpki_valid_share.has_value();
}

Result<void> check_rules(const Rules& rules) {
  const auto invalid = [](std::string member, std::string message) {
    return fail(ErrorCode::config_invalid, "policy." + member, std::move(message));
  };
  for (const model::Asn asn : rules.allow_asns) {
    if (contains(rules.deny_asns, asn)) {
      return invalid("allow_asns", "AS" + std::to_string(asn.value()) +
                                       " is both allowed and denied; keep it in one list");
    }
  }
  if (rules.min_prefixes4 && rules.max_prefixes4 && *rules.min_prefixes4 > *rules.max_prefixes4)
    return invalid("min_prefixes4", "is above max_prefixes4");
  if (rules.min_prefixes6 && rules.max_prefixes6 && *rules.min_prefixes6 > *rules.max_prefixes6)
    return invalid("min_prefixes6", "is above max_prefixes6");
  if (rules.min_rpki_valid_share &&
      !(*rules.min_rpki_valid_share >= 0.0 && *rules.min_rpki_valid_share <= 1.0))
    return invalid("min_rpki_valid_share", "must be a share from 0 to 1, such as 0.9");
  if (rules.max_sessions_per_location == 0U)
    return invalid("max_sessions_per_location", "must be 1 or more (leave it out for no cap)");
  if (rules.max_sessions_total == 0U)
    return invalid("max_sessions_total", "must be 1 or more (leave it out for no cap)");
  if (!rules.allow_ipv4 && !rules.allow_ipv6)
    return invalid("allow_ipv6", "allow_ipv4 and allow_ipv6 are both false: nothing could peer");
  for (const auto& [location, o] : rules.locations) {
    if (o.max_sessions_per_location == 0U) {
      return invalid("locations." + location + ".max_sessions_per_location",
                     "must be 1 or more (leave it out for no cap)");
    }
  }
  return {};
}

std::vector<Decision> evaluate(std::span<const model::SessionRequest* const> sessions,
                               const Rules& rules, std::span<const RequesterFacts> facts) {
  std::vector<Decision> decisions(sessions.size());
  // Sessions this request adds, per requester, in total and per location.
  std::map<model::Asn, std::size_t> added_total;
  std::map<std::pair<model::Asn, std::string>, std::size_t> added_at;

  for (std::size_t i = 0; i < sessions.size(); ++i) {
    const model::SessionRequest* session = sessions[i];
    if (session == nullptr)
      continue;
    const RequesterFacts unknown(session->local_asn);
    const RequesterFacts* known = facts_for(facts, session->local_asn);
    const RequesterFacts& requester = known ? *known : unknown;
    const std::string location = session->location.to_string();
    const EffectiveRules here = rules_at(rules, location);
    ReasonList reasons;

    const bool v4 = session->local_ip.family() == model::IpFamily::v4;
    if (v4 ? !here.allow_ipv4 : !here.allow_ipv6) {
      reasons.add(Verdict::reject, ErrorCode::address_family_not_allowed, "local_ip",
                  std::string("this operator does not peer over ") + (v4 ? "IPv4" : "IPv6") +
                      " at " + location);
    }
    if (here.route_server_only && !is_route_server_pair(*session)) {
      reasons.add(Verdict::reject, ErrorCode::location_route_server_only, "location.id",
                  "at " + location +
                      " this operator peers only through its route servers (local_bgp_role 2, "
                      "peer_bgp_role 1; RFC 9234)");
    }
    if (contains(rules.deny_asns, requester.asn)) {
      reasons.add(Verdict::reject, ErrorCode::asn_denied, "local_asn",
                  "this operator does not peer with AS" + std::to_string(requester.asn.value()));
    } else if (!contains(rules.allow_asns, requester.asn)) {
      check_peeringdb(rules, requester, reasons);
      check_routing_data(rules, requester, reasons);
    }

    // Caps count stored live sessions plus the ones accepted or held earlier in this request.
    std::size_t& total = added_total[requester.asn];
    std::size_t& at_location = added_at[{requester.asn, location}];
    const auto stored_here = requester.live_sessions_by_location.find(location);
    const std::size_t live_here =
        stored_here == requester.live_sessions_by_location.end() ? 0 : stored_here->second;
    if (here.max_sessions_per_location &&
        live_here + at_location + 1 > *here.max_sessions_per_location) {
      reasons.add(Verdict::reject, ErrorCode::session_cap, "location.id",
                  "AS" + std::to_string(requester.asn.value()) + " would have more than " +
                      std::to_string(*here.max_sessions_per_location) + " live sessions at " +
                      location);
    }
    if (rules.max_sessions_total &&
        requester.live_sessions_total + total + 1 > *rules.max_sessions_total) {
      reasons.add(Verdict::reject, ErrorCode::session_cap, "local_asn",
                  "AS" + std::to_string(requester.asn.value()) + " would have more than " +
                      std::to_string(*rules.max_sessions_total) + " live sessions in total");
    }

    if (here.verdict_override && *here.verdict_override != Verdict::accept) {
      reasons.add(
          *here.verdict_override, ErrorCode::review_rule, "location.id",
          "sessions at " + location + " are " +
              (*here.verdict_override == Verdict::review ? "reviewed by hand" : "not accepted"));
    }
    for (const ReviewRule& rule : rules.review_when) {
      if (rule_matches(rule, *session, requester)) {
        reasons.add(Verdict::review, ErrorCode::review_rule, "",
                    "held for manual review by the operator's rule \"" + rule.name + "\"");
      }
    }

    decisions[i] = std::move(reasons).finish();
    if (decisions[i].verdict != Verdict::reject) {
      ++total;
      ++at_location;
    }
  }
  return decisions;
}

}  // namespace peerapi::policy
