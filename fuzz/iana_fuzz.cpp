// libFuzzer target for the IANA registry readers (DESIGN.md: a fuzz target for every parser of
// untrusted bytes; `peerapi sync iana` reads files an operator downloaded). The input is one CSV
// file: it goes through the RFC 4180 reader, through content recognition and, when it is a
// registry, into the bogon derivation, whose invariants are checked.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sources/iana/bogons.hpp"
#include "sources/iana/csv.hpp"
#include "sources/iana/registry.hpp"

namespace iana = peerapi::sources::iana;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto records = iana::parse_csv(text, "fuzz.csv")) {
    for (const auto& record : *records) {
      if (record.fields.empty() || record.fields.size() > iana::kMaxCsvFields || record.line == 0)
        __builtin_trap();
    }
  }
  // Both special-purpose families regardless of content, so every cell parser is reached.
  (void)iana::parse_special_registry(text, peerapi::model::IpFamily::v4, "fuzz.csv");
  (void)iana::parse_special_registry(text, peerapi::model::IpFamily::v6, "fuzz.csv");
  (void)iana::parse_unicast_assignments(text, "fuzz.csv");

  auto file = iana::parse_registry(text, "fuzz.csv");
  if (!file)
    return 0;
  iana::Registries registries;
  switch (file->kind) {
    case iana::RegistryKind::ipv4_special:
      registries.ipv4_special = file->special;
      break;
    case iana::RegistryKind::ipv6_special:
      registries.ipv6_special = file->special;
      break;
    case iana::RegistryKind::ipv6_unicast:
      registries.ipv6_unicast = file->unicast;
      break;
  }
  const iana::BogonSet set = iana::derive_bogons(registries);
  for (const auto* list : {&set.v4, &set.v6}) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const auto& entry = (*list)[i];
      if (i > 0 && !((*list)[i - 1].prefix < entry.prefix ||
                     ((*list)[i - 1].prefix == entry.prefix && (*list)[i - 1].match < entry.match)))
        __builtin_trap();  // sorted, no duplicates
      // Every entry is a bogon unless a longer permit covers it.
      if (!set.is_bogon(entry.prefix)) {
        const auto& permits = list == &set.v4 ? set.v4_permit : set.v6_permit;
        bool overridden = false;
        for (const auto& permit : permits)
          overridden |= iana::covers(permit.prefix, entry.prefix) &&
                        permit.prefix.length() > entry.prefix.length();
        if (!overridden)
          __builtin_trap();
      }
    }
  }
  for (const auto* list : {&set.v4_permit, &set.v6_permit}) {
    for (const auto& permit : *list) {
      if (set.is_bogon(permit.prefix))
        __builtin_trap();  // a permit is never a bogon
    }
  }
  return 0;
}
