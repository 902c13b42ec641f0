// SqliteStore: the Store contract suite, plus what only the SQLite backend promises (file
// mode, migrations, WAL, corrupt rows, options).
#include "store/sqlite/sqlite_store.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include <latch>
#include <stdexcept>
#include <thread>

#include "store/store_contract.hpp"

namespace peerapi::store::test {
namespace {

constexpr const char* kDatabaseName = "peerapi.db";

StoreBackend sqlite_backend() {
  // The lambda owns the random source, so it lives as long as the test parameter.
  auto random = std::make_shared<util::SecureRandom>();
  return StoreBackend{
      .name = "Sqlite",
      .open = [random](const std::filesystem::path& dir) -> std::unique_ptr<Store> {
        auto opened = SqliteStore::open(dir / kDatabaseName, *random);
        if (!opened) {
          ADD_FAILURE() << "SqliteStore::open: " << opened.error().message;
          return nullptr;
        }
        return std::move(*opened);
      },
  };
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest, ::testing::Values(sqlite_backend()),
                         backend_name);

/// Direct SQL access for checks and for damaging the file on purpose.
class RawDatabase {
 public:
  explicit RawDatabase(const std::filesystem::path& file) {
    EXPECT_EQ(sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawDatabase() { sqlite3_close_v2(db_); }
  RawDatabase(const RawDatabase&) = delete;
  RawDatabase& operator=(const RawDatabase&) = delete;

  void exec(const std::string& sql) {
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << (error ? error : "") << " in " << sql;
    sqlite3_free(error);
  }
  std::vector<std::vector<std::string>> rows(const std::string& sql) {
    std::vector<std::vector<std::string>> out;
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db_);
    while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        const auto* text = sqlite3_column_text(stmt, i);
        row.emplace_back(text ? reinterpret_cast<const char*>(text) : "NULL");
      }
      out.push_back(std::move(row));
    }
    sqlite3_finalize(stmt);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::filesystem::path file() const { return dir_.path() / "nested" / "dir" / kDatabaseName; }
  Result<std::unique_ptr<SqliteStore>> open(SqliteOptions options = {}) {
    return SqliteStore::open(file(), random_, std::move(options));
  }
  model::Uuid new_uuid() { return model::Uuid::v4_from_bytes(random_.bytes16()); }

  RequestDraft one_session_draft() {
    RequestDraft d{.request_id = new_uuid(),
                   .client_request_id = std::nullopt,
                   .subject = "s",
                   .body_hash = "h",
                   .return_url = std::nullopt,
                   .now_ms = 1,
                   .candidates = {},
                   .creation_notes = {},
                   .audit = {}};
    d.candidates.push_back(model::Session{
        .session_id = new_uuid(),
        .request_id = d.request_id,
        .fields =
            model::SessionRequest{
                .local_asn = *model::Asn::from_number(64500),
                .local_ip = *model::IpAddress::parse("192.0.2.10"),
                .peer_asn = *model::Asn::from_number(64511),
                .peer_ip = *model::IpAddress::parse("192.0.2.1"),
                .session_secret = *model::SessionSecret::parse("k", "session_secret"),
                .location = model::LocationId::ix(1),
            },
        .status = model::SessionStatus::approved,
    });
    return d;
  }

  testing::TempDir dir_;
  util::SecureRandom random_;
};

mode_t permissions(const std::filesystem::path& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST_F(SqliteStoreTest, CreatesParentDirectoriesAndPrivateFiles) {
  const mode_t old_umask = umask(0);  // even a permissive umask must not widen the mode
  auto store = open();
  umask(old_umask);
  ASSERT_TRUE(store.has_value()) << store.error().message;
  ASSERT_TRUE((*store)->create_request(one_session_draft(), describe_duplicates()).has_value());
  EXPECT_EQ(permissions(file()), 0600);
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::filesystem::path side = file().string() + suffix;
    if (std::filesystem::exists(side)) {
      EXPECT_EQ(permissions(side), 0600) << side;
    }
  }
}

TEST_F(SqliteStoreTest, UsesWalAndDeclaresRequestSessionLinks) {
  auto store = open();
  ASSERT_TRUE(store.has_value()) << store.error().message;
  RawDatabase raw(file());
  EXPECT_EQ(raw.rows("PRAGMA journal_mode")[0][0], "wal");
  EXPECT_EQ(raw.rows("SELECT count(*) FROM pragma_foreign_key_list('sessions') "
                     "WHERE \"table\" = 'requests'")[0][0],
            "1");
}

TEST_F(SqliteStoreTest, MigrationsRunOnceAcrossReopens) {
  for (int round = 0; round < 3; ++round) {
    auto store = open();
    ASSERT_TRUE(store.has_value()) << store.error().message;
  }
  RawDatabase raw(file());
  auto versions = raw.rows("SELECT version, applied_at FROM schema_migrations ORDER BY version");
  ASSERT_EQ(versions.size(), static_cast<std::size_t>(SqliteStore::schema_version()));
  for (std::size_t i = 0; i < versions.size(); ++i) {
    EXPECT_EQ(versions[i][0], std::to_string(i + 1));
    EXPECT_GT(std::stoll(versions[i][1]), 1'600'000'000'000);  // Unix milliseconds
  }
}

TEST_F(SqliteStoreTest, ConcurrentOpenersApplyMigrationsOnce) {
  constexpr int kOpeners = 4;
  std::latch start(kOpeners);
  std::vector<std::thread> threads;
  std::vector<std::string> errors(kOpeners);
  for (int i = 0; i < kOpeners; ++i) {
    threads.emplace_back([&, i] {
      util::SecureRandom random;
      start.arrive_and_wait();
      auto store = SqliteStore::open(file(), random);
      if (!store)
        errors[static_cast<std::size_t>(i)] = store.error().message;
    });
  }
  for (auto& thread : threads)
    thread.join();
  for (const auto& error : errors)
    EXPECT_EQ(error, "");
  RawDatabase raw(file());
  EXPECT_EQ(raw.rows("SELECT count(*) FROM schema_migrations")[0][0],
            std::to_string(SqliteStore::schema_version()));
}

TEST_F(SqliteStoreTest, RefusesADatabaseFromANewerVersion) {
  ASSERT_TRUE(open().has_value());
  {
    RawDatabase raw(file());
    raw.exec("INSERT INTO schema_migrations (version, applied_at) VALUES (" +
             std::to_string(SqliteStore::schema_version() + 1) + ", 0)");
  }
  auto refused = open();
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::store_error);
  EXPECT_NE(refused.error().message.find("newer"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find(std::to_string(SqliteStore::schema_version() + 1)),
            std::string::npos);
}

TEST_F(SqliteStoreTest, RejectsAFileThatIsNotADatabase) {
  testing::write_file(file(), std::string(4096, 'x'));
  auto refused = open();
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::store_error);
  EXPECT_NE(refused.error().message.find("not a database"), std::string::npos)
      << refused.error().message;
}

TEST_F(SqliteStoreTest, RejectsBadOptions) {
  EXPECT_EQ(open({.synchronous = "sometimes"}).error().code, ErrorCode::config_invalid);
  EXPECT_EQ(open({.read_connections = 0}).error().code, ErrorCode::config_invalid);
  for (const char* mode : {"off", "normal", "FULL", "extra"})
    EXPECT_TRUE(open({.synchronous = mode}).has_value()) << mode;
}

TEST_F(SqliteStoreTest, CorruptRowsAreStoreErrorsNotCrashes) {
  auto store = open();
  ASSERT_TRUE(store.has_value());
  const std::vector<std::string> damage = {
      "local_ip = 'not-an-ip'", "peer_asn = 0",
      "local_bgp_role = 9",     "peer_insert_asn = 2",
      "peer_type = 'shared'",   "session_secret = 'has space'",
      "location = 'pdb:xx:1'",  "status = 'zombie'",
      "local_asn = 'text'",     "peer_monitoring_session = 'yes'",
      "created_at = 'soon'",    "request_id = 'r'",
  };
  for (const auto& assignment : damage) {
    RequestDraft d = one_session_draft();
    ASSERT_TRUE((*store)->create_request(d, describe_duplicates()).has_value()) << assignment;
    const std::string id = d.candidates[0].session_id.to_string();
    RawDatabase raw(file());
    raw.exec("UPDATE sessions SET " + assignment + " WHERE session_id = '" + id + "'");

    auto got = (*store)->get_session(d.candidates[0].session_id);
    ASSERT_FALSE(got.has_value()) << assignment;
    EXPECT_EQ(got.error().code, ErrorCode::store_error) << assignment;
    EXPECT_EQ(got.error().message.find("has space"), std::string::npos) << "secret leaked";
    auto listed =
        (*store)->list_sessions(*model::Asn::from_number(64500), std::nullopt, std::nullopt, 10);
    if (assignment.starts_with("local_asn")) {
      EXPECT_TRUE(listed.has_value());  // the row no longer has this ASN
    } else {
      ASSERT_FALSE(listed.has_value()) << assignment;
      EXPECT_EQ(listed.error().code, ErrorCode::store_error);
    }
    raw.exec("DELETE FROM session_history WHERE session_id = '" + id + "'");
    raw.exec("DELETE FROM sessions WHERE session_id = '" + id + "'");
  }
}

TEST_F(SqliteStoreTest, ThrowingAnswerBuilderStoresNothing) {
  auto store = open();
  ASSERT_TRUE(store.has_value());
  RequestDraft d = one_session_draft();
  auto outcome = (*store)->create_request(
      d, [](const CandidateChecks&) -> StoredAnswer { throw std::runtime_error("boom"); });
  ASSERT_FALSE(outcome.has_value());
  EXPECT_EQ(outcome.error().code, ErrorCode::internal);
  EXPECT_EQ(*(*store)->count_sessions(), 0);
  EXPECT_EQ((*store)->create_request(d, AnswerBuilder{}).error().code, ErrorCode::internal);
  EXPECT_TRUE((*store)->create_request(d, describe_duplicates()).has_value());
}

TEST_F(SqliteStoreTest, MoreReadersThanConnectionsWait) {
  auto store = open({.read_connections = 1});
  ASSERT_TRUE(store.has_value());
  RequestDraft d = one_session_draft();
  ASSERT_TRUE((*store)->create_request(d, describe_duplicates()).has_value());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        auto got = (*store)->get_session(d.candidates[0].session_id);
        if (!got || !got->has_value())
          ++failures;
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(SqliteStoreTest, SecretsAreStoredAsGivenAndIpsCanonically) {
  auto store = open();
  ASSERT_TRUE(store.has_value());
  RequestDraft d = one_session_draft();
  d.candidates[0].fields.local_ip = *model::IpAddress::parse("2001:DB8:0:0::A");
  d.candidates[0].fields.peer_ip = *model::IpAddress::parse("2001:db8::1");
  ASSERT_TRUE((*store)->create_request(d, describe_duplicates()).has_value());
  RawDatabase raw(file());
  auto row = raw.rows("SELECT local_ip, peer_ip, location, status FROM sessions")[0];
  EXPECT_EQ(row, (std::vector<std::string>{"2001:db8::a", "2001:db8::1", "pdb:ix:1", "approved"}));
}

}  // namespace
}  // namespace peerapi::store::test
