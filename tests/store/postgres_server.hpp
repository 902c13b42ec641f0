// A throwaway PostgreSQL server for tests (DESIGN.md "Hermetic tests"): Debian's initdb into a
// fresh temp dir and `postgres` on a free loopback port, started by this test process and
// stopped by PID. As root it runs as the `postgres` user (or `nobody`): initdb refuses root.
// TCP on 127.0.0.1 only, no Unix socket, SCRAM password authentication, fsync off (a test
// server that loses its data on a host crash loses nothing of value).
//
// Header-only so that every test binary that needs a server (store_test, integration_test)
// compiles it without a build-file change.
#pragma once

#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pqxx/pqxx>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "util/clock.hpp"

namespace peerapi::testing {

class PostgresServer {
 public:
  /// The directory holding initdb and postgres: $PEERAPI_PG_BINDIR, else the newest
  /// /usr/lib/postgresql/<major>/bin that has both; nullopt when there is none.
  static std::optional<std::filesystem::path> binaries() {
    auto complete = [](const std::filesystem::path& dir) {
      return std::filesystem::exists(dir / "initdb") && std::filesystem::exists(dir / "postgres");
    };
    if (const char* configured = std::getenv("PEERAPI_PG_BINDIR"); configured && *configured) {
      if (complete(configured))
        return std::filesystem::path(configured);
      return std::nullopt;
    }
    std::optional<std::filesystem::path> best;
    int best_major = -1;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
      const std::string name = entry.path().filename().string();
      if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit))
        continue;
      const int major = std::stoi(name);
      if (major > best_major && complete(entry.path() / "bin")) {
        best_major = major;
        best = entry.path() / "bin";
      }
    }
    return best;
  }

  /// Why a server cannot be started here (no binaries), or "" when it can be tried.
  static std::string unavailable_reason() {
    if (!binaries()) {
      return "PostgreSQL binaries (initdb, postgres) not found under /usr/lib/postgresql/*/bin "
             "or $PEERAPI_PG_BINDIR: install Debian's postgresql package (scripts/install-deps "
             "does)";
    }
    return "";
  }

  /// The server of this test process, started on first use and stopped at exit; nullptr with
  /// `why` set when it cannot be started. Thread-safe.
  static PostgresServer* shared(std::string* why) {
    static std::mutex mutex;
    static std::unique_ptr<PostgresServer> server;
    static std::string failure;
    std::lock_guard lock(mutex);
    if (server == nullptr && failure.empty()) {
      auto started = std::unique_ptr<PostgresServer>(new PostgresServer());
      // The parent-death signal follows the thread that forks; only the main thread lives as
      // long as the process.
      started->stop_with_process_ = gettid() == getpid();
      failure = started->start();
      if (failure.empty())
        server = std::move(started);
    }
    if (server == nullptr && why != nullptr)
      *why = failure;
    return server.get();
  }

  ~PostgresServer() { stop(); }
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] const std::string& user() const { return kUser; }
  [[nodiscard]] const std::string& password() const { return password_; }
  [[nodiscard]] pid_t pid() const { return pid_; }

  /// A URI for `database` with the superuser's credentials.
  [[nodiscard]] std::string uri(const std::string& database) const {
    return "postgresql://" + kUser + ":" + password_ + "@127.0.0.1:" + std::to_string(port_) + "/" +
           database;
  }

  /// Creates `database` unless it exists; false with `why` set on failure.
  bool create_database(const std::string& database, std::string* why) {
    std::lock_guard lock(databases_mutex_);
    try {
      pqxx::connection admin(uri("postgres"));
      pqxx::nontransaction tx(admin);
      if (tx.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", database).empty())
        tx.exec("CREATE DATABASE " + tx.quote_name(database));
      return true;
    } catch (const std::exception& e) {
      if (why != nullptr)
        *why = std::string("cannot create database ") + database + ": " + e.what();
      return false;
    }
  }

  /// A database name for a test directory: the same directory always maps to the same name.
  static std::string database_for(const std::filesystem::path& dir) {
    std::uint64_t hash = 1469598103934665603ULL;  // FNV-1a
    for (unsigned char c : dir.string()) {
      hash ^= c;
      hash *= 1099511628211ULL;
    }
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string name = "peerapi_";
    for (int shift = 60; shift >= 0; shift -= 4)
      name += kDigits[(hash >> shift) & 0xf];
    return name;
  }

 private:
  inline static const std::string kUser = "peerapi";

  PostgresServer() = default;

  /// Starts the server; "" on success, else why not.
  std::string start() {
    const auto bin = binaries();
    if (!bin)
      return unavailable_reason();
    char pattern[] = "/tmp/peerapi-pg-XXXXXX";
    if (mkdtemp(pattern) == nullptr)
      return "mkdtemp failed";
    root_ = pattern;
    if (geteuid() == 0) {
      const passwd* account = getpwnam("postgres");
      if (account == nullptr)
        account = getpwnam("nobody");
      if (account == nullptr)
        return "running as root and neither a postgres nor a nobody user exists";
      uid_ = account->pw_uid;
      gid_ = account->pw_gid;
      if (chown(root_.c_str(), uid_, gid_) != 0)
        return "cannot give " + root_.string() + " to the server's user";
    }
    util::SecureRandom random;
    static constexpr char kAlphabet[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::uint8_t bytes[24];
    random.fill(bytes, sizeof bytes);
    for (std::uint8_t b : bytes)
      password_ += kAlphabet[b % 62];
    const std::filesystem::path password_file = root_ / "password";
    { std::ofstream(password_file) << password_ << "\n"; }
    chmod(password_file.c_str(), 0600);
    if (geteuid() == 0 && chown(password_file.c_str(), uid_, gid_) != 0)
      return "cannot give the password file to the server's user";

    const std::string data = (root_ / "data").string();
    const int initdb = run_as_server_user(
        {(*bin / "initdb").string(), "-D", data, "-U", kUser, "--pwfile=" + password_file.string(),
         "--auth=scram-sha-256", "--no-sync", "--encoding=UTF8", "--locale=C"},
        root_ / "initdb.log", false);
    if (initdb < 0 || wait_for(initdb) != 0)
      return "initdb failed: " + tail(root_ / "initdb.log");
    std::filesystem::remove(password_file);

    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = free_port();
      if (port_ <= 0)
        return "no free loopback port";
      pid_ = run_as_server_user({(*bin / "postgres").string(),
                                 "-D",
                                 data,
                                 "-p",
                                 std::to_string(port_),
                                 "-c",
                                 "listen_addresses=127.0.0.1",
                                 "-c",
                                 "unix_socket_directories=",
                                 "-c",
                                 "fsync=off",
                                 "-c",
                                 "synchronous_commit=off",
                                 "-c",
                                 "full_page_writes=off",
                                 "-c",
                                 "max_connections=200",
                                 "-c",
                                 "shared_buffers=32MB",
                                 "-c",
                                 "dynamic_shared_memory_type=mmap"},
                                root_ / "server.log", true);
      if (pid_ < 0)
        return "cannot start postgres";
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = -1;
          break;  // exited: most likely the port was taken meanwhile; try another
        }
        try {
          pqxx::connection probe(uri("postgres") + "?connect_timeout=2");
          return "";
        } catch (const std::exception&) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
      }
      if (pid_ > 0)
        return "postgres did not accept connections within 60 s: " + tail(root_ / "server.log");
    }
    return "postgres did not start: " + tail(root_ / "server.log");
  }

  void stop() {
    if (pid_ > 0) {
      kill(pid_, SIGINT);  // fast shutdown: clients are disconnected, nothing is kept
      bool exited = false;
      for (int i = 0; i < 400 && !exited; ++i) {
        int status = 0;
        exited = waitpid(pid_, &status, WNOHANG) == pid_;
        if (!exited)
          std::this_thread::sleep_for(std::chrono::milliseconds(25));
      }
      if (!exited) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
      }
      pid_ = -1;
    }
    if (!root_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(root_, ec);
      root_.clear();
    }
  }

  /// Forks `argv` under the server's user (when running as root) with stdout and stderr in
  /// `log`; returns the child's PID or -1. A server child started from the main thread gets
  /// SIGQUIT (immediate shutdown) if this process dies without stopping it.
  pid_t run_as_server_user(const std::vector<std::string>& argv, const std::filesystem::path& log,
                           bool server) const {
    std::vector<char*> args;
    for (const auto& arg : argv)
      args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    const pid_t parent = getpid();
    const pid_t child = fork();
    if (child != 0)
      return child;
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
    const int null_in = ::open("/dev/null", O_RDONLY);
    if (null_in >= 0)
      dup2(null_in, STDIN_FILENO);
    if (geteuid() == 0) {
      if (fchown(fd, uid_, gid_) != 0 || setgroups(0, nullptr) != 0 || setgid(gid_) != 0 ||
          setuid(uid_) != 0) {
        _exit(126);
      }
    }
    if (server && stop_with_process_) {
      prctl(PR_SET_PDEATHSIG, SIGQUIT);  // after setuid, which clears it
      if (getppid() != parent)
        _exit(125);
    }
    if (chdir(root_.c_str()) != 0)
      _exit(124);
    execv(args[0], args.data());
    _exit(127);
  }

  static int wait_for(pid_t child) {
    int status = 0;
    if (waitpid(child, &status, 0) != child)
      return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  static int free_port() {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
      return -1;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    int port = -1;
    if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      port = ntohs(address.sin_port);
    }
    close(fd);
    return port;
  }

  static std::string tail(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    std::string all = text.str();
    return all.size() > 2000 ? all.substr(all.size() - 2000) : all;
  }

  std::filesystem::path root_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  std::string password_;
  int port_ = -1;
  pid_t pid_ = -1;
  bool stop_with_process_ = false;
  std::mutex databases_mutex_;
};

}  // namespace peerapi::testing
