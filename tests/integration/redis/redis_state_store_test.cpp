// tor::redis::state_store against a real redis-server (scripts/servers.sh):
// round trip, the original Tor's value, fencing, bad stored data, ACL users,
// unix sockets, databases, WAIT with a real replica, and, on a private
// second server this test starts and restarts itself: a restart between
// saves, an outage while saving, a command timeout and NOSCRIPT.
//
// Environment (from `scripts/servers.sh env`): TOR_REDIS_PORT,
// TOR_REDIS_SOCKET, TOR_RUN_DIR. The private server listens on
// TOR_REDIS_SPARE_PORT (default TOR_REDIS_PORT + 10).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <tor/redis/state_store.hpp>

#include "laws/state_store_laws.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using tor::checkpoint;
using tor::error;
using tor::error_kind;
using tor::redis::state_store;
using tor::redis::state_store_config;

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v)
    FAIL(name << " is not set: run the Redis tests through scripts/test.sh, or eval \"$(scripts/servers.sh env)\" "
              "after scripts/servers.sh start redis");
  return v;
}

int redis_port() { return std::stoi(env("TOR_REDIS_PORT")); }

int spare_port() {
  if (const char* v = std::getenv("TOR_REDIS_SPARE_PORT"); v && *v) return std::stoi(v);
  return redis_port() + 10;
}

std::string unique(const std::string& name) { return "tor:test:" + name + ":" + std::to_string(::getpid()); }

// A raw connection for setting up and inspecting what the store wrote.
struct admin {
  tor::redis::detail::connection conn;
  explicit admin(int port, const std::string& socket = {}) : conn("127.0.0.1", port, socket, 2s, 5s) {}

  tor::redis::detail::reply_ptr raw(std::initializer_list<std::string_view> args) { return conn.command(args); }
  // The reply as text: strings, statuses and errors as they are, integers in decimal, nil as "(nil)".
  std::string operator()(std::initializer_list<std::string_view> args) {
    auto r = conn.command(args);
    switch (r->type) {
      case REDIS_REPLY_INTEGER: return std::to_string(r->integer);
      case REDIS_REPLY_NIL: return "(nil)";
      case REDIS_REPLY_ARRAY: return "(array of " + std::to_string(r->elements) + ")";
      default: return std::string(tor::redis::detail::text_of(*r));
    }
  }
};

state_store_config config_for(const std::string& key, int port) {
  state_store_config c;
  c.port = port;
  c.key = key;
  c.timeout = 1000ms;
  c.reconnect_backoff_min = 20ms;
  c.reconnect_backoff_max = 200ms;
  return c;
}

state_store_config config_for(const std::string& key) { return config_for(key, redis_port()); }

checkpoint at(std::uint64_t offset) {
  return {{"mysql-bin.000042", offset}, tor::gtid_set::parse("0-1-" + std::to_string(offset), tor::gtid_flavor::mariadb),
          "1"};
}

std::string message_of(const std::function<void()>& f, error_kind expected) {
  try {
    f();
  } catch (const error& e) {
    INFO(e.what());
    CHECK(e.kind() == expected);
    return e.what();
  }
  FAIL("no error thrown");
  return {};
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// A fresh, empty key pair for one test.
std::string fresh_key(admin& a, const std::string& name) {
  const auto key = unique(name);
  a({"DEL", key, key + ":owner"});
  return key;
}

int run_servers_sh(const std::string& run_dir, int port, const std::string& args) {
  const std::string cmd = "TOR_RUN_DIR='" + run_dir + "' TOR_REDIS_PORT=" + std::to_string(port) + " '" +
                          TOR_SOURCE_DIR + "/scripts/servers.sh' " + args + " >&2";
  return std::system(cmd.c_str());
}

// A private redis-server (AOF on) this test may stop, start and pause
// without disturbing anyone else; stopped and removed at the end.
struct private_redis {
  std::string run_dir;
  int port = spare_port();
  private_redis() {
    std::string tmpl = env("TOR_RUN_DIR") + "/spare-redis.XXXXXX";
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    run_dir = tmpl;
    start();
  }
  ~private_redis() {
    (void)run_servers_sh(run_dir, port, "stop redis");
    std::error_code ec;
    fs::remove_all(run_dir, ec);
  }
  void start() { REQUIRE(run_servers_sh(run_dir, port, "start redis") == 0); }
  void stop() { REQUIRE(run_servers_sh(run_dir, port, "stop redis") == 0); }
};

}  // namespace

TEST_CASE("Redis state store keeps the state store laws", "[redis]") {
  admin a(redis_port());
  const auto key = fresh_key(a, "laws");
  tor::laws::check_state_store_laws([&] { return std::make_unique<state_store>(config_for(key)); });
}

TEST_CASE("Redis state store: round trip leaves a JSON document operators can GET", "[redis]") {
  admin a(redis_port());
  const auto key = fresh_key(a, "roundtrip");
  auto cfg = config_for(key);
  cfg.holder = "test-holder-a";
  state_store s(cfg);
  CHECK_FALSE(s.load().has_value());
  REQUIRE(s.owner_epoch() == std::optional<std::uint64_t>(1));
  CHECK(a({"HGET", key + ":owner", "epoch"}) == "1");
  CHECK(a({"HGET", key + ":owner", "holder"}) == "test-holder-a");

  const auto before = std::chrono::system_clock::now();
  s.save(at(4711));
  const auto stored = a({"GET", key});
  CHECK(stored.rfind(R"({"version":1,"file":"mysql-bin.000042","offset":4711,"gtid_set":"0-1-4711",)", 0) == 0);
  CHECK(contains(stored, R"("saved_by":"test-holder-a")"));
  CHECK(contains(stored, R"("owner_epoch":1})"));
  CHECK(a({"TYPE", key}) == "string");

  state_store reader(config_for(key));
  const auto peeked = reader.peek();
  REQUIRE(peeked);
  CHECK(peeked->state == at(4711));
  CHECK(peeked->owner_epoch == 1);
  CHECK(peeked->saved_by == "test-holder-a");
  CHECK_FALSE(reader.owner_epoch().has_value());  // peek does not claim
  CHECK(a({"HGET", key + ":owner", "epoch"}) == "1");

  const auto& st = s.status();
  REQUIRE(st.last_save);
  CHECK(*st.last_save >= before);
  CHECK(st.saves == 1);
  CHECK(st.consecutive_failures == 0);
  CHECK(st.staleness(*st.last_save + 1500ms) == std::optional<std::chrono::milliseconds>(1500ms));
}

TEST_CASE("Redis state store reads the original Tor's value and upgrades it on the next save", "[redis]") {
  admin a(redis_port());
  const auto key = fresh_key(a, "original");
  a({"SET", key, R"({"name":"mysql-bin.000003","pos":1234})"});
  state_store s(config_for(key));
  const auto doc = s.load_document();
  REQUIRE(doc);
  CHECK(doc->format == tor::checkpoint_format::original_tor);
  CHECK(doc->state.position == tor::binlog_position{"mysql-bin.000003", 1234});
  CHECK(doc->state.gtids.empty());
  CHECK(doc->state.server_id.empty());
  CHECK(a({"GET", key}) == R"({"name":"mysql-bin.000003","pos":1234})");  // loading changes nothing

  s.save(at(5000));
  CHECK(contains(a({"GET", key}), R"("version":1)"));
  CHECK(state_store(config_for(key)).load() == std::optional<checkpoint>(at(5000)));
}

TEST_CASE("Redis state store fences off the older of two owners", "[redis]") {
  admin a(redis_port());
  const auto key = fresh_key(a, "fencing");
  auto cfg_a = config_for(key);
  cfg_a.holder = "instance-a";
  auto cfg_b = config_for(key);
  cfg_b.holder = "instance-b";

  state_store first(cfg_a);
  CHECK_FALSE(first.load().has_value());
  first.save(at(100));

  state_store second(cfg_b);  // started by mistake, or as the replacement
  CHECK(second.load() == std::optional<checkpoint>(at(100)));
  CHECK(second.owner_epoch() == std::optional<std::uint64_t>(2));

  const auto stored_before = a({"GET", key});
  const auto msg = message_of([&] { first.save(at(200)); }, error_kind::fenced);
  CHECK(contains(msg, "owner epoch 2, claimed by instance-b at "));
  CHECK(contains(msg, "this instance (epoch 1, instance-a)"));
  CHECK(contains(msg, "must stop"));
  CHECK(contains(msg, key));
  CHECK(a({"GET", key}) == stored_before);  // the refused save changed nothing

  second.save(at(300));
  CHECK_THROWS_MATCHES(first.save(at(400)), error, Catch::Predicate<error>([](const error& e) {
                         return e.kind() == error_kind::fenced;
                       }));
  CHECK(state_store(config_for(key)).peek()->state == at(300));
  CHECK(first.status().failed_saves == 2);
  CHECK(first.status().saves == 1);

  // A deleted owner record is re-established by the next save, and epochs
  // only grow: the older instance is refused again as soon as the newer one saved.
  a({"DEL", key + ":owner"});
  second.save(at(500));
  CHECK(a({"HGET", key + ":owner", "epoch"}) == "2");
  CHECK(a({"HGET", key + ":owner", "holder"}) == "instance-b");
  CHECK_THROWS_AS(first.save(at(600)), error);
  CHECK(state_store(config_for(key)).peek()->state == at(500));
}

TEST_CASE("Redis state store refuses bad stored data, quoting it", "[redis]") {
  admin a(redis_port());
  const auto key = fresh_key(a, "garbage");

  a({"SET", key, "hello world"});
  auto msg = message_of([&] { (void)state_store(config_for(key)).load(); }, error_kind::state);
  CHECK(contains(msg, "Redis key '" + key + "' at 127.0.0.1:"));
  CHECK(contains(msg, R"(found "hello world")"));
  CHECK(contains(msg, "docs/state-stores.md"));

  a({"SET", key, std::string(10000, '#')});
  msg = message_of([&] { (void)state_store(config_for(key)).load(); }, error_kind::state);
  CHECK(contains(msg, "(10000 bytes in all)"));
  CHECK(msg.size() < 1200);

  a({"SET", key, "1234"});
  msg = message_of([&] { (void)state_store(config_for(key)).load(); }, error_kind::state);
  CHECK(contains(msg, "offset without a binlog file name"));

  a({"SET", key, R"({"version":1,"file":"mysql-bin.000001","offset":-3})"});
  CHECK(contains(message_of([&] { (void)state_store(config_for(key)).load(); }, error_kind::state),
                 "\"offset\" is negative (-3)"));

  a({"DEL", key});
  a({"RPUSH", key, "mysql-bin.000001", "4"});
  state_store claimed(config_for(key));
  msg = message_of([&] { (void)claimed.load(); }, error_kind::state);
  CHECK(contains(msg, "holds a Redis list"));
  CHECK(claimed.owner_epoch().has_value());  // it claimed; the value needs an operator
  // Already claimed, the next load reads with GET and says the same.
  CHECK(contains(message_of([&] { (void)claimed.load(); }, error_kind::state), "holds a Redis list"));
  CHECK(contains(message_of([&] { (void)state_store(config_for(key)).peek(); }, error_kind::state),
                 "holds a Redis list"));

  // A save never overwrites a value of another type.
  msg = message_of([&] { claimed.save(at(1)); }, error_kind::state);
  CHECK(contains(msg, "holds a Redis list"));
  CHECK(a({"TYPE", key}) == "list");
  CHECK(claimed.status().failed_saves == 1);

  // A damaged owner record is named too.
  a({"DEL", key});
  a({"SET", key + ":owner", "not a hash"});
  msg = message_of([&] { (void)state_store(config_for(key)).load(); }, error_kind::state);
  CHECK(contains(msg, "owner record '" + key + ":owner' is damaged"));
  CHECK(contains(msg, "holds a string"));
  a({"DEL", key + ":owner"});
  a({"HSET", key + ":owner", "epoch", "seven"});
  CHECK(contains(message_of([&] { (void)state_store(config_for(key)).load(); }, error_kind::state),
                 "owner epoch is not a number: seven"));
  a({"DEL", key, key + ":owner"});
}

TEST_CASE("Redis state store authenticates as an ACL user, and wrong credentials are a clear error", "[redis]") {
  admin a(redis_port());
  const auto key = fresh_key(a, "acl");
  const auto user = "tor-test-acl-" + std::to_string(::getpid());
  const auto limited = user + "-limited";
  struct drop_users {
    admin& a;
    std::string u1, u2;
    ~drop_users() { a({"ACL", "DELUSER", u1, u2}); }
  } cleanup{a, user, limited};

  // Exactly the rules docs/state-stores.md gives.
  REQUIRE(a({"ACL", "SETUSER", user, "reset", "on", ">s3cret-pw", "~" + key, "~" + key + ":owner", "resetchannels",
             "-@all", "+get", "+set", "+type", "+hget", "+hset", "+hincrby", "+eval", "+evalsha", "+script|load",
             "+wait", "+ping"}) == "OK");
  auto cfg = config_for(key);
  cfg.username = user;
  cfg.password = "s3cret-pw";
  {
    state_store s(cfg);
    CHECK_FALSE(s.load().has_value());
    s.save(at(77));
    CHECK(state_store(cfg).load() == std::optional<checkpoint>(at(77)));
  }

  cfg.password = "wrong-pw";
  state_store wrong(cfg);
  auto msg = message_of([&] { (void)wrong.load(); }, error_kind::state);
  CHECK(contains(msg, "WRONGPASS"));
  CHECK(contains(msg, "refused the credentials of user '" + user + "'"));
  CHECK_FALSE(contains(msg, "wrong-pw"));
  CHECK_FALSE(contains(msg, "s3cret-pw"));
  CHECK(wrong.status().last_failure.has_value());

  // A user without the scripting permissions is told what to grant.
  REQUIRE(a({"ACL", "SETUSER", limited, "reset", "on", ">pw2", "~tor:test:*", "-@all", "+get", "+type", "+ping"}) ==
          "OK");
  cfg.username = limited;
  cfg.password = "pw2";
  msg = message_of([&] { state_store(cfg).save(at(1)); }, error_kind::state);
  CHECK(contains(msg, "NOPERM"));
  CHECK(contains(msg, "lacks a permission Tor needs"));
  CHECK(state_store(config_for(key)).peek()->state == at(77));
}

TEST_CASE("Redis state store connects over a unix socket and to another database", "[redis]") {
  admin a(redis_port());
  const auto key = fresh_key(a, "socket");
  auto cfg = config_for(key);
  cfg.unix_socket = env("TOR_REDIS_SOCKET");
  cfg.database = 3;
  state_store s(cfg);
  CHECK(contains(s.where(), "unix:" + cfg.unix_socket + " database 3"));
  CHECK_FALSE(s.load().has_value());
  s.save(at(9));
  CHECK(a({"EXISTS", key}) == "0");  // not in database 0
  a({"SELECT", "3"});
  CHECK(contains(a({"GET", key}), R"("offset":9)"));
  a({"DEL", key, key + ":owner"});
}

TEST_CASE("Redis state store: an unreachable server is transient, with backoff", "[redis]") {
  auto cfg = config_for("tor:test:unreachable");
  std::string dir = (fs::temp_directory_path() / "tor-redis-none.XXXXXX").string();
  REQUIRE(::mkdtemp(dir.data()) != nullptr);
  struct remove_dir {
    std::string path;
    ~remove_dir() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  } cleanup{dir};
  cfg.unix_socket = dir + "/no-server.sock";
  cfg.reconnect_backoff_min = 5000ms;
  cfg.reconnect_backoff_max = 5000ms;
  state_store s(cfg);
  auto msg = message_of([&] { s.save(at(1)); }, error_kind::transient);
  CHECK(contains(msg, "cannot connect"));
  CHECK(contains(msg, cfg.unix_socket));
  // Within the backoff, no connection is attempted.
  msg = message_of([&] { s.save(at(1)); }, error_kind::transient);
  CHECK(contains(msg, "next connection attempt in"));
  CHECK(s.status().failed_saves == 2);
  CHECK(s.status().consecutive_failures == 2);
  CHECK_FALSE(s.status().last_save.has_value());
}

TEST_CASE("Redis state store: bad settings are refused before connecting", "[redis]") {
  auto bad = [](auto change, const std::string& part) {
    auto cfg = config_for("k", 6379);
    change(cfg);
    CHECK(contains(message_of([&] { state_store s(cfg); }, error_kind::invalid_argument), part));
  };
  bad([](auto& c) { c.key.clear(); }, "key is empty");
  bad([](auto& c) { c.port = 70000; }, "port 70000");
  bad([](auto& c) { c.username = "u"; }, "without a password");
  bad([](auto& c) { c.timeout = 0ms; }, "timeout must be positive");
  bad([](auto& c) { c.reconnect_backoff_max = 1ms; }, "reconnect_backoff_max");
  bad([](auto& c) { c.wait_replicas = -1; }, "wait_replicas");
}

TEST_CASE("Redis state store waits for replicas when configured", "[redis]") {
  admin a(redis_port());
  const auto key = fresh_key(a, "wait");
  // The primary waits 5 s by default before a diskless full sync, hoping
  // more replicas join; nothing else joins here.
  const auto delay = [&] {
    auto r = a.raw({"CONFIG", "GET", "repl-diskless-sync-delay"});
    REQUIRE(r->type == REDIS_REPLY_ARRAY);
    REQUIRE(r->elements == 2);
    return std::string(tor::redis::detail::text_of(*r->element[1]));
  }();
  REQUIRE(a({"CONFIG", "SET", "repl-diskless-sync-delay", "0"}) == "OK");
  struct restore_delay {
    admin& a;
    std::string value;
    ~restore_delay() { a({"CONFIG", "SET", "repl-diskless-sync-delay", value}); }
  } restore{a, delay};
  // A replica of the shared server, listening on a unix socket only.
  std::string dir = env("TOR_RUN_DIR") + "/replica.XXXXXX";
  REQUIRE(::mkdtemp(dir.data()) != nullptr);
  const auto sock = dir + "/replica.sock";
  const auto start = "redis-server --port 0 --unixsocket '" + sock + "' --dir '" + dir + "' --pidfile '" + dir +
                     "/replica.pid' --logfile '" + dir + "/replica.log' --save '' --daemonize yes --replicaof 127.0.0.1 " +
                     std::to_string(redis_port());
  REQUIRE(std::system(start.c_str()) == 0);
  struct stop_replica {
    std::string sock, dir;
    ~stop_replica() {
      (void)std::system(("redis-cli -s '" + sock + "' shutdown nosave >/dev/null 2>&1").c_str());
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{sock, dir};

  const auto deadline = std::chrono::steady_clock::now() + 20s;
  std::unique_ptr<admin> replica;
  while (true) {
    try {
      if (!replica) replica = std::make_unique<admin>(0, sock);
      if (contains((*replica)({"INFO", "replication"}), "master_link_status:up")) break;
    } catch (const tor::redis::detail::io_failure&) {
      replica.reset();
    }
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(50ms);
  }

  auto cfg = config_for(key);
  cfg.wait_replicas = 1;
  cfg.wait_timeout = 5000ms;
  state_store s(cfg);
  (void)s.load();
  s.save(at(11));
  CHECK(contains((*replica)({"GET", key}), R"("offset":11)"));  // acknowledged means it is there

  cfg.wait_replicas = 2;
  cfg.wait_timeout = 100ms;
  state_store wants_two(cfg);
  (void)wants_two.load();
  const auto msg = message_of([&] { wants_two.save(at(12)); }, error_kind::transient);
  CHECK(contains(msg, "only 1 of 2 replicas acknowledged it within 100 ms"));
  CHECK(wants_two.status().failed_saves == 1);
  a({"DEL", key, key + ":owner"});
}

TEST_CASE("Redis state store survives restarts and outages of its server", "[redis]") {
  private_redis server;
  admin a(server.port);
  const auto key = unique("restart");
  state_store s(config_for(key, server.port));
  CHECK_FALSE(s.load().has_value());
  s.save(at(1));

  SECTION("restarted between saves: the checkpoint and the ownership survive, the next save just works") {
    server.stop();
    server.start();
    CHECK(state_store(config_for(key, server.port)).peek()->state == at(1));
    s.save(at(2));  // reconnects on the dead connection's first failure, no error
    CHECK(s.status().failed_saves == 0);
    CHECK(state_store(config_for(key, server.port)).peek()->state == at(2));
    CHECK(admin(server.port)({"HGET", key + ":owner", "epoch"}) == "1");
  }

  SECTION("down, then up, while saving: transient errors, then success") {
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> saved{0}, transient{0}, other{0};
    std::string other_message;
    std::thread saver([&] {
      for (std::uint64_t off = 2; !stop; ++off) {
        try {
          s.save(at(off));
          saved = off;
        } catch (const error& e) {
          (e.transient() ? transient : other)++;
          if (!e.transient()) other_message = e.what();
        }
        std::this_thread::sleep_for(10ms);
      }
    });
    std::this_thread::sleep_for(200ms);
    server.stop();
    const auto saved_before_outage = saved.load();
    std::this_thread::sleep_for(500ms);
    const auto saved_during_outage = saved.load();
    server.start();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (saved.load() <= saved_during_outage && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(20ms);
    stop = true;
    saver.join();

    INFO(other_message);
    CHECK(other == 0);
    CHECK(transient > 0);
    CHECK(saved_before_outage > 1);
    CHECK(saved > saved_during_outage);  // saving resumed after the server came back
    CHECK(s.status().consecutive_failures == 0);
    CHECK(state_store(config_for(key, server.port)).peek()->state == at(saved));
  }

  SECTION("no answer within the command timeout is transient") {
    auto cfg = config_for(key, server.port);
    cfg.timeout = 300ms;
    state_store impatient(cfg);  // claims the key from s
    (void)impatient.load();
    a({"CLIENT", "PAUSE", "2000", "WRITE"});
    const auto msg = message_of([&] { impatient.save(at(3)); }, error_kind::transient);
    CHECK(contains(msg, "no answer within timeout (300 ms)"));
    a({"CLIENT", "UNPAUSE"});
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    bool ok = false;
    while (!ok && std::chrono::steady_clock::now() < deadline) {
      try {
        impatient.save(at(4));
        ok = true;
      } catch (const error& e) {
        REQUIRE(e.transient());
        std::this_thread::sleep_for(20ms);
      }
    }
    CHECK(ok);
    CHECK(state_store(config_for(key, server.port)).peek()->state == at(4));
  }

  SECTION("a flushed script cache falls back from EVALSHA to EVAL") {
    a({"SCRIPT", "FLUSH"});
    a({"CONFIG", "RESETSTAT"});
    s.save(at(5));
    const auto stats = a({"INFO", "commandstats"});
    CHECK(contains(stats, "cmdstat_evalsha:calls=1,"));
    CHECK(contains(stats, "cmdstat_eval:calls=1,"));
    s.save(at(6));  // EVAL cached the script again
    CHECK(contains(a({"INFO", "commandstats"}), "cmdstat_evalsha:calls=2,"));
    CHECK(state_store(config_for(key, server.port)).peek()->state == at(6));
  }
}

// The example quoted in docs/state-stores.md.
TEST_CASE("Redis state store: the documented example", "[redis]") {
  admin a(redis_port());
  const auto key = fresh_key(a, "docs");
  const int port = redis_port();
  // [docs-redis-example]
  tor::redis::state_store_config cfg;
  cfg.host = "127.0.0.1";
  cfg.port = port;
  cfg.key = key;  // the owner record lives at key + ":owner"
  tor::redis::state_store store(cfg);

  std::optional<tor::checkpoint> resume = store.load();  // claims ownership of the key
  // ... the router publishes, then saves the committable checkpoint:
  tor::checkpoint done;  // in the router: the committable checkpoint
  done.position = tor::binlog_position::parse("mysql-bin.000003:1234");
  try {
    store.save(done);
  } catch (const tor::error& e) {
    if (e.kind() == tor::error_kind::fenced) throw;  // another instance took over: stop
    if (!e.transient()) throw;                       // credentials, permissions, bad data
    // transient: keep publishing, save again later; store.status() shows the lag
  }
  // [docs-redis-example]
  CHECK_FALSE(resume.has_value());
  CHECK(store.peek()->state == done);
  a({"DEL", key, key + ":owner"});
}
