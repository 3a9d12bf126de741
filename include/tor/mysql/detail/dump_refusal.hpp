// Why a server refused or ended a binlog dump, and what to tell the user.
//
// A MySQL or MariaDB server reports every reason it cannot send its binlog
// to a replica with one error number, 1236 (ER_MASTER_FATAL_ERROR_READING_BINLOG,
// ER_SOURCE_FATAL_ERROR_READING_BINLOG in MySQL 8.0.26+): a purged file, a
// GTID it never had, a position that is not an event, a corrupt file, a
// second replica with the same server_id (MySQL; MariaDB uses 4052,
// ER_SLAVE_SAME_ID, for that one). Only the text tells them apart, so the
// classification below matches the texts of MariaDB 10.x/11.x
// (sql/sql_repl.cc) and MySQL 5.7/8.x (sql/rpl_binlog_sender.cc, both
// the master/slave and the source/replica wordings). The message puts the
// server's words first, then what they mean here and what to do.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <tor/core/checkpoint.hpp>
#include <tor/core/detail/config.hpp>

namespace tor::mysql::detail {

inline constexpr unsigned er_master_fatal_error_reading_binlog = 1236;
inline constexpr unsigned er_slave_same_id_mariadb = 4052;

enum class dump_refusal {
  purged,            ///< no binlog holds the resume point: purged, or (by file) never written here
  same_server_id,    ///< another replica connected with this replica's server_id
  gtid_not_in_binlog,  ///< the checkpoint holds a GTID this server never logged
  gtid_diverged,     ///< ... and the server logged later GTIDs of that domain: the histories differ
  gtid_hole,         ///< MariaDB strict mode: the GTID is missing though earlier and later ones exist
  bad_position,      ///< the offset is not the start of an event in that file
  packet_too_large,  ///< an event is larger than max_allowed_packet
  unreadable,        ///< the server cannot read its own binlog (corrupt, truncated, I/O error)
  gtid_mode_off,     ///< MySQL: a GTID dump from a server with gtid_mode=OFF
  other,
};

/// Whether a server error ends a dump for a reason reconnecting cannot fix.
[[nodiscard]] inline bool is_dump_refusal(unsigned code, bool mariadb) noexcept {
  return code == er_master_fatal_error_reading_binlog || (mariadb && code == er_slave_same_id_mariadb);
}

/// What a server's refusal text means (see dump_refusal).
[[nodiscard]] TOR_DECL dump_refusal classify_dump_refusal(unsigned code, std::string_view server_text);

/// What the reader knew when the server refused: where it was reading and
/// what the server has, as far as it could be asked.
struct refusal_context {
  std::string server;          ///< "MariaDB at 127.0.0.1:3306"
  checkpoint resume;           ///< where the dump asked to start
  bool by_gtid = false;        ///< the dump asked by GTID (else by file and offset)
  std::uint32_t replica_server_id = 0;
  std::string oldest_binlog;   ///< SHOW BINARY LOGS, first and last; empty when unknown
  std::string newest_binlog;
  std::string server_gtids;    ///< the server's executed GTIDs; empty when unknown
};

/// The error text for a refused dump: the server's words first, then what
/// they mean for the checkpoint and what to do.
[[nodiscard]] TOR_DECL std::string describe_dump_refusal(unsigned code, std::string_view server_text,
                                                         const refusal_context& c);

}  // namespace tor::mysql::detail

#ifdef TOR_HEADER_ONLY
#include <tor/mysql/detail/impl/dump_refusal.ipp>
#endif
