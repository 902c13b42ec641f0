// A map-backed IrrSource for tests and benchmarks: sets and routes added by hand, lookups
// counted, failures injectable. Header-only.
#pragma once

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/asn.hpp"
#include "model/error.hpp"
#include "model/ip.hpp"
#include "sources/irr/irr_source.hpp"

namespace peerapi::testing {

class MemoryIrrSource final : public sources::irr::IrrSource {
 public:
  /// Adds (or replaces) the as-set `name` (any case; may be "SOURCE::NAME") with `members`.
  void add_set(std::string_view name, std::vector<std::string> members) {
    sets_[upper(name)] = std::move(members);
  }
  /// Adds one route/route6 object: `prefix` originated by `origin`.
  void add_route(std::uint32_t origin, std::string_view prefix) {
    auto parsed = model::Prefix::parse(prefix);
    if (!parsed)
      throw std::invalid_argument("bad test prefix " + std::string(prefix));
    routes_[{origin, parsed->family()}].push_back(*parsed);
  }
  void add_route(std::uint32_t origin, const model::Prefix& prefix) {
    routes_[{origin, prefix.family()}].push_back(prefix);
  }
  /// The next lookup of `name` (as_set_members) answers `error` instead.
  void fail_set(std::string_view name, Error error) { set_errors_[upper(name)] = std::move(error); }
  /// Every origin_prefixes() call answers `error`.
  void fail_routes(Error error) { route_error_ = std::move(error); }

  Result<std::vector<std::string>> as_set_members(std::string_view name) override {
    const std::string key = upper(name);
    ++lookups_[key];
    if (auto it = set_errors_.find(key); it != set_errors_.end()) {
      Error error = std::move(it->second);
      set_errors_.erase(it);
      return std::unexpected(std::move(error));
    }
    auto it = sets_.find(key);
    if (it == sets_.end())
      return fail(ErrorCode::not_found, "as_set", key + ": no such as-set");
    std::vector<std::string> members;
    for (const auto& member : it->second)
      members.push_back(upper(member));
    return members;
  }

  Result<std::vector<model::Prefix>> origin_prefixes(model::Asn origin,
                                                     model::IpFamily family) override {
    ++route_lookups_;
    if (route_error_)
      return std::unexpected(*route_error_);
    auto it = routes_.find({origin.value(), family});
    if (it == routes_.end())
      return std::vector<model::Prefix>{};
    std::vector<model::Prefix> out = it->second;
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

  /// How often as_set_members() was asked for `name` (any case).
  [[nodiscard]] int lookups(std::string_view name) const {
    auto it = lookups_.find(upper(name));
    return it == lookups_.end() ? 0 : it->second;
  }
  [[nodiscard]] int total_lookups() const {
    int total = 0;
    for (const auto& [name, count] : lookups_)
      total += count;
    return total;
  }
  [[nodiscard]] int route_lookups() const { return route_lookups_; }

 private:
  static std::string upper(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
      if (c >= 'a' && c <= 'z')
        c = static_cast<char>(c - 'a' + 'A');
    }
    return out;
  }

  std::map<std::string, std::vector<std::string>> sets_;
  std::map<std::pair<std::uint32_t, model::IpFamily>, std::vector<model::Prefix>> routes_;
  std::map<std::string, Error> set_errors_;
  std::optional<Error> route_error_;
  std::map<std::string, int> lookups_;
  int route_lookups_ = 0;
};

}  // namespace peerapi::testing
