// An ApiService on the example PeeringDB snapshot and a fresh SQLite store, with a manual
// clock: the whole request path without sockets.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <string>

#include "auth/authenticator.hpp"
#include "config/config.hpp"
#include "server/api_service.hpp"
#include "server/auth_setup.hpp"
#include "server/irr_routing_facts.hpp"
#include "server/rpki_facts.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "support/test_support.hpp"
#include "util/clock.hpp"

namespace peerapi::testing {

inline constexpr const char* kToken64501 = "Bearer dev-token-64501";
inline constexpr const char* kToken64502 = "Bearer dev-token-64502";

inline std::string example_config_text(const std::filesystem::path& dir, std::string_view mode) {
  return "[server]\nlisten = [\"127.0.0.1:0\"]\n"
         "[network]\nasns = [64500]\ncontact_email = \"peering@example.net\"\n"
         "[store]\nsqlite = \"" +
         (dir / "peerapi.db").string() +
         "\"\n"
         "[peeringdb]\nsnapshot_dir = \"" +
         (source_dir() / "examples/peeringdb").string() +
         "\"\n"
         "[approval]\nmode = \"" +
         std::string(mode) +
         "\"\n"
         "[[auth.static_tokens]]\ntoken = \"dev-token-64501\"\nasns = [64501]\n"
         "subject = \"noc@as64501.example\"\n"
         "[[auth.static_tokens]]\ntoken = \"dev-token-64502\"\nasns = [64502]\n"
         "subject = \"noc@as64502.example\"\n";
}

class ApiFixture {
 public:
  /// `extra_config` is appended to the example configuration ([policy] tables, say).
  explicit ApiFixture(std::string_view mode = "auto", std::string_view extra_config = "")
      : config_(*config::parse_config(example_config_text(dir_.path(), mode) +
                                      std::string(extra_config))),
        store_(std::move(*store::SqliteStore::open(config_.store.sqlite, random_))),
        snapshot_(sources::peeringdb::load_snapshot_dir(config_.peeringdb.snapshot_dir)->first),
        client_(server::make_http_client(config_.outbound)),
        replay_(*store_),
        authenticator_(
            std::move(*server::build_authenticator(config_, *store_, *client_, replay_, clock_))),
        rpki_(config_.sources.rpki.configured()
                  ? std::move(*server::RpkiFacts::create(config_.sources.rpki, clock_,
                                                         server::outbound_policy(config_.outbound)))
                  : nullptr),
        routing_(
            config_.sources.irr.configured()
                ? std::move(*server::IrrRoutingFacts::create(
                      config_.sources.irr, rpki_ ? rpki_->validator() : server::RouteValidator{},
                      server::outbound_policy(config_.outbound)))
                : nullptr),
        api_(server::ApiDependencies{.config = config_,
                                     .store = *store_,
                                     .peeringdb = snapshot_,
                                     .authenticator = *authenticator_,
                                     .clock = clock_,
                                     .random = random_,
                                     .pagination_key = "test-pagination-key",
                                     .public_origin = "http://127.0.0.1:8080",
                                     .registration = nullptr,
                                     .routing = routing_.get()}) {}

  server::HttpResponse call(std::string method, std::string target, std::string body = {},
                            std::string authorization = kToken64501,
                            std::string content_type = "application/json") {
    server::HttpRequest request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.body = std::move(body);
    if (!authorization.empty())
      request.fields.emplace_back("Authorization", std::move(authorization));
    if (!content_type.empty())
      request.fields.emplace_back("Content-Type", std::move(content_type));
    return api_.handle(request);
  }

  static boost::json::value parse(const server::HttpResponse& response) {
    return boost::json::parse(response.body);
  }

  store::Store& store() { return *store_; }
  util::ManualClock& clock() { return clock_; }
  server::ApiService& api() { return api_; }

 private:
  TempDir dir_;
  util::SecureRandom random_;
  util::ManualClock clock_{1'795'420'800'000};
  config::Config config_;
  std::unique_ptr<store::SqliteStore> store_;
  server::SnapshotHolder snapshot_;
  std::unique_ptr<net::HttpClient> client_;
  server::StoreReplayCache replay_;
  std::unique_ptr<auth::RequestAuthenticator> authenticator_;
  std::unique_ptr<server::RpkiFacts> rpki_;
  std::unique_ptr<server::IrrRoutingFacts> routing_;
  server::ApiService api_;
};

/// One valid IPv4 session of AS64501 with AS64500 at DOC-IX Frankfurt (pdb:ix:1).
inline std::string session_v4(std::string_view extra = "") {
  return std::string(R"({"local_asn":64501,"local_ip":"192.0.2.11","peer_asn":64500,)"
                     R"("peer_ip":"192.0.2.10","location":{"id":"pdb:ix:1","type":"public"})") +
         std::string(extra) + "}";
}

/// The IPv6 session at the same IX.
inline std::string session_v6(std::string_view extra = "") {
  return std::string(R"({"local_asn":64501,"local_ip":"2001:db8:ffff::11","peer_asn":64500,)"
                     R"("peer_ip":"2001:db8:ffff::10","location":"pdb:ix:1")") +
         std::string(extra) + "}";
}

}  // namespace peerapi::testing
