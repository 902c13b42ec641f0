// Access to the published JOSE test vectors in ../shared/testvectors (see their README.md files).
#pragma once

#include <boost/json.hpp>

#include <string>
#include <string_view>

#include "support/test_support.hpp"

namespace peerapi::auth::jose::testing {

/// The text of testvectors/<relative>, without a trailing newline.
inline std::string vector_text(std::string_view relative) {
  std::string text =
      peerapi::testing::read_file(peerapi::testing::shared_dir() / "testvectors" / relative);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  return text;
}

/// testvectors/<relative> parsed as JSON (the RFC 7520 cookbook files).
inline boost::json::value vector_json(std::string_view relative) {
  return boost::json::parse(vector_text(relative));
}

inline constexpr std::string_view kLatchset = "jose/rfc7515_rfc7517_latchset/";
inline constexpr std::string_view kCookbook = "jose/rfc7520_cookbook/";

inline std::string latchset(std::string_view file) {
  return vector_text(std::string(kLatchset) + std::string(file));
}

}  // namespace peerapi::auth::jose::testing
