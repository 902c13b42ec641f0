#include "auth/dpop/htu.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace peerapi::auth::dpop {
namespace {

struct NormalizeCase {
  const char* input;
  std::optional<std::string> expected;
};

// RFC 3986 sections 6.2.2 and 6.2.3 as RFC 9449 section 4.3 step 9 asks; query and fragment go.
TEST(NormalizeHtu, Rfc3986SyntaxAndSchemeBasedNormalization) {
  const NormalizeCase cases[] = {
      {"https://server.example.com/token", "https://server.example.com/token"},
      {"HTTPS://Server.EXAMPLE.com/token", "https://server.example.com/token"},
      {"https://server.example.com:443/token", "https://server.example.com/token"},
      {"https://server.example.com:0443/token", "https://server.example.com/token"},
      {"http://server.example.com:80/token", "http://server.example.com/token"},
      {"http://server.example.com:443/token", "http://server.example.com:443/token"},
      {"https://server.example.com:8443/token", "https://server.example.com:8443/token"},
      {"https://server.example.com:/token", "https://server.example.com/token"},
      {"https://server.example.com", "https://server.example.com/"},
      {"https://server.example.com?x=1", "https://server.example.com/"},
      {"https://server.example.com/token?b=2&a=1#frag", "https://server.example.com/token"},
      {"https://server.example.com/%7euser/%7E", "https://server.example.com/~user/~"},
      {"https://server.example.com/a%2fb", "https://server.example.com/a%2Fb"},
      {"https://server.example.com/caf%c3%a9", "https://server.example.com/caf%C3%A9"},
      {"https://server.example.com/Token", "https://server.example.com/Token"},
      {"https://server.example.com/a/./b/../c", "https://server.example.com/a/c"},
      {"https://server.example.com/a/b/../../../c", "https://server.example.com/c"},
      {"https://server.example.com/a/%2E%2E/c", "https://server.example.com/c"},
      {"https://server.example.com/a/..", "https://server.example.com/"},
      {"https://server.example.com/a/.", "https://server.example.com/a/"},
      {"https://S%41.example/x", "https://sa.example/x"},
      {"http://[2001:DB8::1]:80/a", "http://[2001:db8::1]/a"},
      {"https://User%7e@server.example.com/x", "https://User~@server.example.com/x"},
      {"/token", std::nullopt},
      {"server.example.com/token", std::nullopt},
      {"urn:ietf:params:oauth", std::nullopt},
      {"https://server.example.com/%zz", std::nullopt},
      {"https://server example.com/", std::nullopt},
      {"", std::nullopt},
  };
  for (const NormalizeCase& c : cases) {
    SCOPED_TRACE(c.input);
    EXPECT_EQ(normalize_htu(c.input), c.expected);
  }
}

TEST(HtuFor, DropsQueryAndFragmentOnly) {
  EXPECT_EQ(htu_for("https://Server.example.com:443/a/./b?x=1#f"),
            "https://Server.example.com:443/a/./b");
  EXPECT_EQ(htu_for("https://server.example.com/token"), "https://server.example.com/token");
  EXPECT_EQ(htu_for("https://server.example.com/token?"), "https://server.example.com/token");
  EXPECT_EQ(htu_for("/token?x=1"), std::nullopt);
}

}  // namespace
}  // namespace peerapi::auth::dpop
