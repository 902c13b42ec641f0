// ConfigDirectory (router/config_directory.hpp): what a driver reads back, writes and prunes in
// `[router] config_dir`. Managed files are the rendering's top-level file and everything under
// peerapi/; the operator's own files beside them are never touched.
#include "router/config_directory.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <string>

#include "support/test_support.hpp"

namespace peerapi::router {
namespace {

namespace fs = std::filesystem;
using testing::read_file;
using testing::TempDir;
using testing::write_file;

/// Every regular file under `dir` by relative path, with its bytes.
std::map<std::string, std::string> everything(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file())
      files.emplace(entry.path().lexically_relative(dir).generic_string(), read_file(entry.path()));
  }
  return files;
}

ino_t inode(const fs::path& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 ? info.st_ino : 0;
}

/// A folder as an operator has it: peerapi's files of an earlier rendering and their own.
struct Folder {
  TempDir dir;
  ConfigDirectory directory{dir.path()};

  Folder() {
    write_file(dir.path() / "bird.conf", "include \"peerapi/sessions/a.conf\";\n");
    write_file(dir.path() / "peerapi" / "bogons.conf", "define BOGONS = [ 10.0.0.0/8+ ];\n");
    write_file(dir.path() / "peerapi" / "sessions" / "a.conf", "protocol bgp a {}\n");
    write_file(dir.path() / "peerapi" / "sessions" / "b.conf", "protocol bgp b {}\n");
    // Not managed: the operator's main file and include folder, and a temporary file an
    // interrupted atomic write left behind.
    write_file(dir.path() / "operator.conf", "router id 192.0.2.1;\n");
    write_file(dir.path() / "local" / "kernel.conf", "protocol kernel {}\n");
    write_file(dir.path() / "peerapi" / "sessions" / ".c.conf.tmp", "half a fi");
  }
};

TEST(ConfigDirectory, ReadsTheTopLevelFileAndEverythingUnderPeerapi) {
  Folder folder;
  const auto files = folder.directory.read("bird.conf");
  ASSERT_TRUE(files) << files.error().message;
  EXPECT_EQ(*files, (FileSet{
                        {"bird.conf", "include \"peerapi/sessions/a.conf\";\n"},
                        {"peerapi/bogons.conf", "define BOGONS = [ 10.0.0.0/8+ ];\n"},
                        {"peerapi/sessions/a.conf", "protocol bgp a {}\n"},
                        {"peerapi/sessions/b.conf", "protocol bgp b {}\n"},
                    }));
  // Another top-level name: only that file counts, and only when it exists.
  const auto frr = folder.directory.read("frr.conf");
  ASSERT_TRUE(frr);
  EXPECT_FALSE(frr->contains("bird.conf"));
  EXPECT_EQ(frr->size(), 3u);
  const auto none = folder.directory.read("");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->size(), 3u);
}

TEST(ConfigDirectory, ReadOfAMissingOrEmptyFolderIsEmpty) {
  TempDir dir;
  const auto missing = ConfigDirectory(dir.path() / "not-yet").read("bird.conf");
  ASSERT_TRUE(missing) << missing.error().message;
  EXPECT_TRUE(missing->empty());
  const auto empty = ConfigDirectory(dir.path()).read("bird.conf");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  // A folder where the top-level file should be is not a file.
  fs::create_directories(dir.path() / "bird.conf");
  const auto folder_named_like_it = ConfigDirectory(dir.path()).read("bird.conf");
  ASSERT_TRUE(folder_named_like_it);
  EXPECT_TRUE(folder_named_like_it->empty());
}

TEST(ConfigDirectory, ReplaceWritesWhatDiffersPrunesWhatIsGoneAndLeavesTheRest) {
  Folder folder;
  const auto current = folder.directory.read("bird.conf");
  ASSERT_TRUE(current);
  const fs::path& dir = folder.dir.path();
  const ino_t unchanged_before = inode(dir / "peerapi" / "bogons.conf");
  const ino_t changed_before = inode(dir / "bird.conf");

  const FileSet wanted = {
      {"bird.conf", "include \"peerapi/sessions/a.conf\";\ninclude \"peerapi/x/c.conf\";\n"},
      {"peerapi/bogons.conf", "define BOGONS = [ 10.0.0.0/8+ ];\n"},
      {"peerapi/sessions/a.conf", "protocol bgp a { disabled; }\n"},
      {"peerapi/x/c.conf", "protocol bgp c {}\n"},  // in a folder that does not exist yet
  };
  const auto replaced = folder.directory.replace(*current, wanted);
  ASSERT_TRUE(replaced) << replaced.error().message;

  EXPECT_EQ(everything(dir), (std::map<std::string, std::string>{
                                 {"bird.conf", wanted.at("bird.conf")},
                                 {"peerapi/bogons.conf", wanted.at("peerapi/bogons.conf")},
                                 {"peerapi/sessions/a.conf", wanted.at("peerapi/sessions/a.conf")},
                                 {"peerapi/x/c.conf", wanted.at("peerapi/x/c.conf")},
                                 {"operator.conf", "router id 192.0.2.1;\n"},
                                 {"local/kernel.conf", "protocol kernel {}\n"},
                                 {"peerapi/sessions/.c.conf.tmp", "half a fi"},
                             }));
  // An identical file is not rewritten; a changed one is replaced by a new file (rename).
  EXPECT_EQ(inode(dir / "peerapi" / "bogons.conf"), unchanged_before);
  EXPECT_NE(inode(dir / "bird.conf"), changed_before);
  const auto again = folder.directory.read("bird.conf");
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, wanted);
}

TEST(ConfigDirectory, ReplacingBackRestoresThePreviousFilesByteForByte) {
  Folder folder;
  const auto before = everything(folder.dir.path());
  const auto previous = folder.directory.read("bird.conf");
  ASSERT_TRUE(previous);
  const FileSet wanted = {
      {"bird.conf", "# nothing\n"},
      {"peerapi/sessions/new.conf", std::string("binary \0 bytes\r\n", 16)},
  };
  ASSERT_TRUE(folder.directory.replace(*previous, wanted));
  EXPECT_EQ(read_file(folder.dir.path() / "peerapi" / "sessions" / "new.conf"),
            wanted.at("peerapi/sessions/new.conf"));
  ASSERT_TRUE(folder.directory.replace(wanted, *previous));
  EXPECT_EQ(everything(folder.dir.path()), before);
}

TEST(ConfigDirectory, ReplaceWithNothingPrunesOnlyManagedFiles) {
  Folder folder;
  const auto current = folder.directory.read("bird.conf");
  ASSERT_TRUE(current);
  ASSERT_TRUE(folder.directory.replace(*current, FileSet{}));
  EXPECT_EQ(everything(folder.dir.path()), (std::map<std::string, std::string>{
                                               {"operator.conf", "router id 192.0.2.1;\n"},
                                               {"local/kernel.conf", "protocol kernel {}\n"},
                                               {"peerapi/sessions/.c.conf.tmp", "half a fi"},
                                           }));
  // What `current` did not list is not the caller's to prune.
  write_file(folder.dir.path() / "peerapi" / "unlisted.conf", "x\n");
  ASSERT_TRUE(folder.directory.replace(FileSet{}, FileSet{}));
  EXPECT_TRUE(fs::exists(folder.dir.path() / "peerapi" / "unlisted.conf"));
}

TEST(ConfigDirectory, UnwritablePlaceIsAnIoErrorAtThePath) {
  TempDir dir;
  write_file(dir.path() / "peerapi", "a file where the folder should be\n");
  const ConfigDirectory directory(dir.path());
  const auto replaced = directory.replace(FileSet{}, FileSet{{"peerapi/sessions/a.conf", "x\n"}});
  ASSERT_FALSE(replaced);
  EXPECT_EQ(replaced.error().code, ErrorCode::io_error);
  EXPECT_NE(replaced.error().field.find((dir.path() / "peerapi").string()), std::string::npos)
      << replaced.error().field;
  EXPECT_EQ(read_file(dir.path() / "peerapi"), "a file where the folder should be\n");
}

TEST(ConfigDirectory, RenderingAsFileSet) {
  render::Rendering rendering;
  rendering.files = {
      {.name = "bird.conf", .text = "top\n", .top_level = true},
      {.name = "peerapi/sessions/a.conf", .text = "a\n", .top_level = false},
  };
  EXPECT_EQ(to_file_set(rendering),
            (FileSet{{"bird.conf", "top\n"}, {"peerapi/sessions/a.conf", "a\n"}}));
  EXPECT_EQ(top_level_name(rendering), "bird.conf");
  rendering.files.front().top_level = false;
  EXPECT_EQ(top_level_name(rendering), "");
  EXPECT_TRUE(to_file_set(render::Rendering{}).empty());
}

}  // namespace
}  // namespace peerapi::router
