// tor-api-server: a small business service that writes its state and its
// events in one transaction — the transactional outbox pattern Tor relays.
//
//   PUT    /{uuid}  creates order {uuid} and, in the same transaction, an
//                   outbox row `created`   -> 201 (409 if it exists)
//   DELETE /{uuid}  deletes order {uuid} and writes an outbox row `deleted`
//                   -> 200 (404 if there is no such order)
//   GET    /healthz -> 200 when the database answers
//
// It creates its tables on start when they are missing. Each HTTP worker
// thread keeps its own MySQL connection (Connector/C), reconnecting after a
// failure, so requests do not serialize on one connection.
#include <mysql.h>
#include <mysqld_error.h>

#include <CLI/CLI.hpp>
#include <httplib.h>

#include <atomic>
#include <pthread.h>
#include <signal.h>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>

namespace {

struct options {
  std::string listen_address = "127.0.0.1";
  int listen_port = 8080;
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string user = "tor";
  std::string password;
  std::string database = "tor";
  std::string outbox_table = "outbox";
  bool delete_outbox_rows = false;
};

/// A failed statement: the server's error number and message.
struct db_error : std::runtime_error {
  unsigned code;
  db_error(unsigned c, const std::string& what) : std::runtime_error(what), code(c) {}
};

struct mysql_closer {
  void operator()(MYSQL* m) const noexcept { mysql_close(m); }
};

/// One connection, owned from the line it is opened.
class connection {
 public:
  explicit connection(const options& o) : h_(mysql_init(nullptr)) {
    if (!h_) throw std::runtime_error("mysql_init: out of memory");
    const unsigned timeout = 5;
    mysql_optionsv(h_.get(), MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_optionsv(h_.get(), MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (!mysql_real_connect(h_.get(), o.host.c_str(), o.user.c_str(), o.password.c_str(), o.database.c_str(),
                            static_cast<unsigned>(o.port), nullptr, 0))
      throw db_error(mysql_errno(h_.get()), "cannot connect to MySQL at " + o.host + ":" + std::to_string(o.port) +
                                                " as " + o.user + ": " + mysql_error(h_.get()));
  }

  void exec(const std::string& sql) {
    if (mysql_real_query(h_.get(), sql.data(), sql.size()) != 0)
      throw db_error(mysql_errno(h_.get()), std::string(mysql_error(h_.get())) + " (in: " + sql.substr(0, 120) + ")");
    // Drain any result so the connection stays usable.
    if (MYSQL_RES* r = mysql_store_result(h_.get())) mysql_free_result(r);
  }
  [[nodiscard]] unsigned long long affected() { return mysql_affected_rows(h_.get()); }

  [[nodiscard]] std::string quote(const std::string& s) {
    std::string out(s.size() * 2 + 1, '\0');
    const auto n = mysql_real_escape_string(h_.get(), out.data(), s.data(), static_cast<unsigned long>(s.size()));
    out.resize(n);
    return '\'' + out + '\'';
  }

 private:
  std::unique_ptr<MYSQL, mysql_closer> h_;
};

/// A transaction that rolls back unless committed.
class transaction {
 public:
  explicit transaction(connection& c) : c_(c) { c_.exec("START TRANSACTION"); }
  ~transaction() {
    if (!done_) try {
        c_.exec("ROLLBACK");
      } catch (...) {  // the connection is dropped by the caller anyway
      }
  }
  void commit() {
    c_.exec("COMMIT");
    done_ = true;
  }

 private:
  connection& c_;
  bool done_ = false;
};

const options* opts = nullptr;

std::unique_ptr<connection>& thread_connection() {
  thread_local std::unique_ptr<connection> conn;
  return conn;
}

/// This worker thread's connection, opened on first use and after a failure.
connection& db() {
  auto& conn = thread_connection();
  if (!conn) conn = std::make_unique<connection>(*opts);
  return *conn;
}

bool is_uuid(const std::string& s) {
  static const std::regex re("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  return std::regex_match(s, re);
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void create_schema(connection& c, const options& o) {
  c.exec(
      "CREATE TABLE IF NOT EXISTS orders ("
      " id CHAR(36) NOT NULL PRIMARY KEY,"
      " status VARCHAR(16) NOT NULL,"
      " created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)"
      ") ENGINE=InnoDB");
  // The Debezium outbox layout, which is also Tor's default: the event id,
  // the aggregate it is about (the message key) and its type (the route), the
  // event type and the payload.
  c.exec("CREATE TABLE IF NOT EXISTS `" + o.outbox_table +
         "` ("
         " id CHAR(36) NOT NULL PRIMARY KEY,"
         " aggregatetype VARCHAR(255) NOT NULL,"
         " aggregateid VARCHAR(255) NOT NULL,"
         " type VARCHAR(255) NOT NULL,"
         " payload LONGTEXT NOT NULL,"
         " created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)"
         ") ENGINE=InnoDB");
}

// Writes the outbox row of an event; with --delete-outbox-rows it is deleted
// again in the same transaction (the binlog keeps the insert, which is all
// Tor needs, and the table stays empty).
void write_event(connection& c, const std::string& order, const std::string& type, const std::string& payload) {
  c.exec("SET @event_id = UUID()");
  c.exec("INSERT INTO `" + opts->outbox_table + "` (id, aggregatetype, aggregateid, type, payload) VALUES (@event_id, " +
         "'order', " + c.quote(order) + ", " + c.quote(type) + ", " + c.quote(payload) + ")");
  if (opts->delete_outbox_rows) c.exec("DELETE FROM `" + opts->outbox_table + "` WHERE id = @event_id");
}

// Runs `body` on this thread's connection. A failure answers 503 and drops
// the connection (the next request reconnects); it is not retried here,
// because a connection lost during COMMIT leaves unknown whether it
// committed: the client decides (a repeated PUT answers 409 if it had).
template <class F>
void with_db(httplib::Response& res, F&& body) {
  try {
    body(db());
  } catch (const std::exception& e) {
    thread_connection().reset();
    std::cerr << "api-server: database error: " << e.what() << '\n';
    res.status = 503;
    res.set_content(std::string("database error: ") + e.what() + "\n", "text/plain");
  }
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  CLI::App app{"tor-api-server: orders with a transactional outbox (the service Tor's demo drives)"};
  std::string listen = "127.0.0.1:8080";
  app.add_option("--listen", listen, "HTTP address:port to listen on")->capture_default_str();
  app.add_option("--mysql-host", o.host, "MySQL host")->envname("TOR_MYSQL_HOST")->capture_default_str();
  app.add_option("--mysql-port", o.port, "MySQL port")->envname("TOR_MYSQL_PORT")->capture_default_str();
  app.add_option("--mysql-user", o.user, "MySQL user")->envname("TOR_MYSQL_USER")->capture_default_str();
  app.add_option("--mysql-password", o.password, "MySQL password")->envname("TOR_MYSQL_PASSWORD");
  app.add_option("--database", o.database, "Database holding the orders and outbox tables")
      ->envname("TOR_MYSQL_DATABASE")
      ->capture_default_str();
  app.add_option("--outbox-table", o.outbox_table, "Outbox table name")->capture_default_str();
  app.add_flag("--delete-outbox-rows", o.delete_outbox_rows,
               "Delete each outbox row in the transaction that inserted it (the binlog keeps it)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "api-server: --listen must be address:port, got \"" << listen << "\"\n";
    return 2;
  }
  o.listen_address = listen.substr(0, colon);
  try {
    o.listen_port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    std::cerr << "api-server: --listen port is not a number: \"" << listen << "\"\n";
    return 2;
  }
  opts = &o;

  if (mysql_library_init(0, nullptr, nullptr) != 0) {
    std::cerr << "api-server: cannot initialise the MySQL client library\n";
    return 1;
  }
  try {
    connection c(o);
    create_schema(c, o);
  } catch (const std::exception& e) {
    std::cerr << "api-server: " << e.what() << '\n';
    return 1;
  }

  httplib::Server server;
  // The content-reader form of the handler: cpp-httplib 0.11 answers 400 to a
  // PUT without Content-Length before calling a plain handler, and
  // `curl -X PUT URL` sends none. The body, if any, is read and ignored.
  server.Put(R"(/([^/]+))", [](const httplib::Request& req, httplib::Response& res,
                               const httplib::ContentReader& content) {
    if (req.has_header("Content-Length") || req.has_header("Transfer-Encoding"))
      content([](const char*, std::size_t) { return true; });
    const std::string id = lower(req.matches[1]);
    if (!is_uuid(id)) {
      res.status = 400;
      res.set_content("not a UUID: " + std::string(req.matches[1]) + "\n", "text/plain");
      return;
    }
    with_db(res, [&](connection& c) {
      transaction tx(c);
      try {
        c.exec("INSERT INTO orders (id, status) VALUES (" + c.quote(id) + ", 'created')");
      } catch (const db_error& e) {
        if (e.code != ER_DUP_ENTRY) throw;
        res.status = 409;
        res.set_content("order " + id + " exists\n", "text/plain");
        return;
      }
      write_event(c, id, "created", R"({"id":")" + id + R"(","status":"created"})");
      tx.commit();
      res.status = 201;
      res.set_content(R"({"id":")" + id + R"(","status":"created"})" "\n", "application/json");
    });
  });
  server.Delete(R"(/([^/]+))", [](const httplib::Request& req, httplib::Response& res) {
    const std::string id = lower(req.matches[1]);
    if (!is_uuid(id)) {
      res.status = 400;
      res.set_content("not a UUID: " + std::string(req.matches[1]) + "\n", "text/plain");
      return;
    }
    with_db(res, [&](connection& c) {
      transaction tx(c);
      c.exec("DELETE FROM orders WHERE id = " + c.quote(id));
      if (c.affected() == 0) {
        res.status = 404;
        res.set_content("no order " + id + "\n", "text/plain");
        return;
      }
      write_event(c, id, "deleted", R"({"id":")" + id + R"(","status":"deleted"})");
      tx.commit();
      res.set_content(R"({"id":")" + id + R"(","status":"deleted"})" "\n", "application/json");
    });
  });
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    with_db(res, [&](connection& c) {
      c.exec("SELECT 1");
      res.set_content("ok\n", "text/plain");
    });
  });

  if (!server.bind_to_port(o.listen_address, o.listen_port)) {
    std::cerr << "api-server: cannot listen on " << listen << " (is the port in use?)\n";
    return 1;
  }
  // SIGTERM/SIGINT stop the server from a thread that waits for them (a
  // signal handler must not call into the server).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    server.stop();
  });
  std::cerr << "api-server: listening on http://" << listen << " (database " << o.database << " at " << o.host << ':'
            << o.port << ")\n";
  server.listen_after_bind();
  if (waiter.joinable()) {
    pthread_kill(waiter.native_handle(), SIGTERM);  // wakes it if the server stopped on its own
    waiter.join();
  }
  std::cerr << "api-server: stopped\n";
  mysql_library_end();
  return 0;
}
