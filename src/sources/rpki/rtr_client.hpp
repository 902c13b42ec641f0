// An RPKI-to-Router client (RFC 8210 version 1, falling back to RFC 6810 version 0) over plain
// TCP, keeping the cache's VRPs as an immutable `VrpTable` that is swapped in after each End of
// Data. One background thread; every deadline is read from the injected clock.
//
// Behaviour (RFC 8210 sections 5, 6, 7, 8):
// - Each connection starts with a Reset Query (no usable data, or a new session) or a Serial
//   Query (data held, not expired). A Reset Query is sent in the highest configured version; an
//   Error Report "Unsupported Protocol Version" in answer makes the next connection use version
//   0; a Cache Response in a lower version is accepted and that version is kept for the session.
//   Once a version is in use, a PDU in another version is answered with "Unexpected Protocol
//   Version" and the connection closed.
// - Cache Response, then IPv4/IPv6 Prefix announcements and withdrawals, then End of Data: the
//   changes become visible only at End of Data (a connection lost midway changes nothing).
//   Router Key PDUs are skipped. A duplicate announcement or a withdrawal of an unknown record is
//   answered with the matching Error Report and the connection dropped.
// - End of Data sets the serial and the refresh/retry/expire timers (version 0: the RFC 8210
//   defaults 3600/600/7200 s). Values outside the section 6 ranges are clamped into them, and
//   the refresh interval to at most half the expire interval (section 6: Expire > Refresh).
// - A Serial Query is sent when the refresh timer fires or when a Serial Notify announces a
//   different serial; Cache Reset in answer leads to a Reset Query on the same connection.
// - A Session ID that differs from the one the data came from (section 5.1) is answered with
//   "Corrupt Data"; the data is flushed and a full reset follows on a new connection.
// - Error Reports received close the connection ("No Data Available" included; the client then
//   retries like after any failure). Corrupt input is answered with an Error Report naming the
//   problem, never an Error Report in answer to an Error Report.
// - After a failure the client reconnects after a backoff doubling from `min_backoff` up to
//   the smaller of `max_backoff` and the cache's retry interval.
// - Data older than the expire interval (since the last End of Data) is dropped: `current()`
//   returns an empty table and `status().stale` is true until fresh data arrives.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "model/error.hpp"
#include "net/outbound_guard.hpp"
#include "sources/rpki/rtr_pdu.hpp"
#include "sources/rpki/vrp_table.hpp"
#include "util/clock.hpp"

namespace peerapi::sources::rpki {

struct RtrClientOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 323;  // IANA "rpki-rtr" (RFC 6810 section 14)
  std::uint8_t max_version = rtr::kVersion1;
  std::chrono::milliseconds connect_timeout{5000};
  /// The longest silence accepted from a query to its End of Data (between any two reads).
  std::chrono::milliseconds response_timeout{30000};
  std::chrono::milliseconds min_backoff{1000};
  std::chrono::milliseconds max_backoff{600000};
  /// Most VRPs held from one cache (RFC 8210 sets no limit; the global RPKI has about 800,000):
  /// an announcement beyond it is answered with "Internal Error" and ends the connection as
  /// corrupt data, so a broken or hostile cache cannot exhaust memory. PDUs are capped at
  /// rtr::kMaxPduSize.
  std::size_t max_vrps = 4'000'000;
  /// The outbound guard (net/outbound_guard.hpp): before every connection `host` is resolved
  /// once and checked (net::check_endpoint), and only the checked addresses are tried, in order.
  /// The default refuses every cache that is not globally reachable.
  net::OutboundPolicy outbound;
  /// Resolves `host`; nullptr: net::SystemResolver.
  std::shared_ptr<net::Resolver> resolver;
  /// The configuration key a refusal names ("sources.rpki.rtr", "--rtr").
  std::string field = "rtr";
};

struct RtrStatus {
  bool connected = false;
  bool has_data = false;  // an End of Data was received and the data has not expired
  bool stale = false;     // data was held and dropped because it outlived the expire interval
  std::uint8_t version = rtr::kVersion1;  // of the current or last session
  std::optional<std::uint16_t> session_id;
  std::uint32_t serial = 0;
  rtr::Timers timers;
  std::int64_t last_update_ms = 0;  // clock time of the last End of Data; 0 before the first
  std::uint64_t generation = 0;     // increases each time a new table is published
  std::uint64_t full_syncs = 0;
  std::uint64_t incremental_syncs = 0;
  std::uint64_t connects = 0;
  std::uint64_t failures = 0;  // connections that ended in an error
  std::uint64_t error_reports_received = 0;
  std::uint64_t error_reports_sent = 0;
  std::uint64_t router_keys_skipped = 0;
  std::string last_error;  // "" when none yet
};

class RtrClient {
 public:
  RtrClient(RtrClientOptions options, const util::Clock& clock);
  ~RtrClient();  // stop()
  RtrClient(const RtrClient&) = delete;
  RtrClient& operator=(const RtrClient&) = delete;

  /// Starts the background thread (once; later calls do nothing).
  void start();
  /// Stops and joins the thread; returns within about 100 ms whatever the thread was waiting for
  /// (connect, read, backoff), except inside a blocking DNS lookup of a host name. The table and
  /// status stay readable.
  void stop();

  /// The VRPs of the last End of Data; an empty table before the first one, after a flush, and
  /// once the data is older than the expire interval. Never null.
  [[nodiscard]] std::shared_ptr<const VrpTable> current() const;
  [[nodiscard]] RtrStatus status() const;
  /// Waits (real time, for callers and tests) until a table with a generation above
  /// `generation` is published, or `timeout` passes; returns the generation then current.
  std::uint64_t wait_for_generation(std::uint64_t generation,
                                    std::chrono::milliseconds timeout) const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

/// One synchronous full transfer from `options.host`:`options.port`: connect, Reset Query
/// (version 1, then 0 if the cache asks), read to End of Data, close; all within `timeout`.
/// `io_error` at `options.field` when the outbound guard refuses the cache (before any
/// connection); `unavailable` (field "rtr") when the cache cannot be resolved or reached, does
/// not finish in time, or reports an error; `data_invalid` (field "rtr") when its data is
/// corrupt or above `options.max_vrps` (the client sent an Error Report). `clock` defaults to
/// the system clock; the other timeouts and backoffs of `options` are not used.
Result<std::shared_ptr<const VrpTable>> fetch_once(const RtrClientOptions& options,
                                                   std::chrono::milliseconds timeout,
                                                   const util::Clock* clock = nullptr);

}  // namespace peerapi::sources::rpki
