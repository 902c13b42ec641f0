// JSON Web Keys (RFC 7517) for the key types JWS uses here: RSA (RFC 7518 section 6.3), EC P-256,
// P-384 and P-521 (RFC 7518 section 6.2), OKP Ed25519 (RFC 8037 section 2) and symmetric "oct"
// keys for HMAC (RFC 7518 section 6.4); JWK Sets (RFC 7517 section 5) and RFC 7638 thumbprints.
// Every Jwk holds a key OpenSSL has accepted, so a value of this type is always usable.
#pragma once

#include <openssl/types.h>
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/error.hpp"

namespace peerapi::auth::jose {

class VerifyContextCache;

enum class KeyType : std::uint8_t { rsa, ec, okp, oct };
/// "none" for RSA and oct keys, which have no curve.
enum class Curve : std::uint8_t { none, p256, p384, p521, ed25519 };
/// Whether a parser accepts private key members. `reject` is for every key that arrives from
/// outside (JWKS documents, the DPoP "jwk" header): a public key is required there.
enum class PrivateMembers : std::uint8_t { reject, allow };

/// "RSA", "EC", "OKP", "oct" (RFC 7518 section 6.1, RFC 8037 section 2).
std::string_view to_string(KeyType type) noexcept;
/// "P-256", "P-384", "P-521", "Ed25519"; "" for Curve::none.
std::string_view to_string(Curve curve) noexcept;

/// True when `jwk` carries private or secret key material, whatever its "kty": "d", "p", "q",
/// "dp", "dq", "qi", "oth" (RFC 7518 sections 6.2.2 and 6.3.2, RFC 8037 section 2) or the
/// symmetric "k" (RFC 7518 section 6.4.1). RFC 9449 section 4.3 step 7 uses this on DPoP proofs.
bool has_private_members(const boost::json::object& jwk) noexcept;

/// Largest RSA modulus accepted, to bound the cost of one verification.
inline constexpr unsigned kMaxRsaBits = 8192;
/// Smallest RSA modulus used for signing or verification (RFC 7518 section 3.3).
inline constexpr unsigned kMinRsaBits = 2048;

class Jwk {
 public:
  /// Parses one JWK. Fields in errors are member names ("n", "crv"); callers prefix them with
  /// Error::under. Members are checked as RFC 7518 section 6 requires: canonical unpadded
  /// base64url, EC coordinates and private scalars of exactly the curve's size, RSA integers
  /// without leading zero octets, RSA private keys with all CRT members and no "oth". Unknown
  /// members (x5c, ...) are ignored and not kept.
  static Result<Jwk> parse(std::string_view json, PrivateMembers private_members,
                           std::size_t max_bytes = 64 * 1024);
  static Result<Jwk> from_json(const boost::json::value& json, PrivateMembers private_members);
  /// Loads a PEM private key (PKCS#8 or traditional, unencrypted) or public key (SPKI).
  static Result<Jwk> from_pem(std::string_view pem);
  /// A fresh key pair: EC for P-256/P-384/P-521, OKP for Ed25519.
  static Result<Jwk> generate(Curve curve);
  /// A fresh RSA key pair of `bits` (kMinRsaBits..kMaxRsaBits) and e = 65537.
  static Result<Jwk> generate_rsa(unsigned bits);
  /// A symmetric key for HS* algorithms (RFC 7518 section 6.4); `secret` holds raw octets.
  static Result<Jwk> from_secret(std::string_view secret);

  [[nodiscard]] KeyType type() const noexcept { return type_; }
  [[nodiscard]] Curve curve() const noexcept { return curve_; }
  /// RSA modulus bits, the curve's field bits, or 8 x the secret length.
  [[nodiscard]] unsigned bits() const noexcept { return bits_; }
  [[nodiscard]] bool is_private() const noexcept { return private_; }

  /// Optional parameters (RFC 7517 sections 4.2 to 4.5); empty when absent.
  [[nodiscard]] const std::string& kid() const noexcept { return kid_; }
  [[nodiscard]] const std::string& alg() const noexcept { return alg_; }
  [[nodiscard]] const std::string& use() const noexcept { return use_; }
  [[nodiscard]] const std::optional<std::vector<std::string>>& key_ops() const noexcept {
    return key_ops_;
  }
  [[nodiscard]] Jwk with_kid(std::string kid) const;
  [[nodiscard]] Jwk with_alg(std::string alg) const;
  [[nodiscard]] Jwk with_use(std::string use) const;

  /// The same key without private members (and without its secret, for "oct": an error).
  [[nodiscard]] Result<Jwk> public_key() const;
  /// The JWK as JSON. With PrivateMembers::reject only public members are written, which for an
  /// "oct" key leaves no key material at all.
  [[nodiscard]] boost::json::object to_json(PrivateMembers private_members) const;
  /// PEM text: SPKI for reject, PKCS#8 (unencrypted) for allow. invalid_value for "oct" keys and
  /// for asking a public key for its private PEM.
  [[nodiscard]] Result<std::string> to_pem(PrivateMembers private_members) const;

  /// The RFC 7638 section 3 input: the required public members in lexicographic order, no
  /// whitespace ({"e":...,"kty":"RSA","n":...}).
  [[nodiscard]] std::string thumbprint_input() const;
  /// base64url(SHA-256(thumbprint_input())) (RFC 7638 section 3.1, RFC 9449 section 6.1).
  [[nodiscard]] std::string thumbprint() const;

  /// The OpenSSL key (owned by this Jwk and its copies); nullptr for "oct".
  [[nodiscard]] EVP_PKEY* evp_pkey() const noexcept { return pkey_.get(); }
  /// The raw secret of an "oct" key; empty for every other type.
  [[nodiscard]] std::string_view secret() const noexcept { return secret_; }
  /// Prototype verification contexts for this key (used by signature.cpp); nullptr for "oct".
  [[nodiscard]] VerifyContextCache* verify_contexts() const noexcept {
    return verify_contexts_.get();
  }

 private:
  Jwk() = default;
  static Result<Jwk> from_pkey(std::shared_ptr<EVP_PKEY> pkey, bool is_private);

  KeyType type_ = KeyType::oct;
  Curve curve_ = Curve::none;
  unsigned bits_ = 0;
  bool private_ = false;
  std::string kid_;
  std::string alg_;
  std::string use_;
  std::optional<std::vector<std::string>> key_ops_;
  /// Key material as canonical base64url, public members first, in RFC 7518 order.
  std::vector<std::pair<std::string, std::string>> members_;
  std::shared_ptr<EVP_PKEY> pkey_;
  std::shared_ptr<VerifyContextCache> verify_contexts_;
  std::string secret_;
};

struct JwkSetLimits {
  std::size_t max_bytes = 256 * 1024;
  std::size_t max_keys = 64;
};

/// A JWK Set (RFC 7517 section 5). Members that use an unknown "kty" or curve, lack required
/// members or carry unusable values are skipped, as section 5 says, and reported in skipped().
/// A member with private key material in a set parsed with PrivateMembers::reject fails the whole
/// set: a publisher that leaks its private key must not be trusted.
class JwkSet {
 public:
  JwkSet() = default;
  explicit JwkSet(std::vector<Jwk> keys) : keys_(std::move(keys)) {}

  static Result<JwkSet> parse(std::string_view json, PrivateMembers private_members,
                              const JwkSetLimits& limits = {});
  static Result<JwkSet> from_json(const boost::json::value& json, PrivateMembers private_members,
                                  const JwkSetLimits& limits = {});

  [[nodiscard]] const std::vector<Jwk>& keys() const noexcept { return keys_; }
  /// Why each skipped member was skipped, with its path ("keys[2].crv").
  [[nodiscard]] const std::vector<Error>& skipped() const noexcept { return skipped_; }
  /// The keys whose "kid" equals `kid` (RFC 7517 section 4.5 allows several).
  [[nodiscard]] std::vector<const Jwk*> find_by_kid(std::string_view kid) const;
  [[nodiscard]] boost::json::object to_json(PrivateMembers private_members) const;

 private:
  std::vector<Jwk> keys_;
  std::vector<Error> skipped_;
};

}  // namespace peerapi::auth::jose
