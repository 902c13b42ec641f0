#include "auth/tokens/peeringdb_profile.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "auth/jose/json_text.hpp"
#include "util/crypto.hpp"

namespace peerapi::auth {

namespace {

constexpr std::size_t kMaxDepth = 16;

// RFC 6750 section 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
bool is_b64token(std::string_view token) {
  std::size_t i = 0;
  while (i < token.size()) {
    const char c = token[i];
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
    if (!ok)
      break;
    ++i;
  }
  if (i == 0)
    return false;
  while (i < token.size() && token[i] == '=')
    ++i;
  return i == token.size();
}

std::string origin_of(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || !parsed->has_authority())
    return std::string(url);
  return std::string(parsed->scheme()) + "://" + std::string(parsed->encoded_host_and_port());
}

// A JSON integer (int64 or uint64) in [min, max]; nullopt otherwise.
std::optional<std::int64_t> integer_in(const boost::json::value& value, std::int64_t min,
                                       std::int64_t max) {
  std::int64_t n = 0;
  if (value.is_int64())
    n = value.get_int64();
  else if (value.is_uint64() && value.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    n = static_cast<std::int64_t>(value.get_uint64());
  else
    return std::nullopt;
  if (n < min || n > max)
    return std::nullopt;
  return n;
}

}  // namespace

Result<Principal> parse_peeringdb_profile(std::string_view json, std::string_view issuer,
                                          int min_perms) {
  auto value = jose::json_text::parse(json, kMaxDepth, "");
  if (!value)
    return std::unexpected(value.error());
  if (!value->is_object())
    return fail(ErrorCode::wrong_type, "", "the profile must be a JSON object");
  const auto& object = value->get_object();

  Principal principal;
  principal.issuer = std::string(issuer);
  const boost::json::value* id = object.if_contains("id");
  if (id == nullptr)
    return fail(ErrorCode::missing_field, "id", "required");
  const auto id_number = integer_in(*id, 1, INT64_MAX);
  if (!id_number)
    return fail(ErrorCode::wrong_type, "id", "must be a positive integer");
  principal.subject = "peeringdb:" + std::to_string(*id_number);

  if (const boost::json::value* email = object.if_contains("email");
      email != nullptr && !email->is_null()) {
    if (!email->is_string())
      return fail(ErrorCode::wrong_type, "email", "must be a string or null");
    if (!email->get_string().empty())
      principal.email = std::string(email->get_string());
  }

  bool verified = false;
  if (const boost::json::value* flag = object.if_contains("verified_user"); flag != nullptr) {
    if (!flag->is_bool())
      return fail(ErrorCode::wrong_type, "verified_user", "must be a boolean");
    verified = flag->get_bool();
  }

  const boost::json::value* networks = object.if_contains("networks");
  if (networks == nullptr || networks->is_null())
    return principal;
  if (!networks->is_array())
    return fail(ErrorCode::wrong_type, "networks", "must be an array");
  const auto& entries = networks->get_array();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::string path = "networks[" + std::to_string(i) + "]";
    if (!entries[i].is_object())
      return fail(ErrorCode::wrong_type, path, "must be an object");
    const auto& entry = entries[i].get_object();
    const boost::json::value* asn = entry.if_contains("asn");
    const boost::json::value* perms = entry.if_contains("perms");
    if (asn == nullptr)
      return fail(ErrorCode::missing_field, path + ".asn", "required");
    if (perms == nullptr)
      return fail(ErrorCode::missing_field, path + ".perms", "required");
    const auto asn_number = integer_in(*asn, 0, UINT32_MAX);
    if (!asn_number)
      return fail(ErrorCode::wrong_type, path + ".asn", "must be an integer 0-4294967295");
    const auto perms_number = integer_in(*perms, 0, INT32_MAX);
    if (!perms_number)
      return fail(ErrorCode::wrong_type, path + ".perms", "must be a non-negative integer");
    if (!verified || (*perms_number & min_perms) != min_perms)
      continue;
    auto parsed = model::Asn::from_number(*asn_number);
    if (parsed)
      principal.asns.push_back(*parsed);
  }
  std::sort(principal.asns.begin(), principal.asns.end());
  principal.asns.erase(std::unique(principal.asns.begin(), principal.asns.end()),
                       principal.asns.end());
  return principal;
}

PeeringDbProfileValidator::PeeringDbProfileValidator(std::string profile_url,
                                                     net::HttpClient& client,
                                                     const util::Clock& clock,
                                                     PeeringDbProfileOptions options)
    : profile_url_(std::move(profile_url)),
      issuer_(origin_of(profile_url_)),
      client_(client),
      clock_(clock),
      options_(options) {}

Result<Principal> PeeringDbProfileValidator::validate(std::string_view token) {
  if (token.empty() || token.size() > options_.max_token_bytes || !is_b64token(token))
    return fail(ErrorCode::unauthenticated, "token",
                "not a bearer token (RFC 6750 section 2.1) of at most " +
                    std::to_string(options_.max_token_bytes) + " octets");
  const std::string digest = util::sha256(token);
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(digest);
    if (it != cache_.end() && clock_.now_ms() < it->second.expires_at_ms)
      return it->second.principal;
  }

  net::HttpRequest request;
  request.url = profile_url_;
  request.headers.emplace_back("Authorization", "Bearer " + std::string(token));
  request.headers.emplace_back("Accept", "application/json");
  request.max_response_bytes = options_.max_profile_bytes;
  request.follow_redirects = false;
  auto response = client_.fetch(request);
  if (!response)
    return fail(ErrorCode::io_error, "peeringdb_profile",
                "PeeringDB profile: " + response.error().message);
  if (response->status == 401 || response->status == 403)
    return fail(ErrorCode::unauthenticated, "token",
                "PeeringDB did not accept the access token (HTTP " +
                    std::to_string(response->status) + ")");
  if (!response->ok())
    return fail(ErrorCode::io_error, "peeringdb_profile",
                "PeeringDB profile: " + net::display_url(response->url) + ": HTTP " +
                    std::to_string(response->status));
  auto principal = parse_peeringdb_profile(response->body, issuer_, options_.min_perms);
  if (!principal) {
    const Error& error = principal.error();
    return fail(ErrorCode::io_error, "peeringdb_profile",
                "PeeringDB profile: " + net::display_url(response->url) +
                    ": unexpected document: " +
                    (error.field.empty() ? error.message : error.field + ": " + error.message));
  }
  remember(digest, *principal, clock_.now_ms());
  return principal;
}

void PeeringDbProfileValidator::remember(const std::string& digest, const Principal& principal,
                                         std::int64_t now_ms) {
  if (options_.max_cache_entries == 0 || options_.cache_ttl_ms <= 0)
    return;
  const std::int64_t expires = now_ms + options_.cache_ttl_ms;
  std::lock_guard lock(mutex_);
  auto forget = [this](std::multimap<std::int64_t, std::string>::iterator it) {
    cache_.erase(it->second);
    return by_expiry_.erase(it);
  };
  if (auto old = cache_.find(digest); old != cache_.end()) {
    auto [first, last] = by_expiry_.equal_range(old->second.expires_at_ms);
    for (auto it = first; it != last; ++it) {
      if (it->second == digest) {
        forget(it);
        break;
      }
    }
  }
  for (auto it = by_expiry_.begin(); it != by_expiry_.end() && it->first <= now_ms;)
    it = forget(it);
  while (cache_.size() >= options_.max_cache_entries && !by_expiry_.empty())
    forget(by_expiry_.begin());
  cache_.emplace(digest, Entry{principal, expires});
  by_expiry_.emplace(expires, digest);
}

std::size_t PeeringDbProfileValidator::cached_tokens() const {
  std::lock_guard lock(mutex_);
  return cache_.size();
}

}  // namespace peerapi::auth
