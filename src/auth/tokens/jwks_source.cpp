#include "auth/tokens/jwks_source.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <limits>

namespace peerapi::auth {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// "keys[0].d: message" from a JwkSet parse error.
std::string describe(const Error& error) {
  return error.field.empty() ? error.message : error.field + ": " + error.message;
}

}  // namespace

std::int64_t jwks_max_age_ms(std::optional<std::string_view> cache_control,
                             const JwksSourceOptions& options) {
  if (!cache_control)
    return options.default_max_age_ms;
  std::optional<std::int64_t> max_age_s;
  bool no_cache = false;
  std::string_view rest = *cache_control;
  while (!rest.empty()) {
    const std::size_t comma = std::min(rest.find(','), rest.size());
    const std::string_view directive = trim(rest.substr(0, comma));
    rest.remove_prefix(std::min(comma + 1, rest.size()));
    const std::size_t equals = directive.find('=');
    const std::string_view name = trim(directive.substr(0, equals));
    if (equals == std::string_view::npos) {
      if (iequals(name, "no-store") || iequals(name, "no-cache"))
        no_cache = true;
      continue;
    }
    if (!iequals(name, "max-age"))
      continue;
    std::string_view value = trim(directive.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    // RFC 9111 section 1.2.2: delta-seconds too large to represent mean "a very long time".
    std::uint64_t seconds = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (value.empty() || end != value.data() + value.size() ||
        (ec != std::errc{} && ec != std::errc::result_out_of_range))
      continue;
    const std::uint64_t cap = static_cast<std::uint64_t>(options.max_max_age_ms / 1000 + 1);
    max_age_s = static_cast<std::int64_t>(ec == std::errc{} ? std::min(seconds, cap) : cap);
  }
  if (no_cache)
    return options.min_max_age_ms;
  if (!max_age_s)
    return options.default_max_age_ms;
  return std::clamp(*max_age_s * 1000, options.min_max_age_ms, options.max_max_age_ms);
}

JwksKeySource::JwksKeySource(std::string jwks_uri, net::HttpClient& client,
                             const util::Clock& clock, JwksSourceOptions options)
    : uri_(std::move(jwks_uri)), client_(client), clock_(clock), options_(options) {}

Result<JwksKeySource::Fetched> JwksKeySource::fetch() const {
  net::HttpRequest request;
  request.url = uri_;
  request.headers.emplace_back("Accept", "application/jwk-set+json, application/json");
  request.max_response_bytes = options_.limits.max_bytes;
  auto response = client_.fetch(request);
  if (response)
    response = net::require_success(std::move(*response));
  if (!response)
    return fail(ErrorCode::io_error, "jwks_uri",
                "cannot fetch the JWK Set: " + response.error().message);
  auto set = jose::JwkSet::parse(response->body, jose::PrivateMembers::reject, options_.limits);
  if (!set)
    return fail(ErrorCode::data_invalid, "jwks_uri",
                net::display_url(response->url) +
                    ": not an acceptable public JWK Set: " + describe(set.error()));
  Fetched out;
  out.keys = std::make_shared<const jose::JwkSet>(std::move(*set));
  out.max_age_ms = jwks_max_age_ms(response->header("cache-control"), options_);
  return out;
}

Result<std::shared_ptr<const jose::JwkSet>> JwksKeySource::answer(std::int64_t now_ms) const {
  if (keys_ && now_ms < fetched_at_ms_ + max_age_ms_ + options_.stale_if_error_ms)
    return keys_;
  if (last_error_)
    return std::unexpected(*last_error_);
  if (keys_)
    return fail(ErrorCode::io_error, "jwks_uri",
                net::display_url(uri_) + ": the JWK Set expired and could not be refreshed yet");
  return fail(ErrorCode::io_error, "jwks_uri", net::display_url(uri_) + ": no JWK Set fetched yet");
}

Result<std::shared_ptr<const jose::JwkSet>> JwksKeySource::keys(std::string_view unknown_kid) {
  std::unique_lock lock(mutex_);
  for (;;) {
    const std::int64_t now = clock_.now_ms();
    const bool fresh = keys_ && now < fetched_at_ms_ + max_age_ms_;
    const bool kid_known =
        unknown_kid.empty() || (keys_ && !keys_->find_by_kid(unknown_kid).empty());
    if (fresh && kid_known)
      return keys_;
    if (in_flight_) {
      fetched_.wait(lock, [this] { return !in_flight_; });
      continue;  // re-evaluate: the fetch just made may have answered this caller too
    }
    if (last_attempt_ms_ && now - *last_attempt_ms_ < options_.min_refresh_interval_ms)
      return answer(now);

    in_flight_ = true;
    last_attempt_ms_ = now;
    lock.unlock();
    auto fetched = fetch();
    lock.lock();
    in_flight_ = false;
    fetched_.notify_all();
    const std::int64_t after = clock_.now_ms();
    if (fetched) {
      keys_ = std::move(fetched->keys);
      fetched_at_ms_ = after;
      max_age_ms_ = fetched->max_age_ms;
      last_error_.reset();
    } else {
      last_error_ = fetched.error();
    }
    return answer(after);
  }
}

Result<std::shared_ptr<const jose::JwkSet>> FileKeySource::read(const std::filesystem::path& path,
                                                                const jose::JwkSetLimits& limits) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return fail(ErrorCode::io_error, "jwks_file", "cannot read " + path.string());
  std::string text;
  text.resize(limits.max_bytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad())
    return fail(ErrorCode::io_error, "jwks_file", "cannot read " + path.string());
  text.resize(static_cast<std::size_t>(in.gcount()));
  auto set = jose::JwkSet::parse(text, jose::PrivateMembers::reject, limits);
  if (!set)
    return fail(ErrorCode::data_invalid, "jwks_file",
                path.string() + ": not an acceptable public JWK Set: " + describe(set.error()));
  return std::make_shared<const jose::JwkSet>(std::move(*set));
}

std::optional<FileKeySource::Stamp> FileKeySource::stamp_of(const std::filesystem::path& path) {
  std::error_code ec;
  Stamp stamp;
  stamp.mtime = std::filesystem::last_write_time(path, ec);
  if (ec)
    return std::nullopt;
  stamp.size = std::filesystem::file_size(path, ec);
  if (ec)
    return std::nullopt;
  return stamp;
}

Result<std::shared_ptr<FileKeySource>> FileKeySource::load(std::filesystem::path path,
                                                           jose::JwkSetLimits limits) {
  std::shared_ptr<FileKeySource> source(new FileKeySource(std::move(path), limits));
  source->stamp_ = stamp_of(source->path_);
  auto keys = read(source->path_, source->limits_);
  if (!keys)
    return std::unexpected(keys.error());
  source->keys_ = std::move(*keys);
  return source;
}

Result<std::shared_ptr<const jose::JwkSet>> FileKeySource::keys(std::string_view /*unknown_kid*/) {
  std::lock_guard lock(mutex_);
  const auto stamp = stamp_of(path_);
  if (stamp && stamp != stamp_) {
    stamp_ = stamp;
    auto reloaded = read(path_, limits_);
    if (reloaded) {
      keys_ = std::move(*reloaded);
      last_error_.reset();
    } else {
      last_error_ = reloaded.error();
    }
  } else if (!stamp) {
    last_error_ = Error{ErrorCode::io_error, "jwks_file", "cannot stat " + path_.string()};
  }
  return keys_;
}

std::optional<Error> FileKeySource::last_reload_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

}  // namespace peerapi::auth
