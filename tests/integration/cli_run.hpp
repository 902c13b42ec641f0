// Runs the peerapi binary as an operator would, for the CLI tests.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace peerapi::testing {

struct CliRun {
  int status = -1;  // exit code; -1 when the process did not exit normally
  std::string out;  // stdout
  std::string err;  // stderr
  /// stdout split into lines (without the newlines).
  [[nodiscard]] std::vector<std::string> lines() const;
};

/// Runs `peerapi ARGS` through the shell (ARGS are test-controlled, no untrusted text), with
/// `input` on stdin and a 60 s limit.
CliRun run_peerapi(const std::string& args, const std::string& input = "");

/// The smallest configuration a CLI command accepts: AS64500, the SQLite store
/// `store_dir`/peerapi.db and the example PeeringDB snapshot. Tests append the tables they need.
std::string cli_config(const std::filesystem::path& store_dir);

}  // namespace peerapi::testing
