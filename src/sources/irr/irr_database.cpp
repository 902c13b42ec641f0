#include "sources/irr/irr_database.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <limits>
#include <numeric>
#include <optional>
#include <unordered_map>
#include <utility>

#include "sources/irr/rpsl_parser.hpp"
#include "util/ascii.hpp"

namespace peerapi::sources::irr {

namespace {

constexpr std::size_t kReadChunk = std::size_t{1} << 20;
constexpr std::size_t kMaxSetName = 255;
constexpr std::size_t kMaxSourceName = 64;

constexpr char ascii_upper(char c) noexcept {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

void upper_into(std::string_view text, std::string& out) {
  out.resize(text.size());
  std::transform(text.begin(), text.end(), out.begin(), ascii_upper);
}

std::string shown(std::string_view text) {
  return "\"" + std::string(text.substr(0, 64)) + (text.size() > 64 ? "...\"" : "\"");
}

constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

constexpr bool is_letter(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/// RFC 2622 section 2 <as-number>: "AS" and a decimal number without leading zeros, up to
/// 2^32 - 1 (RFC 6793). Reserved numbers are accepted: whether they may be used is the caller's
/// decision.
bool parse_as_number(std::string_view text, std::uint32_t& value) noexcept {
  if (text.size() < 3 || text.size() > 12 || ascii_upper(text[0]) != 'A' ||
      ascii_upper(text[1]) != 'S')
    return false;
  const std::string_view digits = text.substr(2);
  if (digits.size() > 1 && digits[0] == '0')
    return false;
  std::uint64_t number = 0;
  for (const char c : digits) {
    if (!is_digit(c))
      return false;
    number = number * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (number > std::numeric_limits<std::uint32_t>::max())
    return false;
  value = static_cast<std::uint32_t>(number);
  return true;
}

/// RFC 2622 section 2 <object-name>: letters, digits, "_" and "-"; starts with a letter and ends
/// with a letter or a digit.
bool is_object_name(std::string_view text) noexcept {
  if (text.empty() || !is_letter(text.front()) ||
      !(is_letter(text.back()) || is_digit(text.back())))
    return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return is_letter(c) || is_digit(c) || c == '_' || c == '-'; });
}

/// An as-set name (RFC 2622 section 5): an object name starting with "AS-", or a hierarchical
/// name of such names and AS numbers joined by ":" with at least one set-name component.
bool is_as_set_name(std::string_view text) noexcept {
  if (text.empty() || text.size() > kMaxSetName)
    return false;
  bool has_set = false;
  while (true) {
    const auto colon = text.find(':');
    const std::string_view part = text.substr(0, colon);
    std::uint32_t ignored = 0;
    if (part.size() > 3 && ascii_upper(part[0]) == 'A' && ascii_upper(part[1]) == 'S' &&
        part[2] == '-' && is_object_name(part)) {
      has_set = true;
    } else if (!parse_as_number(part, ignored)) {
      return false;
    }
    if (colon == std::string_view::npos)
      return has_set;
    text.remove_prefix(colon + 1);
  }
}

/// A registry name (RFC 2622 section 3, `source:`): letters, digits, "_" and "-".
bool is_source_name(std::string_view text) noexcept {
  return !text.empty() && text.size() <= kMaxSourceName &&
         std::all_of(text.begin(), text.end(),
                     [](char c) { return is_letter(c) || is_digit(c) || c == '_' || c == '-'; });
}

/// An `origin:` or `aut-num:` value: RPSL requires the "AS" prefix (RFC 2622 section 2), and the
/// number must be one a network can hold (model::Asn).
Result<model::Asn> parse_rpsl_asn(std::string_view text, std::string_view field) {
  if (text.size() < 3 || ascii_upper(text[0]) != 'A' || ascii_upper(text[1]) != 'S' ||
      !is_digit(text[2])) {
    return fail(ErrorCode::invalid_asn, std::string(field),
                "expected an AS number such as AS64500, got " + shown(text));
  }
  return model::Asn::parse(text, field);
}

std::uint64_t load_be64(const std::uint8_t* bytes) noexcept {
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i)
    value = (value << 8) | bytes[i];
  return value;
}

void store_be64(std::uint64_t value, std::uint8_t* bytes) noexcept {
  for (int i = 7; i >= 0; --i) {
    bytes[i] = static_cast<std::uint8_t>(value);
    value >>= 8;
  }
}

/// A model::Prefix from stored bits (model/ has no constructor from bytes, so through its text).
Result<model::Prefix> make_prefix(model::IpFamily family, const std::uint8_t* bytes, int length) {
  char text[64];
  if (inet_ntop(family == model::IpFamily::v4 ? AF_INET : AF_INET6, bytes, text, 48) == nullptr)
    return fail(ErrorCode::internal, "prefix", "cannot format a stored prefix");
  char* end = text + std::strlen(text);
  *end++ = '/';
  end = std::to_chars(end, text + sizeof text, length).ptr;
  return model::Prefix::parse(std::string_view(text, static_cast<std::size_t>(end - text)));
}

template <class T>
std::size_t capacity_bytes(const std::vector<T>& items) noexcept {
  return items.capacity() * sizeof(T);
}

/// The class-specific field paths of a route or route6 object.
struct RouteFields {
  std::string_view key;
  std::string_view origin;
  std::string_view source;
};
constexpr RouteFields kRouteFields{"route", "route.origin", "route.source"};
constexpr RouteFields kRoute6Fields{"route6", "route6.origin", "route6.source"};

}  // namespace

std::string LoadProblem::to_string() const {
  return file + ":" + std::to_string(line) + ": " + error.field + ": " + error.message;
}

std::size_t LoadReport::objects_read() const noexcept {
  return route.read + route6.read + as_set.read + aut_num.read + other_objects + malformed;
}

std::size_t LoadReport::skipped() const noexcept {
  return malformed + route.skipped + route6.skipped + as_set.skipped + aut_num.skipped;
}

/// Collects what the parser delivers, then lays it out compactly (`build`).
class IrrDatabaseBuilder final : public RpslHandler {
 public:
  explicit IrrDatabaseBuilder(LoadReport& report) : report_(report) {}

  void start_file(std::string name) {
    files_.push_back(std::move(name));
    file_ = static_cast<std::uint32_t>(files_.size() - 1);
  }

  void on_object(const RpslObject& object) override {
    const std::string_view name = object.class_name();
    if (util::iequals(name, "route"))
      add_route(object, model::IpFamily::v4);
    else if (util::iequals(name, "route6"))
      add_route(object, model::IpFamily::v6);
    else if (util::iequals(name, "as-set"))
      add_as_set(object);
    else if (util::iequals(name, "aut-num"))
      add_aut_num(object);
    else
      ++report_.other_objects;
  }

  void on_skipped(const RpslProblem& problem) override {
    ++report_.malformed;
    add_problem(file_, problem.line, Error{ErrorCode::invalid_value, "rpsl", problem.message});
  }

  void end_file(const RpslStats& stats) {
    report_.bytes += stats.bytes;
    ++report_.files;
  }

  Result<std::shared_ptr<IrrDatabase>> build();

 private:
  struct PendingSet {
    std::uint32_t name = 0;  // provisional name id
    std::uint16_t source = 0;
    std::uint32_t file = 0;
    std::uint32_t first_member = 0;  // into member_value_
    std::uint32_t end_member = 0;
    std::size_t line = 0;
  };
  struct PendingAutNum {
    std::uint32_t asn = 0;
    std::uint16_t source = 0;
    std::uint32_t file = 0;
    std::size_t line = 0;
  };
  struct Route4 {
    std::uint32_t origin = 0;
    std::uint32_t address = 0;
    std::uint8_t length = 0;
    auto operator<=>(const Route4&) const = default;
  };
  struct Route6 {
    std::uint32_t origin = 0;
    std::uint64_t high = 0;
    std::uint64_t low = 0;
    std::uint8_t length = 0;
    auto operator<=>(const Route6&) const = default;
  };

  void add_problem(std::uint32_t file, std::size_t line, Error error) {
    if (report_.problems.size() < LoadReport::kMaxProblems)
      report_.problems.push_back(LoadProblem{files_[file], line, std::move(error)});
    else
      ++report_.problems_not_listed;
  }

  /// Reports `error` for an object of class `counts` and counts it skipped.
  void reject(ClassCounts& counts, std::size_t line, Error error) {
    ++counts.skipped;
    add_problem(file_, line, std::move(error));
  }

  /// The source id of `object`, or nullopt after reporting why it has none.
  std::optional<std::uint16_t> source_of(const RpslObject& object, ClassCounts& counts,
                                         std::string_view field) {
    const RpslAttribute* attribute = object.find("source");
    if (attribute == nullptr || attribute->value.empty()) {
      reject(counts, object.line(),
             Error{ErrorCode::missing_field, std::string(field),
                   "every object names its registry in source: (RFC 2622 section 3)"});
      return std::nullopt;
    }
    if (!is_source_name(attribute->value)) {
      reject(counts, attribute->line,
             Error{ErrorCode::invalid_value, std::string(field),
                   "expected a registry name such as RIPE, got " + shown(attribute->value)});
      return std::nullopt;
    }
    upper_into(attribute->value, scratch_);
    if (const auto it = source_ids_.find(scratch_); it != source_ids_.end())
      return it->second;
    if (sources_.size() > std::numeric_limits<std::uint16_t>::max()) {
      reject(counts, attribute->line,
             Error{ErrorCode::out_of_range, std::string(field), "more than 65536 sources"});
      return std::nullopt;
    }
    const auto id = static_cast<std::uint16_t>(sources_.size());
    sources_.push_back(scratch_);
    source_ids_.emplace(scratch_, id);
    return id;
  }

  /// The provisional id of the upper-cased set name `name`.
  std::uint32_t intern(std::string_view name) {
    upper_into(name, scratch_);
    const auto [it, inserted] =
        name_ids_.try_emplace(scratch_, static_cast<std::uint32_t>(names_.size()));
    if (inserted)
      names_.push_back(&it->first);
    return it->second;
  }

  void add_route(const RpslObject& object, model::IpFamily family) {
    const bool v4 = family == model::IpFamily::v4;
    ClassCounts& counts = v4 ? report_.route : report_.route6;
    const RouteFields& fields = v4 ? kRouteFields : kRoute6Fields;
    ++counts.read;
    if (object.key().empty()) {
      reject(counts, object.line(),
             Error{ErrorCode::missing_field, std::string(fields.key),
                   "the object has no key: expected a prefix"});
      return;
    }
    auto prefix = model::Prefix::parse(object.key(), fields.key);
    if (!prefix) {
      reject(counts, object.line(), std::move(prefix.error()));
      return;
    }
    if (prefix->family() != family) {
      reject(counts, object.line(),
             Error{ErrorCode::invalid_value, std::string(fields.key),
                   v4 ? "an IPv6 prefix belongs in a route6 object (RFC 4012), got " +
                            shown(object.key())
                      : "an IPv4 prefix belongs in a route object (RFC 2622 section 4), got " +
                            shown(object.key())});
      return;
    }
    const RpslAttribute* origin_attribute = object.find("origin");
    if (origin_attribute == nullptr) {
      reject(counts, object.line(),
             Error{ErrorCode::missing_field, std::string(fields.origin),
                   "a route object names its origin AS (RFC 2622 section 4)"});
      return;
    }
    if (object.count("origin") > 1) {
      reject(counts, origin_attribute->line,
             Error{ErrorCode::invalid_value, std::string(fields.origin),
                   "origin: is single-valued (RFC 2622 section 4), found it more than once"});
      return;
    }
    auto origin = parse_rpsl_asn(origin_attribute->value, fields.origin);
    if (!origin) {
      reject(counts, origin_attribute->line, std::move(origin.error()));
      return;
    }
    if (!source_of(object, counts, fields.source))
      return;
    const auto& bytes = prefix->network().bytes();
    const auto length = static_cast<std::uint8_t>(prefix->length());
    if (v4) {
      const std::uint32_t address = (std::uint32_t{bytes[0]} << 24) |
                                    (std::uint32_t{bytes[1]} << 16) |
                                    (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]};
      routes4_.push_back({origin->value(), address, length});
    } else {
      routes6_.push_back(
          {origin->value(), load_be64(bytes.data()), load_be64(bytes.data() + 8), length});
    }
    ++counts.loaded;
  }

  void add_as_set(const RpslObject& object) {
    ClassCounts& counts = report_.as_set;
    ++counts.read;
    const std::string_view key = object.key();
    if (key.empty()) {
      reject(counts, object.line(),
             Error{ErrorCode::missing_field, "as-set", "the object has no key: expected a name"});
      return;
    }
    if (!is_as_set_name(key)) {
      reject(counts, object.line(),
             Error{ErrorCode::invalid_value, "as-set",
                   "expected an as-set name such as AS-EXAMPLE or AS64500:AS-EXAMPLE (RFC 2622 "
                   "section 5), got " +
                       shown(key)});
      return;
    }
    const auto source = source_of(object, counts, "as-set.source");
    if (!source)
      return;
    PendingSet set;
    set.name = intern(key);
    set.source = *source;
    set.file = file_;
    set.line = object.line();
    set.first_member = static_cast<std::uint32_t>(member_value_.size());
    for (const RpslAttribute& attribute : object.attributes()) {
      const bool members = attribute.is("members");
      if (!members && !attribute.is("mp-members"))
        continue;
      for (const std::string_view item : RpslList(attribute.value)) {
        std::uint32_t asn = 0;
        if (parse_as_number(item, asn)) {
          member_value_.push_back(asn);
          member_is_set_.push_back(false);
        } else if (is_as_set_name(item)) {
          member_value_.push_back(intern(item));
          member_is_set_.push_back(true);
        } else {
          add_problem(
              file_, attribute.line,
              Error{ErrorCode::invalid_value, members ? "as-set.members" : "as-set.mp-members",
                    shown(item) + " is neither an AS number nor an as-set name (RFC 2622 "
                                  "section 5.1); the member is left out"});
        }
      }
    }
    set.end_member = static_cast<std::uint32_t>(member_value_.size());
    sets_.push_back(set);
    ++counts.loaded;
  }

  void add_aut_num(const RpslObject& object) {
    ClassCounts& counts = report_.aut_num;
    ++counts.read;
    if (object.key().empty()) {
      reject(counts, object.line(),
             Error{ErrorCode::missing_field, "aut-num",
                   "the object has no key: expected an AS number"});
      return;
    }
    auto asn = parse_rpsl_asn(object.key(), "aut-num");
    if (!asn) {
      reject(counts, object.line(), std::move(asn.error()));
      return;
    }
    const auto source = source_of(object, counts, "aut-num.source");
    if (!source)
      return;
    aut_nums_.push_back({asn->value(), *source, file_, object.line()});
    ++counts.loaded;
  }

  void build_names(IrrDatabase& db, std::vector<std::uint32_t>& final_id);
  void build_sets(IrrDatabase& db, const std::vector<std::uint32_t>& final_id);
  void build_aut_nums(IrrDatabase& db);
  void build_routes(IrrDatabase& db);

  LoadReport& report_;
  std::vector<std::string> files_;
  std::uint32_t file_ = 0;
  std::string scratch_;
  std::vector<std::string> sources_;  // in order of first appearance: the source rank
  std::unordered_map<std::string, std::uint16_t> source_ids_;
  std::unordered_map<std::string, std::uint32_t> name_ids_;
  std::vector<const std::string*> names_;  // by provisional id, into name_ids_
  std::vector<PendingSet> sets_;
  std::vector<std::uint32_t> member_value_;
  std::vector<bool> member_is_set_;
  std::vector<PendingAutNum> aut_nums_;
  std::vector<Route4> routes4_;
  std::vector<Route6> routes6_;
};

void IrrDatabaseBuilder::build_names(IrrDatabase& db, std::vector<std::uint32_t>& final_id) {
  std::vector<std::uint32_t> order(names_.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [this](std::uint32_t a, std::uint32_t b) { return *names_[a] < *names_[b]; });
  final_id.assign(names_.size(), 0);
  std::size_t pool_size = 0;
  for (const auto* name : names_)
    pool_size += name->size();
  db.name_pool_.reserve(pool_size);
  db.name_first_.reserve(names_.size() + 1);
  for (std::size_t rank = 0; rank < order.size(); ++rank) {
    final_id[order[rank]] = static_cast<std::uint32_t>(rank);
    db.name_first_.push_back(static_cast<std::uint32_t>(db.name_pool_.size()));
    db.name_pool_.append(*names_[order[rank]]);
  }
  db.name_first_.push_back(static_cast<std::uint32_t>(db.name_pool_.size()));
  names_ = {};
  name_ids_ = {};
}

void IrrDatabaseBuilder::build_sets(IrrDatabase& db, const std::vector<std::uint32_t>& final_id) {
  for (auto& set : sets_)
    set.name = final_id[set.name];
  // Load order decides between duplicates, so sort stably.
  std::stable_sort(sets_.begin(), sets_.end(), [](const PendingSet& a, const PendingSet& b) {
    return a.name != b.name ? a.name < b.name : a.source < b.source;
  });
  db.sets_.reserve(sets_.size());
  db.member_first_.reserve(sets_.size() + 1);
  db.member_value_.reserve(member_value_.size());
  db.member_is_set_.reserve((member_value_.size() + 63) / 64);
  const PendingSet* previous = nullptr;
  for (const PendingSet& set : sets_) {
    if (previous != nullptr && previous->name == set.name && previous->source == set.source) {
      --report_.as_set.loaded;
      ++report_.as_set.skipped;
      add_problem(set.file, set.line,
                  Error{ErrorCode::invalid_value, "as-set",
                        "duplicate of the as-set at " + files_[previous->file] + ":" +
                            std::to_string(previous->line) + " in source " + sources_[set.source] +
                            "; the first one is kept"});
      continue;
    }
    previous = &set;
    db.sets_.push_back({set.name, set.source});
    db.member_first_.push_back(static_cast<std::uint32_t>(db.member_value_.size()));
    for (std::uint32_t i = set.first_member; i < set.end_member; ++i) {
      const std::size_t index = db.member_value_.size();
      if (index % 64 == 0)
        db.member_is_set_.push_back(0);
      if (member_is_set_[i]) {
        db.member_value_.push_back(final_id[member_value_[i]]);
        db.member_is_set_.back() |= std::uint64_t{1} << (index % 64);
      } else {
        db.member_value_.push_back(member_value_[i]);
      }
    }
  }
  db.member_first_.push_back(static_cast<std::uint32_t>(db.member_value_.size()));
  db.sets_.shrink_to_fit();
  db.member_first_.shrink_to_fit();
  db.member_value_.shrink_to_fit();
  sets_ = {};
  member_value_ = {};
  member_is_set_ = {};
}

void IrrDatabaseBuilder::build_aut_nums(IrrDatabase& db) {
  std::stable_sort(aut_nums_.begin(), aut_nums_.end(),
                   [](const PendingAutNum& a, const PendingAutNum& b) {
                     return a.asn != b.asn ? a.asn < b.asn : a.source < b.source;
                   });
  db.aut_nums_.reserve(aut_nums_.size());
  const PendingAutNum* previous = nullptr;
  for (const PendingAutNum& aut_num : aut_nums_) {
    if (previous != nullptr && previous->asn == aut_num.asn && previous->source == aut_num.source) {
      --report_.aut_num.loaded;
      ++report_.aut_num.skipped;
      add_problem(aut_num.file, aut_num.line,
                  Error{ErrorCode::invalid_value, "aut-num",
                        "duplicate of the aut-num at " + files_[previous->file] + ":" +
                            std::to_string(previous->line) + " in source " +
                            sources_[aut_num.source] + "; the first one is kept"});
      continue;
    }
    previous = &aut_num;
    db.aut_nums_.push_back({aut_num.asn, aut_num.source});
  }
  db.aut_nums_.shrink_to_fit();
  aut_nums_ = {};
}

void IrrDatabaseBuilder::build_routes(IrrDatabase& db) {
  std::sort(routes4_.begin(), routes4_.end());
  const std::size_t before4 = routes4_.size();
  routes4_.erase(std::unique(routes4_.begin(), routes4_.end()), routes4_.end());
  auto& table4 = db.routes4_;
  table4.address.reserve(routes4_.size());
  table4.length.reserve(routes4_.size());
  for (const Route4& route : routes4_) {
    if (table4.origins.empty() || table4.origins.back() != route.origin) {
      table4.origins.push_back(route.origin);
      table4.first.push_back(static_cast<std::uint32_t>(table4.address.size()));
    }
    table4.address.push_back(route.address);
    table4.length.push_back(route.length);
  }
  table4.first.push_back(static_cast<std::uint32_t>(table4.address.size()));
  routes4_ = {};

  std::sort(routes6_.begin(), routes6_.end());
  const std::size_t before6 = routes6_.size();
  routes6_.erase(std::unique(routes6_.begin(), routes6_.end()), routes6_.end());
  auto& table6 = db.routes6_;
  table6.high.reserve(routes6_.size());
  table6.low.reserve(routes6_.size());
  table6.length.reserve(routes6_.size());
  for (const Route6& route : routes6_) {
    if (table6.origins.empty() || table6.origins.back() != route.origin) {
      table6.origins.push_back(route.origin);
      table6.first.push_back(static_cast<std::uint32_t>(table6.high.size()));
    }
    table6.high.push_back(route.high);
    table6.low.push_back(route.low);
    table6.length.push_back(route.length);
  }
  table6.first.push_back(static_cast<std::uint32_t>(table6.high.size()));
  report_.duplicate_routes += (before4 - table4.address.size()) + (before6 - table6.high.size());
  routes6_ = {};
  for (auto* column : {&table4.origins, &table4.first, &table6.origins, &table6.first})
    column->shrink_to_fit();
}

Result<std::shared_ptr<IrrDatabase>> IrrDatabaseBuilder::build() {
  // Indexes are 32-bit; a dump this large is refused rather than silently wrapped.
  constexpr std::size_t kMax = std::numeric_limits<std::uint32_t>::max();
  std::size_t pool_size = 0;
  for (const auto* name : names_)
    pool_size += name->size();
  if (member_value_.size() >= kMax || routes4_.size() >= kMax || routes6_.size() >= kMax ||
      pool_size >= kMax) {
    return fail(ErrorCode::data_invalid, "dumps", "more than 2^32 members, routes or name bytes");
  }
  std::shared_ptr<IrrDatabase> db(new IrrDatabase());
  std::vector<std::uint32_t> final_id;
  build_names(*db, final_id);
  build_sets(*db, final_id);
  build_aut_nums(*db);
  build_routes(*db);
  db->sources_ = std::move(sources_);
  return db;
}

namespace {

std::string errno_text(int error) {
  return std::strerror(error);
}

/// Feeds `path` (plain text or gzip) to `parser`. Errors name the path.
Result<void> read_dump(const std::filesystem::path& path, const std::string& field,
                       RpslParser& parser) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return fail(ErrorCode::io_error, field,
                "cannot open " + shown(path.string()) + ": " + errno_text(errno));
  }
  std::array<unsigned char, 2> magic{};
  const ssize_t magic_size = ::pread(fd, magic.data(), magic.size(), 0);
  if (magic_size < 0) {
    const int error = errno;
    ::close(fd);
    return fail(ErrorCode::io_error, field,
                "cannot read " + shown(path.string()) + ": " + errno_text(error));
  }
  std::vector<char> buffer(kReadChunk);
  // RFC 1952 section 2.3.1: ID1 = 0x1f, ID2 = 0x8b.
  if (magic_size == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    gzFile gz = gzdopen(fd, "rb");
    if (gz == nullptr) {
      ::close(fd);
      return fail(ErrorCode::io_error, field, "cannot read " + shown(path.string()));
    }
    gzbuffer(gz, 256 * 1024);
    while (true) {
      const int got = gzread(gz, buffer.data(), static_cast<unsigned>(buffer.size()));
      if (got < 0) {
        int code = 0;
        const std::string message = gzerror(gz, &code);
        gzclose_r(gz);
        if (code == Z_ERRNO) {
          return fail(ErrorCode::io_error, field,
                      "cannot read " + shown(path.string()) + ": " + errno_text(errno));
        }
        return fail(ErrorCode::data_invalid, field,
                    shown(path.string()) + ": bad gzip data: " + message);
      }
      if (got == 0)
        break;
      parser.feed(std::string_view(buffer.data(), static_cast<std::size_t>(got)));
    }
    // gzclose_r reports a stream that stopped in the middle of a member (a truncated file).
    if (const int status = gzclose_r(gz); status != Z_OK) {
      return fail(ErrorCode::data_invalid, field,
                  shown(path.string()) + ": gzip data ends early (truncated file)");
    }
    return {};
  }
  while (true) {
    const ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0) {
      if (errno == EINTR)
        continue;
      const int error = errno;
      ::close(fd);
      return fail(ErrorCode::io_error, field,
                  "cannot read " + shown(path.string()) + ": " + errno_text(error));
    }
    if (got == 0)
      break;
    parser.feed(std::string_view(buffer.data(), static_cast<std::size_t>(got)));
  }
  ::close(fd);
  return {};
}

}  // namespace

Result<std::shared_ptr<IrrDatabase>> IrrDatabase::load(std::span<const std::filesystem::path> dumps,
                                                       LoadReport& report) {
  IrrDatabaseBuilder builder(report);
  for (std::size_t i = 0; i < dumps.size(); ++i) {
    builder.start_file(dumps[i].string());
    RpslParser parser(builder);
    auto read = read_dump(dumps[i], "dumps[" + std::to_string(i) + "]", parser);
    if (!read)
      return std::unexpected(std::move(read.error()));
    parser.finish();
    builder.end_file(parser.stats());
  }
  return builder.build();
}

Result<std::shared_ptr<IrrDatabase>> IrrDatabase::from_text(std::string_view rpsl,
                                                            LoadReport& report) {
  IrrDatabaseBuilder builder(report);
  builder.start_file("<text>");
  RpslParser parser(builder);
  parser.feed(rpsl);
  parser.finish();
  builder.end_file(parser.stats());
  return builder.build();
}

Result<std::shared_ptr<IrrDatabase>> IrrDatabase::from_text(std::string_view rpsl) {
  LoadReport report;
  return from_text(rpsl, report);
}

Result<std::vector<std::string>> IrrDatabase::as_set_members(std::string_view name) {
  return std::as_const(*this).as_set_members(name);
}

Result<std::vector<model::Prefix>> IrrDatabase::origin_prefixes(model::Asn origin,
                                                                model::IpFamily family) {
  return std::as_const(*this).origin_prefixes(origin, family);
}

std::string_view IrrDatabase::name_at(std::uint32_t index) const noexcept {
  return std::string_view(name_pool_)
      .substr(name_first_[index], name_first_[index + 1] - name_first_[index]);
}

std::ptrdiff_t IrrDatabase::find_set(std::string_view name) const {
  std::string wanted_source;
  const auto separator = name.find("::");
  if (separator != std::string_view::npos) {
    upper_into(name.substr(0, separator), wanted_source);
    name.remove_prefix(separator + 2);
  }
  if (name.empty() || name.size() > kMaxSetName)
    return -1;
  std::string wanted;
  upper_into(name, wanted);
  // Names are sorted: binary search over their indexes.
  std::uint32_t low = 0;
  auto high = static_cast<std::uint32_t>(name_first_.empty() ? 0 : name_first_.size() - 1);
  while (low < high) {
    const std::uint32_t middle = low + (high - low) / 2;
    if (name_at(middle) < wanted)
      low = middle + 1;
    else
      high = middle;
  }
  if (name_first_.empty() || low + 1 >= name_first_.size() || name_at(low) != wanted)
    return -1;
  const auto [first, last] =
      std::equal_range(sets_.begin(), sets_.end(), SetEntry{low, 0},
                       [](const SetEntry& a, const SetEntry& b) { return a.name < b.name; });
  if (first == last)
    return -1;
  if (separator == std::string_view::npos)
    return first - sets_.begin();  // sorted by source: the first source in load order
  for (auto it = first; it != last; ++it) {
    if (sources_[it->source] == wanted_source)
      return it - sets_.begin();
  }
  return -1;
}

Result<std::vector<std::string>> IrrDatabase::as_set_members(std::string_view name) const {
  const std::ptrdiff_t set = find_set(name);
  if (set < 0) {
    return fail(ErrorCode::not_found, "as_set",
                "no as-set " + shown(name) + " in the loaded IRR dumps");
  }
  const auto index = static_cast<std::size_t>(set);
  std::vector<std::string> members;
  members.reserve(member_first_[index + 1] - member_first_[index]);
  for (std::uint32_t i = member_first_[index]; i < member_first_[index + 1]; ++i) {
    if ((member_is_set_[i / 64] >> (i % 64)) & 1) {
      members.emplace_back(name_at(member_value_[i]));
    } else {
      char text[16] = "AS";
      char* end = std::to_chars(text + 2, text + sizeof text, member_value_[i]).ptr;
      members.emplace_back(text, end);
    }
  }
  return members;
}

Result<std::vector<model::Prefix>> IrrDatabase::origin_prefixes(model::Asn origin,
                                                                model::IpFamily family) const {
  const bool v4 = family == model::IpFamily::v4;
  const auto& origins = v4 ? routes4_.origins : routes6_.origins;
  const auto& first = v4 ? routes4_.first : routes6_.first;
  std::vector<model::Prefix> prefixes;
  const auto it = std::lower_bound(origins.begin(), origins.end(), origin.value());
  if (it == origins.end() || *it != origin.value())
    return prefixes;
  const auto row = static_cast<std::size_t>(it - origins.begin());
  prefixes.reserve(first[row + 1] - first[row]);
  for (std::uint32_t i = first[row]; i < first[row + 1]; ++i) {
    std::array<std::uint8_t, 16> bytes{};
    int length = 0;
    if (v4) {
      const std::uint32_t address = routes4_.address[i];
      bytes = {static_cast<std::uint8_t>(address >> 24), static_cast<std::uint8_t>(address >> 16),
               static_cast<std::uint8_t>(address >> 8), static_cast<std::uint8_t>(address)};
      length = routes4_.length[i];
    } else {
      store_be64(routes6_.high[i], bytes.data());
      store_be64(routes6_.low[i], bytes.data() + 8);
      length = routes6_.length[i];
    }
    auto prefix = make_prefix(family, bytes.data(), length);
    if (!prefix)
      return std::unexpected(std::move(prefix.error()));
    prefixes.push_back(*prefix);
  }
  return prefixes;
}

bool IrrDatabase::has_as_set(std::string_view name) const {
  return find_set(name) >= 0;
}

bool IrrDatabase::has_aut_num(model::Asn asn) const {
  const auto it = std::lower_bound(
      aut_nums_.begin(), aut_nums_.end(), asn.value(),
      [](const AutNumEntry& entry, std::uint32_t value) { return entry.asn < value; });
  return it != aut_nums_.end() && it->asn == asn.value();
}

std::size_t IrrDatabase::route_count() const noexcept {
  return routes4_.address.size();
}

std::size_t IrrDatabase::route6_count() const noexcept {
  return routes6_.high.size();
}

std::size_t IrrDatabase::as_set_count() const noexcept {
  return sets_.size();
}

std::size_t IrrDatabase::aut_num_count() const noexcept {
  return aut_nums_.size();
}

std::size_t IrrDatabase::memory_bytes() const noexcept {
  std::size_t total = sizeof(*this) + name_pool_.capacity() + capacity_bytes(name_first_) +
                      capacity_bytes(sets_) + capacity_bytes(member_first_) +
                      capacity_bytes(member_value_) + capacity_bytes(member_is_set_) +
                      capacity_bytes(aut_nums_) + capacity_bytes(sources_);
  for (const auto& source : sources_)
    total += source.capacity() > 15 ? source.capacity() + 1 : 0;  // beyond the inline buffer
  total += capacity_bytes(routes4_.origins) + capacity_bytes(routes4_.first) +
           capacity_bytes(routes4_.address) + capacity_bytes(routes4_.length);
  total += capacity_bytes(routes6_.origins) + capacity_bytes(routes6_.first) +
           capacity_bytes(routes6_.high) + capacity_bytes(routes6_.low) +
           capacity_bytes(routes6_.length);
  return total;
}

}  // namespace peerapi::sources::irr
