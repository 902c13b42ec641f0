// PostgreSQL as an operator meets it: `peerapi migrate --from sqlite:PATH --to postgresql://...`
// moves an installation (every table, positions kept, one transaction, never into a non-empty
// database), `[store] postgres` in the configuration, operator commands on it, and two
// `peerapi serve` replicas sharing one database. Against a real PostgreSQL started by this
// process (tests/store/postgres_server.hpp).
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <boost/json.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "integration/cli_run.hpp"
#include "integration/server_process.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/postgres_server.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store_contract.hpp"
#include "support/test_support.hpp"
#include "util/clock.hpp"

namespace peerapi::testing {
namespace {

using model::SessionStatus;
constexpr std::int64_t kNow = 1'795'420'800'000;

class PostgresCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string reason = PostgresServer::unavailable_reason(); !reason.empty())
      GTEST_SKIP() << "PostgreSQL tests SKIPPED: " << reason;
    std::string why;
    server_ = PostgresServer::shared(&why);
    ASSERT_NE(server_, nullptr) << "cannot start PostgreSQL: " << why;
    ASSERT_TRUE(server_->create_database(database(), &why)) << why;
  }

  std::string database() const { return PostgresServer::database_for(dir_.path()); }
  std::string uri() const { return server_->uri(database()); }
  std::filesystem::path sqlite_file() const { return dir_.path() / "peerapi.db"; }

  std::unique_ptr<store::PostgresStore> open_target() {
    auto opened = store::PostgresStore::open(uri(), random_);
    EXPECT_TRUE(opened.has_value()) << opened.error().message;
    return opened ? std::move(*opened) : nullptr;
  }

  model::Uuid new_id() { return model::Uuid::v7_from(kNow, random_.bytes16()); }

  model::Session session(const model::Uuid& request_id, std::uint32_t host, SessionStatus status) {
    return model::Session{
        .session_id = new_id(),
        .request_id = request_id,
        .fields =
            model::SessionRequest{
                .local_asn = *model::Asn::from_number(64501),
                .local_ip = model::IpAddress::v4(0xC0000200u + host),
                .peer_asn = *model::Asn::from_number(64500),
                .peer_ip = *model::IpAddress::parse("192.0.2.10"),
                .session_secret = std::nullopt,
                .location = model::LocationId::ix(1),
            },
        .status = status,
    };
  }

  /// An installation that has used every table: requests with and without a client id,
  /// sessions with secrets, transitions, router records, outgoing sessions, a named secret, an
  /// IdP registration, a one-time value and a lease.
  void fill_sqlite() {
    auto opened = store::SqliteStore::open(sqlite_file(), random_);
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    store::Store& s = **opened;
    store::RequestDraft first{.request_id = new_id(),
                              .client_request_id = new_id(),
                              .subject = "noc@as64501.example",
                              .body_hash = "body-1",
                              .return_url = "https://as64501.example/callback",
                              .now_ms = kNow,
                              .candidates = {},
                              .creation_notes = {"policy accept", "policy review"},
                              .audit = {}};
    first.candidates = {session(first.request_id, 11, SessionStatus::approved),
                        session(first.request_id, 12, SessionStatus::pending),
                        session(first.request_id, 13, SessionStatus::approved)};
    first.candidates[0].fields.session_secret =
        *model::SessionSecret::parse("md5-key-1", "session_secret");
    client_request_ = first;
    ASSERT_TRUE(s.create_request(first, store::test::describe_duplicates()).has_value());
    store::RequestDraft second = first;
    second.request_id = new_id();
    second.client_request_id = std::nullopt;
    second.body_hash = "body-2";
    second.return_url = std::nullopt;
    second.creation_notes.clear();
    second.candidates = {session(second.request_id, 21, SessionStatus::approved)};
    ASSERT_TRUE(s.create_request(second, store::test::describe_duplicates()).has_value());

    const SessionStatus pending[] = {SessionStatus::pending};
    ASSERT_TRUE(s.transition(first.candidates[1].session_id, pending, SessionStatus::approved,
                             "operator:alice", "looks fine", kNow + 1)
                    ->has_value());
    const std::vector<store::TransitionRequest> configure{
        {.session_id = first.candidates[0].session_id,
         .from = SessionStatus::approved,
         .to = SessionStatus::configured,
         .note = "applied"}};
    ASSERT_TRUE(s.transition_all(configure, "peerapi:lifecycle", kNow + 2).has_value());
    const store::RouterRecord record{.session_id = first.candidates[0].session_id,
                                     .on_router = true,
                                     .configured_at_ms = kNow + 2,
                                     .established_at_ms = std::nullopt,
                                     .down_at_ms = std::nullopt,
                                     .flaps = 1,
                                     .bgp_state = "active",
                                     .last_error = "",
                                     .prefixes_received = 5,
                                     .prefixes_accepted = std::nullopt,
                                     .observed_at_ms = kNow + 3};
    ASSERT_TRUE(s.save_router_records(std::span(&record, 1)).has_value());
    const model::Uuid peer_request = new_id();
    ASSERT_TRUE(s.save_outgoing({.request_id = peer_request,
                                 .peer_url = "https://peer.example/api",
                                 .sessions = {session(peer_request, 31, SessionStatus::approved),
                                              session(peer_request, 32, SessionStatus::approved)},
                                 .now_ms = kNow})
                    .has_value());
    pagination_key_ = *s.named_secret("pagination-token-key", 32);
    store::IdpRegistration idp;
    idp.issuer = "https://idp.example/";
    idp.client_id = "client-1";
    idp.client_secret = "idp-secret";
    idp.client_secret_expires_at = 1'900'000'000;
    idp.asns = {*model::Asn::from_number(64501)};
    idp.jwks_uri = "https://idp.example/jwks";
    idp.created_at_ms = kNow;
    ASSERT_TRUE(s.save_idp_registration(idp).has_value());
    ASSERT_TRUE(*s.remember_once("dpop:jti-1", kNow + 3'600'000, kNow));
    ASSERT_TRUE(*s.claim_lease("router-a", "host-1", kNow, kNow + 3'600'000));
  }

  CliRun migrate() {
    return run_peerapi("migrate --from sqlite:" + sqlite_file().string() + " --to " + uri());
  }

  PostgresServer* server_ = nullptr;
  TempDir dir_;
  util::SecureRandom random_;
  store::RequestDraft client_request_{.request_id = new_id(),
                                      .client_request_id = std::nullopt,
                                      .subject = "",
                                      .body_hash = "",
                                      .return_url = std::nullopt,
                                      .now_ms = 0,
                                      .candidates = {},
                                      .creation_notes = {},
                                      .audit = {}};
  std::string pagination_key_;
};

std::vector<model::Session> all_sessions(store::Store& s, std::vector<std::int64_t>* cursors) {
  std::vector<model::Session> out;
  std::optional<std::int64_t> after;
  for (int guard = 0; guard < 100; ++guard) {
    auto page = s.list_sessions(*model::Asn::from_number(64501), std::nullopt, after, 2);
    EXPECT_TRUE(page.has_value());
    if (!page)
      break;
    for (auto& session : page->sessions)
      out.push_back(std::move(session));
    if (!page->next_after)
      break;
    after = page->next_after;
    if (cursors != nullptr)
      cursors->push_back(*after);
  }
  return out;
}

TEST_F(PostgresCli, MigrateCopiesEveryTableAndTheCopyBehavesLikeTheOriginal) {
  fill_sqlite();
  const CliRun run = migrate();
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("verified"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("sessions           6"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find(server_->password()), std::string::npos) << "password printed";
  EXPECT_EQ(run.err, "");

  auto source = store::SqliteStore::open(sqlite_file(), random_);
  ASSERT_TRUE(source.has_value());
  auto target = open_target();
  ASSERT_NE(target, nullptr);

  // Sessions (secrets included), in the same positions: a cursor of the old store is valid.
  std::vector<std::int64_t> source_cursors;
  std::vector<std::int64_t> target_cursors;
  const auto before = all_sessions(**source, &source_cursors);
  const auto after = all_sessions(*target, &target_cursors);
  ASSERT_EQ(before.size(), 6u);
  ASSERT_EQ(after.size(), before.size());
  EXPECT_EQ(target_cursors, source_cursors);
  for (std::size_t i = 0; i < before.size(); ++i) {
    SCOPED_TRACE(i);
    store::test::expect_same_session(after[i], before[i]);
    auto old_history = (*source)->history(before[i].session_id);
    auto new_history = target->history(after[i].session_id);
    ASSERT_TRUE(old_history.has_value() && new_history.has_value());
    ASSERT_EQ(new_history->size(), old_history->size());
    for (std::size_t j = 0; j < old_history->size(); ++j) {
      EXPECT_EQ((*new_history)[j].at_ms, (*old_history)[j].at_ms);
      EXPECT_EQ((*new_history)[j].from, (*old_history)[j].from);
      EXPECT_EQ((*new_history)[j].to, (*old_history)[j].to);
      EXPECT_EQ((*new_history)[j].actor, (*old_history)[j].actor);
      EXPECT_EQ((*new_history)[j].note, (*old_history)[j].note);
    }
  }

  // Router bookkeeping, initiator side included.
  auto old_router = (*source)->router_sessions();
  auto new_router = target->router_sessions();
  ASSERT_TRUE(old_router.has_value() && new_router.has_value());
  ASSERT_EQ(new_router->size(), old_router->size());
  for (std::size_t i = 0; i < old_router->size(); ++i) {
    EXPECT_EQ((*new_router)[i].session.session_id, (*old_router)[i].session.session_id);
    EXPECT_EQ((*new_router)[i].side, (*old_router)[i].side);
    EXPECT_EQ((*new_router)[i].record, (*old_router)[i].record);
  }

  // The pagination key, IdP registrations, spent one-time values and held leases carry over.
  EXPECT_EQ(*target->named_secret("pagination-token-key", 32), pagination_key_);
  auto idps = target->idp_registrations();
  ASSERT_TRUE(idps.has_value());
  ASSERT_EQ(idps->size(), 1u);
  EXPECT_EQ((*idps)[0].client_secret, "idp-secret");
  EXPECT_EQ((*idps)[0].asns, (*(*source)->idp_registrations())[0].asns);
  EXPECT_FALSE(*target->remember_once("dpop:jti-1", kNow + 3'600'000, kNow + 10)) << "replay";
  EXPECT_FALSE(*target->claim_lease("router-a", "host-2", kNow + 10, kNow + 20));
  EXPECT_TRUE(*target->claim_lease("router-a", "host-1", kNow + 10, kNow + 20));

  // A client's retry after the move replays the stored answer; new sessions go after the old.
  auto replay = target->create_request(client_request_, store::test::describe_duplicates());
  ASSERT_TRUE(replay.has_value());
  EXPECT_EQ(replay->kind, store::CreateOutcome::Kind::replayed);
  store::RequestDraft fresh = client_request_;
  fresh.request_id = new_id();
  fresh.client_request_id = new_id();
  fresh.candidates = {session(fresh.request_id, 41, SessionStatus::approved)};
  ASSERT_TRUE(target->create_request(fresh, store::test::describe_duplicates()).has_value());
  const auto grown = all_sessions(*target, nullptr);
  ASSERT_EQ(grown.size(), 7u);
  EXPECT_EQ(grown.back().session_id, fresh.candidates[0].session_id);
}

TEST_F(PostgresCli, MigrateRefusesANonEmptyTargetAndWritesNothing) {
  fill_sqlite();
  {
    // One lease is enough to make a database someone else's.
    auto target = open_target();
    ASSERT_NE(target, nullptr);
    ASSERT_TRUE(*target->claim_lease("router-z", "elsewhere", kNow, kNow + 1));
  }
  const CliRun refused = migrate();
  EXPECT_EQ(refused.status, 1) << refused.out;
  EXPECT_NE(refused.err.find("not empty"), std::string::npos) << refused.err;
  EXPECT_EQ(refused.err.find(server_->password()), std::string::npos) << refused.err;
  auto target = open_target();
  ASSERT_NE(target, nullptr);
  auto counts = target->counts();
  ASSERT_TRUE(counts.has_value());
  EXPECT_EQ(*counts, (store::StoreCounts{.requests = 0,
                                         .sessions = 0,
                                         .history = 0,
                                         .router_records = 0,
                                         .outgoing = 0,
                                         .named_secrets = 0,
                                         .idp_registrations = 0,
                                         .one_time_values = 0,
                                         .leases = 1}));
}

TEST_F(PostgresCli, MigrateTwiceCopiesOnce) {
  fill_sqlite();
  ASSERT_EQ(migrate().status, 0);
  auto target = open_target();
  ASSERT_NE(target, nullptr);
  const auto copied = target->counts();
  ASSERT_TRUE(copied.has_value());
  const CliRun again = migrate();
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.err.find("not empty"), std::string::npos) << again.err;
  EXPECT_EQ(*target->counts(), *copied);
}

TEST_F(PostgresCli, MigrateRefusesACorruptSourceRowAndWritesNothing) {
  fill_sqlite();
  {
    auto opened = store::SqliteStore::open(sqlite_file(), random_);
    ASSERT_TRUE(opened.has_value());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(sqlite_file().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE sessions SET status = 'zombie' WHERE seq = 2", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  const CliRun refused = migrate();
  EXPECT_EQ(refused.status, 1);
  EXPECT_NE(refused.err.find("corrupt row in sessions"), std::string::npos) << refused.err;
  auto target = open_target();
  ASSERT_NE(target, nullptr);
  EXPECT_EQ(*target->counts(), store::StoreCounts{});
}

TEST_F(PostgresCli, MigrateUsageErrors) {
  fill_sqlite();
  const std::string db = sqlite_file().string();
  const std::string wrong_password = "postgresql://peerapi:" + server_->password() +
                                     "x@127.0.0.1:" + std::to_string(server_->port()) + "/" +
                                     database();
  struct Row {
    std::string args;
    int status;
    const char* says;
  };
  const Row rows[] = {
      {"--from " + db + " --to " + uri(), 2, "--from: must be sqlite:PATH"},
      {"--from sqlite: --to " + uri(), 2, "--from: must be sqlite:PATH"},
      {"--from sqlite:" + db + " --to mysql://u@h/d", 2, "--to: must be a postgresql:// URI"},
      {"--from sqlite:" + dir_.path().string() + "/none.db --to " + uri(), 2, "no such file"},
      {"--from sqlite:" + db, 2, "--to is required"},
      {"--from sqlite:" + db + " --to " + wrong_password, 1, "password authentication failed"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.args);
    const CliRun run = run_peerapi("migrate " + row.args);
    EXPECT_EQ(run.status, row.status) << run.err;
    EXPECT_NE(run.err.find(row.says), std::string::npos) << run.err;
    EXPECT_EQ(run.err.find(server_->password()), std::string::npos) << run.err;
  }
  auto target = open_target();
  ASSERT_NE(target, nullptr);
  EXPECT_EQ(*target->counts(), store::StoreCounts{});
}

/// A configuration for the example PeeringDB data whose [store] is `store_lines`.
std::string config_with_store(const std::filesystem::path& dir, const std::string& store_lines) {
  std::string text = process_config(dir);
  const std::size_t begin = text.find("[store]\n");
  const std::size_t end = text.find("[peeringdb]");
  return text.substr(0, begin) + "[store]\n" + store_lines + text.substr(end);
}

TEST_F(PostgresCli, CheckConfigTakesExactlyOneBackendAndNeverEchoesTheUri) {
  const std::string secret_uri = "mysql://peerapi:" + server_->password() + "@db.example/x";
  struct Row {
    std::string store_lines;
    int status;
    const char* says;
  };
  const Row rows[] = {
      {"postgres = \"" + uri() + "\"\n", 0, "OK"},
      {"sqlite = \"" + sqlite_file().string() + "\"\npostgres = \"" + uri() + "\"\n", 2,
       "store: set exactly one of sqlite"},
      {"", 2, "store: set exactly one of sqlite"},
      {"postgres = \"" + secret_uri + "\"\n", 2, "store.postgres: must be a URI such as"},
      {"postgres = \"" + uri() + "\"\nsynchronous = \"normal\"\n", 2,
       "store.synchronous: applies to sqlite only"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.store_lines);
    const auto file = dir_.path() / "check.toml";
    write_file(file, config_with_store(dir_.path(), row.store_lines));
    const CliRun run = run_peerapi("check-config --config " + file.string());
    EXPECT_EQ(run.status, row.status) << run.err;
    EXPECT_NE((run.out + run.err).find(row.says), std::string::npos) << run.out << run.err;
    EXPECT_EQ((run.out + run.err).find(server_->password()), std::string::npos);
  }
}

TEST_F(PostgresCli, OperatorCommandsWorkOnPostgres) {
  fill_sqlite();
  ASSERT_EQ(migrate().status, 0);
  auto target = open_target();
  ASSERT_NE(target, nullptr);
  store::RequestDraft held = client_request_;
  held.request_id = new_id();
  held.client_request_id = std::nullopt;
  held.candidates = {session(held.request_id, 51, SessionStatus::pending)};
  ASSERT_TRUE(target->create_request(held, store::test::describe_duplicates()).has_value());
  const std::string id = held.candidates[0].session_id.to_string();

  const auto file = dir_.path() / "pg.toml";
  write_file(file, config_with_store(dir_.path(), "postgres = \"" + uri() + "\"\n"));
  const CliRun pending = run_peerapi("admin --config " + file.string() + " pending");
  ASSERT_EQ(pending.status, 0) << pending.err;
  EXPECT_NE(pending.out.find(id), std::string::npos) << pending.out;
  const CliRun approved =
      run_peerapi("admin --config " + file.string() + " approve " + id + " --by bob");
  ASSERT_EQ(approved.status, 0) << approved.err;
  EXPECT_EQ((**target->get_session(held.candidates[0].session_id)).status, SessionStatus::approved);
  EXPECT_EQ(target->history(held.candidates[0].session_id)->back().actor, "operator:bob");
}

namespace json = boost::json;

TEST_F(PostgresCli, TwoServeReplicasShareRequestsAndPaginationTokens) {
  const std::string store_lines = "postgres = \"" + uri() + "\"\n";
  TempDir dir_a;
  TempDir dir_b;
  ServerProcess a(dir_a.path(), config_with_store(dir_a.path(), store_lines));
  ServerProcess b(dir_b.path(), config_with_store(dir_b.path(), store_lines));
  ASSERT_TRUE(a.wait_ready()) << a.log();
  ASSERT_TRUE(b.wait_ready()) << b.log();

  const std::string body =
      R"({"request_id":"0190d1c4-9b7e-7c2e-8d5e-3c1f2a4b5c6d","sessions":[)"
      R"({"local_asn":64501,"local_ip":"192.0.2.11","peer_asn":64500,"peer_ip":"192.0.2.10","location":"pdb:ix:1"},)"
      R"({"local_asn":64501,"local_ip":"2001:db8:ffff::11","peer_asn":64500,"peer_ip":"2001:db8:ffff::10","location":"pdb:ix:1"}]})";
  const HttpResult created = http_call(a.port(), "POST", "/sessions", body);
  ASSERT_EQ(created.status, 200) << created.body;
  // The client retries on the other replica: the same answer, nothing new.
  const HttpResult replayed = http_call(b.port(), "POST", "/sessions", body);
  ASSERT_EQ(replayed.status, 200) << replayed.body;
  EXPECT_EQ(replayed.body, created.body);

  // A page token from one replica is valid on the other (one pagination key in the database).
  const HttpResult first = http_call(a.port(), "GET", "/sessions?asn=64501&max_results=1");
  ASSERT_EQ(first.status, 200) << first.body;
  const json::object page = json::parse(first.body).as_object();
  ASSERT_TRUE(page.contains("next_token")) << first.body;
  const std::string token(page.at("next_token").as_string());
  const HttpResult second =
      http_call(b.port(), "GET", "/sessions?asn=64501&max_results=1&next_token=" + token);
  ASSERT_EQ(second.status, 200) << second.body;
  const json::object rest = json::parse(second.body).as_object();
  ASSERT_EQ(rest.at("sessions").as_array().size(), 1u);
  EXPECT_NE(rest.at("sessions").as_array()[0].at("session_id"),
            page.at("sessions").as_array()[0].at("session_id"));
  EXPECT_FALSE(rest.contains("next_token"));

  EXPECT_EQ(a.log().find(server_->password()), std::string::npos) << "password in a log";
  EXPECT_EQ(b.log().find(server_->password()), std::string::npos) << "password in a log";
}

}  // namespace
}  // namespace peerapi::testing
