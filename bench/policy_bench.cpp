// Operator policy for one POST /sessions of 100 sessions (issue 4 target: <= 5 ms with all data
// loaded). PolicyEvaluate is the pure evaluation with the requester's facts at hand;
// RequestWithIrrFacts adds what the server does per request before it: the requester's
// PeeringDB record and its IRR facts (AS-SET expansion and every member's routes) from an IRR
// database loaded from a synthetic dump.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "policy/operator_policy.hpp"
#include "server/irr_routing_facts.hpp"
#include "sources/irr/irr_database.hpp"
#include "support/test_support.hpp"

namespace {

using namespace peerapi;

constexpr int kSessions = 100;
constexpr int kMemberAsns = 500;    // the requester's customer cone
constexpr int kRoutesPerAsn = 20;   // 10,000 IRR routes in its cone
constexpr int kOtherAsns = 20'000;  // the rest of the IRR: 400,000 more routes

model::Asn asn(std::uint32_t n) {
  return *model::Asn::from_number(n);
}

/// Private-use 32-bit ASNs (RFC 6996) from 4200000000 up; prefixes spread over 10.0.0.0/8-like
/// space is not needed: documentation space is too small, so /24s of 100.64.0.0/10-like blocks
/// are generated arithmetically.
std::string synthetic_dump() {
  std::string rpsl = "as-set: AS-BENCH-CONE\nmembers: ";
  for (int i = 0; i < kMemberAsns; ++i)
    rpsl += (i ? ", AS" : "AS") + std::to_string(4'200'000'000u + static_cast<unsigned>(i));
  rpsl += "\nsource: BENCH\n\n";
  std::uint32_t block = 0;
  for (int a = 0; a < kMemberAsns + kOtherAsns; ++a) {
    const std::string origin = "AS" + std::to_string(4'200'000'000u + static_cast<unsigned>(a));
    for (int r = 0; r < kRoutesPerAsn; ++r, ++block) {
      rpsl += "route: " + std::to_string(1 + (block >> 16)) + "." +
              std::to_string((block >> 8) & 255) + "." + std::to_string(block & 255) +
              ".0/24\norigin: " + origin + "\nsource: BENCH\n\n";
    }
  }
  return rpsl;
}

std::vector<model::SessionRequest> sessions() {
  std::vector<model::SessionRequest> out;
  for (int i = 0; i < kSessions; ++i) {
    const bool v4 = i % 2 == 0;
    out.push_back(model::SessionRequest{
        .local_asn = asn(64501),
        .local_ip = *model::IpAddress::parse(v4 ? "192.0.2." + std::to_string(11 + i / 2)
                                                : "2001:db8::" + std::to_string(11 + i / 2)),
        .peer_asn = asn(64500),
        .peer_ip = *model::IpAddress::parse(v4 ? "192.0.2.10" : "2001:db8::10"),
        .local_bgp_role = model::BgpRole::peer,
        .peer_bgp_role = model::BgpRole::peer,
        .local_insert_asn = true,
        .peer_insert_asn = true,
        .local_monitoring_session = false,
        .peer_monitoring_session = false,
        .peer_type = model::LocationType::public_peering,
        .session_secret = std::nullopt,
        .location = model::LocationId::ix(static_cast<std::uint32_t>(1 + i % 5))});
  }
  return out;
}

policy::Rules rules() {
  policy::Rules r;
  r.min_prefixes4 = 1;
  r.max_prefixes4 = 100'000;
  r.require_irr_as_set = true;
  r.max_sessions_per_location = 50;
  r.max_sessions_total = 200;
  r.locations["pdb:ix:3"].route_server_only = false;
  r.review_when.push_back(policy::ReviewRule{.name = "v6 at ix 5",
                                             .asns = {},
                                             .locations = {"pdb:ix:5"},
                                             .policy_general = {},
                                             .info_types = {},
                                             .family = model::IpFamily::v6,
                                             .max_prefixes = std::nullopt});
  return r;
}

sources::peeringdb::Network network() {
  return sources::peeringdb::Network{.id = 1,
                                     .org_id = 1,
                                     .asn = asn(64501),
                                     .name = "Bench",
                                     .irr_as_set = "AS-BENCH-CONE",
                                     .info_prefixes4 = 10'000,
                                     .info_prefixes6 = 100,
                                     .policy_general = "Open",
                                     .info_type = "NSP"};
}

void BM_PolicyEvaluate(benchmark::State& state) {
  const auto requested = sessions();
  std::vector<const model::SessionRequest*> pointers;
  for (const auto& s : requested)
    pointers.push_back(&s);
  const auto record = network();
  policy::RequesterFacts facts(asn(64501));
  facts.network = &record;
  facts.irr = policy::IrrFacts{.as_set = "AS-BENCH-CONE",
                               .expanded = true,
                               .member_asns = kMemberAsns,
                               .routes = kMemberAsns * kRoutesPerAsn,
                               .rov = std::nullopt};
  facts.live_sessions_total = 10;
  facts.live_sessions_by_location["pdb:ix:1"] = 3;
  const policy::Rules policy_rules = rules();
  const policy::RequesterFacts all[] = {facts};
  for (auto _ : state) {
    auto decisions = policy::evaluate(pointers, policy_rules, all);
    benchmark::DoNotOptimize(decisions);
  }
  state.SetItemsProcessed(state.iterations() * kSessions);
}

void BM_RequestWithIrrFacts(benchmark::State& state) {
  static const peerapi::testing::TempDir dir;
  static const std::filesystem::path dump = [] {
    const auto path = dir.path() / "bench.db";
    std::ofstream(path) << synthetic_dump();
    return path;
  }();
  config::IrrSourceSection irr;
  irr.dumps = {dump};
  auto facts_source = server::IrrRoutingFacts::create(irr, {}, net::OutboundPolicy{});
  if (!facts_source)
    std::abort();
  const auto requested = sessions();
  std::vector<const model::SessionRequest*> pointers;
  for (const auto& s : requested)
    pointers.push_back(&s);
  const auto record = network();
  const policy::Rules policy_rules = rules();
  for (auto _ : state) {
    policy::RequesterFacts facts(asn(64501));
    facts.network = &record;
    auto irr_facts = (*facts_source)->irr_facts(asn(64501), &record);
    if (!irr_facts || irr_facts->routes != kMemberAsns * kRoutesPerAsn)
      state.SkipWithError("IRR facts wrong");
    facts.irr = std::move(*irr_facts);
    const policy::RequesterFacts all[] = {std::move(facts)};
    auto decisions = policy::evaluate(pointers, policy_rules, all);
    benchmark::DoNotOptimize(decisions);
  }
  state.SetLabel("100 sessions, AS-SET of 500 ASNs, 10,000 of 410,000 IRR routes");
}

}  // namespace

BENCHMARK(BM_PolicyEvaluate)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RequestWithIrrFacts)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
