// tor::redis::state_store against a real redis-server (scripts/servers.sh):
// WAIT with a real replica of the shared server. Restarts and outages:
// redis_state_store_outage_test.cpp.
//
// Environment (from `scripts/servers.sh env`): TOR_REDIS_PORT, TOR_RUN_DIR.
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
