// VRP files as relying-party software writes them: rpki-client `-j` output
// ({"metadata": {...}, "roas": [{"asn": 64501, "prefix": "...", "maxLength": 24, "ta": "...",
// "expires": 1700000000}]}) and Routinator's `jsonext`/`json` output (same `roas` array, "asn"
// spelled "AS64501"). Other top-level members (metadata, aspas, bgpsec_keys) are ignored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

#include "model/error.hpp"
#include "sources/rpki/vrp.hpp"
#include "util/clock.hpp"

namespace peerapi::sources::rpki {

/// What a load did. Bad entries are skipped, counted and (up to kMaxListed) described.
struct VrpLoadReport {
  struct Skipped {
    std::size_t index = 0;  // position in `roas`
    Error error;            // field path such as "roas[3].maxLength"
  };
  static constexpr std::size_t kMaxListed = 1000;

  std::size_t entries = 0;        // elements of `roas`
  std::size_t loaded = 0;         // entries returned (duplicates included)
  std::size_t skipped = 0;        // bad entries
  std::size_t expired = 0;        // entries whose `expires` is not after the clock's time
  std::vector<Skipped> problems;  // the first kMaxListed bad entries
};

struct VrpJsonOptions {
  /// Documents larger than this are refused before parsing (the full global set in rpki-client's
  /// format is about 100 MB in 2026).
  std::size_t max_bytes = std::size_t{512} << 20;
  /// More `roas` entries than this make the document invalid.
  std::size_t max_entries = 10'000'000;
  /// When set, entries with an integer `expires` (Unix seconds, rpki-client) at or before the
  /// clock's time are dropped and counted in `expired`.
  const util::Clock* clock = nullptr;
};

/// Parses one VRP document. An entry needs `asn` (an integer 0..4294967295 or "AS<n>"), `prefix`
/// (no host bits) and `maxLength` (prefix length..32/128); `ta` and unknown members are ignored;
/// `expires`, when present, must be an integer. A bad entry is skipped with the first problem
/// found: `wrong_type`/`missing_field` for shape, `invalid_asn` for the ASN, `invalid_ip` or
/// `invalid_value` for the prefix, `out_of_range` for maxLength. Errors: `data_invalid` (field
/// "") when the text exceeds `max_bytes` or is not JSON; `data_invalid` (field "roas") when the
/// document is not an object with a `roas` array; `too_many_items` (field "roas") above
/// `max_entries`.
Result<std::vector<Vrp>> parse_vrp_json(std::string_view text, VrpLoadReport& report,
                                        const VrpJsonOptions& options = {});

/// Reads and parses a file. `io_error` (field "") when it cannot be read; `data_invalid` when it
/// is larger than `max_bytes` (checked before reading); otherwise as `parse_vrp_json`.
Result<std::vector<Vrp>> load_vrp_file(const std::filesystem::path& path, VrpLoadReport& report,
                                       const VrpJsonOptions& options = {});

}  // namespace peerapi::sources::rpki
