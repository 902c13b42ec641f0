// Three `peerapi serve` replicas on one PostgreSQL (issue 9): the same client request id sent
// to two replicas at once creates one request; concurrent operator approvals of one session
// through two replicas' configurations produce one winner; SIGKILL of one replica during a
// round-robin load loses no acknowledged request and the others keep serving. Against a real
// PostgreSQL started by this process (tests/store/postgres_server.hpp).
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <boost/json.hpp>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "integration/cli_run.hpp"
#include "integration/server_process.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/postgres_server.hpp"
#include "support/test_support.hpp"
#include "util/clock.hpp"

namespace peerapi::testing {
namespace {

namespace json = boost::json;

// The sessions AS64501 may ask for in the example PeeringDB data: one per writer thread.
const std::array<std::string, 4> kSlots = {
    R"({"local_asn":64501,"local_ip":"192.0.2.11","peer_asn":64500,"peer_ip":"192.0.2.10","location":"pdb:ix:1"})",
    R"({"local_asn":64501,"local_ip":"2001:db8:ffff::11","peer_asn":64500,"peer_ip":"2001:db8:ffff::10","location":"pdb:ix:1"})",
    R"({"local_asn":64501,"local_ip":"198.51.100.11","peer_asn":64500,"peer_ip":"198.51.100.10","location":"pdb:ix:2"})",
    R"({"local_asn":64501,"local_ip":"2001:db8:fffe::11","peer_asn":64500,"peer_ip":"2001:db8:fffe::10","location":"pdb:ix:2"})",
};

std::string client_id(int thread, int round) {
  char text[40];
  std::snprintf(text, sizeof text, "00000000-0000-4000-8%03d-%012d", thread, round);
  return text;
}

std::string post_body(const std::string& id, const std::string& sessions) {
  return R"({"request_id":")" + id + R"(","sessions":[)" + sessions + "]}";
}

std::vector<std::string> session_ids(const std::string& answer) {
  std::vector<std::string> ids;
  const json::value parsed = json::parse(answer);
  for (const auto& s : parsed.at("sessions").as_array())
    ids.emplace_back(s.at("session_id").as_string());
  return ids;
}

class Replicas : public ::testing::Test {
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

  /// Starts three replicas on the database; `extra` is appended to each configuration.
  void start_replicas(const std::string& extra = "") {
    for (std::size_t i = 0; i < dirs_.size(); ++i) {
      std::string text = process_config(dirs_[i].path());
      const std::size_t begin = text.find("[store]\n");
      const std::size_t end = text.find("[peeringdb]");
      text = text.substr(0, begin) + "[store]\npostgres = \"" + uri() + "\"\n" + text.substr(end) +
             extra;
      replicas_[i] = std::make_unique<ServerProcess>(dirs_[i].path(), text);
    }
    for (auto& replica : replicas_)
      ASSERT_TRUE(replica->wait_ready()) << replica->log();
  }

  std::string config_file(std::size_t i) const {
    return (dirs_[i].path() / "peerapi.toml").string();
  }

  std::unique_ptr<store::PostgresStore> open_store() {
    auto opened = store::PostgresStore::open(uri(), random_);
    EXPECT_TRUE(opened.has_value()) << opened.error().message;
    return opened ? std::move(*opened) : nullptr;
  }

  void expect_no_password_in_logs() {
    for (auto& replica : replicas_)
      EXPECT_EQ(replica->log().find(server_->password()), std::string::npos);
  }

  PostgresServer* server_ = nullptr;
  TempDir dir_;
  std::array<TempDir, 3> dirs_;
  std::array<std::unique_ptr<ServerProcess>, 3> replicas_;
  util::SecureRandom random_;
};

TEST_F(Replicas, SameRequestIdOnTwoReplicasAtOnceCreatesOneRequest) {
  start_replicas();
  for (int round = 0; round < 12; ++round) {
    SCOPED_TRACE(round);
    const std::string body = post_body(client_id(0, round), kSlots[0] + "," + kSlots[1]);
    const std::size_t first = static_cast<std::size_t>(round) % 3;
    const std::size_t second = (first + 1) % 3;
    std::atomic<int> ready{0};
    HttpResult answers[2];
    auto send = [&](int slot, std::size_t replica) {
      ready.fetch_add(1);
      while (ready.load() < 2) {
      }
      answers[slot] = http_call(replicas_[replica]->port(), "POST", "/sessions", body);
    };
    std::thread a(send, 0, first);
    std::thread b(send, 1, second);
    a.join();
    b.join();
    ASSERT_EQ(answers[0].status, 200) << answers[0].body;
    ASSERT_EQ(answers[1].status, 200) << answers[1].body;
    EXPECT_EQ(answers[0].body, answers[1].body) << "both replicas answer the one stored request";

    // Exactly the request's two sessions exist, whichever replica is asked.
    const std::string request_id(json::parse(answers[0].body).at("request_id").as_string());
    const std::vector<std::string> ids = session_ids(answers[0].body);
    ASSERT_EQ(ids.size(), 2u);
    for (auto& replica : replicas_) {
      const HttpResult listed =
          http_call(replica->port(), "GET", "/sessions?asn=64501&request_id=" + request_id);
      ASSERT_EQ(listed.status, 200) << listed.body;
      EXPECT_EQ(session_ids(listed.body), ids);
    }
    // Free the two sessions for the next round.
    for (const std::string& id : ids)
      ASSERT_EQ(http_call(replicas_[second]->port(), "DELETE", "/sessions/" + id).status, 204);
  }
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const auto counts = store->counts();
  ASSERT_TRUE(counts.has_value());
  EXPECT_EQ(counts->requests, 12) << "one request per client request id";
  EXPECT_EQ(counts->sessions, 24);
  expect_no_password_in_logs();
}

TEST_F(Replicas, ConcurrentApprovalsThroughTwoReplicasHaveOneWinner) {
  start_replicas("[approval]\nmode = \"manual\"\n");
  const HttpResult created = http_call(
      replicas_[0]->port(), "POST", "/sessions",
      post_body(client_id(1, 0), kSlots[0] + "," + kSlots[1] + "," + kSlots[2] + "," + kSlots[3]));
  ASSERT_EQ(created.status, 200) << created.body;
  const std::vector<std::string> ids = session_ids(created.body);
  ASSERT_EQ(ids.size(), 4u);
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  for (const std::string& text : ids) {
    SCOPED_TRACE(text);
    const model::Uuid id = *model::Uuid::parse(text, "session_id");
    ASSERT_EQ((**store->get_session(id)).status, model::SessionStatus::pending);
    CliRun runs[2];
    std::atomic<int> ready{0};
    auto approve = [&](int slot) {
      ready.fetch_add(1);
      while (ready.load() < 2) {
      }
      runs[slot] = run_peerapi("admin --config " + config_file(static_cast<std::size_t>(slot)) +
                               " approve " + text + " --by op" + std::to_string(slot));
    };
    std::thread a(approve, 0);
    std::thread b(approve, 1);
    a.join();
    b.join();
    const int winners = (runs[0].status == 0 ? 1 : 0) + (runs[1].status == 0 ? 1 : 0);
    EXPECT_EQ(winners, 1) << runs[0].err << runs[1].err;
    for (const CliRun& run : runs) {
      if (run.status != 0) {
        EXPECT_EQ(run.status, 1);
        EXPECT_NE(run.err.find("not pending (it is approved)"), std::string::npos) << run.err;
      }
    }
    auto history = store->history(id);
    ASSERT_TRUE(history.has_value());
    int approvals = 0;
    for (const store::HistoryEntry& entry : *history)
      approvals += entry.to == model::SessionStatus::approved ? 1 : 0;
    EXPECT_EQ(approvals, 1) << "history has one approval";
    // Every replica answers the decided state.
    for (auto& replica : replicas_) {
      const HttpResult got = http_call(replica->port(), "GET", "/sessions/" + text);
      ASSERT_EQ(got.status, 200) << got.body;
      EXPECT_EQ(json::parse(got.body).at("status").as_string(), "approved") << got.body;
    }
  }
  expect_no_password_in_logs();
}

TEST_F(Replicas, SigkillOfOneReplicaMidLoadLosesNoAcknowledgedRequest) {
  // Load as fast as the replicas take it: no rate limits.
  start_replicas("[limits]\nper_address_rate = 0\nper_asn_rate = 0\n");
  struct Acked {
    std::string body;
    std::string answer;
  };
  std::mutex mutex;
  std::vector<Acked> acked;
  std::atomic<bool> stop{false};
  std::atomic<bool> killed{false};
  std::atomic<int> after_kill{0};  // POSTs acknowledged by the survivors after the kill
  std::atomic<int> failures{0};    // answers other than the expected ones (no answer aside)
  std::string first_failure;
  const std::size_t victim = 1;
  std::array<int, 3> ports{};
  for (std::size_t i = 0; i < 3; ++i)
    ports[i] = replicas_[i]->port();

  // Sends to replica `next` round-robin; a replica that gives no answer (dead) is skipped and
  // the same request retried on the next one, as a client behind a balancer would.
  auto send = [&](std::size_t& next, const std::string& method, const std::string& target,
                  const std::string& body, int expected, bool* on_survivor) -> HttpResult {
    for (int attempt = 0; attempt < 6; ++attempt) {
      const std::size_t replica = next;
      next = (next + 1) % 3;
      const bool was_killed = killed.load();
      HttpResult result = http_call(ports[replica], method, target, body);
      if (result.status == 0)
        continue;
      if (result.status != expected) {
        std::lock_guard lock(mutex);
        if (failures.fetch_add(1) == 0)
          first_failure = method + " " + target + " on replica " + std::to_string(replica) + ": " +
                          std::to_string(result.status) + " " + result.body;
      }
      if (on_survivor != nullptr)
        *on_survivor = was_killed && replica != victim;
      return result;
    }
    return {};
  };

  std::vector<std::thread> writers;
  for (int t = 0; t < static_cast<int>(kSlots.size()); ++t) {
    writers.emplace_back([&, t] {
      std::size_t next = static_cast<std::size_t>(t) % 3;
      for (int round = 0; round < 100'000 && !stop.load(); ++round) {
        const std::string body =
            post_body(client_id(t, round), kSlots[static_cast<std::size_t>(t)]);
        bool survivor = false;
        const HttpResult created = send(next, "POST", "/sessions", body, 200, &survivor);
        if (created.status != 200)
          return;
        {
          std::lock_guard lock(mutex);
          acked.push_back({body, created.body});
        }
        if (survivor)
          after_kill.fetch_add(1);
        // Free the slot for the next round (idempotent, so a retry elsewhere is fine).
        for (const std::string& id : session_ids(created.body)) {
          if (send(next, "DELETE", "/sessions/" + id, "", 204, nullptr).status != 204)
            return;
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  killed = true;
  replicas_[victim]->kill_hard();
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  stop = true;
  for (auto& writer : writers)
    writer.join();

  EXPECT_EQ(failures.load(), 0) << first_failure;
  ASSERT_GT(acked.size(), 20u) << "the load made progress";
  EXPECT_GT(after_kill.load(), 10) << "the survivors kept serving after the kill";

  // Every acknowledged request: its sessions are readable by id from both survivors, and the
  // client's retry replays the stored answer byte for byte.
  std::size_t index = 0;
  for (const Acked& a : acked) {
    SCOPED_TRACE(a.body);
    const std::size_t survivor = index++ % 2 == 0 ? 0 : 2;
    for (const std::string& id : session_ids(a.answer)) {
      for (const std::size_t replica : {std::size_t{0}, std::size_t{2}}) {
        const HttpResult got = http_call(ports[replica], "GET", "/sessions/" + id);
        ASSERT_EQ(got.status, 200) << "acknowledged session " << id << " lost: " << got.body;
        EXPECT_EQ(json::parse(got.body).at("session_id").as_string(), id);
      }
    }
    const HttpResult replay = http_call(ports[survivor], "POST", "/sessions", a.body);
    ASSERT_EQ(replay.status, 200) << replay.body;
    EXPECT_EQ(replay.body, a.answer);
  }
  // The store holds every acknowledged request, plus at most one in flight per writer at the kill
  // (its retry on a survivor replayed it, so it is acknowledged too): exactly one per ack.
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const auto counts = store->counts();
  ASSERT_TRUE(counts.has_value());
  EXPECT_EQ(counts->requests, static_cast<std::int64_t>(acked.size()));
  EXPECT_EQ(counts->sessions, static_cast<std::int64_t>(acked.size()));
  // And the survivors still serve fresh requests.
  const HttpResult fresh = http_call(ports[2], "POST", "/sessions",
                                     post_body(client_id(9, 0), kSlots[0] + "," + kSlots[1]));
  EXPECT_EQ(fresh.status, 200) << fresh.body;
  EXPECT_EQ(http_call(ports[0], "GET", "/readyz", "", "").status, 200);
  expect_no_password_in_logs();
}

}  // namespace
}  // namespace peerapi::testing
