// Small readers for the text the daemons print (birdc, vtysh, bgpctl) and the files the drivers
// keep: shared by the state parsers and the drivers. Pure except read_text_file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.hpp"

namespace peerapi::router {

/// `text` without leading and trailing spaces, tabs and carriage returns.
std::string_view trim(std::string_view text);
/// The lines of `text` split at '\n' (a final line without '\n' included; '\r' kept).
std::vector<std::string_view> split_lines(std::string_view text);
/// The space- or tab-separated words of `line`.
std::vector<std::string_view> words(std::string_view line);
/// A decimal count of at most 10^12 (nothing a router reports is larger; so sums of counts
/// never overflow); nullopt for anything else, including "" and trailing characters.
std::optional<std::uint64_t> parse_count(std::string_view text);
/// `text` with the word after each "password" (a quoted one whole, up to its closing quote or
/// the line's end) replaced by "<secret>": daemon messages quote configuration lines, and a
/// session secret never appears in an error or a log line (DESIGN.md "Wire contract").
std::string redact_secrets(std::string_view text);
/// The whole file; io_error at its path when it cannot be read.
Result<std::string> read_text_file(const std::filesystem::path& path);

}  // namespace peerapi::router
