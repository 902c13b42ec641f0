// Runs BIRD's own configuration check (`bird -p -c FILE`) as a child process, from a working
// directory other than the file's folder, so that relative includes are tested as operators run
// them. Test-only helper of render_bird_test.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "render/renderer.hpp"

namespace peerapi::testing::bird_checker {

struct CheckResult {
  int exit_code = -1;  // -1: not started or killed by a signal
  std::string output;  // stdout and stderr together
};

/// The bird binary from PATH, /usr/sbin or /usr/local/sbin; nullopt when it is not installed.
std::optional<std::filesystem::path> find_bird();

/// `bird -p -c CONFIG` run in `cwd`. The binary must exist (see find_bird).
CheckResult check(const std::filesystem::path& bird, const std::filesystem::path& config,
                  const std::filesystem::path& cwd);

/// Writes every file of `rendering` under `dir` (their relative names) and returns the path of
/// the top-level file.
std::filesystem::path write_rendering(const render::Rendering& rendering,
                                      const std::filesystem::path& dir);

}  // namespace peerapi::testing::bird_checker
