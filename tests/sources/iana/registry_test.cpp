// The IANA registry parsers, on the shipped snapshot in data/iana/ (known answers) and on
// one-row variations of it (table-driven bad rows).
#include "sources/iana/registry.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "support/test_support.hpp"

namespace peerapi::sources::iana {
namespace {

using peerapi::testing::read_file;
using peerapi::testing::source_dir;

std::filesystem::path data_dir() {
  return source_dir() / "data" / "iana";
}

const SpecialPurposeEntry* find_block(const std::vector<SpecialPurposeEntry>& entries,
                                      std::string_view prefix) {
  for (const auto& entry : entries) {
    if (entry.prefix.to_string() == prefix)
      return &entry;
  }
  return nullptr;
}

const UnicastAssignment* find_assignment(const std::vector<UnicastAssignment>& rows,
                                         std::string_view prefix) {
  for (const auto& row : rows) {
    if (row.prefix.to_string() == prefix)
      return &row;
  }
  return nullptr;
}

class ShippedRegistries : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = load(data_dir());
    ASSERT_TRUE(loaded.has_value()) << loaded.error().field << ": " << loaded.error().message;
    registries = std::move(*loaded);
  }
  Registries registries;
};

TEST_F(ShippedRegistries, Ipv4RowsAndBlocks) {
  // 25 rows; "192.0.0.170/32, 192.0.0.171/32" is one row with two blocks.
  ASSERT_EQ(registries.ipv4_special.size(), 26u);
  const auto* loopback = find_block(registries.ipv4_special, "127.0.0.0/8");
  ASSERT_NE(loopback, nullptr);
  EXPECT_EQ(loopback->name, "Loopback");
  EXPECT_EQ(loopback->rfc, "[RFC1122], Section 3.2.1.3");
  EXPECT_EQ(loopback->allocation_date, "1981-09");
  EXPECT_FALSE(loopback->termination_date.has_value());
  EXPECT_EQ(loopback->source, Flag::no);
  EXPECT_EQ(loopback->destination, Flag::no);
  EXPECT_EQ(loopback->forwardable, Flag::no);
  EXPECT_EQ(loopback->globally_reachable, Flag::no);
  EXPECT_EQ(loopback->reserved_by_protocol, Flag::yes);
  EXPECT_EQ(loopback->footnotes, std::vector<int>{1});
  EXPECT_EQ(loopback->line, 6u);

  const auto* this_network = find_block(registries.ipv4_special, "0.0.0.0/8");
  ASSERT_NE(this_network, nullptr);
  EXPECT_EQ(this_network->name, "\"This network\"");

  const auto* ietf = find_block(registries.ipv4_special, "192.0.0.0/24");
  ASSERT_NE(ietf, nullptr);
  EXPECT_EQ(ietf->footnotes, std::vector<int>{2});

  const auto* nat64_a = find_block(registries.ipv4_special, "192.0.0.170/32");
  const auto* nat64_b = find_block(registries.ipv4_special, "192.0.0.171/32");
  ASSERT_NE(nat64_a, nullptr);
  ASSERT_NE(nat64_b, nullptr);
  EXPECT_EQ(nat64_a->line, 14u);
  EXPECT_EQ(nat64_b->line, 14u);
  EXPECT_EQ(nat64_b->name, "NAT64/DNS64 Discovery");
  EXPECT_EQ(nat64_b->rfc, "[RFC8880][RFC7050], Section 2.2");

  const auto* relay = find_block(registries.ipv4_special, "192.88.99.0/24");
  ASSERT_NE(relay, nullptr);
  EXPECT_EQ(relay->termination_date, "2015-03");
  EXPECT_EQ(relay->globally_reachable, Flag::blank);
  EXPECT_EQ(relay->forwardable, Flag::blank);

  const auto* as112 = find_block(registries.ipv4_special, "192.31.196.0/24");
  ASSERT_NE(as112, nullptr);
  EXPECT_EQ(as112->globally_reachable, Flag::yes);
}

TEST_F(ShippedRegistries, Ipv6RowsWithNotApplicableAndFootnotes) {
  ASSERT_EQ(registries.ipv6_special.size(), 25u);
  const auto* teredo = find_block(registries.ipv6_special, "2001::/32");
  ASSERT_NE(teredo, nullptr);
  EXPECT_EQ(teredo->globally_reachable, Flag::not_applicable);
  EXPECT_EQ(teredo->forwardable, Flag::yes);
  EXPECT_EQ(teredo->footnotes, std::vector<int>{2});
  EXPECT_EQ(teredo->rfc, "[RFC4380] [RFC8190]");

  const auto* six_to_four = find_block(registries.ipv6_special, "2002::/16");
  ASSERT_NE(six_to_four, nullptr);
  EXPECT_EQ(six_to_four->footnotes, std::vector<int>{3});
  EXPECT_EQ(six_to_four->globally_reachable, Flag::not_applicable);

  const auto* ula = find_block(registries.ipv6_special, "fc00::/7");
  ASSERT_NE(ula, nullptr);
  EXPECT_EQ(ula->globally_reachable, Flag::no);
  EXPECT_EQ(ula->footnotes, std::vector<int>{4});

  const auto* orchid = find_block(registries.ipv6_special, "2001:10::/28");
  ASSERT_NE(orchid, nullptr);
  EXPECT_EQ(orchid->termination_date, "2014-03");
  EXPECT_EQ(orchid->globally_reachable, Flag::blank);

  const auto* dummy = find_block(registries.ipv6_special, "100:0:0:1::/64");
  ASSERT_NE(dummy, nullptr);
  EXPECT_EQ(dummy->allocation_date, "2025-04");
}

TEST_F(ShippedRegistries, UnicastAssignmentsWithMultiLineCells) {
  ASSERT_EQ(registries.ipv6_unicast.size(), 41u);
  const auto rir_count =
      std::count_if(registries.ipv6_unicast.begin(), registries.ipv6_unicast.end(),
                    [](const auto& row) { return row.allocated_to_rir(); });
  EXPECT_EQ(rir_count, 33);

  const auto* ietf = find_assignment(registries.ipv6_unicast, "2001::/23");
  ASSERT_NE(ietf, nullptr);
  EXPECT_EQ(ietf->designation, "IANA");
  EXPECT_EQ(ietf->status, AssignmentStatus::allocated);
  EXPECT_FALSE(ietf->allocated_to_rir());
  EXPECT_EQ(std::count(ietf->note.begin(), ietf->note.end(), '\n'), 11);
  EXPECT_TRUE(ietf->note.starts_with("2001:0000::/23 is reserved for IETF Protocol Assignments"));

  // The 12-line note above moves the next record to line 14.
  const auto* apnic = find_assignment(registries.ipv6_unicast, "2001:200::/23");
  ASSERT_NE(apnic, nullptr);
  EXPECT_EQ(apnic->line, 14u);
  EXPECT_EQ(apnic->designation, "APNIC");
  EXPECT_EQ(apnic->date, "1999-07-01");
  EXPECT_EQ(apnic->whois, "whois.apnic.net");
  EXPECT_EQ(apnic->rdap, std::vector<std::string>{"https://rdap.apnic.net/"});
  EXPECT_TRUE(apnic->allocated_to_rir());

  const auto* arin = find_assignment(registries.ipv6_unicast, "2001:400::/23");
  ASSERT_NE(arin, nullptr);
  EXPECT_EQ(arin->rdap, (std::vector<std::string>{"https://rdap.arin.net/registry",
                                                  "http://rdap.arin.net/registry"}));

  const auto* ripe = find_assignment(registries.ipv6_unicast, "2a00::/12");
  ASSERT_NE(ripe, nullptr);
  EXPECT_EQ(ripe->designation, "RIPE NCC");
  EXPECT_TRUE(ripe->allocated_to_rir());

  const auto* reserved = find_assignment(registries.ipv6_unicast, "3000::/4");
  ASSERT_NE(reserved, nullptr);
  EXPECT_EQ(reserved->status, AssignmentStatus::reserved);
  EXPECT_FALSE(reserved->allocated_to_rir());

  const auto* srv6 = find_assignment(registries.ipv6_unicast, "5f00::/16");
  ASSERT_NE(srv6, nullptr);
  EXPECT_EQ(srv6->designation, "Segment Routing (SRv6) SIDs");
  EXPECT_EQ(srv6->status, AssignmentStatus::allocated);
  EXPECT_FALSE(srv6->allocated_to_rir());
}

TEST(Registry, ShippedUnicastFileKeepsIanasCrlfRecordEnds) {
  const std::string text = read_file(data_dir() / "ipv6-unicast-address-assignments.csv");
  EXPECT_TRUE(text.starts_with("Prefix,Designation,Date,WHOIS,RDAP,Status,Note\r\n"));
  EXPECT_EQ(text.size(), 6506u);
}

TEST(Registry, AcceptsTheRfc6890ColumnNameGlobal) {
  auto entries = parse_special_registry(
      "Address Block,Name,RFC,Allocation Date,Termination Date,Source,Destination,Forwardable,"
      "Global,Reserved-by-Protocol\n"
      "10.0.0.0/8,Private-Use,[RFC1918],1996-02,N/A,True,True,True,False,False\n",
      model::IpFamily::v4, "old.csv");
  ASSERT_TRUE(entries.has_value()) << entries.error().field << ": " << entries.error().message;
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].globally_reachable, Flag::no);
}

TEST(Registry, ColumnsAreFoundByNameInAnyOrder) {
  auto entries = parse_special_registry(
      "Name,Globally Reachable,Address Block,RFC,Allocation Date,Termination Date,Source,"
      "Destination,Forwardable,Reserved-by-Protocol,Comment\n"
      "Private-Use,False,10.0.0.0/8,[RFC1918],1996-02,N/A,True,True,True,False,extra\n",
      model::IpFamily::v4, "moved.csv");
  ASSERT_TRUE(entries.has_value()) << entries.error().field << ": " << entries.error().message;
  EXPECT_EQ((*entries)[0].prefix.to_string(), "10.0.0.0/8");
  EXPECT_EQ((*entries)[0].name, "Private-Use");
  EXPECT_EQ((*entries)[0].globally_reachable, Flag::no);
}

// One bad cell per row; everything else is the valid 10.0.0.0/8 row.
constexpr std::string_view kSpecialHeader =
    "Address Block,Name,RFC,Allocation Date,Termination Date,Source,Destination,Forwardable,"
    "Globally Reachable,Reserved-by-Protocol\n";
constexpr std::string_view kGoodV4Row =
    "10.0.0.0/8,Private-Use,[RFC1918],1996-02,N/A,True,True,True,False,False\n";

struct BadRegistry {
  std::string name;
  std::string text;
  ErrorCode code;
  std::string field;
};

/// Names the row in failure messages (gtest would print its bytes).
void PrintTo(const BadRegistry& row, std::ostream* out) {
  *out << row.name;
}

std::string special(std::string_view rows) {
  return std::string(kSpecialHeader) + std::string(rows);
}

class SpecialRegistryRejects : public ::testing::TestWithParam<BadRegistry> {};

TEST_P(SpecialRegistryRejects, NamingFileLineAndColumn) {
  const BadRegistry& bad = GetParam();
  auto entries = parse_special_registry(bad.text, model::IpFamily::v4, "t.csv");
  ASSERT_FALSE(entries.has_value());
  EXPECT_EQ(entries.error().code, bad.code) << entries.error().message;
  EXPECT_EQ(entries.error().field, bad.field) << entries.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, SpecialRegistryRejects,
    ::testing::Values(
        BadRegistry{"EmptyFile", "", ErrorCode::invalid_value, "t.csv"},
        BadRegistry{"MissingColumn",
                    "Address Block,Name,RFC,Allocation Date,Termination Date,Source,Destination,"
                    "Forwardable,Reserved-by-Protocol\n",
                    ErrorCode::missing_field, "t.csv:1:Globally Reachable"},
        BadRegistry{"FieldCount", special("10.0.0.0/8,Private-Use,[RFC1918]\n"),
                    ErrorCode::invalid_value, "t.csv:2"},
        BadRegistry{"HostBits",
                    special("10.0.0.1/8,Private-Use,[RFC1918],1996-02,N/A,True,True,True,False,"
                            "False\n"),
                    ErrorCode::invalid_value, "t.csv:2:Address Block"},
        BadRegistry{"WrongFamily",
                    special("fc00::/7,Unique-Local,[RFC4193],2005-10,N/A,True,True,True,False,"
                            "False\n"),
                    ErrorCode::invalid_value, "t.csv:2:Address Block"},
        BadRegistry{"EmptyListItem",
                    special("\"10.0.0.0/8, \",Private-Use,[RFC1918],1996-02,N/A,True,True,True,"
                            "False,False\n"),
                    ErrorCode::invalid_value, "t.csv:2:Address Block"},
        BadRegistry{"NotAPrefix",
                    special("here,Private-Use,[RFC1918],1996-02,N/A,True,True,True,False,False\n"),
                    ErrorCode::invalid_value, "t.csv:2:Address Block"},
        BadRegistry{"EmptyName",
                    special("10.0.0.0/8, ,[RFC1918],1996-02,N/A,True,True,True,False,False\n"),
                    ErrorCode::invalid_value, "t.csv:2:Name"},
        BadRegistry{"BadAllocationDate",
                    special("10.0.0.0/8,Private-Use,[RFC1918],1996-13,N/A,True,True,True,False,"
                            "False\n"),
                    ErrorCode::invalid_value, "t.csv:2:Allocation Date"},
        BadRegistry{"BadTerminationDate",
                    special("10.0.0.0/8,Private-Use,[RFC1918],1996-02,soon,True,True,True,False,"
                            "False\n"),
                    ErrorCode::invalid_value, "t.csv:2:Termination Date"},
        BadRegistry{"BadFlag",
                    special("10.0.0.0/8,Private-Use,[RFC1918],1996-02,N/A,True,True,True,Maybe,"
                            "False\n"),
                    ErrorCode::invalid_value, "t.csv:2:Globally Reachable"},
        BadRegistry{"LowercaseFlag",
                    special("10.0.0.0/8,Private-Use,[RFC1918],1996-02,N/A,true,True,True,False,"
                            "False\n"),
                    ErrorCode::invalid_value, "t.csv:2:Source"},
        BadRegistry{"BlankFlagInLiveRow",
                    special("10.0.0.0/8,Private-Use,[RFC1918],1996-02,N/A,True,True,,False,"
                            "False\n"),
                    ErrorCode::invalid_value, "t.csv:2:Forwardable"},
        BadRegistry{"DuplicateBlock",
                    special(std::string(kGoodV4Row) +
                            "\"172.16.0.0/12, 10.0.0.0/8\",Private-Use,[RFC1918],1996-02,N/A,True,"
                            "True,True,False,False\n"),
                    ErrorCode::invalid_value, "t.csv:3:Address Block"}),
    [](const ::testing::TestParamInfo<BadRegistry>& param_info) { return param_info.param.name; });

constexpr std::string_view kUnicastHeader = "Prefix,Designation,Date,WHOIS,RDAP,Status,Note\n";

std::string unicast(std::string_view rows) {
  return std::string(kUnicastHeader) + std::string(rows);
}

class UnicastRejects : public ::testing::TestWithParam<BadRegistry> {};

TEST_P(UnicastRejects, NamingFileLineAndColumn) {
  const BadRegistry& bad = GetParam();
  auto rows = parse_unicast_assignments(bad.text, "u.csv");
  ASSERT_FALSE(rows.has_value());
  EXPECT_EQ(rows.error().code, bad.code) << rows.error().message;
  EXPECT_EQ(rows.error().field, bad.field) << rows.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, UnicastRejects,
    ::testing::Values(
        BadRegistry{"MissingDesignation", "Prefix,Date,Status\n", ErrorCode::missing_field,
                    "u.csv:1:Designation"},
        BadRegistry{"UnknownStatus", unicast("2001:200::/23,APNIC,1999-07-01,,,LEGACY,\n"),
                    ErrorCode::invalid_value, "u.csv:2:Status"},
        BadRegistry{"Ipv4Prefix", unicast("192.0.2.0/24,APNIC,1999-07-01,,,ALLOCATED,\n"),
                    ErrorCode::invalid_value, "u.csv:2:Prefix"},
        BadRegistry{"HostBits", unicast("2001:201::/23,APNIC,1999-07-01,,,ALLOCATED,\n"),
                    ErrorCode::invalid_value, "u.csv:2:Prefix"},
        BadRegistry{"BadDate", unicast("2001:200::/23,APNIC,July 1999,,,ALLOCATED,\n"),
                    ErrorCode::invalid_value, "u.csv:2:Date"},
        BadRegistry{"EmptyDesignation", unicast("2001:200::/23,,1999-07-01,,,ALLOCATED,\n"),
                    ErrorCode::invalid_value, "u.csv:2:Designation"},
        BadRegistry{"FieldCount", unicast("2001:200::/23,APNIC\n"), ErrorCode::invalid_value,
                    "u.csv:2"},
        BadRegistry{"Duplicate",
                    unicast("2001:200::/23,APNIC,1999-07-01,,,ALLOCATED,\n"
                            "2001:0200::/23,APNIC,1999-07-01,,,ALLOCATED,\"two\nlines\"\n"),
                    ErrorCode::invalid_value, "u.csv:3:Prefix"}),
    [](const ::testing::TestParamInfo<BadRegistry>& param_info) { return param_info.param.name; });

TEST(Registry, RecognisesEachShippedFileByContent) {
  for (const RegistryKind kind : kAllRegistryKinds) {
    const auto path = data_dir() / file_name(kind);
    auto file = parse_registry(read_file(path), path.string());
    ASSERT_TRUE(file.has_value()) << file.error().message;
    EXPECT_EQ(file->kind, kind) << path;
  }
}

TEST(Registry, RejectsContentThatIsNoKnownRegistry) {
  auto file = parse_registry("Registry,Value\nx,y\n", "other.csv");
  ASSERT_FALSE(file.has_value());
  EXPECT_EQ(file.error().code, ErrorCode::invalid_value);
  EXPECT_EQ(file.error().field, "other.csv");
}

TEST(Registry, LoadNamesTheMissingFile) {
  peerapi::testing::TempDir dir;
  auto loaded = load(dir.path());
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code, ErrorCode::io_error);
  EXPECT_EQ(loaded.error().field, (dir.path() / "ipv4-special-registry.csv").string());
}

TEST(Registry, LoadNamesTheBadFileAndLine) {
  peerapi::testing::TempDir dir;
  for (const RegistryKind kind : kAllRegistryKinds) {
    std::filesystem::copy_file(data_dir() / file_name(kind), dir.path() / file_name(kind));
  }
  std::string v6 = read_file(dir.path() / "ipv6-special-registry.csv");
  v6.replace(v6.find("fe80::/10"), 9, "fe80::/1x");
  peerapi::testing::write_file(dir.path() / "ipv6-special-registry.csv", v6);
  auto loaded = load(dir.path());
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code, ErrorCode::invalid_value);
  EXPECT_EQ(loaded.error().field,
            (dir.path() / "ipv6-special-registry.csv").string() + ":26:Address Block");
}

}  // namespace
}  // namespace peerapi::sources::iana
