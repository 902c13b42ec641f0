#include "auth/jose/jwk.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <algorithm>
#include <array>
#include <bit>

#include "auth/jose/context_cache.hpp"
#include "auth/jose/json_text.hpp"
#include "auth/jose/openssl_handles.hpp"
#include "util/crypto.hpp"

namespace peerapi::auth::jose {

namespace {

constexpr std::size_t kMaxJsonDepth = 16;
constexpr std::size_t kMaxPemBytes = 64 * 1024;
constexpr std::size_t kMaxRsaExponentBytes = 8;
constexpr std::size_t kEd25519KeyBytes = 32;

struct EcCurve {
  Curve curve;
  std::string_view jwk_name;      // RFC 7518 section 6.2.1.1
  std::string_view openssl_name;  // what OSSL_PKEY_PARAM_GROUP_NAME reports
  std::size_t coordinate_bytes;   // RFC 7518 section 6.2.1.2: full size, leading zeros kept
  unsigned bits;
};

constexpr std::array<EcCurve, 3> kEcCurves = {{
    {Curve::p256, "P-256", "prime256v1", 32, 256},
    {Curve::p384, "P-384", "secp384r1", 48, 384},
    {Curve::p521, "P-521", "secp521r1", 66, 521},
}};

const EcCurve* find_ec_curve(Curve curve) {
  for (const EcCurve& candidate : kEcCurves) {
    if (candidate.curve == curve)
      return &candidate;
  }
  return nullptr;
}

/// RFC 7518 sections 6.2.2, 6.3.2 and 6.4.1, RFC 8037 section 2.
constexpr std::array<std::string_view, 8> kPrivateMemberNames = {"d",  "p",  "q",   "dp",
                                                                 "dq", "qi", "oth", "k"};
constexpr std::array<std::string_view, 5> kRsaCrtMemberNames = {"p", "q", "dp", "dq", "qi"};

bool is_public_member(KeyType type, std::string_view name) {
  switch (type) {
    case KeyType::rsa:
      return name == "n" || name == "e";
    case KeyType::ec:
      return name == "x" || name == "y";
    case KeyType::okp:
      return name == "x";
    case KeyType::oct:
      return false;
  }
  return false;
}

/// A key-material member: its canonical base64url text and the octets it encodes.
struct Octets {
  std::string text;
  std::string bytes;
  Octets() = default;
  Octets(const Octets&) = default;
  Octets(Octets&&) = default;
  Octets& operator=(const Octets&) = default;
  Octets& operator=(Octets&&) = default;
  ~Octets() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

/// The base64url member `name`; nullopt when absent.
Result<std::optional<Octets>> optional_octets(const boost::json::object& jwk,
                                              std::string_view name) {
  auto text = json_text::optional_string(jwk, name);
  if (!text)
    return std::unexpected(text.error());
  if (!*text)
    return std::optional<Octets>{};
  auto bytes = util::base64url_decode(**text);
  if (!bytes) {
    return fail(ErrorCode::invalid_value, std::string(name),
                "not canonical unpadded base64url (RFC 7515 section 2)");
  }
  if (bytes->empty())
    return fail(ErrorCode::invalid_value, std::string(name), "must not be empty");
  std::optional<Octets> out(std::in_place);
  out->text = std::string(**text);
  out->bytes = std::move(*bytes);
  return out;
}

Result<Octets> required_octets(const boost::json::object& jwk, std::string_view name) {
  auto member = optional_octets(jwk, name);
  if (!member)
    return std::unexpected(member.error());
  if (!*member)
    return fail(ErrorCode::missing_field, std::string(name), "required");
  return std::move(**member);
}

/// RFC 7518 section 2 Base64urlUInt: the minimum number of octets, so no leading zero octet.
Result<void> check_minimal_unsigned(const Octets& value, std::string_view name) {
  if (value.bytes.size() > 1 && value.bytes.front() == '\0') {
    return fail(ErrorCode::invalid_value, std::string(name),
                "has a leading zero octet (RFC 7518 section 2, Base64urlUInt)");
  }
  return {};
}

unsigned bit_length(std::string_view big_endian) {
  if (big_endian.empty())
    return 0;
  const auto first = static_cast<unsigned char>(big_endian.front());
  return static_cast<unsigned>((big_endian.size() - 1) * 8) +
         static_cast<unsigned>(std::bit_width(first));
}

const unsigned char* as_uchar(std::string_view bytes) {
  return reinterpret_cast<const unsigned char*>(bytes.data());
}

/// What every key-type parser produces; Jwk::from_json adds the common parameters.
struct KeyParts {
  Curve curve = Curve::none;
  unsigned bits = 0;
  bool is_private = false;
  std::vector<std::pair<std::string, std::string>> members;
  std::shared_ptr<EVP_PKEY> pkey;
  std::string secret;
};

Error openssl_rejected(std::string_view field, std::string_view what) {
  ERR_clear_error();
  return Error{ErrorCode::invalid_value, std::string(field), std::string(what)};
}

/// Builds an EVP_PKEY of `type_name` from `builder` (EVP_PKEY_fromdata, OpenSSL 3).
Result<openssl::PkeyPtr> pkey_from_params(const char* type_name, OSSL_PARAM_BLD* builder,
                                          bool is_private, std::string_view field,
                                          std::string_view what) {
  openssl::ParamsPtr params(OSSL_PARAM_BLD_to_param(builder));
  openssl::PkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, type_name, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &raw, is_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                        params.get()) != 1) {
    return std::unexpected(openssl_rejected(field, what));
  }
  return openssl::PkeyPtr(raw);
}

std::shared_ptr<EVP_PKEY> share(openssl::PkeyPtr pkey) {
  return std::shared_ptr<EVP_PKEY>(pkey.release(), EVP_PKEY_free);
}

/// EVP_PKEY_pairwise_check: the private members belong to the public ones.
Result<void> check_pairwise(EVP_PKEY* pkey, std::string_view field) {
  openssl::PkeyCtxPtr context(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!context || EVP_PKEY_pairwise_check(context.get()) != 1)
    return std::unexpected(
        openssl_rejected(field, "the private key does not match the public key"));
  return {};
}

Result<KeyParts> parse_rsa(const boost::json::object& jwk) {
  KeyParts parts;
  auto n = required_octets(jwk, "n");
  if (!n)
    return std::unexpected(n.error());
  auto e = required_octets(jwk, "e");
  if (!e)
    return std::unexpected(e.error());
  for (auto [value, name] : {std::pair{&*n, "n"}, std::pair{&*e, "e"}}) {
    if (auto minimal = check_minimal_unsigned(*value, name); !minimal)
      return std::unexpected(minimal.error());
  }
  parts.bits = bit_length(n->bytes);
  if (parts.bits > kMaxRsaBits) {
    return fail(ErrorCode::invalid_value, "n",
                "RSA modulus of " + std::to_string(parts.bits) + " bits is above the limit of " +
                    std::to_string(kMaxRsaBits));
  }
  if ((static_cast<unsigned char>(n->bytes.back()) & 1) == 0)
    return fail(ErrorCode::invalid_value, "n", "an RSA modulus is odd");
  if (e->bytes.size() > kMaxRsaExponentBytes ||
      (static_cast<unsigned char>(e->bytes.back()) & 1) == 0 ||
      (e->bytes.size() == 1 && static_cast<unsigned char>(e->bytes.front()) < 3)) {
    return fail(ErrorCode::invalid_value, "e",
                "an RSA public exponent is odd, at least 3 and at most 64 bits");
  }
  if (jwk.contains("oth"))
    return fail(ErrorCode::invalid_value, "oth", "multi-prime RSA keys are not supported");

  auto d = optional_octets(jwk, "d");
  if (!d)
    return std::unexpected(d.error());
  parts.is_private = d->has_value();
  // RFC 7518 section 6.3.2: "d" is required for a private key; the CRT members are all present
  // or all absent. OpenSSL's pairwise check needs them, so they are required here.
  std::array<Octets, kRsaCrtMemberNames.size()> crt;
  for (std::size_t i = 0; i < kRsaCrtMemberNames.size(); ++i) {
    const std::string_view name = kRsaCrtMemberNames[i];
    auto member = optional_octets(jwk, name);
    if (!member)
      return std::unexpected(member.error());
    if (!parts.is_private && member->has_value())
      return fail(ErrorCode::invalid_value, std::string(name), "present without \"d\"");
    if (parts.is_private && !member->has_value()) {
      return fail(ErrorCode::missing_field, std::string(name),
                  "an RSA private key needs all of p, q, dp, dq and qi");
    }
    if (member->has_value())
      crt[i] = std::move(**member);
  }

  openssl::ParamBuildPtr builder(OSSL_PARAM_BLD_new());
  openssl::BignumPtr modulus(
      BN_bin2bn(as_uchar(n->bytes), static_cast<int>(n->bytes.size()), nullptr));
  openssl::BignumPtr exponent(
      BN_bin2bn(as_uchar(e->bytes), static_cast<int>(e->bytes.size()), nullptr));
  if (!builder || !modulus || !exponent ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()) != 1) {
    return std::unexpected(openssl_rejected("n", "cannot build the RSA key"));
  }
  constexpr std::array<const char*, 5> kCrtParams = {
      OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1,
      OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
  std::vector<openssl::SecretBignumPtr> secrets;
  if (parts.is_private) {
    const Octets& private_exponent = **d;
    secrets.emplace_back(BN_bin2bn(as_uchar(private_exponent.bytes),
                                   static_cast<int>(private_exponent.bytes.size()), nullptr));
    if (!secrets.back() ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_D, secrets.back().get()) != 1)
      return std::unexpected(openssl_rejected("d", "cannot build the RSA key"));
    for (std::size_t i = 0; i < crt.size(); ++i) {
      secrets.emplace_back(
          BN_bin2bn(as_uchar(crt[i].bytes), static_cast<int>(crt[i].bytes.size()), nullptr));
      if (!secrets.back() ||
          OSSL_PARAM_BLD_push_BN(builder.get(), kCrtParams[i], secrets.back().get()) != 1)
        return std::unexpected(openssl_rejected(kRsaCrtMemberNames[i], "cannot build the RSA key"));
    }
  }
  auto pkey = pkey_from_params("RSA", builder.get(), parts.is_private, "n", "not a usable RSA key");
  if (!pkey)
    return std::unexpected(pkey.error());
  if (parts.is_private) {
    if (auto pairwise = check_pairwise(pkey->get(), "d"); !pairwise)
      return std::unexpected(pairwise.error());
  }
  parts.pkey = share(std::move(*pkey));
  parts.members = {{"n", n->text}, {"e", e->text}};
  if (parts.is_private) {
    parts.members.emplace_back("d", (*d)->text);
    for (std::size_t i = 0; i < crt.size(); ++i)
      parts.members.emplace_back(std::string(kRsaCrtMemberNames[i]), crt[i].text);
  }
  return parts;
}

Result<Octets> required_sized_octets(const boost::json::object& jwk, std::string_view name,
                                     std::size_t size, std::string_view curve_name) {
  auto member = required_octets(jwk, name);
  if (!member)
    return std::unexpected(member.error());
  if (member->bytes.size() != size) {
    return fail(
        ErrorCode::invalid_value, std::string(name),
        "must be exactly " + std::to_string(size) + " octets for " + std::string(curve_name));
  }
  return member;
}

Result<KeyParts> parse_ec(const boost::json::object& jwk) {
  auto curve_name = json_text::required_string(jwk, "crv");
  if (!curve_name)
    return std::unexpected(curve_name.error());
  const EcCurve* curve = nullptr;
  for (const EcCurve& candidate : kEcCurves) {
    if (candidate.jwk_name == *curve_name)
      curve = &candidate;
  }
  if (curve == nullptr) {
    return fail(ErrorCode::invalid_value, "crv",
                "unsupported EC curve \"" + std::string(*curve_name) +
                    "\"; expected P-256, P-384 or P-521");
  }
  auto x = required_sized_octets(jwk, "x", curve->coordinate_bytes, curve->jwk_name);
  if (!x)
    return std::unexpected(x.error());
  auto y = required_sized_octets(jwk, "y", curve->coordinate_bytes, curve->jwk_name);
  if (!y)
    return std::unexpected(y.error());
  std::optional<Octets> d;
  if (jwk.contains("d")) {
    auto scalar = required_sized_octets(jwk, "d", curve->coordinate_bytes, curve->jwk_name);
    if (!scalar)
      return std::unexpected(scalar.error());
    d = std::move(*scalar);
  }

  KeyParts parts;
  parts.curve = curve->curve;
  parts.bits = curve->bits;
  parts.is_private = d.has_value();
  // SEC 1 section 2.3.3 uncompressed point: 0x04 || X || Y.
  std::string point = "\x04" + x->bytes + y->bytes;
  const std::string group(curve->jwk_name);
  openssl::ParamBuildPtr builder(OSSL_PARAM_BLD_new());
  openssl::SecretBignumPtr scalar;
  if (!builder ||
      OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, group.c_str(),
                                      0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return std::unexpected(openssl_rejected("x", "cannot build the EC key"));
  }
  if (d) {
    scalar.reset(BN_bin2bn(as_uchar(d->bytes), static_cast<int>(d->bytes.size()), nullptr));
    if (!scalar ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_PRIV_KEY, scalar.get()) != 1)
      return std::unexpected(openssl_rejected("d", "cannot build the EC key"));
  }
  // EVP_PKEY_fromdata decodes the point with EC_POINT_oct2point, which rejects points that are
  // not on the curve; the quick public check also rejects the point at infinity.
  auto pkey = pkey_from_params("EC", builder.get(), parts.is_private, "x",
                               "not a point on " + std::string(curve->jwk_name));
  if (!pkey)
    return std::unexpected(pkey.error());
  openssl::PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey->get(), nullptr));
  if (!check || EVP_PKEY_public_check_quick(check.get()) != 1)
    return std::unexpected(openssl_rejected("x", "not a point on " + group));
  if (parts.is_private) {
    if (auto pairwise = check_pairwise(pkey->get(), "d"); !pairwise)
      return std::unexpected(pairwise.error());
  }
  parts.pkey = share(std::move(*pkey));
  parts.members = {{"x", x->text}, {"y", y->text}};
  if (d)
    parts.members.emplace_back("d", d->text);
  return parts;
}

Result<KeyParts> parse_okp(const boost::json::object& jwk) {
  auto curve_name = json_text::required_string(jwk, "crv");
  if (!curve_name)
    return std::unexpected(curve_name.error());
  if (*curve_name != "Ed25519") {
    return fail(ErrorCode::invalid_value, "crv",
                "unsupported OKP curve \"" + std::string(*curve_name) + "\"; expected Ed25519");
  }
  auto x = required_sized_octets(jwk, "x", kEd25519KeyBytes, "Ed25519");
  if (!x)
    return std::unexpected(x.error());
  std::optional<Octets> d;
  if (jwk.contains("d")) {
    auto seed = required_sized_octets(jwk, "d", kEd25519KeyBytes, "Ed25519");
    if (!seed)
      return std::unexpected(seed.error());
    d = std::move(*seed);
  }

  KeyParts parts;
  parts.curve = Curve::ed25519;
  parts.bits = 256;
  parts.is_private = d.has_value();
  openssl::ParamBuildPtr builder(OSSL_PARAM_BLD_new());
  // A private key is built from the seed alone, so OpenSSL derives the public key (RFC 8032
  // section 5.1.5) and the result can be compared with "x".
  const Octets& material = d ? *d : *x;
  if (!builder || OSSL_PARAM_BLD_push_octet_string(
                      builder.get(), d ? OSSL_PKEY_PARAM_PRIV_KEY : OSSL_PKEY_PARAM_PUB_KEY,
                      material.bytes.data(), material.bytes.size()) != 1) {
    return std::unexpected(openssl_rejected("x", "cannot build the Ed25519 key"));
  }
  auto pkey = pkey_from_params("ED25519", builder.get(), parts.is_private, d ? "d" : "x",
                               "not a usable Ed25519 key");
  if (!pkey)
    return std::unexpected(pkey.error());
  if (d) {
    std::array<unsigned char, kEd25519KeyBytes> derived{};
    std::size_t derived_size = derived.size();
    if (EVP_PKEY_get_raw_public_key(pkey->get(), derived.data(), &derived_size) != 1 ||
        derived_size != derived.size() ||
        std::string_view(reinterpret_cast<const char*>(derived.data()), derived.size()) !=
            x->bytes) {
      return std::unexpected(
          openssl_rejected("d", "the private key does not match the public key"));
    }
  }
  parts.pkey = share(std::move(*pkey));
  parts.members = {{"x", x->text}};
  if (d)
    parts.members.emplace_back("d", d->text);
  return parts;
}

Result<KeyParts> parse_oct(const boost::json::object& jwk) {
  auto k = required_octets(jwk, "k");
  if (!k)
    return std::unexpected(k.error());
  KeyParts parts;
  parts.bits = static_cast<unsigned>(k->bytes.size() * 8);
  parts.is_private = true;
  parts.secret = k->bytes;
  parts.members = {{"k", k->text}};
  return parts;
}

Result<std::optional<std::vector<std::string>>> parse_key_ops(const boost::json::object& jwk) {
  const boost::json::value* member = jwk.if_contains("key_ops");
  if (member == nullptr)
    return std::optional<std::vector<std::string>>{};
  if (!member->is_array())
    return fail(ErrorCode::wrong_type, "key_ops", "must be an array of strings");
  std::vector<std::string> operations;
  for (std::size_t i = 0; i < member->get_array().size(); ++i) {
    const boost::json::value& operation = member->get_array()[i];
    const std::string field = "key_ops[" + std::to_string(i) + "]";
    if (!operation.is_string())
      return fail(ErrorCode::wrong_type, field, "must be a string");
    std::string name(operation.get_string());
    if (std::find(operations.begin(), operations.end(), name) != operations.end())
      return fail(ErrorCode::invalid_value, field, "duplicate (RFC 7517 section 4.3)");
    operations.push_back(std::move(name));
  }
  return std::optional<std::vector<std::string>>(std::move(operations));
}

std::string bignum_octets(const BIGNUM* number, int padded_size) {
  const int size = padded_size > 0 ? padded_size : BN_num_bytes(number);
  std::string out(static_cast<std::size_t>(size), '\0');
  BN_bn2binpad(number, reinterpret_cast<unsigned char*>(out.data()), size);
  return out;
}

/// The BIGNUM key parameter `name` as base64url octets, left-padded to `padded_size` when > 0.
std::optional<std::string> export_bignum(EVP_PKEY* pkey, const char* name, int padded_size) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  openssl::SecretBignumPtr number(raw);
  if (padded_size > 0 && BN_num_bytes(number.get()) > padded_size)
    return std::nullopt;
  std::string octets = bignum_octets(number.get(), padded_size);
  std::string text = util::base64url_encode(octets);
  OPENSSL_cleanse(octets.data(), octets.size());
  return text;
}

/// A pem_password_cb that refuses, so an encrypted PEM fails instead of prompting on a tty.
int refuse_passphrase(char* /*buffer*/, int /*size*/, int /*writing*/, void* /*user*/) {
  return -1;
}

std::optional<KeyType> key_type_from_name(std::string_view name) {
  for (KeyType type : {KeyType::rsa, KeyType::ec, KeyType::okp, KeyType::oct}) {
    if (to_string(type) == name)
      return type;
  }
  return std::nullopt;
}

Result<KeyParts> parse_key_material(KeyType type, const boost::json::object& jwk) {
  switch (type) {
    case KeyType::rsa:
      return parse_rsa(jwk);
    case KeyType::ec:
      return parse_ec(jwk);
    case KeyType::okp:
      return parse_okp(jwk);
    case KeyType::oct:
      return parse_oct(jwk);
  }
  return parse_oct(jwk);
}

}  // namespace

std::string_view to_string(KeyType type) noexcept {
  switch (type) {
    case KeyType::rsa:
      return "RSA";
    case KeyType::ec:
      return "EC";
    case KeyType::okp:
      return "OKP";
    case KeyType::oct:
      return "oct";
  }
  return "oct";
}

std::string_view to_string(Curve curve) noexcept {
  switch (curve) {
    case Curve::none:
      return "";
    case Curve::p256:
      return "P-256";
    case Curve::p384:
      return "P-384";
    case Curve::p521:
      return "P-521";
    case Curve::ed25519:
      return "Ed25519";
  }
  return "";
}

bool has_private_members(const boost::json::object& jwk) noexcept {
  return std::any_of(kPrivateMemberNames.begin(), kPrivateMemberNames.end(),
                     [&](std::string_view name) { return jwk.contains(name); });
}

Result<Jwk> Jwk::parse(std::string_view json, PrivateMembers private_members,
                       std::size_t max_bytes) {
  if (json.size() > max_bytes) {
    return fail(ErrorCode::invalid_value, "",
                "JWK of " + std::to_string(json.size()) + " bytes is above the limit of " +
                    std::to_string(max_bytes));
  }
  auto value = json_text::parse(json, kMaxJsonDepth, "");
  if (!value)
    return std::unexpected(value.error());
  return from_json(*value, private_members);
}

Result<Jwk> Jwk::from_json(const boost::json::value& json, PrivateMembers private_members) {
  if (!json.is_object())
    return fail(ErrorCode::wrong_type, "", "a JWK is a JSON object (RFC 7517 section 4)");
  const boost::json::object& jwk = json.get_object();
  if (private_members == PrivateMembers::reject) {
    for (std::string_view name : kPrivateMemberNames) {
      if (jwk.contains(name)) {
        return fail(ErrorCode::invalid_value, std::string(name),
                    "private key member where a public key is required");
      }
    }
  }
  auto kty = json_text::required_string(jwk, "kty");
  if (!kty)
    return std::unexpected(kty.error());

  const std::optional<KeyType> type = key_type_from_name(*kty);
  if (!type) {
    return fail(ErrorCode::invalid_value, "kty",
                "unsupported key type \"" + std::string(*kty) + "\"; expected RSA, EC, OKP or oct");
  }
  auto parts = parse_key_material(*type, jwk);
  if (!parts)
    return std::unexpected(parts.error());

  Jwk key;
  key.type_ = *type;
  for (auto [name, target] :
       {std::pair{"kid", &key.kid_}, std::pair{"alg", &key.alg_}, std::pair{"use", &key.use_}}) {
    auto value = json_text::optional_string(jwk, name);
    if (!value)
      return std::unexpected(value.error());
    if (*value)
      *target = std::string(**value);
  }
  auto key_ops = parse_key_ops(jwk);
  if (!key_ops)
    return std::unexpected(key_ops.error());
  key.key_ops_ = std::move(*key_ops);

  key.curve_ = parts->curve;
  key.bits_ = parts->bits;
  key.private_ = parts->is_private;
  key.members_ = std::move(parts->members);
  key.pkey_ = std::move(parts->pkey);
  if (key.pkey_)
    key.verify_contexts_ = std::make_shared<VerifyContextCache>();
  key.secret_ = std::move(parts->secret);
  return key;
}

Result<Jwk> Jwk::from_pkey(std::shared_ptr<EVP_PKEY> pkey, bool is_private) {
  Jwk key;
  key.private_ = is_private;
  EVP_PKEY* raw = pkey.get();
  if (EVP_PKEY_is_a(raw, "RSA")) {
    key.type_ = KeyType::rsa;
    key.bits_ = static_cast<unsigned>(EVP_PKEY_get_bits(raw));
    if (key.bits_ > kMaxRsaBits) {
      return fail(ErrorCode::invalid_value, "",
                  "RSA modulus above the limit of " + std::to_string(kMaxRsaBits) + " bits");
    }
    BIGNUM* third_prime = nullptr;
    if (EVP_PKEY_get_bn_param(raw, OSSL_PKEY_PARAM_RSA_FACTOR3, &third_prime) == 1) {
      BN_clear_free(third_prime);
      return fail(ErrorCode::invalid_value, "", "multi-prime RSA keys are not supported");
    }
    ERR_clear_error();
    struct Export {
      const char* member;
      const char* param;
      bool secret;
    };
    constexpr std::array<Export, 8> kExports = {{
        {"n", OSSL_PKEY_PARAM_RSA_N, false},
        {"e", OSSL_PKEY_PARAM_RSA_E, false},
        {"d", OSSL_PKEY_PARAM_RSA_D, true},
        {"p", OSSL_PKEY_PARAM_RSA_FACTOR1, true},
        {"q", OSSL_PKEY_PARAM_RSA_FACTOR2, true},
        {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1, true},
        {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2, true},
        {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1, true},
    }};
    for (const Export& entry : kExports) {
      if (entry.secret && !is_private)
        continue;
      auto text = export_bignum(raw, entry.param, 0);
      if (!text) {
        return fail(ErrorCode::invalid_value, "",
                    std::string("the RSA key lacks \"") + entry.member +
                        "\" (private keys need their CRT parameters)");
      }
      key.members_.emplace_back(entry.member, std::move(*text));
    }
  } else if (EVP_PKEY_is_a(raw, "EC")) {
    key.type_ = KeyType::ec;
    std::array<char, 64> group{};
    std::size_t group_size = 0;
    if (EVP_PKEY_get_utf8_string_param(raw, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(),
                                       &group_size) != 1) {
      ERR_clear_error();
      return fail(ErrorCode::invalid_value, "", "EC key without a named curve");
    }
    const std::string_view group_name(group.data(), group_size);
    const EcCurve* curve = nullptr;
    for (const EcCurve& candidate : kEcCurves) {
      if (candidate.openssl_name == group_name || candidate.jwk_name == group_name)
        curve = &candidate;
    }
    if (curve == nullptr) {
      return fail(
          ErrorCode::invalid_value, "",
          "unsupported EC curve " + std::string(group_name) + "; expected P-256, P-384 or P-521");
    }
    key.curve_ = curve->curve;
    key.bits_ = curve->bits;
    const int size = static_cast<int>(curve->coordinate_bytes);
    auto x = export_bignum(raw, OSSL_PKEY_PARAM_EC_PUB_X, size);
    auto y = export_bignum(raw, OSSL_PKEY_PARAM_EC_PUB_Y, size);
    if (!x || !y)
      return fail(ErrorCode::invalid_value, "", "cannot read the EC public point");
    key.members_ = {{"x", std::move(*x)}, {"y", std::move(*y)}};
    if (is_private) {
      auto d = export_bignum(raw, OSSL_PKEY_PARAM_PRIV_KEY, size);
      if (!d)
        return fail(ErrorCode::invalid_value, "", "cannot read the EC private key");
      key.members_.emplace_back("d", std::move(*d));
    }
  } else if (EVP_PKEY_is_a(raw, "ED25519")) {
    key.type_ = KeyType::okp;
    key.curve_ = Curve::ed25519;
    key.bits_ = 256;
    std::array<unsigned char, kEd25519KeyBytes> octets{};
    std::size_t size = octets.size();
    if (EVP_PKEY_get_raw_public_key(raw, octets.data(), &size) != 1 || size != octets.size()) {
      ERR_clear_error();
      return fail(ErrorCode::invalid_value, "", "cannot read the Ed25519 public key");
    }
    auto as_text = [&] {
      return util::base64url_encode(
          std::string_view(reinterpret_cast<const char*>(octets.data()), octets.size()));
    };
    key.members_ = {{"x", as_text()}};
    if (is_private) {
      size = octets.size();
      if (EVP_PKEY_get_raw_private_key(raw, octets.data(), &size) != 1 || size != octets.size()) {
        ERR_clear_error();
        return fail(ErrorCode::invalid_value, "", "cannot read the Ed25519 private key");
      }
      key.members_.emplace_back("d", as_text());
      OPENSSL_cleanse(octets.data(), octets.size());
    }
  } else {
    return fail(ErrorCode::invalid_value, "",
                "unsupported key type; expected RSA, EC (P-256, P-384, P-521) or Ed25519");
  }
  key.pkey_ = std::move(pkey);
  key.verify_contexts_ = std::make_shared<VerifyContextCache>();
  return key;
}

Result<Jwk> Jwk::from_pem(std::string_view pem) {
  if (pem.size() > kMaxPemBytes)
    return fail(ErrorCode::invalid_value, "", "PEM input above 64 KiB");
  openssl::BioPtr private_bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!private_bio)
    return fail(ErrorCode::internal, "", "cannot allocate a BIO");
  if (EVP_PKEY* raw =
          PEM_read_bio_PrivateKey(private_bio.get(), nullptr, refuse_passphrase, nullptr)) {
    return from_pkey(share(openssl::PkeyPtr(raw)), true);
  }
  ERR_clear_error();
  openssl::BioPtr public_bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!public_bio)
    return fail(ErrorCode::internal, "", "cannot allocate a BIO");
  if (EVP_PKEY* raw = PEM_read_bio_PUBKEY(public_bio.get(), nullptr, refuse_passphrase, nullptr))
    return from_pkey(share(openssl::PkeyPtr(raw)), false);
  ERR_clear_error();
  return fail(ErrorCode::invalid_value, "",
              "not an unencrypted PEM private key or a PEM public key (SPKI)");
}

Result<Jwk> Jwk::generate(Curve curve) {
  EVP_PKEY* raw = nullptr;
  if (curve == Curve::ed25519) {
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  } else if (const EcCurve* ec = find_ec_curve(curve)) {
    const std::string group(ec->jwk_name);
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", group.c_str());
  } else {
    return fail(ErrorCode::invalid_value, "crv", "no curve given");
  }
  if (raw == nullptr) {
    ERR_clear_error();
    return fail(ErrorCode::internal, "", "key generation failed");
  }
  return from_pkey(share(openssl::PkeyPtr(raw)), true);
}

Result<Jwk> Jwk::generate_rsa(unsigned bits) {
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return fail(ErrorCode::invalid_value, "bits",
                "RSA keys are " + std::to_string(kMinRsaBits) + " to " +
                    std::to_string(kMaxRsaBits) + " bits");
  }
  EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits));
  if (raw == nullptr) {
    ERR_clear_error();
    return fail(ErrorCode::internal, "", "key generation failed");
  }
  return from_pkey(share(openssl::PkeyPtr(raw)), true);
}

Result<Jwk> Jwk::from_secret(std::string_view secret) {
  if (secret.empty())
    return fail(ErrorCode::invalid_value, "k", "a symmetric key must not be empty");
  Jwk key;
  key.type_ = KeyType::oct;
  key.bits_ = static_cast<unsigned>(secret.size() * 8);
  key.private_ = true;
  key.secret_ = std::string(secret);
  key.members_ = {{"k", util::base64url_encode(secret)}};
  return key;
}

Jwk Jwk::with_kid(std::string kid) const {
  Jwk copy = *this;
  copy.kid_ = std::move(kid);
  return copy;
}

Jwk Jwk::with_alg(std::string alg) const {
  Jwk copy = *this;
  copy.alg_ = std::move(alg);
  return copy;
}

Jwk Jwk::with_use(std::string use) const {
  Jwk copy = *this;
  copy.use_ = std::move(use);
  return copy;
}

Result<Jwk> Jwk::public_key() const {
  if (type_ == KeyType::oct)
    return fail(ErrorCode::invalid_value, "kty", "a symmetric key has no public part");
  if (!private_)
    return *this;
  return from_json(boost::json::value(to_json(PrivateMembers::reject)), PrivateMembers::reject);
}

boost::json::object Jwk::to_json(PrivateMembers private_members) const {
  boost::json::object out;
  out["kty"] = to_string(type_);
  if (curve_ != Curve::none)
    out["crv"] = to_string(curve_);
  for (const auto& [name, text] : members_) {
    if (private_members == PrivateMembers::allow || is_public_member(type_, name))
      out[name] = text;
  }
  if (!kid_.empty())
    out["kid"] = kid_;
  if (!use_.empty())
    out["use"] = use_;
  if (!alg_.empty())
    out["alg"] = alg_;
  if (key_ops_) {
    boost::json::array operations;
    for (const std::string& operation : *key_ops_)
      operations.emplace_back(operation);
    out["key_ops"] = std::move(operations);
  }
  return out;
}

Result<std::string> Jwk::to_pem(PrivateMembers private_members) const {
  if (!pkey_)
    return fail(ErrorCode::invalid_value, "kty", "a symmetric key has no PEM form");
  if (private_members == PrivateMembers::allow && !private_)
    return fail(ErrorCode::invalid_value, "d", "a public key has no private PEM form");
  openssl::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio)
    return fail(ErrorCode::internal, "", "cannot allocate a BIO");
  const int written =
      private_members == PrivateMembers::allow
          ? PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr)
          : PEM_write_bio_PUBKEY(bio.get(), pkey_.get());
  if (written != 1) {
    ERR_clear_error();
    return fail(ErrorCode::internal, "", "cannot write the PEM");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  std::string pem(data, static_cast<std::size_t>(size));
  OPENSSL_cleanse(data, static_cast<std::size_t>(size));
  return pem;
}

std::string Jwk::thumbprint_input() const {
  // RFC 7638 section 3.2: exactly the required members, sorted by name, no whitespace. Every
  // value is base64url or a fixed name, so no JSON escaping is needed.
  auto member = [this](std::string_view name) -> std::string_view {
    for (const auto& [member_name, text] : members_) {
      if (member_name == name)
        return text;
    }
    return {};
  };
  std::string out = "{";
  auto add = [&out](std::string_view name, std::string_view value) {
    if (out.size() > 1)
      out += ',';
    out += '"';
    out += name;
    out += "\":\"";
    out += value;
    out += '"';
  };
  switch (type_) {
    case KeyType::rsa:
      add("e", member("e"));
      add("kty", "RSA");
      add("n", member("n"));
      break;
    case KeyType::ec:
      add("crv", to_string(curve_));
      add("kty", "EC");
      add("x", member("x"));
      add("y", member("y"));
      break;
    case KeyType::okp:
      add("crv", to_string(curve_));
      add("kty", "OKP");
      add("x", member("x"));
      break;
    case KeyType::oct:
      add("k", member("k"));
      add("kty", "oct");
      break;
  }
  out += '}';
  return out;
}

std::string Jwk::thumbprint() const {
  return util::base64url_encode(util::sha256(thumbprint_input()));
}

Result<JwkSet> JwkSet::parse(std::string_view json, PrivateMembers private_members,
                             const JwkSetLimits& limits) {
  if (json.size() > limits.max_bytes) {
    return fail(ErrorCode::invalid_value, "",
                "JWK Set of " + std::to_string(json.size()) + " bytes is above the limit of " +
                    std::to_string(limits.max_bytes));
  }
  auto value = json_text::parse(json, kMaxJsonDepth, "");
  if (!value)
    return std::unexpected(value.error());
  return from_json(*value, private_members, limits);
}

Result<JwkSet> JwkSet::from_json(const boost::json::value& json, PrivateMembers private_members,
                                 const JwkSetLimits& limits) {
  if (!json.is_object())
    return fail(ErrorCode::wrong_type, "", "a JWK Set is a JSON object (RFC 7517 section 5)");
  const boost::json::value* keys = json.get_object().if_contains("keys");
  if (keys == nullptr)
    return fail(ErrorCode::missing_field, "keys", "required (RFC 7517 section 5.1)");
  if (!keys->is_array())
    return fail(ErrorCode::wrong_type, "keys", "must be an array of JWKs");
  const boost::json::array& members = keys->get_array();
  if (members.size() > limits.max_keys) {
    return fail(ErrorCode::too_many_items, "keys",
                std::to_string(members.size()) + " keys, above the limit of " +
                    std::to_string(limits.max_keys));
  }
  JwkSet set;
  for (std::size_t i = 0; i < members.size(); ++i) {
    const std::string path = "keys[" + std::to_string(i) + "]";
    if (private_members == PrivateMembers::reject && members[i].is_object() &&
        has_private_members(members[i].get_object())) {
      return fail(ErrorCode::invalid_value, path,
                  "private key material in a set where only public keys are expected");
    }
    auto key = Jwk::from_json(members[i], private_members);
    if (key)
      set.keys_.push_back(std::move(*key));
    else
      set.skipped_.push_back(key.error().under(path));
  }
  return set;
}

std::vector<const Jwk*> JwkSet::find_by_kid(std::string_view kid) const {
  std::vector<const Jwk*> found;
  for (const Jwk& key : keys_) {
    if (key.kid() == kid)
      found.push_back(&key);
  }
  return found;
}

boost::json::object JwkSet::to_json(PrivateMembers private_members) const {
  boost::json::array keys;
  for (const Jwk& key : keys_)
    keys.emplace_back(key.to_json(private_members));
  return boost::json::object{{"keys", std::move(keys)}};
}

}  // namespace peerapi::auth::jose
