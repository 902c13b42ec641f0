// Runs OpenBGPD's own configuration check, `bgpd -n -f FILE`, the way the issue 5 tests need it:
// from a working directory other than the file's (bgpd resolves `include` against its working
// directory, so a config that only passes from its own folder would be caught).
#pragma once

#include <filesystem>
#include <string>

namespace peerapi::testing::openbgpd {

struct CheckResult {
  int exit_code = -1;  // bgpd's exit status; -1 when it could not be run
  std::string output;  // stdout and stderr together
};

/// The bgpd binary (/usr/sbin/bgpd, else the first on PATH), or empty when not installed.
std::filesystem::path bgpd_binary();

/// `bgpd -n -f config` with `working_dir` as the current directory. bgpd prints
/// "configuration OK" and exits 0 on success, lists every error with file:line and exits 1.
CheckResult check_config(const std::filesystem::path& config,
                         const std::filesystem::path& working_dir);

}  // namespace peerapi::testing::openbgpd
