// Cross-check with the real bgpq4 (Debian package bgpq4): the IRRd double serves generated
// datasets, bgpq4 expands and aggregates them over the IRRd protocol (`-A -F "%n/%l{%a,%A}\n"`),
// and our IrrdClient + aggregate() must match exactly the same routes, line for line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "sources/irr/aggregate.hpp"
#include "sources/irr/expand.hpp"
#include "sources/irr/irrd_client.hpp"
#include "sources/irr/irrd_double.hpp"

namespace peerapi::sources::irr {
namespace {

constexpr const char* kBgpq4 = "/usr/bin/bgpq4";

model::Prefix prefix(const std::string& text) {
  auto parsed = model::Prefix::parse(text);
  if (!parsed)
    throw std::invalid_argument(text + ": " + parsed.error().message);
  return *parsed;
}

/// A block of documentation address space and the longest prefix length used inside it.
struct Space {
  model::Prefix base;
  int max_length;
};

/// Every prefix inside `space`.
std::vector<model::Prefix> enumerate(const Space& space) {
  std::vector<model::Prefix> out;
  const auto& bytes = space.base.network().bytes();
  for (int length = space.base.length(); length <= space.max_length; ++length) {
    const std::uint64_t count = std::uint64_t{1} << (length - space.base.length());
    for (std::uint64_t i = 0; i < count; ++i) {
      std::array<std::uint8_t, 16> b = bytes;
      // i becomes the bits base.length() .. length-1 of the address.
      std::uint64_t carry = i;
      for (int bit = length - 1; carry != 0; --bit, carry >>= 1) {
        if (carry & 1)
          b[static_cast<std::size_t>(bit / 8)] |= static_cast<std::uint8_t>(0x80 >> (bit % 8));
      }
      char text[64];
      if (space.base.family() == model::IpFamily::v4) {
        std::snprintf(text, sizeof text, "%u.%u.%u.%u/%d", b[0], b[1], b[2], b[3], length);
      } else {
        std::snprintf(text, sizeof text, "%x:%x:%x:%x:%x:%x:%x:%x/%d", (b[0] << 8) | b[1],
                      (b[2] << 8) | b[3], (b[4] << 8) | b[5], (b[6] << 8) | b[7],
                      (b[8] << 8) | b[9], (b[10] << 8) | b[11], (b[12] << 8) | b[13],
                      (b[14] << 8) | b[15], length);
      }
      out.push_back(prefix(text));
    }
  }
  return out;
}

struct Dataset {
  std::vector<Space> spaces;
  std::vector<model::Prefix> universe;  // every prefix of every space
  std::vector<model::Prefix> routes;    // the prefixes some member ASN originates
  bool expect_same_lines = false;       // aggregation is unambiguous: bgpq4's lines are ours
};

/// The 32 documentation ASNs (RFC 5398).
std::vector<std::uint32_t> documentation_asns() {
  std::vector<std::uint32_t> asns;
  for (std::uint32_t value = 64496; value <= 64511; ++value)
    asns.push_back(value);
  for (std::uint32_t value = 65536; value <= 65551; ++value)
    asns.push_back(value);
  return asns;
}

/// AS-CROSS: the documentation ASNs spread over two nested sets, with a loop back to the top.
void add_sets(testing::IrrdDouble& server) {
  const auto asns = documentation_asns();
  std::vector<std::string> a;
  std::vector<std::string> b;
  for (std::size_t i = 0; i < asns.size(); ++i)
    (i % 2 == 0 ? a : b).push_back("AS" + std::to_string(asns[i]));
  a.push_back("AS-CROSS-B");
  b.push_back("AS-CROSS");
  server.add_set("AS-CROSS", {"AS-CROSS-A", "AS64496"});
  server.add_set("AS-CROSS-A", a);
  server.add_set("AS-CROSS-B", b);
}

void set_spaces(Dataset& data, model::IpFamily family) {
  if (family == model::IpFamily::v4) {
    data.spaces = {{prefix("192.0.2.0/24"), 29},
                   {prefix("198.51.100.0/24"), 29},
                   {prefix("203.0.113.0/24"), 29}};
  } else {
    data.spaces = {{prefix("2001:db8::/40"), 46}, {prefix("2001:db8:ff00::/40"), 45}};
  }
  for (const auto& space : data.spaces) {
    const auto nodes = enumerate(space);
    data.universe.insert(data.universe.end(), nodes.begin(), nodes.end());
  }
}

/// Routes drawn at random from the documentation spaces of `family`, each originated by one or
/// two random member ASNs.
Dataset random_dataset(testing::IrrdDouble& server, model::IpFamily family, std::uint32_t seed,
                       double density) {
  add_sets(server);
  Dataset data;
  set_spaces(data, family);
  const auto asns = documentation_asns();
  std::mt19937 random(seed);
  std::bernoulli_distribution pick(density);
  std::uniform_int_distribution<std::size_t> origin(0, asns.size() - 1);
  for (const auto& node : data.universe) {
    if (!pick(random))
      continue;
    data.routes.push_back(node);
    server.add_route(asns[origin(random)], node.to_string());
    if (pick(random))
      server.add_route(asns[origin(random)], node.to_string());
  }
  return data;
}

/// The patterns operators register, each with one best answer: sibling pairs, a covering
/// prefix with all or some of its more-specifics, levels with a gap, lone routes.
Dataset pattern_dataset(testing::IrrdDouble& server, model::IpFamily family) {
  add_sets(server);
  Dataset data;
  data.expect_same_lines = true;
  set_spaces(data, family);
  const std::vector<std::string> v4 = {
      // 192.0.2.0/24 with both /25s (one range), and a lone /29.
      "192.0.2.0/24", "192.0.2.0/25", "192.0.2.128/25", "192.0.2.200/29",
      // Two sibling /26s without their /25; three of the four /28s of 198.51.100.128/26.
      "198.51.100.0/26", "198.51.100.64/26", "198.51.100.128/28", "198.51.100.144/28",
      "198.51.100.160/28",
      // 203.0.113.0/24, its /25s, no /26s, all eight /27s; plus two host-like /29s.
      "203.0.113.0/24", "203.0.113.0/25", "203.0.113.128/25", "203.0.113.0/27", "203.0.113.32/27",
      "203.0.113.64/27", "203.0.113.96/27", "203.0.113.128/27", "203.0.113.160/27",
      "203.0.113.192/27", "203.0.113.224/27"};
  const std::vector<std::string> v6 = {
      "2001:db8::/40",      "2001:db8::/41",      "2001:db8:80::/41",   "2001:db8:40::/44",
      "2001:db8:50::/44",   "2001:db8:ff00::/44", "2001:db8:ff10::/44", "2001:db8:ff20::/44",
      "2001:db8:ff80::/41", "2001:db8:ff80::/43", "2001:db8:ffa0::/43", "2001:db8:ffc0::/43",
      "2001:db8:ffe0::/43"};
  const auto asns = documentation_asns();
  std::size_t next = 0;
  for (const auto& text : family == model::IpFamily::v4 ? v4 : v6) {
    data.routes.push_back(prefix(text));
    server.add_route(asns[next++ % asns.size()], text);
  }
  return data;
}

/// Runs bgpq4 (30 s limit) and returns its exit status and standard output.
std::pair<int, std::string> run_bgpq4(std::uint16_t port, model::IpFamily family,
                                      const std::string& object) {
  const std::string command = std::string("timeout 30 ") + kBgpq4 +
                              " -h 127.0.0.1:" + std::to_string(port) + " -A " +
                              (family == model::IpFamily::v4 ? "-4" : "-6") +
                              " -p -F '%n/%l{%a,%A}\\n' " + object + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr)
    return {-1, ""};
  std::string out;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr)
    out += buffer.data();
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::vector<PrefixRange> parse_lines(const std::string& text) {
  std::vector<PrefixRange> out;
  std::size_t start = 0;
  std::size_t line_number = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.empty())
      continue;
    auto range = parse_prefix_range(line, "bgpq4[" + std::to_string(line_number++) + "]");
    if (!range)
      throw std::runtime_error("bgpq4 printed \"" + line + "\": " + range.error().message);
    out.push_back(*range);
  }
  return out;
}

bool covered(const std::vector<PrefixRange>& ranges, const model::Prefix& route) {
  return std::any_of(ranges.begin(), ranges.end(),
                     [&](const PrefixRange& r) { return matches(r, route); });
}

/// Line counts of one comparison.
struct Comparison {
  std::size_t routes = 0;
  std::size_t ours = 0;
  std::size_t theirs = 0;
  bool same_lines = false;
};

std::vector<std::string> lines_of(const std::vector<PrefixRange>& ranges) {
  std::vector<std::string> out;
  for (const auto& range : ranges)
    out.push_back(to_string(range));
  return out;
}

/// Serves `data` (already in `server`), runs bgpq4 and our client + aggregate() on it, and
/// asserts identical coverage.
Comparison compare(testing::IrrdDouble& server, const Dataset& data, model::IpFamily family) {
  Comparison out;
  auto [status, output] = run_bgpq4(server.port(), family, "AS-CROSS");
  EXPECT_EQ(status, 0) << output;
  std::vector<PrefixRange> theirs;
  EXPECT_NO_THROW(theirs = parse_lines(output)) << output;
  EXPECT_GE(server.count("!iAS-CROSS,1"), 1) << "bgpq4 expands on the server";

  IrrdClientOptions options;
  options.server = *IrrdEndpoint::parse(server.address());
  options.outbound.allow_loopback_http = true;  // the double listens on 127.0.0.1
  IrrdClient client(options);
  auto expansion = expand_as_set(client, "AS-CROSS");
  if (!expansion) {
    ADD_FAILURE() << expansion.error().message;
    return out;
  }
  auto routes = client.prefixes_for(expansion->asns, family);
  if (!routes) {
    ADD_FAILURE() << routes.error().message;
    return out;
  }
  std::vector<model::Prefix> expected_routes = data.routes;
  std::sort(expected_routes.begin(), expected_routes.end());
  expected_routes.erase(std::unique(expected_routes.begin(), expected_routes.end()),
                        expected_routes.end());
  EXPECT_EQ(*routes, expected_routes);
  const std::vector<PrefixRange> ours = aggregate(*routes);

  // Same coverage: inside the spaces, each route is matched by both lists or by neither, and
  // exactly when it was registered; no range of either list reaches outside the spaces.
  const std::set<model::Prefix> registered(data.routes.begin(), data.routes.end());
  for (const auto& node : data.universe) {
    EXPECT_EQ(covered(ours, node), registered.contains(node)) << "ours: " << node.to_string();
    EXPECT_EQ(covered(theirs, node), registered.contains(node)) << "bgpq4: " << node.to_string();
  }
  for (const std::vector<PrefixRange>* list :
       {&ours, static_cast<const std::vector<PrefixRange>*>(&theirs)}) {
    for (const auto& range : *list) {
      const bool inside = std::any_of(data.spaces.begin(), data.spaces.end(), [&](const Space& s) {
        return s.base.contains(range.prefix.network()) &&
               range.prefix.length() >= s.base.length() && range.max_length <= s.max_length;
      });
      EXPECT_TRUE(inside) << to_string(range) << " reaches outside the dataset";
    }
  }
  out.routes = expected_routes.size();
  out.ours = ours.size();
  out.theirs = theirs.size();
  out.same_lines = lines_of(ours) == lines_of(theirs);
  if (data.expect_same_lines) {
    EXPECT_EQ(lines_of(ours), lines_of(theirs));
  }
  return out;
}

class Bgpq4CrossCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kBgpq4)) {
      GTEST_SKIP() << "\n*** bgpq4 NOT INSTALLED: the bgpq4 cross-check did not run. Install "
                      "the Debian package `bgpq4` (apt-get install bgpq4; `make test` does it "
                      "through scripts/install-deps). ***";
    }
  }
};

TEST_F(Bgpq4CrossCheck, OperatorPatternsGiveBgpq4sLines) {
  for (const auto family : {model::IpFamily::v4, model::IpFamily::v6}) {
    testing::IrrdDouble server;
    const Dataset data = pattern_dataset(server, family);
    const Comparison result = compare(server, data, family);
    EXPECT_TRUE(result.same_lines);
    EXPECT_LT(result.ours, result.routes) << "the patterns do aggregate";
  }
}

/// Random datasets: the coverage must be identical. Where several covers exist bgpq4's
/// bottom-up merge and our per-length merge may pick different lines; ours must never be
/// longer.
void random_rounds(model::IpFamily family, std::initializer_list<std::uint32_t> seeds) {
  std::size_t ours = 0;
  std::size_t theirs = 0;
  std::size_t same = 0;
  std::size_t rounds = 0;
  for (const std::uint32_t seed : seeds) {
    for (const double density : {0.05, 0.2, 0.5, 0.8}) {
      SCOPED_TRACE("seed " + std::to_string(seed) + " density " + std::to_string(density));
      testing::IrrdDouble server;
      const Dataset data = random_dataset(server, family, seed, density);
      const Comparison result = compare(server, data, family);
      EXPECT_LE(result.ours, result.theirs);
      ours += result.ours;
      theirs += result.theirs;
      same += result.same_lines ? 1 : 0;
      ++rounds;
    }
  }
  std::printf(
      "bgpq4 cross-check IPv%d: %zu datasets, identical lines in %zu; %zu lines ours, "
      "%zu lines bgpq4\n",
      family == model::IpFamily::v4 ? 4 : 6, rounds, same, ours, theirs);
  ::testing::Test::RecordProperty("identical_datasets", static_cast<int>(same));
  ::testing::Test::RecordProperty("lines_ours", static_cast<int>(ours));
  ::testing::Test::RecordProperty("lines_bgpq4", static_cast<int>(theirs));
}

TEST_F(Bgpq4CrossCheck, Ipv4RandomCoverageMatches) {
  random_rounds(model::IpFamily::v4, {1, 2, 3, 4, 5});
}

TEST_F(Bgpq4CrossCheck, Ipv6RandomCoverageMatches) {
  random_rounds(model::IpFamily::v6, {11, 12, 13, 14, 15});
}

TEST_F(Bgpq4CrossCheck, UnknownSetIsAnErrorHereAndAnEmptyListInBgpq4) {
  testing::IrrdDouble server;
  auto [status, output] = run_bgpq4(server.port(), model::IpFamily::v4, "AS-NOWHERE");
  EXPECT_EQ(status, 0);
  EXPECT_EQ(output, "") << "bgpq4 prints an empty list for a set that does not exist";
  IrrdClientOptions options;
  options.server = *IrrdEndpoint::parse(server.address());
  options.outbound.allow_loopback_http = true;  // the double listens on 127.0.0.1
  IrrdClient client(options);
  EXPECT_EQ(client.expand_on_server("AS-NOWHERE").error().code, ErrorCode::not_found)
      << "we refuse instead: an empty filter would drop every route of the peer";
}

}  // namespace
}  // namespace peerapi::sources::irr
