// The store of the server a configuration file describes, opened by an operator command
// (`peerapi admin`, `peerapi render`) on the same SQLite file the server uses.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "util/clock.hpp"

namespace peerapi::cli {

struct OpenedStore {
  util::SecureRandom random;
  std::unique_ptr<store::SqliteStore> store;
};

/// Opens the store of `config`; nullptr after printing "peerapi <command>: store: <why>".
std::unique_ptr<OpenedStore> open_store(const config::Config& config, std::string_view command);

}  // namespace peerapi::cli
