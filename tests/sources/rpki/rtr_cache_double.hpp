// A scripted RTR cache on 127.0.0.1 (port 0) for client tests: it decodes what the client sends
// and lets the test answer each PDU, push unsolicited PDUs, send raw bytes and close.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "sources/rpki/rtr_pdu.hpp"

namespace peerapi::sources::rpki::testing {

class CacheDouble {
 public:
  /// One accepted connection, as the handler sees it.
  class Connection {
   public:
    void send(const rtr::Pdu& pdu);
    void send_raw(std::span<const std::uint8_t> bytes);
    /// Closes after the handler returns.
    void close() { closing_ = true; }
    [[nodiscard]] int number() const { return number_; }  // 1 for the first connection

   private:
    friend class CacheDouble;
    int fd_ = -1;
    int number_ = 0;
    bool closing_ = false;
    std::mutex* write_mutex_ = nullptr;
  };

  /// Called on the double's thread for every PDU the client sends.
  using Handler = std::function<void(Connection&, const rtr::Pdu&)>;

  explicit CacheDouble(Handler handler);
  ~CacheDouble();
  CacheDouble(const CacheDouble&) = delete;
  CacheDouble& operator=(const CacheDouble&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }

  /// Sends `pdu` on the current connection (false when none is open).
  bool push(const rtr::Pdu& pdu);

  /// Every PDU received so far, in order, with the number of the connection it came on.
  struct Received {
    int connection;
    rtr::Pdu pdu;
  };
  [[nodiscard]] std::vector<Received> received() const;
  /// Waits until at least `count` PDUs were received; false on timeout.
  bool wait_received(std::size_t count, std::chrono::milliseconds timeout) const;
  [[nodiscard]] int connections() const { return connections_.load(); }

 private:
  void run();
  void serve(int fd, int number);

  Handler handler_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<Received> received_;
  std::mutex write_mutex_;
  int current_fd_ = -1;  // guarded by write_mutex_
  std::thread thread_;
};

}  // namespace peerapi::sources::rpki::testing
