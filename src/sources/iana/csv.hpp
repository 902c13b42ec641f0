// The CSV dialect IANA publishes its registries in (RFC 4180): comma-separated fields, fields in
// double quotes may hold commas, line breaks and doubled quotes (""), records end with CRLF (IANA)
// or LF. Internal to sources/iana, exposed for its tests and fuzz target.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.hpp"

namespace peerapi::sources::iana {

/// Input larger than this is refused: IANA's registry files are a few kilobytes.
inline constexpr std::size_t kMaxCsvBytes = std::size_t{1} << 20;
/// More records than this are refused.
inline constexpr std::size_t kMaxCsvRecords = 10'000;
/// A record with more fields than this is refused.
inline constexpr std::size_t kMaxCsvFields = 64;

struct CsvRecord {
  std::size_t line = 0;  // 1-based line on which the record starts
  std::vector<std::string> fields;
};

/// Splits `text` into records (RFC 4180 section 2). Accepted beyond the RFC: LF or a lone CR as
/// record end, a UTF-8 byte order mark, blank lines (skipped), no line break after the last
/// record. Errors are invalid_value at field "<origin>:<line>": an unterminated quoted field
/// (named by the line where its quote opens), a character other than a comma or line break after
/// a closing quote, a quote inside an unquoted field, a control character other than TAB, or
/// input over the caps above.
Result<std::vector<CsvRecord>> parse_csv(std::string_view text, std::string_view origin);

}  // namespace peerapi::sources::iana
