// libFuzzer target for the IRRd reply parser (DESIGN.md: a fuzz target for every parser of
// untrusted bytes). Input: one byte choosing the reply size limit (2^(byte % 24) bytes), then
// the bytes a server sent, possibly several pipelined replies. Checked on every reply found:
//  - it consumed at least one byte and no more than was there, and A data fits the limit;
//  - one byte fewer is "incomplete", never a different reply or an error (a reply is only
//    recognised once all of it has arrived, so reading in any chunk sizes gives one answer);
//  - the words of data replies go through the as-set name and prefix checks without harm.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "model/ip.hpp"
#include "sources/irr/expand.hpp"
#include "sources/irr/irrd_client.hpp"

namespace {

using peerapi::sources::irr::IrrdReplyKind;
using peerapi::sources::irr::parse_irrd_reply;

void check_words(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\n'))
      ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\n')
      ++i;
    if (i == start)
      continue;
    const std::string_view word = text.substr(start, i - start);
    if (auto name = peerapi::sources::irr::canonical_as_set_name(word)) {
      if (name->size() != word.size())
        __builtin_trap();  // upper-casing keeps the length
    }
    (void)peerapi::model::Prefix::parse(word);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  const std::size_t limit = std::size_t{1} << (data[0] % 24);
  std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  for (int replies = 0; replies < 64 && !bytes.empty(); ++replies) {
    auto parsed = parse_irrd_reply(bytes, limit);
    if (!parsed || !parsed->has_value())
      return 0;
    const auto& reply = **parsed;
    if (reply.consumed == 0 || reply.consumed > bytes.size())
      __builtin_trap();
    if (reply.reply.kind == IrrdReplyKind::data && reply.reply.text.size() > limit)
      __builtin_trap();
    auto shorter = parse_irrd_reply(bytes.substr(0, reply.consumed - 1), limit);
    if (!shorter || shorter->has_value())
      __builtin_trap();
    auto exact = parse_irrd_reply(bytes.substr(0, reply.consumed), limit);
    if (!exact || !exact->has_value() || (*exact)->consumed != reply.consumed ||
        (*exact)->reply.text != reply.reply.text || (*exact)->reply.kind != reply.reply.kind)
      __builtin_trap();
    if (reply.reply.kind == IrrdReplyKind::data)
      check_words(reply.reply.text);
    bytes.remove_prefix(reply.consumed);
  }
  return 0;
}
