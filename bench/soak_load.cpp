// Load generator for `make bench-soak` (bench/soak): mixed Peering API traffic against one
// `peerapi serve`, either open-loop at a fixed rate or closed-loop as fast as it can ("peak").
//
// Open loop: request k of a worker is due at start + k / (rate / threads), whatever happened to
// the requests before it, and its latency runs from that due time to the last byte of the answer.
// When every connection is busy, later requests are sent late and that lateness is part of their
// latency: coordinated omission is not hidden. Requests due before the warm-up ends are sent but
// not measured. Requests still unsent at end + grace are counted as "not_sent" errors.
// Closed loop (peak): every connection sends its next request as soon as the previous answer is
// in; the figure is completed requests per second over the measured part.
//
// The traffic assumes bench/make_snapshot.py's world: the server is --server-asn at exchanges
// 1..E (LAN 2001:db8:<ix>::/64, the server at ::1), caller c (0-based) is AS 4200000001 + c with
// the address 2001:db8:<ix>::<c + 2> at every exchange. Each worker thread owns a disjoint set of
// this run's callers, so every (caller, exchange) pair is one session slot that only one worker
// creates and deletes; a deleted session is no longer live (docs/wire.md), so its slot can be
// created again.
//
// Every request has one expected status; anything else (another status, a transport error, a
// timeout, a 200 without the fields the kind needs) is an error of that kind. Exit status: 0,
// or 1 when a valid request had an error, any request was answered 5xx, or the RSS growth limit
// (--max-rss-growth) was exceeded; 2 on bad arguments.
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;

enum class Kind : std::size_t {
  list,
  get,
  get_jwt,
  locations,
  create,
  remove,
  bad_json,
  bad_field,
  refused,
  unknown_id,
  expired_token,
};
constexpr std::size_t kKindCount = 11;

struct KindInfo {
  const char* name;
  unsigned expected;  // the one HTTP status this kind must get
  bool valid;         // a request a correct client sends: must never fail
  int default_weight;
};

// The default mix (weights sum to 100): reads dominate, creates and deletes balance so the live
// set stays level, and a quarter of the traffic is wrong on purpose (docs/wire.md statuses).
constexpr std::array<KindInfo, kKindCount> kKinds = {{
    {"list", 200, true, 15},           // GET /sessions?asn=A&max_results=20, following next_token
    {"get", 200, true, 20},            // GET /sessions/{id} of a session this worker created
    {"get_jwt", 200, true, 5},         // the same with a JWT access token (cached after first use)
    {"locations", 200, true, 10},      // GET /locations?asn=S&max_results=20, following next_token
    {"create", 200, true, 12},         // POST /sessions, one valid session, unique request_id
    {"delete", 204, true, 12},         // DELETE /sessions/{id} of a session this worker created
    {"bad_json", 400, false, 5},       // POST /sessions with a truncated body (malformed_json)
    {"bad_field", 400, false, 5},      // POST /sessions with local_ip that is not an address
    {"refused", 422, false, 4},        // POST /sessions with peer_asn not the server's
    {"unknown_id", 404, false, 6},     // GET /sessions/{random UUID}
    {"expired_token", 401, false, 6},  // GET /sessions with a JWT whose exp has passed
}};

struct Options {
  std::string host = "127.0.0.1";
  unsigned short port = 0;
  std::string mode = "open";
  double rate = 0;
  double duration = 60;
  double warmup = 5;
  double interval = 10;
  double grace = 30;
  int threads = 2;
  int connections = 64;
  std::string token_prefix;
  std::string jwt;
  std::string expired_jwt;
  std::uint32_t server_asn = 64500;
  int caller_first = 0;
  int callers = 50;
  int exchanges = 50;
  int pid = 0;
  std::string json_out;
  std::string mix;
  int timeout_ms = 10'000;
  double max_rss_growth = -1;
  std::string mapped_file;
  std::uint64_t seed = 0;
};

std::size_t index_of(Kind kind) {
  return static_cast<std::size_t>(kind);
}

// ---- statistics ---------------------------------------------------------------------------

struct KindStats {
  std::uint64_t count = 0;
  std::map<std::string, std::uint64_t> errors;  // outcome ("status 500", "timeout", ...) -> n
  std::vector<float> latencies_ms;
};

struct Bucket {
  std::array<KindStats, kKindCount> kinds;
  std::uint64_t substitutions = 0;  // a create or delete sent as the other to keep the live set
  std::uint64_t not_sent = 0;       // open loop: due before the end, still unsent at end + grace

  void merge(Bucket&& other) {
    for (std::size_t k = 0; k < kKindCount; ++k) {
      kinds[k].count += other.kinds[k].count;
      for (const auto& [what, n] : other.kinds[k].errors)
        kinds[k].errors[what] += n;
      auto& into = kinds[k].latencies_ms;
      into.insert(into.end(), other.kinds[k].latencies_ms.begin(),
                  other.kinds[k].latencies_ms.end());
    }
    substitutions += other.substitutions;
    not_sent += other.not_sent;
  }
};

struct Percentiles {
  double p50 = 0, p99 = 0, max = 0;
};

Percentiles percentiles(std::vector<float> values) {
  Percentiles out;
  if (values.empty())
    return out;
  auto at = [&](double q) {
    auto n = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
    n = std::clamp<std::size_t>(n, 1, values.size()) - 1;
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(n), values.end());
    return static_cast<double>(values[n]);
  };
  out.p50 = at(0.50);
  out.p99 = at(0.99);
  out.max = *std::max_element(values.begin(), values.end());
  return out;
}

struct Summary {
  std::uint64_t count = 0, valid_errors = 0, invalid_errors = 0, server_errors = 0;
  Percentiles all, valid;
};

Summary summarize(const Bucket& bucket) {
  Summary s;
  std::vector<float> all, valid;
  for (std::size_t k = 0; k < kKindCount; ++k) {
    const auto& ks = bucket.kinds[k];
    s.count += ks.count;
    std::uint64_t errors = 0;
    for (const auto& [what, n] : ks.errors) {
      errors += n;
      if (what.starts_with("status 5"))
        s.server_errors += n;
    }
    (kKinds[k].valid ? s.valid_errors : s.invalid_errors) += errors;
    all.insert(all.end(), ks.latencies_ms.begin(), ks.latencies_ms.end());
    if (kKinds[k].valid)
      valid.insert(valid.end(), ks.latencies_ms.begin(), ks.latencies_ms.end());
  }
  s.valid_errors += bucket.not_sent;
  s.all = percentiles(std::move(all));
  s.valid = percentiles(std::move(valid));
  return s;
}

struct Rss {
  long vm_kib = 0, anon_kib = 0, file_kib = 0;
  long mapped_kib = 0;  // resident pages of the --mapped-file mappings (part of file_kib)
  long sqlite_heap_kib =
      -1;  // the server's peerapi_sqlite_heap_bytes (part of anon_kib); -1: unknown
  [[nodiscard]] long without_mapped_kib() const { return vm_kib - mapped_kib; }
};

/// The value of the unlabelled metric `name` in the server's GET /metrics, or nullopt when the
/// scrape fails or lacks it. One connection, given at most 2 s.
std::optional<double> scrape_metric(const std::string& host, int port, std::string_view name) {
  asio::io_context io;
  std::string body;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        beast::tcp_stream stream(co_await asio::this_coro::executor);
        co_await stream.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address(host),
                                                              static_cast<unsigned short>(port)),
                                      asio::use_awaitable);
        http::request<http::empty_body> req{http::verb::get, "/metrics", 11};
        req.set(http::field::host, host + ":" + std::to_string(port));
        co_await http::async_write(stream, req, asio::use_awaitable);
        beast::flat_buffer buffer;
        http::response<http::string_body> res;
        co_await http::async_read(stream, buffer, res, asio::use_awaitable);
        if (res.result_int() == 200)
          body = std::move(res.body());
      },
      [](const std::exception_ptr&) {});  // a failed scrape leaves `body` empty
  io.run_for(std::chrono::seconds(2));
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > name.size() && line.starts_with(name) && line[name.size()] == ' ')
      return std::strtod(line.c_str() + name.size() + 1, nullptr);
  }
  return std::nullopt;
}

/// VmRSS, RssAnon and RssFile from /proc/PID/status; with `mapped_file`, the resident pages of
/// that file's mappings from /proc/PID/smaps (SQLite's mmap of the store: page cache that VmRSS
/// counts, shared and reclaimable, growing with the file and not with the heap).
std::optional<Rss> read_rss(int pid, const std::string& mapped_file) {
  if (pid <= 0)
    return std::nullopt;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  if (!in)
    return std::nullopt;
  Rss rss;
  std::string line;
  while (std::getline(in, line)) {
    auto value = [&](const char* key, long& into) {
      if (line.starts_with(key))
        into = std::atol(line.c_str() + std::char_traits<char>::length(key));
    };
    value("VmRSS:", rss.vm_kib);
    value("RssAnon:", rss.anon_kib);
    value("RssFile:", rss.file_kib);
  }
  if (mapped_file.empty())
    return rss;
  std::ifstream smaps("/proc/" + std::to_string(pid) + "/smaps");
  bool in_mapping = false;
  while (std::getline(smaps, line)) {
    // A mapping's header: "start-end perms offset dev inode [path]"; its fields follow.
    if (!line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) &&
        line.find('-') < line.find(' ')) {
      in_mapping =
          line.size() >= mapped_file.size() &&
          line.compare(line.size() - mapped_file.size(), mapped_file.size(), mapped_file) == 0;
    } else if (in_mapping && line.starts_with("Rss:")) {
      rss.mapped_kib += std::atol(line.c_str() + 4);
    }
  }
  return rss;
}

// ---- one worker thread: its callers, its session slots, its schedule ---------------------

struct Slot {
  int caller;  // 0-based global caller index
  int ix;      // exchange id, 1-based
};

struct LiveSession {
  std::string id;
  Slot slot;
};

struct Planned {
  Kind kind;
  http::request<http::string_body> request;
  std::optional<Slot> slot;         // create: the slot being filled
  std::optional<LiveSession> live;  // delete: the session being removed
  int page_caller =
      -1;  // list, locations: whose next_token this page updates (tokens are bound to their caller)
};

struct Shared {
  Options options;
  std::array<int, kKindCount> weights{};
  int weight_total = 0;
  asio::ip::tcp::endpoint endpoint;
  std::string host_header;
  TimePoint start, measure_start, end, hard_end;
  bool open_loop = true;
};

class Worker {
 public:
  Worker(const Shared& shared, int index, std::uint64_t seed)
      : shared_(shared), index_(index), rng_(seed) {
    const auto& o = shared.options;
    for (int c = o.caller_first + index; c < o.caller_first + o.callers; c += o.threads) {
      callers_.push_back(c);
      for (int ix = 1; ix <= o.exchanges; ++ix)
        free_.push_back({c, ix});
    }
    slots_ = free_.size();
    period_ = shared.open_loop ? std::chrono::duration<double>(o.threads / o.rate)
                               : std::chrono::duration<double>(0);
    // Workers interleave their schedules evenly instead of all firing at the same instants.
    offset_ = period_ * (static_cast<double>(index) / o.threads);
  }

  [[nodiscard]] bool has_callers() const { return !callers_.empty(); }

  /// Open loop: the next due time; closed loop: now.
  TimePoint next_due() {
    if (!shared_.open_loop)
      return SteadyClock::now();
    auto due = shared_.start + std::chrono::duration_cast<SteadyClock::duration>(
                                   offset_ + period_ * static_cast<double>(next_index_++));
    return due;
  }

  Planned plan() {
    Kind kind = pick();
    const auto& o = shared_.options;
    // Keep the live set between a quarter and three quarters of the slots: creates and deletes
    // have equal weights, so this only corrects the random walk (counted as substitutions).
    if (kind == Kind::create && (free_.empty() || live_.size() * 4 > slots_ * 3)) {
      if (!live_.empty()) {
        kind = Kind::remove;
        ++bucket_.substitutions;
      }
    } else if (kind == Kind::remove && (live_.empty() || live_.size() * 4 < slots_)) {
      if (!free_.empty()) {
        kind = Kind::create;
        ++bucket_.substitutions;
      }
    }
    if ((kind == Kind::get || kind == Kind::get_jwt || kind == Kind::remove) && live_.empty())
      kind = Kind::list;
    if (kind == Kind::create && free_.empty())
      kind = Kind::list;

    Planned p{.kind = kind, .request = {}, .slot = std::nullopt, .live = std::nullopt};
    auto& req = p.request;
    req.version(11);
    req.set(http::field::host, shared_.host_header);
    // Every kind sets the caller's own token (or a JWT) below.
    switch (kind) {
      case Kind::list: {
        int caller = callers_[uniform(callers_.size())];
        bearer(req, caller);
        std::string target = "/sessions?asn=" + std::to_string(asn_of(caller)) + "&max_results=20";
        if (auto it = list_tokens_.find(caller); it != list_tokens_.end())
          target += "&next_token=" + url_encode(it->second);
        p.page_caller = caller;
        req.method(http::verb::get);
        req.target(target);
        break;
      }
      case Kind::get:
      case Kind::get_jwt: {
        const auto& session = live_[uniform(live_.size())];
        req.method(http::verb::get);
        req.target("/sessions/" + session.id);
        if (kind == Kind::get_jwt)
          req.set(http::field::authorization, "Bearer " + o.jwt);
        else
          bearer(req, session.slot.caller);
        break;
      }
      case Kind::locations: {
        int caller = callers_[uniform(callers_.size())];
        bearer(req, caller);
        std::string target = "/locations?asn=" + std::to_string(o.server_asn) + "&max_results=20";
        if (auto it = locations_tokens_.find(caller); it != locations_tokens_.end())
          target += "&next_token=" + url_encode(it->second);
        p.page_caller = caller;
        req.method(http::verb::get);
        req.target(target);
        break;
      }
      case Kind::create: {
        std::size_t i = uniform(free_.size());
        Slot slot = free_[i];
        free_[i] = free_.back();
        free_.pop_back();
        p.slot = slot;
        bearer(req, slot.caller);
        post(req, "{\"request_id\":\"" + uuid4() + "\",\"sessions\":[" + session_json(slot) + "]}");
        break;
      }
      case Kind::remove: {
        std::size_t i = uniform(live_.size());
        p.live = std::move(live_[i]);
        live_[i] = std::move(live_.back());
        live_.pop_back();
        bearer(req, p.live->slot.caller);
        req.method(http::verb::delete_);
        req.target("/sessions/" + p.live->id);
        break;
      }
      case Kind::bad_json: {
        Slot slot{callers_[uniform(callers_.size())], 1 + static_cast<int>(uniform(o.exchanges))};
        bearer(req, slot.caller);
        std::string body = "{\"sessions\":[" + session_json(slot);
        body.resize(body.size() - 1 - uniform(20));  // cut inside the session object
        post(req, body);
        break;
      }
      case Kind::bad_field: {
        Slot slot{callers_[uniform(callers_.size())], 1 + static_cast<int>(uniform(o.exchanges))};
        bearer(req, slot.caller);
        std::string body = "{\"sessions\":[" + session_json(slot, "2001:db8::zz") + "]}";
        post(req, body);
        break;
      }
      case Kind::refused: {
        Slot slot{callers_[uniform(callers_.size())], 1 + static_cast<int>(uniform(o.exchanges))};
        bearer(req, slot.caller);
        // 64511: a documentation ASN that this server does not speak for (not_server_asn).
        std::string body = "{\"sessions\":[" + session_json(slot, {}, 64511) + "]}";
        post(req, body);
        break;
      }
      case Kind::unknown_id:
        bearer(req, callers_[uniform(callers_.size())]);
        req.method(http::verb::get);
        req.target("/sessions/" + uuid4());
        break;
      case Kind::expired_token: {
        int caller = callers_[uniform(callers_.size())];
        req.method(http::verb::get);
        req.target("/sessions?asn=" + std::to_string(asn_of(caller)) + "&max_results=1");
        req.set(http::field::authorization, "Bearer " + o.expired_jwt);
        break;
      }
    }
    req.prepare_payload();
    return p;
  }

  /// Updates the live set from the answer; returns the error outcome, or "" when as expected.
  std::string complete(Planned& p, const std::string& transport_error,
                       const http::response<http::string_body>& response) {
    const unsigned expected = kKinds[index_of(p.kind)].expected;
    const bool ok = transport_error.empty() && response.result_int() == expected;
    std::string outcome;
    if (!transport_error.empty())
      outcome = transport_error;
    else if (!ok)
      outcome = "status " + std::to_string(response.result_int());
    switch (p.kind) {
      case Kind::create:
        if (ok) {
          auto id = first_session_id(response.body());
          if (id.empty()) {
            outcome = "200 without sessions[0].session_id";
            ++slots_lost_;
          } else {
            live_.push_back({std::move(id), *p.slot});
          }
        } else if (transport_error.empty()) {
          free_.push_back(*p.slot);  // answered and refused: nothing was created
        } else {
          ++slots_lost_;  // unknown whether it was created
        }
        break;
      case Kind::remove:
        if (ok)
          free_.push_back(p.live->slot);
        else
          ++slots_lost_;
        break;
      case Kind::list:
      case Kind::locations:
        if (ok) {
          auto token = next_token(response.body());
          if (!token) {
            outcome = "200 that is not a JSON object";
            break;
          }
          auto& tokens = p.kind == Kind::list ? list_tokens_ : locations_tokens_;
          if (token->empty())
            tokens.erase(p.page_caller);
          else
            tokens[p.page_caller] = *token;
        }
        break;
      default:
        break;
    }
    return outcome;
  }

  void record(Kind kind, TimePoint due, TimePoint done, const std::string& outcome) {
    if (due < shared_.measure_start) {
      if (!outcome.empty()) {
        std::lock_guard lock(mutex_);
        ++warmup_errors_[std::string(kKinds[index_of(kind)].name) + ": " + outcome];
      }
      return;
    }
    std::lock_guard lock(mutex_);
    auto& ks = bucket_.kinds[index_of(kind)];
    ++ks.count;
    if (!outcome.empty())
      ++ks.errors[outcome];
    ks.latencies_ms.push_back(std::chrono::duration<float, std::milli>(done - due).count());
  }

  void count_connection() { ++connections_opened_; }
  [[nodiscard]] std::uint64_t connections_opened() const { return connections_opened_; }

  void count_not_sent() {
    std::lock_guard lock(mutex_);
    ++bucket_.not_sent;
  }

  /// Everything recorded since the last call.
  Bucket take() {
    std::lock_guard lock(mutex_);
    Bucket out = std::move(bucket_);
    bucket_ = Bucket{};
    return out;
  }

  std::map<std::string, std::uint64_t> warmup_errors() {
    std::lock_guard lock(mutex_);
    return warmup_errors_;
  }
  [[nodiscard]] std::uint64_t slots_lost() const { return slots_lost_; }
  [[nodiscard]] std::size_t live() const { return live_.size(); }

 private:
  Kind pick() {
    int r = static_cast<int>(uniform(static_cast<std::size_t>(shared_.weight_total)));
    for (std::size_t k = 0; k < kKindCount; ++k) {
      r -= shared_.weights[k];
      if (r < 0)
        return static_cast<Kind>(k);
    }
    return Kind::list;
  }

  std::size_t uniform(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }

  /// The caller's own static token: --token-prefix and the global caller index, one ASN each
  /// (bench/soak writes one [[auth.static_tokens]] per caller), as members calling for their
  /// own network would.
  void bearer(http::request<http::string_body>& req, int caller) const {
    req.set(http::field::authorization,
            "Bearer " + shared_.options.token_prefix + std::to_string(caller));
  }

  static std::uint64_t asn_of(int caller) {
    return 4'200'000'001ULL + static_cast<unsigned>(caller);
  }

  std::string session_json(Slot slot, const std::string& local_ip = {},
                           std::uint32_t peer_asn = 0) const {
    char ip[64];
    std::snprintf(ip, sizeof ip, "2001:db8:%x::%x", static_cast<unsigned>(slot.ix),
                  static_cast<unsigned>(slot.caller + 2));
    char peer_ip[64];
    std::snprintf(peer_ip, sizeof peer_ip, "2001:db8:%x::1", static_cast<unsigned>(slot.ix));
    return "{\"local_asn\":" + std::to_string(asn_of(slot.caller)) + ",\"local_ip\":\"" +
           (local_ip.empty() ? std::string(ip) : local_ip) + "\",\"peer_asn\":" +
           std::to_string(peer_asn != 0 ? peer_asn : shared_.options.server_asn) +
           ",\"peer_ip\":\"" + peer_ip + "\",\"location\":\"pdb:ix:" + std::to_string(slot.ix) +
           "\"}";
  }

  void post(http::request<http::string_body>& req, std::string body) const {
    req.method(http::verb::post);
    req.target("/sessions");
    req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
  }

  std::string uuid4() {
    std::uint64_t hi = rng_(), lo = rng_();
    hi = (hi & 0xffff'ffff'ffff'0fffULL) | 0x0000'0000'0000'4000ULL;  // version 4
    lo = (lo & 0x3fff'ffff'ffff'ffffULL) | 0x8000'0000'0000'0000ULL;  // RFC 9562 variant
    char out[40];
    std::snprintf(out, sizeof out, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                  static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                  static_cast<unsigned>(lo >> 48),
                  static_cast<unsigned long long>(lo & 0xffff'ffff'ffffULL));
    return out;
  }

  static std::string url_encode(const std::string& in) {
    std::string out;
    for (unsigned char c : in) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        out += static_cast<char>(c);
      } else {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%%%02X", c);
        out += hex;
      }
    }
    return out;
  }

  static std::string first_session_id(const std::string& body) {
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec || !v.is_object())
      return {};
    const auto* sessions = v.as_object().if_contains("sessions");
    if (sessions == nullptr || !sessions->is_array() || sessions->as_array().empty())
      return {};
    const auto& first = sessions->as_array().front();
    if (!first.is_object())
      return {};
    const auto* id = first.as_object().if_contains("session_id");
    if (id == nullptr || !id->is_string())
      return {};
    return std::string(id->as_string());
  }

  /// The answer's next_token ("" when it has none); nullopt when the body is not an object.
  static std::optional<std::string> next_token(const std::string& body) {
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec || !v.is_object())
      return std::nullopt;
    const auto* token = v.as_object().if_contains("next_token");
    if (token == nullptr || !token->is_string())
      return std::string();
    return std::string(token->as_string());
  }

  const Shared& shared_;
  int index_;
  std::mt19937_64 rng_;
  std::vector<int> callers_;
  std::vector<Slot> free_;
  std::vector<LiveSession> live_;
  std::size_t slots_ = 0;
  std::uint64_t slots_lost_ = 0;
  std::unordered_map<int, std::string> list_tokens_;
  std::unordered_map<int, std::string> locations_tokens_;
  std::chrono::duration<double> period_{0}, offset_{0};
  std::uint64_t next_index_ = 0;
  std::atomic<std::uint64_t> connections_opened_{0};

  std::mutex mutex_;
  Bucket bucket_;
  std::map<std::string, std::uint64_t> warmup_errors_;
};

// ---- the connection coroutine --------------------------------------------------------------

struct Connection {
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  bool open = false;
  bool used = false;  // has carried a request (a failure on it may be an idle close)
  explicit Connection(asio::any_io_executor executor) : stream(std::move(executor)) {}
  void close() {
    beast::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    stream.close();
    buffer.clear();
    open = false;
    used = false;
  }
};

/// One request and its answer on a keep-alive connection, reconnecting when the server closed
/// it. Returns "" or the transport error. A request that failed on a reused connection before
/// any answer byte arrived is sent once more on a new one (creates carry a client request_id,
/// so a repeat cannot create twice).
asio::awaitable<std::string> exchange(Connection& c, Worker& worker, const Shared& shared,
                                      const http::request<http::string_body>& request,
                                      http::response<http::string_body>& response) {
  const auto timeout = std::chrono::milliseconds(shared.options.timeout_ms);
  for (int attempt = 0; attempt < 2; ++attempt) {
    beast::error_code ec;
    if (!c.open) {
      c.stream.expires_after(timeout);
      co_await c.stream.async_connect(shared.endpoint,
                                      asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        c.close();
        co_return ec == beast::error::timeout ? "connect timeout" : "connect: " + ec.message();
      }
      c.stream.socket().set_option(asio::ip::tcp::no_delay(true), ec);
      c.open = true;
      worker.count_connection();
    }
    const bool reused = c.used;
    c.used = true;
    c.stream.expires_after(timeout);
    co_await http::async_write(c.stream, request, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      response = {};
      http::response_parser<http::string_body> parser;
      parser.body_limit(16 << 20);
      co_await http::async_read(c.stream, c.buffer, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) {
        response = parser.release();
        if (!response.keep_alive())
          c.close();
        co_return "";
      }
      const bool nothing_read = !parser.got_some();
      c.close();
      if (ec == beast::error::timeout)
        co_return "timeout";
      if (!(reused && nothing_read && attempt == 0))
        co_return "read: " + ec.message();
    } else {
      c.close();
      if (ec == beast::error::timeout)
        co_return "timeout";
      if (!(reused && attempt == 0))
        co_return "write: " + ec.message();
    }
  }
  co_return "unreachable";
}

asio::awaitable<void> connection_loop(Worker& worker, const Shared& shared) {
  auto executor = co_await asio::this_coro::executor;
  Connection connection(executor);
  asio::steady_timer timer(executor);
  http::response<http::string_body> response;
  for (;;) {
    TimePoint due = worker.next_due();
    if (due >= shared.end)
      break;
    if (SteadyClock::now() >= shared.hard_end) {
      worker.count_not_sent();  // open loop only: closed loop ends at shared.end above
      continue;
    }
    if (due > SteadyClock::now()) {
      timer.expires_at(due);
      beast::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    Planned planned = worker.plan();
    std::string transport =
        co_await exchange(connection, worker, shared, planned.request, response);
    TimePoint done = SteadyClock::now();
    std::string outcome = worker.complete(planned, transport, response);
    worker.record(planned.kind, due, done, outcome);
  }
  if (connection.open)
    connection.close();
}

// ---- reporting --------------------------------------------------------------------------

double mib(long kib) {
  return static_cast<double>(kib) / 1024.0;
}

json::object rss_json(const std::optional<Rss>& rss) {
  json::object o;
  if (rss) {
    o["vmrss_kib"] = rss->vm_kib;
    o["rss_anon_kib"] = rss->anon_kib;
    o["rss_file_kib"] = rss->file_kib;
    o["mapped_file_kib"] = rss->mapped_kib;
    if (rss->sqlite_heap_kib >= 0)
      o["sqlite_heap_kib"] = rss->sqlite_heap_kib;
  }
  return o;
}

json::object summary_json(const Summary& s, double seconds) {
  json::object o;
  o["requests"] = s.count;
  o["req_per_s"] = seconds > 0 ? static_cast<double>(s.count) / seconds : 0.0;
  o["p50_ms"] = s.all.p50;
  o["p99_ms"] = s.all.p99;
  o["max_ms"] = s.all.max;
  o["valid_p99_ms"] = s.valid.p99;
  o["valid_errors"] = s.valid_errors;
  o["invalid_errors"] = s.invalid_errors;
  o["server_errors_5xx"] = s.server_errors;
  return o;
}

struct IntervalRow {
  double t_end;  // seconds since the measured start
  double seconds;
  Bucket bucket;
  std::optional<Rss> rss;
  double load1 = -1;  // the machine's 1-minute load average at the row's end (-1: unknown)
};

/// The 1-minute load average (/proc/loadavg): the other work sharing this machine's cores.
double read_load1() {
  std::ifstream in("/proc/loadavg");
  double load = -1;
  if (!(in >> load))
    return -1;
  return load;
}

void print_row(const char* label, double t, double seconds, const Summary& s,
               const std::optional<Rss>& rss, double load1) {
  std::printf("%-6s %7.0f %9llu %9.0f %8.2f %8.2f %8.1f %9llu %9llu %9s %6.2f\n", label, t,
              static_cast<unsigned long long>(s.count),
              seconds > 0 ? static_cast<double>(s.count) / seconds : 0.0, s.all.p50, s.all.p99,
              s.all.max, static_cast<unsigned long long>(s.valid_errors),
              static_cast<unsigned long long>(s.invalid_errors),
              rss ? std::to_string(static_cast<int>(std::lround(mib(rss->vm_kib)))).c_str() : "-",
              load1);
}

void print_header(const char* first) {
  std::printf("%-6s %7s %9s %9s %8s %8s %8s %9s %9s %9s %6s\n", first, "t (s)", "requests", "req/s",
              "p50 ms", "p99 ms", "max ms", "valid err", "other err", "RSS MiB", "load");
}

bool parse_mix(const std::string& text, std::array<int, kKindCount>& weights) {
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    auto eq = item.find('=');
    if (eq == std::string::npos)
      return false;
    std::string name = item.substr(0, eq);
    int weight = std::atoi(item.c_str() + eq + 1);
    if (weight < 0)
      return false;
    bool found = false;
    for (std::size_t k = 0; k < kKindCount; ++k) {
      if (name == kKinds[k].name) {
        weights[k] = weight;
        found = true;
      }
    }
    if (!found)
      return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"peerapi soak load generator (bench/soak)"};
  app.add_option("--host", o.host, "server address (default 127.0.0.1)");
  app.add_option("--port", o.port, "server port")->required();
  app.add_option("--mode", o.mode, "open (fixed rate) or peak (closed loop)")
      ->check(CLI::IsMember({"open", "peak"}));
  app.add_option("--rate", o.rate, "open loop: requests per second (all threads)");
  app.add_option("--duration", o.duration, "measured seconds (default 60)");
  app.add_option("--warmup", o.warmup, "seconds before measuring (default 5)");
  app.add_option("--interval", o.interval, "seconds per report row (default 10)");
  app.add_option("--grace", o.grace, "open loop: seconds past the end to finish late sends (30)");
  app.add_option("--threads", o.threads, "worker threads (default 2)")->check(CLI::Range(1, 64));
  app.add_option("--connections", o.connections, "keep-alive connections in all (default 64)")
      ->check(CLI::Range(1, 10'000));
  app.add_option("--token-prefix", o.token_prefix,
                 "static bearer token of caller C is this prefix and C (valid traffic)")
      ->required();
  app.add_option("--jwt", o.jwt, "valid JWT access token for every caller ASN (get_jwt)");
  app.add_option("--expired-jwt", o.expired_jwt, "expired JWT access token (expired_token)");
  app.add_option("--server-asn", o.server_asn, "the server's ASN (default 64500)");
  app.add_option("--caller-first", o.caller_first, "first caller index of this run (0-based)");
  app.add_option("--callers", o.callers, "callers of this run (default 50)")
      ->check(CLI::Range(1, 1'000'000));
  app.add_option("--exchanges", o.exchanges, "exchanges in the snapshot (default 50)")
      ->check(CLI::Range(1, 65'535));
  app.add_option("--pid", o.pid, "server PID, for VmRSS from /proc/PID/status");
  app.add_option("--json", o.json_out, "write the results to this JSON file");
  app.add_option("--mix", o.mix, "weights, e.g. get=20,create=12,... (kinds: see --help-kinds)");
  app.add_option("--timeout-ms", o.timeout_ms, "per request (default 10000)")
      ->check(CLI::Range(100, 600'000));
  app.add_option("--max-rss-growth", o.max_rss_growth,
                 "fail when the RSS grows more (percent; without --mapped-file's pages if given)");
  app.add_option("--mapped-file", o.mapped_file,
                 "the store's SQLite file: its mmap'd pages are reported apart from the RSS");
  app.add_option("--seed", o.seed, "random seed (default: from the clock)");
  bool help_kinds = false;
  app.add_flag("--help-kinds", help_kinds, "list the request kinds, expected statuses, weights");
  CLI11_PARSE(app, argc, argv);

  if (help_kinds) {
    for (const auto& k : kKinds)
      std::printf("%-14s expects %u  %s  default weight %d\n", k.name, k.expected,
                  k.valid ? "valid  " : "invalid", k.default_weight);
    return 0;
  }
  Shared shared;
  shared.open_loop = o.mode == "open";
  if (shared.open_loop && o.rate <= 0) {
    std::fprintf(stderr, "soak_load: --rate: must be > 0 in open mode\n");
    return 2;
  }
  if (o.duration <= 0 || o.interval <= 0 || o.warmup < 0 || o.grace < 0) {
    std::fprintf(stderr, "soak_load: --duration and --interval must be > 0, --warmup >= 0\n");
    return 2;
  }
  if (o.callers < o.threads) {
    std::fprintf(stderr, "soak_load: --callers: need at least one caller per thread\n");
    return 2;
  }
  for (std::size_t k = 0; k < kKindCount; ++k)
    shared.weights[k] = kKinds[k].default_weight;
  if (!o.mix.empty() && !parse_mix(o.mix, shared.weights)) {
    std::fprintf(stderr, "soak_load: --mix: expected name=weight,... with known kind names\n");
    return 2;
  }
  if (o.jwt.empty())
    shared.weights[index_of(Kind::get_jwt)] = 0;
  if (o.expired_jwt.empty())
    shared.weights[index_of(Kind::expired_token)] = 0;
  for (int w : shared.weights)
    shared.weight_total += w;
  if (shared.weight_total <= 0) {
    std::fprintf(stderr, "soak_load: --mix: every weight is 0\n");
    return 2;
  }
  if (o.seed == 0)
    o.seed =
        static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  boost::system::error_code ec;
  auto address = asio::ip::make_address(o.host, ec);
  if (ec) {
    std::fprintf(stderr, "soak_load: --host: not an IP address: %s\n", o.host.c_str());
    return 2;
  }
  shared.endpoint = {address, o.port};
  shared.host_header = o.host + ":" + std::to_string(o.port);
  shared.options = o;

  const auto interval = std::chrono::duration<double>(o.interval);
  shared.start = SteadyClock::now() + std::chrono::milliseconds(50);
  shared.measure_start = shared.start + std::chrono::duration_cast<SteadyClock::duration>(
                                            std::chrono::duration<double>(o.warmup));
  shared.end = shared.measure_start + std::chrono::duration_cast<SteadyClock::duration>(
                                          std::chrono::duration<double>(o.duration));
  shared.hard_end =
      shared.end + std::chrono::duration_cast<SteadyClock::duration>(
                       std::chrono::duration<double>(shared.open_loop ? o.grace : 0.0));
  if (!shared.open_loop)
    shared.hard_end = shared.end;

  std::vector<std::unique_ptr<Worker>> workers;
  std::mt19937_64 seeder(o.seed);
  for (int t = 0; t < o.threads; ++t)
    workers.push_back(std::make_unique<Worker>(shared, t, seeder()));

  std::printf(
      "soak_load: %s loop%s, %d threads, %d connections, warm-up %.0f s, measured %.0f s, "
      "callers %d..%d, %d exchanges, seed %llu\n",
      shared.open_loop ? "open" : "closed",
      shared.open_loop ? (" at " + std::to_string(static_cast<long>(o.rate)) + " req/s").c_str()
                       : " (peak)",
      o.threads, o.connections, o.warmup, o.duration, o.caller_first,
      o.caller_first + o.callers - 1, o.exchanges, static_cast<unsigned long long>(o.seed));
  std::printf("mix:");
  for (std::size_t k = 0; k < kKindCount; ++k)
    std::printf(" %s=%d", kKinds[k].name, shared.weights[k]);
  std::printf("\n");
  std::fflush(stdout);

  std::vector<std::thread> threads;
  for (int t = 0; t < o.threads; ++t) {
    int connections = o.connections / o.threads + (t < o.connections % o.threads ? 1 : 0);
    threads.emplace_back([&shared, &worker = *workers[static_cast<std::size_t>(t)], connections] {
      asio::io_context io(1);
      for (int c = 0; c < connections; ++c)
        asio::co_spawn(io, connection_loop(worker, shared), asio::detached);
      io.run();
    });
  }

  // Report rows while the workers run: everything completed in the interval (by completion time).
  std::this_thread::sleep_until(shared.measure_start);
  // The server's memory: /proc (VmRSS, anon, file, the store's map) and SQLite's heap from its
  // /metrics, which tells page caches filling from a leak.
  auto sample_memory = [&o] {
    auto rss = read_rss(o.pid, o.mapped_file);
    if (rss) {
      if (auto heap = scrape_metric(o.host, o.port, "peerapi_sqlite_heap_bytes"))
        rss->sqlite_heap_kib = static_cast<long>(*heap / 1024.0);
    }
    return rss;
  };
  auto rss_start = sample_memory();
  for (auto& w : workers)
    w->take();  // anything completed in the warm-up was not measured anyway
  std::vector<IntervalRow> rows;
  print_header("row");
  std::fflush(stdout);
  for (int k = 1;; ++k) {
    auto boundary = shared.measure_start + std::chrono::duration_cast<SteadyClock::duration>(
                                               interval * static_cast<double>(k));
    bool last = boundary >= shared.end;
    if (last)
      boundary = shared.end;
    std::this_thread::sleep_until(boundary);
    if (last)
      break;
    IntervalRow row{.t_end = o.interval * k,
                    .seconds = o.interval,
                    .bucket = {},
                    .rss = sample_memory(),
                    .load1 = read_load1()};
    for (auto& w : workers)
      row.bucket.merge(w->take());
    print_row(std::to_string(k).c_str(), row.t_end, row.seconds, summarize(row.bucket), row.rss,
              row.load1);
    std::fflush(stdout);
    rows.push_back(std::move(row));
  }
  for (auto& t : threads)
    t.join();
  // The last row: from the last boundary to the end, plus the answers that arrived after it.
  {
    double t_last = rows.empty() ? 0.0 : rows.back().t_end;
    IntervalRow row{.t_end = o.duration,
                    .seconds = o.duration - t_last,
                    .bucket = {},
                    .rss = sample_memory(),
                    .load1 = read_load1()};
    for (auto& w : workers)
      row.bucket.merge(w->take());
    print_row(std::to_string(rows.size() + 1).c_str(), row.t_end, row.seconds,
              summarize(row.bucket), row.rss, row.load1);
    rows.push_back(std::move(row));
  }
  auto rss_end = sample_memory();

  // Per minute (rows grouped by the minute their end falls in) and the whole run.
  Bucket total;
  std::vector<IntervalRow> minutes;
  for (const auto& row : rows) {
    auto minute = static_cast<std::size_t>(std::ceil(row.t_end / 60.0 - 1e-9));
    if (minute == 0)
      minute = 1;
    if (minutes.size() < minute)
      minutes.resize(
          minute,
          IntervalRow{.t_end = 0, .seconds = 0, .bucket = {}, .rss = std::nullopt, .load1 = -1});
    auto& m = minutes[minute - 1];
    m.t_end = row.t_end;
    m.seconds += row.seconds;
    m.rss = row.rss;
    m.load1 = std::max(m.load1, row.load1);  // the minute's highest
    Bucket copy = row.bucket;
    m.bucket.merge(std::move(copy));
  }
  for (auto& row : rows) {
    Bucket copy = row.bucket;
    total.merge(std::move(copy));
  }
  Summary all = summarize(total);

  std::printf("\n");
  print_header("minute");
  for (std::size_t i = 0; i < minutes.size(); ++i)
    if (minutes[i].seconds > 0)
      print_row(std::to_string(i + 1).c_str(), minutes[i].t_end, minutes[i].seconds,
                summarize(minutes[i].bucket), minutes[i].rss, minutes[i].load1);
  print_row("all", o.duration, o.duration, all, rss_end, read_load1());

  std::printf("\n%-14s %8s %5s %9s %8s %8s %8s %7s  %s\n", "kind", "expected", "valid", "requests",
              "p50 ms", "p99 ms", "max ms", "errors", "error outcomes");
  json::object kinds_json;
  for (std::size_t k = 0; k < kKindCount; ++k) {
    const auto& ks = total.kinds[k];
    auto p = percentiles(ks.latencies_ms);
    std::uint64_t errors = 0;
    std::string what;
    json::object errors_json;
    for (const auto& [outcome, n] : ks.errors) {
      errors += n;
      what += (what.empty() ? "" : "; ") + outcome + " x" + std::to_string(n);
      errors_json[outcome] = n;
    }
    std::printf("%-14s %8u %5s %9llu %8.2f %8.2f %8.1f %7llu  %s\n", kKinds[k].name,
                kKinds[k].expected, kKinds[k].valid ? "yes" : "no",
                static_cast<unsigned long long>(ks.count), p.p50, p.p99, p.max,
                static_cast<unsigned long long>(errors), what.c_str());
    json::object kj;
    kj["expected_status"] = kKinds[k].expected;
    kj["valid"] = kKinds[k].valid;
    kj["weight"] = shared.weights[k];
    kj["requests"] = ks.count;
    kj["errors"] = errors;
    kj["error_outcomes"] = std::move(errors_json);
    kj["p50_ms"] = p.p50;
    kj["p99_ms"] = p.p99;
    kj["max_ms"] = p.max;
    kinds_json[kKinds[k].name] = std::move(kj);
  }

  std::map<std::string, std::uint64_t> warmup_errors;
  std::uint64_t warmup_error_count = 0, slots_lost = 0, live = 0, connections_opened = 0;
  for (auto& w : workers) {
    connections_opened += w->connections_opened();
    for (const auto& [what, n] : w->warmup_errors()) {
      warmup_errors[what] += n;
      warmup_error_count += n;
    }
    slots_lost += w->slots_lost();
    live += w->live();
  }
  std::printf(
      "\nsubstitutions (create<->delete to keep the live set level): %llu; connections "
      "opened: %llu; not sent in time: %llu; live sessions at the end: %llu; slots lost: "
      "%llu; warm-up errors: %llu\n",
      static_cast<unsigned long long>(total.substitutions),
      static_cast<unsigned long long>(connections_opened),
      static_cast<unsigned long long>(total.not_sent), static_cast<unsigned long long>(live),
      static_cast<unsigned long long>(slots_lost),
      static_cast<unsigned long long>(warmup_error_count));
  for (const auto& [what, n] : warmup_errors)
    std::printf("  warm-up error: %s x%llu\n", what.c_str(), static_cast<unsigned long long>(n));

  double vm_growth = 0, growth = 0;  // growth: the enforced figure
  bool rss_known = rss_start && rss_end && rss_start->vm_kib > 0;
  auto percent = [](long from, long to) {
    return from > 0 ? 100.0 * static_cast<double>(to - from) / static_cast<double>(from) : 0.0;
  };
  if (rss_known) {
    vm_growth = percent(rss_start->vm_kib, rss_end->vm_kib);
    growth = o.mapped_file.empty()
                 ? vm_growth
                 : percent(rss_start->without_mapped_kib(), rss_end->without_mapped_kib());
    std::printf(
        "server VmRSS: start %.1f MiB (anon %.1f, file %.1f of which store mmap %.1f), end "
        "%.1f MiB (anon %.1f, file %.1f of which store mmap %.1f): growth %+.1f%%\n",
        mib(rss_start->vm_kib), mib(rss_start->anon_kib), mib(rss_start->file_kib),
        mib(rss_start->mapped_kib), mib(rss_end->vm_kib), mib(rss_end->anon_kib),
        mib(rss_end->file_kib), mib(rss_end->mapped_kib), vm_growth);
    if (!o.mapped_file.empty())
      std::printf(
          "server VmRSS without the store's mmap: start %.1f MiB, end %.1f MiB: growth "
          "%+.1f%%\n",
          mib(rss_start->without_mapped_kib()), mib(rss_end->without_mapped_kib()), growth);
    if (rss_start->sqlite_heap_kib >= 0 && rss_end->sqlite_heap_kib >= 0)
      std::printf("server SQLite heap (part of anon): start %.1f MiB, end %.1f MiB\n",
                  mib(rss_start->sqlite_heap_kib), mib(rss_end->sqlite_heap_kib));
  }
  const double rps = static_cast<double>(all.count) / o.duration;
  if (!shared.open_loop)
    std::printf("peak: %.0f req/s (closed loop, %d connections)\n", rps, o.connections);

  bool failed = false;
  std::vector<std::string> reasons;
  std::uint64_t warm_valid = 0;
  for (const auto& [what, n] : warmup_errors)
    for (const auto& k : kKinds)
      if (k.valid && what.starts_with(std::string(k.name) + ": "))
        warm_valid += n;
  if (all.valid_errors + warm_valid > 0) {
    failed = true;
    reasons.push_back(std::to_string(all.valid_errors + warm_valid) +
                      " valid request(s) failed (warm-up included)");
  }
  if (all.server_errors > 0) {
    failed = true;
    reasons.push_back(std::to_string(all.server_errors) + " answer(s) were 5xx");
  }
  if (o.max_rss_growth >= 0 && rss_known && growth > o.max_rss_growth) {
    failed = true;
    char text[128];
    std::snprintf(text, sizeof text, "%s grew %.1f%% (limit %.1f%%)",
                  o.mapped_file.empty() ? "VmRSS" : "VmRSS without the store's mmap", growth,
                  o.max_rss_growth);
    reasons.push_back(text);
  }
  if (o.max_rss_growth >= 0 && !rss_known) {
    failed = true;
    reasons.push_back("RSS growth limit set but the RSS could not be read (--pid)");
  }

  if (!o.json_out.empty()) {
    json::object out;
    out["mode"] = o.mode;
    out["target_rate"] = shared.open_loop ? o.rate : 0.0;
    out["achieved_rate"] = rps;
    out["duration_s"] = o.duration;
    out["warmup_s"] = o.warmup;
    out["interval_s"] = o.interval;
    out["threads"] = o.threads;
    out["connections"] = o.connections;
    out["seed"] = o.seed;
    out["totals"] = summary_json(all, o.duration);
    out["kinds"] = std::move(kinds_json);
    json::array intervals;
    for (const auto& row : rows) {
      auto j = summary_json(summarize(row.bucket), row.seconds);
      j["t_end_s"] = row.t_end;
      j["rss"] = rss_json(row.rss);
      j["loadavg_1m"] = row.load1;
      intervals.push_back(std::move(j));
    }
    out["intervals"] = std::move(intervals);
    json::array per_minute;
    for (std::size_t i = 0; i < minutes.size(); ++i) {
      if (minutes[i].seconds <= 0)
        continue;
      auto j = summary_json(summarize(minutes[i].bucket), minutes[i].seconds);
      j["minute"] = i + 1;
      j["max_loadavg_1m"] = minutes[i].load1;
      j["rss"] = rss_json(minutes[i].rss);
      per_minute.push_back(std::move(j));
    }
    out["minutes"] = std::move(per_minute);
    json::object rss;
    rss["start"] = rss_json(rss_start);
    rss["end"] = rss_json(rss_end);
    if (rss_known) {
      rss["vmrss_growth_pct"] = vm_growth;
      rss["enforced_growth_pct"] = growth;
      rss["enforced_measure"] = o.mapped_file.empty() ? "VmRSS" : "VmRSS - store mmap";
    }
    out["rss"] = std::move(rss);
    json::object warm;
    for (const auto& [what, n] : warmup_errors)
      warm[what] = n;
    out["warmup_errors"] = std::move(warm);
    out["substitutions"] = total.substitutions;
    out["connections_opened"] = connections_opened;
    out["not_sent"] = total.not_sent;
    out["slots_lost"] = slots_lost;
    json::array why;
    for (const auto& r : reasons)
      why.push_back(json::string(r));
    out["failed"] = failed;
    out["failures"] = std::move(why);
    std::ofstream file(o.json_out);
    file << json::serialize(out) << "\n";
    if (!file) {
      std::fprintf(stderr, "soak_load: --json: cannot write %s\n", o.json_out.c_str());
      return 1;
    }
  }
  for (const auto& r : reasons)
    std::printf("FAILED: %s\n", r.c_str());
  return failed ? 1 : 0;
}
