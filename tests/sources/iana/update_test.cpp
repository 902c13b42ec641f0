// Replacing the registry files of a data directory: validate everything, then write each changed
// file atomically; a bad input leaves the directory as it was.
#include "sources/iana/update.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "support/test_support.hpp"

namespace peerapi::sources::iana {
namespace {

using peerapi::testing::read_file;
using peerapi::testing::source_dir;
using peerapi::testing::TempDir;
using peerapi::testing::write_file;

std::filesystem::path shipped(RegistryKind kind) {
  return source_dir() / "data" / "iana" / file_name(kind);
}

class UpdateRegistryDir : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const RegistryKind kind : kAllRegistryKinds)
      std::filesystem::copy_file(shipped(kind), dir.path() / file_name(kind));
  }
  std::string current(RegistryKind kind) const { return read_file(dir.path() / file_name(kind)); }
  static std::string original(RegistryKind kind) { return read_file(shipped(kind)); }

  TempDir dir;
};

/// The shipped IPv4 registry with 192.0.2.0/24 removed, one new row, and 10.0.0.0/8 marked
/// globally reachable.
std::string edited_v4() {
  std::string text = read_file(shipped(RegistryKind::ipv4_special));
  const auto doc = text.find("192.0.2.0/24,");
  text.erase(doc, text.find('\n', doc) + 1 - doc);
  text.replace(text.find("[RFC1918],1996-02,N/A,True,True,True,False"), 42,
               "[RFC1918],1996-02,N/A,True,True,True,True");
  text += "192.0.0.11/32,Example Anycast,[RFC9999],2026-01,N/A,True,True,True,True,False\n";
  return text;
}

TEST_F(UpdateRegistryDir, ReportsAddedRemovedAndChangedBlocksAndWritesTheFile) {
  const std::vector<InputFile> inputs{{"new-v4.csv", edited_v4()}};
  auto changes = update_registry_dir(dir.path(), inputs);
  ASSERT_TRUE(changes.has_value()) << changes.error().field << ": " << changes.error().message;
  ASSERT_EQ(changes->size(), 1u);
  const RegistryChange& change = changes->front();
  EXPECT_EQ(change.kind, RegistryKind::ipv4_special);
  EXPECT_EQ(change.origin, "new-v4.csv");
  EXPECT_TRUE(change.had_previous);
  EXPECT_TRUE(change.written);
  ASSERT_EQ(change.added.size(), 1u);
  EXPECT_TRUE(change.added[0].starts_with("192.0.0.11/32 Example Anycast [RFC9999]"))
      << change.added[0];
  ASSERT_EQ(change.removed.size(), 1u);
  EXPECT_TRUE(change.removed[0].starts_with("192.0.2.0/24 Documentation (TEST-NET-1)"));
  ASSERT_EQ(change.changed.size(), 1u);
  EXPECT_TRUE(change.changed[0].starts_with("10.0.0.0/8 Private-Use"));
  EXPECT_NE(change.changed[0].find("globally reachable True"), std::string::npos);
  EXPECT_EQ(current(RegistryKind::ipv4_special), edited_v4());
  EXPECT_EQ(current(RegistryKind::ipv6_special), original(RegistryKind::ipv6_special));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / ".ipv4-special-registry.csv.tmp"));
}

TEST_F(UpdateRegistryDir, IdenticalContentIsNotRewritten) {
  const std::vector<InputFile> inputs{
      {"a.csv", original(RegistryKind::ipv6_unicast)},
      {"b.csv", original(RegistryKind::ipv6_special)},
  };
  const auto before =
      std::filesystem::last_write_time(dir.path() / "ipv6-unicast-address-assignments.csv");
  auto changes = update_registry_dir(dir.path(), inputs);
  ASSERT_TRUE(changes.has_value()) << changes.error().message;
  ASSERT_EQ(changes->size(), 2u);
  // Reported in file order of the kinds, not of the arguments.
  EXPECT_EQ((*changes)[0].kind, RegistryKind::ipv6_special);
  EXPECT_EQ((*changes)[1].kind, RegistryKind::ipv6_unicast);
  for (const auto& change : *changes) {
    EXPECT_FALSE(change.written);
    EXPECT_TRUE(change.added.empty());
    EXPECT_TRUE(change.removed.empty());
    EXPECT_TRUE(change.changed.empty());
  }
  EXPECT_EQ(std::filesystem::last_write_time(dir.path() / "ipv6-unicast-address-assignments.csv"),
            before);
}

TEST_F(UpdateRegistryDir, ABadInputLeavesEveryFileAsItWas) {
  std::string bad_v6 = original(RegistryKind::ipv6_special);
  bad_v6.replace(bad_v6.find("True,True,False,False,True"), 26, "True,True,False,Nope,True");
  const std::vector<InputFile> inputs{{"good-v4.csv", edited_v4()}, {"bad-v6.csv", bad_v6}};
  auto changes = update_registry_dir(dir.path(), inputs);
  ASSERT_FALSE(changes.has_value());
  EXPECT_EQ(changes.error().code, ErrorCode::invalid_value);
  EXPECT_EQ(changes.error().field, "bad-v6.csv:26:Globally Reachable");
  for (const RegistryKind kind : kAllRegistryKinds)
    EXPECT_EQ(current(kind), original(kind)) << file_name(kind);
}

TEST_F(UpdateRegistryDir, TwoFilesOfOneKindAreRefused) {
  const std::vector<InputFile> inputs{{"one.csv", edited_v4()},
                                      {"two.csv", original(RegistryKind::ipv4_special)}};
  auto changes = update_registry_dir(dir.path(), inputs);
  ASSERT_FALSE(changes.has_value());
  EXPECT_EQ(changes.error().code, ErrorCode::invalid_value);
  EXPECT_EQ(changes.error().field, "two.csv");
  EXPECT_EQ(current(RegistryKind::ipv4_special), original(RegistryKind::ipv4_special));
}

TEST_F(UpdateRegistryDir, DryRunReportsWithoutWriting) {
  const std::vector<InputFile> inputs{{"new-v4.csv", edited_v4()}};
  auto changes = update_registry_dir(dir.path(), inputs, /*dry_run=*/true);
  ASSERT_TRUE(changes.has_value()) << changes.error().message;
  EXPECT_EQ(changes->front().added.size(), 1u);
  EXPECT_FALSE(changes->front().written);
  EXPECT_EQ(current(RegistryKind::ipv4_special), original(RegistryKind::ipv4_special));
}

TEST(UpdateRegistryDirFresh, AnEmptyDirectoryNeedsAllThreeFiles) {
  TempDir dir;
  const auto target = dir.path() / "iana";
  const std::vector<InputFile> only_v4{{"v4.csv", read_file(shipped(RegistryKind::ipv4_special))}};
  auto partial = update_registry_dir(target, only_v4);
  ASSERT_FALSE(partial.has_value());
  EXPECT_EQ(partial.error().code, ErrorCode::missing_field);
  EXPECT_EQ(partial.error().field, (target / "ipv6-special-registry.csv").string());
  EXPECT_FALSE(std::filesystem::exists(target));

  std::vector<InputFile> all;
  for (const RegistryKind kind : kAllRegistryKinds)
    all.push_back({std::string(file_name(kind)), read_file(shipped(kind))});
  auto changes = update_registry_dir(target, all);
  ASSERT_TRUE(changes.has_value()) << changes.error().message;
  for (const auto& change : *changes) {
    EXPECT_FALSE(change.had_previous);
    EXPECT_TRUE(change.written);
    EXPECT_FALSE(change.added.empty());
  }
  EXPECT_EQ((*changes)[0].added.size(), 26u);
  auto loaded = load(target);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  EXPECT_EQ(loaded->ipv6_unicast.size(), 41u);
}

TEST(UpdateRegistryDirFresh, AnInvalidFileLeftInTheDirectoryIsReported) {
  TempDir dir;
  for (const RegistryKind kind : kAllRegistryKinds)
    std::filesystem::copy_file(shipped(kind), dir.path() / file_name(kind));
  write_file(dir.path() / "ipv6-unicast-address-assignments.csv", "Prefix,Designation\n");
  const std::vector<InputFile> inputs{{"v4.csv", read_file(shipped(RegistryKind::ipv4_special))}};
  auto changes = update_registry_dir(dir.path(), inputs);
  ASSERT_FALSE(changes.has_value());
  EXPECT_EQ(changes.error().code, ErrorCode::missing_field);
  EXPECT_EQ(changes.error().field,
            (dir.path() / "ipv6-unicast-address-assignments.csv").string() + ":1:Date");
}

}  // namespace
}  // namespace peerapi::sources::iana
