// Typed field access for one PeeringDB API row (a JSON object), with the first problem kept for
// the import report. Internal to sources/peeringdb.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/asn.hpp"
#include "model/ip.hpp"

namespace peerapi::sources::peeringdb::detail {

/// What is wrong with a row: the field concerned ("" for the row itself) and why.
struct FieldProblem {
  std::string field;
  std::string message;
};

/// A short, log-safe description of a JSON value for "got ..." messages: strings are quoted,
/// truncated and have control characters escaped; arrays and objects are named, not shown.
std::string describe(const boost::json::value& value);

/// Reads fields of one row. Absent and null are distinguished only where PeeringDB uses null
/// (optional fields). After the first problem, every read returns a default value and the
/// problem stays the first one found, so a row's reads can be written straight through.
class RowReader {
 public:
  explicit RowReader(const boost::json::object& row) : row_(row) {}

  /// `status`: true for "ok" or absent (PeeringDB only omits it when asked for other fields),
  /// false for any other string ("deleted", "pending").
  bool is_active();
  /// A required PeeringDB id or reference: an integer from 1 to 2^32-1.
  std::uint32_t id(std::string_view key);
  /// An optional reference: 0 when absent or null, else as `id`.
  std::uint32_t optional_id(std::string_view key);
  /// A non-negative integer below 2^32, or nullopt when absent or null.
  std::optional<std::uint32_t> optional_count(std::string_view key);
  /// A required string (may be empty).
  std::string required_string(std::string_view key);
  /// A string, or "" when absent or null.
  std::string optional_string(std::string_view key);
  /// A boolean, or `absent_value` when absent or null.
  bool optional_bool(std::string_view key, bool absent_value);
  /// A required integer ASN that a network can hold (model::Asn rules).
  std::optional<model::Asn> asn(std::string_view key);
  /// An address of `family`, or nullopt when absent or null.
  std::optional<model::IpAddress> optional_address(std::string_view key, model::IpFamily family);
  /// A required "IPv4" or "IPv6" (PeeringDB ixpfx `protocol`).
  std::optional<model::IpFamily> protocol(std::string_view key);
  /// A required prefix without host bits.
  std::optional<model::Prefix> prefix(std::string_view key);

  /// Records a problem found by the caller (kept only if it is the first).
  void report(std::string_view field, std::string message);

  [[nodiscard]] bool ok() const noexcept { return !problem_; }
  [[nodiscard]] const std::optional<FieldProblem>& problem() const noexcept { return problem_; }

 private:
  /// The field's value, or nullptr when absent.
  [[nodiscard]] const boost::json::value* find(std::string_view key) const;
  /// The field's value when it is present and not null; nullptr otherwise.
  [[nodiscard]] const boost::json::value* find_non_null(std::string_view key) const;
  /// The integer in `value` when it is one within [minimum, maximum]; else records
  /// "expected <expectation>, got ..." and returns nullopt.
  std::optional<std::uint32_t> bounded_integer(std::string_view key,
                                               const boost::json::value& value,
                                               std::int64_t minimum, std::string_view expectation);

  const boost::json::object& row_;
  std::optional<FieldProblem> problem_;
};

}  // namespace peerapi::sources::peeringdb::detail
