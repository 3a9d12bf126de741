// tor::redis::state_store against a real redis-server (scripts/servers.sh):
// unix sockets and databases, an unreachable server, settings refused
// before connecting. Credentials: redis_state_store_acl_test.cpp.
//
// Environment (from `scripts/servers.sh env`): TOR_REDIS_PORT,
// TOR_REDIS_SOCKET.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>

#include <stdlib.h>
#include <unistd.h>

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
