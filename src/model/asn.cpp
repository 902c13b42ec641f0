#include "model/asn.hpp"

#include <charconv>
#include <limits>

namespace peerapi::model {

namespace {
/// Why `value` cannot be an ASN a network holds, or nullptr when it can.
const char* reserved_reason(std::uint64_t value) {
  if (value == 0)
    return "AS0 is reserved (RFC 7607)";
  if (value == 23456)
    return "AS23456 is AS_TRANS (RFC 6793) and never a real ASN";
  if (value >= 64198 && value <= 64495)
    return "64198-64495 is reserved by IANA";
  if (value == 65535)
    return "AS65535 is reserved (RFC 7300)";
  if (value >= 65552 && value <= 131071)
    return "65552-131071 is reserved by IANA";
  if (value == 4294967295ULL)
    return "AS4294967295 is reserved (RFC 7300)";
  return nullptr;
}
}  // namespace

Result<Asn> Asn::from_number(std::int64_t value, std::string_view field) {
  if (value < 0 || value > std::int64_t{std::numeric_limits<std::uint32_t>::max()}) {
    return fail(ErrorCode::invalid_asn, std::string(field),
                "an ASN is an integer from 1 to 4294967294, got " + std::to_string(value));
  }
  if (const char* why = reserved_reason(static_cast<std::uint64_t>(value))) {
    return fail(ErrorCode::reserved_asn, std::string(field), why);
  }
  return Asn(static_cast<std::uint32_t>(value));
}

Result<Asn> Asn::parse(std::string_view text, std::string_view field) {
  std::string_view digits = text;
  if (digits.size() > 2 && (digits[0] == 'A' || digits[0] == 'a') &&
      (digits[1] == 'S' || digits[1] == 's')) {
    digits.remove_prefix(2);
  }
  std::uint64_t value = 0;
  const auto* end = digits.data() + digits.size();
  auto [ptr, ec] = std::from_chars(digits.data(), end, value);
  if (digits.empty() || ec != std::errc{} || ptr != end ||
      (digits.size() > 1 && digits[0] == '0')) {
    return fail(ErrorCode::invalid_asn, std::string(field),
                "expected an ASN such as 64500 or AS64500, got \"" +
                    std::string(text.substr(0, 40)) + "\"");
  }
  if (value > std::numeric_limits<std::uint32_t>::max()) {
    return fail(ErrorCode::invalid_asn, std::string(field),
                "an ASN is at most 4294967294, got " + std::string(digits.substr(0, 40)));
  }
  return from_number(static_cast<std::int64_t>(value), field);
}

std::string Asn::to_string() const {
  return "AS" + std::to_string(value_);
}

bool Asn::is_private() const noexcept {
  return (value_ >= 64512 && value_ <= 65534) || (value_ >= 4200000000U && value_ <= 4294967294U);
}

bool Asn::is_documentation() const noexcept {
  return (value_ >= 64496 && value_ <= 64511) || (value_ >= 65536 && value_ <= 65551);
}

}  // namespace peerapi::model
