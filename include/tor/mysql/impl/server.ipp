// Definitions for tor/mysql/server.hpp (see tor/core/detail/config.hpp).
#pragma once

#include <cctype>

#include <tor/mysql/server.hpp>

namespace tor::mysql {

namespace detail {

TOR_DECL bool glob_match(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}


TOR_DECL std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

TOR_DECL std::string value_or(const std::optional<std::string>& v, std::string dflt) { return v ? *v : dflt; }

TOR_DECL std::optional<binlog_position> binlog_end(connection& c) {
  std::vector<row> rows;
  try {
    rows = c.query("SHOW MASTER STATUS");
  } catch (const server_error& e) {
    if (e.code() != ER_PARSE_ERROR) throw;
    rows = c.query("SHOW BINARY LOG STATUS");
  }
  if (rows.empty() || rows[0].size() < 2 || !rows[0][0] || !rows[0][1]) return std::nullopt;
  return binlog_position{*rows[0][0], std::stoull(*rows[0][1])};
}

TOR_DECL gtid_set executed_gtids(connection& c, server_flavor flavor) {
  const auto text = value_or(c.scalar(flavor == server_flavor::mariadb ? "SELECT @@gtid_binlog_pos"
                                                                        : "SELECT @@gtid_executed"));
  return gtid_set::parse(text, gtid_flavor_of(flavor));
}

TOR_DECL std::string server_identity(connection& c, server_flavor flavor) {
  if (flavor == server_flavor::mysql) {
    if (auto uuid = c.scalar("SELECT @@server_uuid")) return "mysql:" + *uuid;
  }
  const auto r = c.query("SELECT @@server_id, @@hostname, @@log_bin_basename");
  if (r.empty() || r[0].size() < 3) return {};
  return "mariadb:server_id=" + value_or(r[0][0]) + ";host=" + value_or(r[0][1]) + ";binlog=" + value_or(r[0][2]);
}

TOR_DECL server_info inspect_server(connection& c, const binlog_source_config& cfg) {
  server_info info;
  std::vector<std::string> problems;
  const auto v = c.query(
      "SELECT @@version, @@server_id, @@log_bin, @@binlog_format, @@binlog_row_image, @@binlog_checksum");
  if (v.empty() || v[0].size() < 6) throw tor::error(error_kind::source, "cannot read server variables from " + c.options().where());
  info.version = value_or(v[0][0]);
  info.flavor = info.version.find("MariaDB") != std::string::npos ? server_flavor::mariadb : server_flavor::mysql;
  info.server_id = static_cast<std::uint32_t>(std::stoul(value_or(v[0][1], "0")));
  const auto log_bin = lower(value_or(v[0][2]));
  const auto format = lower(value_or(v[0][3]));
  const auto image = lower(value_or(v[0][4]));
  const auto checksum = lower(value_or(v[0][5]));
  const auto where = c.options().where();
  if (log_bin != "1" && log_bin != "on")
    problems.push_back("binary logging is off on " + where + ": start the server with --log-bin --binlog-format=ROW");
  if (format != "row")
    problems.push_back("binlog_format is " + value_or(v[0][3]) + ", not ROW: row changes reach the binlog only with "
                       "binlog_format=ROW (SET GLOBAL binlog_format=ROW, and set it in the server's configuration)");
  if (image != "full" && cfg.require_full_row_image)
    problems.push_back("binlog_row_image is " + value_or(v[0][4]) + ", not FULL: with MINIMAL an update carries only "
                       "the changed columns and a delete only the key, so rows would reach the mapper incomplete "
                       "(set binlog_row_image=FULL)");
  if (checksum != "none" && checksum != "crc32")
    problems.push_back("binlog_checksum is " + value_or(v[0][5]) + ": only NONE and CRC32 are supported");
  info.checksums = checksum == "crc32";
  if (cfg.server_id == 0)
    problems.push_back("no replica server_id configured: choose one unique among the server's replicas");
  else if (cfg.server_id == info.server_id)
    problems.push_back("replica server_id " + std::to_string(cfg.server_id) + " is the server's own server_id: choose another");

  try {
    info.full_metadata = lower(value_or(c.scalar("SELECT @@binlog_row_metadata"))) == "full";
  } catch (const server_error&) {
    info.full_metadata = false;  // older servers log no optional metadata at all
  }
  if (!info.full_metadata)
    info.warnings.push_back("binlog_row_metadata is not FULL: column names come from information_schema, read "
                            "when a table is first seen; columns renamed or reordered while older events are "
                            "still being read get today's names (set binlog_row_metadata=FULL to avoid this)");
  if (info.flavor == server_flavor::mysql) {
    try {
      info.mysql_gtid_mode = lower(value_or(c.scalar("SELECT @@gtid_mode"))) == "on";
    } catch (const server_error&) {
      info.mysql_gtid_mode = false;  // before 5.6: no GTIDs
    }
    try {
      const auto comp = lower(value_or(c.scalar("SELECT @@binlog_transaction_compression")));
      if ((comp == "1" || comp == "on") && !detail::have_zstd)
        problems.push_back("binlog_transaction_compression is ON and this build of Tor has no libzstd to read "
                           "compressed transactions: rebuild with libzstd (libzstd-dev), or "
                           "SET GLOBAL binlog_transaction_compression=OFF");
    } catch (const server_error&) {
    }
  }

  // Privileges: REPLICATION SLAVE from the grants (the dump needs it),
  // REPLICATION CLIENT / BINLOG MONITOR by trying what needs it.
  bool slave = false, via_roles = false;
  for (const auto& g : c.query("SHOW GRANTS")) {
    const auto text = value_or(g.empty() ? std::nullopt : g[0]);
    const bool global = text.find(" ON *.* ") != std::string::npos;
    if (global && (text.find("ALL PRIVILEGES") != std::string::npos || text.find("REPLICATION SLAVE") != std::string::npos))
      slave = true;
    if (text.find(" ON ") == std::string::npos && text.starts_with("GRANT ")) via_roles = true;
  }
  if (!slave && !via_roles)
    problems.push_back("user '" + cfg.user + "' lacks REPLICATION SLAVE: GRANT REPLICATION SLAVE ON *.* TO '" + cfg.user + "'");
  try {
    (void)binlog_end(c);
  } catch (const server_error& e) {
    if (e.code() != ER_SPECIFIC_ACCESS_DENIED_ERROR && e.code() != ER_ACCESS_DENIED_ERROR) throw;
    problems.push_back("user '" + cfg.user + "' lacks REPLICATION CLIENT (BINLOG MONITOR on MariaDB 10.5+), needed "
                       "to find the end of the binlog: GRANT REPLICATION CLIENT ON *.* TO '" + cfg.user + "'");
  }
  for (const auto& t : cfg.tables) {
    if (t.find_first_of("*?") != std::string::npos) continue;
    const auto dot = t.find('.');
    if (dot == std::string::npos) {
      problems.push_back("captured table \"" + t + "\" is not schema.table");
      continue;
    }
    try {
      c.execute("SELECT 1 FROM `" + t.substr(0, dot) + "`.`" + t.substr(dot + 1) + "` LIMIT 0");
    } catch (const server_error& e) {
      if (e.code() == ER_TABLEACCESS_DENIED_ERROR || e.code() == ER_DBACCESS_DENIED_ERROR)
        problems.push_back("user '" + cfg.user + "' lacks SELECT on " + t + " (needed to read its columns): GRANT SELECT ON " +
                           t + " TO '" + cfg.user + "'");
      // A table that does not exist yet is fine: it is captured once created.
    }
  }
  if (!problems.empty()) {
    std::string msg = "MySQL/MariaDB at " + where + " does not meet Tor's prerequisites:";
    for (const auto& p : problems) msg += "\n  - " + p;
    throw tor::error(error_kind::invalid_argument, msg);
  }
  info.identity = server_identity(c, info.flavor);
  return info;
}

TOR_DECL std::vector<schema_column> read_schema(connection& c, const table_map& m) {
  std::vector<schema_column> cols;
  for (const auto& r : c.query("SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, CHARACTER_SET_NAME FROM "
                               "information_schema.COLUMNS WHERE TABLE_SCHEMA = " + c.quote(m.schema) +
                               " AND TABLE_NAME = " + c.quote(m.table) + " ORDER BY ORDINAL_POSITION")) {
    cols.push_back({value_or(r[0]), value_or(r[1]), value_or(r[2]), value_or(r[3])});
  }
  if (cols.empty())
    throw tor::error(error_kind::source, "table " + m.qualified_name() + " is in the binlog but not in information_schema "
                                         "(dropped since, or no SELECT privilege on it): its column names are unknown "
                                         "with binlog_row_metadata=MINIMAL; set binlog_row_metadata=FULL");
  return cols;
}

}  // namespace detail

namespace detail {
TOR_DECL connect_options connect_options_of(const binlog_source_config& cfg) {
  connect_options o;
  o.host = cfg.host;
  o.port = cfg.port;
  o.socket = cfg.socket;
  o.user = cfg.user;
  o.password = cfg.password;
  o.tls = cfg.tls;
  o.connect_timeout = cfg.connect_timeout;
  // A server that stops answering (frozen, or behind a network that drops
  // packets) must not hold a thread forever: every connection of the source
  // gives up on a read after the silence that marks the replication
  // connection dead. The server sends no heartbeat while it scans a binlog
  // file for a GTID, so without `dead_after` that is generous: three
  // heartbeat periods, at least 30 s.
  const auto hb = std::max<std::chrono::milliseconds>(cfg.heartbeat_period, std::chrono::milliseconds(1));
  o.read_timeout =
      cfg.dead_after.count() > 0
          ? std::chrono::seconds(std::max<long long>(
                1, std::chrono::duration_cast<std::chrono::seconds>(cfg.dead_after + std::chrono::milliseconds(999))
                       .count()))
          : std::chrono::seconds(
                std::max<long long>(30, std::chrono::duration_cast<std::chrono::seconds>(hb * 3).count() + 2));
  return o;
}
}  // namespace detail


TOR_DECL server_check check_server(const binlog_source_config& cfg) {
  detail::connection c(detail::connect_options_of(cfg));
  auto info = detail::inspect_server(c, cfg);
  return {std::move(info.version), std::move(info.identity), std::move(info.warnings), c.tls()};
}

}  // namespace tor::mysql
