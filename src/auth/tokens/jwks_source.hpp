// Key sources for an issuer's verification keys: a JWK Set fetched from its `jwks_uri` (RFC 7517
// section 5, RFC 8414 section 2) and a JWK Set file (`jwks_file`).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "auth/jose/jwk.hpp"
#include "auth/tokens/key_source.hpp"
#include "model/error.hpp"
#include "net/http_client.hpp"
#include "util/clock.hpp"

namespace peerapi::auth {

struct JwksSourceOptions {
  /// At most one fetch per interval, whatever asks for it: an unknown kid, an expired set, a
  /// retry after a failure. A stranger sending tokens with random kids costs one fetch per
  /// interval, not one per request.
  std::int64_t min_refresh_interval_ms = 30'000;
  /// How long a fetched set is fresh when the response gives no Cache-Control max-age.
  std::int64_t default_max_age_ms = 3'600'000;
  /// Bounds applied to a Cache-Control max-age (RFC 9111 section 5.2.2.1); "no-store" and
  /// "no-cache" count as the lower bound.
  std::int64_t min_max_age_ms = 5 * 60'000;
  std::int64_t max_max_age_ms = 24 * 3'600'000;
  /// Once a set is no longer fresh and refreshing fails, it is still served for this long (the
  /// stale-if-error idea of RFC 5861 section 4); after that keys() fails until a fetch succeeds.
  std::int64_t stale_if_error_ms = 24 * 3'600'000;
  jose::JwkSetLimits limits;
};

/// The freshness lifetime a JWKS response asks for: Cache-Control max-age clamped to the
/// options' bounds, the lower bound for no-store/no-cache, the default when absent or malformed.
std::int64_t jwks_max_age_ms(std::optional<std::string_view> cache_control,
                             const JwksSourceOptions& options);

/// A JWK Set fetched over HTTPS through the outbound guard, parsed with PrivateMembers::reject
/// and cached. Thread-safe: concurrent callers that need a fetch wait for one shared fetch.
class JwksKeySource final : public KeySource {
 public:
  /// `client` and `clock` must outlive the source. Nothing is fetched until the first keys().
  JwksKeySource(std::string jwks_uri, net::HttpClient& client, const util::Clock& clock,
                JwksSourceOptions options = {});

  /// The current set. Fetches first when there is no set yet, when the set is older than its
  /// max age, or when `unknown_kid` is not empty and not in the set -- each at most once per
  /// min_refresh_interval_ms. A failed fetch keeps the last good set while it is within
  /// max age + stale_if_error_ms. Errors, all at "jwks_uri": io_error when the document could
  /// not be fetched (or the HTTP status was not 2xx) and no usable set remains; data_invalid
  /// when it was fetched but is not an acceptable public JWK Set (private key members, bad
  /// JSON, over the limits) and no usable set remains.
  Result<std::shared_ptr<const jose::JwkSet>> keys(std::string_view unknown_kid) override;

  [[nodiscard]] const std::string& uri() const noexcept { return uri_; }

 private:
  struct Fetched {
    std::shared_ptr<const jose::JwkSet> keys;
    std::int64_t max_age_ms = 0;
  };
  Result<Fetched> fetch() const;
  Result<std::shared_ptr<const jose::JwkSet>> answer(std::int64_t now_ms) const;

  const std::string uri_;
  net::HttpClient& client_;
  const util::Clock& clock_;
  const JwksSourceOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable fetched_;
  bool in_flight_ = false;
  std::optional<std::int64_t> last_attempt_ms_;
  std::shared_ptr<const jose::JwkSet> keys_;
  std::int64_t fetched_at_ms_ = 0;
  std::int64_t max_age_ms_ = 0;
  std::optional<Error> last_error_;
};

/// A JWK Set file (`jwks_file`): public keys only, reloaded when the file's modification time or
/// size changes. Write a new file elsewhere and rename it into place so a reload never sees half
/// a file. Thread-safe.
class FileKeySource final : public KeySource {
 public:
  /// Loads `path` now. Errors at "jwks_file": io_error when it cannot be read, data_invalid when
  /// it is not a public JWK Set.
  static Result<std::shared_ptr<FileKeySource>> load(std::filesystem::path path,
                                                     jose::JwkSetLimits limits = {});

  /// The set from the file, reloading it first when it changed. A reload that fails keeps the
  /// previous set and is reported by last_reload_error(); never fails.
  Result<std::shared_ptr<const jose::JwkSet>> keys(std::string_view unknown_kid) override;

  /// Why the last reload failed; nullopt after a successful one.
  [[nodiscard]] std::optional<Error> last_reload_error() const;

 private:
  struct Stamp {
    std::filesystem::file_time_type mtime;
    std::uintmax_t size = 0;
    bool operator==(const Stamp&) const = default;
  };
  FileKeySource(std::filesystem::path path, jose::JwkSetLimits limits)
      : path_(std::move(path)), limits_(limits) {}
  static Result<std::shared_ptr<const jose::JwkSet>> read(const std::filesystem::path& path,
                                                          const jose::JwkSetLimits& limits);
  static std::optional<Stamp> stamp_of(const std::filesystem::path& path);

  const std::filesystem::path path_;
  const jose::JwkSetLimits limits_;
  mutable std::mutex mutex_;
  std::optional<Stamp> stamp_;
  std::shared_ptr<const jose::JwkSet> keys_;
  std::optional<Error> last_error_;
};

}  // namespace peerapi::auth
