#include "client/token_source.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <fstream>
#include <sstream>
#include <system_error>

#include "api/codec.hpp"
#include "auth/dev_idp.hpp"
#include "auth/dpop/proof.hpp"
#include "auth/tokens/discovery.hpp"
#include "client/peer_api_client.hpp"
#include "client/time_text.hpp"
#include "util/atomic_file.hpp"
#include "util/crypto.hpp"

namespace peerapi::client {

namespace json = boost::json;

namespace {

constexpr int kMaxDepth = 8;
constexpr std::size_t kMaxTokenResponseBytes = 256 * 1024;
constexpr std::size_t kMaxMetadataBytes = 256 * 1024;
constexpr std::uintmax_t kMaxFileBytes = 256 * 1024;
constexpr std::int64_t kMaxMarginMs = 60'000;
constexpr std::size_t kMaxIdpText = 300;

ClientError make_error(FailureKind kind, ErrorCode code, std::string field, std::string message) {
  ClientError e;
  e.kind = kind;
  e.error = Error{code, std::move(field), std::move(message)};
  return e;
}

std::unexpected<ClientError> usage(const Error& error) {
  ClientError e;
  e.kind = FailureKind::usage;
  e.error = error;
  return std::unexpected(std::move(e));
}

/// Transport failures worth another attempt (as PeerApiClient): not a refusal by the outbound
/// guard, not a TLS failure, not an answer over the size caps.
bool retryable_transport(const Error& error) {
  const std::string& m = error.message;
  return error.code == ErrorCode::io_error && m.find(": refused: ") == std::string::npos &&
         m.find("TLS failure") == std::string::npos && m.find("larger than") == std::string::npos;
}

/// Text from the IdP for a message: at most kMaxIdpText characters, control characters as
/// spaces, and no secret of ours.
std::string idp_text(std::string_view text, const std::vector<std::string>& secrets) {
  std::string out(text.substr(0, kMaxIdpText));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      c = ' ';
  }
  for (const std::string& secret : secrets) {
    if (secret.empty())
      continue;
    for (auto at = out.find(secret); at != std::string::npos; at = out.find(secret, at))
      out.replace(at, secret.size(), "[redacted]");
  }
  if (text.size() > kMaxIdpText)
    out += "...";
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

/// The first line of a secret-bearing file, surrounding whitespace dropped. Errors at `field`
/// name the file, never its content.
Result<std::string> first_line(const std::filesystem::path& file, const std::string& field) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec)
    return fail(ErrorCode::io_error, field, file.string() + ": cannot be read: " + ec.message());
  if (size > kMaxFileBytes)
    return fail(ErrorCode::invalid_value, field, file.string() + ": larger than expected");
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return fail(ErrorCode::io_error, field, file.string() + ": cannot be read");
  std::string line;
  std::getline(in, line);
  const auto first = line.find_first_not_of(" \t\r\n");
  if (first == std::string::npos)
    return fail(ErrorCode::invalid_value, field, file.string() + ": the first line is empty");
  const auto last = line.find_last_not_of(" \t\r\n");
  return line.substr(first, last - first + 1);
}

std::string grant_name(config::IdpGrant grant) {
  switch (grant) {
    case config::IdpGrant::client_credentials:
      return "client_credentials";
    case config::IdpGrant::token_exchange:
      return std::string(kTokenExchangeGrant);
    case config::IdpGrant::dev:
      return "dev";
  }
  return "";
}

/// RFC 8414 section 2 members this client reads, checked.
ClientResult<std::string> token_endpoint_from_metadata(std::string_view body,
                                                       std::string_view issuer) {
  auto parsed = api::parse_json(body, kMaxDepth);
  if (!parsed)
    return decode_failure(Error{parsed.error().code, "metadata", parsed.error().message});
  if (!parsed->is_object())
    return decode_failure(
        Error{ErrorCode::wrong_type, "metadata", "the metadata must be a JSON object"});
  const json::object& o = parsed->get_object();
  const json::value* named = o.if_contains("issuer");
  if (named == nullptr || !named->is_string())
    return decode_failure(Error{ErrorCode::missing_field, "metadata.issuer",
                                "the metadata must name its issuer (RFC 8414 section 2)"});
  if (named->get_string() != issuer)  // RFC 8414 section 3.3: identical, or not used at all
    return decode_failure(Error{ErrorCode::invalid_value, "metadata.issuer",
                                "the metadata names another issuer than " + std::string(issuer) +
                                    " (RFC 8414 section 3.3): it must not be used"});
  const json::value* endpoint = o.if_contains("token_endpoint");
  if (endpoint == nullptr || !endpoint->is_string())
    return decode_failure(Error{ErrorCode::missing_field, "metadata.token_endpoint",
                                "the metadata has no token_endpoint string"});
  const std::string url(endpoint->get_string());
  auto checked = boost::urls::parse_absolute_uri(url);
  if (!checked ||
      (checked->scheme_id() != boost::urls::scheme::https &&
       checked->scheme_id() != boost::urls::scheme::http) ||
      checked->host().empty() || checked->has_userinfo())
    return decode_failure(Error{ErrorCode::invalid_url, "metadata.token_endpoint",
                                "must be an absolute http(s) URL"});
  return url;
}

/// "expires_in" as seconds: an integer, or (as some IdPs send it) a string of digits.
std::optional<std::int64_t> seconds_of(const json::value& value) {
  if (value.is_int64())
    return value.get_int64();
  if (value.is_uint64())
    return value.get_uint64() > 0x7fffffffULL ? std::optional<std::int64_t>(0x7fffffff)
                                              : static_cast<std::int64_t>(value.get_uint64());
  if (value.is_string()) {
    const std::string_view text = value.get_string();
    if (text.empty() || text.size() > 10 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return std::nullopt;
    return std::stoll(std::string(text));
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(TokenOrigin origin) noexcept {
  switch (origin) {
    case TokenOrigin::idp:
      return "idp";
    case TokenOrigin::cache:
      return "cache";
    case TokenOrigin::dev:
      return "dev";
  }
  return "idp";
}

std::int64_t refresh_margin_ms(const AccessToken& token) noexcept {
  if (!token.expires_at_ms)
    return 0;
  const std::int64_t lifetime =
      std::max<std::int64_t>(0, *token.expires_at_ms - token.obtained_at_ms);
  return std::min(kMaxMarginMs, lifetime / 4);
}

bool reusable(const AccessToken& token, std::int64_t now_ms) noexcept {
  return token.expires_at_ms && now_ms + refresh_margin_ms(token) < *token.expires_at_ms;
}

std::string form_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 || c == '*' || c == '-' || c == '.' || c == '_') {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

ClientResult<AccessToken> decode_token_response(std::string_view body, std::int64_t now_ms,
                                                bool dpop) {
  auto parsed = api::parse_json(body, kMaxDepth);
  if (!parsed)
    return decode_failure(parsed.error());
  if (!parsed->is_object())
    return decode_failure(
        Error{ErrorCode::wrong_type, "", "the token response must be a JSON object"});
  const json::object& o = parsed->get_object();
  AccessToken out;
  out.obtained_at_ms = now_ms;
  out.origin = TokenOrigin::idp;

  const json::value* token = o.if_contains("access_token");
  if (token == nullptr)
    return decode_failure(Error{ErrorCode::missing_field, "access_token", "missing"});
  if (!token->is_string())
    return decode_failure(Error{ErrorCode::wrong_type, "access_token", "must be a string"});
  out.value = std::string(token->get_string());
  // RFC 6750 section 2.1 b64token: what may follow "Bearer " in an Authorization header.
  const bool b64token =
      !out.value.empty() && std::all_of(out.value.begin(), out.value.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' ||
               c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
      });
  if (!b64token)
    return decode_failure(
        Error{ErrorCode::invalid_value, "access_token",
              "must be a non-empty token of the characters RFC 6750 section 2.1 allows"});

  const json::value* type = o.if_contains("token_type");
  if (type == nullptr)
    return decode_failure(Error{ErrorCode::missing_field, "token_type", "missing"});
  if (!type->is_string())
    return decode_failure(Error{ErrorCode::wrong_type, "token_type", "must be a string"});
  const std::string kind = lower(type->get_string());  // RFC 6749 section 5.1: case-insensitive
  if (kind == "bearer") {
    out.token_type = "Bearer";
  } else if (kind == "dpop") {
    out.token_type = "DPoP";
  } else {
    return decode_failure(Error{ErrorCode::invalid_value, "token_type",
                                "\"" + idp_text(type->get_string(), {}) +
                                    "\" is not a type this client can use (Bearer or DPoP)"});
  }
  if (dpop && out.token_type != "DPoP")
    return decode_failure(Error{ErrorCode::invalid_value, "token_type",
                                "the IdP issued a Bearer token to a request with a DPoP proof: "
                                "it does not bind tokens to keys (RFC 9449 section 5), so a "
                                "peer that requires DPoP will refuse it"});
  if (!dpop && out.token_type == "DPoP")
    return decode_failure(Error{ErrorCode::invalid_value, "token_type",
                                "the IdP issued a DPoP token without a DPoP proof"});

  if (const json::value* expires = o.if_contains("expires_in"); expires && !expires->is_null()) {
    const auto seconds = seconds_of(*expires);
    if (!seconds)
      return decode_failure(
          Error{ErrorCode::wrong_type, "expires_in", "must be a number of seconds"});
    if (*seconds <= 0)
      return decode_failure(
          Error{ErrorCode::invalid_value, "expires_in", "must be a positive number of seconds"});
    out.expires_at_ms = now_ms + *seconds * 1000;
  }
  for (const auto& [name, target] : {std::pair<std::string_view, std::string*>{"scope", &out.scope},
                                     {"issued_token_type", &out.issued_token_type}}) {
    const json::value* member = o.if_contains(name);
    if (member == nullptr || member->is_null())
      continue;
    if (!member->is_string())
      return decode_failure(Error{ErrorCode::wrong_type, std::string(name), "must be a string"});
    *target = std::string(member->get_string());
  }
  return out;
}

ClientError token_error(const net::HttpResult& result, std::int64_t now_ms,
                        const std::vector<std::string>& secrets) {
  ClientError out = http_failure(result, now_ms);
  out.server_errors.clear();
  out.contact_email.reset();
  out.error.field.clear();
  out.error.message.clear();
  const std::string where = net::display_url(result.url);
  auto parsed = api::parse_json(result.body, kMaxDepth);
  const json::value* error = nullptr;
  if (parsed && parsed->is_object())
    error = parsed->get_object().if_contains("error");
  if (error == nullptr || !error->is_string()) {
    out.error.message = "the token endpoint " + where + " answered HTTP " +
                        std::to_string(result.status) + " without an OAuth error (RFC 6749 " +
                        "section 5.2)";
    return out;
  }
  const std::string code = idp_text(error->get_string(), secrets);
  FieldError entry{.name = "", .code = code, .messages = {}};
  const json::value* description = parsed->get_object().if_contains("error_description");
  if (description != nullptr && description->is_string())
    entry.messages.push_back(idp_text(description->get_string(), secrets));
  if (code == "invalid_client" || code == "invalid_grant" || code == "unauthorized_client")
    out.error.code = ErrorCode::unauthenticated;
  else if (code == "access_denied")
    out.error.code = ErrorCode::forbidden;
  else if (result.status < 500 && result.status != 429)
    out.error.code = ErrorCode::invalid_value;
  out.error.message = "the IdP refused the token request: " + code +
                      (entry.messages.empty() ? "" : ": " + entry.messages.front());
  out.server_errors.push_back(std::move(entry));
  return out;
}

ClientResult<std::string> discover_token_endpoint(std::string_view issuer, net::HttpClient& http) {
  auto urls = auth::discovery_urls(issuer);
  if (!urls)
    return usage(Error{urls.error().code, "client.idp.issuer", urls.error().message});
  std::string outcomes;
  long last_status = 0;
  for (const std::string& url : *urls) {
    net::HttpRequest request;
    request.url = url;
    request.headers.emplace_back("Accept", "application/json");
    request.max_response_bytes = kMaxMetadataBytes;
    request.follow_redirects = false;
    auto response = http.fetch(request);
    if (!response) {
      ClientError e = make_error(FailureKind::transport, response.error().code, "client.idp.issuer",
                                 "metadata discovery: " + response.error().message);
      return std::unexpected(std::move(e));
    }
    if (!response->ok()) {
      last_status = response->status;
      outcomes += (outcomes.empty() ? "" : "; ") + net::display_url(url) + ": HTTP " +
                  std::to_string(response->status);
      continue;
    }
    return token_endpoint_from_metadata(response->body, issuer);
  }
  ClientError e = make_error(
      FailureKind::http, ErrorCode::not_found, "client.idp.issuer",
      "no authorization server metadata for " + std::string(issuer) + " (RFC 8414): " + outcomes);
  e.http_status = static_cast<int>(last_status);
  e.attempts = static_cast<int>(urls->size());
  return std::unexpected(std::move(e));
}

std::string encode_token_cache(const AccessToken& token, std::string_view key) {
  json::object o{{"version", 1},
                 {"key", key},
                 {"access_token", token.value},
                 {"token_type", token.token_type},
                 {"obtained_at", token.obtained_at_ms},
                 {"scope", token.scope},
                 {"issued_token_type", token.issued_token_type}};
  if (token.expires_at_ms)
    o["expires_at"] = *token.expires_at_ms;
  return json::serialize(o) + "\n";
}

std::optional<AccessToken> decode_token_cache(std::string_view text, std::string_view key) {
  auto parsed = api::parse_json(text, kMaxDepth);
  if (!parsed || !parsed->is_object())
    return std::nullopt;
  const json::object& o = parsed->get_object();
  auto string_of = [&](std::string_view name) -> std::optional<std::string> {
    const json::value* v = o.if_contains(name);
    if (v == nullptr || !v->is_string())
      return std::nullopt;
    return std::string(v->get_string());
  };
  auto integer_of = [&](std::string_view name) -> std::optional<std::int64_t> {
    const json::value* v = o.if_contains(name);
    if (v == nullptr || !v->is_int64())
      return std::nullopt;
    return v->get_int64();
  };
  const json::value* version = o.if_contains("version");
  if (version == nullptr || !version->is_int64() || version->get_int64() != 1)
    return std::nullopt;
  auto stored_key = string_of("key");
  auto value = string_of("access_token");
  auto type = string_of("token_type");
  auto obtained = integer_of("obtained_at");
  auto expires = integer_of("expires_at");
  if (!stored_key || *stored_key != key || !value || value->empty() || !type ||
      (*type != "Bearer" && *type != "DPoP") || !obtained || !expires)
    return std::nullopt;
  AccessToken out;
  out.value = std::move(*value);
  out.token_type = std::move(*type);
  out.obtained_at_ms = *obtained;
  out.expires_at_ms = *expires;
  out.scope = string_of("scope").value_or("");
  out.issued_token_type = string_of("issued_token_type").value_or("");
  out.origin = TokenOrigin::cache;
  return out;
}

TokenSource::TokenSource(TokenSourceOptions options, net::HttpClient& http,
                         const util::Clock& clock, util::RandomSource& random, Sleeper& sleeper)
    : options_(std::move(options)),
      http_(http),
      clock_(clock),
      random_(random),
      sleeper_(sleeper),
      endpoint_(options_.idp.token_endpoint) {}

std::string TokenSource::cache_key(std::string_view subject_token) const {
  const config::ClientIdpSection& idp = options_.idp;
  std::string input = "peerapi token cache v1\n";
  for (const std::string& part :
       {idp.token_endpoint.empty() ? "issuer " + idp.issuer : "endpoint " + idp.token_endpoint,
        grant_name(idp.grant), idp.client_id, idp.scope, idp.audience,
        idp.grant == config::IdpGrant::token_exchange ? idp.subject_token_type : std::string(),
        idp.requested_token_type,
        options_.dpop_key ? options_.dpop_key->key.thumbprint() : std::string(),
        subject_token.empty() ? std::string() : util::sha256_hex(subject_token)}) {
    input += part + "\n";
  }
  for (const std::string& resource : idp.resources)
    input += "resource " + resource + "\n";
  return util::sha256_hex(input);
}

Result<std::string> TokenSource::client_secret() const {
  if (!options_.idp.client_secret.empty())
    return options_.idp.client_secret;
  return first_line(options_.idp.client_secret_file, "client.idp.client_secret_file");
}

Result<std::string> TokenSource::subject_token() const {
  if (options_.idp.grant != config::IdpGrant::token_exchange)
    return std::string();
  return first_line(options_.idp.subject_token_file, "client.idp.subject_token_file");
}

ClientResult<AccessToken> TokenSource::token() {
  if (options_.idp.grant == config::IdpGrant::dev)
    return mint_dev_token();
  auto subject = subject_token();
  if (!subject)
    return usage(subject.error());
  const std::string key = cache_key(*subject);
  const std::int64_t now = clock_.now_ms();
  if (held_ && held_key_ == key && reusable(*held_, now)) {
    AccessToken out = *held_;
    out.origin = TokenOrigin::cache;
    return out;
  }
  const auto& file = options_.idp.token_cache_file;
  std::error_code ec;
  if (!file.empty() && std::filesystem::is_regular_file(file, ec) &&
      std::filesystem::file_size(file, ec) <= kMaxFileBytes && !ec) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (auto cached = decode_token_cache(text.str(), key); cached && reusable(*cached, now)) {
      held_ = *cached;
      held_key_ = key;
      return *cached;
    }
  }
  auto fresh = request_token(*subject);
  if (fresh)
    store(*fresh, key);
  return fresh;
}

ClientResult<AccessToken> TokenSource::fresh_token() {
  if (options_.idp.grant == config::IdpGrant::dev)
    return mint_dev_token();
  auto subject = subject_token();
  if (!subject)
    return usage(subject.error());
  auto fresh = request_token(*subject);
  if (fresh)
    store(*fresh, cache_key(*subject));
  return fresh;
}

void TokenSource::store(const AccessToken& token, const std::string& key) {
  held_ = token;
  held_key_ = key;
  cache_warning_.reset();
  if (options_.idp.token_cache_file.empty() || !token.expires_at_ms)
    return;
  if (auto written =
          write_private_file(options_.idp.token_cache_file, encode_token_cache(token, key));
      !written)
    cache_warning_ =
        Error{written.error().code, "client.idp.token_cache_file", written.error().message};
}

ClientResult<AccessToken> TokenSource::mint_dev_token() {
  const config::ClientIdpSection& idp = options_.idp;
  auto key = auth::dev_idp::read_key(idp.dev_key_file);
  if (!key)
    return usage(Error{key.error().code, "client.idp.dev_key_file",
                       idp.dev_key_file.string() + ": " + key.error().message});
  auth::dev_idp::TokenRequest request{
      .issuer = idp.issuer.empty() ? std::string(kDefaultDevIssuer) : idp.issuer,
      .audience = idp.audience,
      .asns = options_.dev_asns,
      .subject = "",
      .email = std::nullopt,
      .perms = 15,
      .ttl_seconds = idp.dev_ttl_seconds,
      .dpop_jkt = std::nullopt};
  if (options_.dpop_key)
    request.dpop_jkt = options_.dpop_key->key.thumbprint();
  const std::int64_t now = clock_.now_ms();
  auto jwt = auth::dev_idp::issue_token(*key, request, clock_, random_);
  if (!jwt)
    return usage(Error{jwt.error().code, "client.idp." + jwt.error().field, jwt.error().message});
  AccessToken out;
  out.value = std::move(*jwt);
  out.token_type = options_.dpop_key ? "DPoP" : "Bearer";
  out.obtained_at_ms = now;
  out.expires_at_ms = now + idp.dev_ttl_seconds * 1000;
  out.scope = "urn:ietf:params:oauth:scope:peering-api";
  out.origin = TokenOrigin::dev;
  return out;
}

ClientResult<AccessToken> TokenSource::request_token(const std::string& subject_token) {
  const config::ClientIdpSection& idp = options_.idp;
  if (endpoint_.empty()) {
    auto discovered = discover_token_endpoint(idp.issuer, http_);
    if (!discovered)
      return std::unexpected(std::move(discovered.error()));
    endpoint_ = std::move(*discovered);
  }
  std::string secret;
  if (idp.auth_method != config::TokenAuthMethod::none) {
    auto loaded = client_secret();
    if (!loaded)
      return usage(loaded.error());
    secret = std::move(*loaded);
  }
  const std::vector<std::string> secrets{secret, subject_token};

  std::vector<std::pair<std::string, std::string>> form;
  form.emplace_back("grant_type", grant_name(idp.grant));
  if (idp.grant == config::IdpGrant::token_exchange) {
    form.emplace_back("subject_token", subject_token);
    form.emplace_back("subject_token_type", idp.subject_token_type);
    if (!idp.requested_token_type.empty())
      form.emplace_back("requested_token_type", idp.requested_token_type);
  }
  for (const std::string& resource : idp.resources)
    form.emplace_back("resource", resource);
  if (!idp.audience.empty())
    form.emplace_back("audience", idp.audience);
  if (!idp.scope.empty())
    form.emplace_back("scope", idp.scope);
  if (idp.auth_method == config::TokenAuthMethod::client_secret_post) {
    form.emplace_back("client_id", idp.client_id);
    form.emplace_back("client_secret", secret);
  } else if (idp.auth_method == config::TokenAuthMethod::none && !idp.client_id.empty()) {
    form.emplace_back("client_id", idp.client_id);
  }
  std::string body;
  for (const auto& [name, value] : form)
    body += (body.empty() ? "" : "&") + form_encode(name) + "=" + form_encode(value);

  RetrySchedule schedule(options_.retry, clock_, random_);
  bool nonce_retried = false;
  int attempts = 0;
  for (;;) {
    ++attempts;
    net::HttpRequest request;
    request.method = net::Method::post;
    request.url = endpoint_;
    request.follow_redirects = false;
    request.max_response_bytes = kMaxTokenResponseBytes;
    request.body = body;
    request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    request.headers.emplace_back("Accept", "application/json");
    if (idp.auth_method == config::TokenAuthMethod::client_secret_basic)
      request.headers.emplace_back(
          "Authorization",
          "Basic " + util::base64_encode(form_encode(idp.client_id) + ":" + form_encode(secret)));
    if (options_.dpop_key) {
      auto proof =
          auth::dpop::make_proof(options_.dpop_key->key, options_.dpop_key->algorithm, "POST",
                                 endpoint_, std::nullopt, dpop_nonce_, clock_.now_ms(), random_);
      if (!proof)
        return usage(Error{proof.error().code, "client.dpop_key_file", proof.error().message});
      request.headers.emplace_back("DPoP", std::move(*proof));
    }
    auto result = http_.fetch(request);
    if (!result) {
      if (retryable_transport(result.error())) {
        if (auto delay = schedule.next_delay(std::nullopt)) {
          sleeper_.sleep_ms(*delay);
          continue;
        }
      }
      ClientError e = make_error(FailureKind::transport, result.error().code, "client.idp",
                                 "token request: " + result.error().message);
      e.attempts = attempts;
      return std::unexpected(std::move(e));
    }
    if (auto nonce = result->header("dpop-nonce"); nonce && !nonce->empty())
      dpop_nonce_ = std::string(*nonce);
    if (result->ok()) {
      auto token =
          decode_token_response(result->body, clock_.now_ms(), options_.dpop_key.has_value());
      if (!token)
        token.error().attempts = attempts;
      return token;
    }
    ClientError e = token_error(*result, clock_.now_ms(), secrets);
    e.attempts = attempts;
    // RFC 9449 section 8: the authorization server asks for its nonce in the proof.
    if (options_.dpop_key && !nonce_retried && result->status == 400 &&
        result->header("dpop-nonce") && !e.server_errors.empty() &&
        e.server_errors.front().code == "use_dpop_nonce") {
      nonce_retried = true;
      continue;
    }
    if (result->status == 429 || result->status == 503) {
      if (auto delay = schedule.next_delay(e.retry_after_ms)) {
        sleeper_.sleep_ms(*delay);
        continue;
      }
    }
    return std::unexpected(std::move(e));
  }
}

std::vector<model::Asn> dev_token_asns(const config::Config& config) {
  std::vector<model::Asn> out;
  if (config.client.asn)
    out.push_back(*config.client.asn);
  for (const model::Asn& asn : config.network.asns) {
    if (std::find(out.begin(), out.end(), asn) == out.end())
      out.push_back(asn);
  }
  return out;
}

Result<void> write_private_file(const std::filesystem::path& path, std::string_view content) {
  // The umask is process-wide: narrowing it briefly is the one way to have the temporary file
  // that write_file_atomically creates born with mode 0600.
  const mode_t previous = ::umask(077);
  std::error_code ec;
  if (path.has_parent_path())
    std::filesystem::create_directories(path.parent_path(), ec);
  auto written = ec ? Result<void>(fail(ErrorCode::io_error, path.string(),
                                        "cannot create its directory: " + ec.message()))
                    : util::write_file_atomically(path, content);
  ::umask(previous);
  if (written)  // a temporary file left by a crash keeps its old mode when reused
    ::chmod(path.c_str(), S_IRUSR | S_IWUSR);
  return written;
}

}  // namespace peerapi::client
