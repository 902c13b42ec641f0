#include "client/time_text.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace peerapi::client {

namespace {

constexpr std::int64_t kDayMs = 86'400'000;

constexpr bool is_leap(std::int64_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

constexpr int days_in_month(std::int64_t year, int month) {
  constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

/// Days from 0001-01-01 to January 1st of `year` in the proleptic Gregorian calendar.
constexpr std::int64_t days_before_year(std::int64_t year) {
  const std::int64_t p = year - 1;
  return 365 * p + p / 4 - p / 100 + p / 400;
}

/// Milliseconds since 1970-01-01T00:00:00Z of a valid civil date and time (UTC).
std::optional<std::int64_t> unix_ms(std::int64_t year, int month, int day, int hour, int minute,
                                    int second) {
  if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1 ||
      day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 60)
    return std::nullopt;
  constexpr std::array<int, 12> kBefore{0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  std::int64_t days = days_before_year(year) - days_before_year(1970) +
                      kBefore[static_cast<std::size_t>(month - 1)] + (day - 1);
  if (month > 2 && is_leap(year))
    ++days;
  const int whole_second = second == 60 ? 59 : second;  // RFC 3339 section 5.7 leap second
  return days * kDayMs + ((hour * 60 + minute) * 60 + whole_second) * std::int64_t{1000};
}

/// Reads exactly `count` decimal digits at `pos`.
std::optional<int> digits(std::string_view text, std::size_t pos, std::size_t count) {
  if (pos + count > text.size())
    return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9')
      return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

std::optional<int> month_number(std::string_view name) {
  constexpr std::array<std::string_view, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (kMonths[i] == name)
      return static_cast<int>(i + 1);
  }
  return std::nullopt;
}

bool is_day_name(std::string_view name, bool long_form) {
  constexpr std::array<std::string_view, 7> kShort{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  constexpr std::array<std::string_view, 7> kLong{"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                  "Friday", "Saturday", "Sunday"};
  for (std::size_t i = 0; i < 7; ++i) {
    if ((long_form ? kLong[i] : kShort[i]) == name)
      return true;
  }
  return false;
}

/// "HH:MM:SS" at `pos`.
bool clock_time(std::string_view text, std::size_t pos, int& hour, int& minute, int& second) {
  auto h = digits(text, pos, 2);
  auto m = digits(text, pos + 3, 2);
  auto s = digits(text, pos + 6, 2);
  if (!h || !m || !s || pos + 8 > text.size() || text[pos + 2] != ':' || text[pos + 5] != ':')
    return false;
  hour = *h;
  minute = *m;
  second = *s;
  return true;
}

// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (29 characters).
std::optional<std::int64_t> imf_fixdate(std::string_view text) {
  if (text.size() != 29 || !is_day_name(text.substr(0, 3), false) || text.substr(3, 2) != ", " ||
      text[7] != ' ' || text[11] != ' ' || text[16] != ' ' || text.substr(25) != " GMT")
    return std::nullopt;
  auto day = digits(text, 5, 2);
  auto month = month_number(text.substr(8, 3));
  auto year = digits(text, 12, 4);
  int hour = 0, minute = 0, second = 0;
  if (!day || !month || !year || !clock_time(text, 17, hour, minute, second))
    return std::nullopt;
  return unix_ms(*year, *month, *day, hour, minute, second);
}

// rfc850-date: "Sunday, 06-Nov-94 08:49:37 GMT".
std::optional<std::int64_t> rfc850_date(std::string_view text, std::int64_t now_ms) {
  const auto comma = text.find(", ");
  if (comma == std::string_view::npos || !is_day_name(text.substr(0, comma), true))
    return std::nullopt;
  const std::string_view rest = text.substr(comma + 2);  // "06-Nov-94 08:49:37 GMT"
  if (rest.size() != 22 || rest[2] != '-' || rest[6] != '-' || rest[9] != ' ' ||
      rest.substr(18) != " GMT")
    return std::nullopt;
  auto day = digits(rest, 0, 2);
  auto month = month_number(rest.substr(3, 3));
  auto two_digit_year = digits(rest, 7, 2);
  int hour = 0, minute = 0, second = 0;
  if (!day || !month || !two_digit_year || !clock_time(rest, 10, hour, minute, second))
    return std::nullopt;
  // The year in this century; more than 50 years ahead of now means the previous one.
  const std::int64_t now_year = 1970 + now_ms / (kDayMs * 36525 / 100);
  std::int64_t year = now_year - now_year % 100 + *two_digit_year;
  if (year > now_year + 50)
    year -= 100;
  return unix_ms(year, *month, *day, hour, minute, second);
}

// asctime-date: "Sun Nov  6 08:49:37 1994" (the day is space-padded).
std::optional<std::int64_t> asctime_date(std::string_view text) {
  if (text.size() != 24 || !is_day_name(text.substr(0, 3), false) || text[3] != ' ' ||
      text[7] != ' ' || text[10] != ' ' || text[19] != ' ')
    return std::nullopt;
  auto month = month_number(text.substr(4, 3));
  std::optional<int> day = text[8] == ' ' ? digits(text, 9, 1) : digits(text, 8, 2);
  auto year = digits(text, 20, 4);
  int hour = 0, minute = 0, second = 0;
  if (!day || !month || !year || !clock_time(text, 11, hour, minute, second))
    return std::nullopt;
  return unix_ms(*year, *month, *day, hour, minute, second);
}

}  // namespace

std::optional<std::int64_t> parse_rfc3339(std::string_view text) {
  // full-date "T" partial-time time-offset: 2026-11-23T12:00:00[.frac](Z|+hh:mm|-hh:mm)
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't'))
    return std::nullopt;
  auto year = digits(text, 0, 4);
  auto month = digits(text, 5, 2);
  auto day = digits(text, 8, 2);
  int hour = 0, minute = 0, second = 0;
  if (!year || !month || !day || !clock_time(text, 11, hour, minute, second))
    return std::nullopt;
  std::size_t pos = 19;
  std::int64_t fraction_ms = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    int scale = 100;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction_ms += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start)
      return std::nullopt;
  }
  std::int64_t offset_ms = 0;
  const std::string_view zone = text.substr(pos);
  if (zone == "Z" || zone == "z") {
    offset_ms = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    auto oh = digits(zone, 1, 2);
    auto om = digits(zone, 4, 2);
    if (!oh || !om || *oh > 23 || *om > 59)
      return std::nullopt;
    offset_ms = (*oh * 60 + *om) * std::int64_t{60'000};
    if (zone[0] == '-')
      offset_ms = -offset_ms;
  } else {
    return std::nullopt;
  }
  auto base = unix_ms(*year, *month, *day, hour, minute, second);
  if (!base)
    return std::nullopt;
  return *base + fraction_ms - offset_ms;
}

std::optional<std::int64_t> parse_http_date(std::string_view text, std::int64_t now_ms) {
  if (auto t = imf_fixdate(text))
    return t;
  if (auto t = rfc850_date(text, now_ms))
    return t;
  return asctime_date(text);
}

std::optional<std::int64_t> parse_retry_after(std::string_view value, std::int64_t now_ms) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
    value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
    value.remove_suffix(1);
  constexpr std::int64_t kCapMs = kDayMs;
  if (!value.empty() && value.find_first_not_of("0123456789") == std::string_view::npos) {
    std::int64_t seconds = 0;
    for (char c : value) {
      seconds = seconds * 10 + (c - '0');
      if (seconds * 1000 > kCapMs)
        return kCapMs;
    }
    return seconds * 1000;
  }
  auto date = parse_http_date(value, now_ms);
  if (!date)
    return std::nullopt;
  if (*date <= now_ms)
    return 0;
  return std::min(*date - now_ms, kCapMs);
}

}  // namespace peerapi::client
