// libFuzzer target for VRP JSON documents (rpki-client -j, Routinator): parse, build the table,
// validate a few routes. The report must account for every entry, and the table must hold
// exactly the distinct VRPs returned.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "sources/rpki/vrp_json.hpp"
#include "sources/rpki/vrp_table.hpp"

using namespace peerapi::sources::rpki;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  VrpLoadReport report;
  auto vrps = parse_vrp_json(text, report);
  if (!vrps)
    return 0;
  if (report.loaded + report.skipped + report.expired != report.entries ||
      report.loaded != vrps->size() ||
      report.problems.size() != std::min(report.skipped, VrpLoadReport::kMaxListed))
    __builtin_trap();
  for (const auto& vrp : *vrps) {
    if (!vrp.valid())
      __builtin_trap();
  }
  auto distinct = *vrps;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  const auto table = VrpTable::build(*vrps);
  if (table->size() != distinct.size())
    __builtin_trap();
  const auto origin = *peerapi::model::Asn::from_number(64501);
  for (const auto& vrp : distinct) {
    // A VRP's own prefix is covered by it: never not-found; valid for its own non-zero origin.
    if (table->validate(vrp.prefix, origin) == RovState::not_found)
      __builtin_trap();
    if (auto own = peerapi::model::Asn::from_number(vrp.asn);
        own && table->validate(vrp.prefix, *own) != RovState::valid)
      __builtin_trap();
  }
  return 0;
}
