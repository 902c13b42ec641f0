// An in-memory IRR database built from RPSL dumps (RFC 2622) such as RIPE's `ripe.db.route.gz`
// or RADB's `radb.db.gz`. It keeps only what filters and policy need (README.md):
//   route / route6  (prefix, origin)         RFC 2622 section 4, RFC 4012
//   as-set          (name, source, direct `members:` and `mp-members:`)  RFC 2622 section 5.1
//   aut-num         (number, source)         RFC 2622 section 6
// Every other class, and every free-text attribute, is read and dropped. Bad objects are skipped
// and reported; the rest loads. Immutable once built, so every method may be called from any
// number of threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/asn.hpp"
#include "model/error.hpp"
#include "model/ip.hpp"
#include "sources/irr/irr_source.hpp"

namespace peerapi::sources::irr {

/// One skipped object, or one dropped part of a kept object (an as-set member that is neither an
/// ASN nor a set name).
struct LoadProblem {
  std::string file;      // the dump's path as given to `load`; "<text>" for `from_text`
  std::size_t line = 0;  // 1-based line of the offending attribute, or of the object
  Error error;           // code and field path ("route.origin", "as-set.members", "rpsl"), message
  /// "radb.db:12: route.origin: expected ..."
  [[nodiscard]] std::string to_string() const;
};

struct ClassCounts {
  std::size_t read = 0;     // objects of this class in the dumps
  std::size_t loaded = 0;   // kept (route/route6: including repeats of a kept prefix and origin)
  std::size_t skipped = 0;  // invalid or duplicate, each one a problem
};

/// What loading did. Filled as far as loading got, also when it fails.
struct LoadReport {
  /// At most this many problems are listed; the rest are only counted.
  static constexpr std::size_t kMaxProblems = 1000;

  ClassCounts route;
  ClassCounts route6;
  ClassCounts as_set;
  ClassCounts aut_num;
  std::size_t other_objects = 0;     // well-formed objects of the classes not kept
  std::size_t malformed = 0;         // objects that are not RPSL (field "rpsl" problems)
  std::size_t duplicate_routes = 0;  // route/route6 objects whose (prefix, origin) came before
  std::size_t files = 0;             // dumps read completely
  std::uint64_t bytes = 0;           // RPSL text parsed (after decompression)
  std::vector<LoadProblem> problems;
  std::size_t problems_not_listed = 0;

  /// Objects in the dumps (every class), well-formed or not.
  [[nodiscard]] std::size_t objects_read() const noexcept;
  /// Objects skipped: malformed, plus the skipped of every kept class.
  [[nodiscard]] std::size_t skipped() const noexcept;
};

/// No member changes a database once built, so a shared one needs no const to be safe to read
/// from many threads, and it can be handed to anything that takes an IrrSource&.
class IrrDatabase final : public IrrSource {
 public:
  /// Loads the dumps in order: plain RPSL text or gzip (recognised by its magic bytes, whatever
  /// the file name; concatenated gzip members are read as one stream). Sources rank in the order
  /// they first appear. Errors: `io_error` (field "dumps[i]", message naming the path) when a
  /// dump cannot be opened or read; `data_invalid` (same field) when its gzip data is corrupt or
  /// truncated. Bad objects are no error: they are skipped and described in `report`.
  static Result<std::shared_ptr<IrrDatabase>> load(std::span<const std::filesystem::path> dumps,
                                                   LoadReport& report);
  /// The same from RPSL text in memory (file name "<text>" in the report).
  static Result<std::shared_ptr<IrrDatabase>> from_text(std::string_view rpsl, LoadReport& report);
  static Result<std::shared_ptr<IrrDatabase>> from_text(std::string_view rpsl);

  /// IrrSource: see the const overloads.
  Result<std::vector<std::string>> as_set_members(std::string_view name) override;
  Result<std::vector<model::Prefix>> origin_prefixes(model::Asn origin,
                                                     model::IpFamily family) override;

  /// The direct members (of `members:` and `mp-members:`, in written order, repeats kept) of the
  /// as-set `name`: "AS64501" or an upper-cased set name. `name` is case-insensitive; unqualified
  /// it picks the set from the first source in load order that has one, "SOURCE::AS-FOO" picks
  /// the source. Error `not_found` (field "as_set") when there is no such set.
  [[nodiscard]] Result<std::vector<std::string>> as_set_members(std::string_view name) const;
  /// The prefixes of route (v4) or route6 (v6) objects with this origin, in any source; sorted,
  /// unique; empty when there are none. Never fails.
  [[nodiscard]] Result<std::vector<model::Prefix>> origin_prefixes(model::Asn origin,
                                                                   model::IpFamily family) const;

  /// An as-set called `name` exists (same name rules as `as_set_members`).
  [[nodiscard]] bool has_as_set(std::string_view name) const;
  /// An aut-num object for `asn` exists in any source.
  [[nodiscard]] bool has_aut_num(model::Asn asn) const;
  /// The sources seen, upper-cased, in load order (the order unqualified lookups prefer).
  [[nodiscard]] const std::vector<std::string>& sources() const noexcept { return sources_; }

  [[nodiscard]] std::size_t route_count() const noexcept;    // distinct (prefix, origin), IPv4
  [[nodiscard]] std::size_t route6_count() const noexcept;   // distinct (prefix, origin), IPv6
  [[nodiscard]] std::size_t as_set_count() const noexcept;   // distinct (name, source)
  [[nodiscard]] std::size_t aut_num_count() const noexcept;  // distinct (number, source)
  /// Bytes held by the database: every array's capacity, the name pool and the object itself.
  [[nodiscard]] std::size_t memory_bytes() const noexcept;

 private:
  friend class IrrDatabaseBuilder;
  IrrDatabase() = default;

  struct SetEntry {
    std::uint32_t name = 0;    // index into the name pool
    std::uint16_t source = 0;  // index into sources_
  };
  struct AutNumEntry {
    std::uint32_t asn = 0;
    std::uint16_t source = 0;
  };
  /// Prefixes grouped by origin (compressed sparse rows): the prefixes of origins[i] are the
  /// rows first[i] .. first[i + 1] - 1, sorted by address then length.
  struct RouteTable4 {
    std::vector<std::uint32_t> origins;  // ascending
    std::vector<std::uint32_t> first;    // origins.size() + 1 entries
    std::vector<std::uint32_t> address;  // host order
    std::vector<std::uint8_t> length;
  };
  struct RouteTable6 {
    std::vector<std::uint32_t> origins;
    std::vector<std::uint32_t> first;
    std::vector<std::uint64_t> high;  // address bits 0-63, host order
    std::vector<std::uint64_t> low;   // address bits 64-127
    std::vector<std::uint8_t> length;
  };

  [[nodiscard]] std::string_view name_at(std::uint32_t index) const noexcept;
  /// The set entry `name` ("[SOURCE::]AS-FOO", any case) resolves to, or -1.
  [[nodiscard]] std::ptrdiff_t find_set(std::string_view name) const;

  std::vector<std::string> sources_;
  // Upper-cased set names (as-set keys and the set names members refer to), sorted, so that an
  // index orders like its name: name i is name_pool_[name_first_[i] .. name_first_[i + 1]).
  std::string name_pool_;
  std::vector<std::uint32_t> name_first_;
  std::vector<SetEntry> sets_;                // sorted by (name, source)
  std::vector<std::uint32_t> member_first_;   // sets_.size() + 1 entries, into member_value_
  std::vector<std::uint32_t> member_value_;   // an ASN, or a name index when the bit is set
  std::vector<std::uint64_t> member_is_set_;  // bit i: member i is a set name
  std::vector<AutNumEntry> aut_nums_;         // sorted, unique
  RouteTable4 routes4_;
  RouteTable6 routes6_;
};

}  // namespace peerapi::sources::irr
