#include "sources/irr/rpsl_parser.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <limits>

#include "util/ascii.hpp"

namespace peerapi::sources::irr {

namespace {

constexpr bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r';
}

/// Empty, or only spaces, tabs and CR: an object separator (RFC 2622 section 2).
bool is_blank(std::string_view line) noexcept {
  return std::all_of(line.begin(), line.end(), is_space);
}

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && is_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_space(text.back()))
    text.remove_suffix(1);
  return text;
}

/// A value segment without its "#" comment (RFC 2622 section 2) and surrounding whitespace.
std::string_view clean_segment(std::string_view segment) noexcept {
  if (const void* hash = std::memchr(segment.data(), '#', segment.size()))
    segment = segment.substr(
        0, static_cast<std::size_t>(static_cast<const char*>(hash) - segment.data()));
  return trim(segment);
}

constexpr bool is_letter(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

constexpr bool is_name_char(char c) noexcept {
  return is_letter(c) || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/// The first bytes of `line` for a problem message, non-printable bytes as \xNN.
std::string excerpt(std::string_view line) {
  constexpr std::size_t kShown = 40;
  std::string out = "\"";
  for (const char c : line.substr(0, kShown)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f && c != '"' && c != '\\') {
      out += c;
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  out += line.size() > kShown ? "...\"" : "\"";
  return out;
}

}  // namespace

bool RpslAttribute::is(std::string_view other) const noexcept {
  return util::iequals(name, other);
}

bool RpslObject::is_class(std::string_view name) const noexcept {
  return util::iequals(class_name(), name);
}

const RpslAttribute* RpslObject::find(std::string_view name) const noexcept {
  for (const auto& attribute : attributes_) {
    if (attribute.is(name))
      return &attribute;
  }
  return nullptr;
}

std::size_t RpslObject::count(std::string_view name) const noexcept {
  return static_cast<std::size_t>(
      std::count_if(attributes_.begin(), attributes_.end(),
                    [name](const RpslAttribute& attribute) { return attribute.is(name); }));
}

std::string_view RpslObject::source() const noexcept {
  const auto* attribute = find("source");
  return attribute != nullptr ? attribute->value : std::string_view{};
}

RpslList::iterator& RpslList::iterator::operator++() noexcept {
  while (rest_.data() != nullptr) {
    const auto comma = rest_.find(',');
    item_ = trim(rest_.substr(0, comma));
    rest_ = comma == std::string_view::npos ? std::string_view{} : rest_.substr(comma + 1);
    if (!item_.empty()) {
      done_ = false;
      return *this;
    }
  }
  done_ = true;
  item_ = {};
  return *this;
}

bool is_list_attribute(std::string_view name) noexcept {
  static constexpr std::string_view kLists[] = {"members", "mp-members", "mbrs-by-ref", "member-of",
                                                "mnt-by"};
  return std::any_of(std::begin(kLists), std::end(kLists),
                     [name](std::string_view list) { return util::iequals(name, list); });
}

RpslParser::RpslParser(RpslHandler& handler, RpslLimits limits)
    : handler_(handler), limits_(limits) {
  // max_object_bytes + max_line_bytes + 1, saturating.
  const std::size_t most = std::numeric_limits<std::size_t>::max();
  carry_limit_ = limits_.max_object_bytes >= most - limits_.max_line_bytes - 1
                     ? most
                     : limits_.max_object_bytes + limits_.max_line_bytes + 1;
}

void RpslParser::skip(std::size_t line, std::string message) {
  ++stats_.skipped;
  RpslProblem problem{line, std::move(message)};
  handler_.on_skipped(problem);
  if (stats_.problems.size() < limits_.max_problems)
    stats_.problems.push_back(std::move(problem));
  else
    ++stats_.problems_not_listed;
}

// Reads the object whose first line starts at `begin` (line `line_`): every line up to its blank
// line, or to the end of `data` when `final`; otherwise it stops before a line without newline.
// Fills attributes_/pending_/joined_ and finds the object's first problem. Checks per line, in
// this order: length (a long line is never blank), blank (the end), object size, syntax.
RpslParser::Scan RpslParser::scan_object(std::string_view data, std::size_t begin, bool final) {
  const char* const base = data.data();
  const std::size_t size = data.size();
  attributes_.clear();
  pending_.clear();
  joined_.clear();
  Scan scan;
  scan.end = begin;
  scan.next_line = line_;
  const std::size_t object_line = line_;
  while (scan.end < size) {
    const void* newline = std::memchr(base + scan.end, '\n', size - scan.end);
    if (newline == nullptr && !final)
      return scan;  // a partial line: the rest comes with the next chunk
    const std::size_t end =
        newline == nullptr ? size
                           : static_cast<std::size_t>(static_cast<const char*>(newline) - base);
    std::string_view line(base + scan.end, end - scan.end);
    const std::size_t this_line = scan.next_line;
    scan.end = newline == nullptr ? size : end + 1;
    ++scan.next_line;
    const bool long_line = line.size() > limits_.max_line_bytes;
    if (!long_line && is_blank(line)) {
      scan.complete = true;
      return scan;
    }
    if (!scan.problem.empty())
      continue;
    if (long_line) {
      scan.problem_line = this_line;
      scan.problem = "line longer than " + std::to_string(limits_.max_line_bytes) + " bytes";
      continue;
    }
    if (end - begin > limits_.max_object_bytes) {
      scan.problem_line = object_line;
      scan.problem = "object longer than " + std::to_string(limits_.max_object_bytes) + " bytes";
      continue;
    }
    if (line.back() == '\r')
      line.remove_suffix(1);
    const char lead = line[0];
    if (lead == '#' || lead == '%')
      continue;
    if (lead == ' ' || lead == '\t' || lead == '+') {
      // RFC 2622 section 2: a continuation of the previous attribute's value.
      if (attributes_.empty()) {
        scan.problem_line = this_line;
        scan.problem = "continuation line before any attribute";
        continue;
      }
      const std::string_view segment = clean_segment(line.substr(1));
      if (segment.empty())
        continue;
      const std::size_t index = attributes_.size() - 1;
      RpslAttribute& attribute = attributes_[index];
      if (pending_.empty() || pending_.back().index != index) {
        if (attribute.value.empty()) {
          attribute.value = segment;
          continue;
        }
        pending_.push_back({index, joined_.size(), 0});
        joined_.append(attribute.value);
      }
      joined_ += ' ';
      joined_.append(segment);
      pending_.back().size = joined_.size() - pending_.back().offset;
      continue;
    }
    std::size_t name_end = 0;
    while (name_end < line.size() && is_name_char(line[name_end]))
      ++name_end;
    if (!is_letter(lead) || name_end == line.size() || line[name_end] != ':') {
      scan.problem_line = this_line;
      scan.problem = "expected \"attribute: value\", got " + excerpt(line);
      continue;
    }
    if (attributes_.size() >= limits_.max_attributes) {
      scan.problem_line = this_line;
      scan.problem = "more than " + std::to_string(limits_.max_attributes) + " attributes";
      continue;
    }
    attributes_.push_back(
        {line.substr(0, name_end), clean_segment(line.substr(name_end + 1)), this_line});
  }
  scan.complete = final;
  return scan;
}

// Parses the objects of `data` from its start. When `final` is false, stops before an object
// (or a line) that may go on in the next chunk and returns its offset; otherwise consumes all.
// `line_` follows the consumed input.
std::size_t RpslParser::consume(std::string_view data, bool final) {
  const char* const base = data.data();
  const std::size_t size = data.size();
  std::size_t pos = 0;
  while (pos < size) {
    // Between objects: blank lines and comment lines (of sane length).
    const void* newline = std::memchr(base + pos, '\n', size - pos);
    if (newline == nullptr && !final)
      return pos;
    const std::size_t end =
        newline == nullptr ? size
                           : static_cast<std::size_t>(static_cast<const char*>(newline) - base);
    const std::string_view first(base + pos, end - pos);
    if (first.size() <= limits_.max_line_bytes &&
        (is_blank(first) || first[0] == '#' || first[0] == '%')) {
      pos = newline == nullptr ? size : end + 1;
      ++line_;
      ++stats_.lines;
      continue;
    }
    Scan scan = scan_object(data, pos, final);
    if (!scan.complete)
      return pos;
    const std::size_t object_line = line_;
    stats_.lines += scan.next_line - line_;
    line_ = scan.next_line;
    pos = scan.end;
    if (!scan.problem.empty()) {
      skip(scan.problem_line, std::move(scan.problem));
      continue;
    }
    assert(!attributes_.empty());  // the first line is an attribute or a problem
    for (const auto& value : pending_)
      attributes_[value.index].value = std::string_view(joined_.data() + value.offset, value.size);
    ++stats_.objects;
    handler_.on_object(RpslObject(attributes_, object_line));
  }
  return pos;
}

// The carried input is an open object (or a line between objects) longer than
// max_object_bytes + max_line_bytes + 1. Its first problem is therefore already decided: a
// problem in its complete lines (which reach past max_object_bytes unless the partial last line
// is longer than max_line_bytes), or else that partial line's length. Reports it exactly as the
// whole text would, and drops the object up to its blank line.
void RpslParser::drop_carried_object() {
  Scan scan = scan_object(carry_, 0, false);
  assert(!scan.complete);
  if (!scan.problem.empty())
    skip(scan.problem_line, std::move(scan.problem));
  else
    skip(scan.next_line, "line longer than " + std::to_string(limits_.max_line_bytes) + " bytes");
  stats_.lines += scan.next_line - line_;
  line_ = scan.next_line;
  const std::string_view partial = std::string_view(carry_).substr(scan.end);
  skip_line_length_ = partial.size();
  skip_line_blank_ = is_blank(partial);
  skipping_ = true;
  std::string().swap(carry_);
}

// Drops input up to and including the next blank line (of at most max_line_bytes); returns what
// follows it ("" while that line has not come yet).
std::string_view RpslParser::skip_to_boundary(std::string_view chunk) {
  std::size_t pos = 0;
  while (pos < chunk.size()) {
    const void* newline = std::memchr(chunk.data() + pos, '\n', chunk.size() - pos);
    if (newline == nullptr) {
      const std::string_view rest = chunk.substr(pos);
      skip_line_blank_ = skip_line_blank_ && is_blank(rest);
      skip_line_length_ += rest.size();
      return {};
    }
    const auto end = static_cast<std::size_t>(static_cast<const char*>(newline) - chunk.data());
    const std::string_view segment = chunk.substr(pos, end - pos);
    const bool blank = skip_line_blank_ && is_blank(segment) &&
                       skip_line_length_ + segment.size() <= limits_.max_line_bytes;
    ++line_;
    ++stats_.lines;
    pos = end + 1;
    skip_line_blank_ = true;
    skip_line_length_ = 0;
    if (blank) {
      skipping_ = false;
      return chunk.substr(pos);
    }
  }
  return {};
}

void RpslParser::feed(std::string_view chunk) {
  stats_.bytes += chunk.size();
  if (skipping_) {
    chunk = skip_to_boundary(chunk);
    if (skipping_)
      return;
  }
  if (carry_.empty()) {
    const std::size_t used = consume(chunk, false);  // in place: no copy
    carry_.assign(chunk.substr(used));
  } else {
    carry_.append(chunk);
    const std::size_t used = consume(carry_, false);
    carry_.erase(0, used);
  }
  if (carry_.size() > carry_limit_)
    drop_carried_object();
}

void RpslParser::finish() {
  if (skipping_) {
    if (skip_line_length_ > 0)
      ++stats_.lines;  // the dropped object's last line had no newline
    skipping_ = false;
    skip_line_blank_ = true;
    skip_line_length_ = 0;
  } else if (!carry_.empty()) {
    consume(carry_, true);
  }
  std::string().swap(carry_);
  line_ = 1;
}

RpslStats parse_rpsl(std::string_view text, RpslHandler& handler, RpslLimits limits) {
  RpslParser parser(handler, limits);
  parser.feed(text);
  parser.finish();
  return parser.stats();
}

}  // namespace peerapi::sources::irr
