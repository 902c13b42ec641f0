// The FRR configuration checkers, run offline on a rendered frr.conf (issue 5 "Tests"):
//   vtysh --dryrun -f FILE     the grammar (rc 2 and "% Unknown command" on errors);
//   bgpd -C -Z -f FILE         the semantics; its rc is 0 even on errors, so the output is
//                              searched for "Config Failed", "No such command", ...
// bgpd is run so that it touches no running FRR and nothing outside the test: -Z (no zebra),
// -n (no kernel routes), -p 0 (no BGP listener, so no bind on port 179), -S (no user switch),
// the pid file and vty socket directory in the test's scratch directory, -M rpki so that the
// rpki block is checked as well, inside a new network namespace (unshare --net) where the RTR
// connection the rpki module starts fails at once, and under setpriv --pdeathsig KILL so that it
// cannot outlive the test. The per-process directory bgpd makes under /var/tmp/frr is removed
// afterwards by pid. vtysh reads an empty vtysh.conf from the scratch directory.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace peerapi::testing::frr {

struct ProcessResult {
  int rc = -1;         // exit status; -1 when it could not run or was killed
  std::string output;  // stdout and stderr together
  int pid = -1;
  std::string command;  // for reports
};

/// Runs `argv` (argv[0] looked up in PATH) with stdout and stderr into `log`, killing it (by
/// pid, SIGKILL) after `timeout_seconds`.
ProcessResult run_process(const std::vector<std::string>& argv, const std::filesystem::path& log,
                          int timeout_seconds = 60);

/// vtysh --dryrun on `config`. Accepted: rc 0 and no "%" error line.
ProcessResult run_vtysh(const std::filesystem::path& config, const std::filesystem::path& work);
bool vtysh_accepted(const ProcessResult& result);

/// bgpd -C on `config`. `transactional` adds --tcli: the northbound-managed objects
/// (prefix-lists, route-maps, community and AS-path lists) are validated and applied in one
/// commit at the end of the file instead of one commit per line; the per-line mode validates the
/// whole candidate at every line, which takes minutes for thousands of entries in FRR 8.4.
/// Accepted: rc 0 and none of the error texts in the output.
ProcessResult run_bgpd(const std::filesystem::path& config, const std::filesystem::path& work,
                       bool transactional = false);
bool bgpd_accepted(const ProcessResult& result);

struct CheckResult {
  bool accepted = false;
  std::string report;  // both checkers' commands, rc and output
};

/// Both checkers on `config`; `work` is a scratch directory of the test.
CheckResult check_frr_config(const std::filesystem::path& config, const std::filesystem::path& work,
                             bool transactional = false);

/// Empty when vtysh, bgpd, unshare and setpriv are installed, else the message a test fails
/// with.
std::string missing_checkers();

}  // namespace peerapi::testing::frr
