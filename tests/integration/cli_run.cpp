#include "integration/cli_run.hpp"

#include <sys/wait.h>

#include <array>
#include <cstdio>

#include "support/test_support.hpp"

namespace peerapi::testing {

std::vector<std::string> CliRun::lines() const {
  std::vector<std::string> result;
  std::size_t start = 0;
  while (start < out.size()) {
    const std::size_t end = out.find('\n', start);
    result.push_back(out.substr(start, end - start));
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  return result;
}

CliRun run_peerapi(const std::string& args, const std::string& input) {
  TempDir dir;
  const auto in_file = dir.path() / "stdin";
  const auto err_file = dir.path() / "stderr";
  write_file(in_file, input);
  const std::string command = "timeout 60 " + std::string(PEERAPI_BINARY) + " " + args + " <" +
                              in_file.string() + " 2>" + err_file.string();
  CliRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr)
    return run;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr)
    run.out += buffer.data();
  const int status = pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.err = read_file(err_file);
  return run;
}

std::string cli_config(const std::filesystem::path& store_dir) {
  return "[server]\nlisten = [\"127.0.0.1:0\"]\n"
         "[network]\nasns = [64500]\ncontact_email = \"peering@example.net\"\n"
         "[store]\nsqlite = \"" +
         (store_dir / "peerapi.db").string() + "\"\n[peeringdb]\nsnapshot_dir = \"" +
         (source_dir() / "examples/peeringdb").string() + "\"\n";
}

}  // namespace peerapi::testing
