// libFuzzer target for binlog event framing: the common header, the size
// check, the CRC32 checksum, the format description and every framing event
// (rotate, GTIDs, queries and compressed queries, XID, GTID list, incident,
// transaction payloads and the events inside them), then the same bytes as a
// stream through change_decoder. The first byte holds flags:
//   bit 0: 0 = one event, 1 = a stream of events (2-byte length + event each)
//   bit 1: the events carry a CRC32
//   bit 2: fix the size field and the CRC32 up before parsing, so mutations
//          reach the bodies behind the checks instead of failing them
// Properties checked besides "no crash, only tor::error": the CRC32 agrees
// with zlib's on every input, a fixed-up event passes split_event, and a
// fixed-up event with one byte changed fails its checksum.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <tor/mysql/binlog_event.hpp>
#include <tor/mysql/change_decoder.hpp>

#include "fuzz_input.hpp"

namespace {

namespace m = tor::mysql;
using tor_fuzz::bytes;

std::uint32_t zlib_crc(const std::uint8_t* p, std::size_t n) {
  return static_cast<std::uint32_t>(::crc32(0L, p, static_cast<uInt>(n)));
}

void put_le32(std::vector<std::uint8_t>& e, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) e[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

/// Writes the real size into the header and, with checksums, the real CRC32.
void fix_up(std::vector<std::uint8_t>& e, bool checksums) {
  if (e.size() < m::event_header_size + (checksums ? 4 : 0)) return;
  put_le32(e, 9, static_cast<std::uint32_t>(e.size()));
  if (checksums) put_le32(e, e.size() - 4, zlib_crc(e.data(), e.size() - 4));
}

void body(std::uint8_t type, bytes data, std::uint32_t server_id, std::size_t query_post_header, int depth);

void payload(bytes data, int depth) {
  const auto p = m::parse_transaction_payload(data);
  std::vector<std::uint8_t> scratch;
  const auto events = m::transaction_payload_events(p, scratch);
  m::for_each_event(events, [&](bytes inner) {
    const auto h = m::parse_event_header(inner);
    TOR_FUZZ_CHECK(h.size == inner.size());
    body(h.type, inner.subspan(m::event_header_size), h.server_id, 13, depth + 1);
  });
}

void body(std::uint8_t type, bytes data, std::uint32_t server_id, std::size_t query_post_header, int depth) {
  namespace t = m::event_types;
  try {
    switch (type) {
      case t::rotate: (void)m::parse_rotate(data); break;
      case t::mariadb_gtid: (void)m::parse_mariadb_gtid(data, server_id); break;
      case t::mysql_gtid:
      case t::mysql_anonymous_gtid:
      case t::mysql_gtid_tagged: (void)m::parse_mysql_gtid(type, data); break;
      case t::query:
      case t::query_compressed: (void)m::parse_query(type, data, query_post_header); break;
      case t::xid: (void)m::parse_xid(data); break;
      case t::mariadb_gtid_list: {
        const auto list = m::parse_mariadb_gtid_list(data);
        TOR_FUZZ_CHECK(list.size() * 16 + 4 <= data.size());
        break;
      }
      case t::incident: (void)m::parse_incident(data); break;
      case t::transaction_payload:
        if (depth < 2) payload(data, depth);
        break;
      case t::table_map: {
        m::format_options o;
        (void)m::parse_table_map(data, o);
        break;
      }
      default: break;
    }
  } catch (const tor::error&) {
  }
}

void one_event(bytes in, bool checksums, bool fixup) {
  std::vector<std::uint8_t> e(in.begin(), in.end());
  if (!e.empty()) TOR_FUZZ_CHECK(m::detail::crc32(0, e.data(), e.size()) == zlib_crc(e.data(), e.size()));
  if (fixup) fix_up(e, checksums);
  const bool well_framed = fixup && e.size() >= m::event_header_size + (checksums ? 4 : 0);
  if (well_framed && checksums) {
    TOR_FUZZ_CHECK(m::checksum_matches(e));
    // A CRC32 detects every change confined to one byte.
    auto bad = e;
    const auto at = (e[0] | (e[1] << 8)) % bad.size();
    bad[at] ^= static_cast<std::uint8_t>(1 + e[2] % 255);
    TOR_FUZZ_CHECK(!m::checksum_matches(bad));
  } else {
    (void)m::checksum_matches(e);
  }
  m::event_view v;
  try {
    v = m::split_event(e, checksums);
  } catch (const tor::error&) {
    TOR_FUZZ_CHECK(!well_framed);
    return;
  }
  TOR_FUZZ_CHECK(v.header.size == e.size());
  TOR_FUZZ_CHECK(v.data.size() + m::event_header_size + (checksums ? 4 : 0) == e.size());
  std::size_t query_post_header = 13;
  if (v.header.type == m::event_types::format_description) {
    try {
      const auto fd = m::parse_format_description(e);
      query_post_header = fd.post_header_length(m::event_types::query);
      (void)fd.options();
    } catch (const tor::error&) {
    }
    return;
  }
  body(v.header.type, v.data, v.header.server_id, query_post_header, 0);
}

void stream(bytes in, bool checksums, bool fixup) {
  m::change_decoder_options o;
  o.checksums = checksums;
  o.max_buffered_events = 64;
  o.schema_lookup = [](const m::table_map& map) {
    std::vector<m::schema_column> cols;
    for (std::size_t i = 0; i < map.columns.size(); ++i) cols.push_back({"c" + std::to_string(i), "unknown", "unknown", ""});
    return cols;
  };
  m::change_decoder d(o);
  std::vector<tor::change_event> out;
  try {
    while (!in.empty()) {
      const auto chunk = tor_fuzz::take_chunk(in);
      std::vector<std::uint8_t> e(chunk.begin(), chunk.end());
      // The decoder switches to checksums as the format description says;
      // fix up with the setting the input asked for, so both paths are hit.
      if (fixup) fix_up(e, checksums);
      d.feed(e, out);
      if (out.size() > 1000) out.clear();
    }
  } catch (const tor::error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto flags = data[0];
  const bytes in(data + 1, size - 1);
  const bool checksums = (flags & 2) != 0;
  const bool fixup = (flags & 4) != 0;
  if (flags & 1) stream(in, checksums, fixup);
  else one_event(in, checksums, fixup);
  return 0;
}
