// server::build_render_input: stored sessions + PeeringDB + IRR + IANA -> render::RenderInput.
#include "server/render_inputs.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "sources/iana/registry.hpp"
#include "sources/irr/irr_database.hpp"
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

/// The example world: PeeringDB snapshot and IRR dump of examples/, IANA data of data/iana.
class RenderInputsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    snapshot_ =
        ok(sources::peeringdb::load_snapshot_dir(source_dir() / "examples" / "peeringdb")).first;
    sources::irr::LoadReport report;
    const std::vector<std::filesystem::path> dumps{source_dir() / "examples" / "irr" /
                                                   "example.db"};
    irr_ = ok(sources::irr::IrrDatabase::load(dumps, report));
    sources_.peeringdb = snapshot_.get();
    sources_.irr = irr_.get();
    sources_.bogons =
        sources::iana::derive_bogons(ok(sources::iana::load(source_dir() / "data" / "iana")));
    config_.network.asns = {ok(model::Asn::from_number(64500))};
  }

  /// AS`requester` at `requester_ip` asks AS64500 at `our_ip` for a session at `location`.
  static model::Session stored(std::uint32_t requester, const char* requester_ip,
                               const char* our_ip, const char* location, const char* id) {
    return model::Session{
        .session_id = ok(model::Uuid::parse(id)),
        .request_id = ok(model::Uuid::parse("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f0000")),
        .fields =
            model::SessionRequest{
                .local_asn = ok(model::Asn::from_number(requester)),
                .local_ip = ok(model::IpAddress::parse(requester_ip)),
                .peer_asn = ok(model::Asn::from_number(64500)),
                .peer_ip = ok(model::IpAddress::parse(our_ip)),
                .local_bgp_role = model::BgpRole::peer,
                .peer_bgp_role = model::BgpRole::peer,
                .local_insert_asn = true,
                .peer_insert_asn = true,
                .local_monitoring_session = false,
                .peer_monitoring_session = false,
                .peer_type = model::LocationType::public_peering,
                .session_secret = std::nullopt,
                .location = ok(model::LocationId::parse(location)),
            },
        .status = model::SessionStatus::approved,
        .created_at_ms = 0,
        .updated_at_ms = 0,
    };
  }

  std::shared_ptr<const sources::peeringdb::Snapshot> snapshot_;
  std::shared_ptr<sources::irr::IrrDatabase> irr_;
  RenderSources sources_;
  config::Config config_;
  std::vector<render::Notice> notices_;
};

TEST_F(RenderInputsTest, FillsPeerFactsFromPeeringDbAndTheIrr) {
  const std::vector<model::Session> sessions{
      stored(64501, "2001:db8:ffff::11", "2001:db8:ffff::10", "pdb:ix:1",
             "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a02"),
      stored(64501, "192.0.2.11", "192.0.2.10", "pdb:ix:1", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a01"),
  };
  const auto input =
      ok(build_render_input(render::Daemon::bird, render::DaemonVersion{2, 0, 12}, config_,
                            sessions, render::Side::receiver, sources_, notices_));
  EXPECT_TRUE(notices_.empty()) << notices_.front().message;
  ASSERT_EQ(input.sessions.size(), 2u);
  // Sorted by (their ASN, session id): the IPv4 session (…4a01) first.
  const render::SessionInput& v4 = input.sessions[0];
  EXPECT_EQ(v4.neighbor.their_asn.value(), 64501u);
  EXPECT_EQ(v4.neighbor.our_ip.to_string(), "192.0.2.10");
  EXPECT_EQ(v4.their_name, "Example Access");
  EXPECT_EQ(v4.location_name, "DOC-IX Frankfurt");
  EXPECT_EQ(v4.their_prefix_count, std::optional<std::uint32_t>(10));
  EXPECT_EQ(v4.irr_object, "AS-EXAMPLE-ACCESS");
  ASSERT_EQ(v4.irr_prefixes.size(), 1u);
  EXPECT_EQ(model::to_string(v4.irr_prefixes[0]), "198.51.100.0/24");
  ASSERT_EQ(v4.ixp_lan_prefixes.size(), 1u);
  EXPECT_EQ(v4.ixp_lan_prefixes[0].to_string(), "192.0.2.0/24");
  EXPECT_TRUE(v4.directly_connected);
  const render::SessionInput& v6 = input.sessions[1];
  EXPECT_EQ(v6.their_prefix_count, std::optional<std::uint32_t>(2));
  ASSERT_EQ(v6.irr_prefixes.size(), 1u);
  EXPECT_EQ(model::to_string(v6.irr_prefixes[0]), "2001:db8:100::/40");
  EXPECT_EQ(v6.ixp_lan_prefixes[0].to_string(), "2001:db8:ffff::/64");
  EXPECT_EQ(input.our_asns, config_.network.asns);
  EXPECT_FALSE(input.bogons.v4.empty());
}

TEST_F(RenderInputsTest, PeerWithoutAsSetUsesItsOwnRouteObjectsAndSaysWhenThereAreNone) {
  const std::vector<model::Session> sessions{stored(
      64503, "198.51.100.13", "198.51.100.10", "pdb:ix:2", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a03")};
  const auto input =
      ok(build_render_input(render::Daemon::frr, render::DaemonVersion{8, 4, 4}, config_, sessions,
                            render::Side::receiver, sources_, notices_));
  EXPECT_EQ(input.sessions[0].irr_object, "AS64503");
  EXPECT_TRUE(input.sessions[0].irr_prefixes.empty());
  ASSERT_EQ(notices_.size(), 1u);
  EXPECT_EQ(notices_[0].what, "reject_not_in_irr");
  EXPECT_NE(notices_[0].message.find("accepts nothing"), std::string::npos);
}

TEST_F(RenderInputsTest, AddressesOutsideTheLanAreNotDirectlyConnected) {
  // 203.0.113.0/24 is the London LAN; these addresses are not on the Frankfurt LAN.
  const std::vector<model::Session> sessions{stored(
      64501, "203.0.113.11", "203.0.113.10", "pdb:ix:1", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a04")};
  const auto input =
      ok(build_render_input(render::Daemon::bird, render::DaemonVersion{2, 0, 12}, config_,
                            sessions, render::Side::receiver, sources_, notices_));
  EXPECT_FALSE(input.sessions[0].directly_connected);
}

TEST_F(RenderInputsTest, StrictModeWithoutIrrIsRefusedAndLooseNeedsNone) {
  sources_.irr = nullptr;
  const std::vector<model::Session> sessions{stored(64501, "192.0.2.11", "192.0.2.10", "pdb:ix:1",
                                                    "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a01")};
  const auto strict =
      build_render_input(render::Daemon::bird, render::DaemonVersion{2, 0, 12}, config_, sessions,
                         render::Side::receiver, sources_, notices_);
  ASSERT_FALSE(strict);
  EXPECT_EQ(strict.error().field, "render.mode");
  config_.render.mode = render::FilterMode::loose;
  const auto loose =
      ok(build_render_input(render::Daemon::bird, render::DaemonVersion{2, 0, 12}, config_,
                            sessions, render::Side::receiver, sources_, notices_));
  EXPECT_TRUE(loose.sessions[0].irr_prefixes.empty());
  EXPECT_TRUE(loose.sessions[0].irr_object.empty());
}

TEST_F(RenderInputsTest, InitiatorSideSwapsTheEnds) {
  const std::vector<model::Session> sessions{stored(64501, "192.0.2.11", "192.0.2.10", "pdb:ix:1",
                                                    "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a01")};
  config_.render.mode = render::FilterMode::loose;
  const auto input =
      ok(build_render_input(render::Daemon::bird, render::DaemonVersion{2, 0, 12}, config_,
                            sessions, render::Side::initiator, sources_, notices_));
  EXPECT_EQ(input.sessions[0].neighbor.their_asn.value(), 64500u);
  EXPECT_EQ(input.sessions[0].their_name, "Example Transit");
  EXPECT_EQ(input.sessions[0].their_prefix_count, std::optional<std::uint32_t>(20));
}

TEST(BelongsOnRouter, OnlyDecidedLiveSessions) {
  using model::SessionStatus;
  for (auto status : {SessionStatus::approved, SessionStatus::configured,
                      SessionStatus::established, SessionStatus::down})
    EXPECT_TRUE(belongs_on_router(status));
  for (auto status : {SessionStatus::pending, SessionStatus::rejected, SessionStatus::unestablished,
                      SessionStatus::deleted})
    EXPECT_FALSE(belongs_on_router(status));
}

}  // namespace
}  // namespace peerapi::server
