// Abuse protection of a real `peerapi serve` ([limits], docs/security.md "Rate limits, caps and
// allowed senders"): 429 with Retry-After per source address and per ASN, allowed senders,
// X-Forwarded-For from a trusted proxy, the pending cap, and slowloris clients that must not
// slow down anyone else.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "integration/server_process.hpp"
#include "support/test_support.hpp"

namespace peerapi::testing {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

/// A TCP connection to 127.0.0.1:port from `from` (an address of 127.0.0.0/8, bound before
/// connecting); -1 when that fails.
int connect_from(int port, const char* from) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  sockaddr_in local{};
  local.sin_family = AF_INET;
  inet_pton(AF_INET, from, &local.sin_addr);
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(static_cast<std::uint16_t>(port));
  remote.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
    close(fd);
    return -1;
  }
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return fd;
}

/// One request written by hand (extra header lines allowed) from `from`; the raw answer.
std::string raw_call(int port, const std::string& target, const std::string& extra_headers,
                     const char* from = "127.0.0.1") {
  const int fd = connect_from(port, from);
  if (fd < 0)
    return {};
  const std::string request = "GET " + target +
                              " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                              "Authorization: Bearer dev-token-64501\r\n" +
                              extra_headers + "\r\n";
  std::string out;
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
      static_cast<ssize_t>(request.size())) {
    char buffer[4096];
    for (;;) {
      const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0)
        break;
      out.append(buffer, static_cast<std::size_t>(n));
    }
  }
  close(fd);
  return out;
}

int status_of(const std::string& raw) {
  return raw.size() > 12 && raw.starts_with("HTTP/1.1 ") ? std::atoi(raw.c_str() + 9) : 0;
}

std::string first_code(const std::string& body) {
  auto parsed = json::parse(body);
  return std::string(parsed.at("errors").at(0).at("code").as_string());
}

std::string first_message(const std::string& body) {
  auto parsed = json::parse(body);
  return std::string(parsed.at("errors").at(0).at("errors").at(0).as_string());
}

const std::string kLocations = "/locations?asn=64500";

TEST(Abuse, AddressRateLimitAnswers429WithRetryAfter) {
  TempDir dir;
  ServerProcess server(dir.path(), process_config(dir.path(), "",
                                                  "[limits]\nper_address_rate = 0.1\n"
                                                  "per_address_burst = 3\nper_asn_rate = 0\n"));
  ASSERT_TRUE(server.wait_ready()) << server.log();
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(http_call(server.port(), "GET", kLocations).status, 200) << i;
  const auto started = Clock::now();
  auto limited = http_call(server.port(), "GET", kLocations);
  ASSERT_EQ(limited.status, 429) << limited.body;
  EXPECT_EQ(first_code(limited.body), "rate_limited");
  EXPECT_EQ(first_message(limited.body),
            "rate limit for 127.0.0.1: 0.1 requests/s, burst 3 (limits.per_address_rate)");
  ASSERT_TRUE(limited.headers.contains("retry-after"));
  const int retry_after = std::stoi(limited.headers["retry-after"]);
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 10) << "one token at 0.1/s is at most 10 s away";
  // Unauthenticated callers pay too (the check runs before authentication)...
  EXPECT_EQ(http_call(server.port(), "GET", kLocations, "", "").status, 429);
  // ...health checks do not, and other addresses have their own bucket.
  EXPECT_EQ(http_call(server.port(), "GET", "/healthz", "", "").status, 200);
  EXPECT_EQ(status_of(raw_call(server.port(), kLocations, "", "127.0.0.2")), 200);
  if (Clock::now() - started < std::chrono::seconds(retry_after - 1)) {
    EXPECT_EQ(http_call(server.port(), "GET", kLocations).status, 429);
  }
}

TEST(Abuse, AsnRateLimitHoldsOneNetworkAndNotTheOther) {
  TempDir dir;
  ServerProcess server(dir.path(), process_config(dir.path(), "",
                                                  "[limits]\nper_address_rate = 0\n"
                                                  "per_asn_rate = 0.1\nper_asn_burst = 2\n"));
  ASSERT_TRUE(server.wait_ready()) << server.log();
  const std::string a = "Bearer dev-token-64501";
  const std::string b = "Bearer dev-token-64502";
  ASSERT_EQ(http_call(server.port(), "GET", kLocations, "", a).status, 200);
  ASSERT_EQ(http_call(server.port(), "GET", kLocations, "", a).status, 200);
  auto limited = http_call(server.port(), "GET", kLocations, "", a);
  ASSERT_EQ(limited.status, 429) << limited.body;
  EXPECT_EQ(first_code(limited.body), "rate_limited");
  EXPECT_EQ(first_message(limited.body),
            "rate limit for AS64501: 0.1 requests/s, burst 2 (limits.per_asn_rate)");
  EXPECT_TRUE(limited.headers.contains("retry-after"));
  EXPECT_EQ(http_call(server.port(), "GET", kLocations, "", b).status, 200) << "AS64502 is not";
  EXPECT_EQ(http_call(server.port(), "GET", "/sessions?asn=64502", "", b).status, 200);
  // A failed authentication is not charged to any ASN.
  EXPECT_EQ(http_call(server.port(), "GET", kLocations, "", "Bearer wrong").status, 401);
}

TEST(Abuse, AllowedSendersRefuseOtherAddressesWith403) {
  TempDir dir;
  ServerProcess server(dir.path(),
                       process_config(dir.path(), "",
                                      "[limits]\ntrusted_proxies = [\"127.0.0.5/32\"]\n"
                                      "[limits.allowed_senders]\napi = [\"192.0.2.0/24\"]\n"
                                      "metrics = [\"192.0.2.0/24\"]\n"));
  ASSERT_TRUE(server.wait_ready()) << server.log();
  auto refused = http_call(server.port(), "GET", kLocations);
  ASSERT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(first_code(refused.body), "forbidden");
  EXPECT_EQ(first_message(refused.body),
            "127.0.0.1 may not call the api endpoints: it is not in limits.allowed_senders.api");
  EXPECT_EQ(http_call(server.port(), "GET", "/sessions?asn=64501").status, 403);
  EXPECT_EQ(http_call(server.port(), "GET", "/metrics", "", "").status, 403);
  EXPECT_EQ(http_call(server.port(), "GET", "/healthz", "", "").status, 200) << "health: all";
  // X-Forwarded-For counts only from the trusted proxy.
  const std::string forwarded = "X-Forwarded-For: 192.0.2.44\r\n";
  EXPECT_EQ(status_of(raw_call(server.port(), kLocations, forwarded, "127.0.0.5")), 200);
  EXPECT_EQ(status_of(raw_call(server.port(), kLocations, forwarded, "127.0.0.6")), 403)
      << "a spoofed header from an untrusted peer is ignored";
  EXPECT_EQ(status_of(raw_call(server.port(), kLocations,
                               "X-Forwarded-For: 192.0.2.44, 198.51.100.9\r\n", "127.0.0.5")),
            403)
      << "the rightmost untrusted hop counts, not what the client wrote left of it";
}

std::string session(const std::string& ip4, const std::string& peer_ip, int ix) {
  return R"({"local_asn":64501,"local_ip":")" + ip4 + R"(","peer_asn":64500,"peer_ip":")" +
         peer_ip + R"(","location":"pdb:ix:)" + std::to_string(ix) + R"("})";
}

TEST(Abuse, PendingCapRejectsTheThirdSessionAndStoresNothingForIt) {
  TempDir dir;
  ServerProcess server(dir.path(), process_config(dir.path(), "",
                                                  "[approval]\nmode = \"manual\"\n"
                                                  "[limits]\nmax_pending_per_requester = 2\n"));
  ASSERT_TRUE(server.wait_ready()) << server.log();
  const std::string three = R"({"sessions":[)" + session("192.0.2.11", "192.0.2.10", 1) + "," +
                            session("2001:db8:ffff::11", "2001:db8:ffff::10", 1) + "," +
                            session("198.51.100.11", "198.51.100.10", 2) + "]}";
  auto created = http_call(server.port(), "POST", "/sessions", three);
  ASSERT_EQ(created.status, 200) << created.body;
  auto answer = json::parse(created.body);
  ASSERT_EQ(answer.at("sessions").as_array().size(), 2u) << created.body;
  for (const auto& s : answer.at("sessions").as_array())
    EXPECT_EQ(s.at("status").as_string(), "pending");
  const auto& rejected = answer.at("rejected").as_array();
  ASSERT_EQ(rejected.size(), 1u) << created.body;
  EXPECT_EQ(rejected[0].at("local_ip").as_string(), "198.51.100.11");
  const auto& reason = rejected[0].at("errors").at(0);
  EXPECT_EQ(reason.at("code").as_string(), "pending_cap");
  EXPECT_EQ(reason.at("name").as_string(), "sessions[2]");

  // Another request while two are pending: all rejected, 422.
  auto again =
      http_call(server.port(), "POST", "/sessions",
                R"({"sessions":[)" + session("2001:db8:fffe::11", "2001:db8:fffe::10", 2) + "]}");
  ASSERT_EQ(again.status, 422) << again.body;
  EXPECT_EQ(json::parse(again.body).at("rejected").at(0).at("errors").at(0).at("code").as_string(),
            "pending_cap");

  auto listed = http_call(server.port(), "GET", "/sessions?asn=64501");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(json::parse(listed.body).at("sessions").as_array().size(), 2u)
      << "nothing stored for the rejected sessions: " << listed.body;
}

/// Latencies in ms of `count` sequential GET /locations from 127.0.0.1 (each must be 200).
std::vector<double> timed_gets(int port, int count) {
  std::vector<double> out;
  for (int i = 0; i < count; ++i) {
    const auto start = Clock::now();
    const auto result = http_call(port, "GET", kLocations);
    out.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    EXPECT_EQ(result.status, 200) << i;
  }
  return out;
}

double p99(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::ceil(0.99 * static_cast<double>(values.size())));
  return values[std::max<std::size_t>(rank, 1) - 1];
}

/// Whether the server has closed `fd` (EOF or reset seen), without blocking.
bool closed_by_peer(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, 0) <= 0)
    return false;
  char byte;
  const ssize_t n = recv(fd, &byte, 1, MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

TEST(Abuse, SlowlorisClientsAreCutAndDoNotSlowOthers) {
  constexpr int kAddresses = 10;  // 127.0.0.2 .. 127.0.0.11
  constexpr int kPerAddress = 50;
  constexpr int kSlow = kAddresses * kPerAddress;
  constexpr int kHeaderTimeoutMs = 3000;
  // Room for the slow sockets here and in the server (it inherits the limit).
  rlimit files{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &files), 0);
  if (files.rlim_cur < 4096) {
    files.rlim_cur = std::min<rlim_t>(files.rlim_max, 4096);
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &files), 0);
  }
  ASSERT_GE(files.rlim_cur, static_cast<rlim_t>(kSlow + 200)) << "RLIMIT_NOFILE hard limit";

  TempDir dir;
  ServerProcess server(
      dir.path(),
      process_config(dir.path(), "header_timeout_ms = " + std::to_string(kHeaderTimeoutMs) + "\n",
                     "[limits]\nper_asn_rate = 1000.0\nper_asn_burst = 10000\n"));
  ASSERT_TRUE(server.wait_ready()) << server.log();

  timed_gets(server.port(), 10);  // warm-up
  const std::vector<double> baseline = timed_gets(server.port(), 50);

  std::vector<int> slow;
  const auto connecting = Clock::now();
  for (int a = 0; a < kAddresses; ++a) {
    const std::string from = "127.0.0." + std::to_string(2 + a);
    for (int i = 0; i < kPerAddress; ++i) {
      const int fd = connect_from(server.port(), from.c_str());
      ASSERT_GE(fd, 0) << from << " #" << i << ": " << std::strerror(errno);
      slow.push_back(fd);
    }
  }
  const auto connected = Clock::now();
  // A request header that never ends, one byte a second per connection.
  const std::string header =
      "GET /locations?asn=64500 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaa";
  std::atomic<bool> stop{false};
  std::atomic<int> rounds{0};
  std::thread trickle([&] {
    for (std::size_t at = 0; !stop && at < header.size(); ++at) {
      for (int fd : slow)
        ::send(fd, &header[at], 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      ++rounds;
      for (int i = 0; i < 20 && !stop; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });

  // Measure mid-way: the slow clients have been trickling for a second.
  while (rounds < 2 && Clock::now() - connected < std::chrono::seconds(3))
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const std::vector<double> loaded = timed_gets(server.port(), 50);
  const auto measured = Clock::now();
  int held = 0;
  for (int fd : slow)
    held += closed_by_peer(fd) ? 0 : 1;

  // Every slow connection is cut once the header timeout has passed (bounded wait).
  const auto deadline = connected + std::chrono::milliseconds(kHeaderTimeoutMs + 5000);
  std::vector<bool> cut(slow.size(), false);
  std::size_t cut_count = 0;
  while (cut_count < slow.size() && Clock::now() < deadline) {
    for (std::size_t i = 0; i < slow.size(); ++i) {
      if (!cut[i] && closed_by_peer(slow[i])) {
        cut[i] = true;
        ++cut_count;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto all_cut = Clock::now();
  stop = true;
  trickle.join();
  for (int fd : slow)
    close(fd);

  const double base_p99 = p99(baseline);
  const double loaded_p99 = p99(loaded);
  const auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  std::printf(
      "slowloris: %d connections from %d addresses opened in %.0f ms; GET /locations p99 "
      "%.2f ms without, %.2f ms with them (max %.2f ms); %d held when measured %.0f ms after "
      "connecting; all %zu cut %.0f ms after connecting (header_timeout_ms %d)\n",
      kSlow, kAddresses, ms(connected - connecting), base_p99, loaded_p99,
      *std::max_element(loaded.begin(), loaded.end()), held, ms(measured - connected), cut_count,
      ms(all_cut - connected), kHeaderTimeoutMs);
  EXPECT_LE(loaded_p99, std::max(10 * base_p99, base_p99 + 200.0));
  if (measured - connected < std::chrono::milliseconds(kHeaderTimeoutMs - 500)) {
    EXPECT_EQ(held, kSlow) << "the slow clients were held while the others were served";
  }
  EXPECT_EQ(cut_count, slow.size()) << "every slow connection is cut after header_timeout_ms";
  EXPECT_EQ(http_call(server.port(), "GET", kLocations).status, 200);
}

}  // namespace
}  // namespace peerapi::testing
