// PostgresStore: the Store contract suite against a real PostgreSQL (started by this process,
// tests/store/postgres_server.hpp), plus what only this backend promises: migrations once under
// concurrent openers, passwords never in an error, and two store objects on one database (two
// replicas) racing each other.
#include "store/postgres/postgres_store.hpp"

#include <atomic>
#include <latch>
#include <set>
#include <thread>

#include "store/postgres_server.hpp"
#include "store/store_contract.hpp"

#if defined(__SANITIZE_ADDRESS__)
// libpq 15 drops a PGresult it made itself (PQmakeEmptyPGresult inside PQexecPrepared) when the
// server ends a session in the middle of a query; ACallCutOffMidQueryIsRetriedOnANewConnection
// does that on purpose. Nothing of ours is allocated there.
extern "C" const char* __lsan_default_suppressions() {  // NOLINT(bugprone-reserved-identifier)
  return "leak:PQmakeEmptyPGresult\n";
}
#endif

namespace peerapi::store::test {
namespace {

using model::SessionStatus;
using peerapi::testing::PostgresServer;
constexpr std::int64_t kNow = 1'700'000'000'000;

std::vector<StoreBackend> postgres_backends() {
  // Without the binaries the suite has no instance here; PostgresStoreTest.ServerStarts says
  // why, as a skip. A server that is installed but does not start is a failure.
  if (!PostgresServer::unavailable_reason().empty())
    return {};
  auto random = std::make_shared<util::SecureRandom>();
  return {StoreBackend{
      .name = "Postgres",
      .open = [random](const std::filesystem::path& dir) -> std::unique_ptr<Store> {
        std::string why;
        PostgresServer* server = PostgresServer::shared(&why);
        if (server == nullptr) {
          ADD_FAILURE() << "cannot start PostgreSQL: " << why;
          return nullptr;
        }
        const std::string database = PostgresServer::database_for(dir);
        if (!server->create_database(database, &why)) {
          ADD_FAILURE() << why;
          return nullptr;
        }
        auto opened = PostgresStore::open(server->uri(database), *random);
        if (!opened) {
          ADD_FAILURE() << "PostgresStore::open: " << opened.error().message;
          return nullptr;
        }
        return std::move(*opened);
      },
  }};
}

INSTANTIATE_TEST_SUITE_P(Postgres, StoreContractTest, ::testing::ValuesIn(postgres_backends()),
                         backend_name);

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string reason = PostgresServer::unavailable_reason(); !reason.empty())
      GTEST_SKIP() << "PostgreSQL tests SKIPPED: " << reason;
    std::string why;
    server_ = PostgresServer::shared(&why);
    ASSERT_NE(server_, nullptr) << "cannot start PostgreSQL: " << why;
    database_ = PostgresServer::database_for(dir_.path());
    ASSERT_TRUE(server_->create_database(database_, &why)) << why;
  }

  std::string uri() const { return server_->uri(database_); }

  std::unique_ptr<PostgresStore> open(PostgresOptions options = {}) {
    auto opened = PostgresStore::open(uri(), random_, options);
    EXPECT_TRUE(opened.has_value()) << opened.error().message;
    return opened ? std::move(*opened) : nullptr;
  }

  /// Direct SQL on the test database.
  std::vector<std::vector<std::string>> rows(const std::string& sql) {
    pqxx::connection connection(uri());
    pqxx::nontransaction tx(connection);
    std::vector<std::vector<std::string>> out;
    for (const pqxx::row& row : tx.exec(sql)) {
      std::vector<std::string> values;
      for (const pqxx::field& field : row)
        values.emplace_back(field.is_null() ? "NULL" : field.c_str());
      out.push_back(std::move(values));
    }
    return out;
  }

  model::Uuid new_uuid() { return model::Uuid::v4_from_bytes(random_.bytes16()); }

  RequestDraft draft(std::uint32_t local_asn, std::uint32_t first_host, int count) {
    RequestDraft d{.request_id = new_uuid(),
                   .client_request_id = std::nullopt,
                   .subject = "subject-" + std::to_string(local_asn),
                   .body_hash = "hash",
                   .return_url = std::nullopt,
                   .now_ms = kNow,
                   .candidates = {},
                   .creation_notes = {},
                   .audit = {}};
    for (int i = 0; i < count; ++i) {
      d.candidates.push_back(model::Session{
          .session_id = new_uuid(),
          .request_id = d.request_id,
          .fields =
              model::SessionRequest{
                  .local_asn = *model::Asn::from_number(local_asn),
                  .local_ip = model::IpAddress::v4(0x0A000000u + first_host +
                                                   static_cast<std::uint32_t>(i)),
                  .peer_asn = *model::Asn::from_number(64511),
                  .peer_ip = *model::IpAddress::parse("192.0.2.1"),
                  .session_secret = *model::SessionSecret::parse("s3cret-key", "session_secret"),
                  .location = model::LocationId::ix(1),
              },
          .status = SessionStatus::approved,
      });
    }
    return d;
  }

  PostgresServer* server_ = nullptr;
  std::string database_;
  testing::TempDir dir_;
  util::SecureRandom random_;
};

TEST_F(PostgresStoreTest, ServerStarts) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->ping().has_value());
  EXPECT_EQ(rows("SHOW listen_addresses")[0][0], "127.0.0.1");
}

TEST_F(PostgresStoreTest, ConcurrentOpenersApplyMigrationsOnce) {
  constexpr int kOpeners = 6;
  std::latch start(kOpeners);
  std::vector<std::thread> threads;
  std::vector<std::string> errors(kOpeners);
  for (int i = 0; i < kOpeners; ++i) {
    threads.emplace_back([&, i] {
      util::SecureRandom random;
      start.arrive_and_wait();
      auto store =
          PostgresStore::open(uri(), random, {.connections = 1, .connect_timeout_seconds = 10});
      if (!store)
        errors[static_cast<std::size_t>(i)] = store.error().message;
    });
  }
  for (auto& thread : threads)
    thread.join();
  for (const auto& error : errors)
    EXPECT_EQ(error, "");
  auto versions = rows("SELECT version, applied_at FROM schema_migrations ORDER BY version");
  ASSERT_EQ(versions.size(), static_cast<std::size_t>(PostgresStore::schema_version()));
  for (std::size_t i = 0; i < versions.size(); ++i) {
    EXPECT_EQ(versions[i][0], std::to_string(i + 1));
    EXPECT_GT(std::stoll(versions[i][1]), 1'600'000'000'000);  // Unix milliseconds
  }
  // Reopening applies nothing again.
  ASSERT_NE(open(), nullptr);
  EXPECT_EQ(rows("SELECT count(*) FROM schema_migrations")[0][0],
            std::to_string(PostgresStore::schema_version()));
}

TEST_F(PostgresStoreTest, RefusesADatabaseFromANewerVersion) {
  ASSERT_NE(open(), nullptr);
  const int newer = PostgresStore::schema_version() + 1;
  rows("INSERT INTO schema_migrations (version, applied_at) VALUES (" + std::to_string(newer) +
       ", 0)");
  auto refused = PostgresStore::open(uri(), random_);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::store_error);
  EXPECT_NE(refused.error().message.find("newer"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find(std::to_string(newer)), std::string::npos);
}

TEST_F(PostgresStoreTest, ThePasswordIsNeverInAnError) {
  const std::string password = server_->password();
  const std::string host = "127.0.0.1:" + std::to_string(server_->port());
  struct Row {
    const char* what;
    std::string uri;
  };
  const Row rows_[] = {
      {"wrong password", "postgresql://peerapi:" + password + "x@" + host + "/" + database_},
      {"unknown user", "postgresql://nobody_here:" + password + "@" + host + "/" + database_},
      {"unknown database", "postgresql://peerapi:" + password + "@" + host + "/no_such_db"},
      {"nothing listening", "postgresql://peerapi:" + password + "@127.0.0.1:1/" + database_},
      {"password as parameter",
       "postgresql://peerapi@" + host + "/no_such_db?password=" + password},
      {"bad parameter", "postgresql://peerapi:" + password + "@" + host + "/x?sslmode=sometimes"},
      {"not a URI", "host=127.0.0.1 user=peerapi password=" + password},
      {"other scheme", "mysql://peerapi:" + password + "@" + host + "/x"},
  };
  for (const Row& row : rows_) {
    SCOPED_TRACE(row.what);
    auto refused =
        PostgresStore::open(row.uri, random_, {.connections = 1, .connect_timeout_seconds = 2});
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, ErrorCode::store_error);
    EXPECT_EQ(refused.error().message.find(password), std::string::npos) << refused.error().message;
    EXPECT_FALSE(refused.error().message.empty());
  }
}

TEST_F(PostgresStoreTest, RedactedUrisKeepEverythingButThePassword) {
  const std::pair<std::string, std::string> cases[] = {
      {"postgresql://u:pw@db.example:5432/peerapi", "postgresql://u:***@db.example:5432/peerapi"},
      {"postgres://u:p%40ss@h/d?sslmode=require", "postgres://u:***@h/d?sslmode=require"},
      {"postgresql://u@h/d?password=pw&sslmode=verify-full",
       "postgresql://u@h/d?password=***&sslmode=verify-full"},
      {"postgresql://u:a?b@h/d", "postgresql://u:***@h/d"},
      {"postgresql://h1:5432,h2:5433/d?sslpassword=k",
       "postgresql://h1:5432,h2:5433/d?sslpassword=***"},
      {"postgresql:///peerapi", "postgresql:///peerapi"},
      {"host=h password=pw", "(not a postgresql:// URI)"},
  };
  for (const auto& [uri, expected] : cases)
    EXPECT_EQ(PostgresStore::redacted(uri), expected) << uri;
}

TEST_F(PostgresStoreTest, RejectsBadOptions) {
  struct Row {
    PostgresOptions options;
    const char* field;
  };
  const Row table[] = {
      {{.connections = 0, .connect_timeout_seconds = 10}, "connections"},
      {{.connections = 65, .connect_timeout_seconds = 10}, "connections"},
      {{.connections = 1, .connect_timeout_seconds = 0}, "connect_timeout_seconds"},
  };
  for (const Row& row : table) {
    auto refused = PostgresStore::open(uri(), random_, row.options);
    ASSERT_FALSE(refused.has_value()) << row.field;
    EXPECT_EQ(refused.error().code, ErrorCode::config_invalid);
    EXPECT_EQ(refused.error().field, row.field);
  }
}

TEST_F(PostgresStoreTest, TwoReplicasCreateOneRequestPerClientRequestId) {
  auto a = open();
  auto b = open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  constexpr int kRounds = 5;
  constexpr int kThreads = 8;
  for (int round = 0; round < kRounds; ++round) {
    const model::Uuid client_id = new_uuid();
    std::vector<RequestDraft> drafts;
    for (int t = 0; t < kThreads; ++t) {
      drafts.push_back(draft(64500, static_cast<std::uint32_t>(1000 * round + 10 * t), 2));
      drafts.back().subject = "same-subject";
      drafts.back().client_request_id = client_id;
    }
    std::latch start(kThreads);
    std::atomic<int> created{0};
    std::atomic<int> replayed{0};
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        Store& replica = t % 2 == 0 ? static_cast<Store&>(*a) : *b;
        start.arrive_and_wait();
        auto outcome =
            replica.create_request(drafts[static_cast<std::size_t>(t)], describe_duplicates());
        if (!outcome)
          ++errors;
        else if (outcome->kind == CreateOutcome::Kind::created)
          ++created;
        else if (outcome->kind == CreateOutcome::Kind::replayed)
          ++replayed;
      });
    }
    for (auto& thread : threads)
      thread.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(created.load(), 1) << "round " << round;
    EXPECT_EQ(replayed.load(), kThreads - 1);
  }
  EXPECT_EQ(*a->count_sessions(), kRounds * 2);
  EXPECT_EQ(rows("SELECT count(*) FROM requests")[0][0], std::to_string(kRounds));
}

TEST_F(PostgresStoreTest, TwoReplicasTransitionEachSessionOnce) {
  auto a = open();
  auto b = open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  RequestDraft d = draft(64500, 1, 10);
  ASSERT_TRUE(a->create_request(d, describe_duplicates()).has_value());
  for (const auto& c : d.candidates) {
    constexpr int kThreads = 8;
    std::latch start(kThreads);
    std::atomic<int> winners{0};
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        Store& replica = t % 2 == 0 ? static_cast<Store&>(*a) : *b;
        const SessionStatus from[] = {SessionStatus::approved};
        start.arrive_and_wait();
        // Half approve-and-configure one session at a time, half move it in a batch.
        Result<bool> won = false;
        if (t % 4 < 2) {
          auto moved = replica.transition(c.session_id, from, SessionStatus::configured,
                                          "replica" + std::to_string(t), "", kNow + t);
          won = moved ? Result<bool>(moved->has_value()) : std::unexpected(moved.error());
        } else {
          const TransitionRequest request{.session_id = c.session_id,
                                          .from = SessionStatus::approved,
                                          .to = SessionStatus::configured,
                                          .note = ""};
          auto moved = replica.transition_all(std::span(&request, 1), "replica" + std::to_string(t),
                                              kNow + t);
          won = moved ? Result<bool>((*moved)[0].has_value()) : std::unexpected(moved.error());
        }
        if (!won)
          ++errors;
        else if (*won)
          ++winners;
      });
    }
    for (auto& thread : threads)
      thread.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(winners.load(), 1);
    auto entries = b->history(c.session_id);
    ASSERT_TRUE(entries.has_value());
    EXPECT_EQ(entries->size(), 2u);  // creation + the one winning transition
  }
}

TEST_F(PostgresStoreTest, TwoReplicasBatchesOverlappingInAnyOrderDoNotDeadlock) {
  auto a = open();
  auto b = open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  RequestDraft d = draft(64500, 1, 20);
  ASSERT_TRUE(a->create_request(d, describe_duplicates()).has_value());
  std::vector<TransitionRequest> forward;
  for (const auto& c : d.candidates) {
    forward.push_back({.session_id = c.session_id,
                       .from = SessionStatus::approved,
                       .to = SessionStatus::configured,
                       .note = ""});
  }
  std::vector<TransitionRequest> backward(forward.rbegin(), forward.rend());
  std::latch start(2);
  Result<std::vector<std::optional<model::Session>>> ra, rb;
  std::thread ta([&] {
    start.arrive_and_wait();
    ra = a->transition_all(forward, "a", kNow);
  });
  std::thread tb([&] {
    start.arrive_and_wait();
    rb = b->transition_all(backward, "b", kNow);
  });
  ta.join();
  tb.join();
  ASSERT_TRUE(ra.has_value()) << ra.error().message;
  ASSERT_TRUE(rb.has_value()) << rb.error().message;
  // One batch moved every session, the other none: the rows are locked batch by batch.
  const auto moved = [](const auto& r) {
    return std::count_if(r->begin(), r->end(), [](const auto& s) { return s.has_value(); });
  };
  EXPECT_EQ(moved(ra) + moved(rb), 20);
  EXPECT_TRUE(moved(ra) == 0 || moved(rb) == 0);
}

TEST_F(PostgresStoreTest, TwoReplicasGrantALeaseToOneHolder) {
  auto a = open();
  auto b = open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  for (int round = 0; round < 10; ++round) {
    const std::string name = "router-" + std::to_string(round);
    constexpr int kThreads = 8;
    std::latch start(kThreads);
    std::atomic<int> granted{0};
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        Store& replica = t % 2 == 0 ? static_cast<Store&>(*a) : *b;
        start.arrive_and_wait();
        auto claimed = replica.claim_lease(name, "holder-" + std::to_string(t), kNow, kNow + 100);
        if (!claimed)
          ++errors;
        else if (*claimed)
          ++granted;
      });
    }
    for (auto& thread : threads)
      thread.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(granted.load(), 1) << name;
  }
}

TEST_F(PostgresStoreTest, TwoReplicasShareReplayCachesAndSecrets) {
  auto a = open();
  auto b = open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  for (int round = 0; round < 5; ++round) {
    const std::string key = "dpop:jti-" + std::to_string(round);
    constexpr int kThreads = 8;
    std::latch start(kThreads);
    std::atomic<int> fresh{0};
    std::atomic<int> errors{0};
    std::vector<std::string> secrets(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        Store& replica = t % 2 == 0 ? static_cast<Store&>(*a) : *b;
        start.arrive_and_wait();
        // A signature nonce and a DPoP jti of one request, in either order.
        const std::vector<OneTimeKey> keys =
            t % 3 == 0
                ? std::vector<OneTimeKey>{{key, kNow + 60'000}, {"httpsig:" + key, kNow + 60'000}}
                : std::vector<OneTimeKey>{{"httpsig:" + key, kNow + 60'000}, {key, kNow + 60'000}};
        auto first = replica.remember_all_once(keys, kNow);
        if (!first)
          ++errors;
        else if (*first)
          ++fresh;
        auto secret = replica.named_secret("pagination-" + std::to_string(round), 32);
        if (secret)
          secrets[static_cast<std::size_t>(t)] = *secret;
      });
    }
    for (auto& thread : threads)
      thread.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(fresh.load(), 1) << key;
    EXPECT_EQ(std::set<std::string>(secrets.begin(), secrets.end()).size(), 1u);
    EXPECT_EQ(secrets[0].size(), 32u);
  }
}

TEST_F(PostgresStoreTest, PagesAcrossReplicasHaveNoGapsUnderConcurrentWriters) {
  auto a = open();
  auto b = open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  constexpr int kPerWriter = 40;
  std::vector<std::vector<RequestDraft>> work(4);
  for (std::size_t w = 0; w < work.size(); ++w) {
    for (int i = 0; i < kPerWriter; ++i)
      work[w].push_back(draft(64500, static_cast<std::uint32_t>(10'000 * w + 3 * i), 2));
  }
  std::atomic<int> running{static_cast<int>(work.size())};
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (std::size_t w = 0; w < work.size(); ++w) {
    writers.emplace_back([&, w] {
      Store& replica = w % 2 == 0 ? static_cast<Store&>(*a) : *b;
      for (const auto& d : work[w]) {
        if (!replica.create_request(d, describe_duplicates()))
          ++failures;
      }
      --running;
    });
  }
  // Each complete traversal (on either replica) must be a prefix of the final order: a later
  // commit may never land before a position a reader has already passed.
  auto traverse = [](Store& replica) {
    std::vector<model::Uuid> ids;
    std::optional<std::int64_t> after;
    for (;;) {
      auto page = replica.list_sessions(*model::Asn::from_number(64500), std::nullopt, after, 5);
      if (!page)
        return std::vector<model::Uuid>{};
      for (const auto& s : page->sessions)
        ids.push_back(s.session_id);
      if (!page->next_after)
        return ids;
      after = page->next_after;
    }
  };
  std::vector<std::vector<model::Uuid>> traversals;
  for (int i = 0; running.load() > 0 && i < 10'000; ++i)
    traversals.push_back(traverse(i % 2 == 0 ? static_cast<Store&>(*a) : *b));
  for (auto& writer : writers)
    writer.join();
  EXPECT_EQ(failures.load(), 0);
  const auto final_order = traverse(*a);
  ASSERT_EQ(final_order.size(), work.size() * kPerWriter * 2);
  EXPECT_GT(traversals.size(), 1u);
  for (const auto& seen : traversals) {
    ASSERT_LE(seen.size(), final_order.size());
    EXPECT_TRUE(std::equal(seen.begin(), seen.end(), final_order.begin()))
        << "a traversal of " << seen.size() << " sessions is not a prefix of the final order";
  }
}

TEST_F(PostgresStoreTest, CallsSurviveTheServerDroppingConnections) {
  auto store = open({.connections = 2, .connect_timeout_seconds = 10});
  ASSERT_NE(store, nullptr);
  RequestDraft d = draft(64500, 1, 1);
  ASSERT_TRUE(store->create_request(d, describe_duplicates()).has_value());
  for (int round = 0; round < 3; ++round) {
    // As a server restart or an idle-connection reaper would: every peerapi connection goes.
    const auto killed = rows(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = "
        "'peerapi' AND datname = current_database()");
    ASSERT_FALSE(killed.empty());  // the connections this store has opened so far
    auto got = store->get_session(d.candidates[0].session_id);
    ASSERT_TRUE(got.has_value()) << got.error().message;
    EXPECT_TRUE(got->has_value());
    const SessionStatus from[] = {SessionStatus::approved, SessionStatus::configured};
    auto moved =
        store->transition(d.candidates[0].session_id, from,
                          round % 2 == 0 ? SessionStatus::configured : SessionStatus::approved, "t",
                          "", kNow + round);
    ASSERT_TRUE(moved.has_value()) << moved.error().message;
  }
}

TEST_F(PostgresStoreTest, ACallCutOffMidQueryIsRetriedOnANewConnection) {
  auto store = open({.connections = 1, .connect_timeout_seconds = 10});
  ASSERT_NE(store, nullptr);
  RequestDraft d = draft(64500, 1, 1);
  ASSERT_TRUE(store->create_request(d, describe_duplicates()).has_value());
  const std::string id = d.candidates[0].session_id.to_string();

  // Another client holds the session's row, so the transition waits inside its query; then the
  // server ends the waiting session, as a failover would.
  pqxx::connection holder(uri());
  pqxx::work held(holder);
  held.exec("SELECT 1 FROM sessions WHERE session_id = '" + id + "' FOR UPDATE");
  Result<std::optional<model::Session>> moved = std::nullopt;
  std::thread mover([&] {
    const SessionStatus from[] = {SessionStatus::approved};
    moved = store->transition(d.candidates[0].session_id, from, SessionStatus::configured, "t", "",
                              kNow + 1);
  });
  auto waiting = [&] {
    return rows(
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'peerapi' AND "
        "wait_event_type = 'Lock' AND datname = current_database()");
  };
  std::vector<std::vector<std::string>> blocked;
  for (int i = 0; i < 200 && blocked.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    blocked = waiting();
  }
  ASSERT_EQ(blocked.size(), 1u) << "the transition never waited for the row";
  rows("SELECT pg_terminate_backend(" + blocked[0][0] + ")");
  // The retry waits for the row again, on a new connection; then the row is free.
  std::vector<std::vector<std::string>> again;
  for (int i = 0; i < 200 && (again.empty() || again[0][0] == blocked[0][0]); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    again = waiting();
  }
  ASSERT_FALSE(again.empty());
  EXPECT_NE(again[0][0], blocked[0][0]);
  held.abort();
  mover.join();
  ASSERT_TRUE(moved.has_value()) << moved.error().message;
  ASSERT_TRUE(moved->has_value());
  EXPECT_EQ((*moved)->status, SessionStatus::configured);
  EXPECT_EQ(store->history(d.candidates[0].session_id)->size(), 2u);
}

TEST_F(PostgresStoreTest, TextPostgresCannotHoldIsEncodedOrRefusedNeverCut) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  // One-time keys are the caller's (a DPoP jti may hold "\u0000"): stored exactly, encoded.
  const std::string with_nul("dpop:a\0b", 8);
  EXPECT_TRUE(*store->remember_once(with_nul, kNow + 1000, kNow));
  EXPECT_FALSE(*store->remember_once(with_nul, kNow + 1000, kNow)) << "a replay";
  EXPECT_TRUE(*store->remember_once("dpop:a", kNow + 1000, kNow)) << "not cut at the NUL";
  const std::string look_alike = std::string("\x01") + "64706f703a610062";  // hex of with_nul
  EXPECT_TRUE(*store->remember_once(look_alike, kNow + 1000, kNow))
      << "the encoded form is not another key's";
  EXPECT_TRUE(*store->remember_once("\x01", kNow + 1000, kNow));
  EXPECT_FALSE(*store->remember_once("\x01", kNow + 1000, kNow));
  // Other text is refused whole, never stored shortened.
  RequestDraft d = draft(64500, 1, 1);
  d.subject = std::string("noc\0evil", 8);
  auto refused = store->create_request(d, describe_duplicates());
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::store_error);
  EXPECT_NE(refused.error().message.find("NUL"), std::string::npos) << refused.error().message;
  EXPECT_EQ(*store->count_sessions(), 0);
  EXPECT_TRUE(store->ping().has_value()) << "the connection is still usable";
}

TEST_F(PostgresStoreTest, CorruptRowsAreStoreErrorsWithoutSecrets) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  const std::string damage[] = {
      "local_ip = 'not-an-ip'",
      "peer_asn = 0",
      "local_bgp_role = 9",
      "peer_type = 'shared'",
      "session_secret = 'has space'",
      "location = 'pdb:xx:1'",
      "status = 'zombie'",
      "local_asn = 4294967296",
  };
  for (const auto& assignment : damage) {
    SCOPED_TRACE(assignment);
    RequestDraft d = draft(64500, 1, 1);
    ASSERT_TRUE(store->create_request(d, describe_duplicates()).has_value());
    const std::string id = d.candidates[0].session_id.to_string();
    rows("UPDATE sessions SET " + assignment + " WHERE session_id = '" + id + "'");
    auto got = store->get_session(d.candidates[0].session_id);
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error().code, ErrorCode::store_error);
    EXPECT_NE(got.error().message.find(id), std::string::npos) << got.error().message;
    EXPECT_EQ(got.error().message.find("has space"), std::string::npos) << "secret leaked";
    EXPECT_EQ(got.error().message.find("s3cret-key"), std::string::npos) << "secret leaked";
    rows("DELETE FROM session_history WHERE session_id = '" + id + "'");
    rows("DELETE FROM sessions WHERE session_id = '" + id + "'");
  }
}

TEST_F(PostgresStoreTest, ErrorsFromTheServerDoNotQuoteRowValues) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  // A CHECK violation's DETAIL lists the whole failing row, secret included.
  rows("ALTER TABLE sessions ADD CONSTRAINT no_secret_k CHECK (session_secret <> 's3cret-key')");
  auto refused = store->create_request(draft(64500, 1, 1), describe_duplicates());
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::store_error);
  EXPECT_NE(refused.error().message.find("no_secret_k"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(refused.error().message.find("s3cret-key"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(*store->count_sessions(), 0);
}

}  // namespace
}  // namespace peerapi::store::test
