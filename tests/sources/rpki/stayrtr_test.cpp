// RtrClient and fetch_once against a real RTR cache: `stayrtr` (Debian package stayrtr) started
// by the test on 127.0.0.1, serving a VRP file the test writes and then rewrites, so the client
// must apply stayrtr's incremental update (announcements and withdrawals) after Serial Notify.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sources/rpki/rtr_client.hpp"
#include "support/test_support.hpp"

namespace peerapi::sources::rpki {
namespace {

using namespace std::chrono_literals;

const char* const kStayRtr = "/usr/bin/stayrtr";

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t size = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(fd);
  return ntohs(address.sin_port);
}

bool can_connect(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

/// stayrtr as a child process, stopped by PID (SIGTERM, then SIGKILL) when the guard goes away,
/// whether the test passed or not.
class StayRtr {
 public:
  StayRtr(const std::filesystem::path& cache_file, const std::filesystem::path& log_file) {
    for (int attempt = 0; attempt < 3 && pid_ < 0; ++attempt) {
      port_ = free_port();
      const std::string bind = "127.0.0.1:" + std::to_string(port_);
      const std::string cache = cache_file.string();
      std::vector<std::string> args = {kStayRtr,
                                       "-bind",
                                       bind,
                                       "-cache",
                                       cache,
                                       "-checktime=false",
                                       "-refresh",
                                       "1",  // re-read the file every second
                                       "-metrics.addr",
                                       "",  // no metrics listener
                                       "-log.verbose=false"};
      const pid_t pid = ::fork();
      if (pid == 0) {
        const int log = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        ::dup2(log, 1);
        ::dup2(log, 2);
        std::vector<char*> argv;
        for (auto& arg : args)
          argv.push_back(arg.data());
        argv.push_back(nullptr);
        ::execv(kStayRtr, argv.data());
        ::_exit(127);
      }
      pid_ = pid;
      const auto deadline = std::chrono::steady_clock::now() + 10s;
      while (std::chrono::steady_clock::now() < deadline && !can_connect(port_)) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {  // exited: the port was taken?
          pid_ = -1;
          break;
        }
        std::this_thread::sleep_for(20ms);
      }
    }
  }
  ~StayRtr() {
    if (pid_ <= 0)
      return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_)
        return;
      std::this_thread::sleep_for(20ms);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  StayRtr(const StayRtr&) = delete;
  StayRtr& operator=(const StayRtr&) = delete;

  [[nodiscard]] bool running() const { return pid_ > 0; }
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

VrpRecord rec(const std::string& prefix, int max_length, std::uint32_t asn) {
  return to_record(*Vrp::make(*model::Prefix::parse(prefix), max_length, asn));
}

/// Writes an rpki-client style file (ASNs alternately as numbers and "AS<n>" strings) through a
/// rename, so stayrtr never reads half a file.
void write_vrps(const std::filesystem::path& file, const std::vector<VrpRecord>& vrps) {
  std::string text = R"({"metadata": {"buildtime": "2026-11-23T12:00:00Z"}, "roas": [)";
  for (std::size_t i = 0; i < vrps.size(); ++i) {
    const Vrp vrp = to_vrp(vrps[i]);
    const std::string asn =
        i % 2 == 0 ? std::to_string(vrp.asn) : "\"AS" + std::to_string(vrp.asn) + "\"";
    text += std::string(i == 0 ? "" : ",") + R"({"asn": )" + asn + R"(, "prefix": ")" +
            vrp.prefix.to_string() + R"(", "maxLength": )" + std::to_string(vrp.max_length) +
            R"(, "ta": "test"})";
  }
  text += "]}";
  const auto temporary = file.string() + ".tmp";
  peerapi::testing::write_file(temporary, text);
  std::filesystem::rename(temporary, file);
}

std::set<VrpRecord> as_set(const VrpTable& table) {
  const auto records = table.records();
  return {records.begin(), records.end()};
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition())
      return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

TEST(StayRtr, ClientFollowsFullAndIncrementalUpdates) {
  if (::access(kStayRtr, X_OK) != 0) {
    GTEST_SKIP() << "\n\n*** stayrtr is NOT INSTALLED: this test of the RTR client against a real "
                    "cache was SKIPPED. Install the Debian package `stayrtr` (apt-get install "
                    "stayrtr) to run it. ***\n";
  }
  peerapi::testing::TempDir dir;
  const auto file = dir.path() / "vrps.json";
  const std::vector<VrpRecord> before = {
      rec("192.0.2.0/24", 24, 64496), rec("198.51.100.0/24", 24, 64497),
      rec("2001:db8::/32", 48, 64498), rec("203.0.113.0/24", 24, 0)};
  write_vrps(file, before);
  StayRtr stayrtr(file, dir.path() / "stayrtr.log");
  ASSERT_TRUE(stayrtr.running()) << peerapi::testing::read_file(dir.path() / "stayrtr.log");

  util::SystemClock clock;
  RtrClientOptions options;
  options.host = "127.0.0.1";
  options.port = stayrtr.port();
  options.outbound.allow_loopback_http = true;  // stayrtr listens on 127.0.0.1
  options.min_backoff = 100ms;
  options.max_backoff = 1s;
  options.response_timeout = 5s;
  RtrClient client(options, clock);
  client.start();
  ASSERT_TRUE(eventually(
      [&] { return as_set(*client.current()) == std::set(before.begin(), before.end()); }, 15s))
      << client.status().last_error << "\n"
      << peerapi::testing::read_file(dir.path() / "stayrtr.log");
  const auto first = client.status();
  EXPECT_EQ(first.version, 1) << "stayrtr negotiates down to the client's version 1";
  EXPECT_EQ(first.full_syncs, 1u);
  ASSERT_TRUE(first.session_id.has_value());
  const auto table = client.current();
  EXPECT_EQ(
      table->validate(*model::Prefix::parse("203.0.113.0/24"), *model::Asn::from_number(64496)),
      RovState::invalid);
  EXPECT_EQ(
      table->validate(*model::Prefix::parse("2001:db8:1::/48"), *model::Asn::from_number(64498)),
      RovState::valid);

  // Withdraw one, add one, change one's maxLength (a withdrawal plus an announcement).
  const std::vector<VrpRecord> after = {
      rec("192.0.2.0/24", 25, 64496), rec("2001:db8::/32", 48, 64498), rec("203.0.113.0/24", 24, 0),
      rec("2001:db8:100::/40", 48, 64499)};
  write_vrps(file, after);
  ASSERT_TRUE(eventually(
      [&] { return as_set(*client.current()) == std::set(after.begin(), after.end()); }, 20s))
      << client.status().last_error << "\n"
      << peerapi::testing::read_file(dir.path() / "stayrtr.log");
  const auto second = client.status();
  EXPECT_EQ(second.full_syncs, 1u) << "the change arrived as an incremental update";
  EXPECT_GE(second.incremental_syncs, 1u);
  EXPECT_EQ(second.session_id, first.session_id);
  EXPECT_NE(second.serial, first.serial);
  EXPECT_EQ(second.connects, 1u);
  EXPECT_EQ(second.error_reports_sent, 0u);
  EXPECT_EQ(second.error_reports_received, 0u);
  EXPECT_EQ(client.current()->validate(*model::Prefix::parse("198.51.100.0/24"),
                                       *model::Asn::from_number(64497)),
            RovState::not_found);

  const auto fetched = fetch_once(options, 10s);
  ASSERT_TRUE(fetched.has_value()) << fetched.error().message;
  EXPECT_EQ(as_set(**fetched), std::set(after.begin(), after.end()));
  client.stop();
}

}  // namespace
}  // namespace peerapi::sources::rpki
