// Definitions for tor/mysql/detail/inflate.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <zlib.h>

#include <algorithm>

#include <tor/mysql/detail/inflate.hpp>

namespace tor::mysql::detail {

TOR_DECL void inflate_exact(std::string& out, std::span<const std::uint8_t> in, std::size_t expected, int window_bits,
                            const std::string& what) {
  out.clear();
  // One zlib stream per thread, reset for each value: MariaDB compresses
  // column by column, and a fresh stream would allocate (and free) zlib's
  // state and 32 KiB window for every compressed value of every row.
  struct inflater {
    z_stream zs{};
    bool ready = false;
    inflater() = default;
    inflater(const inflater&) = delete;
    inflater& operator=(const inflater&) = delete;
    ~inflater() {
      if (ready) inflateEnd(&zs);
    }
  };
  static thread_local inflater state;
  if (!state.ready) {
    state.zs = z_stream{};
    if (inflateInit2(&state.zs, window_bits) != Z_OK) fail("cannot initialise zlib to inflate " + what);
    state.ready = true;
  } else if (inflateReset2(&state.zs, window_bits) != Z_OK) {
    fail("cannot initialise zlib to inflate " + what);
  }
  z_stream& zs = state.zs;
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  std::size_t produced = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (produced == out.size()) {
      if (produced >= expected) {
        // Room for exactly `expected` bytes is used up; one more byte of
        // output means the header lied.
        char probe;
        zs.next_out = reinterpret_cast<Bytef*>(&probe);
        zs.avail_out = 1;
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc == Z_STREAM_END && zs.avail_out == 1) break;
        fail(what + " inflates to more than the " + std::to_string(expected) + " bytes its header announces");
      }
      const std::size_t grow = std::min<std::size_t>(expected - produced, std::max<std::size_t>(produced, 4096));
      out.resize(produced + grow);
    }
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    zs.avail_out = static_cast<uInt>(out.size() - produced);
    const auto before = zs.avail_out;
    rc = inflate(&zs, Z_NO_FLUSH);
    produced += before - zs.avail_out;
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) fail("corrupt zlib data in " + what + (zs.msg ? std::string(": ") + zs.msg : ""));
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) fail(what + " ends before its zlib stream does");
  }
  out.resize(produced);
  if (produced != expected)
    fail(what + " inflates to " + std::to_string(produced) + " bytes, its header announces " + std::to_string(expected));
}

TOR_DECL void inflate_mariadb_record(std::string& out, byte_reader& r, const std::string& what) {
  const auto h = r.u8();
  if ((h & 0xe0) != 0x80 || (h & 7) == 0 || (h & 7) > 4)
    fail(what + " has an unknown compression header 0x" + byte_reader::hex(h));
  const auto len = r.be(h & 7u);
  inflate_exact(out, r.rest(), static_cast<std::size_t>(len), 15, what);
  r.skip(r.remaining());
}

}  // namespace tor::mysql::detail
