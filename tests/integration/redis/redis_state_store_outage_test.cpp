// tor::redis::state_store against a private second redis-server this test
// starts and restarts itself (scripts/servers.sh): a restart between saves,
// an outage while saving, a command timeout and NOSCRIPT.
//
// Environment (from `scripts/servers.sh env`): TOR_REDIS_PORT, TOR_RUN_DIR.
// The private server listens on TOR_REDIS_SPARE_PORT (default
// TOR_REDIS_PORT + 10).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include <tor/redis/state_store.hpp>

#include "redis_support.hpp"

using namespace std::chrono_literals;
using namespace tor::redis_test;
using tor::error;
using tor::error_kind;
using tor::redis::state_store;

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
