// An IRRd query-protocol server double for tests: listens on 127.0.0.1 port 0, serves a map of
// as-sets and routes the way IRRd 4 answers bgpq4 (docs: irrd "Running whois queries"), one
// thread per connection, records every command. Header-only, plain POSIX sockets.
//
// Commands: !! (keep open), !q, !n<name> (C), !v, !t<n> (C), !a... (F: not supported, so
// bgpq4 falls back to !i/!g), !s-lc, !s<list>, !i<set>[,1], !gAS<n>, !6AS<n> (AS in any case).
// Without !! the connection is closed after the first answer, as IRRd does.
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace peerapi::testing {

/// What the double does instead of answering one command normally.
struct IrrdOverride {
  std::optional<std::string> raw;      // bytes written instead of the normal answer
  bool drop = false;                   // close the connection without answering
  std::chrono::milliseconds delay{0};  // wait this long, then answer (raw or normal)
};

class IrrdDouble {
 public:
  /// Returns an override for `command` (without its newline), or nullopt to answer normally.
  using Hook = std::function<std::optional<IrrdOverride>(std::string_view command)>;

  IrrdDouble() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener_ < 0)
      throw std::runtime_error("irrd double: socket failed");
    const int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_, 64) != 0) {
      ::close(listener_);
      throw std::runtime_error("irrd double: bind/listen failed");
    }
    socklen_t size = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
    accept_thread_ = std::thread([this] { accept_loop(); });
  }

  ~IrrdDouble() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      for (const int fd : open_fds_)
        ::shutdown(fd, SHUT_RDWR);
    }
    wake_.notify_all();
    ::shutdown(listener_, SHUT_RDWR);
    accept_thread_.join();
    std::vector<std::thread> workers;
    {
      std::lock_guard lock(mutex_);
      workers.swap(workers_);
    }
    for (auto& worker : workers)
      worker.join();
    ::close(listener_);
  }

  IrrdDouble(const IrrdDouble&) = delete;
  IrrdDouble& operator=(const IrrdDouble&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  /// "127.0.0.1:<port>"
  [[nodiscard]] std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  /// Adds the as-set `name` (any case) with `members` ("AS64501", "AS-OTHER"), in `source`.
  void add_set(const std::string& name, std::vector<std::string> members,
               const std::string& source = "TEST") {
    std::lock_guard lock(mutex_);
    sets_[upper(name)] = StoredSet{upper(source), std::move(members)};
    sources_.insert(upper(source));
  }
  /// Adds a route (IPv4 prefix) or route6 (IPv6 prefix) object originated by `origin`.
  void add_route(std::uint32_t origin, const std::string& prefix) {
    std::lock_guard lock(mutex_);
    const bool v6 = prefix.find(':') != std::string::npos;
    routes_[{origin, v6}].insert(prefix);
  }
  /// Declares a source the server knows even if it holds no set.
  void add_source(const std::string& source) {
    std::lock_guard lock(mutex_);
    sources_.insert(upper(source));
  }
  void set_hook(Hook hook) {
    std::lock_guard lock(mutex_);
    hook_ = std::move(hook);
  }

  /// Every command received, in order, without newlines.
  [[nodiscard]] std::vector<std::string> commands() const {
    std::lock_guard lock(mutex_);
    return commands_;
  }
  [[nodiscard]] int count(std::string_view prefix) const {
    std::lock_guard lock(mutex_);
    return static_cast<int>(std::count_if(commands_.begin(), commands_.end(), [&](const auto& c) {
      return std::string_view(c).starts_with(prefix);
    }));
  }
  [[nodiscard]] int connections() const { return connections_.load(); }

 private:
  struct StoredSet {
    std::string source;
    std::vector<std::string> members;
  };
  struct Session {
    bool persistent = false;
    std::set<std::string> sources;  // empty: all
  };

  static std::string upper(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
      if (c >= 'a' && c <= 'z')
        c = static_cast<char>(c - 'a' + 'A');
    }
    return out;
  }
  static std::string data_reply(const std::string& payload) {
    if (payload.empty())
      return "C\n";
    return "A" + std::to_string(payload.size() + 1) + "\n" + payload + "\nC\n";
  }
  static std::string joined(const std::set<std::string>& items, char separator) {
    std::string out;
    for (const auto& item : items) {
      if (!out.empty())
        out += separator;
      out += item;
    }
    return out;
  }

  void accept_loop() {
    for (;;) {
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      std::lock_guard lock(mutex_);
      if (stopping_) {
        if (fd >= 0)
          ::close(fd);
        return;
      }
      if (fd < 0)
        continue;
      ++connections_;
      const int one = 1;  // answers to pipelined queries go out at once, as IRRd's do
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      open_fds_.insert(fd);
      workers_.emplace_back([this, fd] { serve(fd); });
    }
  }

  void serve(int fd) {
    Session session;
    std::string pending;
    char chunk[4096];
    bool keep_open = true;
    while (keep_open) {
      const auto newline = pending.find('\n');
      if (newline == std::string::npos) {
        const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
        if (got <= 0)
          break;
        pending.append(chunk, static_cast<std::size_t>(got));
        continue;
      }
      std::string command = pending.substr(0, newline);
      pending.erase(0, newline + 1);
      if (!command.empty() && command.back() == '\r')
        command.pop_back();
      Hook hook;
      {
        std::lock_guard lock(mutex_);
        commands_.push_back(command);
        hook = hook_;
      }
      std::optional<IrrdOverride> override_;
      if (hook)
        override_ = hook(command);
      if (override_ && override_->delay.count() > 0) {
        std::unique_lock lock(mutex_);
        if (wake_.wait_for(lock, override_->delay, [this] { return stopping_; }))
          break;
      }
      if (override_ && override_->drop)
        break;
      std::optional<std::string> reply;
      if (override_ && override_->raw)
        reply = *override_->raw;
      else
        reply = answer(session, command, keep_open);
      if (reply && !write_all(fd, *reply))
        break;
      if (!session.persistent && command != "!!")
        break;
    }
    {
      std::lock_guard lock(mutex_);
      open_fds_.erase(fd);
    }
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
  }

  static bool write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent <= 0)
        return false;
      bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
  }

  /// The normal answer to `command`; nullopt for none (!!). Clears `keep_open` on !q.
  std::optional<std::string> answer(Session& session, const std::string& command, bool& keep_open) {
    if (command == "!!") {
      session.persistent = true;
      return std::nullopt;
    }
    if (command == "!q") {
      keep_open = false;
      return std::nullopt;
    }
    if (command.starts_with("!n") || command.starts_with("!t"))
      return "C\n";
    if (command == "!v")
      return data_reply("IRRd double (peerapi tests)");
    if (command.starts_with("!a"))
      return "F !a is not supported by this double\n";
    std::lock_guard lock(mutex_);
    if (command == "!s-lc")
      return data_reply(joined(session.sources.empty() ? sources_ : session.sources, ','));
    if (command.starts_with("!s")) {
      std::set<std::string> wanted;
      std::string list = upper(command.substr(2));
      std::size_t start = 0;
      while (start <= list.size()) {
        const auto comma = list.find(',', start);
        const std::string name =
            list.substr(start, comma == std::string::npos ? comma : comma - start);
        if (!sources_.contains(name))
          return "F Unknown source " + name + "\n";
        wanted.insert(name);
        if (comma == std::string::npos)
          break;
        start = comma + 1;
      }
      session.sources = std::move(wanted);
      return "C\n";
    }
    if (command.starts_with("!i")) {
      std::string name = upper(command.substr(2));
      const bool recursive = name.ends_with(",1");
      if (recursive)
        name.resize(name.size() - 2);
      const StoredSet* set = find_set(session, name);
      if (set == nullptr)
        return "D\n";
      if (!recursive)
        return data_reply(join_words(set->members));
      std::set<std::uint32_t> asns;
      std::set<std::string> seen{name};
      flatten(session, *set, seen, asns);
      std::vector<std::string> words;
      for (const auto asn : asns)
        words.push_back("AS" + std::to_string(asn));
      return data_reply(join_words(words));
    }
    if (command.starts_with("!g") || command.starts_with("!6")) {
      const std::string asn_text = upper(command.substr(2));
      if (!asn_text.starts_with("AS") || asn_text.size() < 3)
        return "F Invalid AS number\n";
      std::uint32_t asn = 0;
      try {
        asn = static_cast<std::uint32_t>(std::stoul(asn_text.substr(2)));
      } catch (...) {
        return "F Invalid AS number\n";
      }
      auto it = routes_.find({asn, command[1] == '6'});
      if (it == routes_.end())
        return "C\n";
      return data_reply(join_words(std::vector<std::string>(it->second.begin(), it->second.end())));
    }
    return "F Unrecognized command\n";
  }

  const StoredSet* find_set(const Session& session, const std::string& name) const {
    auto it = sets_.find(name);
    if (it == sets_.end())
      return nullptr;
    if (!session.sources.empty() && !session.sources.contains(it->second.source))
      return nullptr;
    return &it->second;
  }

  void flatten(const Session& session, const StoredSet& set, std::set<std::string>& seen,
               std::set<std::uint32_t>& asns) const {
    for (const auto& raw : set.members) {
      const std::string member = upper(raw);
      if (member.starts_with("AS") && member.size() > 2 &&
          std::all_of(member.begin() + 2, member.end(),
                      [](char c) { return c >= '0' && c <= '9'; })) {
        try {
          asns.insert(static_cast<std::uint32_t>(std::stoul(member.substr(2))));
        } catch (const std::exception&) {  // too many digits: not an ASN, left out
        }
        continue;
      }
      if (!seen.insert(member).second)
        continue;
      if (const StoredSet* nested = find_set(session, member))
        flatten(session, *nested, seen, asns);
    }
  }

  static std::string join_words(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& word : words) {
      if (!out.empty())
        out += ' ';
      out += word;
    }
    return out;
  }

  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::thread accept_thread_;
  std::atomic<int> connections_{0};

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<std::string, StoredSet> sets_;
  std::map<std::pair<std::uint32_t, bool>, std::set<std::string>> routes_;
  std::set<std::string> sources_{"TEST"};
  Hook hook_;
  std::vector<std::string> commands_;
  std::set<int> open_fds_;
  std::vector<std::thread> workers_;
};

}  // namespace peerapi::testing
