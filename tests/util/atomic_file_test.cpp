#include "util/atomic_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <vector>

#include "support/test_support.hpp"

namespace peerapi::util {
namespace {

TEST(WriteFileAtomically, ReplacesTheFileWholeAndLeavesNoTemporaryFile) {
  testing::TempDir dir;
  const auto path = dir.path() / "f.txt";
  testing::write_file(path, "old");
  ASSERT_TRUE(write_file_atomically(path, "new content").has_value());
  EXPECT_EQ(testing::read_file(path), "new content");
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path()))
    ++entries;
  EXPECT_EQ(entries, 1u) << "the temporary file is renamed, not left behind";
}

TEST(WriteFileAtomically, UnwritableDirectoryIsAnIoErrorNamingThePath) {
  testing::TempDir dir;
  const auto path = dir.path() / "missing" / "f.txt";
  auto refused = write_file_atomically(path, "x");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::io_error);
  EXPECT_EQ(refused.error().field, path.string());
}

TEST(WriteFilesAtomically, WritesEveryFileAcrossFoldersAndLeavesNoTemporaryFile) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "sub");
  testing::write_file(dir.path() / "a.conf", "old a");
  const std::vector<FileContent> files{{dir.path() / "a.conf", "new a"},
                                       {dir.path() / "sub" / "b.conf", "new b"},
                                       {dir.path() / "sub" / "c.conf", ""}};
  ASSERT_TRUE(write_files_atomically(files).has_value());
  EXPECT_EQ(testing::read_file(dir.path() / "a.conf"), "new a");
  EXPECT_EQ(testing::read_file(dir.path() / "sub" / "b.conf"), "new b");
  EXPECT_EQ(testing::read_file(dir.path() / "sub" / "c.conf"), "");
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::recursive_directory_iterator(dir.path()))
    ++entries;
  EXPECT_EQ(entries, 4u);  // a.conf, sub, sub/b.conf, sub/c.conf
  EXPECT_TRUE(write_files_atomically({}).has_value());
}

TEST(WriteFilesAtomically, AFileThatCannotBeWrittenReplacesNothing) {
  testing::TempDir dir;
  testing::write_file(dir.path() / "a.conf", "old a");
  const auto missing = dir.path() / "missing" / "b.conf";
  const std::vector<FileContent> files{{dir.path() / "a.conf", "new a"}, {missing, "b"}};
  auto refused = write_files_atomically(files);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::io_error);
  EXPECT_EQ(refused.error().field, missing.string());
  EXPECT_EQ(testing::read_file(dir.path() / "a.conf"), "old a");
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path()))
    ++entries;
  EXPECT_EQ(entries, 1u) << "the temporary file of a.conf is removed";
}

}  // namespace
}  // namespace peerapi::util
