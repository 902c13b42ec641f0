// libFuzzer target: the whole request path of the API service for query strings, path ids,
// and bodies, in process on the example data. Invariant: no input yields a 5xx.
#include <unistd.h>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "auth/request_authenticator.hpp"
#include "server/api_service.hpp"
#include "server/auth_setup.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace {

struct World {
  peerapi::util::SecureRandom random;
  peerapi::util::ManualClock clock{1'795'420'800'000};
  peerapi::config::Config config;
  std::unique_ptr<peerapi::store::SqliteStore> store;
  std::unique_ptr<peerapi::server::SnapshotHolder> snapshot;
  std::unique_ptr<peerapi::net::HttpClient> client;
  std::unique_ptr<peerapi::server::StoreReplayCache> replay;
  std::unique_ptr<peerapi::auth::RequestAuthenticator> authenticator;
  std::unique_ptr<peerapi::server::ApiService> api;

  World() {
    const std::string source = PEERAPI_SOURCE_DIR;
    auto parsed = peerapi::config::parse_config(
        "[server]\nlisten=[\"127.0.0.1:0\"]\n[network]\nasns=[64500]\ncontact_email=\"p@example."
        "net\"\n"
        "[store]\nsqlite=\":memory:\"\n[peeringdb]\nsnapshot_dir=\"" +
        source +
        "/examples/peeringdb\"\n[[auth.static_tokens]]\ntoken=\"dev-token-64501\"\nasns=[64501]\n"
        "subject=\"fuzz\"\n");
    if (!parsed)
      std::abort();
    config = *parsed;
    std::string dir = (std::filesystem::temp_directory_path() / "peerapi-fuzz-XXXXXX").string();
    if (mkdtemp(dir.data()) == nullptr)
      std::abort();
    auto opened = peerapi::store::SqliteStore::open(std::filesystem::path(dir) / "fuzz.db", random);
    if (!opened)
      std::abort();
    store = std::move(*opened);
    snapshot = std::make_unique<peerapi::server::SnapshotHolder>(
        peerapi::sources::peeringdb::load_snapshot_dir(config.peeringdb.snapshot_dir)->first);
    client = peerapi::server::make_http_client(config.outbound);
    replay = std::make_unique<peerapi::server::StoreReplayCache>(*store);
    auto built = peerapi::server::build_authenticator(config, *store, *client, *replay, clock);
    if (!built)
      std::abort();
    authenticator = std::move(*built);
    api = std::make_unique<peerapi::server::ApiService>(
        peerapi::server::ApiDependencies{.config = config,
                                         .store = *store,
                                         .peeringdb = *snapshot,
                                         .authenticator = *authenticator,
                                         .clock = clock,
                                         .random = random,
                                         .pagination_key = "fuzz-key",
                                         .public_origin = "http://127.0.0.1:8080"});
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  if (size == 0)
    return 0;
  // First byte: method; then the target up to the first newline; the rest is the body.
  static const char* kMethods[] = {"GET", "POST", "DELETE", "PUT", "HEAD"};
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto newline = input.find('\n');
  peerapi::server::HttpRequest request;
  request.method = kMethods[data[0] % 5];
  request.target = "/" + input.substr(0, newline);
  request.body = newline == std::string::npos ? "" : input.substr(newline + 1);
  if ((data[0] & 0x80) == 0)
    request.fields.emplace_back("Authorization", "Bearer dev-token-64501");
  request.fields.emplace_back("Content-Type", "application/json");
  auto response = world.api->handle(request);
  if (response.status >= 500 && response.status != 503)
    std::abort();
  return 0;
}
