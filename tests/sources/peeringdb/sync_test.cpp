// PeeringDbSync against the HTTP test double serving examples/peeringdb/ as PeeringDB's API:
// full load, `since` deltas merged by id, paging, retries, and a failed run that leaves the
// snapshot directory untouched.
#include "sources/peeringdb/sync.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "support/http_double.hpp"
#include "support/test_support.hpp"

namespace peerapi::sources::peeringdb {
namespace {

namespace json = boost::json;
using peerapi::testing::CannedResponse;
using peerapi::testing::HttpDouble;
using peerapi::testing::json_response;
using peerapi::testing::read_file;
using peerapi::testing::RecordedRequest;
using peerapi::testing::source_dir;
using peerapi::testing::TempDir;
using peerapi::testing::write_file;

using Rows = std::map<std::int64_t, json::value>;

constexpr std::int64_t kStartMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

std::filesystem::path examples() {
  return source_dir() / "examples" / "peeringdb";
}

Rows rows_of_text(const std::string& text) {
  Rows rows;
  const json::value document = json::parse(text);
  for (const json::value& row : document.at("data").as_array())
    rows.emplace(row.at("id").to_number<std::int64_t>(), row);
  return rows;
}

Rows rows_of(const std::filesystem::path& file) {
  return rows_of_text(read_file(file));
}

std::string document(const std::vector<json::value>& rows, json::object meta = {}) {
  json::object root;
  root["meta"] = std::move(meta);
  json::array data;
  for (const auto& row : rows)
    data.push_back(row);
  root["data"] = std::move(data);
  return json::serialize(root);
}

/// The query parameter `name` of a request target, or "" when absent.
std::string query_param(const std::string& target, const std::string& name) {
  const auto query = target.find('?');
  if (query == std::string::npos)
    return "";
  std::string rest = target.substr(query + 1);
  std::size_t start = 0;
  while (start <= rest.size()) {
    const auto end = std::min(rest.find('&', start), rest.size());
    const std::string pair = rest.substr(start, end - start);
    if (pair.starts_with(name + "="))
      return pair.substr(name.size() + 1);
    start = end + 1;
  }
  return "";
}

/// The examples served as PeeringDB: a full document without `since`, the type's delta (empty
/// by default) with it; `limit`/`skip` honoured.
class FakePeeringDb {
 public:
  explicit FakePeeringDb(HttpDouble& server) : server_(server) {
    for (const std::string_view type : kObjectTypes) {
      const std::string name(type);
      for (const auto& [id, row] : rows_of(examples() / (name + ".json")))
        full_[name].push_back(row);
      server_.set_handler("/api/" + name, [this, name](const RecordedRequest& request) {
        return answer(name, request);
      });
    }
  }

  void set_delta(const std::string& type, std::vector<json::value> rows) {
    std::lock_guard lock(mutex_);
    delta_[type] = std::move(rows);
  }

 private:
  CannedResponse answer(const std::string& type, const RecordedRequest& request) {
    std::lock_guard lock(mutex_);
    const bool since = !query_param(request.target, "since").empty();
    std::vector<json::value> rows = since ? delta_[type] : full_[type];
    const std::string limit = query_param(request.target, "limit");
    if (!limit.empty()) {
      const std::size_t skip = std::stoul(query_param(request.target, "skip"));
      const std::size_t count = std::stoul(limit);
      std::vector<json::value> page;
      for (std::size_t i = skip; i < rows.size() && i < skip + count; ++i)
        page.push_back(rows[i]);
      rows = std::move(page);
    }
    return json_response(document(rows));
  }

  HttpDouble& server_;
  std::mutex mutex_;
  std::map<std::string, std::vector<json::value>> full_;
  std::map<std::string, std::vector<json::value>> delta_;
};

class PeeringDbSyncTest : public ::testing::Test {
 protected:
  PeeringDbSyncTest() : http(client_options()), pdb(server) {}

  static net::HttpClientOptions client_options() {
    net::HttpClientOptions options;
    options.policy.allow_loopback_http = true;
    options.connect_timeout_ms = 2'000;
    options.timeout_ms = 5'000;
    options.max_response_bytes = kMaxDocumentBytes;
    return options;
  }

  SyncOptions options() const {
    SyncOptions o;
    o.base_url = server.url("/api");
    o.snapshot_dir = dir.path() / "snapshot";
    return o;
  }

  PeeringDbSync make_sync(SyncOptions o) {
    return PeeringDbSync(http, clock, std::move(o), [this](std::chrono::milliseconds wait) {
      std::lock_guard lock(sleep_mutex);
      sleeps.push_back(wait.count());
    });
  }

  Result<SyncReport> run(bool force_full = false) { return make_sync(options()).run(force_full); }

  std::filesystem::path file(std::string_view type) const {
    return dir.path() / "snapshot" / (std::string(type) + ".json");
  }

  /// Every file of the snapshot directory and its bytes.
  std::map<std::string, std::string> directory_bytes() const {
    std::map<std::string, std::string> out;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path() / "snapshot"))
      out[entry.path().filename().string()] = read_file(entry.path());
    return out;
  }

  static const TypeSyncReport& of(const SyncReport& report, std::string_view type) {
    for (const auto& t : report.types) {
      if (t.type == type)
        return t;
    }
    throw std::runtime_error("no report for " + std::string(type));
  }

  TempDir dir;
  HttpDouble server;
  net::CurlHttpClient http;
  util::ManualClock clock{kStartMs};
  FakePeeringDb pdb;
  std::mutex sleep_mutex;
  std::vector<std::int64_t> sleeps;  // milliseconds
};

TEST_F(PeeringDbSyncTest, FullLoadWritesEveryTypeAsServed) {
  std::vector<std::tuple<std::string, std::size_t, std::optional<std::size_t>>> progress;
  auto sync = make_sync(options());
  sync.set_progress([&](std::string_view type, std::size_t done, std::optional<std::size_t> total) {
    progress.emplace_back(std::string(type), done, total);
  });
  auto report = sync.run();
  ASSERT_TRUE(report.has_value()) << report.error().field << ": " << report.error().message;

  ASSERT_EQ(report->types.size(), kObjectTypes.size());
  for (std::size_t t = 0; t < kObjectTypes.size(); ++t) {
    const std::string type(kObjectTypes[t]);
    const TypeSyncReport& r = report->types[t];
    const Rows expected = rows_of(examples() / (type + ".json"));
    EXPECT_EQ(r.type, type);
    EXPECT_TRUE(r.full) << type;
    EXPECT_EQ(r.requests, 1u) << type;
    EXPECT_EQ(r.fetched, expected.size()) << type;
    EXPECT_EQ(r.changed, expected.size()) << type;
    EXPECT_EQ(r.deleted, 0u) << type;
    EXPECT_EQ(r.bad, 0u) << type;
    EXPECT_TRUE(r.written) << type;
    EXPECT_EQ(rows_of(file(type)), expected) << type;
    const auto request = server.last_request("/api/" + type);
    ASSERT_TRUE(request.has_value());
    EXPECT_EQ(request->target, "/api/" + type + "?depth=0");
    EXPECT_FALSE(request->header("authorization").has_value()) << "no key configured";
  }
  EXPECT_TRUE(report->import.problems.empty());
  EXPECT_EQ(report->started_at, kStartMs / 1000);

  auto reloaded = load_snapshot_dir(dir.path() / "snapshot");
  auto original = load_snapshot_dir(examples());
  ASSERT_TRUE(reloaded.has_value());
  ASSERT_TRUE(original.has_value());
  EXPECT_EQ(reloaded->second.total_loaded(), original->second.total_loaded());
  EXPECT_EQ(report->import.total_loaded(), original->second.total_loaded());

  const json::value state = json::parse(read_file(dir.path() / "snapshot" / ".sync-state.json"));
  EXPECT_EQ(state.at("base_url").as_string(), server.url("/api"));
  for (const std::string_view type : kObjectTypes)
    EXPECT_EQ(state.at("types").at(type).as_int64(), kStartMs / 1000) << type;

  // One progress line per page, then the total, per type.
  ASSERT_EQ(progress.size(), 2 * kObjectTypes.size());
  EXPECT_EQ(progress[0],
            std::make_tuple(std::string("org"), std::size_t{6}, std::optional<std::size_t>{}));
  EXPECT_EQ(progress[1],
            std::make_tuple(std::string("org"), std::size_t{6}, std::optional<std::size_t>{6}));
}

TEST_F(PeeringDbSyncTest, SecondRunMergesTheDeltaSinceTheLastSync) {
  ASSERT_TRUE(run().has_value());
  const auto after_full = directory_bytes();
  clock.advance_ms(3'600'000);

  json::object renamed = rows_of(examples() / "net.json").at(1).as_object();
  renamed["name"] = "Example Transit (renamed)";
  const json::value added =
      json::parse(R"({"id": 6, "org_id": 1, "asn": 64511, "name": "New Network",
                      "irr_as_set": "", "status": "ok"})");
  const json::value deleted =
      json::parse(R"({"id": 3, "net_id": 2, "role": "Technical", "status": "deleted"})");
  pdb.set_delta("net", {renamed, added});
  pdb.set_delta("poc", {deleted});

  auto report = run();
  ASSERT_TRUE(report.has_value()) << report.error().field << ": " << report.error().message;
  const std::int64_t first_sync = kStartMs / 1000;
  for (const std::string_view type : kObjectTypes) {
    const auto request = server.last_request("/api/" + std::string(type));
    ASSERT_TRUE(request.has_value());
    EXPECT_EQ(request->target,
              "/api/" + std::string(type) + "?since=" + std::to_string(first_sync) + "&depth=0");
    EXPECT_FALSE(of(*report, type).full);
    EXPECT_EQ(of(*report, type).since, first_sync);
  }

  Rows expected_net = rows_of(examples() / "net.json");
  expected_net[1] = renamed;
  expected_net[6] = added;
  EXPECT_EQ(rows_of(file("net")), expected_net);
  Rows expected_poc = rows_of(examples() / "poc.json");
  expected_poc.erase(3);
  EXPECT_EQ(rows_of(file("poc")), expected_poc);

  const TypeSyncReport& net = of(*report, "net");
  EXPECT_EQ(net.fetched, 2u);
  EXPECT_EQ(net.changed, 2u);
  EXPECT_EQ(net.deleted, 0u);
  EXPECT_TRUE(net.written);
  const TypeSyncReport& poc = of(*report, "poc");
  EXPECT_EQ(poc.fetched, 1u);
  EXPECT_EQ(poc.changed, 0u);
  EXPECT_EQ(poc.deleted, 1u);
  EXPECT_TRUE(poc.written);

  // Types without changes keep their file byte for byte.
  const auto now = directory_bytes();
  for (const std::string_view type : kObjectTypes) {
    if (type == "net" || type == "poc")
      continue;
    EXPECT_FALSE(of(*report, type).written) << type;
    EXPECT_EQ(now.at(std::string(type) + ".json"), after_full.at(std::string(type) + ".json"));
  }
  const json::value state = json::parse(now.at(".sync-state.json"));
  EXPECT_EQ(state.at("types").at("net").as_int64(), first_sync + 3600);

  auto loaded = load_snapshot_dir(dir.path() / "snapshot");
  ASSERT_TRUE(loaded.has_value());
  const auto asn = model::Asn::from_number(64511);
  ASSERT_NE(loaded->first->network_by_asn(*asn), nullptr);
  EXPECT_EQ(loaded->first->network(1)->name, "Example Transit (renamed)");
  EXPECT_EQ(loaded->first->contacts(*model::Asn::from_number(64501)).size(), 0u);
}

TEST_F(PeeringDbSyncTest, ABadRowInTheDeltaIsReportedAndSkipped) {
  ASSERT_TRUE(run().has_value());
  clock.advance_ms(60'000);
  json::object faster = rows_of(examples() / "netixlan.json").at(10).as_object();
  faster["speed"] = 400000;
  json::object bad = faster;
  bad["id"] = 11;
  bad["ipaddr4"] = "192.0.2.999";
  const json::value no_id = json::parse(R"({"net_id": 1, "status": "ok"})");
  pdb.set_delta("netixlan", {faster, bad, no_id});

  auto report = run();
  ASSERT_TRUE(report.has_value()) << report.error().message;
  const TypeSyncReport& netixlan = of(*report, "netixlan");
  EXPECT_EQ(netixlan.fetched, 3u);
  EXPECT_EQ(netixlan.changed, 2u);
  EXPECT_EQ(netixlan.bad, 2u);  // the bad address, and the row without an id
  ASSERT_EQ(report->import.problems.size(), 1u);
  EXPECT_TRUE(report->import.problems[0].starts_with("netixlan.json: data[10] (id 11): ipaddr4:"))
      << report->import.problems[0];
  ASSERT_EQ(report->notes.size(), 1u);
  EXPECT_EQ(report->notes[0],
            "netixlan: row 2 of the response has no integer id from 1 to 2^32-1; skipped");

  // The file mirrors PeeringDB (the bad row included, the id-less one dropped); the snapshot
  // the server loads skips the bad row and has the good change.
  const Rows on_disk = rows_of(file("netixlan"));
  EXPECT_EQ(on_disk.size(), 11u);
  EXPECT_EQ(on_disk.at(11), json::value(bad));
  auto loaded = load_snapshot_dir(dir.path() / "snapshot");
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->second.problems, report->import.problems);
  EXPECT_EQ(loaded->first->port_count(), 10u);
  const auto asn = *model::Asn::from_number(64510);
  const NetIxLan* port = nullptr;
  for (const std::uint32_t ix : loaded->first->exchanges_of(asn)) {
    for (const NetIxLan* candidate : loaded->first->ports(asn, ix)) {
      if (candidate->id == 10)
        port = candidate;
    }
  }
  ASSERT_NE(port, nullptr);
  EXPECT_EQ(port->speed, 400000u);
}

TEST_F(PeeringDbSyncTest, PagesWithLimitAndSkip) {
  SyncOptions o = options();
  o.page_size = 2;
  auto report = make_sync(o).run();
  ASSERT_TRUE(report.has_value()) << report.error().message;
  const TypeSyncReport& netixlan = of(*report, "netixlan");
  EXPECT_EQ(netixlan.fetched, 10u);
  EXPECT_EQ(netixlan.requests, 6u);            // five full pages, then an empty one
  EXPECT_EQ(of(*report, "poc").requests, 2u);  // 2 rows, then 1
  EXPECT_EQ(rows_of(file("netixlan")), rows_of(examples() / "netixlan.json"));
  const auto last = server.last_request("/api/netixlan");
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->target, "/api/netixlan?depth=0&limit=2&skip=10");
}

TEST_F(PeeringDbSyncTest, PagesOnWhenTheBodySaysItWasTruncated) {
  // PeeringDB cuts answers above its row cap and says so in meta.truncated.
  const std::vector<json::value> all = [] {
    std::vector<json::value> rows;
    for (const auto& [id, row] : rows_of(examples() / "ixpfx.json"))
      rows.push_back(row);
    return rows;
  }();
  server.set_handler("/api/ixpfx", [&](const RecordedRequest& request) {
    const std::string limit = query_param(request.target, "limit");
    const std::size_t skip = limit.empty() ? 0 : std::stoul(query_param(request.target, "skip"));
    const std::size_t count = limit.empty() ? 4 : std::stoul(limit);
    std::vector<json::value> page;
    for (std::size_t i = skip; i < all.size() && i < skip + count; ++i)
      page.push_back(all[i]);
    json::object meta;
    if (limit.empty())
      meta["truncated"] = "Your search query returned more than 4 rows and has been truncated.";
    return json_response(document(page, meta));
  });
  auto report = run();
  ASSERT_TRUE(report.has_value()) << report.error().message;
  EXPECT_EQ(of(*report, "ixpfx").fetched, 6u);
  EXPECT_EQ(of(*report, "ixpfx").requests, 2u);
  EXPECT_EQ(server.last_request("/api/ixpfx")->target, "/api/ixpfx?depth=0&limit=4&skip=4");
  EXPECT_EQ(rows_of(file("ixpfx")), rows_of(examples() / "ixpfx.json"));
}

TEST_F(PeeringDbSyncTest, AServerThatIgnoresSkipIsAnError) {
  const std::string body = read_file(examples() / "ixpfx.json");
  server.set("/api/ixpfx", json_response(body));
  SyncOptions o = options();
  o.page_size = 3;
  auto report = make_sync(o).run();
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::io_error);
  EXPECT_EQ(report.error().field, "ixpfx");
  EXPECT_NE(report.error().message.find("honour skip"), std::string::npos);
}

TEST_F(PeeringDbSyncTest, HonoursRetryAfterOn429) {
  int calls = 0;
  const std::string body = read_file(examples() / "org.json");
  server.set_handler("/api/org", [&](const RecordedRequest&) {
    if (calls++ == 0)
      return CannedResponse{429, {{"Retry-After", "7"}}, "slow down", {}, false};
    return json_response(body);
  });
  auto report = run();
  ASSERT_TRUE(report.has_value()) << report.error().message;
  EXPECT_EQ(sleeps, std::vector<std::int64_t>{7000});
  EXPECT_EQ(of(*report, "org").requests, 2u);
  EXPECT_EQ(rows_of(file("org")), rows_of(examples() / "org.json"));
}

TEST_F(PeeringDbSyncTest, RetryAfterAsAnHttpDate) {
  int calls = 0;
  const std::string body = read_file(examples() / "fac.json");
  server.set_handler("/api/fac", [&](const RecordedRequest&) {
    if (calls++ == 0)
      return CannedResponse{429, {{"Retry-After", "Thu, 01 Jan 2026 00:00:30 GMT"}}, "", {}, false};
    return json_response(body);
  });
  ASSERT_TRUE(run().has_value());
  EXPECT_EQ(sleeps, std::vector<std::int64_t>{30'000});
}

TEST_F(PeeringDbSyncTest, ARetryAfterAboveTheBoundFailsTheRun) {
  server.set("/api/net", CannedResponse{429, {{"Retry-After", "3600"}}, "", {}, false});
  auto report = run();
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::rate_limited);
  EXPECT_EQ(report.error().field, "net");
  EXPECT_NE(report.error().message.find("Retry-After 3600 s, above the limit of 120 s"),
            std::string::npos)
      << report.error().message;
  EXPECT_TRUE(sleeps.empty());
  EXPECT_FALSE(std::filesystem::exists(file("org"))) << "nothing written";
}

TEST_F(PeeringDbSyncTest, ServerErrorsOnEveryAttemptFailAndLeaveTheOldFilesUntouched) {
  ASSERT_TRUE(run().has_value());
  const auto before = directory_bytes();
  clock.advance_ms(60'000);
  pdb.set_delta("net", {json::parse(R"({"id": 1, "org_id": 1, "asn": 64500, "name": "X"})")});
  server.set("/api/ixlan", CannedResponse{500, {}, "oops", {}, false});

  auto report = run();
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::unavailable);
  EXPECT_EQ(report.error().field, "ixlan");
  EXPECT_NE(report.error().message.find("HTTP 500 (3 attempts)"), std::string::npos)
      << report.error().message;
  EXPECT_EQ(sleeps, (std::vector<std::int64_t>{1000, 2000}));
  EXPECT_EQ(directory_bytes(), before) << "net's change is not written either";
}

TEST_F(PeeringDbSyncTest, AServerErrorThenSuccessIsRetried) {
  int calls = 0;
  const std::string body = read_file(examples() / "ix.json");
  server.set_handler("/api/ix", [&](const RecordedRequest&) {
    if (calls++ < 2)
      return CannedResponse{503, {}, "busy", {}, false};
    return json_response(body);
  });
  auto report = run();
  ASSERT_TRUE(report.has_value()) << report.error().message;
  EXPECT_EQ(of(*report, "ix").requests, 3u);
  EXPECT_EQ(sleeps, (std::vector<std::int64_t>{1000, 2000}));
}

TEST_F(PeeringDbSyncTest, TransportFailuresAreRetriedThenReported) {
  std::string closed_url;
  {
    HttpDouble gone;  // a port that was just free: nothing listens there any more
    closed_url = gone.url("/api");
  }
  SyncOptions o = options();
  o.base_url = closed_url;
  auto report = make_sync(o).run();
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::io_error);
  EXPECT_EQ(report.error().field, "org");
  EXPECT_NE(report.error().message.find("(3 attempts)"), std::string::npos)
      << report.error().message;
  EXPECT_EQ(sleeps, (std::vector<std::int64_t>{1000, 2000}));
}

TEST_F(PeeringDbSyncTest, OutboundGuardRefusalsAreNotRetried) {
  net::CurlHttpClient guarded(net::HttpClientOptions{});  // loopback not allowed
  PeeringDbSync sync(guarded, clock, options(),
                     [this](std::chrono::milliseconds wait) { sleeps.push_back(wait.count()); });
  auto report = sync.run();
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::io_error);
  EXPECT_EQ(report.error().field, "org");
  EXPECT_NE(report.error().message.find(": refused: "), std::string::npos)
      << report.error().message;
  EXPECT_TRUE(sleeps.empty());
  EXPECT_EQ(server.requests().size(), 0u);
}

TEST_F(PeeringDbSyncTest, SendsTheApiKeyAndNeverRepeatsIt) {
  SyncOptions o = options();
  o.api_key = "s3cret-key-value";
  ASSERT_TRUE(make_sync(o).run().has_value());
  for (const auto& request : server.requests())
    EXPECT_EQ(request.header("authorization"), "Api-Key s3cret-key-value") << request.target;

  server.set("/api/org", CannedResponse{401, {}, "{\"message\": \"bad key\"}", {}, false});
  auto refused = make_sync(o).run();
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::unauthenticated);
  EXPECT_EQ(refused.error().field, "org");
  EXPECT_NE(refused.error().message.find("refused the API key"), std::string::npos);
  EXPECT_EQ(refused.error().message.find("s3cret"), std::string::npos);
  EXPECT_EQ(read_file(dir.path() / "snapshot" / ".sync-state.json").find("s3cret"),
            std::string::npos);
}

TEST_F(PeeringDbSyncTest, ForbiddenWithoutAKeySaysAKeyIsNeeded) {
  server.set("/api/org", CannedResponse{403, {}, "", {}, false});
  auto report = run();
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::unauthenticated);
  EXPECT_NE(report.error().message.find("requires an API key"), std::string::npos);
}

TEST_F(PeeringDbSyncTest, ABodyThatIsNoApiDocumentFailsTheRun) {
  server.set("/api/poc", json_response(R"({"data": {"id": 1}})"));
  auto report = run();
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::data_invalid);
  EXPECT_EQ(report.error().field, "poc");
  EXPECT_FALSE(std::filesystem::exists(file("org")));
}

TEST_F(PeeringDbSyncTest, FullLoadWhenForcedOrWhenTheStateIsForAnotherSource) {
  ASSERT_TRUE(run().has_value());
  clock.advance_ms(1'000);
  auto forced = run(/*force_full=*/true);
  ASSERT_TRUE(forced.has_value());
  EXPECT_TRUE(of(*forced, "net").full);
  EXPECT_EQ(of(*forced, "net").changed, 0u) << "same rows as before";
  EXPECT_FALSE(of(*forced, "net").written);
  EXPECT_EQ(server.last_request("/api/net")->target, "/api/net?depth=0");

  // A state written for another base URL does not apply.
  const auto state_path = dir.path() / "snapshot" / ".sync-state.json";
  std::string state = read_file(state_path);
  state.replace(state.find(server.url("/api")), server.url("/api").size(),
                "https://elsewhere.example/api");
  write_file(state_path, state);
  auto other = run();
  ASSERT_TRUE(other.has_value());
  EXPECT_TRUE(of(*other, "org").full);
}

TEST_F(PeeringDbSyncTest, AnUnreadablePreviousFileIsReloadedInFull) {
  ASSERT_TRUE(run().has_value());
  write_file(file("ix"), "{not json");
  clock.advance_ms(1'000);
  auto report = run();
  ASSERT_TRUE(report.has_value()) << report.error().message;
  EXPECT_TRUE(of(*report, "ix").full);
  EXPECT_FALSE(of(*report, "net").full);
  EXPECT_TRUE(of(*report, "ix").written);
  ASSERT_FALSE(report->notes.empty());
  EXPECT_TRUE(report->notes[0].starts_with("ix.json: not valid JSON")) << report->notes[0];
  EXPECT_EQ(rows_of(file("ix")), rows_of(examples() / "ix.json"));
}

TEST_F(PeeringDbSyncTest, ASecondSyncOfTheSameDirectoryIsRefused) {
  std::filesystem::create_directories(dir.path() / "snapshot");
  const auto lock_path = dir.path() / "snapshot" / ".sync.lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  auto report = run();
  ::close(fd);
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::unavailable);
  EXPECT_EQ(server.requests().size(), 0u);
}

}  // namespace
}  // namespace peerapi::sources::peeringdb
