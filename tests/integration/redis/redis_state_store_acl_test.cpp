// tor::redis::state_store against a real redis-server (scripts/servers.sh):
// authenticating as an ACL user with exactly the rules docs/state-stores.md
// gives, and wrong credentials or missing permissions as clear errors.
//
// Environment (from `scripts/servers.sh env`): TOR_REDIS_PORT.
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include <unistd.h>

#include <tor/redis/state_store.hpp>

#include "redis_support.hpp"

using namespace tor::redis_test;
using tor::checkpoint;
using tor::error_kind;
using tor::redis::state_store;

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
