// Route origin validation (RFC 6811) throughput on one core: 800,000 synthetic VRPs shaped like
// the 2026 global RPKI data (about 650k IPv4, 150k IPv6; mostly /24 and /48 with maxLength equal
// to the length, nested inside covering allocations) against a shuffled 1,000,000-route table
// (about 830k IPv4, 170k IPv6; half valid, a few percent invalid, the rest not covered).
// Also: VrpTable build time and memory, and parsing the same VRPs as rpki-client JSON.
//
//   cmake -S . -B build-rpki -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPEERAPI_BENCH=ON
//   cmake --build build-rpki --target rov_bench && build-rpki/bench/rov_bench
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "sources/rpki/vrp.hpp"
#include "sources/rpki/vrp_json.hpp"
#include "sources/rpki/vrp_table.hpp"

namespace {

using peerapi::model::Asn;
using peerapi::model::IpFamily;
using peerapi::model::Prefix;
using peerapi::sources::rpki::RovState;
using peerapi::sources::rpki::to_vrp;
using peerapi::sources::rpki::Vrp;
using peerapi::sources::rpki::VrpRecord;
using peerapi::sources::rpki::VrpTable;

constexpr std::size_t kVrps4 = 650'000;
constexpr std::size_t kVrps6 = 150'000;
constexpr std::size_t kRoutes4 = 830'000;
constexpr std::size_t kRoutes6 = 170'000;

void clear_host_bits(VrpRecord& r) {
  const int bits = r.family == IpFamily::v4 ? 32 : 128;
  for (int bit = r.prefix_length; bit < bits; ++bit)
    r.address[static_cast<std::size_t>(bit / 8)] &= static_cast<std::uint8_t>(~(0x80 >> (bit % 8)));
}

/// Picks a length from a weighted table of (length, weight).
template <std::size_t N>
int pick_length(std::mt19937_64& rng, const std::array<std::pair<int, int>, N>& table) {
  int total = 0;
  for (const auto& [length, weight] : table)
    total += weight;
  int roll = std::uniform_int_distribution<int>(0, total - 1)(rng);
  for (const auto& [length, weight] : table) {
    if (roll < weight)
      return length;
    roll -= weight;
  }
  return table.back().first;
}

struct World {
  std::vector<VrpRecord> vrps;
  std::vector<std::pair<Prefix, Asn>> routes;
  std::shared_ptr<const VrpTable> table;
};

VrpRecord random_v4(std::mt19937_64& rng, const std::vector<std::uint32_t>& blocks, int length) {
  VrpRecord r;
  r.family = IpFamily::v4;
  // An address inside one of the /12 blocks, so that VRPs nest and share space.
  const std::uint32_t block = blocks[rng() % blocks.size()];
  const std::uint32_t address = block | static_cast<std::uint32_t>(rng() & 0x000fffffu);
  for (int i = 0; i < 4; ++i)
    r.address[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(address >> (24 - 8 * i));
  r.prefix_length = static_cast<std::uint8_t>(length);
  clear_host_bits(r);
  return r;
}

VrpRecord random_v6(std::mt19937_64& rng, const std::vector<std::uint32_t>& blocks, int length) {
  VrpRecord r;
  r.family = IpFamily::v6;
  const std::uint32_t block = blocks[rng() % blocks.size()];  // top 20 bits of an RIR /20
  const std::uint64_t high = (std::uint64_t{block} << 44) | (rng() & 0x00000fffffffffffULL);
  for (int i = 0; i < 8; ++i)
    r.address[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(high >> (56 - 8 * i));
  r.prefix_length = static_cast<std::uint8_t>(length);
  clear_host_bits(r);
  return r;
}

World make_world() {
  std::mt19937_64 rng(8210);
  // The /12 blocks of 1.0.0.0-223.255.255.255, shuffled: 2,000 hold the VRPs (space whose
  // holders publish ROAs), 1,500 others hold the routes nobody made a ROA for.
  std::vector<std::uint32_t> all4;
  for (std::uint32_t block = 0x010; block <= 0xdff; ++block)
    all4.push_back(block << 20);
  std::shuffle(all4.begin(), all4.end(), rng);
  const std::vector<std::uint32_t> covered4(all4.begin(), all4.begin() + 2000);
  const std::vector<std::uint32_t> uncovered4(all4.begin() + 2000, all4.begin() + 3500);
  // IPv6 /20s where the RIRs allocate (2001::/16, 2400::/8, 2a00::/12) hold the VRPs; 2600::/8
  // /20s hold the uncovered routes.
  std::vector<std::uint32_t> covered6;
  for (int i = 0; i < 3000; ++i) {
    const int region = i % 3;
    covered6.push_back(region == 0   ? 0x20010u + static_cast<std::uint32_t>(rng() % 16)
                       : region == 1 ? 0x24000u + static_cast<std::uint32_t>(rng() % 0x100)
                                     : 0x2a000u + static_cast<std::uint32_t>(rng() % 0x100));
  }
  std::vector<std::uint32_t> uncovered6;
  for (std::uint32_t i = 0; i < 0x100; ++i)
    uncovered6.push_back(0x26000u + i);
  // Prefix lengths as in the 2026 VRP set: mostly /24 and /48, a few short covering prefixes.
  constexpr std::array<std::pair<int, int>, 9> lengths4{
      {{12, 1}, {14, 3}, {16, 40}, {18, 20}, {19, 25}, {20, 45}, {21, 50}, {22, 110}, {24, 700}}};
  constexpr std::array<std::pair<int, int>, 8> lengths6{
      {{24, 5}, {29, 40}, {32, 250}, {36, 40}, {40, 60}, {44, 80}, {46, 20}, {48, 500}}};

  World world;
  world.vrps.reserve(kVrps4 + kVrps6);
  const auto add = [&](VrpRecord r, int bits) {
    // 80% maxLength = length; the rest allow a few more bits.
    const int extra = rng() % 5 == 0 ? static_cast<int>(rng() % 9) : 0;
    r.max_length = static_cast<std::uint8_t>(std::min(bits, r.prefix_length + extra));
    // About 60,000 origin ASNs (4-byte, none reserved); 0.5% AS0.
    r.asn = rng() % 200 == 0 ? 0 : 200'000 + static_cast<std::uint32_t>(rng() % 60'000) * 7;
    world.vrps.push_back(r);
  };
  for (std::size_t i = 0; i < kVrps4; ++i)
    add(random_v4(rng, covered4, pick_length(rng, lengths4)), 32);
  for (std::size_t i = 0; i < kVrps6; ++i)
    add(random_v6(rng, covered6, pick_length(rng, lengths6)), 128);
  world.table = VrpTable::build(world.vrps);

  // Routes: 50% announced as a VRP allows (valid unless the VRP is AS0), 2% with another origin
  // or longer than maxLength (invalid), 48% from space without VRPs (not-found).
  world.routes.reserve(kRoutes4 + kRoutes6);
  const auto add_route = [&](IpFamily family) {
    const bool v4 = family == IpFamily::v4;
    const int bits = v4 ? 32 : 128;
    const int roll = static_cast<int>(rng() % 100);
    VrpRecord r;
    std::uint32_t origin = 0;
    if (roll < 52) {
      r = world.vrps[v4 ? rng() % kVrps4 : kVrps4 + rng() % kVrps6];
      origin = r.asn;
      if (roll < 50) {
        r.prefix_length = static_cast<std::uint8_t>(
            r.prefix_length + static_cast<int>(rng() % (r.max_length - r.prefix_length + 1)));
      } else if (rng() % 2 == 0 || r.max_length == bits) {
        origin += 1;
      } else {
        r.prefix_length = static_cast<std::uint8_t>(r.max_length + 1);
      }
    } else {
      r = v4 ? random_v4(rng, uncovered4, pick_length(rng, lengths4))
             : random_v6(rng, uncovered6, pick_length(rng, lengths6));
    }
    if (origin == 0)
      origin = 200'000 + static_cast<std::uint32_t>(rng() % 60'000) * 7;
    // Route origins must be holdable ASNs (model::Asn); step over the reserved ones.
    auto asn = Asn::from_number(origin);
    while (!asn)
      asn = Asn::from_number(++origin);
    clear_host_bits(r);
    world.routes.emplace_back(to_vrp(r).prefix, *asn);
  };
  for (std::size_t i = 0; i < kRoutes4; ++i)
    add_route(IpFamily::v4);
  for (std::size_t i = 0; i < kRoutes6; ++i)
    add_route(IpFamily::v6);
  std::shuffle(world.routes.begin(), world.routes.end(), rng);
  return world;
}

const World& world() {
  static const World built = make_world();
  return built;
}

void BM_Validate(benchmark::State& state, std::optional<IpFamily> only) {
  const World& w = world();
  std::vector<std::pair<Prefix, Asn>> routes;
  for (const auto& route : w.routes) {
    if (!only || route.first.family() == *only)
      routes.push_back(route);
  }
  std::array<std::size_t, 3> outcomes{};
  for (const auto& [prefix, origin] : routes)
    ++outcomes[static_cast<std::size_t>(w.table->validate(prefix, origin))];
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& [prefix, origin] = routes[i];
    benchmark::DoNotOptimize(w.table->validate(prefix, origin));
    if (++i == routes.size())
      i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["routes"] = static_cast<double>(routes.size());
  state.counters["valid%"] =
      100.0 * static_cast<double>(outcomes[0]) / static_cast<double>(routes.size());
  state.counters["invalid%"] =
      100.0 * static_cast<double>(outcomes[1]) / static_cast<double>(routes.size());
  state.counters["not_found%"] =
      100.0 * static_cast<double>(outcomes[2]) / static_cast<double>(routes.size());
}
BENCHMARK_CAPTURE(BM_Validate, mixed, std::nullopt);
BENCHMARK_CAPTURE(BM_Validate, ipv4, std::optional<IpFamily>(IpFamily::v4));
BENCHMARK_CAPTURE(BM_Validate, ipv6, std::optional<IpFamily>(IpFamily::v6));

void BM_Build(benchmark::State& state) {
  const World& w = world();
  std::vector<Vrp> vrps;
  vrps.reserve(w.vrps.size());
  for (const auto& r : w.vrps)
    vrps.push_back(to_vrp(r));
  std::shared_ptr<const VrpTable> table;
  for (auto _ : state) {
    auto copy = vrps;
    table = VrpTable::build(std::move(copy));
    benchmark::DoNotOptimize(table.get());
  }
  state.counters["vrps"] = static_cast<double>(table->size());
  state.counters["ipv4"] = static_cast<double>(table->ipv4_count());
  state.counters["ipv6"] = static_cast<double>(table->ipv6_count());
  state.counters["prefixes"] =
      static_cast<double>(table->ipv4_prefix_count() + table->ipv6_prefix_count());
  state.counters["MiB"] = static_cast<double>(table->memory_bytes()) / (1024.0 * 1024.0);
  state.counters["bytes/vrp"] =
      static_cast<double>(table->memory_bytes()) / static_cast<double>(table->size());
}
BENCHMARK(BM_Build)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_ParseJson(benchmark::State& state) {
  const World& w = world();
  std::string text = R"({"metadata": {"buildtime": "2026-11-23T12:00:00Z"}, "roas": [)";
  for (std::size_t i = 0; i < w.vrps.size(); ++i) {
    const Vrp vrp = to_vrp(w.vrps[i]);
    text += (i == 0 ? "{\"asn\": " : ",\n{\"asn\": ") + std::to_string(vrp.asn) +
            ", \"prefix\": \"" + vrp.prefix.to_string() +
            "\", \"maxLength\": " + std::to_string(vrp.max_length) +
            ", \"ta\": \"ripe\", \"expires\": 1900000000}";
  }
  text += "]}";
  std::size_t loaded = 0;
  for (auto _ : state) {
    peerapi::sources::rpki::VrpLoadReport report;
    auto vrps = peerapi::sources::rpki::parse_vrp_json(text, report);
    loaded = vrps ? vrps->size() : 0;
    benchmark::DoNotOptimize(vrps);
  }
  state.counters["vrps"] = static_cast<double>(loaded);
  state.counters["MB"] = static_cast<double>(text.size()) / 1e6;
}
BENCHMARK(BM_ParseJson)->Unit(benchmark::kMillisecond)->Iterations(2);

}  // namespace

BENCHMARK_MAIN();
