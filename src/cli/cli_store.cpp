#include "cli/cli_store.hpp"

#include <iostream>

namespace peerapi::cli {

std::unique_ptr<OpenedStore> open_store(const config::Config& config, std::string_view command) {
  auto opened = std::make_unique<OpenedStore>();
  store::SqliteOptions options;
  options.synchronous = config.store.synchronous;
  auto store = store::SqliteStore::open(config.store.sqlite, opened->random, options);
  if (!store) {
    std::cerr << "peerapi " << command << ": store: " << store.error().message << "\n";
    return nullptr;
  }
  opened->store = std::move(*store);
  return opened;
}

}  // namespace peerapi::cli
