// The MariaDB integration tests' helpers (mariadb_fixture.hpp), compiled once.
#include "mariadb_fixture.hpp"

#include <unistd.h>

#include <malloc.h>
#if defined(__SANITIZE_ADDRESS__)
// From <sanitizer/allocator_interface.h>, which not every compiler package ships.
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace tor::mysql::it {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v)
    FAIL(std::string(name) + " is not set: run the MariaDB integration tests through scripts/test.sh "
                             "(or eval \"$(scripts/servers.sh env)\" after scripts/servers.sh start mariadb)");
  return v;
}

unsigned port() { return static_cast<unsigned>(std::stoul(env("TOR_MYSQL_PORT"))); }

detail::connect_options root_options(unsigned p) {
  detail::connect_options o;
  o.host = "127.0.0.1";
  o.port = p ? p : port();
  o.user = "root";
  return o;
}

/// A root connection that retries while the server (re)starts.
detail::connection root(unsigned p, std::chrono::seconds patience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (true) {
    try {
      return detail::connection(root_options(p));
    } catch (const tor::error&) {
      if (std::chrono::steady_clock::now() > deadline) throw;
      std::this_thread::sleep_for(200ms);
    }
  }
}

/// Replica server ids unique within the test process (and away from other processes' ranges).
std::uint32_t next_server_id() {
  static std::atomic<std::uint32_t> n{static_cast<std::uint32_t>(100000 + (::getpid() % 1000) * 100)};
  return n++;
}

binlog_source_config config(const std::string& db, unsigned p) {
  binlog_source_config c;
  c.host = "127.0.0.1";
  c.port = p ? p : port();
  c.user = "tor";
  c.password = "tor";
  c.server_id = next_server_id();
  c.tables = {db + ".outbox"};
  c.heartbeat_period = 200ms;
  c.reconnect_backoff = 50ms;
  c.reconnect_backoff_max = 500ms;
  c.reconnect_give_up = 60s;
  return c;
}

/// A fresh database for one test, dropped first if a previous run left it.
std::string fresh_db(detail::connection& c, const std::string& name) {
  c.execute("DROP DATABASE IF EXISTS `" + name + "`");
  c.execute("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4");
  return name;
}


/// Reads until `want` transactions with rows have committed (framing-only
/// transactions are skipped), checking the framing as it goes.
std::vector<txn> read_txns(binlog_source& s, std::size_t want, std::chrono::milliseconds budget,
                           bool keep_empty) {
  std::vector<txn> out;
  std::optional<txn> open;
  const auto deadline = std::chrono::steady_clock::now() + budget;
  while (out.size() < want) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    auto ev = s.next(100ms);
    if (!ev) continue;
    if (auto* b = std::get_if<begin_event>(&*ev)) {
      REQUIRE_FALSE(open);
      open.emplace();
      open->gtid = b->gtid;
      open->begin = b->position;
    } else if (auto* r = std::get_if<row_change>(&*ev)) {
      REQUIRE(open);
      open->rows.push_back(std::move(*r));
    } else if (auto* c = std::get_if<commit_event>(&*ev)) {
      REQUIRE(open);
      open->end = c->after;
      if (keep_empty || !open->rows.empty()) out.push_back(std::move(*open));
      open.reset();
    }
  }
  return out;
}

/// Reads for `d` and returns the row changes seen (none expected, usually).
std::vector<row_change> drain_rows(binlog_source& s, std::chrono::milliseconds d) {
  std::vector<row_change> rows;
  const auto deadline = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < deadline)
    if (auto ev = s.next(50ms))
      if (auto* r = std::get_if<row_change>(&*ev)) rows.push_back(std::move(*r));
  return rows;
}

std::string text(const row_change& r, std::size_t col) { return to_text(r.image().values.at(col)); }

// --- small helpers shared by the stream tests ---------------------------------

void outbox_table(detail::connection& c, const std::string& db, const std::string& payload) {
  c.execute("CREATE TABLE `" + db + "`.outbox (id BIGINT PRIMARY KEY, payload " + payload + ") ENGINE=InnoDB");
}

std::string ins(const std::string& db, int id, const std::string& table) {
  return "INSERT INTO `" + db + "`." + table + " VALUES (" + std::to_string(id) + ", 'p" + std::to_string(id) + "')";
}

std::vector<std::int64_t> ids(const std::vector<txn>& ts) {
  std::vector<std::int64_t> out;
  for (const auto& t : ts)
    for (const auto& r : t.rows) out.push_back(std::get<std::int64_t>(r.image().values.at(0)));
  return out;
}

std::vector<std::int64_t> range(std::int64_t from, std::int64_t to) {
  std::vector<std::int64_t> v;
  for (auto i = from; i <= to; ++i) v.push_back(i);
  return v;
}


/// Runs scripts/servers.sh with the test's environment plus `extra` assignments.
int servers_sh(const std::string& args, const std::string& extra) {
  const std::string cmd = extra + (extra.empty() ? "" : " ") + std::string(TOR_SOURCE_DIR) + "/scripts/servers.sh " +
                          args + " >>" + env("TOR_RUN_DIR") + "/mysql-it-servers.log 2>&1";
  return std::system(cmd.c_str());
}

/// Bytes the process has allocated and not freed (heap in use, all
/// threads). Under AddressSanitizer its allocator is asked, since freed
/// memory sits in its quarantine and would look like growth.
std::size_t allocated_bytes() {
#if defined(__SANITIZE_ADDRESS__)
  return __sanitizer_get_current_allocated_bytes();
#else
  const auto m = mallinfo2();
  return m.uordblks + m.hblkhd;
#endif
}

}  // namespace tor::mysql::it
