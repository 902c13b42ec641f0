// The IRRd query protocol: the reply parser on known bytes and bad bytes, endpoint and source
// list syntax, and IrrdClient against the IRRd double on 127.0.0.1 (reuse, sources, errors,
// dropped connections, oversized replies, timeouts).
#include "sources/irr/irrd_client.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "sources/irr/expand.hpp"
#include "sources/irr/irrd_double.hpp"

namespace peerapi::sources::irr {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::IrrdDouble;
using testing::IrrdOverride;
using ::testing::IsEmpty;

// ---- Reply parser ------------------------------------------------------------------------------

TEST(IrrdReplyParser, KnownReplies) {
  struct Case {
    std::string bytes;
    IrrdReplyKind kind;
    std::string text;
    std::size_t consumed;
  };
  const Case cases[] = {
      {"A8\nAS1 AS2\nC\n", IrrdReplyKind::data, "AS1 AS2", 13},
      {"A8\nAS1 AS2\nC\nC\n", IrrdReplyKind::data, "AS1 AS2", 13},
      {"A1\n\nC\n", IrrdReplyKind::data, "", 6},
      {"A0\nC\n", IrrdReplyKind::data, "", 5},
      {"A3\nab\nC\n", IrrdReplyKind::data, "ab", 8},
      {"A2\nabC\n", IrrdReplyKind::data, "ab", 7},
      {"C\n", IrrdReplyKind::no_data, "", 2},
      {"D\nA1\n", IrrdReplyKind::key_not_found, "", 2},
      {"F Unknown source RIPE\n", IrrdReplyKind::error, "Unknown source RIPE", 22},
      {"F\n", IrrdReplyKind::error, "", 2},
      {"E\n", IrrdReplyKind::error, "multiple objects match the key", 2},
  };
  for (const auto& c : cases) {
    auto parsed = parse_irrd_reply(c.bytes, 1024);
    ASSERT_TRUE(parsed) << c.bytes << ": " << parsed.error().message;
    ASSERT_TRUE(parsed->has_value()) << c.bytes;
    EXPECT_EQ((*parsed)->reply.kind, c.kind) << c.bytes;
    EXPECT_EQ((*parsed)->reply.text, c.text) << c.bytes;
    EXPECT_EQ((*parsed)->consumed, c.consumed) << c.bytes;
  }
}

TEST(IrrdReplyParser, PartialRepliesAskForMore) {
  for (const char* partial : {"", "A", "A8", "A8\nAS1", "A8\nAS1 AS2\n", "A8\nAS1 AS2\nC", "C",
                              "F Unknown", "A1234567"}) {
    auto parsed = parse_irrd_reply(partial, 1024 * 1024 * 1024);
    ASSERT_TRUE(parsed) << partial << ": " << parsed.error().message;
    EXPECT_FALSE(parsed->has_value()) << partial;
  }
}

TEST(IrrdReplyParser, BadBytesAreDataInvalid) {
  const std::string long_line = "F " + std::string(kMaxIrrdStatusLine, 'x');
  const std::string bad[] = {
      "X\n",
      "a8\nAS1 AS2\nC\n",
      "\n",
      " C\n",
      "A\n",
      "Ax\n",
      "A8x",
      "A-1\n",
      "A+8\n",
      "A 8\n",
      "A8\nAS1 AS2\nX\n",
      "A8\nAS1 AS2\nCX",
      "A8\nAS1 AS2 \nC\n",
      "A99999999999999999999999\n",
      "A18446744073709551616\n",
      "A1025\n",
      "C extra\n",
      "D?\n",
      long_line,
  };
  for (const auto& bytes : bad) {
    auto parsed = parse_irrd_reply(bytes, 1024);
    ASSERT_FALSE(parsed) << "accepted: " << bytes.substr(0, 40);
    EXPECT_EQ(parsed.error().code, ErrorCode::data_invalid) << bytes.substr(0, 40);
    EXPECT_EQ(parsed.error().field, "irrd.reply") << bytes.substr(0, 40);
  }
  auto capped = parse_irrd_reply("A1025\n", 1024);
  ASSERT_FALSE(capped);
  EXPECT_THAT(capped.error().message, HasSubstr("above the limit of 1024 bytes"));
}

// ---- Endpoint and sources ----------------------------------------------------------------------

TEST(IrrdEndpoint, ParsesHostAndPort) {
  struct Case {
    const char* text;
    const char* host;
    std::uint16_t port;
    const char* shown;
  };
  const Case cases[] = {
      {"127.0.0.1:43", "127.0.0.1", 43, "127.0.0.1:43"},
      {"irr.example.net:4343", "irr.example.net", 4343, "irr.example.net:4343"},
      {"localhost", "localhost", 43, "localhost:43"},
      {"[2001:db8::1]:43", "2001:db8::1", 43, "[2001:db8::1]:43"},
      {"[::1]", "::1", 43, "[::1]:43"},
      {"rr.example:65535", "rr.example", 65535, "rr.example:65535"},
  };
  for (const auto& c : cases) {
    auto endpoint = IrrdEndpoint::parse(c.text);
    ASSERT_TRUE(endpoint) << c.text << ": " << endpoint.error().message;
    EXPECT_EQ(endpoint->host, c.host);
    EXPECT_EQ(endpoint->port, c.port);
    EXPECT_EQ(endpoint->to_string(), c.shown);
  }
}

TEST(IrrdEndpoint, BadTextIsInvalidValueAtTheField) {
  for (const char* bad : {"", ":43", "host:", "host:0", "host:65536", "host:4x", "host:-1",
                          "2001:db8::1:43", "[2001:db8::1", "[2001:db8::1]x",
                          "[2001:db8::1]:", "ho st:43", "[host]:43", "host/path:43", "host:43\n"}) {
    auto endpoint = IrrdEndpoint::parse(bad, "irrd_server");
    ASSERT_FALSE(endpoint) << bad;
    EXPECT_EQ(endpoint.error().code, ErrorCode::invalid_value) << bad;
    EXPECT_EQ(endpoint.error().field, "irrd_server") << bad;
  }
}

TEST(IrrSources, CommaListIsUpperCased) {
  auto sources = parse_irr_sources("ripe,RADB,arin-nonauth");
  ASSERT_TRUE(sources);
  EXPECT_THAT(*sources, ElementsAre("RIPE", "RADB", "ARIN-NONAUTH"));
  for (const char* bad : {"", "RIPE,", ",RIPE", "RI PE", "1RIPE", "RIPE;RADB", "RIPE\n"}) {
    auto parsed = parse_irr_sources(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::invalid_value) << bad;
    EXPECT_EQ(parsed.error().field, "sources") << bad;
  }
}

// ---- Client against the double ---------------------------------------------------------------

IrrdClientOptions options_for(const IrrdDouble& server) {
  IrrdClientOptions options;
  options.server = *IrrdEndpoint::parse(server.address());
  options.outbound.allow_loopback_http = true;  // the double listens on 127.0.0.1
  options.connect_timeout = std::chrono::milliseconds(2000);
  options.read_timeout = std::chrono::milliseconds(5000);
  return options;
}

model::Asn asn(std::uint32_t value) {
  return *model::Asn::from_number(value);
}

std::vector<std::string> texts(const std::vector<model::Prefix>& prefixes) {
  std::vector<std::string> out;
  for (const auto& prefix : prefixes)
    out.push_back(prefix.to_string());
  return out;
}

std::vector<std::uint32_t> numbers(const std::vector<model::Asn>& asns) {
  std::vector<std::uint32_t> out;
  for (const auto a : asns)
    out.push_back(a.value());
  return out;
}

void add_world(IrrdDouble& server) {
  server.add_set("AS-CUSTOMERS", {"AS64501", "AS-DOWNSTREAM", "as64502"});
  server.add_set("AS-DOWNSTREAM", {"AS64503", "AS-CUSTOMERS"});
  server.add_set("AS-EMPTY", {});
  server.add_route(64501, "198.51.100.0/24");
  server.add_route(64501, "198.51.101.0/24");
  server.add_route(64502, "192.0.2.0/24");
  server.add_route(64503, "203.0.113.0/24");
  server.add_route(64501, "2001:db8::/32");
  server.add_route(64503, "2001:db8:1::/48");
}

TEST(IrrdClient, AsksOverOnePersistentConnection) {
  IrrdDouble server;
  add_world(server);
  IrrdClient client(options_for(server));
  auto members = client.as_set_members("as-customers");
  ASSERT_TRUE(members) << members.error().message;
  EXPECT_THAT(*members, ElementsAre("AS64501", "AS-DOWNSTREAM", "AS64502"));
  auto v4 = client.origin_prefixes(asn(64501), model::IpFamily::v4);
  ASSERT_TRUE(v4) << v4.error().message;
  EXPECT_THAT(texts(*v4), ElementsAre("198.51.100.0/24", "198.51.101.0/24"));
  auto v6 = client.origin_prefixes(asn(64501), model::IpFamily::v6);
  ASSERT_TRUE(v6);
  EXPECT_THAT(texts(*v6), ElementsAre("2001:db8::/32"));
  auto none = client.origin_prefixes(asn(64510), model::IpFamily::v4);
  ASSERT_TRUE(none);
  EXPECT_THAT(*none, IsEmpty());
  auto empty = client.as_set_members("AS-EMPTY");
  ASSERT_TRUE(empty);
  EXPECT_THAT(*empty, IsEmpty());
  auto version = client.version();
  ASSERT_TRUE(version);
  EXPECT_EQ(*version, "IRRd double (peerapi tests)");

  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(client.connections_opened(), 1u);
  EXPECT_THAT(server.commands(), ElementsAre("!!", "!npeerapi", "!iAS-CUSTOMERS", "!gAS64501",
                                             "!6AS64501", "!gAS64510", "!iAS-EMPTY", "!v"));
}

TEST(IrrdClient, ClientSideExpansionMatchesServerSide) {
  IrrdDouble server;
  add_world(server);
  IrrdClient client(options_for(server));
  auto local = expand_as_set(client, "AS-CUSTOMERS");
  ASSERT_TRUE(local) << local.error().message;
  EXPECT_THAT(numbers(local->asns), ElementsAre(64501u, 64502u, 64503u));
  EXPECT_THAT(local->loops, ElementsAre("AS-CUSTOMERS"));
  auto remote = client.expand_on_server("AS-CUSTOMERS");
  ASSERT_TRUE(remote) << remote.error().message;
  EXPECT_EQ(*remote, local->asns);
  EXPECT_EQ(server.count("!iAS-CUSTOMERS,1"), 1);
}

TEST(IrrdClient, UnknownSetIsNotFound) {
  IrrdDouble server;
  IrrdClient client(options_for(server));
  for (const bool recursive : {false, true}) {
    auto error = recursive ? client.expand_on_server("AS-NOWHERE").error()
                           : client.as_set_members("AS-NOWHERE").error();
    EXPECT_EQ(error.code, ErrorCode::not_found);
    EXPECT_EQ(error.field, "as_set");
    EXPECT_THAT(error.message, HasSubstr("AS-NOWHERE"));
    EXPECT_THAT(error.message, HasSubstr(server.address()));
  }
}

TEST(IrrdClient, BadSetNameIsRefusedBeforeSending) {
  IrrdDouble server;
  IrrdClient client(options_for(server));
  auto members = client.as_set_members("AS-FOO\n!q");
  ASSERT_FALSE(members);
  EXPECT_EQ(members.error().code, ErrorCode::invalid_value);
  EXPECT_EQ(members.error().field, "as_set");
  EXPECT_EQ(server.connections(), 0);
}

TEST(IrrdClient, PipelinedPrefixesForManyAsns) {
  IrrdDouble server;
  std::vector<model::Asn> asns;
  for (std::uint32_t value = 64496; value <= 64511; ++value) {
    asns.push_back(asn(value));
    server.add_route(value, "198.51.100." + std::to_string((value - 64496) * 16) + "/28");
    server.add_route(value, "192.0.2.0/24");
  }
  auto options = options_for(server);
  options.pipeline_depth = 3;
  IrrdClient client(options);
  auto prefixes = client.prefixes_for(asns, model::IpFamily::v4);
  ASSERT_TRUE(prefixes) << prefixes.error().message;
  ASSERT_EQ(prefixes->size(), 17u);
  EXPECT_EQ(prefixes->front().to_string(), "192.0.2.0/24");
  EXPECT_EQ(prefixes->back().to_string(), "198.51.100.240/28");
  EXPECT_EQ(server.count("!gAS"), 16);
  EXPECT_EQ(server.connections(), 1);
}

TEST(IrrdClient, GarbageTokensInARouteReplyAreSkippedAndCounted) {
  IrrdDouble server;
  server.set_hook([](std::string_view command) -> std::optional<IrrdOverride> {
    if (command != "!gAS64501")
      return std::nullopt;
    const std::string payload = "198.51.100.0/24 junk 2001:db8::/32 198.51.100.1/24 192.0.2.0/24";
    return IrrdOverride{
        "A" + std::to_string(payload.size() + 1) + "\n" + payload + "\nC\n", false, {}};
  });
  IrrdClient client(options_for(server));
  auto prefixes = client.origin_prefixes(asn(64501), model::IpFamily::v4);
  ASSERT_TRUE(prefixes) << prefixes.error().message;
  EXPECT_THAT(texts(*prefixes), ElementsAre("192.0.2.0/24", "198.51.100.0/24"));
  EXPECT_EQ(client.skipped_tokens(), 3u);
}

TEST(IrrdClient, ConfiguredSourcesAreSentAfterConnecting) {
  IrrdDouble server;
  server.add_set("AS-IN-RIPE", {"AS64501"}, "RIPE");
  server.add_set("AS-IN-RADB", {"AS64502"}, "RADB");
  auto options = options_for(server);
  options.sources = {"RIPE"};
  IrrdClient client(options);
  auto ripe = client.as_set_members("AS-IN-RIPE");
  ASSERT_TRUE(ripe) << ripe.error().message;
  EXPECT_THAT(*ripe, ElementsAre("AS64501"));
  auto radb = client.as_set_members("AS-IN-RADB");
  ASSERT_FALSE(radb);
  EXPECT_EQ(radb.error().code, ErrorCode::not_found);
  EXPECT_THAT(server.commands(),
              ElementsAre("!!", "!npeerapi", "!sRIPE", "!iAS-IN-RIPE", "!iAS-IN-RADB"));
}

TEST(IrrdClient, SourcesTheServerDoesNotServeAreUnavailable) {
  IrrdDouble server;
  auto options = options_for(server);
  options.sources = {"NOSUCH"};
  IrrdClient client(options);
  auto members = client.as_set_members("AS-ANYTHING");
  ASSERT_FALSE(members);
  EXPECT_EQ(members.error().code, ErrorCode::unavailable);
  EXPECT_EQ(members.error().field, "irrd");
  EXPECT_THAT(members.error().message, HasSubstr("refused sources NOSUCH"));
  EXPECT_THAT(members.error().message, HasSubstr(server.address()));
}

TEST(IrrdClient, SourceQualifiedNameSwitchesSourcesForOneQuery) {
  IrrdDouble server;
  server.add_set("AS-FOO", {"AS64501"}, "RIPE");
  server.add_set("AS-BAR", {"AS64502"}, "RADB");
  IrrdClient client(options_for(server));
  auto foo = client.as_set_members("ripe::as-foo");
  ASSERT_TRUE(foo) << foo.error().message;
  EXPECT_THAT(*foo, ElementsAre("AS64501"));
  auto bar = client.as_set_members("RIPE::AS-BAR");
  ASSERT_FALSE(bar);
  EXPECT_EQ(bar.error().code, ErrorCode::not_found);
  auto unknown_source = client.as_set_members("ALTDB::AS-FOO");
  ASSERT_FALSE(unknown_source);
  EXPECT_EQ(unknown_source.error().code, ErrorCode::not_found);
  EXPECT_THAT(unknown_source.error().message, HasSubstr("source ALTDB"));
  auto plain = client.as_set_members("AS-BAR");
  ASSERT_TRUE(plain) << "the default sources are back after each qualified query";
  EXPECT_THAT(server.commands(),
              ElementsAre("!!", "!npeerapi", "!s-lc", "!sRIPE", "!iAS-FOO", "!sRADB,RIPE,TEST",
                          "!sRIPE", "!iAS-BAR", "!sRADB,RIPE,TEST", "!sALTDB", "!iAS-FOO",
                          "!sRADB,RIPE,TEST", "!iAS-BAR"));
}

TEST(IrrdClient, ErrorReplyIsUnavailableNamingTheServer) {
  IrrdDouble server;
  server.set_hook([](std::string_view command) -> std::optional<IrrdOverride> {
    if (command.starts_with("!i"))
      return IrrdOverride{"F Internal error while querying\n", false, {}};
    return std::nullopt;
  });
  IrrdClient client(options_for(server));
  auto members = client.as_set_members("AS-FOO");
  ASSERT_FALSE(members);
  EXPECT_EQ(members.error().code, ErrorCode::unavailable);
  EXPECT_EQ(members.error().field, "irrd");
  EXPECT_THAT(members.error().message, HasSubstr("irrd " + server.address()));
  EXPECT_THAT(members.error().message, HasSubstr("!iAS-FOO failed: Internal error"));
  EXPECT_EQ(client.connections_opened(), 1u) << "an F reply keeps the connection";
  server.set_hook(nullptr);
  EXPECT_EQ(client.as_set_members("AS-FOO").error().code, ErrorCode::not_found);
  EXPECT_EQ(server.connections(), 1);
}

TEST(IrrdClient, DroppedConnectionIsReopenedOnce) {
  std::atomic<int> drops{1};
  IrrdDouble server;
  add_world(server);
  server.set_hook([&](std::string_view command) -> std::optional<IrrdOverride> {
    if (command == "!iAS-CUSTOMERS" && drops.fetch_sub(1) > 0)
      return IrrdOverride{std::nullopt, true, {}};
    return std::nullopt;
  });
  IrrdClient client(options_for(server));
  auto members = client.as_set_members("AS-CUSTOMERS");
  ASSERT_TRUE(members) << members.error().message;
  EXPECT_EQ(members->size(), 3u);
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(client.connections_opened(), 2u);
  EXPECT_EQ(server.count("!iAS-CUSTOMERS"), 2);
}

TEST(IrrdClient, ConnectionThatKeepsDroppingIsUnavailable) {
  IrrdDouble server;
  add_world(server);
  server.set_hook([](std::string_view command) -> std::optional<IrrdOverride> {
    if (command.starts_with("!g"))
      return IrrdOverride{std::nullopt, true, {}};
    return std::nullopt;
  });
  IrrdClient client(options_for(server));
  auto prefixes = client.origin_prefixes(asn(64501), model::IpFamily::v4);
  ASSERT_FALSE(prefixes);
  EXPECT_EQ(prefixes.error().code, ErrorCode::unavailable);
  EXPECT_THAT(prefixes.error().message, HasSubstr("connection lost"));
  EXPECT_EQ(server.count("!gAS64501"), 2) << "sent once, retried once";
}

TEST(IrrdClient, ServerClosingIdleConnectionIsTransparent) {
  std::atomic<bool> dropped{false};
  IrrdDouble server;
  add_world(server);
  IrrdClient client(options_for(server));
  ASSERT_TRUE(client.as_set_members("AS-CUSTOMERS"));
  // The server hangs up on the next query, as IRRd does after its idle timeout.
  server.set_hook([&](std::string_view command) -> std::optional<IrrdOverride> {
    if (command == "!iAS-DOWNSTREAM" && !dropped.exchange(true))
      return IrrdOverride{std::nullopt, true, {}};
    return std::nullopt;
  });
  auto members = client.as_set_members("AS-DOWNSTREAM");
  ASSERT_TRUE(members) << members.error().message;
  EXPECT_THAT(*members, ElementsAre("AS64503", "AS-CUSTOMERS"));
}

TEST(IrrdClient, OversizedReplyIsRefusedAndTheNextQueryReconnects) {
  IrrdDouble server;
  std::vector<std::string> many;
  for (int i = 0; i < 100; ++i)
    many.push_back("AS" + std::to_string(64496 + (i % 16)));
  server.add_set("AS-BIG", many);
  server.add_set("AS-SMALL", {"AS64501"});
  auto options = options_for(server);
  options.max_reply_bytes = 256;
  IrrdClient client(options);
  auto big = client.as_set_members("AS-BIG");
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::unavailable);
  EXPECT_THAT(big.error().message, HasSubstr("above the limit of 256 bytes"));
  auto small = client.as_set_members("AS-SMALL");
  ASSERT_TRUE(small) << small.error().message;
  EXPECT_EQ(server.connections(), 2) << "the oversized reply's connection was closed";
}

TEST(IrrdClient, HugeLengthHeaderIsRefusedWithoutReadingIt) {
  IrrdDouble server;
  server.set_hook([](std::string_view command) -> std::optional<IrrdOverride> {
    if (command.starts_with("!i"))
      return IrrdOverride{"A68719476736\n", false, {}};
    return std::nullopt;
  });
  IrrdClient client(options_for(server));
  auto members = client.as_set_members("AS-FOO");
  ASSERT_FALSE(members);
  EXPECT_EQ(members.error().code, ErrorCode::unavailable);
  EXPECT_THAT(members.error().message, HasSubstr("above the limit of 67108864 bytes"));
}

TEST(IrrdClient, MalformedReplyIsUnavailable) {
  IrrdDouble server;
  server.set_hook([](std::string_view command) -> std::optional<IrrdOverride> {
    if (command.starts_with("!i"))
      return IrrdOverride{"% This is a RIPE-style server\n", false, {}};
    return std::nullopt;
  });
  IrrdClient client(options_for(server));
  auto members = client.as_set_members("AS-FOO");
  ASSERT_FALSE(members);
  EXPECT_EQ(members.error().code, ErrorCode::unavailable);
  EXPECT_THAT(members.error().message, HasSubstr("bad reply"));
}

TEST(IrrdClient, ReadTimeout) {
  IrrdDouble server;
  add_world(server);
  server.set_hook([](std::string_view command) -> std::optional<IrrdOverride> {
    if (command.starts_with("!i"))
      return IrrdOverride{std::nullopt, false, std::chrono::milliseconds(3000)};
    return std::nullopt;
  });
  auto options = options_for(server);
  options.read_timeout = std::chrono::milliseconds(200);
  IrrdClient client(options);
  const auto start = std::chrono::steady_clock::now();
  auto members = client.as_set_members("AS-CUSTOMERS");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(members);
  EXPECT_EQ(members.error().code, ErrorCode::unavailable);
  EXPECT_THAT(members.error().message, HasSubstr("no reply within 200 ms"));
  EXPECT_LT(elapsed, std::chrono::milliseconds(2000));
  EXPECT_EQ(server.count("!iAS-CUSTOMERS"), 1) << "a timeout is not retried";
}

TEST(IrrdClient, RefusedConnectionIsUnavailable) {
  std::uint16_t port = 0;
  {
    IrrdDouble closed;  // a port that was just free, now closed again
    port = closed.port();
  }
  IrrdClientOptions options;
  options.server = *IrrdEndpoint::parse("127.0.0.1:" + std::to_string(port));
  options.outbound.allow_loopback_http = true;
  IrrdClient client(options);
  auto members = client.as_set_members("AS-FOO");
  ASSERT_FALSE(members);
  EXPECT_EQ(members.error().code, ErrorCode::unavailable);
  EXPECT_EQ(members.error().field, "irrd");
  EXPECT_THAT(members.error().message, HasSubstr("irrd 127.0.0.1:" + std::to_string(port)));
  EXPECT_THAT(members.error().message, HasSubstr("cannot connect"));
}

TEST(IrrdClient, ConnectTimeout) {
  // A listener that never accepts, with its accept queue full: further SYNs are dropped on
  // Linux, so connect() stays pending.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 0), 0);
  socklen_t size = sizeof address;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &size);
  std::vector<int> fillers;
  for (int i = 0; i < 4; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    fillers.push_back(fd);
  }
  IrrdClientOptions options;
  options.server = *IrrdEndpoint::parse("127.0.0.1:" + std::to_string(ntohs(address.sin_port)));
  options.connect_timeout = std::chrono::milliseconds(300);
  options.outbound.allow_loopback_http = true;
  IrrdClient client(options);
  const auto start = std::chrono::steady_clock::now();
  auto members = client.as_set_members("AS-FOO");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  for (const int fd : fillers)
    ::close(fd);
  ::close(listener);
  ASSERT_FALSE(members);
  EXPECT_EQ(members.error().code, ErrorCode::unavailable);
  EXPECT_THAT(members.error().message, HasSubstr("connect timed out after 300 ms"));
  EXPECT_LT(elapsed, std::chrono::milliseconds(2000));
}

}  // namespace
}  // namespace peerapi::sources::irr
