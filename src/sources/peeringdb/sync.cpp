#include "sources/peeringdb/sync.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "util/atomic_file.hpp"

namespace peerapi::sources::peeringdb {

Result<std::string> read_api_key_file(const std::filesystem::path& file, std::string_view field) {
  std::ifstream in(file, std::ios::binary);
  std::string key;
  if (!in || !std::getline(in, key))
    return fail(ErrorCode::io_error, std::string(field), file.string() + ": cannot be read");
  const auto first = key.find_first_not_of(" \t");
  const auto last = key.find_last_not_of(" \t\r");
  key = first == std::string::npos ? "" : key.substr(first, last - first + 1);
  if (key.empty()) {
    return fail(ErrorCode::invalid_value, std::string(field),
                file.string() + ": the first line is empty");
  }
  return key;
}

namespace {

namespace json = boost::json;

/// Rows of one type by id, each serialized (boost::json::serialize of the row as received).
using RowMap = std::map<std::uint32_t, std::string>;

struct ExistingDocument {
  bool present = false;  // the file exists and is a readable PeeringDB document
  std::string bytes;     // the file as it is on disk
  RowMap rows;
};

/// A row's id when it is an integer from 1 to 2^32-1.
std::optional<std::uint32_t> row_id(const json::object& row) {
  const json::value* id = row.if_contains("id");
  if (id == nullptr)
    return std::nullopt;
  std::int64_t value = 0;
  if (id->is_int64())
    value = id->get_int64();
  else if (id->is_uint64() && id->get_uint64() <= 0xffffffffu)
    value = static_cast<std::int64_t>(id->get_uint64());
  else
    return std::nullopt;
  if (value < 1 || value > 0xffffffffLL)
    return std::nullopt;
  return static_cast<std::uint32_t>(value);
}

bool is_deleted(const json::object& row) {
  const json::value* status = row.if_contains("status");
  return status != nullptr && status->is_string() && status->get_string() == "deleted";
}

/// Parses a PeeringDB API body; nullopt (with `why`) unless it is {"data": [...], ...}.
std::optional<json::value> parse_document(std::string_view text, std::string& why) {
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::system::error_code ec;
  json::value document = json::parse(text, ec, json::storage_ptr(), options);
  if (ec) {
    why = "not valid JSON (" + ec.message() + ")";
    return std::nullopt;
  }
  const json::object* root = document.if_object();
  const json::value* data = root != nullptr ? root->if_contains("data") : nullptr;
  if (data == nullptr || !data->is_array()) {
    why = "expected a PeeringDB API document {\"meta\": {...}, \"data\": [...]}";
    return std::nullopt;
  }
  return document;
}

std::string document_text(const RowMap& rows) {
  if (rows.empty())
    return "{\"meta\":{},\"data\":[]}\n";
  std::size_t size = 32;
  for (const auto& [id, row] : rows)
    size += row.size() + 2;
  std::string out;
  out.reserve(size);
  out += "{\"meta\":{},\"data\":[\n";
  bool first = true;
  for (const auto& [id, row] : rows) {
    if (!first)
      out += ",\n";
    out += row;
    first = false;
  }
  out += "\n]}\n";
  return out;
}

std::optional<std::string> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad())
    return std::nullopt;
  return out.str();
}

/// The document of `type` in `dir`. A file that is missing, too large or not a PeeringDB
/// document is not `present`; `note` then says why (empty when simply missing).
ExistingDocument read_existing(const std::filesystem::path& dir, std::string_view type,
                               std::string& note, std::size_t& unkeyed) {
  ExistingDocument existing;
  const std::filesystem::path path = dir / (std::string(type) + ".json");
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return existing;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size > kMaxDocumentBytes) {
    note = std::string(type) + ".json: unreadable or too large; loaded in full";
    return existing;
  }
  auto bytes = read_bytes(path);
  if (!bytes) {
    note = std::string(type) + ".json: unreadable; loaded in full";
    return existing;
  }
  std::string why;
  auto document = parse_document(*bytes, why);
  if (!document) {
    note = std::string(type) + ".json: " + why + "; loaded in full";
    return existing;
  }
  for (const json::value& row : document->as_object().at("data").as_array()) {
    const json::object* object = row.if_object();
    const auto id = object != nullptr ? row_id(*object) : std::nullopt;
    if (!id) {
      ++unkeyed;
      continue;
    }
    existing.rows.emplace(*id, json::serialize(row));
  }
  existing.present = true;
  existing.bytes = std::move(*bytes);
  return existing;
}

struct SyncState {
  std::string base_url;
  std::map<std::string, std::int64_t> last_sync;  // type -> Unix seconds
};

std::optional<SyncState> read_state(const std::filesystem::path& dir) {
  auto bytes = read_bytes(dir / kSyncStateFile);
  if (!bytes)
    return std::nullopt;
  boost::system::error_code ec;
  const json::value value = json::parse(*bytes, ec);
  const json::object* root = ec ? nullptr : value.if_object();
  if (root == nullptr)
    return std::nullopt;
  SyncState state;
  if (const json::value* base = root->if_contains("base_url"); base && base->is_string())
    state.base_url = std::string(base->get_string());
  if (const json::value* types = root->if_contains("types"); types && types->is_object()) {
    for (const auto& [type, time] : types->get_object()) {
      if (time.is_int64() && time.get_int64() > 0)
        state.last_sync.emplace(std::string(type), time.get_int64());
    }
  }
  return state;
}

std::string state_text(const SyncState& state) {
  json::object types;
  for (const auto& [type, time] : state.last_sync)
    types[type] = time;
  json::object root;
  root["version"] = 1;
  root["base_url"] = state.base_url;
  root["types"] = std::move(types);
  return json::serialize(root) + "\n";
}

std::unexpected<Error> io_failure(const std::filesystem::path& path, const std::string& what) {
  return fail(ErrorCode::io_error, path.string(), what + ": " + std::strerror(errno));
}

/// flock(2) on the lock file for the lifetime of the object.
class DirectoryLock {
 public:
  DirectoryLock() = default;
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;
  ~DirectoryLock() {
    if (fd_ >= 0)
      ::close(fd_);  // releases the lock
  }

  Result<void> acquire(const std::filesystem::path& dir) {
    const std::filesystem::path path = dir / kSyncLockFile;
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0)
      return io_failure(path, "cannot open the lock file");
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK) {
        return fail(ErrorCode::unavailable, dir.string(),
                    "another PeeringDB sync is running in this directory");
      }
      return io_failure(path, "cannot lock");
    }
    return {};
  }

 private:
  int fd_ = -1;
};

/// Seconds to wait from a Retry-After value (RFC 9110 section 10.2.3): delay-seconds or an
/// HTTP-date (IMF-fixdate); nullopt when it is neither.
std::optional<std::int64_t> retry_after_seconds(std::string_view value, std::int64_t now_s) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
    value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
    value.remove_suffix(1);
  if (value.empty())
    return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9)
      return std::int64_t{999'999'999};
    return std::stoll(std::string(value));
  }
  std::tm tm{};
  const std::string text(value);
  const char* end = ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0')
    return std::nullopt;
  const std::int64_t when = ::timegm(&tm);
  return std::max<std::int64_t>(0, when - now_s);
}

void add_note(SyncReport& report, std::string note) {
  if (report.notes.size() < ImportReport::kMaxProblems)
    report.notes.push_back(std::move(note));
  else
    ++report.notes_not_listed;
}

std::string join_url(const std::string& base, std::string_view type,
                     const std::vector<std::pair<std::string, std::string>>& query) {
  std::string url = base;
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  url += "/";
  url += type;
  char separator = '?';
  for (const auto& [name, value] : query) {
    url += separator;
    url += name + "=" + value;
    separator = '&';
  }
  return url;
}

}  // namespace

PeeringDbSync::PeeringDbSync(net::HttpClient& http, const util::Clock& clock, SyncOptions options,
                             Sleep sleep)
    : http_(http), clock_(clock), options_(std::move(options)), sleep_(std::move(sleep)) {
  if (!sleep_)
    sleep_ = [](std::chrono::milliseconds wait) { std::this_thread::sleep_for(wait); };
}

namespace {

/// One type's download: every page, with retries.
class TypeFetcher {
 public:
  TypeFetcher(net::HttpClient& http, const util::Clock& clock, const SyncOptions& options,
              const PeeringDbSync::Sleep& sleep, const PeeringDbSync::Progress& progress,
              std::string_view type, TypeSyncReport& report)
      : http_(http),
        clock_(clock),
        options_(options),
        sleep_(sleep),
        progress_(progress),
        type_(type),
        report_(report) {}

  /// Every row received, in order, as JSON objects (non-objects are kept as values; the merge
  /// reports them).
  Result<std::vector<json::value>> fetch() {
    std::vector<json::value> rows;
    std::set<std::uint32_t> seen;
    std::size_t limit = options_.page_size;
    std::size_t skip = 0;
    for (std::size_t page = 0;; ++page) {
      if (page >= options_.max_pages) {
        return fail(ErrorCode::io_error, type_,
                    "more than " + std::to_string(options_.max_pages) +
                        " pages; the server does not seem to honour skip");
      }
      std::vector<std::pair<std::string, std::string>> query;
      if (!report_.full)
        query.emplace_back("since", std::to_string(report_.since));
      query.emplace_back("depth", "0");
      if (limit > 0) {
        query.emplace_back("limit", std::to_string(limit));
        query.emplace_back("skip", std::to_string(skip));
      }
      const std::string url = join_url(options_.base_url, type_, query);
      auto response = get(url);
      if (!response)
        return std::unexpected(response.error());
      std::string why;
      auto document = parse_document(response->body, why);
      if (!document) {
        return fail(ErrorCode::data_invalid, type_,
                    net::display_url(url) + ": " + why + " (HTTP " +
                        std::to_string(response->status) + ")");
      }
      json::object& root = document->as_object();
      json::array& data = root.at("data").as_array();
      const std::size_t page_rows = data.size();
      std::size_t new_ids = 0;
      for (json::value& row : data) {
        if (const json::object* object = row.if_object()) {
          if (const auto id = row_id(*object); id && seen.insert(*id).second)
            ++new_ids;
        }
        rows.push_back(std::move(row));
      }
      report_.fetched = rows.size();
      if (progress_)
        progress_(type_, rows.size(), std::nullopt);

      const json::value* meta = root.if_contains("meta");
      const bool truncated = meta != nullptr && meta->is_object() &&
                             meta->as_object().if_contains("truncated") != nullptr;
      if (limit == 0 && !truncated)
        break;
      if (limit == 0)
        limit = page_rows;  // the server's row cap: page on with it
      if (page_rows == 0 || (page_rows < limit && !truncated))
        break;
      if (new_ids == 0) {
        return fail(ErrorCode::io_error, type_,
                    net::display_url(url) +
                        ": a page with no new rows; the server does not "
                        "seem to honour skip");
      }
      skip += page_rows;
    }
    if (progress_)
      progress_(type_, rows.size(), rows.size());
    return rows;
  }

 private:
  /// GET with the retry rules of SyncOptions.
  Result<net::HttpResult> get(const std::string& url) {
    net::HttpRequest request;
    request.url = url;
    request.headers.emplace_back("Accept", "application/json");
    if (options_.api_key && !options_.api_key->empty())
      request.headers.emplace_back("Authorization", "Api-Key " + *options_.api_key);
    int failures = 0;
    int rate_limited = 0;
    std::chrono::milliseconds backoff = options_.retry_delay;
    const std::string shown = net::display_url(url);
    for (;;) {
      ++report_.requests;
      auto response = http_.fetch(request);
      if (!response) {
        // The outbound guard's refusals ("<url>: refused: <reason>") are not transient.
        const bool transient = response.error().code == ErrorCode::io_error &&
                               response.error().message.find(": refused: ") == std::string::npos;
        if (!transient || ++failures >= options_.max_attempts) {
          Error error = response.error();
          error.field = type_;
          if (failures > 1)
            error.message += " (" + std::to_string(failures) + " attempts)";
          return std::unexpected(std::move(error));
        }
        sleep_(backoff);
        backoff *= 2;
        continue;
      }
      const long status = response->status;
      if (response->ok())
        return response;
      if (status == 429) {
        if (++rate_limited > options_.max_rate_limited) {
          return fail(ErrorCode::rate_limited, type_,
                      shown + ": still rate limited (HTTP 429) after " +
                          std::to_string(options_.max_rate_limited) + " waits");
        }
        std::int64_t wait = options_.default_retry_after.count();
        if (const auto header = response->header("retry-after")) {
          if (const auto seconds = retry_after_seconds(*header, clock_.now_ms() / 1000))
            wait = *seconds;
        }
        if (wait > options_.max_retry_after.count()) {
          return fail(ErrorCode::rate_limited, type_,
                      shown + ": rate limited (HTTP 429) with Retry-After " + std::to_string(wait) +
                          " s, above the limit of " +
                          std::to_string(options_.max_retry_after.count()) + " s");
        }
        sleep_(std::chrono::seconds(wait));
        continue;
      }
      if (status == 401 || status == 403) {
        const bool has_key = options_.api_key && !options_.api_key->empty();
        return fail(ErrorCode::unauthenticated, type_,
                    shown + ": HTTP " + std::to_string(status) +
                        (has_key ? ": PeeringDB refused the API key (wrong, revoked, or without "
                                   "read access)"
                                 : ": PeeringDB requires an API key for this request"));
      }
      if (status >= 500 && status <= 599) {
        if (++failures >= options_.max_attempts) {
          return fail(ErrorCode::unavailable, type_,
                      shown + ": HTTP " + std::to_string(status) + " (" + std::to_string(failures) +
                          " attempts)");
        }
        sleep_(backoff);
        backoff *= 2;
        continue;
      }
      return fail(ErrorCode::io_error, type_, shown + ": HTTP " + std::to_string(status));
    }
  }

  net::HttpClient& http_;
  const util::Clock& clock_;
  const SyncOptions& options_;
  const PeeringDbSync::Sleep& sleep_;
  const PeeringDbSync::Progress& progress_;
  std::string type_;
  TypeSyncReport& report_;
};

}  // namespace

Result<SyncReport> PeeringDbSync::run(bool force_full) {
  const std::filesystem::path& dir = options_.snapshot_dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return fail(ErrorCode::io_error, dir.string(), "cannot create the directory: " + ec.message());
  DirectoryLock lock;
  if (auto locked = lock.acquire(dir); !locked)
    return std::unexpected(locked.error());

  SyncReport report;
  report.started_at = clock_.now_ms() / 1000;
  SyncState previous = read_state(dir).value_or(SyncState{});
  if (previous.base_url != options_.base_url)
    previous.last_sync.clear();  // another source: its times mean nothing here
  SyncState next;
  next.base_url = options_.base_url;

  struct Merged {
    ExistingDocument existing;
    std::string text;
  };
  std::vector<Merged> merged(kObjectTypes.size());
  std::vector<std::size_t> unkeyed(kObjectTypes.size(), 0);

  for (std::size_t t = 0; t < kObjectTypes.size(); ++t) {
    const std::string type(kObjectTypes[t]);
    TypeSyncReport type_report;
    type_report.type = type;
    std::string note;
    std::size_t unkeyed_existing = 0;
    merged[t].existing = read_existing(dir, type, note, unkeyed_existing);
    if (!note.empty())
      add_note(report, std::move(note));
    if (unkeyed_existing > 0) {
      add_note(report, type + ".json: " + std::to_string(unkeyed_existing) +
                           " row(s) without a usable id dropped from the previous file");
    }
    const auto last = previous.last_sync.find(type);
    type_report.full =
        force_full || last == previous.last_sync.end() || !merged[t].existing.present;
    type_report.since = type_report.full ? 0 : last->second;

    const std::int64_t fetch_started = clock_.now_ms() / 1000;
    TypeFetcher fetcher(http_, clock_, options_, sleep_, progress_, type, type_report);
    auto rows = fetcher.fetch();
    if (!rows)
      return std::unexpected(rows.error());

    // Incremental: the previous rows are the base, and the changes are counted against it as
    // they are applied. Full: the fetched rows are the result, compared with the previous file.
    RowMap old_rows = std::move(merged[t].existing.rows);
    RowMap result = type_report.full ? RowMap{} : std::move(old_rows);
    std::set<std::uint32_t> changed_ids;
    std::set<std::uint32_t> deleted_ids;
    for (std::size_t i = 0; i < rows->size(); ++i) {
      const json::value& row = (*rows)[i];
      const json::object* object = row.if_object();
      const auto id = object != nullptr ? row_id(*object) : std::nullopt;
      if (!id) {
        ++unkeyed[t];
        add_note(report, type + ": row " + std::to_string(i) +
                             " of the response has no integer id from 1 to 2^32-1; skipped");
        continue;
      }
      if (is_deleted(*object)) {
        if (result.erase(*id) > 0 && !type_report.full) {
          deleted_ids.insert(*id);
          changed_ids.erase(*id);
        }
        continue;
      }
      std::string text = json::serialize(row);
      const auto it = result.find(*id);
      if (it == result.end() || it->second != text) {
        if (!type_report.full) {
          changed_ids.insert(*id);
          deleted_ids.erase(*id);
        }
        result.insert_or_assign(*id, std::move(text));
      }
    }
    if (type_report.full) {
      for (const auto& [id, text] : result) {
        const auto it = old_rows.find(id);
        if (it == old_rows.end() || it->second != text)
          changed_ids.insert(id);
      }
      for (const auto& [id, text] : old_rows) {
        if (!result.contains(id))
          deleted_ids.insert(id);
      }
      old_rows.clear();
    }
    type_report.changed = changed_ids.size();
    type_report.deleted = deleted_ids.size();
    merged[t].text = document_text(result);
    next.last_sync[type] = fetch_started;
    report.types.push_back(std::move(type_report));
  }

  // Validate the whole merged snapshot before writing any of it.
  SnapshotBuilder builder;
  for (std::size_t t = 0; t < kObjectTypes.size(); ++t) {
    if (auto added = builder.add_document(kObjectTypes[t], merged[t].text); !added) {
      return fail(ErrorCode::internal, std::string(kObjectTypes[t]),
                  "the merged document does not load: " + added.error().message);
    }
  }
  report.import = std::move(builder).build().second;
  for (std::size_t t = 0; t < kObjectTypes.size(); ++t) {
    report.types[t].bad =
        report.import.types[std::string(kObjectTypes[t])].skipped_bad + unkeyed[t];
  }

  for (std::size_t t = 0; t < kObjectTypes.size(); ++t) {
    if (merged[t].existing.present && merged[t].existing.bytes == merged[t].text)
      continue;
    const auto path = dir / (std::string(kObjectTypes[t]) + ".json");
    if (auto written = util::write_file_atomically(path, merged[t].text); !written)
      return std::unexpected(written.error());
    report.types[t].written = true;
  }
  if (auto written = util::write_file_atomically(dir / kSyncStateFile, state_text(next)); !written)
    return std::unexpected(written.error());
  return report;
}

}  // namespace peerapi::sources::peeringdb
