// Finding a peer's endpoint (draft section 6.2): manual entries, then the directory file, then
// the RPKI discovery table; each file format checked entry by entry.
#include "client/discovery.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "support/test_support.hpp"

namespace peerapi::client {
namespace {

using peerapi::testing::TempDir;
using peerapi::testing::write_file;

constexpr std::int64_t kNow = 1'795'435'200'000;  // 2026-11-23T12:00:00Z, 1795435200 s

model::Asn as(std::int64_t n) {
  return *model::Asn::from_number(n);
}

class Discovery : public ::testing::Test {
 protected:
  Discovery() {
    write_file(directory, R"([
      {"asn": 64500, "url": "https://dir.example.net/as64500/"},
      {"asn": 64501, "url": "https://dir.example.net/as64501"}])");
    write_file(rpki, R"({"generated": 1795435000, "endpoints": [
      {"asn": 64500, "url": "https://rpki.example.net/as64500"},
      {"asn": 64501, "url": "https://rpki.example.net/as64501"},
      {"asn": 64502, "url": "https://old.example.net/as64502", "expires": 1795435200},
      {"asn": 64502, "url": "https://rpki.example.net/as64502", "expires": 1795438800}]})");
  }

  EndpointFinder all_three() {
    EndpointFinder finder;
    finder.add(std::make_unique<ManualEndpoints>(std::vector<std::pair<model::Asn, std::string>>{
        {as(64510), "https://x.example.net"}, {as(64500), "https://manual.example.net"}}));
    finder.add(std::make_unique<EndpointFile>(EndpointOrigin::directory, directory, clock));
    finder.add(std::make_unique<EndpointFile>(EndpointOrigin::rpki, rpki, clock));
    return finder;
  }

  TempDir dir;
  std::filesystem::path directory = dir.path() / "directory.json";
  std::filesystem::path rpki = dir.path() / "rpki-discovery.json";
  util::ManualClock clock{kNow};
};

TEST_F(Discovery, SourcesAreAskedInOrder) {
  auto finder = all_three();
  auto manual = finder.find_endpoint(as(64500));
  ASSERT_TRUE(manual.has_value()) << manual.error().message;
  EXPECT_EQ(manual->url, "https://manual.example.net");
  EXPECT_EQ(manual->origin, EndpointOrigin::manual);
  EXPECT_EQ(manual->source, "client.peers[1]");

  auto listed = finder.find_endpoint(as(64501));
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  EXPECT_EQ(listed->url, "https://dir.example.net/as64501");
  EXPECT_EQ(listed->origin, EndpointOrigin::directory);
  EXPECT_EQ(listed->source, directory.string() + " entry 1");

  auto attested = finder.find_endpoint(as(64502));
  ASSERT_TRUE(attested.has_value()) << attested.error().message;
  EXPECT_EQ(attested->url, "https://rpki.example.net/as64502") << "the expired entry is skipped";
  EXPECT_EQ(attested->origin, EndpointOrigin::rpki);

  auto unknown = finder.find_endpoint(as(64503));
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
  EXPECT_EQ(unknown.error().field, "asn");
  EXPECT_NE(unknown.error().message.find("asked: manual, directory, rpki"), std::string::npos)
      << unknown.error().message;

  clock.advance_ms(3'600'000);  // the second AS64502 entry expires too
  auto expired = finder.find_endpoint(as(64502));
  ASSERT_FALSE(expired.has_value());
  EXPECT_EQ(expired.error().code, ErrorCode::not_found);
}

TEST_F(Discovery, DirectoryUrlLosesItsTrailingSlash) {
  EndpointFinder finder;
  finder.add(std::make_unique<EndpointFile>(EndpointOrigin::directory, directory, clock));
  auto found = finder.find_endpoint(as(64500));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->url, "https://dir.example.net/as64500");
}

TEST_F(Discovery, ABrokenLaterSourceIsReadOnlyWhenReachedAndThenNamed) {
  write_file(rpki, "{not json");
  auto finder = all_three();
  EXPECT_TRUE(finder.find_endpoint(as(64501)).has_value()) << "the directory answered first";
  auto broken = finder.find_endpoint(as(64502));
  ASSERT_FALSE(broken.has_value());
  EXPECT_EQ(broken.error().code, ErrorCode::data_invalid);
  EXPECT_NE(broken.error().message.find(rpki.string()), std::string::npos)
      << broken.error().message;

  EndpointFinder missing;
  missing.add(
      std::make_unique<EndpointFile>(EndpointOrigin::directory, dir.path() / "absent", clock));
  auto io = missing.find_endpoint(as(64500));
  ASSERT_FALSE(io.has_value());
  EXPECT_EQ(io.error().code, ErrorCode::io_error);
}

TEST(DiscoveryFinder, WithoutSourcesTheMessageSaysWhatToConfigure) {
  EndpointFinder finder;
  auto none = finder.find_endpoint(as(64500));
  ASSERT_FALSE(none.has_value());
  EXPECT_NE(none.error().message.find("[[client.peers]]"), std::string::npos);
}

struct BadFile {
  std::string name;
  std::string text;
  std::string field;
};

class BadDirectory : public ::testing::TestWithParam<BadFile> {};

TEST_P(BadDirectory, NamesTheEntry) {
  auto parsed = parse_directory(GetParam().text);
  ASSERT_FALSE(parsed.has_value()) << GetParam().name;
  EXPECT_EQ(parsed.error().code, ErrorCode::data_invalid) << parsed.error().message;
  EXPECT_EQ(parsed.error().field, GetParam().field) << parsed.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, BadDirectory,
    ::testing::Values(
        BadFile{"not json", "[", ""}, BadFile{"object", "{}", ""},
        BadFile{"entry not object", "[1]", "[0]"},
        BadFile{"asn missing", R"([{"url": "https://a.example"}])", "[0].asn"},
        BadFile{"asn string", R"([{"asn": "64500", "url": "https://a.example"}])", "[0].asn"},
        BadFile{"asn reserved", R"([{"asn": 23456, "url": "https://a.example"}])", "[0].asn"},
        BadFile{"url missing", R"([{"asn": 64500}])", "[0].url"},
        BadFile{"url ftp", R"([{"asn": 64500, "url": "ftp://a.example"}])", "[0].url"},
        BadFile{"url relative", R"([{"asn": 64500, "url": "/api"}])", "[0].url"},
        BadFile{"url with query", R"([{"asn": 64500, "url": "https://a.example/?x=1"}])",
                "[0].url"},
        BadFile{"url with credentials", R"([{"asn": 64500, "url": "https://u:p@a.example"}])",
                "[0].url"},
        BadFile{"expires in a directory",
                R"([{"asn": 64500, "url": "https://a.example", "expires": 1}])", "[0].expires"},
        BadFile{"asn twice",
                R"([{"asn": 64500, "url": "https://a.example"},
                    {"asn": 64500, "url": "https://b.example"}])",
                "[1].asn"}),
    [](const ::testing::TestParamInfo<BadFile>& row) {
      std::string name;
      for (char c : row.param.name)
        name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return name;
    });

class BadRpkiTable : public ::testing::TestWithParam<BadFile> {};

TEST_P(BadRpkiTable, NamesTheEntry) {
  auto parsed = parse_rpki_table(GetParam().text);
  ASSERT_FALSE(parsed.has_value()) << GetParam().name;
  EXPECT_EQ(parsed.error().code, ErrorCode::data_invalid) << parsed.error().message;
  EXPECT_EQ(parsed.error().field, GetParam().field) << parsed.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, BadRpkiTable,
    ::testing::Values(
        BadFile{"array", "[]", ""}, BadFile{"no endpoints", R"({"generated": 1})", "endpoints"},
        BadFile{"endpoints object", R"({"endpoints": {}})", "endpoints"},
        BadFile{"unknown member", R"({"endpoints": [], "version": 2})", "version"},
        BadFile{"generated negative", R"({"endpoints": [], "generated": -1})", "generated"},
        BadFile{"expires string",
                R"({"endpoints": [{"asn": 64500, "url": "https://a.example", "expires": "x"}]})",
                "endpoints[0].expires"},
        BadFile{"entry url http with fragment",
                R"({"endpoints": [{"asn": 64500, "url": "http://a.example/#x"}]})",
                "endpoints[0].url"}),
    [](const ::testing::TestParamInfo<BadFile>& row) {
      std::string name;
      for (char c : row.param.name)
        name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return name;
    });

TEST(DiscoveryFormats, GoodFilesParse) {
  auto directory = parse_directory(R"([{"asn": 4200000001, "url": "http://127.0.0.1:8080"}])");
  ASSERT_TRUE(directory.has_value()) << directory.error().message;
  EXPECT_EQ(directory->at(0).asn.value(), 4'200'000'001u);
  EXPECT_EQ(directory->at(0).url, "http://127.0.0.1:8080");
  auto table = parse_rpki_table(
      R"({"endpoints": [{"asn": 64500, "url": "https://a.example/api//", "expires": 5}]})");
  ASSERT_TRUE(table.has_value()) << table.error().message;
  EXPECT_EQ(table->at(0).url, "https://a.example/api");
  EXPECT_EQ(table->at(0).expires_ms, 5'000);
  EXPECT_TRUE(parse_rpki_table(R"({"endpoints": []})").has_value());
}

}  // namespace
}  // namespace peerapi::client
