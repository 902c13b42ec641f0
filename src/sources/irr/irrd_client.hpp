// An `IrrSource` that asks an IRRd server (IRRd 4, or any server speaking the IRRd query
// protocol that bgpq4 uses) over one persistent TCP connection. Commands sent:
//   !!               keep the connection open after each answer (multiple command mode)
//   !n<name>         identify the client
//   !s<a,b,...>      restrict answers to these sources; !s-lc lists the current ones
//   !i<set>          direct members of an as-set;   !i<set>,1  its ASNs, resolved by the server
//   !gAS<n>, !6AS<n> IPv4 / IPv6 prefixes of the route(6) objects originated by AS<n>
// Replies: "A<len>\n<len bytes>C\n" (data), "C\n" (no data), "D\n" (key not found),
// "E\n" (multiple keys), "F <message>\n" (error).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/asn.hpp"
#include "model/error.hpp"
#include "model/ip.hpp"
#include "net/outbound_guard.hpp"
#include "sources/irr/irr_source.hpp"

namespace peerapi::sources::irr {

// ---- Reply parsing (pure; fuzzed by fuzz/irrd_reply_fuzz.cpp) -----------------------------

enum class IrrdReplyKind {
  data,           // A<len>: `text` is the payload without its final newline
  no_data,        // C: the query was valid and found nothing
  key_not_found,  // D: the key queried does not exist
  error,          // F <message> or E (multiple keys): `text` is the server's message
};

struct IrrdReply {
  IrrdReplyKind kind = IrrdReplyKind::no_data;
  std::string text;
};

struct ParsedIrrdReply {
  IrrdReply reply;
  std::size_t consumed = 0;  // bytes of the input this reply used (> 0)
};

/// The longest status line ("A<len>", "F <message>") accepted, newline included.
inline constexpr std::size_t kMaxIrrdStatusLine = 4096;

/// Parses the reply at the start of `bytes`. nullopt when `bytes` holds only the beginning of
/// a reply (read more and call again). Error `data_invalid` (field "irrd.reply") when the bytes
/// are no IRRd reply, when an A reply is not followed by "C\n", or when its length is above
/// `max_data_bytes` (reported as soon as the A line is complete, before the data is read).
Result<std::optional<ParsedIrrdReply>> parse_irrd_reply(std::string_view bytes,
                                                        std::size_t max_data_bytes);

// ---- Client --------------------------------------------------------------------------------

struct IrrdEndpoint {
  std::string host;  // name or address literal, without brackets
  std::uint16_t port = 43;

  /// Parses "host:port", "[2001:db8::1]:port" or "host" (port 43). Error `invalid_value` at
  /// `field`.
  static Result<IrrdEndpoint> parse(std::string_view text, std::string_view field = "irrd");
  /// "host:port", with brackets around an IPv6 literal.
  [[nodiscard]] std::string to_string() const;
};

/// Parses a comma-separated IRR source list such as "RIPE,RADB" (upper-cased, order kept).
/// Error `invalid_value` at `field` for an empty list or a name outside [A-Za-z0-9_-].
Result<std::vector<std::string>> parse_irr_sources(std::string_view text,
                                                   std::string_view field = "sources");

struct IrrdClientOptions {
  IrrdEndpoint server;
  /// Sent as !s after connecting; empty keeps the server's default source list.
  std::vector<std::string> sources;
  std::chrono::milliseconds connect_timeout{10000};
  /// The longest wait for the next bytes of a reply (or for room to send a query).
  std::chrono::milliseconds read_timeout{60000};
  /// Longest A reply accepted; a longer one is an error and the connection is closed.
  std::size_t max_reply_bytes = std::size_t{64} << 20;
  std::string client_name = "peerapi";
  /// Queries sent before their replies are read, in prefixes_for().
  std::size_t pipeline_depth = 256;
  /// The outbound guard (net/outbound_guard.hpp): before every connection the server's name is
  /// resolved once and checked (net::check_endpoint), and only the checked addresses are tried,
  /// in order. The default refuses every server that is not globally reachable.
  net::OutboundPolicy outbound;
  /// Resolves the server's name; nullptr: net::SystemResolver.
  std::shared_ptr<net::Resolver> resolver;
  /// The configuration key a refusal names ("sources.irr.irrd", "--irrd").
  std::string field = "irrd";
};

/// Not copyable; safe to share between threads (one query at a time). Every failure to reach
/// or understand the server is `unavailable` (field "irrd") with a message naming the server;
/// a server the outbound guard refuses is `io_error` at `options.field` ("<host>:<port>:
/// refused: <reason>"), returned before any connection is attempted.
/// A connection that breaks while a query is in flight is reopened and the query sent again,
/// once. A timeout, an oversized or malformed reply closes the connection without retry.
class IrrdClient final : public IrrSource {
 public:
  explicit IrrdClient(IrrdClientOptions options);
  ~IrrdClient() override;

  /// !i<set>: direct members, upper-cased. A source-qualified name ("RIPE::AS-FOO") is asked
  /// with !sRIPE and the source list restored afterwards. Errors: `invalid_value` (field
  /// "as_set") for a bad name, `not_found` (field "as_set") on D or an unknown source.
  Result<std::vector<std::string>> as_set_members(std::string_view name) override;
  /// !gAS<n> or !6AS<n>: sorted, unique; tokens that are no prefix of `family` are skipped and
  /// counted in skipped_tokens().
  Result<std::vector<model::Prefix>> origin_prefixes(model::Asn origin,
                                                     model::IpFamily family) override;

  /// !i<set>,1: the ASNs of `as_set`, expanded recursively by the server in one round trip
  /// (cheaper than expand_as_set() over this client, but the server reports neither missing
  /// sets nor loops). Sorted, unique. Errors as for as_set_members().
  Result<std::vector<model::Asn>> expand_on_server(std::string_view as_set);
  /// The union of origin_prefixes() over `asns`, with up to `pipeline_depth` queries in flight.
  Result<std::vector<model::Prefix>> prefixes_for(std::span<const model::Asn> asns,
                                                  model::IpFamily family);
  /// !v: the server's version text.
  Result<std::string> version();

  /// Closes the connection (the next query opens a new one).
  void disconnect();
  [[nodiscard]] std::size_t connections_opened() const;
  [[nodiscard]] std::size_t skipped_tokens() const;
  [[nodiscard]] const IrrdClientOptions& options() const { return options_; }

 private:
  enum class Failure { none, dropped, fatal };
  struct Exchange {
    std::vector<IrrdReply> replies;
    Failure failure = Failure::none;
    Error error;
  };

  Result<std::vector<IrrdReply>> query(const std::vector<std::string>& commands);
  Exchange exchange_once(const std::vector<std::string>& commands);
  Result<void> open();
  Exchange send_all(std::string_view bytes);
  Exchange read_replies(std::size_t count);
  Result<IrrdReply> set_query(std::string_view source, const std::string& command);
  Result<std::string> set_reply_text(std::string_view name, bool recursive);
  Result<std::string> default_sources();
  void close_socket();
  Error unavailable(std::string message) const;

  IrrdClientOptions options_;
  mutable std::mutex mutex_;
  int fd_ = -1;
  std::string buffer_;
  std::optional<std::string> server_default_sources_;
  std::size_t connections_opened_ = 0;
  std::size_t skipped_tokens_ = 0;
};

}  // namespace peerapi::sources::irr
