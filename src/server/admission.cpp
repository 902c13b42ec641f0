#include "server/admission.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

namespace peerapi::server {

namespace {

/// IPv4-mapped IPv6 (::ffff:a.b.c.d, RFC 4291 section 2.5.5.2) as the IPv4 address it carries:
/// a dual-stack listener reports IPv4 peers that way.
model::IpAddress unmapped(const model::IpAddress& address) {
  if (address.is_v4())
    return address;
  const auto& b = address.bytes();
  for (std::size_t i = 0; i < 10; ++i) {
    if (b[i] != 0)
      return address;
  }
  if (b[10] != 0xff || b[11] != 0xff)
    return address;
  return model::IpAddress::v4((std::uint32_t{b[12]} << 24) | (std::uint32_t{b[13]} << 16) |
                              (std::uint32_t{b[14]} << 8) | std::uint32_t{b[15]});
}

std::optional<model::IpAddress> parse_address(std::string_view text) {
  auto parsed = model::IpAddress::parse(text);
  if (!parsed)
    return std::nullopt;
  return unmapped(*parsed);
}

/// One X-Forwarded-For element: an address, optionally "[v6]", "[v6]:port" or "v4:port".
std::optional<model::IpAddress> parse_hop(std::string_view hop) {
  while (!hop.empty() && (hop.front() == ' ' || hop.front() == '\t'))
    hop.remove_prefix(1);
  while (!hop.empty() && (hop.back() == ' ' || hop.back() == '\t'))
    hop.remove_suffix(1);
  if (hop.starts_with('[')) {
    const auto close = hop.find(']');
    if (close == std::string_view::npos)
      return std::nullopt;
    hop = hop.substr(1, close - 1);
  } else if (const auto colon = hop.find(':'); colon != std::string_view::npos &&
                                               hop.find(':', colon + 1) == std::string_view::npos) {
    hop = hop.substr(0, colon);  // "192.0.2.1:4711"
  }
  return parse_address(hop);
}

bool in_any(const std::vector<model::Prefix>& prefixes, const model::IpAddress& address) {
  return std::ranges::any_of(prefixes, [&](const model::Prefix& p) { return p.contains(address); });
}

/// The bucket key of a source: IPv4 per address, IPv6 per /64 (one customer site, RFC 6177).
std::string address_key(const std::optional<model::IpAddress>& source) {
  if (!source)
    return "?";
  const auto& b = source->bytes();
  if (source->is_v4())
    return std::string("4") + std::string(reinterpret_cast<const char*>(b.data()), 4);
  return std::string("6") + std::string(reinterpret_cast<const char*>(b.data()), 8);
}

std::string address_label(const std::optional<model::IpAddress>& source) {
  if (!source)
    return "an unknown address";
  if (source->is_v4())
    return source->to_string();
  auto bytes = source->bytes();
  std::fill(bytes.begin() + 8, bytes.end(), std::uint8_t{0});
  std::string text;
  for (std::size_t i = 0; i < 8; i += 2) {
    std::ostringstream group;
    group << std::hex << ((unsigned{bytes[i]} << 8) | bytes[i + 1]);
    text += group.str() + ":";
  }
  text += ":/64";
  auto canonical = model::Prefix::parse(text);
  return canonical ? canonical->to_string() : text;
}

/// "20", "0.5": the shortest text that reads back as `value`.
std::string number(double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

std::int64_t retry_after(double wait_seconds) {
  // A tiny slack keeps a wait of exactly N seconds, computed in floating point, at N.
  const double ceiled = std::ceil(wait_seconds - 1e-9);
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(ceiled));
}

std::size_t shard_capacity(std::int64_t max_keys, std::size_t shards) {
  return std::max<std::size_t>(1, static_cast<std::size_t>(max_keys) / shards);
}

}  // namespace

std::string_view to_string(EndpointGroup group) noexcept {
  switch (group) {
    case EndpointGroup::api:
      return "api";
    case EndpointGroup::registration:
      return "registration";
    case EndpointGroup::health:
      return "health";
    case EndpointGroup::metrics:
      return "metrics";
  }
  return "api";
}

std::string_view to_string(Refusal::Scope scope) noexcept {
  switch (scope) {
    case Refusal::Scope::address:
      return "address";
    case Refusal::Scope::asn:
      return "asn";
    case Refusal::Scope::sender:
      return "sender";
    case Refusal::Scope::pending:
      return "pending";
  }
  return "address";
}

struct Admission::Settings {
  config::LimitsSection limits;
};

Admission::Admission(const config::LimitsSection& limits, const util::Clock& clock)
    : clock_(clock), settings_(std::make_shared<const Settings>(Settings{limits})) {}

void Admission::reconfigure(const config::LimitsSection& limits) {
  settings_.store(std::make_shared<const Settings>(Settings{limits}));
}

void Admission::refused(Refusal::Scope scope) {
  refusals_[static_cast<std::size_t>(scope)].fetch_add(1, std::memory_order_relaxed);
  if (hook_)
    hook_(to_string(scope));
}

std::int64_t Admission::max_pending_per_requester() const {
  return settings()->limits.max_pending_per_requester;
}

std::optional<model::IpAddress> Admission::source_address(std::string_view peer,
                                                          std::string_view forwarded_for) const {
  auto source = parse_address(peer);
  if (!source)
    return std::nullopt;
  const auto current = settings();
  const auto& proxies = current->limits.trusted_proxies;
  if (forwarded_for.empty() || !in_any(proxies, *source))
    return source;
  // Right to left: each trusted proxy appended the address it received the request from.
  std::string_view rest = forwarded_for;
  while (!rest.empty()) {
    const auto comma = rest.rfind(',');
    const std::string_view hop = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
    auto address = parse_hop(hop);
    if (!address)
      return source;
    source = address;
    if (!in_any(proxies, *source))
      return source;
  }
  return source;
}

std::optional<Refusal> Admission::admit_sender(EndpointGroup group,
                                               const std::optional<model::IpAddress>& source) {
  const auto current = settings();
  const auto& senders = current->limits.allowed_senders;
  const std::vector<model::Prefix>* list = &senders.api;
  switch (group) {
    case EndpointGroup::api:
      break;
    case EndpointGroup::registration:
      list = &senders.registration;
      break;
    case EndpointGroup::health:
      list = &senders.health;
      break;
    case EndpointGroup::metrics:
      list = &senders.metrics;
      break;
  }
  if (list->empty() || (source && in_any(*list, *source)))
    return std::nullopt;
  refused(Refusal::Scope::sender);
  return Refusal{.scope = Refusal::Scope::sender,
                 .retry_after_seconds = 0,
                 .message = (source ? source->to_string() : std::string("this address")) +
                            " may not call the " + std::string(to_string(group)) +
                            " endpoints: it is not in limits.allowed_senders." +
                            std::string(to_string(group))};
}

std::optional<Refusal> Admission::admit_address(const std::optional<model::IpAddress>& source) {
  const auto current = settings();
  const auto& limits = current->limits;
  if (limits.per_address_rate <= 0)
    return std::nullopt;
  const auto take = addresses_.take(
      address_key(source), limits.per_address_rate, static_cast<double>(limits.per_address_burst),
      static_cast<std::size_t>(limits.max_tracked_keys), clock_.now_ms());
  if (take.allowed)
    return std::nullopt;
  refused(Refusal::Scope::address);
  return Refusal{.scope = Refusal::Scope::address,
                 .retry_after_seconds = retry_after(take.wait_seconds),
                 .message = "rate limit for " + address_label(source) + ": " +
                            number(limits.per_address_rate) + " requests/s, burst " +
                            std::to_string(limits.per_address_burst) +
                            " (limits.per_address_rate)"};
}

std::optional<Refusal> Admission::admit_asns(std::span<const model::Asn> asns) {
  const auto current = settings();
  const auto& limits = current->limits;
  if (limits.per_asn_rate <= 0 || asns.empty())
    return std::nullopt;
  const double rate = limits.per_asn_rate;
  const double burst = static_cast<double>(limits.per_asn_burst);
  const auto max_keys = static_cast<std::size_t>(limits.max_tracked_keys);
  const std::int64_t now = clock_.now_ms();
  auto refuse = [&](const model::Asn& asn, double wait) {
    refused(Refusal::Scope::asn);
    return Refusal{.scope = Refusal::Scope::asn,
                   .retry_after_seconds = retry_after(wait),
                   .message = "rate limit for " + asn.to_string() + ": " + number(rate) +
                              " requests/s, burst " + std::to_string(limits.per_asn_burst) +
                              " (limits.per_asn_rate)"};
  };
  auto key = [](const model::Asn& asn) { return std::to_string(asn.value()); };
  if (asns.size() == 1) {
    const auto take = asns_.take(key(asns[0]), rate, burst, max_keys, now);
    if (take.allowed)
      return std::nullopt;
    return refuse(asns[0], take.wait_seconds);
  }
  // Several ASNs: charged together or not at all. Two concurrent requests may both pass the
  // check and overdraw a bucket by one token each; the next ones wait that much longer.
  for (const auto& asn : asns) {
    const double tokens = asns_.peek(key(asn), rate, burst, now);
    if (tokens < 1.0)
      return refuse(asn, (1.0 - tokens) / rate);
  }
  for (const auto& asn : asns)
    asns_.take(key(asn), rate, burst, max_keys, now, /*overdraw=*/true);
  return std::nullopt;
}

Admission::BucketTable::Shard& Admission::BucketTable::shard_of(const std::string& key) {
  return shards_[std::hash<std::string>{}(key) % kShards];
}

const Admission::BucketTable::Shard& Admission::BucketTable::shard_of(
    const std::string& key) const {
  return shards_[std::hash<std::string>{}(key) % kShards];
}

Admission::BucketTable::Take Admission::BucketTable::take(const std::string& key, double rate,
                                                          double burst, std::size_t max_keys,
                                                          std::int64_t now_ms, bool overdraw) {
  Shard& shard = shard_of(key);
  std::lock_guard lock(shard.mutex);
  auto it = shard.buckets.find(key);
  if (it == shard.buckets.end()) {
    const std::size_t capacity = shard_capacity(static_cast<std::int64_t>(max_keys), kShards);
    while (!shard.order.empty() && shard.buckets.size() >= capacity) {
      shard.buckets.erase(shard.order.back());
      shard.order.pop_back();
    }
    shard.order.push_front(key);
    it = shard.buckets.emplace(key, Bucket{burst, now_ms, shard.order.begin()}).first;
  } else {
    shard.order.splice(shard.order.begin(), shard.order, it->second.lru);
  }
  Bucket& bucket = it->second;
  // A clock that steps back refills nothing.
  const std::int64_t elapsed_ms = std::max<std::int64_t>(0, now_ms - bucket.updated_ms);
  bucket.tokens = std::min(burst, bucket.tokens + rate * static_cast<double>(elapsed_ms) / 1000.0);
  bucket.updated_ms = std::max(bucket.updated_ms, now_ms);
  if (bucket.tokens >= 1.0 || overdraw) {
    bucket.tokens -= 1.0;
    return Take{.allowed = true, .wait_seconds = 0};
  }
  return Take{.allowed = false, .wait_seconds = (1.0 - bucket.tokens) / rate};
}

double Admission::BucketTable::peek(const std::string& key, double rate, double burst,
                                    std::int64_t now_ms) const {
  const Shard& shard = shard_of(key);
  std::lock_guard lock(shard.mutex);
  auto it = shard.buckets.find(key);
  if (it == shard.buckets.end())
    return burst;
  const std::int64_t elapsed_ms = std::max<std::int64_t>(0, now_ms - it->second.updated_ms);
  return std::min(burst, it->second.tokens + rate * static_cast<double>(elapsed_ms) / 1000.0);
}

std::size_t Admission::BucketTable::size() const {
  std::size_t total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    total += shard.buckets.size();
  }
  return total;
}

}  // namespace peerapi::server
