// ProcessRunner (router/command_runner.hpp), the way drivers run birdc, vtysh, bgpctl and the
// daemons' checkers: exit codes, output capture and its cap, the deadline, programs that cannot
// be started, and children that leave something running behind.
#include "router/command_runner.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/test_support.hpp"

namespace peerapi::router {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

CommandResult sh(const std::string& script, std::chrono::milliseconds timeout = 10s,
                 ProcessRunner runner = ProcessRunner()) {
  return runner.run({"sh", "-c", script}, timeout);
}

/// Whether process `pid` is gone (or a zombie waiting for its new parent to reap it).
bool gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line))
    return true;
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

TEST(ProcessRunner, ReportsExitCodes) {
  struct Case {
    std::string script;
    int exit_code;
  };
  const std::vector<Case> cases = {
      {"exit 0", 0},
      {"exit 1", 1},
      {"exit 3", 3},
      {"exit 255", 255},
      {"kill -TERM $$", 128 + SIGTERM},
      {"kill -KILL $$", 128 + SIGKILL},
  };
  for (const auto& c : cases) {
    const CommandResult result = sh(c.script);
    EXPECT_EQ(result.exit_code, c.exit_code) << c.script;
    EXPECT_EQ(result.ok(), c.exit_code == 0) << c.script;
    EXPECT_FALSE(result.timed_out) << c.script;
    EXPECT_EQ(result.start_error, "") << c.script;
  }
}

TEST(ProcessRunner, CapturesStdoutAndStderr) {
  const CommandResult result = sh("echo to-stdout; echo to-stderr >&2; printf 'no newline'");
  ASSERT_TRUE(result.ok()) << result.output;
  EXPECT_NE(result.output.find("to-stdout\n"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("to-stderr\n"), std::string::npos) << result.output;
  EXPECT_TRUE(result.output.ends_with("no newline")) << result.output;
  // Arguments reach the program as they are, without a shell in between.
  const CommandResult echoed =
      ProcessRunner().run({"printf", "%s|", "a b", "$HOME", "'q'", ""}, 10s);
  EXPECT_EQ(echoed.output, "a b|$HOME|'q'||");
}

TEST(ProcessRunner, InputIsEmpty) {
  const auto started = Clock::now();
  const CommandResult result = ProcessRunner().run({"cat"}, 10s);
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(result.output, "");
  EXPECT_LT(Clock::now() - started, 5s) << "cat waited for input";
}

TEST(ProcessRunner, KeepsAtMostTheCapAndStillReadsEverything) {
  // 4 MiB through a 1000-byte cap: the child is never blocked on a full pipe and exits 0.
  const CommandResult result = ProcessRunner(1000).run(
      {"sh", "-c", "head -c 4194304 /dev/zero | tr '\\0' x; echo done >&2"}, 10s);
  EXPECT_TRUE(result.ok()) << result.exit_code << (result.timed_out ? " timed out" : "");
  EXPECT_EQ(result.output.size(), 1000u);
  EXPECT_EQ(result.output, std::string(1000, 'x'));
}

TEST(ProcessRunner, DeadlineKillsTheProgram) {
  const auto started = Clock::now();
  const CommandResult result = ProcessRunner().run({"sleep", "30"}, 300ms);
  const auto took = Clock::now() - started;
  EXPECT_TRUE(result.timed_out);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.exit_code, 128 + SIGKILL);
  EXPECT_GE(took, 250ms) << "killed long before its deadline";
  EXPECT_LT(took, 2s) << "sleep 30 outlived its deadline";
}

TEST(ProcessRunner, OutputBeforeTheDeadlineIsKept) {
  const CommandResult result = sh("echo partial; exec sleep 30", 500ms);
  EXPECT_TRUE(result.timed_out);
  EXPECT_EQ(result.output, "partial\n");
}

TEST(ProcessRunner, BackgroundGrandchildHoldingThePipeDoesNotHangIt) {
  // The shell exits at once, its background child keeps stdout open: the runner stops at the
  // deadline and kills the whole process group, the grandchild included.
  const auto started = Clock::now();
  const CommandResult result = sh("sleep 30 & echo $!", 700ms);
  const auto took = Clock::now() - started;
  EXPECT_LT(took, 2700ms) << "the runner waited for the grandchild";
  ASSERT_FALSE(result.output.empty());
  const pid_t grandchild = std::atoi(result.output.c_str());
  ASSERT_GT(grandchild, 1) << result.output;
  bool dead = false;
  for (int i = 0; i < 100 && !dead; ++i) {
    dead = gone(grandchild);
    if (!dead)
      std::this_thread::sleep_for(20ms);
  }
  if (!dead)
    ::kill(grandchild, SIGKILL);
  EXPECT_TRUE(dead) << "the background sleep " << grandchild << " survived the runner";
}

TEST(ProcessRunner, ProgramThatCannotBeStartedSaysWhy) {
  testing::TempDir dir;
  const auto not_executable = dir.path() / "script.sh";
  testing::write_file(not_executable, "#!/bin/sh\necho hi\n");
  ::chmod(not_executable.c_str(), 0644);

  struct Case {
    std::vector<std::string> argv;
    std::string mentions;
  };
  const std::vector<Case> cases = {
      {{"peerapi-no-such-program"}, "peerapi-no-such-program"},
      {{(dir.path() / "missing").string()}, "No such file or directory"},
      {{not_executable.string()}, "Permission denied"},
      {{}, "no program"},
  };
  for (const auto& c : cases) {
    const auto started = Clock::now();
    const CommandResult result = ProcessRunner().run(c.argv, 10s);
    EXPECT_EQ(result.exit_code, -1) << c.mentions;
    EXPECT_FALSE(result.ok());
    EXPECT_FALSE(result.timed_out);
    EXPECT_NE(result.start_error.find(c.mentions), std::string::npos)
        << "start_error: \"" << result.start_error << "\"";
    EXPECT_LT(Clock::now() - started, 5s);
  }
}

TEST(ProcessRunner, FindsProgramsInPath) {
  const CommandResult by_name = ProcessRunner().run({"true"}, 10s);
  EXPECT_TRUE(by_name.ok()) << by_name.start_error;
  const CommandResult by_path = ProcessRunner().run({"/bin/sh", "-c", "exit 4"}, 10s);
  EXPECT_EQ(by_path.exit_code, 4);
}

TEST(ProcessRunner, ChildGetsOnlyStandardDescriptors) {
  // The runner's own pipes and whatever else the parent has open do not leak into the program.
  // A descriptor of ours without close-on-exec, as a library might leave one.
  const int leaked = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaked, 3);
  // `ls` lists the descriptors of the shell that started it (the runner's child).
  const CommandResult result = sh("ls /proc/$$/fd; wait");
  ::close(leaked);
  ASSERT_TRUE(result.ok()) << result.output;
  std::set<std::string> descriptors;
  std::size_t at = 0;
  while (at < result.output.size()) {
    const auto end = result.output.find('\n', at);
    descriptors.insert(result.output.substr(at, end - at));
    at = end == std::string::npos ? result.output.size() : end + 1;
  }
  EXPECT_EQ(descriptors, (std::set<std::string>{"0", "1", "2"})) << result.output;
}

TEST(ProcessRunner, RunsFromSeveralThreadsWithoutMixingOutputs) {
  ProcessRunner runner;
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&runner, &wrong, t] {
      for (int i = 0; i < 15; ++i) {
        const std::string word = "thread" + std::to_string(t) + "-" + std::to_string(i);
        const CommandResult result = runner.run({"echo", word}, 10s);
        if (!result.ok() || result.output != word + "\n")
          ++wrong[t];
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace peerapi::router
