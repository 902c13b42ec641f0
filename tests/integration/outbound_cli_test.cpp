// `peerapi irr expand --irrd` and `peerapi rpki validate --rtr` behind the outbound guard, as
// processes: a loopback server is refused (exit 1, the message naming the flag and the way to
// allow it) and sees no connection; --allow-loopback, --allow-prefix or --config's [outbound]
// let it through.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "integration/cli_run.hpp"
#include "integration/server_process.hpp"
#include "sources/irr/irrd_double.hpp"
#include "support/outbound_doubles.hpp"
#include "support/test_support.hpp"

namespace peerapi::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

TEST(OutboundCli, IrrExpandRefusesALoopbackServerWithoutConnecting) {
  SilentListener listener;
  const CliRun run = run_peerapi("irr expand AS-FOO --irrd " + listener.address());
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_THAT(run.err, StartsWith("peerapi irr expand: --irrd: " + listener.address() +
                                  ": refused: 127.0.0.1 is not globally reachable (Loopback"));
  EXPECT_THAT(run.err, HasSubstr("(here: --config FILE, --allow-loopback or --allow-prefix CIDR)"));
  EXPECT_FALSE(listener.pending()) << "the refused server saw a connection";
}

TEST(OutboundCli, IrrExpandReachesAnAllowedServer) {
  IrrdDouble server;
  server.add_set("AS-FOO", {"AS64501"});
  server.add_route(64501, "198.51.100.0/24");
  const CliRun prefix =
      run_peerapi("irr expand AS-FOO --allow-prefix 127.0.0.0/8 --irrd " + server.address());
  ASSERT_EQ(prefix.status, 0) << prefix.err;
  EXPECT_THAT(prefix.lines(), ElementsAre("198.51.100.0/24"));

  TempDir dir;
  write_file(dir.path() / "peerapi.toml",
             process_config(dir.path(), "", "[outbound]\nallow_loopback = true\n"));
  const CliRun config =
      run_peerapi("irr expand AS-FOO --config " + (dir.path() / "peerapi.toml").string() +
                  " --irrd " + server.address());
  ASSERT_EQ(config.status, 0) << config.err;
  EXPECT_THAT(config.lines(), ElementsAre("198.51.100.0/24"));

  const CliRun bad =
      run_peerapi("irr expand AS-FOO --allow-prefix 127.0.0.1 --irrd " + server.address());
  EXPECT_EQ(bad.status, 2) << bad.err;
  EXPECT_THAT(bad.err, StartsWith("peerapi irr expand: --allow-prefix: "));
}

TEST(OutboundCli, RpkiValidateRefusesALoopbackCacheWithoutConnecting) {
  SilentListener listener;
  const CliRun run = run_peerapi("rpki validate --timeout-ms 2000 --rtr " + listener.address() +
                                 " 192.0.2.0/24 AS64501");
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_THAT(run.err, StartsWith("peerapi rpki validate: --rtr: " + listener.address() +
                                  ": refused: 127.0.0.1 is not globally reachable (Loopback"));
  EXPECT_FALSE(listener.pending()) << "the refused cache saw a connection";

  // Allowed, the same cache is asked (and, silent, times out).
  const CliRun allowed = run_peerapi("rpki validate --allow-loopback --timeout-ms 300 --rtr " +
                                     listener.address() + " 192.0.2.0/24 AS64501");
  EXPECT_EQ(allowed.status, 1);
  EXPECT_THAT(allowed.err, Not(HasSubstr("refused")));
  EXPECT_TRUE(listener.pending()) << "the allowed cache was connected to";
}

}  // namespace
}  // namespace peerapi::testing
