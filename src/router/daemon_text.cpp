#include "router/daemon_text.hpp"

#include <charconv>
#include <fstream>
#include <sstream>

namespace peerapi::router {

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos)
    return {};
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos)
      break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t at = 0;
  while (at < line.size()) {
    const auto start = line.find_first_not_of(" \t", at);
    if (start == std::string_view::npos)
      break;
    const auto end = line.find_first_of(" \t", start);
    out.push_back(line.substr(start, end == std::string_view::npos ? end : end - start));
    at = end == std::string_view::npos ? line.size() : end;
  }
  return out;
}

std::optional<std::uint64_t> parse_count(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      value > 1'000'000'000'000)
    return std::nullopt;
  return value;
}

std::string redact_secrets(std::string_view text) {
  static constexpr std::string_view kWord = "password";
  std::string out;
  out.reserve(text.size());
  std::size_t at = 0;
  while (at < text.size()) {
    const auto found = text.find(kWord, at);
    if (found == std::string_view::npos) {
      out.append(text.substr(at));
      break;
    }
    const std::size_t after = found + kWord.size();
    out.append(text.substr(at, after - at));
    // The secret: the next word after blanks, with its quotes (OpenBGPD quotes it).
    std::size_t start = after;
    while (start < text.size() && (text[start] == ' ' || text[start] == '\t'))
      ++start;
    if (start == after || start >= text.size() || text[start] == '\n' || text[start] == '\r') {
      at = after;
      continue;
    }
    std::size_t end = start;
    if (text[start] == '"') {
      const auto close = text.find('"', start + 1);
      const auto line_end = text.find('\n', start + 1);
      end = close != std::string_view::npos && close < line_end ? close + 1 : line_end;
      if (end == std::string_view::npos)
        end = text.size();
    } else {
      while (end < text.size() && text[end] != ' ' && text[end] != '\t' && text[end] != '\n' &&
             text[end] != '\r')
        ++end;
    }
    out.append(text.substr(after, start - after));
    out.append("<secret>");
    at = end;
  }
  return out;
}

Result<std::string> read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return fail(ErrorCode::io_error, path.string(), "cannot open for reading");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return fail(ErrorCode::io_error, path.string(), "read failed");
  return std::move(text).str();
}

}  // namespace peerapi::router
