// IrrdClient behind the outbound guard: a server the guard refuses sees no connection at all
// (a real listening socket on 127.0.0.1 whose accept queue stays empty), the client connects
// only to the address it checked (a rebinding resolver cannot move it), and a reply above the
// size cap ends the exchange with an error naming the cap.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "sources/irr/irrd_client.hpp"
#include "sources/irr/irrd_double.hpp"
#include "support/outbound_doubles.hpp"

namespace peerapi::sources::irr {
namespace {

using testing::RebindingResolver;
using testing::SilentListener;

using ::testing::HasSubstr;
using testing::IrrdDouble;
using ::testing::StartsWith;

IrrdClientOptions options_to(const std::string& host, std::uint16_t port) {
  IrrdClientOptions options;
  options.server.host = host;
  options.server.port = port;
  options.field = "sources.irr.irrd";
  options.connect_timeout = std::chrono::milliseconds(2000);
  options.read_timeout = std::chrono::milliseconds(5000);
  return options;
}

TEST(IrrdGuard, RefusesALoopbackServerWithoutConnecting) {
  SilentListener listener;
  ASSERT_NE(listener.port(), 0);
  IrrdClient client(options_to("127.0.0.1", listener.port()));
  auto members = client.as_set_members("AS-FOO");
  ASSERT_FALSE(members);
  EXPECT_EQ(members.error().code, ErrorCode::io_error);
  EXPECT_EQ(members.error().field, "sources.irr.irrd");
  EXPECT_THAT(members.error().message,
              StartsWith("127.0.0.1:" + std::to_string(listener.port()) +
                         ": refused: 127.0.0.1 is not globally reachable (Loopback"));
  EXPECT_THAT(members.error().message, HasSubstr("[outbound] allow_loopback = true"));
  EXPECT_FALSE(listener.pending()) << "the refused server saw a connection";
  EXPECT_EQ(client.connections_opened(), 0u);
}

TEST(IrrdGuard, RefusesANameThatResolvesToLoopbackWithoutConnecting) {
  SilentListener listener;
  auto resolver = std::make_shared<RebindingResolver>("127.0.0.1", "127.0.0.1");
  IrrdClientOptions options = options_to("irr.test", listener.port());
  options.resolver = resolver;
  IrrdClient client(options);
  auto version = client.version();
  ASSERT_FALSE(version);
  EXPECT_EQ(version.error().code, ErrorCode::io_error);
  EXPECT_THAT(version.error().message, StartsWith("irr.test:" + std::to_string(listener.port()) +
                                                  ": refused: 127.0.0.1 is not"));
  EXPECT_FALSE(listener.pending());
  EXPECT_EQ(resolver->hosts(), std::vector<std::string>{"irr.test"});
}

TEST(IrrdGuard, AllowLoopbackLetsTheSameServerThrough) {
  IrrdDouble server;
  server.add_set("AS-FOO", {"AS64501"});
  IrrdClientOptions options = options_to("127.0.0.1", server.port());
  options.outbound.allow_loopback_http = true;
  IrrdClient client(options);
  auto members = client.as_set_members("AS-FOO");
  ASSERT_TRUE(members) << members.error().message;
  EXPECT_EQ(*members, std::vector<std::string>{"AS64501"});
}

TEST(IrrdGuard, ConnectsOnlyToTheCheckedAddressOfARebindingName) {
  // The first answer (127.0.0.1, allowed by prefix) is checked and connected to; the next
  // connection resolves again, gets 10.0.0.1 and is refused before any connect.
  IrrdDouble server;
  server.add_set("AS-FOO", {"AS64501"});
  auto resolver = std::make_shared<RebindingResolver>("127.0.0.1", "10.0.0.1");
  IrrdClientOptions options = options_to("irr.test", server.port());
  options.outbound.allowed_prefixes.push_back(model::Prefix::parse("127.0.0.1/32").value());
  options.resolver = resolver;
  IrrdClient client(options);
  auto first = client.as_set_members("AS-FOO");
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(resolver->hosts().size(), 1u) << "one lookup, no second one at connect time";
  EXPECT_EQ(client.connections_opened(), 1u);

  client.disconnect();
  auto second = client.as_set_members("AS-FOO");
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::io_error);
  EXPECT_THAT(second.error().message, HasSubstr("refused: 10.0.0.1 is not globally reachable"));
  EXPECT_THAT(second.error().message, HasSubstr("add 10.0.0.1/32 (or its network)"));
  EXPECT_EQ(client.connections_opened(), 1u);
  EXPECT_EQ(server.connections(), 1);
}

TEST(IrrdGuard, AResolverFailureIsUnavailableAndRetried) {
  IrrdDouble server;
  server.add_set("AS-FOO", {"AS64501"});
  class Flaky final : public net::Resolver {
   public:
    Result<std::vector<model::IpAddress>> resolve(const std::string& host) override {
      if (++calls == 1)
        return fail(ErrorCode::io_error, "url", "cannot resolve host \"" + host + "\": timeout");
      return std::vector<model::IpAddress>{model::IpAddress::parse("127.0.0.1").value()};
    }
    int calls = 0;
  };
  auto resolver = std::make_shared<Flaky>();
  IrrdClientOptions options = options_to("irr.test", server.port());
  options.outbound.allow_loopback_http = true;
  options.resolver = resolver;
  IrrdClient client(options);
  auto failed = client.as_set_members("AS-FOO");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::unavailable);
  EXPECT_EQ(failed.error().field, "irrd");
  EXPECT_THAT(failed.error().message, HasSubstr("cannot resolve host"));
  auto retried = client.as_set_members("AS-FOO");
  ASSERT_TRUE(retried) << retried.error().message;
  EXPECT_EQ(resolver->calls, 2);
}

TEST(IrrdGuard, AReplyAboveTheCapIsCutOffWithAClearError) {
  IrrdDouble server;
  std::vector<std::string> members;
  for (int i = 0; i < 200; ++i)
    members.push_back("AS" + std::to_string(64512 + i));
  server.add_set("AS-HUGE", members);
  server.add_set("AS-SMALL", {"AS64501"});
  IrrdClientOptions options = options_to("127.0.0.1", server.port());
  options.outbound.allow_loopback_http = true;
  options.max_reply_bytes = 256;
  IrrdClient client(options);
  auto huge = client.as_set_members("AS-HUGE");
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().code, ErrorCode::unavailable);
  EXPECT_EQ(huge.error().field, "irrd");
  EXPECT_THAT(huge.error().message, HasSubstr("bytes is above the limit of 256 bytes"));
  // The connection was closed; the next query works on a new one.
  auto small = client.as_set_members("AS-SMALL");
  ASSERT_TRUE(small) << small.error().message;
  EXPECT_EQ(client.connections_opened(), 2u);
}

}  // namespace
}  // namespace peerapi::sources::irr
