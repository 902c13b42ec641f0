#include "sources/irr/irrd_client.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

#include "sources/irr/expand.hpp"

namespace peerapi::sources::irr {

namespace {

constexpr std::string_view kReplyField = "irrd.reply";
constexpr std::size_t kReadChunk = 64 * 1024;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_letter(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
char upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

/// Server text made safe for an error message: printable ASCII only, at most 200 characters.
std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, 200))
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (text.size() > 200)
    out += "...";
  return out;
}

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

/// The whitespace-separated words of a reply payload.
std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i]))
      ++i;
    const std::size_t start = i;
    while (i < text.size() && !is_space(text[i]))
      ++i;
    if (i > start)
      out.push_back(text.substr(start, i - start));
  }
  return out;
}

bool is_source_name(std::string_view source) {
  if (source.empty() || source.size() > 64 || !is_letter(source.front()))
    return false;
  return std::all_of(source.begin(), source.end(),
                     [](char c) { return is_letter(c) || is_digit(c) || c == '_' || c == '-'; });
}

std::string join(const std::vector<std::string>& parts, char separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty())
      out += separator;
    out += part;
  }
  return out;
}

std::string asn_command(char family_command, model::Asn asn) {
  return std::string("!") + family_command + "AS" + std::to_string(asn.value());
}

/// Splits "RIPE::AS-FOO" into ("RIPE", "AS-FOO"); an unqualified name has an empty source.
std::pair<std::string_view, std::string_view> split_source(std::string_view name) {
  const auto qualifier = name.find("::");
  if (qualifier == std::string_view::npos)
    return {{}, name};
  return {name.substr(0, qualifier), name.substr(qualifier + 2)};
}

}  // namespace

// ---- Reply parsing ---------------------------------------------------------------------------

Result<std::optional<ParsedIrrdReply>> parse_irrd_reply(std::string_view bytes,
                                                        std::size_t max_data_bytes) {
  if (bytes.empty())
    return std::nullopt;
  const char code = bytes.front();
  if (code != 'A' && code != 'C' && code != 'D' && code != 'E' && code != 'F') {
    return fail(ErrorCode::data_invalid, std::string(kReplyField),
                "expected a reply starting with A, C, D, E or F, got \"" +
                    printable(bytes.substr(0, 40)) + "\"");
  }
  const std::size_t newline = bytes.substr(0, kMaxIrrdStatusLine).find('\n');
  if (newline == std::string_view::npos) {
    if (bytes.size() >= kMaxIrrdStatusLine) {
      return fail(ErrorCode::data_invalid, std::string(kReplyField),
                  "status line longer than " + std::to_string(kMaxIrrdStatusLine) + " bytes");
    }
    if (code == 'A' && !std::all_of(bytes.begin() + 1, bytes.end(), is_digit)) {
      return fail(
          ErrorCode::data_invalid, std::string(kReplyField),
          "an A reply gives its length in digits, got \"" + printable(bytes.substr(0, 40)) + "\"");
    }
    return std::nullopt;
  }
  const std::string_view line = bytes.substr(0, newline);
  ParsedIrrdReply parsed;
  switch (code) {
    case 'A': {
      const std::string_view digits = line.substr(1);
      std::uint64_t length = 0;
      const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
      if (digits.empty() || digits.size() > 20 || ptr != digits.data() + digits.size() ||
          (ec != std::errc{} && ec != std::errc::result_out_of_range)) {
        return fail(ErrorCode::data_invalid, std::string(kReplyField),
                    "an A reply gives its length in digits, got \"" + printable(line) + "\"");
      }
      if (ec == std::errc::result_out_of_range || length > max_data_bytes) {
        return fail(ErrorCode::data_invalid, std::string(kReplyField),
                    "reply of " + printable(digits) + " bytes is above the limit of " +
                        std::to_string(max_data_bytes) + " bytes");
      }
      const std::size_t data_start = newline + 1;
      const std::size_t data_end = data_start + static_cast<std::size_t>(length);
      const std::string_view trailer = bytes.substr(std::min(data_end, bytes.size()), 2);
      if (!std::string_view("C\n").starts_with(trailer)) {
        return fail(
            ErrorCode::data_invalid, std::string(kReplyField),
            "an A reply of " + std::to_string(length) + " bytes is not followed by \"C\\n\"");
      }
      if (trailer.size() < 2)
        return std::nullopt;
      std::string_view payload = bytes.substr(data_start, static_cast<std::size_t>(length));
      if (payload.ends_with('\n'))
        payload.remove_suffix(1);
      parsed.reply = IrrdReply{IrrdReplyKind::data, std::string(payload)};
      parsed.consumed = data_end + 2;
      return parsed;
    }
    case 'C':
    case 'D':
      if (line.size() != 1) {
        return fail(
            ErrorCode::data_invalid, std::string(kReplyField),
            "expected \"" + std::string(1, code) + "\\n\", got \"" + printable(line) + "\"");
      }
      parsed.reply.kind = code == 'C' ? IrrdReplyKind::no_data : IrrdReplyKind::key_not_found;
      parsed.consumed = newline + 1;
      return parsed;
    default: {  // 'E' or 'F'
      std::string_view message = line.substr(1);
      while (!message.empty() && message.front() == ' ')
        message.remove_prefix(1);
      if (code == 'E' && message.empty())
        message = "multiple objects match the key";
      parsed.reply = IrrdReply{IrrdReplyKind::error, std::string(message)};
      parsed.consumed = newline + 1;
      return parsed;
    }
  }
}

// ---- Endpoint and sources --------------------------------------------------------------------

Result<IrrdEndpoint> IrrdEndpoint::parse(std::string_view text, std::string_view field) {
  const auto bad = [&](std::string why) {
    return fail(ErrorCode::invalid_value, std::string(field),
                why + " (expected HOST:PORT such as 127.0.0.1:43 or [2001:db8::1]:43), got \"" +
                    printable(text.substr(0, 100)) + "\"");
  };
  IrrdEndpoint endpoint;
  std::string_view host;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos)
      return bad("unclosed \"[\"");
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':'))
      return bad("unexpected text after \"]\"");
    port = rest.empty() ? std::string_view() : rest.substr(1);
    if (host.find(':') == std::string_view::npos)
      return bad("brackets are for IPv6 addresses");
  } else {
    const auto colon = text.find(':');
    if (colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos)
      return bad("an IPv6 address needs brackets");
    host = text.substr(0, colon);
    if (colon != std::string_view::npos)
      port = text.substr(colon + 1);
  }
  if (host.empty() || host.size() > 253)
    return bad("empty or too long host");
  for (const char c : host) {
    if (!is_letter(c) && !is_digit(c) && c != '.' && c != '-' && c != ':' && c != '_')
      return bad("bad character in host");
  }
  endpoint.host = std::string(host);
  if (text.find(':') != std::string_view::npos && !text.starts_with('[') && port.empty())
    return bad("empty port");
  if (!port.empty() || (text.starts_with('[') && text.back() == ':')) {
    unsigned value = 0;
    const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc{} || ptr != port.data() + port.size() || value == 0 ||
        value > 65535)
      return bad("port must be 1-65535");
    endpoint.port = static_cast<std::uint16_t>(value);
  }
  return endpoint;
}

std::string IrrdEndpoint::to_string() const {
  const std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return shown_host + ":" + std::to_string(port);
}

Result<std::vector<std::string>> parse_irr_sources(std::string_view text, std::string_view field) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const std::string_view name = text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (!is_source_name(name)) {
      return fail(ErrorCode::invalid_value, std::string(field),
                  "expected comma-separated IRR sources such as RIPE,RADB, got \"" +
                      printable(text.substr(0, 100)) + "\"");
    }
    std::string canonical(name);
    std::transform(canonical.begin(), canonical.end(), canonical.begin(), upper);
    out.push_back(std::move(canonical));
    if (comma == std::string_view::npos)
      break;
    start = comma + 1;
  }
  return out;
}

// ---- Client ----------------------------------------------------------------------------------

IrrdClient::IrrdClient(IrrdClientOptions options) : options_(std::move(options)) {
  if (options_.pipeline_depth == 0)
    options_.pipeline_depth = 1;
  std::string name;
  for (const char c : options_.client_name) {
    if (c > 0x20 && c < 0x7f)
      name += c;
  }
  options_.client_name = name.empty() ? "peerapi" : name;
}

IrrdClient::~IrrdClient() {
  close_socket();
}

Error IrrdClient::unavailable(std::string message) const {
  return Error{ErrorCode::unavailable, "irrd",
               "irrd " + options_.server.to_string() + ": " + std::move(message)};
}

void IrrdClient::close_socket() {
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

void IrrdClient::disconnect() {
  std::lock_guard lock(mutex_);
  close_socket();
}

std::size_t IrrdClient::connections_opened() const {
  std::lock_guard lock(mutex_);
  return connections_opened_;
}

std::size_t IrrdClient::skipped_tokens() const {
  std::lock_guard lock(mutex_);
  return skipped_tokens_;
}

Result<void> IrrdClient::open() {
  for (const auto& source : options_.sources) {
    if (!is_source_name(source)) {
      return fail(ErrorCode::invalid_value, "irrd.sources",
                  "bad IRR source name \"" + printable(source) + "\"");
    }
  }
  // The guard decides first; a refused server sees no connection attempt.
  net::SystemResolver system_resolver;
  net::Resolver& resolver = options_.resolver != nullptr
                                ? *options_.resolver
                                : static_cast<net::Resolver&>(system_resolver);
  auto checked = net::check_endpoint(options_.server.host, options_.server.port, options_.field,
                                     options_.outbound, resolver);
  if (!checked) {
    if (checked.error().code != ErrorCode::unavailable)
      return std::unexpected(checked.error());
    std::string why = checked.error().message;
    const std::string prefix = options_.server.to_string() + ": ";
    if (why.starts_with(prefix))
      why.erase(0, prefix.size());
    return std::unexpected(unavailable(why));  // "cannot resolve host ...": retried next time
  }
  std::string last_error = "no address";
  for (const model::IpAddress& address : checked->addresses) {
    if (fd_ >= 0)
      break;
    sockaddr_storage target{};
    const socklen_t target_size = net::to_sockaddr(address, options_.server.port, target);
    const int fd = ::socket(target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&target), target_size);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd waiter{fd, POLLOUT, 0};
      rc = ::poll(&waiter, 1, static_cast<int>(options_.connect_timeout.count()));
      if (rc == 0) {
        last_error =
            "connect timed out after " + std::to_string(options_.connect_timeout.count()) + " ms";
        ::close(fd);
        continue;
      }
      int error = 0;
      socklen_t size = sizeof error;
      if (rc < 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0 || error != 0) {
        last_error = std::strerror(rc < 0 ? errno : error);
        ::close(fd);
        continue;
      }
      rc = 0;
    }
    if (rc != 0) {
      last_error = std::strerror(errno);
      ::close(fd);
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fd_ = fd;
  }
  if (fd_ < 0)
    return std::unexpected(unavailable("cannot connect: " + last_error));
  ++connections_opened_;
  buffer_.clear();

  // "!!" has no reply; "!n" answers C; "!s" answers C when every source is served.
  std::string hello = "!!\n!n" + options_.client_name + "\n";
  std::size_t expected = 1;
  if (!options_.sources.empty()) {
    hello += "!s" + join(options_.sources, ',') + "\n";
    ++expected;
  }
  Exchange greeting = send_all(hello);
  if (greeting.failure == Failure::none)
    greeting = read_replies(expected);
  if (greeting.failure != Failure::none) {
    close_socket();
    return std::unexpected(greeting.error);
  }
  if (expected == 2 && greeting.replies[1].kind != IrrdReplyKind::no_data &&
      greeting.replies[1].kind != IrrdReplyKind::data) {
    close_socket();
    return std::unexpected(unavailable("refused sources " + join(options_.sources, ',') + ": " +
                                       printable(greeting.replies[1].text)));
  }
  return {};
}

IrrdClient::Exchange IrrdClient::send_all(std::string_view bytes) {
  Exchange out;
  while (!bytes.empty()) {
    const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(sent));
      continue;
    }
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      pollfd waiter{fd_, POLLOUT, 0};
      const int rc = ::poll(&waiter, 1, static_cast<int>(options_.read_timeout.count()));
      if (rc == 0) {
        out.failure = Failure::fatal;
        out.error = unavailable("sending a query timed out after " +
                                std::to_string(options_.read_timeout.count()) + " ms");
        return out;
      }
      continue;
    }
    out.failure = Failure::dropped;
    out.error = unavailable(std::string("connection lost while sending: ") +
                            (sent < 0 ? std::strerror(errno) : "closed"));
    return out;
  }
  return out;
}

IrrdClient::Exchange IrrdClient::read_replies(std::size_t count) {
  Exchange out;
  std::size_t offset = 0;
  while (out.replies.size() < count) {
    auto parsed =
        parse_irrd_reply(std::string_view(buffer_).substr(offset), options_.max_reply_bytes);
    if (!parsed) {
      out.failure = Failure::fatal;
      out.error = unavailable("bad reply: " + parsed.error().message);
      return out;
    }
    if (*parsed) {
      offset += (*parsed)->consumed;
      out.replies.push_back(std::move((*parsed)->reply));
      continue;
    }
    if (offset > 0) {
      buffer_.erase(0, offset);
      offset = 0;
    }
    pollfd waiter{fd_, POLLIN, 0};
    const int rc = ::poll(&waiter, 1, static_cast<int>(options_.read_timeout.count()));
    if (rc == 0) {
      out.failure = Failure::fatal;
      out.error =
          unavailable("no reply within " + std::to_string(options_.read_timeout.count()) + " ms");
      return out;
    }
    if (rc < 0 && errno == EINTR)
      continue;
    const std::size_t old_size = buffer_.size();
    buffer_.resize(old_size + kReadChunk);
    const ssize_t got = ::recv(fd_, buffer_.data() + old_size, kReadChunk, 0);
    buffer_.resize(old_size + (got > 0 ? static_cast<std::size_t>(got) : 0));
    if (got > 0)
      continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
      continue;
    out.failure = Failure::dropped;
    out.error = unavailable(std::string("connection lost while reading: ") +
                            (got < 0 ? std::strerror(errno) : "closed by the server"));
    return out;
  }
  buffer_.erase(0, offset);
  if (!buffer_.empty()) {
    // Bytes nobody asked for: the conversation is out of step, start over next time.
    close_socket();
  }
  return out;
}

IrrdClient::Exchange IrrdClient::exchange_once(const std::vector<std::string>& commands) {
  std::string bytes;
  for (const auto& command : commands) {
    bytes += command;
    bytes += '\n';
  }
  Exchange out = send_all(bytes);
  if (out.failure != Failure::none)
    return out;
  return read_replies(commands.size());
}

Result<std::vector<IrrdReply>> IrrdClient::query(const std::vector<std::string>& commands) {
  for (int attempt = 0;; ++attempt) {
    if (fd_ < 0) {
      if (auto opened = open(); !opened)
        return std::unexpected(opened.error());
    }
    Exchange exchange = exchange_once(commands);
    if (exchange.failure == Failure::none)
      return std::move(exchange.replies);
    close_socket();
    if (exchange.failure == Failure::fatal || attempt >= 1)
      return std::unexpected(exchange.error);
  }
}

Result<std::string> IrrdClient::default_sources() {
  if (server_default_sources_)
    return *server_default_sources_;
  auto replies = query({"!s-lc"});
  if (!replies)
    return std::unexpected(replies.error());
  const IrrdReply& reply = replies->front();
  if (reply.kind != IrrdReplyKind::data || words(reply.text).size() != 1 ||
      !parse_irr_sources(words(reply.text).front())) {
    return std::unexpected(
        unavailable("!s-lc did not list the current sources: \"" + printable(reply.text) + "\""));
  }
  server_default_sources_ = std::string(words(reply.text).front());
  return *server_default_sources_;
}

Result<IrrdReply> IrrdClient::set_query(std::string_view source, const std::string& command) {
  if (source.empty()) {
    auto replies = query({command});
    if (!replies)
      return std::unexpected(replies.error());
    return std::move(replies->front());
  }
  // Restrict to `source` for this one query, then restore the list in force before.
  std::string restore;
  if (!options_.sources.empty()) {
    restore = join(options_.sources, ',');
  } else {
    auto defaults = default_sources();
    if (!defaults)
      return std::unexpected(defaults.error());
    restore = *defaults;
  }
  auto replies = query({"!s" + std::string(source), command, "!s" + restore});
  if (!replies)
    return std::unexpected(replies.error());
  const auto accepted = [](const IrrdReply& r) {
    return r.kind == IrrdReplyKind::no_data || r.kind == IrrdReplyKind::data;
  };
  if (!accepted((*replies)[2]))
    close_socket();  // the next connection starts from the configured sources again
  if (!accepted((*replies)[0])) {
    return fail(ErrorCode::not_found, "as_set",
                "source " + std::string(source) + " is not served by irrd " +
                    options_.server.to_string() + ": " + printable((*replies)[0].text));
  }
  return std::move((*replies)[1]);
}

Result<std::string> IrrdClient::set_reply_text(std::string_view name, bool recursive) {
  auto canonical = canonical_as_set_name(name);
  if (!canonical)
    return std::unexpected(canonical.error());
  const auto [source, set] = split_source(*canonical);
  const std::string command = "!i" + std::string(set) + (recursive ? ",1" : "");
  auto reply = set_query(source, command);
  if (!reply)
    return std::unexpected(reply.error());
  switch (reply->kind) {
    case IrrdReplyKind::key_not_found:
      return fail(ErrorCode::not_found, "as_set",
                  *canonical + ": no such as-set at irrd " + options_.server.to_string());
    case IrrdReplyKind::error:
      return std::unexpected(unavailable(command + " failed: " + printable(reply->text)));
    case IrrdReplyKind::no_data:
      return std::string();
    case IrrdReplyKind::data:
      break;
  }
  return std::move(reply->text);
}

Result<std::vector<std::string>> IrrdClient::as_set_members(std::string_view name) {
  std::lock_guard lock(mutex_);
  auto text = set_reply_text(name, false);
  if (!text)
    return std::unexpected(text.error());
  std::vector<std::string> members;
  for (const std::string_view word : words(*text)) {
    std::string member(word);
    std::transform(member.begin(), member.end(), member.begin(), upper);
    members.push_back(std::move(member));
  }
  return members;
}

Result<std::vector<model::Asn>> IrrdClient::expand_on_server(std::string_view as_set) {
  std::lock_guard lock(mutex_);
  auto text = set_reply_text(as_set, true);
  if (!text)
    return std::unexpected(text.error());
  std::vector<model::Asn> asns;
  for (const std::string_view word : words(*text)) {
    if (auto asn = model::Asn::parse(word); asn)
      asns.push_back(*asn);
    else
      ++skipped_tokens_;
  }
  std::sort(asns.begin(), asns.end());
  asns.erase(std::unique(asns.begin(), asns.end()), asns.end());
  return asns;
}

Result<std::vector<model::Prefix>> IrrdClient::origin_prefixes(model::Asn origin,
                                                               model::IpFamily family) {
  return prefixes_for(std::span<const model::Asn>(&origin, 1), family);
}

Result<std::vector<model::Prefix>> IrrdClient::prefixes_for(std::span<const model::Asn> asns,
                                                            model::IpFamily family) {
  const char family_command = family == model::IpFamily::v4 ? 'g' : '6';
  std::lock_guard lock(mutex_);
  std::vector<model::Prefix> out;
  for (std::size_t begin = 0; begin < asns.size(); begin += options_.pipeline_depth) {
    const std::size_t end = std::min(asns.size(), begin + options_.pipeline_depth);
    std::vector<std::string> commands;
    commands.reserve(end - begin);
    for (std::size_t i = begin; i < end; ++i)
      commands.push_back(asn_command(family_command, asns[i]));
    auto replies = query(commands);
    if (!replies)
      return std::unexpected(replies.error());
    for (std::size_t i = 0; i < replies->size(); ++i) {
      const IrrdReply& reply = (*replies)[i];
      if (reply.kind == IrrdReplyKind::error)
        return std::unexpected(unavailable(commands[i] + " failed: " + printable(reply.text)));
      if (reply.kind != IrrdReplyKind::data)
        continue;
      for (const std::string_view word : words(reply.text)) {
        auto prefix = model::Prefix::parse(word);
        if (prefix && prefix->family() == family)
          out.push_back(*prefix);
        else
          ++skipped_tokens_;
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<std::string> IrrdClient::version() {
  std::lock_guard lock(mutex_);
  auto replies = query({"!v"});
  if (!replies)
    return std::unexpected(replies.error());
  const IrrdReply& reply = replies->front();
  if (reply.kind != IrrdReplyKind::data)
    return std::unexpected(unavailable("!v failed: " + printable(reply.text)));
  return reply.text;
}

}  // namespace peerapi::sources::irr
