// IANA registries peerapi derives its bogon filters from (RFC 7454 section 6.1), parsed from the
// CSV files IANA publishes:
//   - IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 section 2.2, with the column
//     "Global" renamed "Globally Reachable" and the value "N/A" allowed by RFC 8190 section 2),
//     https://www.iana.org/assignments/iana-ipv{4,6}-special-registry/
//   - IPv6 Global Unicast Address Assignments (IANA to RIRs),
//     https://www.iana.org/assignments/ipv6-unicast-address-assignments/
// The shipped snapshot lives in data/iana/ (see its README.md); `peerapi sync iana` replaces it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.hpp"
#include "model/ip.hpp"

namespace peerapi::sources::iana {

enum class RegistryKind : std::uint8_t { ipv4_special, ipv6_special, ipv6_unicast };

/// The file name a registry has in a data directory: "ipv4-special-registry.csv",
/// "ipv6-special-registry.csv", "ipv6-unicast-address-assignments.csv".
std::string_view file_name(RegistryKind kind) noexcept;
inline constexpr RegistryKind kAllRegistryKinds[] = {
    RegistryKind::ipv4_special, RegistryKind::ipv6_special, RegistryKind::ipv6_unicast};

/// A boolean column of the special-purpose registries (RFC 6890 section 2.2.2). `not_applicable`
/// is IANA's "N/A" (RFC 8190 section 2); `blank` only occurs in terminated entries.
enum class Flag : std::uint8_t { yes, no, not_applicable, blank };

/// One address block of a special-purpose registry. A row that lists several blocks in its
/// "Address Block" cell ("192.0.0.170/32, 192.0.0.171/32") gives one entry per block.
struct SpecialPurposeEntry {
  model::Prefix prefix;
  std::string name{};             // "Private-Use"
  std::string rfc{};              // the RFC cell as published: "[RFC1122], Section 3.2.1.3"
  std::string allocation_date{};  // "1996-02" or "1996-02-01"
  std::optional<std::string> termination_date{};  // nullopt for "N/A"
  Flag source = Flag::blank;
  Flag destination = Flag::blank;
  Flag forwardable = Flag::blank;
  Flag globally_reachable = Flag::blank;
  Flag reserved_by_protocol = Flag::blank;
  std::vector<int> footnotes{};  // footnote markers ("False [1]") found in the row, ascending
  std::size_t line = 0;          // where the row starts in its file
};

enum class AssignmentStatus : std::uint8_t { allocated, reserved };

/// One row of the IPv6 Global Unicast Address Assignments registry.
struct UnicastAssignment {
  model::Prefix prefix;
  std::string designation{};        // "APNIC", "RIPE NCC", "IANA", "6to4", ...
  std::string date{};               // "1999-07-01" or "2008-04"
  std::string whois{};              // "whois.apnic.net" or ""
  std::vector<std::string> rdap{};  // RDAP base URLs (IANA lists several in one cell)
  AssignmentStatus status = AssignmentStatus::reserved;
  std::string note{};
  std::size_t line = 0;

  /// True when the block is allocated to one of the five RIRs (AFRINIC, APNIC, ARIN, LACNIC,
  /// RIPE NCC); other ALLOCATED rows go to IANA itself (2001::/23), 6to4 or SRv6.
  [[nodiscard]] bool allocated_to_rir() const;
};

struct Registries {
  std::vector<SpecialPurposeEntry> ipv4_special;  // in file order
  std::vector<SpecialPurposeEntry> ipv6_special;
  std::vector<UnicastAssignment> ipv6_unicast;
};

/// Parses a special-purpose registry CSV of `family`. The header names the columns (any order,
/// unknown columns ignored): Address Block, Name, RFC, Allocation Date, Termination Date,
/// Source, Destination, Forwardable, Globally Reachable (or its RFC 6890 name "Global"),
/// Reserved-by-Protocol. Cells may carry footnote markers ("192.0.0.0/24 [2]", "False [1]").
/// Flags are True, False or N/A; a blank flag is accepted only in a terminated row (IANA leaves
/// them empty there). Errors name "<origin>:<line>:<column>": missing_field for a header
/// without a required column; invalid_value for a wrong field count, a bad or wrong-family
/// prefix, a bad flag or date, an empty name, or a block listed twice.
Result<std::vector<SpecialPurposeEntry>> parse_special_registry(std::string_view csv,
                                                                model::IpFamily family,
                                                                std::string_view origin);

/// Parses the IPv6 Global Unicast Address Assignments CSV. Required columns: Prefix,
/// Designation, Date, Status (ALLOCATED or RESERVED); WHOIS, RDAP and Note are read when
/// present. Errors as parse_special_registry.
Result<std::vector<UnicastAssignment>> parse_unicast_assignments(std::string_view csv,
                                                                 std::string_view origin);

/// One registry file whose kind was recognised from its content.
struct RegistryFile {
  RegistryKind kind = RegistryKind::ipv4_special;
  std::vector<SpecialPurposeEntry> special;  // for the special-purpose kinds
  std::vector<UnicastAssignment> unicast;    // for ipv6_unicast
};

/// Recognises a registry by its header (Address Block... or Prefix,Designation...) and, for a
/// special-purpose registry, by the family of its first block, then parses it completely.
/// invalid_value at "<origin>" when the content is neither registry.
Result<RegistryFile> parse_registry(std::string_view csv, std::string_view origin);

/// Reads one registry file whole: io_error at the path when it cannot be read, invalid_value
/// when it is larger than kMaxCsvBytes.
Result<std::string> read_registry_file(const std::filesystem::path& path);

/// Reads and parses the three files of `dir` (file_name()). io_error at the path when a file is
/// missing or unreadable; parse errors name the file.
Result<Registries> load(const std::filesystem::path& dir);

}  // namespace peerapi::sources::iana
