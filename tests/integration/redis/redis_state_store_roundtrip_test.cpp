// tor::redis::state_store against a real redis-server (scripts/servers.sh):
// the state store laws, the JSON document a save leaves for operators, and
// the original Tor's value read and upgraded. Fencing, bad stored data and
// the documented example: redis_state_store_test.cpp.
//
// Environment (from `scripts/servers.sh env`): TOR_REDIS_PORT.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <tor/redis/state_store.hpp>

#include "laws/state_store_laws.hpp"
#include "redis_support.hpp"

using namespace std::chrono_literals;
using namespace tor::redis_test;
using tor::checkpoint;
using tor::redis::state_store;

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
