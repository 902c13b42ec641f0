// The Store contract suite (src/store/store.hpp), written once and instantiated per backend:
// each backend's test file adds one INSTANTIATE_TEST_SUITE_P(<Backend>, StoreContractTest, ...)
// with a factory that opens (or reopens) the store kept under a directory.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/session.hpp"
#include "store/store.hpp"
#include "support/test_support.hpp"
#include "util/clock.hpp"

namespace peerapi::store::test {

/// Opens the store kept under `dir`; calling it again with the same directory reopens the same
/// data (that is how the suite tests durability). Returns nullptr, after reporting a test
/// failure, when opening fails.
using StoreFactory = std::function<std::unique_ptr<Store>(const std::filesystem::path& dir)>;

struct StoreBackend {
  std::string name;  // test-name suffix, e.g. "Sqlite"
  StoreFactory open;
};

inline std::string backend_name(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.name;
}

class StoreContractTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  std::unique_ptr<Store> open_store() { return GetParam().open(dir_.path()); }

  model::Uuid new_uuid() { return model::Uuid::v4_from_bytes(random_.bytes16()); }

  /// An approved public-peering candidate at pdb:ix:<ix> from `local_asn` (address
  /// 10.0.0.0 + `host`) to AS64511 at 192.0.2.1.
  model::Session candidate(const model::Uuid& request_id, std::uint32_t local_asn,
                           std::uint32_t host, std::uint32_t ix = 1,
                           model::SessionStatus status = model::SessionStatus::approved) {
    return model::Session{
        .session_id = new_uuid(),
        .request_id = request_id,
        .fields =
            model::SessionRequest{
                .local_asn = *model::Asn::from_number(local_asn),
                .local_ip = model::IpAddress::v4(0x0A000000u + host),
                .peer_asn = *model::Asn::from_number(64511),
                .peer_ip = *model::IpAddress::parse("192.0.2.1"),
                .session_secret = std::nullopt,
                .location = model::LocationId::ix(ix),
            },
        .status = status,
    };
  }

  /// A request of `count` fresh candidates for `local_asn` (hosts first_host, first_host+1...).
  RequestDraft draft(std::uint32_t local_asn, std::uint32_t first_host, int count,
                     std::int64_t now_ms = 1'700'000'000'000) {
    RequestDraft d{.request_id = new_uuid(),
                   .client_request_id = std::nullopt,
                   .subject = "subject-" + std::to_string(local_asn),
                   .body_hash = "hash",
                   .return_url = std::nullopt,
                   .now_ms = now_ms,
                   .candidates = {},
                   .creation_notes = {},
                   .audit = {}};
    for (int i = 0; i < count; ++i) {
      d.candidates.push_back(
          candidate(d.request_id, local_asn, first_host + static_cast<std::uint32_t>(i)));
    }
    return d;
  }

  testing::TempDir dir_;
  util::SecureRandom random_;
};

/// An AnswerBuilder whose body spells out the flags it was given ("dup=01c": new, duplicate,
/// over the pending cap); 200 when at least one candidate is stored, 422 otherwise. `seen`, when
/// set, receives the flags.
inline AnswerBuilder describe_duplicates(std::vector<bool>* seen = nullptr) {
  return [seen](const CandidateChecks& checks) {
    if (seen != nullptr)
      *seen = checks.duplicate;
    std::string body = "dup=";
    bool any_new = false;
    for (std::size_t i = 0; i < checks.duplicate.size(); ++i) {
      body += checks.duplicate[i] ? '1' : (checks.over_pending_cap[i] ? 'c' : '0');
      any_new = any_new || (!checks.duplicate[i] && !checks.over_pending_cap[i]);
    }
    return StoredAnswer{any_new ? 200 : 422, body};
  };
}

/// Every field of two sessions, the secret included.
inline void expect_same_session(const model::Session& actual, const model::Session& expected) {
  EXPECT_EQ(actual.session_id, expected.session_id);
  EXPECT_EQ(actual.request_id, expected.request_id);
  const auto& a = actual.fields;
  const auto& e = expected.fields;
  EXPECT_EQ(a.local_asn, e.local_asn);
  EXPECT_EQ(a.local_ip, e.local_ip);
  EXPECT_EQ(a.peer_asn, e.peer_asn);
  EXPECT_EQ(a.peer_ip, e.peer_ip);
  EXPECT_EQ(a.local_bgp_role, e.local_bgp_role);
  EXPECT_EQ(a.peer_bgp_role, e.peer_bgp_role);
  EXPECT_EQ(a.local_insert_asn, e.local_insert_asn);
  EXPECT_EQ(a.peer_insert_asn, e.peer_insert_asn);
  EXPECT_EQ(a.local_monitoring_session, e.local_monitoring_session);
  EXPECT_EQ(a.peer_monitoring_session, e.peer_monitoring_session);
  EXPECT_EQ(a.peer_type, e.peer_type);
  EXPECT_EQ(a.session_secret.has_value(), e.session_secret.has_value());
  if (a.session_secret && e.session_secret) {
    EXPECT_EQ(a.session_secret->reveal(), e.session_secret->reveal());
  }
  EXPECT_EQ(a.location, e.location);
  EXPECT_EQ(actual.status, expected.status);
  EXPECT_EQ(actual.created_at_ms, expected.created_at_ms);
  EXPECT_EQ(actual.updated_at_ms, expected.updated_at_ms);
}

}  // namespace peerapi::store::test
