// PeeringDB OAuth: PeeringDB issues opaque access tokens (scopes "profile email networks"); the
// only way to learn whom a token belongs to is to ask PeeringDB's profile endpoint
// (https://auth.peeringdb.com/profile/v1) with it. The answer names the user and the networks the
// user holds permissions on, which become the Principal's ASNs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/principal.hpp"
#include "model/error.hpp"
#include "net/http_client.hpp"
#include "util/clock.hpp"

namespace peerapi::auth {

struct PeeringDbProfileOptions {
  /// PeeringDB permission bits (1 read, 2 update, 4 create, 8 delete) a network entry must carry
  /// all of, (perms & min_perms) == min_perms, for its ASN to be granted.
  int min_perms = 15;
  /// How long a profile answer is reused for the same token.
  std::int64_t cache_ttl_ms = 5 * 60'000;
  /// Tokens remembered at once; when full, expired entries go first, then the oldest.
  std::size_t max_cache_entries = 10'000;
  /// Longer tokens are refused without asking PeeringDB.
  std::size_t max_token_bytes = 4096;
  std::size_t max_profile_bytes = 256 * 1024;
};

/// Maps a PeeringDB profile document to a Principal: subject "peeringdb:<id>", `issuer`, "email"
/// (a string, or null/absent), and the ASNs of the "networks" entries {"asn": N, "perms": P}
/// whose perms carry all of `min_perms`, sorted and without duplicates -- only when
/// "verified_user" is true (an unverified PeeringDB account acts for no network). Entries whose
/// ASN no network can hold (Asn::from_number) are skipped. Errors: malformed_json / too_deep /
/// wrong_type at "" when not a JSON object; missing_field / wrong_type / invalid_value at the
/// member ("id", "email", "verified_user", "networks", "networks[1].perms").
Result<Principal> parse_peeringdb_profile(std::string_view json, std::string_view issuer,
                                          int min_perms);

class PeeringDbProfileValidator {
 public:
  /// `profile_url` is PeeringDB's profile endpoint (e.g. https://auth.peeringdb.com/profile/v1);
  /// the Principal's issuer is its origin ("https://auth.peeringdb.com"). `client` and `clock`
  /// must outlive the validator.
  PeeringDbProfileValidator(std::string profile_url, net::HttpClient& client,
                            const util::Clock& clock, PeeringDbProfileOptions options = {});

  /// The Principal for an opaque PeeringDB access token; thread-safe. A token seen within
  /// cache_ttl_ms is answered from the cache (keyed by its SHA-256) without asking PeeringDB.
  /// Otherwise GET profile_url with "Authorization: Bearer <token>" (RFC 6750 section 2.1), no
  /// redirects followed. Errors:
  /// - unauthenticated at "token": not an RFC 6750 b64token of 1..max_token_bytes octets, or
  ///   PeeringDB answered 401 or 403 (the token is unknown, expired or lacks the scopes);
  /// - io_error at "peeringdb_profile": PeeringDB unreachable or refused by the outbound guard,
  ///   any other HTTP status, or a profile document parse_peeringdb_profile refuses. The server
  ///   answers 503 for these, not 401: the token may be good.
  /// No message contains the token.
  Result<Principal> validate(std::string_view token);

  /// Tokens in the cache now, expired ones not yet dropped included.
  [[nodiscard]] std::size_t cached_tokens() const;

 private:
  struct Entry {
    Principal principal;
    std::int64_t expires_at_ms = 0;
  };
  void remember(const std::string& digest, const Principal& principal, std::int64_t now_ms);

  const std::string profile_url_;
  const std::string issuer_;
  net::HttpClient& client_;
  const util::Clock& clock_;
  const PeeringDbProfileOptions options_;

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> cache_;        // by raw SHA-256 of the token
  std::multimap<std::int64_t, std::string> by_expiry_;  // expires_at_ms -> digest
};

}  // namespace peerapi::auth
