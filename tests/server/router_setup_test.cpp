// server/router_setup: the render function the reconcile loop uses (both sides of sessions in
// one configuration, named as the renderer names them) and the checks RouterLifecycle makes.
#include "server/router_setup.hpp"

#include <gtest/gtest.h>

#include "sources/iana/registry.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "support/test_support.hpp"

namespace peerapi::server {
namespace {

using peerapi::testing::source_dir;

template <class T>
T ok(Result<T> result) {
  if (!result)
    throw std::runtime_error(result.error().field + ": " + result.error().message);
  return std::move(*result);
}

model::Session session(std::uint32_t local_asn, const char* local_ip, std::uint32_t peer_asn,
                       const char* peer_ip, const char* id) {
  return model::Session{
      .session_id = ok(model::Uuid::parse(id)),
      .request_id = ok(model::Uuid::parse("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f0000")),
      .fields =
          model::SessionRequest{
              .local_asn = ok(model::Asn::from_number(local_asn)),
              .local_ip = ok(model::IpAddress::parse(local_ip)),
              .peer_asn = ok(model::Asn::from_number(peer_asn)),
              .peer_ip = ok(model::IpAddress::parse(peer_ip)),
              .local_bgp_role = model::BgpRole::peer,
              .peer_bgp_role = model::BgpRole::peer,
              .local_insert_asn = true,
              .peer_insert_asn = true,
              .local_monitoring_session = false,
              .peer_monitoring_session = false,
              .peer_type = model::LocationType::public_peering,
              .session_secret = std::nullopt,
              .location = ok(model::LocationId::parse("pdb:ix:1")),
          },
      .status = model::SessionStatus::approved,
      .created_at_ms = 0,
      .updated_at_ms = 0,
  };
}

class RouterSetupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.network.asns = {ok(model::Asn::from_number(64500))};
    config_.render.mode = render::FilterMode::loose;
    config_.router.enabled = true;
    config_.router.daemon = render::Daemon::bird;
    config_.router.config_dir = dir_.path() / "bird";
    config_.sources.iana.dir = source_dir() / "data" / "iana";
  }

  testing::TempDir dir_;
  config::Config config_;
  SnapshotHolder peeringdb_{
      ok(sources::peeringdb::load_snapshot_dir(source_dir() / "examples" / "peeringdb")).first};
};

TEST_F(RouterSetupTest, RendersBothSidesIntoOneConfigurationWithTheRenderersNames) {
  const auto render = make_render_function(
      config_, peeringdb_, nullptr,
      sources::iana::derive_bogons(ok(sources::iana::load(config_.sources.iana.dir))));
  // AS64501 asked us (receiver side); we asked AS64502 (initiator side: we are local_*).
  const std::vector<store::RouterSession> sessions{
      store::RouterSession{.session = session(64501, "192.0.2.11", 64500, "192.0.2.10",
                                              "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a01"),
                           .side = store::SessionSide::receiver,
                           .record = std::nullopt},
      store::RouterSession{.session = session(64500, "192.0.2.10", 64502, "192.0.2.12",
                                              "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4b02"),
                           .side = store::SessionSide::initiator,
                           .record = std::nullopt},
  };
  auto config = render(sessions);
  ASSERT_TRUE(config.has_value()) << config.error().message;
  ASSERT_EQ(config->keys.size(), 2u);
  const auto& receiver = config->keys.at(sessions[0].session.session_id);
  EXPECT_EQ(receiver.name, "as64501_0c1d2e3f4a01");
  EXPECT_EQ(receiver.neighbor.to_string(), "192.0.2.11");
  const auto& initiator = config->keys.at(sessions[1].session.session_id);
  EXPECT_EQ(initiator.name, "as64502_0c1d2e3f4b02");
  EXPECT_EQ(initiator.neighbor.to_string(), "192.0.2.12");
  std::vector<std::string> names;
  for (const auto& file : config->rendering.files)
    names.push_back(file.name);
  EXPECT_NE(std::ranges::find(names, "peerapi/sessions/as64501_0c1d2e3f4a01.conf"), names.end());
  EXPECT_NE(std::ranges::find(names, "peerapi/sessions/as64502_0c1d2e3f4b02.conf"), names.end());
  // Seen from our side: we are AS64500 at .10 on both.
  for (const auto& file : config->rendering.files) {
    if (file.name.starts_with("peerapi/sessions/")) {
      EXPECT_NE(file.text.find("local 192.0.2.10 as 64500;"), std::string::npos) << file.name;
    }
  }

  // No session at all still renders a configuration (the router then runs none).
  auto empty = render({});
  ASSERT_TRUE(empty.has_value()) << empty.error().message;
  EXPECT_TRUE(empty->keys.empty());
  EXPECT_FALSE(empty->rendering.files.empty());
}

TEST_F(RouterSetupTest, StrictFilteringWithoutAnIrrSourceIsRefusedAtStart) {
  config_.render.mode = render::FilterMode::strict;
  util::SecureRandom random;
  auto store = ok(store::SqliteStore::open(dir_.path() / "s.db", random));
  util::ManualClock clock(0);
  auto created = RouterLifecycle::create(config_, *store, peeringdb_, nullptr, clock, "me");
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(created.error().code, ErrorCode::config_invalid);
  EXPECT_EQ(created.error().field, "render.mode");
}

TEST_F(RouterSetupTest, AnUnreadableIanaFolderIsRefusedAtStart) {
  config_.sources.iana.dir = dir_.path() / "missing";
  util::SecureRandom random;
  auto store = ok(store::SqliteStore::open(dir_.path() / "s.db", random));
  util::ManualClock clock(0);
  auto created = RouterLifecycle::create(config_, *store, peeringdb_, nullptr, clock, "me");
  ASSERT_FALSE(created.has_value());
  EXPECT_TRUE(created.error().field.starts_with("sources.iana.dir")) << created.error().field;
}

}  // namespace
}  // namespace peerapi::server
