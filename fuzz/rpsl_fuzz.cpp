// libFuzzer target for the RPSL parser and the IRR database built from it (DESIGN.md: a fuzz
// target for every parser of untrusted bytes). Input: one control byte, then RPSL text.
// Bits 0-5 of the control byte pick the piece size the text is fed in (1-63; 0 means whole),
// bit 6 picks small limits. Checked:
//  - any split of the text gives exactly the objects, problems and line numbers of the whole
//    text (RpslParser's contract), at default and at small limits;
//  - objects have a valid class attribute, line numbers grow, problems stay capped;
//  - IrrDatabase::from_text loads it, its counts add up, and its answers are consistent:
//    prefixes sorted, unique and of the asked family; has_as_set agrees with as_set_members.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sources/irr/irr_database.hpp"
#include "sources/irr/rpsl_parser.hpp"

namespace {

using peerapi::sources::irr::IrrDatabase;
using peerapi::sources::irr::LoadReport;
using peerapi::sources::irr::RpslHandler;
using peerapi::sources::irr::RpslLimits;
using peerapi::sources::irr::RpslObject;
using peerapi::sources::irr::RpslParser;
using peerapi::sources::irr::RpslProblem;

void check(bool condition) {
  if (!condition)
    __builtin_trap();
}

/// Records everything the parser reports, and the keys worth looking up afterwards.
class Recorder final : public RpslHandler {
 public:
  void on_object(const RpslObject& object) override {
    check(!object.attributes().empty());
    check(object.line() > last_line_ || events.empty());
    last_line_ = object.line();
    std::string event = std::to_string(object.line());
    for (const auto& attribute : object.attributes()) {
      check(!attribute.name.empty() && attribute.line >= object.line());
      event += '|';
      event += attribute.name;
      event += '=';
      event += attribute.value;
      if (attribute.is("origin") || attribute.is("aut-num"))
        asns.emplace_back(attribute.value);
      if (attribute.is("as-set") || attribute.is("members") || attribute.is("mp-members"))
        names.emplace_back(attribute.value);
    }
    events.push_back(std::move(event));
  }
  void on_skipped(const RpslProblem& problem) override {
    check(!problem.message.empty() && problem.line >= 1);
    events.push_back("skip " + std::to_string(problem.line) + " " + problem.message);
  }

  std::vector<std::string> events;
  std::vector<std::string> asns;
  std::vector<std::string> names;

 private:
  std::size_t last_line_ = 0;
};

void check_pieces_match_whole(std::string_view text, std::size_t piece, const RpslLimits& limits,
                              Recorder& whole) {
  RpslParser whole_parser(whole, limits);
  whole_parser.feed(text);
  whole_parser.finish();
  Recorder pieces;
  RpslParser parser(pieces, limits);
  for (std::size_t pos = 0; pos < text.size(); pos += piece)
    parser.feed(text.substr(pos, piece));
  parser.finish();
  check(pieces.events == whole.events);
  const auto& a = parser.stats();
  const auto& b = whole_parser.stats();
  check(a.objects == b.objects && a.skipped == b.skipped && a.lines == b.lines &&
        a.bytes == text.size() && b.bytes == text.size());
  check(a.problems.size() <= limits.max_problems);
  check(a.problems.size() + a.problems_not_listed == a.skipped);
}

void check_database(std::string_view text, const Recorder& seen) {
  LoadReport report;
  auto loaded = IrrDatabase::from_text(text, report);
  check(loaded.has_value());
  const auto& db = **loaded;
  check(report.objects_read() == seen.events.size());  // every object and every skipped one, once
  check(report.problems.size() <= LoadReport::kMaxProblems);
  check(db.route_count() <= report.route.loaded && db.route6_count() <= report.route6.loaded);
  check(db.as_set_count() == report.as_set.loaded && db.aut_num_count() == report.aut_num.loaded);
  check(report.bytes == text.size());

  for (const std::string& text_asn : seen.asns) {
    const auto asn = peerapi::model::Asn::parse(text_asn);
    if (!asn)
      continue;
    for (const auto family : {peerapi::model::IpFamily::v4, peerapi::model::IpFamily::v6}) {
      const auto prefixes = db.origin_prefixes(*asn, family);
      check(prefixes.has_value());
      for (std::size_t i = 0; i < prefixes->size(); ++i) {
        check((*prefixes)[i].family() == family);
        check(i == 0 || (*prefixes)[i - 1] < (*prefixes)[i]);
      }
    }
    (void)db.has_aut_num(*asn);
  }
  for (const std::string& value : seen.names) {
    for (const auto name : peerapi::sources::irr::RpslList(value)) {
      const auto members = db.as_set_members(name);
      check(members.has_value() == db.has_as_set(name));
      if (members) {
        for (const auto& member : *members)
          check(!member.empty() && std::none_of(member.begin(), member.end(),
                                                [](char c) { return c >= 'a' && c <= 'z'; }));
      }
      for (const auto& source : db.sources())
        (void)db.has_as_set(source + "::" + std::string(name));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  const std::uint8_t control = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t piece = (control & 0x3f) == 0 ? text.size() + 1 : (control & 0x3f);

  Recorder whole;
  check_pieces_match_whole(text, piece, RpslLimits{}, whole);
  if (control & 0x40) {
    RpslLimits small;
    small.max_line_bytes = 48;
    small.max_object_bytes = 160;
    small.max_attributes = 6;
    small.max_problems = 3;
    Recorder small_whole;
    check_pieces_match_whole(text, piece, small, small_whole);
  }
  check_database(text, whole);
  return 0;
}
