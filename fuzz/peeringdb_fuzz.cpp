// libFuzzer target for the PeeringDB snapshot importer (DESIGN.md: a fuzz target for every parser
// of untrusted bytes). Input: one selector byte, then a PeeringDB API document. The selector picks
// the object type: '0' org, '1' net, '2' ix, '3' fac, '4' ixlan, '5' ixpfx, '6' netixlan,
// '7' netfac, '8' poc (any other byte wraps around). The document is added on top of a small valid
// world, so its references can resolve, and the snapshot is then built and queried.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "sources/peeringdb/snapshot.hpp"

namespace {

using peerapi::sources::peeringdb::kObjectTypes;
using peerapi::sources::peeringdb::SnapshotBuilder;

/// The world every input is added to: one org, two networks, one IX with one LAN and prefix,
/// one facility.
void add_base_world(SnapshotBuilder& builder) {
  static constexpr std::string_view kBase[][2] = {
      {"org", R"({"data": [{"id": 1, "name": "Org"}]})"},
      {"net", R"({"data": [{"id": 1, "org_id": 1, "asn": 64500, "name": "A"},
                           {"id": 2, "org_id": 1, "asn": 64501, "name": "B"}]})"},
      {"ix", R"({"data": [{"id": 1, "org_id": 1, "name": "IX"}]})"},
      {"fac", R"({"data": [{"id": 1, "org_id": 1, "name": "Fac"}]})"},
      {"ixlan", R"({"data": [{"id": 1, "ix_id": 1}]})"},
      {"ixpfx", R"({"data": [{"id": 1, "ixlan_id": 1, "protocol": "IPv4",
                              "prefix": "192.0.2.0/24"}]})"},
  };
  for (const auto& [type, text] : kBase) {
    if (!builder.add_document(type, text))
      __builtin_trap();  // the base world is valid by construction
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  const std::size_t selector = static_cast<std::uint8_t>(data[0] - '0') % kObjectTypes.size();
  const std::string_view document(reinterpret_cast<const char*>(data + 1), size - 1);

  SnapshotBuilder builder;
  add_base_world(builder);
  (void)builder.add_document(kObjectTypes[selector], document);
  const auto [snapshot, report] = std::move(builder).build();

  if (report.problems.size() > peerapi::sources::peeringdb::ImportReport::kMaxProblems)
    __builtin_trap();
  for (const std::uint32_t asn_value : {64500u, 64501u, 64502u}) {
    const auto asn = peerapi::model::Asn::from_number(asn_value);
    if (!asn)
      __builtin_trap();
    for (const std::uint32_t ix_id : snapshot->exchanges_of(*asn)) {
      for (const auto* port : snapshot->ports(*asn, ix_id)) {
        if (port->asn != *asn || port->ix_id != ix_id || snapshot->ixlan(port->ixlan_id) == nullptr)
          __builtin_trap();
      }
    }
    for (const std::uint32_t fac_id : snapshot->facilities_of(*asn)) {
      if (snapshot->facility(fac_id) == nullptr)
        __builtin_trap();
    }
    (void)snapshot->contacts(*asn);
  }
  (void)snapshot->ixlan_prefixes(1);
  return 0;
}
