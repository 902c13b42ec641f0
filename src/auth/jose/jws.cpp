#include "auth/jose/jws.hpp"

#include <algorithm>

#include "auth/jose/json_text.hpp"
#include "auth/jose/signature.hpp"
#include "util/crypto.hpp"

namespace peerapi::auth::jose {

namespace {

constexpr std::size_t kMaxEchoedChars = 32;
/// The arena's first block: enough for the header and claims of a typical access token.
constexpr std::size_t kArenaInitialBytes = 2048;

/// A header value safe to repeat in an error message: short printable ASCII, or a placeholder.
std::string quoted_for_message(std::string_view untrusted) {
  const bool printable = std::all_of(untrusted.begin(), untrusted.end(),
                                     [](char c) { return c >= 0x20 && c < 0x7f && c != '"'; });
  if (!printable || untrusted.size() > kMaxEchoedChars)
    return "(unprintable or too long)";
  return "\"" + std::string(untrusted) + "\"";
}

std::string_view string_member(const boost::json::object& object, std::string_view name) {
  const boost::json::value* member = object.if_contains(name);
  if (member == nullptr || !member->is_string())
    return {};
  return member->get_string();
}

Result<std::string> decode_segment(std::string_view text, std::string_view field,
                                   std::size_t max_bytes) {
  auto bytes = util::base64url_decode(text);
  if (!bytes) {
    return fail(ErrorCode::invalid_value, std::string(field),
                "not canonical unpadded base64url (RFC 7515 section 2)");
  }
  if (bytes->size() > max_bytes) {
    return fail(
        ErrorCode::invalid_value, std::string(field),
        std::to_string(bytes->size()) + " octets, above the limit of " + std::to_string(max_bytes));
  }
  return std::move(*bytes);
}

Result<boost::json::object> parse_object(std::string_view text, std::size_t max_depth,
                                         std::string_view field,
                                         const boost::json::storage_ptr& storage) {
  auto value = json_text::parse(text, max_depth, field, storage);
  if (!value)
    return std::unexpected(value.error());
  if (!value->is_object())
    return fail(ErrorCode::wrong_type, std::string(field), "must be a JSON object");
  return std::move(value->get_object());
}

/// RFC 7515 section 4.1 members this layer reads, checked for type so later reads cannot fail.
Result<void> check_header_members(const boost::json::object& header) {
  auto alg = json_text::required_string(header, "alg");
  if (!alg)
    return std::unexpected(alg.error().under("header"));
  for (std::string_view name : {"kid", "typ", "cty"}) {
    if (auto member = json_text::optional_string(header, name); !member)
      return std::unexpected(member.error().under("header"));
  }
  if (const boost::json::value* jwk = header.if_contains("jwk"); jwk && !jwk->is_object())
    return fail(ErrorCode::wrong_type, "header.jwk", "must be a JSON object (a JWK)");
  if (header.contains("crit")) {
    return fail(ErrorCode::invalid_value, "header.crit",
                "no critical header extension is understood (RFC 7515 section 4.1.11)");
  }
  return {};
}

}  // namespace

Result<CompactJws> CompactJws::parse(std::string_view token, const JwsLimits& limits) {
  if (token.size() > limits.max_token_bytes) {
    return fail(ErrorCode::invalid_value, "token",
                "token of " + std::to_string(token.size()) + " bytes is above the limit of " +
                    std::to_string(limits.max_token_bytes));
  }
  const std::size_t first_dot = token.find('.');
  const std::size_t second_dot =
      first_dot == std::string_view::npos ? std::string_view::npos : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos ||
      token.find('.', second_dot + 1) != std::string_view::npos) {
    return fail(ErrorCode::invalid_value, "token",
                "not a JWS compact serialization: three base64url segments separated by '.' "
                "(RFC 7515 section 7.1)");
  }
  const std::string_view header_text = token.substr(0, first_dot);
  const std::string_view payload_text = token.substr(first_dot + 1, second_dot - first_dot - 1);
  const std::string_view signature_text = token.substr(second_dot + 1);

  // Header and claims live in one arena, freed with the last copy of either: a token's DOM is
  // a few dozen small nodes, and one allocation instead of one per node is a measurable part of
  // validating it (bench/token_bench).
  const boost::json::storage_ptr arena =
      boost::json::make_shared_resource<boost::json::monotonic_resource>(kArenaInitialBytes);
  CompactJws jws(arena);
  auto header_json = decode_segment(header_text, "header", limits.max_header_bytes);
  if (!header_json)
    return std::unexpected(header_json.error());
  auto header = parse_object(*header_json, limits.max_json_depth, "header", arena);
  if (!header)
    return std::unexpected(header.error());
  if (auto members = check_header_members(*header); !members)
    return std::unexpected(members.error());
  jws.header_ = std::move(*header);

  auto payload = decode_segment(payload_text, "payload", limits.max_payload_bytes);
  if (!payload)
    return std::unexpected(payload.error());
  jws.payload_ = std::move(*payload);
  if (limits.payload_format == PayloadFormat::json_object) {
    auto claims = parse_object(jws.payload_, limits.max_json_depth, "payload", arena);
    if (!claims)
      return std::unexpected(claims.error());
    jws.claims_ = std::move(*claims);
  }

  // A signature is never larger than the token it came in, so the token limit bounds it.
  auto signature = decode_segment(signature_text, "signature", limits.max_token_bytes);
  if (!signature)
    return std::unexpected(signature.error());
  jws.signature_ = std::move(*signature);
  jws.token_ = std::string(token);
  jws.signing_input_size_ = second_dot;
  return jws;
}

std::string_view CompactJws::alg() const noexcept {
  return string_member(header_, "alg");
}

std::string_view CompactJws::kid() const noexcept {
  return string_member(header_, "kid");
}

std::string_view CompactJws::typ() const noexcept {
  return string_member(header_, "typ");
}

const boost::json::object* CompactJws::jwk() const noexcept {
  const boost::json::value* member = header_.if_contains("jwk");
  return member == nullptr ? nullptr : member->if_object();
}

std::string_view CompactJws::signing_input() const noexcept {
  return std::string_view(token_).substr(0, signing_input_size_);
}

Result<Algorithm> allowed_algorithm(const CompactJws& jws, const AlgorithmSet& allowed) {
  const std::string_view name = jws.alg();
  if (name == "none") {
    return fail(ErrorCode::unauthenticated, "header.alg",
                "an unsecured JWS (alg \"none\") is never accepted (RFC 8725 section 3.2)");
  }
  const std::optional<Algorithm> algorithm = algorithm_from_name(name);
  if (!algorithm) {
    return fail(ErrorCode::unauthenticated, "header.alg",
                "unsupported alg " + quoted_for_message(name));
  }
  if (!allowed.contains(*algorithm)) {
    return fail(ErrorCode::unauthenticated, "header.alg",
                "alg " + std::string(name) + " is not allowed here (allowed: " +
                    (allowed.empty() ? std::string("none configured") : allowed.to_string()) + ")");
  }
  return *algorithm;
}

Result<VerifiedJws> verify(CompactJws jws, const Jwk& key, const VerifyOptions& options) {
  auto algorithm = allowed_algorithm(jws, options.algorithms);
  if (!algorithm)
    return std::unexpected(algorithm.error());
  if (auto verified = verify_signature(*algorithm, key, jws.signing_input(), jws.signature(),
                                       options.min_rsa_bits);
      !verified) {
    return std::unexpected(verified.error());
  }
  return VerifiedJws(std::move(jws), *algorithm);
}

Result<VerifiedJws> verify(CompactJws jws, const JwkSet& keys, const VerifyOptions& options) {
  auto algorithm = allowed_algorithm(jws, options.algorithms);
  if (!algorithm)
    return std::unexpected(algorithm.error());
  const std::string_view kid = jws.kid();
  std::vector<const Jwk*> candidates;
  if (!kid.empty()) {
    candidates = keys.find_by_kid(kid);
    if (candidates.empty()) {
      return fail(ErrorCode::unauthenticated, "header.kid",
                  "no key with kid " + quoted_for_message(kid));
    }
  } else {
    for (const Jwk& key : keys.keys())
      candidates.push_back(&key);
  }
  std::optional<Error> last_error;
  std::size_t attempts = 0;
  for (const Jwk* key : candidates) {
    if (auto usable = check_key_for(*algorithm, *key, KeyOperation::verify, options.min_rsa_bits);
        !usable) {
      if (!last_error)
        last_error = usable.error();
      continue;
    }
    if (kid.empty() && attempts == options.max_key_attempts)
      break;
    ++attempts;
    auto verified = verify_signature(*algorithm, *key, jws.signing_input(), jws.signature(),
                                     options.min_rsa_bits);
    if (verified)
      return VerifiedJws(std::move(jws), *algorithm);
    last_error = verified.error();
  }
  if (last_error)
    return std::unexpected(*last_error);
  return fail(ErrorCode::unauthenticated, "key", "the key set is empty");
}

Result<VerifiedJws> verify_compact(std::string_view token, const Jwk& key,
                                   const VerifyOptions& options) {
  auto jws = CompactJws::parse(token, options.limits);
  if (!jws)
    return std::unexpected(jws.error());
  return verify(std::move(*jws), key, options);
}

Result<VerifiedJws> verify_compact(std::string_view token, const JwkSet& keys,
                                   const VerifyOptions& options) {
  auto jws = CompactJws::parse(token, options.limits);
  if (!jws)
    return std::unexpected(jws.error());
  return verify(std::move(*jws), keys, options);
}

Result<std::string> sign_compact(Algorithm algorithm, const Jwk& key,
                                 const boost::json::object& header, std::string_view payload) {
  boost::json::object protected_header = header;
  protected_header["alg"] = to_string(algorithm);
  std::string token = util::base64url_encode(boost::json::serialize(protected_header));
  token += '.';
  token += util::base64url_encode(payload);
  auto signature = create_signature(algorithm, key, token);
  if (!signature)
    return std::unexpected(signature.error());
  token += '.';
  token += util::base64url_encode(*signature);
  return token;
}

Result<std::string> sign_jwt(Algorithm algorithm, const Jwk& key, const boost::json::object& header,
                             const boost::json::object& claims) {
  return sign_compact(algorithm, key, header, boost::json::serialize(claims));
}

}  // namespace peerapi::auth::jose
