// Validated ROA Payloads (RFC 6811 section 2) and the route origin validation states.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "model/asn.hpp"
#include "model/error.hpp"
#include "model/ip.hpp"

namespace peerapi::sources::rpki {

/// One VRP: a prefix, the longest route length it authorises, and the origin AS.
///
/// `asn` is the ROA's raw asID (RFC 6482 section 3.1), not a `model::Asn`: AS0 (RFC 6483
/// section 4, RFC 7607) and IANA-reserved numbers occur in published ROAs, and dropping them would
/// turn "invalid" routes into "not-found". An AS0 VRP covers routes but never matches an origin.
struct Vrp {
  model::Prefix prefix;
  std::uint8_t max_length = 0;
  std::uint32_t asn = 0;

  /// A VRP whose `max_length` is at least the prefix length and at most 32 (IPv4) or 128
  /// (IPv6) (RFC 6482 section 3.3); `out_of_range` at `max_length_field` otherwise.
  static Result<Vrp> make(const model::Prefix& prefix, std::int64_t max_length, std::uint32_t asn,
                          std::string_view max_length_field = "maxLength");

  /// True when the fields satisfy `make`'s rules (an aggregate can be filled by hand).
  [[nodiscard]] bool valid() const noexcept;

  auto operator<=>(const Vrp&) const = default;
};

/// RFC 6811 section 2 outcomes.
enum class RovState : std::uint8_t { valid, invalid, not_found };

/// "valid", "invalid" or "not-found".
std::string_view to_string(RovState state) noexcept;

/// The compact form of a VRP used by the table and the RTR client, without a text round trip
/// (RTR carries addresses as bytes, RFC 8210 sections 5.6 and 5.7). Constructed through
/// `make_record` or `to_record`, it always satisfies the same rules as `Vrp::make`.
struct VrpRecord {
  std::array<std::uint8_t, 16> address{};  // network order; IPv4 uses the first 4 bytes
  std::uint32_t asn = 0;
  model::IpFamily family = model::IpFamily::v4;
  std::uint8_t prefix_length = 0;
  std::uint8_t max_length = 0;

  auto operator<=>(const VrpRecord&) const = default;
};

/// Hash for unordered containers of records.
struct VrpRecordHash {
  std::size_t operator()(const VrpRecord& record) const noexcept;
};

/// A record from wire fields. `address` holds 4 (IPv4) or 16 (IPv6) bytes. Fails with
/// `out_of_range` at "<field>.prefix_length" when the prefix length exceeds the family's bits,
/// at "<field>.max_length" when the max length is below the prefix length or above the family's
/// bits, and with `invalid_value` at "<field>.prefix" when host bits are set.
Result<VrpRecord> make_record(model::IpFamily family, const std::uint8_t* address,
                              int prefix_length, int max_length, std::uint32_t asn,
                              std::string_view field = "");

VrpRecord to_record(const Vrp& vrp) noexcept;
/// The VRP a record describes (records are valid by construction, so this cannot fail for one
/// made by `make_record` or `to_record`).
Vrp to_vrp(const VrpRecord& record);

}  // namespace peerapi::sources::rpki
