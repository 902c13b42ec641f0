// `peerapi irr expand` as a process: against the IRRd double on 127.0.0.1 and against an RPSL
// dump in a temporary directory; output lines, exit codes (0, 1 runtime, 2 bad input) and the
// stderr format `peerapi irr expand: <field>: <message>`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "integration/cli_run.hpp"
#include "sources/irr/irrd_double.hpp"
#include "support/test_support.hpp"

namespace peerapi::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

void add_world(IrrdDouble& server) {
  server.add_set("AS-CUSTOMERS", {"AS64501", "AS-DOWNSTREAM"});
  server.add_set("AS-DOWNSTREAM", {"AS64502", "AS65536", "AS-CUSTOMERS"});
  server.add_set("AS-RIPE-ONLY", {"AS64503"}, "RIPE");
  server.add_source("RADB");
  server.add_route(64501, "198.51.100.0/24");
  server.add_route(64502, "198.51.101.0/24");
  server.add_route(64502, "198.51.100.0/26");
  server.add_route(65536, "192.0.2.0/24");
  server.add_route(64503, "203.0.113.0/24");
  server.add_route(64501, "2001:db8::/48");
  server.add_route(65536, "2001:db8:1::/48");
}

TEST(IrrCli, ExpandsAnAsSetFromIrrd) {
  IrrdDouble server;
  add_world(server);
  const CliRun run =
      run_peerapi("irr expand AS-CUSTOMERS --allow-loopback --irrd " + server.address());
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_THAT(run.lines(),
              ElementsAre("192.0.2.0/24", "198.51.100.0/24", "198.51.100.0/26", "198.51.101.0/24"));
  EXPECT_EQ(run.err, "");
  EXPECT_THAT(server.commands(), ElementsAre("!!", "!npeerapi", "!iAS-CUSTOMERS,1", "!gAS64501",
                                             "!gAS64502", "!gAS65536"));
}

TEST(IrrCli, AggregatesLikeBgpq4) {
  IrrdDouble server;
  add_world(server);
  const CliRun run = run_peerapi("irr expand as-customers --aggregate --allow-loopback --irrd " +
                                 server.address());
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_THAT(run.lines(),
              ElementsAre("192.0.2.0/24", "198.51.100.0/23{24,24}", "198.51.100.0/26"));
  const CliRun v6 = run_peerapi("irr expand AS-CUSTOMERS -A --family 6 --allow-loopback --irrd " +
                                server.address());
  ASSERT_EQ(v6.status, 0) << v6.err;
  EXPECT_THAT(v6.lines(), ElementsAre("2001:db8::/47{48,48}"));
}

TEST(IrrCli, AnAsnExpandsToItsOwnRoutes) {
  IrrdDouble server;
  add_world(server);
  const CliRun run = run_peerapi("irr expand AS65536 --allow-loopback --irrd " + server.address());
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_THAT(run.lines(), ElementsAre("192.0.2.0/24"));
  EXPECT_EQ(server.count("!i"), 0);
}

TEST(IrrCli, MaxDepthExpandsHereAndWarnsAboutLoops) {
  IrrdDouble server;
  add_world(server);
  const CliRun run = run_peerapi("irr expand AS-CUSTOMERS --max-depth 5 --allow-loopback --irrd " +
                                 server.address());
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_THAT(run.lines(),
              ElementsAre("192.0.2.0/24", "198.51.100.0/24", "198.51.100.0/26", "198.51.101.0/24"));
  EXPECT_THAT(run.err, HasSubstr("peerapi irr expand: warning: as_set: membership loops cut at: "
                                 "AS-CUSTOMERS"));
  EXPECT_EQ(server.count("!iAS-CUSTOMERS,1"), 0);
  EXPECT_EQ(server.count("!iAS-DOWNSTREAM"), 1);
}

TEST(IrrCli, SourcesRestrictTheServer) {
  IrrdDouble server;
  add_world(server);
  const CliRun ripe = run_peerapi(
      "irr expand AS-RIPE-ONLY --sources ripe --allow-loopback --irrd " + server.address());
  ASSERT_EQ(ripe.status, 0) << ripe.err;
  EXPECT_THAT(ripe.lines(), ElementsAre("203.0.113.0/24"));
  const CliRun radb = run_peerapi(
      "irr expand AS-RIPE-ONLY --sources RADB --allow-loopback --irrd " + server.address());
  EXPECT_EQ(radb.status, 1);
  EXPECT_THAT(radb.err, StartsWith("peerapi irr expand: as_set: AS-RIPE-ONLY: no such as-set"));
  const CliRun qualified =
      run_peerapi("irr expand RIPE::AS-RIPE-ONLY --allow-loopback --irrd " + server.address());
  ASSERT_EQ(qualified.status, 0) << qualified.err;
  EXPECT_THAT(qualified.lines(), ElementsAre("203.0.113.0/24"));
}

TEST(IrrCli, UnknownSetIsExitOne) {
  IrrdDouble server;
  add_world(server);
  const CliRun run =
      run_peerapi("irr expand AS-NOWHERE --allow-loopback --irrd " + server.address());
  EXPECT_EQ(run.status, 1);
  EXPECT_THAT(run.lines(), IsEmpty());
  EXPECT_EQ(run.err, "peerapi irr expand: as_set: AS-NOWHERE: no such as-set at irrd " +
                         server.address() + "\n");
}

TEST(IrrCli, UnreachableServerIsExitOne) {
  std::string address;
  {
    IrrdDouble gone;
    address = gone.address();
  }
  const CliRun run = run_peerapi("irr expand AS-CUSTOMERS --allow-loopback --irrd " + address);
  EXPECT_EQ(run.status, 1);
  EXPECT_THAT(run.err,
              StartsWith("peerapi irr expand: irrd: irrd " + address + ": cannot connect"));
}

TEST(IrrCli, BadInputIsExitTwoWithoutAsking) {
  IrrdDouble server;
  add_world(server);
  struct Case {
    std::string args;
    std::string err_prefix;
  };
  const Case cases[] = {
      {"irr expand CUSTOMERS --allow-loopback --irrd " + server.address(),
       "peerapi irr expand: as_set: "},
      {"irr expand AS-FOO- --allow-loopback --irrd " + server.address(),
       "peerapi irr expand: as_set: "},
      {"irr expand AS23456 --allow-loopback --irrd " + server.address(),
       "peerapi irr expand: as_set: "},
      {"irr expand AS-ANY --allow-loopback --irrd " + server.address(),
       "peerapi irr expand: as_set: AS-ANY"},
      {"irr expand AS-FOO --irrd 127.0.0.1:99999", "peerapi irr expand: irrd: "},
      {"irr expand AS-FOO --sources RI.PE --allow-loopback --irrd " + server.address(),
       "peerapi irr expand: sources: "},
      {"irr expand AS-FOO", "peerapi irr expand: source: give either --dump"},
      {"irr expand AS-FOO --family 5 --allow-loopback --irrd " + server.address(),
       "--family: 5 not in {4,6}"},
      {"irr expand AS-FOO --dump x.db --allow-loopback --irrd " + server.address(),
       "--dump excludes --irrd"},
      {"irr expand --allow-loopback --irrd " + server.address(), "target is required"},
  };
  for (const auto& c : cases) {
    const CliRun run = run_peerapi(c.args);
    EXPECT_EQ(run.status, 2) << c.args << "\n" << run.err;
    EXPECT_THAT(run.err, HasSubstr(c.err_prefix)) << c.args;
    EXPECT_THAT(run.lines(), IsEmpty()) << c.args;
  }
  EXPECT_EQ(server.connections(), 0) << "bad input is refused before any query";
}

TEST(IrrCli, ExpandsFromAnRpslDump) {
  TempDir dir;
  const auto dump = dir.path() / "test.db";
  write_file(dump,
             "as-set: AS-CUSTOMERS\nmembers: AS64501, AS-DOWNSTREAM\nsource: TEST\n\n"
             "as-set: AS-DOWNSTREAM\nmembers: AS64502, AS-GONE\nmp-members: AS-CUSTOMERS\n"
             "source: TEST\n\n"
             "route: 198.51.100.0/24\norigin: AS64501\nsource: TEST\n\n"
             "route: 198.51.101.0/24\norigin: AS64502\nsource: TEST\n\n"
             "route6: 2001:db8::/32\norigin: AS64502\nsource: TEST\n");
  const CliRun run = run_peerapi("irr expand AS-CUSTOMERS -A --dump " + dump.string());
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_THAT(run.lines(), ElementsAre("198.51.100.0/23{24,24}"));
  EXPECT_THAT(run.err, HasSubstr("warning: as_set: member sets not found, left out: AS-GONE"));
  EXPECT_THAT(run.err, HasSubstr("warning: as_set: membership loops cut at: AS-CUSTOMERS"));

  const CliRun v6 = run_peerapi("irr expand AS64502 --family 6 --dump " + dump.string());
  ASSERT_EQ(v6.status, 0) << v6.err;
  EXPECT_THAT(v6.lines(), ElementsAre("2001:db8::/32"));

  const CliRun unknown = run_peerapi("irr expand AS-NOWHERE --dump " + dump.string());
  EXPECT_EQ(unknown.status, 1);
  EXPECT_THAT(unknown.err, StartsWith("peerapi irr expand: as_set: "));
  EXPECT_THAT(unknown.err, HasSubstr("AS-NOWHERE"));

  const CliRun missing =
      run_peerapi("irr expand AS-CUSTOMERS --dump " + (dir.path() / "absent.db").string());
  EXPECT_EQ(missing.status, 1);
  EXPECT_THAT(missing.err, StartsWith("peerapi irr expand: dumps[0]: "));

  const CliRun sources =
      run_peerapi("irr expand AS-CUSTOMERS --sources RIPE --dump " + dump.string());
  EXPECT_EQ(sources.status, 2);
  EXPECT_THAT(sources.err, StartsWith("peerapi irr expand: sources: "));
}

}  // namespace
}  // namespace peerapi::testing
