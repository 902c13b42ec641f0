// `peerapi audit` as an operator runs it on a server's store: bad options are refused with a
// message naming the option, filters and both output forms work, and `peerapi admin` decisions
// are recorded.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "integration/cli_run.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "support/test_support.hpp"
#include "util/clock.hpp"

namespace peerapi::testing {
namespace {

namespace json = boost::json;

class AuditCli : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = (dir_.path() / "peerapi.toml").string();
    std::ofstream(config_) << cli_config(dir_.path());
    auto store = store::SqliteStore::open(dir_.path() / "peerapi.db", random_);
    ASSERT_TRUE(store.has_value()) << store.error().message;
    store_ = std::move(*store);
  }

  std::int64_t append(std::int64_t at_ms, std::uint32_t asn, std::string decision,
                      std::vector<std::string> reasons = {}) {
    store::AuditEntry entry;
    entry.at_ms = at_ms;
    entry.source_address = "198.51.100.7";
    entry.subject = "noc@as" + std::to_string(asn) + ".example";
    entry.issuer = "static";
    entry.asns = {*model::Asn::from_number(asn)};
    entry.action = "create_sessions";
    entry.request_id = "0190a5c4-0000-7000-8000-00000000000" + std::to_string(asn % 10);
    entry.status = decision == "accepted" ? 200 : 422;
    entry.decision = std::move(decision);
    entry.reasons = std::move(reasons);
    auto id = store_->append_audit(entry);
    EXPECT_TRUE(id.has_value()) << id.error().message;
    return id.value_or(0);
  }

  CliRun audit(const std::string& options) {
    return run_peerapi("audit --config " + config_ + " " + options);
  }

  TempDir dir_;
  util::SecureRandom random_;
  util::SystemClock clock_;
  std::string config_;
  std::unique_ptr<store::SqliteStore> store_;
};

TEST_F(AuditCli, BadOptionsAreRefusedNamingTheOption) {
  struct Row {
    std::string options;
    std::string named;
  };
  const Row rows[] = {
      {"--since yesterday", "--since"}, {"--since 24x", "--since"},
      {"--since=-5m", "--since"},       {"--since 2026-11-31T00:00:00Z", "--since"},
      {"--until h", "--until"},         {"--since 1h --until 2h", "--until"},
      {"--asn AS-1", "--asn"},          {"--asn 4294967296", "--asn"},
      {"--limit 0", "--limit"},         {"--limit 10001", "--limit"},
      {"--limit ten", "--limit"},       {"--after-id=-3", "--after-id"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.options);
    const CliRun run = audit(row.options);
    EXPECT_EQ(run.status, 2) << run.err;
    EXPECT_NE(run.err.find("peerapi audit: " + row.named + ": "), std::string::npos) << run.err;
    EXPECT_TRUE(run.out.empty()) << run.out;
  }
}

TEST_F(AuditCli, TextTableFiltersAndJsonLines) {
  const std::int64_t now = clock_.now_ms();
  const std::int64_t old_id = append(now - 3 * 3'600'000, 64501, "accepted");
  const std::int64_t mid_id =
      append(now - 30 * 60'000, 64502, "rejected", {"sessions[0].local_ip:ip_not_at_location"});
  const std::int64_t new_id = append(now - 60'000, 64501, "accepted");

  const CliRun all = audit("");
  ASSERT_EQ(all.status, 0) << all.err;
  const std::vector<std::string> lines = all.lines();
  ASSERT_EQ(lines.size(), 3u) << all.out;
  EXPECT_NE(lines[1].find("198.51.100.7"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("noc@as64502.example"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("AS64502"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("create_sessions"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find(" 422 "), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("rejected"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("sessions[0].local_ip:ip_not_at_location"), std::string::npos);
  // Aligned: the action column starts at the same offset on every line.
  EXPECT_EQ(lines[0].find("create_sessions"), lines[1].find("create_sessions"));
  EXPECT_EQ(lines[1].find("create_sessions"), lines[2].find("create_sessions"));
  EXPECT_NE(all.err.find("3 entries"), std::string::npos) << all.err;

  struct Row {
    std::string options;
    std::vector<std::int64_t> ids;
  };
  const Row rows[] = {
      {"--asn AS64501", {old_id, new_id}},
      {"--asn 64502", {mid_id}},
      {"--since 1h", {mid_id, new_id}},
      {"--until 10m", {old_id, mid_id}},
      {"--since 90m --until 10m", {mid_id}},
      {"--since " + util::format_rfc3339(now - 2 * 60'000), {new_id}},
      {"--limit 2", {mid_id, new_id}},  // the newest
      {"--after-id " + std::to_string(old_id) + " --limit 1", {mid_id}},
      {"--after-id 0 --limit 2", {old_id, mid_id}},  // from the first entry, oldest first
      {"--asn 64999", {}},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.options);
    const CliRun run = audit(row.options + " --json");
    ASSERT_EQ(run.status, 0) << run.err;
    std::vector<std::int64_t> ids;
    for (const std::string& line : run.lines()) {
      boost::system::error_code ec;
      const json::value doc = json::parse(line, ec);
      ASSERT_FALSE(ec) << line;
      ids.push_back(doc.at("id").as_int64());
    }
    EXPECT_EQ(ids, row.ids) << run.out;
  }

  const CliRun one = audit("--asn 64502 --json");
  ASSERT_EQ(one.status, 0) << one.err;
  const json::object doc = json::parse(one.out).as_object();
  EXPECT_EQ(doc.at("subject").as_string(), "noc@as64502.example");
  EXPECT_EQ(doc.at("asns").as_array().at(0).as_int64(), 64502);
  EXPECT_EQ(doc.at("status").as_int64(), 422);
  EXPECT_EQ(doc.at("decision").as_string(), "rejected");
  EXPECT_EQ(doc.at("reasons").as_array().at(0).as_string(),
            "sessions[0].local_ip:ip_not_at_location");
  EXPECT_EQ(doc.at("at").as_string(), util::format_rfc3339(now - 30 * 60'000));
}

TEST_F(AuditCli, AdminDecisionsAreRecorded) {
  const std::int64_t now = clock_.now_ms();
  const model::Uuid request_id = model::Uuid::v7_from(now, random_.bytes16());
  const model::Uuid session_id = model::Uuid::v7_from(now, random_.bytes16());
  store::RequestDraft draft{.request_id = request_id,
                            .client_request_id = std::nullopt,
                            .subject = "noc@as64502.example",
                            .body_hash = "hash",
                            .return_url = std::nullopt,
                            .now_ms = now,
                            .candidates = {},
                            .creation_notes = {},
                            .audit = {}};
  draft.candidates.push_back(model::Session{
      .session_id = session_id,
      .request_id = request_id,
      .fields = model::SessionRequest{.local_asn = *model::Asn::from_number(64502),
                                      .local_ip = *model::IpAddress::parse("192.0.2.21"),
                                      .peer_asn = *model::Asn::from_number(64500),
                                      .peer_ip = *model::IpAddress::parse("192.0.2.10"),
                                      .session_secret = std::nullopt,
                                      .location = model::LocationId::ix(1)},
      .status = model::SessionStatus::pending,
      .created_at_ms = now,
      .updated_at_ms = now});
  ASSERT_TRUE(store_
                  ->create_request(draft,
                                   [](const store::CandidateChecks&) {
                                     return store::StoredAnswer{200, "{}"};
                                   })
                  .has_value());
  const std::string id = session_id.to_string();
  const CliRun approve = run_peerapi("admin --config " + config_ + " approve " + id);
  ASSERT_EQ(approve.status, 0) << approve.err;
  const CliRun again = run_peerapi("admin --config " + config_ + " reject " + id + " --reason x");
  EXPECT_EQ(again.status, 1) << again.err;

  const CliRun run = audit("--json");
  ASSERT_EQ(run.status, 0) << run.err;
  const std::vector<std::string> lines = run.lines();
  ASSERT_EQ(lines.size(), 2u) << run.out;
  const json::object approved = json::parse(lines[0]).as_object();
  EXPECT_EQ(approved.at("action").as_string(), "admin_approve");
  EXPECT_EQ(approved.at("source_address").as_string(), "cli");
  EXPECT_TRUE(approved.at("subject").as_string().starts_with("admin:"));
  EXPECT_EQ(approved.at("session_ids").as_array().at(0).as_string(), id);
  EXPECT_EQ(approved.at("status").as_int64(), 0);
  EXPECT_EQ(approved.at("decision").as_string(), "approved");
  const json::object refused = json::parse(lines[1]).as_object();
  EXPECT_EQ(refused.at("action").as_string(), "admin_reject");
  EXPECT_EQ(refused.at("decision").as_string(), "refused");
  EXPECT_EQ(refused.at("reasons").as_array().at(0).as_string(), "session_id:not_pending");
}

}  // namespace
}  // namespace peerapi::testing
