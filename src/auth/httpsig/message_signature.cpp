#include "auth/httpsig/message_signature.hpp"

#include <algorithm>
#include <iterator>
#include <string>
#include <utility>
#include <variant>

#include "auth/httpsig/content_digest.hpp"
#include "auth/jose/signature.hpp"
#include "util/crypto.hpp"

namespace peerapi::auth::httpsig {

namespace {

struct AlgorithmName {
  Algorithm algorithm;
  std::string_view name;
  jose::Algorithm jose;
};

constexpr AlgorithmName kAlgorithms[] = {
    {Algorithm::rsa_pss_sha512, "rsa-pss-sha512", jose::Algorithm::ps512},
    {Algorithm::rsa_v1_5_sha256, "rsa-v1_5-sha256", jose::Algorithm::rs256},
    {Algorithm::hmac_sha256, "hmac-sha256", jose::Algorithm::hs256},
    {Algorithm::ecdsa_p256_sha256, "ecdsa-p256-sha256", jose::Algorithm::es256},
    {Algorithm::ecdsa_p384_sha384, "ecdsa-p384-sha384", jose::Algorithm::es384},
    {Algorithm::ed25519, "ed25519", jose::Algorithm::eddsa},
};

constexpr bool table_follows_enum() {
  for (std::size_t i = 0; i < std::size(kAlgorithms); ++i) {
    if (static_cast<std::size_t>(kAlgorithms[i].algorithm) != i)
      return false;
  }
  return true;
}
static_assert(table_follows_enum(), "kAlgorithms is indexed by Algorithm");

const AlgorithmName& entry(Algorithm algorithm) noexcept {
  return kAlgorithms[static_cast<std::size_t>(algorithm)];
}

std::unexpected<Error> syntax(std::string field, std::string message) {
  return fail(ErrorCode::invalid_value, std::move(field), std::move(message));
}

std::unexpected<Error> untrusted(std::string field, std::string message) {
  return fail(ErrorCode::unauthenticated, std::move(field), std::move(message));
}

/// One Signature-Input member, checked for syntax (section 4.1).
struct SignatureInput {
  std::string label;
  std::string path;  // "signature_input.<label>"
  const sf::InnerList* list = nullptr;
  std::vector<ComponentId> components;
  std::optional<std::int64_t> created;
  std::optional<std::int64_t> expires;
  std::optional<std::string> nonce;
  std::optional<std::string> alg;
  std::optional<std::string> keyid;
  std::optional<std::string> tag;
};

Result<SignatureInput> read_signature_input(const std::string& label, const sf::ListMember& member,
                                            std::size_t max_components) {
  SignatureInput input;
  input.label = label;
  input.path = join_path("signature_input", label);
  input.list = std::get_if<sf::InnerList>(&member);
  if (input.list == nullptr)
    return syntax(input.path, "a Signature-Input member must be an Inner List (section 4.1)");
  auto components = covered_components(*input.list, max_components);
  if (!components)
    return std::unexpected(components.error().under(input.path));
  input.components = std::move(*components);
  for (const auto& [key, value] : input.list->params.entries()) {
    const std::string path = join_path(input.path, key);
    if (key == "created" || key == "expires") {
      const std::int64_t* number = sf::as_integer(value);
      if (number == nullptr)
        return syntax(path, key + " must be an Integer (section 2.3)");
      (key == "created" ? input.created : input.expires) = *number;
    } else if (key == "nonce" || key == "alg" || key == "keyid" || key == "tag") {
      const std::string* text = sf::as_string(value);
      if (text == nullptr)
        return syntax(path, key + " must be a String (section 2.3)");
      if (key == "nonce")
        input.nonce = *text;
      else if (key == "alg")
        input.alg = *text;
      else if (key == "keyid")
        input.keyid = *text;
      else
        input.tag = *text;
    } else {
      return syntax(path, "unknown signature parameter \"" + key + "\"");
    }
  }
  return input;
}

bool covers(const std::vector<ComponentId>& components, std::string_view name) {
  return std::any_of(components.begin(), components.end(), [&](const ComponentId& component) {
    return component.name == name && !component.params.contains("req") &&
           !component.params.contains("key");
  });
}

std::string joined_field(const HttpMessageView& message, std::string_view name) {
  std::string joined;
  for (std::string_view line : message.field_lines(name)) {
    if (!joined.empty())
      joined += ", ";
    joined += line;
  }
  return joined;
}

/// Every check of one candidate signature, in the order documented in the header.
Result<VerifiedSignature> verify_one(const HttpMessageView& message, const SignatureInput& input,
                                     const sf::Dictionary& signatures, const VerifyPolicy& policy) {
  const std::string signature_path = join_path("signature", input.label);
  const sf::ListMember* signature_member = signatures.find(input.label);
  if (signature_member == nullptr)
    return syntax(signature_path, "no Signature member for label \"" + input.label + "\"");
  const auto* signature_item = std::get_if<sf::Item>(signature_member);
  const auto* signature_bytes =
      signature_item == nullptr ? nullptr : std::get_if<sf::ByteSequence>(&signature_item->value);
  if (signature_bytes == nullptr)
    return syntax(signature_path, "a Signature member must be a Byte Sequence (section 4.2)");

  if (policy.tag && input.tag != policy.tag)
    return untrusted(join_path(input.path, "tag"),
                     "the signature tag is not \"" + *policy.tag + "\"");

  const std::int64_t now = policy.clock->now_ms() / 1000;
  if (input.created) {
    if (*input.created > now + policy.max_skew_seconds)
      return untrusted(join_path(input.path, "created"), "created lies in the future");
    if (now - *input.created > policy.max_age_seconds)
      return untrusted(
          join_path(input.path, "created"),
          "created is more than " + std::to_string(policy.max_age_seconds) + " seconds ago");
  } else if (policy.require_created) {
    return untrusted(join_path(input.path, "created"), "the signature has no created time");
  }
  if (input.expires) {
    if (input.created && *input.expires < *input.created)
      return untrusted(join_path(input.path, "expires"), "expires is before created");
    if (now > *input.expires)
      return untrusted(join_path(input.path, "expires"), "the signature has expired");
  }
  if (!input.keyid)
    return untrusted(join_path(input.path, "keyid"), "the signature has no keyid");
  if (policy.require_nonce && !input.nonce)
    return untrusted(join_path(input.path, "nonce"), "the signature has no nonce");

  const std::string components_path = join_path(input.path, "components");
  for (const std::string& required : policy.required_components) {
    if (!covers(input.components, required))
      return untrusted(components_path, "the signature does not cover " + required);
  }
  if (policy.require_content_digest_with_body && !message.body.empty() &&
      !covers(input.components, "content-digest"))
    return untrusted(components_path,
                     "the message has content but the signature does not "
                     "cover content-digest");

  auto resolved = policy.resolve_key(*input.keyid);
  if (!resolved)
    return std::unexpected(resolved.error());
  if (!*resolved)
    return untrusted(join_path(input.path, "keyid"), "unknown keyid \"" + *input.keyid + "\"");
  const ResolvedKey& key = **resolved;
  const std::string alg_path = join_path(input.path, "alg");
  if (!policy.algorithms.contains(key.algorithm))
    return untrusted(alg_path, std::string(to_string(key.algorithm)) + " is not allowed");
  if (input.alg) {
    const std::optional<Algorithm> named = algorithm_from_name(*input.alg);
    if (!named)
      return untrusted(alg_path, "unknown algorithm \"" + *input.alg + "\"");
    if (*named != key.algorithm)
      return untrusted(alg_path, "alg \"" + *input.alg + "\" does not match the key's algorithm " +
                                     std::string(to_string(key.algorithm)));
  }

  auto base = build_signature_base(message, *input.list, policy.related_request, policy.base);
  if (!base)
    return std::unexpected(base.error().under(input.path));

  auto verified = jose::verify_signature(to_jose(key.algorithm), key.key, *base,
                                         signature_bytes->bytes, policy.min_rsa_bits);
  if (!verified) {
    const bool key_problem = verified.error().field == "key";
    return untrusted(key_problem ? join_path(input.path, "keyid") : signature_path,
                     verified.error().message);
  }

  if (message.has_field("content-digest")) {
    auto digest = verify_content_digest(joined_field(message, "content-digest"), message.body,
                                        policy.field_limits);
    if (!digest)
      return std::unexpected(digest.error());
  }

  if (input.nonce && policy.check_nonce) {
    std::int64_t remember_until = input.created.value_or(now) + policy.max_age_seconds;
    if (input.expires)
      remember_until = std::min(remember_until, *input.expires);
    auto fresh =
        policy.check_nonce(NonceUse{input.label, *input.keyid, *input.nonce, remember_until});
    if (!fresh)
      return std::unexpected(fresh.error());
    if (!*fresh)
      return untrusted(join_path(input.path, "nonce"), "the nonce was already used");
  }

  return VerifiedSignature{input.label,   *input.keyid,  key.algorithm, input.components,
                           input.created, input.expires, input.nonce,   input.tag};
}

}  // namespace

std::string_view to_string(Algorithm algorithm) noexcept {
  return entry(algorithm).name;
}

std::optional<Algorithm> algorithm_from_name(std::string_view name) noexcept {
  for (const AlgorithmName& known : kAlgorithms) {
    if (known.name == name)
      return known.algorithm;
  }
  return std::nullopt;
}

jose::Algorithm to_jose(Algorithm algorithm) noexcept {
  return entry(algorithm).jose;
}

Result<VerifiedSignature> verify(const HttpMessageView& message,
                                 std::string_view signature_input_value,
                                 std::string_view signature_value, const VerifyPolicy& policy) {
  if (policy.clock == nullptr || !policy.resolve_key)
    return fail(ErrorCode::internal, "", "verify policy without a clock or key resolver");
  auto inputs = sf::parse_dictionary(signature_input_value, "signature_input", policy.field_limits,
                                     sf::DuplicateKeys::reject);
  if (!inputs)
    return std::unexpected(inputs.error());
  auto signatures = sf::parse_dictionary(signature_value, "signature", policy.field_limits,
                                         sf::DuplicateKeys::reject);
  if (!signatures)
    return std::unexpected(signatures.error());

  std::vector<std::string> labels;
  if (policy.label) {
    if (inputs->find(*policy.label) == nullptr)
      return untrusted(join_path("signature_input", *policy.label),
                       "no signature labelled \"" + *policy.label + "\"");
    labels.push_back(*policy.label);
  } else {
    for (const auto& [label, member] : inputs->members()) {
      if (labels.size() >= policy.max_signatures)
        break;
      labels.push_back(label);
    }
    if (labels.empty())
      return untrusted("signature_input", "the message carries no signature");
  }

  std::optional<Error> first_error;
  for (const std::string& label : labels) {
    auto input = read_signature_input(label, *inputs->find(label), policy.field_limits.max_members);
    Result<VerifiedSignature> result =
        input ? verify_one(message, *input, *signatures, policy)
              : Result<VerifiedSignature>(std::unexpected(input.error()));
    if (result)
      return result;
    if (!first_error)
      first_error = result.error();
  }
  return std::unexpected(*first_error);
}

Result<VerifiedSignature> verify(const HttpMessageView& message, const VerifyPolicy& policy) {
  if (!message.has_field("signature-input"))
    return untrusted("signature_input", "the message has no Signature-Input field");
  if (!message.has_field("signature"))
    return untrusted("signature", "the message has no Signature field");
  return verify(message, joined_field(message, "signature-input"),
                joined_field(message, "signature"), policy);
}

Result<SignedHeaders> sign(const HttpMessageView& message, const jose::Jwk& key,
                           Algorithm algorithm, std::span<const ComponentId> components,
                           const SignatureParams& params, std::string_view label,
                           const HttpMessageView* related_request, const BaseOptions& options) {
  if (!sf::is_valid_key(label))
    return syntax("label", "the label must be a Structured Field key (lowercase, RFC 8941 3.1.2)");
  sf::InnerList list;
  for (const ComponentId& component : components)
    list.items.push_back(component.to_item());
  list.params.set("created", sf::BareItem(std::in_place_type<std::int64_t>, params.created));
  if (!params.keyid.empty())
    list.params.set("keyid", sf::BareItem(std::in_place_type<std::string>, params.keyid));
  if (params.include_alg)
    list.params.set(
        "alg", sf::BareItem(std::in_place_type<std::string>, std::string(to_string(algorithm))));
  if (params.expires)
    list.params.set("expires", sf::BareItem(std::in_place_type<std::int64_t>, *params.expires));
  if (params.nonce)
    list.params.set("nonce", sf::BareItem(std::in_place_type<std::string>, *params.nonce));
  if (params.tag)
    list.params.set("tag", sf::BareItem(std::in_place_type<std::string>, *params.tag));
  auto params_text = sf::serialize(list.params, "params");
  if (!params_text)
    return std::unexpected(params_text.error());

  auto base = build_signature_base(message, list, related_request, options);
  if (!base) {
    Error error = base.error();
    error.code = ErrorCode::invalid_value;
    return std::unexpected(error);
  }
  auto signature = jose::create_signature(to_jose(algorithm), key, *base);
  if (!signature)
    return syntax("key", signature.error().message);

  auto list_text = sf::serialize(list, "components");
  if (!list_text)
    return std::unexpected(list_text.error());
  SignedHeaders headers;
  headers.signature_input = std::string(label) + "=" + *list_text;
  headers.signature = std::string(label) + "=:" + util::base64_encode(*signature) + ":";
  headers.signature_base = std::move(*base);
  return headers;
}

}  // namespace peerapi::auth::httpsig
