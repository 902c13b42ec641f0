// `peerapi admin pending | approve | reject` against a server's store: the queue lists what is
// held, each decision is recorded with who made it, and of two operators approving the same
// session at the same moment exactly one wins.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include "integration/cli_run.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "support/test_support.hpp"
#include "util/clock.hpp"

namespace peerapi::testing {
namespace {

model::Session pending_session(const model::Uuid& request_id, model::Uuid id, std::uint32_t host) {
  model::SessionRequest fields{
      .local_asn = *model::Asn::from_number(64502),
      .local_ip = *model::IpAddress::parse("192.0.2." + std::to_string(host)),
      .peer_asn = *model::Asn::from_number(64500),
      .peer_ip = *model::IpAddress::parse("192.0.2.10"),
      .local_bgp_role = model::BgpRole::peer,
      .peer_bgp_role = model::BgpRole::peer,
      .local_insert_asn = true,
      .peer_insert_asn = true,
      .local_monitoring_session = false,
      .peer_monitoring_session = false,
      .peer_type = model::LocationType::public_peering,
      .session_secret = std::nullopt,
      .location = model::LocationId::ix(1)};
  return model::Session{.session_id = id,
                        .request_id = request_id,
                        .fields = fields,
                        .status = model::SessionStatus::pending,
                        .created_at_ms = 1'795'420'800'000,
                        .updated_at_ms = 1'795'420'800'000};
}

class AdminCli : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = (dir_.path() / "peerapi.toml").string();
    std::ofstream(config_) << cli_config(dir_.path());
    auto store = store::SqliteStore::open(dir_.path() / "peerapi.db", random_);
    ASSERT_TRUE(store.has_value()) << store.error().message;
    store_ = std::move(*store);
    store::RequestDraft draft{.request_id = new_id(),
                              .client_request_id = std::nullopt,
                              .subject = "noc@as64502.example",
                              .body_hash = "hash",
                              .return_url = std::nullopt,
                              .now_ms = 1'795'420'800'000,
                              .candidates = {},
                              .creation_notes = {},
                              .audit = {}};
    for (std::uint32_t host = 21; host <= 23; ++host) {
      draft.candidates.push_back(pending_session(draft.request_id, new_id(), host));
      draft.creation_notes.push_back("policy review; peering_policy: Selective");
      ids_.push_back(draft.candidates.back().session_id.to_string());
    }
    auto created = store_->create_request(draft, [](const store::CandidateChecks&) {
      return store::StoredAnswer{200, "{}"};
    });
    ASSERT_TRUE(created.has_value()) << created.error().message;
  }

  model::Uuid new_id() { return model::Uuid::v7_from(1'795'420'800'000, random_.bytes16()); }

  model::SessionStatus status_of(const std::string& id) {
    auto session = store_->get_session(*model::Uuid::parse(id));
    EXPECT_TRUE(session.has_value() && session->has_value());
    return (*session)->status;
  }

  TempDir dir_;
  util::SecureRandom random_;
  std::string config_;
  std::unique_ptr<store::SqliteStore> store_;
  std::vector<std::string> ids_;
};

TEST_F(AdminCli, PendingListsTheQueueWithTheHoldReason) {
  const CliRun run = run_peerapi("admin --config " + config_ + " pending");
  ASSERT_EQ(run.status, 0) << run.err;
  for (const std::string& id : ids_)
    EXPECT_NE(run.out.find(id), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("peering_policy"), std::string::npos) << run.out;
  EXPECT_NE(run.err.find("3 session(s) pending"), std::string::npos) << run.err;
}

TEST_F(AdminCli, ApproveAndRejectAreRecordedWithWhoDidIt) {
  const CliRun approve =
      run_peerapi("admin --config " + config_ + " approve " + ids_[0] + " --by alice --note ok");
  ASSERT_EQ(approve.status, 0) << approve.err;
  EXPECT_EQ(status_of(ids_[0]), model::SessionStatus::approved);
  auto history = store_->history(*model::Uuid::parse(ids_[0]));
  ASSERT_TRUE(history.has_value());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ(history->back().actor, "operator:alice");
  EXPECT_EQ(history->back().note, "ok");

  const CliRun reject = run_peerapi("admin --config " + config_ + " reject " + ids_[1] +
                                    " --by bob --reason no-common-ix-policy");
  ASSERT_EQ(reject.status, 0) << reject.err;
  EXPECT_EQ(status_of(ids_[1]), model::SessionStatus::rejected);
  history = store_->history(*model::Uuid::parse(ids_[1]));
  ASSERT_TRUE(history.has_value());
  EXPECT_EQ(history->back().actor, "operator:bob");
  EXPECT_EQ(history->back().note, "no-common-ix-policy");

  const CliRun again = run_peerapi("admin --config " + config_ + " approve " + ids_[1]);
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.err.find("not pending (it is rejected)"), std::string::npos) << again.err;
  EXPECT_EQ(status_of(ids_[1]), model::SessionStatus::rejected) << "a decision is final";

  const CliRun queue = run_peerapi("admin --config " + config_ + " pending");
  EXPECT_EQ(queue.out.find(ids_[0]), std::string::npos);
  EXPECT_NE(queue.out.find(ids_[2]), std::string::npos);
}

TEST_F(AdminCli, BadInputIsRefusedWithoutChanges) {
  EXPECT_EQ(run_peerapi("admin --config " + config_ + " approve not-a-uuid").status, 2);
  EXPECT_EQ(run_peerapi("admin --config " + config_ + " reject " + ids_[0]).status, 2)
      << "--reason is required";
  const CliRun unknown =
      run_peerapi("admin --config " + config_ + " approve 01890000-0000-7000-8000-000000000000");
  EXPECT_EQ(unknown.status, 1);
  EXPECT_NE(unknown.err.find("no such session"), std::string::npos) << unknown.err;
  for (const std::string& id : ids_)
    EXPECT_EQ(status_of(id), model::SessionStatus::pending);
}

TEST_F(AdminCli, ConcurrentApprovalsOfOneSessionHaveExactlyOneWinner) {
  for (int round = 0; round < 3; ++round) {
    const std::string& id = ids_[static_cast<std::size_t>(round)];
    auto first = std::async(std::launch::async, [&] {
      return run_peerapi("admin --config " + config_ + " approve " + id + " --by alice");
    });
    auto second = std::async(std::launch::async, [&] {
      return run_peerapi("admin --config " + config_ + " reject " + id + " --by bob --reason x");
    });
    const CliRun a = first.get();
    const CliRun b = second.get();
    EXPECT_EQ((a.status == 0) + (b.status == 0), 1)
        << "alice: " << a.status << " " << a.err << "bob: " << b.status << " " << b.err;
    auto history = store_->history(*model::Uuid::parse(id));
    ASSERT_TRUE(history.has_value());
    EXPECT_EQ(history->size(), 2u) << "one creation entry and one decision";
    const model::SessionStatus final_status = status_of(id);
    EXPECT_EQ(final_status,
              a.status == 0 ? model::SessionStatus::approved : model::SessionStatus::rejected);
  }
}

}  // namespace
}  // namespace peerapi::testing
