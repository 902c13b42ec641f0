// RpslParser on hand-made RPSL text (RFC 2622 section 2): objects, continuation lines, comments,
// line endings, malformed objects with their line numbers, limits, and that feeding the same
// text in pieces of any size gives the same result as feeding it whole.
#include "sources/irr/rpsl_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace peerapi::sources::irr {
namespace {

using namespace std::string_literals;

/// Renders every object as "L<line> name=value|name=value" and every skip as
/// "skip L<line>: message", in the order the handler saw them.
class Recorder final : public RpslHandler {
 public:
  void on_object(const RpslObject& object) override {
    std::string text = "L" + std::to_string(object.line()) + " ";
    for (std::size_t i = 0; i < object.attributes().size(); ++i) {
      const auto& attribute = object.attributes()[i];
      text +=
          (i == 0 ? "" : "|") + std::string(attribute.name) + "=" + std::string(attribute.value);
    }
    events.push_back(std::move(text));
  }
  void on_skipped(const RpslProblem& problem) override {
    events.push_back("skip L" + std::to_string(problem.line) + ": " + problem.message);
  }
  std::vector<std::string> events;
};

std::vector<std::string> parse_whole(std::string_view text, RpslLimits limits = {}) {
  Recorder recorder;
  parse_rpsl(text, recorder, limits);
  return recorder.events;
}

struct ParseCase {
  std::string name;
  std::string text;
  std::vector<std::string> events;
};

class RpslParseTest : public ::testing::TestWithParam<ParseCase> {};

TEST_P(RpslParseTest, DeliversTheExpectedObjects) {
  EXPECT_EQ(parse_whole(GetParam().text), GetParam().events);
}

INSTANTIATE_TEST_SUITE_P(
    Rpsl, RpslParseTest,
    ::testing::Values(
        ParseCase{
            "TwoObjects",
            "route: 192.0.2.0/24\norigin: AS64501\nsource: TEST\n\n"
            "aut-num: AS64501\nsource: TEST\n",
            {"L1 route=192.0.2.0/24|origin=AS64501|source=TEST", "L5 aut-num=AS64501|source=TEST"}},
        ParseCase{"ValuesTrimmedAndAlignedColumns",
                  "route:          192.0.2.0/24   \norigin:\tAS64501\n",
                  {"L1 route=192.0.2.0/24|origin=AS64501"}},
        ParseCase{"ContinuationWithSpace",
                  "as-set: AS-EXAMPLE\nmembers: AS64501,\n AS64502\n",
                  {"L1 as-set=AS-EXAMPLE|members=AS64501, AS64502"}},
        ParseCase{"ContinuationWithTab",
                  "as-set: AS-EXAMPLE\nmembers: AS64501,\n\t\tAS64502\n",
                  {"L1 as-set=AS-EXAMPLE|members=AS64501, AS64502"}},
        ParseCase{"ContinuationWithPlusKeepsTheObjectOpenAcrossAnEmptyLine",
                  "descr: first\n+\n+   second\nsource: TEST\n",
                  {"L1 descr=first second|source=TEST"}},
        ParseCase{"ContinuationOfAnEmptyValue",
                  "as-set: AS-EXAMPLE\nmembers:\n AS64501\n",
                  {"L1 as-set=AS-EXAMPLE|members=AS64501"}},
        ParseCase{"ThreeLineValue", "members: AS1\n AS2\n+AS3\n", {"L1 members=AS1 AS2 AS3"}},
        ParseCase{"EndOfLineComments",
                  "route: 192.0.2.0/24 # the key\norigin: AS64501#no space\n",
                  {"L1 route=192.0.2.0/24|origin=AS64501"}},
        ParseCase{"CommentInAContinuationLine",
                  "members: AS1, # one\n AS2 # two\n",
                  {"L1 members=AS1, AS2"}},
        ParseCase{"CommentLinesInsideAndAroundObjects",
                  "# header of the dump\n% whois remark\n\nroute: 192.0.2.0/24\n# inside\n"
                  "% inside too\norigin: AS64501\n",
                  {"L4 route=192.0.2.0/24|origin=AS64501"}},
        ParseCase{"ContinuationAfterACommentLine",
                  "members: AS1,\n# note\n AS2\n",
                  {"L1 members=AS1, AS2"}},
        ParseCase{"ValueThatIsOnlyAComment",
                  "remarks: # nothing\nsource: TEST\n",
                  {"L1 remarks=|source=TEST"}},
        ParseCase{"WhitespaceOnlyLineSeparatesObjects",
                  "aut-num: AS64501\n   \t \naut-num: AS64502\n",
                  {"L1 aut-num=AS64501", "L3 aut-num=AS64502"}},
        ParseCase{"ManyBlankLinesAndLeadingBlankLines",
                  "\n\n\naut-num: AS64501\n\n\n\n",
                  {"L4 aut-num=AS64501"}},
        ParseCase{"Crlf",
                  "route: 192.0.2.0/24\r\norigin: AS64501\r\n members\r\n\r\n"
                  "aut-num: AS64502\r\n",
                  {"L1 route=192.0.2.0/24|origin=AS64501 members", "L5 aut-num=AS64502"}},
        ParseCase{"NoTrailingNewline",
                  "aut-num: AS64501\nsource: TEST",
                  {"L1 aut-num=AS64501|source=TEST"}},
        ParseCase{"NamesKeepTheirCase",
                  "Route: 192.0.2.0/24\nORIGIN: AS64501\n",
                  {"L1 Route=192.0.2.0/24|ORIGIN=AS64501"}},
        ParseCase{"ColonsInValues",
                  "as-set: AS64500:AS-EXAMPLE\nremarks: see: here\n",
                  {"L1 as-set=AS64500:AS-EXAMPLE|remarks=see: here"}},
        ParseCase{"EightBitTextIsPassedThrough",
                  "descr: Caf\xc3\xa9 \xff\n",
                  {"L1 descr=Caf\xc3\xa9 \xff"}},
        ParseCase{"EmptyInput", "", {}}, ParseCase{"OnlyComments", "# a\n% b\n\n#c", {}}),
    [](const ::testing::TestParamInfo<ParseCase>& param_info) { return param_info.param.name; });

struct BadCase {
  std::string name;
  std::string text;
  RpslLimits limits;
  std::vector<std::string> events;
};

class MalformedObjectTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(MalformedObjectTest, IsSkippedWithItsLineAndTheNextObjectStillLoads) {
  const BadCase& bad = GetParam();
  Recorder recorder;
  const RpslStats stats = parse_rpsl(bad.text, recorder, bad.limits);
  EXPECT_EQ(recorder.events, bad.events);
  EXPECT_EQ(stats.skipped, 1u);
  ASSERT_EQ(stats.problems.size(), 1u);
  EXPECT_EQ("skip L" + std::to_string(stats.problems[0].line) + ": " + stats.problems[0].message,
            bad.events[0]);
  EXPECT_EQ(stats.objects, 1u);
}

RpslLimits limits_with(std::size_t line, std::size_t object, std::size_t attributes) {
  RpslLimits limits;
  limits.max_line_bytes = line;
  limits.max_object_bytes = object;
  limits.max_attributes = attributes;
  return limits;
}

const std::string kGood = "\naut-num: AS64509\n";

INSTANTIATE_TEST_SUITE_P(
    Rpsl, MalformedObjectTest,
    ::testing::Values(
        BadCase{"ContinuationBeforeAnyAttribute",
                " members: AS1\nsource: TEST\n" + kGood,
                {},
                {"skip L1: continuation line before any attribute", "L4 aut-num=AS64509"}},
        BadCase{"PlusContinuationBeforeAnyAttribute",
                "+members\n" + kGood,
                {},
                {"skip L1: continuation line before any attribute", "L3 aut-num=AS64509"}},
        BadCase{"LineWithoutColon",
                "route: 192.0.2.0/24\norigin AS64501\n" + kGood,
                {},
                {"skip L2: expected \"attribute: value\", got \"origin AS64501\"",
                 "L4 aut-num=AS64509"}},
        BadCase{"NameStartingWithADigit",
                "1route: 192.0.2.0/24\n" + kGood,
                {},
                {"skip L1: expected \"attribute: value\", got \"1route: 192.0.2.0/24\"",
                 "L3 aut-num=AS64509"}},
        BadCase{
            "SpaceInsideTheName",
            "route: 192.0.2.0/24\nori gin: AS1\n" + kGood,
            {},
            {"skip L2: expected \"attribute: value\", got \"ori gin: AS1\"", "L4 aut-num=AS64509"}},
        BadCase{"BinaryGarbage",
                "route: 192.0.2.0/24\n\x00\x01\xfe\x7f:x\n"s + kGood,
                {},
                {"skip L2: expected \"attribute: value\", got \"\\x00\\x01\\xfe\\x7f:x\"",
                 "L4 aut-num=AS64509"}},
        BadCase{"CrLfGarbage",
                "route: 192.0.2.0/24\r\n\"quoted\"\r\n" + kGood,
                {},
                {"skip L2: expected \"attribute: value\", got \"\\x22quoted\\x22\"",
                 "L4 aut-num=AS64509"}},
        BadCase{"LineTooLong",
                "remarks: " + std::string(100, 'x') + "\nsource: TEST\n" + kGood,
                limits_with(64, 1 << 20, 100),
                {"skip L1: line longer than 64 bytes", "L4 aut-num=AS64509"}},
        BadCase{"ObjectTooLong",
                "route: 192.0.2.0/24\n" + std::string(20, 'r') + ": x\nsource: TEST\n" + kGood,
                limits_with(64, 30, 100),
                {"skip L1: object longer than 30 bytes", "L5 aut-num=AS64509"}},
        BadCase{"TooManyAttributes",
                "a: 1\nb: 2\nc: 3\n" + kGood,
                limits_with(64, 1 << 20, 2),
                {"skip L3: more than 2 attributes", "L5 aut-num=AS64509"}}),
    [](const ::testing::TestParamInfo<BadCase>& param_info) { return param_info.param.name; });

TEST(RpslParser, TheFirstProblemOfAnObjectIsReportedOnce) {
  EXPECT_EQ(parse_whole("a b\nc d\n\naut-num: AS64501\n"),
            (std::vector<std::string>{"skip L1: expected \"attribute: value\", got \"a b\"",
                                      "L4 aut-num=AS64501"}));
}

TEST(RpslParser, ProblemsAreCappedButAllCounted) {
  RpslLimits limits;
  limits.max_problems = 2;
  Recorder recorder;
  const auto stats = parse_rpsl("x\n\ny\n\nz\n\nw\n\naut-num: AS64501\n", recorder, limits);
  EXPECT_EQ(stats.skipped, 4u);
  ASSERT_EQ(stats.problems.size(), 2u);
  EXPECT_EQ(stats.problems[0].line, 1u);
  EXPECT_EQ(stats.problems[1].line, 3u);
  EXPECT_EQ(stats.problems_not_listed, 2u);
  EXPECT_EQ(stats.objects, 1u);
  EXPECT_EQ(recorder.events.size(), 5u);  // the handler sees every skip
}

TEST(RpslParser, CountsLinesAndBytes) {
  Recorder recorder;
  const std::string text = "aut-num: AS64501\n\n# c\naut-num: AS64502";
  const auto stats = parse_rpsl(text, recorder);
  EXPECT_EQ(stats.lines, 4u);
  EXPECT_EQ(stats.bytes, text.size());
  EXPECT_EQ(stats.objects, 2u);
}

TEST(RpslObject, AccessorsIgnoreNameCase) {
  int seen = 0;
  parse_rpsl(
      "Route6: 2001:db8::/32\norigin: AS64501\nmnt-by: MAINT-A\nMNT-BY: MAINT-B\n"
      "Source: TEST\n",
      [&](const RpslObject& object) {
        ++seen;
        EXPECT_TRUE(object.is_class("route6"));
        EXPECT_FALSE(object.is_class("route"));
        EXPECT_EQ(object.class_name(), "Route6");
        EXPECT_EQ(object.key(), "2001:db8::/32");
        EXPECT_EQ(object.source(), "TEST");
        EXPECT_EQ(object.count("mnt-by"), 2u);
        ASSERT_NE(object.find("ORIGIN"), nullptr);
        EXPECT_EQ(object.find("ORIGIN")->value, "AS64501");
        EXPECT_EQ(object.find("ORIGIN")->line, 2u);
        EXPECT_TRUE(object.find("origin")->is("Origin"));
        EXPECT_EQ(object.find("descr"), nullptr);
        EXPECT_EQ(object.line(), 1u);
      });
  EXPECT_EQ(seen, 1);
}

TEST(RpslObject, SourceIsEmptyWhenAbsent) {
  parse_rpsl("aut-num: AS64501\n",
             [](const RpslObject& object) { EXPECT_EQ(object.source(), ""); });
}

struct ListCase {
  std::string value;
  std::vector<std::string> items;
};

class RpslListTest : public ::testing::TestWithParam<ListCase> {};

TEST_P(RpslListTest, SplitsOnCommasAndTrims) {
  std::vector<std::string> items;
  for (const std::string_view item : RpslList(GetParam().value))
    items.emplace_back(item);
  EXPECT_EQ(items, GetParam().items);
}

INSTANTIATE_TEST_SUITE_P(
    Rpsl, RpslListTest,
    ::testing::Values(ListCase{"AS64501", {"AS64501"}},
                      ListCase{"AS64501, AS64502,AS-X", {"AS64501", "AS64502", "AS-X"}},
                      ListCase{" a ,, b ,", {"a", "b"}}, ListCase{"", {}}, ListCase{",,, ,", {}},
                      ListCase{"AS1 AS2", {"AS1 AS2"}}));

TEST(RpslList, ListAttributes) {
  for (const char* name : {"members", "MP-MEMBERS", "mbrs-by-ref", "member-of", "Mnt-By"})
    EXPECT_TRUE(is_list_attribute(name)) << name;
  for (const char* name : {"descr", "origin", "member", "members-x", ""})
    EXPECT_FALSE(is_list_attribute(name)) << name;
}

/// Text that exercises every path: comments, continuations, CRLF, malformed objects, a last
/// object without newline.
const std::string kMixed =
    "% RIPE-style header\n# comment\n\n"
    "route:   192.0.2.0/24 # c\r\ndescr:   x\r\norigin:  AS64501\r\nsource:  TEST\r\n\r\n"
    "as-set:  AS-EXAMPLE\nmembers: AS64501,\n AS64502,\n\tAS-OTHER\n+\n+ AS64503\n"
    "source:  TEST\n \t \n\n\n"
    " bad continuation\nfoo: bar\n\n"
    "bad line\n\n"
    "route6:  2001:db8::/32\norigin:  AS64502\nremarks: " +
    std::string(300, 'r') +
    "\nsource:  TEST\n\n"
    "aut-num: AS64501\nsource:  TEST";

TEST(RpslParser, FeedingInPiecesOfAnySizeGivesTheSameResult) {
  Recorder whole;
  const RpslStats expected = parse_rpsl(kMixed, whole);
  ASSERT_EQ(expected.objects, 4u);
  ASSERT_EQ(expected.skipped, 2u);
  for (std::size_t piece = 1; piece <= kMixed.size() + 1; ++piece) {
    Recorder recorder;
    RpslParser parser(recorder);
    for (std::size_t pos = 0; pos < kMixed.size(); pos += piece)
      parser.feed(std::string_view(kMixed).substr(pos, piece));
    parser.finish();
    ASSERT_EQ(recorder.events, whole.events) << "piece size " << piece;
    EXPECT_EQ(parser.stats().lines, expected.lines) << "piece size " << piece;
    EXPECT_EQ(parser.stats().bytes, expected.bytes);
  }
}

const std::string kContinuation = " AS64496, AS64497, AS64498, AS64499,\n";  // 37 bytes

/// The same text at small limits: long lines (attribute, comment and whitespace lines, inside
/// and between objects), long objects, too many attributes.
const std::string kAtTheLimits =
    "aut-num: AS64501\n\n"
    "# " +
    std::string(60, 'c') +
    "\naut-num: AS64502\n\n"
    "aut-num: AS64503\n\n" +
    std::string(50, ' ') +
    "\naut-num: AS64504\n\n"
    "aut-num: AS64505\nremarks: " +
    std::string(45, 'r') +
    "\nsource: TEST\n\n"
    "as-set: AS-BIG\nmembers: AS1,\n" +
    kContinuation + kContinuation + kContinuation + kContinuation + kContinuation + kContinuation +
    "\n" +
    "a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\n\n"
    "x y\n" +
    std::string(70, 'z') +
    "\n\n"
    "aut-num: AS64506\n" +
    std::string(41, ' ') +
    "\nsource: TEST\n\n"
    "aut-num: AS64507\n" +
    std::string(40, ' ') + "\nsource: TEST\n\n" + std::string(200, 'e');

TEST(RpslParser, PiecesGiveTheSameResultAtTheLimits) {
  RpslLimits limits;
  limits.max_line_bytes = 40;
  limits.max_object_bytes = 120;
  limits.max_attributes = 5;
  Recorder whole;
  const RpslStats expected = parse_rpsl(kAtTheLimits, whole, limits);
  EXPECT_EQ(whole.events,
            (std::vector<std::string>{
                "L1 aut-num=AS64501",
                "skip L3: line longer than 40 bytes",  // a long comment starts a bad object
                "L6 aut-num=AS64503",
                "skip L8: line longer than 40 bytes",  // so does a long whitespace line
                "skip L12: line longer than 40 bytes",
                "skip L15: object longer than 120 bytes",
                "skip L29: more than 5 attributes",
                "skip L31: expected \"attribute: value\", got \"x y\"",
                "skip L35: line longer than 40 bytes",  // not a blank line: too long
                "L38 aut-num=AS64507",
                "L40 source=TEST",
                "skip L42: line longer than 40 bytes",
            }));
  for (std::size_t piece = 1; piece <= kAtTheLimits.size() + 1; ++piece) {
    Recorder recorder;
    RpslParser parser(recorder, limits);
    for (std::size_t pos = 0; pos < kAtTheLimits.size(); pos += piece)
      parser.feed(std::string_view(kAtTheLimits).substr(pos, piece));
    parser.finish();
    ASSERT_EQ(recorder.events, whole.events) << "piece size " << piece;
    EXPECT_EQ(parser.stats().lines, expected.lines) << "piece size " << piece;
    EXPECT_EQ(parser.stats().skipped, expected.skipped);
  }
}

TEST(RpslParser, AnObjectLargerThanTheLimitIsDroppedWhileStreaming) {
  // One object of ~1000 lines fed in 7-byte pieces with a 100-byte limit: skipped as a whole,
  // and the parser goes on with the right line numbers.
  std::string text = "as-set: AS-HUGE\n";
  for (int i = 0; i < 1000; ++i)
    text += "members: AS" + std::to_string(64496 + i % 16) + "\n";
  text += "\naut-num: AS64501\nsource: TEST\n";
  RpslLimits limits;
  limits.max_object_bytes = 100;
  limits.max_line_bytes = 64;  // so the parser may drop it before its end
  for (const std::size_t piece : {std::size_t{7}, std::size_t{64}, text.size()}) {
    Recorder recorder;
    RpslParser parser(recorder, limits);
    for (std::size_t pos = 0; pos < text.size(); pos += piece)
      parser.feed(std::string_view(text).substr(pos, piece));
    parser.finish();
    EXPECT_EQ(recorder.events, (std::vector<std::string>{"skip L1: object longer than 100 bytes",
                                                         "L1003 aut-num=AS64501|source=TEST"}))
        << "piece size " << piece;
    EXPECT_EQ(parser.stats().lines, 1004u);
  }
}

TEST(RpslParser, AnEndlessLineIsDroppedWhileStreaming) {
  // 1 MiB without a newline, then a good object: what is kept stays within the limits.
  RpslLimits limits;
  limits.max_object_bytes = 4096;
  limits.max_line_bytes = 1000;
  Recorder recorder;
  RpslParser parser(recorder, limits);
  const std::string garbage(1024, 'g');
  for (int i = 0; i < 1024; ++i)
    parser.feed(garbage);
  parser.feed("\n\naut-num: AS64501\n");
  parser.finish();
  EXPECT_EQ(recorder.events, (std::vector<std::string>{"skip L1: line longer than 1000 bytes",
                                                       "L3 aut-num=AS64501"}));
}

TEST(RpslParser, FinishStartsANewStream) {
  Recorder recorder;
  RpslParser parser(recorder);
  parser.feed("aut-num: AS64501\n\naut-num: AS64502");
  parser.finish();
  parser.feed("\naut-num: AS64503\n");
  parser.finish();
  EXPECT_EQ(recorder.events, (std::vector<std::string>{"L1 aut-num=AS64501", "L3 aut-num=AS64502",
                                                       "L2 aut-num=AS64503"}));
  EXPECT_EQ(parser.stats().objects, 3u);
}

}  // namespace
}  // namespace peerapi::sources::irr
