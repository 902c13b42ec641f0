// libFuzzer target for JWK (RFC 7517 section 4) and JWK Set (RFC 7517 section 5) parsing, export
// and RFC 7638 thumbprints. Input: one JSON text, tried as a single JWK and as a JWK Set, with
// private members rejected (keys from outside: JWKS documents, the DPoP "jwk" header) and
// allowed (our own key files). Traps when a property breaks:
// - what parses with PrivateMembers::reject parses with allow, as a public key, with the same
//   thumbprint;
// - to_json(allow) and to_json(reject) parse back to a key of the same type, curve, size,
//   parameters and thumbprint (an "oct" key has no public form);
// - the thumbprint input is the required members in lexicographic order (RFC 7638 section 3.2)
//   and the thumbprint is base64url(SHA-256(input)), 43 characters (section 3.1);
// - public_key() and the SPKI / PKCS#8 PEM forms keep the thumbprint;
// - a set parsed with reject holds no private key; a set re-exports to the same keys in order;
//   skipped members name their path under "keys[".
// Seeds: fuzz/corpus/jwk/ (RFC 7517 appendices A and B, RFC 7520 section 3, RFC 7638 3.1,
// RFC 8037 appendix A).
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/jose/jwk.hpp"
#include "util/crypto.hpp"

namespace {

namespace json = boost::json;
using peerapi::auth::jose::Jwk;
using peerapi::auth::jose::JwkSet;
using peerapi::auth::jose::KeyType;
using peerapi::auth::jose::PrivateMembers;

void require(bool property) {
  if (!property)
    __builtin_trap();
}

bool same_key(const Jwk& a, const Jwk& b) {
  return a.type() == b.type() && a.curve() == b.curve() && a.bits() == b.bits() &&
         a.thumbprint() == b.thumbprint();
}

bool same_parameters(const Jwk& a, const Jwk& b) {
  return a.kid() == b.kid() && a.alg() == b.alg() && a.use() == b.use() &&
         a.key_ops() == b.key_ops();
}

/// RFC 7638 section 3: the input is a JSON object of strings whose keys are strictly ascending,
/// with no whitespace, and the thumbprint is its SHA-256 in base64url.
void check_thumbprint(const Jwk& key) {
  const std::string input = key.thumbprint_input();
  boost::system::error_code ec;
  const json::value parsed = json::parse(input, ec);
  require(!ec && parsed.is_object());
  std::string previous;
  for (const auto& member : parsed.as_object()) {
    require(member.value().is_string());
    const std::string name(member.key());
    require(previous.empty() || previous < name);
    previous = name;
  }
  require(json::serialize(parsed) == input);
  const std::string thumbprint = key.thumbprint();
  require(thumbprint.size() == 43);
  require(thumbprint == peerapi::util::base64url_encode(peerapi::util::sha256(input)));
}

void check_key(const Jwk& key) {
  check_thumbprint(key);

  auto full =
      Jwk::parse(json::serialize(key.to_json(PrivateMembers::allow)), PrivateMembers::allow);
  require(full.has_value() && same_key(*full, key) && same_parameters(*full, key) &&
          full->is_private() == key.is_private() && full->secret() == key.secret());

  if (key.type() == KeyType::oct) {
    require(!key.public_key().has_value());
    require(!key.to_pem(PrivateMembers::reject).has_value());
    return;
  }
  auto public_only =
      Jwk::parse(json::serialize(key.to_json(PrivateMembers::reject)), PrivateMembers::reject);
  require(public_only.has_value() && same_key(*public_only, key) &&
          same_parameters(*public_only, key) && !public_only->is_private());

  auto public_key = key.public_key();
  require(public_key.has_value() && same_key(*public_key, key) && !public_key->is_private());

  auto spki = key.to_pem(PrivateMembers::reject);
  require(spki.has_value());
  auto from_spki = Jwk::from_pem(*spki);
  require(from_spki.has_value() && same_key(*from_spki, key) && !from_spki->is_private());

  auto pkcs8 = key.to_pem(PrivateMembers::allow);
  require(pkcs8.has_value() == key.is_private());
  if (pkcs8) {
    auto from_pkcs8 = Jwk::from_pem(*pkcs8);
    require(from_pkcs8.has_value() && same_key(*from_pkcs8, key) && from_pkcs8->is_private());
  }
}

void check_set(const JwkSet& set, PrivateMembers private_members) {
  for (const Jwk& key : set.keys()) {
    require(private_members == PrivateMembers::allow || !key.is_private());
    check_thumbprint(key);
  }
  for (const auto& skipped : set.skipped())
    require(skipped.field.starts_with("keys["));
  auto again = JwkSet::parse(json::serialize(set.to_json(private_members)), private_members);
  require(again.has_value() && again->keys().size() == set.keys().size());
  for (std::size_t i = 0; i < set.keys().size(); ++i)
    require(same_key(again->keys()[i], set.keys()[i]));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  auto outside = Jwk::parse(input, PrivateMembers::reject);
  auto own = Jwk::parse(input, PrivateMembers::allow);
  if (outside) {
    require(!outside->is_private());
    require(own.has_value() && same_key(*own, *outside) && !own->is_private());
    check_key(*outside);
  }
  if (own)
    check_key(*own);

  auto outside_set = JwkSet::parse(input, PrivateMembers::reject);
  auto own_set = JwkSet::parse(input, PrivateMembers::allow);
  if (outside_set) {
    require(own_set.has_value() && own_set->keys().size() == outside_set->keys().size());
    check_set(*outside_set, PrivateMembers::reject);
  }
  if (own_set)
    check_set(*own_set, PrivateMembers::allow);
  return 0;
}
