// Definitions for tor/mysql/detail/dump_refusal.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

#include <tor/mysql/detail/dump_refusal.hpp>

namespace tor::mysql::detail {

namespace refusal_text {
TOR_DECL std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}
TOR_DECL bool has(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

/// "mysql-bin", 12 from "mysql-bin.000012"; nullopt when there is no numeric extension.
TOR_DECL std::optional<std::pair<std::string, std::uint64_t>> split_file(std::string_view f) {
  const auto dot = f.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == f.size()) return std::nullopt;
  std::uint64_t n = 0;
  for (auto c : f.substr(dot + 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return std::pair{std::string(f.substr(0, dot)), n};
}
}  // namespace refusal_text

TOR_DECL dump_refusal classify_dump_refusal(unsigned code, std::string_view server_text) {
  using refusal_text::has;
  const auto t = refusal_text::lower(server_text);
  if (code == er_slave_same_id_mariadb || has(t, "same server_uuid/server_id") || has(t, "same server_id"))
    return dump_refusal::same_server_id;
  if (has(t, "could not find first log file name")) return dump_refusal::purged;
  if (has(t, "purged required binary logs") || has(t, "has purged binary logs containing gtids") ||
      has(t, "could not find gtid state requested by slave in any binlog"))
    return dump_refusal::purged;
  if (has(t, "which is not in the master's binlog") || has(t, "which is not in the source's binlog"))
    return has(t, "higher sequence numbers") ? dump_refusal::gtid_diverged : dump_refusal::gtid_not_in_binlog;
  if (has(t, "has more gtids than the master has") || has(t, "has more gtids than the source has"))
    return dump_refusal::gtid_not_in_binlog;
  if (has(t, "is missing the gtid")) return dump_refusal::gtid_hole;
  if (has(t, "max_allowed_packet")) return dump_refusal::packet_too_large;
  if (has(t, "position > file size") || has(t, "position < 4") || has(t, "incorrect position") ||
      has(t, "does not correspond to the location of any binlog event") || has(t, "position is not at the start"))
    return dump_refusal::bad_position;
  if (has(t, "gtid_mode = off") || has(t, "gtid_mode=off") || has(t, "gtid_mode is off")) return dump_refusal::gtid_mode_off;
  if (has(t, "bogus data") || has(t, "truncated") || has(t, "crc check") || has(t, "checksum") || has(t, "corrupt") ||
      has(t, "i/o error") || has(t, "could not open log file") || has(t, "could not find next log") ||
      has(t, "error reading log event") || has(t, "format_description"))
    return dump_refusal::unreadable;
  return dump_refusal::other;
}

TOR_DECL std::string describe_dump_refusal(unsigned code, std::string_view server_text, const refusal_context& c) {
  const auto kind = classify_dump_refusal(code, server_text);
  std::string m = c.server + (kind == dump_refusal::same_server_id ? " ended the binlog stream: \""
                                                                   : " refused the binlog dump: \"") +
                  std::string(server_text) + "\" (error " + std::to_string(code) + "). ";
  const std::string resume = c.by_gtid ? "GTID position " + c.resume.gtids.to_string() : c.resume.position.to_string();
  const std::string fresh =
      "remove the checkpoint and start again (from the end of the binlog by default), accepting the gap";
  switch (kind) {
    case dump_refusal::purged: {
      // By file: tell a purged file (older than the oldest kept) from one the server never had.
      bool never_had = false;
      if (!c.by_gtid && !c.resume.position.file.empty() && !c.newest_binlog.empty()) {
        const auto at = refusal_text::split_file(c.resume.position.file);
        const auto newest = refusal_text::split_file(c.newest_binlog);
        never_had = at && newest && (at->first != newest->first || at->second > newest->second);
      }
      if (never_had) {
        m += "Binlog file " + c.resume.position.file + " of the checkpoint " + c.resume.to_string() +
             " is not one this server has written (its binlog runs from " + c.oldest_binlog + " to " + c.newest_binlog +
             "): the checkpoint belongs to another server, or this server's binlog was reset (RESET MASTER) or "
             "restored from an older backup. Point Tor at the server the checkpoint came from, or " + fresh + ".";
        break;
      }
      m += "Cannot resume reading after " + c.resume.to_string() + ": ";
      m += c.by_gtid ? "the binlog holding the transactions after " + resume +
                           (c.resume.position.file.empty() ? std::string() : " (last read from " + c.resume.position.file + ")")
                     : "binlog file " + c.resume.position.file;
      m += " is no longer on the server";
      if (!c.oldest_binlog.empty()) m += " (its oldest binlog is " + c.oldest_binlog + ")";
      m += ". The changes made after the checkpoint were purged before Tor read them. Restore those binlog files, "
           "or accept the gap: " + fresh + ". Keep binlogs longer than Tor may be down (binlog_expire_logs_seconds, "
           "expire_logs_days).";
      break;
    }
    case dump_refusal::same_server_id:
      m += "Another replica connected to this server with the same server_id, " + std::to_string(c.replica_server_id) +
           ", and a server keeps one binlog stream per server_id, so it ended this one. Every Tor and every replica "
           "of this server needs its own server_id: change it in the configuration (mysql.server_id) of one of them. "
           "The processlist shows each connected reader as a \"Binlog Dump\" thread.";
      break;
    case dump_refusal::gtid_not_in_binlog:
    case dump_refusal::gtid_diverged:
    case dump_refusal::gtid_hole:
      m += "The checkpoint's " + resume + " holds a transaction this server never wrote to its binlog";
      if (!c.server_gtids.empty()) m += " (the server's binlog holds " + c.server_gtids + ")";
      if (kind == dump_refusal::gtid_diverged)
        m += ", although it has later transactions of that domain: the checkpoint comes from a server whose history "
             "differs from this one (a former primary, or transactions written on a replica)";
      else if (kind == dump_refusal::gtid_hole)
        m += ", although it has earlier and later ones of that domain (a gap in the binlog, refused in GTID strict mode)";
      else
        m += ": the checkpoint comes from another server or replication domain, or this server's binlog was reset "
             "(RESET MASTER) or restored from an older backup";
      m += ". Tor will not guess where to continue. Point Tor at the server the checkpoint came from; or, if the "
           "checkpoint's file and offset are valid on this server, resume by position (resume_by_gtid: false); or " +
           fresh + ".";
      break;
    case dump_refusal::bad_position:
      m += "Offset " + std::to_string(c.resume.position.offset) + " of the checkpoint " + c.resume.to_string() +
           " is not the start of an event in " + c.resume.position.file +
           ": the checkpoint was edited, was taken on another server with the same binlog file names, or the file was "
           "rewritten. Restore the right checkpoint, resume by GTID if it has one, or " + fresh + ".";
      break;
    case dump_refusal::packet_too_large:
      m += "An event after " + c.resume.to_string() + " is larger than max_allowed_packet allows: raise "
           "max_allowed_packet on the server (up to 1G), then restart Tor; nothing was skipped.";
      break;
    case dump_refusal::unreadable:
      m += "The server cannot read its own binlog after " + c.resume.to_string() +
           " (a corrupt, truncated or unreadable file): see the server's error log and the file (mysqlbinlog). "
           "Tor stopped before the unreadable event; nothing was skipped.";
      break;
    case dump_refusal::gtid_mode_off:
      m += "The server has gtid_mode=OFF, so it cannot resume by GTID: resume by position (resume_by_gtid: false), "
           "or turn gtid_mode ON.";
      break;
    case dump_refusal::other:
      m += "The server will not send its binlog from " + c.resume.to_string() +
           "; the server's text above and its error log say why. Tor stopped; nothing was skipped.";
      break;
  }
  return m;
}

}  // namespace tor::mysql::detail
