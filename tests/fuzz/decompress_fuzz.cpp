// libFuzzer target for decompression of bytes from the binlog: zlib
// (MariaDB's compressed events and columns, zlib-wrapped and raw deflate),
// MariaDB's compressed-record header, and zstd (MySQL's compressed
// transaction payloads, with the payload event's header fields). The first
// byte picks the path:
//   0: inflate_exact, zlib-wrapped     (3-byte expected size, then the stream)
//   1: inflate_exact, raw deflate      (same)
//   2: inflate_mariadb_record          (header byte, big-endian size, stream)
//   3: zstd_decompress_exact           (3-byte expected size, then the frames)
//   4: a transaction payload event's data through parse_transaction_payload,
//      transaction_payload_events and for_each_event
//   5: round trip: the rest compressed by zlib, raw deflate and zstd must
//      decompress to exactly itself, and a wrong declared size must be an error
// Declared sizes above the input-proportional cap are still tried: the code
// must not allocate what a header claims before the stream produces it.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#ifdef TOR_MYSQL_HAVE_ZSTD
#include <zstd.h>
#endif

#include <tor/mysql/binlog_event.hpp>
#include <tor/mysql/detail/inflate.hpp>
#include <tor/mysql/detail/zstd.hpp>

#include "fuzz_input.hpp"

namespace {

namespace m = tor::mysql;
using tor_fuzz::bytes;

template <class F>
bool throws_tor_error(F&& f) {
  try {
    f();
  } catch (const tor::error&) {
    return true;
  }
  return false;
}

void inflate_path(bytes in, int window_bits) {
  const auto expected = static_cast<std::size_t>(tor_fuzz::take_le(in, 3));
  std::string out;
  try {
    m::detail::inflate_exact(out, in, expected, window_bits, "fuzz input");
  } catch (const tor::error&) {
    return;
  }
  TOR_FUZZ_CHECK(out.size() == expected);
}

void record_path(bytes in) {
  std::string out;
  m::detail::byte_reader r(in);
  try {
    m::detail::inflate_mariadb_record(out, r, "fuzz record");
    TOR_FUZZ_CHECK(r.empty());
  } catch (const tor::error&) {
  } catch (const m::detail::truncated&) {
    // The header is read with byte_reader, whose callers turn a short read
    // into a "corrupt ... event" error; here it reaches us as it is.
  }
}

void zstd_path(bytes in) {
  const auto expected = static_cast<std::size_t>(tor_fuzz::take_le(in, 3));
  std::vector<std::uint8_t> out;
  try {
    m::detail::zstd_decompress_exact(out, in, expected, "fuzz frame");
  } catch (const tor::error&) {
    return;
  }
  TOR_FUZZ_CHECK(out.size() == expected);
}

void payload_path(bytes in) {
  try {
    const auto p = m::parse_transaction_payload(in);
    std::vector<std::uint8_t> scratch;
    const auto events = m::transaction_payload_events(p, scratch);
    if (p.compression == 0) TOR_FUZZ_CHECK(events.size() == p.uncompressed_size);
    std::size_t total = 0;
    m::for_each_event(events, [&](bytes e) { total += e.size(); });
    TOR_FUZZ_CHECK(total == events.size());
  } catch (const tor::error&) {
  }
}

/// A compressor kept for the whole run and reset for each input: creating
/// one costs zlib ~270 KiB of tables per window size, zstd its context, and
/// under ASan that allocation (and page faulting) was most of a round trip.
struct deflater {
  z_stream zs{};
  explicit deflater(int window_bits) {
    TOR_FUZZ_CHECK(deflateInit2(&zs, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  }
  deflater(const deflater&) = delete;
  deflater& operator=(const deflater&) = delete;
  ~deflater() { deflateEnd(&zs); }
};

void round_trip(bytes in) {
  const std::string original(in.begin(), in.end());
  static deflater zlib_wrapped(15), raw_deflate(-15);
  for (const int window_bits : {15, -15}) {
    z_stream& zs = (window_bits > 0 ? zlib_wrapped : raw_deflate).zs;
    TOR_FUZZ_CHECK(deflateReset(&zs) == Z_OK);
    std::vector<std::uint8_t> z(deflateBound(&zs, static_cast<uLong>(in.size())));
    zs.next_in = const_cast<Bytef*>(in.data());
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = z.data();
    zs.avail_out = static_cast<uInt>(z.size());
    TOR_FUZZ_CHECK(deflate(&zs, Z_FINISH) == Z_STREAM_END);
    z.resize(zs.total_out);
    std::string out;
    m::detail::inflate_exact(out, z, in.size(), window_bits, "round trip");
    TOR_FUZZ_CHECK(out == original);
    TOR_FUZZ_CHECK(throws_tor_error([&] { m::detail::inflate_exact(out, z, in.size() + 1, window_bits, "too big"); }));
    if (!in.empty())
      TOR_FUZZ_CHECK(throws_tor_error([&] { m::detail::inflate_exact(out, z, in.size() - 1, window_bits, "too small"); }));
    if (z.size() > 1)  // a stream cut short never passes as complete
      TOR_FUZZ_CHECK(throws_tor_error([&] {
        m::detail::inflate_exact(out, bytes(z).first(z.size() - 1), in.size(), window_bits, "truncated");
      }));
  }
#ifdef TOR_MYSQL_HAVE_ZSTD
  struct cctx_free {
    void operator()(ZSTD_CCtx* c) const noexcept { ZSTD_freeCCtx(c); }
  };
  static const std::unique_ptr<ZSTD_CCtx, cctx_free> cctx(ZSTD_createCCtx());
  TOR_FUZZ_CHECK(cctx != nullptr);
  std::vector<std::uint8_t> z(ZSTD_compressBound(in.size()));
  const auto n = ZSTD_compressCCtx(cctx.get(), z.data(), z.size(), in.data(), in.size(), 1);
  TOR_FUZZ_CHECK(!ZSTD_isError(n));
  z.resize(n);
  std::vector<std::uint8_t> out;
  m::detail::zstd_decompress_exact(out, z, in.size(), "round trip");
  TOR_FUZZ_CHECK(std::string(out.begin(), out.end()) == original);
  TOR_FUZZ_CHECK(throws_tor_error([&] { m::detail::zstd_decompress_exact(out, z, in.size() + 1, "too big"); }));
  if (!in.empty())
    TOR_FUZZ_CHECK(throws_tor_error([&] { m::detail::zstd_decompress_exact(out, z, in.size() - 1, "too small"); }));
  TOR_FUZZ_CHECK(throws_tor_error([&] {
    m::detail::zstd_decompress_exact(out, bytes(z).first(z.size() - 1), in.size(), "truncated");
  }));
#endif
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bytes in(data + 1, size - 1);
  switch (data[0] % 6) {
    case 0: inflate_path(in, 15); break;
    case 1: inflate_path(in, -15); break;
    case 2: record_path(in); break;
    case 3: zstd_path(in); break;
    case 4: payload_path(in); break;
    default: round_trip(in); break;
  }
  return 0;
}
