// Definitions for tor/mysql/detail/zstd.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <algorithm>
#include <memory>

#ifdef TOR_MYSQL_HAVE_ZSTD
#include <zstd.h>
#endif

#include <tor/mysql/detail/zstd.hpp>

namespace tor::mysql::detail {

TOR_DECL void zstd_decompress_exact(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> in,
                                    std::size_t expected, const std::string& what) {
#ifdef TOR_MYSQL_HAVE_ZSTD
  out.clear();
  struct dctx_free {
    void operator()(ZSTD_DCtx* d) const noexcept { ZSTD_freeDCtx(d); }
  };
  static thread_local std::unique_ptr<ZSTD_DCtx, dctx_free> ctx(ZSTD_createDCtx());
  if (!ctx) fail("cannot allocate a zstd context to decompress " + what);
  ZSTD_DCtx_reset(ctx.get(), ZSTD_reset_session_only);
  ZSTD_inBuffer src{in.data(), in.size(), 0};
  std::size_t produced = 0;
  std::size_t last = 1;  // ZSTD_decompressStream's hint: 0 once a frame is complete
  while (src.pos < src.size || last != 0) {
    if (produced == out.size()) {
      if (produced >= expected) {
        // Room for exactly `expected` bytes is used up: any more output
        // means the header's size was wrong.
        std::uint8_t probe;
        ZSTD_outBuffer one{&probe, 1, 0};
        const auto rc = ZSTD_decompressStream(ctx.get(), &one, &src);
        if (ZSTD_isError(rc)) fail("corrupt zstd data in " + what + ": " + ZSTD_getErrorName(rc));
        if (one.pos != 0) fail(what + " decompresses to more than the " + std::to_string(expected) + " bytes it declares");
        if (rc == 0 && src.pos == src.size) break;
        if (src.pos == src.size) fail(what + " ends before its zstd frame does");
        last = rc;
        continue;
      }
      out.resize(std::min(expected, std::max<std::size_t>(out.size() * 2, 64 * 1024)));
    }
    ZSTD_outBuffer dst{out.data(), out.size(), produced};
    const auto before_in = src.pos;
    const auto rc = ZSTD_decompressStream(ctx.get(), &dst, &src);
    if (ZSTD_isError(rc)) fail("corrupt zstd data in " + what + ": " + ZSTD_getErrorName(rc));
    const bool progressed = dst.pos != produced || src.pos != before_in;
    produced = dst.pos;
    last = rc;
    if (!progressed && src.pos == src.size && rc != 0) fail(what + " ends before its zstd frame does");
  }
  if (produced != expected)
    fail(what + " decompresses to " + std::to_string(produced) + " bytes but declares " + std::to_string(expected));
  out.resize(produced);
#else
  (void)out;
  (void)in;
  (void)expected;
  fail(what + " is compressed with zstd (binlog_transaction_compression=ON) and this build of Tor has no libzstd: "
              "rebuild with libzstd (libzstd-dev) or set binlog_transaction_compression=OFF on the server");
#endif
}

}  // namespace tor::mysql::detail
