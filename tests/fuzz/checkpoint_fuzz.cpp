// libFuzzer target for the stored checkpoint document (the text a Redis key
// or a state file holds), through its public parser decode_checkpoint_json,
// and for the GTID set text inside it. Properties besides "no crash, only
// tor::error": a document that decodes re-encodes to one that decodes to
// the same checkpoint (strings with any bytes, every GTID set), and a GTID
// set's text form parses back to the same set.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <tor/state/checkpoint_json.hpp>
#include <tor/core/gtid.hpp>

#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    // A GTID set in either flavour's text form.
    const auto flavor = (data[0] & 2) ? tor::gtid_flavor::mysql : tor::gtid_flavor::mariadb;
    tor::gtid_set set;
    try {
      set = tor::gtid_set::parse(text, flavor);
    } catch (const tor::error&) {
      return 0;
    }
    const auto again = tor::gtid_set::parse(set.to_string(), flavor);
    TOR_FUZZ_CHECK(again == set);
    TOR_FUZZ_CHECK(again.to_string() == set.to_string());
    return 0;
  }
  tor::checkpoint_document doc;
  try {
    doc = tor::decode_checkpoint_json(text, "fuzz input");
  } catch (const tor::error&) {
    return 0;
  }
  const auto encoded = tor::encode_checkpoint_json(doc);
  const auto again = tor::decode_checkpoint_json(encoded, "re-encoded fuzz input");
  auto expected = doc;
  expected.format = tor::checkpoint_format::tor_v1;  // what encode writes
  TOR_FUZZ_CHECK(again == expected);
  TOR_FUZZ_CHECK(tor::encode_checkpoint_json(again) == encoded);
  return 0;
}
