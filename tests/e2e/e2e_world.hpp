// Helpers of the end-to-end test (issue 6 "End to end, for real"; DESIGN.md "Testing layers"
// 5): the peerapi binary and curl run inside a lab namespace, a store file read and edited as
// an operator would with the sqlite3 shell, and the lab's copies of the IANA registries.
// Namespaces, processes and daemons come from the behaviour test's lab (tests/render/behaviour).
#pragma once

#include <sqlite3.h>

#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "render/behaviour/lab.hpp"

namespace peerapi::testing::e2e {

using namespace std::chrono_literals;

/// One run of the peerapi binary.
struct PeerapiRun {
  int exit_code = -1;  // 128 + signal when killed; -1 when it could not be started
  bool timed_out = false;
  std::string out;  // stdout
  std::string err;  // stderr
  /// The last line of stdout that parses as a JSON object (the --json document).
  [[nodiscard]] std::optional<boost::json::value> json() const;
  /// "exit N; stdout ...; stderr ..." for failure messages.
  [[nodiscard]] std::string describe() const;
};

/// Runs `peerapi ARGS` (PEERAPI_BINARY) inside `ns`, as a process there would, with stdout and
/// stderr kept apart (stderr goes through a file in `scratch`).
PeerapiRun run_peerapi_in(const lab::Namespace& ns, const std::vector<std::string>& args,
                          const std::filesystem::path& scratch,
                          std::chrono::milliseconds timeout = 90s);

/// An HTTP answer (curl run inside the namespace).
struct HttpAnswer {
  int status = 0;    // 0: no answer
  std::string body;  // the body, or curl's complaint when status is 0
  [[nodiscard]] std::optional<boost::json::object> object() const;
};

/// GET `url` with `Authorization: Bearer <token>` from inside `ns` (10 s limit).
HttpAnswer http_get(const lab::Namespace& ns, const std::string& url, const std::string& token);

/// A peerapi SQLite store opened beside the running server, as an operator would with the
/// sqlite3 shell (WAL mode lets both work; writers wait up to 5 s for each other).
class StoreFile {
 public:
  explicit StoreFile(const std::filesystem::path& file);
  ~StoreFile();
  StoreFile(const StoreFile&) = delete;
  StoreFile& operator=(const StoreFile&) = delete;

  [[nodiscard]] const std::string& error() const { return error_; }
  /// sessions.status of `session_id`; nullopt when there is no such row (or on error()).
  std::optional<std::string> status(const std::string& session_id);
  /// router_records.bgp_state of `session_id`; nullopt when none.
  std::optional<std::string> bgp_state(const std::string& session_id);
  /// Every session id with its status, oldest first.
  std::vector<std::pair<std::string, std::string>> sessions();
  /// `UPDATE sessions SET session_secret = ?1 WHERE session_id = ?2`; false (see error()) when
  /// no row changed.
  bool set_secret(const std::string& session_id, const std::string& secret);

  /// The router_records times of `session_id` (Unix ms); nullopt when it has no record.
  struct RouterTimes {
    std::optional<std::int64_t> configured_at;
    std::optional<std::int64_t> established_at;  // the daemon's uptime subtracted (BIRD: 1 s)
    std::int64_t observed_at = 0;
  };
  std::optional<RouterTimes> router_times(const std::string& session_id);
  /// session_history.at of the first entry that moved `session_id` to `to_status`.
  std::optional<std::int64_t> history_at(const std::string& session_id,
                                         const std::string& to_status);
  /// sessions.created_at of `session_id`.
  std::optional<std::int64_t> created_at(const std::string& session_id);
  /// The highest sessions.seq (0 when there is no session).
  std::int64_t last_seq();
  /// The id of the oldest session with a seq above `seq`; nullopt when none.
  std::optional<std::string> session_after(std::int64_t seq);
  /// leases.until_ms of the router lease `name` (Unix ms); nullopt when never taken.
  std::optional<std::int64_t> lease_until(const std::string& name);

 private:
  std::optional<std::string> text_of(const char* sql, const std::string& session_id);
  std::optional<std::int64_t> integer_of(const char* sql, const std::string& first,
                                         const std::string& second = "");
  sqlite3* db_ = nullptr;
  std::string error_;
};

/// Copies the three IANA registries of data/iana into `dir`, edited for the lab:
/// - RFC 5737 TEST-NET-1/2/3 and RFC 3849 2001:db8::/32 marked globally reachable, so that the
///   documentation prefixes the lab routes are not bogons (2001:db8::/32 then is a permit inside
///   the 2001::/23 bogon entry, as in the behaviour test);
/// - the rows whose address block starts with one of `stale_without` left out (a copy older
///   than those registrations).
/// Empty on success, else what went wrong.
std::string write_lab_iana(const std::filesystem::path& dir,
                           const std::vector<std::string>& stale_without = {});

/// `text` without everything before its last `max` characters.
std::string tail(const std::string& text, std::size_t max = 4000);

}  // namespace peerapi::testing::e2e
