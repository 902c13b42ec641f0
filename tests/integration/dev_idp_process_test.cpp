// The development IdP as `make run` uses it: `peerapi dev-idp` commands as separate processes,
// then `peerapi serve` trusting the JWKS they wrote, answering real signed tokens over HTTP.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>

#include "integration/server_process.hpp"
#include "support/test_support.hpp"

namespace peerapi::testing {
namespace {

/// Runs `peerapi ARGS` (no shell metacharacters in ARGS), returns (exit status, stdout).
std::pair<int, std::string> run_peerapi(const std::string& args) {
  const std::string command = std::string(PEERAPI_BINARY) + " " + args + " 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr)
    return {-1, ""};
  std::string out;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr)
    out += buffer.data();
  const int status = pclose(pipe);
  while (!out.empty() && out.back() == '\n')
    out.pop_back();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(DevIdpProcess, TokensFromTheCommandLineAreAcceptedByTheServer) {
  TempDir dir;
  const std::string key = (dir.path() / "idp.key").string();
  const std::string jwks = (dir.path() / "idp.jwks.json").string();
  ASSERT_EQ(run_peerapi("dev-idp keygen --out " + key).first, 0);
  EXPECT_EQ(run_peerapi("dev-idp keygen --out " + key).first, 1) << "never overwritten";
  auto [jwks_status, jwks_text] = run_peerapi("dev-idp jwks --key " + key);
  ASSERT_EQ(jwks_status, 0);
  write_file(jwks, jwks_text);

  ServerProcess server(dir.path(), process_config(dir.path()) +
                                       "[[auth.issuers]]\nissuer = \"https://dev-idp.example\"\n"
                                       "audience = \"http://127.0.0.1:8080\"\njwks_file = \"" +
                                       jwks + "\"\nalgorithms = [\"EdDSA\"]\n");
  ASSERT_TRUE(server.wait_ready()) << server.log();
  auto [token_status, token] = run_peerapi("dev-idp token --key " + key + " --asn 64501");
  ASSERT_EQ(token_status, 0);
  EXPECT_EQ(http_call(server.port(), "GET", "/sessions?asn=64501", "", "Bearer " + token).status,
            200);
  EXPECT_EQ(http_call(server.port(), "GET", "/sessions?asn=64502", "", "Bearer " + token).status,
            403);
  auto [other_status, other] =
      run_peerapi("dev-idp token --key " + key + " --asn 64501 --audience https://elsewhere");
  ASSERT_EQ(other_status, 0);
  auto wrong_audience =
      http_call(server.port(), "GET", "/sessions?asn=64501", "", "Bearer " + other);
  EXPECT_EQ(wrong_audience.status, 401);
  EXPECT_NE(wrong_audience.headers["www-authenticate"].find("invalid_token"), std::string::npos);
  EXPECT_NE(wrong_audience.body.find("token.aud"), std::string::npos) << wrong_audience.body;
  EXPECT_EQ(run_peerapi("dev-idp token --key " + key + " --asn 23456").first, 2)
      << "a reserved ASN is a usage error";
}

TEST(DevIdpProcess, AMissingJwksFileStopsTheServerWithAHint) {
  TempDir dir;
  ServerProcess server(dir.path(), process_config(dir.path()) +
                                       "[[auth.issuers]]\nissuer = \"https://dev-idp.example\"\n"
                                       "audience = \"a\"\njwks_file = \"" +
                                       (dir.path() / "absent.json").string() +
                                       "\"\nalgorithms = [\"EdDSA\"]\n");
  EXPECT_FALSE(server.wait_ready(std::chrono::seconds(5)));
  const std::string log = server.log();
  EXPECT_NE(log.find("auth.issuers[0].jwks_file"), std::string::npos) << log;
  EXPECT_NE(log.find("dev-idp"), std::string::npos) << "the hint names the fix: " << log;
}

}  // namespace
}  // namespace peerapi::testing
