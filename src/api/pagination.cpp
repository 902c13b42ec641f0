#include "api/pagination.hpp"

#include <charconv>

#include "util/crypto.hpp"

namespace peerapi::api {

namespace {
constexpr std::size_t kMacBytes = 16;
constexpr std::size_t kMaxTokenLength = 128;

std::string mac(std::string_view key, std::string_view scope, std::string_view payload) {
  std::string input(scope);
  input += '\n';
  input += payload;
  return util::hmac_sha256(key, input).substr(0, kMacBytes);
}
}  // namespace

std::string CursorCodec::encode(std::string_view scope, std::int64_t position) const {
  const std::string payload = util::base64url_encode("1:" + std::to_string(position));
  return payload + "." + util::base64url_encode(mac(key_, scope, payload));
}

Result<std::int64_t> CursorCodec::decode(std::string_view scope, std::string_view token) const {
  auto invalid = [] {
    return fail(ErrorCode::invalid_next_token, "next_token",
                "next_token is not one this server issued for this query; start again without it");
  };
  if (token.empty() || token.size() > kMaxTokenLength)
    return invalid();
  const auto dot = token.find('.');
  if (dot == std::string_view::npos)
    return invalid();
  const std::string_view payload = token.substr(0, dot);
  auto given_mac = util::base64url_decode(token.substr(dot + 1));
  if (!given_mac || !util::constant_time_equal(*given_mac, mac(key_, scope, payload))) {
    return invalid();
  }
  auto plain = util::base64url_decode(payload);
  if (!plain || !plain->starts_with("1:"))
    return invalid();
  std::int64_t position = 0;
  const char* begin = plain->data() + 2;
  const char* end = plain->data() + plain->size();
  auto [ptr, ec] = std::from_chars(begin, end, position);
  if (ec != std::errc{} || ptr != end || position < 0)
    return invalid();
  return position;
}

}  // namespace peerapi::api
