#include "util/atomic_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>

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

}  // namespace
}  // namespace peerapi::util
