// The store of the server a configuration file describes, opened by an operator command
// (`peerapi admin`, `peerapi render`) on the same SQLite file or PostgreSQL database the server
// uses.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "store/store.hpp"
#include "util/clock.hpp"

namespace peerapi::cli {

struct OpenedStore {
  util::SecureRandom random;
  std::unique_ptr<store::Store> store;
};

/// Opens the store of `config` ([store] sqlite or postgres); nullptr after printing
/// "peerapi <command>: store: <why>" (never the PostgreSQL password).
std::unique_ptr<OpenedStore> open_store(const config::Config& config, std::string_view command);

}  // namespace peerapi::cli
