#include "e2e/e2e_world.hpp"

#include <boost/json/parse.hpp>
#include <sstream>

#include "support/test_support.hpp"

namespace peerapi::testing::e2e {

namespace json = boost::json;

namespace {

std::optional<json::value> parse_json(std::string_view text) {
  boost::system::error_code error;
  json::value value = json::parse(text, error);
  if (error)
    return std::nullopt;
  return value;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    lines.push_back(line);
  return lines;
}

}  // namespace

std::optional<json::value> PeerapiRun::json() const {
  const auto lines = lines_of(out);
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    if (!it->starts_with("{"))
      continue;
    if (auto value = parse_json(*it); value && value->is_object())
      return value;
  }
  return std::nullopt;
}

std::string PeerapiRun::describe() const {
  return "exit " + std::to_string(exit_code) + (timed_out ? " (timed out)" : "") +
         "\n--- stdout ---\n" + tail(out) + "\n--- stderr ---\n" + tail(err);
}

PeerapiRun run_peerapi_in(const lab::Namespace& ns, const std::vector<std::string>& args,
                          const std::filesystem::path& scratch, std::chrono::milliseconds timeout) {
  static int counter = 0;
  const std::filesystem::path err_file =
      scratch / ("peerapi-" + std::to_string(++counter) + ".err");
  // sh keeps stderr apart; the arguments pass as positional parameters, never through quoting.
  std::vector<std::string> argv = {
      "/bin/sh", "-c", "exec \"$0\" \"$@\" 2>'" + err_file.string() + "'", PEERAPI_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  const lab::CommandResult result = lab::run(argv, &ns, timeout);
  PeerapiRun run;
  run.exit_code = result.exit_code;
  run.timed_out = result.timed_out;
  run.out = result.output;
  std::error_code ignored;
  if (std::filesystem::exists(err_file, ignored))
    run.err = read_file(err_file);
  return run;
}

std::optional<json::object> HttpAnswer::object() const {
  auto value = parse_json(body);
  if (!value || !value->is_object())
    return std::nullopt;
  return value->as_object();
}

HttpAnswer http_get(const lab::Namespace& ns, const std::string& url, const std::string& token) {
  const lab::CommandResult result =
      lab::run({"curl", "-sS", "-m", "10", "-H", "Authorization: Bearer " + token, "-w",
                "\n%{http_code}", url},
               &ns, 15s);
  HttpAnswer answer;
  const auto newline = result.output.rfind('\n');
  if (newline == std::string::npos) {
    answer.body = result.output;
    return answer;
  }
  try {
    answer.status = std::stoi(result.output.substr(newline + 1));
  } catch (const std::exception&) {
    answer.status = 0;
  }
  answer.body = result.output.substr(0, newline);
  return answer;
}

StoreFile::StoreFile(const std::filesystem::path& file) {
  if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    error_ = "cannot open " + file.string() + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory");
    return;
  }
  sqlite3_busy_timeout(db_, 5000);
}

StoreFile::~StoreFile() {
  if (db_ != nullptr)
    sqlite3_close(db_);
}

std::optional<std::string> StoreFile::text_of(const char* sql, const std::string& session_id) {
  if (!error_.empty() && db_ == nullptr)
    return std::nullopt;
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &statement, nullptr) != SQLITE_OK) {
    error_ = sqlite3_errmsg(db_);
    return std::nullopt;
  }
  sqlite3_bind_text(statement, 1, session_id.c_str(), -1, SQLITE_TRANSIENT);
  std::optional<std::string> value;
  const int step = sqlite3_step(statement);
  if (step == SQLITE_ROW) {
    const auto* text = sqlite3_column_text(statement, 0);
    value = text != nullptr ? reinterpret_cast<const char*>(text) : "";
  } else if (step != SQLITE_DONE) {
    error_ = sqlite3_errmsg(db_);
  }
  sqlite3_finalize(statement);
  return value;
}

std::optional<std::string> StoreFile::status(const std::string& session_id) {
  return text_of("SELECT status FROM sessions WHERE session_id = ?1", session_id);
}

std::optional<std::string> StoreFile::bgp_state(const std::string& session_id) {
  return text_of("SELECT bgp_state FROM router_records WHERE session_id = ?1", session_id);
}

std::vector<std::pair<std::string, std::string>> StoreFile::sessions() {
  std::vector<std::pair<std::string, std::string>> rows;
  if (db_ == nullptr)
    return rows;
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT session_id, status FROM sessions ORDER BY seq", -1,
                         &statement, nullptr) != SQLITE_OK) {
    error_ = sqlite3_errmsg(db_);
    return rows;
  }
  while (sqlite3_step(statement) == SQLITE_ROW) {
    rows.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0)),
                      reinterpret_cast<const char*>(sqlite3_column_text(statement, 1)));
  }
  sqlite3_finalize(statement);
  return rows;
}

bool StoreFile::set_secret(const std::string& session_id, const std::string& secret) {
  if (db_ == nullptr)
    return false;
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_, "UPDATE sessions SET session_secret = ?1 WHERE session_id = ?2", -1,
                         &statement, nullptr) != SQLITE_OK) {
    error_ = sqlite3_errmsg(db_);
    return false;
  }
  sqlite3_bind_text(statement, 1, secret.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(statement, 2, session_id.c_str(), -1, SQLITE_TRANSIENT);
  const int step = sqlite3_step(statement);
  sqlite3_finalize(statement);
  if (step != SQLITE_DONE) {
    error_ = sqlite3_errmsg(db_);
    return false;
  }
  if (sqlite3_changes(db_) != 1) {
    error_ = "no session " + session_id + " in the store";
    return false;
  }
  return true;
}

std::optional<std::int64_t> StoreFile::integer_of(const char* sql, const std::string& first,
                                                  const std::string& second) {
  if (db_ == nullptr)
    return std::nullopt;
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &statement, nullptr) != SQLITE_OK) {
    error_ = sqlite3_errmsg(db_);
    return std::nullopt;
  }
  if (sqlite3_bind_parameter_count(statement) >= 1)
    sqlite3_bind_text(statement, 1, first.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_bind_parameter_count(statement) >= 2)
    sqlite3_bind_text(statement, 2, second.c_str(), -1, SQLITE_TRANSIENT);
  std::optional<std::int64_t> value;
  const int step = sqlite3_step(statement);
  if (step == SQLITE_ROW && sqlite3_column_type(statement, 0) != SQLITE_NULL)
    value = sqlite3_column_int64(statement, 0);
  else if (step != SQLITE_ROW && step != SQLITE_DONE)
    error_ = sqlite3_errmsg(db_);
  sqlite3_finalize(statement);
  return value;
}

std::optional<StoreFile::RouterTimes> StoreFile::router_times(const std::string& session_id) {
  const auto observed =
      integer_of("SELECT observed_at FROM router_records WHERE session_id = ?1", session_id);
  if (!observed)
    return std::nullopt;
  return RouterTimes{
      .configured_at =
          integer_of("SELECT configured_at FROM router_records WHERE session_id = ?1", session_id),
      .established_at =
          integer_of("SELECT established_at FROM router_records WHERE session_id = ?1", session_id),
      .observed_at = *observed};
}

std::optional<std::int64_t> StoreFile::history_at(const std::string& session_id,
                                                  const std::string& to_status) {
  return integer_of(
      "SELECT at FROM session_history WHERE session_id = ?1 AND to_status = ?2 ORDER BY id "
      "LIMIT 1",
      session_id, to_status);
}

std::optional<std::int64_t> StoreFile::created_at(const std::string& session_id) {
  return integer_of("SELECT created_at FROM sessions WHERE session_id = ?1", session_id);
}

std::int64_t StoreFile::last_seq() {
  return integer_of("SELECT max(seq) FROM sessions", "").value_or(0);
}

std::optional<std::string> StoreFile::session_after(std::int64_t seq) {
  return text_of(
      "SELECT session_id FROM sessions WHERE seq > CAST(?1 AS INTEGER) ORDER BY seq LIMIT 1",
      std::to_string(seq));
}

std::optional<std::int64_t> StoreFile::lease_until(const std::string& name) {
  return integer_of("SELECT until_ms FROM leases WHERE name = ?1", name);
}

std::string write_lab_iana(const std::filesystem::path& dir,
                           const std::vector<std::string>& stale_without) {
  static const std::vector<std::string> kDocumentation = {"192.0.2.0/24,", "198.51.100.0/24,",
                                                          "203.0.113.0/24,", "2001:db8::/32,"};
  // Source, Destination, Forwardable, Globally Reachable, Reserved-by-Protocol.
  static const std::string kNotReachable = ",False,False,False,False,False";
  static const std::string kReachable = ",True,True,True,True,False";
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error)
    return "cannot create " + dir.string() + ": " + error.message();
  const std::filesystem::path shipped = source_dir() / "data" / "iana";
  for (const char* name : {"ipv4-special-registry.csv", "ipv6-special-registry.csv",
                           "ipv6-unicast-address-assignments.csv"}) {
    const std::string text = read_file(shipped / name);
    std::string edited;
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      end = end == std::string::npos ? text.size() : end + 1;
      std::string line = text.substr(start, end - start);
      start = end;
      bool drop = false;
      for (const auto& block : stale_without)
        drop = drop || line.starts_with(block + ",");
      if (drop)
        continue;
      for (const auto& block : kDocumentation) {
        if (!line.starts_with(block))
          continue;
        const auto at = line.rfind(kNotReachable);
        if (at == std::string::npos)
          return std::string(name) + ": the row of " + block + " is not the expected one";
        line.replace(at, kNotReachable.size(), kReachable);
      }
      edited += line;
    }
    write_file(dir / name, edited);
  }
  return "";
}

std::string tail(const std::string& text, std::size_t max) {
  return text.size() <= max ? text : "...\n" + text.substr(text.size() - max);
}

}  // namespace peerapi::testing::e2e
