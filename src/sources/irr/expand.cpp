#include "sources/irr/expand.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace peerapi::sources::irr {

namespace {

constexpr std::size_t kMaxNameLength = 255;

bool is_letter(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
char upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}
std::string to_upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), upper);
  return out;
}

std::string shown(std::string_view text) {
  return "\"" + std::string(text.substr(0, 64)) + (text.size() > 64 ? "...\"" : "\"");
}

/// "AS" followed by a decimal number without leading zeros that fits 32 bits (RFC 6793).
bool is_asn_component(std::string_view part) {
  if (part.size() < 3 || upper(part[0]) != 'A' || upper(part[1]) != 'S')
    return false;
  const std::string_view digits = part.substr(2);
  if (digits.size() > 10 || (digits.size() > 1 && digits[0] == '0'))
    return false;
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return ec == std::errc{} && ptr == digits.data() + digits.size() && value <= 0xffffffffULL;
}

/// "AS-" then RPSL name characters, ending in a letter or digit (RFC 2622 sections 2, 5.1).
bool is_set_component(std::string_view part) {
  if (part.size() < 4 || upper(part[0]) != 'A' || upper(part[1]) != 'S' || part[2] != '-')
    return false;
  for (const char c : part.substr(3)) {
    if (!is_letter(c) && !is_digit(c) && c != '_' && c != '-')
      return false;
  }
  return is_letter(part.back()) || is_digit(part.back());
}

/// An IRR source name such as RIPE, RADB or ARIN-NONAUTH.
bool is_source_name(std::string_view source) {
  if (source.empty() || source.size() > 64 || !is_letter(source.front()))
    return false;
  return std::all_of(source.begin(), source.end(),
                     [](char c) { return is_letter(c) || is_digit(c) || c == '_' || c == '-'; });
}

/// Whether `text` looks like an ASN rather than a set name: digits, or AS followed by digits.
bool looks_like_asn(std::string_view text) {
  if (text.size() >= 2 && upper(text[0]) == 'A' && upper(text[1]) == 'S')
    text.remove_prefix(2);
  return !text.empty() && std::all_of(text.begin(), text.end(), is_digit);
}

/// One member as the walk sees it.
struct Member {
  enum class Kind { asn, set, skipped } kind = Kind::skipped;
  std::optional<model::Asn> asn;
  std::string name;  // canonical set name, or the upper-cased skipped text
};

Member classify(std::string_view text) {
  Member member;
  if (looks_like_asn(text)) {
    if (auto asn = model::Asn::parse(text); asn) {
      member.kind = Member::Kind::asn;
      member.asn = *asn;
      return member;
    }
    member.name = to_upper(text.substr(0, kMaxNameLength));
    return member;
  }
  if (auto name = canonical_as_set_name(text); name) {
    member.kind = Member::Kind::set;
    member.name = std::move(*name);
    return member;
  }
  member.name = to_upper(text.substr(0, kMaxNameLength));
  return member;
}

class Walker {
 public:
  Walker(IrrSource& source, const ExpandOptions& options) : source_(source), options_(options) {}

  Result<AsSetExpansion> run(const std::string& root) {
    if (auto pushed = enter(root, 1, true); !pushed)
      return std::unexpected(pushed.error());
    while (!stack_.empty()) {
      Frame& frame = stack_.back();
      if (frame.next == frame.members->size()) {
        on_path_.erase(frame.name);
        stack_.pop_back();
        continue;
      }
      const std::size_t depth = frame.depth;
      Member member = classify((*frame.members)[frame.next++]);
      switch (member.kind) {
        case Member::Kind::asn:
          asns_.push_back(*member.asn);
          break;
        case Member::Kind::set:
          if (auto pushed = enter(member.name, depth + 1, false); !pushed)
            return std::unexpected(pushed.error());
          break;
        case Member::Kind::skipped:
          skipped_.insert(std::move(member.name));
          break;
      }
    }
    std::sort(asns_.begin(), asns_.end());
    asns_.erase(std::unique(asns_.begin(), asns_.end()), asns_.end());
    AsSetExpansion out;
    out.asns = std::move(asns_);
    out.missing_sets.assign(missing_.begin(), missing_.end());
    out.loops.assign(loops_.begin(), loops_.end());
    out.skipped.assign(skipped_.begin(), skipped_.end());
    out.depth_capped = depth_capped_;
    out.sets_visited = members_.size();
    return out;
  }

 private:
  struct Frame {
    std::string name;
    const std::vector<std::string>* members;
    std::size_t next = 0;
    std::size_t depth = 0;
  };

  /// Starts expanding `name` at `depth` unless that adds nothing: a set on the current path is
  /// a loop; a set already expanded at this depth or shallower, or already expanded while no
  /// level was cut off, has contributed all it can.
  Result<void> enter(const std::string& name, std::size_t depth, bool top) {
    if (on_path_.contains(name)) {
      loops_.insert(name);
      return {};
    }
    if (missing_.contains(name))
      return {};
    if (const auto seen = best_depth_.find(name); seen != best_depth_.end()) {
      if (seen->second <= depth || !depth_capped_)
        return {};
    }
    if (depth > options_.max_depth) {
      depth_capped_ = true;
      return {};
    }
    auto cached = members_.find(name);
    if (cached == members_.end()) {
      if (members_.size() >= options_.max_sets) {
        return fail(ErrorCode::too_many_items, "as_set",
                    "the expansion reaches more than " + std::to_string(options_.max_sets) +
                        " sets (at " + name + "); refusing to build a partial filter");
      }
      auto members = source_.as_set_members(name);
      if (!members) {
        if (members.error().code != ErrorCode::not_found)
          return std::unexpected(members.error());
        if (top) {
          Error error = members.error();
          error.field = "as_set";
          return std::unexpected(std::move(error));
        }
        missing_.insert(name);
        return {};
      }
      cached = members_.emplace(name, std::move(*members)).first;
    }
    best_depth_[name] = depth;
    on_path_.insert(name);
    stack_.push_back(Frame{name, &cached->second, 0, depth});
    return {};
  }

  IrrSource& source_;
  const ExpandOptions& options_;
  std::vector<Frame> stack_;
  std::unordered_set<std::string> on_path_;
  std::unordered_map<std::string, std::size_t> best_depth_;
  // Node-based: frames point into it while it grows.
  std::unordered_map<std::string, std::vector<std::string>> members_;
  std::vector<model::Asn> asns_;
  std::set<std::string> missing_;
  std::set<std::string> loops_;
  std::set<std::string> skipped_;
  bool depth_capped_ = false;
};

}  // namespace

Result<std::string> canonical_as_set_name(std::string_view name, std::string_view field) {
  const std::string field_name(field);
  if (name.empty() || name.size() > kMaxNameLength) {
    return fail(ErrorCode::invalid_value, field_name,
                "an as-set name is 1-255 characters, got " + shown(name));
  }
  std::string_view rest = name;
  std::string out;
  if (const auto qualifier = rest.find("::"); qualifier != std::string_view::npos) {
    const std::string_view source = rest.substr(0, qualifier);
    if (!is_source_name(source)) {
      return fail(ErrorCode::invalid_value, field_name,
                  "expected SOURCE::AS-NAME with an IRR source such as RIPE, got " + shown(name));
    }
    out = to_upper(source) + "::";
    rest.remove_prefix(qualifier + 2);
  }
  bool has_set = false;
  std::size_t start = 0;
  while (true) {
    const std::size_t colon = rest.find(':', start);
    const std::string_view part = rest.substr(
        start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
    if (is_set_component(part)) {
      has_set = true;
    } else if (!is_asn_component(part)) {
      return fail(ErrorCode::invalid_value, field_name,
                  "an as-set name starts with \"AS-\" and has only letters, digits, \"-\" and "
                  "\"_\", or is hierarchical like AS64500:AS-CUSTOMERS (RFC 2622 section 5); "
                  "got " +
                      shown(name));
    }
    if (colon == std::string_view::npos)
      break;
    start = colon + 1;
  }
  if (!has_set) {
    return fail(ErrorCode::invalid_value, field_name,
                "a hierarchical as-set name needs at least one \"AS-\" component (RFC 2622 "
                "section 5), got " +
                    shown(name));
  }
  out += to_upper(rest);
  if (to_upper(rest) == "AS-ANY") {
    return fail(ErrorCode::invalid_value, field_name,
                "AS-ANY stands for every AS (RFC 2622 section 5.1) and cannot become a filter");
  }
  return out;
}

Result<ExpansionRoot> parse_expansion_root(std::string_view as_set_or_asn) {
  ExpansionRoot root;
  if (looks_like_asn(as_set_or_asn)) {
    auto asn = model::Asn::parse(as_set_or_asn, "as_set");
    if (!asn)
      return fail(ErrorCode::invalid_value, "as_set", asn.error().message);
    root.asn = *asn;
    return root;
  }
  auto name = canonical_as_set_name(as_set_or_asn);
  if (!name)
    return std::unexpected(name.error());
  root.as_set = std::move(*name);
  return root;
}

Result<AsSetExpansion> expand_as_set(IrrSource& source, std::string_view as_set_or_asn,
                                     const ExpandOptions& options) {
  auto root = parse_expansion_root(as_set_or_asn);
  if (!root)
    return std::unexpected(root.error());
  if (root->asn) {
    AsSetExpansion out;
    out.asns.push_back(*root->asn);
    return out;
  }
  Walker walker(source, options);
  return walker.run(root->as_set);
}

Result<std::vector<model::Prefix>> prefixes_for(IrrSource& source, std::span<const model::Asn> asns,
                                                model::IpFamily family) {
  std::vector<model::Prefix> out;
  for (const model::Asn asn : asns) {
    auto prefixes = source.origin_prefixes(asn, family);
    if (!prefixes)
      return std::unexpected(prefixes.error());
    for (const model::Prefix& prefix : *prefixes) {
      if (prefix.family() == family)
        out.push_back(prefix);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace peerapi::sources::irr
