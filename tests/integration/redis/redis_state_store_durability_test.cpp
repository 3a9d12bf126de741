// tor::redis::state_store against a real redis-server (scripts/servers.sh):
// WAIT with a real replica, and, on a private second server this test starts
// and restarts itself: a restart between saves, an outage while saving, a
// command timeout and NOSCRIPT.
//
// Environment (from `scripts/servers.sh env`): TOR_REDIS_PORT, TOR_RUN_DIR.
// The private server listens on TOR_REDIS_SPARE_PORT (default
// TOR_REDIS_PORT + 10).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <thread>

#include <stdlib.h>

#include <tor/redis/state_store.hpp>

#include "redis_support.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace tor::redis_test;
using tor::checkpoint;
using tor::error;
using tor::error_kind;
using tor::redis::state_store;
using tor::redis::state_store_config;

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
