// `peerapi rpki validate` as a separate process: answers from a VRP file and from an RTR cache
// (a one-shot responder on 127.0.0.1, port 0), stdin mode, usage errors and exit codes.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "integration/cli_run.hpp"
#include "support/test_support.hpp"

namespace peerapi::testing {
namespace {

std::string example_vrps() {
  return (shared_dir() / "reference/daemons/vrps-example.json").string();
}

TEST(RpkiCli, ValidatesOneRouteFromAVrpFile) {
  const std::string vrps = " --vrps " + example_vrps() + " ";
  struct Row {
    const char* query;
    const char* expected;
  };
  const Row rows[] = {
      {"198.51.100.0/24 AS64501", "valid\n"},   {"198.51.100.0/24 64501", "valid\n"},
      {"198.51.100.0/25 AS64501", "invalid\n"},  // maxLength 24
      {"203.0.113.0/24 AS64501", "invalid\n"},   // the VRP names AS64999
      {"2001:db8:100::/48 as64501", "valid\n"}, {"192.0.2.0/24 AS64501", "not-found\n"},
  };
  for (const auto& row : rows) {
    const auto run = run_peerapi("rpki validate" + vrps + row.query);
    EXPECT_EQ(run.status, 0) << row.query << ": " << run.err;
    EXPECT_EQ(run.out, row.expected) << row.query;
    EXPECT_EQ(run.err, "") << row.query;
  }
}

TEST(RpkiCli, AnswersEachLineOfStdin) {
  const auto run = run_peerapi("rpki validate --vrps " + example_vrps() + " -",
                               "198.51.100.0/24 AS64501\n"
                               "\n"
                               "# a comment\n"
                               "203.0.113.0/24 64501\n"
                               "192.0.2.1/24 AS64501\n"
                               "192.0.2.0/24\n"
                               "192.0.2.0/24 AS23456\n"
                               "  2001:db8:100::/40\tAS64501  \n"
                               "192.0.2.0/24 AS64501 extra\n"
                               "192.0.2.0/24 AS64501");
  EXPECT_EQ(run.status, 2) << "a bad line makes the exit code 2";
  const std::vector<std::string> expected = {
      "valid",
      "invalid",
      "error: prefix: prefix \"192.0.2.1/24\" has host bits set",
      "error: expected \"PREFIX ASN\", got \"192.0.2.0/24\"",
      "error: asn: AS23456 is AS_TRANS (RFC 6793) and never a real ASN",
      "valid",
      "error: expected \"PREFIX ASN\", got \"192.0.2.0/24 AS64501 extra\"",
      "not-found",
  };
  std::string joined;
  for (const auto& line : expected)
    joined += line + "\n";
  EXPECT_EQ(run.out, joined);

  const auto clean = run_peerapi("rpki validate --vrps " + example_vrps() + " -",
                                 "198.51.100.0/24 AS64501\n203.0.113.0/24 AS64999\n");
  EXPECT_EQ(clean.status, 0);
  EXPECT_EQ(clean.out, "valid\nvalid\n");
}

TEST(RpkiCli, UsageAndInputErrors) {
  TempDir dir;
  const auto bad_json = dir.path() / "bad.json";
  write_file(bad_json, "{\"vrps\": []}");
  const auto partly_bad = dir.path() / "partly.json";
  write_file(partly_bad,
             R"({"roas": [{"asn": 64501, "prefix": "192.0.2.0/24", "maxLength": 24},
                          {"asn": 64501, "prefix": "192.0.2.0/24", "maxLength": 99}]})");
  struct Row {
    std::string args;
    int status;
    std::string err_contains;
  };
  const std::vector<Row> rows = {
      {"rpki validate 192.0.2.0/24 AS64501", 2, "exactly one of --vrps FILE and --rtr"},
      {"rpki validate --vrps " + example_vrps() + " --rtr 127.0.0.1:323 192.0.2.0/24 AS64501", 2,
       "exactly one of"},
      {"rpki validate --vrps " + example_vrps() + " 192.0.2.0/24", 2, "expected PREFIX ASN"},
      {"rpki validate --vrps " + example_vrps() + " 192.0.2.0/33 AS64501", 2,
       "peerapi rpki validate: prefix: "},
      {"rpki validate --vrps " + example_vrps() + " 192.0.2.0/24 ASX", 2,
       "peerapi rpki validate: asn: "},
      {"rpki validate --vrps " + (dir.path() / "absent.json").string() + " 192.0.2.0/24 AS64501", 1,
       "peerapi rpki validate: --vrps: cannot read"},
      {"rpki validate --vrps " + bad_json.string() + " 192.0.2.0/24 AS64501", 2,
       "peerapi rpki validate: --vrps: roas: not a VRP document"},
      {"rpki validate --rtr localhost 192.0.2.0/24 AS64501", 2,
       "peerapi rpki validate: --rtr: expected HOST:PORT"},
      {"rpki validate --rtr 127.0.0.1:0 192.0.2.0/24 AS64501", 2, "expected HOST:PORT"},
  };
  for (const auto& row : rows) {
    const auto run = run_peerapi(row.args);
    EXPECT_EQ(run.status, row.status) << row.args << "\n" << run.err;
    EXPECT_NE(run.err.find(row.err_contains), std::string::npos) << row.args << "\n" << run.err;
    EXPECT_EQ(run.out, "") << row.args;
  }

  const auto skipped =
      run_peerapi("rpki validate --vrps " + partly_bad.string() + " 192.0.2.0/24 AS64501");
  EXPECT_EQ(skipped.status, 0);
  EXPECT_EQ(skipped.out, "valid\n");
  EXPECT_NE(skipped.err.find("skipped 1 bad entry (first: roas[1].maxLength:"), std::string::npos)
      << skipped.err;
}

/// Accepts one connection on 127.0.0.1 (port 0), reads the 8-byte Reset Query, sends `answer`
/// (RTR PDUs written out byte by byte, RFC 8210 section 5) and closes.
class OneShotCache {
 public:
  explicit OneShotCache(std::vector<std::uint8_t> answer) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(listen_fd_, 1);
    socklen_t size = sizeof address;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this, answer = std::move(answer)] {
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0)
        return;
      std::array<std::uint8_t, 8> query{};
      std::size_t got = 0;
      while (got < query.size()) {
        const ssize_t n = ::recv(fd, query.data() + got, query.size() - got, 0);
        if (n <= 0)
          break;
        got += static_cast<std::size_t>(n);
      }
      (void)!::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
      ::close(fd);
    });
  }
  ~OneShotCache() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    thread_.join();
    ::close(listen_fd_);
  }
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

TEST(RpkiCli, ValidatesAgainstAnRtrCache) {
  OneShotCache cache({// Cache Response, session 7
                      0x01, 0x03, 0x00, 0x07, 0x00, 0x00, 0x00, 0x08,
                      // IPv4 Prefix, announce 192.0.2.0/24-24 AS64501
                      0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x01, 0x18, 0x18, 0x00, 0xc0,
                      0x00, 0x02, 0x00, 0x00, 0x00, 0xfb, 0xf5,
                      // IPv6 Prefix, announce 2001:db8::/32-48 AS0
                      0x01, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x01, 0x20, 0x30, 0x00, 0x20,
                      0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                      0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                      // End of Data, session 7, serial 1, refresh 3600, retry 600, expire 7200
                      0x01, 0x07, 0x00, 0x07, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x01, 0x00,
                      0x00, 0x0e, 0x10, 0x00, 0x00, 0x02, 0x58, 0x00, 0x00, 0x1c, 0x20});
  const auto run = run_peerapi(
      "rpki validate --allow-loopback --rtr 127.0.0.1:" + std::to_string(cache.port()) + " -",
      "192.0.2.0/24 AS64501\n192.0.2.0/25 AS64501\n"
      "2001:db8::/48 AS64501\n198.51.100.0/24 AS64501\n");
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out, "valid\ninvalid\ninvalid\nnot-found\n");
}

TEST(RpkiCli, AnUnreachableCacheIsARuntimeFailure) {
  // A port that was free a moment ago: bound to port 0, then closed.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t size = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(fd);
  const std::string endpoint = "127.0.0.1:" + std::to_string(ntohs(address.sin_port));
  const auto run =
      run_peerapi("rpki validate --allow-loopback --rtr " + endpoint + " 192.0.2.0/24 AS64501");
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_NE(run.err.find("peerapi rpki validate: --rtr: " + endpoint + ": connect"),
            std::string::npos)
      << run.err;
}

}  // namespace
}  // namespace peerapi::testing
