// libFuzzer target for the RTR PDU codec (RFC 8210 section 5): the input is a byte stream from a
// cache, framed and decoded PDU by PDU as the client does. Every decoded PDU must re-encode
// within the size cap and decode back to itself; framing must never claim more than the cap.
#include <cstddef>
#include <cstdint>
#include <span>

#include "sources/rpki/rtr_pdu.hpp"

namespace rtr = peerapi::sources::rpki::rtr;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> rest(data, size);
  while (!rest.empty()) {
    const auto length = rtr::frame(rest);
    if (!length)
      break;  // the client answers with an Error Report and closes
    if (*length == 0 || *length > rest.size()) {
      if (*length > rtr::kMaxPduSize)
        __builtin_trap();
      // Not all there: decoding the partial bytes must fail, not read past them.
      if (rtr::decode(rest).has_value())
        __builtin_trap();
      break;
    }
    const auto pdu = rest.first(*length);
    const auto decoded = rtr::decode(pdu);
    if (decoded) {
      const auto bytes = rtr::encode(*decoded);
      if (bytes.size() > rtr::kMaxPduSize || bytes.size() < rtr::kHeaderSize)
        __builtin_trap();
      const auto again = rtr::decode(bytes);
      if (!again || !(*again == *decoded))
        __builtin_trap();
      if (rtr::version_of(*decoded) > rtr::kVersion1)
        __builtin_trap();
    } else if (decoded.error().error.field.empty()) {
      __builtin_trap();  // every failure names the field
    }
    rest = rest.subspan(*length);
  }
  return 0;
}
