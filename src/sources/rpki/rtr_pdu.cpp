#include "sources/rpki/rtr_pdu.hpp"

#include <algorithm>
#include <type_traits>

namespace peerapi::sources::rpki::rtr {

namespace {

std::uint16_t read16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

std::uint32_t read32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

void put16(std::vector<std::uint8_t>& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

void put32(std::vector<std::uint8_t>& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(value >> shift));
}

/// Header with a placeholder length, patched by `finish`.
std::vector<std::uint8_t> header(std::uint8_t version, PduType type, std::uint16_t field) {
  std::vector<std::uint8_t> out;
  out.reserve(32);
  out.push_back(version);
  out.push_back(static_cast<std::uint8_t>(type));
  put16(out, field);
  put32(out, 0);
  return out;
}

std::vector<std::uint8_t> finish(std::vector<std::uint8_t> out) {
  const auto length = static_cast<std::uint32_t>(out.size());
  for (int i = 0; i < 4; ++i)
    out[static_cast<std::size_t>(4 + i)] = static_cast<std::uint8_t>(length >> (24 - 8 * i));
  return out;
}

std::unexpected<DecodeFailure> failure(ErrorReportCode report_code, ErrorCode code,
                                       std::string field, std::string message) {
  return std::unexpected(
      DecodeFailure{report_code, Error{code, std::move(field), std::move(message)}});
}

std::unexpected<DecodeFailure> bad_length(PduType type, std::size_t expected, std::size_t got) {
  return failure(ErrorReportCode::corrupt_data, ErrorCode::data_invalid, "pdu.length",
                 std::string(name_of(type)) + " PDU must be " + std::to_string(expected) +
                     " bytes, got " + std::to_string(got));
}

bool known_type(std::uint8_t version, std::uint8_t type) noexcept {
  switch (static_cast<PduType>(type)) {
    case PduType::serial_notify:
    case PduType::serial_query:
    case PduType::reset_query:
    case PduType::cache_response:
    case PduType::ipv4_prefix:
    case PduType::ipv6_prefix:
    case PduType::end_of_data:
    case PduType::cache_reset:
    case PduType::error_report:
      return true;
    case PduType::router_key:
      return version >= kVersion1;
  }
  return false;
}

std::expected<Pdu, DecodeFailure> decode_prefix(std::span<const std::uint8_t> pdu,
                                                std::uint8_t version, PduType type) {
  const bool v4 = type == PduType::ipv4_prefix;
  const std::size_t expected = v4 ? 20 : 32;
  if (pdu.size() != expected)
    return bad_length(type, expected, pdu.size());
  const std::size_t address_size = v4 ? 4 : 16;
  auto record =
      make_record(v4 ? model::IpFamily::v4 : model::IpFamily::v6, pdu.data() + 12, pdu[9], pdu[10],
                  read32(pdu.data() + 12 + address_size), v4 ? "ipv4_prefix" : "ipv6_prefix");
  if (!record) {
    return std::unexpected(DecodeFailure{
        ErrorReportCode::corrupt_data,
        Error{ErrorCode::data_invalid, record.error().field, record.error().message}});
  }
  return PrefixPdu{version, (pdu[8] & 0x01) != 0, *record};
}

std::expected<Pdu, DecodeFailure> decode_router_key(std::span<const std::uint8_t> pdu,
                                                    std::uint8_t version) {
  constexpr std::size_t kFixed = kHeaderSize + 20 + 4;
  if (pdu.size() < kFixed) {
    return failure(ErrorReportCode::corrupt_data, ErrorCode::data_invalid, "pdu.length",
                   "Router Key PDU must be at least " + std::to_string(kFixed) + " bytes, got " +
                       std::to_string(pdu.size()));
  }
  RouterKey key;
  key.version = version;
  key.announce = (pdu[2] & 0x01) != 0;
  std::copy_n(pdu.data() + kHeaderSize, key.ski.size(), key.ski.begin());
  key.asn = read32(pdu.data() + kHeaderSize + 20);
  key.spki.assign(pdu.begin() + kFixed, pdu.end());
  return key;
}

std::expected<Pdu, DecodeFailure> decode_error_report(std::span<const std::uint8_t> pdu,
                                                      std::uint8_t version) {
  if (pdu.size() < 16) {
    return failure(ErrorReportCode::corrupt_data, ErrorCode::data_invalid, "pdu.length",
                   "Error Report PDU must be at least 16 bytes, got " + std::to_string(pdu.size()));
  }
  const std::size_t pdu_length = read32(pdu.data() + 8);
  if (pdu_length > pdu.size() - 16) {
    return failure(ErrorReportCode::corrupt_data, ErrorCode::data_invalid,
                   "error_report.pdu_length",
                   "encapsulated PDU length " + std::to_string(pdu_length) +
                       " does not fit in a PDU of " + std::to_string(pdu.size()) + " bytes");
  }
  const std::size_t text_at = 12 + pdu_length;
  const std::size_t text_length = read32(pdu.data() + text_at);
  if (text_length != pdu.size() - text_at - 4) {
    return failure(ErrorReportCode::corrupt_data, ErrorCode::data_invalid,
                   "error_report.text_length",
                   "error text length " + std::to_string(text_length) + " leaves " +
                       std::to_string(pdu.size() - text_at - 4) + " bytes unaccounted for");
  }
  ErrorReport report;
  report.version = version;
  report.code = read16(pdu.data() + 2);
  report.pdu.assign(pdu.begin() + 12, pdu.begin() + static_cast<std::ptrdiff_t>(text_at));
  report.text.assign(reinterpret_cast<const char*>(pdu.data() + text_at + 4), text_length);
  return report;
}

}  // namespace

std::string to_string(ErrorReportCode code) {
  switch (code) {
    case ErrorReportCode::corrupt_data:
      return "Corrupt Data";
    case ErrorReportCode::internal_error:
      return "Internal Error";
    case ErrorReportCode::no_data_available:
      return "No Data Available";
    case ErrorReportCode::invalid_request:
      return "Invalid Request";
    case ErrorReportCode::unsupported_protocol_version:
      return "Unsupported Protocol Version";
    case ErrorReportCode::unsupported_pdu_type:
      return "Unsupported PDU Type";
    case ErrorReportCode::withdrawal_of_unknown_record:
      return "Withdrawal of Unknown Record";
    case ErrorReportCode::duplicate_announcement:
      return "Duplicate Announcement Received";
    case ErrorReportCode::unexpected_protocol_version:
      return "Unexpected Protocol Version";
  }
  return "error code " + std::to_string(static_cast<unsigned>(code));
}

std::uint8_t version_of(const Pdu& pdu) noexcept {
  return std::visit([](const auto& value) { return value.version; }, pdu);
}

PduType type_of(const Pdu& pdu) noexcept {
  return std::visit(
      [](const auto& value) {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, SerialNotify>)
          return PduType::serial_notify;
        else if constexpr (std::is_same_v<T, SerialQuery>)
          return PduType::serial_query;
        else if constexpr (std::is_same_v<T, ResetQuery>)
          return PduType::reset_query;
        else if constexpr (std::is_same_v<T, CacheResponse>)
          return PduType::cache_response;
        else if constexpr (std::is_same_v<T, PrefixPdu>)
          return value.vrp.family == model::IpFamily::v4 ? PduType::ipv4_prefix
                                                         : PduType::ipv6_prefix;
        else if constexpr (std::is_same_v<T, EndOfData>)
          return PduType::end_of_data;
        else if constexpr (std::is_same_v<T, CacheReset>)
          return PduType::cache_reset;
        else if constexpr (std::is_same_v<T, RouterKey>)
          return PduType::router_key;
        else
          return PduType::error_report;
      },
      pdu);
}

std::string_view name_of(PduType type) noexcept {
  switch (type) {
    case PduType::serial_notify:
      return "Serial Notify";
    case PduType::serial_query:
      return "Serial Query";
    case PduType::reset_query:
      return "Reset Query";
    case PduType::cache_response:
      return "Cache Response";
    case PduType::ipv4_prefix:
      return "IPv4 Prefix";
    case PduType::ipv6_prefix:
      return "IPv6 Prefix";
    case PduType::end_of_data:
      return "End of Data";
    case PduType::cache_reset:
      return "Cache Reset";
    case PduType::router_key:
      return "Router Key";
    case PduType::error_report:
      return "Error Report";
  }
  return "unknown";
}

std::expected<std::size_t, DecodeFailure> frame(std::span<const std::uint8_t> buffer) {
  if (buffer.size() < kHeaderSize)
    return 0;
  const std::size_t length = read32(buffer.data() + 4);
  if (length < kHeaderSize || length > kMaxPduSize) {
    return failure(ErrorReportCode::corrupt_data, ErrorCode::data_invalid, "pdu.length",
                   "PDU length " + std::to_string(length) + " is outside " +
                       std::to_string(kHeaderSize) + ".." + std::to_string(kMaxPduSize));
  }
  return length;
}

std::expected<Pdu, DecodeFailure> decode(std::span<const std::uint8_t> pdu) {
  const auto framed = frame(pdu);
  if (!framed)
    return std::unexpected(framed.error());
  if (*framed == 0 || *framed != pdu.size()) {
    return failure(ErrorReportCode::corrupt_data, ErrorCode::data_invalid, "pdu.length",
                   "PDU length field says " + std::to_string(*framed) + " bytes, got " +
                       std::to_string(pdu.size()));
  }
  const std::uint8_t version = pdu[0];
  const std::uint8_t raw_type = pdu[1];
  if (version > kVersion1) {
    return failure(
        ErrorReportCode::unsupported_protocol_version, ErrorCode::data_invalid, "pdu.version",
        "protocol version " + std::to_string(version) + " is not supported (0 and 1 are)");
  }
  if (!known_type(version, raw_type)) {
    return failure(ErrorReportCode::unsupported_pdu_type, ErrorCode::data_invalid, "pdu.type",
                   "PDU type " + std::to_string(raw_type) + " is not defined in version " +
                       std::to_string(version));
  }
  const auto type = static_cast<PduType>(raw_type);
  const std::uint16_t field = read16(pdu.data() + 2);
  switch (type) {
    case PduType::serial_notify:
    case PduType::serial_query: {
      if (pdu.size() != 12)
        return bad_length(type, 12, pdu.size());
      const std::uint32_t serial = read32(pdu.data() + 8);
      if (type == PduType::serial_notify)
        return SerialNotify{version, field, serial};
      return SerialQuery{version, field, serial};
    }
    case PduType::reset_query:
    case PduType::cache_reset:
      if (pdu.size() != kHeaderSize)
        return bad_length(type, kHeaderSize, pdu.size());
      if (type == PduType::reset_query)
        return ResetQuery{version};
      return CacheReset{version};
    case PduType::cache_response:
      if (pdu.size() != kHeaderSize)
        return bad_length(type, kHeaderSize, pdu.size());
      return CacheResponse{version, field};
    case PduType::ipv4_prefix:
    case PduType::ipv6_prefix:
      return decode_prefix(pdu, version, type);
    case PduType::end_of_data: {
      const std::size_t expected = version == kVersion0 ? 12 : 24;
      if (pdu.size() != expected)
        return bad_length(type, expected, pdu.size());
      EndOfData eod{version, field, read32(pdu.data() + 8), Timers{}};
      if (version >= kVersion1)
        eod.timers =
            Timers{read32(pdu.data() + 12), read32(pdu.data() + 16), read32(pdu.data() + 20)};
      return eod;
    }
    case PduType::router_key:
      return decode_router_key(pdu, version);
    case PduType::error_report:
      return decode_error_report(pdu, version);
  }
  return failure(ErrorReportCode::unsupported_pdu_type, ErrorCode::data_invalid, "pdu.type",
                 "unknown PDU type");
}

std::vector<std::uint8_t> encode(const Pdu& pdu) {
  return std::visit(
      [](const auto& value) -> std::vector<std::uint8_t> {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, SerialNotify> || std::is_same_v<T, SerialQuery>) {
          auto out = header(
              value.version,
              std::is_same_v<T, SerialNotify> ? PduType::serial_notify : PduType::serial_query,
              value.session_id);
          put32(out, value.serial);
          return finish(std::move(out));
        } else if constexpr (std::is_same_v<T, ResetQuery>) {
          return finish(header(value.version, PduType::reset_query, 0));
        } else if constexpr (std::is_same_v<T, CacheReset>) {
          return finish(header(value.version, PduType::cache_reset, 0));
        } else if constexpr (std::is_same_v<T, CacheResponse>) {
          return finish(header(value.version, PduType::cache_response, value.session_id));
        } else if constexpr (std::is_same_v<T, PrefixPdu>) {
          const bool v4 = value.vrp.family == model::IpFamily::v4;
          auto out = header(value.version, v4 ? PduType::ipv4_prefix : PduType::ipv6_prefix, 0);
          out.push_back(value.announce ? 1 : 0);
          out.push_back(value.vrp.prefix_length);
          out.push_back(value.vrp.max_length);
          out.push_back(0);
          out.insert(out.end(), value.vrp.address.begin(),
                     value.vrp.address.begin() + (v4 ? 4 : 16));
          put32(out, value.vrp.asn);
          return finish(std::move(out));
        } else if constexpr (std::is_same_v<T, EndOfData>) {
          auto out = header(value.version, PduType::end_of_data, value.session_id);
          put32(out, value.serial);
          if (value.version >= kVersion1) {
            put32(out, value.timers.refresh);
            put32(out, value.timers.retry);
            put32(out, value.timers.expire);
          }
          return finish(std::move(out));
        } else if constexpr (std::is_same_v<T, RouterKey>) {
          auto out = header(value.version, PduType::router_key, 0);
          out[2] = value.announce ? 1 : 0;
          out.insert(out.end(), value.ski.begin(), value.ski.end());
          put32(out, value.asn);
          out.insert(out.end(), value.spki.begin(), value.spki.end());
          return finish(std::move(out));
        } else {
          auto out = header(value.version, PduType::error_report, value.code);
          put32(out, static_cast<std::uint32_t>(value.pdu.size()));
          out.insert(out.end(), value.pdu.begin(), value.pdu.end());
          put32(out, static_cast<std::uint32_t>(value.text.size()));
          out.insert(out.end(), value.text.begin(), value.text.end());
          return finish(std::move(out));
        }
      },
      pdu);
}

ErrorReport make_error_report(std::uint8_t version, ErrorReportCode code,
                              std::span<const std::uint8_t> offending, std::string_view text) {
  constexpr std::size_t kBudget = kMaxPduSize - 16;
  ErrorReport report;
  report.version = version;
  report.code = static_cast<std::uint16_t>(code);
  const std::size_t pdu_size = std::min(offending.size(), kBudget / 2);
  report.pdu.assign(offending.begin(), offending.begin() + static_cast<std::ptrdiff_t>(pdu_size));
  report.text = std::string(text.substr(0, kBudget - pdu_size));
  return report;
}

}  // namespace peerapi::sources::rpki::rtr
