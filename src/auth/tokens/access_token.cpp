#include "auth/tokens/access_token.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <utility>

#include "auth/jose/jws.hpp"
#include "model/asn.hpp"
#include "util/ascii.hpp"
#include "util/crypto.hpp"

namespace peerapi::auth {

namespace {

/// 9999-12-31T23:59:59Z: later NumericDates are refused, so every time fits in int64 ms.
constexpr std::int64_t kMaxNumericDate = 253'402'300'799;
/// Clock skew above an hour is a configuration mistake.
constexpr std::int64_t kMaxLeewayMs = 3'600'000;
/// Cache lifetimes are clamped to this, so now + ttl cannot overflow.
constexpr std::int64_t kMaxCacheTtlMs = std::int64_t{10} * 365 * 24 * 3600 * 1000;

std::unexpected<Error> reject(std::string field, std::string message) {
  return fail(ErrorCode::unauthenticated, std::move(field), std::move(message));
}

std::string claim_path(std::string_view name) {
  return join_path("token", name);
}

/// A JOSE error as a trust failure. Payload errors concern the claims set, so they are reported
/// at "token"; header and signature errors keep their path.
Error as_unauthenticated(const Error& error) {
  if (error.code == ErrorCode::unauthenticated)
    return error;
  std::string field = error.field;
  if (field.starts_with("payload"))
    field = "token" + field.substr(std::string_view("payload").size());
  return Error{ErrorCode::unauthenticated, std::move(field),
               "malformed access token: " + error.message};
}

/// RFC 7515 section 4.1.9: media types compare case-insensitively and "application/" may be
/// omitted; RFC 9068 section 2.1 names "at+jwt", RFC 7519 section 5.1 "JWT".
Result<void> check_typ(const jose::CompactJws& jws, IssuerPolicy::TypPolicy policy) {
  const bool lenient = policy == IssuerPolicy::TypPolicy::at_jwt_or_jwt;
  if (!jws.header().contains("typ")) {
    if (lenient)
      return {};
    return reject("token.typ",
                  "the header has no \"typ\"; access tokens must be typed \"at+jwt\" "
                  "(RFC 9068 section 2.1)");
  }
  std::string_view typ = jws.typ();
  constexpr std::string_view kPrefix = "application/";
  if (typ.size() > kPrefix.size() && util::iequals(typ.substr(0, kPrefix.size()), kPrefix))
    typ.remove_prefix(kPrefix.size());
  if (util::iequals(typ, "at+jwt") || (lenient && util::iequals(typ, "jwt")))
    return {};
  return reject("token.typ", lenient
                                 ? "\"typ\" must be \"at+jwt\" or \"JWT\" (RFC 9068 section 2.1)"
                                 : "\"typ\" must be \"at+jwt\" (RFC 9068 section 2.1): other "
                                   "JWTs, such as ID tokens, are not access tokens");
}

/// A NumericDate claim (RFC 7519 section 2) in Unix milliseconds; nullopt when absent.
Result<std::optional<std::int64_t>> numeric_date_ms(const boost::json::object& claims,
                                                    std::string_view name) {
  const boost::json::value* value = claims.if_contains(name);
  if (value == nullptr)
    return std::nullopt;
  if (value->is_int64()) {
    const std::int64_t seconds = value->get_int64();
    if (seconds >= 0 && seconds <= kMaxNumericDate)
      return seconds * 1000;
  } else if (value->is_double()) {
    const double seconds = value->get_double();
    if (std::isfinite(seconds) && seconds >= 0 && seconds <= static_cast<double>(kMaxNumericDate))
      return static_cast<std::int64_t>(std::floor(seconds * 1000.0));
  }
  return reject(claim_path(name),
                "must be a NumericDate: seconds since 1970-01-01T00:00:00Z, from 0 to "
                "253402300799 (RFC 7519 section 2)");
}

Result<void> check_audience(const boost::json::object& claims, std::string_view audience) {
  const boost::json::value* aud = claims.if_contains("aud");
  if (aud == nullptr) {
    return reject("token.aud",
                  "the token has no \"aud\"; it must name this API (RFC 9068 section 4)");
  }
  if (const boost::json::string* single = aud->if_string()) {
    if (*single == audience)
      return {};
  } else if (const boost::json::array* many = aud->if_array()) {
    bool found = false;
    for (const boost::json::value& element : *many) {
      const boost::json::string* name = element.if_string();
      if (name == nullptr)
        return reject("token.aud", "must be a string or an array of strings (RFC 7519 4.1.3)");
      found = found || *name == audience;
    }
    if (found)
      return {};
  } else {
    return reject("token.aud", "must be a string or an array of strings (RFC 7519 4.1.3)");
  }
  return reject("token.aud", "the token is meant for another audience than this API");
}

/// Time claims (RFC 7519 sections 4.1.4 to 4.1.6, RFC 9068 section 4 steps 7 and 8); returns exp.
Result<std::int64_t> check_times(const boost::json::object& claims, const IssuerPolicy& policy,
                                 std::int64_t now_ms) {
  auto exp = numeric_date_ms(claims, "exp");
  if (!exp)
    return std::unexpected(exp.error());
  if (!*exp)
    return reject("token.exp", "the token has no \"exp\" (RFC 9068 section 2.2)");
  auto nbf = numeric_date_ms(claims, "nbf");
  if (!nbf)
    return std::unexpected(nbf.error());
  auto iat = numeric_date_ms(claims, "iat");
  if (!iat)
    return std::unexpected(iat.error());

  const std::int64_t expires = **exp;
  if (now_ms >= expires + policy.leeway_ms)
    return reject("token.exp", "the token has expired");
  if (*nbf && **nbf > now_ms + policy.leeway_ms)
    return reject("token.nbf", "the token is not valid yet");
  if (*iat && **iat > now_ms + policy.leeway_ms)
    return reject("token.iat", "the token claims to be issued in the future");
  // Without "iat" the token was issued at or before now, so exp - now is a lower bound of its
  // lifetime.
  const std::int64_t issued = *iat ? **iat : now_ms;
  if (expires - issued > policy.max_lifetime_ms) {
    return reject("token.exp", "the token's lifetime is above the limit of " +
                                   std::to_string(policy.max_lifetime_ms / 1000) + " s");
  }
  return expires;
}

/// An ASN given as an integer or as "64501" / "AS64501"; the error's field is empty (the caller
/// knows the path).
Result<model::Asn> asn_from_json(const boost::json::value& value) {
  Result<model::Asn> asn = std::unexpected(Error{});
  if (value.is_int64()) {
    asn = model::Asn::from_number(value.get_int64(), "");
  } else if (value.is_uint64()) {
    return reject("", "an ASN is an integer from 1 to 4294967294");
  } else if (const boost::json::string* text = value.if_string()) {
    asn = model::Asn::parse(*text, "");
  } else {
    return reject("", "an ASN must be an integer or a string such as \"AS64501\"");
  }
  if (!asn)
    return reject("", asn.error().message);
  return asn;
}

/// The networks granted by the asn_claim; see AccessTokenValidator::validate step 6. Field paths
/// are built only for an error: this runs on every token that is not cached.
Result<std::vector<model::Asn>> granted_asns(const boost::json::object& claims,
                                             const IssuerPolicy& policy) {
  const boost::json::value* claim = claims.if_contains(policy.asn_claim);
  if (claim == nullptr) {
    return reject(claim_path(policy.asn_claim),
                  "the token has no \"" + policy.asn_claim +
                      "\" claim naming the networks the caller acts for");
  }
  const boost::json::array* entries = claim->if_array();
  if (entries == nullptr) {
    return reject(claim_path(policy.asn_claim),
                  "must be an array of ASNs or of PeeringDB entries {\"asn\": N, \"perms\": P}");
  }
  const auto entry_path = [&](std::size_t index, std::string_view member = {}) {
    std::string path = claim_path(policy.asn_claim) + "[" + std::to_string(index) + "]";
    return member.empty() ? path : join_path(path, member);
  };
  const bool peeringdb_shape = !entries->empty() && entries->front().is_object();
  std::vector<model::Asn> asns;
  asns.reserve(entries->size());
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const boost::json::value& entry = (*entries)[i];
    if (entry.is_object() != peeringdb_shape) {
      return reject(entry_path(i),
                    "mixes PeeringDB entries {\"asn\": N, \"perms\": P} with plain ASNs");
    }
    const boost::json::value* asn_value = &entry;
    if (peeringdb_shape) {
      const boost::json::object& object = entry.get_object();
      asn_value = object.if_contains("asn");
      if (asn_value == nullptr)
        return reject(entry_path(i, "asn"), "a PeeringDB entry needs \"asn\"");
      const boost::json::value* perms = object.if_contains("perms");
      if (perms == nullptr || !perms->is_int64() || perms->get_int64() < 0) {
        return reject(
            entry_path(i, "perms"),
            "must be a non-negative integer bitmask (1 read, 2 update, 4 create, 8 delete)");
      }
      auto asn = asn_from_json(*asn_value);
      if (!asn)
        return reject(entry_path(i, "asn"), asn.error().message);
      if ((perms->get_int64() & policy.min_perms) == policy.min_perms)
        asns.push_back(*asn);
      continue;
    }
    auto asn = asn_from_json(*asn_value);
    if (!asn)
      return reject(entry_path(i), asn.error().message);
    asns.push_back(*asn);
  }
  if (asns.empty()) {
    if (entries->empty())
      return reject(claim_path(policy.asn_claim), "the token grants no network");
    return reject(claim_path(policy.asn_claim),
                  "no network in the token grants the permissions required here (perms " +
                      std::to_string(policy.min_perms) + "): perms too low");
  }
  std::ranges::sort(asns);
  const auto duplicates = std::ranges::unique(asns);
  asns.erase(duplicates.begin(), duplicates.end());
  return asns;
}

bool is_sha256_thumbprint(std::string_view text) {
  if (text.size() != 43)
    return false;
  const auto decoded = util::base64url_decode(text);
  return decoded && decoded->size() == 32;
}

/// RFC 9449 section 6.1 confirmation; nullopt when the token is not sender-constrained.
Result<std::optional<std::string>> confirmation_jkt(const boost::json::object& claims) {
  const boost::json::value* cnf = claims.if_contains("cnf");
  if (cnf == nullptr)
    return std::nullopt;
  const boost::json::object* members = cnf->if_object();
  if (members == nullptr)
    return reject("token.cnf", "must be a JSON object (RFC 7800 section 3.1)");
  const boost::json::value* jkt = members->if_contains("jkt");
  if (jkt == nullptr) {
    return reject("token.cnf",
                  "the token is bound to a key by a confirmation method this server cannot "
                  "check; only DPoP \"jkt\" (RFC 9449 section 6.1) is supported");
  }
  const boost::json::string* thumbprint = jkt->if_string();
  if (thumbprint == nullptr || !is_sha256_thumbprint(*thumbprint)) {
    return reject("token.cnf.jkt",
                  "must be the base64url SHA-256 JWK thumbprint of the DPoP key (RFC 9449 "
                  "section 6.1, RFC 7638)");
  }
  return std::string(*thumbprint);
}

Result<Principal> principal_from(const boost::json::object& claims, const IssuerPolicy& policy) {
  Principal principal;
  principal.issuer = policy.issuer;
  const boost::json::value* sub = claims.if_contains("sub");
  if (sub == nullptr)
    return reject("token.sub", "the token has no \"sub\" (RFC 9068 section 2.2)");
  if (!sub->is_string() || sub->get_string().empty())
    return reject("token.sub", "must be a non-empty string");
  principal.subject = std::string(sub->get_string());
  if (const boost::json::value* email = claims.if_contains("email"); email && !email->is_null()) {
    if (!email->is_string())
      return reject("token.email", "must be a string");
    principal.email = std::string(email->get_string());
  }
  auto asns = granted_asns(claims, policy);
  if (!asns)
    return std::unexpected(asns.error());
  if (policy.allowed_asns) {
    std::erase_if(*asns, [&](model::Asn asn) {
      return std::ranges::find(*policy.allowed_asns, asn) == policy.allowed_asns->end();
    });
    if (asns->empty()) {
      return reject(claim_path(policy.asn_claim),
                    "the token grants no network its issuer is attested for; this issuer may "
                    "only act for the ASNs the operator attests it for");
    }
  }
  principal.asns = std::move(*asns);
  return principal;
}

}  // namespace

std::string access_token_hash(std::string_view token) {
  return util::base64url_encode(util::sha256(token));
}

Result<void> check_issuer_policies(std::span<const IssuerPolicy> issuers) {
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < issuers.size(); ++i) {
    const IssuerPolicy& policy = issuers[i];
    const std::string at = "issuers[" + std::to_string(i) + "]";
    const auto invalid = [&](std::string_view member, std::string message) {
      return fail(ErrorCode::config_invalid, join_path(at, member), std::move(message));
    };
    if (policy.issuer.empty())
      return invalid("issuer", "must not be empty");
    if (!seen.insert(policy.issuer).second)
      return invalid("issuer", "the same issuer is configured twice");
    if (policy.audience.empty())
      return invalid("audience", "must not be empty");
    if (policy.algorithms.empty())
      return invalid("algorithms", "name at least one algorithm (RFC 8725 section 3.1)");
    if (policy.asn_claim.empty())
      return invalid("asn_claim", "must not be empty");
    if (policy.min_perms < 0 || policy.min_perms > 15)
      return invalid("min_perms", "must be a PeeringDB permission mask from 0 to 15");
    if (policy.leeway_ms < 0 || policy.leeway_ms > kMaxLeewayMs)
      return invalid("leeway_ms", "must be from 0 to 3600000 (one hour)");
    if (policy.max_lifetime_ms <= 0 || policy.max_lifetime_ms > kMaxCacheTtlMs)
      return invalid("max_lifetime_ms", "must be positive and at most ten years");
    if (policy.max_token_bytes == 0)
      return invalid("max_token_bytes", "must be positive");
    if (policy.keys == nullptr)
      return invalid("keys", "no verification key source");
  }
  return {};
}

AccessTokenValidator::AccessTokenValidator(std::vector<IssuerPolicy> issuers,
                                           const util::Clock& clock, CacheOptions cache)
    : issuers_(make_list(std::move(issuers), 0)),
      clock_(clock),
      cache_ttl_ms_(std::clamp<std::int64_t>(cache.max_ttl_ms, 0, kMaxCacheTtlMs)),
      cache_(cache) {}

std::shared_ptr<const AccessTokenValidator::IssuerList> AccessTokenValidator::make_list(
    std::vector<IssuerPolicy> policies, std::uint64_t generation) {
  auto list = std::make_shared<IssuerList>();
  list->policies = std::move(policies);
  list->generation = generation;
  for (const IssuerPolicy& policy : list->policies)
    list->max_token_bytes = std::max(list->max_token_bytes, policy.max_token_bytes);
  if (list->policies.empty())
    list->max_token_bytes = IssuerPolicy{}.max_token_bytes;
  return list;
}

void AccessTokenValidator::add_issuer(IssuerPolicy policy) {
  const std::lock_guard lock(writer_);
  const std::shared_ptr<const IssuerList> current = issuers_.load();
  std::vector<IssuerPolicy> next = current->policies;
  const auto same =
      std::ranges::find_if(next, [&](const IssuerPolicy& p) { return p.issuer == policy.issuer; });
  if (same != next.end())
    *same = std::move(policy);
  else
    next.push_back(std::move(policy));
  issuers_.store(make_list(std::move(next), current->generation + 1));
}

std::vector<std::string> AccessTokenValidator::issuers() const {
  std::vector<std::string> names;
  for (const IssuerPolicy& policy : issuers_.load()->policies)
    names.push_back(policy.issuer);
  return names;
}

Result<ValidatedToken> AccessTokenValidator::validate(std::string_view token) {
  const std::shared_ptr<const IssuerList> issuers = issuers_.load();
  if (token.empty())
    return reject("token", "the access token is empty");
  if (token.size() > issuers->max_token_bytes) {
    return reject("token", "the access token has " + std::to_string(token.size()) +
                               " octets, above the limit of " +
                               std::to_string(issuers->max_token_bytes));
  }
  const std::int64_t now_ms = clock_.now_ms();
  if (!cache_.enabled() || cache_ttl_ms_ <= 0) {
    // Nothing to look up or store: the token's digest is computed while parsing, together with
    // the signing input's.
    return validate_uncached(*issuers, token, nullptr, now_ms);
  }
  const util::Sha256Digest digest = util::sha256_digest(token);
  if (auto hit = cache_.find(digest, now_ms); hit && hit->issuer_generation == issuers->generation)
    return *hit;
  auto validated = validate_uncached(*issuers, token, &digest, now_ms);
  if (validated) {
    const std::int64_t valid_until = std::min(validated->expires_at_ms, now_ms + cache_ttl_ms_);
    if (valid_until > now_ms) {
      cache_.insert(digest, std::make_shared<const ValidatedToken>(*validated), valid_until,
                    now_ms);
    }
  }
  return validated;
}

Result<ValidatedToken> AccessTokenValidator::validate_uncached(
    const IssuerList& issuers, std::string_view token, const util::Sha256Digest* token_sha256,
    std::int64_t now_ms) const {
  jose::JwsLimits limits;
  limits.max_token_bytes = issuers.max_token_bytes;
  limits.payload_format = jose::PayloadFormat::json_object;
  limits.sha256_digests = token_sha256 == nullptr;
  auto parsed = jose::CompactJws::parse(token, limits);
  if (!parsed)
    return std::unexpected(as_unauthenticated(parsed.error()));

  // RFC 9068 section 4 step 3; the value is trusted only once the signature verifies with this
  // issuer's keys.
  const boost::json::value* iss = parsed->claims().if_contains("iss");
  if (iss == nullptr)
    return reject("token.iss", "the token has no \"iss\" (RFC 9068 section 2.2)");
  if (!iss->is_string())
    return reject("token.iss", "must be a string");
  const auto policy = std::ranges::find_if(issuers.policies, [&](const IssuerPolicy& p) {
    return p.issuer == std::string_view(iss->get_string());
  });
  if (policy == issuers.policies.end())
    return reject("token.iss", "the token's issuer is not trusted by this server");
  if (token.size() > policy->max_token_bytes) {
    return reject("token", "the access token has " + std::to_string(token.size()) +
                               " octets, above this issuer's limit of " +
                               std::to_string(policy->max_token_bytes));
  }
  if (policy->keys == nullptr)
    return reject("key", "no verification keys are configured for this issuer");

  jose::VerifyOptions options;
  options.algorithms = policy->algorithms;
  options.limits = limits;
  static const jose::JwkSet kNoKeys;
  const auto key_set =
      [&](std::string_view unknown_kid) -> Result<std::shared_ptr<const jose::JwkSet>> {
    auto keys = policy->keys->keys(unknown_kid);
    if (!keys) {
      return reject("key",
                    "the issuer's verification keys are unavailable: " + keys.error().message);
    }
    return std::move(*keys);
  };
  auto keys = key_set("");
  if (!keys)
    return std::unexpected(keys.error());
  auto verified = jose::verify(std::move(*parsed), *keys ? **keys : kNoKeys, options);
  if (!verified && verified.error().code == ErrorCode::unauthenticated &&
      verified.error().field == "header.kid") {
    // Key rotation: the issuer may have published a key the source has not fetched yet.
    auto reparsed = jose::CompactJws::parse(token, limits);
    if (!reparsed)
      return std::unexpected(as_unauthenticated(reparsed.error()));
    keys = key_set(reparsed->kid());
    if (!keys)
      return std::unexpected(keys.error());
    verified = jose::verify(std::move(*reparsed), *keys ? **keys : kNoKeys, options);
  }
  if (!verified)
    return std::unexpected(as_unauthenticated(verified.error()));

  if (auto typ = check_typ(verified->jws(), policy->typ); !typ)
    return std::unexpected(typ.error());
  const boost::json::object& claims = verified->claims();
  if (auto audience = check_audience(claims, policy->audience); !audience)
    return std::unexpected(audience.error());
  auto expires = check_times(claims, *policy, now_ms);
  if (!expires)
    return std::unexpected(expires.error());
  auto principal = principal_from(claims, *policy);
  if (!principal)
    return std::unexpected(principal.error());
  auto jkt = confirmation_jkt(claims);
  if (!jkt)
    return std::unexpected(jkt.error());

  // Without token_sha256 the token was parsed with sha256_digests, which computed it.
  const util::Sha256Digest& digest =
      token_sha256 != nullptr ? *token_sha256 : *verified->jws().token_sha256();
  std::string token_hash = util::base64url_encode(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
  return ValidatedToken{std::move(*principal), std::move(*jkt), *expires, std::move(token_hash),
                        issuers.generation};
}

}  // namespace peerapi::auth
