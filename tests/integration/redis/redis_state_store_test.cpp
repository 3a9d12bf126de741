// tor::redis::state_store against a real redis-server (scripts/servers.sh):
// bad stored data refused and quoted, and the example docs/state-stores.md
// quotes. The laws and round trips: redis_state_store_roundtrip_test.cpp;
// fencing: _fencing_test.cpp; credentials: _acl_test.cpp; connecting:
// _connect_test.cpp; WAIT: _durability_test.cpp; outages: _outage_test.cpp.
//
// Environment (from `scripts/servers.sh env`): TOR_REDIS_PORT.
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include <tor/redis/state_store.hpp>

#include "redis_support.hpp"

using namespace tor::redis_test;
using tor::error_kind;
using tor::redis::state_store;

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
