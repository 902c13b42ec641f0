#include "cli/cli_store.hpp"

#include <iostream>

#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace peerapi::cli {

std::unique_ptr<OpenedStore> open_store(const config::Config& config, std::string_view command) {
  auto opened = std::make_unique<OpenedStore>();
  auto store = [&]() -> Result<std::unique_ptr<store::Store>> {
    if (!config.store.postgres.empty())
      return store::PostgresStore::open(config.store.postgres, opened->random);
    store::SqliteOptions options;
    options.synchronous = config.store.synchronous;
    return store::SqliteStore::open(config.store.sqlite, opened->random, options);
  }();
  if (!store) {
    std::cerr << "peerapi " << command << ": store: " << store.error().message << "\n";
    return nullptr;
  }
  opened->store = std::move(*store);
  return opened;
}

}  // namespace peerapi::cli
