#include "sources/peeringdb/row_reader.hpp"

#include <cstdio>
#include <limits>

namespace peerapi::sources::peeringdb::detail {

namespace {

constexpr std::size_t kShownStringChars = 64;
constexpr std::int64_t kMaxId = std::numeric_limits<std::uint32_t>::max();

std::string quoted(std::string_view text) {
  std::string out = "\"";
  const std::string_view shown = text.substr(0, kShownStringChars);
  for (const char c : shown) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f || c == '"' || c == '\\') {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  out += text.size() > kShownStringChars ? "...\"" : "\"";
  return out;
}

/// The integer in `value`, if it holds one; integers beyond int64 saturate (every caller's range
/// ends far below).
std::optional<std::int64_t> integer_of(const boost::json::value& value) {
  if (const auto* signed_value = value.if_int64())
    return *signed_value;
  if (const auto* unsigned_value = value.if_uint64()) {
    return *unsigned_value <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
               ? static_cast<std::int64_t>(*unsigned_value)
               : std::numeric_limits<std::int64_t>::max();
  }
  return std::nullopt;
}

std::string_view family_name(model::IpFamily family) {
  return family == model::IpFamily::v4 ? "IPv4" : "IPv6";
}

}  // namespace

std::string describe(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return value.get_bool() ? "true" : "false";
    case boost::json::kind::int64:
      return std::to_string(value.get_int64());
    case boost::json::kind::uint64:
      return std::to_string(value.get_uint64());
    case boost::json::kind::double_:
      return boost::json::serialize(value);
    case boost::json::kind::string:
      return quoted(value.get_string());
    case boost::json::kind::array:
      return "an array";
    case boost::json::kind::object:
      return "an object";
  }
  return "a value";
}

const boost::json::value* RowReader::find(std::string_view key) const {
  return row_.if_contains(key);
}

const boost::json::value* RowReader::find_non_null(std::string_view key) const {
  const boost::json::value* value = find(key);
  return value != nullptr && !value->is_null() ? value : nullptr;
}

void RowReader::report(std::string_view field, std::string message) {
  if (!problem_)
    problem_ = FieldProblem{std::string(field), std::move(message)};
}

std::optional<std::uint32_t> RowReader::bounded_integer(std::string_view key,
                                                        const boost::json::value& value,
                                                        std::int64_t minimum,
                                                        std::string_view expectation) {
  const std::optional<std::int64_t> number = integer_of(value);
  if (!number || *number < minimum || *number > kMaxId) {
    report(key, "expected " + std::string(expectation) + ", got " + describe(value));
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(*number);
}

bool RowReader::is_active() {
  if (!ok())
    return false;
  const boost::json::value* status = find("status");
  if (status == nullptr)
    return true;
  const auto* text = status->if_string();
  if (text == nullptr) {
    report("status", "expected a string, got " + describe(*status));
    return false;
  }
  return *text == "ok";
}

std::uint32_t RowReader::id(std::string_view key) {
  if (!ok())
    return 0;
  const boost::json::value* value = find(key);
  if (value == nullptr) {
    report(key, "required field is missing");
    return 0;
  }
  return bounded_integer(key, *value, 1, "an id from 1 to 4294967295").value_or(0);
}

std::uint32_t RowReader::optional_id(std::string_view key) {
  if (!ok())
    return 0;
  const boost::json::value* value = find_non_null(key);
  if (value == nullptr)
    return 0;
  return bounded_integer(key, *value, 1, "an id from 1 to 4294967295 or null").value_or(0);
}

std::optional<std::uint32_t> RowReader::optional_count(std::string_view key) {
  if (!ok())
    return std::nullopt;
  const boost::json::value* value = find_non_null(key);
  if (value == nullptr)
    return std::nullopt;
  return bounded_integer(key, *value, 0, "an integer from 0 to 4294967295 or null");
}

std::string RowReader::required_string(std::string_view key) {
  if (!ok())
    return {};
  const boost::json::value* value = find(key);
  if (value == nullptr) {
    report(key, "required field is missing");
    return {};
  }
  const auto* text = value->if_string();
  if (text == nullptr) {
    report(key, "expected a string, got " + describe(*value));
    return {};
  }
  return std::string(*text);
}

std::string RowReader::optional_string(std::string_view key) {
  if (!ok())
    return {};
  const boost::json::value* value = find_non_null(key);
  if (value == nullptr)
    return {};
  const auto* text = value->if_string();
  if (text == nullptr) {
    report(key, "expected a string or null, got " + describe(*value));
    return {};
  }
  return std::string(*text);
}

bool RowReader::optional_bool(std::string_view key, bool absent_value) {
  if (!ok())
    return absent_value;
  const boost::json::value* value = find_non_null(key);
  if (value == nullptr)
    return absent_value;
  const bool* flag = value->if_bool();
  if (flag == nullptr) {
    report(key, "expected true, false or null, got " + describe(*value));
    return absent_value;
  }
  return *flag;
}

std::optional<model::Asn> RowReader::asn(std::string_view key) {
  if (!ok())
    return std::nullopt;
  const boost::json::value* value = find(key);
  if (value == nullptr) {
    report(key, "required field is missing");
    return std::nullopt;
  }
  const std::optional<std::int64_t> number = integer_of(*value);
  if (!number || *number < 0 || *number > kMaxId) {
    report(key, "expected an integer ASN from 1 to 4294967294, got " + describe(*value));
    return std::nullopt;
  }
  auto asn = model::Asn::from_number(*number, key);
  if (!asn) {
    report(key, asn.error().message);
    return std::nullopt;
  }
  return *asn;
}

std::optional<model::IpAddress> RowReader::optional_address(std::string_view key,
                                                            model::IpFamily family) {
  if (!ok())
    return std::nullopt;
  const boost::json::value* value = find_non_null(key);
  if (value == nullptr)
    return std::nullopt;
  const auto* text = value->if_string();
  std::optional<model::IpAddress> address;
  if (text != nullptr) {
    if (auto parsed = model::IpAddress::parse(*text, key); parsed && parsed->family() == family)
      address = *parsed;
  }
  if (!address) {
    report(key,
           "expected an " + std::string(family_name(family)) + " address, got " + describe(*value));
  }
  return address;
}

std::optional<model::IpFamily> RowReader::protocol(std::string_view key) {
  if (!ok())
    return std::nullopt;
  const boost::json::value* value = find(key);
  if (value == nullptr) {
    report(key, "required field is missing");
    return std::nullopt;
  }
  if (const auto* text = value->if_string()) {
    if (*text == "IPv4")
      return model::IpFamily::v4;
    if (*text == "IPv6")
      return model::IpFamily::v6;
  }
  report(key, "expected \"IPv4\" or \"IPv6\", got " + describe(*value));
  return std::nullopt;
}

std::optional<model::Prefix> RowReader::prefix(std::string_view key) {
  if (!ok())
    return std::nullopt;
  const boost::json::value* value = find(key);
  if (value == nullptr) {
    report(key, "required field is missing");
    return std::nullopt;
  }
  const auto* text = value->if_string();
  if (text == nullptr) {
    report(key, "expected a prefix such as 192.0.2.0/24, got " + describe(*value));
    return std::nullopt;
  }
  auto parsed = model::Prefix::parse(*text, key);
  if (!parsed) {
    report(key, parsed.error().message);
    return std::nullopt;
  }
  return *parsed;
}

}  // namespace peerapi::sources::peeringdb::detail
