// libFuzzer target for the binlog decoders. The first byte picks what the
// rest of the input is:
//   0: a table map event's data, then a rows event (type byte + data)
//   1: a MySQL binary JSON document
//   2: a stream of events (2-byte length + event), fed to change_decoder
// Any exception other than tor::error, and any sanitizer report, is a bug.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <tor/mysql/change_decoder.hpp>
#include <tor/mysql/detail/json_binary.hpp>
#include <tor/mysql/row_decoder.hpp>

namespace {

using bytes = std::span<const std::uint8_t>;

std::size_t take_length(bytes& in) {
  if (in.size() < 2) return in.size();
  const std::size_t n = in[0] | (in[1] << 8);
  in = in.subspan(2);
  return n < in.size() ? n : in.size();
}

void rows(bytes in) {
  const auto tm_len = take_length(in);
  const auto tm = in.first(tm_len);
  in = in.subspan(tm_len);
  if (in.empty()) return;
  const auto type = in[0];
  const auto data = in.subspan(1);
  for (auto flavor : {tor::mysql::server_flavor::mariadb, tor::mysql::server_flavor::mysql}) {
    tor::mysql::format_options opt;
    opt.flavor = flavor;
    try {
      const auto map = tor::mysql::parse_table_map(tm, opt);
      if (!tor::mysql::is_rows_event(type)) return;
      std::string scratch;
      const auto ev = tor::mysql::parse_rows_event(type, data, scratch, opt);
      tor::mysql::decode_rows(map, ev, [](tor::row_image&& b, tor::row_image&& a) {
        for (const auto& v : a.values) (void)tor::to_text(v);
        for (const auto& v : b.values) (void)tor::to_text(v);
      });
    } catch (const tor::error&) {
    }
  }
}

void json(bytes in) {
  try {
    (void)tor::mysql::detail::json_binary_to_text(in);
  } catch (const tor::error&) {
  }
}

void stream(bytes in) {
  tor::mysql::change_decoder_options o;
  o.checksums = false;
  o.schema_lookup = [](const tor::mysql::table_map& m) {
    std::vector<tor::mysql::schema_column> cols;
    for (std::size_t i = 0; i < m.columns.size(); ++i) cols.push_back({"c" + std::to_string(i), "unknown", "unknown", ""});
    return cols;
  };
  tor::mysql::change_decoder d(o);
  std::vector<tor::change_event> out;
  try {
    while (!in.empty()) {
      const auto n = take_length(in);
      d.feed(in.first(n), out);
      in = in.subspan(n);
      if (out.size() > 1000) out.clear();
    }
  } catch (const tor::error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bytes in(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0: rows(in); break;
    case 1: json(in); break;
    default: stream(in); break;
  }
  return 0;
}
