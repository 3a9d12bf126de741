// Decoder micro-benchmarks: rows per second for the typical outbox row,
// from the bytes of a rows event to tor::row_image values.
#include <benchmark/benchmark.h>
#include <zlib.h>

#include <tor/mysql/binlog_event.hpp>
#include <tor/mysql/row_decoder.hpp>

#include "outbox_row.hpp"

using namespace tor::mysql;
using namespace tor::mysql::testing;

namespace {

// A rows event as MariaDB writes it for a multi-row insert: ~8 KiB per event.
bytes outbox_rows_event(int rows) {
  writer w;
  for (int i = 0; i < rows; ++i) bench::append_outbox_row(w, i);
  return rows_data(42, 5, all_columns(5), w.b);
}

void decode_outbox_rows(benchmark::State& state) {
  const auto t = parse_table_map(table_map_data(bench::outbox_table()));
  const int per_event = static_cast<int>(state.range(0));
  const auto data = outbox_rows_event(per_event);
  std::string scratch;
  std::size_t rows = 0;
  for (auto _ : state) {
    const auto ev = parse_rows_event(23, data, scratch);
    rows += decode_rows(t, ev, [](tor::row_image&&, tor::row_image&& after) { benchmark::DoNotOptimize(after); });
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(rows));
}
BENCHMARK(decode_outbox_rows)->Arg(1)->Arg(20)->Arg(100);

// The whole per-event path of the source: checksum, split, parse, decode.
void verify_and_decode_outbox_event(benchmark::State& state) {
  const auto t = parse_table_map(table_map_data(bench::outbox_table()));
  const auto event = make_event(23, outbox_rows_event(20), 4096, true);
  std::string scratch;
  std::size_t rows = 0;
  for (auto _ : state) {
    const auto v = split_event(event, true);
    const auto ev = parse_rows_event(v.header.type, v.data, scratch);
    rows += decode_rows(t, ev, [](tor::row_image&&, tor::row_image&& after) { benchmark::DoNotOptimize(after); });
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(rows));
}
BENCHMARK(verify_and_decode_outbox_event);

void parse_outbox_table_map(benchmark::State& state) {
  const auto data = table_map_data(bench::outbox_table());
  for (auto _ : state) benchmark::DoNotOptimize(parse_table_map(data));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(parse_outbox_table_map);

// Checksumming one single-row outbox event (~400 bytes): the source's CRC32
// against zlib's crc32(), which it replaced.
void crc32_outbox_event(benchmark::State& state) {
  const auto event = make_event(23, outbox_rows_event(1), 4096, true);
  const bool zlib = state.range(0) == 1;
  for (auto _ : state) {
    const auto crc = zlib ? static_cast<std::uint32_t>(::crc32(0L, event.data(), static_cast<uInt>(event.size())))
                          : detail::crc32(0, event.data(), event.size());
    benchmark::DoNotOptimize(crc);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * event.size()));
  state.SetLabel(zlib ? "zlib crc32()" : "tor::mysql::detail::crc32");
}
BENCHMARK(crc32_outbox_event)->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();
