// The RPKI-to-Router protocol PDUs (RFC 8210 section 5, version 1; RFC 6810 section 5, version
// 0) as typed values, with a pure codec: bytes -> PDU or a typed failure naming the Error Report
// code (RFC 8210 section 12) the receiver answers with. No I/O.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/error.hpp"
#include "sources/rpki/vrp.hpp"

namespace peerapi::sources::rpki::rtr {

inline constexpr std::uint8_t kVersion0 = 0;  // RFC 6810
inline constexpr std::uint8_t kVersion1 = 1;  // RFC 8210
inline constexpr std::size_t kHeaderSize = 8;
/// The largest PDU accepted. Fixed-size PDUs are at most 32 bytes; this bounds the variable
/// ones (Router Key, Error Report) so a bad length field cannot make a reader buffer much.
inline constexpr std::size_t kMaxPduSize = 64 * 1024;

/// RFC 8210 section 5 PDU types.
enum class PduType : std::uint8_t {
  serial_notify = 0,
  serial_query = 1,
  reset_query = 2,
  cache_response = 3,
  ipv4_prefix = 4,
  ipv6_prefix = 6,
  end_of_data = 7,
  cache_reset = 8,
  router_key = 9,  // version 1 only
  error_report = 10,
};

/// RFC 8210 section 12 Error Report codes. All are fatal (the connection is dropped) except
/// `no_data_available`.
enum class ErrorReportCode : std::uint16_t {
  corrupt_data = 0,
  internal_error = 1,
  no_data_available = 2,
  invalid_request = 3,
  unsupported_protocol_version = 4,
  unsupported_pdu_type = 5,
  withdrawal_of_unknown_record = 6,
  duplicate_announcement = 7,
  unexpected_protocol_version = 8,
};

/// "Corrupt Data", "No Data Available", ...; "error code <n>" for codes outside section 12.
std::string to_string(ErrorReportCode code);

/// RFC 8210 section 6 defaults and bounds, in seconds.
struct Timers {
  std::uint32_t refresh = 3600;  // 1..86400
  std::uint32_t retry = 600;     // 1..7200
  std::uint32_t expire = 7200;   // 600..172800
};

struct SerialNotify {  // 5.2
  std::uint8_t version = kVersion1;
  std::uint16_t session_id = 0;
  std::uint32_t serial = 0;
  auto operator<=>(const SerialNotify&) const = default;
};
struct SerialQuery {  // 5.3
  std::uint8_t version = kVersion1;
  std::uint16_t session_id = 0;
  std::uint32_t serial = 0;
  auto operator<=>(const SerialQuery&) const = default;
};
struct ResetQuery {  // 5.4
  std::uint8_t version = kVersion1;
  auto operator<=>(const ResetQuery&) const = default;
};
struct CacheResponse {  // 5.5
  std::uint8_t version = kVersion1;
  std::uint16_t session_id = 0;
  auto operator<=>(const CacheResponse&) const = default;
};
/// IPv4 Prefix (5.6) or IPv6 Prefix (5.7), by `vrp.family`. Flags bit 0: 1 announce, 0
/// withdraw; the other flag bits are ignored on input and sent as zero.
struct PrefixPdu {
  std::uint8_t version = kVersion1;
  bool announce = true;
  VrpRecord vrp;
  auto operator<=>(const PrefixPdu&) const = default;
};
/// 5.8. Version 0 carries only the serial (RFC 6810 section 5.8); `timers` then holds the
/// defaults and is not encoded.
struct EndOfData {
  std::uint8_t version = kVersion1;
  std::uint16_t session_id = 0;
  std::uint32_t serial = 0;
  Timers timers;
  bool operator==(const EndOfData& other) const {
    return version == other.version && session_id == other.session_id && serial == other.serial &&
           timers.refresh == other.timers.refresh && timers.retry == other.timers.retry &&
           timers.expire == other.timers.expire;
  }
};
struct CacheReset {  // 5.9
  std::uint8_t version = kVersion1;
  auto operator<=>(const CacheReset&) const = default;
};
/// 5.10, version 1 only. Decoded so its framing is checked; the client does not use it.
struct RouterKey {
  std::uint8_t version = kVersion1;
  bool announce = true;
  std::array<std::uint8_t, 20> ski{};
  std::uint32_t asn = 0;
  std::vector<std::uint8_t> spki;
  auto operator<=>(const RouterKey&) const = default;
};
/// 5.11. `code` is kept raw: an unknown code is still a well-formed report.
struct ErrorReport {
  std::uint8_t version = kVersion1;
  std::uint16_t code = 0;
  std::vector<std::uint8_t> pdu;  // the erroneous PDU, possibly empty
  std::string text;               // diagnostic text (UTF-8 by the RFC; not checked)
  auto operator<=>(const ErrorReport&) const = default;
};

using Pdu = std::variant<SerialNotify, SerialQuery, ResetQuery, CacheResponse, PrefixPdu, EndOfData,
                         CacheReset, RouterKey, ErrorReport>;

[[nodiscard]] std::uint8_t version_of(const Pdu& pdu) noexcept;
[[nodiscard]] PduType type_of(const Pdu& pdu) noexcept;
/// "Serial Notify", "IPv4 Prefix", ... for logs.
[[nodiscard]] std::string_view name_of(PduType type) noexcept;

/// Why bytes are not a PDU: the Error Report code to answer with and a peerapi error whose field
/// path names the offending PDU field ("pdu.length", "pdu.version", "pdu.type",
/// "ipv4_prefix.max_length", "error_report.text_length", ...).
struct DecodeFailure {
  ErrorReportCode report_code = ErrorReportCode::corrupt_data;
  Error error;
};

/// Framing: the total length of the PDU starting at `buffer[0]`, or 0 when fewer than
/// kHeaderSize bytes are available. Fails (corrupt_data, "pdu.length") when the length field is
/// below kHeaderSize or above kMaxPduSize; the version and type are checked by `decode`.
std::expected<std::size_t, DecodeFailure> frame(std::span<const std::uint8_t> buffer);

/// Decodes exactly one PDU (`pdu.size()` must equal its length field, as `frame` returns).
/// Versions 0 and 1 are known (others: unsupported_protocol_version); a type unknown in the PDU's
/// version is unsupported_pdu_type; a wrong fixed length, inconsistent inner lengths, or an
/// impossible prefix (length above 32/128, max length below the length or above 32/128, host
/// bits set) is corrupt_data.
std::expected<Pdu, DecodeFailure> decode(std::span<const std::uint8_t> pdu);

/// The wire form of `pdu` in its own version (End of Data timers only for version >= 1).
std::vector<std::uint8_t> encode(const Pdu& pdu);

/// An Error Report answering `offending` (truncated to keep the report within kMaxPduSize).
ErrorReport make_error_report(std::uint8_t version, ErrorReportCode code,
                              std::span<const std::uint8_t> offending, std::string_view text);

}  // namespace peerapi::sources::rpki::rtr
