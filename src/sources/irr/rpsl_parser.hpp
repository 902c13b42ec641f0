// A streaming parser for RPSL object text (RFC 2622 section 2) as IRR operators publish it in
// their dumps (RIPE's `ripe.db.route`, RADB's `radb.db`, ...) and as whois servers print it.
//
// Syntax accepted:
//  - objects are separated by one or more blank lines (empty, or only spaces, tabs and CR);
//  - an attribute line is `name: value`; names are letters, digits, "_" and "-", start with a
//    letter, and compare case-insensitively (RFC 2622 section 2);
//  - a line starting with a space, a tab or "+" continues the previous attribute's value; "+"
//    lets a value hold an empty line (section 2);
//  - "#" starts a comment that runs to the end of the line (section 2); a line starting with "#"
//    or "%" (whois server remarks) is ignored wherever it appears;
//  - lines end with LF or CRLF; the last line may lack its newline.
//
// Values are delivered with comments removed, surrounding whitespace trimmed and continuation
// lines joined by one space (empty segments are dropped). Objects that cannot be parsed (a line
// that is not `name: value`, a continuation before any attribute, a line, object or attribute
// count over the limits) are skipped whole, up to their blank line: counted, and the first
// `max_problems` described with the line of their first problem. Nothing else is judged here:
// what a value means is the caller's business.
//
// Cost: values are views into the input, or into buffers the parser reuses (values spread over
// several lines; and, once a piece ended inside an object, the carried text, to which the next
// piece is appended: one copy per byte); an attribute the caller ignores costs no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace peerapi::sources::irr {

struct RpslLimits {
  /// A line longer than this (newline excluded) makes its object malformed, wherever it is: a
  /// long comment or whitespace line between objects starts a malformed object, running to the
  /// next blank line.
  std::size_t max_line_bytes = std::size_t{256} << 10;
  /// An object whose lines reach further than this from its first byte is malformed.
  std::size_t max_object_bytes = std::size_t{16} << 20;
  /// More attribute lines make the object malformed (continuation lines do not count).
  std::size_t max_attributes = 100'000;
  /// Problems described in `RpslStats::problems`; the rest are only counted.
  std::size_t max_problems = 1000;
};

struct RpslAttribute {
  std::string_view name;   // as written; compare with `is`
  std::string_view value;  // comments removed, trimmed, continuation lines joined by one space
  std::size_t line = 0;    // 1-based line of the attribute's first line

  /// The attribute name equals `other`, ignoring ASCII case.
  [[nodiscard]] bool is(std::string_view other) const noexcept;
};

/// One parsed object. Its views are valid only during the `on_object` call that delivers it.
class RpslObject {
 public:
  RpslObject(std::span<const RpslAttribute> attributes, std::size_t line) noexcept
      : attributes_(attributes), line_(line) {}

  /// The class is the first attribute's name, the key its value (RFC 2622 section 2).
  [[nodiscard]] std::string_view class_name() const noexcept { return attributes_[0].name; }
  [[nodiscard]] std::string_view key() const noexcept { return attributes_[0].value; }
  /// The class equals `name`, ignoring ASCII case.
  [[nodiscard]] bool is_class(std::string_view name) const noexcept;
  /// At least one attribute, in input order.
  [[nodiscard]] std::span<const RpslAttribute> attributes() const noexcept { return attributes_; }
  /// The first attribute called `name` (case-insensitive), or nullptr.
  [[nodiscard]] const RpslAttribute* find(std::string_view name) const noexcept;
  /// How many attributes are called `name` (case-insensitive).
  [[nodiscard]] std::size_t count(std::string_view name) const noexcept;
  /// The value of the first `source:` attribute, or "" when there is none.
  [[nodiscard]] std::string_view source() const noexcept;
  /// 1-based line of the first attribute.
  [[nodiscard]] std::size_t line() const noexcept { return line_; }

 private:
  std::span<const RpslAttribute> attributes_;
  std::size_t line_;
};

/// The items of an RPSL "list of" value (RFC 2622 section 2): comma-separated, each trimmed,
/// empty items dropped. Iterating allocates nothing.
class RpslList {
 public:
  explicit RpslList(std::string_view value) noexcept : value_(value) {}

  class iterator {
   public:
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    std::string_view operator*() const noexcept { return item_; }
    iterator& operator++() noexcept;
    iterator operator++(int) noexcept {
      iterator old = *this;
      ++*this;
      return old;
    }
    bool operator==(const iterator& other) const noexcept {
      return done_ == other.done_ && (done_ || rest_.data() == other.rest_.data());
    }

   private:
    friend class RpslList;
    explicit iterator(std::string_view rest) noexcept : rest_(rest) { ++*this; }
    std::string_view rest_;
    std::string_view item_;
    bool done_ = true;
  };

  [[nodiscard]] iterator begin() const noexcept { return iterator(value_); }
  [[nodiscard]] iterator end() const noexcept { return {}; }

 private:
  std::string_view value_;
};

/// Attributes whose value RPSL defines as a comma-separated list: members, mbrs-by-ref,
/// member-of (RFC 2622 section 5), mp-members (RFC 4012) and mnt-by (RFC 2622 section 3).
[[nodiscard]] bool is_list_attribute(std::string_view name) noexcept;

struct RpslProblem {
  std::size_t line = 0;  // 1-based line of the skipped object's first line, or of the bad line
  std::string message;
};

struct RpslStats {
  std::size_t objects = 0;            // objects delivered to `on_object`
  std::size_t skipped = 0;            // malformed objects skipped
  std::size_t lines = 0;              // lines consumed (a last line without newline counts)
  std::uint64_t bytes = 0;            // bytes consumed
  std::vector<RpslProblem> problems;  // the first `max_problems` skipped objects
  std::size_t problems_not_listed = 0;
};

/// Receives what the parser finds, in input order.
class RpslHandler {
 public:
  RpslHandler() = default;
  RpslHandler(const RpslHandler&) = delete;
  RpslHandler& operator=(const RpslHandler&) = delete;
  virtual ~RpslHandler() = default;

  virtual void on_object(const RpslObject& object) = 0;
  /// A malformed object was skipped (already counted in the parser's stats).
  virtual void on_skipped(const RpslProblem& /*problem*/) {}
};

/// Push parser: `feed` the text in pieces of any size (an object may span pieces), then
/// `finish`. Objects are delivered as soon as their terminating blank line has been seen. The
/// pieces do not matter: any split of a text gives the same objects, problems and line numbers as
/// the whole text. Memory: an object still open at the end of a piece is kept until it ends, but
/// never more than max_object_bytes + max_line_bytes of it; past that its first problem is
/// already known, so it is reported and the rest of it dropped as it arrives.
/// Not thread-safe; one parser per stream.
class RpslParser {
 public:
  explicit RpslParser(RpslHandler& handler, RpslLimits limits = {});

  /// Parses the next piece of the stream.
  void feed(std::string_view chunk);
  /// Ends the stream: the last object needs no blank line or newline after it. The parser can
  /// then be fed a new stream (line numbers restart at 1; stats accumulate).
  void finish();

  [[nodiscard]] const RpslStats& stats() const noexcept { return stats_; }

 private:
  /// How far one object's lines were read.
  struct Scan {
    std::size_t end = 0;        // offset after the last line read
    std::size_t next_line = 0;  // line number after the last line read
    bool complete = false;      // its blank line (or, when final, the end of input) was read
    std::size_t problem_line = 0;
    std::string problem;  // the object's first problem; empty when none
  };

  std::size_t consume(std::string_view data, bool final);
  Scan scan_object(std::string_view data, std::size_t begin, bool final);
  void skip(std::size_t line, std::string message);
  void drop_carried_object();
  std::string_view skip_to_boundary(std::string_view chunk);

  /// A value spread over several lines, joined into `joined_`.
  struct PendingValue {
    std::size_t index = 0;   // into `attributes_`
    std::size_t offset = 0;  // into `joined_`
    std::size_t size = 0;
  };

  RpslHandler& handler_;
  RpslLimits limits_;
  RpslStats stats_;
  std::size_t line_ = 1;  // line number of the first byte not yet consumed
  // Input not yet consumed: an open object from its first line, or a partial line between
  // objects.
  std::string carry_;
  std::size_t carry_limit_ = 0;  // more carried input than this is dropped
  // After an open object outgrew the memory bound: dropping input up to the next blank line.
  bool skipping_ = false;
  bool skip_line_blank_ = true;       // the current (partial) line so far is blank
  std::size_t skip_line_length_ = 0;  // and this long
  // Per-object scratch, reused: attributes, and multi-line values joined into `joined_`.
  std::vector<RpslAttribute> attributes_;
  std::vector<PendingValue> pending_;
  std::string joined_;
};

/// Parses all of `text` (one stream) with `handler`.
RpslStats parse_rpsl(std::string_view text, RpslHandler& handler, RpslLimits limits = {});

/// Parses all of `text`, calling `on_object(const RpslObject&)` for each object.
template <class F>
requires std::is_invocable_v<F&, const RpslObject&> RpslStats parse_rpsl(std::string_view text,
                                                                         F&& on_object,
                                                                         RpslLimits limits = {}) {
  struct Adapter final : RpslHandler {
    explicit Adapter(F& f) : fn(f) {}
    void on_object(const RpslObject& object) override { fn(object); }
    F& fn;
  } adapter(on_object);
  return parse_rpsl(text, static_cast<RpslHandler&>(adapter), limits);
}

}  // namespace peerapi::sources::irr
