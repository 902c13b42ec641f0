// Live PeeringDB sync into a snapshot directory (snapshot.hpp describes the format).
//
// A run fetches every type of kObjectTypes from the PeeringDB API (https://docs.peeringdb.com/
// api_specs/): `GET <base>/<type>?depth=0` for a full load, or `GET <base>/<type>?since=<unix
// seconds>&depth=0` for the rows changed since the type's last sync, which include deleted rows
// (status "deleted"). Changed rows are merged by id into the documents on disk (replaced, added,
// dropped when deleted). The merged documents are validated together by the SnapshotBuilder
// (bad rows reported and skipped exactly as load_snapshot_dir does) before anything is written;
// then each changed file is written to a temporary file and renamed into place, and the sync
// time per type is recorded in `.sync-state.json`. Every type is fetched before any file is
// written, so a failed run leaves the directory as it was.
//
// Rows are kept as PeeringDB sent them, bad ones included: the SnapshotBuilder skips them at
// every load. Dropping them from the files would lose rows whose only fault is a reference to an
// object PeeringDB created between two type downloads (the API is read type by type, not as one
// transaction), which the next incremental run would otherwise repair.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.hpp"
#include "net/http_client.hpp"
#include "sources/peeringdb/snapshot.hpp"
#include "util/clock.hpp"

namespace peerapi::sources::peeringdb {

/// The state file in the snapshot directory: the base URL and, per type, the Unix time (seconds)
/// its last successful fetch started.
inline constexpr std::string_view kSyncStateFile = ".sync-state.json";
/// Held (flock) for the whole run, so two syncs never write one directory at once.
inline constexpr std::string_view kSyncLockFile = ".sync.lock";

/// The PeeringDB API key in the first line of `file` (surrounding blanks and a CR removed).
/// io_error at `field` when the file cannot be read, invalid_value when that line is empty.
/// The key itself never appears in an error.
Result<std::string> read_api_key_file(const std::filesystem::path& file, std::string_view field);

struct SyncOptions {
  std::string base_url = "https://www.peeringdb.com/api";
  /// Sent as "Authorization: Api-Key <key>". Never part of a message, a report or the state.
  std::optional<std::string> api_key;
  std::filesystem::path snapshot_dir;
  /// Rows per request (`limit`/`skip` paging). 0: one request per type, paging only when the
  /// body says it was cut short (meta.truncated, PeeringDB's answer above its row cap).
  std::size_t page_size = 0;
  /// Attempts per request on a 5xx answer or a transport failure (timeouts come from the
  /// HttpClient's options).
  int max_attempts = 3;
  /// Wait before the second attempt; doubled before each further one.
  std::chrono::milliseconds retry_delay{1'000};
  /// 429 answers honoured per request before the run fails.
  int max_rate_limited = 3;
  /// A 429 whose Retry-After (RFC 9110 section 10.2.3) asks for longer fails the run.
  std::chrono::seconds max_retry_after{120};
  /// The wait after a 429 without a usable Retry-After.
  std::chrono::seconds default_retry_after{10};
  /// Pages per type before the run fails (a server that ignores `skip`).
  std::size_t max_pages = 10'000;
};

/// What one run did to one type.
struct TypeSyncReport {
  std::string type;
  bool full = true;        // a full load; false: rows since `since`
  std::int64_t since = 0;  // Unix seconds sent as `since` (incremental runs)
  std::size_t requests = 0;
  std::size_t fetched = 0;  // rows received
  std::size_t changed = 0;  // rows added or different from the previous file
  std::size_t deleted = 0;  // rows removed (status "deleted", or gone from a full load)
  std::size_t bad = 0;      // rows the SnapshotBuilder skipped, plus rows without a usable id
  bool written = false;     // the file was replaced
};

struct SyncReport {
  std::vector<TypeSyncReport> types;  // in kObjectTypes order
  /// The validation of the merged snapshot: what the server will load from the directory.
  ImportReport import;
  /// Rows the merge could not place (no integer id), and previous files that were unreadable
  /// and therefore fully reloaded: "<type>.json: ..." (at most ImportReport::kMaxProblems).
  std::vector<std::string> notes;
  std::size_t notes_not_listed = 0;
  std::int64_t started_at = 0;  // Unix seconds
};

class PeeringDbSync {
 public:
  /// Called after every page: the type, rows received so far, and the total once the type is
  /// complete (PeeringDB does not announce totals).
  using Progress = std::function<void(std::string_view type, std::size_t rows_done,
                                      std::optional<std::size_t> rows_total)>;
  /// Waits between retries; defaults to std::this_thread::sleep_for.
  using Sleep = std::function<void(std::chrono::milliseconds)>;

  /// `http` must allow responses as large as PeeringDB's biggest document (kMaxDocumentBytes);
  /// its timeouts bound each request.
  PeeringDbSync(net::HttpClient& http, const util::Clock& clock, SyncOptions options,
                Sleep sleep = {});

  void set_progress(Progress progress) { progress_ = std::move(progress); }

  /// One run. A type is loaded in full when `force_full`, on the first run, when the state has
  /// no time for it or was written for another base URL, or when its file is missing or
  /// unreadable; otherwise incrementally. Errors (nothing written, previous files intact):
  ///   - unauthenticated at "<type>": HTTP 401/403 (the message is about the API key);
  ///   - rate_limited at "<type>": 429 more than max_rate_limited times, or a Retry-After above
  ///     max_retry_after;
  ///   - unavailable at "<type>": 5xx on every one of max_attempts attempts;
  ///   - io_error at "<type>": another HTTP status, or a transport failure on every attempt;
  ///   - data_invalid at "<type>": a body that is not a PeeringDB API document;
  ///   - unavailable at the directory: another sync holds the lock;
  ///   - io_error at a path: the directory or a file cannot be written (files renamed before
  ///     the failure stay replaced, each one whole; the state is then not updated).
  Result<SyncReport> run(bool force_full = false);

 private:
  net::HttpClient& http_;
  const util::Clock& clock_;
  SyncOptions options_;
  Sleep sleep_;
  Progress progress_;
};

}  // namespace peerapi::sources::peeringdb
