#include "auth/tokens/discovery.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "auth/jose/json_text.hpp"
#include "auth/tokens/jwks_source.hpp"

namespace peerapi::auth {

namespace {

constexpr std::size_t kMaxMetadataBytes = 64 * 1024;
constexpr std::size_t kMaxDepth = 16;
constexpr std::size_t kMaxShown = 200;

std::string shown(std::string_view text) {
  if (text.size() <= kMaxShown)
    return "\"" + std::string(text) + "\"";
  return "\"" + std::string(text.substr(0, kMaxShown)) + "...\"";
}

bool is_http_url(std::string_view text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed || !parsed->has_authority() || parsed->encoded_host().empty())
    return false;
  const std::string_view scheme = parsed->scheme();
  return scheme == "https" || scheme == "http";
}

Result<void> url_member(const boost::json::object& object, std::string_view name, std::string& out,
                        bool required) {
  auto value = jose::json_text::optional_string(object, name);
  if (!value)
    return std::unexpected(value.error());
  if (!*value) {
    if (required)
      return fail(ErrorCode::missing_field, std::string(name), "required");
    return {};
  }
  if (!is_http_url(**value))
    return fail(ErrorCode::invalid_url, std::string(name),
                "must be an absolute http(s) URL, got " + shown(**value));
  out = std::string(**value);
  return {};
}

Result<void> string_array(const boost::json::object& object, std::string_view name,
                          std::vector<std::string>& out) {
  const boost::json::value* member = object.if_contains(name);
  if (member == nullptr)
    return {};
  if (!member->is_array())
    return fail(ErrorCode::wrong_type, std::string(name), "must be an array of strings");
  const auto& array = member->get_array();
  for (std::size_t i = 0; i < array.size(); ++i) {
    if (!array[i].is_string())
      return fail(ErrorCode::wrong_type, std::string(name) + "[" + std::to_string(i) + "]",
                  "must be a string");
    out.emplace_back(array[i].get_string());
  }
  return {};
}

}  // namespace

Result<std::vector<std::string>> discovery_urls(std::string_view issuer) {
  auto parsed = boost::urls::parse_uri(issuer);
  if (!parsed || !parsed->has_authority() || parsed->encoded_host().empty() ||
      (parsed->scheme() != "https" && parsed->scheme() != "http"))
    return fail(ErrorCode::invalid_value, "issuer",
                "must be an absolute https URL (RFC 8414 section 2), got " + shown(issuer));
  if (parsed->has_query() || parsed->has_fragment() || parsed->has_userinfo())
    return fail(
        ErrorCode::invalid_value, "issuer",
        "must have no query, fragment or credentials (RFC 8414 section 2), got " + shown(issuer));
  const std::string origin =
      std::string(parsed->scheme()) + "://" + std::string(parsed->encoded_authority());
  std::string path(parsed->encoded_path());
  while (!path.empty() && path.back() == '/')
    path.pop_back();
  return std::vector<std::string>{
      origin + "/.well-known/oauth-authorization-server" + path,
      origin + path + "/.well-known/openid-configuration",
  };
}

Result<AuthorizationServerMetadata> parse_metadata(std::string_view json, std::string_view issuer) {
  auto value = jose::json_text::parse(json, kMaxDepth, "");
  if (!value)
    return std::unexpected(value.error());
  if (!value->is_object())
    return fail(ErrorCode::wrong_type, "", "the metadata must be a JSON object");
  const auto& object = value->get_object();

  AuthorizationServerMetadata out;
  auto named = jose::json_text::required_string(object, "issuer");
  if (!named)
    return std::unexpected(named.error());
  if (*named != issuer)  // RFC 8414 section 3.3: identical, no normalisation
    return fail(ErrorCode::unauthenticated, "issuer",
                "the metadata names issuer " + shown(*named) + ", expected " + shown(issuer));
  out.issuer = std::string(*named);

  struct UrlMember {
    std::string_view name;
    std::string* out;
    bool required;
  };
  const UrlMember urls[] = {
      {"jwks_uri", &out.jwks_uri, true},
      {"authorization_endpoint", &out.authorization_endpoint, false},
      {"token_endpoint", &out.token_endpoint, false},
      {"registration_endpoint", &out.registration_endpoint, false},
      {"introspection_endpoint", &out.introspection_endpoint, false},
      {"userinfo_endpoint", &out.userinfo_endpoint, false},
  };
  for (const auto& member : urls) {
    if (auto ok = url_member(object, member.name, *member.out, member.required); !ok)
      return std::unexpected(ok.error());
  }
  struct ArrayMember {
    std::string_view name;
    std::vector<std::string>* out;
  };
  const ArrayMember arrays[] = {
      {"scopes_supported", &out.scopes_supported},
      {"response_types_supported", &out.response_types_supported},
      {"grant_types_supported", &out.grant_types_supported},
      {"token_endpoint_auth_methods_supported", &out.token_endpoint_auth_methods_supported},
      {"dpop_signing_alg_values_supported", &out.dpop_signing_alg_values_supported},
  };
  for (const auto& member : arrays) {
    if (auto ok = string_array(object, member.name, *member.out); !ok)
      return std::unexpected(ok.error());
  }
  return out;
}

Result<AuthorizationServerMetadata> discover(std::string_view issuer, net::HttpClient& client) {
  auto urls = discovery_urls(issuer);
  if (!urls)
    return std::unexpected(urls.error());
  std::string outcomes;
  for (const auto& url : *urls) {
    net::HttpRequest request;
    request.url = url;
    request.headers.emplace_back("Accept", "application/json");
    request.max_response_bytes = kMaxMetadataBytes;
    auto response = client.fetch(request);
    if (!response)
      return fail(response.error().code, "issuer",
                  "metadata discovery: " + response.error().message);
    if (!response->ok()) {
      outcomes += (outcomes.empty() ? "" : "; ") + net::display_url(url) + ": HTTP " +
                  std::to_string(response->status);
      continue;
    }
    auto metadata = parse_metadata(response->body, issuer);
    if (!metadata) {
      Error error = metadata.error().under("metadata");
      error.message = net::display_url(response->url) + ": " + error.message;
      return std::unexpected(std::move(error));
    }
    metadata->metadata_url = url;
    return metadata;
  }
  return fail(ErrorCode::io_error, "issuer",
              "no authorization server metadata for " + shown(issuer) + ": " + outcomes);
}

DiscoveredKeySource::DiscoveredKeySource(std::string issuer, net::HttpClient& client,
                                         const util::Clock& clock, std::int64_t retry_after_ms)
    : issuer_(std::move(issuer)), client_(client), clock_(clock), retry_after_ms_(retry_after_ms) {}

Result<std::shared_ptr<const jose::JwkSet>> DiscoveredKeySource::keys(
    std::string_view unknown_kid) {
  std::shared_ptr<KeySource> inner;
  {
    std::lock_guard lock(mutex_);
    if (!inner_) {
      const std::int64_t now = clock_.now_ms();
      if (last_failure_ms_ && now - *last_failure_ms_ < retry_after_ms_)
        return std::unexpected(*last_error_);
      auto metadata = discover(issuer_, client_);
      if (!metadata) {
        last_failure_ms_ = now;
        last_error_ = Error{ErrorCode::io_error, "discovery",
                            "discovery of " + issuer_ + " failed: " + metadata.error().message};
        return std::unexpected(*last_error_);
      }
      inner_ = std::make_shared<JwksKeySource>(metadata->jwks_uri, client_, clock_);
    }
    inner = inner_;
  }
  return inner->keys(unknown_kid);
}

}  // namespace peerapi::auth
