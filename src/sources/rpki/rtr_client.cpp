#include "sources/rpki/rtr_client.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <expected>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

namespace peerapi::sources::rpki {

namespace {

/// The longest single poll(): bounds how late a clock deadline or stop() is noticed.
constexpr std::int64_t kTickMs = 50;

using RecordSet = std::unordered_set<VrpRecord, VrpRecordHash>;

/// RFC 8210 section 6 ranges; the refresh interval is also kept below half the expire interval
/// (section 6 requires Expire > Refresh) so that data is refreshed before it expires.
rtr::Timers clamp_timers(const rtr::Timers& in) {
  rtr::Timers out{std::clamp<std::uint32_t>(in.refresh, 1, 86400),
                  std::clamp<std::uint32_t>(in.retry, 1, 7200),
                  std::clamp<std::uint32_t>(in.expire, 600, 172800)};
  out.refresh = std::min(out.refresh, out.expire / 2);
  return out;
}

/// What the connection does after a batch of input.
struct Step {
  enum class Then { keep, close_retry_now, close_backoff };
  std::vector<std::uint8_t> send;
  Then then = Then::keep;
  std::string error;                          // why the connection ends
  bool data_error = false;                    // it ends because the cache's data was corrupt
  std::shared_ptr<const VrpTable> published;  // a new table to swap in (End of Data or flush)

  void append(const rtr::Pdu& pdu) {
    const auto bytes = rtr::encode(pdu);
    send.insert(send.end(), bytes.begin(), bytes.end());
  }
  void close(Then how, std::string why) {
    if (then == Then::keep) {
      then = how;
      error = std::move(why);
    }
  }
};

/// The protocol state for one cache, across connections; no I/O (RFC 8210 section 8).
class Engine {
 public:
  Engine(std::uint8_t max_version, std::size_t max_vrps)
      : reset_version_(max_version), max_vrps_(max_vrps) {
    status_.version = max_version;
  }

  /// Begins a connection: the query to send.
  std::vector<std::uint8_t> start_connection() {
    buffer_.clear();
    fresh_.clear();
    undo_.clear();
    negotiated_ = false;
    notify_serial_.reset();
    if (status_.has_data && status_.session_id) {
      full_sync_ = false;
      query_version_ = status_.version;
      phase_ = Phase::awaiting_response;
      return rtr::encode(rtr::SerialQuery{query_version_, *status_.session_id, status_.serial});
    }
    full_sync_ = true;
    query_version_ = reset_version_;
    phase_ = Phase::awaiting_response;
    return rtr::encode(rtr::ResetQuery{query_version_});
  }

  /// Input from the cache. Processes every whole PDU; stops at the first that ends the
  /// connection.
  Step feed(std::span<const std::uint8_t> data, std::int64_t now_ms) {
    buffer_.insert(buffer_.end(), data.begin(), data.end());
    Step step;
    std::size_t offset = 0;
    while (step.then == Step::Then::keep) {
      const std::span<const std::uint8_t> rest(buffer_.data() + offset, buffer_.size() - offset);
      const auto length = rtr::frame(rest);
      if (!length) {
        reject(step, rest.first(rtr::kHeaderSize), length.error());
        break;
      }
      if (*length == 0 || *length > rest.size())
        break;
      handle(rest.first(*length), now_ms, step);
      offset += *length;
    }
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(offset));
    return step;
  }

  /// Timers while connected: the expire interval (data dropped, the connection restarted with a
  /// Reset Query) and the refresh interval (a Serial Query when it passes in idle).
  Step on_tick(std::int64_t now_ms) {
    Step step;
    if (auto dropped = check_expiry(now_ms)) {
      step.published = std::move(dropped);
      step.close(Step::Then::close_retry_now, "the data outlived the expire interval");
      return step;
    }
    if (phase_ == Phase::idle && status_.has_data && status_.session_id &&
        now_ms >= status_.last_update_ms + std::int64_t{status_.timers.refresh} * 1000) {
      send_serial_query(step);
    }
    return step;
  }

  /// True while an answer is owed: a query is outstanding or a PDU is half received.
  [[nodiscard]] bool expecting_input() const noexcept {
    return phase_ != Phase::idle || !buffer_.empty();
  }

  /// The connection ended: changes not closed by an End of Data are undone.
  void on_disconnect() {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
      if (it->first)
        vrps_.erase(it->second);
      else
        vrps_.insert(it->second);
    }
    undo_.clear();
    fresh_.clear();
    buffer_.clear();
    phase_ = Phase::idle;
  }

  /// Drops data older than the expire interval. Returns the empty table to publish, if dropped.
  std::shared_ptr<const VrpTable> check_expiry(std::int64_t now_ms) {
    if (!status_.has_data ||
        now_ms < status_.last_update_ms + std::int64_t{status_.timers.expire} * 1000) {
      return nullptr;
    }
    vrps_.clear();
    status_.has_data = false;
    status_.stale = true;
    status_.session_id.reset();
    ++status_.generation;
    return VrpTable::empty();
  }

  [[nodiscard]] RtrStatus& status() noexcept { return status_; }
  [[nodiscard]] bool synced_on_this_connection() const noexcept { return synced_; }
  void clear_synced() noexcept { synced_ = false; }

 private:
  enum class Phase { awaiting_response, receiving, idle };

  std::uint8_t session_version() const noexcept {
    return negotiated_ ? status_.version : query_version_;
  }

  /// Answers `pdu` with an Error Report and ends the connection (RFC 8210 section 5.11: never
  /// in answer to an Error Report).
  void report(Step& step, rtr::ErrorReportCode code, std::span<const std::uint8_t> pdu,
              const std::string& why) {
    const bool is_error_report =
        pdu.size() >= 2 && pdu[1] == static_cast<std::uint8_t>(rtr::PduType::error_report);
    if (!is_error_report) {
      step.append(rtr::make_error_report(session_version(), code, pdu, why));
      ++status_.error_reports_sent;
    }
    step.close(Step::Then::close_backoff, rtr::to_string(code) + ": " + why);
    step.data_error = true;
  }

  void reject(Step& step, std::span<const std::uint8_t> pdu, const rtr::DecodeFailure& failure) {
    const std::string field = failure.error.field.empty() ? "" : failure.error.field + ": ";
    report(step, failure.report_code, pdu, field + failure.error.message);
  }

  /// RFC 8210 section 5.1: a Session ID mismatch flushes everything learned from the cache.
  void flush(Step& step, std::span<const std::uint8_t> pdu, const std::string& why) {
    report(step, rtr::ErrorReportCode::corrupt_data, pdu, why);
    vrps_.clear();
    undo_.clear();
    fresh_.clear();
    status_.has_data = false;
    status_.session_id.reset();
    ++status_.generation;
    step.published = VrpTable::empty();
  }

  void send_serial_query(Step& step) {
    full_sync_ = false;
    phase_ = Phase::awaiting_response;
    step.append(rtr::SerialQuery{status_.version, *status_.session_id, status_.serial});
  }

  void handle(std::span<const std::uint8_t> bytes, std::int64_t now_ms, Step& step) {
    const auto raw_type = static_cast<rtr::PduType>(bytes[1]);
    auto decoded = rtr::decode(bytes);
    if (!decoded) {
      // RFC 8210 section 7: Serial Notify is ignored during start-up, whatever its version.
      if (raw_type == rtr::PduType::serial_notify && !negotiated_)
        return;
      reject(step, bytes, decoded.error());
      return;
    }
    const rtr::Pdu& pdu = *decoded;
    const std::uint8_t version = rtr::version_of(pdu);

    if (const auto* notify = std::get_if<rtr::SerialNotify>(&pdu)) {
      on_serial_notify(*notify, bytes, step);
      return;
    }
    if (const auto* error = std::get_if<rtr::ErrorReport>(&pdu)) {
      ++status_.error_reports_received;
      const auto code = static_cast<rtr::ErrorReportCode>(error->code);
      const std::string why = "cache sent Error Report \"" + rtr::to_string(code) + "\"" +
                              (error->text.empty() ? "" : ": " + error->text.substr(0, 200));
      if (code == rtr::ErrorReportCode::unsupported_protocol_version && !negotiated_ &&
          query_version_ > rtr::kVersion0) {
        // Section 7: retry the connection in the lower version. Session IDs and serials are
        // per version, so the next connection starts with a Reset Query.
        reset_version_ = static_cast<std::uint8_t>(query_version_ - 1);
        status_.session_id.reset();
        step.close(Step::Then::close_retry_now, why);
        return;
      }
      step.close(Step::Then::close_backoff, why);
      return;
    }

    if (!negotiated_) {
      if (version > query_version_) {
        report(step, rtr::ErrorReportCode::unsupported_protocol_version, bytes,
               "answered a version " + std::to_string(query_version_) + " query in version " +
                   std::to_string(version));
        return;
      }
      if (version < query_version_ && !full_sync_) {
        report(step, rtr::ErrorReportCode::unexpected_protocol_version, bytes,
               "answered a version " + std::to_string(query_version_) +
                   " Serial Query in version " + std::to_string(version));
        return;
      }
      negotiated_ = true;
      status_.version = version;
    } else if (version != status_.version) {
      report(step,
             status_.version >= rtr::kVersion1 ? rtr::ErrorReportCode::unexpected_protocol_version
                                               : rtr::ErrorReportCode::corrupt_data,
             bytes,
             "PDU in version " + std::to_string(version) + " on a version " +
                 std::to_string(status_.version) + " session");
      return;
    }

    std::visit(
        [&](const auto& value) {
          using T = std::decay_t<decltype(value)>;
          if constexpr (std::is_same_v<T, rtr::CacheResponse>)
            on_cache_response(value, bytes, step);
          else if constexpr (std::is_same_v<T, rtr::CacheReset>)
            on_cache_reset(bytes, step);
          else if constexpr (std::is_same_v<T, rtr::PrefixPdu>)
            on_prefix(value, bytes, step);
          else if constexpr (std::is_same_v<T, rtr::RouterKey>)
            on_router_key(bytes, step);
          else if constexpr (std::is_same_v<T, rtr::EndOfData>)
            on_end_of_data(value, bytes, now_ms, step);
          else
            report(
                step, rtr::ErrorReportCode::unsupported_pdu_type, bytes,
                std::string(rtr::name_of(rtr::type_of(pdu))) + " is sent by routers, not caches");
        },
        pdu);
  }

  void on_serial_notify(const rtr::SerialNotify& notify, std::span<const std::uint8_t> bytes,
                        Step& step) {
    if (!negotiated_)
      return;  // section 7: ignored during start-up
    if (notify.version != status_.version) {
      report(step, rtr::ErrorReportCode::unexpected_protocol_version, bytes,
             "Serial Notify in version " + std::to_string(notify.version) + " on a version " +
                 std::to_string(status_.version) + " session");
      return;
    }
    if (phase_ != Phase::idle) {
      notify_serial_ = notify.serial;  // answered after the current End of Data
      return;
    }
    if (!status_.session_id)
      return;
    if (notify.session_id != *status_.session_id) {
      flush(step, bytes,
            "Serial Notify for session " + std::to_string(notify.session_id) +
                ", the data is from session " + std::to_string(*status_.session_id));
      return;
    }
    if (notify.serial != status_.serial)
      send_serial_query(step);
  }

  void on_cache_response(const rtr::CacheResponse& response, std::span<const std::uint8_t> bytes,
                         Step& step) {
    if (phase_ != Phase::awaiting_response) {
      report(step, rtr::ErrorReportCode::corrupt_data, bytes, "Cache Response without a query");
      return;
    }
    if (!full_sync_ && status_.session_id && response.session_id != *status_.session_id) {
      flush(step, bytes,
            "Cache Response for session " + std::to_string(response.session_id) +
                ", the data is from session " + std::to_string(*status_.session_id));
      return;
    }
    response_session_ = response.session_id;
    phase_ = Phase::receiving;
  }

  void on_cache_reset(std::span<const std::uint8_t> bytes, Step& step) {
    if (phase_ != Phase::awaiting_response || full_sync_) {
      report(step, rtr::ErrorReportCode::corrupt_data, bytes,
             "Cache Reset is only an answer to a Serial Query");
      return;
    }
    // Section 8.3: the cache cannot give an incremental update; start over with a Reset Query
    // on this connection. The data held stays in use until the new End of Data.
    full_sync_ = true;
    fresh_.clear();
    step.append(rtr::ResetQuery{status_.version});
  }

  void on_prefix(const rtr::PrefixPdu& prefix, std::span<const std::uint8_t> bytes, Step& step) {
    if (phase_ != Phase::receiving) {
      report(step, rtr::ErrorReportCode::corrupt_data, bytes,
             "Prefix PDU outside a Cache Response");
      return;
    }
    if (prefix.announce && (full_sync_ ? fresh_ : vrps_).size() >= max_vrps_) {
      report(step, rtr::ErrorReportCode::internal_error, bytes,
             "more than " + std::to_string(max_vrps_) + " VRPs (the client's limit)");
      return;
    }
    if (full_sync_) {
      if (prefix.announce) {
        if (!fresh_.insert(prefix.vrp).second)
          report(step, rtr::ErrorReportCode::duplicate_announcement, bytes, "announced twice");
      } else if (fresh_.erase(prefix.vrp) == 0) {
        report(step, rtr::ErrorReportCode::withdrawal_of_unknown_record, bytes,
               "withdrawal of a record not announced");
      }
      return;
    }
    if (prefix.announce) {
      if (!vrps_.insert(prefix.vrp).second) {
        report(step, rtr::ErrorReportCode::duplicate_announcement, bytes,
               "announcement of a record already held");
        return;
      }
      undo_.emplace_back(true, prefix.vrp);
    } else {
      if (vrps_.erase(prefix.vrp) == 0) {
        report(step, rtr::ErrorReportCode::withdrawal_of_unknown_record, bytes,
               "withdrawal of a record not held");
        return;
      }
      undo_.emplace_back(false, prefix.vrp);
    }
  }

  void on_router_key(std::span<const std::uint8_t> bytes, Step& step) {
    if (phase_ != Phase::receiving) {
      report(step, rtr::ErrorReportCode::corrupt_data, bytes,
             "Router Key PDU outside a Cache Response");
      return;
    }
    ++status_.router_keys_skipped;  // BGPsec router keys are not used by peerapi
  }

  void on_end_of_data(const rtr::EndOfData& eod, std::span<const std::uint8_t> bytes,
                      std::int64_t now_ms, Step& step) {
    if (phase_ != Phase::receiving) {
      report(step, rtr::ErrorReportCode::corrupt_data, bytes, "End of Data without Cache Response");
      return;
    }
    if (eod.session_id != response_session_) {
      flush(step, bytes,
            "End of Data for session " + std::to_string(eod.session_id) +
                ", the Cache Response was for session " + std::to_string(response_session_));
      return;
    }
    if (full_sync_) {
      vrps_.swap(fresh_);
      fresh_.clear();
      ++status_.full_syncs;
    } else {
      ++status_.incremental_syncs;
    }
    undo_.clear();
    status_.session_id = eod.session_id;
    status_.serial = eod.serial;
    status_.timers = clamp_timers(eod.timers);
    status_.has_data = true;
    status_.stale = false;
    status_.last_update_ms = now_ms;
    ++status_.generation;
    step.published = VrpTable::build(std::vector<VrpRecord>(vrps_.begin(), vrps_.end()));
    phase_ = Phase::idle;
    synced_ = true;
    if (notify_serial_ && *notify_serial_ != eod.serial) {
      notify_serial_.reset();
      send_serial_query(step);
    }
    notify_serial_.reset();
  }

  std::uint8_t reset_version_;  // version of the next Reset Query
  std::uint8_t query_version_ = rtr::kVersion1;
  bool negotiated_ = false;
  bool full_sync_ = true;
  bool synced_ = false;
  Phase phase_ = Phase::idle;
  std::uint16_t response_session_ = 0;
  std::optional<std::uint32_t> notify_serial_;
  std::vector<std::uint8_t> buffer_;
  RecordSet vrps_;   // the data of the last End of Data (plus uncommitted incremental changes)
  RecordSet fresh_;  // a full transfer in progress
  std::vector<std::pair<bool, VrpRecord>> undo_;  // (inserted?, record) since the last EoD
  RtrStatus status_;
  std::size_t max_vrps_;
};

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  void reset() {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }
  [[nodiscard]] int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

/// Deadlines and stop requests for the I/O below: every wait polls `wake` (readable once stop
/// is requested) and wakes at least every kTickMs to re-read the clock.
struct Waiter {
  const util::Clock& clock;
  int wake = -1;
  const std::atomic<bool>* stopping = nullptr;

  [[nodiscard]] bool stopped() const { return stopping != nullptr && stopping->load(); }

  /// Polls `fd` for `events` until ready, `deadline_ms` (clock time) or stop. Returns the
  /// revents (0 on timeout or stop).
  short wait(int fd, short events, std::int64_t deadline_ms) const {
    while (!stopped()) {
      const std::int64_t left = deadline_ms - clock.now_ms();
      if (left <= 0)
        return 0;
      std::array<pollfd, 2> fds{pollfd{fd, events, 0}, pollfd{wake, POLLIN, 0}};
      const nfds_t count = wake >= 0 ? 2 : 1;
      const int ready = ::poll(fds.data(), count, static_cast<int>(std::min(left, kTickMs)));
      if (ready < 0 && errno != EINTR)
        return POLLERR;
      if (ready > 0 && fds[0].revents != 0)
        return fds[0].revents;
    }
    return 0;
  }

  /// Sleeps until `deadline_ms` or stop; false when stopped.
  bool sleep_until(std::int64_t deadline_ms) const {
    while (!stopped() && clock.now_ms() < deadline_ms) {
      pollfd fd{wake, POLLIN, 0};
      const std::int64_t left = deadline_ms - clock.now_ms();
      (void)::poll(&fd, wake >= 0 ? 1 : 0,
                   static_cast<int>(std::clamp<std::int64_t>(left, 0, kTickMs)));
    }
    return !stopped();
  }
};

/// Why connect_to failed: the outbound guard refused the cache (`refusal` holds its error,
/// nothing was connected), or the cache could not be resolved or reached (`why`).
struct ConnectFailure {
  std::optional<Error> refusal;
  std::string why;
};

/// A TCP connection to the cache within `timeout_ms`: the host is resolved and checked by the
/// outbound guard first, and only the checked addresses are tried, in order.
std::expected<Fd, ConnectFailure> connect_to(const RtrClientOptions& options,
                                             std::int64_t timeout_ms, const Waiter& waiter) {
  net::SystemResolver system_resolver;
  net::Resolver& resolver = options.resolver != nullptr
                                ? *options.resolver
                                : static_cast<net::Resolver&>(system_resolver);
  auto checked =
      net::check_endpoint(options.host, options.port, options.field, options.outbound, resolver);
  if (!checked) {
    if (checked.error().code == ErrorCode::unavailable)
      return std::unexpected(ConnectFailure{std::nullopt, checked.error().message});
    return std::unexpected(ConnectFailure{checked.error(), checked.error().message});
  }
  const std::string& shown = checked->display;
  const std::int64_t deadline = waiter.clock.now_ms() + timeout_ms;
  std::string last = "no address for " + shown;
  for (const model::IpAddress& address : checked->addresses) {
    sockaddr_storage target{};
    const socklen_t target_size = net::to_sockaddr(address, options.port, target);
    Fd fd(::socket(target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) {
      last = std::string("socket: ") + std::strerror(errno);
      continue;
    }
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&target), target_size) != 0 &&
        errno != EINPROGRESS) {
      last = "connect to " + shown + ": " + std::strerror(errno);
      continue;
    }
    const short events = waiter.wait(fd.get(), POLLOUT, deadline);
    if (waiter.stopped())
      return std::unexpected(ConnectFailure{std::nullopt, "stopped"});
    if (events == 0) {
      last = "connect to " + shown + ": timed out";
      continue;
    }
    int error = 0;
    socklen_t size = sizeof error;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &size);
    if (error != 0) {
      last = "connect to " + shown + ": " + std::strerror(error);
      continue;
    }
    const int on = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    return fd;
  }
  return std::unexpected(ConnectFailure{std::nullopt, last});
}

/// Writes all of `bytes`; false on error, timeout or stop.
bool send_all(int fd, std::span<const std::uint8_t> bytes, std::int64_t deadline_ms,
              const Waiter& waiter) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
      return false;
    if (waiter.wait(fd, POLLOUT, deadline_ms) == 0)
      return false;
  }
  return true;
}

/// Runs one connection until it ends, the clock reaches `end_ms`, or (with `stop_after_sync`)
/// the first End of Data. Returns the step that ended it.
Step run_connection(Engine& engine, int fd, std::int64_t response_timeout_ms, std::int64_t end_ms,
                    const Waiter& waiter, const std::function<void(const Step&)>& on_step,
                    bool stop_after_sync) {
  const util::Clock& clock = waiter.clock;
  const auto query = engine.start_connection();
  std::int64_t last_input = clock.now_ms();
  if (!send_all(fd, query, last_input + response_timeout_ms, waiter)) {
    Step step;
    step.close(Step::Then::close_backoff,
               "cannot send the query: " + std::string(std::strerror(errno)));
    return step;
  }
  std::vector<std::uint8_t> chunk(64 * 1024);
  while (!waiter.stopped()) {
    if (clock.now_ms() >= end_ms) {
      Step late;
      late.close(Step::Then::close_backoff, "no complete answer from the cache in time");
      return late;
    }
    Step step = engine.on_tick(clock.now_ms());
    if (step.send.empty() && step.then == Step::Then::keep && !step.published) {
      const std::int64_t now = clock.now_ms();
      const std::int64_t deadline =
          engine.expecting_input() ? last_input + response_timeout_ms : now + kTickMs;
      if (engine.expecting_input() && now >= deadline) {
        step.close(Step::Then::close_backoff, "no answer from the cache within " +
                                                  std::to_string(response_timeout_ms) + " ms");
        return step;
      }
      const short events = waiter.wait(fd, POLLIN, std::min(deadline, now + kTickMs));
      if (events == 0)
        continue;
      const ssize_t n = ::recv(fd, chunk.data(), chunk.size(), 0);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        continue;
      if (n <= 0) {
        const std::string where = engine.expecting_input() ? " before the answer was complete" : "";
        step.close(Step::Then::close_backoff,
                   (n == 0 ? std::string("the cache closed the connection")
                           : "read: " + std::string(std::strerror(errno))) +
                       where);
        return step;
      }
      last_input = clock.now_ms();
      step = engine.feed(std::span<const std::uint8_t>(chunk.data(), static_cast<std::size_t>(n)),
                         last_input);
    }
    if (!step.send.empty()) {
      // A query restarts the response timeout.
      last_input = clock.now_ms();
      if (!send_all(fd, step.send, last_input + response_timeout_ms, waiter))
        step.close(Step::Then::close_backoff, "cannot write to the cache");
    }
    on_step(step);
    if (step.then != Step::Then::keep)
      return step;
    if (stop_after_sync && engine.synced_on_this_connection() && !engine.expecting_input())
      return step;
  }
  Step stopped;
  stopped.close(Step::Then::close_backoff, "stopped");
  return stopped;
}

}  // namespace

struct RtrClient::State {
  State(RtrClientOptions opts, const util::Clock& c)
      : options(std::move(opts)), clock(c), table(VrpTable::empty()) {}

  RtrClientOptions options;
  const util::Clock& clock;
  mutable std::mutex mutex;
  mutable std::condition_variable published;
  std::shared_ptr<const VrpTable> table;
  std::shared_ptr<const VrpTable> empty_table = VrpTable::empty();
  RtrStatus status;
  std::atomic<bool> stopping{false};
  Fd wake;
  std::thread thread;
  bool started = false;

  void publish(const RtrStatus& engine_status, const std::shared_ptr<const VrpTable>& next,
               bool connected) {
    {
      std::lock_guard lock(mutex);
      const auto connects = status.connects;
      const auto failures = status.failures;
      const auto last_error = status.last_error;
      status = engine_status;
      status.connects = connects;
      status.failures = failures;
      status.last_error = last_error;
      status.connected = connected;
      if (next)
        table = next;
    }
    if (next)
      published.notify_all();
  }

  void note_failure(const std::string& why) {
    std::lock_guard lock(mutex);
    ++status.failures;
    status.last_error = why;
    status.connected = false;
  }

  void run() {
    Engine engine(options.max_version, options.max_vrps);
    const Waiter waiter{clock, wake.get(), &stopping};
    std::int64_t backoff = options.min_backoff.count();
    while (!stopping) {
      if (auto dropped = engine.check_expiry(clock.now_ms()))
        publish(engine.status(), dropped, false);
      auto connection = connect_to(options, options.connect_timeout.count(), waiter);
      if (stopping)
        break;
      Step::Then then = Step::Then::close_backoff;
      if (connection) {
        {
          std::lock_guard lock(mutex);
          ++status.connects;
          status.connected = true;
        }
        engine.clear_synced();
        const Step last = run_connection(
            engine, connection->get(), options.response_timeout.count(),
            std::numeric_limits<std::int64_t>::max(), waiter,
            [&](const Step& step) {
              publish(engine.status(), step.published, step.then == Step::Then::keep);
            },
            false);
        connection->reset();
        engine.on_disconnect();
        if (stopping)
          break;
        then = last.then;
        note_failure(last.error);
        if (engine.synced_on_this_connection())
          backoff = options.min_backoff.count();
      } else {
        note_failure(connection.error().why);
      }
      publish(engine.status(), nullptr, false);
      if (then == Step::Then::close_retry_now)
        continue;
      const std::int64_t cap = std::min<std::int64_t>(
          options.max_backoff.count(), std::int64_t{engine.status().timers.retry} * 1000);
      const std::int64_t deadline = clock.now_ms() + backoff;
      backoff = std::min(cap, std::max<std::int64_t>(backoff * 2, 1));
      while (!stopping && clock.now_ms() < deadline) {
        waiter.sleep_until(std::min(deadline, clock.now_ms() + kTickMs));
        if (auto dropped = engine.check_expiry(clock.now_ms()))
          publish(engine.status(), dropped, false);
      }
    }
  }
};

RtrClient::RtrClient(RtrClientOptions options, const util::Clock& clock)
    : state_(std::make_shared<State>(std::move(options), clock)) {
  state_->wake = Fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  state_->status.version = state_->options.max_version;
}

RtrClient::~RtrClient() {
  stop();
}

void RtrClient::start() {
  if (state_->started)
    return;
  state_->started = true;
  state_->thread = std::thread([state = state_] { state->run(); });
}

void RtrClient::stop() {
  state_->stopping = true;
  const std::uint64_t one = 1;
  if (state_->wake)
    (void)!::write(state_->wake.get(), &one, sizeof one);
  if (state_->thread.joinable())
    state_->thread.join();
}

std::shared_ptr<const VrpTable> RtrClient::current() const {
  std::lock_guard lock(state_->mutex);
  const auto& status = state_->status;
  if (status.has_data &&
      state_->clock.now_ms() >= status.last_update_ms + std::int64_t{status.timers.expire} * 1000)
    return state_->empty_table;
  return state_->table;
}

RtrStatus RtrClient::status() const {
  std::lock_guard lock(state_->mutex);
  RtrStatus out = state_->status;
  if (out.has_data &&
      state_->clock.now_ms() >= out.last_update_ms + std::int64_t{out.timers.expire} * 1000) {
    out.has_data = false;
    out.stale = true;
  }
  return out;
}

std::uint64_t RtrClient::wait_for_generation(std::uint64_t generation,
                                             std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mutex);
  state_->published.wait_for(lock, timeout, [&] { return state_->status.generation > generation; });
  return state_->status.generation;
}

Result<std::shared_ptr<const VrpTable>> fetch_once(const RtrClientOptions& options,
                                                   std::chrono::milliseconds timeout,
                                                   const util::Clock* clock) {
  util::SystemClock system_clock;
  const util::Clock& use = clock != nullptr ? *clock : system_clock;
  const Waiter waiter{use, -1, nullptr};
  const std::int64_t deadline = use.now_ms() + timeout.count();
  Engine engine(rtr::kVersion1, options.max_vrps);
  std::string last_error;
  bool data_error = false;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const std::int64_t left = deadline - use.now_ms();
    if (left <= 0)
      break;
    auto connection = connect_to(options, left, waiter);
    if (!connection) {
      if (connection.error().refusal)
        return std::unexpected(*connection.error().refusal);
      return fail(ErrorCode::unavailable, "rtr", connection.error().why);
    }
    std::shared_ptr<const VrpTable> table;
    const Step last = run_connection(
        engine, connection->get(), timeout.count(), deadline, waiter,
        [&](const Step& step) {
          if (step.published && engine.status().has_data)
            table = step.published;
        },
        true);
    if (table && engine.synced_on_this_connection())
      return table;
    engine.on_disconnect();
    last_error = last.error;
    data_error = last.data_error;
    if (last.then != Step::Then::close_retry_now)
      break;
  }
  if (last_error.empty())
    last_error =
        "no complete answer from the cache within " + std::to_string(timeout.count()) + " ms";
  return fail(data_error ? ErrorCode::data_invalid : ErrorCode::unavailable, "rtr", last_error);
}

}  // namespace peerapi::sources::rpki
