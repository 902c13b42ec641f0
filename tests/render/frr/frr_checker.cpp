#include "render/frr/frr_checker.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>
#include <thread>

#include "support/test_support.hpp"

extern char** environ;

namespace peerapi::testing::frr {

namespace {

constexpr const char* kVtysh = "/usr/bin/vtysh";
constexpr const char* kBgpd = "/usr/lib/frr/bgpd";
constexpr const char* kUnshare = "/usr/bin/unshare";
constexpr const char* kSetpriv = "/usr/bin/setpriv";

/// Texts that mean bgpd refused part of the configuration ("[EC " starts every FRR error log
/// line; the rest are the messages of vty_read_config and the northbound commit).
constexpr std::array<const char*, 8> kBgpdErrors{
    "Config Failed",      "No such command",      "Unknown command",    "on config line",
    "configuration file", "Configuration failed", "failed to validate", "[EC "};

std::string join(const std::vector<std::string>& argv) {
  std::string text;
  for (const std::string& arg : argv)
    text += (text.empty() ? "" : " ") + arg;
  return text;
}

std::string describe(const ProcessResult& result) {
  return "$ " + result.command + "\nrc " + std::to_string(result.rc) + "\n" + result.output;
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const std::filesystem::path& log,
                          int timeout_seconds) {
  ProcessResult result;
  result.command = join(argv);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  for (const std::string& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    result.output = "cannot run " + argv[0] + ": " + std::strerror(spawned);
    return result;
  }
  result.pid = pid;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  int status = 0;
  bool killed = false;
  while (waitpid(pid, &status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() > deadline) {
      // bgpd defers SIGTERM while it reads its configuration.
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      killed = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (!killed && WIFEXITED(status))
    result.rc = WEXITSTATUS(status);
  result.output = read_file(log);
  if (killed)
    result.output += "\nkilled after " + std::to_string(timeout_seconds) + " s\n";
  return result;
}

std::string missing_checkers() {
  std::string missing;
  for (const char* binary : {kVtysh, kBgpd, kUnshare, kSetpriv}) {
    if (access(binary, X_OK) != 0)
      missing += std::string(missing.empty() ? "" : ", ") + binary;
  }
  if (missing.empty())
    return "";
  return "the FRR checkers are missing (" + missing +
         "): install the Debian packages frr, frr-rpki-rtrlib and util-linux "
         "(scripts/install-deps)";
}

ProcessResult run_vtysh(const std::filesystem::path& config, const std::filesystem::path& work) {
  std::filesystem::create_directories(work);
  write_file(work / "vtysh.conf", "");
  return run_process({kVtysh, "--config_dir", work.string(), "--dryrun", "-f", config.string()},
                     work / "vtysh.log");
}

bool vtysh_accepted(const ProcessResult& result) {
  return result.rc == 0 && result.output.find('%') == std::string::npos &&
         result.output.find("line ") == std::string::npos;
}

ProcessResult run_bgpd(const std::filesystem::path& config, const std::filesystem::path& work,
                       bool transactional) {
  std::filesystem::create_directories(work);
  std::vector<std::string> argv{kSetpriv, "--pdeathsig", "KILL", kUnshare};
  // unshare --net needs CAP_SYS_ADMIN; without root, a user namespace grants it.
  if (geteuid() != 0) {
    argv.emplace_back("--user");
    argv.emplace_back("--map-root-user");
  }
  for (const char* arg : {"--net", kBgpd, "-C", "-Z", "-n", "-p", "0", "-S", "-M", "rpki"})
    argv.emplace_back(arg);
  if (transactional)
    argv.emplace_back("--tcli");
  for (const std::string& arg :
       {std::string("-i"), (work / "bgpd.pid").string(), std::string("--vty_socket"), work.string(),
        std::string("-f"), config.string()})
    argv.push_back(arg);
  ProcessResult result = run_process(argv, work / "bgpd.log");
  if (result.pid > 0) {
    // setpriv and unshare exec in place, so bgpd's pid is the one spawned. Removed only when
    // empty (a crash leaves its logs there).
    std::error_code ignored;
    std::filesystem::remove("/var/tmp/frr/bgpd." + std::to_string(result.pid), ignored);
  }
  return result;
}

bool bgpd_accepted(const ProcessResult& result) {
  if (result.rc != 0)
    return false;
  for (const char* error : kBgpdErrors) {
    if (result.output.find(error) != std::string::npos)
      return false;
  }
  return true;
}

CheckResult check_frr_config(const std::filesystem::path& config, const std::filesystem::path& work,
                             bool transactional) {
  const ProcessResult grammar = run_vtysh(config, work);
  const ProcessResult semantics = run_bgpd(config, work, transactional);
  return CheckResult{
      .accepted = vtysh_accepted(grammar) && bgpd_accepted(semantics),
      .report = describe(grammar) + "\n" + describe(semantics),
  };
}

}  // namespace peerapi::testing::frr
