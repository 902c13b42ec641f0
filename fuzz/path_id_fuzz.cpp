// libFuzzer target for the identifiers a client puts in a path or a query string: session and
// request ids (RFC 9562 UUIDs, GET/DELETE /sessions/{session_id}, ?request_id=), ASNs (?asn=),
// location ids (pdb:ix:N, pdb:fac:N) and pagination tokens (?next_token=, docs/wire.md
// "Pagination"). The whole request path runs in query_fuzz; this target checks the parsers'
// own contracts, which a 4xx-or-not oracle cannot see. Traps when a property breaks:
// - an accepted UUID, ASN or location id prints in canonical form (UUIDs lowercase, 36
//   characters), and the printed form parses to the same value;
// - a next_token is accepted only if it is exactly what encode() writes for that position and
//   scope (one spelling per token), and never for another scope;
// - encode() then decode() returns any non-negative position, and a one-character change of a
//   real token is refused.
// Input: the text to parse; its first 8 bytes also give a position and a mutation for the
// codec round trip. Seeds: fuzz/corpus/path_id/.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "api/pagination.hpp"
#include "model/asn.hpp"
#include "model/location.hpp"
#include "model/uuid.hpp"

namespace {

using peerapi::ErrorCode;
using peerapi::api::CursorCodec;
using peerapi::model::Asn;
using peerapi::model::LocationId;
using peerapi::model::Uuid;

void require(bool property) {
  if (!property)
    __builtin_trap();
}

constexpr std::string_view kScope = "sessions|64501|";
constexpr std::string_view kOtherScope = "sessions|64502|";

void check_uuid(std::string_view text) {
  auto uuid = Uuid::parse(text, "session_id");
  if (!uuid) {
    require(uuid.error().field == "session_id");
    return;
  }
  const std::string printed = uuid->to_string();
  require(printed.size() == 36 && text.size() == 36);
  for (std::size_t i = 0; i < printed.size(); ++i) {
    const char c = printed[i];
    const bool hyphen = i == 8 || i == 13 || i == 18 || i == 23;
    require(hyphen ? c == '-'
                   : (std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f')));
    require(std::tolower(static_cast<unsigned char>(text[i])) == c);
  }
  auto again = Uuid::parse(printed);
  require(again && *again == *uuid);
}

void check_asn(std::string_view text) {
  auto asn = Asn::parse(text, "asn");
  if (!asn) {
    require(asn.error().field == "asn");
    return;
  }
  auto again = Asn::parse(std::to_string(asn->value()), "asn");
  require(again && again->value() == asn->value());
  auto printed = Asn::parse(asn->to_string(), "asn");
  require(printed && printed->value() == asn->value());
  auto from_number = Asn::from_number(asn->value());
  require(from_number && from_number->value() == asn->value());
}

void check_location(std::string_view text) {
  auto location = LocationId::parse(text, "location");
  if (!location) {
    require(location.error().field == "location");
    return;
  }
  const std::string printed = location->to_string();
  auto again = LocationId::parse(printed, "location");
  require(again && again->to_string() == printed);
}

void check_token(std::string_view text, const CursorCodec& codec) {
  auto position = codec.decode(kScope, text);
  if (position) {
    require(*position >= 0 && codec.encode(kScope, *position) == text);
    require(!codec.decode(kOtherScope, text).has_value());
  } else {
    require(position.error().code == ErrorCode::invalid_next_token &&
            position.error().field == "next_token");
  }
}

void check_round_trip(std::uint64_t bits, const CursorCodec& codec) {
  const auto position = static_cast<std::int64_t>(bits >> 1);
  const std::string token = codec.encode(kScope, position);
  auto decoded = codec.decode(kScope, token);
  require(decoded && *decoded == position);
  require(!codec.decode(kOtherScope, token).has_value());
  require(!CursorCodec("another key").decode(kScope, token).has_value());
  // One character replaced by another of the token alphabet (base64url and '.').
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
  std::string tampered = token;
  const std::size_t at = (bits >> 8) % tampered.size();
  const char replacement = kAlphabet[(bits >> 40) % kAlphabet.size()];
  if (tampered[at] == replacement)
    return;
  tampered[at] = replacement;
  require(!codec.decode(kScope, tampered).has_value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const CursorCodec codec("fuzz-key");
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_uuid(input);
  check_asn(input);
  check_location(input);
  check_token(input, codec);
  std::uint64_t bits = 0;
  std::memcpy(&bits, data, size < sizeof bits ? size : sizeof bits);
  check_round_trip(bits, codec);
  return 0;
}
