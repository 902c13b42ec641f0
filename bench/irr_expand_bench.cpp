// AS-SET expansion and prefix-list aggregation at the size of a large transit customer cone
// (issue 4 target: expansion + aggregation of 10,000 member ASNs and 500,000 prefixes in <= 1 s).
//   BM_ExpandAsSet     expand_as_set over nested sets (101 sets, 3 levels, loops, overlaps)
//   BM_PrefixesFor     the union of the 10,000 ASNs' routes: 500,000 prefixes
//   BM_Aggregate       aggregate() of those 500,000 prefixes
//   BM_ExpandAndAggregate  the three together, as `peerapi irr expand --dump ... -A` runs them
//   BM_OverIrrd        the same through IrrdClient and the IRRd double on loopback (pipelined
//                      !gAS queries; one connection), to show the protocol's share
// Data: the sets and routes live in the map-backed test source. ASNs are private-use 32-bit
// (RFC 6996, 4200000000 + i); IPv4 prefixes are inside 10.0.0.0/8 (RFC 1918), one /22 per ASN
// with 50 of the 127 prefixes of length 22-28 inside it picked at random (seeded).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "sources/irr/aggregate.hpp"
#include "sources/irr/expand.hpp"
#include "sources/irr/irrd_client.hpp"
#include "sources/irr/irrd_double.hpp"
#include "sources/irr/memory_irr_source.hpp"

namespace peerapi::sources::irr {
namespace {

constexpr std::uint32_t kAsns = 10'000;
constexpr std::uint32_t kPrefixesPerAsn = 50;
constexpr std::uint32_t kFirstAsn = 4'200'000'000U;
constexpr std::uint32_t kSets = 100;

std::string asn_text(std::uint32_t i) {
  return "AS" + std::to_string(kFirstAsn + i);
}

/// The prefixes of ASN number `i`: 50 distinct prefixes of length 22-28 in its own /22.
std::vector<std::string> routes_of(std::uint32_t i, std::mt19937& random) {
  const std::uint32_t base = (10u << 24) + (i << 10);  // 10.0.0.0 + i * 1024
  std::vector<std::pair<std::uint32_t, int>> nodes;
  for (int length = 22; length <= 28; ++length) {
    for (std::uint32_t k = 0; k < (1u << (length - 22)); ++k)
      nodes.emplace_back(base + (k << (32 - length)), length);
  }
  std::shuffle(nodes.begin(), nodes.end(), random);
  std::vector<std::string> out;
  for (std::uint32_t n = 0; n < kPrefixesPerAsn; ++n) {
    const auto [address, length] = nodes[n];
    out.push_back(model::IpAddress::v4(address).to_string() + "/" + std::to_string(length));
  }
  return out;
}

/// AS-BENCH has 100 member sets of 100 ASNs each; every tenth set also names a sub-set with 20
/// ASNs of the next set (overlap) and AS-BENCH itself (a loop).
template <class Source>
void fill(Source& source) {
  std::mt19937 random(4);
  std::vector<std::string> top;
  for (std::uint32_t s = 0; s < kSets; ++s) {
    const std::string name = "AS-BENCH-" + std::to_string(s);
    top.push_back(name);
    std::vector<std::string> members;
    for (std::uint32_t k = 0; k < kAsns / kSets; ++k)
      members.push_back(asn_text(s * (kAsns / kSets) + k));
    if (s % 10 == 0) {
      const std::string sub = name + "-SUB";
      members.push_back(sub);
      std::vector<std::string> sub_members{"AS-BENCH"};
      for (std::uint32_t k = 0; k < 20; ++k)
        sub_members.push_back(asn_text(((s + 1) % kSets) * (kAsns / kSets) + k));
      source.add_set(sub, sub_members);
    }
    source.add_set(name, members);
  }
  source.add_set("AS-BENCH", top);
  for (std::uint32_t i = 0; i < kAsns; ++i) {
    for (const auto& prefix : routes_of(i, random))
      source.add_route(kFirstAsn + i, prefix);
  }
}

testing::MemoryIrrSource& memory_source() {
  static testing::MemoryIrrSource* source = [] {
    auto* s = new testing::MemoryIrrSource();
    fill(*s);
    return s;
  }();
  return *source;
}

std::vector<model::Asn> expanded_asns() {
  auto expansion = expand_as_set(memory_source(), "AS-BENCH");
  if (!expansion || expansion->asns.size() != kAsns)
    std::abort();
  return expansion->asns;
}

void BM_ExpandAsSet(benchmark::State& state) {
  auto& source = memory_source();
  std::size_t asns = 0;
  for (auto _ : state) {
    auto expansion = expand_as_set(source, "AS-BENCH");
    if (!expansion)
      state.SkipWithError(expansion.error().message.c_str());
    asns = expansion->asns.size();
    benchmark::DoNotOptimize(expansion);
  }
  state.counters["asns"] = static_cast<double>(asns);
}

void BM_PrefixesFor(benchmark::State& state) {
  auto& source = memory_source();
  const auto asns = expanded_asns();
  std::size_t prefixes = 0;
  for (auto _ : state) {
    auto found = prefixes_for(source, asns, model::IpFamily::v4);
    prefixes = found->size();
    benchmark::DoNotOptimize(found);
  }
  state.counters["prefixes"] = static_cast<double>(prefixes);
}

void BM_Aggregate(benchmark::State& state) {
  const auto prefixes = *prefixes_for(memory_source(), expanded_asns(), model::IpFamily::v4);
  std::size_t lines = 0;
  for (auto _ : state) {
    auto ranges = aggregate(prefixes);
    lines = ranges.size();
    benchmark::DoNotOptimize(ranges);
  }
  state.counters["prefixes"] = static_cast<double>(prefixes.size());
  state.counters["lines"] = static_cast<double>(lines);
}

void BM_ExpandAndAggregate(benchmark::State& state) {
  auto& source = memory_source();
  std::size_t prefixes = 0;
  std::size_t lines = 0;
  for (auto _ : state) {
    auto expansion = expand_as_set(source, "AS-BENCH");
    auto found = prefixes_for(source, expansion->asns, model::IpFamily::v4);
    auto ranges = aggregate(*found);
    prefixes = found->size();
    lines = ranges.size();
    benchmark::DoNotOptimize(ranges);
  }
  state.counters["prefixes"] = static_cast<double>(prefixes);
  state.counters["lines"] = static_cast<double>(lines);
}

void BM_OverIrrd(benchmark::State& state) {
  testing::IrrdDouble server;
  fill(server);
  IrrdClientOptions options;
  options.server = *IrrdEndpoint::parse(server.address());
  options.outbound.allow_loopback_http = true;  // the double listens on 127.0.0.1
  std::size_t prefixes = 0;
  std::size_t lines = 0;
  for (auto _ : state) {
    IrrdClient client(options);
    auto asns = client.expand_on_server("AS-BENCH");
    if (!asns) {
      state.SkipWithError(asns.error().message.c_str());
      break;
    }
    auto found = client.prefixes_for(*asns, model::IpFamily::v4);
    if (!found) {
      state.SkipWithError(found.error().message.c_str());
      break;
    }
    auto ranges = aggregate(*found);
    prefixes = found->size();
    lines = ranges.size();
    benchmark::DoNotOptimize(ranges);
  }
  state.counters["prefixes"] = static_cast<double>(prefixes);
  state.counters["lines"] = static_cast<double>(lines);
}

BENCHMARK(BM_ExpandAsSet)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PrefixesFor)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Aggregate)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExpandAndAggregate)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_OverIrrd)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace peerapi::sources::irr

BENCHMARK_MAIN();
