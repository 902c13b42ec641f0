#include "auth/jose/jws.hpp"

#include <algorithm>
#include <array>
#include <cstddef>

#include "auth/jose/json_text.hpp"
#include "auth/jose/signature.hpp"
#include "util/crypto.hpp"

namespace peerapi::auth::jose {

namespace {

constexpr std::size_t kMaxEchoedChars = 32;
/// The arena's first block: enough for the header and claims of a typical access token.
constexpr std::size_t kArenaInitialBytes = 2048;
/// Decoded headers up to this size are decoded on the stack (a typical one is under 100 octets).
constexpr std::size_t kStackHeaderBytes = 512;

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

/// The usual protected header, {"alg":"RS256","typ":"at+jwt","kid":"..."}, without a JSON parser:
/// one object of distinct member names and string values, all printable ASCII without escapes,
/// with optional JSON whitespace (RFC 8259 sections 2, 4 and 7). Returns false for every other
/// text, valid JSON included, and the caller then runs the full parser; when it returns true,
/// `out` (empty before) holds exactly the object the full parser would have produced.
bool parse_plain_header(std::string_view text, boost::json::object& out) {
  std::size_t at = 0;
  const auto skip_whitespace = [&] {
    while (at < text.size() &&
           (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' || text[at] == '\r')) {
      ++at;
    }
  };
  const auto consume = [&](char expected) {
    skip_whitespace();
    if (at == text.size() || text[at] != expected)
      return false;
    ++at;
    return true;
  };
  // A string of printable ASCII other than '"' and '\\', so no escape or UTF-8 to decode.
  const auto plain_string = [&](std::string_view& value) {
    if (!consume('"'))
      return false;
    const std::size_t start = at;
    while (at < text.size() && text[at] != '"') {
      const auto c = static_cast<unsigned char>(text[at]);
      if (c < 0x20 || c > 0x7e || c == '\\')
        return false;
      ++at;
    }
    if (at == text.size())
      return false;
    value = text.substr(start, at - start);
    ++at;
    return true;
  };
  if (!consume('{'))
    return false;
  skip_whitespace();
  if (at < text.size() && text[at] == '}') {
    ++at;
  } else {
    out.reserve(4);
    for (;;) {
      std::string_view name;
      std::string_view value;
      if (!plain_string(name) || !consume(':') || !plain_string(value))
        return false;
      if (!out.emplace(name, boost::json::string_view(value.data(), value.size())).second)
        return false;  // a duplicate name: the full parser decides which one counts
      skip_whitespace();
      if (at < text.size() && text[at] == ',') {
        ++at;
        continue;
      }
      if (!consume('}'))
        return false;
      break;
    }
  }
  skip_whitespace();
  return at == text.size();
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

struct CompactJws::Document {
  Document() = default;
  /// A deep copy of `other`'s header and claims into this document's own arena.
  struct CopyOf {};
  Document(CopyOf /*tag*/, const Document& other)
      : header(other.header, boost::json::storage_ptr(&arena)),
        claims(other.claims, boost::json::storage_ptr(&arena)) {}
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;
  ~Document() = default;

  // Left uninitialised (the document is made with plain `new`): the arena writes before reading.
  alignas(std::max_align_t) std::array<unsigned char, kArenaInitialBytes> buffer;
  boost::json::monotonic_resource arena{buffer.data(), buffer.size()};
  boost::json::object header{boost::json::storage_ptr(&arena)};
  boost::json::object claims{boost::json::storage_ptr(&arena)};
};

namespace {
const boost::json::object& empty_object() {
  static const boost::json::object kEmpty;
  return kEmpty;
}
}  // namespace

CompactJws::CompactJws() : document_(new Document) {}
CompactJws::~CompactJws() = default;
CompactJws::CompactJws(CompactJws&& other) noexcept = default;
CompactJws& CompactJws::operator=(CompactJws&& other) noexcept = default;

CompactJws::CompactJws(const CompactJws& other)
    : document_(other.document_ ? new Document(Document::CopyOf{}, *other.document_) : nullptr),
      token_(other.token_),
      signing_input_size_(other.signing_input_size_),
      payload_(other.payload_),
      signature_(other.signature_),
      sha256_(other.sha256_) {}

CompactJws& CompactJws::operator=(const CompactJws& other) {
  if (this != &other)
    *this = CompactJws(other);
  return *this;
}

const boost::json::object& CompactJws::header() const noexcept {
  return document_ ? document_->header : empty_object();
}

const boost::json::object& CompactJws::claims() const noexcept {
  return document_ ? document_->claims : empty_object();
}

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

  CompactJws jws;
  const boost::json::storage_ptr arena(&jws.document_->arena);
  // The decoded header is only read by the JSON parser (the DOM copies what it keeps), so a
  // typical one is decoded on the stack.
  std::array<unsigned char, kStackHeaderBytes> header_buffer;
  std::string header_heap;
  std::string_view header_json;
  if (const auto decoded =
          util::base64url_decode_into(header_text, header_buffer.data(), header_buffer.size())) {
    if (*decoded > limits.max_header_bytes) {
      return fail(ErrorCode::invalid_value, "header",
                  std::to_string(*decoded) + " octets, above the limit of " +
                      std::to_string(limits.max_header_bytes));
    }
    header_json = std::string_view(reinterpret_cast<const char*>(header_buffer.data()), *decoded);
  } else {
    auto decoded_heap = decode_segment(header_text, "header", limits.max_header_bytes);
    if (!decoded_heap)
      return std::unexpected(decoded_heap.error());
    header_heap = std::move(*decoded_heap);
    header_json = header_heap;
  }
  boost::json::object& header = jws.document_->header;
  if (limits.max_json_depth == 0 || !parse_plain_header(header_json, header)) {
    header.clear();
    auto parsed = parse_object(header_json, limits.max_json_depth, "header", arena);
    if (!parsed)
      return std::unexpected(parsed.error());
    header = std::move(*parsed);
  }
  if (auto members = check_header_members(header); !members)
    return std::unexpected(members.error());

  auto payload = decode_segment(payload_text, "payload", limits.max_payload_bytes);
  if (!payload)
    return std::unexpected(payload.error());
  jws.payload_ = std::move(*payload);
  if (limits.payload_format == PayloadFormat::json_object) {
    auto claims = parse_object(jws.payload_, limits.max_json_depth, "payload", arena);
    if (!claims)
      return std::unexpected(claims.error());
    jws.document_->claims = std::move(*claims);
  }

  // A signature is never larger than the token it came in, so the token limit bounds it.
  auto signature = decode_segment(signature_text, "signature", limits.max_token_bytes);
  if (!signature)
    return std::unexpected(signature.error());
  jws.signature_ = std::move(*signature);
  jws.token_ = std::string(token);
  jws.signing_input_size_ = second_dot;
  if (limits.sha256_digests)
    jws.sha256_ = util::sha256_prefix_and_whole(jws.token_, second_dot);
  return jws;
}

std::string_view CompactJws::alg() const noexcept {
  return string_member(header(), "alg");
}

std::string_view CompactJws::kid() const noexcept {
  return string_member(header(), "kid");
}

std::string_view CompactJws::typ() const noexcept {
  return string_member(header(), "typ");
}

const boost::json::object* CompactJws::jwk() const noexcept {
  const boost::json::value* member = header().if_contains("jwk");
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
  if (auto verified =
          verify_signature(*algorithm, key, jws.signing_input(), jws.signing_input_sha256(),
                           jws.signature(), options.min_rsa_bits);
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
    auto verified =
        verify_signature(*algorithm, *key, jws.signing_input(), jws.signing_input_sha256(),
                         jws.signature(), options.min_rsa_bits);
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
