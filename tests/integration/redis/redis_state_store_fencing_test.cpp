// tor::redis::state_store against a real redis-server (scripts/servers.sh):
// of two owners of a key, the older is fenced off, and its saves change
// nothing.
//
// Environment (from `scripts/servers.sh env`): TOR_REDIS_PORT.
#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include <tor/redis/state_store.hpp>

#include "redis_support.hpp"

using namespace tor::redis_test;
using tor::checkpoint;
using tor::error;
using tor::error_kind;
using tor::redis::state_store;

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
