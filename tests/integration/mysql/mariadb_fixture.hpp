// What the MariaDB integration tests share: the server from the
// environment (as `scripts/servers.sh env` prints it), a root connection to
// write with, a database of the test's own, sources with unique replica
// server ids, and helpers to read whole transactions. Compiled once, in
// mariadb_fixture.cpp.
#pragma once

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <tor/mysql/binlog_source.hpp>

namespace tor::mysql::it {

using namespace std::chrono_literals;

/// The environment variable `name`; the test fails, saying how to run it, when it is not set.
std::string env(const char* name);

/// The shared server's port (TOR_MYSQL_PORT).
unsigned port();

/// Root's connection options to 127.0.0.1 on port `p` (0: port()).
detail::connect_options root_options(unsigned p = 0);

/// A root connection that retries while the server (re)starts.
detail::connection root(unsigned p = 0, std::chrono::seconds patience = 30s);

/// Replica server ids unique within the test process (and away from other processes' ranges).
std::uint32_t next_server_id();

/// A source's configuration capturing `db`.outbox, with short backoffs and heartbeats.
binlog_source_config config(const std::string& db, unsigned p = 0);

/// A fresh database for one test, dropped first if a previous run left it.
std::string fresh_db(detail::connection& c, const std::string& name);

/// A transaction as read: GTID, rows and the checkpoint after it.
struct txn {
  std::string gtid;
  binlog_position begin;
  std::vector<row_change> rows;
  checkpoint end;
};

/// Reads until `want` transactions with rows have committed (framing-only
/// transactions are skipped), checking the framing as it goes.
std::vector<txn> read_txns(binlog_source& s, std::size_t want, std::chrono::milliseconds budget = 30s,
                           bool keep_empty = false);

/// Reads for `d` and returns the row changes seen (none expected, usually).
std::vector<row_change> drain_rows(binlog_source& s, std::chrono::milliseconds d);

/// Column `col` of the row's image, as text.
std::string text(const row_change& r, std::size_t col);

// --- small helpers shared by the stream tests ---------------------------------

void outbox_table(detail::connection& c, const std::string& db, const std::string& payload = "VARCHAR(64)");

std::string ins(const std::string& db, int id, const std::string& table = "outbox");

std::vector<std::int64_t> ids(const std::vector<txn>& ts);

std::vector<std::int64_t> range(std::int64_t from, std::int64_t to);

/// Runs scripts/servers.sh with the test's environment plus `extra` assignments.
int servers_sh(const std::string& args, const std::string& extra = {});

/// Bytes the process has allocated and not freed (heap in use, all
/// threads). Under AddressSanitizer its allocator is asked, since freed
/// memory sits in its quarantine and would look like growth.
std::size_t allocated_bytes();

}  // namespace tor::mysql::it
