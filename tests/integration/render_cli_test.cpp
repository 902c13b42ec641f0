// `peerapi render` on a server's store and data: the sessions that belong on the router are
// rendered for each daemon, the written files pass the daemon's own checker, stale session files
// are pruned, and bad usage is refused with a clear message.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "integration/cli_run.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "support/test_support.hpp"
#include "util/clock.hpp"

namespace peerapi::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::int64_t kNow = 1'795'420'800'000;

model::Session stored(const model::Uuid& request_id, const model::Uuid& id, const char* their_ip,
                      const char* our_ip, model::SessionStatus status) {
  return model::Session{
      .session_id = id,
      .request_id = request_id,
      .fields =
          model::SessionRequest{
              .local_asn = *model::Asn::from_number(64501),
              .local_ip = *model::IpAddress::parse(their_ip),
              .peer_asn = *model::Asn::from_number(64500),
              .peer_ip = *model::IpAddress::parse(our_ip),
              .local_bgp_role = model::BgpRole::peer,
              .peer_bgp_role = model::BgpRole::peer,
              .local_insert_asn = true,
              .peer_insert_asn = true,
              .local_monitoring_session = false,
              .peer_monitoring_session = false,
              .peer_type = model::LocationType::public_peering,
              .session_secret = *model::SessionSecret::parse("s3cret-Example", "session_secret"),
              .location = model::LocationId::ix(1),
          },
      .status = status,
      .created_at_ms = kNow,
      .updated_at_ms = kNow,
  };
}

/// Runs a daemon's checker on a file; "" when it accepts it, else what it said.
std::string daemon_refusal(const std::string& command) {
  TempDir dir;
  const auto out = dir.path() / "out";
  const int status = std::system((command + " >" + out.string() + " 2>&1").c_str());
  const std::string text = read_file(out);
  if (status != 0 || text.find("Config Failed") != std::string::npos ||
      text.find("No such command") != std::string::npos ||
      text.find("Unknown command") != std::string::npos)
    return "rc " + std::to_string(status) + ": " + text.substr(0, 2000);
  return "";
}

class RenderCli : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = (dir_.path() / "peerapi.toml").string();
    write_config("strict");
    auto store = store::SqliteStore::open(dir_.path() / "peerapi.db", random_);
    ASSERT_TRUE(store.has_value()) << store.error().message;
    store_ = std::move(*store);
    store::RequestDraft draft{.request_id = new_id(),
                              .client_request_id = std::nullopt,
                              .subject = "noc@as64501.example",
                              .body_hash = "hash",
                              .return_url = std::nullopt,
                              .now_ms = kNow,
                              .candidates = {},
                              .creation_notes = {},
                              .audit = {}};
    const auto add = [&](const char* theirs, const char* ours, model::SessionStatus status) {
      draft.candidates.push_back(stored(draft.request_id, new_id(), theirs, ours, status));
      draft.creation_notes.push_back("test");
      return draft.candidates.back().session_id.to_string();
    };
    approved_v4_ = add("192.0.2.11", "192.0.2.10", model::SessionStatus::approved);
    approved_v6_ = add("2001:db8:ffff::11", "2001:db8:ffff::10", model::SessionStatus::approved);
    pending_ = add("192.0.2.12", "192.0.2.10", model::SessionStatus::pending);
    auto created = store_->create_request(draft, [](const store::CandidateChecks&) {
      return store::StoredAnswer{200, "{}"};
    });
    ASSERT_TRUE(created.has_value()) << created.error().message;
  }

  void write_config(const std::string& mode, bool with_irr = true) {
    std::ofstream(config_) << cli_config(dir_.path())
                           << (with_irr ? "[sources.irr]\ndumps = [\"" +
                                              (source_dir() / "examples/irr/example.db").string() +
                                              "\"]\n"
                                        : "")
                           << "[sources.iana]\ndir = \"" << (source_dir() / "data/iana").string()
                           << "\"\n[render]\nmode = \"" << mode
                           << "\"\nrouter_id = \"192.0.2.10\"\nannounce = [\"203.0.113.0/24\"]\n"
                           << "rpki_cache = \"127.0.0.1:3323\"\n";
  }

  model::Uuid new_id() { return model::Uuid::v7_from(kNow, random_.bytes16()); }

  std::string render_args(const std::string& daemon, const std::string& rest) {
    return "render --config " + config_ + " --daemon " + daemon + " " + rest;
  }

  static std::string file_of(const std::string& session_id) {
    return "peerapi/sessions/as64501_" + session_id.substr(session_id.size() - 12) + ".conf";
  }

  TempDir dir_;
  util::SecureRandom random_;
  std::string config_;
  std::unique_ptr<store::SqliteStore> store_;
  std::string approved_v4_, approved_v6_, pending_;
};

TEST_F(RenderCli, AllSessionsOnTheRouterPassEachDaemonsChecker) {
  struct Daemon {
    std::string name;
    std::string top;
    std::vector<std::string> checkers;  // {} stands for the top-level file's path
  };
  const std::vector<Daemon> daemons{
      {"bird", "bird.conf", {"bird -p -c {}"}},
      {"openbgpd", "bgpd.conf", {"bgpd -n -f {}"}},
      {"frr", "frr.conf", {"vtysh --dryrun -f {}"}},
  };
  for (const Daemon& daemon : daemons) {
    SCOPED_TRACE(daemon.name);
    const auto out = dir_.path() / ("out-" + daemon.name);
    const CliRun run = run_peerapi(render_args(daemon.name, "--all --out " + out.string()));
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_THAT(run.err, HasSubstr("for 2 session(s)"));
    EXPECT_TRUE(std::filesystem::exists(out / daemon.top));
    EXPECT_TRUE(std::filesystem::exists(out / file_of(approved_v4_)));
    EXPECT_TRUE(std::filesystem::exists(out / file_of(approved_v6_)));
    EXPECT_FALSE(std::filesystem::exists(out / file_of(pending_))) << "pending is not on a router";
    // The IRR prefix list of AS-EXAMPLE-ACCESS (examples/irr/example.db) is in the filters.
    EXPECT_THAT(read_file(out / "peerapi/irr.conf"), HasSubstr("198.51.100.0/24"));
    for (std::string checker : daemon.checkers) {
      checker.replace(checker.find("{}"), 2, (out / daemon.top).string());
      EXPECT_EQ(daemon_refusal("cd / && " + checker), "") << checker;
    }
  }
}

TEST_F(RenderCli, StdoutNamesEachFileAndAPendingSessionGetsANotice) {
  const CliRun run = run_peerapi(render_args("bird", "--session " + pending_));
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("# ==== bird.conf ====\n"));
  EXPECT_THAT(run.out, HasSubstr("# ==== " + file_of(pending_) + " ====\n"));
  EXPECT_THAT(run.err, HasSubstr("the session is pending"));
}

TEST_F(RenderCli, SessionFilesNoLongerOnTheRouterArePruned) {
  const auto out = dir_.path() / "out";
  ASSERT_EQ(run_peerapi(render_args("bird", "--all --out " + out.string())).status, 0);
  const auto stale = out / "peerapi/sessions/as64999_0190dead.conf";
  write_file(stale, "# a session deleted since the last run\n");
  const auto keep = out / "peerapi/operator-notes.txt";
  write_file(keep, "not ours to remove\n");
  const CliRun run = run_peerapi(render_args("bird", "--all --out " + out.string()));
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_THAT(run.err, HasSubstr("removed 1 file(s)"));
  EXPECT_FALSE(std::filesystem::exists(stale));
  EXPECT_TRUE(std::filesystem::exists(keep));
  EXPECT_TRUE(std::filesystem::exists(out / file_of(approved_v4_)));
  // Rendering one session never prunes the others.
  ASSERT_EQ(run_peerapi(render_args("bird", "--session " + approved_v4_ + " --out " + out.string()))
                .status,
            0);
  EXPECT_TRUE(std::filesystem::exists(out / file_of(approved_v6_)));
}

TEST_F(RenderCli, BadUsageIsRefusedWithTheReason) {
  struct Row {
    std::string args;
    std::string message;
  };
  const std::vector<Row> rows{
      {render_args("quagga", "--all"), "--daemon: unknown daemon \"quagga\""},
      {render_args("bird", ""), "give --session ID (one or more) or --all"},
      {render_args("bird", "--all --session " + approved_v4_),
       "give --session ID (one or more) or --all"},
      {render_args("bird", "--all --version 2.x"), "--daemon-version: expected a version"},
      {render_args("bird", "--session not-a-uuid"), "--session"},
      {render_args("bird", "--session 01890000-0000-7000-8000-000000000000"), "no session"},
      {render_args("bird", "--all --side both"), "--side"},
  };
  for (const Row& row : rows) {
    const CliRun run = run_peerapi(row.args);
    EXPECT_EQ(run.status, 2) << row.args << "\n" << run.err;
    EXPECT_THAT(run.err, HasSubstr(row.message)) << row.args;
    EXPECT_THAT(run.out, Not(HasSubstr("protocol"))) << "nothing rendered for " << row.args;
  }
}

TEST_F(RenderCli, StrictModeWithoutIrrDataIsAConfigurationError) {
  write_config("strict", /*with_irr=*/false);
  const CliRun strict = run_peerapi(render_args("bird", "--all"));
  EXPECT_EQ(strict.status, 2);
  EXPECT_THAT(strict.err, HasSubstr("render.mode: strict filtering"));
  write_config("loose", /*with_irr=*/false);
  const CliRun loose = run_peerapi(render_args("bird", "--all"));
  EXPECT_EQ(loose.status, 0) << loose.err;
}

}  // namespace
}  // namespace peerapi::testing
