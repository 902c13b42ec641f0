#include "sources/iana/csv.hpp"

#include <utility>

namespace peerapi::sources::iana {

namespace {

std::string at_line(std::string_view origin, std::size_t line) {
  return std::string(origin) + ":" + std::to_string(line);
}

bool is_forbidden_control(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return (byte < 0x20 && c != '\t' && c != '\r' && c != '\n') || byte == 0x7f;
}

std::string shown_char(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x20 && byte < 0x7f)
    return std::string("'") + c + "'";
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string("byte 0x") + kHex[byte >> 4] + kHex[byte & 0x0f];
}

}  // namespace

Result<std::vector<CsvRecord>> parse_csv(std::string_view text, std::string_view origin) {
  if (text.size() > kMaxCsvBytes) {
    return fail(ErrorCode::invalid_value, std::string(origin),
                "file is " + std::to_string(text.size()) + " bytes, above the limit of " +
                    std::to_string(kMaxCsvBytes));
  }
  if (text.starts_with("\xEF\xBB\xBF"))
    text.remove_prefix(3);

  std::vector<CsvRecord> records;
  CsvRecord record;
  std::string field;
  std::size_t line = 1;
  std::size_t pos = 0;
  bool record_open = false;  // a field of the current record has started

  // Ends the current field; `last` also ends the record.
  auto end_field = [&](bool last) -> Result<void> {
    if (record.fields.size() >= kMaxCsvFields) {
      return fail(ErrorCode::invalid_value, at_line(origin, record.line),
                  "more than " + std::to_string(kMaxCsvFields) + " fields in one record");
    }
    record.fields.push_back(std::move(field));
    field.clear();
    if (!last)
      return {};
    const bool blank = record.fields.size() == 1 && record.fields.front().empty();
    if (!blank) {
      if (records.size() >= kMaxCsvRecords) {
        return fail(ErrorCode::invalid_value, at_line(origin, record.line),
                    "more than " + std::to_string(kMaxCsvRecords) + " records");
      }
      records.push_back(std::move(record));
    }
    record = CsvRecord{};
    record_open = false;
    return {};
  };
  // Consumes one line break at `pos` (CRLF, LF or CR); true when there was one.
  auto take_line_break = [&]() {
    if (pos < text.size() && text[pos] == '\r') {
      ++pos;
      if (pos < text.size() && text[pos] == '\n')
        ++pos;
      ++line;
      return true;
    }
    if (pos < text.size() && text[pos] == '\n') {
      ++pos;
      ++line;
      return true;
    }
    return false;
  };

  while (pos < text.size()) {
    if (!record_open) {
      record.line = line;
      record_open = true;
    }
    if (text[pos] == '"') {
      const std::size_t quote_line = line;
      ++pos;
      for (;;) {
        if (pos >= text.size()) {
          return fail(ErrorCode::invalid_value, at_line(origin, quote_line),
                      "quoted field is not closed before the end of the file");
        }
        const char c = text[pos];
        if (c == '"') {
          if (pos + 1 < text.size() && text[pos + 1] == '"') {
            field += '"';
            pos += 2;
            continue;
          }
          ++pos;
          break;
        }
        if (is_forbidden_control(c)) {
          return fail(ErrorCode::invalid_value, at_line(origin, line),
                      "control character " + shown_char(c) + " in a field");
        }
        if (c == '\r' || c == '\n') {
          // A line break inside quotes is part of the field; keep it as LF.
          take_line_break();
          field += '\n';
          continue;
        }
        field += c;
        ++pos;
      }
      if (pos < text.size() && text[pos] == ',') {
        ++pos;
        if (auto ended = end_field(false); !ended)
          return std::unexpected(ended.error());
        continue;
      }
      if (pos == text.size() || take_line_break()) {
        if (auto ended = end_field(true); !ended)
          return std::unexpected(ended.error());
        continue;
      }
      return fail(
          ErrorCode::invalid_value, at_line(origin, line),
          "expected a comma or a line break after a closing quote, got " + shown_char(text[pos]));
    }

    // An unquoted field: up to the next comma or line break.
    for (;;) {
      if (pos == text.size()) {
        if (auto ended = end_field(true); !ended)
          return std::unexpected(ended.error());
        break;
      }
      const char c = text[pos];
      if (c == ',') {
        ++pos;
        if (auto ended = end_field(false); !ended)
          return std::unexpected(ended.error());
        break;
      }
      if (c == '\r' || c == '\n') {
        take_line_break();
        if (auto ended = end_field(true); !ended)
          return std::unexpected(ended.error());
        break;
      }
      if (c == '"') {
        return fail(ErrorCode::invalid_value, at_line(origin, line),
                    "a double quote inside an unquoted field (RFC 4180 section 2, rule 5)");
      }
      if (is_forbidden_control(c)) {
        return fail(ErrorCode::invalid_value, at_line(origin, line),
                    "control character " + shown_char(c) + " in a field");
      }
      field += c;
      ++pos;
    }
  }
  if (record_open) {
    if (auto ended = end_field(true); !ended)
      return std::unexpected(ended.error());
  }
  return records;
}

}  // namespace peerapi::sources::iana
