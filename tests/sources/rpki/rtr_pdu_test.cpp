// The RTR PDU codec: known-answer byte strings for every PDU type (RFC 8210 section 5, RFC 6810
// for version 0), one malformed PDU per row with the Error Report code and field it yields.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sources/rpki/rtr_pdu.hpp"

namespace peerapi::sources::rpki::rtr {
namespace {

std::vector<std::uint8_t> hex(std::string_view text) {
  std::vector<std::uint8_t> out;
  int high = -1;
  for (const char c : text) {
    int value = -1;
    if (c >= '0' && c <= '9')
      value = c - '0';
    else if (c >= 'a' && c <= 'f')
      value = c - 'a' + 10;
    else
      continue;
    if (high < 0) {
      high = value;
    } else {
      out.push_back(static_cast<std::uint8_t>(high * 16 + value));
      high = -1;
    }
  }
  return out;
}

VrpRecord record(const std::string& prefix, int max_length, std::uint32_t asn) {
  return to_record(*Vrp::make(*model::Prefix::parse(prefix), max_length, asn));
}

struct KnownAnswer {
  const char* name;
  const char* bytes;
  Pdu pdu;
};

std::vector<KnownAnswer> known_answers() {
  RouterKey key;
  key.announce = true;
  for (std::uint8_t i = 0; i < 20; ++i)
    key.ski[i] = i;
  key.asn = 64496;
  key.spki = {0xde, 0xad, 0xbe, 0xef};
  ErrorReport report;
  report.code = 2;
  report.pdu = hex("01 02 00 00 00 00 00 08");
  report.text = "oops";
  ErrorReport bare;
  bare.version = 0;
  bare.code = 4;
  return {
      {"serial notify", "01 00 12 34 00 00 00 0c 01 02 03 04", SerialNotify{1, 0x1234, 0x01020304}},
      {"serial query", "01 01 12 34 00 00 00 0c 00 00 00 2a", SerialQuery{1, 0x1234, 42}},
      {"reset query v1", "01 02 00 00 00 00 00 08", ResetQuery{1}},
      {"reset query v0", "00 02 00 00 00 00 00 08", ResetQuery{0}},
      {"cache response", "01 03 ab cd 00 00 00 08", CacheResponse{1, 0xabcd}},
      {"ipv4 prefix announce", "01 04 00 00 00 00 00 14 01 18 18 00 c0 00 02 00 00 00 fb f0",
       PrefixPdu{1, true, record("192.0.2.0/24", 24, 64496)}},
      {"ipv4 prefix v0, AS0", "00 04 00 00 00 00 00 14 01 18 20 00 c0 00 02 00 00 00 00 00",
       PrefixPdu{0, true, record("192.0.2.0/24", 32, 0)}},
      {"ipv6 prefix withdraw",
       "01 06 00 00 00 00 00 20 00 20 30 00 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 00"
       " 00 00 fb f1",
       PrefixPdu{1, false, record("2001:db8::/32", 48, 64497)}},
      {"end of data v1", "01 07 12 34 00 00 00 18 00 00 00 2a 00 00 0e 10 00 00 02 58 00 00 1c 20",
       EndOfData{1, 0x1234, 42, Timers{3600, 600, 7200}}},
      {"end of data v0", "00 07 12 34 00 00 00 0c 00 00 00 2a", EndOfData{0, 0x1234, 42, Timers{}}},
      {"cache reset", "01 08 00 00 00 00 00 08", CacheReset{1}},
      {"router key",
       "01 09 01 00 00 00 00 24 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13"
       " 00 00 fb f0 de ad be ef",
       key},
      {"error report",
       "01 0a 00 02 00 00 00 1c 00 00 00 08 01 02 00 00 00 00 00 08 00 00 00 04 6f 6f 70 73",
       report},
      {"error report, empty", "00 0a 00 04 00 00 00 10 00 00 00 00 00 00 00 00", bare},
  };
}

TEST(RtrPdu, DecodesAndEncodesKnownAnswers) {
  for (const auto& answer : known_answers()) {
    const auto bytes = hex(answer.bytes);
    const auto length = frame(bytes);
    ASSERT_TRUE(length.has_value()) << answer.name;
    EXPECT_EQ(*length, bytes.size()) << answer.name;
    const auto decoded = decode(bytes);
    ASSERT_TRUE(decoded.has_value()) << answer.name << ": " << decoded.error().error.message;
    EXPECT_TRUE(*decoded == answer.pdu) << answer.name;
    EXPECT_EQ(encode(answer.pdu), bytes) << answer.name;
  }
}

TEST(RtrPdu, NamesTypesAndVersions) {
  EXPECT_EQ(type_of(Pdu{PrefixPdu{1, true, record("2001:db8::/32", 32, 1)}}), PduType::ipv6_prefix);
  EXPECT_EQ(type_of(Pdu{PrefixPdu{1, true, record("192.0.2.0/24", 24, 1)}}), PduType::ipv4_prefix);
  EXPECT_EQ(version_of(Pdu{ResetQuery{0}}), 0);
  EXPECT_EQ(name_of(PduType::end_of_data), "End of Data");
  EXPECT_EQ(to_string(ErrorReportCode::no_data_available), "No Data Available");
  EXPECT_EQ(to_string(static_cast<ErrorReportCode>(99)), "error code 99");
}

TEST(RtrPdu, IgnoresReservedFlagBitsAndZeroFields) {
  // Flags 0xfd (announce bit set, others set too) and a non-zero reserved byte.
  const auto decoded = decode(hex("01 04 ff ff 00 00 00 14 fd 18 18 7f c0 00 02 00 00 00 fb f0"));
  ASSERT_TRUE(decoded.has_value());
  const auto& prefix = std::get<PrefixPdu>(*decoded);
  EXPECT_TRUE(prefix.announce);
  EXPECT_EQ(prefix.vrp, record("192.0.2.0/24", 24, 64496));
}

TEST(RtrPdu, FramesPartialInput) {
  EXPECT_EQ(*frame(hex("01 02 00 00 00 00 00")), 0u) << "no full header yet";
  EXPECT_EQ(*frame(hex("01 04 00 00 00 00 00 14 01")), 20u) << "header says 20, 9 present";
  EXPECT_EQ(*frame(hex("01 0a 00 00 00 01 00 00")), kMaxPduSize);
}

struct Malformed {
  const char* name;
  const char* bytes;
  ErrorReportCode report_code;
  const char* field;
};

TEST(RtrPdu, RejectsMalformedPdus) {
  const Malformed rows[] = {
      {"length below header", "01 02 00 00 00 00 00 07", ErrorReportCode::corrupt_data,
       "pdu.length"},
      {"length above cap", "01 0a 00 00 00 01 00 01", ErrorReportCode::corrupt_data, "pdu.length"},
      {"length field larger than the bytes", "01 02 00 00 00 00 00 0c 00 00",
       ErrorReportCode::corrupt_data, "pdu.length"},
      {"version 2", "02 02 00 00 00 00 00 08", ErrorReportCode::unsupported_protocol_version,
       "pdu.version"},
      {"version 255", "ff 00 00 00 00 00 00 0c 00 00 00 01",
       ErrorReportCode::unsupported_protocol_version, "pdu.version"},
      {"type 5 (never assigned)", "01 05 00 00 00 00 00 08", ErrorReportCode::unsupported_pdu_type,
       "pdu.type"},
      {"type 11 (ASPA, version 2)", "01 0b 00 00 00 00 00 08",
       ErrorReportCode::unsupported_pdu_type, "pdu.type"},
      {"router key in version 0",
       "00 09 01 00 00 00 00 24 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13"
       " 00 00 fb f0 de ad be ef",
       ErrorReportCode::unsupported_pdu_type, "pdu.type"},
      {"serial notify, 8 bytes", "01 00 00 01 00 00 00 08", ErrorReportCode::corrupt_data,
       "pdu.length"},
      {"serial query, 16 bytes", "01 01 00 01 00 00 00 10 00 00 00 01 00 00 00 00",
       ErrorReportCode::corrupt_data, "pdu.length"},
      {"reset query, 12 bytes", "01 02 00 00 00 00 00 0c 00 00 00 00",
       ErrorReportCode::corrupt_data, "pdu.length"},
      {"cache response, 12 bytes", "01 03 00 01 00 00 00 0c 00 00 00 00",
       ErrorReportCode::corrupt_data, "pdu.length"},
      {"cache reset, 12 bytes", "01 08 00 00 00 00 00 0c 00 00 00 00",
       ErrorReportCode::corrupt_data, "pdu.length"},
      {"ipv4 prefix, 24 bytes",
       "01 04 00 00 00 00 00 18 01 18 18 00 c0 00 02 00 00 00 fb f0 00 00 00 00",
       ErrorReportCode::corrupt_data, "pdu.length"},
      {"ipv4 prefix length 33", "01 04 00 00 00 00 00 14 01 21 21 00 c0 00 02 00 00 00 fb f0",
       ErrorReportCode::corrupt_data, "ipv4_prefix.prefix_length"},
      {"ipv4 max length 33", "01 04 00 00 00 00 00 14 01 18 21 00 c0 00 02 00 00 00 fb f0",
       ErrorReportCode::corrupt_data, "ipv4_prefix.max_length"},
      {"ipv4 max length below length",
       "01 04 00 00 00 00 00 14 01 18 17 00 c0 00 02 00 00 00 fb f0", ErrorReportCode::corrupt_data,
       "ipv4_prefix.max_length"},
      {"ipv4 host bits", "01 04 00 00 00 00 00 14 01 18 18 00 c0 00 02 01 00 00 fb f0",
       ErrorReportCode::corrupt_data, "ipv4_prefix.prefix"},
      {"ipv6 prefix, 20 bytes", "01 06 00 00 00 00 00 14 01 18 18 00 c0 00 02 00 00 00 fb f0",
       ErrorReportCode::corrupt_data, "pdu.length"},
      {"ipv6 prefix length 129",
       "01 06 00 00 00 00 00 20 01 81 81 00 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 00"
       " 00 00 fb f1",
       ErrorReportCode::corrupt_data, "ipv6_prefix.prefix_length"},
      {"ipv6 host bits",
       "01 06 00 00 00 00 00 20 01 20 30 00 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01"
       " 00 00 fb f1",
       ErrorReportCode::corrupt_data, "ipv6_prefix.prefix"},
      {"end of data v1, 12 bytes", "01 07 00 01 00 00 00 0c 00 00 00 01",
       ErrorReportCode::corrupt_data, "pdu.length"},
      {"end of data v0, 24 bytes",
       "00 07 12 34 00 00 00 18 00 00 00 2a 00 00 0e 10 00 00 02 58 00 00 1c 20",
       ErrorReportCode::corrupt_data, "pdu.length"},
      {"router key, 31 bytes",
       "01 09 01 00 00 00 00 1f 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 00 00 "
       "fb",
       ErrorReportCode::corrupt_data, "pdu.length"},
      {"error report, 12 bytes", "01 0a 00 00 00 00 00 0c 00 00 00 00",
       ErrorReportCode::corrupt_data, "pdu.length"},
      {"error report, encapsulated length too long",
       "01 0a 00 00 00 00 00 10 00 00 00 01 00 00 00 00", ErrorReportCode::corrupt_data,
       "error_report.pdu_length"},
      {"error report, text length short", "01 0a 00 00 00 00 00 12 00 00 00 00 00 00 00 01 41 42",
       ErrorReportCode::corrupt_data, "error_report.text_length"},
      {"error report, text length long", "01 0a 00 00 00 00 00 12 00 00 00 00 00 00 00 03 41 42",
       ErrorReportCode::corrupt_data, "error_report.text_length"},
  };
  for (const auto& row : rows) {
    const auto decoded = decode(hex(row.bytes));
    ASSERT_FALSE(decoded.has_value()) << row.name;
    EXPECT_EQ(decoded.error().report_code, row.report_code) << row.name;
    EXPECT_EQ(decoded.error().error.code, ErrorCode::data_invalid) << row.name;
    EXPECT_EQ(decoded.error().error.field, row.field) << row.name;
    EXPECT_FALSE(decoded.error().error.message.empty()) << row.name;
  }
}

TEST(RtrPdu, ErrorReportsStayWithinTheCap) {
  const std::vector<std::uint8_t> offending(kMaxPduSize, 0xab);
  const std::string text(kMaxPduSize, 'x');
  const auto report = make_error_report(1, ErrorReportCode::corrupt_data, offending, text);
  const auto bytes = encode(report);
  EXPECT_LE(bytes.size(), kMaxPduSize);
  const auto decoded = decode(bytes);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().error.message;
  EXPECT_EQ(std::get<ErrorReport>(*decoded).code, 0);
  EXPECT_FALSE(std::get<ErrorReport>(*decoded).pdu.empty());

  const auto small = make_error_report(0, ErrorReportCode::duplicate_announcement,
                                       hex("01 02 00 00 00 00 00 08"), "dup");
  EXPECT_EQ(encode(small), hex("00 0a 00 07 00 00 00 1b 00 00 00 08 01 02 00 00 00 00 00 08 00 00 "
                               "00 03 64 75 70"));
}

}  // namespace
}  // namespace peerapi::sources::rpki::rtr
