// Access tokens for the client's calls from the network's identity provider ([client.idp]):
// the client credentials grant (RFC 6749 section 4.4), token exchange (RFC 8693 section 2.1,
// the RPKI-attested IdP flow of draft section 5.1), or the development IdP key. Requests go
// through net::HttpClient and so through the outbound guard. A token is cached (memory and an
// optional file) and reused until shortly before it expires. Secrets (the client secret, the
// subject token, the access token) never appear in an error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/client_error.hpp"
#include "client/retry.hpp"
#include "client/setup.hpp"
#include "config/config.hpp"
#include "model/asn.hpp"
#include "model/error.hpp"
#include "net/http_client.hpp"
#include "util/clock.hpp"

namespace peerapi::client {

/// RFC 8693 section 2.1 grant type of token exchange.
inline constexpr std::string_view kTokenExchangeGrant =
    "urn:ietf:params:oauth:grant-type:token-exchange";
/// The issuer dev tokens name when [client.idp] gives none (as `peerapi dev-idp token`).
inline constexpr std::string_view kDefaultDevIssuer = "https://dev-idp.example";

enum class TokenOrigin : std::uint8_t {
  idp,    // just issued by the IdP
  cache,  // issued earlier, still valid (memory or token_cache_file)
  dev,    // minted locally with the development IdP key
};

/// "idp", "cache", "dev".
std::string_view to_string(TokenOrigin origin) noexcept;

struct AccessToken {
  std::string value{};       // secret: never printed unless asked for
  std::string token_type{};  // "Bearer" or "DPoP" (RFC 9449 section 5), as normalised here
  /// Unix ms when the IdP said it expires (from expires_in); nullopt when it said nothing.
  std::optional<std::int64_t> expires_at_ms{};
  std::int64_t obtained_at_ms = 0;
  std::string scope{};              // the granted scope, when the IdP names it
  std::string issued_token_type{};  // RFC 8693 section 2.2.1, when the IdP names it
  TokenOrigin origin = TokenOrigin::idp;
};

/// How long before its expiry a token is no longer handed out: a quarter of its lifetime, at
/// most one minute, so a call made with it does not arrive after it expired.
std::int64_t refresh_margin_ms(const AccessToken& token) noexcept;
/// Whether `token` may still be handed out at `now_ms`: it has an expiry and now_ms +
/// refresh_margin_ms is before it. A token without expires_in is never reused.
bool reusable(const AccessToken& token, std::int64_t now_ms) noexcept;

/// application/x-www-form-urlencoded (WHATWG URL section 5.2, as RFC 6749 appendix B): every
/// byte but ALPHA / DIGIT / "*-._" percent-encoded, space as "+".
std::string form_encode(std::string_view text);

/// The successful token response (RFC 6749 section 5.1; RFC 8693 section 2.2.1): a JSON object
/// with a non-empty "access_token" string, "token_type" Bearer or DPoP (any case), optional
/// "expires_in" (a positive integer, seconds from `now_ms`), "scope" and "issued_token_type"
/// strings. Errors are decode failures: malformed_json, wrong_type at the member, missing_field
/// at "access_token" / "token_type", invalid_value at "token_type" for other types and at
/// "expires_in" for a non-positive lifetime. `dpop` says a DPoP proof went with the request: the
/// token must then be DPoP-bound (RFC 9449 section 5), and without one it must be a Bearer.
ClientResult<AccessToken> decode_token_response(std::string_view body, std::int64_t now_ms,
                                                bool dpop);

/// The failure for a token response that is not 200: an http failure whose server_errors hold
/// the OAuth error (RFC 6749 section 5.2: "error" as the code, "error_description" as the
/// message) and whose summary names both: 400/401 invalid_client, invalid_grant,
/// unauthorized_client -> unauthenticated; access_denied -> forbidden; other OAuth errors ->
/// invalid_value; without an OAuth error body the code follows the status. Text from the IdP is
/// cut to 300 characters and every occurrence of a string in `secrets` is replaced by
/// "[redacted]".
ClientError token_error(const net::HttpResult& result, std::int64_t now_ms,
                        const std::vector<std::string>& secrets);

/// The token endpoint from the issuer's metadata (RFC 8414 section 3, then OpenID Connect
/// Discovery 1.0 section 4): the first well-known URL that answers 2xx must give a JSON object
/// whose "issuer" equals `issuer` exactly (RFC 8414 section 3.3) and whose "token_endpoint" is
/// an absolute http(s) URL. Failures are transport (no answer), http (no URL answered 2xx, the
/// message naming each URL and status) or decode ("metadata.issuer", "metadata.token_endpoint").
ClientResult<std::string> discover_token_endpoint(std::string_view issuer, net::HttpClient& http);

/// The token cache file: {"version": 1, "key": <hex>, "access_token", "token_type",
/// "obtained_at", "expires_at" (Unix ms), "scope", "issued_token_type"}. `key` identifies the
/// request the token answers (see TokenSource): a token is reused only for the same request.
std::string encode_token_cache(const AccessToken& token, std::string_view key);
/// The cached token when the text is such a document for `key`; nullopt for anything else (a
/// cache that cannot be used is simply not used).
std::optional<AccessToken> decode_token_cache(std::string_view text, std::string_view key);

struct TokenSourceOptions {
  config::ClientIdpSection idp{};
  /// Grant "dev": the ASNs the token speaks for (client.asn, then network.asns).
  std::vector<model::Asn> dev_asns{};
  /// The DPoP key (client.dpop_key_file): token requests then carry a DPoP proof (RFC 9449
  /// section 5) and the token is bound to it; dev tokens carry its thumbprint as cnf.jkt.
  std::optional<DpopKey> dpop_key{};
  /// Retries of a token request after 429, 503 and connection failures (a token request may
  /// always be repeated: each answer is a new token).
  RetryPolicy retry{};
};

class TokenSource {
 public:
  /// `http`, `clock`, `random` and `sleeper` must outlive the source. Not thread-safe.
  TokenSource(TokenSourceOptions options, net::HttpClient& http, const util::Clock& clock,
              util::RandomSource& random, Sleeper& sleeper);

  /// A token that is reusable() now: the one held in memory, else the one in token_cache_file
  /// when it answers the same request, else fresh_token().
  ClientResult<AccessToken> token();

  /// A new token, whatever the cache holds: minted (grant "dev") or requested from the token
  /// endpoint (discovered from the issuer on first use when token_endpoint is not set). The
  /// request is a form POST (RFC 6749 section 4.4.2 / RFC 8693 section 2.1) with
  /// client_secret_basic (RFC 6749 section 2.3.1: id and secret form-encoded, then base64),
  /// client_secret_post, or only client_id ("none"); "scope", "audience" and each "resource"
  /// (RFC 8707 section 2) when configured; a DPoP proof when a key is configured, sent once more
  /// with the server's nonce after a use_dpop_nonce error (RFC 9449 section 8). Redirects are
  /// not followed. A reusable token is written to token_cache_file (mode 0600, atomically).
  /// Usage failures (field "client.idp.*") for unreadable secret, subject token or key files
  /// and an unusable key; transport, http (token_error) and decode failures otherwise. A failure
  /// to write the cache file is not a failure of the call: it is kept in cache_warning().
  ClientResult<AccessToken> fresh_token();

  /// The token endpoint used, once known (configured, or after discovery).
  [[nodiscard]] const std::string& token_endpoint() const noexcept { return endpoint_; }
  /// Why the last token could not be written to token_cache_file, if it could not.
  [[nodiscard]] const std::optional<Error>& cache_warning() const noexcept {
    return cache_warning_;
  }
  /// Identifies the request a token answers: the endpoint or issuer, grant, client id, scope,
  /// audience, resources, token types, the DPoP key's thumbprint and a digest of the subject
  /// token. Never the client secret. Hex SHA-256.
  [[nodiscard]] std::string cache_key(std::string_view subject_token) const;

 private:
  ClientResult<AccessToken> mint_dev_token();
  ClientResult<AccessToken> request_token(const std::string& subject_token);
  Result<std::string> client_secret() const;
  Result<std::string> subject_token() const;
  void store(const AccessToken& token, const std::string& key);

  TokenSourceOptions options_;
  net::HttpClient& http_;
  const util::Clock& clock_;
  util::RandomSource& random_;
  Sleeper& sleeper_;
  std::string endpoint_;
  std::optional<std::string> dpop_nonce_;
  std::optional<AccessToken> held_;
  std::string held_key_;
  std::optional<Error> cache_warning_;
};

/// The ASNs a dev token speaks for: client.asn (when set) and network.asns, without repeats.
std::vector<model::Asn> dev_token_asns(const config::Config& config);

/// Writes `content` to `path` with mode 0600 through util::write_file_atomically (the umask is
/// narrowed around the call, so the file is never readable by others, not even briefly);
/// creates missing parent directories with mode 0700.
Result<void> write_private_file(const std::filesystem::path& path, std::string_view content);

}  // namespace peerapi::client
