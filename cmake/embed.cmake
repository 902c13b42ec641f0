# Writes INPUT into OUTPUT as `peerapi::api::openapi_document()` (a raw byte array, no escaping).
file(READ ${INPUT} content HEX)
string(LENGTH "${content}" hex_length)
math(EXPR byte_count "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${content}")
file(WRITE ${OUTPUT}
"// Generated from src/api/openapi.yaml by cmake/embed.cmake; do not edit.\n"
"#include <string_view>\n"
"namespace peerapi::api {\n"
"namespace { constexpr unsigned char kDocument[] = {${bytes} 0}; }\n"
"std::string_view openapi_document() { return {reinterpret_cast<const char*>(kDocument), ${byte_count}}; }\n"
"}  // namespace peerapi::api\n")
