#include "sources/iana/registry.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include "sources/iana/csv.hpp"

namespace peerapi::sources::iana {

namespace {

constexpr std::string_view kWhitespace = " \t\r\n";

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos)
    return {};
  const auto last = text.find_last_not_of(kWhitespace);
  return text.substr(first, last - first + 1);
}

/// A cell value for messages: quoted, cut at 64 characters, line breaks and control characters
/// escaped.
std::string shown(std::string_view value) {
  std::string out = "\"";
  for (std::size_t i = 0; i < value.size() && i < 64; ++i) {
    const char c = value[i];
    if (c == '\n')
      out += "\\n";
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      out += '?';
    else
      out += c;
  }
  out += value.size() > 64 ? "...\"" : "\"";
  return out;
}

std::string cell_path(std::string_view origin, std::size_t line, std::string_view column) {
  return std::string(origin) + ":" + std::to_string(line) + ":" + std::string(column);
}

/// Removes footnote markers ("[1]", "[12]") from a cell, collecting their numbers, and trims the
/// rest. Bracketed text that is not a number ("[RFC791]") stays.
std::string strip_footnotes(std::string_view cell, std::vector<int>& notes) {
  std::string out;
  std::size_t pos = 0;
  while (pos < cell.size()) {
    if (cell[pos] == '[') {
      std::size_t end = pos + 1;
      int number = 0;
      while (end < cell.size() && end - pos <= 3 && cell[end] >= '0' && cell[end] <= '9') {
        number = number * 10 + (cell[end] - '0');
        ++end;
      }
      if (end > pos + 1 && end < cell.size() && cell[end] == ']') {
        notes.push_back(number);
        pos = end + 1;
        continue;
      }
    }
    out += cell[pos];
    ++pos;
  }
  return std::string(trim(out));
}

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int two_digits(std::string_view text) {
  return (text[0] - '0') * 10 + (text[1] - '0');
}

/// "YYYY-MM" or "YYYY-MM-DD" (IANA uses both).
bool valid_date(std::string_view text) {
  if (text.size() != 7 && text.size() != 10)
    return false;
  if (!all_digits(text.substr(0, 4)) || text[4] != '-' || !all_digits(text.substr(5, 2)))
    return false;
  const int month = two_digits(text.substr(5, 2));
  if (month < 1 || month > 12)
    return false;
  if (text.size() == 7)
    return true;
  if (text[7] != '-' || !all_digits(text.substr(8, 2)))
    return false;
  const int day = two_digits(text.substr(8, 2));
  return day >= 1 && day <= 31;
}

/// Column name -> index, from the header record.
class Header {
 public:
  Header(const CsvRecord& record, std::string_view origin) : origin_(origin), line_(record.line) {
    for (std::size_t i = 0; i < record.fields.size(); ++i)
      columns_.emplace(std::string(trim(record.fields[i])), i);
    width_ = record.fields.size();
  }

  /// The index of column `name`, or of `alias` when only that is present; missing_field
  /// naming `name` when neither is.
  Result<std::size_t> require(std::string_view name, std::string_view alias = {}) const {
    for (const std::string_view candidate : {name, alias}) {
      if (candidate.empty())
        continue;
      if (auto it = columns_.find(std::string(candidate)); it != columns_.end())
        return it->second;
    }
    return fail(ErrorCode::missing_field, cell_path(origin_, line_, name),
                "the header has no \"" + std::string(name) + "\" column");
  }
  [[nodiscard]] std::optional<std::size_t> optional(std::string_view name) const {
    if (auto it = columns_.find(std::string(name)); it != columns_.end())
      return it->second;
    return std::nullopt;
  }
  [[nodiscard]] bool has(std::string_view name) const {
    return columns_.contains(std::string(name));
  }
  [[nodiscard]] std::size_t width() const { return width_; }

 private:
  std::string_view origin_;
  std::size_t line_;
  std::map<std::string, std::size_t> columns_;
  std::size_t width_ = 0;
};

Result<std::vector<CsvRecord>> records_with_header(std::string_view csv, std::string_view origin) {
  auto records = parse_csv(csv, origin);
  if (!records)
    return std::unexpected(records.error());
  if (records->empty())
    return fail(ErrorCode::invalid_value, std::string(origin), "file is empty (no header line)");
  return records;
}

Result<void> check_width(const CsvRecord& record, const Header& header, std::string_view origin) {
  if (record.fields.size() != header.width()) {
    return fail(ErrorCode::invalid_value, std::string(origin) + ":" + std::to_string(record.line),
                "expected " + std::to_string(header.width()) + " fields as in the header, got " +
                    std::to_string(record.fields.size()));
  }
  return {};
}

/// Parses a list of prefixes of `family` from one cell ("a/n, b/m", footnotes already removed).
Result<std::vector<model::Prefix>> parse_blocks(std::string_view cell, model::IpFamily family,
                                                const std::string& path) {
  std::vector<model::Prefix> blocks;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = cell.find(',', start);
    const std::string_view item = trim(cell.substr(start, comma - start));
    if (item.empty()) {
      return fail(ErrorCode::invalid_value, path,
                  "expected a prefix or a comma-separated list of prefixes, got " + shown(cell));
    }
    auto prefix = model::Prefix::parse(item, path);
    if (!prefix)
      return fail(ErrorCode::invalid_value, path, prefix.error().message);
    if (prefix->family() != family) {
      return fail(ErrorCode::invalid_value, path,
                  "expected an IPv" + std::to_string(static_cast<int>(family)) + " prefix, got " +
                      shown(item));
    }
    blocks.push_back(*prefix);
    if (comma == std::string_view::npos)
      break;
    start = comma + 1;
  }
  return blocks;
}

struct SpecialColumns {
  std::size_t block, name, rfc, allocation, termination, source, destination, forwardable, global,
      reserved;
};

Result<SpecialColumns> special_columns(const Header& header) {
  SpecialColumns c{};
  struct Wanted {
    std::size_t* slot;
    std::string_view name;
    std::string_view alias;
  };
  const Wanted wanted[] = {
      {&c.block, "Address Block", {}},
      {&c.name, "Name", {}},
      {&c.rfc, "RFC", {}},
      {&c.allocation, "Allocation Date", {}},
      {&c.termination, "Termination Date", {}},
      {&c.source, "Source", {}},
      {&c.destination, "Destination", {}},
      {&c.forwardable, "Forwardable", {}},
      // RFC 8190 section 2 renamed RFC 6890's "Global" to "Globally Reachable".
      {&c.global, "Globally Reachable", "Global"},
      {&c.reserved, "Reserved-by-Protocol", {}},
  };
  for (const Wanted& column : wanted) {
    auto index = header.require(column.name, column.alias);
    if (!index)
      return std::unexpected(index.error());
    *column.slot = *index;
  }
  return c;
}

Result<Flag> parse_flag(std::string_view cell, bool terminated, std::vector<int>& notes,
                        const std::string& path) {
  const std::string value = strip_footnotes(cell, notes);
  if (value == "True")
    return Flag::yes;
  if (value == "False")
    return Flag::no;
  if (value == "N/A")
    return Flag::not_applicable;
  if (value.empty() && terminated)
    return Flag::blank;
  return fail(ErrorCode::invalid_value, path,
              std::string("expected True, False or N/A") +
                  (terminated ? " (or empty in a terminated row)" : "") + ", got " + shown(cell));
}

}  // namespace

std::string_view file_name(RegistryKind kind) noexcept {
  switch (kind) {
    case RegistryKind::ipv4_special:
      return "ipv4-special-registry.csv";
    case RegistryKind::ipv6_special:
      return "ipv6-special-registry.csv";
    case RegistryKind::ipv6_unicast:
      return "ipv6-unicast-address-assignments.csv";
  }
  return "";
}

bool UnicastAssignment::allocated_to_rir() const {
  static constexpr std::array<std::string_view, 5> kRirs = {"AFRINIC", "APNIC", "ARIN", "LACNIC",
                                                            "RIPE NCC"};
  return status == AssignmentStatus::allocated &&
         std::find(kRirs.begin(), kRirs.end(), designation) != kRirs.end();
}

Result<std::vector<SpecialPurposeEntry>> parse_special_registry(std::string_view csv,
                                                                model::IpFamily family,
                                                                std::string_view origin) {
  auto records = records_with_header(csv, origin);
  if (!records)
    return std::unexpected(records.error());
  const Header header(records->front(), origin);
  auto columns = special_columns(header);
  if (!columns)
    return std::unexpected(columns.error());
  const SpecialColumns& c = *columns;

  std::vector<SpecialPurposeEntry> entries;
  std::map<model::Prefix, std::size_t> line_of_block;
  for (std::size_t r = 1; r < records->size(); ++r) {
    const CsvRecord& record = (*records)[r];
    if (auto width = check_width(record, header, origin); !width)
      return std::unexpected(width.error());
    const auto& f = record.fields;
    auto path = [&](std::string_view column) { return cell_path(origin, record.line, column); };

    std::vector<int> notes;
    const std::string block_cell = strip_footnotes(f[c.block], notes);
    auto blocks = parse_blocks(block_cell, family, path("Address Block"));
    if (!blocks)
      return std::unexpected(blocks.error());

    SpecialPurposeEntry entry{.prefix = blocks->front(), .line = record.line};
    entry.name = std::string(trim(f[c.name]));
    if (entry.name.empty())
      return fail(ErrorCode::invalid_value, path("Name"), "the name is empty");
    entry.rfc = std::string(trim(f[c.rfc]));
    entry.allocation_date = std::string(trim(f[c.allocation]));
    if (!valid_date(entry.allocation_date)) {
      return fail(ErrorCode::invalid_value, path("Allocation Date"),
                  "expected YYYY-MM or YYYY-MM-DD, got " + shown(f[c.allocation]));
    }
    const std::string termination = strip_footnotes(f[c.termination], notes);
    if (termination != "N/A") {
      if (!valid_date(termination)) {
        return fail(ErrorCode::invalid_value, path("Termination Date"),
                    "expected N/A, YYYY-MM or YYYY-MM-DD, got " + shown(f[c.termination]));
      }
      entry.termination_date = termination;
    }
    const bool terminated = entry.termination_date.has_value();
    const std::pair<Flag*, std::pair<std::size_t, std::string_view>> flags[] = {
        {&entry.source, {c.source, "Source"}},
        {&entry.destination, {c.destination, "Destination"}},
        {&entry.forwardable, {c.forwardable, "Forwardable"}},
        {&entry.globally_reachable, {c.global, "Globally Reachable"}},
        {&entry.reserved_by_protocol, {c.reserved, "Reserved-by-Protocol"}},
    };
    for (const auto& [slot, column] : flags) {
      auto flag = parse_flag(f[column.first], terminated, notes, path(column.second));
      if (!flag)
        return std::unexpected(flag.error());
      *slot = *flag;
    }
    std::sort(notes.begin(), notes.end());
    notes.erase(std::unique(notes.begin(), notes.end()), notes.end());
    entry.footnotes = std::move(notes);

    for (const model::Prefix& block : *blocks) {
      const auto [it, inserted] = line_of_block.emplace(block, record.line);
      if (!inserted) {
        return fail(ErrorCode::invalid_value, path("Address Block"),
                    block.to_string() + " is already listed on line " + std::to_string(it->second));
      }
      entry.prefix = block;
      entries.push_back(entry);
    }
  }
  return entries;
}

Result<std::vector<UnicastAssignment>> parse_unicast_assignments(std::string_view csv,
                                                                 std::string_view origin) {
  auto records = records_with_header(csv, origin);
  if (!records)
    return std::unexpected(records.error());
  const Header header(records->front(), origin);
  std::size_t prefix_column = 0, designation_column = 0, date_column = 0, status_column = 0;
  const std::pair<std::size_t*, std::string_view> wanted[] = {{&prefix_column, "Prefix"},
                                                              {&designation_column, "Designation"},
                                                              {&date_column, "Date"},
                                                              {&status_column, "Status"}};
  for (const auto& [slot, name] : wanted) {
    auto index = header.require(name);
    if (!index)
      return std::unexpected(index.error());
    *slot = *index;
  }
  const std::optional<std::size_t> whois_column = header.optional("WHOIS");
  const std::optional<std::size_t> rdap_column = header.optional("RDAP");
  const std::optional<std::size_t> note_column = header.optional("Note");

  std::vector<UnicastAssignment> assignments;
  std::map<model::Prefix, std::size_t> line_of_prefix;
  for (std::size_t r = 1; r < records->size(); ++r) {
    const CsvRecord& record = (*records)[r];
    if (auto width = check_width(record, header, origin); !width)
      return std::unexpected(width.error());
    const auto& f = record.fields;
    auto path = [&](std::string_view column) { return cell_path(origin, record.line, column); };

    std::vector<int> notes;
    const std::string prefix_cell = strip_footnotes(f[prefix_column], notes);
    auto prefix = model::Prefix::parse(prefix_cell, path("Prefix"));
    if (!prefix)
      return fail(ErrorCode::invalid_value, path("Prefix"), prefix.error().message);
    if (prefix->family() != model::IpFamily::v6) {
      return fail(ErrorCode::invalid_value, path("Prefix"),
                  "expected an IPv6 prefix, got " + shown(prefix_cell));
    }
    UnicastAssignment row{.prefix = *prefix, .line = record.line};
    row.designation = std::string(trim(f[designation_column]));
    if (row.designation.empty())
      return fail(ErrorCode::invalid_value, path("Designation"), "the designation is empty");
    row.date = std::string(trim(f[date_column]));
    if (!valid_date(row.date)) {
      return fail(ErrorCode::invalid_value, path("Date"),
                  "expected YYYY-MM or YYYY-MM-DD, got " + shown(f[date_column]));
    }
    const std::string_view status = trim(f[status_column]);
    if (status == "ALLOCATED") {
      row.status = AssignmentStatus::allocated;
    } else if (status == "RESERVED") {
      row.status = AssignmentStatus::reserved;
    } else {
      return fail(ErrorCode::invalid_value, path("Status"),
                  "expected ALLOCATED or RESERVED, got " + shown(f[status_column]));
    }
    if (whois_column)
      row.whois = std::string(trim(f[*whois_column]));
    if (rdap_column) {
      std::istringstream urls{std::string(f[*rdap_column])};
      for (std::string url; urls >> url;)
        row.rdap.push_back(url);
    }
    if (note_column)
      row.note = std::string(trim(f[*note_column]));

    const auto [it, inserted] = line_of_prefix.emplace(row.prefix, record.line);
    if (!inserted) {
      return fail(
          ErrorCode::invalid_value, path("Prefix"),
          row.prefix.to_string() + " is already listed on line " + std::to_string(it->second));
    }
    assignments.push_back(std::move(row));
  }
  return assignments;
}

Result<RegistryFile> parse_registry(std::string_view csv, std::string_view origin) {
  auto records = records_with_header(csv, origin);
  if (!records)
    return std::unexpected(records.error());
  const Header header(records->front(), origin);
  RegistryFile file;
  if (header.has("Address Block")) {
    // The family of the first block decides which registry this is; every row must match it.
    model::IpFamily family = model::IpFamily::v4;
    if (records->size() > 1) {
      const auto block = header.optional("Address Block");
      const CsvRecord& first = (*records)[1];
      if (*block < first.fields.size() && first.fields[*block].find(':') != std::string::npos)
        family = model::IpFamily::v6;
    }
    auto entries = parse_special_registry(csv, family, origin);
    if (!entries)
      return std::unexpected(entries.error());
    file.kind =
        family == model::IpFamily::v4 ? RegistryKind::ipv4_special : RegistryKind::ipv6_special;
    file.special = std::move(*entries);
    return file;
  }
  if (header.has("Prefix") && header.has("Designation")) {
    auto rows = parse_unicast_assignments(csv, origin);
    if (!rows)
      return std::unexpected(rows.error());
    file.kind = RegistryKind::ipv6_unicast;
    file.unicast = std::move(*rows);
    return file;
  }
  return fail(ErrorCode::invalid_value, std::string(origin),
              "not an IANA registry this program reads: expected the header of a special-purpose "
              "address registry (Address Block, Name, ...) or of the IPv6 unicast address "
              "assignments (Prefix, Designation, ...)");
}

Result<std::string> read_registry_file(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec)
    return fail(ErrorCode::io_error, path.string(), "cannot read: " + ec.message());
  if (size > kMaxCsvBytes) {
    return fail(ErrorCode::invalid_value, path.string(),
                "file is " + std::to_string(size) + " bytes, above the limit of " +
                    std::to_string(kMaxCsvBytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return fail(ErrorCode::io_error, path.string(), "cannot open for reading");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return fail(ErrorCode::io_error, path.string(), "read failed");
  return text.str();
}

Result<Registries> load(const std::filesystem::path& dir) {
  Registries registries;
  for (const RegistryKind kind : kAllRegistryKinds) {
    const std::filesystem::path path = dir / file_name(kind);
    auto text = read_registry_file(path);
    if (!text)
      return std::unexpected(text.error());
    const std::string origin = path.string();
    switch (kind) {
      case RegistryKind::ipv4_special:
      case RegistryKind::ipv6_special: {
        const auto family =
            kind == RegistryKind::ipv4_special ? model::IpFamily::v4 : model::IpFamily::v6;
        auto entries = parse_special_registry(*text, family, origin);
        if (!entries)
          return std::unexpected(entries.error());
        (kind == RegistryKind::ipv4_special ? registries.ipv4_special : registries.ipv6_special) =
            std::move(*entries);
        break;
      }
      case RegistryKind::ipv6_unicast: {
        auto rows = parse_unicast_assignments(*text, origin);
        if (!rows)
          return std::unexpected(rows.error());
        registries.ipv6_unicast = std::move(*rows);
        break;
      }
    }
  }
  return registries;
}

}  // namespace peerapi::sources::iana
